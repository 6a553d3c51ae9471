//! `rehearse plan`: the step-by-step preview of Argo Rollouts and Flagger canaries, without a
//! scenario — which weight, how many canary and stable pods, when each step starts and ends,
//! which analysis runs — with the peers' own arithmetic (`argo`, `flagger`).
//!
//! The plan models the happy path of one update: the stable version runs the full replica
//! count, a new revision starts the canary, pods are ready at once, every check passes.
//!
//! ## JSON (a contract: fields are added, never renamed)
//! ```text
//! {"rollouts": [{
//!   "name":      metadata.name,
//!   "kind":      "argo" | "flagger",
//!   "file":      the file that defines it,
//!   "strategy":  "basic canary" | "traffic-routed canary" | "canary" | "A/B testing" | "blue/green",
//!   "replicas":  the replica count planned with (spec, --replicas, or the target Deployment's),
//!   "interval_s": Flagger only: the tick (analysis.interval, 60 s default, 10 s minimum),
//!   "steps": [{
//!     "index":   Argo: the step index (len(steps) = the final promotion);
//!                Flagger: the tick (0 = the tick that detects the new revision),
//!     "action":  Argo's step label (`setWeight: 20`, `pause: 40s`, ...) or what the tick does,
//!     "weight":  the desired canary weight (Argo GetCurrentSetWeight; Flagger status.canaryWeight,
//!                which A/B testing and blue/green leave at 0),
//!     "traffic_weight": the traffic share the canary actually gets when the step completes:
//!                the router's weight (traffic routing, Flagger) or the canary's share of
//!                ready pods in percent with two decimals (Argo basic canary); for Flagger
//!                A/B testing, the share of the *matched* requests,
//!     "canary_replicas", "stable_replicas": ReplicaSet spec counts when the step completes
//!                (Flagger: the canary Deployment and the primary),
//!     "canary_available", "stable_available": available pods then,
//!     "start_s", "end_s": seconds from the start of the update; `end_s` null when the step
//!                waits for `kubectl argo rollouts promote` (or never ends); later steps then
//!                assume an immediate promotion,
//!     "analysis": analysis runs active during the step,
//!     "note":    what the plan cannot know or what else happens (null when nothing)
//!   }],
//!   "total_s": {"min": earliest completion, "max": latest (null: waits for a human or
//!               never completes)},
//!   "stalls":  true when the rollout can never be promoted (Flagger: no step weight,
//!               maxWeight above 100)
//! }]}
//! ```

pub mod analysis;
pub mod argo;
pub mod flagger;

use crate::dialect::rollout::read::{get, path};
use crate::ir::rollout::{Canary, FlaggerStrategy, Objects, Rollout, Step};
use crate::ir::Project;
use crate::source::SourceMap;
use serde_json::{json, Value};

/// Options of `rehearse plan`.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Only the rollout or canary of this name.
    pub name: Option<String>,
    /// Plan with this many replicas instead of the spec's.
    pub replicas: Option<i64>,
}

