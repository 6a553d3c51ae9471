//! Argo Rollouts checks over the whole project: every rule of `kubectl argo rollouts lint`
//! (validation.go ValidateRollout and the referenced-resource rules; reference ARGO.md §7) with
//! the lint's message as `peer`, the AnalysisTemplate/AnalysisRun metric validation
//! (utils/analysis/factory.go, ARGO.md §4.6), template references across files and kinds, and
//! the checks beyond both peers (an analysis that cannot decide, fenceposts that resolve to 0).

mod condition;

use crate::diag::codes::r;
use crate::diag::Diagnostic;
use crate::dialect::rollout::read::{get, path, seq};
use crate::ir::rollout::{
    AnalysisTemplate, IntOrPercent, Metric, Objects, PauseDuration, Rollout, RolloutAnalysis, Step,
};
use crate::ir::Project;
use crate::source::Span;
use crate::syntax::Node;
use std::collections::BTreeMap;

pub fn resolve(project: &mut Project, diagnostics: &mut Vec<Diagnostic>) {
    let objects = &project.rollouts;
    for rollout in &objects.rollouts {
        lint(rollout, objects, diagnostics);
    }
    for template in &objects.templates {
        validate_metrics(&template.metrics, template.meta.span, diagnostics);
        cannot_decide(&template.metrics, diagnostics);
    }
    for run in &objects.runs {
        validate_metrics(&run.metrics, run.meta.span, diagnostics);
        cannot_decide(&run.metrics, diagnostics);
    }
}

/// The analysis conditions (R036, R037, and R040 for a constant one). Separate from
/// [`resolve`] because it reads the source text: a plain YAML scalar cut by ` #` is only
/// visible there.
pub fn check_conditions(
    project: &Project,
    sources: &crate::source::SourceMap,
    diagnostics: &mut Vec<Diagnostic>,
) {
    condition::check(&project.rollouts, sources, diagnostics);
}

/// `<path>: Invalid value: <value>: <detail>`, as Kubernetes' field errors print.
fn invalid(path: &str, value: &str, detail: &str) -> String {
    format!("{path}: Invalid value: {value}: {detail}")
}

fn required(path: &str, detail: &str) -> String {
    format!("{path}: Required value: {detail}")
}

fn quoted(s: &str) -> String {
    format!("{s:?}")
}

fn span_at(root: &Node, keys: &[&str]) -> Span {
    let mut node = root;
    for key in keys {
        match get(node, key) {
            Some(child) => node = child,
            None => break,
        }
    }
    node.span
}

fn error(
    code: &'static crate::diag::Code,
    span: Span,
    message: String,
    peer: String,
) -> Diagnostic {
    Diagnostic::error(code, span, message).with_peer(peer)
}

