//! The scoring pipeline: bind the framework's leaves to data columns, then per
//! edition normalise every leaf, aggregate inner nodes children-first, and rank
//! every node (and the index within each group).
//!
//! Each edition is scored on its own: normalisation parameters come from the
//! units of the same edition, unless fixed in the framework (goalpost,
//! reference), which keeps editions comparable.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, OnceLock};

use serde::{Deserialize, Serialize};

use crate::aggregate::{aggregate, mean_of, Input};
use crate::error::{Error, ErrorKind, Result};
use crate::framework::{Aggregation, Direction, Framework, Method, Normalisation};
use crate::normalise::{rescale, MinMax, Prepared};
use crate::parse::{Dataset, Unit};
use crate::rank::{rank, rank_within};

/// Settings of a scoring run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Options {
    /// Decimals scores are rounded to before ranking (`None`: full precision). Default 4.
    pub precision: Option<u32>,
    /// Share of a node's children (by count) that must be present for the node
    /// to have a score, in [0, 1]. Default 0.5. At least one child is always needed.
    pub min_share: f64,
    /// Edition compared against (`None`: each edition against the one before it).
    pub base_year: Option<i64>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            precision: Some(4),
            min_share: 0.5,
            base_year: None,
        }
    }
}

impl Options {
    /// Checks the settings' ranges.
    pub fn validate(&self) -> Result<()> {
        if !(0.0..=1.0).contains(&self.min_share) {
            return Err(Error::new(ErrorKind::InvalidOption {
                name: "min-share".into(),
                value: self.min_share.to_string(),
            }));
        }
        if self.precision.is_some_and(|p| p > 15) {
            return Err(Error::new(ErrorKind::InvalidOption {
                name: "precision".into(),
                value: format!("{:?}", self.precision),
            }));
        }
        Ok(())
    }
}

/// Columns ictindex writes itself (`<node>_score`, `_rank`, `_change`,
/// `rank_in_group`, `group_n`, `n`, `status`, the `flags` of prepared data)
/// and a published `rank`: ignored when read back as data.
pub(crate) fn is_output_column(framework: &Framework, code: &str) -> bool {
    const OWN: [&str; 6] = ["rank", "rank_in_group", "group_n", "n", "status", "flags"];
    if OWN.iter().any(|c| c.eq_ignore_ascii_case(code)) {
        return true;
    }
    ["_score", "_rank", "_change"].iter().any(|suffix| {
        code.strip_suffix(suffix)
            .is_some_and(|node| framework.index_of(node).is_some())
    })
}

/// Which data column each framework leaf reads.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Binding {
    /// Per node: the data column of a leaf, `None` for inner nodes.
    pub column: Vec<Option<usize>>,
}

impl Binding {
    /// Matches leaves to columns. Every leaf needs a column; every column must
    /// be a leaf, an inner node (published values, ignored), a denominator
    /// some leaf names (data not denominated, ignored) or an output column.
    pub fn new(data: &Dataset, framework: &Framework) -> Result<Self> {
        let named = |e: Error| {
            if data.source().is_empty() {
                e
            } else {
                e.in_file(data.source())
            }
        };
        // Hash lookups, so that wide files and large frameworks bind in linear time.
        let nodes: HashSet<String> = framework
            .nodes()
            .iter()
            .map(|n| n.code().to_ascii_lowercase())
            .collect();
        let denominators: HashSet<String> = framework
            .leaves()
            .iter()
            .filter_map(|&l| framework.nodes().get(l).and_then(|n| n.spec.denominator.as_deref()))
            .map(str::to_ascii_lowercase)
            .collect();
        let mut exact: HashMap<&str, usize> = HashMap::new();
        let mut folded: HashMap<String, usize> = HashMap::new();
        for (c, code) in data.indicators().iter().enumerate() {
            exact.entry(code.as_str()).or_insert(c);
            folded.entry(code.to_ascii_lowercase()).or_insert(c);
            let lower = code.to_ascii_lowercase();
            let known = nodes.contains(&lower) || denominators.contains(&lower) || is_output_column(framework, code);
            if !known {
                let col = data.column_number(c).unwrap_or(0);
                return Err(named(
                    Error::new(ErrorKind::UnknownColumn(code.clone()))
                        .at_line(1)
                        .at_column(col, Some(code)),
                ));
            }
        }
        let mut column = vec![None; framework.nodes().len()];
        for &leaf in framework.leaves() {
            let code = framework.nodes().get(leaf).map(|n| n.code()).unwrap_or("");
            // As `Dataset::indicator_index`: exact match, then ignoring ASCII case.
            let found = exact.get(code).or_else(|| folded.get(&code.to_ascii_lowercase()));
            match found.copied() {
                Some(c) => {
                    if let Some(slot) = column.get_mut(leaf) {
                        *slot = Some(c);
                    }
                }
                None => {
                    return Err(named(
                        Error::new(ErrorKind::MissingIndicator(code.into()))
                            .at_line(1)
                            .for_indicator(code),
                    ))
                }
            }
        }
        Ok(Binding { column })
    }
}

/// A node's ranks and how many units are ranked.
#[derive(Clone, Debug)]
struct Ranked {
    ranks: Vec<Option<u32>>,
    n: u32,
}

/// The index's ranks within groups and each group's N.
#[derive(Clone, Debug)]
struct GroupRanked {
    ranks: Vec<Option<u32>>,
    n: Vec<u32>,
}

/// A value computed from the scores when first read, and dropped when they change.
#[derive(Clone, Debug)]
struct Lazy<T>(OnceLock<T>);

impl<T> Default for Lazy<T> {
    fn default() -> Self {
        Lazy(OnceLock::new())
    }
}

/// Ranks are a function of the scores, the groups and the precision, which
/// [`EditionScores`] compares: whether they were computed yet does not matter.
impl<T> PartialEq for Lazy<T> {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

/// A leaf's normalisation, its column statistics and its normalised scores,
/// each taken from the raw values when first needed and dropped when they change.
#[derive(Clone, Debug)]
struct Leaf {
    method: Normalisation,
    direction: Direction,
    prepared: Lazy<Prepared>,
    scores: Lazy<Vec<f64>>,
}

impl Leaf {
    fn new(method: Normalisation, direction: Direction) -> Self {
        Leaf {
            method,
            direction,
            prepared: Lazy::default(),
            scores: Lazy::default(),
        }
    }

    /// The column statistics of `raw`, taken now if not yet.
    fn prepared(&self, raw: &[f64]) -> &Prepared {
        self.prepared
            .0
            .get_or_init(|| Prepared::new(self.method, self.direction, raw))
    }

    /// Normalises `raw_part`, a slice of the column `raw`, into `out`: each
    /// value exactly as normalising the whole column would give it.
    fn normalise_part(&self, range: (f64, f64), raw: &[f64], raw_part: &[f64], out: &mut [f64]) {
        self.prepared(raw).apply(raw_part, out);
        rescale(self.method, range, out);
    }

