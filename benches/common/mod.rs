//! Seeded synthetic workloads for the benchmarks, shaped like the shared
//! generator's (`gen_data.py`): a latent unit quality drives every indicator,
//! ~20 % of indicators have direction −1, values are percentages (one
//! decimal), integer counts or positive ratios, ~1 % of cells are missing, and
//! one unit is an exact copy of another (a composite tie). No files needed.

#![allow(dead_code)] // each bench uses a part

use ictindex::{Dataset, Direction, Framework, Method, NodeSpec, Normalisation};

/// SplitMix64: small, seeded, good enough for benchmark data.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Standard normal (Box–Muller).
    pub fn normal(&mut self) -> f64 {
        let u = 1.0 - self.uniform();
        let v = self.uniform();
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
}

/// A framework `INDEX` → `P1..Pp` → `ind1..indm` (contiguous near-equal blocks),
/// weights multiples of 0.05 in [0.5, 2], ~20 % of indicators direction −1,
/// every indicator normalised by min–max, arithmetic means.
pub fn framework(m: usize, p: usize, seed: u64) -> Framework {
    let mut rng = Rng::new(seed ^ 0xf00d);
    let weight = |rng: &mut Rng| ((0.5 + 1.5 * rng.uniform()) * 20.0).round() / 20.0;
    let mut specs = vec![NodeSpec::new("INDEX", None)];
    for k in 0..p {
        let mut n = NodeSpec::new(&format!("P{}", k + 1), Some("INDEX"));
        n.weight = weight(&mut rng);
        specs.push(n);
    }
    for j in 0..m {
        let pillar = j * p / m + 1;
        let mut n = NodeSpec::new(&format!("ind{}", j + 1), Some(&format!("P{pillar}")));
        n.weight = weight(&mut rng);
        n.direction = if rng.uniform() < 0.2 {
            Direction::Down
        } else {
            Direction::Up
        };
        n.method = Some(Method::Normalise(Normalisation::MinMax));
        specs.push(n);
    }
    match Framework::new(specs) {
        Ok(f) => f,
        Err(e) => panic!("bench framework: {e}"),
    }
}

/// Shortest round-trip text of a value, as the generator writes it.
fn push_value(out: &mut String, v: f64) {
    use std::fmt::Write;
    let _ = write!(out, "{v:?}");
}

/// The CSV text of `n` units × `m` indicators (`unit,ind1,…,indm`).
pub fn indicators_csv(n: usize, m: usize, seed: u64) -> String {
    let mut rng = Rng::new(seed);
    let quality: Vec<f64> = (0..n).map(|_| rng.normal()).collect();
    let loading: Vec<f64> = (0..m).map(|_| 0.3 + 0.6 * rng.uniform()).collect();
    let kind: Vec<u64> = (0..m).map(|_| rng.next_u64() % 3).collect();
    let mut rows: Vec<Vec<Option<f64>>> = quality
        .iter()
        .map(|&q| {
            loading
                .iter()
                .zip(&kind)
                .map(|(&l, &k)| {
                    let z = q * l + rng.normal() * (1.0 - l * l).sqrt();
                    let x = match k {
                        0 => (1000.0 / (1.0 + (-z).exp())).round() / 10.0,
                        1 => (3.0 + z).exp().round(),
                        _ => ((z.exp() * 10.0) * 1e4).round() / 1e4,
                    };
                    (rng.uniform() >= 0.01).then_some(x)
                })
                .collect()
        })
        .collect();
    if n >= 2 {
        // One exact copy: a composite tie by construction.
        let src = rows[0].clone();
        rows[n - 1] = src;
    }
    let width = n.to_string().len();
    let mut out = String::with_capacity(n * m * 8);
    out.push_str("unit");
    for j in 0..m {
        out.push_str(&format!(",ind{}", j + 1));
    }
    out.push('\n');
    for (i, row) in rows.iter().enumerate() {
        out.push_str(&format!("U{:0width$}", i + 1));
        for v in row {
            out.push(',');
            if let Some(v) = v {
                push_value(&mut out, *v);
            }
        }
        out.push('\n');
    }
    out
}

/// `n` units × `m` indicators in `p` pillars: the framework and the dataset.
pub fn indicators(n: usize, m: usize, p: usize, seed: u64) -> (Framework, Dataset) {
    let text = indicators_csv(n, m, seed);
    match Dataset::from_str(&text) {
        Ok(d) => (framework(m, p, seed), d),
        Err(e) => panic!("bench data: {e}"),
    }
}

/// `n` provinces with the five published sub-scores (4 decimals in [0, 1]),
/// scored by the built-in framework.
pub fn subscores(n: usize, seed: u64) -> (Framework, Dataset) {
    let mut rng = Rng::new(seed);
    let mut out = String::from("code,name,HTKT,HTNL,UD,SXKD,MT\n");
    for i in 0..n {
        let q = rng.normal();
        out.push_str(&format!("{:02},Province {},", i + 1, i + 1));
        let cells: Vec<String> = (0..5)
            .map(|_| {
                let z = 0.7 * q + 0.7 * rng.normal();
                format!("{:.4}", 1.0 / (1.0 + (-z).exp()))
            })
            .collect();
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    match Dataset::from_str(&out) {
        Ok(d) => (Framework::vn_ict(), d),
        Err(e) => panic!("bench data: {e}"),
    }
}

/// Monte-Carlo over weights as the NumPy peer's `uncertainty`: every weight
/// × U(0.75, 1.25), seed 1, the top 10 counted, `samples` samples.
pub fn weight_noise(samples: usize) -> ictindex::UncertaintyConfig {
    use ictindex::{Perturbation, WeightLevel, WeightNoise};
    ictindex::UncertaintyConfig {
        samples,
        seed: 1,
        top: 10,
        perturbation: Perturbation {
            weights: WeightNoise::Uniform {
                share: 0.25,
                level: WeightLevel::All,
            },
            ..Default::default()
        },
    }
}
