//! `rehearse emit --target vamp` (issue 11): normalized Vamp artifacts that read back to the
//! same IR.
//!
//! - every valid case of ../shared/corpus/vamp and every Vamp spec in `specs/` round-trips
//!   check → emit → check to an equal IR (positions aside) with no new finding;
//! - so do generated artifacts (a property test);
//! - hostile names and values (unicode, YAML-significant characters, very long names,
//!   10 000 routes) give a diagnostic or a stream that reads back equal;
//! - the CLI writes one `<source stem>.yml` per source file, or one stream to stdout,
//!   byte-identical across runs, and refuses `--at`.

mod common;

use proptest::prelude::*;
use rehearse::check::{check, Checked, Input, Options};
use rehearse::dialect::{Kind, VampKind};
use rehearse::emit::{self, Emitted, Target};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

/// One source file: its path, its bytes and the kind its reader forces (corpus cases).
#[derive(Clone)]
struct Source {
    path: String,
    bytes: Vec<u8>,
    forced: Option<Kind>,
}

impl Source {
    fn yaml(path: &str, text: &str) -> Source {
        Source {
            path: path.to_string(),
            bytes: text.as_bytes().to_vec(),
            forced: None,
        }
    }
}

fn check_sources(sources: &[Source]) -> Checked {
    let inputs = sources
        .iter()
        .map(|s| Input {
            path: s.path.clone(),
            bytes: s.bytes.clone(),
            reported: true,
            forced_kind: s.forced,
        })
        .collect();
    check(inputs, &Options::default())
}

fn emit_vamp(checked: &Checked) -> Emitted {
    let paths = checked
        .sources
        .ids()
        .map(|id| (id, checked.sources.get(id).path.clone()))
        .collect();
    emit::emit(
        &checked.project,
        Target::Vamp,
        &emit::Options {
            paths,
            ..emit::Options::default()
        },
    )
}

/// The Vamp IR with positions (spans, file ids, document indices) taken out: what the
/// artifacts say, the derived deployments included.
fn ir_shape(checked: &Checked) -> String {
    let text = format!("{:#?}", checked.project.vamp);
    let spans = regex::Regex::new(r"\d+:\d+\.\.\d+").unwrap();
    let files = regex::Regex::new(r"FileId\(\s*\d+,?\s*\)").unwrap();
    let documents = regex::Regex::new(r"document: \d+").unwrap();
    let text = spans.replace_all(&text, "_");
    let text = files.replace_all(&text, "FileId(_)");
    documents.replace_all(&text, "document: _").into_owned()
}

/// Each finding as `code message`.
fn findings(checked: &Checked) -> BTreeSet<String> {
    checked
        .diagnostics
        .iter()
        .map(|d| format!("{} {}", d.code.id, d.message))
        .collect()
}

/// Where two IR texts part, with some context.
fn first_difference(a: &str, b: &str) -> String {
    let line = a
        .lines()
        .zip(b.lines())
        .position(|(x, y)| x != y)
        .unwrap_or(a.lines().count().min(b.lines().count()));
    let around = |s: &str| {
        s.lines()
            .skip(line.saturating_sub(4))
            .take(8)
            .collect::<Vec<_>>()
            .join("\n")
    };
    format!(
        "IR differs at line {line}:\n{}\n--- became ---\n{}",
        around(a),
        around(b)
    )
}

/// What a round trip gave.
enum Trip {
    /// The sources have errors: nothing to emit.
    Invalid,
    /// The sources hold no Vamp artifact (and the emit said so).
    NoArtifacts,
    /// The emitted files, and what differs (new findings, another IR, emit diagnostics).
    Done {
        emitted: Emitted,
        problems: Vec<String>,
    },
}

/// check → emit → check, each Vamp source replaced by its emitted file (same folder, the
/// `.yml` name the emit gives it); the other files stay as they are.
fn round_trip(sources: &[Source]) -> Trip {
    let before = check_sources(sources);
    if before.errors() > 0 {
        return Trip::Invalid;
    }
    let emitted = emit_vamp(&before);
    if emitted.nothing.is_some() && !holds_artifacts(&before) {
        return Trip::NoArtifacts;
    }
    let mut problems: Vec<String> = emitted
        .diagnostics
        .iter()
        .map(|d| format!("emit: {} {}", d.code.id, d.message))
        .collect();
    if let Some(reason) = &emitted.nothing {
        problems.push(format!("nothing emitted: {reason}"));
    }
    let by_name: BTreeMap<&str, &str> = emitted
        .documents
        .iter()
        .map(|d| (d.name.as_str(), d.text.as_str()))
        .collect();
    let after_sources: Vec<Source> = sources
        .iter()
        .map(|s| {
            let name = emit::vamp::output_name(&s.path);
            match by_name.get(name.as_str()) {
                Some(text) => {
                    let dir = Path::new(&s.path).parent().unwrap_or(Path::new(""));
                    Source::yaml(dir.join(&name).to_str().unwrap(), text)
                }
                None => s.clone(),
            }
        })
        .collect();
    let after = check_sources(&after_sources);
    let old = findings(&before);
    for new in findings(&after).difference(&old) {
        problems.push(format!("new finding: {new}"));
    }
    let (a, b) = (ir_shape(&before), ir_shape(&after));
    if a != b {
        problems.push(first_difference(&a, &b));
    }
    Trip::Done { emitted, problems }
}

