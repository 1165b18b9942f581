//! Target solver: the smallest improvement of one node's value (a pillar's
//! score, or an indicator's raw value) that brings a unit to a chosen rank or
//! one place up, everything else unchanged.
//!
//! The edition is re-scored exactly as [`crate::score()`] does for every
//! candidate improvement `δ`: a leaf's raw value becomes `x + δ` (`x − δ`
//! for direction −1) and its column is normalised again, so a unit that
//! becomes the new maximum stretches the min-max range and lowers everyone
//! else; an inner node's score becomes `s + δ`; ancestors are re-aggregated
//! and the index ranked on scores rounded to `options.precision`, so ties at
//! the published precision count as reaching a rank.
//!
//! For every normalisation but z-score, the unit's index is non-decreasing
//! and every other unit's non-increasing in `δ`, so "rank ≤ target" is
//! monotone: the answer is found by bisection down to adjacent floating-point
//! numbers (`δ` reaches, the float below does not). Z-scores are not
//! monotone (moving one value moves the mean and the standard deviation);
//! there the first reaching point of a 1024-point scan is refined by
//! bisection and the answer is marked inexact.
//!
//! The search is bounded by a ceiling: for a leaf of published scores
//! (`none`) in [0, 1], 1; for a goalpost leaf, the best goalpost; for an
//! inner node whose leaves are all bounded, the highest score they can reach
//! (the top of the framework's range, 1 by default, for min-max, goalposts
//! and percentiles; 1 for published scores in [0, 1]); otherwise it doubles
//! the step up to 2^64 times the column's range. When the target is not
//! reached there, it is not reachable through this node alone.

use serde::{Deserialize, Serialize};

use super::model::{Model, Scratch};
use super::number;
use crate::error::{Error, ErrorKind, Result};
use crate::framework::{Direction, Normalisation};
use crate::lang::Lang;
use crate::report::{lower_first, ordinal};
use crate::score::Scored;

/// Points of the scan for non-monotone (z-score) leaves.
const SCAN_POINTS: usize = 1024;
/// Doublings of the step when the value has no ceiling.
const MAX_DOUBLINGS: u32 = 64;

/// What to solve for.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TargetQuery {
    /// Unit code or name.
    pub unit: String,
    /// Node code (a pillar or an indicator).
    pub node: String,
    /// Rank to reach (`None`: one place up from the current rank).
    pub rank: Option<u32>,
    /// Largest value the node may take (for direction −1, the smallest);
    /// `None`: the default ceiling (see the module docs).
    pub ceiling: Option<f64>,
}

/// The kind of answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum TargetStatus {
    /// An improvement is needed and found.
    Needed,
    /// The unit already ranks at or above the target.
    Already,
    /// No improvement of this node alone reaches the target.
    Unreachable,
}

/// The target solver's answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TargetAnswer {
    /// Unit code.
    pub code: String,
    /// Unit name.
    pub name: String,
    /// Edition year.
    pub year: Option<i64>,
    /// Node code.
    pub node: String,
    /// Node name in Vietnamese.
    pub node_vi: String,
    /// Node name in English.
    pub node_en: String,
    /// Whether the node's value is a score (inner node, or a leaf used as given).
    pub is_score: bool,
    /// Direction of improvement (`Down`: the raw value must fall).
    pub direction: Direction,
    /// Current index rank.
    pub rank: u32,
    /// Units ranked.
    pub n: u32,
    /// Rank to reach.
    pub target_rank: u32,
    /// Whether the target was "one place up".
    pub next_rank: bool,
    /// Current value of the node (raw value of a leaf, score of an inner node).
    pub value: f64,
    /// Ceiling used, if any.
    pub ceiling: Option<f64>,
    /// The outcome.
    pub status: TargetStatus,
    /// Smallest improvement (`Needed`), 0 (`Already`), `None` (`Unreachable`).
    pub improvement: Option<f64>,
    /// The node's value after the improvement.
    pub new_value: Option<f64>,
    /// The index rank after the improvement.
    pub new_rank: Option<u32>,
    /// Whether the answer is exact (monotone case).
    pub exact: bool,
    /// Decimals used in sentences.
    pub decimals: u32,
}

