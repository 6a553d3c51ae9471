//! Issue #14: a run longer than a second shows its progress on a terminal (a pseudo-terminal
//! made by util-linux `script`) and draws none when stderr is not a terminal.
//! (A closed stdout cannot be told apart here: Rust's runtime reopens a closed descriptor 0–2
//! on /dev/null before `main`, so the write goes to /dev/null.)

use std::path::Path;
use std::process::Command;

fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_rehearse")
}

/// A project whose run takes a few seconds: about fourteen million requests.
fn busy_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let specs = Path::new(env!("CARGO_MANIFEST_DIR")).join("specs/sava");
    for file in ["breeds.yml", "blueprints.yml"] {
        std::fs::copy(specs.join(file), dir.path().join(file)).unwrap();
    }
    std::fs::write(
        dir.path().join("scenario.yml"),
        "kind: scenario\nname: busy\nseed: 1\nduration: 4m\ndeploy:\n  - { blueprint: \"sava:1.0\", as: sava }\n\
         behaviors:\n  sava:1.0: { latency: { p50: 2ms, p99: 10ms }, concurrency: 4096 }\n\
         traffic:\n  - { to: sava/9050, rate: 60000/s, clients: 1000 }\n",
    )
    .unwrap();
    dir
}

#[test]
fn a_long_run_shows_progress_on_a_terminal() {
    let script = Path::new("/usr/bin/script");
    if !script.exists() {
        if std::env::var("REHEARSE_REQUIRE_SHARED").is_ok_and(|v| v == "1") {
            panic!("util-linux `script` is missing and REHEARSE_REQUIRE_SHARED=1");
        }
        eprintln!("notice: progress test skipped: /usr/bin/script not found");
        return;
    }
    let dir = busy_project();
    // `script` runs the command on a pseudo-terminal and copies what it shows to stdout.
    let command = format!("{} run {}", binary(), dir.path().display());
    let output = Command::new(script)
        .args(["-qefc", &command, "/dev/null"])
        .env("NO_COLOR", "1")
        .output()
        .expect("script runs");
    assert!(output.status.success(), "{output:?}");
    let shown = String::from_utf8_lossy(&output.stdout);
    assert!(
        shown.contains("rehearsing:"),
        "no progress on the terminal: {shown}"
    );
    assert!(shown.contains("% ("), "{shown}");
}

#[test]
fn a_long_run_draws_no_progress_when_stderr_is_not_a_terminal() {
    let dir = busy_project();
    let started = std::time::Instant::now();
    let output = Command::new(binary())
        .args(["run"])
        .arg(dir.path())
        .env("NO_COLOR", "1")
        .output()
        .expect("rehearse runs");
    let took = started.elapsed();
    assert!(output.status.success(), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !stderr.contains("rehearsing"),
        "progress on a pipe: {stderr}"
    );
    assert!(!stderr.contains('\r'), "{stderr}");
    // Not a timing assertion: only a note when the machine was too fast for the case to bite.
    if took.as_secs_f64() < 1.0 {
        eprintln!("note: the run took {took:?}, under the one-second progress threshold");
    }
}
