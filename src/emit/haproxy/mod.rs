//! Vamp gateways → `haproxy.cfg` in Vamp's layout (reference/vamp/CANARY.md §3, vamp 0.9.2
//! `HaProxyGatewayMarshaller.scala` and `template.twig`): per gateway a frontend on its port,
//! the `o_` frontend and backend holding the route weights, an `im_` backend per conditional
//! route for its condition strength, a frontend and backend per route with one server per
//! instance, sticky cookies, ACLs from the conditions' DNF, rewrites, custom balance and a
//! shared `virtual_hosts` frontend. Names are Vamp's SHA-1 lookups, so a config emitted here
//! names its objects as Vamp would.
//!
//! The input is a list of [`GatewayInput`]s (built from the IR and the runtime model by
//! `emit::gateways`); [`render`] validates what HAProxy would refuse (E-codes) and writes
//! the text.

pub mod acl;
pub mod fetches;
mod render;

use crate::diag::codes::e;
use crate::diag::Diagnostic;
use crate::emit::sha1::vamp_hex;
use crate::ir::vamp::{Protocol, Sticky};
use crate::ir::Spanned;
use crate::source::Span;
use crate::syntax::condition::Condition;

pub use render::render_model;

/// Where the generated configuration expects things, as Vamp's `HaProxyConfig`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    /// Folder of the unix sockets between frontends and backends.
    pub socket_path: String,
    /// The address of the HAProxy host itself: targets that are gateways, and the virtual
    /// hosts' backends, connect here.
    pub ip: String,
    /// Where the shared `virtual_hosts` frontend listens.
    pub virtual_hosts_ip: String,
    pub virtual_hosts_port: u32,
    /// Write `global` and `defaults` sections before Vamp's part (vamp-gateway-agent
    /// provides its own; a standalone file needs them).
    pub preamble: bool,
    pub version_comment: String,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            socket_path: "/usr/local/vamp".into(),
            ip: "127.0.0.1".into(),
            virtual_hosts_ip: "0.0.0.0".into(),
            virtual_hosts_port: 80,
            preamble: true,
            version_comment: "2.6".into(),
        }
    }
}

/// A gateway as the HAProxy emitter needs it: resolved, with its instances.
#[derive(Clone, Debug)]
pub struct GatewayInput {
    pub name: String,
    /// The gateway's definition (for diagnostics about it as a whole).
    pub span: Span,
    pub port: u32,
    pub port_span: Span,
    pub protocol: Protocol,
    pub sticky: Option<Sticky>,
    pub virtual_hosts: Vec<Spanned<String>>,
    pub routes: Vec<RouteInput>,
}

#[derive(Clone, Debug)]
pub struct RouteInput {
    /// The route path's segments (`deployment/cluster/service/port`, a gateway name, or one
    /// bracketed external address).
    pub path: Vec<String>,
    pub span: Span,
    /// HAProxy weight: the route's percentage.
    pub weight: u32,
    /// The condition (its AST and the span of its text).
    pub condition: Option<Spanned<Condition>>,
    pub condition_strength: u32,
    pub rewrites: Vec<RewriteInput>,
    pub balance: Option<Spanned<String>>,
    pub targets: Vec<TargetInput>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RewriteInput {
    pub path: String,
    pub condition: String,
    pub span: Span,
}

/// A server of a route: an instance (or another gateway) by name and address, or an
/// external address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TargetInput {
    Internal {
        name: String,
        host: String,
        port: u32,
        span: Span,
    },
    External {
        url: String,
        span: Span,
    },
}

/// The text and what HAProxy could not be given (errors: the text must not be written).
#[derive(Debug)]
pub struct Rendered {
    pub text: String,
    pub diagnostics: Vec<Diagnostic>,
}

// ---------------------------------------------------------------------------------------------
// The HAProxy model (Vamp's `HaProxy.scala`)

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Http,
    Tcp,
}

