//! Golden tests of the `ictindex` binary: every subcommand, formats, exit codes.

use std::io::Write;
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_ictindex");
const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/sample-vn-ict.csv");
const FRAMEWORK: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/framework-vn-ict.csv");

fn run(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().unwrap()
}

fn run_stdin(args: &[&str], input: &str) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

fn temp_file(name: &str, content: &[u8]) -> String {
    let dir = std::env::temp_dir().join(format!("ictindex-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path.to_string_lossy().into_owned()
}

#[test]
fn report_prints_the_sentence() {
    let o = run(&["report", SAMPLE, "--unit", "vinh phuc"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let s = stdout(&o);
    assert!(s.starts_with("Năm 2016, Vĩnh Phúc xếp thứ 26/63"), "{s}");
    assert!(s.contains("hạ tầng kỹ thuật xếp thứ 31, giảm 6 bậc; hạ tầng nhân lực xếp thứ 12, tăng 3 bậc"));
    let o = run(&["report", SAMPLE, "--unit", "26", "--lang", "en", "--year", "2015"]);
    let s = stdout(&o);
    assert!(s.starts_with("In 2015, Vĩnh Phúc ranked 28th of 63;"), "{s}");
    // The first edition has no base: no change words.
    assert!(!s.contains(" up ") && !s.contains(" down "), "{s}");
}

#[test]
fn report_json_is_structured() {
    let o = run(&["report", SAMPLE, "--unit", "Vĩnh Phúc", "--format", "json"]);
    let s = stdout(&o);
    assert!(s.contains("\"code\": \"26\""), "{s}");
    assert!(s.contains("\"baseYear\": 2015"), "{s}");
}

#[test]
fn score_csv_has_the_documented_columns() {
    let o = run(&["score", SAMPLE, "--framework", FRAMEWORK]);
    assert!(o.status.success(), "{}", stderr(&o));
    let s = stdout(&o);
    let mut lines = s.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(&header[..4], ["code", "name", "year", "group"]);
    for col in [
        "ICT_score",
        "ICT_rank",
        "ICT_change",
        "HTKT_score",
        "MT_change",
        "rank_in_group",
        "n",
    ] {
        assert!(header.contains(&col), "{col}");
    }
    assert_eq!(lines.clone().count(), 63);
    let vp: Vec<&str> = lines.find(|l| l.starts_with("26,")).unwrap().split(',').collect();
    let col = |name: &str| vp[header.iter().position(|h| *h == name).unwrap()];
    assert_eq!(
        (col("ICT_rank"), col("HTKT_rank"), col("HTKT_change"), col("MT_change")),
        ("26", "31", "-6", "11")
    );
    assert_eq!(col("n"), "63");
    assert_eq!(col("year"), "2016");
}

#[test]
fn score_json_and_markdown() {
    let o = run(&["score", SAMPLE, "--format", "json", "--year", "2015"]);
    let s = stdout(&o);
    assert!(s.trim_start().starts_with('['));
    assert!(
        s.contains("\"ICT_rank\": 28") || s.contains("\"ICT_rank\":28"),
        "{}",
        &s[..400]
    );
    let o = run(&["score", SAMPLE, "--format", "md", "--lang", "en"]);
    let s = stdout(&o);
    assert!(s.starts_with("| Rank | Unit | ICT | Change |"), "{s}");
    assert!(s.lines().nth(2).unwrap().starts_with("| 1 | Đà Nẵng | 0.8321 |"), "{s}");
}

#[test]
fn stdin_dash_with_semicolons_and_decimal_commas() {
    let o = run_stdin(
        &["score", "-", "--format", "csv"],
        "code;name;HTKT;HTNL;UD;SXKD;MT\na;A;0,5;0,5;0,5;0,5;0,5\nb;B;0,6;0,6;0,6;0,6;0,6\n",
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let s = stdout(&o);
    assert!(s.lines().nth(2).unwrap().starts_with("b,B,,,0.6,"), "{s}");
}

/// The value of column `col` for each unit of a CSV output, in row order.
fn column(csv: &str, col: &str) -> Vec<(String, String)> {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let i = header.iter().position(|h| *h == col).unwrap();
    lines
        .map(|l| l.split(',').collect::<Vec<_>>())
        .map(|f| (f[0].to_string(), f[i].to_string()))
        .collect()
}

#[test]
fn base_year_and_precision_options() {
    let text = "code,year,HTKT,HTNL,UD,SXKD,MT\na,1,.5,.5,.5,.5,.5\nb,1,.4,.4,.4,.4,.4\na,2,.5,.5,.5,.5,.5\nb,2,.50004,.5,.5,.5,.5\n";
    let pairs = |v: &[(&str, &str)]| {
        v.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect::<Vec<_>>()
    };
    // At 4 decimals a and b tie in edition 2 (0.500008 vs 0.5).
    let o = run_stdin(&["score", "-", "--precision", "4"], text);
    assert_eq!(column(&stdout(&o), "ICT_rank"), pairs(&[("a", "1"), ("b", "1")]));
    assert_eq!(column(&stdout(&o), "ICT_change"), pairs(&[("a", "0"), ("b", "1")]));
    // At 6 decimals b is ahead.
    let o = run_stdin(&["score", "-", "--precision", "6"], text);
    assert_eq!(column(&stdout(&o), "ICT_rank"), pairs(&[("a", "2"), ("b", "1")]));
    // Against edition 1 explicitly, edition 1 itself has no change.
    let o = run_stdin(&["score", "-", "--base-year", "1", "--year", "1"], text);
    assert_eq!(column(&stdout(&o), "ICT_change"), pairs(&[("a", ""), ("b", "")]));
    let o = run_stdin(&["score", "-", "--base-year", "7"], text);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stderr(&o).trim(), "không có dữ liệu năm 7");
}

#[test]
fn whatif_prints_rank_deltas() {
    let o = run(&["whatif", SAMPLE, "--set", "Vĩnh Phúc:HTKT=0.95", "--weight", "HTKT=2"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let s = stdout(&o);
    let vp: Vec<&str> = s.lines().find(|l| l.starts_with("26,")).unwrap().split(',').collect();
    assert_eq!(vp[2], "26");
    let (now, delta): (i64, i64) = (vp[3].parse().unwrap(), vp[4].parse().unwrap());
    assert!(now < 26 && delta == 26 - now, "{s}");
    // The data file is untouched: scoring again gives 26.
    let o = run(&["report", SAMPLE, "--unit", "26"]);
    assert!(stdout(&o).contains("26/63"));
}

#[test]
fn validate_lists_every_problem() {
    let path = temp_file(
        "bad.csv",
        b"code,HTKT,HTNL,UD,SXKD,MT\na,x,1,1,1,1\nb,1,inf,1,1,1\nb,1,1,1,1,1\n",
    );
    let o = run(&["validate", &path, "--lang", "en"]);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    let lines: Vec<&str> = e.lines().collect();
    assert_eq!(lines.len(), 3, "{e}");
    assert!(
        lines[0].ends_with("bad.csv, line 2, column 2 (HTKT), unit a: \"x\" is not a number"),
        "{e}"
    );
    assert!(
        lines[1].contains("line 3, column 3 (HTNL), unit b: \"inf\" is not a finite number"),
        "{e}"
    );
    assert!(lines[2].contains("line 4, column 1 (code), unit b: duplicate unit in one edition (first seen on line 3)"));
    let o = run(&["validate", SAMPLE, "--lang", "en"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o).trim(), "Valid: 126 rows, 5 indicators, editions 2015, 2016");
}

#[test]
fn validate_reports_framework_and_binding_problems() {
    let fw = temp_file("cycle.csv", b"code,parent\nI,\nA,B\nB,A\n");
    let o = run(&["validate", SAMPLE, "--framework", &fw, "--lang", "en"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("cycle.csv, line 3, column 2 (parent), indicator A: the framework has a cycle"),
        "{}",
        stderr(&o)
    );
    let data = temp_file("extra.csv", b"code,HTKT,HTNL,UD,SXKD,MT,XYZ\na,1,1,1,1,1,1\n");
    let o = run(&["validate", &data, "--lang", "vi"]);
    assert!(
        stderr(&o).contains("extra.csv, dòng 1, cột 7 (XYZ): cột \"XYZ\" không có trong khung chỉ số"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn exit_codes() {
    // Usage errors: 2.
    assert_eq!(run(&[]).status.code(), Some(2));
    assert_eq!(run(&["score"]).status.code(), Some(2));
    assert_eq!(run(&["score", SAMPLE, "--format", "xml"]).status.code(), Some(2));
    assert_eq!(run(&["score", SAMPLE, "--precision", "99"]).status.code(), Some(2));
    // Bad input: 1, with a located message.
    let o = run(&["score", "/nonexistent/file.csv"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).starts_with("/nonexistent/file.csv: "), "{}", stderr(&o));
    let o = run_stdin(&["score", "-", "--lang", "en"], "");
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stderr(&o).trim(), "<stdin>: the file is empty: no header row");
    let o = run(&["report", SAMPLE, "--unit", "Atlantis", "--lang", "en"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stderr(&o).trim(), "no unit matches \"Atlantis\"");
    let o = run(&["whatif", SAMPLE, "--set", "nonsense"]);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn geometric_mean_over_zero_names_the_cell() {
    let fw = temp_file("geo.csv", b"code,parent,method\nI,,geometric\nA,I,none\nB,I,none\n");
    let data = temp_file("geo-data.csv", b"code,A,B\nx,1,2\ny,0.5,0\n");
    let o = run(&["score", &data, "--framework", &fw, "--lang", "en"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).trim().ends_with("geo-data.csv, line 3, column 3 (B), unit y, indicator B: the geometric mean needs positive values, found 0"),
        "{}",
        stderr(&o)
    );
}

/// A data file of a megabyte or more is mapped into memory, not read: it
/// scores exactly as the same text through standard input (read), a BOM
/// is dropped, and a bad byte deep in it is located as in a small file.
#[test]
fn a_large_data_file_reads_as_the_same_text_through_stdin() {
    let mut text = String::from("\u{feff}code,year,HTKT,HTNL,UD,SXKD,MT\n");
    let mut i = 0u64;
    while text.len() < 1_200_000 {
        let v = |k: u64| (i * 7919 + k * 104_729) % 1000;
        text.push_str(&format!(
            "u{i},2016,0.{:03},0.{:03},0.{:03},0.{:03},0.{:03}\n",
            v(1),
            v(2),
            v(3),
            v(4),
            v(5)
        ));
        i += 1;
    }
    let path = temp_file("large.csv", text.as_bytes());
    let mapped = run(&["score", &path, "--depth", "1"]);
    assert!(mapped.status.success(), "{}", stderr(&mapped));
    let piped = run_stdin(&["score", "-", "--depth", "1"], &text);
    assert!(piped.status.success(), "{}", stderr(&piped));
    assert_eq!(stdout(&mapped), stdout(&piped));
    // Pillars shown without ranks: the same scores, and the index's rank.
    let unranked = run(&["score", &path, "--depth", "1", "--rank-depth", "0"]);
    assert!(unranked.status.success(), "{}", stderr(&unranked));
    let (full, less) = (stdout(&mapped), stdout(&unranked));
    let header: Vec<&str> = less.lines().next().unwrap().split(',').collect();
    assert!(
        header.contains(&"ICT_rank") && header.contains(&"HTKT_score"),
        "{header:?}"
    );
    assert!(!header
        .iter()
        .any(|h| h.starts_with("HTKT_rank") || h.starts_with("MT_change")));
    let column = |text: &str, name: &str| -> Vec<String> {
        let mut lines = text.lines();
        let at = lines.next().unwrap().split(',').position(|h| h == name).unwrap();
        lines.map(|l| l.split(',').nth(at).unwrap().to_string()).collect()
    };
    for name in ["ICT_score", "ICT_rank", "HTKT_score", "MT_score", "rank_in_group"] {
        assert_eq!(column(&full, name), column(&less, name), "{name}");
    }
    assert_eq!(stdout(&mapped).lines().count() as u64, i + 1);
    // A Latin-1 byte in the last line's code (rows from line 2 on).
    let mut bytes = text.into_bytes();
    let at = bytes.len() - 38;
    bytes[at] = 0xe0;
    let path = temp_file("large-bad.csv", &bytes);
    let o = run(&["score", &path, "--lang", "en"]);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(
        e.contains("large-bad.csv") && e.contains(&format!("line {}, column 1", i + 1)),
        "{e}"
    );
}
