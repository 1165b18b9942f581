//! The framework: the method of an index, as data.
//!
//! A framework is a tree of nodes. The one node with no parent is the index
//! itself; leaves are data columns, normalised by their [`Normalisation`];
//! inner nodes combine their children by their [`Aggregation`] with weights
//! relative among siblings. A [`Framework`] that exists is valid: one root, no
//! cycle, every parent known, non-negative weights not all zero among
//! siblings, a method that fits each node.
//!
//! The CSV form has one row per node:
//!
//! ```text
//! code,parent,weight,direction,method,lo,hi,name_vi,name_en
//! ICT,,1,1,arithmetic,,,Chỉ số ICT,ICT index
//! HTKT,ICT,1,1,none,,,Hạ tầng kỹ thuật,Technical infrastructure
//! ```
//!
//! Optional columns declare data preparation (see [`prepare()`](crate::prepare())):
//! `denominator` (a leaf is divided by this data column, e.g. `population`),
//! `treat` (the leaf's outlier treatment, [`Treatment::parse`]), and `range`
//! on the root row (the range of min-max, goalpost and percentile scores,
//! e.g. `0..100`; default `0..1`).

use std::collections::HashMap;
use std::io;

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind, Result};
use crate::lang::Lang;
use crate::parse::{read_text, CsvText};
use crate::prepare::Treatment;

/// Whether a higher raw value is better (`Up`, written `1`) or worse (`Down`, `-1`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Direction {
    /// Higher is better.
    #[default]
    Up,
    /// Higher is worse.
    Down,
}

impl Direction {
    /// `1.0` or `-1.0`.
    pub fn sign(self) -> f64 {
        match self {
            Direction::Up => 1.0,
            Direction::Down => -1.0,
        }
    }
}

/// How a leaf's raw values become comparable scores. Statistics are taken
/// over the non-missing values of the same edition; a result that is not
/// finite (a constant column, a division by zero) is missing.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum Normalisation {
    /// Used as given (published sub-scores).
    None,
    /// `(z − min z) / (max z − min z)` with `z = direction · x`.
    MinMax,
    /// `(z − mean z) / sd z`, sample standard deviation (divisor n − 1).
    ZScore,
    /// `(x − lo)/(hi − lo)` (or `(hi − x)/(hi − lo)` for direction −1), clipped to [0, 1].
    Goalpost {
        /// Worst goalpost.
        lo: f64,
        /// Best goalpost.
        hi: f64,
    },
    /// `x / r` (direction −1: `r / x`, and `x ≤ 0` is missing). Without `r`:
    /// the largest value (direction −1: the smallest positive value).
    Reference {
        /// The reference value, if fixed.
        value: Option<f64>,
    },
    /// Ascending competition rank of `z` (lowest is 1, ties share the lowest rank).
    Rank,
    /// `(rank − 1)/(n − 1)` with the rank above: the share of other values below.
    Percentile,
}

/// How an inner node combines its present children `y_c` with weights `w_c`
/// (weights renormalised over the children present).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Aggregation {
    /// `Σ w·y / Σ w`.
    Arithmetic,
    /// `exp(Σ w·ln y / Σ w)`; every present `y` must be > 0.
    Geometric,
    /// `Σ w / Σ (w / y)`; every present `y` must be > 0.
    Harmonic,
}

impl Aggregation {
    /// The method's name as written in a framework file.
    pub fn name(self) -> &'static str {
        match self {
            Aggregation::Arithmetic => "arithmetic",
            Aggregation::Geometric => "geometric",
            Aggregation::Harmonic => "harmonic",
        }
    }
}

impl Normalisation {
    /// Whether its scores lie in [0, 1] by construction (min-max, goalposts,
    /// percentiles): the ones a framework's range rescales.
    pub(crate) fn is_bounded(self) -> bool {
        matches!(
            self,
            Normalisation::MinMax | Normalisation::Goalpost { .. } | Normalisation::Percentile
        )
    }

    /// The method's name as written in a framework file.
    pub fn name(self) -> &'static str {
        match self {
            Normalisation::None => "none",
            Normalisation::MinMax => "minmax",
            Normalisation::ZScore => "zscore",
            Normalisation::Goalpost { .. } => "goalpost",
            Normalisation::Reference { .. } => "reference",
            Normalisation::Rank => "rank",
            Normalisation::Percentile => "percentile",
        }
    }
}

/// A node's method: a normalisation for a leaf, an aggregation for an inner node.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Method {
    /// A leaf's normalisation.
    Normalise(Normalisation),
    /// An inner node's aggregation.
    Aggregate(Aggregation),
}

