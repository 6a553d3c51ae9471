//! The HTML rehearsal report (`rehearse run --report FILE.html`): one self-contained file —
//! inline SVG, inline CSS, no script, no font or image to fetch (a Content-Security-Policy
//! forbids any) — showing over simulated time the route weights of each gateway, request and
//! error rates, latency p50/p99 and ready instances per service, with the run's decisions and
//! faults as marked vertical events (hover one for its detail) and the expectations' verdicts
//! at the top.
//!
//! It is drawn from the run's trace (the header, every decision, and the snapshots the
//! simulator writes every 5 s), so it shows exactly what `--trace` records. Colours come from
//! the Okabe–Ito palette (safe for colour-blind readers) and every series also has its own
//! dash pattern, so the charts read in greyscale and on paper (A4).

use crate::sim::RunResult;
use indexmap::IndexMap;
use serde_json::{json, Value};
use std::fmt::Write;

/// Okabe & Ito (2008), without yellow (too light on white).
const PALETTE: [&str; 7] = [
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000",
];
const DASHES: [&str; 7] = ["", "6 3", "2 2", "8 3 2 3", "1 3", "10 4", "4 2 1 2"];

/// The time series a report draws, read from the trace.
#[derive(Debug, Default)]
pub struct ReportData {
    pub scenario: String,
    pub seed: u64,
    pub duration_s: f64,
    /// Snapshot times.
    pub times: Vec<f64>,
    /// Gateway → route → weight (%) at each snapshot.
    pub weights: IndexMap<String, IndexMap<String, Vec<Option<f64>>>>,
    pub services: IndexMap<String, ServiceSeries>,
    /// Decisions other than weight changes (drawn by the weight charts) and faults.
    pub events: Vec<Event>,
}

#[derive(Debug, Default)]
pub struct ServiceSeries {
    /// Requests per second over each interval.
    pub rate: Vec<Option<f64>>,
    /// Errors as a percentage of the interval's requests.
    pub error_pct: Vec<Option<f64>>,
    pub p50_ms: Vec<Option<f64>>,
    pub p99_ms: Vec<Option<f64>>,
    pub ready: Vec<Option<f64>>,
}

#[derive(Debug)]
pub struct Event {
    pub t_s: f64,
    pub kind: String,
    pub target: String,
    pub detail: String,
}

/// Reads the trace's JSON lines.
pub fn data_from_trace(trace: &[u8]) -> ReportData {
    let mut data = ReportData::default();
    let mut previous: IndexMap<String, (f64, f64)> = IndexMap::new();
    let mut previous_t = 0.0;
    for line in trace.split(|&b| b == b'\n') {
        let Ok(value) = serde_json::from_slice::<Value>(line) else {
            continue;
        };
        match value.get("type").and_then(Value::as_str) {
            Some("header") => {
                data.scenario = text(&value["scenario"]);
                data.seed = value["seed"].as_u64().unwrap_or(0);
                data.duration_s = value["duration_s"].as_f64().unwrap_or(0.0);
            }
            Some("decision") => {
                let kind = text(&value["kind"]);
                if kind == "weights" {
                    continue;
                }
                data.events.push(Event {
                    t_s: value["t_s"].as_f64().unwrap_or(0.0),
                    kind,
                    target: text(&value["target"]),
                    detail: compact(&value["detail"]),
                });
            }
            Some("snapshot") => {
                let t = value["t_s"].as_f64().unwrap_or(0.0);
                let n = data.times.len();
                data.times.push(t);
                let interval = (t - previous_t).max(1e-9);
                previous_t = t;
                if let Some(gateways) = value["gateways"].as_object() {
                    for (gateway, state) in gateways {
                        let routes = data.weights.entry(gateway.clone()).or_default();
                        if let Some(weights) = state["weights"].as_object() {
                            for (route, weight) in weights {
                                let series = routes.entry(route.clone()).or_default();
                                series.resize(n, None);
                                series.push(weight.as_f64());
                            }
                        }
                    }
                }
                if let Some(services) = value["services"].as_object() {
                    for (name, state) in services {
                        let requests = state["requests"].as_f64().unwrap_or(0.0);
                        let errors = state["errors"].as_f64().unwrap_or(0.0);
                        let (last_requests, last_errors) = previous
                            .insert(name.clone(), (requests, errors))
                            .unwrap_or((0.0, 0.0));
                        let served = requests - last_requests;
                        let series = data.services.entry(name.clone()).or_default();
                        for column in [
                            &mut series.rate,
                            &mut series.error_pct,
                            &mut series.p50_ms,
                            &mut series.p99_ms,
                            &mut series.ready,
                        ] {
                            column.resize(n, None);
                        }
                        series.rate.push(Some(served / interval));
                        series
                            .error_pct
                            .push((served > 0.0).then(|| (errors - last_errors) * 100.0 / served));
                        series.p50_ms.push(state["p50_ms"].as_f64());
                        series.p99_ms.push(state["p99_ms"].as_f64());
                        series.ready.push(state["ready"].as_f64());
                    }
                }
            }
            _ => {}
        }
    }
    data
}

