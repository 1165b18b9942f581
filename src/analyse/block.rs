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
//! The [`Kernel`] prepares each leaf once (missing → a neutral term: 0, or
//! +∞ so that `w/y = 0`; `ln y` for geometric parents), then, per tile of
//! units and per block of samples, adds `w_c·t(y_c)` over whole tiles
//! without branches (runs of leaves together, the sums held in registers;
//! under a node whose children are all leaves, four samples share each
//! load of a leaf).
//! Adding a neutral `+0` to a sum that starts at `+0` changes nothing, so
//! every unit's sum is exactly the general path's. A unit with every child
//! present divides by the sample's `Σ_c w_c`; a unit with missing leaves by
//! the `Σw` of its *gap pattern* (which children it has, computed once per
//! sample and pattern, in declaration order), with the general path's
//! `min_share` test; a unit with an inner child that is missing (or not
//! positive under `ln`, `1/y`) is recomputed on its own. The scores are
//! therefore bit for bit those of [`Model::aggregate_all`]; the tests check
//! it. Other designs (several normalisations or methods, value noise)
//! evaluate sample by sample.

use rand::rngs::ChaCha8Rng;

use super::model::{Model, NonPositive, Scratch};
use super::perturb::{Design, Scenario};
use super::random::Key;
use crate::divide::{divided, quotients};
use crate::framework::Aggregation;

/// Units per tile: a tile of the prepared leaves stays in the core's cache
/// while a block of samples uses it.
const TILE: usize = 256;
/// Score cells (samples × units) per block.
const BLOCK_CELLS: usize = 1 << 18;

/// Samples per block for `n` units (16–256): a multiple of [`SAMPLES`], so
/// that whole blocks go through the nodes of leaves in groups of samples
/// (only a run's last block may leave a remainder).
pub(crate) fn block_len(n: usize) -> usize {
    (BLOCK_CELLS / n.max(1)).clamp(16, 256) / SAMPLES * SAMPLES
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
    /// Units with a missing leaf child, ascending, as (position within
    /// their tile, pattern); tile `t`'s are `gaps[tile_gaps[t]..tile_gaps[t + 1]]`.
    gaps: Vec<(usize, usize)>,
    tile_gaps: Vec<usize>,
    /// Every child is a leaf.
    leaves_only: bool,
    /// Per pattern: the weights (node indices) of the present children, in
    /// order (inner children count as present; units where one is not are
    /// handled on their own). Empty for a dead pattern (too few children
    /// present: none, or fewer than `min_share` of them), whose Σw is then
    /// 0 and its units' scores missing.
    patterns: Vec<Vec<usize>>,
    /// Where this node's patterns start among all nodes' patterns.
    base: usize,
}

impl Node {
    /// Whether the node's sums are taken for several samples at once (every
    /// child a leaf, added as `w·y`: arithmetic or geometric).
    fn across(&self) -> bool {
        self.leaves_only && self.method != Aggregation::Harmonic
    }
}

