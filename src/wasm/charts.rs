//! Charts for the page: the core's SVG charts ([`crate::map_svg`] and
//! friends) drawn from the session's working results, so each follows the
//! what-if state. Every export returns a `Chart` (`{svg, alt}`): an SVG
//! document whose data text is XML-escaped, and a text alternative.

use wasm_bindgen::prelude::*;

use super::{to_js, Calculator};
use crate::{bump_svg, distribution_svg, map_svg, profile_svg, Error, ErrorKind, MapValue, Scored, TileLayout};

#[wasm_bindgen(typescript_custom_section)]
const TS_CHART: &str = r#"
/** A chart: an SVG document (data text XML-escaped) and its text alternative. */
export interface Chart { svg: string; alt: string; }
"#;

/// The tile layout that fits the edition's unit codes best: the 63 provinces
/// (before 1/7/2025) or the 34 units (after).
fn layout_for(scored: &Scored, e: usize) -> TileLayout {
    let codes: Vec<&str> = scored
        .editions()
        .get(e)
        .map(|ed| {
            (0..ed.len())
                .filter_map(|p| scored.unit(e, p))
                .map(|u| u.code.as_str())
                .collect()
        })
        .unwrap_or_default();
    let hits = |l: &TileLayout| l.tiles.iter().filter(|t| codes.contains(&t.code.as_str())).count();
    let (l63, l34) = (TileLayout::vn63(), TileLayout::vn34());
    if hits(&l34) > hits(&l63) {
        l34
    } else {
        l63
    }
}

#[wasm_bindgen]
impl Calculator {
    /// A tile-grid map of the edition shown, each province coloured by
    /// `node`'s (`null`: the index's) `value`: `"score"`, `"rank"` or
    /// `"change"` (rank change against the base edition). `selected` (a unit
    /// code or name) is outlined. Tiles are `<g class="tile" data-code=…>`.
    #[wasm_bindgen(js_name = mapSvg, unchecked_return_type = "Chart")]
    pub fn map_svg(
        &self,
        node: Option<String>,
        #[wasm_bindgen(unchecked_param_type = "\"score\" | \"rank\" | \"change\"")] value: &str,
        selected: Option<String>,
    ) -> Result<JsValue, JsError> {
        let value = match value {
            "score" => MapValue::Score,
            "rank" => MapValue::Rank,
            "change" => MapValue::Change,
            other => {
                return Err(self.error(Error::new(ErrorKind::InvalidOption {
                    name: "value".into(),
                    value: other.into(),
                })))
            }
        };
        let scored = self.session.scored();
        let e = self.session.edition();
        let node = self.node_index(node.as_deref())?;
        let selected = self.unit_code(selected.as_deref())?;
        let layout = layout_for(scored, e);
        let chart =
            map_svg(scored, e, node, value, &layout, self.lang, selected.as_deref()).map_err(|err| self.error(err))?;
        to_js(&chart)
    }

    /// The profile of `unit` (code or name): a radar of its pillar scores
    /// against the national and regional averages, edits applied.
    #[wasm_bindgen(js_name = profileSvg, unchecked_return_type = "Chart")]
    pub fn profile_svg(&self, unit: &str) -> Result<JsValue, JsError> {
        let scored = self.session.scored();
        let e = self.session.edition();
        let pos = scored.find_unit(e, unit).map_err(|err| self.error(err))?;
        let chart = profile_svg(scored, e, pos, self.lang).map_err(|err| self.error(err))?;
        to_js(&chart)
    }

    /// Ranks on `node` (`null`: the index) across every edition for `unit`
    /// and its `rivals` nearest neighbours in the ranking of the edition
    /// shown (at most 6), edits applied.
    #[wasm_bindgen(js_name = bumpSvg, unchecked_return_type = "Chart")]
    pub fn bump_svg(&self, unit: &str, node: Option<String>, rivals: u32) -> Result<JsValue, JsError> {
        let scored = self.session.scored();
        let e = self.session.edition();
        let node = self.node_index(node.as_deref())?;
        let pos = scored.find_unit(e, unit).map_err(|err| self.error(err))?;
        let codes = nearest(scored, e, node, pos, rivals.min(6) as usize);
        let refs: Vec<&str> = codes.iter().map(String::as_str).collect();
        let chart = bump_svg(scored, node, &refs, self.lang).map_err(|err| self.error(err))?;
        to_js(&chart)
    }

    /// Every province's `node` (`null`: the index) score as sorted bars,
    /// `selected` highlighted, what-if changes against the loaded data shown.
    #[wasm_bindgen(js_name = distributionSvg, unchecked_return_type = "Chart")]
    pub fn distribution_svg(&self, node: Option<String>, selected: Option<String>) -> Result<JsValue, JsError> {
        let scored = self.session.scored();
        let e = self.session.edition();
        let node = self.node_index(node.as_deref())?;
        let selected = self.unit_code(selected.as_deref())?;
        let baseline = Some(self.session.baseline()).filter(|_| !self.session.edits().is_empty());
        let chart = distribution_svg(scored, baseline, e, node, selected.as_deref(), self.lang)
            .map_err(|err| self.error(err))?;
        to_js(&chart)
    }
}

impl Calculator {
    /// The index of framework node `code` (`None`: the root).
    fn node_index(&self, code: Option<&str>) -> Result<usize, JsError> {
        let f = self.session.scored().framework();
        match code {
            None | Some("") => Ok(f.root_index()),
            Some(c) => f
                .index_of(c)
                .ok_or_else(|| self.error(Error::new(ErrorKind::UnknownNode(c.into())))),
        }
    }

    /// The code of unit `query` (code or name) in the edition shown.
    fn unit_code(&self, query: Option<&str>) -> Result<Option<String>, JsError> {
        let scored = self.session.scored();
        let e = self.session.edition();
        match query {
            None | Some("") => Ok(None),
            Some(q) => {
                let pos = scored.find_unit(e, q).map_err(|err| self.error(err))?;
                Ok(scored.unit(e, pos).map(|u| u.code.clone()))
            }
        }
    }
}

/// The code of the unit at `pos` followed by its `k` nearest neighbours by
/// rank on `node` in edition `e` (ties by position), best rank first.
fn nearest(scored: &Scored, e: usize, node: usize, pos: usize, k: usize) -> Vec<String> {
    let Some(ed) = scored.editions().get(e) else {
        return Vec::new();
    };
    let own = ed.rank(node, pos).map_or(i64::MAX, i64::from);
    let mut others: Vec<(i64, i64, usize)> = (0..ed.len())
        .filter(|&p| p != pos)
        .filter_map(|p| ed.rank(node, p).map(|r| ((i64::from(r) - own).abs(), i64::from(r), p)))
        .collect();
    others.sort_unstable();
    let mut picked: Vec<(i64, usize)> = others.into_iter().take(k).map(|(_, r, p)| (r, p)).collect();
    picked.push((own, pos));
    picked.sort_unstable();
    picked
        .into_iter()
        .filter_map(|(_, p)| scored.unit(e, p).map(|u| u.code.clone()))
        .collect()
}
