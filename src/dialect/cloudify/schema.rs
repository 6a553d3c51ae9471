//! The shape checks Cloudify's parser framework makes on every element: expected YAML types,
//! required keys, unknown keys and version-gated keys (reference SPEC.md §1, code 1 and 102).

use crate::diag::codes::c;
use crate::diag::{Code, Diagnostic};
use crate::ir::cloudify::DslVersion;
use crate::source::Span;
use crate::syntax::{Mapping, Node, Value};
use std::path::PathBuf;

/// What every reader of one blueprint shares.
pub struct Ctx<'d> {
    pub version: DslVersion,
    pub diags: &'d mut Vec<Diagnostic>,
    /// Directory of the main file: script operation mappings are files relative to it.
    pub blueprint_dir: Option<PathBuf>,
    /// The project sandbox: a mapping is probed as a script file only inside it.
    pub sandbox: crate::sandbox::Sandbox,
    /// A plugin import could not be read (not in the plugin cache): a name nothing defines
    /// may be one of its definitions, so unresolved names are not errors. The rest of the
    /// blueprint is checked as usual.
    pub opaque: bool,
}

/// Errors about a name nothing defines (type, data type, relationship, plugin of an
/// operation, policy type or trigger): with an unread plugin, that name may be the plugin's.
const UNRESOLVED_NAME_CODES: [&str; 8] = [
    "C007", "C010", "C019", "C021", "C026", "C041", "C042", "C103",
];

impl Ctx<'_> {
    pub fn error(&mut self, code: &'static Code, span: Span, message: impl Into<String>) {
        if self.opaque && UNRESOLVED_NAME_CODES.contains(&code.id) {
            return;
        }
        self.diags.push(error(code, span, message));
    }

    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.diags.push(diagnostic);
    }

    /// Checks the keys of a mapping against a schema of `(key, added in)`: unknown keys are
    /// code 1, keys newer than the blueprint's version are code 102.
    pub fn check_keys(&mut self, map: &Mapping, schema: &[(&str, DslVersion)]) {
        for (key, _) in map.iter() {
            let Some(name) = self.key_name(key) else {
                continue;
            };
            match schema.iter().find(|(k, _)| *k == name) {
                None => {
                    let valid: Vec<String> = schema.iter().map(|(k, _)| format!("'{k}'")).collect();
                    self.error(
                        &c::C120,
                        key.span,
                        format!(
                            "'{name}' is not in schema. Valid schema values: [{}]",
                            valid.join(", ")
                        ),
                    );
                }
                Some((_, added)) => self.check_version(key.span, name, *added),
            }
        }
    }

    /// Code 102 when `feature` is newer than the blueprint's version.
    pub fn check_version(&mut self, span: Span, feature: &str, added: DslVersion) {
        if self.version < added {
            self.error(
                &c::C102,
                span,
                format!(
                    "{feature} not supported in version {}, it was added in {}",
                    self.version.name(),
                    added.name()
                ),
            );
        }
    }

    /// A key as text; a non-string key is code 1.
    pub fn key_name<'n>(&mut self, key: &'n Node) -> Option<&'n str> {
        match &key.value {
            Value::Str(s) => Some(s),
            _ => {
                self.error(
                    &c::C124,
                    key.span,
                    format!(
                        "Dict keys must be strings but found '{}' of type '{}'",
                        key.scalar_text().unwrap_or_default(),
                        py_type(key)
                    ),
                );
                None
            }
        }
    }

    /// The entries of a mapping with string keys (others reported and skipped).
    pub fn entries<'n>(&mut self, map: &'n Mapping) -> Vec<(&'n str, &'n Node, &'n Node)> {
        let mut out = Vec::with_capacity(map.len());
        for (key, value) in map.iter() {
            if let Some(name) = self.key_name(key) {
                out.push((name, key, value));
            }
        }
        out
    }

    /// A section of named definitions (`plugins`, `outputs`, `policy_triggers`, ...): each
    /// entry whose value is a mapping, with its keys checked against `schema`. A value that is
    /// not a mapping is reported (code 1) and skipped; an absent section has no entries.
    pub fn definitions<'n>(
        &mut self,
        section: Option<&'n Node>,
        schema: &[(&str, DslVersion)],
    ) -> Vec<(&'n str, &'n Node, &'n Mapping)> {
        let Some(map) = section.and_then(|n| self.map(n)) else {
            return Vec::new();
        };
        let mut out = Vec::with_capacity(map.len());
        for (name, key, value) in self.entries(map) {
            if let Some(fields) = self.map(value) {
                self.check_keys(fields, schema);
                out.push((name, key, fields));
            }
        }
        out
    }

    /// A mapping, or code 1 when the value is something else. Null counts as absent.
    pub fn map<'n>(&mut self, node: &'n Node) -> Option<&'n Mapping> {
        match &node.value {
            Value::Map(m) => Some(m),
            Value::Null => None,
            _ => {
                self.wrong_type(node, "dict");
                None
            }
        }
    }

    pub fn seq<'n>(&mut self, node: &'n Node) -> Option<&'n [Node]> {
        match &node.value {
            Value::Seq(s) => Some(s),
            Value::Null => None,
            _ => {
                self.wrong_type(node, "list");
                None
            }
        }
    }

    pub fn str<'n>(&mut self, node: &'n Node) -> Option<&'n str> {
        match &node.value {
            Value::Str(s) => Some(s),
            Value::Null => None,
            _ => {
                self.wrong_type(node, "string");
                None
            }
        }
    }

    pub fn bool(&mut self, node: &Node) -> Option<bool> {
        match node.value {
            Value::Bool(b) => Some(b),
            Value::Null => None,
            _ => {
                self.wrong_type(node, "boolean");
                None
            }
        }
    }

    pub fn int(&mut self, node: &Node) -> Option<i64> {
        match node.value {
            Value::Int(i) => Some(i),
            Value::Null => None,
            _ => {
                self.wrong_type(node, "integer");
                None
            }
        }
    }

    /// Integers and floats (Cloudify's `retry_interval`).
    pub fn number(&mut self, node: &Node) -> Option<f64> {
        match node.value {
            Value::Null => None,
            _ => match node.as_f64() {
                Some(f) => Some(f),
                None => {
                    self.wrong_type(node, "float");
                    None
                }
            },
        }
    }

    pub fn wrong_type(&mut self, node: &Node, expected: &str) {
        self.error(
            &c::C121,
            node.span,
            format!(
                "Expected '{expected}' type but found '{}' type",
                py_type(node)
            ),
        );
    }

    /// The value of a required key; missing or null is code 1 at `owner`.
    pub fn required<'n>(&mut self, map: &'n Mapping, key: &str, owner: Span) -> Option<&'n Node> {
        match map.get(key) {
            Some(node) if !node.is_null() => Some(node),
            _ => {
                self.error(
                    &c::C001,
                    owner,
                    format!("'{key}' key is required but it is currently missing"),
                );
                None
            }
        }
    }

    /// An optional string key.
    pub fn opt_str(&mut self, map: &Mapping, key: &str) -> Option<String> {
        map.get(key).and_then(|n| self.str(n)).map(str::to_string)
    }
}

