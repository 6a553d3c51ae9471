//! The KrakenD dialect: a `krakend.json` (or the same config in YAML) → [`ir::krakend::Config`]
//! plus the diagnostics one config can produce on its own: lura's startup rules that look at a
//! single value (version, listen_ip, hosts, endpoint paths, backend counts, no-op encoding),
//! value types, durations, CEL expressions, and the schema lint (K030–K032).
//!
//! Rules that follow data between endpoints, backends and workflows (params, `respN_`, JWT,
//! workflow timeouts, route collisions) run on the IR in `check::krakend`.

mod compiled_schema;
pub mod flexible;
mod host;
pub mod schema;
pub mod schema_lint;
mod schema_tables;
pub mod weak;

use crate::diag::{codes::k, Code, Diagnostic};
use crate::ir::krakend::{
    Backend, BackendHttp, CelCheck, CircuitBreaker, Config, Endpoint, ExtraConfig, Policy, Proxy,
    Spanned, Workflow, DEFAULT_TIMEOUT_NS,
};
use crate::source::Span;
use crate::syntax::url_pattern::{Part, UrlPattern};
use crate::syntax::{expr, Mapping, Node, Value};
use schema::{Enum, Level, Object, SchemaVersion};
use weak::Weak;

pub use host::clean as clean_host;

/// Reads one document. `None` when the document is not an object (a K009 was reported).
pub fn read(root: &Node) -> (Option<Config>, Vec<Diagnostic>) {
    let mut reader = Reader {
        diagnostics: Vec::new(),
        targets: SchemaVersion::ALL.to_vec(),
        strict_params: true,
        at: Vec::new(),
        component: false,
        lint_failed: Vec::new(),
    };
    let config = reader.service(root);
    reader.schema_backstop(root);
    (config, reader.diagnostics)
}

/// Whether a diagnostic also means `krakend check --lint` fails. The K03x lint codes do; so do
/// the errors whose cause the schema also rejects (a missing or wrong version, no backends, no
/// url_pattern, a document that is not an object).
pub fn implies_lint_failure(diagnostic: &Diagnostic) -> bool {
    [
        &k::K030,
        &k::K031,
        &k::K032,
        &k::K001,
        &k::K005,
        &k::K018,
        &k::K009,
    ]
    .iter()
    .any(|code| std::ptr::eq(*code, diagnostic.code))
}

struct Reader {
    diagnostics: Vec<Diagnostic>,
    targets: Vec<SchemaVersion>,
    /// lura's strict param extraction (`disable_rest: false`).
    strict_params: bool,
    /// Where the reader is, as mapstructure names fields (`endpoints[0]`, `backend[1]`).
    at: Vec<String>,
    /// Inside an `extra_config` namespace: values are read by a component, not decoded by lura.
    component: bool,
    /// Schema versions a lint warning already says the config fails.
    lint_failed: Vec<SchemaVersion>,
}

/// At most this many schema findings per config from the backstop validator: the first ones
/// say what is wrong; a config that breaks the schema everywhere is not listed in full.
const MAX_SCHEMA_FINDINGS: usize = 3;

/// What backends inherit from the endpoint or workflow that holds them.
struct Parent<'a> {
    timeout: u64,
    concurrent_calls: u32,
    method: &'a str,
}

