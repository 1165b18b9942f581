//! Results as a table, and that table as CSV, JSON-ready records or Markdown.
//!
//! Columns: `code,name,year,group`, the raw value of every leaf (under the
//! leaf's code, so an exported file reads back in as data), then per node
//! `<code>_score,<code>_rank,<code>_change`, then `rank_in_group,group_n,n,status`.

use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;
use std::borrow::Cow;

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
        let mut s = String::new();
        self.push_text(&mut s);
        s
    }

    /// Appends [`Cell::text`] to `out`.
    fn push_text(&self, out: &mut String) {
        use std::fmt::Write;
        match self {
            Cell::Text(s) => out.push_str(s),
            Cell::Int(i) => {
                let _ = write!(out, "{i}");
            }
            Cell::Float(f) => push_float(out, *f),
            Cell::Empty => {}
        }
    }
}

/// Appends `v` exactly as `Display` writes it: the shortest digits that read
/// back to `v`, the closest of them to `v`, without an exponent.
///
/// Natively the digits come from `ryu` (several times faster). Ryu and
/// `Display` choose the same digits except when two candidates are equally
/// close (ryu takes the even one): that needs the exact decimal expansion of
/// `v` to have at most 18 significant digits, which [`may_tie`] detects, and
/// those values, like exponent forms and |v| ≥ 10^15, go to `Display`.
fn push_float(out: &mut String, v: f64) {
    use std::fmt::Write;
    #[cfg(not(target_arch = "wasm32"))]
    if v.abs() < 1e15 && !may_tie(v) {
        let mut buf = ryu::Buffer::new();
        let s = buf.format_finite(v);
        if !s.contains('e') {
            out.push_str(s.strip_suffix(".0").unwrap_or(s));
            return;
        }
    }
    let _ = write!(out, "{v}");
}

/// Whether the exact value of `v` = M·2^−K (M odd) has at most 18 significant
/// decimal digits, i.e. M·5^K < 10^18 (integers never tie).
#[cfg(not(target_arch = "wasm32"))]
fn may_tie(v: f64) -> bool {
    let bits = v.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i32;
    let frac = bits & ((1u64 << 52) - 1);
    let (m, e2) = if exp == 0 {
        (frac, -1074)
    } else {
        (frac | (1u64 << 52), exp - 1075)
    };
    if m == 0 {
        return false;
    }
    let tz = m.trailing_zeros() as i32;
    let k = -(e2 + tz);
    k > 0 && k <= 25 && u128::from(m >> tz) * 5u128.pow(k.unsigned_abs()) < 10u128.pow(18)
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

/// Which nodes a results table has, and which of them with ranks.
///
/// `nodes`: the nodes at most this many levels below the index (`Some(0)`:
/// the index only; `Some(1)`: the index and its pillars; `None`: every
/// node). `ranks`: the nodes, of those, that have rank and change columns
/// (by the same count of levels); the others have their score only. An
/// `Option<usize>` converts to both limits the same.
///
/// ```
/// use ictindex::{records_to_depth, score, Dataset, Depth, Framework, Options};
/// let d = Dataset::from_str("code,HTKT,HTNL,UD,SXKD,MT\na,.5,.5,.5,.5,.5\n").unwrap();
/// let s = score(&d, &Framework::vn_ict(), &Options::default()).unwrap();
/// let pillars_unranked = Depth { nodes: Some(1), ranks: Some(0) };
/// let r = records_to_depth(&s, None, pillars_unranked).unwrap();
/// let keys: Vec<&str> = r[0].0.iter().map(|(k, _)| k.as_str()).collect();
/// // The raw values of the leaves shown (here the pillars), then the nodes.
/// assert_eq!(&keys[4..6], ["HTKT", "HTNL"]);
/// assert_eq!(&keys[9..14], ["ICT_score", "ICT_rank", "ICT_change", "HTKT_score", "HTNL_score"]);
/// assert!(!keys.contains(&"HTKT_rank"));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Depth {
    /// Levels below the index of the nodes shown (`None`: all).
    pub nodes: Option<usize>,
    /// Levels below the index of the nodes ranked (`None`: all shown).
    pub ranks: Option<usize>,
}

