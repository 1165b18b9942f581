//! Pictures as SVG: a tile-grid map, a unit's profile (radar), ranks over
//! time (bump chart) and the score distribution (sorted bars).
//!
//! Every chart is a self-contained SVG string plus a text alternative. All
//! text from data is XML-escaped, so a province name holding markup is shown
//! as text. Interactive parts carry `data-code` attributes and `tabindex` so
//! the page can attach hover, focus and click handlers.

use std::collections::HashMap;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind, Result};
use crate::lang::Lang;
use crate::parse::CsvText;
use crate::report::ordinal;
use crate::score::Scored;

/// The 63-province tile grid shipped in `data/tilegrid-63.csv`.
const VN63: &str = include_str!("../data/tilegrid-63.csv");
/// The 34-unit (2025) tile grid shipped in `data/tilegrid-34.csv`.
const VN34: &str = include_str!("../data/tilegrid-34.csv");

/// A chart: the SVG document and a text alternative for screen readers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Chart {
    /// The SVG document.
    pub svg: String,
    /// What the chart shows, in words.
    pub alt: String,
}

/// One tile of a tile-grid map.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tile {
    /// Unit code.
    pub code: String,
    /// Row, 0 at the top (north).
    pub row: u32,
    /// Column, 0 at the left (west).
    pub col: u32,
}

/// A tile-grid layout: one equal tile per unit, laid out like the country.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TileLayout {
    /// The tiles.
    pub tiles: Vec<Tile>,
}

impl TileLayout {
    /// Reads a `code,row,col` CSV. Two tiles in one cell is an error.
    ///
    /// ```
    /// use ictindex::TileLayout;
    /// let l = TileLayout::from_str("code,row,col\n01,0,1\n26,1,1\n").unwrap();
    /// assert_eq!(l.tiles[1].row, 1);
    /// assert!(TileLayout::from_str("code,row,col\n01,0,1\n26,0,1\n").is_err());
    /// ```
    #[allow(clippy::should_implement_trait)]
    pub fn from_str(text: &str) -> Result<Self> {
        let csv = CsvText::new(text)?;
        let header = csv.header()?;
        let col = |name: &str| {
            header
                .iter()
                .position(|h| h.eq_ignore_ascii_case(name))
                .ok_or_else(|| Error::new(ErrorKind::MissingColumn(name.into())).at_line(1))
        };
        let (c_code, c_row, c_col) = (col("code")?, col("row")?, col("col")?);
        let mut tiles: Vec<Tile> = Vec::new();
        for row in csv.rows() {
            let row = row?;
            let cell = |i: usize| row.fields.get(i).map(|s| s.trim()).unwrap_or("");
            let int = |i: usize| {
                cell(i).parse::<u32>().map_err(|_| {
                    Error::new(ErrorKind::InvalidField {
                        field: header.get(i).cloned().unwrap_or_default(),
                        value: cell(i).into(),
                    })
                    .at_line(row.line)
                    .at_column(i as u64 + 1, header.get(i).map(String::as_str))
                })
            };
            let t = Tile {
                code: cell(c_code).to_string(),
                row: int(c_row)?,
                col: int(c_col)?,
            };
            if tiles.iter().any(|o| o.row == t.row && o.col == t.col) {
                return Err(Error::new(ErrorKind::InvalidField {
                    field: "row,col".into(),
                    value: format!("{},{}", t.row, t.col),
                })
                .at_line(row.line));
            }
            tiles.push(t);
        }
        Ok(TileLayout { tiles })
    }

    /// The shipped layout of the 63 provinces (before 1/7/2025).
    pub fn vn63() -> Self {
        Self::from_str(VN63).unwrap_or(TileLayout { tiles: Vec::new() })
    }

    /// The shipped layout of the 34 provincial units (from 1/7/2025).
    pub fn vn34() -> Self {
        Self::from_str(VN34).unwrap_or(TileLayout { tiles: Vec::new() })
    }

    fn size(&self) -> (u32, u32) {
        let rows = self.tiles.iter().map(|t| t.row + 1).max().unwrap_or(0);
        let cols = self.tiles.iter().map(|t| t.col + 1).max().unwrap_or(0);
        (rows, cols)
    }
}

/// What a map colours units by.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum MapValue {
    /// The node's score.
    Score,
    /// The node's rank.
    #[default]
    Rank,
    /// The node's rank change against the base edition.
    Change,
}

/// `value` written with `D` decimals by integer arithmetic: the precision
/// paths of float formatting would cost the page's module several KB.
///
/// ```
/// use ictindex::Fixed;
/// assert_eq!(Fixed::<1>(12.345).to_string(), "12.3");
/// assert_eq!(Fixed::<4>(-0.00005).to_string(), "-0.0001");
/// assert_eq!(Fixed::<2>(3.0).to_string(), "3.00");
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Fixed<const D: u32>(pub f64);

impl<const D: u32> std::fmt::Display for Fixed<D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let scale = 10i64.pow(D.min(9));
        let n = if self.0.is_finite() {
            (self.0 * scale as f64).round() as i64
        } else {
            0
        };
        let sign = if n < 0 { "-" } else { "" };
        let a = n.unsigned_abs();
        let scale = scale.unsigned_abs();
        if D == 0 {
            write!(f, "{sign}{a}")
        } else {
            write!(f, "{sign}{}.{:0w$}", a / scale, a % scale, w = D.min(9) as usize)
        }
    }
}

