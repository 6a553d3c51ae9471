//! Benchmark (not a test): `cargo bench --bench krakend_corpus`.
//!
//! Every file of ../shared/corpus/krakend checked in one process (`--kind krakend`), repeated;
//! prints files/s. Then, on the same files, ../shared/oracles/lura_check.py (the Python port of
//! lura's config validation) in one process, timed the same way, for comparison.

use rehearse::check::{check, Input, Options};
use rehearse::dialect::Kind;
use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

fn main() {
    let shared = std::env::var_os("REHEARSE_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared"));
    let corpus = shared.join("corpus/krakend");
    let Ok(entries) = std::fs::read_dir(&corpus) else {
        eprintln!("notice: {} not found; nothing to measure", corpus.display());
        return;
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e != "tsv" && e != "md"))
        .collect();
    paths.sort();
    let files: Vec<(String, Vec<u8>)> = paths
        .iter()
        .map(|p| {
            (
                p.display().to_string(),
                std::fs::read(p).unwrap_or_default(),
            )
        })
        .collect();
    let bytes: usize = files.iter().map(|(_, b)| b.len()).sum();

    let options = Options::default();
    let rounds = 50u32;
    let start = Instant::now();
    let mut findings = 0;
    for _ in 0..rounds {
        let inputs = files
            .iter()
            .map(|(path, bytes)| Input {
                path: path.clone(),
                bytes: bytes.clone(),
                reported: true,
                forced_kind: Some(Kind::Krakend),
            })
            .collect();
        findings = check(inputs, &options).diagnostics.len();
    }
    let per_pass = start.elapsed() / rounds;
    println!(
        "rehearse:      {} files, {} KiB, {} diagnostics; {:.2} ms per pass; {:.0} files/s",
        files.len(),
        bytes / 1024,
        findings,
        per_pass.as_secs_f64() * 1e3,
        files.len() as f64 / per_pass.as_secs_f64()
    );

    let script = shared.join("oracles/lura_check.py");
    let python = std::env::var_os("REHEARSE_ORACLES")
        .map(|r| PathBuf::from(r).join("bin/python"))
        .filter(|p| p.exists())
        .unwrap_or_else(|| PathBuf::from("python3"));
    // One process over all files (its start-up is measured separately and subtracted).
    let run = |args: &[PathBuf]| {
        let start = Instant::now();
        let ok = Command::new(&python)
            .arg(&script)
            .args(args)
            .output()
            .is_ok_and(|o| o.status.success());
        (ok, start.elapsed())
    };
    let (ok, empty) = run(&[]);
    if !ok {
        eprintln!("notice: could not run {}; no comparison", script.display());
        return;
    }
    let repeats = 5u32;
    let mut total = std::time::Duration::ZERO;
    for _ in 0..repeats {
        total += run(&paths).1;
    }
    let per_pass = total / repeats;
    let work = per_pass.saturating_sub(empty);
    println!(
        "lura_check.py: {} files; {:.2} ms per pass ({:.2} ms without interpreter start-up); {:.0} files/s ({:.0} files/s without start-up)",
        paths.len(),
        per_pass.as_secs_f64() * 1e3,
        work.as_secs_f64() * 1e3,
        paths.len() as f64 / per_pass.as_secs_f64(),
        paths.len() as f64 / work.as_secs_f64().max(1e-9)
    );
}
