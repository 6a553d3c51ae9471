//! The `constraints` of inputs and workflow parameters, as dsl_parser 7.0.5 validates them when
//! it parses a blueprint (elements/inputs.py and elements/workflows.py `Constraint.validate`,
//! constraints.py `validate_args`): each item one operator Cloudify knows, with an argument of
//! the shape that operator takes. The parser also checks each input's default against its
//! constraints (constraints.py `validate_input_defaults`); rehearse does not do that yet.

use super::functions::is_function;
use super::schema::{py_str, Ctx};
use crate::diag::codes::c;
use crate::ir::cloudify::DslVersion;
use crate::syntax::{Node, Value};

/// Whose constraints: inputs may carry an `error_message` beside the operator (1_5);
/// workflow parameters may not.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    Input,
    Parameter,
}

/// The shape of argument an operator takes (constraints.py `register_validation_func`).
#[derive(Clone, Copy)]
enum Shape {
    /// A number, not a boolean.
    Scalar,
    /// A list of exactly two numbers.
    DualScalar,
    Sequence,
    /// A string; the parser also compiles it as a Python regular expression, which rehearse
    /// does not (Python's `re` syntax is not Rust's).
    Regex,
    String,
    Dict,
}

/// Every operator constraints.py registers, with the shape of its argument.
const OPERATORS: [(&str, Shape); 16] = [
    ("equal", Shape::Scalar),
    ("greater_than", Shape::Scalar),
    ("greater_or_equal", Shape::Scalar),
    ("less_than", Shape::Scalar),
    ("less_or_equal", Shape::Scalar),
    ("in_range", Shape::DualScalar),
    ("valid_values", Shape::Sequence),
    ("length", Shape::Scalar),
    ("min_length", Shape::Scalar),
    ("max_length", Shape::Scalar),
    ("pattern", Shape::Regex),
    ("filter_id", Shape::String),
    ("labels", Shape::Sequence),
    ("tenants", Shape::Sequence),
    ("name_pattern", Shape::Dict),
    ("deployment_id", Shape::String),
];

fn is_scalar(node: &Node) -> bool {
    matches!(node.value, Value::Int(_) | Value::Float(..))
}

fn fits(shape: Shape, arg: &Node) -> bool {
    match shape {
        Shape::Scalar => is_scalar(arg),
        Shape::DualScalar => arg
            .as_seq()
            .is_some_and(|items| items.len() == 2 && items.iter().all(is_scalar)),
        Shape::Sequence => arg.as_seq().is_some(),
        Shape::Regex | Shape::String => arg.as_str().is_some(),
        Shape::Dict => arg.as_map().is_some(),
    }
}

/// Checks the constraints of every declaration in a schema (`inputs`, a workflow's
/// `parameters`). Declarations that are not mappings were reported when the schema was read.
pub fn check_schema(ctx: &mut Ctx, schema: &Node, owner: Owner) {
    let Some(declarations) = schema.as_map() else {
        return;
    };
    for (key, declaration) in declarations.iter() {
        let Some(constraints) = declaration.as_map().and_then(|d| d.get("constraints")) else {
            continue;
        };
        let name = key.key_text().unwrap_or_default();
        let Some(items) = ctx.seq(constraints) else {
            continue;
        };
        for item in items {
            check_constraint(ctx, item, owner, &name);
        }
    }
}

fn check_constraint(ctx: &mut Ctx, item: &Node, owner: Owner, declared: &str) {
    let Some(map) = ctx.map(item) else {
        return;
    };
    let allowed = operator_names();
    if map.is_empty() {
        ctx.error(
            &c::C103,
            item.span,
            format!("Empty constraint operator name given. Allowed operators: {allowed}"),
        );
        return;
    }
    let keys: Vec<&str> = map.iter().filter_map(|(k, _)| k.as_str()).collect();
    if map.len() > 1 {
        match owner {
            Owner::Input => {
                if ctx.version < DslVersion::V1_5 {
                    ctx.error(
                        &c::C102,
                        item.span,
                        format!(
                            "Constraint's additional attributes are not supported in version {}, they were added in {}",
                            ctx.version.name(),
                            DslVersion::V1_5.name()
                        ),
                    );
                    return;
                }
            }
            Owner::Parameter => {
                ctx.error(
                    &c::C103,
                    item.span,
                    "Each constraint operator dict must be in its own list item.",
                );
                return;
            }
        }
    }
    // The operator is the first key that is not `error_message`.
    let Some(operator) = keys.iter().copied().find(|k| *k != "error_message") else {
        return;
    };
    let Some((_, shape)) = OPERATORS.iter().find(|(name, _)| *name == operator) else {
        ctx.error(
            &c::C103,
            item.span,
            format!("No such constraint operator '{operator}'. Allowed operators: {allowed}"),
        );
        return;
    };
    let Some(arg) = map.get(operator) else {
        return;
    };
    // A function is evaluated when a deployment is created: any argument then.
    if is_function(arg) || fits(*shape, arg) {
        return;
    }
    ctx.error(
        &c::C212,
        arg.span,
        format!(
            "Invalid constraint operator argument \"{}\", for constraint operator \"{operator}\" in \"{declared}\".",
            py_str(arg)
        ),
    );
}

fn operator_names() -> String {
    let names: Vec<&str> = OPERATORS.iter().map(|(name, _)| *name).collect();
    names.join(", ")
}
