//! COINr's own worked example (the ASEM index: 51 countries, 49 indicators,
//! a 4-level tree) run through ictindex and compared with every stage COINr
//! stored: denominated, imputed, treated, normalised, aggregated, results.
//!
//! The reference files are read at run time, in place, from the project's
//! `../shared/reference/coinr-asem/` (beside the repository; its
//! `coinr_asem.md` describes them): COINr's published `iData`/`iMeta`, every
//! stage of COINr's stored build (`Raw, Denominated, Imputed, Treated,
//! Normalised, Aggregated`, exact doubles), its results table and its
//! treatment summary. Nothing here is copied into the repository.
//!
//! What is exact, and why:
//!
//! - **Each step on its own** (the reference tests): the library is fed
//!   COINr's own stage values and must give COINr's next stage. Imputation of
//!   the `Denominated` stage, treatment of the `Imputed` stage and min-max
//!   normalisation of the `Treated` stage are bit for bit; aggregation of the
//!   normalised values is within [`TOLERANCE`] (same means, possibly another
//!   order of additions).
//! - **The stored build from its raw values**: the input is the `Raw` stage
//!   (bit for bit the stored build's raw values) with the published
//!   `iData`'s unit names, groups, year and denominators. The published
//!   `Area`, `Energy` and `Population` equal the stored build's (every value
//!   they divide comes out bit for bit), but the published `GDP` is rounded
//!   differently (up to 4.18e-10 relative), so the 9 GDP-denominated
//!   indicators agree within [`GDP_ROUNDING`] and everything computed from
//!   them within [`PROPAGATED`]; everything else is exact (within
//!   [`TOLERANCE`] for aggregates). The same points are winsorised.
//! - **The stored build's GDP recovered**: for each unit exactly one double
//!   divides all of its GDP-denominated raw values into COINr's denominated
//!   ones (439 quotients, 5 to 9 per unit, fitted by 51 values), and it is
//!   the published GDP up to its rounding. The denominated stage is then
//!   bit for bit by construction; the imputed and treated stages computed
//!   from it are bit for bit too.
//! - **The published `iData` end to end** (raw values rounded differently,
//!   up to 2.3e-8 relative): the same points are winsorised and the results
//!   table (scores to 2 decimals, ranks) is COINr's.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fs;
use std::io::Write as _;
use std::process::{Command, Stdio};

use ictindex::{
    prepare, round_to, score, Coinr, Event, Framework, Imputation, Options, Plan, Prepared, Scored, Step, Treated,
    Treatment,
};

/// The project's copy of the COINr ASEM reference files.
const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/reference/coinr-asem/");
const IDATA: &str = "coinr_asem_idata.csv";
const IMETA: &str = "coinr_asem_imeta.csv";
const STAGES: &str = "coinr_asem_legacy_stages_long.csv";
const RESULTS: &str = "coinr_asem_legacy_results.csv";
const TREAT_SUMMARY: &str = "coinr_asem_legacy_treatsummary.csv";

/// Normalised values and aggregates computed from exact inputs: COINr's and
/// ours are the same formulas in a possibly different order of
/// floating-point operations (found: 1.4e-14 on the aggregates).
const TOLERANCE: f64 = 1e-9;

/// Relative tolerance on values divided by the published GDP. The published
/// `iData`'s GDP differs from the stored build's by rounding; the worst
/// relative difference (the stored build's GDP being recovered exactly by
/// `implied_gdp`) is 4.1751344e-10, and the worst denominated value
/// 4.1751352e-10 (MNG, `Pat`). Imputed group means and winsorised values are
/// made of such values and stay within it.
const GDP_ROUNDING: f64 = 4.2e-10;

/// Absolute tolerance (on the 0–100 scale) on normalised values and
/// aggregates that depend on a GDP-denominated indicator, in the run from
/// the published GDP: min-max scaling magnifies the relative error of
/// [`GDP_ROUNDING`] by the ratio of a value to its indicator's range. Found:
/// 2.17e-8 on normalised values (MNG, `Goods`), 1.12e-8 on aggregates (VNM,
/// `ConEcFin`); aggregates of no GDP-denominated indicator are bit for bit.
const PROPAGATED: f64 = 2.2e-8;

