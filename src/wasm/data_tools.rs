//! The page's data tools over [`Calculator`]: the 63 ↔ 34 geography switch
//! (issue 9) and COINr import with data preparation (issue 6).
//!
//! The 34-unit view is derived: the loaded data and framework stay as they
//! are, the calculator's what-if session is replaced by one over the data
//! re-based onto the new map. Any call that rebuilds the session from the
//! loaded data (`setYear`, `loadData`, …) brings back the 63 view, which the
//! page re-applies; `geography` tells which view the session shows.
//!
//! ```js
//! calc.setGeography('34', { level: 'leaves' });
//! calc.geoReport('vinh phuc'); // "Năm 2016, Phú Thọ (gồm Phú Thọ, Vĩnh Phúc, Hòa Bình) xếp thứ …/34; …"
//! calc.setGeography('63');
//! const p = calc.prepareCoinr(idata, 'iData.csv', imeta, 'iMeta.csv',
//!   { group: 'EurAsia_group', impute: 'group-mean', treat: 'coinr', range: [0, 100] });
//! p.log; p.indicators; p.rows; p.csv;
//! ```

use std::cell::RefCell;

use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

use super::{bytes, to_js, Calculator};
use crate::{
    prepare, rebase, Coinr, Edit, Geography, Imputation, Mapping, Plan, RebaseOptions, Rebased, Treatment, WhatIf,
};

thread_local! {
    /// The re-basing behind a 34-unit view, by calculator (its address); an
    /// entry is used only while the calculator's session still shows its data.
    static REBASED: RefCell<Vec<(usize, Rebased)>> = const { RefCell::new(Vec::new()) };
}

#[wasm_bindgen(typescript_custom_section)]
const TS_DATA_TOOLS: &str = r#"
/** Settings of a re-basing onto the 34 units (every field optional). */
export interface RebaseSettings { level?: "leaves" | "pillars"; weight?: string | null; from?: "old" | "new" | null }

/** A unit of the 34-unit view and the former provinces averaged into it. */
export interface GeoUnit { code: string; name: string; members: string[] }

/** Settings of a COINr import (every field optional). */
export interface CoinrSettings {
  /** iData column giving each unit's group (group imputation, ranks in group). */
  group?: string | null;
  /** "mean" | "median" | "group-mean" | "group-median" | null */
  impute?: string | null;
  /** "none" | "coinr" | "percentile:5:95" | null */
  treat?: string | null;
  /** Normalisation range, e.g. [0, 100]; null: the iMeta's (0–1). */
  range?: [number, number] | null;
  /** Drop units with less than this share of indicators present. */
  screen?: number | null;
}

/** What the preparation did: the prepared leaves with per-cell flags, the log, the CSV. */
export interface PreparedData {
  indicators: string[];
  rows: { code: string; name: string; year: number | null; group: string | null;
          values: (number | null)[]; flags: { imputed: boolean; treated: "high" | "low" | "log" | null }[] }[];
  /** What each step did, in the calculator's language. */
  log: string[];
  /** iData group columns (candidates for `group`). */
  groups: string[];
  /** The prepared data as CSV (with a `flags` column). */
  csv: string;
}
"#;

/// The result of [`Calculator::prepare_coinr`] (the log as messages only:
/// serialising the log entries' data would cost the module ~3 KB).
#[derive(Serialize)]
struct PreparedOut {
    indicators: Vec<String>,
    rows: Vec<crate::TableRow>,
    log: Vec<String>,
    groups: Vec<String>,
    csv: String,
}

/// COINr import settings, from JS.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct CoinrSettings {
    group: Option<String>,
    impute: Option<String>,
    treat: Option<String>,
    range: Option<(f64, f64)>,
    screen: Option<f64>,
}

/// A unit of the 34 view with its former provinces.
#[derive(Serialize)]
struct GeoUnit<'a> {
    code: &'a str,
    name: &'a str,
    members: Vec<&'a str>,
}

#[wasm_bindgen]
impl Calculator {
    /// Switches the view: `"34"` re-bases the loaded data onto the 34 units of
    /// 1/7/2025 (each the mean of its former provinces; `options`:
    /// `{level: "leaves" | "pillars", weight, from}`) and scores them;
    /// `"63"` goes back to the loaded data. The loaded data never changes;
    /// weight edits are kept where they apply, value edits are dropped. On
    /// error nothing changes.
    #[wasm_bindgen(js_name = setGeography)]
    pub fn set_geography(
        &mut self,
        geography: &str,
        #[wasm_bindgen(unchecked_param_type = "RebaseSettings | undefined")] options: JsValue,
    ) -> Result<(), JsError> {
        let geography: Geography = geography.parse().map_err(|e| self.error(e))?;
        let year = self.edition_year();
        let (session, rebased) = match geography {
            Geography::Old => {
                let session =
                    WhatIf::new(&self.data, &self.framework, &self.options, year).map_err(|e| self.error(e))?;
                (session, None)
            }
            Geography::New => {
                let settings: RebaseOptions = if options.is_undefined() || options.is_null() {
                    RebaseOptions::default()
                } else {
                    serde_wasm_bindgen::from_value(options)?
                };
                let r = rebase(
                    &self.data,
                    &self.framework,
                    &Mapping::vn_2025(),
                    &settings,
                    &self.options,
                )
                .map_err(|e| self.error(e))?;
                let session = WhatIf::new(r.data(), r.framework(), &self.options, year)
                    .or_else(|_| WhatIf::new(r.data(), r.framework(), &self.options, None))
                    .map_err(|e| self.error(e))?;
                (session, Some(r))
            }
        };
        let mut session = session;
        for edit in self.session.edits().iter().filter(|e| matches!(e, Edit::Weight { .. })) {
            let mut tried = session.clone();
            if tried.apply(edit).is_ok() {
                session = tried;
            }
        }
        self.session = session;
        let key = self.key();
        REBASED.with(|cell| {
            let mut list = cell.borrow_mut();
            list.retain(|(k, _)| *k != key);
            if let Some(r) = rebased {
                list.push((key, r));
            }
        });
        Ok(())
    }

