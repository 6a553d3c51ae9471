//! expr-lang conditions as Argo Rollouts evaluates them against a measurement's `result`
//! (grammar `grammar/exprlang.pest`; ARGO.md §4.3, utils/evaluate/evaluate.go). Parsed once,
//! evaluated per measurement. An evaluation that expr-lang would refuse at run time (a
//! missing index, a comparison of a list with a number, an unknown name) is an error, which
//! Argo counts as an Error measurement.

use crate::syntax::grammar_error::GrammarError;
use pest::iterators::Pair;
use pest::Parser as _;

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/exprlang.pest"]
struct ExprParser;

/// The longest condition read, and the deepest nesting: a condition past either is refused
/// rather than risking the parser's stack.
pub const MAX_LEN: usize = 4096;
pub const MAX_DEPTH: usize = 64;

#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    Number(f64),
    Bool(bool),
    Nil,
    Str(String),
    Name(String),
    /// `#` inside a predicate.
    Element,
    Array(Vec<Expr>),
    Index(Box<Expr>, Box<Expr>),
    /// `base.field` (or `base?.field`).
    Member(Box<Expr>, String),
    Call(String, Vec<Expr>),
    /// `{ ... }` as a builtin's argument.
    Predicate(Box<Expr>),
    Not(Box<Expr>),
    Neg(Box<Expr>),
    Binary(Op, Box<Expr>, Box<Expr>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    In,
    NotIn,
}

/// A value during evaluation.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Number(f64),
    Bool(bool),
    Nil,
    Str(String),
    List(Vec<Value>),
}

impl Value {
    fn type_name(&self) -> &'static str {
        match self {
            Value::Number(_) => "float64",
            Value::Bool(_) => "bool",
            Value::Nil => "nil",
            Value::Str(_) => "string",
            Value::List(_) => "[]float64",
        }
    }
}

/// Parses a condition; the error says where it stops.
pub fn parse(text: &str) -> Result<Expr, String> {
    parse_located(text).map_err(|e| match e.kind {
        ParseFailure::Syntax => format!("unexpected input at column {}", e.error.range.start + 1),
        ParseFailure::Limit => e.error.message,
    })
}

/// Why [`parse_located`] refused a condition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParseFailure {
    /// Outside the grammar, at `error.range`.
    Syntax,
    /// Past [`MAX_LEN`] or [`MAX_DEPTH`].
    Limit,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub kind: ParseFailure,
    /// Where (a byte range of the condition) and what was expected there.
    pub error: GrammarError,
}

/// Parses a condition; the error points at the first character the grammar cannot read.
pub fn parse_located(text: &str) -> Result<Expr, ParseError> {
    let limit = |message: String| ParseError {
        kind: ParseFailure::Limit,
        error: GrammarError::new(0..0, message),
    };
    if text.len() > MAX_LEN {
        return Err(limit(format!("longer than {MAX_LEN} characters")));
    }
    let mut depth = 0usize;
    for c in text.chars() {
        match c {
            '(' | '[' | '{' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(limit(format!("nested deeper than {MAX_DEPTH}")));
                }
            }
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    let mut pairs = ExprParser::parse(Rule::expression, text).map_err(|e| ParseError {
        kind: ParseFailure::Syntax,
        error: GrammarError::from_pest(text, &e, describe),
    })?;
    let empty = || limit("empty".into());
    let expression = pairs.next().ok_or_else(empty)?;
    let inner = expression.into_inner().next().ok_or_else(empty)?;
    Ok(build(inner))
}

/// How a pest rule is named in "expected ..." messages.
fn describe(rule: Rule) -> &'static str {
    match rule {
        Rule::EOI => "end of condition",
        Rule::or_op | Rule::and_op => "a logical operator",
        Rule::cmp_op | Rule::in_op | Rule::not_in_op => "a comparison",
        Rule::add_op | Rule::mul_op => "an arithmetic operator",
        Rule::index => "`[`",
        Rule::member | Rule::field => "a field",
        Rule::closure => "a predicate `{ ... }`",
        _ => "an operand",
    }
}

