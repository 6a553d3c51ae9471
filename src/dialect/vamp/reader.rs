//! The reader framework every Vamp artifact reader stands on, mirroring Vamp's
//! `YamlSourceReader`: a mapping that records which keys were read, so that every key nobody
//! read becomes an `UnexpectedElement`; typed look-ups with Vamp's coercions (anything scalar
//! reads as a string, integers widen to doubles, `null` is absent); name rules; and the
//! reference-or-inline rule of weak references.

use super::codes::{self, peer_of};
use crate::diag::{Code, Diagnostic};
use crate::ir::vamp::Spanned;
use crate::source::Span;
use crate::syntax::{Node, Value};
use std::cell::RefCell;

/// Collects the diagnostics of one document.
pub struct Cx<'d> {
    pub diagnostics: &'d mut Vec<Diagnostic>,
}

impl Cx<'_> {
    /// Reports an error with the Vamp class of its code as peer.
    pub fn error(
        &mut self,
        code: &'static Code,
        span: Span,
        message: impl Into<String>,
    ) -> Report<'_> {
        let mut diagnostic = Diagnostic::error(code, span, message);
        if let Some(peer) = peer_of(code) {
            diagnostic = diagnostic.with_peer(peer);
        }
        self.diagnostics.push(diagnostic);
        Report(self.diagnostics.last_mut())
    }

    pub fn warning(
        &mut self,
        code: &'static Code,
        span: Span,
        message: impl Into<String>,
    ) -> Report<'_> {
        let mut diagnostic = Diagnostic::warning(code, span, message);
        if let Some(peer) = peer_of(code) {
            diagnostic = diagnostic.with_peer(peer);
        }
        self.diagnostics.push(diagnostic);
        Report(self.diagnostics.last_mut())
    }

    // --- typed values (Vamp's `find[V]`) -------------------------------------------------------

    /// Anything scalar as a string (Vamp's `toString`); a list or map is a type error.
    pub fn string(&mut self, node: &Node, path: &str) -> Option<Spanned<String>> {
        match node.scalar_text() {
            Some(text) => Some(Spanned::new(text, node.span)),
            None if node.is_null() => None,
            None => {
                self.type_error(node, path, "a string");
                None
            }
        }
    }

    pub fn int(&mut self, node: &Node, path: &str) -> Option<Spanned<i64>> {
        match node.value {
            Value::Int(i) => Some(Spanned::new(i, node.span)),
            Value::Null => None,
            _ => {
                self.type_error(node, path, "an integer");
                None
            }
        }
    }

    /// A number; integers widen (Vamp's Int→Double).
    pub fn double(&mut self, node: &Node, path: &str) -> Option<Spanned<f64>> {
        match node.as_f64() {
            Some(f) => Some(Spanned::new(f, node.span)),
            None if node.is_null() => None,
            None => {
                self.type_error(node, path, "a number");
                None
            }
        }
    }

    pub fn boolean(&mut self, node: &Node, path: &str) -> Option<Spanned<bool>> {
        match node.value {
            Value::Bool(b) => Some(Spanned::new(b, node.span)),
            Value::Null => None,
            _ => {
                self.type_error(node, path, "a boolean");
                None
            }
        }
    }

    /// A mapping, as a reader that tracks consumption.
    pub fn map<'a>(&mut self, node: &'a Node, path: &str) -> Option<MapReader<'a>> {
        match MapReader::new(node, path) {
            Some(map) => Some(map),
            None if node.is_null() => None,
            None => {
                self.type_error(node, path, "a mapping");
                None
            }
        }
    }

    pub fn type_error(&mut self, node: &Node, path: &str, expected: &str) {
        self.error(
            &codes::V002,
            node.span,
            format!(
                "Unexpected type for path '{}': expected {expected}, found {}.",
                last_segment(path),
                node.type_name()
            ),
        )
        .help(format!("write {expected} here"));
    }

    /// A required value: a missing (or null) key is `MissingPathValueError`.
    pub fn required<'a>(&mut self, map: &MapReader<'a>, key: &str) -> Option<&'a Node> {
        let found = map.get(key);
        if found.is_none() {
            self.missing(map, key);
        }
        found
    }

    pub fn missing(&mut self, map: &MapReader<'_>, key: &str) {
        let path = map.child_path(key);
        self.error(
            &codes::V001,
            map.anchor(),
            format!("Can't find any value for path: /{path}"),
        )
        .help(match key.split_once('/') {
            Some((first, _)) => format!("add `{first}:` (Vamp looks for `{key}`)"),
            None => format!("add `{key}:`"),
        });
    }

    /// Walks `keys` from `map`: an intermediate value that is not a mapping is
    /// `UnexpectedInnerElementError`. Returns the last value, consumed.
    pub fn path<'a>(&mut self, map: &MapReader<'a>, keys: &[&str]) -> Option<&'a Node> {
        let (last, init) = keys.split_last()?;
        let mut current: Option<MapReader<'a>> = None;
        for key in init {
            let next = match &current {
                None => map.get(key),
                Some(m) => m.get(key),
            }?;
            match MapReader::new(next, key) {
                Some(inner) => {
                    if let Some(done) = current.take() {
                        done.consume_all();
                    }
                    current = Some(inner);
                }
                None => {
                    self.error(
                        &codes::V003,
                        next.span,
                        format!(
                            "Can't find a nested element for path '{key}': found {}.",
                            next.type_name()
                        ),
                    )
                    .help(format!("`{key}` must be a mapping"));
                    return None;
                }
            }
        }
        match &current {
            None => map.get(last),
            Some(m) => {
                let found = m.get(last);
                m.consume_all();
                found
            }
        }
    }

    // --- names (Vamp's NameValidator) ----------------------------------------------------------

    /// `name` / `reference` rule: no white space, `/`, `[` or `]`.
    pub fn check_name(&mut self, name: &Spanned<String>) -> bool {
        if is_name(&name.value) {
            return true;
        }
        self.error(
            &codes::V006,
            name.span,
            format!(
                "Illegal name or reference - white space characters, '/', '[' and ']' are not allowed: {}",
                name.value
            ),
        )
        .help("use letters, digits and `-_.:` in names");
        false
    }

    /// Trait names (ports, environment variables, constants): no `.` either.
    pub fn check_strict_name(&mut self, name: &Spanned<String>) -> bool {
        if is_strict_name(&name.value) {
            return true;
        }
        self.error(
            &codes::V007,
            name.span,
            format!(
                "Illegal name - white space characters, '.', '/', '[' and ']' are not allowed: {}",
                name.value
            ),
        )
        .help("trait names are referenced as `$cluster.group.name`, so they cannot contain `.`");
        false
    }

    /// A required, validated `name`.
    pub fn name(&mut self, map: &MapReader<'_>) -> Option<Spanned<String>> {
        let node = self.required(map, "name")?;
        let name = self.string(node, &map.child_path("name"))?;
        self.check_name(&name);
        Some(name)
    }

    /// A required `name` checked by the caller's own rules (gateway names may hold `/`).
    pub fn name_unchecked(&mut self, map: &MapReader<'_>) -> Option<Spanned<String>> {
        let node = self.required(map, "name")?;
        self.string(node, &map.child_path("name"))
    }

    /// `reference:` or `ref:` of a map, validated.
    pub fn reference(&mut self, map: &MapReader<'_>) -> Option<Spanned<String>> {
        let node = map.get("reference").or_else(|| map.get("ref"))?;
        let name = self.string(node, &map.child_path("reference"))?;
        self.check_name(&name);
        Some(name)
    }

    /// Weak references (scales, SLAs, escalations, conditions, routes): a string or a map with
    /// `reference`/`ref` is a reference, a map without `name` is an anonymous inline
    /// definition, a map with `name` but no reference is `EitherReferenceOrAnonymous`.
    pub fn weak_reference<'a>(
        &mut self,
        node: &'a Node,
        path: &str,
        what: &str,
    ) -> Option<WeakRef<'a>> {
        if let Some(text) = node.scalar_text() {
            let name = Spanned::new(text, node.span);
            self.check_name(&name);
            return Some(WeakRef::Reference(name, None));
        }
        let map = self.map(node, path)?;
        if map.has("reference") || map.has("ref") {
            let name = self.reference(&map)?;
            return Some(WeakRef::Reference(name, Some(map)));
        }
        if let Some(name_node) = map.peek("name") {
            let name = name_node.scalar_text().unwrap_or_default();
            self.error(
                &codes::V005,
                name_node.span,
                format!(
                    "Either it should be a reference '{what} -> {name}' or an anonymous inline definition, but not both."
                ),
            )
            .help(format!(
                "write `reference: {name}` to use the {what} named `{name}`, or drop `name:` to define it here"
            ));
            map.consume_all();
            return None;
        }
        Some(WeakRef::Inline(map))
    }

    /// `metadata`: an optional mapping, flattened to text.
    pub fn metadata(&mut self, map: &MapReader<'_>) -> Vec<(String, String)> {
        let Some(node) = map.get("metadata") else {
            return Vec::new();
        };
        if node.as_map().is_none() {
            self.error(&codes::V009, node.span, "Unsupported metadata")
                .help("metadata must be a mapping, e.g. `metadata: {labels: {team: web}}`");
            return Vec::new();
        }
        let mut out = Vec::new();
        flatten(node, String::new(), &mut out);
        out
    }
}