/// Repeated solving on one edition.
struct Solver {
    model: Model,
    s: Scratch,
    raw: Vec<f64>,
    ranked: u32,
    year: Option<i64>,
    decimals: u32,
}

/// One solve's fixed parts.
struct Case {
    pos: usize,
    node: usize,
    slot: Option<usize>,
    ancestors: Vec<usize>,
    value: f64,
    sign: f64,
    target: u32,
}

impl Solver {
    fn new(scored: &Scored, year: Option<i64>) -> Result<Self> {
        let e = scored.edition_index(year)?;
        let model = Model::new(scored, e)?;
        let mut s = model.scratch();
        let ranked = model.nominal(&mut s)?;
        Ok(Solver {
            raw: vec![f64::NAN; model.n],
            s,
            ranked,
            year: scored.editions().get(e).and_then(|x| x.year()),
            decimals: scored.options().precision.unwrap_or(4),
            model,
        })
    }

    /// Index rank of the case's unit with improvement `delta` (0 = unranked).
    fn rank_at(&mut self, c: &Case, delta: f64) -> Result<u32> {
        let m = &self.model;
        let v = c.value + c.sign * delta;
        match c.slot {
            Some(k) => {
                self.raw.copy_from_slice(m.raw_col(k));
                if let Some(x) = self.raw.get_mut(c.pos) {
                    *x = v;
                }
                m.normalise_into(k, None, &self.raw, &mut self.s);
            }
            None => m.set_score(&mut self.s, c.node, c.pos, v),
        }
        for &a in &c.ancestors {
            m.aggregate_node(a, &m.weights, None, None, &mut self.s)
                .map_err(|e| m.error(e))?;
        }
        m.rank_root(&mut self.s);
        Ok(self.s.ranks.get(c.pos).copied().unwrap_or(0))
    }

    fn reaches(&mut self, c: &Case, delta: f64) -> Result<bool> {
        let r = self.rank_at(c, delta)?;
        Ok(r != 0 && r <= c.target)
    }

    /// Whether every present value of leaf slot `k` lies in [0, 1].
    fn unit_interval(&self, k: usize) -> bool {
        self.model
            .raw_col(k)
            .iter()
            .all(|&x| x.is_nan() || (0.0..=1.0).contains(&x))
    }

    /// The highest score node `i` can reach by construction, if bounded:
    /// the framework range's top for a bounded normalisation (min-max,
    /// goalposts, percentiles: rescaled onto the range), 1 for published
    /// scores in [0, 1], and for an inner node the highest of its children's
    /// (a mean never exceeds its largest value).
    fn upper(&self, i: usize) -> Option<f64> {
        match self.model.slot.get(i).copied().flatten() {
            Some(k) => match self.model.leaf_norm.get(k) {
                Some(m) if m.is_bounded() => Some(self.model.framework.range().1),
                Some(Normalisation::None) if self.unit_interval(k) => Some(1.0),
                _ => None,
            },
            None => self
                .model
                .children
                .get(i)?
                .iter()
                .try_fold(f64::NEG_INFINITY, |top, &c| Some(top.max(self.upper(c)?)))
                .filter(|top| top.is_finite()),
        }
    }

    /// The default ceiling of node `i` (see the module docs).
    fn default_ceiling(&self, i: usize) -> Option<f64> {
        match self.model.slot.get(i).copied().flatten() {
            Some(k) => match self.model.leaf_norm.get(k) {
                Some(Normalisation::Goalpost { lo, hi }) => {
                    Some(match self.model.leaf_dir.get(k).copied().unwrap_or_default() {
                        Direction::Up => *hi,
                        Direction::Down => *lo,
                    })
                }
                Some(Normalisation::None) if self.unit_interval(k) => Some(1.0),
                _ => None,
            },
            None => self.upper(i),
        }
    }

