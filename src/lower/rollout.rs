//! Argo Rollouts and Flagger canaries in a rehearsal (DESIGN §5a): each rollout a scenario
//! deploys (`deploy: [{rollout: NAME}]`, `[{canary: NAME}]`) becomes two workloads —
//! `NAME:stable` (Argo's stable ReplicaSet, Flagger's primary) with the spec's replicas and
//! `NAME:canary` (the new revision) with none until the update — behind one router `NAME`
//! whose two routes the controller (`sim::rollout`) weighs. Traffic names the router
//! (`to: NAME`), behaviors and faults the workloads; the canary also answers to `NAME:TAG`
//! for the update's `to: TAG`, the stable side to `NAME:TAG` of its container image.

use crate::dialect::rollout::read::path;
use crate::ir::rollout_scenario::RolloutKind;
use crate::ir::scenario::Scenario;
use crate::ir::topology::{
    Balance, Deployed, Dialect, Lifecycle, Resources, RolloutDeployment, Route, RouteTo, Router,
    RouterKind, Stickiness, Topology, Workload, FULL_WEIGHT_BP,
};
use crate::ir::{Project, Spanned};
use crate::syntax::Node;

/// Pods per side the rehearsal simulates at most; a larger count is cut to it (S044).
pub const MAX_REPLICAS: i64 = 100_000;

/// Adds the scenario's rollouts to `topology`. A name the project does not define is left
/// out (the check reports it: S040).
pub fn lower(project: &Project, scenario: &Scenario, topology: &mut Topology) {
    for deploy in &scenario.rollouts.deploy {
        let name = &deploy.name.value;
        if topology.rollouts.iter().any(|r| &r.name.value == name) {
            continue; // deployed twice: once is what runs
        }
        let objects = &project.rollouts;
        let (object, replicas, image) = match deploy.kind {
            RolloutKind::Argo => {
                let Some(i) = objects.rollouts.iter().position(|r| r.meta.name() == name) else {
                    continue;
                };
                let rollout = &objects.rollouts[i];
                (i, rollout.replicas(), image_tag(&rollout.root))
            }
            RolloutKind::Flagger => {
                let Some(i) = objects.canaries.iter().position(|c| c.meta.name() == name) else {
                    continue;
                };
                let canary = &objects.canaries[i];
                let replicas = crate::plan::flagger_replicas(
                    canary,
                    objects,
                    &crate::plan::Options::default(),
                );
                (i, replicas, None)
            }
        };
        let replicas = replicas.clamp(0, MAX_REPLICAS) as u32;
        let update_tag = scenario
            .rollouts
            .updates
            .iter()
            .find(|u| &u.rollout.value == name)
            .and_then(|u| u.to.as_ref())
            .map(|t| format!("{name}:{}", t.value));
        let side = |side: &str, instances: u32, alias: Option<String>| Workload {
            name: Spanned::new(format!("{name}:{side}"), deploy.name.span),
            deployment: name.clone(),
            group: name.clone(),
            instances,
            resources: Resources::default(),
            lifecycle: Lifecycle::Orchestrated,
            alias,
        };
        let stable = topology.workloads.len();
        topology.workloads.push(side(
            "stable",
            replicas,
            image.map(|tag| format!("{name}:{tag}")),
        ));
        let canary = topology.workloads.len();
        topology.workloads.push(side("canary", 0, update_tag));
        let route = |workload: usize, weight_bp: u32| Route {
            name: topology.workloads[workload].name.value.clone(),
            weight_bp,
            condition: None,
            condition_strength_bp: 0,
            balance: Balance::RoundRobin,
            target: RouteTo::Workload(workload),
        };
        let routes = vec![route(stable, FULL_WEIGHT_BP), route(canary, 0)];
        let router = topology.routers.len();
        topology.routers.push(Router {
            name: name.clone(),
            span: deploy.name.span,
            kind: RouterKind::Rollout,
            sticky: Stickiness::None,
            routes,
        });
        topology.deployments.push(Deployed {
            name: name.clone(),
            dialect: Dialect::Rollout,
        });
        topology.rollouts.push(RolloutDeployment {
            name: deploy.name.clone(),
            kind: deploy.kind,
            object,
            replicas,
            stable,
            canary,
            router,
            matched_ppm: deploy.matched_ppm.as_ref().map(|m| m.value),
        });
    }
}

