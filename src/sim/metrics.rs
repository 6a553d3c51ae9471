//! Metrics: per-second buckets in ring buffers (for windowed queries) and a fixed-size
//! log-bucketed latency sketch (for whole-run quantiles). Both have a size fixed at build
//! time, so memory does not grow with simulated time.

use super::engine::{Nanos, NANOS_PER_SEC};

/// One second of completed requests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Bucket {
    /// Which second (since the start) this slot currently holds.
    pub second: u64,
    pub requests: u64,
    pub errors: u64,
    pub latency_sum_ns: u64,
}

/// Totals over a window.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WindowTotals {
    pub requests: u64,
    pub errors: u64,
    pub latency_sum_ns: u64,
}

impl WindowTotals {
    pub fn plus(self, other: WindowTotals) -> WindowTotals {
        WindowTotals {
            requests: self.requests + other.requests,
            errors: self.errors + other.errors,
            latency_sum_ns: self.latency_sum_ns.saturating_add(other.latency_sum_ns),
        }
    }

    /// Mean latency in milliseconds (0 without requests).
    pub fn mean_ms(&self) -> f64 {
        if self.requests == 0 {
            0.0
        } else {
            self.latency_sum_ns as f64 / self.requests as f64 / 1e6
        }
    }
}

/// A ring of per-second buckets covering the longest window anyone reads.
///
/// `window(now, w)` counts completions in the seconds `floor(now) - w ..= floor(now)`: for a
/// reader ticking on whole seconds that is exactly the interval `[now - w, now]`.
#[derive(Clone, Debug)]
pub struct SecondRing {
    slots: Vec<Bucket>,
    /// The slot of the second last written: most records land in the same second, so the
    /// modulo is computed once per second, not once per request.
    current: (u64, usize),
}

impl SecondRing {
    /// A ring able to answer windows of up to `max_window_s` seconds.
    pub fn new(max_window_s: u64) -> SecondRing {
        let len = max_window_s.saturating_add(2).min(1 << 20) as usize;
        SecondRing {
            slots: vec![
                Bucket {
                    second: u64::MAX,
                    ..Bucket::default()
                };
                len
            ],
            current: (u64::MAX, 0),
        }
    }

    pub fn max_window_s(&self) -> u64 {
        self.slots.len() as u64 - 2
    }

    #[inline]
    fn slot_mut(&mut self, second: u64) -> &mut Bucket {
        if self.current.0 != second {
            self.current = (second, (second % self.slots.len() as u64) as usize);
        }
        let slot = &mut self.slots[self.current.1];
        if slot.second != second {
            *slot = Bucket {
                second,
                ..Bucket::default()
            };
        }
        slot
    }

    #[inline]
    pub fn record(&mut self, now: Nanos, error: bool, latency: Nanos) {
        let slot = self.slot_mut(now / NANOS_PER_SEC);
        slot.requests += 1;
        slot.errors += u64::from(error);
        slot.latency_sum_ns = slot.latency_sum_ns.saturating_add(latency);
    }

    /// Totals of the seconds `floor(now) - w ..= floor(now)`; `w` is capped at the ring size.
    pub fn window(&self, now: Nanos, w: u64) -> WindowTotals {
        let current = now / NANOS_PER_SEC;
        let first = current.saturating_sub(w.min(self.max_window_s()));
        let mut totals = WindowTotals::default();
        for slot in &self.slots {
            if slot.second != u64::MAX && slot.second >= first && slot.second <= current {
                totals.requests += slot.requests;
                totals.errors += slot.errors;
                totals.latency_sum_ns = totals.latency_sum_ns.saturating_add(slot.latency_sum_ns);
            }
        }
        totals
    }
}

/// Sub-buckets per power of two: 64 gives bucket widths of at most 1/64 of the value, so the
/// reported bucket midpoint is within 0.8% of any value in the bucket.
const SUB_BITS: u32 = 6;
const SUB: u64 = 1 << SUB_BITS;
/// Values below `SUB` ns are exact; above, (64 - SUB_BITS) octaves of SUB buckets.
const SKETCH_BUCKETS: usize = ((64 - SUB_BITS as usize) + 1) * SUB as usize;

