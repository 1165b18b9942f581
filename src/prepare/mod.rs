//! Data preparation before scoring, to the standard of COINr (the R package
//! of the EU's composite-indicator centre): screen units by data
//! availability, denominate, impute missing values, treat outliers.
//!
//! Steps run edition by edition, in this order, each optional:
//!
//! 1. **screen** ([`Plan::screen`]): drop units whose share of indicators
//!    present is below a threshold;
//! 2. **denominate** ([`Plan::denominate`], on by default): divide each leaf
//!    that names a [`denominator`](crate::NodeSpec::denominator) column by it;
//! 3. **impute** ([`Plan::impute`]): fill missing values ([`Imputation`]);
//!    imputed cells are flagged ([`Flags::imputed`]);
//! 4. **treat** (a leaf's own [`treat`](crate::NodeSpec::treat), else
//!    [`Plan::treat`]): outliers ([`Treatment`]); treated cells are flagged.
//!
//! Normalising to a range (0–100 as COINr does, 0–1 as the ICT Index does) is
//! the framework's [`range`](crate::Framework::range), applied by
//! [`score()`](crate::score()). Every step logs what it did ([`LogEntry`]),
//! in Vietnamese or English. [`Coinr`] reads COINr's own `iData`/`iMeta`
//! tables.
//!
//! ```
//! use ictindex::{prepare, Dataset, Framework, Imputation, Lang, Plan};
//! let f = Framework::from_str("code,parent,denominator\nI,,\nA,I,pop\nB,I,\n").unwrap();
//! let d = Dataset::from_str("code,group,pop,A,B\nx,N,10,50,1\ny,N,20,80,\nz,S,5,5,3\n").unwrap();
//! let plan = Plan { impute: Some(Imputation::GroupMean), ..Plan::default() };
//! let p = prepare(&d, &f, &plan).unwrap();
//! assert_eq!(p.data().indicators(), ["A", "B"]);
//! assert_eq!(p.data().value(1, 0), Some(4.0)); // 80 / 20
//! assert_eq!(p.data().value(1, 1), Some(1.0)); // mean of group N
//! assert!(p.flags(1, 1).imputed);
//! assert_eq!(
//!     p.log()[1].message(Lang::En),
//!     "impute: unit y, indicator B: imputed 1 (mean of 1 unit in group N)"
//! );
//! ```

use std::collections::HashMap;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind, Result};
use crate::framework::Framework;
use crate::lang::Lang;
use crate::parse::Dataset;
use crate::score::is_output_column;

mod coinr;
mod denominate;
mod impute;
mod screen;
mod stats;
mod treat;

pub use coinr::Coinr;
pub use impute::Imputation;
pub use treat::Treatment;

use treat::{default_winmax, treat_column, Outcome};

/// Which preparation steps run, beyond those the framework declares
/// (denominators and per-leaf treatments). Deserialises from JSON with
/// camelCase names and defaults for absent fields (for the page).
///
/// ```
/// use ictindex::{Imputation, Plan, Treatment};
/// let p = Plan { screen: Some(0.9), impute: Some(Imputation::GroupMean), treat: Some(Treatment::COINR), ..Plan::default() };
/// assert!(p.denominate);
/// assert!(p.validate().is_ok());
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Plan {
    /// Drop units with less than this share (0–1) of their indicators present.
    pub screen: Option<f64>,
    /// Divide leaves by the denominators the framework names. Default `true`.
    pub denominate: bool,
    /// Fill missing values by this method.
    pub impute: Option<Imputation>,
    /// Treatment of leaves that declare none of their own.
    pub treat: Option<Treatment>,
}

impl Default for Plan {
    fn default() -> Self {
        Plan {
            screen: None,
            denominate: true,
            impute: None,
            treat: None,
        }
    }
}

impl Plan {
    /// Checks the settings' ranges (a screening share in [0, 1]).
    ///
    /// ```
    /// use ictindex::Plan;
    /// assert!(Plan { screen: Some(1.5), ..Plan::default() }.validate().is_err());
    /// ```
    pub fn validate(&self) -> Result<()> {
        if let Some(s) = self.screen {
            if !(0.0..=1.0).contains(&s) {
                return Err(Error::new(ErrorKind::InvalidOption {
                    name: "screen".into(),
                    value: s.to_string(),
                }));
            }
        }
        Ok(())
    }

    /// Whether preparing `framework`'s data by this plan can change anything
    /// (false: the data can be scored as it is).
    ///
    /// ```
    /// use ictindex::{Framework, Plan};
    /// assert!(!Plan::default().needed(&Framework::vn_ict()));
    /// let f = Framework::from_str("code,parent,denominator\nI,,\nA,I,pop\n").unwrap();
    /// assert!(Plan::default().needed(&f));
    /// ```
    pub fn needed(&self, framework: &Framework) -> bool {
        let declared = framework
            .leaves()
            .iter()
            .filter_map(|&l| framework.nodes().get(l))
            .any(|n| {
                (self.denominate && n.spec.denominator.is_some()) || n.spec.treat.is_some_and(|t| t != Treatment::None)
            });
        declared || self.screen.is_some() || self.impute.is_some() || self.treat.is_some_and(|t| t != Treatment::None)
    }
}

/// The preparation step a [`LogEntry`] belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Step {
    /// Screening units by data availability.
    Screen,
    /// Division by a denominator.
    Denominate,
    /// Imputation of missing values.
    Impute,
    /// Outlier treatment.
    Treat,
}

