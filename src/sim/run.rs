//! The library entry point of `rehearse run`: choose a scenario, build the world, run it,
//! and summarise the result.

use super::budget::{estimate, Budget};
use super::build::build;
use super::engine::{nanos_to_secs, Nanos};
use super::expect::{evaluate, Outcome};
use super::trace::{round_to, Decision, TraceSink};
use super::world::World;
use crate::diag::codes::s;
use crate::diag::Diagnostic;
use crate::ir::Project;
use serde_json::{json, Map, Value};
use std::io::Write;

#[derive(Default)]
pub struct RunOptions<'w> {
    /// `--scenario NAME`; optional when the project holds exactly one scenario.
    pub scenario: Option<String>,
    /// `--seed N`; overrides the scenario's seed.
    pub seed: Option<u64>,
    /// `--trace FILE`: JSON lines (a header, every decision, snapshots every 5 s).
    pub trace: Option<&'w mut dyn Write>,
    /// `--max-events` / `--max-memory`: a run estimated over this is refused (S022).
    pub budget: Budget,
    /// Called with (simulated now, duration) about a thousand times during the run, for a
    /// progress display; `None` runs in one go.
    pub progress: Option<&'w mut dyn FnMut(Nanos, Nanos)>,
    /// `--explain-request "POST /user/signup/yes"`: trace the first such request of the
    /// scenario's traffic as a waterfall (`RunResult::explained`).
    pub explain_request: Option<String>,
}