    /// The normalised column of `raw`, computed now if not yet.
    fn scores(&self, range: (f64, f64), raw: &[f64]) -> &[f64] {
        self.scores.0.get_or_init(|| {
            let mut out = vec![f64::NAN; raw.len()];
            self.normalise_part(range, raw, raw, &mut out);
            out
        })
    }
}

/// Units aggregated at a time when a node reads leaves not normalised yet:
/// each leaf's slice is normalised into a buffer that stays in cache.
const TILE: usize = 1024;

/// Every node's scores and ranks for one edition. Positions (`pos`) index the
/// edition's units in file order.
///
/// Inner nodes' scores are computed by [`score`]. A leaf's normalised scores
/// are computed when first read (aggregation normalises the leaves a slice of
/// units at a time, without storing them), and a node's ranks too (ranking
/// sorts the units, and most uses read the ranks of a few nodes only): once,
/// and the same whenever they are computed.
#[derive(Clone, Debug)]
pub struct EditionScores {
    year: Option<i64>,
    rows: Vec<usize>,
    /// Per node: raw values of a leaf (empty for inner nodes); shared with the
    /// dataset when the edition spans all its rows, copied on write.
    raw: Vec<Arc<Vec<f64>>>,
    /// Per node: aggregated scores of an inner node (NaN = missing); empty
    /// for a leaf, whose normalised scores are in `leaves`.
    scores: Vec<Vec<f64>>,
    /// Per node: a leaf's normalisation and normalised scores (`None` for inner nodes).
    leaves: Vec<Option<Leaf>>,
    /// The framework's range of bounded normalisations.
    range: (f64, f64),
    precision: Option<u32>,
    root: usize,
    ranks: Vec<Lazy<Ranked>>,
    group_of: Vec<usize>,
    groups: Vec<Option<String>>,
    group_ranks: Lazy<GroupRanked>,
}

impl EditionScores {
    /// Gathers the raw leaf columns of the edition's `rows` and scores them.
    pub(crate) fn new(
        data: &Dataset,
        framework: &Framework,
        binding: &Binding,
        (year, rows): (Option<i64>, Vec<usize>),
        options: &Options,
    ) -> Result<Self> {
        let nodes = framework.nodes().len();
        // `rows` is ascending, so it is every row exactly when it is as long.
        let all_rows = rows.len() == data.units().len();
        let mut raw = vec![Arc::default(); nodes];
        for (node, col) in binding.column.iter().enumerate() {
            if let (Some(c), Some(slot)) = (col, raw.get_mut(node)) {
                *slot = match data.shared_column(*c) {
                    Some(column) if all_rows => Arc::clone(column),
                    _ => {
                        let column = data.column(*c);
                        Arc::new(
                            rows.iter()
                                .map(|&r| column.get(r).copied().unwrap_or(f64::NAN))
                                .collect(),
                        )
                    }
                };
            }
        }
        let group = |r: usize| data.units().get(r).and_then(|u| u.group.as_deref());
        let (groups, group_of) = if !rows.is_empty() && rows.iter().all(|&r| group(r).is_none()) {
            // No groups: every unit in the one group `None` (as numbered below).
            (vec![None], vec![0; rows.len()])
        } else {
            let mut groups: Vec<Option<String>> = Vec::new();
            let mut ids: HashMap<Option<&str>, usize> = HashMap::new();
            let mut group_of = Vec::with_capacity(rows.len());
            for &r in &rows {
                let g = group(r);
                let id = *ids.entry(g).or_insert_with(|| {
                    groups.push(g.map(str::to_string));
                    groups.len() - 1
                });
                group_of.push(id);
            }
            (groups, group_of)
        };
        let leaves: Vec<Option<Leaf>> = framework
            .nodes()
            .iter()
            .map(|n| match n.method() {
                Method::Normalise(m) if n.is_leaf() => Some(Leaf::new(m, n.spec.direction)),
                _ => None,
            })
            .collect();
        let mut e = EditionScores {
            year,
            // Inner nodes' columns are made as they are aggregated (those of
            // the bottom nodes on the thread that aggregates them).
            scores: leaves.iter().map(|_| Vec::new()).collect(),
            leaves,
            range: framework.range(),
            precision: options.precision,
            root: framework.root_index(),
            ranks: (0..nodes).map(|_| Lazy::default()).collect(),
            group_ranks: Lazy::default(),
            rows,
            raw,
            group_of,
            groups,
        };
        e.compute_all(data, framework, options)?;
        Ok(e)
    }

    /// Aggregates every inner node (normalising leaves as it reads them);
    /// leaves' scores and ranks follow when read.
    pub(crate) fn compute_all(&mut self, data: &Dataset, framework: &Framework, options: &Options) -> Result<()> {
        // Natively, large editions aggregate the nodes of leaves side by side.
        #[cfg(not(target_arch = "wasm32"))]
        let done = self.aggregate_bottom(framework, options);
        #[cfg(target_arch = "wasm32")]
        let done: Vec<bool> = Vec::new();
        for &node in framework.inner_order() {
            if !done.get(node).copied().unwrap_or(false) {
                self.aggregate_node(data, framework, node, options)?;
            }
        }
        // A node nothing aggregated (none is left so now) has missing scores.
        let n = self.rows.len();
        for (col, leaf) in self.scores.iter_mut().zip(&self.leaves) {
            if leaf.is_none() && col.len() != n {
                *col = vec![f64::NAN; n];
            }
        }
        for node in 0..framework.nodes().len() {
            self.rank_node(framework, node, options);
        }
        Ok(())
    }

    /// Natively, in editions large enough to share out: aggregates the
    /// arithmetic nodes whose children are all leaves not normalised yet,
    /// one node per task on every core. A task aggregates its tiles exactly
    /// as [`EditionScores::aggregate_node`] would (so the same bits), its
    /// leaves' statistics taken at the first tile, so each raw column is
    /// read twice while still in the core's cache. Returns, per node,
    /// whether it was done here.
    #[cfg(not(target_arch = "wasm32"))]
    fn aggregate_bottom(&mut self, framework: &Framework, options: &Options) -> Vec<bool> {
        use rayon::prelude::*;
        if self.rows.len() <= TILE
            || self.rows.len() * self.leaves.iter().filter(|l| l.is_some()).count() < PARALLEL_CELLS
        {
            return Vec::new();
        }
        let bottom: Vec<usize> = framework
            .inner_order()
            .iter()
            .copied()
            .filter(|&node| self.is_bottom(framework, node))
            .collect();
        if bottom.len() < rayon::current_num_threads() {
            // Too few such nodes to share out: the leaves' statistics side by
            // side (each as alone), then each node's tiles side by side.
            let jobs: Vec<(&Leaf, &[f64])> = self
                .leaves
                .iter()
                .zip(&self.raw)
                .filter_map(|(l, raw)| Some((l.as_ref()?, raw.as_slice())))
                .collect();
            jobs.into_par_iter().for_each(|(l, raw)| {
                l.prepared(raw);
            });
            return Vec::new();
        }
        let this = &*self;
        let outs: Vec<(usize, Vec<f64>)> = bottom
            .par_iter()
            .map(|&node| (node, this.bottom_scores(framework, node, options.min_share)))
            .collect();
        let mut done = vec![false; framework.nodes().len()];
        for (node, out) in outs {
            if let (Some(slot), Some(d)) = (self.scores.get_mut(node), done.get_mut(node)) {
                *slot = out;
                *d = true;
            }
        }
        done
    }

