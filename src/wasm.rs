//! The page's binding: one JS class, [`Calculator`], over the core.
//!
//! Compiled only for `wasm32`. Each export deserialises its input, calls the
//! core and serialises the result as plain JS objects (`json_compatible`:
//! objects, arrays, numbers and `null`, never `Map`s). Every export returns
//! `Result<_, JsError>`: bad input throws a JS `Error` whose message is the
//! core's located message (file, line, column, unit, indicator) in the
//! calculator's language. A failed call changes nothing.
//!
//! The bundled sample (`data/sample-vn-ict.csv`, 63 provinces × 2015, 2016) is
//! compiled in, so the page shows a ranking without fetching anything.
//!
//! ```js
//! import init, { Calculator } from './pkg/ictindex.js';
//! await init();
//! const calc = new Calculator();          // the sample, latest edition
//! calc.setLang('en');
//! calc.report('vinh phuc');               // "In 2016, Vĩnh Phúc ranked 26th of 63, …"
//! calc.setValue('26', 'HTKT', 0.9);       // what-if: recomputes at once
//! calc.table().deltas;                    // per province: rank before / after the edits
//! calc.undo();
//! ```

// Which parts are compiled follows the crate's features (see Cargo.toml):
// the page module has the calculator, the quick analyses and `charts`; the
// tools module adds `tools` (analysis runs, data tools, `fromSnapshot`).
pub mod analysis;
#[cfg(feature = "charts")]
mod charts;
#[cfg(feature = "tools")]
mod data_tools;

use js_sys::{Array, Reflect, Uint8Array};
use serde::Serialize;
use std::collections::HashMap;

use wasm_bindgen::prelude::*;

use crate::{
    records, to_csv, Dataset, Delta, Edit, Error, ErrorKind, Framework, Lang, Options, Record, UnitReport, WhatIf,
};

/// The bundled sample data set.
const SAMPLE: &str = include_str!("../data/sample-vn-ict.csv");
/// The name the sample goes by in messages and in [`Table::source`].
const SAMPLE_NAME: &str = "sample-vn-ict.csv";

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &str = r#"
/** An edit of the what-if session. `value: null` makes the value missing. */
export type Edit =
  | { kind: "value"; unit: string; node: string; value: number | null }
  | { kind: "weight"; node: string; weight: number };

/** One province's index rank before and after the edits (what-if effect). */
export interface Delta {
  code: string;
  name: string;
  baselineScore: number | null;
  score: number | null;
  baselineRank: number | null;
  rank: number | null;
  /** baselineRank − rank: positive = moved up because of the edits. */
  delta: number | null;
}

/** A framework node with its names in both languages. */
export interface NodeInfo {
  code: string;
  parent: string | null;
  nameVi: string;
  nameEn: string;
  /** Current weight (relative among siblings), edits included. */
  weight: number;
  /** Weight as loaded, before edits. */
  baselineWeight: number;
  leaf: boolean;
  depth: number;
}

/**
 * A flat result row: `code`, `name`, `year`, `group`, each leaf's raw value
 * under its code, `<node>_score`, `<node>_rank`, `<node>_change` (rank change
 * against the earlier edition, positive = up) for every node, then
 * `rank_in_group`, `group_n`, `n`, `status` ("", "new" or "dropped").
 */
export type ResultRow = Record<string, string | number | null>;

/** Everything the page draws. */
export interface Table {
  /** Name of the loaded data file. */
  source: string;
  year: number | null;
  /** The edition ranks are compared against (null: none). */
  baseYear: number | null;
  years: (number | null)[];
  /** Code of the index (the framework's root). */
  index: string;
  /** Codes of the index's children, in order. */
  pillars: string[];
  nodes: NodeInfo[];
  /** The working copy (edits applied), file order, dropped units last. */
  rows: ResultRow[];
  /** Per unit of the edition, file order. */
  deltas: Delta[];
  edits: Edit[];
}

/** A pillar's (or the index's) line in a unit report. */
export interface ReportLine {
  code: string; nameVi: string; nameEn: string;
  score: number | null; rank: number | null; n: number; change: number | null;
}

/** Everything the report sentence on one unit says. */
export interface UnitReport {
  code: string; name: string; year: number | null; baseYear: number | null;
  presence: "both" | "new" | "dropped";
  /** [rank in group, units ranked in group] */
  groupRank: [number, number] | null;
  group: string | null;
  index: ReportLine;
  pillars: ReportLine[];
}
"#;

