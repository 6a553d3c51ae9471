//! Scenario IR (DESIGN.md §6): what to rehearse — which blueprints to deploy, how services
//! behave, the traffic, the faults and what must hold. Quantities are exact: durations in
//! nanoseconds, percentages in parts per million, rates as count per unit.

use crate::source::Span;
use crate::syntax::iso8601::DateTime;
use crate::syntax::units::Rate;

pub use crate::ir::vamp::Spanned;

/// Parts per million in 100%.
pub const PPM_FULL: u64 = 1_000_000;

#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    pub name: Spanned<String>,
    /// Overridable with `--seed`.
    pub seed: Option<u64>,
    /// The instant t = 0 stands for (`clock: 2026-03-01T00:00:00Z`): time schedules with an
    /// absolute `start` run relative to it, and months and years follow its calendar.
    pub clock: Option<Spanned<DateTime>>,
    pub duration_ns: Spanned<u64>,
    pub deploy: Vec<DeployStep>,
    pub hosts: Option<Spanned<u32>>,
    pub behaviors: Vec<Behavior>,
    pub traffic: Vec<Traffic>,
    pub faults: Vec<Fault>,
    pub expect: Vec<Expectation>,
    /// Monitoring metric values per Cloudify node and service (`metrics:`).
    pub metrics: Vec<MetricSource>,
    /// Argo Rollouts and Flagger canaries: deploys, updates, operator actions, measurements.
    pub rollouts: crate::ir::rollout_scenario::RolloutScenario,
    /// The whole document.
    pub span: Span,
}

/// `deploy: [sava]` or `{blueprint: B, as: D}`; a step naming a deployment that exists
/// merges into it, as a Vamp PUT to `deployments/D` does.
#[derive(Clone, Debug, PartialEq)]
pub struct DeployStep {
    /// A Vamp blueprint's name, or the path of a Cloudify blueprint as written.
    pub blueprint: Spanned<String>,
    pub deployment: Spanned<String>,
    /// Set for `{cloudify: PATH, as: NAME, inputs: {...}, install: BOOL}`.
    pub cloudify: Option<CloudifyDeploy>,
}

/// A Cloudify blueprint deployed by a scenario (issue 9).
#[derive(Clone, Debug, PartialEq)]
pub struct CloudifyDeploy {
    /// `inputs:` as written (name, value).
    pub inputs: Vec<(Spanned<String>, crate::syntax::Node)>,
    /// The `inputs` mapping itself (or the step when absent), for findings about a missing input.
    pub inputs_span: Span,
    /// Run the install workflow from t = 0 (otherwise the deployment starts installed).
    pub install: bool,
    /// The blueprint, as an index into `Project::cloudify`: set by the check once the file
    /// is read through the sandbox (`None` when it could not be read).
    pub blueprint: Option<usize>,
}

/// `metrics: [{node: vm, service: cpu.total.user, value: ...}]`.
#[derive(Clone, Debug, PartialEq)]
pub struct MetricSource {
    /// `NAME/node` or `node`.
    pub node: Spanned<String>,
    pub service: Spanned<String>,
    pub value: MetricValue,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum MetricValue {
    Constant(f64),
    /// `(from, value)` sorted by time: the value of the last step at or before now (the first
    /// step's value before it).
    Steps(Vec<(u64, f64)>),
    /// Computed from the requests the instance served in the last interval.
    From(Observed),
}

/// What `{from: ...}` reads of an instance over the last monitoring interval.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Observed {
    /// Busy concurrency slots over the interval, in percent (0–100).
    Utilization,
    /// The 99th percentile latency of the requests it completed, in milliseconds.
    LatencyP99,
    /// Failed / completed requests, in percent.
    ErrorRate,
}

/// The operations of a Cloudify node's lifecycle that take time in a rehearsal.
pub const OPERATIONS: [&str; 5] = ["create", "configure", "start", "stop", "delete"];

#[derive(Clone, Debug, PartialEq)]
pub enum Latency {
    /// Lognormal through the median and the 99th percentile.
    Quantiles {
        p50_ns: u64,
        p99_ns: u64,
    },
    Exponential {
        mean_ns: u64,
    },
    /// Lognormal with this mean and standard deviation.
    Moments {
        mean_ns: u64,
        sd_ns: u64,
    },
    Constant {
        ns: u64,
    },
}

