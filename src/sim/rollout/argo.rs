//! The Argo Rollouts canary controller, one reconcile at a time (ARGO.md §2): traffic
//! routing (§3.3), analysis runs (§4.1), at most one ReplicaSet resized (stable first, §2.3),
//! pause, then full promotion or one step advanced. Replica counts are `plan::argo`'s
//! (`basic_canary`, `traffic_routed`, `abort_weight_dynamic`); ReplicaSets are the simulated
//! workloads, whose `available` pods are the ready instances.

use super::analysis::Run;
use super::model::{ArgoModel, RolloutModel};
use crate::ir::rollout::{PauseDuration, Step};
use crate::ir::topology::FULL_WEIGHT_BP;
use crate::plan::analysis::Phase;
use crate::plan::argo::{
    abort_weight_dynamic, basic_canary, traffic_routed, BasicInput, RoutedInput, Rs,
};
use crate::sim::world::World;
use serde_json::json;

/// After the progress deadline, the requeue that finds it exceeded (`requeueStuckRollout`
/// adds a second to the deadline; the timeout test itself is strict).
const DEADLINE_REQUEUE: crate::sim::engine::Nanos = crate::sim::engine::NANOS_PER_SEC;

/// Which analysis run of a rollout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Which {
    Step,
    Background,
}

