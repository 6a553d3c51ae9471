//! Flagger checks over the project: the validation rules the maintainers proposed in flagger
//! issue #312 (reference FLAGGER.md §10), what the scheduler implies (a metric that always
//! fails, weights that never reach maxWeight), references to MetricTemplates and
//! AlertProviders across files, and an analysis that can never fail.
//!
//! Flagger enforces none of these in Go; rules whose breach the runtime survives are
//! warnings, those that make a canary never promote or always roll back are errors.

use crate::diag::codes::f;
use crate::diag::Diagnostic;
use crate::dialect::rollout::read::{get, path, seq};
use crate::ir::rollout::{Canary, FlaggerStrategy, Objects};
use crate::ir::Project;
use crate::syntax::Node;

const SECOND: u64 = 1_000_000_000;

pub fn resolve(project: &mut Project, diagnostics: &mut Vec<Diagnostic>) {
    let objects = &project.rollouts;
    for canary in &objects.canaries {
        check_canary(canary, objects, diagnostics);
    }
}

fn check_canary(canary: &Canary, objects: &Objects, out: &mut Vec<Diagnostic>) {
    let root = &canary.root;
    let spec = get(root, "spec");
    let at = |key: &str| spec.and_then(|s| get(s, key));

    // Rule 2: a deadline under a minute.
    if let Some(d) = &canary.progress_deadline_seconds {
        if d.value > 0 && d.value < 60 {
            out.push(
                Diagnostic::warning(
                    &f::F011,
                    d.span,
                    format!("progressDeadlineSeconds is {}: a canary not ready within that is rolled back", d.value),
                )
                .with_help("Flagger's maintainers suggest at least 60 (issue #312); the default is 600"),
            );
        }
    }
    // The target's pods need longer to become ready than the deadline allows.
    readiness_over_deadline(canary, objects, out);
    // Rules 3-5: references.
    for (key, kinds) in [
        ("targetRef", &["Deployment", "DaemonSet", "Service"][..]),
        (
            "autoscalerRef",
            &["HorizontalPodAutoscaler", "ScaledObject"][..],
        ),
        ("ingressRef", &["Ingress"][..]),
    ] {
        let Some(reference) = at(key) else { continue };
        let name = get(reference, "name")
            .and_then(Node::scalar_text)
            .unwrap_or_default();
        if name.is_empty() {
            out.push(Diagnostic::error(
                &f::F012,
                reference.span,
                format!("{key} has no name"),
            ));
        }
        if let Some(kind) = get(reference, "kind") {
            let text = kind.scalar_text().unwrap_or_default();
            // The CRD's enums report targetRef and autoscalerRef kinds; ingressRef has none.
            if key == "ingressRef" && !kinds.contains(&text.as_str()) {
                out.push(Diagnostic::error(
                    &f::F012,
                    kind.span,
                    format!("ingressRef must name an Ingress, not a {text}"),
                ));
            }
        }
        if key == "targetRef" && !name.is_empty() {
            let found = objects.kubernetes.iter().any(|o| {
                kinds.contains(&o.kind.as_str())
                    && o.meta.name() == name
                    && (o.meta.namespace.is_none()
                        || canary.meta.namespace.is_none()
                        || o.meta.namespace == canary.meta.namespace)
            });
            if !found && !objects.kubernetes.is_empty() {
                out.push(
                    Diagnostic::warning(
                        &f::F019,
                        get(reference, "name").map_or(reference.span, |n| n.span),
                        format!(
                            "no Deployment, DaemonSet or Service named '{name}' in the project"
                        ),
                    )
                    .with_help("Flagger waits for the target; it may be applied separately"),
                );
            }
        }
    }
    // Rule 6: App Mesh needs the mesh name.
    if canary.provider.as_deref() == Some("appmesh")
        && spec
            .and_then(|s| path(s, &["service", "meshName"]))
            .and_then(Node::scalar_text)
            .is_none_or(|m| m.is_empty())
    {
        out.push(Diagnostic::error(
            &f::F013,
            at("provider").map_or(root.span, |p| p.span),
            "provider appmesh needs service.meshName",
        ));
    }

    let Some(analysis) = &canary.analysis else {
        return;
    };
    // Rule 7: interval under 10 s (the scheduler clamps it).
    if let Some((text, Some(ns))) = &analysis.interval {
        if *ns < 10 * SECOND {
            out.push(
                Diagnostic::warning(
                    &f::F014,
                    text.span,
                    format!(
                        "analysis.interval {} is under 10s: Flagger runs the analysis every 10s",
                        text.value
                    ),
                )
                .with_help("write 10s or more"),
            );
        }
    }
    // Rules 8-10: weights.
    let step = analysis.step_weight.as_ref();
    let max = analysis.max_weight.as_ref();
    if let Some(s) = step.filter(|s| s.value > 100) {
        out.push(Diagnostic::warning(
            &f::F015,
            s.span,
            format!(
                "stepWeight {} is above 100: the first step sends all traffic to the canary",
                s.value
            ),
        ));
    }
    if let Some(m) = max.filter(|m| m.value > 100) {
        if analysis.step_weights.is_none()
            && analysis.strategy(canary.provider.as_deref()) == FlaggerStrategy::Canary
        {
            out.push(
                Diagnostic::error(
                    &f::F015,
                    m.span,
                    format!("maxWeight {} is above 100: the canary weight stops at 100 and the canary is never promoted", m.value),
                )
                .with_help("maxWeight is a percentage of traffic: at most 100"),
            );
        }
    }
    if let (Some(s), Some(m)) = (step, max) {
        if s.value > m.value && s.value <= 100 && m.value > 0 {
            out.push(
                Diagnostic::warning(
                    &f::F016,
                    s.span,
                    format!(
                        "stepWeight {} is above maxWeight {}: the first step already overshoots it",
                        s.value, m.value
                    ),
                )
                .with_label(m.span, "maxWeight"),
            );
        }
    }
    // Uneven steps: the last step overshoots maxWeight (Flagger does not clamp), or never advances.
    if analysis.strategy(canary.provider.as_deref()) == FlaggerStrategy::Canary {
        if analysis.step_weights.is_none() {
            match step {
                Some(s) if s.value <= 0 => out.push(
                    Diagnostic::error(
                        &f::F020,
                        s.span,
                        "stepWeight 0: the canary weight never increases and the canary is never promoted",
                    )
                    .with_help("set stepWeight (e.g. 10) or stepWeights"),
                ),
                Some(s) if s.value > 0 => {
                    let max_weight = analysis.max_weight();
                    if max_weight <= 100 && max_weight % s.value != 0 && s.value < max_weight {
                        let last = (max_weight / s.value + 1) * s.value;
                        out.push(
                            Diagnostic::warning(
                                &f::F020,
                                s.span,
                                format!(
                                    "stepWeight {} does not divide maxWeight {max_weight}: the last step sends {}% to the canary, above maxWeight",
                                    s.value,
                                    last.min(100)
                                ),
                            )
                            .with_help("Flagger does not clamp the last step; choose a stepWeight that divides maxWeight"),
                        );
                    }
                }
                _ => {}
            }
        }
        if let Some(weights) = &analysis.step_weights {
            if weights.value.windows(2).any(|w| w[1] <= w[0])
                || weights.value.first().is_some_and(|w| *w <= 0)
            {
                out.push(Diagnostic::warning(
                    &f::F022,
                    weights.span,
                    "stepWeights must increase: Flagger finds the next weight by looking the current one up in the list",
                ));
            }
        }
    }
    // Rule 12: match without iterations.
    if analysis.match_count > 0 && analysis.iterations() <= 0 {
        out.push(
            Diagnostic::warning(
                &f::F017,
                analysis.match_span.unwrap_or(analysis.span),
                "match only applies to A/B testing (with iterations); here it is ignored",
            )
            .with_help("add `iterations:` for A/B testing, or remove `match`"),
        );
    }
    // Metrics: rules 13, 14 and template references.
    for metric in &analysis.metrics {
        let name = metric.name.as_ref().map_or("", |n| n.value.as_str());
        let span = metric.name.as_ref().map_or(metric.span, |n| n.span);
        if let Some((text, Some(ns))) = &metric.interval {
            if *ns < 10 * SECOND {
                out.push(Diagnostic::warning(
                    &f::F014,
                    text.span,
                    format!(
                        "metric interval {} is under 10s: too short a window to measure",
                        text.value
                    ),
                ));
            }
        }
        let builtin = matches!(name, "request-success-rate" | "request-duration");
        // A nameless metric is the schema's F003 already.
        if !builtin && !metric.has_query && metric.template_ref.is_none() && !name.is_empty() {
            out.push(
                Diagnostic::error(
                    &f::F018,
                    span,
                    format!("metric '{name}' is neither built in nor has a query or templateRef: Flagger fails it on every check"),
                )
                .with_help("built-in metrics: request-success-rate, request-duration; others need templateRef"),
            );
        }
        if let Some(reference) = &metric.template_ref {
            let namespace = get(&metric_node(canary, metric.span), "templateRef")
                .and_then(|t| get(t, "namespace"))
                .and_then(Node::scalar_text);
            let found = objects.metric_templates.iter().any(|t| {
                t.meta.name() == reference.value
                    && (namespace.is_none()
                        || t.meta.namespace.is_none()
                        || t.meta.namespace == namespace)
            });
            if !found {
                out.push(Diagnostic::warning(
                    &f::F019,
                    reference.span,
                    format!(
                        "no MetricTemplate named '{}' in the project",
                        reference.value
                    ),
                ));
            }
        }
        if metric.threshold_min.is_none()
            && metric.threshold_max.is_none()
            && metric.threshold.is_none()
            && !builtin
        {
            // A templated metric with no threshold never fails on its value.
        }
    }
    // Alerts reference AlertProviders.
    for alert in seq(get(root, "spec").and_then(|s| path(s, &["analysis", "alerts"]))) {
        if let Some(name) = path(alert, &["providerRef", "name"]) {
            let text = name.scalar_text().unwrap_or_default();
            if !objects
                .alert_providers
                .iter()
                .any(|p| p.meta.name() == text)
            {
                out.push(Diagnostic::warning(
                    &f::F019,
                    name.span,
                    format!("no AlertProvider named '{text}' in the project"),
                ));
            }
        }
    }
    // Webhook URLs (rule 1).
    for hook in &analysis.webhooks {
        if let Some(url) = &hook.url {
            let ok = ["http://", "https://"].iter().any(|p| {
                url.value
                    .strip_prefix(p)
                    .is_some_and(|rest| !rest.is_empty() && !rest.starts_with('/'))
            });
            if !ok {
                out.push(
                    Diagnostic::warning(
                        &f::F010,
                        url.span,
                        format!("webhook '{}' url '{}' is not an absolute http(s) URL: every call fails", hook.name, url.value),
                    )
                    .with_help("write e.g. http://flagger-loadtester.test/"),
                );
            }
        }
    }
    // Two webhooks of one name: Flagger runs both, but its events, logs and the load
    // tester's gates name a webhook, so the second is indistinguishable from the first.
    let mut seen: std::collections::BTreeMap<&str, crate::source::Span> = Default::default();
    for hook in &analysis.webhooks {
        if hook.name.is_empty() {
            continue;
        }
        match seen.get(hook.name.as_str()) {
            Some(first) => out.push(
                Diagnostic::warning(
                    &f::F023,
                    hook.span,
                    format!("two webhooks are named '{}'", hook.name),
                )
                .with_label(*first, "the first one")
                .with_help("Flagger runs both; give each webhook its own name so events and logs tell them apart"),
            ),
            None => {
                seen.insert(hook.name.as_str(), hook.span);
            }
        }
    }
    // An analysis that can never fail.
    let checks = analysis
        .webhooks
        .iter()
        .any(|w| matches!(w.kind.as_str(), "" | "rollout" | "pre-rollout" | "rollback"));
    if analysis.metrics.is_empty() && !checks && !canary.skip_analysis {
        out.push(
            Diagnostic::warning(
                &f::F021,
                analysis.span,
                "the analysis has no metrics and no rollout, pre-rollout or rollback webhooks: every check passes, so any canary is promoted",
            )
            .with_help("add metrics (request-success-rate, request-duration) or a rollout webhook"),
        );
    }
}

