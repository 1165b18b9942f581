//! What-if: edit a unit's value or a node's weight on a working copy,
//! recompute only what the edit touches, and compare ranks with the unedited
//! baseline. The loaded data is never changed.
//!
//! A value edit renormalises its leaf (its column's statistics may move) and
//! re-aggregates that leaf's ancestors in the edited edition. A weight edit
//! re-aggregates the node's ancestors in every edition, so that year-on-year
//! changes stay comparable under the new method.

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind, Result};
use crate::framework::Framework;
use crate::lang::Lang;
use crate::parse::Dataset;
use crate::score::{score, Options, Scored};

/// One edit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum Edit {
    /// Set a unit's raw value on a leaf (`None`: make it missing).
    Value {
        /// Unit code or name.
        unit: String,
        /// Leaf code.
        node: String,
        /// The new value.
        value: Option<f64>,
    },
    /// Set a node's weight (relative among its siblings).
    Weight {
        /// Node code.
        node: String,
        /// The new weight (≥ 0).
        weight: f64,
    },
}

impl Edit {
    /// Reads `"unit:node=value"` (decimal point or comma; empty value = missing).
    ///
    /// ```
    /// use ictindex::Edit;
    /// let e = Edit::parse_value("Vĩnh Phúc:HTKT=0,45").unwrap();
    /// assert_eq!(e, Edit::Value { unit: "Vĩnh Phúc".into(), node: "HTKT".into(), value: Some(0.45) });
    /// assert!(Edit::parse_value("HTKT=0.45").is_err());
    /// ```
    pub fn parse_value(text: &str) -> Result<Self> {
        let bad = || Error::new(ErrorKind::InvalidEdit(text.to_string()));
        let (lhs, value) = text.rsplit_once('=').ok_or_else(bad)?;
        let (unit, node) = lhs.rsplit_once(':').ok_or_else(bad)?;
        let (unit, node, value) = (unit.trim(), node.trim(), value.trim());
        if unit.is_empty() || node.is_empty() {
            return Err(bad());
        }
        let value = if value.is_empty() {
            None
        } else {
            Some(parse_finite(value).ok_or_else(bad)?)
        };
        Ok(Edit::Value {
            unit: unit.into(),
            node: node.into(),
            value,
        })
    }

    /// Reads `"node=weight"`.
    ///
    /// ```
    /// use ictindex::Edit;
    /// assert_eq!(Edit::parse_weight("HTKT=2").unwrap(), Edit::Weight { node: "HTKT".into(), weight: 2.0 });
    /// assert!(Edit::parse_weight("HTKT=-1").is_err());
    /// ```
    pub fn parse_weight(text: &str) -> Result<Self> {
        let bad = || Error::new(ErrorKind::InvalidEdit(text.to_string()));
        let (node, w) = text.rsplit_once('=').ok_or_else(bad)?;
        let weight = parse_finite(w.trim()).filter(|w| *w >= 0.0).ok_or_else(bad)?;
        if node.trim().is_empty() {
            return Err(bad());
        }
        Ok(Edit::Weight {
            node: node.trim().into(),
            weight,
        })
    }
}

fn parse_finite(s: &str) -> Option<f64> {
    let v: f64 = s.replace(',', ".").parse().ok()?;
    v.is_finite().then_some(v)
}

/// The rank of one unit before and after the edits.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Delta {
    /// Unit code.
    pub code: String,
    /// Unit name.
    pub name: String,
    /// Index score before the edits.
    pub baseline_score: Option<f64>,
    /// Index score after.
    pub score: Option<f64>,
    /// Rank before the edits.
    pub baseline_rank: Option<u32>,
    /// Rank after.
    pub rank: Option<u32>,
    /// Baseline rank − rank after (positive = up); `None` if either is missing.
    pub delta: Option<i64>,
}

/// An applied edit and how to take it back.
#[derive(Clone, Debug, PartialEq)]
struct Applied {
    edit: Edit,
    undo: Target,
}

/// A resolved edit: node index, and for values the unit's position.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Target {
    Value {
        pos: usize,
        leaf: usize,
        value: Option<f64>,
    },
    Weight {
        node: usize,
        weight: f64,
    },
}