    fn solve(&mut self, pos: usize, node: usize, rank: Option<u32>, ceiling: Option<f64>) -> Result<TargetAnswer> {
        let m = &self.model;
        let code = m.codes.get(pos).cloned().unwrap_or_default();
        let not_scored = || {
            Error::new(ErrorKind::NotScored)
                .for_unit(&code)
                .for_indicator(m.code(node))
        };
        let current = self
            .s
            .ranks
            .get(pos)
            .copied()
            .filter(|&r| r > 0)
            .ok_or_else(not_scored)?;
        if node == m.root {
            return Err(Error::new(ErrorKind::InvalidOption {
                name: "node".into(),
                value: m.code(node).into(),
            }));
        }
        let slot = m.slot.get(node).copied().flatten();
        let value = match slot {
            Some(k) => m.raw_col(k).get(pos).copied().unwrap_or(f64::NAN),
            None => m.score(&self.s, node, pos),
        };
        if value.is_nan() {
            return Err(not_scored());
        }
        let direction = slot.and_then(|k| m.leaf_dir.get(k).copied()).unwrap_or(Direction::Up);
        let is_score = slot.is_none_or(|k| m.leaf_norm.get(k) == Some(&Normalisation::None));
        let target = rank.unwrap_or(current.saturating_sub(1)).max(1);
        if target == 0 || rank == Some(0) {
            return Err(Error::new(ErrorKind::InvalidOption {
                name: "rank".into(),
                value: "0".into(),
            }));
        }
        let exact = slot.is_none_or(|k| m.leaf_norm.get(k) != Some(&Normalisation::ZScore));
        let ceiling = ceiling.or_else(|| self.default_ceiling(node));
        let node_info = self.model.framework.nodes().get(node);
        let mut answer = TargetAnswer {
            code: code.clone(),
            name: self.model.names.get(pos).cloned().unwrap_or_default(),
            year: self.year,
            node: self.model.code(node).to_string(),
            node_vi: node_info.map(|x| x.name(Lang::Vi).to_string()).unwrap_or_default(),
            node_en: node_info.map(|x| x.name(Lang::En).to_string()).unwrap_or_default(),
            is_score,
            direction,
            rank: current,
            n: self.ranked,
            target_rank: target,
            next_rank: rank.is_none(),
            value,
            ceiling,
            status: TargetStatus::Already,
            improvement: Some(0.0),
            new_value: Some(value),
            new_rank: Some(current),
            exact,
            decimals: self.decimals,
        };
        if current <= target {
            return Ok(answer);
        }
        let case = Case {
            pos,
            node,
            slot,
            ancestors: self.model.framework.ancestors(node),
            value,
            sign: direction.sign(),
            target,
        };
        let found = self.search(&case, ceiling, exact);
        // Back to the nominal state, whatever happened.
        self.rank_at(&case, 0.0)?;
        match found? {
            None => {
                answer.status = TargetStatus::Unreachable;
                answer.improvement = None;
                answer.new_value = None;
                answer.new_rank = None;
            }
            Some((delta, r)) => {
                answer.status = TargetStatus::Needed;
                answer.improvement = Some(delta);
                answer.new_value = Some(value + case.sign * delta);
                answer.new_rank = Some(r);
            }
        }
        Ok(answer)
    }

