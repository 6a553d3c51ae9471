//! Gateways and routes (SPEC §5), shared by gateway documents, blueprint (external) gateways
//! and cluster (internal) gateways; and the standalone `kind: condition` artifact.

use super::breed::{scalar_sub_span, ALWAYS_ALLOWED};
use super::codes;
use super::grammar;
use super::reader::{key_string, Cx, MapReader, WeakRef};
use super::selector::check_selector;
use crate::diag::Code;
use crate::ir::vamp::{
    ArtifactName, Condition, ConditionDefinition, Gateway, GatewayName, GatewayPort,
    GatewayService, Origin, Percent, Protocol, Rewrite, Route, RouteCondition, RoutePath, Spanned,
    Sticky,
};
use crate::source::Span;
use crate::syntax::{Node, Value};

/// Which codes a weight or strength out of range gets, by where the route lives.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum RouteSite {
    /// A gateway document or a blueprint gateway.
    Gateway,
    /// A cluster's internal gateway.
    Cluster,
}

/// A gateway document.
pub fn read_gateway(cx: &mut Cx<'_>, map: &MapReader<'_>, origin: Origin) -> Option<Gateway> {
    let name = cx.name_unchecked(map);
    if let Some(name) = &name {
        check_gateway_name(cx, name);
    }
    let port = match map.get("port") {
        Some(node) => read_port(cx, node, "port"),
        None => Some(GatewayPort {
            number: 0,
            protocol: Protocol::Http,
            name: None,
            span: map.node.span,
        }),
    };
    let service = map.get("service").and_then(|node| {
        let service = cx.map(node, "service")?;
        let host = cx
            .required(&service, "host")
            .and_then(|h| cx.string(h, "service/host"));
        let port = cx
            .required(&service, "port")
            .and_then(|p| read_port(cx, p, "service/port"));
        service.finish(cx, &[]);
        Some(GatewayService {
            host: host?.value,
            port: port?,
        })
    });
    let deployed = map
        .get("deployed")
        .and_then(|d| cx.boolean(d, "deployed"))
        .map(|d| d.value);
    // Read-only fields of Vamp's API output.
    for ignored in ["proxy", "internal", "lookup_name"] {
        map.consume(ignored);
    }
    let fields = read_gateway_fields(cx, map, RouteSite::Gateway);
    let metadata = cx.metadata(map);
    map.finish(cx, ALWAYS_ALLOWED);
    let name = name?;
    let port = port?;
    let gateway = Gateway {
        name: Spanned::new(GatewayName(name.value), name.span),
        port,
        service,
        sticky: fields.sticky.map(|s| s.value),
        virtual_hosts: fields.virtual_hosts,
        routes: fields.routes,
        selector: fields.selector,
        deployed,
        metadata,
        span: map.node.span,
        origin: Some(origin),
    };
    validate_gateway(cx, &gateway, fields.sticky_span);
    Some(gateway)
}

/// Sticky, virtual hosts and routes: the fields every gateway form shares.
pub struct GatewayFields {
    pub sticky: Option<Spanned<Sticky>>,
    pub sticky_span: Option<Span>,
    pub virtual_hosts: Vec<Spanned<String>>,
    pub routes: Vec<Route>,
    /// Vamp 1.0+ `selector`.
    pub selector: Option<Spanned<String>>,
}

pub fn read_gateway_fields(cx: &mut Cx<'_>, map: &MapReader<'_>, site: RouteSite) -> GatewayFields {
    let sticky_node = map.get("sticky");
    let sticky = sticky_node.and_then(|node| read_sticky(cx, node));
    let virtual_hosts = map
        .get("virtual_hosts")
        .map(|node| read_virtual_hosts(cx, node))
        .unwrap_or_default();
    let routes = map
        .get("routes")
        .map(|node| read_routes(cx, node, &map.child_path("routes"), site))
        .unwrap_or_default();
    let selector = map.get("selector").and_then(|node| read_selector(cx, node));
    GatewayFields {
        sticky,
        sticky_span: sticky_node.map(|n| n.span),
        virtual_hosts,
        routes,
        selector,
    }
}

/// `selector:` (Vamp 1.0 and later; a string, `InvalidSelectorError` when it does not parse).
fn read_selector(cx: &mut Cx<'_>, node: &Node) -> Option<Spanned<String>> {
    let text = cx.string(node, "selector")?;
    if let Err(error) = check_selector(&text.value) {
        cx.error(
            &codes::V053,
            scalar_sub_span(node, &text.value, error.range),
            format!("Invalid selector: '{}' ({}).", text.value, error.message),
        )
        .help("selectors combine `label(name)(value)`, `name(re)`, `image(re)`, `port(n)` … with `&&`, `||`, `!` and parentheses");
        return None;
    }
    Some(text)
}

