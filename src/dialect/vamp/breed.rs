//! Breeds (SPEC §2): the deployable unit — image, ports, environment variables, constants,
//! arguments, dependencies on other breeds and health checks.

use super::codes;
use super::grammar;
use super::reader::{as_list, Cx, MapReader};
use crate::ir::vamp::{
    Argument, Breed, BreedName, BreedRef, Constant, Dependency, Deployable, EnvironmentVariable,
    HealthCheck, Origin, Port, PortName, Protocol, Spanned, TraitValue, ValueReference,
};
use crate::syntax::{Node, Value};

/// Keys every artifact map may carry besides its own fields.
pub const ALWAYS_ALLOWED: &[&str] = &["kind", "metadata"];

/// Reads a breed written in full (a breed document or an inline breed).
pub fn read_breed(cx: &mut Cx<'_>, map: &MapReader<'_>, origin: Option<Origin>) -> Option<Breed> {
    let name = cx.name(map);
    let deployable = read_deployable(cx, map);
    let ports = read_traits(cx, map, &["ports"], false)
        .into_iter()
        .map(|(name, _, value)| port(name, value))
        .collect();
    let environment_variables = read_environment_variables(cx, map, true);
    let constants = read_traits(cx, map, &["constants"], false)
        .into_iter()
        .map(|(name, _, value)| Constant { name, value })
        .collect();
    let arguments = map
        .get("arguments")
        .map(|node| read_arguments(cx, node))
        .unwrap_or_default();
    let dependencies = read_dependencies(cx, map);
    let health_checks = map
        .get("health_checks")
        .map(|node| read_health_checks(cx, node, &map.child_path("health_checks")))
        .unwrap_or_default();
    let metadata = cx.metadata(map);
    map.finish(cx, ALWAYS_ALLOWED);

    let breed = Breed {
        name: name.map(|n| Spanned::new(BreedName(n.value), n.span))?,
        deployable: deployable?,
        ports,
        environment_variables,
        constants,
        arguments,
        dependencies,
        health_checks,
        metadata,
        span: map.node.span,
        origin,
    };
    validate_breed(cx, &breed);
    Some(breed)
}

/// A breed where a reference is allowed (services, dependencies, workflows): a string or a
/// map with `reference`/`ref` names a breed, anything else is an inline breed.
pub fn read_breed_ref(cx: &mut Cx<'_>, node: &Node, path: &str) -> Option<BreedRef> {
    if let Some(text) = node.scalar_text() {
        let name = Spanned::new(text, node.span);
        cx.check_name(&name);
        return Some(BreedRef::Reference(Spanned::new(
            BreedName(name.value),
            name.span,
        )));
    }
    let map = cx.map(node, path)?;
    if map.has("reference") || map.has("ref") {
        let name = cx.reference(&map);
        map.finish(cx, ALWAYS_ALLOWED);
        return name.map(|n| BreedRef::Reference(Spanned::new(BreedName(n.value), n.span)));
    }
    read_breed(cx, &map, None).map(|b| BreedRef::Inline(Box::new(b)))
}

fn read_deployable(cx: &mut Cx<'_>, map: &MapReader<'_>) -> Option<Deployable> {
    let Some(node) = map.get("deployable") else {
        cx.missing(map, "deployable/definition");
        return None;
    };
    if node.is_scalar() {
        let definition = cx.string(node, "deployable")?;
        return Some(Deployable {
            kind: "container/docker".to_string(),
            definition,
        });
    }
    let inner = cx.map(node, "deployable")?;
    let kind = inner
        .get("type")
        .and_then(|t| cx.string(t, "deployable/type"))
        .map_or_else(|| "container/docker".to_string(), |t| t.value);
    let definition = match inner.get("definition") {
        Some(d) => cx.string(d, "deployable/definition"),
        None => {
            cx.missing(&inner, "definition");
            None
        }
    };
    inner.finish(cx, &[]);
    definition.map(|definition| Deployable { kind, definition })
}

/// `name[ALIAS]` → (name, alias).
pub fn split_alias(name: &str) -> (&str, Option<&str>) {
    if let Some(open) = name.find('[') {
        if name.ends_with(']') && open > 0 && open + 2 < name.len() {
            return (&name[..open], Some(&name[open + 1..name.len() - 1]));
        }
    }
    (name, None)
}

