//! Deployments: what Vamp runs after a blueprint is deployed or merged (SPEC §11).
//!
//! `deploy` is a first deployment; `merge` applies a blueprint to a running deployment the way
//! Vamp's DeploymentActor does: clusters not named are kept, existing services are kept, new
//! services are appended, and each port of a cluster gets an internal gateway
//! `deployment/cluster/port` with one route per service (`deployment/cluster/service/port`).
//! Routes keep their weight; routes without one share what is left of 100% (GatewayActor), so a
//! new version beside a 100% route starts at 0% and three fresh routes split 33/33/34.

use super::{
    Blueprint, Breed, BreedName, BreedRef, ClusterName, DeploymentName, EnvironmentVariable,
    GatewayName, GatewayPort, Percent, PortName, Protocol, RouteCondition, ScaleRef, SlaRef,
    Sticky,
};
use crate::source::Span;

/// Finds breeds by name (top-level breed documents and breeds written inline elsewhere).
pub trait BreedLookup {
    fn find_breed(&self, name: &str) -> Option<&Breed>;
}

impl BreedLookup for super::Artifacts {
    fn find_breed(&self, name: &str) -> Option<&Breed> {
        self.breeds
            .iter()
            .find(|b| b.name.value.as_str() == name)
            .or_else(|| {
                self.blueprints
                    .iter()
                    .chain(&self.deployment_requests)
                    .flat_map(|bp| bp.services())
                    .filter_map(|s| s.breed.inline())
                    .find(|b| b.name.value.as_str() == name)
            })
    }
}

/// No breeds known beyond those inline in the blueprint.
pub struct NoBreeds;