fn read_sticky(cx: &mut Cx<'_>, node: &Node) -> Option<Spanned<Sticky>> {
    let text = node.scalar_text()?;
    match text.to_ascii_lowercase().as_str() {
        "route" => Some(Spanned::new(Sticky::Route, node.span)),
        "instance" => Some(Spanned::new(Sticky::Instance, node.span)),
        "none" => None,
        _ => {
            cx.error(
                &codes::V027,
                node.span,
                format!("Illegal routing sticky value: '{text}'."),
            )
            .help("`sticky` is `route`, `instance` or `none`");
            None
        }
    }
}

fn read_virtual_hosts(cx: &mut Cx<'_>, node: &Node) -> Vec<Spanned<String>> {
    let items: Vec<&Node> = match &node.value {
        Value::Str(_) => vec![node],
        Value::Seq(items) => items.iter().collect(),
        _ => {
            illegal_virtual_hosts(cx, node.span);
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    for item in items {
        match item.as_str() {
            Some(s) => out.push(Spanned::new(s.to_string(), item.span)),
            None => illegal_virtual_hosts(cx, item.span),
        }
    }
    out
}

fn illegal_virtual_hosts(cx: &mut Cx<'_>, span: Span) {
    cx.error(
        &codes::V028,
        span,
        "Illegal gateway virtual hosts - only list of strings is supported.",
    )
    .help("write `virtual_hosts: [a.example.com, b.example.com]`");
}

/// A gateway port: an integer or `<n>[/http|/tcp]`.
pub fn read_port(cx: &mut Cx<'_>, node: &Node, path: &str) -> Option<GatewayPort> {
    let text = match &node.value {
        Value::Int(_) | Value::Str(_) => node.scalar_text()?,
        _ => {
            cx.type_error(node, path, "a port such as `9050` or `9050/http`");
            return None;
        }
    };
    parse_port(cx, &text, node.span, None)
}

/// Parses `<n>[/http|/tcp]`, reporting a number out of range (V041) or text that is not a
/// port (V002).
pub fn parse_port(
    cx: &mut Cx<'_>,
    text: &str,
    span: Span,
    name: Option<String>,
) -> Option<GatewayPort> {
    let lower = text.trim().to_ascii_lowercase();
    let (number, protocol, suffixed) = if let Some(n) = lower.strip_suffix("/tcp") {
        (n, Protocol::Tcp, true)
    } else if let Some(n) = lower.strip_suffix("/http") {
        (n, Protocol::Http, true)
    } else {
        (lower.as_str(), Protocol::Http, false)
    };
    let number = number.trim();
    match number.parse::<i64>() {
        Ok(n) if (0..=65535).contains(&n) => Some(GatewayPort {
            number: n as u32,
            protocol,
            name,
            span,
        }),
        Ok(n) => {
            cx.error(&codes::V041, span, format!("Invalid gateway port: {n}."))
                .help("ports are 0..65535 (0: let Vamp assign one)");
            None
        }
        // Vamp's `Port.apply`: `<text>/http` calls `toInt` on the text and fails with a
        // NumberFormatException; bare text silently reads as 0, a port Vamp assigns itself.
        Err(_) if suffixed => {
            cx.error(
                &codes::V002,
                span,
                format!("Unexpected type for path 'port': `{text}` is not a port."),
            )
            .peer(Some("NumberFormatException"))
            .help("write a port such as `9050` or `9050/http`");
            None
        }
        Err(_) => {
            cx.warning(
                &codes::V002,
                span,
                format!("`{text}` is not a port number: Vamp reads it as port 0 and assigns one itself."),
            )
            .peer(None)
            .help("write a port such as `9050` or `9050/http`, or leave `port` out to let Vamp choose");
            Some(GatewayPort {
                number: 0,
                protocol,
                name,
                span,
            })
        }
    }
}

/// Whether `text` reads as a gateway port (for blueprint gateway keys).
pub fn looks_like_port(text: &str) -> bool {
    let lower = text.trim().to_ascii_lowercase();
    let number = lower
        .strip_suffix("/tcp")
        .or_else(|| lower.strip_suffix("/http"))
        .unwrap_or(&lower);
    !number.trim().is_empty()
        && number
            .trim()
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'-')
}

fn check_gateway_name(cx: &mut Cx<'_>, name: &Spanned<String>) {
    let segments = name.value.split('/').count();
    let bad_chars = name
        .value
        .chars()
        .any(|c| c.is_whitespace() || c == '[' || c == ']');
    if name.value.is_empty() || bad_chars || !(1..=4).contains(&segments) {
        cx.error(
            &codes::V036,
            name.span,
            format!(
                "Unsupported gateway name: '{}'. Must be either in format '$gateway', '$deployment/$port' or '$deployment/$cluster/$port'.",
                name.value
            ),
        )
        .help("a gateway name has at most four `/`-separated segments and no white space, `[` or `]`");
    }
}

/// `routes`: a map keyed by path, a single path string, or a list of single-key maps and
/// strings (merged into one map).
pub fn read_routes(cx: &mut Cx<'_>, node: &Node, path: &str, site: RouteSite) -> Vec<Route> {
    let mut out = Vec::new();
    match &node.value {
        Value::Str(_) | Value::Int(_) | Value::Float(..) => {
            if let Some(route) = route_from(cx, node, None, path, site) {
                out.push(route);
            }
        }
        Value::Map(map) => {
            for (key, value) in map.iter() {
                if let Some(route) = route_from(cx, key, Some(value), path, site) {
                    out.push(route);
                }
            }
        }
        Value::Seq(items) => {
            for item in items {
                match &item.value {
                    Value::Map(map) => {
                        for (key, value) in map.iter() {
                            if let Some(route) = route_from(cx, key, Some(value), path, site) {
                                out.push(route);
                            }
                        }
                    }
                    _ if item.is_scalar() && !item.is_null() => {
                        if let Some(route) = route_from(cx, item, None, path, site) {
                            out.push(route);
                        }
                    }
                    _ => cx.type_error(item, path, "a route"),
                }
            }
        }
        Value::Null => {}
        _ => cx.type_error(node, path, "routes"),
    }
    out
}

fn route_from(
    cx: &mut Cx<'_>,
    key: &Node,
    value: Option<&Node>,
    path: &str,
    site: RouteSite,
) -> Option<Route> {
    let text = key_string(key);
    if matches!(key.value, Value::Seq(_)) {
        cx.warning(
            &codes::V046,
            key.span,
            format!("route key `{text}` is a YAML list, read as the text `{text}`"),
        )
        .help(format!("quote the key: `\"{text}\":`"));
    }
    let segments = route_segments(&text);
    let route_path = RoutePath {
        text: Spanned::new(text.clone(), key.span),
        segments,
    };
    let route_span = value.map_or(key.span, |v| key.span.join(v.span));
    let mut route = Route {
        path: route_path,
        reference: None,
        weight: None,
        condition: None,
        condition_strength: None,
        rewrites: Vec::new(),
        balance: None,
        selector: None,
        span: route_span,
    };
    let Some(value) = value.filter(|v| !v.is_null()) else {
        return Some(route);
    };
    let item_path = format!("{path}/{text}");
    match cx.weak_reference(value, &item_path, "route")? {
        WeakRef::Reference(name, map) => {
            if let Some(map) = map {
                map.finish(cx, ALWAYS_ALLOWED);
            }
            route.reference = Some(name);
        }
        WeakRef::Inline(map) => {
            route.weight = map
                .get("weight")
                .and_then(|n| percent(cx, n, "weight", weight_code(site)));
            route.condition_strength = map
                .get("condition_strength")
                .and_then(|n| percent(cx, n, "condition_strength", strength_code(site)));
            route.condition = map
                .get("condition")
                .and_then(|n| read_route_condition(cx, n, &format!("{item_path}/condition")));
            route.rewrites = map
                .get("rewrites")
                .map(|n| read_rewrites(cx, n))
                .unwrap_or_default();
            route.balance = map
                .get("balance")
                .and_then(|n| cx.string(n, "balance"))
                .map(|b| b.value)
                .filter(|b| b != "default");
            route.selector = map.get("selector").and_then(|n| read_selector(cx, n));
            if let Some(selector) = &route.selector {
                check_route_selector(cx, &route.path, selector);
            }
            // Read-only fields of Vamp's API output (`RouteReader.createDefault` consumes
            // them), present when a gateway fetched from the API is PUT back.
            for ignored in ["lookup_name", "targets"] {
                map.consume(ignored);
            }
            map.finish(cx, ALWAYS_ALLOWED);
        }
    }
    Some(route)
}

/// A route with a selector is one name, not a path, and not an external address.
fn check_route_selector(cx: &mut Cx<'_>, path: &RoutePath, selector: &Spanned<String>) {
    let text = &path.text.value;
    if text.starts_with('[') && text.ends_with(']') {
        cx.error(
            &codes::V055,
            path.text.span,
            "Route selector cannot be defined for an external target.",
        )
        .label(selector.span, "selector")
        .help("an external route `[host:port]` has one fixed target; remove the selector or route to a named service");
    } else if path.segments.len() != 1 {
        cx.error(
            &codes::V054,
            path.text.span,
            "If route selector is defined, route path must not contain '/'.",
        )
        .label(selector.span, "selector")
        .help("name the route with one word (e.g. `canary:`); the selector picks its targets");
    }
}

/// Route path segments; a bracketed external address (`[host:port/x]`) is one segment.
pub fn route_segments(text: &str) -> Vec<String> {
    if text.starts_with('[') && text.ends_with(']') {
        return vec![text.to_string()];
    }
    text.split('/').map(str::to_string).collect()
}

fn weight_code(site: RouteSite) -> &'static Code {
    match site {
        RouteSite::Gateway => &codes::V038,
        RouteSite::Cluster => &codes::V022,
    }
}