/// The result of a weak-reference read.
pub enum WeakRef<'a> {
    /// The name, and the map it was read from (its other keys are the caller's to read).
    Reference(Spanned<String>, Option<MapReader<'a>>),
    Inline(MapReader<'a>),
}

/// A handle on the diagnostic just reported, to add help and labels.
pub struct Report<'d>(Option<&'d mut Diagnostic>);

impl Report<'_> {
    pub fn help(mut self, text: impl Into<String>) -> Self {
        if let Some(d) = self.0.as_deref_mut() {
            d.help = Some(text.into());
        }
        self
    }

    /// Overrides the peer of the code: what Vamp really reports in this case (`None`: Vamp
    /// accepts it, the finding is rehearse's own).
    pub fn peer(mut self, peer: Option<&str>) -> Self {
        if let Some(d) = self.0.as_deref_mut() {
            d.peer = peer.map(str::to_string);
        }
        self
    }

    pub fn label(mut self, span: Span, text: impl Into<String>) -> Self {
        if let Some(d) = self.0.as_deref_mut() {
            d.labels.push(crate::diag::Label {
                span,
                message: text.into(),
            });
        }
        self
    }
}

pub fn is_name(name: &str) -> bool {
    !name.is_empty() && !name.chars().any(|c| c.is_whitespace() || "/[]".contains(c))
}