fn lint(rollout: &Rollout, objects: &Objects, out: &mut Vec<Diagnostic>) {
    let root = &rollout.root;
    let spec = get(root, "spec");
    let spec_span = spec.map_or(rollout.meta.span, |s| s.span);
    let field = |key: &str| spec.and_then(|s| get(s, key));

    for key in [
        "replicas",
        "minReadySeconds",
        "revisionHistoryLimit",
        "progressDeadlineSeconds",
    ] {
        if let Some(node) = field(key) {
            if let Some(v) = node.as_i64().filter(|v| *v < 0) {
                out.push(error(
                    &r::R011,
                    node.span,
                    format!("{key} must not be negative"),
                    invalid(
                        &format!("spec.{key}"),
                        &v.to_string(),
                        "must be greater than or equal to 0",
                    ),
                ));
            }
        }
    }

    // Selector and template.
    let workload_ref = field("workloadRef").is_some();
    let selector = field("selector");
    if !workload_ref {
        match selector {
            None => out.push(error(
                &r::R010,
                spec_span,
                "the Rollout has no spec.selector".into(),
                required(
                    "spec.selector",
                    "Rollout has missing field '.spec.selector'",
                ),
            )),
            Some(sel)
                if seq(get(sel, "matchExpressions")).is_empty()
                    && get(sel, "matchLabels")
                        .and_then(Node::as_map)
                        .is_none_or(|m| m.is_empty()) =>
            {
                out.push(error(
                    &r::R010,
                    sel.span,
                    "the selector is empty: it would select every pod".into(),
                    invalid(
                        "spec.selector",
                        "{}",
                        "empty selector is invalid for deployment",
                    ),
                ))
            }
            Some(sel) => {
                let wanted = crate::dialect::rollout::read::labels(get(sel, "matchLabels"));
                let mismatched: Vec<&String> = wanted
                    .iter()
                    .filter(|(k, v)| rollout.template_labels.get(*k) != Some(*v))
                    .map(|(k, _)| k)
                    .collect();
                if !mismatched.is_empty() && field("template").is_some() {
                    out.push(error(
                        &r::R010,
                        span_at(root, &["spec", "template", "metadata"]),
                        format!(
                            "the selector's labels ({}) are not all on the pod template",
                            mismatched
                                .iter()
                                .map(|k| k.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                        invalid(
                            "spec.template.metadata.labels",
                            &format!("{:?}", rollout.template_labels),
                            "`selector` does not match template `labels`",
                        ),
                    ))
                }
            }
        }
    } else if let Some(template) =
        field("template").filter(|t| t.as_map().is_some_and(|m| !m.is_empty()))
    {
        out.push(error(
            &r::R010,
            template.span,
            "a Rollout with workloadRef must not have a template".into(),
            invalid(
                "spec.template",
                "{...}",
                "template must be empty for workload reference rollout",
            ),
        ));
    }

    let min_ready = rollout.min_ready_seconds.unwrap_or(0);
    let deadline = rollout
        .progress_deadline_seconds
        .as_ref()
        .map_or(600, |d| d.value);
    if deadline <= min_ready && deadline >= 0 {
        out.push(error(
            &r::R011,
            rollout
                .progress_deadline_seconds
                .as_ref()
                .map_or(spec_span, |d| d.span),
            format!("progressDeadlineSeconds ({deadline}) must be greater than minReadySeconds ({min_ready})"),
            invalid(
                "spec.progressDeadlineSeconds",
                &deadline.to_string(),
                "must be greater than minReadySeconds",
            ),
        ));
    }

    // Whatever the strategy, new pods must become ready within the deadline.
    longer_than_deadline(rollout, objects, out);

    // Strategy.
    let strategy_span = field("strategy").map_or(spec_span, |s| s.span);
    match (&rollout.canary, rollout.blue_green) {
        (None, false) => {
            out.push(error(
                &r::R012,
                strategy_span,
                "the Rollout has no strategy: set strategy.canary or strategy.blueGreen".into(),
                required(
                    "spec.strategy",
                    "Rollout has missing field '.spec.strategy.canary or .spec.strategy.blueGreen'",
                ),
            ));
            return;
        }
        (Some(_), true) => {
            out.push(error(
                &r::R012,
                strategy_span,
                "a Rollout has one strategy: canary or blueGreen, not both".into(),
                invalid(
                    "spec.strategy",
                    "{...}",
                    "Multiple Strategies can not be listed",
                ),
            ));
            return;
        }
        _ => {}
    }
    let Some(canary) = &rollout.canary else {
        return;
    };
    let canary_node = path(root, &["spec", "strategy", "canary"]);
    let canary_field = |key: &str| canary_node.and_then(|c| get(c, key));

    // maxSurge / maxUnavailable (both default "25").
    let percent_or_int = |v: &Option<crate::ir::Spanned<IntOrPercent>>| match v {
        None => Some(25),
        Some(s) => match &s.value {
            IntOrPercent::Int(i) => Some(*i),
            IntOrPercent::Percent(p, _) => *p,
        },
    };
    if percent_or_int(&canary.max_surge) == Some(0)
        && percent_or_int(&canary.max_unavailable) == Some(0)
    {
        let shown = match canary.max_surge.as_ref().map(|s| &s.value) {
            Some(IntOrPercent::Percent(_, text)) => text.clone(),
            _ => "0".to_string(),
        };
        out.push(
            error(
                &r::R013,
                canary.max_surge.as_ref().map_or(canary.span, |s| s.span),
                "maxSurge and maxUnavailable are both 0: no pod could ever be replaced".into(),
                invalid(
                    "spec.strategy.maxSurge",
                    &shown,
                    "MaxSurge and MaxUnavailable both can not be zero",
                ),
            )
            .with_help("allow a surge (maxSurge: 1) or one unavailable pod (maxUnavailable: 1)"),
        );
    } else {
        fenceposts(rollout, out);
    }

    if let (Some(c), Some(s)) = (&canary.canary_service, &canary.stable_service) {
        if c.value == s.value {
            out.push(
                error(
                    &r::R014,
                    s.span,
                    format!("the canary and stable services are both '{}'", s.value),
                    invalid(
                        "spec.strategy.stableService",
                        &quoted(&s.value),
                        "This rollout uses the same service for the stable and canary services, but two different services are required.",
                    ),
                )
                .with_label(c.span, "the canary service"),
            );
        }
    }

    let routing = canary.traffic_routing.as_ref();
    let routing_span = routing.map_or(canary.span, |t| t.span);
    let has = |router: &str| routing.is_some_and(|t| t.has(router));
    let ping_pong = canary_field("pingPong");
    if let Some(pp) = ping_pong {
        if !(has("alb") || has("istio") || has("plugins")) {
            out.push(error(
                &r::R024,
                pp.span,
                "pingPong needs the ALB, Istio or a plugin traffic router".into(),
                invalid(
                    "spec.strategy.canary.trafficRouting",
                    "{...}",
                    "Ping-pong feature works with the ALB, Istio, and plugin-based traffic routers only",
                ),
            ));
        }
        let ping = get(pp, "pingService")
            .and_then(Node::scalar_text)
            .unwrap_or_default();
        let pong = get(pp, "pongService")
            .and_then(Node::scalar_text)
            .unwrap_or_default();
        if ping.is_empty() || pong.is_empty() {
            out.push(error(
                &r::R024,
                pp.span,
                "pingPong needs pingService and pongService".into(),
                invalid(
                    "spec.strategy.canary.pingPong",
                    "{...}",
                    "Ping service and Pong service must to be set to use Ping-Pong feature",
                ),
            ));
        } else if ping == pong {
            out.push(error(
                &r::R014,
                pp.span,
                format!("the ping and pong services are both '{ping}'"),
                invalid(
                    "spec.strategy.canary.pingPong.pingService",
                    &quoted(&ping),
                    "This rollout uses the same service for the ping and pong services, but two different services are required.",
                ),
            ));
        }
        if has("alb") && routing.is_some_and(|t| t.root_service.is_none()) {
            out.push(error(
                &r::R024,
                routing_span,
                "ALB with pingPong needs trafficRouting.alb.rootService".into(),
                invalid(
                    "spec.strategy.canary.trafficRouting.alb.rootService",
                    "\"\"",
                    "Root service field is required for the configuration with ALB and ping-pong feature enabled",
                ),
            ));
        }
    }

    if let Some(t) = routing {
        let istio_host_split = has("istio")
            && path(
                root,
                &[
                    "spec",
                    "strategy",
                    "canary",
                    "trafficRouting",
                    "istio",
                    "destinationRule",
                ],
            )
            .is_none();
        let needs_services = (has("alb") && ping_pong.is_none())
            || (istio_host_split && ping_pong.is_none())
            || ["smi", "apisix", "ambassador", "nginx", "appMesh", "traefik"]
                .iter()
                .any(|r| has(r));
        if needs_services && (canary.canary_service.is_none() || canary.stable_service.is_none()) {
            out.push(error(
                &r::R015,
                t.span,
                format!(
                    "the {} traffic router needs canaryService and stableService",
                    t.routers.join("/")
                ),
                invalid(
                    "spec.strategy.trafficRouting",
                    "{...}",
                    "Canary service and Stable service must to be set to use Traffic Routing",
                ),
            ));
        }
        if let Some(mw) = &t.max_traffic_weight {
            if !has("nginx") && !has("plugins") {
                out.push(error(
                    &r::R016,
                    mw.span,
                    "maxTrafficWeight only works with the Nginx router and plugins".into(),
                    invalid(
                        "spec.strategy.trafficRouting.maxTrafficWeight",
                        &mw.value.to_string(),
                        "Canary maxTrafficWeight in traffic routing only supported in Nginx and Plugins",
                    ),
                ));
            }
        }
    } else {
        if let Some(d) = &canary.scale_down_delay_seconds {
            out.push(error(
                &r::R016,
                d.span,
                "scaleDownDelaySeconds only applies with trafficRouting".into(),
                invalid(
                    "spec.strategy.scaleDownDelaySeconds",
                    &d.value.to_string(),
                    "Canary scaleDownDelaySeconds can only be used with traffic routing",
                ),
            ));
        }
        if canary.dynamic_stable_scale {
            out.push(error(
                &r::R016,
                canary_field("dynamicStableScale").map_or(canary.span, |n| n.span),
                "dynamicStableScale only applies with trafficRouting".into(),
                invalid(
                    "spec.strategy.dynamicStableScale",
                    "true",
                    "Canary dynamicStableScale can only be used with traffic routing",
                ),
            ));
        }
    }
    if canary.dynamic_stable_scale && canary.scale_down_delay_seconds.is_some() {
        out.push(error(
            &r::R016,
            canary_field("dynamicStableScale").map_or(canary.span, |n| n.span),
            "dynamicStableScale and scaleDownDelaySeconds exclude each other".into(),
            invalid(
                "spec.strategy.dynamicStableScale",
                "true",
                "Canary dynamicStableScale cannot be used with scaleDownDelaySeconds",
            ),
        ));
    }

    steps(rollout, objects, out);
    if let Some(analysis) = &canary.analysis {
        analysis_references(
            rollout,
            analysis,
            true,
            "spec.strategy.canary.analysis",
            objects,
            out,
        );
    }
    referenced_resources(rollout, objects, out);
}

/// The least time, in seconds, a pod of `template` (a pod template: `metadata`, `spec`) needs
/// from its start to Ready, as its probes fix it: a container is not Ready before its
/// readinessProbe's `initialDelaySeconds` plus `(successThreshold - 1) × periodSeconds`, nor
/// before its startupProbe's `initialDelaySeconds`; the pod waits for its slowest container.
/// Image pulls, init containers and the probes' own latency only add to it. With the node
/// that sets it; `None` when no probe delays readiness.
pub(crate) fn earliest_ready(template: &Node) -> Option<(i64, Span)> {
    let containers = seq(path(template, &["spec", "containers"]));
    let mut slowest: Option<(i64, Span)> = None;
    for container in containers {
        for (probe, counts_successes) in [("readinessProbe", true), ("startupProbe", false)] {
            let Some(probe) = get(container, probe) else {
                continue;
            };
            let number = |key: &str| get(probe, key).and_then(Node::as_i64);
            let delay = number("initialDelaySeconds").unwrap_or(0).max(0);
            // Kubernetes (SetDefaults_Probe) replaces a 0 or absent periodSeconds with 10,
            // successThreshold with 1.
            let repeats = if counts_successes {
                (number("successThreshold").unwrap_or(1).max(1) - 1)
                    .saturating_mul(number("periodSeconds").filter(|&p| p > 0).unwrap_or(10))
            } else {
                0
            };
            let least = delay.saturating_add(repeats);
            let span = get(probe, "initialDelaySeconds").map_or(probe.span, |n| n.span);
            if least > 0 && slowest.is_none_or(|(s, _)| least > s) {
                slowest = Some((least, span));
            }
        }
    }
    slowest
}

/// R041. Argo's progress deadline is not a budget for the whole update: it is the longest
/// time without progress (`RolloutTimedOut`: the Progressing condition's lastUpdateTime, moved
/// by every replica count change and step advance, plus progressDeadlineSeconds), and it is
/// not measured at all on pause, analysis and experiment steps (`isIndefiniteStep`,
/// rollout/sync.go). So a plan longer than the deadline is fine. What the spec does fix is the
/// time a new pod needs to become Ready: from the reconcile that creates canary pods to the
/// one that sees the first of them Ready nothing progresses, and when the pods' probes alone
/// take longer than the deadline every update times out (and aborts, with
/// progressDeadlineAbort).
fn longer_than_deadline(rollout: &Rollout, objects: &Objects, out: &mut Vec<Diagnostic>) {
    let template = match path(&rollout.root, &["spec", "template"]) {
        Some(t) => Some(t),
        None => path(&rollout.root, &["spec", "workloadRef", "name"])
            .and_then(Node::scalar_text)
            .and_then(|name| {
                objects
                    .kubernetes
                    .iter()
                    .find(|o| o.kind == "Deployment" && o.meta.name() == name)
            })
            .and_then(|d| path(&d.root, &["spec", "template"])),
    };
    let Some((ready, span)) = template.and_then(earliest_ready) else {
        return;
    };
    let deadline = rollout
        .progress_deadline_seconds
        .as_ref()
        .map_or(600, |d| d.value);
    if deadline < 0 || ready < deadline {
        return;
    }
    let abort = path(&rollout.root, &["spec", "progressDeadlineAbort"])
        .and_then(Node::as_bool)
        .unwrap_or(false);
    let consequence = if abort {
        "every update times out before its first new pod is ready and, with progressDeadlineAbort, is aborted"
    } else {
        "every update times out before its first new pod is ready (ProgressDeadlineExceeded: the rollout shows Degraded until a pod is)"
    };
    let mut d = Diagnostic::warning(
        &r::R041,
        span,
        format!("a new pod needs at least {ready}s to become ready, and progressDeadlineSeconds is {deadline}: {consequence}"),
    )
    .with_help("raise progressDeadlineSeconds above the pods' start-up time (pause and analysis steps do not count against it)");
    if let Some(d_span) = rollout.progress_deadline_seconds.as_ref().map(|d| d.span) {
        d = d.with_label(d_span, "the deadline");
    }
    out.push(d);
}

fn steps(rollout: &Rollout, objects: &Objects, out: &mut Vec<Diagnostic>) {
    let Some(canary) = &rollout.canary else {
        return;
    };
    let routing = canary.traffic_routing.as_ref();
    let has = |router: &str| routing.is_some_and(|t| t.has(router));
    let max_weight = routing.map_or(100, |t| t.max_weight());
    let step_nodes = seq(path(
        &rollout.root,
        &["spec", "strategy", "canary", "steps"],
    ));
    for (i, step) in canary.steps.iter().enumerate() {
        let at = format!("spec.strategy.steps[{i}]");
        let node = step_nodes.get(i);
        let child_span = |key: &str| node.and_then(|n| get(n, key)).map_or(step.span, |c| c.span);
        match &step.value {
            Step::Invalid => out.push(
                error(
                    &r::R017,
                    step.span,
                    "a step must set exactly one action (setWeight, pause, analysis, experiment, setCanaryScale, setHeaderRoute, setMirrorRoute or plugin)".into(),
                    invalid(
                        &at,
                        "{...}",
                        "Step must have one of the following set: experiment, setWeight, setCanaryScale, plugin or pause",
                    ),
                )
                .with_help("split the step into one step per action"),
            ),
            Step::SetWeight(w) if *w < 0 || *w > max_weight => out.push(error(
                &r::R018,
                child_span("setWeight"),
                format!("setWeight {w} is outside 0..={max_weight}"),
                invalid(
                    &format!("{at}.setWeight"),
                    &w.to_string(),
                    &format!("SetWeight needs to be between 0 and {max_weight}"),
                ),
            )),
            Step::Pause(PauseDuration::Invalid) => {
                let span = node
                    .and_then(|n| path(n, &["pause", "duration"]))
                    .map_or(step.span, |d| d.span);
                out.push(
                    error(
                        &r::R019,
                        span,
                        "the pause duration is not a positive number of seconds or a Go duration".into(),
                        invalid(
                            &format!("{at}.pause.duration"),
                            "-1",
                            "Duration needs to be greater than 0",
                        ),
                    )
                    .with_help("write e.g. `duration: 30s`, `duration: 1m30s` or `duration: 30`; `pause: {}` waits for promotion"),
                )
            }
            Step::SetCanaryScale { .. } if routing.is_none() => out.push(error(
                &r::R016,
                child_span("setCanaryScale"),
                "setCanaryScale needs trafficRouting".into(),
                required(
                    "spec.strategy.trafficRouting",
                    "SetCanaryScale requires TrafficRouting to be set",
                ),
            )),
            Step::SetHeaderRoute(name) => {
                if !(has("istio") || has("alb") || has("apisix") || has("plugins")) {
                    out.push(error(
                        &r::R016,
                        child_span("setHeaderRoute"),
                        "setHeaderRoute needs the Istio, ALB, Apisix or a plugin traffic router".into(),
                        invalid(
                            &format!("{at}.setHeaderRoute"),
                            "{...}",
                            "SetHeaderRoute requires TrafficRouting, supports Istio and ALB and Apisix",
                        ),
                    ));
                }
                header_matches(node, &at, has("alb"), out);
                managed_route(name, routing, child_span("setHeaderRoute"), &format!("{at}.setHeaderRoute"), out);
            }
            Step::SetMirrorRoute(name) => {
                if !(has("istio") || has("plugins")) {
                    out.push(error(
                        &r::R016,
                        child_span("setMirrorRoute"),
                        "setMirrorRoute needs the Istio or a plugin traffic router".into(),
                        invalid(
                            &format!("{at}.setMirrorRoute"),
                            "{...}",
                            "SetMirrorRoute requires TrafficRouting, supports Istio and Plugins",
                        ),
                    ));
                }
                managed_route(name, routing, child_span("setMirrorRoute"), &format!("{at}.setMirrorRoute"), out);
            }
            Step::Experiment => {
                let templates = seq(node.and_then(|n| path(n, &["experiment", "templates"])));
                for (j, t) in templates.iter().enumerate() {
                    let Some(weight) = get(t, "weight") else { continue };
                    let w = weight.scalar_text().unwrap_or_default();
                    let p = format!("{at}.experiment.templates[{j}].weight");
                    if routing.is_none() {
                        out.push(error(
                            &r::R016,
                            weight.span,
                            "an experiment template weight needs trafficRouting".into(),
                            invalid(&p, &w, "Experiment template weight cannot be set unless TrafficRouting is enabled"),
                        ));
                    } else if !(has("smi") || has("alb") || has("istio") || has("plugins")) {
                        out.push(error(
                            &r::R016,
                            weight.span,
                            "experiment template weights need the SMI, ALB, Istio or a plugin traffic router".into(),
                            invalid(&p, &w, "Experiment template weight is only available for TrafficRouting with SMI, ALB, Istio and Plugins at this time"),
                        ));
                    }
                }
            }
            Step::Analysis(analysis) => {
                analysis_references(rollout, analysis, false, &format!("{at}.analysis"), objects, out);
            }
            _ => {}
        }
    }
}

fn header_matches(step: Option<&Node>, at: &str, alb: bool, out: &mut Vec<Diagnostic>) {
    let matches = seq(step.and_then(|n| path(n, &["setHeaderRoute", "match"])));
    for (j, m) in matches.iter().enumerate() {
        let Some(value) = get(m, "headerValue") else {
            continue;
        };
        let set: Vec<&str> = ["exact", "regex", "prefix"]
            .into_iter()
            .filter(|k| get(value, k).is_some())
            .collect();
        let p = format!("{at}.setHeaderRoute.match[{j}].headerValue");
        if alb && (set != ["exact"]) {
            out.push(error(
                &r::R020,
                value.span,
                "the ALB router matches headers by `exact` value only".into(),
                invalid(
                    &p,
                    "{...}",
                    "SetHeaderRoute match value invalid. ALB supports 'exact' value only",
                ),
            ));
        } else if !alb && set.len() != 1 {
            out.push(error(
                &r::R020,
                value.span,
                "a header match needs exactly one of exact, regex, prefix".into(),
                invalid(&p, "{...}", "StringMatch match value must have exactly one of the following: exact, regex, prefix"),
            ));
        }
    }
}

fn managed_route(
    name: &str,
    routing: Option<&crate::ir::rollout::TrafficRouting>,
    span: Span,
    at: &str,
    out: &mut Vec<Diagnostic>,
) {
    let Some(t) = routing else { return };
    if t.managed_routes.is_empty() {
        out.push(error(
            &r::R020,
            span,
            "header and mirror route steps need trafficRouting.managedRoutes".into(),
            required(
                "spec.strategy.canary.trafficRouting.managedRoutes",
                "Rollout has missing field 'spec.strategy.canary.trafficRouting.managedRoutes'",
            ),
        ));
    } else if !t.managed_routes.iter().any(|r| r == name) {
        out.push(
            error(
                &r::R020,
                span,
                format!("route '{name}' is not listed in trafficRouting.managedRoutes"),
                invalid(at, &quoted(name), "Steps define a route that does not exist in spec.strategy.canary.trafficRouting.managedRoutes"),
            )
            .with_help(format!("managed routes: {}", t.managed_routes.join(", "))),
        );
    }
}

/// The templates an analysis names, with their metrics: references resolve across files
/// (an AnalysisTemplate in the rollout's namespace, or a ClusterAnalysisTemplate).
pub fn find_template<'a>(
    objects: &'a Objects,
    rollout: &Rollout,
    name: &str,
    cluster: bool,
) -> Option<&'a AnalysisTemplate> {
    objects.templates.iter().find(|t| {
        t.cluster == cluster
            && t.meta.name() == name
            && (cluster
                || t.meta.namespace.is_none()
                || rollout.meta.namespace.is_none()
                || t.meta.namespace == rollout.meta.namespace)
    })
}