fn holds_artifacts(checked: &Checked) -> bool {
    let v = &checked.project.vamp;
    !(v.breeds.is_empty()
        && v.blueprints.is_empty()
        && v.deployment_requests.is_empty()
        && v.gateways.is_empty()
        && v.workflows.is_empty()
        && v.scales.is_empty()
        && v.slas.is_empty()
        && v.escalations.is_empty()
        && v.conditions.is_empty()
        && v.removals.is_empty())
}

/// The kind Vamp's reader for a corpus case forces (as tests/corpus_vamp.rs reads them).
fn forced_kind(description: &str) -> Option<Kind> {
    let reader = description.split_whitespace().next()?;
    let kind = match reader {
        "BreedReader.read" => VampKind::Breed,
        "BlueprintReader.read" => VampKind::Blueprint,
        "GatewayReader.read" => VampKind::Gateway,
        "WorkflowReader.read" => VampKind::Workflow,
        "SlaReader.read" => VampKind::Sla,
        "vamp-artifacts" => {
            let word = description.split_whitespace().nth(3)?;
            return word.trim_end_matches(':').parse().ok();
        }
        _ => return None,
    };
    Some(Kind::Vamp(kind))
}

#[test]
fn every_valid_corpus_case_round_trips_to_an_equal_ir() {
    let Some(shared) = common::shared_dir("emit_vamp_corpus") else {
        return;
    };
    let corpus = shared.join("corpus/vamp");
    let tsv = std::fs::read_to_string(corpus.join("CASES.tsv")).unwrap();
    let (mut equal, mut invalid, mut none, mut failures) = (0, 0, 0, Vec::new());
    for line in tsv
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("file\t"))
    {
        let f: Vec<&str> = line.split('\t').collect();
        if f.get(4) != Some(&"valid") {
            continue;
        }
        let source = Source {
            path: f[0].to_string(),
            bytes: std::fs::read(corpus.join(f[0])).unwrap(),
            forced: forced_kind(f.get(6).unwrap_or(&"")),
        };
        match round_trip(&[source]) {
            Trip::Invalid => invalid += 1,
            Trip::NoArtifacts => none += 1,
            Trip::Done { problems, .. } if problems.is_empty() => equal += 1,
            Trip::Done { problems, .. } => {
                failures.push(format!("{}:\n  {}", f[0], problems.join("\n  ")))
            }
        }
    }
    println!(
        "vamp corpus: {equal} valid cases round-trip to an equal IR; {invalid} have errors in \
         rehearse's check (nothing to emit); {none} hold no Vamp artifact (imports, events, \
         compose files, a bare name)"
    );
    assert!(
        failures.is_empty(),
        "{} cases do not round-trip:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(equal >= 150, "too few cases round-tripped: {equal}");
}

/// Each spec folder is one project: all its files checked together.
#[test]
fn every_vamp_spec_round_trips_to_an_equal_ir() {
    let specs = Path::new(env!("CARGO_MANIFEST_DIR")).join("specs");
    let mut dirs: Vec<_> = std::fs::read_dir(&specs)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    dirs.sort();
    let mut with_vamp = 0;
    for dir in dirs {
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        let sources: Vec<Source> = files
            .iter()
            .map(|p| Source {
                path: p.to_str().unwrap().to_string(),
                bytes: std::fs::read(p).unwrap(),
                forced: None,
            })
            .collect();
        match round_trip(&sources) {
            Trip::Invalid => panic!("{}: the spec has errors", dir.display()),
            // A spec without Vamp artifacts (KrakenD, Cloudify).
            Trip::NoArtifacts => {}
            Trip::Done { problems, .. } => {
                with_vamp += 1;
                assert!(problems.is_empty(), "{}:\n{}", dir.display(), problems.join("\n"));
            }
        }
    }
    assert!(with_vamp >= 1, "no spec holds Vamp artifacts");
}
