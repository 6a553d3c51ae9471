//! Node → typed Argo Rollouts objects. Shapes the schema refuses are read as absent (the schema
//! check has reported them), so later rules never see a value of the wrong type.

use crate::ir::rollout::{
    AnalysisRun, AnalysisTemplate, CanaryStrategy, IntOrPercent, Meta, Metric, PauseDuration,
    Rollout, RolloutAnalysis, Step, TemplateRef, TrafficRouting,
};
use crate::ir::Spanned;
use crate::syntax::{Node, Value};
use std::collections::BTreeMap;

/// A child of a mapping node.
pub fn get<'a>(node: &'a Node, key: &str) -> Option<&'a Node> {
    node.as_map()?.get(key).filter(|n| !n.is_null())
}

/// A child by path (`["spec", "strategy", "canary"]`).
pub fn path<'a>(node: &'a Node, keys: &[&str]) -> Option<&'a Node> {
    keys.iter().try_fold(node, |n, k| get(n, k))
}

pub fn string(node: Option<&Node>) -> Option<Spanned<String>> {
    let node = node?;
    Some(Spanned::new(node.as_str()?.to_string(), node.span))
}

pub fn int(node: Option<&Node>) -> Option<Spanned<i64>> {
    let node = node?;
    Some(Spanned::new(node.as_i64()?, node.span))
}

/// An IntOrString limit: an integer, or a string holding one.
fn int_or_numeric_string(node: Option<&Node>) -> Option<Spanned<i64>> {
    let node = node?;
    let value = match &node.value {
        Value::Int(i) => *i,
        Value::Str(s) => s.trim().parse().ok()?,
        _ => return None,
    };
    Some(Spanned::new(value, node.span))
}

pub fn boolean(node: Option<&Node>) -> bool {
    node.and_then(Node::as_bool).unwrap_or(false)
}

pub fn seq(node: Option<&Node>) -> &[Node] {
    node.and_then(Node::as_seq).unwrap_or(&[])
}

pub fn labels(node: Option<&Node>) -> BTreeMap<String, String> {
    node.and_then(Node::as_map)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.key_text()?, v.scalar_text()?)))
                .collect()
        })
        .unwrap_or_default()
}

/// A Go duration string with its value (None when it does not parse or is negative).
pub fn duration(node: Option<&Node>) -> Option<(Spanned<String>, Option<u64>)> {
    let text = string(node)?;
    let value = crate::syntax::units::parse_go_duration(&text.value)
        .ok()
        .and_then(|d| u64::try_from(d.nanos()).ok());
    Some((text, value))
}

pub fn meta(root: &Node) -> Meta {
    let metadata = get(root, "metadata");
    Meta {
        name: string(metadata.and_then(|m| get(m, "name"))),
        namespace: metadata
            .and_then(|m| get(m, "namespace"))
            .and_then(Node::scalar_text),
        span: root.span,
    }
}

pub fn rollout(root: &Node, meta: Meta) -> Rollout {
    let spec = get(root, "spec");
    let at = |key: &str| spec.and_then(|s| get(s, key));
    let strategy = at("strategy");
    Rollout {
        meta,
        root: root.clone(),
        replicas: int(at("replicas")),
        min_ready_seconds: at("minReadySeconds").and_then(Node::as_i64),
        progress_deadline_seconds: int(at("progressDeadlineSeconds")),
        template_labels: labels(spec.and_then(|s| path(s, &["template", "metadata", "labels"]))),
        canary: strategy.and_then(|s| get(s, "canary")).map(canary),
        blue_green: strategy.and_then(|s| get(s, "blueGreen")).is_some(),
    }
}

fn int_or_percent(node: Option<&Node>) -> Option<Spanned<IntOrPercent>> {
    let node = node?;
    let value = match &node.value {
        Value::Int(i) => IntOrPercent::Int(*i),
        Value::Str(s) => IntOrPercent::Percent(
            s.trim().trim_end_matches('%').parse::<i64>().ok(),
            s.clone(),
        ),
        _ => return None,
    };
    Some(Spanned::new(value, node.span))
}

