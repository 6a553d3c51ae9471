//! `rehearse schema` against real documents: every document of specs/, fixtures and the Vamp
//! corpus that rehearse reads without an error validates against the emitted schema with
//! `check-jsonschema` (the Python validator, from the oracle venv), and every document whose
//! errors are schema-level (a wrong type, a missing required field, a bad enumeration or
//! unit) is rejected by it.
//!
//! Documents are read by rehearse's own front end with their runtime's loading profile
//! (YAML 1.1 for Vamp) and handed to the validator as JSON, one file per document, so that
//! multi-document files are checked document by document and the validator sees exactly the
//! values rehearse reads. check-jsonschema is slow to start: it runs once per schema used.

mod common;

use rehearse::check::{check, Input, Options};
use rehearse::dialect::detect::{detect, Detected};
use rehearse::dialect::schema::render;
use rehearse::dialect::Kind;
use rehearse::source::SourceMap;
use rehearse::syntax::{self, Format, Limits, Node, Value};
use serde_json::json;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Whether an error is schema-level: the shape is wrong in a way JSON Schema states (types,
/// required fields, enumerations, patterns, integer bounds). Every other error is about
/// references between documents, sums of weights, grammars of conditions or selectors,
/// calendar dates or magnitudes beyond a pattern, and is not counted either way.
fn is_schema_level(code: &str, message: &str) -> bool {
    match code {
        "V001" | "V002" | "V003" | "V005" | "V006" | "V007" | "V009" | "V011" | "V012" | "V013"
        | "V016" | "V017" | "V027" | "V028" | "V035" | "V041" | "V042" | "V044" => true,
        // Out of 0%..100%, not a sum of weights.
        "V022" | "V023" | "V038" | "V039" => message.contains("out of range"),
        "S001" | "S003" | "S004" | "S005" | "S006" | "S007" | "S008" | "S009" => true,
        // Not a date-time at all, not a day the calendar lacks.
        "S020" => message.contains("must be a date-time"),
        _ => false,
    }
}

/// Readers of the corpus that are not artifact kinds rehearse reads (docker-compose import,
/// runtime events and event queries, templates, the generic reader's own test readers).
const NOT_ARTIFACT_READERS: &[&str] = &[
    "ComposeBlueprintReader.read",
    "ComposePortReader.read",
    "EventReader.read",
    "EventQueryReader.read",
    "ImportReader.read",
    "YamlReader.read",
];

/// One document to validate.
struct Instance {
    /// `file#index` for messages.
    label: String,
    /// The schema: `None` dispatches on `kind:`.
    kind: Option<Kind>,
    json: serde_json::Value,
    /// The schema-level error codes rehearse reports in this document; empty: valid.
    schema_errors: Vec<String>,
    /// rehearse reports errors that are not schema-level: not counted either way.
    other_errors: Vec<String>,
    /// The corpus's verdict (CASES.tsv `expected`), which decides over rehearse's.
    corpus_valid: Option<bool>,
}

impl Instance {
    fn is_valid(&self) -> bool {
        self.corpus_valid
            .unwrap_or(self.schema_errors.is_empty() && self.other_errors.is_empty())
    }

    fn is_schema_level_invalid(&self) -> bool {
        !self.is_valid() && !self.schema_errors.is_empty()
    }
}

fn check_jsonschema() -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("REHEARSE_CHECK_JSONSCHEMA").map(PathBuf::from),
        std::env::var_os("HOME")
            .map(|h| PathBuf::from(h).join(".cache/rehearse-oracles/bin/check-jsonschema")),
    ];
    candidates.into_iter().flatten().find(|p| p.is_file())
}

/// Node → JSON as rehearse reads it (keys as text; floats that JSON cannot hold as text).
fn to_json(node: &Node) -> serde_json::Value {
    match &node.value {
        Value::Null => serde_json::Value::Null,
        Value::Bool(b) => json!(b),
        Value::Int(i) => json!(i),
        Value::Float(f, text) => serde_json::Number::from_f64(*f)
            .map(serde_json::Value::Number)
            .unwrap_or_else(|| json!(text.to_string())),
        Value::Str(s) => json!(s),
        Value::Seq(items) => serde_json::Value::Array(items.iter().map(to_json).collect()),
        Value::Map(map) => {
            let mut out = serde_json::Map::new();
            for (key, value) in map.iter() {
                let key = key
                    .key_text()
                    .unwrap_or_else(|| rehearse::dialect::vamp::reader::key_string(key));
                out.insert(key, to_json(value));
            }
            serde_json::Value::Object(out)
        }
    }
}