/// Escapes text for XML content and attributes.
///
/// ```
/// use ictindex::xml_escape;
/// assert_eq!(xml_escape("<b>\"Hà\" & 'Nội'</b>"), "&lt;b&gt;&quot;Hà&quot; &amp; &#39;Nội&#39;&lt;/b&gt;");
/// ```
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

/// Viridis, 9 stops: perceptually uniform and readable in grey and by most
/// colour-blind readers.
const VIRIDIS: [(u8, u8, u8); 9] = [
    (68, 1, 84),
    (71, 44, 122),
    (59, 81, 139),
    (44, 113, 142),
    (33, 144, 141),
    (39, 173, 129),
    (92, 200, 99),
    (170, 220, 50),
    (253, 231, 37),
];

/// Colour at `t` in [0, 1] (0 = low, 1 = high) on viridis.
fn sequential(t: f64) -> String {
    let t = if t.is_finite() { t.clamp(0.0, 1.0) } else { 0.0 };
    let x = t * (VIRIDIS.len() - 1) as f64;
    let i = (x.floor() as usize).min(VIRIDIS.len() - 2);
    let f = x - i as f64;
    let (a, b) = (
        VIRIDIS.get(i).copied().unwrap_or((0, 0, 0)),
        VIRIDIS.get(i + 1).copied().unwrap_or((0, 0, 0)),
    );
    let mix = |p: u8, q: u8| (f64::from(p) + (f64::from(q) - f64::from(p)) * f).round() as u8;
    format!("#{:02x}{:02x}{:02x}", mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Colour for a rank change: orange down, grey unchanged, blue up (a
/// colour-blind-safe pair), deeper with the size of the move (capped at 10).
fn diverging(change: i64) -> String {
    let t = (change.clamp(-10, 10) as f64) / 10.0;
    let grey = (230.0, 230.0, 230.0);
    let (end, s) = if t >= 0.0 {
        ((33.0, 102.0, 172.0), t)
    } else {
        ((230.0, 97.0, 1.0), -t)
    };
    let mix = |p: f64, q: f64| (p + (q - p) * s).round() as u8;
    format!(
        "#{:02x}{:02x}{:02x}",
        mix(grey.0, end.0),
        mix(grey.1, end.1),
        mix(grey.2, end.2)
    )
}

/// Black or white text, whichever reads better on `fill` (`#rrggbb`).
fn ink(fill: &str) -> &'static str {
    let c = |i: usize| {
        fill.get(i..i + 2)
            .and_then(|h| u8::from_str_radix(h, 16).ok())
            .map_or(0.0, f64::from)
    };
    let luma = 0.299 * c(1) + 0.587 * c(3) + 0.114 * c(5);
    if luma > 140.0 {
        "#111"
    } else {
        "#fff"
    }
}

/// Short tile label: initials of the name's words, without "TP."/"Tỉnh".
fn initials(name: &str) -> String {
    let folded = crate::lang::fold(name);
    let words: Vec<&str> = folded
        .split(' ')
        .filter(|w| !w.is_empty() && *w != "tp" && *w != "tinh")
        .collect();
    let mut s: String = words
        .iter()
        .filter_map(|w| w.chars().next())
        .collect::<String>()
        .to_ascii_uppercase();
    if words.len() == 1 {
        s = words
            .first()
            .map(|w| w.chars().take(3).collect::<String>())
            .unwrap_or_default();
        let mut c = s.chars();
        s = c
            .next()
            .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
            .unwrap_or_default();
    }
    s
}

fn fmt_score(v: f64, lang: Lang) -> String {
    lang.decimals(Fixed::<4>(v).to_string())
}

fn change_words(c: Option<i64>, lang: Lang) -> String {
    match (c, lang) {
        (None, _) => String::new(),
        (Some(0), Lang::Vi) => "giữ nguyên".into(),
        (Some(0), Lang::En) => "unchanged".into(),
        (Some(c), Lang::Vi) if c > 0 => format!("tăng {c} bậc"),
        (Some(c), Lang::Vi) => format!("giảm {} bậc", c.unsigned_abs()),
        (Some(c), Lang::En) if c > 0 => format!("up {c}"),
        (Some(c), Lang::En) => format!("down {}", c.unsigned_abs()),
    }
}

/// A tile-grid map of edition `e`, each unit coloured by `node`'s `value`;
/// units absent from the data are grey and say "no data". `selected` is outlined.
///
/// ```
/// use ictindex::{map_svg, score, Dataset, Framework, Lang, MapValue, Options, TileLayout};
/// let d = Dataset::from_str("code,name,HTKT,HTNL,UD,SXKD,MT\n01,Hà Nội,.9,.9,.9,.9,.9\n26,<b>Vĩnh Phúc</b>,.5,.5,.5,.5,.5\n").unwrap();
/// let s = score(&d, &Framework::vn_ict(), &Options::default()).unwrap();
/// let layout = TileLayout::from_str("code,row,col\n01,0,0\n26,0,1\n79,1,0\n").unwrap();
/// let c = map_svg(&s, 0, s.framework().root_index(), MapValue::Rank, &layout, Lang::En, Some("26")).unwrap();
/// assert!(c.svg.contains("data-code=\"26\""));
/// assert!(c.svg.contains("&lt;b&gt;Vĩnh Phúc&lt;/b&gt;: 2nd of 2"));
/// assert!(!c.svg.contains("<b>"));
/// assert!(c.alt.contains("Hà Nội 1st"));
/// ```
pub fn map_svg(
    scored: &Scored,
    e: usize,
    node: usize,
    value: MapValue,
    layout: &TileLayout,
    lang: Lang,
    selected: Option<&str>,
) -> Result<Chart> {
    let ed = scored.editions().get(e).ok_or_else(|| Error::new(ErrorKind::NoRows))?;
    let f = scored.framework();
    let shown = f
        .nodes()
        .get(node)
        .ok_or_else(|| Error::new(ErrorKind::UnknownNode(node.to_string())))?;
    // The map is narrow: a long name (the index's) gives way to its code.
    let node_name = match shown.name(lang) {
        long if long.chars().count() > 24 => shown.code().to_string(),
        short => short.to_string(),
    };
    let n = ed.ranked(node);
    let (rows, cols) = layout.size();
    const T: u32 = 34;
    const GAP: u32 = 2;
    const LEGEND: u32 = 70;
    let width = cols * T + 20;
    let height = rows * T + LEGEND + 30;
    let scores: Vec<f64> = (0..ed.len()).filter_map(|p| ed.score(node, p)).collect();
    let (lo, hi) = scores
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
    let title = match (lang, value) {
        (Lang::Vi, MapValue::Score) => format!("{node_name}: điểm"),
        (Lang::Vi, MapValue::Rank) => format!("{node_name}: thứ hạng"),
        (Lang::Vi, MapValue::Change) => format!("{node_name}: thay đổi thứ hạng"),
        (Lang::En, MapValue::Score) => format!("{node_name}: score"),
        (Lang::En, MapValue::Rank) => format!("{node_name}: rank"),
        (Lang::En, MapValue::Change) => format!("{node_name}: rank change"),
    };
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"{}\" font-family=\"system-ui, sans-serif\">",
        xml_escape(&title)
    );
    let _ = write!(svg, "<title>{}</title>", xml_escape(&title));
    let _ = write!(
        svg,
        "<text x=\"10\" y=\"18\" font-size=\"13\" font-weight=\"600\">{}</text>",
        xml_escape(&title)
    );
    let mut alt_parts = Vec::new();
    // Tiles match units by exact code: one lookup each, not a search per tile.
    let mut by_code: HashMap<&str, usize> = HashMap::new();
    for p in 0..ed.len() {
        if let Some(u) = scored.unit(e, p) {
            by_code.entry(u.code.as_str()).or_insert(p);
        }
    }
    for t in &layout.tiles {
        let pos = by_code.get(t.code.as_str()).copied();
        let x = 10 + t.col * T;
        let y = 26 + t.row * T;
        let (fill, label, name) = match pos {
            Some(p) => {
                let name = scored.unit(e, p).map(|u| u.name.clone()).unwrap_or_default();
                let rank = ed.rank(node, p);
                let change = scored.change(e, node, p);
                let fill = match value {
                    MapValue::Score => ed
                        .score(node, p)
                        .map(|v| sequential(if hi > lo { (v - lo) / (hi - lo) } else { 1.0 })),
                    MapValue::Rank => rank.map(|r| {
                        sequential(if n > 1 {
                            1.0 - f64::from(r - 1) / f64::from(n - 1)
                        } else {
                            1.0
                        })
                    }),
                    MapValue::Change => change.map(diverging),
                };
                let mut label = match (rank, lang) {
                    (Some(r), Lang::Vi) => format!("{name}: thứ {r}/{n}"),
                    (Some(r), Lang::En) => format!("{name}: {} of {n}", ordinal(r)),
                    (None, Lang::Vi) => format!("{name}: không có thứ hạng"),
                    (None, Lang::En) => format!("{name}: not ranked"),
                };
                if let Some(v) = ed.score(node, p) {
                    let _ = write!(label, ", {}", fmt_score(v, lang));
                }
                let cw = change_words(change, lang);
                if !cw.is_empty() {
                    let _ = write!(label, ", {cw}");
                }
                alt_parts.push(match (rank, lang) {
                    (Some(r), Lang::En) => format!("{name} {}", ordinal(r)),
                    (Some(r), Lang::Vi) => format!("{name} thứ {r}"),
                    (None, _) => format!("{name} –"),
                });
                (fill.unwrap_or_else(|| "#d9d9d9".into()), label, name)
            }
            None => {
                let no = match lang {
                    Lang::Vi => "không có dữ liệu",
                    Lang::En => "no data",
                };
                ("#f0f0f0".to_string(), format!("{}: {no}", t.code), t.code.clone())
            }
        };
        let is_sel = selected.is_some_and(|s| s == t.code);
        let stroke = if is_sel {
            " stroke=\"#d62728\" stroke-width=\"3\""
        } else {
            " stroke=\"#fff\" stroke-width=\"1\""
        };
        let _ = write!(
            svg,
            "<g class=\"tile\" data-code=\"{code}\" tabindex=\"0\" role=\"button\" aria-label=\"{label}\"><title>{label}</title>\
             <rect x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{w}\" rx=\"3\" fill=\"{fill}\"{stroke}/>\
             <text x=\"{tx}\" y=\"{ty}\" font-size=\"10\" text-anchor=\"middle\" fill=\"{ink}\" pointer-events=\"none\">{short}</text></g>",
            code = xml_escape(&t.code),
            label = xml_escape(&label),
            w = T - GAP,
            tx = x + (T - GAP) / 2,
            ty = y + (T - GAP) / 2 + 4,
            ink = ink(&fill),
            short = xml_escape(&initials(&name)),
        );
    }
    // Legend.
    let ly = 26 + rows * T + 16;
    let steps = 9u32;
    let lw = (width - 20) / steps;
    for i in 0..steps {
        let t = f64::from(i) / f64::from(steps - 1);
        let fill = match value {
            MapValue::Change => diverging(((t * 20.0) - 10.0).round() as i64),
            _ => sequential(t),
        };
        let _ = write!(
            svg,
            "<rect x=\"{}\" y=\"{ly}\" width=\"{lw}\" height=\"12\" fill=\"{fill}\"/>",
            10 + i * lw
        );
    }
    let (left, right) = match value {
        MapValue::Score => (fmt_score(lo, lang), fmt_score(hi, lang)),
        MapValue::Rank => (n.to_string(), "1".to_string()),
        MapValue::Change => match lang {
            Lang::Vi => ("▼10".into(), "▲10".into()),
            Lang::En => ("▼10".into(), "▲10".into()),
        },
    };
    let _ = write!(
        svg,
        "<text x=\"10\" y=\"{y}\" font-size=\"11\">{}</text><text x=\"{}\" y=\"{y}\" font-size=\"11\" text-anchor=\"end\">{}</text>",
        xml_escape(&left),
        width - 10,
        xml_escape(&right),
        y = ly + 26
    );
    svg.push_str("</svg>");
    let alt = format!("{title}. {}", alt_parts.join("; "));
    Ok(Chart { svg, alt })
}

/// Unit vectors of `k` radar spokes, the first pointing up, clockwise on
/// screen. One rotation by 2π/k (its cosine and sine from their Taylor series,
/// exact to ~1e-15 for k ≥ 3) is applied repeatedly: no libm `sin`/`cos` in the
/// page's module.
fn spokes(k: usize) -> Vec<(f64, f64)> {
    let t = std::f64::consts::TAU / k.max(1) as f64;
    let (mut c, mut s, mut term_c, mut term_s) = (0.0, 0.0, 1.0, t);
    for n in 0..12 {
        c += term_c;
        s += term_s;
        let m = 2.0 * f64::from(n) + 1.0;
        term_c *= -t * t / (m * (m + 1.0));
        term_s *= -t * t / ((m + 1.0) * (m + 2.0));
    }
    let mut v = (0.0, -1.0);
    (0..k)
        .map(|_| {
            let here = v;
            v = (v.0 * c - v.1 * s, v.0 * s + v.1 * c);
            here
        })
        .collect()
}

/// Mean of `node`'s score over the units of edition `e` at `positions`.
fn mean(scored: &Scored, e: usize, node: usize, positions: impl Iterator<Item = usize>) -> Option<f64> {
    let ed = scored.editions().get(e)?;
    let (s, n) = positions
        .filter_map(|p| ed.score(node, p))
        .fold((0.0, 0u32), |(s, n), v| (s + v, n + 1));
    (n > 0).then(|| s / f64::from(n))
}

/// A radar chart of the unit at `pos`'s pillar scores (the index's children)
/// against the national and regional (group) averages of edition `e`.
///
/// ```
/// use ictindex::{profile_svg, score, Dataset, Framework, Lang, Options};
/// let d = Dataset::from_str("code,group,HTKT,HTNL,UD,SXKD,MT\na,N,.9,.8,.7,.6,.5\nb,N,.1,.2,.3,.4,.5\nc,S,.5,.5,.5,.5,.5\n").unwrap();
/// let s = score(&d, &Framework::vn_ict(), &Options::default()).unwrap();
/// let c = profile_svg(&s, 0, 0, Lang::En).unwrap();
/// assert_eq!(c.svg.matches("<polygon").count(), 3 + 4); // 3 series + 4 grid rings
/// assert!(c.alt.contains("Technical infrastructure 0.9000 (national 0.5000, regional 0.5000)"));
/// ```
pub fn profile_svg(scored: &Scored, e: usize, pos: usize, lang: Lang) -> Result<Chart> {
    let ed = scored.editions().get(e).ok_or_else(|| Error::new(ErrorKind::NoRows))?;
    let unit = scored
        .unit(e, pos)
        .ok_or_else(|| Error::new(ErrorKind::UnknownUnit(pos.to_string())))?;
    let f = scored.framework();
    let pillars = &f.root().children;
    let group = ed.group(pos);
    let same_group: Vec<usize> = (0..ed.len()).filter(|&p| ed.group(p) == group).collect();
    let k = pillars.len().max(3) as f64;
    let (cx, cy, r) = (200.0, 190.0, 130.0);
    let axes = spokes(k as usize);
    let point = |i: usize, v: f64| {
        let (dx, dy) = axes.get(i).copied().unwrap_or((0.0, -1.0));
        let v = if v.is_finite() { v.clamp(0.0, 1.0) } else { 0.0 };
        (cx + r * v * dx, cy + r * v * dy)
    };
    // Scores outside [0, 1] (z-scores, ranks) are drawn on the range of the values shown.
    let series: Vec<[Option<f64>; 3]> = pillars
        .iter()
        .map(|&p| {
            [
                ed.score(p, pos),
                mean(scored, e, p, 0..ed.len()),
                mean(scored, e, p, same_group.iter().copied()),
            ]
        })
        .collect();
    let all: Vec<f64> = series.iter().flatten().flatten().copied().collect();
    let (lo, hi) = all.iter().fold((0.0f64, 1.0f64), |(a, b), &v| (a.min(v), b.max(v)));
    let scale = |v: f64| (v - lo) / (hi - lo);
    let title = match lang {
        Lang::Vi => format!("Hồ sơ {}: điểm các trụ cột", unit.name),
        Lang::En => format!("Profile of {}: pillar scores", unit.name),
    };
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 400 420\" width=\"400\" height=\"420\" role=\"img\" aria-label=\"{t}\" font-family=\"system-ui, sans-serif\"><title>{t}</title>",
        t = xml_escape(&title)
    );
    for ring in 1..=4 {
        let pts: Vec<String> = (0..pillars.len().max(3))
            .map(|i| {
                let (x, y) = point(i, f64::from(ring) / 4.0);
                format!("{},{}", Fixed::<1>(x), Fixed::<1>(y))
            })
            .collect();
        let _ = write!(
            svg,
            "<polygon points=\"{}\" fill=\"none\" stroke=\"#ddd\"/>",
            pts.join(" ")
        );
    }
    for (i, &p) in pillars.iter().enumerate() {
        let (x, y) = point(i, 1.12);
        let name = f.nodes().get(p).map(|n| n.code().to_string()).unwrap_or_default();
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{}\" font-size=\"12\" text-anchor=\"middle\">{}</text>",
            Fixed::<1>(x),
            Fixed::<1>(y),
            xml_escape(&name)
        );
    }
    let styles = [("#d62728", "0.25", "3"), ("#555", "0", "1.5"), ("#1f77b4", "0", "1.5")];
    let names = match lang {
        Lang::Vi => [unit.name.clone(), "Trung bình cả nước".into(), "Trung bình vùng".into()],
        Lang::En => [unit.name.clone(), "National average".into(), "Regional average".into()],
    };
    for (s, ((stroke, opacity, width), name)) in styles.iter().zip(&names).enumerate() {
        let pts: Vec<String> = series
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let (x, y) = point(i, v.get(s).copied().flatten().map_or(0.0, scale));
                format!("{},{}", Fixed::<1>(x), Fixed::<1>(y))
            })
            .collect();
        let dash = if s == 1 { " stroke-dasharray=\"4 3\"" } else { "" };
        let _ = write!(
            svg,
            "<polygon points=\"{}\" fill=\"{stroke}\" fill-opacity=\"{opacity}\" stroke=\"{stroke}\" stroke-width=\"{width}\"{dash}><title>{}</title></polygon>",
            pts.join(" "),
            xml_escape(name)
        );
        let ly = 360 + s as u32 * 18;
        let _ = write!(
            svg,
            "<line x1=\"20\" x2=\"44\" y1=\"{ly}\" y2=\"{ly}\" stroke=\"{stroke}\" stroke-width=\"{width}\"{dash}/><text x=\"50\" y=\"{}\" font-size=\"12\">{}</text>",
            ly + 4,
            xml_escape(name)
        );
    }
    svg.push_str("</svg>");
    let parts: Vec<String> = pillars
        .iter()
        .zip(&series)
        .map(|(&p, v)| {
            let name = f.nodes().get(p).map(|n| n.name(lang).to_string()).unwrap_or_default();
            let s = |x: Option<f64>| x.map_or("–".into(), |x| fmt_score(x, lang));
            match lang {
                Lang::Vi => format!("{name} {} (cả nước {}, vùng {})", s(v[0]), s(v[1]), s(v[2])),
                Lang::En => format!("{name} {} (national {}, regional {})", s(v[0]), s(v[1]), s(v[2])),
            }
        })
        .collect();
    Ok(Chart {
        svg,
        alt: format!("{title}: {}.", parts.join("; ")),
    })
}

