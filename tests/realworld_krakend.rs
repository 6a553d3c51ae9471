//! Real-world KrakenD configs (tests/data/realworld/krakend, collected from public repositories;
//! SOURCES.tsv says where each file came from) against the verdicts recorded in VERDICTS.tsv.
//!
//! `realworld_verdicts_agree`: rehearse reports an error ⇔ lura's verdict is `ERROR` (the
//! runtime refuses the config). The issue's bar: no false error (rehearse erroring on a config
//! the runtime accepts) and ≥ 97 % agreement. The lint column is compared too and printed.
//!
//! `recorded_verdicts_match_the_oracles`: re-runs ../shared/oracles (lura_check.py,
//! krakend_lint.py) on every row and checks the recorded verdicts still hold. Skips with a
//! notice without the oracle venv or ../shared, unless REHEARSE_REQUIRE_SHARED=1.
//!
//! Flexible-config rows (templates) are rendered with the folders named by the rehearse.toml of
//! their repository folder, as `rehearse check` does, then judged like any other row.

mod common;

use rehearse::check::{check, Checked, Input, Options};
use rehearse::config::ProjectConfig;
use rehearse::dialect::krakend::flexible::{self, FlexibleConfig};
use rehearse::dialect::krakend::implies_lint_failure;
use rehearse::dialect::Kind;
use std::path::PathBuf;
use std::process::Command;

const MIN_AGREEMENT: f64 = 0.97;

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/realworld/krakend")
}

struct Row {
    file: String,
    lura: String,
    lint_version: String,
    lint: String,
}

fn rows() -> Vec<Row> {
    let tsv = std::fs::read_to_string(data_dir().join("VERDICTS.tsv")).expect("VERDICTS.tsv");
    tsv.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .skip(1)
        .map(|line| {
            let cols: Vec<&str> = line.split('\t').collect();
            assert_eq!(cols.len(), 4, "VERDICTS.tsv row: {line}");
            Row {
                file: cols[0].to_string(),
                lura: cols[1].to_string(),
                lint_version: cols[2].to_string(),
                lint: cols[3].to_string(),
            }
        })
        .collect()
}

/// The flexible-config folders of a row's repository, when its folder has a rehearse.toml.
fn flexible_config(file: &str) -> Option<FlexibleConfig> {
    let root = data_dir().join(file.split('/').next()?);
    let config = ProjectConfig::load(&root)?.expect("rehearse.toml parses");
    FlexibleConfig::from_project(&root, &config.krakend)
}

fn check_row(row: &Row, forced_kind: Option<Kind>) -> Checked {
    let path = data_dir().join(&row.file);
    let options = Options {
        krakend_flexible: flexible_config(&row.file),
        ..Options::default()
    };
    check(
        vec![Input {
            path: path.display().to_string(),
            bytes: std::fs::read(&path).expect("real-world file"),
            reported: true,
            forced_kind,
        }],
        &options,
    )
}

fn summary(checked: &Checked) -> String {
    if checked.diagnostics.is_empty() {
        return "clean".to_string();
    }
    checked
        .diagnostics
        .iter()
        .map(|d| format!("{} {}: {}", d.code.id, d.severity, d.message))
        .collect::<Vec<_>>()
        .join(" | ")
}

/// [expected error][rehearse error] counts, and the disagreements.
fn verdict_table(rows: &[Row], forced_kind: Option<Kind>) -> ([[usize; 2]; 2], Vec<String>) {
    let mut table = [[0usize; 2]; 2];
    let mut misses = Vec::new();
    for row in rows {
        let checked = check_row(row, forced_kind);
        let expect_error = row.lura.starts_with("ERROR");
        let we_error = checked.errors() > 0;
        table[usize::from(expect_error)][usize::from(we_error)] += 1;
        if expect_error != we_error {
            misses.push(format!(
                "{}: lura `{}`, rehearse: {}",
                row.file,
                row.lura,
                summary(&checked)
            ));
        }
    }
    (table, misses)
}

fn agreement(table: &[[usize; 2]; 2]) -> f64 {
    let total: usize = table.iter().flatten().sum();
    (table[0][0] + table[1][1]) as f64 / total.max(1) as f64
}

fn print_table(title: &str, table: &[[usize; 2]; 2], misses: &[String]) {
    println!("{title}");
    println!("                    rehearse clean  rehearse error");
    println!(
        "  lura accepts      {:>14}  {:>14}",
        table[0][0], table[0][1]
    );
    println!(
        "  lura refuses      {:>14}  {:>14}",
        table[1][0], table[1][1]
    );
    println!("  agreement {:.1}%", agreement(table) * 100.0);
    for miss in misses {
        println!("  disagreement: {miss}");
    }
}