/// The serializer every export uses: plain JS objects and `null`.
const JSON: serde_wasm_bindgen::Serializer = serde_wasm_bindgen::Serializer::json_compatible();

/// The bytes of a file given as a string or a `Uint8Array` (bytes let the
/// core say where a file is not UTF-8).
fn bytes(input: &JsValue, lang: Lang) -> Result<Vec<u8>, JsError> {
    if let Some(s) = input.as_string() {
        return Ok(s.into_bytes());
    }
    match input.dyn_ref::<Uint8Array>() {
        Some(a) => Ok(a.to_vec()),
        None => Err(JsError::new(match lang {
            Lang::Vi => "cần một chuỗi hoặc một Uint8Array",
            Lang::En => "expected a string or a Uint8Array",
        })),
    }
}

/// A list of edits as `edits()` gives it (the `Edit` type), read field by
/// field: `Edit`'s derived `Deserialize` through serde-wasm-bindgen costs the
/// page module ~10 KB. On error, the value that is not an edit (or not a list).
fn edits_from_js(value: &JsValue) -> Result<Vec<Edit>, JsValue> {
    let list = value.dyn_ref::<Array>().ok_or_else(|| value.clone())?;
    list.iter().map(|item| edit_from_js(&item).ok_or(item)).collect()
}

/// One edit, `{kind: "value", unit, node, value}` or `{kind: "weight", node, weight}`.
fn edit_from_js(item: &JsValue) -> Option<Edit> {
    let field = |item: &JsValue, key: &str| Reflect::get(item, &JsValue::from_str(key)).ok();
    let text = |item: &JsValue, key: &str| field(item, key).and_then(|v| v.as_string());
    match text(item, "kind")?.as_str() {
        "value" => {
            let value = field(item, "value")?;
            let value = if value.is_null() || value.is_undefined() {
                None
            } else {
                Some(value.as_f64()?)
            };
            Some(Edit::Value {
                unit: text(item, "unit")?,
                node: text(item, "node")?,
                value,
            })
        }
        "weight" => Some(Edit::Weight {
            node: text(item, "node")?,
            weight: field(item, "weight")?.as_f64()?,
        }),
        _ => None,
    }
}

/// Scoring options from `{precision, minShare, baseYear}` (any subset; a
/// missing field takes its default, `null` means none), read field by field
/// like [`edits_from_js`] to keep serde's deserializer out of the page module.
fn options_from_js(value: &JsValue) -> Result<Options, Error> {
    let bad = |name: &str, v: &JsValue| {
        let value = js_sys::JSON::stringify(v).map(String::from).unwrap_or_default();
        Error::new(ErrorKind::InvalidOption {
            name: name.into(),
            value,
        })
    };
    if !value.is_object() {
        return Err(bad("options", value));
    }
    let mut options = Options::default();
    let field = |key: &str| Reflect::get(value, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED);
    // A whole number in [lo, hi], as the derived deserializer would take it.
    let whole = |v: &JsValue, lo: f64, hi: f64| v.as_f64().filter(|x| x.fract() == 0.0 && (lo..=hi).contains(x));
    let v = field("precision");
    if !v.is_undefined() {
        options.precision = if v.is_null() {
            None
        } else {
            Some(whole(&v, 0.0, f64::from(u32::MAX)).ok_or_else(|| bad("precision", &v))? as u32)
        };
    }
    let v = field("minShare");
    if !v.is_undefined() {
        options.min_share = v.as_f64().ok_or_else(|| bad("min-share", &v))?;
    }
    let v = field("baseYear");
    if !v.is_null() && !v.is_undefined() {
        // ±2^53: every whole f64 in this range is exact as an i64.
        options.base_year = Some(
            whole(&v, -9_007_199_254_740_992.0, 9_007_199_254_740_992.0).ok_or_else(|| bad("base-year", &v))? as i64,
        );
    }
    Ok(options)
}

fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, JsError> {
    value.serialize(&JSON).map_err(|e| JsError::new(&e.to_string()))
}

