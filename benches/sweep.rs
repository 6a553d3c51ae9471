//! Seed sweeps of the sava crash scenario (issue #13), outside CI: wall time of 1000 seeds with
//! one and two jobs (the goal is ≤ 0.6× with two on a 2-core machine), and peak RSS for
//! 100, 1000 and 10 000 seeds (it must not grow with the seed count). Run on a quiet machine:
//!
//!     cargo bench --bench sweep
//!
//! Peak RSS comes from GNU time (`/usr/bin/time -f %M`, Debian package `time`).

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const RUNS: usize = 3;

fn binary() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_rehearse"))
}

fn args(seeds: &str, jobs: usize) -> Vec<String> {
    [
        "run",
        "specs/sava",
        "--scenario",
        "sava-crash-during-canary",
        "--seeds",
        seeds,
        "--jobs",
        &jobs.to_string(),
        "--format",
        "json",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

fn wall(seeds: &str, jobs: usize) -> Duration {
    let mut times: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            let output = Command::new(binary())
                .args(args(seeds, jobs))
                .current_dir(env!("CARGO_MANIFEST_DIR"))
                .output()
                .expect("rehearse runs");
            assert!(output.status.success());
            start.elapsed()
        })
        .collect();
    times.sort();
    times[RUNS / 2]
}

fn peak_rss_kib(seeds: &str) -> Option<u64> {
    let output = Command::new("/usr/bin/time")
        .args(["-f", "%M"])
        .arg(binary())
        .args(args(seeds, 2))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()?;
    assert!(output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    stderr.lines().last()?.trim().parse().ok()
}

fn main() {
    let one = wall("1..1000", 1);
    let two = wall("1..1000", 2);
    println!(
        "sava crash, 1000 seeds: --jobs 1 {:.2} s, --jobs 2 {:.2} s, ratio {:.2} (goal <= 0.60)",
        one.as_secs_f64(),
        two.as_secs_f64(),
        two.as_secs_f64() / one.as_secs_f64()
    );
    for seeds in ["1..100", "1..1000", "1..10000"] {
        match peak_rss_kib(seeds) {
            Some(kib) => println!("peak RSS, seeds {seeds}: {:.1} MiB", kib as f64 / 1024.0),
            None => println!("peak RSS, seeds {seeds}: /usr/bin/time not available"),
        }
    }
}
