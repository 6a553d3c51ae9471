//! Random streams: one root seed, one independent stream per entity.
//!
//! A stream is derived from (root seed, stable entity id) with a fixed mixing function —
//! FNV-1a over the id's bytes, then SplitMix64 — so adding a traffic source never perturbs a
//! service's draws, and the derivation never changes with the standard library (whose
//! `DefaultHasher` is explicitly unstable across releases).

use rand::RngCore;
use rand_pcg::Pcg64Mcg;

/// The generator behind every stream: PCG XSL RR 128/64 (MCG), a named portable algorithm.
pub type Stream = Pcg64Mcg;

/// 64-bit FNV-1a: stable, byte-order independent, written out so it never changes.
pub fn stable_hash(bytes: &[u8]) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    bytes
        .iter()
        .fold(OFFSET, |h, &b| (h ^ u64::from(b)).wrapping_mul(PRIME))
}

/// SplitMix64's output function applied to `state + golden gamma`; a strong 64-bit mixer.
pub fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The root of all randomness in one run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Seeds {
    pub root: u64,
}

impl Seeds {
    pub fn new(root: u64) -> Seeds {
        Seeds { root }
    }

    /// The stream of the entity named `id` (e.g. `traffic:0:sava/9050`, `service:sava:1.1`).
    /// Ids must be stable across runs: derive them from names, never from addresses or
    /// iteration order of a hash map.
    pub fn stream(&self, id: &str) -> Stream {
        let mut state = self.root ^ stable_hash(id.as_bytes());
        let high = splitmix64(&mut state);
        let low = splitmix64(&mut state);
        Pcg64Mcg::new((u128::from(high) << 64) | u128::from(low))
    }
}

/// A uniform draw in [0, 1) with 53 random bits.
#[inline]
pub fn unit_f64(rng: &mut impl RngCore) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A uniform integer in [0, n) without modulo bias (Lemire's multiply-and-reject).
/// `n == 0` returns 0.
#[inline]
pub fn below(rng: &mut impl RngCore, n: u64) -> u64 {
    if n == 0 {
        return 0;
    }
    loop {
        let m = u128::from(rng.next_u64()) * u128::from(n);
        let low = m as u64;
        // The threshold (2^64 mod n) is below n: only a low part under n needs the division.
        if low >= n || low >= n.wrapping_neg() % n {
            return (m >> 64) as u64;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_its_published_vectors() {
        // Test vectors from the FNV reference (draft-eastlake-fnv).
        assert_eq!(stable_hash(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(stable_hash(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(stable_hash(b"foobar"), 0x85944171f73967e8);
    }

    #[test]
    fn splitmix64_matches_the_reference_sequence() {
        // First outputs of SplitMix64 seeded with 1234567 (Vigna's splitmix64.c).
        let mut s = 1_234_567u64;
        let first: Vec<u64> = (0..3).map(|_| splitmix64(&mut s)).collect();
        assert_eq!(
            first,
            vec![
                6_457_827_717_110_365_317,
                3_203_168_211_198_807_973,
                9_817_491_932_198_370_423
            ]
        );
    }

    #[test]
    fn streams_are_reproducible_and_independent() {
        let seeds = Seeds::new(42);
        let a1: Vec<u64> = {
            let mut s = seeds.stream("service:sava:1.0");
            (0..4).map(|_| s.next_u64()).collect()
        };
        let a2: Vec<u64> = {
            let mut s = seeds.stream("service:sava:1.0");
            (0..4).map(|_| s.next_u64()).collect()
        };
        let b: Vec<u64> = {
            let mut s = seeds.stream("service:sava:1.1");
            (0..4).map(|_| s.next_u64()).collect()
        };
        let other_seed: Vec<u64> = {
            let mut s = Seeds::new(43).stream("service:sava:1.0");
            (0..4).map(|_| s.next_u64()).collect()
        };
        assert_eq!(a1, a2);
        assert_ne!(a1, b);
        assert_ne!(a1, other_seed);
    }

    #[test]
    fn stream_derivation_is_pinned() {
        // Pinned: changing the mixing function would silently change every seeded run.
        let mut s = Seeds::new(42).stream("traffic:0");
        let got: Vec<u64> = (0..3).map(|_| s.next_u64()).collect();
        assert_eq!(got, PINNED_TRAFFIC0_SEED42.to_vec());
    }

    // Cross-checked against an independent Python implementation of the derivation.
    const PINNED_TRAFFIC0_SEED42: [u64; 3] = [
        10_822_380_607_365_002_147,
        9_590_190_923_984_151_788,
        276_591_094_009_350_229,
    ];

    #[test]
    fn unit_draws_stay_in_range_and_below_is_uniform() {
        let mut s = Seeds::new(7).stream("t");
        let mut counts = [0u32; 6];
        for _ in 0..60_000 {
            let u = unit_f64(&mut s);
            assert!((0.0..1.0).contains(&u));
            let k = below(&mut s, 6) as usize;
            counts[k] += 1;
        }
        for c in counts {
            assert!((9_500..10_500).contains(&c), "{counts:?}");
        }
        assert_eq!(below(&mut s, 0), 0);
    }
}
