//! What a scenario deploys, resolved from the project's Vamp IR: deployments from blueprints
//! (merged in `deploy` order, as Vamp merges), their clusters and services, internal gateways
//! `deployment/cluster/port` with routes `deployment/cluster/service/port`, external gateways
//! `deployment/port`, the project's gateways that route to them, and the workflows that run.
//!
//! Pure data. The checker reports what does not resolve (`check::scenario`); the simulator
//! builds its runtime model from it. Both read the same decisions from here: which routes
//! exist, which workflows run and with which parameters.

use crate::ir::scenario::Scenario;
use crate::ir::vamp::deployment::{deploy, merge, DeployedGateway, Deployment, RouteTarget};
use crate::ir::vamp::{
    self, ConditionDefinition, DeploymentName, Percent, RouteCondition, ScaleRef, Workflow,
    WorkflowStatus,
};
use crate::ir::{Project, Spanned};
use crate::source::Span;

/// Index into [`Topology::services`].
pub type ServiceIndex = usize;
/// Index into [`Topology::gateways`].
pub type GatewayIndex = usize;
/// Index into a gateway's [`Gateway::routes`].
pub type RouteIndex = usize;

/// The built-in programs, by breed name or `metadata: {rehearse/program: NAME}`.
pub const BUILT_IN_PROGRAMS: &[&str] = &[
    "canary",
    "health",
    "metrics",
    "auto-scaling",
    "traffic",
    "allocation",
];

