//! Argo Rollouts and Flagger canaries rehearsed (issue 12): each rollout a scenario deploys
//! is a controller over its two workloads (`NAME:stable`, `NAME:canary`) and its router
//! (`lower::rollout`). The controller is event-driven like the real one: it reconciles when
//! the update starts, when a pod it started becomes ready, when a pause or a measurement is
//! due, when the operator promotes or aborts, and — so that changes it did not cause (a
//! crashed pod) are seen — once a second while the update is in progress.
//!
//! - `model`: what each controller runs, built from the project and the scenario;
//! - `argo`: the Argo reconcile (ARGO.md §2, §3, §5) on `plan::argo`'s arithmetic;
//! - `analysis`: AnalysisRuns (§4) on `plan::analysis`'s metric phase;
//! - `measure`: what a measurement reads of the simulated canary;
//! - `flagger`: Flagger's advanceCanary tick (FLAGGER.md §3);
//! - `report`: the run report's `rollouts` section.

pub mod analysis;
pub mod argo;
pub mod flagger;
pub mod measure;
pub mod model;
pub mod report;

use super::engine::{Nanos, NANOS_PER_SEC};
use super::metrics::Counters;
use super::model::Balance;
use super::service::{Request, MAX_HOPS};
use super::world::{Event, World};
use crate::ir::rollout_scenario::RolloutKind;
use crate::ir::topology::FULL_WEIGHT_BP;
use analysis::Run;
use serde_json::{json, Value};

/// The rollout router's canary route (`lower::rollout`: stable first, canary second).
const CANARY_ROUTE: usize = 1;

/// How often a controller resyncs while its update is in progress.
pub const RESYNC: Nanos = NANOS_PER_SEC;
/// Reconciles of one rollout at one instant at most: each one resizes a ReplicaSet, moves
/// the weight or advances a step, so a finite rollout settles long before; past it the
/// controller waits for its next resync instead of looping.
const MAX_RECONCILES_PER_INSTANT: u32 = 10_000;

/// One rollout's controller state.
#[derive(Debug, Default)]
pub struct RolloutState {
    /// The update has started (the new revision exists).
    pub started: bool,
    /// Argo's `currentStepIndex`; Flagger's iteration count.
    pub index: usize,
    /// When the current pause step was reached.
    pub pause_since: Option<Nanos>,
    /// Paused by an Inconclusive analysis until the operator promotes.
    pub inconclusive_pause: bool,
    /// The operator promoted during a pause (it ends the current pause or Inconclusive stop).
    pub resumed: bool,
    /// `promote --full`.
    pub promote_full: bool,
    pub aborted: Option<(Nanos, String)>,
    pub promoted: Option<Nanos>,
    /// The canary's traffic weight set on the router (traffic-routed Argo, Flagger).
    pub router_weight: i64,
    pub step_run: Option<Run>,
    pub background_run: Option<Run>,
    /// Finished analysis runs, for the report.
    pub finished_runs: Vec<Value>,
    /// Operator actions already applied (indices into the model's sorted lists).
    pub next_promote: usize,
    pub next_abort: usize,
    /// The last instant reconciled and how many times.
    pub instant: Nanos,
    pub reconciles_at_instant: u32,
    pub resync_at: Nanos,
    /// Flagger: failed checks counted towards the threshold, and the last tick.
    pub failed_checks: i64,
    pub last_tick: Option<Nanos>,
    /// Flagger: the next scheduler tick, the phase, the canary latencies at the last check.
    pub next_tick: Nanos,
    pub flagger_phase: &'static str,
    pub flagger_latencies: Option<crate::sim::metrics::LatencySketch>,
    /// Flagger: `status.iterations` (A/B, blue/green), whether the router mirrors the
    /// primary's requests to the canary, and since when the canary has not been ready.
    pub flagger_iterations: i64,
    pub mirroring: bool,
    /// The share of the requests mirrored (basis points).
    pub mirror_bp: u32,
    pub flagger_not_ready_since: Option<Nanos>,
    /// Nothing left to do (promoted and cleaned up, or aborted and scaled down).
    pub done: bool,
}

