//! Diagnostics: one type for every finding of every phase, with a stable code.
//!
//! A diagnostic always has a primary span: even a file-level problem (binary content, invalid
//! UTF-8) points at the byte where it was found. Renderers live in `crate::report`.

pub mod codes;

use crate::source::Span;
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A stable diagnostic code with its documentation. Codes are declared once, in
/// `diag/codes/<family>.rs`, and never renumbered: users put them in configs and scripts.
#[derive(Debug, PartialEq, Eq)]
pub struct Code {
    /// `Y001`, `V012`, ...
    pub id: &'static str,
    /// A short kebab-case name, e.g. `duplicate-key`.
    pub name: &'static str,
    /// The long explanation printed by `rehearse explain`.
    pub explanation: &'static str,
}

impl Code {
    /// The explanation as prose: doc-comment lines without their leading space.
    pub fn explanation_text(&self) -> String {
        self.explanation
            .lines()
            .map(|l| l.strip_prefix(' ').unwrap_or(l))
            .collect::<Vec<_>>()
            .join("\n")
            .trim()
            .to_string()
    }

    /// The first sentence of the explanation, for one-line listings.
    pub fn summary(&self) -> String {
        let text = self.explanation_text().replace('\n', " ");
        match text.find(". ") {
            Some(end) => text[..=end].to_string(),
            None => text,
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id)
    }
}

/// A secondary span with its own message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: &'static Code,
    pub severity: Severity,
    pub message: String,
    pub span: Span,
    /// What to say at the primary span (defaults to nothing beyond the message).
    pub span_label: Option<String>,
    pub labels: Vec<Label>,
    pub help: Option<String>,
    /// The peer tool's own identifier for the same finding (Vamp's error class name,
    /// Cloudify's numeric code, lura's error name), so its users recognise it.
    pub peer: Option<String>,
}

impl Diagnostic {
    pub fn new(
        code: &'static Code,
        severity: Severity,
        span: Span,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic {
            code,
            severity,
            message: message.into(),
            span,
            span_label: None,
            labels: Vec::new(),
            help: None,
            peer: None,
        }
    }

    pub fn error(code: &'static Code, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(code, Severity::Error, span, message)
    }

    pub fn warning(code: &'static Code, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(code, Severity::Warning, span, message)
    }

    pub fn with_span_label(mut self, text: impl Into<String>) -> Diagnostic {
        self.span_label = Some(text.into());
        self
    }

    pub fn with_label(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.labels.push(Label {
            span,
            message: message.into(),
        });
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    pub fn with_peer(mut self, peer: impl Into<String>) -> Diagnostic {
        self.peer = Some(peer.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// The order reports use: by file, position, then code, so output never depends on the
    /// order in which checks ran.
    pub fn sort_key(&self) -> impl Ord + '_ {
        (
            self.span.file,
            self.span.start,
            self.span.end,
            self.code.id,
            &self.message,
        )
    }
}

/// Sorts and removes exact duplicates (two phases may find the same thing at the same place).
pub fn normalize(diagnostics: &mut Vec<Diagnostic>) {
    diagnostics.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    diagnostics.dedup();
}
