//! Report renderers: one [`Diagnostic`](crate::diag::Diagnostic) type, many formats.
//!
//! `human` (miette's graphical output), `json` (our contract, see `json.rs`), `sarif` (2.1.0,
//! for code-scanning tools) and `github` (workflow-command annotations).

pub mod github;
pub mod human;
pub mod json;
pub mod run;
pub mod sarif;

use crate::diag::Diagnostic;
use crate::source::{LineCol, SourceMap};

/// Where a diagnostic sits, in the coordinates every renderer reports: 1-based lines, 1-based
/// character columns; the end is exclusive (the position just after the last character).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Location {
    pub start: LineCol,
    pub end: LineCol,
}

pub fn locate(sources: &SourceMap, diagnostic: &Diagnostic) -> Location {
    let file = sources.get(diagnostic.span.file);
    Location {
        start: file.line_col(diagnostic.span.start as usize),
        end: file.line_col(diagnostic.span.end as usize),
    }
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
