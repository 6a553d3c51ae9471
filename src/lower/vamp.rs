//! Vamp into the runtime description: deployments from blueprints (merged in `deploy` order, as
//! Vamp merges), each cluster a workload group and each service a workload, gateways as
//! routers (external `deployment/port`, internal `deployment/cluster/port` with routes
//! `deployment/cluster/service/port`, and the project's gateways that route to them), and the
//! workflows as controllers running a built-in program.

use crate::ir::scenario::Scenario;
use crate::ir::topology::{
    Activation, Balance, Controller, ControllerOutcome, Deployed, Dialect, Lifecycle, Period,
    Program, Resources, Route, RouteIndex, RouteTo, Router, RouterIndex, RouterKind, Stickiness,
    Topology, Workload, WorkloadGroup, WorkloadIndex, BUILT_IN_PROGRAMS, FULL_WEIGHT_BP,
};
use crate::ir::vamp::deployment::{deploy, merge, DeployedGateway, Deployment, RouteTarget};
use crate::ir::vamp::{
    self, ConditionDefinition, DeploymentName, Percent, RouteCondition, ScaleRef, Workflow,
    WorkflowStatus,
};
use crate::ir::{Project, Spanned};

/// Lowers the scenario's Vamp deployments and the project's workflows into `topology`.
pub fn lower(project: &Project, scenario: &Scenario, topology: &mut Topology) {
    let deployments = deployments(project, scenario, topology);
    topology
        .deployments
        .extend(deployments.iter().map(|d| Deployed {
            name: d.name.as_str().to_owned(),
            dialect: Dialect::Vamp,
        }));
    add_workloads(project, &deployments, topology);
    add_deployed_routers(project, &deployments, topology);
    add_project_routers(project, topology);
    link_group_routers(topology);
    let controllers: Vec<Controller> = project
        .vamp
        .workflows
        .iter()
        .map(|w| controller(project, topology, w))
        .collect();
    topology.controllers.extend(controllers);
}

/// The deployments in `deploy` order, each merge step applied to the deployment it names;
/// steps naming no blueprint are kept in `topology` for the checker.
fn deployments(project: &Project, scenario: &Scenario, topology: &mut Topology) -> Vec<Deployment> {
    let mut deployments: Vec<Deployment> = Vec::new();
    for step in scenario.deploy.iter().filter(|s| s.cloudify.is_none()) {
        let Some(blueprint) = project.vamp.blueprint(&step.blueprint.value) else {
            topology.unknown_blueprints.push(step.blueprint.clone());
            continue;
        };
        let existing = deployments
            .iter()
            .position(|d| d.name.as_str() == step.deployment.value);
        match existing {
            Some(i) => deployments[i] = merge(&deployments[i], blueprint, &project.vamp).0,
            None => {
                let name = DeploymentName(step.deployment.value.clone());
                deployments.push(deploy(blueprint, &name, &project.vamp).0);
            }
        }
    }
    deployments
}

fn add_workloads(project: &Project, deployments: &[Deployment], topology: &mut Topology) {
    for d in deployments {
        for c in &d.clusters {
            let mut group = WorkloadGroup {
                deployment: d.name.as_str().to_owned(),
                name: c.name.as_str().to_owned(),
                workloads: Vec::new(),
                router: None,
            };
            for svc in &c.services {
                let (instances, resources) = scale(project, svc.scale.as_ref());
                group.workloads.push(topology.workloads.len());
                topology.workloads.push(Workload {
                    name: Spanned::new(svc.breed.name().as_str().to_owned(), svc.breed.name_span()),
                    deployment: group.deployment.clone(),
                    group: group.name.clone(),
                    instances,
                    resources,
                    lifecycle: Lifecycle::Orchestrated,
                    alias: None,
                });
            }
            topology.groups.push(group);
        }
    }
}

