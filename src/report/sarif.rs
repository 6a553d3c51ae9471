//! SARIF 2.1.0 for code-scanning tools. Rule ids are our stable codes; columns are counted in
//! Unicode code points (declared with `columnKind`).

use super::{file_path, locate, locate_span};
use crate::check::Checked;
use crate::diag::{Code, Severity};
use serde_json::{json, Value};
use std::collections::BTreeMap;

pub fn render(checked: &Checked) -> String {
    super::pretty_json(&to_value(checked))
}

pub fn to_value(checked: &Checked) -> Value {
    // Rules: the codes that occur, in id order, so indices are stable for equal input.
    let used: BTreeMap<&str, &Code> = checked
        .diagnostics
        .iter()
        .map(|d| (d.code.id, d.code))
        .collect();
    let index: BTreeMap<&str, usize> = used.keys().enumerate().map(|(i, k)| (*k, i)).collect();
    let rules: Vec<Value> = used
        .values()
        .map(|code| {
            json!({
                "id": code.id,
                "name": code.name,
                "shortDescription": { "text": code.summary() },
                "fullDescription": { "text": code.explanation_text() },
                "help": { "text": format!("rehearse explain {}", code.id) },
            })
        })
        .collect();
    let results: Vec<Value> = checked
        .diagnostics
        .iter()
        .map(|d| {
            let at = locate(&checked.sources, d);
            let mut text = d.message.clone();
            if let Some(help) = &d.help {
                text.push_str("\nhelp: ");
                text.push_str(help);
            }
            let related: Vec<Value> = d
                .labels
                .iter()
                .enumerate()
                .filter_map(|(i, l)| {
                    let uri = file_path(&checked.sources, l.span)?;
                    let at = locate_span(&checked.sources, l.span);
                    let (s, e) = (at.start, at.end);
                    Some(json!({
                        "id": i,
                        "message": { "text": l.message },
                        "physicalLocation": {
                            "artifactLocation": { "uri": uri },
                            "region": {
                                "startLine": s.line, "startColumn": s.column,
                                "endLine": e.line, "endColumn": e.column,
                            }
                        }
                    }))
                })
                .collect();
            let mut result = json!({
                "ruleId": d.code.id,
                "ruleIndex": index[d.code.id],
                "level": match d.severity { Severity::Error => "error", Severity::Warning => "warning" },
                "message": { "text": text },
            });
            // A finding no file holds (about the project as a whole) has no location.
            if let Some(uri) = file_path(&checked.sources, d.span) {
                result["locations"] = json!([{
                    "physicalLocation": {
                        "artifactLocation": { "uri": uri },
                        "region": {
                            "startLine": at.start.line, "startColumn": at.start.column,
                            "endLine": at.end.line, "endColumn": at.end.column,
                        }
                    }
                }]);
            }
            if !related.is_empty() {
                result["relatedLocations"] = Value::Array(related);
            }
            if let Some(peer) = &d.peer {
                result["properties"] = json!({ "peer": peer });
            }
            result
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "rehearse",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    })
}
