//! Expressions (grammar/expr.pest): the CEL subset KrakenD's `validation/cel` and
//! `security/policies` use, plus durations and percentages for rehearse's own expectations.
//!
//! The AST keeps a byte span (relative to the expression string) on every node so callers can
//! point inside the scalar. Literals are exact: durations in nanoseconds, percentages in parts
//! per million. Calls are generic (`name(args)` and `target.name(args)`), so metric calls like
//! `errors("sava:1.1", 30s)` need no grammar change.

use pest::iterators::Pair;
use pest::Parser;
use pest_derive::Parser;

pub use super::grammar_error::GrammarError;
use std::ops::Range;

#[derive(Parser)]
#[grammar = "../grammar/expr.pest"]
struct ExprParser;

/// Deepest bracket/conditional nesting accepted. pest descends recursively, so hostile input
/// must be rejected before it reaches the parser.
pub const MAX_NESTING: usize = 32;
/// Longest expression accepted, in bytes.
pub const MAX_LEN: usize = 64 * 1024;

#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Range<usize>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    Literal(Literal),
    Ident(String),
    /// `operand.field`
    Select {
        operand: Box<Expr>,
        field: String,
    },
    /// `operand[index]`
    Index {
        operand: Box<Expr>,
        index: Box<Expr>,
    },
    /// `function(args)` or, with a target, `target.function(args)`.
    Call {
        target: Option<Box<Expr>>,
        function: String,
        args: Vec<Expr>,
    },
    List(Vec<Expr>),
    Map(Vec<(Expr, Expr)>),
    Unary {
        op: UnaryOp,
        operand: Box<Expr>,
    },
    Binary {
        op: BinaryOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    Conditional {
        condition: Box<Expr>,
        then: Box<Expr>,
        otherwise: Box<Expr>,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub enum Literal {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    /// The value and the text as written.
    Float(f64, String),
    String(String),
    Bytes(Vec<u8>),
    /// An extension: `1m30s`, exact nanoseconds.
    Duration(u64),
    /// An extension: `0.5%`, in parts per million (1% = 10 000).
    Percent(u64),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnaryOp {
    Not,
    Negate,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

impl BinaryOp {
    pub fn as_str(self) -> &'static str {
        match self {
            BinaryOp::Or => "||",
            BinaryOp::And => "&&",
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::In => "in",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Rem => "%",
        }
    }

    fn from_str(text: &str) -> Option<BinaryOp> {
        Some(match text {
            "||" => BinaryOp::Or,
            "&&" => BinaryOp::And,
            "==" => BinaryOp::Eq,
            "!=" => BinaryOp::Ne,
            "<" => BinaryOp::Lt,
            "<=" => BinaryOp::Le,
            ">" => BinaryOp::Gt,
            ">=" => BinaryOp::Ge,
            "in" => BinaryOp::In,
            "+" => BinaryOp::Add,
            "-" => BinaryOp::Sub,
            "*" => BinaryOp::Mul,
            "/" => BinaryOp::Div,
            "%" => BinaryOp::Rem,
            _ => return None,
        })
    }
}

pub fn parse(text: &str) -> Result<Expr, GrammarError> {
    if text.len() > MAX_LEN {
        return Err(GrammarError::new(
            0..text.len(),
            format!("expression longer than {MAX_LEN} bytes"),
        ));
    }
    let depth = check_nesting(text)?;
    if depth <= INLINE_NESTING {
        return parse_nested(text);
    }
    // pest's recursive descent takes tens of KiB of stack per bracket level in unoptimised
    // builds; deep (but allowed) inputs get a thread with room to spare.
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .stack_size(PARSER_STACK_BYTES)
            .spawn_scoped(scope, || parse_nested(text))
            .ok()
            .and_then(|handle| handle.join().ok())
            .unwrap_or_else(|| {
                Err(GrammarError::new(
                    0..text.len(),
                    "could not start the expression parser".to_string(),
                ))
            })
    })
}

/// Nesting parsed on the caller's stack.
const INLINE_NESTING: usize = 6;
const PARSER_STACK_BYTES: usize = 64 * 1024 * 1024;

fn parse_nested(text: &str) -> Result<Expr, GrammarError> {
    let mut pairs = ExprParser::parse(Rule::expression, text).map_err(|e| syntax_error(text, e))?;
    let conditional = pairs
        .next()
        .and_then(|expression| expression.into_inner().next())
        .ok_or_else(|| GrammarError::new(0..text.len(), "empty expression".to_string()))?;
    build(conditional)
}

/// Ranges of the literals that are rehearse extensions (durations, percentages), which a CEL
/// engine would reject.
pub fn non_cel_literals(expr: &Expr) -> Vec<Range<usize>> {
    let mut found = Vec::new();
    let mut stack = vec![expr];
    while let Some(e) = stack.pop() {
        match &e.kind {
            ExprKind::Literal(Literal::Duration(_) | Literal::Percent(_)) => {
                found.push(e.span.clone())
            }
            ExprKind::Literal(_) | ExprKind::Ident(_) => {}
            ExprKind::Select { operand, .. } | ExprKind::Unary { operand, .. } => {
                stack.push(operand)
            }
            ExprKind::Index { operand, index } => {
                stack.push(operand);
                stack.push(index);
            }
            ExprKind::Call { target, args, .. } => {
                stack.extend(target.as_deref());
                stack.extend(args);
            }
            ExprKind::List(items) => stack.extend(items),
            ExprKind::Map(entries) => {
                for (k, v) in entries {
                    stack.push(k);
                    stack.push(v);
                }
            }
            ExprKind::Binary { lhs, rhs, .. } => {
                stack.push(lhs);
                stack.push(rhs);
            }
            ExprKind::Conditional {
                condition,
                then,
                otherwise,
            } => {
                stack.push(condition);
                stack.push(then);
                stack.push(otherwise);
            }
        }
    }
    found.sort_by_key(|r| r.start);
    found
}

/// Rejects inputs nested deeper than [`MAX_NESTING`] before pest recurses into them. Quotes
/// are skipped roughly (brackets inside strings do not count); the parser does the real work.
fn check_nesting(text: &str) -> Result<usize, GrammarError> {
    let mut depth = 0usize;
    let mut deepest = 0usize;
    let mut conditionals = 0usize;
    let mut quote: Option<u8> = None;
    let mut escaped = false;
    for (i, b) in text.bytes().enumerate() {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == q {
                quote = None;
            }
            continue;
        }
        match b {
            b'"' | b'\'' => quote = Some(b),
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            b'?' => conditionals += 1,
            _ => {}
        }
        deepest = deepest.max(depth + conditionals);
        if depth + conditionals > MAX_NESTING {
            return Err(GrammarError::new(
                i..i + 1,
                format!("expression nests deeper than {MAX_NESTING} levels"),
            ));
        }
    }
    Ok(deepest)
}

