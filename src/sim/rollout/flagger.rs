//! Flagger's canary analysis in the rehearsal: `advanceCanary` (FLAGGER.md §3) tick by tick,
//! for every strategy. The scheduler ticks every `analysis.interval` (from t = 0, as its
//! ticker starts with the Canary); the first tick at or after the update runs the
//! `confirm-rollout` gates (phase Waiting while one says no) and then detects the update and
//! scales the canary up. Each later tick, in §3's order: waits while the primary or the
//! canary is not ready (`primaryReadyThreshold` / `canaryReadyThreshold`, §4) and rolls back
//! once the canary has not been ready for longer than `progressDeadlineSeconds`; rolls back
//! when a `rollback` hook fires; shifts the traffic back during promotion
//! (`stepWeightPromotion`); finalises; rolls back once `failedChecks` has reached
//! `threshold`; runs the `pre-rollout` hooks (first analysis tick) or the `rollout` hooks and
//! the metrics (a failure counts one failed check and ends the tick); then advances the
//! strategy: canary (`plan::flagger::next_step_weight`, one `mirror` tick at weight 0,
//! `confirm-traffic-increase` before each increase), A/B testing (matched requests to the
//! canary for `iterations` ticks) or blue/green (`iterations` ticks without user traffic, or
//! mirrored, then the switch), and promotes behind the `confirm-promotion` gates. On the happy
//! path the ticks are `plan::flagger::ticks`, one per interval.
//!
//! Webhooks are answered by the scenario's `webhooks` (`WebhookAnswer::succeeds_at`); one it
//! does not answer answers what the happy path needs (gates yes, pre-rollout / rollout /
//! post-rollout succeed, rollback does not fire). Each call is a `webhook` decision.
//!
//! Traffic: the router's weights are Flagger's routes, except that in A/B testing the
//! canary's route takes only the matched share of the requests (the deploy entry's
//! `matched`, S046), and that while mirroring each request the primary takes is copied to
//! the canary (`mirrorWeight` % of them; its answer counts for the canary's metrics, the
//! user gets the primary's). With provider `kubernetes` nothing is routed: the canary never
//! sees user traffic. `spec.suspend`: no tick does anything.
//!
//! Checks: the built-ins read the canary route (`request-success-rate`, % of non-5xx over the
//! last interval; `request-duration`, p99 in ms since the previous check), other metrics
//! read the scenario's `measurements` (`measure`); no value fails the check (§5).
//!
//! Not rehearsed: the primary's own rolling update after Promote (the primary keeps its
//! pods; it is only required ready), a change of the target during the analysis (restart).

use super::model::MetricModel;
use crate::ir::rollout::{FlaggerAnalysis, FlaggerMetric, FlaggerStrategy};
use crate::ir::rollout_scenario::{
    MeasurementBinding, MeasurementSource, Observed, WebhookAnswer, DEFAULT_MATCHED_PPM,
};
use crate::ir::scenario::Scenario;
use crate::ir::topology::{RolloutDeployment, FULL_WEIGHT_BP};
use crate::ir::Project;
use crate::plan::analysis::Limits;
use crate::plan::flagger::next_step_weight;
use crate::sim::engine::{Nanos, NANOS_PER_SEC};
use crate::sim::world::World;
use serde_json::json;

/// `spec.progressDeadlineSeconds` when not set (§1).
pub const DEFAULT_PROGRESS_DEADLINE_S: u64 = 600;