/// A trait map (`ports`, `environment_variables`/`env`, `constants`): names and scalar values.
/// Returns (name, alias, value).
pub fn read_traits(
    cx: &mut Cx<'_>,
    map: &MapReader<'_>,
    keys: &[&str],
    alias: bool,
) -> Vec<(Spanned<String>, Option<String>, Option<TraitValue>)> {
    let Some(node) = map.get_any(keys) else {
        return Vec::new();
    };
    let path = map.child_path(keys.first().copied().unwrap_or_default());
    let Some(traits) = cx.map(node, &path) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (key, key_node, value) in traits.entries() {
        if matches!(value.value, Value::Seq(_) | Value::Map(_)) {
            cx.error(
                &codes::V011,
                value.span,
                format!("Malformed entry for port, environment variable or constant '{key}'."),
            )
            .help("trait values are scalars, e.g. `web: 8080/http`");
            continue;
        }
        let (name, alias_text) = if alias {
            split_alias(&key)
        } else {
            (key.as_str(), None)
        };
        let name_span = key_node.span.sub(0..name.len());
        let value = trait_value(cx, value);
        out.push((
            Spanned::new(name.to_string(), name_span),
            alias_text.map(str::to_string),
            value,
        ));
    }
    out
}

pub fn read_environment_variables(
    cx: &mut Cx<'_>,
    map: &MapReader<'_>,
    alias: bool,
) -> Vec<EnvironmentVariable> {
    read_traits(cx, map, &["environment_variables", "env"], alias)
        .into_iter()
        .map(|(name, alias, value)| EnvironmentVariable { name, alias, value })
        .collect()
}

/// A scalar trait value with its `$references` parsed.
pub fn trait_value(cx: &mut Cx<'_>, node: &Node) -> Option<TraitValue> {
    let text = node.scalar_text()?;
    let references = match grammar::value_references(&text) {
        Ok(references) => references,
        Err(error) => {
            cx.error(
                &codes::V010,
                scalar_sub_span(node, &text, error.range.clone()),
                format!("Cannot parse: {}.", error.message),
            )
            .help("references are `$name`, `$cluster.host`, `$cluster.group.name` or `${...}`; write `$$` for a literal `$`");
            Vec::new()
        }
    };
    Some(TraitValue {
        text: Spanned::new(text, node.span),
        references,
    })
}

/// The span of `range` inside a scalar: exact for plain scalars, the whole scalar when quoting
/// or folding makes text and source differ.
pub fn scalar_sub_span(
    node: &Node,
    text: &str,
    range: std::ops::Range<usize>,
) -> crate::source::Span {
    if node.span.len() == text.len() {
        node.span.sub(range)
    } else if node.span.len() == text.len() + 2 {
        // Quoted without escapes: skip the opening quote.
        node.span.sub(range.start + 1..range.end + 1)
    } else {
        node.span
    }
}

fn port(name: Spanned<String>, value: Option<TraitValue>) -> Port {
    let text = value
        .as_ref()
        .map(|v| v.text.value.trim().to_string())
        .unwrap_or_default();
    let lower = text.to_ascii_lowercase();
    let (number, protocol) = if let Some(n) = lower.strip_suffix("/tcp") {
        (n, Protocol::Tcp)
    } else if let Some(n) = lower.strip_suffix("/http") {
        (n, Protocol::Http)
    } else {
        (lower.as_str(), Protocol::Http)
    };
    Port {
        name: Spanned::new(PortName(name.value), name.span),
        number: number.trim().parse().unwrap_or(0),
        protocol,
        value,
    }
}

/// Arguments: a list of one-key maps, or one map of several pairs.
pub fn read_arguments(cx: &mut Cx<'_>, node: &Node) -> Vec<Argument> {
    let mut out = Vec::new();
    let elements: Vec<&Node> = match &node.value {
        Value::Seq(items) => items.iter().collect(),
        _ => vec![node],
    };
    let single_map = matches!(node.value, Value::Map(_));
    for element in elements {
        let pairs: Vec<(&Node, &Node)> = match element.as_map() {
            Some(m) if single_map || m.len() == 1 => m.iter().map(|(k, v)| (k, v)).collect(),
            _ => {
                invalid_argument(cx, element);
                continue;
            }
        };
        for (key, value) in pairs {
            let Some(text) = value.scalar_text() else {
                invalid_argument(cx, element);
                continue;
            };
            let key_text = super::reader::key_string(key);
            let argument = Argument {
                key: Spanned::new(key_text, key.span),
                value: Spanned::new(text, value.span),
            };
            if argument.key.value == "privileged"
                && !matches!(
                    argument.value.value.to_ascii_lowercase().as_str(),
                    "true" | "false"
                )
            {
                cx.error(
                    &codes::V017,
                    value.span,
                    format!(
                        "Argument {} has an invalid value: {}.",
                        argument.key.value, argument.value.value
                    ),
                )
                .help("`privileged` is `true` or `false`");
            }
            out.push(argument);
        }
    }
    out
}

fn invalid_argument(cx: &mut Cx<'_>, element: &Node) {
    cx.error(
        &codes::V016,
        element.span,
        "Invalid argument - argument must be in form of 'key: value'.",
    )
    .help("write each argument as one pair, e.g. `- privileged: true`");
}

