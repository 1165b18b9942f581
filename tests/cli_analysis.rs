//! Golden tests of the analysis verbs: the real binary on `data/sample-vn-ict.csv`.
//! Expected values are derived here, independently of the library, from the
//! data file (composite = plain mean of the five pillars, ranks on scores
//! rounded to 4 decimals) or from published facts (Vĩnh Phúc's 2016 ranks).

use std::process::Command;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/sample-vn-ict.csv");
/// Improvements from the binary and from the formula here agree to rounding.
const CLOSE: f64 = 1e-9;
/// Half a unit of the 4th decimal: the rounding margin of ranks.
const HALF: f64 = 0.00005;

type Rows = Vec<(String, String, [f64; 5])>;

fn run(args: &[&str]) -> (String, String, i32) {
    let out = Command::new(env!("CARGO_BIN_EXE_ictindex"))
        .args(args)
        .output()
        .unwrap();
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
        out.status.code().unwrap_or(-1),
    )
}

fn ok(args: &[&str]) -> String {
    let (out, err, code) = run(args);
    assert_eq!(code, 0, "{args:?}: {err}");
    out
}

/// (code, name, pillars) of every unit of `year`, in file order.
fn rows(year: &str) -> Rows {
    std::fs::read_to_string(DATA)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect::<Vec<_>>())
        .filter(|f| f[2] == year)
        .map(|f| {
            let p: Vec<f64> = f[4..9].iter().map(|x| x.parse().unwrap()).collect();
            (f[0].to_string(), f[1].to_string(), [p[0], p[1], p[2], p[3], p[4]])
        })
        .collect()
}

fn round4(x: f64) -> f64 {
    (x * 1e4).round() / 1e4
}

/// Competition ranks of `scores` rounded to 4 decimals.
fn ranks(scores: &[f64]) -> Vec<usize> {
    scores
        .iter()
        .map(|&s| 1 + scores.iter().filter(|&&o| round4(o) > round4(s)).count())
        .collect()
}

fn mean(p: &[f64]) -> f64 {
    p.iter().sum::<f64>() / p.len() as f64
}

/// The smallest raise of one pillar (weight 1/5 of the index) that brings
/// unit `u` to rank `r`: its rounded index must reach the r-th best rounded
/// index among the others.
fn needed(data: &Rows, u: usize, r: usize) -> f64 {
    let c = mean(&data[u].2);
    let mut others: Vec<f64> = data
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != u)
        .map(|(_, x)| round4(mean(&x.2)))
        .collect();
    others.sort_by(|a, b| b.total_cmp(a));
    5.0 * (others[r - 1] - HALF - c)
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap()
}

fn position(data: &Rows, code: &str) -> usize {
    data.iter().position(|x| x.0 == code).unwrap()
}

#[test]
fn target_sentence_for_vinh_phuc_top_20() {
    let data = rows("2016");
    let u = position(&data, "26");
    let delta = needed(&data, u, 20);
    let a = json(&ok(&[
        "target",
        DATA,
        "--unit",
        "Vĩnh Phúc",
        "--node",
        "HTKT",
        "--rank",
        "20",
        "--format",
        "json",
    ]));
    assert_eq!(a["status"], "needed");
    assert!(
        (a["improvement"].as_f64().unwrap() - delta).abs() < CLOSE,
        "{a} vs {delta}"
    );
    assert_eq!(a["newRank"].as_u64().unwrap(), 20);
    let shown = format!("{:.4}", (delta * 1e4).ceil() / 1e4).replace('.', ",");
    assert_eq!(
        ok(&["target", DATA, "--unit", "vinh phuc", "--node", "HTKT", "--rank", "20"]),
        format!("Vĩnh Phúc cần tăng hạ tầng kỹ thuật thêm {shown} điểm để vào top 20\n")
    );
    assert_eq!(
        ok(&["target", DATA, "--unit", "26", "--node", "HTKT", "--rank", "20", "--lang", "en"]),
        format!(
            "Vĩnh Phúc needs to raise technical infrastructure by {} points to enter the top 20\n",
            shown.replace(',', ".")
        )
    );
}

#[test]
fn gaps_to_the_next_rank() {
    let data = rows("2016");
    let index: Vec<f64> = data.iter().map(|x| mean(&x.2)).collect();
    let rk = ranks(&index);
    let out = ok(&["target", DATA, "--gaps", "--format", "csv"]);
    let mut lines = out.lines();
    assert_eq!(lines.next().unwrap(), "code,name,rank,HTKT,HTNL,UD,SXKD,MT");
    let mut checked = 0;
    for (u, line) in lines.enumerate() {
        let f: Vec<&str> = line.split(',').collect();
        assert_eq!(f[0], data[u].0);
        assert_eq!(f[2].parse::<usize>().unwrap(), rk[u]);
        for (p, cell) in f[3..8].iter().enumerate() {
            if rk[u] == 1 {
                assert!(cell.is_empty());
                continue;
            }
            let delta = needed(&data, u, rk[u] - 1);
            // Reachable through pillar p when the raise fits under the ceiling 1.
            if data[u].2[p] + delta <= 1.0 {
                assert!((cell.parse::<f64>().unwrap() - delta).abs() < CLOSE, "{line}");
                checked += 1;
            } else {
                assert!(cell.is_empty(), "{line}");
            }
        }
    }
    assert!(checked > 250, "{checked}");
}

