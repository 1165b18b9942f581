//! Outlier treatment of one indicator column: COINr's default rule
//! (winsorise while skewed and heavy-tailed, then fall back to a log
//! transform) or plain winsorising at percentiles.

use serde::{Deserialize, Serialize};

use super::stats::{kurtosis, quantile, skewness};
use crate::error::{Error, ErrorKind, Result};

/// How outliers of an indicator are treated.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum Treatment {
    /// Left as it is.
    None,
    /// COINr's default rule. While `|skewness| > skew` **and** `kurtosis > kurt`
    /// and fewer than `winmax` steps were taken, one step replaces the largest
    /// value (when skewness ≥ 0; all units tied at it) by the next largest, or
    /// the smallest (skewness < 0) by the next smallest. If the column still
    /// fails after `winmax` steps and `log` is set, the winsorising is undone
    /// and the original values are log-transformed instead:
    /// `ln(x − min x + 0.01·(max x − min x))` (COINr's `CTlog`).
    ///
    /// Skewness and kurtosis are COINr's (`e1071` type 2, Excel's SKEW and
    /// KURT, kurtosis in excess of 3); `winmax = None` is COINr's default of
    /// `ceiling(0.1·n)` for `n` units (51 units: 6).
    /// Steps are counted as in the COINr version that built the ASEM example
    /// (one step may winsorise several tied points). COINr ≥ 1.0 counts the
    /// points instead (the same when no extremes tie) and defaults to
    /// `winmax = 5`: write `coinr:5` for it.
    Coinr {
        /// Largest number of steps; `None`: `ceiling(0.1·n)`.
        winmax: Option<u32>,
        /// Threshold on absolute skewness (COINr: 2).
        skew: f64,
        /// Threshold on excess kurtosis (COINr: 3.5).
        kurt: f64,
        /// Fall back to the log transform when winsorising is not enough.
        log: bool,
    },
    /// Plain winsorising: values below the `lo` percentile are raised to it,
    /// values above the `hi` percentile lowered to it (percentiles in percent,
    /// R's default quantile definition, type 7).
    Percentile {
        /// Lower percentile, 0–100.
        lo: f64,
        /// Upper percentile, 0–100, above `lo`.
        hi: f64,
    },
}

impl Treatment {
    /// COINr's default: `winmax` = ceiling(10% of units), thresholds 2 and 3.5, log fallback.
    pub const COINR: Treatment = Treatment::Coinr {
        winmax: None,
        skew: 2.0,
        kurt: 3.5,
        log: true,
    };

    /// Reads a treatment: `none`; `coinr` (alias `default`), `coinr:WINMAX`,
    /// `coinr:WINMAX:SKEW:KURT`, optionally ending in `:nolog`; or
    /// `percentile:LO:HI` (alias `winsorise`) with percentiles in percent.
    ///
    /// ```
    /// use ictindex::Treatment;
    /// assert_eq!(Treatment::parse("coinr").unwrap(), Treatment::COINR);
    /// assert_eq!(
    ///     Treatment::parse("coinr:5:2.25:3.5:nolog").unwrap(),
    ///     Treatment::Coinr { winmax: Some(5), skew: 2.25, kurt: 3.5, log: false }
    /// );
    /// assert_eq!(Treatment::parse("percentile:5:95").unwrap(), Treatment::Percentile { lo: 5.0, hi: 95.0 });
    /// assert!(Treatment::parse("percentile:95:5").is_err());
    /// assert_eq!(Treatment::parse(" None ").unwrap(), Treatment::None);
    /// ```
    pub fn parse(text: &str) -> Result<Treatment> {
        let bad = || {
            Error::new(ErrorKind::InvalidField {
                field: "treat".into(),
                value: text.trim().into(),
            })
        };
        let lower = text.trim().to_ascii_lowercase();
        let mut parts: Vec<&str> = lower.split(':').map(str::trim).collect();
        let num = |s: Option<&&str>| -> Result<f64> {
            s.and_then(|s| s.parse::<f64>().ok())
                .filter(|v| v.is_finite())
                .ok_or_else(bad)
        };
        match parts.first().copied().unwrap_or("") {
            "none" if parts.len() == 1 => Ok(Treatment::None),
            "coinr" | "default" => {
                let log = if parts.last() == Some(&"nolog") {
                    parts.pop();
                    false
                } else {
                    true
                };
                let winmax = match parts.get(1) {
                    None | Some(&"") => None,
                    Some(w) => Some(w.parse::<u32>().map_err(|_| bad())?),
                };
                let (skew, kurt) = match parts.len() {
                    1 | 2 => (2.0, 3.5),
                    4 => (num(parts.get(2))?, num(parts.get(3))?),
                    _ => return Err(bad()),
                };
                if skew < 0.0 {
                    return Err(bad());
                }
                Ok(Treatment::Coinr {
                    winmax,
                    skew,
                    kurt,
                    log,
                })
            }
            "percentile" | "winsorise" | "winsorize" if parts.len() == 3 => {
                let lo = num(parts.get(1))?;
                let hi = num(parts.get(2))?;
                if !(0.0..=100.0).contains(&lo) || !(0.0..=100.0).contains(&hi) || lo >= hi {
                    return Err(bad());
                }
                Ok(Treatment::Percentile { lo, hi })
            }
            _ => Err(bad()),
        }
    }

