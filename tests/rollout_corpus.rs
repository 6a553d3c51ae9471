//! corpus/rollouts (19 Argo Rollouts and Flagger files with the peers' verdicts in CASES.tsv):
//! our verdict must agree on every case, the lint testdata's invalid cases must carry the lint's
//! message as `peer`, and `rehearse plan` on each file is snapshotted (read by hand; see
//! tests/snapshots/rollout_corpus__plan_*.snap).
//!
//! Each file is checked as `kubectl argo rollouts lint` sees it — alone — with the examples'
//! AnalysisTemplates file (argo-04) as context, as its comments ask ("kubectl apply -f
//! analysis-templates.yaml" first).

mod common;

use rehearse::check::{self, Input, Options};
use std::path::Path;

struct Case {
    file: String,
    expected: String,
}

fn cases(dir: &Path) -> Vec<Case> {
    let text = std::fs::read_to_string(dir.join("CASES.tsv")).unwrap();
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            Case {
                file: cols[0].to_string(),
                expected: cols[4].to_string(),
            }
        })
        .collect()
}

fn check_file(dir: &Path, file: &str) -> check::Checked {
    let mut inputs = vec![Input::reported(
        file,
        std::fs::read(dir.join(file)).unwrap(),
    )];
    let templates = "argo-04-analysis-templates.yaml";
    if file != templates {
        inputs.push(Input {
            path: templates.to_string(),
            bytes: std::fs::read(dir.join(templates)).unwrap(),
            reported: false,
            forced_kind: None,
        });
    }
    check::check(inputs, &Options::default())
}

#[test]
fn verdicts_and_messages_agree_with_the_peers() {
    let Some(shared) = common::shared_dir("rollout_corpus") else {
        return;
    };
    let dir = shared.join("corpus/rollouts");
    let cases = cases(&dir);
    assert_eq!(cases.len(), 19);
    let mut agree = 0;
    let mut failures = Vec::new();
    for case in &cases {
        let checked = check_file(&dir, &case.file);
        assert_eq!(checked.files, 1, "{} must be checked as a spec", case.file);
        let errors: Vec<_> = checked.error_diagnostics().collect();
        let ok = if case.expected == "valid" {
            errors.is_empty()
        } else {
            let message = case.expected.trim_start_matches("error:");
            if message.starts_with("YAML parse error") {
                errors.iter().any(|d| d.code.id.starts_with('Y'))
            } else {
                errors.iter().any(|d| d.peer.as_deref() == Some(message))
            }
        };
        if ok {
            agree += 1;
        } else {
            failures.push(format!(
                "{}: expected {}, got {:?}",
                case.file,
                case.expected,
                errors
                    .iter()
                    .map(|d| format!("{} {} (peer {:?})", d.code.id, d.message, d.peer))
                    .collect::<Vec<_>>()
            ));
        }
    }
    println!("corpus/rollouts: {agree}/{} verdicts agree", cases.len());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn plans_of_the_corpus_examples() {
    let Some(shared) = common::shared_dir("rollout_corpus") else {
        return;
    };
    let dir = shared.join("corpus/rollouts");
    for case in cases(&dir) {
        let checked = check_file(&dir, &case.file);
        let plans = rehearse::plan::plan(
            &checked.project,
            &checked.sources,
            &rehearse::plan::Options::default(),
        );
        let text = format!(
            "{}\n{}",
            rehearse::plan::to_human(&plans),
            serde_json::to_string_pretty(&rehearse::plan::to_json(&plans)).unwrap()
        );
        let name = format!("plan_{}", case.file.split('.').next().unwrap());
        insta::assert_snapshot!(name, text);
    }
}
