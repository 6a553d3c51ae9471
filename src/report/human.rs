//! Human output: miette's graphical rendering of each diagnostic, then a one-line summary.

use crate::check::Checked;
use crate::diag::{Diagnostic, Severity};
use crate::source::SourceMap;
use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    SourceCode, SourceSpan, SpanContents,
};
use std::fmt;

/// Renders every diagnostic and a summary line. `color` selects ANSI styling; snapshots and
/// pipes use plain text.
pub fn render(checked: &Checked, color: bool) -> String {
    render_with(checked, color, false)
}

/// [`render`], and with `verbose` the files and documents skipped as not specs, each with why.
pub fn render_with(checked: &Checked, color: bool, verbose: bool) -> String {
    let mut out = String::new();
    for diagnostic in &checked.diagnostics {
        out.push_str(&render_one(&checked.sources, diagnostic, color));
        out.push('\n');
    }
    if verbose {
        for skipped in &checked.skipped {
            match skipped.document {
                Some(n) => out.push_str(&format!(
                    "skipped {} (document {n}): {}\n",
                    skipped.path, skipped.reason
                )),
                None => out.push_str(&format!("skipped {}: {}\n", skipped.path, skipped.reason)),
            }
        }
    }
    out.push_str(&summary(checked));
    out.push('\n');
    out
}

/// One diagnostic, rendered with its source excerpt.
pub fn render_one(sources: &SourceMap, diagnostic: &Diagnostic, color: bool) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_links(false)
        .with_width(100);
    let Some(file) = sources.try_get(diagnostic.span.file) else {
        // A finding about the project as a whole (e.g. "no scenario") has no file to show.
        return format!(
            "  {} {}: {}\n",
            if diagnostic.is_error() { "×" } else { "⚠" },
            diagnostic.code.id,
            diagnostic.message
        );
    };
    // Spans past the end of the text (or inside a character) are clamped: miette panics on them.
    let clamp = |o: u32| floor_char_boundary(&file.text, (o as usize).min(file.text.len()));
    let mut spans = vec![(clamp(diagnostic.span.start), clamp(diagnostic.span.end))];
    spans.extend(
        diagnostic
            .labels
            .iter()
            .filter(|l| l.span.file == diagnostic.span.file)
            .map(|l| (clamp(l.span.start), clamp(l.span.end))),
    );
    for span in &mut spans {
        span.1 = span.1.max(span.0);
    }
    let excerpt = Excerpt::around(&file.text, &spans);
    let view = View {
        diagnostic,
        spans: excerpt.as_ref().map_or(spans.clone(), |e| e.spans.clone()),
        source: match &excerpt {
            None => NamedText {
                name: &file.path,
                text: &file.text,
                first_line: 0,
                columns: &[],
            },
            Some(e) => NamedText {
                name: &file.path,
                text: &e.text,
                first_line: e.first_line,
                columns: &e.columns,
            },
        },
    };
    let mut out = String::new();
    if handler.render_report(&mut out, &view).is_err() {
        // The handler only fails on a span outside the text, which is a bug of ours; still
        // say what was found rather than nothing.
        out = format!(
            "{}[{}]: {} ({})\n",
            diagnostic.severity, diagnostic.code.id, diagnostic.message, file.path
        );
    }
    out
}

fn summary(checked: &Checked) -> String {
    let (errors, warnings) = (checked.errors(), checked.warnings());
    let files = checked.files;
    let plural = |n: usize, word: &str| {
        if n == 1 {
            format!("{n} {word}")
        } else {
            format!("{n} {word}s")
        }
    };
    let checked_files = if checked.skipped.is_empty() {
        plural(files, "file")
    } else {
        format!(
            "{} ({} skipped as not specs)",
            plural(files, "file"),
            checked.skipped.len()
        )
    };
    if errors == 0 && warnings == 0 {
        format!("checked {checked_files}: no problems")
    } else {
        format!(
            "checked {checked_files}: {}, {}",
            plural(errors, "error"),
            plural(warnings, "warning")
        )
    }
}

