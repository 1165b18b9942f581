//! Across the 2025 merger: the old→new boundary [`Mapping`], re-basing an
//! old-map edition onto the new map ([`rebase()`]), and a former province's
//! position inside its new province ([`breakdown()`]).
//!
//! Since 1/7/2025 Vietnam has 34 provincial units instead of 63 (National
//! Assembly Resolution 202/2025/QH15). Editions before are on the *old map*
//! (63 GSO codes), editions after on the *new map* (34 codes of Decision
//! 19/2025/QĐ-TTg). The two code sets overlap: every new code is the old code
//! of the province hosting the new unit's seat, which is not always the
//! namesake (new Lào Cai is `15`, Yên Bái's old code). So a code alone does not
//! say which map a data set uses; [`Mapping::geography`] decides per edition,
//! by rules written out there, and [`RebaseOptions::from`] overrides it.
//!
//! Re-basing, for each new unit *u* with former provinces *m* present in the
//! edition (weights *wₘ*: 1 for the plain mean, or a column such as
//! `population`):
//!
//! ```text
//! x(u, c) = Σₘ wₘ · x(m, c) / Σₘ wₘ     over the members m that have a value on column c
//! ```
//!
//! where the columns *c* are the framework's leaves ([`Level::Leaves`]: raw
//! values averaged, then normalised and aggregated over the 34 as usual) or
//! the index's children ([`Level::Pillars`]: the old provinces are scored
//! first on their own map, their pillar scores averaged, and the index
//! aggregated from those). This is how the DTI 2024 results were republished
//! for the 34 units (plain mean of the former provinces' indices). Units of an
//! edition already on the new map pass through unchanged.

use std::collections::HashMap;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind, Result};
use crate::export::{Cell, Record};
use crate::framework::{Direction, Framework, Method, NodeSpec, Normalisation};
use crate::lang::{fold, Lang};
use crate::parse::{CsvText, Dataset, Row, Unit};
use crate::rank::rank;
use crate::report::UnitReport;
use crate::score::{score, Options, Scored};

/// The year the new map took effect (1/7/2025): editions of earlier years are
/// taken to be on the old map when nothing else tells (see [`Mapping::geography`]).
pub const MERGER_YEAR: i64 = 2025;

/// The 63 provinces before 1/7/2025 (`data/provinces.csv`:
/// `code,name_vi,name_ascii,region,region_en,code_2025,name_2025`), built in.
pub const PROVINCES_CSV: &str = include_str!("../data/provinces.csv");

/// The 34 units from 1/7/2025 (`data/provinces-2025.csv`:
/// `code,name_vi,name_ascii,region,region_en,members`), built in.
pub const PROVINCES_2025_CSV: &str = include_str!("../data/provinces-2025.csv");

/// Which map an edition's unit codes refer to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Geography {
    /// Before the merger: 63 provinces, old GSO codes.
    Old,
    /// After the merger: 34 units, the new codes.
    New,
}

impl FromStr for Geography {
    type Err = Error;

    /// Reads `old` (or `63`) and `new` (or `34`, `2025`), any case.
    ///
    /// ```
    /// use ictindex::Geography;
    /// assert_eq!("OLD".parse::<Geography>().unwrap(), Geography::Old);
    /// assert_eq!("34".parse::<Geography>().unwrap(), Geography::New);
    /// assert!("both".parse::<Geography>().is_err());
    /// ```
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "old" | "63" => Ok(Geography::Old),
            "new" | "34" | "2025" => Ok(Geography::New),
            _ => Err(Error::new(ErrorKind::InvalidOption {
                name: "from".into(),
                value: s.into(),
            })),
        }
    }
}

/// Which level of the framework is averaged over a new unit's former provinces.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// The leaves' raw values (the default); the 34 are then normalised,
    /// aggregated and ranked as usual.
    #[default]
    Leaves,
    /// The index's children (pillars): each old province is scored on the old
    /// map first, its pillar scores are averaged, and the index is aggregated
    /// from those by the root's method and weights.
    Pillars,
}

impl FromStr for Level {
    type Err = Error;

    /// Reads `leaves` or `pillars` (any case).
    ///
    /// ```
    /// use ictindex::Level;
    /// assert_eq!("Pillars".parse::<Level>().unwrap(), Level::Pillars);
    /// assert!("index".parse::<Level>().is_err());
    /// ```
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "leaves" | "leaf" => Ok(Level::Leaves),
            "pillars" | "pillar" => Ok(Level::Pillars),
            _ => Err(Error::new(ErrorKind::InvalidOption {
                name: "level".into(),
                value: s.into(),
            })),
        }
    }
}

/// A province of the old map.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Province {
    /// Old GSO code (`"26"`).
    pub code: String,
    /// Name (`"Vĩnh Phúc"`).
    pub name: String,
    /// Socio-economic region, if the mapping gives one.
    pub region: Option<String>,
    /// Code of the new unit it belongs to (`"25"`).
    pub new_code: String,
}

/// A unit of the new map and the old provinces it was formed from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MergedUnit {
    /// New code (Decision 19/2025/QĐ-TTg).
    pub code: String,
    /// Name (`"Phú Thọ"`).
    pub name: String,
    /// Region (of the namesake old province), if the mapping gives one.
    pub region: Option<String>,
    /// Old codes of its former provinces, the namesake first (`["25", "26", "17"]`).
    pub members: Vec<String>,
}

/// The old→new boundary mapping: every old province belongs to exactly one
/// new unit (checked when built).
///
/// ```
/// use ictindex::Mapping;
/// let m = Mapping::vn_2025();
/// assert_eq!((m.old_units().len(), m.new_units().len()), (63, 34));
/// assert_eq!(m.new_of("26").unwrap().name, "Phú Thọ");
/// assert_eq!(m.new_unit("25").unwrap().members, ["25", "26", "17"]);
/// // New Lào Cai took Yên Bái's old code.
/// assert_eq!(m.old_unit("15").unwrap().name, "Yên Bái");
/// assert_eq!(m.new_unit("15").unwrap().name, "Lào Cai");
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Mapping {
    since: i64,
    old: Vec<Province>,
    new: Vec<MergedUnit>,
    old_by_key: HashMap<String, usize>,
    new_by_key: HashMap<String, usize>,
    /// Per new unit: indices of its members in `old`, namesake first.
    members: Vec<Vec<usize>>,
}

/// The key codes are matched by: digits without leading zeros (`"1"` = `"01"`),
/// other codes folded.
fn code_key(code: &str) -> String {
    let c = code.trim();
    if !c.is_empty() && c.bytes().all(|b| b.is_ascii_digit()) {
        let t = c.trim_start_matches('0');
        if t.is_empty() {
            "0".into()
        } else {
            t.into()
        }
    } else {
        fold(c)
    }
}

/// The key names are matched by: folded, without a leading "TP." / "Thành phố" / "Tỉnh".
fn name_key(name: &str) -> String {
    let f = fold(name);
    for prefix in ["thanh pho ", "tp ", "tinh "] {
        if let Some(rest) = f.strip_prefix(prefix) {
            return rest.to_string();
        }
    }
    f
}

/// A mapping CSV's header and rows.
struct Table {
    header: Vec<String>,
    rows: Vec<Row>,
}

impl Table {
    fn new(text: &str) -> Result<Self> {
        let csv = CsvText::new(text)?;
        let header = csv.header()?;
        let rows = csv.rows().collect::<Result<Vec<_>>>()?;
        if rows.is_empty() {
            return Err(Error::new(ErrorKind::NoRows));
        }
        Ok(Table { header, rows })
    }

    fn column(&self, names: &[&str]) -> Option<usize> {
        self.header
            .iter()
            .position(|h| names.iter().any(|n| h.eq_ignore_ascii_case(n)))
    }

    fn required(&self, names: &[&str]) -> Result<usize> {
        self.column(names).ok_or_else(|| {
            let name = names.first().copied().unwrap_or_default();
            Error::new(ErrorKind::MissingColumn(name.into())).at_line(1)
        })
    }

    fn locate(&self, e: ErrorKind, row: &Row, col: usize) -> Error {
        Error::new(e)
            .at_line(row.line)
            .at_column(col as u64 + 1, self.header.get(col).map(String::as_str))
    }
}

fn cell(row: &Row, col: Option<usize>) -> &str {
    col.and_then(|c| row.fields.get(c)).map_or("", |s| s.trim())
}

/// One row of the old-map file.
struct OldRow {
    line: u64,
    province: Province,
    new_name: String,
}

fn parse_old(text: &str) -> Result<(Vec<OldRow>, bool)> {
    let t = Table::new(text)?;
    let code = t.required(&["code"])?;
    let name = t.column(&["name_vi", "name"]);
    let region = t.column(&["region", "region_vi"]);
    let new_code = t.column(&["code_2025", "new_code"]);
    let new_name = t.column(&["name_2025", "new_name"]);
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut out = Vec::with_capacity(t.rows.len());
    for row in &t.rows {
        let c = cell(row, Some(code));
        if c.is_empty() {
            return Err(t.locate(ErrorKind::EmptyCode, row, code));
        }
        if let Some(first_line) = seen.insert(code_key(c), row.line) {
            return Err(t.locate(ErrorKind::DuplicateUnit { first_line }, row, code).for_unit(c));
        }
        let n = cell(row, name);
        out.push(OldRow {
            line: row.line,
            province: Province {
                code: c.into(),
                name: if n.is_empty() { c.into() } else { n.into() },
                region: Some(cell(row, region).to_string()).filter(|r| !r.is_empty()),
                new_code: cell(row, new_code).into(),
            },
            new_name: cell(row, new_name).into(),
        });
    }
    Ok((out, new_code.is_some()))
}

/// One row of the new-map file.
struct NewRow {
    line: u64,
    members_column: u64,
    unit: MergedUnit,
}

fn parse_new(text: &str) -> Result<Vec<NewRow>> {
    let t = Table::new(text)?;
    let code = t.required(&["code"])?;
    let name = t.column(&["name_vi", "name"]);
    let region = t.column(&["region", "region_vi"]);
    let members = t.required(&["members"])?;
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut out = Vec::with_capacity(t.rows.len());
    for row in &t.rows {
        let c = cell(row, Some(code));
        if c.is_empty() {
            return Err(t.locate(ErrorKind::EmptyCode, row, code));
        }
        if let Some(first_line) = seen.insert(code_key(c), row.line) {
            return Err(t.locate(ErrorKind::DuplicateUnit { first_line }, row, code).for_unit(c));
        }
        let list: Vec<String> = cell(row, Some(members))
            .split(';')
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .map(str::to_string)
            .collect();
        if list.is_empty() {
            let e = ErrorKind::InvalidField {
                field: "members".into(),
                value: String::new(),
            };
            return Err(t.locate(e, row, members).for_unit(c));
        }
        let n = cell(row, name);
        out.push(NewRow {
            line: row.line,
            members_column: members as u64 + 1,
            unit: MergedUnit {
                code: c.into(),
                name: if n.is_empty() { c.into() } else { n.into() },
                region: Some(cell(row, region).to_string()).filter(|r| !r.is_empty()),
                members: list,
            },
        });
    }
    Ok(out)
}

impl Mapping {
    /// The built-in mapping of Resolution 202/2025/QH15: 63 provinces → 34
    /// units from 2025 ([`PROVINCES_CSV`], [`PROVINCES_2025_CSV`]).
    pub fn vn_2025() -> Self {
        let built = Self::from_csv(
            PROVINCES_CSV,
            "provinces.csv",
            Some((PROVINCES_2025_CSV, "provinces-2025.csv")),
            MERGER_YEAR,
        );
        // The shipped files are checked by the tests (and scripts/check_data.py).
        match built {
            Ok(m) => m,
            Err(_) => unreachable!("the built-in mapping is valid"),
        }
    }

