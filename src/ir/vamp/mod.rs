//! Vamp IR: breeds, scales, blueprints, gateways, conditions, workflows, SLAs and escalations
//! as the user wrote them (short forms expanded), typed and spanned; plus deployments derived
//! from blueprints with Vamp's merge semantics ([`deployment`]).
//!
//! Quantities are exact integers: percentages 0..=100, cpu in millicores, memory in bytes,
//! durations in nanoseconds. Names are newtypes so a breed name cannot be passed where a
//! cluster name is expected.

pub mod deployment;

use crate::source::Span;
use std::fmt;

pub use deployment::{deploy, merge, Deployment};

macro_rules! name_type {
    ($($(#[doc = $doc:literal])* $name:ident;)*) => {$(
        $(#[doc = $doc])*
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> $name {
                $name(s.to_string())
            }
        }
    )*};
}

name_type! {
    /// A breed name such as `sava:1.0.0` (colons and dots allowed).
    BreedName;
    /// A cluster name inside a blueprint.
    ClusterName;
    /// A gateway name: `gw`, `deployment/port` or `deployment/cluster/port`.
    GatewayName;
    /// A blueprint (or deployment request) name.
    BlueprintName;
    /// A deployment name.
    DeploymentName;
    /// A workflow name.
    WorkflowName;
    /// A scale, SLA, escalation or condition name.
    ArtifactName;
    /// A breed port name such as `web`.
    PortName;
}

pub use crate::ir::Spanned;

/// A whole percentage, 0..=100 (Vamp's `Percentage` is an integer).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Percent(pub u8);

impl fmt::Display for Percent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}%", self.0)
    }
}

/// Where a top-level artifact came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Origin {
    /// The whole document.
    pub span: Span,
    /// Index of the document in its file.
    pub document: usize,
}

/// Every Vamp artifact of the project.
#[derive(Debug, Default)]
pub struct Artifacts {
    pub breeds: Vec<Breed>,
    pub blueprints: Vec<Blueprint>,
    /// `kind: deployment` documents: blueprints PUT to `deployments/<name>`, merged in order.
    pub deployment_requests: Vec<Blueprint>,
    pub gateways: Vec<Gateway>,
    pub workflows: Vec<Workflow>,
    pub scales: Vec<Scale>,
    pub slas: Vec<Sla>,
    pub escalations: Vec<Escalation>,
    pub conditions: Vec<Condition>,
    /// Documents holding only `kind` and `name`: the payloads of DELETE requests in Vamp's
    /// recipes. They define nothing.
    pub removals: Vec<Removal>,
    /// Deployments derived by `check`: every `kind: deployment` request merged in file order.
    pub deployments: Vec<Deployment>,
}

impl Artifacts {
    /// A breed by name: breed documents first, then breeds written inline in blueprints,
    /// deployment requests and workflows.
    pub fn breed(&self, name: &str) -> Option<&Breed> {
        use deployment::BreedLookup;
        self.find_breed(name).or_else(|| {
            self.workflows
                .iter()
                .filter_map(|w| w.breed.inline())
                .find(|b| b.name.value.as_str() == name)
        })
    }

    /// The breed a reference or inline definition stands for, if the project defines it.
    pub fn resolve_breed<'a>(&'a self, breed: &'a BreedRef) -> Option<&'a Breed> {
        match breed {
            BreedRef::Inline(b) => Some(b),
            BreedRef::Reference(name) => self.breed(name.value.as_str()),
        }
    }

    pub fn blueprint(&self, name: &str) -> Option<&Blueprint> {
        self.blueprints
            .iter()
            .find(|b| b.name.value.as_str() == name)
    }

    pub fn gateway(&self, name: &str) -> Option<&Gateway> {
        self.gateways.iter().find(|g| g.name.value.as_str() == name)
    }

    pub fn workflow(&self, name: &str) -> Option<&Workflow> {
        self.workflows
            .iter()
            .find(|w| w.name.value.as_str() == name)
    }