impl World<'_> {
    /// Schedules each rollout's update and operator actions (called once, at t = 0).
    pub(crate) fn start_rollouts(&mut self) {
        for (index, rollout) in self.model.rollouts.iter().enumerate() {
            let event = Event::Rollout {
                rollout: index as u32,
            };
            let times = rollout
                .update_at
                .iter()
                .chain(rollout.promotes.iter().map(|(at, _)| at))
                .chain(rollout.aborts.iter());
            for &at in times {
                self.queue.schedule_at(at, event);
            }
        }
    }

    pub(crate) fn on_rollout(&mut self, rollout: usize) {
        let now = self.now();
        let state = &mut self.rollouts[rollout];
        if state.instant != now {
            state.instant = now;
            state.reconciles_at_instant = 0;
        }
        state.reconciles_at_instant += 1;
        if state.reconciles_at_instant > MAX_RECONCILES_PER_INSTANT {
            return;
        }
        self.apply_operator_actions(rollout);
        let progressed = match self.model.rollouts[rollout].kind {
            RolloutKind::Argo => self.reconcile_argo(rollout),
            RolloutKind::Flagger => self.tick_flagger(rollout),
        };
        let event = Event::Rollout {
            rollout: rollout as u32,
        };
        if progressed {
            // The next reconcile follows at once, as the real controller's requeue on its
            // own changes does.
            self.queue.schedule_at(now, event);
        }
        let state = &mut self.rollouts[rollout];
        if state.started && !state.done && state.resync_at <= now {
            state.resync_at = now.saturating_add(RESYNC);
            let at = state.resync_at;
            self.queue.schedule_at(at, event);
        }
    }

    /// Schedules a reconcile of `rollout` at `at` (a pause's end, a measurement, a pod ready).
    pub(crate) fn reconcile_rollout_at(&mut self, rollout: usize, at: Nanos) {
        self.queue.schedule_at(
            at.max(self.now()),
            Event::Rollout {
                rollout: rollout as u32,
            },
        );
    }

    /// `kubectl argo rollouts promote [--full]` and `abort` due by now.
    fn apply_operator_actions(&mut self, rollout: usize) {
        let now = self.now();
        loop {
            let state = &self.rollouts[rollout];
            let model = &self.model.rollouts[rollout];
            let Some(&(at, full)) = model.promotes.get(state.next_promote) else {
                break;
            };
            if at > now {
                break;
            }
            // Flagger has no operator promote (its gates are webhooks): nothing to record.
            let flagger = model.kind == RolloutKind::Flagger;
            let state = &mut self.rollouts[rollout];
            state.next_promote += 1;
            if flagger || !state.started || state.promoted.is_some() || state.aborted.is_some() {
                continue;
            }
            state.resumed = true;
            state.promote_full |= full;
            let name = model.name.clone();
            self.decide(
                "promote",
                name,
                json!({"by": "operator", "full": full, "step": self.rollouts[rollout].index}),
            );
        }
        loop {
            let state = &self.rollouts[rollout];
            let model = &self.model.rollouts[rollout];
            let Some(&at) = model.aborts.get(state.next_abort) else {
                break;
            };
            if at > now {
                break;
            }
            self.rollouts[rollout].next_abort += 1;
            let state = &self.rollouts[rollout];
            if state.started && state.promoted.is_none() && state.aborted.is_none() {
                self.abort_rollout(rollout, "aborted by the operator".to_owned());
            }
        }
    }

    /// Records the router's weights when they change (`weights`, or `rollback` when an
    /// abort sends the traffic back to the stable side).
    pub(crate) fn set_rollout_weights(&mut self, rollout: usize, canary_bp: u32, rollback: bool) {
        let gateway = self.model.rollouts[rollout].gateway;
        let canary_bp = canary_bp.min(crate::ir::topology::FULL_WEIGHT_BP);
        let wanted = [crate::ir::topology::FULL_WEIGHT_BP - canary_bp, canary_bp];
        if self.gateways[gateway].weights_bp[..] == wanted[..] {
            return;
        }
        self.gateways[gateway].weights_bp = wanted.to_vec();
        let routes = &self.model.gateways[gateway].routes;
        let mut detail = serde_json::Map::new();
        for (route, weight) in routes.iter().zip(wanted) {
            detail.insert(route.name.clone(), super::programs::percent_json(weight));
        }
        let name = self.model.rollouts[rollout].name.clone();
        self.decide(
            if rollback { "rollback" } else { "weights" },
            name,
            Value::Object(detail),
        );
    }

    /// Sets a side's desired pods (a `scale` decision when it changes); a pod started is
    /// followed by a reconcile when it is ready.
    pub(crate) fn scale_rollout_side(&mut self, rollout: usize, canary_side: bool, replicas: i64) {
        let model = &self.model.rollouts[rollout];
        let service = if canary_side {
            model.canary
        } else {
            model.stable
        };
        let replicas = replicas.clamp(0, crate::lower::rollout::MAX_REPLICAS) as u32;
        if self.services[service].desired == replicas {
            return;
        }
        let grows = replicas > self.services[service].desired;
        self.set_desired(service, replicas);
        if grows {
            let ready_at = self
                .now()
                .saturating_add(self.model.services[service].startup);
            self.reconcile_rollout_at(rollout, ready_at);
        }
        let model = &self.model.rollouts[rollout];
        let (stable, canary) = (model.stable, model.canary);
        let detail = json!({
            "service": self.model.services[service].name,
            "replicas": replicas,
            "stable": self.services[stable].desired,
            "canary": self.services[canary].desired,
        });
        let name = model.name.clone();
        self.decide("scale", name, detail);
    }

    /// Aborts the update: analysis runs terminated, the step index back to 0 (ARGO.md §5).
    pub(crate) fn abort_rollout(&mut self, rollout: usize, message: String) {
        let now = self.now();
        let finished: Vec<Value> = {
            let state = &mut self.rollouts[rollout];
            let runs = [state.step_run.take(), state.background_run.take()];
            runs.into_iter()
                .flatten()
                .map(|mut run| {
                    run.terminate(now);
                    run.to_json()
                })
                .collect()
        };
        let state = &mut self.rollouts[rollout];
        state.finished_runs.extend(finished);
        let step = state.index;
        state.aborted = Some((now, message.clone()));
        state.index = 0;
        state.pause_since = None;
        state.inconclusive_pause = false;
        let name = self.model.rollouts[rollout].name.clone();
        self.decide("abort", name, json!({"message": message, "step": step}));
    }

    /// A request the router sent to the primary of a Flagger canary that mirrors: a copy
    /// (of `mirror_bp` of them) goes to the canary, whose answer the user never sees.
    pub(crate) fn mirror_request(&mut self, request: &Request) {
        for r in 0..self.rollouts.len() {
            if !self.rollouts[r].mirroring {
                continue;
            }
            let gateway = self.model.rollouts[r].gateway;
            let hops = &request.hops[..request.hop_count as usize];
            if !hops.contains(&(gateway as u32, 0)) {
                continue;
            }
            let share = self.rollouts[r].mirror_bp;
            if share < FULL_WEIGHT_BP {
                let p = f64::from(share) / f64::from(FULL_WEIGHT_BP);
                if !super::samplers::bernoulli(&mut self.gateways[gateway].stream, p) {
                    continue;
                }
            }
            self.send_mirror(gateway, request);
        }
    }

    /// Sends a mirrored copy of a request to the canary of `gateway`'s rollout.
    pub(crate) fn send_mirror(&mut self, gateway: usize, original: &Request) {
        let crate::sim::model::Target::Service(service) =
            self.model.gateways[gateway].routes[CANARY_ROUTE].target
        else {
            return;
        };
        let mut hops = [(0, 0); MAX_HOPS];
        hops[0] = (gateway as u32, CANARY_ROUTE as u32);
        let copy = Request {
            arrival: self.now(),
            hops,
            hop_count: 1,
            service: service as u32,
            instance: 0,
            source: original.source,
            client: original.client,
            mirror: true,
        };
        self.dispatch(copy, Balance::RoundRobin, None);
    }

    /// A mirrored copy's answer: counted at its router's `mirrored` counters (which the
    /// canary's measurements read), never in the users' figures.
    pub(crate) fn record_mirrored(&mut self, request: &Request, error: bool, latency: Nanos) {
        let now = self.now();
        let window = self.model.max_window_s.max(1);
        let gateway = request.hops[0].0 as usize;
        if let Some(state) = self.gateways.get_mut(gateway) {
            state
                .mirrored
                .get_or_insert_with(|| Box::new(Counters::new(window)))
                .record(now, error, latency);
        }
    }

    /// `service`'s pods: (spec, available, existing).
    pub(crate) fn side_counts(&self, service: usize) -> (i64, i64, i64) {
        use super::service::InstanceState;
        let existing = self.services[service]
            .instances
            .iter()
            .filter(|&&i| {
                matches!(
                    self.instances[i as usize].state,
                    InstanceState::Ready | InstanceState::Starting
                )
            })
            .count() as i64;
        (
            i64::from(self.services[service].desired),
            self.ready_instances(service) as i64,
            existing,
        )
    }
}
