//! Structural validation against a CRD's OpenAPI v3 schema, as the Kubernetes API server and
//! `kubectl --validate=strict` apply it: types (with `x-kubernetes-int-or-string`), enums,
//! required fields, unknown fields, `oneOf`/`anyOf` of required sets, int32/int64 ranges, and
//! the few `pattern`s the Argo and Flagger CRDs use.
//!
//! The schemas are pruned copies of reference/rollouts/crds (`tools/crd/prune.py`): the
//! embedded pod and job specs and every `status` are open objects (Kubernetes validates those
//! itself), descriptions are dropped. `null` is accepted anywhere: the API server drops null
//! fields of a structural schema instead of refusing them.

use crate::source::Span;
use crate::syntax::{Node, Value};
use serde_json::Value as Json;

/// What is wrong, for the dialect to turn into its own code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IssueKind {
    UnknownField,
    WrongType,
    MissingRequired,
    NotInEnum,
    /// Pattern, format range or minimum/maximum.
    OutOfRange,
    /// None or several of a `oneOf`'s alternatives hold.
    OneOf,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Issue {
    pub kind: IssueKind,
    pub span: Span,
    /// The field path, `spec.strategy.canary.steps[0]`.
    pub path: String,
    /// For unknown fields: the key. For missing fields: the field name.
    pub field: String,
    pub message: String,
}

/// Loads a pruned CRD bundle: `{Kind: {version, schema}}`.
pub fn load_bundle(text: &str) -> Json {
    serde_json::from_str(text).unwrap_or(Json::Null)
}

/// The schema of `kind` in a bundle.
pub fn schema_of<'a>(bundle: &'a Json, kind: &str) -> Option<&'a Json> {
    bundle.get(kind)?.get("schema")
}

