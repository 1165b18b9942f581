//! The page's analysis binding. In every build, `analysisSnapshot`: the
//! calculator's state as plain data. With the `tools` feature (the tools
//! module): the quick analyses (leave one out, target, explain) as
//! [`Calculator`] methods, rank uncertainty and variance-based sensitivity as
//! `AnalysisRun` (built in a Web Worker from a snapshot, run in chunks), and
//! `Calculator.fromSnapshot`, which rebuilds a calculator from a snapshot
//! (how the page moves its state onto the tools module).
//!
//! ```js
//! const snap = calc.analysisSnapshot();          // data, framework, options, edition, edits
//! // in the worker (tools module):
//! const run = new AnalysisRun(snap, 'uncertainty', { samples: 10000, seed: 1 });
//! while (!run.done) run.step(500);              // post run.progress between chunks
//! run.result();                                  // UncertaintyResult
//! ```

#[cfg(feature = "tools")]
use serde::Deserialize;
use serde::Serialize;
use wasm_bindgen::prelude::*;

use super::{to_js, Calculator};
#[cfg(feature = "tools")]
use crate::{
    explain, leave_one_out, target, Dataset, Error, ErrorKind, Framework, Sensitivity, SensitivityConfig, TargetAnswer,
    TargetQuery, Uncertainty, UncertaintyConfig, WhatIf,
};
use crate::{Edit, Lang, NodeSpec, Options, Unit};

#[wasm_bindgen(typescript_custom_section)]
const TS_ANALYSIS: &str = r#"
/** Everything a worker needs to rebuild the calculator's working scores. */
export interface AnalysisSnapshot {
  units: { code: string; name: string; year: number | null; group: string | null }[];
  indicators: string[];
  /** Column by column: `values[indicator * units.length + row]`, NaN = missing. */
  values: Float64Array;
  framework: object[];
  options: { precision: number | null; minShare: number; baseYear: number | null };
  year: number | null;
  edits: Edit[];
  lang: "vi" | "en";
  /** Name of the loaded data file. */
  source: string;
}
"#;

/// What [`Calculator::analysis_snapshot`] returns and `AnalysisRun::new` /
/// `Calculator::from_snapshot` read (tools module).
#[derive(Serialize)]
#[cfg_attr(feature = "tools", derive(Deserialize))]
#[serde(rename_all = "camelCase")]
struct Snapshot {
    units: Vec<Unit>,
    indicators: Vec<String>,
    /// Column by column (`values[indicator · units + row]`), NaN = missing:
    /// one typed array, which a worker receives and wasm reads in one copy.
    /// (Nested arrays of numbers and nulls were read value by value: in
    /// Node, `Calculator.fromSnapshot` of 63 × 50 took 613 µs, now 435 µs.)
    #[serde(with = "serde_wasm_bindgen::preserve")]
    values: js_sys::Float64Array,
    framework: Vec<NodeSpec>,
    options: Options,
    year: Option<i64>,
    edits: Vec<Edit>,
    lang: Lang,
    /// The data file's name (older snapshots have none).
    #[cfg_attr(feature = "tools", serde(default))]
    source: String,
}

#[cfg(feature = "tools")]
impl Snapshot {
    /// The data (named as the snapshot's source), the framework and the
    /// working session the snapshot describes (edits applied).
    fn into_parts(self) -> Result<(Dataset, Framework, WhatIf), Error> {
        let columns = self.columns()?;
        let data = Dataset::from_columns(self.units, self.indicators, columns)?.named(&self.source);
        let framework = Framework::new(self.framework)?;
        let mut session = WhatIf::new(&data, &framework, &self.options, self.year)?;
        for edit in &self.edits {
            session.apply(edit)?;
        }
        Ok((data, framework, session))
    }

    /// The values as [`Dataset::from_columns`] takes them: a column per
    /// indicator, NaN as missing.
    fn columns(&self) -> Result<Vec<Vec<Option<f64>>>, Error> {
        let flat = self.values.to_vec();
        let rows = self.units.len();
        if rows.checked_mul(self.indicators.len()) != Some(flat.len()) {
            return Err(Error::new(ErrorKind::InvalidOption {
                name: "values".into(),
                value: format!(
                    "{} values for {} indicators × {rows} units",
                    flat.len(),
                    self.indicators.len()
                ),
            }));
        }
        let column = |c: &[f64]| c.iter().map(|&v| Some(v).filter(|v| !v.is_nan())).collect();
        Ok(match rows {
            0 => vec![Vec::new(); self.indicators.len()],
            _ => flat.chunks(rows).map(column).collect(),
        })
    }
}

/// An answer with its sentence in the calculator's language.
#[cfg(feature = "tools")]
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Said<T: Serialize> {
    #[serde(flatten)]
    answer: T,
    sentence: String,
}

