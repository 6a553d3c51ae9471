//! Helpers shared by integration tests.
#![allow(dead_code)]

pub mod sim;

use std::path::PathBuf;

/// The `../shared` folder beside the repository (corpus, references, oracles), or `None` with a
/// printed notice when it is absent. With `REHEARSE_REQUIRE_SHARED=1` (as `.ci/run` sets) a
/// missing folder fails the test instead: in CI these tests must run.
pub fn shared_dir(test: &str) -> Option<PathBuf> {
    let dir = std::env::var_os("REHEARSE_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared"));
    if dir.join("corpus").is_dir() {
        return Some(dir);
    }
    if std::env::var("REHEARSE_REQUIRE_SHARED").is_ok_and(|v| v == "1") {
        panic!(
            "{test}: {} is missing and REHEARSE_REQUIRE_SHARED=1",
            dir.display()
        );
    }
    eprintln!(
        "notice: {test} skipped: {} not found (set REHEARSE_SHARED to run it)",
        dir.display()
    );
    None
}

/// Proptest case count: 64 in CI; set PROPTEST_CASES for a longer local run.
pub fn proptest_cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|cases| cases.parse().ok())
        .unwrap_or(64)
}

/// The kind Vamp's reader for a corpus/vamp case reads (its CASES.tsv description starts with
/// the reader's name); `None` for artifact lists, where each document says its own kind.
pub fn vamp_corpus_kind(description: &str) -> Option<rehearse::dialect::Kind> {
    use rehearse::dialect::{Kind, VampKind};
    let kind = match description.split_whitespace().next()? {
        "BreedReader.read" => VampKind::Breed,
        "BlueprintReader.read" => VampKind::Blueprint,
        "GatewayReader.read" => VampKind::Gateway,
        "WorkflowReader.read" => VampKind::Workflow,
        "SlaReader.read" => VampKind::Sla,
        // "vamp-artifacts 0.9.5 default blueprint: ..."
        "vamp-artifacts" => {
            let word = description.split_whitespace().nth(3)?;
            return word.trim_end_matches(':').parse().ok();
        }
        _ => return None,
    };
    Some(Kind::Vamp(kind))
}
