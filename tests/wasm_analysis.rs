//! Same seed, same result, natively and in WebAssembly: the analyses on the
//! sample data must print exactly what the native build printed when the
//! digests below were recorded. The test runs both natively (`cargo test`)
//! and on Node (`cargo test --target wasm32-unknown-unknown --test wasm_analysis`),
//! so a difference between the two targets fails one of them. (The digests
//! are a recording, not a correctness check: correctness is tested in the
//! library against the core and closed forms.)

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use ictindex::{
    score, sensitivity, uncertainty, Dataset, Framework, Normalisation, Options, Perturbation, Scored,
    SensitivityConfig, UncertaintyConfig, ValueNoise, WeightLevel, WeightNoise,
};

fn sample() -> Scored {
    let d = Dataset::from_str(include_str!("../data/sample-vn-ict.csv")).unwrap();
    score(&d, &Framework::vn_ict(), &Options::default()).unwrap()
}

/// FNV-1a, 64 bits, of the result's `Debug` text (Rust formats floats the
/// same way on every target: shortest round-trip digits).
fn digest<T: std::fmt::Debug>(value: &T) -> u64 {
    format!("{value:?}").bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[test]
fn uniform_weights_normalisations_and_value_errors() {
    let config = UncertaintyConfig {
        samples: 2000,
        seed: 2026,
        top: 20,
        perturbation: Perturbation {
            weights: WeightNoise::Uniform {
                share: 0.3,
                level: WeightLevel::All,
            },
            normalisations: vec![Normalisation::None, Normalisation::MinMax, Normalisation::Rank],
            aggregations: vec![],
            values: Some(ValueNoise {
                relative: 0.02,
                ..Default::default()
            }),
        },
    };
    let r = uncertainty(&sample(), None, &config).unwrap();
    assert_eq!(digest(&r), UNIFORM, "{r:?}");
}

#[test]
fn dirichlet_weights() {
    let config = UncertaintyConfig {
        samples: 2000,
        seed: 7,
        top: 10,
        perturbation: Perturbation {
            weights: WeightNoise::Dirichlet {
                concentration: 40.0,
                level: WeightLevel::All,
            },
            ..Default::default()
        },
    };
    let r = uncertainty(&sample(), None, &config).unwrap();
    assert_eq!(digest(&r), DIRICHLET, "{r:?}");
}

#[test]
fn saltelli_indices() {
    let config = SensitivityConfig {
        samples: 200,
        seed: 3,
        bootstrap: 50,
        ..Default::default()
    };
    let r = sensitivity(&sample(), None, &config).unwrap();
    assert_eq!(digest(&r), SALTELLI, "{r:?}");
}

// Recorded natively (x86_64 Linux) with the tests above.
const UNIFORM: u64 = 5_910_541_952_071_411_292;
const DIRICHLET: u64 = 9_308_487_321_915_153_939;
const SALTELLI: u64 = 13_337_233_930_863_224_493;
