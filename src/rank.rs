//! Standard competition ranking ("1224") on rounded scores.
//!
//! Scores are compared at the published precision: each is rounded to
//! `precision` decimals first, so 0.83214 and 0.83206 tie at 4 decimals.
//! Rank 1 is the highest score; a unit's rank is 1 + the number of units
//! with a strictly higher rounded score; missing scores get no rank and do
//! not count.

use crate::normalise::min_max;

/// Rounds `x` half away from zero to `precision` decimals (`None`: unchanged).
///
/// ```
/// use ictindex::round_to;
/// assert_eq!(round_to(0.83214, Some(4)), 0.8321);
/// assert_eq!(round_to(0.83215, Some(4)), 0.8322);
/// assert_eq!(round_to(0.83215, None), 0.83215);
/// ```
pub fn round_to(x: f64, precision: Option<u32>) -> f64 {
    match precision {
        None => x,
        Some(p) => {
            let scale = 10f64.powi(p.min(300) as i32);
            let y = (x * scale).round() / scale;
            if y.is_finite() {
                y
            } else {
                x
            }
        }
    }
}

/// Ranks `scores` (NaN = missing) into `out`; returns how many were ranked.
///
/// ```
/// use ictindex::rank;
/// let s = [0.5, 0.9, f64::NAN, 0.50004, 0.1];
/// let mut r = [None; 5];
/// assert_eq!(rank(&s, Some(4), &mut r), 4);
/// assert_eq!(r, [Some(2), Some(1), None, Some(2), Some(4)]);
/// ```
pub fn rank(scores: &[f64], precision: Option<u32>, out: &mut [Option<u32>]) -> u32 {
    match precision {
        None => with_buffers(|b| rank_with(scores, out, &mut b.counts)),
        Some(_) => rank_rounded(scores, |s| round_to(s, precision), out),
    }
}

/// [`rank`] at full precision into ranks as `u32`, 0 for a missing score
/// (the Monte-Carlo ranking's form).
pub(crate) fn rank_present(scores: &[f64], out: &mut [u32]) -> u32 {
    with_buffers(|b| rank_with(scores, out, &mut b.counts))
}

/// [`rank`] of the scores rounded by `round` (a rounding to some decimals:
/// equal rounded scores tie).
pub(crate) fn rank_rounded<R: RankSlot>(scores: &[f64], round: impl Fn(f64) -> f64, out: &mut [R]) -> u32 {
    with_buffers(|b| {
        let RankBuffers { rounded, counts } = b;
        rounded.clear();
        rounded.extend(scores.iter().map(|&s| round(s)));
        rank_with(rounded, out, counts)
    })
}

/// Calls `f` with this thread's ranking buffers.
fn with_buffers<T>(f: impl FnOnce(&mut RankBuffers) -> T) -> T {
    thread_local! {
        /// This thread's buffers, kept between rankings (a fresh set for
        /// each ranking of 10,000 units cost a quarter of its time).
        static BUFFERS: std::cell::RefCell<RankBuffers> = std::cell::RefCell::default();
    }
    BUFFERS.with(|b| match b.try_borrow_mut() {
        Ok(mut b) => {
            let t = f(&mut b);
            if b.counts.slot.capacity() > KEEP_MAX {
                *b = RankBuffers::default();
            }
            t
        }
        // Not reached (ranking does not rank), but never a panic.
        Err(_) => f(&mut RankBuffers::default()),
    })
}

/// A rank as an output holds it: `Option<u32>`, or `u32` with 0 for none.
pub(crate) trait RankSlot: Copy {
    /// The slot holding `rank`.
    fn of(rank: Option<u32>) -> Self;
}

impl RankSlot for Option<u32> {
    fn of(rank: Option<u32>) -> Self {
        rank
    }
}

impl RankSlot for u32 {
    fn of(rank: Option<u32>) -> Self {
        rank.unwrap_or(0)
    }
}

/// Buffers for more units than this are freed after the ranking.
const KEEP_MAX: usize = 1 << 17;

/// A thread's ranking buffers.
#[derive(Debug, Default)]
struct RankBuffers {
    /// The rounded scores (when a precision is given).
    rounded: Vec<f64>,
    counts: CountBuffers,
}

/// The reusable buffers of [`rank_with`].
#[derive(Debug, Default)]
struct CountBuffers {
    /// Per unit: its bucket (`buckets` when the score is missing).
    slot: Vec<u32>,
    /// Per bucket, then one more: how many units are in it or a higher one.
    at_or_above: Vec<u32>,
    /// The buckets of two units or more, with their counts.
    multi: Vec<(u32, u32)>,
    /// The units of those buckets.
    shared: Vec<usize>,
    /// The `shared` units at their places in descending order (others unused).
    placed: Vec<usize>,
}

