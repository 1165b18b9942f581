//! Explaining a change: a unit's index change between an edition and its
//! base edition, split into per-pillar contributions that add up to it.
//!
//! The split is the Shapley decomposition over the pillars (the index's
//! children). With `v(S)` the index computed from the pillar scores of the
//! current edition for pillars in `S` and of the base edition for the others
//! (nominal weights, renormalised over present pillars, the index's own
//! aggregation),
//!
//! `φ_p = Σ_{S ⊆ P∖{p}} |S|!·(|P| − |S| − 1)!/|P|! · (v(S ∪ {p}) − v(S))`,
//!
//! and `Σ_p φ_p = v(P) − v(∅)` = current index − base index, exactly (up to
//! floating-point rounding), for any aggregation and any pattern of missing
//! pillars. For an arithmetic index with the same pillars present in both
//! editions it reduces to `φ_p = w_p·Δs_p / Σw`. The intermediate states
//! ignore `min_share` (only the two real editions must have a score).

use serde::{Deserialize, Serialize};

use super::number;
use crate::aggregate::aggregate;
use crate::error::{Error, ErrorKind, Result};
use crate::framework::Method;
use crate::lang::Lang;
use crate::report::{change_text, lower_first, ordinal};
use crate::score::Scored;

/// Most pillars the exact decomposition accepts (it evaluates 2^P states).
pub const MAX_PILLARS: usize = 16;

/// One pillar's part in the change.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Contribution {
    /// Pillar code.
    pub code: String,
    /// Vietnamese name.
    pub name_vi: String,
    /// English name.
    pub name_en: String,
    /// Pillar score in the base edition.
    pub before: Option<f64>,
    /// Pillar score in the current edition.
    pub after: Option<f64>,
    /// Its share of the index change (the Shapley value).
    pub contribution: f64,
    /// Pillar rank in the base edition.
    pub rank_before: Option<u32>,
    /// Pillar rank now.
    pub rank_after: Option<u32>,
    /// Base rank − current rank (positive = up).
    pub rank_change: Option<i64>,
}

/// A unit's index change between two editions, explained.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Explanation {
    /// Unit code.
    pub code: String,
    /// Unit name.
    pub name: String,
    /// Current edition.
    pub year: Option<i64>,
    /// Base edition.
    pub base_year: Option<i64>,
    /// Index score in the base edition.
    pub before: f64,
    /// Index score now.
    pub after: f64,
    /// `after − before`; equals the sum of the contributions.
    pub change: f64,
    /// Index rank now and units ranked.
    pub rank: Option<u32>,
    /// Units ranked now.
    pub n: u32,
    /// Index rank change (positive = up).
    pub rank_change: Option<i64>,
    /// Per pillar, in framework order.
    pub pillars: Vec<Contribution>,
    /// Code of the pillar whose rank moved most (largest |change|; first on ties).
    pub most_moved: Option<String>,
    /// Decimals used in sentences.
    pub decimals: u32,
}