/// F011 beyond rule 2: the target Deployment's pods need longer to become ready than
/// `progressDeadlineSeconds`. Flagger (pkg/canary/deployment_ready.go) gives up on a canary
/// whose Deployment has been Available=False (MinimumReplicasUnavailable) for longer than the
/// deadline, and rolls it back; the canary Deployment is scaled up from 0 at each new revision,
/// so it is unavailable until its first pods are Ready. The time the pods need in a cluster is
/// not knowable; the probes' delays are a lower bound of it.
fn readiness_over_deadline(canary: &Canary, objects: &Objects, out: &mut Vec<Diagnostic>) {
    let Some(target) = canary.target.as_ref() else {
        return;
    };
    let Some(deployment) = objects.kubernetes.iter().find(|o| {
        o.kind == "Deployment"
            && o.meta.name() == target.value
            && (o.meta.namespace.is_none()
                || canary.meta.namespace.is_none()
                || o.meta.namespace == canary.meta.namespace)
    }) else {
        return;
    };
    // A Deployment allowed to have all its pods unavailable never reports
    // MinimumReplicasUnavailable.
    let replicas = path(&deployment.root, &["spec", "replicas"])
        .and_then(Node::as_i64)
        .unwrap_or(1);
    let unavailable = path(
        &deployment.root,
        &["spec", "strategy", "rollingUpdate", "maxUnavailable"],
    );
    let all_may_be_unavailable = unavailable.is_some_and(|u| match u.as_i64() {
        Some(n) => n >= replicas,
        None => u
            .scalar_text()
            .and_then(|t| t.strip_suffix('%').and_then(|p| p.parse::<i64>().ok()))
            .is_some_and(|p| p >= 100),
    });
    if all_may_be_unavailable {
        return;
    }
    let Some((ready, span)) = path(&deployment.root, &["spec", "template"])
        .and_then(crate::check::rollout::earliest_ready)
    else {
        return;
    };
    let deadline = canary
        .progress_deadline_seconds
        .as_ref()
        .map_or(600, |d| d.value);
    if deadline <= 0 || ready < deadline {
        return;
    }
    let mut d = Diagnostic::warning(
        &f::F011,
        span,
        format!(
            "the pods of '{}' need at least {ready}s to become ready, and the canary's progressDeadlineSeconds is {deadline}: Flagger rolls every new revision back",
            target.value
        ),
    )
    .with_help("raise progressDeadlineSeconds above the pods' start-up time");
    if let Some(p) = &canary.progress_deadline_seconds {
        d = d.with_label(p.span, "the deadline");
    }
    out.push(d);
}

/// The metric's node, found again by its span (for fields the IR does not keep).
fn metric_node(canary: &Canary, span: crate::source::Span) -> Node {
    let spec = get(&canary.root, "spec");
    let analysis = spec.and_then(|s| get(s, "analysis").or_else(|| get(s, "canaryAnalysis")));
    seq(analysis.and_then(|a| get(a, "metrics")))
        .iter()
        .find(|m| m.span == span)
        .cloned()
        .unwrap_or_else(|| Node::new(crate::syntax::Value::Null, span))
}
