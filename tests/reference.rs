//! Reference tests on the shipped data: the article's sentence (DOMAIN.md),
//! the published 2016 composites, and the published 2006 top ten.

use ictindex::{records, report, score, Cell, Dataset, Framework, Lang, Options, UnitReport};

const SAMPLE: &str = include_str!("../data/sample-vn-ict.csv");
const FRAMEWORK: &str = include_str!("../data/framework-vn-ict.csv");
const PUBLISHED_2006: &str = include_str!("../data/published-2006-top10.csv");

/// Published scores have 4 decimals: two values within half a unit of the
/// 4th decimal print the same.
const FOURTH_DECIMAL: f64 = 0.5e-4;
/// How close weights inferred from ten published 2006 rows (DOMAIN.md) come
/// to the published 2-decimal composites: 0.0063 at worst, so 0.007.
const INFERRED_FIT: f64 = 0.007;

fn sample() -> ictindex::Scored {
    let data = Dataset::from_reader(SAMPLE.as_bytes(), "sample-vn-ict.csv").unwrap();
    score(&data, &Framework::vn_ict(), &Options::default()).unwrap()
}

#[test]
fn vinh_phuc_reads_as_in_the_article() {
    let s = sample();
    let vi = report(&s, Some(2016), "Vĩnh Phúc", Lang::Vi).unwrap();
    // "…tỉnh Vĩnh Phúc xếp thứ 26/63 …, trong đó hạ tầng cơ sở xếp thứ 31, giảm 6 bậc; hạ tầng nhân lực
    // xếp thứ 12, tăng 3 bậc; ứng dụng công nghệ thông tin xếp thứ 35, giảm 4 bậc; sản xuất kinh doanh
    // xếp thứ 38, giảm 3 bậc và môi trường tổ chức - chính sách xếp thứ 9, tăng 11 bậc."
    for part in [
        "Vĩnh Phúc xếp thứ 26/63",
        "hạ tầng kỹ thuật xếp thứ 31, giảm 6 bậc",
        "hạ tầng nhân lực xếp thứ 12, tăng 3 bậc",
        "ứng dụng CNTT xếp thứ 35, giảm 4 bậc",
        "sản xuất – kinh doanh CNTT xếp thứ 38, giảm 3 bậc",
        "môi trường tổ chức – chính sách xếp thứ 9, tăng 11 bậc",
    ] {
        assert!(vi.contains(part), "missing {part:?} in {vi}");
    }
    let en = report(&s, Some(2016), "vinh phuc", Lang::En).unwrap();
    assert!(en.contains("Vĩnh Phúc ranked 26th of 63"), "{en}");
    assert!(en.contains("technical infrastructure 31st, down 6 places"), "{en}");
    assert!(
        en.contains("organisational and policy environment 9th, up 11 places"),
        "{en}"
    );
}

#[test]
fn vinh_phuc_structured_report() {
    let s = sample();
    let e = s.edition_index(Some(2016)).unwrap();
    let pos = s.find_unit(e, "26").unwrap();
    let r = UnitReport::new(&s, e, pos).unwrap();
    assert_eq!((r.index.rank, r.index.n), (Some(26), 63));
    let got: Vec<(Option<u32>, Option<i64>)> = r.pillars.iter().map(|p| (p.rank, p.change)).collect();
    assert_eq!(
        got,
        [
            (Some(31), Some(-6)),
            (Some(12), Some(3)),
            (Some(35), Some(-4)),
            (Some(38), Some(-3)),
            (Some(9), Some(11))
        ]
    );
    assert_eq!(r.base_year, Some(2015));
    assert_eq!(r.group.as_deref(), Some("Đồng bằng sông Hồng"));
}

#[test]
fn published_2016_composites_and_ranks() {
    let s = sample();
    let e = s.edition_index(Some(2016)).unwrap();
    let ed = &s.editions()[e];
    let root = s.framework().root_index();
    for (name, published, rank) in [
        ("Đà Nẵng", 0.8321, 1),
        ("Hà Nội", 0.6705, 2),
        ("TP. Hồ Chí Minh", 0.6456, 3),
        ("Lạng Sơn", 0.2144, 61),
        ("Bạc Liêu", 0.1914, 62),
        ("Điện Biên", 0.1738, 63),
    ] {
        let pos = s.find_unit(e, name).unwrap();
        let got = ed.score(root, pos).unwrap();
        assert!((got - published).abs() < FOURTH_DECIMAL, "{name}: {got} vs {published}");
        assert_eq!(ed.rank(root, pos), Some(rank), "{name}");
    }
    assert_eq!(ed.ranked(root), 63);
}

