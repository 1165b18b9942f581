//! Many quotients by one divisor, with the bits of `/`.
//!
//! A weighted mean divides every unit's sum by the same Σw when no child is
//! missing, so a Monte-Carlo sample divides thousands of sums by one number.
//! A hardware division is several times slower than a multiplication; a
//! multiplication by the reciprocal alone gives other bits in about a
//! quarter of the cases. [`quotients`] multiplies by the reciprocal, refines
//! the quotient once with a fused multiply-add (Markstein's correction),
//! and keeps it only where an exact remainder test proves it is the
//! correctly rounded quotient, so every result is the same bits as `a / b`;
//! a chunk where the test fails for some unit is divided instead. It fails
//! for zeros, infinities and NaN, and for none of 100,000 weighted sums of
//! scores in the tests.
//!
//! The test: with `h` half the smaller gap between `q` and its neighbours,
//! `|a/b − q| < h` makes `q` the nearest float to `a/b`. The remainder
//! `r = fma(−q, b, a)` is `a − b·q` rounded; rounding is monotone and `b·h`
//! is a float (a power of two times `b`, in range), so `|r| < b·h` implies
//! `|a − b·q| < b·h`, whether or not the remainder was exact.

/// Units per chunk: the units redivided when one of them fails the test.
const CHUNK: usize = 32;
/// The exponent field of an `f64`.
const EXPONENT: u64 = 0x7ff0_0000_0000_0000;
/// 53 in the exponent field: from a float's leading bit to half its gap
/// (the gap of a float in [2^e, 2^(e+1)) is 2^(e−52)).
const HALF_GAP: u64 = 53 << 52;
/// Divisors outside [`DIVISOR_MIN`, `DIVISOR_MAX`] = [2^-200, 2^200] are
/// divided as they are.
const DIVISOR_MIN: f64 = f64::from_bits((1023 - 200) << 52);
/// See [`DIVISOR_MIN`].
const DIVISOR_MAX: f64 = f64::from_bits((1023 + 200) << 52);
/// Quotients outside [`QUOTIENT_MIN`, `QUOTIENT_MAX`] = [2^-600, 2^600]
/// are divided as they are, so that `h` and `b·h` are normal floats.
const QUOTIENT_MIN: f64 = f64::from_bits((1023 - 600) << 52);
/// See [`QUOTIENT_MIN`].
const QUOTIENT_MAX: f64 = f64::from_bits((1023 + 600) << 52);

/// `out[i] = num[i] / den` for every `i` (up to the shorter length), by
/// plain division.
#[inline(always)]
pub(crate) fn divided(out: &mut [f64], num: &[f64], den: f64) {
    for (o, &a) in out.iter_mut().zip(num) {
        *o = a / den;
    }
}

/// [`divided`], the same bits, by multiplication and fused multiply-adds.
///
/// Only for builds where `f64::mul_add` is a machine instruction (inlined
/// into a function compiled with the `fma` target feature); elsewhere it
/// would be a slow library call.
#[inline(always)]
pub(crate) fn quotients(out: &mut [f64], num: &[f64], den: f64) {
    if !(DIVISOR_MIN..=DIVISOR_MAX).contains(&den) {
        divided(out, num, den);
        return;
    }
    let z = 1.0 / den;
    for (out, num) in out.chunks_mut(CHUNK).zip(num.chunks(CHUNK)) {
        let mut exact = true;
        for (o, &a) in out.iter_mut().zip(num) {
            let (q, ok) = refined(a, den, z);
            *o = q;
            exact &= ok;
        }
        if !exact {
            divided(out, num, den);
        }
    }
}

