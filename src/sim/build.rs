//! Builds the runtime [`Model`] from what a scenario deploys ([`Topology`], every dialect
//! lowered into it) and the scenario: workloads as services with their behaviors, routers as
//! gateways with compiled conditions, traffic, faults and the controllers' built-in programs,
//! every name turned into an index.
//!
//! Names that do not resolve are the checker's to report (`check::scenario`, run by
//! `check::check`); `build` expects a checked project and only says which reference it could
//! not build.

use super::calendar::{self, CalendarPeriod};
use super::engine::{Nanos, NANOS_PER_MS, NANOS_PER_SEC};
use super::model::*;
use super::samplers::Duration;
use crate::diag::codes::s;
use crate::diag::Diagnostic;
use crate::ir::scenario::{FaultKind, Latency, Load, Scenario, PPM_FULL};
use crate::ir::topology::{self, Activation, ControllerOutcome, Program, RouteTo, Topology};
use crate::ir::vamp::ConditionDefinition;
use crate::ir::{Project, Spanned};
use crate::source::Span;
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

/// A reference the model cannot be built without. `check::scenario` reports each of these
/// as an error (under the same code), so a checked project never produces one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unresolved {
    pub what: Missing,
    pub name: String,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Missing {
    Service,
    Gateway,
    Host,
    Instance,
}

impl Unresolved {
    fn of(what: Missing, name: &Spanned<String>) -> Unresolved {
        Unresolved {
            what,
            name: name.value.clone(),
            span: name.span,
        }
    }

    /// The finding, under the code the scenario check gives it.
    pub fn diagnostic(&self) -> Diagnostic {
        let (code, what) = match self.what {
            Missing::Service => (&s::S011, "service"),
            Missing::Gateway => (&s::S012, "gateway"),
            Missing::Host => (&s::S013, "host"),
            Missing::Instance => (&s::S026, "node instance"),
        };
        Diagnostic::error(code, self.span, format!("no {what} named '{}'", self.name))
            .with_help("`rehearse check` lists what the scenario may refer to")
    }
}

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

/// Builds the model of a scenario of a checked project (`check::check` has reported its
/// mistakes; an unchecked reference that cannot be built comes back as an error).
pub fn build(project: &Project, scenario: &Scenario, seed: u64) -> Result<Model, Unresolved> {
    let topology = crate::lower::resolve(project, scenario);
    let mut model = build_model(&topology, scenario, seed)?;
    model.api = super::api::build::build(project, scenario, &topology);
    super::rollout::model::add(project, scenario, &topology, &mut model);
    Ok(model)
}

/// Builds the model of a checked scenario.
pub fn build_model(
    topology: &Topology,
    scenario: &Scenario,
    seed: u64,
) -> Result<Model, Unresolved> {
    let mut model = Model {
        seed,
        duration: scenario.duration_ns.value,
        hosts: topology.hosts,
        max_window_s: DEFAULT_WINDOW_S,
        snapshot_every: SNAPSHOT_EVERY,
        ..Model::default()
    };
    model.services = topology
        .workloads
        .iter()
        .map(|w| service(w, scenario))
        .collect();
    for managed in &topology.managed {
        for (n, node) in managed.nodes.iter().enumerate() {
            let count = managed.instances.iter().filter(|i| i.node == n).count();
            if let Some(s) = model.services.get_mut(node.workload) {
                s.instances = count as u32;
            }
        }
        model.managed.push(managed_model(managed));
    }
    model.clusters = topology.groups.iter().map(cluster).collect();
    model.gateways = topology.routers.iter().map(gateway).collect();
    add_traffic(&mut model, topology, scenario)?;
    add_faults(&mut model, topology, scenario)?;
    for controller in &topology.controllers {
        if let ControllerOutcome::Runs(program) = &controller.outcome {
            add_program(&mut model, controller, program, scenario);
        }
    }
    Ok(model)
}

/// A Cloudify deployment with its policies' service patterns compiled (an invalid pattern
/// matches its text literally).
fn managed_model(plan: &topology::ManagedDeployment) -> ManagedModel {
    let compile = |p: &str| {
        regex::Regex::new(p).unwrap_or_else(|_| {
            regex::Regex::new(&regex::escape(p)).unwrap_or_else(|_| unreachable_regex())
        })
    };
    let patterns = plan
        .policies
        .iter()
        .map(|p| match &p.rule {
            topology::PolicyRule::HostFailure { services } => {
                services.iter().map(|s| compile(s)).collect()
            }
            topology::PolicyRule::Threshold { service, .. }
            | topology::PolicyRule::EwmaStabilized { service, .. } => vec![compile(service)],
        })
        .collect();
    ManagedModel {
        plan: plan.clone(),
        patterns,
    }
}

/// A pattern that matches nothing (an escaped pattern always compiles; this is the fallback
/// of the fallback).
fn unreachable_regex() -> regex::Regex {
    regex::Regex::new("[^\\s\\S]").unwrap_or_else(|_| unreachable!("a constant pattern compiles"))
}

