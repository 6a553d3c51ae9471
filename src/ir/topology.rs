//! What a scenario deploys, in one runtime vocabulary for every dialect (DESIGN §5a):
//! - **workloads**: units that serve requests (a Vamp service `name:version`), with their
//!   instances, resources and lifecycle; grouped (a Vamp cluster) for health and scaling;
//! - **routers**: pick a target per request by weight, condition and stickiness (Vamp gateways);
//! - **flows**: requests that fan out (KrakenD endpoints; none is lowered yet);
//! - **controllers**: programs that read the event bus and the metrics and act on routers and
//!   workloads (Vamp workflows running a built-in program), each with when it is activated.
//!
//! Pure data, resolved by a lowering per dialect (`crate::lower`). The checker reports what does
//! not resolve (`check::scenario`); the simulator builds its runtime model from it. Both read
//! the same decisions from here: which routes exist, which controllers run and with which
//! parameters. Names keep their spans so the checker can point at them.

use crate::ir::scenario::Scenario;
use crate::ir::Spanned;
use crate::source::Span;

/// Index into [`Topology::workloads`].
pub type WorkloadIndex = usize;
/// Index into [`Topology::routers`].
pub type RouterIndex = usize;
/// Index into a router's [`Router::routes`].
pub type RouteIndex = usize;

/// The built-in programs, by breed name or `metadata: {rehearse/program: NAME}`.
pub const BUILT_IN_PROGRAMS: &[&str] = &[
    "canary",
    "health",
    "metrics",
    "auto-scaling",
    "traffic",
    "allocation",
];

/// A route weight of 100%, in basis points.
pub const FULL_WEIGHT_BP: u32 = 10_000;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Topology {
    /// The scenario's deployments, in the order `deploy` first names them.
    pub deployments: Vec<Deployed>,
    /// `deploy` steps that name no blueprint of the project (they deploy nothing).
    pub unknown_blueprints: Vec<Spanned<String>>,
    /// Every workload of every deployment, deployment by deployment.
    pub workloads: Vec<Workload>,
    pub groups: Vec<WorkloadGroup>,
    /// Each deployment's routers (a Vamp deployment's external gateways, then its internal
    /// ones), then the project's routers that route to them.
    pub routers: Vec<Router>,
    /// Requests that fan out. No dialect lowers into these yet (KrakenD's will); the
    /// simulator has nothing to run for them.
    pub flows: Vec<Flow>,
    /// Every controller of the project, in order, with what it does in a rehearsal.
    pub controllers: Vec<Controller>,
    /// The scenario's host count; 0 means one host per instance.
    pub hosts: u32,
    /// Deployments whose instances come and go by workflows (Cloudify), with the node
    /// instances as planned at deployment and the policies that watch them.
    pub managed: Vec<ManagedDeployment>,
    /// Cloudify deploy steps whose blueprint file could not be read (the check says why).
    pub unread_blueprints: Vec<Spanned<String>>,
    /// Argo Rollouts and Flagger canaries the scenario deploys (`lower::rollout`), each a
    /// stable and a canary workload behind one router; their controllers run in `sim::rollout`.
    pub rollouts: Vec<RolloutDeployment>,
}

/// A Rollout (or Flagger Canary) as deployed by a scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct RolloutDeployment {
    pub name: Spanned<String>,
    pub kind: crate::ir::rollout_scenario::RolloutKind,
    /// Index into `Project::rollouts.rollouts` (Argo) or `.canaries` (Flagger).
    pub object: usize,
    /// `spec.replicas` (Argo) or the target Deployment's (Flagger), bounded.
    pub replicas: u32,
    pub stable: WorkloadIndex,
    pub canary: WorkloadIndex,
    /// Routes `NAME:stable` (index 0) and `NAME:canary` (index 1).
    pub router: RouterIndex,
    /// The deploy entry's `matched` (a Flagger A/B share, parts per million).
    pub matched_ppm: Option<u64>,
}

/// A deployment of the scenario and the dialect it was lowered from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deployed {
    pub name: String,
    pub dialect: Dialect,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    Vamp,
    Cloudify,
    /// An Argo Rollout or a Flagger Canary.
    Rollout,
}

/// A unit that serves requests.
#[derive(Clone, Debug, PartialEq)]
pub struct Workload {
    /// The name the scenario's behaviors and faults use (Vamp: `name:version`, the breed's
    /// name), spanned where the spec names it.
    pub name: Spanned<String>,
    pub deployment: String,
    /// The group it belongs to in its deployment (Vamp: its cluster).
    pub group: String,
    /// Instances at t = 0; the orchestrator places them on the scenario's hosts.
    pub instances: u32,
    /// Per instance.
    pub resources: Resources,
    pub lifecycle: Lifecycle,
    /// A shorter name that also finds it when no other workload has it (a Cloudify node's
    /// template name beside `deployment/node`).
    pub alias: Option<String>,
}