/// The group column COINr's imputation used (`groupvar = Group_EurAsia`).
const GROUP: &str = "EurAsia_group";

/// The denominator the published `iData` rounds differently.
const GDP: &str = "GDP";

/// The 11 aggregates of the results table.
const AGGREGATES: [&str; 11] = [
    "Index",
    "Conn",
    "Sust",
    "Physical",
    "ConEcFin",
    "Political",
    "Instit",
    "P2P",
    "Environ",
    "Social",
    "SusEcFin",
];

fn path(name: &str) -> String {
    format!("{DIR}{name}")
}

/// A reference file's text; panics naming the path if it is missing.
fn read(name: &str) -> String {
    let p = path(name);
    fs::read_to_string(&p).unwrap_or_else(|e| {
        panic!("cannot read COINr reference file {p}: {e} (the project's shared/ must be beside the repository)")
    })
}

fn rows(text: &str) -> Vec<HashMap<String, String>> {
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    r.records()
        .map(|rec| {
            header
                .iter()
                .cloned()
                .zip(rec.unwrap().iter().map(str::to_string))
                .collect()
        })
        .collect()
}

/// `(uCode, iCode) → value` (`None`: NA).
type Cells = HashMap<(String, String), Option<f64>>;

/// `stage → cells`.
fn stages() -> HashMap<String, Cells> {
    let mut out: HashMap<String, Cells> = HashMap::new();
    for r in rows(&read(STAGES)) {
        let v = match r["value"].as_str() {
            "" | "NA" => None,
            s => Some(s.parse::<f64>().unwrap()),
        };
        out.entry(r["stage"].clone())
            .or_default()
            .insert((r["uCode"].clone(), r["iCode"].clone()), v);
    }
    out
}

fn key(u: &str, i: &str) -> (String, String) {
    (u.to_string(), i.to_string())
}

/// The published `iData` with its indicator columns replaced by `stage`
/// and, if given, its GDP column by `gdp`. Numbers are written in shortest
/// round-trip form, so they read back bit for bit.
fn idata_with(stage: &Cells, gdp: Option<&HashMap<String, f64>>) -> String {
    let text = read(IDATA);
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let header = r.headers().unwrap().clone();
    let indicators: HashSet<String> = rows(&read(IMETA))
        .into_iter()
        .filter(|m| m["Type"] == "Indicator")
        .map(|m| m["iCode"].clone())
        .collect();
    assert_eq!(indicators.len(), 49);
    let ucode = header.iter().position(|h| h == "uCode").unwrap();
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    w.write_record(&header).unwrap();
    let mut replaced = 0;
    for rec in r.records() {
        let rec = rec.unwrap();
        let u = &rec[ucode];
        let row: Vec<String> = header
            .iter()
            .zip(rec.iter())
            .map(|(h, v)| {
                if indicators.contains(h) {
                    replaced += 1;
                    stage[&key(u, h)].map_or(String::new(), |x| x.to_string())
                } else if let (GDP, Some(gdp)) = (h, gdp) {
                    gdp[u].to_string()
                } else {
                    v.to_string()
                }
            })
            .collect();
        w.write_record(&row).unwrap();
    }
    assert_eq!(replaced, 51 * 49);
    String::from_utf8(w.into_inner().unwrap()).unwrap()
}

/// The stored build's input: its raw values (the `Raw` stage, exact) with
/// the published names, groups, year and denominators.
fn stored_build_input(st: &HashMap<String, Cells>) -> String {
    idata_with(&st["Raw"], None)
}

fn coinr(idata: &str) -> Coinr {
    Coinr::from_str(idata, &read(IMETA), Some(GROUP)).unwrap()
}

/// COINr's method for the ASEM build: denominate by metadata, impute by the
/// Europe/Asia group mean, treat by the default rule (winmax = 10% of units).
fn plan(impute: bool, treat: bool) -> Plan {
    Plan {
        impute: impute.then_some(Imputation::GroupMean),
        treat: treat.then_some(Treatment::COINR),
        ..Plan::default()
    }
}