fn build(pair: Pair<'_, Rule>) -> Expr {
    let rule = pair.as_rule();
    let text = pair.as_str();
    let mut inner = pair.into_inner();
    match rule {
        Rule::or_expr | Rule::and_expr | Rule::sum | Rule::product | Rule::comparison => {
            let mut left = inner.next().map(build).unwrap_or(Expr::Nil);
            while let Some(op) = inner.next() {
                let right = inner.next().map(build).unwrap_or(Expr::Nil);
                left = Expr::Binary(operator(op.as_str()), Box::new(left), Box::new(right));
            }
            left
        }
        Rule::not_expr | Rule::unary => {
            let items: Vec<Pair<'_, Rule>> = inner.collect();
            let (ops, rest) = items.split_at(items.len().saturating_sub(1));
            let mut value = rest.first().cloned().map(build).unwrap_or(Expr::Nil);
            for op in ops.iter().rev() {
                value = match op.as_rule() {
                    Rule::neg_op => Expr::Neg(Box::new(value)),
                    _ => Expr::Not(Box::new(value)),
                };
            }
            value
        }
        Rule::postfix => {
            let mut value = inner.next().map(build).unwrap_or(Expr::Nil);
            for suffix in inner {
                value = match suffix.as_rule() {
                    Rule::member => match build(suffix) {
                        Expr::Name(field) => Expr::Member(Box::new(value), field),
                        _ => Expr::Nil,
                    },
                    _ => {
                        let key = suffix.into_inner().next().map(build).unwrap_or(Expr::Nil);
                        Expr::Index(Box::new(value), Box::new(key))
                    }
                };
            }
            value
        }
        Rule::primary | Rule::argument => inner.next().map(build).unwrap_or(Expr::Nil),
        Rule::closure => Expr::Predicate(Box::new(inner.next().map(build).unwrap_or(Expr::Nil))),
        Rule::call => {
            let name = inner
                .next()
                .map(|n| n.as_str().to_owned())
                .unwrap_or_default();
            Expr::Call(name, inner.map(build).collect())
        }
        Rule::array => Expr::Array(inner.map(build).collect()),
        Rule::number => Expr::Number(text.parse().unwrap_or(f64::NAN)),
        Rule::string => Expr::Str(unescape(text)),
        Rule::member => Expr::Name(
            inner
                .next()
                .map(|f| f.as_str().to_owned())
                .unwrap_or_default(),
        ),
        Rule::boolean => Expr::Bool(text == "true"),
        Rule::nil => Expr::Nil,
        Rule::predicate_var => Expr::Element,
        Rule::identifier => Expr::Name(text.to_owned()),
        _ => Expr::Nil,
    }
}

fn operator(text: &str) -> Op {
    match text {
        "||" | "or" => Op::Or,
        "&&" | "and" => Op::And,
        "==" => Op::Eq,
        "!=" => Op::Ne,
        "<" => Op::Lt,
        "<=" => Op::Le,
        ">" => Op::Gt,
        ">=" => Op::Ge,
        "+" => Op::Add,
        "-" => Op::Sub,
        "*" => Op::Mul,
        "/" => Op::Div,
        "%" => Op::Mod,
        "in" => Op::In,
        _ => Op::NotIn,
    }
}

