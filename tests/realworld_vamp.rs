//! Real-world Vamp files (tests/data/realworld/vamp, listed with their sources in SOURCES.tsv):
//! each file is checked alone, as a pre-commit hook checks one changed file, and its verdict
//! compared with the expected one. Vamp accepts every file of the set (`valid`), and the
//! Kubernetes manifests beside them are not Vamp's (`not-vamp`), so any error is a false error.
//! Prints the agreement table.

use rehearse::check::{check, Input, Options};
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
    println!("{:<86} {:<9} {:<8} findings", "file", "expected", "verdict");
    for row in &rows {
        let bytes = std::fs::read(dir.join(&row.local)).expect("listed file exists");
        let checked = check(
            vec![Input::reported(row.local.clone(), bytes)],
            &Options::default(),
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
        "real-world Vamp: {agreed}/{} files agree ({} repositories), {} false errors",
        rows.len(),
        repos.len(),
        false_errors.len()
    );
    assert!(
        false_errors.is_empty(),
        "false errors:\n{}",
        false_errors.join("\n")
    );
    assert_eq!(agreed, rows.len(), "verdicts differ");
}
