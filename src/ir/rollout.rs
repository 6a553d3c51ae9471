//! Argo Rollouts and Flagger objects, typed as far as the checks and `rehearse plan` need.
//!
//! Each object keeps its whole document (`root`) beside the typed fields, because the peers'
//! lint rules look at corners (pod template labels, ingress rules) that nothing else reads.
//! Quantities are exact integers: durations in nanoseconds, weights in percent points.

use super::Spanned;
use crate::source::{FileId, Span};
use crate::syntax::Node;
use std::collections::BTreeMap;

/// Every Argo Rollouts and Flagger object of a project.
#[derive(Clone, Debug, Default)]
pub struct Objects {
    pub rollouts: Vec<Rollout>,
    /// AnalysisTemplates and ClusterAnalysisTemplates.
    pub templates: Vec<AnalysisTemplate>,
    pub runs: Vec<AnalysisRun>,
    pub canaries: Vec<Canary>,
    pub metric_templates: Vec<NamedObject>,
    pub alert_providers: Vec<NamedObject>,
    /// Kubernetes objects rollouts and canaries name (Services, Ingresses, VirtualServices,
    /// Deployments, autoscalers), kept whole for the reference checks.
    pub kubernetes: Vec<KubeObject>,
}

/// A Kubernetes object of another kind that a rollout or canary may reference.
#[derive(Clone, Debug)]
pub struct KubeObject {
    pub kind: String,
    pub meta: Meta,
    pub root: Node,
}

/// The kinds kept as [`KubeObject`]s.
pub const REFERENCED_KINDS: &[&str] = &[
    "Service",
    "Ingress",
    "VirtualService",
    "Deployment",
    "DaemonSet",
    "HorizontalPodAutoscaler",
    "ScaledObject",
];

/// `metadata` of an object.
#[derive(Clone, Debug, PartialEq)]
pub struct Meta {
    pub name: Option<Spanned<String>>,
    pub namespace: Option<String>,
    /// The document's span, for findings about the object as a whole.
    pub span: Span,
}

impl Meta {
    pub fn name(&self) -> &str {
        self.name.as_ref().map_or("", |n| n.value.as_str())
    }
}

/// An object checked only against its schema (MetricTemplate, AlertProvider).
#[derive(Clone, Debug)]
pub struct NamedObject {
    pub meta: Meta,
    pub root: Node,
}

/// A Kubernetes IntOrString. Argo resolves every string as a percentage (ARGO.md §1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IntOrPercent {
    Int(i64),
    /// A string: its percentage when it parses (`"25%"` and `"25"` are both 25), else `None`.
    Percent(Option<i64>, String),
}

#[derive(Clone, Debug)]
pub struct Rollout {
    pub meta: Meta,
    pub root: Node,
    /// `spec.replicas`; unset means 1.
    pub replicas: Option<Spanned<i64>>,
    pub min_ready_seconds: Option<i64>,
    /// `spec.progressDeadlineSeconds`; unset means 600.
    pub progress_deadline_seconds: Option<Spanned<i64>>,
    /// `spec.template.metadata.labels`.
    pub template_labels: BTreeMap<String, String>,
    pub canary: Option<CanaryStrategy>,
    pub blue_green: bool,
}

impl Rollout {
    pub fn replicas(&self) -> i64 {
        self.replicas.as_ref().map_or(1, |r| r.value)
    }
}

#[derive(Clone, Debug)]
pub struct CanaryStrategy {
    /// The `canary` mapping's span.
    pub span: Span,
    pub steps: Vec<Spanned<Step>>,
    pub max_surge: Option<Spanned<IntOrPercent>>,
    pub max_unavailable: Option<Spanned<IntOrPercent>>,
    pub canary_service: Option<Spanned<String>>,
    pub stable_service: Option<Spanned<String>>,
    pub traffic_routing: Option<TrafficRouting>,
    /// Background analysis.
    pub analysis: Option<RolloutAnalysis>,
    pub dynamic_stable_scale: bool,
    pub scale_down_delay_seconds: Option<Spanned<i64>>,
    pub abort_scale_down_delay_seconds: Option<i64>,
    pub min_pods_per_replica_set: Option<i64>,
}

