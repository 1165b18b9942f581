//! Sensitivity: what moves the ranks.
//!
//! (a) [`leave_one_out`]: drop one node (pillar or indicator) from its
//! parent — weights renormalised over the remaining children — and report
//! each unit's rank shift (nominal rank − new rank, positive = up) and the
//! mean absolute shift.
//!
//! (b) [`sensitivity()`]: variance-based first-order and total-order indices
//! of every uncertain input of a [`Perturbation`], for the output
//! `Y` = mean absolute rank change against the nominal ranking (over units
//! ranked in both). Saltelli's design: two independent base samples A and B
//! of N points each, and for each factor `i` the matrix `A_B⁽ⁱ⁾` (A with
//! factor `i` taken from B): N·(d + 2) model runs. Jansen's estimators
//! (Saltelli et al. 2010, table 2):
//!
//! - `V = Var(Y)` over the 2N runs of A and B (divisor 2N − 1),
//! - first order `Sᵢ = (V − 1/(2N) Σⱼ (f(B)ⱼ − f(A_B⁽ⁱ⁾)ⱼ)²) / V`,
//! - total order `S_Tᵢ = 1/(2N) Σⱼ (f(A)ⱼ − f(A_B⁽ⁱ⁾)ⱼ)² / V`.
//!
//! Intervals are bootstrap percentiles (rows resampled with replacement,
//! type-7 2.5th and 97.5th percentiles). Row `j`'s points are drawn, factor by
//! factor, from ChaCha8 stream `j` of a key for A or B, so results do not
//! depend on how the rows are chunked. The base samples are pseudo-random
//! (not a Sobol' sequence): estimates converge as 1/√N.

use rand::rngs::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::model::{Model, Scratch};
use super::perturb::{Design, FactorInfo, Perturbation, Scenario};
use super::random::{below, Key, BOOTSTRAP, SALTELLI_A, SALTELLI_B};
use crate::error::{Error, ErrorKind, Result};
use crate::lang::Lang;
use crate::score::Scored;

/// One node left out.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LeaveOut {
    /// Node code.
    pub node: String,
    /// Node name in Vietnamese.
    pub name_vi: String,
    /// Node name in English.
    pub name_en: String,
    /// Per unit: nominal rank − rank without the node (positive = up);
    /// `None` when either is missing.
    pub shifts: Vec<Option<i64>>,
    /// Mean |shift| over the units ranked both ways.
    pub mean_abs_shift: f64,
    /// Largest |shift|.
    pub max_abs_shift: u64,
}

/// A unit as listed by an analysis.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UnitRank {
    /// Unit code.
    pub code: String,
    /// Unit name.
    pub name: String,
    /// Nominal index rank.
    pub rank: Option<u32>,
}

/// Every node left out in turn.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LeaveOneOut {
    /// Edition year.
    pub year: Option<i64>,
    /// Units, in file order (the order of [`LeaveOut::shifts`]).
    pub units: Vec<UnitRank>,
    /// Every node below the index, in framework order.
    pub nodes: Vec<LeaveOut>,
}