impl Step {
    /// The step's name in `lang`.
    ///
    /// ```
    /// use ictindex::{Lang, Step};
    /// assert_eq!(Step::Impute.name(Lang::Vi), "điền giá trị thiếu");
    /// ```
    pub fn name(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Step::Screen, Lang::Vi) => "sàng lọc",
            (Step::Screen, Lang::En) => "screen",
            (Step::Denominate, Lang::Vi) => "chia mẫu số",
            (Step::Denominate, Lang::En) => "denominate",
            (Step::Impute, Lang::Vi) => "điền giá trị thiếu",
            (Step::Impute, Lang::En) => "impute",
            (Step::Treat, Lang::Vi) => "xử lý ngoại lai",
            (Step::Treat, Lang::En) => "treat",
        }
    }
}

/// What a preparation step did, with the data to say it in any language.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum Event {
    /// The unit was dropped: too few indicators present.
    #[serde(rename_all = "camelCase")]
    Dropped {
        /// Indicators present.
        present: u32,
        /// Indicators in the framework.
        total: u32,
        /// The threshold share.
        min_share: f64,
    },
    /// The indicator was divided by its denominator.
    Denominated {
        /// The denominator column.
        denominator: String,
        /// How many values were divided.
        cells: u32,
    },
    /// A value became missing: its denominator is missing or zero.
    NoDenominator {
        /// The denominator column.
        denominator: String,
    },
    /// A missing value was imputed.
    Imputed {
        /// The method.
        method: Imputation,
        /// The value imputed.
        value: f64,
        /// How many values the statistic was taken over (1 for `previous`).
        donors: u32,
        /// The unit's group, for group methods.
        group: Option<String>,
        /// The edition the value was carried from, for `previous`.
        from: Option<i64>,
    },
    /// A missing value could not be imputed: nothing to impute from.
    NotImputed {
        /// The method.
        method: Imputation,
    },
    /// Points were winsorised by COINr's rule.
    #[serde(rename_all = "camelCase")]
    Winsorised {
        /// Steps taken.
        steps: u32,
        /// Units whose value was lowered (high outliers).
        high: Vec<String>,
        /// Units whose value was raised (low outliers).
        low: Vec<String>,
        /// Skewness and kurtosis before.
        before: (f64, f64),
        /// Skewness and kurtosis after.
        after: (f64, f64),
        /// The column still exceeds the thresholds (`winmax` reached, no log fallback).
        still_failing: bool,
        /// Stopped early: one more step would leave fewer than two distinct values.
        stopped: bool,
    },
    /// Points were clipped to percentiles.
    Clipped {
        /// Lower percentile.
        lo: f64,
        /// Upper percentile.
        hi: f64,
        /// Units whose value was lowered.
        high: Vec<String>,
        /// Units whose value was raised.
        low: Vec<String>,
    },
    /// Winsorising was not enough: the original values were log-transformed.
    LogTransformed {
        /// The step limit that was reached.
        winmax: u32,
        /// Skewness and kurtosis before.
        before: (f64, f64),
        /// Skewness and kurtosis after.
        after: (f64, f64),
    },
    /// Not treated: fewer than 4 values present.
    TooFew {
        /// Values present.
        present: u32,
    },
    /// Not treated: the log transform needs values that differ.
    NoSpread,
}

/// One thing a preparation step did, and where.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LogEntry {
    /// The step.
    pub step: Step,
    /// The edition.
    pub year: Option<i64>,
    /// The unit's code, for per-unit events.
    pub unit: Option<String>,
    /// The indicator, for per-indicator events.
    pub indicator: Option<String>,
    /// What was done.
    pub event: Event,
}

