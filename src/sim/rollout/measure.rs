//! What one measurement reads of the simulated world (the scenario's `measurements`): the
//! canary route's requests over the metric's window (1-second buckets), or the canary's
//! latencies since the metric's previous measurement, or a value the scenario gives.

use super::model::{MetricModel, RolloutModel};
use crate::ir::rollout_scenario::{MeasurementSource, Observed};
use crate::ir::scenario::MetricValue;
use crate::sim::metrics::LatencySketch;
use crate::sim::world::World;
use crate::syntax::exprlang::Value;

impl World<'_> {
    /// The measurement of `metric` now, as `result` (a one-element vector unless the
    /// binding says `scalar`); `Err` when the scenario binds nothing (an Error measurement,
    /// as a provider that cannot be queried).
    pub(crate) fn measure(
        &self,
        rollout: &RolloutModel,
        metric: &MetricModel,
        latencies_since: &LatencySketch,
    ) -> Result<f64, String> {
        let binding = metric.binding.as_ref().ok_or_else(|| {
            format!(
                "the scenario binds no measurement to metric '{}' (S043)",
                metric.name
            )
        })?;
        let now = self.now();
        Ok(match &binding.source {
            MeasurementSource::Value(MetricValue::Constant(x)) => *x,
            MeasurementSource::Value(MetricValue::Steps(steps)) => steps
                .iter()
                .take_while(|(at, _)| *at <= now)
                .last()
                .or(steps.first())
                .map_or(f64::NAN, |(_, v)| *v),
            MeasurementSource::Value(MetricValue::From(_)) => f64::NAN,
            MeasurementSource::Observed(observed) => {
                let canary_route = &self.gateways[rollout.gateway].route_counters[1];
                let mut window = canary_route.ring.window(now, metric.window_s);
                // Mirrored copies reach the canary too, and its metrics count them.
                if let Some(mirrored) = &self.gateways[rollout.gateway].mirrored {
                    let copies = mirrored.ring.window(now, metric.window_s);
                    window.requests += copies.requests;
                    window.errors += copies.errors;
                }
                let share = |n: u64| {
                    if window.requests == 0 {
                        f64::NAN
                    } else {
                        n as f64 / window.requests as f64
                    }
                };
                let quantile = |q: f64| {
                    self.services[rollout.canary]
                        .counters
                        .latency
                        .quantile_since_ns(latencies_since, q)
                        .map_or(f64::NAN, |ns| ns / 1e6)
                };
                match observed {
                    Observed::ErrorRate => share(window.errors),
                    Observed::SuccessRate => {
                        share(window.requests - window.errors.min(window.requests))
                    }
                    Observed::Rate => window.requests as f64 / metric.window_s.max(1) as f64,
                    Observed::LatencyP50 => quantile(0.5),
                    Observed::LatencyP95 => quantile(0.95),
                    Observed::LatencyP99 => quantile(0.99),
                }
            }
        })
    }
}

/// The value as the condition sees it.
pub fn as_result(value: f64, metric: &MetricModel) -> Value {
    if metric.binding.as_ref().is_some_and(|b| b.scalar) {
        Value::Number(value)
    } else {
        Value::List(vec![Value::Number(value)])
    }
}