fn analysis_references(
    rollout: &Rollout,
    analysis: &RolloutAnalysis,
    background: bool,
    at: &str,
    objects: &Objects,
    out: &mut Vec<Diagnostic>,
) {
    let mut metric_owner: BTreeMap<String, String> = BTreeMap::new();
    let mut declared: Vec<(String, bool)> = Vec::new();
    let mut all_resolved = true;
    for reference in &analysis.templates {
        let kind = if reference.cluster_scope {
            "ClusterAnalysisTemplate"
        } else {
            "AnalysisTemplate"
        };
        let Some(template) = find_template(
            objects,
            rollout,
            &reference.name.value,
            reference.cluster_scope,
        ) else {
            all_resolved = false;
            let other = find_template(
                objects,
                rollout,
                &reference.name.value,
                !reference.cluster_scope,
            );
            let mut d = Diagnostic::warning(
                &r::R032,
                reference.name.span,
                format!("no {kind} named '{}' in the project", reference.name.value),
            );
            d = match other {
                Some(_) if reference.cluster_scope => d.with_help("an AnalysisTemplate has this name: remove `clusterScope: true`"),
                Some(_) => d.with_help("a ClusterAnalysisTemplate has this name: add `clusterScope: true`"),
                None => d.with_help("the controller looks it up when the analysis starts; the rollout fails if it is missing then"),
            };
            out.push(d);
            continue;
        };
        for metric in &template.metrics {
            let name = metric.name().to_string();
            if let Some(previous) =
                metric_owner.insert(name.clone(), template.meta.name().to_string())
            {
                out.push(Diagnostic::error(
                    &r::R035,
                    reference.name.span,
                    format!("metric '{name}' is defined by both '{previous}' and '{}'; one AnalysisRun cannot hold both", template.meta.name()),
                ));
            }
            if !background && metric.effective_count().is_none() && metric.count_text.is_none() {
                let count = metric.count.as_ref().map_or(0, |c| c.value);
                out.push(
                    error(
                        &r::R031,
                        reference.name.span,
                        format!(
                            "metric '{name}' of template '{}' runs forever (interval without count): this step would never complete",
                            template.meta.name()
                        ),
                        invalid(
                            &format!("{at}.templates"),
                            &quoted(template.meta.name()),
                            &format!(
                                "AnalysisTemplate {} has metric {name} which runs indefinitely. Invalid value for count: {count}",
                                template.meta.name()
                            ),
                        ),
                    )
                    .with_label(metric.span, "this metric has no count"),
                );
            }
        }
        declared.extend(template.args.iter().map(|(n, d)| (n.value.clone(), *d)));
    }
    // Arguments: every required one must be passed; a passed one should be declared.
    if all_resolved && !analysis.templates.is_empty() {
        for (name, has_default) in &declared {
            if !has_default && !analysis.args.iter().any(|a| &a.value == name) {
                out.push(
                    Diagnostic::error(
                        &r::R033,
                        analysis.span,
                        format!("the analysis does not pass argument '{name}', which a template requires"),
                    )
                    .with_peer(format!("args.{name} was not resolved"))
                    .with_help("add it under `args:` (with `value` or `valueFrom`)"),
                );
            }
        }
        for arg in &analysis.args {
            if !declared.iter().any(|(n, _)| n == &arg.value) {
                out.push(Diagnostic::warning(
                    &r::R033,
                    arg.span,
                    format!(
                        "no template of this analysis declares argument '{}'",
                        arg.value
                    ),
                ));
            }
        }
    }
}

