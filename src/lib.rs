//! rehearse: check declarative deployment specs, rehearse rollouts offline, emit runtime
//! configs.
//!
//! The pipeline runs one way: `source → syntax → dialect → check → ir → sim | emit → report`
//! (DESIGN.md §1). Each module is one stage.

pub mod check;
pub mod config;
pub mod diag;
pub mod dialect;
pub mod discover;
pub mod emit;
pub mod ir;
pub mod lower;
pub mod plan;
pub mod report;
pub mod sandbox;
pub mod sim;
pub mod source;
pub mod syntax;
