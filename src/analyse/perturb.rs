//! What is uncertain: the inputs an analysis perturbs, and their draws.
//!
//! A [`Perturbation`] lists the uncertain inputs. Resolved against an edition
//! it becomes a design: a list of *factors* (one weight, one sibling group of
//! weights, the normalisation, the aggregation, one leaf's values), each of
//! which draws its part of a *scenario* from a random generator. Monte Carlo
//! draws every factor from one stream per sample; Saltelli's design draws
//! each factor from its own stream per matrix row.

use std::collections::BTreeMap;

use rand::rngs::ChaCha8Rng;
use rand_distr::{Distribution, Gamma};
use serde::{Deserialize, Serialize};

use super::model::{Model, NonPositive, Scratch};
use super::random::{below, uniform};
use crate::error::{Error, ErrorKind, Result};
use crate::framework::{Aggregation, Direction, Normalisation};
use crate::lang::Lang;

/// Which weights are uncertain.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum WeightLevel {
    /// Every node below the index.
    #[default]
    All,
    /// The index's children (pillars) only.
    Pillars,
    /// Nodes below the pillars (indicators) only.
    Indicators,
}

impl WeightLevel {
    fn has(self, depth: usize) -> bool {
        match self {
            WeightLevel::All => depth >= 1,
            WeightLevel::Pillars => depth == 1,
            WeightLevel::Indicators => depth >= 2,
        }
    }
}

/// How weights vary.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum WeightNoise {
    /// Weights stay nominal.
    Fixed,
    /// Each weight `w` becomes `w·u`, `u ~ U(1 − share, 1 + share)`
    /// independently (COINr's `get_noisy_weights`, the NumPy peer's noise).
    Uniform {
        /// Half-width of the multiplier, in [0, 1).
        share: f64,
        /// Which weights.
        level: WeightLevel,
    },
    /// Each sibling group's weights (total `W`, shares `p`) become `W·g` with
    /// `g ~ Dirichlet(concentration · p)`: mean the nominal weights, the
    /// variance of a share `p(1 − p)/(concentration + 1)`.
    Dirichlet {
        /// Concentration (> 0): larger is tighter.
        concentration: f64,
        /// Which groups (a group is perturbed when its members are in the level).
        level: WeightLevel,
    },
}

impl Default for WeightNoise {
    fn default() -> Self {
        WeightNoise::Uniform {
            share: 0.25,
            level: WeightLevel::All,
        }
    }
}

/// Errors of one cell: a unit's value on a leaf is `value ± error`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CellError {
    /// Unit code or name.
    pub unit: String,
    /// Leaf code.
    pub node: String,
    /// Half-width (≥ 0) in the leaf's raw units.
    pub error: f64,
}

/// Uncertain raw values: each present value `x` becomes `x + e·(2u − 1)`,
/// `u ~ U(0, 1)`, where `e` is its cell's error if listed, else its leaf's
/// error if listed, else `relative · |x|`. The leaf is then normalised again.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ValueNoise {
    /// Half-width as a share of `|x|` (≥ 0), for values with no stated error.
    pub relative: f64,
    /// Half-width per leaf code, in raw units (JSON: `{"HTKT": 0.02}`).
    pub leaves: BTreeMap<String, f64>,
    /// Half-width per cell.
    pub cells: Vec<CellError>,
}

/// The uncertain inputs of an analysis.
///
/// ```
/// use ictindex::{Normalisation, Perturbation, WeightNoise};
/// let p = Perturbation::default();
/// assert!(matches!(p.weights, WeightNoise::Uniform { share, .. } if share == 0.25));
/// assert!(p.normalisations.is_empty()); // the framework's own
/// let json = r#"{"weights":{"kind":"dirichlet","concentration":50,"level":"pillars"},
///                "normalisations":[{"kind":"none"},{"kind":"minMax"}]}"#;
/// let q: Perturbation = serde_json::from_str(json).unwrap();
/// assert_eq!(q.normalisations, [Normalisation::None, Normalisation::MinMax]);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Perturbation {
    /// How weights vary.
    pub weights: WeightNoise,
    /// Normalisations drawn from (uniformly, one for every leaf in a
    /// scenario); empty: each leaf's own, fixed.
    pub normalisations: Vec<Normalisation>,
    /// Aggregations drawn from (uniformly, one for every inner node in a
    /// scenario); empty: each node's own, fixed.
    pub aggregations: Vec<Aggregation>,
    /// Uncertain raw values, if any.
    pub values: Option<ValueNoise>,
}

/// One uncertain input.
#[derive(Clone, Debug)]
pub(crate) enum Factor {
    Weight {
        node: usize,
        share: f64,
    },
    Group {
        parent: usize,
        children: Vec<usize>,
        gammas: Vec<Option<Gamma<f64>>>,
        total: f64,
    },
    Normalisation,
    Aggregation,
    Values {
        slot: usize,
    },
}

