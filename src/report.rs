//! The report sentence people read: a unit's rank out of N and, per pillar
//! (the index's children), its rank and change against the base edition.
//!
//! "Năm 2016, Vĩnh Phúc xếp thứ 26/63, trong đó hạ tầng kỹ thuật xếp thứ 31,
//! giảm 6 bậc; hạ tầng nhân lực xếp thứ 12, tăng 3 bậc; …"

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind, Result};
use crate::lang::Lang;
use crate::score::{Presence, Scored};

/// One node's line in a report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReportLine {
    /// Node code.
    pub code: String,
    /// Vietnamese name.
    pub name_vi: String,
    /// English name.
    pub name_en: String,
    /// Score (`None` if missing).
    pub score: Option<f64>,
    /// Rank (`None` if missing).
    pub rank: Option<u32>,
    /// Units ranked on this node.
    pub n: u32,
    /// Base rank − current rank.
    pub change: Option<i64>,
}

/// Everything a report on one unit says.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UnitReport {
    /// Unit code.
    pub code: String,
    /// Unit name.
    pub name: String,
    /// Edition year.
    pub year: Option<i64>,
    /// Year of the base edition.
    pub base_year: Option<i64>,
    /// Whether the unit is new against the base edition.
    pub presence: Presence,
    /// Rank within its group and the group's N.
    pub group_rank: Option<(u32, u32)>,
    /// The unit's group.
    pub group: Option<String>,
    /// The index.
    pub index: ReportLine,
    /// The index's children (pillars).
    pub pillars: Vec<ReportLine>,
    /// Names of the former provinces of a merged unit, namesake first (set by
    /// [`Rebased::report`](crate::Rebased::report)); empty otherwise. When it
    /// holds two or more, the sentence names them: "Phú Thọ (gồm Phú Thọ,
    /// Vĩnh Phúc, Hòa Bình) xếp thứ …".
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<String>,
}

impl UnitReport {
    /// The report on the unit at `pos` of edition `e`.
    pub fn new(scored: &Scored, e: usize, pos: usize) -> Result<Self> {
        let f = scored.framework();
        let ed = scored.editions().get(e).ok_or_else(|| Error::new(ErrorKind::NoRows))?;
        let unit = scored
            .unit(e, pos)
            .ok_or_else(|| Error::new(ErrorKind::UnknownUnit(pos.to_string())))?;
        let line = |node: usize| {
            let n = f.nodes().get(node);
            ReportLine {
                code: n.map(|n| n.code().to_string()).unwrap_or_default(),
                name_vi: n.map(|n| n.name(Lang::Vi).to_string()).unwrap_or_default(),
                name_en: n.map(|n| n.name(Lang::En).to_string()).unwrap_or_default(),
                score: ed.score(node, pos),
                rank: ed.rank(node, pos),
                n: ed.ranked(node),
                change: scored.change(e, node, pos),
            }
        };
        let root = f.root_index();
        Ok(UnitReport {
            code: unit.code.clone(),
            name: unit.name.clone(),
            year: ed.year(),
            base_year: scored.base_of(e).and_then(|b| b.year()),
            presence: scored.presence(e, pos),
            group_rank: ed.group_rank(pos),
            group: ed.group(pos).map(str::to_string),
            index: line(root),
            pillars: f.root().children.iter().map(|&c| line(c)).collect(),
            members: Vec::new(),
        })
    }

    /// The sentence in `lang`.
    ///
    /// ```
    /// use ictindex::{score, Dataset, Framework, Lang, Options, UnitReport};
    /// let d = Dataset::from_str("code,name,year,HTKT,HTNL,UD,SXKD,MT\n\
    ///     a,An,1,.5,.5,.5,.5,.5\nb,Bình,1,.4,.4,.4,.4,.6\n\
    ///     a,An,2,.1,.5,.5,.5,.5\nb,Bình,2,.4,.4,.4,.4,.6\n").unwrap();
    /// let s = score(&d, &Framework::vn_ict(), &Options::default()).unwrap();
    /// let r = UnitReport::new(&s, 1, 1).unwrap();
    /// assert_eq!(r.sentence(Lang::Vi), "Năm 2, Bình xếp thứ 1/2, tăng 1 bậc; trong đó \
    ///     hạ tầng kỹ thuật xếp thứ 1, tăng 1 bậc; hạ tầng nhân lực xếp thứ 2, giữ nguyên; \
    ///     ứng dụng CNTT xếp thứ 2, giữ nguyên; sản xuất – kinh doanh CNTT xếp thứ 2, giữ nguyên; \
    ///     môi trường tổ chức – chính sách xếp thứ 1, giữ nguyên.");
    /// assert!(r.sentence(Lang::En).starts_with("In 2, Bình ranked 1st of 2, up 1 place; technical infrastructure 1st, up 1 place;"));
    /// ```
    pub fn sentence(&self, lang: Lang) -> String {
        let mut s = String::new();
        if let Some(y) = self.year {
            s.push_str(&match lang {
                Lang::Vi => format!("Năm {y}, "),
                Lang::En => format!("In {y}, "),
            });
        }
        let new = self.presence == Presence::New;
        let name = match (lang, self.members.len() > 1) {
            (_, false) => self.name.clone(),
            (Lang::Vi, true) => format!("{} (gồm {})", self.name, self.members.join(", ")),
            (Lang::En, true) => format!("{} (comprising {})", self.name, self.members.join(", ")),
        };
        match (lang, self.index.rank) {
            (Lang::Vi, Some(r)) => s.push_str(&format!("{name} xếp thứ {r}/{}", self.index.n)),
            (Lang::Vi, None) => s.push_str(&format!("{name} không được xếp hạng (thiếu dữ liệu)")),
            (Lang::En, Some(r)) => s.push_str(&format!("{name} ranked {} of {}", ordinal(r), self.index.n)),
            (Lang::En, None) => s.push_str(&format!("{name} is not ranked (missing data)")),
        }
        if let Some(c) = change_text(self.index.change, new, lang) {
            s.push_str(", ");
            s.push_str(&c);
        }
        let parts: Vec<String> = self
            .pillars
            .iter()
            .map(|p| {
                let name = lower_first(match lang {
                    Lang::Vi => &p.name_vi,
                    Lang::En => &p.name_en,
                });
                let mut t = match (lang, p.rank) {
                    (Lang::Vi, Some(r)) => format!("{name} xếp thứ {r}"),
                    (Lang::Vi, None) => format!("{name} không có thứ hạng"),
                    (Lang::En, Some(r)) => format!("{name} {}", ordinal(r)),
                    (Lang::En, None) => format!("{name} not ranked"),
                };
                if p.rank.is_some() {
                    if let Some(c) = change_text(p.change, new, lang) {
                        t.push_str(", ");
                        t.push_str(&c);
                    }
                }
                t
            })
            .collect();
        if !parts.is_empty() {
            s.push_str(match lang {
                Lang::Vi => "; trong đó ",
                Lang::En => "; ",
            });
            s.push_str(&parts.join("; "));
        }
        s.push('.');
        s
    }
}

