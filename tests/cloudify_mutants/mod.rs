//! Mutants of Cloudify blueprints for the differential tests against Cloudify's parser
//! (tests/oracle_cloudify.rs on the corpus, tests/realworld_cloudify.rs on the real-world set):
//! a blueprint read as PyYAML reads it, changed by one seeded random mutation, written as JSON
//! (which both parsers read as YAML).
#![allow(dead_code)]

use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64;
use rehearse::source::SourceMap;
use rehearse::syntax::{self, Format, Limits, Node, Value};
use serde_json::{json, Value as Json};
use std::path::Path;

/// One mutant: which seed it came from (index into the seeds), what was changed, the result.
pub struct Mutant {
    pub seed: usize,
    pub description: String,
    pub doc: Json,
}

/// `count` mutants of `seeds` from the generator seeded with `seed` (fewer when too few
/// mutations apply): the same seeds and seed give the same mutants, in the same order.
pub fn generate(seeds: &[Json], seed: u64, count: usize) -> Vec<Mutant> {
    let mut rng = Pcg64::seed_from_u64(seed);
    let mut out = Vec::new();
    let mut attempts = 0;
    while out.len() < count && attempts < count * 50 {
        attempts += 1;
        if seeds.is_empty() {
            break;
        }
        let index = rng.random_range(0..seeds.len());
        let Some((description, doc)) = mutate(&seeds[index], &mut rng) else {
            continue;
        };
        out.push(Mutant {
            seed: index,
            description,
            doc,
        });
    }
    out
}

/// FNV-1a of a mutant's text: stored verdicts name the exact file they judged.
pub fn fingerprint(text: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

pub fn to_json(node: &Node) -> Json {
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

pub fn load_json(path: &Path, allow_warnings: bool) -> Option<Json> {
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
    if parsed
        .diagnostics
        .iter()
        .any(|d| !allow_warnings || d.is_error())
    {
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

pub fn pick<'a, T>(rng: &mut Pcg64, items: &'a [T]) -> Option<&'a T> {
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
pub fn mutate(doc: &Json, rng: &mut Pcg64) -> Option<(String, Json)> {
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
