//! The official KrakenD schema, applied as `krakend check --lint` applies it.
//!
//! The key and namespace tables of [`super::schema`] give the common lint failures a precise
//! message; this validator is the backstop behind them, so that rehearse's lint verdict is the
//! schema's even inside a namespace's own options (`security/http`'s keys, a martian
//! modifier's required fields). It validates against the bundles `krakend check --lint`
//! downloads (krakend-schema commit 07e481d, annotations stripped by
//! `tools/krakend_schema_bundles.py`, compiled by [`super::compiled_schema`]) and implements the
//! keywords they use: `$ref` (root-relative pointers), `type`, `enum`,
//! `const`, `properties`, `patternProperties`, `additionalProperties`, `required`,
//! `min/maxProperties`, `items`, `min/maxItems`, `uniqueItems`, `minimum`, `maximum`,
//! `minLength`, `pattern`, `oneOf`, `anyOf`, `allOf`, `not`. v2.7 is draft-07 (a `$ref`
//! replaces its siblings); v2.13 is 2019-09 (a `$ref` applies beside them).

use super::compiled_schema::{
    bundle, type_bit, Additional, Bundle, Count, Items, Keywords, Schema, SchemaId,
};
use super::schema::SchemaVersion;
use crate::source::Span;
use crate::syntax::{Mapping, Node, Value};
use serde_json::Value as Json;
use std::borrow::Cow;
use std::collections::BTreeSet;
use std::fmt::Write as _;

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
    let mut walk = Walk {
        bundle,
        path: Vec::new(),
        found: Some(Vec::new()),
        depth: 0,
    };
    // Reporting never stops a walk: only a tested branch ends at its first failure.
    let _ = walk.check(bundle.root, root);
    let mut found = walk.found.unwrap_or_default();
    choose(&mut found, limit, |v| v);
    found
}

/// Keeps the first `limit` of `found` by the place of their violation (path, then message), in
/// document order: for one schema version here, and for the merged violations of several in
/// the dialect's reader.
pub fn choose<T>(found: &mut Vec<T>, limit: usize, violation: fn(&T) -> &Violation) {
    found.sort_by(|a, b| {
        let (a, b) = (violation(a), violation(b));
        (&a.path, &a.message).cmp(&(&b.path, &b.message))
    });
    found.truncate(limit);
    found.sort_by_key(|v| {
        let v = violation(v);
        (v.span.start, v.span.end)
    });
}

/// `$ref` chains and combinators that do not descend into the document are bounded by this;
/// descending is bounded by the document's own depth (the syntax layer caps it).
const MAX_DEPTH: usize = 512;

/// A value failed a branch being tested (anyOf, oneOf, not): the rest of it need not run.
struct Failed;

/// `Err` only while testing a branch; a reporting walk records a failure and goes on.
type Outcome = Result<(), Failed>;

/// One step of the path from the config's top to the value being validated.
enum Step<'n> {
    Key(Cow<'n, str>),
    Index(usize),
}

struct Walk<'n> {
    bundle: &'static Bundle,
    /// Kept as steps and rendered only for a violation: most values validated break nothing.
    path: Vec<Step<'n>>,
    /// Where violations go; `None` while testing a branch, where the first failure decides.
    found: Option<Vec<Violation>>,
    depth: usize,
}

impl<'n> Walk<'n> {
    /// Validates `node` against `schema`.
    fn check(&mut self, schema: SchemaId, node: &'n Node) -> Outcome {
        let keywords = match self.bundle.schema(schema) {
            Schema::Anything => return Ok(()),
            Schema::Nothing => {
                return self.fail(node.span, || "no value is allowed here".into());
            }
            Schema::Keywords(keywords) => keywords,
        };
        if self.depth >= MAX_DEPTH {
            return Ok(());
        }
        self.depth += 1;
        let outcome = self.check_keywords(keywords, node);
        self.depth -= 1;
        outcome
    }