fn read_dependencies(cx: &mut Cx<'_>, map: &MapReader<'_>) -> Vec<Dependency> {
    let Some(node) = map.get("dependencies") else {
        return Vec::new();
    };
    let path = map.child_path("dependencies");
    let Some(deps) = cx.map(node, &path) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (alias, key, value) in deps.entries() {
        let item_path = format!("{path}/{alias}");
        let breed = if let Some(inner) = value.as_map().and(MapReader::new(value, &item_path)) {
            if inner.has("breed") {
                let breed = inner
                    .get("breed")
                    .and_then(|b| read_breed_ref(cx, b, &format!("{item_path}/breed")));
                inner.finish(cx, ALWAYS_ALLOWED);
                breed
            } else {
                read_breed_ref(cx, value, &item_path)
            }
        } else {
            read_breed_ref(cx, value, &item_path)
        };
        if let Some(breed) = breed {
            out.push(Dependency {
                alias: Spanned::new(alias, key.span),
                breed,
            });
        }
    }
    out
}

/// Health checks: one map or a list of maps.
pub fn read_health_checks(cx: &mut Cx<'_>, node: &Node, path: &str) -> Vec<HealthCheck> {
    let mut out = Vec::new();
    for (i, item) in as_list(node).into_iter().enumerate() {
        let item_path = format!("{path}/{i}");
        let Some(map) = cx.map(item, &item_path) else {
            continue;
        };
        let check_path = map
            .get("path")
            .and_then(|p| cx.string(p, "path"))
            .map_or_else(|| "/".to_string(), |p| p.value);
        let port = cx.required(&map, "port").and_then(|p| cx.string(p, "port"));
        let initial_delay = time(cx, &map, "initial_delay");
        let timeout = time(cx, &map, "timeout");
        let interval = time(cx, &map, "interval");
        let failures = cx
            .required(&map, "failures")
            .and_then(|f| cx.int(f, "failures"));
        let protocol = map
            .get("protocol")
            .and_then(|p| cx.string(p, "protocol"))
            .map_or_else(|| "HTTP".to_string(), |p| p.value);
        map.finish(cx, &[]);
        if let (Some(port), Some(initial_delay), Some(timeout), Some(interval), Some(failures)) =
            (port, initial_delay, timeout, interval, failures)
        {
            if failures.value < 0 {
                cx.error(
                    &codes::V035,
                    failures.span,
                    format!("Failures can not be negative: {}.", failures.value),
                )
                .help("`failures` is how many failed checks mark an instance unhealthy");
            }
            out.push(HealthCheck {
                path: check_path,
                port,
                initial_delay_ns: initial_delay,
                timeout_ns: timeout,
                interval_ns: interval,
                failures,
                protocol,
                span: item.span,
            });
        }
    }
    out
}

/// A required time (`30s`, `1m`, `1h`, or a bare number of seconds).
fn time(cx: &mut Cx<'_>, map: &MapReader<'_>, key: &str) -> Option<u64> {
    let node = cx.required(map, key)?;
    let text = match &node.value {
        Value::Int(_) | Value::Str(_) => node.scalar_text()?,
        _ => {
            cx.type_error(node, key, "a time such as `30s`");
            return None;
        }
    };
    match grammar::time_ns(&text) {
        Ok(ns) => Some(ns),
        Err(error) => {
            cx.error(
                &codes::V002,
                scalar_sub_span(node, &text, error.range),
                format!("Unexpected type for path '{key}': {}.", error.message),
            )
            .help("times are `30s`, `5m`, `1h` or a number of seconds");
            None
        }
    }
}

/// Health check ports must name ports of `ports`.
pub fn check_health_check_ports(cx: &mut Cx<'_>, checks: &[HealthCheck], ports: &[&str]) {
    for check in checks {
        if !ports.contains(&check.port.value.as_str()) {
            cx.error(
                &codes::V034,
                check.port.span,
                format!("Unresolved port reference: {}.", check.port.value),
            )
            .help(if ports.is_empty() {
                "the breed defines no ports".to_string()
            } else {
                format!(
                    "health checks name a port of the breed: {}",
                    ports.join(", ")
                )
            });
        }
    }
}