impl BreedLookup for NoBreeds {
    fn find_breed(&self, _: &str) -> Option<&Breed> {
        None
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Deployment {
    pub name: DeploymentName,
    pub clusters: Vec<DeployedCluster>,
    /// External gateways, named `deployment/port`.
    pub gateways: Vec<DeployedGateway>,
}

impl Deployment {
    pub fn cluster(&self, name: &str) -> Option<&DeployedCluster> {
        self.clusters.iter().find(|c| c.name.as_str() == name)
    }

    /// Every gateway: external ones, then each cluster's internal ones.
    pub fn all_gateways(&self) -> impl Iterator<Item = &DeployedGateway> {
        self.gateways
            .iter()
            .chain(self.clusters.iter().flat_map(|c| c.gateways.iter()))
    }

    pub fn gateway(&self, name: &str) -> Option<&DeployedGateway> {
        self.all_gateways().find(|g| g.name.as_str() == name)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct DeployedCluster {
    pub name: ClusterName,
    pub services: Vec<DeployedService>,
    /// Internal gateways, one per port, named `deployment/cluster/port`.
    pub gateways: Vec<DeployedGateway>,
    pub sla: Option<SlaRef>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct DeployedService {
    pub breed: BreedRef,
    pub scale: Option<ScaleRef>,
    pub environment_variables: Vec<EnvironmentVariable>,
    /// The service's ports (from its breed; empty when the breed is not known).
    pub ports: Vec<(PortName, Protocol)>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct DeployedGateway {
    pub name: GatewayName,
    pub port: GatewayPort,
    pub sticky: Option<Sticky>,
    pub virtual_hosts: Vec<String>,
    pub routes: Vec<DeployedRoute>,
}

impl DeployedGateway {
    pub fn route(&self, path: &str) -> Option<&DeployedRoute> {
        self.routes.iter().find(|r| r.path == path)
    }

    pub fn total_weight(&self) -> u32 {
        self.routes.iter().map(|r| u32::from(r.weight.0)).sum()
    }
}

/// What a route sends traffic to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RouteTarget {
    /// A service of a cluster, on one of its ports.
    Service {
        cluster: ClusterName,
        breed: BreedName,
        port: PortName,
    },
    /// Another gateway (an external gateway routes to an internal one).
    Gateway(GatewayName),
}

#[derive(Clone, Debug, PartialEq)]
pub struct DeployedRoute {
    /// `deployment/cluster/service/port` or `deployment/cluster/port`.
    pub path: String,
    pub target: RouteTarget,
    pub weight: Percent,
    pub condition: Option<RouteCondition>,
    /// Effective: 100% with a condition unless given, else 0%.
    pub condition_strength: Percent,
    pub balance: Option<String>,
}

/// Something Vamp's operation layer would refuse after a merge.
#[derive(Clone, Debug, PartialEq)]
pub enum MergeProblem {
    /// `UnsupportedRouteWeight`: a gateway's weights do not sum to 0 or 100.
    RouteWeight {
        gateway: GatewayName,
        total: u32,
        span: Span,
    },
    /// `NonUniqueBreedReferenceError`: the same breed twice in the deployment.
    DuplicateBreed { breed: BreedName, span: Span },
    /// `UnresolvedDependencyError`: a breed depends on a breed the deployment does not run.
    UnresolvedDependency {
        breed: BreedName,
        dependency: BreedName,
        span: Span,
    },
}

/// A first deployment of `blueprint` as `name`.
pub fn deploy(
    blueprint: &Blueprint,
    name: &DeploymentName,
    breeds: &dyn BreedLookup,
) -> (Deployment, Vec<MergeProblem>) {
    let empty = Deployment {
        name: name.clone(),
        clusters: Vec::new(),
        gateways: Vec::new(),
    };
    merge(&empty, blueprint, breeds)
}

/// Applies `blueprint` to the running `existing` deployment (a PUT to `deployments/<name>`).
pub fn merge(
    existing: &Deployment,
    blueprint: &Blueprint,
    breeds: &dyn BreedLookup,
) -> (Deployment, Vec<MergeProblem>) {
    let mut problems = Vec::new();
    let deployment = &existing.name;
    let mut clusters = existing.clusters.clone();

    for cluster in &blueprint.clusters {
        let index = match clusters.iter().position(|c| c.name == cluster.name.value) {
            Some(i) => i,
            None => {
                clusters.push(DeployedCluster {
                    name: cluster.name.value.clone(),
                    services: Vec::new(),
                    gateways: Vec::new(),
                    sla: None,
                });
                clusters.len() - 1
            }
        };
        let Some(target) = clusters.get_mut(index) else {
            continue;
        };
        for service in &cluster.services {
            let ports = service_ports(&service.breed, breeds);
            match target
                .services
                .iter_mut()
                .find(|s| s.breed.name() == service.breed.name())
            {
                Some(present) => {
                    if service.scale.is_some() {
                        present.scale = service.scale.clone();
                    }
                    if !service.environment_variables.is_empty() {
                        present.environment_variables = service.environment_variables.clone();
                    }
                    if present.ports.is_empty() {
                        present.ports = ports;
                    }
                }
                None => target.services.push(DeployedService {
                    breed: service.breed.clone(),
                    scale: service.scale.clone(),
                    environment_variables: service.environment_variables.clone(),
                    ports,
                }),
            }
        }
        if cluster.sla.is_some() {
            target.sla = cluster.sla.clone();
        }
        target.gateways = resolve_routings(deployment, target, cluster);
    }

    // A breed may appear once in the whole deployment.
    let mut seen: Vec<&BreedName> = Vec::new();
    for service in clusters.iter().flat_map(|c| c.services.iter()) {
        let name = service.breed.name();
        if seen.contains(&name) {
            problems.push(MergeProblem::DuplicateBreed {
                breed: name.clone(),
                span: service.breed.name_span(),
            });
        }
        seen.push(name);
    }

    // Every dependency of a known breed must be deployed alongside it.
    let deployed: Vec<&BreedName> = clusters
        .iter()
        .flat_map(|c| c.services.iter().map(|s| s.breed.name()))
        .collect();
    for service in clusters.iter().flat_map(|c| c.services.iter()) {
        let breed = match &service.breed {
            BreedRef::Inline(b) => Some(&**b),
            BreedRef::Reference(name) => breeds.find_breed(name.value.as_str()),
        };
        for dependency in breed.map(|b| b.dependencies.as_slice()).unwrap_or_default() {
            if !deployed.contains(&dependency.breed.name()) {
                problems.push(MergeProblem::UnresolvedDependency {
                    breed: service.breed.name().clone(),
                    dependency: dependency.breed.name().clone(),
                    span: service.breed.name_span(),
                });
            }
        }
    }

    let mut gateways = existing.gateways.clone();
    for gateway in &blueprint.gateways {
        let name = GatewayName(format!("{}/{}", deployment, gateway.port.number));
        let routes = gateway
            .routes
            .iter()
            .map(|route| {
                let inner = format!("{}/{}", deployment, route.path.text.value);
                (
                    DeployedRoute {
                        path: inner.clone(),
                        target: RouteTarget::Gateway(GatewayName(inner)),
                        weight: Percent(0),
                        condition: route.condition.clone(),
                        condition_strength: route.effective_condition_strength(),
                        balance: route.balance.clone(),
                    },
                    route.weight.as_ref().map(|w| w.value),
                )
            })
            .collect();
        let deployed = DeployedGateway {
            name: name.clone(),
            port: gateway.port.clone(),
            sticky: gateway.sticky,
            virtual_hosts: gateway
                .virtual_hosts
                .iter()
                .map(|h| h.value.clone())
                .collect(),
            routes: assign_weights(routes),
        };
        match gateways.iter_mut().find(|g| g.name == name) {
            Some(present) => *present = deployed,
            None => gateways.push(deployed),
        }
    }

    let merged = Deployment {
        name: deployment.clone(),
        clusters,
        gateways,
    };
    for gateway in merged.all_gateways() {
        let total = gateway.total_weight();
        if !gateway.routes.is_empty() && total != 0 && total != 100 {
            problems.push(MergeProblem::RouteWeight {
                gateway: gateway.name.clone(),
                total,
                span: blueprint.name.span,
            });
        }
    }
    (merged, problems)
}

fn service_ports(breed: &BreedRef, breeds: &dyn BreedLookup) -> Vec<(PortName, Protocol)> {
    let found = match breed {
        BreedRef::Inline(b) => Some(&**b),
        BreedRef::Reference(name) => breeds.find_breed(name.value.as_str()),
    };
    found.map_or_else(Vec::new, |b| {
        b.ports
            .iter()
            .map(|p| (p.name.value.clone(), p.protocol))
            .collect()
    })
}

/// One internal gateway per port of the cluster, one route per service with that port.
fn resolve_routings(
    deployment: &DeploymentName,
    cluster: &DeployedCluster,
    blueprint_cluster: &super::Cluster,
) -> Vec<DeployedGateway> {
    let mut ports: Vec<(PortName, Protocol)> = Vec::new();
    for service in &cluster.services {
        for (port, protocol) in &service.ports {
            if !ports.iter().any(|(p, _)| p == port) {
                ports.push((port.clone(), *protocol));
            }
        }
    }
    let single_port = (ports.len() == 1).then(|| ports[0].0.clone());
    ports
        .iter()
        .map(|(port, protocol)| {
            let name = GatewayName(format!("{}/{}/{}", deployment, cluster.name, port));
            let existing = cluster.gateways.iter().find(|g| g.name == name);
            let given = blueprint_cluster.gateways.iter().find(|g| match &g.port {
                Some(p) => p.value == *port,
                None => single_port.as_ref() == Some(port),
            });
            let routes = cluster
                .services
                .iter()
                .filter(|s| s.ports.iter().any(|(p, _)| p == port))
                .map(|service| {
                    let breed = service.breed.name();
                    let path = format!("{}/{}/{}/{}", deployment, cluster.name, breed, port);
                    let from_blueprint = given.and_then(|g| {
                        g.routes
                            .iter()
                            .find(|r| r.path.text.value == breed.as_str())
                    });
                    let kept = existing.and_then(|g| g.route(&path));
                    let (weight, condition, strength, balance) = match (from_blueprint, kept) {
                        (Some(r), _) => (
                            r.weight.as_ref().map(|w| w.value),
                            r.condition.clone(),
                            r.effective_condition_strength(),
                            r.balance.clone(),
                        ),
                        (None, Some(k)) => (
                            Some(k.weight),
                            k.condition.clone(),
                            k.condition_strength,
                            k.balance.clone(),
                        ),
                        (None, None) => (None, None, Percent(0), None),
                    };
                    (
                        DeployedRoute {
                            path,
                            target: RouteTarget::Service {
                                cluster: cluster.name.clone(),
                                breed: breed.clone(),
                                port: port.clone(),
                            },
                            weight: Percent(0),
                            condition,
                            condition_strength: strength,
                            balance,
                        },
                        weight,
                    )
                })
                .collect();
            DeployedGateway {
                name,
                port: GatewayPort {
                    number: 0,
                    protocol: *protocol,
                    name: Some(port.0.clone()),
                    span: blueprint_cluster.span,
                },
                sticky: given
                    .and_then(|g| g.sticky.as_ref().map(|s| s.value))
                    .or_else(|| existing.and_then(|g| g.sticky)),
                virtual_hosts: given
                    .map(|g| g.virtual_hosts.iter().map(|h| h.value.clone()).collect())
                    .or_else(|| existing.map(|g| g.virtual_hosts.clone()))
                    .unwrap_or_default(),
                routes: assign_weights(routes),
            }
        })
        .collect()
}

/// GatewayActor's rule: routes without a weight share what the others leave of 100%, evenly,
/// the last one taking the rounding remainder. Nothing is assigned when the given weights
/// already exceed 100 (validation reports that).
pub fn assign_weights(routes: Vec<(DeployedRoute, Option<Percent>)>) -> Vec<DeployedRoute> {
    let given: u32 = routes
        .iter()
        .filter_map(|(_, w)| w.map(|p| u32::from(p.0)))
        .sum();
    let unweighted = routes.iter().filter(|(_, w)| w.is_none()).count() as u32;
    let available = 100u32.saturating_sub(given);
    let share = available.checked_div(unweighted).unwrap_or(0);
    let mut seen = 0u32;
    routes
        .into_iter()
        .map(|(mut route, weight)| {
            route.weight = match weight {
                Some(w) => w,
                None => {
                    seen += 1;
                    let w = if seen == unweighted {
                        available - share * (unweighted - 1)
                    } else {
                        share
                    };
                    Percent(u8::try_from(w).unwrap_or(100))
                }
            };
            route
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{check, Input, Options};
    use crate::ir::vamp::Artifacts;

    fn artifacts(yaml: &str) -> Artifacts {
        let checked = check(
            vec![Input::reported(
                "test.yaml".to_string(),
                yaml.as_bytes().to_vec(),
            )],
            &Options::default(),
        );
        let errors: Vec<_> = checked.error_diagnostics().collect();
        assert!(errors.is_empty(), "{errors:?}");
        checked.project.vamp
    }

    const SAVA: &str = "
---
kind: breed
name: sava:1.0
deployable: magneticio/sava:1.0.0
ports: {web: 8080/http}
---
kind: breed
name: sava:1.1
deployable: magneticio/sava:1.1.0
ports: {web: 8080/http}
---
kind: breed
name: sava:1.2
deployable: magneticio/sava:1.2.0
ports: {web: 8080/http}
---
kind: blueprint
name: sava:1.0
gateways: {9050: sava/web}
clusters:
  sava: sava:1.0
---
kind: blueprint
name: sava:1.1
clusters:
  sava: sava:1.1
---
kind: blueprint
name: all
clusters:
  sava: [sava:1.0, sava:1.1, sava:1.2]
";

    fn weights(deployment: &Deployment, gateway: &str) -> Vec<(String, u8)> {
        deployment
            .gateway(gateway)
            .expect("gateway exists")
            .routes
            .iter()
            .map(|r| (r.path.clone(), r.weight.0))
            .collect()
    }

    fn blueprint<'a>(artifacts: &'a Artifacts, name: &str) -> &'a Blueprint {
        artifacts
            .blueprints
            .iter()
            .find(|b| b.name.value.as_str() == name)
            .expect("blueprint exists")
    }

    #[test]
    fn first_deployment_routes_everything_to_the_only_service() {
        let artifacts = artifacts(SAVA);
        let name = DeploymentName::from("sava");
        let (deployment, problems) = deploy(blueprint(&artifacts, "sava:1.0"), &name, &artifacts);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(
            weights(&deployment, "sava/sava/web"),
            [("sava/sava/sava:1.0/web".to_string(), 100)]
        );
        let external = deployment.gateway("sava/9050").expect("external gateway");
        assert_eq!(external.port.number, 9050);
        assert_eq!(
            external.routes[0].target,
            RouteTarget::Gateway(GatewayName::from("sava/sava/web"))
        );
        assert_eq!(external.routes[0].weight, Percent(100));
    }

    #[test]
    fn a_merged_version_starts_at_zero_beside_a_full_route() {
        let artifacts = artifacts(SAVA);
        let name = DeploymentName::from("sava");
        let (first, _) = deploy(blueprint(&artifacts, "sava:1.0"), &name, &artifacts);
        let (merged, problems) = merge(&first, blueprint(&artifacts, "sava:1.1"), &artifacts);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(
            weights(&merged, "sava/sava/web"),
            [
                ("sava/sava/sava:1.0/web".to_string(), 100),
                ("sava/sava/sava:1.1/web".to_string(), 0)
            ]
        );
        // The external gateway of the first deployment is kept.
        assert!(merged.gateway("sava/9050").is_some());
    }

    #[test]
    fn unweighted_services_split_evenly_with_the_remainder_last() {
        let artifacts = artifacts(SAVA);
        let name = DeploymentName::from("three");
        let (deployment, _) = deploy(blueprint(&artifacts, "all"), &name, &artifacts);
        let split: Vec<u8> = weights(&deployment, "three/sava/web")
            .into_iter()
            .map(|(_, w)| w)
            .collect();
        assert_eq!(split, [33, 33, 34]);
    }

    #[test]
    fn given_weights_are_kept_and_checked() {
        let yaml = format!(
            "{SAVA}
---
kind: deployment
name: canary
clusters:
  sava:
    services: [sava:1.0, sava:1.1]
    gateways:
      web:
        routes:
          sava:1.0: {{weight: 80%}}
          sava:1.1:
            weight: 20%
            condition: user-agent = Firefox
"
        );
        let artifacts = artifacts(&yaml);
        let deployment = artifacts
            .deployments
            .iter()
            .find(|d| d.name.as_str() == "canary")
            .expect("derived deployment");
        let gateway = deployment
            .gateway("canary/sava/web")
            .expect("internal gateway");
        assert_eq!(gateway.routes[0].weight, Percent(80));
        assert_eq!(gateway.routes[1].weight, Percent(20));
        // A condition without a strength applies to every matching request.
        assert_eq!(gateway.routes[1].condition_strength, Percent(100));
        assert_eq!(gateway.routes[0].condition_strength, Percent(0));
    }

    #[test]
    fn weights_not_summing_to_100_are_a_merge_problem() {
        let routes = vec![
            (route("a"), Some(Percent(50))),
            (route("b"), Some(Percent(20))),
        ];
        let assigned = assign_weights(routes);
        let total: u32 = assigned.iter().map(|r| u32::from(r.weight.0)).sum();
        assert_eq!(total, 70);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

        /// With at least one route left without a weight and the given ones within 100%, the
        /// weights always sum to exactly 100% and given weights are kept.
        #[test]
        fn weights_sum_to_100(given in proptest::collection::vec(proptest::option::of(0u8..=40), 1..8)) {
            let sum: u32 = given.iter().flatten().map(|w| u32::from(*w)).sum();
            proptest::prop_assume!(sum <= 100 && given.iter().any(Option::is_none));
            let routes = given
                .iter()
                .enumerate()
                .map(|(i, w)| (route(&i.to_string()), w.map(Percent)))
                .collect();
            let assigned = assign_weights(routes);
            let total: u32 = assigned.iter().map(|r| u32::from(r.weight.0)).sum();
            proptest::prop_assert_eq!(total, 100);
            for (route, weight) in assigned.iter().zip(&given) {
                if let Some(w) = weight {
                    proptest::prop_assert_eq!(route.weight.0, *w);
                }
            }
        }
    }

    fn route(path: &str) -> DeployedRoute {
        DeployedRoute {
            path: path.to_string(),
            target: RouteTarget::Gateway(GatewayName::from(path)),
            weight: Percent(0),
            condition: None,
            condition_strength: Percent(0),
            balance: None,
        }
    }
}