/// Buckets of more units than this are sorted; smaller ones are ranked by
/// comparing every pair.
const PAIRWISE_MAX: usize = 8;

/// [`rank`] of the (rounded) scores `y`, with the buffers given.
///
/// A unit's competition rank is 1 + the number of units with a higher
/// (rounded) score. One pass spreads the scores over `2·n` buckets that
/// split their range evenly, so every unit of a higher bucket has a higher
/// score; the count of units in each bucket and above it then gives the
/// rank of every unit alone in its bucket (about 60 % of them on evenly
/// spread scores) without sorting anything. The units that share a bucket
/// are moved to their bucket's places and ranked among themselves: by
/// comparing every pair in the usual small buckets, by sorting a large one
/// (all scores land in one bucket when their range is 0 or not finite).
/// Against sorting (score, unit) keys by buckets, as before the eleventh
/// session: 99 against 123 µs for 10,000 pillar scores (criterion `rank/`),
/// and no key buffer grown by doubling on a thread's first ranking.
fn rank_with<R: RankSlot>(y: &[f64], out: &mut [R], buf: &mut CountBuffers) -> u32 {
    let CountBuffers {
        slot,
        at_or_above,
        multi,
        shared,
        placed,
    } = buf;
    for o in out.iter_mut().skip(y.len()) {
        *o = R::of(None);
    }
    let (lo, hi) = min_max(1.0, y);
    // Buckets are numbered by `u32`; past 2^30 units, several share each.
    let buckets = y.len().saturating_mul(2).clamp(1, 1 << 31);
    let missing = buckets as u32;
    let last = missing - 1;
    // `(y - lo) · scale` never decreases as `y` grows (each rounded step is
    // monotone), so higher buckets hold higher scores. A 0 or infinite
    // range gives NaN, which casts to 0: one bucket, sorted below.
    let scale = buckets as f64 / (hi - lo);
    slot.clear();
    slot.extend(y.iter().map(|&v| {
        if v.is_nan() {
            missing
        } else {
            (((v - lo) * scale) as u32).min(last)
        }
    }));
    at_or_above.clear();
    at_or_above.resize(buckets + 1, 0);
    for &b in slot.iter() {
        if let Some(c) = at_or_above.get_mut(b as usize) {
            *c += 1;
        }
    }
    // Missing scores were counted in the last entry: cleared. From the top
    // bucket down, each entry becomes how many are in it or above, and the
    // buckets of two or more are listed (without a branch: most buckets
    // hold one unit or none).
    if let Some(c) = at_or_above.last_mut() {
        *c = 0;
    }
    multi.clear();
    multi.resize(y.len() / 2 + 1, (0, 0));
    let mut found = 0;
    let mut present = 0u32;
    for (b, c) in at_or_above.iter_mut().enumerate().rev() {
        if let Some(m) = multi.get_mut(found) {
            *m = (b as u32, *c);
        }
        found += usize::from(*c > 1);
        present = present.saturating_add(*c);
        *c = present;
    }
    multi.truncate(found);
    // Units alone in their bucket are ranked now; the others are listed.
    shared.clear();
    shared.resize(present as usize, 0);
    let mut found = 0;
    for (i, &b) in slot.iter().enumerate() {
        let b = b as usize;
        let (Some(&here), Some(&above)) = (at_or_above.get(b), at_or_above.get(b + 1)) else {
            if let Some(o) = out.get_mut(i) {
                *o = R::of(None);
            }
            continue;
        };
        if let Some(o) = out.get_mut(i) {
            *o = R::of(Some(above + 1));
        }
        if let Some(s) = shared.get_mut(found) {
            *s = i;
        }
        found += usize::from(here - above > 1);
    }
    shared.truncate(found);
    // Each shared unit goes to its bucket's places, counting down from the
    // bucket's last, which leaves each bucket's entry at the count above it.
    if placed.len() != present as usize {
        placed.clear();
        placed.resize(present as usize, 0);
    }
    for &i in shared.iter() {
        if let Some(c) = slot.get(i).and_then(|&b| at_or_above.get_mut(b as usize)) {
            *c -= 1;
            if let Some(p) = placed.get_mut(*c as usize) {
                *p = i;
            }
        }
    }
    let value = |i: usize| y.get(i).copied().unwrap_or(f64::NAN);
    for &(b, count) in multi.iter() {
        let above = at_or_above.get(b as usize).map_or(0, |&c| c as usize);
        let Some(run) = placed.get_mut(above..above + count as usize) else {
            continue;
        };
        if let [a, b] = *run {
            // The usual shared bucket, without a branch.
            let (ya, yb) = (value(a), value(b));
            for (i, higher) in [(a, yb > ya), (b, ya > yb)] {
                if let Some(o) = out.get_mut(i) {
                    *o = R::of(Some(saturate(above + usize::from(higher) + 1)));
                }
            }
        } else if run.len() <= PAIRWISE_MAX {
            for &i in run.iter() {
                let yi = value(i);
                let higher = run.iter().filter(|&&j| value(j) > yi).count();
                if let Some(o) = out.get_mut(i) {
                    *o = R::of(Some(saturate(above + higher + 1)));
                }
            }
        } else {
            // Highest first; equal scores (−0.0 and +0.0 among them) share
            // the rank of the first.
            run.sort_unstable_by(|&a, &b| value(b).total_cmp(&value(a)));
            let mut current = 0;
            let mut prev = f64::NAN;
            for (k, &i) in run.iter().enumerate() {
                let yi = value(i);
                if yi != prev {
                    current = saturate(above + k + 1);
                    prev = yi;
                }
                if let Some(o) = out.get_mut(i) {
                    *o = R::of(Some(current));
                }
            }
        }
    }
    present
}

