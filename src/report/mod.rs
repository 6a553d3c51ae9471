//! Report renderers: one [`Diagnostic`](crate::diag::Diagnostic) type, many formats.
//!
//! `human` (miette's graphical output), `json` (our contract, see `json.rs`), `sarif` (2.1.0,
//! for code-scanning tools) and `github` (workflow-command annotations).

pub mod github;
pub mod graph;
pub mod html;
pub mod human;
pub mod json;
pub mod run;
pub mod sarif;
pub mod sweep;

use crate::diag::Diagnostic;
use crate::source::{LineCol, SourceMap};

/// Where a diagnostic sits, in the coordinates every renderer reports: 1-based lines, 1-based
/// character columns; the end is exclusive (the position just after the last character).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Location {
    pub start: LineCol,
    pub end: LineCol,
}

/// Where a diagnostic sits. A finding about the project as a whole (e.g. "no scenario" over
/// an empty project) may name no file of the map: it sits at 1:1.
/// A JSON document as every command prints it: pretty, with a final newline.
pub fn pretty_json(value: &serde_json::Value) -> String {
    // A `Value` always serialises: its keys are strings.
    let mut text = serde_json::to_string_pretty(value).expect("a JSON value serialises");
    text.push('\n');
    text
}

pub fn locate(sources: &SourceMap, diagnostic: &Diagnostic) -> Location {
    locate_span(sources, diagnostic.span)
}

pub fn locate_span(sources: &SourceMap, span: crate::source::Span) -> Location {
    match sources.try_get(span.file) {
        Some(file) => Location {
            start: file.line_col(span.start as usize),
            end: file.line_col(span.end as usize),
        },
        None => {
            let start = LineCol { line: 1, column: 1 };
            Location { start, end: start }
        }
    }
}

/// The path of a span's file, `None` when the span names no file of the map.
pub fn file_path(sources: &SourceMap, span: crate::source::Span) -> Option<&str> {
    sources.try_get(span.file).map(|f| f.path.as_str())
}

/// The output formats of `rehearse check`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
    Sarif,
    Github,
}

/// Renders a finished check in the chosen format.
pub fn render(format: Format, checked: &crate::check::Checked, color: bool) -> String {
    render_with(format, checked, color, false)
}

/// [`render`]; `verbose` lists the skipped files in human output (JSON always lists them).
pub fn render_with(
    format: Format,
    checked: &crate::check::Checked,
    color: bool,
    verbose: bool,
) -> String {
    match format {
        Format::Human => human::render_with(checked, color, verbose),
        Format::Json => json::render(checked),
        Format::Sarif => sarif::render(checked),
        Format::Github => github::render(checked),
    }
}