    /// Reads a mapping. `old` is the old-map file (`code,name_vi,region,code_2025,…`
    /// like `data/provinces.csv`; `name` is accepted for `name_vi`); `new`, if
    /// given as `(text, name)`, the new-map file (`code,name_vi,region,members`
    /// with members = old codes joined by `;`, namesake first, like
    /// `data/provinces-2025.csv`). Without `new`, the new units are read from
    /// the old file's `code_2025` and `name_2025` columns (namesake: the member
    /// named like the unit, else the one with its code, else the first; region:
    /// the namesake's). `since` is the year the new map took effect. `old_name`
    /// and the name in `new` label error messages (`""` for none).
    ///
    /// Checks: codes present and unique in each file; every member is an old
    /// code; every old province belongs to exactly one new unit; and, when the
    /// old file has `code_2025`, it names the unit that lists the province.
    ///
    /// ```
    /// use ictindex::{ErrorKind, Mapping};
    /// let old = "code,name,code_2025,name_2025\n1,A,1,A\n2,B,1,A\n3,C,3,C\n";
    /// let m = Mapping::from_csv(old, "old.csv", None, 2025).unwrap();
    /// assert_eq!(m.new_unit("1").unwrap().members, ["1", "2"]);
    /// let err = Mapping::from_csv(old, "old.csv", Some(("code,name,members\n1,A,1;2\n", "new.csv")), 2025).unwrap_err();
    /// assert_eq!(err.kind(), &ErrorKind::Unmapped);
    /// assert_eq!(err.to_string(), "old.csv, line 4, unit 3: the former province belongs to no new unit");
    /// ```
    pub fn from_csv(old: &str, old_name: &str, new: Option<(&str, &str)>, since: i64) -> Result<Self> {
        let named = |e: Error, name: &str| if name.is_empty() { e } else { e.in_file(name) };
        let (old_rows, has_new_code) = parse_old(old).map_err(|e| named(e, old_name))?;
        let new_rows = match new {
            Some((text, name)) => parse_new(text).map_err(|e| named(e, name))?,
            None => derive_new(&old_rows, has_new_code).map_err(|e| named(e, old_name))?,
        };
        let new_name = new.map_or(old_name, |(_, n)| n);
        let old_by_key: HashMap<String, usize> = old_rows
            .iter()
            .enumerate()
            .map(|(i, r)| (code_key(&r.province.code), i))
            .collect();
        let mut parent: Vec<Option<usize>> = vec![None; old_rows.len()];
        let mut members = Vec::with_capacity(new_rows.len());
        for (j, nr) in new_rows.iter().enumerate() {
            let at = |k: ErrorKind, m: &str| {
                let e = Error::new(k)
                    .at_line(nr.line)
                    .at_column(nr.members_column, Some("members"))
                    .for_unit(m);
                named(e, new_name)
            };
            let mut list = Vec::with_capacity(nr.unit.members.len());
            for m in &nr.unit.members {
                let i = *old_by_key
                    .get(&code_key(m))
                    .ok_or_else(|| at(ErrorKind::NotInMapping(m.clone()), m))?;
                let slot = parent
                    .get_mut(i)
                    .ok_or_else(|| at(ErrorKind::NotInMapping(m.clone()), m))?;
                if let Some(first) = slot.replace(j) {
                    let first = new_rows.get(first).map(|r| r.unit.code.clone()).unwrap_or_default();
                    let second = nr.unit.code.clone();
                    return Err(at(ErrorKind::MappedTwice { first, second }, m));
                }
                let stated = old_rows.get(i).map(|r| r.province.new_code.as_str()).unwrap_or("");
                if !stated.is_empty() && code_key(stated) != code_key(&nr.unit.code) {
                    let k = ErrorKind::MappingDisagrees {
                        listed: nr.unit.code.clone(),
                        stated: stated.into(),
                    };
                    return Err(at(k, m));
                }
                list.push(i);
            }
            members.push(list);
        }
        let mut old = Vec::with_capacity(old_rows.len());
        for (r, p) in old_rows.into_iter().zip(&parent) {
            let Some(j) = p else {
                let e = Error::new(ErrorKind::Unmapped)
                    .at_line(r.line)
                    .for_unit(&r.province.code);
                return Err(named(e, old_name));
            };
            let mut province = r.province;
            province.new_code = new_rows.get(*j).map(|n| n.unit.code.clone()).unwrap_or_default();
            old.push(province);
        }
        let new: Vec<MergedUnit> = new_rows.into_iter().map(|r| r.unit).collect();
        let new_by_key = new.iter().enumerate().map(|(j, u)| (code_key(&u.code), j)).collect();
        Ok(Mapping {
            since,
            old,
            new,
            old_by_key,
            new_by_key,
            members,
        })
    }

    /// The year the new map took effect.
    pub fn since(&self) -> i64 {
        self.since
    }

    /// The old map's provinces, in file order.
    pub fn old_units(&self) -> &[Province] {
        &self.old
    }

    /// The new map's units, in file order.
    pub fn new_units(&self) -> &[MergedUnit] {
        &self.new
    }

    /// The old province with `code` (`"1"` matches `"01"`).
    pub fn old_unit(&self, code: &str) -> Option<&Province> {
        self.old_by_key.get(&code_key(code)).and_then(|&i| self.old.get(i))
    }

    /// The new unit with `code` (a *new* code).
    pub fn new_unit(&self, code: &str) -> Option<&MergedUnit> {
        self.new_by_key.get(&code_key(code)).and_then(|&j| self.new.get(j))
    }

    /// The new unit that the old province `old_code` belongs to.
    pub fn new_of(&self, old_code: &str) -> Option<&MergedUnit> {
        self.old_unit(old_code).and_then(|p| self.new_unit(&p.new_code))
    }

    /// The former provinces of the new unit `new_code`, namesake first.
    ///
    /// ```
    /// use ictindex::Mapping;
    /// let m = Mapping::vn_2025();
    /// let names: Vec<&str> = m.members_of("25").iter().map(|p| p.name.as_str()).collect();
    /// assert_eq!(names, ["Phú Thọ", "Vĩnh Phúc", "Hòa Bình"]);
    /// ```
    pub fn members_of(&self, new_code: &str) -> Vec<&Province> {
        self.new_by_key
            .get(&code_key(new_code))
            .and_then(|&j| self.members.get(j))
            .map(|list| list.iter().filter_map(|&i| self.old.get(i)).collect())
            .unwrap_or_default()
    }

    /// Whether the new unit `j` is one old province under its own code.
    fn unchanged(&self, j: usize) -> bool {
        match (self.members.get(j).map(Vec::as_slice), self.new.get(j)) {
            (Some([i]), Some(u)) => self.old.get(*i).is_some_and(|p| code_key(&p.code) == code_key(&u.code)),
            _ => false,
        }
    }

    /// Which map edition `year` of `data` is on. The rules, in order:
    ///
    /// 1. A code on neither map is an error ([`ErrorKind::NotInMapping`]).
    /// 2. Evidence for the old map: a code that is not a new code, or a name
    ///    that is the old province's name for its code but not the new
    ///    unit's (`15,Yên Bái`). Evidence for the new map: the reverse (`15,Lào
    ///    Cai`; `46,Huế` against `Thừa Thiên Huế`). Names are compared folded,
    ///    without "TP."/"Thành phố"/"Tỉnh"; an unknown spelling is no evidence.
    ///    Evidence for both is an error ([`ErrorKind::MixedGeography`]).
    /// 3. No evidence, and the edition holds every new code: the new map.
    /// 4. Else by year: before [`Mapping::since`] the old map, from it the new one.
    /// 5. Else (no year): if every unit is an unchanged province (same code
    ///    and territory on both maps), the new map (re-basing would not
    ///    change it); otherwise [`ErrorKind::AmbiguousGeography`].
    ///
    /// Year alone is only the fallback: the DTI 2024 results were published on
    /// the new map. Use [`RebaseOptions::from`] to state the map instead.
    ///
    /// ```
    /// use ictindex::{Dataset, Geography, Mapping};
    /// let m = Mapping::vn_2025();
    /// let d = Dataset::from_str("code,name,year,A\n15,Yên Bái,2016,1\n15,Lào Cai,2024,1\n01,Hà Nội,2030,1\n").unwrap();
    /// assert_eq!(m.geography(&d, Some(2016)).unwrap(), Geography::Old);
    /// assert_eq!(m.geography(&d, Some(2024)).unwrap(), Geography::New);
    /// assert_eq!(m.geography(&d, Some(2030)).unwrap(), Geography::New);
    /// ```
    pub fn geography(&self, data: &Dataset, year: Option<i64>) -> Result<Geography> {
        self.detect(data, &data.rows_of(year), year)
    }

    fn detect(&self, data: &Dataset, rows: &[usize], year: Option<i64>) -> Result<Geography> {
        let mut old_evidence: Option<usize> = None;
        let mut new_evidence: Option<usize> = None;
        let mut keys = Vec::with_capacity(rows.len());
        for &r in rows {
            let Some(u) = data.units().get(r) else { continue };
            let key = code_key(&u.code);
            let old = self.old_by_key.get(&key).and_then(|&i| self.old.get(i));
            let new = self.new_by_key.get(&key).and_then(|&j| self.new.get(j));
            let (says_old, says_new) = match (old, new) {
                (None, None) => return Err(not_in_mapping(data, r, u)),
                (Some(_), None) => (true, false),
                (None, Some(_)) => (false, true),
                (Some(o), Some(n)) => {
                    let given = name_key(&u.name);
                    let is_old = given == name_key(&o.name);
                    let is_new = given == name_key(&n.name);
                    (is_old && !is_new, is_new && !is_old)
                }
            };
            if says_old && old_evidence.is_none() {
                old_evidence = Some(r);
            }
            if says_new && new_evidence.is_none() {
                new_evidence = Some(r);
            }
            keys.push(key);
        }
        let code_of = |r: usize| data.units().get(r).map(|u| u.code.clone()).unwrap_or_default();
        match (old_evidence, new_evidence) {
            (Some(o), Some(n)) => {
                let later = o.max(n);
                let mut e = Error::new(ErrorKind::MixedGeography {
                    old: code_of(o),
                    new: code_of(n),
                })
                .for_unit(&code_of(later));
                if let Some(line) = data.line_of(later) {
                    e = e.at_line(line);
                }
                Err(named(data, e))
            }
            (Some(_), None) => Ok(Geography::Old),
            (None, Some(_)) => Ok(Geography::New),
            (None, None) => {
                keys.sort_unstable();
                keys.dedup();
                if keys.len() == self.new.len() {
                    return Ok(Geography::New);
                }
                match year {
                    Some(y) if y < self.since => Ok(Geography::Old),
                    Some(_) => Ok(Geography::New),
                    None => {
                        let all_unchanged = keys
                            .iter()
                            .all(|k| self.new_by_key.get(k).is_some_and(|&j| self.unchanged(j)));
                        if all_unchanged {
                            Ok(Geography::New)
                        } else {
                            Err(named(data, Error::new(ErrorKind::AmbiguousGeography)))
                        }
                    }
                }
            }
        }
    }

    /// Checks that every unit of `rows` has a code on map `geo`.
    fn check(&self, data: &Dataset, rows: &[usize], geo: Geography) -> Result<()> {
        let known = match geo {
            Geography::Old => &self.old_by_key,
            Geography::New => &self.new_by_key,
        };
        for &r in rows {
            if let Some(u) = data.units().get(r) {
                if !known.contains_key(&code_key(&u.code)) {
                    return Err(not_in_mapping(data, r, u));
                }
            }
        }
        Ok(())
    }
}