/// A plan for COINr's stage values: no denomination (they are past it).
fn step_plan(impute: bool, treat: bool) -> Plan {
    Plan {
        denominate: false,
        ..plan(impute, treat)
    }
}

/// The indicators the framework divides by GDP.
fn gdp_leaves(f: &Framework) -> BTreeSet<String> {
    f.nodes()
        .iter()
        .filter(|n| n.is_leaf() && n.spec.denominator.as_deref() == Some(GDP))
        .map(|n| n.code().to_string())
        .collect()
}

/// Whether node `i` is or contains a GDP-denominated indicator.
fn depends_on_gdp(f: &Framework, gdp: &BTreeSet<String>, i: usize) -> bool {
    let n = &f.nodes()[i];
    gdp.contains(n.code()) || n.children.iter().any(|&c| depends_on_gdp(f, gdp, c))
}

/// Compares every cell of `p` with `stage`: bit for bit, except in the
/// `loose` indicators, within `GDP_ROUNDING` (relative). Returns the largest
/// relative deviation in the loose indicators.
fn assert_stage(p: &Prepared, stage: &Cells, loose: &BTreeSet<String>, name: &str) -> f64 {
    let d = p.data();
    assert_eq!(d.units().len(), 51);
    assert_eq!(d.indicators().len(), 49);
    let mut worst: f64 = 0.0;
    for (r, u) in d.units().iter().enumerate() {
        for (c, i) in d.indicators().iter().enumerate() {
            let want = stage[&key(&u.code, i)];
            let got = d.value(r, c);
            if loose.contains(i) {
                let (Some(g), Some(w)) = (got, want) else {
                    assert_eq!(got, want, "{name}: {} {i}", u.code);
                    continue;
                };
                let dev = (g - w).abs() / w.abs();
                assert!(
                    g == w || dev <= GDP_ROUNDING,
                    "{name}: {} {i}: ours {g}, COINr {w}, relative deviation {dev:e}",
                    u.code
                );
                if g != w {
                    worst = worst.max(dev);
                }
            } else {
                assert_eq!(
                    got.map(f64::to_bits),
                    want.map(f64::to_bits),
                    "{name}: {} {i}: ours {got:?}, COINr {want:?}",
                    u.code
                );
            }
        }
    }
    worst
}

/// COINr's winsorised points, from the stages themselves: the cells whose
/// `Treated` value differs from the `Imputed` one (lowered: `High`).
fn coinr_winsorised(st: &HashMap<String, Cells>) -> Vec<(String, String, Treated)> {
    let mut out: Vec<(String, String, Treated)> = st["Treated"]
        .iter()
        .filter_map(|((u, i), t)| {
            let t = t.unwrap();
            let before = st["Imputed"][&key(u, i)].unwrap();
            (t != before).then(|| {
                let how = if t < before { Treated::High } else { Treated::Low };
                (i.clone(), u.clone(), how)
            })
        })
        .collect();
    out.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    out
}

/// The points `p` flagged as treated, in the order of `coinr_winsorised`.
fn our_winsorised(p: &Prepared) -> Vec<(String, String, Treated)> {
    let d = p.data();
    let mut got = Vec::new();
    for (c, i) in d.indicators().iter().enumerate() {
        for (r, u) in d.units().iter().enumerate() {
            if let Some(how) = p.flags(r, c).treated {
                got.push((i.clone(), u.code.clone(), how));
            }
        }
    }
    got.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    got
}

/// The treated points equal COINr's (35 points in 15 indicators), and the
/// log's counts equal COINr's treatment summary: points low and high per
/// indicator, none log-transformed.
fn assert_treated_points(p: &Prepared, st: &HashMap<String, Cells>) {
    let want = coinr_winsorised(st);
    assert_eq!(want.len(), 35);
    assert_eq!(our_winsorised(p), want);
    let mut winsorised = 0;
    for r in rows(&read(TREAT_SUMMARY)) {
        let entry = p
            .log()
            .iter()
            .find(|e| e.step == Step::Treat && e.indicator.as_deref() == Some(r["IndCode"].as_str()));
        let (low, high) = match entry.map(|e| &e.event) {
            Some(Event::Winsorised {
                high,
                low,
                steps,
                still_failing: false,
                stopped: false,
                ..
            }) => {
                winsorised += 1;
                assert_eq!(r["Treatment"], format!("Winsorised {steps} points"));
                (low.len(), high.len())
            }
            None => {
                assert_eq!(r["Treatment"], "None");
                (0, 0)
            }
            Some(other) => panic!("{}: unexpected {other:?}", r["IndCode"]),
        };
        assert_eq!(low.to_string(), r["Low"], "{}", r["IndCode"]);
        assert_eq!(high.to_string(), r["High"], "{}", r["IndCode"]);
        assert_eq!(r["TreatSpec"], "Default, winmax = 6");
    }
    assert_eq!(winsorised, 15);
    assert!(!p.log().iter().any(|e| matches!(e.event, Event::LogTransformed { .. })));
}