    /// The smallest reaching `δ` and the rank it gives, or `None`.
    fn search(&mut self, c: &Case, ceiling: Option<f64>, exact: bool) -> Result<Option<(f64, u32)>> {
        let mut hi = match ceiling {
            Some(top) => {
                let room = c.sign * (top - c.value);
                // Monotone: if the ceiling does not reach, nothing below it does.
                if room <= 0.0 || (exact && !self.reaches(c, room)?) {
                    return Ok(None);
                }
                room
            }
            None => {
                let col: Vec<f64> = match c.slot {
                    Some(k) => self.model.raw_col(k).to_vec(),
                    None => Vec::new(),
                };
                let (lo, hi) = col
                    .iter()
                    .filter(|x| !x.is_nan())
                    .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| (a.min(x), b.max(x)));
                let range = if hi > lo { hi - lo } else { 0.0 };
                let mut step = range.max(c.value.abs()).max(1e-6);
                let mut found = false;
                for _ in 0..MAX_DOUBLINGS {
                    if self.reaches(c, step)? {
                        found = true;
                        break;
                    }
                    step *= 2.0;
                }
                if !found {
                    return Ok(None);
                }
                step
            }
        };
        let mut lo = 0.0;
        if !exact {
            // Scan for the first reaching point, then refine between it and the one before.
            let mut first = None;
            for i in 1..=SCAN_POINTS {
                let x = hi * i as f64 / SCAN_POINTS as f64;
                if self.reaches(c, x)? {
                    first = Some(i);
                    break;
                }
            }
            let Some(i) = first else {
                return Ok(None);
            };
            lo = hi * (i - 1) as f64 / SCAN_POINTS as f64;
            hi = hi * i as f64 / SCAN_POINTS as f64;
        }
        loop {
            let mid = lo + (hi - lo) / 2.0;
            if mid <= lo || mid >= hi {
                break;
            }
            if self.reaches(c, mid)? {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        let r = self.rank_at(c, hi)?;
        Ok(Some((hi, r)))
    }
}

/// Solves `query` on edition `year` (`None`: the latest) of `scored`.
///
/// ```
/// use ictindex::{score, target, Dataset, Framework, Lang, Options, TargetQuery, TargetStatus};
/// let d = Dataset::from_str("code,name,HTKT,HTNL,UD,SXKD,MT\n\
///     a,An,.6,.6,.6,.6,.6\nb,Bình,.5,.5,.5,.5,.5\n").unwrap();
/// let s = score(&d, &Framework::vn_ict(), &Options::default()).unwrap();
/// let q = TargetQuery { unit: "Bình".into(), node: "HTKT".into(), ..Default::default() };
/// let a = target(&s, None, &q).unwrap();
/// // Index = mean of 5: Bình needs +0.1 on the index, i.e. +0.5 on one pillar,
/// // less half a unit of the 4th decimal, since ranks compare rounded scores.
/// assert_eq!(a.status, TargetStatus::Needed);
/// assert!((a.improvement.unwrap() - (0.5 - 5.0 * 0.00005)).abs() < 1e-9);
/// assert_eq!(a.new_rank, Some(1));
/// assert_eq!(a.sentence(Lang::Vi), "Bình cần tăng hạ tầng kỹ thuật thêm 0,4998 điểm để lên hạng 1");
/// assert_eq!(a.sentence(Lang::En), "Bình needs to raise technical infrastructure by 0.4998 points to rise to 1st");
/// ```
pub fn target(scored: &Scored, year: Option<i64>, query: &TargetQuery) -> Result<TargetAnswer> {
    let mut solver = Solver::new(scored, year)?;
    let e = scored.edition_index(year)?;
    let pos = scored.find_unit(e, &query.unit)?;
    let node = scored
        .framework()
        .index_of(&query.node)
        .ok_or_else(|| Error::new(ErrorKind::UnknownNode(query.node.clone())))?;
    if query.ceiling.is_some_and(|c| !c.is_finite()) {
        return Err(Error::new(ErrorKind::InvalidOption {
            name: "ceiling".into(),
            value: format!("{:?}", query.ceiling),
        }));
    }
    solver.solve(pos, node, query.rank, query.ceiling)
}

/// One unit's gaps to the next rank up, per pillar.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GapRow {
    /// Unit code.
    pub code: String,
    /// Unit name.
    pub name: String,
    /// Index rank (`None`: not ranked, no gaps).
    pub rank: Option<u32>,
    /// Per pillar: the smallest improvement that gains a place; `None` when
    /// unreachable through that pillar alone, or for the unit ranked first.
    pub gaps: Vec<Option<f64>>,
}

/// "Gap to the next rank" for every unit and every pillar.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Gaps {
    /// Edition year.
    pub year: Option<i64>,
    /// Pillar codes (the index's children), the order of [`GapRow::gaps`].
    pub pillars: Vec<String>,
    /// Per unit, in file order.
    pub units: Vec<GapRow>,
}