/// Vamp's `BreedReader.validate`, except dependency cycles (checked across documents in
/// `check::vamp`).
pub fn validate_breed(cx: &mut Cx<'_>, breed: &Breed) {
    for name in breed
        .ports
        .iter()
        .map(|p| Spanned::new(p.name.value.0.clone(), p.name.span))
        .chain(breed.environment_variables.iter().map(|e| e.name.clone()))
        .chain(breed.constants.iter().map(|c| c.name.clone()))
    {
        cx.check_strict_name(&name);
    }
    for port in &breed.ports {
        if port.value.is_none() {
            cx.error(
                &codes::V012,
                port.name.span,
                format!(
                    "Missing port value for '{}' and breed '{} -> {}'.",
                    port.name.value, breed.name.value, breed.deployable.definition.value
                ),
            )
            .help(format!(
                "give the port a number, e.g. `{}: 8080/http`",
                port.name.value
            ));
        }
    }
    for constant in &breed.constants {
        if constant.value.is_none() {
            cx.error(
                &codes::V013,
                constant.name.span,
                format!(
                    "Missing constant value for '{}' and breed '{} -> {}'.",
                    constant.name.value, breed.name.value, breed.deployable.definition.value
                ),
            )
            .help("constants need a value; use an environment variable for a value given later");
        }
    }
    let ports: Vec<&str> = breed.ports.iter().map(|p| p.name.value.as_str()).collect();
    check_health_check_ports(cx, &breed.health_checks, &ports);
    check_trait_references(cx, breed);
}

/// Every `$dependency.group.name` / `$dependency.host` in the breed's trait values must name a
/// declared dependency, and for an inline dependency a trait it has.
fn check_trait_references(cx: &mut Cx<'_>, breed: &Breed) {
    let values = breed
        .ports
        .iter()
        .filter_map(|p| p.value.as_ref())
        .chain(
            breed
                .environment_variables
                .iter()
                .filter_map(|e| e.value.as_ref()),
        )
        .chain(breed.constants.iter().filter_map(|c| c.value.as_ref()));
    for value in values {
        for reference in &value.references {
            let (cluster, trait_ref) = match reference {
                ValueReference::Trait {
                    cluster,
                    group,
                    name,
                } => (cluster, Some((group, name))),
                ValueReference::Host { cluster } => (cluster, None),
                _ => continue,
            };
            let dependency = breed
                .dependencies
                .iter()
                .find(|d| d.alias.value == *cluster);
            let resolved = match (dependency, trait_ref) {
                (None, _) => false,
                (Some(d), Some((group, name))) => match d.breed.inline() {
                    Some(inline) => has_trait(inline, group, name),
                    None => true,
                },
                (Some(_), None) => true,
            };
            if !resolved {
                let text = reference_text(reference);
                cx.error(
                    &codes::V015,
                    value.text.span,
                    format!(
                        "Unresolved reference '{text}' in breed '{} -> {}'. Check if breed dependency is declared.",
                        breed.name.value, breed.deployable.definition.value
                    ),
                )
                .help(match dependency {
                    None => format!("declare the dependency: `dependencies: {{{cluster}: <breed>}}`"),
                    Some(_) => format!("the dependency `{cluster}` has no such trait"),
                });
            }
        }
    }
}

/// Whether `breed` has trait `name` in `group`.
pub fn has_trait(breed: &Breed, group: &str, name: &str) -> bool {
    match group {
        "ports" => breed.ports.iter().any(|p| p.name.value.as_str() == name),
        "environment_variables" => breed
            .environment_variables
            .iter()
            .any(|e| e.name.value == name),
        "constants" => breed.constants.iter().any(|c| c.name.value == name),
        _ => false,
    }
}

/// A reference as Vamp prints it (without the `$`).
pub fn reference_text(reference: &ValueReference) -> String {
    match reference {
        ValueReference::Global { schema, path } => format!("{schema}://{}", path.join(".")),
        ValueReference::Trait {
            cluster,
            group,
            name,
        } => format!("{cluster}.{group}.{name}"),
        ValueReference::Host { cluster } => format!("{cluster}.host"),
        ValueReference::Local { name } => name.clone(),
    }
}

/// Vamp's rule for the environment variables a service or a workflow sets on its breed: each
/// needs a value, and an inline breed must declare it (a referenced breed is checked once it
/// resolves).
pub(super) fn validate_environment_overrides(
    cx: &mut Cx<'_>,
    breed: &BreedRef,
    variables: &[EnvironmentVariable],
    owner: &str,
) {
    for variable in variables {
        if variable.value.is_none() {
            cx.error(
                &codes::V026,
                variable.name.span,
                format!(
                    "Missing environment variable value for '{}' in service '{}.'",
                    variable.name.value,
                    breed.name()
                ),
            )
            .help("give the variable a value or remove it");
            continue;
        }
        let Some(inline) = breed.inline() else {
            continue;
        };
        if !inline
            .environment_variables
            .iter()
            .any(|e| e.name.value == variable.name.value)
        {
            cx.error(
                &codes::V015,
                variable.name.span,
                format!(
                    "Unresolved reference '{}' in breed '{} -> {}'. Check if breed dependency is declared.",
                    variable.name.value, inline.name.value, inline.deployable.definition.value
                ),
            )
            .help(format!(
                "a {owner} may only set environment variables its breed declares"
            ));
        }
    }
}
