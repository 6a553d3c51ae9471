//! The resource budget of a run: before anything is simulated, estimate the work (events ≈
//! requests × hops + timers) and the memory (hosts, instances, clients, requests in flight and
//! queued) of a built model, and refuse (S022) a run over budget rather than abort on a failed
//! allocation or run for hours.
//!
//! The estimates are deliberately coarse (order of magnitude, leaning high): they guard against
//! worlds no machine can simulate, not against a run being a little slow.

use super::engine::{Nanos, NANOS_PER_SEC};
use super::model::{Model, RateProfile};
use crate::diag::codes::s;
use crate::diag::Diagnostic;
use crate::source::Span;

/// Events a default run may take: about a minute on a laptop (the simulator handles one to
/// two million events a second).
pub const DEFAULT_MAX_EVENTS: u64 = 100_000_000;
/// Memory a default run may take: 1 GiB.
pub const DEFAULT_MAX_MEMORY: u64 = 1 << 30;

/// Events per request: its arrival, then one completion per station it visits.
const EVENTS_PER_REQUEST: f64 = 2.0;
/// Bytes per live request (the request slab entry, its queue slot, its route choice).
const BYTES_PER_REQUEST: f64 = 128.0;
const BYTES_PER_HOST: f64 = 64.0;
const BYTES_PER_INSTANCE: f64 = 512.0;
/// Sticky sessions remember each client's route.
const BYTES_PER_CLIENT: f64 = 64.0;
/// Per service and second of the longest metric window (ring buckets, sketches).
const BYTES_PER_WINDOW_SECOND: f64 = 256.0;
/// The process itself, the parsed project and the report.
const BASE_BYTES: f64 = 32.0 * 1024.0 * 1024.0;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    pub max_events: u64,
    pub max_memory: u64,
}

impl Default for Budget {
    fn default() -> Budget {
        Budget {
            max_events: DEFAULT_MAX_EVENTS,
            max_memory: DEFAULT_MAX_MEMORY,
        }
    }
}

/// What a run is expected to cost.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    pub requests: f64,
    pub events: f64,
    /// Requests alive at once at the peak (served or queued).
    pub peak_live_requests: f64,
    pub memory_bytes: f64,
}

/// Estimates the cost of running `model` to its duration.
pub fn estimate(model: &Model) -> Estimate {
    let duration_s = model.duration as f64 / NANOS_PER_SEC as f64;
    let requests: f64 = model
        .traffic
        .iter()
        .map(|t| arrivals(&t.rate, t.until.min(model.duration)))
        .sum();
    let offered: f64 = model.traffic.iter().map(|t| t.rate.max()).sum();

    let instances: f64 = model.services.iter().map(|s| f64::from(s.instances)).sum();
    // Requests a second the services can finish at best, and the longest mean service time.
    let capacity: f64 = model
        .services
        .iter()
        .map(|s| {
            f64::from(s.instances) * f64::from(s.concurrency.max(1)) / s.latency.mean().max(1e-9)
        })
        .sum();
    let longest = model
        .services
        .iter()
        .map(|s| s.latency.mean())
        .fold(0.0, f64::max);
    // Overloaded, the queues grow for the whole run; otherwise a few service times' worth of
    // arrivals are alive at once.
    let peak_live_requests = if offered > capacity {
        (offered - capacity) * duration_s + capacity * longest
    } else {
        offered * longest * 4.0
    }
    .min(requests)
    .max(0.0);

    let hosts = if model.hosts == 0 {
        instances.max(1.0)
    } else {
        f64::from(model.hosts)
    };
    let clients: f64 = model.traffic.iter().map(|t| f64::from(t.clients)).sum();
    let snapshots = model
        .duration
        .checked_div(model.snapshot_every)
        .unwrap_or(0) as f64;
    // Timers: programs tick about once a second, snapshots, faults start and end, instances
    // start and restart.
    let timers = duration_s * model.programs.len() as f64
        + snapshots
        + 2.0 * model.faults.len() as f64
        + 2.0 * instances;
    // A request to a KrakenD endpoint is one event; its backend calls are work of the same
    // order (counted as events).
    let api_events: f64 = model
        .api
        .traffic
        .iter()
        .map(|t| {
            let calls = t
                .endpoint
                .map_or(0, |e| model.api.endpoints[e].backends.len());
            arrivals(&t.rate, t.until.min(model.duration)) * (1 + calls) as f64
        })
        .sum();
    let events = requests * EVENTS_PER_REQUEST + timers + api_events;

    let memory_bytes = BASE_BYTES
        + hosts * BYTES_PER_HOST
        + instances * BYTES_PER_INSTANCE
        + clients * BYTES_PER_CLIENT
        + peak_live_requests * BYTES_PER_REQUEST
        + model.services.len() as f64 * model.max_window_s as f64 * BYTES_PER_WINDOW_SECOND;
    Estimate {
        requests,
        events,
        peak_live_requests,
        memory_bytes,
    }
}

