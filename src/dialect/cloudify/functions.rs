//! Intrinsic functions: `get_input`, `get_property`, `get_attribute`, `concat` (and
//! `get_secret`), checked where Cloudify scans them (SPEC.md §3). Group policy properties and
//! trigger parameters are not scanned: there `get_property: [SELF, x]` reads an event field.

use super::schema::{py_str, Ctx};
use crate::diag::codes::c;
use crate::ir::cloudify::{Blueprint, Count, DslVersion, NodeId, Operation};
use crate::syntax::{Node, Value};

/// Every function cloudify-common 7.0.5 registers (`dsl_parser/functions.py`); the ones
/// after `get_secret` are runtime or 1_4+ helpers whose arguments are not checked here.
const FUNCTIONS: [&str; 19] = [
    "get_input",
    "get_property",
    "get_attribute",
    "concat",
    "get_secret",
    "get_sys",
    "get_consumers",
    "get_attributes_list",
    "get_attributes_dict",
    "merge",
    "get_capability",
    "get_group_capability",
    "get_label",
    "get_environment_capability",
    "string_find",
    "string_replace",
    "string_split",
    "string_lower",
    "string_upper",
];

/// A mapping with exactly one key that names a function.
pub fn is_function(node: &Node) -> bool {
    function(node).is_some()
}

fn function(node: &Node) -> Option<(&str, &Node)> {
    let map = node.as_map()?;
    let [(key, args)] = map.entries.as_slice() else {
        return None;
    };
    let name = key.as_str()?;
    FUNCTIONS.contains(&name).then_some((name, args))
}

/// The input `get_input` reads: `Some(Some(name))`, `Some(None)` when a function computes
/// it, `None` when the arguments are malformed (a string, a function, or a non-empty list
/// whose first item is one of those). A list may start with an integer: the parser looks
/// it up among the inputs like a name (and finds none unless an input's key is that number).
fn input_name(args: &Node) -> Option<Option<String>> {
    if is_function(args) {
        return Some(None);
    }
    if let Some(name) = args.as_str() {
        return Some(Some(name.to_string()));
    }
    let first = args.as_seq()?.first()?;
    if is_function(first) {
        return Some(None);
    }
    match &first.value {
        Value::Str(name) => Some(Some(name.clone())),
        Value::Int(i) => Some(Some(i.to_string())),
        _ => None,
    }
}

/// Where a value sits, which decides what SELF/SOURCE/TARGET mean there.
#[derive(Clone, Copy)]
enum Scope {
    Node(NodeId),
    Relationship { source: NodeId, target: NodeId },
    Outputs,
    Policy,
}

/// Checks every function in the places Cloudify scans.
/// `capabilities` is the blueprint's top-level section (kept out of the IR: nothing later reads
/// it); 7.0.5 scans its values like outputs.
pub fn check(ctx: &mut Ctx, blueprint: &Blueprint, capabilities: Option<&Node>) {
    let mut checker = Checker {
        ctx,
        blueprint,
        budget: LOOKUP_BUDGET,
    };
    for (i, node) in blueprint.nodes.iter().enumerate() {
        let scope = Scope::Node(NodeId(i));
        for (name, value) in &node.properties {
            checker.scan(value, scope, &format!("{}.properties.{name}", node.name));
        }
        for count in instance_counts(&node.instances) {
            checker.scan(count, scope, &format!("{}.capabilities", node.name));
        }
        for (iface, ops) in &node.interfaces {
            for (op, operation) in ops.iter().filter(|(_, o)| !is_no_op(o)) {
                if let Some(inputs) = &operation.inputs {
                    let path = format!("{}.operations.{iface}.{op}.inputs", node.name);
                    checker.scan_inputs(inputs, scope, &path);
                }
            }
        }
        for rel in &node.relationships {
            let scope = Scope::Relationship {
                source: NodeId(i),
                target: rel.target,
            };
            for ops in [&rel.source_operations, &rel.target_operations] {
                for (iface, ops) in ops {
                    for (op, operation) in ops.iter().filter(|(_, o)| !is_no_op(o)) {
                        if let Some(inputs) = &operation.inputs {
                            let path = format!("{}.relationship.{iface}.{op}.inputs", node.name);
                            checker.scan_inputs(inputs, scope, &path);
                        }
                    }
                }
            }
        }
    }
    for (name, output) in &blueprint.outputs {
        checker.scan(
            &output.value,
            Scope::Outputs,
            &format!("outputs.{name}.value"),
        );
    }
    for (key, capability) in capabilities
        .and_then(Node::as_map)
        .into_iter()
        .flat_map(|m| m.iter())
    {
        let name = key.key_text().unwrap_or_default();
        // Scanned like outputs: SELF, SOURCE and TARGET name no node here either.
        checker.scan(capability, Scope::Outputs, &format!("capabilities.{name}"));
    }
    for policy in &blueprint.scaling_policies {
        for count in instance_counts(&policy.instances) {
            checker.scan(
                count,
                Scope::Policy,
                &format!("policies.{}.properties", policy.name),
            );
        }
    }
}

