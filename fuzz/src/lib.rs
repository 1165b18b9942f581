//! The bodies of the fuzz targets, shared with the stable-Rust corpus replay
//! (`tests/fuzz_replay.rs` includes this file), so CI runs the very code the
//! fuzzer ran without nightly or libFuzzer.
//!
//! Every body takes raw bytes and must never panic on its own input: an
//! `assert!` here states a property of the library, not of the input.
//!
//! Input formats (all plain bytes, so a seed is an ordinary file):
//! - `data`: a data file.
//! - `framework`: a framework file.
//! - `score`: `FRAMEWORK \0 DATA \0 OPTIONS`; an empty framework part means the
//!   built-in one; without any `\0` the whole input is the data. Prepares the
//!   data when the plan or the framework asks (denominators, treatments),
//!   scores, exports, reports and draws every chart.
//! - `whatif`: `FRAMEWORK \0 DATA \0 OPTIONS \0 SCRIPT`, the script one command a
//!   line: `u` (undo), `r` (reset), `UNIT:NODE=VALUE` or `NODE=WEIGHT`.
//! - `rebase`: `FRAMEWORK \0 DATA \0 OPTIONS [\0 MAPPING]`: re-bases the data
//!   onto the 2025 map (the built-in mapping, or MAPPING as the old-province
//!   file), then scores, exports and reports.
//!
//! OPTIONS bytes: precision (`b % 18`: 0–15, 16 = none, 17 = 99, invalid),
//! min share (`b / 200`, above 1 is invalid), base year (0 = none, else the
//! `(b − 1) % (years + 1)`-th year, the last slot an unknown year), then the
//! preparation plan: screening (`b % 4`: none, 0.5, 1, 1.5 invalid),
//! imputation (`b % 7`: none, mean, median, group mean, group median,
//! previous, none), treatment (`b % 3`: none, COINr, off), denominate (odd);
//! for `rebase` the level (odd: pillars) and the map (`b % 3`: decide, old, new).

use ictindex::{
    bump_svg, distribution_svg, map_svg, markdown, prepare, profile_svg, records, report, score as score_all, to_csv,
    Chart, Dataset, Edit, Error, Framework, Geography, Imputation, Lang, Level, MapValue, Mapping, Options, Plan,
    RebaseOptions, Scored, TileLayout, Treatment, UnitReport, WhatIf,
};

/// Units whose reports and rankings are checked at most (keeps each run fast).
const MAX_CHECKED: usize = 64;

/// Renders `e` in both languages, as every front end does.
fn render(e: &Error) {
    let en = e.message(Lang::En);
    let vi = e.message(Lang::Vi);
    assert!(!en.is_empty() && !vi.is_empty());
    assert_eq!(en, e.to_string());
    // Messages are one line with no control character, and stay short even when
    // the input holds a huge cell.
    for m in [&en, &vi] {
        assert!(!m.chars().any(char::is_control), "control character in {m:?}");
        let cap = 1000;
        assert!(
            m.chars().count() <= cap,
            "message too long: {} chars",
            m.chars().count()
        );
    }
}

/// Splits at the first `\0`.
fn split(input: &[u8]) -> (&[u8], Option<&[u8]>) {
    match input.iter().position(|&b| b == 0) {
        Some(i) => (input.get(..i).unwrap_or(&[]), input.get(i + 1..)),
        None => (input, None),
    }
}

fn options(bytes: &[u8], data: &Dataset) -> Options {
    let byte = |i: usize| bytes.get(i).copied();
    let precision = match byte(0).map(|b| b % 18) {
        None => Some(4),
        Some(16) => None,
        Some(17) => Some(99),
        Some(p) => Some(u32::from(p)),
    };
    let min_share = byte(1).map_or(0.5, |b| f64::from(b) / 200.0);
    let years: Vec<i64> = data.years().into_iter().flatten().collect();
    let base_year = match byte(2) {
        None | Some(0) => None,
        Some(b) => {
            let k = usize::from(b - 1) % (years.len() + 1);
            Some(years.get(k).copied().unwrap_or(i64::MIN))
        }
    };
    Options {
        precision,
        min_share,
        base_year,
    }
}