fn syntax_error(text: &str, error: pest::error::Error<Rule>) -> GrammarError {
    GrammarError::from_pest(text, &error, |rule| rule_name(rule).unwrap_or("a token"))
}

fn rule_name(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::conditional
        | Rule::or_expr
        | Rule::and_expr
        | Rule::relation
        | Rule::addition
        | Rule::multiplication
        | Rule::unary
        | Rule::member
        | Rule::paren
        | Rule::call
        | Rule::list
        | Rule::map
        | Rule::entry
        | Rule::ident
        | Rule::duration
        | Rule::percent
        | Rule::float
        | Rule::uint
        | Rule::hex
        | Rule::int
        | Rule::string
        | Rule::bytes
        | Rule::boolean
        | Rule::null
        | Rule::unary_op => "an operand",
        Rule::or_op
        | Rule::and_op
        | Rule::rel_op
        | Rule::in_op
        | Rule::add_op
        | Rule::mul_op
        | Rule::select
        | Rule::index
        | Rule::call_args => "an operator",
        Rule::EOI => "end of expression",
        _ => return None,
    })
}

fn span_of(pair: &Pair<Rule>) -> Range<usize> {
    pair.as_span().start()..pair.as_span().end()
}

fn invalid(pair: &Pair<Rule>, message: impl Into<String>) -> GrammarError {
    GrammarError::new(span_of(pair), message.into())
}