    /// Whether `node` is an arithmetic mean of leaves none of which is
    /// normalised yet (what [`EditionScores::aggregate_bottom`] shares out).
    #[cfg(not(target_arch = "wasm32"))]
    fn is_bottom(&self, framework: &Framework, node: usize) -> bool {
        framework.nodes().get(node).is_some_and(|n| {
            n.method() == Method::Aggregate(Aggregation::Arithmetic)
                && !n.children.is_empty()
                && n.children.iter().all(|&c| self.pending_leaf(c).is_some())
        })
    }

    /// The scores of `node` (see [`EditionScores::is_bottom`]), its tiles
    /// one after the other on this thread.
    #[cfg(not(target_arch = "wasm32"))]
    fn bottom_scores(&self, framework: &Framework, node: usize, min_share: f64) -> Vec<f64> {
        let kids = framework.nodes().get(node).map_or(&[][..], |n| n.children.as_slice());
        let children = self.tile_children(framework, kids);
        let mut out = vec![f64::NAN; self.rows.len()];
        out.chunks_mut(TILE)
            .enumerate()
            .for_each(|t| tile(self.range, Aggregation::Arithmetic, &children, min_share, t));
        out
    }

    /// Leaf `c`, if it is one whose normalised scores are not computed yet
    /// (aggregation normalises it a tile at a time).
    fn pending_leaf(&self, c: usize) -> Option<&Leaf> {
        self.leaves
            .get(c)
            .and_then(Option::as_ref)
            .filter(|l| l.scores.0.get().is_none())
    }

    /// `children` as [`aggregate_tiled`] reads them: leaves not normalised
    /// yet from their raw values, the rest as columns of scores.
    fn tile_children(&self, framework: &Framework, children: &[usize]) -> Vec<Child<'_>> {
        children
            .iter()
            .map(|&c| match self.pending_leaf(c) {
                Some(leaf) => Child::Leaf(
                    leaf,
                    self.raw.get(c).map(|r| r.as_slice()).unwrap_or(&[]),
                    weight_of(framework, c),
                ),
                None => Child::Column(self.scores(c), weight_of(framework, c)),
            })
            .collect()
    }

    /// Recomputes inner node `node` from its children's scores.
    pub(crate) fn aggregate_node(
        &mut self,
        data: &Dataset,
        framework: &Framework,
        node: usize,
        options: &Options,
    ) -> Result<()> {
        let Some(n) = framework.nodes().get(node) else {
            return Ok(());
        };
        let Method::Aggregate(method) = n.method() else {
            return Ok(());
        };
        let Some(mut out) = self.scores.get_mut(node).map(std::mem::take) else {
            return Ok(());
        };
        if out.len() != self.rows.len() {
            out = vec![f64::NAN; self.rows.len()];
        }
        // In editions of more than a tile, leaves not normalised yet are
        // normalised a tile at a time (an arithmetic mean cannot fail; the
        // others, which can, report the first bad value child by child, so
        // they read whole columns). Smaller editions keep their leaves'
        // columns: a what-if edit then renormalises the edited leaf only.
        let tiled = method == Aggregation::Arithmetic
            && self.rows.len() > TILE
            && n.children.iter().any(|&c| self.pending_leaf(c).is_some());
        let result = if tiled {
            let children = self.tile_children(framework, &n.children);
            aggregate_tiled(self.range, method, &children, options.min_share, &mut out);
            Ok(())
        } else {
            let children: Vec<(&[f64], f64)> = n
                .children
                .iter()
                .map(|&c| (self.scores(c), weight_of(framework, c)))
                .collect();
            aggregate(method, &children, options.min_share, &mut out)
        };
        if let Some(slot) = self.scores.get_mut(node) {
            *slot = out;
        }
        result.map_err(|np| {
            let child = n.children.get(np.child).copied().unwrap_or(node);
            let child_code = framework.nodes().get(child).map(|k| k.code()).unwrap_or("");
            let row = self.rows.get(np.unit).copied().unwrap_or(0);
            let unit = data.units().get(row).map(|u| u.code.as_str()).unwrap_or("");
            let mut e = Error::new(ErrorKind::NonPositive {
                method: method.name().into(),
                value: np.value,
            })
            .for_unit(unit)
            .for_indicator(child_code);
            if let (Some(line), Some(true)) = (data.line_of(row), framework.nodes().get(child).map(|k| k.is_leaf())) {
                e = e.at_line(line);
                if let Some(c) = data.indicator_index(child_code).and_then(|c| data.column_number(c)) {
                    e = e.at_column(c, Some(child_code));
                }
            }
            if data.source().is_empty() {
                e
            } else {
                e.in_file(data.source())
            }
        })
    }

    /// Marks `node`'s ranks (and, for the root, the ranks within groups) for
    /// recomputation from its current scores when next read.
    pub(crate) fn rank_node(&mut self, framework: &Framework, node: usize, options: &Options) {
        self.precision = options.precision;
        self.root = framework.root_index();
        if let Some(r) = self.ranks.get_mut(node) {
            *r = Lazy::default();
        }
        if node == self.root {
            self.group_ranks = Lazy::default();
        }
    }

    /// `node`'s ranks, computed now if not yet.
    fn ranked_node(&self, node: usize) -> Option<&Ranked> {
        let cell = self.ranks.get(node)?;
        let scores = self.scores(node);
        Some(cell.0.get_or_init(|| {
            let mut ranks = vec![None; scores.len()];
            let n = rank(scores, self.precision, &mut ranks);
            Ranked { ranks, n }
        }))
    }

    /// The index's ranks within groups, computed now if not yet.
    fn group_ranked(&self) -> &GroupRanked {
        self.group_ranks.0.get_or_init(|| {
            if let ([_], Some(r)) = (self.groups.as_slice(), self.ranked_node(self.root)) {
                // One group (every unit's id is 0): its ranks are the index's.
                return GroupRanked {
                    ranks: r.ranks.clone(),
                    n: vec![r.n],
                };
            }
            let scores = self.scores(self.root);
            let mut ranks = vec![None; scores.len()];
            let n = rank_within(scores, &self.group_of, self.precision, &mut ranks);
            GroupRanked { ranks, n }
        })
    }

    /// Sets a leaf's raw value at `pos` (`None` = missing) and drops the
    /// leaf's normalised column and statistics, to be computed again from
    /// the raw values when next read.
    pub(crate) fn set_raw(&mut self, leaf: usize, pos: usize, value: Option<f64>) {
        if let Some(v) = self.raw.get_mut(leaf).and_then(|c| Arc::make_mut(c).get_mut(pos)) {
            *v = value.unwrap_or(f64::NAN);
        }
        if let Some(Some(l)) = self.leaves.get_mut(leaf) {
            *l = Leaf::new(l.method, l.direction);
        }
    }

    /// The edition's year.
    pub fn year(&self) -> Option<i64> {
        self.year
    }

    /// Dataset rows of this edition's units, in file order.
    pub fn rows(&self) -> &[usize] {
        &self.rows
    }

    /// Number of units in the edition.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether the edition has no unit.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Raw value of leaf `node` for the unit at `pos`.
    pub fn raw(&self, node: usize, pos: usize) -> Option<f64> {
        self.raw
            .get(node)
            .and_then(|c| c.get(pos))
            .copied()
            .filter(|v| !v.is_nan())
    }

    /// The raw column of leaf `node` (NaN = missing; empty for an inner node).
    pub(crate) fn raw_column(&self, node: usize) -> &[f64] {
        self.raw.get(node).map_or(&[], |c| c.as_slice())
    }

