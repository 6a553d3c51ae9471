//! The gateways a HAProxy in front of the project would hold, resolved for the emitter: each
//! deployment's external and internal gateways, then the project's `kind: gateway` artifacts,
//! each route with its weight, condition and servers.
//!
//! Weights and servers come from a [`RuntimeState`]: the one the artifacts declare (weights
//! as written, `scale.instances` instances per service, one host per instance), or the one a
//! rehearsal reached at time T (`sim::at`).

use super::haproxy::{GatewayInput, RewriteInput, RouteInput, TargetInput};
use crate::ir::scenario::Scenario;
use crate::ir::vamp::deployment::{deploy, merge, DeployedGateway, Deployment, RouteTarget};
use crate::ir::vamp::{DeploymentName, Gateway, RouteCondition};
use crate::ir::{Project, Spanned};
use crate::source::Span;
use std::collections::BTreeMap;

/// First port Vamp gives a gateway declared without one (`vamp.operation.gateway.port-range`
/// 40000-45000 in Vamp's reference.conf).
pub const FIRST_ASSIGNED_PORT: u32 = 40_000;
/// First host port an instance gets on its host (Marathon's default `local_port_min`).
pub const FIRST_INSTANCE_PORT: u32 = 31_000;

/// One instance of a service at the emitted moment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstanceAt {
    pub name: String,
    /// 1-based host number.
    pub host: u32,
}

/// Weights and instances at the emitted moment.
#[derive(Clone, Debug, Default)]
pub struct RuntimeState {
    pub deployments: Vec<Deployment>,
    /// (gateway name, route name) → weight in basis points; routes not listed keep the weight
    /// the artifacts give them.
    pub weights: BTreeMap<(String, String), u32>,
    /// (deployment, cluster, service) → its instances. Services not listed run the instance
    /// count their scale declares.
    pub instances: BTreeMap<(String, String, String), Vec<InstanceAt>>,
}

/// The deployments the project declares (`kind: deployment` requests, merged in order),
/// those requested in the emitted files.
pub fn declared(project: &Project, options: &super::Options) -> RuntimeState {
    let requested: Vec<&str> = project
        .vamp
        .deployment_requests
        .iter()
        .filter(|r| options.in_scope(r.span.file))
        .map(|r| r.name.value.as_str())
        .collect();
    RuntimeState {
        deployments: project
            .vamp
            .deployments
            .iter()
            .filter(|d| requested.contains(&d.name.as_str()))
            .cloned()
            .collect(),
        ..RuntimeState::default()
    }
}

/// The deployments a scenario's `deploy` list creates at t = 0, as the simulator lowers them.
pub fn deployed_by(project: &Project, scenario: &Scenario) -> RuntimeState {
    let mut deployments: Vec<Deployment> = Vec::new();
    for step in &scenario.deploy {
        let Some(blueprint) = project.vamp.blueprint(&step.blueprint.value) else {
            continue;
        };
        match deployments
            .iter()
            .position(|d| d.name.as_str() == step.deployment.value)
        {
            Some(i) => deployments[i] = merge(&deployments[i], blueprint, &project.vamp).0,
            None => {
                let name = DeploymentName(step.deployment.value.clone());
                deployments.push(deploy(blueprint, &name, &project.vamp).0);
            }
        }
    }
    RuntimeState {
        deployments,
        ..RuntimeState::default()
    }
}

/// Hands out host addresses and host ports deterministically.
struct Addresses {
    next_host: u32,
    used_on_host: BTreeMap<u32, u32>,
}

impl Addresses {
    fn host_ip(host: u32) -> String {
        format!(
            "10.{}.{}.{}",
            (host >> 16) & 255,
            (host >> 8) & 255,
            host & 255
        )
    }

    /// A fresh host (one host per instance, when the state does not place them).
    fn fresh_host(&mut self) -> u32 {
        self.next_host += 1;
        self.next_host
    }

    fn port_on(&mut self, host: u32) -> u32 {
        let used = self.used_on_host.entry(host).or_insert(0);
        *used += 1;
        FIRST_INSTANCE_PORT + *used - 1
    }
}

