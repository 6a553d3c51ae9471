//! Builds the runtime [`Model`] from the checked project and one scenario: deployments from
//! blueprints (merged in order, as Vamp merges), services with their behaviors, gateways and
//! routes, traffic, faults and the workflows' built-in programs. Every name is resolved here;
//! what does not resolve is an S diagnostic.

use super::calendar::{self, CalendarPeriod};
use super::engine::{Nanos, NANOS_PER_MS, NANOS_PER_SEC};
use super::model::*;
use super::samplers::Duration;
use crate::diag::codes::s;
use crate::diag::Diagnostic;
use crate::ir::scenario::{FaultKind, Latency, Load, Scenario, PPM_FULL};
use crate::ir::vamp::deployment::{deploy, merge, Deployment, RouteTarget};
use crate::ir::vamp::{self, DeploymentName, RouteCondition, ScaleRef, Workflow};
use crate::ir::Project;
use crate::syntax::condition::{evaluate, RequestAttributes};
use crate::syntax::iso8601;
use crate::syntax::units::Rate;
use std::sync::Arc;

/// Defaults for services without a behavior (documented in the scenario reference).
pub const DEFAULT_P50: Nanos = 10 * NANOS_PER_MS;
pub const DEFAULT_P99: Nanos = 50 * NANOS_PER_MS;
pub const DEFAULT_CONCURRENCY: u32 = 64;
pub const DEFAULT_RESTART_DELAY: Nanos = 10 * NANOS_PER_SEC;
/// The longest window read by the built-in programs (health, metrics, canary default).
pub const DEFAULT_WINDOW_S: u64 = 30;
/// Trace snapshots every 5 s.
pub const SNAPSHOT_EVERY: Nanos = 5 * NANOS_PER_SEC;

/// The built-in programs, by breed name or `metadata: {rehearse/program: NAME}`.
pub const BUILT_IN_PROGRAMS: &[&str] = &[
    "canary",
    "health",
    "metrics",
    "auto-scaling",
    "traffic",
    "allocation",
];

struct Headers<'a>(&'a RequestView<'a>);

impl RequestAttributes for Headers<'_> {
    fn header(&self, name: &str) -> Option<&str> {
        self.0
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| *v)
    }

    fn cookie(&self, _name: &str) -> Option<&str> {
        None
    }
}

fn rate_per_s(rate: Rate) -> f64 {
    rate.per_second()
}