/// Groups an old-map file's rows by `code_2025` into new units.
fn derive_new(old: &[OldRow], has_new_code: bool) -> Result<Vec<NewRow>> {
    if !has_new_code {
        return Err(Error::new(ErrorKind::MissingColumn("code_2025".into())).at_line(1));
    }
    let mut order: Vec<String> = Vec::new();
    let mut groups: HashMap<String, Vec<&OldRow>> = HashMap::new();
    for r in old {
        if r.province.new_code.is_empty() {
            let e = ErrorKind::InvalidField {
                field: "code_2025".into(),
                value: String::new(),
            };
            return Err(Error::new(e).at_line(r.line).for_unit(&r.province.code));
        }
        let key = code_key(&r.province.new_code);
        if !groups.contains_key(&key) {
            order.push(key.clone());
        }
        groups.entry(key).or_default().push(r);
    }
    let mut out = Vec::with_capacity(order.len());
    for key in order {
        let Some(mut rows) = groups.remove(&key) else { continue };
        let Some(first) = rows.first().copied() else { continue };
        let code = first.province.new_code.clone();
        let name = rows
            .iter()
            .map(|r| r.new_name.as_str())
            .find(|n| !n.is_empty())
            .unwrap_or("")
            .to_string();
        let namesake = rows
            .iter()
            .position(|r| !name.is_empty() && name_key(&r.province.name) == name_key(&name))
            .or_else(|| rows.iter().position(|r| code_key(&r.province.code) == key))
            .unwrap_or(0);
        if namesake > 0 && namesake < rows.len() {
            let n = rows.remove(namesake);
            rows.insert(0, n);
        }
        let head = rows.first().copied().unwrap_or(first);
        out.push(NewRow {
            line: first.line,
            members_column: 0,
            unit: MergedUnit {
                name: if name.is_empty() {
                    head.province.name.clone()
                } else {
                    name
                },
                code,
                region: head.province.region.clone(),
                members: rows.iter().map(|r| r.province.code.clone()).collect(),
            },
        });
    }
    Ok(out)
}

fn named(data: &Dataset, e: Error) -> Error {
    if data.source().is_empty() {
        e
    } else {
        e.in_file(data.source())
    }
}

fn not_in_mapping(data: &Dataset, row: usize, u: &Unit) -> Error {
    let mut e = Error::new(ErrorKind::NotInMapping(u.code.clone())).for_unit(&u.code);
    if let Some(line) = data.line_of(row) {
        e = e.at_line(line);
    }
    named(data, e)
}

/// Settings of a re-basing; from JSON (the page), e.g.
/// `{"level": "pillars", "weight": "population", "from": "old"}`, every field optional.
///
/// ```
/// use ictindex::{Level, RebaseOptions};
/// let o = RebaseOptions::default();
/// assert_eq!((o.level, o.weight, o.from), (Level::Leaves, None, None));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RebaseOptions {
    /// Which level is averaged (default: the leaves).
    pub level: Level,
    /// A data column whose values weight the mean (e.g. `population`);
    /// `None`: the plain mean, as DTI 2024 did. The column is neither scored
    /// nor written out.
    pub weight: Option<String>,
    /// The map the data are on, for every edition; `None`: decided per
    /// edition by [`Mapping::geography`].
    pub from: Option<Geography>,
}

/// A former province's part in a re-based unit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Member {
    /// Old code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Its weight over the sum of the present members' weights (1/k for the
    /// plain mean); `None` when the edition was already on the new map.
    pub share: Option<f64>,
    /// (source data set, row) of its values, for [`Rebased::breakdown`].
    #[serde(skip)]
    at: Option<(usize, usize)>,
}

/// One unit of the re-based data set.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RebasedUnit {
    /// New code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Edition year.
    pub year: Option<i64>,
    /// Group (region).
    pub group: Option<String>,
    /// The map the edition was on: `old` (re-based) or `new` (passed through).
    pub geography: Geography,
    /// The former provinces averaged (present in the edition), namesake
    /// first; for a passed-through unit, its former provinces by the mapping.
    pub members: Vec<Member>,
    /// The former provinces the mapping lists (`members` may lack some).
    pub expected: usize,
    /// The values written, by column.
    pub values: Record,
}

/// How one edition was handled.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EditionMap {
    /// Edition year.
    pub year: Option<i64>,
    /// The map it was on.
    pub geography: Geography,
    /// Units read.
    pub units_in: usize,
    /// Units written.
    pub units_out: usize,
}

/// A data set re-based onto the new map, with the framework that scores it.
/// Serialised (for the page), it is plain data: `level`, `weight`,
/// `editions` ([`EditionMap`]) and `units` ([`RebasedUnit`], values by column).
///
/// ```
/// use ictindex::{rebase, Dataset, Framework, Geography, Level, Mapping, Options, RebaseOptions};
/// let d = Dataset::from_str("code,year,HTKT,HTNL,UD,SXKD,MT\n\
///     02,2016,.2,.2,.2,.2,.2\n08,2016,.4,.4,.4,.4,.4\n01,2016,.5,.5,.5,.5,.5\n").unwrap();
/// let r = rebase(&d, &Framework::vn_ict(), &Mapping::vn_2025(), &RebaseOptions::default(), &Options::default()).unwrap();
/// assert_eq!(r.level(), Level::Leaves);
/// assert_eq!(r.editions()[0].geography, Geography::Old);
/// assert_eq!((r.editions()[0].units_in, r.editions()[0].units_out), (3, 2));
/// assert_eq!(r.data().units().len(), 2);
/// assert_eq!(r.units()[1].name, "Tuyên Quang");
/// assert_eq!(r.unit(Some(2016), "8").unwrap().expected, 2);
/// assert_eq!(r.framework().root().code(), "ICT");
/// assert_eq!(r.mapping().new_units().len(), 34);
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Rebased {
    level: Level,
    weight: Option<String>,
    editions: Vec<EditionMap>,
    units: Vec<RebasedUnit>,
    /// Per source data set: it scored on its own map (for the old-map ranks
    /// of [`Rebased::breakdown`]).
    #[serde(skip)]
    sources: Vec<Result<Scored>>,
    #[serde(skip)]
    data: Dataset,
    #[serde(skip)]
    framework: Framework,
    #[serde(skip)]
    mapping: Mapping,
}

/// Where a re-based column's values come from.
enum Values<'a> {
    /// Data columns (one per leaf).
    Columns(Vec<usize>),
    /// Pillar scores of the data scored on its own map: the nodes, and per
    /// data row its (edition, position).
    Scores(&'a Scored, Vec<usize>, Vec<Option<(usize, usize)>>),
}

impl Values<'_> {
    fn get(&self, data: &Dataset, row: usize, k: usize) -> Option<f64> {
        match self {
            Values::Columns(cols) => cols.get(k).and_then(|&c| data.value(row, c)),
            Values::Scores(scored, nodes, at) => {
                let (e, pos) = at.get(row).copied().flatten()?;
                scored.editions().get(e)?.score(*nodes.get(k)?, pos)
            }
        }
    }
}

/// The framework scoring pillar-level re-based data: the root as it is, its
/// children as leaves used as given (their scores are already oriented).
fn pillar_framework(framework: &Framework) -> Result<Framework> {
    let root = framework.root();
    let mut specs = vec![NodeSpec {
        parent: None,
        ..root.spec.clone()
    }];
    for &c in &root.children {
        let Some(n) = framework.nodes().get(c) else { continue };
        specs.push(NodeSpec {
            parent: Some(root.code().to_string()),
            direction: Direction::Up,
            method: Some(Method::Normalise(Normalisation::None)),
            ..n.spec.clone()
        });
    }
    Framework::new(specs)
}

