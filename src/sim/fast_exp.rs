//! `exp` for the samplers' hot path (every lognormal draw is one `exp`): Tang's table-driven
//! method (ACM TOMS 15(2), 1989). `libm::exp` computes a rational approximation with a
//! division; this one is a table lookup (256 entries), a short polynomial and an exponent
//! shift, several times faster, and within 2 ulp of `libm::exp` (tested below).
//!
//! Determinism is kept: the table is built once with `libm::exp2`, and everything else is
//! IEEE addition and multiplication in a fixed order (Rust never fuses them), so a draw is
//! bit-identical on every platform.

use std::sync::LazyLock;

const BITS: u32 = 8;
const N: usize = 1 << BITS;

/// 2^(j/N) for j in 0..N.
static TWO_POW_J_OVER_N: LazyLock<[f64; N]> = LazyLock::new(|| {
    let mut table = [0.0; N];
    for (j, slot) in table.iter_mut().enumerate() {
        *slot = libm::exp2(j as f64 / N as f64);
    }
    table
});

/// N / ln 2.
const N_OVER_LN2: f64 = N as f64 / core::f64::consts::LN_2;
/// ln 2 / N in two parts: the high part has 21 trailing zero bits, so `k · HI` is exact for
/// every |k| < 2^21 (|x| ≤ 700 gives |k| < 2^18).
const LN2_OVER_N_HI: f64 = 6.931_471_803_691_238e-1 / N as f64;
const LN2_OVER_N_LO: f64 = 1.908_214_929_270_587_7e-10 / N as f64;
/// Adding and subtracting 1.5 · 2^52 rounds to the nearest integer (ties to even).
const ROUND_SHIFT: f64 = 6_755_399_441_055_744.0;

/// e^x. Arguments beyond ±700 (where the result nears the limits of f64) go to `libm::exp`.
#[inline]
pub fn exp(x: f64) -> f64 {
    if !(-700.0..=700.0).contains(&x) {
        return libm::exp(x);
    }
    let k_float = (x * N_OVER_LN2 + ROUND_SHIFT) - ROUND_SHIFT;
    let k = k_float as i64;
    let r = (x - k_float * LN2_OVER_N_HI) - k_float * LN2_OVER_N_LO;
    // |r| ≤ ln 2 / 512 ≈ 0.00135: the degree-4 Taylor polynomial's error (r^5/120) is below
    // 2^-58 relative. Estrin's scheme halves the chain of dependent operations that Horner's
    // has: this `exp` sits on the simulator's critical path.
    // It gives e^r − 1, added to the table value last so that its rounding error is scaled
    // down by |r|.
    let r2 = r * r;
    let expm1_r = r + r2 * ((0.5 + r * (1.0 / 6.0)) + r2 * (1.0 / 24.0));
    let j = (k & (N as i64 - 1)) as usize;
    let m = k >> BITS; // floor division: j ≥ 0
    let scale = f64::from_bits(((m + 1023) as u64) << 52);
    let t = TWO_POW_J_OVER_N[j];
    (t + t * expm1_r) * scale
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ulps(a: f64, b: f64) -> u64 {
        (a.to_bits() as i64 - b.to_bits() as i64).unsigned_abs()
    }

    #[test]
    fn agrees_with_libm_within_two_ulp() {
        let mut worst = 0;
        let mut x = -700.0;
        // A dense sweep, plus the points that are hard for table methods: multiples of
        // ln 2 / N and their neighbours.
        while x <= 700.0 {
            worst = worst.max(ulps(exp(x), libm::exp(x)));
            x += 0.000_731;
        }
        for k in -1000..=1000 {
            let at = f64::from(k) * core::f64::consts::LN_2 / N as f64;
            for y in [at, f64::from_bits(at.to_bits() + 1), at * (1.0 + 1e-12)] {
                worst = worst.max(ulps(exp(y), libm::exp(y)));
            }
        }
        assert!(worst <= 2, "worst difference {worst} ulp");
    }

    #[test]
    fn the_high_part_of_ln2_is_fdlibms() {
        assert_eq!((LN2_OVER_N_HI * N as f64).to_bits(), 0x3fe6_2e42_fee0_0000);
        assert!((LN2_OVER_N_HI * N as f64).to_bits().trailing_zeros() >= 21);
    }

    #[test]
    fn edges_and_special_values() {
        assert_eq!(exp(0.0), 1.0);
        assert_eq!(exp(f64::NEG_INFINITY), 0.0);
        assert_eq!(exp(f64::INFINITY), f64::INFINITY);
        assert!(exp(f64::NAN).is_nan());
        assert_eq!(exp(710.0), libm::exp(710.0));
        assert!(exp(700.0).is_finite() && exp(-700.0) > 0.0);
    }
}