/// The gap to the next rank up through each pillar, for every unit of edition `year`.
///
/// ```
/// use ictindex::{gaps, score, Dataset, Framework, Options};
/// let d = Dataset::from_str("code,HTKT,HTNL,UD,SXKD,MT\na,.6,.6,.6,.6,.6\nb,.5,.5,.5,.5,.5\n").unwrap();
/// let s = score(&d, &Framework::vn_ict(), &Options::default()).unwrap();
/// let g = gaps(&s, None).unwrap();
/// assert_eq!(g.pillars.len(), 5);
/// assert_eq!(g.units[0].gaps, vec![None; 5]); // a is first
/// assert!((g.units[1].gaps[2].unwrap() - 0.49975).abs() < 1e-9);
/// ```
pub fn gaps(scored: &Scored, year: Option<i64>) -> Result<Gaps> {
    let mut solver = Solver::new(scored, year)?;
    let pillars = solver
        .model
        .children
        .get(solver.model.root)
        .cloned()
        .unwrap_or_default();
    let mut units = Vec::with_capacity(solver.model.n);
    for pos in 0..solver.model.n {
        let rank = solver.s.ranks.get(pos).copied().filter(|&r| r > 0);
        let mut row = Vec::with_capacity(pillars.len());
        for &p in &pillars {
            let gap = match rank {
                Some(r) if r > 1 => match solver.solve(pos, p, None, None) {
                    Ok(a) if a.status == TargetStatus::Needed => a.improvement,
                    Ok(_) => None,
                    Err(e) if e.kind() == &ErrorKind::NotScored => None,
                    Err(e) => return Err(e),
                },
                _ => None,
            };
            row.push(gap);
        }
        units.push(GapRow {
            code: solver.model.codes.get(pos).cloned().unwrap_or_default(),
            name: solver.model.names.get(pos).cloned().unwrap_or_default(),
            rank,
            gaps: row,
        });
    }
    Ok(Gaps {
        year: solver.year,
        pillars: pillars.iter().map(|&p| solver.model.code(p).to_string()).collect(),
        units,
    })
}

/// `x` rounded up to `decimals` decimals: the amount shown is always enough.
fn ceil_to(x: f64, decimals: u32) -> f64 {
    let scale = 10f64.powi(decimals.min(15) as i32);
    (x * scale).ceil() / scale
}