/// A key whose unsigned order is the order of the (non-NaN) score: −0.0 is
/// taken as +0.0 (they tie, as `==` says), negative scores' bits inverted,
/// positive ones' sign bit set: the key of the Monte-Carlo warm start's
/// sort.
pub(crate) fn order_key(y: f64) -> u64 {
    let bits = (y + 0.0).to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | 1 << 63
    }
}

/// A count as `u32`, saturating (beyond 4 billion units, which no memory holds).
pub(crate) fn saturate(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Ranks `scores` within each group (`groups[i]` is unit `i`'s group id,
/// numbered from 0); `counts[g]` receives the number ranked in group `g`.
/// Ids are below the number of units when dense; a unit whose id is not
/// (or that has no id) gets no rank within a group.
///
/// ```
/// use ictindex::rank_within;
/// let s = [0.5, 0.9, 0.7, 0.1];
/// let g = [0, 1, 0, 1];
/// let mut r = [None; 4];
/// let counts = rank_within(&s, &g, Some(4), &mut r);
/// assert_eq!(r, [Some(2), Some(1), Some(1), Some(2)]);
/// assert_eq!(counts, [2, 2]);
/// ```
pub fn rank_within(scores: &[f64], groups: &[usize], precision: Option<u32>, out: &mut [Option<u32>]) -> Vec<u32> {
    // One pass to bucket the units: linear in units, whatever the number of groups.
    let n = scores.len();
    let n_groups = groups.iter().take(n).filter(|&&g| g < n).max().map_or(0, |m| m + 1);
    let mut counts = vec![0u32; n_groups];
    let mut buckets: Vec<Vec<usize>> = vec![Vec::new(); n_groups];
    for (i, &g) in groups.iter().enumerate().take(n) {
        if let Some(b) = buckets.get_mut(g) {
            b.push(i);
        }
    }
    for o in out.iter_mut() {
        *o = None;
    }
    for (g, members) in buckets.iter().enumerate() {
        let sub: Vec<f64> = members
            .iter()
            .map(|&i| scores.get(i).copied().unwrap_or(f64::NAN))
            .collect();
        let mut r = vec![None; sub.len()];
        if let Some(c) = counts.get_mut(g) {
            *c = rank(&sub, precision, &mut r);
        }
        for (&i, ri) in members.iter().zip(r) {
            if let Some(o) = out.get_mut(i) {
                *o = ri;
            }
        }
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_skip_the_next_rank() {
        let s = [0.3, 0.3, 0.2, 0.4];
        let mut r = [None; 4];
        rank(&s, None, &mut r);
        assert_eq!(r, [Some(2), Some(2), Some(4), Some(1)]);
    }

    #[test]
    fn precision_makes_ties() {
        let s = [0.12344, 0.12341, 0.1235];
        let mut r = [None; 3];
        rank(&s, Some(4), &mut r);
        assert_eq!(r, [Some(2), Some(2), Some(1)]);
        rank(&s, None, &mut r);
        assert_eq!(r, [Some(2), Some(3), Some(1)]);
    }

    #[test]
    fn negative_zero_ties_with_zero() {
        let mut r = [None; 2];
        rank(&[-0.0, 0.0], Some(4), &mut r);
        assert_eq!(r, [Some(1), Some(1)]);
    }

    #[test]
    fn group_ids_out_of_range_rank_nothing() {
        let mut r = [Some(9); 3];
        let counts = rank_within(&[0.5, 0.7, 0.9], &[usize::MAX, 0, 0], Some(4), &mut r);
        assert_eq!(r, [None, Some(2), Some(1)]);
        assert_eq!(counts, [2]);
    }

    /// The ranking by a comparison sort of the rounded scores, highest first.
    fn rank_by_sort(scores: &[f64], precision: Option<u32>) -> (Vec<Option<u32>>, u32) {
        let mut keyed: Vec<(f64, usize)> = scores
            .iter()
            .enumerate()
            .filter(|(_, s)| !s.is_nan())
            .map(|(i, &s)| (round_to(s, precision), i))
            .collect();
        keyed.sort_unstable_by(|a, b| b.0.total_cmp(&a.0));
        let mut out = vec![None; scores.len()];
        let mut current = 0;
        for (pos, &(key, i)) in keyed.iter().enumerate() {
            if pos == 0 || key != keyed[pos - 1].0 {
                current = pos as u32 + 1;
            }
            out[i] = Some(current);
        }
        (out, keyed.len() as u32)
    }

    /// A seeded stream of 53-bit numbers (a 64-bit LCG's high bits).
    fn lcg(seed: u64) -> impl FnMut() -> u64 {
        let mut next = crate::testing::lcg(seed);
        move || next() >> 11
    }

    #[test]
    fn bucket_ranks_equal_sorted_ranks() {
        let mut next = lcg(5);
        for n in [0, 1, 2, 255, 256, 257, 1_000, 5_000] {
            let scores: Vec<f64> = (0..n)
                .map(|_| match next() % 10 {
                    0 => f64::NAN,
                    1 => -0.0,
                    2 => 0.0,
                    3 => f64::INFINITY,
                    4 => -((next() % 1000) as f64) / 7.0,
                    5 => 1e300 * (next() % 3) as f64,
                    _ => (next() % 1_000_000) as f64 / 999_983.0,
                })
                .collect();
            for precision in [None, Some(0), Some(2), Some(4), Some(15)] {
                let mut got = vec![Some(0); n];
                let count = rank(&scores, precision, &mut got);
                assert_eq!(
                    (got, count),
                    rank_by_sort(&scores, precision),
                    "n {n} precision {precision:?}"
                );
            }
        }
    }

    /// Score `i` of spread `s` (of [`SPREADS`]): each a spread that buckets
    /// by value meet: skewed (a sum of uniforms with a far tail), a range a
    /// few ulps wide, signs mixed, heavy ties, subnormals, a range whose
    /// width overflows, near-equal extremes.
    fn spread(s: usize, next: &mut dyn FnMut() -> u64, i: usize) -> f64 {
        let mut uniform = || (next() % (1 << 40)) as f64 / (1u64 << 40) as f64;
        match s {
            0 => (0..4).map(|_| uniform()).sum::<f64>() / 4.0 + if i % 500 == 7 { 0.4 } else { 0.0 },
            1 => f64::from_bits(0.3f64.to_bits() + next() % 7),
            2 => uniform() * 2.0 - 1.0,
            3 => (next() % 5) as f64 / 4.0,
            4 => f64::from_bits(next() % 4_000),
            5 if i < 2 => [-f64::MAX, f64::MAX][i],
            5 => uniform(),
            _ if i % 2 == 0 => 1.0,
            _ => f64::from_bits(1.0f64.to_bits() + next() % 2),
        }
    }

    /// How many spreads [`spread`] draws from.
    const SPREADS: usize = 7;

    #[test]
    fn ranks_over_spreads_equal_sorted_ranks() {
        let mut next = lcg(29);
        for s in 0..SPREADS {
            for len in [1usize, 2, 3, 9, 300, 10_000] {
                // Every 13th score missing, and a few more at the ends.
                let scores: Vec<f64> = (0..len)
                    .map(|i| {
                        if i % 13 == 12 {
                            f64::NAN
                        } else {
                            spread(s, &mut next, i)
                        }
                    })
                    .collect();
                for precision in [None, Some(2), Some(6)] {
                    let (want, count) = rank_by_sort(&scores, precision);
                    let mut got = vec![Some(0); len];
                    assert_eq!(
                        rank(&scores, precision, &mut got),
                        count,
                        "spread {s}, {len}, {precision:?}"
                    );
                    assert_eq!(got, want, "spread {s}, {len} scores, precision {precision:?}");
                    // An output shorter or longer than the scores: the
                    // scores' ranks where there is room, nothing past them.
                    let mut short = vec![Some(0); len / 2];
                    rank(&scores, precision, &mut short);
                    assert_eq!(short, want[..len / 2], "spread {s}, {len}, short");
                    let mut long = vec![Some(0); len + 3];
                    rank(&scores, precision, &mut long);
                    assert_eq!(long[..len], want[..], "spread {s}, {len}, long");
                    assert_eq!(long[len..], [None; 3], "spread {s}, {len}, long");
                }
            }
        }
    }

    #[test]
    fn all_missing_ranks_nothing() {
        let mut r = [Some(9); 2];
        assert_eq!(rank(&[f64::NAN, f64::NAN], Some(4), &mut r), 0);
        assert_eq!(r, [None, None]);
    }
}
