//! Property schemas, data types, and the values checked against them (SPEC.md §1.3, §1.5,
//! §1.10: codes 103–107).

use super::functions::is_function;
use super::schema::{py_str, Ctx, ALL_VERSIONS};
use crate::diag::codes::c;
use crate::ir::cloudify::{DslVersion, Parameter};
use crate::source::Span;
use crate::syntax::{Mapping, Node, Value};
use indexmap::IndexMap;

pub const PRIMITIVES: [&str; 4] = ["string", "integer", "float", "boolean"];

/// Built-in types a schema may name (cloudify-common 7.0.5 `USER_PRIMITIVE_TYPES`), with the
/// version each needs: the object-based ones (ids the manager resolves) came with 1_4/1_5.
pub const USER_TYPES: [(&str, DslVersion); 17] = [
    ("string", ALL_VERSIONS),
    ("integer", ALL_VERSIONS),
    ("float", ALL_VERSIONS),
    ("boolean", ALL_VERSIONS),
    ("list", ALL_VERSIONS),
    ("dict", ALL_VERSIONS),
    ("regex", ALL_VERSIONS),
    ("textarea", ALL_VERSIONS),
    ("blueprint_id", DslVersion::V1_4),
    ("deployment_id", DslVersion::V1_4),
    ("capability_value", DslVersion::V1_4),
    ("scaling_group", DslVersion::V1_4),
    ("node_id", DslVersion::V1_4),
    ("node_type", DslVersion::V1_4),
    ("node_instance", DslVersion::V1_4),
    ("secret_key", DslVersion::V1_4),
    ("operation_name", DslVersion::V1_5),
];

fn user_type(name: &str) -> Option<DslVersion> {
    USER_TYPES.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
}

/// Keys of an input declaration (7.0.5 `inputs.py`).
pub const INPUT_KEYS: [(&str, DslVersion); 9] = [
    ("description", ALL_VERSIONS),
    ("type", ALL_VERSIONS),
    ("default", ALL_VERSIONS),
    ("required", DslVersion::V1_2),
    ("item_type", DslVersion::V1_4),
    ("constraints", ALL_VERSIONS),
    ("display_label", ALL_VERSIONS),
    ("hidden", ALL_VERSIONS),
    ("display", ALL_VERSIONS),
];

/// Keys of a workflow parameter declaration (7.0.5 `workflows.py`).
pub const PARAMETER_KEYS: [(&str, DslVersion); 6] = [
    ("description", ALL_VERSIONS),
    ("type", ALL_VERSIONS),
    ("default", ALL_VERSIONS),
    ("required", DslVersion::V1_2),
    ("item_type", DslVersion::V1_4),
    ("constraints", ALL_VERSIONS),
];

pub const PROPERTY_KEYS: [(&str, DslVersion); 4] = [
    ("description", ALL_VERSIONS),
    ("type", ALL_VERSIONS),
    ("default", ALL_VERSIONS),
    ("required", DslVersion::V1_2),
];

/// Reads a property schema (`{name: {description, type, default, required}}`). A property
/// typed with a data type and declared without a default gets `{}` as its default, as the
/// parser gives it (7.0.5 `SchemaPropertyDefault.parse`), so it is never mandatory.
pub fn read_schema(ctx: &mut Ctx, node: &Node) -> IndexMap<String, Parameter> {
    let mut schema = read_schema_with(ctx, node, &PROPERTY_KEYS);
    for parameter in schema.values_mut() {
        let data_typed = parameter
            .type_name
            .as_deref()
            .is_some_and(|t| user_type(t).is_none());
        if data_typed && parameter.default.is_none() {
            parameter.default = Some(Node::new(Value::Map(Mapping::default()), parameter.span));
        }
    }
    schema
}