    /// The text form read by [`Treatment::parse`].
    ///
    /// ```
    /// use ictindex::Treatment;
    /// for t in ["none", "coinr", "coinr:6", "coinr:5:2.25:3.5:nolog", "percentile:5:95"] {
    ///     assert_eq!(Treatment::parse(t).unwrap().text(), t);
    /// }
    /// ```
    pub fn text(&self) -> String {
        match *self {
            Treatment::None => "none".into(),
            Treatment::Coinr {
                winmax,
                skew,
                kurt,
                log,
            } => {
                let mut s = String::from("coinr");
                let default_thresholds = skew == 2.0 && kurt == 3.5;
                if winmax.is_some() || !default_thresholds || !log {
                    s.push(':');
                    if let Some(w) = winmax {
                        s.push_str(&w.to_string());
                    }
                }
                if !default_thresholds {
                    s.push_str(&format!(":{skew}:{kurt}"));
                }
                if !log {
                    s.push_str(":nolog");
                }
                s
            }
            Treatment::Percentile { lo, hi } => format!("percentile:{lo}:{hi}"),
        }
    }
}

/// What treating one column did.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Outcome {
    /// Nothing needed (or the treatment is `None`).
    Untouched,
    /// Points were winsorised (COINr rule: in `steps` steps; percentile: one step).
    Winsorised {
        /// Steps taken (COINr rule) or 1 (percentiles).
        steps: u32,
        /// True when the column still fails the thresholds.
        still_failing: bool,
        /// True when a further step would have left fewer than two distinct values.
        stopped: bool,
    },
    /// The column was log-transformed.
    Log,
    /// Too few values to judge (`n` present, at least 4 needed).
    TooFew(usize),
    /// The log transform was needed but the column has no spread.
    NoSpread,
}

/// The result of [`treat_column`]: the outcome, which positions were lowered
/// (`high`) or raised (`low`), and skewness/kurtosis before and after.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Report {
    pub outcome: Outcome,
    pub high: Vec<usize>,
    pub low: Vec<usize>,
    pub before: (f64, f64),
    pub after: (f64, f64),
}

/// COINr's default `winmax` for `n` units: `ceiling(n·0.1)` (R computes it in
/// floating point, which gives the same for every count of units up to 10⁶).
pub(crate) fn default_winmax(n: usize) -> u32 {
    n.div_ceil(10) as u32
}

fn present(x: &[f64]) -> Vec<f64> {
    x.iter().copied().filter(|v| !v.is_nan()).collect()
}

fn moments(x: &[f64]) -> (f64, f64) {
    let p = present(x);
    (skewness(&p), kurtosis(&p))
}

/// COINr's test: fails when `|skew| > t_skew` and `kurt > t_kurt`.
fn fails((s, k): (f64, f64), t_skew: f64, t_kurt: f64) -> bool {
    s.abs() > t_skew && k > t_kurt
}