/// Vertical distance between two end labels of a bump chart, in pixels
/// (12-pixel text).
const LABEL_GAP: f64 = 14.0;

/// Label positions for wanted positions `want` (`None`: no label): in the
/// same order as wanted, at least `gap` apart, kept within `lo..=hi` where
/// the room allows, each as near its wanted place as the others let it be.
fn spread(want: &[Option<f64>], gap: f64, lo: f64, hi: f64) -> Vec<Option<f64>> {
    let mut order: Vec<usize> = (0..want.len())
        .filter(|&i| want.get(i).is_some_and(Option::is_some))
        .collect();
    let at = |i: usize| want.get(i).copied().flatten().unwrap_or(lo);
    order.sort_by(|&a, &b| at(a).total_cmp(&at(b)).then(a.cmp(&b)));
    let mut placed: Vec<f64> = order.iter().map(|&i| at(i)).collect();
    // Push down past the previous label, then back up from the bottom.
    let mut floor = lo;
    for y in placed.iter_mut() {
        *y = y.max(floor);
        floor = *y + gap;
    }
    let mut ceiling = hi.max(lo + gap * placed.len().saturating_sub(1) as f64);
    for y in placed.iter_mut().rev() {
        *y = y.min(ceiling);
        ceiling = *y - gap;
    }
    let mut out = vec![None; want.len()];
    for (&i, y) in order.iter().zip(placed) {
        if let Some(slot) = out.get_mut(i) {
            *slot = Some(y);
        }
    }
    out
}

