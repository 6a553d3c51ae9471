//! What each rollout controller runs, resolved once from the project and the scenario: the
//! steps and their carried settings (`plan::argo::carried_settings`), the analysis metrics
//! with their conditions parsed and their scenario measurement, the operator's actions.

use crate::dialect::rollout::read::path;
use crate::ir::rollout::{IntOrPercent, PauseDuration, Step};
use crate::ir::rollout_scenario::{MeasurementBinding, RolloutKind};
use crate::ir::scenario::Scenario;
use crate::ir::topology::{RolloutDeployment, Topology};
use crate::ir::Project;
use crate::plan::analysis::Limits;
use crate::plan::argo::CanaryScale;
use crate::sim::engine::{Nanos, NANOS_PER_SEC};
use crate::sim::model::{GatewayId, Model, ServiceId};
use crate::syntax::exprlang::{self, Expr};
use std::sync::Arc;

/// The longest window a measurement reads, in seconds (the metric rings are sized by it);
/// a longer interval reads its last hour.
pub const MAX_WINDOW_S: u64 = 3600;
/// The window of a metric without an interval.
pub const DEFAULT_WINDOW_S: u64 = 60;

#[derive(Clone, Debug)]
pub struct RolloutModel {
    pub name: String,
    pub kind: RolloutKind,
    pub stable: ServiceId,
    pub canary: ServiceId,
    pub gateway: GatewayId,
    pub replicas: i64,
    /// When the new revision is applied (`update`); none: the rollout only runs stable.
    pub update_at: Option<Nanos>,
    /// `(at, full)`, sorted by time.
    pub promotes: Vec<(Nanos, bool)>,
    pub aborts: Vec<Nanos>,
    /// Shared so that each reconcile holds its controller's model while it mutates the
    /// world, without copying it.
    pub argo: Option<Arc<ArgoModel>>,
    pub flagger: Option<Arc<super::flagger::FlaggerModel>>,
}

#[derive(Clone, Debug)]
pub struct ArgoModel {
    /// At most `check::rollout_scenario::MAX_STEPS`.
    pub steps: Vec<Step>,
    pub carried: Vec<(i64, Option<CanaryScale>)>,
    pub routed: bool,
    pub max_weight: i64,
    pub max_surge: Option<IntOrPercent>,
    pub max_unavailable: Option<IntOrPercent>,
    pub dynamic_stable_scale: bool,
    pub min_pods_per_replica_set: Option<i64>,
    /// `abortScaleDownDelaySeconds` (default 30 s); `None`: 0, never scaled down.
    pub abort_scale_down_delay: Option<Nanos>,
    pub abort_scale_down_explicit: bool,
    /// `scaleDownDelaySeconds` (default 30 s): the old stable pods after promotion.
    pub scale_down_delay: Nanos,
    /// Per step: an analysis step's metrics (`None`: a template not in the project).
    pub step_metrics: Vec<Option<Vec<MetricModel>>>,
    /// The background analysis' metrics and its starting step.
    pub background: Option<(Vec<MetricModel>, usize)>,
    /// `progressDeadlineSeconds` (default 600 s) and `progressDeadlineAbort` (ARGO.md §1).
    pub progress_deadline: Nanos,
    pub progress_deadline_abort: bool,
    /// `trafficRouting.managedRoutes`, in order (the router tries them in this order, before
    /// the weighted route), each with the share of requests the scenario's `routes` says its
    /// `match` selects, in basis points (`None`: the scenario does not say; none match, S045).
    pub managed_routes: Vec<(String, Option<u32>)>,
    /// Per step: what a setHeaderRoute / setMirrorRoute step does (traffic routing only).
    pub route_steps: Vec<Option<RouteStep>>,
}

/// A setHeaderRoute / setMirrorRoute step on one managed route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RouteStep {
    /// Index into `ArgoModel::managed_routes`.
    pub route: usize,
    pub action: RouteAction,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RouteAction {
    /// A step without `match` removes the route (Argo's istio reconciler).
    Remove,
    /// Matching requests go to the canary, whatever the weight.
    Header,
    /// Matching requests keep the weights in force when the route was set; `percentage`
    /// (default 100) of them are copied to the canary, whose answers nobody receives.
    Mirror { percentage: u32 },
}

#[derive(Clone, Debug)]
pub struct MetricModel {
    pub name: String,
    pub limits: Limits,
    pub interval: Option<Nanos>,
    pub initial_delay: Nanos,
    /// Parsed; a condition that does not parse makes every measurement an Error.
    pub success: Option<Result<Expr, String>>,
    pub failure: Option<Result<Expr, String>>,
    pub binding: Option<MeasurementBinding>,
    pub window_s: u64,
    /// Matched by the template's `dryRun`: its phase does not count for the run.
    pub dry_run: bool,
}

