//! The ziggurat method (Marsaglia and Tsang, 2000) for the standard exponential and the
//! standard normal distributions: about 99% of draws cost one 64-bit word, a table lookup, a
//! multiplication and a comparison, instead of a logarithm (and, for the normal, a square
//! root and a sine/cosine pair). The samplers are the simulator's hottest code.
//!
//! One 64-bit word feeds a draw: bits 0–7 choose the layer, bit 8 the sign (normal), bits
//! 11–63 the uniform. The fields do not overlap, so the layer and the position in it are
//! independent (Doornik, 2005, showed that reusing the same bits for both biases the output).
//!
//! The tables are computed once, on first use, with `libm` and IEEE arithmetic only, so
//! they are bit-identical on every platform; the pinned vectors in `samplers.rs` guard them.

use super::rng::unit_f64;
use rand::RngCore;
use std::sync::LazyLock;

const LAYERS: usize = 256;

/// One distribution's layers: `x[i]` is the right edge of layer `i` (`x[0]` is the base
/// layer's equivalent width, `x[1]` the tail's start, `x[LAYERS]` = 0), and `f[i]` the
/// density at `x[i]`.
struct Table {
    x: [f64; LAYERS + 1],
    f: [f64; LAYERS + 1],
}

/// Builds the layers of a decreasing density `f` (unnormalised) with tail start `r` and
/// common layer area `v`, given the inverse `f_inv`.
fn build(r: f64, v: f64, f: impl Fn(f64) -> f64, f_inv: impl Fn(f64) -> f64) -> Table {
    let mut table = Table {
        x: [0.0; LAYERS + 1],
        f: [0.0; LAYERS + 1],
    };
    table.x[0] = v / f(r);
    table.x[1] = r;
    for i in 1..LAYERS - 1 {
        table.x[i + 1] = f_inv(v / table.x[i] + f(table.x[i]));
    }
    // The recursion ends at the mode; rounding must not push the last edge past it.
    table.x[LAYERS] = 0.0;
    for i in 0..=LAYERS {
        table.f[i] = f(table.x[i]);
    }
    table
}

/// Marsaglia and Tsang's constants for 256 layers.
const EXP_R: f64 = 7.697_117_470_131_05;
const EXP_V: f64 = 0.003_949_659_822_581_557;
const NORMAL_R: f64 = 3.654_152_885_361_009;
const NORMAL_V: f64 = 0.004_928_673_233_99;

static EXPONENTIAL: LazyLock<Table> =
    LazyLock::new(|| build(EXP_R, EXP_V, |x| libm::exp(-x), |y| -libm::log(y)));

static NORMAL: LazyLock<Table> = LazyLock::new(|| {
    build(
        NORMAL_R,
        NORMAL_V,
        |x| libm::exp(-0.5 * x * x),
        |y| libm::sqrt(-2.0 * libm::log(y)),
    )
});

