//! The simulator: a deterministic discrete-event rehearsal of a rollout (DESIGN.md §5).
//!
//! Same inputs + seed + version ⇒ byte-identical output. Time is integer nanoseconds, ties run
//! first-in first-out, and every entity draws from its own seeded stream.

pub mod api;
pub mod at;
pub mod budget;
pub mod build;
pub mod calendar;
pub mod engine;
pub mod events;
pub mod expect;
pub mod fast_exp;
pub mod faults;
pub mod managed;
pub mod metrics;
pub mod model;
pub mod orchestrator;
pub mod policies;
pub mod programs;
pub mod rng;
pub mod rollout;
pub mod routing;
pub mod run;
pub mod samplers;
pub mod service;
pub mod snapshot;
pub mod sweep;
pub mod trace;
pub mod traffic;
pub mod world;
pub mod ziggurat;

pub use run::{run, RunOptions, RunResult};