/// How a service (`name:version`) behaves.
#[derive(Clone, Debug, PartialEq)]
pub struct Behavior {
    pub service: Spanned<String>,
    pub latency: Option<Spanned<Latency>>,
    /// Error probability in parts per million.
    pub errors_ppm: Option<u64>,
    pub concurrency: Option<u32>,
    pub startup_ns: Option<u64>,
    pub restart_delay_ns: Option<u64>,
    /// Cloudify nodes: `(operation, duration)` for the names in [`OPERATIONS`].
    pub operations: Vec<(&'static str, u64)>,
    /// Cloudify nodes: the monitoring interval, overriding the collectors'.
    pub heartbeat_ns: Option<u64>,
    /// KrakenD backends (a behavior keyed by `http://host` or `http://host/url_pattern`): the
    /// HTTP statuses answered, `(status, parts per million)`, and the response body.
    pub status: Vec<(u16, u64)>,
    pub body: Option<crate::syntax::Node>,
    /// The KrakenD gateway (the behavior keyed [`GATEWAY_BEHAVIOR`]): time added to every
    /// response.
    pub overhead_ns: Option<u64>,
    pub span: Span,
}

/// The behavior key of the KrakenD gateway itself (`krakend: {concurrency: N, overhead: 1ms}`).
pub const GATEWAY_BEHAVIOR: &str = "krakend";

impl Behavior {
    /// Keyed by a backend URL (`http://…`, `https://…`) rather than a service or node.
    pub fn is_backend(&self) -> bool {
        is_backend_url(&self.service.value)
    }
}

/// Whether a behavior key names a KrakenD backend host (or host + `url_pattern`).
pub fn is_backend_url(key: &str) -> bool {
    key.starts_with("http://") || key.starts_with("https://")
}

#[derive(Clone, Debug, PartialEq)]
pub enum Load {
    Constant(Rate),
    Ramp {
        from: Rate,
        to: Rate,
        over_ns: u64,
    },
    /// `(at, rate)`, as written.
    Steps(Vec<(u64, Rate)>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct HeaderDistribution {
    pub name: String,
    /// `(value, parts per million)`.
    pub values: Vec<(String, u64)>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Traffic {
    /// A gateway name such as `sava/9050`, or a request such as `POST /user/signup/yes`.
    pub to: Spanned<String>,
    /// Set when `to` (or `request`) is a request to a KrakenD endpoint.
    pub request: Option<ApiRequest>,
    pub load: Load,
    pub start_ns: u64,
    pub stop_ns: Option<u64>,
    pub clients: u32,
    pub headers: Vec<HeaderDistribution>,
    pub span: Span,
}

/// A request to a KrakenD endpoint: `to: "POST /user/signup/yes"`, or
/// `{krakend: FILE, request: "..."}` when the project has several configs.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiRequest {
    /// The config file as written (`None`: the project's only config).
    pub krakend: Option<Spanned<String>>,
    /// The config, as an index into `Project::krakend`: set by the check (`None` when no
    /// config answers: the check says why).
    pub config: Option<usize>,
    /// Upper-cased.
    pub method: String,
    /// The path, without the query string.
    pub path: String,
    /// `query:` values (and any `?a=b` in the request), as value distributions.
    pub query: Vec<HeaderDistribution>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum FaultKind {
    Kill {
        service: Spanned<String>,
        instances: Option<u32>,
        restart_delay_ns: Option<u64>,
    },
    /// Hosts are numbered from 1.
    HostDown { host: Spanned<u32>, for_ns: u64 },
    /// `host_down: NAME/vm_1`: a Cloudify compute instance goes down (until healed, or until
    /// `for` ends when given).
    InstanceDown {
        instance: Spanned<String>,
        for_ns: Option<u64>,
    },
    Errors {
        service: Spanned<String>,
        rate_ppm: u64,
        for_ns: u64,
    },
    Latency {
        service: Spanned<String>,
        added_ns: u64,
        for_ns: u64,
    },
    Partition {
        service: Spanned<String>,
        from: Option<Spanned<String>>,
        for_ns: u64,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Fault {
    pub at_ns: u64,
    pub kind: FaultKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExpectationKind {
    /// A rollback decision within `within` after `after`.
    RollbackWithin { after_ns: u64, within_ns: u64 },
    /// No rollback at all.
    NoRollback,
    /// Errors / requests of user traffic below this share.
    UserErrorRate { below_ppm: u64 },
    /// A route's weight reaches `weight` by `by`.
    WeightReaches {
        route: Spanned<String>,
        weight_ppm: u64,
        by_ns: u64,
    },
    /// A Cloudify workflow starts within `within` after `after`.
    WorkflowWithin {
        workflow: Spanned<String>,
        after_ns: u64,
        within_ns: u64,
    },
    /// No Cloudify workflow of this name starts in `[from, to]`.
    NoWorkflow {
        workflow: Spanned<String>,
        from_ns: u64,
        to_ns: u64,
    },
    /// A Cloudify node has at least `at_least` started instances at some time no later than `by`.
    Instances {
        node: Spanned<String>,
        at_least: u32,
        by_ns: u64,
    },
    /// The share of a KrakenD endpoint's responses (`METHOD /path` as the config writes it)
    /// whose status is in `statuses` (inclusive; `5xx` is 500–599) stays below `below`
    /// and/or reaches at least `at_least`.
    EndpointStatus {
        endpoint: Spanned<String>,
        statuses: (u16, u16),
        below_ppm: Option<u64>,
        at_least_ppm: Option<u64>,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Expectation {
    /// The key as written, e.g. `rollback_within`.
    pub name: String,
    pub kind: ExpectationKind,
    pub span: Span,
}
