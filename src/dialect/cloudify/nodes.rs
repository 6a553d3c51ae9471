//! Node types, relationship types and node templates (SPEC.md §1.5–1.7).

use super::operations::{
    merge_interfaces, read_interfaces, resolve_interfaces, Interfaces, OperationSite,
};
use super::policies::read_instance_counts;
use super::schema::{Ctx, ALL_VERSIONS};
use super::types::{
    check_schema, fill_defaults, hierarchies, merge_properties, read_schema, DataTypes, Owner,
};
use crate::diag::codes::c;
use crate::ir::cloudify::{
    Count, DslVersion, Executor, Instances, NodeId, NodeTemplate, NodeType, Operation, Parameter,
    Plugin, RelationshipInstance, RelationshipType,
};
use crate::source::Span;
use crate::syntax::{Mapping, Node, Value};
use indexmap::IndexMap;

pub const COMPUTE: &str = "cloudify.nodes.Compute";
pub const CONTAINED_IN: &str = "cloudify.relationships.contained_in";

/// A type as written, before inheritance.
struct Written {
    name: String,
    span: Span,
    parent: Option<(String, Span)>,
    properties: IndexMap<String, Parameter>,
    interfaces: Vec<Interfaces>,
}

fn read_written(
    ctx: &mut Ctx,
    node: Option<&Node>,
    keys: &[(&str, DslVersion)],
    interface_keys: &[&str],
) -> Vec<Written> {
    let mut out = Vec::new();
    let Some(map) = node.and_then(|n| ctx.map(n)) else {
        return out;
    };
    for (name, key, value) in ctx.entries(map) {
        let mut written = Written {
            name: name.to_string(),
            span: key.span,
            parent: None,
            properties: IndexMap::new(),
            interfaces: Vec::new(),
        };
        if let Some(fields) = ctx.map(value) {
            ctx.check_keys(fields, keys);
            written.parent = fields
                .get("derived_from")
                .and_then(|n| ctx.str(n).map(|s| (s.to_string(), n.span)));
            written.properties = fields
                .get("properties")
                .map(|n| read_schema(ctx, n))
                .unwrap_or_default();
            for key in interface_keys {
                written
                    .interfaces
                    .push(read_interfaces(ctx, fields.get(key)));
            }
            for interfaces in &written.interfaces {
                check_input_schemas(ctx, interfaces);
            }
        } else {
            written.interfaces = vec![Interfaces::new(); interface_keys.len()];
        }
        out.push(written);
    }
    out
}

/// Operation inputs declared by types are schemas; their types must exist (code 80).
fn check_input_schemas(ctx: &mut Ctx, interfaces: &Interfaces) {
    for ops in interfaces.values() {
        for op in ops.values() {
            let Some(inputs) = op.inputs.as_ref().and_then(Node::as_map) else {
                continue;
            };
            for (key, schema) in inputs.iter() {
                match schema.as_map() {
                    Some(fields) => ctx.check_keys(fields, &super::types::PROPERTY_KEYS),
                    None => ctx.wrong_type(schema, "dict"),
                }
                let type_name = schema.as_map().and_then(|m| m.get("type"));
                if let Some(type_node) = type_name {
                    if let Some(t) = type_node.as_str() {
                        if !super::types::USER_TYPES.iter().any(|(n, _)| *n == t) {
                            ctx.error(
                                &c::C180,
                                type_node.span,
                                format!(
                                    "Unexpected type defined in inputs schema for input '{}' - unknown type is {t}",
                                    key.key_text().unwrap_or_default()
                                ),
                            );
                        }
                    }
                }
            }
        }
    }
}

/// A type after inheritance: hierarchy, merged properties, merged interfaces per slot.
type Inherited = (Vec<String>, IndexMap<String, Parameter>, Vec<Interfaces>);

