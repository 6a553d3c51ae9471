//! YAML front end: saphyr-parser events → spanned [`Node`] trees.
//!
//! The tree is built from the parser's events with an explicit stack, never by recursion, so
//! nesting depth is ours to bound. saphyr's own loader is not used: it expands aliases without
//! limit. What YAML leaves to the loader is done here: the YAML 1.2 core schema, core tags,
//! anchors and aliases (within a copy budget), `<<` merge keys, duplicate keys, the depth limit.

use std::borrow::Cow;
use std::cell::Cell;
use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::panic::{catch_unwind, AssertUnwindSafe};

use saphyr_parser::{Event, Parser, ScalarStyle, ScanError, Span as EventSpan, Tag};

use super::flow_indent::{indent_flow_continuations, Repaired};
use super::node::{Document, Mapping, Node, Value};
use super::profile::{key_identity, profile_dependent, LoadingNotes, PlainText};
use super::{Format, Limits, Parsed};
use crate::diag::{codes, Diagnostic};
use crate::source::{FileId, Span};

/// Message prefix of the diagnostic reported if the YAML parser panics (a bug in the parser:
/// the file is reported unreadable instead of crashing the run).
pub const PARSER_FAILURE: &str = "internal error in the YAML parser";

/// Parses a YAML stream into one [`Document`] per YAML document.
pub(crate) fn parse(file: FileId, text: &str, limits: &Limits) -> Parsed {
    let outcome = catch_unwind(AssertUnwindSafe(|| read_with_repair(file, text, limits)));
    outcome.unwrap_or_else(|_| Parsed {
        documents: Vec::new(),
        diagnostics: vec![Diagnostic::error(
            &codes::y::Y001,
            Span::point(file, 0),
            format!("{PARSER_FAILURE}; the file could not be read"),
        )],
    })
}

/// At most this many re-reads repair one file; past it the first error is reported.
const MAX_REPAIRS: usize = 64;

/// Reads the text. If saphyr rejects it for something YAML 1.1 loaders accept — an
/// under-indented flow collection, or `{key:[...]}` — reads it again with spaces inserted, as
/// often as needed. The indentation repair is reported here (Y014, for every dialect); each
/// adjacent `:` is noted on its document, and the document's loading profile judges it (Y015).
fn read_with_repair(file: FileId, text: &str, limits: &Limits) -> Parsed {
    let first = Reader::new(file, text, None, &[], limits).read();
    let mut repair = first.repair;
    // Insertions into the file's text (offset, spaces), kept sorted.
    let mut insertions: Vec<(usize, usize)> = Vec::new();
    let mut colons: Vec<usize> = Vec::new();
    let mut first_indented: Option<usize> = None;
    let mut current: Option<Repaired> = None;
    for _ in 0..MAX_REPAIRS {
        let current_text = current.as_ref().map_or(text, |r| r.text.as_str());
        let to_original = |at: usize| current.as_ref().map_or(at, |r| r.original(at));
        match repair {
            Repair::None => break,
            Repair::Indentation => {
                if first_indented.is_some() {
                    break;
                }
                let Some(lines) = indent_flow_continuations(current_text) else {
                    break;
                };
                let lines: Vec<(usize, usize)> = lines
                    .into_iter()
                    .map(|(at, count)| (to_original(at), count))
                    .collect();
                first_indented = lines.first().map(|&(at, _)| at);
                lines.into_iter().for_each(|l| insert(&mut insertions, l));
            }
            Repair::AdjacentColon(at) => {
                if current_text.as_bytes().get(at) != Some(&b':') {
                    break;
                }
                let colon = to_original(at);
                if colons.contains(&colon) {
                    break;
                }
                colons.push(colon);
                insert(&mut insertions, (colon + 1, 1));
            }
        }
        let Some(repaired) = Repaired::new(text, &insertions) else {
            break;
        };
        colons.sort_unstable();
        let outcome = Reader::new(file, &repaired.text, Some(&repaired), &colons, limits).read();
        current = Some(repaired);
        if !outcome.scan_failed {
            let mut parsed = outcome.parsed;
            if let Some(line) = first_indented {
                parsed
                    .diagnostics
                    .push(flow_indentation_warning(file, text, line));
            }
            return parsed;
        }
        repair = outcome.repair;
    }
    first.parsed
}

/// Adds an insertion, keeping the list sorted and one entry per offset.
fn insert(insertions: &mut Vec<(usize, usize)>, (at, count): (usize, usize)) {
    match insertions.binary_search_by_key(&at, |&(offset, _)| offset) {
        Ok(i) => insertions[i].1 += count,
        Err(i) => insertions.insert(i, (at, count)),
    }
}

