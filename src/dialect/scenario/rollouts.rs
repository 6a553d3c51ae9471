//! The scenario fields about Argo Rollouts and Flagger canaries (issue 12):
//!
//! ```yaml
//! deploy:
//!   - { rollout: shop }               # an argoproj.io Rollout of the project
//!   - { canary: podinfo }             # a flagger.app Canary of the project
//!   - { canary: ab, matched: 10% }    # A/B testing (iterations + match): the share of the
//!                                     #   users' requests that match `analysis.match` (they
//!                                     #   go to the canary during the iterations; default
//!                                     #   10%, with a warning S046)
//! update: { at: 1m, rollout: shop, to: v2 }      # or a list; `canary: NAME` for Flagger
//! promote: { at: 10m }                # `kubectl argo rollouts promote` (rollout: NAME, full: true)
//! abort: { at: 12m }                  # `kubectl argo rollouts abort` (rollout: NAME)
//! measurements:                       # analysis metric name → what a measurement reads of
//!   error-rate: error_rate            #   the canary's requests over the metric's interval:
//!   p99: { scalar: latency_p99 }      #   success_rate | error_rate | latency_p50 | latency_p95 |
//!   fixed: { value: 0.97 }            #   latency_p99 (ms) | rate (/s); `result` is a vector
//!                                     #   `[x]` unless `scalar:`; `value:` a number or steps
//! webhooks:                          # Flagger webhooks by name: when each answers yes
//!   gate: { at: 10m }                 #   yes from 10m on (a gate opens, a rollback fires)
//!   approval: { never: true }         #   never yes
//!   load-test: { fails: { from: 3m, to: 5m } }   # no (fails) from 3m until 5m, yes
//!                                     #   otherwise; `to` optional (to the end), a list of
//!                                     #   windows allowed
//! routes:                             # Argo managed route (trafficRouting.managedRoutes) →
//!   header-route-1: 20%               #   the share of the rollout's requests its `match`
//!   mirror-route: 50%                 #   selects; a route step without one matches none (S045)
//! ```
//! A webhook the scenario does not answer answers what the happy path needs: confirm-rollout,
//! confirm-traffic-increase and confirm-promotion say yes, pre-rollout, rollout and
//! post-rollout succeed, a rollback hook does not fire (FLAGGER.md §6). `event` hooks are
//! notifications: not called.
//! Behaviors and faults name the two sides `NAME:stable` and `NAME:canary` (and `NAME:TAG`
//! for the update's `to`).

use super::{one_or_many, Reader};
use crate::diag::codes::s;
use crate::ir::rollout_scenario::*;
use crate::ir::scenario::MetricValue;
use crate::ir::Spanned;
use crate::syntax::node::{Mapping, Node};