fn strength_code(site: RouteSite) -> &'static Code {
    match site {
        RouteSite::Gateway => &codes::V039,
        RouteSite::Cluster => &codes::V023,
    }
}

/// A percentage; a whole number out of 0..=100 gets `range_code`, anything else V002.
fn percent(
    cx: &mut Cx<'_>,
    node: &Node,
    path: &str,
    range_code: &'static Code,
) -> Option<Spanned<Percent>> {
    let Some(text) = node.scalar_text() else {
        cx.type_error(node, path, "a percentage such as `50%`");
        return None;
    };
    match grammar::percentage(&text) {
        Ok(value) => Some(Spanned::new(Percent(value), node.span)),
        Err(error) => {
            let digits = text.trim().trim_end_matches('%').trim();
            let out_of_range = text.trim().ends_with('%')
                && digits.parse::<i64>().is_ok_and(|v| !(0..=100).contains(&v));
            if out_of_range {
                let message = if range_code == &codes::V022 || range_code == &codes::V038 {
                    format!("Route weight {text} is out of range: weights are 0% to 100%.")
                } else {
                    format!(
                        "Route condition strength {text} is out of range: it cannot be less than 0% or greater than 100%."
                    )
                };
                // Vamp's `Percentage` refuses such a value while reading it, inside the typed
                // look-up, so what it reports is the look-up's UnexpectedTypeError.
                cx.error(range_code, node.span, message)
                    .peer(Some("UnexpectedTypeError"))
                    .help("percentages are whole numbers from 0% to 100%");
            } else {
                cx.error(
                    &codes::V002,
                    scalar_sub_span(node, &text, error.range),
                    format!("Unexpected type for path '{path}': {}.", error.message),
                )
                .help("write a percentage such as `50%`");
            }
            None
        }
    }
}

