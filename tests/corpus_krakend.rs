//! KrakenD corpus conformance: every case of ../shared/corpus/krakend/CASES.tsv through
//! `rehearse::check::check` with `--kind krakend`.
//!
//! Verdict: rehearse reports an error ⇔ `expected` is `error:…` (lura's verdict). Where the
//! expected verdict is the schema test's (`error:schema lint … rejects`), rehearse's verdict is
//! "an error or a finding that fails the lint": schema-only requirements are warnings in
//! rehearse, as KrakenD runs those configs. Lint: a diagnostic that implies `krakend check
//! --lint` fails (`dialect::krakend::implies_lint_failure`) ⇔ the lint column of the schema
//! version the config is linted against is INVALID: `lint_v2.7` when its `$schema` pins v2.7
//! or older (or the old `v3.json`), else `lint_v2.13` (cases where the column is `n/a`, i.e.
//! not JSON, are not counted). Prints both tables and every disagreement with its reason.

mod common;

use rehearse::check::{check, Input, Options};
use rehearse::dialect::krakend::implies_lint_failure;
use rehearse::dialect::Kind;

const MIN_VERDICT_AGREEMENT: f64 = 0.97;
const MIN_LINT_AGREEMENT: f64 = 0.90;

struct Case {
    file: String,
    expected: String,
    lint_v2_7: String,
    lint_v2_13: String,
}

/// The lint column that applies to a config: its `$schema` pin, else the newest schema.
fn lint_column<'a>(case: &'a Case, bytes: &[u8]) -> (&'static str, &'a str) {
    let schema = serde_json::from_slice::<serde_json::Value>(bytes)
        .ok()
        .and_then(|v| {
            v.get("$schema")
                .and_then(|s| s.as_str())
                .map(str::to_string)
        })
        .unwrap_or_default();
    let old_pin = schema.ends_with("/v3.json")
        || schema
            .split("/v2.")
            .nth(1)
            .and_then(|rest| {
                rest.chars()
                    .take_while(char::is_ascii_digit)
                    .collect::<String>()
                    .parse::<u32>()
                    .ok()
            })
            .is_some_and(|minor| minor <= 7);
    if old_pin {
        ("v2.7", &case.lint_v2_7)
    } else {
        ("v2.13", &case.lint_v2_13)
    }
}

fn cases(tsv: &str) -> Vec<Case> {
    tsv.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .skip(1)
        .filter_map(|line| {
            let cols: Vec<&str> = line.split('\t').collect();
            Some(Case {
                file: cols.first()?.to_string(),
                expected: cols.get(4)?.to_string(),
                lint_v2_7: cols.get(8)?.to_string(),
                lint_v2_13: cols.get(9)?.to_string(),
            })
        })
        .collect()
}

