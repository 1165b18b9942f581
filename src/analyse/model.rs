//! The analysis kernel: one edition's raw leaf data held flat, and an
//! allocation-free re-evaluation of the framework (normalise → aggregate →
//! rank) under changed weights, methods or values.
//!
//! It performs exactly the operations of [`crate::score()`] in the same order
//! (per unit, children are summed in declaration order; ranks compare
//! scores rounded to `options.precision`), so nominal results are bit for bit
//! those of the core; the tests check it.

use crate::error::{Error, ErrorKind, Result};
use crate::framework::{Aggregation, Direction, Framework, Method, Normalisation};
use crate::normalise::{normalise, rescale};
use crate::rank::{order_key, rank_present, rank_rounded};
use crate::score::Scored;

/// One edition, ready for repeated evaluation.
#[derive(Clone, Debug)]
pub(crate) struct Model {
    pub n: usize,
    pub framework: Framework,
    /// Unit codes and names, by position.
    pub codes: Vec<String>,
    pub names: Vec<String>,
    /// Per node: children, nominal weight, depth.
    pub children: Vec<Vec<usize>>,
    pub weights: Vec<f64>,
    pub depth: Vec<usize>,
    /// Inner nodes, children before parents.
    pub order: Vec<usize>,
    pub root: usize,
    /// Leaf node of each slot; slot of each node.
    pub leaves: Vec<usize>,
    pub slot: Vec<Option<usize>>,
    /// Per slot: the leaf's own normalisation and direction.
    pub leaf_norm: Vec<Normalisation>,
    pub leaf_dir: Vec<Direction>,
    /// Per node: its own aggregation (inner nodes).
    pub node_agg: Vec<Option<Aggregation>>,
    /// Raw values, slot-major (`slot * n + pos`); NaN = missing.
    pub raw: Vec<f64>,
    scale: Option<f64>,
    min_share: f64,
}

/// Buffers of one evaluation; reused so that evaluating allocates nothing.
#[derive(Clone, Debug)]
pub(crate) struct Scratch {
    /// Scores of every node, node-major (`node * n + pos`); NaN = missing.
    pub cols: Vec<f64>,
    sum: Vec<f64>,
    wsum: Vec<f64>,
    count: Vec<u32>,
    small: Vec<u64>,
    /// Index ranks by position; 0 = not ranked.
    pub ranks: Vec<u32>,
    /// Which normalised leaf set `cols` holds (see `Design`), if any.
    pub loaded: Option<usize>,
}

/// A geometric or harmonic mean met a value ≤ 0 (node, unit position, value).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct NonPositive {
    pub child: usize,
    pub pos: usize,
    pub value: f64,
    pub method: Aggregation,
}

/// 2^52: from here on every float is a whole number.
const INTEGRAL: f64 = 4_503_599_627_370_496.0;
/// Bits of a unit's position in the packed whole-number rank keys.
const POS_BITS: u32 = 11;

/// `v.round()` (half away from zero), without a libm call: below 2^52 in
/// magnitude, `v − trunc(v)` is exact, so comparing it with ±0.5 decides.
fn round_half_away(v: f64) -> f64 {
    if v.is_nan() || v.abs() >= INTEGRAL {
        return v;
    }
    let t = v as i64 as f64;
    let d = v - t;
    if d >= 0.5 {
        t + 1.0
    } else if d <= -0.5 {
        t - 1.0
    } else {
        t
    }
}

/// Below this many units, a Monte-Carlo sample is ranked starting from the
/// previous sample's order (see [`Model::rank_values_from`]); from it on,
/// as any ranking (bucket counts, or whole-number keys with a precision).
/// Twelfth session, 10,000 samples of 50 indicators (compute, alternated
/// runs): the warm start was 6 % faster on 20 units, but slower from 40
/// (5–15 %), 63 (12 %) and 250 units (34 %) on.
const WARM_MAX: usize = 32;

fn col(cols: &[f64], node: usize, n: usize) -> &[f64] {
    cols.get(node * n..node * n + n).unwrap_or(&[])
}

/// From this many raw cells on, a native [`Model::normalise_all`] uses every core.
#[cfg(not(target_arch = "wasm32"))]
const PARALLEL_NORMALISE: usize = 1 << 17;

fn col_mut(cols: &mut [f64], node: usize, n: usize) -> &mut [f64] {
    cols.get_mut(node * n..node * n + n).unwrap_or(&mut [])
}

