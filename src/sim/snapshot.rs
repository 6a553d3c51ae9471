//! Periodic metric snapshots for the trace.

use super::engine::nanos_to_secs;
use super::metrics::LatencySketch;
use super::trace::round_to;
use super::world::{Event, World};
use serde_json::{json, Map, Value};

impl World<'_> {
    pub(crate) fn on_snapshot(&mut self) {
        let period = self.model.snapshot_every;
        if period == 0 {
            return;
        }
        self.queue.schedule_in(period, Event::Snapshot);
        let line = self.snapshot_json();
        if let Some(trace) = &mut self.trace {
            trace.line(&line);
        }
        self.snapshot_latency = self
            .services
            .iter()
            .map(|s| s.counters.latency.clone())
            .collect();
    }

    /// Cumulative counts per gateway and service, the gateways' weights, ready instances, and
    /// each service's latency quantiles over the interval since the last snapshot (`null`
    /// when it served nothing in it).
    pub fn snapshot_json(&self) -> Value {
        let mut gateways = Map::new();
        for (g, model) in self.model.gateways.iter().enumerate() {
            let state = &self.gateways[g];
            gateways.insert(
                model.name.clone(),
                json!({"requests": state.requests(), "errors": state.errors(), "weights": self.weights_json(g)}),
            );
        }
        let mut services = Map::new();
        let empty = LatencySketch::new();
        for (s, model) in self.model.services.iter().enumerate() {
            let state = &self.services[s];
            let earlier = self.snapshot_latency.get(s).unwrap_or(&empty);
            let quantile = |q: f64| match state.counters.latency.quantile_since_ns(earlier, q) {
                Some(ns) => json!(round_to(ns / 1e6, 3)),
                None => Value::Null,
            };
            services.insert(
                model.name.clone(),
                json!({
                    "requests": state.counters.requests + state.unavailable,
                    "errors": state.counters.errors + state.unavailable,
                    "ready": self.ready_instances(s),
                    "p50_ms": quantile(0.5),
                    "p99_ms": quantile(0.99),
                }),
            );
        }
        json!({
            "type": "snapshot",
            "t_s": round_to(nanos_to_secs(self.now()), 9),
            "in_flight": self.in_flight(),
            "gateways": gateways,
            "services": services,
        })
    }
}