/// Which tool a diagnostic's `peer` text comes from: the code family's runtime, or for
/// syntax and project-wide codes (Y, X) the reader whose message it is.
fn peer_tool(code: &str, peer: &str) -> &'static str {
    match code.as_bytes().first() {
        Some(b'V') => "Vamp",
        Some(b'C') => "Cloudify",
        Some(b'K') => "KrakenD (lura)",
        Some(b'R') => "Argo Rollouts",
        Some(b'F') => "Flagger",
        _ => match peer {
            // Vamp reads YAML with SnakeYAML and names the failure so.
            "YamlParsingError" => "Vamp",
            // lura's config.ParseError wraps Go's JSON and YAML readers' errors.
            "ParseError" => "KrakenD (lura)",
            // gopkg.in/yaml.v3's message, as KrakenD and kubectl print it.
            "mapping key already defined" => "Go's YAML reader (KrakenD, kubectl)",
            _ => "the YAML loader",
        },
    }
}

/// Lines longer than this (in bytes) are shown as a window around the span: miette panics
/// when a column passes 65 535, and a megabyte-long line helps no reader anyway.
const LONG_LINE: usize = 400;
/// Bytes of context kept on each side of a span in a window.
const WINDOW_CONTEXT: usize = 60;
/// Most bytes of one line a window shows.
const WINDOW_MAX: usize = 240;
const ELLIPSIS: &str = "…";

/// The lines around a diagnostic's spans with long lines cut to a window around the span, and
/// the spans moved into the excerpt's coordinates.
struct Excerpt {
    text: String,
    /// 0-based line number of the excerpt's first line in the file.
    first_line: usize,
    /// Per excerpt line: (byte offset of the line in the excerpt, bytes of the file line cut
    /// off before the window, bytes of the leading ellipsis), to report real columns.
    columns: Vec<(usize, usize, usize)>,
    /// The diagnostic's spans, primary first, in excerpt offsets.
    spans: Vec<(usize, usize)>,
}

impl Excerpt {
    /// `None` when every line near the spans is short: the file is shown as it is.
    fn around(text: &str, spans: &[(usize, usize)]) -> Option<Excerpt> {
        let clamp = |o: usize| floor_char_boundary(text, o.min(text.len()));
        let spans: Vec<(usize, usize)> = spans
            .iter()
            .map(|&(s, e)| (clamp(s), clamp(e.max(s))))
            .collect();
        let line_start = |o: usize| text[..o].rfind('\n').map_or(0, |i| i + 1);
        let line_end = |o: usize| text[o..].find('\n').map_or(text.len(), |i| o + i);
        // One line of context before the first span and after the last, as miette shows.
        let lo = spans.iter().map(|s| s.0).min().unwrap_or(0);
        let hi = spans.iter().map(|s| s.1).max().unwrap_or(0);
        let mut first = line_start(lo);
        if first > 0 {
            first = line_start(first - 1);
        }
        let mut last = line_end(hi);
        if last < text.len() {
            last = line_end(last + 1);
        }
        let region = &text[first..last];
        if region.split('\n').all(|line| line.len() <= LONG_LINE) {
            return None;
        }
        let first_line = text[..first].bytes().filter(|&b| b == b'\n').count();
        let mut excerpt = Excerpt {
            text: String::new(),
            first_line,
            columns: Vec::new(),
            spans: vec![(0, 0); spans.len()],
        };
        let mut line_at = first;
        for line in region.split('\n') {
            let line_stop = line_at + line.len();
            // The window centres on the first span boundary on this line, if any.
            let anchor = spans
                .iter()
                .flat_map(|&(s, e)| [s, e])
                .find(|&o| o >= line_at && o <= line_stop);
            let (window_start, window_end) = if line.len() <= LONG_LINE {
                (line_at, line_stop)
            } else {
                let start =
                    anchor.map_or(line_at, |a| a.saturating_sub(WINDOW_CONTEXT).max(line_at));
                let end = (start + WINDOW_MAX).min(line_stop);
                (
                    floor_char_boundary(text, start),
                    floor_char_boundary(text, end),
                )
            };
            let excerpt_line = excerpt.text.len();
            let prefix = if window_start > line_at { ELLIPSIS } else { "" };
            excerpt.text.push_str(prefix);
            let body = excerpt.text.len();
            excerpt.text.push_str(&text[window_start..window_end]);
            if window_end < line_stop {
                excerpt.text.push_str(ELLIPSIS);
            }
            excerpt
                .columns
                .push((excerpt_line, window_start - line_at, prefix.len()));
            for (i, &(s, e)) in spans.iter().enumerate() {
                let map = |o: usize| body + o.clamp(window_start, window_end) - window_start;
                if s >= line_at && s <= line_stop {
                    excerpt.spans[i].0 = map(s);
                }
                if e >= line_at && e <= line_stop {
                    excerpt.spans[i].1 = map(e);
                }
            }
            if line_stop < last {
                excerpt.text.push('\n');
            }
            line_at = line_stop + 1;
        }
        for span in &mut excerpt.spans {
            span.1 = span.1.max(span.0);
        }
        Some(excerpt)
    }
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// A file's text (or an excerpt of it) under its path, as miette wants it.
struct NamedText<'a> {
    name: &'a str,
    text: &'a str,
    /// For an excerpt: its first line's number in the file, and its lines' column shifts
    /// (see [`Excerpt::columns`]); zero and empty for a whole file.
    first_line: usize,
    columns: &'a [(usize, usize, usize)],
}

