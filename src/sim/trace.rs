//! Decisions and the `--trace` JSON-lines stream: a header with every parameter, each
//! decision as it happens, and metric snapshots at a fixed period.

use super::engine::{nanos_to_secs, Nanos};
use serde_json::{json, Value};
use std::io::Write;

/// Something the world or a program decided, for the report and the trace.
#[derive(Clone, Debug, PartialEq)]
pub struct Decision {
    pub t: Nanos,
    /// `weights`, `rollback`, `fault`, `restart`, `scale`, `health`, `event`, ...
    pub kind: &'static str,
    pub target: String,
    pub detail: Value,
}

impl Decision {
    pub fn to_json(&self) -> Value {
        json!({
            "t_s": round_to(nanos_to_secs(self.t), 9),
            "kind": self.kind,
            "target": self.target,
            "detail": self.detail,
        })
    }
}

/// Rounds for output, so printed floats do not carry noise digits.
pub fn round_to(x: f64, digits: i32) -> f64 {
    let scale = libm::pow(10.0, f64::from(digits));
    libm::round(x * scale) / scale
}

/// Where trace lines go. Write errors are remembered and reported once at the end rather
/// than aborting the simulation midway.
pub struct TraceSink<'w> {
    out: &'w mut dyn Write,
    pub error: Option<std::io::Error>,
}

impl<'w> TraceSink<'w> {
    pub fn new(out: &'w mut dyn Write) -> TraceSink<'w> {
        TraceSink { out, error: None }
    }

    pub fn line(&mut self, value: &Value) {
        if self.error.is_some() {
            return;
        }
        let result = serde_json::to_writer(&mut *self.out, value)
            .map_err(std::io::Error::from)
            .and_then(|()| self.out.write_all(b"\n"));
        if let Err(e) = result {
            self.error = Some(e);
        }
    }

    pub fn decision(&mut self, decision: &Decision) {
        let mut value = decision.to_json();
        if let Some(map) = value.as_object_mut() {
            map.insert("type".into(), json!("decision"));
        }
        self.line(&value);
    }

    pub fn flush(&mut self) {
        if self.error.is_none() {
            if let Err(e) = self.out.flush() {
                self.error = Some(e);
            }
        }
    }
}