/// A bump chart: `node`'s rank in every edition for the units `codes`
/// (the first is highlighted).
///
/// ```
/// use ictindex::{bump_svg, score, Dataset, Framework, Lang, Options};
/// let d = Dataset::from_str("code,year,HTKT,HTNL,UD,SXKD,MT\na,1,.9,.9,.9,.9,.9\nb,1,.5,.5,.5,.5,.5\na,2,.1,.1,.1,.1,.1\nb,2,.5,.5,.5,.5,.5\n").unwrap();
/// let s = score(&d, &Framework::vn_ict(), &Options::default()).unwrap();
/// let c = bump_svg(&s, 0, &["a", "b"], Lang::En).unwrap();
/// assert_eq!(c.svg.matches("<polyline").count(), 2);
/// assert_eq!(c.alt, "Ranks over time: a 1 → 2; b 2 → 1.");
/// ```
pub fn bump_svg(scored: &Scored, node: usize, codes: &[&str], lang: Lang) -> Result<Chart> {
    let eds = scored.editions();
    let max_rank = eds.iter().map(|e| e.ranked(node)).max().unwrap_or(1).max(1);
    let (w, h, left, top) = (520.0, 320.0, 40.0, 30.0);
    let plot_w = w - left - 140.0;
    let plot_h = h - top - 40.0;
    let x = |i: usize| {
        left + if eds.len() > 1 {
            plot_w * i as f64 / (eds.len() - 1) as f64
        } else {
            plot_w / 2.0
        }
    };
    let y = |r: u32| top + plot_h * f64::from(r - 1) / f64::from((max_rank - 1).max(1));
    let title = match lang {
        Lang::Vi => "Thứ hạng qua các năm",
        Lang::En => "Ranks over time",
    };
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" role=\"img\" aria-label=\"{title}\" font-family=\"system-ui, sans-serif\"><title>{title}</title>"
    );
    for (i, e) in eds.iter().enumerate() {
        let label = e.year().map_or("–".into(), |y| y.to_string());
        let _ = write!(
            svg,
            "<line x1=\"{x}\" x2=\"{x}\" y1=\"{top}\" y2=\"{b}\" stroke=\"#eee\"/><text x=\"{x}\" y=\"{ty}\" font-size=\"12\" text-anchor=\"middle\">{label}</text>",
            x = Fixed::<1>(x(i)),
            b = Fixed::<1>(top + plot_h),
            ty = Fixed::<1>(h - 12.0)
        );
    }
    let _ = write!(
        svg,
        "<text x=\"4\" y=\"{}\" font-size=\"11\">1</text><text x=\"4\" y=\"{}\" font-size=\"11\">{max_rank}</text>",
        Fixed::<1>(y(1) + 4.0),
        Fixed::<1>(y(max_rank) + 4.0)
    );
    let palette = [
        "#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    ];
    // Each unit's points, ranks and name, then end labels spread apart.
    let mut lines = Vec::with_capacity(codes.len());
    for code in codes {
        let mut pts = Vec::new();
        let mut ranks = Vec::new();
        let mut name = (*code).to_string();
        for (i, e) in eds.iter().enumerate() {
            let pos = (0..e.len()).find(|&p| scored.unit(i, p).is_some_and(|u| u.code == *code));
            if let Some(p) = pos {
                name = scored.unit(i, p).map(|u| u.name.clone()).unwrap_or(name);
                if let Some(r) = e.rank(node, p) {
                    pts.push((x(i), y(r), r));
                    ranks.push(r.to_string());
                    continue;
                }
            }
            ranks.push("–".into());
        }
        lines.push((*code, name, pts, ranks));
    }
    let ends: Vec<Option<f64>> = lines
        .iter()
        .map(|(_, _, pts, _)| pts.last().map(|p| p.1 + 4.0))
        .collect();
    let label_y = spread(&ends, LABEL_GAP, top + 4.0, top + plot_h + 4.0);
    let mut alt = Vec::new();
    for (k, ((code, name, pts, ranks), ly)) in lines.iter().zip(&label_y).enumerate() {
        let colour = palette.get(k % palette.len()).copied().unwrap_or("#333");
        let width = if k == 0 { 3.5 } else { 1.8 };
        let line: Vec<String> = pts
            .iter()
            .map(|(x, y, _)| format!("{},{}", Fixed::<1>(*x), Fixed::<1>(*y)))
            .collect();
        let _ = write!(
            svg,
            "<g data-code=\"{c}\"><title>{n}: {r}</title><polyline points=\"{}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"{width}\"/>",
            line.join(" "),
            c = xml_escape(code),
            n = xml_escape(name),
            r = xml_escape(&ranks.join(" → "))
        );
        for (px, py, r) in pts {
            let _ = write!(
                svg,
                "<circle cx=\"{}\" cy=\"{}\" r=\"4\" fill=\"{colour}\"><title>{}: {r}</title></circle>",
                Fixed::<1>(*px),
                Fixed::<1>(*py),
                xml_escape(name)
            );
        }
        if let (Some((px, py, r)), Some(ly)) = (pts.last(), ly) {
            // A label moved off its point gets a thin leader line.
            if (ly - (py + 4.0)).abs() > 0.5 {
                let _ = write!(
                    svg,
                    "<line class=\"leader\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{colour}\" stroke-width=\"0.8\"/>",
                    Fixed::<1>(px + 4.0),
                    Fixed::<1>(*py),
                    Fixed::<1>(px + 8.0),
                    Fixed::<1>(ly - 4.0)
                );
            }
            let _ = write!(
                svg,
                "<text x=\"{}\" y=\"{}\" font-size=\"12\" fill=\"{colour}\">{} ({r})</text>",
                Fixed::<1>(px + 10.0),
                Fixed::<1>(*ly),
                xml_escape(name)
            );
        }
        svg.push_str("</g>");
        alt.push(format!("{name} {}", ranks.join(" → ")));
    }
    svg.push_str("</svg>");
    Ok(Chart {
        svg,
        alt: format!("{title}: {}.", alt.join("; ")),
    })
}

