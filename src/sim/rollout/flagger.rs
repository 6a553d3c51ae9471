//! Flagger's canary analysis in the rehearsal (FLAGGER.md §3, §5, §7): the scheduler ticks
//! every `analysis.interval` (from t = 0, as its ticker starts with the Canary); the first
//! tick at or after the update detects it and scales the canary up; each later tick waits
//! while the canary is not ready, rolls back once `failedChecks` has reached `threshold`,
//! runs the checks (a failure counts one failed check and ends the tick), then moves the
//! weight by `plan::flagger::next_step_weight` until `maxWeight`, where the
//! `confirm-promotion` gates (answered by the scenario's `webhooks`) let it promote.
//! Only progressive traffic shifting is rehearsed (A/B and blue/green: S044, no tick).
//!
//! Checks: the built-ins read the canary route (`request-success-rate`, % of non-5xx over the
//! last interval; `request-duration`, p99 in ms since the previous check), other metrics
//! read the scenario's `measurements` (`measure`); no value fails the check (§5).

use super::model::MetricModel;
use crate::ir::rollout::{FlaggerMetric, FlaggerStrategy};
use crate::ir::rollout_scenario::{MeasurementBinding, MeasurementSource, Observed};
use crate::ir::scenario::Scenario;
use crate::ir::topology::{RolloutDeployment, FULL_WEIGHT_BP};
use crate::ir::Project;
use crate::plan::analysis::Limits;
use crate::plan::flagger::next_step_weight;
use crate::sim::engine::Nanos;
use crate::sim::world::World;
use serde_json::json;

#[derive(Clone, Debug)]
pub struct FlaggerModel {
    pub metrics: Vec<MetricModel>,
    /// Per metric: the failing range (`thresholdRange`, or the deprecated `threshold`), the
    /// factor from the measurement to the metric's unit (100 for a success rate in %), and
    /// whether the metric can be measured at all (neither built-in, query nor template: §5).
    pub checks: Vec<Check>,
    pub analysis: crate::ir::rollout::FlaggerAnalysis,
    pub interval: Nanos,
    pub threshold: i64,
    pub max_weight: i64,
    /// `confirm-promotion` webhooks and when the scenario opens each (`None`: never).
    pub promotion_gates: Vec<(String, Option<Nanos>)>,
}

#[derive(Clone, Debug)]
pub struct Check {
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub scale: f64,
    pub measurable: bool,
}

/// The controller of a deployed Canary; `None` for the strategies not rehearsed.
pub fn model(
    project: &Project,
    scenario: &Scenario,
    d: &RolloutDeployment,
) -> Option<FlaggerModel> {
    let canary = &project.rollouts.canaries[d.object];
    let analysis = canary.analysis.as_ref()?;
    if analysis.strategy(canary.provider.as_deref()) != FlaggerStrategy::Canary {
        return None;
    }
    let interval = analysis.interval_ns();
    let mut metrics = Vec::new();
    let mut checks = Vec::new();
    for metric in &analysis.metrics {
        let Some(name) = &metric.name else { continue };
        let (built, check) = metric_model(metric, &name.value, interval, scenario);
        metrics.push(built);
        checks.push(check);
    }
    let promotion_gates = analysis
        .webhooks
        .iter()
        .filter(|w| w.kind == "confirm-promotion")
        .map(|w| {
            let answer = scenario
                .rollouts
                .webhooks
                .iter()
                .find(|a| a.name.value == w.name);
            // A gate the scenario does not answer is open: it stands for a webhook that
            // says yes (S044 is not needed: the scenario decides by answering).
            (w.name.clone(), answer.map_or(Some(0), |a| a.open_at_ns))
        })
        .collect();
    Some(FlaggerModel {
        metrics,
        checks,
        analysis: analysis.clone(),
        interval,
        threshold: analysis.threshold(),
        max_weight: analysis.max_weight(),
        promotion_gates,
    })
}

