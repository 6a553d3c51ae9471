//! `successCondition` / `failureCondition` of Argo metrics, read at check time.
//!
//! Argo compiles each condition with expr-lang (github.com/expr-lang/expr) against the names
//! `result`, `asInt`, `asFloat`, `isNaN`, `isInf`, `isNil`, `default`
//! (utils/evaluate/evaluate.go EvalCondition), after replacing `{{args.*}}` placeholders. A
//! condition it cannot compile makes every measurement an Error, so the metric errors and the
//! rollout aborts. The rehearsal reads a subset of expr-lang (grammar/exprlang.pest), so:
//!
//! - our grammar reads it: checked for names Argo does not bind and for a condition that does
//!   not depend on the measurement;
//! - our grammar does not, but expr-lang would refuse it too (unbalanced brackets, an
//!   unterminated string, an operator without an operand, a blank condition): an error (R036),
//!   pointing at the character; an unquoted YAML value cut by ` #` is the classic cause;
//! - otherwise expr-lang probably reads it: a warning that the rehearsal cannot (R037).

use crate::diag::codes::r;
use crate::diag::Diagnostic;
use crate::ir::rollout::{Metric, Objects};
use crate::ir::Spanned;
use crate::source::{SourceMap, Span};
use crate::syntax::exprlang::{self, Expr, Op, ParseFailure};
use std::ops::Range;

/// The names Argo binds for a condition (EvalCondition's env).
const ARGO_NAMES: &[&str] = &[
    "result", "asInt", "asFloat", "isNaN", "isInf", "isNil", "default",
];
/// Functions the rehearsal evaluates (src/syntax/exprlang.rs `call`).
const REHEARSED_FUNCTIONS: &[&str] = &[
    "len", "isNaN", "isInf", "abs", "all", "any", "none", "filter", "count", "isNil", "default",
    "asInt", "asFloat",
];

/// Every condition of every AnalysisTemplate, ClusterAnalysisTemplate and AnalysisRun.
pub fn check(objects: &Objects, sources: &SourceMap, out: &mut Vec<Diagnostic>) {
    let metrics = objects
        .templates
        .iter()
        .flat_map(|t| &t.metrics)
        .chain(objects.runs.iter().flat_map(|r| &r.metrics));
    for metric in metrics {
        check_metric(metric, sources, out);
    }
}

fn check_metric(metric: &Metric, sources: &SourceMap, out: &mut Vec<Diagnostic>) {
    for (field, condition) in [
        ("successCondition", &metric.success_condition),
        ("failureCondition", &metric.failure_condition),
    ] {
        if let Some(condition) = condition {
            check_condition(metric.name(), field, condition, sources, out);
        }
    }
}

fn check_condition(
    metric: &str,
    field: &str,
    condition: &Spanned<String>,
    sources: &SourceMap,
    out: &mut Vec<Diagnostic>,
) {
    let text = &condition.value;
    let span = condition.span;
    if text.is_empty() {
        // EvaluateResult tests `== ""`: an empty condition is an unset one.
        out.push(
            Diagnostic::warning(
                &r::R036,
                span,
                format!("{field} of metric '{metric}' is empty: Argo treats it as unset"),
            )
            .with_help("write the condition, or remove the key"),
        );
        return;
    }
    let (masked, templated) = mask_placeholders(text);
    let inside = |range: Range<usize>| inside_scalar(span, text, range);
    match exprlang::parse_located(&masked) {
        Ok(expr) => read_condition(metric, field, &expr, templated, span, out),
        Err(e) if e.kind == ParseFailure::Limit => out.push(Diagnostic::warning(
            &r::R037,
            span,
            format!(
                "{field} of metric '{metric}' is {}: the rehearsal does not evaluate it",
                e.error.message
            ),
        )),
        // A placeholder may stand for any text (an operator, a whole clause): only Argo's
        // substituted condition can be judged.
        Err(_) if templated => {}
        Err(e) => match refused_by_expr_lang(&masked) {
            Some((range, why)) => {
                let mut d = Diagnostic::error(
                    &r::R036,
                    inside(range),
                    format!("{field} of metric '{metric}' is not an expression: {why}"),
                );
                if cut_by_comment(span, text, sources) {
                    d = d.with_help(
                        "YAML read everything after ` #` as a comment: quote the whole condition (`'...'`)",
                    );
                }
                out.push(d);
            }
            None => out.push(
                Diagnostic::warning(
                    &r::R037,
                    inside(e.error.range.clone()),
                    format!(
                        "the rehearsal cannot evaluate {field} of metric '{metric}' ({}); Argo's expr-lang may",
                        e.error.message
                    ),
                )
                .with_help("a rehearsal counts every measurement of this metric as an Error; `rehearse explain R037` lists what it reads"),
            ),
        },
    }
}

