//! Screening units by data availability.

/// The units (`rows`) of one edition whose share of present values across
/// `columns` is below `min_share`, each with its count of present values and
/// the number of columns. A unit at the threshold is kept (COINr's
/// `Screen(dat_thresh = …)` keeps availability ≥ the threshold).
pub(crate) fn screen(columns: &[Vec<f64>], rows: &[usize], min_share: f64) -> Vec<(usize, usize, usize)> {
    let total = columns.len();
    rows.iter()
        .filter_map(|&r| {
            let present = columns.iter().filter(|c| c.get(r).is_some_and(|v| !v.is_nan())).count();
            let share = if total == 0 { 1.0 } else { present as f64 / total as f64 };
            (share < min_share).then_some((r, present, total))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAN: f64 = f64::NAN;

    #[test]
    fn drops_below_and_keeps_at_the_threshold() {
        let cols = vec![
            vec![1.0, 1.0, NAN],
            vec![1.0, NAN, NAN],
            vec![1.0, 1.0, 1.0],
            vec![1.0, 1.0, NAN],
        ];
        // Presence: row 0 4/4, row 1 3/4, row 2 1/4.
        assert_eq!(screen(&cols, &[0, 1, 2], 0.75), [(2, 1, 4)]);
        assert_eq!(screen(&cols, &[0, 1, 2], 0.8), [(1, 3, 4), (2, 1, 4)]);
        assert!(screen(&cols, &[0, 1, 2], 0.0).is_empty());
        // Only the edition's rows are looked at.
        assert!(screen(&cols, &[0], 1.0).is_empty());
    }
}
