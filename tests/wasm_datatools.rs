//! The page's data tools (`src/wasm/data_tools.rs`): the 63 ↔ 34 geography
//! switch and the COINr import, on Node
//! (`cargo test --target wasm32-unknown-unknown --test wasm_datatools`).
#![cfg(target_arch = "wasm32")]

use ictindex::wasm::Calculator;
use js_sys::{Array, Object, Reflect};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

mod wasm_common;
use wasm_common::{array, get, message};

const IDATA: &str = include_str!("../../shared/reference/coinr-asem/coinr_asem_idata.csv");
const IMETA: &str = include_str!("../../shared/reference/coinr-asem/coinr_asem_imeta.csv");

fn obj(pairs: &[(&str, JsValue)]) -> JsValue {
    let o = Object::new();
    for (k, v) in pairs {
        Reflect::set(&o, &JsValue::from_str(k), v).unwrap();
    }
    o.into()
}

fn rows(c: &Calculator) -> Array {
    array(&get(&c.table().unwrap(), "rows"))
}

#[wasm_bindgen_test]
fn switches_to_34_units_and_back_without_changing_the_data() {
    let mut c = Calculator::new().unwrap();
    assert_eq!(c.geography(), "63");
    assert_eq!(rows(&c).length(), 63);
    let before = c.report("26").unwrap();

    c.set_geography("34", JsValue::UNDEFINED).unwrap();
    assert_eq!(c.geography(), "34");
    assert_eq!(rows(&c).length(), 34);
    assert_eq!(array(&c.geo_units().unwrap()).length(), 34);
    let text = c.geo_report("vinh phuc").unwrap();
    assert!(
        text.contains("Phú Thọ (gồm Phú Thọ, Vĩnh Phúc, Hòa Bình) xếp thứ "),
        "{text}"
    );
    assert!(text.contains("/34"), "{text}");

    c.set_geography("34", obj(&[("level", "pillars".into())])).unwrap();
    assert!(c.geo_report("Phú Thọ").unwrap().contains("/34"));

    c.set_geography("63", JsValue::UNDEFINED).unwrap();
    assert_eq!(c.geography(), "63");
    assert_eq!(rows(&c).length(), 63);
    assert_eq!(c.geo_report("26").unwrap(), before);
}

#[wasm_bindgen_test]
fn a_year_change_shows_the_loaded_data_again_and_bad_settings_change_nothing() {
    let mut c = Calculator::new().unwrap();
    c.set_geography("34", JsValue::UNDEFINED).unwrap();
    c.set_year(Some(2015)).unwrap();
    assert_eq!(c.geography(), "63");
    c.set_geography("34", JsValue::UNDEFINED).unwrap();
    assert_eq!(c.year(), Some(2015));

    let e = c.set_geography("35", JsValue::UNDEFINED).unwrap_err();
    assert!(!message(e).is_empty());
    let e = c.set_geography("34", obj(&[("level", "index".into())])).unwrap_err();
    assert!(!message(e).is_empty());
    assert_eq!(c.geography(), "34");
    assert_eq!(rows(&c).length(), 34);
}

#[wasm_bindgen_test]
fn imports_and_prepares_the_coinr_asem_example() {
    let mut c = Calculator::new().unwrap();
    c.set_lang("en").unwrap();
    let settings = obj(&[
        ("group", "EurAsia_group".into()),
        ("impute", "group-mean".into()),
        ("treat", "coinr".into()),
        ("range", Array::of2(&0.into(), &100.into()).into()),
    ]);
    let p = c
        .prepare_coinr(IDATA.into(), "iData.csv", IMETA.into(), "iMeta.csv", settings)
        .unwrap();
    assert_eq!(array(&get(&p, "rows")).length(), 51);
    assert_eq!(array(&get(&p, "indicators")).length(), 49);
    let imputed: u32 = array(&get(&p, "rows"))
        .iter()
        .map(|r| {
            array(&get(&r, "flags"))
                .iter()
                .filter(|f| get(f, "imputed").as_bool() == Some(true))
                .count() as u32
        })
        .sum();
    assert_eq!(imputed, 65);
    let log: Vec<String> = array(&get(&p, "log")).iter().map(|l| l.as_string().unwrap()).collect();
    assert!(log.iter().any(|m| m.starts_with("impute")), "{log:?}");
    assert!(log.iter().any(|m| m.starts_with("treat")), "{log:?}");
    assert!(get(&p, "csv").as_string().unwrap().lines().count() > 51);

    // Scored as the loaded data: Switzerland first, as in COINr's results.
    let table = c.table().unwrap();
    let index = get(&table, "index").as_string().unwrap();
    let che = array(&get(&table, "rows"))
        .iter()
        .find(|r| get(r, "code").as_string().as_deref() == Some("CHE"))
        .unwrap();
    assert_eq!(get(&che, &format!("{index}_rank")).as_f64(), Some(1.0));
    let score = get(&che, &format!("{index}_score")).as_f64().unwrap();
    assert!((score - 68.38).abs() < 0.01, "{score}");

    // Not on Vietnam's map: the switch fails and the view stays.
    assert!(c.set_geography("34", JsValue::UNDEFINED).is_err());
    assert_eq!(c.geography(), "63");
    assert_eq!(rows(&c).length(), 51);
}

#[wasm_bindgen_test]
fn a_broken_coinr_file_is_located_and_changes_nothing() {
    let mut c = Calculator::new().unwrap();
    c.set_lang("en").unwrap();
    let broken = IDATA.replacen("\n", "\nXXX,\"1,5\"\n", 1);
    let e = c
        .prepare_coinr(
            broken.into(),
            "iData.csv",
            IMETA.into(),
            "iMeta.csv",
            JsValue::UNDEFINED,
        )
        .unwrap_err();
    let m = message(e);
    assert!(m.contains("iData.csv, line"), "{m}");
    assert_eq!(rows(&c).length(), 63);
    let e = c
        .prepare_coinr(
            IDATA.into(),
            "iData.csv",
            IMETA.into(),
            "iMeta.csv",
            obj(&[("impute", "zero".into())]),
        )
        .unwrap_err();
    assert!(!message(e).is_empty());
    assert_eq!(rows(&c).length(), 63);
}