/// Explains `unit`'s index change in edition `year` (`None`: the latest)
/// against its base edition.
///
/// ```
/// use ictindex::{explain, score, Dataset, Framework, Lang, Options};
/// let d = Dataset::from_str("code,name,year,HTKT,HTNL,UD,SXKD,MT\n\
///     a,An,2015,.5,.5,.5,.5,.5\nb,Bình,2015,.4,.4,.4,.4,.6\n\
///     a,An,2016,.1,.5,.5,.5,.6\nb,Bình,2016,.4,.4,.4,.4,.6\n").unwrap();
/// let s = score(&d, &Framework::vn_ict(), &Options::default()).unwrap();
/// let x = explain(&s, None, "An").unwrap();
/// // Equal weights, arithmetic: each pillar contributes Δs/5.
/// assert!((x.pillars[0].contribution + 0.08).abs() < 1e-12);
/// assert!((x.pillars[4].contribution - 0.02).abs() < 1e-12);
/// let sum: f64 = x.pillars.iter().map(|p| p.contribution).sum();
/// assert!((sum - x.change).abs() < 1e-12);
/// assert_eq!(x.most_moved.as_deref(), Some("HTKT"));
/// assert_eq!(x.sentence(Lang::En), "In 2016, An's index score fell by 0.0600 (0.5000 → 0.4400); \
///     it ranked 1st of 2, unchanged. Contributions: technical infrastructure −0.0800; \
///     human resources 0.0000; IT application 0.0000; IT production and business 0.0000; \
///     organisational and policy environment +0.0200. Technical infrastructure moved most: \
///     2nd, down 1 place.");
/// ```
pub fn explain(scored: &Scored, year: Option<i64>, unit: &str) -> Result<Explanation> {
    let e = scored.edition_index(year)?;
    let cur = scored.editions().get(e).ok_or_else(|| Error::new(ErrorKind::NoRows))?;
    let base = scored.base_of(e).ok_or_else(|| Error::new(ErrorKind::NoBaseEdition))?;
    let pos = scored.find_unit(e, unit)?;
    let u = scored
        .unit(e, pos)
        .ok_or_else(|| Error::new(ErrorKind::UnknownUnit(unit.into())))?;
    let b = scored.edition_index(base.year())?;
    let not_scored = || Error::new(ErrorKind::NotScored).for_unit(&u.code);
    let bpos = scored.find_unit(b, &u.code).map_err(|_| not_scored())?;
    let f = scored.framework();
    let root = f.root_index();
    let before = base.score(root, bpos).ok_or_else(not_scored)?;
    let after = cur.score(root, pos).ok_or_else(not_scored)?;
    let pillars = &f.root().children;
    if pillars.len() > MAX_PILLARS {
        return Err(Error::new(ErrorKind::InvalidOption {
            name: "pillars".into(),
            value: pillars.len().to_string(),
        }));
    }
    let Method::Aggregate(method) = f.root().method() else {
        return Err(not_scored());
    };
    let old: Vec<f64> = pillars
        .iter()
        .map(|&p| base.scores(p).get(bpos).copied().unwrap_or(f64::NAN))
        .collect();
    let new: Vec<f64> = pillars
        .iter()
        .map(|&p| cur.scores(p).get(pos).copied().unwrap_or(f64::NAN))
        .collect();
    let weights: Vec<f64> = pillars
        .iter()
        .map(|&p| f.nodes().get(p).map_or(0.0, |x| x.spec.weight))
        .collect();
    // v(S) for every subset S (bit p set: pillar p at its current value).
    let p_count = pillars.len();
    let mut v = vec![f64::NAN; 1usize << p_count];
    for (mask, slot) in v.iter_mut().enumerate() {
        let cols: Vec<[f64; 1]> = (0..p_count)
            .map(|p| {
                let src = if mask >> p & 1 == 1 { &new } else { &old };
                [src.get(p).copied().unwrap_or(f64::NAN)]
            })
            .collect();
        let children: Vec<(&[f64], f64)> = cols.iter().zip(&weights).map(|(c, &w)| (c.as_slice(), w)).collect();
        let mut out = [f64::NAN];
        aggregate(method, &children, 0.0, &mut out).map_err(|_| not_scored())?;
        *slot = out[0];
    }
    if v.iter().any(|x| x.is_nan()) {
        return Err(not_scored());
    }
    // Shapley weights |S|!(P−|S|−1)!/P!.
    let fact = |k: usize| (1..=k).map(|i| i as f64).product::<f64>();
    let total_fact = fact(p_count);
    let mut phi = vec![0.0; p_count];
    for (p, phi_p) in phi.iter_mut().enumerate() {
        let bit = 1usize << p;
        for mask in 0..v.len() {
            if mask & bit != 0 {
                continue;
            }
            let s = mask.count_ones() as usize;
            let w = fact(s) * fact(p_count - s - 1) / total_fact;
            let gain = v.get(mask | bit).copied().unwrap_or(0.0) - v.get(mask).copied().unwrap_or(0.0);
            *phi_p += w * gain;
        }
    }
    let contributions: Vec<Contribution> = pillars
        .iter()
        .zip(&phi)
        .map(|(&p, &c)| {
            let node = f.nodes().get(p);
            Contribution {
                code: node.map(|x| x.code().to_string()).unwrap_or_default(),
                name_vi: node.map(|x| x.name(Lang::Vi).to_string()).unwrap_or_default(),
                name_en: node.map(|x| x.name(Lang::En).to_string()).unwrap_or_default(),
                before: base.score(p, bpos),
                after: cur.score(p, pos),
                contribution: c,
                rank_before: base.rank(p, bpos),
                rank_after: cur.rank(p, pos),
                rank_change: scored.change(e, p, pos),
            }
        })
        .collect();
    let mut most: Option<(i64, &str)> = None;
    for c in &contributions {
        if let Some(ch) = c.rank_change {
            if most.is_none_or(|(m, _)| ch.abs() > m) {
                most = Some((ch.abs(), &c.code));
            }
        }
    }
    Ok(Explanation {
        code: u.code.clone(),
        name: u.name.clone(),
        year: cur.year(),
        base_year: base.year(),
        before,
        after,
        change: after - before,
        rank: cur.rank(root, pos),
        n: cur.ranked(root),
        rank_change: scored.change(e, root, pos),
        most_moved: most.map(|(_, c)| c.to_string()),
        pillars: contributions,
        decimals: scored.options().precision.unwrap_or(4),
    })
}