/// Routers are named first, so that a route may point at a gateway declared later.
fn add_deployed_routers(project: &Project, deployments: &[Deployment], topology: &mut Topology) {
    let mut deployed: Vec<(&Deployment, &DeployedGateway, RouterKind)> = Vec::new();
    for d in deployments {
        deployed.extend(d.gateways.iter().map(|g| (d, g, RouterKind::External)));
        for c in &d.clusters {
            deployed.extend(c.gateways.iter().map(|g| (d, g, RouterKind::Internal)));
        }
    }
    let first = topology.routers.len();
    topology
        .routers
        .extend(deployed.iter().map(|(_, g, kind)| Router {
            name: g.name.as_str().to_owned(),
            span: g.port.span,
            kind: *kind,
            sticky: sticky(g.sticky.as_ref()),
            routes: Vec::new(),
        }));
    for (index, (d, g, _)) in deployed.iter().enumerate() {
        let mut routes = Vec::new();
        for r in &g.routes {
            let target = match &r.target {
                RouteTarget::Service { cluster, breed, .. } => topology
                    .workload_in(d.name.as_str(), cluster.as_str(), breed.as_str())
                    .map(RouteTo::Workload),
                RouteTarget::Gateway(name) => {
                    topology.router_by_name(name.as_str()).map(RouteTo::Router)
                }
            };
            let Some(target) = target else { continue };
            routes.push(Route {
                name: r.path.clone(),
                weight_bp: u32::from(r.weight.0) * 100,
                condition: resolve_condition(project, r.condition.as_ref()),
                condition_strength_bp: strength_bp(r.condition_strength),
                balance: balance(r.balance.as_deref()),
                target,
            });
        }
        topology.routers[first + index].routes = routes;
    }
}

/// A project gateway joins when no router has its name and at least one of its routes names
/// a router already known (e.g. `sava` on 9050 routing to `sava/9050`).
fn add_project_routers(project: &Project, topology: &mut Topology) {
    for g in &project.vamp.gateways {
        let name = g.name.value.as_str();
        if topology.router_by_name(name).is_some() {
            continue;
        }
        let mut routes: Vec<Route> = g
            .routes
            .iter()
            .filter_map(|r| {
                let target = topology.router_by_name(&r.path.text.value)?;
                Some(Route {
                    name: r.path.text.value.clone(),
                    weight_bp: r.weight.as_ref().map_or(0, |w| u32::from(w.value.0) * 100),
                    condition: resolve_condition(project, r.condition.as_ref()),
                    condition_strength_bp: strength_bp(r.effective_condition_strength()),
                    balance: balance(r.balance.as_deref()),
                    target: RouteTo::Router(target),
                })
            })
            .collect();
        if routes.is_empty() {
            continue;
        }
        // No route weighted: they share 100%, the last one taking the remainder.
        if routes.iter().all(|r| r.weight_bp == 0) {
            let n = routes.len() as u32;
            let share = FULL_WEIGHT_BP / n;
            for (i, r) in routes.iter_mut().enumerate() {
                r.weight_bp = if i as u32 + 1 == n {
                    FULL_WEIGHT_BP - share * (n - 1)
                } else {
                    share
                };
            }
        }
        topology.routers.push(Router {
            name: name.to_owned(),
            span: g.name.span,
            kind: RouterKind::Project,
            sticky: sticky(g.sticky.as_ref()),
            routes,
        });
    }
}

/// A cluster's router: the first named `deployment/cluster/port`.
fn link_group_routers(topology: &mut Topology) {
    for group in &mut topology.groups {
        let prefix = format!("{}/{}/", group.deployment, group.name);
        group.router = topology.routers.iter().position(|r| {
            r.name
                .strip_prefix(&prefix)
                .is_some_and(|port| !port.contains('/'))
        });
    }
}

/// What a workflow does in a rehearsal of this topology.
fn controller(project: &Project, topology: &Topology, w: &Workflow) -> Controller {
    Controller {
        name: Spanned::new(w.name.value.as_str().to_owned(), w.name.span),
        activation: activation(&w.schedule.value),
        outcome: outcome(project, topology, w),
    }
}

fn activation(schedule: &vamp::Schedule) -> Activation {
    match schedule {
        vamp::Schedule::Daemon => Activation::Daemon,
        vamp::Schedule::Event { tags } => Activation::Event { tags: tags.clone() },
        vamp::Schedule::Time {
            period,
            start,
            repeat,
        } => Activation::Time {
            period: Period {
                years: period.years,
                months: period.months,
                days: period.days,
                time_ns: period.time_ns,
            },
            start: start.clone(),
            repeat: *repeat,
        },
    }
}