fn metric_model(
    metric: &FlaggerMetric,
    name: &str,
    interval: Nanos,
    scenario: &Scenario,
) -> (MetricModel, Check) {
    let window = metric
        .interval
        .as_ref()
        .and_then(|(_, n)| *n)
        .unwrap_or(interval);
    let mut built = MetricModel::new(
        name,
        Limits::default(),
        Some(window),
        0,
        (None, None),
        scenario,
    );
    let built_in = metric.template_ref.is_none() && !metric.has_query;
    let (observed, scale) = match name {
        "request-success-rate" if built_in => (Some(Observed::SuccessRate), 100.0),
        "request-duration" if built_in => (Some(Observed::LatencyP99), 1.0),
        _ => (None, 1.0),
    };
    if built.binding.is_none() {
        if let Some(observed) = observed {
            built.binding = Some(MeasurementBinding {
                metric: crate::ir::Spanned::new(name.to_owned(), metric.span),
                source: MeasurementSource::Observed(observed),
                scalar: true,
                span: metric.span,
            });
        }
    }
    let (min, max) = match (metric.threshold_min, metric.threshold_max, metric.threshold) {
        (None, None, Some(t)) if observed == Some(Observed::SuccessRate) => (Some(t), None),
        (None, None, Some(t)) => (None, Some(t)),
        (min, max, _) => (min, max),
    };
    let check = Check {
        min,
        max,
        scale,
        measurable: observed.is_some() || metric.has_query || metric.template_ref.is_some(),
    };
    (built, check)
}

/// The flagger phase the report shows.
pub fn phase_name(state: &super::RolloutState) -> &'static str {
    if state.aborted.is_some() {
        "Failed"
    } else if state.done {
        "Succeeded"
    } else if !state.started {
        "Initialized"
    } else {
        state.flagger_phase
    }
}

