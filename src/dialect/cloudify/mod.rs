//! The Cloudify dialect (cloudify_dsl_1_0 … 1_3, reference/cloudify/SPEC.md): a blueprint's
//! files, merged as Cloudify merges imports, → one [`Blueprint`] plus diagnostics.
//!
//! Cloudify stops at its first error; we report every error we find, each with Cloudify's
//! numeric code (or exception class) as its peer. Reading files and following imports is
//! `check::cloudify`'s job; this module only sees spanned trees.

pub mod builtin;
mod constraints;
mod functions;
pub mod merge;
mod nodes;
mod operations;
mod policies;
pub mod schema;
mod types;

use crate::diag::codes::c;
use crate::diag::Diagnostic;
use crate::ir::cloudify::{Blueprint, DslVersion, Output, Plugin, Workflow};
use crate::source::Span;
use crate::syntax::{Mapping, Node, Value};
use indexmap::IndexMap;
use schema::{Ctx, ALL_VERSIONS};
use std::path::PathBuf;

pub use functions::is_function;

/// Top-level keys and the version each appeared in (SPEC.md §1).
const TOP_LEVEL: [(&str, DslVersion); 24] = [
    ("tosca_definitions_version", ALL_VERSIONS),
    ("description", DslVersion::V1_2),
    ("imports", ALL_VERSIONS),
    ("dsl_definitions", DslVersion::V1_2),
    ("metadata", ALL_VERSIONS),
    ("inputs", ALL_VERSIONS),
    ("plugins", ALL_VERSIONS),
    ("node_types", ALL_VERSIONS),
    ("relationships", ALL_VERSIONS),
    ("node_templates", ALL_VERSIONS),
    ("policy_types", ALL_VERSIONS),
    ("policy_triggers", ALL_VERSIONS),
    ("groups", ALL_VERSIONS),
    ("policies", DslVersion::V1_3),
    ("workflows", ALL_VERSIONS),
    ("outputs", ALL_VERSIONS),
    ("data_types", DslVersion::V1_2),
    ("capabilities", ALL_VERSIONS),
    ("imported_blueprints", ALL_VERSIONS),
    ("namespaces_mapping", ALL_VERSIONS),
    ("labels", ALL_VERSIONS),
    ("blueprint_labels", ALL_VERSIONS),
    ("deployment_settings", ALL_VERSIONS),
    ("resource_tags", DslVersion::V1_3),
];

/// Reads the version of a main file: missing 27, not a string 1, unsupported 29.
pub fn read_version(root: &Node, diags: &mut Vec<Diagnostic>) -> Option<DslVersion> {
    let Some(map) = root.as_map() else {
        diags.push(schema::error(
            &c::C121,
            root.span,
            format!(
                "Expected 'dict' type but found '{}' type",
                schema::py_type(root)
            ),
        ));
        return None;
    };
    let Some(node) = map
        .get("tosca_definitions_version")
        .filter(|n| !n.is_null())
    else {
        diags.push(schema::error(
            &c::C027,
            root.span,
            "tosca_definitions_version field must appear in the main blueprint file",
        ));
        return None;
    };
    let Some(text) = node.as_str() else {
        diags.push(schema::error(
            &c::C121,
            node.span,
            format!(
                "Expected 'string' type but found '{}' type",
                schema::py_type(node)
            ),
        ));
        return None;
    };
    let version = DslVersion::parse(text);
    if version.is_none() {
        let supported: Vec<String> = DslVersion::SUPPORTED
            .iter()
            .map(|v| format!("'{}'", v.name()))
            .collect();
        diags.push(
            schema::error(
                &c::C029,
                node.span,
                format!(
                    "Unexpected tosca_definitions_version {text}; Currently supported versions are: [{}]",
                    supported.join(", ")
                ),
            )
            .with_help("rehearse reads cloudify_dsl_1_0 … cloudify_dsl_1_5"),
        );
    }
    version
}

/// Reports strings with non-ASCII characters (Cloudify code 108), once per file.
pub fn check_ascii(root: &Node, diags: &mut Vec<Diagnostic>) {
    fn first_non_ascii(node: &Node) -> Option<Span> {
        match &node.value {
            Value::Str(s) => s.bytes().position(|b| !b.is_ascii()).map(|_| node.span),
            Value::Seq(items) => items.iter().find_map(first_non_ascii),
            Value::Map(m) => m
                .iter()
                .find_map(|(k, v)| first_non_ascii(k).or_else(|| first_non_ascii(v))),
            _ => None,
        }
    }
    if let Some(span) = first_non_ascii(root) {
        diags.push(schema::error(
            &c::C108,
            span,
            "illegal characters in blueprint. Only valid ascii chars are supported.",
        ));
    }
}