/// Every gateway, resolved: the deployments' gateways in deployment order, then the project's
/// gateway artifacts in project order.
pub fn resolve(
    project: &Project,
    state: &RuntimeState,
    gateway_ip: &str,
    options: &super::Options,
) -> Vec<GatewayInput> {
    // Gateways and their ports first, so routes can point at any gateway.
    struct Pending<'a> {
        deployed: Option<(&'a Deployment, &'a DeployedGateway)>,
        artifact: Option<&'a Gateway>,
        name: String,
        port: u32,
    }
    let mut pending: Vec<Pending> = Vec::new();
    for d in &state.deployments {
        for g in d.all_gateways() {
            pending.push(Pending {
                deployed: Some((d, g)),
                artifact: None,
                name: g.name.as_str().to_owned(),
                port: g.port.number,
            });
        }
    }
    for g in project
        .vamp
        .gateways
        .iter()
        .filter(|g| options.in_scope(g.span.file))
    {
        pending.push(Pending {
            deployed: None,
            artifact: Some(g),
            name: g.name.value.as_str().to_owned(),
            port: g.port.number,
        });
    }
    let mut next_port = FIRST_ASSIGNED_PORT;
    let declared_ports: Vec<u32> = pending.iter().map(|p| p.port).collect();
    for p in pending.iter_mut().filter(|p| p.port == 0) {
        while declared_ports.contains(&next_port) {
            next_port += 1;
        }
        p.port = next_port;
        next_port += 1;
    }
    let ports: BTreeMap<String, u32> = pending.iter().map(|p| (p.name.clone(), p.port)).collect();
    let gateway_target = |name: &str, span: Span| -> Vec<TargetInput> {
        ports
            .get(name)
            .map(|port| TargetInput::Internal {
                name: name.to_owned(),
                host: gateway_ip.to_owned(),
                port: *port,
                span,
            })
            .into_iter()
            .collect()
    };

    let mut addresses = Addresses {
        next_host: 0,
        used_on_host: BTreeMap::new(),
    };
    let mut service_targets: BTreeMap<(String, String, String), Vec<TargetInput>> = BTreeMap::new();
    let mut targets_of = |deployment: &str, cluster: &str, service: &str, span: Span| {
        let key = (
            deployment.to_owned(),
            cluster.to_owned(),
            service.to_owned(),
        );
        if let Some(t) = service_targets.get(&key) {
            return t.clone();
        }
        let instances: Vec<(String, u32)> = match state.instances.get(&key) {
            Some(list) => list.iter().map(|i| (i.name.clone(), i.host)).collect(),
            None => {
                let count = declared_instances(project, state, &key);
                (0..count)
                    .map(|i| {
                        (
                            format!("{deployment}/{cluster}/{service}#{}", i + 1),
                            addresses.fresh_host(),
                        )
                    })
                    .collect()
            }
        };
        let targets: Vec<TargetInput> = instances
            .into_iter()
            .map(|(name, host)| TargetInput::Internal {
                name,
                host: Addresses::host_ip(host),
                port: addresses.port_on(host),
                span,
            })
            .collect();
        service_targets.insert(key, targets.clone());
        targets
    };

    let mut inputs = Vec::new();
    for p in &pending {
        if let Some((d, g)) = p.deployed {
            let span = g.port.span;
            let routes = g
                .routes
                .iter()
                .map(|r| {
                    let segments: Vec<String> = r.path.split('/').map(str::to_owned).collect();
                    let targets = match &r.target {
                        RouteTarget::Service { cluster, breed, .. } => {
                            targets_of(d.name.as_str(), cluster.as_str(), breed.as_str(), span)
                        }
                        RouteTarget::Gateway(name) => gateway_target(name.as_str(), span),
                    };
                    RouteInput {
                        path: segments,
                        span,
                        weight: weight(state, &p.name, &r.path, u32::from(r.weight.0)),
                        condition: condition(project, r.condition.as_ref()),
                        condition_strength: u32::from(r.condition_strength.0),
                        rewrites: Vec::new(),
                        balance: r.balance.clone().map(|b| Spanned::new(b, span)),
                        targets,
                    }
                })
                .collect();
            inputs.push(GatewayInput {
                name: p.name.clone(),
                span,
                port: p.port,
                port_span: span,
                protocol: g.port.protocol,
                sticky: g.sticky,
                virtual_hosts: g
                    .virtual_hosts
                    .iter()
                    .map(|h| Spanned::new(h.clone(), span))
                    .collect(),
                routes,
            });
        } else if let Some(g) = p.artifact {
            inputs.push(artifact_gateway(
                project,
                state,
                g,
                p.port,
                &mut |segments, span| {
                    route_targets(segments, span, &gateway_target, &mut targets_of)
                },
            ));
        }
    }
    inputs
}

type TargetsOf<'a> = dyn FnMut(&str, &str, &str, Span) -> Vec<TargetInput> + 'a;

