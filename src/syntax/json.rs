//! JSON front end: strict JSON → spanned [`Node`] trees, built as the text is scanned.
//!
//! jsonc-parser's scanner (every leniency off) cuts the text into tokens; the structure is
//! read here with an explicit stack, so the tree is the only copy of the document in memory
//! (building jsonc-parser's AST first held a second tree as large as ours, issue 14's 10×
//! bound) and nesting costs no recursion. The structural errors are the ones jsonc-parser's
//! `parse_to_ast` reports, with the same messages and ranges (a unit test compares the two
//! readers, and the `json` fuzz target does on every input). The text is still scanned for
//! bracket depth first and refused over the limit.

use std::borrow::Cow;
use std::collections::HashSet;

use jsonc_parser::common::Range;
use jsonc_parser::errors::ParseErrorKind;
use jsonc_parser::tokens::Token;
use jsonc_parser::{Scanner, ScannerOptions};

use super::node::{Document, Mapping, Node, Value};
use super::profile::LoadingNotes;
use super::yaml::exact;
use super::{Format, Limits, Parsed};
use crate::diag::{codes, Diagnostic};
use crate::source::{FileId, Span};

/// RFC 8259 JSON: no single quotes, hexadecimal, `+1`, `.5`, `Infinity` or JSON5 escapes.
/// (Comments, trailing commas and bare keys are refused by the reader.)
fn strict() -> ScannerOptions {
    ScannerOptions {
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

    let mut reader = Reader::new(file, body_start, body);
    match reader.read() {
        Ok(Some(root)) => parsed.documents.push(Document {
            root,
            index: 0,
            loading: LoadingNotes {
                format: Format::Json,
                duplicate_keys: reader.duplicate_keys,
                ..LoadingNotes::default()
            },
        }),
        Ok(None) => {}
        Err(error) => parsed
            .diagnostics
            .push(error.diagnostic(file, body_start, text)),
    }
    parsed
}

/// A syntax error: where (in the body, after any byte-order mark) and jsonc-parser's message.
#[derive(Debug, PartialEq)]
pub(crate) struct SyntaxError {
    pub range: std::ops::Range<usize>,
    pub message: String,
}

impl SyntaxError {
    fn new(range: Range, kind: &ParseErrorKind) -> SyntaxError {
        SyntaxError {
            range: range.start..range.end,
            message: kind.to_string(),
        }
    }

    fn diagnostic(&self, file: FileId, shift: usize, text: &str) -> Diagnostic {
        let start = (shift + self.range.start).min(text.len());
        let end = (shift + self.range.end).clamp(start, text.len());
        let mut diagnostic = Diagnostic::error(
            &codes::y::Y008,
            Span::new(file, start, end),
            format!("invalid JSON: {}", self.message),
        )
        .with_peer("ParseError");
        if let Some(help) = help_for(&self.message) {
            diagnostic = diagnostic.with_help(help);
        }
        diagnostic
    }
}

/// An object or array being read.
enum Frame {
    Array {
        start: usize,
        items: Vec<Node>,
    },
    Object {
        start: usize,
        entries: Vec<(Node, Node)>,
        /// The key whose value is being read, and where its property starts.
        key: Option<(Node, usize)>,
        /// Keys seen, once the object is too large for a linear search.
        names: Option<HashSet<String>>,
    },
}

/// Objects up to this many entries look for a repeated key by a linear search (no
/// allocation); larger ones keep a set of their keys.
const LINEAR_KEY_SEARCH: usize = 16;

/// jsonc-parser bounds its recursion at this many open ranges (objects, properties, arrays);
/// the depth limit is far below it, but the reader keeps the same bound and error.
const JSONC_MAX_RANGES: usize = 512;

/// What the current token began.
enum Begun {
    Scalar(Node),
    /// An object or array: its frame is pushed and its first token read.
    Container,
    /// Nothing: the text ended.
    End,
}

/// What comes next inside a container.
enum Next {
    /// A value starts at the current token.
    Value,
    /// The innermost container closed: its node.
    Closed(Node),
}

struct Reader<'t> {
    file: FileId,
    shift: usize,
    text: &'t str,
    scanner: Scanner<'t>,
    token: Option<Token<'t>>,
    /// End of the token before the current one.
    last_token_end: usize,
    stack: Vec<Frame>,
    /// Ranges jsonc-parser would have open while reading a value here: one per array, two per
    /// object (the object and the property).
    open_ranges: usize,
    /// Some object repeats a key (every entry is kept; the loading profile decides).
    duplicate_keys: bool,
}