/// The uniform in [0, 1) carried by bits 11–63 of `bits`.
#[inline]
fn high_uniform(bits: u64) -> f64 {
    (bits >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A standard exponential draw (mean 1).
#[inline]
pub fn standard_exponential(rng: &mut impl RngCore) -> f64 {
    let table = &*EXPONENTIAL;
    let mut offset = 0.0;
    loop {
        let bits = rng.next_u64();
        let layer = (bits & 0xff) as usize;
        let x = high_uniform(bits) * table.x[layer];
        if x < table.x[layer + 1] {
            return offset + x;
        }
        if layer == 0 {
            // The tail beyond r is r plus another exponential (memorylessness).
            offset += EXP_R;
            continue;
        }
        let y = table.f[layer + 1] + (table.f[layer] - table.f[layer + 1]) * unit_f64(rng);
        if y < libm::exp(-x) {
            return offset + x;
        }
    }
}

/// A standard normal draw (mean 0, variance 1).
#[inline]
pub fn standard_normal(rng: &mut impl RngCore) -> f64 {
    let table = &*NORMAL;
    loop {
        let bits = rng.next_u64();
        let layer = (bits & 0xff) as usize;
        let sign = if bits & 0x100 == 0 { 1.0 } else { -1.0 };
        let x = high_uniform(bits) * table.x[layer];
        if x < table.x[layer + 1] {
            return sign * x;
        }
        if layer == 0 {
            return sign * normal_tail(rng);
        }
        let y = table.f[layer + 1] + (table.f[layer] - table.f[layer + 1]) * unit_f64(rng);
        if y < libm::exp(-0.5 * x * x) {
            return sign * x;
        }
    }
}

/// A draw from the normal tail beyond `NORMAL_R` (Marsaglia, 1964).
#[cold]
fn normal_tail(rng: &mut impl RngCore) -> f64 {
    loop {
        let x = -libm::log(1.0 - unit_f64(rng)) / NORMAL_R;
        let y = -libm::log(1.0 - unit_f64(rng));
        if 2.0 * y > x * x {
            return NORMAL_R + x;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layers_have_equal_areas_and_decrease_to_the_mode() {
        for (table, v, tail_area) in [
            (&*EXPONENTIAL, EXP_V, libm::exp(-EXP_R)),
            (
                &*NORMAL,
                NORMAL_V,
                // ∫_r^∞ exp(-x²/2) dx = sqrt(π/2) · erfc(r/√2)
                libm::sqrt(std::f64::consts::FRAC_PI_2)
                    * libm::erfc(NORMAL_R / std::f64::consts::SQRT_2),
            ),
        ] {
            // The base layer: rectangle under f(r) plus the tail.
            let base = table.x[1] * table.f[1] + tail_area;
            assert!((base / v - 1.0).abs() < 1e-9, "base layer area {base}");
            for i in 1..LAYERS {
                assert!(table.x[i + 1] < table.x[i], "layer {i} edges decrease");
                let area = table.x[i] * (table.f[i + 1] - table.f[i]);
                assert!((area / v - 1.0).abs() < 1e-6, "layer {i} area {area}");
            }
            assert_eq!(table.x[LAYERS], 0.0);
            assert_eq!(table.f[LAYERS], 1.0);
        }
    }

    /// Kolmogorov–Smirnov distance between the draws and the exact CDF.
    fn ks_distance(mut draws: Vec<f64>, cdf: impl Fn(f64) -> f64) -> f64 {
        draws.sort_by(f64::total_cmp);
        let n = draws.len() as f64;
        draws
            .iter()
            .enumerate()
            .map(|(i, &x)| {
                let c = cdf(x);
                (c - i as f64 / n).abs().max(((i + 1) as f64 / n - c).abs())
            })
            .fold(0.0, f64::max)
    }

    #[test]
    fn draws_follow_the_exact_distributions_including_the_tails() {
        let n = 1_000_000;
        // 1.95/√n is the KS critical value at the 0.1% level.
        let critical = 1.95 / libm::sqrt(n as f64);
        let mut rng = crate::sim::rng::Seeds::new(11).stream("ziggurat");

        let exp: Vec<f64> = (0..n).map(|_| standard_exponential(&mut rng)).collect();
        let beyond_r = exp.iter().filter(|&&x| x > EXP_R).count() as f64;
        let d = ks_distance(exp, |x| 1.0 - libm::exp(-x));
        assert!(d < critical, "exponential KS distance {d}");
        // P(X > r) = e^-r ≈ 4.5e-4: 454 expected, σ ≈ 21.
        let expected = n as f64 * libm::exp(-EXP_R);
        assert!((beyond_r - expected).abs() < 5.0 * libm::sqrt(expected));

        let normal: Vec<f64> = (0..n).map(|_| standard_normal(&mut rng)).collect();
        let beyond_r = normal.iter().filter(|&&x| x.abs() > NORMAL_R).count() as f64;
        let negative = normal.iter().filter(|&&x| x < 0.0).count() as f64;
        let d = ks_distance(normal, |x| 0.5 * libm::erfc(-x / std::f64::consts::SQRT_2));
        assert!(d < critical, "normal KS distance {d}");
        // P(|Z| > r) ≈ 2.58e-4: 258 expected, σ ≈ 16.
        let expected = n as f64 * libm::erfc(NORMAL_R / std::f64::consts::SQRT_2);
        assert!((beyond_r - expected).abs() < 5.0 * libm::sqrt(expected));
        assert!((negative / n as f64 - 0.5).abs() < 0.002);
    }
}