/// An uncertain input, as reported.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FactorInfo {
    /// `weight` (one node's), `weights` (a sibling group's), `normalisation`,
    /// `aggregation` or `values` (one leaf's).
    pub kind: String,
    /// The node concerned (the group's parent for `weights`).
    pub node: Option<String>,
}

impl FactorInfo {
    /// A short label in `lang`, e.g. "trọng số HTKT" / "weight of HTKT".
    ///
    /// ```
    /// use ictindex::{FactorInfo, Lang};
    /// let f = FactorInfo { kind: "weight".into(), node: Some("HTKT".into()) };
    /// assert_eq!(f.label(Lang::Vi), "trọng số HTKT");
    /// assert_eq!(f.label(Lang::En), "weight of HTKT");
    /// ```
    pub fn label(&self, lang: Lang) -> String {
        let node = self.node.as_deref().unwrap_or("");
        match (self.kind.as_str(), lang) {
            ("weight", Lang::Vi) => format!("trọng số {node}"),
            ("weight", Lang::En) => format!("weight of {node}"),
            ("weights", Lang::Vi) => format!("trọng số các thành phần của {node}"),
            ("weights", Lang::En) => format!("weights under {node}"),
            ("normalisation", Lang::Vi) => "phương pháp chuẩn hoá".into(),
            ("normalisation", Lang::En) => "normalisation".into(),
            ("aggregation", Lang::Vi) => "phương pháp tổng hợp".into(),
            ("aggregation", Lang::En) => "aggregation".into(),
            ("values", Lang::Vi) => format!("sai số dữ liệu {node}"),
            ("values", Lang::En) => format!("value errors of {node}"),
            (k, _) => k.to_string(),
        }
    }
}

/// One drawn state of the uncertain inputs.
#[derive(Clone, Debug)]
pub(crate) struct Scenario {
    pub weights: Vec<f64>,
    pub norm: usize,
    pub agg: usize,
    /// Perturbed raw values, slot-major (only with value noise).
    pub raw: Vec<f64>,
}

/// A [`Perturbation`] resolved against a model.
#[derive(Clone, Debug)]
pub(crate) struct Design {
    pub factors: Vec<Factor>,
    pub norm_alts: Vec<Option<Normalisation>>,
    pub agg_alts: Vec<Option<Aggregation>>,
    /// Per normalisation alternative: normalised leaves, slot-major.
    pub normalised: Vec<Vec<f64>>,
    /// Value half-widths, slot-major; empty without value noise.
    pub errors: Vec<f64>,
}

fn invalid(name: &str, value: impl ToString) -> Error {
    Error::new(ErrorKind::InvalidOption {
        name: name.into(),
        value: value.to_string(),
    })
}

/// Draws one weight: the nominal one times `1 + share·(2u − 1)`, `u` uniform in [0, 1).
#[inline(always)]
fn draw_weight(model: &Model, node: usize, share: f64, rng: &mut ChaCha8Rng, sc: &mut Scenario) {
    let u = uniform(rng);
    if let (Some(w), Some(&w0)) = (sc.weights.get_mut(node), model.weights.get(node)) {
        *w = w0 * (1.0 + share * (2.0 * u - 1.0));
    }
}