/// An operation without an implementation: 7.0.5 plans it as a no-op
/// (elements/operation.py `no_op_operation`) with no inputs, so their functions are never
/// validated.
fn is_no_op(operation: &Operation) -> bool {
    operation.implementation.is_empty()
}

fn instance_counts(instances: &crate::ir::cloudify::Instances) -> Vec<&Node> {
    [
        Some(&instances.default),
        Some(&instances.min),
        instances.max.as_ref(),
    ]
    .into_iter()
    .flatten()
    .filter_map(|c| match c {
        Count::Function(node) => Some(node),
        Count::Fixed(_) => None,
    })
    .collect()
}

/// Most property lookups one blueprint may cost: `get_property` chains that fan out through
/// `concat` could otherwise take exponential time on hostile input.
const LOOKUP_BUDGET: usize = 100_000;

struct Checker<'c, 'd, 'b> {
    ctx: &'c mut Ctx<'d>,
    blueprint: &'b Blueprint,
    budget: usize,
}

impl Checker<'_, '_, '_> {
    fn scan_inputs(&mut self, inputs: &Node, scope: Scope, path: &str) {
        match inputs.as_map() {
            Some(map) => {
                for (key, value) in map.iter() {
                    let name = key.key_text().unwrap_or_default();
                    self.scan(value, scope, &format!("{path}.{name}"));
                }
            }
            None => self.scan(inputs, scope, path),
        }
    }

    /// Checks the functions in a value, recursively.
    fn scan(&mut self, value: &Node, scope: Scope, path: &str) {
        if let Some((name, args)) = function(value) {
            self.check_function(name, args, value, scope, path);
            // Arguments may hold functions too (`concat` parts, nested lookups).
            if let Some(items) = args.as_seq() {
                for item in items {
                    if item.as_map().is_some() {
                        self.scan(item, scope, path);
                    }
                }
            }
            return;
        }
        match &value.value {
            Value::Seq(items) => {
                for (i, item) in items.iter().enumerate() {
                    self.scan(item, scope, &format!("{path}.{i}"));
                }
            }
            Value::Map(map) => {
                for (key, item) in map.iter() {
                    let name = key.key_text().unwrap_or_default();
                    self.scan(item, scope, &format!("{path}.{name}"));
                }
            }
            _ => {}
        }
    }

    fn check_function(&mut self, name: &str, args: &Node, call: &Node, scope: Scope, path: &str) {
        match name {
            "get_input" => match input_name(args) {
                Some(None) => {}
                Some(Some(input)) => {
                    if !self.blueprint.inputs.contains_key(&input) {
                        self.ctx.error(
                            &c::C301,
                            args.span,
                            format!("get_input function references an unknown input '{input}'."),
                        );
                    }
                }
                None => self.ctx.error(
                    &c::C300,
                    args.span,
                    format!(
                        "get_input function argument should be a string, but is '{}'.",
                        py_str(args)
                    ),
                ),
            },
            "get_property" => {
                let Some(items) = args.as_seq().filter(|s| s.len() >= 2) else {
                    self.ctx.error(
                        &c::C300,
                        args.span,
                        format!(
                            "Illegal arguments passed to get_property function. Expected: <node_name, property_name [, nested-property-1, ... ]> but got: {}.",
                            py_str(args)
                        ),
                    );
                    return;
                };
                let Some(node) = self.reference(name, &items[0], scope, path) else {
                    return;
                };
                let mut visiting = vec![(node, path_key(&items[1..]))];
                self.resolve_property(node, &items[1..], path, &mut visiting, call);
            }
            "get_attribute" => {
                let Some(items) = args.as_seq().filter(|s| s.len() >= 2) else {
                    self.ctx.error(
                        &c::C300,
                        args.span,
                        format!(
                            "Illegal arguments passed to get_attribute function. Expected: <node_name, attribute_name [, nested-attr-1, ...]>but got: {}.",
                            py_str(args)
                        ),
                    );
                    return;
                };
                self.reference(name, &items[0], scope, path);
            }
            "get_secret" => {
                // 7.0.5 GetSecret.parse_args: a name, a [name, key, ...] path, or a function.
                let valid = args.as_str().is_some()
                    || args.as_seq().is_some_and(|items| items.len() > 1)
                    || function(args).is_some();
                if !valid {
                    self.ctx.error(
                        &c::C300,
                        args.span,
                        format!(
                            "`get_secret` function argument should be a list with at least 2 elements, a string, or a dict (a function). Instead it is a {} with the value: {}.",
                            py_class(args),
                            py_str(args)
                        ),
                    );
                }
            }
            "concat" => {
                if args.as_seq().is_none() {
                    self.ctx.error(
                        &c::C300,
                        args.span,
                        format!(
                            "Illegal arguments passed to concat function. Expected: [arg1, arg2, ...]but got: {}.",
                            py_str(args)
                        ),
                    );
                    return;
                }
                if matches!(scope, Scope::Policy) {
                    self.ctx.error(
                        &c::C307,
                        call.span,
                        format!("concat cannot be used in {path}."),
                    );
                } else if self.ctx.version < DslVersion::V1_1 {
                    self.ctx.error(
                        &c::C306,
                        call.span,
                        format!(
                            "Unable to evaluate Using concat requires using dsl version 1_1 or greater, but found: {} in {path}",
                            self.ctx.version.name()
                        ),
                    );
                }
            }
            _ => {}
        }
    }

    /// The node a function's first argument names, in its scope.
    fn reference(
        &mut self,
        function: &str,
        arg: &Node,
        scope: Scope,
        path: &str,
    ) -> Option<NodeId> {
        let Some(text) = arg.as_str() else {
            self.ctx.error(
                &c::C300,
                arg.span,
                format!(
                    "Illegal arguments passed to {function} function. The node name must be a string but got: {}.",
                    py_str(arg)
                ),
            );
            return None;
        };
        let out_of_scope = |message: String, ctx: &mut Ctx| {
            ctx.error(&c::C305, arg.span, message);
            None
        };
        match (text, scope) {
            ("SELF" | "SOURCE" | "TARGET", Scope::Outputs) if function == "get_attribute" => {
                out_of_scope(
                    format!("{text} cannot be used with get_attribute function in {path}."),
                    self.ctx,
                )
            }
            ("SOURCE" | "TARGET", Scope::Node(_)) if function == "get_attribute" => out_of_scope(
                format!("{text} cannot be used with get_attribute function in {path}."),
                self.ctx,
            ),
            ("SELF", Scope::Relationship { .. }) if function == "get_attribute" => out_of_scope(
                format!("{text} cannot be used with get_attribute function in {path}."),
                self.ctx,
            ),
            ("SELF", Scope::Node(node)) => Some(node),
            ("SELF", _) => out_of_scope(
                format!(
                    "SELF can only be used in a context of node template but appears in {path}."
                ),
                self.ctx,
            ),
            ("SOURCE", Scope::Relationship { source, .. }) => Some(source),
            ("TARGET", Scope::Relationship { target, .. }) => Some(target),
            ("SOURCE" | "TARGET", _) => out_of_scope(
                format!("{text} can only be used within a relationship but is used in {path}"),
                self.ctx,
            ),
            (name, _) => match self.blueprint.node(name) {
                Some(node) => Some(node),
                None => {
                    self.ctx.error(
                        &c::C302,
                        arg.span,
                        format!("{function} function node reference '{name}' does not exist."),
                    );
                    None
                }
            },
        }
    }

    /// Follows a property path on a node, through `get_property` values, detecting cycles.
    fn resolve_property(
        &mut self,
        node: NodeId,
        keys: &[Node],
        from: &str,
        visiting: &mut Vec<(NodeId, String)>,
        call: &Node,
    ) {
        if self.budget == 0 {
            return;
        }
        self.budget -= 1;
        let Some(template) = self.blueprint.nodes.get(node.0) else {
            return;
        };
        let Some(first) = keys.first() else { return };
        let mut walked = format!("{}.properties", template.name);
        let first_key = first.key_text().unwrap_or_default();
        walked.push('.');
        walked.push_str(&first_key);
        let Some(mut current) = template.properties.get(&first_key) else {
            self.missing_property(call, &walked, from, "KeyError", "doesn't exist.");
            return;
        };
        let mut rest = &keys[1..];
        loop {
            if let Some(("get_property", args)) = function(current) {
                // A lookup through another get_property: follow it (with what is left).
                let Some(items) = args.as_seq().filter(|s| s.len() >= 2) else {
                    return;
                };
                let target = match items[0].as_str() {
                    Some("SELF") => Some(node),
                    Some(name) => self.blueprint.node(name),
                    None => None,
                };
                let Some(target) = target else { return };
                let mut path: Vec<Node> = items[1..].to_vec();
                path.extend(rest.iter().cloned());
                let key = (target, path_key(&path));
                if visiting.contains(&key) {
                    self.cycle(call, visiting, &key);
                    return;
                }
                if visiting.len() > 64 {
                    return;
                }
                visiting.push(key);
                self.resolve_property(target, &path, from, visiting, call);
                visiting.pop();
                return;
            }
            if is_function(current) {
                // get_input, get_attribute, ... are resolved at deployment; a final concat
                // may still hold get_property calls that close a cycle.
                if rest.is_empty() {
                    self.follow_nested(node, current, from, visiting, call);
                }
                return;
            }
            let Some(key) = rest.first() else {
                // The final value: follow get_property calls nested in it (e.g. in concat).
                self.follow_nested(node, current, from, visiting, call);
                return;
            };
            rest = &rest[1..];
            walked.push('.');
            walked.push_str(&key.key_text().unwrap_or_default());
            match &current.value {
                Value::Map(map) => match map.get(&key.key_text().unwrap_or_default()) {
                    Some(next) => current = next,
                    None => {
                        self.missing_property(call, &walked, from, "KeyError", "doesn't exist.");
                        return;
                    }
                },
                Value::Seq(items) => {
                    let Some(index) = key.as_i64() else {
                        let message = format!(
                            "is expected {} to be an int but it is a {}.",
                            key.key_text().unwrap_or_default(),
                            super::schema::py_type(key).replace("string", "str")
                        );
                        self.missing_property(call, &walked, from, "TypeError", &message);
                        return;
                    };
                    match usize::try_from(index).ok().and_then(|i| items.get(i)) {
                        Some(next) => current = next,
                        None => {
                            let message = format!(
                                "index is out of range. Got {index} but list size is {}.",
                                items.len()
                            );
                            self.missing_property(call, &walked, from, "IndexError", &message);
                            return;
                        }
                    }
                }
                _ => {
                    self.missing_property(call, &walked, from, "KeyError", "doesn't exist.");
                    return;
                }
            }
        }
    }

    fn follow_nested(
        &mut self,
        node: NodeId,
        value: &Node,
        from: &str,
        visiting: &mut Vec<(NodeId, String)>,
        call: &Node,
    ) {
        match &value.value {
            Value::Map(map) => {
                if let Some(("get_property", args)) = function(value) {
                    let Some(items) = args.as_seq().filter(|s| s.len() >= 2) else {
                        return;
                    };
                    let target = match items[0].as_str() {
                        Some("SELF") => Some(node),
                        Some(name) => self.blueprint.node(name),
                        None => None,
                    };
                    let Some(target) = target else { return };
                    let key = (target, path_key(&items[1..]));
                    if visiting.contains(&key) {
                        self.cycle(call, visiting, &key);
                        return;
                    }
                    if visiting.len() > 64 {
                        return;
                    }
                    visiting.push(key);
                    self.resolve_property(target, &items[1..], from, visiting, call);
                    visiting.pop();
                    return;
                }
                for (_, item) in map.iter() {
                    self.follow_nested(node, item, from, visiting, call);
                }
            }
            Value::Seq(items) => {
                for item in items {
                    self.follow_nested(node, item, from, visiting, call);
                }
            }
            _ => {}
        }
    }

    fn missing_property(&mut self, call: &Node, walked: &str, from: &str, peer: &str, what: &str) {
        // With an unread plugin, a type's defaults may be what the lookup reads.
        if self.ctx.opaque {
            return;
        }
        self.ctx.push(
            super::schema::error(
                &c::C303,
                call.span,
                format!("Node template property '{walked}' referenced from '{from}' {what}"),
            )
            .with_peer(peer),
        );
    }

    fn cycle(&mut self, call: &Node, visiting: &[(NodeId, String)], again: &(NodeId, String)) {
        let name = |(node, path): &(NodeId, String)| {
            let node = self
                .blueprint
                .nodes
                .get(node.0)
                .map_or("?", |n| n.name.as_str());
            format!("{node}.{path}")
        };
        let mut chain: Vec<String> = visiting.iter().map(name).collect();
        chain.push(name(again));
        self.ctx.error(
            &c::C304,
            call.span,
            format!(
                "Circular get_property function call detected: {}",
                chain.join(" -> ")
            ),
        );
    }
}

fn path_key(keys: &[Node]) -> String {
    keys.iter()
        .map(|k| k.key_text().unwrap_or_default())
        .collect::<Vec<_>>()
        .join(".")
}

/// A value's Python class as `type(value)` prints it in Cloudify's messages.
fn py_class(node: &Node) -> &'static str {
    match node.value {
        Value::Null => "<class 'NoneType'>",
        Value::Bool(_) => "<class 'bool'>",
        Value::Int(_) => "<class 'int'>",
        Value::Float(..) => "<class 'float'>",
        Value::Str(_) => "<class 'str'>",
        Value::Seq(_) => "<class 'list'>",
        Value::Map(_) => "<class 'dict'>",
    }
}
