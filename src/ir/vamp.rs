//! Vamp IR (being written).

/// Every Vamp artifact of the project.
#[derive(Debug, Default)]
pub struct Artifacts {}