/// `a / b` from `z = 1/b` (rounded): the refined quotient and whether the
/// test proves it is `a / b`'s bits.
#[inline(always)]
fn refined(a: f64, b: f64, z: f64) -> (f64, bool) {
    let q0 = a * z;
    let r0 = (-q0).mul_add(b, a);
    let q = r0.mul_add(z, q0);
    let r = (-q).mul_add(b, a);
    let m = q.abs();
    // The exponent of the float just below |q|, less 53: half the gap
    // below |q|, which is the smaller gap when |q| is a power of two.
    let h = f64::from_bits((m.to_bits().wrapping_sub(1) & EXPONENT).wrapping_sub(HALF_GAP));
    let ok = (QUOTIENT_MIN..=QUOTIENT_MAX).contains(&m) & (r.abs() < b * h);
    (q, ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The powers of two the bounds are written for.
    #[test]
    fn bounds_are_the_powers_of_two() {
        assert_eq!(DIVISOR_MIN, 2f64.powi(-200));
        assert_eq!(DIVISOR_MAX, 2f64.powi(200));
        assert_eq!(QUOTIENT_MIN, 2f64.powi(-600));
        assert_eq!(QUOTIENT_MAX, 2f64.powi(600));
    }

    /// A seeded stream of 64-bit numbers (an LCG's state, its high bits
    /// folded into the low ones).
    fn lcg(seed: u64) -> impl FnMut() -> u64 {
        let mut next = crate::testing::lcg(seed);
        move || {
            let s = next();
            s ^ (s >> 29)
        }
    }

    /// A float in [1, 2) with random significand bits, times 2^e.
    fn float(next: &mut impl FnMut() -> u64, e: i32) -> f64 {
        f64::from_bits(0x3ff0_0000_0000_0000 | (next() >> 12)) * 2f64.powi(e)
    }

    /// Pairs `(dividends, divisor)` whose quotients lie within 2^-38 units
    /// in the last place of a midpoint between two floats: the hardest to
    /// round. With `B` odd below 2^20 and `M` an odd 54-bit significand
    /// (a midpoint's), `M ≡ t·B⁻¹ (mod 2^21)` makes `B·M = A·2^21 ± t`
    /// for a whole `A` below 2^53, so `A / B` misses `M / 2^21` by
    /// `t / (B·2^21)` halves of a unit in the last place.
    fn near_midpoints(next: &mut impl FnMut() -> u64, groups: usize, count: usize) -> Vec<(Vec<f64>, f64)> {
        const S: u32 = 21;
        let mask = (1u64 << S) - 1;
        (0..groups)
            .map(|g| {
                let big = (next() >> 45) | 1 << 19 | 1;
                // B⁻¹ mod 2^64 by Newton's iteration (each step doubles the bits).
                let mut inv = big;
                for _ in 0..6 {
                    inv = inv.wrapping_mul(2u64.wrapping_sub(big.wrapping_mul(inv)));
                }
                let scale = 2f64.powi((g % 7) as i32 - 3);
                let a = (0..count)
                    .map(|i| {
                        let t = [1u64, 3, mask, mask - 2][i % 4];
                        let low = t.wrapping_mul(inv) & mask;
                        let m = (next() >> 11 | 1 << 53) & !mask | low;
                        let p = u128::from(big) * u128::from(m);
                        let rest = (p & u128::from(mask)) as u64;
                        let whole = if rest < 1 << (S - 1) { p >> S } else { (p >> S) + 1 };
                        whole as f64 * scale
                    })
                    .collect();
                (a, big as f64)
            })
            .collect()
    }

    /// Divisors of every kind of significand: random, all ones, powers of
    /// two, small integers, and sums of weights.
    fn divisors(next: &mut impl FnMut() -> u64) -> Vec<f64> {
        let mut d = vec![
            1.0,
            2.0,
            3.0,
            7.0,
            10.0,
            0.1,
            0.3,
            1.0 - f64::EPSILON / 2.0,
            2.0 - f64::EPSILON,
        ];
        d.extend((0..40).map(|i| float(next, (i % 21) - 10)));
        d.extend((0..10).map(|_| (0..10).map(|_| float(next, 0) * 0.25).sum::<f64>()));
        d
    }

    /// The dividends to test against one divisor.
    fn dividends(next: &mut impl FnMut() -> u64, b: f64) -> Vec<f64> {
        let mut a: Vec<f64> = (0..2000)
            .map(|i| float(next, (i % 31) - 15) * if i % 5 == 0 { -1.0 } else { 1.0 })
            .collect();
        a.extend((0..200).map(|i| (i % 101) as f64));
        // Whole and half quotients.
        a.extend([b, 3.0 * b, -b, b / 2.0, 100.0 * b]);
        a.extend([
            0.0,
            -0.0,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MIN_POSITIVE,
            f64::MIN_POSITIVE / 3.0,
            f64::MAX,
            -f64::MAX,
            1e-300,
            1e300,
        ]);
        a
    }

    fn same_bits(x: f64, y: f64) -> bool {
        x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan())
    }

    /// `quotients` (under the fma target feature, as the kernel builds it).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "fma")]
    unsafe fn quotients_fma(out: &mut [f64], num: &[f64], den: f64) {
        quotients(out, num, den)
    }

    /// Every case: random and special dividends over divisors of every
    /// kind, and the quotients nearest to midpoints.
    fn cases(next: &mut impl FnMut() -> u64) -> Vec<(Vec<f64>, f64)> {
        let mut divs = divisors(next);
        divs.extend([1e-70, 1e70, f64::MIN_POSITIVE, 0.0, -0.0, -3.0, f64::INFINITY, f64::NAN]);
        let mut cases: Vec<_> = divs.into_iter().map(|b| (dividends(next, b), b)).collect();
        cases.extend(near_midpoints(next, 200, 256));
        cases
    }

    #[test]
    fn quotients_are_the_bits_of_division() {
        let mut next = lcg(7);
        let mut checked = 0;
        for (a, b) in cases(&mut next) {
            let want: Vec<f64> = a.iter().map(|&x| x / b).collect();
            let mut got = vec![0.0; a.len()];
            quotients(&mut got, &a, b);
            #[cfg(target_arch = "x86_64")]
            let mut fused = vec![0.0; a.len()];
            #[cfg(target_arch = "x86_64")]
            if std::is_x86_feature_detected!("fma") {
                // SAFETY: the CPU reports FMA.
                unsafe { quotients_fma(&mut fused, &a, b) };
            } else {
                fused.clone_from(&got);
            }
            for (i, &w) in want.iter().enumerate() {
                assert!(same_bits(got[i], w), "{} / {b}: {} against {w}", a[i], got[i]);
                #[cfg(target_arch = "x86_64")]
                assert!(same_bits(fused[i], w), "{} / {b}: {} against {w} (fma)", a[i], fused[i]);
                checked += 1;
            }
        }
        assert!(checked > 150_000, "{checked}");
    }

    /// The test proves the refined quotient on nearly every ordinary
    /// dividend and never proves a wrong one; a product by the reciprocal
    /// alone is wrong on many of the cases, so the cases test the
    /// refinement.
    #[test]
    fn refinement_is_needed_and_usually_proved() {
        let mut next = lcg(11);
        let (mut naive_wrong, mut hard, mut proved, mut ordinary) = (0, 0, 0, 0);
        for (g, (a, b)) in cases(&mut next).into_iter().enumerate() {
            if !(DIVISOR_MIN..=DIVISOR_MAX).contains(&b) {
                continue;
            }
            let z = 1.0 / b;
            for &a in &a {
                let (q, ok) = refined(a, b, z);
                if ok {
                    assert!(same_bits(q, a / b), "{a} / {b}: proved {q}, is {}", a / b);
                }
                let fine = a != 0.0 && (QUOTIENT_MIN..=QUOTIENT_MAX).contains(&(a / b).abs());
                if b.fract() == 0.0 && b > 1e5 {
                    // A group of the quotients nearest to midpoints.
                    naive_wrong += usize::from(!same_bits(a * z, a / b));
                    hard += 1;
                } else if fine && g % 2 == 0 {
                    proved += usize::from(ok);
                    ordinary += 1;
                }
            }
        }
        assert!(naive_wrong * 10 > hard, "{naive_wrong} of {hard}");
        assert!(proved * 100 > ordinary * 99, "{proved} of {ordinary}");
    }

    /// Weighted sums of scores in [0, 1], as the kernel divides them: the
    /// test proves nearly every quotient, so chunks are rarely divided.
    #[test]
    fn sums_of_scores_are_proved() {
        let mut next = lcg(13);
        let mut unit = move || (next() >> 11) as f64 / (1u64 << 53) as f64;
        let (mut unproved, total) = (0, 100_000);
        for _ in 0..total {
            let w: Vec<f64> = (0..10).map(|_| 0.75 + 0.5 * unit()).collect();
            let b: f64 = w.iter().sum();
            let a: f64 = w.iter().map(|&w| w * unit()).sum();
            let (q, ok) = refined(a, b, 1.0 / b);
            assert!(!ok || same_bits(q, a / b));
            unproved += usize::from(!ok);
        }
        assert!(unproved * 10_000 < total, "{unproved} of {total}");
    }

    #[test]
    fn zeros_and_specials_fall_back() {
        for a in [0.0, -0.0, f64::NAN, f64::INFINITY, 1e-300, 1e300] {
            let (_, ok) = refined(a, 3.0, 1.0 / 3.0);
            assert!(!ok, "{a}");
        }
        let (q, ok) = refined(1.0, 3.0, 1.0 / 3.0);
        assert!(ok);
        assert_eq!(q, 1.0 / 3.0);
    }
}
