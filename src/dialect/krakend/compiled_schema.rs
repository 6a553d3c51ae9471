//! The bundled KrakenD schemas, compiled once per process into an arena that
//! [`super::schema_lint`] walks without touching JSON: every `$ref` resolved to an index, `type`
//! as a bit set, property names in hash-sorted tables, patterns compiled. The lint runs on
//! every config checked (twice when no `$schema` pins a version), so map lookups and JSON-pointer
//! resolution per value validated were most of its cost.
//!
//! Only the keywords the lint implements are compiled (see [`super::schema_lint`]); any other
//! keyword is ignored, as it was when the lint read the JSON directly.

use super::schema::SchemaVersion;
use regex::Regex;
use serde_json::Value as Json;
use std::collections::HashMap;
use std::sync::OnceLock;

/// A schema's place in [`Bundle::schemas`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SchemaId(u32);

/// A pattern's place in [`Bundle::patterns`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PatternId(u32);

pub struct Bundle {
    schemas: Vec<Schema>,
    pub root: SchemaId,
    patterns: Vec<Pattern>,
}

impl Bundle {
    pub fn schema(&self, id: SchemaId) -> &Schema {
        &self.schemas[id.0 as usize]
    }

    pub fn pattern(&self, id: PatternId) -> &Pattern {
        &self.patterns[id.0 as usize]
    }
}

pub struct Pattern {
    /// As written in the schema, for messages.
    pub text: Box<str>,
    pub regex: Regex,
}

pub enum Schema {
    /// `true`, or a schema that is neither an object nor a boolean: every value passes.
    Anything,
    /// `false`: no value passes.
    Nothing,
    Keywords(Box<Keywords>),
}

/// The keywords of one schema object. An absent keyword is `None` (or empty where absence and
/// emptiness mean the same).
#[derive(Default)]
pub struct Keywords {
    /// `Some(None)`: a `$ref` that names nothing in the bundle (checks nothing).
    pub reference: Option<Option<SchemaId>>,
    pub types: Option<Types>,
    pub enumeration: Option<Vec<Json>>,
    pub constant: Option<Json>,
    pub all_of: Vec<SchemaId>,
    /// Absent and empty differ: an empty `anyOf` or `oneOf` lets nothing pass.
    pub any_of: Option<Vec<SchemaId>>,
    pub one_of: Option<Vec<SchemaId>>,
    pub not: Option<SchemaId>,
    pub properties: Properties,
    /// In the schema's order. A pattern the regex crate cannot compile is left out: it never
    /// matches a key.
    pub pattern_properties: Vec<(PatternId, SchemaId)>,
    pub additional: Additional,
    pub required: Vec<Box<str>>,
    pub properties_count: Count,
    pub items: Items,
    pub items_count: Count,
    pub unique_items: bool,
    pub min_length: Option<u64>,
    /// Left out when the regex crate cannot compile it: it never fails a value.
    pub pattern: Option<PatternId>,
    pub minimum: Option<f64>,
    pub maximum: Option<f64>,
}

/// `properties`: the schema of each named key. Looked up by a hash of the name first, so that a
/// lookup compares one name, not the several a binary search by name would (this runs for every
/// key of every object validated).
#[derive(Default)]
pub struct Properties {
    /// Sorted by hash.
    entries: Vec<(u64, Box<str>, SchemaId)>,
}

impl Properties {
    pub fn get(&self, name: &str) -> Option<SchemaId> {
        let hash = name_hash(name);
        let first = self.entries.partition_point(|(h, ..)| *h < hash);
        self.entries[first..]
            .iter()
            .take_while(|(h, ..)| *h == hash)
            .find(|(_, known, _)| **known == *name)
            .map(|&(.., id)| id)
    }
}