fn outcome(project: &Project, topology: &Topology, w: &Workflow) -> ControllerOutcome {
    if matches!(
        w.status,
        WorkflowStatus::Suspended | WorkflowStatus::Suspending | WorkflowStatus::Stopping
    ) {
        return ControllerOutcome::Stopped;
    }
    let breed = w.breed.name().as_str();
    // A breed the project defines is JavaScript, unless metadata picks a program.
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
    let Some(program) = chosen.and_then(|k| BUILT_IN_PROGRAMS.iter().find(|p| **p == k)) else {
        return ControllerOutcome::NotSimulated {
            breed: breed.to_owned(),
        };
    };
    match program_of(topology, program, w) {
        Ok(p) => ControllerOutcome::Runs(p),
        Err(problem) => ControllerOutcome::BadParameter { program, problem },
    }
}

fn program_of(topology: &Topology, program: &str, w: &Workflow) -> Result<Program, String> {
    let router = |key: &str| -> Result<RouterIndex, String> {
        let value = w.env(key).ok_or(format!("{key} is not set"))?;
        topology
            .router_by_name(value)
            .ok_or(format!("{key} names no gateway ('{value}')"))
    };
    let route = |g: RouterIndex, key: &str| -> Result<RouteIndex, String> {
        let value = w.env(key).ok_or(format!("{key} is not set"))?;
        topology.route_by_name(g, value).ok_or_else(|| {
            format!(
                "{key} names no route of {} ('{value}')",
                topology.routers.get(g).map_or("", |g| g.name.as_str())
            )
        })
    };
    // SERVICEn = deployments/D/clusters/C/services/S
    let workload = |key: &str| -> Result<WorkloadIndex, String> {
        let value = w.env(key).ok_or(format!("{key} is not set"))?;
        let parts: Vec<&str> = value.split('/').collect();
        let (d, c, s) = match parts.as_slice() {
            ["deployments", d, "clusters", c, "services", s] => (*d, *c, *s),
            _ => return Err(format!("{key} must be deployments/D/clusters/C/services/S")),
        };
        topology
            .workload_in(d, c, s)
            .ok_or(format!("{key} names no deployed service ('{value}')"))
    };
    let execution_period_s = || env_u64(w, "VAMP_WORKFLOW_EXECUTION_PERIOD", 5);
    Ok(match program {
        "canary" => {
            let g = router("GATEWAY")?;
            Program::Canary {
                router: g,
                old_route: route(g, "SERVICE1")?,
                new_route: route(g, "SERVICE2")?,
                window_s: env_u64(w, "WINDOW", 30),
                period_s: env_u64(w, "PERIOD", 5),
            }
        }
        "health" => Program::Health {
            period_s: execution_period_s(),
        },
        "metrics" => Program::Metrics {
            period_s: execution_period_s(),
        },
        "allocation" => Program::Allocation {
            period_s: execution_period_s(),
        },
        "auto-scaling" => {
            let g = router("GATEWAY")?;
            let routes = [route(g, "ROUTE1")?, route(g, "ROUTE2")?];
            let workloads = match (workload("SERVICE1"), workload("SERVICE2")) {
                (Ok(a), Ok(b)) => [a, b],
                (Err(e), _) | (_, Err(e)) => return Err(e),
            };
            Program::AutoScaling {
                router: g,
                routes,
                workloads,
                min: env_u64(w, "SCALE_MIN", 2) as u32,
                max: env_u64(w, "SCALE_MAX", 4) as u32,
                period_s: env_u64(w, "PERIOD", 15),
            }
        }
        _ => {
            // `traffic` (CANARY.md §1.1): requests to the gateway on PORT.
            let port = env_u64(w, "PORT", 0).to_string();
            let router = topology
                .routers
                .iter()
                .position(|g| g.name.rsplit('/').next() == Some(port.as_str()))
                .ok_or(format!("no gateway on PORT {port}"))?;
            Program::Traffic {
                router,
                period_ms: env_u64(w, "PERIOD", 500).max(1),
            }
        }
    })
}