/// What one instance asks for (nothing when the spec gives no scale).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Resources {
    pub cpu_millis: i64,
    pub memory_bytes: u64,
}

/// How a workload's instances come and go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lifecycle {
    /// Kept at its desired count by the orchestrator (Marathon-like, as Vamp deploys): a
    /// crashed instance is restarted after a delay and is ready after its startup time.
    Orchestrated,
    /// Installed, healed and scaled by workflows (Cloudify): an instance serves only while
    /// `started`, and nothing restarts it by itself.
    Workflows,
}

/// Workloads that belong together (a Vamp cluster), with the router in front of them.
#[derive(Clone, Debug, PartialEq)]
pub struct WorkloadGroup {
    pub deployment: String,
    pub name: String,
    pub workloads: Vec<WorkloadIndex>,
    /// The group's router (Vamp: the cluster's first internal gateway
    /// `deployment/cluster/port`).
    pub router: Option<RouterIndex>,
}

/// Where a router comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RouterKind {
    /// Vamp `deployment/port`, from a blueprint's gateways.
    External,
    /// Vamp `deployment/cluster/port`, one per cluster port.
    Internal,
    /// A `kind: gateway` artifact of the project.
    Project,
    /// `deployment/node`: balances over a Cloudify node's started instances.
    Balancer,
    /// A rollout's traffic split between its stable and canary workloads.
    Rollout,
}

/// Which choice a client keeps across requests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Stickiness {
    #[default]
    None,
    /// A client keeps its route.
    Route,
    /// A client keeps its route and its instance.
    Instance,
}

/// How a route picks one of its target's instances.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Balance {
    #[default]
    RoundRobin,
    LeastConn,
}

/// Picks a route per request.
#[derive(Clone, Debug, PartialEq)]
pub struct Router {
    pub name: String,
    /// The project gateway's name, or the port a deployed gateway comes from.
    pub span: Span,
    pub kind: RouterKind,
    pub sticky: Stickiness,
    /// Routes whose target resolves (others carry no traffic and are left out).
    pub routes: Vec<Route>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Route {
    /// Vamp: `deployment/cluster/service/port`, `deployment/cluster/port` or a gateway name.
    pub name: String,
    /// Basis points (10 000 = 100%).
    pub weight_bp: u32,
    /// The condition's definition (a reference resolved; `None` when it names no condition).
    pub condition: Option<crate::ir::vamp::ConditionDefinition>,
    /// Share of matching requests this route takes, in basis points (the dialect's default
    /// applied).
    pub condition_strength_bp: u32,
    pub balance: Balance,
    pub target: RouteTo,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RouteTo {
    Workload(WorkloadIndex),
    Router(RouterIndex),
}

/// A request that fans out into calls (the shape KrakenD endpoints lower into: sequential or
/// concurrent steps, nested, each leaf calling a router).
#[derive(Clone, Debug, PartialEq)]
pub struct Flow {
    pub name: Spanned<String>,
    pub root: FlowStep,
}

#[derive(Clone, Debug, PartialEq)]
pub enum FlowStep {
    /// One call through a router.
    Call(RouterIndex),
    /// Steps one after the other.
    Sequential(Vec<FlowStep>),
    /// Steps at the same time.
    Concurrent(Vec<FlowStep>),
}

/// A controller and what it does in a rehearsal. Controllers share the simulator's one event
/// bus, metrics store and decision log.
#[derive(Clone, Debug, PartialEq)]
pub struct Controller {
    /// The Vamp workflow's name.
    pub name: Spanned<String>,
    pub activation: Activation,
    pub outcome: ControllerOutcome,
}

/// When a controller runs.
#[derive(Clone, Debug, PartialEq)]
pub enum Activation {
    /// From t = 0, every period of its program.
    Daemon,
    /// When an event carries all these tags.
    Event { tags: Vec<String> },
    /// Every `period` from `start`, `repeat` times (forever when `None`).
    Time {
        period: Period,
        /// `None`: now. Otherwise the ISO offset date-time as written, and as Unix ns.
        start: Option<(Spanned<String>, i128)>,
        repeat: Option<i64>,
    },
}

/// A calendar period: years, months, days and an exact time part.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Period {
    pub years: i32,
    pub months: i32,
    pub days: i32,
    pub time_ns: i128,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ControllerOutcome {
    /// Runs a built-in program.
    Runs(Program),
    /// Suspended, suspending or stopping: it does not run, as in Vamp.
    Stopped,
    /// A JavaScript breed with no built-in program.
    NotSimulated { breed: String },
    /// A built-in program whose parameters do not resolve.
    BadParameter {
        program: &'static str,
        problem: String,
    },
}

/// A built-in program with its parameters (reference/vamp/CANARY.md), read from the
/// workflow's environment variables under the names the Vamp scripts read.
#[derive(Clone, Debug, PartialEq)]
pub enum Program {
    Canary {
        router: RouterIndex,
        old_route: RouteIndex,
        new_route: RouteIndex,
        window_s: u64,
        period_s: u64,
    },
    Health {
        period_s: u64,
    },
    Metrics {
        period_s: u64,
    },
    Allocation {
        period_s: u64,
    },
    AutoScaling {
        router: RouterIndex,
        routes: [RouteIndex; 2],
        workloads: [WorkloadIndex; 2],
        min: u32,
        max: u32,
        period_s: u64,
    },
    /// Sends a request to the router on PORT every PERIOD ms (no schedule of its own).
    Traffic {
        router: RouterIndex,
        period_ms: u64,
    },
}

impl Program {
    /// Whether the controller's activation decides when the program runs.
    pub fn is_scheduled(&self) -> bool {
        !matches!(self, Program::Traffic { .. })
    }
}

impl Controller {
    /// The absolute `start` of a time activation that a scenario without a `clock` cannot
    /// place: such a controller starts at t = 0.
    pub fn start_without_clock<'a>(&'a self, scenario: &Scenario) -> Option<&'a Spanned<String>> {
        match (&self.activation, &scenario.clock) {
            (
                Activation::Time {
                    start: Some((text, _)),
                    ..
                },
                None,
            ) => Some(text),
            _ => None,
        }
    }
}