impl From<Option<usize>> for Depth {
    fn from(depth: Option<usize>) -> Self {
        Depth {
            nodes: depth,
            ranks: depth,
        }
    }
}

impl Depth {
    /// Whether node `node` of `scored`'s framework is within `limit` levels.
    fn within(limit: Option<usize>, scored: &Scored, node: usize) -> bool {
        limit.is_none_or(|d| scored.framework().nodes().get(node).is_some_and(|n| n.depth <= d))
    }

    /// The nodes ranked: those within both limits (what
    /// [`Scored::rank_to_depth`] takes).
    ///
    /// ```
    /// use ictindex::Depth;
    /// assert_eq!(Depth { nodes: Some(1), ranks: Some(0) }.ranked(), Some(0));
    /// assert_eq!(Depth { nodes: None, ranks: Some(2) }.ranked(), Some(2));
    /// assert_eq!(Depth::from(None).ranked(), None);
    /// ```
    pub fn ranked(self) -> Option<usize> {
        match (self.nodes, self.ranks) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
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
    records_to_depth(scored, year, None)
}

/// [`records`] limited to the nodes at most `depth` levels below the index
/// (`Some(0)`: the index only; `Some(1)`: the index and its pillars; `None`:
/// every node), or as a [`Depth`] says. Raw values are included for the
/// leaves within that depth.
///
/// ```
/// use ictindex::{records_to_depth, score, Dataset, Framework, Options};
/// let d = Dataset::from_str("code,HTKT,HTNL,UD,SXKD,MT\na,.5,.5,.5,.5,.5\n").unwrap();
/// let s = score(&d, &Framework::vn_ict(), &Options::default()).unwrap();
/// let r = records_to_depth(&s, None, Some(0)).unwrap();
/// let keys: Vec<&str> = r[0].0.iter().map(|(k, _)| k.as_str()).collect();
/// assert_eq!(keys, ["code", "name", "year", "group", "ICT_score", "ICT_rank", "ICT_change", "rank_in_group", "group_n", "n", "status"]);
/// ```
pub fn records_to_depth(scored: &Scored, year: Option<i64>, depth: impl Into<Depth>) -> Result<Vec<Record>> {
    let depth: Depth = depth.into();
    let e = scored.edition_index(year)?;
    let ed = scored.editions().get(e).ok_or_else(|| Error::new(ErrorKind::NoRows))?;
    let f = scored.framework();
    let root = f.root_index();
    let within = |node: usize| Depth::within(depth.nodes, scored, node);
    let leaves: Vec<(usize, String)> = f
        .leaves()
        .iter()
        .filter(|&&l| within(l))
        .map(|&l| (l, f.nodes().get(l).map(|n| n.code().to_string()).unwrap_or_default()))
        .collect();
    // Column names made once, cloned per row.
    let order: Vec<(usize, [String; 3], bool)> = node_order(scored)
        .into_iter()
        .filter(|&node| within(node))
        .map(|node| {
            let code = f.nodes().get(node).map(|n| n.code()).unwrap_or("");
            (
                node,
                [
                    format!("{code}_score"),
                    format!("{code}_rank"),
                    format!("{code}_change"),
                ],
                Depth::within(depth.ranks, scored, node),
            )
        })
        .collect();
    let mut out = Vec::with_capacity(ed.len());
    for pos in 0..ed.len() {
        let Some(u) = scored.unit(e, pos) else { continue };
        let mut r = vec![
            ("code".to_string(), Cell::Text(u.code.clone())),
            ("name".to_string(), Cell::Text(u.name.clone())),
            ("year".to_string(), Cell::opt_i(u.year)),
            ("group".to_string(), u.group.clone().map_or(Cell::Empty, Cell::Text)),
        ];
        r.reserve(leaves.len() + 3 * order.len() + 4);
        for (l, code) in &leaves {
            r.push((code.clone(), Cell::opt_f(ed.raw(*l, pos))));
        }
        for (node, [score, rank, change], ranked) in &order {
            r.push((score.clone(), Cell::opt_f(ed.score(*node, pos))));
            if *ranked {
                r.push((rank.clone(), Cell::opt_i(ed.rank(*node, pos))));
                r.push((change.clone(), Cell::opt_i(scored.change(e, *node, pos))));
            }
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

/// [`records_to_depth`] written straight to CSV: byte for byte
/// `to_csv(&records_to_depth(scored, year, depth)?, excel)`, without building
/// the records (no per-cell text or column names), which makes it several
/// times faster on large tables.
///
/// ```
/// use ictindex::{records_to_depth, score, scores_csv, to_csv, Dataset, Framework, Options};
/// let d = Dataset::from_str("code,name,HTKT,HTNL,UD,SXKD,MT\na,\"x, y\",.5,.5,.5,.5,.5\nb,=b,.1,.2,,.4,.5\n").unwrap();
/// let s = score(&d, &Framework::vn_ict(), &Options::default()).unwrap();
/// for depth in [None, Some(0), Some(1)] {
///     for excel in [false, true] {
///         let records = records_to_depth(&s, None, depth).unwrap();
///         assert_eq!(scores_csv(&s, None, depth, excel).unwrap(), to_csv(&records, excel).unwrap());
///     }
/// }
/// assert!(scores_csv(&s, None, Some(0), false).unwrap().starts_with("code,name,year,group,ICT_score,"));
/// ```
pub fn scores_csv(scored: &Scored, year: Option<i64>, depth: impl Into<Depth>, excel: bool) -> Result<String> {
    #[cfg(not(target_arch = "wasm32"))]
    let parts = rayon::current_num_threads();
    #[cfg(target_arch = "wasm32")]
    let parts = 1;
    scores_csv_in(scored, year, depth.into(), excel, parts)
}

/// Editions from this many rows are written on every core (natively).
#[cfg(not(target_arch = "wasm32"))]
const PARALLEL_ROWS: usize = 2_000;

/// [`scores_csv`] with the rows written in up to `parts` parts at once
/// (natively, from [`PARALLEL_ROWS`] rows), each into its own buffer, then
/// joined in order: the same bytes for any `parts`.
fn scores_csv_in(scored: &Scored, year: Option<i64>, depth: Depth, excel: bool, parts: usize) -> Result<String> {
    let e = scored.edition_index(year)?;
    let ed = scored.editions().get(e).ok_or_else(|| Error::new(ErrorKind::NoRows))?;
    if (0..ed.len()).all(|pos| scored.unit(e, pos).is_none()) {
        // No row, so no header either: as the records would give.
        return to_csv(&records_to_depth(scored, year, depth)?, excel);
    }
    let f = scored.framework();
    let root = f.root_index();
    let within = |node: usize| Depth::within(depth.nodes, scored, node);
    let code_of = |node: usize| f.nodes().get(node).map_or("", |n| n.code());
    let leaves: Vec<usize> = f.leaves().iter().copied().filter(|&l| within(l)).collect();
    let order: Vec<usize> = node_order(scored).into_iter().filter(|&n| within(n)).collect();
    // The header, as the records name their columns.
    let mut keys: Vec<String> = ["code", "name", "year", "group"].map(String::from).into();
    keys.extend(leaves.iter().map(|&l| code_of(l).to_string()));
    for &node in &order {
        let code = code_of(node);
        let columns: &[&str] = if Depth::within(depth.ranks, scored, node) {
            &["_score", "_rank", "_change"]
        } else {
            &["_score"]
        };
        keys.extend(columns.iter().map(|s| format!("{code}{s}")));
    }
    keys.extend(["rank_in_group", "group_n", "n", "status"].map(String::from));
    let n_ranked = i64::from(ed.ranked(root));
    // Per node: scores and ranks read as slices (ranks computed now if not
    // yet; none for a node not ranked).
    let columns: Vec<NodeColumns> = order
        .iter()
        .map(|&node| {
            let ranks = Depth::within(depth.ranks, scored, node).then(|| ed.ranks(node));
            (node, ed.scores(node), ranks)
        })
        .collect();
    let mut out = String::with_capacity((ed.len() + 1) * keys.len() * 8 + 3);
    if excel {
        out.push('\u{feff}');
    }
    for (i, k) in keys.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_field(&mut out, k);
    }
    out.push('\n');
    let text = |out: &mut String, s: &str| push_field(out, &spreadsheet_text(s, excel));
    let rows = |out: &mut String, range: std::ops::Range<usize>| {
        for pos in range {
            let Some(u) = scored.unit(e, pos) else { continue };
            text(out, &u.code);
            out.push(',');
            text(out, &u.name);
            out.push(',');
            if let Some(y) = u.year {
                push_int(out, y);
            }
            out.push(',');
            if let Some(g) = &u.group {
                text(out, g);
            }
            for &l in &leaves {
                out.push(',');
                if let Some(v) = ed.raw(l, pos) {
                    push_float(out, v);
                }
            }
            for &(node, scores, ranks) in &columns {
                out.push(',');
                if let Some(&v) = scores.get(pos).filter(|v| !v.is_nan()) {
                    push_float(out, v);
                }
                let Some(ranks) = ranks else { continue };
                out.push(',');
                if let Some(&Some(r)) = ranks.get(pos) {
                    push_int(out, r.into());
                }
                out.push(',');
                if let Some(c) = scored.change(e, node, pos) {
                    push_int(out, c);
                }
            }
            out.push(',');
            if let Some((r, n)) = ed.group_rank(pos) {
                push_int(out, r.into());
                out.push(',');
                push_int(out, n.into());
            } else {
                out.push(',');
            }
            out.push(',');
            push_int(out, n_ranked);
            out.push(',');
            if scored.presence(e, pos) == Presence::New {
                out.push_str("new");
            }
            out.push('\n');
        }
    };
    let row_bytes = keys.len() * 8;
    #[cfg(not(target_arch = "wasm32"))]
    in_parts(&mut out, ed.len(), parts, row_bytes, &rows);
    #[cfg(target_arch = "wasm32")]
    {
        let _ = (parts, row_bytes);
        rows(&mut out, 0..ed.len());
    }
    if let Some(base) = scored.base_of(e) {
        for &bp in scored.dropped(e) {
            let Some(u) = base.rows().get(bp).and_then(|&row| scored.units().get(row)) else {
                continue;
            };
            // As the records of dropped units: by column name.
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                match k.as_str() {
                    "code" => text(&mut out, &u.code),
                    "name" => text(&mut out, &u.name),
                    "year" => {
                        if let Some(y) = ed.year() {
                            push_int(&mut out, y);
                        }
                    }
                    "group" => {
                        if let Some(g) = &u.group {
                            text(&mut out, g);
                        }
                    }
                    "status" => out.push_str("dropped"),
                    "n" => push_int(&mut out, n_ranked),
                    _ => {}
                }
            }
            out.push('\n');
        }
    }
    Ok(out)
}

/// Writes rows `0..n` with `rows` (a row range into a buffer), after what
/// `out` holds: the first part straight into `out`, the others (up to
/// `parts` in all, from [`PARALLEL_ROWS`] rows) into buffers of about
/// `row_bytes` a row on the other cores, appended in order.
#[cfg(not(target_arch = "wasm32"))]
fn in_parts(
    out: &mut String,
    n: usize,
    parts: usize,
    row_bytes: usize,
    rows: &(impl Fn(&mut String, std::ops::Range<usize>) + Sync),
) {
    use rayon::prelude::*;
    if parts <= 1 || n < PARALLEL_ROWS {
        rows(out, 0..n);
        return;
    }
    let size = n.div_ceil(parts);
    let ((), rest) = rayon::join(
        || rows(out, 0..size),
        || {
            (1..parts)
                .into_par_iter()
                .map(|k| {
                    let range = (k * size).min(n)..((k + 1) * size).min(n);
                    let mut part = String::with_capacity(range.len() * row_bytes);
                    rows(&mut part, range);
                    part
                })
                .collect::<Vec<String>>()
        },
    );
    for part in rest {
        out.push_str(&part);
    }
}

/// A node, its scores and (if it is ranked) its ranks.
type NodeColumns<'a> = (usize, &'a [f64], Option<&'a [Option<u32>]>);

/// Appends a CSV field as the CSV writer writes it: in quotes (and its
/// quotes doubled) when it holds a comma, a quote or a line end.
fn push_field(out: &mut String, s: &str) {
    if s.bytes().any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r')) {
        out.push('"');
        for part in s.split_inclusive('"') {
            out.push_str(part);
            if part.ends_with('"') {
                out.push('"');
            }
        }
        out.push('"');
    } else {
        out.push_str(s);
    }
}

/// Appends `v` in decimal, as `Display` writes it.
fn push_int(out: &mut String, v: i64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut m = v.unsigned_abs();
    loop {
        at -= 1;
        if let Some(d) = digits.get_mut(at) {
            *d = b'0' + (m % 10) as u8;
        }
        m /= 10;
        if m == 0 || at == 0 {
            break;
        }
    }
    if v < 0 {
        out.push('-');
    }
    // ASCII digits: pushed as chars, without a UTF-8 check.
    out.extend(digits.get(at..).unwrap_or(&[]).iter().map(|&d| char::from(d)));
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

/// A text cell as written to CSV: with `excel`, a `'` before text a
/// spreadsheet would take for a formula.
pub(crate) fn spreadsheet_text(s: &str, excel: bool) -> Cow<'_, str> {
    if excel && is_formula(s) {
        Cow::Owned(format!("'{s}"))
    } else {
        Cow::Borrowed(s)
    }
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
    // One text buffer reused for every cell.
    let mut buf = String::new();
    for r in records {
        for (_, c) in &r.0 {
            buf.clear();
            match c {
                Cell::Text(s) => buf.push_str(&spreadsheet_text(s, excel)),
                c => c.push_text(&mut buf),
            }
            w.write_field(&buf).map_err(io)?;
        }
        w.write_record(None::<&[u8]>).map_err(io)?;
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
    #[test]
    #[cfg(not(target_arch = "wasm32"))]
    fn floats_are_written_as_display_writes_them() {
        let mut state = 0x1234_5678_9abc_def0u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let special = [
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.1,
            1e14,
            1e15,
            1e-5,
            1.5e-7,
            0.5000076293945313,
            917_488_648_486.0 + 0.156_25, // exactly …486.15625: a tie at 16 digits
        ];
        let random = (0..200_000).map(|i| {
            let r = next();
            let unit = (r >> 11) as f64 / (1u64 << 53) as f64;
            match i % 4 {
                0 => f64::from_bits(r),
                1 => unit,
                2 => (r >> 20) as f64 / 2f64.powi((r % 60) as i32),
                _ => unit * 10f64.powi((r % 40) as i32 - 20),
            }
        });
        for v in special.into_iter().chain(random).filter(|v| v.is_finite()) {
            let mut s = String::new();
            push_float(&mut s, v);
            assert_eq!(s, format!("{v}"), "{v:e}");
        }
    }

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
    fn scores_csv_is_to_csv_of_the_records() {
        // Editions with new and dropped units, groups, quotes, formulas, a
        // missing year cell, a framework leaf named like an output column.
        let d = Dataset::from_str(
            "code,name,year,group,HTKT,HTNL,UD,SXKD,MT\n\
             a,\"A, \"\"the\"\" one\",1,N,1,1,1,1,1\n\
             b,=B,1,\"S,1\",.5,.5,.5,.5,.5\n\
             -c,+C,1,,.2,,.3,.1,.9\n\
             a,A,2,N,.1,.7,.7,.7,.7\n\
             d,D,2,S,.7,.7,.7,.7,.7\n\
             e,E,2,S,,,,,\n",
        )
        .unwrap();
        let f = Framework::vn_ict();
        let s = score(&d, &f, &Options::default()).unwrap();
        let limits = [None, Some(0), Some(1), Some(2)];
        for year in [None, Some(1), Some(2)] {
            for nodes in limits {
                for ranks in limits {
                    let depth = Depth { nodes, ranks };
                    for excel in [false, true] {
                        let r = records_to_depth(&s, year, depth).unwrap();
                        assert_eq!(scores_csv(&s, year, depth, excel).unwrap(), to_csv(&r, excel).unwrap());
                    }
                }
            }
        }
        let g = Framework::from_str("code,parent\nI,\nn,I\nstatus_x,I\n").unwrap();
        let d = Dataset::from_str("code,year,n,status_x\nx,1,1,2\ny,1,3,4\nx,2,5,6\n").unwrap();
        let s = score(&d, &g, &Options::default()).unwrap();
        let r = records(&s, None).unwrap();
        assert_eq!(scores_csv(&s, None, None, false).unwrap(), to_csv(&r, false).unwrap());
        assert!(scores_csv(&s, None, None, false).unwrap().contains("dropped"));
    }

    #[test]
    #[cfg(not(target_arch = "wasm32"))]
    fn scores_csv_in_parts_is_scores_csv_in_one() {
        // Two editions (new and dropped units, groups, a quoted name), large
        // enough to be written in parts.
        let mut text = String::from("code,name,year,group,HTKT,HTNL,UD,SXKD,MT\n");
        for year in [1, 2] {
            for u in 0..2_600 {
                if (year == 1 && u % 11 == 5) || (year == 2 && u % 13 == 7) {
                    continue;
                }
                let v = |k: usize| match (u * 7 + k * 3 + year) % 17 {
                    0 => String::new(),
                    x => format!("{}", (x * 37 + u) as f64 / 400.0),
                };
                let name = if u % 97 == 0 {
                    format!("\"U, {u}\"")
                } else {
                    format!("U{u}")
                };
                text.push_str(&format!(
                    "u{u},{name},{year},{},{},{},{},{},{}\n",
                    ["N", "S", ""][u % 3],
                    v(0),
                    v(1),
                    v(2),
                    v(3),
                    v(4)
                ));
            }
        }
        let d = Dataset::from_str(&text).unwrap();
        let s = score(&d, &Framework::vn_ict(), &Options::default()).unwrap();
        for year in [Some(1), Some(2)] {
            for depth in [None, Some(0), Some(1)].map(Depth::from).into_iter().chain([Depth {
                nodes: Some(1),
                ranks: Some(0),
            }]) {
                for excel in [false, true] {
                    let one = scores_csv_in(&s, year, depth, excel, 1).unwrap();
                    assert!(one.lines().count() > PARALLEL_ROWS);
                    for parts in [2, 3, 7] {
                        assert_eq!(scores_csv_in(&s, year, depth, excel, parts).unwrap(), one);
                    }
                    assert_eq!(scores_csv(&s, year, depth, excel).unwrap(), one);
                }
            }
        }
        assert!(scores_csv_in(&s, Some(2), None.into(), false, 2)
            .unwrap()
            .contains("dropped"));
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
