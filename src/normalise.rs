//! Normalisation of one leaf column (one edition's units).
//!
//! Columns are slices of `f64` with `NaN` for a missing value. Statistics are
//! taken over the present values only; a result that is not finite becomes
//! missing (a constant column under min-max: 0/0).

use crate::framework::{Direction, Normalisation};

/// Normalises `x` into `out` (same length) by `method`, for raw values whose
/// `direction` says whether higher is better.
///
/// With `z = d·x` (`d` = ±1):
/// - `none`: `y = x`;
/// - `minmax`: `y = (z − min z)/(max z − min z)`;
/// - `zscore`: `y = (z − mean z)/sd z` (sample sd, divisor n − 1; sums taken in
///   ascending order of `z`, so the row order does not matter);
/// - `goalpost`: `y = (x − lo)/(hi − lo)` for d = 1, `(hi − x)/(hi − lo)` for d = −1, clipped to [0, 1];
/// - `reference`: `y = x/r` for d = 1 (default `r` = max x), `r/x` for d = −1
///   (default `r` = smallest positive x; `x ≤ 0` is missing);
/// - `rank`: ascending competition rank of `z` (1 = worst);
/// - `percentile`: `(rank − 1)/(n − 1)`.
///
/// ```
/// use ictindex::{normalise, Direction, Normalisation};
/// let x = [2.0, 4.0, f64::NAN, 6.0];
/// let mut y = [0.0; 4];
/// normalise(Normalisation::MinMax, Direction::Down, &x, &mut y);
/// assert_eq!(y[0], 1.0);
/// assert_eq!(y[1], 0.5);
/// assert!(y[2].is_nan());
/// assert_eq!(y[3], 0.0);
/// ```
pub fn normalise(method: Normalisation, direction: Direction, x: &[f64], out: &mut [f64]) {
    Prepared::new(method, direction, x).apply(x, out);
}

/// Maps a bounded method's scores (min-max, goalposts, percentiles: in
/// [0, 1] by construction) onto the framework's `range` (COINr: 0–100), in
/// place; other methods' scores, and any scores under the unit range, stay.
/// Scoring and the analyses both call it, so they score alike.
pub(crate) fn rescale(method: Normalisation, range: (f64, f64), out: &mut [f64]) {
    let (lo, hi) = range;
    if method.is_bounded() && range != (0.0, 1.0) {
        for y in out.iter_mut() {
            *y = *y * (hi - lo) + lo;
        }
    }
}

/// A normalisation with its column statistics taken (min and max, mean and
/// sd, the reference value, the sorted values): it then maps each value on
/// its own, so a column can be normalised a slice at a time, each slice
/// exactly as [`normalise`] of the whole column would.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Prepared {
    /// `d`: the direction's sign.
    d: f64,
    kind: Kind,
}

#[derive(Clone, Debug, PartialEq)]
enum Kind {
    None,
    MinMax {
        lo: f64,
        range: f64,
    },
    ZScore {
        mean: f64,
        sd: f64,
    },
    Goalpost {
        lo: f64,
        hi: f64,
        range: f64,
    },
    ReferenceUp {
        r: f64,
    },
    ReferenceDown {
        r: f64,
    },
    /// `z`: the present `d·x`, ascending; `n`: how many.
    Rank {
        z: Vec<f64>,
        n: f64,
        percentile: bool,
    },
}

impl Prepared {
    /// Takes the statistics of column `x` that `method` needs.
    pub(crate) fn new(method: Normalisation, direction: Direction, x: &[f64]) -> Self {
        let d = direction.sign();
        let present = || x.iter().copied().filter(|v| !v.is_nan());
        let kind = match method {
            Normalisation::None => Kind::None,
            Normalisation::MinMax => {
                let (lo, hi) = min_max(d, x);
                Kind::MinMax { lo, range: hi - lo }
            }
            Normalisation::ZScore => {
                // Sums run over the values in ascending order, so the result does not
                // depend on the order of the rows (floating-point addition is not associative).
                let mut z: Vec<f64> = present().map(|v| d * v).collect();
                z.sort_unstable_by(f64::total_cmp);
                let n = z.len() as f64;
                let mean = z.iter().sum::<f64>() / n;
                let var = z.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
                Kind::ZScore { mean, sd: var.sqrt() }
            }
            Normalisation::Goalpost { lo, hi } => Kind::Goalpost { lo, hi, range: hi - lo },
            Normalisation::Reference { value } => {
                if d > 0.0 {
                    let r = value.unwrap_or_else(|| present().fold(f64::NEG_INFINITY, f64::max));
                    Kind::ReferenceUp { r }
                } else {
                    let r = value.unwrap_or_else(|| present().filter(|&v| v > 0.0).fold(f64::INFINITY, f64::min));
                    Kind::ReferenceDown { r }
                }
            }
            Normalisation::Rank | Normalisation::Percentile => {
                let mut z: Vec<f64> = present().map(|v| d * v).collect();
                z.sort_unstable_by(f64::total_cmp);
                let n = z.len() as f64;
                Kind::Rank {
                    z,
                    n,
                    percentile: matches!(method, Normalisation::Percentile),
                }
            }
        };
        Prepared { d, kind }
    }