fn has_kind_key(root: &Node) -> bool {
    let root = match root.as_seq() {
        Some([only]) => only,
        _ => root,
    };
    root.as_map().is_some_and(|m| m.contains_key("kind"))
}

/// The documents of one file rehearse reads as scenario or Vamp, each with the errors
/// rehearse reports inside it. `forced`: read as this kind (`--kind`).
fn instances_of(label: &str, bytes: &[u8], forced: Option<Kind>) -> Vec<Instance> {
    instances_in_project(label, bytes, forced, Vec::new())
}

/// As [`instances_of`], with the other files of the document's project read beside it (a
/// scenario of specs/ deploys the rollouts and blueprints its folder defines).
fn instances_in_project(
    label: &str,
    bytes: &[u8],
    forced: Option<Kind>,
    context: Vec<Input>,
) -> Vec<Instance> {
    let format = Format::from_path(label);
    let limits = Limits::default();
    let mut sources = SourceMap::new();
    let (_, neutral) = syntax::load(&mut sources, label, bytes.to_vec(), format, &limits);
    let kinds: Vec<Option<Kind>> = neutral
        .documents
        .iter()
        .map(|d| match (forced, detect(&d.root)) {
            (Some(kind), _) | (None, Detected::Kind(kind)) => Some(kind),
            _ => None,
        })
        .filter(|k| matches!(k, Some(Kind::Vamp(_) | Kind::Scenario)))
        .collect();
    let Some(Some(first)) = kinds.first() else {
        return Vec::new();
    };
    let mut sources = SourceMap::new();
    let (_, parsed) = syntax::load_as(
        &mut sources,
        label,
        bytes.to_vec(),
        format,
        &limits,
        first.loading_profile(),
    );
    let mut inputs = vec![Input {
        path: label.to_string(),
        bytes: bytes.to_vec(),
        reported: true,
        forced_kind: forced,
    }];
    inputs.extend(context);
    let checked = check(inputs, &Options::default());
    let errors: Vec<_> = checked
        .error_diagnostics()
        .filter(|d| checked.sources.get(d.span.file).path == label)
        .collect();
    let single = parsed.documents.len() == 1;
    parsed
        .documents
        .iter()
        .filter_map(|document| {
            let kind = match (forced, detect(&document.root)) {
                (Some(kind), _) | (None, Detected::Kind(kind)) => kind,
                _ => return None,
            };
            if !matches!(kind, Kind::Vamp(_) | Kind::Scenario) {
                return None;
            }
            let span = document.root.span;
            // A file's errors outside every document (syntax) belong to a lone document.
            let inside = |d: &&&rehearse::diag::Diagnostic| {
                single || (d.span.start >= span.start && d.span.end <= span.end)
            };
            let (schema_errors, other_errors): (Vec<_>, Vec<_>) = errors
                .iter()
                .filter(inside)
                .map(|d| {
                    (
                        d.code.id.to_string(),
                        is_schema_level(d.code.id, &d.message),
                    )
                })
                .partition(|(_, schema_level)| *schema_level);
            let schema_errors = schema_errors.into_iter().map(|(c, _)| c).collect();
            let other_errors = other_errors.into_iter().map(|(c, _)| c).collect();
            Some(Instance {
                label: format!("{label}#{}", document.index),
                kind: if has_kind_key(&document.root) && forced.is_none() {
                    None
                } else {
                    Some(kind)
                },
                json: to_json(&document.root),
                schema_errors,
                other_errors,
                corpus_valid: None,
            })
        })
        .collect()
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            yaml_files(&path, out);
        } else if path
            .extension()
            .is_some_and(|e| e == "yml" || e == "yaml" || e == "json")
        {
            out.push(path);
        }
    }
}