/// The servers of a `kind: gateway` route: an external address, a deployment's service
/// (`deployment/cluster/service/port`), or another gateway.
fn route_targets(
    route: &crate::ir::vamp::RoutePath,
    span: Span,
    gateway_target: &dyn Fn(&str, Span) -> Vec<TargetInput>,
    targets_of: &mut TargetsOf<'_>,
) -> Vec<TargetInput> {
    let text = route.text.value.as_str();
    if let Some(inner) = text.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
        return vec![TargetInput::External {
            url: inner.to_owned(),
            span,
        }];
    }
    match route.segments.as_slice() {
        [deployment, cluster, service, _port] => targets_of(deployment, cluster, service, span),
        _ => gateway_target(text, span),
    }
}

fn artifact_gateway(
    project: &Project,
    state: &RuntimeState,
    g: &Gateway,
    port: u32,
    targets: &mut dyn FnMut(&crate::ir::vamp::RoutePath, Span) -> Vec<TargetInput>,
) -> GatewayInput {
    let given: Vec<(usize, Option<crate::ir::vamp::Percent>)> = g
        .routes
        .iter()
        .enumerate()
        .map(|(i, r)| (i, r.weight.as_ref().map(|w| w.value)))
        .collect();
    let weights = share_weights(&given);
    let name = g.name.value.as_str();
    let routes = g
        .routes
        .iter()
        .zip(weights)
        .map(|(r, w)| {
            let external = r.path.text.value.starts_with('[');
            let segments = if external {
                vec![r.path.text.value.clone()]
            } else {
                r.path.segments.clone()
            };
            RouteInput {
                weight: weight(state, name, &r.path.text.value, w),
                condition: condition(project, r.condition.as_ref()),
                condition_strength: u32::from(r.effective_condition_strength().0),
                rewrites: r
                    .rewrites
                    .iter()
                    .map(|rw| RewriteInput {
                        path: rw.path.clone(),
                        condition: rw.condition.clone(),
                        span: rw.span,
                    })
                    .collect(),
                balance: r.balance.clone().map(|b| Spanned::new(b, r.span)),
                targets: targets(&r.path, r.path.text.span),
                path: segments,
                span: r.span,
            }
        })
        .collect();
    GatewayInput {
        name: name.to_owned(),
        span: g.name.span,
        port,
        port_span: g.port.span,
        protocol: g.port.protocol,
        sticky: g.sticky,
        virtual_hosts: g.virtual_hosts.clone(),
        routes,
    }
}

/// Vamp's GatewayActor rule for routes without a weight (as `deployment::assign_weights`).
fn share_weights(given: &[(usize, Option<crate::ir::vamp::Percent>)]) -> Vec<u32> {
    let sum: u32 = given
        .iter()
        .filter_map(|(_, w)| w.map(|p| u32::from(p.0)))
        .sum();
    let unweighted = given.iter().filter(|(_, w)| w.is_none()).count() as u32;
    let available = 100u32.saturating_sub(sum);
    let share = available.checked_div(unweighted).unwrap_or(0);
    let mut seen = 0;
    given
        .iter()
        .map(|(_, w)| match w {
            Some(p) => u32::from(p.0),
            None => {
                seen += 1;
                if seen == unweighted {
                    available - share * (unweighted - 1)
                } else {
                    share
                }
            }
        })
        .collect()
}

/// The route's weight as HAProxy takes it (a whole percentage), the state's if it has one.
fn weight(state: &RuntimeState, gateway: &str, route: &str, declared: u32) -> u32 {
    state
        .weights
        .get(&(gateway.to_owned(), route.to_owned()))
        .map_or(declared, |bp| (bp + 50) / 100)
}

fn condition(
    project: &Project,
    condition: Option<&RouteCondition>,
) -> Option<Spanned<crate::syntax::condition::Condition>> {
    let definition = project.vamp.resolve_condition(condition?)?;
    Some(Spanned::new(definition.ast.clone(), definition.text.span))
}

/// The instance count a service's scale declares (1 without a scale).
fn declared_instances(
    project: &Project,
    state: &RuntimeState,
    (deployment, cluster, service): &(String, String, String),
) -> u32 {
    let scale = state
        .deployments
        .iter()
        .find(|d| d.name.as_str() == deployment)
        .and_then(|d| d.cluster(cluster))
        .and_then(|c| {
            c.services
                .iter()
                .find(|s| s.breed.name().as_str() == service)
        })
        .and_then(|s| s.scale.as_ref());
    match scale {
        None => 1,
        Some(s) => project.vamp.resolve_scale(s).map_or(1, |s| {
            u32::try_from(s.instances.value.max(0)).unwrap_or(u32::MAX)
        }),
    }
}