fn flow_indentation_warning(file: FileId, text: &str, line: usize) -> Diagnostic {
    let token = text.get(line..).map_or(line, |rest| {
        line + rest.len() - rest.trim_start_matches(' ').len()
    });
    let token_len = text
        .get(token..)
        .and_then(|rest| rest.chars().next())
        .map_or(0, char::len_utf8);
    Diagnostic::warning(
        &codes::y::Y014,
        Span::new(file, token, token + token_len),
        "this line continues a flow collection (`[...]`, `{...}`) or a quoted scalar but is not indented past \
         the line that opened it",
    )
    .with_span_label("indent this line further")
    .with_help(
        "YAML 1.2 requires it; YAML 1.1 loaders accept it, so the file is read as if the line \
         were indented",
    )
}

/// What a failed read could be repaired with.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Repair {
    None,
    /// saphyr reported an indentation error (maybe an under-indented flow collection).
    Indentation,
    /// A `:` at this offset of the parsed text comes straight before `[` or `{` in a flow
    /// mapping.
    AdjacentColon(usize),
}

/// What one read of a text produced.
struct Outcome {
    parsed: Parsed,
    /// saphyr stopped with an error.
    scan_failed: bool,
    /// What might fix that error.
    repair: Repair,
}

/// Whether reading goes on after an event.
enum Flow {
    Continue,
    Stop,
}

/// A finished node with what the limits need to know about it.
#[derive(Clone)]
struct Built {
    node: Node,
    /// Nodes in the subtree (keys included).
    size: usize,
    /// Container levels in the subtree: 0 for a scalar.
    height: usize,
}

struct Frame {
    /// Byte offset where the container's content starts (after any anchor or tag).
    start: usize,
    /// End of the last child so far: a block container ends there.
    last_end: usize,
    anchor: usize,
    size: usize,
    height: usize,
    body: Body,
}

enum Body {
    Seq(Vec<Node>),
    Map(MapBuilder),
}

#[derive(Default)]
struct MapBuilder {
    items: Vec<Item>,
    key: Option<PendingKey>,
    /// Identity of each key read so far → span of its first occurrence.
    seen: HashMap<String, Span>,
}

struct PendingKey {
    node: Node,
    /// A plain, untagged `<<`.
    merge: bool,
}

enum Item {
    Entry(Node, Node),
    Merge(Node),
}

struct Reader<'t> {
    file: FileId,
    /// The text parsed: the file's text, or a repaired copy of it.
    text: &'t str,
    /// Maps offsets in a repaired text back to the file's text.
    repaired: Option<&'t Repaired>,
    /// File offsets of the `:`s a repair separated from a following `[` or `{`, sorted; the
    /// ones not yet given to a document.
    colons: &'t [usize],
    scan_failed: bool,
    repair: Repair,
    /// Notes for the loading profile, for the document being read.
    plain: Vec<PlainText>,
    duplicate_keys: bool,
    offsets: CharOffsets<'t>,
    limits: &'t Limits,
    stack: Vec<Frame>,
    /// Anchored nodes by saphyr's anchor id (ids are unique in a stream). Lookup only.
    anchors: HashMap<usize, Built>,
    /// Nodes copied so far by anchors and aliases, checked against the alias budget.
    copied: usize,
    root: Option<Node>,
    documents: Vec<Document>,
    diagnostics: Vec<Diagnostic>,
}

