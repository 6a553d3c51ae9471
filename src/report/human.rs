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
    let view = View {
        diagnostic,
        source: NamedText {
            name: &file.path,
            text: &file.text,
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

/// Which peer a code family's `peer` names.
fn peer_tool(code: &str) -> &'static str {
    match code.as_bytes().first() {
        Some(b'V') => "Vamp",
        Some(b'C') => "Cloudify",
        Some(b'K') => "KrakenD (lura)",
        _ => "the peer",
    }
}

/// A file's text under its path, as miette wants it.
struct NamedText<'a> {
    name: &'a str,
    text: &'a str,
}

impl SourceCode for NamedText<'_> {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let inner = self.text.read_span(span, before, after)?;
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.to_string(),
            inner.data(),
            *inner.span(),
            inner.line(),
            inner.column(),
            inner.line_count(),
        )))
    }
}

/// Our diagnostic seen through miette's trait.
struct View<'a> {
    diagnostic: &'a Diagnostic,
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
            .map(|p| format!("{} reports this as {p}", peer_tool(d.code.id)));
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
        let primary = LabeledSpan::new_primary_with_span(
            d.span_label.clone(),
            (d.span.start as usize, d.span.len()),
        );
        // Labels in other files cannot be shown in this excerpt; JSON and SARIF keep them.
        let others = d
            .labels
            .iter()
            .filter(|l| l.span.file == d.span.file)
            .map(|l| {
                LabeledSpan::new_with_span(
                    Some(l.message.clone()),
                    (l.span.start as usize, l.span.len()),
                )
            });
        Some(Box::new(std::iter::once(primary).chain(others)))
    }
}
