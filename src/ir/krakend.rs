//! KrakenD IR (being written).

#[derive(Debug)]
pub struct Config {}
