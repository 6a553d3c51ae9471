//! `auto-scaling` (CANARY.md §1.3): instances follow the traffic split between SCALE_MIN and
//! SCALE_MAX, reading the latest `metrics:rate` events of the two routes.

use super::js_round;
use crate::sim::world::World;
use serde_json::json;

impl World<'_> {
    fn latest_rate(&self, gateway: &str, route: &str) -> f64 {
        let g = format!("gateways:{gateway}");
        let r = format!("routes:{route}");
        self.bus
            .latest_with(&[g.as_str(), r.as_str(), "metrics:rate"])
            .and_then(|e| e.value.as_f64())
            .unwrap_or(0.0)
    }

    pub(crate) fn run_autoscale(
        &mut self,
        name: &str,
        gateway: usize,
        routes: [usize; 2],
        services: [usize; 2],
        min: u32,
        max: u32,
    ) {
        let gw = &self.model.gateways[gateway];
        let (Some(route1), Some(route2)) = (gw.routes.get(routes[0]), gw.routes.get(routes[1]))
        else {
            return;
        };
        let r1 = self.latest_rate(&gw.name, &route1.name);
        let r2 = self.latest_rate(&gw.name, &route2.name);
        let (min, max) = (f64::from(min), f64::from(max));
        let (i1, i2) = if r1 + r2 == 0.0 {
            let mid = js_round((max + min) / 2.0);
            (mid, mid)
        } else {
            (
                js_round(r1 / (r1 + r2) * (max - min) + min),
                js_round(r2 / (r1 + r2) * (max - min) + min),
            )
        };
        let wanted = [i1.max(0.0) as u32, i2.max(0.0) as u32];
        if services
            .iter()
            .zip(wanted)
            .all(|(&s, w)| self.services[s].desired == w)
        {
            return;
        }
        for (&service, instances) in services.iter().zip(wanted) {
            self.set_desired(service, instances);
            let service_name = self.model.services[service].name.clone();
            self.decide(
                "scale",
                service_name.clone(),
                json!({"instances": instances}),
            );
            self.publish(
                &[
                    format!("workflows:{name}"),
                    "scale".into(),
                    format!("services:{service_name}"),
                ],
                json!(instances),
                "event",
            );
        }
    }
}
