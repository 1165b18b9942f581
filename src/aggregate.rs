//! Aggregation of children's scores into their parent's.
//!
//! For unit `i` with present children `c` (score `y_c`, weight `w_c`), the
//! weights are renormalised over the present children:
//!
//! - arithmetic: `Σ w·y / Σ w`
//! - geometric: `exp(Σ w·ln y / Σ w)` — every present `y` must be > 0
//! - harmonic: `Σ w / Σ (w/y)` — every present `y` must be > 0
//!
//! The parent is missing when fewer than `min_share` of its children (by
//! count) are present, when none is, or when the present weights sum to 0.

use crate::framework::Aggregation;

/// A geometric or harmonic mean met a value ≤ 0.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NonPositive {
    /// Position of the child in the `children` slice.
    pub child: usize,
    /// Unit (row of the column).
    pub unit: usize,
    /// The value met.
    pub value: f64,
}

/// Aggregates `children` (each a column and its weight) into `out`.
///
/// ```
/// use ictindex::{aggregate, Aggregation};
/// let a = [0.2, 0.5, f64::NAN];
/// let b = [0.6, f64::NAN, f64::NAN];
/// let mut out = [0.0; 3];
/// aggregate(Aggregation::Arithmetic, &[(&a[..], 1.0), (&b[..], 3.0)], 0.5, &mut out).unwrap();
/// assert!((out[0] - 0.5).abs() < 1e-15); // (0.2 + 3·0.6)/4
/// assert_eq!(out[1], 0.5);               // b missing: a alone, weight renormalised
/// assert!(out[2].is_nan());              // nothing present
/// ```
pub fn aggregate(
    method: Aggregation,
    children: &[(&[f64], f64)],
    min_share: f64,
    out: &mut [f64],
) -> Result<(), NonPositive> {
    if method != Aggregation::Arithmetic {
        if let Some(e) = first_non_positive(children, out.len()) {
            return Err(e);
        }
    }
    mean_of(method, children, min_share, out);
    Ok(())
}

/// A parent's score from its running sums: missing when no child, or fewer
/// than `least` children, or no weight is present; else `mean()`.
fn finish(ws: f64, count: f64, least: f64, mean: impl FnOnce() -> f64) -> f64 {
    if count == 0.0 || count < least || ws <= 0.0 {
        f64::NAN
    } else {
        mean()
    }
}

/// A child as the means read it: a column of values, a weight, and how
/// each value becomes the child's score (the identity for scores, a
/// normalisation for a leaf's raw values).
pub(crate) trait Input {
    /// The values, one per unit.
    fn values(&self) -> &[f64];
    /// The child's weight.
    fn weight(&self) -> f64;
    /// The score of value `v` (NaN: missing).
    fn score(&self, v: f64) -> f64;
}

impl Input for (&[f64], f64) {
    fn values(&self) -> &[f64] {
        self.0
    }
    fn weight(&self) -> f64 {
        self.1
    }
    fn score(&self, v: f64) -> f64 {
        v
    }
}

/// Units the means take at a time: their running sums (weighted terms,
/// weight, count) stay in registers or the nearest cache while every child
/// is added. (8 or 64 were slower than 32 for the arithmetic mean on
/// 10,000 × 100.)
const LANES: usize = 32;

/// The `method` mean of [`aggregate`] (without its check of values ≤ 0),
/// [`LANES`] units at a time: each unit adds its children's terms (`w·y`,
/// `w·ln y` or `w/y`) in order, so the sums are those of a unit alone.
pub(crate) fn mean_of<C: Input>(method: Aggregation, children: &[C], min_share: f64, out: &mut [f64]) {
    match method {
        Aggregation::Arithmetic => sums(children, min_share, out, |w, y| w * y, |s, ws| s / ws),
        Aggregation::Geometric => sums(
            children,
            min_share,
            out,
            |w, y| w * libm::log(y),
            |s, ws| libm::exp(s / ws),
        ),
        Aggregation::Harmonic => sums(children, min_share, out, |w, y| w / y, |s, ws| ws / s),
    }
}

/// [`mean_of`] with the method's `term` of a present score and its `mean`
/// of the sums `(Σ term, Σ w)`. Branch-free: a missing score adds +0.0,
/// which leaves every sum as it was (the sums start at +0.0, so none is
/// ever −0.0). Counts are floats (exact up to 2^53), so every lane is an
/// `f64` and the arithmetic loop vectorises.
fn sums<C: Input>(
    children: &[C],
    min_share: f64,
    out: &mut [f64],
    term: impl Fn(f64, f64) -> f64 + Copy,
    mean: impl Fn(f64, f64) -> f64 + Copy,
) {
    let least = min_share * children.len() as f64;
    let mut blocks = out.chunks_exact_mut(LANES);
    let mut start = 0;
    for block in &mut blocks {
        let mut sum = [0.0f64; LANES];
        let mut wsum = [0.0f64; LANES];
        let mut count = [0.0f64; LANES];
        for child in children {
            // A short column (not from scoring): its units past the end are missing.
            let vs = child.values();
            let vs = vs.get(start..start + LANES).or_else(|| vs.get(start..)).unwrap_or(&[]);
            add_terms(child, vs, term, &mut sum, &mut wsum, &mut count);
        }
        for (((o, &s), &ws), &c) in block.iter_mut().zip(&sum).zip(&wsum).zip(&count) {
            *o = finish(ws, c, least, || mean(s, ws));
        }
        start += LANES;
    }
    let rest = blocks.into_remainder();
    let mut sum = [0.0f64; LANES];
    let mut wsum = [0.0f64; LANES];
    let mut count = [0.0f64; LANES];
    for child in children {
        let vs = child.values().get(start..).unwrap_or(&[]);
        add_terms(child, vs, term, &mut sum, &mut wsum, &mut count);
    }
    for (((o, &s), &ws), &c) in rest.iter_mut().zip(&sum).zip(&wsum).zip(&count) {
        *o = finish(ws, c, least, || mean(s, ws));
    }
}