/// Exactly the cells missing after denomination are flagged as imputed, and logged.
fn assert_imputed_flags(p: &Prepared, st: &HashMap<String, Cells>) {
    let d = p.data();
    let mut flagged = 0;
    for (r, u) in d.units().iter().enumerate() {
        for (c, i) in d.indicators().iter().enumerate() {
            let was_missing = st["Denominated"][&key(&u.code, i)].is_none();
            assert_eq!(p.flags(r, c).imputed, was_missing, "{} {i}", u.code);
            flagged += usize::from(was_missing);
        }
    }
    assert_eq!(flagged, 65);
    let logged = p
        .log()
        .iter()
        .filter(|e| matches!(e.event, Event::Imputed { .. }))
        .count();
    assert_eq!(logged, 65);
}

fn score_2dp(data: &ictindex::Dataset, f: &Framework) -> Scored {
    let options = Options {
        precision: Some(2),
        ..Options::default()
    };
    score(data, f, &options).unwrap()
}

/// Every normalised indicator and aggregate of `s` against COINr's
/// `Normalised` and `Aggregated` stages. Nodes in `loose` within
/// `PROPAGATED`; other indicators bit for bit, other aggregates within
/// `TOLERANCE`. Returns the largest deviations (loose leaves, loose
/// aggregates, other aggregates).
fn assert_scores(s: &Scored, st: &HashMap<String, Cells>, loose: &dyn Fn(usize) -> bool) -> (f64, f64, f64) {
    let e = s.edition(Some(2018)).unwrap();
    let f = s.framework();
    let mut worst = (0.0_f64, 0.0_f64, 0.0_f64);
    let mut compared = 0;
    for (pos, u) in e.rows().iter().map(|&r| &s.units()[r]).enumerate() {
        for (node, n) in f.nodes().iter().enumerate() {
            let stage = if n.is_leaf() { "Normalised" } else { "Aggregated" };
            let want = st[stage][&key(&u.code, n.code())].unwrap();
            let got = e.score(node, pos).unwrap();
            let dev = (got - want).abs();
            let (tol, slot) = match (loose(node), n.is_leaf()) {
                (true, true) => (PROPAGATED, &mut worst.0),
                (true, false) => (PROPAGATED, &mut worst.1),
                (false, true) => (0.0, &mut worst.2),
                (false, false) => (TOLERANCE, &mut worst.2),
            };
            assert!(dev <= tol, "{stage} {} {}: ours {got}, COINr {want}", u.code, n.code());
            *slot = slot.max(dev);
            if n.is_leaf() {
                // The Aggregated stage repeats the normalised indicators.
                assert_eq!(st["Aggregated"][&key(&u.code, n.code())], Some(want));
            }
            compared += 1;
        }
    }
    assert_eq!(compared, 51 * 60);
    worst
}

/// The results table: `(unit, aggregate) → (score to 2 dp, rank)`.
fn published_results() -> HashMap<(String, String), (f64, u32)> {
    let mut out = HashMap::new();
    for r in rows(&read(RESULTS)) {
        for a in AGGREGATES {
            let score: f64 = r[a].parse().unwrap();
            let rank: u32 = r[&format!("{a}_rank")].parse().unwrap();
            out.insert(key(&r["UnitCode"], a), (score, rank));
        }
        assert_eq!(r["Rank"], r["Index_rank"]);
    }
    assert_eq!(out.len(), 51 * 11);
    out
}