/// FNV-1a: short names, no adversary to resist (the table is the bundle's, a collision only
/// costs one more comparison).
fn name_hash(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// `type`: the JSON types allowed, and how a message names them.
pub struct Types {
    pub allowed: u8,
    pub wanted: Box<str>,
}

pub mod type_bit {
    pub const OBJECT: u8 = 1;
    pub const ARRAY: u8 = 2;
    pub const STRING: u8 = 4;
    pub const BOOLEAN: u8 = 8;
    pub const NULL: u8 = 16;
    pub const NUMBER: u8 = 32;
    pub const INTEGER: u8 = 64;
}

/// `additionalProperties`: what a key that no `properties` or `patternProperties` entry names
/// may be.
#[derive(Default)]
pub enum Additional {
    /// Absent, `true`, or anything that is not a schema object.
    #[default]
    Anything,
    /// `false`: such a key is itself the violation (K030), not its value.
    Forbidden,
    Schema(SchemaId),
}

#[derive(Default)]
pub enum Items {
    #[default]
    Unchecked,
    /// One schema per position (draft-07's array form); positions beyond it are unchecked.
    Tuple(Vec<SchemaId>),
    Each(SchemaId),
}

/// `minProperties`/`maxProperties` or `minItems`/`maxItems`.
#[derive(Default)]
pub struct Count {
    pub min: Option<u64>,
    pub max: Option<u64>,
}

/// `version`'s bundle, compiled on first use.
pub fn bundle(version: SchemaVersion) -> &'static Bundle {
    static V2_7: OnceLock<Bundle> = OnceLock::new();
    static V2_13: OnceLock<Bundle> = OnceLock::new();
    let cell = match version {
        SchemaVersion::V2_7 => &V2_7,
        SchemaVersion::V2_13 => &V2_13,
    };
    cell.get_or_init(|| {
        let root: Json =
            serde_json::from_str(bundle_text(version)).expect("the bundled schema is JSON");
        compile(&root, ref_overrides(version))
    })
}

/// The stripped bundle as shipped (written by `tools/krakend_schema_bundles.py`).
pub fn bundle_text(version: SchemaVersion) -> &'static str {
    match version {
        SchemaVersion::V2_7 => include_str!("schema_bundles/v2.7.json"),
        SchemaVersion::V2_13 => include_str!("schema_bundles/v2.13.json"),
    }
}

/// v2.7 is draft-07, where a `$ref` replaces the keywords beside it; v2.13 is 2019-09, where a
/// `$ref` applies beside them.
fn ref_overrides(version: SchemaVersion) -> bool {
    version == SchemaVersion::V2_7
}

fn compile(root: &Json, ref_overrides: bool) -> Bundle {
    let mut compiler = Compiler {
        root,
        ref_overrides,
        bundle: Bundle {
            schemas: Vec::new(),
            root: SchemaId(0),
            patterns: Vec::new(),
        },
        compiled: HashMap::new(),
        pattern_ids: HashMap::new(),
    };
    compiler.bundle.root = compiler.schema(root);
    compiler.bundle
}

struct Compiler<'j> {
    root: &'j Json,
    ref_overrides: bool,
    bundle: Bundle,
    /// Each schema object compiled once, whether reached in place or through any number of
    /// `$ref`s (which also ends the recursion of a schema that refers to itself).
    compiled: HashMap<*const Json, SchemaId>,
    pattern_ids: HashMap<&'j str, Option<PatternId>>,
}

impl<'j> Compiler<'j> {
    fn schema(&mut self, json: &'j Json) -> SchemaId {
        if let Some(&id) = self.compiled.get(&(json as *const Json)) {
            return id;
        }
        let id = SchemaId(self.bundle.schemas.len() as u32);
        self.bundle.schemas.push(Schema::Anything);
        self.compiled.insert(json, id);
        let schema = match json {
            Json::Bool(false) => Schema::Nothing,
            Json::Object(map) => Schema::Keywords(Box::new(self.keywords(map))),
            _ => Schema::Anything,
        };
        self.bundle.schemas[id.0 as usize] = schema;
        id
    }