impl World<'_> {
    /// Called on every reconcile event; acts only on the scheduler's ticks. Returns `false`:
    /// the next tick is scheduled, no immediate reconcile is needed.
    pub(crate) fn tick_flagger(&mut self, r: usize) -> bool {
        let now = self.now();
        let Some(flagger) = self.model.rollouts[r].flagger.clone() else {
            return false;
        };
        if self.rollouts[r].done {
            return false;
        }
        let interval = flagger.interval.max(1);
        if !self.rollouts[r].started {
            let Some(update_at) = self.model.rollouts[r].update_at.filter(|&at| at <= now) else {
                return false;
            };
            let state = &mut self.rollouts[r];
            state.started = true;
            state.flagger_phase = "Initialized";
            let detect = update_at.div_ceil(interval).saturating_mul(interval);
            state.next_tick = detect;
            self.reconcile_rollout_at(r, detect);
        }
        if self.rollouts[r].aborted.is_some() {
            // The operator aborted between ticks: roll back now.
            self.flagger_rollback(r);
            return false;
        }
        let due = self.rollouts[r].next_tick;
        if now < due {
            return false;
        }
        let next = due.saturating_add(interval);
        self.rollouts[r].next_tick = next;
        self.rollouts[r].last_tick = Some(due);
        self.flagger_advance(r, &flagger);
        if !self.rollouts[r].done {
            self.reconcile_rollout_at(r, next);
        }
        false
    }

    /// advanceCanary, one tick (§3).
    fn flagger_advance(&mut self, r: usize, flagger: &FlaggerModel) {
        let name = self.model.rollouts[r].name.clone();
        let canary = self.model.rollouts[r].canary;
        let replicas = self.model.rollouts[r].replicas;
        let phase = self.rollouts[r].flagger_phase;
        if phase == "Initialized" {
            // The detection tick: scale the canary up, Progressing at weight 0, and return.
            self.rollouts[r].flagger_phase = "Progressing";
            self.rollouts[r].index = 0;
            self.decide(
                "step",
                name,
                json!({"index": 0, "action": "detect new revision: scale up the canary", "update": true}),
            );
            self.mark_flagger_latencies(r);
            self.scale_rollout_side(r, true, replicas);
            return;
        }
        if phase == "Finalising" {
            self.scale_rollout_side(r, true, 0);
            let state = &mut self.rollouts[r];
            state.flagger_phase = "Succeeded";
            state.done = true;
            return;
        }
        let (spec, available, _) = self.side_counts(canary);
        if available < spec || spec == 0 {
            // Retriable not-ready: the tick ends, no failed check.
            self.decide(
                "analysis",
                name,
                json!({"wait": "canary not ready", "ready": available, "replicas": spec}),
            );
            return;
        }
        if phase == "Promoting" {
            // stepWeightPromotion is not rehearsed: all traffic to the primary at once.
            self.set_rollout_weights(r, 0, false);
            self.rollouts[r].router_weight = 0;
            self.rollouts[r].flagger_phase = "Finalising";
            return;
        }
        if self.rollouts[r].failed_checks >= flagger.threshold {
            let message = format!(
                "Canary failed: {} failed checks, threshold {}",
                self.rollouts[r].failed_checks, flagger.threshold
            );
            self.abort_rollout(r, message);
            self.flagger_rollback(r);
            return;
        }
        let weight = self.rollouts[r].router_weight;
        let pre_rollout = weight == 0 && self.rollouts[r].index == 0;
        if !pre_rollout && !self.flagger_checks(r, flagger) {
            return;
        }
        self.mark_flagger_latencies(r);
        if weight < flagger.max_weight {
            let step = next_step_weight(&flagger.analysis, weight);
            if step <= 0 {
                return; // no step weight: the canary never advances (plan says so too)
            }
            let weight = (weight + step).min(100);
            let state = &mut self.rollouts[r];
            state.router_weight = weight;
            state.index += 1;
            let index = state.index;
            self.decide(
                "step",
                name,
                json!({"index": index, "action": format!("canary weight {weight}")}),
            );
            self.set_rollout_weights(r, (weight as u32) * (FULL_WEIGHT_BP / 100), false);
            return;
        }
        let now = self.now();
        let closed: Vec<&str> = flagger
            .promotion_gates
            .iter()
            .filter(|(_, open)| open.is_none_or(|at| at > now))
            .map(|(n, _)| n.as_str())
            .collect();
        if !closed.is_empty() {
            if self.rollouts[r].flagger_phase != "WaitingPromotion" {
                self.rollouts[r].flagger_phase = "WaitingPromotion";
                self.decide(
                    "pause",
                    name,
                    json!({"reason": "WaitingPromotion", "webhooks": closed}),
                );
            }
            return;
        }
        let state = &mut self.rollouts[r];
        state.flagger_phase = "Promoting";
        state.promoted = Some(now);
        self.decide(
            "promote",
            name,
            json!({"by": "controller", "reason": "copy the canary spec to the primary"}),
        );
    }

    /// The checks of one analysis tick; the first failing one counts a failed check.
    fn flagger_checks(&mut self, r: usize, flagger: &FlaggerModel) -> bool {
        let model = self.model.rollouts[r].clone();
        let since = self.rollouts[r]
            .flagger_latencies
            .clone()
            .unwrap_or_default();
        for (metric, check) in flagger.metrics.iter().zip(&flagger.checks) {
            let value = if check.measurable {
                self.measure(&model, metric, &since)
                    .map(|v| v * check.scale)
                    .and_then(|v| {
                        if v.is_finite() {
                            Ok(v)
                        } else {
                            Err("no values found".to_owned())
                        }
                    })
            } else {
                Err("neither a built-in, a query nor a templateRef".to_owned())
            };
            let passed = value.as_ref().is_ok_and(|v| {
                check.min.is_none_or(|min| *v >= min) && check.max.is_none_or(|max| *v <= max)
            });
            if !passed {
                self.rollouts[r].failed_checks += 1;
            }
            let detail = json!({
                "metric": metric.name,
                "value": value.as_ref().ok().map(|v| crate::sim::trace::round_to(*v, 6)),
                "error": value.as_ref().err(),
                "min": check.min,
                "max": check.max,
                "measurement": if passed { "Successful" } else { "Failed" },
                "failed_checks": self.rollouts[r].failed_checks,
            });
            self.decide("analysis", model.name.clone(), detail);
            if !passed {
                return false;
            }
        }
        true
    }

    /// The canary's latencies so far: `request-duration` reads those recorded after.
    fn mark_flagger_latencies(&mut self, r: usize) {
        let canary = self.model.rollouts[r].canary;
        self.rollouts[r].flagger_latencies = Some(self.services[canary].counters.latency.clone());
    }

    /// rollback(): routes 100/0, the canary scaled to 0, phase Failed (§7).
    fn flagger_rollback(&mut self, r: usize) {
        self.rollouts[r].router_weight = 0;
        self.set_rollout_weights(r, 0, true);
        self.scale_rollout_side(r, true, 0);
        let state = &mut self.rollouts[r];
        state.flagger_phase = "Failed";
        state.done = true;
    }
}