fn assert_results_equal(s: &Scored) {
    let e = s.edition(Some(2018)).unwrap();
    let want = published_results();
    let f = s.framework();
    let mut compared = 0;
    for (pos, u) in e.rows().iter().map(|&r| &s.units()[r]).enumerate() {
        for a in AGGREGATES {
            let node = f.index_of(a).unwrap();
            let got = (
                round_to(e.score(node, pos).unwrap(), Some(2)),
                e.rank(node, pos).unwrap(),
            );
            assert_eq!(got, want[&key(&u.code, a)], "{} {a}", u.code);
            compared += 1;
        }
    }
    assert_eq!(compared, 51 * 11);
}

/// For each unit, the one double that divides every GDP-denominated raw
/// value of the unit into COINr's denominated value bit for bit (searched
/// within 4 ulps of each quotient `raw / denominated`).
fn implied_gdp(st: &HashMap<String, Cells>, f: &Framework) -> HashMap<String, f64> {
    let gdp = gdp_leaves(f);
    let units: BTreeSet<&String> = st["Raw"].keys().map(|(u, _)| u).collect();
    let mut out = HashMap::new();
    for u in units {
        let pairs: Vec<(f64, f64)> = gdp
            .iter()
            .filter_map(|i| Some((st["Raw"][&key(u, i)]?, st["Denominated"][&key(u, i)]?)))
            .filter(|&(raw, _)| raw != 0.0)
            .collect();
        assert!(pairs.len() >= 5, "{u}: {} GDP-denominated values", pairs.len());
        let fits: BTreeSet<u64> = pairs
            .iter()
            .flat_map(|&(raw, den)| (-4..=4).map(move |k| f64::from_bits((raw / den).to_bits().wrapping_add_signed(k))))
            .filter(|&g| pairs.iter().all(|&(raw, den)| raw / g == den))
            .map(f64::to_bits)
            .collect();
        assert_eq!(fits.len(), 1, "{u}: {} GDP values fit all its quotients", fits.len());
        out.insert(u.clone(), f64::from_bits(*fits.first().unwrap()));
    }
    assert_eq!(out.len(), 51);
    out
}

// ---- Each step on its own, from COINr's own stage values -------------------

#[test]
fn stored_build_gdp_is_implied_by_its_stages_and_reproduces_them_exactly() {
    let st = stages();
    let published = coinr(&read(IDATA));
    let gdp = implied_gdp(&st, &published.framework);
    // The recovered GDP is the published one up to its rounding.
    let mut worst: f64 = 0.0;
    for r in rows(&read(IDATA)) {
        let p: f64 = r[GDP].parse().unwrap();
        let dev = (gdp[&r["uCode"]] - p).abs() / p;
        assert!(
            dev <= GDP_ROUNDING,
            "{}: GDP {} vs published {p}",
            r["uCode"],
            gdp[&r["uCode"]]
        );
        worst = worst.max(dev);
    }
    assert!(worst > 0.0, "the published GDP is expected to differ by rounding");
    // With it, the raw values give COINr's denominated, imputed and treated
    // stages bit for bit.
    let c = coinr(&idata_with(&st["Raw"], Some(&gdp)));
    let none = BTreeSet::new();
    let p = prepare(&c.data, &c.framework, &plan(false, false)).unwrap();
    assert_stage(&p, &st["Denominated"], &none, "Denominated");
    let p = prepare(&c.data, &c.framework, &plan(true, false)).unwrap();
    assert_stage(&p, &st["Imputed"], &none, "Imputed");
    let p = prepare(&c.data, &c.framework, &plan(true, true)).unwrap();
    assert_stage(&p, &st["Treated"], &none, "Treated");
    assert_treated_points(&p, &st);
}

#[test]
fn imputing_coinr_denominated_stage_gives_its_imputed_stage_exactly() {
    let st = stages();
    let c = coinr(&idata_with(&st["Denominated"], None));
    let p = prepare(&c.data, &c.framework, &step_plan(true, false)).unwrap();
    assert_stage(&p, &st["Imputed"], &BTreeSet::new(), "Imputed");
    assert_imputed_flags(&p, &st);
    assert!(!p.log().iter().any(|e| e.step == Step::Denominate));
}

