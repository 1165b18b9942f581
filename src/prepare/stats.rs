//! Statistics of one column, computed the way R computes them, so that results
//! equal COINr's to the last bit where COINr's are exact (means) and agree at
//! every threshold decision (skewness, kurtosis).
//!
//! Sums are exact (Shewchuk's non-overlapping partials, rounded once), and a
//! mean is the correctly rounded value of the exact sum divided by `n`. R's
//! `mean()` accumulates in extended precision and refines once, which gives the
//! correctly rounded mean in all but pathological cases; a naive left-to-right
//! `Σx/n` differs from it in the last bit for about half of COINr's imputed
//! values in the ASEM example.

/// The exact sum of `xs` as non-overlapping partials, smallest magnitude first.
fn partials(xs: impl IntoIterator<Item = f64>) -> Vec<f64> {
    let mut parts: Vec<f64> = Vec::new();
    for x in xs {
        let mut x = x;
        let mut kept = 0;
        for k in 0..parts.len() {
            let Some(&y0) = parts.get(k) else { break };
            let (a, b) = if x.abs() < y0.abs() { (y0, x) } else { (x, y0) };
            let hi = a + b;
            let lo = b - (hi - a);
            if lo != 0.0 {
                if let Some(slot) = parts.get_mut(kept) {
                    *slot = lo;
                }
                kept += 1;
            }
            x = hi;
        }
        parts.truncate(kept);
        parts.push(x);
    }
    parts
}

/// Rounds exact partials (as made by [`partials`]) to the nearest double.
fn round_partials(parts: &[f64]) -> f64 {
    let mut n = parts.len();
    let Some(&top) = parts.last() else { return 0.0 };
    let mut hi = top;
    let mut lo = 0.0;
    n -= 1;
    while n > 0 {
        let x = hi;
        n -= 1;
        let y = parts.get(n).copied().unwrap_or(0.0);
        hi = x + y;
        let yr = hi - x;
        lo = y - yr;
        if lo != 0.0 {
            break;
        }
    }
    // Half-way case: the remaining partials decide the rounding direction.
    if n > 0 {
        let next = parts.get(n - 1).copied().unwrap_or(0.0);
        if (lo < 0.0 && next < 0.0) || (lo > 0.0 && next > 0.0) {
            let y = lo * 2.0;
            let x = hi + y;
            if y == x - hi {
                hi = x;
            }
        }
    }
    hi
}

/// `Σ xs`, correctly rounded.
pub(crate) fn sum(xs: impl IntoIterator<Item = f64>) -> f64 {
    round_partials(&partials(xs))
}

/// The mean of `xs`, correctly rounded (`NaN` for no value).
pub(crate) fn mean(xs: &[f64]) -> f64 {
    if xs.is_empty() {
        return f64::NAN;
    }
    let n = xs.len() as f64;
    let mut parts = partials(xs.iter().copied());
    let q = round_partials(&parts) / n;
    if !q.is_finite() {
        // The sum overflowed: average scaled values instead (no exactness claimed).
        return sum(xs.iter().map(|x| x / n));
    }
    // Residual S − q·n, exactly: q·n = p + e with e from a fused multiply-add.
    let p = q * n;
    if !p.is_finite() {
        return q;
    }
    let e = q.mul_add(n, -p);
    parts = partials(parts.into_iter().chain([-p, -e]));
    q + round_partials(&parts) / n
}

/// The median of `xs` (R's `median`: the mean of the two middle values when
/// `n` is even); `NaN` for no value.
pub(crate) fn median(xs: &[f64]) -> f64 {
    let mut v = xs.to_vec();
    v.sort_unstable_by(f64::total_cmp);
    let n = v.len();
    match (v.get((n.max(1) - 1) / 2), v.get(n / 2)) {
        (Some(&a), Some(&b)) if n % 2 == 0 => mean(&[a, b]),
        (_, Some(&b)) => b,
        _ => f64::NAN,
    }
}

/// Deviations from the mean and their exact second moment sum.
fn centred(xs: &[f64]) -> (Vec<f64>, f64) {
    let m = mean(xs);
    let d: Vec<f64> = xs.iter().map(|x| x - m).collect();
    let s2 = sum(d.iter().map(|v| v * v));
    (d, s2)
}

/// Sample skewness, COINr's `skew()` (= `e1071::skewness(type = 2)`, Excel's SKEW):
/// `g1 = √n·Σd³ / (Σd²)^(3/2)`, `G1 = g1·√(n(n−1))/(n−2)`, `d = x − mean`.
/// `NaN` for fewer than 3 values or no spread.
pub(crate) fn skewness(xs: &[f64]) -> f64 {
    let n = xs.len() as f64;
    if xs.len() < 3 {
        return f64::NAN;
    }
    let (d, s2) = centred(xs);
    let s3 = sum(d.iter().map(|v| v * v * v));
    let g1 = n.sqrt() * s3 / libm::pow(s2, 1.5);
    g1 * (n * (n - 1.0)).sqrt() / (n - 2.0)
}