    fn keywords(&mut self, map: &'j serde_json::Map<String, Json>) -> Keywords {
        let mut keywords = Keywords::default();
        if let Some(Json::String(reference)) = map.get("$ref") {
            keywords.reference =
                Some(resolve(self.root, reference).map(|target| self.schema(target)));
            if self.ref_overrides {
                return keywords;
            }
        }
        keywords.types = map.get("type").and_then(types);
        keywords.enumeration = map.get("enum").and_then(Json::as_array).cloned();
        keywords.constant = map.get("const").cloned();
        keywords.all_of = self.schema_list(map.get("allOf")).unwrap_or_default();
        keywords.any_of = self.schema_list(map.get("anyOf"));
        keywords.one_of = self.schema_list(map.get("oneOf"));
        keywords.not = map.get("not").map(|not| self.schema(not));
        if let Some(properties) = map.get("properties").and_then(Json::as_object) {
            let mut entries: Vec<(u64, Box<str>, SchemaId)> = properties
                .iter()
                .map(|(name, sub)| (name_hash(name), name.as_str().into(), self.schema(sub)))
                .collect();
            entries.sort_by_key(|&(hash, ..)| hash);
            keywords.properties = Properties { entries };
        }
        if let Some(patterns) = map.get("patternProperties").and_then(Json::as_object) {
            for (pattern, sub) in patterns {
                if let Some(pattern) = self.pattern(pattern) {
                    let sub = self.schema(sub);
                    keywords.pattern_properties.push((pattern, sub));
                }
            }
        }
        keywords.additional = match map.get("additionalProperties") {
            Some(Json::Bool(false)) => Additional::Forbidden,
            Some(sub @ Json::Object(_)) => Additional::Schema(self.schema(sub)),
            _ => Additional::Anything,
        };
        if let Some(required) = map.get("required").and_then(Json::as_array) {
            keywords.required = required
                .iter()
                .filter_map(Json::as_str)
                .map(Into::into)
                .collect();
        }
        keywords.properties_count = count(map, "minProperties", "maxProperties");
        keywords.items = match map.get("items") {
            Some(Json::Array(tuple)) => {
                Items::Tuple(tuple.iter().map(|sub| self.schema(sub)).collect())
            }
            Some(sub @ (Json::Object(_) | Json::Bool(_))) => Items::Each(self.schema(sub)),
            _ => Items::Unchecked,
        };
        keywords.items_count = count(map, "minItems", "maxItems");
        keywords.unique_items = map.get("uniqueItems") == Some(&Json::Bool(true));
        keywords.min_length = map.get("minLength").and_then(Json::as_u64);
        keywords.pattern = match map.get("pattern") {
            Some(Json::String(pattern)) => self.pattern(pattern),
            _ => None,
        };
        keywords.minimum = map.get("minimum").and_then(Json::as_f64);
        keywords.maximum = map.get("maximum").and_then(Json::as_f64);
        keywords
    }

    /// `allOf`, `anyOf` or `oneOf`; `None` unless it is an array.
    fn schema_list(&mut self, list: Option<&'j Json>) -> Option<Vec<SchemaId>> {
        let list = list?.as_array()?;
        Some(list.iter().map(|sub| self.schema(sub)).collect())
    }

    fn pattern(&mut self, text: &'j str) -> Option<PatternId> {
        if let Some(&id) = self.pattern_ids.get(text) {
            return id;
        }
        let id = compile_pattern(text).map(|regex| {
            self.bundle.patterns.push(Pattern {
                text: text.into(),
                regex,
            });
            PatternId(self.bundle.patterns.len() as u32 - 1)
        });
        self.pattern_ids.insert(text, id);
        id
    }
}

