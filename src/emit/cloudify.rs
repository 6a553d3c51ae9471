//! `--target cloudify`: each main blueprint as one normalized file, `<source stem>.yaml`.
//!
//! Local imports are inlined (merged by Cloudify's rules when the blueprint was checked:
//! [`Inlined`]); Cloudify's types.yaml URLs and plugin imports stay imports, as written, since
//! the manager resolves them; intrinsic functions stay as written. Cloudify's parser reads the
//! result into the same plan as the source (tests/emit_cloudify.rs asks the parser itself).
//!
//! Layout: the top-level keys in the merged order, each section's entries one a line, every
//! value in flow style with strings double-quoted and escaped to ASCII, so PyYAML's YAML 1.1
//! reading (`yes`, `1_000`, `1e3`, sexagesimals, ...) cannot turn a value into another type.

use super::{Document, Emitted, Options};
use crate::ir::cloudify::Inlined;
use crate::ir::Project;
use crate::syntax::{Node, Value};
use std::fmt::Write as _;

pub fn emit(project: &Project, options: &Options) -> Emitted {
    let documents: Vec<Document> = project
        .cloudify
        .iter()
        .filter(|b| options.in_scope(b.span.file))
        .filter_map(|b| b.inlined.as_ref())
        .map(|inlined| Document {
            name: format!("{}.yaml", inlined.stem),
            text: render(inlined),
        })
        .collect();
    if documents.is_empty() {
        return Emitted {
            nothing: Some("the project has no Cloudify blueprint".into()),
            ..Emitted::default()
        };
    }
    Emitted {
        documents,
        ..Emitted::default()
    }
}

/// The blueprint as YAML text.
pub fn render(inlined: &Inlined) -> String {
    let mut out = String::new();
    for (key, value) in inlined.document.iter() {
        if key.as_str() == Some("imports") {
            if !inlined.imports.is_empty() {
                out.push_str("imports:\n");
                for import in &inlined.imports {
                    out.push_str("  - ");
                    quoted(import, &mut out);
                    out.push('\n');
                }
            }
            continue;
        }
        flow(key, &mut out);
        match &value.value {
            Value::Map(entries) if !entries.is_empty() => {
                out.push_str(":\n");
                for (name, item) in entries.iter() {
                    out.push_str("  ");
                    flow(name, &mut out);
                    out.push_str(": ");
                    flow(item, &mut out);
                    out.push('\n');
                }
            }
            _ => {
                out.push_str(": ");
                flow(value, &mut out);
                out.push('\n');
            }
        }
    }
    out
}

/// A value in flow style, read back by PyYAML as the same value.
fn flow(node: &Node, out: &mut String) {
    match &node.value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Float(f, _) => float(*f, out),
        Value::Str(s) if plain_safe(s) => out.push_str(s),
        Value::Str(s) => quoted(s, out),
        Value::Seq(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                flow(item, out);
            }
            out.push(']');
        }
        Value::Map(map) => {
            out.push('{');
            for (i, (key, value)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                flow(key, out);
                out.push_str(": ");
                flow(value, out);
            }
            out.push('}');
        }
    }
}

/// A float as YAML 1.1 writes one: a dot always, a signed exponent (PyYAML reads `1e5` as a
/// string). Rust's shortest round-trip digits give Python the same double.
fn float(f: f64, out: &mut String) {
    if f.is_nan() {
        out.push_str(".nan");
        return;
    }
    if f.is_infinite() {
        out.push_str(if f > 0.0 { ".inf" } else { "-.inf" });
        return;
    }
    let text = format!("{f:?}");
    match text.split_once('e') {
        Some((mantissa, exponent)) => {
            out.push_str(mantissa);
            if !mantissa.contains('.') {
                out.push_str(".0");
            }
            out.push('e');
            if !exponent.starts_with('-') {
                out.push('+');
            }
            out.push_str(exponent);
        }
        None => out.push_str(&text),
    }
}

/// Whether a string can be written plain: a name (`cloudify.nodes.Compute`, `get_input`,
/// `cloudify_dsl_1_3`) that YAML 1.1 reads as that string. The oracle script finds the DSL
/// version with a regular expression on the plain text, so the version must stay plain.
fn plain_safe(s: &str) -> bool {
    const SPECIAL: [&str; 12] = [
        "y", "n", "yes", "no", "on", "off", "true", "false", "null", "nan", "inf", "none",
    ];
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
        && !SPECIAL.contains(&s.to_ascii_lowercase().as_str())
}

/// A double-quoted string: printable ASCII as is, everything else escaped (YAML 1.1 would
/// fold U+0085 or U+2028 as line breaks).
fn quoted(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            ' '..='~' => out.push(c),
            c if (c as u32) <= 0xFFFF => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => {
                let _ = write!(out, "\\U{:08X}", c as u32);
            }
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn float_text(f: f64) -> String {
        let mut out = String::new();
        float(f, &mut out);
        out
    }

    #[test]
    fn floats_keep_yaml_1_1_float_syntax() {
        assert_eq!(float_text(1.0), "1.0");
        assert_eq!(float_text(0.5), "0.5");
        assert_eq!(float_text(1e300), "1.0e+300");
        assert_eq!(float_text(-2.5e-7), "-2.5e-7");
        assert_eq!(float_text(f64::NEG_INFINITY), "-.inf");
    }

    #[test]
    fn strings_are_quoted_and_escaped() {
        let mut out = String::new();
        quoted("yes \"x\"\\ é\u{2028}\n", &mut out);
        assert_eq!(out, "\"yes \\\"x\\\"\\\\ \\u00E9\\u2028\\n\"");
        assert!(plain_safe("cloudify.nodes.Compute") && plain_safe("cloudify_dsl_1_3"));
        assert!(!plain_safe("yes") && !plain_safe("On") && !plain_safe("1_0") && !plain_safe(""));
        assert!(!plain_safe("a b") && !plain_safe("a:b") && !plain_safe(".inf"));
    }
}