/// Resolves inheritance: hierarchy, merged properties, merged interfaces.
fn inherit(
    ctx: &mut Ctx,
    written: &[Written],
    what: &str,
    data_types: &DataTypes,
) -> Vec<Option<Inherited>> {
    let defs: Vec<_> = written
        .iter()
        .map(|w| (w.name.clone(), w.parent.clone(), w.span))
        .collect();
    let chains = hierarchies(ctx, &defs, what);
    chains
        .into_iter()
        .map(|chain| {
            let chain = chain?;
            let mut properties = IndexMap::new();
            let mut interfaces: Vec<Interfaces> =
                vec![Interfaces::new(); written.first().map_or(0, |w| w.interfaces.len())];
            for name in &chain {
                let w = written.iter().find(|w| &w.name == name)?;
                for (k, p) in &w.properties {
                    let merged = redeclared(properties.get(k), p, data_types);
                    properties.insert(k.clone(), merged);
                }
                for (slot, own) in interfaces.iter_mut().zip(&w.interfaces) {
                    *slot = merge_interfaces(slot, own);
                }
            }
            Some((chain, properties, interfaces))
        })
        .collect()
}

/// A property a subtype declares again. With the same data type as its supertype's, its
/// default is computed over the supertype's (7.0.5 `utils.merge_schemas`), so fields the
/// subtype's default leaves out keep the supertype's values.
fn redeclared(inherited: Option<&Parameter>, own: &Parameter, data_types: &DataTypes) -> Parameter {
    let mut merged = own.clone();
    let Some(inherited) = inherited else {
        return merged;
    };
    let same_data_type = own.type_name.is_some()
        && own.type_name == inherited.type_name
        && own
            .type_name
            .as_deref()
            .is_some_and(|t| data_types.contains_key(t));
    if let (true, Some(base)) = (same_data_type, &inherited.default) {
        let type_name = own.type_name.as_deref();
        let base = fill_defaults(base, type_name, None, data_types);
        let start = own
            .default
            .clone()
            .unwrap_or_else(|| Node::new(Value::Map(Mapping::default()), own.span));
        merged.default = Some(fill_defaults(&start, type_name, Some(&base), data_types));
    }
    merged
}

/// Node types with their interfaces still unresolved (plugins are resolved per template).
pub struct NodeTypes {
    pub types: IndexMap<String, NodeType>,
    raw_interfaces: IndexMap<String, Interfaces>,
}

pub fn read_node_types(ctx: &mut Ctx, node: Option<&Node>, data_types: &DataTypes) -> NodeTypes {
    let written = read_written(
        ctx,
        node,
        &[
            ("derived_from", ALL_VERSIONS),
            ("properties", ALL_VERSIONS),
            ("interfaces", ALL_VERSIONS),
            ("runtime_properties", DslVersion::V1_5),
        ],
        &["interfaces"],
    );
    let mut out = NodeTypes {
        types: IndexMap::new(),
        raw_interfaces: IndexMap::new(),
    };
    for (w, inherited) in written
        .iter()
        .zip(inherit(ctx, &written, "type", data_types))
    {
        check_schema(ctx, &w.properties, data_types, &w.name);
        let Some((hierarchy, properties, mut interfaces)) = inherited else {
            continue;
        };
        let raw = interfaces.pop().unwrap_or_default();
        out.types.insert(
            w.name.clone(),
            NodeType {
                name: w.name.clone(),
                span: w.span,
                derived_from: w.parent.as_ref().map(|(p, _)| p.clone()),
                hierarchy,
                properties,
                interfaces: IndexMap::new(),
            },
        );
        out.raw_interfaces.insert(w.name.clone(), raw);
    }
    out
}

/// Relationship types with their raw interfaces (templates override them per instance).
pub struct RelationshipTypes {
    pub types: IndexMap<String, RelationshipType>,
    raw: IndexMap<String, (Interfaces, Interfaces)>,
}

