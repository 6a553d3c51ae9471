//! What a scenario says about Argo Rollouts and Flagger canaries (issue 12, Rehearse): which
//! ones it deploys, when their update starts, the operator's `promote` / `abort`, how their
//! analysis metrics are measured in the simulated world, and when Flagger's gating webhooks
//! answer. Read by `dialect::scenario`, checked by `check::rollout_scenario`, lowered by
//! `lower::rollout`, run by `sim::rollout`.

use crate::ir::scenario::MetricValue;
use crate::ir::Spanned;
use crate::source::Span;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct RolloutScenario {
    /// `deploy: [{rollout: NAME}]` (Argo) and `deploy: [{canary: NAME}]` (Flagger).
    pub deploy: Vec<RolloutDeploy>,
    /// `update: {at: T, rollout: NAME, to: v2}` (one mapping or a list).
    pub updates: Vec<RolloutUpdate>,
    /// `promote: {at: T}` — `kubectl argo rollouts promote` (a list, or one mapping).
    pub promotes: Vec<OperatorAction>,
    /// `abort: {at: T}` — `kubectl argo rollouts abort`.
    pub aborts: Vec<OperatorAction>,
    /// `measurements: {metric-name: success_rate | ... | {value: ...}}`.
    pub measurements: Vec<MeasurementBinding>,
    /// `webhooks: {confirm-promotion: {at: 10m}}`: when a Flagger webhook answers yes (a gate
    /// opens, a rollback hook fires) and when it fails (`{fails: {from: 3m, to: 5m}}`).
    pub webhooks: Vec<WebhookAnswer>,
}

/// The share of requests matching a Flagger A/B `match` when the scenario does not say
/// (S046): 10%, in parts per million.
pub const DEFAULT_MATCHED_PPM: u64 = 100_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RolloutKind {
    /// argoproj.io Rollout.
    Argo,
    /// flagger.app Canary.
    Flagger,
}

impl RolloutKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RolloutKind::Argo => "argo",
            RolloutKind::Flagger => "flagger",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct RolloutDeploy {
    pub name: Spanned<String>,
    pub kind: RolloutKind,
    pub span: Span,
    /// `{canary: NAME, matched: 10%}`: the share of the users' requests that match a Flagger
    /// A/B analysis' `match` (parts per million), with its span; `None`: not said.
    pub matched_ppm: Option<Spanned<u64>>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct RolloutUpdate {
    pub at_ns: u64,
    pub rollout: Spanned<String>,
    /// The new version's tag as written (`to: v2`): the canary answers to `NAME:v2` too.
    pub to: Option<Spanned<String>>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct OperatorAction {
    pub at_ns: u64,
    /// `None`: every deployed rollout.
    pub rollout: Option<Spanned<String>>,
    /// `promote: {full: true}`: skip the remaining steps (`promote --full`).
    pub full: bool,
    pub span: Span,
}

/// What a simulated measurement reads of the canary's requests over the metric's window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Observed {
    /// Successful / completed, 0–1 (NaN with no request).
    SuccessRate,
    /// Failed / completed, 0–1 (NaN with no request).
    ErrorRate,
    LatencyP50,
    LatencyP95,
    LatencyP99,
    /// Completed requests per second.
    Rate,
}

impl Observed {
    pub const NAMES: [&'static str; 6] = [
        "success_rate",
        "error_rate",
        "latency_p50",
        "latency_p95",
        "latency_p99",
        "rate",
    ];

    pub fn from_name(name: &str) -> Option<Observed> {
        Some(match name {
            "success_rate" => Observed::SuccessRate,
            "error_rate" => Observed::ErrorRate,
            "latency_p50" => Observed::LatencyP50,
            "latency_p95" => Observed::LatencyP95,
            "latency_p99" => Observed::LatencyP99,
            "rate" => Observed::Rate,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Observed::SuccessRate => "success_rate",
            Observed::ErrorRate => "error_rate",
            Observed::LatencyP50 => "latency_p50",
            Observed::LatencyP95 => "latency_p95",
            Observed::LatencyP99 => "latency_p99",
            Observed::Rate => "rate",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum MeasurementSource {
    /// Computed from the canary's simulated requests (latencies in milliseconds).
    Observed(Observed),
    /// `{value: 0.97}` or `{value: {steps: [[0s, 0.99], [5m, 0.5]]}}`: given by the scenario.
    Value(MetricValue),
}

#[derive(Clone, Debug, PartialEq)]
pub struct MeasurementBinding {
    /// The metric's `name` in an AnalysisTemplate or a Flagger Canary / MetricTemplate.
    pub metric: Spanned<String>,
    pub source: MeasurementSource,
    /// Whether `result` is a one-element vector (`result[0]`, a Prometheus vector query: the
    /// default) or a plain number (`{scalar: error_rate}`).
    pub scalar: bool,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct WebhookAnswer {
    pub name: Spanned<String>,
    /// From this time on the gate answers yes; `None`: never.
    pub open_at_ns: Option<u64>,
    pub span: Span,
    /// `{fails: {from: T1, to: T2}}` (or a list): the webhook answers no (fails) from T1
    /// until T2 (`None`: to the end), yes otherwise.
    pub fails: Vec<(u64, Option<u64>)>,
}

impl WebhookAnswer {
    /// Whether the webhook succeeds (answers yes, HTTP status ≤ 202) when called at `t`.
    pub fn succeeds_at(&self, t: u64) -> bool {
        self.open_at_ns.is_some_and(|at| t >= at)
            && !self
                .fails
                .iter()
                .any(|&(from, to)| t >= from && to.is_none_or(|to| t < to))
    }
}