/// A diagnostic with the peer Cloudify would print for it.
pub fn error(code: &'static Code, span: Span, message: impl Into<String>) -> Diagnostic {
    let diagnostic = Diagnostic::error(code, span, message);
    match peer(code) {
        Some(peer) => diagnostic.with_peer(peer),
        None => diagnostic,
    }
}

/// Cloudify's identifier for a code: its number, or the exception class it raises uncoded.
/// Checks Cloudify never makes have none.
pub fn peer(code: &Code) -> Option<&'static str> {
    let peer = match code.id {
        "C120" | "C121" | "C122" | "C123" | "C124" => "1",
        "C128" => "28",
        "C150" => "50",
        "C157" => "107",
        "C180" => "80",
        "C300" | "C305" | "C307" | "C308" => "ValueError",
        "C301" => "UnknownInputError",
        "C302" | "C303" => "KeyError",
        "C304" => "RuntimeError",
        "C306" => "FunctionEvaluationError",
        id => return numbered_peer(id),
    };
    Some(peer)
}

/// `C040` → "40" for codes below 300 (the block that mirrors Cloudify's numbers).
fn numbered_peer(id: &str) -> Option<&'static str> {
    const NUMBERS: &[&str] = &[
        "1", "2", "3", "4", "7", "10", "13", "18", "19", "21", "23", "24", "25", "26", "27", "28",
        "29", "40", "41", "42", "50", "60", "61", "91", "100", "102", "103", "104", "105", "106",
        "107", "108", "112", "200", "201", "202", "204", "205", "206", "207", "208", "209", "210",
        "211", "212", "219",
    ];
    let number: u32 = id.get(1..)?.parse().ok()?;
    NUMBERS
        .iter()
        .copied()
        .find(|n| n.parse::<u32>().ok() == Some(number))
}

/// Python's name for a value's type, as Cloudify's messages print it.
pub fn py_type(node: &Node) -> &'static str {
    match node.value {
        Value::Null => "NoneType",
        Value::Bool(_) => "boolean",
        Value::Int(_) => "integer",
        Value::Float(..) => "float",
        Value::Str(_) => "string",
        Value::Seq(_) => "list",
        Value::Map(_) => "dict",
    }
}

/// A value printed the way Python's `str()` prints it (Cloudify's messages embed values).
pub fn py_str(node: &Node) -> String {
    match &node.value {
        Value::Str(s) => s.clone(),
        _ => py_repr(node),
    }
}

fn py_repr(node: &Node) -> String {
    match &node.value {
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Int(i) => i.to_string(),
        Value::Float(_, raw) => raw.to_string(),
        Value::Str(s) => format!("'{s}'"),
        Value::Seq(items) => {
            let parts: Vec<String> = items.iter().map(py_repr).collect();
            format!("[{}]", parts.join(", "))
        }
        Value::Map(m) => {
            let parts: Vec<String> = m
                .iter()
                .map(|(k, v)| format!("{}: {}", py_repr(k), py_repr(v)))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
    }
}

pub const ALL_VERSIONS: DslVersion = DslVersion::V1_0;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::codes::c;

    #[test]
    fn peers_follow_cloudify_numbers() {
        assert_eq!(peer(&c::C040), Some("40"));
        assert_eq!(peer(&c::C001), Some("1"));
        assert_eq!(peer(&c::C211), Some("211"));
        assert_eq!(peer(&c::C121), Some("1"));
        assert_eq!(peer(&c::C304), Some("RuntimeError"));
        assert_eq!(peer(&c::C402), None);
    }
}