pub fn read_relationship_types(
    ctx: &mut Ctx,
    node: Option<&Node>,
    data_types: &DataTypes,
    plugins: &IndexMap<String, Plugin>,
) -> RelationshipTypes {
    let written = read_written(
        ctx,
        node,
        &[
            ("derived_from", ALL_VERSIONS),
            ("properties", ALL_VERSIONS),
            ("source_interfaces", ALL_VERSIONS),
            ("target_interfaces", ALL_VERSIONS),
        ],
        &["source_interfaces", "target_interfaces"],
    );
    let mut out = RelationshipTypes {
        types: IndexMap::new(),
        raw: IndexMap::new(),
    };
    for (w, inherited) in written
        .iter()
        .zip(inherit(ctx, &written, "relationship", data_types))
    {
        check_schema(ctx, &w.properties, data_types, &w.name);
        let Some((hierarchy, properties, interfaces)) = inherited else {
            continue;
        };
        let mut sides = interfaces.into_iter();
        let source = sides.next().unwrap_or_default();
        let target = sides.next().unwrap_or_default();
        // Cloudify resolves a relationship type's own operations when it reads the type.
        let site = OperationSite::RelationshipType(&w.name);
        let own = &w.interfaces;
        let source_operations = resolve_interfaces(
            ctx,
            own.first().unwrap_or(&Interfaces::new()),
            plugins,
            &site,
        );
        let target_operations = resolve_interfaces(
            ctx,
            own.get(1).unwrap_or(&Interfaces::new()),
            plugins,
            &site,
        );
        let _ = (source_operations, target_operations);
        out.types.insert(
            w.name.clone(),
            RelationshipType {
                name: w.name.clone(),
                span: w.span,
                derived_from: w.parent.as_ref().map(|(p, _)| p.clone()),
                hierarchy,
                properties,
                source_interfaces: IndexMap::new(),
                target_interfaces: IndexMap::new(),
            },
        );
        out.raw.insert(w.name.clone(), (source, target));
    }
    out
}

const TEMPLATE_KEYS: [(&str, DslVersion); 6] = [
    ("type", ALL_VERSIONS),
    ("properties", ALL_VERSIONS),
    ("interfaces", ALL_VERSIONS),
    ("relationships", ALL_VERSIONS),
    ("instances", ALL_VERSIONS),
    ("capabilities", DslVersion::V1_3),
];

const RELATIONSHIP_KEYS: [(&str, DslVersion); 5] = [
    ("type", ALL_VERSIONS),
    ("target", ALL_VERSIONS),
    ("properties", ALL_VERSIONS),
    ("source_interfaces", ALL_VERSIONS),
    ("target_interfaces", ALL_VERSIONS),
];