/// A log-bucketed latency histogram (HdrHistogram-like, 6 significant bits): fixed size
/// (~30 KiB), quantile error at most 0.8% relative (the midpoint of a bucket whose width is
/// at most 1/64 of its lower bound), exact count, sum, min and max.
#[derive(Clone, Debug)]
pub struct LatencySketch {
    counts: Vec<u64>,
    count: u64,
    sum_ns: u128,
    min_ns: u64,
    max_ns: u64,
}

impl Default for LatencySketch {
    fn default() -> Self {
        LatencySketch::new()
    }
}

#[inline]
fn bucket_of(value: u64) -> usize {
    if value < SUB {
        return value as usize;
    }
    let octave = 63 - value.leading_zeros(); // ≥ SUB_BITS
    let shift = octave - SUB_BITS;
    let sub = (value >> shift) & (SUB - 1);
    ((octave - SUB_BITS + 1) as usize) * SUB as usize + sub as usize
}

/// The inclusive lower bound and width of a bucket.
fn bucket_range(index: usize) -> (u64, u64) {
    let sub = SUB as usize;
    if index < sub {
        return (index as u64, 1);
    }
    let octave = (index / sub) as u32 - 1 + SUB_BITS;
    let shift = octave - SUB_BITS;
    let low = (SUB | (index % sub) as u64) << shift;
    (low, 1u64 << shift)
}

impl LatencySketch {
    pub fn new() -> LatencySketch {
        LatencySketch {
            counts: vec![0; SKETCH_BUCKETS],
            count: 0,
            sum_ns: 0,
            min_ns: u64::MAX,
            max_ns: 0,
        }
    }

    #[inline]
    pub fn record(&mut self, value_ns: u64) {
        let Some(slot) = self.counts.get_mut(bucket_of(value_ns)) else {
            return;
        };
        *slot += 1;
        self.count += 1;
        self.sum_ns += u128::from(value_ns);
        self.min_ns = self.min_ns.min(value_ns);
        self.max_ns = self.max_ns.max(value_ns);
    }

    /// The largest value recorded (0 when none).
    pub fn max_ns(&self) -> u64 {
        self.max_ns
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    pub fn mean_ns(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            self.sum_ns as f64 / self.count as f64
        }
    }

    /// The `q` quantile (0..=1), as the value of rank `ceil(q·n)` approximated by its bucket
    /// midpoint, clamped to the observed min and max. 0 when empty.
    pub fn quantile_ns(&self, q: f64) -> f64 {
        if self.count == 0 {
            return 0.0;
        }
        let rank = libm::ceil(q.clamp(0.0, 1.0) * self.count as f64).max(1.0) as u64;
        let mut seen = 0u64;
        for (index, &c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                let (low, width) = bucket_range(index);
                let mid = low as f64 + (width as f64 - 1.0) / 2.0;
                return mid.clamp(self.min_ns as f64, self.max_ns as f64);
            }
        }
        self.max_ns as f64
    }

    /// The `q` quantile of the values recorded since `earlier` (a copy of this sketch taken
    /// before), as [`quantile_ns`](Self::quantile_ns) computes it; `None` when nothing was.
    pub fn quantile_since_ns(&self, earlier: &LatencySketch, q: f64) -> Option<f64> {
        let count = self.count.checked_sub(earlier.count).filter(|&n| n > 0)?;
        let rank = libm::ceil(q.clamp(0.0, 1.0) * count as f64).max(1.0) as u64;
        let mut seen = 0u64;
        for (index, (&now, &before)) in self.counts.iter().zip(&earlier.counts).enumerate() {
            seen += now.saturating_sub(before);
            if seen >= rank {
                let (low, width) = bucket_range(index);
                let mid = low as f64 + (width as f64 - 1.0) / 2.0;
                return Some(mid.clamp(self.min_ns as f64, self.max_ns as f64));
            }
        }
        Some(self.max_ns as f64)
    }

    pub fn merge(&mut self, other: &LatencySketch) {
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
        self.count += other.count;
        self.sum_ns += other.sum_ns;
        self.min_ns = self.min_ns.min(other.min_ns);
        self.max_ns = self.max_ns.max(other.max_ns);
    }
}