/// `n` with the English noun in singular or plural.
fn count(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

fn list(units: &[String]) -> String {
    units.join(", ")
}

fn num(x: f64) -> String {
    let s = format!("{x:.2}");
    if s == "-0.00" {
        "0.00".into()
    } else {
        s
    }
}

impl LogEntry {
    /// The entry as a sentence in `lang`: step, place, then what was done.
    ///
    /// ```
    /// use ictindex::{Event, Lang, LogEntry, Step};
    /// let e = LogEntry {
    ///     step: Step::Screen,
    ///     year: Some(2018),
    ///     unit: Some("LAO".into()),
    ///     indicator: None,
    ///     event: Event::Dropped { present: 40, total: 49, min_share: 0.9 },
    /// };
    /// assert_eq!(e.message(Lang::En), "screen: 2018, unit LAO: dropped, 40 of 49 indicators present, below 90%");
    /// assert_eq!(e.message(Lang::Vi), "sàng lọc: 2018, đơn vị LAO: bị loại, có 40/49 chỉ tiêu, dưới 90%");
    /// ```
    pub fn message(&self, lang: Lang) -> String {
        let vi = lang == Lang::Vi;
        let mut place: Vec<String> = Vec::new();
        if let Some(y) = self.year {
            place.push(y.to_string());
        }
        if let Some(u) = &self.unit {
            place.push(if vi {
                format!("đơn vị {u}")
            } else {
                format!("unit {u}")
            });
        }
        if let Some(i) = &self.indicator {
            place.push(if vi {
                format!("chỉ tiêu {i}")
            } else {
                format!("indicator {i}")
            });
        }
        let what = self.what(vi);
        let step = self.step.name(lang);
        if place.is_empty() {
            format!("{step}: {what}")
        } else {
            format!("{step}: {}: {what}", place.join(", "))
        }
    }

    fn what(&self, vi: bool) -> String {
        use Event as E;
        match &self.event {
            E::Dropped {
                present,
                total,
                min_share,
            } => {
                let pct = min_share * 100.0;
                if vi {
                    format!("bị loại, có {present}/{total} chỉ tiêu, dưới {pct}%")
                } else {
                    format!("dropped, {present} of {total} indicators present, below {pct}%")
                }
            }
            E::Denominated { denominator, cells } if vi => format!("chia cho {denominator} ({cells} giá trị)"),
            E::Denominated { denominator, cells } => {
                format!(
                    "divided by {denominator} ({})",
                    count(*cells as usize, "value", "values")
                )
            }
            E::NoDenominator { denominator } if vi => {
                format!("mẫu số {denominator} trống hoặc bằng 0: giá trị để trống")
            }
            E::NoDenominator { denominator } => {
                format!("denominator {denominator} missing or zero: value left missing")
            }
            E::Imputed {
                method,
                value,
                donors,
                group,
                from,
            } => {
                let stat = match (method, vi) {
                    (Imputation::Mean | Imputation::GroupMean, true) => "trung bình",
                    (Imputation::Mean | Imputation::GroupMean, false) => "mean",
                    (_, true) => "trung vị",
                    (_, false) => "median",
                };
                match (from, group, vi) {
                    (Some(y), _, true) => format!("điền {value}: giá trị của đơn vị năm {y}"),
                    (Some(y), _, false) => format!("imputed {value}: the unit's value in {y}"),
                    (None, Some(g), true) => format!("điền {value} ({stat} của {donors} đơn vị nhóm {g})"),
                    (None, Some(g), false) => {
                        format!(
                            "imputed {value} ({stat} of {} in group {g})",
                            count(*donors as usize, "unit", "units")
                        )
                    }
                    (None, None, true) => format!("điền {value} ({stat} của {donors} đơn vị)"),
                    (None, None, false) => format!(
                        "imputed {value} ({stat} of {})",
                        count(*donors as usize, "unit", "units")
                    ),
                }
            }
            E::NotImputed { method } if vi => {
                format!("không điền được ({}): không có giá trị để dựa vào", method.name())
            }
            E::NotImputed { method } => format!("not imputed ({}): no value to impute from", method.name()),
            E::Winsorised {
                steps,
                high,
                low,
                before,
                after,
                still_failing,
                stopped,
            } => {
                let n = high.len() + low.len();
                let mut s = if vi {
                    format!("winsorize {n} điểm trong {steps} bước")
                } else {
                    format!(
                        "winsorised {} in {}",
                        count(n, "point", "points"),
                        count(*steps as usize, "step", "steps")
                    )
                };
                let mut moved = Vec::new();
                if !high.is_empty() {
                    moved.push(format!("{} {}", if vi { "hạ:" } else { "lowered:" }, list(high)));
                }
                if !low.is_empty() {
                    moved.push(format!("{} {}", if vi { "nâng:" } else { "raised:" }, list(low)));
                }
                if !moved.is_empty() {
                    let _ = write!(s, " ({})", moved.join("; "));
                }
                let _ = if vi {
                    write!(
                        s,
                        "; độ lệch {} → {}, độ nhọn {} → {}",
                        num(before.0),
                        num(after.0),
                        num(before.1),
                        num(after.1)
                    )
                } else {
                    write!(
                        s,
                        "; skewness {} → {}, kurtosis {} → {}",
                        num(before.0),
                        num(after.0),
                        num(before.1),
                        num(after.1)
                    )
                };
                if *stopped {
                    s.push_str(if vi {
                        "; dừng: thêm một bước sẽ chỉ còn một giá trị"
                    } else {
                        "; stopped: one more step would leave a single value"
                    });
                }
                if *still_failing {
                    s.push_str(if vi {
                        "; vẫn vượt ngưỡng"
                    } else {
                        "; still beyond the thresholds"
                    });
                }
                s
            }
            E::Clipped { lo, hi, high, low } => {
                let n = high.len() + low.len();
                let mut moved = Vec::new();
                if !high.is_empty() {
                    moved.push(format!("{} {}", if vi { "hạ:" } else { "lowered:" }, list(high)));
                }
                if !low.is_empty() {
                    moved.push(format!("{} {}", if vi { "nâng:" } else { "raised:" }, list(low)));
                }
                if vi {
                    format!("kẹp {n} điểm vào khoảng phân vị {lo}–{hi} ({})", moved.join("; "))
                } else {
                    format!(
                        "clipped {} to the {lo}–{hi} percentiles ({})",
                        count(n, "point", "points"),
                        moved.join("; ")
                    )
                }
            }
            E::LogTransformed { winmax, before, after } if vi => format!(
                "lấy logarit (vẫn vượt ngưỡng sau {winmax} bước winsorize); độ lệch {} → {}, độ nhọn {} → {}",
                num(before.0),
                num(after.0),
                num(before.1),
                num(after.1)
            ),
            E::LogTransformed { winmax, before, after } => format!(
                "log-transformed (still beyond the thresholds after {}); skewness {} → {}, kurtosis {} → {}",
                count(*winmax as usize, "winsorising step", "winsorising steps"),
                num(before.0),
                num(after.0),
                num(before.1),
                num(after.1)
            ),
            E::TooFew { present } if vi => format!("không xử lý: chỉ có {present} giá trị, cần ít nhất 4"),
            E::TooFew { present } => format!("not treated: {present} values, at least 4 needed"),
            E::NoSpread if vi => "không xử lý: các giá trị bằng nhau, không lấy logarit được".into(),
            E::NoSpread => "not treated: all values equal, no log transform possible".into(),
        }
    }
}

/// How a cell was treated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Treated {
    /// Winsorised or clipped from above (the value was lowered).
    High,
    /// Winsorised or clipped from below (the value was raised).
    Low,
    /// Log-transformed (with the rest of its column).
    Log,
}

