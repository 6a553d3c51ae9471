//! Benchmark (not a test): `cargo bench --bench cloudify_realworld` (issue #16: the real-world
//! set checked at ≥ 50× Cloudify's offline parser, one process each).
//!
//! Every blueprint of tests/data/realworld/cloudify (VERDICTS.tsv; imports, built-in types and
//! the plugin cache tests/data/cloudify-plugins read through them) is checked by one
//! `rehearse check` process given them all, and by Cloudify's parser in one Python process
//! (oracles/cloudify_parse_offline.py, which imports the parser once and parses the files one
//! after the other). Printed: both wall-clock times, both CPU times (user + system, from
//! /proc on Linux: the machine may be shared) and the ratios. `REHEARSE_BENCH_ROUNDS`
//! (default 5) rehearse runs are timed and the fastest kept; the parser runs once (it takes
//! minutes).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// CPU time (user + system) of this process's waited-for children so far, on Linux.
fn children_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    // After the command name: state is field 3, cutime 16 and cstime 17 (proc(5)).
    let ticks: u64 = fields.get(13)?.parse::<u64>().ok()? + fields.get(14)?.parse::<u64>().ok()?;
    // USER_HZ is 100 on every Linux architecture rehearse runs on.
    Some(Duration::from_millis(ticks * 10))
}

/// Runs a command to its end: its output, wall-clock time and CPU time.
fn timed(command: &mut Command) -> (Output, Duration, Option<Duration>) {
    let cpu_before = children_cpu();
    let start = Instant::now();
    let output = command.output().expect("the command runs");
    let wall = start.elapsed();
    let cpu = children_cpu()
        .zip(cpu_before)
        .map(|(after, before)| after.saturating_sub(before));
    (output, wall, cpu)
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let set = root.join("tests/data/realworld/cloudify");
    let plugins = root.join("tests/data/cloudify-plugins");
    let verdicts = std::fs::read_to_string(set.join("VERDICTS.tsv")).expect("VERDICTS.tsv");
    let files: Vec<PathBuf> = verdicts
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .filter_map(|l| l.split('\t').next())
        .map(|p| set.join(p))
        .collect();

    let rounds: usize = std::env::var("REHEARSE_BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(5);
    let mut best: Option<(Duration, Option<Duration>)> = None;
    let mut errors = 0;
    for _ in 0..rounds.max(1) {
        let (output, wall, cpu) = timed(
            Command::new(env!("CARGO_BIN_EXE_rehearse"))
                .args([
                    "check",
                    "--kind",
                    "cloudify",
                    "--format",
                    "json",
                    "--allow-read",
                ])
                .arg(&set)
                .args(&files)
                .env("REHEARSE_CLOUDIFY_PLUGINS", &plugins),
        );
        let report: serde_json::Value =
            serde_json::from_slice(&output.stdout).expect("rehearse prints its JSON report");
        assert_eq!(report["files"].as_u64(), Some(files.len() as u64));
        errors = report["errors"].as_u64().unwrap_or(0);
        if best.is_none_or(|(b, _)| wall < b) {
            best = Some((wall, cpu));
        }
    }
    let (ours, ours_cpu) = best.expect("one round");
    let ms = |d: Duration| d.as_secs_f64() * 1e3;

    let shared = std::env::var_os("REHEARSE_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("../shared"));
    let python = std::env::var_os("REHEARSE_ORACLES")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/rehearse-oracles"))
        })
        .map(|d| d.join("bin/python"))
        .filter(|p| p.is_file());
    let script = shared.join("oracles/cloudify_parse_offline.py");
    let (Some(python), true) = (python, script.is_file()) else {
        println!(
            "cloudify real-world set: {} blueprints checked by one rehearse process in {:.1} ms ({errors} errors; oracle absent: no ratio)",
            files.len(),
            ms(ours)
        );
        return;
    };
    let (output, peer, peer_cpu) = timed(
        Command::new(&python)
            .arg(&script)
            .arg("--plugins")
            .arg(&plugins)
            .args(&files),
    );
    let judged = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|l| l.contains("\"verdict\""))
        .count();
    assert_eq!(judged, files.len(), "the parser judged every blueprint");
    println!(
        "check-cloudify-realworld: {} blueprints, one process each; wall: rehearse {:.1} ms (best of {rounds}), cloudify parser {:.1} ms, {:.1}x",
        files.len(),
        ms(ours),
        ms(peer),
        peer.as_secs_f64() / ours.as_secs_f64()
    );
    if let (Some(ours_cpu), Some(peer_cpu)) = (ours_cpu, peer_cpu) {
        println!(
            "  cpu (user+sys): rehearse {:.0} ms, cloudify parser {:.0} ms, {:.1}x",
            ms(ours_cpu),
            ms(peer_cpu),
            peer_cpu.as_secs_f64() / ours_cpu.as_secs_f64().max(1e-3)
        );
    }
}