/// Services, Ingresses the rollout names: existence (beyond the lint, which sees one file),
/// selector labels and ingress backends (the lint's referenced-resource rules).
fn referenced_resources(rollout: &Rollout, objects: &Objects, out: &mut Vec<Diagnostic>) {
    let Some(canary) = &rollout.canary else {
        return;
    };
    // Like the lint, the label and ingress rules read the objects of the rollout's own file;
    // another file's object of the same name is only evidence that it exists.
    let find = |kind: &str, name: &str| {
        let matching = |o: &&crate::ir::rollout::KubeObject| {
            o.kind == kind
                && o.meta.name() == name
                && (o.meta.namespace.is_none()
                    || rollout.meta.namespace.is_none()
                    || o.meta.namespace == rollout.meta.namespace)
        };
        let same_file = objects
            .kubernetes
            .iter()
            .filter(matching)
            .find(|o| o.meta.span.file == rollout.meta.span.file);
        match same_file {
            Some(object) => Some((object, true)),
            None => objects.kubernetes.iter().find(matching).map(|o| (o, false)),
        }
    };
    for (role, service) in [
        ("canaryService", &canary.canary_service),
        ("stableService", &canary.stable_service),
    ] {
        let Some(service) = service else { continue };
        let Some((object, same_file)) = find("Service", &service.value) else {
            out.push(
                Diagnostic::warning(
                    &r::R034,
                    service.span,
                    format!("no Service named '{}' in the project", service.value),
                )
                .with_help("the rollout cannot progress until it exists"),
            );
            continue;
        };
        if !same_file {
            continue;
        }
        let selector =
            crate::dialect::rollout::read::labels(path(&object.root, &["spec", "selector"]));
        for (key, value) in &selector {
            if key == "rollouts-pod-template-hash" {
                continue;
            }
            if rollout.template_labels.get(key) != Some(value) {
                out.push(
                    error(
                        &r::R022,
                        service.span,
                        format!(
                            "Service '{}' selects {key}={value}, which the pod template does not carry",
                            service.value
                        ),
                        invalid(
                            &format!("spec.strategy.canary.{role}"),
                            &quoted(&service.value),
                            &format!("Service {:?} has unmatch label {key:?} in rollout", service.value),
                        ),
                    )
                    .with_label(span_at(&object.root, &["spec", "selector"]), "the Service's selector"),
                );
            }
        }
    }
    let Some(routing) = &canary.traffic_routing else {
        return;
    };
    let backend = routing
        .root_service
        .as_ref()
        .or(canary.stable_service.as_ref())
        .map(|s| s.value.clone());
    if let Some(root_service) = &routing.root_service {
        if find("Service", &root_service.value).is_none() {
            out.push(Diagnostic::warning(
                &r::R034,
                root_service.span,
                format!("no Service named '{}' in the project", root_service.value),
            ));
        }
    }
    // The lint checks the Ingresses of the ALB router (its rootService or stable Service); an
    // Nginx stableIngress may route to a root Service (lint testdata valid-nginx-canary.yml).
    for ingress in &routing.ingresses {
        let alb = routing.has("alb");
        let Some((object, same_file)) = find("Ingress", &ingress.value) else {
            out.push(Diagnostic::warning(
                &r::R034,
                ingress.span,
                format!("no Ingress named '{}' in the project", ingress.value),
            ));
            continue;
        };
        let Some(backend) = &backend else { continue };
        // ALB actions (`alb.ingress.kubernetes.io/actions.<name>` annotations) route by
        // annotation, not by a rule's backend.
        let actions = get(&object.root, "metadata")
            .and_then(|m| get(m, "annotations"))
            .and_then(Node::as_map)
            .is_some_and(|a| {
                a.iter().any(|(k, _)| {
                    k.key_text()
                        .is_some_and(|k| k.starts_with("alb.ingress.kubernetes.io/actions."))
                })
            });
        if alb && same_file && !actions && !ingress_uses(&object.root, backend) {
            out.push(
                error(
                    &r::R023,
                    ingress.span,
                    format!(
                        "Ingress '{}' has no rule sending traffic to Service '{backend}'",
                        ingress.value
                    ),
                    invalid(
                        "spec.strategy.canary.trafficRouting",
                        &quoted(&ingress.value),
                        &format!(
                            "ingress `{}` has no rules using service {backend} backend",
                            ingress.value
                        ),
                    ),
                )
                .with_label(object.meta.span, "the Ingress"),
            );
        }
    }
}

