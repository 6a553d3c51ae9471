//! KrakenD endpoints in a rehearsal (issue 10): requests sent to an endpoint fan out into
//! backend calls — sequential or parallel, nested workflows, timeouts, hedging, conditional
//! backends — with the semantics of reference/krakend/SPEC.md §4, §8, §9.
//!
//! A request's flow is interpreted when it arrives: every backend call draws its latency and
//! outcome from its behavior, and the composition rules give the response's status,
//! completeness and latency exactly (no events per call). Backends are external: their
//! behavior is the scenario's, keyed by host or host + `url_pattern`.
//!
//! `model` holds the compiled endpoints (built by `build`), `flow` the per-request
//! interpreter, `cel` the policy conditions, `report` the JSON and the waterfall.

pub mod arrivals;
pub mod build;
pub mod cel;
pub mod flow;
pub mod model;
pub mod report;

pub use model::{ApiModel, ApiState};