/// The whole-number path of [`Model::rank_values`]; `false` (nothing
/// ranked) when a scaled score is too large for it.
fn rank_whole(values: &[f64], small: &mut Vec<u64>, ranks: &mut [u32], scale: f64) -> bool {
    small.clear();
    for (i, &y) in values.iter().enumerate() {
        if y.is_nan() {
            continue;
        }
        let Some(key) = whole_key(y, scale) else {
            return false;
        };
        small.push(key << POS_BITS | i as u64);
    }
    small.sort_unstable();
    ranks_from_sorted(small.iter().map(|&k| unpack_whole(k)), ranks, |_| {});
    true
}

/// The whole-number keys of [`rank_whole`], laid out in `order`, with key 0
/// for a missing score; `false` when a scaled score is too large for them.
fn warm_whole(values: &[f64], order: &[u32], small: &mut Vec<u64>, scale: f64) -> bool {
    small.clear();
    for &p in order {
        let y = values.get(p as usize).copied().unwrap_or(f64::NAN);
        if y.is_nan() {
            small.push(u64::from(p));
            continue;
        }
        let Some(key) = whole_key(y, scale) else {
            return false;
        };
        small.push(key << POS_BITS | u64::from(p));
    }
    true
}

/// `(key, position)` of a [`whole_key`] packed with its position.
fn unpack_whole(packed: u64) -> (u64, u64) {
    (packed >> POS_BITS, packed & ((1 << POS_BITS) - 1))
}

/// `(key, position)` of an [`order_key`] packed with its position.
fn unpack_wide(packed: u128) -> (u64, u64) {
    ((packed >> 64) as u64, packed as u64)
}

/// The whole-number key of a present score `y` at `scale`: `y · scale`
/// rounded half away from zero, plus 2^52, so in [1, 2^53) (53 bits, above a
/// missing score's 0); `None` when the scaled score is too large for it.
fn whole_key(y: f64, scale: f64) -> Option<u64> {
    let v = y * scale;
    if v.is_nan() || v.abs() >= INTEGRAL {
        return None;
    }
    let t = v as i64;
    let d = v - t as f64;
    let k = t + i64::from(d >= 0.5) - i64::from(d <= -0.5);
    Some((k + (1i64 << 52)) as u64)
}

/// Sorts `keys` ascending by insertion if the input is nearly sorted: at
/// most `4·len + 64` moves, else gives up (`false`, `keys` only permuted).
/// Distinct keys have one sorted order, whichever sort reaches it.
/// (Inlined: called once per Monte-Carlo sample, where a separate function
/// cost ~8 % of a 63-unit run in `rotate_right` calls.)
#[inline(always)]
fn insertion_sorted<T: Ord + Copy>(keys: &mut [T]) -> bool {
    let budget = 4 * keys.len() + 64;
    let mut moves = 0;
    for i in 1..keys.len() {
        let Some((&x, before)) = keys.get(..=i).and_then(|s| s.split_last()) else {
            break;
        };
        if before.last().is_some_and(|&p| p <= x) {
            continue;
        }
        let j = before.iter().rposition(|&k| k <= x).map_or(0, |p| p + 1);
        if let Some(run) = keys.get_mut(j..=i) {
            run.rotate_right(1);
        }
        moves += i - j;
        if moves > budget {
            return false;
        }
    }
    true
}

/// Standard competition ranks from ascending `(score key, position)` pairs,
/// key 0 = missing (rank 0, not counted): the highest key ranks 1, equal keys
/// share the rank of the first. `visit` sees every position, highest key
/// first. Returns how many were ranked.
fn ranks_from_sorted(
    sorted: impl DoubleEndedIterator<Item = (u64, u64)>,
    ranks: &mut [u32],
    mut visit: impl FnMut(u64),
) -> u32 {
    ranks.fill(0);
    let mut current = 0u32;
    let mut prev = None;
    let mut ranked = 0;
    for (p, (key, pos)) in sorted.rev().enumerate() {
        visit(pos);
        if key == 0 {
            continue;
        }
        if prev != Some(key) {
            current = p as u32 + 1;
            prev = Some(key);
        }
        if let Some(r) = ranks.get_mut(pos as usize) {
            *r = current;
        }
        ranked += 1;
    }
    ranked
}

