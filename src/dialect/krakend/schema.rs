//! What the official KrakenD schema accepts, per version, for the lint warnings (K030–K032):
//! rehearse says when a config would fail `krakend check --lint` without running it.

use super::schema_tables as t;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum SchemaVersion {
    V2_7,
    V2_13,
}

impl SchemaVersion {
    pub const ALL: [SchemaVersion; 2] = [SchemaVersion::V2_7, SchemaVersion::V2_13];

    pub fn as_str(self) -> &'static str {
        match self {
            SchemaVersion::V2_7 => "v2.7",
            SchemaVersion::V2_13 => "v2.13",
        }
    }
}

/// The schema version a config is linted against. A `$schema` that pins a version picks the
/// newest shipped one not newer than it: `v2.0`–`v2.7` and the old `v3.json` alias (= v2.4)
/// lint against v2.7, `v2.8` and later against v2.13. No `$schema`, or the moving
/// `krakend.json` alias, lints against the newest shipped schema: a config that uses a
/// namespace KrakenD added recently (`ai/mcp`) is not warned about unless it pins an older
/// version that lacks it.
pub fn targets(schema_url: Option<&str>) -> Vec<SchemaVersion> {
    let url = schema_url.unwrap_or("");
    if url.ends_with("/v3.json") {
        return vec![SchemaVersion::V2_7];
    }
    if let Some(at) = url.find("/v2.") {
        let minor: String = url[at + 4..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        if let Ok(minor) = minor.parse::<u32>() {
            return vec![if minor <= 7 {
                SchemaVersion::V2_7
            } else {
                SchemaVersion::V2_13
            }];
        }
    }
    vec![SchemaVersion::V2_13]
}

/// `a` or `an` before a word, for messages ("an endpoint key").
pub fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'u', 'A', 'E', 'I', 'O', 'U']) {
        "an"
    } else {
        "a"
    }
}

/// Objects whose keys the schema closes (`additionalProperties: false`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Object {
    Root,
    Endpoint,
    Backend,
    Workflow,
    EndpointProxy,
    BackendProxy,
    WorkflowProxy,
    AsyncAgent,
}

impl Object {
    pub fn describe(self) -> &'static str {
        match self {
            Object::Root => "service",
            Object::Endpoint => "endpoint",
            Object::Backend => "backend",
            Object::Workflow => "workflow",
            Object::EndpointProxy | Object::BackendProxy | Object::WorkflowProxy => "`proxy`",
            Object::AsyncAgent => "async agent",
        }
    }

    pub fn keys(self, version: SchemaVersion) -> &'static [&'static str] {
        use SchemaVersion::*;
        match (self, version) {
            (Object::Root, V2_7) => t::ROOT_KEYS_V2_7,
            (Object::Root, V2_13) => t::ROOT_KEYS_V2_13,
            (Object::Endpoint, V2_7) => t::ENDPOINT_KEYS_V2_7,
            (Object::Endpoint, V2_13) => t::ENDPOINT_KEYS_V2_13,
            (Object::Backend, V2_7) => t::BACKEND_KEYS_V2_7,
            (Object::Backend, V2_13) => t::BACKEND_KEYS_V2_13,
            (Object::Workflow, V2_7) => t::WORKFLOW_KEYS_V2_7,
            (Object::Workflow, V2_13) => t::WORKFLOW_KEYS_V2_13,
            (Object::EndpointProxy, V2_7) => t::ENDPOINT_PROXY_KEYS_V2_7,
            (Object::EndpointProxy, V2_13) => t::ENDPOINT_PROXY_KEYS_V2_13,
            (Object::BackendProxy, V2_7) => t::BACKEND_PROXY_KEYS_V2_7,
            (Object::BackendProxy, V2_13) => t::BACKEND_PROXY_KEYS_V2_13,
            (Object::WorkflowProxy, V2_7) => t::WORKFLOW_PROXY_KEYS_V2_7,
            (Object::WorkflowProxy, V2_13) => t::WORKFLOW_PROXY_KEYS_V2_13,
            (Object::AsyncAgent, _) => &[
                "backend",
                "connection",
                "consumer",
                "encoding",
                "extra_config",
                "name",
            ],
        }
    }
}

/// Where an `extra_config` sits: each level has its own namespace list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Service,
    Endpoint,
    Backend,
    Workflow,
}

impl Level {
    pub fn describe(self) -> &'static str {
        match self {
            Level::Service => "service",
            Level::Endpoint => "endpoint",
            Level::Backend => "backend",
            Level::Workflow => "workflow",
        }
    }

    pub fn namespaces(self, version: SchemaVersion) -> &'static [&'static str] {
        use SchemaVersion::*;
        match (self, version) {
            (Level::Service, V2_7) => t::SERVICE_NAMESPACES_V2_7,
            (Level::Service, V2_13) => t::SERVICE_NAMESPACES_V2_13,
            (Level::Endpoint, V2_7) => t::ENDPOINT_NAMESPACES_V2_7,
            (Level::Endpoint, V2_13) => t::ENDPOINT_NAMESPACES_V2_13,
            (Level::Backend, V2_7) => t::BACKEND_NAMESPACES_V2_7,
            (Level::Backend, V2_13) => t::BACKEND_NAMESPACES_V2_13,
            (Level::Workflow, V2_7) => t::WORKFLOW_NAMESPACES_V2_7,
            (Level::Workflow, V2_13) => t::WORKFLOW_NAMESPACES_V2_13,
        }
    }
}