/// Per service (`name:version`) statistics.
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceSummary {
    pub name: String,
    pub requests: u64,
    pub errors: u64,
    pub mean_ms: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct RunResult {
    pub scenario: String,
    pub seed: u64,
    pub duration_s: f64,
    /// Requests that ended (served or failed) during the run.
    pub requests: u64,
    pub errors: u64,
    pub in_flight: u64,
    pub services: Vec<ServiceSummary>,
    pub decisions: Vec<Decision>,
    pub expectations: Vec<Outcome>,
    /// KrakenD endpoints' figures (`Null` when the scenario sends no requests to one).
    pub endpoints: Value,
    /// The `--explain-request` waterfall.
    pub explained: Option<String>,
    /// Argo Rollouts and Flagger canaries: where each update ended (`Null` without any).
    pub rollouts: Value,
}

impl RunResult {
    pub fn passed(&self) -> bool {
        self.expectations.iter().all(|e| e.passed)
    }

    /// The JSON report (a contract: issue 5).
    pub fn to_json(&self) -> Value {
        let mut services = Map::new();
        for s in &self.services {
            services.insert(
                s.name.clone(),
                json!({
                    "requests": s.requests,
                    "errors": s.errors,
                    "mean_ms": round_to(s.mean_ms, 3),
                    "p50_ms": round_to(s.p50_ms, 3),
                    "p99_ms": round_to(s.p99_ms, 3),
                }),
            );
        }
        let mut out = json!({
            "scenario": self.scenario,
            "seed": self.seed,
            "duration_s": self.duration_s,
            "requests": self.requests,
            "errors": self.errors,
            "in_flight": self.in_flight,
            "services": services,
            "decisions": self.decisions.iter().map(Decision::to_json).collect::<Vec<_>>(),
            "expectations": self.expectations.iter().map(|e| json!({
                "name": e.name, "passed": e.passed, "detail": e.detail,
            })).collect::<Vec<_>>(),
        });
        if !self.endpoints.is_null() {
            out["endpoints"] = self.endpoints.clone();
        }
        if let Some(text) = &self.explained {
            out["explained_request"] = json!(text);
        }
        if !self.rollouts.is_null() {
            out["rollouts"] = self.rollouts.clone();
        }
        out
    }
}

/// Runs one scenario of a checked project. Errors are diagnostics (no such scenario, several
/// and none chosen, references that do not resolve).
pub fn run(project: &Project, options: RunOptions<'_>) -> Result<RunResult, Vec<Diagnostic>> {
    let scenario = match &options.scenario {
        Some(name) => project.scenarios.iter().find(|s| &s.name.value == name),
        None if project.scenarios.len() == 1 => project.scenarios.first(),
        None => None,
    };
    let Some(scenario) = scenario else {
        return Err(vec![no_scenario(project, options.scenario.as_deref())]);
    };
    let seed = options.seed.or(scenario.seed).unwrap_or(0);
    let model = build(project, scenario, seed).map_err(|u| vec![u.diagnostic()])?;
    options
        .budget
        .check(&estimate(&model), scenario.name.span)
        .map_err(|d| vec![*d])?;
    let mut trace = options.trace.map(TraceSink::new);
    if let Some(t) = &mut trace {
        t.line(&header(scenario.name.value.as_str(), &model));
    }
    let explain = match &options.explain_request {
        Some(text) => Some(explain_source(&model, text, scenario.name.span)?),
        None => None,
    };
    let mut world = World::new(model, trace);
    world.api.explain = explain;
    match options.progress {
        None => world.run(),
        Some(progress) => {
            // Chunks of simulated time: the same events in the same order as one `run`.
            let duration = world.model.duration;
            let chunk = (duration / 1000).max(1);
            let mut until = 0;
            while until < duration {
                until = until.saturating_add(chunk).min(duration);
                world.run_until(until);
                progress(until, duration);
            }
            world.run();
        }
    }

    let services = world
        .model
        .services
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let st = &world.services[i];
            let c = &st.counters;
            ServiceSummary {
                name: m.name.clone(),
                requests: c.requests + st.unavailable,
                errors: c.errors + st.unavailable,
                mean_ms: c.latency.mean_ns() / 1e6,
                p50_ms: c.latency.quantile_ns(0.5) / 1e6,
                p99_ms: c.latency.quantile_ns(0.99) / 1e6,
            }
        })
        .collect();
    // User-visible: requests that entered through the traffic sources' gateways.
    let mut user_gateways: Vec<usize> = world.model.traffic.iter().map(|t| t.gateway).collect();
    user_gateways.sort_unstable();
    user_gateways.dedup();
    let (user_requests, user_errors) = user_gateways.iter().fold((0, 0), |(r, e), &g| {
        let state = &world.gateways[g];
        (r + state.user_requests(), e + state.user_errors())
    });
    // Requests to KrakenD endpoints are user traffic too (a 404 is no error).
    let (user_requests, user_errors) = world.api.stats.iter().fold(
        (
            user_requests + world.api.not_found.iter().sum::<u64>(),
            user_errors,
        ),
        |(r, e), s| {
            let failed: u64 = s
                .status
                .iter()
                .filter(|(c, _)| *c >= 500)
                .map(|(_, n)| n)
                .sum();
            (r + s.requests, e + failed)
        },
    );
    let initial = |route: &str| {
        world.model.gateways.iter().find_map(|g| {
            g.routes
                .iter()
                .find(|r| r.name == route)
                .map(|r| f64::from(r.weight_bp) / 100.0)
        })
    };
    let endpoints = if world.model.api.traffic.is_empty() {
        Value::Null
    } else {
        super::api::report::endpoints_json(&world.model.api, &world.api)
    };
    let expectations = evaluate(
        &scenario.expect,
        &world.decisions,
        user_requests,
        user_errors,
        initial,
        &endpoints,
    );
    let trace_error = world.trace.as_mut().and_then(|t| {
        t.flush();
        t.error.take()
    });
    if let Some(e) = trace_error {
        return Err(vec![Diagnostic::error(
            &s::S003,
            scenario.name.span,
            format!("could not write the trace: {e}"),
        )]);
    }
    let rollouts = if world.model.rollouts.is_empty() {
        Value::Null
    } else {
        world.rollouts_json()
    };
    Ok(RunResult {
        rollouts,
        scenario: scenario.name.value.clone(),
        seed,
        duration_s: nanos_to_secs(world.model.duration),
        requests: world.totals.completed,
        errors: world.totals.errors,
        in_flight: world.in_flight(),
        services,
        decisions: std::mem::take(&mut world.decisions),
        expectations,
        endpoints,
        explained: explain.map(|source| {
            let traffic = &world.model.api.traffic[source];
            let endpoint = traffic
                .endpoint
                .map(|e| world.model.api.endpoints[e].name.as_str());
            let traced = world.api.explained.as_ref().map(|(r, w)| (r, w));
            super::api::report::waterfall_text(&traffic.request, endpoint, traced)
        }),
    })
}

