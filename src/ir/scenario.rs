//! Scenario IR (being written).

#[derive(Debug)]
pub struct Scenario {}