/// Checks on a condition our grammar read.
fn read_condition(
    metric: &str,
    field: &str,
    expr: &Expr,
    templated: bool,
    span: Span,
    out: &mut Vec<Diagnostic>,
) {
    let mut names = Vec::new();
    let mut calls = Vec::new();
    walk(expr, &mut names, &mut calls);
    let unknown: Vec<&String> = names
        .iter()
        .filter(|n| !ARGO_NAMES.contains(&n.as_str()))
        .collect();
    for name in &unknown {
        out.push(
            Diagnostic::warning(
                &r::R036,
                span,
                format!("{field} of metric '{metric}' reads `{name}`, which Argo does not define: every measurement would be an Error"),
            )
            .with_help("Argo binds `result` (the measurement), `asInt`, `asFloat`, `isNaN`, `isInf`, `isNil` and `default`"),
        );
    }
    if let Some(function) = calls
        .iter()
        .find(|c| !REHEARSED_FUNCTIONS.contains(&c.as_str()))
    {
        out.push(Diagnostic::warning(
            &r::R037,
            span,
            format!("the rehearsal cannot evaluate `{function}(...)` in {field} of metric '{metric}'; Argo's expr-lang may"),
        ));
    }
    let never_boolean = match expr {
        // A masked placeholder reads as a number: `{{args.condition}}` may be the whole
        // condition.
        Expr::Number(_) => !templated,
        Expr::Str(_) | Expr::Array(_) | Expr::Nil | Expr::Neg(_) => true,
        Expr::Binary(op, _, _) => matches!(op, Op::Add | Op::Sub | Op::Mul | Op::Div | Op::Mod),
        _ => false,
    };
    if never_boolean {
        out.push(
            Diagnostic::error(
                &r::R036,
                span,
                format!("{field} of metric '{metric}' is not a condition: it never gives true or false, so every measurement is an Error"),
            )
            .with_help("compare it, e.g. `result[0] * 100 >= 95`"),
        );
        return;
    }
    let reads_measurement =
        names.iter().any(|n| n == "result") || calls.iter().any(|c| c == "isNil" || c == "default");
    if !reads_measurement && !templated && unknown.is_empty() {
        let value = exprlang::evaluate(expr, &exprlang::Value::Nil).ok();
        let always = value.map_or(String::new(), |b| format!(": always {b}"));
        out.push(
            Diagnostic::warning(
                &r::R040,
                span,
                format!("{field} of metric '{metric}' does not read `result`{always}, whatever the measurement"),
            )
            .with_help("compare the measurement, e.g. `result[0] >= 0.95`"),
        );
    }
}

fn walk(expr: &Expr, names: &mut Vec<String>, calls: &mut Vec<String>) {
    match expr {
        Expr::Name(n) => names.push(n.clone()),
        Expr::Call(name, args) => {
            calls.push(name.clone());
            args.iter().for_each(|a| walk(a, names, calls));
        }
        Expr::Array(items) => items.iter().for_each(|i| walk(i, names, calls)),
        Expr::Index(a, b) | Expr::Binary(_, a, b) => {
            walk(a, names, calls);
            walk(b, names, calls);
        }
        Expr::Member(a, _) | Expr::Predicate(a) | Expr::Not(a) | Expr::Neg(a) => {
            walk(a, names, calls)
        }
        Expr::Number(_) | Expr::Bool(_) | Expr::Nil | Expr::Str(_) | Expr::Element => {}
    }
}

