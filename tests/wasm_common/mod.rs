//! Helpers the wasm-bindgen test files share (`mod wasm_common;`).
#![allow(dead_code)] // each test file uses some of them

use js_sys::{Array, Reflect};
use wasm_bindgen::{JsCast, JsError, JsValue};

/// The message of a thrown `JsError`.
pub fn message(e: JsError) -> String {
    let v: JsValue = e.into();
    v.dyn_into::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .unwrap_or_default()
}

/// Property `key` of a JS object.
pub fn get(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &JsValue::from_str(key)).unwrap()
}

/// A JS value that must be an array.
pub fn array(v: &JsValue) -> Array {
    v.clone().dyn_into::<Array>().unwrap()
}