impl<'t> Reader<'t> {
    fn new(
        file: FileId,
        text: &'t str,
        repaired: Option<&'t Repaired>,
        colons: &'t [usize],
        limits: &'t Limits,
    ) -> Reader<'t> {
        Reader {
            file,
            text,
            repaired,
            colons,
            scan_failed: false,
            repair: Repair::None,
            plain: Vec::new(),
            duplicate_keys: false,
            offsets: CharOffsets::new(text),
            limits,
            stack: Vec::new(),
            anchors: HashMap::new(),
            copied: 0,
            root: None,
            documents: Vec::new(),
            diagnostics: Vec::new(),
        }
    }

    fn read(mut self) -> Outcome {
        self.run();
        Outcome {
            parsed: Parsed {
                documents: self.documents,
                diagnostics: self.diagnostics,
            },
            scan_failed: self.scan_failed,
            repair: self.repair,
        }
    }

    /// A file offset for an offset in the parsed text.
    fn original(&self, offset: usize) -> usize {
        self.repaired.map_or(offset, |r| r.original(offset))
    }

    /// A file span for a range of the parsed text.
    fn span(&self, start: usize, end: usize) -> Span {
        let start = self.original(start);
        Span::new(self.file, start, self.original(end).max(start))
    }

    fn run(&mut self) {
        let mut parser = Parser::new_from_str(self.text);
        while let Some(result) = parser.next_event() {
            let flow = match result {
                Ok((event, span)) => self.event(event, span),
                Err(error) => {
                    self.scan_error(&error);
                    Flow::Stop
                }
            };
            if let Flow::Stop = flow {
                return;
            }
        }
    }

    /// Closes the document read so far, ending at file offset `end`, with its loading notes.
    fn end_document(&mut self, end: usize) {
        let mut plain = std::mem::take(&mut self.plain);
        let duplicate_keys = std::mem::replace(&mut self.duplicate_keys, false);
        let taken = self.colons.partition_point(|&colon| colon < end);
        let (mine, rest) = self.colons.split_at(taken);
        self.colons = rest;
        let Some(root) = self.root.take() else {
            return;
        };
        plain.sort_by_key(|p| p.at);
        plain.dedup_by_key(|p| p.at);
        let index = self.documents.len();
        self.documents.push(Document {
            root,
            index,
            loading: LoadingNotes {
                format: Format::Yaml,
                plain,
                duplicate_keys,
                adjacent_flow_values: mine
                    .iter()
                    .map(|&colon| Span::new(self.file, colon, colon + 1))
                    .collect(),
            },
        });
    }

    fn event(&mut self, event: Event<'_>, span: EventSpan) -> Flow {
        match event {
            Event::Nothing | Event::StreamStart | Event::StreamEnd => Flow::Continue,
            Event::DocumentStart(_) => {
                // Anchors do not carry across documents.
                self.anchors.clear();
                Flow::Continue
            }
            Event::DocumentEnd => {
                let end = self.original(self.offsets.byte(span.end.index()));
                self.end_document(end);
                Flow::Continue
            }
            Event::Alias(id) => self.alias(id, span),
            Event::Scalar(text, style, anchor, tag) => {
                let tag_span = self.tag_span(span);
                let decorated = anchor != 0 || tag.is_some();
                let span = self.content_span(span, decorated);
                let plain = style == ScalarStyle::Plain && tag.is_none();
                let merge = plain && text == "<<";
                let value = if plain {
                    let value = resolve_plain(&text);
                    if profile_dependent(&text, &value) {
                        self.plain.push(PlainText {
                            at: span.start,
                            text: text.as_ref().into(),
                        });
                    }
                    value
                } else {
                    let tag = tag.as_deref().map(|tag| (tag, tag_span));
                    self.scalar_value(text, style, tag, span)
                };
                let built = Built {
                    node: Node::new(value, span),
                    size: 1,
                    height: 0,
                };
                self.complete(built, anchor, merge)
            }
            Event::SequenceStart(anchor, tag) => {
                self.open(span, anchor, tag.as_deref(), Body::Seq(Vec::new()))
            }
            Event::MappingStart(anchor, tag) => self.open(
                span,
                anchor,
                tag.as_deref(),
                Body::Map(MapBuilder::default()),
            ),
            Event::SequenceEnd | Event::MappingEnd => self.close(span),
        }
    }

    fn open(&mut self, span: EventSpan, anchor: usize, tag: Option<&Tag>, body: Body) -> Flow {
        let tag_span = self.tag_span(span);
        let decorated = anchor != 0 || tag.is_some();
        let start = self.offsets.byte(span.start.index());
        let start = if decorated {
            skip_decorations(self.text, start, self.text.len())
        } else {
            start
        };
        if self.stack.len() >= self.limits.max_depth {
            self.too_deep(self.char_span(start));
            return Flow::Stop;
        }
        if let Some(tag) = tag {
            let expected = match body {
                Body::Seq(_) => "seq",
                Body::Map(_) => "map",
            };
            self.check_collection_tag(tag, expected, tag_span);
        }
        let start = self.original(start);
        self.stack.push(Frame {
            start,
            last_end: start,
            anchor,
            size: 1,
            height: 1,
            body,
        });
        Flow::Continue
    }

    fn close(&mut self, span: EventSpan) -> Flow {
        let Some(frame) = self.stack.pop() else {
            return Flow::Continue;
        };
        // A flow collection's end event covers its closing bracket; a block collection's is
        // empty and sits at the next token, so it ends with its last content instead.
        let end = if span.is_empty() {
            frame.last_end
        } else {
            self.original(self.offsets.byte(span.end.index()))
        };
        let span = Span::new(self.file, frame.start, end.max(frame.start));
        let value = match frame.body {
            Body::Seq(items) => Value::Seq(exact(items)),
            Body::Map(map) => Value::Map(self.finish_mapping(map)),
        };
        let built = Built {
            node: Node::new(value, span),
            size: frame.size,
            height: frame.height,
        };
        self.complete(built, frame.anchor, false)
    }

    fn alias(&mut self, id: usize, span: EventSpan) -> Flow {
        let span = self.content_span(span, false);
        let Some((size, height)) = self.anchors.get(&id).map(|a| (a.size, a.height)) else {
            self.diagnostics.push(
                Diagnostic::error(&codes::y::Y001, span, "alias to an unknown anchor")
                    .with_help(ANCHOR_HELP),
            );
            return Flow::Stop;
        };
        if self.stack.len() + height > self.limits.max_depth {
            self.too_deep(span);
            return Flow::Stop;
        }
        if !self.charge_copy(size, span) {
            return Flow::Stop;
        }
        let Some(mut built) = self.anchors.get(&id).cloned() else {
            return Flow::Stop;
        };
        if built.node.is_scalar() {
            // The copy's profile reading is the anchored scalar's.
            let anchored = built.node.span.start;
            if let Ok(i) = self.plain.binary_search_by_key(&anchored, |p| p.at) {
                let text = self.plain[i].text.clone();
                self.plain.push(PlainText {
                    at: span.start,
                    text,
                });
            }
        }
        // The copy's root points at the alias: that is where its value is used.
        built.node.span = span;
        self.complete(built, 0, false)
    }

    /// Places a finished node in its parent (or as the document root).
    fn complete(&mut self, built: Built, anchor: usize, merge: bool) -> Flow {
        if anchor != 0 {
            if !self.charge_copy(built.size, built.node.span) {
                return Flow::Stop;
            }
            self.anchors.insert(anchor, built.clone());
        }
        let Some(frame) = self.stack.last_mut() else {
            self.root = Some(built.node);
            return Flow::Continue;
        };
        frame.size = frame.size.saturating_add(built.size);
        frame.height = frame.height.max(built.height + 1);
        frame.last_end = frame.last_end.max(built.node.span.end as usize);
        match &mut frame.body {
            Body::Seq(items) => items.push(built.node),
            Body::Map(map) => match map.key.take() {
                None => {
                    map.key = Some(PendingKey {
                        node: built.node,
                        merge,
                    })
                }
                Some(key) => {
                    self.duplicate_keys |= add_entry(map, key, built.node);
                }
            },
        }
        Flow::Continue
    }

    /// Counts `size` copied nodes against the alias budget; false (with Y003) when over it.
    fn charge_copy(&mut self, size: usize, span: Span) -> bool {
        self.copied = self.copied.saturating_add(size);
        if self.copied <= self.limits.alias_budget {
            return true;
        }
        self.diagnostics.push(
            Diagnostic::error(
                &codes::y::Y003,
                span,
                format!(
                    "anchors and aliases in this file copy more than {} nodes; \
                     the rest of the file is not read",
                    self.limits.alias_budget
                ),
            )
            .with_span_label("the budget runs out here")
            .with_help(
                "nested aliases multiply (\"billion laughs\"); write the repeated content out \
                 or use fewer levels of aliases",
            ),
        );
        false
    }

    fn too_deep(&mut self, span: Span) {
        self.diagnostics.push(
            Diagnostic::error(
                &codes::y::Y004,
                span,
                format!(
                    "nesting deeper than {} levels; the rest of the file is not read",
                    self.limits.max_depth
                ),
            )
            .with_span_label("too deep"),
        );
    }

    /// Resolves `<<` merges: explicit keys win over merged ones wherever they appear, and
    /// earlier merged mappings win over later ones.
    fn finish_mapping(&mut self, map: MapBuilder) -> Mapping {
        let has_merge = map.items.iter().any(|item| matches!(item, Item::Merge(_)));
        if !has_merge {
            let entries = map
                .items
                .into_iter()
                .filter_map(|item| match item {
                    Item::Entry(key, value) => Some((key, value)),
                    Item::Merge(_) => None,
                })
                .collect();
            return Mapping {
                entries: exact(entries),
            };
        }
        let mut present: HashSet<String> = map.seen.into_keys().collect();
        let mut entries = Vec::new();
        for item in map.items {
            match item {
                Item::Entry(key, value) => entries.push((key, value)),
                Item::Merge(source) => {
                    for merged in self.merge_sources(source) {
                        // The first merged entry of a key wins, even over a repetition inside
                        // one merged mapping: PyYAML 6 (`flatten_mapping` skips keys already
                        // merged) and SnakeYAML (`mergeNode`) agree.
                        for (key, value) in merged.entries {
                            if present.insert(key_identity(&key)) {
                                entries.push((key, value));
                            }
                        }
                    }
                }
            }
        }
        Mapping {
            entries: exact(entries),
        }
    }

    /// The mappings a `<<` value brings in, in priority order; anything else is Y009.
    fn merge_sources(&mut self, source: Node) -> Vec<Mapping> {
        match source.value {
            Value::Map(map) => vec![map],
            Value::Seq(items) => items
                .into_iter()
                .filter_map(|item| match item.value {
                    Value::Map(map) => Some(map),
                    _ => {
                        self.bad_merge(&item, "an item of a merge list must be a mapping");
                        None
                    }
                })
                .collect(),
            _ => {
                self.bad_merge(
                    &source,
                    "the value of a merge key (`<<`) must be a mapping or a list of mappings",
                );
                Vec::new()
            }
        }
    }

    fn bad_merge(&mut self, node: &Node, what: &str) {
        self.diagnostics.push(
            Diagnostic::error(
                &codes::y::Y009,
                node.span,
                format!("{what}, found {}", node.type_name()),
            )
            .with_help("merge a mapping (`<<: *defaults`) or a list of them (`<<: [*a, *b]`)"),
        );
    }

    fn scalar_value(
        &mut self,
        text: Cow<'_, str>,
        style: ScalarStyle,
        tag: Option<(&Tag, Span)>,
        span: Span,
    ) -> Value {
        let plain = style == ScalarStyle::Plain;
        let untagged = |text: Cow<'_, str>| {
            if plain {
                resolve_plain(&text)
            } else {
                Value::Str(text.into_owned())
            }
        };
        let Some((tag, tag_span)) = tag else {
            return untagged(text);
        };
        if is_non_specific(tag) {
            return Value::Str(text.into_owned());
        }
        let typed = match core_tag(tag) {
            Some("str") => Some(Value::Str(text.to_string())),
            Some("null") => {
                matches!(&*text, "" | "~" | "null" | "Null" | "NULL").then_some(Value::Null)
            }
            Some("bool") => match resolve_plain(&text) {
                value @ Value::Bool(_) => Some(value),
                _ => None,
            },
            Some("int") => resolve_int(&text),
            Some("float") => resolve_float(&text).or_else(|| match resolve_int(&text) {
                Some(Value::Int(i)) => Some(Value::Float(i as f64, text.as_ref().into())),
                other => other,
            }),
            Some(_) | None => {
                self.unknown_tag(tag, tag_span);
                return untagged(text);
            }
        };
        typed.unwrap_or_else(|| {
            self.diagnostics.push(
                Diagnostic::warning(
                    &codes::y::Y013,
                    span,
                    format!(
                        "`{}` does not fit the tag `{}`; it is read as if untagged",
                        text,
                        tag_text(tag)
                    ),
                )
                .with_span_label("tag ignored"),
            );
            untagged(text)
        })
    }

    fn check_collection_tag(&mut self, tag: &Tag, expected: &str, span: Span) {
        if is_non_specific(tag) {
            return;
        }
        match core_tag(tag) {
            Some(name) if name == expected => {}
            Some("str" | "null" | "bool" | "int" | "float" | "map" | "seq") => {
                let found = if expected == "seq" {
                    "a list"
                } else {
                    "a mapping"
                };
                self.diagnostics.push(
                    Diagnostic::warning(
                        &codes::y::Y013,
                        span,
                        format!(
                            "{found} cannot have the tag `{}`; the tag is ignored",
                            tag_text(tag)
                        ),
                    )
                    .with_span_label("tag ignored"),
                );
            }
            _ => self.unknown_tag(tag, span),
        }
    }

    fn unknown_tag(&mut self, tag: &Tag, span: Span) {
        self.diagnostics.push(
            Diagnostic::error(
                &codes::y::Y010,
                span,
                format!("unknown tag `{}`", tag_text(tag)),
            )
            .with_span_label("no loader can construct this")
            .with_help("remove the tag, or quote the value if the `!` is meant as text"),
        );
    }

    fn scan_error(&mut self, error: &ScanError) {
        let offset = self.offsets.byte(error.marker().index());
        let span = self.char_span(offset);
        let info = error.info();
        self.scan_failed = true;
        self.repair = if info.contains("indentation") {
            Repair::Indentation
        } else if info.contains("may not precede any of `[{`") {
            Repair::AdjacentColon(offset)
        } else {
            Repair::None
        };
        if info == "recursion limit exceeded" {
            // saphyr's own bound on flow nesting (255 levels).
            self.diagnostics.push(
                Diagnostic::error(
                    &codes::y::Y004,
                    span,
                    "flow collections (`[...]`, `{...}`) nest too deeply; \
                     the rest of the file is not read",
                )
                .with_span_label("too deep"),
            );
            return;
        }
        let at_tab = self
            .text
            .get(offset..)
            .is_some_and(|rest| rest.starts_with('\t'));
        let mut diagnostic =
            Diagnostic::error(&codes::y::Y001, span, format!("invalid YAML: {info}"));
        if let Some(help) = scan_error_help(info, at_tab) {
            diagnostic = diagnostic.with_help(help);
        }
        self.diagnostics.push(diagnostic);
    }

    /// The file span of an event, with a leading anchor or tag skipped when `decorated`.
    fn content_span(&self, span: EventSpan, decorated: bool) -> Span {
        let start = self.offsets.byte(span.start.index());
        let end = self.offsets.byte(span.end.index()).max(start);
        let start = if decorated {
            skip_decorations(self.text, start, end)
        } else {
            start
        };
        self.span(start, end)
    }

    /// Where a node's tag is written: its event starts with an optional anchor, then the tag.
    fn tag_span(&self, span: EventSpan) -> Span {
        let bytes = self.text.as_bytes();
        let token_end = |mut at: usize| {
            while bytes
                .get(at)
                .is_some_and(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
            {
                at += 1;
            }
            at
        };
        let mut at = self.offsets.byte(span.start.index());
        loop {
            match bytes.get(at) {
                Some(b' ' | b'\t' | b'\r' | b'\n') => at += 1,
                Some(b'&') => at = token_end(at),
                Some(b'!') => return self.span(at, token_end(at)),
                _ => return self.char_span(at),
            }
        }
    }

    /// A file span over the character at `offset` of the parsed text (empty at its end).
    fn char_span(&self, offset: usize) -> Span {
        let offset = offset.min(self.text.len());
        let len = self
            .text
            .get(offset..)
            .and_then(|rest| rest.chars().next())
            .map_or(0, char::len_utf8);
        self.span(offset, offset + len)
    }
}

