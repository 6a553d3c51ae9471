//! Real-world Vamp files (tests/data/realworld/vamp, listed with their sources in SOURCES.tsv):
//! each file is checked alone, as a pre-commit hook checks one changed file, and its verdict
//! compared with the expected one. Vamp accepts every file of the set (`valid`), so any error
//! on one is a false error and fails the test. The Kubernetes manifests beside them
//! (`not-vamp`) are never read by Vamp; what rehearse says about them is detection's call, so
//! their verdict is printed but does not fail the test. Prints the agreement table.

use rehearse::check::{check, Input, Options, SpecPolicy};
use std::path::Path;

struct Row {
    local: String,
    repo: String,
    expected: String,
}

fn rows(tsv: &str) -> Vec<Row> {
    tsv.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            Some(Row {
                local: fields.first()?.to_string(),
                repo: fields.get(1)?.to_string(),
                expected: fields.get(5)?.to_string(),
            })
        })
        .collect()
}

#[test]
fn realworld_vamp_files_get_no_false_error() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/realworld/vamp");
    let tsv = std::fs::read_to_string(dir.join("SOURCES.tsv")).expect("SOURCES.tsv");
    let rows = rows(&tsv);
    assert!(!rows.is_empty(), "no rows in SOURCES.tsv");
    let mut agreed = 0;
    let mut false_errors = Vec::new();
    let mut not_vamp_flagged = Vec::new();
    println!("{:<86} {:<9} {:<8} findings", "file", "expected", "verdict");
    for row in &rows {
        let bytes = std::fs::read(dir.join(&row.local)).expect("listed file exists");
        let checked = check(
            vec![Input::reported(row.local.clone(), bytes)],
            // As `rehearse check` reads a file it is given (no `--strict-kinds`).
            &Options {
                specs: SpecPolicy::Listed(Default::default()),
                ..Options::default()
            },
        );
        let verdict = if checked.errors() > 0 {
            "error"
        } else {
            "valid"
        };
        let expected_error = row.expected.starts_with("error");
        let agrees = expected_error == (checked.errors() > 0);
        if agrees {
            agreed += 1;
        } else if row.expected == "not-vamp" {
            // Files Vamp never reads (Kubernetes manifests beside the specs).
            not_vamp_flagged.push(row.local.clone());
        } else if !expected_error {
            false_errors.push(format!(
                "{}: {:?}",
                row.local,
                checked
                    .error_diagnostics()
                    .map(|d| format!("{} {}", d.code.id, d.message))
                    .collect::<Vec<_>>()
            ));
        }
        let codes: Vec<&str> = checked.diagnostics.iter().map(|d| d.code.id).collect();
        println!(
            "{:<86} {:<9} {:<8} {}",
            row.local,
            row.expected,
            verdict,
            codes.join(" ")
        );
    }
    let repos: std::collections::BTreeSet<&str> = rows.iter().map(|r| r.repo.as_str()).collect();
    println!(
        "real-world Vamp: {agreed}/{} files agree ({} repositories), {} false errors on Vamp files",
        rows.len(),
        repos.len(),
        false_errors.len()
    );
    assert!(
        false_errors.is_empty(),
        "false errors:\n{}",
        false_errors.join("\n")
    );
    // Issue #17: a Kubernetes manifest is never an error, named or not.
    assert!(
        not_vamp_flagged.is_empty(),
        "non-Vamp files reported with an error: {}",
        not_vamp_flagged.join(", ")
    );
    assert_eq!(agreed, rows.len(), "verdicts differ");
}