/// Calls `f(slot, column)` on each `n`-long column of the slot-major `buf`;
/// natively, on every core from [`PARALLEL_NORMALISE`] cells on.
fn for_each_column(buf: &mut [f64], n: usize, f: impl Fn((usize, &mut [f64])) + Send + Sync) {
    if n == 0 {
        return;
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        use rayon::prelude::*;
        if buf.len() >= PARALLEL_NORMALISE {
            buf.par_chunks_mut(n).enumerate().for_each(f);
            return;
        }
    }
    buf.chunks_mut(n).enumerate().for_each(f);
}

impl Model {
    /// The model of edition `e` of `scored`.
    pub fn new(scored: &Scored, e: usize) -> Result<Self> {
        let ed = scored.editions().get(e).ok_or_else(|| Error::new(ErrorKind::NoRows))?;
        let f = scored.framework().clone();
        let n = ed.len();
        let nodes = f.nodes();
        let leaves = f.leaves().to_vec();
        let mut slot = vec![None; nodes.len()];
        for (s, &l) in leaves.iter().enumerate() {
            if let Some(x) = slot.get_mut(l) {
                *x = Some(s);
            }
        }
        // Every slot is written whole below, so the zeroed buffer (fresh
        // memory, not written here) only decides which core first touches
        // its pages. Missing values (and rows past a short column) are NaN,
        // as `ed.raw` reads them.
        let mut raw = vec![0.0; leaves.len() * n];
        for_each_column(&mut raw, n, |(s, out)| {
            let col = leaves.get(s).map_or(&[][..], |&l| ed.raw_column(l));
            let (head, tail) = out.split_at_mut(col.len().min(out.len()));
            for (o, &v) in head.iter_mut().zip(col) {
                *o = if v.is_nan() { f64::NAN } else { v };
            }
            tail.fill(f64::NAN);
        });
        let mut leaf_norm = Vec::with_capacity(leaves.len());
        let mut leaf_dir = Vec::with_capacity(leaves.len());
        for &l in &leaves {
            let node = nodes.get(l);
            leaf_norm.push(match node.map(|x| x.method()) {
                Some(Method::Normalise(m)) => m,
                _ => Normalisation::None,
            });
            leaf_dir.push(node.map(|x| x.spec.direction).unwrap_or_default());
        }
        let unit = |p: usize| scored.unit(e, p);
        let options = scored.options();
        Ok(Model {
            n,
            codes: (0..n)
                .map(|p| unit(p).map(|u| u.code.clone()).unwrap_or_default())
                .collect(),
            names: (0..n)
                .map(|p| unit(p).map(|u| u.name.clone()).unwrap_or_default())
                .collect(),
            children: nodes.iter().map(|x| x.children.clone()).collect(),
            weights: nodes.iter().map(|x| x.spec.weight).collect(),
            depth: nodes.iter().map(|x| x.depth).collect(),
            order: f.inner_order().to_vec(),
            root: f.root_index(),
            node_agg: nodes
                .iter()
                .map(|x| match x.method() {
                    Method::Aggregate(a) => Some(a),
                    Method::Normalise(_) => None,
                })
                .collect(),
            leaves,
            slot,
            leaf_norm,
            leaf_dir,
            raw,
            scale: options.precision.map(|p| 10f64.powi(p.min(300) as i32)),
            min_share: options.min_share,
            framework: f,
        })
    }

    /// Empty buffers for this model.
    pub fn scratch(&self) -> Scratch {
        let n = self.n;
        Scratch {
            cols: vec![f64::NAN; self.children.len() * n],
            sum: vec![0.0; n],
            wsum: vec![0.0; n],
            count: vec![0; n],
            small: Vec::with_capacity(n),
            ranks: vec![0; n],
            loaded: None,
        }
    }

    /// The smallest share of present children for a parent to be present.
    pub fn min_share(&self) -> f64 {
        self.min_share
    }

    /// The raw column of leaf slot `s`.
    pub fn raw_col(&self, s: usize) -> &[f64] {
        col(&self.raw, s, self.n)
    }

    /// Normalises `raw` (one leaf's column) by `method` (`None`: the leaf's
    /// own) into `out`, bounded methods' scores on the framework's range, as
    /// scoring does.
    pub fn normalise_slot(&self, s: usize, method: Option<Normalisation>, raw: &[f64], out: &mut [f64]) {
        let m = method
            .or_else(|| self.leaf_norm.get(s).copied())
            .unwrap_or(Normalisation::None);
        let d = self.leaf_dir.get(s).copied().unwrap_or_default();
        normalise(m, d, raw, out);
        rescale(m, self.framework.range(), out);
    }