    pub fn deployment(&self, name: &str) -> Option<&Deployment> {
        self.deployments.iter().find(|d| d.name.as_str() == name)
    }

    pub fn scale(&self, name: &str) -> Option<&Scale> {
        self.scales
            .iter()
            .find(|s| s.name.as_ref().is_some_and(|n| n.value.as_str() == name))
    }

    /// The scale a reference or inline scale stands for.
    pub fn resolve_scale<'a>(&'a self, scale: &'a ScaleRef) -> Option<&'a Scale> {
        match scale {
            ScaleRef::Inline(s) => Some(s),
            ScaleRef::Reference(name) => self.scale(name.value.as_str()),
        }
    }

    pub fn condition(&self, name: &str) -> Option<&Condition> {
        self.conditions
            .iter()
            .find(|c| c.name.value.as_str() == name)
    }

    /// The definition a route condition stands for (inline, or a `kind: condition` artifact).
    pub fn resolve_condition<'a>(
        &'a self,
        condition: &'a RouteCondition,
    ) -> Option<&'a ConditionDefinition> {
        match condition {
            RouteCondition::Inline(definition) => Some(definition),
            RouteCondition::Reference(name) => {
                self.condition(name.value.as_str()).map(|c| &c.definition)
            }
        }
    }
}

/// A `kind` + `name` document (deletion payload).
#[derive(Clone, Debug, PartialEq)]
pub struct Removal {
    pub kind: crate::dialect::VampKind,
    pub name: Spanned<String>,
    pub origin: Origin,
}

// ---------------------------------------------------------------------------------------------
// Breeds

#[derive(Clone, Debug, PartialEq)]
pub struct Breed {
    pub name: Spanned<BreedName>,
    pub deployable: Deployable,
    pub ports: Vec<Port>,
    pub environment_variables: Vec<EnvironmentVariable>,
    pub constants: Vec<Constant>,
    pub arguments: Vec<Argument>,
    pub dependencies: Vec<Dependency>,
    pub health_checks: Vec<HealthCheck>,
    pub metadata: Metadata,
    /// The whole breed (document or inline map).
    pub span: Span,
    /// Set for top-level breed documents.
    pub origin: Option<Origin>,
}

