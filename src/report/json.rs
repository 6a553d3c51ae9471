//! The JSON report of `rehearse check`. This shape is a contract that scripts and later tools
//! rely on: fields may be added, never renamed or removed.
//!
//! ```json
//! {"files": 1, "errors": 1, "warnings": 0, "diagnostics": [{"code": "V012",
//!  "severity": "error", "message": "…", "file": "path as given", "line": 3, "column": 5,
//!  "end_line": 3, "end_column": 9, "peer": "RouteWeightError", "help": "…"}],
//!  "skipped": 2, "skipped_files": [{"file": "ci.yml", "document": null,
//!  "reason": "a GitHub Actions workflow"}]}
//! ```
//! `files` counts the files checked as specs; `skipped` the files and documents read but not
//! treated as specs (`document` is the 1-based index of a skipped document in a file whose
//! other documents are specs, `null` for a whole file).
//! Lines and columns are 1-based; columns count characters; the end is exclusive. `file` is
//! `null` (at line 1, column 1) for a finding about the project as a whole, which no file holds.

use super::{file_path, locate, locate_span};
use crate::check::Checked;
use serde_json::{json, Value};

pub fn render(checked: &Checked) -> String {
    super::pretty_json(&to_value(checked))
}

pub fn to_value(checked: &Checked) -> Value {
    let diagnostics: Vec<Value> = checked
        .diagnostics
        .iter()
        .map(|d| {
            let at = locate(&checked.sources, d);
            let labels: Vec<Value> = d
                .labels
                .iter()
                .map(|l| {
                    let at = locate_span(&checked.sources, l.span);
                    json!({
                        "message": l.message,
                        "file": file_path(&checked.sources, l.span),
                        "line": at.start.line,
                        "column": at.start.column,
                        "end_line": at.end.line,
                        "end_column": at.end.column,
                    })
                })
                .collect();
            json!({
                "code": d.code.id,
                "severity": d.severity.as_str(),
                "message": d.message,
                "file": file_path(&checked.sources, d.span),
                "line": at.start.line,
                "column": at.start.column,
                "end_line": at.end.line,
                "end_column": at.end.column,
                "peer": d.peer,
                "help": d.help,
                "labels": labels,
            })
        })
        .collect();
    let skipped: Vec<Value> = checked
        .skipped
        .iter()
        .map(|s| json!({"file": s.path, "document": s.document, "reason": s.reason}))
        .collect();
    json!({
        "files": checked.files,
        "errors": checked.errors(),
        "warnings": checked.warnings(),
        "diagnostics": diagnostics,
        "skipped": checked.skipped.len(),
        "skipped_files": skipped,
    })
}
