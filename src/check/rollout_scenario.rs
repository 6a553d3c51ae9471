//! A scenario's rollout fields against what it deploys (issue 12): unknown rollouts (S040,
//! errors: the scenario cannot run), measurements and webhook answers nothing reads (S041,
//! S042), metrics nothing measures (S043), rollouts rehearsed only in part (S044), Argo
//! header/mirror routes without a share of the requests, or shares nothing reads (S045), and
//! A/B canaries whose matched share the scenario leaves unsaid (S046).
//! Runs only for scenarios that deploy a rollout, so other corpora pay nothing for it.

use std::collections::BTreeSet;

use crate::diag::codes::s;
use crate::diag::Diagnostic;
use crate::ir::rollout::{PauseDuration, Step};
use crate::ir::rollout_scenario::RolloutKind;
use crate::ir::scenario::Scenario;
use crate::ir::topology::Topology;
use crate::ir::{Project, Spanned};
use crate::lower::rollout::{used_metrics, MAX_REPLICAS};

/// Steps of one rollout the rehearsal follows at most; later ones are cut (S044).
pub const MAX_STEPS: usize = 10_000;
/// The longest pause the rehearsal waits out: longer ones are cut to it (S044). A year.
pub const MAX_PAUSE_NS: u64 = 366 * 24 * 3600 * 1_000_000_000;

pub fn check(
    project: &Project,
    scenario: &Scenario,
    topology: &Topology,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let plan = &scenario.rollouts;
    if plan.deploy.is_empty()
        && plan.updates.is_empty()
        && plan.promotes.is_empty()
        && plan.aborts.is_empty()
        && plan.measurements.is_empty()
        && plan.webhooks.is_empty()
        && plan.routes.is_empty()
    {
        return;
    }
    for deploy in &plan.deploy {
        let defined = match deploy.kind {
            RolloutKind::Argo => project
                .rollouts
                .rollouts
                .iter()
                .any(|r| r.meta.name() == deploy.name.value),
            RolloutKind::Flagger => project
                .rollouts
                .canaries
                .iter()
                .any(|c| c.meta.name() == deploy.name.value),
        };
        if !defined {
            let (what, names): (&str, Vec<&str>) = match deploy.kind {
                RolloutKind::Argo => (
                    "Rollout",
                    project
                        .rollouts
                        .rollouts
                        .iter()
                        .map(|r| r.meta.name())
                        .collect(),
                ),
                RolloutKind::Flagger => (
                    "Canary",
                    project
                        .rollouts
                        .canaries
                        .iter()
                        .map(|c| c.meta.name())
                        .collect(),
                ),
            };
            diagnostics.push(
                Diagnostic::error(
                    &s::S040,
                    deploy.name.span,
                    format!("no {what} named '{}' in the project", deploy.name.value),
                )
                .with_help(if names.is_empty() {
                    format!("the project defines no {what}")
                } else {
                    format!("{what}s: {}", names.join(", "))
                }),
            );
        }
    }
    let deployed = |name: &Spanned<String>, diagnostics: &mut Vec<Diagnostic>| {
        if !topology.rollouts.iter().any(|r| r.name.value == name.value) {
            let names: Vec<&str> = topology
                .rollouts
                .iter()
                .map(|r| r.name.value.as_str())
                .collect();
            diagnostics.push(
                Diagnostic::error(
                    &s::S040,
                    name.span,
                    format!("the scenario deploys no rollout named '{}'", name.value),
                )
                .with_help(if names.is_empty() {
                    "deploy it first: `deploy: [{rollout: NAME}]` or `[{canary: NAME}]`".to_owned()
                } else {
                    format!("deployed: {}", names.join(", "))
                }),
            );
        }
    };
    for update in &plan.updates {
        deployed(&update.rollout, diagnostics);
    }
    for action in plan.promotes.iter().chain(&plan.aborts) {
        if let Some(name) = &action.rollout {
            deployed(name, diagnostics);
        }
    }
    let used: Vec<_> = topology
        .rollouts
        .iter()
        .flat_map(|d| used_metrics(project, d))
        .collect();
    // Name sets: a scenario's maps and a rollout's metrics may both be huge, and a pairwise
    // `any` over them is quadratic.
    let used_names: BTreeSet<&str> = used.iter().map(|u| u.name.as_str()).collect();
    let measured: BTreeSet<&str> = plan
        .measurements
        .iter()
        .map(|b| b.metric.value.as_str())
        .collect();
    for binding in &plan.measurements {
        if !used_names.contains(binding.metric.value.as_str()) {
            diagnostics.push(
                Diagnostic::warning(
                    &s::S041,
                    binding.metric.span,
                    format!(
                        "no analysis of the deployed rollouts has a metric named '{}': this measurement is never read",
                        binding.metric.value
                    ),
                )
                .with_help(metric_list(&used)),
            );
        }
    }
    for metric in &used {
        if !metric.built_in && !measured.contains(metric.name.as_str()) {
            diagnostics.push(
                Diagnostic::warning(
                    &s::S043,
                    metric.span,
                    format!(
                        "scenario '{}' does not say how metric '{}' measures: every measurement of it is an Error",
                        scenario.name.value, metric.name
                    ),
                )
                .with_label(scenario.name.span, "in this scenario")
                .with_help(format!(
                    "bind it: `measurements: {{{}: error_rate}}` (or success_rate, latency_p99, rate, {{value: 0.97}})",
                    metric.name
                )),
            );
        }
    }
    let hooked: BTreeSet<&str> = topology
        .rollouts
        .iter()
        .filter(|d| d.kind == RolloutKind::Flagger)
        .flat_map(|d| &project.rollouts.canaries[d.object].analysis)
        .flat_map(|a| &a.webhooks)
        .map(|w| w.name.as_str())
        .collect();
    for answer in &plan.webhooks {
        if !hooked.contains(answer.name.value.as_str()) {
            diagnostics.push(Diagnostic::warning(
                &s::S042,
                answer.name.span,
                format!(
                    "no deployed Flagger Canary has a webhook named '{}': this answer is never read",
                    answer.name.value
                ),
            ));
        }
    }
    for deployment in &topology.rollouts {
        partly_rehearsed(project, deployment, diagnostics);
        ab_share_unsaid(project, deployment, diagnostics);
    }
    route_shares(project, scenario, topology, diagnostics);
}

