//! The runtime model: what to simulate, with every name resolved to an index.
//!
//! Built from the resolved topology and a scenario (`build.rs`), or by hand (queueing tests,
//! benches). It holds no state; [`World`](super::world::World) runs it.

use super::engine::{Nanos, NANOS_PER_SEC};
use super::samplers::Duration;
use std::fmt;
use std::sync::Arc;

pub type ServiceId = usize;
pub type GatewayId = usize;
pub type SourceId = usize;

/// What a route condition sees of a request.
#[derive(Debug, Default)]
pub struct RequestView<'a> {
    /// Request headers, names as written in the scenario (compare case-insensitively).
    pub headers: &'a [(&'a str, &'a str)],
}

/// A compiled route condition.
#[derive(Clone)]
pub struct Condition {
    /// The condition as the user wrote it (for the trace).
    pub text: String,
    pub matches: Arc<dyn Fn(&RequestView<'_>) -> bool + Send + Sync>,
}

impl fmt::Debug for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Condition({:?})", self.text)
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Balance {
    #[default]
    RoundRobin,
    LeastConn,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Sticky {
    #[default]
    None,
    /// A client keeps its route.
    Route,
    /// A client keeps its route and its instance.
    Instance,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    Gateway(GatewayId),
    Service(ServiceId),
}

#[derive(Clone, Debug)]
pub struct RouteModel {
    /// Full route name, e.g. `sava/sava/sava:1.0/web`.
    pub name: String,
    /// Weight in basis points (10 000 = 100%).
    pub weight_bp: u32,
    pub condition: Option<Condition>,
    /// Share of matching requests that go to this route, in basis points.
    pub condition_strength_bp: u32,
    pub target: Target,
    pub balance: Balance,
}

#[derive(Clone, Debug)]
pub struct GatewayModel {
    /// `deployment/port` (external) or `deployment/cluster/port` (internal) or a user name.
    pub name: String,
    pub sticky: Sticky,
    pub routes: Vec<RouteModel>,
}

#[derive(Clone, Debug)]
pub struct ServiceModel {
    /// `name:version`, e.g. `sava:1.0`.
    pub name: String,
    /// Where the service lives: (deployment, cluster), for health aggregation and scaling.
    pub deployment: String,
    pub cluster: String,
    pub latency: Duration,
    /// Probability that a served request fails with a 5xx.
    pub error_rate: f64,
    /// Requests served in parallel by one instance.
    pub concurrency: u32,
    /// Time from (re)start to ready.
    pub startup: Nanos,
    /// Initial (desired) instance count.
    pub instances: u32,
    /// Delay before the orchestrator restarts a crashed instance when the fault names none.
    pub restart_delay: Nanos,
    /// Per-instance resources (the `allocation` program sums them).
    pub cpu: f64,
    pub memory_mb: f64,
}

/// Arrival rate over time, in requests per second.
#[derive(Clone, Debug, PartialEq)]
pub enum RateProfile {
    Constant(f64),
    /// Linear from `from` to `to` over `[start, start + over]`, then `to`.
    Ramp {
        from: f64,
        to: f64,
        start: Nanos,
        over: Nanos,
    },
    /// Piecewise constant: `(from time, rate)`, sorted by time; 0 before the first.
    Steps(Vec<(Nanos, f64)>),
    /// Deterministic: one request at `first`, then one every `every` (a script's
    /// `setInterval`, e.g. Vamp's traffic workflow).
    Periodic {
        first: Nanos,
        every: Nanos,
    },
}

impl RateProfile {
    pub fn at(&self, t: Nanos) -> f64 {
        match self {
            RateProfile::Constant(r) => *r,
            RateProfile::Ramp {
                from,
                to,
                start,
                over,
            } => {
                if t <= *start {
                    *from
                } else if *over == 0 || t >= start.saturating_add(*over) {
                    *to
                } else {
                    from + (to - from) * ((t - start) as f64 / *over as f64)
                }
            }
            RateProfile::Steps(steps) => steps
                .iter()
                .take_while(|(at, _)| *at <= t)
                .last()
                .map_or(0.0, |(_, r)| *r),
            RateProfile::Periodic { first, every } => {
                if t < *first || *every == 0 {
                    0.0
                } else {
                    NANOS_PER_SEC as f64 / *every as f64
                }
            }
        }
    }

    /// An upper bound of the rate (for thinning).
    pub fn max(&self) -> f64 {
        match self {
            RateProfile::Constant(r) => *r,
            RateProfile::Ramp { from, to, .. } => from.max(*to),
            RateProfile::Steps(steps) => steps.iter().map(|(_, r)| *r).fold(0.0, f64::max),
            RateProfile::Periodic { every, .. } => NANOS_PER_SEC as f64 / (*every).max(1) as f64,
        }
    }
}

/// One header's value distribution: (value, weight in basis points).
#[derive(Clone, Debug, PartialEq)]
pub struct HeaderModel {
    pub name: String,
    pub values: Vec<(String, u64)>,
}

#[derive(Clone, Debug)]
pub struct TrafficModel {
    /// Stable id for the random stream, e.g. `traffic:0:sava/9050`.
    pub id: String,
    pub gateway: GatewayId,
    pub rate: RateProfile,
    /// Distinct client ids (sticky sessions); at least 1.
    pub clients: u32,
    pub headers: Vec<HeaderModel>,
    /// Arrivals stop after this time (the run's duration by default).
    pub until: Nanos,
}

#[derive(Clone, Debug, PartialEq)]
pub enum FaultAction {
    /// Kill `count` instances (all when `None`); the orchestrator restarts them after
    /// `restart_delay`.
    Kill {
        service: ServiceId,
        count: Option<u32>,
        restart_delay: Nanos,
    },
    /// A host goes down for `duration`; its instances die and are restarted elsewhere.
    HostDown { host: u32, duration: Nanos },
    /// Extra error probability for `duration`.
    Errors {
        service: ServiceId,
        rate: f64,
        duration: Nanos,
    },
    /// Extra service time for `duration`.
    Latency {
        service: ServiceId,
        added: Nanos,
        duration: Nanos,
    },
    /// Requests to `service` (through `from`, or any gateway) fail with 503 for `duration`.
    Partition {
        service: ServiceId,
        from: Option<GatewayId>,
        duration: Nanos,
    },
    /// A Cloudify compute instance goes down: it and everything on it stop serving and
    /// publishing monitoring events, until healed or for `duration`.
    NodeDown {
        deployment: usize,
        instance: usize,
        duration: Option<Nanos>,
    },
    /// Cloudify node instances stop serving and their own monitoring stops (every instance
    /// of `node` when `instance` is `None`); nothing restarts them but a workflow.
    NodeKill {
        deployment: usize,
        node: usize,
        instance: Option<usize>,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct FaultModel {
    pub at: Nanos,
    pub action: FaultAction,
    /// As written, for the trace header and the decisions.
    pub description: String,
}

/// A traffic source that is a Vamp traffic workflow (reference/vamp/CANARY.md §1.1): on the
/// completion of its requests it publishes `[workflows:<name>, response:ok]` (every
/// `10000/PERIOD`-th request, counted when the response arrives) or `response:error`.
#[derive(Clone, Debug, PartialEq)]
pub struct WorkflowTraffic {
    pub source: SourceId,
    /// The workflow's name, for its tags.
    pub workflow: String,
    /// The script's `10000 / PERIOD` (a float in JavaScript; `count % it == 0` is tested
    /// with the same floating-point remainder).
    pub ok_every: f64,
}

/// A point in a calendar: a local date-time at a fixed UTC offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CalendarAnchor {
    pub year: i32,
    pub month: u8,
    pub day: u8,
    /// Nanoseconds into the local day.
    pub time_of_day_ns: u64,
    pub offset_seconds: i32,
}

/// When a program runs.
#[derive(Clone, Debug, PartialEq)]
pub enum Schedule {
    /// At `start`, then every `period` (a one-shot when `period` is 0).
    Every { start: Nanos, period: Nanos },
    /// `repeat` runs (unbounded when `None`) every `period` from `start`.
    Time {
        start: Nanos,
        period: Nanos,
        repeat: Option<u64>,
    },
    /// Whenever an event carrying all these tags is published.
    Event { tags: Vec<String> },
    /// Occurrence `k` at `anchor + k·(months, days, time)` in calendar arithmetic, minus
    /// `clock_ns` (the Unix time t = 0 stands for). Occurrences before t = 0 are skipped,
    /// and count against `repeat`; the first to run is `first`.
    Calendar {
        anchor: CalendarAnchor,
        months: i64,
        days: i64,
        time_ns: i128,
        clock_ns: i128,
        first: u64,
        repeat: Option<u64>,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub enum ProgramKind {
    /// reference/vamp/CANARY.md §1.2
    Canary {
        gateway: GatewayId,
        old_route: usize,
        new_route: usize,
        window_s: u64,
    },
    /// §2.1
    Health { window_s: u64 },
    /// §2.2
    Metrics { window_s: u64 },
    /// §1.3
    AutoScaling {
        gateway: GatewayId,
        routes: [usize; 2],
        services: [ServiceId; 2],
        min: u32,
        max: u32,
    },
    /// §2.3
    Allocation,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ProgramModel {
    /// The workflow name, used as the decisions' source and the random stream id.
    pub name: String,
    pub kind: ProgramKind,
    pub schedule: Schedule,
}

/// A cluster (a workload group): its services and internal gateway, for health aggregation.
#[derive(Clone, Debug, PartialEq)]
pub struct ClusterModel {
    pub deployment: String,
    pub name: String,
    pub services: Vec<ServiceId>,
    pub gateway: Option<GatewayId>,
}

#[derive(Clone, Debug, Default)]
pub struct Model {
    pub seed: u64,
    pub duration: Nanos,
    /// Number of hosts; 0 means one host per instance.
    pub hosts: u32,
    pub services: Vec<ServiceModel>,
    pub gateways: Vec<GatewayModel>,
    pub clusters: Vec<ClusterModel>,
    pub traffic: Vec<TrafficModel>,
    pub faults: Vec<FaultModel>,
    pub programs: Vec<ProgramModel>,
    /// The longest window anything reads, in seconds (sizes the metric rings).
    pub max_window_s: u64,
    /// Metric snapshots for the trace, every this often (none when 0).
    pub snapshot_every: Nanos,
    /// Traffic sources that publish their responses on the bus (Vamp traffic workflows).
    pub workflow_traffic: Vec<WorkflowTraffic>,
    /// Deployments whose instances workflows manage (Cloudify), with their policies.
    pub managed: Vec<ManagedModel>,
    /// KrakenD endpoints the scenario sends requests to.
    pub api: super::api::ApiModel,
    /// Argo Rollouts and Flagger canaries and their controllers.
    pub rollouts: Vec<super::rollout::model::RolloutModel>,
}

/// A Cloudify deployment in the model: its plan and its policies' compiled service patterns.
#[derive(Clone, Debug)]
pub struct ManagedModel {
    pub plan: crate::ir::topology::ManagedDeployment,
    /// Per policy, the patterns its events' `service` must match (a regex search, as
    /// Riemann's `re-find`).
    pub patterns: Vec<Vec<regex::Regex>>,
}
