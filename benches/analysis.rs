//! Analysis benchmarks on seeded generated data: 63 provinces × 5 pillars
//! (the Vietnam ICT Index's shape). Target: 10,000 Monte Carlo samples in
//! at most 50 ms natively.

mod common;

use criterion::{criterion_group, criterion_main, Criterion};
use ictindex::{
    gaps, score, sensitivity, uncertainty, Dataset, Framework, Options, Perturbation, Scored, SensitivityConfig,
    UncertaintyConfig, Unit, WeightLevel, WeightNoise,
};
use rand::rngs::ChaCha8Rng;
use rand::{Rng, SeedableRng};

/// 63 units with pillar scores in [0.05, 0.95] on 4 decimals (ties happen).
fn data() -> Scored {
    let mut rng = ChaCha8Rng::seed_from_u64(2016);
    let units: Vec<Unit> = (0..63)
        .map(|i| Unit {
            code: format!("{i:02}"),
            name: format!("Tỉnh {i}"),
            year: None,
            group: None,
        })
        .collect();
    let pillars = ["HTKT", "HTNL", "UD", "SXKD", "MT"];
    let values = pillars
        .iter()
        .map(|_| {
            (0..63)
                .map(|_| Some(0.05 + ((rng.next_u64() % 9001) as f64) / 10_000.0))
                .collect()
        })
        .collect();
    let d = Dataset::from_columns(units, pillars.iter().map(|s| s.to_string()).collect(), values).unwrap();
    score(&d, &Framework::vn_ict(), &Options::default()).unwrap()
}

fn bench(c: &mut Criterion) {
    let s = data();
    let mut g = c.benchmark_group("analysis");
    g.sample_size(20);
    let config = common::weight_noise(10_000);
    g.bench_function("uncertainty_10k_63x5", |b| {
        b.iter(|| uncertainty(&s, None, &config).unwrap())
    });
    let dirichlet = UncertaintyConfig {
        perturbation: Perturbation {
            weights: WeightNoise::Dirichlet {
                concentration: 50.0,
                level: WeightLevel::All,
            },
            ..Default::default()
        },
        ..config.clone()
    };
    g.bench_function("uncertainty_10k_63x5_dirichlet", |b| {
        b.iter(|| uncertainty(&s, None, &dirichlet).unwrap())
    });
    let sa = SensitivityConfig {
        samples: 1000,
        bootstrap: 200,
        ..Default::default()
    };
    g.bench_function("sensitivity_1000x7_63x5", |b| {
        b.iter(|| sensitivity(&s, None, &sa).unwrap())
    });
    g.bench_function("gaps_63x5", |b| b.iter(|| gaps(&s, None).unwrap()));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