/// The prepared form of a fixed-method, fixed-normalisation design.
#[derive(Clone, Debug)]
pub(crate) struct Kernel {
    n: usize,
    /// Gap patterns of all nodes.
    patterns: usize,
    nodes: Vec<Node>,
    /// Per slot, slot-major: `y` (arithmetic parent) or `ln y` (geometric)
    /// with missing → 0, or `y` with missing → +∞ (harmonic: `w/∞ = 0`).
    prepared: Vec<f64>,
    /// Column stride of `prepared`: `n` rounded up to a multiple of
    /// [`CHUNK_MAX`] (the padding is 0), so that groups of leaves run over
    /// whole chunks.
    stride: usize,
    /// Which build of the kernel runs (the widest the CPU has; the same
    /// operations in the same order in each, so the same bits).
    isa: Isa,
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
        let values = design.normalised.first()?;
        let n = model.n;
        let mut index = vec![None; model.children.len()];
        let mut nodes = Vec::with_capacity(model.order.len());
        let stride = n.div_ceil(CHUNK_MAX) * CHUNK_MAX;
        let mut prepared = vec![0.0; model.leaves.len() * stride];
        let mut base = 0;
        for &node in &model.order {
            let method = agg.or_else(|| model.node_agg.get(node).copied().flatten())?;
            let children = model.children.get(node)?;
            let k = children.len();
            let mut kids = Vec::with_capacity(k);
            // Unit-major: `present[pos * k + ci]`, whether unit `pos` has child `ci`.
            let mut present = vec![true; n * k];
            for (ci, &c) in children.iter().enumerate() {
                if let Some(s) = model.slot.get(c).copied().flatten() {
                    let col = values.get(s * n..s * n + n)?;
                    let out = prepared.get_mut(s * stride..s * stride + n)?;
                    let has = present.iter_mut().skip(ci).step_by(k.max(1));
                    for ((o, &y), p) in out.iter_mut().zip(col).zip(has) {
                        *p = !y.is_nan();
                        *o = match method {
                            _ if y.is_nan() && method == Aggregation::Harmonic => f64::INFINITY,
                            _ if y.is_nan() => 0.0,
                            Aggregation::Arithmetic => y,
                            _ if y <= 0.0 => return None,
                            Aggregation::Geometric => libm::log(y),
                            Aggregation::Harmonic => y,
                        };
                    }
                    kids.push((Source::Leaf(s), c));
                } else {
                    kids.push((Source::Inner(index.get(c).copied().flatten()?), c));
                }
            }
            let mut patterns: Vec<&[bool]> = Vec::new();
            let mut gaps = Vec::new();
            let mut tile_gaps = vec![0];
            for (pos, p) in present.chunks_exact(k.max(1)).enumerate() {
                if pos % TILE == 0 && pos > 0 {
                    tile_gaps.push(gaps.len());
                }
                if p.iter().all(|&x| x) {
                    continue;
                }
                let q = match patterns.iter().position(|q| *q == p) {
                    Some(q) => q,
                    None => {
                        patterns.push(p);
                        patterns.len() - 1
                    }
                };
                gaps.push((pos % TILE, q));
            }
            tile_gaps.push(gaps.len());
            if let Some(x) = index.get_mut(node) {
                *x = Some(nodes.len());
            }
            nodes.push(Node {
                node,
                method,
                leaves_only: kids.iter().all(|&(src, _)| matches!(src, Source::Leaf(_))),
                gaps,
                tile_gaps,
                patterns: patterns
                    .iter()
                    .map(|p| {
                        let ct = p.iter().filter(|&&x| x).count();
                        if ct == 0 || (ct as f64) < model.min_share() * kids.len() as f64 {
                            return Vec::new();
                        }
                        kids.iter()
                            .zip(p.iter())
                            .filter(|&(_, &x)| x)
                            .map(|(&(_, c), _)| c)
                            .collect()
                    })
                    .collect(),
                kids,
                base,
            });
            base += nodes.last().map_or(0, |x| x.patterns.len());
        }
        // The root is the last inner node evaluated.
        if nodes.last().map(|x| x.node) != Some(model.root) {
            return None;
        }
        Some(Kernel {
            n,
            patterns: base,
            nodes,
            prepared,
            stride,
            isa: Isa::detected(),
            min_share: model.min_share(),
        })
    }

    /// The nominal ranks (the framework's weights and methods, as
    /// [`Design::nominal`] ranks them) and how many were ranked, scored by
    /// the kernel as one sample with the framework's weights: the same bits
    /// as the general path (`nominal_by_the_kernel_is_the_general_paths`),
    /// without its per-node columns for every unit. `None` when the design's
    /// normalisation or aggregation is not the framework's own, or on a
    /// non-positive value, which the general path then reports.
    pub fn nominal(&self, model: &Model, design: &Design, w: &mut Worker) -> Option<(u32, Vec<u32>)> {
        if design.agg_alts.first() != Some(&None) {
            return None;
        }
        let values = design.nominal_leaves()?;
        let m = model.children.len();
        w.wts.clear();
        w.wts.extend_from_slice(&model.weights);
        self.scores(m, 1, values, w).ok()?;
        let mut ranks = vec![0; model.n];
        let Worker { comp, small, .. } = w;
        let ranked = model.rank_values(comp.get(..model.n)?, small, &mut ranks);
        Some((ranked, ranks))
    }

    /// Index scores of `count` samples into `w.comp` (`b * n + pos`), sample
    /// `b` weighted by `w.wts[b * m..(b + 1) * m]` (`m` = number of nodes).
    ///
    /// The same code runs in three builds: portable (chunks of 8 units:
    /// SSE2 on x86-64, 128-bit SIMD or scalar code in wasm) and, on x86-64
    /// CPUs with AVX2 and FMA, compiled for AVX2 or AVX-512 with chunks of
    /// 32 units. Each unit's sums are the same multiplications and
    /// additions in the same order in all (Rust never fuses them into FMA),
    /// and a sum divided by the Σw that units without gaps share is the
    /// same quotient whether divided (portable) or taken from the
    /// reciprocal and proved exact with FMA ([`quotients`]), so the scores
    /// are the same bits; the tests check it.
    ///
    /// `values` are the design's normalised leaves (NaN for missing,
    /// slot-major), read for units with a missing inner child.
    fn scores(&self, m: usize, count: usize, values: &[f64], w: &mut Worker) -> Result<(), NonPositive> {
        match self.isa {
            // SAFETY: `isa` is only `Avx2` or `Avx512` when the CPU reports
            // the features (`is_x86_feature_detected!` in `Isa::detected`).
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 => unsafe { self.scores_avx512(m, count, values, w) },
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 => unsafe { self.scores_avx2(m, count, values, w) },
            _ => self.scores_in::<8, 4, false>(m, count, values, w),
        }
    }

    /// [`Kernel::scores`] compiled for AVX2 and FMA.
    ///
    /// # Safety
    ///
    /// The CPU must support AVX2 and FMA.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn scores_avx2(&self, m: usize, count: usize, values: &[f64], w: &mut Worker) -> Result<(), NonPositive> {
        self.scores_in::<CHUNK_MAX, 8, true>(m, count, values, w)
    }

    /// [`Kernel::scores`] compiled for AVX-512 (its 512-bit registers: on
    /// this project's Xeon, Monte Carlo 10,000 × 100 × 300 took 90.4 → 82.5 ms
    /// in process, 63 × 50 × 10,000 12.3 → 11.7 ms).
    ///
    /// # Safety
    ///
    /// The CPU must support AVX2, AVX-512F and FMA.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,avx512f,fma")]
    unsafe fn scores_avx512(&self, m: usize, count: usize, values: &[f64], w: &mut Worker) -> Result<(), NonPositive> {
        self.scores_in::<CHUNK_MAX, 16, true>(m, count, values, w)
    }

    /// [`Kernel::scores`] with leaf sums in chunks of `C` units, or of `D`
    /// units when [`SAMPLES`] samples are summed at once.
    ///
    /// Samples go [`SAMPLES`] at a time through the nodes whose children
    /// are all leaves (and not harmonic): each chunk of a leaf is loaded once
    /// for all of them ([`add_leaves_across`]), which reads the tile's
    /// prepared leaves from the cache a quarter as often. Every unit's sum
    /// per sample is still the same additions in the same order.
    #[inline(always)]
    fn scores_in<const C: usize, const D: usize, const FMA: bool>(
        &self,
        m: usize,
        count: usize,
        values: &[f64],
        w: &mut Worker,
    ) -> Result<(), NonPositive> {
        let n = self.n;
        let k = self.nodes.len();
        let Worker {
            wts,
            comp,
            tiles,
            sum,
            across,
            pws,
            ..
        } = w;
        tiles.resize(k * TILE, 0.0);
        sum.resize(TILE, 0.0);
        // Per sample of a group and node: the node's leaf sums on the tile.
        across.resize(SAMPLES * k * TILE, 0.0);
        comp.resize(count * n, f64::NAN);
        // Per sample and gap pattern: Σw over the present children, in order.
        let np = self.patterns;
        pws.clear();
        pws.resize(count * np, 0.0);
        // A dead pattern has no weights: its Σw is 0, its units' scores missing.
        for b in 0..count {
            let weights = wts.get(b * m..(b + 1) * m).unwrap_or(&[]);
            for node in &self.nodes {
                for (q, p) in node.patterns.iter().enumerate() {
                    let mut x = 0.0;
                    for &c in p {
                        x += weights.get(c).copied().unwrap_or(0.0);
                    }
                    if let Some(y) = pws.get_mut(b * np + node.base + q) {
                        *y = x;
                    }
                }
            }
        }
        let mut t0 = 0;
        while t0 < n {
            let len = TILE.min(n - t0);
            let wide = len.div_ceil(C) * C;
            let mut b = 0;
            while b < count {
                // A whole group of samples has its leaf-only nodes summed at once.
                let group = if b + SAMPLES <= count { SAMPLES } else { 1 };
                if group == SAMPLES {
                    let weights = wts.get(b * m..(b + SAMPLES) * m).unwrap_or(&[]);
                    for (ki, node) in self.nodes.iter().enumerate().filter(|(_, x)| x.across()) {
                        self.sum_across::<D>(node, ki, weights, m, t0, wide, across);
                    }
                }
                for j in 0..group {
                    let bj = b + j;
                    let weights = wts.get(bj * m..(bj + 1) * m).unwrap_or(&[]);
                    for (ki, node) in self.nodes.iter().enumerate() {
                        let start = bj * np + node.base;
                        let pw = pws.get(start..start + node.patterns.len()).unwrap_or(&[]);
                        let at = (j * k + ki) * TILE;
                        let summed = (group == SAMPLES && node.across())
                            .then(|| across.get(at..at + wide))
                            .flatten();
                        let mut bufs = Bufs {
                            tiles,
                            sum,
                            pws: pw,
                            values,
                        };
                        self.node_tile::<C, FMA>(node, ki, weights, t0, len, summed, &mut bufs)?;
                    }
                    let root = tiles.get((k - 1) * TILE..(k - 1) * TILE + len).unwrap_or(&[]);
                    if let Some(out) = comp.get_mut(bj * n + t0..bj * n + t0 + len) {
                        out.copy_from_slice(root);
                    }
                }
                b += group;
            }
            t0 += len;
        }
        Ok(())
    }

    /// The leaf sums of `node` (kernel index `ki`, every child a leaf) on
    /// units `t0..t0 + wide` for [`SAMPLES`] samples at once, into their
    /// places in `across` (sample `j`, node `ki`); `weights` holds the
    /// samples' weights of every node in turn (`m` each).
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn sum_across<const D: usize>(
        &self,
        node: &Node,
        ki: usize,
        weights: &[f64],
        m: usize,
        t0: usize,
        wide: usize,
        across: &mut [f64],
    ) {
        let (k, st) = (self.nodes.len(), self.stride);
        let mut sums: [&mut [f64]; SAMPLES] = Default::default();
        // (A node without children is never summed: its scores are missing.)
        for (x, part) in sums.iter_mut().zip(across.chunks_exact_mut(k * TILE)) {
            *x = part.get_mut(ki * TILE..ki * TILE + wide).unwrap_or(&mut []);
        }
        for (first, part) in node.kids.chunks(GROUP).enumerate().map(|(i, p)| (i == 0, p)) {
            let mut leaves: [(&[f64], [f64; SAMPLES]); GROUP] = [(&[], [0.0; SAMPLES]); GROUP];
            for (g, &(src, c)) in leaves.iter_mut().zip(part) {
                if let Source::Leaf(s) = src {
                    g.0 = self.prepared.get(s * st + t0..s * st + t0 + wide).unwrap_or(&[]);
                }
                for (j, wc) in g.1.iter_mut().enumerate() {
                    *wc = weights.get(j * m + c).copied().unwrap_or(0.0);
                }
            }
            add_leaves_across::<D>(&mut sums, leaves.get(..part.len()).unwrap_or(&[]), first);
        }
    }

    /// Scores `node` (kernel index `ki`) on units `t0..t0 + len` into its
    /// tile, leaf sums in chunks of `C` units, or from `summed` when the
    /// node's sums were taken with other samples' ([`Node::across`]).
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn node_tile<const C: usize, const FMA: bool>(
        &self,
        node: &Node,
        ki: usize,
        weights: &[f64],
        t0: usize,
        len: usize,
        summed: Option<&[f64]>,
        w: &mut Bufs<'_>,
    ) -> Result<(), NonPositive> {
        let Bufs {
            tiles,
            sum,
            pws,
            values,
        } = w;
        // Leaf groups run over the tile rounded up to whole chunks (the
        // padding's sums are never read); other loops stop at `len`.
        let st = self.stride;
        let wide = len.div_ceil(C) * C;
        let sum = sum.get_mut(..wide).unwrap_or(&mut []);
        let method = node.method;
        if let Some(summed) = summed {
            // Σw over every child, in order, as below.
            let ws = node
                .kids
                .iter()
                .fold(0.0, |ws, &(_, c)| ws + weights.get(c).copied().unwrap_or(0.0));
            return self.finish_tile::<FMA>(node, ki, t0, len, ws, false, summed, tiles, pws, weights, values);
        }
        sum.fill(0.0);
        let ok = |y: f64| match method {
            Aggregation::Arithmetic => !y.is_nan(),
            _ => y > 0.0,
        };
        // Σw over every child, in order.
        let mut ws = 0.0;
        // Some unit has an inner child that is missing (or not positive for ln, 1/y).
        let mut inner_gap = false;
        // Arithmetic means whose inner children are all present on the tile
        // add them as leaves (`w·y`, in declaration order with the leaves).
        let group_inner = method == Aggregation::Arithmetic
            && (node.leaves_only
                || node.kids.iter().all(|&(src, _)| match src {
                    Source::Inner(j) => tiles
                        .get(j * TILE..j * TILE + len)
                        .is_some_and(|ys| ys.iter().fold(true, |a, &y| a & !y.is_nan())),
                    Source::Leaf(_) => true,
                }));
        let grouped_src = |src: Option<&(Source, usize)>| match src {
            Some((Source::Leaf(_), _)) => method != Aggregation::Harmonic,
            Some((Source::Inner(_), _)) => group_inner,
            None => false,
        };
        if method != Aggregation::Harmonic && (node.leaves_only || group_inner) {
            // Every child is added as a leaf: runs of GROUP children, in order.
            for part in node.kids.chunks(GROUP) {
                let mut group: [(&[f64], f64); GROUP] = [(&[], 0.0); GROUP];
                for (g, &(src, c)) in group.iter_mut().zip(part) {
                    let wc = weights.get(c).copied().unwrap_or(0.0);
                    ws += wc;
                    let ys = match src {
                        Source::Leaf(s) => self.prepared.get(s * st + t0..s * st + t0 + wide),
                        Source::Inner(j) => tiles.get(j * TILE..j * TILE + wide),
                    };
                    *g = (ys.unwrap_or(&[]), wc);
                }
                add_leaves::<C>(sum, group.get(..part.len()).unwrap_or(&[]));
            }
        } else {
            let mut group: [(&[f64], f64); GROUP] = [(&[], 0.0); GROUP];
            let mut grouped = 0;
            for (k, &(src, c)) in node.kids.iter().enumerate() {
                let wc = weights.get(c).copied().unwrap_or(0.0);
                ws += wc;
                // Missing leaves are prepared as neutral terms (+0): adding +0 to
                // a sum that starts at +0 changes nothing, so the sums are exact.
                match src {
                    _ if grouped_src(Some(&(src, c))) => {
                        // Runs of leaves are added together, the sums held in registers.
                        let ys = match src {
                            Source::Leaf(s) => self.prepared.get(s * st + t0..s * st + t0 + wide),
                            Source::Inner(j) => tiles.get(j * TILE..j * TILE + wide),
                        }
                        .unwrap_or(&[]);
                        if let Some(g) = group.get_mut(grouped) {
                            *g = (ys, wc);
                        }
                        grouped += 1;
                        if grouped == GROUP || !grouped_src(node.kids.get(k + 1)) {
                            add_leaves::<C>(sum, group.get(..grouped).unwrap_or(&[]));
                            grouped = 0;
                        }
                    }
                    Source::Leaf(s) => {
                        let ys = self.prepared.get(s * st + t0..s * st + t0 + len).unwrap_or(&[]);
                        for (a, &y) in sum.iter_mut().zip(ys) {
                            *a += wc / y;
                        }
                    }
                    Source::Inner(j) => {
                        let ys = tiles.get(j * TILE..j * TILE + len).unwrap_or(&[]);
                        inner_gap |= !ys.iter().fold(true, |a, &y| a & ok(y));
                        match method {
                            Aggregation::Arithmetic => {
                                for (a, &y) in sum.iter_mut().zip(ys) {
                                    *a += if y.is_nan() { 0.0 } else { wc * y };
                                }
                            }
                            Aggregation::Geometric => {
                                for (a, &y) in sum.iter_mut().zip(ys) {
                                    *a += if y > 0.0 { wc * libm::log(y) } else { 0.0 };
                                }
                            }
                            Aggregation::Harmonic => {
                                for (a, &y) in sum.iter_mut().zip(ys) {
                                    *a += if y > 0.0 { wc / y } else { 0.0 };
                                }
                            }
                        }
                    }
                }
            }
        }
        self.finish_tile::<FMA>(node, ki, t0, len, ws, inner_gap, sum, tiles, pws, weights, values)
    }

    /// The rest of [`Kernel::node_tile`] once the sums of `node` on the
    /// tile are in `sum` and `ws` is Σw over every child: the scores of
    /// units with every child present, of units with a missing leaf, and
    /// (if `inner_gap`) of units with a missing inner child.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn finish_tile<const FMA: bool>(
        &self,
        node: &Node,
        ki: usize,
        t0: usize,
        len: usize,
        ws: f64,
        inner_gap: bool,
        sum: &[f64],
        tiles: &mut [f64],
        pws: &[f64],
        weights: &[f64],
        values: &[f64],
    ) -> Result<(), NonPositive> {
        let n = self.n;
        let method = node.method;
        let ok = |y: f64| match method {
            Aggregation::Arithmetic => !y.is_nan(),
            _ => y > 0.0,
        };
        let finish = |sm: f64, ws: f64| match method {
            Aggregation::Arithmetic => sm / ws,
            Aggregation::Geometric => libm::exp(sm / ws),
            Aggregation::Harmonic => ws / sm,
        };
        let out = tiles.get_mut(ki * TILE..ki * TILE + len).unwrap_or(&mut []);
        if node.kids.is_empty() || ws <= 0.0 {
            out.fill(f64::NAN);
        } else {
            match method {
                // One divisor for every unit: by the reciprocal where
                // FMA proves it gives the quotient's bits.
                Aggregation::Arithmetic if FMA => quotients(out, sum, ws),
                Aggregation::Arithmetic => divided(out, sum, ws),
                Aggregation::Geometric => {
                    for (o, &sm) in out.iter_mut().zip(sum.iter()) {
                        *o = libm::exp(sm / ws);
                    }
                }
                Aggregation::Harmonic => {
                    for (o, &sm) in out.iter_mut().zip(sum.iter()) {
                        *o = ws / sm;
                    }
                }
            }
        }
        // Units with a missing leaf: the same sum over the present children,
        // divided by their own Σw (the general path's additions, in order;
        // 0 for a dead pattern).
        let kf = node.kids.len() as f64;
        let t = t0 / TILE;
        let (a, b) = (
            node.tile_gaps.get(t).copied().unwrap_or(0),
            node.tile_gaps.get(t + 1).copied().unwrap_or(0),
        );
        for &(i, p) in node.gaps.get(a..b).unwrap_or(&[]) {
            let wp = pws.get(p).copied().unwrap_or(0.0);
            if let (Some(o), Some(&sm)) = (out.get_mut(i), sum.get(i)) {
                *o = if wp <= 0.0 { f64::NAN } else { finish(sm, wp) };
            }
        }
        if !inner_gap {
            return Ok(());
        }
        // Units with a missing inner child: the general path, unit by unit.
        for i in 0..len {
            let inner_ok = node.kids.iter().all(|&(src, _)| match src {
                Source::Inner(j) => tiles.get(j * TILE + i).is_some_and(|&y| ok(y)),
                Source::Leaf(_) => true,
            });
            if inner_ok {
                continue;
            }
            let pos = t0 + i;
            let (mut sm, mut ws, mut ct) = (0.0, 0.0, 0u32);
            for &(src, c) in &node.kids {
                let y = match src {
                    Source::Leaf(s) => values.get(s * n + pos).copied(),
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
                    Aggregation::Geometric => wc * libm::log(y),
                    Aggregation::Harmonic => wc / y,
                };
                ws += wc;
                ct += 1;
            }
            if let Some(o) = tiles.get_mut(ki * TILE + i) {
                *o = if ct == 0 || (ct as f64) < self.min_share * kf || ws <= 0.0 {
                    f64::NAN
                } else {
                    finish(sm, ws)
                };
            }
        }
        Ok(())
    }
}

