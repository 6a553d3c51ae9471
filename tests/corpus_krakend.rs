//! KrakenD corpus conformance: every case of ../shared/corpus/krakend/CASES.tsv through
//! `rehearse::check::check` with `--kind krakend`.
//!
//! Verdict: rehearse reports an error ⇔ `expected` is `error:…` (lura's verdict, or the schema
//! test's for `schema_*`). Lint: a diagnostic that implies `krakend check --lint` fails
//! (`dialect::krakend::implies_lint_failure`) ⇔ the `lint_v2.7` column is INVALID (cases where
//! the column is `n/a`, i.e. not JSON, are not counted). Prints both tables and every
//! disagreement with its reason.

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
        let we_error = checked.errors() > 0;
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

        if case.lint_v2_7.starts_with("n/a") {
            continue;
        }
        let column_invalid = case.lint_v2_7.starts_with("INVALID");
        let we_fail_lint = checked.diagnostics.iter().any(implies_lint_failure);
        lint_table[usize::from(column_invalid)][usize::from(we_fail_lint)] += 1;
        if column_invalid != we_fail_lint {
            lint_disagreements.push(format!(
                "{}: lint_v2.7 `{}`, rehearse: {}",
                case.file,
                case.lint_v2_7,
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
        "lint vs `lint_v2.7` ({} JSON cases)",
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

/// The peer names of lura's errors appear on the corpus cases lura rejects.
#[test]
fn lura_errors_carry_lura_names() {
    let Some(shared) = common::shared_dir("krakend corpus peers") else {
        return;
    };
    let corpus = shared.join("corpus/krakend");
    for (file, peer) in [
        (
            "lura_ut_reject_invalid_version.json",
            "UnsupportedVersionError",
        ),
        (
            "lura_ut_reject_invalid_endpoint_0.json",
            "EndpointPathError",
        ),
        ("lura_ut_no_backends.json", "NoBackendsError"),
        ("lura_ut_noop_multiple_backends.json", "InvalidNoOpEncoding"),
        ("lura_ut_invalid_host.json", "InvalidHost"),
        (
            "lura_ut_url_mapping_too_many_output.json",
            "WrongNumberOfParamsError",
        ),
        (
            "lura_ut_url_mapping_undefined_output.json",
            "UndefinedOutputParamError",
        ),
        ("lura_parser_err_case7.json", "ParseError"),
        ("lura_parser_err_case3.json", "ParseError"),
        ("lura_parser_err_case5.json", "ParseError"),
    ] {
        let bytes = std::fs::read(corpus.join(file)).expect("corpus file");
        let checked = check(
            vec![Input {
                path: file.to_string(),
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
                .any(|d| d.is_error() && d.peer.as_deref() == Some(peer)),
            "{file}: no error with peer {peer}: {:?}",
            checked.diagnostics
        );
    }
}
