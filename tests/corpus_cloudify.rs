//! The Cloudify corpus (../shared/corpus/cloudify/CASES.tsv): every blueprint checked by
//! rehearse, its verdict compared with the one Cloudify's parser gave when the case was
//! recorded. Cases whose verdict only exists at deployment (inputs supplied at deploy time,
//! multi-instance plans, modify_deployment) are listed as out of scope.

mod common;

use rehearse::check::{self, Checked, Input, Options};
use rehearse::dialect::Kind;
use std::path::Path;

struct Case {
    file: String,
    expected: String,
    detail: String,
}

fn cases(dir: &Path) -> Vec<Case> {
    let text = std::fs::read_to_string(dir.join("CASES.tsv")).expect("CASES.tsv is readable");
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("file\t"))
        .filter_map(|l| {
            let fields: Vec<&str> = l.split('\t').collect();
            Some(Case {
                file: fields.first()?.to_string(),
                expected: fields.get(4)?.to_string(),
                detail: fields.get(5).unwrap_or(&"").to_string(),
            })
        })
        .collect()
}

/// A verdict decided only when a deployment plan is made, not when the blueprint is parsed.
fn deployment_time(case: &Case) -> bool {
    case.expected != "valid" && !case.detail.starts_with("parse raises")
}

/// Our verdict in Cloudify's terms: "valid", or "error:<peer>" for each error we report.
pub fn verdicts(checked: &Checked) -> Vec<String> {
    checked
        .error_diagnostics()
        .map(|d| match &d.peer {
            Some(peer) => format!("error:{peer}"),
            // A YAML syntax error is Cloudify's -1.
            None if d.code.id == "Y001" => "error:-1".to_string(),
            None => format!("error:{}", d.code.id),
        })
        .collect()
}

pub fn check_file(path: &Path) -> Checked {
    let bytes = std::fs::read(path).expect("corpus file is readable");
    check::check(
        vec![Input {
            path: path.display().to_string(),
            bytes,
            reported: true,
            forced_kind: Some(Kind::Cloudify),
        }],
        &Options::default(),
    )
}

#[test]
fn corpus_agreement() {
    let Some(shared) = common::shared_dir("corpus_cloudify") else {
        return;
    };
    let dir = shared.join("corpus/cloudify");
    let cases = cases(&dir);
    assert!(
        cases.len() >= 300,
        "expected the full corpus, got {}",
        cases.len()
    );
    let mut out_of_scope = Vec::new();
    let mut agree = 0;
    let mut disagreements = Vec::new();
    let mut by_expected: std::collections::BTreeMap<String, (usize, usize)> = Default::default();
    for case in &cases {
        if deployment_time(case) {
            out_of_scope.push(format!("{} ({})", case.file, case.expected));
            continue;
        }
        let checked = check_file(&dir.join(&case.file));
        let ours = verdicts(&checked);
        let ok = if case.expected == "valid" {
            ours.is_empty()
        } else {
            ours.contains(&case.expected)
        };
        let kind = if case.expected == "valid" {
            "valid".to_string()
        } else {
            "error".to_string()
        };
        let entry = by_expected.entry(kind).or_default();
        entry.0 += 1;
        if ok {
            agree += 1;
            entry.1 += 1;
        } else {
            let ours_text = if ours.is_empty() {
                "valid".to_string()
            } else {
                ours.join(", ")
            };
            let first = checked
                .diagnostics
                .iter()
                .find(|d| d.is_error())
                .map(|d| format!("{}: {}", d.code.id, d.message))
                .unwrap_or_default();
            disagreements.push(format!(
                "{}: expected {}, rehearse {} {}",
                case.file, case.expected, ours_text, first
            ));
        }
    }
    let in_scope = cases.len() - out_of_scope.len();
    println!("Cloudify corpus: {} cases", cases.len());
    println!("| expected | cases | agree |");
    println!("|---|---|---|");
    for (kind, (n, ok)) in &by_expected {
        println!("| {kind} | {n} | {ok} |");
    }
    println!(
        "| parse-time total | {in_scope} | {agree} ({:.1}%) |",
        100.0 * agree as f64 / in_scope as f64
    );
    println!("\nout of scope (deployment-time), {}:", out_of_scope.len());
    for name in &out_of_scope {
        println!("  {name}");
    }
    println!("\ndisagreements, {}:", disagreements.len());
    for line in &disagreements {
        println!("  {line}");
    }
    let rate = agree as f64 / in_scope as f64;
    assert!(rate >= 0.97, "agreement {:.1}% is below 97%", 100.0 * rate);
}
