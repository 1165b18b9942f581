//! Monte Carlo in blocks: many samples scored at once, with the arithmetic
//! of [`Model::aggregate_all`] and the ranking of [`Model::rank_values`].
//!
//! When the normalisation and the methods are fixed and values are certain
//! (the usual "weights only" analysis), the normalised leaves never change,
//! and sample `k`'s score of an inner node at unit `i` is
//!
//! `s = Σ_c w_c·t(y_ci) / Σ_c w_c` over its present children `c` in
//! declaration order, with `t(y) = y` (arithmetic), `ln y` (geometric, then
//! `exp`) or `w/y` in place of `w·t(y)` (harmonic, then `Σw / Σ(w/y)`).
//!
//! The [`Kernel`] prepares each leaf once (missing → a neutral value, `ln y`
//! for geometric parents), then, per tile of units and per block of samples,
//! adds `w_c·t(y_c)` over whole tiles without branches. A unit with every
//! child present divides by the sample's `Σ_c w_c` (the same additions in the
//! same order as the per-unit sum); a unit with a missing child (or an inner
//! child that is missing or not positive for a geometric mean) is recomputed
//! on its own, skipping missing children exactly as the general path does.
//! The scores are therefore bit for bit those of [`Model::aggregate_all`];
//! the tests check it. Other designs evaluate sample by sample.

use rand::rngs::ChaCha8Rng;

use super::model::{Model, NonPositive, Scratch};
use super::perturb::{Design, Scenario};
use super::random::Key;
use crate::framework::Aggregation;

/// Units per tile: a tile of the prepared leaves stays in the core's cache
/// while a block of samples uses it.
const TILE: usize = 128;
/// Score cells (samples × units) per block.
const BLOCK_CELLS: usize = 1 << 18;

/// Samples per block for `n` units (16–256).
pub(crate) fn block_len(n: usize) -> usize {
    (BLOCK_CELLS / n.max(1)).clamp(16, 256)
}

/// Where a child's values come from.
#[derive(Clone, Copy, Debug)]
enum Source {
    /// Leaf slot (prepared column).
    Leaf(usize),
    /// Kernel node index (its tile).
    Inner(usize),
}

/// One inner node of the kernel.
#[derive(Clone, Debug)]
struct Node {
    node: usize,
    method: Aggregation,
    /// (source, node whose weight applies), in declaration order.
    kids: Vec<(Source, usize)>,
    /// Per unit: a leaf child is missing there.
    leaf_gap: Vec<bool>,
}

/// The prepared form of a fixed-method, fixed-normalisation design.
#[derive(Clone, Debug)]
pub(crate) struct Kernel {
    n: usize,
    nodes: Vec<Node>,
    /// Per slot, slot-major: `y` (arithmetic parent) or `ln y` (geometric)
    /// with missing → 0, or `y` with missing → +∞ (harmonic: `w/∞ = 0`).
    prepared: Vec<f64>,
    /// Normalised leaves with NaN for missing, slot-major.
    values: Vec<f64>,
    min_share: f64,
}

impl Kernel {
    /// The kernel of `design` on `model`, if the design has one normalisation,
    /// one aggregation per node and no value noise, and every present leaf
    /// under a geometric or harmonic parent is positive.
    pub fn new(model: &Model, design: &Design) -> Option<Self> {
        if design.norm_alts.len() != 1 || design.agg_alts.len() != 1 || design.has_values() {
            return None;
        }
        let agg = design.agg_alts.first().copied().flatten();
        let values = design.normalised.first()?.clone();
        let n = model.n;
        let mut index = vec![None; model.children.len()];
        let mut nodes = Vec::with_capacity(model.order.len());
        let mut prepared = vec![0.0; values.len()];
        for &node in &model.order {
            let method = agg.or_else(|| model.node_agg.get(node).copied().flatten())?;
            let mut kids = Vec::new();
            let mut leaf_gap = vec![false; n];
            for &c in model.children.get(node)? {
                if let Some(s) = model.slot.get(c).copied().flatten() {
                    let col = values.get(s * n..s * n + n)?;
                    let out = prepared.get_mut(s * n..s * n + n)?;
                    for ((o, &y), gap) in out.iter_mut().zip(col).zip(leaf_gap.iter_mut()) {
                        *gap |= y.is_nan();
                        *o = match method {
                            _ if y.is_nan() && method == Aggregation::Harmonic => f64::INFINITY,
                            _ if y.is_nan() => 0.0,
                            Aggregation::Arithmetic => y,
                            _ if y <= 0.0 => return None,
                            Aggregation::Geometric => y.ln(),
                            Aggregation::Harmonic => y,
                        };
                    }
                    kids.push((Source::Leaf(s), c));
                } else {
                    kids.push((Source::Inner(index.get(c).copied().flatten()?), c));
                }
            }
            if let Some(x) = index.get_mut(node) {
                *x = Some(nodes.len());
            }
            nodes.push(Node {
                node,
                method,
                kids,
                leaf_gap,
            });
        }
        // The root is the last inner node evaluated.
        if nodes.last().map(|x| x.node) != Some(model.root) {
            return None;
        }
        Some(Kernel {
            n,
            nodes,
            prepared,
            values,
            min_share: model.min_share(),
        })
    }