/// Enumerations the schema closes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Enum {
    EndpointMethod,
    BackendMethod,
    RootOutputEncoding,
    EndpointOutputEncoding,
    BackendEncoding,
}

impl Enum {
    pub fn values(self, version: SchemaVersion) -> &'static [&'static str] {
        use SchemaVersion::*;
        match (self, version) {
            (Enum::EndpointMethod, _) => &["GET", "POST", "PUT", "PATCH", "DELETE"],
            (Enum::BackendMethod, V2_7) => t::BACKEND_METHODS_V2_7,
            (Enum::BackendMethod, V2_13) => t::BACKEND_METHODS_V2_13,
            (Enum::RootOutputEncoding, V2_7) => t::ROOT_OUTPUT_ENCODINGS_V2_7,
            (Enum::RootOutputEncoding, V2_13) => t::ROOT_OUTPUT_ENCODINGS_V2_13,
            (Enum::EndpointOutputEncoding, V2_7) => t::ENDPOINT_OUTPUT_ENCODINGS_V2_7,
            (Enum::EndpointOutputEncoding, V2_13) => t::ENDPOINT_OUTPUT_ENCODINGS_V2_13,
            (Enum::BackendEncoding, V2_7) => t::BACKEND_ENCODINGS_V2_7,
            (Enum::BackendEncoding, V2_13) => t::BACKEND_ENCODINGS_V2_13,
        }
    }
}

/// Keys starting with `@ $ _ #` are allowed on every object (`@comment`, `$schema`).
pub fn is_free_key(key: &str) -> bool {
    key.starts_with(['@', '$', '_', '#'])
}

/// A legacy namespace name (`github_com/devopsfaith/...`, `github.com/...`): KrakenD CE still
/// maps many of them at runtime, the schema does not know them.
pub fn is_legacy_namespace(key: &str) -> bool {
    key.starts_with("github_com/") || key.starts_with("github.com/")
}

/// The schema's duration pattern `^[0-9]+(ns|ms|us|µs|s|m|h)$`: an integer and one unit.
pub fn is_schema_duration(text: &str) -> bool {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    digits > 0 && ["ns", "ms", "us", "µs", "s", "m", "h"].contains(&&text[digits..])
}

/// The schema's endpoint pattern `^\/[^\*\?\&\%]*(\/\*)?$`.
pub fn is_schema_endpoint(text: &str) -> bool {
    let body = text.strip_suffix("/*").unwrap_or(text);
    body.starts_with('/') && !body.contains(['*', '?', '&', '%'])
}

/// The versions among `targets` for which `accepts` is false.
pub fn failing(
    targets: &[SchemaVersion],
    accepts: impl Fn(SchemaVersion) -> bool,
) -> Vec<SchemaVersion> {
    targets.iter().copied().filter(|v| !accepts(*v)).collect()
}

/// "schema v2.7" / "schemas v2.7 and v2.13", for messages.
pub fn describe_versions(versions: &[SchemaVersion]) -> String {
    let names: Vec<&str> = versions.iter().map(|v| v.as_str()).collect();
    match names.as_slice() {
        [one] => format!("schema {one}"),
        _ => format!("schemas {}", names.join(" and ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_patterns() {
        assert!(is_schema_duration("3s"));
        assert!(is_schema_duration("250µs"));
        assert!(!is_schema_duration("1m30s"));
        assert!(!is_schema_duration("1.5s"));
        assert!(!is_schema_duration("0"));
        assert!(is_schema_endpoint("/a/{b}"));
        assert!(is_schema_endpoint("/a/*"));
        assert!(!is_schema_endpoint("/*"));
        assert!(!is_schema_endpoint("a"));
        assert!(!is_schema_endpoint("/a?b"));
    }

    #[test]
    fn schema_url_selects_versions() {
        assert_eq!(
            targets(Some("https://www.krakend.io/schema/v2.7/krakend.json")),
            vec![SchemaVersion::V2_7]
        );
        assert_eq!(
            targets(Some("https://www.krakend.io/schema/v2.4/krakend.json")),
            vec![SchemaVersion::V2_7]
        );
        assert_eq!(
            targets(Some("https://www.krakend.io/schema/v3.json")),
            vec![SchemaVersion::V2_7]
        );
        assert_eq!(
            targets(Some("https://www.krakend.io/schema/v2.9/krakend.json")),
            vec![SchemaVersion::V2_13]
        );
        assert_eq!(
            targets(Some("https://www.krakend.io/schema/krakend.json")),
            vec![SchemaVersion::V2_13]
        );
        assert_eq!(targets(None), vec![SchemaVersion::V2_13]);
    }

    #[test]
    fn namespace_lists_differ_between_versions() {
        assert!(!Level::Service
            .namespaces(SchemaVersion::V2_7)
            .contains(&"ai/mcp"));
        assert!(Level::Service
            .namespaces(SchemaVersion::V2_13)
            .contains(&"ai/mcp"));
        assert!(!Object::EndpointProxy
            .keys(SchemaVersion::V2_7)
            .contains(&"sequential_propagated_params"));
    }
}