impl Explanation {
    /// The explanation as a sentence in `lang` (scores with `decimals`
    /// decimals; Vietnamese uses a decimal comma).
    pub fn sentence(&self, lang: Lang) -> String {
        let d = self.decimals as usize;
        let num = |x: f64, signed: bool| number(x, d, lang, signed);
        let mut s = String::new();
        if let Some(y) = self.year {
            s.push_str(&match lang {
                Lang::Vi => format!("Năm {y}, "),
                Lang::En => format!("In {y}, "),
            });
        }
        let size = num(self.change.abs(), false);
        let zero = num(self.change, false) == num(0.0, false);
        let (from, to) = (num(self.before, false), num(self.after, false));
        s.push_str(&match (lang, zero, self.change > 0.0) {
            (Lang::Vi, true, _) => format!("điểm chỉ số của {} không đổi ({from} → {to})", self.name),
            (Lang::Vi, false, true) => format!("điểm chỉ số của {} tăng {size} ({from} → {to})", self.name),
            (Lang::Vi, false, false) => format!("điểm chỉ số của {} giảm {size} ({from} → {to})", self.name),
            (Lang::En, true, _) => format!("{}'s index score was unchanged ({from} → {to})", self.name),
            (Lang::En, false, true) => format!("{}'s index score rose by {size} ({from} → {to})", self.name),
            (Lang::En, false, false) => format!("{}'s index score fell by {size} ({from} → {to})", self.name),
        });
        if let Some(r) = self.rank {
            s.push_str(&match lang {
                Lang::Vi => format!(", xếp thứ {r}/{}", self.n),
                Lang::En => format!("; it ranked {} of {}", ordinal(r), self.n),
            });
            if let Some(c) = change_text(self.rank_change, false, lang) {
                s.push_str(", ");
                s.push_str(&c);
            }
        }
        let name = |c: &Contribution| match lang {
            Lang::Vi => c.name_vi.clone(),
            Lang::En => c.name_en.clone(),
        };
        let parts: Vec<String> = self
            .pillars
            .iter()
            .map(|c| format!("{} {}", lower_first(&name(c)), num(c.contribution, true)))
            .collect();
        s.push_str(match lang {
            Lang::Vi => ". Đóng góp: ",
            Lang::En => ". Contributions: ",
        });
        s.push_str(&parts.join("; "));
        s.push('.');
        if let Some(c) = self.pillars.iter().find(|c| Some(&c.code) == self.most_moved.as_ref()) {
            let change = change_text(c.rank_change, false, lang).unwrap_or_default();
            let rank = c.rank_after.map(|r| match lang {
                Lang::Vi => format!("xếp thứ {r}"),
                Lang::En => ordinal(r),
            });
            s.push_str(&match lang {
                Lang::Vi => format!(" {} thay đổi thứ hạng nhiều nhất", name(c)),
                Lang::En => format!(" {} moved most", name(c)),
            });
            s.push_str(": ");
            if let Some(r) = rank {
                s.push_str(&r);
                s.push_str(", ");
            }
            s.push_str(&change);
            s.push('.');
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{score, Dataset, Framework, Options};

    /// The contributions' sum and the change differ only by rounding.
    const SUM: f64 = 1e-12;

    fn two_editions(agg: &str, missing: bool) -> (Dataset, Framework) {
        let f = Framework::from_str(&format!(
            "code,parent,weight,method\nI,,1,{agg}\nA,I,1,\nB,I,2,\nC,I,3,\nD,I,0.5,\n"
        ))
        .unwrap();
        let b_now = if missing { "" } else { "0.9" };
        let d = Dataset::from_str(&format!(
            "code,year,A,B,C,D\nx,1,0.2,0.3,,0.5\ny,1,0.4,0.4,0.4,0.4\nx,2,0.6,{b_now},0.1,0.7\ny,2,0.4,0.4,0.4,0.4\n"
        ))
        .unwrap();
        (d, f)
    }

    #[test]
    fn contributions_add_up_for_every_aggregation_and_missing_pattern() {
        for agg in ["arithmetic", "geometric"] {
            for missing in [false, true] {
                let (d, f) = two_editions(agg, missing);
                let o = Options {
                    min_share: 0.0,
                    ..Options::default()
                };
                let s = score(&d, &f, &o).unwrap();
                let x = explain(&s, Some(2), "x").unwrap();
                let sum: f64 = x.pillars.iter().map(|p| p.contribution).sum();
                assert!((sum - x.change).abs() < SUM, "{agg} {missing}: {sum} vs {}", x.change);
                assert!((x.after - x.before - x.change).abs() < SUM);
            }
        }
    }

    #[test]
    fn two_pillars_by_hand() {
        // v(∅) = mean(a0, b0), v({A}) = mean(a1, b0), …: Shapley of two players
        // is the average of the two orders. Geometric with weights 1 and 1:
        // v(S) = sqrt(a·b).
        let f = Framework::from_str("code,parent,method\nI,,geometric\nA,I,\nB,I,\n").unwrap();
        let d = Dataset::from_str("code,year,A,B\nx,1,0.25,0.16\nx,2,0.64,0.36\n").unwrap();
        let s = score(&d, &f, &Options::default()).unwrap();
        let x = explain(&s, None, "x").unwrap();
        let v = |a: f64, b: f64| (a * b).sqrt();
        let phi_a = 0.5 * ((v(0.64, 0.16) - v(0.25, 0.16)) + (v(0.64, 0.36) - v(0.25, 0.36)));
        let phi_b = 0.5 * ((v(0.25, 0.36) - v(0.25, 0.16)) + (v(0.64, 0.36) - v(0.64, 0.16)));
        assert!((x.pillars[0].contribution - phi_a).abs() < SUM);
        assert!((x.pillars[1].contribution - phi_b).abs() < SUM);
    }

    #[test]
    fn arithmetic_with_missing_pillar_renormalises() {
        // Base: C missing, so the base index is over A, B, D (weights 1, 2, 0.5).
        let (d, f) = two_editions("arithmetic", false);
        let o = Options {
            min_share: 0.0,
            ..Options::default()
        };
        let s = score(&d, &f, &o).unwrap();
        let x = explain(&s, Some(2), "x").unwrap();
        let before = (0.2 + 2.0 * 0.3 + 0.5 * 0.5) / 3.5;
        let after = (0.6 + 2.0 * 0.9 + 3.0 * 0.1 + 0.5 * 0.7) / 6.5;
        assert!((x.before - before).abs() < SUM && (x.after - after).abs() < SUM);
        // C's arrival lowers the index here: it enters at 0.1, below the others.
        assert!(x.pillars[2].contribution < 0.0);
    }

    #[test]
    fn errors() {
        let (d, f) = two_editions("arithmetic", false);
        let s = score(&d, &f, &Options::default()).unwrap();
        assert_eq!(explain(&s, Some(1), "x").unwrap_err().kind(), &ErrorKind::NoBaseEdition);
        assert!(matches!(
            explain(&s, Some(2), "zz").unwrap_err().kind(),
            ErrorKind::UnknownUnit(_)
        ));
    }

    #[test]
    fn vietnamese_sentence_uses_decimal_comma() {
        let d = Dataset::from_str(
            "code,name,year,HTKT,HTNL,UD,SXKD,MT\n26,Vĩnh Phúc,1,.5,.5,.5,.5,.5\n26,Vĩnh Phúc,2,.6,.5,.5,.5,.5\n",
        )
        .unwrap();
        let s = score(&d, &Framework::vn_ict(), &Options::default()).unwrap();
        let t = explain(&s, None, "vinh phuc").unwrap().sentence(Lang::Vi);
        assert!(
            t.starts_with("Năm 2, điểm chỉ số của Vĩnh Phúc tăng 0,0200 (0,5000 → 0,5200), xếp thứ 1/1, giữ nguyên. Đóng góp: hạ tầng kỹ thuật +0,0200; hạ tầng nhân lực 0,0000;"),
            "{t}"
        );
        assert!(
            t.ends_with("Hạ tầng kỹ thuật thay đổi thứ hạng nhiều nhất: xếp thứ 1, giữ nguyên."),
            "{t}"
        );
    }
}
