//! Benchmark (not a test): `cargo bench --bench cloudify_check` (../shared/bench/README.md,
//! check-cloudify).
//!
//! Every main blueprint of ../shared/corpus/cloudify (imports read through them) is checked by
//! rehearse in this process, and by Cloudify's parser (oracles/cloudify_parse.py) in one
//! Python process. Verdicts are compared first; then the wall-clock ratio is printed.

use rehearse::check::{check, Input, Options};
use rehearse::dialect::Kind;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

fn main() {
    let shared = std::env::var_os("REHEARSE_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared"));
    let corpus = shared.join("corpus/cloudify");
    let Ok(entries) = std::fs::read_dir(&corpus) else {
        eprintln!("notice: {} not found; nothing to measure", corpus.display());
        return;
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.extension().is_some_and(|e| e == "yaml") && !p.to_string_lossy().contains("__imp")
        })
        .collect();
    files.sort();

    // rehearse: the whole corpus, one blueprint per check (each is its own project), reading
    // the files from disk as the peer does.
    let options = Options::default();
    let start = Instant::now();
    let mut ours = BTreeMap::new();
    for path in &files {
        let bytes = std::fs::read(path).unwrap_or_default();
        let checked = check(
            vec![Input {
                path: path.display().to_string(),
                bytes,
                reported: true,
                forced_kind: Some(Kind::Cloudify),
            }],
            &options,
        );
        let peers: Vec<String> = checked
            .error_diagnostics()
            .map(|d| match (&d.peer, d.code.id) {
                (Some(peer), _) => peer.clone(),
                // Cloudify reports every YAML syntax error as -1.
                (None, "Y001") => "-1".to_string(),
                (None, id) => id.to_string(),
            })
            .collect();
        ours.insert(path.display().to_string(), peers);
    }
    let rehearse_time = start.elapsed();

    let oracles = std::env::var_os("REHEARSE_ORACLES")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/rehearse-oracles"))
        });
    let python = oracles
        .map(|d| d.join("bin/python"))
        .filter(|p| p.is_file());
    let Some(python) = python else {
        println!(
            "cloudify corpus: {} blueprints checked by rehearse in {:.1} ms (oracle venv absent: no ratio)",
            files.len(),
            rehearse_time.as_secs_f64() * 1e3
        );
        return;
    };
    let start = Instant::now();
    let output = Command::new(&python)
        .arg(shared.join("oracles/cloudify_parse.py"))
        .args(&files)
        .output();
    let peer_time = start.elapsed();
    let Ok(output) = output else {
        eprintln!("notice: the oracle did not run");
        return;
    };
    let mut same = 0;
    let mut total = 0;
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let (Some(file), Some(verdict)) = (v["file"].as_str(), v["verdict"].as_str()) else {
            continue;
        };
        total += 1;
        let Some(peers) = ours.get(file) else {
            continue;
        };
        let agree = match verdict.strip_prefix("error:") {
            None => peers.is_empty(),
            Some(code) if code.parse::<i64>().is_ok() => peers.iter().any(|p| p == code),
            Some(_) => !peers.is_empty(),
        };
        if agree {
            same += 1;
        } else {
            println!("  verdicts differ: {file}: cloudify {verdict}, rehearse {peers:?}");
        }
    }
    println!(
        "check-cloudify: {} blueprints; same verdicts {same}/{total}; rehearse {:.1} ms, cloudify parser {:.1} ms (one process each); rehearse is {:.1}x faster",
        files.len(),
        rehearse_time.as_secs_f64() * 1e3,
        peer_time.as_secs_f64() * 1e3,
        peer_time.as_secs_f64() / rehearse_time.as_secs_f64()
    );
}