    fn check_keywords(&mut self, schema: &'static Keywords, node: &'n Node) -> Outcome {
        // (A draft-07 `$ref` was compiled without the keywords beside it, which it replaces.)
        if let Some(Some(target)) = schema.reference {
            self.check(target, node)?;
        }
        if let Some(types) = &schema.types {
            if !type_matches(types.allowed, node) {
                // The other keywords would only repeat the mismatch.
                return self.fail(node.span, || {
                    format!("{} is not of type {}", node.type_name(), types.wanted)
                });
            }
        }
        if let Some(values) = &schema.enumeration {
            if !values.iter().any(|v| equals(v, node)) {
                self.fail(node.span, || {
                    let listed: Vec<String> = values.iter().map(Json::to_string).collect();
                    format!("{} is not one of {}", shown(node), listed.join(", "))
                })?;
            }
        }
        if let Some(constant) = &schema.constant {
            if !equals(constant, node) {
                self.fail(node.span, || format!("{} is not {constant}", shown(node)))?;
            }
        }
        self.check_combinators(schema, node)?;
        match &node.value {
            Value::Map(mapping) => self.check_object(schema, node, mapping),
            Value::Seq(items) => self.check_array(schema, node, items),
            Value::Str(text) => {
                if let Some(min) = schema.min_length {
                    if (text.chars().count() as u64) < min {
                        self.fail(node.span, || format!("is shorter than {min} characters"))?;
                    }
                }
                if let Some(pattern) = schema.pattern.map(|id| self.bundle.pattern(id)) {
                    if !pattern.regex.is_match(text) {
                        self.fail(node.span, || {
                            format!("{text:?} does not match `{}`", pattern.text)
                        })?;
                    }
                }
                Ok(())
            }
            Value::Int(_) | Value::Float(..) => {
                let number = node.as_f64().unwrap_or(f64::NAN);
                if let Some(min) = schema.minimum {
                    if number < min {
                        self.fail(node.span, || {
                            format!("{} is less than the minimum {min}", shown(node))
                        })?;
                    }
                }
                if let Some(max) = schema.maximum {
                    if number > max {
                        self.fail(node.span, || {
                            format!("{} is more than the maximum {max}", shown(node))
                        })?;
                    }
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    fn check_combinators(&mut self, schema: &'static Keywords, node: &'n Node) -> Outcome {
        for &branch in &schema.all_of {
            self.check(branch, node)?;
        }
        if let Some(any) = &schema.any_of {
            if !any.iter().any(|&branch| self.passes(branch, node)) {
                self.fail(node.span, || {
                    "matches none of the schema's alternatives (anyOf)".into()
                })?;
            }
        }
        if let Some(one) = &schema.one_of {
            let passing = one
                .iter()
                .filter(|&&branch| self.passes(branch, node))
                .count();
            if passing != 1 {
                self.fail(node.span, || {
                    if passing == 0 {
                        "matches none of the schema's alternatives (oneOf)".to_string()
                    } else {
                        format!("matches {passing} of the schema's alternatives where exactly one must (oneOf)")
                    }
                })?;
            }
        }
        if let Some(not) = schema.not {
            if self.passes(not, node) {
                self.fail(node.span, || "matches a schema it must not (not)".into())?;
            }
        }
        Ok(())
    }

    fn check_object(
        &mut self,
        schema: &'static Keywords,
        node: &'n Node,
        mapping: &'n Mapping,
    ) -> Outcome {
        for (key, value) in mapping.iter() {
            // Borrowed for the common string key: this runs for every key validated.
            let name: Cow<'n, str> = match &key.value {
                Value::Str(text) => Cow::Borrowed(text),
                _ => match key.key_text() {
                    Some(text) => Cow::Owned(text),
                    None => continue,
                },
            };
            self.path.push(Step::Key(name.clone()));
            let outcome = self.check_entry(schema, key, &name, value);
            self.path.pop();
            outcome?;
        }
        for name in &schema.required {
            if !mapping.contains_key(name) {
                self.fail(node.span, || format!("`{name}` is required"))?;
            }
        }
        self.check_count(&schema.properties_count, node, mapping.len(), "keys")
    }

    /// One entry of an object; the path already ends with its key.
    fn check_entry(
        &mut self,
        schema: &'static Keywords,
        key: &Node,
        name: &str,
        value: &'n Node,
    ) -> Outcome {
        let mut known = false;
        if let Some(sub) = schema.properties.get(name) {
            known = true;
            self.check(sub, value)?;
        }
        for &(pattern, sub) in &schema.pattern_properties {
            if self.bundle.pattern(pattern).regex.is_match(name) {
                known = true;
                self.check(sub, value)?;
            }
        }
        if known {
            return Ok(());
        }
        match schema.additional {
            Additional::Forbidden => self.fail_unknown_key(key.span, name),
            Additional::Schema(sub) => self.check(sub, value),
            Additional::Anything => Ok(()),
        }
    }

    fn check_array(
        &mut self,
        schema: &'static Keywords,
        node: &'n Node,
        items: &'n [Node],
    ) -> Outcome {
        match &schema.items {
            Items::Tuple(tuple) => {
                for (index, (&sub, item)) in tuple.iter().zip(items).enumerate() {
                    self.check_item(sub, item, index)?;
                }
            }
            &Items::Each(sub) => {
                for (index, item) in items.iter().enumerate() {
                    self.check_item(sub, item, index)?;
                }
            }
            Items::Unchecked => {}
        }
        self.check_count(&schema.items_count, node, items.len(), "items")?;
        if schema.unique_items {
            // Canonical texts in a set: linear in the list, not quadratic.
            let mut seen = BTreeSet::new();
            if let Some(repeated) = items.iter().find(|item| !seen.insert(canonical(item))) {
                self.fail(repeated.span, || {
                    format!("{} is repeated; items must be unique", shown(repeated))
                })?;
            }
        }
        Ok(())
    }

    /// `minProperties`/`maxProperties` or `minItems`/`maxItems`: `count` things of `what`.
    fn check_count(&mut self, limits: &Count, node: &Node, count: usize, what: &str) -> Outcome {
        let count = count as u64;
        match (limits.min, limits.max) {
            (Some(min), _) if count < min => self.fail(node.span, || {
                format!("has {count} {what}, at least {min} wanted")
            }),
            (_, Some(max)) if count > max => self.fail(node.span, || {
                format!("has {count} {what}, at most {max} allowed")
            }),
            _ => Ok(()),
        }
    }

    fn check_item(&mut self, schema: SchemaId, item: &'n Node, index: usize) -> Outcome {
        self.path.push(Step::Index(index));
        let outcome = self.check(schema, item);
        self.path.pop();
        outcome
    }

    /// Whether `node` passes `schema`, reporting nothing (a branch of anyOf / oneOf / not).
    fn passes(&mut self, schema: SchemaId, node: &'n Node) -> bool {
        let found = self.found.take();
        let passed = self.check(schema, node).is_ok();
        self.found = found;
        passed
    }

    /// A value breaks the schema here: recorded (the path and message are only written then),
    /// or the end of a branch being tested.
    fn fail(&mut self, span: Span, message: impl FnOnce() -> String) -> Outcome {
        if !self.recording()? {
            return Ok(());
        }
        let path = self.rendered_path(self.path.len());
        self.record(span, path, message(), false);
        Ok(())
    }

    /// The key `name`, last on the path, is one the schema does not allow in its object.
    fn fail_unknown_key(&mut self, span: Span, name: &str) -> Outcome {
        if !self.recording()? {
            return Ok(());
        }
        let holder = match self.path.len() - 1 {
            0 => "the config's top level".to_string(),
            steps => self.rendered_path(steps),
        };
        let message = format!("`{name}` is not a key the schema allows in {holder}");
        self.record(span, holder, message, true);
        Ok(())
    }

    /// Whether a failure now is recorded (not past the cap); `Err` while testing a branch.
    fn recording(&self) -> Result<bool, Failed> {
        match &self.found {
            None => Err(Failed),
            Some(found) => Ok(found.len() < MAX_COLLECTED),
        }
    }

    fn record(&mut self, span: Span, path: String, message: String, unknown_key: bool) {
        if let Some(found) = &mut self.found {
            found.push(Violation {
                span,
                path,
                message,
                unknown_key,
            });
        }
    }

    /// The first `steps` of the path as shown: `a.b`, `a["security/http"]`, `a[0]`; the config
    /// itself when empty.
    fn rendered_path(&self, steps: usize) -> String {
        if steps == 0 {
            return "the config".into();
        }
        let mut path = String::new();
        for step in &self.path[..steps] {
            match step {
                Step::Key(name) => push_key(&mut path, name),
                Step::Index(index) => {
                    let _ = write!(path, "[{index}]");
                }
            }
        }
        path
    }
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

fn type_matches(allowed: u8, node: &Node) -> bool {
    let bits = match &node.value {
        Value::Map(_) => type_bit::OBJECT,
        Value::Seq(_) => type_bit::ARRAY,
        Value::Str(_) => type_bit::STRING,
        Value::Bool(_) => type_bit::BOOLEAN,
        Value::Null => type_bit::NULL,
        Value::Int(_) => type_bit::NUMBER | type_bit::INTEGER,
        // JSON Schema: 1.0 is an integer.
        Value::Float(f, _) if f.fract() == 0.0 => type_bit::NUMBER | type_bit::INTEGER,
        Value::Float(..) => type_bit::NUMBER,
    };
    allowed & bits != 0
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
