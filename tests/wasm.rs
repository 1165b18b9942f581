//! The page's binding, exercised export by export on Node
//! (`cargo test --target wasm32-unknown-unknown --test wasm`).
#![cfg(target_arch = "wasm32")]

use ictindex::wasm::Calculator;
use js_sys::{Array, Object};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

mod wasm_common;
use wasm_common::{array, get, message};

/// The row of unit `code` in `table().rows`.
fn row(table: &JsValue, code: &str) -> JsValue {
    array(&get(table, "rows"))
        .iter()
        .find(|r| get(r, "code").as_string().as_deref() == Some(code))
        .unwrap()
}

fn num(v: &JsValue, key: &str) -> f64 {
    get(v, key).as_f64().unwrap()
}

const VINH_PHUC: &str = "26";

const SMALL: &str = "code;name;year;group;HTKT;HTNL;UD;SXKD;MT\n\
    a;An;2020;N;0,5;0,5;0,5;0,5;0,5\n\
    b;Bình;2020;S;0,4;0,4;0,4;0,4;0,4\n";

#[wasm_bindgen_test]
fn opens_on_the_sample() {
    let c = Calculator::new().unwrap();
    assert_eq!(c.lang(), "vi");
    assert_eq!(c.year(), Some(2016));
    let years = array(&c.years().unwrap());
    assert_eq!(years.to_vec(), vec![JsValue::from(2015), JsValue::from(2016)]);
    let t = c.table().unwrap();
    assert_eq!(get(&t, "source").as_string().unwrap(), "sample-vn-ict.csv");
    assert_eq!(num(&t, "year"), 2016.0);
    assert_eq!(num(&t, "baseYear"), 2015.0);
    assert_eq!(get(&t, "index").as_string().unwrap(), "ICT");
    let pillars: Vec<String> = array(&get(&t, "pillars"))
        .iter()
        .filter_map(|p| p.as_string())
        .collect();
    assert_eq!(pillars, ["HTKT", "HTNL", "UD", "SXKD", "MT"]);
    assert_eq!(array(&get(&t, "rows")).length(), 63);
    assert_eq!(array(&get(&t, "deltas")).length(), 63);
    assert_eq!(array(&get(&t, "edits")).length(), 0);
    let nodes = array(&get(&t, "nodes"));
    let htkt = nodes.get(1);
    assert_eq!(get(&htkt, "code").as_string().unwrap(), "HTKT");
    assert_eq!(get(&htkt, "parent").as_string().unwrap(), "ICT");
    assert_eq!(get(&htkt, "nameVi").as_string().unwrap(), "Hạ tầng kỹ thuật");
    assert_eq!(get(&htkt, "nameEn").as_string().unwrap(), "Technical infrastructure");
    assert_eq!(num(&htkt, "weight"), 1.0);
    assert_eq!(get(&htkt, "leaf").as_bool(), Some(true));
    assert!(get(&nodes.get(0), "parent").is_null());
    // Vĩnh Phúc as published: 26/63; HTKT 31 down 6, MT 9 up 11.
    let vp = row(&t, VINH_PHUC);
    assert_eq!(get(&vp, "name").as_string().unwrap(), "Vĩnh Phúc");
    assert_eq!(num(&vp, "ICT_rank"), 26.0);
    assert_eq!(num(&vp, "n"), 63.0);
    assert_eq!((num(&vp, "HTKT_rank"), num(&vp, "HTKT_change")), (31.0, -6.0));
    assert_eq!((num(&vp, "MT_rank"), num(&vp, "MT_change")), (9.0, 11.0));
    // Rows are plain objects, not Maps.
    assert!(vp.is_instance_of::<Object>() && !vp.is_instance_of::<js_sys::Map>());
}