/// Whether an Ingress (networking/v1 or extensions/v1beta1) routes some path to `service`.
fn ingress_uses(root: &Node, service: &str) -> bool {
    let rules = seq(path(root, &["spec", "rules"]));
    rules.iter().any(|rule| {
        seq(path(rule, &["http", "paths"])).iter().any(|p| {
            let v1 = path(p, &["backend", "service", "name"]).and_then(Node::scalar_text);
            let beta = path(p, &["backend", "serviceName"]).and_then(Node::scalar_text);
            v1.or(beta).as_deref() == Some(service)
        })
    })
}

/// R042: both fenceposts resolve to 0 pods although not both configured 0.
fn fenceposts(rollout: &Rollout, out: &mut Vec<Diagnostic>) {
    let Some(canary) = &rollout.canary else {
        return;
    };
    let replicas = rollout.replicas();
    let (surge, unavailable) = crate::plan::argo::resolve_fenceposts_configured(
        canary.max_surge.as_ref().map(|s| &s.value),
        canary.max_unavailable.as_ref().map(|s| &s.value),
        replicas,
    );
    if surge == 0 && unavailable == 0 && replicas > 0 && canary.traffic_routing.is_none() {
        out.push(
            Diagnostic::warning(
                &r::R042,
                canary
                    .max_unavailable
                    .as_ref()
                    .or(canary.max_surge.as_ref())
                    .map_or(canary.span, |s| s.span),
                format!(
                    "with {replicas} replicas maxSurge and maxUnavailable both resolve to 0 pods; Argo then lets 1 pod be unavailable"
                ),
            )
            .with_help("percent surge rounds up and percent unavailable rounds down; set one as an integer"),
        );
    }
}