    /// Index scores of `count` samples into `w.comp` (`b * n + pos`), sample
    /// `b` weighted by `w.wts[b * m..(b + 1) * m]` (`m` = number of nodes).
    fn scores(&self, m: usize, count: usize, w: &mut Worker) -> Result<(), NonPositive> {
        let n = self.n;
        let k = self.nodes.len();
        let Worker {
            wts,
            comp,
            tiles,
            sum,
            bad,
            ..
        } = w;
        tiles.resize(k * TILE, 0.0);
        sum.resize(TILE, 0.0);
        bad.resize(TILE, false);
        comp.resize(count * n, f64::NAN);
        let mut t0 = 0;
        while t0 < n {
            let len = TILE.min(n - t0);
            for b in 0..count {
                let weights = wts.get(b * m..(b + 1) * m).unwrap_or(&[]);
                for (ki, node) in self.nodes.iter().enumerate() {
                    let mut bufs = Bufs { tiles, sum, bad };
                    self.node_tile(node, ki, weights, t0, len, &mut bufs)?;
                }
                let root = tiles.get((k - 1) * TILE..(k - 1) * TILE + len).unwrap_or(&[]);
                if let Some(out) = comp.get_mut(b * n + t0..b * n + t0 + len) {
                    out.copy_from_slice(root);
                }
            }
            t0 += len;
        }
        Ok(())
    }

    /// Scores `node` (kernel index `ki`) on units `t0..t0 + len` into its tile.
    fn node_tile(
        &self,
        node: &Node,
        ki: usize,
        weights: &[f64],
        t0: usize,
        len: usize,
        w: &mut Bufs<'_>,
    ) -> Result<(), NonPositive> {
        let n = self.n;
        let Bufs { tiles, sum, bad } = w;
        let sum = sum.get_mut(..len).unwrap_or(&mut []);
        let bad = bad.get_mut(..len).unwrap_or(&mut []);
        sum.fill(0.0);
        bad.copy_from_slice(node.leaf_gap.get(t0..t0 + len).unwrap_or(&[]));
        let method = node.method;
        let mut ws = 0.0;
        for &(src, c) in &node.kids {
            let wc = weights.get(c).copied().unwrap_or(0.0);
            ws += wc;
            match src {
                Source::Leaf(s) => {
                    let ys = self.prepared.get(s * n + t0..s * n + t0 + len).unwrap_or(&[]);
                    if method == Aggregation::Harmonic {
                        for (a, &y) in sum.iter_mut().zip(ys) {
                            *a += wc / y;
                        }
                    } else {
                        for (a, &y) in sum.iter_mut().zip(ys) {
                            *a += wc * y;
                        }
                    }
                }
                Source::Inner(j) => {
                    let ys = tiles.get(j * TILE..j * TILE + len).unwrap_or(&[]);
                    for ((a, g), &y) in sum.iter_mut().zip(bad.iter_mut()).zip(ys) {
                        let (ok, term) = match method {
                            Aggregation::Arithmetic => (!y.is_nan(), wc * y),
                            Aggregation::Geometric => (y > 0.0, wc * y.ln()),
                            Aggregation::Harmonic => (y > 0.0, wc / y),
                        };
                        *a += if ok { term } else { 0.0 };
                        *g |= !ok;
                    }
                }
            }
        }
        let empty = node.kids.is_empty() || ws <= 0.0;
        let out = tiles.get_mut(ki * TILE..ki * TILE + len).unwrap_or(&mut []);
        for (o, &sm) in out.iter_mut().zip(sum.iter()) {
            *o = if empty {
                f64::NAN
            } else {
                match method {
                    Aggregation::Arithmetic => sm / ws,
                    Aggregation::Geometric => (sm / ws).exp(),
                    Aggregation::Harmonic => ws / sm,
                }
            };
        }
        // Units with a missing (or, for ln and 1/y, non-positive) child: the general path.
        let kf = node.kids.len() as f64;
        for (i, _) in bad.iter().enumerate().filter(|(_, &g)| g) {
            let pos = t0 + i;
            let (mut sm, mut ws, mut ct) = (0.0, 0.0, 0u32);
            for &(src, c) in &node.kids {
                let y = match src {
                    Source::Leaf(s) => self.values.get(s * n + pos).copied(),
                    Source::Inner(j) => tiles.get(j * TILE + i).copied(),
                }
                .unwrap_or(f64::NAN);
                if y.is_nan() {
                    continue;
                }
                let wc = weights.get(c).copied().unwrap_or(0.0);
                sm += match method {
                    Aggregation::Arithmetic => wc * y,
                    _ if y <= 0.0 => {
                        return Err(NonPositive {
                            child: c,
                            pos,
                            value: y,
                            method,
                        })
                    }
                    Aggregation::Geometric => wc * y.ln(),
                    Aggregation::Harmonic => wc / y,
                };
                ws += wc;
                ct += 1;
            }
            if let Some(o) = tiles.get_mut(ki * TILE + i) {
                *o = if ct == 0 || (ct as f64) < self.min_share * kf || ws <= 0.0 {
                    f64::NAN
                } else {
                    match method {
                        Aggregation::Arithmetic => sm / ws,
                        Aggregation::Geometric => (sm / ws).exp(),
                        Aggregation::Harmonic => ws / sm,
                    }
                };
            }
        }
        Ok(())
    }
}