impl<'t> Reader<'t> {
    fn new(file: FileId, shift: usize, text: &'t str) -> Reader<'t> {
        Reader {
            file,
            shift,
            text,
            scanner: Scanner::new(text, &strict()),
            token: None,
            last_token_end: 0,
            stack: Vec::new(),
            open_ranges: 0,
            duplicate_keys: false,
        }
    }

    fn span(&self, range: std::ops::Range<usize>) -> Span {
        Span::new(
            self.file,
            self.shift + range.start,
            self.shift + range.end.max(range.start),
        )
    }

    fn token_range(&self) -> std::ops::Range<usize> {
        self.scanner.token_start()..self.scanner.token_end()
    }

    /// Moves to the next token; a comment is an error.
    fn scan(&mut self) -> Result<(), SyntaxError> {
        let token = self
            .scanner
            .scan()
            .map_err(|e| SyntaxError::new(e.range(), e.kind()))?;
        self.last_token_end = self.scanner.token_end();
        if let Some(Token::CommentLine(_) | Token::CommentBlock(_)) = token {
            return Err(self.at_token(ParseErrorKind::CommentsNotAllowed));
        }
        self.token = token;
        Ok(())
    }

    /// An error over the current token (or the character after it, when it is empty).
    fn at_token(&self, kind: ParseErrorKind) -> SyntaxError {
        let start = self.scanner.token_start();
        let at = self.scanner.token_end();
        let end = if at > start {
            at
        } else {
            self.text[at..]
                .chars()
                .next()
                .map_or(self.text.len(), |c| at + c.len_utf8())
        };
        SyntaxError::new(Range::new(start, end), &kind)
    }

    /// An error from `start` to the end of the current token.
    fn since(&self, start: usize, kind: ParseErrorKind) -> SyntaxError {
        SyntaxError::new(Range::new(start, self.scanner.token_end()), &kind)
    }

    /// The document's root value; `None` for a text without one.
    fn read(&mut self) -> Result<Option<Node>, SyntaxError> {
        self.scan()?;
        'value: loop {
            let mut node = match self.begin_value()? {
                Begun::Scalar(node) => node,
                Begun::Container => match self.next_in_container()? {
                    Next::Value => continue 'value,
                    Next::Closed(node) => node,
                },
                Begun::End => return Ok(None),
            };
            // Hand the node to its container; each container it completes goes up in turn.
            loop {
                let Some(frame) = self.stack.last_mut() else {
                    self.scan()?;
                    if self.token.is_some() {
                        return Err(self.at_token(ParseErrorKind::MultipleRootJsonValues));
                    }
                    return Ok(Some(node));
                };
                match frame {
                    Frame::Array { items, .. } => items.push(node),
                    Frame::Object {
                        entries,
                        key,
                        names,
                        ..
                    } => {
                        if let Some((key, _)) = key.take() {
                            let name = key.as_str().unwrap_or_default();
                            let repeated = match names {
                                Some(names) => !names.insert(name.to_string()),
                                None => entries.iter().any(|(k, _)| k.as_str() == Some(name)),
                            };
                            self.duplicate_keys |= repeated;
                            entries.push((key, node));
                            if names.is_none() && entries.len() >= LINEAR_KEY_SEARCH {
                                *names = Some(
                                    entries
                                        .iter()
                                        .filter_map(|(k, _)| k.as_str().map(str::to_string))
                                        .collect(),
                                );
                            }
                        }
                    }
                }
                self.after_value()?;
                match self.next_in_container()? {
                    Next::Value => continue 'value,
                    Next::Closed(closed) => node = closed,
                }
            }
        }
    }

