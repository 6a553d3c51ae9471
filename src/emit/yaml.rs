//! A small block-style YAML writer for emitted documents (Kubernetes objects, Vamp artifacts).
//!
//! Keys keep the order of the `serde_json` map (insertion order): the emitter decides it.
//! Every string value is written double-quoted with JSON escapes, which YAML 1.1 and 1.2 read
//! the same way, so no value can turn into a boolean, a number or a null on the way back
//! (`"yes"`, `"1.10"`, `"~"`). Keys are written plain only when they are plainly safe.

use serde_json::Value;

/// Documents separated by `---`, each preceded by its comment lines (without `# `).
pub fn stream(documents: &[(Vec<String>, Value)]) -> String {
    let mut out = String::new();
    for (comments, value) in documents {
        out.push_str("---\n");
        for line in comments {
            out.push_str("# ");
            out.push_str(line);
            out.push('\n');
        }
        write_block(&mut out, value, 0);
    }
    out
}

/// YAML limits an implicit (`key: value`) key to 1024 characters, `:` included; a longer
/// key must be written in the explicit form.
const IMPLICIT_KEY_LIMIT: usize = 1000;

/// A key as YAML: plain when it is a simple word, else JSON-quoted.
fn key(text: &str) -> String {
    let plain = text
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/'))
        && !matches!(
            text.to_ascii_lowercase().as_str(),
            "y" | "n" | "yes" | "no" | "on" | "off" | "true" | "false" | "null"
        );
    if plain {
        text.to_string()
    } else {
        quote(text)
    }
}

/// `text` as a double-quoted scalar that YAML 1.1, YAML 1.2 and JSON read back unchanged:
/// JSON's escapes, plus `\uXXXX` for what YAML may not hold raw in a quoted scalar (DEL, the
/// C1 controls, a byte-order mark, noncharacters) or reads as a line break and folds (NEL,
/// U+2028, U+2029).
pub fn quote(text: &str) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\u{0}'..='\u{1f}'
            | '\u{7f}'..='\u{9f}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{feff}'
            | '\u{fffe}'
            | '\u{ffff}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A scalar (or an empty collection) on one line.
fn scalar(value: &Value) -> String {
    match value {
        Value::Array(a) if a.is_empty() => "[]".into(),
        Value::Object(o) if o.is_empty() => "{}".into(),
        Value::String(text) => quote(text),
        other => other.to_string(),
    }
}

fn is_block(value: &Value) -> bool {
    match value {
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
        _ => false,
    }
}

fn write_block(out: &mut String, value: &Value, indent: usize) {
    let pad = " ".repeat(indent);
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (k, v) in map {
                out.push_str(&pad);
                let written = key(k);
                if written.chars().count() > IMPLICIT_KEY_LIMIT {
                    // `? key` / `: value`: the explicit form has no length limit.
                    out.push_str("? ");
                    out.push_str(&written);
                    out.push('\n');
                    out.push_str(&pad);
                    if is_block(v) {
                        out.push_str(":\n");
                        write_block(out, v, indent + 2);
                    } else {
                        out.push_str(": ");
                        out.push_str(&scalar(v));
                        out.push('\n');
                    }
                    continue;
                }
                out.push_str(&written);
                if is_block(v) {
                    out.push_str(":\n");
                    // Sequences sit at the key's column, mappings one level in.
                    let inner = if v.is_array() { indent } else { indent + 2 };
                    write_block(out, v, inner);
                } else {
                    out.push_str(": ");
                    out.push_str(&scalar(v));
                    out.push('\n');
                }
            }
        }
        Value::Array(items) if !items.is_empty() => {
            for item in items {
                out.push_str(&pad);
                out.push_str("- ");
                if is_block(item) {
                    // The first line follows the dash; the rest is indented past it.
                    let mut inner = String::new();
                    write_block(&mut inner, item, indent + 2);
                    out.push_str(inner.trim_start());
                } else {
                    out.push_str(&scalar(item));
                    out.push('\n');
                }
            }
        }
        other => {
            out.push_str(&pad);
            out.push_str(&scalar(other));
            out.push('\n');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn long_keys_are_explicit() {
        let long = "k".repeat(2000);
        let text = stream(&[(
            vec![],
            json!({ long.clone(): {"a": [1]}, "short": [{ long.clone(): 2 }] }),
        )]);
        assert_eq!(
            text,
            format!("---\n? {long}\n:\n  a:\n  - 1\nshort:\n- ? {long}\n  : 2\n")
        );
    }

    #[test]
    fn nested_blocks_and_quoted_strings() {
        let text = stream(&[(
            vec!["a comment".into()],
            json!({"kind": "x", "list": [{"a": 1, "b": ["yes", "no"]}, 2], "empty": {}, "odd key": true}),
        )]);
        assert_eq!(
            text,
            "---\n# a comment\nkind: \"x\"\nlist:\n- a: 1\n  b:\n  - \"yes\"\n  - \"no\"\n- 2\nempty: {}\n\"odd key\": true\n"
        );
    }
}