/// Re-bases every edition of `data` onto the new map of `mapping`: editions
/// on the old map become one row per new unit whose former provinces are
/// present, each value the (weighted) mean of theirs, `x(u, c) = Σₘ wₘ·x(m, c)
/// / Σₘ wₘ` over the members `m` with a value on column `c` (`wₘ` = 1, or
/// the weight column's value); editions already on the new map pass
/// through unchanged (codes written as the mapping writes them). Score the
/// result with [`Rebased::score`].
///
/// A member missing a value is left out of that value's mean; a new unit none
/// of whose former provinces is in the edition is left out. Rows come edition
/// by edition (ascending year), re-based units in the mapping's order. With
/// [`Level::Leaves`] the columns are the framework's leaves (other data
/// columns are dropped); with [`Level::Pillars`], the index's children, and
/// `options` (`min_share`) apply to scoring the old map first.
///
/// The three-province Phú Thọ case, by hand: HTKT = (0.3422 + 0.3607 + 0.3788) / 3.
///
/// ```
/// use ictindex::{rebase, Dataset, Framework, Mapping, Options, RebaseOptions};
/// let d = Dataset::from_str("code,name,year,HTKT,HTNL,UD,SXKD,MT\n\
///     25,Phú Thọ,2016,0.3422,0.4283,0.3466,0.2980,0.6067\n\
///     26,Vĩnh Phúc,2016,0.3607,0.4975,0.3546,0.1697,0.5952\n\
///     17,Hòa Bình,2016,0.3788,0.4824,0.3545,0.1903,0.4005\n\
///     01,Hà Nội,2016,0.7,0.65,0.65,0.51,1\n").unwrap();
/// let f = Framework::vn_ict();
/// let r = rebase(&d, &f, &Mapping::vn_2025(), &RebaseOptions::default(), &Options::default()).unwrap();
/// let u = r.unit(Some(2016), "25").unwrap();
/// let names: Vec<&str> = u.members.iter().map(|m| m.name.as_str()).collect();
/// assert_eq!(names, ["Phú Thọ", "Vĩnh Phúc", "Hòa Bình"]);
/// let htkt = r.data().value(1, 0).unwrap();
/// assert!((htkt - (0.3422 + 0.3607 + 0.3788) / 3.0).abs() < 1e-12);
/// let s = r.score(&Options::default()).unwrap();
/// let text = r.report(&s, None, "Vĩnh Phúc").unwrap().sentence(ictindex::Lang::Vi);
/// assert!(text.starts_with("Năm 2016, Phú Thọ (gồm Phú Thọ, Vĩnh Phúc, Hòa Bình) xếp thứ 2/2;"), "{text}");
/// ```
pub fn rebase(
    data: &Dataset,
    framework: &Framework,
    mapping: &Mapping,
    options: &RebaseOptions,
    score_options: &Options,
) -> Result<Rebased> {
    score_options.validate()?;
    let weight_col = match &options.weight {
        None => None,
        Some(w) => Some(
            data.indicator_index(w)
                .ok_or_else(|| named(data, Error::new(ErrorKind::MissingColumn(w.clone())).at_line(1)))?,
        ),
    };
    let weight_name = options.weight.clone().unwrap_or_default();
    let scoring = match &options.weight {
        Some(w) if framework.index_of(w).is_none() => data.without_indicators(&[w.as_str()]),
        _ => data.clone(),
    };
    let source = score(&scoring, framework, score_options);
    let (columns, values, out_framework) = match options.level {
        Level::Leaves => {
            let mut codes = Vec::new();
            let mut cols = Vec::new();
            for &leaf in framework.leaves() {
                let code = framework.nodes().get(leaf).map(|n| n.code()).unwrap_or("");
                let c = data.indicator_index(code).ok_or_else(|| {
                    let e = Error::new(ErrorKind::MissingIndicator(code.into()))
                        .at_line(1)
                        .for_indicator(code);
                    named(data, e)
                })?;
                codes.push(code.to_string());
                cols.push(c);
            }
            (codes, Values::Columns(cols), framework.clone())
        }
        Level::Pillars => {
            let scored = source.as_ref().map_err(Clone::clone)?;
            let mut at = vec![None; data.units().len()];
            for (e, ed) in scored.editions().iter().enumerate() {
                for (pos, &row) in ed.rows().iter().enumerate() {
                    if let Some(slot) = at.get_mut(row) {
                        *slot = Some((e, pos));
                    }
                }
            }
            let nodes = framework.root().children.clone();
            let codes = nodes
                .iter()
                .filter_map(|&c| framework.nodes().get(c).map(|n| n.code().to_string()))
                .collect();
            (codes, Values::Scores(scored, nodes, at), pillar_framework(framework)?)
        }
    };
    let mut out = Out::new(columns.len());
    let mut editions = Vec::new();
    for year in data.years() {
        let rows = data.rows_of(year);
        let geography = match options.from {
            Some(g) => {
                mapping.check(data, &rows, g)?;
                g
            }
            None => mapping.detect(data, &rows, year)?,
        };
        let before = out.units.len();
        match geography {
            Geography::New => {
                for &r in &rows {
                    let Some(u) = data.units().get(r) else { continue };
                    let Some(&j) = mapping.new_by_key.get(&code_key(&u.code)) else {
                        return Err(not_in_mapping(data, r, u));
                    };
                    let code = mapping.new.get(j).map_or(u.code.clone(), |n| n.code.clone());
                    let members: Vec<Member> = mapping
                        .members
                        .get(j)
                        .map(Vec::as_slice)
                        .unwrap_or(&[])
                        .iter()
                        .filter_map(|&i| mapping.old.get(i))
                        .map(|p| Member {
                            code: p.code.clone(),
                            name: p.name.clone(),
                            share: None,
                            at: None,
                        })
                        .collect();
                    let row_values = (0..columns.len()).map(|k| values.get(data, r, k)).collect();
                    let unit = Unit {
                        code,
                        name: u.name.clone(),
                        year,
                        group: u.group.clone(),
                    };
                    out.push(unit, Geography::New, members.len(), members, row_values);
                }
            }
            Geography::Old => {
                let mut present: Vec<Option<usize>> = vec![None; mapping.old.len()];
                for &r in &rows {
                    let Some(u) = data.units().get(r) else { continue };
                    let Some(&i) = mapping.old_by_key.get(&code_key(&u.code)) else {
                        return Err(not_in_mapping(data, r, u));
                    };
                    if let Some(slot) = present.get_mut(i) {
                        if let Some(first) = slot.replace(r) {
                            let first_line = data.line_of(first).unwrap_or(0);
                            let mut e = Error::new(ErrorKind::DuplicateUnit { first_line }).for_unit(&u.code);
                            if let Some(line) = data.line_of(r) {
                                e = e.at_line(line);
                            }
                            return Err(named(data, e));
                        }
                    }
                }
                for (j, nu) in mapping.new.iter().enumerate() {
                    let list = mapping.members.get(j).map(Vec::as_slice).unwrap_or(&[]);
                    let here: Vec<(usize, usize)> = list
                        .iter()
                        .filter_map(|&i| present.get(i).copied().flatten().map(|r| (i, r)))
                        .collect();
                    if here.is_empty() {
                        continue;
                    }
                    let mut weights = Vec::with_capacity(here.len());
                    for &(i, r) in &here {
                        let w = match weight_col {
                            None => 1.0,
                            Some(c) => weight(data, r, c, mapping.old.get(i))?,
                        };
                        weights.push(w);
                    }
                    let total: f64 = weights.iter().sum();
                    if total <= 0.0 {
                        let e = Error::new(ErrorKind::ZeroWeightSum(weight_name.clone())).for_unit(&nu.code);
                        return Err(named(data, e));
                    }
                    let row_values = (0..columns.len())
                        .map(|k| {
                            let (mut sum, mut w_sum) = (0.0, 0.0);
                            for (&(_, r), &w) in here.iter().zip(&weights) {
                                if let Some(v) = values.get(data, r, k) {
                                    sum += w * v;
                                    w_sum += w;
                                }
                            }
                            (w_sum > 0.0).then(|| sum / w_sum)
                        })
                        .collect();
                    let members = here
                        .iter()
                        .zip(&weights)
                        .map(|(&(i, r), &w)| Member {
                            code: mapping.old.get(i).map(|p| p.code.clone()).unwrap_or_default(),
                            name: mapping.old.get(i).map(|p| p.name.clone()).unwrap_or_default(),
                            share: Some(w / total),
                            at: Some((0, r)),
                        })
                        .collect();
                    let group = here
                        .iter()
                        .find_map(|&(_, r)| data.units().get(r).and_then(|u| u.group.clone()));
                    let unit = Unit {
                        code: nu.code.clone(),
                        name: nu.name.clone(),
                        year,
                        group,
                    };
                    out.push(unit, Geography::Old, list.len(), members, row_values);
                }
            }
        }
        editions.push(EditionMap {
            year,
            geography,
            units_in: rows.len(),
            units_out: out.units.len() - before,
        });
    }
    let Out {
        units,
        values: cols,
        info: mut rebased_units,
    } = out;
    for (n, u) in rebased_units.iter_mut().enumerate() {
        let mut cells = Vec::with_capacity(columns.len());
        for (k, code) in columns.iter().enumerate() {
            let v = cols.get(k).and_then(|col| col.get(n)).copied().flatten();
            cells.push((code.clone(), v.map_or(Cell::Empty, Cell::Float)));
        }
        u.values = Record(cells);
    }
    let data = Dataset::from_columns(units, columns, cols)?;
    Ok(Rebased {
        level: options.level,
        weight: options.weight.clone(),
        editions,
        units: rebased_units,
        sources: vec![source],
        data,
        framework: out_framework,
        mapping: mapping.clone(),
    })
}

/// A member's weight from column `c`: present and ≥ 0.
fn weight(data: &Dataset, row: usize, c: usize, p: Option<&Province>) -> Result<f64> {
    let header = data.indicators().get(c).map(String::as_str).unwrap_or("");
    let unit = data
        .units()
        .get(row)
        .map(|u| u.code.clone())
        .or_else(|| p.map(|p| p.code.clone()))
        .unwrap_or_default();
    let at = |k: ErrorKind| {
        let mut e = Error::new(k).for_unit(&unit);
        if let Some(line) = data.line_of(row) {
            e = e.at_line(line);
        }
        if let Some(col) = data.column_number(c) {
            e = e.at_column(col, Some(header));
        }
        named(data, e)
    };
    match data.value(row, c) {
        None => Err(at(ErrorKind::MissingWeight(header.into()))),
        Some(w) if w < 0.0 => Err(at(ErrorKind::NegativeWeight(w.to_string()))),
        Some(w) => Ok(w),
    }
}

/// The re-based rows being built.
struct Out {
    units: Vec<Unit>,
    values: Vec<Vec<Option<f64>>>,
    info: Vec<RebasedUnit>,
}

impl Out {
    fn new(columns: usize) -> Self {
        Out {
            units: Vec::new(),
            values: vec![Vec::new(); columns],
            info: Vec::new(),
        }
    }

    fn push(&mut self, unit: Unit, geography: Geography, expected: usize, members: Vec<Member>, row: Vec<Option<f64>>) {
        for (col, v) in self.values.iter_mut().zip(row) {
            col.push(v);
        }
        self.info.push(RebasedUnit {
            code: unit.code.clone(),
            name: unit.name.clone(),
            year: unit.year,
            group: unit.group.clone(),
            geography,
            members,
            expected,
            values: Record(Vec::new()),
        });
        self.units.push(unit);
    }
}

impl Rebased {
    /// The re-based data set (columns: the averaged leaves or pillars).
    pub fn data(&self) -> &Dataset {
        &self.data
    }

    /// The framework scoring [`Rebased::data`]: the one given for
    /// [`Level::Leaves`]; for [`Level::Pillars`], the root over the pillars as leaves.
    pub fn framework(&self) -> &Framework {
        &self.framework
    }

    /// The level averaged.
    pub fn level(&self) -> Level {
        self.level
    }

    /// How each edition was handled, by ascending year.
    pub fn editions(&self) -> &[EditionMap] {
        &self.editions
    }

    /// The re-based units, in the rows' order.
    pub fn units(&self) -> &[RebasedUnit] {
        &self.units
    }

    /// The mapping used.
    pub fn mapping(&self) -> &Mapping {
        &self.mapping
    }

    /// The unit of edition `year` with the new code `code`.
    pub fn unit(&self, year: Option<i64>, code: &str) -> Option<&RebasedUnit> {
        let key = code_key(code);
        self.units.iter().find(|u| u.year == year && code_key(&u.code) == key)
    }

    /// Puts `other` (e.g. a new-map edition re-based from another file) beside
    /// this one, rows sorted by year (stable), so that editions from both can
    /// be compared. Both must have the same level and columns; a unit may
    /// appear once per edition.
    ///
    /// ```
    /// use ictindex::{rebase, Dataset, Framework, Mapping, Options, RebaseOptions};
    /// let (f, m, o) = (Framework::vn_ict(), Mapping::vn_2025(), RebaseOptions::default());
    /// let old = Dataset::from_str("code,year,HTKT,HTNL,UD,SXKD,MT\n26,2016,.5,.5,.5,.5,.5\n01,2016,.4,.4,.4,.4,.4\n").unwrap();
    /// let new = Dataset::from_str("code,year,HTKT,HTNL,UD,SXKD,MT\n25,2025,.3,.3,.3,.3,.3\n01,2025,.4,.4,.4,.4,.4\n").unwrap();
    /// let both = rebase(&new, &f, &m, &o, &Options::default()).unwrap()
    ///     .merge(rebase(&old, &f, &m, &o, &Options::default()).unwrap()).unwrap();
    /// let s = both.score(&Options::default()).unwrap();
    /// let report = both.report(&s, Some(2025), "Phú Thọ").unwrap();
    /// assert_eq!((report.index.rank, report.index.change), (Some(2), Some(-1))); // 1st in 2016 (re-based), 2nd in 2025
    /// ```
    pub fn merge(self, other: Rebased) -> Result<Rebased> {
        if self.level != other.level || self.data.indicators() != other.data.indicators() {
            return Err(Error::new(ErrorKind::InvalidOption {
                name: "merge".into(),
                value: format!(
                    "{:?} {} / {:?} {}",
                    self.level,
                    self.data.indicators().join(","),
                    other.level,
                    other.data.indicators().join(",")
                ),
            }));
        }
        let columns = self.data.indicators().to_vec();
        let offset = self.sources.len();
        let mut rows: Vec<(RebasedUnit, Unit, Vec<Option<f64>>)> = Vec::new();
        for (part, shift) in [(&self, 0), (&other, offset)] {
            for (r, (info, unit)) in part.units.iter().zip(part.data.units()).enumerate() {
                let values = (0..columns.len()).map(|c| part.data.value(r, c)).collect();
                let mut info = info.clone();
                for m in &mut info.members {
                    m.at = m.at.map(|(s, row)| (s + shift, row));
                }
                rows.push((info, unit.clone(), values));
            }
        }
        rows.sort_by_key(|(_, u, _)| u.year);
        let mut seen: HashMap<(String, Option<i64>), u64> = HashMap::new();
        for (r, (_, u, _)) in rows.iter().enumerate() {
            let line = r as u64 + 2;
            if let Some(first_line) = seen.insert((code_key(&u.code), u.year), line) {
                return Err(Error::new(ErrorKind::DuplicateUnit { first_line })
                    .at_line(line)
                    .for_unit(&u.code));
            }
        }
        let mut editions = self.editions;
        editions.extend(other.editions);
        editions.sort_by_key(|e| e.year);
        let mut units = Vec::with_capacity(rows.len());
        let mut infos = Vec::with_capacity(rows.len());
        let mut cols: Vec<Vec<Option<f64>>> = vec![Vec::with_capacity(rows.len()); columns.len()];
        for (info, unit, values) in rows {
            for (col, v) in cols.iter_mut().zip(values) {
                col.push(v);
            }
            infos.push(info);
            units.push(unit);
        }
        let mut sources = self.sources;
        sources.extend(other.sources);
        Ok(Rebased {
            level: self.level,
            weight: self.weight.or(other.weight),
            editions,
            units: infos,
            sources,
            data: Dataset::from_columns(units, columns, cols)?,
            framework: self.framework,
            mapping: self.mapping,
        })
    }

