//! Blueprints (SPEC §4) and deployment requests (§11): clusters of services, internal and
//! external gateways, blueprint-level environment variables, with every short form expanded
//! and Vamp's validation rules applied.

use super::breed::{
    check_health_check_ports, has_trait, read_arguments, read_breed, read_breed_ref,
    read_health_checks, read_traits, reference_text, split_alias, validate_environment_overrides,
    ALWAYS_ALLOWED,
};
use super::codes;
use super::gateway::{
    check_gateway_weights, looks_like_port, parse_port, read_gateway_fields, RouteSite,
};
use super::reader::{Cx, MapReader};
use super::scale::read_scale_ref;
use super::sla::read_sla_ref;
use crate::ir::vamp::{
    Blueprint, BlueprintName, BlueprintVariable, Breed, BreedName, BreedRef, Cluster,
    ClusterGateway, ClusterName, EnvironmentVariable, Gateway, GatewayName, GatewayPort, Origin,
    PortName, Protocol, RouteCondition, Service, SlaRef, Spanned, ValueReference,
};
use crate::syntax::{Node, Value};

/// Reads a blueprint (`deployment` = a `kind: deployment` request, whose breed dependencies
/// are checked only when deployed).
pub fn read_blueprint(
    cx: &mut Cx<'_>,
    map: &MapReader<'_>,
    origin: Option<Origin>,
    deployment: bool,
) -> Option<Blueprint> {
    let name = cx.name(map);
    let is_reference = deployment
        && map
            .peek_entries()
            .all(|(k, _)| k == "name" || ALWAYS_ALLOWED.contains(&k));
    let clusters = map
        .get("clusters")
        .map(|node| read_clusters(cx, node))
        .unwrap_or_default();
    let gateways = map
        .get("gateways")
        .map(|node| read_external_gateways(cx, node))
        .unwrap_or_default();
    let environment_variables = read_traits(cx, map, &["environment_variables", "env"], false)
        .into_iter()
        .map(|(key, _, value)| {
            let (cluster, name) = key
                .value
                .split_once('.')
                .map_or((String::new(), key.value.clone()), |(c, n)| {
                    (c.to_string(), n.to_string())
                });
            BlueprintVariable {
                cluster,
                name,
                key,
                value,
            }
        })
        .collect();
    let metadata = cx.metadata(map);
    map.finish(cx, ALWAYS_ALLOWED);
    let name = name?;
    let blueprint = Blueprint {
        name: Spanned::new(BlueprintName(name.value), name.span),
        clusters,
        gateways,
        environment_variables,
        metadata,
        is_reference,
        span: map.node.span,
        origin,
    };
    if !blueprint.is_reference {
        validate(cx, &blueprint, deployment);
    }
    Some(blueprint)
}

fn read_clusters(cx: &mut Cx<'_>, node: &Node) -> Vec<Cluster> {
    let Some(clusters) = cx.map(node, "clusters") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (name, key, value) in clusters.entries() {
        let path = format!("clusters/{name}");
        let cluster_name = Spanned::new(ClusterName(name.clone()), key.span);
        let cluster = match &value.value {
            // `cluster: breed-name` and `cluster: [services...]`
            Value::Str(_) | Value::Int(_) | Value::Float(..) | Value::Seq(_) => Cluster {
                name: cluster_name,
                services: read_services(cx, value, &format!("{path}/services")),
                gateways: Vec::new(),
                sla: None,
                health_checks: None,
                network: None,
                span: key.span.join(value.span),
            },
            Value::Map(_) => {
                let Some(map) = MapReader::new(value, &path) else {
                    continue;
                };
                let map = map.with_anchor(key.span);
                read_cluster(cx, cluster_name, &map)
            }
            _ => {
                cx.type_error(value, &path, "a cluster");
                continue;
            }
        };
        out.push(cluster);
    }
    out
}

