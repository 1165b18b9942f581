//! The native half of `scripts/bench-wasm`: times the workloads the page runs,
//! on data from the benchmarks' seeded generator (`benches/common`), and
//! writes that data as CSV so the wasm half (`tests/node/bench-workloads.mjs`)
//! times the very same inputs through the JS API.
//!
//! ```sh
//! cargo run --release --example workloads -- OUT_DIR [BUDGET_MS]
//! ```
//!
//! Writes `OUT_DIR/<workload>.data.csv`, `OUT_DIR/<workload>.framework.csv`
//! and `OUT_DIR/native.json` (per workload: median and fastest time per
//! operation in ns, operations per sample, samples, and a check value the wasm
//! half must reproduce bit for bit). Each side times a workload alike: the
//! first call is timed on its own (cold: in wasm it runs V8's baseline code),
//! then a warm-up of at least 300 ms (and 3 calls) runs the operation until
//! it is steady (in wasm: until V8 has tiered the hot functions up to its
//! optimising compiler), and from it how many operations make one sample of
//! ≥ 20 ms; then up to 21 samples (fewer once `BUDGET_MS`, default 3000, is
//! spent; at least 5) give the median.
//! `RAYON_NUM_THREADS=1` makes the native side single-threaded like wasm.

#[path = "../benches/common/mod.rs"]
mod common;

use std::fmt::Write as _;
use std::hint::black_box;
use std::time::{Duration, Instant};

use ictindex::{Dataset, Direction, Edit, Framework, Options, Uncertainty, UncertaintyConfig, WhatIf};

/// One sample lasts at least this long.
const SAMPLE: Duration = Duration::from_millis(20);
/// The warm-up runs the operation at least this long (and `WARM_UP_CALLS` times).
const WARM_UP: Duration = Duration::from_millis(300);
const WARM_UP_CALLS: u32 = 3;
/// Default time budget per workload (samples stop once it is spent, after the minimum).
const BUDGET_MS: u64 = 3000;
const MIN_SAMPLES: usize = 5;
const MAX_SAMPLES: usize = 21;
/// The data sets' generator seed.
const SEED: u64 = 10;

struct Timing {
    name: String,
    median_ns: f64,
    min_ns: f64,
    first_ns: f64,
    reps: u64,
    samples: usize,
    check: f64,
}

/// Times `op` (median per operation over samples of `reps` operations).
fn time(name: &str, budget: Duration, mut op: impl FnMut() -> f64) -> Timing {
    // The first call, cold.
    let start = Instant::now();
    let mut check = op();
    let first = start.elapsed();
    // Warm-up and calibration.
    let start = Instant::now();
    let mut calls = 0u32;
    while calls < WARM_UP_CALLS || start.elapsed() < WARM_UP {
        check = black_box(op());
        calls += 1;
    }
    let one = (start.elapsed() / calls).max(Duration::from_nanos(1));
    let reps = (SAMPLE.as_nanos() / one.as_nanos()).max(1) as u64;
    let mut per_op = Vec::new();
    let begun = Instant::now();
    while per_op.len() < MAX_SAMPLES && (per_op.len() < MIN_SAMPLES || begun.elapsed() < budget) {
        let t = Instant::now();
        for _ in 0..reps {
            check = black_box(op());
        }
        per_op.push(t.elapsed().as_nanos() as f64 / reps as f64);
    }
    per_op.sort_by(f64::total_cmp);
    let median = per_op[per_op.len() / 2];
    eprintln!(
        "workloads: {name:<28} median {:>12.3} µs  ({} × {reps})",
        median / 1e3,
        per_op.len()
    );
    Timing {
        name: name.into(),
        median_ns: median,
        min_ns: per_op[0],
        first_ns: first.as_nanos() as f64,
        reps,
        samples: per_op.len(),
        check,
    }
}

/// The framework as a framework CSV (`code,parent,weight,direction,method`).
fn framework_csv(f: &Framework) -> String {
    let mut out = String::from("code,parent,weight,direction,method\n");
    for s in f.specs() {
        let direction = match s.direction {
            Direction::Down => "-1",
            _ => "1",
        };
        let method = s.method.map_or("", |m| m.name());
        let _ = writeln!(
            out,
            "{},{},{:?},{direction},{method}",
            s.code,
            s.parent.as_deref().unwrap_or(""),
            s.weight
        );
    }
    out
}

