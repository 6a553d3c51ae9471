//! Syntax: bytes → spanned [`Node`] trees, and the embedded languages inside scalars.
//!
//! `yaml` and `json` turn a file into documents; the grammar modules (pest, `grammar/*.pest`)
//! parse the little languages that live inside strings, returning spans relative to the
//! string so the caller can point at the offending characters.

pub mod condition;
pub mod expr;
pub mod exprlang;
mod flow_indent;
pub mod grammar_error;
pub mod iso8601;
pub mod json;
pub mod node;
pub mod profile;
pub mod units;
pub mod url_pattern;
pub mod value;
pub mod yaml;

pub use node::{Document, Mapping, Node, Value};
pub use profile::Profile;

use crate::diag::{codes, Diagnostic};
use crate::source::{FileId, SourceMap, Span};

/// Limits that keep hostile input cheap. Defaults are far above any real spec.
///
/// The readers build trees no deeper than `max_depth`, and cloning or dropping a tree recurses,
/// so keep `max_depth` in the hundreds (a few thousand at most).
#[derive(Clone, Debug)]
pub struct Limits {
    /// Deepest allowed nesting of sequences and mappings (after alias expansion).
    pub max_depth: usize,
    /// Most nodes that anchors and alias expansion may copy in one file.
    pub alias_budget: usize,
    /// Largest file read, in bytes.
    pub max_file_bytes: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_depth: 256,
            alias_budget: 100_000,
            max_file_bytes: 32 * 1024 * 1024,
        }
    }
}

/// Which syntax a file is read with.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Format {
    #[default]
    Yaml,
    Json,
}

impl Format {
    /// `.json` is JSON; everything else is read as YAML (a superset for our purposes).
    pub fn from_path(path: &str) -> Format {
        if path.to_ascii_lowercase().ends_with(".json") {
            Format::Json
        } else {
            Format::Yaml
        }
    }
}

/// The documents of one file plus what went wrong reading it. On a fatal syntax error the
/// documents read before the error are kept (dialects may still check them).
#[derive(Debug, Default)]
pub struct Parsed {
    pub documents: Vec<Document>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Adds a file's raw bytes to the source map and parses it. Size, binary content and invalid
/// UTF-8 are diagnosed here, so a dialect only ever sees text. Never panics, whatever the bytes.
pub fn load(
    sources: &mut SourceMap,
    path: &str,
    bytes: Vec<u8>,
    format: Format,
    limits: &Limits,
) -> (FileId, Parsed) {
    let mut parsed = Parsed::default();

    if bytes.len() > limits.max_file_bytes {
        // Not read at all, so the source map holds no text for it. Readers stop one byte past
        // the limit (discovery does), so a length of exactly limit + 1 is only a lower bound.
        let file = sources.add(path, String::new());
        let size = if bytes.len() > limits.max_file_bytes.saturating_add(1) {
            format!("file is {} bytes", bytes.len())
        } else {
            "file is larger than that".to_string()
        };
        parsed.diagnostics.push(
            Diagnostic::error(
                &codes::y::Y011,
                Span::point(file, 0),
                format!(
                    "files are read up to {} bytes and this {size}; it is not read",
                    limits.max_file_bytes
                ),
            )
            .with_help("specs are small text files; check that this is the file you meant"),
        );
        return (file, parsed);
    }

    if let Some(nul) = bytes.iter().position(|&b| b == 0) {
        // Offsets in the lossy text equal byte offsets up to the first invalid sequence; measure
        // the prefix so the span lands on the NUL either way.
        let offset = String::from_utf8_lossy(&bytes[..nul]).len();
        let file = sources.add(path, String::from_utf8_lossy(&bytes).into_owned());
        parsed.diagnostics.push(
            Diagnostic::error(
                &codes::y::Y006,
                Span::new(file, offset, offset + 1),
                "file looks binary (it contains a NUL byte); it is not read as a spec",
            )
            .with_span_label("NUL byte"),
        );
        return (file, parsed);
    }

    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(error) => {
            let utf8 = error.utf8_error();
            let offset = utf8.valid_up_to();
            let bad_len = utf8.error_len().unwrap_or(error.as_bytes().len() - offset);
            let bad_bytes: Vec<String> = error.as_bytes()[offset..offset + bad_len]
                .iter()
                .map(|b| format!("0x{b:02x}"))
                .collect();
            // The lossy text is identical up to `offset`, where U+FFFD (3 bytes) replaces the
            // bad sequence, so the span covers that replacement character.
            let lossy = String::from_utf8_lossy(error.as_bytes()).into_owned();
            let file = sources.add(path, lossy);
            parsed.diagnostics.push(
                Diagnostic::error(
                    &codes::y::Y005,
                    Span::new(file, offset, offset + '\u{FFFD}'.len_utf8()),
                    format!(
                        "file is not valid UTF-8: invalid byte sequence {} at byte {offset}",
                        bad_bytes.join(" ")
                    ),
                )
                .with_span_label("not UTF-8")
                .with_help("save the file as UTF-8 (specs are read as UTF-8 text only)"),
            );
            return (file, parsed);
        }
    };

    let file = sources.add(path, text);
    let text = sources.get(file).text.as_str();
    if is_blank(text) {
        parsed.diagnostics.push(empty_file(file, format));
        return (file, parsed);
    }
    parsed = match format {
        Format::Yaml => yaml::parse(file, text, limits),
        Format::Json => json::parse(file, text, limits),
    };
    if parsed.documents.is_empty() && parsed.diagnostics.is_empty() {
        // Comments only (YAML): no document at all.
        parsed.diagnostics.push(empty_file(file, format));
    }
    // A parser stopping at the end of the text points past its final line break; every
    // renderer shows that as a line the file does not have.
    let source = sources.get(file);
    for diagnostic in &mut parsed.diagnostics {
        diagnostic.span = source.clamp_span(diagnostic.span);
        for label in &mut diagnostic.labels {
            label.span = source.clamp_span(label.span);
        }
    }
    (file, parsed)
}

/// [`load`], then every document read with `profile` (for files whose kind is known before
/// reading, such as Cloudify imports). The profile's findings join the file's diagnostics.
pub fn load_as(
    sources: &mut SourceMap,
    path: &str,
    bytes: Vec<u8>,
    format: Format,
    limits: &Limits,
    profile: Profile,
) -> (FileId, Parsed) {
    let (file, mut parsed) = load(sources, path, bytes, format, limits);
    let documents = std::mem::take(&mut parsed.documents);
    parsed.documents = documents
        .into_iter()
        .map(
            |document| match profile.apply(&document, &mut parsed.diagnostics) {
                std::borrow::Cow::Borrowed(_) => document,
                std::borrow::Cow::Owned(owned) => owned,
            },
        )
        .collect();
    (file, parsed)
}

/// Only whitespace and an optional byte-order mark.
fn is_blank(text: &str) -> bool {
    text.trim_start_matches('\u{FEFF}').trim().is_empty()
}

/// An empty YAML stream is valid YAML (a warning); an empty JSON text is not JSON (an error, as
/// lura's "unexpected end of JSON input").
fn empty_file(file: FileId, format: Format) -> Diagnostic {
    let span = Span::point(file, 0);
    match format {
        Format::Yaml => Diagnostic::warning(
            &codes::y::Y007,
            span,
            "file holds no document (it is empty or only comments); nothing in it is checked",
        ),
        Format::Json => Diagnostic::error(
            &codes::y::Y007,
            span,
            "file is empty; a JSON file must hold one value",
        )
        .with_peer("ParseError"),
    }
}
