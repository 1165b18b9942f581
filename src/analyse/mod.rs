//! Analysis of a ranking (OECD/JRC Handbook, steps 7–8): how sure a rank is
//! ([`uncertainty()`]), what moves it ([`sensitivity()`]), what it would take
//! to climb ([`target()`]) and where a change came from ([`explain()`]).
//!
//! Every analysis runs on one edition of a [`crate::Scored`] and uses the
//! same scoring rules as [`crate::score()`]: leaves normalised within the
//! edition, weights renormalised over present children, ranks compared at
//! `options.precision` with standard competition ranking. Each submodule's
//! documentation writes out its method; everything is re-exported at the
//! crate root.

mod block;
pub mod explain;
mod model;
pub mod perturb;
mod random;
mod render;
pub mod sensitivity;
pub mod target;
pub mod uncertainty;

pub use explain::{explain, Contribution, Explanation, MAX_PILLARS};
pub use perturb::{CellError, FactorInfo, Perturbation, ValueNoise, WeightLevel, WeightNoise};
pub use sensitivity::{
    leave_one_out, sensitivity, FactorIndices, Indices, LeaveOneOut, LeaveOut, Sensitivity, SensitivityConfig,
    SensitivityResult, UnitRank,
};
pub use target::{gaps, target, GapRow, Gaps, TargetAnswer, TargetQuery, TargetStatus};
pub use uncertainty::{uncertainty, RankInterval, Uncertainty, UncertaintyConfig, UncertaintyResult};

/// `x` with `decimals` decimals, a decimal comma in Vietnamese, "−" for
/// negatives and (if `signed`) "+" for positives; no sign when it shows as 0.
pub(crate) fn number(x: f64, decimals: usize, lang: crate::Lang, signed: bool) -> String {
    let body = format!("{:.*}", decimals, x.abs());
    let zero = body.chars().all(|c| c == '0' || c == '.');
    let sign = match (zero, x < 0.0, signed) {
        (false, true, _) => "−",
        (false, false, true) => "+",
        _ => "",
    };
    format!("{sign}{}", lang.decimals(body))
}