/// What preparation did to one cell.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Flags {
    /// The value was missing and has been imputed.
    pub imputed: bool,
    /// The value was treated as an outlier.
    pub treated: Option<Treated>,
}

impl Flags {
    /// The flags as text: `imputed`, `high`, `low`, `log`, joined by `+`; empty for none.
    ///
    /// ```
    /// use ictindex::{Flags, Treated};
    /// assert_eq!(Flags { imputed: true, treated: Some(Treated::High) }.text(), "imputed+high");
    /// assert_eq!(Flags::default().text(), "");
    /// ```
    pub fn text(&self) -> String {
        let t = match self.treated {
            Some(Treated::High) => Some("high"),
            Some(Treated::Low) => Some("low"),
            Some(Treated::Log) => Some("log"),
            None => None,
        };
        let parts: Vec<&str> = self.imputed.then_some("imputed").into_iter().chain(t).collect();
        parts.join("+")
    }
}

/// Prepared data: leaves only (denominators and other columns dropped), the
/// units kept, per-cell [`Flags`] and the log.
///
/// ```
/// use ictindex::{prepare, Dataset, Framework, Imputation, Plan, Step, Treated, Treatment};
/// let f = Framework::from_str("code,parent\nI,\nA,I\n").unwrap();
/// let mut csv = String::from("code,A\n");
/// for i in 1..=20 { csv.push_str(&format!("u{i},{i}\n")); }
/// csv.push_str("gap,\nbig,1000\n");
/// let d = Dataset::from_str(&csv).unwrap();
/// let plan = Plan { impute: Some(Imputation::Median), treat: Some(Treatment::COINR), ..Plan::default() };
/// let p = prepare(&d, &f, &plan).unwrap();
/// assert_eq!(p.data().value(20, 0), Some(11.0)); // the median of 1..=20 and 1000
/// assert!(p.flags(20, 0).imputed);
/// assert_eq!(p.flags(21, 0).treated, Some(Treated::High));
/// let steps: Vec<Step> = p.log().iter().map(|e| e.step).collect();
/// assert_eq!(steps, [Step::Impute, Step::Treat]);
/// assert_eq!(p.into_data().units().len(), 22);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Prepared {
    data: Dataset,
    /// `flags[indicator][row]`.
    flags: Vec<Vec<Flags>>,
    log: Vec<LogEntry>,
}

/// A prepared table as plain data (for JSON and the page).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Table {
    /// Indicator codes, the order of every row's `values` and `flags`.
    pub indicators: Vec<String>,
    /// One row per unit kept.
    pub rows: Vec<TableRow>,
    /// The log, with each entry's message.
    pub log: Vec<LogLine>,
}

/// One unit of a [`Table`].
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TableRow {
    /// Unit code.
    pub code: String,
    /// Unit name.
    pub name: String,
    /// Edition.
    pub year: Option<i64>,
    /// Group.
    pub group: Option<String>,
    /// Prepared values (`None`: missing).
    pub values: Vec<Option<f64>>,
    /// What preparation did to each value.
    pub flags: Vec<Flags>,
}

/// A [`LogEntry`] with its message.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LogLine {
    /// The entry.
    #[serde(flatten)]
    pub entry: LogEntry,
    /// [`LogEntry::message`] in the table's language.
    pub message: String,
}

impl Prepared {
    /// The prepared data, ready for [`score()`](crate::score()).
    pub fn data(&self) -> &Dataset {
        &self.data
    }

    /// The prepared data, by value.
    pub fn into_data(self) -> Dataset {
        self.data
    }

    /// Everything the steps did, in order.
    pub fn log(&self) -> &[LogEntry] {
        &self.log
    }

    /// What preparation did to the value of `row` on indicator `col` (of [`Prepared::data`]).
    pub fn flags(&self, row: usize, col: usize) -> Flags {
        self.flags
            .get(col)
            .and_then(|c| c.get(row))
            .copied()
            .unwrap_or_default()
    }

    /// The prepared data as plain rows, with the log's messages in `lang`.
    ///
    /// ```
    /// use ictindex::{prepare, Dataset, Framework, Imputation, Lang, Plan};
    /// let f = Framework::from_str("code,parent\nI,\nA,I\n").unwrap();
    /// let d = Dataset::from_str("code,A\nx,1\ny,\nz,3\n").unwrap();
    /// let p = prepare(&d, &f, &Plan { impute: Some(Imputation::Mean), ..Plan::default() }).unwrap();
    /// let t = p.table(Lang::En);
    /// assert_eq!(t.rows[1].values, [Some(2.0)]);
    /// assert!(t.rows[1].flags[0].imputed);
    /// assert_eq!(t.log[0].message, "impute: unit y, indicator A: imputed 2 (mean of 2 units)");
    /// ```
    pub fn table(&self, lang: Lang) -> Table {
        let d = &self.data;
        let rows = d
            .units()
            .iter()
            .enumerate()
            .map(|(r, u)| TableRow {
                code: u.code.clone(),
                name: u.name.clone(),
                year: u.year,
                group: u.group.clone(),
                values: (0..d.indicators().len()).map(|c| d.value(r, c)).collect(),
                flags: (0..d.indicators().len()).map(|c| self.flags(r, c)).collect(),
            })
            .collect();
        Table {
            indicators: d.indicators().to_vec(),
            rows,
            log: self
                .log
                .iter()
                .map(|e| LogLine {
                    entry: e.clone(),
                    message: e.message(lang),
                })
                .collect(),
        }
    }