fn read_cluster(cx: &mut Cx<'_>, name: Spanned<ClusterName>, map: &MapReader<'_>) -> Cluster {
    let path = map.path.clone();
    let sla = map
        .get("sla")
        .and_then(|n| read_sla_ref(cx, n, &format!("{path}/sla")));
    let gateways = map
        .get("gateways")
        .map(|n| read_cluster_gateways(cx, n, &format!("{path}/gateways")))
        .unwrap_or_default();
    let (services, health_checks, network) = if map.has("services") {
        let services = map
            .get("services")
            .map(|n| read_services(cx, n, &format!("{path}/services")))
            .unwrap_or_default();
        let (health_checks, network) = read_placement_and_finish(cx, map, &path);
        (services, health_checks, network)
    } else if map.has("breed") || map.has("name") || map.has("reference") || map.has("ref") {
        // The cluster map (without `sla` and `gateways`, read above) is the one service.
        let service = read_service_map(cx, map);
        (service.into_iter().collect(), None, None)
    } else {
        for dialect in ["dialects", "dialect", "network"] {
            map.consume(dialect);
        }
        map.finish(cx, ALWAYS_ALLOWED);
        (Vec::new(), None, None)
    };
    Cluster {
        name,
        services,
        gateways,
        sla,
        health_checks,
        network,
        span: map.node.span,
    }
}

/// `services`: a list, a single service map or a single breed name.
fn read_services(cx: &mut Cx<'_>, node: &Node, path: &str) -> Vec<Service> {
    let items: Vec<&Node> = match &node.value {
        Value::Seq(items) => items.iter().collect(),
        Value::Null => Vec::new(),
        _ => vec![node],
    };
    let mut out = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        let item_path = format!("{path}/{i}");
        if item.is_scalar() {
            if let Some(breed) = read_breed_ref(cx, item, &item_path) {
                out.push(Service {
                    breed,
                    environment_variables: Vec::new(),
                    scale: None,
                    arguments: Vec::new(),
                    health_checks: None,
                    network: None,
                    span: item.span,
                });
            }
            continue;
        }
        let Some(map) = cx.map(item, &item_path) else {
            continue;
        };
        out.extend(read_service_map(cx, &map));
    }
    out
}

fn read_service_map(cx: &mut Cx<'_>, map: &MapReader<'_>) -> Option<Service> {
    let path = map.path.clone();
    let breed = if let Some(node) = map.get("breed") {
        read_breed_ref(cx, node, &format!("{path}/breed"))
    } else if map.has("name") {
        // The service map is an inline breed.
        return read_breed(cx, map, None).map(|breed| Service {
            breed: BreedRef::Inline(Box::new(breed)),
            environment_variables: Vec::new(),
            scale: None,
            arguments: Vec::new(),
            health_checks: None,
            network: None,
            span: map.node.span,
        });
    } else if map.has("reference") || map.has("ref") {
        cx.reference(map)
            .map(|n| BreedRef::Reference(Spanned::new(BreedName(n.value), n.span)))
    } else {
        cx.missing(map, "breed");
        None
    };
    let environment_variables = read_traits(cx, map, &["environment_variables", "env"], false)
        .into_iter()
        .map(|(name, _, value)| {
            // `HEAP[alias]` on a service names the breed's `HEAP`.
            let (base, _) = split_alias(&name.value);
            let base_len = base.len();
            EnvironmentVariable {
                name: Spanned::new(base.to_string(), name.span.sub(0..base_len)),
                alias: None,
                value,
            }
        })
        .collect();
    let scale = map
        .get("scale")
        .and_then(|n| read_scale_ref(cx, n, &format!("{path}/scale")));
    let arguments = map
        .get("arguments")
        .map(|n| read_arguments(cx, n))
        .unwrap_or_default();
    let (health_checks, network) = read_placement_and_finish(cx, map, &path);
    Some(Service {
        breed: breed?,
        environment_variables,
        scale,
        arguments,
        health_checks,
        network,
        span: map.node.span,
    })
}

/// Keys that mark the anonymous form of a cluster's `gateways` (no port name).
const ANONYMOUS_GATEWAY_KEYS: &[&str] = &["routes", "sticky", "virtual_hosts"];