/// Leaves out each node below the index in turn (see the module docs).
///
/// ```
/// use ictindex::{leave_one_out, score, Dataset, Framework, Options};
/// let d = Dataset::from_str("code,HTKT,HTNL,UD,SXKD,MT\na,.9,.5,.5,.5,.5\nb,.5,.6,.6,.6,.5\n").unwrap();
/// let s = score(&d, &Framework::vn_ict(), &Options::default()).unwrap();
/// let l = leave_one_out(&s, None).unwrap();
/// // a leads thanks to HTKT; without it b leads.
/// assert_eq!(l.nodes[0].node, "HTKT");
/// assert_eq!(l.nodes[0].shifts, [Some(-1), Some(1)]);
/// assert_eq!(l.nodes[0].mean_abs_shift, 1.0);
/// assert_eq!(l.nodes[4].mean_abs_shift, 0.0); // MT is equal for both
/// ```
pub fn leave_one_out(scored: &Scored, year: Option<i64>) -> Result<LeaveOneOut> {
    let e = scored.edition_index(year)?;
    let model = Model::new(scored, e)?;
    let mut s = model.scratch();
    model.nominal(&mut s)?;
    let nominal = s.ranks.clone();
    let mut nodes = Vec::new();
    for (i, node) in model.framework.nodes().iter().enumerate() {
        if i == model.root {
            continue;
        }
        model
            .aggregate_all(&model.weights, None, Some(i), &mut s)
            .map_err(|e| model.error(e))?;
        model.rank_root(&mut s);
        let shifts: Vec<Option<i64>> = nominal
            .iter()
            .zip(&s.ranks)
            .map(|(&a, &b)| (a > 0 && b > 0).then(|| i64::from(a) - i64::from(b)))
            .collect();
        let both: Vec<u64> = shifts.iter().flatten().map(|x| x.unsigned_abs()).collect();
        nodes.push(LeaveOut {
            node: node.code().to_string(),
            name_vi: node.name(Lang::Vi).to_string(),
            name_en: node.name(Lang::En).to_string(),
            mean_abs_shift: if both.is_empty() {
                0.0
            } else {
                both.iter().sum::<u64>() as f64 / both.len() as f64
            },
            max_abs_shift: both.iter().copied().max().unwrap_or(0),
            shifts,
        });
    }
    Ok(LeaveOneOut {
        year: scored.editions().get(e).and_then(|x| x.year()),
        units: (0..model.n)
            .map(|p| UnitRank {
                code: model.codes.get(p).cloned().unwrap_or_default(),
                name: model.names.get(p).cloned().unwrap_or_default(),
                rank: nominal.get(p).copied().filter(|&r| r > 0),
            })
            .collect(),
        nodes,
    })
}

/// A model whose inputs are drawn factor by factor: what Saltelli's design needs.
pub(crate) trait Sampled {
    /// A point of the input space.
    type Point;
    /// Number of factors d.
    fn factors(&self) -> usize;
    /// A fresh point (to be overwritten by draws).
    fn blank(&self) -> Self::Point;
    /// Copies `from` into `to` without allocating.
    fn assign(&self, to: &mut Self::Point, from: &Self::Point);
    /// Draws factor `i` of `p` from `rng`.
    fn draw(&self, i: usize, rng: &mut ChaCha8Rng, p: &mut Self::Point);
    /// The model output at `p`.
    fn output(&mut self, p: &Self::Point) -> Result<f64>;
}

/// A Saltelli design being run, row by row.
pub(crate) struct Saltelli<M: Sampled> {
    pub model: M,
    key_a: Key,
    key_b: Key,
    n: usize,
    fa: Vec<f64>,
    fb: Vec<f64>,
    /// `fab[i * n + j]`: f(A_B⁽ⁱ⁾) at row j.
    fab: Vec<f64>,
    pa: M::Point,
    pb: M::Point,
    pab: M::Point,
    pub next: usize,
}

/// First- and total-order indices with bootstrap intervals.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Indices {
    /// First-order index Sᵢ.
    pub first_order: f64,
    /// Lower end of its 95 % bootstrap interval.
    pub first_order_low: f64,
    /// Upper end.
    pub first_order_high: f64,
    /// Total-order index S_Tᵢ.
    pub total_order: f64,
    /// Lower end of its 95 % bootstrap interval.
    pub total_order_low: f64,
    /// Upper end.
    pub total_order_high: f64,
}

impl<M: Sampled> Saltelli<M> {
    pub fn new(model: M, n: usize, seed: u64) -> Self {
        let d = model.factors();
        Saltelli {
            key_a: Key::new(seed, SALTELLI_A),
            key_b: Key::new(seed, SALTELLI_B),
            n,
            fa: vec![f64::NAN; n],
            fb: vec![f64::NAN; n],
            fab: vec![f64::NAN; n * d],
            pa: model.blank(),
            pb: model.blank(),
            pab: model.blank(),
            model,
            next: 0,
        }
    }