/// factory.go ValidateMetrics / ValidateMetric: every metric problem, each prefixed
/// `metrics[i]: ` as the peer prints it.
pub fn validate_metrics(metrics: &[Metric], object: Span, out: &mut Vec<Diagnostic>) {
    if metrics.is_empty() {
        out.push(error(
            &r::R030,
            object,
            "no metrics specified".into(),
            "no metrics specified".into(),
        ));
        return;
    }
    let mut seen = std::collections::BTreeSet::new();
    for (i, metric) in metrics.iter().enumerate() {
        let name = metric.name();
        let name_span = metric.name.as_ref().map_or(metric.span, |n| n.span);
        let mut report = |span: Span, text: String| {
            out.push(error(
                &r::R030,
                span,
                text.clone(),
                format!("metrics[{i}]: {text}"),
            ));
        };
        if !seen.insert(name.to_string()) {
            report(name_span, format!("duplicate name '{name}'"));
        }
        let span_of =
            |limit: &crate::ir::rollout::Limit| limit.as_ref().map_or(metric.span, |l| l.span);
        let fl = metric.failure_limit();
        let csl = metric.consecutive_success_limit();
        let il = metric.inconclusive_limit();
        if csl < 0 {
            report(
                span_of(&metric.consecutive_success_limit),
                "consecutiveSuccessLimit must be >= 0".into(),
            );
        }
        if fl < -1 {
            report(
                span_of(&metric.failure_limit),
                "failureLimit must be >= 0, or -1 to be disabled".into(),
            );
        }
        if fl == -1 && csl <= 0 {
            report(
                span_of(&metric.failure_limit),
                "failureLimit and consecutiveSuccessLimit cannot both be disabled".into(),
            );
        }
        if il < 0 {
            report(
                span_of(&metric.inconclusive_limit),
                "inconclusiveLimit must be >= 0".into(),
            );
        }
        if metric.consecutive_error_limit() < 0 {
            report(
                span_of(&metric.consecutive_error_limit),
                "consecutiveErrorLimit must be >= 0".into(),
            );
        }
        let count = if metric.count_text.is_some() {
            0
        } else {
            metric.count.as_ref().map_or(0, |c| c.value)
        };
        if count > 0 {
            let count_span = span_of(&metric.count);
            if fl >= 0 && csl >= 0 && count < fl + csl {
                report(count_span, format!("count ({count}) must be >= failureLimit + consecutiveSuccessLimit ({fl} + {csl}) if both >= 0"));
            } else if csl > 0 && count < csl {
                report(
                    count_span,
                    "count must be >= consecutiveSuccessLimit".into(),
                );
            }
            if count < il {
                report(count_span, "count must be >= inconclusiveLimit".into());
            }
        }
        if count > 1 && metric.interval.is_none() {
            report(
                span_of(&metric.count),
                "interval must be specified when count > 1".into(),
            );
        }
        for (field, value, label) in [
            ("interval", &metric.interval, "interval"),
            ("initialDelay", &metric.initial_delay, "startDelay"),
        ] {
            if let Some((text, None)) = value {
                if !text.value.contains("{{") {
                    report(
                        text.span,
                        format!(
                            "invalid {label} string: time: invalid duration {:?}",
                            text.value
                        ),
                    );
                    let _ = field;
                }
            }
        }
        match metric.providers.len() {
            0 => report(metric.span, "no provider specified".into()),
            1 => {}
            _ => report(
                metric.providers[1].span,
                "multiple providers specified".into(),
            ),
        }
    }
}