impl MetricModel {
    pub fn new(
        name: &str,
        limits: Limits,
        interval: Option<Nanos>,
        initial_delay: Nanos,
        conditions: (Option<&str>, Option<&str>),
        scenario: &Scenario,
    ) -> MetricModel {
        let window_s = interval.map_or(DEFAULT_WINDOW_S, |i| i.div_ceil(NANOS_PER_SEC).max(1));
        MetricModel {
            name: name.to_owned(),
            limits,
            interval,
            initial_delay,
            success: conditions.0.map(exprlang::parse),
            failure: conditions.1.map(exprlang::parse),
            binding: scenario
                .rollouts
                .measurements
                .iter()
                .find(|b| b.metric.value == name)
                .cloned(),
            window_s: window_s.min(MAX_WINDOW_S),
            dry_run: false,
        }
    }
}

/// Adds the controllers of the scenario's rollouts to `model`.
pub fn add(project: &Project, scenario: &Scenario, topology: &Topology, model: &mut Model) {
    for deployment in &topology.rollouts {
        let built = build(project, scenario, deployment);
        for metric in built.metrics() {
            model.max_window_s = model.max_window_s.max(metric.window_s);
        }
        model.rollouts.push(built);
    }
}

fn build(project: &Project, scenario: &Scenario, d: &RolloutDeployment) -> RolloutModel {
    let name = d.name.value.clone();
    let mine = |target: &Option<crate::ir::Spanned<String>>| {
        target.as_ref().is_none_or(|t| t.value == name)
    };
    let mut promotes: Vec<(Nanos, bool)> = scenario
        .rollouts
        .promotes
        .iter()
        .filter(|p| mine(&p.rollout))
        .map(|p| (p.at_ns, p.full))
        .collect();
    promotes.sort_by_key(|p| p.0);
    let mut aborts: Vec<Nanos> = scenario
        .rollouts
        .aborts
        .iter()
        .filter(|a| mine(&a.rollout))
        .map(|a| a.at_ns)
        .collect();
    aborts.sort_unstable();
    let update_at = scenario
        .rollouts
        .updates
        .iter()
        .filter(|u| u.rollout.value == name)
        .map(|u| u.at_ns)
        .min();
    let mut model = RolloutModel {
        name,
        kind: d.kind,
        stable: d.stable,
        canary: d.canary,
        gateway: d.router,
        replicas: i64::from(d.replicas),
        update_at,
        promotes,
        aborts,
        argo: None,
        flagger: None,
    };
    match d.kind {
        RolloutKind::Argo => model.argo = argo_model(project, scenario, d).map(Arc::new),
        RolloutKind::Flagger => {
            model.flagger = super::flagger::model(project, scenario, d).map(Arc::new);
        }
    }
    model
}

impl RolloutModel {
    fn metrics(&self) -> impl Iterator<Item = &MetricModel> {
        let argo = self.argo.iter().flat_map(|a| {
            a.step_metrics
                .iter()
                .flatten()
                .flatten()
                .chain(a.background.iter().flat_map(|(m, _)| m))
        });
        argo.chain(self.flagger.iter().flat_map(|f| &f.metrics))
    }
}

