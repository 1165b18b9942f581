//! Seeded, portable random numbers addressed by (seed, purpose, stream).
//!
//! Every draw comes from a ChaCha8 keystream (`rand::rngs::ChaCha8Rng`, the
//! RustCrypto `chacha20` crate): the key is expanded from `(seed, purpose)`
//! with SplitMix64 and the 64-bit stream number is, e.g., the sample index.
//! A sample's randomness therefore depends only on (seed, sample index): runs
//! in one go, in chunks or split across threads draw the same numbers, on
//! every target (the keystream is specified bit for bit; uniform floats are
//! built from the top 53 bits of a `u64`, with no platform maths).

use rand::rngs::ChaCha8Rng;
use rand::{Rng, SeedableRng};

/// Monte Carlo samples of [`crate::uncertainty()`].
pub(crate) const UNCERTAINTY: u64 = 0x5541;
/// Rows of Saltelli's matrix A.
pub(crate) const SALTELLI_A: u64 = 0x5341;
/// Rows of Saltelli's matrix B.
pub(crate) const SALTELLI_B: u64 = 0x5342;
/// Bootstrap resamples.
pub(crate) const BOOTSTRAP: u64 = 0x4253;

/// SplitMix64 step (Steele, Lea & Flood 2014): a bijective mixer.
fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The ChaCha key of `(seed, purpose)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Key([u8; 32]);

impl Key {
    pub(crate) fn new(seed: u64, purpose: u64) -> Self {
        let mut state = seed ^ purpose.rotate_left(32);
        let mut key = [0u8; 32];
        for chunk in key.chunks_exact_mut(8) {
            chunk.copy_from_slice(&splitmix(&mut state).to_le_bytes());
        }
        Key(key)
    }

    /// The generator of stream `stream` under this key, at its start.
    pub(crate) fn stream(&self, stream: u64) -> ChaCha8Rng {
        let mut rng = ChaCha8Rng::from_seed(self.0);
        rng.set_stream(stream);
        rng
    }

    /// The generator of (stream, part): part `p` starts 2^40 words into the stream.
    pub(crate) fn part(&self, stream: u64, part: u64) -> ChaCha8Rng {
        let mut rng = self.stream(stream);
        rng.set_word_pos(u128::from(part) << 40);
        rng
    }
}

/// A uniform draw in [0, 1): the top 53 bits of a `u64` times 2^−53.
pub(crate) fn uniform<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    const SCALE: f64 = 1.0 / (1u64 << 53) as f64;
    (rng.next_u64() >> 11) as f64 * SCALE
}

/// A uniform integer in `0..m` (`m` ≥ 1), by Lemire's multiply-shift.
pub(crate) fn below<R: Rng + ?Sized>(rng: &mut R, m: usize) -> usize {
    ((u128::from(rng.next_u64()) * m as u128) >> 64) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_addressable_and_distinct() {
        let k = Key::new(7, UNCERTAINTY);
        let a: Vec<u64> = (0..4).map(|_| k.stream(3).next_u64()).collect();
        assert!(a.windows(2).all(|w| w[0] == w[1]), "same stream, same start");
        assert_ne!(k.stream(3).next_u64(), k.stream(4).next_u64());
        assert_ne!(k.stream(3).next_u64(), Key::new(8, UNCERTAINTY).stream(3).next_u64());
        assert_ne!(k.stream(3).next_u64(), Key::new(7, SALTELLI_A).stream(3).next_u64());
        assert_ne!(k.part(3, 1).next_u64(), k.part(3, 2).next_u64());
    }

    #[test]
    fn uniform_and_below_ranges() {
        let mut r = Key::new(1, 2).stream(0);
        let mut counts = [0u32; 3];
        for _ in 0..3000 {
            let u = uniform(&mut r);
            assert!((0.0..1.0).contains(&u));
            counts[below(&mut r, 3)] += 1;
        }
        // Each of 3 outcomes expected 1000 times; 6 sd ≈ 155.
        assert!(counts.iter().all(|&c| (845..=1155).contains(&c)), "{counts:?}");
    }
}