impl Reader {
    fn push(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    /// The mapstructure field name of `key` in the object being read (`endpoints[0].method`).
    fn field(&self, key: &str) -> String {
        let mut parts = self.at.clone();
        if !key.is_empty() {
            parts.push(key.to_string());
        }
        parts.join(".")
    }

    /// A value of a type KrakenD cannot use. Inside lura's own structs the decoder refuses it
    /// (K009, an error, with mapstructure's message); inside an `extra_config` namespace the
    /// component reads it with a type assertion and ignores it (K033, a warning).
    fn wrong_type(&mut self, node: &Node, what: &str, expected: &str) {
        if self.component {
            self.push(
                Diagnostic::warning(
                    &k::K033,
                    node.span,
                    format!("{what} must be {expected}, found {}", node.type_name()),
                )
                .with_help(
                    "KrakenD's component ignores a value of another type, as if it were not there",
                ),
            );
            return;
        }
        // mapstructure's messages (decode.go): a struct from a non-map, a slice from a map, a
        // scalar lifted into a one-element slice whose element is then not a map.
        let key = what
            .strip_prefix('`')
            .and_then(|w| w.strip_suffix('`'))
            .unwrap_or("");
        let name = self.field(key);
        let kind = match node.value {
            Value::Null => "invalid",
            Value::Bool(_) => "bool",
            Value::Int(_) | Value::Float(..) => "float64",
            Value::Str(_) => "string",
            Value::Seq(_) => "slice",
            Value::Map(_) => "map",
        };
        let peer = match (expected, &node.value) {
            ("a list", Value::Map(_)) => {
                format!("'{name}': source data must be an array or slice, got map")
            }
            ("a list", _) => format!("'{name}[0]' expected a map, got '{kind}'"),
            ("a duration string" | "a string", _) => format!(
                "'{name}' expected type '{}', got unconvertible type '{}', value: '{}'",
                if expected == "a string" {
                    "string"
                } else {
                    "time.Duration"
                },
                weak::go_type(node),
                weak::go_value(node)
            ),
            _ => format!("'{name}' expected a map, got '{kind}'"),
        };
        self.refused(
            node,
            format!("{what} must be {expected}, found {}", node.type_name()),
            peer,
        );
    }

    /// K009: KrakenD CE's decoder refuses the value; `peer` is its message.
    fn refused(&mut self, node: &Node, message: String, peer: String) {
        self.push(
            Diagnostic::error(&k::K009, node.span, message)
                .with_help(
                    "KrakenD converts strings, numbers and booleans into each other, but not this",
                )
                .with_peer(peer),
        );
    }

    /// A value lura's decoder converts (`"1"` for an integer, …): it runs, the schema lint
    /// fails.
    fn converted(&mut self, node: &Node, key: &str, written: &str, value: &str, wanted: &str) {
        let failing = self.targets.clone();
        self.lint(
            &k::K032,
            node.span,
            &failing,
            format!(
                "`{key}` is {written}; KrakenD converts it to {value}, the schema wants {wanted}"
            ),
        );
    }

    /// A lint warning naming the schema versions that reject the value.
    fn lint(
        &mut self,
        code: &'static Code,
        span: Span,
        failing: &[SchemaVersion],
        message: String,
    ) {
        if failing.is_empty() {
            return;
        }
        for version in failing {
            if !self.lint_failed.contains(version) {
                self.lint_failed.push(*version);
            }
        }
        self.push(Diagnostic::warning(code, span, message).with_help(format!(
            "the config fails `krakend check --lint` ({}); KrakenD itself runs it",
            schema::describe_versions(failing)
        )));
    }

    /// The official schema behind the key and namespace tables: for each targeted version no
    /// lint warning has failed yet, its first violations (an error that the schema also
    /// rejects, such as a missing version, already says the lint fails).
    fn schema_backstop(&mut self, root: &Node) {
        if root.as_map().is_none() || self.diagnostics.iter().any(implies_lint_failure) {
            return;
        }
        let mut found: Vec<(schema_lint::Violation, Vec<SchemaVersion>)> = Vec::new();
        for version in self.targets.clone() {
            for violation in schema_lint::violations(root, version, MAX_SCHEMA_FINDINGS) {
                match found.iter_mut().find(|(v, _)| *v == violation) {
                    Some((_, versions)) => versions.push(version),
                    None => found.push((violation, vec![version])),
                }
            }
        }
        // An error on the same value already says more than the schema would.
        found.retain(|(v, _)| {
            !self
                .diagnostics
                .iter()
                .any(|d| d.is_error() && d.span == v.span)
        });
        schema_lint::choose(&mut found, MAX_SCHEMA_FINDINGS, |(violation, _)| violation);
        for (violation, versions) in found {
            let code = if violation.unknown_key {
                &k::K030
            } else {
                &k::K032
            };
            self.lint(
                code,
                violation.span,
                &versions,
                if violation.unknown_key {
                    violation.message
                } else {
                    format!("{}: {}", violation.path, violation.message)
                },
            );
        }
    }

    fn unknown_keys(&mut self, map: &Mapping, object: Object) {
        for (key, _) in map.iter() {
            let Some(name) = key.key_text() else { continue };
            if schema::is_free_key(&name) {
                continue;
            }
            let failing = schema::failing(&self.targets, |v| object.keys(v).contains(&&*name));
            // (Checked here, not only in `lint`: the message is built for every key otherwise.)
            if failing.is_empty() {
                continue;
            }
            self.lint(
                &k::K030,
                key.span,
                &failing,
                format!(
                    "`{name}` is not {} {} key",
                    schema::article(object.describe()),
                    object.describe()
                ),
            );
        }
    }

    fn check_enum(&mut self, node: &Node, values: Enum, what: &str) {
        let Some(text) = node.as_str() else {
            return;
        };
        let failing = schema::failing(&self.targets, |v| values.values(v).contains(&text));
        if failing.is_empty() {
            return;
        }
        self.lint(
            &k::K032,
            node.span,
            &failing,
            format!("{what} `{text}` is not one the schema lists"),
        );
    }

    fn string(&mut self, map: &Mapping, key: &str, what: &str) -> Option<Spanned<String>> {
        let node = map.get(key)?;
        if self.component {
            return match &node.value {
                Value::Str(s) => Some(Spanned::new(s.clone(), node.span)),
                Value::Null => None,
                _ => {
                    self.wrong_type(node, what, "a string");
                    None
                }
            };
        }
        match weak::string(node, &self.field(key)) {
            Weak::Exact(_) if node.is_null() => None,
            Weak::Exact(s) => Some(Spanned::new(s, node.span)),
            Weak::Converted { value, written } => {
                self.converted(node, key, written, &format!("\"{value}\""), "a string");
                Some(Spanned::new(value, node.span))
            }
            Weak::Refused(peer) => {
                self.refused(
                    node,
                    format!("{what} must be a string, found {}", node.type_name()),
                    peer,
                );
                None
            }
        }
    }

    fn boolean(&mut self, map: &Mapping, key: &str, what: &str) -> bool {
        let Some(node) = map.get(key) else {
            return false;
        };
        if self.component {
            return match node.value {
                Value::Bool(b) => b,
                Value::Null => false,
                _ => {
                    self.wrong_type(node, what, "true or false");
                    false
                }
            };
        }
        match weak::boolean(node, &self.field(key)) {
            Weak::Exact(b) => b,
            Weak::Converted { value, written } => {
                self.converted(node, key, written, &value.to_string(), "true or false");
                value
            }
            Weak::Refused(peer) => {
                self.refused(
                    node,
                    format!("{what} must be true or false, found {}", node.type_name()),
                    peer,
                );
                false
            }
        }
    }

    fn strings(&mut self, map: &Mapping, key: &str, what: &str) -> Vec<Spanned<String>> {
        let Some(node) = map.get(key) else {
            return Vec::new();
        };
        let entries = if self.component {
            match &node.value {
                Value::Null => Vec::new(),
                Value::Seq(items) => {
                    let mut out = Vec::new();
                    for item in items {
                        match item.as_str() {
                            Some(s) => out.push((s.to_string(), item.span)),
                            None => {
                                self.wrong_type(item, &format!("an entry of {what}"), "a string")
                            }
                        }
                    }
                    out
                }
                _ => {
                    self.wrong_type(node, what, "a list of strings");
                    Vec::new()
                }
            }
        } else {
            match weak::strings(node, &self.field(key)) {
                Weak::Exact(entries) => entries,
                Weak::Converted { value, written } => {
                    let shown: Vec<String> =
                        value.iter().map(|(s, _)| format!("\"{s}\"")).collect();
                    self.converted(
                        node,
                        key,
                        written,
                        &format!("[{}]", shown.join(", ")),
                        "a list of strings",
                    );
                    value
                }
                Weak::Refused(peer) => {
                    self.refused(
                        node,
                        format!(
                            "{what} must be a list of strings, found {}",
                            node.type_name()
                        ),
                        peer,
                    );
                    Vec::new()
                }
            }
        };
        let mut seen = std::collections::BTreeSet::new();
        let mut out = Vec::new();
        for (text, span) in entries {
            if !seen.insert(text.clone()) {
                let failing = self.targets.clone();
                self.lint(
                    &k::K032,
                    span,
                    &failing,
                    format!("`{text}` is listed twice in {what}"),
                );
            }
            out.push(Spanned::new(text, span));
        }
        out
    }

    /// A duration key: Go syntax at runtime, the schema's stricter pattern for lint.
    fn duration(&mut self, map: &Mapping, key: &str, default: Spanned<u64>) -> Spanned<u64> {
        let Some(node) = map.get(key) else {
            return default;
        };
        match &node.value {
            Value::Str(text) => {
                let Some(nanos) = go_duration(text) else {
                    self.push(
                        Diagnostic::error(
                            &k::K016,
                            node.span,
                            format!("`{key}: {text}` is not a duration"),
                        )
                        .with_help(
                            "write a number and a unit: ns, us, ms, s, m, h (e.g. `1500ms`, `3s`)",
                        ),
                    );
                    return default;
                };
                if !schema::is_schema_duration(text) {
                    let failing = self.targets.clone();
                    self.lint(
                        &k::K032,
                        node.span,
                        &failing,
                        format!(
                            "`{key}: {text}` is not an integer with one unit (the schema wants e.g. `90s`)"
                        ),
                    );
                }
                // lura falls back to the default for 0 (`timeout: 0s` is not "no timeout").
                if nanos == 0 {
                    default
                } else {
                    Spanned::new(nanos, node.span)
                }
            }
            Value::Int(_) | Value::Float(..) => {
                let failing = self.targets.clone();
                self.lint(
                    &k::K032,
                    node.span,
                    &failing,
                    format!(
                        "`{key}` is a number; KrakenD reads a bare number as nanoseconds, the schema wants a string like \"3s\""
                    ),
                );
                match node.as_i64() {
                    Some(n) if n > 0 => Spanned::new(n as u64, node.span),
                    _ => default,
                }
            }
            Value::Null => default,
            _ => {
                self.wrong_type(node, &format!("`{key}`"), "a duration string");
                default
            }
        }
    }

    fn concurrent_calls(&mut self, map: &Mapping) -> u32 {
        let Some(node) = map.get("concurrent_calls") else {
            return 1;
        };
        let number = if self.component {
            match node.as_i64() {
                Some(n) => Some(n),
                None => {
                    self.wrong_type(node, "`concurrent_calls`", "an integer");
                    None
                }
            }
        } else {
            match weak::int(node, &self.field("concurrent_calls")) {
                Weak::Exact(n) => Some(n),
                Weak::Converted { value, written } => {
                    self.converted(
                        node,
                        "concurrent_calls",
                        written,
                        &value.to_string(),
                        "an integer",
                    );
                    Some(value)
                }
                Weak::Refused(peer) => {
                    self.refused(
                        node,
                        format!(
                            "`concurrent_calls` must be an integer, found {}",
                            node.type_name()
                        ),
                        peer,
                    );
                    None
                }
            }
        };
        let Some(n) = number else { return 1 };
        if !(1..=5).contains(&n) {
            let failing = self.targets.clone();
            self.lint(
                &k::K032,
                node.span,
                &failing,
                format!("`concurrent_calls: {n}` is outside 1..5"),
            );
        }
        // lura: `if e.ConcurrentCalls == 0 { e.ConcurrentCalls = 1 }`; below 1 runs one call.
        u32::try_from(n).ok().filter(|n| *n > 0).unwrap_or(1)
    }

    fn service(&mut self, root: &Node) -> Option<Config> {
        let Some(map) = root.as_map() else {
            self.push(
                Diagnostic::error(
                    &k::K009,
                    root.span,
                    format!("a KrakenD config is an object, found {}", root.type_name()),
                )
                .with_peer(format!(
                    "json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
                    json_type_name(root)
                )),
            );
            return None;
        };
        self.targets = schema::targets(map.get("$schema").and_then(Node::as_str));
        self.unknown_keys(map, Object::Root);

        let version = match map.get("version") {
            None => {
                self.push(
                    Diagnostic::error(&k::K001, root.span, "unsupported version: 0 (want: 3)")
                        .with_span_label("no `version` here")
                        .with_help("add `\"version\": 3`")
                        .with_peer("unsupported version: 0 (want: 3)"),
                );
                0
            }
            Some(node) => {
                let version = match weak::int(node, "version") {
                    Weak::Exact(v) => Some(v),
                    Weak::Converted { value, written } => {
                        if value == 3 {
                            self.converted(node, "version", written, "3", "the integer 3");
                        }
                        Some(value)
                    }
                    Weak::Refused(peer) => {
                        self.refused(
                            node,
                            format!(
                                "`version` must be the integer 3, found {}",
                                node.type_name()
                            ),
                            peer,
                        );
                        None
                    }
                };
                match version {
                    Some(3) => 3,
                    Some(v) => {
                        let message = format!("unsupported version: {v} (want: 3)");
                        let help = if v == 2 || v == 1 {
                            "a KrakenD 1.x config: KrakenD 2 wants `\"version\": 3` and the 2.x namespace names (see KrakenD's \"upgrading to v2\" guide)"
                        } else {
                            "set `\"version\": 3`"
                        };
                        self.push(
                            Diagnostic::error(&k::K001, node.span, message.clone())
                                .with_help(help)
                                .with_peer(message),
                        );
                        v
                    }
                    None => 0,
                }
            }
        };

        let port = match map.get("port") {
            None => 8080,
            Some(node) => {
                let port = match weak::int(node, "port") {
                    Weak::Exact(p) => Some(p),
                    Weak::Converted { value, written } => {
                        self.converted(node, "port", written, &value.to_string(), "an integer");
                        Some(value)
                    }
                    Weak::Refused(peer) => {
                        self.refused(
                            node,
                            format!("`port` must be an integer, found {}", node.type_name()),
                            peer,
                        );
                        None
                    }
                };
                match port {
                    Some(p) => {
                        if !(0..=65535).contains(&p) {
                            let failing = self.targets.clone();
                            self.lint(
                                &k::K032,
                                node.span,
                                &failing,
                                format!("port {p} is outside 0..65535"),
                            );
                        }
                        // lura: `if s.Port == 0 { s.Port = defaultPort }`.
                        if p == 0 {
                            8080
                        } else {
                            p
                        }
                    }
                    None => 8080,
                }
            }
        };

        let listen_ip = self.string(map, "listen_ip", "`listen_ip`");
        if let Some(ip) = &listen_ip {
            if !ip.value.is_empty() && ip.value.parse::<std::net::IpAddr>().is_err() {
                self.push(
                    Diagnostic::error(
                        &k::K002,
                        ip.span,
                        format!("invalid ip address {}", ip.value),
                    )
                    .with_help(
                        "use an IPv4 or IPv6 address, or leave `listen_ip` out to listen on all",
                    )
                    .with_peer(format!("invalid ip address {}", ip.value)),
                );
            }
        }

        let hosts = self.hosts(map, false);
        let whole = Spanned::new(DEFAULT_TIMEOUT_NS, root.span);
        let timeout = self.duration(map, "timeout", whole);
        let cache_ttl = self.duration(map, "cache_ttl", Spanned::new(0, root.span));
        for key in [
            "read_timeout",
            "write_timeout",
            "idle_timeout",
            "read_header_timeout",
            "idle_connection_timeout",
            "response_header_timeout",
            "expect_continue_timeout",
            "dialer_timeout",
            "dialer_fallback_delay",
            "dialer_keep_alive",
            "dns_cache_ttl",
            "max_shutdown_wait_time",
        ] {
            self.duration(map, key, Spanned::new(0, root.span));
        }
        let output_encoding = self.string(map, "output_encoding", "`output_encoding`");
        if let Some(node) = map.get("output_encoding") {
            self.check_enum(node, Enum::RootOutputEncoding, "output_encoding");
        }
        let disable_rest = self.boolean(map, "disable_rest", "`disable_rest`");
        self.strict_params = !disable_rest;
        let debug_endpoint = self.boolean(map, "debug_endpoint", "`debug_endpoint`");
        let echo_endpoint = self.boolean(map, "echo_endpoint", "`echo_endpoint`");
        let name = self.string(map, "name", "`name`").map(|s| s.value);
        let extra_config = self.extra_config(map.get("extra_config"), Level::Service);
        self.async_agents(map.get("async_agent"));

        let mut endpoints = Vec::new();
        if let Some(node) = map.get("endpoints") {
            match &node.value {
                Value::Seq(items) => {
                    for (i, item) in items.iter().enumerate() {
                        self.at.push(format!("endpoints[{i}]"));
                        let endpoint = self.endpoint(
                            item,
                            timeout.value,
                            cache_ttl.value,
                            output_encoding.as_ref(),
                        );
                        self.at.pop();
                        endpoints.extend(endpoint);
                    }
                }
                Value::Null => {}
                _ => self.wrong_type(node, "`endpoints`", "a list"),
            }
        }

        Some(Config {
            file: root.span.file,
            span: root.span,
            version,
            name,
            port,
            port_span: map.get("port").map_or(root.span, |node| node.span),
            listen_ip,
            hosts,
            timeout,
            cache_ttl,
            output_encoding,
            disable_rest,
            debug_endpoint,
            echo_endpoint,
            endpoints,
            extra_config,
            other: other_keys(map, SERVICE_KEYS),
        })
    }

    /// A `host` list, each entry cleaned as lura does unless sanitizing is disabled.
    fn hosts(&mut self, map: &Mapping, sanitize_disabled: bool) -> Vec<Spanned<String>> {
        let entries = self.strings(map, "host", "`host`");
        let mut cleaned = Vec::new();
        for host in entries {
            if host.value.is_empty() {
                let failing = self.targets.clone();
                self.lint(
                    &k::K032,
                    host.span,
                    &failing,
                    "a host is an empty string".to_string(),
                );
            }
            if sanitize_disabled {
                cleaned.push(host);
                continue;
            }
            match host::clean(&host.value) {
                Some(clean) => cleaned.push(Spanned::new(clean, host.span)),
                None => self.push(
                    Diagnostic::error(
                        &k::K003,
                        host.span,
                        format!("host {} not valid: invalid host", host.value),
                    )
                    .with_help(
                        "write `[http[s]://]name[:port]`; for other schemes set `disable_host_sanitize: true`",
                    )
                    .with_peer(format!("host {} not valid: invalid host", host.value)),
                ),
            }
        }
        cleaned
    }

    fn async_agents(&mut self, node: Option<&Node>) {
        let Some(node) = node else { return };
        let Some(agents) = node.as_seq() else {
            if !node.is_null() {
                self.wrong_type(node, "`async_agent`", "a list");
            }
            return;
        };
        for agent in agents {
            let Some(map) = agent.as_map() else {
                self.wrong_type(agent, "an async agent", "an object");
                continue;
            };
            self.unknown_keys(map, Object::AsyncAgent);
            for key in ["name", "consumer", "backend", "extra_config"] {
                if !map.contains_key(key) {
                    let failing = self.targets.clone();
                    self.lint(
                        &k::K032,
                        agent.span,
                        &failing,
                        format!("the async agent has no `{key}`"),
                    );
                }
            }
            if let Some(extra) = map.get("extra_config").and_then(Node::as_map) {
                let has_amqp = extra.contains_key("async/amqp");
                let has_kafka = extra.contains_key("async/kafka");
                let failing = schema::failing(&self.targets, |v| match v {
                    SchemaVersion::V2_7 => has_amqp,
                    SchemaVersion::V2_13 => has_amqp || has_kafka,
                });
                self.lint(
                    &k::K032,
                    agent.span,
                    &failing,
                    "the async agent's extra_config names no driver (`async/amqp` or `async/kafka`)"
                        .to_string(),
                );
            }
            if let Some(backends) = map.get("backend").and_then(Node::as_seq) {
                for backend in backends {
                    if let Some(b) = backend.as_map() {
                        let sanitize_disabled =
                            self.boolean(b, "disable_host_sanitize", "`disable_host_sanitize`");
                        self.hosts(b, sanitize_disabled);
                    }
                }
            }
        }
    }

    fn endpoint(
        &mut self,
        node: &Node,
        service_timeout: u64,
        service_cache_ttl: u64,
        service_encoding: Option<&Spanned<String>>,
    ) -> Option<Endpoint> {
        let Some(map) = node.as_map() else {
            self.wrong_type(node, "an endpoint", "an object");
            return None;
        };
        self.unknown_keys(map, Object::Endpoint);

        let raw_path = self.string(map, "endpoint", "`endpoint`");
        let path_span = raw_path.as_ref().map_or(node.span, |p| p.span);
        let raw_path_text = raw_path.as_ref().map_or("", |p| p.value.as_str());
        match &raw_path {
            None => {
                let failing = self.targets.clone();
                self.lint(
                    &k::K032,
                    node.span,
                    &failing,
                    "the endpoint has no `endpoint` path".to_string(),
                );
            }
            Some(p) if !schema::is_schema_endpoint(&p.value) => {
                let failing = self.targets.clone();
                let why = if p.value.ends_with('*') {
                    "a catch-all is only allowed as a trailing `/*` after a path"
                } else {
                    "the schema allows no `* ? & %` and wants a leading `/`"
                };
                self.lint(
                    &k::K032,
                    p.span,
                    &failing,
                    format!("endpoint `{}`: {why}", p.value),
                );
            }
            Some(_) => {}
        }
        let path = clean_path(raw_path_text);

        let raw_method = map.get("method");
        let raw_method_text = raw_method.and_then(Node::as_str).unwrap_or("");
        if let Some(m) = raw_method {
            if m.as_str().is_none() {
                self.wrong_type(m, "`method`", "a string");
            }
            self.check_enum(m, Enum::EndpointMethod, "method");
        }
        let method_text = if raw_method_text.is_empty() {
            "GET".to_string()
        } else {
            raw_method_text.to_ascii_uppercase()
        };
        let method = Spanned::new(
            method_text.clone(),
            raw_method.map_or(node.span, |m| m.span),
        );
        if !["GET", "POST", "PUT", "PATCH", "DELETE"].contains(&method_text.as_str()) {
            self.push(
                Diagnostic::warning(
                    &k::K017,
                    method.span,
                    format!(
                        "KrakenD's router does not serve {method_text}: the endpoint is skipped"
                    ),
                )
                .with_help("use GET, POST, PUT, PATCH or DELETE"),
            );
        }

        if let Some(reason) = invalid_path_reason(&path) {
            self.push(
                Diagnostic::error(
                    &k::K004,
                    path_span,
                    format!(
                        "ignoring the '{raw_method_text} {path}' endpoint, since it is invalid!!!"
                    ),
                )
                .with_span_label(reason)
                .with_peer(format!(
                    "ignoring the '{raw_method_text} {path}' endpoint, since it is invalid!!!"
                )),
            );
        }

        let backend_nodes = match map.get("backend") {
            Some(n) => match &n.value {
                Value::Seq(items) => items.as_slice(),
                Value::Null => &[],
                _ => {
                    self.wrong_type(n, "`backend`", "a list");
                    &[]
                }
            },
            None => &[],
        };
        if backend_nodes.is_empty() {
            self.push(
                Diagnostic::error(
                    &k::K005,
                    map.get("backend").map_or(path_span, |b| b.span),
                    format!(
                        "ignoring the '{raw_method_text} {path}' endpoint, since it has 0 backends defined!"
                    ),
                )
                .with_help("add at least one backend with a `url_pattern`")
                .with_peer(format!(
                    "ignoring the '{raw_method_text} {path}' endpoint, since it has 0 backends defined!"
                )),
            );
        }

        let pattern = UrlPattern::parse(&path);
        let params = self.params(
            &pattern,
            path_span,
            raw_path.as_ref().map(|p| p.value.as_str()),
        );

        let concurrent_calls = self.concurrent_calls(map);
        let timeout = self.duration(map, "timeout", Spanned::new(service_timeout, node.span));
        let cache_ttl = self.duration(map, "cache_ttl", Spanned::new(service_cache_ttl, node.span));
        if let Some(enc) = map.get("output_encoding") {
            self.check_enum(enc, Enum::EndpointOutputEncoding, "output_encoding");
        }
        let output_encoding = self
            .string(map, "output_encoding", "`output_encoding`")
            .or_else(|| service_encoding.cloned())
            .map_or_else(|| "json".to_string(), |s| s.value);
        if output_encoding == "no-op" && backend_nodes.len() > 1 {
            self.push(
                Diagnostic::error(
                    &k::K006,
                    map.get("output_encoding").map_or(node.span, |n| n.span),
                    "can not use NoOp encoding with more than one backends connected to the same endpoint",
                )
                .with_help("no-op passes one backend's response through untouched; use one backend or another encoding")
                .with_peer("can not use NoOp encoding with more than one backends connected to the same endpoint"),
            );
        }
        let input_headers = self
            .strings(map, "input_headers", "`input_headers`")
            .into_iter()
            .map(|s| canonical_header(&s.value))
            .collect();
        let input_query_strings = self
            .strings(map, "input_query_strings", "`input_query_strings`")
            .into_iter()
            .map(|s| s.value)
            .collect();
        let extra_config = self.extra_config(map.get("extra_config"), Level::Endpoint);

        let parent = Parent {
            timeout: timeout.value,
            concurrent_calls,
            method: &method_text,
        };
        let mut backends = Vec::new();
        for (j, b) in backend_nodes.iter().enumerate() {
            self.at.push(format!("backend[{j}]"));
            backends.extend(self.backend(b, &parent));
            self.at.pop();
        }

        Some(Endpoint {
            span: node.span,
            path: Spanned::new(path, path_span),
            pattern,
            params,
            method,
            backends,
            concurrent_calls,
            timeout,
            cache_ttl,
            output_encoding,
            input_headers,
            input_query_strings,
            extra_config,
            other: other_keys(map, ENDPOINT_KEYS),
        })
    }

    /// Params a path declares (§4.1), warning about params glued to following text.
    fn params(&mut self, pattern: &UrlPattern, span: Span, raw: Option<&str>) -> Vec<String> {
        let declared: Vec<String> = pattern
            .endpoint_params(self.strict_params)
            .iter()
            .map(|v| v.name.clone())
            .collect();
        if self.strict_params {
            for (i, part) in pattern.parts.iter().enumerate() {
                let Part::Var(var) = part else { continue };
                if !declared.contains(&var.name) {
                    continue;
                }
                let glued = match pattern.parts.get(i + 1) {
                    Some(Part::Literal { text, .. }) => !text.starts_with('/'),
                    Some(Part::Var(_)) => true,
                    None => false,
                };
                if glued {
                    // The cleaned path may have gained a leading `/`; only point inside the
                    // string when offsets still line up.
                    let at = match raw {
                        Some(raw) if raw.starts_with('/') => {
                            inside_string(span, raw, var.span.clone())
                        }
                        _ => span,
                    };
                    self.push(
                        Diagnostic::warning(
                            &k::K019,
                            at,
                            format!(
                                "param `{{{}}}` is not a whole path segment: the router's param takes the text after it, so the backend gets the literal placeholder",
                                var.name
                            ),
                        )
                        .with_help("put the param between slashes, or set `disable_rest: true` at the service level"),
                    );
                }
            }
        }
        declared
    }

    fn backend(&mut self, node: &Node, parent: &Parent) -> Option<Backend> {
        let Some(map) = node.as_map() else {
            self.wrong_type(node, "a backend", "an object");
            return None;
        };
        self.unknown_keys(map, Object::Backend);
        let url_pattern = match self.string(map, "url_pattern", "`url_pattern`") {
            Some(u) => u,
            None => {
                if !map.contains_key("url_pattern") {
                    // lura cleans the empty pattern to "/" and runs; only the schema requires it.
                    let failing = self.targets.clone();
                    if !failing.is_empty() {
                        self.push(
                            Diagnostic::warning(&k::K018, node.span, "the backend has no `url_pattern`: KrakenD calls `/` on its host")
                                .with_help(format!(
                                    "add the path to call, e.g. `\"url_pattern\": \"/users/{{id}}\"` (a pubsub or AMQP backend does not use it, but `krakend check --lint` wants it: {})",
                                    schema::describe_versions(&failing)
                                )),
                        );
                    }
                }
                Spanned::new(String::new(), node.span)
            }
        };
        let pattern = UrlPattern::parse(&url_pattern.value);
        let disable_host_sanitize =
            self.boolean(map, "disable_host_sanitize", "`disable_host_sanitize`");
        let hosts = self.hosts(map, disable_host_sanitize);
        if let Some(m) = map.get("method") {
            self.check_enum(m, Enum::BackendMethod, "method");
        }
        if let Some(e) = map.get("encoding") {
            self.check_enum(e, Enum::BackendEncoding, "encoding");
        }
        let method = self.string(map, "method", "`method`").map_or_else(
            || parent.method.to_string(),
            |m| m.value.to_ascii_uppercase(),
        );
        let encoding = self
            .string(map, "encoding", "`encoding`")
            .map_or_else(|| "json".to_string(), |e| e.value);
        let group = self.string(map, "group", "`group`").map(|s| s.value);
        let target = self.string(map, "target", "`target`").map(|s| s.value);
        let allow = self
            .strings(map, "allow", "`allow`")
            .into_iter()
            .map(|s| s.value)
            .collect();
        let deny = self
            .strings(map, "deny", "`deny`")
            .into_iter()
            .map(|s| s.value)
            .collect();
        let mapping = match map.get("mapping") {
            Some(n) => match n.as_map() {
                Some(m) => m
                    .iter()
                    .filter_map(|(k, v)| Some((k.key_text()?, v.scalar_text()?)))
                    .collect(),
                None => {
                    if !n.is_null() {
                        self.wrong_type(n, "`mapping`", "an object");
                    }
                    Vec::new()
                }
            },
            None => Vec::new(),
        };
        let is_collection = self.boolean(map, "is_collection", "`is_collection`");
        let extra_config = self.extra_config(map.get("extra_config"), Level::Backend);
        let workflow = map
            .get("extra_config")
            .and_then(Node::as_map)
            .and_then(|e| e.get("workflow"))
            .and_then(|w| {
                // A workflow is KrakenD Enterprise's (closed source): read like a component.
                let outer = std::mem::replace(&mut self.component, true);
                let workflow = self.workflow(w, parent);
                self.component = outer;
                workflow
            })
            .map(Box::new);
        Some(Backend {
            span: node.span,
            url_pattern,
            pattern,
            hosts,
            method,
            encoding,
            group,
            target,
            allow,
            deny,
            mapping,
            is_collection,
            disable_host_sanitize,
            timeout: parent.timeout,
            concurrent_calls: parent.concurrent_calls,
            extra_config,
            workflow,
            other: other_keys(map, BACKEND_KEYS),
        })
    }

    fn workflow(&mut self, node: &Node, parent: &Parent) -> Option<Workflow> {
        let Some(map) = node.as_map() else {
            self.wrong_type(node, "`workflow`", "an object");
            return None;
        };
        self.unknown_keys(map, Object::Workflow);
        let endpoint = match self.string(map, "endpoint", "the workflow `endpoint`") {
            Some(e) => e,
            None => {
                let failing = self.targets.clone();
                self.lint(
                    &k::K032,
                    node.span,
                    &failing,
                    "the workflow has no `endpoint`".to_string(),
                );
                Spanned::new(String::new(), node.span)
            }
        };
        let pattern = UrlPattern::parse(&endpoint.value);
        let params = self.params(&pattern, endpoint.span, Some(&endpoint.value));
        let backend_nodes = map.get("backend").and_then(Node::as_seq).unwrap_or(&[]);
        if backend_nodes.is_empty() {
            self.push(
                Diagnostic::error(
                    &k::K005,
                    map.get("backend").map_or(node.span, |b| b.span),
                    format!("the workflow '{}' has 0 backends defined", endpoint.value),
                )
                .with_help("KrakenD Enterprise runs a workflow's backends like an endpoint's: it needs at least one"),
            );
        }
        let ignore_errors = self.boolean(map, "ignore_errors", "`ignore_errors`");
        let concurrent_calls = self.concurrent_calls(map);
        let timeout_explicit = map.contains_key("timeout");
        let timeout = self.duration(map, "timeout", Spanned::new(parent.timeout, node.span));
        if let Some(enc) = map.get("output_encoding") {
            self.check_enum(enc, Enum::EndpointOutputEncoding, "output_encoding");
        }
        let output_encoding = self
            .string(map, "output_encoding", "`output_encoding`")
            .map_or_else(|| "json".to_string(), |s| s.value);
        let extra_config = self.extra_config(map.get("extra_config"), Level::Workflow);
        let nested = Parent {
            timeout: timeout.value,
            concurrent_calls,
            method: parent.method,
        };
        let backends = backend_nodes
            .iter()
            .filter_map(|b| self.backend(b, &nested))
            .collect();
        Some(Workflow {
            span: node.span,
            endpoint,
            pattern,
            params,
            backends,
            ignore_errors,
            concurrent_calls,
            timeout,
            timeout_explicit,
            output_encoding,
            extra_config,
        })
    }

    /// An `extra_config` object: lura keeps it as raw data and each component reads its own
    /// namespace, so values inside are read in component mode (see [`Reader::wrong_type`]).
    fn extra_config(&mut self, node: Option<&Node>, level: Level) -> ExtraConfig {
        let Some(node) = node else {
            return ExtraConfig::default();
        };
        let Some(map) = node.as_map() else {
            if !node.is_null() {
                self.wrong_type(node, "`extra_config`", "an object");
            }
            return ExtraConfig::default();
        };
        let outer = std::mem::replace(&mut self.component, true);
        let extra = self.extra_config_entries(map, level);
        self.component = outer;
        extra
    }

    fn extra_config_entries(&mut self, map: &Mapping, level: Level) -> ExtraConfig {
        let mut extra = ExtraConfig::default();
        for (key, value) in map.iter() {
            let Some(name) = key.key_text() else { continue };
            extra
                .raw
                .push((Spanned::new(name.clone(), key.span), value.clone()));
            if schema::is_free_key(&name) {
                continue;
            }
            let failing = schema::failing(&self.targets, |v| level.namespaces(v).contains(&&*name));
            if !failing.is_empty() {
                self.unknown_namespace(key.span, &name, level, &failing);
            }
            match name.as_str() {
                "proxy" => extra.proxy = self.proxy(value, level),
                "validation/cel" => extra.cel = self.cel(value),
                "security/policies" => extra.policies = self.policies(value),
                "backend/http" => extra.backend_http = self.backend_http(value),
                "qos/circuit-breaker" => extra.circuit_breaker = self.circuit_breaker(value),
                "auth/validator" => extra.jwt_validator = true,
                _ => {}
            }
        }
        extra
    }

    /// K031: `name` is not a namespace of `level` in the `failing` schema versions.
    fn unknown_namespace(
        &mut self,
        span: Span,
        name: &str,
        level: Level,
        failing: &[SchemaVersion],
    ) {
        let newest = *SchemaVersion::ALL.last().expect("a shipped schema");
        let message = if schema::is_legacy_namespace(name) {
            format!(
                "`{name}` is a legacy namespace name: KrakenD maps it at runtime, the schema does not know it"
            )
        } else if level.namespaces(newest).contains(&name) {
            format!(
                "`{name}` is not {} {} extra_config namespace in {}, the version the `$schema` pins: KrakenD added it later",
                schema::article(level.describe()),
                level.describe(),
                schema::describe_versions(failing)
            )
        } else {
            format!(
                "`{name}` is not {} {} extra_config namespace",
                schema::article(level.describe()),
                level.describe()
            )
        };
        self.lint(&k::K031, span, failing, message);
    }

    fn proxy(&mut self, node: &Node, level: Level) -> Proxy {
        let mut proxy = Proxy::default();
        let Some(map) = node.as_map() else {
            self.wrong_type(node, "`proxy`", "an object");
            return proxy;
        };
        let object = match level {
            Level::Backend => Object::BackendProxy,
            Level::Workflow => Object::WorkflowProxy,
            Level::Endpoint | Level::Service => Object::EndpointProxy,
        };
        self.unknown_keys(map, object);
        proxy.sequential = self.boolean(map, "sequential", "`sequential`");
        proxy.sequential_span = map.get("sequential").map(|n| n.span);
        proxy.propagated_params = self.strings(
            map,
            "sequential_propagated_params",
            "`sequential_propagated_params`",
        );
        if let Some(stat) = map.get("static") {
            match stat.as_map() {
                Some(s) => {
                    for key in ["data", "strategy"] {
                        if !s.contains_key(key) {
                            let failing = self.targets.clone();
                            self.lint(
                                &k::K032,
                                stat.span,
                                &failing,
                                format!("the static proxy has no `{key}`"),
                            );
                        }
                    }
                    proxy.static_strategy =
                        self.string(s, "strategy", "`strategy`").map(|s| s.value);
                }
                None => self.wrong_type(stat, "`static`", "an object"),
            }
        }
        proxy
    }

    fn expression(
        &mut self,
        source: &Node,
        what: &str,
    ) -> Option<(Spanned<String>, Option<expr::Expr>)> {
        let Some(text) = source.as_str() else {
            self.wrong_type(source, what, "an expression string");
            return None;
        };
        let spanned = Spanned::new(text.to_string(), source.span);
        match expr::parse(text) {
            Ok(parsed) => {
                if let Some(extension) = expr::non_cel_literals(&parsed).first() {
                    self.push(
                        Diagnostic::error(
                            &k::K013,
                            inside_string(source.span, text, extension.clone()),
                            format!("{what}: CEL has no duration or percentage literals"),
                        )
                        .with_help("write `duration('30s')` or a plain number"),
                    );
                    return Some((spanned, None));
                }
                Some((spanned, Some(parsed)))
            }
            Err(error) => {
                self.push(
                    Diagnostic::error(
                        &k::K013,
                        inside_string(source.span, text, error.range.clone()),
                        format!("{what} does not parse: {}", error.message),
                    )
                    .with_help("KrakenD only finds out when the endpoint is built or the first request arrives"),
                );
                Some((spanned, None))
            }
        }
    }

    fn cel(&mut self, node: &Node) -> Vec<CelCheck> {
        let Some(items) = node.as_seq() else {
            self.wrong_type(node, "`validation/cel`", "a list of checks");
            return Vec::new();
        };
        let mut checks = Vec::new();
        for item in items {
            let Some(map) = item.as_map() else {
                self.wrong_type(item, "a CEL check", "an object");
                continue;
            };
            match map.get("check_expr") {
                Some(source) => {
                    if let Some((source, expr)) = self.expression(source, "CEL check_expr") {
                        checks.push(CelCheck { source, expr });
                    }
                }
                None => {
                    let failing = self.targets.clone();
                    self.lint(
                        &k::K032,
                        item.span,
                        &failing,
                        "the CEL check has no `check_expr`".to_string(),
                    );
                }
            }
        }
        checks
    }

    fn policies(&mut self, node: &Node) -> Vec<Policy> {
        let Some(map) = node.as_map() else {
            self.wrong_type(node, "`security/policies`", "an object");
            return Vec::new();
        };
        let mut policies = Vec::new();
        for phase in ["req", "resp", "jwt"] {
            let Some(list) = map
                .get(phase)
                .and_then(Node::as_map)
                .and_then(|p| p.get("policies"))
            else {
                continue;
            };
            let Some(items) = list.as_seq() else {
                self.wrong_type(list, "`policies`", "a list of expressions");
                continue;
            };
            for item in items {
                if let Some((source, expr)) = self.expression(item, "policy") {
                    policies.push(Policy {
                        phase: phase.to_string(),
                        source,
                        expr,
                    });
                }
            }
        }
        policies
    }

    fn backend_http(&mut self, node: &Node) -> Option<BackendHttp> {
        let Some(map) = node.as_map() else {
            self.wrong_type(node, "`backend/http`", "an object");
            return None;
        };
        Some(BackendHttp {
            return_error_details: self
                .string(map, "return_error_details", "`return_error_details`")
                .map(|s| s.value),
            return_error_code: self.boolean(map, "return_error_code", "`return_error_code`"),
        })
    }

    fn circuit_breaker(&mut self, node: &Node) -> Option<CircuitBreaker> {
        let Some(map) = node.as_map() else {
            self.wrong_type(node, "`qos/circuit-breaker`", "an object");
            return None;
        };
        let mut breaker = CircuitBreaker::default();
        for (key, slot) in [
            ("interval", &mut breaker.interval),
            ("timeout", &mut breaker.timeout),
            ("max_errors", &mut breaker.max_errors),
        ] {
            match map.get(key) {
                Some(v) => match v.as_i64() {
                    Some(n) => *slot = n,
                    None => {
                        let failing = self.targets.clone();
                        self.lint(
                            &k::K032,
                            v.span,
                            &failing,
                            format!("circuit breaker `{key}` must be an integer"),
                        );
                    }
                },
                None => {
                    let failing = self.targets.clone();
                    self.lint(
                        &k::K032,
                        node.span,
                        &failing,
                        format!("the circuit breaker has no `{key}`"),
                    );
                }
            }
        }
        Some(breaker)
    }
}

/// The service keys the IR types; [`Config::other`] keeps the rest as written.
const SERVICE_KEYS: &[&str] = &[
    "version",
    "name",
    "port",
    "listen_ip",
    "host",
    "timeout",
    "cache_ttl",
    "output_encoding",
    "disable_rest",
    "debug_endpoint",
    "echo_endpoint",
    "endpoints",
    "extra_config",
];
/// The endpoint keys the IR types.
const ENDPOINT_KEYS: &[&str] = &[
    "endpoint",
    "method",
    "backend",
    "concurrent_calls",
    "timeout",
    "cache_ttl",
    "output_encoding",
    "input_headers",
    "input_query_strings",
    "extra_config",
];
/// The backend keys the IR types.
const BACKEND_KEYS: &[&str] = &[
    "url_pattern",
    "host",
    "method",
    "encoding",
    "group",
    "target",
    "allow",
    "deny",
    "mapping",
    "is_collection",
    "disable_host_sanitize",
    "extra_config",
];

/// The entries of `map` whose key is not one of `typed`, as written.
fn other_keys(map: &Mapping, typed: &[&str]) -> Vec<(Spanned<String>, Node)> {
    map.iter()
        .filter_map(|(key, value)| {
            let name = key.key_text()?;
            (!typed.contains(&name.as_str())).then(|| (Spanned::new(name, key.span), value.clone()))
        })
        .collect()
}

/// Go's `textproto.CanonicalMIMEHeaderKey`, which lura applies to `input_headers`
/// (`x-user-id` → `X-User-Id`). Names with characters a header token cannot hold, and `*`, are
/// kept as written, as Go does.
pub fn canonical_header(name: &str) -> String {
    let is_token = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
    if name == "*" || !name.bytes().all(is_token) {
        return name.to_string();
    }
    let mut upper = true;
    name.chars()
        .map(|c| {
            let out = if upper {
                c.to_ascii_uppercase()
            } else {
                c.to_ascii_lowercase()
            };
            upper = c == '-';
            out
        })
        .collect()
}

/// The JSON type name Go's encoding/json prints in an UnmarshalTypeError.
fn json_type_name(node: &Node) -> &'static str {
    match node.value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Int(_) | Value::Float(..) => "number",
        Value::Str(_) => "string",
        Value::Seq(_) => "array",
        Value::Map(_) => "object",
    }
}

