//! Differential test against Cloudify's own parser (../shared/oracles/cloudify_parse.py, run
//! in one Python process over every file): the corpus blueprints and at least 300 mutants
//! made here, with a fixed seed, from the valid ones. Agreement: both accept, or both reject
//! and, when Cloudify gives a numeric code, one of our errors has that code as its peer.
//!
//! Needs the oracle venv (`../shared/oracles/setup.sh`); skips with a notice when it or
//! ../shared is absent, unless REHEARSE_REQUIRE_SHARED=1.

mod cloudify_mutants;
mod common;

use cloudify_mutants::{generate, load_json};
use rehearse::check::{self, Input, Options};
use rehearse::dialect::Kind;
use serde_json::Value as Json;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const SEED: u64 = 0x00c1_0d1f_5eed;
const MUTANTS: usize = 330;

fn oracle_python() -> Option<PathBuf> {
    let dir = std::env::var_os("REHEARSE_ORACLES")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/rehearse-oracles"))
        })?;
    let python = dir.join("bin/python");
    python.is_file().then_some(python)
}

/// Runs the oracle once over all files: path → verdict.
fn run_oracle(python: &Path, script: &Path, files: &[PathBuf]) -> BTreeMap<String, String> {
    let output = Command::new(python)
        .arg(script)
        .args(files)
        .output()
        .expect("the oracle runs");
    assert!(
        output.status.success(),
        "oracle failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| {
            let v: Json = serde_json::from_str(line).ok()?;
            Some((
                v["file"].as_str()?.to_string(),
                v["verdict"].as_str()?.to_string(),
            ))
        })
        .collect()
}

/// rehearse's verdicts for a file: the peers of its errors (empty = valid).
fn ours(path: &Path) -> Vec<String> {
    let bytes = std::fs::read(path).expect("readable");
    let checked = check::check(
        vec![Input {
            path: path.display().to_string(),
            bytes,
            reported: true,
            forced_kind: Some(Kind::Cloudify),
        }],
        &Options::default(),
    );
    checked
        .error_diagnostics()
        .map(|d| match &d.peer {
            Some(p) => p.clone(),
            None if d.code.id == "Y001" => "-1".to_string(),
            None => d.code.id.to_string(),
        })
        .collect()
}

fn agrees(oracle: &str, ours: &[String]) -> bool {
    match oracle.strip_prefix("error:") {
        None => ours.is_empty(),
        Some(code) if code.parse::<i64>().is_ok() => ours.iter().any(|p| p == code),
        Some(_) => !ours.is_empty(),
    }
}

#[test]
fn agrees_with_cloudify_parser() {
    let Some(shared) = common::shared_dir("oracle_cloudify") else {
        return;
    };
    let python = match oracle_python() {
        Some(p) => p,
        None => {
            if std::env::var("REHEARSE_REQUIRE_SHARED").is_ok_and(|v| v == "1") {
                panic!(
                    "oracle_cloudify: the oracle venv is missing (run ../shared/oracles/setup.sh)"
                );
            }
            eprintln!("notice: oracle_cloudify skipped: oracle venv not found (run ../shared/oracles/setup.sh)");
            return;
        }
    };
    let script = shared.join("oracles/cloudify_parse.py");
    let corpus = shared.join("corpus/cloudify");
    let mut corpus_files: Vec<PathBuf> = std::fs::read_dir(&corpus)
        .expect("corpus dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension().is_some_and(|x| x == "yaml") && !p.to_string_lossy().contains("__imp")
        })
        .collect();
    corpus_files.sort();

    // Seeds: corpus blueprints Cloudify accepts that need no import.
    let tmp = tempfile::tempdir().expect("temp dir");
    // REHEARSE_MUTANTS_DIR keeps the mutants for a look at a disagreement.
    let out_dir = std::env::var_os("REHEARSE_MUTANTS_DIR")
        .map_or_else(|| tmp.path().to_path_buf(), PathBuf::from);
    std::fs::create_dir_all(&out_dir).expect("mutants dir");
    let mut seeds = Vec::new();
    for path in &corpus_files {
        let Some(doc) = load_json(path, false) else {
            continue;
        };
        if doc.get("imports").is_some() {
            continue;
        }
        seeds.push(doc);
    }
    let mut mutant_files = Vec::new();
    let mut descriptions = BTreeMap::new();
    for (i, mutant) in generate(&seeds, SEED, MUTANTS).into_iter().enumerate() {
        let path = out_dir.join(format!("mutant_{i:03}.yaml"));
        std::fs::write(
            &path,
            serde_json::to_string_pretty(&mutant.doc).expect("json"),
        )
        .expect("write");
        descriptions.insert(path.display().to_string(), mutant.description);
        mutant_files.push(path);
    }
    assert!(
        mutant_files.len() >= 300,
        "only {} mutants",
        mutant_files.len()
    );

    let mut all = corpus_files.clone();
    all.extend(mutant_files.iter().cloned());
    let oracle = run_oracle(&python, &script, &all);

    let report = |name: &str, files: &[PathBuf]| -> f64 {
        let mut table: BTreeMap<(&str, &str), usize> = BTreeMap::new();
        let mut agree = 0;
        let mut disagreements = Vec::new();
        for file in files {
            let key = file.display().to_string();
            let Some(verdict) = oracle.get(&key) else {
                continue;
            };
            let ours = ours(file);
            let ok = agrees(verdict, &ours);
            let oracle_side = if verdict == "valid" {
                "accepts"
            } else {
                "rejects"
            };
            let our_side = if ours.is_empty() {
                "accepts"
            } else {
                "rejects"
            };
            *table.entry((oracle_side, our_side)).or_default() += 1;
            if ok {
                agree += 1;
            } else {
                let name = file
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                disagreements.push(format!(
                    "{name} [{}]: cloudify {verdict}, rehearse {}",
                    descriptions.get(&key).map_or("corpus", String::as_str),
                    if ours.is_empty() {
                        "valid".to_string()
                    } else {
                        ours.join(",")
                    }
                ));
            }
        }
        let total = files.len();
        println!(
            "\n{name}: {agree}/{total} agree ({:.1}%)",
            100.0 * agree as f64 / total as f64
        );
        println!("| cloudify | rehearse | files |");
        println!("|---|---|---|");
        for ((o, r), n) in &table {
            println!("| {o} | {r} | {n} |");
        }
        println!("disagreements ({}):", disagreements.len());
        for d in &disagreements {
            println!("  {d}");
        }
        agree as f64 / total as f64
    };
    report("corpus vs cloudify-common 7.0.5", &corpus_files);
    let rate = report("mutants vs cloudify-common 7.0.5", &mutant_files);
    assert!(
        rate >= 0.98,
        "mutant agreement {:.1}% is below 98%",
        100.0 * rate
    );
}