/// Sorted bars of `node`'s score for every unit of edition `e` of `scored`,
/// `selected` highlighted; with `baseline` (the same edition before what-if
/// edits), each bar that moved shows its baseline score as a tick.
///
/// ```
/// use ictindex::{distribution_svg, score, Dataset, Framework, Lang, Options};
/// let d = Dataset::from_str("code,HTKT,HTNL,UD,SXKD,MT\na,.9,.9,.9,.9,.9\nb,.5,.5,.5,.5,.5\n").unwrap();
/// let s = score(&d, &Framework::vn_ict(), &Options::default()).unwrap();
/// let c = distribution_svg(&s, None, 0, s.framework().root_index(), Some("b"), Lang::En).unwrap();
/// assert_eq!(c.svg.matches("<rect class=\"bar").count(), 2);
/// assert!(c.svg.contains("class=\"bar selected\""));
/// ```
pub fn distribution_svg(
    scored: &Scored,
    baseline: Option<&Scored>,
    e: usize,
    node: usize,
    selected: Option<&str>,
    lang: Lang,
) -> Result<Chart> {
    let ed = scored.editions().get(e).ok_or_else(|| Error::new(ErrorKind::NoRows))?;
    let base = baseline.and_then(|b| b.editions().get(e));
    let mut bars: Vec<(usize, f64)> = (0..ed.len())
        .filter_map(|p| ed.score(node, p).map(|v| (p, v)))
        .collect();
    bars.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let max = bars
        .iter()
        .map(|b| b.1)
        .chain(
            base.into_iter()
                .flat_map(|b| (0..b.len()).filter_map(move |p| b.score(node, p))),
        )
        .fold(0.0f64, f64::max);
    let min = bars.iter().map(|b| b.1).fold(0.0f64, f64::min);
    let (w, h, top, bottom) = (640.0, 260.0, 30.0, 20.0);
    let bw = if bars.is_empty() {
        0.0
    } else {
        (w - 20.0) / bars.len() as f64
    };
    let ys = |v: f64| top + (h - top - bottom) * (1.0 - (v - min) / (max - min).max(f64::MIN_POSITIVE));
    let name = scored
        .framework()
        .nodes()
        .get(node)
        .map(|n| n.name(lang).to_string())
        .unwrap_or_default();
    let title = match lang {
        Lang::Vi => format!("Phân bố điểm: {name}"),
        Lang::En => format!("Score distribution: {name}"),
    };
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" role=\"img\" aria-label=\"{t}\" font-family=\"system-ui, sans-serif\"><title>{t}</title><text x=\"10\" y=\"18\" font-size=\"13\" font-weight=\"600\">{t}</text>",
        t = xml_escape(&title)
    );
    let mut moved = 0;
    for (i, &(p, v)) in bars.iter().enumerate() {
        let unit = scored.unit(e, p);
        let code = unit.map(|u| u.code.as_str()).unwrap_or("");
        let uname = unit.map(|u| u.name.as_str()).unwrap_or("");
        let sel = selected.is_some_and(|s| s == code);
        let x = 10.0 + bw * i as f64;
        let (y0, y1) = (ys(v), ys(0.0f64.max(min)));
        let class = if sel { "bar selected" } else { "bar" };
        let fill = if sel { "#d62728" } else { "#4c78a8" };
        let _ = write!(
            svg,
            "<rect class=\"{class}\" data-code=\"{c}\" x=\"{x}\" y=\"{y}\" width=\"{bw}\" height=\"{hh}\" fill=\"{fill}\" stroke=\"#fff\" stroke-width=\"0.5\"><title>{n}: {s}</title></rect>",
            c = xml_escape(code),
            x = Fixed::<2>(x),
            y = Fixed::<2>(y0.min(y1)),
            bw = Fixed::<2>((bw - 0.5).max(0.5)),
            hh = Fixed::<2>((y1 - y0).abs()),
            n = xml_escape(uname),
            s = fmt_score(v, lang)
        );
        if let Some(b) = base
            .and_then(|b| b.score(node, p))
            .filter(|b| b.to_bits() != v.to_bits())
        {
            moved += 1;
            let _ = write!(
                svg,
                "<line class=\"baseline\" x1=\"{x}\" x2=\"{x2}\" y1=\"{y}\" y2=\"{y}\" stroke=\"#111\" stroke-width=\"2\"/>",
                x = Fixed::<2>(x),
                x2 = Fixed::<2>(x + bw),
                y = Fixed::<2>(ys(b))
            );
        }
    }
    svg.push_str("</svg>");
    let sel_text = selected
        .and_then(|s| {
            bars.iter()
                .position(|&(p, _)| scored.unit(e, p).is_some_and(|u| u.code == s))
                .map(|i| (s, i))
        })
        .map(|(s, i)| match lang {
            Lang::Vi => format!(" {s} ở vị trí {} trên {}.", i + 1, bars.len()),
            Lang::En => format!(" {s} is bar {} of {}.", i + 1, bars.len()),
        })
        .unwrap_or_default();
    let moved_text = match (moved, lang) {
        (0, _) => String::new(),
        (m, Lang::Vi) => format!(" {m} đơn vị thay đổi điểm do giả định (vạch đen: điểm gốc)."),
        (m, Lang::En) => format!(" {m} units changed by the what-if (black tick: baseline score)."),
    };
    let range = match (bars.first(), bars.last()) {
        (Some(a), Some(b)) => format!(" {} – {}.", fmt_score(b.1, lang), fmt_score(a.1, lang)),
        _ => String::new(),
    };
    Ok(Chart {
        svg,
        alt: format!("{title}.{range}{sel_text}{moved_text}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{score, Dataset, Framework, Options};

    #[test]
    fn end_labels_keep_their_order_and_distance() {
        // Two close rivals, one far below, one without a label.
        let want = [Some(100.0), Some(102.0), None, Some(250.0), Some(101.0)];
        let got = spread(&want, LABEL_GAP, 30.0, 300.0);
        assert_eq!(got[2], None);
        let mut ys: Vec<f64> = got.iter().flatten().copied().collect();
        assert_eq!(ys.len(), 4);
        assert_eq!(got[3], Some(250.0), "a label with room stays on its point");
        ys.sort_by(f64::total_cmp);
        assert!(ys.windows(2).all(|w| w[1] - w[0] >= LABEL_GAP));
        // Order by wanted place is kept: 0 (100), 4 (101), 1 (102).
        assert!(got[0].unwrap() < got[4].unwrap() && got[4].unwrap() < got[1].unwrap());
        // Crowded at the bottom: pushed back up within the plot.
        let got = spread(&[Some(299.0), Some(300.0), Some(300.0)], LABEL_GAP, 30.0, 300.0);
        assert_eq!(got, vec![Some(272.0), Some(286.0), Some(300.0)]);
    }

    #[test]
    fn bump_labels_of_tied_units_do_not_overlap() {
        let d = Dataset::from_str(
            "code,year,HTKT,HTNL,UD,SXKD,MT\na,1,.5,.5,.5,.5,.5\nb,1,.5,.5,.5,.5,.5\nc,1,.4,.4,.4,.4,.4\n",
        )
        .unwrap();
        let s = score(&d, &Framework::vn_ict(), &Options::default()).unwrap();
        let c = bump_svg(&s, s.framework().root_index(), &["a", "b", "c"], Lang::En).unwrap();
        let ys: Vec<f64> = c
            .svg
            .match_indices("font-size=\"12\" fill=")
            .map(|(i, _)| {
                let before = &c.svg[..i];
                let y = before.rfind("y=\"").unwrap() + 3;
                before[y..].split('"').next().unwrap().parse().unwrap()
            })
            .collect();
        assert_eq!(ys.len(), 3);
        assert!((ys[0] - ys[1]).abs() >= LABEL_GAP, "{ys:?}");
        assert_eq!(c.svg.matches("class=\"leader\"").count(), 1);
    }

    #[test]
    fn shipped_layouts_cover_every_province_once() {
        let l63 = TileLayout::vn63();
        assert_eq!(l63.tiles.len(), 63);
        let l34 = TileLayout::vn34();
        assert_eq!(l34.tiles.len(), 34);
        let provinces = include_str!("../data/provinces.csv");
        for line in provinces.lines().skip(1) {
            let code = line.split(',').next().unwrap();
            assert!(l63.tiles.iter().any(|t| t.code == code), "{code}");
        }
    }

    #[test]
    fn spokes_match_sine_and_cosine() {
        /// Screen coordinates are written with one decimal; the spokes are far closer.
        const SPOKE: f64 = 1e-12;
        for k in 3..=24 {
            for (i, (x, y)) in spokes(k).into_iter().enumerate() {
                let a = std::f64::consts::TAU * i as f64 / k as f64 - std::f64::consts::FRAC_PI_2;
                assert!(
                    (x - a.cos()).abs() < SPOKE && (y - a.sin()).abs() < SPOKE,
                    "k={k} i={i}"
                );
            }
        }
    }

    #[test]
    fn colours() {
        assert_eq!(sequential(0.0), "#440154");
        assert_eq!(sequential(1.0), "#fde725");
        assert_eq!(sequential(f64::NAN), "#440154");
        assert_eq!(diverging(0), "#e6e6e6");
        assert_eq!(diverging(10), "#2166ac");
        assert_eq!(diverging(-30), "#e66101");
        assert_eq!(ink("#fde725"), "#111");
        assert_eq!(ink("#440154"), "#fff");
    }

    #[test]
    fn initials_of_names() {
        assert_eq!(initials("Vĩnh Phúc"), "VP");
        assert_eq!(initials("TP. Hồ Chí Minh"), "HCM");
        assert_eq!(initials("Huế"), "Hue");
    }

    #[test]
    fn sample_map_has_63_tiles_and_the_selected_outline() {
        let d = Dataset::from_str(include_str!("../data/sample-vn-ict.csv")).unwrap();
        let s = score(&d, &Framework::vn_ict(), &Options::default()).unwrap();
        let e = s.edition_index(Some(2016)).unwrap();
        let c = map_svg(
            &s,
            e,
            s.framework().root_index(),
            MapValue::Change,
            &TileLayout::vn63(),
            Lang::Vi,
            Some("26"),
        )
        .unwrap();
        assert_eq!(c.svg.matches("class=\"tile\"").count(), 63);
        assert_eq!(c.svg.matches("stroke=\"#d62728\"").count(), 1);
        assert!(c.svg.contains("Vĩnh Phúc: thứ 26/63"), "{}", &c.svg[..300]);
        assert!(c.svg.contains("tăng 2 bậc"));
        assert_eq!(c.alt.matches(';').count(), 62);
    }
}
