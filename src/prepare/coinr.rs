//! Reading COINr's `iData` and `iMeta` tables as CSV (the layout of COINr's
//! `ASEM_iData` and `ASEM_iMeta`), so a COINr user can bring an index unchanged.
//!
//! - `iData`: one row per unit: `uCode` (required), `uName`, `Time`, group
//!   columns, denominator columns and indicator columns. An empty cell or `NA`
//!   is missing.
//! - `iMeta`: one row per column of `iData` other than `uCode`, `uName` and
//!   `Time`, and per aggregate: `iCode` and `Type` (`Indicator`, `Aggregate`,
//!   `Group`, `Denominator` or `Other`) required; `Parent`, `Direction`,
//!   `Weight`, `iName`, `Denominator` read; `Level` and the rest ignored (the
//!   tree comes from `Parent`).
//!
//! Indicators become leaves normalised by min-max, aggregates arithmetic means
//! (COINr's defaults), in a framework of range 0–100 as COINr's.

use std::collections::{HashMap, HashSet};
use std::io;

use crate::error::{Error, ErrorKind, Result};
use crate::framework::{Aggregation, Direction, Framework, Method, NodeSpec, Normalisation};
use crate::parse::{read_text, CsvText, Dataset, Unit};

/// A COINr index read from its `iData` and `iMeta` tables.
///
/// ```
/// use ictindex::{prepare, score, Coinr, Options, Plan, Imputation};
/// let imeta = "Level,iCode,iName,Direction,Weight,Denominator,Parent,Type\n\
///              1,A,Indicator A,1,1,Pop,Index,Indicator\n\
///              1,B,Indicator B,-1,1,,Index,Indicator\n\
///              2,Index,The index,1,1,,,Aggregate\n\
///              ,Region,Region,,,,,Group\n\
///              ,Pop,Population,,,,,Denominator\n";
/// let idata = "uCode,uName,Region,Time,Pop,A,B\n\
///              X,Ex,N,2020,10,50,1\n\
///              Y,Why,S,2020,20,80,3\n\
///              Z,Zed,S,2020,40,80,NA\n";
/// let c = Coinr::from_str(idata, imeta, Some("Region")).unwrap();
/// assert_eq!(c.groups, ["Region"]);
/// assert_eq!(c.framework.range(), (0.0, 100.0));
/// assert_eq!(c.data.units()[1].group.as_deref(), Some("S"));
/// let plan = Plan { impute: Some(Imputation::GroupMean), ..Plan::default() };
/// let p = prepare(&c.data, &c.framework, &plan).unwrap();
/// assert_eq!(p.data().value(2, 1), Some(3.0)); // Z's B: the mean of group S
/// let s = score(p.data(), &c.framework, &Options::default()).unwrap();
/// let e = s.edition(Some(2020)).unwrap();
/// let a = c.framework.index_of("A").unwrap();
/// assert_eq!(e.score(a, 0), Some(100.0)); // 50/10 = 5 is the largest of 5, 4, 2
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Coinr {
    /// Units with their indicator and (used) denominator columns; the group is
    /// the `iData` column chosen when reading.
    pub data: Dataset,
    /// The tree of `iMeta`, with weights, directions and denominators.
    pub framework: Framework,
    /// The group columns (`Type` `Group`), in `iMeta` order.
    pub groups: Vec<String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Indicator,
    Aggregate,
    Group,
    Denominator,
    Other,
}

struct Meta {
    framework: Framework,
    kinds: HashMap<String, Kind>,
    groups: Vec<String>,
    /// Denominators some indicator uses.
    used: HashSet<String>,
    indicators: Vec<String>,
}

fn is_missing(s: &str) -> bool {
    s.is_empty() || s.eq_ignore_ascii_case("na") || s.eq_ignore_ascii_case("nan")
}

