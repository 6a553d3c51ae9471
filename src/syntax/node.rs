//! The spanned document tree every front end produces and every dialect reads.
//!
//! YAML and JSON both become [`Node`]s, so a dialect never knows which syntax a document was
//! written in. Scalars are typed by the YAML 1.2 core schema (JSON is typed by its own syntax)
//! until a loading profile ([`super::profile`]) retypes them as the dialect's runtime does.

use super::profile::LoadingNotes;
use crate::source::Span;

#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub value: Value,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    /// A float keeps its text: dialects that stringify scalars (Vamp coerces anything to a
    /// string) must see what the user wrote, not a re-rendering.
    Float(f64, Box<str>),
    Str(String),
    Seq(Vec<Node>),
    Map(Mapping),
}

/// An ordered mapping. Keys are nodes: YAML allows any node as a key (Vamp's own tests use a
/// flow sequence), and a key keeps its own span for diagnostics. A neutral tree (straight from
/// the front end) keeps every entry of a repeated key; the document's loading profile
/// ([`super::profile::Profile::apply`]) keeps the one its runtime keeps and reports the rest.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Mapping {
    pub entries: Vec<(Node, Node)>,
}

impl Mapping {
    /// The value whose key is the scalar `key` (compared as text).
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, v)| v)
    }

    /// Key node and value node for `key`.
    pub fn entry(&self, key: &str) -> Option<&(Node, Node)> {
        self.entries.iter().find(|(k, _)| k.key_is(key))
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.entry(key).is_some()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &(Node, Node)> {
        self.entries.iter()
    }
}

impl Node {
    pub fn new(value: Value, span: Span) -> Node {
        Node { value, span }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&Mapping> {
        match &self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self.value {
            Value::Bool(b) => Some(b),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self.value {
            Value::Int(i) => Some(i),
            _ => None,
        }
    }

    /// A number as f64 (ints widen).
    pub fn as_f64(&self) -> Option<f64> {
        match self.value {
            Value::Int(i) => Some(i as f64),
            Value::Float(f, _) => Some(f),
            _ => None,
        }
    }

    pub fn is_scalar(&self) -> bool {
        !matches!(self.value, Value::Seq(_) | Value::Map(_))
    }

    /// The text of a scalar as the user wrote it (null is `None`; containers are `None`).
    pub fn scalar_text(&self) -> Option<String> {
        match &self.value {
            Value::Null | Value::Seq(_) | Value::Map(_) => None,
            Value::Bool(b) => Some(b.to_string()),
            Value::Int(i) => Some(i.to_string()),
            Value::Float(_, text) => Some(text.to_string()),
            Value::Str(s) => Some(s.clone()),
        }
    }

    /// A mapping key as text: scalars as written, `null` as "null". Non-scalar keys have no
    /// text here; dialects that accept them (Vamp) stringify them themselves.
    pub fn key_text(&self) -> Option<String> {
        match &self.value {
            Value::Null => Some("null".to_string()),
            _ => self.scalar_text(),
        }
    }

    /// Whether this key's [`Node::key_text`] is `key`, without building the text: dialects look
    /// keys up by name for every field they read.
    pub fn key_is(&self, key: &str) -> bool {
        match &self.value {
            Value::Str(s) => s == key,
            Value::Float(_, text) => **text == *key,
            Value::Null => key == "null",
            Value::Bool(b) => key == if *b { "true" } else { "false" },
            Value::Int(_) => self.key_text().as_deref() == Some(key),
            Value::Seq(_) | Value::Map(_) => false,
        }
    }

    /// A short name of the node's type for messages: "a string", "a mapping", ...
    pub fn type_name(&self) -> &'static str {
        match self.value {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Int(_) => "an integer",
            Value::Float(..) => "a number",
            Value::Str(_) => "a string",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }

    /// Whether two trees hold the same values, ignoring spans. Floats compare by number, and
    /// NaN equals NaN, so a tree always equals itself.
    pub fn same_value(&self, other: &Node) -> bool {
        match (&self.value, &other.value) {
            (Value::Float(a, _), Value::Float(b, _)) => a == b || (a.is_nan() && b.is_nan()),
            (Value::Seq(a), Value::Seq(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.same_value(y))
            }
            (Value::Map(a), Value::Map(b)) => {
                a.len() == b.len()
                    && a.iter()
                        .zip(b.iter())
                        .all(|((ka, va), (kb, vb))| ka.same_value(kb) && va.same_value(vb))
            }
            (a, b) => a == b,
        }
    }

    /// Number of nodes in this subtree (itself included). Keys count.
    pub fn size(&self) -> usize {
        match &self.value {
            Value::Seq(items) => 1 + items.iter().map(Node::size).sum::<usize>(),
            Value::Map(m) => {
                1 + m
                    .entries
                    .iter()
                    .map(|(k, v)| k.size() + v.size())
                    .sum::<usize>()
            }
            _ => 1,
        }
    }
}

/// One document of a file (a YAML stream may hold several).
#[derive(Clone, Debug)]
pub struct Document {
    pub root: Node,
    /// Position of the document in its file, from 0.
    pub index: usize,
    /// What a loading profile needs to turn this neutral reading into a runtime's.
    pub(crate) loading: LoadingNotes,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;

    #[test]
    fn a_key_is_its_key_text_for_every_kind_of_key() {
        let span = Span::new(FileId(0), 0, 0);
        let keys = [
            Value::Null,
            Value::Bool(true),
            Value::Bool(false),
            Value::Int(-42),
            Value::Float(1.5, "1.50".into()),
            Value::Str("endpoints".into()),
            Value::Str(String::new()),
            Value::Seq(Vec::new()),
            Value::Map(Mapping::default()),
        ];
        let names = [
            "null",
            "true",
            "false",
            "-42",
            "42",
            "1.50",
            "1.5",
            "endpoints",
            "",
            "[]",
        ];
        for key in keys {
            let key = Node::new(key, span);
            for name in names {
                assert_eq!(
                    key.key_is(name),
                    key.key_text().as_deref() == Some(name),
                    "{key:?} vs {name:?}"
                );
            }
        }
    }
}