fn plan(bytes: &[u8]) -> Plan {
    let byte = |i: usize| bytes.get(i).copied().unwrap_or(0);
    Plan {
        screen: [None, Some(0.5), Some(1.0), Some(1.5)]
            .get(usize::from(byte(3) % 4))
            .copied()
            .flatten(),
        impute: [
            None,
            Some(Imputation::Mean),
            Some(Imputation::Median),
            Some(Imputation::GroupMean),
            Some(Imputation::GroupMedian),
            Some(Imputation::Previous),
            None,
        ]
        .get(usize::from(byte(4) % 7))
        .copied()
        .flatten(),
        treat: [None, Some(Treatment::COINR), Some(Treatment::None)]
            .get(usize::from(byte(5) % 3))
            .copied()
            .flatten(),
        denominate: byte(6) % 2 == 0,
    }
}

/// Checks that an SVG holds only the elements and attributes charts draw:
/// text from the input (names, codes) is escaped, so no `<script>`, no foreign
/// element, no event-handler attribute can appear, and every tag is closed.
/// One pass over the bytes, no allocation: the replay runs it in debug builds.
pub fn assert_safe_svg(svg: &str) {
    const ELEMENTS: [&[u8]; 9] = [
        b"svg",
        b"g",
        b"rect",
        b"text",
        b"title",
        b"line",
        b"circle",
        b"polyline",
        b"polygon",
    ];
    let b = svg.as_bytes();
    let mut i = 0;
    let len = b.len();
    while i < len {
        if b[i] != b'<' {
            // Text: an escaped `>` never appears raw either.
            assert!(b[i] != b'>', "raw '>' in text at {i}");
            i += 1;
            continue;
        }
        i += 1;
        if i < len && b[i] == b'/' {
            i += 1;
        }
        let start = i;
        while i < len && b[i].is_ascii_alphanumeric() {
            i += 1;
        }
        let name = &b[start..i];
        assert!(
            ELEMENTS.contains(&name),
            "unexpected element at {start}: {:?}",
            String::from_utf8_lossy(name)
        );
        // Attributes until `>` or `/>`: name="value" with no quote or angle bracket inside.
        loop {
            while i < len && b[i] == b' ' {
                i += 1;
            }
            assert!(i < len, "unclosed tag");
            match b[i] {
                b'>' => break,
                b'/' if i + 1 < len && b[i + 1] == b'>' => {
                    i += 1;
                    break;
                }
                _ => {}
            }
            let attr = i;
            while i < len && (b[i].is_ascii_alphanumeric() || b"-:_".contains(&b[i])) {
                i += 1;
            }
            assert!(i > attr, "unexpected byte {:?} in a tag at {i}", b[i] as char);
            assert!(
                !(b[attr] | 0x20 == b'o' && i > attr + 1 && b[attr + 1] | 0x20 == b'n'),
                "event-handler attribute at {attr}"
            );
            assert!(
                i + 1 < len && b[i] == b'=' && b[i + 1] == b'"',
                "attribute without a quoted value at {attr}"
            );
            i += 2;
            while i < len && b[i] != b'"' {
                assert!(b[i] != b'<' && b[i] != b'>', "angle bracket in an attribute at {i}");
                i += 1;
            }
            assert!(i < len, "unterminated attribute");
            i += 1;
        }
        i += 1;
    }
}

fn check_chart(chart: Result<Chart, Error>) {
    match chart {
        Ok(c) => assert_safe_svg(&c.svg),
        Err(e) => render(&e),
    }
}

/// Draws every chart of edition `e` of `s`.
fn check_charts(s: &Scored, e: usize) {
    let root = s.framework().root_index();
    let layout = TileLayout::vn63();
    let Some(ed) = s.editions().get(e) else { return };
    let first = s.unit(e, 0).map(|u| u.code.clone());
    for value in [MapValue::Score, MapValue::Rank, MapValue::Change] {
        check_chart(map_svg(s, e, root, value, &layout, Lang::En, first.as_deref()));
    }
    if !ed.is_empty() {
        check_chart(profile_svg(s, e, 0, Lang::Vi));
    }
    let codes: Vec<String> = (0..ed.len().min(3))
        .filter_map(|p| s.unit(e, p).map(|u| u.code.clone()))
        .collect();
    let codes: Vec<&str> = codes.iter().map(String::as_str).collect();
    check_chart(bump_svg(s, root, &codes, Lang::En));
    check_chart(distribution_svg(s, Some(s), e, root, first.as_deref(), Lang::Vi));
}

fn load_framework(bytes: &[u8]) -> Result<Framework, Error> {
    if bytes.is_empty() {
        Ok(Framework::vn_ict())
    } else {
        Framework::from_reader(bytes, "framework.csv")
    }
}