/// What a route (or a gateway's unrouted requests) records: counts, and per-second buckets
/// for the windows programs read.
#[derive(Clone, Debug)]
pub struct Counters {
    pub requests: u64,
    pub errors: u64,
    pub ring: SecondRing,
}

impl Counters {
    pub fn new(max_window_s: u64) -> Counters {
        Counters {
            requests: 0,
            errors: 0,
            ring: SecondRing::new(max_window_s),
        }
    }

    #[inline]
    pub fn record(&mut self, now: Nanos, error: bool, latency: Nanos) {
        self.requests += 1;
        self.errors += u64::from(error);
        self.ring.record(now, error, latency);
    }
}

/// What a service records: whole-run counts and latency quantiles, for the report. No
/// program reads a service's windows, so it keeps no ring.
#[derive(Clone, Debug, Default)]
pub struct ServiceCounters {
    pub requests: u64,
    pub errors: u64,
    pub latency: LatencySketch,
}

impl ServiceCounters {
    #[inline]
    pub fn record(&mut self, error: bool, latency: Nanos) {
        self.requests += 1;
        self.errors += u64::from(error);
        self.latency.record(latency);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_contiguous_and_cover_u64() {
        let mut expected_low = 0u64;
        for index in 0..SKETCH_BUCKETS {
            let (low, width) = bucket_range(index);
            assert_eq!(low, expected_low, "bucket {index}");
            assert_eq!(bucket_of(low), index);
            assert_eq!(bucket_of(low + (width - 1)), index);
            expected_low = low.wrapping_add(width);
        }
        assert_eq!(expected_low, 0, "the last bucket ends at u64::MAX");
        assert_eq!(bucket_of(u64::MAX), SKETCH_BUCKETS - 1);
    }

    #[test]
    fn quantiles_are_within_the_documented_error() {
        let mut sketch = LatencySketch::new();
        let mut values: Vec<u64> = (1..=100_000u64).map(|i| i * i % 9_999_991 + 1).collect();
        for &v in &values {
            sketch.record(v);
        }
        values.sort_unstable();
        for q in [0.01, 0.5, 0.9, 0.99, 0.999, 1.0] {
            let rank = (q * values.len() as f64).ceil() as usize;
            let exact = values[rank.max(1) - 1] as f64;
            let got = sketch.quantile_ns(q);
            assert!(
                (got - exact).abs() <= exact * 0.008 + 0.5,
                "q {q}: {got} vs {exact}"
            );
        }
        let mean = values.iter().sum::<u64>() as f64 / values.len() as f64;
        assert!((sketch.mean_ns() - mean).abs() < 1e-6 * mean);
        assert_eq!(LatencySketch::new().quantile_ns(0.5), 0.0);
    }

    #[test]
    fn quantiles_since_an_earlier_copy_see_only_the_new_values() {
        let mut sketch = LatencySketch::new();
        for v in 1..=1000u64 {
            sketch.record(v * 1_000);
        }
        let earlier = sketch.clone();
        assert_eq!(sketch.quantile_since_ns(&earlier, 0.5), None);
        for v in 1..=100u64 {
            sketch.record(5_000_000 + v);
        }
        let p50 = sketch.quantile_since_ns(&earlier, 0.5).unwrap();
        assert!((p50 - 5_000_050.0).abs() <= 5_000_050.0 * 0.008, "{p50}");
        assert_eq!(
            sketch.quantile_since_ns(&LatencySketch::new(), 0.5),
            Some(sketch.quantile_ns(0.5))
        );
    }

    #[test]
    fn ring_windows_forget_old_seconds() {
        let mut ring = SecondRing::new(30);
        for s in 0..100u64 {
            ring.record(s * NANOS_PER_SEC + 1, s % 10 == 0, 1_000);
        }
        let now = 99 * NANOS_PER_SEC + 5;
        // seconds 69..=99
        let w = ring.window(now, 30);
        assert_eq!(w.requests, 31);
        assert_eq!(w.errors, 3); // 70, 80, 90
        assert_eq!(ring.window(now, 0).requests, 1);
        // windows longer than the ring are capped
        assert_eq!(ring.window(now, 1_000).requests, 31);
    }
}
