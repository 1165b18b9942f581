//! The page's analysis binding (`src/wasm/analysis.rs`), export by export, on
//! Node (`cargo test --target wasm32-unknown-unknown --test wasm_analysis_page`).
#![cfg(target_arch = "wasm32")]

use ictindex::wasm::{analysis::AnalysisRun, Calculator};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

mod wasm_common;
use wasm_common::{array, get, message};

fn json(text: &str) -> JsValue {
    js_sys::JSON::parse(text).unwrap()
}

fn stringify(v: &JsValue) -> String {
    String::from(js_sys::JSON::stringify(v).unwrap())
}

const CONFIG: &str = r#"{"samples": 300, "seed": 5, "top": 20,
    "perturbation": {"weights": {"kind": "uniform", "share": 0.25, "level": "all"}}}"#;

#[wasm_bindgen_test]
fn uncertainty_in_chunks_equals_one_go() {
    let calc = Calculator::new().unwrap();
    let snap = calc.analysis_snapshot().unwrap();
    let mut chunked = AnalysisRun::new(snap.clone(), "uncertainty", json(CONFIG)).unwrap();
    assert!(!chunked.done());
    let share = chunked.step(100).unwrap();
    assert!((share - 1.0 / 3.0).abs() < 1e-12);
    assert_eq!(chunked.progress(), vec![100.0, 300.0]);
    while !chunked.done() {
        chunked.step(7).unwrap();
    }
    let mut whole = AnalysisRun::new(snap, "uncertainty", json(CONFIG)).unwrap();
    assert_eq!(whole.step(10_000).unwrap(), 1.0);
    let a = chunked.result().unwrap();
    assert_eq!(stringify(&a), stringify(&whole.result().unwrap()));
    let units = array(&get(&a, "units"));
    assert_eq!(units.length(), 63);
    let vp = units
        .iter()
        .find(|u| get(u, "code").as_string().as_deref() == Some("26"))
        .unwrap();
    assert_eq!(get(&vp, "nominalRank").as_f64(), Some(26.0));
    let (p5, p95) = (
        get(&vp, "p5Rank").as_f64().unwrap(),
        get(&vp, "p95Rank").as_f64().unwrap(),
    );
    assert!(p5 <= p95);
}

