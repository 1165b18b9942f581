//! Results as a table, and that table as CSV, JSON-ready records or Markdown.
//!
//! Columns: `code,name,year,group`, the raw value of every leaf (under the
//! leaf's code, so an exported file reads back in as data), then per node
//! `<code>_score,<code>_rank,<code>_change`, then `rank_in_group,group_n,n,status`.

use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;

use crate::error::{Error, ErrorKind, Result};
use crate::lang::Lang;
use crate::score::{Presence, Scored};

/// One cell of a flat record.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Cell {
    /// Text.
    Text(String),
    /// A whole number (ranks, changes, N).
    Int(i64),
    /// A score or value.
    Float(f64),
    /// Missing.
    Empty,
}

impl Cell {
    fn opt_f(v: Option<f64>) -> Cell {
        v.map_or(Cell::Empty, Cell::Float)
    }
    fn opt_i<T: Into<i64>>(v: Option<T>) -> Cell {
        v.map_or(Cell::Empty, |v| Cell::Int(v.into()))
    }

    /// The cell as CSV text; numbers in shortest round-trip form.
    pub fn text(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Int(i) => i.to_string(),
            Cell::Float(f) => f.to_string(),
            Cell::Empty => String::new(),
        }
    }
}

/// A flat record: ordered (column, cell) pairs; serialises as a JSON object.
#[derive(Clone, Debug, PartialEq)]
pub struct Record(pub Vec<(String, Cell)>);

