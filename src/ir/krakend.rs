//! KrakenD IR: a service config with its endpoints, backends and nested workflows, with the
//! defaults lura applies already filled in (reference/krakend/SPEC.md §1–§3, §8).
//!
//! Durations are nanoseconds. Namespaces rehearse uses are typed (`proxy`, `validation/cel`,
//! `security/policies`, `backend/http`, `qos/circuit-breaker`, `auth/validator` presence);
//! every other namespace is kept as its spanned node.

use crate::source::{FileId, Span};
use crate::syntax::expr::Expr;
use crate::syntax::url_pattern::UrlPattern;
use crate::syntax::Node;

/// lura's `DefaultTimeout`.
pub const DEFAULT_TIMEOUT_NS: u64 = 2_000_000_000;

/// Defaulted fields carry the whole config's span.
pub use crate::ir::Spanned;

#[derive(Clone, Debug)]
pub struct Config {
    pub file: FileId,
    pub span: Span,
    pub version: i64,
    pub name: Option<String>,
    pub port: i64,
    /// Where `port` is written (the whole config when it is not).
    pub port_span: Span,
    pub listen_ip: Option<Spanned<String>>,
    /// Cleaned default hosts (`http://` added, path dropped).
    pub hosts: Vec<Spanned<String>>,
    pub timeout: Spanned<u64>,
    pub cache_ttl: Spanned<u64>,
    pub output_encoding: Option<Spanned<String>>,
    /// `disable_rest`: endpoint params may appear anywhere in a path.
    pub disable_rest: bool,
    pub debug_endpoint: bool,
    pub echo_endpoint: bool,
    pub endpoints: Vec<Endpoint>,
    pub extra_config: ExtraConfig,
    /// Every other key as written, in source order (`$schema`, `@comment`, `tls`, `plugin`,
    /// `async_agent`, the server timeouts, ...): kept so an emitted config says all it said.
    pub other: Vec<(Spanned<String>, Node)>,
}

#[derive(Clone, Debug)]
pub struct Endpoint {
    pub span: Span,
    /// The cleaned path (`/` added in front).
    pub path: Spanned<String>,
    pub pattern: UrlPattern,
    /// Params the path declares, in order (lura's extraction rules, §4.1).
    pub params: Vec<String>,
    /// Upper-cased; `GET` when absent.
    pub method: Spanned<String>,
    pub backends: Vec<Backend>,
    pub concurrent_calls: u32,
    pub timeout: Spanned<u64>,
    pub cache_ttl: Spanned<u64>,
    pub output_encoding: String,
    pub input_headers: Vec<String>,
    pub input_query_strings: Vec<String>,
    pub extra_config: ExtraConfig,
    /// Every other key as written, in source order (see [`Config::other`]).
    pub other: Vec<(Spanned<String>, Node)>,
}

#[derive(Clone, Debug)]
pub struct Backend {
    pub span: Span,
    pub url_pattern: Spanned<String>,
    pub pattern: UrlPattern,
    pub hosts: Vec<Spanned<String>>,
    pub method: String,
    pub encoding: String,
    pub group: Option<String>,
    pub target: Option<String>,
    pub allow: Vec<String>,
    pub deny: Vec<String>,
    pub mapping: Vec<(String, String)>,
    pub is_collection: bool,
    pub disable_host_sanitize: bool,
    /// Copied from the endpoint (or workflow), as lura does.
    pub timeout: u64,
    pub concurrent_calls: u32,
    pub extra_config: ExtraConfig,
    pub workflow: Option<Box<Workflow>>,
    /// Every other key as written, in source order (see [`Config::other`]).
    pub other: Vec<(Spanned<String>, Node)>,
}

/// A nested endpoint under `backend.extra_config.workflow` (KrakenD Enterprise).
#[derive(Clone, Debug)]
pub struct Workflow {
    pub span: Span,
    pub endpoint: Spanned<String>,
    pub pattern: UrlPattern,
    pub params: Vec<String>,
    pub backends: Vec<Backend>,
    pub ignore_errors: bool,
    pub concurrent_calls: u32,
    /// Inherited from the parent when absent (`span` then points at the workflow).
    pub timeout: Spanned<u64>,
    /// Whether `timeout` was written on the workflow itself.
    pub timeout_explicit: bool,
    pub output_encoding: String,
    pub extra_config: ExtraConfig,
}

/// An `extra_config` object: typed where rehearse uses it, raw nodes for the rest.
#[derive(Clone, Debug, Default)]
pub struct ExtraConfig {
    pub proxy: Proxy,
    pub cel: Vec<CelCheck>,
    pub policies: Vec<Policy>,
    pub backend_http: Option<BackendHttp>,
    pub circuit_breaker: Option<CircuitBreaker>,
    /// `auth/validator` is present (JWT validation).
    pub jwt_validator: bool,
    /// Every namespace as written, typed ones included.
    pub raw: Vec<(Spanned<String>, Node)>,
}

#[derive(Clone, Debug, Default)]
pub struct Proxy {
    pub sequential: bool,
    pub sequential_span: Option<Span>,
    pub propagated_params: Vec<Spanned<String>>,
    pub static_strategy: Option<String>,
}

/// One `validation/cel` entry.
#[derive(Clone, Debug)]
pub struct CelCheck {
    pub source: Spanned<String>,
    /// `None` when the expression did not parse (a K013 was reported).
    pub expr: Option<Expr>,
}

/// One `security/policies` expression, with the phase it runs in.
#[derive(Clone, Debug)]
pub struct Policy {
    /// `req`, `resp` or `jwt`.
    pub phase: String,
    pub source: Spanned<String>,
    pub expr: Option<Expr>,
}

#[derive(Clone, Debug, Default)]
pub struct BackendHttp {
    pub return_error_details: Option<String>,
    pub return_error_code: bool,
}

#[derive(Clone, Debug, Default)]
pub struct CircuitBreaker {
    /// Seconds.
    pub interval: i64,
    /// Seconds the circuit stays open.
    pub timeout: i64,
    pub max_errors: i64,
}
