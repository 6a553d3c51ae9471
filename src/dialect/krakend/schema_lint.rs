//! The official KrakenD schema, applied as `krakend check --lint` applies it.
//!
//! The key and namespace tables of [`super::schema`] give the common lint failures a precise
//! message; this validator is the backstop behind them, so that rehearse's lint verdict is the
//! schema's even inside a namespace's own options (`security/http`'s keys, a martian
//! modifier's required fields). It reads the bundles `krakend check --lint` downloads
//! (krakend-schema commit 07e481d, annotations stripped by `tools/krakend_schema_bundles.py`)
//! and implements the keywords they use: `$ref` (root-relative pointers), `type`, `enum`,
//! `const`, `properties`, `patternProperties`, `additionalProperties`, `required`,
//! `min/maxProperties`, `items`, `min/maxItems`, `uniqueItems`, `minimum`, `maximum`,
//! `minLength`, `pattern`, `oneOf`, `anyOf`, `allOf`, `not`. v2.7 is draft-07 (a `$ref`
//! replaces its siblings); v2.13 is 2019-09 (a `$ref` applies beside them).

use super::schema::SchemaVersion;
use crate::source::Span;
use crate::syntax::{Node, Value};
use regex::Regex;
use serde_json::Value as Json;
use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;
use std::sync::OnceLock;

/// One place where the config breaks the schema.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    pub span: Span,
    /// Where: the value's place (`endpoints[0].extra_config["security/http"]`); for an unknown
    /// key, the object holding it.
    pub path: String,
    pub message: String,
    /// A key the schema does not allow there (K030), rather than a value it rejects (K032).
    pub unknown_key: bool,
}

/// Violations collected before choosing which to show: bounds the memory a config that breaks
/// the schema everywhere costs.
const MAX_COLLECTED: usize = 10_000;

/// The violations of `root` against `version`'s schema: at most `limit`, chosen by place
/// (path, then message) so that the same config with its keys in another order (as an emitted
/// config has) gives the same ones; shown in document order.
pub fn violations(root: &Node, version: SchemaVersion, limit: usize) -> Vec<Violation> {
    let bundle = bundle(version);
    let mut found = Vec::new();
    let mut walk = Walk {
        bundle,
        limit: MAX_COLLECTED,
        depth: 0,
    };
    walk.check(&bundle.root, root, &mut String::new(), &mut found);
    choose(&mut found, limit);
    found
}

/// Keeps the first `limit` violations by (path, message), in document order.
fn choose(found: &mut Vec<Violation>, limit: usize) {
    found.sort_by(|a, b| (&a.path, &a.message).cmp(&(&b.path, &b.message)));
    found.truncate(limit);
    found.sort_by_key(|v| (v.span.start, v.span.end));
}

struct Bundle {
    root: Json,
    /// Draft-07: a `$ref` replaces the keywords beside it.
    ref_overrides: bool,
    /// Every `pattern` and `patternProperties` key, compiled once. A pattern the regex crate
    /// cannot compile is absent and never fails a value.
    regexes: HashMap<String, Regex>,
    /// Every `$ref`, decoded once into the JSON pointer it names.
    pointers: HashMap<String, String>,
}

impl Bundle {
    fn resolve(&self, reference: &str) -> Option<&Json> {
        self.root.pointer(self.pointers.get(reference)?)
    }
}

fn bundle(version: SchemaVersion) -> &'static Bundle {
    static V2_7: OnceLock<Bundle> = OnceLock::new();
    static V2_13: OnceLock<Bundle> = OnceLock::new();
    let (cell, text, ref_overrides) = match version {
        SchemaVersion::V2_7 => (&V2_7, include_str!("schema_bundles/v2.7.json"), true),
        SchemaVersion::V2_13 => (&V2_13, include_str!("schema_bundles/v2.13.json"), false),
    };
    cell.get_or_init(|| {
        let root: Json = serde_json::from_str(text).expect("the bundled schema is JSON");
        let (mut patterns, mut references) = (BTreeSet::new(), BTreeSet::new());
        collect_strings(&root, &mut patterns, &mut references);
        let regexes = patterns
            .into_iter()
            .filter_map(|p| Regex::new(&p).ok().map(|r| (p, r)))
            .collect();
        let pointers = references
            .into_iter()
            .filter_map(|r| pointer_of(&r).map(|p| (r, p)))
            .collect();
        Bundle {
            root,
            ref_overrides,
            regexes,
            pointers,
        }
    })
}

/// The bundle's regular expressions and `$ref`s.
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