/// Runs check-jsonschema once per schema over the instances; returns the labels it rejects.
fn validate(tool: &Path, dir: &Path, instances: &[Instance]) -> BTreeMap<String, String> {
    let mut by_schema: BTreeMap<String, Vec<(String, PathBuf)>> = BTreeMap::new();
    for (i, instance) in instances.iter().enumerate() {
        let schema_name = instance.kind.map_or("rehearse", Kind::as_str).to_string();
        let path = dir.join(format!("instance-{i:04}.json"));
        std::fs::write(&path, serde_json::to_vec(&instance.json).unwrap()).unwrap();
        by_schema
            .entry(schema_name)
            .or_default()
            .push((instance.label.clone(), path));
    }
    let mut rejected = BTreeMap::new();
    for (schema_name, files) in &by_schema {
        let kind = (schema_name != "rehearse").then(|| schema_name.parse::<Kind>().unwrap());
        let schema_path = dir.join(format!("{schema_name}.schema.json"));
        std::fs::write(&schema_path, render(kind).unwrap()).unwrap();
        let output = Command::new(tool)
            .arg("--schemafile")
            .arg(&schema_path)
            .args(["--output-format", "json", "--traceback-mode", "short"])
            .args(files.iter().map(|(_, p)| p))
            .output()
            .expect("check-jsonschema runs");
        let report: serde_json::Value =
            serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
                panic!(
                    "check-jsonschema output is not JSON ({e}): {}{}",
                    String::from_utf8_lossy(&output.stdout),
                    String::from_utf8_lossy(&output.stderr)
                )
            });
        let errors = report["errors"].as_array().cloned().unwrap_or_default();
        let parse_errors = report["parse_errors"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert!(
            parse_errors.is_empty(),
            "schema {schema_name}: {parse_errors:?}"
        );
        for error in errors {
            let file = error["filename"].as_str().unwrap_or_default();
            let label = files
                .iter()
                .find(|(_, p)| p.to_string_lossy() == file)
                .map(|(l, _)| l.clone())
                .unwrap_or_else(|| file.to_string());
            let message = format!(
                "{} at {}",
                error["message"].as_str().unwrap_or_default(),
                error["path"].as_str().unwrap_or_default()
            );
            rejected.entry(label).or_insert(message);
        }
    }
    rejected
}

#[test]
fn schema_accepts_valid_documents_and_rejects_schema_level_errors() {
    let Some(shared) = common::shared_dir("schema_accepts_valid_documents") else {
        return;
    };
    let Some(tool) = check_jsonschema() else {
        if std::env::var("REHEARSE_REQUIRE_SHARED").is_ok_and(|v| v == "1") {
            panic!("check-jsonschema is missing and REHEARSE_REQUIRE_SHARED=1 (pip install check-jsonschema into the oracle venv)");
        }
        eprintln!("notice: schema test skipped: check-jsonschema not found (pip install check-jsonschema, or set REHEARSE_CHECK_JSONSCHEMA)");
        return;
    };
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut instances = Vec::new();
    let mut files = Vec::new();
    yaml_files(&root.join("specs"), &mut files);
    yaml_files(&root.join("fixtures"), &mut files);
    for path in &files {
        let label = path
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .to_string();
        let bytes = std::fs::read(path).unwrap();
        // Each folder of specs/ is a project (its own rehearse.toml): read it whole.
        let context = if label.starts_with("specs/") {
            files
                .iter()
                .filter(|other| *other != path && other.parent() == path.parent())
                .map(|other| Input {
                    path: other
                        .strip_prefix(&root)
                        .unwrap()
                        .to_string_lossy()
                        .to_string(),
                    bytes: std::fs::read(other).unwrap(),
                    reported: false,
                    forced_kind: None,
                })
                .collect()
        } else {
            Vec::new()
        };
        instances.extend(instances_in_project(&label, &bytes, None, context));
    }
    let corpus = shared.join("corpus/vamp");
    let tsv = std::fs::read_to_string(corpus.join("CASES.tsv")).unwrap();
    let mut corpus_valid_cases = 0;
    let mut corpus_valid_unread = 0;
    for line in tsv
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("file\t"))
    {
        let fields: Vec<&str> = line.split('\t').collect();
        let (Some(file), Some(expected), Some(description)) =
            (fields.first(), fields.get(4), fields.get(6))
        else {
            continue;
        };
        let reader = description.split_whitespace().next().unwrap_or_default();
        if NOT_ARTIFACT_READERS.contains(&reader) {
            continue;
        }
        let bytes = std::fs::read(corpus.join(file)).unwrap();
        let mut found = instances_of(
            &format!("corpus/vamp/{file}"),
            &bytes,
            common::vamp_corpus_kind(description),
        );
        if *expected == "valid" {
            corpus_valid_cases += 1;
            // e.g. `name: sava:1.0` alone, PUT to a deployment's path: nothing says its kind.
            if found.is_empty() {
                eprintln!("  {file}: no document of a known kind (not validated)");
                corpus_valid_unread += 1;
            }
        }
        for instance in &mut found {
            instance.corpus_valid = Some(*expected == "valid");
        }
        instances.extend(found);
    }

    let dir = tempfile::tempdir().unwrap();
    let rejected = validate(&tool, dir.path(), &instances);

    let valid: Vec<&Instance> = instances.iter().filter(|i| i.is_valid()).collect();
    let schema_level: Vec<&Instance> = instances
        .iter()
        .filter(|i| i.is_schema_level_invalid())
        .collect();
    let wrongly_rejected: Vec<String> = valid
        .iter()
        .filter_map(|i| rejected.get(&i.label).map(|m| format!("{}: {m}", i.label)))
        .collect();
    let wrongly_accepted: Vec<String> = schema_level
        .iter()
        .filter(|i| !rejected.contains_key(&i.label))
        .map(|i| format!("{} ({})", i.label, i.schema_errors.join(", ")))
        .collect();
    let others_rejected = instances
        .iter()
        .filter(|i| !i.is_valid() && !i.is_schema_level_invalid())
        .filter(|i| rejected.contains_key(&i.label))
        .count();
    eprintln!(
        "schema: {} valid documents accepted of {} ({} corpus cases expected valid); \
         ({} of them without a document of a known kind); \
         {} schema-level invalid documents rejected of {}; \
         {} documents with other errors (not schema-level), {} of them rejected anyway",
        valid.len() - wrongly_rejected.len(),
        valid.len(),
        corpus_valid_cases,
        corpus_valid_unread,
        schema_level.len() - wrongly_accepted.len(),
        schema_level.len(),
        instances.len() - valid.len() - schema_level.len(),
        others_rejected,
    );
    for i in &schema_level {
        eprintln!(
            "  schema-level: {} ({}){}",
            i.label,
            i.schema_errors.join(", "),
            if rejected.contains_key(&i.label) {
                ""
            } else {
                "  NOT REJECTED"
            }
        );
    }
    assert!(valid.len() > 250, "too few documents: {}", valid.len());
    assert!(
        wrongly_rejected.is_empty(),
        "valid documents rejected by the schema:\n{}",
        wrongly_rejected.join("\n")
    );
    assert!(
        wrongly_accepted.is_empty(),
        "documents with schema-level errors accepted by the schema:\n{}",
        wrongly_accepted.join("\n")
    );
}

