//! Expectations: what a scenario says must hold, checked against the finished run.

use super::engine::{nanos_to_secs, Nanos};
use super::trace::Decision;
use crate::ir::scenario::{Expectation, ExpectationKind, PPM_FULL};
use serde_json::{json, Value};

#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    pub name: String,
    pub passed: bool,
    pub detail: Value,
}

/// Weight of `route` in a weights or rollback decision (detail `{route: percent}`).
fn weight_in(decision: &Decision, route: &str) -> Option<f64> {
    if !matches!(decision.kind, "weights" | "rollback") {
        return None;
    }
    decision.detail.get(route)?.as_f64()
}

/// `endpoint_status`: the share of the endpoint's responses (the run JSON's entry) whose
/// status is in `lo..=hi`, against the bounds. An endpoint no request reached has no share
/// and fails.
fn endpoint_status(
    entry: &Value,
    (lo, hi): (u16, u16),
    below_ppm: Option<u64>,
    at_least_ppm: Option<u64>,
) -> (bool, Value) {
    let requests = entry["requests"].as_u64().unwrap_or(0);
    let matching: u64 = entry["status"]
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(s, _)| s.parse::<u16>().is_ok_and(|s| (lo..=hi).contains(&s)))
        .filter_map(|(_, n)| n.as_u64())
        .sum();
    let pct = |ppm: u64| ppm as f64 / PPM_FULL as f64 * 100.0;
    let share = (requests > 0).then(|| matching as f64 / requests as f64 * 100.0);
    let passed = share.is_some_and(|share| {
        below_ppm.is_none_or(|b| share < pct(b)) && at_least_ppm.is_none_or(|a| share >= pct(a))
    });
    (
        passed,
        json!({"share_pct": share, "requests": requests, "matching": matching, "below_pct": below_ppm.map(pct), "at_least_pct": at_least_ppm.map(pct)}),
    )
}

/// A workflow decision of the start of `workflow`.
fn workflow_start(decision: &Decision, workflow: &str) -> bool {
    decision.kind == "workflow"
        && decision.target == workflow
        && decision.detail.get("phase").and_then(Value::as_str) == Some("start")
}

/// Whether an `instances` decision's target (`deployment/node`) is the node a scenario
/// names (`deployment/node`, or `node` alone when unambiguous: the check made sure).
fn names_node(target: &str, node: &str) -> bool {
    target == node || target.rsplit_once('/').is_some_and(|(_, n)| n == node)
}

pub fn evaluate(
    expectations: &[Expectation],
    decisions: &[Decision],
    user_requests: u64,
    user_errors: u64,
    initial_weight: impl Fn(&str) -> Option<f64>,
    endpoints: &Value,
) -> Vec<Outcome> {
    expectations
        .iter()
        .map(|e| {
            let (passed, detail) = match &e.kind {
                ExpectationKind::RollbackWithin {
                    after_ns,
                    within_ns,
                } => {
                    let deadline: Nanos = after_ns.saturating_add(*within_ns);
                    let first = decisions
                        .iter()
                        .find(|d| d.kind == "rollback" && d.t >= *after_ns);
                    match first {
                        Some(d) => (
                            d.t <= deadline,
                            json!({"rollback_at_s": nanos_to_secs(d.t), "deadline_s": nanos_to_secs(deadline)}),
                        ),
                        None => (false, json!({"rollback_at_s": null, "deadline_s": nanos_to_secs(deadline)})),
                    }
                }
                ExpectationKind::NoRollback => {
                    let first = decisions.iter().find(|d| d.kind == "rollback");
                    (first.is_none(), json!({"rollback_at_s": first.map(|d| nanos_to_secs(d.t))}))
                }
                ExpectationKind::UserErrorRate { below_ppm } => {
                    let rate = if user_requests == 0 {
                        0.0
                    } else {
                        user_errors as f64 / user_requests as f64
                    };
                    let limit = *below_ppm as f64 / PPM_FULL as f64;
                    (
                        rate < limit,
                        json!({"error_rate_pct": rate * 100.0, "below_pct": limit * 100.0, "requests": user_requests, "errors": user_errors}),
                    )
                }
                ExpectationKind::WeightReaches {
                    route,
                    weight_ppm,
                    by_ns,
                } => {
                    let target = *weight_ppm as f64 / 10_000.0;
                    let reached = if initial_weight(&route.value).is_some_and(|w| w >= target) {
                        Some(0)
                    } else {
                        decisions
                            .iter()
                            .find(|d| weight_in(d, &route.value).is_some_and(|w| w >= target))
                            .map(|d| d.t)
                    };
                    (
                        reached.is_some_and(|t| t <= *by_ns),
                        json!({"reached_at_s": reached.map(nanos_to_secs), "by_s": nanos_to_secs(*by_ns), "weight_pct": target}),
                    )
                }
                ExpectationKind::WorkflowWithin {
                    workflow,
                    after_ns,
                    within_ns,
                } => {
                    let deadline: Nanos = after_ns.saturating_add(*within_ns);
                    let first = decisions
                        .iter()
                        .find(|d| workflow_start(d, &workflow.value) && d.t >= *after_ns);
                    (
                        first.is_some_and(|d| d.t <= deadline),
                        json!({"started_at_s": first.map(|d| nanos_to_secs(d.t)), "deadline_s": nanos_to_secs(deadline)}),
                    )
                }
                ExpectationKind::NoWorkflow {
                    workflow,
                    from_ns,
                    to_ns,
                } => {
                    let first = decisions.iter().find(|d| {
                        workflow_start(d, &workflow.value) && d.t >= *from_ns && d.t <= *to_ns
                    });
                    (
                        first.is_none(),
                        json!({"started_at_s": first.map(|d| nanos_to_secs(d.t))}),
                    )
                }
                ExpectationKind::EndpointStatus {
                    endpoint,
                    statuses: (lo, hi),
                    below_ppm,
                    at_least_ppm,
                } => endpoint_status(
                    &endpoints[endpoint.value.as_str()],
                    (*lo, *hi),
                    *below_ppm,
                    *at_least_ppm,
                ),
                ExpectationKind::Instances {
                    node,
                    at_least,
                    by_ns,
                } => {
                    let reached = decisions.iter().find(|d| {
                        d.kind == "instances"
                            && names_node(&d.target, &node.value)
                            && d.detail
                                .get("started")
                                .and_then(serde_json::Value::as_u64)
                                .is_some_and(|n| n >= u64::from(*at_least))
                    });
                    (
                        reached.is_some_and(|d| d.t <= *by_ns),
                        json!({"reached_at_s": reached.map(|d| nanos_to_secs(d.t)), "by_s": nanos_to_secs(*by_ns), "at_least": at_least}),
                    )
                }
            };
            Outcome {
                name: e.name.clone(),
                passed,
                detail,
            }
        })
        .collect()
}