#[derive(Clone, Debug)]
pub struct TrafficRouting {
    pub span: Span,
    /// The router keys present (`istio`, `nginx`, `alb`, `smi`, `plugins`, ...), in order.
    pub routers: Vec<String>,
    pub max_traffic_weight: Option<Spanned<i64>>,
    pub managed_routes: Vec<String>,
    /// Ingresses named by the router (nginx `stableIngress`/`stableIngresses`, alb
    /// `ingress`/`ingresses`).
    pub ingresses: Vec<Spanned<String>>,
    /// alb `rootService`.
    pub root_service: Option<Spanned<String>>,
}

impl TrafficRouting {
    pub fn has(&self, router: &str) -> bool {
        self.routers.iter().any(|r| r == router)
    }

    /// `maxTrafficWeight`, default 100.
    pub fn max_weight(&self) -> i64 {
        self.max_traffic_weight.as_ref().map_or(100, |w| w.value)
    }
}

/// A reference to an AnalysisTemplate or ClusterAnalysisTemplate.
#[derive(Clone, Debug, PartialEq)]
pub struct TemplateRef {
    pub name: Spanned<String>,
    pub cluster_scope: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct RolloutAnalysis {
    pub span: Span,
    pub templates: Vec<TemplateRef>,
    /// Arguments passed: name and span.
    pub args: Vec<Spanned<String>>,
    /// Background analysis `startingStep`.
    pub starting_step: Option<i64>,
}

/// A pause's duration as Argo reads it (ARGO.md §1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PauseDuration {
    /// `pause: {}`: until promoted.
    Indefinite,
    Nanos(u64),
    /// Unparseable or negative: the lint's "Duration needs to be greater than 0".
    Invalid,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    SetWeight(i64),
    Pause(PauseDuration),
    Analysis(RolloutAnalysis),
    Experiment,
    SetCanaryScale {
        weight: Option<i64>,
        replicas: Option<i64>,
        match_traffic_weight: bool,
    },
    SetHeaderRoute(String),
    SetMirrorRoute(String),
    Plugin(String),
    /// None, or more than one, of the actions (the lint's "Step must have one of ...").
    Invalid,
}

