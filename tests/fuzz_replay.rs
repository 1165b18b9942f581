//! Replays the committed fuzz corpus (`fuzz/corpus/<target>/`) and the crash
//! regressions (`fuzz/regressions/<target>/`) through the same code the fuzz
//! targets run (`fuzz/src/lib.rs`, included here), on stable Rust: CI needs no
//! nightly and no libFuzzer. `scripts/fuzz-replay` runs this test.

use std::panic;
use std::path::{Path, PathBuf};

#[path = "../fuzz/src/lib.rs"]
#[allow(dead_code)]
mod bodies;

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(entries) => entries.map(|e| e.unwrap().path()).filter(|p| p.is_file()).collect(),
        Err(_) => Vec::new(),
    };
    out.sort();
    out
}

/// Runs `body` on every input of `target`; returns how many ran. Fails with
/// the list of inputs that panicked.
fn replay(target: &str, body: fn(&[u8])) -> usize {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let inputs: Vec<PathBuf> = ["corpus", "regressions"]
        .iter()
        .flat_map(|d| files(&root.join(d).join(target)))
        .collect();
    let mut failed = Vec::new();
    for path in &inputs {
        let bytes = std::fs::read(path).unwrap();
        if panic::catch_unwind(|| body(&bytes)).is_err() {
            failed.push(path.display().to_string());
        }
    }
    assert!(
        failed.is_empty(),
        "{} of {} inputs failed: {failed:#?}",
        failed.len(),
        inputs.len()
    );
    inputs.len()
}

#[test]
fn data_corpus() {
    assert!(replay("data", bodies::data) > 0);
}

#[test]
fn framework_corpus() {
    assert!(replay("framework", bodies::framework) > 0);
}

#[test]
fn score_corpus() {
    assert!(replay("score", bodies::score) > 0);
}

#[test]
fn whatif_corpus() {
    assert!(replay("whatif", bodies::whatif) > 0);
}

#[test]
fn rebase_corpus() {
    assert!(replay("rebase", bodies::rebase) > 0);
}

#[test]
fn svg_check_catches_injections_and_charts_escape_names() {
    let bad = [
        "<svg><script>alert(1)</script></svg>",
        "<svg><rect onload=\"alert(1)\"/></svg>",
        "<svg><rect x=\"1\" ONclick=\"x\"/></svg>",
        "<svg><text>a<img src=x></text></svg>",
        "<svg><text x=\"1\"\" onmouseover=\"x\">a</text></svg>",
        "<svg><rect x=\"<b>\"/></svg>",
        "<svg><text>a > b</text></svg>",
        "<svg><rect x=1/></svg>",
    ];
    for svg in bad {
        assert!(panic::catch_unwind(|| bodies::assert_safe_svg(svg)).is_err(), "{svg}");
    }
    bodies::assert_safe_svg("<svg x=\"1\"><g><text y=\"2\">a &lt;b&gt;</text><rect/></g></svg>");
    // Hostile names through every chart: escaped, so the check passes.
    let names = [
        "<script>alert(1)</script>",
        "\" onload=\"alert(1)",
        "<img src=x onerror=alert(1)>",
        "a'b&c",
    ];
    let mut csv = String::from("code,name,year,HTKT,HTNL,UD,SXKD,MT\n");
    for (i, code) in ["01", "26", "79", "25"].iter().enumerate() {
        for year in [2015, 2016] {
            let v = 0.1 + 0.2 * i as f64 + 0.01 * f64::from(year - 2015);
            csv.push_str(&format!(
                "{code},\"{}\",{year},{v},{v},{v},{v},{v}\n",
                names[i].replace('"', "\"\"")
            ));
        }
    }
    let input = [b"\0".as_slice(), csv.as_bytes(), b"\0\x04\x64\x00"].concat();
    bodies::score(&input);
    let d = ictindex::Dataset::from_str(&csv).unwrap();
    let s = ictindex::score(&d, &ictindex::Framework::vn_ict(), &ictindex::Options::default()).unwrap();
    let layout = ictindex::TileLayout::vn63();
    let root = s.framework().root_index();
    let map = ictindex::map_svg(&s, 1, root, ictindex::MapValue::Rank, &layout, ictindex::Lang::En, None).unwrap();
    assert!(
        map.svg.contains("&lt;script&gt;") && !map.svg.contains("<script"),
        "{}",
        map.svg
    );
    bodies::assert_safe_svg(&map.svg);
}
