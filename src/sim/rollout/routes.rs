//! Argo's managed routes on a traffic-routed canary (ARGO.md §2 table, §3.3): a
//! `setHeaderRoute` sends the requests its `match` selects to the canary whatever the weight;
//! a `setMirrorRoute` keeps them on the weights in force when it was set and copies
//! `percentage` of them to the canary, whose answers nobody receives but whose metrics count
//! them. Which requests match is the scenario's `routes` share (headers, paths and methods
//! are not simulated); routes are tried in `managedRoutes` order, each matching a request
//! independently of the others, before the weighted route (Argo's istio `orderRoutes`).
//! They are removed on promotion, on abort, on `promote --full` and while the canary has no
//! available pod.

use super::model::{ArgoModel, RouteAction};
use crate::ir::topology::FULL_WEIGHT_BP;
use crate::sim::samplers::{bernoulli, weighted_choice};
use crate::sim::world::World;
use serde_json::json;

/// The rollout router's canary route (`lower::rollout`: stable first, canary second).
const CANARY_ROUTE: usize = 1;

/// A managed route in force on a rollout's router.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActiveRoute {
    /// Its place in `managedRoutes` (the order the router tries them).
    pub order: usize,
    /// Share of the requests its `match` selects, in basis points.
    pub share_bp: u32,
    /// A mirror route: the share of matching requests copied to the canary (basis points)
    /// and the (stable, canary) weights copied from the weighted route when it was set.
    pub mirror: Option<(u32, [u32; 2])>,
}

impl World<'_> {
    /// `SetHeaderRoute` / `SetMirrorRoute` of the current step (reconcileTrafficRouting).
    pub(crate) fn apply_route_step(&mut self, r: usize, argo: &ArgoModel, index: usize) {
        let Some(Some(step)) = argo.route_steps.get(index) else {
            return;
        };
        let gateway = self.model.rollouts[r].gateway;
        let (name, share) = &argo.managed_routes[step.route];
        let share_bp = share.unwrap_or(0);
        let routes = &mut self.gateways[gateway].rollout_routes;
        let position = routes.iter().position(|a| a.order == step.route);
        let wanted = match step.action {
            RouteAction::Remove => None,
            RouteAction::Header => Some(ActiveRoute {
                order: step.route,
                share_bp,
                mirror: None,
            }),
            RouteAction::Mirror { percentage } => {
                let weights = &self.gateways[gateway].weights_bp;
                let frozen = [
                    weights.first().copied().unwrap_or(FULL_WEIGHT_BP),
                    weights.get(CANARY_ROUTE).copied().unwrap_or(0),
                ];
                Some(ActiveRoute {
                    order: step.route,
                    share_bp,
                    mirror: Some((percentage * 100, frozen)),
                })
            }
        };
        let routes = &mut self.gateways[gateway].rollout_routes;
        if position.map(|p| &routes[p]) == wanted.as_ref() {
            return;
        }
        if let Some(p) = position {
            routes.remove(p);
        }
        let detail = match &wanted {
            None => json!({"route": name, "action": "removed"}),
            Some(active) => json!({
                "route": name,
                "action": if active.mirror.is_some() { "mirror" } else { "header" },
                "share": crate::sim::programs::percent_json(active.share_bp),
                "mirror_percentage": active.mirror.map(|(p, _)| crate::sim::programs::percent_json(p)),
                "share_given": share.is_some(),
            }),
        };
        if let Some(active) = wanted {
            let at = routes.partition_point(|a| a.order < active.order);
            routes.insert(at, active);
        }
        let rollout = self.model.rollouts[r].name.clone();
        self.decide("route", rollout, detail);
    }

    /// `RemoveManagedRoutes`.
    pub(crate) fn remove_managed_routes(&mut self, r: usize, why: &str) {
        let gateway = self.model.rollouts[r].gateway;
        if self.gateways[gateway].rollout_routes.is_empty() {
            return;
        }
        self.gateways[gateway].rollout_routes.clear();
        let rollout = self.model.rollouts[r].name.clone();
        self.decide(
            "route",
            rollout,
            json!({"action": "removed all", "reason": why}),
        );
    }

    /// The route a managed route gives this request, if one matches, and whether a copy goes
    /// to the canary. Draws nothing on routers without managed routes.
    pub(crate) fn managed_route_choice(&mut self, gateway: usize) -> Option<(usize, bool)> {
        let state = &mut self.gateways[gateway];
        for i in 0..state.rollout_routes.len() {
            let route = &state.rollout_routes[i];
            let (share, mirror) = (route.share_bp, route.mirror);
            if !bernoulli(&mut state.stream, f64::from(share) / 10_000.0) {
                continue;
            }
            return match mirror {
                None => Some((CANARY_ROUTE, false)),
                Some((percentage, weights)) => {
                    let chosen = weighted_choice(&mut state.stream, &weights)?;
                    let copy = bernoulli(&mut state.stream, f64::from(percentage) / 10_000.0);
                    Some((chosen, copy))
                }
            };
        }
        None
    }
}