impl World<'_> {
    /// One reconcile; `true` when it changed something (another follows at once).
    pub(crate) fn reconcile_argo(&mut self, r: usize) -> bool {
        let Some(argo) = self.model.rollouts[r].argo.clone() else {
            return false;
        };
        let progressed = self.reconcile_argo_once(r, &argo);
        self.argo_progress_deadline(r, &argo) || progressed
    }

    fn reconcile_argo_once(&mut self, r: usize, argo: &ArgoModel) -> bool {
        let now = self.now();
        let state = &self.rollouts[r];
        if state.done {
            return false;
        }
        if !state.started {
            if self.model.rollouts[r].update_at.is_none_or(|at| at > now) {
                return false;
            }
            let state = &mut self.rollouts[r];
            state.started = true;
            state.index = 0;
            let label = argo.steps.first().map_or("promote".to_owned(), Step::label);
            let name = self.model.rollouts[r].name.clone();
            self.decide(
                "step",
                name,
                json!({"index": 0, "action": label, "steps": argo.steps.len(), "update": true}),
            );
            return true;
        }
        if let Some(promoted) = self.rollouts[r].promoted {
            return self.after_promotion(r, argo, promoted);
        }
        let mut progressed = self.argo_traffic(r, argo);
        if self.rollouts[r].aborted.is_none() {
            progressed |= self.argo_analysis(r, argo);
        }
        if self.rollouts[r].aborted.is_some() {
            return self.after_abort(r, argo) || progressed;
        }
        if self.rollouts[r].inconclusive_pause {
            if !self.rollouts[r].resumed {
                return progressed;
            }
            // The operator resumed: a fresh run replaces the Inconclusive one (§4.1).
            let state = &mut self.rollouts[r];
            state.inconclusive_pause = false;
            state.resumed = false;
            state.step_run = None;
            state.background_run = None;
            return true;
        }
        if self.argo_scale(r, argo) {
            return true;
        }
        self.argo_status(r, argo) || progressed
    }

    /// (canary, stable) ReplicaSets.
    fn sets(&self, model: &RolloutModel) -> (Rs, Rs) {
        let (cs, ca, _) = self.side_counts(model.canary);
        let (ss, sa, _) = self.side_counts(model.stable);
        (
            Rs {
                spec: cs,
                available: ca,
            },
            Rs {
                spec: ss,
                available: sa,
            },
        )
    }

    /// The weight the counts follow (`GetCanaryReplicasOrWeight`, `GetDesiredCanaryWeight`).
    fn desired_weight(&self, r: usize, argo: &ArgoModel) -> i64 {
        let model = &self.model.rollouts[r];
        let state = &self.rollouts[r];
        if state.aborted.is_some() {
            if !argo.dynamic_stable_scale {
                return 0;
            }
            let (new, stable) = self.sets(model);
            let set_weights: Vec<i64> = argo
                .steps
                .iter()
                .filter_map(|s| match s {
                    Step::SetWeight(w) => Some(*w),
                    _ => None,
                })
                .collect();
            return abort_weight_dynamic(
                model.replicas,
                argo.max_weight,
                &set_weights,
                Some(stable),
                Some(new),
                argo.abort_scale_down_explicit,
            );
        }
        if state.promote_full {
            return argo.max_weight;
        }
        argo.carried
            .get(state.index)
            .map_or(argo.max_weight, |c| c.0)
    }

    /// Desired (canary, stable) pods (§3.1, §3.2).
    fn desired_counts(&self, r: usize, argo: &ArgoModel) -> (i64, i64) {
        let model = &self.model.rollouts[r];
        let state = &self.rollouts[r];
        let weight = self.desired_weight(r, argo);
        let (new, stable) = self.sets(model);
        if !argo.routed {
            return basic_canary(&BasicInput {
                replicas: model.replicas,
                weight,
                max_weight: 100,
                max_surge: argo.max_surge.as_ref(),
                max_unavailable: argo.max_unavailable.as_ref(),
                new: Some(new),
                stable: Some(stable),
                older: Vec::new(),
            });
        }
        let aborted = state.aborted.is_some();
        let scale = if (aborted && argo.abort_scale_down_delay.is_some()) || state.promote_full {
            None
        } else {
            argo.carried.get(state.index).and_then(|c| c.1)
        };
        let (scale_replicas, w) = match scale {
            Some((Some(replicas), _)) => (Some(replicas), 0),
            Some((None, Some(w))) => (None, w),
            _ => (None, weight),
        };
        let (mut canary, stable_count) = traffic_routed(&RoutedInput {
            replicas: model.replicas,
            canary_scale_replicas: scale_replicas,
            weight: w,
            max_weight: argo.max_weight,
            dynamic_stable_scale: argo.dynamic_stable_scale,
            current_weights: Some((state.router_weight, argo.max_weight - state.router_weight)),
            aborted,
            min_pods_per_replica_set: argo.min_pods_per_replica_set,
        });
        if let Some((at, _)) = &state.aborted {
            if !argo.dynamic_stable_scale {
                // §5: the canary keeps its pods until abortScaleDownDelaySeconds (0: forever).
                let deadline = argo.abort_scale_down_delay.map(|d| at.saturating_add(d));
                canary = match deadline {
                    Some(d) if self.now() >= d => 0,
                    _ => new.spec,
                };
            }
        }
        (canary, stable_count)
    }

    /// `AtDesiredReplicaCountsForCanary`.
    fn at_desired(&self, r: usize, argo: &ArgoModel) -> bool {
        let model = &self.model.rollouts[r];
        let (dn, ds) = self.desired_counts(r, argo);
        let (new, stable) = self.sets(model);
        let (_, _, stable_existing) = self.side_counts(model.stable);
        let canary_ok = new.spec == dn && new.available == dn;
        let stable_ok = (argo.routed && argo.dynamic_stable_scale)
            || (stable.spec == ds && stable_existing == ds);
        canary_ok && stable_ok
    }

    /// §3.3 for traffic routing; the ready-pod share for a basic canary.
    fn argo_traffic(&mut self, r: usize, argo: &ArgoModel) -> bool {
        let model = &self.model.rollouts[r];
        let (new, stable) = self.sets(model);
        if argo.routed && !argo.managed_routes.is_empty() {
            self.argo_managed_routes(r, argo, new.available);
        }
        let model = &self.model.rollouts[r];
        if !argo.routed {
            let ready = new.available + stable.available;
            if ready > 0 {
                let bp = (new.available * i64::from(FULL_WEIGHT_BP) / ready) as u32;
                let rollback = self.rollouts[r].aborted.is_some();
                self.set_rollout_weights(r, bp, rollback);
            }
            return false;
        }
        let state = &self.rollouts[r];
        let mw = argo.max_weight;
        let target = if state.aborted.is_some() {
            self.desired_weight(r, argo)
        } else if new.available == 0 {
            0
        } else if !self.at_desired(r, argo) {
            state
                .index
                .checked_sub(1)
                .and_then(|i| argo.carried.get(i))
                .map_or(0, |c| c.0)
        } else if state.index < argo.steps.len() && !state.promote_full {
            argo.carried[state.index].0
        } else {
            mw
        };
        // checkReplicasAvailable: the stable side must hold its share of the traffic.
        let replicas = model.replicas;
        if replicas > 0
            && target < mw
            && stable.available.saturating_mul(mw) / replicas < mw - target
        {
            return false;
        }
        if target == state.router_weight {
            return false;
        }
        let rollback = state.aborted.is_some();
        self.rollouts[r].router_weight = target;
        let bp = (target.clamp(0, mw) * i64::from(FULL_WEIGHT_BP) / mw) as u32;
        self.set_rollout_weights(r, bp, rollback);
        true
    }

    /// Managed routes (§3.3): removed when aborted, on `promote --full` and while the canary
    /// has no available pod; then the current step's route is set (only during an update:
    /// Argo's revision > 1, which a rehearsed update always is).
    fn argo_managed_routes(&mut self, r: usize, argo: &ArgoModel, canary_available: i64) {
        let state = &self.rollouts[r];
        let why = if state.aborted.is_some() {
            Some("aborted")
        } else if state.promote_full {
            Some("full promotion requested")
        } else if canary_available == 0 {
            Some("no canary pod available")
        } else {
            None
        };
        if let Some(why) = why {
            self.remove_managed_routes(r, why);
        }
        let state = &self.rollouts[r];
        if state.aborted.is_none() && state.promoted.is_none() {
            self.apply_route_step(r, argo, state.index);
        }
    }

    /// Progress deadline (ARGO.md §1, §2 end, §5): the update times out when nothing has
    /// progressed for `progressDeadlineSeconds` — not while the current step is a pause, an
    /// analysis or an experiment, nor while paused by an Inconclusive result (the clock
    /// starts again after them). Progress: the update starting, the step index moving, the
    /// canary's pod count changing, more pods available than at the last check. Argo's
    /// timeout test is strict (`LastUpdateTime + deadline` Before now) and its requeue for
    /// the check comes one second after the deadline (`requeueStuckRollout`), so the
    /// rehearsal finds it then. With `progressDeadlineAbort` the update aborts (§5).
    fn argo_progress_deadline(&mut self, r: usize, argo: &ArgoModel) -> bool {
        let now = self.now();
        let state = &self.rollouts[r];
        if !state.started || state.done || state.promoted.is_some() || state.aborted.is_some() {
            return false;
        }
        let model = &self.model.rollouts[r];
        let (new, stable) = self.sets(model);
        let index = state.index;
        let indefinite = state.inconclusive_pause
            || matches!(
                argo.steps.get(index),
                Some(Step::Pause(_) | Step::Analysis(_) | Step::Experiment)
            );
        let ready = new.available + stable.available;
        let state = &mut self.rollouts[r];
        let progressed =
            state.progress_seen != Some((index, new.spec)) || ready > state.progress_ready;
        state.progress_seen = Some((index, new.spec));
        state.progress_ready = ready;
        let name = model.name.clone();
        if progressed || indefinite {
            state.progress_at = now;
            if state.timed_out.take().is_some() {
                self.decide(
                    "progressing",
                    name,
                    json!({"reason": "ReplicaSetUpdated", "step": index}),
                );
            }
            return false;
        }
        if state.timed_out.is_some() {
            return false;
        }
        let due = state
            .progress_at
            .saturating_add(argo.progress_deadline)
            .saturating_add(DEADLINE_REQUEUE);
        if now < due {
            if state.deadline_check != Some(due) {
                state.deadline_check = Some(due);
                self.reconcile_rollout_at(r, due);
            }
            return false;
        }
        state.timed_out = Some(now);
        let message = format!("Rollout \"{name}\" has timed out progressing.");
        let since = state.progress_at;
        self.decide(
            "degraded",
            name,
            json!({
                "condition": "Progressing",
                "status": "False",
                "reason": "ProgressDeadlineExceeded",
                "message": message,
                "step": index,
                "progress_deadline_s": crate::sim::engine::nanos_to_secs(argo.progress_deadline),
                "last_progress_s": crate::sim::engine::nanos_to_secs(since),
                "abort": argo.progress_deadline_abort,
            }),
        );
        if argo.progress_deadline_abort {
            self.abort_rollout(r, message);
        }
        true
    }

    /// Creates, measures and assesses the step and background runs (§4.1).
    fn argo_analysis(&mut self, r: usize, argo: &ArgoModel) -> bool {
        let now = self.now();
        let canary = self.model.rollouts[r].canary;
        let index = self.rollouts[r].index;
        let paused = self.rollouts[r].inconclusive_pause;
        let mut progressed = false;
        if let Some((metrics, start)) = &argo.background {
            if self.rollouts[r].background_run.is_none() && index >= *start && !paused {
                let run = Run::new(
                    "background".into(),
                    now,
                    metrics.clone(),
                    &self.services[canary].counters.latency,
                );
                self.rollouts[r].background_run = Some(run);
                progressed = true;
            }
        }
        if let (Some(Step::Analysis(_)), Some(Some(metrics))) =
            (argo.steps.get(index), argo.step_metrics.get(index))
        {
            if self.rollouts[r].step_run.is_none() && !paused {
                let run = Run::new(
                    format!("step {index}"),
                    now,
                    metrics.clone(),
                    &self.services[canary].counters.latency,
                );
                self.rollouts[r].step_run = Some(run);
                progressed = true;
            }
        }
        for which in [Which::Background, Which::Step] {
            progressed |= self.measure_run(r, which);
            if self.rollouts[r].aborted.is_some() {
                break;
            }
        }
        progressed
    }

    fn run_mut(&mut self, r: usize, which: Which) -> &mut Option<Run> {
        match which {
            Which::Step => &mut self.rollouts[r].step_run,
            Which::Background => &mut self.rollouts[r].background_run,
        }
    }

    /// Takes the measurements due, then acts on the run's phase.
    fn measure_run(&mut self, r: usize, which: Which) -> bool {
        let now = self.now();
        let Some(mut run) = self.run_mut(r, which).take() else {
            return false;
        };
        if run.ended.is_some() {
            *self.run_mut(r, which) = Some(run);
            return false;
        }
        let canary = self.model.rollouts[r].canary;
        let latencies = self.services[canary].counters.latency.clone();
        let mut measured = false;
        for i in 0..run.metrics.len() {
            if run.state[i].next_at.is_none_or(|at| at > now) {
                continue;
            }
            measured = true;
            let value = self.measure(
                &self.model.rollouts[r],
                &run.metrics[i],
                &run.state[i].latencies_since,
            );
            let (phase, error) = match &value {
                Ok(v) => super::analysis::judge(&run.metrics[i], *v),
                Err(e) => (Phase::Error, Some(e.clone())),
            };
            run.record(i, now, value.as_ref().ok().copied(), phase, &latencies);
            let detail = json!({
                "run": run.label,
                "metric": run.metrics[i].name,
                "value": value.as_ref().ok().map(|v| crate::sim::trace::round_to(*v, 6)).filter(|v| v.is_finite()),
                "measurement": phase.as_str(),
                "error": error,
                "metric_phase": run.state[i].phase.as_str(),
            });
            self.decide("analysis", self.model.rollouts[r].name.clone(), detail);
        }
        let before = run.phase;
        let phase = if measured { run.assess(now) } else { run.phase };
        if let Some(next) = run.next_due() {
            self.reconcile_rollout_at(r, next);
        }
        let label = run.label.clone();
        let ended = run.ended.is_some();
        if ended {
            self.decide(
                "analysis",
                self.model.rollouts[r].name.clone(),
                json!({"run": label, "run_phase": phase.as_str()}),
            );
        }
        *self.run_mut(r, which) = Some(run);
        if !ended || before == phase && !measured {
            return measured;
        }
        let kind = if which == Which::Step {
            "Step-based"
        } else {
            "Background"
        };
        match phase {
            Phase::Failed | Phase::Error => {
                let word = if phase == Phase::Failed {
                    "failed"
                } else {
                    "error"
                };
                self.abort_rollout(r, format!("{kind} analysis phase {word}"));
            }
            Phase::Inconclusive => {
                self.rollouts[r].inconclusive_pause = true;
                self.rollouts[r].resumed = false;
                self.decide(
                    "pause",
                    self.model.rollouts[r].name.clone(),
                    json!({"reason": "InconclusiveAnalysis", "run": label}),
                );
            }
            _ => {}
        }
        true
    }

    /// Resizes at most one ReplicaSet, stable first (§2.3).
    fn argo_scale(&mut self, r: usize, argo: &ArgoModel) -> bool {
        let (dn, ds) = self.desired_counts(r, argo);
        let model = &self.model.rollouts[r];
        let (new, stable) = self.sets(model);
        if stable.spec != ds {
            self.scale_rollout_side(r, false, ds);
            return true;
        }
        if new.spec != dn {
            self.scale_rollout_side(r, true, dn);
            return true;
        }
        false
    }

    /// Full promotion, or the current step completed and the next one reached.
    fn argo_status(&mut self, r: usize, argo: &ArgoModel) -> bool {
        let now = self.now();
        let name = self.model.rollouts[r].name.clone();
        let replicas = self.model.rollouts[r].replicas;
        let (new, _) = self.sets(&self.model.rollouts[r]);
        let index = self.rollouts[r].index;
        let promote_full = self.rollouts[r].promote_full;
        let at_end = index >= argo.steps.len();
        if (at_end || promote_full) && new.available >= replicas && self.at_desired(r, argo) {
            let reason = if promote_full {
                "Full promotion requested".to_owned()
            } else {
                format!("Completed all {} canary steps", argo.steps.len())
            };
            self.promote_argo(r, reason);
            return true;
        }
        if at_end {
            return false;
        }
        let step = &argo.steps[index];
        let complete = match step {
            Step::SetWeight(_) | Step::SetCanaryScale { .. } => self.at_desired(r, argo),
            Step::Pause(pause) => {
                let Some(since) = self.rollouts[r].pause_since else {
                    // The pause starts in the reconcile that first reaches it.
                    self.rollouts[r].pause_since = Some(now);
                    self.rollouts[r].resumed = false;
                    let duration = match pause {
                        PauseDuration::Nanos(n) => {
                            self.reconcile_rollout_at(r, now.saturating_add(*n));
                            json!(crate::sim::engine::nanos_to_secs(*n))
                        }
                        _ => json!(null),
                    };
                    self.decide(
                        "pause",
                        name,
                        json!({"reason": "CanaryPauseStep", "step": index, "duration_s": duration}),
                    );
                    return true;
                };
                self.rollouts[r].resumed
                    || matches!(pause, PauseDuration::Nanos(n) if now >= since.saturating_add(*n))
            }
            Step::Analysis(_) => self.rollouts[r]
                .step_run
                .as_ref()
                .is_some_and(|run| run.phase == Phase::Successful),
            _ => true,
        };
        if !complete {
            return false;
        }
        let state = &mut self.rollouts[r];
        if let Some(mut run) = state.step_run.take() {
            run.terminate(now);
            state.finished_runs.push(run.to_json());
        }
        state.index += 1;
        state.pause_since = None;
        state.resumed = false;
        let index = state.index;
        let action = argo
            .steps
            .get(index)
            .map_or_else(|| "complete: promote".to_owned(), Step::label);
        self.decide(
            "step",
            name,
            json!({"index": index, "action": action, "steps": argo.steps.len()}),
        );
        true
    }

    fn promote_argo(&mut self, r: usize, reason: String) {
        let now = self.now();
        let state = &mut self.rollouts[r];
        state.promoted = Some(now);
        for run in [state.step_run.take(), state.background_run.take()]
            .into_iter()
            .flatten()
        {
            let mut run = run;
            run.terminate(now);
            state.finished_runs.push(run.to_json());
        }
        let name = self.model.rollouts[r].name.clone();
        self.decide(
            "promote",
            name,
            json!({"by": "controller", "reason": reason}),
        );
        self.set_rollout_weights(r, FULL_WEIGHT_BP, false);
        self.remove_managed_routes(r, "promoted");
    }

    /// The canary is the stable version now: the old stable pods go (after
    /// scaleDownDelaySeconds with traffic routing).
    fn after_promotion(&mut self, r: usize, argo: &ArgoModel, promoted: u64) -> bool {
        let now = self.now();
        let deadline = if argo.routed {
            promoted.saturating_add(argo.scale_down_delay)
        } else {
            promoted
        };
        if now < deadline {
            self.reconcile_rollout_at(r, deadline);
            return false;
        }
        let model = &self.model.rollouts[r];
        let (_, stable) = self.sets(model);
        if stable.spec != 0 {
            self.scale_rollout_side(r, false, 0);
        }
        self.rollouts[r].done = true;
        false
    }

    /// After an abort: weight back to stable (done in traffic), the ReplicaSets back (§5).
    fn after_abort(&mut self, r: usize, argo: &ArgoModel) -> bool {
        if self.argo_scale(r, argo) {
            return true;
        }
        let model = &self.model.rollouts[r];
        let (new, _) = self.sets(model);
        if let (Some((at, _)), Some(delay)) =
            (&self.rollouts[r].aborted, argo.abort_scale_down_delay)
        {
            let deadline = at.saturating_add(delay);
            if argo.routed && self.now() < deadline {
                self.reconcile_rollout_at(r, deadline);
                return false;
            }
        }
        if new.spec == 0 || (argo.routed && argo.abort_scale_down_delay.is_none()) {
            self.rollouts[r].done = true;
        }
        false
    }
}
