//! `--kind K` and detection agree: a Vamp document that detection reads as kind K gets exactly
//! the findings `rehearse check --kind K` gives it. Run over the Vamp corpus (../shared), the
//! real-world set (tests/data/realworld/vamp) and the fixtures. Multi-document files are split
//! at `---` lines so that each document is compared under its own kind.

mod common;

use rehearse::check::{check, Input, Options};
use rehearse::dialect::detect::{detect, Detected};
use rehearse::dialect::Kind;
use rehearse::source::SourceMap;
use rehearse::syntax::{self, Format, Limits};
use std::path::{Path, PathBuf};

/// The findings of one check, comparable across runs (the peer of a syntax error depends on
/// `--kind` on purpose, so it is left out).
fn findings(path: &str, text: &str, forced: Option<Kind>) -> Vec<String> {
    let checked = check(
        vec![Input {
            path: path.to_string(),
            bytes: text.as_bytes().to_vec(),
            reported: true,
            forced_kind: forced,
        }],
        &Options::default(),
    );
    checked
        .diagnostics
        .iter()
        .map(|d| {
            format!(
                "{} {}..{} {}",
                d.code.id, d.span.start, d.span.end, d.message
            )
        })
        .collect()
}

/// The Vamp kind detection gives the only document of `text`, if it is one.
fn detected_vamp_kind(path: &str, text: &str) -> Option<Kind> {
    let mut sources = SourceMap::new();
    let (_, parsed) = syntax::load(
        &mut sources,
        path,
        text.as_bytes().to_vec(),
        Format::from_path(path),
        &Limits::default(),
    );
    if parsed.documents.len() != 1 || parsed.diagnostics.iter().any(|d| d.is_error()) {
        return None;
    }
    match detect(&parsed.documents[0].root) {
        Detected::Kind(kind @ Kind::Vamp(_)) => Some(kind),
        _ => None,
    }
}

fn documents(text: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    for line in text.lines() {
        if line.trim_end() == "---" || line.starts_with("--- ") {
            out.push(String::new());
        } else if let Some(last) = out.last_mut() {
            last.push_str(line);
            last.push('\n');
        }
    }
    out.retain(|d| {
        d.lines()
            .any(|l| !l.trim().is_empty() && !l.starts_with('#'))
    });
    out
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        if path.is_dir() {
            yaml_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "yml" || e == "yaml") {
            out.push(path);
        }
    }
}

#[test]
fn forced_kind_and_detection_agree_on_every_vamp_document() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    yaml_files(&root.join("tests/data/realworld/vamp"), &mut files);
    yaml_files(&root.join("fixtures/check/vamp"), &mut files);
    if let Some(shared) = common::shared_dir("forced_kind_and_detection_agree") {
        yaml_files(&shared.join("corpus/vamp"), &mut files);
    }
    files.sort();
    let mut compared = 0;
    let mut disagreements = Vec::new();
    for file in &files {
        let Ok(text) = std::fs::read_to_string(file) else {
            continue;
        };
        if text.starts_with("# rehearse: --kind") {
            continue; // fixtures that exist to be read as another kind
        }
        let name = file.display().to_string();
        for (i, document) in documents(&text).iter().enumerate() {
            let path = format!("{name}#{i}.yaml");
            let Some(kind) = detected_vamp_kind(&path, document) else {
                continue;
            };
            compared += 1;
            let detected = findings(&path, document, None);
            let forced = findings(&path, document, Some(kind));
            if detected != forced {
                disagreements.push(format!(
                    "{path} (detected {kind}):\n  detected: {detected:?}\n  --kind:   {forced:?}"
                ));
            }
        }
    }
    println!(
        "detection vs --kind: {compared} Vamp documents compared, {} disagree",
        disagreements.len()
    );
    assert!(compared > 20, "too few documents compared: {compared}");
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
}
