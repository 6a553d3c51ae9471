//! The state of a rehearsal at a given time, read-only: route weights and the instances that
//! serve, for `rehearse emit --scenario S --at T` (the config a load balancer must hold at
//! that moment). Runs the same world `rehearse run` runs, up to T, and reads it.

use super::build::build;
use super::engine::Nanos;
use super::service::InstanceState;
use super::world::World;
use crate::diag::Diagnostic;
use crate::ir::scenario::Scenario;
use crate::ir::Project;

/// One gateway route's weight at time T.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteWeight {
    pub gateway: String,
    pub route: String,
    pub weight_bp: u32,
}

/// A service's instances that are ready at time T (starting, dead and draining instances
/// take no traffic, so a load balancer does not list them).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceInstances {
    pub deployment: String,
    pub cluster: String,
    pub service: String,
    /// (the run's label `service#n`, 1-based host number)
    pub ready: Vec<(String, u32)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StateAt {
    pub weights: Vec<RouteWeight>,
    pub services: Vec<ServiceInstances>,
}

/// Rehearses `scenario` with `seed` up to `at` and reads the state. `at` past the
/// scenario's duration reads the state at its end.
pub fn state_at(
    project: &Project,
    scenario: &Scenario,
    seed: u64,
    at: Nanos,
) -> Result<StateAt, Vec<Diagnostic>> {
    let model = build(project, scenario, seed).map_err(|u| vec![u.diagnostic()])?;
    let mut world = World::new(model, None);
    world.run_until(at);
    let mut weights = Vec::new();
    for (g, gateway) in world.model.gateways.iter().enumerate() {
        for (r, route) in gateway.routes.iter().enumerate() {
            weights.push(RouteWeight {
                gateway: gateway.name.clone(),
                route: route.name.clone(),
                weight_bp: world.gateways[g].weights_bp.get(r).copied().unwrap_or(0),
            });
        }
    }
    let services = world
        .model
        .services
        .iter()
        .enumerate()
        .map(|(s, service)| ServiceInstances {
            deployment: service.deployment.clone(),
            cluster: service.cluster.clone(),
            service: service.name.clone(),
            ready: world.services[s]
                .instances
                .iter()
                .filter_map(|&i| {
                    let instance = &world.instances[i as usize];
                    (instance.state == InstanceState::Ready)
                        .then(|| (world.instance_label(i), instance.host + 1))
                })
                .collect(),
        })
        .collect();
    Ok(StateAt { weights, services })
}