impl Reader<'_> {
    /// `{rollout: NAME}` or `{canary: NAME}` in `deploy`.
    pub(super) fn rollout_deploy(&mut self, item: &Node, m: &Mapping) -> Option<RolloutDeploy> {
        self.unknown_fields(
            m,
            &["rollout", "canary", "matched"],
            "a rollout deploy step",
        );
        let (key, kind) = match (m.get("rollout"), m.get("canary")) {
            (Some(n), None) => (n, RolloutKind::Argo),
            (None, Some(n)) => (n, RolloutKind::Flagger),
            _ => {
                self.error(
                    &s::S003,
                    item.span,
                    "a deploy step names either `rollout` (Argo) or `canary` (Flagger), not both"
                        .into(),
                );
                return None;
            }
        };
        let name = self.string(key, "a rollout's name")?;
        let matched_ppm = match m.get("matched") {
            Some(n) if kind == RolloutKind::Argo => {
                self.error(
                    &s::S003,
                    n.span,
                    "`matched` is the share of requests matching a Flagger Canary's A/B `match`: it goes with `canary: NAME`".into(),
                );
                return None;
            }
            Some(n) => Some(Spanned::new(self.percent(n, "matched")?, n.span)),
            None => None,
        };
        Some(RolloutDeploy {
            name,
            kind,
            span: item.span,
            matched_ppm,
        })
    }

    /// `update`, `promote`, `abort`, `measurements` and `webhooks`.
    pub(super) fn rollout_fields(&mut self, map: &Mapping, out: &mut RolloutScenario) {
        if let Some(node) = map.get("update") {
            for item in one_or_many(node) {
                out.updates.extend(self.rollout_update(item));
            }
        }
        for (field, list) in [("promote", &mut out.promotes), ("abort", &mut out.aborts)] {
            if let Some(node) = map.get(field) {
                for item in one_or_many(node) {
                    list.extend(self.operator_action(item, field));
                }
            }
        }
        if let Some(m) = map
            .get("measurements")
            .and_then(|n| self.map(n, "measurements"))
        {
            for (key, value) in m.iter() {
                let Some(metric) = self.string(key, "a metric name") else {
                    continue;
                };
                out.measurements.extend(self.measurement(metric, value));
            }
        }
        if let Some(m) = map.get("routes").and_then(|n| self.map(n, "routes")) {
            for (key, value) in m.iter() {
                let Some(route) = self.string(key, "a managed route's name") else {
                    continue;
                };
                let what = format!("route '{}'", route.value);
                if let Some(share_ppm) = self.percent(value, &what) {
                    out.routes.push(RouteShare {
                        route,
                        share_ppm,
                        span: value.span,
                    });
                }
            }
        }
        if let Some(m) = map.get("webhooks").and_then(|n| self.map(n, "webhooks")) {
            for (key, value) in m.iter() {
                let Some(name) = self.string(key, "a webhook name") else {
                    continue;
                };
                out.webhooks.extend(self.webhook_answer(name, value));
            }
        }
    }

    fn rollout_update(&mut self, node: &Node) -> Option<RolloutUpdate> {
        let m = self.map(node, "an update")?;
        self.unknown_fields(m, &["at", "rollout", "canary", "to"], "an update");
        let at_ns = self.required_time(node, m, "an update")?;
        let Some(target) = m.get("rollout").or_else(|| m.get("canary")) else {
            self.error(
                &s::S001,
                node.span,
                "an update needs `rollout: NAME` (or `canary: NAME`)".into(),
            );
            return None;
        };
        let rollout = self.string(target, "rollout")?;
        let to = match m.get("to") {
            Some(n) => Some(self.string(n, "to")?),
            None => None,
        };
        Some(RolloutUpdate {
            at_ns,
            rollout,
            to,
            span: node.span,
        })
    }

    fn operator_action(&mut self, node: &Node, what: &str) -> Option<OperatorAction> {
        let m = self.map(node, what)?;
        let known: &[&str] = if what == "promote" {
            &["at", "rollout", "canary", "full"]
        } else {
            &["at", "rollout", "canary"]
        };
        self.unknown_fields(m, known, what);
        let at_ns = self.required_time(node, m, what)?;
        let rollout = match m.get("rollout").or_else(|| m.get("canary")) {
            Some(n) => Some(self.string(n, "rollout")?),
            None => None,
        };
        let full = match m.get("full") {
            Some(n) => match n.as_bool() {
                Some(b) => b,
                None => {
                    self.error(&s::S003, n.span, "`full` must be true or false".into());
                    return None;
                }
            },
            None => false,
        };
        Some(OperatorAction {
            at_ns,
            rollout,
            full,
            span: node.span,
        })
    }

    fn required_time(&mut self, node: &Node, m: &Mapping, what: &str) -> Option<u64> {
        match m.get("at") {
            Some(n) => self.duration(n, "at"),
            None => {
                self.error(&s::S001, node.span, format!("{what} needs `at`"));
                None
            }
        }
    }

    fn measurement(&mut self, metric: Spanned<String>, node: &Node) -> Option<MeasurementBinding> {
        let help = format!(
            "a measurement is one of {}, `{{scalar: NAME}}` or `{{value: 0.97}}` / `{{value: {{steps: [[0s, 0.99], [5m, 0.5]]}}}}`",
            Observed::NAMES.join(", ")
        );
        let observed = |reader: &mut Self, n: &Node| -> Option<Observed> {
            let found = n.as_str().and_then(Observed::from_name);
            if found.is_none() {
                reader.diagnostics.push(
                    crate::diag::Diagnostic::error(
                        &s::S003,
                        n.span,
                        format!("metric '{}': unknown measurement", metric.value),
                    )
                    .with_help(help.clone()),
                );
            }
            found
        };
        let span = node.span;
        let (source, scalar) = if node.as_str().is_some() {
            (MeasurementSource::Observed(observed(self, node)?), false)
        } else {
            let m = self.map(node, "a measurement")?;
            self.unknown_fields(m, &["scalar", "value"], "a measurement");
            match (m.get("scalar"), m.get("value")) {
                (Some(n), None) => (MeasurementSource::Observed(observed(self, n)?), true),
                (None, Some(n)) => {
                    let value = self.metric_value(n)?;
                    if matches!(value, MetricValue::From(_)) {
                        self.error(
                            &s::S003,
                            n.span,
                            format!(
                                "metric '{}': `value` is a number or `{{steps: ...}}`",
                                metric.value
                            ),
                        );
                        return None;
                    }
                    (MeasurementSource::Value(value), false)
                }
                _ => {
                    self.diagnostics.push(
                        crate::diag::Diagnostic::error(
                            &s::S003,
                            span,
                            format!("metric '{}': a measurement needs exactly one of `scalar` or `value`", metric.value),
                        )
                        .with_help(help),
                    );
                    return None;
                }
            }
        };
        Some(MeasurementBinding {
            metric,
            source,
            scalar,
            span,
        })
    }

    fn webhook_answer(&mut self, name: Spanned<String>, node: &Node) -> Option<WebhookAnswer> {
        let m = self.map(node, "a webhook answer")?;
        self.unknown_fields(m, &["at", "never", "fails"], "a webhook answer");
        let (open_at_ns, fails) = match (
            m.get("at"),
            m.get("never").and_then(Node::as_bool),
            m.get("fails"),
        ) {
            (Some(at), None | Some(false), None) => (Some(self.duration(at, "at")?), Vec::new()),
            (None, Some(true), None) => (None, Vec::new()),
            (None, None | Some(false), Some(fails)) => {
                let mut windows = Vec::new();
                for item in one_or_many(fails) {
                    windows.push(self.failing_window(&name, item)?);
                }
                (Some(0), windows)
            }
            _ => {
                self.error(
                    &s::S001,
                    node.span,
                    format!(
                        "webhook '{}' needs exactly one of `at: T` (when it first answers yes), `never: true` or `fails: {{from: T1, to: T2}}` (when it answers no)",
                        name.value
                    ),
                );
                return None;
            }
        };
        Some(WebhookAnswer {
            name,
            open_at_ns,
            span: node.span,
            fails,
        })
    }

    /// `{from: T1, to: T2}` (`to` optional) in a webhook's `fails`.
    fn failing_window(
        &mut self,
        name: &Spanned<String>,
        node: &Node,
    ) -> Option<(u64, Option<u64>)> {
        let m = self.map(node, "a failing window")?;
        self.unknown_fields(m, &["from", "to"], "a failing window");
        let Some(from) = m.get("from") else {
            self.error(
                &s::S001,
                node.span,
                format!("webhook '{}': a failing window needs `from: T`", name.value),
            );
            return None;
        };
        let from = self.duration(from, "from")?;
        let to = match m.get("to") {
            Some(n) => Some(self.duration(n, "to")?),
            None => None,
        };
        if to.is_some_and(|to| to <= from) {
            self.error(
                &s::S003,
                node.span,
                format!(
                    "webhook '{}': a failing window ends after it starts (`to` > `from`)",
                    name.value
                ),
            );
            return None;
        }
        Some((from, to))
    }
}