/// The index score of the first unit of the latest edition (the check value).
fn first_index_score(w: &WhatIf) -> f64 {
    let s = w.scored();
    let f = s.framework();
    s.editions()
        .last()
        .and_then(|e| e.score(f.root_index(), 0))
        .unwrap_or(f64::NAN)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(out) = args.next() else {
        eprintln!("usage: workloads OUT_DIR [BUDGET_MS]");
        std::process::exit(2);
    };
    let budget = Duration::from_millis(args.next().and_then(|b| b.parse().ok()).unwrap_or(BUDGET_MS));
    let out = std::path::PathBuf::from(out);
    std::fs::create_dir_all(&out).expect("create OUT_DIR");
    let write = |name: &str, data: &str, framework: &str| {
        std::fs::write(out.join(format!("{name}.data.csv")), data).expect("write data");
        std::fs::write(out.join(format!("{name}.framework.csv")), framework).expect("write framework");
    };
    let options = Options::default();
    let mut timings = Vec::new();

    // Score + rank: n units × m indicators in p pillars, from parsed data.
    let mut sets = Vec::new();
    for (name, n, m, p) in [("63x5", 63, 5, 5), ("63x50", 63, 50, 5), ("10000x100", 10_000, 100, 10)] {
        let data = common::indicators_csv(n, m, SEED);
        let fw = common::framework(m, p, SEED);
        let fw_csv = framework_csv(&fw);
        write(name, &data, &fw_csv);
        // Read back from the CSV written, exactly as the wasm half does.
        let fw = Framework::from_str(&fw_csv).expect("framework");
        let d = Dataset::from_reader(data.as_bytes(), &format!("{name}.data.csv")).expect("data");
        timings.push(time(&format!("score {name}"), budget, || {
            first_index_score(&WhatIf::new(&d, &fw, &options, None).expect("score"))
        }));
        sets.push((name, data, fw_csv, d, fw));
    }

    // What-if on the bundled sample (63 provinces): one value edit and its undo.
    let sample = include_str!("../data/sample-vn-ict.csv");
    let d = Dataset::from_reader(sample.as_bytes(), "sample-vn-ict.csv").expect("sample");
    let mut w = WhatIf::new(&d, &Framework::vn_ict(), &options, None).expect("sample session");
    let mut i = 0u32;
    timings.push(time("whatif 63 (sample)", budget, || {
        i = i.wrapping_add(1);
        let value = Some(0.5 + f64::from(i % 7) / 20.0);
        w.apply(&Edit::Value {
            unit: "26".into(),
            node: "HTKT".into(),
            value,
        })
        .expect("edit");
        let s = first_index_score(&w);
        w.undo().expect("undo");
        s
    }));
    // Check value: the first province's index score with HTKT of unit 26 at 0.9.
    let edit = Edit::Value {
        unit: "26".into(),
        node: "HTKT".into(),
        value: Some(0.9),
    };
    w.apply(&edit).expect("edit");
    if let Some(t) = timings.last_mut() {
        t.check = first_index_score(&w);
    }
    w.undo().expect("undo");

    // Monte Carlo on 63 × 50, as the page's worker runs it: chunks of 500.
    let (_, _, _, d, fw) = &sets[1];
    for samples in [1000, 10_000] {
        let config = UncertaintyConfig {
            samples,
            seed: 1,
            ..UncertaintyConfig::default()
        };
        timings.push(time(&format!("uncertainty 63x50 K={samples}"), budget, || {
            let w = WhatIf::new(d, fw, &options, None).expect("score");
            let mut u = Uncertainty::new(w.scored(), None, &config).expect("uncertainty");
            while !u.is_done() {
                u.run(500).expect("run");
            }
            u.result().units.first().and_then(|r| r.median_rank).unwrap_or(f64::NAN)
        }));
    }

    // Parsing a 10,000 × 100 CSV: reading only (check), and load = parse + score.
    let (name, data, fw_csv, _, _) = &sets[2];
    let file = format!("{name}.data.csv");
    timings.push(time("check 10000x100", budget, || {
        Dataset::check(data.as_bytes(), &file).len() as f64
    }));
    timings.push(time("load 10000x100", budget, || {
        let fw = Framework::from_reader(fw_csv.as_bytes(), "framework.csv").expect("framework");
        let d = Dataset::from_reader(data.as_bytes(), &file).expect("data");
        first_index_score(&WhatIf::new(&d, &fw, &options, None).expect("score"))
    }));

    let mut json = String::from("[\n");
    for (k, t) in timings.iter().enumerate() {
        let _ = writeln!(
            json,
            "  {{\"name\": \"{}\", \"medianNs\": {:?}, \"minNs\": {:?}, \"firstNs\": {:?}, \"reps\": {}, \"samples\": {}, \"check\": {}}}{}",
            t.name,
            t.median_ns,
            t.min_ns,
            t.first_ns,
            t.reps,
            t.samples,
            if t.check.is_finite() { format!("{:?}", t.check) } else { "null".into() },
            if k + 1 < timings.len() { "," } else { "" }
        );
    }
    json.push(']');
    std::fs::write(out.join("native.json"), json).expect("write native.json");
}
