//! The page's chart exports, on Node
//! (`cargo test --target wasm32-unknown-unknown --test wasm_charts`).
#![cfg(target_arch = "wasm32")]

use ictindex::wasm::Calculator;
use js_sys::Reflect;
use wasm_bindgen::{JsError, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

mod wasm_common;
use wasm_common::message;

/// `(svg, alt)` of a returned `Chart`.
fn chart(v: Result<JsValue, JsError>) -> (String, String) {
    let v = v.map_err(message).unwrap();
    let get = |k: &str| Reflect::get(&v, &JsValue::from_str(k)).unwrap().as_string().unwrap();
    (get("svg"), get("alt"))
}

#[wasm_bindgen_test]
fn map_has_a_tile_per_province_and_outlines_the_selected() {
    let c = Calculator::new().unwrap();
    let (svg, alt) = chart(c.map_svg(None, "rank", Some("vinh phuc".into())));
    assert!(svg.starts_with("<svg"));
    assert_eq!(svg.matches("class=\"tile").count(), 63);
    assert!(svg.contains("data-code=\"26\""));
    assert!(alt.contains("Vĩnh Phúc"));
    let (by_pillar, _) = chart(c.map_svg(Some("HTKT".into()), "score", None));
    assert_ne!(by_pillar, svg);
    chart(c.map_svg(None, "change", None));
}

#[wasm_bindgen_test]
fn map_rejects_unknown_value_and_node() {
    let mut c = Calculator::new().unwrap();
    c.set_lang("en").unwrap();
    let err = message(c.map_svg(None, "colour", None).unwrap_err());
    assert!(err.contains("colour"), "{err}");
    assert!(c.map_svg(Some("NOPE".into()), "rank", None).is_err());
    assert!(c.map_svg(None, "rank", Some("Atlantis".into())).is_err());
}

#[wasm_bindgen_test]
fn charts_follow_the_what_if_state() {
    let mut c = Calculator::new().unwrap();
    let (map0, _) = chart(c.map_svg(None, "score", Some("26".into())));
    let (dist0, _) = chart(c.distribution_svg(None, Some("26".into())));
    let (prof0, _) = chart(c.profile_svg("26"));
    c.set_value("26", "HTKT", Some(0.99)).unwrap();
    let (map1, _) = chart(c.map_svg(None, "score", Some("26".into())));
    let (dist1, _) = chart(c.distribution_svg(None, Some("26".into())));
    let (prof1, _) = chart(c.profile_svg("26"));
    assert_ne!(map0, map1);
    assert_ne!(dist0, dist1);
    assert_ne!(prof0, prof1);
    assert!(dist1.contains("class=\"bar selected\""));
    c.reset();
    assert_eq!(chart(c.distribution_svg(None, Some("26".into()))).0, dist0);
}

#[wasm_bindgen_test]
fn profile_and_bump_of_a_province() {
    let mut c = Calculator::new().unwrap();
    c.set_lang("en").unwrap();
    let (svg, alt) = chart(c.profile_svg("26"));
    assert!(svg.contains("<polygon"));
    assert!(alt.contains("national"), "{alt}");
    let (bump, alt) = chart(c.bump_svg("26", None, 4));
    assert_eq!(bump.matches("<polyline").count(), 5);
    assert!(alt.starts_with("Ranks over time"), "{alt}");
    let (few, _) = chart(c.bump_svg("26", Some("HTKT".into()), 0));
    assert_eq!(few.matches("<polyline").count(), 1);
    assert!(c.profile_svg("Atlantis").is_err());
}

#[wasm_bindgen_test]
fn province_names_are_escaped_in_every_chart() {
    let mut c = Calculator::new().unwrap();
    let data = "code,name,year,HTKT,HTNL,UD,SXKD,MT\n\
        01,<b>Hà Nội</b>,2020,.9,.9,.9,.9,.9\n02,Hà Giang,2020,.1,.2,.3,.4,.5\n\
        01,<b>Hà Nội</b>,2021,.8,.9,.9,.9,.9\n02,Hà Giang,2021,.2,.2,.3,.4,.5\n";
    c.load_data(JsValue::from_str(data), "x.csv").unwrap();
    let charts = [
        chart(c.map_svg(None, "rank", Some("01".into()))),
        chart(c.profile_svg("01")),
        chart(c.bump_svg("01", None, 3)),
        chart(c.distribution_svg(None, Some("01".into()))),
    ];
    for (svg, _) in charts {
        assert!(!svg.contains("<b>"), "{svg}");
        assert!(svg.contains("&lt;b&gt;"), "{svg}");
    }
}
