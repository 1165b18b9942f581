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
    let mut keyed: Vec<(u64, usize)> = scores
        .iter()
        .enumerate()
        .filter(|(_, s)| !s.is_nan())
        .map(|(i, &s)| (order_key(round_to(s, precision)), i))
        .collect();
    if keyed.len() >= RADIX_MIN {
        radix_sort(&mut keyed);
    } else {
        keyed.sort_unstable_by_key(|k| k.0);
    }
    for o in out.iter_mut() {
        *o = None;
    }
    let mut current = 0u32;
    let mut prev = None;
    // Highest first; equal keys (equal rounded scores) share the rank of the first.
    for (pos, &(key, i)) in keyed.iter().rev().enumerate() {
        if prev != Some(key) {
            current = saturate(pos.saturating_add(1));
            prev = Some(key);
        }
        if let Some(o) = out.get_mut(i) {
            *o = Some(current);
        }
    }
    saturate(keyed.len())
}

/// From this many scores on, [`rank`] sorts by radix.
const RADIX_MIN: usize = 256;

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

/// Sorts `keyed` by key, ascending: least significant byte first, one
/// stable counting pass per byte (bytes every key shares are skipped).
fn radix_sort(keyed: &mut Vec<(u64, usize)>) {
    let len = keyed.len();
    let mut counts = [[0usize; 256]; 8];
    for &(k, _) in keyed.iter() {
        for (b, c) in counts.iter_mut().enumerate() {
            if let Some(x) = c.get_mut(((k >> (8 * b)) & 0xff) as usize) {
                *x += 1;
            }
        }
    }
    let mut tmp = vec![(0u64, 0usize); len];
    for (b, c) in counts.iter().enumerate() {
        if c.contains(&len) {
            continue;
        }
        let mut next = [0usize; 256];
        let mut sum = 0;
        for (s, &x) in next.iter_mut().zip(c) {
            *s = sum;
            sum += x;
        }
        for &(k, i) in keyed.iter() {
            if let Some(s) = next.get_mut(((k >> (8 * b)) & 0xff) as usize) {
                if let Some(t) = tmp.get_mut(*s) {
                    *t = (k, i);
                }
                *s += 1;
            }
        }
        std::mem::swap(keyed, &mut tmp);
    }
}

/// A count as `u32`, saturating (beyond 4 billion units, which no memory holds).
fn saturate(n: usize) -> u32 {
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

    #[test]
    fn radix_ranks_equal_sorted_ranks() {
        let mut state = 5u64;
        let mut next = move || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            state >> 11
        };
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
    fn all_missing_ranks_nothing() {
        let mut r = [Some(9); 2];
        assert_eq!(rank(&[f64::NAN, f64::NAN], Some(4), &mut r), 0);
        assert_eq!(r, [None, None]);
    }
}