/// One row of a plan (see the module documentation for the fields).
#[derive(Clone, Debug, PartialEq)]
pub struct PlanStep {
    pub index: usize,
    pub action: String,
    pub weight: i64,
    pub traffic_weight: f64,
    pub canary_replicas: i64,
    pub stable_replicas: i64,
    pub canary_available: i64,
    pub stable_available: i64,
    pub start_ns: u64,
    pub end_ns: Option<u64>,
    pub analysis: Vec<String>,
    pub note: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct RolloutPlan {
    pub name: String,
    /// `argo` or `flagger`.
    pub kind: &'static str,
    pub file: String,
    pub strategy: &'static str,
    pub replicas: i64,
    pub interval_ns: Option<u64>,
    pub steps: Vec<PlanStep>,
    pub total_min_ns: u64,
    pub total_max_ns: Option<u64>,
    pub stalls: bool,
}

/// The plans of every Argo Rollout (canary strategy) and Flagger Canary of a project, in
/// file order.
pub fn plan(project: &Project, sources: &SourceMap, options: &Options) -> Vec<RolloutPlan> {
    let objects = &project.rollouts;
    let mut plans = Vec::new();
    for rollout in &objects.rollouts {
        if options
            .name
            .as_deref()
            .is_some_and(|n| n != rollout.meta.name())
        {
            continue;
        }
        if let Some(plan) = argo_plan(rollout, objects, sources, options) {
            plans.push(plan);
        }
    }
    for canary in &objects.canaries {
        if options
            .name
            .as_deref()
            .is_some_and(|n| n != canary.meta.name())
        {
            continue;
        }
        if let Some(plan) = flagger_plan(canary, objects, sources, options) {
            plans.push(plan);
        }
    }
    plans
}

fn file_of(sources: &SourceMap, span: crate::source::Span) -> String {
    sources
        .try_get(span.file)
        .map(|f| f.path.clone())
        .unwrap_or_default()
}

fn argo_plan(
    rollout: &Rollout,
    objects: &Objects,
    sources: &SourceMap,
    options: &Options,
) -> Option<RolloutPlan> {
    let canary = rollout.canary.as_ref()?;
    let timing = |index: usize| -> Option<argo::AnalysisTiming> {
        let Step::Analysis(analysis) = &canary.steps.get(index)?.value else {
            return None;
        };
        let mut metrics = Vec::new();
        let mut names = Vec::new();
        for reference in &analysis.templates {
            let template = crate::check::rollout::find_template(
                objects,
                rollout,
                &reference.name.value,
                reference.cluster_scope,
            )?;
            names.push(reference.name.value.clone());
            metrics.extend(template.metrics.iter());
        }
        Some((names, argo::run_time(&metrics)))
    };
    let background = canary.analysis.as_ref().map(|a| {
        (
            a.templates.iter().map(|t| t.name.value.clone()).collect(),
            a.starting_step,
        )
    });
    let argo_options = argo::Options {
        replicas: options.replicas,
    };
    let (rows, total_min, total_max) = argo::plan(rollout, &argo_options, &timing, background);
    Some(RolloutPlan {
        name: rollout.meta.name().to_string(),
        kind: "argo",
        file: file_of(sources, rollout.meta.span),
        strategy: if canary.traffic_routing.is_some() {
            "traffic-routed canary"
        } else {
            "basic canary"
        },
        replicas: options.replicas.unwrap_or_else(|| rollout.replicas()),
        interval_ns: None,
        steps: rows
            .into_iter()
            .map(|r| PlanStep {
                index: r.index,
                action: r.action,
                weight: r.weight,
                traffic_weight: r.traffic_weight,
                canary_replicas: r.canary.spec,
                stable_replicas: r.stable.spec,
                canary_available: r.canary.available,
                stable_available: r.stable.available,
                start_ns: r.start_ns,
                end_ns: r.end_ns,
                analysis: r.analysis,
                note: r.note,
            })
            .collect(),
        total_min_ns: total_min,
        total_max_ns: total_max,
        stalls: false,
    })
}

/// The replica count of a canary's target: `--replicas`, else the target Deployment's
/// `spec.replicas`, else the autoscaler's `minReplicas`, else 1 (Kubernetes' default).
pub(crate) fn flagger_replicas(canary: &Canary, objects: &Objects, options: &Options) -> i64 {
    if let Some(r) = options.replicas {
        return r;
    }
    let spec = get(&canary.root, "spec");
    let named = |key: &str| {
        spec.and_then(|s| path(s, &[key, "name"]))
            .and_then(crate::syntax::Node::scalar_text)
    };
    let find = |kinds: &[&str], name: &str| {
        objects
            .kubernetes
            .iter()
            .find(|o| kinds.contains(&o.kind.as_str()) && o.meta.name() == name)
    };
    if let Some(target) = named("targetRef") {
        if let Some(replicas) = find(&["Deployment", "DaemonSet"], &target)
            .and_then(|d| path(&d.root, &["spec", "replicas"]))
            .and_then(crate::syntax::Node::as_i64)
        {
            return replicas;
        }
    }
    if let Some(scaler) = named("autoscalerRef") {
        if let Some(min) =
            find(&["HorizontalPodAutoscaler", "ScaledObject"], &scaler).and_then(|h| {
                path(&h.root, &["spec", "minReplicas"])
                    .or_else(|| path(&h.root, &["spec", "minReplicaCount"]))
                    .and_then(crate::syntax::Node::as_i64)
            })
        {
            return min;
        }
    }
    1
}

fn flagger_plan(
    canary: &Canary,
    objects: &Objects,
    sources: &SourceMap,
    options: &Options,
) -> Option<RolloutPlan> {
    let replicas = flagger_replicas(canary, objects, options);
    let analysis = canary.analysis.clone().unwrap_or_default();
    let interval = analysis.interval_ns();
    let provider = canary.provider.as_deref();
    let (ticks, stalls) = if canary.skip_analysis || canary.analysis.is_none() {
        (
            vec![flagger::Tick {
                action: "skipAnalysis: promote at once".into(),
                phase: flagger::Phase::Succeeded,
                primary_weight: 100,
                canary_weight: 0,
                status_weight: 0,
                canary_running: false,
                analysed: false,
            }],
            false,
        )
    } else {
        flagger::ticks(&analysis, provider)
    };
    let gates: Vec<&str> = analysis
        .webhooks
        .iter()
        .map(|w| w.kind.as_str())
        .filter(|k| {
            matches!(
                *k,
                "confirm-rollout" | "confirm-promotion" | "confirm-traffic-increase"
            )
        })
        .collect();
    let metrics: Vec<String> = analysis
        .metrics
        .iter()
        .filter_map(|m| m.name.as_ref().map(|n| n.value.clone()))
        .collect();
    let count = ticks.len() as u64;
    let steps = ticks
        .into_iter()
        .enumerate()
        .map(|(i, t)| {
            let start = i as u64 * interval;
            let last = i as u64 + 1 == count;
            let canary_pods = if t.canary_running { replicas } else { 0 };
            PlanStep {
                index: i,
                action: format!("{} ({})", t.action, t.phase.as_str()),
                weight: t.status_weight,
                traffic_weight: t.canary_weight as f64,
                canary_replicas: canary_pods,
                stable_replicas: replicas,
                canary_available: canary_pods,
                stable_available: replicas,
                start_ns: start,
                end_ns: if last && !stalls {
                    Some(start)
                } else if last {
                    None
                } else {
                    Some(start + interval)
                },
                analysis: if t.analysed && !metrics.is_empty() {
                    vec![metrics.join(", ")]
                } else {
                    Vec::new()
                },
                note: None,
            }
        })
        .collect::<Vec<_>>();
    let span_ticks = count.saturating_sub(1);
    Some(RolloutPlan {
        name: canary.meta.name().to_string(),
        kind: "flagger",
        file: file_of(sources, canary.meta.span),
        strategy: match analysis.strategy(provider) {
            FlaggerStrategy::Canary => "canary",
            FlaggerStrategy::AbTesting => "A/B testing",
            FlaggerStrategy::BlueGreen => "blue/green",
        },
        replicas,
        interval_ns: Some(interval),
        steps,
        // Detection happens on the first tick after the change: up to one interval later.
        total_min_ns: span_ticks * interval,
        total_max_ns: (!stalls && gates.is_empty()).then_some((span_ticks + 1) * interval),
        stalls,
    })
}

/// Seconds as JSON: an integer when whole.
fn seconds(ns: u64) -> Value {
    if ns % 1_000_000_000 == 0 {
        json!(ns / 1_000_000_000)
    } else {
        json!(ns as f64 / 1e9)
    }
}

fn number(value: f64) -> Value {
    if value.fract() == 0.0 {
        json!(value as i64)
    } else {
        json!(value)
    }
}

pub fn to_json(plans: &[RolloutPlan]) -> Value {
    json!({
        "rollouts": plans.iter().map(|p| json!({
            "name": p.name,
            "kind": p.kind,
            "file": p.file,
            "strategy": p.strategy,
            "replicas": p.replicas,
            "interval_s": p.interval_ns.map(seconds),
            "steps": p.steps.iter().map(|s| json!({
                "index": s.index,
                "action": s.action,
                "weight": s.weight,
                "traffic_weight": number(s.traffic_weight),
                "canary_replicas": s.canary_replicas,
                "stable_replicas": s.stable_replicas,
                "canary_available": s.canary_available,
                "stable_available": s.stable_available,
                "start_s": seconds(s.start_ns),
                "end_s": s.end_ns.map(seconds),
                "analysis": s.analysis,
                "note": s.note,
            })).collect::<Vec<_>>(),
            "total_s": {"min": seconds(p.total_min_ns), "max": p.total_max_ns.map(seconds)},
            "stalls": p.stalls,
        })).collect::<Vec<_>>()
    })
}

fn duration_text(ns: u64) -> String {
    argo::seconds_text(ns)
}

/// The human table.
pub fn to_human(plans: &[RolloutPlan]) -> String {
    let mut out = String::new();
    if plans.is_empty() {
        out.push_str("no Argo Rollout (canary) or Flagger Canary found\n");
    }
    for p in plans {
        out.push_str(&format!(
            "{} {} ({}, {}) — {} replicas{}\n",
            if p.kind == "argo" {
                "Rollout"
            } else {
                "Canary"
            },
            p.name,
            p.strategy,
            p.file,
            p.replicas,
            p.interval_ns
                .map(|i| format!(", a tick every {}", duration_text(i)))
                .unwrap_or_default()
        ));
        let header = [
            "step", "action", "weight", "traffic", "canary", "stable", "start", "end",
        ];
        let mut rows: Vec<[String; 8]> = vec![header.map(String::from)];
        for s in &p.steps {
            rows.push([
                s.index.to_string(),
                s.action.clone(),
                format!("{}%", s.weight),
                format!("{}%", number(s.traffic_weight)),
                format!("{}/{}", s.canary_available, s.canary_replicas),
                format!("{}/{}", s.stable_available, s.stable_replicas),
                duration_text(s.start_ns),
                match s.end_ns {
                    Some(end) => duration_text(end),
                    None if s.action.starts_with("pause") => "waits for promote".to_string(),
                    None => "unknown".to_string(),
                },
            ]);
        }
        let widths: Vec<usize> = (0..8)
            .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
            .collect();
        for (i, row) in rows.iter().enumerate() {
            let line: Vec<String> = row
                .iter()
                .enumerate()
                .map(|(c, cell)| format!("{cell:<w$}", w = widths[c]))
                .collect();
            out.push_str("  ");
            out.push_str(line.join("  ").trim_end());
            out.push('\n');
            if i > 0 {
                let s = &p.steps[i - 1];
                if !s.analysis.is_empty() {
                    out.push_str(&format!("      analysis: {}\n", s.analysis.join("; ")));
                }
                if let Some(note) = &s.note {
                    out.push_str(&format!("      note: {note}\n"));
                }
            }
        }
        out.push_str(&format!(
            "  total: {} to {}{}\n\n",
            duration_text(p.total_min_ns),
            p.total_max_ns.map_or_else(
                || "no bound (a step waits for promotion or its duration is unknown)".to_string(),
                duration_text
            ),
            if p.stalls { " — never promoted" } else { "" }
        ));
    }
    out.push_str("canary and stable columns: available/spec pods\n");
    out
}