impl Breed {
    pub fn port(&self, name: &str) -> Option<&Port> {
        self.ports.iter().find(|p| p.name.value.as_str() == name)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Deployable {
    /// `container/docker` unless given.
    pub kind: String,
    pub definition: Spanned<String>,
}

/// A breed given by name or written inline.
#[derive(Clone, Debug, PartialEq)]
pub enum BreedRef {
    Reference(Spanned<BreedName>),
    Inline(Box<Breed>),
}

impl BreedRef {
    pub fn name(&self) -> &BreedName {
        match self {
            BreedRef::Reference(name) => &name.value,
            BreedRef::Inline(breed) => &breed.name.value,
        }
    }

    pub fn name_span(&self) -> Span {
        match self {
            BreedRef::Reference(name) => name.span,
            BreedRef::Inline(breed) => breed.name.span,
        }
    }

    pub fn inline(&self) -> Option<&Breed> {
        match self {
            BreedRef::Inline(breed) => Some(breed),
            BreedRef::Reference(_) => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Protocol {
    Http,
    Tcp,
}

impl Protocol {
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Http => "http",
            Protocol::Tcp => "tcp",
        }
    }
}

/// A trait value: the text as written, and the `$references` found in it.
#[derive(Clone, Debug, PartialEq)]
pub struct TraitValue {
    pub text: Spanned<String>,
    pub references: Vec<ValueReference>,
}

/// A `$reference` inside a trait value (SPEC §7), as the value grammar parses it.
pub use crate::syntax::value::Reference as ValueReference;

#[derive(Clone, Debug, PartialEq)]
pub struct Port {
    pub name: Spanned<PortName>,
    pub value: Option<TraitValue>,
    /// The port number before the `/protocol` suffix; 0 when unassigned or a reference.
    pub number: u32,
    /// `/http` (also the default without suffix) or `/tcp`.
    pub protocol: Protocol,
}

#[derive(Clone, Debug, PartialEq)]
pub struct EnvironmentVariable {
    pub name: Spanned<String>,
    /// `name[ALIAS]`: the name the container sees.
    pub alias: Option<String>,
    /// Empty values must be provided by a blueprint or deployment.
    pub value: Option<TraitValue>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Constant {
    pub name: Spanned<String>,
    pub value: Option<TraitValue>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Argument {
    pub key: Spanned<String>,
    pub value: Spanned<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Dependency {
    pub alias: Spanned<String>,
    pub breed: BreedRef,
}

#[derive(Clone, Debug, PartialEq)]
pub struct HealthCheck {
    pub path: String,
    pub port: Spanned<String>,
    pub initial_delay_ns: u64,
    pub timeout_ns: u64,
    pub interval_ns: u64,
    pub failures: Spanned<i64>,
    pub protocol: String,
    pub span: Span,
}

/// Flattened `metadata` (kept as text; Vamp flattens it to a map of strings and values).
pub type Metadata = Vec<(String, String)>;

// ---------------------------------------------------------------------------------------------
// Scales

#[derive(Clone, Debug, PartialEq)]
pub struct Scale {
    /// Empty for inline scales.
    pub name: Option<Spanned<ArtifactName>>,
    pub cpu_millis: Spanned<i64>,
    pub memory_bytes: Spanned<u64>,
    /// 1 when not given.
    pub instances: Spanned<i64>,
    pub span: Span,
    pub origin: Option<Origin>,
}

/// A scale's quantities without spans (defaults and resolved values).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quantities {
    pub cpu_millis: i64,
    pub memory_bytes: u64,
    pub instances: i64,
}

/// The scale of a workflow that gives none (Vamp's workflow_driver `reference.conf`:
/// instances 1, cpu 0.1, memory 64MB).
pub const WORKFLOW_DEFAULT_SCALE: Quantities = Quantities {
    cpu_millis: 100,
    memory_bytes: 64 * 1024 * 1024,
    instances: 1,
};

impl Scale {
    pub fn quantities(&self) -> Quantities {
        Quantities {
            cpu_millis: self.cpu_millis.value,
            memory_bytes: self.memory_bytes.value,
            instances: self.instances.value,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum ScaleRef {
    Reference(Spanned<ArtifactName>),
    Inline(Scale),
}

// ---------------------------------------------------------------------------------------------
// Gateways and routes

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Sticky {
    Route,
    Instance,
}

/// A gateway port: `9050`, `9050/http`, `8080/tcp`; `number` 0 = assigned by Vamp.
#[derive(Clone, Debug, PartialEq)]
pub struct GatewayPort {
    pub number: u32,
    pub protocol: Protocol,
    /// For a blueprint gateway keyed by name (`web: {port: 8080}`), the key.
    pub name: Option<String>,
    pub span: Span,
}

/// A route condition.
#[derive(Clone, Debug, PartialEq)]
pub enum RouteCondition {
    Inline(ConditionDefinition),
    Reference(Spanned<ArtifactName>),
}

/// A condition's text and its parsed form.
#[derive(Clone, Debug, PartialEq)]
pub struct ConditionDefinition {
    pub text: Spanned<String>,
    pub ast: crate::dialect::vamp::grammar::ConditionAst,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Rewrite {
    pub path: String,
    pub condition: String,
    pub span: Span,
}

/// A route path: 1 to 4 `/`-separated segments (SPEC §5), or a bracketed external address.
#[derive(Clone, Debug, PartialEq)]
pub struct RoutePath {
    pub text: Spanned<String>,
    pub segments: Vec<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Route {
    pub path: RoutePath,
    /// `{reference: name}` routes name another route artifact.
    pub reference: Option<Spanned<String>>,
    pub weight: Option<Spanned<Percent>>,
    pub condition: Option<RouteCondition>,
    pub condition_strength: Option<Spanned<Percent>>,
    pub rewrites: Vec<Rewrite>,
    /// HAProxy balance; `None` = the default (roundrobin for HTTP, leastconn for TCP).
    pub balance: Option<String>,
    /// Vamp 1.0+ route selector (syntax checked, not simulated).
    pub selector: Option<Spanned<String>>,
    pub span: Span,
}

impl Route {
    /// Condition strength with Vamp's default: 100% with a condition, else 0%.
    pub fn effective_condition_strength(&self) -> Percent {
        match (self.condition_strength.as_ref(), self.condition.as_ref()) {
            (Some(s), _) => s.value,
            (None, Some(_)) => Percent(100),
            (None, None) => Percent(0),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Gateway {
    /// Empty for blueprint gateways (named `<deployment>/<port>` on deployment).
    pub name: Spanned<GatewayName>,
    pub port: GatewayPort,
    pub service: Option<GatewayService>,
    pub sticky: Option<Sticky>,
    pub virtual_hosts: Vec<Spanned<String>>,
    pub routes: Vec<Route>,
    /// Vamp 1.0+: routes picked from running workloads by labels etc. (syntax checked, not
    /// simulated).
    pub selector: Option<Spanned<String>>,
    pub deployed: Option<bool>,
    pub metadata: Metadata,
    pub span: Span,
    pub origin: Option<Origin>,
}

impl Gateway {
    /// Three segments name a deployment's internal gateway.
    pub fn is_internal(&self) -> bool {
        self.name.value.0.split('/').count() == 3
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct GatewayService {
    pub host: String,
    pub port: GatewayPort,
}

/// A gateway inside a cluster, keyed by a breed port name (`None`: the anonymous form, valid
/// when the cluster's breeds have exactly one port).
#[derive(Clone, Debug, PartialEq)]
pub struct ClusterGateway {
    pub port: Option<Spanned<PortName>>,
    pub sticky: Option<Spanned<Sticky>>,
    pub virtual_hosts: Vec<Spanned<String>>,
    /// Keyed by service (breed) name.
    pub routes: Vec<Route>,
    pub span: Span,
}

/// A standalone `kind: condition` artifact.
#[derive(Clone, Debug, PartialEq)]
pub struct Condition {
    pub name: Spanned<ArtifactName>,
    pub definition: ConditionDefinition,
    pub origin: Origin,
}

// ---------------------------------------------------------------------------------------------
// Blueprints

#[derive(Clone, Debug, PartialEq)]
pub struct Blueprint {
    pub name: Spanned<BlueprintName>,
    pub clusters: Vec<Cluster>,
    /// External gateways, keyed by port.
    pub gateways: Vec<Gateway>,
    /// `<cluster>.<name>` overrides.
    pub environment_variables: Vec<BlueprintVariable>,
    pub metadata: Metadata,
    /// A deployment request with only a name: deploy the blueprint of that name.
    pub is_reference: bool,
    pub span: Span,
    pub origin: Option<Origin>,
}

impl Blueprint {
    pub fn cluster(&self, name: &str) -> Option<&Cluster> {
        self.clusters.iter().find(|c| c.name.value.as_str() == name)
    }

    pub fn services(&self) -> impl Iterator<Item = &Service> {
        self.clusters.iter().flat_map(|c| c.services.iter())
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct BlueprintVariable {
    pub cluster: String,
    pub name: String,
    pub key: Spanned<String>,
    pub value: Option<TraitValue>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Cluster {
    pub name: Spanned<ClusterName>,
    pub services: Vec<Service>,
    pub gateways: Vec<ClusterGateway>,
    pub sla: Option<SlaRef>,
    pub health_checks: Option<Vec<HealthCheck>>,
    pub network: Option<String>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Service {
    pub breed: BreedRef,
    pub environment_variables: Vec<EnvironmentVariable>,
    pub scale: Option<ScaleRef>,
    pub arguments: Vec<Argument>,
    pub health_checks: Option<Vec<HealthCheck>>,
    pub network: Option<String>,
    pub span: Span,
}

// ---------------------------------------------------------------------------------------------
// Workflows

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WorkflowStatus {
    Starting,
    Running,
    Stopping,
    Suspended,
    Suspending,
    Restarting,
}

/// ISO-8601 period of a time schedule, split as Vamp splits it (date part, time part).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SchedulePeriod {
    pub text: String,
    pub years: i32,
    pub months: i32,
    pub days: i32,
    /// The `T…` part, exact.
    pub time_ns: i128,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Schedule {
    Daemon,
    /// Runs when an event carries all these tags.
    Event {
        tags: Vec<String>,
    },
    Time {
        period: SchedulePeriod,
        /// `None`: now. Otherwise the ISO offset date-time as written, and as Unix ns.
        start: Option<(Spanned<String>, i128)>,
        /// `None`: forever.
        repeat: Option<i64>,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Workflow {
    pub name: Spanned<WorkflowName>,
    pub breed: BreedRef,
    pub status: WorkflowStatus,
    pub schedule: Spanned<Schedule>,
    pub scale: Option<ScaleRef>,
    pub environment_variables: Vec<EnvironmentVariable>,
    pub arguments: Vec<Argument>,
    pub network: Option<String>,
    pub health_checks: Option<Vec<HealthCheck>>,
    pub metadata: Metadata,
    pub origin: Origin,
}

impl Workflow {
    /// The value of an environment variable as written (workflow level).
    pub fn env(&self, name: &str) -> Option<&str> {
        self.environment_variables
            .iter()
            .find(|e| e.name.value == name)
            .and_then(|e| e.value.as_ref())
            .map(|v| v.text.value.as_str())
    }
}

// ---------------------------------------------------------------------------------------------
// SLAs and escalations

#[derive(Clone, Debug, PartialEq)]
pub enum SlaKind {
    /// `response_time_sliding_window`: thresholds in ms, window in s.
    ResponseTimeSlidingWindow {
        upper_ms: i64,
        lower_ms: i64,
        interval_s: i64,
        cooldown_s: i64,
    },
    EscalationOnly,
    /// Any other type; parameters kept as text.
    Generic {
        kind: String,
        parameters: Vec<(String, String)>,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Sla {
    pub name: Option<Spanned<ArtifactName>>,
    pub kind: SlaKind,
    pub escalations: Vec<EscalationRef>,
    pub span: Span,
    pub origin: Option<Origin>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum SlaRef {
    Reference {
        name: Spanned<ArtifactName>,
        escalations: Vec<EscalationRef>,
    },
    Inline(Sla),
}

#[derive(Clone, Debug, PartialEq)]
pub enum EscalationKind {
    ToAll(Vec<EscalationRef>),
    ToOne(Vec<EscalationRef>),
    ScaleInstances {
        minimum: i64,
        maximum: i64,
        scale_by: i64,
        target: Option<Spanned<String>>,
    },
    /// Millicores.
    ScaleCpu {
        minimum: i64,
        maximum: i64,
        scale_by: i64,
        target: Option<Spanned<String>>,
    },
    /// Bytes.
    ScaleMemory {
        minimum: u64,
        maximum: u64,
        scale_by: u64,
        target: Option<Spanned<String>>,
    },
    Generic {
        kind: String,
        parameters: Vec<(String, String)>,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Escalation {
    pub name: Option<Spanned<ArtifactName>>,
    pub kind: EscalationKind,
    pub span: Span,
    pub origin: Option<Origin>,
}

impl Escalation {
    /// The cluster a scale escalation targets, if it names one.
    pub fn target(&self) -> Option<&Spanned<String>> {
        match &self.kind {
            EscalationKind::ScaleInstances { target, .. }
            | EscalationKind::ScaleCpu { target, .. }
            | EscalationKind::ScaleMemory { target, .. } => target.as_ref(),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum EscalationRef {
    Reference(Spanned<ArtifactName>),
    Inline(Escalation),
}