pub fn read_node_templates(
    ctx: &mut Ctx,
    node: Option<&Node>,
    node_types: &NodeTypes,
    relationship_types: &RelationshipTypes,
    plugins: &IndexMap<String, Plugin>,
    data_types: &DataTypes,
) -> Vec<NodeTemplate> {
    let Some(map) = node.and_then(|n| ctx.map(n)) else {
        return Vec::new();
    };
    let entries = ctx.entries(map);
    let names: Vec<&str> = entries.iter().map(|(n, _, _)| *n).collect();
    let mut templates = Vec::new();
    // Relationship targets by name, resolved once every template is known.
    let mut pending_targets: Vec<Vec<(String, Span)>> = Vec::new();
    for (name, key, value) in &entries {
        let Some(fields) = ctx.map(value) else {
            continue;
        };
        ctx.check_keys(fields, &TEMPLATE_KEYS);
        let Some(type_node) = ctx.required(fields, "type", key.span) else {
            continue;
        };
        let Some(type_name) = ctx.str(type_node) else {
            continue;
        };
        let properties_node = fields.get("properties");
        let values = properties_node.and_then(|n| ctx.map(n));
        let interfaces = read_interfaces(ctx, fields.get("interfaces"));
        // A template of an unknown type is still a node (its relationships, its place in
        // groups and functions are checked), with its properties taken as written.
        let known_type = node_types.types.get(type_name);
        if known_type.is_none() {
            let existing: Vec<String> = node_types.types.keys().map(|k| format!("'{k}'")).collect();
            ctx.error(
                &c::C007,
                type_node.span,
                format!(
                    "Could not locate node type: '{type_name}'; existing types: [{}]",
                    existing.join(", ")
                ),
            );
        }
        let hierarchy =
            known_type.map_or_else(|| vec![type_name.to_string()], |t| t.hierarchy.clone());
        let properties = match known_type {
            Some(node_type) => merge_properties(
                ctx,
                &node_type.properties,
                values,
                data_types,
                &Owner::Node(name.to_string()),
                key.span,
            ),
            None => values
                .map(|m| {
                    m.iter()
                        .filter_map(|(k, v)| Some((k.as_str()?.to_string(), v.clone())))
                        .collect()
                })
                .unwrap_or_default(),
        };
        let type_interfaces = node_types
            .raw_interfaces
            .get(type_name)
            .cloned()
            .unwrap_or_default();
        let merged = merge_template_operations(ctx, name, key.span, &type_interfaces, &interfaces);
        let site = OperationSite::Node {
            node: name,
            type_name,
        };
        let operations = resolve_interfaces(ctx, &merged, plugins, &site);

        let mut relationships = Vec::new();
        let mut targets = Vec::new();
        if let Some(list) = fields.get("relationships").and_then(|n| ctx.seq(n)) {
            for item in list {
                let Some(rel) = ctx.map(item) else {
                    continue;
                };
                ctx.check_keys(rel, &RELATIONSHIP_KEYS);
                let rel_type = ctx
                    .required(rel, "type", item.span)
                    .and_then(|n| ctx.str(n).map(|s| (s.to_string(), n.span)));
                let target = ctx
                    .required(rel, "target", item.span)
                    .and_then(|n| ctx.str(n).map(|s| (s.to_string(), n.span)));
                let (Some((rel_type, type_span)), Some((target, target_span))) = (rel_type, target)
                else {
                    continue;
                };
                // An unknown type does not hide a bad target: both are reported.
                let definition = relationship_types.types.get(&rel_type);
                if definition.is_none() {
                    ctx.error(
                        &c::C026,
                        type_span,
                        format!(
                            "A relationship instance under node '{name}' declares an undefined relationship type '{rel_type}'"
                        ),
                    );
                }
                if target == *name {
                    ctx.error(
                        &c::C023,
                        target_span,
                        format!(
                            "A relationship instance under node '{name}' of type '{rel_type}' illegally declares the source node as the target node"
                        ),
                    );
                    continue;
                }
                if !names.contains(&target.as_str()) {
                    ctx.error(
                        &c::C025,
                        target_span,
                        format!(
                            "A relationship instance under node '{name}' of type '{rel_type}' declares an undefined target node '{target}'"
                        ),
                    );
                    continue;
                }
                let Some(definition) = definition else {
                    relationships.push(RelationshipInstance {
                        span: item.span,
                        type_name: rel_type.clone(),
                        hierarchy: vec![rel_type.clone()],
                        target: NodeId(usize::MAX),
                        properties: IndexMap::new(),
                        source_operations: IndexMap::new(),
                        target_operations: IndexMap::new(),
                    });
                    targets.push((target, target_span));
                    continue;
                };
                let rel_values = rel.get("properties").and_then(|n| ctx.map(n));
                let rel_properties = merge_properties(
                    ctx,
                    &definition.properties,
                    rel_values,
                    data_types,
                    &Owner::Relationship(name.to_string()),
                    item.span,
                );
                let (type_source, type_target) = relationship_types
                    .raw
                    .get(&rel_type)
                    .cloned()
                    .unwrap_or_default();
                let own_source = read_interfaces(ctx, rel.get("source_interfaces"));
                let own_target = read_interfaces(ctx, rel.get("target_interfaces"));
                let rel_site = OperationSite::RelationshipInstance {
                    node: name,
                    type_name: &rel_type,
                };
                let source_operations = resolve_interfaces(
                    ctx,
                    &merge_interfaces(&type_source, &own_source),
                    plugins,
                    &rel_site,
                );
                let target_operations = resolve_interfaces(
                    ctx,
                    &merge_interfaces(&type_target, &own_target),
                    plugins,
                    &rel_site,
                );
                relationships.push(RelationshipInstance {
                    span: item.span,
                    type_name: rel_type.clone(),
                    hierarchy: definition.hierarchy.clone(),
                    target: NodeId(usize::MAX),
                    properties: rel_properties,
                    source_operations,
                    target_operations,
                });
                targets.push((target, target_span));
            }
        }
        let contained: Vec<&RelationshipInstance> = relationships
            .iter()
            .filter(|r| r.is_a(CONTAINED_IN))
            .collect();
        if contained.len() > 1 {
            let types: Vec<String> = contained
                .iter()
                .map(|r| format!("'{}'", r.type_name))
                .collect();
            let found: Vec<String> = relationships
                .iter()
                .zip(&targets)
                .filter(|(r, _)| r.is_a(CONTAINED_IN))
                .map(|(_, (t, _))| format!("'{t}'"))
                .collect();
            ctx.error(
                &c::C112,
                key.span,
                format!(
                    "Node '{name}' has more than one relationship that is derived from '{CONTAINED_IN}' relationship. Found: [{}] for targets: [{}]",
                    types.join(", "),
                    found.join(", ")
                ),
            );
        }
        let instances = read_template_instances(ctx, name, key.span, fields);
        templates.push(NodeTemplate {
            name: name.to_string(),
            span: key.span,
            type_name: type_name.to_string(),
            is_host: hierarchy.iter().any(|t| t == COMPUTE),
            hierarchy,
            properties,
            interfaces: operations,
            relationships,
            contained_in: None,
            host: None,
            instances,
        });
        pending_targets.push(targets);
    }
    link(&mut templates, &pending_targets);
    // With an unread plugin, a node's host may be of one of its types: hosts are unknown.
    if !ctx.opaque {
        check_host_agent_plugins(ctx, &templates, plugins);
    }
    templates
}