/// A non-negative number from a workflow's environment (fractions truncated), or `default`.
fn env_u64(w: &Workflow, name: &str, default: u64) -> u64 {
    w.env(name)
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|v| *v >= 0.0)
        .map_or(default, |v| v as u64)
}

/// Instances and per-instance resources (1 instance and no resources when no scale is given).
fn scale(project: &Project, scale: Option<&ScaleRef>) -> (u32, Resources) {
    match scale.and_then(|s| project.vamp.resolve_scale(s)) {
        Some(s) => (
            s.instances.value.clamp(0, 10_000) as u32,
            Resources {
                cpu_millis: s.cpu_millis.value,
                memory_bytes: s.memory_bytes.value,
            },
        ),
        None => (1, Resources::default()),
    }
}

fn strength_bp(strength: Percent) -> u32 {
    u32::from(strength.0) * 100
}

fn sticky(s: Option<&vamp::Sticky>) -> Stickiness {
    match s {
        Some(vamp::Sticky::Route) => Stickiness::Route,
        Some(vamp::Sticky::Instance) => Stickiness::Instance,
        None => Stickiness::None,
    }
}

/// HAProxy's `balance` as written: `leastconn`, else round robin.
fn balance(b: Option<&str>) -> Balance {
    match b {
        Some(text) if text.trim().eq_ignore_ascii_case("leastconn") => Balance::LeastConn,
        _ => Balance::RoundRobin,
    }
}