/// A route weight of 100%, in basis points.
pub const FULL_WEIGHT_BP: u32 = 10_000;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Topology {
    /// The scenario's deployments in `deploy` order, merge steps applied.
    pub deployments: Vec<Deployment>,
    /// `deploy` steps that name no blueprint of the project (they deploy nothing).
    pub unknown_blueprints: Vec<Spanned<String>>,
    /// Every service of every cluster, deployment by deployment.
    pub services: Vec<Service>,
    pub clusters: Vec<Cluster>,
    /// The deployments' gateways (each deployment's external ones, then its internal ones),
    /// then the project's gateways that route to them.
    pub gateways: Vec<Gateway>,
    /// Every workflow of the project, in order, with what it does in a rehearsal.
    pub workflows: Vec<WorkflowPlan>,
    /// The scenario's host count; 0 means one host per instance.
    pub hosts: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Service {
    /// `name:version` (the breed's name), spanned where the blueprint names it.
    pub name: Spanned<String>,
    pub deployment: String,
    pub cluster: String,
    pub scale: Scale,
}

/// A service's scale, resolved (1 instance and no resources when none is given).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Scale {
    pub instances: u32,
    pub cpu_millis: i64,
    pub memory_bytes: u64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Cluster {
    pub deployment: String,
    pub name: String,
    pub services: Vec<ServiceIndex>,
    /// The cluster's first internal gateway `deployment/cluster/port`.
    pub gateway: Option<GatewayIndex>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GatewayKind {
    /// `deployment/port`, from a blueprint's gateways.
    External,
    /// `deployment/cluster/port`, one per cluster port.
    Internal,
    /// A `kind: gateway` artifact of the project.
    Project,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Gateway {
    pub name: String,
    /// The project gateway's name, or the port a deployed gateway comes from.
    pub span: Span,
    pub kind: GatewayKind,
    pub sticky: Option<vamp::Sticky>,
    /// Routes whose target resolves (others carry no traffic and are left out).
    pub routes: Vec<Route>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Route {
    /// `deployment/cluster/service/port`, `deployment/cluster/port` or a gateway name.
    pub name: String,
    /// Basis points (10 000 = 100%).
    pub weight_bp: u32,
    /// The condition's definition (a reference resolved; `None` when it names no condition).
    pub condition: Option<ConditionDefinition>,
    /// Share of matching requests this route takes (Vamp's default applied).
    pub condition_strength: Percent,
    /// HAProxy balance as written.
    pub balance: Option<String>,
    pub target: RouteTo,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RouteTo {
    Service(ServiceIndex),
    Gateway(GatewayIndex),
}

/// A workflow and what it does in a rehearsal.
#[derive(Clone, Debug, PartialEq)]
pub struct WorkflowPlan {
    pub name: Spanned<String>,
    pub schedule: vamp::Schedule,
    pub outcome: WorkflowOutcome,
}

#[derive(Clone, Debug, PartialEq)]
pub enum WorkflowOutcome {
    /// Runs a built-in program.
    Runs(Program),
    /// Suspended, suspending or stopping: it does not run, as in Vamp.
    Stopped,
    /// A JavaScript breed with no built-in program.
    NotSimulated { breed: String },
    /// A built-in program whose parameters do not resolve.
    BadParameter {
        program: &'static str,
        problem: String,
    },
}

/// A built-in program with its parameters (reference/vamp/CANARY.md), read from the
/// workflow's environment variables under the names the Vamp scripts read.
#[derive(Clone, Debug, PartialEq)]
pub enum Program {
    Canary {
        gateway: GatewayIndex,
        old_route: RouteIndex,
        new_route: RouteIndex,
        window_s: u64,
        period_s: u64,
    },
    Health {
        period_s: u64,
    },
    Metrics {
        period_s: u64,
    },
    Allocation {
        period_s: u64,
    },
    AutoScaling {
        gateway: GatewayIndex,
        routes: [RouteIndex; 2],
        services: [ServiceIndex; 2],
        min: u32,
        max: u32,
        period_s: u64,
    },
    /// Sends a request to the gateway on PORT every PERIOD ms (no schedule of its own).
    Traffic {
        gateway: GatewayIndex,
        period_ms: u64,
    },
}

impl Program {
    /// Whether the workflow's schedule decides when the program runs.
    pub fn is_scheduled(&self) -> bool {
        !matches!(self, Program::Traffic { .. })
    }
}

impl WorkflowPlan {
    /// The absolute `start` of a time schedule that a scenario without a `clock` cannot
    /// place: such a schedule starts at t = 0.
    pub fn start_without_clock<'a>(&'a self, scenario: &Scenario) -> Option<&'a Spanned<String>> {
        match (&self.schedule, &scenario.clock) {
            (
                vamp::Schedule::Time {
                    start: Some((text, _)),
                    ..
                },
                None,
            ) => Some(text),
            _ => None,
        }
    }
}

impl Topology {
    /// Resolves what `scenario` deploys from `project`.
    pub fn resolve(project: &Project, scenario: &Scenario) -> Topology {
        let mut topology = Topology {
            hosts: scenario.hosts.as_ref().map_or(0, |h| h.value),
            ..Topology::default()
        };
        topology.deploy(project, scenario);
        topology.add_services(project);
        topology.add_deployed_gateways(project);
        topology.add_project_gateways(project);
        topology.link_cluster_gateways();
        topology.workflows = project
            .vamp
            .workflows
            .iter()
            .map(|w| topology.plan(project, w))
            .collect();
        topology
    }

    /// Whether host `number` exists (hosts are numbered from 1; any number does when the
    /// scenario does not count them).
    pub fn has_host(&self, number: u32) -> bool {
        self.hosts == 0 || number <= self.hosts
    }

    /// The first deployed service named `name:version`.
    pub fn service_by_name(&self, name: &str) -> Option<ServiceIndex> {
        self.services.iter().position(|s| s.name.value == name)
    }

    /// The service `name` of `cluster` in `deployment`.
    pub fn service_in(&self, deployment: &str, cluster: &str, name: &str) -> Option<ServiceIndex> {
        self.services.iter().position(|s| {
            s.deployment == deployment && s.cluster == cluster && s.name.value == name
        })
    }

    pub fn gateway_by_name(&self, name: &str) -> Option<GatewayIndex> {
        self.gateways.iter().position(|g| g.name == name)
    }

    /// The route `name` of a gateway.
    pub fn route_by_name(&self, gateway: GatewayIndex, name: &str) -> Option<RouteIndex> {
        self.gateways
            .get(gateway)?
            .routes
            .iter()
            .position(|r| r.name == name)
    }

    /// Whether any gateway has a route named `name`.
    pub fn has_route(&self, name: &str) -> bool {
        self.gateways
            .iter()
            .any(|g| g.routes.iter().any(|r| r.name == name))
    }

    fn deploy(&mut self, project: &Project, scenario: &Scenario) {
        for step in &scenario.deploy {
            let Some(blueprint) = project.vamp.blueprint(&step.blueprint.value) else {
                self.unknown_blueprints.push(step.blueprint.clone());
                continue;
            };
            let existing = self
                .deployments
                .iter()
                .position(|d| d.name.as_str() == step.deployment.value);
            match existing {
                Some(i) => {
                    self.deployments[i] = merge(&self.deployments[i], blueprint, &project.vamp).0
                }
                None => {
                    let name = DeploymentName(step.deployment.value.clone());
                    self.deployments
                        .push(deploy(blueprint, &name, &project.vamp).0);
                }
            }
        }
    }

    fn add_services(&mut self, project: &Project) {
        for d in &self.deployments {
            for c in &d.clusters {
                let mut cluster = Cluster {
                    deployment: d.name.as_str().to_owned(),
                    name: c.name.as_str().to_owned(),
                    services: Vec::new(),
                    gateway: None,
                };
                for svc in &c.services {
                    cluster.services.push(self.services.len());
                    self.services.push(Service {
                        name: Spanned::new(
                            svc.breed.name().as_str().to_owned(),
                            svc.breed.name_span(),
                        ),
                        deployment: cluster.deployment.clone(),
                        cluster: cluster.name.clone(),
                        scale: scale(project, svc.scale.as_ref()),
                    });
                }
                self.clusters.push(cluster);
            }
        }
    }

    /// Gateways are named first, so that a route may point at a gateway declared later.
    fn add_deployed_gateways(&mut self, project: &Project) {
        let mut deployed: Vec<(&Deployment, &DeployedGateway, GatewayKind)> = Vec::new();
        for d in &self.deployments {
            deployed.extend(d.gateways.iter().map(|g| (d, g, GatewayKind::External)));
            for c in &d.clusters {
                deployed.extend(c.gateways.iter().map(|g| (d, g, GatewayKind::Internal)));
            }
        }
        let mut gateways: Vec<Gateway> = deployed
            .iter()
            .map(|(_, g, kind)| Gateway {
                name: g.name.as_str().to_owned(),
                span: g.port.span,
                kind: *kind,
                sticky: g.sticky,
                routes: Vec::new(),
            })
            .collect();
        for (index, (d, g, _)) in deployed.iter().enumerate() {
            let mut routes = Vec::new();
            for r in &g.routes {
                let target = match &r.target {
                    RouteTarget::Service { cluster, breed, .. } => self
                        .service_in(d.name.as_str(), cluster.as_str(), breed.as_str())
                        .map(RouteTo::Service),
                    RouteTarget::Gateway(name) => gateways
                        .iter()
                        .position(|x| x.name == name.as_str())
                        .map(RouteTo::Gateway),
                };
                let Some(target) = target else { continue };
                routes.push(Route {
                    name: r.path.clone(),
                    weight_bp: u32::from(r.weight.0) * 100,
                    condition: resolve_condition(project, r.condition.as_ref()),
                    condition_strength: r.condition_strength,
                    balance: r.balance.clone(),
                    target,
                });
            }
            gateways[index].routes = routes;
        }
        self.gateways = gateways;
    }

    /// A project gateway joins when no deployed gateway has its name and at least one of its
    /// routes names a gateway already known (e.g. `sava` on 9050 routing to `sava/9050`).
    fn add_project_gateways(&mut self, project: &Project) {
        for g in &project.vamp.gateways {
            let name = g.name.value.as_str();
            if self.gateway_by_name(name).is_some() {
                continue;
            }
            let mut routes: Vec<Route> = g
                .routes
                .iter()
                .filter_map(|r| {
                    let target = self.gateway_by_name(&r.path.text.value)?;
                    Some(Route {
                        name: r.path.text.value.clone(),
                        weight_bp: r.weight.as_ref().map_or(0, |w| u32::from(w.value.0) * 100),
                        condition: resolve_condition(project, r.condition.as_ref()),
                        condition_strength: r.effective_condition_strength(),
                        balance: r.balance.clone(),
                        target: RouteTo::Gateway(target),
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
            self.gateways.push(Gateway {
                name: name.to_owned(),
                span: g.name.span,
                kind: GatewayKind::Project,
                sticky: g.sticky,
                routes,
            });
        }
    }

    /// A cluster's gateway: the first named `deployment/cluster/port`.
    fn link_cluster_gateways(&mut self) {
        for cluster in &mut self.clusters {
            let prefix = format!("{}/{}/", cluster.deployment, cluster.name);
            cluster.gateway = self.gateways.iter().position(|g| {
                g.name
                    .strip_prefix(&prefix)
                    .is_some_and(|port| !port.contains('/'))
            });
        }
    }

    /// What a workflow does in a rehearsal of this topology.
    fn plan(&self, project: &Project, w: &Workflow) -> WorkflowPlan {
        WorkflowPlan {
            name: Spanned::new(w.name.value.as_str().to_owned(), w.name.span),
            schedule: w.schedule.value.clone(),
            outcome: self.outcome(project, w),
        }
    }

    fn outcome(&self, project: &Project, w: &Workflow) -> WorkflowOutcome {
        if matches!(
            w.status,
            WorkflowStatus::Suspended | WorkflowStatus::Suspending | WorkflowStatus::Stopping
        ) {
            return WorkflowOutcome::Stopped;
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
            return WorkflowOutcome::NotSimulated {
                breed: breed.to_owned(),
            };
        };
        match self.program(program, w) {
            Ok(p) => WorkflowOutcome::Runs(p),
            Err(problem) => WorkflowOutcome::BadParameter { program, problem },
        }
    }

    fn program(&self, program: &str, w: &Workflow) -> Result<Program, String> {
        let gateway = |key: &str| -> Result<GatewayIndex, String> {
            let value = w.env(key).ok_or(format!("{key} is not set"))?;
            self.gateway_by_name(value)
                .ok_or(format!("{key} names no gateway ('{value}')"))
        };
        let route = |g: GatewayIndex, key: &str| -> Result<RouteIndex, String> {
            let value = w.env(key).ok_or(format!("{key} is not set"))?;
            self.route_by_name(g, value).ok_or_else(|| {
                format!(
                    "{key} names no route of {} ('{value}')",
                    self.gateways.get(g).map_or("", |g| g.name.as_str())
                )
            })
        };
        // SERVICEn = deployments/D/clusters/C/services/S
        let service = |key: &str| -> Result<ServiceIndex, String> {
            let value = w.env(key).ok_or(format!("{key} is not set"))?;
            let parts: Vec<&str> = value.split('/').collect();
            let (d, c, s) = match parts.as_slice() {
                ["deployments", d, "clusters", c, "services", s] => (*d, *c, *s),
                _ => return Err(format!("{key} must be deployments/D/clusters/C/services/S")),
            };
            self.service_in(d, c, s)
                .ok_or(format!("{key} names no deployed service ('{value}')"))
        };
        let execution_period_s = || env_u64(w, "VAMP_WORKFLOW_EXECUTION_PERIOD", 5);
        Ok(match program {
            "canary" => {
                let g = gateway("GATEWAY")?;
                Program::Canary {
                    gateway: g,
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
                let g = gateway("GATEWAY")?;
                let routes = [route(g, "ROUTE1")?, route(g, "ROUTE2")?];
                let services = match (service("SERVICE1"), service("SERVICE2")) {
                    (Ok(a), Ok(b)) => [a, b],
                    (Err(e), _) | (_, Err(e)) => return Err(e),
                };
                Program::AutoScaling {
                    gateway: g,
                    routes,
                    services,
                    min: env_u64(w, "SCALE_MIN", 2) as u32,
                    max: env_u64(w, "SCALE_MAX", 4) as u32,
                    period_s: env_u64(w, "PERIOD", 15),
                }
            }
            _ => {
                // `traffic` (CANARY.md §1.1): requests to the gateway on PORT.
                let port = env_u64(w, "PORT", 0).to_string();
                let gateway = self
                    .gateways
                    .iter()
                    .position(|g| g.name.rsplit('/').next() == Some(port.as_str()))
                    .ok_or(format!("no gateway on PORT {port}"))?;
                Program::Traffic {
                    gateway,
                    period_ms: env_u64(w, "PERIOD", 500).max(1),
                }
            }
        })
    }
}

/// A non-negative number from a workflow's environment (fractions truncated), or `default`.
fn env_u64(w: &Workflow, name: &str, default: u64) -> u64 {
    w.env(name)
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|v| *v >= 0.0)
        .map_or(default, |v| v as u64)
}

fn scale(project: &Project, scale: Option<&ScaleRef>) -> Scale {
    match scale.and_then(|s| project.vamp.resolve_scale(s)) {
        Some(s) => Scale {
            instances: s.instances.value.clamp(0, 10_000) as u32,
            cpu_millis: s.cpu_millis.value,
            memory_bytes: s.memory_bytes.value,
        },
        None => Scale {
            instances: 1,
            cpu_millis: 0,
            memory_bytes: 0,
        },
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
        let topology = Topology::resolve(&project, scenario);
        (project, topology)
    }

    fn names(topology: &Topology) -> Vec<String> {
        topology.gateways.iter().map(|g| g.name.clone()).collect()
    }

    #[test]
    fn a_merge_step_adds_the_new_version_beside_the_old_one() {
        let (_, t) = topology();
        let services: Vec<(&str, &str, &str)> = t
            .services
            .iter()
            .map(|s| {
                (
                    s.deployment.as_str(),
                    s.cluster.as_str(),
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
        assert_eq!(
            t.services[0].scale,
            Scale {
                instances: 3,
                cpu_millis: 500,
                memory_bytes: 128 * 1024 * 1024
            }
        );
        assert_eq!(t.services[1].scale.instances, 1);
        let internal = t
            .gateway_by_name("live/shop/web")
            .expect("internal gateway");
        let routes: Vec<(&str, u32)> = t.gateways[internal]
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
        assert_eq!(t.gateways[internal].kind, GatewayKind::Internal);
        assert_eq!(t.clusters[0].gateway, Some(internal));
        assert_eq!(t.clusters[0].services, vec![0, 1]);
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
        let front = &t.gateways[4];
        assert_eq!(front.kind, GatewayKind::Project);
        let routes: Vec<(&str, u32, RouteTo)> = front
            .routes
            .iter()
            .map(|r| (r.name.as_str(), r.weight_bp, r.target))
            .collect();
        // `nowhere/9050` names no gateway: it is left out, and the others split 100%.
        assert_eq!(
            routes,
            vec![
                ("live/9050", 5_000, RouteTo::Gateway(0)),
                ("test/9050", 5_000, RouteTo::Gateway(2)),
            ]
        );
        assert_eq!(
            t.gateways[0].routes.first().map(|r| r.target),
            Some(RouteTo::Gateway(1))
        );
    }

    #[test]
    fn workflows_resolve_their_parameters_once() {
        let (_, t) = topology();
        let outcomes: Vec<(&str, &WorkflowOutcome)> = t
            .workflows
            .iter()
            .map(|w| (w.name.value.as_str(), &w.outcome))
            .collect();
        assert_eq!(
            outcomes,
            vec![
                (
                    "canary",
                    &WorkflowOutcome::Runs(Program::Canary {
                        gateway: 1,
                        old_route: 0,
                        new_route: 1,
                        window_s: 60,
                        period_s: 5,
                    })
                ),
                (
                    "custom",
                    &WorkflowOutcome::NotSimulated {
                        breed: "custom".to_owned()
                    }
                ),
                (
                    "scaler",
                    &WorkflowOutcome::BadParameter {
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
        assert_eq!(t.service_by_name("web:1.0"), Some(0));
        assert_eq!(t.service_in("test", "shop", "web:1.0"), Some(2));
        assert_eq!(t.service_by_name("web:9.9"), None);
        assert!(t.has_route("test/shop/web:1.0/web"));
        assert!(!t.has_route("test/shop/web:2.0/web"));
        assert!(t.has_host(2));
        assert!(!t.has_host(3));
    }
}