fn read_cluster_gateways(cx: &mut Cx<'_>, node: &Node, path: &str) -> Vec<ClusterGateway> {
    let Some(map) = cx.map(node, path) else {
        return Vec::new();
    };
    let anonymous = ANONYMOUS_GATEWAY_KEYS
        .iter()
        .any(|k| map.key_node(k).is_some());
    if anonymous {
        let fields = read_gateway_fields(cx, &map, RouteSite::Cluster);
        map.finish(cx, ALWAYS_ALLOWED);
        return vec![ClusterGateway {
            port: None,
            sticky: fields.sticky,
            virtual_hosts: fields.virtual_hosts,
            routes: fields.routes,
            span: node.span,
        }];
    }
    let mut out = Vec::new();
    for (port, key, value) in map.entries() {
        let gateway_path = format!("{path}/{port}");
        let (sticky, virtual_hosts, routes) = match &value.value {
            Value::Null => (None, Vec::new(), Vec::new()),
            Value::Map(_) => {
                let Some(inner) = MapReader::new(value, &gateway_path) else {
                    continue;
                };
                let fields = read_gateway_fields(cx, &inner, RouteSite::Cluster);
                // An internal gateway's port is its key: `port:` here is unexpected.
                inner.finish(cx, ALWAYS_ALLOWED);
                (fields.sticky, fields.virtual_hosts, fields.routes)
            }
            _ => {
                let routes =
                    super::gateway::read_routes(cx, value, &gateway_path, RouteSite::Cluster);
                (None, Vec::new(), routes)
            }
        };
        out.push(ClusterGateway {
            port: Some(Spanned::new(PortName(port), key.span)),
            sticky,
            virtual_hosts,
            routes,
            span: key.span.join(value.span),
        });
    }
    out
}

/// Blueprint (external) gateways keyed by port (`9050`, `8080/tcp`) or by a name with an
/// explicit `port:`.
fn read_external_gateways(cx: &mut Cx<'_>, node: &Node) -> Vec<Gateway> {
    let Some(map) = cx.map(node, "gateways") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (key_text, key, value) in map.entries() {
        let path = format!("gateways/{key_text}");
        let mut port = if looks_like_port(&key_text) {
            parse_port(cx, &key_text, key.span, None)
        } else {
            None
        };
        let (fields_routes, sticky, virtual_hosts, metadata, selector) = match &value.value {
            Value::Map(_) => {
                let Some(inner) = MapReader::new(value, &path) else {
                    continue;
                };
                let inner = inner.with_anchor(key.span);
                if !looks_like_port(&key_text) {
                    // Without `port:` Vamp reads the key as the port (`Port(key)`), whose
                    // number is 0: a port it assigns itself.
                    port = match inner.get("port") {
                        Some(p) => super::gateway::read_port(cx, p, "port"),
                        None => Some(unassigned_port(key.span)),
                    }
                    .map(|mut p| {
                        p.name = Some(key_text.clone());
                        p
                    });
                }
                let fields = read_gateway_fields(cx, &inner, RouteSite::Gateway);
                let metadata = cx.metadata(&inner);
                inner.finish(cx, ALWAYS_ALLOWED);
                (
                    fields.routes,
                    fields.sticky,
                    fields.virtual_hosts,
                    metadata,
                    fields.selector,
                )
            }
            _ => {
                if !looks_like_port(&key_text) {
                    port = Some(GatewayPort {
                        name: Some(key_text.clone()),
                        ..unassigned_port(key.span)
                    });
                }
                let routes = super::gateway::read_routes(cx, value, &path, RouteSite::Gateway);
                (routes, None, Vec::new(), Vec::new(), None)
            }
        };
        let Some(port) = port else {
            continue;
        };
        out.push(Gateway {
            name: Spanned::new(GatewayName(String::new()), key.span),
            port,
            service: None,
            sticky: sticky.as_ref().map(|s| s.value),
            virtual_hosts,
            routes: fields_routes,
            selector,
            deployed: None,
            metadata,
            span: key.span.join(value.span),
            origin: None,
        });
        if let (Some(sticky), Some(gateway)) = (sticky, out.last()) {
            if gateway.port.protocol == Protocol::Tcp {
                cx.error(
                    &codes::V030,
                    sticky.span,
                    format!(
                        "Sticky sessions are not allowed for TCP port: '{}'.",
                        key_text
                    ),
                )
                .label(gateway.port.span, "this port is TCP")
                .help("sticky sessions use an HTTP cookie; remove `sticky` or use an HTTP port");
            }
        }
    }
    out
}