    /// Runs up to `rows` more rows (each d + 2 model runs); returns rows done.
    pub fn run(&mut self, rows: usize) -> Result<usize> {
        let end = self.next.saturating_add(rows).min(self.n);
        let d = self.model.factors();
        for j in self.next..end {
            for i in 0..d {
                self.model
                    .draw(i, &mut self.key_a.part(j as u64, i as u64), &mut self.pa);
                self.model
                    .draw(i, &mut self.key_b.part(j as u64, i as u64), &mut self.pb);
            }
            let ya = self.model.output(&self.pa)?;
            let yb = self.model.output(&self.pb)?;
            if let (Some(a), Some(b)) = (self.fa.get_mut(j), self.fb.get_mut(j)) {
                *a = ya;
                *b = yb;
            }
            for i in 0..d {
                self.model.assign(&mut self.pab, &self.pa);
                self.model
                    .draw(i, &mut self.key_b.part(j as u64, i as u64), &mut self.pab);
                let y = self.model.output(&self.pab)?;
                if let Some(x) = self.fab.get_mut(i * self.n + j) {
                    *x = y;
                }
            }
        }
        self.next = end;
        Ok(end)
    }

    /// Jansen's indices over rows `rows` (indices into 0..n), and V.
    fn estimate(&self, rows: &[usize]) -> (Vec<(f64, f64)>, f64) {
        let m = rows.len() as f64;
        let get = |v: &[f64], j: usize| v.get(j).copied().unwrap_or(f64::NAN);
        let mean = rows.iter().map(|&j| get(&self.fa, j) + get(&self.fb, j)).sum::<f64>() / (2.0 * m);
        let var = rows
            .iter()
            .map(|&j| (get(&self.fa, j) - mean).powi(2) + (get(&self.fb, j) - mean).powi(2))
            .sum::<f64>()
            / (2.0 * m - 1.0);
        let d = self.model.factors();
        let idx = (0..d)
            .map(|i| {
                let ab = self.fab.get(i * self.n..(i + 1) * self.n).unwrap_or(&[]);
                let (mut first, mut total) = (0.0, 0.0);
                for &j in rows {
                    first += (get(&self.fb, j) - get(ab, j)).powi(2);
                    total += (get(&self.fa, j) - get(ab, j)).powi(2);
                }
                if var > 0.0 {
                    ((var - first / (2.0 * m)) / var, total / (2.0 * m) / var)
                } else {
                    (0.0, 0.0)
                }
            })
            .collect();
        (idx, var)
    }

    /// The indices with `bootstrap` resamples (seeded by `seed`), the mean and V of Y.
    pub fn indices(&self, bootstrap: usize, seed: u64) -> (Vec<Indices>, f64, f64) {
        let done = self.next;
        let rows: Vec<usize> = (0..done).collect();
        let (point, var) = self.estimate(&rows);
        let mean = rows
            .iter()
            .map(|&j| self.fa.get(j).copied().unwrap_or(0.0) + self.fb.get(j).copied().unwrap_or(0.0))
            .sum::<f64>()
            / (2.0 * done.max(1) as f64);
        let d = point.len();
        let mut firsts = vec![Vec::with_capacity(bootstrap); d];
        let mut totals = vec![Vec::with_capacity(bootstrap); d];
        let key = Key::new(seed, BOOTSTRAP);
        let mut pick = vec![0usize; done];
        for b in 0..bootstrap {
            let mut rng = key.stream(b as u64);
            for p in pick.iter_mut() {
                *p = below(&mut rng, done.max(1));
            }
            let (idx, _) = self.estimate(&pick);
            for (i, (f, t)) in idx.into_iter().enumerate() {
                if let (Some(fs), Some(ts)) = (firsts.get_mut(i), totals.get_mut(i)) {
                    fs.push(f);
                    ts.push(t);
                }
            }
        }
        let out = point
            .iter()
            .enumerate()
            .map(|(i, &(f, t))| {
                let (f_lo, f_hi) = interval(firsts.get_mut(i).map(Vec::as_mut_slice).unwrap_or(&mut []), f);
                let (t_lo, t_hi) = interval(totals.get_mut(i).map(Vec::as_mut_slice).unwrap_or(&mut []), t);
                Indices {
                    first_order: f,
                    first_order_low: f_lo,
                    first_order_high: f_hi,
                    total_order: t,
                    total_order_low: t_lo,
                    total_order_high: t_hi,
                }
            })
            .collect();
        (out, mean, var)
    }
}