#[wasm_bindgen]
impl Calculator {
    /// The loaded data, framework, options, edition and edits as plain data
    /// (structured-cloneable): hand it to a worker's `new AnalysisRun(…)`.
    #[wasm_bindgen(js_name = analysisSnapshot, unchecked_return_type = "AnalysisSnapshot")]
    pub fn analysis_snapshot(&self) -> Result<JsValue, JsError> {
        let d = &self.data;
        let rows = d.units().len();
        let flat: Vec<f64> = (0..d.indicators().len())
            .flat_map(|c| (0..rows).map(move |r| d.value(r, c).unwrap_or(f64::NAN)))
            .collect();
        let values = js_sys::Float64Array::from(flat.as_slice());
        let snap = Snapshot {
            units: d.units().to_vec(),
            indicators: d.indicators().to_vec(),
            values,
            framework: self.framework.specs(),
            options: self.options.clone(),
            year: self.edition_year(),
            edits: self.session.edits(),
            lang: self.lang,
            source: d.source().to_string(),
        };
        to_js(&snap)
    }
}

#[cfg(feature = "tools")]
#[wasm_bindgen]
impl Calculator {
    /// Leave one pillar or indicator out (edits applied): each unit's rank
    /// shift and the mean absolute shift per node (`LeaveOneOut`).
    #[wasm_bindgen(js_name = leaveOneOut)]
    pub fn leave_one_out(&self) -> Result<JsValue, JsError> {
        let r = leave_one_out(self.session.scored(), self.edition_year()).map_err(|e| self.error(e))?;
        to_js(&r)
    }

    /// The smallest improvement of `node` (a pillar or indicator) that takes
    /// `unit` to `rank` (`null`: one place up), edits applied: the
    /// `TargetAnswer` fields plus `sentence` in the current language.
    #[wasm_bindgen(js_name = targetFor)]
    pub fn target_for(&self, unit: &str, node: &str, rank: Option<u32>) -> Result<JsValue, JsError> {
        let query = TargetQuery {
            unit: unit.into(),
            node: node.into(),
            rank,
            ceiling: None,
        };
        let answer: TargetAnswer =
            target(self.session.scored(), self.edition_year(), &query).map_err(|e| self.error(e))?;
        let sentence = answer.sentence(self.lang);
        to_js(&Said { answer, sentence })
    }

    /// `unit`'s composite change against the earlier edition split into
    /// per-pillar contributions (edits applied): the `Explanation` fields
    /// plus `sentence` in the current language.
    #[wasm_bindgen(js_name = explainChange)]
    pub fn explain_change(&self, unit: &str) -> Result<JsValue, JsError> {
        let answer = explain(self.session.scored(), self.edition_year(), unit).map_err(|e| self.error(e))?;
        let sentence = answer.sentence(self.lang);
        to_js(&Said { answer, sentence })
    }
}

#[cfg(feature = "tools")]
#[wasm_bindgen]
impl Calculator {
    /// A calculator in the state `snapshot` describes (what
    /// `analysisSnapshot` returns, from this module or the page module):
    /// data, framework, options, edition, edits and language. The page moves
    /// onto the tools module with it. On error (located, in the snapshot's
    /// language) nothing is built.
    #[wasm_bindgen(js_name = fromSnapshot)]
    pub fn from_snapshot(
        #[wasm_bindgen(unchecked_param_type = "AnalysisSnapshot")] snapshot: JsValue,
    ) -> Result<Calculator, JsError> {
        let snap: Snapshot = serde_wasm_bindgen::from_value(snapshot)?;
        let (lang, options) = (snap.lang, snap.options.clone());
        let (data, framework, session) = snap.into_parts().map_err(in_lang(lang))?;
        Ok(Calculator {
            data,
            framework,
            options,
            lang,
            session,
            edits_js: Default::default(),
        })
    }
}

#[cfg(feature = "tools")]
enum Job {
    Uncertainty(Box<Uncertainty>),
    Sensitivity(Box<Sensitivity>),
}

/// A long analysis run in chunks (for a Web Worker): `"uncertainty"` with an
/// `UncertaintyConfig`, or `"sensitivity"` with a `SensitivityConfig`. The
/// result is the same however the run is chunked. Tools module only.
#[cfg(feature = "tools")]
#[wasm_bindgen]
pub struct AnalysisRun {
    job: Job,
    lang: Lang,
}