/// R040: metrics that cannot decide the way they are meant to.
fn cannot_decide(metrics: &[Metric], out: &mut Vec<Diagnostic>) {
    for metric in metrics {
        let span = metric.name.as_ref().map_or(metric.span, |n| n.span);
        if metric.success_condition.is_none()
            && metric.failure_condition.is_none()
            && !metric
                .providers
                .iter()
                .any(|p| matches!(p.value.as_str(), "job" | "kayenta" | "plugin"))
        {
            out.push(
                Diagnostic::warning(
                    &r::R040,
                    span,
                    format!("metric '{}' has neither successCondition nor failureCondition: every measurement succeeds, so it can never fail", metric.name()),
                )
                .with_help("add e.g. `successCondition: result[0] >= 0.95`"),
            );
            continue;
        }
        let fl = metric.failure_limit();
        if let Some(count) = metric.effective_count() {
            if fl >= 0 && fl >= count && metric.consecutive_success_limit() <= 0 {
                out.push(
                    Diagnostic::warning(
                        &r::R040,
                        metric.failure_limit.as_ref().map_or(span, |l| l.span),
                        format!(
                            "metric '{}' takes {count} measurement(s) but fails only after more than {fl} failures: it can never fail",
                            metric.name()
                        ),
                    )
                    .with_help(format!("set failureLimit below count ({count})")),
                );
            }
        }
    }
}
