//! `rehearse emit --target argo|flagger` (issue 12, "Migrate"): the sava canary workflow as an
//! Argo Rollout and a Flagger Canary. The emitted objects check clean, pass the CRD schemas
//! (tests/oracles/crd_validate.py, python-jsonschema in the oracle venv), and `rehearse plan`
//! on the Rollout shows the weight timeline the Vamp rehearsal of the same project produced.

mod common;

use rehearse::check::{check, Checked, Input, Options};
use rehearse::emit::{self, Emitted, Target};
use rehearse::sim::{run, RunOptions};
use std::path::PathBuf;
use std::process::Command;

/// The sava spec, its deployment renamed `rename` when given.
fn sava_files(rename: Option<&str>) -> Vec<Input> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/specs/sava");
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .expect("specs/sava")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yml" || x == "json"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let mut text = std::fs::read_to_string(&p).unwrap();
            if let Some(name) = rename {
                text = text
                    .replace("as: sava }", &format!("as: \"{name}\" }}"))
                    .replace("sava/sava/", &format!("{name}/sava/"))
                    .replace("to: sava/9050", &format!("to: \"{name}/9050\""));
            }
            Input::reported(
                format!("specs/sava/{}", p.file_name().unwrap().to_string_lossy()),
                text.into_bytes(),
            )
        })
        .collect()
}

fn checked_sava(rename: Option<&str>) -> Checked {
    common::sim::checked_without_errors(sava_files(rename))
}

fn emit_sava(target: Target, rename: Option<&str>) -> Emitted {
    let checked = checked_sava(rename);
    emit::emit(
        &checked.project,
        target,
        &emit::Options {
            scenario: Some("sava-canary".into()),
            ..Default::default()
        },
    )
}

/// Checks the emitted file alone, as `rehearse check` and `rehearse plan` read it.
fn check_emitted(emitted: &Emitted) -> Checked {
    assert_eq!(emitted.documents.len(), 1, "{emitted:?}");
    let document = &emitted.documents[0];
    check(
        vec![Input::reported(
            document.name.clone(),
            document.text.clone().into_bytes(),
        )],
        &Options::default(),
    )
}

/// (time in ns, canary weight in %) each time the weight changes.
type Timeline = Vec<(u64, i64)>;

/// The Vamp rehearsal's ramp: the canary program's weights decisions for sava:1.1.
fn vamp_timeline() -> Timeline {
    let checked = checked_sava(None);
    let result = run(
        &checked.project,
        RunOptions {
            scenario: Some("sava-canary".into()),
            trace: None,
            ..Default::default()
        },
    )
    .expect("sava-canary runs");
    result
        .decisions
        .iter()
        .filter(|d| d.kind == "weights")
        .map(|d| {
            let weight = d.detail["sava/sava/sava:1.1/web"]
                .as_i64()
                .expect("whole percent");
            (d.t, weight)
        })
        .collect()
}

#[test]
fn the_argo_rollout_previews_the_vamp_ramp() {
    let emitted = emit_sava(Target::Argo, None);
    assert_eq!(emitted.errors(), 0, "{:?}", emitted.diagnostics);
    assert_eq!(emitted.documents[0].name, "sava-rollout.yaml");
    let checked = check_emitted(&emitted);
    let findings: Vec<String> = checked
        .diagnostics
        .iter()
        .map(|d| format!("{} {}", d.code.id, d.message))
        .collect();
    assert!(findings.is_empty(), "{findings:#?}");
    let plans = rehearse::plan::plan(&checked.project, &checked.sources, &Default::default());
    assert_eq!(plans.len(), 1);
    let plan = &plans[0];
    assert_eq!(plan.strategy, "traffic-routed canary");
    let mut argo: Timeline = Vec::new();
    for step in &plan.steps {
        if argo.last().is_none_or(|(_, w)| *w != step.weight) {
            argo.push((step.start_ns, step.weight));
        }
    }
    let vamp = vamp_timeline();
    assert_eq!(vamp.len(), 20, "{vamp:?}");
    assert_eq!(argo, vamp);
    assert_eq!(plan.total_max_ns, Some(95_000_000_000));
}

#[test]
fn the_flagger_canary_climbs_the_same_ladder_at_flaggers_tick() {
    let emitted = emit_sava(Target::Flagger, None);
    assert_eq!(emitted.errors(), 0, "{:?}", emitted.diagnostics);
    // Flagger cannot tick every 5 s: said once, as a warning.
    let codes: Vec<&str> = emitted.diagnostics.iter().map(|d| d.code.id).collect();
    assert_eq!(codes, ["E022"]);
    let checked = check_emitted(&emitted);
    let errors: Vec<String> = checked
        .error_diagnostics()
        .map(|d| format!("{} {}", d.code.id, d.message))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let plans = rehearse::plan::plan(&checked.project, &checked.sources, &Default::default());
    assert_eq!(plans.len(), 1);
    let plan = &plans[0];
    assert_eq!(plan.interval_ns, Some(10_000_000_000));
    let mut ladder: Vec<i64> = Vec::new();
    for step in plan.steps.iter().filter(|s| s.weight > 0) {
        if ladder.last() != Some(&step.weight) {
            ladder.push(step.weight);
        }
    }
    let vamp: Vec<i64> = vamp_timeline().into_iter().map(|(_, w)| w).collect();
    assert_eq!(ladder, vamp);
}

