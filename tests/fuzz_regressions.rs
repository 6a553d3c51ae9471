//! Replays the fuzz regression corpus (`fuzz/regressions/<target>/*`) through the same entry
//! functions the fuzz targets call, in a normal build: every crash the fuzzer ever found
//! stays a test, and CI needs no fuzz toolchain. See `fuzz/README.md`.

#[path = "../fuzz/src/entries.rs"]
mod entries;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

fn regressions_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions")
}

fn inputs_of(target: &str) -> Vec<PathBuf> {
    let dir = regressions_dir().join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("readable directory entry").path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    files
}

#[test]
fn every_folder_of_the_regression_corpus_names_a_target() {
    for entry in std::fs::read_dir(regressions_dir()).expect("fuzz/regressions exists") {
        let entry = entry.expect("readable directory entry");
        let name = entry.file_name().to_string_lossy().into_owned();
        assert!(
            entries::target(&name).is_some(),
            "fuzz/regressions/{name} is not a fuzz target (targets: {:?})",
            entries::TARGETS.iter().map(|(n, _)| *n).collect::<Vec<_>>()
        );
    }
}

/// The corpus is checked in and replayed on every `cargo test`: minimise crashes first.
const MAX_REGRESSION_BYTES: u64 = 64 * 1024;

#[test]
fn regression_inputs_are_small() {
    for (target, _) in entries::TARGETS {
        for path in inputs_of(target) {
            let size = std::fs::metadata(&path).expect("readable input").len();
            assert!(
                size <= MAX_REGRESSION_BYTES,
                "{} is {size} bytes; minimise it (fuzz/README.md)",
                path.display()
            );
        }
    }
}

#[test]
fn every_regression_input_replays_without_a_panic() {
    let mut failures = Vec::new();
    let mut replayed = 0;
    for (target, entry) in entries::TARGETS {
        let inputs = inputs_of(target);
        assert!(
            !inputs.is_empty(),
            "fuzz/regressions/{target} holds no input: every target keeps at least one"
        );
        for path in inputs {
            let data = std::fs::read(&path).expect("readable regression input");
            if catch_unwind(AssertUnwindSafe(|| entry(&data))).is_err() {
                failures.push(path.display().to_string());
            }
            replayed += 1;
        }
    }
    println!("replayed {replayed} regression inputs");
    assert!(failures.is_empty(), "inputs that panic: {failures:#?}");
}

#[test]
fn the_run_targets_seed_project_is_simulated_not_just_checked() {
    // Otherwise the run target would only ever fuzz the checker.
    let path = regressions_dir().join("run/seed-sava-canary-5s.yaml");
    let data = std::fs::read(&path).expect("the sava seed of the run target");
    assert!(
        entries::run_simulated(&data),
        "{} checks with errors or exceeds the fuzz run budget",
        path.display()
    );
}