    /// Normalises every leaf into `out` (slot-major), by `method` or each leaf's own.
    pub fn normalise_all(&self, method: Option<Normalisation>) -> Vec<f64> {
        // Each slot is written whole (a value or NaN for every unit): the
        // zeroed buffer leaves its first touch to the cores that write it.
        // Leaves are independent, each normalised exactly as alone.
        let mut out = vec![0.0; self.raw.len()];
        for_each_column(&mut out, self.n, |(s, col)| {
            self.normalise_slot(s, method, self.raw_col(s), col)
        });
        out
    }

    /// Copies slot-major normalised leaf data into the leaf columns of `s`.
    pub fn load_leaves(&self, normalised: &[f64], s: &mut Scratch) {
        for (k, &leaf) in self.leaves.iter().enumerate() {
            col_mut(&mut s.cols, leaf, self.n).copy_from_slice(col(normalised, k, self.n));
        }
    }

    /// Normalises leaf slot `k` from `raw` into its column in `s`.
    pub fn normalise_into(&self, k: usize, method: Option<Normalisation>, raw: &[f64], s: &mut Scratch) {
        if let Some(&leaf) = self.leaves.get(k) {
            self.normalise_slot(k, method, raw, col_mut(&mut s.cols, leaf, self.n));
        }
    }

    /// Aggregates inner node `node` from its children's columns with `weights`
    /// (per node), by `agg` (or the node's own method), leaving out child
    /// `excluded`. Same arithmetic as [`crate::aggregate()`].
    pub fn aggregate_node(
        &self,
        node: usize,
        weights: &[f64],
        agg: Option<Aggregation>,
        excluded: Option<usize>,
        s: &mut Scratch,
    ) -> std::result::Result<(), NonPositive> {
        let n = self.n;
        let Some(method) = agg.or_else(|| self.node_agg.get(node).copied().flatten()) else {
            return Ok(());
        };
        let Scratch {
            cols, sum, wsum, count, ..
        } = s;
        let kids = self.children.get(node).map(Vec::as_slice).unwrap_or(&[]);
        let included = || kids.iter().copied().filter(|&c| Some(c) != excluded);
        if method == Aggregation::Arithmetic && included().all(|c| !col(cols, c, n).iter().any(|y| y.is_nan())) {
            // Every child present for every unit: the present weights are the
            // same for all units, so Σw is one number (same additions, same order).
            sum.fill(0.0);
            let mut ws = 0.0;
            let mut k = 0usize;
            for c in included() {
                let w = weights.get(c).copied().unwrap_or(0.0);
                ws += w;
                k += 1;
                for (sm, &y) in sum.iter_mut().zip(col(cols, c, n)) {
                    *sm += w * y;
                }
            }
            for (o, &sm) in col_mut(cols, node, n).iter_mut().zip(sum.iter()) {
                *o = if k == 0 || ws <= 0.0 { f64::NAN } else { sm / ws };
            }
            return Ok(());
        }
        sum.fill(0.0);
        wsum.fill(0.0);
        count.fill(0);
        let mut k = 0usize;
        for &c in kids {
            if Some(c) == excluded {
                continue;
            }
            k += 1;
            let w = weights.get(c).copied().unwrap_or(0.0);
            let y_col = col(cols, c, n);
            for (pos, (((&y, sm), ws), ct)) in y_col
                .iter()
                .zip(sum.iter_mut())
                .zip(wsum.iter_mut())
                .zip(count.iter_mut())
                .enumerate()
            {
                if y.is_nan() {
                    continue;
                }
                let term = match method {
                    Aggregation::Arithmetic => w * y,
                    Aggregation::Geometric | Aggregation::Harmonic if y <= 0.0 => {
                        return Err(NonPositive {
                            child: c,
                            pos,
                            value: y,
                            method,
                        })
                    }
                    Aggregation::Geometric => w * libm::log(y),
                    Aggregation::Harmonic => w / y,
                };
                *sm += term;
                *ws += w;
                *ct += 1;
            }
        }
        let kf = k as f64;
        let share = self.min_share;
        for (((o, &sm), &ws), &ct) in col_mut(cols, node, n)
            .iter_mut()
            .zip(sum.iter())
            .zip(wsum.iter())
            .zip(count.iter())
        {
            *o = if ct == 0 || (ct as f64) < share * kf || ws <= 0.0 {
                f64::NAN
            } else {
                match method {
                    Aggregation::Arithmetic => sm / ws,
                    Aggregation::Geometric => libm::exp(sm / ws),
                    Aggregation::Harmonic => ws / sm,
                }
            };
        }
        Ok(())
    }

