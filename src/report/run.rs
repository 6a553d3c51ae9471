//! Rendering of a run result (`rehearse run`): a human summary and the JSON report.

use crate::sim::engine::nanos_to_secs;
use crate::sim::RunResult;
use std::fmt::Write;

/// The JSON report (issue 5's contract), pretty-printed with a trailing newline.
pub fn json(result: &RunResult) -> String {
    let mut text = serde_json::to_string_pretty(&result.to_json()).unwrap_or_default();
    text.push('\n');
    text
}

/// The human summary: totals, per version requests/errors/latency, the decisions timeline
/// (health changes folded to one line per instant) and the expectations.
pub fn human(result: &RunResult) -> String {
    let mut out = String::new();
    let error_pct = if result.requests == 0 {
        0.0
    } else {
        100.0 * result.errors as f64 / result.requests as f64
    };
    let _ = writeln!(
        out,
        "scenario {} (seed {}, {} s simulated): {} requests, {} errors ({:.3}%), {} in flight at the end",
        result.scenario, result.seed, result.duration_s, result.requests, result.errors, error_pct,
        result.in_flight
    );
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "{:<24} {:>10} {:>8} {:>9} {:>9} {:>9}",
        "service", "requests", "errors", "mean ms", "p50 ms", "p99 ms"
    );
    for s in &result.services {
        let _ = writeln!(
            out,
            "{:<24} {:>10} {:>8} {:>9.2} {:>9.2} {:>9.2}",
            s.name, s.requests, s.errors, s.mean_ms, s.p50_ms, s.p99_ms
        );
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "decisions:");
    let mut i = 0;
    while i < result.decisions.len() {
        let d = &result.decisions[i];
        if d.kind == "health" {
            // Fold the health changes of one instant into one line.
            let mut parts = Vec::new();
            let mut j = i;
            while j < result.decisions.len()
                && result.decisions[j].kind == "health"
                && result.decisions[j].t == d.t
            {
                let h = &result.decisions[j];
                parts.push(format!("{}={}", h.target, h.detail["health"]));
                j += 1;
            }
            let _ = writeln!(
                out,
                "  {:>9.3}s health    {}",
                nanos_to_secs(d.t),
                parts.join(", ")
            );
            i = j;
            continue;
        }
        let weights = matches!(d.kind, "weights" | "rollback")
            .then(|| d.detail.as_object())
            .flatten();
        let detail = match weights {
            Some(weights) => weights
                .iter()
                .map(|(route, w)| format!("{route} {w}%"))
                .collect::<Vec<_>>()
                .join(" / "),
            None => d.detail.to_string(),
        };
        let _ = writeln!(
            out,
            "  {:>9.3}s {:<9} {} {}",
            nanos_to_secs(d.t),
            d.kind,
            d.target,
            detail
        );
        i += 1;
    }
    if let Some(rollouts) = result.rollouts.as_array() {
        let _ = writeln!(out);
        let _ = writeln!(out, "rollouts:");
        for r in rollouts {
            let when = |key: &str| {
                r[key]
                    .as_f64()
                    .map(|t| format!(" at {t:.3}s"))
                    .unwrap_or_default()
            };
            let _ = writeln!(
                out,
                "  {} ({}): {} at step {}{}{}{}, canary weight {}%, replicas stable {} / canary {}",
                r["name"].as_str().unwrap_or(""),
                r["kind"].as_str().unwrap_or(""),
                r["phase"].as_str().unwrap_or(""),
                r["step"],
                if r["promoted_at_s"].is_null() {
                    String::new()
                } else {
                    format!(", promoted{}", when("promoted_at_s"))
                },
                if r["aborted_at_s"].is_null() {
                    String::new()
                } else {
                    format!(", aborted{}", when("aborted_at_s"))
                },
                r["abort_message"]
                    .as_str()
                    .map(|m| format!(" ({m})"))
                    .unwrap_or_default(),
                r["canary_weight"],
                r["stable_replicas"],
                r["canary_replicas"],
            );
        }
    }
    if !result.expectations.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(out, "expectations:");
        for e in &result.expectations {
            let _ = writeln!(
                out,
                "  {} {} {}",
                if e.passed { "pass" } else { "FAIL" },
                e.name,
                e.detail
            );
        }
    }
    out
}