fn resolve_condition(
    project: &Project,
    condition: Option<&RouteCondition>,
) -> Option<ConditionDefinition> {
    condition
        .and_then(|c| project.vamp.resolve_condition(c))
        .cloned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{check, Input, Options};

    const SPECS: &str = r#"
kind: breed
name: web:1.0
deployable: web:1.0
ports: { web: 8080/http }
---
kind: breed
name: web:2.0
deployable: web:2.0
ports: { web: 8080/http }
---
kind: scale
name: big
instances: 3
cpu: 0.5
memory: 128MB
---
kind: blueprint
name: v1
gateways: { 9050: shop/web }
clusters:
  shop:
    services: [{ breed: "web:1.0", scale: big }]
---
kind: blueprint
name: v2
clusters:
  shop:
    services: [{ breed: "web:2.0" }]
---
kind: gateway
name: front
port: 9000/http
routes:
  live/9050: {}
  test/9050: {}
  nowhere/9050: {}
---
kind: workflow
name: canary
breed: canary
schedule: daemon
environment_variables:
  GATEWAY: live/shop/web
  SERVICE1: live/shop/web:1.0/web
  SERVICE2: live/shop/web:2.0/web
  WINDOW: 60
---
kind: workflow
name: custom
breed: { name: custom, deployable: "js://x", ports: {} }
schedule: daemon
---
kind: workflow
name: scaler
breed: auto-scaling
schedule: daemon
environment_variables:
  GATEWAY: live/shop/web
  ROUTE1: live/shop/web:1.0/web
  ROUTE2: live/shop/web:9.9/web
---
kind: scenario
name: merge
duration: 1m
hosts: { count: 2 }
deploy:
  - { blueprint: v1, as: live }
  - { blueprint: v2, as: live }
  - { blueprint: v1, as: test }
  - { blueprint: v3, as: test }
"#;

    fn topology() -> (Project, Topology) {
        let checked = check(
            vec![Input::reported(
                "specs.yml".to_owned(),
                SPECS.as_bytes().to_vec(),
            )],
            &Options::default(),
        );
        let project = checked.project;
        let scenario = project.scenarios.first().expect("one scenario");
        let topology = crate::lower::resolve(&project, scenario);
        (project, topology)
    }

    fn names(topology: &Topology) -> Vec<String> {
        topology.routers.iter().map(|g| g.name.clone()).collect()
    }

    #[test]
    fn a_merge_step_adds_the_new_version_beside_the_old_one() {
        let (_, t) = topology();
        let services: Vec<(&str, &str, &str)> = t
            .workloads
            .iter()
            .map(|s| {
                (
                    s.deployment.as_str(),
                    s.group.as_str(),
                    s.name.value.as_str(),
                )
            })
            .collect();
        assert_eq!(
            services,
            vec![
                ("live", "shop", "web:1.0"),
                ("live", "shop", "web:2.0"),
                ("test", "shop", "web:1.0"),
            ]
        );
        let deployments: Vec<(&str, Dialect)> = t
            .deployments
            .iter()
            .map(|d| (d.name.as_str(), d.dialect))
            .collect();
        assert_eq!(
            deployments,
            vec![("live", Dialect::Vamp), ("test", Dialect::Vamp)]
        );
        assert_eq!(t.workloads[0].instances, 3);
        assert_eq!(
            t.workloads[0].resources,
            Resources {
                cpu_millis: 500,
                memory_bytes: 128 * 1024 * 1024
            }
        );
        assert_eq!(t.workloads[1].instances, 1);
        let internal = t.router_by_name("live/shop/web").expect("internal gateway");
        let routes: Vec<(&str, u32)> = t.routers[internal]
            .routes
            .iter()
            .map(|r| (r.name.as_str(), r.weight_bp))
            .collect();
        assert_eq!(
            routes,
            vec![
                ("live/shop/web:1.0/web", 10_000),
                ("live/shop/web:2.0/web", 0)
            ]
        );
        assert_eq!(t.routers[internal].kind, RouterKind::Internal);
        assert_eq!(t.groups[0].router, Some(internal));
        assert_eq!(t.groups[0].workloads, vec![0, 1]);
    }

    #[test]
    fn unknown_blueprints_are_kept_for_the_checker() {
        let (_, t) = topology();
        let unknown: Vec<&str> = t
            .unknown_blueprints
            .iter()
            .map(|b| b.value.as_str())
            .collect();
        assert_eq!(unknown, vec!["v3"]);
    }

    #[test]
    fn a_project_gateway_joins_and_its_unweighted_routes_share_100_percent() {
        let (_, t) = topology();
        assert_eq!(
            names(&t),
            vec![
                "live/9050",
                "live/shop/web",
                "test/9050",
                "test/shop/web",
                "front"
            ]
        );
        let front = &t.routers[4];
        assert_eq!(front.kind, RouterKind::Project);
        let routes: Vec<(&str, u32, RouteTo)> = front
            .routes
            .iter()
            .map(|r| (r.name.as_str(), r.weight_bp, r.target))
            .collect();
        // `nowhere/9050` names no gateway: it is left out, and the others split 100%.
        assert_eq!(
            routes,
            vec![
                ("live/9050", 5_000, RouteTo::Router(0)),
                ("test/9050", 5_000, RouteTo::Router(2)),
            ]
        );
        assert_eq!(
            t.routers[0].routes.first().map(|r| r.target),
            Some(RouteTo::Router(1))
        );
    }

    #[test]
    fn workflows_become_controllers_with_their_parameters_resolved_once() {
        let (_, t) = topology();
        let outcomes: Vec<(&str, &ControllerOutcome)> = t
            .controllers
            .iter()
            .map(|w| (w.name.value.as_str(), &w.outcome))
            .collect();
        assert_eq!(
            outcomes,
            vec![
                (
                    "canary",
                    &ControllerOutcome::Runs(Program::Canary {
                        router: 1,
                        old_route: 0,
                        new_route: 1,
                        window_s: 60,
                        period_s: 5,
                    })
                ),
                (
                    "custom",
                    &ControllerOutcome::NotSimulated {
                        breed: "custom".to_owned()
                    }
                ),
                (
                    "scaler",
                    &ControllerOutcome::BadParameter {
                        program: "auto-scaling",
                        problem: "ROUTE2 names no route of live/shop/web ('live/shop/web:9.9/web')"
                            .to_owned()
                    }
                ),
            ]
        );
    }

    #[test]
    fn lookups_find_names_and_hosts() {
        let (_, t) = topology();
        assert_eq!(t.workload_by_name("web:1.0"), Some(0));
        assert_eq!(t.workload_in("test", "shop", "web:1.0"), Some(2));
        assert_eq!(t.workload_by_name("web:9.9"), None);
        assert!(t.has_route("test/shop/web:1.0/web"));
        assert!(!t.has_route("test/shop/web:2.0/web"));
        assert!(t.has_host(2));
        assert!(!t.has_host(3));
    }
}