/// Reads a merged blueprint (see [`merge`]). `opaque`: an import (a plugin missing from the
/// plugin cache) could not be read, so names nothing defines may be its definitions.
pub fn read(
    root: &Mapping,
    span: Span,
    version: DslVersion,
    blueprint_dir: Option<PathBuf>,
    sandbox: &crate::sandbox::Sandbox,
    opaque: bool,
    diags: &mut Vec<Diagnostic>,
) -> Blueprint {
    let mut ctx = Ctx {
        version,
        diags,
        blueprint_dir,
        sandbox: sandbox.clone(),
        opaque,
    };
    ctx.check_keys(root, &TOP_LEVEL);
    let section = |key: &str| root.get(key).filter(|n| !n.is_null());

    let description = section("description").and_then(|n| ctx.str(n).map(str::to_string));
    // Sections read for their shape only: nothing later in the check depends on them.
    for key in [
        "metadata",
        "capabilities",
        "namespaces_mapping",
        "labels",
        "blueprint_labels",
        "deployment_settings",
        "resource_tags",
    ] {
        if let Some(value) = section(key) {
            ctx.map(value);
        }
    }
    if let Some(value) = section("imported_blueprints") {
        ctx.seq(value);
    }
    let data_types = types::read_data_types(&mut ctx, section("data_types"));
    let inputs = section("inputs")
        .map(|n| types::read_schema_with(&mut ctx, n, &types::INPUT_KEYS))
        .unwrap_or_default();
    types::check_schema(&mut ctx, &inputs, &data_types, "inputs");
    if let Some(inputs) = section("inputs") {
        constraints::check_schema(&mut ctx, inputs, constraints::Owner::Input);
    }
    let plugins = read_plugins(&mut ctx, section("plugins"));
    let node_types = nodes::read_node_types(&mut ctx, section("node_types"), &data_types);
    let relationship_types =
        nodes::read_relationship_types(&mut ctx, section("relationships"), &data_types, &plugins);

    // `node_templates` may be absent: dsl_parser 7.0.5 (elements/blueprint.py) no longer
    // requires it, as the 4.x parser of the corpus did.
    let nodes = nodes::read_node_templates(
        &mut ctx,
        section("node_templates"),
        &node_types,
        &relationship_types,
        &plugins,
        &data_types,
    );
    let workflows = read_workflows(&mut ctx, section("workflows"), &plugins);
    let policy_types = policies::read_policy_types(&mut ctx, section("policy_types"), &data_types);
    let policy_triggers =
        policies::read_policy_triggers(&mut ctx, section("policy_triggers"), &data_types);
    let groups = policies::read_groups(
        &mut ctx,
        section("groups"),
        &nodes,
        &policy_types,
        &policy_triggers,
        &data_types,
    );
    let scaling_policies = policies::read_scaling_policies(&mut ctx, section("policies"), &groups);
    policies::check_scaling_groups(&mut ctx, &nodes, &groups, &scaling_policies);
    let outputs = read_outputs(&mut ctx, section("outputs"));

    let blueprint = Blueprint {
        span,
        version,
        description,
        inputs,
        plugins,
        node_types: node_types.types,
        relationship_types: relationship_types.types,
        nodes,
        workflows,
        policy_types,
        policy_triggers,
        groups,
        scaling_policies,
        outputs,
        inlined: None,
    };
    functions::check(&mut ctx, &blueprint, section("capabilities"));
    blueprint
}