#[wasm_bindgen_test]
fn reports_in_both_languages() {
    let mut c = Calculator::new().unwrap();
    let vi = c.report("vinh phuc").unwrap();
    assert!(vi.starts_with("Năm 2016, Vĩnh Phúc xếp thứ 26/63"), "{vi}");
    assert!(vi.contains("hạ tầng kỹ thuật xếp thứ 31, giảm 6 bậc"), "{vi}");
    assert!(vi.contains("hạ tầng nhân lực xếp thứ 12, tăng 3 bậc"), "{vi}");
    c.set_lang("en").unwrap();
    assert_eq!(c.lang(), "en");
    let en = c.report(VINH_PHUC).unwrap();
    assert!(en.contains("Vĩnh Phúc ranked 26th of 63"), "{en}");
    assert!(en.contains("technical infrastructure 31st, down 6 places"), "{en}");
    let r = c.unit_report("Vinh Phuc").unwrap();
    assert_eq!(get(&r, "code").as_string().unwrap(), VINH_PHUC);
    assert_eq!(get(&r, "presence").as_string().unwrap(), "both");
    assert_eq!(num(&get(&r, "index"), "rank"), 26.0);
    let pillars = array(&get(&r, "pillars"));
    assert_eq!(pillars.length(), 5);
    assert_eq!(num(&pillars.get(4), "change"), 11.0);
    let group_rank = array(&get(&r, "groupRank"));
    assert_eq!(group_rank.length(), 2);
    assert_eq!(get(&r, "group").as_string().unwrap(), "Đồng bằng sông Hồng");
}

#[wasm_bindgen_test]
fn unknown_units_and_languages_throw() {
    let mut c = Calculator::new().unwrap();
    assert!(message(c.report("Atlantis").unwrap_err()).contains("Atlantis"));
    assert!(message(c.unit_report("Atlantis").unwrap_err()).contains("Atlantis"));
    let vi = message(c.set_lang("fr").unwrap_err());
    assert!(vi.contains("fr"), "{vi}");
    assert_eq!(c.lang(), "vi");
    c.set_lang("EN").unwrap();
    assert_eq!(c.lang(), "en");
}

#[wasm_bindgen_test]
fn loads_data_with_decimal_commas() {
    let mut c = Calculator::new().unwrap();
    c.load_data(SMALL.into(), "small.csv").unwrap();
    let t = c.table().unwrap();
    assert_eq!(get(&t, "source").as_string().unwrap(), "small.csv");
    assert_eq!(array(&get(&t, "rows")).length(), 2);
    assert_eq!(num(&row(&t, "a"), "HTKT"), 0.5);
    assert_eq!(num(&row(&t, "b"), "ICT_rank"), 2.0);
    assert_eq!(c.year(), Some(2020));
    // Tab separated, as pasted from a spreadsheet, with a BOM.
    let tsv = "\u{feff}code\tname\tHTKT\tHTNL\tUD\tSXKD\tMT\nx\tXa\t0,1\t0,2\t0,3\t0,4\t0,5\n";
    c.load_data(tsv.into(), "paste").unwrap();
    let t = c.table().unwrap();
    assert_eq!(num(&row(&t, "x"), "ICT_score"), 0.3);
    assert!(get(&t, "year").is_null());
    assert_eq!(c.year(), None);
}

#[wasm_bindgen_test]
fn a_bad_file_is_located_and_keeps_the_old_data() {
    let mut c = Calculator::new().unwrap();
    let bad = "code,name,year,HTKT,HTNL,UD,SXKD,MT\n01,Hà Nội,2016,0.5,0.5,abc,0.5,0.5\n";
    let vi = message(c.load_data(bad.into(), "bad.csv").unwrap_err());
    assert!(vi.starts_with("bad.csv, dòng 2, cột 6 (UD)"), "{vi}");
    c.set_lang("en").unwrap();
    let en = message(c.load_data(bad.into(), "bad.csv").unwrap_err());
    assert!(en.starts_with("bad.csv, line 2, column 6 (UD)"), "{en}");
    let t = c.table().unwrap();
    assert_eq!(array(&get(&t, "rows")).length(), 63);
    assert_eq!(get(&t, "source").as_string().unwrap(), "sample-vn-ict.csv");
    // A column the framework does not know.
    let en = message(
        c.load_data("code,HTKT,HTNL,UD,SXKD,MT,XX\na,1,1,1,1,1,1\n".into(), "x.csv")
            .unwrap_err(),
    );
    assert!(en.contains("line 1, column 7 (XX)"), "{en}");
    assert!(message(c.load_data("".into(), "empty.csv").unwrap_err()).contains("empty.csv"));
    assert_eq!(array(&get(&c.table().unwrap(), "rows")).length(), 63);
}

