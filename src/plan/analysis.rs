//! Argo Rollouts' metric phase (reference ARGO.md §4.4, analysis/analysis.go
//! `assessMetricStatus` and `assessMetricFailureInconclusiveOrError`): from a metric's limits
//! and its measurement counters to Pending, Running, Successful, Failed, Inconclusive or Error.
//! Strict `>` everywhere; errors do not consume `count`.

use crate::ir::rollout::Metric;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Phase {
    Pending,
    Running,
    Successful,
    Failed,
    Inconclusive,
    Error,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Pending => "Pending",
            Phase::Running => "Running",
            Phase::Successful => "Successful",
            Phase::Failed => "Failed",
            Phase::Inconclusive => "Inconclusive",
            Phase::Error => "Error",
        }
    }
}

/// A metric's limits as written (`None` = unset).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Limits {
    pub count: Option<i64>,
    pub has_interval: bool,
    pub failure_limit: Option<i64>,
    pub inconclusive_limit: Option<i64>,
    pub consecutive_error_limit: Option<i64>,
    pub consecutive_success_limit: Option<i64>,
}

impl Limits {
    pub fn of(metric: &Metric) -> Limits {
        let value = |l: &crate::ir::rollout::Limit| l.as_ref().map(|s| s.value);
        Limits {
            count: value(&metric.count),
            has_interval: metric.interval.is_some(),
            failure_limit: value(&metric.failure_limit),
            inconclusive_limit: value(&metric.inconclusive_limit),
            consecutive_error_limit: value(&metric.consecutive_error_limit),
            consecutive_success_limit: value(&metric.consecutive_success_limit),
        }
    }

    /// `EffectiveCount`: `None` = unbounded.
    pub fn effective_count(&self) -> Option<i64> {
        match self.count {
            None | Some(0) if !self.has_interval => Some(1),
            None | Some(0) => None,
            Some(c) => Some(c),
        }
    }
}

/// The counters of a metric's result.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    pub measurements: usize,
    pub last_running: bool,
    pub count: i64,
    pub successful: i64,
    pub failed: i64,
    pub inconclusive: i64,
    pub consecutive_error: i64,
    pub consecutive_success: i64,
}

/// `assessMetricStatus` for a metric not yet completed.
pub fn metric_phase(limits: &Limits, c: &Counters, terminating: bool) -> Phase {
    if c.measurements == 0 {
        return if terminating {
            Phase::Successful
        } else {
            Phase::Pending
        };
    }
    if c.last_running {
        return Phase::Running;
    }
    let failure_limit = limits.failure_limit.unwrap_or(0);
    let mut phase = None;
    if failure_limit >= 0 && c.failed > failure_limit {
        phase = Some(Phase::Failed);
    }
    if c.inconclusive > limits.inconclusive_limit.unwrap_or(0) {
        phase = Some(Phase::Inconclusive);
    }
    if c.consecutive_error > limits.consecutive_error_limit.unwrap_or(4) {
        phase = Some(Phase::Error);
    }
    if let Some(phase) = phase {
        return phase;
    }
    let success_limit = limits.consecutive_success_limit.unwrap_or(0);
    if success_limit > 0 && c.consecutive_success >= success_limit {
        return Phase::Successful;
    }
    if let Some(count) = limits.effective_count() {
        if c.count >= count {
            let failure_applicable = limits.failure_limit.is_none_or(|f| f >= 0);
            let success_applicable = success_limit > 0;
            return match (failure_applicable, success_applicable) {
                (true, true) => Phase::Inconclusive,
                (false, true) => Phase::Failed,
                _ => Phase::Successful,
            };
        }
    }
    if terminating {
        Phase::Successful
    } else {
        Phase::Running
    }
}