/// The index calculator: loaded data and framework, options, the language of
/// messages and sentences, and a what-if session on one edition.
#[wasm_bindgen]
pub struct Calculator {
    data: Dataset,
    framework: Framework,
    options: Options,
    lang: Lang,
    session: WhatIf,
    /// The JS objects of edits handed out.
    edits_js: EditWriter,
}

#[wasm_bindgen]
extern "C" {
    /// A plain JS object written field by field.
    #[wasm_bindgen(extends = js_sys::Object)]
    type JsRecord;
    /// `this[key] = value`.
    #[wasm_bindgen(method, indexing_setter)]
    fn set(this: &JsRecord, key: &JsValue, value: &JsValue);
}

/// Writes edits as JS objects (the `Edit` type above), keeping the JS copy of
/// every string it writes: a string copied into JS goes through a
/// `TextDecoder` (~0.3 µs in V8), and undoing a what-if edit would otherwise
/// copy its unit and node each time, a third of the whole undo.
#[derive(Default)]
struct EditWriter {
    /// The keys and kinds of `Edit`, made on the first write.
    keys: Option<EditKeys>,
    /// Units and nodes written, by text (past [`Self::MAX_STRINGS`], afresh).
    strings: HashMap<String, JsValue>,
    /// The last few of them, looked through before `strings`: undoing edit
    /// after edit on one cell then hashes nothing (SipHash of each string
    /// was ~10 % of an undo in wasm).
    recent: Vec<(String, JsValue)>,
}

/// The JS strings of the `Edit` type's keys (`value` and `weight` are also kinds).
struct EditKeys {
    kind: JsValue,
    value: JsValue,
    weight: JsValue,
    unit: JsValue,
    node: JsValue,
}

impl EditKeys {
    fn new() -> Self {
        EditKeys {
            kind: JsValue::from_str("kind"),
            value: JsValue::from_str("value"),
            weight: JsValue::from_str("weight"),
            unit: JsValue::from_str("unit"),
            node: JsValue::from_str("node"),
        }
    }
}

impl EditWriter {
    /// At most this many strings are kept; past it the cache starts afresh.
    const MAX_STRINGS: usize = 1024;
    /// How many recent strings are looked through before the map.
    const RECENT: usize = 4;

    /// The JS copy of `text`, made once.
    fn text(&mut self, text: &str) -> JsValue {
        if let Some((_, js)) = self.recent.iter().find(|(t, _)| t == text) {
            return js.clone();
        }
        let js = match self.strings.get(text) {
            Some(js) => js.clone(),
            None => {
                if self.strings.len() >= Self::MAX_STRINGS {
                    self.strings.clear();
                }
                let js = JsValue::from_str(text);
                self.strings.insert(text.to_owned(), js.clone());
                js
            }
        };
        if self.recent.len() >= Self::RECENT {
            self.recent.remove(0);
        }
        self.recent.push((text.to_owned(), js.clone()));
        js
    }

    /// The JS object of `edit`, as serde would write it (`value: null` for a
    /// missing value).
    fn write(&mut self, edit: &Edit) -> JsValue {
        let record: JsRecord = js_sys::Object::new().unchecked_into();
        match edit {
            Edit::Value { unit, node, value } => {
                let (unit, node) = (self.text(unit), self.text(node));
                let k = self.keys.get_or_insert_with(EditKeys::new);
                record.set(&k.kind, &k.value);
                record.set(&k.unit, &unit);
                record.set(&k.node, &node);
                record.set(&k.value, &value.map_or(JsValue::NULL, JsValue::from_f64));
            }
            Edit::Weight { node, weight } => {
                let node = self.text(node);
                let k = self.keys.get_or_insert_with(EditKeys::new);
                record.set(&k.kind, &k.weight);
                record.set(&k.node, &node);
                record.set(&k.weight, &JsValue::from_f64(*weight));
            }
        }
        record.into()
    }
}

/// A framework node as JS sees it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct NodeInfo<'a> {
    code: &'a str,
    parent: Option<&'a str>,
    name_vi: &'a str,
    name_en: &'a str,
    weight: f64,
    baseline_weight: f64,
    leaf: bool,
    depth: usize,
}

/// The result of [`Calculator::table`]; documented as `Table` in the TS section.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Table<'a> {
    source: &'a str,
    year: Option<i64>,
    base_year: Option<i64>,
    years: Vec<Option<i64>>,
    index: &'a str,
    pillars: Vec<&'a str>,
    nodes: Vec<NodeInfo<'a>>,
    rows: Vec<Record>,
    deltas: Vec<Delta>,
    edits: Vec<Edit>,
}