fn read_meta(text: &str) -> Result<Meta> {
    let csv = CsvText::new(text)?;
    let header = csv.header()?;
    let col = |name: &str| header.iter().position(|h| h.eq_ignore_ascii_case(name));
    let need = |name: &str| col(name).ok_or_else(|| Error::new(ErrorKind::MissingColumn(name.into())).at_line(1));
    let code_col = need("iCode")?;
    let type_col = need("Type")?;
    let [parent_col, dir_col, weight_col, name_col, den_col] =
        ["Parent", "Direction", "Weight", "iName", "Denominator"].map(col);
    let mut specs = Vec::new();
    let mut lines = Vec::new();
    let mut kinds = HashMap::new();
    let mut groups = Vec::new();
    let mut denominators: Vec<(String, u64, u64)> = Vec::new();
    let mut indicators = Vec::new();
    for row in csv.rows() {
        let row = row?;
        let cell = |c: Option<usize>| c.and_then(|c| row.fields.get(c)).map(|s| s.trim()).unwrap_or("");
        let at = |c: usize, k: ErrorKind| {
            Error::new(k)
                .at_line(row.line)
                .at_column(c as u64 + 1, header.get(c).map(String::as_str))
        };
        let code = cell(Some(code_col));
        if code.is_empty() {
            return Err(at(code_col, ErrorKind::EmptyCode));
        }
        let kind = match cell(Some(type_col)).to_ascii_lowercase().as_str() {
            "indicator" => Kind::Indicator,
            "aggregate" => Kind::Aggregate,
            "group" => Kind::Group,
            "denominator" => Kind::Denominator,
            "other" => Kind::Other,
            _ => {
                let e = ErrorKind::InvalidField {
                    field: "Type".into(),
                    value: cell(Some(type_col)).into(),
                };
                return Err(at(type_col, e).for_indicator(code));
            }
        };
        if kinds.insert(code.to_string(), kind).is_some() {
            return Err(at(code_col, ErrorKind::DuplicateNode).for_indicator(code));
        }
        match kind {
            Kind::Group => groups.push(code.to_string()),
            Kind::Other => {}
            Kind::Indicator | Kind::Aggregate => {
                let direction = match cell(dir_col) {
                    "" => Direction::Up,
                    raw => match csv.number(raw) {
                        Some(1.0) => Direction::Up,
                        Some(-1.0) => Direction::Down,
                        _ => {
                            let e = ErrorKind::InvalidField {
                                field: "Direction".into(),
                                value: raw.into(),
                            };
                            return Err(at(dir_col.unwrap_or(0), e).for_indicator(code));
                        }
                    },
                };
                let weight = match cell(weight_col) {
                    "" => 1.0,
                    raw => match csv.number(raw) {
                        Some(v) if v.is_finite() && v >= 0.0 => v,
                        _ => {
                            let e = ErrorKind::NegativeWeight(raw.into());
                            return Err(at(weight_col.unwrap_or(0), e).for_indicator(code));
                        }
                    },
                };
                let parent = cell(parent_col);
                let mut spec = NodeSpec::new(code, (!parent.is_empty()).then_some(parent));
                spec.weight = weight;
                spec.direction = direction;
                spec.name_en = cell(name_col).to_string();
                if kind == Kind::Indicator {
                    spec.method = Some(Method::Normalise(Normalisation::MinMax));
                    let den = cell(den_col);
                    if !den.is_empty() {
                        spec.denominator = Some(den.to_string());
                        let c = den_col.unwrap_or(0) as u64 + 1;
                        denominators.push((den.to_string(), row.line, c));
                    }
                    indicators.push(code.to_string());
                } else {
                    spec.method = Some(Method::Aggregate(Aggregation::Arithmetic));
                }
                specs.push(spec);
                lines.push(Some(row.line));
            }
            Kind::Denominator => {}
        }
    }
    if specs.is_empty() {
        return Err(Error::new(ErrorKind::NoRows));
    }
    let mut used = HashSet::new();
    for (den, line, column) in denominators {
        if kinds.get(&den) != Some(&Kind::Denominator) {
            return Err(Error::new(ErrorKind::UnknownDenominator(den.clone()))
                .at_line(line)
                .at_column(column, Some("Denominator")));
        }
        used.insert(den);
    }
    let framework = Framework::build(specs, &lines)?.with_range(0.0, 100.0)?;
    Ok(Meta {
        framework,
        kinds,
        groups,
        used,
        indicators,
    })
}

enum Role {
    Code,
    Name,
    Time,
    Group,
    Number,
    Skip,
}

