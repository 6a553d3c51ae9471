//! `metrics` (CANARY.md §2.2): per gateway and route, the request rate (requests/WINDOW,
//! 2 decimals) and mean response time (ms, 1 decimal) over the last WINDOW s, as events.

use crate::sim::trace::round_to;
use crate::sim::world::World;
use serde_json::json;

impl World<'_> {
    pub(crate) fn run_metrics(&mut self, window_s: u64) {
        let now = self.now();
        let window = window_s.max(1);
        let mut out: Vec<(Vec<String>, f64, f64)> = Vec::new();
        for (g, gateway) in self.model.gateways.iter().enumerate() {
            let w = self.gateways[g].window(now, window);
            out.push((
                vec![format!("gateways:{}", gateway.name), "gateway".into()],
                round_to(w.requests as f64 / window as f64, 2),
                round_to(w.mean_ms(), 1),
            ));
            for (r, route) in gateway.routes.iter().enumerate() {
                let w = self.gateways[g].route_counters[r].ring.window(now, window);
                out.push((
                    vec![
                        format!("gateways:{}", gateway.name),
                        format!("routes:{}", route.name),
                        "route".into(),
                    ],
                    round_to(w.requests as f64 / window as f64, 2),
                    round_to(w.mean_ms(), 1),
                ));
            }
        }
        for (tags, rate, response_time) in out {
            let mut with_rate = tags.clone();
            with_rate.push("metrics:rate".into());
            self.publish(&with_rate, json!(rate), "metrics");
            let mut with_time = tags;
            with_time.push("metrics:responseTime".into());
            self.publish(&with_time, json!(response_time), "metrics");
        }
    }
}