/// Sample excess kurtosis, COINr's `kurt()` (= `e1071::kurtosis(type = 2)`, Excel's KURT):
/// `r = n·Σd⁴/(Σd²)²`, `G2 = ((n+1)(r−3)+6)(n−1)/((n−2)(n−3))`.
/// `NaN` for fewer than 4 values or no spread.
pub(crate) fn kurtosis(xs: &[f64]) -> f64 {
    let n = xs.len() as f64;
    if xs.len() < 4 {
        return f64::NAN;
    }
    let (d, s2) = centred(xs);
    let s4 = sum(d.iter().map(|v| {
        let v2 = v * v;
        v2 * v2
    }));
    let r = n * s4 / (s2 * s2);
    ((n + 1.0) * (r - 3.0) + 6.0) * (n - 1.0) / ((n - 2.0) * (n - 3.0))
}

/// Quantile `p` ∈ [0, 1] of sorted values, R's default (type 7): with
/// `h = (n−1)p`, `x[⌊h⌋] + (h − ⌊h⌋)(x[⌊h⌋+1] − x[⌊h⌋])` (0-based).
pub(crate) fn quantile(sorted: &[f64], p: f64) -> f64 {
    let n = sorted.len();
    if n == 0 {
        return f64::NAN;
    }
    let h = (n - 1) as f64 * p.clamp(0.0, 1.0);
    let j = h.floor();
    let i = j as usize;
    let lo = sorted.get(i).copied().unwrap_or(f64::NAN);
    match sorted.get(i + 1) {
        Some(&hi) if h > j => lo + (h - j) * (hi - lo),
        _ => lo,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reference statistics computed by hand or in R agree to this many ulps of rounding.
    const CLOSE: f64 = 1e-12;

    #[test]
    fn sum_is_exact_where_naive_is_not() {
        let xs = [1e16, 1.0, -1e16, 1.0];
        assert_eq!(xs.iter().sum::<f64>(), 1.0);
        assert_eq!(sum(xs), 2.0);
        assert_eq!(sum([0.1; 10]), 1.0);
        assert_eq!(sum([]), 0.0);
    }

    #[test]
    fn mean_is_correctly_rounded() {
        // 0.1 + 0.2 + 0.3 summed left to right is 0.6000000000000001; the exact
        // sum of the three doubles rounds to 0.6, and 0.6/3 rounds to 0.2.
        let xs = [0.1, 0.2, 0.3];
        assert_ne!(xs.iter().sum::<f64>() / 3.0, 0.2);
        assert_eq!(mean(&xs), 0.2);
        assert_eq!(mean(&[1.0, 2.0]), 1.5);
        assert!(mean(&[]).is_nan());
        assert_eq!(mean(&[1e308, 1e308]), 1e308);
    }

    #[test]
    fn median_odd_even() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), 2.5);
        assert_eq!(median(&[7.0]), 7.0);
        assert!(median(&[]).is_nan());
    }

    #[test]
    fn skewness_and_kurtosis_by_hand() {
        // x = 1, 2, 3, 10: mean 4, d = −3, −2, −1, 6; Σd² = 50, Σd³ = 180, Σd⁴ = 1394.
        let x = [1.0, 2.0, 3.0, 10.0];
        let g1 = 2.0 * 180.0 / 50f64.powf(1.5);
        let want_skew = g1 * 12f64.sqrt() / 2.0;
        assert!((skewness(&x) - want_skew).abs() < CLOSE);
        let r = 4.0 * 1394.0 / 2500.0;
        let want_kurt = (5.0 * (r - 3.0) + 6.0) * 3.0 / 2.0;
        assert!((kurtosis(&x) - want_kurt).abs() < CLOSE);
        // Symmetric data: no skew.
        assert!(skewness(&[1.0, 2.0, 3.0]).abs() < CLOSE);
        assert!(skewness(&[1.0, 2.0]).is_nan());
        assert!(kurtosis(&[1.0, 2.0, 3.0]).is_nan());
        assert!(skewness(&[2.0, 2.0, 2.0]).is_nan());
    }

    #[test]
    fn quantile_type_7() {
        let s = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(quantile(&s, 0.0), 1.0);
        assert_eq!(quantile(&s, 1.0), 5.0);
        assert_eq!(quantile(&s, 0.5), 3.0);
        // h = 4·0.05 = 0.2 → 1 + 0.2·1
        assert!((quantile(&s, 0.05) - 1.2).abs() < CLOSE);
        assert!(quantile(&[], 0.5).is_nan());
    }
}