#[test]
fn treating_coinr_imputed_stage_gives_its_treated_stage_exactly() {
    let st = stages();
    let c = coinr(&idata_with(&st["Imputed"], None));
    let p = prepare(&c.data, &c.framework, &step_plan(false, true)).unwrap();
    // The same points winsorised, in the same number of steps, to the same values.
    assert_stage(&p, &st["Treated"], &BTreeSet::new(), "Treated");
    assert_treated_points(&p, &st);
}

#[test]
fn scoring_coinr_treated_stage_gives_its_normalised_and_aggregated_stages() {
    let st = stages();
    let c = coinr(&idata_with(&st["Treated"], None));
    let p = prepare(&c.data, &c.framework, &step_plan(false, false)).unwrap();
    assert!(p.log().is_empty());
    let s = score_2dp(p.data(), &c.framework);
    // Min-max to 0–100 takes the same operations in the same order as
    // COINr's: bit for bit. Aggregates: found 1.4e-14.
    let (_, _, worst) = assert_scores(&s, &st, &|_| false);
    assert!(worst <= TOLERANCE, "largest deviation {worst:e}");
    assert_results_equal(&s);
}

// ---- The stored build from its raw values and the published denominators --

#[test]
fn denominated_stage_equals_coinr_up_to_the_published_gdp_rounding() {
    let st = stages();
    let c = coinr(&stored_build_input(&st));
    let gdp = gdp_leaves(&c.framework);
    assert_eq!(gdp.len(), 9);
    let p = prepare(&c.data, &c.framework, &plan(false, false)).unwrap();
    // Indicators without a denominator or divided by Area, Energy or
    // Population: bit for bit. Divided by GDP: found 4.18e-10 (MNG, Pat).
    let worst = assert_stage(&p, &st["Denominated"], &gdp, "Denominated");
    assert!(worst > 0.0, "the published GDP is expected to differ by rounding");
    // 17 indicators divided, and LAO's missing energy denominator left two values missing.
    let divided = p
        .log()
        .iter()
        .filter(|e| matches!(e.event, Event::Denominated { .. }))
        .count();
    assert_eq!(divided, 17);
    let lost: Vec<(&str, &str)> = p
        .log()
        .iter()
        .filter(|e| matches!(e.event, Event::NoDenominator { .. }))
        .map(|e| (e.unit.as_deref().unwrap(), e.indicator.as_deref().unwrap()))
        .collect();
    assert_eq!(lost, [("LAO", "Elec"), ("LAO", "Gas")]);
    let missing = st["Denominated"].values().filter(|v| v.is_none()).count();
    assert_eq!(missing, 65);
}

#[test]
fn imputed_stage_equals_coinr_and_flags_every_imputed_cell() {
    let st = stages();
    let c = coinr(&stored_build_input(&st));
    let p = prepare(&c.data, &c.framework, &plan(true, false)).unwrap();
    // Exact where the group's values are (non-GDP indicators); the imputed
    // means of ForPort, Pat, CultServ and CultGood within GDP_ROUNDING.
    assert_stage(&p, &st["Imputed"], &gdp_leaves(&c.framework), "Imputed");
    assert_imputed_flags(&p, &st);
}

#[test]
fn treated_stage_winsorises_coinr_points() {
    let st = stages();
    let c = coinr(&stored_build_input(&st));
    let p = prepare(&c.data, &c.framework, &plan(true, true)).unwrap();
    assert_stage(&p, &st["Treated"], &gdp_leaves(&c.framework), "Treated");
    assert_treated_points(&p, &st);
}