const ANCHOR_HELP: &str = "an alias `*name` needs an anchor `&name` earlier in the same document";

fn scan_error_help(info: &str, at_tab: bool) -> Option<&'static str> {
    if at_tab || info.contains("tab") {
        return Some("YAML does not allow tabs for indentation; indent with spaces");
    }
    let help = if info.contains("mapping values are not allowed") {
        "a `: ` inside an unquoted value starts a mapping; quote the value, or fix the indentation"
    } else if info.contains("did not find expected key") || info.contains("invalid indentation") {
        "check the indentation: the entries of one mapping start in the same column"
    } else if info.contains("unknown anchor") {
        ANCHOR_HELP
    } else if info.contains("quoted scalar, found unexpected end of stream") {
        "a quoted string is not closed"
    } else if info.contains("flow sequence") {
        "a flow list `[...]` needs commas between items and a closing `]`"
    } else if info.contains("flow mapping") {
        "a flow mapping `{...}` needs commas between entries and a closing `}`"
    } else if info.contains("cannot start any token") || info.contains("unexpected character") {
        "values starting with `@`, `` ` `` or `%` must be quoted"
    } else {
        return None;
    };
    Some(help)
}

/// `items` without spare capacity. A finished tree never grows, and a vector grown by pushes
/// keeps up to half its capacity unused: for a file of small lists and mappings that spare room
/// was a third of the tree's memory (issue 14's 10× bound).
pub(super) fn exact<T>(mut items: Vec<T>) -> Vec<T> {
    items.shrink_to_fit();
    items
}