impl Topology {
    /// Whether host `number` exists (hosts are numbered from 1; any number does when the
    /// scenario does not count them).
    pub fn has_host(&self, number: u32) -> bool {
        self.hosts == 0 || number <= self.hosts
    }

    /// The first workload named `name` (Vamp: `name:version`; Cloudify: `deployment/node`),
    /// else the one workload whose alias (a Cloudify node's name) it is.
    pub fn workload_by_name(&self, name: &str) -> Option<WorkloadIndex> {
        if let Some(found) = self.workloads.iter().position(|w| w.name.value == name) {
            return Some(found);
        }
        let mut aliased = self
            .workloads
            .iter()
            .enumerate()
            .filter(|(_, w)| w.alias.as_deref() == Some(name));
        match (aliased.next(), aliased.next()) {
            (Some((i, _)), None) => Some(i),
            _ => None,
        }
    }

    /// A managed (Cloudify) node by `deployment/node`, or by `node` when one deployment
    /// alone has it: (deployment, node).
    pub fn managed_node(&self, name: &str) -> Option<(usize, usize)> {
        let w = self.workload_by_name(name)?;
        self.managed
            .iter()
            .enumerate()
            .find_map(|(d, m)| m.nodes.iter().position(|n| n.workload == w).map(|n| (d, n)))
    }

    /// A planned node instance by `deployment/node_n`, or by `node_n` when one deployment
    /// alone has it: (deployment, instance).
    pub fn managed_instance(&self, name: &str) -> Option<(usize, usize)> {
        let (deployment, id) = match name.split_once('/') {
            Some((d, id)) => (Some(d), id),
            None => (None, name),
        };
        let mut found = self.managed.iter().enumerate().filter_map(|(d, m)| {
            if deployment.is_some_and(|want| want != m.name) {
                return None;
            }
            m.instances.iter().position(|i| i.id == id).map(|i| (d, i))
        });
        match (found.next(), found.next()) {
            (Some(hit), None) => Some(hit),
            _ => None,
        }
    }

    /// The workload `name` of `group` in `deployment`.
    pub fn workload_in(&self, deployment: &str, group: &str, name: &str) -> Option<WorkloadIndex> {
        self.workloads
            .iter()
            .position(|w| w.deployment == deployment && w.group == group && w.name.value == name)
    }

    pub fn router_by_name(&self, name: &str) -> Option<RouterIndex> {
        self.routers.iter().position(|r| r.name == name)
    }

    /// The route `name` of a router.
    pub fn route_by_name(&self, router: RouterIndex, name: &str) -> Option<RouteIndex> {
        self.routers
            .get(router)?
            .routes
            .iter()
            .position(|r| r.name == name)
    }

    /// Whether any router has a route named `name`.
    pub fn has_route(&self, name: &str) -> bool {
        self.routers
            .iter()
            .any(|g| g.routes.iter().any(|r| r.name == name))
    }
}