#[wasm_bindgen_test]
fn back_to_the_sample() {
    let mut c = Calculator::new().unwrap();
    c.load_data_and_framework("code,A,B\nx,1,0\n".into(), "d.csv", TWO_PILLARS.into(), "f.csv")
        .unwrap();
    c.set_weight("A", 2.0).unwrap();
    c.load_sample().unwrap();
    let t = c.table().unwrap();
    assert_eq!(get(&t, "source").as_string().unwrap(), "sample-vn-ict.csv");
    assert_eq!(get(&t, "index").as_string().unwrap(), "ICT");
    assert_eq!(array(&get(&t, "rows")).length(), 63);
    assert_eq!(array(&get(&t, "edits")).length(), 0);
}

#[wasm_bindgen_test]
fn bytes_that_are_not_utf8_are_located() {
    let mut c = Calculator::new().unwrap();
    // "Hà" in Latin-1 on line 2: the byte 0xE0 is not UTF-8.
    let latin1: &[u8] = b"code,name,HTKT,HTNL,UD,SXKD,MT\n01,H\xe0,1,1,1,1,1\n";
    let bytes = js_sys::Uint8Array::from(latin1);
    let vi = message(c.load_data(bytes.clone().into(), "latin1.csv").unwrap_err());
    assert!(vi.starts_with("latin1.csv, dòng 2, cột 2 (name)"), "{vi}");
    assert_eq!(c.check(bytes.into(), "latin1.csv").unwrap().len(), 1);
    let utf8 = js_sys::Uint8Array::from(SMALL.as_bytes());
    c.load_data(utf8.clone().into(), "small.csv").unwrap();
    assert_eq!(array(&get(&c.table().unwrap(), "rows")).length(), 2);
    // Neither a string nor bytes.
    assert!(c.load_data(JsValue::from(3), "x").is_err());
    assert!(c.load_framework(JsValue::NULL, "x").is_err());
    assert!(c
        .load_data_and_framework(utf8.into(), "d", JsValue::UNDEFINED, "f")
        .is_err());
    assert!(c.check(JsValue::from(true), "x").is_err());
    assert_eq!(array(&get(&c.table().unwrap(), "rows")).length(), 2);
}

#[wasm_bindgen_test]
fn check_lists_every_problem() {
    let c = Calculator::new().unwrap();
    let problems = c.check("code,HTKT\n1,x\n2,inf\n".into(), "d.csv").unwrap();
    assert_eq!(problems.len(), 2);
    assert!(problems[0].starts_with("d.csv, dòng 2"), "{}", problems[0]);
    assert!(problems[1].starts_with("d.csv, dòng 3"), "{}", problems[1]);
    assert!(c.check(SMALL.into(), "ok.csv").unwrap().is_empty());
}

const TWO_PILLARS: &str = "code,parent,weight,direction,method,lo,hi,name_vi,name_en\n\
    I,,1,1,arithmetic,,,Chỉ số,Index\n\
    A,I,3,1,none,,,Trụ A,Pillar A\n\
    B,I,1,1,none,,,Trụ B,Pillar B\n";