/// Treats column `x` (`NaN` = missing) in place by `t`; `n_units` sets the
/// default `winmax`.
pub(crate) fn treat_column(t: &Treatment, x: &mut [f64], n_units: usize) -> Report {
    let before = moments(x);
    let mut out = Report {
        outcome: Outcome::Untouched,
        high: Vec::new(),
        low: Vec::new(),
        before,
        after: before,
    };
    let n = x.iter().filter(|v| !v.is_nan()).count();
    match *t {
        Treatment::None => {}
        Treatment::Coinr { .. } | Treatment::Percentile { .. } if n < 4 => out.outcome = Outcome::TooFew(n),
        Treatment::Coinr {
            winmax,
            skew,
            kurt,
            log,
        } => {
            if !fails(before, skew, kurt) {
                return out;
            }
            let winmax = winmax.unwrap_or_else(|| default_winmax(n_units));
            let original = x.to_vec();
            let mut now = before;
            let mut steps = 0u32;
            let mut stopped = false;
            while fails(now, skew, kurt) && steps < winmax {
                if !winsorise_step(x, now.0 >= 0.0) {
                    stopped = true;
                    break;
                }
                steps += 1;
                now = moments(x);
            }
            let still_failing = fails(now, skew, kurt);
            if steps >= winmax && still_failing && log {
                x.copy_from_slice(&original);
                if log_ct(x) {
                    out.outcome = Outcome::Log;
                } else {
                    out.outcome = Outcome::NoSpread;
                }
            } else {
                out.outcome = Outcome::Winsorised {
                    steps,
                    still_failing,
                    stopped,
                };
                mark(&original, x, &mut out);
            }
        }
        Treatment::Percentile { lo, hi } => {
            let mut sorted = present(x);
            sorted.sort_unstable_by(f64::total_cmp);
            let (qlo, qhi) = (quantile(&sorted, lo / 100.0), quantile(&sorted, hi / 100.0));
            let original = x.to_vec();
            for v in x.iter_mut().filter(|v| !v.is_nan()) {
                *v = v.clamp(qlo, qhi);
            }
            mark(&original, x, &mut out);
            out.outcome = Outcome::Winsorised {
                steps: 1,
                still_failing: false,
                stopped: false,
            };
        }
    }
    out.after = moments(x);
    out
}

/// Records which points went down (`high`) or up (`low`).
fn mark(original: &[f64], x: &[f64], out: &mut Report) {
    for (i, (a, b)) in original.iter().zip(x.iter()).enumerate() {
        if b < a {
            out.high.push(i);
        } else if b > a {
            out.low.push(i);
        }
    }
}

/// One winsorising step at the top (`high`) or bottom: every point at the
/// extreme takes the next value inward. False (and nothing changed) when that
/// would leave fewer than two distinct values.
fn winsorise_step(x: &mut [f64], high: bool) -> bool {
    let better = |a: f64, b: f64| if high { a > b } else { a < b };
    let mut extreme = f64::NAN;
    for &v in x.iter().filter(|v| !v.is_nan()) {
        if extreme.is_nan() || better(v, extreme) {
            extreme = v;
        }
    }
    let mut next = f64::NAN;
    let mut third = f64::NAN;
    for &v in x.iter().filter(|v| !v.is_nan() && **v != extreme) {
        if next.is_nan() || better(v, next) {
            next = v;
        }
    }
    for &v in x.iter().filter(|v| !v.is_nan() && **v != extreme && **v != next) {
        if third.is_nan() || better(v, third) {
            third = v;
        }
    }
    if next.is_nan() || third.is_nan() {
        return false;
    }
    for v in x.iter_mut().filter(|v| **v == extreme) {
        *v = next;
    }
    true
}