impl Method {
    /// The method's name as written in a framework file.
    pub fn name(self) -> &'static str {
        match self {
            Method::Normalise(n) => n.name(),
            Method::Aggregate(a) => a.name(),
        }
    }

    /// Reads a method name with its `lo`/`hi` parameters. An empty name is
    /// `None`: the node's default (`none` for a leaf, `arithmetic` otherwise).
    pub fn parse(name: &str, lo: Option<f64>, hi: Option<f64>) -> Result<Option<Method>> {
        let missing = |p: &str| {
            Error::new(ErrorKind::MissingParameter {
                method: name.trim().to_string(),
                parameter: p.to_string(),
            })
        };
        let m = match name.trim().to_ascii_lowercase().as_str() {
            "" => return Ok(None),
            "none" => Method::Normalise(Normalisation::None),
            "minmax" | "min-max" => Method::Normalise(Normalisation::MinMax),
            "zscore" | "z-score" => Method::Normalise(Normalisation::ZScore),
            "goalpost" | "goalposts" => {
                let lo = lo.ok_or_else(|| missing("lo"))?;
                let hi = hi.ok_or_else(|| missing("hi"))?;
                if hi <= lo {
                    return Err(missing("hi > lo"));
                }
                Method::Normalise(Normalisation::Goalpost { lo, hi })
            }
            "reference" => {
                if let Some(h) = hi {
                    if h <= 0.0 {
                        return Err(missing("hi > 0"));
                    }
                }
                Method::Normalise(Normalisation::Reference { value: hi })
            }
            "rank" => Method::Normalise(Normalisation::Rank),
            "percentile" => Method::Normalise(Normalisation::Percentile),
            "arithmetic" | "mean" => Method::Aggregate(Aggregation::Arithmetic),
            "geometric" => Method::Aggregate(Aggregation::Geometric),
            "harmonic" => Method::Aggregate(Aggregation::Harmonic),
            _ => return Err(Error::new(ErrorKind::UnknownMethod(name.trim().to_string()))),
        };
        Ok(Some(m))
    }
}

/// One node of a framework, as declared.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeSpec {
    /// Unique code; for a leaf, the data column it reads.
    pub code: String,
    /// The parent's code; `None` for the root.
    pub parent: Option<String>,
    /// Weight relative to its siblings (≥ 0).
    pub weight: f64,
    /// Direction of the raw values (leaves).
    pub direction: Direction,
    /// Normalisation (leaf) or aggregation (inner node); `None` = default.
    pub method: Option<Method>,
    /// Vietnamese name.
    pub name_vi: String,
    /// English name.
    pub name_en: String,
    /// Data column this leaf is divided by before scoring (per-capita and the like).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub denominator: Option<String>,
    /// This leaf's outlier treatment (`None`: the run's default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub treat: Option<Treatment>,
}

impl NodeSpec {
    /// A node with weight 1, direction up and the default method.
    pub fn new(code: &str, parent: Option<&str>) -> Self {
        NodeSpec {
            code: code.to_string(),
            parent: parent.map(str::to_string),
            weight: 1.0,
            direction: Direction::Up,
            method: None,
            name_vi: String::new(),
            name_en: String::new(),
            denominator: None,
            treat: None,
        }
    }
}

/// A validated node: its spec plus its place in the tree.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// The node as declared, with the default method filled in.
    pub spec: NodeSpec,
    /// Index of the parent in [`Framework::nodes`].
    pub parent: Option<usize>,
    /// Indices of the children, in declaration order.
    pub children: Vec<usize>,
    /// Depth: 0 for the root.
    pub depth: usize,
    method: Method,
}

impl Node {
    /// The node's code.
    pub fn code(&self) -> &str {
        &self.spec.code
    }

    /// The node's method (defaults filled in).
    pub fn method(&self) -> Method {
        self.method
    }

    /// Whether the node is a leaf (a data column).
    pub fn is_leaf(&self) -> bool {
        self.children.is_empty()
    }

    /// The node's name in `lang`, falling back to the other language, then the code.
    pub fn name(&self, lang: Lang) -> &str {
        let (a, b) = match lang {
            Lang::Vi => (&self.spec.name_vi, &self.spec.name_en),
            Lang::En => (&self.spec.name_en, &self.spec.name_vi),
        };
        if !a.is_empty() {
            a
        } else if !b.is_empty() {
            b
        } else {
            &self.spec.code
        }
    }
}

/// The columns of a framework file.
const FRAMEWORK_COLUMNS: [&str; 12] = [
    "code",
    "parent",
    "weight",
    "direction",
    "method",
    "lo",
    "hi",
    "name_vi",
    "name_en",
    "denominator",
    "treat",
    "range",
];

/// Where each spec came from in a framework file, to locate errors.
#[derive(Default)]
struct Positions {
    /// Line of each spec.
    lines: Vec<Option<u64>>,
    /// (1-based column, header) of the columns errors point at.
    code: Option<(u64, String)>,
    parent: Option<(u64, String)>,
    weight: Option<(u64, String)>,
    direction: Option<(u64, String)>,
    method: Option<(u64, String)>,
    denominator: Option<(u64, String)>,
    treat: Option<(u64, String)>,
}