/// A keyword of a schema object. A schema object holds a handful of keywords: a linear scan
/// is several times cheaper than hashing the name, and this runs for every value validated.
fn keyword<'a>(schema: &'a serde_json::Map<String, Json>, key: &str) -> Option<&'a Json> {
    schema.iter().find_map(|(k, v)| (k == key).then_some(v))
}

/// Appends a key to a display path: `a.b`, `a["security/http"]`.
fn push_key(path: &mut String, name: &str) {
    let plain = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '@' | '$' | '#'));
    if plain {
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(name);
    } else {
        path.push('[');
        path.push_str(&serde_json::to_string(name).unwrap_or_default());
        path.push(']');
    }
}

/// `$ref` chains and combinators that do not descend into the document are bounded by this;
/// descending is bounded by the document's own depth (the syntax layer caps it).
const MAX_DEPTH: usize = 512;

struct Walk<'a> {
    bundle: &'a Bundle,
    limit: usize,
    depth: usize,
}

impl Walk<'_> {
    /// Whether `node` is valid under `schema`; violations go to `out` (up to the limit).
    fn check(
        &mut self,
        schema: &Json,
        node: &Node,
        path: &mut String,
        out: &mut Vec<Violation>,
    ) -> bool {
        let map = match schema {
            Json::Bool(valid) => {
                if !valid {
                    self.report(
                        out,
                        node.span,
                        path,
                        "no value is allowed here".into(),
                        false,
                    );
                }
                return *valid;
            }
            Json::Object(map) => map,
            _ => return true,
        };
        if self.depth >= MAX_DEPTH {
            return true;
        }
        self.depth += 1;
        let valid = self.check_keywords(map, node, path, out);
        self.depth -= 1;
        valid
    }

    fn check_keywords(
        &mut self,
        schema: &serde_json::Map<String, Json>,
        node: &Node,
        path: &mut String,
        out: &mut Vec<Violation>,
    ) -> bool {
        let mut valid = true;
        if let Some(Json::String(reference)) = keyword(schema, "$ref") {
            if let Some(target) = self.bundle.resolve(reference) {
                valid &= self.check(target, node, path, out);
            }
            if self.bundle.ref_overrides {
                return valid;
            }
        }
        if let Some(types) = keyword(schema, "type") {
            if !type_matches(types, node) {
                let wanted = match types {
                    Json::Array(list) => list
                        .iter()
                        .filter_map(Json::as_str)
                        .collect::<Vec<_>>()
                        .join(" or "),
                    other => other.as_str().unwrap_or("?").to_string(),
                };
                self.report(
                    out,
                    node.span,
                    path,
                    format!("{} is not of type {wanted}", node.type_name()),
                    false,
                );
                // The other keywords would only repeat the mismatch.
                return false;
            }
        }
        if let Some(Json::Array(values)) = keyword(schema, "enum") {
            if !values.iter().any(|v| equals(v, node)) {
                let listed: Vec<String> = values.iter().map(Json::to_string).collect();
                self.report(
                    out,
                    node.span,
                    path,
                    format!("{} is not one of {}", shown(node), listed.join(", ")),
                    false,
                );
                valid = false;
            }
        }
        if let Some(constant) = keyword(schema, "const") {
            if !equals(constant, node) {
                self.report(
                    out,
                    node.span,
                    path,
                    format!("{} is not {constant}", shown(node)),
                    false,
                );
                valid = false;
            }
        }
        valid &= self.check_combinators(schema, node, path, out);
        match &node.value {
            Value::Map(mapping) => valid &= self.check_object(schema, node, mapping, path, out),
            Value::Seq(items) => valid &= self.check_array(schema, node, items, path, out),
            Value::Str(text) => {
                if let Some(min) = keyword(schema, "minLength").and_then(Json::as_u64) {
                    if (text.chars().count() as u64) < min {
                        self.report(
                            out,
                            node.span,
                            path,
                            format!("is shorter than {min} characters"),
                            false,
                        );
                        valid = false;
                    }
                }
                if let Some(Json::String(pattern)) = keyword(schema, "pattern") {
                    if let Some(regex) = self.bundle.regexes.get(pattern) {
                        if !regex.is_match(text) {
                            self.report(
                                out,
                                node.span,
                                path,
                                format!("{text:?} does not match `{pattern}`"),
                                false,
                            );
                            valid = false;
                        }
                    }
                }
            }
            Value::Int(_) | Value::Float(..) => {
                let number = node.as_f64().unwrap_or(f64::NAN);
                if let Some(min) = keyword(schema, "minimum").and_then(Json::as_f64) {
                    if number < min {
                        self.report(
                            out,
                            node.span,
                            path,
                            format!("{} is less than the minimum {min}", shown(node)),
                            false,
                        );
                        valid = false;
                    }
                }
                if let Some(max) = keyword(schema, "maximum").and_then(Json::as_f64) {
                    if number > max {
                        self.report(
                            out,
                            node.span,
                            path,
                            format!("{} is more than the maximum {max}", shown(node)),
                            false,
                        );
                        valid = false;
                    }
                }
            }
            _ => {}
        }
        valid
    }

    fn check_combinators(
        &mut self,
        schema: &serde_json::Map<String, Json>,
        node: &Node,
        path: &mut String,
        out: &mut Vec<Violation>,
    ) -> bool {
        let mut valid = true;
        if let Some(Json::Array(all)) = keyword(schema, "allOf") {
            for branch in all {
                valid &= self.check(branch, node, path, out);
            }
        }
        if let Some(Json::Array(any)) = keyword(schema, "anyOf") {
            if !any.iter().any(|branch| self.passes(branch, node, path)) {
                self.report(
                    out,
                    node.span,
                    path,
                    "matches none of the schema's alternatives (anyOf)".into(),
                    false,
                );
                valid = false;
            }
        }
        if let Some(Json::Array(one)) = keyword(schema, "oneOf") {
            let passing = one
                .iter()
                .filter(|branch| self.passes(branch, node, path))
                .count();
            if passing != 1 {
                let message = if passing == 0 {
                    "matches none of the schema's alternatives (oneOf)".to_string()
                } else {
                    format!("matches {passing} of the schema's alternatives where exactly one must (oneOf)")
                };
                self.report(out, node.span, path, message, false);
                valid = false;
            }
        }
        if let Some(not) = keyword(schema, "not") {
            if self.passes(not, node, path) {
                self.report(
                    out,
                    node.span,
                    path,
                    "matches a schema it must not (not)".into(),
                    false,
                );
                valid = false;
            }
        }
        valid
    }

    fn check_object(
        &mut self,
        schema: &serde_json::Map<String, Json>,
        node: &Node,
        mapping: &crate::syntax::Mapping,
        path: &mut String,
        out: &mut Vec<Violation>,
    ) -> bool {
        let mut valid = true;
        let properties = keyword(schema, "properties").and_then(Json::as_object);
        let patterns = keyword(schema, "patternProperties").and_then(Json::as_object);
        let additional = keyword(schema, "additionalProperties");
        for (key, value) in mapping.iter() {
            // Borrowed for the common string key: this runs for every key validated.
            let owned;
            let name: &str = match &key.value {
                Value::Str(text) => text,
                _ => match key.key_text() {
                    Some(text) => {
                        owned = text;
                        &owned
                    }
                    None => continue,
                },
            };
            let at = path.len();
            push_key(path, name);
            let mut known = false;
            if let Some(sub) = properties.and_then(|p| p.get(name)) {
                known = true;
                valid &= self.check(sub, value, path, out);
            }
            for (pattern, sub) in patterns.into_iter().flatten() {
                if self
                    .bundle
                    .regexes
                    .get(pattern)
                    .is_some_and(|r| r.is_match(name))
                {
                    known = true;
                    valid &= self.check(sub, value, path, out);
                }
            }
            if !known {
                match additional {
                    Some(Json::Bool(false)) => {
                        let holder = if at == 0 {
                            "the config's top level".to_string()
                        } else {
                            path[..at].to_string()
                        };
                        self.report(
                            out,
                            key.span,
                            &holder,
                            format!("`{name}` is not a key the schema allows in {holder}"),
                            true,
                        );
                        valid = false;
                    }
                    Some(sub @ Json::Object(_)) => valid &= self.check(sub, value, path, out),
                    _ => {}
                }
            }
            path.truncate(at);
        }
        if let Some(Json::Array(required)) = keyword(schema, "required") {
            for name in required.iter().filter_map(Json::as_str) {
                if !mapping.contains_key(name) {
                    self.report(out, node.span, path, format!("`{name}` is required"), false);
                    valid = false;
                }
            }
        }
        valid &= self.check_count(
            schema,
            node,
            path,
            out,
            mapping.len(),
            ["minProperties", "maxProperties"],
            "keys",
        );
        valid
    }

    fn check_array(
        &mut self,
        schema: &serde_json::Map<String, Json>,
        node: &Node,
        items: &[Node],
        path: &mut String,
        out: &mut Vec<Violation>,
    ) -> bool {
        let mut valid = true;
        match keyword(schema, "items") {
            Some(Json::Array(tuple)) => {
                for (index, (sub, item)) in tuple.iter().zip(items).enumerate() {
                    valid &= self.check_item(sub, item, index, path, out);
                }
            }
            Some(sub @ (Json::Object(_) | Json::Bool(_))) => {
                for (index, item) in items.iter().enumerate() {
                    valid &= self.check_item(sub, item, index, path, out);
                }
            }
            _ => {}
        }
        valid &= self.check_count(
            schema,
            node,
            path,
            out,
            items.len(),
            ["minItems", "maxItems"],
            "items",
        );
        if keyword(schema, "uniqueItems") == Some(&Json::Bool(true)) {
            // Canonical texts in a set: linear in the list, not quadratic.
            let mut seen = BTreeSet::new();
            if let Some(repeated) = items.iter().find(|item| !seen.insert(canonical(item))) {
                self.report(
                    out,
                    repeated.span,
                    path,
                    format!("{} is repeated; items must be unique", shown(repeated)),
                    false,
                );
                valid = false;
            }
        }
        valid
    }

    /// `minProperties`/`maxProperties` or `minItems`/`maxItems`: `count` things of `what`.
    #[allow(clippy::too_many_arguments)]
    fn check_count(
        &mut self,
        schema: &serde_json::Map<String, Json>,
        node: &Node,
        path: &str,
        out: &mut Vec<Violation>,
        count: usize,
        [min_keyword, max_keyword]: [&str; 2],
        what: &str,
    ) -> bool {
        let count = count as u64;
        let min = keyword(schema, min_keyword).and_then(Json::as_u64);
        let max = keyword(schema, max_keyword).and_then(Json::as_u64);
        let message = match (min, max) {
            (Some(min), _) if count < min => format!("has {count} {what}, at least {min} wanted"),
            (_, Some(max)) if count > max => format!("has {count} {what}, at most {max} allowed"),
            _ => return true,
        };
        self.report(out, node.span, path, message, false);
        false
    }

    fn check_item(
        &mut self,
        schema: &Json,
        item: &Node,
        index: usize,
        path: &mut String,
        out: &mut Vec<Violation>,
    ) -> bool {
        let at = path.len();
        let _ = write!(path, "[{index}]");
        let valid = self.check(schema, item, path, out);
        path.truncate(at);
        valid
    }

    /// Whether `node` passes `schema`, reporting nothing (a branch of anyOf / oneOf / not).
    fn passes(&mut self, schema: &Json, node: &Node, path: &mut String) -> bool {
        let limit = std::mem::replace(&mut self.limit, 0);
        let mut ignored = Vec::new();
        let valid = self.check(schema, node, path, &mut ignored);
        self.limit = limit;
        valid
    }

    fn report(
        &self,
        out: &mut Vec<Violation>,
        span: Span,
        path: &str,
        message: String,
        unknown_key: bool,
    ) {
        if out.len() < self.limit {
            out.push(Violation {
                span,
                path: if path.is_empty() {
                    "the config".into()
                } else {
                    path.to_string()
                },
                message,
                unknown_key,
            });
        }
    }
}