fn read_data(text: &str, source: &str, meta: &Meta, group: Option<&str>) -> Result<Dataset> {
    let csv = CsvText::new(text)?;
    let header = csv.header()?;
    let mut roles = Vec::with_capacity(header.len());
    for (c, h) in header.iter().enumerate() {
        let role = match h.as_str() {
            "uCode" => Role::Code,
            "uName" => Role::Name,
            "Time" => Role::Time,
            _ => match meta.kinds.get(h) {
                Some(Kind::Indicator) => Role::Number,
                Some(Kind::Denominator) if meta.used.contains(h) => Role::Number,
                Some(Kind::Group) if Some(h.as_str()) == group => Role::Group,
                Some(Kind::Group | Kind::Denominator | Kind::Other) => Role::Skip,
                Some(Kind::Aggregate) | None => {
                    return Err(Error::new(ErrorKind::UnknownColumn(h.clone()))
                        .at_line(1)
                        .at_column(c as u64 + 1, Some(h)))
                }
            },
        };
        roles.push(role);
    }
    let find = |name: &str| header.iter().position(|h| h == name);
    let code_col = find("uCode").ok_or_else(|| Error::new(ErrorKind::MissingColumn("uCode".into())).at_line(1))?;
    for i in &meta.indicators {
        if find(i).is_none() {
            return Err(Error::new(ErrorKind::MissingIndicator(i.clone()))
                .at_line(1)
                .for_indicator(i));
        }
    }
    for d in &meta.used {
        if find(d).is_none() {
            return Err(Error::new(ErrorKind::UnknownDenominator(d.clone())).at_line(1));
        }
    }
    if let Some(g) = group {
        if find(g).is_none() || !meta.groups.iter().any(|x| x == g) {
            return Err(Error::new(ErrorKind::MissingColumn(g.into())).at_line(1));
        }
    }
    let numeric: Vec<usize> = roles
        .iter()
        .enumerate()
        .filter(|(_, r)| matches!(r, Role::Number))
        .map(|(c, _)| c)
        .collect();
    let mut units = Vec::new();
    let mut values: Vec<Vec<f64>> = vec![Vec::new(); numeric.len()];
    let mut lines = Vec::new();
    let mut seen: HashMap<(String, Option<i64>), u64> = HashMap::new();
    for row in csv.rows() {
        let row = row?;
        let cell = |c: usize| row.fields.get(c).map(|s| s.trim()).unwrap_or("");
        let at = |c: usize, k: ErrorKind| {
            Error::new(k)
                .at_line(row.line)
                .at_column(c as u64 + 1, header.get(c).map(String::as_str))
        };
        let code = cell(code_col).to_string();
        if code.is_empty() {
            return Err(at(code_col, ErrorKind::EmptyCode));
        }
        let mut unit = Unit {
            name: code.clone(),
            code: code.clone(),
            year: None,
            group: None,
        };
        for (c, role) in roles.iter().enumerate() {
            let raw = cell(c);
            match role {
                Role::Name if !raw.is_empty() => unit.name = raw.to_string(),
                Role::Group if !is_missing(raw) => unit.group = Some(raw.to_string()),
                Role::Time if !is_missing(raw) => {
                    let year = csv.number(raw).filter(|y| y.fract() == 0.0 && y.abs() < 1e15);
                    match year {
                        Some(y) => unit.year = Some(y as i64),
                        None => return Err(at(c, ErrorKind::InvalidYear(raw.into())).for_unit(&code)),
                    }
                }
                _ => {}
            }
        }
        if let Some(first_line) = seen.insert((code.clone(), unit.year), row.line) {
            return Err(at(code_col, ErrorKind::DuplicateUnit { first_line }).for_unit(&code));
        }
        for (k, &c) in numeric.iter().enumerate() {
            let raw = cell(c);
            let v = if is_missing(raw) {
                f64::NAN
            } else {
                match csv.number(raw) {
                    Some(v) if v.is_finite() => v,
                    Some(_) => return Err(at(c, ErrorKind::NotFinite(raw.into())).for_unit(&code)),
                    None => return Err(at(c, ErrorKind::NotANumber(raw.into())).for_unit(&code)),
                }
            };
            if let Some(col) = values.get_mut(k) {
                col.push(v);
            }
        }
        units.push(unit);
        lines.push(row.line);
    }
    if units.is_empty() {
        return Err(Error::new(ErrorKind::NoRows));
    }
    Ok(Dataset::from_parts(
        source,
        units,
        numeric.iter().filter_map(|&c| header.get(c).cloned()).collect(),
        values,
        lines,
        numeric.iter().map(|&c| c as u64 + 1).collect(),
    ))
}