#[wasm_bindgen_test]
fn uncertainty_split_across_two_runs_equals_one_go() {
    // As the page's two workers: each part limited to its samples, the
    // second's words handed to the first.
    let calc = Calculator::new().unwrap();
    let snap = calc.analysis_snapshot().unwrap();
    let mut lead = AnalysisRun::new(snap.clone(), "uncertainty", json(CONFIG)).unwrap();
    let mut other = AnalysisRun::new(snap.clone(), "uncertainty", json(CONFIG)).unwrap();
    lead.limit(0, 150).unwrap();
    other.limit(150, 300).unwrap();
    while !other.done() {
        other.step(40).unwrap();
    }
    assert_eq!(other.progress(), vec![150.0, 300.0]);
    while !lead.done() {
        lead.step(40).unwrap();
    }
    let words = other.tally_words().unwrap();
    // Words of another run (a unit short) are refused, and change nothing.
    let mut foreign = words.clone();
    foreign[1] -= 1;
    let refused = lead.merge_words(&foreign).unwrap_err();
    assert!(message(refused).contains("không thuộc lượt chạy này"));
    assert_eq!(lead.progress(), vec![150.0, 300.0]);
    lead.merge_words(&words).unwrap();
    assert_eq!(lead.progress(), vec![300.0, 300.0]);
    let mut whole = AnalysisRun::new(snap.clone(), "uncertainty", json(CONFIG)).unwrap();
    whole.step(10_000).unwrap();
    assert_eq!(stringify(&lead.result().unwrap()), stringify(&whole.result().unwrap()));
    // Too late to limit a run that has begun; sensitivity runs do not split.
    assert!(whole.limit(0, 10).is_err());
    let cfg = json(r#"{"samples": 64, "seed": 1}"#);
    let mut sobol = AnalysisRun::new(snap, "sensitivity", cfg).unwrap();
    assert!(message(sobol.limit(0, 10).unwrap_err()).contains("bất định"));
    assert!(sobol.tally_words().is_err());
    assert!(sobol.merge_words(&words).is_err());
}

#[wasm_bindgen_test]
fn snapshot_carries_the_what_if_state() {
    let mut calc = Calculator::new().unwrap();
    calc.set_weight("HTKT", 5.0).unwrap();
    let snap = calc.analysis_snapshot().unwrap();
    assert_eq!(array(&get(&snap, "edits")).length(), 1);
    assert_eq!(get(&snap, "year").as_f64(), Some(2016.0));
    let mut run = AnalysisRun::new(
        snap,
        "uncertainty",
        json(r#"{"samples": 1, "perturbation": {"weights": {"kind": "fixed"}}}"#),
    )
    .unwrap();
    run.step(1).unwrap();
    let r = run.result().unwrap();
    // With fixed weights the one sample is the what-if ranking itself.
    let table = calc.table().unwrap();
    for d in array(&get(&table, "deltas")).iter() {
        let code = get(&d, "code").as_string().unwrap();
        let u = array(&get(&r, "units"))
            .iter()
            .find(|u| get(u, "code").as_string().as_deref() == Some(&code))
            .unwrap();
        assert_eq!(get(&u, "nominalRank").as_f64(), get(&d, "rank").as_f64(), "{code}");
        assert_eq!(get(&u, "medianRank").as_f64(), get(&d, "rank").as_f64(), "{code}");
    }
}

#[wasm_bindgen_test]
fn sensitivity_runs_in_chunks() {
    let calc = Calculator::new().unwrap();
    let config = json(r#"{"samples": 40, "seed": 2, "bootstrap": 20}"#);
    let mut run = AnalysisRun::new(calc.analysis_snapshot().unwrap(), "sensitivity", config).unwrap();
    while !run.done() {
        run.step(9).unwrap();
    }
    let r = run.result().unwrap();
    assert_eq!(get(&r, "samples").as_f64(), Some(40.0));
    assert!(array(&get(&r, "factors")).length() >= 5);
}

#[wasm_bindgen_test]
fn bad_kind_and_config_throw() {
    let calc = Calculator::new().unwrap();
    let snap = calc.analysis_snapshot().unwrap();
    let e = AnalysisRun::new(snap.clone(), "bogus", json("{}")).err().unwrap();
    assert!(message(e).contains("bogus"));
    assert!(AnalysisRun::new(snap.clone(), "uncertainty", json(r#"{"samples": 0}"#)).is_err());
    assert!(AnalysisRun::new(json("{}"), "uncertainty", json("{}")).is_err());
}

#[wasm_bindgen_test]
fn target_sentence_in_both_languages() {
    let mut calc = Calculator::new().unwrap();
    let a = calc.target_for("vinh phuc", "HTKT", Some(20)).unwrap();
    let s = get(&a, "sentence").as_string().unwrap();
    assert!(s.starts_with("Vĩnh Phúc cần tăng hạ tầng kỹ thuật thêm "), "{s}");
    assert!(s.contains("để vào top 20"), "{s}");
    assert_eq!(get(&a, "status").as_string().as_deref(), Some("needed"));
    calc.set_lang("en").unwrap();
    let a = calc.target_for("26", "HTKT", None).unwrap();
    let s = get(&a, "sentence").as_string().unwrap();
    assert!(s.starts_with("Vĩnh Phúc"), "{s}");
    assert_eq!(get(&a, "targetRank").as_f64(), Some(25.0));
    assert!(calc.target_for("26", "NOPE", None).is_err());
}

#[wasm_bindgen_test]
fn explain_adds_up_and_leave_one_out_lists_nodes() {
    let calc = Calculator::new().unwrap();
    let x = calc.explain_change("26").unwrap();
    let total: f64 = array(&get(&x, "pillars"))
        .iter()
        .map(|p| get(&p, "contribution").as_f64().unwrap())
        .sum();
    assert!((total - get(&x, "change").as_f64().unwrap()).abs() < 1e-9);
    assert!(get(&x, "sentence").as_string().unwrap().contains("Vĩnh Phúc"));
    let loo = calc.leave_one_out().unwrap();
    let nodes = array(&get(&loo, "nodes"));
    assert!(nodes.length() >= 5);
    assert!(nodes.iter().all(|n| get(&n, "meanAbsShift").as_f64().unwrap() >= 0.0));
}