/// A root-relative `$ref` (`#/$defs/https:~1~1www.krakend.io~1...`) as the JSON pointer it
/// stands for, percent-decoded first as a URI fragment (v2.7 writes `https%3A~1~1...`).
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

fn type_matches(types: &Json, node: &Node) -> bool {
    let one = |name: &str| match (name, &node.value) {
        ("object", Value::Map(_)) | ("array", Value::Seq(_)) | ("string", Value::Str(_)) => true,
        ("boolean", Value::Bool(_)) | ("null", Value::Null) => true,
        ("number", Value::Int(_) | Value::Float(..)) | ("integer", Value::Int(_)) => true,
        // JSON Schema: 1.0 is an integer.
        ("integer", Value::Float(f, _)) => f.fract() == 0.0,
        _ => false,
    };
    match types {
        Json::String(name) => one(name),
        Json::Array(names) => names.iter().filter_map(Json::as_str).any(one),
        _ => true,
    }
}

/// JSON equality as JSON Schema defines it: numbers by value, booleans are not numbers.
fn equals(json: &Json, node: &Node) -> bool {
    match (json, &node.value) {
        (Json::Null, Value::Null) => true,
        (Json::Bool(a), Value::Bool(b)) => a == b,
        (Json::Number(a), Value::Int(_) | Value::Float(..)) => a.as_f64() == node.as_f64(),
        (Json::String(a), Value::Str(b)) => a == b,
        (Json::Array(a), Value::Seq(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| equals(x, y))
        }
        (Json::Object(a), Value::Map(b)) => {
            a.len() == b.len()
                && b.iter().all(|(k, v)| {
                    k.key_text()
                        .and_then(|k| a.get(&k))
                        .is_some_and(|x| equals(x, v))
                })
        }
        _ => false,
    }
}

