//! Golden tests of `ictindex rebase` on the sample data: the real binary, its
//! output compared with files under `tests/golden/` (regenerate them with
//! `ICTINDEX_BLESS=1 cargo test --test rebase_cli`, then read the diff), plus
//! hand-checked values that do not depend on the golden files.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_ictindex");
const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/sample-vn-ict.csv");

/// Means of three 4-decimal values, read back from shortest-form text: a few ulps.
const CLOSE: f64 = 1e-12;

fn run(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().expect("the binary runs")
}

fn stdout(args: &[&str]) -> String {
    let out = run(args);
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

fn golden(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden").join(name);
    if std::env::var_os("ICTINDEX_BLESS").is_some() {
        std::fs::write(&path, actual).expect("golden file written");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(actual, expected, "output differs from {}", path.display());
}

/// A scratch file under the target directory, unique to this test.
fn scratch(name: &str, text: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("rebase_cli");
    std::fs::create_dir_all(&dir).expect("scratch directory");
    let path = dir.join(name);
    std::fs::write(&path, text).expect("scratch file written");
    path
}

fn field(line: &str, k: usize) -> &str {
    line.split(',').nth(k).unwrap_or_default()
}

#[test]
fn rebase_writes_the_34_units() {
    let out = stdout(&["rebase", SAMPLE, "--to", "2025"]);
    golden("rebase-sample.csv", &out);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "code,name,year,group,HTKT,HTNL,UD,SXKD,MT");
    assert_eq!(lines.len(), 1 + 2 * 34);
    // Phú Thọ 2016 = mean of Phú Thọ, Vĩnh Phúc, Hòa Bình (sums 1.0817, 1.4082, 1.0557, 0.6580, 1.6024).
    let pt = lines
        .iter()
        .find(|l| l.starts_with("25,Phú Thọ,2016,"))
        .expect("Phú Thọ 2016");
    for (k, sum) in [1.0817, 1.4082, 1.0557, 0.6580, 1.6024].iter().enumerate() {
        let v: f64 = field(pt, 4 + k).parse().unwrap();
        assert!((v - sum / 3.0).abs() < CLOSE, "{k}: {v}");
    }
    // Hà Nội is unchanged: the sample's row as it is.
    let sample = std::fs::read_to_string(SAMPLE).unwrap();
    let hn = sample.lines().find(|l| l.starts_with("01,Hà Nội,2016,")).unwrap();
    assert!(lines.contains(&hn));
}

#[test]
fn pillars_equal_leaves_when_pillars_are_leaves() {
    // The built-in framework's pillars are its leaves, used as given.
    let leaves = stdout(&["rebase", SAMPLE]);
    let pillars = stdout(&["rebase", SAMPLE, "--level", "pillars"]);
    assert_eq!(leaves, pillars);
}

#[test]
fn rebased_output_reads_back_as_data() {
    let csv = stdout(&["rebase", SAMPLE]);
    let file = scratch("rebased.csv", &csv);
    let direct = stdout(&["rebase", SAMPLE, "--score", "--year", "2016"]);
    let again = stdout(&["score", file.to_str().unwrap(), "--year", "2016"]);
    assert_eq!(direct, again);
}

#[test]
fn score_the_34() {
    let out = stdout(&[
        "rebase", SAMPLE, "--score", "--format", "md", "--lang", "en", "--year", "2016",
    ]);
    golden("rebase-score-2016.md", &out);
    assert_eq!(out.lines().count(), 2 + 34);
    assert!(out.lines().nth(2).unwrap().starts_with("| 1 | Hà Nội | 0.6705 |"));
}

#[test]
fn report_names_the_former_provinces() {
    let vi = stdout(&["rebase", SAMPLE, "--unit", "Vĩnh Phúc", "--year", "2016"]);
    golden("rebase-unit-vinh-phuc.txt", &vi);
    assert!(vi.starts_with("Năm 2016, Phú Thọ (gồm Phú Thọ, Vĩnh Phúc, Hòa Bình) xếp thứ "));
    assert!(vi.contains("/34, "));
    // Published: Vĩnh Phúc 26th of 63 in 2016.
    assert!(vi.contains("\n- Vĩnh Phúc: xếp thứ 26/63, chỉ số "), "{vi}");
    let en = stdout(&["rebase", SAMPLE, "--unit", "25", "--lang", "en"]);
    golden("rebase-unit-phu-tho-en.txt", &en);
    assert!(en.contains(
        "- Hòa Bình: 35th of 63, index 0.3613, 0.0258 below the mean of its former provinces (pulled it down)"
    ));
    let json = stdout(&["rebase", SAMPLE, "--unit", "26", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["report"]["members"][1], "Vĩnh Phúc");
    assert_eq!(v["members"][1]["index"]["rank"], 26);
    assert_eq!(v["geography"], "old");
}

#[test]
fn rank_change_across_the_boundary() {
    // A new-map edition: the re-based 2016 relabelled 2025, Phú Thọ lifted to the top.
    let rebased = stdout(&["rebase", SAMPLE]);
    let mut new = String::from("code,name,year,group,HTKT,HTNL,UD,SXKD,MT\n");
    for line in rebased.lines().filter(|l| field(l, 2) == "2016") {
        let line = line.replace(",2016,", ",2025,");
        if line.starts_with("25,") {
            new.push_str("25,Phú Thọ,2025,Trung du và miền núi phía Bắc,0.9,0.9,0.9,0.9,0.9\n");
        } else {
            new.push_str(&line);
            new.push('\n');
        }
    }
    let file = scratch("new-2025.csv", &new);
    let before = stdout(&["rebase", SAMPLE, "--unit", "25", "--year", "2016"]);
    let rank: i64 = before
        .split(" xếp thứ ")
        .nth(1)
        .and_then(|s| s.split('/').next())
        .and_then(|s| s.parse().ok())
        .unwrap();
    let after = stdout(&[
        "rebase",
        SAMPLE,
        "--with",
        file.to_str().unwrap(),
        "--unit",
        "Phú Thọ",
        "--year",
        "2025",
    ]);
    let expected = format!(
        "Năm 2025, Phú Thọ (gồm Phú Thọ, Vĩnh Phúc, Hòa Bình) xếp thứ 1/34, tăng {} bậc;",
        rank - 1
    );
    assert!(after.starts_with(&expected), "{after}");
    // A new-map edition has no former provinces' values: the sentence only.
    assert_eq!(after.lines().count(), 1);
}

#[test]
fn weighted_by_population() {
    let text = "code,name,year,population,HTKT,HTNL,UD,SXKD,MT\n\
        25,Phú Thọ,2016,1.5,0.3422,0.4283,0.3466,0.2980,0.6067\n\
        26,Vĩnh Phúc,2016,1.2,0.3607,0.4975,0.3546,0.1697,0.5952\n\
        17,Hòa Bình,2016,0.9,0.3788,0.4824,0.3545,0.1903,0.4005\n";
    let file = scratch("population.csv", text);
    let out = stdout(&["rebase", file.to_str().unwrap(), "--weight-column", "population"]);
    let line = out.lines().nth(1).unwrap();
    let v: f64 = field(line, 3).parse().unwrap();
    // (1.5 × 0.3422 + 1.2 × 0.3607 + 0.9 × 0.3788) / 3.6
    assert!((v - 1.28706 / 3.6).abs() < CLOSE, "{v}");
    let md = stdout(&[
        "rebase",
        file.to_str().unwrap(),
        "--weight-column",
        "population",
        "--format",
        "md",
    ]);
    assert!(
        md.contains("Phú Thọ (41.7%), Vĩnh Phúc (33.3%), Hòa Bình (25.0%)"),
        "{md}"
    );
}

#[test]
fn errors_exit_1_with_a_located_message() {
    let out = run(&["rebase", SAMPLE, "--to", "2030", "--lang", "en"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "invalid value \"2030\" for --to\n"
    );
    let out = run(&["rebase", SAMPLE, "--weight-column", "population", "--lang", "en"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr)
        .ends_with("sample-vn-ict.csv, line 1: required column \"population\" is missing\n"));
    let file = scratch(
        "unknown.csv",
        "code,year,HTKT,HTNL,UD,SXKD,MT\n26,2016,.1,.1,.1,.1,.1\n99,2016,.1,.1,.1,.1,.1\n",
    );
    let out = run(&["rebase", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.ends_with("unknown.csv, dòng 3, đơn vị 99: mã \"99\" không có trong bảng chuyển đổi địa giới\n"),
        "{err}"
    );
    let out = run(&["rebase", SAMPLE, "--level", "index"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_mapping_file() {
    let mapping = concat!(env!("CARGO_MANIFEST_DIR"), "/data/provinces.csv");
    let built_in = stdout(&["rebase", SAMPLE, "--year", "2016", "--score", "--format", "md"]);
    let from_file = stdout(&[
        "rebase",
        SAMPLE,
        "--year",
        "2016",
        "--score",
        "--format",
        "md",
        "--mapping",
        mapping,
    ]);
    // One file gives the same units, scores (to 4 decimals) and ranks; the
    // members come in another order, so sums may differ in the last bits.
    let sorted = |s: &str| {
        let mut l: Vec<String> = s.lines().map(str::to_string).collect();
        l.sort();
        l
    };
    assert_eq!(sorted(&built_in), sorted(&from_file));
}