/// Type-7 2.5th and 97.5th percentiles of `xs` (`point` twice when empty).
fn interval(xs: &mut [f64], point: f64) -> (f64, f64) {
    if xs.is_empty() {
        return (point, point);
    }
    xs.sort_by(f64::total_cmp);
    let q = |p: f64| {
        let h = (xs.len() - 1) as f64 * p;
        let lo = h.floor() as usize;
        let a = xs.get(lo).copied().unwrap_or(point);
        let b = xs.get(lo + 1).copied().unwrap_or(a);
        a + (h - lo as f64) * (b - a)
    };
    (q(0.025), q(0.975))
}

/// The ranking as a sampled model: output = mean |rank − nominal rank|.
pub(crate) struct RankModel {
    model: Model,
    design: Design,
    scratch: Scratch,
    nominal: Vec<u32>,
}

impl Sampled for RankModel {
    type Point = Scenario;

    fn factors(&self) -> usize {
        self.design.factors.len()
    }

    fn blank(&self) -> Scenario {
        self.design.scenario(&self.model)
    }

    fn assign(&self, to: &mut Scenario, from: &Scenario) {
        to.weights.copy_from_slice(&from.weights);
        to.raw.copy_from_slice(&from.raw);
        to.norm = from.norm;
        to.agg = from.agg;
    }

    fn draw(&self, i: usize, rng: &mut ChaCha8Rng, p: &mut Scenario) {
        if let Some(f) = self.design.factors.get(i) {
            self.design.draw(&self.model, f, rng, p);
        }
    }

    fn output(&mut self, p: &Scenario) -> Result<f64> {
        self.design
            .evaluate(&self.model, p, &mut self.scratch)
            .map_err(|e| self.model.error(e))?;
        let (mut sum, mut count) = (0u64, 0u64);
        for (&a, &b) in self.nominal.iter().zip(&self.scratch.ranks) {
            if a > 0 && b > 0 {
                sum += u64::from(a.abs_diff(b));
                count += 1;
            }
        }
        Ok(if count == 0 { 0.0 } else { sum as f64 / count as f64 })
    }
}

/// Settings of a variance-based sensitivity run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SensitivityConfig {
    /// Base sample size N (≥ 2): N·(d + 2) model runs. Default 500.
    pub samples: usize,
    /// Seed. Default 1.
    pub seed: u64,
    /// Bootstrap resamples for the intervals. Default 200.
    pub bootstrap: usize,
    /// What is uncertain.
    pub perturbation: Perturbation,
}

impl Default for SensitivityConfig {
    fn default() -> Self {
        SensitivityConfig {
            samples: 500,
            seed: 1,
            bootstrap: 200,
            perturbation: Perturbation::default(),
        }
    }
}

/// One uncertain input's indices.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FactorIndices {
    /// The input.
    pub factor: FactorInfo,
    /// Its indices.
    #[serde(flatten)]
    pub indices: Indices,
}

/// The result of a variance-based sensitivity run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SensitivityResult {
    /// Edition year.
    pub year: Option<i64>,
    /// Base rows run (N).
    pub samples: usize,
    /// Model runs made: N·(d + 2).
    pub runs: usize,
    /// Seed.
    pub seed: u64,
    /// Mean of the output (mean |rank change|) over A and B.
    pub output_mean: f64,
    /// Its variance V (all indices are 0 when V = 0: no input moves a rank).
    pub output_variance: f64,
    /// Per uncertain input.
    pub factors: Vec<FactorIndices>,
}

