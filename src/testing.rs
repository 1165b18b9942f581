//! Helpers shared by the unit tests.

/// A seeded 64-bit linear congruential generator: each call returns the
/// next state (Knuth's MMIX constants). Its low bits are weak; callers
/// take the high bits or mix them.
pub(crate) fn lcg(seed: u64) -> impl FnMut() -> u64 {
    let mut state = seed;
    move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        state
    }
}
