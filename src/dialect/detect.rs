//! Document kind detection (DESIGN §4): an explicit `kind:` wins, then each dialect's
//! signature keys, then Vamp shape heuristics.

use super::{Kind, VampKind};
use crate::syntax::Node;

/// What detection concluded about one document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Detected {
    Kind(Kind),
    /// `kind:` holds a value no dialect knows.
    UnsupportedKind(String),
    /// Nothing identifies the document.
    Unknown,
}

pub fn detect(root: &Node) -> Detected {
    let Some(map) = root.as_map() else {
        return Detected::Unknown;
    };
    if map.contains_key("tosca_definitions_version") {
        return Detected::Kind(Kind::Cloudify);
    }
    // A Kubernetes object (`apiVersion` + `kind: Deployment`) often sits beside Vamp specs;
    // no dialect rehearse reads has `apiVersion`, so its `kind:` is not ours to interpret.
    if map.contains_key("apiVersion") {
        return Detected::Unknown;
    }
    if let Some(kind) = map.get("kind") {
        let Some(text) = kind.scalar_text() else {
            return Detected::UnsupportedKind(kind.type_name().to_string());
        };
        return match text.parse::<Kind>() {
            Ok(k) => Detected::Kind(k),
            Err(_) => Detected::UnsupportedKind(text),
        };
    }
    let is_krakend_schema = map
        .get("$schema")
        .and_then(Node::as_str)
        .is_some_and(|s| s.contains("krakend"));
    let version_3 = map.get("version").and_then(Node::as_i64) == Some(3);
    if is_krakend_schema || (version_3 && map.contains_key("endpoints")) {
        return Detected::Kind(Kind::Krakend);
    }
    // Vamp shapes, most specific first.
    let vamp = if map.contains_key("clusters") {
        Some(VampKind::Blueprint)
    } else if map.contains_key("deployable") {
        Some(VampKind::Breed)
    } else if map.contains_key("schedule") && map.contains_key("breed") {
        Some(VampKind::Workflow)
    } else if map.contains_key("routes") {
        Some(VampKind::Gateway)
    } else if map.contains_key("cpu") && map.contains_key("memory") {
        Some(VampKind::Scale)
    } else if map.contains_key("threshold") && map.contains_key("window") {
        Some(VampKind::Sla)
    } else {
        None
    };
    vamp.map_or(Detected::Unknown, |k| Detected::Kind(Kind::Vamp(k)))
}