    /// Aggregates every inner node, children first.
    pub fn aggregate_all(
        &self,
        weights: &[f64],
        agg: Option<Aggregation>,
        excluded: Option<usize>,
        s: &mut Scratch,
    ) -> std::result::Result<(), NonPositive> {
        for &node in &self.order {
            self.aggregate_node(node, weights, agg, excluded, s)?;
        }
        Ok(())
    }

    /// `x` rounded to the options' precision, as [`crate::round_to`].
    pub fn round(&self, x: f64) -> f64 {
        match self.scale {
            None => x,
            Some(scale) => {
                let y = round_half_away(x * scale) / scale;
                if y.is_finite() {
                    y
                } else {
                    x
                }
            }
        }
    }

    /// Ranks the index column into `s.ranks` (standard competition ranking on
    /// rounded scores, as [`crate::rank()`]); returns how many were ranked.
    ///
    /// Keys are sorted once, then one pass from the top gives equal keys a
    /// shared rank and skips the next ones. With a precision, `v = x·10^p`
    /// below 2^52 and at most 2^11 units, the key is the whole number
    /// `round(v)` itself (dividing distinct whole numbers below 2^52 by 10^p
    /// keeps them distinct and ordered, so ties and order are the core's),
    /// packed with the unit's position into one `u64`. Otherwise the ranks
    /// come from bucket counts of the rounded scores, as the core's.
    pub fn rank_root(&self, s: &mut Scratch) -> u32 {
        let Scratch { cols, small, ranks, .. } = s;
        self.rank_values(col(cols, self.root, self.n), small, ranks)
    }

    /// Ranks `values` (index scores by position, NaN = missing) into `ranks`
    /// exactly as [`Model::rank_root`] ranks the index column; `small` is
    /// a sort buffer. Returns how many were ranked.
    pub fn rank_values(&self, values: &[f64], small: &mut Vec<u64>, ranks: &mut [u32]) -> u32 {
        let Some(scale) = self.scale else {
            // Full precision: ranks from bucket counts, without sorting.
            return rank_present(values, ranks);
        };
        if self.n <= 1 << POS_BITS && rank_whole(values, small, ranks, scale) {
            return small.len() as u32;
        }
        rank_rounded(values, |y| self.round(y), ranks)
    }

    /// [`Model::rank_values`] for a run of similar score vectors (Monte Carlo
    /// samples): the same ranks, bit for bit, sorted faster when consecutive
    /// calls order the units alike.
    ///
    /// `order` holds every position in the previous call's ascending key
    /// order (empty on the first call; updated here). The keys are laid out
    /// in that order, a missing score as key 0 (below every score's key),
    /// and sorted by insertion, which costs one comparison per key plus one
    /// move per inversion; past `4·len + 64` moves, `sort_unstable` sorts
    /// them. Keys are distinct (they hold the position), so the sorted keys,
    /// and the ranks read from them as in `rank_values`, do not depend on the
    /// starting order or the sort. From [`WARM_MAX`] units on this is
    /// `rank_values` itself: samples there move so many units that sorting
    /// whole-number keys, or at full precision the ranks from bucket
    /// counts, are faster.
    pub fn rank_values_from(
        &self,
        values: &[f64],
        order: &mut Vec<u32>,
        keys: &mut Vec<u128>,
        small: &mut Vec<u64>,
        ranks: &mut [u32],
    ) -> u32 {
        let n = values.len();
        if n >= WARM_MAX {
            return self.rank_values(values, small, ranks);
        }
        if order.len() != n {
            order.clear();
            order.extend(0..n as u32);
        }
        if let Some(scale) = self.scale {
            if warm_whole(values, order, small, scale) {
                if !insertion_sorted(small) {
                    small.sort_unstable();
                }
                let mut slots = order.iter_mut().rev();
                return ranks_from_sorted(small.iter().map(|&k| unpack_whole(k)), ranks, |pos| {
                    if let Some(o) = slots.next() {
                        *o = pos as u32;
                    }
                });
            }
        }
        keys.clear();
        for &p in order.iter() {
            let y = values.get(p as usize).copied().unwrap_or(f64::NAN);
            let key = if y.is_nan() { 0 } else { order_key(self.round(y)) };
            keys.push(u128::from(key) << 64 | u128::from(p));
        }
        if !insertion_sorted(keys) {
            keys.sort_unstable();
        }
        let mut slots = order.iter_mut().rev();
        ranks_from_sorted(keys.iter().map(|&k| unpack_wide(k)), ranks, |pos| {
            if let Some(o) = slots.next() {
                *o = pos as u32;
            }
        })
    }