/// The deployments a scenario's `deploy` list produces, in order, with merge steps applied.
pub fn deployments(
    project: &Project,
    scenario: &Scenario,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<Deployment> {
    let mut out: Vec<Deployment> = Vec::new();
    for step in &scenario.deploy {
        let Some(blueprint) = project
            .vamp
            .blueprints
            .iter()
            .find(|b| b.name.value.as_str() == step.blueprint.value)
        else {
            let known: Vec<&str> = project
                .vamp
                .blueprints
                .iter()
                .map(|b| b.name.value.as_str())
                .collect();
            diagnostics.push(
                Diagnostic::error(
                    &s::S010,
                    step.blueprint.span,
                    format!("no blueprint named '{}'", step.blueprint.value),
                )
                .with_help(if known.is_empty() {
                    "the project defines no blueprint".to_owned()
                } else {
                    format!("blueprints: {}", known.join(", "))
                }),
            );
            continue;
        };
        let name = DeploymentName(step.deployment.value.clone());
        match out
            .iter()
            .position(|d| d.name.as_str() == step.deployment.value)
        {
            Some(i) => out[i] = merge(&out[i], blueprint, &project.vamp).0,
            None => out.push(deploy(blueprint, &name, &project.vamp).0),
        }
    }
    out
}

fn scale_instances(project: &Project, scale: Option<&ScaleRef>) -> (u32, f64, f64) {
    let scale = match scale {
        Some(ScaleRef::Inline(s)) => Some(s),
        Some(ScaleRef::Reference(name)) => project
            .vamp
            .scales
            .iter()
            .find(|s| s.name.as_ref().is_some_and(|n| n.value == name.value)),
        None => None,
    };
    match scale {
        Some(s) => (
            s.instances.value.clamp(0, 10_000) as u32,
            s.cpu_millis.value as f64 / 1000.0,
            s.memory_bytes.value as f64 / (1024.0 * 1024.0),
        ),
        None => (1, 0.0, 0.0),
    }
}

/// Builds the model; `None` when an error makes the scenario impossible to run.
pub fn build(
    project: &Project,
    scenario: &Scenario,
    seed: u64,
) -> (Option<Model>, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let deployments = deployments(project, scenario, &mut diagnostics);
    let mut model = Model {
        seed,
        duration: scenario.duration_ns.value,
        hosts: scenario.hosts.as_ref().map_or(0, |h| h.value),
        max_window_s: DEFAULT_WINDOW_S,
        snapshot_every: SNAPSHOT_EVERY,
        ..Model::default()
    };

    // Services and clusters.
    for d in &deployments {
        for c in &d.clusters {
            let mut cluster = ClusterModel {
                deployment: d.name.as_str().to_owned(),
                name: c.name.as_str().to_owned(),
                gateway: None,
                services: Vec::new(),
            };
            for svc in &c.services {
                let name = svc.breed.name().as_str().to_owned();
                let (instances, cpu, memory_mb) = scale_instances(project, svc.scale.as_ref());
                let behavior = scenario.behaviors.iter().find(|b| b.service.value == name);
                let latency = match behavior.and_then(|b| b.latency.as_ref()).map(|l| &l.value) {
                    Some(Latency::Quantiles { p50_ns, p99_ns }) => {
                        Duration::lognormal_from_quantiles(
                            *p50_ns as f64 / 1e9,
                            *p99_ns as f64 / 1e9,
                        )
                    }
                    Some(Latency::Exponential { mean_ns }) => Duration::Exponential {
                        mean: *mean_ns as f64 / 1e9,
                    },
                    Some(Latency::Moments { mean_ns, sd_ns }) => {
                        Duration::lognormal_from_moments(*mean_ns as f64 / 1e9, *sd_ns as f64 / 1e9)
                    }
                    Some(Latency::Constant { ns }) => Duration::Constant {
                        seconds: *ns as f64 / 1e9,
                    },
                    None => Duration::lognormal_from_quantiles(
                        DEFAULT_P50 as f64 / 1e9,
                        DEFAULT_P99 as f64 / 1e9,
                    ),
                };
                cluster.services.push(model.services.len());
                model.services.push(ServiceModel {
                    name,
                    deployment: d.name.as_str().to_owned(),
                    cluster: c.name.as_str().to_owned(),
                    latency,
                    error_rate: behavior
                        .and_then(|b| b.errors_ppm)
                        .map_or(0.0, |p| p as f64 / PPM_FULL as f64),
                    concurrency: behavior
                        .and_then(|b| b.concurrency)
                        .unwrap_or(DEFAULT_CONCURRENCY),
                    startup: behavior.and_then(|b| b.startup_ns).unwrap_or(0),
                    instances,
                    restart_delay: behavior
                        .and_then(|b| b.restart_delay_ns)
                        .unwrap_or(DEFAULT_RESTART_DELAY),
                    cpu,
                    memory_mb,
                });
            }
            model.clusters.push(cluster);
        }
    }
    for b in &scenario.behaviors {
        if !model.services.iter().any(|s| s.name == b.service.value) {
            diagnostics.push(unknown_service(&model, &b.service.value, b.service.span));
        }
    }

    // Gateways: names first (routes may point at gateways declared later).
    let mut deployed: Vec<(&Deployment, &vamp::deployment::DeployedGateway)> = Vec::new();
    for d in &deployments {
        for g in d.all_gateways() {
            deployed.push((d, g));
            model.gateways.push(GatewayModel {
                name: g.name.as_str().to_owned(),
                sticky: sticky(g.sticky.as_ref()),
                routes: Vec::new(),
            });
        }
    }
    for (index, (d, g)) in deployed.iter().enumerate() {
        let mut routes = Vec::new();
        for r in &g.routes {
            let target = match &r.target {
                RouteTarget::Service { cluster, breed, .. } => model
                    .services
                    .iter()
                    .position(|s| {
                        s.deployment == d.name.as_str()
                            && s.cluster == cluster.as_str()
                            && s.name == breed.as_str()
                    })
                    .map(Target::Service),
                RouteTarget::Gateway(name) => model
                    .gateways
                    .iter()
                    .position(|x| x.name == name.as_str())
                    .map(Target::Gateway),
            };
            let Some(target) = target else { continue };
            routes.push(RouteModel {
                name: r.path.clone(),
                weight_bp: u32::from(r.weight.0) * 100,
                condition: r
                    .condition
                    .as_ref()
                    .and_then(|c| compile_condition(project, c)),
                condition_strength_bp: u32::from(r.condition_strength.0) * 100,
                target,
                balance: balance(r.balance.as_deref()),
            });
        }
        model.gateways[index].routes = routes;
    }
    // Top-level gateway artifacts routing to deployed gateways (e.g. `sava` on 9050).
    for g in &project.vamp.gateways {
        let name = g.name.value.as_str().to_owned();
        if model.gateways.iter().any(|x| x.name == name) {
            continue;
        }
        let mut routes: Vec<RouteModel> = g
            .routes
            .iter()
            .filter_map(|r| {
                let path = r.path.text.value.clone();
                let target = model.gateways.iter().position(|x| x.name == path)?;
                Some(RouteModel {
                    name: path,
                    weight_bp: r.weight.as_ref().map_or(0, |w| u32::from(w.value.0) * 100),
                    condition: r
                        .condition
                        .as_ref()
                        .and_then(|c| compile_condition(project, c)),
                    condition_strength_bp: r
                        .condition_strength
                        .as_ref()
                        .map_or(if r.condition.is_some() { 10_000 } else { 0 }, |w| {
                            u32::from(w.value.0) * 100
                        }),
                    target: Target::Gateway(target),
                    balance: balance(r.balance.as_deref()),
                })
            })
            .collect();
        if routes.is_empty() {
            continue;
        }
        if routes.iter().all(|r| r.weight_bp == 0) {
            let share = 10_000 / routes.len() as u32;
            let n = routes.len();
            for (i, r) in routes.iter_mut().enumerate() {
                r.weight_bp = if i + 1 == n {
                    10_000 - share * (n as u32 - 1)
                } else {
                    share
                };
            }
        }
        model.gateways.push(GatewayModel {
            name,
            sticky: sticky(g.sticky.as_ref()),
            routes,
        });
    }
    for cluster in &mut model.clusters {
        let prefix = format!("{}/{}/", cluster.deployment, cluster.name);
        cluster.gateway = model.gateways.iter().position(|g| {
            g.name.starts_with(&prefix) && g.name[prefix.len()..].split('/').count() == 1
        });
    }

    // Traffic.
    for (i, t) in scenario.traffic.iter().enumerate() {
        let Some(gateway) = model.gateways.iter().position(|g| g.name == t.to.value) else {
            diagnostics.push(unknown_gateway(&model, &t.to.value, t.to.span));
            continue;
        };
        let rate = match &t.load {
            Load::Constant(r) => RateProfile::Constant(rate_per_s(*r)),
            Load::Ramp { from, to, over_ns } => RateProfile::Ramp {
                from: rate_per_s(*from),
                to: rate_per_s(*to),
                start: t.start_ns,
                over: *over_ns,
            },
            Load::Steps(steps) => {
                RateProfile::Steps(steps.iter().map(|(at, r)| (*at, rate_per_s(*r))).collect())
            }
        };
        let rate = match (rate, t.start_ns) {
            (RateProfile::Constant(r), start) if start > 0 => RateProfile::Steps(vec![(start, r)]),
            (other, _) => other,
        };
        model.traffic.push(TrafficModel {
            id: format!("traffic:{i}:{}", t.to.value),
            gateway,
            rate,
            clients: t.clients.max(1),
            headers: t
                .headers
                .iter()
                .map(|h| HeaderModel {
                    name: h.name.clone(),
                    values: h.values.clone(),
                })
                .collect(),
            until: t.stop_ns.unwrap_or(u64::MAX),
        });
    }

    // Faults.
    let host_count = model.hosts;
    for f in &scenario.faults {
        let service_of = |model: &Model,
                          name: &crate::ir::scenario::Spanned<String>,
                          diagnostics: &mut Vec<Diagnostic>| {
            let found = model.services.iter().position(|s| s.name == name.value);
            if found.is_none() {
                diagnostics.push(unknown_service(model, &name.value, name.span));
            }
            found
        };
        let (action, description) = match &f.kind {
            FaultKind::Kill {
                service,
                instances,
                restart_delay_ns,
            } => {
                let Some(sv) = service_of(&model, service, &mut diagnostics) else {
                    continue;
                };
                (
                    FaultAction::Kill {
                        service: sv,
                        count: *instances,
                        restart_delay: restart_delay_ns.unwrap_or(model.services[sv].restart_delay),
                    },
                    format!("kill {}", service.value),
                )
            }
            FaultKind::HostDown { host, for_ns } => {
                if host_count > 0 && host.value > host_count {
                    diagnostics.push(Diagnostic::error(
                        &s::S013,
                        host.span,
                        format!(
                            "host {} does not exist: hosts are numbered 1 to {host_count}",
                            host.value
                        ),
                    ));
                    continue;
                }
                (
                    FaultAction::HostDown {
                        host: host.value,
                        duration: *for_ns,
                    },
                    format!("host_down {}", host.value),
                )
            }
            FaultKind::Errors {
                service,
                rate_ppm,
                for_ns,
            } => {
                let Some(sv) = service_of(&model, service, &mut diagnostics) else {
                    continue;
                };
                (
                    FaultAction::Errors {
                        service: sv,
                        rate: *rate_ppm as f64 / PPM_FULL as f64,
                        duration: *for_ns,
                    },
                    format!("errors {}", service.value),
                )
            }
            FaultKind::Latency {
                service,
                added_ns,
                for_ns,
            } => {
                let Some(sv) = service_of(&model, service, &mut diagnostics) else {
                    continue;
                };
                (
                    FaultAction::Latency {
                        service: sv,
                        added: *added_ns,
                        duration: *for_ns,
                    },
                    format!("latency {}", service.value),
                )
            }
            FaultKind::Partition {
                service,
                from,
                for_ns,
            } => {
                let Some(sv) = service_of(&model, service, &mut diagnostics) else {
                    continue;
                };
                let from_index = match from {
                    Some(name) => match model.gateways.iter().position(|g| g.name == name.value) {
                        Some(g) => Some(g),
                        None => {
                            diagnostics.push(unknown_gateway(&model, &name.value, name.span));
                            continue;
                        }
                    },
                    None => None,
                };
                (
                    FaultAction::Partition {
                        service: sv,
                        from: from_index,
                        duration: *for_ns,
                    },
                    format!("partition {}", service.value),
                )
            }
        };
        model.faults.push(FaultModel {
            at: f.at_ns,
            action,
            description,
        });
    }

    // Expectations that name routes.
    for e in &scenario.expect {
        if let crate::ir::scenario::ExpectationKind::WeightReaches { route, .. } = &e.kind {
            if !model
                .gateways
                .iter()
                .any(|g| g.routes.iter().any(|r| r.name == route.value))
            {
                diagnostics.push(Diagnostic::error(
                    &s::S018,
                    route.span,
                    format!("no gateway has a route named '{}'", route.value),
                ));
            }
        }
    }

    // Programs.
    for w in &project.vamp.workflows {
        if let Some(program) = program(project, scenario, w, &mut model, &mut diagnostics) {
            model.programs.push(program);
        }
    }

    let failed = diagnostics.iter().any(|d| d.is_error());
    ((!failed).then_some(model), diagnostics)
}

fn sticky(s: Option<&vamp::Sticky>) -> Sticky {
    match s {
        Some(vamp::Sticky::Route) => Sticky::Route,
        Some(vamp::Sticky::Instance) => Sticky::Instance,
        None => Sticky::None,
    }
}

fn balance(b: Option<&str>) -> Balance {
    match b {
        Some(text) if text.trim().eq_ignore_ascii_case("leastconn") => Balance::LeastConn,
        _ => Balance::RoundRobin,
    }
}

fn compile_condition(project: &Project, c: &RouteCondition) -> Option<Condition> {
    let definition = match c {
        RouteCondition::Inline(d) => d.clone(),
        RouteCondition::Reference(name) => project
            .vamp
            .conditions
            .iter()
            .find(|x| x.name.value == name.value)?
            .definition
            .clone(),
    };
    let ast = Arc::new(definition.ast);
    Some(Condition {
        text: definition.text.value,
        // A condition that depends on a raw ACL the simulator cannot evaluate does not match.
        matches: Arc::new(move |view: &RequestView<'_>| {
            evaluate(&ast, &Headers(view)).unwrap_or(false)
        }),
    })
}