/// `{{args.x}}` placeholders (resolved by Argo before compiling) replaced by as many `0`s,
/// so columns stay where they are; and whether there was one.
fn mask_placeholders(text: &str) -> (String, bool) {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut templated = false;
    while let Some(start) = rest.find("{{") {
        let Some(len) = rest[start..].find("}}").map(|e| e + 2) else {
            break;
        };
        templated = true;
        out.push_str(&rest[..start]);
        out.push_str(&"0".repeat(len));
        rest = &rest[start + len..];
    }
    out.push_str(rest);
    (out, templated)
}

/// A span inside the scalar for a byte range of its value, when the written form lines up
/// with the value (plain, or quoted without escapes); else the whole scalar.
fn inside_scalar(span: Span, value: &str, range: Range<usize>) -> Span {
    let offset = if span.len() == value.len() {
        0
    } else if span.len() == value.len() + 2 {
        1
    } else {
        return span;
    };
    span.sub(range.start + offset..range.end + offset)
}

/// Whether a plain (unquoted) condition is followed on its line by a YAML comment: ` #` ends
/// a plain scalar, so `all(result, { # < 1 })` is read as `all(result, {`.
fn cut_by_comment(span: Span, value: &str, sources: &SourceMap) -> bool {
    if span.len() != value.len() {
        return false;
    }
    let Some(file) = sources.try_get(span.file) else {
        return false;
    };
    let after = file.text.get(span.end as usize..).unwrap_or_default();
    let line = after.split('\n').next().unwrap_or_default();
    line.trim_start().starts_with('#') && line.starts_with([' ', '\t'])
}