/// Adds the terms of `child`'s values `vs` (as many as there are, up to
/// the sums' length) to the running sums of [`sums`], without a branch: a
/// missing score adds +0.0 to each sum, which changes none of them (see
/// [`sums`]), so the loop vectorises for the last units of a column as
/// for whole blocks (63 provinces: 32 in a block, 31 here).
#[inline(always)]
fn add_terms<C: Input>(
    child: &C,
    vs: &[f64],
    term: impl Fn(f64, f64) -> f64,
    sum: &mut [f64],
    wsum: &mut [f64],
    count: &mut [f64],
) {
    let w = child.weight();
    for (((s, ws), c), &v) in sum.iter_mut().zip(wsum.iter_mut()).zip(count.iter_mut()).zip(vs) {
        let y = child.score(v);
        let present = !y.is_nan();
        *s += if present { term(w, y) } else { 0.0 };
        *ws += if present { w } else { 0.0 };
        *c += if present { 1.0 } else { 0.0 };
    }
}

/// The first present value ≤ 0, child by child, within the first `n` units.
fn first_non_positive(children: &[(&[f64], f64)], n: usize) -> Option<NonPositive> {
    children.iter().enumerate().find_map(|(child, &(col, _))| {
        col.iter()
            .take(n)
            .position(|&y| y <= 0.0)
            .and_then(|unit| col.get(unit).map(|&value| NonPositive { child, unit, value }))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hand-worked means agree to a few ulps.
    const EXACT: f64 = 1e-14;
    const NAN: f64 = f64::NAN;

    fn agg(m: Aggregation, cols: &[(&[f64], f64)], share: f64) -> Vec<f64> {
        let mut out = vec![0.0; cols[0].0.len()];
        aggregate(m, cols, share, &mut out).unwrap();
        out
    }

    #[test]
    fn geometric_by_hand() {
        let out = agg(Aggregation::Geometric, &[(&[4.0], 1.0), (&[1.0], 1.0)], 0.0);
        assert!((out[0] - 2.0).abs() < EXACT);
        // weights 1 and 3: 2^(1/4)·8^(3/4) = 2^(10/4)
        let out = agg(Aggregation::Geometric, &[(&[2.0], 1.0), (&[8.0], 3.0)], 0.0);
        assert!((out[0] - 2f64.powf(2.5)).abs() < EXACT);
    }

    #[test]
    fn harmonic_by_hand() {
        let out = agg(Aggregation::Harmonic, &[(&[1.0], 1.0), (&[3.0], 1.0)], 0.0);
        assert!((out[0] - 1.5).abs() < EXACT);
    }

    #[test]
    fn non_positive_is_reported() {
        let mut out = [0.0; 2];
        let err = aggregate(
            Aggregation::Geometric,
            &[(&[1.0, 2.0], 1.0), (&[1.0, 0.0], 1.0)],
            0.0,
            &mut out,
        )
        .unwrap_err();
        assert_eq!(
            err,
            NonPositive {
                child: 1,
                unit: 1,
                value: 0.0
            }
        );
        assert!(aggregate(Aggregation::Harmonic, &[(&[-1.0], 1.0)], 0.0, &mut out[..1]).is_err());
    }

    #[test]
    fn min_share_makes_sparse_parents_missing() {
        let a = [1.0, 1.0, NAN];
        let b = [2.0, NAN, NAN];
        let c = [3.0, NAN, 3.0];
        let cols: [(&[f64], f64); 3] = [(&a, 1.0), (&b, 1.0), (&c, 1.0)];
        let out = agg(Aggregation::Arithmetic, &cols, 0.5);
        assert!((out[0] - 2.0).abs() < EXACT);
        assert!(out[1].is_nan() && out[2].is_nan());
        let out = agg(Aggregation::Arithmetic, &cols, 0.0);
        assert_eq!(out[1], 1.0);
        assert_eq!(out[2], 3.0);
    }

    #[test]
    fn zero_weight_present_alone_is_missing() {
        let out = agg(Aggregation::Arithmetic, &[(&[1.0], 0.0), (&[NAN], 1.0)], 0.0);
        assert!(out[0].is_nan());
    }
}