    /// The view shown: `"34"` (re-based onto the new map) or `"63"` (the loaded data).
    #[wasm_bindgen(getter)]
    pub fn geography(&self) -> String {
        if self.with_rebased(|_| ()).is_some() {
            "34".into()
        } else {
            "63".into()
        }
    }

    /// The units of the 34 view in the edition shown, each with the former
    /// provinces averaged (empty in the 63 view).
    #[wasm_bindgen(js_name = geoUnits, unchecked_return_type = "GeoUnit[]")]
    pub fn geo_units(&self) -> Result<JsValue, JsError> {
        let year = self.edition_year();
        let out = self.with_rebased(|r| {
            let units: Vec<GeoUnit> = r
                .units()
                .iter()
                .filter(|u| u.year == year)
                .map(|u| GeoUnit {
                    code: &u.code,
                    name: &u.name,
                    members: u.members.iter().map(|m| m.name.as_str()).collect(),
                })
                .collect();
            to_js(&units)
        });
        out.unwrap_or_else(|| to_js(&Vec::<GeoUnit>::new()))
    }

    /// The report sentence on `unit` in the view shown: in the 34 view a
    /// merged unit names its former provinces ("Phú Thọ (gồm Phú Thọ, Vĩnh
    /// Phúc, Hòa Bình) xếp thứ 3/34; …") and a former province's name finds
    /// its new unit; in the 63 view, as `report`.
    #[wasm_bindgen(js_name = geoReport)]
    pub fn geo_report(&self, unit: &str) -> Result<String, JsError> {
        let year = self.edition_year();
        let scored = self.session.scored();
        match self.with_rebased(|r| r.report(scored, year, unit)) {
            Some(r) => r.map(|r| r.sentence(self.lang)).map_err(|e| self.error(e)),
            None => self.report(unit),
        }
    }

    /// Loads a COINr index: `iData` and `iMeta` CSV (text or bytes; names
    /// for messages), prepares it (`settings`: group column, imputation,
    /// treatment, normalisation range, screening), and scores it as the
    /// loaded data. Returns the prepared data with per-cell flags, the log
    /// and the CSV. On error (located, in the current language) nothing changes.
    #[wasm_bindgen(js_name = prepareCoinr, unchecked_return_type = "PreparedData")]
    pub fn prepare_coinr(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "string | Uint8Array")] idata: JsValue,
        #[wasm_bindgen(js_name = "idataName")] idata_name: &str,
        #[wasm_bindgen(unchecked_param_type = "string | Uint8Array")] imeta: JsValue,
        #[wasm_bindgen(js_name = "imetaName")] imeta_name: &str,
        #[wasm_bindgen(unchecked_param_type = "CoinrSettings | undefined")] settings: JsValue,
    ) -> Result<JsValue, JsError> {
        let settings: CoinrSettings = if settings.is_undefined() || settings.is_null() {
            CoinrSettings::default()
        } else {
            serde_wasm_bindgen::from_value(settings)?
        };
        let plan = Plan {
            screen: settings.screen,
            impute: match settings.impute.as_deref() {
                None | Some("" | "none") => None,
                Some(s) => Some(Imputation::parse(s).map_err(|e| self.error(e))?),
            },
            treat: match settings.treat.as_deref() {
                None | Some("") => None,
                Some(s) => Some(Treatment::parse(s).map_err(|e| self.error(e))?),
            },
            ..Plan::default()
        };
        let idata = bytes(&idata, self.lang)?;
        let imeta = bytes(&imeta, self.lang)?;
        let group = settings.group.as_deref().filter(|g| !g.is_empty());
        let coinr = Coinr::from_readers(idata.as_slice(), idata_name, imeta.as_slice(), imeta_name, group)
            .map_err(|e| self.error(e))?;
        let framework = match settings.range {
            Some((lo, hi)) => coinr.framework.with_range(lo, hi).map_err(|e| self.error(e))?,
            None => coinr.framework,
        };
        let prepared = prepare(&coinr.data, &framework, &plan).map_err(|e| self.error(e))?;
        let csv = prepared.to_csv(true).map_err(|e| self.error(e))?;
        let table = prepared.table(self.lang);
        self.replace(prepared.into_data(), framework)?;
        to_js(&PreparedOut {
            indicators: table.indicators,
            rows: table.rows,
            log: table.log.into_iter().map(|l| l.message).collect(),
            groups: coinr.groups,
            csv,
        })
    }
}

impl Calculator {
    /// This calculator's key in [`REBASED`].
    fn key(&self) -> usize {
        self as *const Calculator as usize
    }

    /// Runs `f` on the re-basing behind the session, if it shows a 34 view.
    fn with_rebased<T>(&self, f: impl FnOnce(&Rebased) -> T) -> Option<T> {
        let key = self.key();
        let shown = self.session.scored().units();
        REBASED.with(|cell| {
            let list = cell.borrow();
            let r = list.iter().find(|(k, _)| *k == key).map(|(_, r)| r)?;
            let units = r.data().units();
            let same = units.len() == shown.len()
                && units
                    .iter()
                    .zip(shown)
                    .all(|(a, b)| a.code == b.code && a.year == b.year);
            same.then(|| f(r))
        })
    }
}