fn build(pair: Pair<Rule>) -> Result<Expr, GrammarError> {
    let span = span_of(&pair);
    match pair.as_rule() {
        Rule::conditional => {
            let mut inner = pair.into_inner();
            let condition = build(next(&mut inner, &span)?)?;
            let Some(then) = inner.next() else {
                return Ok(condition);
            };
            let then = build(then)?;
            let otherwise = build(next(&mut inner, &span)?)?;
            Ok(Expr {
                kind: ExprKind::Conditional {
                    condition: Box::new(condition),
                    then: Box::new(then),
                    otherwise: Box::new(otherwise),
                },
                span,
            })
        }
        Rule::or_expr | Rule::and_expr | Rule::relation | Rule::addition | Rule::multiplication => {
            // Left-associative chains: operand (op operand)*.
            let mut inner = pair.into_inner();
            let mut lhs = build(next(&mut inner, &span)?)?;
            while let Some(op) = inner.next() {
                let op_kind = BinaryOp::from_str(op.as_str())
                    .ok_or_else(|| invalid(&op, "unknown operator"))?;
                let rhs = build(next(&mut inner, &span)?)?;
                let joined = lhs.span.start..rhs.span.end;
                lhs = Expr {
                    kind: ExprKind::Binary {
                        op: op_kind,
                        lhs: Box::new(lhs),
                        rhs: Box::new(rhs),
                    },
                    span: joined,
                };
            }
            Ok(lhs)
        }
        Rule::unary => {
            let mut ops = Vec::new();
            let mut operand = None;
            for p in pair.into_inner() {
                if p.as_rule() == Rule::unary_op {
                    ops.push((p.as_str() == "!", p.as_span().start()));
                } else {
                    operand = Some(build(p)?);
                }
            }
            let mut expr = operand
                .ok_or_else(|| GrammarError::new(span.clone(), "missing operand".to_string()))?;
            for (not, start) in ops.into_iter().rev() {
                let end = expr.span.end;
                expr = Expr {
                    kind: ExprKind::Unary {
                        op: if not { UnaryOp::Not } else { UnaryOp::Negate },
                        operand: Box::new(expr),
                    },
                    span: start..end,
                };
            }
            Ok(expr)
        }
        Rule::member => {
            let mut inner = pair.into_inner();
            let mut expr = build(next(&mut inner, &span)?)?;
            for postfix in inner {
                let end = postfix.as_span().end();
                let start = expr.span.start;
                expr = match postfix.as_rule() {
                    Rule::select => {
                        let mut parts = postfix.into_inner();
                        let field = next(&mut parts, &span)?.as_str().to_string();
                        match parts.next() {
                            Some(args) => Expr {
                                kind: ExprKind::Call {
                                    target: Some(Box::new(expr)),
                                    function: field,
                                    args: build_args(args)?,
                                },
                                span: start..end,
                            },
                            None => Expr {
                                kind: ExprKind::Select {
                                    operand: Box::new(expr),
                                    field,
                                },
                                span: start..end,
                            },
                        }
                    }
                    Rule::index => {
                        let index = build(next(&mut postfix.into_inner(), &span)?)?;
                        Expr {
                            kind: ExprKind::Index {
                                operand: Box::new(expr),
                                index: Box::new(index),
                            },
                            span: start..end,
                        }
                    }
                    _ => return Err(invalid(&postfix, "unexpected postfix")),
                };
            }
            Ok(expr)
        }
        Rule::paren => build(next(&mut pair.into_inner(), &span)?),
        Rule::call => {
            let mut inner = pair.into_inner();
            let function = next(&mut inner, &span)?.as_str().to_string();
            let args = build_args(next(&mut inner, &span)?)?;
            Ok(Expr {
                kind: ExprKind::Call {
                    target: None,
                    function,
                    args,
                },
                span,
            })
        }
        Rule::list => {
            let items = pair.into_inner().map(build).collect::<Result<_, _>>()?;
            Ok(Expr {
                kind: ExprKind::List(items),
                span,
            })
        }
        Rule::map => {
            let mut entries = Vec::new();
            for entry in pair.into_inner() {
                let mut kv = entry.into_inner();
                let key = build(next(&mut kv, &span)?)?;
                let value = build(next(&mut kv, &span)?)?;
                entries.push((key, value));
            }
            Ok(Expr {
                kind: ExprKind::Map(entries),
                span,
            })
        }
        Rule::ident => Ok(Expr {
            kind: ExprKind::Ident(pair.as_str().to_string()),
            span,
        }),
        _ => Ok(Expr {
            kind: ExprKind::Literal(literal(pair)?),
            span,
        }),
    }
}

fn next<'i>(
    pairs: &mut pest::iterators::Pairs<'i, Rule>,
    span: &Range<usize>,
) -> Result<Pair<'i, Rule>, GrammarError> {
    pairs
        .next()
        .ok_or_else(|| GrammarError::new(span.clone(), "incomplete expression".to_string()))
}

fn build_args(args: Pair<Rule>) -> Result<Vec<Expr>, GrammarError> {
    args.into_inner().map(build).collect()
}