/// "tăng 3 bậc" / "up 3 places", "giảm …" / "down …", "giữ nguyên" / "unchanged".
pub(crate) fn change_text(change: Option<i64>, new: bool, lang: Lang) -> Option<String> {
    if new {
        return Some(match lang {
            Lang::Vi => "lần đầu được xếp hạng".into(),
            Lang::En => "ranked for the first time".into(),
        });
    }
    let c = change?;
    let places = |k: u64| if k == 1 { "place" } else { "places" };
    Some(match (lang, c.signum()) {
        (Lang::Vi, 0) => "giữ nguyên".into(),
        (Lang::Vi, 1) => format!("tăng {c} bậc"),
        (Lang::Vi, _) => format!("giảm {} bậc", c.unsigned_abs()),
        (Lang::En, 0) => "unchanged".into(),
        (Lang::En, 1) => format!("up {c} {}", places(c.unsigned_abs())),
        (Lang::En, _) => format!("down {} {}", c.unsigned_abs(), places(c.unsigned_abs())),
    })
}

/// English ordinal: 1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st…
///
/// ```
/// use ictindex::ordinal;
/// let o: Vec<String> = [1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111].iter().map(|&n| ordinal(n)).collect();
/// assert_eq!(o, ["1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st", "111th"]);
/// ```
pub fn ordinal(n: u32) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

/// Lower-cases the first letter unless the second is upper case too ("IT application").
pub(crate) fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    let (Some(first), second) = (chars.next(), chars.next()) else {
        return s.to_string();
    };
    if second.is_some_and(char::is_uppercase) {
        return s.to_string();
    }
    let mut out: String = first.to_lowercase().collect();
    out.push_str(s.get(first.len_utf8()..).unwrap_or(""));
    out
}

/// The report sentence on `unit` (code or name, diacritics optional) in
/// edition `year` (`None`: the latest).
pub fn report(scored: &Scored, year: Option<i64>, unit: &str, lang: Lang) -> Result<String> {
    let e = scored.edition_index(year)?;
    let pos = scored.find_unit(e, unit)?;
    Ok(UnitReport::new(scored, e, pos)?.sentence(lang))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lower_first_keeps_acronyms() {
        assert_eq!(lower_first("IT application"), "IT application");
        assert_eq!(lower_first("Hạ tầng"), "hạ tầng");
        assert_eq!(lower_first("Ứng dụng CNTT"), "ứng dụng CNTT");
        assert_eq!(lower_first(""), "");
    }

    #[test]
    fn members_are_named_only_for_merged_units() {
        let d = crate::Dataset::from_str("code,name,HTKT,HTNL,UD,SXKD,MT\n25,Phú Thọ,.5,.5,.5,.5,.5\n").unwrap();
        let s = crate::score(&d, &crate::Framework::vn_ict(), &crate::Options::default()).unwrap();
        let mut r = UnitReport::new(&s, 0, 0).unwrap();
        r.members = vec!["Phú Thọ".into()];
        assert!(r.sentence(Lang::Vi).starts_with("Phú Thọ xếp thứ 1/1;"));
        r.members = vec!["Phú Thọ".into(), "Vĩnh Phúc".into(), "Hòa Bình".into()];
        assert!(r
            .sentence(Lang::Vi)
            .starts_with("Phú Thọ (gồm Phú Thọ, Vĩnh Phúc, Hòa Bình) xếp thứ 1/1;"));
        assert!(r
            .sentence(Lang::En)
            .starts_with("Phú Thọ (comprising Phú Thọ, Vĩnh Phúc, Hòa Bình) ranked 1st of 1;"));
    }

    #[test]
    fn change_words() {
        assert_eq!(change_text(Some(-6), false, Lang::Vi).unwrap(), "giảm 6 bậc");
        assert_eq!(change_text(Some(11), false, Lang::En).unwrap(), "up 11 places");
        assert_eq!(change_text(Some(-1), false, Lang::En).unwrap(), "down 1 place");
        assert_eq!(change_text(None, false, Lang::En), None);
        assert_eq!(change_text(None, true, Lang::Vi).unwrap(), "lần đầu được xếp hạng");
    }
}