/// COINr's `CTlog`: `ln(x − min + 0.01·(max − min))`. False (nothing changed)
/// when the column has no spread.
fn log_ct(x: &mut [f64]) -> bool {
    let p = present(x);
    let min = p.iter().copied().fold(f64::INFINITY, f64::min);
    let max = p.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let a = 0.01 * (max - min);
    if a.is_nan() || a <= 0.0 {
        return false;
    }
    for v in x.iter_mut().filter(|v| !v.is_nan()) {
        *v = libm::log(*v - min + a);
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAN: f64 = f64::NAN;

    fn coinr(winmax: u32) -> Treatment {
        Treatment::Coinr {
            winmax: Some(winmax),
            skew: 2.0,
            kurt: 3.5,
            log: true,
        }
    }

    /// 1..=20 and one far outlier: one step brings it in.
    fn one_outlier() -> Vec<f64> {
        let mut x: Vec<f64> = (1..=20).map(f64::from).collect();
        x.push(1000.0);
        x
    }

    #[test]
    fn one_high_outlier_is_winsorised_to_the_next_value() {
        let mut x = one_outlier();
        let t = treat_column(&coinr(5), &mut x, 21);
        assert_eq!(
            t.outcome,
            Outcome::Winsorised {
                steps: 1,
                still_failing: false,
                stopped: false
            }
        );
        assert_eq!(t.high, [20]);
        assert!(t.low.is_empty());
        assert_eq!(x[20], 20.0);
        assert!(t.before.0 > 2.0 && t.after.0 < 2.0);
    }

    #[test]
    fn low_outlier_and_missing_values() {
        let mut x: Vec<f64> = one_outlier().iter().map(|v| -v).collect();
        x.insert(3, NAN);
        let t = treat_column(&coinr(5), &mut x, 22);
        assert_eq!(t.low, [21]);
        assert_eq!(x[21], -20.0);
        assert!(x[3].is_nan());
    }

    #[test]
    fn passing_column_is_untouched() {
        let mut x: Vec<f64> = (1..=20).map(f64::from).collect();
        let t = treat_column(&Treatment::COINR, &mut x, 20);
        assert_eq!(t.outcome, Outcome::Untouched);
        assert_eq!(x, (1..=20).map(f64::from).collect::<Vec<_>>());
    }

    #[test]
    fn exceeding_winmax_falls_back_to_log_of_the_original() {
        // Geometric growth: winsorising one point at a time never ends the skew.
        let x0: Vec<f64> = (0..30).map(|i| 1.5f64.powi(i)).collect();
        let mut x = x0.clone();
        let t = treat_column(&coinr(1), &mut x, 30);
        assert_eq!(t.outcome, Outcome::Log);
        let (min, max) = (1.0, 1.5f64.powi(29));
        let a = 0.01 * (max - min);
        for (v, o) in x.iter().zip(&x0) {
            assert_eq!(*v, libm::log(o - min + a));
        }
        // Without the fallback, the winsorised column stays, still failing.
        let mut y = x0.clone();
        let nolog = Treatment::Coinr {
            winmax: Some(1),
            skew: 2.0,
            kurt: 3.5,
            log: false,
        };
        let t = treat_column(&nolog, &mut y, 30);
        assert_eq!(
            t.outcome,
            Outcome::Winsorised {
                steps: 1,
                still_failing: true,
                stopped: false
            }
        );
        assert_eq!(y[29], x0[28]);
    }

    #[test]
    fn tied_extremes_move_together_in_one_step() {
        let mut x: Vec<f64> = (1..=30).map(f64::from).collect();
        x.push(1000.0);
        x.push(1000.0);
        let t = treat_column(&coinr(5), &mut x, 32);
        assert_eq!(t.high, [30, 31]);
        assert!(matches!(t.outcome, Outcome::Winsorised { steps: 1, .. }));
        assert_eq!(x[30], 30.0);
    }

    #[test]
    fn default_winmax_is_computed_like_r() {
        assert_eq!(default_winmax(51), 6);
        assert_eq!(default_winmax(50), 5);
        assert_eq!(default_winmax(30), 3);
        assert_eq!(default_winmax(0), 0);
        assert_eq!(default_winmax(63), 7);
    }

    #[test]
    fn too_few_values() {
        let mut x = [1.0, 2.0, 100.0, NAN];
        let t = treat_column(&Treatment::COINR, &mut x, 4);
        assert_eq!(t.outcome, Outcome::TooFew(3));
    }

    #[test]
    fn winsorising_stops_before_two_values_remain() {
        // 0 ×38, 1, 100: the first step lowers 100 to 1; a second would leave only 0s.
        let mut x = [0.0; 40];
        x[0] = 1.0;
        x[1] = 100.0;
        let t = treat_column(&coinr(5), &mut x, 40);
        assert_eq!(
            t.outcome,
            Outcome::Winsorised {
                steps: 1,
                still_failing: true,
                stopped: true
            }
        );
        assert_eq!(x[1], 1.0);
        assert_eq!(x[0], 1.0);
    }

    #[test]
    fn percentiles_clip_both_ends() {
        let mut x: Vec<f64> = (0..=100).map(f64::from).collect();
        let t = treat_column(&Treatment::Percentile { lo: 5.0, hi: 95.0 }, &mut x, 101);
        assert_eq!(x[0], 5.0);
        assert_eq!(x[100], 95.0);
        assert_eq!(t.low, [0, 1, 2, 3, 4]);
        assert_eq!(t.high, [96, 97, 98, 99, 100]);
    }
}