/// Leaves added in one pass.
const GROUP: usize = 16;
/// The widest chunk of units summed at once (the AVX2 build's); [`TILE`]
/// and the prepared columns' stride are multiples of it.
const CHUNK_MAX: usize = 32;

/// The builds of the kernel, by the instructions they use (each CPU that
/// runs one runs those before it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Isa {
    /// Any CPU (the compiler's baseline).
    Portable,
    /// x86-64 with AVX2 and FMA.
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    Avx2,
    /// x86-64 with AVX2, FMA and AVX-512F.
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    Avx512,
}

impl Isa {
    /// The widest build this CPU runs.
    fn detected() -> Self {
        #[cfg(target_arch = "x86_64")]
        {
            if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
                if std::is_x86_feature_detected!("avx512f") {
                    return Isa::Avx512;
                }
                return Isa::Avx2;
            }
        }
        Isa::Portable
    }

    /// The builds this CPU runs, from the portable one up.
    #[cfg(test)]
    fn runnable() -> Vec<Self> {
        let top = Self::detected();
        [Isa::Portable, Isa::Avx2, Isa::Avx512]
            .into_iter()
            .filter(|&i| i <= top)
            .collect()
    }
}

/// `sum[i] += w·y[i]` for each `(y, w)` of `group` in turn, `C` units at a
/// time with the `C` sums held in registers (per unit, the same additions
/// in the same order as one child after the other).
#[inline(always)]
fn add_leaves<const C: usize>(sum: &mut [f64], group: &[(&[f64], f64)]) {
    let mut chunks = sum.chunks_exact_mut(C);
    let mut off = 0;
    for out in &mut chunks {
        let mut acc = [0.0; C];
        acc.copy_from_slice(out);
        for &(ys, wc) in group {
            if let Some(ys) = ys.get(off..off + C) {
                for (a, &y) in acc.iter_mut().zip(ys) {
                    *a += wc * y;
                }
            }
        }
        out.copy_from_slice(&acc);
        off += C;
    }
    let rest = chunks.into_remainder();
    for &(ys, wc) in group {
        for (a, &y) in rest.iter_mut().zip(ys.get(off..).unwrap_or(&[])) {
            *a += wc * y;
        }
    }
}