    /// Scores and ranks the re-based data (the 34) by [`Rebased::framework`].
    pub fn score(&self, options: &Options) -> Result<Scored> {
        score(&self.data, &self.framework, options)
    }

    /// Finds `query` in edition `e` of `scored` (scored from this data set): a
    /// new code or name, else a former province's old code or name, which
    /// finds the unit it belongs to ("Vĩnh Phúc" → Phú Thọ). A code on both
    /// maps is taken as a new code (`15` is Lào Cai, not Yên Bái).
    ///
    /// ```
    /// use ictindex::{rebase, Dataset, Framework, Mapping, Options, RebaseOptions};
    /// let d = Dataset::from_str("code,year,HTKT,HTNL,UD,SXKD,MT\n26,2016,.2,.2,.2,.2,.2\n10,2016,.4,.4,.4,.4,.4\n").unwrap();
    /// let r = rebase(&d, &Framework::vn_ict(), &Mapping::vn_2025(), &RebaseOptions::default(), &Options::default()).unwrap();
    /// let s = r.score(&Options::default()).unwrap();
    /// let code = |q: &str| s.unit(0, r.find_unit(&s, 0, q).unwrap()).unwrap().code.clone();
    /// assert_eq!(code("vinh phuc"), "25");
    /// assert_eq!(code("26"), "25");
    /// assert_eq!(code("15"), "15");
    /// assert_eq!(code("Yên Bái"), "15");
    /// assert!(r.find_unit(&s, 0, "Hà Nội").is_err());
    /// ```
    pub fn find_unit(&self, scored: &Scored, e: usize, query: &str) -> Result<usize> {
        match scored.find_unit(e, query) {
            Err(err) if matches!(err.kind(), ErrorKind::UnknownUnit(_)) => {
                let q = name_key(query);
                let old = self
                    .mapping
                    .old_unit(query)
                    .or_else(|| self.mapping.old.iter().find(|p| name_key(&p.name) == q));
                match old {
                    Some(p) => scored.find_unit(e, &p.new_code).map_err(|_| err),
                    None => Err(err),
                }
            }
            other => other,
        }
    }

    /// The report on `unit` (see [`Rebased::find_unit`]) in edition `year`
    /// (`None`: the latest) of `scored`, naming the former provinces of a
    /// merged unit ([`UnitReport::members`]).
    pub fn report(&self, scored: &Scored, year: Option<i64>, unit: &str) -> Result<UnitReport> {
        let e = scored.edition_index(year)?;
        let pos = self.find_unit(scored, e, unit)?;
        let mut r = UnitReport::new(scored, e, pos)?;
        if let Some(u) = self.unit(r.year, &r.code) {
            if u.members.len() > 1 {
                r.members = u.members.iter().map(|m| m.name.clone()).collect();
            }
        }
        Ok(r)
    }

    /// The re-based rows as flat records: `code,name`, `year` and `group` (if
    /// any row has one), then the columns (a missing value is empty). As CSV ([`crate::to_csv`]) they read
    /// back as a data set that scores the same.
    ///
    /// ```
    /// use ictindex::{rebase, to_csv, Dataset, Framework, Mapping, Options, RebaseOptions};
    /// let d = Dataset::from_str("code,name,HTKT,HTNL,UD,SXKD,MT\n02,Hà Giang,.2,.2,.2,.2,.2\n08,Tuyên Quang,.4,.4,.4,.4,.4\n").unwrap();
    /// let o = RebaseOptions { from: Some(ictindex::Geography::Old), ..Default::default() };
    /// let r = rebase(&d, &Framework::vn_ict(), &Mapping::vn_2025(), &o, &Options::default()).unwrap();
    /// let csv = to_csv(&r.records(), false).unwrap();
    /// assert_eq!(csv.lines().nth(1).unwrap(), "08,Tuyên Quang,0.30000000000000004,0.30000000000000004,0.30000000000000004,0.30000000000000004,0.30000000000000004");
    /// ```
    pub fn records(&self) -> Vec<Record> {
        let has_year = self.units.iter().any(|u| u.year.is_some());
        let has_group = self.units.iter().any(|u| u.group.is_some());
        self.units
            .iter()
            .map(|u| {
                let mut r = vec![
                    ("code".to_string(), Cell::Text(u.code.clone())),
                    ("name".to_string(), Cell::Text(u.name.clone())),
                ];
                if has_year {
                    r.push(("year".into(), u.year.map_or(Cell::Empty, Cell::Int)));
                }
                if has_group {
                    r.push(("group".into(), u.group.clone().map_or(Cell::Empty, Cell::Text)));
                }
                r.extend(u.values.0.iter().cloned());
                Record(r)
            })
            .collect()
    }

    /// A Markdown table of the re-based rows: code, name, year, the former
    /// provinces averaged (with shares when weighted), then the columns at
    /// `precision` decimals.
    ///
    /// ```
    /// use ictindex::{rebase, Dataset, Framework, Lang, Mapping, Options, RebaseOptions};
    /// let d = Dataset::from_str("code,year,pop,HTKT,HTNL,UD,SXKD,MT\n02,2016,1,.2,.2,.2,.2,.2\n08,2016,3,.4,.4,.4,.4,.4\n").unwrap();
    /// let o = RebaseOptions { weight: Some("pop".into()), ..Default::default() };
    /// let r = rebase(&d, &Framework::vn_ict(), &Mapping::vn_2025(), &o, &Options::default()).unwrap();
    /// assert_eq!(r.markdown(Lang::En, 2).lines().nth(2).unwrap(),
    ///     "| 08 | Tuyên Quang | 2016 | Tuyên Quang (75.0%), Hà Giang (25.0%) | 0.35 | 0.35 | 0.35 | 0.35 | 0.35 |");
    /// ```
    pub fn markdown(&self, lang: Lang, precision: usize) -> String {
        let mut head: Vec<String> = match lang {
            Lang::Vi => vec!["Mã".into(), "Đơn vị".into(), "Năm".into(), "Gồm".into()],
            Lang::En => vec!["Code".into(), "Unit".into(), "Year".into(), "Comprising".into()],
        };
        head.extend(self.data.indicators().iter().cloned());
        let mut out = format!("| {} |\n|{}\n", head.join(" | "), "---|".repeat(head.len()));
        let weighted = self.units.iter().any(|u| u.members.iter().any(|m| !same_share(m, u)));
        for u in &self.units {
            let members: Vec<String> = u
                .members
                .iter()
                .map(|m| match m.share {
                    Some(s) if weighted => format!("{} ({:.1}%)", m.name, s * 100.0),
                    _ => m.name.clone(),
                })
                .collect();
            let mut cells = vec![
                u.code.clone(),
                u.name.replace('|', "/"),
                u.year.map_or("–".into(), |y| y.to_string()),
                members.join(", ").replace('|', "/"),
            ];
            for (_, c) in &u.values.0 {
                cells.push(match c {
                    Cell::Float(v) => format!("{v:.precision$}"),
                    _ => "–".into(),
                });
            }
            out.push_str(&format!("| {} |\n", cells.join(" | ")));
        }
        out
    }
}

/// Whether member `m`'s share is the plain 1/k of unit `u`.
fn same_share(m: &Member, u: &RebasedUnit) -> bool {
    match m.share {
        None => true,
        Some(s) => (s * u.members.len() as f64 - 1.0).abs() < SHARE_TOLERANCE,
    }
}

/// Tolerance telling a weighted share from the plain 1/k.
const SHARE_TOLERANCE: f64 = 1e-9;

/// One node's numbers for a former province inside its new unit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pull {
    /// Node code.
    pub code: String,
    /// Vietnamese name.
    pub name_vi: String,
    /// English name.
    pub name_en: String,
    /// The former province's score, on the old map.
    pub score: Option<f64>,
    /// Its rank on the old map.
    pub rank: Option<u32>,
    /// Units ranked on the old map.
    pub n: u32,
    /// The share-weighted mean of the new unit's former provinces' scores.
    pub mean: Option<f64>,
    /// `score − mean`: above zero it pulled the new unit up, below zero down.
    pub diff: Option<f64>,
}

/// A former province's position inside its new province.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MemberPosition {
    /// Old code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Its share of the mean.
    pub share: Option<f64>,
    /// Its rank among the unit's former provinces, by the index (1 = best).
    pub rank_in_unit: Option<u32>,
    /// The index.
    pub index: Pull,
    /// The index's children (pillars).
    pub pillars: Vec<Pull>,
}

/// A new unit after re-basing, and the position of each of its former provinces.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Breakdown {
    /// The map the edition was on (`new`: no former province has values).
    pub geography: Geography,
    /// Whether the mean was weighted.
    pub weighted: bool,
    /// Decimals scores are shown with.
    pub precision: u32,
    /// The new unit's report on the new map (rank out of 34, changes).
    pub report: UnitReport,
    /// Its former provinces, in the mapping's order (namesake first); empty
    /// for an edition already on the new map.
    pub members: Vec<MemberPosition>,
}

/// The report on new unit `unit` (a new code or name, or a former
/// province's old code or name) in edition `year` (`None`: the latest) of
/// `data` re-based with `options`, and the position of each former province
/// inside it: its score and rank on the old map, and, per node, its distance
/// from the share-weighted mean of the unit's former provinces (positive:
/// it pulled the new unit up; the distances, weighted by shares, sum to zero).
///
/// ```
/// use ictindex::{breakdown, Dataset, Framework, Lang, Mapping, Options, RebaseOptions};
/// let d = Dataset::from_str("code,name,year,HTKT,HTNL,UD,SXKD,MT\n\
///     25,Phú Thọ,2016,.4,.4,.4,.4,.4\n26,Vĩnh Phúc,2016,.6,.6,.6,.6,.6\n01,Hà Nội,2016,.9,.9,.9,.9,.9\n").unwrap();
/// let b = breakdown(&d, &Framework::vn_ict(), &Mapping::vn_2025(), &RebaseOptions::default(),
///     &Options::default(), None, "vinh phuc").unwrap();
/// assert_eq!(b.report.index.rank, Some(2));
/// assert_eq!(b.members[1].name, "Vĩnh Phúc");
/// assert_eq!(b.members[1].index.rank, Some(2)); // of 3 on the old map
/// assert!((b.members[1].index.diff.unwrap() - 0.1).abs() < 1e-12);
/// assert_eq!(b.members[1].rank_in_unit, Some(1));
/// ```
pub fn breakdown(
    data: &Dataset,
    framework: &Framework,
    mapping: &Mapping,
    options: &RebaseOptions,
    score_options: &Options,
    year: Option<i64>,
    unit: &str,
) -> Result<Breakdown> {
    let rebased = rebase(data, framework, mapping, options, score_options)?;
    let scored = rebased.score(score_options)?;
    rebased.breakdown(&scored, year, unit)
}