/// A scenario latency as a sampler (the default lognormal when none is given).
pub(crate) fn duration_of(latency: Option<&Latency>) -> Duration {
    match latency {
        Some(Latency::Quantiles { p50_ns, p99_ns }) => {
            Duration::lognormal_from_quantiles(*p50_ns as f64 / 1e9, *p99_ns as f64 / 1e9)
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
        None => {
            Duration::lognormal_from_quantiles(DEFAULT_P50 as f64 / 1e9, DEFAULT_P99 as f64 / 1e9)
        }
    }
}

fn service(s: &topology::Workload, scenario: &Scenario) -> ServiceModel {
    let behavior = scenario
        .behaviors
        .iter()
        .find(|b| b.service.value == s.name.value)
        .or_else(|| {
            // A Cloudify node by its bare name, when no other workload has it.
            let alias = s.alias.as_deref()?;
            scenario.behaviors.iter().find(|b| b.service.value == alias)
        });
    let latency = duration_of(behavior.and_then(|b| b.latency.as_ref()).map(|l| &l.value));
    ServiceModel {
        name: s.name.value.clone(),
        deployment: s.deployment.clone(),
        cluster: s.group.clone(),
        latency,
        error_rate: behavior
            .and_then(|b| b.errors_ppm)
            .map_or(0.0, |p| p as f64 / PPM_FULL as f64),
        concurrency: behavior
            .and_then(|b| b.concurrency)
            .unwrap_or(DEFAULT_CONCURRENCY),
        startup: behavior.and_then(|b| b.startup_ns).unwrap_or(0),
        instances: s.instances,
        restart_delay: behavior
            .and_then(|b| b.restart_delay_ns)
            .unwrap_or(DEFAULT_RESTART_DELAY),
        cpu: s.resources.cpu_millis as f64 / 1000.0,
        memory_mb: s.resources.memory_bytes as f64 / (1024.0 * 1024.0),
    }
}

fn cluster(g: &topology::WorkloadGroup) -> ClusterModel {
    ClusterModel {
        deployment: g.deployment.clone(),
        name: g.name.clone(),
        services: g.workloads.clone(),
        gateway: g.router,
    }
}

fn gateway(g: &topology::Router) -> GatewayModel {
    GatewayModel {
        name: g.name.clone(),
        sticky: sticky(g.sticky),
        routes: g
            .routes
            .iter()
            .map(|r| RouteModel {
                name: r.name.clone(),
                weight_bp: r.weight_bp,
                condition: r.condition.as_ref().map(compile_condition),
                condition_strength_bp: r.condition_strength_bp,
                target: match r.target {
                    RouteTo::Workload(s) => Target::Service(s),
                    RouteTo::Router(g) => Target::Gateway(g),
                },
                balance: balance(r.balance),
            })
            .collect(),
    }
}

fn add_traffic(
    model: &mut Model,
    topology: &Topology,
    scenario: &Scenario,
) -> Result<(), Unresolved> {
    for (i, t) in scenario.traffic.iter().enumerate() {
        if t.request.is_some() {
            continue; // a request to a KrakenD endpoint: `api::build`
        }
        let gateway = topology
            .router_by_name(&t.to.value)
            .ok_or_else(|| Unresolved::of(Missing::Gateway, &t.to))?;
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
    Ok(())
}

fn add_faults(
    model: &mut Model,
    topology: &Topology,
    scenario: &Scenario,
) -> Result<(), Unresolved> {
    let service_of = |name: &Spanned<String>| {
        topology
            .workload_by_name(&name.value)
            .ok_or_else(|| Unresolved::of(Missing::Service, name))
    };
    for f in &scenario.faults {
        let (action, description) = match &f.kind {
            FaultKind::InstanceDown { instance, for_ns } => {
                let (deployment, index) = topology
                    .managed_instance(&instance.value)
                    .ok_or_else(|| Unresolved::of(Missing::Instance, instance))?;
                (
                    FaultAction::NodeDown {
                        deployment,
                        instance: index,
                        duration: *for_ns,
                    },
                    format!("host_down {}", instance.value),
                )
            }
            FaultKind::Kill { service, .. }
                if topology.workload_by_name(&service.value).is_none_or(|w| {
                    topology.workloads[w].lifecycle == topology::Lifecycle::Workflows
                }) =>
            {
                let action = match topology.managed_node(&service.value) {
                    Some((deployment, node)) => FaultAction::NodeKill {
                        deployment,
                        node,
                        instance: None,
                    },
                    None => {
                        let (deployment, index) = topology
                            .managed_instance(&service.value)
                            .ok_or_else(|| Unresolved::of(Missing::Instance, service))?;
                        FaultAction::NodeKill {
                            deployment,
                            node: topology.managed[deployment].instances[index].node,
                            instance: Some(index),
                        }
                    }
                };
                (action, format!("kill {}", service.value))
            }
            FaultKind::Kill {
                service,
                instances,
                restart_delay_ns,
            } => {
                let sv = service_of(service)?;
                let default_delay = model
                    .services
                    .get(sv)
                    .map_or(DEFAULT_RESTART_DELAY, |s| s.restart_delay);
                (
                    FaultAction::Kill {
                        service: sv,
                        count: *instances,
                        restart_delay: restart_delay_ns.unwrap_or(default_delay),
                    },
                    format!("kill {}", service.value),
                )
            }
            FaultKind::HostDown { host, for_ns } => {
                if !topology.has_host(host.value) {
                    return Err(Unresolved {
                        what: Missing::Host,
                        name: host.value.to_string(),
                        span: host.span,
                    });
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
            } => (
                FaultAction::Errors {
                    service: service_of(service)?,
                    rate: *rate_ppm as f64 / PPM_FULL as f64,
                    duration: *for_ns,
                },
                format!("errors {}", service.value),
            ),
            FaultKind::Latency {
                service,
                added_ns,
                for_ns,
            } => (
                FaultAction::Latency {
                    service: service_of(service)?,
                    added: *added_ns,
                    duration: *for_ns,
                },
                format!("latency {}", service.value),
            ),
            FaultKind::Partition {
                service,
                from,
                for_ns,
            } => {
                let service_index = service_of(service)?;
                let from_index = match from {
                    Some(name) => Some(
                        topology
                            .router_by_name(&name.value)
                            .ok_or_else(|| Unresolved::of(Missing::Gateway, name))?,
                    ),
                    None => None,
                };
                (
                    FaultAction::Partition {
                        service: service_index,
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
    Ok(())
}

fn sticky(s: topology::Stickiness) -> Sticky {
    match s {
        topology::Stickiness::Route => Sticky::Route,
        topology::Stickiness::Instance => Sticky::Instance,
        topology::Stickiness::None => Sticky::None,
    }
}

fn balance(b: topology::Balance) -> Balance {
    match b {
        topology::Balance::LeastConn => Balance::LeastConn,
        topology::Balance::RoundRobin => Balance::RoundRobin,
    }
}

fn compile_condition(definition: &ConditionDefinition) -> Condition {
    let ast = Arc::new(definition.ast.clone());
    Condition {
        text: definition.text.value.clone(),
        // A condition that depends on a raw ACL the simulator cannot evaluate does not match.
        matches: Arc::new(move |view: &RequestView<'_>| {
            evaluate(&ast, &Headers(view)).unwrap_or(false)
        }),
    }
}

/// Adds a controller's program (or, for Vamp's traffic workflow, its traffic source).
fn add_program(
    model: &mut Model,
    controller: &topology::Controller,
    program: &Program,
    scenario: &Scenario,
) {
    let name = controller.name.value.clone();
    let (kind, period_s) = match *program {
        Program::Canary {
            router: gateway,
            old_route,
            new_route,
            window_s,
            period_s,
        } => {
            model.max_window_s = model.max_window_s.max(window_s);
            (
                ProgramKind::Canary {
                    gateway,
                    old_route,
                    new_route,
                    window_s,
                },
                period_s,
            )
        }
        Program::Health { period_s } => (
            ProgramKind::Health {
                window_s: DEFAULT_WINDOW_S,
            },
            period_s,
        ),
        Program::Metrics { period_s } => (
            ProgramKind::Metrics {
                window_s: DEFAULT_WINDOW_S,
            },
            period_s,
        ),
        Program::Allocation { period_s } => (ProgramKind::Allocation, period_s),
        Program::AutoScaling {
            router: gateway,
            routes,
            workloads: services,
            min,
            max,
            period_s,
        } => (
            ProgramKind::AutoScaling {
                gateway,
                routes,
                services,
                min,
                max,
            },
            period_s,
        ),
        Program::Traffic {
            router: gateway,
            period_ms,
        } => {
            // CANARY.md §1.1: `setInterval(run, PERIOD)` from the start; the first tick only
            // resolves the gateway host, every later one sends a request to the gateway, and
            // the responses are published on the bus.
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
            return;
        }
    };
    let period = period_s.saturating_mul(NANOS_PER_SEC); // periods are user input
    let schedule = match &controller.activation {
        Activation::Daemon => Schedule::Every { start: 0, period },
        Activation::Event { tags } => Schedule::Event { tags: tags.clone() },
        Activation::Time {
            period,
            start,
            repeat,
        } => time_schedule(period, start.as_ref(), *repeat, scenario),
    };
    model.programs.push(ProgramModel {
        name,
        kind,
        schedule,
    });
}

/// A time activation (a Vamp time schedule) on the rehearsal's clock. With a scenario `clock`, an absolute
/// `start` runs at `start − clock` (a start in the past at its next period boundary) and
/// months and years follow the calendar; `start: now` is t = 0. Without a clock there is no
/// calendar: the schedule starts at t = 0 (`check::scenario` warns about an absolute start),
/// and months count 30 days and years 365.
fn time_schedule(
    period: &topology::Period,
    start: Option<&(Spanned<String>, i128)>,
    repeat: Option<i64>,
    scenario: &Scenario,
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
    let days =
        i128::from(period.days) + 30 * i128::from(period.months) + 365 * i128::from(period.years);
    let ns = period.time_ns + days * 86_400 * i128::from(NANOS_PER_SEC);
    Schedule::Time {
        start: 0,
        period: ns.clamp(0, i128::from(u64::MAX)) as u64,
        repeat,
    }
}