#[test]
fn explain_vinh_phuc() {
    let now = rows("2016");
    let before = rows("2015");
    let u = position(&now, "26");
    let b = position(&before, "26");
    let x = json(&ok(&["explain", DATA, "--unit", "Vĩnh Phúc", "--format", "json"]));
    let mut sum = 0.0;
    for (p, c) in x["pillars"].as_array().unwrap().iter().enumerate() {
        // Equal weights, arithmetic mean: each pillar contributes Δs/5.
        let expect = (now[u].2[p] - before[b].2[p]) / 5.0;
        assert!((c["contribution"].as_f64().unwrap() - expect).abs() < CLOSE);
        sum += c["contribution"].as_f64().unwrap();
    }
    assert!((sum - x["change"].as_f64().unwrap()).abs() < CLOSE);
    // Published (DOMAIN.md): MT 9th, up 11 places — the largest pillar move.
    let text = ok(&["explain", DATA, "--unit", "26"]);
    assert!(text.starts_with("Năm 2016, điểm chỉ số của Vĩnh Phúc"), "{text}");
    assert!(text.contains("xếp thứ 26/63"), "{text}");
    assert!(
        text.ends_with("Môi trường tổ chức – chính sách thay đổi thứ hạng nhiều nhất: xếp thứ 9, tăng 11 bậc.\n"),
        "{text}"
    );
    let md = ok(&["explain", DATA, "--unit", "26", "--format", "md", "--lang", "en"]);
    assert!(
        md.contains("| organisational and policy environment | 0.5374 | 0.5952 |"),
        "{md}"
    );
}

#[test]
fn uncertainty_is_seeded_and_starts_from_the_nominal_ranks() {
    let data = rows("2016");
    let rk = ranks(&data.iter().map(|x| mean(&x.2)).collect::<Vec<_>>());
    let args = ["uncertainty", DATA, "--samples", "500", "--seed", "7", "--top", "20"];
    let a = ok(&args);
    assert_eq!(a, ok(&args), "same seed, same output");
    let other = ok(&["uncertainty", DATA, "--samples", "500", "--seed", "8", "--top", "20"]);
    assert_ne!(a, other);
    let mut lines = a.lines();
    assert_eq!(
        lines.next().unwrap(),
        "code,name,nominal_rank,median_rank,p5_rank,p95_rank,top_share"
    );
    for (u, line) in lines.enumerate() {
        let f: Vec<&str> = line.split(',').collect();
        assert_eq!(f[2].parse::<usize>().unwrap(), rk[u], "{line}");
        let (med, p5, p95): (f64, f64, f64) = (f[3].parse().unwrap(), f[4].parse().unwrap(), f[5].parse().unwrap());
        assert!(p5 <= med && med <= p95, "{line}");
        let share: f64 = f[6].parse().unwrap();
        // Top-20 share: 0 when even the 5th percentile is outside (ranks are whole numbers,
        // so p5 > 20 means at least 95 % of samples are outside; all of them when the
        // rank never reaches 20), and at least 0.95 when the 95th percentile is inside.
        if p95 <= 20.0 {
            assert!(share >= 0.95, "{line}");
        }
        if p5 > 20.0 {
            assert!(share <= 0.05, "{line}");
        }
    }
    let j = json(&ok(&[
        "uncertainty",
        DATA,
        "--samples",
        "100",
        "--dirichlet",
        "50",
        "--format",
        "json",
    ]));
    assert_eq!(j["samples"], 100);
    assert_eq!(j["units"].as_array().unwrap().len(), 63);
}

#[test]
fn leave_one_pillar_out() {
    let data = rows("2016");
    let full = ranks(&data.iter().map(|x| mean(&x.2)).collect::<Vec<_>>());
    let out = ok(&["sensitivity", DATA, "--format", "csv"]);
    let mut lines = out.lines();
    assert_eq!(lines.next().unwrap(), "code,name,rank,HTKT,HTNL,UD,SXKD,MT");
    let without: Vec<Vec<usize>> = (0..5)
        .map(|p| {
            let s: Vec<f64> = data
                .iter()
                .map(|x| {
                    let kept: Vec<f64> = (0..5).filter(|&q| q != p).map(|q| x.2[q]).collect();
                    mean(&kept)
                })
                .collect();
            ranks(&s)
        })
        .collect();
    for (u, line) in lines.enumerate() {
        let f: Vec<&str> = line.split(',').collect();
        for p in 0..5 {
            let shift = full[u] as i64 - without[p][u] as i64;
            assert_eq!(f[3 + p].parse::<i64>().unwrap(), shift, "{line}");
        }
    }
    let v = json(&ok(&[
        "sensitivity",
        DATA,
        "--method",
        "variance",
        "--samples",
        "100",
        "--bootstrap",
        "20",
        "--format",
        "json",
    ]));
    let factors = v["factors"].as_array().unwrap();
    assert_eq!(factors.len(), 5);
    assert_eq!(factors[0]["factor"]["node"], "HTKT");
    assert_eq!(v["runs"], 700);
}

#[test]
fn errors_are_reported_in_the_chosen_language() {
    let (_, err, code) = run(&["explain", DATA, "--unit", "26", "--year", "2015"]);
    assert_eq!(code, 1);
    assert_eq!(err.trim(), "không có kỳ trước để so sánh");
    let (_, err, code) = run(&["target", DATA, "--unit", "Atlantis", "--node", "HTKT", "--lang", "en"]);
    assert_eq!(code, 1);
    assert!(err.contains("no unit matches \"Atlantis\""), "{err}");
    let (_, _, code) = run(&["target", DATA, "--unit", "26"]);
    assert_eq!(code, 2, "--node is required without --gaps");
    let (_, err, code) = run(&["uncertainty", DATA, "--normalisations", "geometric"]);
    assert_eq!(code, 1);
    assert!(err.contains("normalisations"), "{err}");
}