#[derive(Clone, Debug)]
pub struct FlaggerModel {
    /// The built-ins first, then the others (§3: runAnalysis checks them in that order).
    pub metrics: Vec<MetricModel>,
    /// Per metric: the failing range (`thresholdRange`, or the deprecated `threshold`), the
    /// factor from the measurement to the metric's unit (100 for a success rate in %), and
    /// whether the metric can be measured at all (neither built-in, query nor template: §5).
    pub checks: Vec<Check>,
    pub analysis: FlaggerAnalysis,
    pub interval: Nanos,
    pub threshold: i64,
    pub max_weight: i64,
    pub strategy: FlaggerStrategy,
    /// Provider `kubernetes`: no traffic shifting, blue/green with at least 10 iterations.
    pub kubernetes: bool,
    /// `analysis.iterations` (10 for provider kubernetes when < 1).
    pub iterations: i64,
    pub step_weight_promotion: i64,
    /// `skipAnalysis` or no `analysis`: promoted on the first tick the canary is ready.
    pub skip_analysis: bool,
    /// A/B testing: the share of requests matching `analysis.match`, in basis points.
    pub matched_bp: u32,
    pub hooks: Vec<Hook>,
    pub canary_ready_threshold: i64,
    pub primary_ready_threshold: i64,
    pub progress_deadline: Nanos,
    /// `mirrorWeight`: the share of the primary's requests copied while mirroring.
    pub mirror_bp: u32,
    /// `spec.suspend`: every tick does nothing (§3).
    pub suspend: bool,
}

#[derive(Clone, Debug)]
pub struct Check {
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub scale: f64,
    pub measurable: bool,
}

/// A webhook's type (§6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HookKind {
    ConfirmRollout,
    PreRollout,
    Rollout,
    ConfirmTrafficIncrease,
    ConfirmPromotion,
    Rollback,
    PostRollout,
    Event,
}

