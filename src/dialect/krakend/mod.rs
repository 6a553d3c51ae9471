//! The krakend dialect (being written).