fn literal(pair: Pair<Rule>) -> Result<Literal, GrammarError> {
    let text = pair.as_str();
    Ok(match pair.as_rule() {
        Rule::null => Literal::Null,
        Rule::boolean => Literal::Bool(text == "true"),
        Rule::int => Literal::Int(
            text.parse()
                .map_err(|_| invalid(&pair, "integer out of range"))?,
        ),
        Rule::hex => Literal::Int(
            i64::from_str_radix(&text[2..], 16)
                .map_err(|_| invalid(&pair, "integer out of range"))?,
        ),
        Rule::uint => {
            let digits = &text[..text.len() - 1];
            let value = match digits
                .strip_prefix("0x")
                .or_else(|| digits.strip_prefix("0X"))
            {
                Some(hex) => u64::from_str_radix(hex, 16),
                None => digits.parse(),
            };
            Literal::Uint(value.map_err(|_| invalid(&pair, "unsigned integer out of range"))?)
        }
        Rule::float => Literal::Float(
            text.parse()
                .map_err(|_| invalid(&pair, "malformed number"))?,
            text.to_string(),
        ),
        Rule::duration => Literal::Duration(
            parse_duration(text).ok_or_else(|| invalid(&pair, "duration out of range"))?,
        ),
        Rule::percent => Literal::Percent(
            scaled_decimal(&text[..text.len() - 1], 10_000).ok_or_else(|| {
                invalid(
                    &pair,
                    "percentage out of range or finer than 0.0001% (1 part per million)",
                )
            })?,
        ),
        Rule::string => Literal::String(unquote(&pair)?),
        Rule::bytes => Literal::Bytes(unquote(&pair)?.into_bytes()),
        _ => return Err(invalid(&pair, "unexpected token")),
    })
}

/// A decimal like `12.5` times `scale`, exactly; `None` when it does not land on an integer or
/// overflows.
fn scaled_decimal(text: &str, scale: u64) -> Option<u64> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let whole: u64 = whole.parse().ok()?;
    let mut value = whole.checked_mul(scale)?;
    let mut unit = scale;
    for digit in fraction.bytes() {
        let d = u64::from(digit.checked_sub(b'0')?);
        if unit % 10 != 0 {
            // Finer than the scale resolves: only trailing zeros are exact.
            if d != 0 {
                return None;
            }
            continue;
        }
        unit /= 10;
        value = value.checked_add(d.checked_mul(unit)?)?;
    }
    Some(value)
}

/// Go-style durations (`1m30s`, `1.5s`, `300ms`) in exact nanoseconds.
pub fn parse_duration(text: &str) -> Option<u64> {
    let mut total: u64 = 0;
    let mut rest = text;
    while !rest.is_empty() {
        let number_len = rest
            .bytes()
            .take_while(|b| b.is_ascii_digit() || *b == b'.')
            .count();
        if number_len == 0 {
            return None;
        }
        let (number, tail) = rest.split_at(number_len);
        let (unit_nanos, unit_len) = [
            ("ns", 1u64),
            ("us", 1_000),
            ("µs", 1_000),
            ("μs", 1_000),
            ("ms", 1_000_000),
            ("s", 1_000_000_000),
            ("m", 60_000_000_000),
            ("h", 3_600_000_000_000),
        ]
        .iter()
        .find(|(unit, _)| tail.starts_with(unit))
        .map(|(unit, nanos)| (*nanos, unit.len()))?;
        total = total.checked_add(scaled_decimal(number, unit_nanos)?)?;
        rest = &tail[unit_len..];
    }
    Some(total)
}

