//! Cloudify IR (being written).

#[derive(Debug)]
pub struct Blueprint {}
