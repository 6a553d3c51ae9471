//! Differential test against Cloudify's own parser (../shared/oracles/cloudify_parse.py, run
//! in one Python process over every file): the corpus blueprints and at least 300 mutants
//! made here, with a fixed seed, from the valid ones. Agreement: both accept, or both reject
//! and, when Cloudify gives a numeric code, one of our errors has that code as its peer.
//!
//! Needs the oracle venv (`../shared/oracles/setup.sh`); skips with a notice when it or
//! ../shared is absent, unless REHEARSE_REQUIRE_SHARED=1.

mod common;

use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64;
use rehearse::check::{self, Input, Options};
use rehearse::dialect::Kind;
use rehearse::source::SourceMap;
use rehearse::syntax::{self, Format, Limits, Node, Value};
use serde_json::{json, Value as Json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const SEED: u64 = 0x00c1_0d1f_5eed;
const MUTANTS: usize = 330;

fn oracle_python() -> Option<PathBuf> {
    let dir = std::env::var_os("REHEARSE_ORACLES")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/rehearse-oracles"))
        })?;
    let python = dir.join("bin/python");
    python.is_file().then_some(python)
}

/// Runs the oracle once over all files: path → verdict.
fn run_oracle(python: &Path, script: &Path, files: &[PathBuf]) -> BTreeMap<String, String> {
    let output = Command::new(python)
        .arg(script)
        .args(files)
        .output()
        .expect("the oracle runs");
    assert!(
        output.status.success(),
        "oracle failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| {
            let v: Json = serde_json::from_str(line).ok()?;
            Some((
                v["file"].as_str()?.to_string(),
                v["verdict"].as_str()?.to_string(),
            ))
        })
        .collect()
}

/// rehearse's verdicts for a file: the peers of its errors (empty = valid).
fn ours(path: &Path) -> Vec<String> {
    let bytes = std::fs::read(path).expect("readable");
    let checked = check::check(
        vec![Input {
            path: path.display().to_string(),
            bytes,
            reported: true,
            forced_kind: Some(Kind::Cloudify),
        }],
        &Options::default(),
    );
    checked
        .error_diagnostics()
        .map(|d| match &d.peer {
            Some(p) => p.clone(),
            None if d.code.id == "Y001" => "-1".to_string(),
            None => d.code.id.to_string(),
        })
        .collect()
}

fn agrees(oracle: &str, ours: &[String]) -> bool {
    match oracle.strip_prefix("error:") {
        None => ours.is_empty(),
        Some(code) if code.parse::<i64>().is_ok() => ours.iter().any(|p| p == code),
        Some(_) => !ours.is_empty(),
    }
}

fn to_json(node: &Node) -> Json {
    match &node.value {
        Value::Null => Json::Null,
        Value::Bool(b) => json!(b),
        Value::Int(i) => json!(i),
        Value::Float(f, raw) => serde_json::Number::from_f64(*f)
            .map(Json::Number)
            .unwrap_or_else(|| json!(raw.to_string())),
        Value::Str(s) => json!(s),
        Value::Seq(items) => Json::Array(items.iter().map(to_json).collect()),
        Value::Map(m) => Json::Object(
            m.iter()
                .map(|(k, v)| (k.key_text().unwrap_or_default(), to_json(v)))
                .collect(),
        ),
    }
}

fn load_json(path: &Path) -> Option<Json> {
    let bytes = std::fs::read(path).ok()?;
    let mut sources = SourceMap::new();
    let (_, parsed) = syntax::load_as(
        &mut sources,
        &path.display().to_string(),
        bytes,
        Format::Yaml,
        &Limits::default(),
        syntax::Profile::PyYaml,
    );
    if !parsed.diagnostics.is_empty() {
        return None;
    }
    parsed.documents.first().map(|d| to_json(&d.root))
}

/// Every mapping in the tree, as a path of keys/indices.
fn map_paths(value: &Json, path: &mut Vec<Json>, out: &mut Vec<Vec<Json>>) {
    match value {
        Json::Object(map) => {
            out.push(path.clone());
            for (k, v) in map {
                path.push(json!(k));
                map_paths(v, path, out);
                path.pop();
            }
        }
        Json::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                path.push(json!(i));
                map_paths(v, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

fn at<'a>(value: &'a mut Json, path: &[Json]) -> Option<&'a mut Json> {
    let mut current = value;
    for step in path {
        current = match step {
            Json::String(k) => current.get_mut(k.as_str())?,
            Json::Number(i) => current.get_mut(i.as_u64()? as usize)?,
            _ => return None,
        };
    }
    Some(current)
}

fn pick<'a, T>(rng: &mut Pcg64, items: &'a [T]) -> Option<&'a T> {
    if items.is_empty() {
        None
    } else {
        items.get(rng.random_range(0..items.len()))
    }
}