impl Rebased {
    /// [`breakdown()`] on re-based data already scored (`scored` from
    /// [`Rebased::score`], possibly after [`Rebased::merge`]): the report on
    /// `unit` in edition `year` of `scored`, and, when that edition was on the
    /// old map, its former provinces' positions, from their source data set
    /// scored on its own map with the options given to [`rebase()`].
    pub fn breakdown(&self, scored: &Scored, year: Option<i64>, unit: &str) -> Result<Breakdown> {
        let report = self.report(scored, year, unit)?;
        let info = self.unit(report.year, &report.code);
        let geography = info.map_or(Geography::New, |u| u.geography);
        let weighted = self.weight.is_some();
        let precision = scored.options().precision.unwrap_or(4);
        let source = info
            .filter(|u| u.geography == Geography::Old)
            .and_then(|u| u.members.iter().find_map(|m| m.at).map(|(s, _)| (u, s)));
        let Some((info, s)) = source else {
            return Ok(Breakdown {
                geography,
                weighted,
                precision,
                report,
                members: Vec::new(),
            });
        };
        let old = match self.sources.get(s) {
            Some(Ok(old)) => old,
            Some(Err(e)) => return Err(e.clone()),
            None => return Err(Error::new(ErrorKind::NoRows)),
        };
        let members = positions(old, info, report.year)?;
        Ok(Breakdown {
            geography,
            weighted,
            precision,
            report,
            members,
        })
    }
}

/// The former provinces of `info` in edition `year` of `old` (their source
/// data scored on the old map).
fn positions(old: &Scored, info: &RebasedUnit, year: Option<i64>) -> Result<Vec<MemberPosition>> {
    let framework = old.framework();
    let e = old.edition_index(year)?;
    let ed = old.editions().get(e).ok_or_else(|| Error::new(ErrorKind::NoRows))?;
    let root = framework.root_index();
    let nodes: Vec<usize> = std::iter::once(root)
        .chain(framework.root().children.iter().copied())
        .collect();
    let pos: Vec<Option<usize>> = info
        .members
        .iter()
        .map(|m| m.at.and_then(|(_, r)| ed.rows().iter().position(|&x| x == r)))
        .collect();
    let score_of = |node: usize, p: Option<usize>| p.and_then(|p| ed.score(node, p));
    let means: Vec<Option<f64>> = nodes
        .iter()
        .map(|&node| {
            let (mut sum, mut w_sum) = (0.0, 0.0);
            for (m, &p) in info.members.iter().zip(&pos) {
                if let (Some(v), Some(s)) = (score_of(node, p), m.share) {
                    sum += s * v;
                    w_sum += s;
                }
            }
            (w_sum > 0.0).then(|| sum / w_sum)
        })
        .collect();
    let index_scores: Vec<f64> = pos.iter().map(|&p| score_of(root, p).unwrap_or(f64::NAN)).collect();
    let mut in_unit = vec![None; index_scores.len()];
    rank(&index_scores, old.options().precision, &mut in_unit);
    let pull = |node: usize, mean: Option<f64>, p: Option<usize>| {
        let n = framework.nodes().get(node);
        let score = score_of(node, p);
        Pull {
            code: n.map(|n| n.code().to_string()).unwrap_or_default(),
            name_vi: n.map(|n| n.name(Lang::Vi).to_string()).unwrap_or_default(),
            name_en: n.map(|n| n.name(Lang::En).to_string()).unwrap_or_default(),
            score,
            rank: p.and_then(|p| ed.rank(node, p)),
            n: ed.ranked(node),
            mean,
            diff: score.zip(mean).map(|(s, m)| s - m),
        }
    };
    Ok(info
        .members
        .iter()
        .zip(&pos)
        .zip(in_unit)
        .map(|((m, &p), r)| {
            let mut pulls = nodes.iter().zip(&means).map(|(&node, &mean)| pull(node, mean, p));
            let index = pulls.next().unwrap_or_else(|| pull(root, None, p));
            MemberPosition {
                code: m.code.clone(),
                name: m.name.clone(),
                share: m.share,
                rank_in_unit: r,
                index,
                pillars: pulls.collect(),
            }
        })
        .collect())
}

