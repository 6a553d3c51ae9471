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
    /// The whole document.
    pub span: Span,
}

/// `deploy: [sava]` or `{blueprint: B, as: D}`; a step naming a deployment that exists
/// merges into it, as a Vamp PUT to `deployments/D` does.
#[derive(Clone, Debug, PartialEq)]
pub struct DeployStep {
    pub blueprint: Spanned<String>,
    pub deployment: Spanned<String>,
}

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
    pub span: Span,
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
    /// A gateway name such as `sava/9050`.
    pub to: Spanned<String>,
    pub load: Load,
    pub start_ns: u64,
    pub stop_ns: Option<u64>,
    pub clients: u32,
    pub headers: Vec<HeaderDistribution>,
    pub span: Span,
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
}

#[derive(Clone, Debug, PartialEq)]
pub struct Expectation {
    /// The key as written, e.g. `rollback_within`.
    pub name: String,
    pub kind: ExpectationKind,
    pub span: Span,
}