fn types(types: &Json) -> Option<Types> {
    let bit = |name: &str| match name {
        "object" => type_bit::OBJECT,
        "array" => type_bit::ARRAY,
        "string" => type_bit::STRING,
        "boolean" => type_bit::BOOLEAN,
        "null" => type_bit::NULL,
        "number" => type_bit::NUMBER,
        "integer" => type_bit::INTEGER,
        // A type name JSON Schema does not define matches nothing.
        _ => 0,
    };
    let names: Vec<&str> = match types {
        Json::String(name) => vec![name],
        Json::Array(list) => list.iter().filter_map(Json::as_str).collect(),
        // Not a type keyword JSON Schema defines: it restricts nothing.
        _ => return None,
    };
    Some(Types {
        allowed: names.iter().fold(0, |bits, name| bits | bit(name)),
        wanted: names.join(" or ").into(),
    })
}

fn count(map: &serde_json::Map<String, Json>, min: &str, max: &str) -> Count {
    Count {
        min: map.get(min).and_then(Json::as_u64),
        max: map.get(max).and_then(Json::as_u64),
    }
}

/// A pattern as the regex crate compiles it; `None` for one it cannot.
fn compile_pattern(text: &str) -> Option<Regex> {
    Regex::new(text).ok()
}

/// What a root-relative `$ref` (`#/$defs/https:~1~1www.krakend.io~1...`) names in the bundle.
fn resolve<'j>(root: &'j Json, reference: &str) -> Option<&'j Json> {
    root.pointer(&pointer_of(reference)?)
}

/// The JSON pointer a `$ref` stands for, percent-decoded first as a URI fragment (v2.7 writes
/// `https%3A~1~1...`).
fn pointer_of(reference: &str) -> Option<String> {
    percent_decoded(reference.strip_prefix('#')?)
}

fn percent_decoded(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// The bundle's regular expressions and `$ref`s, read from its JSON.
    fn collect_strings(
        schema: &Json,
        patterns: &mut BTreeSet<String>,
        references: &mut BTreeSet<String>,
    ) {
        match schema {
            Json::Object(map) => {
                for (key, value) in map {
                    match (key.as_str(), value) {
                        ("pattern", Json::String(p)) => {
                            patterns.insert(p.clone());
                        }
                        ("$ref", Json::String(r)) => {
                            references.insert(r.clone());
                        }
                        ("patternProperties", Json::Object(keyed)) => {
                            patterns.extend(keyed.keys().cloned());
                        }
                        ("enum" | "const" | "required", _) => continue,
                        _ => {}
                    }
                    collect_strings(value, patterns, references);
                }
            }
            Json::Array(items) => items
                .iter()
                .for_each(|i| collect_strings(i, patterns, references)),
            _ => {}
        }
    }

    #[test]
    fn every_property_of_the_bundles_is_found_by_name_and_no_other_name_is() {
        for version in SchemaVersion::ALL {
            let compiled = bundle(version);
            let mut tables = 0;
            for schema in &compiled.schemas {
                let Schema::Keywords(keywords) = schema else {
                    continue;
                };
                tables += 1;
                for (_, name, id) in &keywords.properties.entries {
                    assert_eq!(
                        keywords.properties.get(name),
                        Some(*id),
                        "{version:?}: {name}"
                    );
                    let other = format!("{name}_");
                    assert_eq!(
                        keywords.properties.get(&other),
                        None,
                        "{version:?}: {other}"
                    );
                }
            }
            assert!(tables > 100, "{version:?}");
        }
    }

    #[test]
    fn every_reference_and_pattern_of_the_bundles_is_usable() {
        for version in SchemaVersion::ALL {
            let root: Json = serde_json::from_str(bundle_text(version)).unwrap();
            let (mut patterns, mut references) = (BTreeSet::new(), BTreeSet::new());
            collect_strings(&root, &mut patterns, &mut references);
            assert!(references.len() > 20, "{version:?}");
            for reference in &references {
                assert!(
                    resolve(&root, reference).is_some(),
                    "{version:?}: {reference}"
                );
            }
            for pattern in &patterns {
                assert!(compile_pattern(pattern).is_some(), "{version:?}: {pattern}");
            }
        }
    }
}