/// Reads a schema whose declarations have the keys `keys`.
pub fn read_schema_with(
    ctx: &mut Ctx,
    node: &Node,
    keys: &[(&str, DslVersion)],
) -> IndexMap<String, Parameter> {
    let mut out = IndexMap::new();
    let Some(map) = ctx.map(node) else {
        return out;
    };
    for (name, key, value) in ctx.entries(map) {
        let mut parameter = Parameter {
            name: name.to_string(),
            span: key.span,
            description: None,
            type_name: None,
            default: None,
            required: true,
        };
        if let Some(fields) = ctx.map(value) {
            ctx.check_keys(fields, keys);
            parameter.description = ctx.opt_str(fields, "description");
            parameter.type_name = ctx.opt_str(fields, "type");
            parameter.default = fields.get("default").cloned();
            if let Some(required) = fields.get("required").and_then(|n| ctx.bool(n)) {
                parameter.required = required;
            }
        }
        out.insert(name.to_string(), parameter);
    }
    out
}

/// A data type: its own schema merged over its supertypes'.
#[derive(Clone, Debug)]
pub struct DataType {
    pub properties: IndexMap<String, Parameter>,
}

pub type DataTypes = IndexMap<String, DataType>;

/// Who owns a set of property values, for Cloudify's messages.
#[derive(Clone, Debug)]
pub enum Owner {
    Node(String),
    Relationship(String),
    GroupPolicy {
        group: String,
        policy: String,
    },
    Trigger {
        group: String,
        policy: String,
        trigger: String,
    },
}

impl Owner {
    fn name(&self) -> String {
        match self {
            Owner::Node(n) | Owner::Relationship(n) => n.clone(),
            Owner::GroupPolicy { group, policy } => format!("group '{group}', policy '{policy}'"),
            Owner::Trigger {
                group,
                policy,
                trigger,
            } => format!("group '{group}', policy '{policy}' trigger '{trigger}'"),
        }
    }

    fn undeclared(&self, property: &str) -> String {
        match self {
            Owner::Node(n) => {
                format!("'{n}' node '{property}' property is not part of the derived type properties schema")
            }
            Owner::Relationship(n) => format!(
                "'{n}' node relationship '{property}' property is not part of the derived relationship type properties schema"
            ),
            Owner::GroupPolicy { .. } | Owner::Trigger { .. } => format!(
                "{} '{property}' property is not part of the policy type properties schema",
                self.name()
            ),
        }
    }

    fn missing(&self, property: &str) -> String {
        match self {
            Owner::Node(n) => format!(
                "'{n}' node does not provide a value for mandatory '{property}' property which is part of its type schema"
            ),
            Owner::Relationship(n) => format!(
                "'{n}' node relationship does not provide a value for mandatory '{property}' property which is part of its relationship type schema"
            ),
            Owner::GroupPolicy { .. } | Owner::Trigger { .. } => format!(
                "{} does not provide a value for mandatory '{property}' property which is part of its policy type schema",
                self.name()
            ),
        }
    }
}

/// Checks the type names and defaults of a schema: unknown type 103, bad default 105.
pub fn check_schema(
    ctx: &mut Ctx,
    schema: &IndexMap<String, Parameter>,
    data_types: &DataTypes,
    owner: &str,
) {
    for parameter in schema.values() {
        if let Some(type_name) = &parameter.type_name {
            if !is_known_type(type_name, data_types) {
                ctx.error(
                    &c::C103,
                    parameter.span,
                    format!("Illegal type name '{type_name}'"),
                );
                continue;
            }
            if let Some(added) = user_type(type_name) {
                ctx.check_version(parameter.span, type_name, added);
            }
            if let Some(default) = &parameter.default {
                check_value(
                    ctx,
                    default,
                    type_name,
                    data_types,
                    owner,
                    &parameter.name,
                    false,
                );
            }
        }
    }
}

pub fn is_known_type(type_name: &str, data_types: &DataTypes) -> bool {
    user_type(type_name).is_some() || data_types.contains_key(type_name)
}

