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
