//! Emit: runtime configurations from the checked IR and the runtime model (never from YAML).
//! One module per target; `rehearse emit --target T`.
//!
//! An emit either yields every document whole or reports why not: what a target cannot
//! express is an `E` diagnostic with a span, and nothing is written while one is an error
//! ([`write`] writes all or nothing). Output is deterministic: the same project gives the
//! same bytes.

pub mod argo;
pub mod cloudify;
pub mod flagger;
pub mod gateways;
pub mod haproxy;
pub mod krakend;
pub mod sha1;
pub mod vamp;
pub mod vamp_canary;
pub mod write;
pub mod yaml;

use crate::diag::Diagnostic;
use crate::ir::Project;
use crate::source::FileId;

/// What to emit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    Haproxy,
    Krakend,
    Cloudify,
    /// A Vamp canary workflow migrated to an Argo Rollout (issue 12).
    Argo,
    /// A Vamp canary workflow migrated to a Flagger Canary (issue 12).
    Flagger,
    /// The Vamp artifacts themselves, normalized (one `<source stem>.yml` per source file).
    Vamp,
}

impl Target {
    pub fn as_str(self) -> &'static str {
        match self {
            Target::Haproxy => "haproxy",
            Target::Krakend => "krakend",
            Target::Cloudify => "cloudify",
            Target::Argo => "argo",
            Target::Flagger => "flagger",
            Target::Vamp => "vamp",
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
    /// The files whose artifacts are emitted (the paths the user named); the other files of
    /// the project only resolve references. `None`: every file.
    pub scope: Option<Vec<FileId>>,
    /// The path of each source file, for output names (`<source stem>.json`).
    pub paths: std::collections::BTreeMap<FileId, String>,
    /// Write the defaults the runtime applies too (KrakenD: timeouts, methods, encodings).
    pub explicit: bool,
    /// The scenario `--scenario` names (argo, flagger: whose deployment's canary workflow is
    /// migrated; `None`: the first scenario that runs one).
    pub scenario: Option<String>,
}

impl Options {
    /// Whether an artifact defined in `file` is emitted.
    pub fn in_scope(&self, file: FileId) -> bool {
        self.scope
            .as_ref()
            .is_none_or(|files| files.contains(&file))
    }
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
pub fn emit(project: &Project, target: Target, options: &Options) -> Emitted {
    let mut emitted = match target {
        Target::Haproxy => emit_haproxy(project, options),
        Target::Krakend => {
            krakend::emit(&project.krakend, &options.paths, options.explicit, options)
        }
        Target::Cloudify => cloudify::emit(project, options),
        Target::Argo => argo::emit(project, options.scenario.as_deref()),
        Target::Flagger => flagger::emit(project, options.scenario.as_deref()),
        Target::Vamp => vamp::emit(project, options),
    };
    crate::diag::normalize(&mut emitted.diagnostics);
    emitted
}

/// Why the state to emit could not be had.
#[derive(Debug)]
pub enum StateError {
    /// A usage problem (`--at` without a scenario to rehearse, a bad duration).
    Usage(String),
    /// The rehearsal could not be built (its diagnostics).
    Diagnostics(Vec<Diagnostic>),
}

/// The runtime state `--scenario NAME [--at T]` asks for: the scenario's deployments as
/// declared, or its rehearsal's weights and ready instances at time T. `None` without a
/// scenario: the artifacts' own state.
pub fn state_for(
    project: &Project,
    target: Target,
    scenario: Option<&str>,
    at: Option<&str>,
    seed: Option<u64>,
) -> Result<Option<gateways::RuntimeState>, StateError> {
    if scenario.is_none() && at.is_none() {
        return Ok(None);
    }
    // A KrakenD config or a Cloudify blueprint is the same at every step of a rehearsal.
    if matches!(target, Target::Krakend | Target::Cloudify) {
        return Err(StateError::Usage(format!(
            "--scenario and --at choose a rehearsal's state; the {} target has none",
            target.as_str()
        )));
    }
    // The artifacts are what the user deploys; the state a rehearsal reaches is the
    // runtime's (`--target haproxy --at T` shows its weights and servers).
    if target == Target::Vamp {
        return Err(StateError::Usage(
            "--scenario and --at choose a rehearsal's state; --target vamp writes the artifacts \
             as declared (--target haproxy --scenario S --at T shows the weights and servers at T)"
                .into(),
        ));
    }
    // A migrated canary is the workflow's whole ramp: no moment of a rehearsal to pick.
    if matches!(target, Target::Argo | Target::Flagger) {
        if let Some(name) =
            scenario.filter(|n| !project.scenarios.iter().any(|s| s.name.value == *n))
        {
            return Err(StateError::Usage(format!("no scenario named '{name}'")));
        }
        return match at {
            Some(_) => Err(StateError::Usage(format!(
                "--at applies to the haproxy target; --target {} emits the whole ramp",
                target.as_str()
            ))),
            None => Ok(None),
        };
    }
    let chosen = match scenario {
        Some(name) => project.scenarios.iter().find(|s| s.name.value == name),
        None if project.scenarios.len() == 1 => project.scenarios.first(),
        None => None,
    };
    let Some(chosen) = chosen else {
        let names: Vec<&str> = project
            .scenarios
            .iter()
            .map(|s| s.name.value.as_str())
            .collect();
        return Err(StateError::Usage(match scenario {
            Some(name) => format!(
                "no scenario named '{name}' (scenarios: {})",
                names.join(", ")
            ),
            None => format!(
                "--at needs --scenario: the project holds {} scenarios ({})",
                names.len(),
                names.join(", ")
            ),
        }));
    };
    let mut state = gateways::deployed_by(project, chosen);
    let Some(at) = at else {
        return Ok(Some(state));
    };
    let at_ns = crate::syntax::units::parse_go_duration(at)
        .ok()
        .map(|d| d.nanos())
        .filter(|n| *n >= 0)
        .ok_or_else(|| {
            StateError::Usage(format!(
                "--at {at}: not a duration such as 42s, 3m or 1m30s"
            ))
        })?;
    let at_ns = at_ns as u64;
    if at_ns > chosen.duration_ns.value {
        return Err(StateError::Diagnostics(vec![Diagnostic::error(
            &crate::diag::codes::e::E010,
            chosen.duration_ns.span,
            format!(
                "--at {at} is past the end of scenario '{}'",
                chosen.name.value
            ),
        )]));
    }
    let seed = seed.or(chosen.seed).unwrap_or(0);
    let reached =
        crate::sim::at::state_at(project, chosen, seed, at_ns).map_err(StateError::Diagnostics)?;
    for w in reached.weights {
        state.weights.insert((w.gateway, w.route), w.weight_bp);
    }
    for s in reached.services {
        let instances = s
            .ready
            .iter()
            .map(|(label, host)| gateways::InstanceAt {
                name: format!("{}/{}/{label}", s.deployment, s.cluster),
                host: *host,
            })
            .collect();
        state
            .instances
            .insert((s.deployment, s.cluster, s.service), instances);
    }
    Ok(Some(state))
}

fn emit_haproxy(project: &Project, options: &Options) -> Emitted {
    let declared;
    let state = match &options.state {
        Some(state) => state,
        None => {
            declared = gateways::declared(project, options);
            &declared
        }
    };
    let settings = haproxy::Settings::default();
    let inputs = gateways::resolve(project, state, &settings.ip, options);
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
