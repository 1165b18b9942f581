//! Monte-Carlo over weights (every weight × U(0.75, 1.25), as the NumPy
//! peer's `uncertainty`): 10,000 samples on 63 × 50 indicators in 5 pillars,
//! and 1,000 samples on 10,000 × 100 indicators in 10 pillars. Seeded
//! generated data (benches/common).

mod common;

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use ictindex::{score, uncertainty, Options};

fn bench(c: &mut Criterion) {
    // The peer's semantics, as in benches/score.rs.
    let o = Options {
        precision: None,
        min_share: 0.0,
        base_year: None,
    };
    let mut g = c.benchmark_group("uncertainty");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(20));
    for (name, (f, d), samples) in [
        ("63x50 10000 samples", common::indicators(63, 50, 5, 1), 10_000),
        ("10000x100 1000 samples", common::indicators(10_000, 100, 10, 1), 1_000),
    ] {
        let s = match score(&d, &f, &o) {
            Ok(s) => s,
            Err(e) => panic!("{name}: {e}"),
        };
        let cfg = common::weight_noise(samples);
        g.bench_function(name, |b| b.iter(|| uncertainty(black_box(&s), None, &cfg)));
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
