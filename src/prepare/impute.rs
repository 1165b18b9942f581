//! Imputation of missing values in one edition's indicator column.

use serde::{Deserialize, Serialize};

use super::stats::{mean, median};
use crate::error::{Error, ErrorKind, Result};

/// How a missing value is filled in. Statistics are taken over the values
/// present in the same edition (before any imputation), so the order of
/// units does not matter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Imputation {
    /// The indicator's mean over all units (COINr `i_mean`).
    Mean,
    /// The indicator's median over all units (COINr `i_median`).
    Median,
    /// The indicator's mean over the units of the same group (COINr
    /// `i_mean_grp`; the ASEM example's `indgroup_mean` by Europe/Asia).
    GroupMean,
    /// The indicator's median over the units of the same group (COINr `i_median_grp`).
    GroupMedian,
    /// The unit's own value in the latest earlier edition that has one
    /// (before that edition's imputation and treatment).
    Previous,
}

impl Imputation {
    /// Reads `mean`, `median`, `group-mean`, `group-median` or `previous`
    /// (`_` for `-` also accepted).
    ///
    /// ```
    /// use ictindex::Imputation;
    /// assert_eq!(Imputation::parse("group_mean").unwrap(), Imputation::GroupMean);
    /// assert_eq!(Imputation::parse("Previous").unwrap(), Imputation::Previous);
    /// assert!(Imputation::parse("zero").is_err());
    /// ```
    pub fn parse(text: &str) -> Result<Imputation> {
        match text.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "mean" => Ok(Imputation::Mean),
            "median" => Ok(Imputation::Median),
            "group-mean" => Ok(Imputation::GroupMean),
            "group-median" => Ok(Imputation::GroupMedian),
            "previous" => Ok(Imputation::Previous),
            _ => Err(Error::new(ErrorKind::InvalidField {
                field: "impute".into(),
                value: text.trim().into(),
            })),
        }
    }

    /// The name read by [`Imputation::parse`].
    ///
    /// ```
    /// use ictindex::Imputation;
    /// assert_eq!(Imputation::GroupMedian.name(), "group-median");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Imputation::Mean => "mean",
            Imputation::Median => "median",
            Imputation::GroupMean => "group-mean",
            Imputation::GroupMedian => "group-median",
            Imputation::Previous => "previous",
        }
    }

    fn grouped(self) -> bool {
        matches!(self, Imputation::GroupMean | Imputation::GroupMedian)
    }
}

/// One missing value and what it became.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Fill {
    /// Position in the column.
    pub pos: usize,
    /// The value imputed; `None` when there was nothing to impute from.
    pub value: Option<f64>,
    /// How many values the statistic was taken over.
    pub donors: usize,
}

/// Imputes the missing values (`NaN`) of `x` by a statistic of the present
/// ones; `group_of[i]` is unit `i`'s group (used by the group methods).
/// [`Imputation::Previous`] is not a statistic of the edition: nothing is done.
///
/// The mean is correctly rounded (as R's `mean`), so imputed values equal
/// COINr's exactly.
pub(crate) fn impute_column(method: Imputation, x: &mut [f64], group_of: &[usize]) -> Vec<Fill> {
    if method == Imputation::Previous {
        return Vec::new();
    }
    let original = x.to_vec();
    let stat = |values: &[f64]| match method {
        Imputation::Mean | Imputation::GroupMean => mean(values),
        _ => median(values),
    };
    let all: Vec<f64> = original.iter().copied().filter(|v| !v.is_nan()).collect();
    let whole = stat(&all);
    let mut fills = Vec::new();
    for (pos, slot) in x.iter_mut().enumerate() {
        if !slot.is_nan() {
            continue;
        }
        let (value, donors) = if method.grouped() {
            let g = group_of.get(pos);
            let donors: Vec<f64> = original
                .iter()
                .zip(group_of)
                .filter(|(v, h)| !v.is_nan() && Some(*h) == g)
                .map(|(v, _)| *v)
                .collect();
            (stat(&donors), donors.len())
        } else {
            (whole, all.len())
        };
        let value = Some(value).filter(|v| !v.is_nan());
        if let Some(v) = value {
            *slot = v;
        }
        fills.push(Fill { pos, value, donors });
    }
    fills
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAN: f64 = f64::NAN;

    #[test]
    fn mean_and_median() {
        let mut x = [1.0, NAN, 2.0, 6.0];
        let f = impute_column(Imputation::Mean, &mut x, &[0; 4]);
        assert_eq!(x[1], 3.0);
        assert_eq!(
            f,
            [Fill {
                pos: 1,
                value: Some(3.0),
                donors: 3
            }]
        );
        let mut x = [1.0, NAN, 2.0, 6.0];
        impute_column(Imputation::Median, &mut x, &[0; 4]);
        assert_eq!(x[1], 2.0);
    }

    #[test]
    fn group_statistics_use_the_units_group_only() {
        let mut x = [1.0, 3.0, NAN, 10.0, 20.0, NAN, NAN];
        let g = [0, 0, 0, 1, 1, 1, 2];
        let f = impute_column(Imputation::GroupMean, &mut x, &g);
        assert_eq!(x[2], 2.0);
        assert_eq!(x[5], 15.0);
        // Group 2 has no value: left missing and reported.
        assert!(x[6].is_nan());
        assert_eq!(
            f[2],
            Fill {
                pos: 6,
                value: None,
                donors: 0
            }
        );
        let mut y = [1.0, 3.0, 5.0, NAN, 100.0, NAN];
        impute_column(Imputation::GroupMedian, &mut y, &[0, 0, 0, 0, 1, 1]);
        assert_eq!(y[3], 3.0);
        assert_eq!(y[5], 100.0);
    }

    #[test]
    fn imputed_values_do_not_feed_later_ones() {
        let mut x = [NAN, 2.0, NAN, 4.0];
        impute_column(Imputation::Mean, &mut x, &[0; 4]);
        assert_eq!(x, [3.0, 2.0, 3.0, 4.0]);
    }

    #[test]
    fn previous_is_not_an_edition_statistic() {
        let mut x = [NAN, 1.0];
        assert!(impute_column(Imputation::Previous, &mut x, &[0, 0]).is_empty());
        assert!(x[0].is_nan());
    }
}