/// A value as canonical text for `uniqueItems` (keys sorted, numbers by value).
fn canonical(node: &Node) -> String {
    match &node.value {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Int(_) | Value::Float(..) => format!("n{:?}", node.as_f64().unwrap_or(f64::NAN)),
        Value::Str(s) => format!("s{s:?}"),
        Value::Seq(items) => format!(
            "[{}]",
            items.iter().map(canonical).collect::<Vec<_>>().join(",")
        ),
        Value::Map(map) => {
            let mut entries: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{:?}:{}", k.key_text().unwrap_or_default(), canonical(v)))
                .collect();
            entries.sort();
            format!("{{{}}}", entries.join(","))
        }
    }
}

/// A short rendering of a value for messages.
fn shown(node: &Node) -> String {
    match &node.value {
        Value::Str(s) if s.chars().count() <= 40 => format!("{s:?}"),
        Value::Str(_) => "the string".into(),
        Value::Seq(_) | Value::Map(_) => node.type_name().into(),
        _ => node.scalar_text().unwrap_or_else(|| "null".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceMap;
    use crate::syntax::{self, Format, Limits};

    fn lint(text: &str, version: SchemaVersion) -> Vec<Violation> {
        let mut sources = SourceMap::new();
        let (_, parsed) = syntax::load(
            &mut sources,
            "k.json",
            text.as_bytes().to_vec(),
            Format::Json,
            &Limits::default(),
        );
        violations(&parsed.documents[0].root, version, 16)
    }

    const MINIMAL: &str = r#"{"version": 3, "endpoints": [{"endpoint": "/a", "backend": [{"host": ["http://a"], "url_pattern": "/a"}]}]}"#;

    #[test]
    fn a_minimal_config_is_valid_under_both_schemas() {
        for version in SchemaVersion::ALL {
            assert_eq!(lint(MINIMAL, version), [], "{version:?}");
        }
    }

    #[test]
    fn a_namespace_key_the_schema_does_not_know_is_found_with_its_span() {
        let text = r#"{"version": 3, "extra_config": {"security/http": {"ssl_certificate": "x"}}}"#;
        let found = lint(text, SchemaVersion::V2_13);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].unknown_key);
        assert_eq!(found[0].path, r#"extra_config["security/http"]"#);
        assert_eq!(
            &text[found[0].span.start as usize..found[0].span.end as usize],
            r#""ssl_certificate""#
        );
    }

    #[test]
    fn every_reference_and_pattern_of_the_bundles_is_usable() {
        for version in SchemaVersion::ALL {
            let bundle = bundle(version);
            let (mut patterns, mut references) = (BTreeSet::new(), BTreeSet::new());
            collect_strings(&bundle.root, &mut patterns, &mut references);
            assert!(references.len() > 20, "{version:?}");
            for reference in &references {
                assert!(
                    bundle.resolve(reference).is_some(),
                    "{version:?}: {reference}"
                );
            }
            for pattern in &patterns {
                assert!(
                    bundle.regexes.contains_key(pattern),
                    "{version:?}: {pattern}"
                );
            }
        }
    }

    #[test]
    fn types_enums_and_patterns() {
        let bad_port = r#"{"version": 3, "port": "8080"}"#;
        assert!(lint(bad_port, SchemaVersion::V2_13)[0]
            .message
            .contains("not of type integer"));
        let bad_version = r#"{"version": 2}"#;
        assert!(!lint(bad_version, SchemaVersion::V2_13).is_empty());
        let bad_timeout = r#"{"version": 3, "timeout": "1m30s"}"#;
        assert!(lint(bad_timeout, SchemaVersion::V2_7)[0]
            .message
            .contains("does not match"));
        let integer_float = r#"{"version": 3.0}"#;
        assert_eq!(lint(integer_float, SchemaVersion::V2_13), []);
    }

    #[test]
    fn repeated_items_are_found_without_comparing_every_pair() {
        let headers: Vec<String> = (0..20_000).map(|i| format!("\"X-H{i}\"")).collect();
        let text = format!(
            r#"{{"version": 3, "endpoints": [{{"endpoint": "/a", "input_headers": [{}, "X-H7"], "backend": [{{"host": ["http://a"], "url_pattern": "/a"}}]}}]}}"#,
            headers.join(",")
        );
        let found = lint(&text, SchemaVersion::V2_13);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].message.contains("\"X-H7\" is repeated"),
            "{found:?}"
        );
        assert_eq!(found[0].path, "endpoints[0].input_headers");
    }
}