#[test]
fn schema_output_is_deterministic_draft_07_and_covers_every_kind() {
    let first = render(None).unwrap();
    assert_eq!(first, render(None).unwrap());
    let schema: serde_json::Value = serde_json::from_str(&first).unwrap();
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
    let definitions = schema["definitions"].as_object().unwrap();
    let dispatched: Vec<&str> = schema["definitions"]["anyDocument"]["allOf"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            // A Vamp kind's branch first sets removals (`{kind, name}`) apart.
            let then = &b["then"];
            then["$ref"]
                .as_str()
                .or_else(|| then["else"]["$ref"].as_str())
                .unwrap()
        })
        .collect();
    for kind in Kind::names() {
        let parsed: Kind = kind.parse().unwrap();
        match parsed {
            Kind::Cloudify | Kind::Krakend | Kind::Rollout | Kind::Flagger => {
                assert!(render(Some(parsed)).is_err())
            }
            _ => {
                assert!(definitions.contains_key(kind), "{kind}");
                assert!(dispatched.contains(&format!("#/definitions/{kind}").as_str()));
                let one: serde_json::Value =
                    serde_json::from_str(&render(Some(parsed)).unwrap()).unwrap();
                assert_eq!(one["$schema"], schema["$schema"]);
            }
        }
    }
    // Every `$ref` points at a definition.
    let mut refs = Vec::new();
    fn collect(value: &serde_json::Value, out: &mut Vec<String>) {
        match value {
            serde_json::Value::Object(map) => {
                for (k, v) in map {
                    if k == "$ref" {
                        out.push(v.as_str().unwrap().to_string());
                    }
                    collect(v, out);
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| collect(v, out)),
            _ => {}
        }
    }
    collect(&schema, &mut refs);
    for r in refs {
        let name = r.strip_prefix("#/definitions/").unwrap();
        assert!(definitions.contains_key(name), "dangling $ref {r}");
    }
}