    /// Score of `node` for the unit at `pos` (normalised for a leaf).
    pub fn score(&self, node: usize, pos: usize) -> Option<f64> {
        self.scores(node).get(pos).copied().filter(|v| !v.is_nan())
    }

    /// The whole score column of `node` (NaN = missing); a leaf's is
    /// normalised on the first call.
    pub fn scores(&self, node: usize) -> &[f64] {
        match (self.leaves.get(node), self.raw.get(node)) {
            (Some(Some(leaf)), Some(raw)) => leaf.scores(self.range, raw),
            _ => self.scores.get(node).map(Vec::as_slice).unwrap_or(&[]),
        }
    }

    /// Rank of `node` for the unit at `pos` (the node's ranks are computed on
    /// the first call).
    pub fn rank(&self, node: usize, pos: usize) -> Option<u32> {
        self.ranked_node(node)?.ranks.get(pos).copied().flatten()
    }

    /// Every unit's rank on `node`, by position (computed now if not yet).
    pub(crate) fn ranks(&self, node: usize) -> &[Option<u32>] {
        self.ranked_node(node).map_or(&[], |r| r.ranks.as_slice())
    }

    /// How many units have a rank on `node` (the N of "26/63").
    pub fn ranked(&self, node: usize) -> u32 {
        self.ranked_node(node).map_or(0, |r| r.n)
    }

    /// The index's rank within the unit's group, and the group's N.
    pub fn group_rank(&self, pos: usize) -> Option<(u32, u32)> {
        let g = self.group_ranked();
        let r = g.ranks.get(pos).copied().flatten()?;
        let group = self.group_of.get(pos)?;
        Some((r, g.n.get(*group).copied().unwrap_or(0)))
    }

    /// The unit's group.
    pub fn group(&self, pos: usize) -> Option<&str> {
        self.group_of
            .get(pos)
            .and_then(|&g| self.groups.get(g))
            .and_then(|g| g.as_deref())
    }
}

/// Scores compared, not how far they were computed: a leaf's normalised
/// scores and every node's ranks are functions of the rest.
impl PartialEq for EditionScores {
    fn eq(&self, other: &Self) -> bool {
        self.year == other.year
            && self.rows == other.rows
            && self.raw == other.raw
            && self.precision == other.precision
            && self.root == other.root
            && self.group_of == other.group_of
            && self.groups == other.groups
            && self.scores.len() == other.scores.len()
            && (0..self.scores.len()).all(|n| self.scores(n) == other.scores(n))
    }
}

/// A child read by [`aggregate_tiled`]: a leaf to normalise from its raw
/// values, or a column of scores.
enum Child<'a> {
    Leaf(&'a Leaf, &'a [f64], f64),
    Column(&'a [f64], f64),
}

/// [`aggregate`] (arithmetic, which cannot fail) of `children` into `out`,
/// [`TILE`] units at a time, leaves normalised per tile into a buffer:
/// every unit's score is the same as from whole normalised columns, since
/// each value is normalised on its own and each unit sums its children in order.
fn aggregate_tiled(range: (f64, f64), method: Aggregation, children: &[Child], min_share: f64, out: &mut [f64]) {
    let run = |t: (usize, &mut [f64])| tile(range, method, children, min_share, t);
    #[cfg(not(target_arch = "wasm32"))]
    {
        use rayon::prelude::*;
        if out.len() * children.len() >= PARALLEL_CELLS {
            out.par_chunks_mut(TILE).enumerate().for_each(run);
            return;
        }
    }
    out.chunks_mut(TILE).enumerate().for_each(run);
}

/// The weight of node `c` (0 if there is none).
fn weight_of(framework: &Framework, c: usize) -> f64 {
    framework.nodes().get(c).map_or(0.0, |k| k.spec.weight)
}

/// A leaf under min-max normalisation as the arithmetic mean reads it: its
/// raw values, normalised one by one as they are added (no buffer).
struct MinMaxLeaf<'a> {
    raw: &'a [f64],
    weight: f64,
    map: MinMax,
}

impl Input for MinMaxLeaf<'_> {
    fn values(&self) -> &[f64] {
        self.raw
    }
    fn weight(&self) -> f64 {
        self.weight
    }
    /// As [`Prepared::apply`] then [`rescale`] at the unit range.
    #[inline]
    fn score(&self, v: f64) -> f64 {
        self.map.score(v)
    }
}

/// Tile `t` (units `t * TILE..`) of [`aggregate_tiled`] into `out`.
fn tile(range: (f64, f64), method: Aggregation, children: &[Child], min_share: f64, (t, out): (usize, &mut [f64])) {
    let start = t * TILE;
    let end = start + out.len();
    // The usual bottom node, min-max leaves at the unit range: each raw
    // value normalised as it is added, the same bits as through a buffer.
    if method == Aggregation::Arithmetic && range == (0.0, 1.0) {
        let leaves: Option<Vec<MinMaxLeaf>> = children
            .iter()
            .map(|c| match *c {
                Child::Leaf(leaf, raw, weight) => Some(MinMaxLeaf {
                    raw: raw.get(start..end)?,
                    weight,
                    map: leaf.prepared(raw).as_min_max()?,
                }),
                Child::Column(..) => None,
            })
            .collect();
        if let Some(leaves) = leaves {
            mean_of(method, &leaves, min_share, out);
            return;
        }
    }
    let leaves = children.iter().filter(|c| matches!(c, Child::Leaf(..))).count();
    let mut buffer = vec![f64::NAN; out.len() * leaves];
    let mut tiles: Vec<(&[f64], f64)> = Vec::with_capacity(children.len());
    let mut free: &mut [f64] = &mut buffer;
    for child in children {
        match *child {
            Child::Column(col, w) => tiles.push((col.get(start..end).unwrap_or(&[]), w)),
            Child::Leaf(leaf, raw, w) => {
                let (part, rest) = std::mem::take(&mut free).split_at_mut(out.len());
                leaf.normalise_part(range, raw, raw.get(start..end).unwrap_or(&[]), part);
                free = rest;
                tiles.push((part, w));
            }
        }
    }
    // Only arithmetic comes here; it never reports a bad value.
    let _ = aggregate(method, &tiles, min_share, out);
}

/// Below this many cells (units × columns) work stays on one thread: the
/// hand-off would cost more than it saves.
#[cfg(not(target_arch = "wasm32"))]
const PARALLEL_CELLS: usize = 100_000;

/// The results of [`score`]: every edition scored, and each linked to the
/// edition it is compared against.
#[derive(Clone, Debug, PartialEq)]
pub struct Scored {
    framework: Framework,
    options: Options,
    /// Shared with the dataset scored.
    units: Arc<Vec<Unit>>,
    editions: Vec<EditionScores>,
    /// Per edition: the base edition's index and, per unit, its position there.
    links: Vec<Option<Link>>,
}

#[derive(Clone, Debug, PartialEq)]
struct Link {
    base: usize,
    base_pos: Vec<Option<usize>>,
    dropped: Vec<usize>,
}