/// Checks one value against its declared type (105). Values of a data type are checked
/// recursively (106/107 with dotted paths); intrinsic functions are not checked.
pub fn check_value(
    ctx: &mut Ctx,
    value: &Node,
    type_name: &str,
    data_types: &DataTypes,
    owner: &str,
    path: &str,
    require_fields: bool,
) {
    if is_function(value) {
        return;
    }
    if let Some(data_type) = data_types.get(type_name) {
        let Some(map) = value.as_map() else {
            mismatch(ctx, value, type_name, owner, path);
            return;
        };
        for (name, key, field) in ctx.entries(map) {
            match data_type.properties.get(name) {
                None => ctx.error(
                    &c::C106,
                    key.span,
                    format!("Undefined property {name} in type {type_name} ({owner}.{path})"),
                ),
                Some(parameter) => {
                    if let Some(field_type) = &parameter.type_name {
                        let nested = format!("{path}.{name}");
                        let field = with_default(field, parameter, data_types);
                        check_value(ctx, &field, field_type, data_types, owner, &nested, true);
                    }
                }
            }
        }
        if require_fields {
            for (name, parameter) in &data_type.properties {
                if parameter.required && parameter.default.is_none() && !map.contains_key(name) {
                    ctx.error(
                        &c::C107,
                        value.span,
                        format!(
                            "Value of type {type_name} is missing property {name} ({owner}.{path})"
                        ),
                    );
                }
            }
        }
        return;
    }
    let valid = match type_name {
        "integer" => matches!(value.value, Value::Int(_)),
        "float" => matches!(value.value, Value::Int(_) | Value::Float(..)),
        "boolean" => matches!(value.value, Value::Bool(_)),
        "list" => matches!(value.value, Value::Seq(_)),
        "dict" => matches!(value.value, Value::Map(_)),
        "regex" => value.as_str().is_some(),
        _ => true,
    };
    if !valid {
        mismatch(ctx, value, type_name, owner, path);
    }
}

fn mismatch(ctx: &mut Ctx, value: &Node, type_name: &str, owner: &str, path: &str) {
    ctx.error(
        &c::C105,
        value.span,
        format!(
            "Property type validation failed in '{owner}': property '{path}' type is '{type_name}', yet it was assigned with the value '{}'",
            py_str(value)
        ),
    );
}

/// Merges values into a schema's defaults: undeclared 106, mandatory missing 107, type 105.
/// `owner_span` is where a missing value is reported.
pub fn merge_properties(
    ctx: &mut Ctx,
    schema: &IndexMap<String, Parameter>,
    values: Option<&Mapping>,
    data_types: &DataTypes,
    owner: &Owner,
    owner_span: Span,
) -> IndexMap<String, Node> {
    let mut merged = IndexMap::new();
    let owner_name = owner.name();
    let empty = Mapping::default();
    let values = values.unwrap_or(&empty);
    for (name, key, value) in ctx.entries(values) {
        match schema.get(name) {
            None => ctx.error(&c::C106, key.span, owner.undeclared(name)),
            Some(parameter) => {
                if let Some(type_name) = &parameter.type_name {
                    let value = with_default(value, parameter, data_types);
                    check_value(ctx, &value, type_name, data_types, &owner_name, name, true);
                }
            }
        }
    }
    // A resource that is adopted rather than created needs none of its mandatory properties;
    // whether it is must be a plain value (7.0.5 utils.py: code 219).
    let external = values
        .get("use_external_resource")
        .or_else(|| schema.get("use_external_resource")?.default.as_ref());
    let adopted = match external {
        Some(value) if is_function(value) => {
            ctx.error(
                &c::C219,
                value.span,
                "Only boolean values are allowed for `use_external_resource` property, don't use intrinsic functions.",
            );
            true
        }
        Some(value) => py_truthy(value),
        None => false,
    };
    for (name, parameter) in schema {
        let provided = values.get(name);
        let type_name = parameter.type_name.as_deref();
        match (provided, &parameter.default) {
            (Some(value), default) => {
                // Data-typed values get their fields' defaults, under the declared default.
                let derived = default
                    .as_ref()
                    .map(|d| fill_defaults(d, type_name, None, data_types));
                let value = fill_defaults(value, type_name, derived.as_ref(), data_types);
                merged.insert(name.clone(), value);
            }
            (None, Some(default)) => {
                merged.insert(
                    name.clone(),
                    fill_defaults(default, type_name, None, data_types),
                );
            }
            (None, None) => {
                if parameter.required && !adopted {
                    ctx.error(&c::C107, owner_span, owner.missing(name));
                }
            }
        }
    }
    // Undeclared values are kept too, so later checks (functions) still see them.
    for (key, value) in values.iter() {
        if let Some(name) = key.as_str() {
            merged
                .entry(name.to_string())
                .or_insert_with(|| value.clone());
        }
    }
    merged
}