/// The tag of the pod template's first container image (`repo/app:blue` ⇒ `blue`).
fn image_tag(root: &Node) -> Option<String> {
    let containers = path(root, &["spec", "template", "spec", "containers"])?;
    let image = containers
        .as_seq()?
        .first()
        .and_then(|c| path(c, &["image"]))?;
    let text = image.as_str()?;
    let last = text.rsplit('/').next()?;
    let (_, tag) = last.split_once(':')?;
    (!tag.is_empty()).then(|| tag.to_owned())
}

/// A field under a Canary's `spec` that the checked IR does not keep (`suspend`, the
/// analysis' `canaryReadyThreshold`, `primaryReadyThreshold`, `mirrorWeight`).
pub fn canary_spec_field<'a>(
    canary: &'a crate::ir::rollout::Canary,
    keys: &[&str],
) -> Option<&'a Node> {
    keys.iter()
        .try_fold(path(&canary.root, &["spec"])?, |n, k| path(n, &[k]))
}

/// Flagger's built-in checks, computed from the canary's requests (FLAGGER.md §5).
pub const FLAGGER_BUILT_INS: [&str; 2] = ["request-success-rate", "request-duration"];

/// A metric an analysis of a deployed rollout uses: its name and where it is written.
#[derive(Clone, Debug, PartialEq)]
pub struct UsedMetric {
    pub name: String,
    pub span: crate::source::Span,
    /// A Flagger built-in (no `templateRef`): the rehearsal measures it without a binding.
    pub built_in: bool,
}

/// The metrics of every analysis a deployed rollout runs (Argo: the background and step
/// templates the project defines; Flagger: `analysis.metrics`), in spec order, each once.
pub fn used_metrics(project: &Project, deployment: &RolloutDeployment) -> Vec<UsedMetric> {
    let objects = &project.rollouts;
    let mut used: Vec<UsedMetric> = Vec::new();
    let mut add = |metric: UsedMetric| {
        if !used.iter().any(|u| u.name == metric.name) {
            used.push(metric);
        }
    };
    match deployment.kind {
        RolloutKind::Argo => {
            let rollout = &objects.rollouts[deployment.object];
            let Some(canary) = &rollout.canary else {
                return used;
            };
            let step_refs = canary.steps.iter().filter_map(|s| match &s.value {
                crate::ir::rollout::Step::Analysis(a) => Some(a),
                _ => None,
            });
            for analysis in canary.analysis.iter().chain(step_refs) {
                for reference in &analysis.templates {
                    let Some(template) = crate::check::rollout::find_template(
                        objects,
                        rollout,
                        &reference.name.value,
                        reference.cluster_scope,
                    ) else {
                        continue;
                    };
                    for metric in &template.metrics {
                        add(UsedMetric {
                            name: metric.name().to_owned(),
                            span: metric.name.as_ref().map_or(metric.span, |n| n.span),
                            built_in: false,
                        });
                    }
                }
            }
        }
        RolloutKind::Flagger => {
            let canary = &objects.canaries[deployment.object];
            for metric in canary.analysis.iter().flat_map(|a| &a.metrics) {
                let Some(name) = &metric.name else { continue };
                add(UsedMetric {
                    name: name.value.clone(),
                    span: name.span,
                    built_in: metric.template_ref.is_none()
                        && FLAGGER_BUILT_INS.contains(&name.value.as_str()),
                });
            }
        }
    }
    used
}
