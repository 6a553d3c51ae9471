//! The hostile-user cases of issue 14 against the `rehearse` binary: absurd scenarios exit 1
//! within a second with a diagnostic, write failures exit 2, an output over an input is
//! refused, `run --format json` always prints JSON, and long lines never panic.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn rehearse(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rehearse"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .expect("rehearse runs")
}

fn text(output: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}--- stderr\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// A copy of the sava project whose canary scenario has `edit` applied (old → new).
fn sava_with(edit: (&str, &str)) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for file in ["blueprints.yml", "breeds.yml"] {
        std::fs::copy(repo().join("specs/sava").join(file), dir.path().join(file)).unwrap();
    }
    let scenario = std::fs::read_to_string(repo().join("specs/sava/scenario-canary.yml")).unwrap();
    assert!(scenario.contains(edit.0), "the sava scenario changed");
    std::fs::write(
        dir.path().join("scenario.yml"),
        scenario.replacen(edit.0, edit.1, 1),
    )
    .unwrap();
    dir
}

/// Runs an absurd scenario: exit 1 within a second, the code in the JSON on stdout.
fn refused_quickly(edit: (&str, &str), code: &str) {
    let dir = sava_with(edit);
    let started = Instant::now();
    let output = rehearse(dir.path(), &["run", ".", "--format", "json"]);
    let took = started.elapsed();
    let all = text(&output);
    assert_eq!(output.status.code(), Some(1), "{}: {all}", edit.1);
    assert!(took < Duration::from_secs(1), "{}: took {took:?}", edit.1);
    let report: serde_json::Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{}: stdout is not JSON ({e}): {all}", edit.1));
    let codes: Vec<&str> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&code), "{}: expected {code}: {all}", edit.1);
}

#[test]
fn a_rate_of_u64_max_is_refused() {
    refused_quickly(("rate: 50/s", "rate: 18446744073709551615/s"), "S021");
}

#[test]
fn a_million_requests_a_second_for_minutes_is_over_budget() {
    refused_quickly(("rate: 50/s", "rate: 1000000/s"), "S022");
}

#[test]
fn four_billion_hosts_are_refused() {
    refused_quickly(("deploy:", "hosts: { count: 4294967295 }\ndeploy:"), "S021");
}

#[test]
fn a_trillion_clients_are_refused() {
    refused_quickly(("clients: 1000", "clients: 1e12"), "S003");
    refused_quickly(("clients: 1000", "clients: 1000000000000"), "S021");
}

#[test]
fn a_concurrency_of_u32_max_is_refused() {
    refused_quickly(
        (
            "concurrency: 64, startup",
            "concurrency: 4294967295, startup",
        ),
        "S021",
    );
}

#[test]
fn a_duration_of_292_years_is_refused() {
    refused_quickly(("duration: 3m", "duration: 2562047h"), "S021");
}

#[test]
fn the_budget_is_raised_by_flags() {
    // 20 000/s for 3 minutes: 7.2 million events, over a budget of one million.
    let dir = sava_with(("rate: 50/s", "rate: 20000/s"));
    let refused = rehearse(dir.path(), &["run", ".", "--max-events", "1000000"]);
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
    assert!(text(&refused).contains("S022"), "{}", text(&refused));
    let memory = rehearse(dir.path(), &["run", ".", "--max-memory", "1MiB"]);
    assert!(text(&memory).contains("S022"), "{}", text(&memory));
    assert!(text(&memory).contains("memory"), "{}", text(&memory));
    let bad_size = rehearse(dir.path(), &["run", ".", "--max-memory", "lots"]);
    assert_eq!(bad_size.status.code(), Some(2), "{}", text(&bad_size));
}

#[test]
fn the_sava_scenarios_fit_the_default_budget() {
    for scenario in ["sava-canary", "sava-crash-during-canary"] {
        let output = rehearse(
            repo(),
            &[
                "run",
                "specs/sava",
                "--scenario",
                scenario,
                "--format",
                "json",
            ],
        );
        let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(report["scenario"], scenario, "{}", text(&output));
    }
}

#[cfg(target_os = "linux")]
#[test]
fn a_full_stdout_exits_2() {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    for args in [
        &["check", "specs/sava"][..],
        &["run", "specs/sava", "--scenario", "sava-canary"][..],
        &["explain", "Y002"][..],
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_rehearse"))
            .args(args)
            .current_dir(repo())
            .stdout(full.try_clone().unwrap())
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}: {}", text(&output));
        assert!(
            String::from_utf8_lossy(&output.stderr).contains("stdout"),
            "{args:?}: {}",
            text(&output)
        );
    }
}

