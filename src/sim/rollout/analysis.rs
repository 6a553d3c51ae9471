//! Argo AnalysisRuns in the rehearsal (ARGO.md §4): measurements at `initialDelay`, then
//! every `interval` (10 s after an Error), each judged by the metric's conditions (§4.3);
//! the metric's phase by `plan::analysis::metric_phase` (§4.4) and the run's by §4.5.

use super::measure::as_result;
use super::model::MetricModel;
use crate::plan::analysis::{metric_phase, Counters, Phase};
use crate::sim::engine::{nanos_to_secs, Nanos, NANOS_PER_SEC};
use crate::sim::metrics::LatencySketch;
use crate::syntax::exprlang::{evaluate, Expr};
use serde_json::{json, Value};

/// Argo retries an Error measurement after this long, whatever the interval (§4.2).
pub const ERROR_RETRY: Nanos = 10 * NANOS_PER_SEC;

#[derive(Clone, Debug)]
pub struct MetricRun {
    pub counters: Counters,
    pub phase: Phase,
    /// When the next measurement is due (`None`: completed).
    pub next_at: Option<Nanos>,
    /// The canary's latencies at the previous measurement (a latency's window).
    pub latencies_since: LatencySketch,
    pub last_value: Option<f64>,
}

#[derive(Clone, Debug)]
pub struct Run {
    /// `background` or `step N`.
    pub label: String,
    pub started: Nanos,
    pub metrics: Vec<MetricModel>,
    pub state: Vec<MetricRun>,
    pub phase: Phase,
    pub ended: Option<Nanos>,
}

/// One measurement's phase from its value (`EvaluateResult`): failure wins when both hold;
/// a condition that cannot be evaluated is an Error.
pub fn judge(metric: &MetricModel, value: f64) -> (Phase, Option<String>) {
    let result = as_result(value, metric);
    let holds = |c: &Option<Result<Expr, String>>| -> Option<Result<bool, String>> {
        c.as_ref().map(|parsed| match parsed {
            Ok(expr) => evaluate(expr, &result),
            Err(e) => Err(format!("the condition does not parse: {e}")),
        })
    };
    match (holds(&metric.success), holds(&metric.failure)) {
        (Some(Err(e)), _) | (_, Some(Err(e))) => (Phase::Error, Some(e)),
        (None, None) => (Phase::Successful, None),
        (Some(Ok(ok)), None) => (if ok { Phase::Successful } else { Phase::Failed }, None),
        (None, Some(Ok(fail))) => (
            if fail {
                Phase::Failed
            } else {
                Phase::Successful
            },
            None,
        ),
        (Some(Ok(ok)), Some(Ok(fail))) => (
            if fail {
                Phase::Failed
            } else if ok {
                Phase::Successful
            } else {
                Phase::Inconclusive
            },
            None,
        ),
    }
}

/// The counters after one measurement (§4.3): errors do not consume `count`.
pub fn count(c: &mut Counters, phase: Phase) {
    c.measurements += 1;
    match phase {
        Phase::Error => {
            c.consecutive_error += 1;
            c.consecutive_success = 0;
        }
        _ => {
            c.count += 1;
            c.consecutive_error = 0;
            match phase {
                Phase::Successful => {
                    c.successful += 1;
                    c.consecutive_success += 1;
                }
                Phase::Failed => {
                    c.failed += 1;
                    c.consecutive_success = 0;
                }
                _ => {
                    c.inconclusive += 1;
                    c.consecutive_success = 0;
                }
            }
        }
    }
}

fn completed(phase: Phase) -> bool {
    matches!(
        phase,
        Phase::Successful | Phase::Failed | Phase::Inconclusive | Phase::Error
    )
}

/// Worse of two run phases: Successful < Running < Pending < Inconclusive < Error < Failed.
fn rank(phase: Phase) -> u8 {
    match phase {
        Phase::Successful => 0,
        Phase::Running => 1,
        Phase::Pending => 2,
        Phase::Inconclusive => 3,
        Phase::Error => 4,
        Phase::Failed => 5,
    }
}

