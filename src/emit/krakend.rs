//! KrakenD target: each KrakenD config of the project → `<source stem>.json` (`version` 3), the
//! JSON `krakend run -c` and `krakend check --lint` read.
//!
//! Written from the IR: the keys the IR types from their values, lura's defaults left out
//! unless `explicit` (reference/krakend/SPEC.md §1–§3); every other key (`$schema`,
//! `@comment`, `tls`, `plugin`, `async_agent`, ...) and every `extra_config` namespace as the
//! source wrote it. A YAML source reaches here with its anchors and merge keys expanded, and a
//! flexible-config template rendered, so either gives the JSON of what KrakenD would load.

use super::{Document, Emitted, Options};
use crate::diag::{codes::e, Diagnostic};
use crate::ir::krakend::{Backend, Config, Endpoint, Spanned, DEFAULT_TIMEOUT_NS};
use crate::source::{FileId, Span};
use crate::syntax::{Node, Value};
use std::collections::BTreeMap;

/// A JSON value being written; objects keep the order their keys were added in.
enum Json {
    Null,
    Bool(bool),
    Int(i64),
    /// A number's JSON text.
    Number(String),
    Str(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

/// Emits every KrakenD config in scope; `paths` names each source file (for output names).
pub fn emit(
    configs: &[Config],
    paths: &BTreeMap<FileId, String>,
    explicit: bool,
    options: &Options,
) -> Emitted {
    let mut emitted = Emitted::default();
    // Output name → the config that took it, so a second one is refused, not overwritten.
    let mut names: BTreeMap<String, Span> = BTreeMap::new();
    let mut any = false;
    for config in configs.iter().filter(|c| options.in_scope(c.file)) {
        any = true;
        let name = output_name(paths.get(&config.file).map_or("krakend", String::as_str));
        if let Some(first) = names.get(&name) {
            emitted.diagnostics.push(
                Diagnostic::error(
                    &e::E031,
                    config.span,
                    format!("a second KrakenD config would also be written to {name}"),
                )
                .with_label(*first, "the first one")
                .with_help(
                    "emit the two configs into different folders, or rename one source file",
                ),
            );
            continue;
        }
        names.insert(name.clone(), config.span);
        let mut writer = Writer {
            explicit,
            diagnostics: Vec::new(),
        };
        let json = writer.config(config);
        if writer.diagnostics.is_empty() {
            let mut text = String::new();
            write_json(&json, 0, &mut text);
            text.push('\n');
            emitted.documents.push(Document { name, text });
        }
        emitted.diagnostics.extend(writer.diagnostics);
    }
    if !any {
        emitted.nothing = Some("the project has no KrakenD configuration".into());
    }
    emitted
}

/// `<source stem>.json`: `gateway.yaml` → `gateway.json`; a rendered template
/// (`krakend.tmpl (rendered)`) is named after the template.
fn output_name(path: &str) -> String {
    let path = path.strip_suffix(" (rendered)").unwrap_or(path);
    let stem = std::path::Path::new(path)
        .file_stem()
        .and_then(|s| s.to_str())
        .filter(|s| !s.is_empty() && !s.starts_with('.'))
        .unwrap_or("krakend");
    format!("{stem}.json")
}

struct Writer {
    explicit: bool,
    diagnostics: Vec<Diagnostic>,
}

/// An object being built.
#[derive(Default)]
struct Object(Vec<(String, Json)>);

impl Object {
    fn put(&mut self, key: &str, value: Json) {
        self.0.push((key.to_string(), value));
    }

    fn put_str(&mut self, key: &str, value: &str) {
        self.put(key, Json::Str(value.to_string()));
    }

    fn put_strs(&mut self, key: &str, values: impl IntoIterator<Item = impl AsRef<str>>) {
        let items: Vec<Json> = values
            .into_iter()
            .map(|v| Json::Str(v.as_ref().to_string()))
            .collect();
        if !items.is_empty() {
            self.put(key, Json::Array(items));
        }
    }
}

impl Writer {
    /// Writes `value` under `key` when it differs from the default lura would apply, or always
    /// with `explicit`.
    fn defaulted(&self, object: &mut Object, key: &str, value: Json, is_default: bool) {
        if self.explicit || !is_default {
            object.put(key, value);
        }
    }

    /// The keys the source wrote that the IR does not type (`$schema`, `@comment`, `tls`, ...),
    /// first and in source order: the IR keeps no order between them and the typed keys.
    fn other(&mut self, other: &[(Spanned<String>, Node)]) -> Object {
        let mut object = Object::default();
        for (key, node) in other {
            let value = self.raw(node);
            object.put(&key.value, value);
        }
        object
    }

    fn config(&mut self, config: &Config) -> Json {
        let mut object = self.other(&config.other);
        object.put("version", Json::Int(3));
        if let Some(name) = &config.name {
            object.put_str("name", name);
        }
        if !(1..=65535).contains(&config.port) {
            self.diagnostics.push(
                Diagnostic::error(
                    &e::E030,
                    config.port_span,
                    format!("port {} is outside 1..65535", config.port),
                )
                .with_help("KrakenD cannot listen on it and `krakend check --lint` refuses it"),
            );
        }
        self.defaulted(
            &mut object,
            "port",
            Json::Int(config.port),
            config.port == 8080,
        );
        if let Some(ip) = &config.listen_ip {
            object.put_str("listen_ip", &ip.value);
        }
        object.put_strs("host", config.hosts.iter().map(|h| &h.value));
        self.defaulted(
            &mut object,
            "timeout",
            duration(config.timeout.value),
            config.timeout.value == DEFAULT_TIMEOUT_NS,
        );
        self.defaulted(
            &mut object,
            "cache_ttl",
            duration(config.cache_ttl.value),
            config.cache_ttl.value == 0,
        );
        // No default to make explicit: endpoints default to `json` on their own.
        if let Some(encoding) = &config.output_encoding {
            object.put_str("output_encoding", &encoding.value);
        }
        for (key, on) in [
            ("disable_rest", config.disable_rest),
            ("debug_endpoint", config.debug_endpoint),
            ("echo_endpoint", config.echo_endpoint),
        ] {
            self.defaulted(&mut object, key, Json::Bool(on), !on);
        }
        self.extra_config(&mut object, &config.extra_config.raw);
        let endpoints: Vec<Json> = config
            .endpoints
            .iter()
            .map(|endpoint| self.endpoint(endpoint, config))
            .collect();
        if !endpoints.is_empty() {
            object.put("endpoints", Json::Array(endpoints));
        }
        Json::Object(object.0)
    }

    fn endpoint(&mut self, endpoint: &Endpoint, config: &Config) -> Json {
        let mut object = self.other(&endpoint.other);
        // Without an `endpoint` key the path defaults to `/` and keeps the endpoint's span.
        if endpoint.path.span != endpoint.span {
            object.put_str("endpoint", &endpoint.path.value);
        }
        let method = &endpoint.method.value;
        self.defaulted(&mut object, "method", text(method), method == "GET");
        let inherited_encoding = config
            .output_encoding
            .as_ref()
            .map_or("json", |e| e.value.as_str());
        self.defaulted(
            &mut object,
            "output_encoding",
            text(&endpoint.output_encoding),
            endpoint.output_encoding == inherited_encoding,
        );
        self.defaulted(
            &mut object,
            "concurrent_calls",
            Json::Int(i64::from(endpoint.concurrent_calls)),
            endpoint.concurrent_calls == 1,
        );
        self.defaulted(
            &mut object,
            "timeout",
            duration(endpoint.timeout.value),
            endpoint.timeout.value == config.timeout.value,
        );
        self.defaulted(
            &mut object,
            "cache_ttl",
            duration(endpoint.cache_ttl.value),
            endpoint.cache_ttl.value == config.cache_ttl.value,
        );
        object.put_strs("input_headers", &endpoint.input_headers);
        object.put_strs("input_query_strings", &endpoint.input_query_strings);
        self.extra_config(&mut object, &endpoint.extra_config.raw);
        let backends: Vec<Json> = endpoint
            .backends
            .iter()
            .map(|backend| self.backend(backend, method))
            .collect();
        object.put("backend", Json::Array(backends));
        Json::Object(object.0)
    }

    /// A backend; `method` is the endpoint's, which lura gives a backend that names none.
    fn backend(&mut self, backend: &Backend, method: &str) -> Json {
        let mut object = self.other(&backend.other);
        // Without a `url_pattern` key the pattern is empty and keeps the backend's span.
        if backend.url_pattern.span != backend.span {
            object.put_str("url_pattern", &backend.url_pattern.value);
        }
        object.put_strs("host", backend.hosts.iter().map(|h| &h.value));
        self.defaulted(
            &mut object,
            "disable_host_sanitize",
            Json::Bool(backend.disable_host_sanitize),
            !backend.disable_host_sanitize,
        );
        self.defaulted(
            &mut object,
            "method",
            text(&backend.method),
            backend.method == method,
        );
        self.defaulted(
            &mut object,
            "encoding",
            text(&backend.encoding),
            backend.encoding == "json",
        );
        if let Some(group) = &backend.group {
            object.put_str("group", group);
        }
        if let Some(target) = &backend.target {
            object.put_str("target", target);
        }
        object.put_strs("allow", &backend.allow);
        object.put_strs("deny", &backend.deny);
        if !backend.mapping.is_empty() {
            let mapping = backend
                .mapping
                .iter()
                .map(|(from, to)| (from.clone(), Json::Str(to.clone())))
                .collect();
            object.put("mapping", Json::Object(mapping));
        }
        self.defaulted(
            &mut object,
            "is_collection",
            Json::Bool(backend.is_collection),
            !backend.is_collection,
        );
        self.extra_config(&mut object, &backend.extra_config.raw);
        Json::Object(object.0)
    }

    /// `extra_config`, every namespace as written (a workflow included).
    fn extra_config(&mut self, object: &mut Object, raw: &[(Spanned<String>, Node)]) {
        if raw.is_empty() {
            return;
        }
        let namespaces = raw
            .iter()
            .map(|(key, node)| (key.value.clone(), self.raw(node)))
            .collect();
        object.put("extra_config", Json::Object(namespaces));
    }

    /// A value as the source wrote it. YAML can hold what JSON cannot (`.nan`, `.inf`, a
    /// sequence as a key): E032 there.
    fn raw(&mut self, node: &Node) -> Json {
        match &node.value {
            Value::Null => Json::Null,
            Value::Bool(b) => Json::Bool(*b),
            Value::Int(i) => Json::Int(*i),
            Value::Float(value, written) => {
                if is_json_number(written) {
                    Json::Number(written.to_string())
                } else if value.is_finite() {
                    // Debug keeps a `.0` or an exponent, so the number stays a float.
                    Json::Number(format!("{value:?}"))
                } else {
                    self.not_json(node.span, &format!("the number {written}"));
                    Json::Null
                }
            }
            Value::Str(s) => Json::Str(s.clone()),
            Value::Seq(items) => Json::Array(items.iter().map(|item| self.raw(item)).collect()),
            Value::Map(map) => {
                let mut entries = Vec::new();
                for (key, value) in map.iter() {
                    match key.key_text() {
                        Some(name) => entries.push((name, self.raw(value))),
                        None => self.not_json(key.span, &format!("{} as a key", key.type_name())),
                    }
                }
                Json::Object(entries)
            }
        }
    }

    fn not_json(&mut self, span: Span, what: &str) {
        self.diagnostics.push(
            Diagnostic::error(&e::E032, span, format!("JSON cannot hold {what}"))
                .with_help("KrakenD reads the emitted config as JSON: write a value JSON has"),
        );
    }
}

fn text(value: &str) -> Json {
    Json::Str(value.to_string())
}

/// A duration in the schema's form, an integer and one unit, the largest that is exact
/// (`1500ms`, `3s`, `2m`).
fn duration(nanos: u64) -> Json {
    const UNITS: [(u64, &str); 6] = [
        (3_600_000_000_000, "h"),
        (60_000_000_000, "m"),
        (1_000_000_000, "s"),
        (1_000_000, "ms"),
        (1_000, "us"),
        (1, "ns"),
    ];
    let (size, unit) = UNITS
        .iter()
        .find(|(size, _)| nanos != 0 && nanos % size == 0)
        .copied()
        .unwrap_or((1, "s"));
    Json::Str(format!("{}{unit}", nanos / size))
}

/// Whether `text` is a number as JSON writes it (`-0.5`, `1e3`; not `.5`, `+1`, `1_000`).
fn is_json_number(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut i = usize::from(bytes.first() == Some(&b'-'));
    let digits = |i: &mut usize| {
        let start = *i;
        while bytes.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - start
    };
    let int_start = i;
    let int_digits = digits(&mut i);
    if int_digits == 0 || (int_digits > 1 && bytes[int_start] == b'0') {
        return false;
    }
    if bytes.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    }
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(bytes.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == bytes.len()
}

/// Pretty JSON, two spaces a level, as KrakenD's own examples are written.
fn write_json(value: &Json, indent: usize, out: &mut String) {
    match value {
        Json::Null => out.push_str("null"),
        Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Json::Int(i) => out.push_str(&i.to_string()),
        Json::Number(n) => out.push_str(n),
        Json::Str(s) => write_string(s, out),
        Json::Array(items) if items.is_empty() => out.push_str("[]"),
        Json::Object(entries) if entries.is_empty() => out.push_str("{}"),
        Json::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                out.push_str(if i == 0 { "\n" } else { ",\n" });
                pad(indent + 1, out);
                write_json(item, indent + 1, out);
            }
            out.push('\n');
            pad(indent, out);
            out.push(']');
        }
        Json::Object(entries) => {
            out.push('{');
            for (i, (key, item)) in entries.iter().enumerate() {
                out.push_str(if i == 0 { "\n" } else { ",\n" });
                pad(indent + 1, out);
                write_string(key, out);
                out.push_str(": ");
                write_json(item, indent + 1, out);
            }
            out.push('\n');
            pad(indent, out);
            out.push('}');
        }
    }
}