    /// Starts the value at the current token.
    fn begin_value(&mut self) -> Result<Begun, SyntaxError> {
        if self.open_ranges > JSONC_MAX_RANGES {
            let start = match self.stack.last() {
                Some(Frame::Array { start, .. }) => *start,
                Some(Frame::Object { key, start, .. }) => key.as_ref().map_or(*start, |k| k.1),
                None => 0,
            };
            return Err(self.since(start, ParseErrorKind::NestingDepthExceeded));
        }
        let range = self.token_range();
        let Some(token) = self.token.take() else {
            return Ok(Begun::End);
        };
        let value = match token {
            Token::OpenBrace | Token::OpenBracket => {
                let start = range.start;
                self.open_ranges += if token == Token::OpenBrace { 2 } else { 1 };
                self.stack.push(if token == Token::OpenBrace {
                    Frame::Object {
                        start,
                        entries: Vec::new(),
                        key: None,
                        names: None,
                    }
                } else {
                    Frame::Array {
                        start,
                        items: Vec::new(),
                    }
                });
                self.scan()?;
                return Ok(Begun::Container);
            }
            Token::String(text) => Value::Str(owned(text)),
            Token::Number(text) => number(text),
            Token::Boolean(b) => Value::Bool(b),
            Token::Null => Value::Null,
            other => {
                self.token = Some(other.clone());
                let kind = match other {
                    Token::CloseBracket => ParseErrorKind::UnexpectedCloseBracket,
                    Token::CloseBrace => ParseErrorKind::UnexpectedCloseBrace,
                    Token::Comma => ParseErrorKind::UnexpectedComma,
                    Token::Colon => ParseErrorKind::UnexpectedColon,
                    _ => ParseErrorKind::UnexpectedWord,
                };
                return Err(self.at_token(kind));
            }
        };
        Ok(Begun::Scalar(Node::new(value, self.span(range))))
    }

    /// After a container's value: the comma, or the reason none is there.
    fn after_value(&mut self) -> Result<(), SyntaxError> {
        let after_value_end = self.last_token_end;
        let in_array = matches!(self.stack.last(), Some(Frame::Array { .. }));
        self.scan()?;
        match &self.token {
            Some(Token::Comma) => {
                let comma = self.token_range();
                self.scan()?;
                let closer = if in_array {
                    Token::CloseBracket
                } else {
                    Token::CloseBrace
                };
                if self.token.as_ref() == Some(&closer) {
                    return Err(SyntaxError::new(
                        Range::new(comma.start, comma.end),
                        &ParseErrorKind::TrailingCommasNotAllowed,
                    ));
                }
            }
            // What would start the next item: in a list, a value; in an object, a key
            // (a word or a literal counts, as a key jsonc-parser would refuse later).
            Some(Token::String(_) | Token::Number(_) | Token::Boolean(_) | Token::Null) => {
                return Err(self.missing_comma(after_value_end));
            }
            Some(Token::OpenBrace | Token::OpenBracket) if in_array => {
                return Err(self.missing_comma(after_value_end));
            }
            Some(Token::Word(_)) if !in_array => {
                return Err(self.missing_comma(after_value_end));
            }
            _ => {}
        }
        Ok(())
    }

    fn missing_comma(&self, at: usize) -> SyntaxError {
        SyntaxError::new(Range::new(at, at), &ParseErrorKind::ExpectedComma)
    }