    /// The score of `node` at `pos` in `s`.
    pub fn score(&self, s: &Scratch, node: usize, pos: usize) -> f64 {
        col(&s.cols, node, self.n).get(pos).copied().unwrap_or(f64::NAN)
    }

    /// Sets the score of `node` at `pos` in `s`.
    pub fn set_score(&self, s: &mut Scratch, node: usize, pos: usize, v: f64) {
        if let Some(x) = col_mut(&mut s.cols, node, self.n).get_mut(pos) {
            *x = v;
        }
    }

    /// The crate error for a [`NonPositive`].
    pub fn error(&self, np: NonPositive) -> Error {
        let unit = self.codes.get(np.pos).map(String::as_str).unwrap_or("");
        let code = self.framework.nodes().get(np.child).map(|x| x.code()).unwrap_or("");
        Error::new(ErrorKind::NonPositive {
            method: np.method.name().into(),
            value: np.value,
        })
        .for_unit(unit)
        .for_indicator(code)
    }

    /// The code of node `i`.
    pub fn code(&self, i: usize) -> &str {
        self.framework.nodes().get(i).map(|x| x.code()).unwrap_or("")
    }

    /// Evaluates the nominal method (framework weights and methods) into `s`.
    pub fn nominal(&self, s: &mut Scratch) -> Result<u32> {
        self.nominal_from(&self.normalise_all(None), s)
    }

