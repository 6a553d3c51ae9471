//! The run report's `rollouts` section: per rollout, where its update ended.

use crate::sim::engine::nanos_to_secs;
use crate::sim::world::World;
use serde_json::{json, Value};

impl World<'_> {
    pub fn rollouts_json(&self) -> Value {
        Value::Array(
            self.model
                .rollouts
                .iter()
                .zip(&self.rollouts)
                .map(|(model, state)| {
                    let phase = if model.kind == crate::ir::rollout_scenario::RolloutKind::Flagger {
                        super::flagger::phase_name(state)
                    } else if state.promoted.is_some() {
                        "Healthy"
                    } else if state.aborted.is_some() || state.timed_out.is_some() {
                        "Degraded"
                    } else if !state.started {
                        "NotUpdated"
                    } else if state.inconclusive_pause || state.pause_since.is_some() {
                        "Paused"
                    } else {
                        "Progressing"
                    };
                    let mut runs = state.finished_runs.clone();
                    runs.extend(
                        [&state.step_run, &state.background_run]
                            .into_iter()
                            .flatten()
                            .map(|r| r.to_json()),
                    );
                    let weights = &self.gateways[model.gateway].weights_bp;
                    json!({
                        "name": model.name,
                        "kind": model.kind.as_str(),
                        "phase": phase,
                        "step": state.index,
                        "updated_at_s": model.update_at.filter(|_| state.started).map(nanos_to_secs),
                        "promoted_at_s": state.promoted.map(nanos_to_secs),
                        "aborted_at_s": state.aborted.as_ref().map(|(t, _)| nanos_to_secs(*t)),
                        "abort_message": state.aborted.as_ref().map(|(_, m)| m.clone()),
                        "canary_weight": crate::sim::programs::percent_json(weights.get(1).copied().unwrap_or(0)),
                        "stable_replicas": self.services[model.stable].desired,
                        "canary_replicas": self.services[model.canary].desired,
                        "analysis_runs": runs,
                        "failed_checks": state.failed_checks,
                        "progress_deadline_exceeded_at_s": state.timed_out.map(nanos_to_secs),
                        "mirrored_requests": self.gateways[model.gateway].mirrored.as_ref().map_or(0, |c| c.requests),
                    })
                })
                .collect(),
        )
    }
}