/// A valid framework.
///
/// ```
/// use ictindex::Framework;
/// let f = Framework::vn_ict();
/// assert_eq!(f.root().code(), "ICT");
/// assert_eq!(f.leaves().len(), 5);
/// let codes: Vec<&str> = f.root().children.iter().map(|&c| f.nodes()[c].code()).collect();
/// assert_eq!(codes, ["HTKT", "HTNL", "UD", "SXKD", "MT"]);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Framework {
    nodes: Vec<Node>,
    root: usize,
    /// Inner nodes, children before parents.
    order: Vec<usize>,
    leaves: Vec<usize>,
    by_code: HashMap<String, usize>,
    range: (f64, f64),
}

/// Reads a score range `lo..hi` (also `lo-hi`, `lo–hi`), with `lo < hi`, both finite.
///
/// ```
/// use ictindex::parse_range;
/// assert_eq!(parse_range("0..100").unwrap(), (0.0, 100.0));
/// assert_eq!(parse_range("0-100").unwrap(), (0.0, 100.0));
/// assert_eq!(parse_range("-1-1").unwrap(), (-1.0, 1.0));
/// assert!(parse_range("1..0").is_err());
/// assert!(parse_range("100").is_err());
/// ```
pub fn parse_range(text: &str) -> Result<(f64, f64)> {
    let t = text.trim();
    let num = |s: &str| s.trim().parse::<f64>().ok().filter(|v| v.is_finite());
    let mut cuts: Vec<(usize, usize)> = Vec::new();
    for sep in ["..", "–"] {
        if let Some(i) = t.find(sep) {
            cuts.push((i, i + sep.len()));
        }
    }
    for (i, c) in t.char_indices().skip(1) {
        let prev = t.get(..i).and_then(|h| h.chars().last());
        if c == '-' && !matches!(prev, Some('e' | 'E' | '-')) {
            cuts.push((i, i + 1));
        }
    }
    for (a, b) in cuts {
        if let (Some(lo), Some(hi)) = (t.get(..a).and_then(num), t.get(b..).and_then(num)) {
            if lo < hi {
                return Ok((lo, hi));
            }
        }
    }
    Err(Error::new(ErrorKind::InvalidField {
        field: "range".into(),
        value: t.into(),
    }))
}

impl Framework {
    /// Validates `specs` into a framework. On error the message names the node
    /// (and the line, when the specs came from a file: see [`Framework::from_reader`]).
    ///
    /// ```
    /// use ictindex::{Framework, NodeSpec, ErrorKind};
    /// let a = NodeSpec::new("A", None);
    /// let b = NodeSpec::new("B", Some("C"));
    /// let c = NodeSpec::new("C", Some("B"));
    /// let err = Framework::new(vec![a, b, c]).unwrap_err();
    /// assert_eq!(err.kind(), &ErrorKind::Cycle);
    /// ```
    pub fn new(specs: Vec<NodeSpec>) -> Result<Self> {
        Self::build_at(specs, &Positions::default())
    }

    /// [`Framework::new`] with the input line of each spec, for error messages.
    pub(crate) fn build(specs: Vec<NodeSpec>, lines: &[Option<u64>]) -> Result<Self> {
        let from = Positions {
            lines: lines.to_vec(),
            ..Positions::default()
        };
        Self::build_at(specs, &from)
    }

