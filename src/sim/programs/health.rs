//! `health` (CANARY.md §2.1): 0 when the gateway (route) logged a 5xx in the last WINDOW s,
//! else 1; a service's health is its cluster-gateway route's; cluster and deployment health
//! are products. Changes are decisions; every value is an event.

use crate::sim::model::Target;
use crate::sim::world::World;
use serde_json::json;
use std::collections::BTreeMap;

impl World<'_> {
    fn route_health(&self, gateway: usize, route: usize, window_s: u64) -> u8 {
        let errors = self.gateways[gateway].route_counters[route]
            .ring
            .window(self.now(), window_s)
            .errors;
        u8::from(errors == 0)
    }

    pub(crate) fn run_health(&mut self, program: usize, window_s: u64) {
        let now = self.now();
        let mut values: Vec<(Vec<String>, String, u8)> = Vec::new();
        for (g, gateway) in self.model.gateways.iter().enumerate() {
            let errors = self.gateways[g].window(now, window_s).errors;
            let health = u8::from(errors == 0);
            values.push((
                vec![
                    format!("gateways:{}", gateway.name),
                    "gateway".into(),
                    "health".into(),
                ],
                format!("gateway {}", gateway.name),
                health,
            ));
            for (r, route) in gateway.routes.iter().enumerate() {
                values.push((
                    vec![
                        format!("gateways:{}", gateway.name),
                        "route".into(),
                        format!("routes:{}", route.name),
                        "health".into(),
                    ],
                    format!("route {}", route.name),
                    self.route_health(g, r, window_s),
                ));
            }
        }
        let mut deployments: BTreeMap<String, u8> = BTreeMap::new();
        for cluster in &self.model.clusters {
            let mut cluster_health = 1u8;
            for &service in &cluster.services {
                let route = cluster.gateway.and_then(|g| {
                    self.model.gateways[g]
                        .routes
                        .iter()
                        .position(|r| r.target == Target::Service(service))
                        .map(|r| (g, r))
                });
                let health = route.map_or(1, |(g, r)| self.route_health(g, r, window_s));
                cluster_health *= health;
                let service_name = &self.model.services[service].name;
                values.push((
                    vec![
                        format!("deployments:{}", cluster.deployment),
                        format!("clusters:{}", cluster.name),
                        "service".into(),
                        format!("services:{service_name}"),
                        "health".into(),
                    ],
                    format!(
                        "service {}/{}/{service_name}",
                        cluster.deployment, cluster.name
                    ),
                    health,
                ));
            }
            values.push((
                vec![
                    format!("deployments:{}", cluster.deployment),
                    format!("clusters:{}", cluster.name),
                    "cluster".into(),
                    "health".into(),
                ],
                format!("cluster {}/{}", cluster.deployment, cluster.name),
                cluster_health,
            ));
            *deployments.entry(cluster.deployment.clone()).or_insert(1) *= cluster_health;
        }
        for (deployment, health) in deployments {
            values.push((
                vec![
                    format!("deployments:{deployment}"),
                    "deployment".into(),
                    "health".into(),
                ],
                format!("deployment {deployment}"),
                health,
            ));
        }
        for (tags, target, health) in values {
            let previous = self.programs[program]
                .memory
                .insert(target.clone(), f64::from(health))
                .unwrap_or(1.0);
            if previous != f64::from(health) {
                self.decide("health", target, json!({"health": health}));
            }
            self.publish(&tags, json!(health), "health");
        }
    }
}