#[wasm_bindgen_test]
fn loads_frameworks() {
    let mut c = Calculator::new().unwrap();
    // Same leaves, new weights: fits the sample.
    let weighted = "code,parent,weight\nICT,,1\nHTKT,ICT,3\nHTNL,ICT,1\nUD,ICT,1\nSXKD,ICT,1\nMT,ICT,1\n";
    c.load_framework(weighted.into(), "w.csv").unwrap();
    let t = c.table().unwrap();
    assert_eq!(num(&array(&get(&t, "nodes")).get(1), "weight"), 3.0);
    // A framework whose leaves the data lacks: refused, nothing changes.
    let vi = message(c.load_framework(TWO_PILLARS.into(), "two.csv").unwrap_err());
    assert!(vi.starts_with("sample-vn-ict.csv, dòng 1, cột 5 (HTKT)"), "{vi}");
    assert_eq!(array(&get(&c.table().unwrap(), "pillars")).length(), 5);
    // A broken framework file names its line.
    c.set_lang("en").unwrap();
    let en = message(
        c.load_framework("code,parent,weight\nI,,1\nA,I,-2\n".into(), "f.csv")
            .unwrap_err(),
    );
    assert!(en.contains("line 3"), "{en}");
    // Data and framework together.
    let data = "code,name,A,B\nx,Xa,1,0\ny,Yên,0,1\n";
    c.load_data_and_framework(data.into(), "d.csv", TWO_PILLARS.into(), "two.csv")
        .unwrap();
    let t = c.table().unwrap();
    assert_eq!(get(&t, "index").as_string().unwrap(), "I");
    assert_eq!(num(&row(&t, "x"), "I_rank"), 1.0);
    assert_eq!(
        get(&array(&get(&t, "nodes")).get(2), "nameEn").as_string().unwrap(),
        "Pillar B"
    );
    // Either file bad: nothing changes.
    assert!(c
        .load_data_and_framework("code,C\nx,1\n".into(), "d.csv", TWO_PILLARS.into(), "two.csv")
        .is_err());
    assert!(c
        .load_data_and_framework(data.into(), "d.csv", "code,parent\n".into(), "f.csv")
        .is_err());
    assert_eq!(get(&c.table().unwrap(), "index").as_string().unwrap(), "I");
}

#[wasm_bindgen_test]
fn what_if_values_undo_and_reset() {
    let mut c = Calculator::new().unwrap();
    c.set_value(VINH_PHUC, "HTKT", Some(0.95)).unwrap();
    let t = c.table().unwrap();
    let vp = row(&t, VINH_PHUC);
    assert!(num(&vp, "ICT_rank") < 26.0);
    assert_eq!(num(&vp, "HTKT"), 0.95);
    // The year-on-year change and the what-if change are apart.
    let d = array(&get(&t, "deltas"))
        .iter()
        .find(|d| get(d, "code").as_string().as_deref() == Some(VINH_PHUC))
        .unwrap();
    assert_eq!(num(&d, "baselineRank"), 26.0);
    assert_eq!(num(&d, "delta"), 26.0 - num(&vp, "ICT_rank"));
    let edits = array(&c.edits());
    assert_eq!(edits.length(), 1);
    assert_eq!(get(&edits.get(0), "kind").as_string().unwrap(), "value");
    // Make it missing.
    c.set_value(VINH_PHUC, "UD", None).unwrap();
    assert!(get(&row(&c.table().unwrap(), VINH_PHUC), "UD").is_null());
    let undone = c.undo().unwrap();
    assert_eq!(get(&undone, "node").as_string().unwrap(), "UD");
    c.undo().unwrap();
    assert_eq!(num(&row(&c.table().unwrap(), VINH_PHUC), "ICT_rank"), 26.0);
    c.set_value("vinh phuc", "MT", Some(0.0)).unwrap();
    c.reset();
    assert_eq!(array(&c.edits()).length(), 0);
    assert_eq!(num(&row(&c.table().unwrap(), VINH_PHUC), "ICT_rank"), 26.0);
}