/// `condition: "<definition>"`, `{condition: "<definition>"}` or `{reference: name}`; an empty
/// definition is no condition.
pub fn read_route_condition(cx: &mut Cx<'_>, node: &Node, path: &str) -> Option<RouteCondition> {
    if node.is_scalar() {
        return parse_condition(cx, node).map(RouteCondition::Inline);
    }
    match cx.weak_reference(node, path, "condition")? {
        WeakRef::Reference(name, map) => {
            if let Some(map) = map {
                map.finish(cx, ALWAYS_ALLOWED);
            }
            Some(RouteCondition::Reference(Spanned::new(
                ArtifactName(name.value),
                name.span,
            )))
        }
        WeakRef::Inline(map) => {
            let definition = map.get("condition").and_then(|n| parse_condition(cx, n));
            map.finish(cx, ALWAYS_ALLOWED);
            definition.map(RouteCondition::Inline)
        }
    }
}

/// Parses a condition definition; stricter than Vamp, an unparseable one is an error (V045).
fn parse_condition(cx: &mut Cx<'_>, node: &Node) -> Option<ConditionDefinition> {
    let text = node.scalar_text()?;
    if text.trim().is_empty() {
        return None;
    }
    match grammar::condition(&text) {
        Ok(ast) => Some(ConditionDefinition {
            text: Spanned::new(text, node.span),
            ast,
        }),
        Err(error) => {
            cx.error(
                &codes::V045,
                scalar_sub_span(node, &text, error.range),
                format!("route condition does not parse: {}", error.message),
            )
            .help("Vamp would pass this text to HAProxy as a raw ACL, which fails to load; write e.g. `user-agent = Firefox and has cookie vamp`, or a raw ACL in `< >`");
            None
        }
    }
}

