//! Analysis of a ranking (OECD/JRC Handbook, steps 7–8): how sure a rank is
//! ([`uncertainty()`]), what moves it ([`sensitivity()`]), what it would take
//! to climb ([`target()`]) and where a change came from ([`explain()`]).
//!
//! Every analysis runs on one edition of a [`crate::Scored`] and uses the
//! same scoring rules as [`crate::score()`]: leaves normalised within the
//! edition, weights renormalised over present children, ranks compared at
//! `options.precision` with standard competition ranking.

mod model;
mod perturb;
mod random;
mod uncertainty;

pub use perturb::{CellError, FactorInfo, Perturbation, ValueNoise, WeightLevel, WeightNoise};
pub use uncertainty::{uncertainty, RankInterval, Uncertainty, UncertaintyConfig, UncertaintyResult};