impl Mode {
    fn as_str(self) -> &'static str {
        match self {
            Mode::Http => "http",
            Mode::Tcp => "tcp",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Model {
    pub frontends: Vec<Frontend>,
    pub backends: Vec<Backend>,
    pub virtual_host_frontends: Vec<Frontend>,
    pub virtual_host_backends: Vec<Backend>,
    /// Whether a server needs DNS at run time (an external host name): a `resolvers`
    /// section is written and such servers start unresolved, so `haproxy -c` looks nothing up.
    pub needs_resolvers: bool,
}

#[derive(Clone, Debug)]
pub struct Frontend {
    pub name: String,
    pub lookup: String,
    pub bind: Option<(String, u32)>,
    pub mode: Mode,
    pub unix_sock: Option<String>,
    pub conditions: Vec<FrontendCondition>,
    /// (name, lookup)
    pub default_backend: (String, String),
}

#[derive(Clone, Debug)]
pub struct FrontendCondition {
    pub destination: (String, String),
    pub acls: acl::Acls,
}

#[derive(Clone, Debug)]
pub struct Backend {
    pub name: String,
    pub lookup: String,
    pub mode: Mode,
    pub balance: String,
    pub sticky: bool,
    pub rewrites: Vec<(String, String)>,
    pub proxy_servers: Vec<ProxyServer>,
    pub servers: Vec<Server>,
    /// The virtual hosts' backend: no mode/balance choice, a forwarded-port header.
    pub virtual_host: bool,
}

#[derive(Clone, Debug)]
pub struct ProxyServer {
    pub name: String,
    pub lookup: String,
    pub unix_sock: String,
    pub weight: u32,
}

#[derive(Clone, Debug)]
pub struct Server {
    pub name: String,
    pub lookup: String,
    pub url: String,
    pub weight: u32,
    /// `check inter <ms>` instead of HAProxy's default health-check interval.
    pub check_interval: Option<u32>,
    /// A host name, resolved at run time.
    pub resolve: bool,
}

// ---------------------------------------------------------------------------------------------
// Lookups (vamp 0.9.2 `Artifact.scala` `Lookup`, `Gateway.scala` `GatewayLookup`)

const GATEWAY_CLASS: &str = "class io.vamp.model.artifact.Gateway";
const INTERNAL_TARGET_CLASS: &str = "class io.vamp.model.artifact.InternalRouteTarget";
const EXTERNAL_TARGET_CLASS: &str = "class io.vamp.model.artifact.ExternalRouteTarget";

fn lookup(class: &str, name: &str) -> String {
    vamp_hex(&format!("{class}@{name}"), "v1")
}

/// `GatewayLookup.lookup(gateway)`.
pub fn gateway_lookup(gateway: &str) -> String {
    lookup(GATEWAY_CLASS, gateway)
}

/// `GatewayLookup.lookup(gateway, path)`: the gateway's name and the route path, each padded
/// with `*` to four segments (the gateway's name counts as one segment).
pub fn route_lookup(gateway: &str, path: &[String]) -> String {
    let mut parts: Vec<&str> = vec![gateway, "*", "*", "*"];
    parts.extend(path.iter().map(String::as_str));
    for _ in path.len()..4 {
        parts.push("*");
    }
    lookup(GATEWAY_CLASS, &parts.join("/"))
}

fn route_name(gateway: &str, path: &[String]) -> String {
    format!("{gateway}//{}", path.join("/"))
}

// ---------------------------------------------------------------------------------------------

/// Renders the gateways into one configuration, in the order given.
pub fn render(gateways: &[GatewayInput], settings: &Settings) -> Rendered {
    let mut diagnostics = Vec::new();
    validate(gateways, &mut diagnostics);
    let model = convert(gateways, settings, &mut diagnostics);
    Rendered {
        text: render_model(&model, settings),
        diagnostics,
    }
}

/// Vamp's `convert`: each gateway's frontends, backends and virtual hosts, concatenated.
pub fn convert(
    gateways: &[GatewayInput],
    settings: &Settings,
    diagnostics: &mut Vec<Diagnostic>,
) -> Model {
    let mut model = Model {
        frontends: Vec::new(),
        backends: Vec::new(),
        virtual_host_frontends: Vec::new(),
        virtual_host_backends: Vec::new(),
        needs_resolvers: false,
    };
    for gateway in gateways {
        let mode = match gateway.protocol {
            Protocol::Http => Mode::Http,
            Protocol::Tcp => Mode::Tcp,
        };
        let default_balance = match mode {
            Mode::Http => "roundrobin",
            Mode::Tcp => "leastconn",
        };
        let g_lookup = gateway_lookup(&gateway.name);
        let other = (format!("other {}", gateway.name), format!("o_{g_lookup}"));
        let socket = |id: &str| format!("{}/{id}.sock", settings.socket_path);
        let sticky_route = gateway.sticky.is_some();
        let sticky_instance = gateway.sticky == Some(Sticky::Instance);

        // Backends: other, intermediates, routes.
        let mut backends = vec![Backend {
            name: other.0.clone(),
            lookup: other.1.clone(),
            mode,
            balance: default_balance.into(),
            sticky: sticky_route,
            rewrites: Vec::new(),
            proxy_servers: gateway
                .routes
                .iter()
                .map(|r| {
                    let l = route_lookup(&gateway.name, &r.path);
                    ProxyServer {
                        name: route_name(&gateway.name, &r.path),
                        unix_sock: socket(&l),
                        lookup: l,
                        weight: r.weight,
                    }
                })
                .collect(),
            servers: Vec::new(),
            virtual_host: false,
        }];
        for route in gateway.routes.iter().filter(|r| r.condition.is_some()) {
            let l = route_lookup(&gateway.name, &route.path);
            let name = route_name(&gateway.name, &route.path);
            backends.push(Backend {
                name: format!("intermediate {name}"),
                lookup: format!("im_{l}"),
                mode,
                balance: default_balance.into(),
                sticky: sticky_route,
                rewrites: Vec::new(),
                proxy_servers: vec![
                    ProxyServer {
                        name,
                        unix_sock: socket(&l),
                        lookup: l,
                        weight: route.condition_strength,
                    },
                    ProxyServer {
                        name: other.0.clone(),
                        lookup: other.1.clone(),
                        unix_sock: socket(&other.1),
                        weight: 100u32.saturating_sub(route.condition_strength),
                    },
                ],
                servers: Vec::new(),
                virtual_host: false,
            });
        }
        for route in &gateway.routes {
            let servers = route
                .targets
                .iter()
                .map(|t| match t {
                    TargetInput::Internal {
                        name, host, port, ..
                    } => Server {
                        name: name.clone(),
                        lookup: lookup(INTERNAL_TARGET_CLASS, name),
                        url: format!("{host}:{port}"),
                        weight: 100,
                        check_interval: None,
                        resolve: false,
                    },
                    TargetInput::External { url, .. } => Server {
                        name: url.clone(),
                        lookup: lookup(EXTERNAL_TARGET_CLASS, url),
                        url: url.clone(),
                        weight: 100,
                        check_interval: None,
                        resolve: !is_ip_address(url),
                    },
                })
                .collect::<Vec<_>>();
            model.needs_resolvers |= servers.iter().any(|s| s.resolve);
            backends.push(Backend {
                name: route_name(&gateway.name, &route.path),
                lookup: route_lookup(&gateway.name, &route.path),
                mode,
                balance: route
                    .balance
                    .as_ref()
                    .map_or(default_balance.to_owned(), |b| b.value.clone()),
                sticky: sticky_instance,
                rewrites: route
                    .rewrites
                    .iter()
                    .map(|r| {
                        let braced = {
                            let t = r.condition.trim();
                            t.starts_with('{') && t.ends_with('}')
                        };
                        let condition = if braced {
                            r.condition.clone()
                        } else {
                            format!("{{ {} }}", r.condition)
                        };
                        (r.path.clone(), condition)
                    })
                    .collect(),
                proxy_servers: Vec::new(),
                servers,
                virtual_host: false,
            });
        }

        // Frontends: the gateway's, other, one per route.
        let mut conditions = Vec::new();
        for route in &gateway.routes {
            let Some(condition) = &route.condition else {
                continue;
            };
            match acl::resolve(&condition.value) {
                Ok(Some(acls)) => conditions.push(FrontendCondition {
                    destination: (
                        format!("intermediate {}", route_name(&gateway.name, &route.path)),
                        format!("im_{}", route_lookup(&gateway.name, &route.path)),
                    ),
                    acls,
                }),
                Ok(None) => {}
                Err(acl::AclProblem::TooComplex(message)) => diagnostics.push(Diagnostic::error(
                    &e::E006,
                    condition.span,
                    format!("HAProxy needs this condition as OR-of-ANDs: {message}"),
                )),
            }
        }
        model.frontends.push(Frontend {
            name: gateway.name.clone(),
            lookup: g_lookup.clone(),
            bind: Some(("0.0.0.0".into(), gateway.port)),
            mode,
            unix_sock: None,
            conditions,
            default_backend: other.clone(),
        });
        model.frontends.push(Frontend {
            name: other.0.clone(),
            lookup: other.1.clone(),
            bind: None,
            mode,
            unix_sock: Some(socket(&other.1)),
            conditions: Vec::new(),
            default_backend: other.clone(),
        });
        for route in &gateway.routes {
            let l = route_lookup(&gateway.name, &route.path);
            let name = route_name(&gateway.name, &route.path);
            model.frontends.push(Frontend {
                name: name.clone(),
                unix_sock: Some(socket(&l)),
                lookup: l.clone(),
                bind: None,
                mode,
                conditions: Vec::new(),
                default_backend: (name, l),
            });
        }
        model.backends.extend(backends);

        // Virtual hosts: one shared frontend, a backend per gateway back to its port.
        if !gateway.virtual_hosts.is_empty() {
            let destination = (gateway.name.clone(), g_lookup.clone());
            for host in &gateway.virtual_hosts {
                let acl = acl::Acl::new(format!("hdr(host) -i {}", host.value));
                model.virtual_host_frontends.push(Frontend {
                    name: gateway.name.clone(),
                    lookup: g_lookup.clone(),
                    bind: None,
                    mode,
                    unix_sock: None,
                    conditions: vec![FrontendCondition {
                        destination: destination.clone(),
                        acls: acl::Acls {
                            condition: Some(acl.name.clone()),
                            acls: vec![acl],
                        },
                    }],
                    default_backend: destination.clone(),
                });
            }
            model.virtual_host_backends.push(Backend {
                name: gateway.name.clone(),
                lookup: g_lookup.clone(),
                mode,
                balance: String::new(),
                sticky: false,
                rewrites: Vec::new(),
                proxy_servers: Vec::new(),
                servers: vec![Server {
                    name: gateway.name.clone(),
                    lookup: g_lookup.clone(),
                    url: format!("{}:{}", settings.ip, gateway.port),
                    weight: 100,
                    check_interval: None,
                    resolve: false,
                }],
                virtual_host: true,
            });
        }
    }
    model
}

/// Whether `url` (`host:port`) names its host by an IPv4 or IPv6 literal.
fn is_ip_address(url: &str) -> bool {
    let host = url.rsplit_once(':').map_or(url, |(h, _)| h);
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.parse::<std::net::IpAddr>().is_ok()
}

/// Characters HAProxy's config parser reads as syntax inside a word.
fn unsafe_char(c: char) -> bool {
    c.is_whitespace() || c.is_control() || matches!(c, '#' | '"' | '\'' | '\\')
}

fn check_word(
    text: &str,
    what: &str,
    span: Span,
    allow_spaces: bool,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let bad = text
        .chars()
        .find(|&c| unsafe_char(c) && !(allow_spaces && c == ' '));
    if text.trim().is_empty() || bad.is_some() {
        let shown = bad.map_or("an empty value".to_owned(), |c| format!("{c:?}"));
        diagnostics.push(
            Diagnostic::error(
                &e::E003,
                span,
                format!(
                    "{what} `{}` holds {shown}, which HAProxy would misread",
                    text.escape_debug()
                ),
            )
            .with_help("use letters, digits and `-._:/%[]()=,` only"),
        );
    }
}

/// What HAProxy would refuse or misread, as E-codes.
fn validate(gateways: &[GatewayInput], diagnostics: &mut Vec<Diagnostic>) {
    let mut seen_ports: Vec<(u32, &str)> = Vec::new();
    let mut seen_names: Vec<&str> = Vec::new();
    for gateway in gateways {
        if seen_names.contains(&gateway.name.as_str()) {
            diagnostics.push(Diagnostic::error(
                &e::E009,
                gateway.span,
                format!(
                    "two gateways are named `{}`; HAProxy refuses two proxies with one name",
                    gateway.name
                ),
            ));
        }
        seen_names.push(&gateway.name);
        if !(1..=65535).contains(&gateway.port) {
            diagnostics.push(Diagnostic::error(
                &e::E002,
                gateway.port_span,
                format!(
                    "gateway `{}` would bind port {}, outside 1..=65535",
                    gateway.name, gateway.port
                ),
            ));
        } else if let Some((_, first)) = seen_ports.iter().find(|(p, _)| *p == gateway.port) {
            diagnostics.push(Diagnostic::warning(
                &e::E005,
                gateway.port_span,
                format!(
                    "gateways `{first}` and `{}` both bind port {}",
                    gateway.name, gateway.port
                ),
            ));
        }
        seen_ports.push((gateway.port, &gateway.name));
        let tcp = gateway.protocol == Protocol::Tcp;
        if tcp && gateway.sticky == Some(Sticky::Instance) {
            diagnostics.push(Diagnostic::error(
                &e::E008,
                gateway.span,
                format!(
                    "gateway `{}` is TCP; instance stickiness needs HTTP cookies",
                    gateway.name
                ),
            ));
        }
        for host in &gateway.virtual_hosts {
            if tcp {
                diagnostics.push(Diagnostic::error(
                    &e::E008,
                    host.span,
                    "virtual hosts route on the HTTP Host header; this gateway is TCP",
                ));
            }
            check_word(&host.value, "virtual host", host.span, false, diagnostics);
        }
        for route in &gateway.routes {
            validate_route(gateway, route, tcp, diagnostics);
        }
    }
}

fn validate_route(
    gateway: &GatewayInput,
    route: &RouteInput,
    tcp: bool,
    diagnostics: &mut Vec<Diagnostic>,
) {
    if let Some(balance) = &route.balance {
        if !fetches::is_known_balance(&balance.value) || balance.value.contains('#') {
            diagnostics.push(
                Diagnostic::error(
                    &e::E001,
                    balance.span,
                    format!("HAProxy has no balance algorithm `{}`", balance.value.escape_debug()),
                )
                .with_help("use roundrobin, static-rr, leastconn, first, source, uri, url_param, hdr(<name>), random, rdp-cookie or hash"),
            );
        }
    }
    if let Some(condition) = &route.condition {
        if tcp {
            diagnostics.push(Diagnostic::error(
                &e::E008,
                condition.span,
                format!(
                    "gateway `{}` is TCP; conditions test HTTP requests",
                    gateway.name
                ),
            ));
        }
        for atom in condition.value.atoms() {
            let definition = acl::atom_definition(atom);
            check_word(
                &definition,
                "condition test",
                condition.span,
                true,
                diagnostics,
            );
            if let crate::syntax::condition::Atom::Value(raw) = atom {
                let first = raw.split_whitespace().next().unwrap_or("");
                if !fetches::is_known_fetch(first) && !fetches::is_predefined_acl(first) {
                    diagnostics.push(Diagnostic::error(
                        &e::E004,
                        condition.span,
                        format!(
                            "raw ACL `<{}>`: HAProxy 2.6 has no fetch method `{first}`",
                            raw.trim()
                        ),
                    ));
                }
            }
        }
    }
    for rewrite in &route.rewrites {
        if tcp {
            diagnostics.push(Diagnostic::error(
                &e::E008,
                rewrite.span,
                format!("gateway `{}` is TCP; path rewrites need HTTP", gateway.name),
            ));
        }
        check_word(
            &rewrite.path,
            "rewrite path",
            rewrite.span,
            false,
            diagnostics,
        );
        check_word(
            &rewrite.condition,
            "rewrite condition",
            rewrite.span,
            true,
            diagnostics,
        );
        if let Some(problem) = fetches::condition_problem(&rewrite.condition) {
            diagnostics.push(Diagnostic::error(
                &e::E004,
                rewrite.span,
                format!(
                    "rewrite condition `{}`: {problem}",
                    rewrite.condition.escape_debug()
                ),
            ));
        }
    }
    for target in &route.targets {
        match target {
            TargetInput::Internal {
                host, port, span, ..
            } => {
                check_word(host, "server address", *span, false, diagnostics);
                if !(1..=65535).contains(port) {
                    diagnostics.push(Diagnostic::error(
                        &e::E002,
                        *span,
                        format!(
                            "a server of route `{}` would listen on port {port}",
                            route.path.join("/")
                        ),
                    ));
                }
            }
            TargetInput::External { url, span } => {
                check_word(url, "external address", *span, false, diagnostics);
                let port = url
                    .rsplit_once(':')
                    .and_then(|(_, p)| p.parse::<u32>().ok());
                if !port.is_some_and(|p| (1..=65535).contains(&p)) {
                    diagnostics.push(Diagnostic::error(
                        &e::E002,
                        *span,
                        format!("external route `{url}` needs a port in 1..=65535 (`host:port`)"),
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups_are_vamps() {
        // configuration_5.txt
        assert_eq!(
            route_lookup(
                "vamp/sava/port/_",
                &["vamp", "sava", "sava:1.0.0", "port"].map(String::from)
            ),
            "62a11db802baf59987a3ece9e10d8754eca16a09"
        );
        assert_eq!(
            lookup(
                INTERNAL_TARGET_CLASS,
                "64435a223bddf1fa589135baa5e228090279c032"
            ),
            "f52646a39457170e02fb276840a696267e0815eb"
        );
    }
}