fn argo_model(project: &Project, scenario: &Scenario, d: &RolloutDeployment) -> Option<ArgoModel> {
    let objects = &project.rollouts;
    let rollout = &objects.rollouts[d.object];
    let canary = rollout.canary.as_ref()?;
    let max_steps = crate::check::rollout_scenario::MAX_STEPS;
    let steps: Vec<Step> = canary
        .steps
        .iter()
        .take(max_steps)
        .map(|s| match &s.value {
            // A pause past the bound waits for the operator (S044 says so).
            Step::Pause(PauseDuration::Nanos(n))
                if *n > crate::check::rollout_scenario::MAX_PAUSE_NS =>
            {
                Step::Pause(PauseDuration::Indefinite)
            }
            other => other.clone(),
        })
        .collect();
    let step_refs: Vec<&Step> = steps.iter().collect();
    let carried = crate::plan::argo::carried_settings(&step_refs);
    let metrics_of = |analysis: &crate::ir::rollout::RolloutAnalysis| -> Option<Vec<MetricModel>> {
        let mut out = Vec::new();
        for reference in &analysis.templates {
            let template = crate::check::rollout::find_template(
                objects,
                rollout,
                &reference.name.value,
                reference.cluster_scope,
            )?;
            let dry = |name: &str| {
                template.dry_run.iter().any(|pattern| {
                    regex::Regex::new(&format!("^(?:{})$", pattern.value))
                        .is_ok_and(|re| re.is_match(name))
                })
            };
            for metric in &template.metrics {
                let mut built = MetricModel::new(
                    metric.name(),
                    Limits::of(metric),
                    metric.interval_ns(),
                    metric.initial_delay_ns(),
                    (
                        metric.success_condition.as_ref().map(|c| c.value.as_str()),
                        metric.failure_condition.as_ref().map(|c| c.value.as_str()),
                    ),
                    scenario,
                );
                built.dry_run = dry(metric.name());
                out.push(built);
            }
        }
        Some(out)
    };
    let step_metrics = steps
        .iter()
        .map(|s| match s {
            Step::Analysis(a) => metrics_of(a),
            _ => None,
        })
        .collect();
    let background = canary.analysis.as_ref().and_then(|a| {
        let start = a
            .starting_step
            .map_or(0, |s| usize::try_from(s).unwrap_or(0));
        metrics_of(a).map(|m| (m, start))
    });
    let seconds = |s: i64| (s.max(0) as u64).saturating_mul(NANOS_PER_SEC);
    let managed_routes: Vec<(String, Option<u32>)> = canary
        .traffic_routing
        .iter()
        .flat_map(|t| &t.managed_routes)
        .map(|name| {
            let share = scenario
                .rollouts
                .routes
                .iter()
                .find(|r| &r.route.value == name)
                .map(|r| (r.share_ppm / 100) as u32);
            (name.clone(), share)
        })
        .collect();
    let route_steps = route_steps(rollout, &steps, &managed_routes);
    Some(ArgoModel {
        progress_deadline: seconds(
            rollout
                .progress_deadline_seconds
                .as_ref()
                .map_or(600, |s| s.value),
        ),
        progress_deadline_abort: path(&rollout.root, &["spec", "progressDeadlineAbort"])
            .and_then(crate::syntax::Node::as_bool)
            .unwrap_or(false),
        managed_routes,
        route_steps,
        carried,
        steps,
        routed: canary.traffic_routing.is_some(),
        max_weight: canary
            .traffic_routing
            .as_ref()
            .map_or(100, |t| t.max_weight())
            .max(1),
        max_surge: canary.max_surge.as_ref().map(|s| s.value.clone()),
        max_unavailable: canary.max_unavailable.as_ref().map(|s| s.value.clone()),
        dynamic_stable_scale: canary.dynamic_stable_scale,
        min_pods_per_replica_set: canary.min_pods_per_replica_set,
        abort_scale_down_delay: match canary.abort_scale_down_delay_seconds {
            Some(0) => None,
            Some(s) => Some(seconds(s)),
            None => Some(seconds(30)),
        },
        abort_scale_down_explicit: canary.abort_scale_down_delay_seconds.is_some_and(|s| s > 0),
        scale_down_delay: seconds(
            canary
                .scale_down_delay_seconds
                .as_ref()
                .map_or(30, |s| s.value),
        ),
        step_metrics,
        background,
    })
}

/// What each setHeaderRoute / setMirrorRoute step does, read from its document (the typed
/// step keeps only the route's name): `match` absent or null removes the route (Argo's istio
/// reconciler, `reconcileVirtualServiceHeaderRoutes` / `...MirrorRoutes`), a mirror's
/// `percentage` defaults to 100. A route `managedRoutes` does not list is left out (the
/// lint reports it).
fn route_steps(
    rollout: &crate::ir::rollout::Rollout,
    steps: &[Step],
    managed: &[(String, Option<u32>)],
) -> Vec<Option<RouteStep>> {
    let nodes = path(&rollout.root, &["spec", "strategy", "canary", "steps"])
        .and_then(crate::syntax::Node::as_seq)
        .unwrap_or(&[]);
    steps
        .iter()
        .enumerate()
        .map(|(i, step)| {
            let (name, key) = match step {
                Step::SetHeaderRoute(name) => (name, "setHeaderRoute"),
                Step::SetMirrorRoute(name) => (name, "setMirrorRoute"),
                _ => return None,
            };
            let route = managed.iter().position(|(n, _)| n == name)?;
            let node = nodes.get(i).and_then(|n| path(n, &[key]));
            let matches = node
                .and_then(|n| path(n, &["match"]))
                .is_some_and(|m| m.as_seq().is_some());
            let action = if !matches {
                RouteAction::Remove
            } else if key == "setHeaderRoute" {
                RouteAction::Header
            } else {
                let percentage = node
                    .and_then(|n| path(n, &["percentage"]))
                    .and_then(crate::syntax::Node::as_i64)
                    .map_or(100, |p| p.clamp(0, 100) as u32);
                RouteAction::Mirror { percentage }
            };
            Some(RouteStep { route, action })
        })
        .collect()
}
