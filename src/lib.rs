//! # ictindex
//!
//! Composite ICT-readiness indices for provinces: from sub-scores (or raw
//! indicators) to pillar scores, a composite, ranks out of N, ranks within a
//! region, rank changes against an earlier edition, the report sentence people
//! read, and what-if editing.
//!
//! The modules follow the method in order:
//! [`parse`](Dataset) → [`framework`](Framework) → [`prepare()`] (screen,
//! denominate, impute, treat; COINr tables via [`Coinr`]) → [`normalise()`] →
//! [`aggregate()`] → [`rank()`] → [`score()`] (and comparison between editions)
//! → [`report()`] → [`whatif()`] → [`records()`] / [`to_csv`] / [`markdown`]
//! → analysis: [`uncertainty()`], [`sensitivity()`] / [`leave_one_out()`],
//! [`target()`] / [`gaps()`], [`explain()`].
//! Across the 2025 merger (63 provinces → 34 units), [`rebase()`] puts
//! old-map editions on the new map by the built-in [`Mapping`], and
//! [`breakdown()`] shows a former province inside its new one.
//! The core does no I/O beyond `io::Read` and knows nothing of wasm; the CLI
//! (`src/main.rs`) and the page's binding (`src/wasm.rs`) call the same functions.
//!
//! ```
//! use ictindex::{report, score, Dataset, Framework, Lang, Options};
//! let data = Dataset::from_str(
//!     "code,name,year,HTKT,HTNL,UD,SXKD,MT\n\
//!      01,Hà Nội,2015,0.70,0.65,0.65,0.51,1\n\
//!      26,Vĩnh Phúc,2015,0.21,0.49,0.25,0.19,1\n\
//!      01,Hà Nội,2016,0.70,0.65,0.65,0.51,1\n\
//!      26,Vĩnh Phúc,2016,0.80,0.49,0.25,0.19,1\n",
//! ).unwrap();
//! let scored = score(&data, &Framework::vn_ict(), &Options::default()).unwrap();
//! let text = report(&scored, Some(2016), "vinh phuc", Lang::En).unwrap();
//! assert!(text.starts_with("In 2016, Vĩnh Phúc ranked 2nd of 2, unchanged; technical infrastructure 1st, up 1 place;"));
//! ```
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)
)]
#![warn(missing_docs)]

mod aggregate;
pub mod analyse;
mod chart;
mod divide;
mod error;
mod export;
mod framework;
mod lang;
mod normalise;
mod parse;
mod prepare;
mod rank;
mod rebase;
mod report;
mod score;
#[cfg(test)]
mod testing;
mod whatif;

#[cfg(target_arch = "wasm32")]
pub mod wasm;

pub use aggregate::{aggregate, NonPositive};
pub use analyse::{
    explain, gaps, leave_one_out, sensitivity, target, uncertainty, CellError, Contribution, Explanation,
    FactorIndices, FactorInfo, GapRow, Gaps, Indices, LeaveOneOut, LeaveOut, Perturbation, RankInterval, Sensitivity,
    SensitivityConfig, SensitivityResult, TargetAnswer, TargetQuery, TargetStatus, Uncertainty, UncertaintyConfig,
    UncertaintyResult, UnitRank, ValueNoise, WeightLevel, WeightNoise, MAX_PILLARS,
};
pub use chart::{
    bump_svg, distribution_svg, map_svg, profile_svg, xml_escape, Chart, Fixed, MapValue, Tile, TileLayout,
};
pub use error::{Error, ErrorKind, Location, Result};
pub use export::{arrow, markdown, records, records_to_depth, scores_csv, to_csv, Cell, Depth, Record};
pub use framework::{parse_range, Aggregation, Direction, Framework, Method, Node, NodeSpec, Normalisation};
pub use lang::{fold, Lang};
pub use normalise::normalise;
pub use parse::{Dataset, Unit, MAX_PROBLEMS};
pub use prepare::{
    prepare, Coinr, Event, Flags, Imputation, LogEntry, LogLine, Plan, Prepared, Step, Table, TableRow, Treated,
    Treatment,
};
pub use rank::{rank, rank_within, round_to};
pub use rebase::{
    breakdown, rebase, Breakdown, EditionMap, Geography, Level, Mapping, Member, MemberPosition, MergedUnit, Province,
    Pull, RebaseOptions, Rebased, RebasedUnit, MERGER_YEAR, PROVINCES_2025_CSV, PROVINCES_CSV,
};
pub use report::{ordinal, report, ReportLine, UnitReport};
pub use score::{score, EditionScores, Options, Presence, Scored};
pub use whatif::{whatif, Delta, Edit, WhatIf};
