//! Score + rank (normalise every leaf, aggregate every inner node, rank the
//! index, or every node) on seeded generated workloads: the 63 provinces'
//! five published sub-scores, 63 × 50 indicators in 5 pillars, and 10,000 ×
//! 100 indicators in 10 pillars (commune scale).

mod common;

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use ictindex::{rank, score, Dataset, Framework, Options};

/// The peer's semantics: a composite is missing only when every pillar is,
/// ranks compare full-precision scores.
fn peer_options() -> Options {
    Options {
        precision: None,
        min_share: 0.0,
        base_year: None,
    }
}

/// Scores, then ranks the nodes down to `depth` (ranks are otherwise
/// computed when first read).
fn score_and_rank(d: &Dataset, f: &Framework, o: &Options, depth: Option<usize>) -> Option<u32> {
    let s = score(d, f, o).ok()?;
    s.rank_to_depth(depth);
    s.editions().first()?.rank(f.root_index(), 0)
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("score");
    // The published sub-scores: every node (index and five pillars) ranked.
    let (f, d) = common::subscores(63, 1);
    let o = Options::default();
    g.bench_function("63x5 all ranks", |b| {
        b.iter(|| score_and_rank(black_box(&d), &f, &o, None))
    });
    // Indicators: the index ranked (what the NumPy peer computes), and also
    // every indicator and pillar ranked.
    let o = peer_options();
    for (name, (f, d)) in [
        ("63x50", common::indicators(63, 50, 5, 1)),
        ("10000x100", common::indicators(10_000, 100, 10, 1)),
    ] {
        g.bench_function(format!("{name} index rank"), |b| {
            b.iter(|| score_and_rank(black_box(&d), &f, &o, Some(0)))
        });
        g.bench_function(format!("{name} all ranks"), |b| {
            b.iter(|| score_and_rank(black_box(&d), &f, &o, None))
        });
    }
    g.finish();
    // One ranking of 10,000 units: a pillar's scores, at full precision and
    // at the published 4 decimals.
    let (f, d) = common::indicators(10_000, 100, 10, 1);
    if let Ok(s) = score(&d, &f, &peer_options()) {
        if let (Some(e), Some(pillar)) = (s.editions().first(), f.nodes().iter().position(|n| n.depth == 1)) {
            let column = e.scores(pillar).to_vec();
            let mut out = vec![None; column.len()];
            let mut g = c.benchmark_group("rank");
            for precision in [None, Some(4)] {
                g.bench_function(format!("10000 pillar scores, precision {precision:?}"), |b| {
                    b.iter(|| rank(black_box(&column), precision, &mut out))
                });
            }
            g.finish();
        }
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
