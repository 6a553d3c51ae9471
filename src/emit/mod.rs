//! Emit: runtime configurations from the checked IR and the runtime model (never from YAML).
//! One module per target; `rehearse emit --target T`.
//!
//! An emit either yields every document whole or reports why not: what a target cannot
//! express is an `E` diagnostic with a span, and nothing is written while one is an error
//! ([`write`] writes all or nothing). Output is deterministic: the same project gives the
//! same bytes.

pub mod gateways;
pub mod haproxy;
pub mod sha1;
pub mod write;

use crate::diag::Diagnostic;
use crate::ir::Project;
use crate::source::SourceMap;

/// What to emit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    Haproxy,
    Krakend,
    Vamp,
    Cloudify,
}

impl Target {
    pub fn as_str(self) -> &'static str {
        match self {
            Target::Haproxy => "haproxy",
            Target::Krakend => "krakend",
            Target::Vamp => "vamp",
            Target::Cloudify => "cloudify",
        }
    }
}

/// One output file: its name under `--out DIR` and its text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Document {
    pub name: String,
    pub text: String,
}

#[derive(Debug, Default)]
pub struct Options {
    /// Weights and instances to emit (HAProxy); `None`: those the artifacts declare.
    pub state: Option<gateways::RuntimeState>,
    /// KrakenD: write every default explicitly.
    pub explicit: bool,
}

/// The documents, and what the target could not express (errors: write nothing).
#[derive(Debug, Default)]
pub struct Emitted {
    pub documents: Vec<Document>,
    pub diagnostics: Vec<Diagnostic>,
    /// Set when the project has nothing for this target (E007).
    pub nothing: Option<String>,
}

impl Emitted {
    pub fn errors(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }
}

/// Emits `target` from a checked project (its check must have found no error).
pub fn emit(project: &Project, sources: &SourceMap, target: Target, options: &Options) -> Emitted {
    let _ = sources;
    let mut emitted = match target {
        Target::Haproxy => emit_haproxy(project, options),
        other => Emitted {
            nothing: Some(format!("the {} target is not implemented yet", other.as_str())),
            ..Emitted::default()
        },
    };
    crate::diag::normalize(&mut emitted.diagnostics);
    emitted
}

fn emit_haproxy(project: &Project, options: &Options) -> Emitted {
    let declared;
    let state = match &options.state {
        Some(state) => state,
        None => {
            declared = gateways::declared(project);
            &declared
        }
    };
    let settings = haproxy::Settings::default();
    let inputs = gateways::resolve(project, state, &settings.ip);
    if inputs.is_empty() {
        return Emitted {
            nothing: Some("the project has no Vamp gateway (no gateway artifact and no deployment with gateways)".into()),
            ..Emitted::default()
        };
    }
    let rendered = haproxy::render(&inputs, &settings);
    Emitted {
        documents: vec![Document {
            name: "haproxy.cfg".into(),
            text: rendered.text,
        }],
        diagnostics: rendered.diagnostics,
        nothing: None,
    }
}