impl HookKind {
    fn of(kind: &str) -> HookKind {
        match kind {
            "confirm-rollout" => HookKind::ConfirmRollout,
            "pre-rollout" => HookKind::PreRollout,
            "" | "rollout" => HookKind::Rollout,
            "confirm-traffic-increase" => HookKind::ConfirmTrafficIncrease,
            "confirm-promotion" => HookKind::ConfirmPromotion,
            "rollback" => HookKind::Rollback,
            "post-rollout" => HookKind::PostRollout,
            _ => HookKind::Event,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            HookKind::ConfirmRollout => "confirm-rollout",
            HookKind::PreRollout => "pre-rollout",
            HookKind::Rollout => "rollout",
            HookKind::ConfirmTrafficIncrease => "confirm-traffic-increase",
            HookKind::ConfirmPromotion => "confirm-promotion",
            HookKind::Rollback => "rollback",
            HookKind::PostRollout => "post-rollout",
            HookKind::Event => "event",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Hook {
    pub name: String,
    pub kind: HookKind,
    /// The scenario's answer; `None`: the happy path's.
    pub answer: Option<WebhookAnswer>,
}

impl Hook {
    /// Whether a call at `t` succeeds (HTTP status ≤ 202). Unanswered: every hook succeeds
    /// but a rollback hook, whose success would roll the canary back.
    pub fn succeeds_at(&self, t: Nanos) -> bool {
        self.answer
            .as_ref()
            .map_or(self.kind != HookKind::Rollback, |a| a.succeeds_at(t))
    }
}

/// The controller of a deployed Canary.
pub fn model(
    project: &Project,
    scenario: &Scenario,
    d: &RolloutDeployment,
) -> Option<FlaggerModel> {
    let canary = &project.rollouts.canaries[d.object];
    let provider = canary.provider.as_deref();
    let skip_analysis = canary.skip_analysis || canary.analysis.is_none();
    let analysis = canary.analysis.clone().unwrap_or_default();
    let interval = analysis.interval_ns();
    let kubernetes = provider == Some("kubernetes");
    let mut iterations = analysis.iterations();
    if kubernetes && iterations < 1 {
        iterations = 10;
    }
    let mut built: Vec<(bool, MetricModel, Check)> = Vec::new();
    for metric in &analysis.metrics {
        let Some(name) = &metric.name else { continue };
        let (model, check, built_in) = metric_model(metric, &name.value, interval, scenario);
        built.push((built_in, model, check));
    }
    built.sort_by_key(|(built_in, _, _)| !built_in);
    let (metrics, checks) = built.into_iter().map(|(_, m, c)| (m, c)).unzip();
    let hooks = analysis
        .webhooks
        .iter()
        .map(|w| Hook {
            name: w.name.clone(),
            kind: HookKind::of(&w.kind),
            answer: scenario
                .rollouts
                .webhooks
                .iter()
                .find(|a| a.name.value == w.name)
                .cloned(),
        })
        .collect();
    let field = |keys: &[&str]| crate::lower::rollout::canary_spec_field(canary, keys);
    let analysis_int = |key| field(&["analysis", key]).and_then(|n| n.as_i64());
    let threshold_of = |key| analysis_int(key).unwrap_or(100);
    // §1 mirrorWeight: the % of requests mirrored; unset or out of range: all of them.
    let mirror_bp = analysis_int("mirrorWeight")
        .filter(|w| (1..=100).contains(w))
        .map_or(FULL_WEIGHT_BP, |w| w as u32 * (FULL_WEIGHT_BP / 100));
    let deadline_s = canary
        .progress_deadline_seconds
        .as_ref()
        .map_or(DEFAULT_PROGRESS_DEADLINE_S as i64, |s| s.value)
        .max(0) as u64;
    let matched_ppm = d.matched_ppm.unwrap_or(DEFAULT_MATCHED_PPM);
    Some(FlaggerModel {
        metrics,
        checks,
        threshold: analysis.threshold(),
        max_weight: analysis.max_weight(),
        strategy: analysis.strategy(provider),
        kubernetes,
        iterations,
        step_weight_promotion: analysis.step_weight_promotion.unwrap_or(0),
        skip_analysis,
        matched_bp: (matched_ppm / 100) as u32,
        hooks,
        canary_ready_threshold: threshold_of("canaryReadyThreshold"),
        primary_ready_threshold: threshold_of("primaryReadyThreshold"),
        progress_deadline: deadline_s.saturating_mul(NANOS_PER_SEC),
        mirror_bp,
        suspend: field(&["suspend"])
            .and_then(|n| n.as_bool())
            .unwrap_or(false),
        analysis,
        interval,
    })
}

fn metric_model(
    metric: &FlaggerMetric,
    name: &str,
    interval: Nanos,
    scenario: &Scenario,
) -> (MetricModel, Check, bool) {
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
    (built, check, observed.is_some())
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

/// `isDeploymentReady` (§4) on the simulated pods: at least trunc(pods × threshold / 100)
/// available (in float32, as Flagger computes it).
fn ready(spec: i64, available: i64, threshold: i64) -> bool {
    let need = (spec as f32 * (threshold as f32 / 100.0)) as i64;
    available >= need
}

impl World<'_> {
    /// Called on every reconcile event; acts only on the scheduler's ticks. Returns `false`:
    /// the next tick is scheduled, no immediate reconcile is needed.
    pub(crate) fn tick_flagger(&mut self, r: usize) -> bool {
        let now = self.now();
        let Some(flagger) = self.model.rollouts[r].flagger.clone() else {
            return false;
        };
        if self.rollouts[r].done || flagger.suspend {
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
            self.flagger_rollback(r, &flagger);
            return false;
        }
        self.track_canary_readiness(r, &flagger);
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

    /// Since when the (scaled-up) canary has not been ready, for the progress deadline.
    fn track_canary_readiness(&mut self, r: usize, flagger: &FlaggerModel) {
        if !matches!(
            self.rollouts[r].flagger_phase,
            "Progressing" | "WaitingPromotion" | "Promoting" | "Finalising"
        ) {
            return;
        }
        let (spec, available, _) = self.side_counts(self.model.rollouts[r].canary);
        let now = self.now();
        let state = &mut self.rollouts[r];
        if ready(spec, available, flagger.canary_ready_threshold) {
            state.flagger_not_ready_since = None;
        } else if state.flagger_not_ready_since.is_none() {
            state.flagger_not_ready_since = Some(now);
        }
    }

    /// advanceCanary, one tick (§3).
    fn flagger_advance(&mut self, r: usize, flagger: &FlaggerModel) {
        let name = self.model.rollouts[r].name.clone();
        let model = &self.model.rollouts[r];
        let (canary, stable, replicas) = (model.canary, model.stable, model.replicas);
        let now = self.now();
        // The primary must be ready unless the analysis is skipped (retriable: the tick
        // ends). Its pods are the spec's; the rehearsal does not roll the primary out after
        // Promote, so it never misses its own progress deadline.
        let (spec, available, _) = self.side_counts(stable);
        if !flagger.skip_analysis && !ready(spec, available, flagger.primary_ready_threshold) {
            self.decide(
                "analysis",
                name,
                json!({"wait": "primary not ready", "ready": available, "replicas": spec}),
            );
            return;
        }
        let phase = self.rollouts[r].flagger_phase;
        if matches!(phase, "Initialized" | "Waiting") {
            // checkCanaryStatus: the confirm-rollout gates, then the detection tick.
            if !self.call_hooks(r, flagger, HookKind::ConfirmRollout) {
                if phase != "Waiting" {
                    self.rollouts[r].flagger_phase = "Waiting";
                    self.decide(
                        "pause",
                        name,
                        json!({"reason": "Waiting", "webhook_type": "confirm-rollout"}),
                    );
                }
                return;
            }
            let state = &mut self.rollouts[r];
            state.flagger_phase = "Progressing";
            state.index = 0;
            state.failed_checks = 0;
            state.flagger_iterations = 0;
            state.flagger_not_ready_since = Some(now);
            self.decide(
                "step",
                name,
                json!({"index": 0, "action": "detect new revision: scale up the canary", "update": true, "phase": "Progressing", "canary_weight": 0}),
            );
            self.mark_flagger_latencies(r);
            self.scale_rollout_side(r, true, replicas);
            return;
        }
        let (spec, available, _) = self.side_counts(canary);
        if !ready(spec, available, flagger.canary_ready_threshold) {
            let since = self.rollouts[r].flagger_not_ready_since.unwrap_or(now);
            if now.saturating_sub(since) > flagger.progress_deadline {
                // Non-retriable (§4): the canary exceeded its progress deadline.
                let message = format!(
                    "Canary failed: deployment {name}:canary exceeded its progress deadline ({} s)",
                    flagger.progress_deadline / NANOS_PER_SEC
                );
                self.abort_rollout(r, message);
                self.flagger_rollback(r, flagger);
                return;
            }
            // Retriable not-ready: the tick ends, no failed check.
            self.decide(
                "analysis",
                name,
                json!({"wait": "canary not ready", "ready": available, "replicas": spec}),
            );
            return;
        }
        if flagger.skip_analysis && phase == "Progressing" {
            self.set_flagger_routes(r, flagger, 0);
            self.promote_flagger(r, "skipAnalysis: promote without analysis");
            self.finalise_flagger(r, flagger);
            return;
        }
        if matches!(phase, "Progressing" | "WaitingPromotion")
            && self.call_hooks(r, flagger, HookKind::Rollback)
        {
            self.abort_rollout(
                r,
                "Canary failed: rolling back, a rollback webhook answered yes".to_owned(),
            );
            self.flagger_rollback(r, flagger);
            return;
        }
        if phase == "Promoting" {
            self.promotion_traffic_shift(r, flagger);
            return;
        }
        if phase == "Finalising" {
            self.finalise_flagger(r, flagger);
            return;
        }
        if self.rollouts[r].failed_checks >= flagger.threshold {
            let message = format!(
                "Canary failed: {} failed checks, threshold {}",
                self.rollouts[r].failed_checks, flagger.threshold
            );
            self.abort_rollout(r, message);
            self.flagger_rollback(r, flagger);
            return;
        }
        let weight = self.rollouts[r].router_weight;
        let mirrored = self.rollouts[r].mirroring;
        let iterations = self.rollouts[r].flagger_iterations;
        if weight == 0 && iterations == 0 && !(flagger.analysis.mirror && mirrored) {
            if !self.call_hooks(r, flagger, HookKind::PreRollout) {
                self.rollouts[r].failed_checks += 1;
                return;
            }
        } else {
            if !self.call_hooks(r, flagger, HookKind::Rollout) {
                self.rollouts[r].failed_checks += 1;
                return;
            }
            if !self.flagger_checks(r, flagger) {
                return;
            }
        }
        self.mark_flagger_latencies(r);
        match flagger.strategy {
            FlaggerStrategy::AbTesting => self.run_ab(r, flagger),
            FlaggerStrategy::BlueGreen => self.run_blue_green(r, flagger),
            FlaggerStrategy::Canary => {
                if next_step_weight(&flagger.analysis, weight) <= 0 {
                    return; // no step weight: the canary never advances (plan says so too)
                }
                if !mirrored
                    && phase != "WaitingPromotion"
                    && !self.call_hooks(r, flagger, HookKind::ConfirmTrafficIncrease)
                {
                    return;
                }
                self.run_flagger_canary(r, flagger);
            }
        }
    }

    /// runCanary: the next weight (or the mirror tick), or at maxWeight the promotion gates.
    fn run_flagger_canary(&mut self, r: usize, flagger: &FlaggerModel) {
        let weight = self.rollouts[r].router_weight;
        if weight >= flagger.max_weight {
            self.gate_promotion(r, flagger);
            return;
        }
        let step = next_step_weight(&flagger.analysis, weight);
        if flagger.analysis.mirror && weight == 0 && !self.rollouts[r].mirroring {
            self.rollouts[r].mirroring = true;
            self.rollouts[r].mirror_bp = flagger.mirror_bp;
            self.step_decision(r, "mirror traffic to the canary".to_owned());
            return;
        }
        self.rollouts[r].mirroring = false;
        let weight = (weight + step).min(100);
        self.set_flagger_routes(r, flagger, weight);
        self.step_decision(r, format!("canary weight {weight}"));
    }

    /// runAB: `iterations` ticks with the matched requests on the canary, then promotion.
    fn run_ab(&mut self, r: usize, flagger: &FlaggerModel) {
        let iterations = self.rollouts[r].flagger_iterations;
        if iterations < flagger.iterations {
            self.set_flagger_routes(r, flagger, 100);
            self.rollouts[r].flagger_iterations = iterations + 1;
            self.step_decision(
                r,
                format!(
                    "iteration {}/{}: matched requests to the canary",
                    iterations + 1,
                    flagger.iterations
                ),
            );
        } else if iterations == flagger.iterations {
            self.gate_promotion(r, flagger);
        }
    }

    /// runBlueGreen: `iterations` ticks (mirrored if `mirror`), the switch, then promotion.
    fn run_blue_green(&mut self, r: usize, flagger: &FlaggerModel) {
        let iterations = self.rollouts[r].flagger_iterations;
        if iterations < flagger.iterations {
            if flagger.analysis.mirror && !flagger.kubernetes {
                self.rollouts[r].mirroring = true;
                self.rollouts[r].mirror_bp = flagger.mirror_bp;
            }
            self.rollouts[r].flagger_iterations = iterations + 1;
            self.step_decision(
                r,
                format!("iteration {}/{}", iterations + 1, flagger.iterations),
            );
        } else if iterations == flagger.iterations {
            if !self.call_hooks(r, flagger, HookKind::ConfirmPromotion) {
                self.wait_promotion(r, flagger);
                return;
            }
            self.rollouts[r].mirroring = false;
            if !flagger.kubernetes {
                self.set_flagger_routes(r, flagger, 100);
            }
            self.rollouts[r].flagger_iterations = iterations + 1;
            let action = if flagger.kubernetes {
                "iterations done (provider kubernetes: nothing to switch)"
            } else {
                "switch all traffic to the canary"
            };
            self.step_decision(r, action.to_owned());
        } else {
            self.promote_flagger(r, "copy the canary spec to the primary");
        }
    }

    /// The confirm-promotion gates, then Promote (A/B and canary).
    fn gate_promotion(&mut self, r: usize, flagger: &FlaggerModel) {
        if !self.call_hooks(r, flagger, HookKind::ConfirmPromotion) {
            self.wait_promotion(r, flagger);
            return;
        }
        self.promote_flagger(r, "copy the canary spec to the primary");
    }

    /// A closed confirm-promotion gate: phase WaitingPromotion (its setStatusPhase sets
    /// `iterations` to N − 1, as does every later closed call).
    fn wait_promotion(&mut self, r: usize, flagger: &FlaggerModel) {
        self.rollouts[r].flagger_iterations = flagger.iterations - 1;
        if self.rollouts[r].flagger_phase != "WaitingPromotion" {
            self.rollouts[r].flagger_phase = "WaitingPromotion";
            let closed: Vec<&str> = flagger
                .hooks
                .iter()
                .filter(|h| h.kind == HookKind::ConfirmPromotion && !h.succeeds_at(self.now()))
                .map(|h| h.name.as_str())
                .collect();
            let name = self.model.rollouts[r].name.clone();
            self.decide(
                "pause",
                name,
                json!({"reason": "WaitingPromotion", "webhooks": closed}),
            );
        }
    }

    fn promote_flagger(&mut self, r: usize, reason: &str) {
        let now = self.now();
        let state = &mut self.rollouts[r];
        state.flagger_phase = "Promoting";
        state.promoted = Some(now);
        let name = self.model.rollouts[r].name.clone();
        self.decide(
            "promote",
            name,
            json!({"by": "controller", "reason": reason, "phase": "Promoting"}),
        );
    }

    /// runPromotionTrafficShift: all traffic back to the primary at once, or
    /// `stepWeightPromotion` per tick; then Finalising.
    fn promotion_traffic_shift(&mut self, r: usize, flagger: &FlaggerModel) {
        let swp = flagger.step_weight_promotion;
        let weight = self.rollouts[r].router_weight;
        if flagger.kubernetes || swp <= 0 {
            if !flagger.kubernetes {
                self.set_flagger_routes(r, flagger, 0);
            }
            self.rollouts[r].flagger_phase = "Finalising";
            return;
        }
        if weight > 0 {
            let weight = (weight - swp).max(0);
            self.set_flagger_routes(r, flagger, weight);
            self.step_decision(r, format!("promotion: canary weight {weight}"));
            if weight == 0 {
                self.rollouts[r].flagger_phase = "Finalising";
            }
        } else {
            self.rollouts[r].flagger_phase = "Finalising";
        }
    }

    /// Finalising: the canary scaled to 0, Succeeded, the post-rollout hooks.
    fn finalise_flagger(&mut self, r: usize, flagger: &FlaggerModel) {
        self.scale_rollout_side(r, true, 0);
        let state = &mut self.rollouts[r];
        state.flagger_phase = "Succeeded";
        state.done = true;
        state.mirroring = false;
        self.call_hooks(r, flagger, HookKind::PostRollout);
    }

    /// Sets Flagger's routes (primary 100 − `canary`, canary `canary`) on the router: for
    /// A/B testing the canary's route takes the matched share only; provider kubernetes
    /// routes nothing.
    fn set_flagger_routes(&mut self, r: usize, flagger: &FlaggerModel, canary: i64) {
        self.rollouts[r].router_weight = canary;
        if flagger.kubernetes {
            return;
        }
        let canary = canary.clamp(0, 100) as u32;
        let bp = if flagger.strategy == FlaggerStrategy::AbTesting {
            (u64::from(flagger.matched_bp) * u64::from(canary) / 100) as u32
        } else {
            canary * (FULL_WEIGHT_BP / 100)
        };
        self.set_rollout_weights(r, bp, false);
    }

    /// A `step` decision: the tick's action, Flagger's phase and routes after it.
    fn step_decision(&mut self, r: usize, action: String) {
        let state = &mut self.rollouts[r];
        state.index += 1;
        let detail = json!({
            "index": state.index,
            "action": action,
            "phase": state.flagger_phase,
            "canary_weight": state.router_weight,
            "iterations": state.flagger_iterations,
            "mirror": state.mirroring,
        });
        let name = self.model.rollouts[r].name.clone();
        self.decide("step", name, detail);
    }

    /// Calls the hooks of one type in spec order, each a `webhook` decision. Gates, pre-
    /// rollout and rollout hooks stop at the first failure (`false`); rollback hooks stop at
    /// the first success (`true`: roll back); post-rollout hooks are all called, logged only.
    fn call_hooks(&mut self, r: usize, flagger: &FlaggerModel, kind: HookKind) -> bool {
        let now = self.now();
        let name = self.model.rollouts[r].name.clone();
        let phase = self.rollouts[r].flagger_phase;
        for hook in flagger.hooks.iter().filter(|h| h.kind == kind) {
            let success = hook.succeeds_at(now);
            let effect = match (kind, success) {
                (HookKind::Rollback, true) => "roll back",
                (HookKind::Rollback, false) | (_, true) => "none",
                (HookKind::ConfirmRollout, false) => "wait (phase Waiting)",
                (HookKind::ConfirmPromotion, false) => "wait (phase WaitingPromotion)",
                (HookKind::ConfirmTrafficIncrease, false) => "weight unchanged",
                (HookKind::PreRollout | HookKind::Rollout, false) => "failed check",
                (HookKind::PostRollout | HookKind::Event, false) => "logged",
            };
            let failed_checks =
                self.rollouts[r].failed_checks + i64::from(effect == "failed check");
            self.decide(
                "webhook",
                name.clone(),
                json!({
                    "webhook": hook.name,
                    "type": kind.as_str(),
                    "success": success,
                    "answered_by": if hook.answer.is_some() { "scenario" } else { "default" },
                    "phase": phase,
                    "effect": effect,
                    "failed_checks": failed_checks,
                }),
            );
            match kind {
                HookKind::Rollback if success => return true,
                HookKind::Rollback | HookKind::PostRollout | HookKind::Event => {}
                _ if !success => return false,
                _ => {}
            }
        }
        kind != HookKind::Rollback
    }

    /// The checks of one analysis tick; the first failing one counts a failed check.
    fn flagger_checks(&mut self, r: usize, flagger: &FlaggerModel) -> bool {
        let since = self.rollouts[r]
            .flagger_latencies
            .clone()
            .unwrap_or_default();
        for (metric, check) in flagger.metrics.iter().zip(&flagger.checks) {
            let value = if check.measurable {
                self.measure(&self.model.rollouts[r], metric, &since)
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
            self.decide("analysis", self.model.rollouts[r].name.clone(), detail);
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

    /// rollback(): routes 100/0, the canary scaled to 0, phase Failed, the post-rollout
    /// hooks (§7). A `rollback` decision even when the canary had no traffic.
    fn flagger_rollback(&mut self, r: usize, flagger: &FlaggerModel) {
        self.rollouts[r].router_weight = 0;
        self.rollouts[r].mirroring = false;
        let gateway = self.model.rollouts[r].gateway;
        if self.gateways[gateway]
            .weights_bp
            .get(1)
            .copied()
            .unwrap_or(0)
            == 0
        {
            let routes = &self.model.gateways[gateway].routes;
            let mut detail = serde_json::Map::new();
            for (route, weight) in routes.iter().zip([FULL_WEIGHT_BP, 0]) {
                detail.insert(
                    route.name.clone(),
                    crate::sim::programs::percent_json(weight),
                );
            }
            let name = self.model.rollouts[r].name.clone();
            self.decide("rollback", name, serde_json::Value::Object(detail));
        } else {
            self.set_rollout_weights(r, 0, true);
        }
        self.scale_rollout_side(r, true, 0);
        let state = &mut self.rollouts[r];
        state.flagger_phase = "Failed";
        state.done = true;
        self.call_hooks(r, flagger, HookKind::PostRollout);
    }
}