impl Design {
    /// Resolves `p` against `model`; checks that every combination of the
    /// alternatives scores the edition (e.g. no geometric mean over a 0).
    pub fn new(model: &Model, p: &Perturbation) -> Result<Self> {
        let mut factors = Vec::new();
        match p.weights {
            WeightNoise::Fixed => {}
            WeightNoise::Uniform { share, level } => {
                if !(0.0..1.0).contains(&share) {
                    return Err(invalid("weight-noise", share));
                }
                for (node, &d) in model.depth.iter().enumerate() {
                    if level.has(d) && share > 0.0 {
                        factors.push(Factor::Weight { node, share });
                    }
                }
            }
            WeightNoise::Dirichlet { concentration, level } => {
                if !(concentration.is_finite() && concentration > 0.0) {
                    return Err(invalid("dirichlet", concentration));
                }
                for (parent, kids) in model.children.iter().enumerate() {
                    let d = model.depth.get(parent).copied().unwrap_or(0) + 1;
                    if kids.len() < 2 || !level.has(d) {
                        continue;
                    }
                    let w: Vec<f64> = kids
                        .iter()
                        .map(|&c| model.weights.get(c).copied().unwrap_or(0.0))
                        .collect();
                    let total: f64 = w.iter().sum();
                    let mut gammas = Vec::with_capacity(w.len());
                    for &wc in &w {
                        gammas.push(if wc > 0.0 {
                            Some(
                                Gamma::new(concentration * wc / total, 1.0)
                                    .map_err(|_| invalid("dirichlet", concentration))?,
                            )
                        } else {
                            None
                        });
                    }
                    factors.push(Factor::Group {
                        parent,
                        children: kids.clone(),
                        gammas,
                        total,
                    });
                }
            }
        }
        let norm_alts: Vec<Option<Normalisation>> = if p.normalisations.is_empty() {
            vec![None]
        } else {
            p.normalisations.iter().map(|&m| Some(m)).collect()
        };
        for m in norm_alts.iter().flatten() {
            if *m == Normalisation::None && model.leaf_dir.contains(&Direction::Down) {
                return Err(Error::new(ErrorKind::DirectionNeedsNormalisation));
            }
        }
        let agg_alts: Vec<Option<Aggregation>> = if p.aggregations.is_empty() {
            vec![None]
        } else {
            p.aggregations.iter().map(|&a| Some(a)).collect()
        };
        if norm_alts.len() > 1 {
            factors.push(Factor::Normalisation);
        }
        if agg_alts.len() > 1 {
            factors.push(Factor::Aggregation);
        }
        let mut errors = Vec::new();
        if let Some(v) = &p.values {
            errors = value_errors(model, v)?;
            for (slot, chunk) in errors.chunks(model.n.max(1)).enumerate() {
                if chunk.iter().any(|&e| e > 0.0) {
                    factors.push(Factor::Values { slot });
                }
            }
        }
        let normalised: Vec<Vec<f64>> = norm_alts.iter().map(|&m| model.normalise_all(m)).collect();
        // Every combination must score with nominal weights (weights never
        // change the sign of a value, so no sample can fail later, except
        // with value noise). Only a geometric or harmonic mean can fail (a
        // value ≤ 0): designs with arithmetic means only skip the check.
        let may_fail = |a: Option<Aggregation>| {
            model.order.iter().any(|&node| {
                let method = a.or_else(|| model.node_agg.get(node).copied().flatten());
                matches!(method, Some(Aggregation::Geometric | Aggregation::Harmonic))
            })
        };
        let checked: Vec<Option<Aggregation>> = agg_alts.iter().copied().filter(|&a| may_fail(a)).collect();
        if !checked.is_empty() {
            let mut s = model.scratch();
            for set in &normalised {
                model.load_leaves(set, &mut s);
                for &a in &checked {
                    model
                        .aggregate_all(&model.weights, a, None, &mut s)
                        .map_err(|e| model.error(e))?;
                }
            }
        }
        Ok(Design {
            factors,
            norm_alts,
            agg_alts,
            normalised,
            errors,
        })
    }

    /// The leaves normalised by the framework's own methods, if the design
    /// holds them (its first normalisation is the nominal one), as
    /// [`Model::normalise_all`]`(None)` gives them.
    pub fn nominal_leaves(&self) -> Option<&[f64]> {
        match self.norm_alts.first() {
            Some(None) => self.normalised.first().map(Vec::as_slice),
            _ => None,
        }
    }

    /// [`Model::nominal`] into `s`, from the design's own nominal leaves
    /// when it holds them (normalised once, in [`Design::new`]).
    pub fn nominal(&self, model: &Model, s: &mut Scratch) -> Result<u32> {
        match self.nominal_leaves() {
            Some(leaves) => model.nominal_from(leaves, s),
            None => model.nominal(s),
        }
    }

    /// The nominal scenario.
    pub fn scenario(&self, model: &Model) -> Scenario {
        Scenario {
            weights: model.weights.clone(),
            norm: 0,
            agg: 0,
            raw: if self.errors.is_empty() {
                Vec::new()
            } else {
                model.raw.clone()
            },
        }
    }

    /// Whether values are perturbed.
    pub fn has_values(&self) -> bool {
        !self.errors.is_empty()
    }

    /// Describes factor `f`.
    pub fn info(&self, model: &Model, f: &Factor) -> FactorInfo {
        let (kind, node) = match f {
            Factor::Weight { node, .. } => ("weight", Some(*node)),
            Factor::Group { parent, .. } => ("weights", Some(*parent)),
            Factor::Normalisation => ("normalisation", None),
            Factor::Aggregation => ("aggregation", None),
            Factor::Values { slot } => ("values", model.leaves.get(*slot).copied()),
        };
        FactorInfo {
            kind: kind.into(),
            node: node.map(|n| model.code(n).to_string()),
        }
    }