/// Adds a key and its value; true when the key repeats one already in the mapping. Every
/// entry is kept: which one counts is the loading profile's decision.
fn add_entry(map: &mut MapBuilder, key: PendingKey, value: Node) -> bool {
    if key.merge {
        // Several `<<` keys merge in order, as a list would (PyYAML and SnakeYAML agree).
        map.items.push(Item::Merge(value));
        return false;
    }
    let repeated = match map.seen.entry(key_identity(&key.node)) {
        Entry::Occupied(_) => true,
        Entry::Vacant(slot) => {
            slot.insert(key.node.span);
            false
        }
    };
    map.items.push(Item::Entry(key.node, value));
    repeated
}

const CORE_SCHEMA: &str = "tag:yaml.org,2002:";

/// The core schema name of a `!!name` (or verbatim `!<tag:yaml.org,2002:name>`) tag.
fn core_tag(tag: &Tag) -> Option<&str> {
    if tag.is_yaml_core_schema() {
        Some(tag.suffix.as_str())
    } else if tag.handle.is_empty() {
        tag.suffix.strip_prefix(CORE_SCHEMA)
    } else {
        None
    }
}

/// The non-specific tag `!`, which makes a scalar a string whatever it looks like.
fn is_non_specific(tag: &Tag) -> bool {
    (tag.handle.is_empty() && tag.suffix == "!") || (tag.handle == "!" && tag.suffix.is_empty())
}

