//! The human summary of a seed sweep (`rehearse run --seeds`, `rehearse merge`).

use crate::sim::sweep::{quantile, wilson95, Counts, Sweep};
use std::fmt::Write;

pub fn human(sweep: &Sweep) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "sweep {}: seeds {}..{}",
        sweep.scenario, sweep.from, sweep.to
    );
    if let Some((shard, first, count)) = sweep.partial {
        let _ = write!(
            out,
            ", shard {}/{} (seeds {first}..{})",
            shard.index,
            shard.count,
            (first + count).saturating_sub(1)
        );
    }
    let _ = writeln!(out, ", {} runs", sweep.runs);
    if !sweep.expectations.is_empty() {
        out.push_str("\nexpectations                 passed        p   95% interval\n");
        for (name, tally) in &sweep.expectations {
            let p = if tally.runs == 0 {
                0.0
            } else {
                tally.passed as f64 / tally.runs as f64
            };
            let (lo, hi) = wilson95(tally.passed, tally.runs);
            let _ = writeln!(
                out,
                "  {name:<24} {:>6}/{:<6} {p:>6.3}   [{lo:.3}, {hi:.3}]",
                tally.passed, tally.runs
            );
        }
    }
    out.push_str(
        "\nquantiles                  runs      min      p50      p90      p99      max\n",
    );
    row(
        &mut out,
        "user error rate (%)",
        &sweep.user_error_rate_ppm,
        1e-4,
    );
    row(&mut out, "first rollback (s)", &sweep.rollback_ms, 1e-3);
    row(&mut out, "time to 100% (s)", &sweep.time_to_full_ms, 1e-3);
    out
}

fn row(out: &mut String, name: &str, counts: &Counts, scale: f64) {
    let samples: u64 = counts.values().sum();
    let cell = |v: Option<u64>| match v {
        Some(v) => format!("{:>8.3}", v as f64 * scale),
        None => format!("{:>8}", "-"),
    };
    let _ = writeln!(
        out,
        "  {name:<22} {samples:>6} {} {} {} {} {}",
        cell(counts.keys().next().copied()),
        cell(quantile(counts, 0.5)),
        cell(quantile(counts, 0.9)),
        cell(quantile(counts, 0.99)),
        cell(counts.keys().next_back().copied()),
    );
}
