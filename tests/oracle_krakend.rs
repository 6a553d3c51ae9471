//! Schema oracle: every JSON fixture rehearse calls clean also passes the official KrakenD
//! schema v2.13 (`../shared/oracles/krakend_lint.py`, python-jsonschema, installed by
//! `.ci/run` / `oracles/setup.sh` into `$REHEARSE_ORACLES`). Skips with a notice when the venv
//! or ../shared is absent, unless REHEARSE_REQUIRE_SHARED=1.

mod common;

use rehearse::check::{check, Input, Options};
use rehearse::dialect::Kind;
use std::path::PathBuf;
use std::process::Command;

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
fn clean_fixtures_pass_the_official_schema() {
    let Some(shared) = common::shared_dir("krakend schema oracle") else {
        return;
    };
    let Some(python) = oracle_python() else {
        if std::env::var("REHEARSE_REQUIRE_SHARED").is_ok_and(|v| v == "1") {
            panic!("krakend schema oracle: no venv at $REHEARSE_ORACLES (run oracles/setup.sh)");
        }
        eprintln!(
            "notice: krakend schema oracle skipped: no venv (run ../shared/oracles/setup.sh)"
        );
        return;
    };
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/check/krakend");
    let mut clean = Vec::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("fixtures")
        .filter_map(Result::ok)
        .map(|e| e.path())
        // krakend check --lint only reads JSON.
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    entries.sort();
    for path in entries {
        let checked = check(
            vec![Input {
                path: path.display().to_string(),
                bytes: std::fs::read(&path).expect("fixture"),
                reported: true,
                forced_kind: Some(Kind::Krakend),
            }],
            &Options::default(),
        );
        if checked.diagnostics.is_empty() {
            clean.push(path);
        }
    }
    assert!(
        !clean.is_empty(),
        "no clean JSON fixture to hand to the oracle"
    );
    let output = Command::new(&python)
        .arg(shared.join("oracles/krakend_lint.py"))
        .arg("v2.13")
        .args(&clean)
        .output()
        .expect("run krakend_lint.py");
    let stdout = String::from_utf8_lossy(&output.stdout);
    println!("{stdout}");
    assert!(
        output.status.success(),
        "krakend_lint.py failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), clean.len(), "one verdict per file expected");
    for line in lines {
        assert!(
            line.ends_with(" OK"),
            "rehearse calls it clean, the schema does not: {line}"
        );
    }
}