#[wasm_bindgen_test]
fn what_if_errors_change_nothing() {
    let mut c = Calculator::new().unwrap();
    c.set_lang("en").unwrap();
    assert!(message(c.set_value("Atlantis", "HTKT", Some(1.0)).unwrap_err()).contains("Atlantis"));
    assert!(message(c.set_value(VINH_PHUC, "ICT", Some(1.0)).unwrap_err()).contains("ICT"));
    assert!(message(c.set_value(VINH_PHUC, "XX", Some(1.0)).unwrap_err()).contains("XX"));
    assert!(c.set_value(VINH_PHUC, "HTKT", Some(f64::INFINITY)).is_err());
    assert!(message(c.set_weight("HTKT", -1.0).unwrap_err()).contains("HTKT"));
    assert!(c.set_weight("XX", 1.0).is_err());
    assert!(c.set_weight("HTKT", f64::NAN).is_err());
    assert!(!message(c.undo().unwrap_err()).is_empty());
    assert_eq!(array(&c.edits()).length(), 0);
}

#[wasm_bindgen_test]
fn what_if_weights() {
    let mut c = Calculator::new().unwrap();
    c.set_weight("MT", 4.0).unwrap();
    let t = c.table().unwrap();
    let mt = array(&get(&t, "nodes"))
        .iter()
        .find(|n| get(n, "code").as_string().as_deref() == Some("MT"))
        .unwrap();
    assert_eq!((num(&mt, "weight"), num(&mt, "baselineWeight")), (4.0, 1.0));
    // Vĩnh Phúc is 9th on MT: weighting MT up lifts it.
    assert!(num(&row(&t, VINH_PHUC), "ICT_rank") < 26.0);
    for node in ["HTKT", "HTNL", "UD", "SXKD", "MT"] {
        if node != "MT" {
            c.set_weight(node, 0.0).unwrap();
        }
    }
    // All pillars at zero is refused.
    assert!(c.set_weight("MT", 0.0).is_err());
    assert_eq!(array(&c.edits()).length(), 5);
}

#[wasm_bindgen_test]
fn share_link_edits_round_trip() {
    let mut a = Calculator::new().unwrap();
    a.set_value(VINH_PHUC, "HTKT", Some(0.9)).unwrap();
    a.set_weight("UD", 2.0).unwrap();
    let edits = a.edits();
    let mut b = Calculator::new().unwrap();
    b.apply_edits(edits.clone()).unwrap();
    assert_eq!(
        num(&row(&b.table().unwrap(), VINH_PHUC), "ICT_score"),
        num(&row(&a.table().unwrap(), VINH_PHUC), "ICT_score")
    );
    assert_eq!(array(&b.edits()).length(), 2);
    // All or nothing: a bad edit after a good one leaves no edit.
    let mut c = Calculator::new().unwrap();
    let bad = Array::of2(&array(&edits).get(0), &JsValue::from(Object::new()));
    assert!(c.apply_edits(bad.into()).is_err());
    let unknown = js_sys::JSON::parse(
        r#"[{"kind":"value","unit":"26","node":"HTKT","value":0.9},{"kind":"weight","node":"ZZ","weight":1}]"#,
    )
    .unwrap();
    assert!(message(c.apply_edits(unknown).unwrap_err()).contains("ZZ"));
    assert_eq!(array(&c.edits()).length(), 0);
    assert!(c.apply_edits(JsValue::from_str("nonsense")).is_err());
}

/// `edits()` and `undo()` write the `Edit` type exactly: these strings are
/// what a share link stores.
#[wasm_bindgen_test]
fn edits_are_written_as_the_edit_type() {
    let json = |v: &JsValue| String::from(js_sys::JSON::stringify(v).unwrap());
    let mut c = Calculator::new().unwrap();
    c.set_value("vinh phuc", "HTKT", Some(0.5)).unwrap();
    c.set_value(VINH_PHUC, "UD", None).unwrap();
    c.set_weight("MT", 2.5).unwrap();
    let expected = format!(
        r#"[{{"kind":"value","unit":"vinh phuc","node":"HTKT","value":0.5}},{{"kind":"value","unit":"{VINH_PHUC}","node":"UD","value":null}},{{"kind":"weight","node":"MT","weight":2.5}}]"#
    );
    assert_eq!(json(&c.edits()), expected);
    // Written again from the strings kept: the same text.
    assert_eq!(json(&c.edits()), expected);
    assert_eq!(
        json(&c.undo().unwrap()),
        r#"{"kind":"weight","node":"MT","weight":2.5}"#
    );
    let missing = c.undo().unwrap();
    assert!(get(&missing, "value").is_null());
    assert_eq!(get(&missing, "unit").as_string().as_deref(), Some(VINH_PHUC));
    assert_eq!(
        json(&c.undo().unwrap()),
        r#"{"kind":"value","unit":"vinh phuc","node":"HTKT","value":0.5}"#
    );
    // More distinct unit texts than the writer keeps (a unit is found with
    // spaces around it): each undo still gives its edit's own text.
    for i in 0..1600 {
        let unit = format!("{}{VINH_PHUC}{}", " ".repeat(i / 40), " ".repeat(i % 40));
        c.set_value(&unit, "HTKT", Some(0.5)).unwrap();
        let undone = c.undo().unwrap();
        assert_eq!(get(&undone, "unit").as_string(), Some(unit));
    }
}