#[test]
fn normalised_and_aggregated_exact_where_the_inputs_are() {
    let st = stages();
    let c = coinr(&stored_build_input(&st));
    let p = prepare(&c.data, &c.framework, &plan(true, true)).unwrap();
    let s = score_2dp(p.data(), &c.framework);
    let f = &c.framework;
    let gdp = gdp_leaves(f);
    let loose = |i: usize| depends_on_gdp(f, &gdp, i);
    // Loose: the 9 GDP-denominated indicators and ConEcFin, P2P, Conn, Index.
    let loose_codes: BTreeSet<&str> = (0..f.nodes().len())
        .filter(|&i| loose(i) && !f.nodes()[i].is_leaf())
        .map(|i| f.nodes()[i].code())
        .collect();
    assert_eq!(loose_codes, BTreeSet::from(["ConEcFin", "Conn", "Index", "P2P"]));
    let (leaves, aggregates, exact) = assert_scores(&s, &st, &loose);
    // Found: 2.17e-8 (normalised, MNG Goods), 1.12e-8 (aggregates, VNM
    // ConEcFin); everything else bit for bit. The GDP rounding does
    // propagate beyond TOLERANCE, which is why the step-by-step tests above
    // feed COINr's own stages.
    assert!(leaves > TOLERANCE, "GDP rounding no longer propagates: {leaves:e}");
    assert!(aggregates > TOLERANCE && aggregates <= PROPAGATED, "{aggregates:e}");
    assert!(exact <= TOLERANCE, "{exact:e}");
}

#[test]
fn results_table_equals_coinr_for_all_units_and_aggregates() {
    let st = stages();
    let c = coinr(&stored_build_input(&st));
    let p = prepare(&c.data, &c.framework, &plan(true, true)).unwrap();
    let s = score_2dp(p.data(), &c.framework);
    assert_results_equal(&s);
    // Ranks are competition ranks of the rounded scores: LUX and PRT tie at
    // 77.57 on Instit although LUX's unrounded score is higher.
    let e = s.edition(Some(2018)).unwrap();
    let instit = c.framework.index_of("Instit").unwrap();
    let pos = |code: &str| s.find_unit(0, code).unwrap();
    assert_eq!(e.rank(instit, pos("LUX")), Some(3));
    assert_eq!(e.rank(instit, pos("PRT")), Some(3));
    assert!(e.score(instit, pos("LUX")).unwrap() > e.score(instit, pos("PRT")).unwrap());
}

#[test]
fn published_idata_gives_the_same_results() {
    // `ASEM_iData` (COINr ≥ 1.0) carries the stored build's data with
    // different rounding (raw values within 2.3e-8, GDP within 4.2e-10,
    // relative): the same points are winsorised, and the results table
    // (2 decimals, ranks) is the same.
    let st = stages();
    let c = coinr(&read(IDATA));
    let p = prepare(&c.data, &c.framework, &plan(true, true)).unwrap();
    assert_eq!(our_winsorised(&p), coinr_winsorised(&st));
    let s = score_2dp(p.data(), &c.framework);
    assert_results_equal(&s);
}

// ---- The same runs through the command line --------------------------------

/// Runs the binary with `stdin` as standard input (for `-`).
fn cli(args: &[&str], stdin: Option<&str>) -> (String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ictindex"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.unwrap_or("").as_bytes()).unwrap();
    drop(input);
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(out.status.success(), "{args:?}: {stderr}");
    (stdout, stderr)
}

/// `verb DATA --coinr-meta <shared iMeta> --group EurAsia_group --lang en`, then `more`.
fn coinr_args(verb: &str, data: &str, more: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = [
        verb,
        data,
        "--coinr-meta",
        &path(IMETA),
        "--group",
        GROUP,
        "--lang",
        "en",
    ]
    .map(String::from)
    .to_vec();
    args.extend(more.iter().map(|s| s.to_string()));
    args
}

const COINR_PLAN: [&str; 4] = ["--impute", "group-mean", "--treat", "coinr"];

fn run(args: &[String], stdin: Option<&str>) -> (String, String) {
    cli(&args.iter().map(String::as_str).collect::<Vec<_>>(), stdin)
}