/// A what-if session on one edition: the baseline, a working copy, and the
/// edits applied to it, in order.
///
/// ```
/// use ictindex::{Dataset, Edit, Framework, Options, WhatIf};
/// let d = Dataset::from_str("code,HTKT,HTNL,UD,SXKD,MT\na,.5,.5,.5,.5,.5\nb,.4,.4,.4,.4,.4\n").unwrap();
/// let mut w = WhatIf::new(&d, &Framework::vn_ict(), &Options::default(), None).unwrap();
/// w.apply(&Edit::parse_value("b:HTKT=1").unwrap()).unwrap();
/// let deltas = w.deltas();
/// assert_eq!(deltas[1].rank, Some(1));
/// assert_eq!(deltas[1].delta, Some(1));
/// w.undo().unwrap();
/// assert_eq!(w.deltas()[1].delta, Some(0));
/// ```
#[derive(Clone, Debug)]
pub struct WhatIf {
    data: Dataset,
    baseline: Scored,
    working: Scored,
    edition: usize,
    applied: Vec<Applied>,
}

impl WhatIf {
    /// Scores `data` and opens a session on edition `year` (`None`: the latest).
    pub fn new(data: &Dataset, framework: &Framework, options: &Options, year: Option<i64>) -> Result<Self> {
        let baseline = score(data, framework, options)?;
        let edition = baseline.edition_index(year)?;
        Ok(WhatIf {
            data: data.clone(),
            working: baseline.clone(),
            baseline,
            edition,
            applied: Vec::new(),
        })
    }

    /// Applies `edit`, recomputing only the nodes it touches. On error nothing changes.
    pub fn apply(&mut self, edit: &Edit) -> Result<()> {
        let target = self.resolve(edit)?;
        let undo = self.set(target)?;
        self.applied.push(Applied {
            edit: edit.clone(),
            undo,
        });
        Ok(())
    }

    /// Takes back the last edit.
    pub fn undo(&mut self) -> Result<Edit> {
        let last = self.applied.pop().ok_or_else(|| Error::new(ErrorKind::NothingToUndo))?;
        if let Err(e) = self.set(last.undo) {
            // Restoring a state that was valid cannot fail; keep the edit if it does.
            self.applied.push(last);
            return Err(e);
        }
        Ok(last.edit)
    }

    /// Drops every edit: the working copy becomes the baseline again, bit for bit.
    pub fn reset(&mut self) {
        self.working = self.baseline.clone();
        self.applied.clear();
    }

    /// The edits applied, in order.
    pub fn edits(&self) -> Vec<Edit> {
        self.applied.iter().map(|a| a.edit.clone()).collect()
    }

    /// The scores with the edits applied.
    pub fn scored(&self) -> &Scored {
        &self.working
    }

    /// The scores without edits.
    pub fn baseline(&self) -> &Scored {
        &self.baseline
    }

    /// The data as loaded (never changed by edits).
    pub fn data(&self) -> &Dataset {
        &self.data
    }

    /// Index of the edited edition.
    pub fn edition(&self) -> usize {
        self.edition
    }

    /// Every unit's index rank before and after the edits, in file order.
    pub fn deltas(&self) -> Vec<Delta> {
        let root = self.working.framework().root_index();
        let (Some(base), Some(now)) = (
            self.baseline.editions().get(self.edition),
            self.working.editions().get(self.edition),
        ) else {
            return Vec::new();
        };
        (0..now.len())
            .map(|pos| {
                let unit = self.working.unit(self.edition, pos);
                let (b, r) = (base.rank(root, pos), now.rank(root, pos));
                Delta {
                    code: unit.map(|u| u.code.clone()).unwrap_or_default(),
                    name: unit.map(|u| u.name.clone()).unwrap_or_default(),
                    baseline_score: base.score(root, pos),
                    score: now.score(root, pos),
                    baseline_rank: b,
                    rank: r,
                    delta: b.zip(r).map(|(b, r)| i64::from(b) - i64::from(r)),
                }
            })
            .collect()
    }

    /// The report sentence on `unit` with the edits applied.
    pub fn report(&self, unit: &str, lang: Lang) -> Result<String> {
        let pos = self.working.find_unit(self.edition, unit)?;
        Ok(crate::report::UnitReport::new(&self.working, self.edition, pos)?.sentence(lang))
    }