impl Run {
    pub fn new(
        label: String,
        started: Nanos,
        metrics: Vec<MetricModel>,
        latencies: &LatencySketch,
    ) -> Run {
        let state = metrics
            .iter()
            .map(|m| MetricRun {
                counters: Counters::default(),
                phase: Phase::Pending,
                next_at: Some(started.saturating_add(m.initial_delay)),
                latencies_since: latencies.clone(),
                last_value: None,
            })
            .collect();
        Run {
            label,
            started,
            metrics,
            state,
            phase: Phase::Running,
            ended: None,
        }
    }

    /// The earliest measurement still due.
    pub fn next_due(&self) -> Option<Nanos> {
        if self.ended.is_some() {
            return None;
        }
        self.state.iter().filter_map(|s| s.next_at).min()
    }

    /// Records a measurement of metric `i` (value, phase, error) and updates its phase.
    pub fn record(
        &mut self,
        i: usize,
        now: Nanos,
        value: Option<f64>,
        phase: Phase,
        latencies: &LatencySketch,
    ) {
        let metric = &self.metrics[i];
        let st = &mut self.state[i];
        count(&mut st.counters, phase);
        st.last_value = value;
        st.latencies_since = latencies.clone();
        st.phase = metric_phase(&metric.limits, &st.counters, false);
        st.next_at = if completed(st.phase) {
            None
        } else if phase == Phase::Error {
            Some(now.saturating_add(ERROR_RETRY))
        } else {
            Some(now.saturating_add(metric.interval.unwrap_or(NANOS_PER_SEC).max(1)))
        };
    }

    /// The run's phase (§4.5); a non-dry-run metric Failed, Error or Inconclusive ends it.
    pub fn assess(&mut self, now: Nanos) -> Phase {
        if self.ended.is_some() {
            return self.phase;
        }
        let mut worst: Option<Phase> = None;
        let mut all_completed = true;
        let mut terminating = false;
        for (metric, st) in self.metrics.iter().zip(&self.state) {
            if !completed(st.phase) {
                all_completed = false;
                continue;
            }
            if metric.dry_run {
                continue;
            }
            if matches!(st.phase, Phase::Failed | Phase::Error | Phase::Inconclusive) {
                terminating = true;
            }
            worst = Some(match worst {
                Some(w) if rank(w) >= rank(st.phase) => w,
                _ => st.phase,
            });
        }
        let phase = if terminating {
            worst.unwrap_or(Phase::Successful)
        } else if !all_completed {
            Phase::Running
        } else {
            worst.unwrap_or(Phase::Successful)
        };
        self.phase = phase;
        if phase != Phase::Running {
            self.ended = Some(now);
        }
        phase
    }

    /// Terminated (the step left, the rollout promoted or aborted): a metric still running
    /// ends as its phase when terminating says (§4.4: unbounded metrics end Successful).
    pub fn terminate(&mut self, now: Nanos) {
        if self.ended.is_some() {
            return;
        }
        for (metric, st) in self.metrics.iter().zip(self.state.iter_mut()) {
            if !completed(st.phase) {
                st.phase = metric_phase(&metric.limits, &st.counters, true);
                st.next_at = None;
            }
        }
        let mut worst = Phase::Successful;
        for (metric, st) in self.metrics.iter().zip(&self.state) {
            if !metric.dry_run && rank(st.phase) > rank(worst) {
                worst = st.phase;
            }
        }
        self.phase = worst;
        self.ended = Some(now);
    }

    pub fn to_json(&self) -> Value {
        json!({
            "run": self.label,
            "phase": self.phase.as_str(),
            "started_s": nanos_to_secs(self.started),
            "ended_s": self.ended.map(nanos_to_secs),
            "metrics": self.metrics.iter().zip(&self.state).map(|(m, s)| json!({
                "name": m.name,
                "phase": s.phase.as_str(),
                "measurements": s.counters.measurements,
                "successful": s.counters.successful,
                "failed": s.counters.failed,
                "inconclusive": s.counters.inconclusive,
                "errors": s.counters.measurements as i64 - s.counters.count,
                "dry_run": m.dry_run,
            })).collect::<Vec<_>>(),
        })
    }
}