/// S045: each managed route a deployed Argo rollout's steps set needs the share of requests
/// its `match` selects; a share no such route reads is reported too.
fn route_shares(
    project: &Project,
    scenario: &Scenario,
    topology: &Topology,
    diagnostics: &mut Vec<Diagnostic>,
) {
    // In step order for the help text; `stepped_set` and `shared` keep the lookups
    // logarithmic (10,000 steps against a huge `routes` map).
    let mut stepped: Vec<String> = Vec::new();
    let mut stepped_set: BTreeSet<&str> = BTreeSet::new();
    let shared: BTreeSet<&str> = scenario
        .rollouts
        .routes
        .iter()
        .map(|r| r.route.value.as_str())
        .collect();
    for deployment in &topology.rollouts {
        if deployment.kind != RolloutKind::Argo {
            continue;
        }
        let rollout = &project.rollouts.rollouts[deployment.object];
        let Some(canary) = &rollout.canary else {
            continue;
        };
        if canary.traffic_routing.is_none() {
            continue; // the lint's error: route steps need a traffic router
        }
        for step in canary.steps.iter().take(MAX_STEPS) {
            let (name, kind) = match &step.value {
                Step::SetHeaderRoute(name) => (name, "header"),
                Step::SetMirrorRoute(name) => (name, "mirror"),
                _ => continue,
            };
            if !stepped_set.insert(name.as_str()) {
                continue;
            }
            stepped.push(name.clone());
            if !shared.contains(name.as_str()) {
                diagnostics.push(
                    Diagnostic::warning(
                        &s::S045,
                        step.span,
                        format!(
                            "rollout '{}': scenario '{}' does not say what share of the requests {kind} route '{name}' matches: the rehearsal assumes none (the route is set but sends nothing to the canary)",
                            deployment.name.value, scenario.name.value
                        ),
                    )
                    .with_label(scenario.name.span, "in this scenario")
                    .with_help(format!("give it: `routes: {{{name}: 20%}}`")),
                );
            }
        }
    }
    for share in &scenario.rollouts.routes {
        if !stepped_set.contains(share.route.value.as_str()) {
            diagnostics.push(
                Diagnostic::warning(
                    &s::S045,
                    share.route.span,
                    format!(
                        "no setHeaderRoute or setMirrorRoute step of a deployed rollout sets route '{}': this share is never read",
                        share.route.value
                    ),
                )
                .with_help(if stepped.is_empty() {
                    "the deployed rollouts set no managed route".to_owned()
                } else {
                    format!("routes set: {}", stepped.join(", "))
                }),
            );
        }
    }
}