/// Samples summed at once by [`add_leaves_across`].
const SAMPLES: usize = 4;

/// [`add_leaves`] for [`SAMPLES`] samples at once: `sums[j][i] += w_j·y[i]`
/// for each `(y, [w_0, …])` of `group` in turn, `D` units at a time, each
/// chunk of `y` loaded once for every sample, with the `SAMPLES · D` sums
/// held in registers (per sample and unit, the same additions in the same
/// order as [`add_leaves`]). Every `sums[j]` and `y` has the same length, a
/// multiple of `D`. The `first` group of a node starts the sums at `+0`
/// instead of reading them.
#[inline(always)]
fn add_leaves_across<const D: usize>(
    sums: &mut [&mut [f64]; SAMPLES],
    group: &[(&[f64], [f64; SAMPLES])],
    first: bool,
) {
    let len = sums.iter().map(|x| x.len()).min().unwrap_or(0);
    let mut off = 0;
    while off + D <= len {
        let mut acc = [[0.0; D]; SAMPLES];
        if !first {
            for (a, x) in acc.iter_mut().zip(sums.iter()) {
                if let Some(x) = x.get(off..off + D) {
                    a.copy_from_slice(x);
                }
            }
        }
        for &(ys, wc) in group {
            if let Some(ys) = ys.get(off..off + D) {
                for (a, &w) in acc.iter_mut().zip(wc.iter()) {
                    for (a, &y) in a.iter_mut().zip(ys) {
                        *a += w * y;
                    }
                }
            }
        }
        for (a, x) in acc.iter().zip(sums.iter_mut()) {
            if let Some(x) = x.get_mut(off..off + D) {
                x.copy_from_slice(a);
            }
        }
        off += D;
    }
}