/// A string literal's value: the quotes removed, `\x` escapes of double- and single-quoted
/// strings resolved (a backquoted string is raw).
fn unescape(literal: &str) -> String {
    let quote = literal.chars().next().unwrap_or('"');
    let body = literal
        .get(1..literal.len().saturating_sub(1))
        .unwrap_or_default();
    if quote == '`' {
        return body.to_owned();
    }
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

/// Evaluates a condition with `result` bound; a condition must give a boolean.
pub fn evaluate(expr: &Expr, result: &Value) -> Result<bool, String> {
    match eval(expr, result, None)? {
        Value::Bool(b) => Ok(b),
        other => Err(format!("expected bool, but got {}", other.type_name())),
    }
}

fn number(v: &Value) -> Result<f64, String> {
    match v {
        Value::Number(x) => Ok(*x),
        other => Err(format!("expected a number, got {}", other.type_name())),
    }
}

fn boolean(v: &Value) -> Result<bool, String> {
    match v {
        Value::Bool(b) => Ok(*b),
        other => Err(format!("expected bool, got {}", other.type_name())),
    }
}

fn list(v: &Value) -> Result<&[Value], String> {
    match v {
        Value::List(items) => Ok(items),
        other => Err(format!("expected an array, got {}", other.type_name())),
    }
}

fn eval(expr: &Expr, result: &Value, element: Option<&Value>) -> Result<Value, String> {
    Ok(match expr {
        Expr::Number(x) => Value::Number(*x),
        Expr::Bool(b) => Value::Bool(*b),
        Expr::Nil => Value::Nil,
        Expr::Str(text) => Value::Str(text.clone()),
        Expr::Name(name) if name == "result" => result.clone(),
        Expr::Name(name) => return Err(format!("unknown name {name}")),
        Expr::Element => element.cloned().ok_or("# outside a predicate")?,
        Expr::Array(items) => Value::List(
            items
                .iter()
                .map(|i| eval(i, result, element))
                .collect::<Result<_, _>>()?,
        ),
        Expr::Index(base, key) => {
            let base = eval(base, result, element)?;
            let items = list(&base)?;
            let k = number(&eval(key, result, element)?)?;
            let len = items.len() as f64;
            // expr-lang: a negative index counts from the end; out of range is an error.
            let at = if k < 0.0 { len + k } else { k };
            if at.fract() != 0.0 || at < 0.0 || at >= len {
                return Err(format!(
                    "index out of range: {k} (array of length {})",
                    items.len()
                ));
            }
            items[at as usize].clone()
        }
        Expr::Member(base, field) => {
            // The rehearsal's measurements are numbers and lists of numbers: a field of one
            // is the error expr-lang reports.
            let base = eval(base, result, element)?;
            return Err(format!("cannot fetch {field} from {}", base.type_name()));
        }
        Expr::Predicate(_) => return Err("a predicate outside a builtin".into()),
        Expr::Call(name, args) => call(name, args, result, element)?,
        Expr::Not(inner) => Value::Bool(!boolean(&eval(inner, result, element)?)?),
        Expr::Neg(inner) => Value::Number(-number(&eval(inner, result, element)?)?),
        Expr::Binary(Op::And, l, r) => {
            // Short-circuit, as expr-lang: `len(result) > 0 && result[0] > 1` is safe.
            if !boolean(&eval(l, result, element)?)? {
                Value::Bool(false)
            } else {
                Value::Bool(boolean(&eval(r, result, element)?)?)
            }
        }
        Expr::Binary(Op::Or, l, r) => {
            if boolean(&eval(l, result, element)?)? {
                Value::Bool(true)
            } else {
                Value::Bool(boolean(&eval(r, result, element)?)?)
            }
        }
        Expr::Binary(op, l, r) => {
            let a = eval(l, result, element)?;
            let b = eval(r, result, element)?;
            match op {
                Op::Eq => Value::Bool(a == b),
                Op::Ne => Value::Bool(a != b),
                Op::In => Value::Bool(list(&b)?.contains(&a)),
                Op::NotIn => Value::Bool(!list(&b)?.contains(&a)),
                _ => {
                    let (x, y) = (number(&a)?, number(&b)?);
                    match op {
                        Op::Lt => Value::Bool(x < y),
                        Op::Le => Value::Bool(x <= y),
                        Op::Gt => Value::Bool(x > y),
                        Op::Ge => Value::Bool(x >= y),
                        Op::Add => Value::Number(x + y),
                        Op::Sub => Value::Number(x - y),
                        Op::Mul => Value::Number(x * y),
                        Op::Div => Value::Number(x / y),
                        _ => Value::Number(x % y),
                    }
                }
            }
        }
    })
}

fn call(
    name: &str,
    args: &[Expr],
    result: &Value,
    element: Option<&Value>,
) -> Result<Value, String> {
    let arity = |n: usize| {
        if args.len() == n {
            Ok(())
        } else {
            Err(format!("{name} takes {n} argument(s), got {}", args.len()))
        }
    };
    match name {
        "len" => {
            arity(1)?;
            Ok(Value::Number(
                list(&eval(&args[0], result, element)?)?.len() as f64,
            ))
        }
        "isNaN" | "isInf" => {
            arity(1)?;
            let x = number(&eval(&args[0], result, element)?)?;
            Ok(Value::Bool(if name == "isNaN" {
                x.is_nan()
            } else {
                x.is_infinite()
            }))
        }
        // Argo's own bindings (utils/evaluate/evaluate.go): `isNil()` and `default(_, d)`
        // look at the measurement itself, whatever their first argument.
        "isNil" => {
            arity(0)?;
            Ok(Value::Bool(*result == Value::Nil))
        }
        "default" => {
            arity(2)?;
            if *result == Value::Nil {
                eval(&args[1], result, element)
            } else {
                Ok(result.clone())
            }
        }
        "asInt" | "asFloat" => {
            arity(1)?;
            let x = match eval(&args[0], result, element)? {
                Value::Number(x) => x,
                Value::Str(text) => text
                    .trim()
                    .parse::<f64>()
                    .map_err(|_| format!("{name}: cannot convert {text:?}"))?,
                other => return Err(format!("{name}: cannot convert {}", other.type_name())),
            };
            Ok(Value::Number(if name == "asInt" { x.trunc() } else { x }))
        }
        "abs" => {
            arity(1)?;
            Ok(Value::Number(
                number(&eval(&args[0], result, element)?)?.abs(),
            ))
        }
        "all" | "any" | "none" | "filter" | "count" => {
            arity(2)?;
            let items = eval(&args[0], result, element)?;
            let Expr::Predicate(predicate) = &args[1] else {
                return Err(format!("{name} needs a predicate `{{ ... }}`"));
            };
            let mut kept = Vec::new();
            for item in list(&items)? {
                if boolean(&eval(predicate, result, Some(item))?)? {
                    kept.push(item.clone());
                }
            }
            let n = list(&items)?.len();
            Ok(match name {
                "all" => Value::Bool(kept.len() == n),
                "any" => Value::Bool(!kept.is_empty()),
                "none" => Value::Bool(kept.is_empty()),
                "count" => Value::Number(kept.len() as f64),
                _ => Value::List(kept),
            })
        }
        _ => Err(format!("unknown function {name}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn holds(text: &str, result: Value) -> Result<bool, String> {
        evaluate(&parse(text)?, &result)
    }

    #[test]
    fn the_conditions_argo_users_write() {
        let v = |x: f64| Value::List(vec![Value::Number(x)]);
        assert_eq!(holds("result[0] >= 0.95", v(0.97)), Ok(true));
        assert_eq!(holds("result[0] >= 0.95", v(0.9)), Ok(false));
        assert_eq!(
            holds("len(result) > 0 && result[0] < 0.05", v(0.01)),
            Ok(true)
        );
        assert_eq!(
            holds("len(result) > 0 && result[0] < 0.05", Value::List(vec![])),
            Ok(false)
        );
        assert_eq!(
            holds("isNaN(result[0]) || result[0] >= 0.95", v(f64::NAN)),
            Ok(true)
        );
        assert_eq!(
            holds(
                "all(result, {# < 1})",
                Value::List(vec![Value::Number(0.5), Value::Number(0.9)])
            ),
            Ok(true)
        );
        assert_eq!(
            holds(
                "all(result, {# < 1})",
                Value::List(vec![Value::Number(0.5), Value::Number(1.0)])
            ),
            Ok(false)
        );
        assert_eq!(holds("result < 0.05", Value::Number(0.01)), Ok(true));
        assert_eq!(
            holds("not (result > 2) and true", Value::Number(1.0)),
            Ok(true)
        );
        assert_eq!(
            holds(
                "result[-1] == 3",
                Value::List(vec![Value::Number(1.0), Value::Number(3.0)])
            ),
            Ok(true)
        );
        assert_eq!(holds("-result + 2 * 3 > 5", Value::Number(0.5)), Ok(true));
    }

    #[test]
    fn strings_fields_and_membership_of_real_conditions() {
        // Argo's web provider returns objects, compared with string literals
        // (test/e2e/functional/analysistemplate-web-background.yaml, rollout-secret.yaml).
        for text in [
            "result == 'It worked!'",
            "result.major == '1'",
            "result.Status == -1",
            "result == \"{{args.success-condition}}\"",
            "result?.code in [200, 201] && result.body != `x`",
            // Forms of Argo's documentation (docs/analysis/*.md).
            "len(result) == 0 || result[0] >= 0.95",
            "all(result[0].Values, {# <= 0.01})",
            "result.successRate >= 0.95",
            "default(result, 0) >= 0.9",
            "isNil() || result[0] < 5",
            "asFloat(result) >= 0.9 and asInt(result) < 10",
        ] {
            assert!(parse(text).is_ok(), "{text}");
        }
        assert_eq!(
            parse(r#"'a\'b' == "c\"d""#),
            Ok(Expr::Binary(
                Op::Eq,
                Box::new(Expr::Str("a'b".into())),
                Box::new(Expr::Str("c\"d".into()))
            ))
        );
        let list = Value::List(vec![Value::Number(1.0), Value::Number(2.0)]);
        assert_eq!(holds("2 in result", list.clone()), Ok(true));
        assert_eq!(holds("3 not in result", list.clone()), Ok(true));
        assert_eq!(holds("'x' == 'x'", Value::Nil), Ok(true));
        assert_eq!(holds("isNil()", Value::Nil), Ok(true));
        assert_eq!(holds("default(result, 3) == 3", Value::Nil), Ok(true));
        assert_eq!(
            holds("default(result, 3) == 1", Value::Number(1.0)),
            Ok(true)
        );
        assert_eq!(holds("asInt(result) == 2", Value::Number(2.7)), Ok(true));
        assert_eq!(
            holds("asFloat('0.5') < result", Value::Number(0.7)),
            Ok(true)
        );
        // A field of a number is expr-lang's run-time error, not a parse error.
        assert!(holds("result.Status == 1", Value::Number(1.0)).is_err());
        // Words stay keywords: `in` is not a name.
        assert!(parse("in > 1").is_err());
    }

    #[test]
    fn parse_errors_point_at_the_character() {
        let e = parse_located("all(result, {").unwrap_err();
        assert_eq!(e.kind, ParseFailure::Syntax);
        assert_eq!(e.error.range, 13..13);
        let e = parse_located("result[0] >= 0.9 ? 1 : 2").unwrap_err();
        assert_eq!(e.error.range, 17..18);
        assert_eq!(
            parse("result >"),
            Err("unexpected input at column 9".into())
        );
    }

    #[test]
    fn runtime_errors_are_errors_not_panics() {
        assert!(holds("result[0] > 1", Value::List(vec![])).is_err());
        assert!(holds("result > 1", Value::List(vec![Value::Number(2.0)])).is_err());
        assert!(holds("result + 1", Value::Number(1.0)).is_err());
        assert!(holds("foo(result)", Value::Number(1.0)).is_err());
        assert!(parse("result >").is_err());
        assert!(parse(&"(".repeat(100_000)).is_err());
        assert!(parse(&"x".repeat(MAX_LEN + 1)).is_err());
    }
}