fn canary(node: &Node) -> CanaryStrategy {
    let at = |key: &str| get(node, key);
    CanaryStrategy {
        span: node.span,
        steps: seq(at("steps"))
            .iter()
            .map(|s| Spanned::new(step(s), s.span))
            .collect(),
        max_surge: int_or_percent(at("maxSurge")),
        max_unavailable: int_or_percent(at("maxUnavailable")),
        canary_service: string(at("canaryService")).filter(|s| !s.value.is_empty()),
        stable_service: string(at("stableService")).filter(|s| !s.value.is_empty()),
        traffic_routing: at("trafficRouting").map(traffic_routing),
        analysis: at("analysis").map(analysis),
        dynamic_stable_scale: boolean(at("dynamicStableScale")),
        scale_down_delay_seconds: int(at("scaleDownDelaySeconds")),
        abort_scale_down_delay_seconds: at("abortScaleDownDelaySeconds").and_then(Node::as_i64),
        min_pods_per_replica_set: at("minPodsPerReplicaSet").and_then(Node::as_i64),
    }
}

fn traffic_routing(node: &Node) -> TrafficRouting {
    let mut routing = TrafficRouting {
        span: node.span,
        ..TrafficRouting::default()
    };
    let Some(map) = node.as_map() else {
        return routing;
    };
    for (key, value) in map.iter() {
        let Some(key) = key.key_text() else { continue };
        match key.as_str() {
            "maxTrafficWeight" => routing.max_traffic_weight = int(Some(value)),
            "managedRoutes" => {
                routing.managed_routes = seq(Some(value))
                    .iter()
                    .filter_map(|r| get(r, "name")?.scalar_text())
                    .collect()
            }
            _ if value.is_null() => {}
            router => {
                routing.routers.push(router.to_string());
                for field in ["stableIngress", "ingress"] {
                    routing.ingresses.extend(string(get(value, field)));
                }
                for field in ["stableIngresses", "ingresses"] {
                    routing.ingresses.extend(
                        seq(get(value, field))
                            .iter()
                            .filter_map(|n| string(Some(n))),
                    );
                }
                if router == "alb" {
                    routing.root_service = string(get(value, "rootService"));
                }
            }
        }
    }
    routing
}

pub fn analysis(node: &Node) -> RolloutAnalysis {
    RolloutAnalysis {
        span: node.span,
        templates: seq(get(node, "templates"))
            .iter()
            .filter_map(|t| {
                Some(TemplateRef {
                    name: string(get(t, "templateName"))?,
                    cluster_scope: boolean(get(t, "clusterScope")),
                })
            })
            .collect(),
        args: seq(get(node, "args"))
            .iter()
            .filter_map(|a| string(get(a, "name")))
            .collect(),
        starting_step: get(node, "startingStep").and_then(Node::as_i64),
    }
}

/// The steps' action keys, in the order Argo tests them.
pub const STEP_ACTIONS: [&str; 8] = [
    "setWeight",
    "pause",
    "analysis",
    "experiment",
    "setCanaryScale",
    "setHeaderRoute",
    "setMirrorRoute",
    "plugin",
];

fn step(node: &Node) -> Step {
    let present: Vec<&str> = STEP_ACTIONS
        .iter()
        .copied()
        .filter(|k| get(node, k).is_some())
        .collect();
    // validation.go: more than one of setWeight/pause/experiment/analysis, or none at all.
    let basic = present
        .iter()
        .filter(|k| matches!(**k, "setWeight" | "pause" | "experiment" | "analysis"))
        .count();
    if present.is_empty() || basic > 1 {
        return Step::Invalid;
    }
    let value = |k: &str| get(node, k);
    match present[0] {
        "setWeight" => value("setWeight")
            .and_then(Node::as_i64)
            .map_or(Step::Invalid, Step::SetWeight),
        "pause" => Step::Pause(pause(value("pause"))),
        "analysis" => Step::Analysis(value("analysis").map(analysis).unwrap_or_default()),
        "experiment" => Step::Experiment,
        "setCanaryScale" => {
            let scs = value("setCanaryScale");
            let field = |k: &str| scs.and_then(|s| get(s, k));
            Step::SetCanaryScale {
                weight: field("weight").and_then(Node::as_i64),
                replicas: field("replicas").and_then(Node::as_i64),
                match_traffic_weight: boolean(field("matchTrafficWeight")),
            }
        }
        "setHeaderRoute" => Step::SetHeaderRoute(name_of(value("setHeaderRoute"))),
        "setMirrorRoute" => Step::SetMirrorRoute(name_of(value("setMirrorRoute"))),
        _ => Step::Plugin(name_of(value("plugin"))),
    }
}

