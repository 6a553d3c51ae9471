//! Rendering of a run result (`rehearse run`): a human summary and the JSON report.

use crate::sim::engine::nanos_to_secs;
use crate::sim::RunResult;
use serde_json::Value;
use std::fmt::Write;

/// The JSON report (issue 5's contract), pretty-printed with a trailing newline.
pub fn json(result: &RunResult) -> String {
    super::pretty_json(&result.to_json())
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
    endpoints(&mut out, &result.endpoints);
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
                match (r["abort_message"].as_str(), r["aborted_at_s"].is_null()) {
                    (Some(m), _) => format!(" ({m})"),
                    // Timed out without progressDeadlineAbort: Degraded, not aborted.
                    (None, true) if !r["progress_deadline_exceeded_at_s"].is_null() => {
                        format!(
                            ", progress deadline exceeded{}",
                            when("progress_deadline_exceeded_at_s")
                        )
                    }
                    _ => String::new(),
                },
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

/// An endpoint's statuses as `200 9500, 500 500` (the JSON's `status` object, in its order).
pub fn status_mix(endpoint: &Value) -> String {
    endpoint["status"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(status, n)| format!("{status} {n}"))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}

/// The KrakenD endpoints' figures (the run JSON's `endpoints`), when requests were sent:
/// one line per endpoint, one per backend under it (indented by depth), the 404s last.
fn endpoints(out: &mut String, endpoints: &Value) {
    let Some(map) = endpoints.as_object().filter(|m| !m.is_empty()) else {
        return;
    };
    let count = |v: &Value| v.as_u64().unwrap_or(0);
    let float = |v: &Value| v.as_f64().unwrap_or(0.0);
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "{:<40} {:>10} {:>10} {:>10} {:>9} {:>9} {:>9}  status",
        "endpoint", "requests", "complete", "incomplete", "mean ms", "p50 ms", "p99 ms"
    );
    for (name, e) in map.iter().filter(|(name, _)| *name != "404") {
        let _ = writeln!(
            out,
            "{:<40} {:>10} {:>10} {:>10} {:>9.2} {:>9.2} {:>9.2}  {}",
            name,
            count(&e["requests"]),
            count(&e["complete"]),
            count(&e["incomplete"]),
            float(&e["mean_ms"]),
            float(&e["p50_ms"]),
            float(&e["p99_ms"]),
            status_mix(e)
        );
        if let Some(g) = e.get("gateway") {
            let _ = writeln!(
                out,
                "  gateway: {} waited for a slot (mean {:.2} ms), {} timed out waiting",
                count(&g["waited"]),
                float(&g["wait_mean_ms"]),
                count(&g["timed_out_waiting"])
            );
        }
        for (label, b) in e["backends"].as_object().into_iter().flatten() {
            let indent = "  ".repeat(count(&b["depth"]) as usize + 1);
            let _ = writeln!(
                out,
                "{indent}{label}: {} calls, {} errors, {} skipped, {} cancelled, {} timeouts, mean {:.2} ms",
                count(&b["calls"]),
                count(&b["errors"]),
                count(&b["skipped"]),
                count(&b["cancelled"]),
                count(&b["timeouts"]),
                float(&b["mean_ms"])
            );
        }
    }
    for (request, n) in map
        .get("404")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let _ = writeln!(
            out,
            "{request}: {} answered 404 (no endpoint matches)",
            count(n)
        );
    }
}