fn pad(indent: usize, out: &mut String) {
    for _ in 0..indent {
        out.push_str("  ");
    }
}

/// A JSON string: quotes, backslashes and control characters escaped, the rest as UTF-8.
fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_take_the_largest_exact_unit() {
        let shown = |n| match duration(n) {
            Json::Str(s) => s,
            _ => unreachable!(),
        };
        assert_eq!(shown(3_000_000_000), "3s");
        assert_eq!(shown(1_500_000_000), "1500ms");
        assert_eq!(shown(90_000_000_000), "90s");
        assert_eq!(shown(120_000_000_000), "2m");
        assert_eq!(shown(7_200_000_000_000), "2h");
        assert_eq!(shown(3600), "3600ns");
        assert_eq!(shown(0), "0s");
    }

    #[test]
    fn json_numbers_are_told_from_yaml_ones() {
        for good in ["0", "-0.5", "1e3", "1.5E-7", "10"] {
            assert!(is_json_number(good), "{good}");
        }
        for bad in [".5", "+1", "1_000", "01", "1.", "1e", "0x10", "-"] {
            assert!(!is_json_number(bad), "{bad}");
        }
    }

    #[test]
    fn strings_escape_what_json_must() {
        let mut out = String::new();
        write_string("a\"b\\c\nd\u{1}é", &mut out);
        assert_eq!(out, "\"a\\\"b\\\\c\\nd\\u0001é\"");
    }
}
