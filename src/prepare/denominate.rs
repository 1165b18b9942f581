//! Denomination: an indicator divided by a denominator column (population,
//! area, GDP…), per-capita being the usual case.

/// Divides `x[r]` by `d[r]` for each of `rows`: `x / d`, plain IEEE division
/// as COINr's. Returns how many values were divided and the rows whose value
/// was present but became missing because the denominator is missing or zero.
pub(crate) fn denominate(x: &mut [f64], d: &[f64], rows: &[usize]) -> (usize, Vec<usize>) {
    let mut divided = 0;
    let mut lost = Vec::new();
    for &r in rows {
        let den = d.get(r).copied().unwrap_or(f64::NAN);
        let Some(v) = x.get_mut(r) else { continue };
        if v.is_nan() {
            continue;
        }
        let q = *v / den;
        if q.is_finite() {
            *v = q;
            divided += 1;
        } else {
            *v = f64::NAN;
            lost.push(r);
        }
    }
    (divided, lost)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAN: f64 = f64::NAN;

    #[test]
    fn divides_and_reports_lost_values() {
        let mut x = [10.0, 10.0, NAN, 10.0, 10.0];
        let d = [4.0, NAN, 2.0, 0.0, 5.0];
        let (n, lost) = denominate(&mut x, &d, &[0, 1, 2, 3]);
        assert_eq!(n, 1);
        assert_eq!(lost, [1, 3]);
        assert_eq!(x[0], 2.5);
        assert!(x[1].is_nan() && x[2].is_nan() && x[3].is_nan());
        // Rows outside the edition are untouched.
        assert_eq!(x[4], 10.0);
    }
}
