//! The cloudify dialect (being written).