/// A data-typed value with its declared default merged under it: the parser looks for
/// missing fields in the merged value (7.0.5 `utils.parse_value`, `derived_value`).
fn with_default(value: &Node, parameter: &Parameter, data_types: &DataTypes) -> Node {
    match (&parameter.default, parameter.type_name.as_deref()) {
        (Some(default), Some(t))
            if data_types.contains_key(t)
                && default.as_map().is_some()
                && value.as_map().is_some() =>
        {
            deep_merge(default, value)
        }
        _ => value.clone(),
    }
}

/// How deep [`fill_defaults`] follows data types into data types: a type that holds itself
/// must not recurse without end (the parser refuses such a type; we only stop).
const FILL_DEPTH: usize = 32;

/// The value Cloudify computes for a property (7.0.5 `utils.parse_value`): a mapping of a data
/// type gets, at each level, the type's field defaults, then `derived` (the declared default,
/// itself computed this way) over them, then its own fields over those, key by key without
/// going deeper; fields of a data type are then computed the same way with the matching field
/// of the defaults as their `derived`. Fields the type does not declare are kept (the parser
/// rejects them, code 106, already reported) so later checks see what was written. Untyped,
/// primitive and function values are returned as they are.
pub fn fill_defaults(
    value: &Node,
    type_name: Option<&str>,
    derived: Option<&Node>,
    data_types: &DataTypes,
) -> Node {
    fill_at(value, type_name, derived, data_types, FILL_DEPTH)
}

fn fill_at(
    value: &Node,
    type_name: Option<&str>,
    derived: Option<&Node>,
    data_types: &DataTypes,
    depth: usize,
) -> Node {
    let data_type = type_name.and_then(|t| data_types.get(t));
    let (Some(data_type), Some(given)) = (data_type, value.as_map()) else {
        return value.clone();
    };
    if depth == 0 || is_function(value) {
        return value.clone();
    }
    // The defaults of this level: the type's own, then the derived value's fields.
    let mut defaults: Vec<(&str, Node)> = Vec::new();
    for (name, field) in &data_type.properties {
        if let Some(default) = field_default(field) {
            let computed = fill_at(
                &default,
                field.type_name.as_deref(),
                None,
                data_types,
                depth - 1,
            );
            defaults.push((name.as_str(), computed));
        }
    }
    if let Some(derived) = derived.and_then(Node::as_map) {
        for (key, field) in derived.iter() {
            let Some(name) = key.as_str() else { continue };
            match defaults.iter_mut().find(|(n, _)| *n == name) {
                Some((_, slot)) => *slot = field.clone(),
                None => defaults.push((name, field.clone())),
            }
        }
    }
    let mut entries = Vec::new();
    for (name, field) in &data_type.properties {
        let default = defaults.iter().find(|(n, _)| n == name).map(|(_, v)| v);
        let own = given.entry(name);
        let computed = match (own, default) {
            (Some((key, own)), default) => (
                key.clone(),
                fill_at(
                    own,
                    field.type_name.as_deref(),
                    default,
                    data_types,
                    depth - 1,
                ),
            ),
            (None, Some(default)) => (
                Node::new(Value::Str(name.clone()), default.span),
                fill_at(
                    default,
                    field.type_name.as_deref(),
                    None,
                    data_types,
                    depth - 1,
                ),
            ),
            (None, None) => continue,
        };
        entries.push(computed);
    }
    for (key, own) in given.iter() {
        if !key
            .as_str()
            .is_some_and(|k| data_type.properties.contains_key(k))
        {
            entries.push((key.clone(), own.clone()));
        }
    }
    Node::new(Value::Map(Mapping { entries }), value.span)
}