#[wasm_bindgen_test]
fn years_switch_keeps_weights_only() {
    let mut c = Calculator::new().unwrap();
    c.set_weight("HTKT", 2.0).unwrap();
    c.set_value(VINH_PHUC, "HTKT", Some(0.9)).unwrap();
    c.set_year(Some(2015)).unwrap();
    assert_eq!(c.year(), Some(2015));
    let t = c.table().unwrap();
    assert_eq!(num(&t, "year"), 2015.0);
    assert!(get(&t, "baseYear").is_null());
    let edits = array(&c.edits());
    assert_eq!(edits.length(), 1);
    assert_eq!(get(&edits.get(0), "kind").as_string().unwrap(), "weight");
    assert!(get(&row(&t, VINH_PHUC), "ICT_change").is_null());
    assert!(c.report(VINH_PHUC).unwrap().starts_with("Năm 2015"));
    assert!(message(c.set_year(Some(1999)).unwrap_err()).contains("1999"));
    assert_eq!(c.year(), Some(2015));
    c.set_year(None).unwrap();
    assert_eq!(c.year(), Some(2016));
}

#[wasm_bindgen_test]
fn options() {
    let mut c = Calculator::new().unwrap();
    let o = js_sys::JSON::parse(r#"{"precision":2}"#).unwrap();
    c.set_options(o).unwrap();
    let t = c.table().unwrap();
    assert_eq!(array(&get(&t, "rows")).length(), 63);
    let bad = js_sys::JSON::parse(r#"{"minShare":2}"#).unwrap();
    assert!(message(c.set_options(bad).unwrap_err()).contains("min-share"));
    let base = js_sys::JSON::parse(r#"{"baseYear":1990}"#).unwrap();
    assert!(c.set_options(base).is_err());
    assert!(c.set_options(JsValue::from_str("x")).is_err());
}

#[wasm_bindgen_test]
fn exports_csv_for_excel() {
    let mut c = Calculator::new().unwrap();
    c.set_value(VINH_PHUC, "HTKT", Some(0.95)).unwrap();
    let csv = c.export_csv().unwrap();
    assert!(
        csv.starts_with("\u{feff}code,name,year,group,HTKT,HTNL,UD,SXKD,MT,ICT_score,ICT_rank,ICT_change"),
        "{}",
        &csv[..120]
    );
    assert_eq!(csv.lines().count(), 64);
    let vp = csv.lines().find(|l| l.starts_with("26,")).unwrap();
    assert!(vp.starts_with("26,Vĩnh Phúc,2016,Đồng bằng sông Hồng,0.95,"), "{vp}");
    // Formula-like names are neutralised.
    c.load_data(
        "code,name,HTKT,HTNL,UD,SXKD,MT\nx,=cmd(),1,1,1,1,1\ny,@y,0,0,0,0,0\n".into(),
        "f.csv",
    )
    .unwrap();
    let csv = c.export_csv().unwrap();
    assert!(csv.contains("\nx,'=cmd(),"), "{csv}");
    assert!(csv.contains("\ny,'@y,"), "{csv}");
}