/// A variance-based sensitivity run that can be advanced in chunks of rows.
///
/// ```
/// use ictindex::{score, Dataset, Framework, Options, Sensitivity, SensitivityConfig};
/// let d = Dataset::from_str("code,HTKT,HTNL,UD,SXKD,MT\na,.9,.1,.5,.5,.5\nb,.1,.85,.5,.5,.5\nc,.5,.5,.5,.5,.5\n").unwrap();
/// let s = score(&d, &Framework::vn_ict(), &Options::default()).unwrap();
/// let config = SensitivityConfig { samples: 400, bootstrap: 50, ..Default::default() };
/// let mut run = Sensitivity::new(&s, None, &config).unwrap();
/// while !run.is_done() {
///     run.run(100).unwrap();
/// }
/// let r = run.result();
/// assert_eq!(r.factors.len(), 5); // one weight per pillar
/// assert_eq!(r.runs, 400 * 7);
/// // Only HTKT and HTNL differ between a, b and c: UD, SXKD, MT matter through
/// // the renormalisation only, and less.
/// let st: Vec<f64> = r.factors.iter().map(|f| f.indices.total_order).collect();
/// assert!(st[0] > st[2] && st[1] > st[2]);
/// ```
pub struct Sensitivity {
    saltelli: Saltelli<RankModel>,
    config: SensitivityConfig,
    year: Option<i64>,
}

impl Sensitivity {
    /// Prepares a run on edition `year` (`None`: the latest) of `scored`.
    pub fn new(scored: &Scored, year: Option<i64>, config: &SensitivityConfig) -> Result<Self> {
        if config.samples < 2 {
            return Err(Error::new(ErrorKind::InvalidOption {
                name: "samples".into(),
                value: config.samples.to_string(),
            }));
        }
        let e = scored.edition_index(year)?;
        let model = Model::new(scored, e)?;
        let design = Design::new(&model, &config.perturbation)?;
        if design.factors.is_empty() {
            return Err(Error::new(ErrorKind::NothingUncertain));
        }
        let mut scratch = model.scratch();
        design.nominal(&model, &mut scratch)?;
        let nominal = scratch.ranks.clone();
        let rank_model = RankModel {
            model,
            design,
            scratch,
            nominal,
        };
        Ok(Sensitivity {
            saltelli: Saltelli::new(rank_model, config.samples, config.seed),
            config: config.clone(),
            year: scored.editions().get(e).and_then(|x| x.year()),
        })
    }

    /// Runs up to `rows` more base rows; returns rows done.
    pub fn run(&mut self, rows: usize) -> Result<usize> {
        self.saltelli.run(rows)
    }

    /// (rows done, rows configured).
    pub fn progress(&self) -> (usize, usize) {
        (self.saltelli.next, self.config.samples)
    }

    /// Whether every row has been run.
    pub fn is_done(&self) -> bool {
        self.saltelli.next >= self.config.samples
    }

    /// The indices from the rows run so far.
    pub fn result(&self) -> SensitivityResult {
        let (idx, mean, var) = self.saltelli.indices(self.config.bootstrap, self.config.seed);
        let m = &self.saltelli.model;
        let d = m.design.factors.len();
        SensitivityResult {
            year: self.year,
            samples: self.saltelli.next,
            runs: self.saltelli.next * (d + 2),
            seed: self.config.seed,
            output_mean: mean,
            output_variance: var,
            factors: m
                .design
                .factors
                .iter()
                .zip(idx)
                .map(|(f, indices)| FactorIndices {
                    factor: m.design.info(&m.model, f),
                    indices,
                })
                .collect(),
        }
    }
}