impl SourceCode for NamedText<'_> {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let inner = self.text.read_span(span, before, after)?;
        // In an excerpt, the header's line and column are the file's, not the excerpt's.
        let column = match self.columns.get(inner.line()) {
            Some(&(_, cut, prefix)) => inner.column().saturating_sub(prefix) + cut,
            None => inner.column(),
        };
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.to_string(),
            inner.data(),
            *inner.span(),
            inner.line() + self.first_line,
            column,
            inner.line_count(),
        )))
    }
}

/// Our diagnostic seen through miette's trait.
struct View<'a> {
    diagnostic: &'a Diagnostic,
    /// Byte ranges of the primary span then the same-file labels, in `source`'s coordinates.
    spans: Vec<(usize, usize)>,
    source: NamedText<'a>,
}

impl fmt::Debug for View<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.diagnostic, f)
    }
}

/// The headline: `V022: message`. miette would print the code on a line of its own above the
/// message; beside it, it reads like the compilers and linters users know.
impl fmt::Display for View<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}",
            self.diagnostic.code.id, self.diagnostic.message
        )
    }
}

impl std::error::Error for View<'_> {}

impl miette::Diagnostic for View<'_> {
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diagnostic.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        let d = self.diagnostic;
        let peer = d
            .peer
            .as_ref()
            .map(|p| format!("{} reports this as {p}", peer_tool(d.code.id, p)));
        match (&d.help, peer) {
            (None, None) => None,
            (Some(h), None) => Some(Box::new(h.clone())),
            (None, Some(p)) => Some(Box::new(p)),
            (Some(h), Some(p)) => Some(Box::new(format!("{h}\n{p}"))),
        }
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let d = self.diagnostic;
        let span = |(start, end): (usize, usize)| (start, end - start);
        let primary = LabeledSpan::new_primary_with_span(d.span_label.clone(), span(self.spans[0]));
        // Labels in other files cannot be shown in this excerpt; JSON and SARIF keep them.
        let others = d
            .labels
            .iter()
            .filter(|l| l.span.file == d.span.file)
            .zip(&self.spans[1..])
            .map(move |(l, &s)| LabeledSpan::new_with_span(Some(l.message.clone()), span(s)));
        Some(Box::new(std::iter::once(primary).chain(others)))
    }
}