/// Data parser: never panics; `from_reader` fails exactly when `check` finds a
/// problem, with the first problem `check` lists.
pub fn data(input: &[u8]) {
    let read = Dataset::from_reader(input, "data.csv");
    let problems = Dataset::check(input, "data.csv");
    for p in &problems {
        render(p);
    }
    match read {
        Ok(d) => {
            assert!(
                problems.is_empty(),
                "read cleanly but check found {:?}",
                problems.first()
            );
            assert_eq!(d.source(), "data.csv");
            for r in 0..d.units().len() {
                assert!(d.line_of(r).is_some());
                for c in 0..d.indicators().len() {
                    assert!(d.value(r, c).is_none_or(f64::is_finite));
                }
            }
            for y in d.years() {
                assert!(!d.rows_of(y).is_empty());
            }
        }
        Err(e) => {
            render(&e);
            assert_eq!(problems.first(), Some(&e));
        }
    }
}

/// Framework parser: never panics; a framework read back from its own specs is
/// the same framework, and inner nodes come children-first.
pub fn framework(input: &[u8]) {
    match Framework::from_reader(input, "framework.csv") {
        Err(e) => render(&e),
        Ok(f) => {
            let again = Framework::new(f.specs()).map_err(|e| e.to_string());
            assert_eq!(again.as_ref(), Ok(&f));
            let order = f.inner_order();
            for (k, &i) in order.iter().enumerate() {
                for &c in &f.nodes().get(i).map(|n| n.children.clone()).unwrap_or_default() {
                    if let Some(kc) = order.iter().position(|&o| o == c) {
                        assert!(kc < k, "child after parent in the inner order");
                    }
                }
            }
            assert!(f.nodes().get(f.root_index()).is_some_and(|n| n.parent.is_none()));
            // Every leaf leads up to the root (a one-node framework's root is its leaf).
            for &l in f.leaves() {
                let top = f.ancestors(l).last().copied().unwrap_or(l);
                assert_eq!(top, f.root_index());
            }
        }
    }
}

/// Checks that `ranks` is the standard competition ranking of `scores`
/// rounded to `precision`: rank = 1 + the number of strictly higher rounded
/// scores; missing scores have no rank.
pub fn assert_competition_ranking(scores: &[f64], ranks: &[Option<u32>], precision: Option<u32>) {
    assert_eq!(scores.len(), ranks.len());
    let key: Vec<Option<f64>> = scores
        .iter()
        .map(|&s| (!s.is_nan()).then(|| ictindex::round_to(s, precision)))
        .collect();
    for (i, (k, r)) in key.iter().zip(ranks).enumerate() {
        match (k, r) {
            (None, None) => {}
            (Some(k), Some(r)) => {
                let higher = key.iter().flatten().filter(|&&o| o > *k).count();
                assert_eq!(*r as usize, higher + 1, "rank of unit {i}");
            }
            _ => panic!("unit {i}: score {k:?} but rank {r:?}"),
        }
    }
}

fn check_scored(s: &Scored) {
    let f = s.framework();
    let precision = s.options().precision;
    for (e, ed) in s.editions().iter().enumerate() {
        if ed.len() <= MAX_CHECKED {
            for node in 0..f.nodes().len() {
                let ranks: Vec<Option<u32>> = (0..ed.len()).map(|p| ed.rank(node, p)).collect();
                assert_competition_ranking(ed.scores(node), &ranks, precision);
                let ranked = ranks.iter().flatten().count();
                assert_eq!(ed.ranked(node) as usize, ranked);
            }
        }
        let recs = match records(s, ed.year()) {
            Ok(r) => r,
            Err(e) => return render(&e),
        };
        for excel in [false, true] {
            if let Err(e) = to_csv(&recs, excel) {
                render(&e);
            }
        }
        for lang in [Lang::Vi, Lang::En] {
            if let Err(e) = markdown(s, ed.year(), lang) {
                render(&e);
            }
        }
        for pos in 0..ed.len().min(MAX_CHECKED) {
            match UnitReport::new(s, e, pos) {
                Ok(r) => {
                    assert!(!r.sentence(Lang::Vi).is_empty() && !r.sentence(Lang::En).is_empty());
                    if let Some(u) = s.unit(e, pos) {
                        if let Err(err) = report(s, ed.year(), &u.code, Lang::En) {
                            render(&err);
                        }
                    }
                }
                Err(err) => render(&err),
            }
            let _ = s.change(e, f.root_index(), pos);
            let _ = s.presence(e, pos);
        }
    }
}