/// A template's operations over its type's: an operation with an implementation replaces the
/// type's; one with only `inputs` fills the type's input schema (107 / 50 when it cannot).
fn merge_template_operations(
    ctx: &mut Ctx,
    node: &str,
    node_span: Span,
    type_interfaces: &Interfaces,
    own: &Interfaces,
) -> Interfaces {
    let mut merged = Interfaces::new();
    let mut missing: Vec<String> = Vec::new();
    for (iface, ops) in type_interfaces {
        let mut out = IndexMap::new();
        for (op_name, type_op) in ops {
            let own_op = own.get(iface).and_then(|o| o.get(op_name));
            let op = match own_op {
                Some(o) if !(o.inputs_only && o.implementation.is_empty()) => o.clone(),
                _ => {
                    let values = own_op.and_then(|o| o.inputs.as_ref());
                    let mut op = type_op.clone();
                    op.inputs = fill_inputs(ctx, type_op.inputs.as_ref(), values, &mut missing);
                    if let Some(o) = own_op {
                        op.span = o.span;
                    }
                    op
                }
            };
            out.insert(op_name.clone(), op);
        }
        merged.insert(iface.clone(), out);
    }
    for (iface, ops) in own {
        let target = merged.entry(iface.clone()).or_default();
        for (op_name, op) in ops {
            target.entry(op_name.clone()).or_insert_with(|| op.clone());
        }
    }
    match missing.as_slice() {
        [] => {}
        [one] => ctx.error(
            &c::C157,
            node_span,
            format!("Input '{one}' is missing a value"),
        ),
        many => {
            let list: Vec<String> = many.iter().map(|m| format!("'{m}'")).collect();
            ctx.error(
                &c::C157,
                node_span,
                format!("Inputs {} are missing a value", list.join(", ")),
            )
        }
    }
    let _ = node;
    merged
}

/// Values for a type's input schema: defaults, then the template's values (type-checked).
fn fill_inputs(
    ctx: &mut Ctx,
    schema: Option<&Node>,
    values: Option<&Node>,
    missing: &mut Vec<String>,
) -> Option<Node> {
    let schema = schema.and_then(Node::as_map)?;
    let values = values.and_then(Node::as_map);
    let mut entries = Vec::new();
    for (key, declaration) in schema.iter() {
        let Some(name) = key.as_str() else { continue };
        let declaration = declaration.as_map();
        let provided = values.and_then(|v| v.entry(name));
        let type_name = declaration
            .and_then(|d| d.get("type"))
            .and_then(Node::as_str);
        match provided {
            Some((k, v)) => {
                if let Some(t) = type_name {
                    let valid = super::functions::is_function(v)
                        || match t {
                            "integer" => v.as_i64().is_some(),
                            "float" => v.as_f64().is_some(),
                            "boolean" => v.as_bool().is_some(),
                            _ => true,
                        };
                    if !valid {
                        ctx.error(
                            &c::C150,
                            v.span,
                            format!(
                                "Input type validation failed: Input '{name}' type is '{t}', yet it was assigned with the value '{}'",
                                super::schema::py_str(v)
                            ),
                        );
                    }
                }
                entries.push((k.clone(), v.clone()));
            }
            None => match declaration.and_then(|d| d.get("default")) {
                Some(default) => entries.push((key.clone(), default.clone())),
                None => missing.push(name.to_string()),
            },
        }
    }
    if let Some(values) = values {
        for (k, v) in values.iter() {
            if k.as_str().is_some_and(|n| !schema.contains_key(n)) {
                entries.push((k.clone(), v.clone()));
            }
        }
    }
    let span = values
        .map(|_| schema_span(schema))
        .unwrap_or(schema_span(schema));
    Some(Node::new(
        crate::syntax::Value::Map(crate::syntax::Mapping { entries }),
        span,
    ))
}