impl Breakdown {
    /// The report sentence, then one line per former province: its rank on
    /// the old map, whether it pulled the new unit's index up or down, and its
    /// strongest and weakest pillar against the unit's mean.
    ///
    /// ```
    /// use ictindex::{breakdown, Dataset, Framework, Lang, Mapping, Options, RebaseOptions};
    /// let d = Dataset::from_str("code,name,year,HTKT,HTNL,UD,SXKD,MT\n\
    ///     25,Phú Thọ,2016,.4,.4,.4,.4,.4\n26,Vĩnh Phúc,2016,.6,.7,.6,.6,.5\n").unwrap();
    /// let b = breakdown(&d, &Framework::vn_ict(), &Mapping::vn_2025(), &Default::default(),
    ///     &Options::default(), None, "25").unwrap();
    /// let text = b.text(Lang::En);
    /// assert_eq!(text.lines().nth(3).unwrap(), "- Vĩnh Phúc: 1st of 2, index 0.6000, 0.1000 above the mean of \
    ///     its former provinces (pulled it up); strongest: human resources (+0.1500), weakest: organisational \
    ///     and policy environment (+0.0500).");
    /// ```
    pub fn text(&self, lang: Lang) -> String {
        let p = self.precision as usize;
        let mut s = self.report.sentence(lang);
        s.push('\n');
        if self.members.is_empty() {
            return s;
        }
        let n = self.members.first().map_or(0, |m| m.index.n);
        let year = self.report.year.map(|y| y.to_string());
        s.push_str(&match (lang, year) {
            (Lang::Vi, Some(y)) => format!("Trước sáp nhập (năm {y}, trên {n} tỉnh, thành):\n"),
            (Lang::Vi, None) => format!("Trước sáp nhập (trên {n} tỉnh, thành):\n"),
            (Lang::En, Some(y)) => format!("Before the merger ({y}, of {n} provinces):\n"),
            (Lang::En, None) => format!("Before the merger (of {n} provinces):\n"),
        });
        let num = |text: String| lang.decimals(text);
        for m in &self.members {
            let mut line = format!("- {}", m.name);
            if self.weighted {
                if let Some(share) = m.share {
                    line.push_str(&format!(" ({}%)", num(format!("{:.1}", share * 100.0))));
                }
            }
            line.push_str(": ");
            match (lang, m.index.rank, m.index.score) {
                (Lang::Vi, Some(r), Some(v)) => line.push_str(&format!(
                    "xếp thứ {r}/{}, chỉ số {}",
                    m.index.n,
                    num(format!("{v:.p$}"))
                )),
                (Lang::En, Some(r), Some(v)) => {
                    line.push_str(&format!("{} of {}, index {v:.p$}", crate::ordinal(r), m.index.n))
                }
                (Lang::Vi, _, _) => line.push_str("không được xếp hạng (thiếu dữ liệu)"),
                (Lang::En, _, _) => line.push_str("not ranked (missing data)"),
            }
            if let Some(d) = m.index.diff {
                let a = d.abs();
                line.push_str(&match (lang, d >= 0.0) {
                    (Lang::Vi, true) => {
                        format!(", cao hơn trung bình các tỉnh cũ {} (kéo lên)", num(format!("{a:.p$}")))
                    }
                    (Lang::Vi, false) => format!(
                        ", thấp hơn trung bình các tỉnh cũ {} (kéo xuống)",
                        num(format!("{a:.p$}"))
                    ),
                    (Lang::En, true) => format!(", {a:.p$} above the mean of its former provinces (pulled it up)"),
                    (Lang::En, false) => {
                        format!(", {a:.p$} below the mean of its former provinces (pulled it down)")
                    }
                });
            }
            let with_diff: Vec<(&Pull, f64)> = m.pillars.iter().filter_map(|q| q.diff.map(|d| (q, d))).collect();
            let best = with_diff.iter().copied().max_by(|a, b| a.1.total_cmp(&b.1));
            let worst = with_diff.iter().copied().min_by(|a, b| a.1.total_cmp(&b.1));
            if let (Some((b, bd)), Some((w, wd))) = (best, worst) {
                if b.code != w.code {
                    let name = |q: &Pull| {
                        crate::report::lower_first(match lang {
                            Lang::Vi => &q.name_vi,
                            Lang::En => &q.name_en,
                        })
                    };
                    line.push_str(&match lang {
                        Lang::Vi => format!(
                            "; mạnh nhất: {} ({}), yếu nhất: {} ({})",
                            name(b),
                            num(format!("{bd:+.p$}")),
                            name(w),
                            num(format!("{wd:+.p$}"))
                        ),
                        Lang::En => format!("; strongest: {} ({bd:+.p$}), weakest: {} ({wd:+.p$})", name(b), name(w)),
                    });
                }
            }
            line.push_str(".\n");
            s.push_str(&line);
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{records, to_csv};

    /// Means of three or four 4-decimal values: a few ulps.
    const CLOSE: f64 = 1e-12;

    const SAMPLE: &str = include_str!("../data/sample-vn-ict.csv");

    fn sample() -> Dataset {
        Dataset::from_str(SAMPLE).unwrap()
    }

    fn value(r: &Rebased, year: Option<i64>, code: &str, column: &str) -> Option<f64> {
        let row = r.units().iter().position(|u| u.year == year && u.code == code)?;
        r.data().value(row, r.data().indicator_index(column)?)
    }

    fn rebased(data: &Dataset, options: &RebaseOptions) -> Rebased {
        rebase(
            data,
            &Framework::vn_ict(),
            &Mapping::vn_2025(),
            options,
            &Options::default(),
        )
        .unwrap()
    }

    #[test]
    fn every_old_code_maps_to_exactly_one_new_unit() {
        let m = Mapping::vn_2025();
        assert_eq!((m.old_units().len(), m.new_units().len()), (63, 34));
        for p in m.old_units() {
            let listing: Vec<&str> = m
                .new_units()
                .iter()
                .filter(|u| u.members.iter().any(|c| c == &p.code))
                .map(|u| u.code.as_str())
                .collect();
            assert_eq!(listing, [p.new_code.as_str()], "{} {}", p.code, p.name);
            assert_eq!(m.new_of(&p.code).unwrap().code, p.new_code);
        }
        let one: Vec<&MergedUnit> = m.new_units().iter().filter(|u| u.members.len() == 1).collect();
        assert_eq!(one.len(), 11);
        let merged: usize = m
            .new_units()
            .iter()
            .filter(|u| u.members.len() > 1)
            .map(|u| u.members.len())
            .sum();
        assert_eq!(merged, 52);
        // Huế kept Thừa Thiên Huế's code 46 under a new name.
        assert_eq!(m.old_unit("46").unwrap().name, "Thừa Thiên Huế");
        assert_eq!(m.new_unit("46").unwrap().name, "Huế");
    }

    #[test]
    fn one_file_mapping_agrees_with_two_files() {
        let both = Mapping::vn_2025();
        let one = Mapping::from_csv(PROVINCES_CSV, "", None, MERGER_YEAR).unwrap();
        assert_eq!(one.old_units(), both.old_units());
        assert_eq!(one.new_units().len(), 34);
        for u in both.new_units() {
            let v = one.new_unit(&u.code).unwrap();
            assert_eq!((&v.name, &v.region), (&u.name, &u.region));
            // The namesake first, the rest in any order.
            assert_eq!(v.members.first(), u.members.first(), "{}", u.name);
            let (mut a, mut b) = (v.members.clone(), u.members.clone());
            a.sort();
            b.sort();
            assert_eq!(a, b);
        }
    }

    #[test]
    fn mapping_errors_are_located() {
        let old = "code,name,code_2025\n1,A,1\n2,B,1\n3,C,3\n";
        let err = |new: &str| Mapping::from_csv(old, "o.csv", Some((new, "n.csv")), 2025).unwrap_err();
        let e = err("code,name,members\n1,A,1;2\n3,C,3;2\n");
        assert_eq!(
            e.kind(),
            &ErrorKind::MappedTwice {
                first: "1".into(),
                second: "3".into()
            }
        );
        assert_eq!(
            e.to_string(),
            "n.csv, line 3, column 3 (members), unit 2: the former province is listed in two new units (1 and 3)"
        );
        assert_eq!(
            err("code,name,members\n1,A,1;2;9\n3,C,3\n").kind(),
            &ErrorKind::NotInMapping("9".into())
        );
        let e = err("code,name,members\n1,A,1\n3,C,3;2\n");
        assert_eq!(
            e.kind(),
            &ErrorKind::MappingDisagrees {
                listed: "3".into(),
                stated: "1".into()
            }
        );
        assert_eq!(e.location().unit.as_deref(), Some("2"));
        let e = err("code,name,members\n1,A,1;2\n01,C,3\n");
        assert_eq!(e.kind(), &ErrorKind::DuplicateUnit { first_line: 2 });
        assert_eq!(
            err("code,name\n1,A\n").kind(),
            &ErrorKind::MissingColumn("members".into())
        );
        let e = Mapping::from_csv("code,name\n1,A\n", "o.csv", None, 2025).unwrap_err();
        assert_eq!(e.kind(), &ErrorKind::MissingColumn("code_2025".into()));
        assert_eq!(e.location().file.as_deref(), Some("o.csv"));
    }

    #[test]
    fn phu_tho_by_hand() {
        // Sample 2016: Phú Thọ 25, Vĩnh Phúc 26, Hòa Bình 17.
        let pt = [0.3422, 0.4283, 0.3466, 0.2980, 0.6067];
        let vp = [0.3607, 0.4975, 0.3546, 0.1697, 0.5952];
        let hb = [0.3788, 0.4824, 0.3545, 0.1903, 0.4005];
        // Worked out on paper: column sums 1.0817, 1.4082, 1.0557, 0.6580, 1.6024, over 3.
        let by_hand = [
            0.360_566_666_666_666_7,
            0.4694,
            0.3519,
            0.219_333_333_333_333_3,
            0.534_133_333_333_333_3,
        ];
        for level in [Level::Leaves, Level::Pillars] {
            let r = rebased(
                &sample(),
                &RebaseOptions {
                    level,
                    ..Default::default()
                },
            );
            for (k, code) in ["HTKT", "HTNL", "UD", "SXKD", "MT"].iter().enumerate() {
                let v = value(&r, Some(2016), "25", code).unwrap();
                assert!((v - by_hand[k]).abs() < CLOSE, "{level:?} {code}: {v}");
                assert!((v - (pt[k] + vp[k] + hb[k]) / 3.0).abs() < CLOSE);
            }
            let u = r.unit(Some(2016), "25").unwrap();
            assert_eq!(u.name, "Phú Thọ");
            assert_eq!(u.geography, Geography::Old);
            let codes: Vec<&str> = u.members.iter().map(|m| m.code.as_str()).collect();
            assert_eq!(codes, ["25", "26", "17"]);
            assert!(u.members.iter().all(|m| (m.share.unwrap() - 1.0 / 3.0).abs() < CLOSE));
            // Index: the mean of the five averaged pillars, 5.806 / 15.
            let s = r.score(&Options::default()).unwrap();
            let e = s.edition_index(Some(2016)).unwrap();
            let pos = s.find_unit(e, "25").unwrap();
            let ed = s.editions().get(e).unwrap();
            let root = s.framework().root_index();
            assert!((ed.score(root, pos).unwrap() - 5.806 / 15.0).abs() < CLOSE);
            assert_eq!(ed.ranked(root), 34);
        }
    }

    #[test]
    fn weighted_by_a_population_column() {
        let text = "code,name,year,population,HTKT,HTNL,UD,SXKD,MT\n\
            25,Phú Thọ,2016,1.5,0.3422,0.4283,0.3466,0.2980,0.6067\n\
            26,Vĩnh Phúc,2016,1.2,0.3607,0.4975,0.3546,0.1697,0.5952\n\
            17,Hòa Bình,2016,0.9,0.3788,0.4824,0.3545,0.1903,0.4005\n";
        let d = Dataset::from_str(text).unwrap();
        for level in [Level::Leaves, Level::Pillars] {
            let o = RebaseOptions {
                level,
                weight: Some("Population".into()),
                from: None,
            };
            let r = rebased(&d, &o);
            // (1.5 × 0.3422 + 1.2 × 0.3607 + 0.9 × 0.3788) / 3.6 = 1.28706 / 3.6
            let v = value(&r, Some(2016), "25", "HTKT").unwrap();
            assert!((v - 1.28706 / 3.6).abs() < CLOSE, "{v}");
            assert_eq!(r.data().indicators(), ["HTKT", "HTNL", "UD", "SXKD", "MT"]);
            let shares: Vec<f64> = r.units()[0].members.iter().map(|m| m.share.unwrap()).collect();
            assert!((shares[0] - 1.5 / 3.6).abs() < CLOSE && (shares[2] - 0.25).abs() < CLOSE);
        }
    }

    #[test]
    fn weight_problems_are_located() {
        let f = Framework::vn_ict();
        let m = Mapping::vn_2025();
        let o = RebaseOptions {
            weight: Some("pop".into()),
            ..Default::default()
        };
        let run = |text: &str| {
            let d = Dataset::from_reader(text.as_bytes(), "w.csv").unwrap();
            rebase(&d, &f, &m, &o, &Options::default()).unwrap_err()
        };
        let head = "code,year,pop,HTKT,HTNL,UD,SXKD,MT\n";
        let e = run(&format!("{head}25,2016,1,.1,.1,.1,.1,.1\n26,2016,,.2,.2,.2,.2,.2\n"));
        assert_eq!(e.kind(), &ErrorKind::MissingWeight("pop".into()));
        assert_eq!(
            e.to_string(),
            "w.csv, line 3, column 3 (pop), unit 26: the weight in column \"pop\" is missing"
        );
        let e = run(&format!("{head}25,2016,-1,.1,.1,.1,.1,.1\n"));
        assert_eq!(e.kind(), &ErrorKind::NegativeWeight("-1".into()));
        let e = run(&format!("{head}25,2016,0,.1,.1,.1,.1,.1\n26,2016,0,.1,.1,.1,.1,.1\n"));
        assert_eq!(e.kind(), &ErrorKind::ZeroWeightSum("pop".into()));
        assert_eq!(e.location().unit.as_deref(), Some("25"));
        let e = run("code,year,HTKT,HTNL,UD,SXKD,MT\n25,2016,.1,.1,.1,.1,.1\n");
        assert_eq!(e.kind(), &ErrorKind::MissingColumn("pop".into()));
    }

    #[test]
    fn leaves_and_pillars_differ_under_normalisation() {
        // I = mean(P, Q); P over leaf a (min-max), Q = leaf b as given.
        let f =
            Framework::from_str("code,parent,method\nI,,arithmetic\nP,I,arithmetic\nQ,I,none\na,P,minmax\n").unwrap();
        let d = Dataset::from_str("code,year,a,Q\n25,2016,0,.5\n26,2016,10,.5\n01,2016,5,.5\n79,2016,20,.5\n").unwrap();
        let m = Mapping::vn_2025();
        let run = |level| {
            let o = RebaseOptions {
                level,
                ..Default::default()
            };
            rebase(&d, &f, &m, &o, &Options::default()).unwrap()
        };
        // Pillars: a on the old map is 0, .5, .25, 1, so P(Phú Thọ) = (0 + .5)/2 = .25.
        let p = run(Level::Pillars);
        assert_eq!(p.data().indicators(), ["P", "Q"]);
        assert!((value(&p, Some(2016), "25", "P").unwrap() - 0.25).abs() < CLOSE);
        assert_eq!(p.framework().leaves().len(), 2);
        // Leaves: a(Phú Thọ) = 5 = a(Hà Nội), then min-max over the new map: 0, 0, 1.
        let l = run(Level::Leaves);
        assert_eq!(value(&l, Some(2016), "25", "a"), Some(5.0));
        let sl = l.score(&Options::default()).unwrap();
        let sp = p.score(&Options::default()).unwrap();
        let score_of = |s: &Scored, code: &str| {
            let e = s.edition_index(None).unwrap();
            let pos = s.find_unit(e, code).unwrap();
            s.editions()[e]
                .score(s.framework().index_of("I").unwrap(), pos)
                .unwrap()
        };
        assert!((score_of(&sl, "25") - 0.25).abs() < CLOSE); // (0 + .5) / 2
        assert!((score_of(&sp, "25") - 0.375).abs() < CLOSE); // (.25 + .5) / 2
    }

    /// The sample's 2016 edition re-based and relabelled 2025: a new-map edition.
    fn new_map_edition() -> String {
        let r = rebased(&sample(), &RebaseOptions::default());
        let s = r.score(&Options::default()).unwrap();
        assert_eq!(s.editions().len(), 2);
        to_csv(&r.records(), false)
            .unwrap()
            .lines()
            .filter(|l| l.contains(",2016,") || l.starts_with("code"))
            .map(|l| format!("{}\n", l.replace(",2016,", ",2025,")))
            .collect()
    }

    #[test]
    fn an_edition_on_the_new_map_is_unchanged() {
        let text = new_map_edition();
        let d = Dataset::from_str(&text).unwrap();
        assert_eq!(d.units().len(), 34);
        assert_eq!(Mapping::vn_2025().geography(&d, Some(2025)).unwrap(), Geography::New);
        let r = rebased(&d, &RebaseOptions::default());
        assert_eq!(to_csv(&r.records(), false).unwrap(), text);
        assert_eq!(r.editions()[0].geography, Geography::New);
        // Pillars level: the scores are those of scoring it directly.
        let direct = score(&d, &Framework::vn_ict(), &Options::default()).unwrap();
        let p = rebased(
            &d,
            &RebaseOptions {
                level: Level::Pillars,
                ..Default::default()
            },
        );
        let via = p.score(&Options::default()).unwrap();
        let strip = |s: &Scored| -> Vec<String> {
            records(s, None)
                .unwrap()
                .iter()
                .map(|r| {
                    r.0.iter()
                        .filter(|(k, _)| k.ends_with("_score") || k.ends_with("_rank"))
                        .map(|(k, c)| format!("{k}={}", c.text()))
                        .collect::<Vec<_>>()
                        .join(",")
                })
                .collect()
        };
        assert_eq!(strip(&direct), strip(&via));
    }

    #[test]
    fn rank_change_across_the_boundary() {
        // 2016 on the old map (re-based) and a 2025 edition on the new map in one file.
        let new = new_map_edition().replace(
            "25,Phú Thọ,2025,Trung du và miền núi phía Bắc,0.3605666666666667,0.4694,0.35190000000000005,0.21933333333333335,0.5341333333333333",
            "25,Phú Thọ,2025,Trung du và miền núi phía Bắc,0.9,0.9,0.9,0.9,0.9",
        );
        assert!(new.contains("Phú Thọ,2025,Trung du và miền núi phía Bắc,0.9,"), "{new}");
        let old: String = SAMPLE
            .lines()
            .filter(|l| l.contains(",2016,"))
            .map(|l| format!("{l}\n"))
            .collect();
        let d = Dataset::from_str(&format!("{new}{old}")).unwrap();
        let r = rebased(&d, &RebaseOptions::default());
        let geos: Vec<(Option<i64>, Geography)> = r.editions().iter().map(|e| (e.year, e.geography)).collect();
        assert_eq!(geos, [(Some(2016), Geography::Old), (Some(2025), Geography::New)]);
        let s = r.score(&Options::default()).unwrap();
        let before = r.report(&s, Some(2016), "Phú Thọ").unwrap().index.rank.unwrap();
        let now = r.report(&s, Some(2025), "Phú Thọ").unwrap();
        assert_eq!(now.index.rank, Some(1));
        assert_eq!(now.index.change, Some(i64::from(before) - 1));
        assert!(before > 1);
        assert_eq!(now.members, ["Phú Thọ", "Vĩnh Phúc", "Hòa Bình"]);
        assert!(now.sentence(Lang::Vi).starts_with(&format!(
            "Năm 2025, Phú Thọ (gồm Phú Thọ, Vĩnh Phúc, Hòa Bình) xếp thứ 1/34, tăng {} bậc",
            before - 1
        )));
    }

    #[test]
    fn missing_members_are_left_out() {
        let d = Dataset::from_str("code,year,HTKT,HTNL,UD,SXKD,MT\n25,2016,.2,.2,,.2,.2\n26,2016,.4,.4,.4,.4,.4\n")
            .unwrap();
        let r = rebased(&d, &RebaseOptions::default());
        assert_eq!(r.units().len(), 1);
        let u = &r.units()[0];
        assert_eq!((u.members.len(), u.expected), (2, 3));
        assert!((value(&r, Some(2016), "25", "HTKT").unwrap() - 0.3).abs() < CLOSE);
        // UD: only Vĩnh Phúc has it.
        assert_eq!(value(&r, Some(2016), "25", "UD"), Some(0.4));
    }

    #[test]
    fn which_map() {
        let m = Mapping::vn_2025();
        let geo = |text: &str, year| m.geography(&Dataset::from_str(text).unwrap(), year);
        // A code only on the old map.
        assert_eq!(geo("code,A\n26,1\n", None).unwrap(), Geography::Old);
        // Names tell a shared code apart.
        assert_eq!(geo("code,name,A\n15,Yên Bái,1\n", None).unwrap(), Geography::Old);
        assert_eq!(geo("code,name,A\n46,Huế,1\n", None).unwrap(), Geography::New);
        assert_eq!(
            geo("code,name,A\n79,Thành phố Hồ Chí Minh,1\n", None)
                .unwrap_err()
                .kind(),
            &ErrorKind::AmbiguousGeography
        );
        // The year, when nothing else tells.
        assert_eq!(geo("code,year,A\n15,2016,1\n", Some(2016)).unwrap(), Geography::Old);
        assert_eq!(geo("code,year,A\n15,2025,1\n", Some(2025)).unwrap(), Geography::New);
        // Unchanged provinces only: either map gives the same.
        assert_eq!(geo("code,A\n01,1\n04,1\n", None).unwrap(), Geography::New);
        let e = geo("code,name,A\n26,Vĩnh Phúc,1\n15,Lào Cai,1\n", None).unwrap_err();
        assert_eq!(
            e.kind(),
            &ErrorKind::MixedGeography {
                old: "26".into(),
                new: "15".into()
            }
        );
        assert_eq!(e.location().line, Some(3));
        let e = geo("code,A\n26,1\n99,1\n", None).unwrap_err();
        assert_eq!(e.kind(), &ErrorKind::NotInMapping("99".into()));
        assert_eq!(e.location().line, Some(3));
        // "1" is "01".
        assert_eq!(geo("code,A\n1,1\n", None).unwrap(), Geography::New);
    }

    #[test]
    fn stated_map_overrides_and_is_checked() {
        let d = Dataset::from_str("code,name,HTKT,HTNL,UD,SXKD,MT\n15,Lào Cai,.1,.1,.1,.1,.1\n").unwrap();
        let old = RebaseOptions {
            from: Some(Geography::Old),
            ..Default::default()
        };
        // Taken as Yên Bái's old code: re-based into new Lào Cai, named by the mapping.
        let r = rebased(&d, &old);
        assert_eq!(r.units()[0].members[0].name, "Yên Bái");
        let d = Dataset::from_str("code,HTKT,HTNL,UD,SXKD,MT\n26,.1,.1,.1,.1,.1\n").unwrap();
        let new = RebaseOptions {
            from: Some(Geography::New),
            ..Default::default()
        };
        let e = rebase(&d, &Framework::vn_ict(), &Mapping::vn_2025(), &new, &Options::default()).unwrap_err();
        assert_eq!(e.kind(), &ErrorKind::NotInMapping("26".into()));
    }

    #[test]
    fn one_province_twice_in_an_edition() {
        let d =
            Dataset::from_str("code,HTKT,HTNL,UD,SXKD,MT\n26,.1,.1,.1,.1,.1\n01,.1,.1,.1,.1,.1\n1,.2,.2,.2,.2,.2\n")
                .unwrap();
        let e = rebase(
            &d,
            &Framework::vn_ict(),
            &Mapping::vn_2025(),
            &RebaseOptions::default(),
            &Options::default(),
        )
        .unwrap_err();
        assert_eq!(e.kind(), &ErrorKind::DuplicateUnit { first_line: 3 });
        assert_eq!(e.location().line, Some(4));
    }

    #[test]
    fn csv_output_reads_back_and_scores_the_same() {
        let r = rebased(&sample(), &RebaseOptions::default());
        let csv = to_csv(&r.records(), false).unwrap();
        let back = Dataset::from_str(&csv).unwrap();
        let a = r.score(&Options::default()).unwrap();
        let b = score(&back, &Framework::vn_ict(), &Options::default()).unwrap();
        assert_eq!(records(&a, Some(2016)).unwrap(), records(&b, Some(2016)).unwrap());
        assert_eq!(back.units().len(), 68);
    }

    #[test]
    fn vinh_phuc_inside_phu_tho() {
        let b = breakdown(
            &sample(),
            &Framework::vn_ict(),
            &Mapping::vn_2025(),
            &RebaseOptions::default(),
            &Options::default(),
            Some(2016),
            "Vĩnh Phúc",
        )
        .unwrap();
        assert_eq!(b.report.code, "25");
        assert_eq!(b.report.index.n, 34);
        let names: Vec<&str> = b.members.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["Phú Thọ", "Vĩnh Phúc", "Hòa Bình"]);
        // Published: Vĩnh Phúc 26/63 in 2016; pillar ranks 31, 12, 35, 38, 9.
        let vp = &b.members[1];
        assert_eq!((vp.index.rank, vp.index.n), (Some(26), 63));
        let pillar_ranks: Vec<Option<u32>> = vp.pillars.iter().map(|p| p.rank).collect();
        assert_eq!(pillar_ranks, [Some(31), Some(12), Some(35), Some(38), Some(9)]);
        // Share-weighted distances from the mean sum to zero, node by node.
        for k in 0..=5 {
            let pull = |m: &MemberPosition| {
                if k == 0 {
                    m.index.clone()
                } else {
                    m.pillars[k - 1].clone()
                }
            };
            let total: f64 = b.members.iter().map(|m| m.share.unwrap() * pull(m).diff.unwrap()).sum();
            assert!(total.abs() < CLOSE, "{k}: {total}");
        }
        let mut in_unit: Vec<u32> = b.members.iter().map(|m| m.rank_in_unit.unwrap()).collect();
        in_unit.sort_unstable();
        assert_eq!(in_unit, [1, 2, 3]);
        let text = b.text(Lang::Vi);
        assert!(text.contains("- Vĩnh Phúc: xếp thứ 26/63, chỉ số "), "{text}");
        assert!(
            text.contains("Trước sáp nhập (năm 2016, trên 63 tỉnh, thành):"),
            "{text}"
        );
    }

    #[test]
    fn breakdown_of_a_new_map_edition_has_no_members() {
        let d = Dataset::from_str(&new_map_edition()).unwrap();
        let b = breakdown(
            &d,
            &Framework::vn_ict(),
            &Mapping::vn_2025(),
            &RebaseOptions::default(),
            &Options::default(),
            None,
            "Lào Cai",
        )
        .unwrap();
        assert_eq!(b.geography, Geography::New);
        assert!(b.members.is_empty());
        assert!(b
            .text(Lang::En)
            .starts_with("In 2025, Lào Cai (comprising Lào Cai, Yên Bái) ranked "));
    }

    #[test]
    fn merged_sources_keep_their_old_map_positions() {
        let f = Framework::vn_ict();
        let m = Mapping::vn_2025();
        let o = RebaseOptions::default();
        let new = rebase(
            &Dataset::from_str(&new_map_edition()).unwrap(),
            &f,
            &m,
            &o,
            &Options::default(),
        )
        .unwrap();
        let old = rebase(&sample(), &f, &m, &o, &Options::default()).unwrap();
        let both = new.merge(old).unwrap();
        let years: Vec<Option<i64>> = both.editions().iter().map(|e| e.year).collect();
        assert_eq!(years, [Some(2015), Some(2016), Some(2025)]);
        let s = both.score(&Options::default()).unwrap();
        let b = both.breakdown(&s, Some(2016), "26").unwrap();
        assert_eq!(b.members[1].index.rank, Some(26));
        let b = both.breakdown(&s, Some(2025), "Phú Thọ").unwrap();
        assert!(b.members.is_empty());
        assert_eq!(b.report.index.change, Some(0));
        let again = rebase(&sample(), &f, &m, &o, &Options::default()).unwrap();
        let e = again.clone().merge(again).unwrap_err();
        assert!(matches!(e.kind(), ErrorKind::DuplicateUnit { .. }));
    }

    #[cfg(feature = "cli")]
    #[test]
    fn json_is_plain_data() {
        let r = rebased(&sample(), &RebaseOptions::default());
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(v["level"], "leaves");
        assert_eq!(v["editions"][1]["geography"], "old");
        assert_eq!(v["editions"][1]["unitsIn"], 63);
        assert_eq!(v["editions"][1]["unitsOut"], 34);
        let pt = v["units"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["code"] == "25" && u["year"] == 2016)
            .unwrap();
        assert_eq!(pt["members"][2]["name"], "Hòa Bình");
        assert!((pt["values"]["HTNL"].as_f64().unwrap() - 0.4694).abs() < CLOSE);
        let o: RebaseOptions =
            serde_json::from_str(r#"{"level":"pillars","weight":"population","from":"old"}"#).unwrap();
        assert_eq!(o.level, Level::Pillars);
        assert_eq!(o.from, Some(Geography::Old));
        let d: RebaseOptions = serde_json::from_str("{}").unwrap();
        assert_eq!(d, RebaseOptions::default());
    }

    #[test]
    fn markdown_lists_members() {
        let r = rebased(&sample(), &RebaseOptions::default());
        let md = r.markdown(Lang::Vi, 4);
        assert!(md.starts_with("| Mã | Đơn vị | Năm | Gồm | HTKT |"));
        assert!(
            md.contains("| 25 | Phú Thọ | 2016 | Phú Thọ, Vĩnh Phúc, Hòa Bình | 0.3606 | 0.4694 |"),
            "{md}"
        );
    }
}
