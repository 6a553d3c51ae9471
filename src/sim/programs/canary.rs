//! `canary` (CANARY.md §1.2): at start and every PERIOD s, count 5xx on GATEWAY in the last
//! WINDOW s; any → back to 100/0, none → move 5 points from SERVICE1 to SERVICE2.

use crate::sim::world::World;
use serde_json::json;

const STEP_BP: i64 = 500;

impl World<'_> {
    pub(crate) fn run_canary(
        &mut self,
        name: &str,
        gateway: usize,
        old: usize,
        new: usize,
        window_s: u64,
    ) {
        let errors = self.gateways[gateway].window(self.now(), window_s).errors;
        let current = self.gateways[gateway].weights_bp.clone();
        let (Some(&w_old), Some(_)) = (current.get(old), current.get(new)) else {
            return;
        };
        let (kind, proposed) = if errors > 0 {
            if w_old == 10_000 {
                return; // already rolled back: a no-op, no PUT
            }
            let mut w = current.clone();
            w[old] = 10_000;
            w[new] = 0;
            ("rollback", w)
        } else {
            if w_old == 0 {
                return; // canary finished
            }
            let w_new = i64::from(w_old) - STEP_BP;
            let mut w = current.clone();
            w[old] = w_new.max(0) as u32;
            w[new] = if w_new < 0 {
                10_000
            } else {
                (10_000 - w_new) as u32
            };
            ("weights", w)
        };
        let gateway_name = self.model.gateways[gateway].name.clone();
        let tags = [format!("workflows:{name}")];
        if self.put_weights(gateway, proposed.clone()) {
            let value = format!(
                "{}%/{}%",
                super::percent_json(proposed[old]),
                super::percent_json(proposed[new])
            );
            // The JSON contract: the detail of a weights or rollback decision is exactly the
            // new weights, {route: percent}.
            self.decide(kind, gateway_name, self.weights_json(gateway));
            self.publish(&[tags[0].clone(), "updated".into()], json!(value), "event");
        } else {
            self.decide(
                "event",
                gateway_name,
                json!({"error": "GatewayRouteWeightError: weights must sum to 100%", "rejected": kind}),
            );
            self.publish(
                &[tags[0].clone(), "error".into()],
                json!("weights"),
                "event",
            );
        }
    }
}