#[wasm_bindgen]
impl Calculator {
    /// Opens the bundled sample (63 provinces, 2015 and 2016) with the default
    /// Vietnam ICT Index framework, default options, Vietnamese, latest edition.
    #[wasm_bindgen(constructor)]
    pub fn new() -> Result<Calculator, JsError> {
        let lang = Lang::Vi;
        let fail = |e: Error| JsError::new(&e.message(lang));
        let data = Dataset::from_bytes(SAMPLE.as_bytes(), SAMPLE_NAME).map_err(fail)?;
        let framework = Framework::vn_ict();
        let options = Options::default();
        let session = WhatIf::new(&data, &framework, &options, None).map_err(fail)?;
        Ok(Calculator {
            data,
            framework,
            options,
            lang,
            session,
            edits_js: EditWriter::default(),
        })
    }

    /// Goes back to the bundled sample and the default framework (language
    /// and options stay; edits are dropped).
    #[wasm_bindgen(js_name = loadSample)]
    pub fn load_sample(&mut self) -> Result<(), JsError> {
        let data = Dataset::from_bytes(SAMPLE.as_bytes(), SAMPLE_NAME).map_err(|e| self.error(e))?;
        self.replace(data, Framework::vn_ict())
    }

    /// Loads a data file: its text, or its bytes as a `Uint8Array` (then a
    /// file that is not UTF-8 is reported at its line and column). Comma,
    /// semicolon or tab separated; decimal comma allowed with `;` or tab; BOM
    /// allowed. `name` names the file in messages. Edits are dropped; the
    /// latest edition is shown. On error (thrown, with line and column) the
    /// previous data stays.
    #[wasm_bindgen(js_name = loadData)]
    pub fn load_data(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "string | Uint8Array")] input: JsValue,
        name: &str,
    ) -> Result<(), JsError> {
        let bytes = bytes(&input, self.lang)?;
        let data = Dataset::from_bytes(&bytes, name).map_err(|e| self.error(e))?;
        self.replace(data, self.framework.clone())
    }

    /// Loads a framework file (`code,parent,weight,direction,method,lo,hi,name_vi,name_en`),
    /// as text or bytes. It must fit the loaded data (every leaf a column);
    /// use `loadDataAndFramework` to change both at once. On error nothing changes.
    #[wasm_bindgen(js_name = loadFramework)]
    pub fn load_framework(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "string | Uint8Array")] input: JsValue,
        name: &str,
    ) -> Result<(), JsError> {
        let bytes = bytes(&input, self.lang)?;
        let framework = Framework::from_reader(bytes.as_slice(), name).map_err(|e| self.error(e))?;
        self.replace(self.data.clone(), framework)
    }

    /// Loads a data file and the framework it is scored by, together (text
    /// or bytes each). On error nothing changes.
    #[wasm_bindgen(js_name = loadDataAndFramework)]
    pub fn load_data_and_framework(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "string | Uint8Array")] data: JsValue,
        #[wasm_bindgen(js_name = "dataName")] data_name: &str,
        #[wasm_bindgen(unchecked_param_type = "string | Uint8Array")] framework: JsValue,
        #[wasm_bindgen(js_name = "frameworkName")] framework_name: &str,
    ) -> Result<(), JsError> {
        let framework = bytes(&framework, self.lang)?;
        let framework = Framework::from_reader(framework.as_slice(), framework_name).map_err(|e| self.error(e))?;
        let data = bytes(&data, self.lang)?;
        let data = Dataset::from_bytes(&data, data_name).map_err(|e| self.error(e))?;
        self.replace(data, framework)
    }

    /// Every problem in a data file (text or bytes; at most 1000), as located
    /// messages in the current language; empty when it reads cleanly. Loads nothing.
    pub fn check(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string | Uint8Array")] input: JsValue,
        name: &str,
    ) -> Result<Vec<String>, JsError> {
        let bytes = bytes(&input, self.lang)?;
        let problems = Dataset::check(bytes.as_slice(), name);
        Ok(problems.iter().map(|e| e.message(self.lang)).collect())
    }

    /// Sets the language of messages and sentences: `"vi"` or `"en"`.
    #[wasm_bindgen(js_name = setLang)]
    pub fn set_lang(&mut self, lang: &str) -> Result<(), JsError> {
        self.lang = lang.parse().map_err(|e| self.error(e))?;
        Ok(())
    }

    /// The current language, `"vi"` or `"en"`.
    #[wasm_bindgen(getter)]
    pub fn lang(&self) -> String {
        match self.lang {
            Lang::Vi => "vi".into(),
            Lang::En => "en".into(),
        }
    }

    /// The editions' years, ascending (`null` for a file without a year column).
    #[wasm_bindgen(unchecked_return_type = "(number | null)[]")]
    pub fn years(&self) -> Result<JsValue, JsError> {
        to_js(&self.data.years())
    }

    /// The year of the edition shown and edited (`null`: a file without years).
    #[wasm_bindgen(getter)]
    pub fn year(&self) -> Option<i32> {
        self.session
            .scored()
            .editions()
            .get(self.session.edition())
            .and_then(|e| e.year())
            .and_then(|y| i32::try_from(y).ok())
    }

    /// Shows and edits edition `year` (`null`/`undefined`: the latest). Weight
    /// edits are kept; value edits belong to their edition and are dropped.
    #[wasm_bindgen(js_name = setYear)]
    pub fn set_year(&mut self, year: Option<i32>) -> Result<(), JsError> {
        let mut session =
            WhatIf::new(&self.data, &self.framework, &self.options, year.map(i64::from)).map_err(|e| self.error(e))?;
        for edit in self.session.edits().iter().filter(|e| matches!(e, Edit::Weight { .. })) {
            session.apply(edit).map_err(|e| self.error(e))?;
        }
        self.session = session;
        Ok(())
    }

    /// Sets the scoring options (`{precision, minShare, baseYear}`, any subset;
    /// the rest take their defaults). Edits are dropped. On error nothing changes.
    #[wasm_bindgen(js_name = setOptions)]
    pub fn set_options(
        &mut self,
        #[wasm_bindgen(
            unchecked_param_type = "{precision?: number | null, minShare?: number, baseYear?: number | null}"
        )]
        options: JsValue,
    ) -> Result<(), JsError> {
        let options = options_from_js(&options).map_err(|e| self.error(e))?;
        let year = self.edition_year();
        let session = WhatIf::new(&self.data, &self.framework, &options, year).map_err(|e| self.error(e))?;
        self.options = options;
        self.session = session;
        Ok(())
    }

    /// The working results (edits applied) of the edition shown, with the
    /// what-if deltas and the framework's nodes: see the `Table` type.
    #[wasm_bindgen(unchecked_return_type = "Table")]
    pub fn table(&self) -> Result<JsValue, JsError> {
        let scored = self.session.scored();
        let f = scored.framework();
        let base_f = self.session.baseline().framework();
        let year = self.edition_year();
        let code_of = |i: usize| f.nodes().get(i).map_or("", |n| n.code());
        let nodes = f
            .nodes()
            .iter()
            .map(|n| NodeInfo {
                code: n.code(),
                parent: n.parent.map(code_of),
                name_vi: n.name(Lang::Vi),
                name_en: n.name(Lang::En),
                weight: n.spec.weight,
                baseline_weight: base_f.node(n.code()).map_or(n.spec.weight, |b| b.spec.weight),
                leaf: n.is_leaf(),
                depth: n.depth,
            })
            .collect();
        let table = Table {
            source: self.data.source(),
            year,
            base_year: scored.base_of(self.session.edition()).and_then(|b| b.year()),
            years: self.data.years(),
            index: f.root().code(),
            pillars: f.root().children.iter().map(|&c| code_of(c)).collect(),
            nodes,
            rows: records(scored, year).map_err(|e| self.error(e))?,
            deltas: self.session.deltas(),
            edits: self.session.edits(),
        };
        to_js(&table)
    }

    /// What-if: sets `unit`'s raw value on leaf `node` (`null`: missing) in the
    /// edition shown and recomputes what it touches. `unit` is a code or a
    /// name (diacritics optional). On error nothing changes.
    #[wasm_bindgen(js_name = setValue)]
    pub fn set_value(&mut self, unit: &str, node: &str, value: Option<f64>) -> Result<(), JsError> {
        let edit = Edit::Value {
            unit: unit.into(),
            node: node.into(),
            value,
        };
        self.session.apply(&edit).map_err(|e| self.error(e))
    }

    /// What-if: sets `node`'s weight (relative among its siblings, ≥ 0) in
    /// every edition and recomputes. On error nothing changes.
    #[wasm_bindgen(js_name = setWeight)]
    pub fn set_weight(&mut self, node: &str, weight: f64) -> Result<(), JsError> {
        let edit = Edit::Weight {
            node: node.into(),
            weight,
        };
        self.session.apply(&edit).map_err(|e| self.error(e))
    }

    /// Takes back the last edit and returns it; throws when there is none.
    #[wasm_bindgen(unchecked_return_type = "Edit")]
    pub fn undo(&mut self) -> Result<JsValue, JsError> {
        let edit = self.session.undo().map_err(|e| self.error(e))?;
        Ok(self.edits_js.write(&edit))
    }

    /// Drops every edit: back to the loaded data and framework.
    pub fn reset(&mut self) {
        self.session.reset();
    }

    /// The edits applied, in order (for a share link).
    #[wasm_bindgen(unchecked_return_type = "Edit[]")]
    pub fn edits(&self) -> JsValue {
        // Not kept: a share link is written once, an undo many times.
        let mut writer = EditWriter::default();
        let list = Array::new();
        for edit in self.session.edits() {
            list.push(&writer.write(&edit));
        }
        list.into()
    }

    /// Applies a list of edits (e.g. from a share link) in order, all or
    /// nothing: on the first error none of them stays.
    #[wasm_bindgen(js_name = applyEdits)]
    pub fn apply_edits(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "Edit[]")] edits: JsValue,
    ) -> Result<(), JsError> {
        let edits = edits_from_js(&edits).map_err(|bad| {
            let shown = js_sys::JSON::stringify(&bad).map(String::from).unwrap_or_default();
            self.error(Error::new(ErrorKind::InvalidEdit(shown)))
        })?;
        let mut session = self.session.clone();
        for edit in &edits {
            session.apply(edit).map_err(|e| self.error(e))?;
        }
        self.session = session;
        Ok(())
    }

    /// The report sentence on `unit` (code or name, diacritics optional) in
    /// the current language, edits applied: "Năm 2016, Vĩnh Phúc xếp thứ 26/63, …".
    pub fn report(&self, unit: &str) -> Result<String, JsError> {
        self.session.report(unit, self.lang).map_err(|e| self.error(e))
    }

    /// Everything the report on `unit` says, as data (see `UnitReport`).
    #[wasm_bindgen(js_name = unitReport, unchecked_return_type = "UnitReport")]
    pub fn unit_report(&self, unit: &str) -> Result<JsValue, JsError> {
        let scored = self.session.scored();
        let e = self.session.edition();
        let pos = scored.find_unit(e, unit).map_err(|err| self.error(err))?;
        let report = UnitReport::new(scored, e, pos).map_err(|err| self.error(err))?;
        to_js(&report)
    }

    /// The working results of the edition shown as CSV for spreadsheets: UTF-8
    /// BOM, cells starting with `=`, `+`, `-`, `@` neutralised with `'`.
    #[wasm_bindgen(js_name = exportCsv)]
    pub fn export_csv(&self) -> Result<String, JsError> {
        let rows = records(self.session.scored(), self.edition_year()).map_err(|e| self.error(e))?;
        to_csv(&rows, true).map_err(|e| self.error(e))
    }
}

impl Calculator {
    /// An error as a JS `Error` with the located message in the current language.
    fn error(&self, e: Error) -> JsError {
        JsError::new(&e.message(self.lang))
    }

    /// Year of the edition the session edits.
    fn edition_year(&self) -> Option<i64> {
        self.session
            .scored()
            .editions()
            .get(self.session.edition())
            .and_then(|e| e.year())
    }

    /// Scores `data` by `framework` in a new session on the latest edition;
    /// only on success does it replace the state.
    fn replace(&mut self, data: Dataset, framework: Framework) -> Result<(), JsError> {
        let session = WhatIf::new(&data, &framework, &self.options, None).map_err(|e| self.error(e))?;
        self.data = data;
        self.framework = framework;
        self.session = session;
        Ok(())
    }
}
