//! Moving the page's state onto the tools module: `Calculator.fromSnapshot`
//! of `analysisSnapshot` must give back the same calculator (table, report,
//! CSV, language, edition, edits), on Node
//! (`cargo test --target wasm32-unknown-unknown --test wasm_tools`; needs the
//! `tools` feature, on by default).
#![cfg(all(target_arch = "wasm32", feature = "tools"))]

use ictindex::wasm::Calculator;
use js_sys::Reflect;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

mod wasm_common;
use wasm_common::message;

fn stringify(v: &JsValue) -> String {
    String::from(js_sys::JSON::stringify(v).unwrap())
}

fn json(text: &str) -> JsValue {
    js_sys::JSON::parse(text).unwrap()
}

/// Everything the page reads from a calculator, as text.
fn state(calc: &Calculator) -> String {
    format!(
        "{}\n{}\n{}\n{}\n{:?}\n{}",
        stringify(&calc.table().unwrap()),
        calc.report("vinh phuc").unwrap(),
        calc.export_csv().unwrap(),
        calc.lang(),
        calc.year(),
        stringify(&calc.edits()),
    )
}

#[wasm_bindgen_test]
fn snapshot_round_trip_keeps_the_state() {
    let mut calc = Calculator::new().unwrap();
    calc.set_lang("en").unwrap();
    calc.set_year(Some(2015)).unwrap();
    calc.set_options(json(r#"{"precision": 3}"#)).unwrap();
    calc.set_value("26", "HTKT", Some(0.9)).unwrap();
    calc.set_weight("UD", 2.0).unwrap();
    let moved = Calculator::from_snapshot(calc.analysis_snapshot().unwrap()).unwrap();
    assert_eq!(state(&moved), state(&calc));
    let source = Reflect::get(&moved.table().unwrap(), &JsValue::from_str("source")).unwrap();
    assert_eq!(source.as_string().as_deref(), Some("sample-vn-ict.csv"));
    // The moved calculator goes on like the original: undo, then the same state.
    let mut moved = moved;
    moved.undo().unwrap();
    calc.undo().unwrap();
    assert_eq!(state(&moved), state(&calc));
}

#[wasm_bindgen_test]
fn snapshot_of_loaded_data_keeps_its_name() {
    let mut calc = Calculator::new().unwrap();
    let csv = "code,name,year,HTKT,HTNL,UD,SXKD,MT\n01,Hà Nội,2016,0.7,0.65,0.65,0.51,1\n26,Vĩnh Phúc,2016,0.8,,0.25,0.19,1\n";
    calc.load_data(JsValue::from_str(csv), "mine.csv").unwrap();
    let moved = Calculator::from_snapshot(calc.analysis_snapshot().unwrap()).unwrap();
    assert_eq!(stringify(&moved.table().unwrap()), stringify(&calc.table().unwrap()));
    assert!(stringify(&moved.table().unwrap()).contains("\"source\":\"mine.csv\""));
}

#[wasm_bindgen_test]
fn bad_snapshots_throw() {
    assert!(Calculator::from_snapshot(json("{}")).is_err());
    let calc = Calculator::new().unwrap();
    let with = |key: &str, value: JsValue| {
        let snap = calc.analysis_snapshot().unwrap();
        Reflect::set(&snap, &JsValue::from_str(key), &value).unwrap();
        Calculator::from_snapshot(snap).err().map(message)
    };
    // An edit naming no node: a located message in the snapshot's language.
    let e = with("edits", json(r#"[{"kind":"weight","node":"NOPE","weight":1}]"#)).unwrap();
    assert!(e.contains("NOPE"), "{e}");
    // Values are one typed array of indicators × units numbers.
    let values = Reflect::get(&calc.analysis_snapshot().unwrap(), &JsValue::from_str("values")).unwrap();
    let values = js_sys::Float64Array::from(values);
    let n = values.length();
    assert_eq!(
        n,
        5 * 126,
        "the bundled sample: 5 sub-scores of 63 provinces in two years"
    );
    let e = with("values", js_sys::Float64Array::new_with_length(n - 1).into()).unwrap();
    assert!(e.contains("629") && e.contains("126"), "{e}");
    assert!(with("values", json("[[0.5]]")).is_some());
    // A value that is not finite is located like a bad cell.
    let inf = js_sys::Float64Array::new_with_length(n);
    inf.set(&values, 0);
    inf.set_index(3, f64::INFINITY);
    let e = with("values", inf.into()).unwrap();
    assert!(e.contains("HTKT"), "{e}");
    // Missing values (NaN) move as they are.
    let gaps = js_sys::Float64Array::new_with_length(n);
    gaps.set(&values, 0);
    gaps.set_index(0, f64::NAN);
    assert_eq!(with("values", gaps.into()), None);
}

/// `applyEdits` reads edits field by field (no serde in the page module):
/// the same edits as before, and a located message naming the bad one.
#[wasm_bindgen_test]
fn apply_edits_reads_the_edit_type() {
    let mut calc = Calculator::new().unwrap();
    calc.apply_edits(json(
        r#"[{"kind":"value","unit":"26","node":"HTKT","value":0.9},
            {"kind":"value","unit":"01","node":"UD","value":null},
            {"kind":"value","unit":"01","node":"HTNL"},
            {"kind":"weight","node":"MT","weight":2}]"#,
    ))
    .unwrap();
    assert_eq!(
        stringify(&calc.edits()),
        r#"[{"kind":"value","unit":"26","node":"HTKT","value":0.9},{"kind":"value","unit":"01","node":"UD","value":null},{"kind":"value","unit":"01","node":"HTNL","value":null},{"kind":"weight","node":"MT","weight":2}]"#
    );
    let mut other = Calculator::new().unwrap();
    other.set_lang("en").unwrap();
    for bad in [
        r#"[{"kind":"weight","node":"MT","weight":2},{"kind":"value","unit":"26","node":"HTKT","value":"0.9"}]"#,
        r#"[{"kind":"size","node":"MT"}]"#,
        r#"[{"kind":"weight","node":"MT"}]"#,
        r#"{"kind":"weight","node":"MT","weight":2}"#,
    ] {
        let e = message(other.apply_edits(json(bad)).unwrap_err());
        assert!(e.starts_with("cannot read the edit"), "{e}");
        assert!(!e.contains("\"weight\":2},{"), "names only the bad edit: {e}");
    }
    let e = message(other.apply_edits(json(r#"[{"kind":"size","node":"MT"}]"#)).unwrap_err());
    assert!(
        e.contains(r#"{\"kind\":\"size\",\"node\":\"MT\"}"#) || e.contains(r#"{"kind":"size","node":"MT"}"#),
        "{e}"
    );
    assert_eq!(stringify(&other.edits()), "[]");
}

/// `setOptions` reads `{precision, minShare, baseYear}` field by field: missing
/// fields take their defaults, `null` means none, wrong types are refused.
#[wasm_bindgen_test]
fn set_options_reads_the_options_type() {
    let mut calc = Calculator::new().unwrap();
    calc.set_lang("en").unwrap();
    let snap = |c: &Calculator| {
        let s = c.analysis_snapshot().unwrap();
        stringify(&Reflect::get(&s, &JsValue::from_str("options")).unwrap())
    };
    assert_eq!(snap(&calc), r#"{"precision":4,"minShare":0.5,"baseYear":null}"#);
    calc.set_options(json(r#"{"precision": null, "baseYear": 2015, "other": 1}"#))
        .unwrap();
    assert_eq!(snap(&calc), r#"{"precision":null,"minShare":0.5,"baseYear":2015}"#);
    calc.set_options(json(r#"{"minShare": 0.25}"#)).unwrap();
    assert_eq!(snap(&calc), r#"{"precision":4,"minShare":0.25,"baseYear":null}"#);
    for (bad, name) in [
        (r#"{"precision": 2.5}"#, "precision"),
        (r#"{"precision": -1}"#, "precision"),
        (r#"{"precision": "4"}"#, "precision"),
        (r#"{"minShare": "half"}"#, "min-share"),
        (r#"{"baseYear": 2015.5}"#, "base-year"),
        (r#""x""#, "options"),
    ] {
        let e = message(calc.set_options(json(bad)).unwrap_err());
        assert!(e.contains(name), "{bad}: {e}");
    }
    // Nothing changed on error.
    assert_eq!(snap(&calc), r#"{"precision":4,"minShare":0.25,"baseYear":null}"#);
}
