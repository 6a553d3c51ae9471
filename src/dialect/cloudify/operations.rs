//! Interfaces and operations: reading them, merging a subtype's over its supertype's, and
//! resolving each implementation to a plugin or a script (SPEC.md §1.5, §1.7; codes 10, 19,
//! 28, 60, 61, 91).

use super::schema::{Ctx, ALL_VERSIONS};
use crate::diag::codes::c;
use crate::ir::cloudify::{DslVersion, Executor, Operation, Plugin};
use crate::source::Span;
use crate::syntax::{Node, Value};
use indexmap::IndexMap;

/// An operation as written, before its plugin is resolved.
#[derive(Clone, Debug)]
pub struct RawOperation {
    pub span: Span,
    pub implementation: String,
    /// Values (templates) or a schema of inputs (types), as written.
    pub inputs: Option<Node>,
    pub executor: Option<(String, Span)>,
    pub max_retries: Option<(i64, Span)>,
    pub retry_interval: Option<(f64, Span)>,
    /// Whether the operation was written as a mapping without `implementation` (a template
    /// that only sets inputs of its type's operation).
    pub inputs_only: bool,
}

pub type Interfaces = IndexMap<String, IndexMap<String, RawOperation>>;

const OPERATION_KEYS: [(&str, DslVersion); 7] = [
    ("implementation", ALL_VERSIONS),
    ("inputs", ALL_VERSIONS),
    ("executor", ALL_VERSIONS),
    ("max_retries", DslVersion::V1_1),
    ("retry_interval", DslVersion::V1_1),
    ("timeout", ALL_VERSIONS),
    ("timeout_recoverable", ALL_VERSIONS),
];

/// Reads `{interface: {operation: mapping | {implementation, inputs, ...}}}`.
pub fn read_interfaces(ctx: &mut Ctx, node: Option<&Node>) -> Interfaces {
    let mut out = Interfaces::new();
    let Some(map) = node.and_then(|n| ctx.map(n)) else {
        return out;
    };
    for (name, _, value) in ctx.entries(map) {
        let mut operations = IndexMap::new();
        if let Some(ops) = ctx.map(value) {
            for (op_name, key, op) in ctx.entries(ops) {
                if let Some(raw) = read_operation(ctx, op, key.span) {
                    operations.insert(op_name.to_string(), raw);
                }
            }
        }
        out.insert(name.to_string(), operations);
    }
    out
}

fn read_operation(ctx: &mut Ctx, node: &Node, key_span: Span) -> Option<RawOperation> {
    let mut raw = RawOperation {
        span: key_span,
        implementation: String::new(),
        inputs: None,
        executor: None,
        max_retries: None,
        retry_interval: None,
        inputs_only: false,
    };
    match &node.value {
        Value::Null => {}
        Value::Str(s) => raw.implementation = s.clone(),
        Value::Map(map) => {
            ctx.check_keys(map, &OPERATION_KEYS);
            raw.implementation = ctx.opt_str(map, "implementation").unwrap_or_default();
            raw.inputs_only = !map.contains_key("implementation");
            if let Some(inputs) = map.get("inputs") {
                if ctx.map(inputs).is_some() {
                    raw.inputs = Some(inputs.clone());
                }
            }
            if let Some(n) = map.get("executor") {
                raw.executor = ctx.str(n).map(|s| (s.to_string(), n.span));
            }
            if let Some(n) = map.get("max_retries") {
                raw.max_retries = ctx.int(n).map(|i| (i, n.span));
            }
            if let Some(n) = map.get("retry_interval") {
                raw.retry_interval = ctx.number(n).map(|f| (f, n.span));
            }
        }
        _ => {
            ctx.wrong_type(node, "dict");
            return None;
        }
    }
    Some(raw)
}

/// A subtype's interfaces over its supertype's: an operation written again replaces the
/// whole operation.
pub fn merge_interfaces(base: &Interfaces, over: &Interfaces) -> Interfaces {
    let mut merged = base.clone();
    for (name, ops) in over {
        let target = merged.entry(name.clone()).or_default();
        for (op, raw) in ops {
            target.insert(op.clone(), raw.clone());
        }
    }
    merged
}

/// Where an operation is declared, for the messages of codes 10 and 19.
pub enum OperationSite<'a> {
    Node { node: &'a str, type_name: &'a str },
    RelationshipType(&'a str),
    RelationshipInstance { node: &'a str, type_name: &'a str },
}

/// Resolves every operation's implementation to a plugin.
pub fn resolve_interfaces(
    ctx: &mut Ctx,
    interfaces: &Interfaces,
    plugins: &IndexMap<String, Plugin>,
    site: &OperationSite,
) -> IndexMap<String, IndexMap<String, Operation>> {
    let mut out = IndexMap::new();
    for (iface, ops) in interfaces {
        let mut resolved = IndexMap::new();
        for (name, raw) in ops {
            let op = resolve_operation(ctx, iface, name, raw, plugins, site);
            resolved.insert(name.clone(), op);
        }
        out.insert(iface.clone(), resolved);
    }
    out
}

