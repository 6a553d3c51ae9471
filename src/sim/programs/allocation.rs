//! `allocation` (CANARY.md §2.3): per deployment, the total instances, cpu and memory.

use crate::sim::trace::round_to;
use crate::sim::world::World;
use serde_json::json;
use std::collections::BTreeMap;

impl World<'_> {
    pub(crate) fn run_allocation(&mut self) {
        let mut totals: BTreeMap<String, (u64, f64, f64)> = BTreeMap::new();
        for (s, model) in self.model.services.iter().enumerate() {
            let entry = totals.entry(model.deployment.clone()).or_default();
            let n = u64::from(self.services[s].desired);
            entry.0 += n;
            entry.1 += n as f64 * model.cpu;
            entry.2 += n as f64 * model.memory_mb;
        }
        for (deployment, (instances, cpu, memory)) in totals {
            self.publish(
                &["allocation".into(), format!("deployments:{deployment}")],
                json!({"instances": instances, "cpu": round_to(cpu, 2), "memory": round_to(memory, 2)}),
                "allocation",
            );
        }
    }
}
