//! The CEL subset KrakenD's request policies use, evaluated over one simulated request:
//! `req_params` (first letter upper-cased, as lura stores params), `req_headers` and
//! `req_querystring` (each a list of values), `req_uri` and `req_method`
//! (docs endpoints/common-expression-language-cel.md). Expressions are parsed once by the
//! KrakenD dialect (`syntax::expr`); evaluation borrows, it does not allocate.
//!
//! Supported: literals, `&& || !`, `== != < <= > >=` on strings, numbers and booleans, `in`
//! (a string in a list, a key in a map), `.field` and `['key']` on the request maps, `[0]` on
//! a value list, `has(req_params.X)`, `size()`, and the string methods `startsWith`,
//! `endsWith`, `contains`. Anything else evaluates to an error, which (like a policy that
//! does not hold) skips the backend.

use crate::syntax::expr::{BinaryOp, Expr, ExprKind, Literal, UnaryOp};

/// What a policy sees of a request.
pub trait Request {
    fn param(&self, name: &str) -> Option<&str>;
    fn header(&self, name: &str) -> Option<&str>;
    fn query(&self, name: &str) -> Option<&str>;
    fn uri(&self) -> &str;
    fn method(&self) -> &str;
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Val<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(&'a str),
    Params,
    Headers,
    Query,
    /// The values of one header or query string (rehearse sends one).
    Values(&'a str),
    /// A literal list, by reference into the expression.
    List(&'a [Expr]),
}

/// Whether `expr` holds for `request` (an evaluation error counts as false).
pub fn holds(expr: &Expr, request: &dyn Request) -> bool {
    matches!(eval(expr, request), Some(Val::Bool(true)))
}

fn eval<'a>(expr: &'a Expr, r: &'a dyn Request) -> Option<Val<'a>> {
    Some(match &expr.kind {
        ExprKind::Literal(l) => match l {
            Literal::Null => Val::Null,
            Literal::Bool(b) => Val::Bool(*b),
            Literal::Int(i) => Val::Int(*i),
            Literal::Uint(u) => Val::Int(i64::try_from(*u).ok()?),
            Literal::Float(f, _) => Val::Float(*f),
            Literal::String(s) => Val::Str(s),
            _ => return None,
        },
        ExprKind::Ident(name) => match name.as_str() {
            "req_params" => Val::Params,
            "req_headers" => Val::Headers,
            "req_querystring" => Val::Query,
            "req_uri" => Val::Str(r.uri()),
            "req_method" => Val::Str(r.method()),
            _ => return None,
        },
        ExprKind::Select { operand, field } => lookup(eval(operand, r)?, field, r)?,
        ExprKind::Index { operand, index } => match (eval(operand, r)?, eval(index, r)?) {
            (Val::Values(v), Val::Int(0)) => Val::Str(v),
            (Val::List(items), Val::Int(i)) => eval(items.get(usize::try_from(i).ok()?)?, r)?,
            (map, Val::Str(key)) => lookup(map, key, r)?,
            _ => return None,
        },
        ExprKind::List(items) => Val::List(items),
        ExprKind::Unary { op, operand } => match (op, eval(operand, r)?) {
            (UnaryOp::Not, Val::Bool(b)) => Val::Bool(!b),
            (UnaryOp::Negate, Val::Int(i)) => Val::Int(i.checked_neg()?),
            (UnaryOp::Negate, Val::Float(f)) => Val::Float(-f),
            _ => return None,
        },
        ExprKind::Binary { op, lhs, rhs } => binary(*op, lhs, rhs, r)?,
        ExprKind::Conditional {
            condition,
            then,
            otherwise,
        } => match eval(condition, r)? {
            Val::Bool(true) => eval(then, r)?,
            Val::Bool(false) => eval(otherwise, r)?,
            _ => return None,
        },
        ExprKind::Call {
            target,
            function,
            args,
        } => call(target.as_deref(), function, args, r)?,
        ExprKind::Map(_) => return None,
    })
}

fn lookup<'a>(map: Val<'a>, key: &str, r: &'a dyn Request) -> Option<Val<'a>> {
    match map {
        Val::Params => r.param(key).map(Val::Str),
        Val::Headers => r.header(key).map(Val::Values),
        Val::Query => r.query(key).map(Val::Values),
        _ => None,
    }
}

fn binary<'a>(op: BinaryOp, lhs: &'a Expr, rhs: &'a Expr, r: &'a dyn Request) -> Option<Val<'a>> {
    // CEL's `&&` and `||` are commutative over errors; rehearse short-circuits left to right.
    match op {
        BinaryOp::And => {
            return match eval(lhs, r)? {
                Val::Bool(false) => Some(Val::Bool(false)),
                Val::Bool(true) => bool_of(eval(rhs, r)?),
                _ => None,
            }
        }
        BinaryOp::Or => {
            return match eval(lhs, r)? {
                Val::Bool(true) => Some(Val::Bool(true)),
                Val::Bool(false) => bool_of(eval(rhs, r)?),
                _ => None,
            }
        }
        _ => {}
    }
    let (a, b) = (eval(lhs, r)?, eval(rhs, r)?);
    let ordering = |a: Val, b: Val| match (a, b) {
        (Val::Str(x), Val::Str(y)) => Some(x.cmp(y)),
        (Val::Int(x), Val::Int(y)) => Some(x.cmp(&y)),
        (Val::Float(x), Val::Float(y)) => x.partial_cmp(&y),
        (Val::Int(x), Val::Float(y)) => (x as f64).partial_cmp(&y),
        (Val::Float(x), Val::Int(y)) => x.partial_cmp(&(y as f64)),
        (Val::Bool(x), Val::Bool(y)) => Some(x.cmp(&y)),
        (Val::Null, Val::Null) => Some(std::cmp::Ordering::Equal),
        _ => None,
    };
    use std::cmp::Ordering::*;
    Some(Val::Bool(match op {
        BinaryOp::Eq => ordering(a, b) == Some(Equal),
        BinaryOp::Ne => ordering(a, b) != Some(Equal),
        BinaryOp::Lt => ordering(a, b)? == Less,
        BinaryOp::Le => ordering(a, b)? != Greater,
        BinaryOp::Gt => ordering(a, b)? == Greater,
        BinaryOp::Ge => ordering(a, b)? != Less,
        BinaryOp::In => match b {
            Val::Values(v) => a == Val::Str(v),
            Val::List(items) => items.iter().any(|i| eval(i, r) == Some(a)),
            Val::Params | Val::Headers | Val::Query => match a {
                Val::Str(key) => lookup(b, key, r).is_some(),
                _ => return None,
            },
            _ => return None,
        },
        _ => return None,
    }))
}

fn bool_of(v: Val<'_>) -> Option<Val<'_>> {
    matches!(v, Val::Bool(_)).then_some(v)
}

fn call<'a>(
    target: Option<&'a Expr>,
    function: &str,
    args: &'a [Expr],
    r: &'a dyn Request,
) -> Option<Val<'a>> {
    match (target, function, args) {
        (
            None,
            "has",
            [Expr {
                kind: ExprKind::Select { operand, field },
                ..
            }],
        ) => Some(Val::Bool(lookup(eval(operand, r)?, field, r).is_some())),
        (Some(t), "size", []) | (None, "size", [t]) => match eval(t, r)? {
            Val::Str(s) => Some(Val::Int(s.chars().count() as i64)),
            Val::Values(_) => Some(Val::Int(1)),
            Val::List(items) => Some(Val::Int(items.len() as i64)),
            _ => None,
        },
        (Some(t), "startsWith" | "endsWith" | "contains", [arg]) => {
            let (Val::Str(s), Val::Str(x)) = (eval(t, r)?, eval(arg, r)?) else {
                return None;
            };
            Some(Val::Bool(match function {
                "startsWith" => s.starts_with(x),
                "endsWith" => s.ends_with(x),
                _ => s.contains(x),
            }))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::expr::parse;

    struct Fixed;
    impl Request for Fixed {
        fn param(&self, name: &str) -> Option<&str> {
            (name == "Wants_notifications").then_some("yes")
        }
        fn header(&self, name: &str) -> Option<&str> {
            name.eq_ignore_ascii_case("user-agent").then_some("Firefox")
        }
        fn query(&self, name: &str) -> Option<&str> {
            (name == "lang").then_some("en")
        }
        fn uri(&self) -> &str {
            "/user/signup/yes?lang=en"
        }
        fn method(&self) -> &str {
            "POST"
        }
    }

    fn check(text: &str) -> bool {
        holds(&parse(text).expect("parses"), &Fixed)
    }

    #[test]
    fn request_policies_evaluate() {
        assert!(check("req_params.Wants_notifications == 'yes'"));
        assert!(!check("req_params.Wants_notifications == 'no'"));
        assert!(check("req_headers['User-Agent'][0] == 'Firefox'"));
        assert!(check("'Firefox' in req_headers['User-Agent']"));
        assert!(check(
            "req_querystring.lang[0] == 'en' && req_method == 'POST'"
        ));
        assert!(check(
            "has(req_params.Wants_notifications) && !has(req_params.Other)"
        ));
        assert!(check("req_uri.startsWith('/user/') || false"));
        assert!(check("'lang' in req_querystring"));
        assert!(check("size(req_params.Wants_notifications) == 3"));
        // Unknown variables and type errors are errors: the policy does not hold.
        assert!(!check("resp_data.x == 1"));
        assert!(!check("req_params.Wants_notifications > 1"));
    }
}