/// The whole path: framework and data, options, scoring, export, Markdown,
/// reports. Never panics; ranks are competition rankings.
pub fn score(input: &[u8]) {
    let (fw, rest) = split(input);
    let (fw, data, opts) = match rest {
        None => (&[][..], fw, &[][..]),
        Some(rest) => {
            let (d, o) = split(rest);
            (fw, d, o.unwrap_or(&[]))
        }
    };
    let f = match load_framework(fw) {
        Ok(f) => f,
        Err(e) => return render(&e),
    };
    let d = match Dataset::from_reader(data, "data.csv") {
        Ok(d) => d,
        Err(e) => return render(&e),
    };
    let o = options(opts, &d);
    let p = plan(opts);
    let d = if p.needed(&f) {
        match prepare(&d, &f, &p) {
            Ok(prepared) => {
                let table = prepared.table(Lang::Vi);
                let _ = table;
                for entry in prepared.log() {
                    assert!(!entry.message(Lang::En).is_empty());
                }
                if let Err(e) = prepared.to_csv(true) {
                    render(&e);
                }
                prepared.into_data()
            }
            Err(e) => return render(&e),
        }
    } else {
        d
    };
    match score_all(&d, &f, &o) {
        Ok(s) => {
            check_scored(&s);
            for e in 0..s.editions().len().min(3) {
                check_charts(&s, e);
            }
        }
        Err(e) => render(&e),
    }
}

/// A fuzz input read as framework, data, option bytes and the rest.
type Inputs<'a> = (Framework, Dataset, &'a [u8], Option<&'a [u8]>);

/// Splits `framework \0 data \0 options [\0 rest]` and reads the framework
/// (empty: the built-in one) and the data. `None`, after checking the
/// error's messages, when the input ends before the data or either fails.
fn framework_data_options(input: &[u8]) -> Option<Inputs<'_>> {
    let (fw, rest) = split(input);
    let (data, rest) = split(rest?);
    let (opts, tail) = match rest {
        Some(r) => split(r),
        None => (&[][..], None),
    };
    let f = load_framework(fw).map_err(|e| render(&e)).ok()?;
    let d = Dataset::from_reader(data, "data.csv").map_err(|e| render(&e)).ok()?;
    Some((f, d, opts, tail))
}

/// Re-basing onto the 2025 map: never panics.
pub fn rebase(input: &[u8]) {
    let Some((f, d, opts, mapping)) = framework_data_options(input) else {
        return;
    };
    let o = options(opts, &d);
    let byte = |i: usize| opts.get(i).copied().unwrap_or(0);
    let m = match mapping.filter(|m| !m.is_empty()) {
        None => Mapping::vn_2025(),
        Some(bytes) => match Mapping::from_csv(&String::from_utf8_lossy(bytes), "mapping.csv", None, 2025) {
            Ok(m) => m,
            Err(e) => return render(&e),
        },
    };
    let ro = RebaseOptions {
        level: if byte(7) % 2 == 1 {
            Level::Pillars
        } else {
            Level::Leaves
        },
        weight: None,
        from: [None, Some(Geography::Old), Some(Geography::New)]
            .get(usize::from(byte(8) % 3))
            .copied()
            .flatten(),
    };
    let r = match ictindex::rebase(&d, &f, &m, &ro, &o) {
        Ok(r) => r,
        Err(e) => return render(&e),
    };
    let _ = r.records();
    for lang in [Lang::Vi, Lang::En] {
        let _ = r.markdown(lang, 4);
    }
    match r.score(&o) {
        Ok(s) => {
            check_scored(&s);
            if let Some(u) = r.units().first() {
                let code = u.code.clone();
                match r.report(&s, None, &code) {
                    Ok(rep) => assert!(!rep.sentence(Lang::Vi).is_empty()),
                    Err(e) => render(&e),
                }
                match r.breakdown(&s, None, &code) {
                    Ok(b) => assert!(!b.text(Lang::En).is_empty()),
                    Err(e) => render(&e),
                }
            }
        }
        Err(e) => render(&e),
    }
}