fn schema_span(schema: &crate::syntax::Mapping) -> Span {
    schema
        .entries
        .first()
        .map(|(k, _)| k.span)
        .unwrap_or(Span::point(crate::source::FileId(0), 0))
}

fn read_template_instances(
    ctx: &mut Ctx,
    name: &str,
    span: Span,
    fields: &crate::syntax::Mapping,
) -> Instances {
    let mut instances = Instances::default();
    let deploy = fields.get("instances").and_then(|n| {
        let map = ctx.map(n)?;
        ctx.check_keys(map, &[("deploy", ALL_VERSIONS)]);
        let deploy = ctx.required(map, "deploy", n.span)?;
        let value = ctx.int(deploy)?;
        if value < 0 {
            ctx.error(
                &c::C123,
                deploy.span,
                "deploy instances must be a non-negative number",
            );
        }
        Some((value, n.span))
    });
    if let Some((value, deploy_span)) = deploy {
        instances.default = Count::Fixed(value);
        instances.span = Some(deploy_span);
    }
    let capabilities = fields.get("capabilities").filter(|n| !n.is_null());
    if capabilities.is_some() && deploy.is_some() {
        ctx.error(
            &c::C209,
            span,
            format!(
                "Node '{name}' defines both instances.deploy and capabilities.scalable (Note: instances.deploy is deprecated)"
            ),
        );
    }
    let scalable = capabilities.and_then(|n| ctx.map(n)).and_then(|caps| {
        ctx.check_keys(caps, &[("scalable", ALL_VERSIONS)]);
        let scalable = caps.get("scalable")?;
        let map = ctx.map(scalable)?;
        ctx.check_keys(map, &[("properties", ALL_VERSIONS)]);
        Some((map.get("properties"), scalable.span))
    });
    if let Some((properties, scalable_span)) = scalable {
        instances = read_instance_counts(ctx, properties, scalable_span);
    }
    instances
}

/// Resolves relationship targets to ids, then containers and hosts.
fn link(templates: &mut [NodeTemplate], targets: &[Vec<(String, Span)>]) {
    let ids: IndexMap<String, usize> = templates
        .iter()
        .enumerate()
        .map(|(i, t)| (t.name.clone(), i))
        .collect();
    for (template, targets) in templates.iter_mut().zip(targets) {
        for (rel, (target, _)) in template.relationships.iter_mut().zip(targets) {
            if let Some(&id) = ids.get(target) {
                rel.target = NodeId(id);
            }
        }
        template.relationships.retain(|r| r.target.0 != usize::MAX);
        template.contained_in = template
            .relationships
            .iter()
            .find(|r| r.is_a(CONTAINED_IN))
            .map(|r| r.target);
    }
    for i in 0..templates.len() {
        let mut current = i;
        let mut host = None;
        // Bounded walk: a containment cycle has no host.
        for _ in 0..=templates.len() {
            if templates[current].is_host {
                host = Some(NodeId(current));
                break;
            }
            match templates[current].contained_in {
                Some(NodeId(next)) => current = next,
                None => break,
            }
        }
        templates[i].host = host;
    }
}

/// A node without a host cannot run `host_agent` plugins (code 24).
fn check_host_agent_plugins(
    ctx: &mut Ctx,
    templates: &[NodeTemplate],
    plugins: &IndexMap<String, Plugin>,
) {
    for template in templates.iter().filter(|t| t.host.is_none()) {
        let offending = template
            .interfaces
            .values()
            .flat_map(|ops| ops.values())
            .find_map(|op: &Operation| {
                let plugin = plugins.get(op.plugin.as_deref()?)?;
                let executor = op.executor.or(plugin.executor)?;
                (executor == Executor::HostAgent).then_some(plugin.name.clone())
            });
        if let Some(plugin) = offending {
            ctx.error(
                &c::C024,
                template.span,
                format!(
                    "node '{}' has no relationship which makes it contained within a host and it has a plugin '{plugin}' with 'host_agent' as an executor. These types of plugins must be installed on a host",
                    template.name
                ),
            );
        }
    }
}