fn unquote(pair: &Pair<Rule>) -> Result<String, GrammarError> {
    let text = pair.as_str();
    let body_start = text.find(['"', '\'']).unwrap_or(0);
    let prefix = &text[..body_start];
    let raw = prefix.contains(['r', 'R']);
    let quoted = &text[body_start..];
    let quote_len = if quoted.starts_with("\"\"\"") || quoted.starts_with("'''") {
        3
    } else {
        1
    };
    let body = quoted
        .get(quote_len..quoted.len().saturating_sub(quote_len))
        .unwrap_or("");
    if raw {
        return Ok(body.to_string());
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
            Some('a') => out.push('\u{7}'),
            Some('b') => out.push('\u{8}'),
            Some('f') => out.push('\u{c}'),
            Some('v') => out.push('\u{b}'),
            Some(c @ ('\\' | '"' | '\'' | '`' | '?')) => out.push(c),
            // Other escapes (\x, \u, octal) are kept verbatim: rehearse only needs to know the
            // expression is well-formed; a CEL engine decodes them.
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => return Err(invalid(pair, "string ends with a lone backslash")),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ok(text: &str) -> Expr {
        match parse(text) {
            Ok(e) => e,
            Err(e) => panic!("{text:?} should parse: {e:?}"),
        }
    }

    #[test]
    fn parses_the_corpus_cel_expressions() {
        for text in [
            "'company' in resp_data.github",
            "'something' in req_headers['X-Header']",
            "has(req_params.Resp0_message)",
            "has(req_querystring['foo[]']) && 'bar' in req_querystring['foo[]']",
            "int(req_params.Id) % 2 == 0",
            "size(JWT.roles)>1",
            "req_headers['X-Geoip'][0].matches('^(US|CA)$')",
            "getCookie('GDPR') == 'yes'",
            "true",
            "[1, 2u, 0x1F, 1.5e3, \"a\", b'x', r'\\d', null, {'k': -1}].size() > 0 ? a : !b",
            "JWT.roles.exists(r, r == 'admin')",
        ] {
            let expr = ok(text);
            assert!(non_cel_literals(&expr).is_empty(), "{text}");
        }
    }

    #[test]
    fn precedence_and_spans() {
        let expr = ok("a || b && c == 1 + 2 * 3");
        let ExprKind::Binary { op, rhs, .. } = &expr.kind else {
            panic!("binary expected: {expr:?}");
        };
        assert_eq!(*op, BinaryOp::Or);
        assert_eq!(rhs.span, 5..24);
        let ExprKind::Binary { op, .. } = &rhs.kind else {
            panic!("and expected");
        };
        assert_eq!(*op, BinaryOp::And);
    }

    #[test]
    fn metric_calls_with_extension_literals() {
        let expr = ok("errors(\"sava:1.1\", 30s) < 0.5%");
        let ExprKind::Binary { lhs, rhs, .. } = &expr.kind else {
            panic!("binary expected");
        };
        assert_eq!(rhs.kind, ExprKind::Literal(Literal::Percent(5_000)));
        let ExprKind::Call { function, args, .. } = &lhs.kind else {
            panic!("call expected");
        };
        assert_eq!(function, "errors");
        assert_eq!(
            args[1].kind,
            ExprKind::Literal(Literal::Duration(30_000_000_000))
        );
        assert_eq!(non_cel_literals(&expr), vec![19..22, 26..30]);
    }

    #[test]
    fn modulo_is_not_a_percentage() {
        let expr = ok("x % 3 == 0 && 10%3 == 1");
        assert!(non_cel_literals(&expr).is_empty());
    }

    #[test]
    fn durations_are_exact() {
        assert_eq!(parse_duration("1m30s"), Some(90_000_000_000));
        assert_eq!(parse_duration("1.5s"), Some(1_500_000_000));
        assert_eq!(parse_duration("250µs"), Some(250_000));
        assert_eq!(parse_duration("1.0000000001s"), None);
        assert_eq!(parse_duration("s"), None);
        assert_eq!(parse_duration("99999999999999999999h"), None);
    }

    #[test]
    fn errors_point_inside_the_string() {
        let err = parse("a == 'x' &&").expect_err("dangling operator");
        assert_eq!(err.range, 11..11);
        assert!(err.message.contains("end of input"), "{}", err.message);
        let err = parse("has(req_params.x").expect_err("unclosed call");
        assert_eq!(err.range.start, 16);
        let err = parse("a = b").expect_err("single equals");
        assert_eq!(err.range, 2..3);
    }

    #[test]
    fn deep_nesting_is_refused_without_recursing() {
        let deep = format!("{}1{}", "(".repeat(10_000), ")".repeat(10_000));
        let err = parse(&deep).expect_err("too deep");
        assert!(err.message.contains("nests deeper"));
        let ok_depth = format!("{}1{}", "(".repeat(MAX_NESTING), ")".repeat(MAX_NESTING));
        ok(&ok_depth);
    }

    #[test]
    fn long_operator_chains_do_not_recurse() {
        let nots = format!("{}true", "!".repeat(10_000));
        ok(&nots);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        #[test]
        fn never_panics(text in "[a-z0-9 ()\\[\\]{}.,:?!<>=&|+*/%'\"-]{0,60}") {
            let _ = parse(&text);
        }

        #[test]
        fn error_spans_stay_inside_the_input(text in "\\PC{0,40}") {
            if let Err(e) = parse(&text) {
                prop_assert!(e.range.start <= e.range.end && e.range.end <= text.len());
                prop_assert!(text.is_char_boundary(e.range.start) && text.is_char_boundary(e.range.end));
            }
        }
    }
}
