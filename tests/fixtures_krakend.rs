//! fixtures/check/krakend: one fixture per rule, named after its code (`K013.json` and
//! `K013_why.json` must raise K013; `Y002_why.json` a syntax-layer code the same way), `clean*`
//! fixtures must raise nothing, fixtures whose name ends in `_runs` are configs KrakenD runs
//! (no error, warnings allowed), and the rendered
//! diagnostics of every fixture are snapshotted beside them
//! (fixtures/check/krakend/snapshots/<file name>.snap).

use rehearse::check::{check, Checked, Input, Options};
use rehearse::dialect::Kind;
use std::path::{Path, PathBuf};

fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/check/krakend")
}

pub fn fixtures() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(fixture_dir())
        .expect("fixtures/check/krakend")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.extension()
                .is_some_and(|e| e == "json" || e == "yaml" || e == "yml" || e == "tmpl")
        })
        .collect();
    files.sort();
    files
}

fn check_fixture(path: &Path) -> Checked {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    check(
        vec![Input {
            path: format!("fixtures/check/krakend/{name}"),
            bytes: std::fs::read(path).expect("fixture"),
            reported: true,
            forced_kind: Some(Kind::Krakend),
        }],
        &Options {
            // `.tmpl` fixtures are flexible-config templates (no settings folders).
            krakend_flexible: name
                .ends_with(".tmpl")
                .then(rehearse::dialect::krakend::flexible::FlexibleConfig::default),
            ..Options::default()
        },
    )
}

#[test]
fn every_fixture_raises_its_code_and_matches_its_snapshot() {
    let files = fixtures();
    assert!(files.len() >= 20, "fixtures missing: {files:?}");
    for path in files {
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        let file_name = path.file_name().and_then(|s| s.to_str()).unwrap_or("");
        let checked = check_fixture(&path);
        let codes: Vec<&str> = checked.diagnostics.iter().map(|d| d.code.id).collect();
        if stem.starts_with("clean") {
            assert!(codes.is_empty(), "{stem} should be clean: {codes:?}");
        } else if is_code(stem.split('_').next().unwrap_or(stem)) {
            let code = stem.split('_').next().unwrap_or(stem);
            assert!(
                codes.contains(&code),
                "{stem}.* does not raise {code}: {codes:?}"
            );
            if stem.ends_with("_runs") {
                assert_eq!(checked.errors(), 0, "{stem}: KrakenD runs it: {codes:?}");
            }
        } else {
            assert!(checked.errors() > 0, "{stem} should fail: {codes:?}");
        }
        let rendered = rehearse::report::human::render(&checked, false);
        insta::with_settings!({
            snapshot_path => fixture_dir().join("snapshots"),
            prepend_module_to_snapshot => false,
            omit_expression => true,
        }, {
            insta::assert_snapshot!(file_name.to_string(), rendered);
        });
    }
}

/// `K013`, `Y002`: a family letter and three digits.
fn is_code(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(|c| c.is_ascii_uppercase())
        && chars.clone().count() == 3
        && chars.all(|c| c.is_ascii_digit())
}

/// Every rule code of the K family has a fixture.
#[test]
fn every_k_code_has_a_fixture() {
    let names: Vec<String> = fixtures()
        .iter()
        .filter_map(|p| p.file_stem()?.to_str().map(str::to_string))
        .collect();
    for code in rehearse::diag::codes::k::ALL {
        assert!(
            names.iter().any(|n| n == code.id),
            "no fixture for {}",
            code.id
        );
    }
}

/// fixtures/krakend-flexible/<example>: flexible-config projects (a `rehearse.toml` naming
/// their settings, partials and templates folders, a `krakend.tmpl`).
fn flexible_example(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/krakend-flexible")
        .join(name)
}