/// A tag as the user would write it.
fn tag_text(tag: &Tag) -> String {
    if let Some(name) = core_tag(tag) {
        format!("!!{name}")
    } else if tag.handle.is_empty() {
        // saphyr reports verbatim tags (`!<uri>`) with an empty handle.
        format!("!<{}>", tag.suffix)
    } else {
        format!("{}{}", tag.handle, tag.suffix)
    }
}

/// Skips an anchor (`&a`), a tag (`!t`), whitespace and comments before a node's content:
/// saphyr's event span starts at the first of them.
fn skip_decorations(text: &str, start: usize, limit: usize) -> usize {
    let bytes = text.as_bytes();
    let limit = limit.min(bytes.len());
    let mut at = start.min(limit);
    loop {
        match bytes.get(at) {
            Some(_) if at >= limit => return limit,
            Some(b' ' | b'\t' | b'\r' | b'\n') => at += 1,
            Some(b'#') => {
                while at < limit && bytes.get(at) != Some(&b'\n') {
                    at += 1;
                }
            }
            Some(b'&' | b'!') => {
                while at < limit && !matches!(bytes.get(at), Some(b' ' | b'\t' | b'\r' | b'\n')) {
                    at += 1;
                }
            }
            _ => break,
        }
    }
    // Never split a character (decorations and whitespace are ASCII, so this only guards).
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at.max(start.min(limit))
}

