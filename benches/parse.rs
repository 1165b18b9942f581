//! Parsing a 10,000 × 100 data CSV, ~3.7 MB of text in the shared
//! generator's shape (shortest round-trip numbers, 1 % empty cells): as a
//! string (`Dataset::from_str`), and as a file's bytes (`Dataset::from_bytes`,
//! the CLI's way, which checks the text as it reads it).

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
    g.bench_function("10000x100 bytes", |b| {
        b.iter(|| Dataset::from_bytes(black_box(text.as_bytes()), "d.csv"))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
