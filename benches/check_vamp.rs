//! Benchmark (not a test): `cargo bench --bench check_vamp`.
//!
//! 1. Throughput: every file of ../shared/corpus/vamp checked in one process, repeatedly;
//!    prints files per second.
//! 2. Latency: wall time of `rehearse check` on one small file, process start included
//!    (the pre-commit case); prints the median and best of many runs.

use rehearse::check::{check, Input, Options};
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

fn main() {
    let shared = std::env::var_os("REHEARSE_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared"));
    let corpus = shared.join("corpus/vamp");
    let Ok(entries) = std::fs::read_dir(&corpus) else {
        eprintln!("notice: {} not found; nothing to measure", corpus.display());
        return;
    };
    let mut files: Vec<(String, Vec<u8>)> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml" || e == "yaml"))
        .map(|p| {
            (
                p.display().to_string(),
                std::fs::read(&p).unwrap_or_default(),
            )
        })
        .collect();
    files.sort();
    let bytes: usize = files.iter().map(|(_, b)| b.len()).sum();

    let options = Options::default();
    let rounds = 50;
    let start = Instant::now();
    let mut findings = 0;
    for _ in 0..rounds {
        let inputs = files
            .iter()
            .map(|(path, bytes)| Input::reported(path.clone(), bytes.clone()))
            .collect();
        findings = check(inputs, &options).diagnostics.len();
    }
    let elapsed = start.elapsed();
    let per_round = elapsed / rounds;
    println!(
        "vamp corpus: {} files, {} KiB, {} diagnostics; {:.2} ms per pass; {:.0} files/s",
        files.len(),
        bytes / 1024,
        findings,
        per_round.as_secs_f64() * 1e3,
        files.len() as f64 / per_round.as_secs_f64()
    );

    // The pre-commit case: one small file, with the rest of its project (specs/sava) read as
    // context, process start included.
    let small = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("specs/sava/breeds.yml");
    let mut times: Vec<Duration> = (0..40)
        .map(|_| {
            let t = Instant::now();
            let status = Command::new(env!("CARGO_BIN_EXE_rehearse"))
                .arg("check")
                .arg(&small)
                .output()
                .map(|o| o.status);
            let dt = t.elapsed();
            assert!(status.is_ok_and(|s| s.success()), "rehearse check failed");
            dt
        })
        .collect();
    times.sort();
    println!(
        "one small file ({}, its project of {} files as context), process start included: \
         median {:.2} ms, best {:.2} ms",
        small.display(),
        std::fs::read_dir(small.parent().unwrap_or(&small)).map_or(0, |d| d.count()),
        times[times.len() / 2].as_secs_f64() * 1e3,
        times[0].as_secs_f64() * 1e3
    );
}