/// Port 0: Vamp picks the port when it deploys the gateway.
fn unassigned_port(span: crate::source::Span) -> GatewayPort {
    GatewayPort {
        number: 0,
        protocol: Protocol::Http,
        name: None,
        span,
    }
}

// ---------------------------------------------------------------------------------------------
// Validation

/// The inline breeds of a cluster, or `None` when some breed is a reference (then Vamp skips
/// checks that need the cluster's traits).
fn inline_breeds(cluster: &Cluster) -> Option<Vec<&Breed>> {
    cluster.services.iter().map(|s| s.breed.inline()).collect()
}

/// Vamp's blueprint validation (`deployment`: a deployment request, whose breed dependencies
/// and escalation targets are checked when deployed). `check::vamp` runs it again with
/// referenced breeds resolved.
pub fn validate(cx: &mut Cx<'_>, blueprint: &Blueprint, deployment: bool) {
    for cluster in &blueprint.clusters {
        let name = Spanned::new(cluster.name.value.0.clone(), cluster.name.span);
        cx.check_name(&name);
    }
    validate_gateway_routes(cx, blueprint);
    validate_environment_variables(cx, blueprint);
    validate_value_references(cx, blueprint);
    for cluster in &blueprint.clusters {
        validate_cluster_gateways(cx, blueprint, cluster);
    }
    for gateway in &blueprint.gateways {
        check_gateway_weights(cx, gateway);
    }
    validate_external_gateway_ports(cx, blueprint);
    if blueprint.services().next().is_none() {
        cx.error(
            &codes::V025,
            blueprint.name.span,
            "Expected at least one service.",
        )
        .help("add a cluster with a service, e.g. `clusters: {web: my-breed:1.0}`");
    }
    validate_unique_breeds(cx, blueprint);
    validate_service_environment_variables(cx, blueprint);
    if !deployment {
        validate_breed_dependencies(cx, blueprint);
    }
    validate_health_checks(cx, blueprint);
    if !deployment {
        validate_escalation_targets(cx, blueprint);
    }
}

/// External gateway routes are `<cluster>/<port name>`; with a known cluster whose breeds are
/// all inline, one of them must have the port.
fn validate_gateway_routes(cx: &mut Cx<'_>, blueprint: &Blueprint) {
    for gateway in &blueprint.gateways {
        for route in &gateway.routes {
            let number = gateway.port.number;
            let (cluster, port) = match route.path.segments.as_slice() {
                [cluster, port] => (cluster, port),
                _ => {
                    unresolved_gateway_port(cx, &route.path.text, &route.path.text.value, number);
                    continue;
                }
            };
            let label = format!("{cluster}.{port}");
            match blueprint.cluster(cluster) {
                None => unresolved_gateway_port(cx, &route.path.text, &label, number),
                Some(c) => {
                    if let Some(breeds) = inline_breeds(c) {
                        if !breeds.iter().any(|b| b.port(port).is_some()) {
                            unresolved_gateway_port(cx, &route.path.text, &label, number);
                        }
                    }
                }
            }
            if gateway.port.protocol == Protocol::Tcp {
                if let Some(RouteCondition::Inline(condition)) = &route.condition {
                    condition_on_tcp(cx, &route.path.text.value, &condition.text);
                }
            }
        }
    }
}

fn unresolved_gateway_port(cx: &mut Cx<'_>, at: &Spanned<String>, name: &str, number: u32) {
    cx.error(
        &codes::V018,
        at.span,
        format!(
            "Gateway port '{name} -> {number}' cannot be resolved. Check if referenced cluster exists and if it has any breed with referenced port name."
        ),
    )
    .help("gateway routes are `<cluster>/<port name>`, e.g. `9050: sava/web`");
}