/// A field's declared default; a data-typed field without one defaults to `{}` (7.0.5
/// `SchemaPropertyDefault.parse`, also for an explicit `null`).
fn field_default(field: &Parameter) -> Option<Node> {
    let data_typed = field
        .type_name
        .as_deref()
        .is_some_and(|t| user_type(t).is_none());
    match &field.default {
        Some(default) if data_typed && default.is_null() => {
            Some(Node::new(Value::Map(Mapping::default()), default.span))
        }
        Some(default) => Some(default.clone()),
        None if data_typed => Some(Node::new(Value::Map(Mapping::default()), field.span)),
        None => None,
    }
}

/// Python's truthiness of a plain value.
fn py_truthy(node: &Node) -> bool {
    match &node.value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Int(i) => *i != 0,
        Value::Float(f, _) => *f != 0.0,
        Value::Str(s) => !s.is_empty(),
        Value::Seq(items) => !items.is_empty(),
        Value::Map(m) => !m.entries.is_empty(),
    }
}

/// `over` merged onto `base`: mappings key by key, anything else replaced.
pub fn deep_merge(base: &Node, over: &Node) -> Node {
    match (&base.value, &over.value) {
        (Value::Map(b), Value::Map(o)) => {
            let mut entries = b.entries.clone();
            for (key, value) in &o.entries {
                let text = key.key_text();
                match entries
                    .iter_mut()
                    .find(|(k, _)| k.key_text() == text && text.is_some())
                {
                    Some((_, existing)) => *existing = deep_merge(existing, value),
                    None => entries.push((key.clone(), value.clone())),
                }
            }
            Node::new(Value::Map(Mapping { entries }), over.span)
        }
        _ => over.clone(),
    }
}

/// A definition for [`hierarchies`]: name, `derived_from` (with its span), where it is named.
pub type Derivation = (String, Option<(String, Span)>, Span);

/// Ordered definitions with `derived_from`: each one's hierarchy (root first, itself last),
/// or `None` when its parent is unknown (103) or it is on a cycle (100).
pub fn hierarchies(ctx: &mut Ctx, defs: &[Derivation], what: &str) -> Vec<Option<Vec<String>>> {
    let index = |name: &str| defs.iter().position(|(n, _, _)| n == name);
    let mut out: Vec<Option<Vec<String>>> = vec![None; defs.len()];
    let mut reported_cycle = false;
    for start in 0..defs.len() {
        let mut chain = vec![start];
        let mut current = start;
        let result = loop {
            let Some((parent, span)) = &defs[current].1 else {
                break Some(());
            };
            match index(parent) {
                None => {
                    ctx.error(
                        &c::C103,
                        *span,
                        format!(
                            "Missing definition for {what} '{parent}' which is declared as derived by {what} '{}'",
                            defs[current].0
                        ),
                    );
                    break None;
                }
                Some(p) if chain.contains(&p) => {
                    if !reported_cycle {
                        reported_cycle = true;
                        let names: Vec<&str> = chain.iter().map(|&i| defs[i].0.as_str()).collect();
                        ctx.error(
                            &c::C100,
                            defs[start].2,
                            format!(
                                "Parsing failed. Circular dependency detected: {} --> {}",
                                names.join(" --> "),
                                defs[p].0
                            ),
                        );
                    }
                    break None;
                }
                Some(p) => {
                    chain.push(p);
                    current = p;
                }
            }
        };
        if result.is_some() {
            out[start] = Some(chain.iter().rev().map(|&i| defs[i].0.clone()).collect());
        }
    }
    out
}

