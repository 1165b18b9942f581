//! The native side of `tests/node/native_vs_wasm.test.mjs`: scores many data
//! sets in one process, doing what `ictindex score --format json` does for
//! each (framework, then data, options checked, `score`, `records` of an
//! edition, serde_json), for every edition.
//!
//! ```sh
//! cargo run --release --example score_batch -- DIR > OUT.jsonl
//! ```
//!
//! `DIR` holds one directory per data set with `data.csv`, `framework.csv`
//! and `options.json` (the `setOptions` object the page passes:
//! `{precision, minShare, baseYear}`). Writes one JSON line per data set, in
//! directory-name order: `{"set": NAME, "editions": [{"year": Y, "rows":
//! [...]}, ...]}`, or `{"set": NAME, "error": MESSAGE}` (English, as the CLI
//! prints it with `--lang en`).

use std::io::{BufWriter, Write};
use std::path::Path;

use ictindex::{records, score, Dataset, Framework, Lang, Options};

/// The editions as JSON text (serde_json's own writer, keys in record order).
fn one(dir: &Path) -> Result<String, String> {
    let read = |f: &str| std::fs::read(dir.join(f)).map_err(|e| format!("{f}: {e}"));
    let options: Options = serde_json::from_slice(&read("options.json")?).map_err(|e| e.to_string())?;
    let msg = |e: ictindex::Error| e.message(Lang::En);
    options.validate().map_err(msg)?;
    let framework = Framework::from_reader(read("framework.csv")?.as_slice(), "framework.csv").map_err(msg)?;
    let data = Dataset::from_reader(read("data.csv")?.as_slice(), "data.csv").map_err(msg)?;
    let scored = score(&data, &framework, &options).map_err(msg)?;
    let mut editions = Vec::new();
    for year in data.years() {
        let rows = records(&scored, year).map_err(msg)?;
        let year = serde_json::to_string(&year).map_err(|e| e.to_string())?;
        let rows = serde_json::to_string(&rows).map_err(|e| e.to_string())?;
        editions.push(format!("{{\"year\":{year},\"rows\":{rows}}}"));
    }
    Ok(format!("[{}]", editions.join(",")))
}

fn main() {
    let Some(dir) = std::env::args().nth(1) else {
        eprintln!("usage: score_batch DIR");
        std::process::exit(2);
    };
    let mut sets: Vec<_> = match std::fs::read_dir(&dir) {
        Ok(entries) => entries
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.is_dir())
            .collect(),
        Err(e) => {
            eprintln!("score_batch: {dir}: {e}");
            std::process::exit(2);
        }
    };
    sets.sort();
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    for set in sets {
        let name = set
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let quoted = |s: &str| serde_json::to_string(s).unwrap_or_default();
        let line = match one(&set) {
            Ok(editions) => format!("{{\"set\":{},\"editions\":{editions}}}", quoted(&name)),
            Err(error) => format!("{{\"set\":{},\"error\":{}}}", quoted(&name), quoted(&error)),
        };
        if writeln!(out, "{line}").is_err() {
            std::process::exit(1);
        }
    }
    if out.flush().is_err() {
        std::process::exit(1);
    }
}