fn read_plugins(ctx: &mut Ctx, node: Option<&Node>) -> IndexMap<String, Plugin> {
    let mut out = IndexMap::new();
    for (name, key, fields) in ctx.definitions(
        node,
        &[
            ("executor", ALL_VERSIONS),
            ("source", ALL_VERSIONS),
            ("install", ALL_VERSIONS),
            ("install_arguments", DslVersion::V1_1),
            ("package_name", DslVersion::V1_2),
            ("package_version", DslVersion::V1_2),
            ("supported_platform", DslVersion::V1_2),
            ("distribution", DslVersion::V1_2),
            ("distribution_version", DslVersion::V1_2),
            ("distribution_release", DslVersion::V1_2),
            ("properties_description", DslVersion::V1_5),
            ("properties", DslVersion::V1_5),
        ],
    ) {
        for key in [
            "install_arguments",
            "package_version",
            "supported_platform",
            "distribution",
            "distribution_version",
            "distribution_release",
        ] {
            if let Some(n) = fields.get(key) {
                ctx.str(n);
            }
        }
        let executor = ctx.required(fields, "executor", key.span).and_then(|n| {
            let text = ctx.str(n)?;
            let executor = operations::parse_executor(text);
            if executor.is_none() {
                ctx.error(
                    &c::C018,
                    n.span,
                    format!(
                        "Plugin '{name}' has an illegal 'executor' value '{text}'; value must be either 'central_deployment_agent' or 'host_agent'"
                    ),
                );
            }
            executor
        });
        let source = ctx.opt_str(fields, "source");
        let package_name = ctx.opt_str(fields, "package_name");
        let install = fields
            .get("install")
            .and_then(|n| ctx.bool(n))
            .unwrap_or(true);
        if install && source.is_none() && package_name.is_none() {
            ctx.error(
                &c::C050,
                key.span,
                format!(
                    "Plugin '{name}' needs to be installed, but does not declare a source or package_name property"
                ),
            );
        }
        out.insert(
            name.to_string(),
            Plugin {
                name: name.to_string(),
                span: key.span,
                executor,
                source,
                package_name,
                install,
            },
        );
    }
    out
}

fn read_workflows(
    ctx: &mut Ctx,
    node: Option<&Node>,
    plugins: &IndexMap<String, Plugin>,
) -> IndexMap<String, Workflow> {
    let mut out = IndexMap::new();
    let Some(map) = node.and_then(|n| ctx.map(n)) else {
        return out;
    };
    for (name, key, value) in ctx.entries(map) {
        let (mapping, parameters) = match &value.value {
            Value::Str(s) => (Some((s.clone(), value.span)), IndexMap::new()),
            Value::Map(fields) => {
                ctx.check_keys(
                    fields,
                    &[
                        ("mapping", ALL_VERSIONS),
                        ("parameters", ALL_VERSIONS),
                        ("is_cascading", ALL_VERSIONS),
                        ("availability_rules", DslVersion::V1_4),
                    ],
                );
                let mapping = ctx
                    .required(fields, "mapping", key.span)
                    .and_then(|n| ctx.str(n).map(|s| (s.to_string(), n.span)));
                let parameters = fields
                    .get("parameters")
                    .map(|n| types::read_schema_with(ctx, n, &types::PARAMETER_KEYS))
                    .unwrap_or_default();
                if let Some(schema) = fields.get("parameters") {
                    constraints::check_schema(ctx, schema, constraints::Owner::Parameter);
                }
                (mapping, parameters)
            }
            _ => {
                ctx.wrong_type(value, "dict");
                continue;
            }
        };
        let Some((mapping, mapping_span)) = mapping else {
            continue;
        };
        let plugin = plugins
            .keys()
            .find(|p| mapping.starts_with(&format!("{p}.")))
            .cloned()
            .or_else(|| {
                operations::is_script_resource(ctx, &mapping).then(|| "script".to_string())
            });
        if plugin.is_none() {
            ctx.error(
                &c::C021,
                mapping_span,
                format!(
                    "Could not extract plugin from workflow mapping '{mapping}', which is declared for workflow '{name}'. "
                ),
            );
        }
        out.insert(
            name.to_string(),
            Workflow {
                name: name.to_string(),
                span: key.span,
                mapping,
                plugin,
                parameters,
            },
        );
    }
    out
}

fn read_outputs(ctx: &mut Ctx, node: Option<&Node>) -> IndexMap<String, Output> {
    let mut out = IndexMap::new();
    for (name, key, fields) in ctx.definitions(
        node,
        &[("description", ALL_VERSIONS), ("value", ALL_VERSIONS)],
    ) {
        let description = ctx.opt_str(fields, "description");
        let Some(value) = ctx.required(fields, "value", key.span) else {
            continue;
        };
        out.insert(
            name.to_string(),
            Output {
                name: name.to_string(),
                span: key.span,
                description,
                value: value.clone(),
            },
        );
    }
    out
}