    /// Draws factor `f` into `sc`.
    pub fn draw(&self, model: &Model, f: &Factor, rng: &mut ChaCha8Rng, sc: &mut Scenario) {
        match f {
            Factor::Weight { node, share } => draw_weight(model, *node, *share, rng, sc),
            Factor::Group {
                children,
                gammas,
                total,
                ..
            } => {
                let mut sum = 0.0;
                for (&c, g) in children.iter().zip(gammas) {
                    let x = g.as_ref().map_or(0.0, |g| g.sample(rng));
                    if let Some(w) = sc.weights.get_mut(c) {
                        *w = x;
                    }
                    sum += x;
                }
                for &c in children {
                    if let (Some(w), Some(&w0)) = (sc.weights.get_mut(c), model.weights.get(c)) {
                        // All draws underflowing to 0 (tiny shapes): keep the nominal weights.
                        *w = if sum > 0.0 { total * *w / sum } else { w0 };
                    }
                }
            }
            Factor::Normalisation => sc.norm = below(rng, self.norm_alts.len()),
            Factor::Aggregation => sc.agg = below(rng, self.agg_alts.len()),
            Factor::Values { slot } => {
                let n = model.n;
                let range = slot * n..slot * n + n;
                let (Some(out), Some(raw), Some(err)) = (
                    sc.raw.get_mut(range.clone()),
                    model.raw.get(range.clone()),
                    self.errors.get(range),
                ) else {
                    return;
                };
                for ((o, &x), &e) in out.iter_mut().zip(raw).zip(err) {
                    let u = uniform(rng);
                    *o = x + e * (2.0 * u - 1.0);
                }
            }
        }
    }

    /// Draws every factor, in order, from one generator (Monte Carlo).
    pub fn draw_all(&self, model: &Model, rng: &mut ChaCha8Rng, sc: &mut Scenario) {
        for f in &self.factors {
            // The usual factor inline, the others through `draw`.
            if let Factor::Weight { node, share } = f {
                draw_weight(model, *node, *share, rng, sc);
            } else {
                self.draw(model, f, rng, sc);
            }
        }
    }

    /// Scores scenario `sc` into `s` and ranks the index; returns how many were ranked.
    pub fn evaluate(&self, model: &Model, sc: &Scenario, s: &mut Scratch) -> std::result::Result<u32, NonPositive> {
        let norm = self.norm_alts.get(sc.norm).copied().flatten();
        if self.has_values() {
            for k in 0..model.leaves.len() {
                let col = sc.raw.get(k * model.n..(k + 1) * model.n).unwrap_or(&[]);
                model.normalise_into(k, norm, col, s);
            }
            s.loaded = None;
        } else if s.loaded != Some(sc.norm) {
            if let Some(set) = self.normalised.get(sc.norm) {
                model.load_leaves(set, s);
            }
            s.loaded = Some(sc.norm);
        }
        let agg = self.agg_alts.get(sc.agg).copied().flatten();
        model.aggregate_all(&sc.weights, agg, None, s)?;
        Ok(model.rank_root(s))
    }
}

/// Half-widths per cell (slot-major) from `v`.
fn value_errors(model: &Model, v: &ValueNoise) -> Result<Vec<f64>> {
    let n = model.n;
    let bad = |e: f64| !(e.is_finite() && e >= 0.0);
    if bad(v.relative) {
        return Err(invalid("value-error", v.relative));
    }
    let mut errors: Vec<f64> = model.raw.iter().map(|x| v.relative * x.abs()).collect();
    let slot_of = |code: &str| -> Result<usize> {
        let node = model
            .framework
            .index_of(code)
            .ok_or_else(|| Error::new(ErrorKind::UnknownNode(code.into())))?;
        model
            .slot
            .get(node)
            .copied()
            .flatten()
            .ok_or_else(|| invalid("value-error", code))
    };
    for (code, e) in &v.leaves {
        if bad(*e) {
            return Err(invalid("value-error", e).for_indicator(code));
        }
        let k = slot_of(code)?;
        if let Some(chunk) = errors.get_mut(k * n..k * n + n) {
            chunk.fill(*e);
        }
    }
    let units: Vec<crate::parse::Unit> = model
        .codes
        .iter()
        .zip(&model.names)
        .map(|(c, nm)| crate::parse::Unit {
            code: c.clone(),
            name: nm.clone(),
            year: None,
            group: None,
        })
        .collect();
    for c in &v.cells {
        if bad(c.error) {
            return Err(invalid("value-error", c.error).for_unit(&c.unit).for_indicator(&c.node));
        }
        let k = slot_of(&c.node)?;
        let pos = crate::score::find_unit(units.iter(), &c.unit)?;
        if let Some(e) = errors.get_mut(k * n + pos) {
            *e = c.error;
        }
    }
    for e in &mut errors {
        if e.is_nan() {
            *e = 0.0;
        }
    }
    Ok(errors)
}