#[cfg(feature = "tools")]
#[wasm_bindgen]
impl AnalysisRun {
    /// Rebuilds the calculator's working scores from `snapshot` and prepares
    /// the run; `config` is the camelCase config (any subset).
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "AnalysisSnapshot")] snapshot: JsValue,
        #[wasm_bindgen(unchecked_param_type = "\"uncertainty\" | \"sensitivity\"")] kind: &str,
        config: JsValue,
    ) -> Result<AnalysisRun, JsError> {
        let snap: Snapshot = serde_wasm_bindgen::from_value(snapshot)?;
        let lang = snap.lang;
        let fail = in_lang(lang);
        let year = snap.year;
        let (_, _, session) = snap.into_parts().map_err(fail)?;
        let scored = session.scored();
        let job = match kind {
            "uncertainty" => {
                let config: UncertaintyConfig = serde_wasm_bindgen::from_value(config)?;
                Job::Uncertainty(Box::new(Uncertainty::new(scored, year, &config).map_err(fail)?))
            }
            "sensitivity" => {
                let config: SensitivityConfig = serde_wasm_bindgen::from_value(config)?;
                Job::Sensitivity(Box::new(Sensitivity::new(scored, year, &config).map_err(fail)?))
            }
            other => {
                return Err(JsError::new(&match lang {
                    Lang::Vi => format!("không có phân tích \"{other}\""),
                    Lang::En => format!("no analysis \"{other}\""),
                }))
            }
        };
        Ok(AnalysisRun { job, lang })
    }

    /// Runs up to `count` more samples (uncertainty) or design rows
    /// (sensitivity); returns the share done, in [0, 1].
    pub fn step(&mut self, count: usize) -> Result<f64, JsError> {
        let fail = in_lang(self.lang);
        match &mut self.job {
            Job::Uncertainty(u) => u.run(count).map(drop).map_err(fail)?,
            Job::Sensitivity(s) => s.run(count).map(drop).map_err(fail)?,
        }
        Ok(self.fraction())
    }

    /// Makes an uncertainty run one part of a run split across workers:
    /// `step` then goes through samples `start..end` only. Before the first
    /// `step`; throws for a sensitivity run. The other parts hand their
    /// samples over with `tallyWords`, this part takes them with `mergeWords`,
    /// and its `result()` is then exactly that of one unsplit run.
    pub fn limit(&mut self, start: usize, end: usize) -> Result<(), JsError> {
        let fail = in_lang(self.lang);
        self.part()?.limit(start, end).map_err(fail)
    }

    /// An uncertainty run's samples so far, for another part's `mergeWords`
    /// (transferable: post its `buffer`).
    #[wasm_bindgen(js_name = tallyWords)]
    pub fn tally_words(&self) -> Result<Vec<u32>, JsError> {
        match &self.job {
            Job::Uncertainty(u) => Ok(u.tally_words()),
            Job::Sensitivity(_) => Err(not_split(self.lang)),
        }
    }

    /// Adds another part's samples (its `tallyWords`) to this uncertainty
    /// run; throws, changing nothing, for words of another run.
    #[wasm_bindgen(js_name = mergeWords)]
    pub fn merge_words(&mut self, words: &[u32]) -> Result<(), JsError> {
        let fail = in_lang(self.lang);
        self.part()?.merge_words(words).map_err(fail)
    }

    /// `[done, total]` in samples (uncertainty) or design rows (sensitivity).
    #[wasm_bindgen(unchecked_return_type = "[number, number]")]
    pub fn progress(&self) -> Vec<f64> {
        let (a, b) = self.counts();
        vec![a as f64, b as f64]
    }

    /// Whether the run is complete.
    #[wasm_bindgen(getter)]
    pub fn done(&self) -> bool {
        match &self.job {
            Job::Uncertainty(u) => u.is_done(),
            Job::Sensitivity(s) => s.is_done(),
        }
    }

    /// The result from what has run so far (`UncertaintyResult` or `SensitivityResult`).
    pub fn result(&self) -> Result<JsValue, JsError> {
        match &self.job {
            Job::Uncertainty(u) => to_js(&u.result()),
            Job::Sensitivity(s) => to_js(&s.result()),
        }
    }
}

/// The crate's errors as JS errors in `lang`.
#[cfg(feature = "tools")]
fn in_lang(lang: Lang) -> impl Fn(Error) -> JsError + Copy {
    move |e| JsError::new(&e.message(lang))
}

/// Only uncertainty runs split into parts.
#[cfg(feature = "tools")]
fn not_split(lang: Lang) -> JsError {
    JsError::new(match lang {
        Lang::Vi => "chỉ phân tích bất định mới chia được thành nhiều phần",
        Lang::En => "only an uncertainty run splits into parts",
    })
}

#[cfg(feature = "tools")]
impl AnalysisRun {
    /// The uncertainty run, for splitting into parts (a sensitivity run does not split).
    fn part(&mut self) -> Result<&mut Uncertainty, JsError> {
        match &mut self.job {
            Job::Uncertainty(u) => Ok(u),
            Job::Sensitivity(_) => Err(not_split(self.lang)),
        }
    }

    fn counts(&self) -> (usize, usize) {
        match &self.job {
            Job::Uncertainty(u) => u.progress(),
            Job::Sensitivity(s) => s.progress(),
        }
    }

    fn fraction(&self) -> f64 {
        let (a, b) = self.counts();
        if b == 0 {
            1.0
        } else {
            a as f64 / b as f64
        }
    }
}
