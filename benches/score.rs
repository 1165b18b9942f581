//! Score + rank (normalise every leaf, aggregate, rank every node) on seeded
//! generated workloads: the 63 provinces' five published sub-scores, 63 × 50
//! indicators in 5 pillars, and 10,000 × 100 indicators in 10 pillars
//! (commune scale).

mod common;

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use ictindex::{score, Options};

/// The peer's semantics: a composite is missing only when every pillar is,
/// ranks compare full-precision scores.
fn peer_options() -> Options {
    Options {
        precision: None,
        min_share: 0.0,
        base_year: None,
    }
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("score");
    let (f, d) = common::subscores(63, 1);
    let o = Options::default();
    g.bench_function("63x5", |b| b.iter(|| score(black_box(&d), &f, &o)));
    let o = peer_options();
    let (f, d) = common::indicators(63, 50, 5, 1);
    g.bench_function("63x50", |b| b.iter(|| score(black_box(&d), &f, &o)));
    let (f, d) = common::indicators(10_000, 100, 10, 1);
    g.bench_function("10000x100", |b| b.iter(|| score(black_box(&d), &f, &o)));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