impl Coinr {
    /// Reads `iData` and `iMeta` CSV (UTF-8; comma, semicolon or tab; the
    /// names are used in error messages). `group` names the `iData` group
    /// column that becomes each unit's group (for group imputation and ranks
    /// within groups), e.g. `EurAsia_group`.
    ///
    /// ```
    /// use ictindex::Coinr;
    /// let imeta = "iCode,Parent,Type\nA,I,Indicator\nI,,Aggregate\n";
    /// let err = Coinr::from_readers("uCode,A\nx,\"1,5\"\n".as_bytes(), "iData.csv", imeta.as_bytes(), "iMeta.csv", None)
    ///     .unwrap_err();
    /// assert_eq!(err.to_string(), "iData.csv, line 2, column 2 (A), unit x: \"1,5\" is not a number");
    /// ```
    pub fn from_readers<A: io::Read, B: io::Read>(
        idata: A,
        idata_name: &str,
        imeta: B,
        imeta_name: &str,
        group: Option<&str>,
    ) -> Result<Coinr> {
        let named = |name: &str| {
            let name = name.to_string();
            move |e: Error| if name.is_empty() { e } else { e.in_file(&name) }
        };
        let meta_text = read_text(imeta).map_err(named(imeta_name))?;
        let meta = read_meta(&meta_text).map_err(named(imeta_name))?;
        let data_text = read_text(idata).map_err(named(idata_name))?;
        let data = read_data(&data_text, idata_name, &meta, group).map_err(named(idata_name))?;
        Ok(Coinr {
            data,
            framework: meta.framework,
            groups: meta.groups,
        })
    }

    /// [`Coinr::from_readers`] on strings, with no file names.
    pub fn from_str(idata: &str, imeta: &str, group: Option<&str>) -> Result<Coinr> {
        Self::from_readers(idata.as_bytes(), "", imeta.as_bytes(), "", group)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const META: &str = "iCode,Parent,Type,Direction,Weight,Denominator\n\
                        A,I,Indicator,1,1,Pop\n\
                        B,I,Indicator,-1,2,\n\
                        I,,Aggregate,1,1,\n\
                        G,,Group,,,\n\
                        Pop,,Denominator,,,\n\
                        Area,,Denominator,,,\n\
                        Note,,Other,,,\n";

    #[test]
    fn reads_tree_and_columns() {
        let c = Coinr::from_str("uCode,uName,G,Note,Area,Pop,A,B\nx,X,g1,hello,1,2,3,4\n", META, None).unwrap();
        assert_eq!(c.data.indicators(), ["Pop", "A", "B"]);
        assert_eq!(c.data.column_number(1), Some(7));
        assert_eq!(c.data.units()[0].group, None);
        let b = c.framework.node("B").unwrap();
        assert_eq!(b.spec.direction, Direction::Down);
        assert_eq!(b.spec.weight, 2.0);
        assert_eq!(c.framework.node("A").unwrap().spec.denominator.as_deref(), Some("Pop"));
        assert_eq!(c.framework.root().code(), "I");
    }

    #[test]
    fn errors_name_file_line_and_column() {
        let err = Coinr::from_readers(
            "uCode,Pop,A,B\nx,1,2,abc\n".as_bytes(),
            "iData.csv",
            META.as_bytes(),
            "iMeta.csv",
            None,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "iData.csv, line 2, column 4 (B), unit x: \"abc\" is not a number"
        );
        let err = Coinr::from_str("uCode,Pop,A,B,Z\nx,1,2,3,4\n", META, None).unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::UnknownColumn("Z".into()));
        let err = Coinr::from_str("uCode,Pop,A\nx,1,2\n", META, None).unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::MissingIndicator("B".into()));
        let err = Coinr::from_str("uCode,Pop,A,B\nx,1,2,3\n", META, Some("G")).unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::MissingColumn("G".into()));
        let err = Coinr::from_str("uCode,Pop,A,B\nx,1,2,3\nx,1,2,3\n", META, None).unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::DuplicateUnit { first_line: 2 });
        let bad_meta = META.replace("A,I,Indicator,1,1,Pop", "A,I,Indicator,1,1,GDP");
        let err = Coinr::from_readers("".as_bytes(), "d", bad_meta.as_bytes(), "m.csv", None).unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::UnknownDenominator("GDP".into()));
        assert_eq!(err.location().file.as_deref(), Some("m.csv"));
        assert_eq!(err.location().line, Some(2));
        let bad_type = META.replace("Other", "Thing");
        let err = Coinr::from_str("", &bad_type, None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "line 8, column 3 (Type), indicator Note: invalid Type \"Thing\""
        );
    }

    #[test]
    fn time_and_missing_values() {
        let c = Coinr::from_str("uCode,Time,Pop,A,B\nx,2019,1,NA,\nx,2020,1,2,3\n", META, None).unwrap();
        assert_eq!(c.data.units()[0].year, Some(2019));
        assert_eq!(c.data.value(0, 1), None);
        assert_eq!(c.data.value(0, 2), None);
        let err = Coinr::from_str("uCode,Time,Pop,A,B\nx,2019.5,1,1,1\n", META, None).unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::InvalidYear("2019.5".into()));
    }
}