fn condition_on_tcp(cx: &mut Cx<'_>, port: &str, condition: &Spanned<String>) {
    cx.error(
        &codes::V031,
        condition.span,
        format!(
            "HTTP conditions are not allowed for TCP port: '{port}' and condition '{}'.",
            condition.value
        ),
    )
    .help("conditions match HTTP requests; remove the condition or use an HTTP port");
}

/// Blueprint-level `<cluster>.<name>` variables must name an environment variable of an
/// (inline) breed of that cluster.
fn validate_environment_variables(cx: &mut Cx<'_>, blueprint: &Blueprint) {
    for variable in &blueprint.environment_variables {
        let resolved = match blueprint.cluster(&variable.cluster) {
            None => false,
            Some(cluster) => match inline_breeds(cluster) {
                None => true,
                Some(breeds) => breeds.iter().any(|b| {
                    b.environment_variables
                        .iter()
                        .any(|e| e.name.value == variable.name)
                }),
            },
        };
        if !resolved {
            unresolved_variable(
                cx,
                &variable.key,
                variable
                    .value
                    .as_ref()
                    .map_or("", |v| v.text.value.as_str()),
            );
        }
    }
}

fn unresolved_variable(cx: &mut Cx<'_>, key: &Spanned<String>, value: &str) {
    cx.error(
        &codes::V019,
        key.span,
        format!(
            "Parameter '{} -> {value}' cannot be resolved. Check if cluster exists and if it has any breed with port, environment variable or constant referable by {}.",
            key.value, key.value
        ),
    )
    .help("blueprint variables are `<cluster>.<environment variable of a breed in that cluster>`");
}

/// `$cluster.group.name` inside the environment values of inline breeds must resolve against
/// the blueprint's clusters (when their breeds are all inline).
fn validate_value_references(cx: &mut Cx<'_>, blueprint: &Blueprint) {
    for service in blueprint.services() {
        let Some(breed) = service.breed.inline() else {
            continue;
        };
        for value in breed
            .environment_variables
            .iter()
            .filter_map(|e| e.value.as_ref())
        {
            for reference in &value.references {
                let ValueReference::Trait {
                    cluster,
                    group,
                    name,
                } = reference
                else {
                    continue;
                };
                let target = blueprint.cluster(cluster).or_else(|| {
                    let dependency = breed
                        .dependencies
                        .iter()
                        .find(|d| d.alias.value == *cluster)?;
                    blueprint.clusters.iter().find(|c| {
                        c.services
                            .iter()
                            .any(|s| s.breed.name() == dependency.breed.name())
                    })
                });
                let Some(target) = target else {
                    continue;
                };
                if let Some(breeds) = inline_breeds(target) {
                    if !breeds.iter().any(|b| has_trait(b, group, name)) {
                        let key = Spanned::new(reference_text(reference), value.text.span);
                        unresolved_variable(cx, &key, &value.text.value);
                    }
                }
            }
        }
    }
}

