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

pub fn evaluate(
    expectations: &[Expectation],
    decisions: &[Decision],
    user_requests: u64,
    user_errors: u64,
    initial_weight: impl Fn(&str) -> Option<f64>,
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
            };
            Outcome {
                name: e.name.clone(),
                passed,
                detail,
            }
        })
        .collect()
}