fn oracle_python() -> Option<PathBuf> {
    let root = std::env::var_os("REHEARSE_ORACLES")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/rehearse-oracles"))
        })?;
    let python = root.join("bin/python");
    python.exists().then_some(python)
}

#[test]
fn emitted_objects_pass_the_crd_schemas() {
    let Some(shared) = common::shared_dir("emit_migrate CRD schemas") else {
        return;
    };
    let Some(python) = oracle_python() else {
        if std::env::var("REHEARSE_REQUIRE_SHARED").is_ok_and(|v| v == "1") {
            panic!("emit_migrate: no oracle venv at $REHEARSE_ORACLES (run oracles/setup.sh)");
        }
        eprintln!("notice: emit_migrate CRD schemas skipped: no oracle venv");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for target in [Target::Argo, Target::Flagger] {
        let emitted = emit_sava(target, None);
        for d in &emitted.documents {
            let path = dir.path().join(&d.name);
            std::fs::write(&path, &d.text).unwrap();
            files.push(path);
        }
    }
    let output = Command::new(python)
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/oracles/crd_validate.py"
        ))
        .arg(shared.join("reference/rollouts/crds"))
        .args(&files)
        .output()
        .expect("python runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // The three custom resources were validated, not skipped.
    for line in [
        "ok Rollout sava",
        "ok AnalysisTemplate sava-gateway-5xx",
        "ok Canary sava",
    ] {
        assert!(
            stdout.lines().any(|l| l == line),
            "{line} missing:\n{stdout}"
        );
    }
}

#[test]
fn hostile_names_give_a_valid_name_or_a_diagnostic() {
    // Spaces, unicode and length: cut down to an RFC 1035 label.
    let long = format!("Ünïcode sava {}", "x".repeat(200));
    let emitted = emit_sava(Target::Argo, Some(&long));
    assert_eq!(emitted.errors(), 0, "{:?}", emitted.diagnostics);
    let name_line = emitted.documents[0]
        .text
        .lines()
        .find(|l| l.starts_with("  name: "))
        .unwrap()
        .to_string();
    let name = name_line.trim_start_matches("  name: ").trim_matches('"');
    let label = regex_lite(name);
    assert!(label, "{name}");
    assert!(check_emitted(&emitted).error_diagnostics().next().is_none());
    // Nothing left that can start a Kubernetes name: E021, nothing emitted.
    let emitted = emit_sava(Target::Argo, Some("9 lives"));
    let codes: Vec<&str> = emitted.diagnostics.iter().map(|d| d.code.id).collect();
    assert_eq!(codes, ["E021"]);
    assert!(emitted.documents.is_empty());
}

/// An RFC 1035 label: `[a-z]([-a-z0-9]*[a-z0-9])?`, at most 63 characters.
fn regex_lite(name: &str) -> bool {
    name.len() <= 63
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && !name.ends_with('-')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

#[test]
fn a_project_without_a_canary_workflow_has_nothing_to_migrate() {
    let checked = common::sim::checked_without_errors(common::sim::inputs(&[(
        "gw.yml",
        "kind: gateway\nname: gw\nport: 9000\nroutes:\n  a/b/c/d: {weight: 100%}\n",
    )]));
    let emitted = emit::emit(&checked.project, Target::Argo, &Default::default());
    assert!(emitted.nothing.is_some());
    assert!(emitted.documents.is_empty());
}

#[test]
fn the_cli_writes_the_rollout_and_refuses_what_does_not_apply() {
    let spec = concat!(env!("CARGO_MANIFEST_DIR"), "/specs/sava");
    let rehearse = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_rehearse"))
            .args(["emit", spec])
            .args(args)
            .output()
            .expect("rehearse runs")
    };
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("migrated");
    let written = rehearse(&[
        "--target",
        "argo",
        "--scenario",
        "sava-canary",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert!(written.status.success(), "{written:?}");
    let text = std::fs::read_to_string(dir.join("sava-rollout.yaml")).unwrap();
    assert_eq!(text, emit_sava(Target::Argo, None).documents[0].text);
    // --at picks a moment of a rehearsal: a migrated canary is the whole ramp.
    let at = rehearse(&["--target", "argo", "--at", "10s"]);
    assert_eq!(at.status.code(), Some(2));
    let unknown = rehearse(&["--target", "flagger", "--scenario", "nope"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no scenario named 'nope'"));
}