    /// The map of a min-max normalisation (`None` for other methods).
    pub(crate) fn as_min_max(&self) -> Option<MinMax> {
        match self.kind {
            Kind::MinMax { lo, range } => Some(MinMax { d: self.d, lo, range }),
            _ => None,
        }
    }

    /// Normalises the values `x` (any slice of the column, or other values)
    /// into `out`, value by value.
    pub(crate) fn apply(&self, x: &[f64], out: &mut [f64]) {
        let d = self.d;
        match &self.kind {
            Kind::None => map_nan(x, out, |v| v),
            &Kind::MinMax { lo, range } => {
                let m = MinMax { d, lo, range };
                for (o, &v) in out.iter_mut().zip(x) {
                    *o = m.score(v);
                }
            }
            &Kind::ZScore { mean, sd } => map_nan(x, out, |v| (d * v - mean) / sd),
            &Kind::Goalpost { lo, hi, range } => map_nan(x, out, |v| {
                let y = if d > 0.0 { (v - lo) / range } else { (hi - v) / range };
                y.clamp(0.0, 1.0)
            }),
            &Kind::ReferenceUp { r } => map_nan(x, out, |v| v / r),
            &Kind::ReferenceDown { r } => map_nan(x, out, |v| if v > 0.0 { r / v } else { f64::NAN }),
            Kind::Rank { z, n, percentile } => {
                let (n, percentile) = (*n, *percentile);
                map(x, out, |v| {
                    // Ascending competition rank: 1 + number of values strictly below.
                    let below = z.partition_point(|&w| w < d * v) as f64;
                    if percentile {
                        below / (n - 1.0)
                    } else {
                        below + 1.0
                    }
                });
            }
        }
    }
}

/// A min-max normalisation with its statistics: `y = (d·x − lo)/range`,
/// a value on its own.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct MinMax {
    d: f64,
    lo: f64,
    range: f64,
}

impl MinMax {
    /// `(d·x − lo)/range`, missing when not finite (NaN for NaN): what
    /// [`Prepared::apply`] gives `x`.
    #[inline]
    pub(crate) fn score(self, x: f64) -> f64 {
        finite((self.d * x - self.lo) / self.range)
    }
}

/// The least and greatest `d·x` over present values (±∞ if none). A NaN
/// compares false, so missing values are skipped without a test; four
/// independent lanes let the loop vectorise. (Which of −0.0 and +0.0 is the
/// least when both occur is left unspecified, as by `f64::min`.)
pub(crate) fn min_max(d: f64, x: &[f64]) -> (f64, f64) {
    let mut lo = [f64::INFINITY; 4];
    let mut hi = [f64::NEG_INFINITY; 4];
    let mut chunks = x.chunks_exact(4);
    for chunk in &mut chunks {
        for ((l, h), &v) in lo.iter_mut().zip(hi.iter_mut()).zip(chunk) {
            let z = d * v;
            *l = if z < *l { z } else { *l };
            *h = if z > *h { z } else { *h };
        }
    }
    for ((l, h), &v) in lo.iter_mut().zip(hi.iter_mut()).zip(chunks.remainder()) {
        let z = d * v;
        *l = if z < *l { z } else { *l };
        *h = if z > *h { z } else { *h };
    }
    let lo = lo.iter().fold(f64::INFINITY, |a, &b| if b < a { b } else { a });
    let hi = hi.iter().fold(f64::NEG_INFINITY, |a, &b| if b > a { b } else { a });
    (lo, hi)
}