/// What expr-lang's lexer and parser refuse whatever the names: a blank condition, an
/// unterminated string, brackets that do not match, a binary operator without an operand on
/// either side. `None` when none of these is found: expr-lang may well read the condition.
/// The range is the offending character(s) of `text`.
pub fn refused_by_expr_lang(text: &str) -> Option<(Range<usize>, String)> {
    #[derive(Clone, Copy, PartialEq)]
    enum Last {
        Start,
        Operand,
        Open,
        Comma,
        Binary,
        Prefix,
        Other,
    }
    if text.trim().is_empty() {
        return Some((0..text.len(), "the condition is blank".into()));
    }
    let bytes = text.as_bytes();
    let mut open: Vec<(u8, usize)> = Vec::new();
    let mut last = Last::Start;
    let mut last_at = 0..0;
    let mut i = 0;
    let needs_operand = |last: Last| matches!(last, Last::Binary | Last::Prefix);
    while i < bytes.len() {
        let c = bytes[i];
        let start = i;
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let token = match c {
            b'"' | b'\'' | b'`' => {
                i += 1;
                while i < bytes.len() && bytes[i] != c {
                    i += if bytes[i] == b'\\' && c != b'`' { 2 } else { 1 };
                }
                if i >= bytes.len() {
                    return Some((start..start + 1, "the string is not terminated".into()));
                }
                i += 1;
                Last::Operand
            }
            b'0'..=b'9' => {
                let continues = |at: usize| {
                    bytes[at].is_ascii_alphanumeric()
                        || bytes[at] == b'_'
                        || (bytes[at] == b'.' && bytes.get(at + 1).is_some_and(u8::is_ascii_digit))
                };
                while i < bytes.len() && continues(i) {
                    i += 1;
                }
                Last::Operand
            }
            b'(' | b'[' | b'{' => {
                open.push((c, i));
                i += 1;
                Last::Open
            }
            b')' | b']' | b'}' => {
                let want = match c {
                    b')' => b'(',
                    b']' => b'[',
                    _ => b'{',
                };
                match open.pop() {
                    Some((o, _)) if o == want => {}
                    Some((o, at)) => {
                        return Some((
                            i..i + 1,
                            format!(
                                "`{}` closes the `{}` at column {}",
                                c as char,
                                o as char,
                                at + 1
                            ),
                        ))
                    }
                    None => {
                        return Some((i..i + 1, format!("`{}` closes nothing", c as char)));
                    }
                }
                if needs_operand(last) {
                    return Some((last_at, "the operator has no right operand".into()));
                }
                i += 1;
                Last::Operand
            }
            b',' => {
                if needs_operand(last) {
                    return Some((last_at, "the operator has no right operand".into()));
                }
                i += 1;
                Last::Comma
            }
            // expr-lang's comments (parser/lexer/state.go `slash`); an unclosed `/*` is its
            // "unclosed comment" error.
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                i = text[i..].find('\n').map_or(bytes.len(), |end| i + end);
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => match text[i + 2..].find("*/") {
                Some(end) => {
                    i += 2 + end + 2;
                    continue;
                }
                None => return Some((start..start + 2, "the comment is never closed".into())),
            },
            _ if c.is_ascii_alphabetic() || c == b'_' || c == b'$' || c == b'#' => {
                i += 1;
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                // After `.` or `?.` any word is a field name, `in` and `not` included
                // (parser.go parsePostfixExpression).
                let field = last == Last::Other && matches!(&text[last_at.clone()], "." | "?.");
                match &text[start..i] {
                    _ if field => Last::Operand,
                    "and" | "or" | "in" | "matches" | "contains" | "startsWith" | "endsWith" => {
                        Last::Binary
                    }
                    "not" => Last::Prefix,
                    // `let x = ...;` binds names: beyond this scan.
                    "let" => return None,
                    _ => Last::Operand,
                }
            }
            _ => {
                let two = text.get(i..i + 2).unwrap_or_default();
                let (len, kind) = match two {
                    "==" | "!=" | "<=" | ">=" | "&&" | "||" | "**" | "??" | ".." => {
                        (2, Last::Binary)
                    }
                    "?." => (2, Last::Other),
                    _ => match c {
                        b'<' | b'>' | b'*' | b'/' | b'%' | b'^' | b'|' => (1, Last::Binary),
                        b'+' | b'-' => (1, Last::Prefix),
                        b'!' => (1, Last::Prefix),
                        b'.' | b':' | b'?' | b';' => (1, Last::Other),
                        _ => return None,
                    },
                };
                i += len;
                // `+` and `-` are binary after an operand, prefix elsewhere.
                if kind == Last::Binary
                    || (kind == Last::Prefix && last == Last::Operand && c != b'!')
                {
                    if matches!(last, Last::Start | Last::Open | Last::Comma) {
                        return Some((
                            start..i,
                            format!("`{}` has no left operand", &text[start..i]),
                        ));
                    }
                    Last::Binary
                } else {
                    kind
                }
            }
        };
        // `not` may precede the binary operators of parser/operator `AllowedNegateSuffix`:
        // `x not in y`, `x not matches y`, ...
        let negated = last == Last::Prefix
            && &text[last_at.clone()] == "not"
            && matches!(
                &text[start..i],
                "in" | "matches" | "contains" | "startsWith" | "endsWith"
            );
        if token == Last::Binary && needs_operand(last) && !negated {
            return Some((last_at, "the operator has no right operand".into()));
        }
        last = token;
        last_at = start..i;
    }
    if needs_operand(last) {
        return Some((last_at, "the operator has no right operand".into()));
    }
    if let Some((c, at)) = open.pop() {
        return Some((at..at + 1, format!("`{}` is never closed", c as char)));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(text: &str) -> Option<(Range<usize>, String)> {
        refused_by_expr_lang(text)
    }

    #[test]
    fn what_expr_lang_refuses() {
        assert_eq!(refused("all(result, {").map(|r| r.0), Some(12..13));
        assert_eq!(refused("(result[0] > 1").map(|r| r.0), Some(0..1));
        assert_eq!(refused("result[0] >").map(|r| r.0), Some(10..11));
        assert_eq!(refused("result[0] > )").map(|r| r.0), Some(12..13));
        assert_eq!(refused("&& result").map(|r| r.0), Some(0..2));
        assert_eq!(refused("result == 'x").map(|r| r.0), Some(10..11));
        assert_eq!(refused("result[0] && || 1").map(|r| r.0), Some(10..12));
        assert!(refused("   ").is_some());
        assert!(refused("result]").is_some());
        assert_eq!(refused("! && result").map(|r| r.0), Some(0..1));
        assert_eq!(refused("result[0] > - ").map(|r| r.0), Some(12..13));
        assert_eq!(refused("result[0] > /* 1").map(|r| r.0), Some(12..14));
        assert_eq!(refused("result[0] > // 1").map(|r| r.0), Some(10..11));
        assert_eq!(refused("result not == 1").map(|r| r.0), Some(7..10));
    }

    #[test]
    fn what_expr_lang_reads_is_not_refused() {
        for text in [
            "result[0] >= 0.95",
            "len(result) > 0 ? result[0] < 1 : true",
            "result?.status ?? 0 == 200",
            "result.body matches '^ok'",
            "-result[0] < -1 && !(result[1] > 2)",
            "all(result, {.latency < 100})",
            "result[1:] == [] || result[:2] != nil",
            "result | all(# > 0)",
            "let x = result[0]; x > 1",
            "result not in [1, 2]",
            "2 ** 3 > result[0] ^ 2",
            "1..3 | sum() > 0",
            // Negated word operators, keywords as field names, comments.
            "result.body not contains 'error' && result.code not matches '^5'",
            "result.path not startsWith '/x' or result.path not endsWith '/y'",
            "result.in == 1 && result.not != 2 && result?.and > 0",
            "result[0] > 1 // at least one\n&& result[0] < 5",
            "result[0] > 1 /* ratio, not percent */ && result[0] < 5",
            "result[0] > 1 // a comment to the end",
        ] {
            assert_eq!(refused(text), None, "{text}");
        }
    }

    #[test]
    fn any_text_is_scanned_without_panicking() {
        let samples = [
            "résultat[0] > 1 && 'é\\é' == \"ü\"",
            "(\u{1F600} && ]",
            "'\\\u{e9}",
            "not not in in )( ,, ?? ..",
        ];
        for sample in samples {
            for (end, _) in sample.char_indices().chain([(sample.len(), ' ')]) {
                let prefix = &sample[..end];
                if let Some((range, _)) = refused_by_expr_lang(prefix) {
                    assert!(range.end <= prefix.len(), "{prefix}");
                }
            }
        }
    }

    /// The scan is linear and bounded whatever the text; check only gives it conditions
    /// within exprlang::MAX_LEN, but the scan itself needs no limit.
    #[test]
    fn hostile_text_is_scanned_in_one_pass() {
        let long = 100_000;
        for text in [
            "(".repeat(long),
            ")".repeat(long),
            format!("'{}", "\\".repeat(long)),
            "/*".repeat(long),
            "//".repeat(long),
            "- ".repeat(long),
            "not ".repeat(long),
            "a.in ".repeat(long),
        ] {
            if let Some((range, _)) = refused_by_expr_lang(&text) {
                assert!(range.end <= text.len());
            }
        }
    }

    #[test]
    fn placeholders_keep_columns() {
        assert_eq!(
            mask_placeholders("result[0] > {{args.min}}"),
            ("result[0] > 000000000000".to_string(), true)
        );
        assert_eq!(
            mask_placeholders("result > 1"),
            ("result > 1".into(), false)
        );
    }
}
