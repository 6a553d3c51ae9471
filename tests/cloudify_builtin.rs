//! rehearse's built-in Cloudify definitions against cloudify-manager's types.yaml of every
//! version (../shared/reference/cloudify/manager-types): every node type, relationship,
//! workflow (with its parameters), data type, plugin, policy type and trigger the reference
//! defines must be ours too, identical in everything but descriptions (names, properties with
//! types and defaults, interfaces and operations, mappings).

mod common;

use rehearse::dialect::cloudify::builtin::{types_yaml, ManagerVersion};
use rehearse::source::SourceMap;
use rehearse::syntax::{self, Format, Limits, Node, Value};
use serde_json::{json, Map, Value as Json};
use std::path::Path;

const SECTIONS: [&str; 7] = [
    "node_types",
    "relationships",
    "workflows",
    "data_types",
    "plugins",
    "policy_types",
    "policy_triggers",
];

fn to_json(node: &Node) -> Json {
    match &node.value {
        Value::Null => Json::Null,
        Value::Bool(b) => json!(b),
        Value::Int(i) => json!(i),
        Value::Float(f, _) => json!(f),
        Value::Str(s) => json!(s),
        Value::Seq(items) => Json::Array(items.iter().map(to_json).collect()),
        Value::Map(m) => Json::Object(
            m.iter()
                .map(|(k, v)| (k.key_text().unwrap_or_default(), to_json(v)))
                .collect(),
        ),
    }
}

fn load(path: &str, bytes: Vec<u8>) -> Json {
    let mut sources = SourceMap::new();
    let (_, parsed) = syntax::load(&mut sources, path, bytes, Format::Yaml, &Limits::default());
    parsed
        .documents
        .first()
        .map(|d| to_json(&d.root))
        .unwrap_or(Json::Null)
}

/// Drops a definition's description and its properties'/parameters' descriptions.
fn without_descriptions(definition: &Json) -> Json {
    let Some(map) = definition.as_object() else {
        return definition.clone();
    };
    let mut out = Map::new();
    for (key, value) in map {
        if key == "description" {
            continue;
        }
        let value = match (key.as_str(), value.as_object()) {
            ("properties" | "parameters", Some(schema)) => Json::Object(
                schema
                    .iter()
                    .map(|(name, p)| {
                        let mut p = p.clone();
                        if let Some(p) = p.as_object_mut() {
                            p.remove("description");
                        }
                        (name.clone(), p)
                    })
                    .collect(),
            ),
            _ => value.clone(),
        };
        out.insert(key.clone(), value);
    }
    Json::Object(out)
}

#[test]
fn every_version_matches_the_reference() {
    let Some(shared) = common::shared_dir("cloudify_builtin") else {
        return;
    };
    let reference = shared.join("reference/cloudify/manager-types");
    let mut versions: Vec<(String, std::path::PathBuf, ManagerVersion)> =
        std::fs::read_dir(reference.join("types"))
            .expect("manager-types/types")
            .filter_map(|e| e.ok())
            .map(|e| {
                let tag = e.file_name().to_string_lossy().into_owned();
                let version = ManagerVersion::lookup(&tag);
                (tag, e.path().join("types.yaml"), version)
            })
            .collect();
    versions.sort_by(|a, b| a.0.cmp(&b.0));
    versions.push((
        "resources".into(),
        reference.join("resources/cloudify/types/types.yaml"),
        ManagerVersion::resources(),
    ));
    assert!(versions.len() >= 27, "only {} versions", versions.len());
    let mut compared = 0;
    for (tag, path, version) in &versions {
        assert_eq!(version.name(), tag, "version {tag} is not built in");
        let theirs = load(
            &path.display().to_string(),
            std::fs::read(path).expect("reference types.yaml"),
        );
        let ours = load("<builtin>", types_yaml(*version).into_bytes());
        for section in SECTIONS {
            let their_defs = theirs.get(section).and_then(Json::as_object);
            let our_defs = ours.get(section).and_then(Json::as_object);
            // A definitions section is a mapping: its order means nothing to Cloudify.
            let their_names: std::collections::BTreeSet<&String> =
                their_defs.map(|d| d.keys().collect()).unwrap_or_default();
            let our_names: std::collections::BTreeSet<&String> =
                our_defs.map(|d| d.keys().collect()).unwrap_or_default();
            assert_eq!(their_names, our_names, "{tag} {section}: names differ");
            for name in their_names {
                let theirs = without_descriptions(&their_defs.unwrap()[name]);
                let ours = &our_defs.unwrap()[name];
                assert_eq!(&theirs, ours, "{tag} {section} {name} differs");
                compared += 1;
            }
        }
    }
    println!(
        "{} versions, {compared} definitions compared",
        versions.len()
    );
    assert!(Path::new(&reference).is_dir());
}