fn metric_list(used: &[crate::lower::rollout::UsedMetric]) -> String {
    if used.is_empty() {
        "the deployed rollouts run no analysis".to_owned()
    } else {
        let names: Vec<&str> = used.iter().map(|u| u.name.as_str()).collect();
        format!("metrics: {}", names.join(", "))
    }
}

/// S044: what of a deployed rollout the rehearsal cannot follow as written.
fn partly_rehearsed(
    project: &Project,
    deployment: &crate::ir::topology::RolloutDeployment,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let objects = &project.rollouts;
    let mut say = |span, message: String| {
        diagnostics.push(Diagnostic::warning(&s::S044, span, message));
    };
    let name = &deployment.name.value;
    match deployment.kind {
        RolloutKind::Argo => {
            let rollout = &objects.rollouts[deployment.object];
            if rollout.replicas() > MAX_REPLICAS {
                say(
                    rollout
                        .replicas
                        .as_ref()
                        .map_or(rollout.meta.span, |r| r.span),
                    format!(
                        "rollout '{name}': {} replicas are rehearsed as {MAX_REPLICAS}",
                        rollout.replicas()
                    ),
                );
            }
            let Some(canary) = &rollout.canary else {
                say(
                    deployment.name.span,
                    format!("rollout '{name}' has no canary strategy: only canaries are rehearsed, its update is not"),
                );
                return;
            };
            if canary.steps.len() > MAX_STEPS {
                say(
                    canary.steps[MAX_STEPS].span,
                    format!("rollout '{name}': {} steps; the rehearsal follows the first {MAX_STEPS} and waits there", canary.steps.len()),
                );
            }
            for step in canary.steps.iter().take(MAX_STEPS) {
                match &step.value {
                    Step::Pause(PauseDuration::Nanos(n)) if *n > MAX_PAUSE_NS => say(
                        step.span,
                        format!("rollout '{name}': a pause longer than a year waits until promoted in the rehearsal"),
                    ),
                    Step::Analysis(analysis) => {
                        for reference in &analysis.templates {
                            if crate::check::rollout::find_template(
                                objects,
                                rollout,
                                &reference.name.value,
                                reference.cluster_scope,
                            )
                            .is_none()
                            {
                                say(
                                    reference.name.span,
                                    format!("rollout '{name}': template '{}' is not in the project, so this analysis step never completes in the rehearsal", reference.name.value),
                                );
                            }
                        }
                    }
                    Step::Experiment | Step::Plugin(_) => say(
                        step.span,
                        format!("rollout '{name}': {} steps are not simulated: the step completes at once", step.value.label()),
                    ),
                    _ => {}
                }
            }
        }
        // sim::rollout::flagger rehearses every strategy and webhook type (FLAGGER.md §3,
        // §6): nothing of a Canary is rehearsed only in part (see `ab_share_unsaid`).
        RolloutKind::Flagger => {}
    }
}

/// S046: a deployed Flagger A/B canary whose matched share the scenario leaves unsaid.
fn ab_share_unsaid(
    project: &Project,
    deployment: &crate::ir::topology::RolloutDeployment,
    diagnostics: &mut Vec<Diagnostic>,
) {
    if deployment.kind != RolloutKind::Flagger {
        return;
    }
    let name = &deployment.name.value;
    let canary = &project.rollouts.canaries[deployment.object];
    let provider = canary.provider.as_deref();
    let Some(analysis) = &canary.analysis else {
        return;
    };
    if analysis.strategy(provider) == crate::ir::rollout::FlaggerStrategy::AbTesting
        && deployment.matched_ppm.is_none()
    {
        diagnostics.push(
            Diagnostic::warning(
                &s::S046,
                deployment.name.span,
                format!("canary '{name}' does A/B testing, but the scenario does not say which share of the requests match its `match`: the rehearsal takes {}%", crate::ir::rollout_scenario::DEFAULT_MATCHED_PPM / 10_000),
            )
            .with_label(analysis.match_span.unwrap_or(analysis.span), "matched requests go to the canary")
            .with_help(format!("say it: `deploy: [{{canary: {name}, matched: 25%}}]`")),
        );
    }
}