fn unknown_service(model: &Model, name: &str, span: crate::source::Span) -> Diagnostic {
    let known: Vec<&str> = model.services.iter().map(|s| s.name.as_str()).collect();
    Diagnostic::error(
        &s::S011,
        span,
        format!("no deployed service named '{name}'"),
    )
    .with_help(if known.is_empty() {
        "the scenario deploys no service".to_owned()
    } else {
        format!("deployed services: {}", known.join(", "))
    })
}

fn unknown_gateway(model: &Model, name: &str, span: crate::source::Span) -> Diagnostic {
    let known: Vec<&str> = model.gateways.iter().map(|g| g.name.as_str()).collect();
    Diagnostic::error(&s::S012, span, format!("no gateway named '{name}'")).with_help(
        if known.is_empty() {
            "the scenario's deployments have no gateway".to_owned()
        } else {
            format!("gateways: {}", known.join(", "))
        },
    )
}

fn env_u64(w: &Workflow, name: &str, default: u64) -> u64 {
    w.env(name)
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|v| *v >= 0.0)
        .map_or(default, |v| v as u64)
}

/// The built-in program a workflow selects, with its parameters resolved.
fn program(
    project: &Project,
    scenario: &Scenario,
    w: &Workflow,
    model: &mut Model,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<ProgramModel> {
    if matches!(
        w.status,
        vamp::WorkflowStatus::Suspended
            | vamp::WorkflowStatus::Suspending
            | vamp::WorkflowStatus::Stopping
    ) {
        return None;
    }
    let breed = w.breed.name().as_str();
    let chosen = w
        .metadata
        .iter()
        .find(|(k, _)| k == "rehearse/program")
        .map(|(_, v)| v.as_str())
        .or_else(|| {
            let defined = project
                .vamp
                .breeds
                .iter()
                .any(|b| b.name.value.as_str() == breed)
                || w.breed.inline().is_some();
            (!defined).then_some(breed)
        });
    let name = w.name.value.as_str().to_owned();
    let Some(kind_name) = chosen.filter(|k| BUILT_IN_PROGRAMS.contains(k)) else {
        diagnostics.push(
            Diagnostic::warning(
                &s::S016,
                w.name.span,
                format!("workflow '{name}' runs JavaScript breed '{breed}': it does not run in the rehearsal"),
            )
            .with_help(format!(
                "built-in programs: {} (select one with `metadata: {{rehearse/program: NAME}}`)",
                BUILT_IN_PROGRAMS.join(", ")
            )),
        );
        return None;
    };
    let bad = |diagnostics: &mut Vec<Diagnostic>, what: String| {
        diagnostics.push(Diagnostic::warning(
            &s::S017,
            w.name.span,
            format!("workflow '{name}' ({kind_name}): {what}; it does not run"),
        ));
    };
    let period_s = |default: u64| env_u64(w, "VAMP_WORKFLOW_EXECUTION_PERIOD", default);
    let schedule_with = |period: Nanos, diagnostics: &mut Vec<Diagnostic>| -> Schedule {
        match &w.schedule.value {
            vamp::Schedule::Daemon => Schedule::Every { start: 0, period },
            vamp::Schedule::Event { tags } => Schedule::Event { tags: tags.clone() },
            vamp::Schedule::Time {
                period: p,
                start,
                repeat,
            } => time_schedule(
                w.name.value.as_str(),
                p,
                start.as_ref(),
                *repeat,
                scenario,
                diagnostics,
            ),
        }
    };
    let find_gateway = |model: &Model, key: &str| -> Result<usize, String> {
        let value = w.env(key).ok_or(format!("{key} is not set"))?;
        model
            .gateways
            .iter()
            .position(|g| g.name == value)
            .ok_or(format!("{key} names no gateway ('{value}')"))
    };
    let find_route = |model: &Model, g: usize, key: &str| -> Result<usize, String> {
        let value = w.env(key).ok_or(format!("{key} is not set"))?;
        model.gateways[g]
            .routes
            .iter()
            .position(|r| r.name == value)
            .ok_or(format!(
                "{key} names no route of {} ('{value}')",
                model.gateways[g].name
            ))
    };
    let kind = match kind_name {
        "canary" => {
            let resolved = find_gateway(model, "GATEWAY").and_then(|g| {
                Ok((
                    g,
                    find_route(model, g, "SERVICE1")?,
                    find_route(model, g, "SERVICE2")?,
                ))
            });
            let (gateway, old_route, new_route) = match resolved {
                Ok(x) => x,
                Err(e) => {
                    bad(diagnostics, e);
                    return None;
                }
            };
            let window_s = env_u64(w, "WINDOW", 30);
            model.max_window_s = model.max_window_s.max(window_s);
            let period = env_u64(w, "PERIOD", 5) * NANOS_PER_SEC;
            return Some(ProgramModel {
                name,
                kind: ProgramKind::Canary {
                    gateway,
                    old_route,
                    new_route,
                    window_s,
                },
                schedule: schedule_with(period, diagnostics),
            });
        }
        "health" => ProgramKind::Health {
            window_s: DEFAULT_WINDOW_S,
        },
        "metrics" => ProgramKind::Metrics {
            window_s: DEFAULT_WINDOW_S,
        },
        "allocation" => ProgramKind::Allocation,
        "auto-scaling" => {
            let resolved = find_gateway(model, "GATEWAY").and_then(|g| {
                Ok((
                    g,
                    find_route(model, g, "ROUTE1")?,
                    find_route(model, g, "ROUTE2")?,
                ))
            });
            let (gateway, r1, r2) = match resolved {
                Ok(x) => x,
                Err(e) => {
                    bad(diagnostics, e);
                    return None;
                }
            };
            // SERVICEn = deployments/D/clusters/C/services/S
            let service = |key: &str| -> Result<usize, String> {
                let value = w.env(key).ok_or(format!("{key} is not set"))?;
                let parts: Vec<&str> = value.split('/').collect();
                let (d, c, s) = match parts.as_slice() {
                    ["deployments", d, "clusters", c, "services", s] => (*d, *c, *s),
                    _ => return Err(format!("{key} must be deployments/D/clusters/C/services/S")),
                };
                model
                    .services
                    .iter()
                    .position(|x| x.deployment == d && x.cluster == c && x.name == s)
                    .ok_or(format!("{key} names no deployed service ('{value}')"))
            };
            let services = match (service("SERVICE1"), service("SERVICE2")) {
                (Ok(a), Ok(b)) => [a, b],
                (Err(e), _) | (_, Err(e)) => {
                    bad(diagnostics, e);
                    return None;
                }
            };
            let period = env_u64(w, "PERIOD", 15) * NANOS_PER_SEC;
            return Some(ProgramModel {
                name,
                kind: ProgramKind::AutoScaling {
                    gateway,
                    routes: [r1, r2],
                    services,
                    min: env_u64(w, "SCALE_MIN", 2) as u32,
                    max: env_u64(w, "SCALE_MAX", 4) as u32,
                },
                schedule: schedule_with(period, diagnostics),
            });
        }
        _ => {
            // `traffic` (CANARY.md §1.1): `setInterval(run, PERIOD)` from the start; the first
            // tick only resolves the gateway host, every later one sends a request to the
            // gateway on PORT, and the responses are published on the bus.
            let port = env_u64(w, "PORT", 0);
            let period_ms = env_u64(w, "PERIOD", 500).max(1);
            let Some(gateway) = model
                .gateways
                .iter()
                .position(|g| g.name.rsplit('/').next() == Some(port.to_string().as_str()))
            else {
                bad(diagnostics, format!("no gateway on PORT {port}"));
                return None;
            };
            let every = period_ms.saturating_mul(NANOS_PER_MS);
            model.workflow_traffic.push(WorkflowTraffic {
                source: model.traffic.len(),
                workflow: name.clone(),
                ok_every: 10_000.0 / period_ms as f64,
            });
            model.traffic.push(TrafficModel {
                id: format!("workflow:{name}"),
                gateway,
                rate: RateProfile::Periodic {
                    first: every.saturating_mul(2),
                    every,
                },
                clients: 1,
                headers: Vec::new(),
                until: u64::MAX,
            });
            return None;
        }
    };
    Some(ProgramModel {
        name,
        kind,
        schedule: schedule_with(period_s(5) * NANOS_PER_SEC, diagnostics),
    })
}

/// A Vamp time schedule on the rehearsal's clock. With a scenario `clock`, an absolute
/// `start` runs at `start − clock` (a start in the past at its next period boundary) and
/// months and years follow the calendar; `start: now` is t = 0. Without a clock there is no
/// calendar: the schedule starts at t = 0, months count 30 days and years 365, and an
/// absolute start draws a warning.
fn time_schedule(
    workflow: &str,
    period: &vamp::SchedulePeriod,
    start: Option<&(crate::ir::Spanned<String>, i128)>,
    repeat: Option<i64>,
    scenario: &Scenario,
    diagnostics: &mut Vec<Diagnostic>,
) -> Schedule {
    let repeat = repeat.map(|r| r.max(0) as u64);
    if let Some(clock) = &scenario.clock {
        let anchor = match start {
            Some((text, _)) => match iso8601::parse_date_time(&text.value) {
                Ok(at) => at,
                // Already refused by the workflow's reader.
                Err(_) => clock.value,
            },
            None => clock.value,
        };
        let calendar_period = CalendarPeriod {
            months: i64::from(period.years) * 12 + i64::from(period.months),
            days: i64::from(period.days),
            time_ns: period.time_ns,
        };
        return calendar::schedule(
            &calendar::anchor_of(&anchor),
            &calendar_period,
            repeat,
            clock.value.unix_nanos(),
        );
    }
    if let Some((text, _)) = start {
        // At the scenario: the fix (a clock) goes there, and each scenario needs its own.
        diagnostics.push(
            Diagnostic::warning(
                &s::S019,
                scenario.name.span,
                format!(
                    "scenario '{}' has no `clock`, so the start of workflow '{workflow}' ({}) is ignored: it starts at t = 0",
                    scenario.name.value,
                    text.value.trim()
                ),
            )
            .with_help(format!(
                "add e.g. `clock: {}` to the scenario to say which instant t = 0 stands for",
                text.value.trim()
            ))
            .with_label(text.span, "an absolute start"),
        );
    }
    let days =
        i128::from(period.days) + 30 * i128::from(period.months) + 365 * i128::from(period.years);
    let ns = period.time_ns + days * 86_400 * i128::from(NANOS_PER_SEC);
    Schedule::Time {
        start: 0,
        period: ns.clamp(0, i128::from(u64::MAX)) as u64,
        repeat,
    }
}
