//! Dialects: spanned documents → IR items plus diagnostics, one module per input language.
//!
//! A dialect never sees the simulator or the emitters; it reads [`Node`](crate::syntax::Node)
//! trees and fills its part of [`ir::Project`](crate::ir::Project).

pub mod cloudify;
pub mod detect;
pub mod flagger;
pub mod krakend;
pub mod rollout;
pub mod scenario;
pub mod schema;
pub mod vamp;

use std::fmt;
use std::str::FromStr;

/// The kinds of Vamp artifact rehearse reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum VampKind {
    Breed,
    Blueprint,
    Deployment,
    Gateway,
    Workflow,
    Scale,
    Sla,
    Escalation,
    Condition,
}

impl VampKind {
    pub const ALL: [VampKind; 9] = [
        VampKind::Breed,
        VampKind::Blueprint,
        VampKind::Deployment,
        VampKind::Gateway,
        VampKind::Workflow,
        VampKind::Scale,
        VampKind::Sla,
        VampKind::Escalation,
        VampKind::Condition,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            VampKind::Breed => "breed",
            VampKind::Blueprint => "blueprint",
            VampKind::Deployment => "deployment",
            VampKind::Gateway => "gateway",
            VampKind::Workflow => "workflow",
            VampKind::Scale => "scale",
            VampKind::Sla => "sla",
            VampKind::Escalation => "escalation",
            VampKind::Condition => "condition",
        }
    }

    /// Reads a `kind:` value; Vamp accepts plurals (`breeds`).
    pub fn from_kind_value(value: &str) -> Option<VampKind> {
        let v = value.trim().to_ascii_lowercase();
        let singular = v.strip_suffix('s').unwrap_or(&v);
        VampKind::ALL
            .into_iter()
            .find(|k| k.as_str() == v || k.as_str() == singular)
    }
}

/// The kind of one document: which dialect reads it, and for Vamp which artifact reader.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Vamp(VampKind),
    Cloudify,
    Krakend,
    Scenario,
    /// Argo Rollouts objects (`argoproj.io`).
    Rollout,
    /// Flagger objects (`flagger.app`).
    Flagger,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Vamp(k) => k.as_str(),
            Kind::Cloudify => "cloudify",
            Kind::Krakend => "krakend",
            Kind::Scenario => "scenario",
            Kind::Rollout => "rollout",
            Kind::Flagger => "flagger",
        }
    }

    /// The peer's own name for "this file is not well-formed YAML/JSON", when a file whose
    /// kind is known fails to parse.
    pub fn syntax_error_peer(self) -> Option<&'static str> {
        match self {
            Kind::Vamp(_) => Some("YamlParsingError"),
            Kind::Krakend => Some("ParseError"),
            Kind::Cloudify | Kind::Scenario | Kind::Rollout | Kind::Flagger => None,
        }
    }

    /// How this kind's runtime loads YAML and JSON (see `syntax::profile`).
    pub fn loading_profile(self) -> crate::syntax::Profile {
        use crate::syntax::Profile;
        match self {
            Kind::Vamp(_) => Profile::SnakeYaml,
            Kind::Cloudify => Profile::PyYaml,
            Kind::Krakend => Profile::Go,
            Kind::Scenario => Profile::Yaml12,
            // kubectl and the controllers read YAML with Go (sigs.k8s.io/yaml).
            Kind::Rollout | Kind::Flagger => Profile::Go,
        }
    }

    /// All names `--kind` accepts.
    pub fn names() -> Vec<&'static str> {
        let mut names: Vec<_> = VampKind::ALL.iter().map(|k| k.as_str()).collect();
        names.extend(["cloudify", "krakend", "scenario", "rollout", "flagger"]);
        names
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Kind {
    type Err = String;

    fn from_str(s: &str) -> Result<Kind, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "cloudify" => Ok(Kind::Cloudify),
            "krakend" => Ok(Kind::Krakend),
            "scenario" | "scenarios" => Ok(Kind::Scenario),
            "rollout" | "rollouts" | "argo" => Ok(Kind::Rollout),
            "flagger" => Ok(Kind::Flagger),
            other => VampKind::from_kind_value(other)
                .map(Kind::Vamp)
                .ok_or_else(|| {
                    format!(
                        "unknown kind '{s}'; expected one of: {}",
                        Kind::names().join(", ")
                    )
                }),
        }
    }
}
