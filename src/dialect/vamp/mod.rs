//! The vamp dialect (being written).