/// The traffic entry `--explain-request` names (`METHOD /path`, method in any case).
fn explain_source(
    model: &super::model::Model,
    text: &str,
    span: crate::source::Span,
) -> Result<usize, Vec<Diagnostic>> {
    let wanted = crate::dialect::scenario::parse_request(text)
        .map(|(method, path, _)| format!("{method} {path}"));
    model
        .api
        .traffic
        .iter()
        .position(|t| Some(&t.request) == wanted.as_ref())
        .ok_or_else(|| {
            let sent: Vec<&str> = model
                .api
                .traffic
                .iter()
                .map(|t| t.request.as_str())
                .collect();
            vec![Diagnostic::error(
                &s::S030,
                span,
                format!("no traffic entry of the scenario sends '{text}'"),
            )
            .with_help(if sent.is_empty() {
                "the scenario sends no requests to a KrakenD endpoint".to_owned()
            } else {
                format!("requests sent: {}", sent.join(", "))
            })]
        })
}

fn no_scenario(project: &Project, asked: Option<&str>) -> Diagnostic {
    let names: Vec<&str> = project
        .scenarios
        .iter()
        .map(|s| s.name.value.as_str())
        .collect();
    let span = project.scenarios.first().map_or(
        crate::source::Span::point(crate::source::FileId(0), 0),
        |s| s.name.span,
    );
    let message = match asked {
        Some(name) => format!("no scenario named '{name}'"),
        None if names.is_empty() => "the paths hold no scenario".to_owned(),
        None => "the paths hold several scenarios: choose one with --scenario".to_owned(),
    };
    Diagnostic::error(&s::S001, span, message).with_help(if names.is_empty() {
        "write a `kind: scenario` document".to_owned()
    } else {
        format!("scenarios: {}", names.join(", "))
    })
}

/// The trace's first line: every parameter of the run, faults included.
fn header(name: &str, model: &super::model::Model) -> Value {
    json!({
        "type": "header",
        "scenario": name,
        "seed": model.seed,
        "duration_s": nanos_to_secs(model.duration),
        "hosts": model.hosts,
        "services": model.services.iter().map(|s| json!({
            "name": s.name, "instances": s.instances, "concurrency": s.concurrency,
            "error_rate": s.error_rate, "mean_latency_ms": round_to(s.latency.mean() * 1e3, 6),
            "startup_s": nanos_to_secs(s.startup), "restart_delay_s": nanos_to_secs(s.restart_delay),
        })).collect::<Vec<_>>(),
        "gateways": model.gateways.iter().map(|g| json!({
            "name": g.name,
            "routes": g.routes.iter().map(|r| json!({"name": r.name, "weight": super::programs::percent_json(r.weight_bp)})).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "traffic": model.traffic.iter().map(|t| json!({
            "id": t.id, "to": model.gateways[t.gateway].name, "max_rate": t.rate.max(), "clients": t.clients,
        })).collect::<Vec<_>>(),
        "faults": model.faults.iter().map(|f| json!({
            "at_s": nanos_to_secs(f.at), "fault": f.description, "parameters": format!("{:?}", f.action),
        })).collect::<Vec<_>>(),
        "programs": model.programs.iter().map(|p| json!({
            "name": p.name, "program": format!("{:?}", p.kind), "schedule": format!("{:?}", p.schedule),
        })).collect::<Vec<_>>(),
    })
}