fn resolve_operation(
    ctx: &mut Ctx,
    iface: &str,
    name: &str,
    raw: &RawOperation,
    plugins: &IndexMap<String, Plugin>,
    site: &OperationSite,
) -> Operation {
    let executor = raw.executor.as_ref().and_then(|(text, span)| {
        let executor = parse_executor(text);
        if executor.is_none() {
            ctx.error(
                &c::C128,
                *span,
                format!(
                    "Operation '{iface}.{name}' has an illegal executor value '{text}'. valid values are [central_deployment_agent,host_agent]"
                ),
            );
        }
        executor
    });
    if let Some((retries, span)) = raw.max_retries {
        if retries < -1 {
            ctx.error(
                &c::C308,
                span,
                format!("max_retries value must be either -1 to specify unlimited retries or a non negative number but got {retries}."),
            );
        }
    }
    if let Some((interval, span)) = raw.retry_interval {
        if interval < 0.0 {
            ctx.error(
                &c::C308,
                span,
                format!("retry_interval value must be a non negative number but got {interval}."),
            );
        }
    }
    let mut op = Operation {
        span: raw.span,
        implementation: raw.implementation.clone(),
        plugin: None,
        inputs: raw.inputs.clone(),
        executor,
        max_retries: raw.max_retries.map(|(r, _)| r),
        retry_interval: raw.retry_interval.map(|(r, _)| r),
    };
    let mapping = raw.implementation.as_str();
    if mapping.is_empty() {
        return op;
    }
    let candidates: Vec<&str> = plugins
        .keys()
        .map(String::as_str)
        .filter(|p| mapping.len() > p.len() + 1 && mapping.starts_with(&format!("{p}.")))
        .collect();
    match candidates.as_slice() {
        [plugin] => {
            op.plugin = Some(plugin.to_string());
            return op;
        }
        [_, _, ..] => {
            let list: Vec<String> = candidates.iter().map(|p| format!("'{p}'")).collect();
            ctx.error(
                &c::C091,
                raw.span,
                format!(
                    "Ambiguous operation mapping. [operation={name}, plugins=[{}]]",
                    list.join(", ")
                ),
            );
            return op;
        }
        [] => {}
    }
    if is_script_resource(ctx, mapping) {
        let sets_script_path = raw
            .inputs
            .as_ref()
            .and_then(Node::as_map)
            .is_some_and(|m| m.contains_key("script_path"));
        if sets_script_path {
            ctx.error(
                &c::C060,
                raw.span,
                format!(
                    "Cannot define 'script_path' property in '{mapping}' for operation '{name}'"
                ),
            );
        } else if !plugins.contains_key("script") {
            ctx.error(
                &c::C061,
                raw.span,
                format!("Script plugin is not defined but it is required for mapping 'script_runner.tasks.run' of operation '{name}'"),
            );
        }
        op.plugin = Some("script".to_string());
        op.executor.get_or_insert(Executor::Auto);
        return op;
    }
    let (code, context) = match site {
        OperationSite::Node { node, type_name } => (
            &c::C010,
            format!("In interface '{iface}' in node '{node}' of type '{type_name}'"),
        ),
        OperationSite::RelationshipType(r) => (&c::C019, format!("Relationship '{r}'")),
        OperationSite::RelationshipInstance { node, type_name } => (
            &c::C019,
            format!(
                "In interface '{iface}' in relationship of type '{type_name}' in node '{node}'"
            ),
        ),
    };
    ctx.error(
        code,
        raw.span,
        format!(
            "Could not extract plugin from operation mapping '{mapping}', which is declared for operation '{name}'. {context}"
        ),
    );
    op
}

/// Whether a mapping names a file next to the blueprint (Cloudify then runs it as a script).
/// Asked through the project sandbox (issue 14): a mapping reaching outside the project
/// (`../../x.sh`, a symlink out) is no resource, and nothing outside is probed.
pub fn is_script_resource(ctx: &Ctx, mapping: &str) -> bool {
    let Some(dir) = &ctx.blueprint_dir else {
        return false;
    };
    // A URL-ish or absolute mapping is never a blueprint resource.
    if mapping.contains("://") || mapping.starts_with('/') || mapping.starts_with("file:") {
        return false;
    }
    ctx.sandbox
        .resolve(std::path::Path::new(mapping), dir)
        .is_ok()
}

pub fn parse_executor(text: &str) -> Option<Executor> {
    match text {
        "central_deployment_agent" => Some(Executor::CentralDeploymentAgent),
        "host_agent" => Some(Executor::HostAgent),
        _ => None,
    }
}