fn read_rewrites(cx: &mut Cx<'_>, node: &Node) -> Vec<Rewrite> {
    let mut out = Vec::new();
    for item in super::reader::as_list(node) {
        let Some(map) = cx.map(item, "rewrites") else {
            continue;
        };
        let definition = cx
            .required(&map, "path")
            .and_then(|p| cx.string(p, "rewrites/path"));
        map.finish(cx, &[]);
        let Some(definition) = definition else {
            continue;
        };
        match split_rewrite(&definition.value) {
            Some((path, condition)) => out.push(Rewrite {
                path,
                condition,
                span: definition.span,
            }),
            None => {
                cx.error(
                    &codes::V040,
                    definition.span,
                    format!("Unsupported path rewrite: {}.", definition.value),
                )
                .help("a rewrite is `<new path> if <condition>`, e.g. `/img/%[path] if { path_beg /images }`");
            }
        }
    }
    out
}

/// `<path> if <condition>` (case-insensitive `if`).
fn split_rewrite(text: &str) -> Option<(String, String)> {
    let lower = text.to_ascii_lowercase();
    let at = lower.rfind(" if ")?;
    let (path, condition) = (&text[..at], &text[at + 4..]);
    (!path.is_empty() && !condition.is_empty()).then(|| (path.to_string(), condition.to_string()))
}

/// Gateway-level rules: route path segments, sticky on TCP, weights summing to 0 or 100.
pub fn validate_gateway(cx: &mut Cx<'_>, gateway: &Gateway, sticky_span: Option<Span>) {
    for route in &gateway.routes {
        if !(1..=4).contains(&route.path.segments.len()) {
            cx.error(
                &codes::V037,
                route.path.text.span,
                format!(
                    "Unsupported route path: '{}'. Must be one of: '$gateway', '$deployment/$port' or '$deployment/$cluster/$port'.",
                    route.path.text.value
                ),
            )
            .help("a route path has at most four `/`-separated segments");
        }
    }
    if gateway.sticky.is_some() && gateway.port.protocol == Protocol::Tcp {
        let name = gateway
            .port
            .name
            .clone()
            .unwrap_or_else(|| format!("{}/tcp", gateway.port.number));
        cx.error(
            &codes::V030,
            sticky_span.unwrap_or(gateway.port.span),
            format!("Sticky sessions are not allowed for TCP port: '{name}'."),
        )
        .label(gateway.port.span, "this port is TCP")
        .help("sticky sessions use an HTTP cookie; remove `sticky` or use an HTTP port");
    }
    check_gateway_weights(cx, gateway);
}

/// If every route is inline, the weights given must sum to 0 or 100 (routes without a weight
/// are not counted).
pub fn check_gateway_weights(cx: &mut Cx<'_>, gateway: &Gateway) {
    if gateway.routes.iter().any(|r| r.reference.is_some()) {
        return;
    }
    let total: u32 = gateway
        .routes
        .iter()
        .filter_map(|r| r.weight.as_ref())
        .map(|w| u32::from(w.value.0))
        .sum();
    if total != 0 && total != 100 {
        let label = if gateway.name.value.0.is_empty() {
            gateway.port.number.to_string()
        } else {
            gateway.name.value.0.clone()
        };
        let mut report = cx.error(
            &codes::V038,
            gateway
                .routes
                .iter()
                .find_map(|r| r.weight.as_ref().map(|w| w.span))
                .unwrap_or(gateway.span),
            format!("Total route weight must be either 0% or 100%: {label} (the weights sum to {total}%)."),
        );
        for weight in gateway
            .routes
            .iter()
            .filter_map(|r| r.weight.as_ref())
            .skip(1)
        {
            report = report.label(weight.span, format!("{}", weight.value));
        }
        report.help("adjust the weights so they sum to 100%, or leave some routes without a weight to share the rest");
    }
}

/// A `kind: condition` document.
pub fn read_condition(cx: &mut Cx<'_>, map: &MapReader<'_>, origin: Origin) -> Option<Condition> {
    let name = cx.name(map);
    let definition = cx
        .required(map, "condition")
        .and_then(|n| parse_condition(cx, n));
    cx.metadata(map);
    map.finish(cx, ALWAYS_ALLOWED);
    Some(Condition {
        name: name.map(|n| Spanned::new(ArtifactName(n.value), n.span))?,
        definition: definition?,
        origin,
    })
}