/// lura's `CleanPath`: exactly one leading `/`.
pub fn clean_path(path: &str) -> String {
    format!("/{}", path.strip_prefix('/').unwrap_or(path))
}

/// lura's `invalidPattern` `^[^/]|\*.|/__(debug|echo|health)(/.*)?$`, with the reason.
fn invalid_path_reason(path: &str) -> Option<&'static str> {
    if !path.starts_with('/') {
        return Some("the path must start with `/`");
    }
    if let Some(star) = path.find('*') {
        if star + 1 < path.len() {
            return Some("a `*` may only be the last character");
        }
    }
    for reserved in ["/__debug", "/__echo", "/__health"] {
        for (at, _) in path.match_indices(reserved) {
            let rest = &path[at + reserved.len()..];
            if rest.is_empty() || rest.starts_with('/') {
                return Some("`/__debug`, `/__echo` and `/__health` are reserved by KrakenD");
            }
        }
    }
    None
}

/// Go's `time.ParseDuration` in nanoseconds (negative durations count as 0).
pub fn go_duration(text: &str) -> Option<u64> {
    let (negative, unsigned) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if unsigned == "0" {
        return Some(0);
    }
    let nanos = expr::parse_duration(unsigned).filter(|_| !unsigned.is_empty())?;
    Some(if negative { 0 } else { nanos })
}

/// A span inside a string scalar for a byte range of its decoded value. When escapes make the
/// written form differ from the value, the whole scalar is the best we can point at.
fn inside_string(span: Span, value: &str, range: std::ops::Range<usize>) -> Span {
    let offset = if span.len() == value.len() {
        0
    } else if span.len() == value.len() + 2 {
        1
    } else {
        return span;
    };
    span.sub(range.start + offset..range.end + offset)
}

#[cfg(test)]
mod tests;
