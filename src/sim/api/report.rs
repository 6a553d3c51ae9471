//! The run report's `endpoints` section and the `--explain-request` waterfall.

use super::super::engine::NANOS_PER_MS;
use super::super::trace::round_to;
use super::flow::{Response, Waterfall};
use super::model::{ApiModel, ApiState};
use serde_json::{json, Map, Value};

fn ms(ns: f64) -> f64 {
    round_to(ns / NANOS_PER_MS as f64, 3)
}

/// `"endpoints": {"POST /user/signup/{x}": {requests, complete, incomplete, status,
/// mean_ms, p50_ms, p99_ms, max_ms, backends: {label: {calls, errors, skipped, cancelled,
/// timeouts, mean_ms}}, gateway: {waited, wait_mean_ms, timed_out_waiting}}}` (`gateway`
/// only with a `krakend` behavior), plus `"404"` for the requests no endpoint matched, by request.
pub fn endpoints_json(model: &ApiModel, state: &ApiState) -> Value {
    let mut out = Map::new();
    for (e, endpoint) in model.endpoints.iter().enumerate() {
        let stats = &state.stats[e];
        let mut backends = Map::new();
        for (info, b) in endpoint.backends.iter().zip(&stats.backends) {
            let mean = if b.ended > 0 {
                b.latency_sum_ns as f64 / b.ended as f64
            } else {
                0.0
            };
            let mut entry = json!({
                "calls": b.calls, "errors": b.errors, "skipped": b.skipped,
                "cancelled": b.cancelled, "timeouts": b.timeouts, "mean_ms": ms(mean),
                "depth": info.depth,
            });
            if info.workflow {
                entry["workflow"] = json!(true);
            }
            backends.insert(info.label.clone(), entry);
        }
        let status: Map<String, Value> = stats
            .status
            .iter()
            .map(|(s, n)| (s.to_string(), json!(n)))
            .collect();
        let quantile = |q| {
            if stats.requests == 0 {
                0.0
            } else {
                ms(stats.latency.quantile_ns(q))
            }
        };
        let mut entry = json!({
                "requests": stats.requests,
                "complete": stats.complete,
                "incomplete": stats.incomplete,
                "status": status,
                "mean_ms": if stats.requests == 0 { 0.0 } else { ms(stats.latency.mean_ns()) },
                "p50_ms": quantile(0.5),
                "p99_ms": quantile(0.99),
                "max_ms": ms(stats.latency.max_ns() as f64),
                "backends": backends,
        });
        if model.capacity != Default::default() {
            let waiting = stats.waited.max(1) as f64;
            entry["gateway"] = json!({
                "waited": stats.waited,
                "wait_mean_ms": ms(stats.wait_sum_ns as f64 / waiting),
                "timed_out_waiting": stats.timed_out_waiting,
            });
        }
        out.insert(endpoint.name.clone(), entry);
    }
    let mut not_found = Map::new();
    for (t, traffic) in model.traffic.iter().enumerate() {
        if traffic.endpoint.is_none() {
            let n = state.not_found[t];
            let slot = not_found.entry(traffic.request.clone()).or_insert(json!(0));
            *slot = json!(slot.as_u64().unwrap_or(0) + n);
        }
    }
    if !not_found.is_empty() {
        out.insert("404".to_owned(), Value::Object(not_found));
    }
    Value::Object(out)
}

/// One traced request as text: every backend call with its start and end, depth, outcome,
/// and the response's status, completeness and top-level keys.
pub fn waterfall_text(
    request: &str,
    endpoint: Option<&str>,
    traced: Option<(&Response, &Waterfall)>,
) -> String {
    let mut out = String::new();
    let Some((response, waterfall)) = traced else {
        out.push_str(&format!(
            "{request}: no endpoint matches; KrakenD answers 404\n"
        ));
        return out;
    };
    out.push_str(&format!("{request} → {}\n", endpoint.unwrap_or("?")));
    if waterfall.wait > 0 {
        out.push_str(&format!(
            "  waited {:.3} ms for a gateway slot\n",
            waterfall.wait as f64 / NANOS_PER_MS as f64
        ));
    }
    for row in &waterfall.rows {
        let indent = "  ".repeat(row.depth as usize + 1);
        out.push_str(&format!(
            "{indent}{:>9.3} ms → {:>9.3} ms  {}  {}  [{}]\n",
            row.start as f64 / NANOS_PER_MS as f64,
            row.end as f64 / NANOS_PER_MS as f64,
            row.label,
            row.url,
            row.outcome
        ));
        for name in &row.unresolved {
            out.push_str(&format!(
                "{indent}  `{{{name}}}` has no value: KrakenD sends it literally\n"
            ));
        }
    }
    if waterfall.overhead > 0 {
        out.push_str(&format!(
            "  gateway overhead {:.3} ms\n",
            waterfall.overhead as f64 / NANOS_PER_MS as f64
        ));
    }
    out.push_str(&format!(
        "  status {}, X-Krakend-Completed: {}, {:.3} ms, keys: [{}]\n",
        response.status,
        response.complete,
        response.latency as f64 / NANOS_PER_MS as f64,
        waterfall.keys.join(", ")
    ));
    out
}