/// Runs every row of `config` on edition `year` of `scored`.
///
/// ```
/// use ictindex::{score, sensitivity, Dataset, Framework, Options, SensitivityConfig};
/// // a and b tie in the index and differ only on HTKT and MT: those two weights
/// // decide their order; the other three only dilute it.
/// let d = Dataset::from_str("code,HTKT,HTNL,UD,SXKD,MT\na,.8,.5,.5,.5,.2\nb,.2,.5,.5,.5,.8\n").unwrap();
/// let s = score(&d, &Framework::vn_ict(), &Options::default()).unwrap();
/// let r = sensitivity(&s, None, &SensitivityConfig { samples: 300, bootstrap: 20, ..Default::default() }).unwrap();
/// let total: Vec<f64> = r.factors.iter().map(|f| f.indices.total_order).collect();
/// assert!(total[0] > 0.3 && total[4] > 0.3, "{total:?}");
/// assert!(total[1] < 0.1 && total[2] < 0.1, "{total:?}");
/// ```
pub fn sensitivity(scored: &Scored, year: Option<i64>, config: &SensitivityConfig) -> Result<SensitivityResult> {
    let mut s = Sensitivity::new(scored, year, config)?;
    s.run(config.samples)?;
    Ok(s.result())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::model::tests::random_case;
    use crate::analyse::random::uniform;
    use crate::{score, Options};
    use std::f64::consts::PI;

    /// Ishigami indices estimated from N = 20 000 rows: the Jansen estimators'
    /// standard error is below 0.01 there; 0.03 leaves room.
    const ISHIGAMI: f64 = 0.03;

    struct Ishigami;

    impl Sampled for Ishigami {
        type Point = [f64; 3];
        fn factors(&self) -> usize {
            3
        }
        fn blank(&self) -> [f64; 3] {
            [0.0; 3]
        }
        fn assign(&self, to: &mut [f64; 3], from: &[f64; 3]) {
            *to = *from;
        }
        fn draw(&self, i: usize, rng: &mut ChaCha8Rng, p: &mut [f64; 3]) {
            p[i] = -PI + 2.0 * PI * uniform(rng);
        }
        fn output(&mut self, x: &[f64; 3]) -> Result<f64> {
            Ok(x[0].sin() + 7.0 * x[1].sin().powi(2) + 0.1 * x[2].powi(4) * x[0].sin())
        }
    }

    #[test]
    fn jansen_estimators_recover_the_ishigami_indices() {
        // Closed form (Ishigami & Homma 1990; a = 7, b = 0.1):
        // V = a²/8 + bπ⁴/5 + b²π⁸/18 + 1/2, V₁ = (1 + bπ⁴/5)²/2, V₂ = a²/8, V₃ = 0,
        // V_T1 = V₁ + 8b²π⁸/225, V_T2 = V₂, V_T3 = 8b²π⁸/225.
        let (a, b) = (7.0f64, 0.1f64);
        let pi4 = PI.powi(4);
        let pi8 = PI.powi(8);
        let v = a * a / 8.0 + b * pi4 / 5.0 + b * b * pi8 / 18.0 + 0.5;
        let v1 = 0.5 * (1.0 + b * pi4 / 5.0).powi(2);
        let v2 = a * a / 8.0;
        let v13 = 8.0 * b * b * pi8 / 225.0;
        let first = [v1 / v, v2 / v, 0.0];
        let total = [(v1 + v13) / v, v2 / v, v13 / v];
        let mut s = Saltelli::new(Ishigami, 20_000, 5);
        s.run(20_000).unwrap();
        let (idx, _, var) = s.indices(100, 5);
        assert!((var - v).abs() / v < 0.05, "{var} vs {v}");
        for i in 0..3 {
            assert!((idx[i].first_order - first[i]).abs() < ISHIGAMI, "S{i} {:?}", idx[i]);
            assert!((idx[i].total_order - total[i]).abs() < ISHIGAMI, "ST{i} {:?}", idx[i]);
            assert!(idx[i].first_order_low <= idx[i].first_order && idx[i].first_order <= idx[i].first_order_high);
            assert!(idx[i].total_order_low <= idx[i].total_order && idx[i].total_order <= idx[i].total_order_high);
        }
    }

    #[test]
    fn chunked_rows_give_the_same_indices() {
        let (d, f) = random_case(21, 20, false);
        let scored = score(&d, &f, &Options::default()).unwrap();
        let cfg = SensitivityConfig {
            samples: 60,
            bootstrap: 30,
            ..Default::default()
        };
        let whole = sensitivity(&scored, None, &cfg).unwrap();
        let mut parts = Sensitivity::new(&scored, None, &cfg).unwrap();
        while !parts.is_done() {
            parts.run(7).unwrap();
        }
        assert_eq!(parts.result(), whole);
        // One factor per node below the index: P, Q, a … e.
        assert_eq!(whole.factors.len(), 7);
        assert_eq!(whole.runs, 60 * 9);
    }

    #[test]
    fn an_input_that_moves_nothing_has_zero_indices() {
        // Two units far apart on every leaf: no weight changes their order,
        // so V = 0 and every index is 0.
        let d = crate::Dataset::from_str("code,HTKT,HTNL,UD,SXKD,MT\na,.9,.9,.9,.9,.9\nb,.1,.1,.1,.1,.1\n").unwrap();
        let scored = score(&d, &crate::Framework::vn_ict(), &Options::default()).unwrap();
        let r = sensitivity(&scored, None, &SensitivityConfig::default()).unwrap();
        assert_eq!(r.output_variance, 0.0);
        assert!(r.factors.iter().all(|f| f.indices.total_order == 0.0));
        let fixed = SensitivityConfig {
            perturbation: Perturbation {
                weights: crate::WeightNoise::Fixed,
                ..Default::default()
            },
            ..Default::default()
        };
        assert_eq!(
            Sensitivity::new(&scored, None, &fixed).err().map(|e| e.kind().clone()),
            Some(ErrorKind::NothingUncertain)
        );
    }

    #[test]
    fn leaving_out_matches_a_rescore_without_the_node() {
        let (d, f) = random_case(31, 25, true);
        let o = Options {
            min_share: 0.0,
            ..Options::default()
        };
        let scored = score(&d, &f, &o).unwrap();
        let l = leave_one_out(&scored, None).unwrap();
        assert_eq!(l.nodes.len(), f.nodes().len() - 1);
        let mut compared = 0;
        // Independent method: a framework without the node (and without its
        // subtree), and the data without its leaf columns, scored by the core.
        for lo in &l.nodes {
            let drop = f.index_of(&lo.node).unwrap();
            let mut gone = vec![drop];
            for (i, _) in f.nodes().iter().enumerate() {
                if f.ancestors(i).contains(&drop) {
                    gone.push(i);
                }
            }
            let specs: Vec<_> = f
                .specs()
                .into_iter()
                .enumerate()
                .filter(|(i, _)| !gone.contains(i))
                .map(|(_, s)| s)
                .collect();
            let Ok(g) = crate::Framework::new(specs) else { continue };
            let mut text = String::from("code");
            let kept: Vec<&str> = ["a", "b", "c", "d", "e"]
                .into_iter()
                .filter(|c| g.index_of(c).is_some())
                .collect();
            for c in &kept {
                text.push(',');
                text.push_str(c);
            }
            text.push('\n');
            for (row, u) in d.units().iter().enumerate() {
                text.push_str(&u.code);
                for c in &kept {
                    text.push(',');
                    if let Some(v) = d.value(row, d.indicator_index(c).unwrap()) {
                        text.push_str(&v.to_string());
                    }
                }
                text.push('\n');
            }
            let d2 = crate::Dataset::from_str(&text).unwrap();
            // A pillar whose only children are gone becomes a leaf in `g`; skip those.
            let Ok(s2) = score(&d2, &g, &o) else { continue };
            for (pos, shift) in lo.shifts.iter().enumerate() {
                let a = scored.editions()[0].rank(f.root_index(), pos);
                let b = s2.editions()[0].rank(g.root_index(), pos);
                assert_eq!(
                    *shift,
                    a.zip(b).map(|(a, b)| i64::from(a) - i64::from(b)),
                    "{}",
                    lo.node
                );
            }
            compared += 1;
        }
        assert_eq!(compared, 7);
        assert!(l.nodes.iter().any(|n| n.mean_abs_shift > 0.0));
    }
}
