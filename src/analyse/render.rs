//! Analysis results as flat records (for CSV via [`crate::to_csv`], or JSON)
//! and as Markdown for people.

use super::explain::Explanation;
use super::number;
use super::sensitivity::{LeaveOneOut, SensitivityResult};
use super::target::{Gaps, TargetAnswer};
use super::uncertainty::UncertaintyResult;
use crate::export::{Cell, Record};
use crate::lang::Lang;
use crate::report::lower_first;

fn text(s: &str) -> Cell {
    Cell::Text(s.to_string())
}

fn float(v: Option<f64>) -> Cell {
    v.map_or(Cell::Empty, Cell::Float)
}

fn int<T: Into<i64>>(v: Option<T>) -> Cell {
    v.map_or(Cell::Empty, |v| Cell::Int(v.into()))
}

fn row(cells: Vec<(&str, Cell)>) -> Record {
    Record(cells.into_iter().map(|(k, c)| (k.to_string(), c)).collect())
}

/// `| a | b |` rows with a separator after the first.
fn table(head: &[String], rows: &[Vec<String>]) -> String {
    let mut out = format!("| {} |\n|{}\n", head.join(" | "), "---|".repeat(head.len()));
    for r in rows {
        let cells: Vec<String> = r.iter().map(|c| c.replace('|', "/")).collect();
        out.push_str(&format!("| {} |\n", cells.join(" | ")));
    }
    out
}

fn heads(lang: Lang, vi: &[&str], en: &[&str]) -> Vec<String> {
    match lang {
        Lang::Vi => vi.iter().map(|s| s.to_string()).collect(),
        Lang::En => en.iter().map(|s| s.to_string()).collect(),
    }
}

fn dash(v: Option<String>) -> String {
    v.unwrap_or_else(|| "–".into())
}

/// A rank statistic: whole numbers without decimals, else one decimal.
fn rank_stat(v: Option<f64>, lang: Lang) -> String {
    dash(v.map(|x| {
        if x.fract() == 0.0 {
            format!("{x}")
        } else {
            number(x, 1, lang, false)
        }
    }))
}

impl UncertaintyResult {
    /// One record per unit: `code,name,nominal_rank,median_rank,p5_rank,p95_rank,top_share`.
    ///
    /// ```
    /// use ictindex::{score, to_csv, uncertainty, Dataset, Framework, Options, UncertaintyConfig};
    /// let d = Dataset::from_str("code,HTKT,HTNL,UD,SXKD,MT\na,.5,.5,.5,.5,.5\n").unwrap();
    /// let s = score(&d, &Framework::vn_ict(), &Options::default()).unwrap();
    /// let r = uncertainty(&s, None, &UncertaintyConfig { samples: 10, ..Default::default() }).unwrap();
    /// assert_eq!(to_csv(&r.records(), false).unwrap(),
    ///     "code,name,nominal_rank,median_rank,p5_rank,p95_rank,top_share\na,a,1,1,1,1,1\n");
    /// ```
    pub fn records(&self) -> Vec<Record> {
        self.units
            .iter()
            .map(|u| {
                row(vec![
                    ("code", text(&u.code)),
                    ("name", text(&u.name)),
                    ("nominal_rank", int(u.nominal_rank)),
                    ("median_rank", float(u.median_rank)),
                    ("p5_rank", float(u.p5_rank)),
                    ("p95_rank", float(u.p95_rank)),
                    ("top_share", Cell::Float(u.top_share)),
                ])
            })
            .collect()
    }