impl Step {
    /// The label Argo's events use (`CanaryStepString`).
    pub fn label(&self) -> String {
        match self {
            Step::SetWeight(w) => format!("setWeight: {w}"),
            Step::Pause(PauseDuration::Nanos(n)) => {
                format!(
                    "pause: {}",
                    crate::syntax::units::GoDuration::from_nanos(*n as i64).normal_form()
                )
            }
            Step::Pause(_) => "pause".to_string(),
            Step::Analysis(_) => "analysis".to_string(),
            Step::Experiment => "experiment".to_string(),
            Step::SetCanaryScale {
                weight: Some(w), ..
            } => format!("setCanaryScale{{weight: {w}}}"),
            Step::SetCanaryScale {
                replicas: Some(r), ..
            } => format!("setCanaryScale{{replicas: {r}}}"),
            Step::SetCanaryScale { .. } => "setCanaryScale{matchTrafficWeight: true}".to_string(),
            Step::SetHeaderRoute(n) => format!("setHeaderRoute: {n}"),
            Step::SetMirrorRoute(n) => format!("setMirrorRoute: {n}"),
            Step::Plugin(n) => format!("plugin: {n}"),
            Step::Invalid => "invalid".to_string(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct AnalysisTemplate {
    pub meta: Meta,
    pub root: Node,
    /// A ClusterAnalysisTemplate.
    pub cluster: bool,
    /// Declared args: name, and whether it has a default value (`value` or `valueFrom`).
    pub args: Vec<(Spanned<String>, bool)>,
    pub metrics: Vec<Metric>,
    /// `spec.dryRun[].metricName` patterns.
    pub dry_run: Vec<Spanned<String>>,
}

#[derive(Clone, Debug)]
pub struct AnalysisRun {
    pub meta: Meta,
    pub root: Node,
    pub metrics: Vec<Metric>,
}

/// A metric's integer field: its value and span, as written (possibly invalid).
pub type Limit = Option<Spanned<i64>>;

#[derive(Clone, Debug)]
pub struct Metric {
    pub span: Span,
    pub name: Option<Spanned<String>>,
    /// `interval` as written, with its parsed value (None when it does not parse).
    pub interval: Option<(Spanned<String>, Option<u64>)>,
    pub initial_delay: Option<(Spanned<String>, Option<u64>)>,
    /// `count`; a string (`"{{args.n}}"`) is kept as `None` with `count_text`.
    pub count: Limit,
    pub count_text: Option<Spanned<String>>,
    pub failure_limit: Limit,
    pub inconclusive_limit: Limit,
    pub consecutive_error_limit: Limit,
    pub consecutive_success_limit: Limit,
    pub success_condition: Option<Spanned<String>>,
    pub failure_condition: Option<Spanned<String>>,
    /// Provider keys present (`prometheus`, `job`, `web`, ...).
    pub providers: Vec<Spanned<String>>,
}

impl Metric {
    pub fn name(&self) -> &str {
        self.name.as_ref().map_or("", |n| n.value.as_str())
    }

    fn value(limit: &Limit) -> Option<i64> {
        limit.as_ref().map(|l| l.value)
    }

    pub fn failure_limit(&self) -> i64 {
        Metric::value(&self.failure_limit).unwrap_or(0)
    }

    pub fn inconclusive_limit(&self) -> i64 {
        Metric::value(&self.inconclusive_limit).unwrap_or(0)
    }

    pub fn consecutive_error_limit(&self) -> i64 {
        Metric::value(&self.consecutive_error_limit).unwrap_or(4)
    }

    pub fn consecutive_success_limit(&self) -> i64 {
        Metric::value(&self.consecutive_success_limit).unwrap_or(0)
    }

    pub fn interval_ns(&self) -> Option<u64> {
        self.interval.as_ref().and_then(|(_, n)| *n)
    }

    pub fn initial_delay_ns(&self) -> u64 {
        self.initial_delay
            .as_ref()
            .and_then(|(_, n)| *n)
            .unwrap_or(0)
    }

    /// `EffectiveCount`: unset/0 count without interval is 1; with an interval, unbounded
    /// (`None`); otherwise the count. A templated count (`{{args.n}}`) is unknown: `None`.
    pub fn effective_count(&self) -> Option<i64> {
        if self.count_text.is_some() {
            return None;
        }
        match Metric::value(&self.count) {
            None | Some(0) if self.interval.is_none() => Some(1),
            None | Some(0) => None,
            Some(c) => Some(c),
        }
    }
}

/// A Flagger Canary.
#[derive(Clone, Debug)]
pub struct Canary {
    pub meta: Meta,
    pub root: Node,
    pub target: Option<Spanned<String>>,
    pub provider: Option<String>,
    pub progress_deadline_seconds: Option<Spanned<i64>>,
    pub skip_analysis: bool,
    pub analysis: Option<FlaggerAnalysis>,
}

#[derive(Clone, Debug)]
pub struct FlaggerAnalysis {
    pub span: Span,
    /// `interval` as written and its value (None when it does not parse).
    pub interval: Option<(Spanned<String>, Option<u64>)>,
    pub threshold: Option<Spanned<i64>>,
    pub max_weight: Option<Spanned<i64>>,
    pub step_weight: Option<Spanned<i64>>,
    pub step_weights: Option<Spanned<Vec<i64>>>,
    pub step_weight_promotion: Option<i64>,
    pub iterations: Option<Spanned<i64>>,
    pub match_count: usize,
    pub match_span: Option<Span>,
    pub mirror: bool,
    pub metrics: Vec<FlaggerMetric>,
    pub webhooks: Vec<Webhook>,
}

#[derive(Clone, Debug)]
pub struct FlaggerMetric {
    pub span: Span,
    pub name: Option<Spanned<String>>,
    pub interval: Option<(Spanned<String>, Option<u64>)>,
    pub has_query: bool,
    pub template_ref: Option<Spanned<String>>,
    pub threshold_min: Option<f64>,
    pub threshold_max: Option<f64>,
    pub threshold: Option<f64>,
}

#[derive(Clone, Debug)]
pub struct Webhook {
    pub span: Span,
    pub name: String,
    pub kind: String,
    pub url: Option<Spanned<String>>,
}

/// Flagger's deployment strategy (`DeploymentStrategy()`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlaggerStrategy {
    Canary,
    AbTesting,
    BlueGreen,
}

impl FlaggerAnalysis {
    /// The scheduler tick: empty or unparseable ⇒ 60 s; under 10 s ⇒ 10 s.
    pub fn interval_ns(&self) -> u64 {
        const SECOND: u64 = 1_000_000_000;
        match self.interval.as_ref().and_then(|(_, n)| *n) {
            None => 60 * SECOND,
            Some(n) if n < 10 * SECOND => 10 * SECOND,
            Some(n) => n,
        }
    }

    /// `GetAnalysisThreshold`: ≤ 0 ⇒ 1.
    pub fn threshold(&self) -> i64 {
        self.threshold.as_ref().map_or(1, |t| t.value.max(1))
    }

    pub fn step_weight(&self) -> i64 {
        self.step_weight.as_ref().map_or(0, |s| s.value)
    }

    pub fn step_weights(&self) -> &[i64] {
        self.step_weights.as_ref().map_or(&[], |s| &s.value)
    }

    /// `maxWeight()`: with stepWeights, min(100, last); else maxWeight, ≤ 0 ⇒ 100.
    pub fn max_weight(&self) -> i64 {
        if let Some(last) = self.step_weights().last() {
            return (*last).min(100);
        }
        match self.max_weight.as_ref().map(|m| m.value) {
            Some(m) if m > 0 => m,
            _ => 100,
        }
    }

    pub fn iterations(&self) -> i64 {
        self.iterations.as_ref().map_or(0, |i| i.value)
    }

    pub fn strategy(&self, provider: Option<&str>) -> FlaggerStrategy {
        let iterations = self.iterations();
        if provider == Some("kubernetes") {
            return FlaggerStrategy::BlueGreen;
        }
        if iterations > 0 && self.match_count > 0 {
            FlaggerStrategy::AbTesting
        } else if iterations > 0 {
            FlaggerStrategy::BlueGreen
        } else {
            FlaggerStrategy::Canary
        }
    }
}

/// The span of a value no file holds (defaults, tests).
fn nowhere() -> Span {
    Span::point(FileId(0), 0)
}

impl Default for TrafficRouting {
    fn default() -> TrafficRouting {
        TrafficRouting {
            span: nowhere(),
            routers: Vec::new(),
            max_traffic_weight: None,
            managed_routes: Vec::new(),
            ingresses: Vec::new(),
            root_service: None,
        }
    }
}

impl Default for RolloutAnalysis {
    fn default() -> RolloutAnalysis {
        RolloutAnalysis {
            span: nowhere(),
            templates: Vec::new(),
            args: Vec::new(),
            starting_step: None,
        }
    }
}

impl Default for FlaggerAnalysis {
    fn default() -> FlaggerAnalysis {
        FlaggerAnalysis {
            span: nowhere(),
            interval: None,
            threshold: None,
            max_weight: None,
            step_weight: None,
            step_weights: None,
            step_weight_promotion: None,
            iterations: None,
            match_count: 0,
            match_span: None,
            mirror: false,
            metrics: Vec::new(),
            webhooks: Vec::new(),
        }
    }
}