fn section_names(doc: &Json, section: &str) -> Vec<String> {
    doc.get(section)
        .and_then(Json::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

/// Applies one random mutation; `None` when the chosen one does not apply.
fn mutate(doc: &Json, rng: &mut Pcg64) -> Option<(String, Json)> {
    let mut doc = doc.clone();
    let nodes = section_names(&doc, "node_templates");
    let groups = section_names(&doc, "groups");
    let kind = rng.random_range(0..10);
    let description = match kind {
        0 => {
            // Drop a key somewhere.
            let mut paths = Vec::new();
            map_paths(&doc, &mut Vec::new(), &mut paths);
            let path = pick(rng, &paths)?.clone();
            let map = at(&mut doc, &path)?.as_object_mut()?;
            let keys: Vec<String> = map.keys().cloned().collect();
            let key = pick(rng, &keys)?.clone();
            map.shift_remove(&key);
            format!("drop key {key}")
        }
        1 => {
            // Rename a reference to a node template.
            let name = pick(rng, &nodes)?.clone();
            let text = serde_json::to_string(&doc).ok()?;
            let needle = format!("\"{name}\"");
            let first = text.find(&needle)?;
            let occurrences: Vec<usize> = text.match_indices(&needle).map(|(i, _)| i).collect();
            let chosen = *pick(rng, &occurrences).unwrap_or(&first);
            let renamed = format!(
                "{}\"{name}_renamed\"{}",
                &text[..chosen],
                &text[chosen + needle.len()..]
            );
            doc = serde_json::from_str(&renamed).ok()?;
            format!("rename one use of {name}")
        }
        2 => {
            // Wrong type for a value.
            let mut paths = Vec::new();
            map_paths(&doc, &mut Vec::new(), &mut paths);
            let path = pick(rng, &paths)?.clone();
            let map = at(&mut doc, &path)?.as_object_mut()?;
            let keys: Vec<String> = map.keys().cloned().collect();
            let key = pick(rng, &keys)?.clone();
            let replacement = match rng.random_range(0..4) {
                0 => json!(42),
                1 => json!("text"),
                2 => json!([1, 2]),
                _ => json!({"unexpected": true}),
            };
            map.insert(key.clone(), replacement.clone());
            format!("set {key} to {replacement}")
        }
        3 => {
            // Remove a node template, leaving its references.
            let name = pick(rng, &nodes)?.clone();
            doc.get_mut("node_templates")?
                .as_object_mut()?
                .shift_remove(&name);
            format!("remove node {name}")
        }
        4 => {
            // Unknown policy type in a group.
            let group = pick(rng, &groups)?.clone();
            let policies = doc
                .get_mut("groups")?
                .get_mut(&group)?
                .get_mut("policies")?
                .as_object_mut()?;
            let names: Vec<String> = policies.keys().cloned().collect();
            let policy = pick(rng, &names)?.clone();
            policies
                .get_mut(&policy)?
                .as_object_mut()?
                .insert("type".into(), json!("cloudify.policies.types.no_such_type"));
            format!("unknown policy type in {group}.{policy}")
        }
        5 => {
            // Unknown trigger type.
            let group = pick(rng, &groups)?.clone();
            let policies = doc
                .get_mut("groups")?
                .get_mut(&group)?
                .get_mut("policies")?
                .as_object_mut()?;
            let trigger = policies
                .values_mut()
                .filter_map(|p| p.get_mut("triggers")?.as_object_mut())
                .flat_map(|t| t.values_mut())
                .next()?;
            trigger
                .as_object_mut()?
                .insert("type".into(), json!("no_such_trigger"));
            format!("unknown trigger type in {group}")
        }
        6 => {
            // Bad or older version.
            let version = match rng.random_range(0..3) {
                0 => json!("cloudify_dsl_9_9"),
                1 => json!("cloudify_dsl_1_0"),
                _ => json!(3),
            };
            doc.as_object_mut()?
                .insert("tosca_definitions_version".into(), version.clone());
            format!("version {version}")
        }
        7 => {
            // An unknown key somewhere.
            let mut paths = Vec::new();
            map_paths(&doc, &mut Vec::new(), &mut paths);
            let path = pick(rng, &paths)?.clone();
            at(&mut doc, &path)?
                .as_object_mut()?
                .insert("unexpected_key".into(), json!("x"));
            format!("add unexpected_key at {path:?}")
        }
        8 => {
            // A group member that does not exist, or an empty member list.
            let group = pick(rng, &groups)?.clone();
            let members = doc.get_mut("groups")?.get_mut(&group)?.get_mut("members")?;
            if rng.random_bool(0.5) {
                members.as_array_mut()?.push(json!("ghost"));
                format!("add ghost member to {group}")
            } else {
                *members = json!([]);
                format!("empty members of {group}")
            }
        }
        _ => {
            // Scaling numbers out of order.
            let policies = doc.get_mut("policies")?.as_object_mut()?;
            let policy = policies.values_mut().next()?;
            let props = policy
                .as_object_mut()?
                .entry("properties")
                .or_insert_with(|| json!({}));
            let (key, value) = match rng.random_range(0..4) {
                0 => ("default_instances", json!(-1)),
                1 => ("max_instances", json!("SOME")),
                2 => ("min_instances", json!(100)),
                _ => ("max_instances", json!({"not": "function"})),
            };
            props.as_object_mut()?.insert(key.into(), value.clone());
            format!("policy {key} = {value}")
        }
    };
    Some((description, doc))
}

#[test]
fn agrees_with_cloudify_parser() {
    let Some(shared) = common::shared_dir("oracle_cloudify") else {
        return;
    };
    let python = match oracle_python() {
        Some(p) => p,
        None => {
            if std::env::var("REHEARSE_REQUIRE_SHARED").is_ok_and(|v| v == "1") {
                panic!(
                    "oracle_cloudify: the oracle venv is missing (run ../shared/oracles/setup.sh)"
                );
            }
            eprintln!("notice: oracle_cloudify skipped: oracle venv not found (run ../shared/oracles/setup.sh)");
            return;
        }
    };
    let script = shared.join("oracles/cloudify_parse.py");
    let corpus = shared.join("corpus/cloudify");
    let mut corpus_files: Vec<PathBuf> = std::fs::read_dir(&corpus)
        .expect("corpus dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension().is_some_and(|x| x == "yaml") && !p.to_string_lossy().contains("__imp")
        })
        .collect();
    corpus_files.sort();

    // Seeds: corpus blueprints Cloudify accepts that need no import.
    let tmp = tempfile::tempdir().expect("temp dir");
    let mut seeds = Vec::new();
    for path in &corpus_files {
        let Some(doc) = load_json(path) else { continue };
        if doc.get("imports").is_some() {
            continue;
        }
        seeds.push(doc);
    }
    let mut rng = Pcg64::seed_from_u64(SEED);
    let mut mutant_files = Vec::new();
    let mut descriptions = BTreeMap::new();
    let mut attempts = 0;
    while mutant_files.len() < MUTANTS && attempts < MUTANTS * 50 {
        attempts += 1;
        let Some(seed) = pick(&mut rng, &seeds) else {
            break;
        };
        let Some((description, mutant)) = mutate(seed, &mut rng) else {
            continue;
        };
        let path = tmp
            .path()
            .join(format!("mutant_{:03}.yaml", mutant_files.len()));
        std::fs::write(&path, serde_json::to_string_pretty(&mutant).expect("json")).expect("write");
        descriptions.insert(path.display().to_string(), description);
        mutant_files.push(path);
    }
    assert!(
        mutant_files.len() >= 300,
        "only {} mutants",
        mutant_files.len()
    );

    let mut all = corpus_files.clone();
    all.extend(mutant_files.iter().cloned());
    let oracle = run_oracle(&python, &script, &all);

    let report = |name: &str, files: &[PathBuf]| -> f64 {
        let mut table: BTreeMap<(&str, &str), usize> = BTreeMap::new();
        let mut agree = 0;
        let mut disagreements = Vec::new();
        for file in files {
            let key = file.display().to_string();
            let Some(verdict) = oracle.get(&key) else {
                continue;
            };
            let ours = ours(file);
            let ok = agrees(verdict, &ours);
            let oracle_side = if verdict == "valid" {
                "accepts"
            } else {
                "rejects"
            };
            let our_side = if ours.is_empty() {
                "accepts"
            } else {
                "rejects"
            };
            *table.entry((oracle_side, our_side)).or_default() += 1;
            if ok {
                agree += 1;
            } else {
                let name = file
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                disagreements.push(format!(
                    "{name} [{}]: cloudify {verdict}, rehearse {}",
                    descriptions.get(&key).map_or("corpus", String::as_str),
                    if ours.is_empty() {
                        "valid".to_string()
                    } else {
                        ours.join(",")
                    }
                ));
            }
        }
        let total = files.len();
        println!(
            "\n{name}: {agree}/{total} agree ({:.1}%)",
            100.0 * agree as f64 / total as f64
        );
        println!("| cloudify | rehearse | files |");
        println!("|---|---|---|");
        for ((o, r), n) in &table {
            println!("| {o} | {r} | {n} |");
        }
        println!("disagreements ({}):", disagreements.len());
        for d in &disagreements {
            println!("  {d}");
        }
        agree as f64 / total as f64
    };
    report("corpus vs cloudify-common 7.0.5", &corpus_files);
    let rate = report("mutants vs cloudify-common 7.0.5", &mutant_files);
    assert!(
        rate >= 0.95,
        "mutant agreement {:.1}% is below 95%",
        100.0 * rate
    );
}