fn name_of(node: Option<&Node>) -> String {
    node.and_then(|n| get(n, "name"))
        .and_then(Node::scalar_text)
        .unwrap_or_default()
}

/// `pause.duration`: int seconds, a string of an integer (seconds), or a Go duration.
pub fn pause(node: Option<&Node>) -> PauseDuration {
    const SECOND: u64 = 1_000_000_000;
    let Some(duration) = node.and_then(|n| get(n, "duration")) else {
        return PauseDuration::Indefinite;
    };
    let seconds = |s: i64| {
        u64::try_from(s)
            .ok()
            .and_then(|s| s.checked_mul(SECOND))
            .map_or(PauseDuration::Invalid, PauseDuration::Nanos)
    };
    match &duration.value {
        Value::Int(i) => seconds(*i),
        Value::Str(s) => match s.trim().parse::<i64>() {
            Ok(i) => seconds(i),
            Err(_) => crate::syntax::units::parse_go_duration(s)
                .ok()
                .and_then(|d| u64::try_from(d.nanos()).ok())
                .map_or(PauseDuration::Invalid, PauseDuration::Nanos),
        },
        _ => PauseDuration::Invalid,
    }
}

pub fn metric(node: &Node) -> Metric {
    let at = |key: &str| get(node, key);
    let count = at("count");
    let count_text = count
        .and_then(Node::as_str)
        .filter(|s| s.trim().parse::<i64>().is_err())
        .map(|s| Spanned::new(s.to_string(), node.span));
    Metric {
        span: node.span,
        name: string(at("name")),
        interval: duration(at("interval")),
        initial_delay: duration(at("initialDelay")),
        count: int_or_numeric_string(count),
        count_text,
        failure_limit: int_or_numeric_string(at("failureLimit")),
        inconclusive_limit: int_or_numeric_string(at("inconclusiveLimit")),
        consecutive_error_limit: int_or_numeric_string(at("consecutiveErrorLimit")),
        consecutive_success_limit: int_or_numeric_string(at("consecutiveSuccessLimit")),
        success_condition: string(at("successCondition")),
        failure_condition: string(at("failureCondition")),
        providers: at("provider")
            .and_then(Node::as_map)
            .map(|m| {
                m.iter()
                    .filter(|(_, v)| !v.is_null())
                    .filter_map(|(k, _)| Some(Spanned::new(k.key_text()?, k.span)))
                    .collect()
            })
            .unwrap_or_default(),
    }
}

pub fn template(root: &Node, meta: Meta, cluster: bool) -> AnalysisTemplate {
    let spec = get(root, "spec");
    let at = |key: &str| spec.and_then(|s| get(s, key));
    AnalysisTemplate {
        meta,
        root: root.clone(),
        cluster,
        args: seq(at("args"))
            .iter()
            .filter_map(|a| {
                let has_default = get(a, "value").is_some() || get(a, "valueFrom").is_some();
                Some((string(get(a, "name"))?, has_default))
            })
            .collect(),
        metrics: seq(at("metrics")).iter().map(metric).collect(),
        dry_run: seq(at("dryRun"))
            .iter()
            .filter_map(|d| string(get(d, "metricName")))
            .collect(),
    }
}

pub fn run(root: &Node, meta: Meta) -> AnalysisRun {
    let spec = get(root, "spec");
    AnalysisRun {
        meta,
        root: root.clone(),
        metrics: seq(spec.and_then(|s| get(s, "metrics")))
            .iter()
            .map(metric)
            .collect(),
    }
}
