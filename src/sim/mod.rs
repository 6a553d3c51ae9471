//! The simulator: a deterministic discrete-event rehearsal of a rollout (DESIGN.md §5).
//!
//! Same inputs + seed + version ⇒ byte-identical output. Time is integer nanoseconds, ties run
//! first-in first-out, and every entity draws from its own seeded stream.

pub mod engine;
pub mod rng;
pub mod samplers;