#[cfg(target_os = "linux")]
#[test]
fn a_trace_to_a_full_device_exits_2_and_leaves_the_device_alone() {
    let output = rehearse(
        repo(),
        &[
            "run",
            "specs/sava",
            "--scenario",
            "sava-canary",
            "--trace",
            "/dev/full",
        ],
    );
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(text(&output).contains("/dev/full"), "{}", text(&output));
    use std::os::unix::fs::FileTypeExt;
    let meta = std::fs::metadata("/dev/full").unwrap();
    assert!(meta.file_type().is_char_device(), "/dev/full was replaced");
}

#[test]
fn a_trace_over_an_input_is_refused_before_anything_is_written() {
    let dir = sava_with(("rate: 50/s", "rate: 50/s"));
    let before = std::fs::read(dir.path().join("breeds.yml")).unwrap();
    for target in ["breeds.yml", "./scenario.yml"] {
        let kept = std::fs::read(dir.path().join(target)).unwrap();
        let output = rehearse(dir.path(), &["run", ".", "--trace", target]);
        assert_eq!(output.status.code(), Some(2), "{}", text(&output));
        assert!(text(&output).contains("input"), "{}", text(&output));
        assert_eq!(std::fs::read(dir.path().join(target)).unwrap(), kept);
    }
    // Through a symlink too.
    #[cfg(unix)]
    {
        let link: PathBuf = dir.path().join("trace-link.jsonl");
        std::os::unix::fs::symlink(dir.path().join("breeds.yml"), &link).unwrap();
        let output = rehearse(dir.path(), &["run", ".", "--trace", "trace-link.jsonl"]);
        assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    }
    assert_eq!(
        std::fs::read(dir.path().join("breeds.yml")).unwrap(),
        before
    );
    // A fresh file is fine.
    let output = rehearse(dir.path(), &["run", ".", "--trace", "out.jsonl"]);
    assert!(dir.path().join("out.jsonl").is_file(), "{}", text(&output));
}

#[test]
fn run_json_prints_the_check_report_when_the_project_has_errors() {
    let output = rehearse(
        repo(),
        &["run", "fixtures/sim/check/S010.yaml", "--format", "json"],
    );
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", text(&output)));
    assert!(report["errors"].as_u64().unwrap() > 0, "{report}");
    let first = &report["diagnostics"][0];
    for field in ["code", "severity", "message", "file", "line", "column"] {
        assert!(!first[field].is_null(), "{field} missing: {report}");
    }
}

#[test]
fn run_json_prints_a_report_for_an_unknown_scenario() {
    let output = rehearse(
        repo(),
        &[
            "run",
            "specs/sava",
            "--scenario",
            "nope",
            "--format",
            "json",
        ],
    );
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", text(&output)));
    assert_eq!(report["diagnostics"][0]["code"], "S001", "{report}");
    assert!(report["diagnostics"][0]["message"]
        .as_str()
        .unwrap()
        .contains("nope"));
}

#[test]
fn run_json_on_an_empty_project_is_json() {
    let dir = tempfile::tempdir().unwrap();
    let output = rehearse(dir.path(), &["run", ".", "--format", "json"]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", text(&output)));
    assert_eq!(report["diagnostics"][0]["file"], serde_json::Value::Null);
}

#[test]
fn a_column_past_65535_does_not_panic_check_or_run() {
    let dir = tempfile::tempdir().unwrap();
    let line = format!("deployable: {} : : bad: [\n", "a".repeat(70_000));
    std::fs::write(
        dir.path().join("breed.yaml"),
        format!("kind: breed\nname: x\n{line}"),
    )
    .unwrap();
    for args in [&["check", "."][..], &["run", "."][..]] {
        let output = rehearse(dir.path(), args);
        assert_eq!(output.status.code(), Some(1), "{args:?}: {}", text(&output));
        let all = text(&output);
        assert!(all.contains("Y001"), "{args:?}: {all}");
        assert!(all.contains("breed.yaml:3:"), "{args:?}: {all}");
        assert!(all.len() < 5_000, "{args:?}: {} bytes", all.len());
    }
}