    fn resolve(&self, edit: &Edit) -> Result<Target> {
        let f = self.working.framework();
        match edit {
            Edit::Value { unit, node, value } => {
                let leaf = f
                    .index_of(node)
                    .ok_or_else(|| Error::new(ErrorKind::UnknownNode(node.clone())))?;
                if !f.nodes().get(leaf).is_some_and(|n| n.is_leaf()) {
                    return Err(Error::new(ErrorKind::InvalidEdit(format!("{unit}:{node}"))).for_indicator(node));
                }
                if value.is_some_and(|v| !v.is_finite()) {
                    return Err(Error::new(ErrorKind::NotFinite(format!("{value:?}")))
                        .for_unit(unit)
                        .for_indicator(node));
                }
                let pos = self.working.find_unit(self.edition, unit)?;
                Ok(Target::Value {
                    pos,
                    leaf,
                    value: *value,
                })
            }
            Edit::Weight { node, weight } => {
                let i = f
                    .index_of(node)
                    .ok_or_else(|| Error::new(ErrorKind::UnknownNode(node.clone())))?;
                Ok(Target::Weight {
                    node: i,
                    weight: *weight,
                })
            }
        }
    }

    /// Sets a value or weight and recomputes; returns the target that undoes it.
    /// On error the working copy is restored.
    fn set(&mut self, target: Target) -> Result<Target> {
        let options = self.working.options().clone();
        match target {
            Target::Value { pos, leaf, value } => {
                let e = self.edition;
                let old = self.working.editions().get(e).and_then(|ed| ed.raw(leaf, pos));
                let result = self.recompute_value(e, leaf, pos, value, &options);
                if let Err(err) = result {
                    // Put the old value back; that state was valid.
                    let _ = self.recompute_value(e, leaf, pos, old, &options);
                    return Err(err);
                }
                Ok(Target::Value { pos, leaf, value: old })
            }
            Target::Weight { node, weight } => {
                let f = self.working.framework();
                let code = f.nodes().get(node).map(|n| n.code().to_string()).unwrap_or_default();
                let old = f.nodes().get(node).map_or(1.0, |n| n.spec.weight);
                let new_f = f.with_weight(&code, weight)?;
                let old_f = self.working.framework().clone();
                self.working.set_framework(new_f);
                if let Err(err) = self.reaggregate_all(node, &options) {
                    self.working.set_framework(old_f);
                    let _ = self.reaggregate_all(node, &options);
                    return Err(err);
                }
                Ok(Target::Weight { node, weight: old })
            }
        }
    }

    fn recompute_value(
        &mut self,
        e: usize,
        leaf: usize,
        pos: usize,
        value: Option<f64>,
        options: &Options,
    ) -> Result<()> {
        let (f, editions) = self.working.framework_and_editions_mut();
        let path = f.ancestors(leaf);
        let data = &self.data;
        let Some(ed) = editions.get_mut(e) else {
            return Ok(());
        };
        ed.set_raw(leaf, pos, value);
        for &a in &path {
            ed.aggregate_node(data, f, a, options)?;
        }
        ed.rank_node(f, leaf, options);
        for &a in &path {
            ed.rank_node(f, a, options);
        }
        Ok(())
    }

    fn reaggregate_all(&mut self, node: usize, options: &Options) -> Result<()> {
        let (f, editions) = self.working.framework_and_editions_mut();
        let path = f.ancestors(node);
        let data = &self.data;
        for ed in editions {
            for &a in &path {
                ed.aggregate_node(data, f, a, options)?;
            }
            for &a in &path {
                ed.rank_node(f, a, options);
            }
        }
        Ok(())
    }
}