/// Types a plain scalar by the YAML 1.2 core schema.
pub(crate) fn resolve_plain(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => Value::Null,
        "true" | "True" | "TRUE" => Value::Bool(true),
        "false" | "False" | "FALSE" => Value::Bool(false),
        _ => resolve_int(text)
            .or_else(|| resolve_float(text))
            .unwrap_or_else(|| Value::Str(text.to_string())),
    }
}

/// Core schema integers: decimal with an optional sign, `0o` octal, `0x` hex. An integer too
/// big for i64 becomes a float that keeps its text.
fn resolve_int(text: &str) -> Option<Value> {
    let (digits, radix) = if let Some(octal) = text.strip_prefix("0o") {
        (octal, 8)
    } else if let Some(hex) = text.strip_prefix("0x") {
        (hex, 16)
    } else {
        let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
        if unsigned.is_empty() || !unsigned.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        return Some(match text.parse::<i64>() {
            Ok(i) => Value::Int(i),
            Err(_) => Value::Float(text.parse::<f64>().ok()?, text.into()),
        });
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    Some(match i64::from_str_radix(digits, radix) {
        Ok(i) => Value::Int(i),
        Err(_) => {
            let approx = digits
                .chars()
                .filter_map(|c| c.to_digit(radix))
                .fold(0.0, |acc, d| acc * f64::from(radix) + f64::from(d));
            Value::Float(approx, text.into())
        }
    })
}

/// `.inf` (signed) and `.nan`, spelled as YAML 1.1 and 1.2 both spell them. `unsigned` is
/// `text` without its sign.
pub(super) fn infinity_or_nan(text: &str, negative: bool, unsigned: &str) -> Option<Value> {
    if matches!(unsigned, ".inf" | ".Inf" | ".INF") {
        let inf = if negative {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        };
        return Some(Value::Float(inf, text.into()));
    }
    matches!(text, ".nan" | ".NaN" | ".NAN").then(|| Value::Float(f64::NAN, text.into()))
}

/// Core schema floats: `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`, `.inf`, `.nan`.
fn resolve_float(text: &str) -> Option<Value> {
    let (negative, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    if let Some(special) = infinity_or_nan(text, negative, unsigned) {
        return Some(special);
    }
    let bytes = unsigned.as_bytes();
    let digits_from = |at: usize| {
        bytes[at.min(bytes.len())..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count()
    };
    let whole = digits_from(0);
    let mut at = whole;
    let mut fraction = 0;
    if bytes.get(at) == Some(&b'.') {
        fraction = digits_from(at + 1);
        at += 1 + fraction;
    }
    if whole == 0 && fraction == 0 {
        return None;
    }
    if matches!(bytes.get(at), Some(b'e' | b'E')) {
        at += 1;
        if matches!(bytes.get(at), Some(b'-' | b'+')) {
            at += 1;
        }
        let exponent = digits_from(at);
        if exponent == 0 {
            return None;
        }
        at += exponent;
    }
    if at != bytes.len() {
        return None;
    }
    // Rust's parser wants digits on both sides of the point: `.5` → `0.5`, `1.e3` → `1.0e3`.
    let mut normal = String::with_capacity(unsigned.len() + 3);
    if negative {
        normal.push('-');
    }
    if whole == 0 {
        normal.push('0');
    }
    for (i, c) in unsigned.char_indices() {
        normal.push(c);
        if c == '.' && digits_from(i + 1) == 0 {
            normal.push('0');
        }
    }
    let value = normal.parse::<f64>().ok()?;
    Some(Value::Float(value, text.into()))
}

/// Converts saphyr's character indices to byte offsets. ASCII text needs no table; otherwise a
/// checkpoint every 64 characters bounds each lookup to a short walk, and since events come in
/// text order, most lookups walk on from the previous one instead.
struct CharOffsets<'t> {
    text: &'t str,
    /// Byte offset of character `64 * i`; `None` for ASCII text.
    checkpoints: Option<Vec<usize>>,
    /// The last lookup: (character index, byte offset).
    last: Cell<(usize, usize)>,
}

const CHECKPOINT_EVERY: usize = 64;

impl<'t> CharOffsets<'t> {
    fn new(text: &'t str) -> CharOffsets<'t> {
        let checkpoints = (!text.is_ascii()).then(|| {
            text.char_indices()
                .step_by(CHECKPOINT_EVERY)
                .map(|(byte, _)| byte)
                .collect()
        });
        CharOffsets {
            text,
            checkpoints,
            last: Cell::new((0, 0)),
        }
    }

    fn byte(&self, char_index: usize) -> usize {
        let Some(checkpoints) = &self.checkpoints else {
            return char_index.min(self.text.len());
        };
        let (last_char, last_byte) = self.last.get();
        let block = (char_index / CHECKPOINT_EVERY).min(checkpoints.len().saturating_sub(1));
        let (base_char, base_byte) = if (block * CHECKPOINT_EVERY..=char_index).contains(&last_char)
        {
            (last_char, last_byte)
        } else {
            let base = checkpoints.get(block).copied().unwrap_or(0);
            (block * CHECKPOINT_EVERY, base)
        };
        let byte = self.text[base_byte..]
            .char_indices()
            .nth(char_index - base_char)
            .map_or(self.text.len(), |(offset, _)| base_byte + offset);
        if byte < self.text.len() {
            self.last.set((char_index, byte));
        }
        byte
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_schema_plain_scalars() {
        assert_eq!(resolve_plain("~"), Value::Null);
        assert_eq!(resolve_plain("NULL"), Value::Null);
        assert_eq!(resolve_plain("True"), Value::Bool(true));
        assert_eq!(resolve_plain("yes"), Value::Str("yes".into()));
        assert_eq!(resolve_plain("-42"), Value::Int(-42));
        assert_eq!(resolve_plain("+7"), Value::Int(7));
        assert_eq!(resolve_plain("0o17"), Value::Int(15));
        assert_eq!(resolve_plain("0x1F"), Value::Int(31));
        assert_eq!(resolve_plain("0x"), Value::Str("0x".into()));
        assert_eq!(resolve_plain("1.5"), Value::Float(1.5, "1.5".into()));
        assert_eq!(resolve_plain(".5"), Value::Float(0.5, ".5".into()));
        assert_eq!(resolve_plain("1."), Value::Float(1.0, "1.".into()));
        assert_eq!(resolve_plain("1.e3"), Value::Float(1000.0, "1.e3".into()));
        assert_eq!(resolve_plain("-1e-2"), Value::Float(-0.01, "-1e-2".into()));
        assert_eq!(
            resolve_plain("-.inf"),
            Value::Float(f64::NEG_INFINITY, "-.inf".into())
        );
        assert!(matches!(resolve_plain(".NaN"), Value::Float(f, _) if f.is_nan()));
        assert_eq!(resolve_plain("1e"), Value::Str("1e".into()));
        assert_eq!(resolve_plain("."), Value::Str(".".into()));
        assert_eq!(resolve_plain("1_000"), Value::Str("1_000".into()));
        assert_eq!(resolve_plain("50%"), Value::Str("50%".into()));
        assert_eq!(
            resolve_plain("99999999999999999999"),
            Value::Float(1e20, "99999999999999999999".into())
        );
    }

    #[test]
    fn char_offsets_walk_multibyte_text() {
        let text = format!("{}é{}ü", "ä".repeat(100), "x".repeat(70));
        let offsets = CharOffsets::new(&text);
        for (char_index, (byte, _)) in text.char_indices().enumerate() {
            assert_eq!(offsets.byte(char_index), byte, "char {char_index}");
        }
        assert_eq!(offsets.byte(text.chars().count()), text.len());
        assert_eq!(offsets.byte(10_000), text.len());
        // Out of order, as an error marker may be.
        let starts: Vec<usize> = text.char_indices().map(|(byte, _)| byte).collect();
        for (char_index, &byte) in starts.iter().enumerate().rev() {
            assert_eq!(offsets.byte(char_index), byte, "char {char_index}");
        }
    }

    #[test]
    fn decorations_are_skipped() {
        let text = "&anchor !!str  # c\n  value";
        assert_eq!(&text[skip_decorations(text, 0, text.len())..], "value");
        assert_eq!(skip_decorations("plain", 0, 5), 0);
    }
}