    /// The prepared data as CSV: `code,name,year,group`, the indicators, then
    /// `flags` (`indicator:flags` pairs separated by spaces, e.g.
    /// `Elec:imputed Gas:imputed+high`). Numbers are written in shortest
    /// round-trip form, so the file reads back (as data) to the same values.
    /// With `excel`, as [`to_csv`](crate::to_csv): a UTF-8 BOM first, and a
    /// `'` before text cells a spreadsheet would take for a formula.
    ///
    /// ```
    /// use ictindex::{prepare, Dataset, Framework, Imputation, Plan};
    /// let f = Framework::from_str("code,parent\nI,\nA,I\n").unwrap();
    /// let d = Dataset::from_str("code,A\nx,1\ny,\nz,3\n").unwrap();
    /// let p = prepare(&d, &f, &Plan { impute: Some(Imputation::Mean), ..Plan::default() }).unwrap();
    /// let csv = p.to_csv(false).unwrap();
    /// assert_eq!(csv, "code,name,year,group,A,flags\nx,x,,,1,\ny,y,,,2,A:imputed\nz,z,,,3,\n");
    /// assert_eq!(&Dataset::from_str(&csv).unwrap().value(1, 0), &Some(2.0));
    ///
    /// let d = Dataset::from_str("code,name,A\nx,=HYPERLINK(1),-1\ny,@SUM(2),3\n").unwrap();
    /// let p = prepare(&d, &f, &Plan::default()).unwrap();
    /// let csv = p.to_csv(true).unwrap();
    /// assert_eq!(csv, "\u{feff}code,name,year,group,A,flags\nx,'=HYPERLINK(1),,,-1,\ny,'@SUM(2),,,3,\n");
    /// ```
    pub fn to_csv(&self, excel: bool) -> Result<String> {
        let d = &self.data;
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(Vec::new());
        let io = |e: csv::Error| Error::new(ErrorKind::Io(e.to_string()));
        let mut header: Vec<String> = ["code", "name", "year", "group"].map(String::from).to_vec();
        header.extend(d.indicators().iter().cloned());
        header.push("flags".into());
        w.write_record(&header).map_err(io)?;
        for (r, u) in d.units().iter().enumerate() {
            let text = |s: &str| crate::export::spreadsheet_text(s, excel).into_owned();
            let mut rec = vec![
                text(&u.code),
                text(&u.name),
                u.year.map(|y| y.to_string()).unwrap_or_default(),
                u.group.as_deref().map(text).unwrap_or_default(),
            ];
            let mut flags = Vec::new();
            for (c, code) in d.indicators().iter().enumerate() {
                rec.push(d.value(r, c).map(|v| v.to_string()).unwrap_or_default());
                let f = self.flags(r, c);
                if f != Flags::default() {
                    flags.push(format!("{code}:{}", f.text()));
                }
            }
            rec.push(flags.join(" "));
            w.write_record(&rec).map_err(io)?;
        }
        let bytes = w.into_inner().map_err(|e| Error::new(ErrorKind::Io(e.to_string())))?;
        let body = String::from_utf8(bytes).map_err(|_| Error::new(ErrorKind::Utf8))?;
        Ok(if excel { format!("\u{feff}{body}") } else { body })
    }
}

/// A framework leaf bound to its data column, denominator and treatment.
struct Leaf {
    code: String,
    column: usize,
    denominator: Option<(usize, String)>,
    treat: Option<Treatment>,
}

/// Binds leaves to data columns. Every data column must be a framework node,
/// a denominator some leaf names, or a column ictindex writes itself.
fn bind(data: &Dataset, framework: &Framework, plan: &Plan) -> Result<Vec<Leaf>> {
    let leaf_nodes: Vec<&crate::framework::Node> = framework
        .leaves()
        .iter()
        .filter_map(|&l| framework.nodes().get(l))
        .collect();
    let denominators: Vec<&str> = leaf_nodes
        .iter()
        .filter_map(|n| n.spec.denominator.as_deref())
        .collect();
    for (c, code) in data.indicators().iter().enumerate() {
        let known = framework.nodes().iter().any(|n| n.code().eq_ignore_ascii_case(code))
            || denominators.iter().any(|d| d.eq_ignore_ascii_case(code))
            || is_output_column(framework, code);
        if !known {
            let col = data.column_number(c).unwrap_or(0);
            return Err(Error::new(ErrorKind::UnknownColumn(code.clone()))
                .at_line(1)
                .at_column(col, Some(code)));
        }
    }
    let mut leaves = Vec::with_capacity(leaf_nodes.len());
    for n in leaf_nodes {
        let code = n.code();
        let column = data.indicator_index(code).ok_or_else(|| {
            Error::new(ErrorKind::MissingIndicator(code.into()))
                .at_line(1)
                .for_indicator(code)
        })?;
        let denominator = match &n.spec.denominator {
            Some(d) if plan.denominate => {
                let c = data.indicator_index(d).ok_or_else(|| {
                    Error::new(ErrorKind::UnknownDenominator(d.clone()))
                        .at_line(1)
                        .for_indicator(code)
                })?;
                Some((c, d.clone()))
            }
            _ => None,
        };
        leaves.push(Leaf {
            code: code.to_string(),
            column,
            denominator,
            treat: n.spec.treat.or(plan.treat),
        });
    }
    Ok(leaves)
}