/// Scores every edition of `data` by `framework`.
///
/// ```
/// use ictindex::{score, Dataset, Framework, Options};
/// let data = Dataset::from_str(
///     "code,year,HTKT,HTNL,UD,SXKD,MT\n\
///      a,2015,0.5,0.5,0.5,0.5,0.5\n\
///      b,2015,0.4,0.4,0.4,0.4,0.4\n\
///      a,2016,0.3,0.3,0.3,0.3,0.3\n\
///      b,2016,0.4,0.4,0.4,0.4,0.4\n",
/// ).unwrap();
/// let f = Framework::vn_ict();
/// let s = score(&data, &f, &Options::default()).unwrap();
/// let e = s.edition(Some(2016)).unwrap();
/// let root = f.root_index();
/// assert_eq!(e.rank(root, 0), Some(2)); // a fell to 2nd
/// assert_eq!(s.change(1, root, 0), Some(-1)); // down one place
/// assert_eq!(s.change(1, root, 1), Some(1));  // b up one
/// ```
pub fn score(data: &Dataset, framework: &Framework, options: &Options) -> Result<Scored> {
    options.validate()?;
    let binding = Binding::new(data, framework)?;
    let grouped = data.editions();
    let years: Vec<Option<i64>> = grouped.iter().map(|(y, _)| *y).collect();
    let mut editions = Vec::with_capacity(grouped.len());
    for edition in grouped {
        editions.push(EditionScores::new(data, framework, &binding, edition, options)?);
    }
    let base_index = match options.base_year {
        Some(b) => Some(
            years
                .iter()
                .position(|y| *y == Some(b))
                .ok_or_else(|| Error::new(ErrorKind::UnknownYear(b)))?,
        ),
        None => None,
    };
    let links = (0..editions.len())
        .map(|e| {
            let base = match base_index {
                Some(b) => Some(b).filter(|&b| b != e),
                None => e.checked_sub(1),
            }?;
            Some(link(data, &editions, e, base))
        })
        .collect();
    Ok(Scored {
        framework: framework.clone(),
        options: options.clone(),
        units: Arc::clone(data.shared_units()),
        editions,
        links,
    })
}

fn link(data: &Dataset, editions: &[EditionScores], current: usize, base: usize) -> Link {
    let code = |r: usize| data.units().get(r).map(|u| u.code.as_str()).unwrap_or("");
    let empty = Vec::new();
    let base_rows = editions.get(base).map(|e| &e.rows).unwrap_or(&empty);
    let cur_rows = editions.get(current).map(|e| &e.rows).unwrap_or(&empty);
    let in_base: HashMap<&str, usize> = base_rows.iter().enumerate().map(|(p, &r)| (code(r), p)).collect();
    let in_cur: HashMap<&str, usize> = cur_rows.iter().enumerate().map(|(p, &r)| (code(r), p)).collect();
    Link {
        base,
        base_pos: cur_rows.iter().map(|&r| in_base.get(code(r)).copied()).collect(),
        dropped: base_rows
            .iter()
            .enumerate()
            .filter(|(_, &r)| !in_cur.contains_key(code(r)))
            .map(|(p, _)| p)
            .collect(),
    }
}

/// Whether a unit of an edition also appears in the edition it is compared against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Presence {
    /// In both editions (or there is no base edition).
    Both,
    /// New: absent from the base edition.
    New,
    /// Dropped: in the base edition only.
    Dropped,
}

impl Scored {
    /// The framework used.
    pub fn framework(&self) -> &Framework {
        &self.framework
    }

    /// The options used.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// All units of the dataset (rows in file order).
    pub fn units(&self) -> &[Unit] {
        &self.units
    }

    /// The editions, by ascending year.
    pub fn editions(&self) -> &[EditionScores] {
        &self.editions
    }

    /// Computes now the ranks of every node at most `depth` levels below the
    /// index (`None`: every node), and the ranks within groups, in every
    /// edition; otherwise each node's ranks are computed when first read.
    /// Natively the nodes are ranked on all cores; the ranks are the same.
    pub fn rank_to_depth(&self, depth: Option<usize>) {
        let nodes: Vec<usize> = (0..self.framework.nodes().len())
            .filter(|&n| depth.is_none_or(|d| self.framework.nodes().get(n).is_some_and(|k| k.depth <= d)))
            .collect();
        let jobs: Vec<(&EditionScores, Option<usize>)> = self
            .editions
            .iter()
            .flat_map(|e| nodes.iter().map(move |&n| (e, Some(n))).chain([(e, None)]))
            .collect();
        let run = |(e, node): (&EditionScores, Option<usize>)| match node {
            Some(n) => {
                e.ranked_node(n);
            }
            None => {
                e.group_ranked();
            }
        };
        #[cfg(not(target_arch = "wasm32"))]
        {
            use rayon::prelude::*;
            let cells: usize = self.editions.iter().map(|e| e.len()).sum::<usize>() * nodes.len();
            if cells >= PARALLEL_CELLS {
                jobs.into_par_iter().for_each(run);
                return;
            }
        }
        jobs.into_iter().for_each(run);
    }

    /// Index of the edition of `year` (`None` year: the latest edition).
    pub fn edition_index(&self, year: Option<i64>) -> Result<usize> {
        match year {
            None => self
                .editions
                .len()
                .checked_sub(1)
                .ok_or_else(|| Error::new(ErrorKind::NoRows)),
            Some(y) => self
                .editions
                .iter()
                .position(|e| e.year == Some(y))
                .ok_or_else(|| Error::new(ErrorKind::UnknownYear(y))),
        }
    }

    /// The edition of `year` (`None`: the latest).
    pub fn edition(&self, year: Option<i64>) -> Result<&EditionScores> {
        let i = self.edition_index(year)?;
        self.editions.get(i).ok_or_else(|| Error::new(ErrorKind::NoRows))
    }

    /// The unit at `pos` of edition `e`.
    pub fn unit(&self, e: usize, pos: usize) -> Option<&Unit> {
        let row = *self.editions.get(e)?.rows.get(pos)?;
        self.units.get(row)
    }

    /// The edition edition `e` is compared against.
    pub fn base_of(&self, e: usize) -> Option<&EditionScores> {
        let l = self.links.get(e)?.as_ref()?;
        self.editions.get(l.base)
    }

    /// Rank change of `node` for the unit at `pos` of edition `e` against its
    /// base edition: base rank − current rank (positive = up). `None` when
    /// either rank is missing or there is no base edition.
    pub fn change(&self, e: usize, node: usize, pos: usize) -> Option<i64> {
        let l = self.links.get(e)?.as_ref()?;
        let bp = (*l.base_pos.get(pos)?)?;
        let now = self.editions.get(e)?.rank(node, pos)?;
        let before = self.editions.get(l.base)?.rank(node, bp)?;
        Some(i64::from(before) - i64::from(now))
    }

    /// Whether the unit at `pos` of edition `e` is new against the base edition.
    pub fn presence(&self, e: usize, pos: usize) -> Presence {
        match self.links.get(e).and_then(|l| l.as_ref()) {
            Some(l) if l.base_pos.get(pos).copied().flatten().is_none() => Presence::New,
            _ => Presence::Both,
        }
    }

    /// Positions (in the base edition) of units of the base edition that are
    /// absent from edition `e`.
    pub fn dropped(&self, e: usize) -> &[usize] {
        self.links
            .get(e)
            .and_then(|l| l.as_ref())
            .map(|l| l.dropped.as_slice())
            .unwrap_or(&[])
    }