/// Every score, rank, count, change and weight of `s`, as bits.
fn snapshot(s: &Scored) -> Vec<u64> {
    let f = s.framework();
    let mut out = Vec::new();
    for n in f.nodes() {
        out.push(n.spec.weight.to_bits());
    }
    for (e, ed) in s.editions().iter().enumerate() {
        out.push(u64::MAX - 1);
        for node in 0..f.nodes().len() {
            out.push(u64::from(ed.ranked(node)));
            for pos in 0..ed.len() {
                out.push(ed.scores(node).get(pos).map_or(0, |v| v.to_bits()));
                out.push(ed.raw(node, pos).map_or(1, f64::to_bits));
                out.push(ed.rank(node, pos).map_or(u64::MAX, u64::from));
                out.push(s.change(e, node, pos).map_or(u64::MAX, |c| c as u64));
            }
        }
        for pos in 0..ed.len() {
            out.push(
                ed.group_rank(pos)
                    .map_or(u64::MAX, |(r, n)| (u64::from(r) << 32) | u64::from(n)),
            );
        }
    }
    out
}

/// The edits applied so far, replayed from scratch on copies of the data and
/// the framework (`None` if a copy cannot be made: never expected).
fn rescore(w: &WhatIf, edits: &[Edit]) -> Option<Scored> {
    let data = w.data();
    let base = w.baseline();
    let e = w.edition();
    let mut values: Vec<Vec<Option<f64>>> = (0..data.indicators().len())
        .map(|c| (0..data.units().len()).map(|r| data.value(r, c)).collect())
        .collect();
    let mut f = base.framework().clone();
    for edit in edits {
        match edit {
            Edit::Value { unit, node, value } => {
                let pos = base.find_unit(e, unit).ok()?;
                let row = *base.editions().get(e)?.rows().get(pos)?;
                let col = data.indicator_index(node)?;
                *values.get_mut(col)?.get_mut(row)? = *value;
            }
            Edit::Weight { node, weight } => f = f.with_weight(node, *weight).ok()?,
        }
    }
    let d2 = Dataset::from_columns(data.units().to_vec(), data.indicators().to_vec(), values).ok()?;
    score_all(&d2, &f, base.options()).ok()
}

/// What-if sessions: never panic; a failed edit changes nothing; undo and
/// reset give back earlier states bit for bit; the incrementally updated
/// scores equal a full rescore of the edited data.
pub fn whatif(input: &[u8]) {
    let Some((f, d, opts, script)) = framework_data_options(input) else {
        return;
    };
    let o = options(opts, &d);
    let mut w = match WhatIf::new(&d, &f, &o, None) {
        Ok(w) => w,
        Err(e) => return render(&e),
    };
    let baseline = snapshot(w.baseline());
    assert_eq!(snapshot(w.scored()), baseline);
    // States before each applied edit, to check undo.
    let mut history: Vec<Vec<u64>> = Vec::new();
    let script = String::from_utf8_lossy(script.unwrap_or(&[]));
    for line in script.lines().take(32) {
        let before = snapshot(w.scored());
        match line.trim() {
            "u" => match w.undo() {
                Ok(_) => {
                    let earlier = history.pop();
                    assert_eq!(Some(snapshot(w.scored())), earlier, "undo");
                }
                Err(e) => {
                    render(&e);
                    assert!(history.is_empty());
                }
            },
            "r" => {
                w.reset();
                history.clear();
                assert_eq!(snapshot(w.scored()), baseline, "reset");
            }
            text => {
                let edit = if text.contains(':') {
                    Edit::parse_value(text)
                } else {
                    Edit::parse_weight(text)
                };
                let applied = edit.and_then(|edit| w.apply(&edit));
                match applied {
                    Ok(()) => history.push(before),
                    Err(e) => {
                        render(&e);
                        assert_eq!(snapshot(w.scored()), before, "a failed edit changed the scores");
                    }
                }
            }
        }
        assert_eq!(w.edits().len(), history.len());
    }
    let _ = w.deltas();
    if let Some(u) = w.scored().unit(w.edition(), 0) {
        let code = u.code.clone();
        if let Err(e) = w.report(&code, Lang::Vi) {
            render(&e);
        }
    }
    if let Some(full) = rescore(&w, &w.edits()) {
        assert_eq!(
            snapshot(w.scored()),
            snapshot(&full),
            "incremental what-if differs from a full rescore"
        );
    }
    w.reset();
    assert_eq!(snapshot(w.scored()), baseline, "reset");
}