#[test]
fn realworld_verdicts_agree() {
    let rows = rows();
    let repos: std::collections::BTreeSet<&str> = rows
        .iter()
        .map(|r| r.file.split('/').next().unwrap_or(""))
        .collect();
    let (forced, forced_misses) = verdict_table(&rows, Some(Kind::Krakend));
    print_table(
        &format!(
            "--kind krakend: {} configs from {} repositories",
            rows.len(),
            repos.len()
        ),
        &forced,
        &forced_misses,
    );
    let (detected, detected_misses) = verdict_table(&rows, None);
    print_table(
        "kind detected from the content (no --kind)",
        &detected,
        &detected_misses,
    );

    let mut lint_table = [[0usize; 2]; 2];
    let mut lint_misses = Vec::new();
    for row in rows.iter().filter(|r| !r.lint.starts_with("n/a")) {
        let checked = check_row(row, Some(Kind::Krakend));
        let invalid = row.lint.starts_with("INVALID");
        let we_fail = checked.diagnostics.iter().any(implies_lint_failure);
        lint_table[usize::from(invalid)][usize::from(we_fail)] += 1;
        if invalid != we_fail {
            lint_misses.push(format!(
                "{}: lint {} `{}`, rehearse: {}",
                row.file,
                row.lint_version,
                row.lint,
                summary(&checked)
            ));
        }
    }
    println!(
        "lint ({} JSON configs; schema lint is a warning in rehearse)",
        lint_table.iter().flatten().sum::<usize>()
    );
    println!(
        "  schema OK: rehearse lints {}, fails lint {}",
        lint_table[0][0], lint_table[0][1]
    );
    println!(
        "  schema INVALID: rehearse lints {}, fails lint {}",
        lint_table[1][0], lint_table[1][1]
    );
    println!("  agreement {:.1}%", agreement(&lint_table) * 100.0);
    for miss in &lint_misses {
        println!("  lint disagreement: {miss}");
    }

    assert!(rows.len() >= 60, "the set has {} configs", rows.len());
    assert!(
        repos.len() >= 30,
        "the set has {} repositories",
        repos.len()
    );
    assert_eq!(
        forced[0][1], 0,
        "false errors (rehearse errors where lura accepts): {forced_misses:#?}"
    );
    assert!(
        agreement(&forced) >= MIN_AGREEMENT,
        "verdict agreement {:.1}% below {:.0}%",
        agreement(&forced) * 100.0,
        MIN_AGREEMENT * 100.0
    );
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

/// Judges JSON or YAML files with both oracles, one `lura<TAB>lint` line per file. YAML is turned
/// into data with PyYAML first (lura_check reads JSON only; lint is `n/a` for YAML, as
/// `krakend check --lint` only reads JSON).
const JUDGE: &str = r#"
import json, sys
sys.path.insert(0, sys.argv[1])
import lura_check, krakend_lint
def judge(path, version):
    raw = open(path, 'rb').read().decode('utf-8')
    lint = None
    if path.endswith(('.yaml', '.yml')):
        import yaml
        cfg = yaml.safe_load(raw); lint = 'n/a (not JSON)'
    else:
        try:
            cfg = json.loads(raw)
        except json.JSONDecodeError as e:
            return 'ERROR invalid JSON: ' + str(e), 'n/a (invalid JSON)'
    try:
        lura_check.init(cfg); lura = 'OK'
    except lura_check.LuraError as e:
        lura = 'ERROR ' + str(e)
    if lint is None:
        r = krakend_lint.lint(version, cfg)
        lint = 'OK' if r is None else 'INVALID ' + r[0]
    return lura, lint
args = sys.argv[2:]
for path, version in zip(args[0::2], args[1::2]):
    lura, lint = judge(path, version)
    print((lura + '\t' + lint).replace('\n', ' '))
"#;

#[test]
fn recorded_verdicts_match_the_oracles() {
    let Some(shared) = common::shared_dir("real-world krakend oracles") else {
        return;
    };
    let Some(python) = oracle_python() else {
        if std::env::var("REHEARSE_REQUIRE_SHARED").is_ok_and(|v| v == "1") {
            panic!("real-world krakend oracles: no venv (run ../shared/oracles/setup.sh)");
        }
        eprintln!(
            "notice: real-world krakend oracles skipped: no venv (run ../shared/oracles/setup.sh)"
        );
        return;
    };
    let rows = rows();
    let scratch = tempfile::tempdir().expect("temp dir");
    let mut command = Command::new(&python);
    command.arg("-c").arg(JUDGE).arg(shared.join("oracles"));
    for (i, row) in rows.iter().enumerate() {
        let mut judged = data_dir().join(&row.file);
        // Templates are judged on their rendering, as KrakenD checks the rendered file.
        if let Some(fc) = flexible_config(&row.file) {
            let bytes = std::fs::read(&judged).expect("row file");
            if flexible::is_template(&judged, &bytes) {
                let rendered = flexible::render_file(&judged, &fc)
                    .unwrap_or_else(|e| panic!("{}: {e}", row.file));
                judged = scratch.path().join(format!("{i}.json"));
                std::fs::write(&judged, rendered.text).expect("write the rendering");
            }
        }
        let version = if row.lint_version == "-" {
            "v2.13"
        } else {
            &row.lint_version
        };
        command.arg(judged).arg(version);
    }
    let output = command.output().expect("run the oracles");
    assert!(
        output.status.success(),
        "oracles failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), rows.len(), "one verdict per row");
    let mut mismatches = Vec::new();
    for (row, line) in rows.iter().zip(lines) {
        let (lura, lint) = line.split_once('\t').expect("two columns");
        if lura != row.lura || lint != row.lint {
            mismatches.push(format!(
                "{}: recorded `{}` / `{}`, oracles now `{lura}` / `{lint}`",
                row.file, row.lura, row.lint
            ));
        }
    }
    println!("{} recorded verdicts re-judged by the oracles", rows.len());
    assert!(mismatches.is_empty(), "{mismatches:#?}");
}