/// Validates a whole object. `apiVersion`, `kind` and `metadata` are the API server's.
pub fn validate(schema: &Json, root: &Node) -> Vec<Issue> {
    let mut issues = Vec::new();
    walk(schema, root, "", &mut issues);
    issues
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn type_name(t: &str) -> &str {
    match t {
        "object" => "an object",
        "array" => "a list",
        "string" => "a string",
        "integer" => "an integer",
        "number" => "a number",
        "boolean" => "a boolean",
        other => other,
    }
}

fn walk(schema: &Json, node: &Node, path: &str, issues: &mut Vec<Issue>) {
    if node.is_null() {
        return;
    }
    let int_or_string = schema
        .get("x-kubernetes-int-or-string")
        .and_then(Json::as_bool)
        .unwrap_or(false);
    let ty = schema.get("type").and_then(Json::as_str);
    let type_ok = if int_or_string {
        matches!(node.value, Value::Int(_) | Value::Str(_))
    } else {
        match ty {
            None => true,
            Some("object") => node.as_map().is_some(),
            Some("array") => node.as_seq().is_some(),
            Some("string") => node.as_str().is_some(),
            Some("integer") => matches!(node.value, Value::Int(_)),
            Some("number") => matches!(node.value, Value::Int(_) | Value::Float(..)),
            Some("boolean") => node.as_bool().is_some(),
            Some(_) => true,
        }
    };
    if !type_ok {
        let expected = if int_or_string {
            "an integer or a string".to_string()
        } else {
            type_name(ty.unwrap_or_default()).to_string()
        };
        issues.push(Issue {
            kind: IssueKind::WrongType,
            span: node.span,
            path: path.to_string(),
            field: String::new(),
            message: format!("{path} must be {expected}, not {}", node.type_name()),
        });
        return;
    }
    if let Some(values) = schema.get("enum").and_then(Json::as_array) {
        let text = node.scalar_text();
        if !values
            .iter()
            .any(|v| json_scalar_text(v).as_deref() == text.as_deref())
        {
            let allowed: Vec<String> = values.iter().filter_map(json_scalar_text).collect();
            issues.push(Issue {
                kind: IssueKind::NotInEnum,
                span: node.span,
                path: path.to_string(),
                field: String::new(),
                message: format!(
                    "{path} must be one of {}, not '{}'",
                    allowed
                        .iter()
                        .map(|a| format!("'{a}'"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    text.unwrap_or_default()
                ),
            });
        }
    }
    scalar_constraints(schema, node, path, issues);
    if let Some(map) = node.as_map() {
        let properties = schema.get("properties").and_then(Json::as_object);
        let additional = schema.get("additionalProperties");
        let open = schema
            .get("x-kubernetes-preserve-unknown-fields")
            .and_then(Json::as_bool)
            .unwrap_or(false);
        for (key, value) in map.iter() {
            let Some(name) = key.key_text() else { continue };
            let child_path = join(path, &name);
            if path.is_empty() && matches!(name.as_str(), "apiVersion" | "kind" | "metadata") {
                continue;
            }
            match properties.and_then(|p| p.get(&name)) {
                Some(child) => walk(child, value, &child_path, issues),
                None => match additional {
                    Some(Json::Object(child)) => {
                        walk(&Json::Object(child.clone()), value, &child_path, issues)
                    }
                    Some(Json::Bool(true)) => {}
                    _ if open || properties.is_none() => {}
                    _ => issues.push(Issue {
                        kind: IssueKind::UnknownField,
                        span: key.span,
                        path: child_path.clone(),
                        field: name.clone(),
                        message: format!("unknown field \"{child_path}\""),
                    }),
                },
            }
        }
        if let Some(required) = schema.get("required").and_then(Json::as_array) {
            for field in required.iter().filter_map(Json::as_str) {
                if !map.contains_key(field) {
                    let at = join(path, field);
                    issues.push(Issue {
                        kind: IssueKind::MissingRequired,
                        span: node.span,
                        path: at.clone(),
                        field: field.to_string(),
                        message: format!("{at} is required"),
                    });
                }
            }
        }
        if let Some(options) = schema.get("oneOf").and_then(Json::as_array) {
            let holding = options.iter().filter(|o| branch_holds(o, node)).count();
            if holding != 1 {
                let sets: Vec<String> = options.iter().map(describe_branch).collect();
                let shown = if path.is_empty() { "the object" } else { path };
                issues.push(Issue {
                    kind: IssueKind::OneOf,
                    span: node.span,
                    path: path.to_string(),
                    field: String::new(),
                    message: if holding == 0 {
                        format!("{shown} must have one of: {}", sets.join(" | "))
                    } else {
                        format!(
                            "{shown} matches {holding} of the alternatives {}, but must match exactly one",
                            sets.join(" | ")
                        )
                    },
                });
            }
        }
    }
    if let (Some(items), Some(seq)) = (schema.get("items"), node.as_seq()) {
        for (i, item) in seq.iter().enumerate() {
            walk(items, item, &format!("{path}[{i}]"), issues);
        }
    }
}

/// Whether a `oneOf` alternative holds: its `required` fields are present, its `properties`
/// (nested alternatives) validate, and its `not`/`anyOf`/`oneOf` combinators hold.
fn branch_holds(branch: &Json, node: &Node) -> bool {
    let Some(map) = node.as_map() else {
        return false;
    };
    let required_ok = branch
        .get("required")
        .and_then(Json::as_array)
        .is_none_or(|r| {
            r.iter()
                .filter_map(Json::as_str)
                .all(|f| map.contains_key(f))
        });
    let nested_ok = branch
        .get("properties")
        .and_then(Json::as_object)
        .is_none_or(|props| {
            props.iter().all(|(key, sub)| match map.get(key) {
                Some(child) => {
                    let mut issues = Vec::new();
                    walk(sub, child, key, &mut issues);
                    issues.is_empty()
                }
                None => true,
            })
        });
    let not_ok = branch.get("not").is_none_or(|n| !branch_holds(n, node));
    let any_ok = branch
        .get("anyOf")
        .and_then(Json::as_array)
        .is_none_or(|options| options.iter().any(|o| branch_holds(o, node)));
    let one_ok = branch
        .get("oneOf")
        .and_then(Json::as_array)
        .is_none_or(|options| options.iter().filter(|o| branch_holds(o, node)).count() == 1);
    required_ok && nested_ok && not_ok && any_ok && one_ok
}

fn describe_branch(branch: &Json) -> String {
    match branch.get("required").and_then(Json::as_array) {
        Some(fields) => format!(
            "{{{}}}",
            fields
                .iter()
                .filter_map(Json::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        None if branch.get("not").is_some() => "{none of them}".to_string(),
        None => "{…}".to_string(),
    }
}

fn json_scalar_text(v: &Json) -> Option<String> {
    match v {
        Json::String(s) => Some(s.clone()),
        Json::Number(n) => Some(n.to_string()),
        Json::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn scalar_constraints(schema: &Json, node: &Node, path: &str, issues: &mut Vec<Issue>) {
    let mut out_of_range = |message: String| {
        issues.push(Issue {
            kind: IssueKind::OutOfRange,
            span: node.span,
            path: path.to_string(),
            field: String::new(),
            message,
        })
    };
    if let Value::Int(i) = node.value {
        if schema.get("format").and_then(Json::as_str) == Some("int32") && i32::try_from(i).is_err()
        {
            out_of_range(format!("{path} must fit in 32 bits, not {i}"));
        }
        if let Some(min) = schema.get("minimum").and_then(Json::as_f64) {
            if (i as f64) < min {
                out_of_range(format!("{path} must be at least {min}, not {i}"));
            }
        }
        if let Some(max) = schema.get("maximum").and_then(Json::as_f64) {
            if (i as f64) > max {
                out_of_range(format!("{path} must be at most {max}, not {i}"));
            }
        }
    }
    if let (Some(pattern), Some(text)) =
        (schema.get("pattern").and_then(Json::as_str), node.as_str())
    {
        if let Some(false) = matches_known_pattern(pattern, text) {
            out_of_range(format!("{path} must match {pattern}, not '{text}'"));
        }
    }
}

/// The CRDs' patterns, hand-written (no regex engine): `None` for a pattern not listed.
pub fn matches_known_pattern(pattern: &str, text: &str) -> Option<bool> {
    let dns_label = |s: &str, upper: bool, first_alpha: bool| {
        let ok = |c: char| {
            c.is_ascii_digit() || c.is_ascii_lowercase() || (upper && c.is_ascii_uppercase())
        };
        let bytes: Vec<char> = s.chars().collect();
        !bytes.is_empty()
            && if first_alpha {
                bytes[0].is_ascii_alphabetic() && (upper || bytes[0].is_ascii_lowercase())
            } else {
                ok(bytes[0])
            }
            && ok(*bytes.last().unwrap_or(&'-'))
            && bytes.iter().all(|c| ok(*c) || *c == '-')
    };
    Some(match pattern {
        // Go/Flagger: `^[0-9]+(m|s)` — unanchored at the end, so `1m30s` and `10ms` pass.
        "^[0-9]+(m|s)" => {
            let digits = text.bytes().take_while(u8::is_ascii_digit).count();
            digits > 0 && matches!(text.as_bytes().get(digits), Some(b'm' | b's'))
        }
        "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$" => dns_label(text, false, false),
        "^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$" => dns_label(text, true, true),
        "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$" => {
            text.split('.').all(|l| dns_label(l, false, false))
        }
        "^$|^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$" => {
            text.is_empty() || text.split('.').all(|l| dns_label(l, false, false))
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_patterns() {
        let p = "^[0-9]+(m|s)";
        assert_eq!(matches_known_pattern(p, "15s"), Some(true));
        assert_eq!(matches_known_pattern(p, "1m30s"), Some(true));
        assert_eq!(matches_known_pattern(p, "1h"), Some(false));
        assert_eq!(matches_known_pattern(p, "s"), Some(false));
        let dns = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";
        assert_eq!(matches_known_pattern(dns, "a-b"), Some(true));
        assert_eq!(matches_known_pattern(dns, "-a"), Some(false));
        assert_eq!(matches_known_pattern("x+", "x"), None);
    }
}
