//! GitHub Actions workflow commands: one `::error …::message` line per diagnostic, which the
//! runner turns into annotations on the pull request.

use super::{file_path, locate};
use crate::check::Checked;
use crate::diag::Severity;

pub fn render(checked: &Checked) -> String {
    let mut out = String::new();
    for d in &checked.diagnostics {
        let at = locate(&checked.sources, d);
        let command = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut message = d.message.clone();
        if let Some(help) = &d.help {
            message.push_str("\nhelp: ");
            message.push_str(help);
        }
        // A finding no file holds is annotated on the run, not on a file.
        let place = match file_path(&checked.sources, d.span) {
            Some(file) => format!(
                "file={},line={},col={},endLine={},endColumn={},",
                escape_property(file),
                at.start.line,
                at.start.column,
                at.end.line,
                at.end.column,
            ),
            None => String::new(),
        };
        out.push_str(&format!(
            "::{command} {place}title={}::{}\n",
            escape_property(d.code.id),
            escape_data(&message),
        ));
    }
    out
}

/// Message text: `%`, CR and LF must be percent-encoded.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Property values additionally escape `:` and `,`, which delimit properties.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_workflow_command_syntax() {
        assert_eq!(escape_data("50% a\nb"), "50%25 a%0Ab");
        assert_eq!(escape_property("a:b,c"), "a%3Ab%2Cc");
    }
}