    /// [`Model::nominal`] from `normalised`, the leaves as
    /// `normalise_all(None)` gives them (e.g. a design's nominal set).
    pub fn nominal_from(&self, normalised: &[f64], s: &mut Scratch) -> Result<u32> {
        self.load_leaves(normalised, s);
        s.loaded = None;
        self.aggregate_all(&self.weights, None, None, s)
            .map_err(|e| self.error(e))?;
        Ok(self.rank_root(s))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::{score, Dataset, Options};

    /// A random framework and data set, seeded: `units` units, 2 pillars of
    /// 2–3 leaves with mixed normalisations, some missing cells.
    pub(crate) fn random_case(seed: u64, units: usize, geometric: bool) -> (Dataset, Framework) {
        use rand::Rng;
        let mut rng = crate::analyse::random::Key::new(seed, 99).stream(0);
        let agg = if geometric { "geometric" } else { "arithmetic" };
        let f = Framework::from_str(&format!(
            "code,parent,weight,direction,method\nI,,1,1,{agg}\nP,I,2,1,arithmetic\nQ,I,1,1,{agg}\n\
             a,P,1,1,minmax\nb,P,2,-1,minmax\nc,P,1,1,none\nd,Q,1,1,none\ne,Q,3,1,none\n"
        ))
        .unwrap();
        let mut text = String::from("code,a,b,c,d,e\n");
        for i in 0..units {
            let mut row = format!("u{i}");
            for j in 0..5 {
                let v = (rng.next_u64() % 1000) as f64 / 1000.0 + 0.001;
                let missing = rng.next_u64() % 20 == 0 && j != 4;
                if missing {
                    row.push(',');
                } else {
                    row.push_str(&format!(",{v}"));
                }
            }
            text.push_str(&row);
            text.push('\n');
        }
        (Dataset::from_str(&text).unwrap(), f)
    }

    #[test]
    fn complete_data_fast_path_matches_the_core_bit_for_bit() {
        let d = Dataset::from_str(include_str!("../../data/sample-vn-ict.csv")).unwrap();
        let f = Framework::vn_ict();
        for precision in [Some(4), Some(2), None] {
            let o = Options {
                precision,
                ..Options::default()
            };
            let scored = score(&d, &f, &o).unwrap();
            for (e, ed) in scored.editions().iter().enumerate() {
                let m = Model::new(&scored, e).unwrap();
                let mut s = m.scratch();
                m.nominal(&mut s).unwrap();
                for p in 0..m.n {
                    assert_eq!(ed.score(m.root, p).unwrap().to_bits(), m.score(&s, m.root, p).to_bits());
                    assert_eq!(ed.rank(m.root, p).unwrap(), s.ranks[p]);
                }
            }
        }
    }

    #[test]
    fn both_rank_paths_match_the_core_on_ties_and_huge_values() {
        let f = Framework::from_str("code,parent\nI,\na,I\n").unwrap();
        let small = "0.12344 0.12341 0.1235 -0.00004 0.00004 0 -0.00005 0.00005 2.5e-5 -1.5e-4 7";
        for extra in ["", " 1e13 5.5e11 -3e12"] {
            let mut text = String::from("code,a\n");
            for (i, v) in format!("{small}{extra}").split(' ').enumerate() {
                text.push_str(&format!("u{i},{v}\n"));
            }
            let d = Dataset::from_str(&text).unwrap();
            for precision in [Some(4), Some(0), None] {
                let o = Options {
                    precision,
                    ..Options::default()
                };
                let scored = score(&d, &f, &o).unwrap();
                let m = Model::new(&scored, 0).unwrap();
                let mut s = m.scratch();
                m.nominal(&mut s).unwrap();
                for p in 0..m.n {
                    assert_eq!(
                        scored.editions()[0].rank(m.root, p).unwrap(),
                        s.ranks[p],
                        "{extra} {precision:?} {p}"
                    );
                }
            }
        }
    }

    #[test]
    fn rounding_matches_std() {
        let mut rng = crate::analyse::random::Key::new(4, 4).stream(0);
        let special = [
            0.5,
            -0.5,
            1.5,
            2.5,
            -2.5,
            0.49999999999999994,
            4503599627370495.5,
            1e300,
            -1e-300,
            0.0,
            -0.0,
        ];
        for &v in &special {
            assert_eq!(
                round_half_away(v).to_bits() | (1 << 63),
                v.round().to_bits() | (1 << 63),
                "{v}"
            );
        }
        for _ in 0..100_000 {
            let v = (crate::analyse::random::uniform(&mut rng) - 0.5) * 2e4;
            assert_eq!(round_half_away(v), v.round(), "{v}");
        }
    }

    #[test]
    fn insertion_sort_sorts_like_sort_unstable() {
        use rand::Rng;
        let mut rng = crate::analyse::random::Key::new(9, 9).stream(0);
        for len in [0usize, 1, 2, 3, 10, 63, 200] {
            for swaps in [0, 1, 5, len, 10 * len] {
                // Sorted distinct keys with `swaps` random transpositions:
                // nearly sorted up to fully shuffled (past the move budget).
                let mut keys: Vec<u64> = (0..len as u64).map(|i| (i / 3) << 8 | i).collect();
                for _ in 0..if len == 0 { 0 } else { swaps } {
                    let (a, b) = ((rng.next_u64() as usize) % len, (rng.next_u64() as usize) % len);
                    keys.swap(a, b);
                }
                let mut want = keys.clone();
                want.sort_unstable();
                if !insertion_sorted(&mut keys) {
                    assert!(swaps > 1, "{len} {swaps}");
                    keys.sort_unstable();
                }
                assert_eq!(keys, want, "{len} {swaps}");
            }
        }
    }

    #[test]
    fn warm_ranks_match_rank_values_on_ties_missing_and_huge_values() {
        let f = Framework::from_str("code,parent\nI,\na,I\n").unwrap();
        let mut rng = crate::analyse::random::Key::new(8, 8).stream(0);
        let mut u = move || crate::analyse::random::uniform(&mut rng);
        for n in [1usize, 2, 5, 63, 300, 600] {
            let mut text = String::from("code,a\n");
            for i in 0..n {
                text.push_str(&format!("u{i},{i}\n"));
            }
            let d = Dataset::from_str(&text).unwrap();
            for precision in [None, Some(4), Some(0)] {
                let o = Options {
                    precision,
                    ..Options::default()
                };
                let scored = score(&d, &f, &o).unwrap();
                let m = Model::new(&scored, 0).unwrap();
                assert_eq!(m.n, n);
                let base: Vec<f64> = (0..n).map(|_| u() - 0.5).collect();
                let (mut keys, mut small, mut order) = (Vec::new(), Vec::new(), Vec::new());
                let (mut want, mut got) = (vec![0; n], vec![0; n]);
                let mut ranked = 0;
                for sample in 0..60 {
                    let values: Vec<f64> = base
                        .iter()
                        .map(|&b| {
                            let r = u();
                            match sample % 6 {
                                // Ties: few distinct scores, with -0 (small negative ones) and +0.
                                0 => (b * 4.0).round() / 4.0,
                                1 if r < 0.2 => f64::NAN,
                                2 if r < 0.01 => 1e300,
                                3 if r < 0.05 => -0.0,
                                3 if r < 0.1 => 0.0,
                                4 => u() - 0.5,
                                _ => b + (r - 0.5) * 1e-3,
                            }
                        })
                        .collect();
                    let a = m.rank_values(&values, &mut small, &mut want);
                    let b = m.rank_values_from(&values, &mut order, &mut keys, &mut small, &mut got);
                    assert_eq!((a, &got), (b, &want), "{n} {precision:?} sample {sample}");
                    ranked += a;
                }
                assert!(ranked > 0);
            }
        }
    }

    #[test]
    fn order_keys_sort_like_floats() {
        let xs = [-2.5, -0.0, 0.0, 1e-300, 0.25, 7.0, f64::INFINITY, f64::NEG_INFINITY];
        for &a in &xs {
            for &b in &xs {
                assert_eq!(order_key(a).cmp(&order_key(b)), a.partial_cmp(&b).unwrap(), "{a} {b}");
            }
        }
    }

    #[test]
    #[cfg(not(target_arch = "wasm32"))]
    fn leaves_normalised_on_every_core_equal_one_by_one() {
        let (d, f) = random_case(4, 30_000, false);
        let scored = score(&d, &f, &Options::default()).unwrap();
        let m = Model::new(&scored, 0).unwrap();
        assert!(m.raw.len() >= PARALLEL_NORMALISE);
        for method in [None, Some(Normalisation::ZScore), Some(Normalisation::Rank)] {
            let all = m.normalise_all(method);
            let mut one = vec![0.0; m.n];
            for s in 0..m.leaves.len() {
                m.normalise_slot(s, method, m.raw_col(s), &mut one);
                let got = col(&all, s, m.n);
                assert!(
                    one.iter().zip(got).all(|(a, b)| a.to_bits() == b.to_bits()),
                    "slot {s} by {method:?}"
                );
            }
        }
    }

    #[test]
    fn nominal_matches_the_core_bit_for_bit() {
        for (seed, geo) in [(1, false), (2, true), (3, false)] {
            let (d, f) = random_case(seed, 40, geo);
            let scored = score(&d, &f, &Options::default()).unwrap();
            let m = Model::new(&scored, 0).unwrap();
            let mut s = m.scratch();
            m.nominal(&mut s).unwrap();
            let ed = &scored.editions()[0];
            for node in 0..f.nodes().len() {
                for p in 0..m.n {
                    let core = ed.score(node, p).unwrap_or(f64::NAN);
                    assert_eq!(core.to_bits(), m.score(&s, node, p).to_bits(), "node {node} pos {p}");
                }
            }
            for p in 0..m.n {
                assert_eq!(ed.rank(m.root, p).unwrap_or(0), s.ranks[p]);
            }
        }
    }

    #[test]
    fn nominal_from_a_designs_leaves_equals_nominal() {
        use crate::analyse::perturb::{Design, Perturbation};
        for (seed, geo) in [(4, false), (5, true)] {
            let (d, f) = random_case(seed, 40, geo);
            let scored = score(&d, &f, &Options::default()).unwrap();
            let m = Model::new(&scored, 0).unwrap();
            let design = Design::new(&m, &Perturbation::default()).unwrap();
            let leaves = design.nominal_leaves().expect("the framework's own normalisation");
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(leaves), bits(&m.normalise_all(None)));
            let (mut a, mut b) = (m.scratch(), m.scratch());
            assert_eq!(m.nominal(&mut a).unwrap(), design.nominal(&m, &mut b).unwrap());
            assert_eq!(bits(&a.cols), bits(&b.cols));
            assert_eq!(a.ranks, b.ranks);
            if geo {
                continue; // (min-max gives 0, which a geometric mean refuses)
            }
            // A design that varies the normalisation holds no nominal set.
            let varied = Perturbation {
                normalisations: vec![crate::Normalisation::MinMax, crate::Normalisation::ZScore],
                ..Perturbation::default()
            };
            assert!(Design::new(&m, &varied).unwrap().nominal_leaves().is_none());
        }
    }
}