/// Reads `data_types` (≥ 1_2).
pub fn read_data_types(ctx: &mut Ctx, node: Option<&Node>) -> DataTypes {
    let mut out = DataTypes::new();
    let Some(map) = node.and_then(|n| ctx.map(n)) else {
        return out;
    };
    let mut defs = Vec::new();
    let mut own = Vec::new();
    for (name, key, value) in ctx.entries(map) {
        if PRIMITIVES.contains(&name) {
            ctx.error(
                &c::C104,
                key.span,
                format!("Can't redefine primitive type {name}"),
            );
            continue;
        }
        let Some(fields) = ctx.map(value) else {
            continue;
        };
        ctx.check_keys(
            fields,
            &[
                ("description", ALL_VERSIONS),
                ("version", ALL_VERSIONS),
                ("derived_from", ALL_VERSIONS),
                ("properties", ALL_VERSIONS),
            ],
        );
        let parent = fields
            .get("derived_from")
            .and_then(|n| ctx.str(n).map(|s| (s.to_string(), n.span)));
        let properties = fields
            .get("properties")
            .map(|n| read_schema(ctx, n))
            .unwrap_or_default();
        defs.push((name.to_string(), parent, key.span));
        own.push(properties);
    }
    let chains = hierarchies(ctx, &defs, "data type");
    for (i, chain) in chains.iter().enumerate() {
        let Some(chain) = chain else { continue };
        let mut properties = IndexMap::new();
        for name in chain {
            if let Some(j) = defs.iter().position(|(n, _, _)| n == name) {
                for (k, p) in &own[j] {
                    properties.insert(k.clone(), p.clone());
                }
            }
        }
        out.insert(defs[i].0.clone(), DataType { properties });
    }
    let snapshot = out.clone();
    for (name, data_type) in &snapshot {
        check_schema(ctx, &data_type.properties, &snapshot, name);
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::check::{self, Input, Options};
    use crate::dialect::Kind;

    /// The codes of a blueprint's errors.
    fn errors(text: &str) -> Vec<&'static str> {
        let checked = check::check(
            vec![Input {
                path: "blueprint.yaml".to_string(),
                bytes: text.as_bytes().to_vec(),
                reported: true,
                forced_kind: Some(Kind::Cloudify),
            }],
            &Options::default(),
        );
        checked.error_diagnostics().map(|d| d.code.id).collect()
    }

    const NESTED: &str = "tosca_definitions_version: cloudify_dsl_1_3
data_types:
  inner:
    properties:
      depth: {default: 3}
  outer:
    properties:
      name: {}
      env: {default: {}}
      nested: {type: inner}
      opts: {type: dict, default: {a: 1}}
node_types:
  t:
    properties:
      cfg: {type: outer}
      out: {default: ''}
node_templates:
  n:
    type: t
    properties:
      cfg: {name: x}
      out: {concat: [{get_property: [SELF, cfg, env]}, {get_property: [SELF, cfg, nested, depth]}, {get_property: [SELF, cfg, opts, a]}]}
";

    // Verdicts below are cloudify-common 7.0.5's (oracles/cloudify_parse_offline.py).

    #[test]
    fn lookups_read_the_data_types_nested_defaults() {
        assert_eq!(errors(NESTED), Vec::<&str>::new());
    }

    #[test]
    fn a_dict_field_given_replaces_its_default_whole() {
        let text = NESTED.replace("cfg: {name: x}", "cfg: {name: x, opts: {b: 2}}");
        assert_eq!(errors(&text), vec!["C303"]);
    }

    const REDECLARED: &str = "tosca_definitions_version: cloudify_dsl_1_3
data_types:
  outer:
    properties:
      name: {required: false}
      env: {required: false}
      region: {required: false}
node_types:
  base:
    properties:
      cfg: {type: outer, default: {env: prod, region: eu}}
      out: {default: ''}
  sub:
    derived_from: base
    properties:
      cfg: {type: outer, default: {name: y}}
node_templates:
  n:
    type: sub
    properties:
      cfg: {name: x}
      out: {get_property: [SELF, cfg, region]}
";

    #[test]
    fn a_subtype_default_of_the_same_data_type_is_merged_over_the_supertypes() {
        assert_eq!(errors(REDECLARED), Vec::<&str>::new());
    }

    #[test]
    fn a_subtype_default_of_another_type_replaces_the_supertypes() {
        let text = REDECLARED.replace(
            "cfg: {type: outer, default: {name: y}}",
            "cfg: {type: dict, default: {name: y}}",
        );
        assert_eq!(errors(&text), vec!["C303"]);
    }
}