fn text(value: &Value) -> String {
    value.as_str().map(str::to_string).unwrap_or_default()
}

/// A number (or string) of the run JSON as written.
fn figure(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// A decision's detail on one line, for a tooltip.
fn compact(value: &Value) -> String {
    match value {
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| format!("{k}: {}", compact(v)))
            .collect::<Vec<_>>()
            .join(", "),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(compact).collect::<Vec<_>>().join(", ")
        ),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The data section: every series as JSON, in a non-executable script element.
pub fn data_json(data: &ReportData, result: &RunResult) -> Value {
    let weights: serde_json::Map<String, Value> = data
        .weights
        .iter()
        .map(|(g, routes)| {
            let routes: serde_json::Map<String, Value> = routes
                .iter()
                .map(|(route, values)| (route.clone(), json!(values)))
                .collect();
            (g.clone(), Value::Object(routes))
        })
        .collect();
    let services: serde_json::Map<String, Value> = data
        .services
        .iter()
        .map(|(name, s)| {
            (
                name.clone(),
                json!({
                    "requests_per_s": s.rate,
                    "error_pct": s.error_pct,
                    "p50_ms": s.p50_ms,
                    "p99_ms": s.p99_ms,
                    "ready": s.ready,
                }),
            )
        })
        .collect();
    let mut out = json!({
        "scenario": data.scenario,
        "seed": data.seed,
        "duration_s": data.duration_s,
        "t_s": data.times,
        "weights": weights,
        "services": services,
        "events": data.events.iter().map(|e| json!({"t_s": e.t_s, "kind": e.kind, "target": e.target, "detail": e.detail})).collect::<Vec<_>>(),
        "expectations": result.expectations.iter().map(|e| json!({"name": e.name, "passed": e.passed, "detail": e.detail})).collect::<Vec<_>>(),
    });
    if !result.endpoints.is_null() {
        out["endpoints"] = result.endpoints.clone();
    }
    out
}

/// The KrakenD endpoints' figures as a table (nothing when the scenario sends no requests):
/// one row per endpoint, one per backend under it, the 404s last.
fn endpoints_table(out: &mut String, endpoints: &Value) {
    let Some(map) = endpoints.as_object().filter(|m| !m.is_empty()) else {
        return;
    };
    out.push_str("<h2>API endpoints</h2>\n<table class=\"events\"><thead><tr><th>endpoint / backend</th><th>requests / calls</th><th>complete</th><th>incomplete / errors</th><th>status / skipped, cancelled, timeouts</th><th>mean ms</th><th>p50 ms</th><th>p99 ms</th></tr></thead><tbody>");
    for (name, e) in map.iter().filter(|(name, _)| *name != "404") {
        let _ = write!(
            out,
            "<tr><th>{}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(name),
            figure(&e["requests"]),
            figure(&e["complete"]),
            figure(&e["incomplete"]),
            escape(&super::run::status_mix(e)),
            figure(&e["mean_ms"]),
            figure(&e["p50_ms"]),
            figure(&e["p99_ms"])
        );
        if let Some(g) = e.get("gateway") {
            let _ = write!(
                out,
                "<tr><td>gateway slots</td><td colspan=\"7\">{} waited (mean {} ms), {} timed out waiting</td></tr>",
                figure(&g["waited"]),
                figure(&g["wait_mean_ms"]),
                figure(&g["timed_out_waiting"])
            );
        }
        for (label, b) in e["backends"].as_object().into_iter().flatten() {
            let depth = b["depth"].as_u64().unwrap_or(0) as usize;
            let _ = write!(
                out,
                "<tr><td>{}{}</td><td>{}</td><td></td><td>{}</td><td>{}, {}, {}</td><td>{}</td><td></td><td></td></tr>",
                "&nbsp;&nbsp;".repeat(depth + 1),
                escape(label),
                figure(&b["calls"]),
                figure(&b["errors"]),
                figure(&b["skipped"]),
                figure(&b["cancelled"]),
                figure(&b["timeouts"]),
                figure(&b["mean_ms"])
            );
        }
    }
    for (request, n) in map
        .get("404")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let _ = write!(
            out,
            "<tr><th>{}</th><td colspan=\"7\">{} answered 404 (no endpoint matches)</td></tr>",
            escape(request),
            figure(n)
        );
    }
    out.push_str("</tbody></table>\n");
}