/// Applies `edits` in order to edition `year` of `data` and returns every
/// unit's index rank before and after.
///
/// ```
/// use ictindex::{whatif, Dataset, Edit, Framework, Options};
/// let d = Dataset::from_str("code,HTKT,HTNL,UD,SXKD,MT\na,.5,.5,.5,.5,.5\nb,.4,.4,.4,.4,.6\n").unwrap();
/// let edits = [Edit::parse_weight("MT=10").unwrap()];
/// let deltas = whatif(&d, &Framework::vn_ict(), &Options::default(), None, &edits).unwrap();
/// assert_eq!((deltas[1].baseline_rank, deltas[1].rank), (Some(2), Some(1)));
/// ```
pub fn whatif(
    data: &Dataset,
    framework: &Framework,
    options: &Options,
    year: Option<i64>,
    edits: &[Edit],
) -> Result<Vec<crate::whatif::Delta>> {
    let mut w = WhatIf::new(data, framework, options, year)?;
    for e in edits {
        w.apply(e)?;
    }
    Ok(w.deltas())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Dataset {
        Dataset::from_str(
            "code,year,HTKT,HTNL,UD,SXKD,MT\n\
             a,1,.5,.5,.5,.5,.5\nb,1,.4,.4,.4,.4,.4\nc,1,.3,.3,.3,.3,.3\n\
             a,2,.5,.5,.5,.5,.5\nb,2,.4,.4,.4,.4,.4\nc,2,.3,.3,.3,.3,.9\n",
        )
        .unwrap()
    }

    #[test]
    fn edits_match_a_full_rescore() {
        let d = sample();
        let f = Framework::from_str(
            "code,parent,method\nI,,\nHTKT,I,minmax\nHTNL,I,zscore\nUD,I,rank\nSXKD,I,percentile\nMT,I,none\n",
        )
        .unwrap();
        let o = Options::default();
        let mut w = WhatIf::new(&d, &f, &o, Some(2)).unwrap();
        w.apply(&Edit::parse_value("c:HTKT=0.9").unwrap()).unwrap();
        w.apply(&Edit::parse_weight("MT=3").unwrap()).unwrap();
        w.apply(&Edit::parse_value("b:UD=").unwrap()).unwrap();
        // The same edits made to the data and framework, scored from scratch.
        let mut d2 = d.clone();
        let col = |c: &str| d.indicator_index(c).unwrap();
        d2.set_value(5, col("HTKT"), Some(0.9));
        d2.set_value(4, col("UD"), None);
        let f2 = f.with_weight("MT", 3.0).unwrap();
        let full = score(&d2, &f2, &o).unwrap();
        for e in 0..2 {
            for node in 0..f.nodes().len() {
                for pos in 0..3 {
                    let a = w.scored().editions()[e].score(node, pos);
                    let b = full.editions()[e].score(node, pos);
                    assert_eq!(
                        a.map(f64::to_bits),
                        b.map(f64::to_bits),
                        "edition {e} node {node} pos {pos}"
                    );
                    assert_eq!(
                        w.scored().editions()[e].rank(node, pos),
                        full.editions()[e].rank(node, pos)
                    );
                }
            }
        }
        // The loaded data is untouched.
        assert_eq!(w.data(), &d);
    }

    #[test]
    fn undo_and_reset_restore_the_baseline_exactly() {
        let d = sample();
        let f = Framework::vn_ict();
        let mut w = WhatIf::new(&d, &f, &Options::default(), None).unwrap();
        let before = w.scored().clone();
        w.apply(&Edit::parse_value("c:HTKT=0.95").unwrap()).unwrap();
        w.apply(&Edit::parse_weight("HTKT=4").unwrap()).unwrap();
        assert_ne!(w.scored(), &before);
        assert_eq!(w.edits().len(), 2);
        w.undo().unwrap();
        w.undo().unwrap();
        assert_eq!(w.scored(), &before);
        assert_eq!(w.undo().unwrap_err().kind(), &ErrorKind::NothingToUndo);
        w.apply(&Edit::parse_value("a:MT=0").unwrap()).unwrap();
        w.reset();
        assert_eq!(w.scored(), &before);
    }

    #[test]
    fn failed_edits_change_nothing() {
        let d = sample();
        let f =
            Framework::from_str("code,parent,method\nI,,geometric\nHTKT,I,\nHTNL,I,\nUD,I,\nSXKD,I,\nMT,I,\n").unwrap();
        let mut w = WhatIf::new(&d, &f, &Options::default(), None).unwrap();
        let before = w.scored().clone();
        assert_eq!(
            w.apply(&Edit::parse_value("a:HTKT=0").unwrap()).unwrap_err().kind(),
            &ErrorKind::NonPositive {
                method: "geometric".into(),
                value: 0.0
            }
        );
        assert!(w.apply(&Edit::parse_value("zz:HTKT=1").unwrap()).is_err());
        assert!(w.apply(&Edit::parse_value("a:I=1").unwrap()).is_err());
        assert!(w
            .apply(&Edit::Weight {
                node: "HTKT".into(),
                weight: f64::NAN
            })
            .is_err());
        assert_eq!(w.scored(), &before);
        assert!(w.edits().is_empty());
    }

    #[test]
    fn parse_errors() {
        for bad in ["", "a:b", "a=1", ":H=1", "a:H=x", "a:H=inf"] {
            assert!(Edit::parse_value(bad).is_err(), "{bad}");
        }
        for bad in ["", "H", "=1", "H=-1", "H=nan"] {
            assert!(Edit::parse_weight(bad).is_err(), "{bad}");
        }
    }
}