    /// Finds the position in edition `e` of the unit whose code or name
    /// matches `query` (code exactly, else name ignoring case and diacritics).
    pub fn find_unit(&self, e: usize, query: &str) -> Result<usize> {
        let ed = self.editions.get(e).ok_or_else(|| Error::new(ErrorKind::NoRows))?;
        find_unit(ed.rows.iter().filter_map(|&r| self.units.get(r)), query)
    }

    /// The framework beside the editions to change (no copy of the framework).
    pub(crate) fn framework_and_editions_mut(&mut self) -> (&Framework, &mut [EditionScores]) {
        (&self.framework, &mut self.editions)
    }

    pub(crate) fn set_framework(&mut self, f: Framework) {
        self.framework = f;
    }
}

/// Finds `query` among `units` (a position among them): exact code, then
/// folded code or name. Nothing is collected: an exact code (every what-if
/// edit names one) is found in one pass.
pub(crate) fn find_unit<'a>(units: impl Iterator<Item = &'a Unit> + Clone, query: &str) -> Result<usize> {
    let q = query.trim();
    if let Some(p) = units.clone().position(|u| u.code == q) {
        return Ok(p);
    }
    let fq = crate::lang::fold(q);
    let mut hits = units
        .enumerate()
        .filter(|(_, u)| crate::lang::fold(&u.code) == fq || crate::lang::fold(&u.name) == fq)
        .map(|(p, _)| p);
    match (hits.next(), hits.next()) {
        (Some(p), None) => Ok(p),
        (None, _) => Err(Error::new(ErrorKind::UnknownUnit(q.into()))),
        (Some(_), Some(_)) => Err(Error::new(ErrorKind::AmbiguousUnit(q.into()))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Framework;

    /// Sums of a few binary fractions: a few ulps.
    const CLOSE: f64 = 1e-12;

    fn data(text: &str) -> Dataset {
        Dataset::from_str(text).unwrap()
    }

    /// A seeded framework and data set exercising every normalisation, both
    /// directions, missing values, a constant and an empty column, nested
    /// nodes, the three means and more units than two tiles; P5's leaves are
    /// all min-max (normalised as they are added, at the unit range), among
    /// them a constant, an empty, a negative and a huge column.
    fn mixed(units: usize, seed: u64) -> (Framework, Dataset) {
        let mut state = seed;
        let mut next = move || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let methods = [
            ("minmax", "", ""),
            ("zscore", "", ""),
            ("goalpost", "10", "80"),
            ("reference", "", ""),
            ("reference", "", "90"),
            ("rank", "", ""),
            ("percentile", "", ""),
            ("none", "", ""),
        ];
        let mut fw = String::from("code,parent,weight,direction,method,lo,hi\nI,,1,1,arithmetic,,\n");
        fw.push_str("P1,I,2,1,arithmetic,,\nP2,I,1,1,arithmetic,,\nQ,P2,1.5,1,arithmetic,,\n");
        fw.push_str("P3,I,1,1,geometric,,\nP4,I,0.5,1,harmonic,,\nP5,I,1.25,1,arithmetic,,\n");
        let mut leaves = Vec::new();
        for j in 0..60 {
            let (m, lo, hi) = methods[j % methods.len()];
            let dir = if j % 3 == 1 && m != "none" { -1 } else { 1 };
            let parent = if j < 48 {
                "P1"
            } else if j < 52 {
                "P2"
            } else {
                "Q"
            };
            leaves.push((format!("a{j}"), parent, m, lo, hi, dir));
        }
        // Positive values only under the geometric and harmonic means.
        for j in 0..4 {
            leaves.push((format!("g{j}"), "P3", "none", "", "", 1));
            leaves.push((format!("h{j}"), "P4", "reference", "", "", 1));
        }
        for j in 0..7 {
            leaves.push((format!("m{j}"), "P5", "minmax", "", "", if j % 2 == 1 { -1 } else { 1 }));
        }
        for (code, parent, m, lo, hi, dir) in &leaves {
            let w = 0.5 + (code.len() % 3) as f64 * 0.25;
            fw.push_str(&format!("{code},{parent},{w},{dir},{m},{lo},{hi}\n"));
        }
        let f = Framework::from_str(&fw).unwrap();
        let mut text = String::from("code");
        for l in &leaves {
            text.push_str(&format!(",{}", l.0));
        }
        text.push('\n');
        for u in 0..units {
            text.push_str(&format!("u{u}"));
            for (j, (code, ..)) in leaves.iter().enumerate() {
                let v = 1.0 + 99.0 * next();
                let missing = next() < 0.05 || code == "a7";
                let cell = match j {
                    _ if missing || code == "m3" => String::new(),
                    _ if code == "m2" => "5".into(),
                    _ if code == "m4" => format!("{:?}", -v),
                    // Differences past the largest float: ±∞ / ∞, missing.
                    _ if code == "m5" => format!("{:?}", if u % 2 == 0 { v * 1e306 } else { -v * 1e306 }),
                    3 => "5".into(),                        // constant: min-max 0/0, missing
                    9 => format!("{}", (v / 10.0).round()), // ties
                    _ if code.starts_with('a') && j % 5 == 0 => format!("{:?}", v - 50.0),
                    _ => format!("{v:?}"),
                };
                text.push_str(&format!(",{cell}"));
            }
            text.push('\n');
        }
        (f, data(&text))
    }

    /// Every node's scores the straightforward way: every leaf normalised
    /// into a whole column, then every inner node aggregated from columns.
    fn eager(e: &EditionScores, f: &Framework, options: &Options) -> Vec<Vec<f64>> {
        let n = e.len();
        let mut cols = vec![vec![f64::NAN; n]; f.nodes().len()];
        for &l in f.leaves() {
            let node = &f.nodes()[l];
            let Method::Normalise(m) = node.method() else {
                unreachable!()
            };
            let raw: Vec<f64> = (0..n).map(|p| e.raw(l, p).unwrap_or(f64::NAN)).collect();
            crate::normalise::normalise(m, node.spec.direction, &raw, &mut cols[l]);
            let (lo, hi) = f.range();
            if m.is_bounded() && (lo, hi) != (0.0, 1.0) {
                for y in &mut cols[l] {
                    *y = *y * (hi - lo) + lo;
                }
            }
        }
        for &i in f.inner_order() {
            let node = &f.nodes()[i];
            let Method::Aggregate(m) = node.method() else {
                unreachable!()
            };
            let mut out = vec![0.0; n];
            let children: Vec<(&[f64], f64)> = node
                .children
                .iter()
                .map(|&c| (cols[c].as_slice(), f.nodes()[c].spec.weight))
                .collect();
            aggregate(m, &children, options.min_share, &mut out).unwrap();
            cols[i] = out;
        }
        cols
    }

    fn assert_bits(e: &EditionScores, want: &[Vec<f64>], what: &str) {
        for (node, col) in want.iter().enumerate() {
            let got: Vec<u64> = e.scores(node).iter().map(|v| v.to_bits()).collect();
            let want: Vec<u64> = col.iter().map(|v| v.to_bits()).collect();
            assert_eq!(got, want, "{what}: node {node}");
        }
    }

    #[test]
    fn tiled_lazy_scores_equal_whole_columns_bit_for_bit() {
        // 2,100 units: two whole tiles and a part; 60 leaves × 2,100 units
        // also take the multi-threaded path natively (P1 and Q, whose
        // children are all leaves, side by side).
        let (f, d) = mixed(2_100, 7);
        for range in [(0.0, 1.0), (0.0, 100.0)] {
            let f = f.with_range(range.0, range.1).unwrap();
            for min_share in [0.0, 0.5, 1.0] {
                let o = Options {
                    precision: None,
                    min_share,
                    base_year: None,
                };
                let s = score(&d, &f, &o).unwrap();
                let e = s.edition(None).unwrap();
                let want = eager(e, &f, &o);
                // Leaves under arithmetic means not read yet: their parents came
                // from tiles; the geometric and harmonic means read whole columns.
                for (node, leaf) in e.leaves.iter().enumerate() {
                    if let Some(l) = leaf {
                        let tiled = f.nodes()[node].code().starts_with(['a', 'm']);
                        assert_eq!(l.scores.0.get().is_none(), tiled, "node {node}");
                    }
                }
                assert_bits(e, &want, &format!("range {range:?} share {min_share}"));
                // Leaves now read: aggregating again from their columns gives the same.
                let mut again = e.clone();
                again.compute_all(&d, &f, &o).unwrap();
                assert_bits(&again, &want, "from columns");
                // Ranks (of leaves too) as from the eager columns.
                for node in [f.root_index(), f.index_of("a5").unwrap(), f.index_of("Q").unwrap()] {
                    let mut r = vec![None; e.len()];
                    let n = rank(&want[node], o.precision, &mut r);
                    assert_eq!(e.ranks(node), r.as_slice());
                    assert_eq!(e.ranked(node), n);
                }
            }
        }
    }

    #[test]
    fn nodes_shown_unranked_are_not_ranked() {
        let (f, d) = mixed(300, 5);
        let s = score(&d, &f, &Options::default()).unwrap();
        let e = s.edition(None).unwrap();
        let computed = |code: &str| e.ranks[f.index_of(code).unwrap()].0.get().is_some();
        let depth = crate::Depth {
            nodes: Some(1),
            ranks: Some(0),
        };
        s.rank_to_depth(depth.ranked());
        let csv = crate::scores_csv(&s, None, depth, false).unwrap();
        let header = csv.lines().next().unwrap();
        assert!(
            header.contains(",I_rank,") && header.contains(",P1_score,P2_score,"),
            "{header}"
        );
        assert!(computed("I"));
        assert!(["P1", "P2", "P5", "a0"].iter().all(|c| !computed(c)));
        // Shown with ranks, they are ranked when written.
        crate::scores_csv(&s, None, Some(1), false).unwrap();
        assert!(computed("P1") && !computed("a0"));
    }

    #[test]
    fn one_group_ranks_equal_the_index_ranks() {
        let (f, d) = mixed(300, 3);
        let s = score(&d, &f, &Options::default()).unwrap();
        let e = s.edition(None).unwrap();
        let r = f.root_index();
        let mut want = vec![None; e.len()];
        let counts = rank_within(e.scores(r), &vec![0; e.len()], e.precision, &mut want);
        for (pos, w) in want.iter().enumerate() {
            assert_eq!(e.group_rank(pos), w.map(|k| (k, counts[0])));
        }
        assert!(e.group_rank(0).is_some());
    }

    #[test]
    fn value_edits_renormalise_lazily_as_a_full_rescore() {
        let (f, d) = mixed(1_500, 11);
        let o = Options {
            precision: None,
            min_share: 0.0,
            base_year: None,
        };
        let mut w = crate::WhatIf::new(&d, &f, &o, None).unwrap();
        // A leaf whose column was read (normalised) and one that was not.
        let a0 = f.index_of("a0").unwrap();
        let _ = w.scored().editions()[0].scores(a0);
        w.apply(&crate::Edit::parse_value("u3:a0=1000").unwrap()).unwrap();
        w.apply(&crate::Edit::parse_value("u4:a8=").unwrap()).unwrap();
        w.apply(&crate::Edit::parse_value("u5:a49=-7").unwrap()).unwrap();
        let mut d2 = d.clone();
        let col = |c: &str| d.indicator_index(c).unwrap();
        d2.set_value(3, col("a0"), Some(1000.0));
        d2.set_value(4, col("a8"), None);
        d2.set_value(5, col("a49"), Some(-7.0));
        let full = score(&d2, &f, &o).unwrap();
        let (got, want) = (&w.scored().editions()[0], &full.editions()[0]);
        assert_bits(got, &eager(want, &f, &o), "edited");
        let bits = |e: &EditionScores| -> Vec<Vec<u64>> {
            e.raw.iter().map(|c| c.iter().map(|v| v.to_bits()).collect()).collect()
        };
        assert_eq!(bits(got), bits(want));
    }

    #[test]
    fn deep_tree_with_minmax_by_hand() {
        let f = Framework::from_str("code,parent,weight,direction,method\nI,,1,1,arithmetic\nP,I,3,1,arithmetic\nQ,I,1,1,arithmetic\na,P,1,1,minmax\nb,P,1,-1,minmax\nc,Q,1,1,none\n").unwrap();
        let d = data("code,a,b,c\nx,0,10,0.2\ny,10,0,0.6\nz,5,5,1.0\n");
        let s = score(&d, &f, &Options::default()).unwrap();
        let e = s.edition(None).unwrap();
        let i = |c: &str| f.index_of(c).unwrap();
        // a: 0, 1, .5; b (down): 0, 1, .5; P = mean; Q = c
        assert_eq!(e.score(i("P"), 0), Some(0.0));
        assert_eq!(e.score(i("P"), 1), Some(1.0));
        // I = (3P + Q)/4
        assert!((e.score(i("I"), 0).unwrap() - 0.05).abs() < CLOSE);
        assert!((e.score(i("I"), 1).unwrap() - 0.9).abs() < CLOSE);
        assert!((e.score(i("I"), 2).unwrap() - 0.625).abs() < CLOSE);
        assert_eq!(e.rank(i("I"), 1), Some(1));
        assert_eq!(e.rank(i("I"), 2), Some(2));
        assert_eq!(e.ranked(i("I")), 3);
    }

    #[test]
    fn range_scales_bounded_normalisations_only() {
        let f = Framework::from_str(
            "code,parent,method,lo,hi,range\nI,,arithmetic,,,0..100\na,I,minmax,,,\nb,I,zscore,,,\nc,I,goalpost,0,10,\n",
        )
        .unwrap();
        let d = data("code,a,b,c\nx,0,2,5\ny,10,4,10\nz,5,6,0\n");
        let s = score(&d, &f, &Options::default()).unwrap();
        let e = s.edition(None).unwrap();
        let i = |c: &str| f.index_of(c).unwrap();
        assert_eq!(e.score(i("a"), 2), Some(50.0));
        assert_eq!(e.score(i("b"), 2), Some(1.0));
        assert_eq!(e.score(i("c"), 0), Some(50.0));
        let g = f.with_range(-1.0, 1.0).unwrap();
        let s = score(&d, &g, &Options::default()).unwrap();
        assert_eq!(s.edition(None).unwrap().score(i("a"), 0), Some(-1.0));
    }

    #[test]
    fn missing_leaf_renormalises_and_is_not_zero() {
        let d = data("code,HTKT,HTNL,UD,SXKD,MT\na,0.5,,0.5,0.5,0.5\nb,0.4,0.4,0.4,0.4,0.4\nc,,,,0.9,0.9\n");
        let f = Framework::vn_ict();
        let s = score(&d, &f, &Options::default()).unwrap();
        let e = s.edition(None).unwrap();
        let r = f.root_index();
        assert_eq!(e.score(r, 0), Some(0.5));
        // c has 2 of 5 pillars: below the default share of one half.
        assert_eq!(e.score(r, 2), None);
        assert_eq!(e.rank(r, 2), None);
        assert_eq!(e.ranked(r), 2);
        let htnl = f.index_of("HTNL").unwrap();
        assert_eq!(e.rank(htnl, 0), None);
        assert_eq!(e.rank(htnl, 1), Some(1));
    }

    #[test]
    fn group_ranks() {
        let d = data("code,group,HTKT,HTNL,UD,SXKD,MT\na,N,1,1,1,1,1\nb,S,.9,.9,.9,.9,.9\nc,N,.8,.8,.8,.8,.8\nd,S,.95,.95,.95,.95,.95\n");
        let s = score(&d, &Framework::vn_ict(), &Options::default()).unwrap();
        let e = s.edition(None).unwrap();
        assert_eq!(e.group_rank(0), Some((1, 2)));
        assert_eq!(e.group_rank(1), Some((2, 2)));
        assert_eq!(e.group_rank(2), Some((2, 2)));
        assert_eq!(e.group_rank(3), Some((1, 2)));
        assert_eq!(e.group(3), Some("S"));
    }

    #[test]
    fn new_and_dropped_units_are_marked() {
        let d = data(
            "code,year,HTKT,HTNL,UD,SXKD,MT\na,1,1,1,1,1,1\nb,1,.5,.5,.5,.5,.5\na,2,1,1,1,1,1\nc,2,.7,.7,.7,.7,.7\n",
        );
        let s = score(&d, &Framework::vn_ict(), &Options::default()).unwrap();
        assert_eq!(s.presence(1, 1), Presence::New);
        assert_eq!(s.change(1, 0, 1), None);
        assert_eq!(s.change(1, 0, 0), Some(0));
        assert_eq!(s.dropped(1), [1]);
        assert_eq!(s.presence(0, 0), Presence::Both);
    }

    #[test]
    fn base_year_option() {
        let d = data("code,year,HTKT,HTNL,UD,SXKD,MT\na,1,1,1,1,1,1\nb,1,.5,.5,.5,.5,.5\na,2,.1,.1,.1,.1,.1\nb,2,.5,.5,.5,.5,.5\na,3,.1,.1,.1,.1,.1\nb,3,.5,.5,.5,.5,.5\n");
        let f = Framework::vn_ict();
        let r = f.root_index();
        let s = score(&d, &f, &Options::default()).unwrap();
        assert_eq!(s.change(2, r, 0), Some(0));
        let s = score(
            &d,
            &f,
            &Options {
                base_year: Some(1),
                ..Options::default()
            },
        )
        .unwrap();
        assert_eq!(s.change(2, r, 0), Some(-1));
        assert_eq!(s.change(0, r, 0), None);
        let err = score(
            &d,
            &f,
            &Options {
                base_year: Some(9),
                ..Options::default()
            },
        )
        .unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::UnknownYear(9));
    }

    #[test]
    fn binding_errors_are_located() {
        let f = Framework::vn_ict();
        let err = score(
            &Dataset::from_reader("code,HTKT,HTNL,UD,SXKD,MT,XX\na,1,1,1,1,1,1\n".as_bytes(), "d.csv").unwrap(),
            &f,
            &Options::default(),
        )
        .unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::UnknownColumn("XX".into()));
        assert_eq!(
            err.to_string(),
            "d.csv, line 1, column 7 (XX): column \"XX\" is not in the framework"
        );
        let err = score(&data("code,HTKT,HTNL,UD,SXKD\na,1,1,1,1\n"), &f, &Options::default()).unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::MissingIndicator("MT".into()));
    }

    #[test]
    fn denominator_columns_of_data_not_denominated_are_ignored() {
        // Scoring data as it is (e.g. `--no-denominate`) leaves the
        // denominator column unused, as `prepare` does; other columns still fail.
        let f = Framework::from_str("code,parent,denominator\nI,,\nA,I,pop\nB,I,\n").unwrap();
        let s = score(&data("code,pop,A,B\nx,10,1,2\ny,20,3,4\n"), &f, &Options::default()).unwrap();
        let e = s.edition(None).unwrap();
        assert_eq!(e.score(f.index_of("A").unwrap(), 1), Some(3.0)); // not 3 / 20
        let err = score(&data("code,area,A,B\nx,10,1,2\n"), &f, &Options::default()).unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::UnknownColumn("area".into()));
    }

    #[test]
    fn geometric_over_zero_is_located() {
        let f = Framework::from_str("code,parent,method\nI,,geometric\nA,I,none\nB,I,none\n").unwrap();
        let d = Dataset::from_reader("code,A,B\nx,1,2\ny,0.5,0\n".as_bytes(), "g.csv").unwrap();
        let err = score(&d, &f, &Options::default()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "g.csv, line 3, column 3 (B), unit y, indicator B: the geometric mean needs positive values, found 0"
        );
    }

    #[test]
    fn published_composite_column_is_ignored() {
        let d = data("code,rank,ICT,HTKT,HTNL,UD,SXKD,MT\na,1,0.9,1,1,1,1,1\n");
        assert!(score(&d, &Framework::vn_ict(), &Options::default()).is_ok());
    }

    #[test]
    fn find_unit_ignores_diacritics() {
        let d = data("code,name,HTKT,HTNL,UD,SXKD,MT\n26,Vĩnh Phúc,1,1,1,1,1\n25,Phú Thọ,1,1,1,1,1\n");
        let s = score(&d, &Framework::vn_ict(), &Options::default()).unwrap();
        assert_eq!(s.find_unit(0, "vinh phuc").unwrap(), 0);
        assert_eq!(s.find_unit(0, "25").unwrap(), 1);
        assert_eq!(
            s.find_unit(0, "Hà Nội").unwrap_err().kind(),
            &ErrorKind::UnknownUnit("Hà Nội".into())
        );
    }

    #[test]
    fn find_unit_prefers_an_exact_code_and_refuses_ambiguity() {
        // "b" is a unit's code and, folded, another unit's name; two names fold alike.
        let d = data(
            "code,name,HTKT,HTNL,UD,SXKD,MT\n\
             a,B,1,1,1,1,1\nb,Bình Định,1,1,1,1,1\nc,Hà Nội,1,1,1,1,1\nd,Ha Noi,1,1,1,1,1\n",
        );
        let s = score(&d, &Framework::vn_ict(), &Options::default()).unwrap();
        assert_eq!(s.find_unit(0, "b").unwrap(), 1);
        assert_eq!(s.find_unit(0, "  c ").unwrap(), 2);
        assert_eq!(s.find_unit(0, "binh dinh").unwrap(), 1);
        assert_eq!(
            s.find_unit(0, "HA NOI").unwrap_err().kind(),
            &ErrorKind::AmbiguousUnit("HA NOI".into())
        );
    }
}