/// Runs the preparation steps on `data` for `framework` by `plan`, edition
/// by edition, in this order, each optional:
///
/// 1. **screen** ([`Plan::screen`]): drop units whose share of indicators
///    present is below the threshold;
/// 2. **denominate** ([`Plan::denominate`]): divide each leaf that names a
///    [`denominator`](crate::NodeSpec::denominator) column by it, `x / d`;
/// 3. **impute** ([`Plan::impute`]): fill missing values ([`Imputation`]);
/// 4. **treat** (a leaf's own [`treat`](crate::NodeSpec::treat), else
///    [`Plan::treat`]): outliers ([`Treatment`]).
///
/// Statistics are taken over the units kept in the same edition. The result
/// holds the leaves only (in framework order), the per-cell [`Flags`] and
/// the [`LogEntry`] list. Normalising to a range is the framework's
/// ([`Framework::range`]), applied by [`score()`](crate::score()).
///
/// ```
/// use ictindex::{prepare, Dataset, Framework, Plan, Treatment, Lang};
/// let f = Framework::from_str("code,parent\nI,\nA,I\n").unwrap();
/// let mut csv = String::from("code,A\n");
/// for i in 1..=20 { csv.push_str(&format!("u{i},{i}\n")); }
/// csv.push_str("big,1000\n");
/// let d = Dataset::from_str(&csv).unwrap();
/// let p = prepare(&d, &f, &Plan { treat: Some(Treatment::COINR), ..Plan::default() }).unwrap();
/// assert_eq!(p.data().value(20, 0), Some(20.0));
/// assert!(p.log()[0].message(Lang::En).starts_with("treat: indicator A: winsorised 1 point in 1 step (lowered: big)"));
/// ```
pub fn prepare(data: &Dataset, framework: &Framework, plan: &Plan) -> Result<Prepared> {
    plan.validate()?;
    let named = |e: Error| {
        if data.source().is_empty() {
            e
        } else {
            e.in_file(data.source())
        }
    };
    let leaves = bind(data, framework, plan).map_err(named)?;
    let units = data.units();
    let code = |r: usize| units.get(r).map(|u| u.code.clone()).unwrap_or_default();
    let n_rows = units.len();
    let mut values: Vec<Vec<f64>> = leaves.iter().map(|l| data.column(l.column).to_vec()).collect();
    let mut keep = vec![true; n_rows];
    let mut flags = vec![vec![Flags::default(); n_rows]; leaves.len()];
    let mut log = Vec::new();
    let years = data.years();
    let entry = |step, year, unit, indicator: Option<&str>, event| LogEntry {
        step,
        year,
        unit,
        indicator: indicator.map(str::to_string),
        event,
    };

    // Screening and denomination look at one unit at a time.
    for &year in &years {
        let rows = data.rows_of(year);
        if let Some(share) = plan.screen {
            for (r, present, total) in screen::screen(&values, &rows, share) {
                if let Some(k) = keep.get_mut(r) {
                    *k = false;
                }
                let event = Event::Dropped {
                    present: present as u32,
                    total: total as u32,
                    min_share: share,
                };
                log.push(entry(Step::Screen, year, Some(code(r)), None, event));
            }
        }
        let kept: Vec<usize> = rows.into_iter().filter(|&r| keep.get(r) == Some(&true)).collect();
        for (leaf, x) in leaves.iter().zip(values.iter_mut()) {
            let Some((dc, name)) = &leaf.denominator else { continue };
            let (cells, lost) = denominate::denominate(x, data.column(*dc), &kept);
            let event = Event::Denominated {
                denominator: name.clone(),
                cells: cells as u32,
            };
            log.push(entry(Step::Denominate, year, None, Some(&leaf.code), event));
            for r in lost {
                let event = Event::NoDenominator {
                    denominator: name.clone(),
                };
                log.push(entry(Step::Denominate, year, Some(code(r)), Some(&leaf.code), event));
            }
        }
    }

    // Values before imputation, the donors of `previous`.
    let observed = values.clone();
    let mut history: HashMap<&str, Vec<(i64, usize)>> = HashMap::new();
    for (r, u) in units.iter().enumerate() {
        if let Some(y) = u.year {
            history.entry(u.code.as_str()).or_default().push((y, r));
        }
    }

    for &year in &years {
        let rows: Vec<usize> = data
            .rows_of(year)
            .into_iter()
            .filter(|&r| keep.get(r) == Some(&true))
            .collect();
        let mut group_names: Vec<Option<String>> = Vec::new();
        let group_of: Vec<usize> = rows
            .iter()
            .map(|&r| {
                let g = units.get(r).and_then(|u| u.group.clone());
                match group_names.iter().position(|x| *x == g) {
                    Some(i) => i,
                    None => {
                        group_names.push(g);
                        group_names.len() - 1
                    }
                }
            })
            .collect();
        // All imputation first, then all treatment (so the log reads step by step).
        for (pass, (k, leaf)) in [Step::Impute, Step::Treat]
            .into_iter()
            .flat_map(|pass| leaves.iter().enumerate().map(move |l| (pass, l)))
        {
            let (Some(x), Some(fl), Some(obs)) = (values.get_mut(k), flags.get_mut(k), observed.get(k)) else {
                continue;
            };
            let mut sub: Vec<f64> = rows.iter().map(|&r| x.get(r).copied().unwrap_or(f64::NAN)).collect();
            if let (Step::Impute, Some(method)) = (pass, plan.impute) {
                let fills: Vec<(usize, Option<f64>, usize, Option<i64>)> = if method == Imputation::Previous {
                    let mut fills = Vec::new();
                    for (pos, slot) in sub.iter_mut().enumerate() {
                        if !slot.is_nan() {
                            continue;
                        }
                        let r = rows.get(pos).copied().unwrap_or(0);
                        let donor = year.and_then(|y| {
                            history
                                .get(code(r).as_str())
                                .into_iter()
                                .flatten()
                                .filter(|(py, pr)| *py < y && obs.get(*pr).is_some_and(|v| !v.is_nan()))
                                .max_by_key(|(py, _)| *py)
                                .and_then(|(py, pr)| obs.get(*pr).map(|v| (*v, *py)))
                        });
                        if let Some((v, _)) = donor {
                            *slot = v;
                        }
                        fills.push((
                            pos,
                            donor.map(|d| d.0),
                            usize::from(donor.is_some()),
                            donor.map(|d| d.1),
                        ));
                    }
                    fills
                } else {
                    impute::impute_column(method, &mut sub, &group_of)
                        .into_iter()
                        .map(|f| (f.pos, f.value, f.donors, None))
                        .collect()
                };
                for (pos, value, donors, from) in fills {
                    let r = rows.get(pos).copied().unwrap_or(0);
                    let event = match value {
                        Some(value) => {
                            if let Some(f) = fl.get_mut(r) {
                                f.imputed = true;
                            }
                            let grouped = matches!(method, Imputation::GroupMean | Imputation::GroupMedian);
                            Event::Imputed {
                                method,
                                value,
                                donors: donors as u32,
                                group: group_of
                                    .get(pos)
                                    .and_then(|&g| group_names.get(g).cloned().flatten())
                                    .filter(|_| grouped),
                                from,
                            }
                        }
                        None => Event::NotImputed { method },
                    };
                    log.push(entry(Step::Impute, year, Some(code(r)), Some(&leaf.code), event));
                }
            }
            if let (Step::Treat, Some(t)) = (pass, leaf.treat.filter(|t| *t != Treatment::None)) {
                let report = treat_column(&t, &mut sub, rows.len());
                let names = |ps: &[usize]| -> Vec<String> {
                    ps.iter().filter_map(|p| rows.get(*p)).map(|&r| code(r)).collect()
                };
                let mut mark = |ps: &[usize], how: Treated| {
                    for &p in ps {
                        if let Some(f) = rows.get(p).and_then(|&r| fl.get_mut(r)) {
                            f.treated = Some(how);
                        }
                    }
                };
                mark(&report.high, Treated::High);
                mark(&report.low, Treated::Low);
                let event = match (report.outcome, t) {
                    (Outcome::Untouched, _) => None,
                    (Outcome::Winsorised { .. }, Treatment::Percentile { lo, hi }) => {
                        (!report.high.is_empty() || !report.low.is_empty()).then(|| Event::Clipped {
                            lo,
                            hi,
                            high: names(&report.high),
                            low: names(&report.low),
                        })
                    }
                    (
                        Outcome::Winsorised {
                            steps,
                            still_failing,
                            stopped,
                        },
                        _,
                    ) => Some(Event::Winsorised {
                        steps,
                        high: names(&report.high),
                        low: names(&report.low),
                        before: report.before,
                        after: report.after,
                        still_failing,
                        stopped,
                    }),
                    (Outcome::Log, t) => {
                        let all: Vec<usize> = (0..sub.len())
                            .filter(|&p| sub.get(p).is_some_and(|v| !v.is_nan()))
                            .collect();
                        mark(&all, Treated::Log);
                        let winmax = match t {
                            Treatment::Coinr { winmax, .. } => winmax.unwrap_or_else(|| default_winmax(rows.len())),
                            _ => 0,
                        };
                        Some(Event::LogTransformed {
                            winmax,
                            before: report.before,
                            after: report.after,
                        })
                    }
                    (Outcome::TooFew(n), _) => Some(Event::TooFew { present: n as u32 }),
                    (Outcome::NoSpread, _) => Some(Event::NoSpread),
                };
                if let Some(event) = event {
                    log.push(entry(Step::Treat, year, None, Some(&leaf.code), event));
                }
            }
            for (&r, v) in rows.iter().zip(&sub) {
                if let Some(slot) = x.get_mut(r) {
                    *slot = *v;
                }
            }
        }
    }

    let kept: Vec<usize> = (0..n_rows).filter(|&r| keep.get(r) == Some(&true)).collect();
    let pick = |col: &Vec<f64>| -> Vec<f64> { kept.iter().map(|&r| col.get(r).copied().unwrap_or(f64::NAN)).collect() };
    let out = Dataset::from_parts(
        data.source(),
        kept.iter().filter_map(|&r| units.get(r).cloned()).collect(),
        leaves.iter().map(|l| l.code.clone()).collect(),
        values.iter().map(pick).collect(),
        kept.iter().map(|&r| data.line_of(r).unwrap_or(0)).collect(),
        leaves
            .iter()
            .map(|l| data.column_number(l.column).unwrap_or(0))
            .collect(),
    );
    let flags = flags
        .iter()
        .map(|c| kept.iter().map(|&r| c.get(r).copied().unwrap_or_default()).collect())
        .collect();
    Ok(Prepared { data: out, flags, log })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fw(text: &str) -> Framework {
        Framework::from_str(text).unwrap()
    }

    #[test]
    fn screening_drops_and_logs_units_per_edition() {
        let f = fw("code,parent\nI,\nA,I\nB,I\n");
        let d = Dataset::from_str("code,year,A,B\nx,1,1,\ny,1,1,1\nx,2,1,1\n").unwrap();
        let p = prepare(
            &d,
            &f,
            &Plan {
                screen: Some(0.9),
                ..Plan::default()
            },
        )
        .unwrap();
        let kept: Vec<(&str, Option<i64>)> = p.data().units().iter().map(|u| (u.code.as_str(), u.year)).collect();
        assert_eq!(kept, [("y", Some(1)), ("x", Some(2))]);
        assert_eq!(p.log().len(), 1);
        assert_eq!(
            p.log()[0].message(Lang::En),
            "screen: 1, unit x: dropped, 1 of 2 indicators present, below 90%"
        );
        // Lines still point into the input.
        assert_eq!(p.data().line_of(1), Some(4));
    }

    #[test]
    fn denominators_are_checked_and_dropped() {
        let f = fw("code,parent,denominator\nI,,\nA,I,pop\n");
        let err = prepare(&Dataset::from_str("code,A\nx,1\n").unwrap(), &f, &Plan::default()).unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::UnknownDenominator("pop".into()));
        assert_eq!(err.location().indicator.as_deref(), Some("A"));
        let d = Dataset::from_reader("code,pop,A,X\nx,2,1,1\n".as_bytes(), "d.csv").unwrap();
        let err = prepare(&d, &f, &Plan::default()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "d.csv, line 1, column 4 (X): column \"X\" is not in the framework"
        );
        let d = Dataset::from_str("code,pop,A\nx,0,1\ny,2,1\n").unwrap();
        let p = prepare(&d, &f, &Plan::default()).unwrap();
        assert_eq!(p.data().indicators(), ["A"]);
        assert_eq!(p.data().value(0, 0), None);
        assert_eq!(p.data().value(1, 0), Some(0.5));
        assert_eq!(
            p.log()[1].message(Lang::En),
            "denominate: unit x, indicator A: denominator pop missing or zero: value left missing"
        );
        // Turned off: the denominator column is not needed and values stay.
        let off = Plan {
            denominate: false,
            ..Plan::default()
        };
        let p = prepare(&Dataset::from_str("code,A\nx,1\n").unwrap(), &f, &off).unwrap();
        assert_eq!(p.data().value(0, 0), Some(1.0));
        assert!(p.log().is_empty());
    }

    #[test]
    fn previous_edition_carries_observed_values_only() {
        let f = fw("code,parent\nI,\nA,I\n");
        let d = Dataset::from_str("code,year,A\nx,2014,5\nx,2015,\nx,2016,\ny,2016,\ny,2015,7\n").unwrap();
        let plan = Plan {
            impute: Some(Imputation::Previous),
            ..Plan::default()
        };
        let p = prepare(&d, &f, &plan).unwrap();
        // x 2015 and 2016 carry 2014's observed 5; y 2016 carries 2015's 7.
        assert_eq!(p.data().value(1, 0), Some(5.0));
        assert_eq!(p.data().value(2, 0), Some(5.0));
        assert_eq!(p.data().value(3, 0), Some(7.0));
        assert!(p.flags(2, 0).imputed && !p.flags(0, 0).imputed);
        let msgs: Vec<String> = p.log().iter().map(|e| e.message(Lang::En)).collect();
        assert!(msgs.contains(&"impute: 2016, unit x, indicator A: imputed 5: the unit's value in 2014".to_string()));
        // Nothing earlier: not imputed, and said so.
        let d = Dataset::from_str("code,year,A\nx,2014,\nx,2015,1\n").unwrap();
        let p = prepare(&d, &f, &plan).unwrap();
        assert_eq!(p.data().value(0, 0), None);
        assert_eq!(
            p.log()[0].message(Lang::Vi),
            "điền giá trị thiếu: 2014, đơn vị x, chỉ tiêu A: không điền được (previous): không có giá trị để dựa vào"
        );
    }

    #[test]
    fn leaf_treatment_overrides_the_plan_and_flags_cells() {
        let f = fw("code,parent,treat\nI,,\nA,I,none\nB,I,percentile:10:90\n");
        let mut csv = String::from("code,A,B\n");
        for i in 0..=10 {
            csv.push_str(&format!("u{i},{},{i}\n", if i == 10 { 1000 } else { i }));
        }
        let d = Dataset::from_str(&csv).unwrap();
        let plan = Plan {
            treat: Some(Treatment::COINR),
            ..Plan::default()
        };
        let p = prepare(&d, &f, &plan).unwrap();
        assert_eq!(p.data().value(10, 0), Some(1000.0));
        assert_eq!(p.data().value(10, 1), Some(9.0));
        assert_eq!(p.data().value(0, 1), Some(1.0));
        assert_eq!(p.flags(10, 1).treated, Some(Treated::High));
        assert_eq!(p.flags(0, 1).treated, Some(Treated::Low));
        assert_eq!(
            p.log()[0].message(Lang::En),
            "treat: indicator B: clipped 2 points to the 10–90 percentiles (lowered: u10; raised: u0)"
        );
    }

    #[test]
    fn log_fallback_flags_the_whole_column() {
        let f2 = fw("code,parent,treat\nI,,\nA,I,coinr:1\n");
        let mut csv = String::from("code,A\n");
        for i in 0..30 {
            csv.push_str(&format!("u{i},{}\n", 1.5f64.powi(i)));
        }
        let d = Dataset::from_str(&csv).unwrap();
        let p = prepare(&d, &f2, &Plan::default()).unwrap();
        assert!((0..30).all(|r| p.flags(r, 0).treated == Some(Treated::Log)));
        assert!(p.log()[0]
            .message(Lang::En)
            .starts_with("treat: indicator A: log-transformed (still beyond the thresholds after 1 winsorising step)"));
    }

    #[test]
    fn plan_needs_something_to_do() {
        let f = fw("code,parent\nI,\nA,I\n");
        assert!(!Plan::default().needed(&f));
        assert!(Plan {
            impute: Some(Imputation::Mean),
            ..Plan::default()
        }
        .needed(&f));
        assert!(!Plan {
            treat: Some(Treatment::None),
            ..Plan::default()
        }
        .needed(&f));
    }
}