/// A deployment whose node instances are created, healed and scaled by workflows (Cloudify,
/// reference/cloudify/POLICIES.md), lowered from a blueprint and its inputs.
#[derive(Clone, Debug, PartialEq)]
pub struct ManagedDeployment {
    pub name: String,
    /// Index into `Project::cloudify`.
    pub blueprint: usize,
    /// Runs the install workflow from t = 0; otherwise every instance is started at t = 0.
    pub install: bool,
    /// The blueprint's nodes, in its order.
    pub nodes: Vec<ManagedNode>,
    /// The node instances as Cloudify plans them, ids `<node>_<n>` (n from 1 per node).
    pub instances: Vec<PlannedInstance>,
    pub scaling_groups: Vec<ScalingGroupPlan>,
    /// The monitoring policies of the blueprint's groups (the deployment's controllers).
    pub policies: Vec<PolicyPlan>,
    /// The blueprint's workflows and their parameter declarations: (name, [(parameter,
    /// has a default or is optional)]).
    pub workflows: Vec<(String, Vec<(String, bool)>)>,
}

/// A node template at runtime.
#[derive(Clone, Debug, PartialEq)]
pub struct ManagedNode {
    pub name: String,
    pub workload: WorkloadIndex,
    /// The router `deployment/node` that balances over its started instances.
    pub router: RouterIndex,
    /// Derived from `cloudify.nodes.Compute`.
    pub is_host: bool,
    pub contained_in: Option<usize>,
    /// Every relationship in declaration order (`contained_in` included).
    pub relationships: Vec<ManagedRelationship>,
    /// Instances per container instance (or in all, at the top), per scaling-group instance.
    pub per_parent: u32,
    /// `max_instances`, when bounded.
    pub max_instances: Option<i64>,
    /// Set when the node defines `cloudify.interfaces.monitoring.start` (or a
    /// `monitoring_agent` operation).
    pub monitoring: Option<MonitoringPlan>,
    /// Durations of create, configure, start, stop and delete (scenario `operations`).
    pub operations_ns: [u64; 5],
}

#[derive(Clone, Debug, PartialEq)]
pub struct ManagedRelationship {
    pub target: usize,
    pub contained_in: bool,
}

/// What an instance of a monitored node publishes.
#[derive(Clone, Debug, PartialEq)]
pub struct MonitoringPlan {
    /// One event per service every interval, in this order.
    pub services: Vec<MonitoredService>,
    pub interval_ns: u64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct MonitoredService {
    pub service: String,
    pub value: crate::ir::scenario::MetricValue,
}

/// A node instance of the deployment plan.
#[derive(Clone, Debug, PartialEq)]
pub struct PlannedInstance {
    pub id: String,
    pub node: usize,
    /// The instance of the container node it is contained in.
    pub parent: Option<usize>,
    /// The scaling-group instance it belongs to: (group, serial from 1).
    pub group: Option<(usize, u32)>,
}

/// A scaling group (`policies: {type: cloudify.policies.scaling}` on a group).
#[derive(Clone, Debug, PartialEq)]
pub struct ScalingGroupPlan {
    pub name: String,
    /// Member nodes (nested groups expanded).
    pub members: Vec<usize>,
    pub count: u32,
    pub max_instances: Option<i64>,
}

/// The built-in policy types rehearse runs (reference §2).
#[derive(Clone, Debug, PartialEq)]
pub enum PolicyRule {
    /// Expired events of a service matching one of these patterns (regex search).
    HostFailure { services: Vec<String> },
    Threshold {
        service: String,
        threshold: f64,
        upper_bound: bool,
        stability_ns: u64,
    },
    EwmaStabilized {
        service: String,
        threshold: f64,
        upper_bound: bool,
        r: f64,
    },
}

/// A monitoring policy of a group, with its restraints and triggers.
#[derive(Clone, Debug, PartialEq)]
pub struct PolicyPlan {
    /// `<group>.<policy>`.
    pub name: String,
    pub span: Span,
    pub rule: PolicyRule,
    /// Names of the group's direct node members (events match by node name).
    pub members: Vec<String>,
    pub operates_on_group: bool,
    pub is_node_started_before_workflow: bool,
    /// Seconds; ≤ 0 removes the restraint.
    pub interval_between_workflows_s: i64,
    pub triggers: Vec<TriggerPlan>,
}

/// An `execute_workflow` trigger: its parameters as written, `get_property: [SELF, field]`
/// evaluated from the triggering event.
#[derive(Clone, Debug, PartialEq)]
pub struct TriggerPlan {
    pub name: String,
    pub parameters: Vec<(String, crate::syntax::Node)>,
}