#[test]
fn krakend_corpus_agrees_with_lura_and_the_schema() {
    let Some(shared) = common::shared_dir("krakend corpus") else {
        return;
    };
    let corpus = shared.join("corpus/krakend");
    let tsv = std::fs::read_to_string(corpus.join("CASES.tsv")).expect("CASES.tsv");
    let cases = cases(&tsv);
    assert_eq!(cases.len(), 144, "the corpus index changed");

    let mut table = [[0usize; 2]; 2]; // [expected error][we error]
    let mut lint_table = [[0usize; 2]; 2]; // [column INVALID][we say lint fails]
    let mut verdict_disagreements = Vec::new();
    let mut lint_disagreements = Vec::new();
    for case in &cases {
        let bytes = std::fs::read(corpus.join(&case.file)).expect("corpus file");
        let checked = check(
            vec![Input {
                path: case.file.clone(),
                bytes,
                reported: true,
                forced_kind: Some(Kind::Krakend),
            }],
            &Options::default(),
        );
        let summary: Vec<String> = checked
            .diagnostics
            .iter()
            .map(|d| format!("{} {}: {}", d.code.id, d.severity, d.message))
            .collect();

        let expect_error = case.expected.starts_with("error");
        let we_error = if case.expected.starts_with("error:schema lint") {
            checked.errors() > 0 || checked.diagnostics.iter().any(implies_lint_failure)
        } else {
            checked.errors() > 0
        };
        table[usize::from(expect_error)][usize::from(we_error)] += 1;
        if expect_error != we_error {
            verdict_disagreements.push(format!(
                "{}: expected `{}`, rehearse: {}",
                case.file,
                case.expected,
                if summary.is_empty() {
                    "clean".to_string()
                } else {
                    summary.join(" | ")
                }
            ));
        }

        let bytes = std::fs::read(corpus.join(&case.file)).expect("corpus file");
        let (version, column) = lint_column(case, &bytes);
        if column.starts_with("n/a") {
            continue;
        }
        let column_invalid = column.starts_with("INVALID");
        let we_fail_lint = checked.diagnostics.iter().any(implies_lint_failure);
        lint_table[usize::from(column_invalid)][usize::from(we_fail_lint)] += 1;
        if column_invalid != we_fail_lint {
            lint_disagreements.push(format!(
                "{}: lint_{version} `{column}`, rehearse: {}",
                case.file,
                if summary.is_empty() {
                    "clean".to_string()
                } else {
                    summary.join(" | ")
                }
            ));
        }
    }

    let agreement = |t: &[[usize; 2]; 2]| {
        let total: usize = t.iter().flatten().sum();
        (t[0][0] + t[1][1]) as f64 / total.max(1) as f64
    };
    let verdict = agreement(&table);
    let lint = agreement(&lint_table);
    println!("verdict vs `expected` ({} cases)", cases.len());
    println!("                    rehearse clean  rehearse error");
    println!(
        "  expected valid    {:>14}  {:>14}",
        table[0][0], table[0][1]
    );
    println!(
        "  expected error    {:>14}  {:>14}",
        table[1][0], table[1][1]
    );
    println!("  agreement {:.1}%", verdict * 100.0);
    for d in &verdict_disagreements {
        println!("  disagreement: {d}");
    }
    println!(
        "lint vs `lint_v2.7` / `lint_v2.13` by `$schema` pin ({} JSON cases)",
        lint_table.iter().flatten().sum::<usize>()
    );
    println!("                    rehearse lints  rehearse fails lint");
    println!(
        "  column OK         {:>14}  {:>19}",
        lint_table[0][0], lint_table[0][1]
    );
    println!(
        "  column INVALID    {:>14}  {:>19}",
        lint_table[1][0], lint_table[1][1]
    );
    println!("  agreement {:.1}%", lint * 100.0);
    for d in &lint_disagreements {
        println!("  disagreement: {d}");
    }

    assert!(
        verdict >= MIN_VERDICT_AGREEMENT,
        "verdict agreement {:.1}% below {:.0}%",
        verdict * 100.0,
        MIN_VERDICT_AGREEMENT * 100.0
    );
    assert!(
        lint >= MIN_LINT_AGREEMENT,
        "lint agreement {:.1}% below {:.0}%",
        lint * 100.0,
        MIN_LINT_AGREEMENT * 100.0
    );
}

/// Every corpus case lura's own unit tests reject (`lura_ut_*`), and the koanf cases whose root
/// is not an object: rehearse's error carries exactly the message KrakenD prints as its peer
/// text (the `expected` column, which lura's tests assert).
#[test]
fn peer_texts_are_what_krakend_prints() {
    let Some(shared) = common::shared_dir("krakend corpus peers") else {
        return;
    };
    let corpus = shared.join("corpus/krakend");
    let tsv = std::fs::read_to_string(corpus.join("CASES.tsv")).expect("CASES.tsv");
    let mut audited = 0;
    for case in cases(&tsv) {
        let Some(message) = case.expected.strip_prefix("error:") else {
            continue;
        };
        let is_init_error = case.file.starts_with("lura_ut_");
        let is_root_type_error =
            case.file.starts_with("koanf_") && message.starts_with("json: cannot unmarshal");
        if !is_init_error && !is_root_type_error {
            continue;
        }
        let bytes = std::fs::read(corpus.join(&case.file)).expect("corpus file");
        let checked = check(
            vec![Input {
                path: case.file.clone(),
                bytes,
                reported: true,
                forced_kind: Some(Kind::Krakend),
            }],
            &Options::default(),
        );
        assert!(
            checked
                .diagnostics
                .iter()
                .any(|d| d.is_error() && d.peer.as_deref() == Some(message)),
            "{}: no error whose peer text is `{message}`: {:#?}",
            case.file,
            checked
                .diagnostics
                .iter()
                .map(|d| (d.code.id, d.peer.clone()))
                .collect::<Vec<_>>()
        );
        audited += 1;
    }
    assert!(audited >= 12, "only {audited} cases audited");
    println!("{audited} peer texts match KrakenD's messages");
}
