//! JSON front end: strict JSON (jsonc-parser with every leniency off) → spanned [`Node`] trees.
//!
//! jsonc-parser recurses once per nesting level, so the text is scanned for bracket depth first
//! and refused over the limit before the parser sees it.

use std::collections::HashSet;

use jsonc_parser::ast::{ObjectPropName, Value as JsonValue};
use jsonc_parser::common::Range;
use jsonc_parser::{parse_to_ast, CollectOptions, ParseOptions};

use super::node::{Document, Mapping, Node, Value};
use super::profile::LoadingNotes;
use super::{Format, Limits, Parsed};
use crate::diag::{codes, Diagnostic};
use crate::source::{FileId, Span};

/// RFC 8259 JSON: no comments, trailing commas, single quotes, bare keys or JSON5 numbers.
fn strict() -> ParseOptions {
    ParseOptions {
        allow_comments: false,
        allow_loose_object_property_names: false,
        allow_trailing_commas: false,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: false,
    }
}

/// Parses a JSON text into one [`Document`].
pub(crate) fn parse(file: FileId, text: &str, limits: &Limits) -> Parsed {
    let mut parsed = Parsed::default();
    // A leading byte-order mark is allowed (RFC 8259 §8.1 lets parsers ignore it).
    let body_start = if text.starts_with('\u{FEFF}') {
        '\u{FEFF}'.len_utf8()
    } else {
        0
    };
    let body = &text[body_start..];

    if let Some(offset) = too_deep_at(body, limits.max_depth) {
        let at = body_start + offset;
        parsed.diagnostics.push(
            Diagnostic::error(
                &codes::y::Y004,
                Span::new(file, at, at + 1),
                format!(
                    "nesting deeper than {} levels; the file is not read",
                    limits.max_depth
                ),
            )
            .with_span_label("too deep"),
        );
        return parsed;
    }

    let ast = match parse_to_ast(body, &CollectOptions::default(), &strict()) {
        Ok(ast) => ast,
        Err(error) => {
            let range = error.range();
            let start = (body_start + range.start).min(text.len());
            let end = (body_start + range.end).clamp(start, text.len());
            let mut diagnostic = Diagnostic::error(
                &codes::y::Y008,
                Span::new(file, start, end),
                format!("invalid JSON: {}", error.kind()),
            )
            .with_peer("ParseError");
            if let Some(help) = help_for(&error.kind().to_string()) {
                diagnostic = diagnostic.with_help(help);
            }
            parsed.diagnostics.push(diagnostic);
            return parsed;
        }
    };
    if let Some(value) = ast.value {
        let mut converter = Converter {
            file,
            shift: body_start,
            duplicate_keys: false,
        };
        let root = converter.node(value);
        parsed.documents.push(Document {
            root,
            index: 0,
            loading: LoadingNotes {
                format: Format::Json,
                duplicate_keys: converter.duplicate_keys,
                ..LoadingNotes::default()
            },
        });
    }
    parsed
}

fn help_for(message: &str) -> Option<&'static str> {
    let lower = message.to_ascii_lowercase();
    let help = if lower.contains("comment") {
        "JSON has no comments; remove it (configs are read as strict JSON)"
    } else if lower.contains("trailing comma") {
        "JSON allows no comma after the last item; remove it"
    } else if lower.contains("expected comma") {
        "separate the items of a list or object with commas"
    } else if lower.contains("single-quoted") {
        "JSON strings use double quotes"
    } else if lower.contains("object property") || lower.contains("word") {
        "JSON object keys must be double-quoted strings"
    } else if lower.contains("escape") {
        "JSON string escapes are `\\\"`, `\\\\`, `\\/`, `\\b`, `\\f`, `\\n`, `\\r`, `\\t` and `\\uXXXX`"
    } else if lower.contains("unterminated string") {
        "a string is not closed: add the closing `\"`"
    } else if lower.contains("unterminated object") || lower.contains("unterminated array") {
        "this `{` or `[` is never closed"
    } else if lower.contains("more than one json value") {
        "a JSON file holds one value; wrap several in a list `[...]`"
    } else if lower.contains("hexadecimal")
        || lower.contains("unary plus")
        || lower.contains("decimal point")
        || lower.contains("infinity")
    {
        "JSON numbers are plain decimals such as `-12`, `0.5` or `1e3`"
    } else {
        return None;
    };
    Some(help)
}

/// Offset of the first `[` or `{` (outside strings) that opens a level deeper than `max_depth`.
fn too_deep_at(text: &str, max_depth: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (offset, byte) in text.bytes().enumerate() {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > max_depth {
                    return Some(offset);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

struct Converter {
    file: FileId,
    /// Bytes skipped before the parsed text (a byte-order mark).
    shift: usize,
    /// Some object repeats a key (every entry is kept; the loading profile decides).
    duplicate_keys: bool,
}

impl Converter {
    fn span(&self, range: Range) -> Span {
        Span::new(
            self.file,
            self.shift + range.start,
            self.shift + range.end.max(range.start),
        )
    }

    /// Recursion is bounded by the depth pre-scan.
    fn node(&mut self, value: JsonValue<'_>) -> Node {
        match value {
            JsonValue::NullKeyword(null) => Node::new(Value::Null, self.span(null.range)),
            JsonValue::BooleanLit(b) => Node::new(Value::Bool(b.value), self.span(b.range)),
            JsonValue::StringLit(s) => {
                Node::new(Value::Str(s.value.into_owned()), self.span(s.range))
            }
            JsonValue::NumberLit(n) => Node::new(number(n.value), self.span(n.range)),
            JsonValue::Array(array) => {
                let span = self.span(array.range);
                let items = array
                    .elements
                    .into_iter()
                    .map(|item| self.node(item))
                    .collect();
                Node::new(Value::Seq(items), span)
            }
            JsonValue::Object(object) => {
                let span = self.span(object.range);
                let mut names: HashSet<String> = HashSet::new();
                let mut entries = Vec::with_capacity(object.properties.len());
                for property in object.properties {
                    let (name, range) = match property.name {
                        ObjectPropName::String(s) => (s.value.into_owned(), s.range),
                        // Unreachable with loose property names off; read as text anyway.
                        ObjectPropName::Word(w) => (w.value.to_string(), w.range),
                    };
                    let span = self.span(range);
                    if !names.insert(name.clone()) {
                        self.duplicate_keys = true;
                    }
                    let key = Node::new(Value::Str(name), span);
                    let value = self.node(property.value);
                    entries.push((key, value));
                }
                Node::new(Value::Map(Mapping { entries }), span)
            }
        }
    }
}

/// Integers that fit i64 are `Int`; every other number is a `Float` keeping its text.
fn number(text: &str) -> Value {
    let integral = !text.contains(['.', 'e', 'E']);
    if integral {
        if let Ok(i) = text.parse::<i64>() {
            return Value::Int(i);
        }
    }
    Value::Float(text.parse::<f64>().unwrap_or(f64::NAN), text.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_scan_ignores_brackets_in_strings() {
        assert_eq!(too_deep_at(r#"[["[[[[", "\"[[["]]"#, 2), None);
        assert_eq!(too_deep_at("[[[1]]]", 2), Some(2));
    }

    #[test]
    fn numbers() {
        assert_eq!(number("-12"), Value::Int(-12));
        assert_eq!(number("1.0"), Value::Float(1.0, "1.0".into()));
        assert_eq!(number("1e2"), Value::Float(100.0, "1e2".into()));
        assert_eq!(
            number("18446744073709551616"),
            Value::Float(18446744073709551616.0, "18446744073709551616".into())
        );
    }
}