/// The tile buffers of [`Kernel::node_tile`].
struct Bufs<'a> {
    tiles: &'a mut Vec<f64>,
    sum: &'a mut Vec<f64>,
    bad: &'a mut Vec<bool>,
}

/// Buffers of one thread's blocks.
#[derive(Clone, Debug)]
pub(crate) struct Worker {
    scenario: Scenario,
    /// For sample-by-sample evaluation; made on first use.
    scratch: Option<Scratch>,
    /// Per sample of the block: every node's weight.
    wts: Vec<f64>,
    /// Per sample of the block: index scores.
    comp: Vec<f64>,
    tiles: Vec<f64>,
    sum: Vec<f64>,
    bad: Vec<bool>,
    keys: Vec<u128>,
    small: Vec<u64>,
    /// Per sample of the block: ranks by position (0 = unranked), `b * n + pos`.
    pub ranks: Vec<u32>,
}

impl Worker {
    /// Empty buffers for `design` on `model`.
    pub fn new(model: &Model, design: &Design) -> Self {
        Worker {
            scenario: design.scenario(model),
            scratch: None,
            wts: Vec::new(),
            comp: Vec::new(),
            tiles: Vec::new(),
            sum: Vec::new(),
            bad: Vec::new(),
            keys: Vec::with_capacity(model.n),
            small: Vec::with_capacity(model.n),
            ranks: Vec::new(),
        }
    }
}

/// Draws and scores Monte Carlo samples `start..end` (sample `k` from stream
/// `k` of `key`), leaving their ranks in `w.ranks`.
pub(crate) fn run_block(
    model: &Model,
    design: &Design,
    kernel: Option<&Kernel>,
    key: &Key,
    start: usize,
    end: usize,
    w: &mut Worker,
) -> Result<(), NonPositive> {
    let n = model.n;
    let count = end.saturating_sub(start);
    w.ranks.resize(count * n, 0);
    if let Some(kernel) = kernel {
        let m = model.children.len();
        w.wts.resize(count * m, 0.0);
        for b in 0..count {
            let mut rng: ChaCha8Rng = key.stream((start + b) as u64);
            design.draw_all(model, &mut rng, &mut w.scenario);
            if let Some(dst) = w.wts.get_mut(b * m..(b + 1) * m) {
                dst.copy_from_slice(&w.scenario.weights);
            }
        }
        // A failure (impossible once the design is checked) is reported by
        // the sample-by-sample path, with its usual unit and indicator.
        if kernel.scores(m, count, w).is_ok() {
            let Worker {
                comp,
                keys,
                small,
                ranks,
                ..
            } = w;
            for b in 0..count {
                let values = comp.get(b * n..(b + 1) * n).unwrap_or(&[]);
                let out = ranks.get_mut(b * n..(b + 1) * n).unwrap_or(&mut []);
                model.rank_values(values, keys, small, out);
            }
            return Ok(());
        }
    }
    let s = w.scratch.get_or_insert_with(|| model.scratch());
    for b in 0..count {
        let mut rng = key.stream((start + b) as u64);
        design.draw_all(model, &mut rng, &mut w.scenario);
        design.evaluate(model, &w.scenario, s)?;
        if let Some(out) = w.ranks.get_mut(b * n..(b + 1) * n) {
            out.copy_from_slice(&s.ranks);
        }
    }
    Ok(())
}