    /// A Markdown table by nominal rank.
    pub fn markdown(&self, lang: Lang) -> String {
        let top = self.top.to_string();
        let head = match lang {
            Lang::Vi => vec![
                "Hạng gốc".to_string(),
                "Đơn vị".into(),
                "Trung vị".into(),
                "Khoảng 5–95 %".into(),
                format!("Tỷ lệ trong top {top}"),
            ],
            Lang::En => vec![
                "Nominal rank".to_string(),
                "Unit".into(),
                "Median".into(),
                "5–95 % interval".into(),
                format!("Share in top {top}"),
            ],
        };
        let mut units: Vec<_> = self.units.iter().collect();
        units.sort_by_key(|u| u.nominal_rank.unwrap_or(u32::MAX));
        let rows: Vec<Vec<String>> = units
            .iter()
            .map(|u| {
                vec![
                    dash(u.nominal_rank.map(|r| r.to_string())),
                    u.name.clone(),
                    rank_stat(u.median_rank, lang),
                    format!("{}–{}", rank_stat(u.p5_rank, lang), rank_stat(u.p95_rank, lang)),
                    format!("{} %", number(100.0 * u.top_share, 1, lang, false)),
                ]
            })
            .collect();
        table(&head, &rows)
    }
}

impl LeaveOneOut {
    /// One record per unit: `code,name,rank`, then each node's rank shift
    /// (nominal − without the node) under the node's code.
    pub fn records(&self) -> Vec<Record> {
        self.units
            .iter()
            .enumerate()
            .map(|(p, u)| {
                let mut r = row(vec![
                    ("code", text(&u.code)),
                    ("name", text(&u.name)),
                    ("rank", int(u.rank)),
                ]);
                for n in &self.nodes {
                    r.0.push((n.node.clone(), int(n.shifts.get(p).copied().flatten())));
                }
                r
            })
            .collect()
    }

    /// A Markdown table of nodes by mean |shift|, largest first.
    pub fn markdown(&self, lang: Lang) -> String {
        let head = heads(
            lang,
            &["Bỏ ra", "Dịch chuyển hạng TB (|Δ|)", "Lớn nhất"],
            &["Left out", "Mean |rank shift|", "Largest"],
        );
        let mut nodes: Vec<_> = self.nodes.iter().collect();
        nodes.sort_by(|a, b| b.mean_abs_shift.total_cmp(&a.mean_abs_shift));
        let rows: Vec<Vec<String>> = nodes
            .iter()
            .map(|n| {
                let name = match lang {
                    Lang::Vi => &n.name_vi,
                    Lang::En => &n.name_en,
                };
                vec![
                    format!("{} ({})", name, n.node),
                    number(n.mean_abs_shift, 2, lang, false),
                    n.max_abs_shift.to_string(),
                ]
            })
            .collect();
        table(&head, &rows)
    }
}

impl SensitivityResult {
    /// One record per uncertain input: `kind,node,first_order,first_order_low,
    /// first_order_high,total_order,total_order_low,total_order_high`.
    pub fn records(&self) -> Vec<Record> {
        self.factors
            .iter()
            .map(|f| {
                let i = &f.indices;
                row(vec![
                    ("kind", text(&f.factor.kind)),
                    ("node", f.factor.node.as_deref().map_or(Cell::Empty, text)),
                    ("first_order", Cell::Float(i.first_order)),
                    ("first_order_low", Cell::Float(i.first_order_low)),
                    ("first_order_high", Cell::Float(i.first_order_high)),
                    ("total_order", Cell::Float(i.total_order)),
                    ("total_order_low", Cell::Float(i.total_order_low)),
                    ("total_order_high", Cell::Float(i.total_order_high)),
                ])
            })
            .collect()
    }

    /// A Markdown table by total-order index, largest first.
    pub fn markdown(&self, lang: Lang) -> String {
        let head = heads(
            lang,
            &["Yếu tố", "Bậc nhất Sᵢ (95 %)", "Toàn phần S_Tᵢ (95 %)"],
            &["Input", "First order Sᵢ (95 %)", "Total order S_Tᵢ (95 %)"],
        );
        let mut fs: Vec<_> = self.factors.iter().collect();
        fs.sort_by(|a, b| b.indices.total_order.total_cmp(&a.indices.total_order));
        let n = |x: f64| number(x, 3, lang, false);
        let rows: Vec<Vec<String>> = fs
            .iter()
            .map(|f| {
                let i = &f.indices;
                vec![
                    f.factor.label(lang),
                    format!(
                        "{} ({} – {})",
                        n(i.first_order),
                        n(i.first_order_low),
                        n(i.first_order_high)
                    ),
                    format!(
                        "{} ({} – {})",
                        n(i.total_order),
                        n(i.total_order_low),
                        n(i.total_order_high)
                    ),
                ]
            })
            .collect();
        table(&head, &rows)
    }
}