impl Serialize for Record {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

/// The rows of edition `year` (`None`: the latest) as flat records, in file
/// order, followed by units of the base edition that are absent now
/// (status `dropped`, no scores).
///
/// ```
/// use ictindex::{records, score, Dataset, Framework, Options};
/// let d = Dataset::from_str("code,HTKT,HTNL,UD,SXKD,MT\na,.5,.5,.5,.5,.5\n").unwrap();
/// let s = score(&d, &Framework::vn_ict(), &Options::default()).unwrap();
/// let r = records(&s, None).unwrap();
/// let keys: Vec<&str> = r[0].0.iter().map(|(k, _)| k.as_str()).collect();
/// assert_eq!(&keys[..6], ["code", "name", "year", "group", "HTKT", "HTNL"]);
/// assert!(keys.contains(&"ICT_rank") && keys.contains(&"rank_in_group"));
/// ```
pub fn records(scored: &Scored, year: Option<i64>) -> Result<Vec<Record>> {
    let e = scored.edition_index(year)?;
    let ed = scored.editions().get(e).ok_or_else(|| Error::new(ErrorKind::NoRows))?;
    let f = scored.framework();
    let root = f.root_index();
    let order = node_order(scored);
    let mut out = Vec::with_capacity(ed.len());
    for pos in 0..ed.len() {
        let Some(u) = scored.unit(e, pos) else { continue };
        let mut r = vec![
            ("code".to_string(), Cell::Text(u.code.clone())),
            ("name".to_string(), Cell::Text(u.name.clone())),
            ("year".to_string(), Cell::opt_i(u.year)),
            ("group".to_string(), u.group.clone().map_or(Cell::Empty, Cell::Text)),
        ];
        for &l in f.leaves() {
            let code = f.nodes().get(l).map(|n| n.code().to_string()).unwrap_or_default();
            r.push((code, Cell::opt_f(ed.raw(l, pos))));
        }
        for &node in &order {
            let code = f.nodes().get(node).map(|n| n.code()).unwrap_or("");
            r.push((format!("{code}_score"), Cell::opt_f(ed.score(node, pos))));
            r.push((format!("{code}_rank"), Cell::opt_i(ed.rank(node, pos))));
            r.push((format!("{code}_change"), Cell::opt_i(scored.change(e, node, pos))));
        }
        let gr = ed.group_rank(pos);
        r.push(("rank_in_group".into(), Cell::opt_i(gr.map(|g| g.0))));
        r.push(("group_n".into(), Cell::opt_i(gr.map(|g| g.1))));
        r.push(("n".into(), Cell::Int(ed.ranked(root).into())));
        let status = match scored.presence(e, pos) {
            Presence::New => "new",
            _ => "",
        };
        r.push(("status".into(), Cell::Text(status.into())));
        out.push(Record(r));
    }
    if let Some(base) = scored.base_of(e) {
        for &bp in scored.dropped(e) {
            let Some(u) = base.rows().get(bp).and_then(|&row| scored.units().get(row)) else {
                continue;
            };
            let template = out.first().map(|r| r.0.clone()).unwrap_or_default();
            let r = template
                .into_iter()
                .map(|(k, _)| {
                    let v = match k.as_str() {
                        "code" => Cell::Text(u.code.clone()),
                        "name" => Cell::Text(u.name.clone()),
                        "year" => Cell::opt_i(ed.year()),
                        "group" => u.group.clone().map_or(Cell::Empty, Cell::Text),
                        "status" => Cell::Text("dropped".into()),
                        "n" => Cell::Int(ed.ranked(root).into()),
                        _ => Cell::Empty,
                    };
                    (k, v)
                })
                .collect();
            out.push(Record(r));
        }
    }
    Ok(out)
}

/// The root first, then the other inner nodes and leaves in declaration order.
fn node_order(scored: &Scored) -> Vec<usize> {
    let f = scored.framework();
    let root = f.root_index();
    std::iter::once(root)
        .chain((0..f.nodes().len()).filter(|&i| i != root))
        .collect()
}

/// Whether a text cell must be neutralised for spreadsheets: it starts with
/// `=`, `+`, `-`, `@`, a tab or a carriage return.
fn is_formula(s: &str) -> bool {
    s.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

/// Writes `records` as CSV. With `excel`, the output starts with a UTF-8 BOM
/// (so Excel keeps diacritics) and text cells that a spreadsheet would take for
/// a formula get a leading `'`; numbers are never changed.
///
/// ```
/// use ictindex::{to_csv, Cell, Record};
/// let r = vec![Record(vec![("name".into(), Cell::Text("=HYPERLINK(1)".into())), ("x".into(), Cell::Int(-3))])];
/// assert_eq!(to_csv(&r, true).unwrap(), "\u{feff}name,x\n'=HYPERLINK(1),-3\n");
/// assert_eq!(to_csv(&r, false).unwrap(), "name,x\n=HYPERLINK(1),-3\n");
/// ```
pub fn to_csv(records: &[Record], excel: bool) -> Result<String> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    let io = |e: csv::Error| Error::new(ErrorKind::Io(e.to_string()));
    if let Some(first) = records.first() {
        w.write_record(first.0.iter().map(|(k, _)| k.as_str())).map_err(io)?;
    }
    for r in records {
        w.write_record(r.0.iter().map(|(_, c)| match c {
            Cell::Text(s) if excel && is_formula(s) => format!("'{s}"),
            c => c.text(),
        }))
        .map_err(io)?;
    }
    let bytes = w.into_inner().map_err(|e| Error::new(ErrorKind::Io(e.to_string())))?;
    let body = String::from_utf8(bytes).map_err(|_| Error::new(ErrorKind::Utf8))?;
    Ok(if excel { format!("\u{feff}{body}") } else { body })
}

/// A Markdown table for people: rank, unit, index score and change, then
/// each pillar's score and rank with its change as ▲/▼.
///
/// ```
/// use ictindex::{markdown, score, Dataset, Framework, Lang, Options};
/// let d = Dataset::from_str("code,name,HTKT,HTNL,UD,SXKD,MT\n26,Vĩnh Phúc,.5,.5,.5,.5,.5\n").unwrap();
/// let s = score(&d, &Framework::vn_ict(), &Options::default()).unwrap();
/// let md = markdown(&s, None, Lang::En).unwrap();
/// assert!(md.lines().nth(2).unwrap().starts_with("| 1 | Vĩnh Phúc | 0.5000 |"));
/// ```
pub fn markdown(scored: &Scored, year: Option<i64>, lang: Lang) -> Result<String> {
    let e = scored.edition_index(year)?;
    let ed = scored.editions().get(e).ok_or_else(|| Error::new(ErrorKind::NoRows))?;
    let f = scored.framework();
    let root = f.root_index();
    let pillars = &f.root().children;
    let p = scored.options().precision.unwrap_or(4) as usize;
    let mut head = match lang {
        Lang::Vi => vec![
            "Hạng".to_string(),
            "Đơn vị".into(),
            f.root().code().into(),
            "Thay đổi".into(),
        ],
        Lang::En => vec![
            "Rank".to_string(),
            "Unit".into(),
            f.root().code().into(),
            "Change".into(),
        ],
    };
    for &c in pillars {
        head.push(f.nodes().get(c).map(|n| n.code().to_string()).unwrap_or_default());
    }
    let mut out = format!("| {} |\n|{}\n", head.join(" | "), "---|".repeat(head.len()));
    let mut order: Vec<usize> = (0..ed.len()).collect();
    order.sort_by_key(|&pos| (ed.rank(root, pos).unwrap_or(u32::MAX), pos));
    let fmt_score = |v: Option<f64>| v.map_or("–".to_string(), |v| format!("{v:.p$}"));
    for pos in order {
        let name = scored
            .unit(e, pos)
            .map(|u| u.name.replace('|', "/"))
            .unwrap_or_default();
        let mut cells = vec![
            ed.rank(root, pos).map_or("–".into(), |r| r.to_string()),
            name,
            fmt_score(ed.score(root, pos)),
            arrow(scored.change(e, root, pos)),
        ];
        for &c in pillars {
            let rank = ed.rank(c, pos).map_or("–".into(), |r| r.to_string());
            cells.push(format!(
                "{} ({rank}{})",
                fmt_score(ed.score(c, pos)),
                arrow_suffix(scored.change(e, c, pos))
            ));
        }
        out.push_str(&format!("| {} |\n", cells.join(" | ")));
    }
    Ok(out)
}

/// "▲3", "▼6", "=" or "" for no comparison.
pub fn arrow(change: Option<i64>) -> String {
    match change {
        None => String::new(),
        Some(0) => "=".into(),
        Some(c) if c > 0 => format!("▲{c}"),
        Some(c) => format!("▼{}", c.unsigned_abs()),
    }
}

fn arrow_suffix(change: Option<i64>) -> String {
    let a = arrow(change);
    if a.is_empty() {
        a
    } else {
        format!(" {a}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{score, Dataset, Framework, Options};

    #[test]
    fn dropped_units_are_listed() {
        let d = Dataset::from_str("code,year,HTKT,HTNL,UD,SXKD,MT\na,1,1,1,1,1,1\nb,1,.5,.5,.5,.5,.5\na,2,1,1,1,1,1\n")
            .unwrap();
        let s = score(&d, &Framework::vn_ict(), &Options::default()).unwrap();
        let r = records(&s, None).unwrap();
        assert_eq!(r.len(), 2);
        let status = r[1].0.iter().find(|(k, _)| k == "status").unwrap();
        assert_eq!(status.1, Cell::Text("dropped".into()));
        let code = &r[1].0[0];
        assert_eq!(code.1, Cell::Text("b".into()));
    }

    #[test]
    fn arrows() {
        assert_eq!(arrow(Some(3)), "▲3");
        assert_eq!(arrow(Some(-6)), "▼6");
        assert_eq!(arrow(Some(0)), "=");
        assert_eq!(arrow(None), "");
    }

    #[test]
    fn formula_cells() {
        for s in ["=1", "+1", "-1", "@a", "\tx"] {
            assert!(is_formula(s));
        }
        assert!(!is_formula("Hà Nội"));
    }
}