impl TargetAnswer {
    /// The answer as a sentence in `lang`; the improvement is shown rounded
    /// up to `decimals` decimals (decimal comma in Vietnamese).
    pub fn sentence(&self, lang: Lang) -> String {
        let name = match lang {
            Lang::Vi => &self.node_vi,
            Lang::En => &self.node_en,
        };
        // A bare code (no name in the framework) keeps its case.
        let node = if *name == self.node {
            name.clone()
        } else {
            lower_first(name)
        };
        let r = self.target_rank;
        let goal = match (lang, self.next_rank) {
            (Lang::Vi, true) => format!("lên hạng {r}"),
            (Lang::Vi, false) => format!("vào top {r}"),
            (Lang::En, true) => format!("rise to {}", ordinal(r)),
            (Lang::En, false) => format!("enter the top {r}"),
        };
        let up = self.direction == Direction::Up;
        match self.status {
            TargetStatus::Already => match (lang, self.next_rank) {
                (Lang::Vi, true) => format!("{} đã xếp thứ {}", self.name, self.rank),
                (Lang::Vi, false) => format!("{} đã ở trong top {r} (xếp thứ {})", self.name, self.rank),
                (Lang::En, true) => format!("{} already ranks {}", self.name, ordinal(self.rank)),
                (Lang::En, false) => format!("{} is already in the top {r} ({})", self.name, ordinal(self.rank)),
            },
            TargetStatus::Unreachable => match (lang, up) {
                (Lang::Vi, true) => format!("{} không thể {goal} chỉ nhờ tăng {node}", self.name),
                (Lang::Vi, false) => format!("{} không thể {goal} chỉ nhờ giảm {node}", self.name),
                (Lang::En, true) => format!("{} cannot {goal} by raising {node} alone", self.name),
                (Lang::En, false) => format!("{} cannot {goal} by lowering {node} alone", self.name),
            },
            TargetStatus::Needed => {
                let amount = number(
                    ceil_to(self.improvement.unwrap_or(0.0), self.decimals),
                    self.decimals as usize,
                    lang,
                    false,
                );
                let points = match (lang, self.is_score) {
                    (Lang::Vi, true) => " điểm",
                    (Lang::En, true) => " points",
                    _ => "",
                };
                match (lang, up) {
                    (Lang::Vi, true) => format!("{} cần tăng {node} thêm {amount}{points} để {goal}", self.name),
                    (Lang::Vi, false) => format!("{} cần giảm {node} bớt {amount}{points} để {goal}", self.name),
                    (Lang::En, true) => format!("{} needs to raise {node} by {amount}{points} to {goal}", self.name),
                    (Lang::En, false) => format!("{} needs to lower {node} by {amount}{points} to {goal}", self.name),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::model::tests::random_case;
    use crate::analyse::random::{uniform, Key};

    /// A query for `unit` to reach `rank` (`None`: one place up) through
    /// `node`, with the default ceiling.
    fn query(unit: &str, node: &str, rank: Option<u32>) -> TargetQuery {
        TargetQuery {
            unit: unit.into(),
            node: node.into(),
            rank,
            ceiling: None,
        }
    }
    use crate::{score, Dataset, Framework, Options};

    /// Relative step below the answer that must not reach the target.
    const BELOW: f64 = 1e-9;

    /// Rank of `pos` after setting leaf `leaf` of `pos` to `v`, by a full re-score.
    fn core_rank(d: &Dataset, f: &Framework, o: &Options, pos: usize, leaf: &str, v: f64) -> u32 {
        let mut d2 = d.clone();
        d2.set_value(pos, d.indicator_index(leaf).unwrap(), Some(v));
        let s = score(&d2, f, o).unwrap();
        s.editions()[0].rank(f.root_index(), pos).unwrap_or(0)
    }

    #[test]
    fn leaves_match_brute_force_by_the_core() {
        let mut rng = Key::new(77, 1).stream(0);
        let mut checked = [0usize; 3];
        for case in 0..24u64 {
            let (d, f) = random_case(100 + case, 15, case % 3 == 0);
            let o = Options {
                precision: if case % 2 == 0 { Some(4) } else { Some(2) },
                min_share: 0.0,
                ..Options::default()
            };
            let scored = score(&d, &f, &o).unwrap();
            let ed = &scored.editions()[0];
            let pos = (uniform(&mut rng) * 15.0) as usize;
            let leaf = ["a", "b", "c", "d", "e"][(uniform(&mut rng) * 5.0) as usize];
            let li = f.index_of(leaf).unwrap();
            let Some(now) = ed.rank(f.root_index(), pos) else {
                continue;
            };
            if ed.raw(li, pos).is_none() || now == 1 {
                continue;
            }
            let goal = 1 + (uniform(&mut rng) * (now - 1) as f64) as u32;
            let q = query(&d.units()[pos].code, leaf, Some(goal));
            let a = target(&scored, None, &q).unwrap();
            let x = ed.raw(li, pos).unwrap();
            let sign = f.nodes()[li].spec.direction.sign();
            match a.status {
                TargetStatus::Needed => {
                    let delta = a.improvement.unwrap();
                    let at = core_rank(&d, &f, &o, pos, leaf, x + sign * delta);
                    assert!(at <= goal && at == a.new_rank.unwrap(), "case {case}: reaches");
                    let less = delta * (1.0 - BELOW) - f64::MIN_POSITIVE;
                    assert!(
                        core_rank(&d, &f, &o, pos, leaf, x + sign * less) > goal,
                        "case {case}: minimal"
                    );
                    // No point of a grid below the answer reaches either.
                    for i in 0..50 {
                        let g = delta * i as f64 / 50.0;
                        assert!(
                            core_rank(&d, &f, &o, pos, leaf, x + sign * g) > goal,
                            "case {case} grid {i}"
                        );
                    }
                    checked[0] += 1;
                }
                TargetStatus::Unreachable => {
                    // At the ceiling (or very far), still not reached.
                    let far = a.ceiling.unwrap_or(x + sign * 1e12);
                    assert!(core_rank(&d, &f, &o, pos, leaf, far) > goal, "case {case}: unreachable");
                    checked[1] += 1;
                }
                TargetStatus::Already => checked[2] += 1,
            }
        }
        assert!(checked[0] >= 8, "{checked:?}");
        assert!(checked[1] >= 1, "{checked:?}");
    }

    #[test]
    fn becoming_the_new_maximum_rescales_everyone() {
        // One min-max leaf a and a fixed leaf b; I = (a_norm + b)/2.
        // a: x 0, y 10, z 5 → 0, 1, 0.5; b: x 0.9, y 0.2, z 0. Index: x .45, y .6, z .25.
        // x at the minimum: while x's a = t ≤ 5 it stays the minimum (a_norm 0);
        // past z it is (t − 5)/5. x reaches y at (t − 5)/5 ≥ 0.3: t = 6.5.
        let f = Framework::from_str("code,parent,method\nI,,\na,I,minmax\nb,I,none\n").unwrap();
        let d = Dataset::from_str("code,a,b\nx,0,0.9\ny,10,0.2\nz,5,0\n").unwrap();
        let o = Options {
            precision: None,
            ..Options::default()
        };
        let s = score(&d, &f, &o).unwrap();
        let q = query("x", "a", Some(1));
        let a = target(&s, None, &q).unwrap();
        assert!((a.improvement.unwrap() - 6.5).abs() < 1e-12, "{a:?}");
        // z through a: as t ≤ 10, z = t/20 < 0.6 = y; only as the new maximum
        // (z_norm 1, y_norm 10/t): 0.5 ≥ (10/t + 0.2)/2 → t ≥ 12.5: δ = 7.5.
        let q = query("z", "a", Some(1));
        let a = target(&s, None, &q).unwrap();
        assert!((a.improvement.unwrap() - 7.5).abs() < 1e-9, "{a:?}");
        assert_eq!(a.new_rank, Some(1));
    }

    #[test]
    fn a_pillar_of_min_max_leaves_on_0_to_100_reaches_100() {
        // Min-max scores are rescaled onto the framework's 0–100: the pillar's
        // default ceiling is 100, and the improvement is on that scale.
        // P = mean(a, b): u (a 0, b 0) → P 0; v (a 10, b 10) → P 100. u
        // reaches 1st (a tie at 4 decimals) when P rises by 100 − 0.00005.
        let f = Framework::from_str(
            "code,parent,weight,method,range\nI,,1,arithmetic,0..100\nP,I,1,arithmetic,\na,P,1,minmax,\nb,P,1,minmax,\n",
        )
        .unwrap();
        let d = Dataset::from_str("code,a,b\nu,0,0\nv,10,10\n").unwrap();
        let s = score(&d, &f, &Options::default()).unwrap();
        let q = query("u", "P", Some(1));
        let a = target(&s, None, &q).unwrap();
        assert_eq!(a.ceiling, Some(100.0));
        assert!((a.improvement.unwrap() - 99.99995).abs() < 1e-6, "{a:?}");
        assert_eq!(a.new_rank, Some(1));
    }

    #[test]
    fn inner_node_against_hand_arithmetic() {
        // Index = (2P + Q)/3 with P = mean(a, b), Q = c. Raising P by δ raises
        // the index by 2δ/3. Units u (P .3, Q .3) and v (P .6, Q .6): u needs
        // 2δ/3 ≥ 0.3 − 0.00005 (ties at 4 decimals) → δ = 0.449925.
        let f = Framework::from_str("code,parent,weight\nI,,1\nP,I,2\nQ,I,1\na,P,1\nb,P,1\nc,Q,1\n").unwrap();
        let d = Dataset::from_str("code,a,b,c\nu,.3,.3,.3\nv,.6,.6,.6\n").unwrap();
        let s = score(&d, &f, &Options::default()).unwrap();
        let q = query("u", "P", None);
        let a = target(&s, None, &q).unwrap();
        assert!((a.improvement.unwrap() - 0.449925).abs() < 1e-9, "{a:?}");
        assert_eq!(a.ceiling, Some(1.0));
        // The ceiling of 1 is enough (0.3 + 0.449925 < 1); a lower one is not.
        let q2 = TargetQuery {
            ceiling: Some(0.7),
            ..q.clone()
        };
        let b = target(&s, None, &q2).unwrap();
        assert_eq!(b.status, TargetStatus::Unreachable);
        assert_eq!(b.sentence(Lang::En), "u cannot rise to 1st by raising P alone");
        // Weight 0 on Q: nothing through Q can help.
        let g = f.with_weight("Q", 0.0).unwrap();
        let s = score(&d, &g, &Options::default()).unwrap();
        let q3 = TargetQuery { node: "Q".into(), ..q };
        assert_eq!(target(&s, None, &q3).unwrap().status, TargetStatus::Unreachable);
    }

    #[test]
    fn already_there_and_errors() {
        let d = Dataset::from_str("code,HTKT,HTNL,UD,SXKD,MT\na,.6,.6,.6,.6,.6\nb,.5,.5,.5,.5,\n").unwrap();
        let o = Options {
            min_share: 0.0,
            ..Options::default()
        };
        let s = score(&d, &Framework::vn_ict(), &o).unwrap();
        let a = target(&s, None, &query("b", "HTKT", Some(2))).unwrap();
        assert_eq!(a.status, TargetStatus::Already);
        assert_eq!(a.sentence(Lang::Vi), "b đã ở trong top 2 (xếp thứ 2)");
        assert_eq!(
            target(&s, None, &query("a", "HTKT", None)).unwrap().status,
            TargetStatus::Already
        );
        assert_eq!(
            target(&s, None, &query("b", "MT", None)).unwrap_err().kind(),
            &ErrorKind::NotScored
        );
        assert!(target(&s, None, &query("b", "ICT", None)).is_err());
        assert!(target(&s, None, &query("b", "XX", None)).is_err());
        assert!(target(&s, None, &query("b", "HTKT", Some(0))).is_err());
    }

    #[test]
    fn zscore_leaves_are_scanned_and_marked_inexact() {
        let f = Framework::from_str("code,parent,method\nI,,\na,I,zscore\nb,I,none\n").unwrap();
        let d = Dataset::from_str("code,a,b\nu,0,0.9\nv,10,0.1\nw,10.1,0.5\nx,4,0.2\n").unwrap();
        let o = Options::default();
        let s = score(&d, &f, &o).unwrap();
        for r in [1, 2] {
            let q = query("x", "a", Some(r));
            let a = target(&s, None, &q).unwrap();
            assert!(!a.exact);
            assert_eq!(a.status, TargetStatus::Needed);
            let delta = a.improvement.unwrap();
            assert!(core_rank(&d, &f, &o, 3, "a", 4.0 + delta) <= r);
            assert!(core_rank(&d, &f, &o, 3, "a", 4.0 + delta * (1.0 - BELOW)) > r);
        }
    }

    #[test]
    fn gaps_agree_with_single_solves() {
        let (d, f) = random_case(9, 12, false);
        let s = score(&d, &f, &Options::default()).unwrap();
        let g = gaps(&s, None).unwrap();
        assert_eq!(g.pillars, ["P", "Q"]);
        for (pos, row) in g.units.iter().enumerate() {
            for (k, p) in g.pillars.iter().enumerate() {
                let q = TargetQuery {
                    unit: d.units()[pos].code.clone(),
                    node: p.clone(),
                    ..Default::default()
                };
                let a = target(&s, None, &q);
                let expect = match a {
                    Ok(a) if a.status == TargetStatus::Needed => a.improvement,
                    _ => None,
                };
                assert_eq!(row.gaps[k], expect, "unit {pos} pillar {p}");
            }
        }
    }
}