    /// At the current token inside the innermost container: its end, or where its next value
    /// starts (for an object, after the key and its colon).
    fn next_in_container(&mut self) -> Result<Next, SyntaxError> {
        let end = self.scanner.token_end();
        match self.stack.last_mut() {
            Some(Frame::Array { start, .. }) => {
                let start = *start;
                match &self.token {
                    Some(Token::CloseBracket) => {
                        self.open_ranges -= 1;
                        let Some(Frame::Array { items, .. }) = self.stack.pop() else {
                            unreachable!("the innermost frame is an array");
                        };
                        let span = self.span(start..end);
                        Ok(Next::Closed(Node::new(Value::Seq(exact(items)), span)))
                    }
                    None => Err(self.since(start, ParseErrorKind::UnterminatedArray)),
                    Some(_) => Ok(Next::Value),
                }
            }
            Some(Frame::Object { start, .. }) => {
                let start = *start;
                match self.token.take() {
                    Some(Token::CloseBrace) => {
                        self.open_ranges -= 2;
                        let Some(Frame::Object { entries, .. }) = self.stack.pop() else {
                            unreachable!("the innermost frame is an object");
                        };
                        let span = self.span(start..end);
                        Ok(Next::Closed(Node::new(
                            Value::Map(Mapping {
                                entries: exact(entries),
                            }),
                            span,
                        )))
                    }
                    Some(Token::String(name)) => {
                        let range = self.token_range();
                        let key = Node::new(Value::Str(owned(name)), self.span(range.clone()));
                        self.scan()?;
                        if self.token != Some(Token::Colon) {
                            return Err(self.at_token(ParseErrorKind::ExpectedColonAfterObjectKey));
                        }
                        self.scan()?;
                        if self.token.is_none() {
                            return Err(self.at_token(ParseErrorKind::ExpectedObjectValue));
                        }
                        if let Some(Frame::Object { key: pending, .. }) = self.stack.last_mut() {
                            *pending = Some((key, range.start));
                        }
                        Ok(Next::Value)
                    }
                    None => Err(self.since(start, ParseErrorKind::UnterminatedObject)),
                    Some(other) => {
                        let loose = matches!(
                            other,
                            Token::Word(_) | Token::Number(_) | Token::Boolean(_) | Token::Null
                        );
                        self.token = Some(other);
                        Err(self.at_token(if loose {
                            ParseErrorKind::ExpectedStringObjectProperty
                        } else {
                            ParseErrorKind::UnexpectedTokenInObject
                        }))
                    }
                }
            }
            None => unreachable!("next_in_container is called inside a container"),
        }
    }
}

