//! Project context for a Vamp file checked alone (issue #15): its references resolve in
//! sibling files, and the search for them reads only what it must — YAML files that mention
//! a wanted name, then JSON files only for names still unresolved.

use rehearse::check::{check_with, Context, Input, Options};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// A project in memory that counts which files the checker read.
struct CountingContext {
    files: BTreeMap<String, String>,
    read: Vec<String>,
}

impl CountingContext {
    fn new(files: &[(&str, &str)]) -> CountingContext {
        CountingContext {
            files: files
                .iter()
                .map(|(p, t)| (p.to_string(), t.to_string()))
                .collect(),
            read: Vec::new(),
        }
    }
}

impl Context for CountingContext {
    fn files(&mut self) -> Vec<String> {
        self.files.keys().cloned().collect()
    }

    fn read(&mut self, path: &str) -> Option<Vec<u8>> {
        self.read.push(path.to_string());
        self.files.get(path).map(|t| t.clone().into_bytes())
    }
}

const BLUEPRINT: &str = "kind: blueprint\nname: shop\nclusters:\n  shop:\n    services:\n    - breed: front\n    - breed: back\n";
const FRONT: &str = "kind: breed\nname: front\ndeployable: x/front:1\n";
const BACK: &str = "kind: breed\nname: back\ndeployable: x/back:1\n";

fn codes_of(input: &str, text: &str, context: &mut CountingContext) -> Vec<&'static str> {
    let checked = check_with(
        vec![Input::reported(input, text)],
        Vec::new(),
        Some(context),
        &Options::default(),
    );
    checked.diagnostics.iter().map(|d| d.code.id).collect()
}

fn unrelated_json(count: usize) -> Vec<(String, String)> {
    (0..count)
        .map(|i| {
            (
                format!("data/{i:04}.json"),
                format!("{{\"id\": {i}, \"name\": \"record {i}\"}}"),
            )
        })
        .collect()
}

#[test]
fn references_in_two_sibling_files_resolve_without_opening_unrelated_json() {
    let data = unrelated_json(500);
    let mut files: Vec<(&str, &str)> = data.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
    files.push(("breeds/front.yml", FRONT));
    files.push(("back.yaml", BACK));
    let mut context = CountingContext::new(&files);
    let codes = codes_of("blueprint.yml", BLUEPRINT, &mut context);
    assert_eq!(codes, Vec::<&str>::new());
    // Every name resolved in YAML: no JSON file was opened.
    assert!(
        context.read.iter().all(|p| !p.ends_with(".json")),
        "{:?}",
        context.read
    );
    assert_eq!(context.read, ["back.yaml", "breeds/front.yml"]);
}

#[test]
fn a_name_defined_only_in_json_still_resolves() {
    let data = unrelated_json(20);
    let mut files: Vec<(&str, &str)> = data.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
    files.push(("front.yml", FRONT));
    let back_json = r#"{"kind": "breed", "name": "back", "deployable": "x/back:1"}"#;
    files.push(("api/back.json", back_json));
    let mut context = CountingContext::new(&files);
    assert_eq!(
        codes_of("blueprint.yml", BLUEPRINT, &mut context),
        Vec::<&str>::new()
    );
    // The JSON files were searched for `back` only after the YAML ones.
    let first_json = context.read.iter().position(|p| p.ends_with(".json"));
    assert_eq!(context.read[..first_json.unwrap()], ["front.yml"]);
}

#[test]
fn an_unresolved_name_is_searched_everywhere_and_reported() {
    let data = unrelated_json(20);
    let mut files: Vec<(&str, &str)> = data.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
    files.push(("front.yml", FRONT));
    let mut context = CountingContext::new(&files);
    assert_eq!(codes_of("blueprint.yml", BLUEPRINT, &mut context), ["X002"]);
    assert_eq!(context.read.len(), 21, "{:?}", context.read);
}

#[test]
fn a_duplicate_in_a_yaml_sibling_is_found() {
    // X003 is reported at the later definition in path order: here the checked file's.
    let mut context = CountingContext::new(&[("a/front.yml", FRONT), ("data/1.json", "{}")]);
    assert_eq!(codes_of("front.yml", FRONT, &mut context), ["X003"]);
    assert_eq!(context.read, ["a/front.yml"]);
}

/// The same through the command line, on disk: one Vamp file whose references live in two
/// sibling files, beside unrelated JSON.
#[test]
fn the_cli_resolves_references_in_two_sibling_files() {
    let dir = tempfile::tempdir().unwrap();
    let write = |path: &str, text: &str| {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write("blueprint.yml", BLUEPRINT);
    write("breeds/front.yml", FRONT);
    write("back.yaml", BACK);
    for (path, text) in unrelated_json(200) {
        write(&path, &text);
    }
    let run = |file: &str| {
        let output = Command::new(env!("CARGO_BIN_EXE_rehearse"))
            .args(["check", "--format", "json", file])
            .current_dir(dir.path())
            .output()
            .unwrap();
        let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        (output.status.code(), report)
    };
    let (exit, report) = run("blueprint.yml");
    assert_eq!(exit, Some(0), "{report:#}");
    assert_eq!(report["diagnostics"], serde_json::json!([]), "{report:#}");

    std::fs::remove_file(dir.path().join("back.yaml")).unwrap();
    let (_, report) = run("blueprint.yml");
    let codes: Vec<&str> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["X002"], "{report:#}");
    assert!(Path::new(&dir.path().join("breeds/front.yml")).exists());
}
