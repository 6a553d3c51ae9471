//! The scenario dialect (being written).