#[test]
fn cli_prepare_writes_the_treated_stage_and_logs_to_stderr() {
    let st = stages();
    let input = stored_build_input(&st);
    let (stdout, stderr) = run(&coinr_args("prepare", "-", &COINR_PLAN), Some(&input));
    let gdp = gdp_leaves(&coinr(&input).framework);
    let table = rows(&stdout);
    assert_eq!(table.len(), 51);
    let mut treated = Vec::new();
    for r in &table {
        for (k, v) in r {
            if ["code", "name", "year", "group", "flags"].contains(&k.as_str()) {
                continue;
            }
            let want = st["Treated"][&key(&r["code"], k)].unwrap();
            let got: f64 = v.parse().unwrap();
            if gdp.contains(k) {
                assert!(
                    (got - want).abs() <= GDP_ROUNDING * want.abs(),
                    "{} {k}: {got} vs {want}",
                    r["code"]
                );
            } else {
                assert_eq!(got.to_bits(), want.to_bits(), "{} {k}", r["code"]);
            }
        }
        assert!(["Europe", "Asia"].contains(&r["group"].as_str()), "{}", r["group"]);
        for flag in r["flags"].split_whitespace() {
            let (i, what) = flag.split_once(':').unwrap();
            let how = match what.trim_start_matches("imputed").trim_start_matches('+') {
                "" => continue,
                "high" => Treated::High,
                "low" => Treated::Low,
                other => panic!("unexpected flag {other}"),
            };
            treated.push((i.to_string(), r["code"].clone(), how));
        }
    }
    treated.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    assert_eq!(treated, coinr_winsorised(&st));
    let lao = table.iter().find(|r| r["code"] == "LAO").unwrap();
    assert!(lao["flags"].contains("Elec:imputed"), "{}", lao["flags"]);
    assert!(stderr
        .contains("treat: 2018, indicator Services: winsorised 4 points in 4 steps (lowered: IRL, LUX, MLT, SGP)"));
    assert!(stderr.contains("denominate: 2018, unit LAO, indicator Elec: denominator Energy missing or zero"));
}

#[test]
fn cli_score_of_published_idata_gives_the_results_table() {
    let (stdout, _) = run(
        &coinr_args(
            "score",
            &path(IDATA),
            &[&COINR_PLAN[..], &["--precision", "2"]].concat(),
        ),
        None,
    );
    assert_results_table(&stdout);
}

/// A `score` CSV's 11 aggregates against the results table.
fn assert_results_table(stdout: &str) {
    let want = published_results();
    let table = rows(stdout);
    assert_eq!(table.len(), 51);
    for r in &table {
        for a in AGGREGATES {
            let score: f64 = r[&format!("{a}_score")].parse().unwrap();
            let rank: u32 = r[&format!("{a}_rank")].parse().unwrap();
            assert_eq!(
                (round_to(score, Some(2)), rank),
                want[&key(&r["code"], a)],
                "{} {a}",
                r["code"]
            );
        }
    }
}

#[test]
fn cli_score_of_coinr_treated_stage_gives_its_normalised_and_aggregated_stages() {
    let st = stages();
    let input = idata_with(&st["Treated"], None);
    let (stdout, _) = run(
        &coinr_args("score", "-", &["--no-denominate", "--precision", "2"]),
        Some(&input),
    );
    assert_results_table(&stdout);
    let f = coinr(&input).framework;
    let mut compared = 0;
    for r in rows(&stdout) {
        for n in f.nodes() {
            let got: f64 = r[&format!("{}_score", n.code())].parse().unwrap();
            if n.is_leaf() {
                let want = st["Normalised"][&key(&r["code"], n.code())].unwrap();
                assert_eq!(got.to_bits(), want.to_bits(), "Normalised {} {}", r["code"], n.code());
            } else {
                let want = st["Aggregated"][&key(&r["code"], n.code())].unwrap();
                assert!(
                    (got - want).abs() <= TOLERANCE,
                    "{} {}: {got} vs {want}",
                    r["code"],
                    n.code()
                );
            }
            compared += 1;
        }
    }
    assert_eq!(compared, 51 * 60);
}

#[test]
fn cli_prepare_json_has_rows_flags_and_log() {
    let (stdout, _) = run(
        &coinr_args(
            "prepare",
            &path(IDATA),
            &[&COINR_PLAN[..], &["--format", "json"]].concat(),
        ),
        None,
    );
    assert!(stdout.contains("\"indicators\""));
    assert!(stdout.contains("\"imputed\": true"));
    assert!(stdout.contains("\"kind\": \"winsorised\""));
    assert!(stdout.contains("\"message\": \"treat: 2018, indicator FemLab: winsorised 1 point in 1 step (raised: PAK)"));
}