pub fn is_strict_name(name: &str) -> bool {
    !name.is_empty()
        && !name
            .chars()
            .any(|c| c.is_whitespace() || "/[].".contains(c))
}

fn last_segment(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

fn flatten(node: &Node, prefix: String, out: &mut Vec<(String, String)>) {
    match &node.value {
        Value::Map(map) => {
            for (key, value) in map.iter() {
                let key = key_string(key);
                let path = if prefix.is_empty() {
                    key
                } else {
                    format!("{prefix}.{key}")
                };
                flatten(value, path, out);
            }
        }
        _ => out.push((prefix, value_string(node))),
    }
}

/// A key as Vamp's Java code sees it: scalars as written, a list via `List.toString`
/// (`[external/1/2]`), a map via `Map.toString`.
pub fn key_string(node: &Node) -> String {
    node.key_text().unwrap_or_else(|| value_string(node))
}

/// Java `toString` of any value.
pub fn value_string(node: &Node) -> String {
    match &node.value {
        Value::Seq(items) => format!(
            "[{}]",
            items
                .iter()
                .map(value_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Value::Map(map) => format!(
            "{{{}}}",
            map.iter()
                .map(|(k, v)| format!("{}={}", key_string(k), value_string(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        _ => node.scalar_text().unwrap_or_else(|| "null".to_string()),
    }
}

/// A mapping being read: records which keys were consumed.
pub struct MapReader<'a> {
    pub node: &'a Node,
    entries: &'a [(Node, Node)],
    keys: Vec<String>,
    consumed: RefCell<Vec<bool>>,
    /// `/`-separated path of this map in the document, for messages.
    pub path: String,
    /// Where to point when a required key is missing (the key owning this map, if known).
    anchor: Option<Span>,
}

impl<'a> MapReader<'a> {
    pub fn new(node: &'a Node, path: &str) -> Option<MapReader<'a>> {
        let map = node.as_map()?;
        Some(MapReader {
            node,
            entries: &map.entries,
            keys: map.entries.iter().map(|(k, _)| key_string(k)).collect(),
            consumed: RefCell::new(vec![false; map.entries.len()]),
            path: path.to_string(),
            anchor: None,
        })
    }

    /// Points "missing key" diagnostics at `span` (e.g. the key that owns this map).
    pub fn with_anchor(mut self, span: Span) -> Self {
        self.anchor = Some(span);
        self
    }

    /// Where a missing key is reported: the owning key, else the `name` entry, else the
    /// first line of the map.
    pub fn anchor(&self) -> Span {
        if let Some(anchor) = self.anchor {
            return anchor;
        }
        if let Some(i) = self.index("name") {
            if let Some((key, value)) = self.entries.get(i) {
                return key.span.join(value.span);
            }
        }
        self.anchor.unwrap_or_else(|| {
            self.entries.first().map_or(self.node.span, |(k, v)| {
                k.span.join(if v.is_scalar() { v.span } else { k.span })
            })
        })
    }

    pub fn child_path(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}/{key}", self.path)
        }
    }

    fn index(&self, key: &str) -> Option<usize> {
        self.keys.iter().position(|k| k == key)
    }

    /// The value of `key`, marked consumed; `null` reads as absent.
    pub fn get(&self, key: &str) -> Option<&'a Node> {
        let i = self.index(key)?;
        if let Some(flag) = self.consumed.borrow_mut().get_mut(i) {
            *flag = true;
        }
        let (_, value) = self.entries.get(i)?;
        (!value.is_null()).then_some(value)
    }

    /// The first present key of `keys` (aliases such as `environment_variables` / `env`).
    pub fn get_any(&self, keys: &[&str]) -> Option<&'a Node> {
        keys.iter().find_map(|k| self.get(k))
    }

    /// The value without consuming it.
    pub fn peek(&self, key: &str) -> Option<&'a Node> {
        let (_, value) = self.entries.get(self.index(key)?)?;
        (!value.is_null()).then_some(value)
    }

    /// The key node of `key`.
    pub fn key_node(&self, key: &str) -> Option<&'a Node> {
        self.entries.get(self.index(key)?).map(|(k, _)| k)
    }

    /// Whether `key` is present with a non-null value (does not consume).
    pub fn has(&self, key: &str) -> bool {
        self.peek(key).is_some()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Every entry as (key text, key node, value node), all consumed.
    pub fn entries(&self) -> Vec<(String, &'a Node, &'a Node)> {
        self.consume_all();
        self.keys
            .iter()
            .zip(self.entries)
            .map(|(k, (key, value))| (k.clone(), key, value))
            .collect()
    }

    /// Every entry as (key text, value node), without consuming any.
    pub fn peek_entries(&self) -> impl Iterator<Item = (&str, &'a Node)> + '_ {
        self.keys
            .iter()
            .zip(self.entries)
            .map(|(k, (_, value))| (k.as_str(), value))
    }

    /// Entries not consumed yet, now consumed (Vamp's `flatten` of the remaining keys).
    pub fn remaining(&self) -> Vec<(String, &'a Node, &'a Node)> {
        let mut consumed = self.consumed.borrow_mut();
        let mut out = Vec::new();
        for (i, (k, (key, value))) in self.keys.iter().zip(self.entries).enumerate() {
            if let Some(flag) = consumed.get_mut(i) {
                if !*flag {
                    *flag = true;
                    out.push((k.clone(), key, value));
                }
            }
        }
        out
    }

    pub fn consume(&self, key: &str) {
        let _ = self.get(key);
    }

    pub fn consume_all(&self) {
        self.consumed
            .borrow_mut()
            .iter_mut()
            .for_each(|f| *f = true);
    }

    /// Reports every key nobody read (`UnexpectedElement`), except `ignored` ones. Null values
    /// are not reported: Vamp treats them as absent.
    pub fn finish(&self, cx: &mut Cx<'_>, ignored: &[&str]) {
        let consumed = self.consumed.borrow().clone();
        for (i, (key, value)) in self.entries.iter().enumerate() {
            let text = self.keys.get(i).cloned().unwrap_or_default();
            if consumed.get(i).copied().unwrap_or(true)
                || value.is_null()
                || ignored.contains(&text.as_str())
            {
                continue;
            }
            let json = format!("{{\"{}\":{}}}", text, json_of(value));
            cx.error(&codes::V004, key.span, format!("Unexpected in DSL: {json}"))
                .help(format!(
                    "`{text}` is not a field here{}",
                    if self.path.is_empty() {
                        String::new()
                    } else {
                        format!(" (in `{}`)", self.path)
                    }
                ));
        }
    }
}

/// A compact JSON rendering of a value for `UnexpectedElement` messages.
fn json_of(node: &Node) -> String {
    match &node.value {
        Value::Null => "null".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(_, text) => text.to_string(),
        Value::Str(s) => serde_json::Value::String(s.clone()).to_string(),
        Value::Seq(items) => format!(
            "[{}]",
            items.iter().map(json_of).collect::<Vec<_>>().join(",")
        ),
        Value::Map(map) => format!(
            "{{{}}}",
            map.iter()
                .map(|(k, v)| format!(
                    "{}:{}",
                    serde_json::Value::String(key_string(k)),
                    json_of(v)
                ))
                .collect::<Vec<_>>()
                .join(",")
        ),
    }
}

/// Reads a node that may be a single item or a list of items (`expandToList`).
pub fn as_list(node: &Node) -> Vec<&Node> {
    match &node.value {
        Value::Seq(items) => items.iter().collect(),
        Value::Null => Vec::new(),
        _ => vec![node],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceMap;
    use crate::syntax::{load, Document, Format, Limits};

    fn document(yaml: &str) -> Document {
        let mut sources = SourceMap::new();
        let (_, parsed) = load(
            &mut sources,
            "t.yaml",
            yaml.as_bytes().to_vec(),
            Format::Yaml,
            &Limits::default(),
        );
        parsed.documents.into_iter().next().expect("one document")
    }

    fn codes(diagnostics: &[Diagnostic]) -> Vec<&str> {
        diagnostics.iter().map(|d| d.code.id).collect()
    }

    #[test]
    fn keys_nobody_read_are_unexpected_except_kind_metadata_and_nulls() {
        let doc = document("kind: breed\nname: a\nmetadata: {x: 1}\nempty:\nscala: 1\n");
        let mut diagnostics = Vec::new();
        let mut cx = Cx {
            diagnostics: &mut diagnostics,
        };
        let map = MapReader::new(&doc.root, "").expect("a map");
        assert!(map.get("name").is_some());
        map.finish(&mut cx, &["kind", "metadata"]);
        assert_eq!(codes(&diagnostics), ["V004"]);
        assert_eq!(diagnostics[0].message, "Unexpected in DSL: {\"scala\":1}");
        assert_eq!(diagnostics[0].peer.as_deref(), Some("UnexpectedElement"));
    }

    #[test]
    fn values_coerce_as_vamp_does() {
        let doc = document("n: 5\nf: 1.50\ns: text\nlist: [1]\n");
        let mut diagnostics = Vec::new();
        let mut cx = Cx {
            diagnostics: &mut diagnostics,
        };
        let map = MapReader::new(&doc.root, "").expect("a map");
        let n = map.get("n").expect("n");
        assert_eq!(cx.double(n, "n").map(|d| d.value), Some(5.0));
        assert_eq!(cx.string(n, "n").map(|s| s.value).as_deref(), Some("5"));
        let f = map.get("f").expect("f");
        // A float reads as text the way it was written.
        assert_eq!(cx.string(f, "f").map(|s| s.value).as_deref(), Some("1.50"));
        assert!(cx.int(map.get("s").expect("s"), "s").is_none());
        assert!(cx.string(map.get("list").expect("list"), "list").is_none());
        assert_eq!(codes(&diagnostics), ["V002", "V002"]);
    }

    #[test]
    fn a_path_through_a_scalar_is_an_inner_element_error() {
        let doc = document("root:\n  nested: value\n");
        let mut diagnostics = Vec::new();
        let mut cx = Cx {
            diagnostics: &mut diagnostics,
        };
        let map = MapReader::new(&doc.root, "").expect("a map");
        assert!(cx.path(&map, &["root", "nested", "next"]).is_none());
        assert_eq!(codes(&diagnostics), ["V003"]);
        assert_eq!(
            diagnostics[0].peer.as_deref(),
            Some("UnexpectedInnerElementError")
        );
    }

    #[test]
    fn name_rules() {
        assert!(is_name("sava:1.0.0"));
        assert!(!is_name("a b"));
        assert!(!is_name("a/b"));
        assert!(!is_name("a[b]"));
        assert!(is_strict_name("timeout"));
        assert!(!is_strict_name("time.out"));
        assert!(!is_strict_name("timeout[]"));
    }

    #[test]
    fn weak_references() {
        let doc = document(
            "a: large\nb: {ref: large}\nc: {name: large, cpu: 1}\nd: {cpu: 1, memory: 1MB}\n",
        );
        let mut diagnostics = Vec::new();
        let mut cx = Cx {
            diagnostics: &mut diagnostics,
        };
        let map = MapReader::new(&doc.root, "").expect("a map");
        let kind = |r: Option<WeakRef<'_>>| match r {
            Some(WeakRef::Reference(name, _)) => format!("ref {}", name.value),
            Some(WeakRef::Inline(_)) => "inline".to_string(),
            None => "none".to_string(),
        };
        let a = map.get("a").expect("a");
        let b = map.get("b").expect("b");
        let c = map.get("c").expect("c");
        let d = map.get("d").expect("d");
        assert_eq!(kind(cx.weak_reference(a, "a", "scale")), "ref large");
        assert_eq!(kind(cx.weak_reference(b, "b", "scale")), "ref large");
        assert_eq!(kind(cx.weak_reference(c, "c", "scale")), "none");
        assert_eq!(kind(cx.weak_reference(d, "d", "scale")), "inline");
        assert_eq!(codes(&diagnostics), ["V005"]);
    }

    #[test]
    fn list_keys_read_as_java_strings() {
        let doc = document("[external/1/2]: 1\n");
        let map = doc.root.as_map().expect("a map");
        let (key, _) = map.entries.first().expect("one entry");
        assert_eq!(key_string(key), "[external/1/2]");
    }
}