/// Expected arrivals of a rate profile over `[0, until]`.
fn arrivals(rate: &RateProfile, until: Nanos) -> f64 {
    let seconds = until as f64 / NANOS_PER_SEC as f64;
    match rate {
        RateProfile::Constant(r) => r * seconds,
        RateProfile::Periodic { first, every } => {
            if until < *first {
                0.0
            } else {
                ((until - first) / (*every).max(1)) as f64 + 1.0
            }
        }
        // Midpoint sums: exact enough for an order of magnitude.
        RateProfile::Ramp { .. } | RateProfile::Steps(_) => {
            const SAMPLES: u64 = 4096;
            let step = until / SAMPLES;
            if step == 0 {
                return rate.max() * seconds;
            }
            (0..SAMPLES)
                .map(|i| rate.at(i * step + step / 2))
                .sum::<f64>()
                * (step as f64 / NANOS_PER_SEC as f64)
        }
    }
}

impl Budget {
    /// S022 when the estimate is over budget, pointing at `at` (the scenario's name).
    pub fn check(&self, estimate: &Estimate, at: Span) -> Result<(), Box<Diagnostic>> {
        let over_events = estimate.events > self.max_events as f64;
        let over_memory = estimate.memory_bytes > self.max_memory as f64;
        if !over_events && !over_memory {
            return Ok(());
        }
        let mut reasons = Vec::new();
        if over_events {
            reasons.push(format!(
                "about {} events (budget {}; --max-events raises it)",
                round(estimate.events),
                self.max_events
            ));
        }
        if over_memory {
            reasons.push(format!(
                "about {} of memory (budget {}; --max-memory raises it)",
                bytes(estimate.memory_bytes),
                bytes(self.max_memory as f64)
            ));
        }
        Err(Box::new(Diagnostic::error(
            &s::S022,
            at,
            format!(
                "this scenario is too large to simulate: {} for about {} requests, {} in flight at the peak",
                reasons.join(" and "),
                round(estimate.requests),
                round(estimate.peak_live_requests),
            ),
        )
        .with_help("shorten the scenario or lower its rates; `rehearse explain S022` says how the estimate is made")))
    }
}

/// A count with two significant figures, as `3.6e9`-free text: `36000000`, or `1.8e19` when
/// it would not fit in a u64.
fn round(value: f64) -> String {
    if !value.is_finite() || value >= 1e18 {
        return format!("{value:.1e}");
    }
    let v = value.max(0.0) as u64;
    let digits = v.checked_ilog10().unwrap_or(0);
    let unit = 10u64.pow(digits.saturating_sub(1));
    (v / unit * unit).to_string()
}

/// Bytes in binary units: `1.0 GiB`.
fn bytes(value: f64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut v = value.max(0.0);
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    if unit == UNITS.len() - 1 && v >= 1024.0 {
        return format!("{value:.1e} B");
    }
    format!("{v:.1} {}", UNITS[unit])
}

/// Parses `--max-memory`: a byte count with an optional binary or decimal unit (`512MiB`,
/// `4GiB`, `2G`, `1073741824`).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number
        .parse()
        .map_err(|_| format!("'{text}' is not a size such as 512MiB or 4GiB"))?;
    let factor: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" => 1e3,
        "kib" => 1024.0,
        "m" | "mb" => 1e6,
        "mib" => 1024.0 * 1024.0,
        "g" | "gb" => 1e9,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        "t" | "tb" => 1e12,
        "tib" => 1024f64.powi(4),
        other => {
            return Err(format!(
                "unknown size unit '{other}' (use B, KiB, MiB, GiB, TiB)"
            ))
        }
    };
    let value = number * factor;
    if !value.is_finite() || value > u64::MAX as f64 {
        return Err(format!("'{text}' is too large"));
    }
    Ok(value as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_in_binary_and_decimal_units() {
        assert_eq!(parse_size("1GiB"), Ok(1 << 30));
        assert_eq!(parse_size("512MiB"), Ok(512 << 20));
        assert_eq!(parse_size("2G"), Ok(2_000_000_000));
        assert_eq!(parse_size("1024"), Ok(1024));
        assert!(parse_size("lots").is_err());
        assert!(parse_size("3 parsecs").is_err());
    }

    #[test]
    fn counts_keep_two_significant_figures() {
        assert_eq!(round(36_123_456.0), "36000000");
        assert_eq!(round(7.0), "7");
        assert_eq!(round(1.8e19), "1.8e19");
        assert_eq!(bytes(1.5 * 1024.0 * 1024.0 * 1024.0), "1.5 GiB");
    }

    #[test]
    fn arrivals_integrate_each_profile() {
        let minute = 60 * NANOS_PER_SEC;
        assert_eq!(arrivals(&RateProfile::Constant(50.0), minute), 3000.0);
        let ramp = RateProfile::Ramp {
            from: 0.0,
            to: 100.0,
            start: 0,
            over: minute,
        };
        let ramped = arrivals(&ramp, minute);
        assert!((ramped - 3000.0).abs() < 10.0, "{ramped}");
        let periodic = RateProfile::Periodic {
            first: 0,
            every: NANOS_PER_SEC,
        };
        assert_eq!(arrivals(&periodic, minute), 61.0);
    }
}