fn flexible_config_of(root: &Path) -> rehearse::dialect::krakend::flexible::FlexibleConfig {
    let config = rehearse::config::ProjectConfig::load(root)
        .expect("rehearse.toml")
        .expect("valid rehearse.toml");
    rehearse::dialect::krakend::flexible::FlexibleConfig::from_project(root, &config.krakend)
        .expect("[krakend] folders")
}

/// `rehearse check --format json FILE` from the repository root.
fn check_cli(file: &str) -> serde_json::Value {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_rehearse"))
        .args(["check", "--format", "json", file])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("FC_ENABLE")
        .output()
        .expect("rehearse runs");
    serde_json::from_slice(&output.stdout).expect("a JSON report")
}

/// KrakenD's documented flexible-config examples (configuration/templates.md and
/// flexible-config.md, rebuilt as fixtures: settings, partials, sub-templates) render to the
/// JSON the docs describe, and the rendering is a config rehearse finds nothing wrong with.
#[test]
fn documented_flexible_config_examples_render_as_the_docs_show() {
    for name in ["docs-example", "docs-templates"] {
        let root = flexible_example(name);
        let fc = flexible_config_of(&root);
        let rendered =
            rehearse::dialect::krakend::flexible::render_file(&root.join("krakend.tmpl"), &fc)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
        let got: serde_json::Value = serde_json::from_str(&rendered.text).unwrap_or_else(|e| {
            panic!("{name}: the rendering is not JSON: {e}\n{}", rendered.text)
        });
        let expected: serde_json::Value =
            serde_json::from_slice(&std::fs::read(root.join("expected.json")).unwrap()).unwrap();
        assert_eq!(got, expected, "{name}");
        // Every file the rendering read is one of the example's.
        assert!(rendered.files.len() > 1, "{name}: {:?}", rendered.files);

        let report = check_cli(&format!("fixtures/krakend-flexible/{name}/krakend.tmpl"));
        assert_eq!(report["files"], 1, "{name}: {report:#}");
        assert_eq!(
            report["diagnostics"],
            serde_json::json!([]),
            "{name}: {report:#}"
        );
    }
}

/// A finding caused by text in a partial points into the partial: its file and line.
#[test]
fn a_finding_in_a_partial_points_into_the_partial() {
    let report = check_cli("fixtures/krakend-flexible/partial-error/krakend.tmpl");
    let diagnostics = report["diagnostics"].as_array().expect("diagnostics");
    assert_eq!(diagnostics.len(), 1, "{report:#}");
    let finding = &diagnostics[0];
    assert_eq!(finding["code"], "K008", "{report:#}");
    assert_eq!(
        finding["file"], "fixtures/krakend-flexible/partial-error/partials/users_backend.json",
        "{report:#}"
    );
    assert_eq!(finding["line"], 2, "{report:#}");
    // The column is that of `{user}` in `"url_pattern": "/v1/users/{user}",`.
    let partial = std::fs::read_to_string(
        flexible_example("partial-error").join("partials/users_backend.json"),
    )
    .unwrap();
    let line = partial.lines().nth(1).unwrap();
    assert_eq!(
        finding["column"].as_u64(),
        line.find("{user}").map(|c| c as u64 + 1),
        "{report:#}"
    );

    // Checking the folder finds the template too (`*.tmpl` is walked when rehearse.toml names
    // flexible-config folders) and reads the partial as template material, not a config.
    let folder = check_cli("fixtures/krakend-flexible/partial-error");
    assert_eq!(folder["files"], 1, "{folder:#}");
    assert_eq!(folder["diagnostics"], report["diagnostics"], "{folder:#}");

    // The human report, snapshotted: it quotes the partial's line.
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_rehearse"))
        .args([
            "check",
            "fixtures/krakend-flexible/partial-error/krakend.tmpl",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("FC_ENABLE")
        .env("NO_COLOR", "1")
        .output()
        .expect("rehearse runs");
    insta::with_settings!({
        snapshot_path => flexible_example("partial-error"),
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_snapshot!("partial-error", String::from_utf8_lossy(&output.stdout));
    });
}