/// A string token's text as an owned string without spare capacity (an unescaped string
/// is built by pushes).
fn owned(text: Cow<'_, str>) -> String {
    let mut text = text.into_owned();
    text.shrink_to_fit();
    text
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

/// The streaming reader alone, in [`reference::read`]'s terms (for the fuzz target that
/// compares them): the root and whether some object repeats a key, or the error's range and
/// message. No depth limit.
#[doc(hidden)]
pub fn read_tree(file: FileId, text: &str) -> Result<(Option<Node>, bool), (usize, usize, String)> {
    let mut reader = Reader::new(file, 0, text);
    reader
        .read()
        .map(|root| (root, reader.duplicate_keys))
        .map_err(|e| (e.range.start, e.range.end, e.message))
}

/// The previous reader, kept as a reference (not used by [`parse`]): jsonc-parser's
/// `parse_to_ast`, then the AST converted. The unit tests and the `json` fuzz target compare
/// the streaming reader with it on every input.
#[doc(hidden)]
pub mod reference {
    use jsonc_parser::ast::{ObjectPropName, Value as JsonValue};
    use jsonc_parser::{parse_to_ast, CollectOptions, ParseOptions};

    use super::{number, SyntaxError};
    use crate::source::{FileId, Span};
    use crate::syntax::{Mapping, Node, Value};

    /// The root node (`None` for no value) and whether some object repeats a key, or the
    /// error; spans as [`super::parse`] makes them, offsets relative to `text`.
    pub fn read(file: FileId, text: &str) -> Result<(Option<Node>, bool), (usize, usize, String)> {
        let options = ParseOptions {
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
        };
        let ast = parse_to_ast(text, &CollectOptions::default(), &options).map_err(|e| {
            let error = SyntaxError::new(e.range(), e.kind());
            (error.range.start, error.range.end, error.message)
        })?;
        let mut duplicate_keys = false;
        let root = ast.value.map(|v| node(file, v, &mut duplicate_keys));
        Ok((root, duplicate_keys))
    }

    fn node(file: FileId, value: JsonValue<'_>, duplicate_keys: &mut bool) -> Node {
        let span = |r: jsonc_parser::common::Range| Span::new(file, r.start, r.end.max(r.start));
        match value {
            JsonValue::NullKeyword(null) => Node::new(Value::Null, span(null.range)),
            JsonValue::BooleanLit(b) => Node::new(Value::Bool(b.value), span(b.range)),
            JsonValue::StringLit(s) => Node::new(Value::Str(s.value.into_owned()), span(s.range)),
            JsonValue::NumberLit(n) => Node::new(number(n.value), span(n.range)),
            JsonValue::Array(array) => {
                let items = array
                    .elements
                    .into_iter()
                    .map(|item| node(file, item, duplicate_keys))
                    .collect();
                Node::new(Value::Seq(items), span(array.range))
            }
            JsonValue::Object(object) => {
                let mut names = std::collections::HashSet::new();
                let mut entries = Vec::new();
                for property in object.properties {
                    let (name, range) = match property.name {
                        ObjectPropName::String(s) => (s.value.into_owned(), s.range),
                        ObjectPropName::Word(w) => (w.value.to_string(), w.range),
                    };
                    *duplicate_keys |= !names.insert(name.clone());
                    let key = Node::new(Value::Str(name), span(range));
                    entries.push((key, node(file, property.value, duplicate_keys)));
                }
                Node::new(Value::Map(Mapping { entries }), span(object.range))
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

    /// The streaming reader against the AST reference: same tree and spans, or same error.
    fn same_as_reference(text: &str) {
        let file = FileId(0);
        assert_eq!(
            read_tree(file, text),
            reference::read(file, text),
            "text {text:?}"
        );
    }

    #[test]
    fn the_reader_reads_as_jsonc_parser_does() {
        for text in [
            "",
            " ",
            "1",
            "-0.5e3",
            "\"a\\nb\"",
            "true",
            "null",
            "[]",
            "{}",
            "[1, [2, {}], {\"a\": [3]}]",
            "{\"a\": 1, \"a\": 2}",
            "{\"k\": {\"k\": {\"k\": null}}}",
            // Every structural error.
            "[",
            "{",
            "[1",
            "{\"a\": 1",
            "{\"a\"",
            "{\"a\":",
            "{\"a\" 1}",
            "{\"a\": }",
            "[1,]",
            "{\"a\": 1,}",
            "[1 2]",
            "[1 \"x\"]",
            "[1 {}]",
            "[1 []]",
            "[1 true]",
            "[1 null]",
            "{\"a\": 1 \"b\": 2}",
            "{\"a\": 1 b: 2}",
            "{\"a\": 1 2}",
            "{\"a\": 1 {}}",
            "{\"a\": 1 []}",
            "[1 x]",
            "[1 }",
            "{\"a\": 1 ]",
            "{a: 1}",
            "{1: 1}",
            "{true: 1}",
            "{null: 1}",
            "{[]: 1}",
            "{{}: 1}",
            "{,}",
            "[,]",
            "[:]",
            "[}]",
            "]",
            "}",
            ",",
            ":",
            "x",
            "[1,,2]",
            "{\"a\":1,,\"b\":2}",
            "[] []",
            "1 2",
            "{} x",
            "[1] // c",
            "/* c */ [1]",
            "[1, /* c */ 2]",
            "{\"a\" /* c */ : 1}",
            "'a'",
            "[0x1F]",
            "[+1]",
            "[.5]",
            "[5.]",
            "[Infinity]",
            "[NaN]",
            "[-]",
            "[1e]",
            "[01]",
            "\"\\x41\"",
            "\"abc",
            "[\"a\nb\"]",
            "[\"\\u00e9\"]",
            "[\"\\ud800\"]",
            "{\"é\": \"ü\"} ü",
            "[1]\n\n",
            "[\t1 ,\r\n2 ]",
        ] {
            same_as_reference(text);
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
        /// Token soup: every mix of brackets, separators, literals and junk.
        #[test]
        fn the_reader_matches_the_reference_on_token_soup(
            parts in proptest::collection::vec(proptest::sample::select(vec![
                "[", "]", "{", "}", ",", ":", " ", "\n", "1", "-2.5", "\"k\"", "\"v\"", "true",
                "null", "x", "//c\n", "/*", "'", "0x1", "\"\\q\"", "é", "\"",
            ]), 0..24)
        ) {
            same_as_reference(&parts.concat());
        }
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