/// The tile buffers of [`Kernel::node_tile`].
struct Bufs<'a> {
    tiles: &'a mut Vec<f64>,
    sum: &'a mut Vec<f64>,
    /// This sample's Σw per gap pattern of the node.
    pws: &'a [f64],
    /// The design's normalised leaves (see [`Kernel::scores`]).
    values: &'a [f64],
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
    /// Per sample of a group of [`SAMPLES`] and node: leaf sums on a tile.
    across: Vec<f64>,
    /// Per sample of the block and gap pattern: Σw of the present children.
    pws: Vec<f64>,
    keys: Vec<u128>,
    small: Vec<u64>,
    /// Positions in the last ranked sample's key order (see [`Model::rank_values_from`]).
    order: Vec<u32>,
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
            across: Vec::new(),
            pws: Vec::new(),
            keys: Vec::with_capacity(model.n),
            small: Vec::with_capacity(model.n),
            order: Vec::new(),
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
        let values = design.normalised.first().map_or(&[][..], Vec::as_slice);
        if kernel.scores(m, count, values, w).is_ok() {
            let Worker {
                comp,
                keys,
                small,
                order,
                ranks,
                ..
            } = w;
            for b in 0..count {
                let values = comp.get(b * n..(b + 1) * n).unwrap_or(&[]);
                let out = ranks.get_mut(b * n..(b + 1) * n).unwrap_or(&mut []);
                model.rank_values_from(values, order, keys, small, out);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::perturb::{Perturbation, WeightLevel, WeightNoise};
    use crate::{score, Dataset, Framework, Normalisation, Options};
    use rand::Rng;

    /// `units` units on a two-level framework; a third of the cells missing,
    /// so some units miss a whole pillar or everything.
    fn sparse_case(units: usize) -> (Dataset, Framework) {
        let f = Framework::from_str(
            "code,parent,weight,direction,method\nI,,1,1,arithmetic\nP,I,2,1,arithmetic\nQ,I,1,1,arithmetic\n\
             R,I,1,1,arithmetic\na,P,1,1,minmax\nb,P,2,-1,minmax\nc,P,1,1,minmax\nd,Q,1,1,minmax\ne,Q,3,1,minmax\n\
             g,R,1,1,minmax\n",
        )
        .unwrap();
        let mut rng = Key::new(17, 99).stream(0);
        let mut text = String::from("code,a,b,c,d,e,g\n");
        for i in 0..units {
            text.push_str(&format!("u{i}"));
            for _ in 0..6 {
                let v = (rng.next_u64() % 1000) as f64 / 1000.0 + 0.001;
                if rng.next_u64() % 3 == 0 {
                    text.push(',');
                } else {
                    text.push_str(&format!(",{v}"));
                }
            }
            text.push('\n');
        }
        (Dataset::from_str(&text).unwrap(), f)
    }

    /// The kernel's index scores and ranks against the sample-by-sample path
    /// (`Design::evaluate`), bit for bit.
    fn check(scored: &crate::Scored, p: &Perturbation, samples: usize) -> usize {
        let model = Model::new(scored, 0).unwrap();
        let design = Design::new(&model, p).unwrap();
        let kernel = Kernel::new(&model, &design).expect("a kernel for this design");
        let key = Key::new(5, 77);
        let n = model.n;
        let mut w = Worker::new(&model, &design);
        run_block(&model, &design, Some(&kernel), &key, 3, 3 + samples, &mut w).unwrap();
        // Every build the CPU runs (portable, AVX2, AVX-512): the same bits.
        assert_eq!(kernel.isa, Isa::detected());
        let bits = |w: &Worker| w.comp.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        for isa in Isa::runnable() {
            let other = Kernel { isa, ..kernel.clone() };
            let mut wp = Worker::new(&model, &design);
            run_block(&model, &design, Some(&other), &key, 3, 3 + samples, &mut wp).unwrap();
            assert_eq!(bits(&w), bits(&wp), "{isa:?}");
            assert_eq!(w.ranks, wp.ranks, "{isa:?}");
        }
        let mut sc = design.scenario(&model);
        let mut s = model.scratch();
        let mut missing = 0;
        for b in 0..samples {
            design.draw_all(&model, &mut key.stream((3 + b) as u64), &mut sc);
            design.evaluate(&model, &sc, &mut s).unwrap();
            for pos in 0..n {
                let want = model.score(&s, model.root, pos);
                missing += usize::from(want.is_nan());
                assert_eq!(w.comp[b * n + pos].to_bits(), want.to_bits(), "sample {b} unit {pos}");
            }
            assert_eq!(&w.ranks[b * n..(b + 1) * n], &s.ranks[..], "sample {b}");
        }
        missing
    }

    fn uniform() -> Perturbation {
        Perturbation {
            weights: WeightNoise::Uniform {
                share: 0.3,
                level: WeightLevel::All,
            },
            ..Default::default()
        }
    }

    #[test]
    fn blocked_scores_match_the_general_path_bit_for_bit() {
        // 300 units: two tiles, the last one partial.
        let (d, f) = sparse_case(300);
        for (min_share, precision) in [(0.0, None), (0.5, Some(4)), (1.0, Some(2))] {
            let o = Options {
                min_share,
                precision,
                ..Options::default()
            };
            let scored = score(&d, &f, &o).unwrap();
            // Some composites are missing (a unit with no pillar, or too few).
            let missing = check(&scored, &uniform(), 42);
            assert!(missing > 0 || min_share == 0.0, "{min_share}");
            let dirichlet = Perturbation {
                weights: WeightNoise::Dirichlet {
                    concentration: 5.0,
                    level: WeightLevel::All,
                },
                ..Default::default()
            };
            check(&scored, &dirichlet, 40);
            // Positive normalised values: geometric and harmonic means.
            for agg in [crate::Aggregation::Geometric, crate::Aggregation::Harmonic] {
                let p = Perturbation {
                    normalisations: vec![Normalisation::Reference { value: None }],
                    aggregations: vec![agg],
                    ..uniform()
                };
                check(&scored, &p, 40);
            }
        }
        // The nominal methods of a mixed framework, few units (one tile).
        for (seed, geometric) in [(1, false), (2, true)] {
            let (d, f) = crate::analyse::model::tests::random_case(seed, 40, geometric);
            let scored = score(&d, &f, &Options::default()).unwrap();
            check(&scored, &uniform(), 63);
        }
    }

    /// The kernel's nominal ranks are the general path's, and it declines
    /// where the design's methods are not the framework's own.
    #[test]
    fn nominal_by_the_kernel_is_the_general_paths() {
        let nominal = |scored: &crate::Scored, p: &Perturbation| {
            let model = Model::new(scored, 0).unwrap();
            let design = Design::new(&model, p).unwrap();
            let kernel = Kernel::new(&model, &design).expect("a kernel for this design");
            let mut w = Worker::new(&model, &design);
            let by_kernel = kernel.nominal(&model, &design, &mut w);
            let mut s = model.scratch();
            let ranked = design.nominal(&model, &mut s).unwrap();
            (by_kernel, (ranked, s.ranks))
        };
        // Sparse units (missing pillars and composites), min_share and
        // precision as they vary, and mixed frameworks.
        let (d, f) = sparse_case(300);
        for (min_share, precision) in [(0.0, None), (0.5, Some(4)), (1.0, Some(2)), (0.3, Some(0))] {
            let o = Options {
                min_share,
                precision,
                ..Options::default()
            };
            let scored = score(&d, &f, &o).unwrap();
            let (by_kernel, general) = nominal(&scored, &uniform());
            assert_eq!(by_kernel, Some(general.clone()), "{min_share} {precision:?}");
            // Under min_share 1, units missing any pillar go unranked.
            assert!(general.0 > 0 && (min_share < 1.0 || general.0 < 300), "{}", general.0);
            // Another normalisation or mean than the framework's: not nominal.
            let p = Perturbation {
                normalisations: vec![Normalisation::Reference { value: None }],
                aggregations: vec![crate::Aggregation::Geometric],
                ..uniform()
            };
            assert_eq!(nominal(&scored, &p).0, None);
        }
        for (seed, geometric) in [(1, false), (2, true), (3, true)] {
            let (d, f) = crate::analyse::model::tests::random_case(seed, 700, geometric);
            let scored = score(&d, &f, &Options::default()).unwrap();
            let (by_kernel, general) = nominal(&scored, &uniform());
            assert_eq!(by_kernel, Some(general), "seed {seed}");
        }
    }

    #[test]
    fn blocked_scores_match_on_three_tiles() {
        // 600 units: two whole tiles and a partial one (88 units: two
        // 32-unit chunks and a padded one), with gaps and missing pillars.
        let (d, f) = sparse_case(600);
        let o = Options {
            min_share: 0.5,
            ..Options::default()
        };
        let scored = score(&d, &f, &o).unwrap();
        assert!(check(&scored, &uniform(), 12) > 0);
    }

    #[test]
    fn blocked_scores_match_with_more_leaves_than_a_group() {
        // A pillar of 40 leaves (three groups of up to GROUP, summed for
        // several samples at once) beside one of 3, 300 units, a fifth of
        // the cells missing.
        let leaves = 43;
        let mut fw = String::from(
            "code,parent,weight,direction,method\nI,,1,1,arithmetic\nP,I,2,1,arithmetic\nQ,I,1,1,arithmetic\n",
        );
        let mut text = String::from("code");
        for j in 0..leaves {
            let parent = if j < 40 { "P" } else { "Q" };
            fw.push_str(&format!(
                "x{j},{parent},{},{},minmax\n",
                1 + j % 4,
                if j % 5 == 0 { -1 } else { 1 }
            ));
            text.push_str(&format!(",x{j}"));
        }
        text.push('\n');
        let mut rng = Key::new(23, 1).stream(0);
        for i in 0..300 {
            text.push_str(&format!("u{i}"));
            for _ in 0..leaves {
                if rng.next_u64() % 5 == 0 {
                    text.push(',');
                } else {
                    text.push_str(&format!(",{}", (rng.next_u64() % 1000) as f64 / 100.0));
                }
            }
            text.push('\n');
        }
        let (d, f) = (Dataset::from_str(&text).unwrap(), Framework::from_str(&fw).unwrap());
        const { assert!(GROUP < 40 / 2) };
        for min_share in [0.0, 0.9] {
            let o = Options {
                min_share,
                ..Options::default()
            };
            let scored = score(&d, &f, &o).unwrap();
            check(&scored, &uniform(), 20);
        }
    }

    #[test]
    fn kernel_only_for_fixed_methods_and_values() {
        let (d, f) = sparse_case(20);
        let scored = score(&d, &f, &Options::default()).unwrap();
        let model = Model::new(&scored, 0).unwrap();
        let two = Perturbation {
            normalisations: vec![Normalisation::MinMax, Normalisation::Rank],
            ..uniform()
        };
        assert!(Kernel::new(&model, &Design::new(&model, &two).unwrap()).is_none());
        let values = Perturbation {
            values: Some(crate::ValueNoise {
                relative: 0.1,
                ..Default::default()
            }),
            ..uniform()
        };
        assert!(Kernel::new(&model, &Design::new(&model, &values).unwrap()).is_none());
        assert!(Kernel::new(&model, &Design::new(&model, &uniform()).unwrap()).is_some());
    }
}