#[test]
fn framework_file_is_the_built_in_default() {
    let file = Framework::from_reader(FRAMEWORK.as_bytes(), "framework-vn-ict.csv").unwrap();
    assert_eq!(file, Framework::vn_ict());
}

#[test]
fn sample_has_every_province_in_both_editions() {
    let s = sample();
    assert_eq!(s.editions().len(), 2);
    for e in s.editions() {
        assert_eq!(e.len(), 63);
        // Every province has a rank within its region, and regions' sizes add up to 63.
        let mut regions = std::collections::BTreeMap::new();
        for pos in 0..e.len() {
            let (_, n) = e.group_rank(pos).unwrap();
            regions.insert(e.group(pos).unwrap().to_string(), n);
        }
        assert_eq!(regions.len(), 6);
        assert_eq!(regions.values().sum::<u32>(), 63);
    }
}

#[test]
fn published_2006_order_from_inferred_weights() {
    let data = Dataset::from_reader(PUBLISHED_2006.as_bytes(), "published-2006-top10.csv").unwrap();
    let weights = [
        ("HTKT", 0.30),
        ("HTNL", 0.26),
        ("UD", 0.22),
        ("SXKD", 0.15),
        ("MT", 0.07),
    ];
    let mut f = Framework::vn_ict();
    for (code, w) in weights {
        f = f.with_weight(code, w).unwrap();
    }
    // Full precision: the inferred weights reproduce the published order 1–10.
    let s = score(
        &data,
        &f,
        &Options {
            precision: None,
            ..Options::default()
        },
    )
    .unwrap();
    let ed = &s.editions()[0];
    let root = f.root_index();
    let rank_col = data.indicator_index("rank").unwrap();
    let ict_col = data.indicator_index("ICT").unwrap();
    for pos in 0..ed.len() {
        let row = ed.rows()[pos];
        assert_eq!(
            ed.rank(root, pos).map(f64::from),
            data.value(row, rank_col),
            "row {pos}"
        );
        let fit = ed.score(root, pos).unwrap() - data.value(row, ict_col).unwrap();
        assert!(fit.abs() < INFERRED_FIT, "row {pos}: {fit}");
    }
    // At the published precision (2 decimals) Khánh Hòa, Cần Thơ and Bắc Ninh
    // (all 0.37) share 7th place and the next rank is 10th: "1224" ranking.
    let s2 = score(
        &data,
        &f,
        &Options {
            precision: Some(2),
            ..Options::default()
        },
    )
    .unwrap();
    let ranks: Vec<u32> = (0..10).map(|p| s2.editions()[0].rank(root, p).unwrap()).collect();
    assert_eq!(ranks, [1, 2, 3, 4, 5, 6, 7, 7, 7, 10]);
    // Equal weights (the default) give another order: the weights matter.
    let eq = score(
        &data,
        &Framework::vn_ict(),
        &Options {
            precision: None,
            ..Options::default()
        },
    )
    .unwrap();
    let eq_ranks: Vec<u32> = (0..10).map(|p| eq.editions()[0].rank(root, p).unwrap()).collect();
    assert_ne!(eq_ranks, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
}

#[test]
fn exported_records_read_back_as_the_same_scores() {
    let s = sample();
    let csv = ictindex::to_csv(&records(&s, Some(2016)).unwrap(), true).unwrap();
    let back = Dataset::from_str(&csv).unwrap();
    let again = score(&back, &Framework::vn_ict(), &Options::default()).unwrap();
    let (a, b) = (s.edition(Some(2016)).unwrap(), again.edition(Some(2016)).unwrap());
    for node in 0..s.framework().nodes().len() {
        for pos in 0..63 {
            assert_eq!(
                a.score(node, pos).map(f64::to_bits),
                b.score(node, pos).map(f64::to_bits)
            );
        }
    }
    // The exported rank columns agree with the ranks.
    let recs = records(&s, Some(2016)).unwrap();
    let vp = recs.iter().find(|r| r.0[0].1 == Cell::Text("26".into())).unwrap();
    let rank = vp.0.iter().find(|(k, _)| k == "ICT_rank").unwrap();
    assert_eq!(rank.1, Cell::Int(26));
}
