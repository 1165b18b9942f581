//! Parsing a 10,000 × 100 data CSV (`Dataset::from_str`), ~3.7 MB of text in
//! the shared generator's shape (shortest round-trip numbers, 1 % empty cells).

mod common;

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ictindex::Dataset;

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("parse");
    let text = common::indicators_csv(10_000, 100, 1);
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.sample_size(20);
    g.bench_function("10000x100", |b| b.iter(|| Dataset::from_str(black_box(&text))));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
