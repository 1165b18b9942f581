//! Standard competition ranking ("1224") on rounded scores.
//!
//! Scores are compared at the published precision: each is rounded to
//! `precision` decimals first, so 0.83214 and 0.83206 tie at 4 decimals.
//! Rank 1 is the highest score; a unit's rank is 1 + the number of units
//! with a strictly higher rounded score; missing scores get no rank and do
//! not count.

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
    let mut keys: Vec<u128> = scores
        .iter()
        .enumerate()
        .filter(|(_, s)| !s.is_nan())
        .map(|(i, &s)| u128::from(order_key(round_to(s, precision))) << 64 | i as u128)
        .collect();
    sort_keys(&mut keys, &mut SortBuffers::default());
    for o in out.iter_mut() {
        *o = None;
    }
    let mut current = 0u32;
    let mut prev = None;
    // Highest first; equal keys (equal rounded scores) share the rank of the first.
    for (pos, &k) in keys.iter().rev().enumerate() {
        let key = (k >> 64) as u64;
        if prev != Some(key) {
            current = saturate(pos.saturating_add(1));
            prev = Some(key);
        }
        if let Some(o) = usize::try_from(k as u64).ok().and_then(|i| out.get_mut(i)) {
            *o = Some(current);
        }
    }
    saturate(keys.len())
}

/// A key whose unsigned order is the order of the (non-NaN) score: −0.0 is
/// taken as +0.0 (they tie, as `==` says), negative scores' bits inverted,
/// positive ones' sign bit set. (Also the Monte-Carlo ranking's key.)
pub(crate) fn order_key(y: f64) -> u64 {
    let bits = (y + 0.0).to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | 1 << 63
    }
}

/// From this many keys on, [`sort_keys`] sorts by buckets.
const BUCKET_MIN: usize = 256;

/// A run of at most this many keys (one bucket) is sorted by insertion.
const INSERTION_MAX: usize = 16;

/// The reusable buffers of [`sort_keys`], so that sorting allocates nothing
/// once they have grown (the Monte-Carlo ranking sorts once per sample).
#[derive(Clone, Debug, Default)]
pub(crate) struct SortBuffers {
    tmp: Vec<u128>,
    ends: Vec<u32>,
    slots: Vec<u32>,
}

/// Sorts distinct `keys` (an [`order_key`] in the high 64 bits, a distinct
/// position in the low ones) ascending, as `sort_unstable` would.
///
/// From [`BUCKET_MIN`] keys on: one pass spreads the keys over about `len`
/// buckets by their score key's offset from the smallest (buckets are
/// ordered ranges of keys), one pass moves them there, and each bucket
/// holding more than one key is sorted on its own, by insertion when short.
/// Distinct keys have one sorted order, whichever sort reaches it. A skewed
/// spread (a far outlier, a 0 among scores near 1: keys are the scores'
/// bits, so buckets are narrower near 0) only makes some buckets large,
/// which `sort_unstable` then sorts. Beyond 2^30 keys, `sort_unstable`
/// sorts them all (bucket numbers stay within `u32`).
pub(crate) fn sort_keys(keys: &mut Vec<u128>, buf: &mut SortBuffers) {
    let len = keys.len();
    if !(BUCKET_MIN..=1 << 30).contains(&len) {
        keys.sort_unstable();
        return;
    }
    let hi = |k: u128| (k >> 64) as u64;
    let (lo, top) = keys
        .iter()
        .fold((u64::MAX, 0), |(lo, top), &k| (lo.min(hi(k)), top.max(hi(k))));
    // (top - lo) < 2^span, so every offset >> shift is below 2^bits.
    let bits = len.next_power_of_two().trailing_zeros();
    let span = 64 - (top - lo).leading_zeros();
    let shift = span.saturating_sub(bits);
    let SortBuffers { tmp, ends, slots } = buf;
    ends.clear();
    ends.resize(1 << bits, 0);
    slots.clear();
    slots.extend(keys.iter().map(|&k| ((hi(k) - lo) >> shift) as u32));
    for &b in slots.iter() {
        if let Some(c) = ends.get_mut(b as usize) {
            *c += 1;
        }
    }
    // ends[b] becomes where bucket b starts, then (as keys move in) where it ends.
    let mut sum = 0;
    for c in ends.iter_mut() {
        (*c, sum) = (sum, sum + *c);
    }
    // Every slot is written below, so a buffer of the right length needs no clearing.
    if tmp.len() != len {
        tmp.clear();
        tmp.resize(len, 0);
    }
    for (&k, &b) in keys.iter().zip(slots.iter()) {
        if let Some(c) = ends.get_mut(b as usize) {
            if let Some(t) = tmp.get_mut(*c as usize) {
                *t = k;
            }
            *c += 1;
        }
    }
    // Most buckets hold one key or none: only a longer run is sliced.
    let mut start = 0u32;
    for &end in ends.iter() {
        if end.wrapping_sub(start) > 1 {
            if let Some(run) = tmp.get_mut(start as usize..end as usize) {
                if run.len() > INSERTION_MAX {
                    run.sort_unstable();
                } else {
                    insertion_sort(run);
                }
            }
        }
        start = end;
    }
    std::mem::swap(keys, tmp);
}

/// Sorts a short run (one bucket) by insertion, swapping neighbours. (The
/// Monte-Carlo warm start's `insertion_sorted`, which searches then rotates
/// and counts its moves, cost 23 % more instructions in the 11 rankings of
/// a 10,000-unit `score` here, and 10 % more per 10,000-unit sample.)
fn insertion_sort(run: &mut [u128]) {
    for i in 1..run.len() {
        let mut j = i;
        while j > 0 {
            let (left, right) = run.split_at_mut(j);
            match (left.last_mut(), right.first_mut()) {
                (Some(a), Some(b)) if *a > *b => std::mem::swap(a, b),
                _ => break,
            }
            j -= 1;
        }
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
        let mut state = seed;
        move || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            state >> 11
        }
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

    #[test]
    fn bucket_sort_sorts_like_sort_unstable() {
        let mut next = lcg(11);
        let mut buf = SortBuffers::default();
        for len in [0usize, 1, 2, 255, 256, 600, 5_000, 5_000, 70_000] {
            let mut keys: Vec<u128> = (0..len)
                .map(|i| {
                    // Few distinct scores (crowded buckets of ties), a narrow
                    // and a wide range, a far outlier, infinities, ±0.
                    let y = match i % 4 {
                        0 => (next() % 50) as f64 / 64.0,
                        1 if i == 1 => 1e300,
                        1 if i == 5 && len > 5_000 => f64::NEG_INFINITY,
                        1 if i % 7 == 0 => -0.0,
                        _ => ((next() % 1_000_000) as f64 - 300_000.0) * 1.7,
                    };
                    u128::from(order_key(y)) << 64 | u128::from(next() % 1_000_000) << 20 | i as u128
                })
                .collect();
            let mut want = keys.clone();
            want.sort_unstable();
            sort_keys(&mut keys, &mut buf);
            assert_eq!(keys, want, "{len}");
        }
    }

    #[test]
    fn all_missing_ranks_nothing() {
        let mut r = [Some(9); 2];
        assert_eq!(rank(&[f64::NAN, f64::NAN], Some(4), &mut r), 0);
        assert_eq!(r, [None, None]);
    }
}