struct Series<'a> {
    name: &'a str,
    values: &'a [Option<f64>],
    /// Index into the palette and dash patterns.
    style: usize,
    /// A second line of the same series (p99 beside p50): thinner.
    thin: bool,
}

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 200.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 10.0;
const BOTTOM: f64 = 28.0;

/// A round upper bound for an axis: 1, 2, 2.5 or 5 × 10^k.
fn nice_max(max: f64) -> f64 {
    if max <= 0.0 || !max.is_finite() {
        return 1.0;
    }
    let magnitude = 10f64.powf(max.log10().floor());
    for step in [1.0, 2.0, 2.5, 5.0, 10.0] {
        if max <= step * magnitude {
            return step * magnitude;
        }
    }
    10.0 * magnitude
}

fn number(x: f64) -> String {
    if x == x.trunc() && x.abs() < 1e9 {
        format!("{}", x as i64)
    } else {
        format!("{x:.2}")
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_string()
    }
}

struct Chart<'a> {
    id: String,
    title: String,
    unit: &'a str,
    duration: f64,
    times: &'a [f64],
    events: &'a [Event],
}

impl Chart<'_> {
    fn x(&self, t: f64) -> f64 {
        LEFT + (t / self.duration.max(1e-9)) * (WIDTH - LEFT - RIGHT)
    }

    fn y(&self, v: f64, max: f64) -> f64 {
        TOP + (1.0 - v / max) * (HEIGHT - TOP - BOTTOM)
    }

    fn open(&self, out: &mut String, max: f64, description: &str) {
        let _ = write!(
            out,
            "<figure class=\"chart\"><figcaption>{}</figcaption>\
             <svg id=\"{}\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" aria-label=\"{}\">",
            escape(&self.title),
            escape(&self.id),
            escape(description)
        );
        // Axes, grid and ticks.
        for i in 0..=4 {
            let v = max * f64::from(i) / 4.0;
            let y = self.y(v, max);
            let _ = write!(
                out,
                "<line class=\"grid\" x1=\"{LEFT}\" x2=\"{}\" y1=\"{y:.1}\" y2=\"{y:.1}\"/>\
                 <text class=\"tick\" x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
                WIDTH - RIGHT,
                LEFT - 4.0,
                y + 3.0,
                number(v)
            );
        }
        for i in 0..=6 {
            let t = self.duration * f64::from(i) / 6.0;
            let x = self.x(t);
            let _ = write!(
                out,
                "<text class=\"tick\" x=\"{x:.1}\" y=\"{}\" text-anchor=\"middle\">{}s</text>",
                HEIGHT - BOTTOM + 14.0,
                number(t.round())
            );
        }
        let _ = write!(
            out,
            "<text class=\"unit\" x=\"4\" y=\"{}\">{}</text>",
            TOP + 8.0,
            escape(self.unit)
        );
    }

    /// Decisions and faults as vertical lines, each with its detail as a tooltip.
    fn events(&self, out: &mut String) {
        for event in self.events {
            let x = self.x(event.t_s);
            let class = if event.kind.starts_with("fault") {
                "event fault"
            } else {
                "event"
            };
            let _ = write!(
                out,
                "<g class=\"{class}\" data-kind=\"{}\"><title>{}s {} {}: {}</title>\
                 <line x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{TOP}\" y2=\"{}\"/>\
                 <rect x=\"{:.1}\" y=\"{TOP}\" width=\"6\" height=\"{}\"/></g>",
                escape(&event.kind),
                number(event.t_s),
                escape(&event.kind),
                escape(&event.target),
                escape(&event.detail),
                HEIGHT - BOTTOM,
                x - 3.0,
                HEIGHT - TOP - BOTTOM
            );
        }
    }

    fn close(out: &mut String, legend: &[(String, usize, bool)]) {
        out.push_str("</svg><ul class=\"legend\">");
        for (name, style, thin) in legend {
            let _ = write!(
                out,
                "<li><svg width=\"28\" height=\"10\" aria-hidden=\"true\"><line x1=\"0\" x2=\"28\" \
                 y1=\"5\" y2=\"5\" stroke=\"{}\" stroke-width=\"{}\" stroke-dasharray=\"{}\"/></svg>{}</li>",
                PALETTE[style % PALETTE.len()],
                if *thin { 1.2 } else { 2.2 },
                DASHES[style % DASHES.len()],
                escape(name)
            );
        }
        out.push_str("</ul></figure>\n");
    }

    fn lines(&self, out: &mut String, series: &[Series<'_>], description: &str) {
        let max = nice_max(
            series
                .iter()
                .flat_map(|s| s.values.iter().flatten().copied())
                .fold(0.0, f64::max),
        );
        self.open(out, max, description);
        for s in series {
            let _ = write!(
                out,
                "<path class=\"series\" data-series=\"{}\" fill=\"none\" stroke=\"{}\" \
                 stroke-width=\"{}\" stroke-dasharray=\"{}\" d=\"",
                escape(s.name),
                PALETTE[s.style % PALETTE.len()],
                if s.thin { 1.2 } else { 2.2 },
                DASHES[s.style % DASHES.len()]
            );
            let mut pen_down = false;
            for (t, v) in self.times.iter().zip(s.values) {
                match v {
                    Some(v) => {
                        let _ = write!(
                            out,
                            "{}{:.1} {:.1} ",
                            if pen_down { "L" } else { "M" },
                            self.x(*t),
                            self.y(*v, max)
                        );
                        pen_down = true;
                    }
                    None => pen_down = false,
                }
            }
            out.push_str("\"/>");
        }
        self.events(out);
        let legend: Vec<(String, usize, bool)> = series
            .iter()
            .map(|s| (s.name.to_string(), s.style, s.thin))
            .collect();
        Chart::close(out, &legend);
    }

    /// Stacked areas (route weights, summing to 100%).
    fn stacked(&self, out: &mut String, series: &[Series<'_>], description: &str) {
        let max = 100.0;
        self.open(out, max, description);
        let mut below = vec![0.0; self.times.len()];
        for s in series {
            let above: Vec<f64> = below
                .iter()
                .zip(s.values.iter().chain(std::iter::repeat(&None)))
                .map(|(b, v)| b + v.unwrap_or(0.0))
                .collect();
            let mut d = String::new();
            for (i, t) in self.times.iter().enumerate() {
                let _ = write!(
                    d,
                    "{}{:.1} {:.1} ",
                    if i == 0 { "M" } else { "L" },
                    self.x(*t),
                    self.y(above[i], max)
                );
            }
            for (i, t) in self.times.iter().enumerate().rev() {
                let _ = write!(d, "L{:.1} {:.1} ", self.x(*t), self.y(below[i], max));
            }
            let colour = PALETTE[s.style % PALETTE.len()];
            let _ = write!(
                out,
                "<path class=\"series area\" data-series=\"{}\" fill=\"{colour}\" fill-opacity=\"0.35\" \
                 stroke=\"{colour}\" stroke-width=\"1.5\" stroke-dasharray=\"{}\" d=\"{}Z\"/>",
                escape(s.name),
                DASHES[s.style % DASHES.len()],
                d.trim_end()
            );
            below = above;
        }
        self.events(out);
        let legend: Vec<(String, usize, bool)> = series
            .iter()
            .map(|s| (s.name.to_string(), s.style, false))
            .collect();
        Chart::close(out, &legend);
    }
}

const STYLE: &str = "
body { font: 14px/1.4 system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif; color: #111; margin: 0 auto; max-width: 760px; padding: 16px; }
h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 24px 0 8px; border-bottom: 1px solid #ccc; }
.meta { color: #444; margin: 0 0 12px; }
.verdicts { list-style: none; padding: 0; margin: 0; }
.verdicts li { margin: 2px 0; } .verdicts .mark { display: inline-block; width: 3.2em; font-weight: 700; }
.pass .mark { color: #006b4f; } .fail .mark { color: #b00020; } .fail { font-weight: 600; }
.verdicts code { color: #444; font-size: 12px; }
figure.chart { margin: 8px 0 16px; break-inside: avoid; page-break-inside: avoid; }
figcaption { font-weight: 600; margin-bottom: 2px; }
svg { display: block; width: 100%; height: auto; }
.grid { stroke: #ddd; stroke-width: 1; } .tick, .unit { font-size: 10px; fill: #444; }
.event line { stroke: #555; stroke-width: 1; stroke-dasharray: 3 2; } .event rect { fill: transparent; }
.event.fault line { stroke: #b00020; stroke-width: 1.5; stroke-dasharray: none; }
.event:hover line { stroke-width: 3; }
.legend { list-style: none; padding: 0; margin: 2px 0 0; display: flex; flex-wrap: wrap; gap: 4px 14px; font-size: 12px; }
.legend svg { display: inline-block; width: 28px; height: 10px; margin-right: 4px; vertical-align: middle; }
table.events { border-collapse: collapse; font-size: 12px; width: 100%; }
table.events td, table.events th { border-bottom: 1px solid #eee; padding: 2px 6px; text-align: left; vertical-align: top; }
@page { size: A4; margin: 12mm; }
@media print { body { max-width: none; padding: 0; } .event rect { display: none; } }
";

/// The whole report.
pub fn render(result: &RunResult, trace: &[u8]) -> String {
    let data = data_from_trace(trace);
    let duration = if data.duration_s > 0.0 {
        data.duration_s
    } else {
        result.duration_s
    };
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>rehearsal: {}</title><style>{STYLE}</style></head><body>\n",
        escape(&result.scenario)
    );
    let passed = result.expectations.iter().filter(|e| e.passed).count();
    let _ = write!(
        out,
        "<h1>Rehearsal of {}</h1><p class=\"meta\">seed {}, {} s simulated, {} requests, {} errors; \
         {passed} of {} expectations met</p>\n<ul class=\"verdicts\">",
        escape(&result.scenario),
        result.seed,
        number(result.duration_s),
        result.requests,
        result.errors,
        result.expectations.len()
    );
    for e in &result.expectations {
        let (class, mark) = if e.passed {
            ("pass", "pass")
        } else {
            ("fail", "FAIL")
        };
        let _ = write!(
            out,
            "<li class=\"{class}\"><span class=\"mark\">{mark}</span>{} <code>{}</code></li>",
            escape(&e.name),
            escape(&compact(&e.detail))
        );
    }
    out.push_str("</ul>\n");

    let chart = |id: String, title: String, unit: &'static str| Chart {
        id,
        title,
        unit,
        duration,
        times: &data.times,
        events: &data.events,
    };
    out.push_str("<h2>Route weights</h2>\n");
    for (g, (gateway, routes)) in data.weights.iter().enumerate() {
        let series: Vec<Series<'_>> = routes
            .iter()
            .enumerate()
            .map(|(i, (route, values))| Series {
                name: route,
                values,
                style: i,
                thin: false,
            })
            .collect();
        chart(
            format!("weights-{g}"),
            format!("gateway {gateway}"),
            "weight %",
        )
        .stacked(
            &mut out,
            &series,
            &format!("route weights of gateway {gateway}"),
        );
    }
    out.push_str("<h2>Services</h2>\n");
    let names: Vec<&String> = data.services.keys().collect();
    let per_service = |pick: &dyn Fn(&ServiceSeries) -> &Vec<Option<f64>>| -> Vec<Series<'_>> {
        names
            .iter()
            .enumerate()
            .map(|(i, name)| Series {
                name,
                values: pick(&data.services[*name]),
                style: i,
                thin: false,
            })
            .collect()
    };
    chart("rate".into(), "request rate".into(), "req/s").lines(
        &mut out,
        &per_service(&|s| &s.rate),
        "requests per second per service",
    );
    chart("errors".into(), "error rate".into(), "errors %").lines(
        &mut out,
        &per_service(&|s| &s.error_pct),
        "errors as a percentage of requests per service",
    );
    let latency_names: Vec<(String, String)> = names
        .iter()
        .map(|n| (format!("{n} p50"), format!("{n} p99")))
        .collect();
    let mut latency = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let s = &data.services[*name];
        latency.push(Series {
            name: &latency_names[i].0,
            values: &s.p50_ms,
            style: i,
            thin: false,
        });
        latency.push(Series {
            name: &latency_names[i].1,
            values: &s.p99_ms,
            style: i,
            thin: true,
        });
    }
    chart("latency".into(), "latency p50 and p99".into(), "ms").lines(
        &mut out,
        &latency,
        "latency quantiles per service",
    );
    chart("instances".into(), "ready instances".into(), "instances").lines(
        &mut out,
        &per_service(&|s| &s.ready),
        "ready instances per service",
    );

    endpoints_table(&mut out, &result.endpoints);
    out.push_str("<h2>Decisions and faults</h2>\n<table class=\"events\"><thead><tr><th>t</th><th>kind</th><th>target</th><th>detail</th></tr></thead><tbody>");
    for e in &data.events {
        let _ = write!(
            out,
            "<tr><td>{}s</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            number(e.t_s),
            escape(&e.kind),
            escape(&e.target),
            escape(&e.detail)
        );
    }
    out.push_str("</tbody></table>\n");
    // The data the charts were drawn from, for tools (not executed: type is JSON).
    let json = serde_json::to_string(&data_json(&data, result)).expect("JSON");
    let _ = write!(
        out,
        "<script type=\"application/json\" id=\"rehearse-data\">{}</script>\n</body></html>\n",
        json.replace("</", "<\\/")
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_bounds_are_round() {
        assert_eq!(nice_max(0.0), 1.0);
        assert_eq!(nice_max(7.3), 10.0);
        assert_eq!(nice_max(51.0), 100.0);
        assert_eq!(nice_max(2.2), 2.5);
        assert_eq!(nice_max(120.0), 200.0);
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }

    #[test]
    fn rates_come_from_cumulative_counts() {
        let trace = br#"{"type":"header","scenario":"s","seed":1,"duration_s":10.0}
{"type":"snapshot","t_s":5.0,"gateways":{},"services":{"a":{"requests":50,"errors":5,"ready":2,"p50_ms":1.0,"p99_ms":null}}}
{"type":"snapshot","t_s":10.0,"gateways":{},"services":{"a":{"requests":150,"errors":5,"ready":3,"p50_ms":2.0,"p99_ms":4.0}}}
"#;
        let data = data_from_trace(trace);
        let a = &data.services["a"];
        assert_eq!(a.rate, [Some(10.0), Some(20.0)]);
        assert_eq!(a.error_pct, [Some(10.0), Some(0.0)]);
        assert_eq!(a.p99_ms, [None, Some(4.0)]);
        assert_eq!(a.ready, [Some(2.0), Some(3.0)]);
    }
}