/// [`map`] for an `f` that gives NaN for NaN: no test of the input, so the
/// loop has no branch (and vectorises).
fn map_nan(x: &[f64], out: &mut [f64], f: impl Fn(f64) -> f64) {
    for (o, &v) in out.iter_mut().zip(x) {
        *o = finite(f(v));
    }
}

/// `y`, or missing (NaN) when it is not finite.
#[inline]
fn finite(y: f64) -> f64 {
    if y.is_finite() {
        y
    } else {
        f64::NAN
    }
}

/// `out[i] = f(x[i])` for present values, missing otherwise; non-finite results are missing.
fn map(x: &[f64], out: &mut [f64], f: impl Fn(f64) -> f64) {
    for (o, &v) in out.iter_mut().zip(x) {
        *o = if v.is_nan() { f64::NAN } else { finite(f(v)) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hand-worked examples are exact up to this many ulps of rounding.
    const EXACT: f64 = 1e-15;

    fn run(m: Normalisation, d: Direction, x: &[f64]) -> Vec<f64> {
        let mut y = vec![0.0; x.len()];
        normalise(m, d, x, &mut y);
        y
    }

    fn close(a: &[f64], b: &[f64]) {
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(b) {
            assert!((x.is_nan() && y.is_nan()) || (x - y).abs() <= EXACT, "{a:?} vs {b:?}");
        }
    }

    const NAN: f64 = f64::NAN;

    #[test]
    fn minmax_by_hand() {
        close(
            &run(Normalisation::MinMax, Direction::Up, &[1.0, 3.0, 5.0, NAN]),
            &[0.0, 0.5, 1.0, NAN],
        );
        // Constant column: 0/0 is missing.
        close(&run(Normalisation::MinMax, Direction::Up, &[2.0, 2.0]), &[NAN, NAN]);
    }

    #[test]
    fn zscore_by_hand() {
        // mean 4, sample sd = sqrt(((−2)²+0+2²)/2) = 2
        close(
            &run(Normalisation::ZScore, Direction::Up, &[2.0, 4.0, 6.0]),
            &[-1.0, 0.0, 1.0],
        );
        close(
            &run(Normalisation::ZScore, Direction::Down, &[2.0, 4.0, 6.0]),
            &[1.0, 0.0, -1.0],
        );
        close(&run(Normalisation::ZScore, Direction::Up, &[2.0, NAN]), &[NAN, NAN]);
    }

    #[test]
    fn goalpost_by_hand() {
        let g = Normalisation::Goalpost { lo: 10.0, hi: 20.0 };
        close(&run(g, Direction::Up, &[5.0, 12.5, 25.0]), &[0.0, 0.25, 1.0]);
        close(&run(g, Direction::Down, &[5.0, 12.5, 25.0]), &[1.0, 0.75, 0.0]);
    }

    #[test]
    fn reference_by_hand() {
        let fixed = Normalisation::Reference { value: Some(8.0) };
        close(&run(fixed, Direction::Up, &[2.0, 4.0, 16.0]), &[0.25, 0.5, 2.0]);
        let free = Normalisation::Reference { value: None };
        close(&run(free, Direction::Up, &[2.0, 4.0, 8.0]), &[0.25, 0.5, 1.0]);
        close(&run(free, Direction::Down, &[2.0, 4.0, 0.0]), &[1.0, 0.5, NAN]);
    }

    #[test]
    fn rank_and_percentile_share_ties() {
        close(
            &run(Normalisation::Rank, Direction::Up, &[3.0, 1.0, 3.0, 2.0, NAN]),
            &[3.0, 1.0, 3.0, 2.0, NAN],
        );
        close(
            &run(Normalisation::Rank, Direction::Down, &[3.0, 1.0, 3.0, 2.0]),
            &[1.0, 4.0, 1.0, 3.0],
        );
        close(
            &run(Normalisation::Percentile, Direction::Up, &[3.0, 1.0, 3.0, 2.0]),
            &[2.0 / 3.0, 0.0, 2.0 / 3.0, 1.0 / 3.0],
        );
        close(&run(Normalisation::Percentile, Direction::Up, &[3.0]), &[NAN]);
    }

    #[test]
    fn none_passes_through() {
        close(&run(Normalisation::None, Direction::Up, &[0.1, NAN]), &[0.1, NAN]);
    }
}