fn validate_cluster_gateways(cx: &mut Cx<'_>, blueprint: &Blueprint, cluster: &Cluster) {
    let inline = inline_breeds(cluster);
    let all_inline = blueprint
        .clusters
        .iter()
        .all(|c| inline_breeds(c).is_some());
    let inline_ports: Vec<&crate::ir::vamp::Port> = cluster
        .services
        .iter()
        .filter_map(|s| s.breed.inline())
        .flat_map(|b| b.ports.iter())
        .collect();
    for gateway in &cluster.gateways {
        // Route keys name services of the cluster.
        for route in &gateway.routes {
            if !cluster
                .services
                .iter()
                .any(|s| s.breed.name().as_str() == route.path.text.value)
            {
                cx.error(
                    &codes::V029,
                    route.path.text.span,
                    format!(
                        "Unresolved service route for '{}' and '{}'.",
                        cluster.name.value, route.path.text.value
                    ),
                )
                .help(format!(
                    "internal routes are keyed by breed name: {}",
                    cluster
                        .services
                        .iter()
                        .map(|s| s.breed.name().as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
        let total: u32 = gateway
            .routes
            .iter()
            .filter(|r| r.reference.is_none())
            .filter_map(|r| r.weight.as_ref())
            .map(|w| u32::from(w.value.0))
            .sum();
        if total > 100 {
            cx.error(
                &codes::V022,
                gateway
                    .routes
                    .iter()
                    .find_map(|r| r.weight.as_ref().map(|w| w.span))
                    .unwrap_or(gateway.span),
                format!(
                    "Total route weight cannot exceed 100 or be a negative value. Check cluster: '{}' (the weights sum to {total}%).",
                    cluster.name.value
                ),
            )
            .help("the weights of a cluster's routes sum to at most 100%");
        }
        match &gateway.port {
            Some(port_name) => {
                let ports: Vec<_> = inline_ports
                    .iter()
                    .filter(|p| p.name.value == port_name.value)
                    .collect();
                if all_inline && ports.is_empty() {
                    cx.error(
                        &codes::V018,
                        port_name.span,
                        format!(
                            "Gateway port '{} -> ' cannot be resolved. Check if referenced cluster exists and if it has any breed with referenced port name.",
                            port_name.value
                        ),
                    )
                    .help("an internal gateway is keyed by a port name of the cluster's breeds");
                }
                if let Some(tcp) = ports.iter().find(|p| p.protocol == Protocol::Tcp) {
                    tcp_rules(cx, gateway, &port_name.value.0, tcp.name.span);
                }
            }
            None => {
                if let Some(breed) = cluster
                    .services
                    .iter()
                    .filter_map(|s| s.breed.inline())
                    .find(|b| b.ports.len() > 1)
                {
                    cx.error(
                        &codes::V032,
                        gateway.span,
                        format!(
                            "Illegal anonymous routing port mapping - more than 1 port defined for '{}'.",
                            breed.name.value
                        ),
                    )
                    .label(breed.name.span, "this breed has several ports")
                    .help(format!(
                        "key the gateway by port name: {}",
                        breed
                            .ports
                            .iter()
                            .map(|p| p.name.value.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                } else if inline.is_some() {
                    if let [single] = inline_ports.as_slice() {
                        if single.protocol == Protocol::Tcp {
                            tcp_rules(cx, gateway, &single.name.value.0, single.name.span);
                        }
                    }
                }
            }
        }
    }
}

fn tcp_rules(
    cx: &mut Cx<'_>,
    gateway: &ClusterGateway,
    port: &str,
    port_span: crate::source::Span,
) {
    if let Some(sticky) = &gateway.sticky {
        cx.error(
            &codes::V030,
            sticky.span,
            format!("Sticky sessions are not allowed for TCP port: '{port}'."),
        )
        .label(port_span, "this port is TCP")
        .help("sticky sessions use an HTTP cookie; remove `sticky` or use an HTTP port");
    }
    for route in &gateway.routes {
        if let Some(RouteCondition::Inline(condition)) = &route.condition {
            condition_on_tcp(cx, port, &condition.text);
        }
    }
}

fn validate_external_gateway_ports(cx: &mut Cx<'_>, blueprint: &Blueprint) {
    let mut seen: Vec<&GatewayPort> = Vec::new();
    for gateway in &blueprint.gateways {
        if let Some(first) = seen.iter().find(|p| p.number == gateway.port.number) {
            cx.error(
                &codes::V033,
                gateway.port.span,
                format!("Duplicate gateway port: '{}'.", gateway.port.number),
            )
            .label(first.span, "first used here")
            .help("each blueprint gateway needs its own port");
        }
        seen.push(&gateway.port);
    }
}

fn validate_unique_breeds(cx: &mut Cx<'_>, blueprint: &Blueprint) {
    let mut seen: Vec<(&BreedName, crate::source::Span)> = Vec::new();
    for service in blueprint.services() {
        let name = service.breed.name();
        if let Some((_, first)) = seen.iter().find(|(n, _)| *n == name) {
            cx.error(
                &codes::V020,
                service.breed.name_span(),
                format!("Multiple references for breed: '{name}'."),
            )
            .label(*first, "first used here")
            .help("Vamp names services by breed: use each breed once per blueprint");
        } else {
            seen.push((name, service.breed.name_span()));
        }
    }
}

fn validate_service_environment_variables(cx: &mut Cx<'_>, blueprint: &Blueprint) {
    for service in blueprint.services() {
        validate_environment_overrides(
            cx,
            &service.breed,
            &service.environment_variables,
            "service",
        );
    }
}

/// In a blueprint, every dependency of an inline breed is another breed of the blueprint.
fn validate_breed_dependencies(cx: &mut Cx<'_>, blueprint: &Blueprint) {
    let names: Vec<&BreedName> = blueprint.services().map(|s| s.breed.name()).collect();
    for breed in blueprint.services().filter_map(|s| s.breed.inline()) {
        for dependency in &breed.dependencies {
            if !names.contains(&dependency.breed.name()) {
                cx.error(
                    &codes::V021,
                    dependency.breed.name_span(),
                    format!(
                        "Unresolved breed dependency for breed '{}' and dependency '{} -> {}'.",
                        breed.name.value,
                        dependency.alias.value,
                        dependency.breed.name()
                    ),
                )
                .help(format!(
                    "add a cluster running `{}` to the blueprint",
                    dependency.breed.name()
                ));
            }
        }
    }
}

fn validate_health_checks(cx: &mut Cx<'_>, blueprint: &Blueprint) {
    for cluster in &blueprint.clusters {
        if let Some(checks) = &cluster.health_checks {
            if let Some(breeds) = inline_breeds(cluster) {
                let ports: Vec<&str> = breeds
                    .iter()
                    .flat_map(|b| b.ports.iter().map(|p| p.name.value.as_str()))
                    .collect();
                check_health_check_ports(cx, checks, &ports);
            }
        }
        for service in &cluster.services {
            if let (Some(checks), Some(breed)) = (&service.health_checks, service.breed.inline()) {
                let ports: Vec<&str> = breed.ports.iter().map(|p| p.name.value.as_str()).collect();
                check_health_check_ports(cx, checks, &ports);
            }
        }
    }
}

fn validate_escalation_targets(cx: &mut Cx<'_>, blueprint: &Blueprint) {
    for cluster in &blueprint.clusters {
        let escalations = match &cluster.sla {
            Some(SlaRef::Inline(sla)) => &sla.escalations,
            Some(SlaRef::Reference { escalations, .. }) => escalations,
            None => continue,
        };
        let mut stack: Vec<&crate::ir::vamp::EscalationRef> = escalations.iter().collect();
        while let Some(escalation) = stack.pop() {
            let crate::ir::vamp::EscalationRef::Inline(escalation) = escalation else {
                continue;
            };
            match &escalation.kind {
                crate::ir::vamp::EscalationKind::ToAll(inner)
                | crate::ir::vamp::EscalationKind::ToOne(inner) => stack.extend(inner.iter()),
                _ => {
                    if let Some(target) = escalation.target() {
                        if blueprint.cluster(&target.value).is_none() {
                            cx.error(
                                &codes::V024,
                                target.span,
                                format!(
                                    "Unresolved scale escalation target cluster '{}' for cluster '{}'",
                                    target.value, cluster.name.value
                                ),
                            )
                            .help("`target` names a cluster of this blueprint");
                        }
                    }
                }
            }
        }
    }
}

/// The keys a cluster and a service share (health checks, network, dialects, which rehearse
/// keeps opaque), read last: the map is then finished, so any key left is unexpected.
fn read_placement_and_finish(
    cx: &mut Cx<'_>,
    map: &MapReader<'_>,
    path: &str,
) -> (Option<Vec<crate::ir::vamp::HealthCheck>>, Option<String>) {
    let health_checks = map
        .get("health_checks")
        .map(|n| read_health_checks(cx, n, &format!("{path}/health_checks")));
    let network = map
        .get("network")
        .and_then(|n| cx.string(n, "network"))
        .map(|n| n.value);
    for dialect in ["dialects", "dialect"] {
        map.consume(dialect);
    }
    map.finish(cx, ALWAYS_ALLOWED);
    (health_checks, network)
}