    /// [`Framework::new`] with the input line and columns of each spec.
    fn build_at(mut specs: Vec<NodeSpec>, from: &Positions) -> Result<Self> {
        let locate = |e: Error, i: usize, code: &str, column: &Option<(u64, String)>| {
            let mut e = e.for_indicator(code);
            if let Some(l) = from.lines.get(i).copied().flatten() {
                e = e.at_line(l);
                if let Some((c, name)) = column {
                    e = e.at_column(*c, Some(name));
                }
            }
            e
        };
        let mut by_code = HashMap::with_capacity(specs.len());
        for (i, s) in specs.iter().enumerate() {
            if by_code.insert(s.code.clone(), i).is_some() {
                return Err(locate(ErrorKind::DuplicateNode.into(), i, &s.code, &from.code));
            }
            if !s.weight.is_finite() || s.weight < 0.0 {
                let e = ErrorKind::NegativeWeight(s.weight.to_string()).into();
                return Err(locate(e, i, &s.code, &from.weight));
            }
        }
        let mut parent = vec![None; specs.len()];
        let mut children: Vec<Vec<usize>> = vec![Vec::new(); specs.len()];
        let mut root = None;
        for (i, s) in specs.iter().enumerate() {
            match &s.parent {
                None => match root {
                    None => root = Some(i),
                    Some(r) => {
                        let first = specs.get(r).map(|n: &NodeSpec| n.code.clone());
                        let e = ErrorKind::TwoRoots(first.unwrap_or_default()).into();
                        return Err(locate(e, i, &s.code, &from.parent));
                    }
                },
                Some(p) => match by_code.get(p) {
                    Some(&pi) => {
                        if let Some(slot) = parent.get_mut(i) {
                            *slot = Some(pi);
                        }
                        if let Some(c) = children.get_mut(pi) {
                            c.push(i);
                        }
                    }
                    None => {
                        let e = ErrorKind::UnknownParent(p.clone()).into();
                        return Err(locate(e, i, &s.code, &from.parent));
                    }
                },
            }
        }
        let Some(root) = root else {
            return Err(ErrorKind::NoRoot.into());
        };
        // Depth by walking up to a node of known depth, then assigning it down
        // the path: each node is walked once, so a deep chain stays linear.
        // Meeting a node of the current walk again is a cycle, reported at the
        // first node (in file order) that leads into one.
        let mut depth: Vec<Option<usize>> = vec![None; specs.len()];
        if let Some(d) = depth.get_mut(root) {
            *d = Some(0);
        }
        let mut on_path = vec![false; specs.len()];
        let mut path = Vec::new();
        for i in 0..specs.len() {
            let mut at = i;
            while let Some(&None) = depth.get(at) {
                if on_path.get(at).copied().unwrap_or(true) {
                    let code = specs.get(i).map(|s| s.code.as_str()).unwrap_or("");
                    return Err(locate(ErrorKind::Cycle.into(), i, code, &from.parent));
                }
                if let Some(o) = on_path.get_mut(at) {
                    *o = true;
                }
                path.push(at);
                match parent.get(at).copied().flatten() {
                    Some(p) => at = p,
                    // Only the root has no parent, and its depth is known.
                    None => break,
                }
            }
            let base = depth.get(at).copied().flatten().unwrap_or(0);
            for (k, &node) in path.iter().rev().enumerate() {
                if let Some(d) = depth.get_mut(node) {
                    *d = Some(base + k + 1);
                }
            }
            path.clear();
        }
        let depth: Vec<usize> = depth.into_iter().map(|d| d.unwrap_or(0)).collect();
        // Methods and sibling weights.
        let mut methods = Vec::with_capacity(specs.len());
        for (i, s) in specs.iter_mut().enumerate() {
            let kids = children.get(i).map(Vec::as_slice).unwrap_or(&[]);
            let leaf = kids.is_empty();
            let m = match (s.method, leaf) {
                (None, true) => Method::Normalise(Normalisation::None),
                (None, false) => Method::Aggregate(Aggregation::Arithmetic),
                (Some(m @ Method::Normalise(_)), true) | (Some(m @ Method::Aggregate(_)), false) => m,
                (Some(m), leaf) => {
                    let e = ErrorKind::MethodMismatch {
                        method: m.name().into(),
                        leaf,
                    };
                    return Err(locate(e.into(), i, &s.code, &from.method));
                }
            };
            if m == Method::Normalise(Normalisation::None) && s.direction == Direction::Down {
                return Err(locate(
                    ErrorKind::DirectionNeedsNormalisation.into(),
                    i,
                    &s.code,
                    &from.direction,
                ));
            }
            let misplaced = [("denominator", s.denominator.is_some()), ("treat", s.treat.is_some())];
            if let (false, Some((field, _))) = (leaf, misplaced.iter().find(|(_, set)| *set)) {
                let column = if *field == "treat" {
                    &from.treat
                } else {
                    &from.denominator
                };
                return Err(locate(ErrorKind::LeafOnly((*field).into()).into(), i, &s.code, column));
            }
            s.method = Some(m);
            methods.push(m);
        }
        for (i, kids) in children.iter().enumerate() {
            if !kids.is_empty() && kids.iter().all(|&k| specs.get(k).is_some_and(|s| s.weight == 0.0)) {
                let code = specs.get(i).map(|s| s.code.as_str()).unwrap_or("");
                return Err(locate(ErrorKind::AllZeroWeights.into(), i, code, &None));
            }
        }
        let nodes: Vec<Node> = specs
            .into_iter()
            .zip(parent)
            .zip(children)
            .zip(depth)
            .zip(methods)
            .map(|((((spec, parent), children), depth), method)| Node {
                spec,
                parent,
                children,
                depth,
                method,
            })
            .collect();
        // Inner nodes, deepest first: children are always computed before parents.
        let mut inner: Vec<(usize, usize)> = nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| !n.is_leaf())
            .map(|(i, n)| (i, n.depth))
            .collect();
        inner.sort_by_key(|&(_, depth)| std::cmp::Reverse(depth));
        let order = inner.into_iter().map(|(i, _)| i).collect();
        let leaves = nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| n.is_leaf())
            .map(|(i, _)| i)
            .collect();
        Ok(Framework {
            nodes,
            root,
            order,
            leaves,
            by_code,
            range: (0.0, 1.0),
        })
    }

    /// Reads a framework CSV (`code,parent,weight,direction,method,lo,hi,name_vi,name_en`;
    /// only `code` and `parent` are required). Optional columns declare data
    /// preparation: `denominator` and `treat` on leaves ([`NodeSpec::denominator`],
    /// [`Treatment::parse`]), `range` on the root's row ([`Framework::range`], e.g. `0..100`). Same delimiter, BOM and decimal-comma
    /// rules as data files. `source` names the input in error messages.
    ///
    /// ```
    /// use ictindex::{Framework, ErrorKind};
    /// let csv = "code,parent,weight\nI,,1\nA,I,1\nB,I,-2\n";
    /// let err = Framework::from_reader(csv.as_bytes(), "f.csv").unwrap_err();
    /// assert_eq!(err.kind(), &ErrorKind::NegativeWeight("-2".into()));
    /// assert_eq!(err.location().line, Some(4));
    /// assert_eq!(err.location().column, Some(3));
    /// ```
    pub fn from_reader<R: io::Read>(reader: R, source: &str) -> Result<Self> {
        let text = read_text(reader).map_err(|e| e.in_file(source))?;
        Self::from_csv_text(&text, source).map_err(|e| e.in_file(source))
    }

    /// [`Framework::from_reader`] on a string.
    #[allow(clippy::should_implement_trait)]
    pub fn from_str(text: &str) -> Result<Self> {
        Self::from_csv_text(text, "")
    }

    fn from_csv_text(text: &str, source: &str) -> Result<Self> {
        let csv = CsvText::new(text)?;
        let header = csv.header()?;
        let col = |name: &str| header.iter().position(|h| h.trim().eq_ignore_ascii_case(name));
        for (i, h) in header.iter().enumerate() {
            let known = FRAMEWORK_COLUMNS.iter().any(|c| c.eq_ignore_ascii_case(h.trim()));
            if known && col(h).is_some_and(|first| first < i) {
                return Err(Error::new(ErrorKind::DuplicateColumn(h.clone()))
                    .at_line(1)
                    .at_column(i as u64 + 1, Some(h)));
            }
        }
        let code_col = col("code").ok_or_else(|| Error::new(ErrorKind::MissingColumn("code".into())).at_line(1))?;
        let parent_col =
            col("parent").ok_or_else(|| Error::new(ErrorKind::MissingColumn("parent".into())).at_line(1))?;
        let cols = [
            col("weight"),
            col("direction"),
            col("method"),
            col("lo"),
            col("hi"),
            col("name_vi"),
            col("name_en"),
            col("denominator"),
            col("treat"),
            col("range"),
        ];
        let [w_col, d_col, m_col, lo_col, hi_col, vi_col, en_col, den_col, treat_col, range_col] = cols;
        let mut specs = Vec::new();
        let mut lines = Vec::new();
        let mut range = None;
        for row in csv.rows() {
            let row = row?;
            let cell = |c: Option<usize>| c.and_then(|c| row.fields.get(c)).map(|s| s.trim()).unwrap_or("");
            let code = cell(Some(code_col));
            let at = |c: usize, e: Error| {
                let e = e
                    .at_line(row.line)
                    .at_column(c as u64 + 1, header.get(c).map(String::as_str));
                if code.is_empty() {
                    e
                } else {
                    e.for_indicator(code)
                }
            };
            let number = |c: Option<usize>| -> Result<Option<f64>> {
                let Some(ci) = c else { return Ok(None) };
                let raw = cell(c);
                if raw.is_empty() {
                    return Ok(None);
                }
                match csv.number(raw) {
                    Some(v) if v.is_finite() => Ok(Some(v)),
                    Some(_) => Err(at(ci, ErrorKind::NotFinite(raw.into()).into())),
                    None => Err(at(ci, ErrorKind::NotANumber(raw.into()).into())),
                }
            };
            if code.is_empty() {
                return Err(at(code_col, ErrorKind::EmptyNode.into()));
            }
            let parent = cell(Some(parent_col));
            let weight = match (w_col, cell(w_col)) {
                (_, "") | (None, _) => 1.0,
                (Some(c), raw) => match csv.number(raw) {
                    Some(v) if v.is_finite() && v >= 0.0 => v,
                    Some(_) => return Err(at(c, ErrorKind::NegativeWeight(raw.into()).into())),
                    None => return Err(at(c, ErrorKind::NotANumber(raw.into()).into())),
                },
            };
            let direction = match cell(d_col) {
                "" | "1" | "+1" => Direction::Up,
                "-1" => Direction::Down,
                other => {
                    let e = ErrorKind::InvalidField {
                        field: "direction".into(),
                        value: other.into(),
                    };
                    return Err(at(d_col.unwrap_or(0), e.into()));
                }
            };
            let lo = number(lo_col)?;
            let hi = number(hi_col)?;
            let method = Method::parse(cell(m_col), lo, hi).map_err(|e| at(m_col.unwrap_or(0), e))?;
            let treat = match cell(treat_col) {
                "" => None,
                t => Some(Treatment::parse(t).map_err(|e| at(treat_col.unwrap_or(0), e))?),
            };
            if let (Some(c), raw) = (range_col, cell(range_col)) {
                if !raw.is_empty() {
                    if !parent.is_empty() {
                        return Err(at(c, ErrorKind::RootOnly("range".into()).into()));
                    }
                    range = Some(parse_range(raw).map_err(|e| at(c, e))?);
                }
            }
            specs.push(NodeSpec {
                code: code.to_string(),
                parent: (!parent.is_empty()).then(|| parent.to_string()),
                weight,
                direction,
                method,
                name_vi: cell(vi_col).to_string(),
                name_en: cell(en_col).to_string(),
                denominator: Some(cell(den_col)).filter(|d| !d.is_empty()).map(str::to_string),
                treat,
            });
            lines.push(Some(row.line));
        }
        if specs.is_empty() {
            return Err(Error::new(ErrorKind::NoRows));
        }
        let _ = source;
        let position = |c: Option<usize>| c.and_then(|c| header.get(c).map(|h| (c as u64 + 1, h.clone())));
        let positions = Positions {
            lines,
            code: position(Some(code_col)),
            parent: position(Some(parent_col)),
            weight: position(w_col),
            direction: position(d_col),
            method: position(m_col),
            denominator: position(den_col),
            treat: position(treat_col),
        };
        let f = Self::build_at(specs, &positions)?;
        match range {
            Some((lo, hi)) => f.with_range(lo, hi),
            None => Ok(f),
        }
    }

    /// The built-in five-pillar Vietnam ICT Index framework: HTKT, HTNL, UD,
    /// SXKD, MT as leaves used as given (`none`), equal weights, arithmetic mean.
    /// The same framework ships as `data/framework-vn-ict.csv`.
    pub fn vn_ict() -> Self {
        let pillars = [
            ("HTKT", "Hạ tầng kỹ thuật", "Technical infrastructure"),
            ("HTNL", "Hạ tầng nhân lực", "Human resources"),
            ("UD", "Ứng dụng CNTT", "IT application"),
            ("SXKD", "Sản xuất – kinh doanh CNTT", "IT production and business"),
            (
                "MT",
                "Môi trường tổ chức – chính sách",
                "Organisational and policy environment",
            ),
        ];
        let mut root = NodeSpec::new("ICT", None);
        root.name_vi = "Chỉ số sẵn sàng cho phát triển và ứng dụng CNTT-TT".into();
        root.name_en = "ICT readiness index".into();
        let mut specs = vec![root];
        for (code, vi, en) in pillars {
            let mut n = NodeSpec::new(code, Some("ICT"));
            n.name_vi = vi.into();
            n.name_en = en.into();
            specs.push(n);
        }
        // The specs above are valid by construction; `build` cannot fail on them.
        match Self::new(specs) {
            Ok(f) => f,
            Err(_) => unreachable!("the built-in framework is valid"),
        }
    }

    /// All nodes, in declaration order.
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// The root node (the index).
    #[allow(clippy::indexing_slicing)] // `root` indexes `nodes`: established by `build`, never changed.
    pub fn root(&self) -> &Node {
        &self.nodes[self.root]
    }

    /// Index of the root in [`Framework::nodes`].
    pub fn root_index(&self) -> usize {
        self.root
    }

    /// Indices of the leaves, in declaration order.
    pub fn leaves(&self) -> &[usize] {
        &self.leaves
    }

    /// Indices of the inner nodes, children before parents.
    pub fn inner_order(&self) -> &[usize] {
        &self.order
    }

    /// Index of the node with `code`.
    pub fn index_of(&self, code: &str) -> Option<usize> {
        self.by_code.get(code).copied()
    }

    /// The node with `code`, or an [`ErrorKind::UnknownNode`] error.
    pub fn node(&self, code: &str) -> Result<&Node> {
        self.index_of(code)
            .and_then(|i| self.nodes.get(i))
            .ok_or_else(|| Error::new(ErrorKind::UnknownNode(code.to_string())))
    }

    /// Ancestors of node `i`, nearest first, root last.
    pub fn ancestors(&self, i: usize) -> Vec<usize> {
        let mut out = Vec::new();
        let mut at = self.nodes.get(i).and_then(|n| n.parent);
        while let Some(p) = at {
            out.push(p);
            at = self.nodes.get(p).and_then(|n| n.parent);
        }
        out
    }

    /// A copy with node `code`'s weight set to `weight`, validated like a new
    /// framework (negative, non-finite or all-zero sibling weights are errors).
    pub fn with_weight(&self, code: &str, weight: f64) -> Result<Self> {
        let i = self
            .index_of(code)
            .ok_or_else(|| Error::new(ErrorKind::UnknownNode(code.into())))?;
        if !weight.is_finite() || weight < 0.0 {
            return Err(Error::new(ErrorKind::NegativeWeight(weight.to_string())).for_indicator(code));
        }
        let mut f = self.clone();
        if let Some(n) = f.nodes.get_mut(i) {
            n.spec.weight = weight;
        }
        if let Some(p) = f.nodes.get(i).and_then(|n| n.parent) {
            let kids = f.nodes.get(p).map(|n| n.children.clone()).unwrap_or_default();
            if kids
                .iter()
                .all(|&k| f.nodes.get(k).is_some_and(|n| n.spec.weight == 0.0))
            {
                let pc = f.nodes.get(p).map(|n| n.spec.code.clone()).unwrap_or_default();
                return Err(Error::new(ErrorKind::AllZeroWeights).for_indicator(&pc));
            }
        }
        Ok(f)
    }

    /// The range `(lo, hi)` of min-max, goalpost and percentile scores: their
    /// `[0, 1]` value `y` becomes `lo + (hi − lo)·y`. Default `(0, 1)`; COINr
    /// uses `(0, 100)`.
    pub fn range(&self) -> (f64, f64) {
        self.range
    }

    /// A copy whose scores span `lo..hi` (finite, `lo < hi`); see [`Framework::range`].
    ///
    /// ```
    /// use ictindex::Framework;
    /// let f = Framework::vn_ict().with_range(0.0, 100.0).unwrap();
    /// assert_eq!(f.range(), (0.0, 100.0));
    /// assert!(Framework::vn_ict().with_range(1.0, 1.0).is_err());
    /// let g = Framework::from_str("code,parent,range,method\nI,,0..100,\na,I,,minmax\n").unwrap();
    /// assert_eq!(g.range(), (0.0, 100.0));
    /// ```
    pub fn with_range(&self, lo: f64, hi: f64) -> Result<Self> {
        if !(lo.is_finite() && hi.is_finite() && lo < hi) {
            return Err(Error::new(ErrorKind::InvalidField {
                field: "range".into(),
                value: format!("{lo}..{hi}"),
            }));
        }
        let mut f = self.clone();
        f.range = (lo, hi);
        Ok(f)
    }

    /// The specs of every node, e.g. to write the framework back out.
    pub fn specs(&self) -> Vec<NodeSpec> {
        self.nodes.iter().map(|n| n.spec.clone()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Framework> {
        Framework::from_str(s)
    }

    #[test]
    fn deep_tree_orders_children_before_parents() {
        let f = parse("code,parent,method\nI,,geometric\nP,I,\nQ,I,\na,P,minmax\nb,P,zscore\nc,Q,rank\n").unwrap();
        let pos = |c: &str| f.inner_order().iter().position(|&i| f.nodes()[i].code() == c).unwrap();
        assert!(pos("P") < pos("I"));
        assert!(pos("Q") < pos("I"));
        assert_eq!(f.leaves().len(), 3);
        assert_eq!(f.node("I").unwrap().method(), Method::Aggregate(Aggregation::Geometric));
        assert_eq!(
            f.node("P").unwrap().method(),
            Method::Aggregate(Aggregation::Arithmetic)
        );
        assert_eq!(f.node("a").unwrap().depth, 2);
    }

    #[test]
    fn errors_name_line_and_node() {
        let cases: &[(&str, ErrorKind, Option<u64>)] = &[
            ("code,parent\nI,\nJ,\n", ErrorKind::TwoRoots("I".into()), Some(3)),
            ("code,parent\nA,B\nB,A\n", ErrorKind::NoRoot, None),
            ("code,parent\nI,\nA,X\n", ErrorKind::UnknownParent("X".into()), Some(3)),
            ("code,parent\nI,\nA,I\nA,I\n", ErrorKind::DuplicateNode, Some(4)),
            (
                "code,parent,weight\nI,,1\nA,I,0\nB,I,0\n",
                ErrorKind::AllZeroWeights,
                Some(2),
            ),
            (
                "code,parent,method\nI,,minmax\nA,I,\n",
                ErrorKind::MethodMismatch {
                    method: "minmax".into(),
                    leaf: false,
                },
                Some(2),
            ),
            (
                "code,parent,method\nI,,\nA,I,geometric\n",
                ErrorKind::MethodMismatch {
                    method: "geometric".into(),
                    leaf: true,
                },
                Some(3),
            ),
            (
                "code,parent,method\nI,,\nA,I,fancy\n",
                ErrorKind::UnknownMethod("fancy".into()),
                Some(3),
            ),
            (
                "code,parent,method,lo\nI,,,\nA,I,goalpost,0\n",
                ErrorKind::MissingParameter {
                    method: "goalpost".into(),
                    parameter: "hi".into(),
                },
                Some(3),
            ),
            (
                "code,parent,direction\nI,,\nA,I,2\n",
                ErrorKind::InvalidField {
                    field: "direction".into(),
                    value: "2".into(),
                },
                Some(3),
            ),
            (
                "code,parent,direction\nI,,\nA,I,-1\n",
                ErrorKind::DirectionNeedsNormalisation,
                Some(3),
            ),
            ("code,parent\nI,\n,I\n", ErrorKind::EmptyNode, Some(3)),
            ("code,parent\n", ErrorKind::NoRows, None),
            ("code\nI\n", ErrorKind::MissingColumn("parent".into()), Some(1)),
        ];
        for (text, kind, line) in cases {
            let err = parse(text).unwrap_err();
            assert_eq!(err.kind(), kind, "{text}");
            assert_eq!(err.location().line, *line, "{text}");
        }
    }

    #[test]
    fn cycle_below_a_root_is_found() {
        let err = parse("code,parent\nI,\nA,B\nB,A\n").unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::Cycle);
        assert_eq!(err.location().line, Some(3));
    }

    #[test]
    fn deep_chain_is_linear() {
        // 20,000 nested nodes: the depth walk visits each node once.
        let n = 20_000;
        let mut specs = vec![NodeSpec::new("N0", None)];
        specs.extend((1..n).map(|i| NodeSpec::new(&format!("N{i}"), Some(&format!("N{}", i - 1)))));
        let f = Framework::new(specs).unwrap();
        assert_eq!(f.node(&format!("N{}", n - 1)).unwrap().depth, n - 1);
        assert_eq!(f.inner_order().len(), n - 1);
        // A cycle hanging below a long chain is still found, at its first node.
        let mut text = String::from("code,parent\nN0,\n");
        text.extend((1..1000).map(|i| format!("N{i},N{}\n", i - 1)));
        text.push_str("X,Y\nY,X\n");
        let err = parse(&text).unwrap_err();
        assert_eq!((err.kind(), err.location().line), (&ErrorKind::Cycle, Some(1002)));
    }

    #[test]
    fn semicolon_and_decimal_comma() {
        let f = parse("code;parent;weight\nI;;1\nA;I;0,25\nB;I;0,75\n").unwrap();
        assert_eq!(f.node("A").unwrap().spec.weight, 0.25);
    }

    #[test]
    fn with_weight_validates() {
        let f = Framework::vn_ict();
        assert_eq!(
            f.with_weight("HTKT", 2.0).unwrap().node("HTKT").unwrap().spec.weight,
            2.0
        );
        assert!(f.with_weight("HTKT", -1.0).is_err());
        assert!(f.with_weight("NOPE", 1.0).is_err());
        let mut g = f.clone();
        for c in ["HTKT", "HTNL", "UD", "SXKD"] {
            g = g.with_weight(c, 0.0).unwrap();
        }
        assert_eq!(g.with_weight("MT", 0.0).unwrap_err().kind(), &ErrorKind::AllZeroWeights);
    }

    #[test]
    fn preparation_columns() {
        let f = parse("code,parent,method,denominator,treat,range\nI,,,,,0..100\nA,I,minmax,pop,coinr:5,\nB,I,,,,\n")
            .unwrap();
        assert_eq!(f.range(), (0.0, 100.0));
        let a = &f.node("A").unwrap().spec;
        assert_eq!(a.denominator.as_deref(), Some("pop"));
        assert_eq!(
            a.treat,
            Some(Treatment::Coinr {
                winmax: Some(5),
                skew: 2.0,
                kurt: 3.5,
                log: true
            })
        );
        assert_eq!(f.node("B").unwrap().spec.denominator, None);
        let cases: &[(&str, ErrorKind, u64, u64)] = &[
            (
                "code,parent,denominator\nI,,pop\nA,I,\n",
                ErrorKind::LeafOnly("denominator".into()),
                2,
                0,
            ),
            (
                "code,parent,treat\nI,,coinr\nA,I,\n",
                ErrorKind::LeafOnly("treat".into()),
                2,
                0,
            ),
            (
                "code,parent,treat\nI,,\nA,I,sometimes\n",
                ErrorKind::InvalidField {
                    field: "treat".into(),
                    value: "sometimes".into(),
                },
                3,
                3,
            ),
            (
                "code,parent,range\nI,,\nA,I,0..100\n",
                ErrorKind::RootOnly("range".into()),
                3,
                3,
            ),
            (
                "code,parent,range\nI,,100\nA,I,\n",
                ErrorKind::InvalidField {
                    field: "range".into(),
                    value: "100".into(),
                },
                2,
                3,
            ),
        ];
        for (text, kind, line, column) in cases {
            let err = parse(text).unwrap_err();
            assert_eq!(err.kind(), kind, "{text}");
            assert_eq!(err.location().line, Some(*line), "{text}");
            if *column > 0 {
                assert_eq!(err.location().column, Some(*column), "{text}");
            }
        }
    }

    #[test]
    fn names_fall_back() {
        let f = parse("code,parent,name_en\nI,,Index\nA,I,\n").unwrap();
        assert_eq!(f.node("I").unwrap().name(Lang::Vi), "Index");
        assert_eq!(f.node("A").unwrap().name(Lang::En), "A");
    }
}