impl Gaps {
    /// One record per unit: `code,name,rank`, then each pillar's gap to the
    /// next rank up under the pillar's code (empty: unreachable or first).
    pub fn records(&self) -> Vec<Record> {
        self.units
            .iter()
            .map(|u| {
                let mut r = row(vec![
                    ("code", text(&u.code)),
                    ("name", text(&u.name)),
                    ("rank", int(u.rank)),
                ]);
                for (p, g) in self.pillars.iter().zip(&u.gaps) {
                    r.0.push((p.clone(), float(*g)));
                }
                r
            })
            .collect()
    }

    /// A Markdown table by rank; gaps with `decimals` decimals.
    pub fn markdown(&self, lang: Lang, decimals: usize) -> String {
        let mut head = heads(lang, &["Hạng", "Đơn vị"], &["Rank", "Unit"]);
        head.extend(self.pillars.iter().cloned());
        let mut units: Vec<_> = self.units.iter().collect();
        units.sort_by_key(|u| u.rank.unwrap_or(u32::MAX));
        let rows: Vec<Vec<String>> = units
            .iter()
            .map(|u| {
                let mut r = vec![dash(u.rank.map(|x| x.to_string())), u.name.clone()];
                r.extend(u.gaps.iter().map(|g| dash(g.map(|x| number(x, decimals, lang, false)))));
                r
            })
            .collect();
        table(&head, &rows)
    }
}

impl TargetAnswer {
    /// The answer as one record.
    pub fn records(&self) -> Vec<Record> {
        let status = match self.status {
            super::target::TargetStatus::Needed => "needed",
            super::target::TargetStatus::Already => "already",
            super::target::TargetStatus::Unreachable => "unreachable",
        };
        vec![row(vec![
            ("code", text(&self.code)),
            ("name", text(&self.name)),
            ("node", text(&self.node)),
            ("rank", Cell::Int(self.rank.into())),
            ("target_rank", Cell::Int(self.target_rank.into())),
            ("status", text(status)),
            ("value", Cell::Float(self.value)),
            ("improvement", float(self.improvement)),
            ("new_value", float(self.new_value)),
            ("new_rank", int(self.new_rank)),
        ])]
    }
}

impl Explanation {
    /// One record per pillar: `pillar,before,after,contribution,rank_before,rank_after,rank_change`.
    pub fn records(&self) -> Vec<Record> {
        self.pillars
            .iter()
            .map(|c| {
                row(vec![
                    ("pillar", text(&c.code)),
                    ("before", float(c.before)),
                    ("after", float(c.after)),
                    ("contribution", Cell::Float(c.contribution)),
                    ("rank_before", int(c.rank_before)),
                    ("rank_after", int(c.rank_after)),
                    ("rank_change", int(c.rank_change)),
                ])
            })
            .collect()
    }

    /// The sentence, then a Markdown table of the contributions.
    pub fn markdown(&self, lang: Lang) -> String {
        let d = self.decimals as usize;
        let head = heads(
            lang,
            &["Trụ cột", "Trước", "Sau", "Đóng góp", "Hạng", "Thay đổi"],
            &["Pillar", "Before", "After", "Contribution", "Rank", "Change"],
        );
        let rows: Vec<Vec<String>> = self
            .pillars
            .iter()
            .map(|c| {
                let name = match lang {
                    Lang::Vi => &c.name_vi,
                    Lang::En => &c.name_en,
                };
                vec![
                    lower_first(name),
                    dash(c.before.map(|x| number(x, d, lang, false))),
                    dash(c.after.map(|x| number(x, d, lang, false))),
                    number(c.contribution, d, lang, true),
                    dash(c.rank_after.map(|r| r.to_string())),
                    crate::export::arrow(c.rank_change),
                ]
            })
            .collect();
        format!("{}\n\n{}", self.sentence(lang), table(&head, &rows))
    }
}
