//! The type conversion KrakenD CE applies when it decodes a config into lura's structs.
//!
//! KrakenD CE reads its config with viper (up to 2.11: `viper.Unmarshal`, whose
//! `defaultDecoderConfig` sets `WeaklyTypedInput: true` and the hooks
//! `StringToTimeDurationHookFunc()` + `StringToSliceHookFunc(",")`) and since 2.12 with
//! krakend-koanf (`koanf.UnmarshalWithConf`, same decoder settings). Both hand the data to
//! mapstructure, whose `DecoderConfig.WeaklyTypedInput` documentation lists the conversions
//! modelled here (mapstructure `decode.go`: `decodeInt`, `decodeBool`, `decodeString`,
//! `decodeSlice`):
//! - to an int: bools (true = 1), strings parsed by `strconv.ParseInt(s, 0, 64)` (`""` = 0),
//!   floats truncated;
//! - to a bool: numbers (≠ 0), strings parsed by `strconv.ParseBool` (`""` = false);
//! - to a string: bools ("1"/"0"), numbers in base 10;
//! - to a list of strings: a string is split on `,` (the hook; `""` is an empty list), any other
//!   single value becomes a one-element list, an empty object an empty list.
//!
//! Only the keys lura declares are decoded this way; `extra_config` stays raw data that each
//! component reads on its own.

use crate::source::Span;
use crate::syntax::{Node, Value};

/// What the decoder makes of a value.
#[derive(Clone, Debug, PartialEq)]
pub enum Weak<T> {
    /// The value has the type lura declares.
    Exact(T),
    /// The decoder converts it; `written` names what was written ("a string", …).
    Converted { value: T, written: &'static str },
    /// The decoder refuses it, with mapstructure's message.
    Refused(String),
}

fn written(node: &Node) -> &'static str {
    match node.value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Int(_) | Value::Float(..) => "a number",
        Value::Str(_) => "a string",
        Value::Seq(_) => "a list",
        Value::Map(_) => "an object",
    }
}

/// Go's type name for a decoded JSON value, as mapstructure prints it.
pub fn go_type(node: &Node) -> &'static str {
    match node.value {
        Value::Null => "<nil>",
        Value::Bool(_) => "bool",
        Value::Int(_) | Value::Float(..) => "float64",
        Value::Str(_) => "string",
        Value::Seq(_) => "[]interface {}",
        Value::Map(_) => "map[string]interface {}",
    }
}

/// Go's `%v` of a decoded JSON value (maps print with sorted keys).
pub fn go_value(node: &Node) -> String {
    match &node.value {
        Value::Null => "<nil>".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f, _) => go_float(*f),
        Value::Str(s) => s.clone(),
        Value::Seq(items) => {
            let parts: Vec<String> = items.iter().map(go_value).collect();
            format!("[{}]", parts.join(" "))
        }
        Value::Map(map) => {
            let mut parts: Vec<(String, String)> = map
                .iter()
                .map(|(k, v)| (k.key_text().unwrap_or_default(), go_value(v)))
                .collect();
            parts.sort();
            let parts: Vec<String> = parts.into_iter().map(|(k, v)| format!("{k}:{v}")).collect();
            format!("map[{}]", parts.join(" "))
        }
    }
}

/// Go's `%v` of a float64: `strconv.FormatFloat(f, 'g', -1, 64)`, whose shortest form switches
/// to an exponent when the exponent is below -4 or at least 6 (strconv `ftoa.go`: "if precision
/// was the shortest possible, use precision 6 for this decision"), e.g. `8080`, `0.5`, `1e+06`.
pub fn go_float(f: f64) -> String {
    if f.is_nan() {
        return "NaN".to_string();
    }
    if f.is_infinite() {
        return if f > 0.0 { "+Inf" } else { "-Inf" }.to_string();
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0" } else { "0" }.to_string();
    }
    // Shortest round-trip digits and the decimal exponent, from Rust's `{:e}`.
    let sci = format!("{:e}", f.abs());
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let sign = if f < 0.0 { "-" } else { "" };
    if !(-4..6).contains(&exponent) {
        let (first, rest) = digits.split_at(1);
        let fraction = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        let exp_sign = if exponent < 0 { '-' } else { '+' };
        return format!("{sign}{first}{fraction}e{exp_sign}{:02}", exponent.abs());
    }
    format!("{sign}{}", f.abs())
}

fn unconvertible(name: &str, node: &Node, want: &str) -> String {
    format!(
        "'{name}' expected type '{want}', got unconvertible type '{}', value: '{}'",
        go_type(node),
        go_value(node)
    )
}

/// Go's `strconv.ParseInt(text, 0, 64)`: an optional sign, then decimal, `0x`, `0o`, `0b` or a
/// leading-`0` octal number; underscores only after a base prefix.
pub fn go_parse_int(text: &str) -> Option<i64> {
    let (negative, body) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let lower = body.to_ascii_lowercase();
    let (radix, digits, prefixed) = if let Some(rest) = lower.strip_prefix("0x") {
        (16, rest.to_string(), true)
    } else if let Some(rest) = lower.strip_prefix("0o") {
        (8, rest.to_string(), true)
    } else if let Some(rest) = lower.strip_prefix("0b") {
        (2, rest.to_string(), true)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, lower[1..].to_string(), true)
    } else {
        (10, lower.clone(), false)
    };
    let digits = if prefixed {
        if digits.starts_with('_') || digits.ends_with('_') || digits.contains("__") {
            return None;
        }
        digits.replace('_', "")
    } else {
        digits
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    let magnitude = i128::from_str_radix(&digits, radix).ok()?;
    let value = if negative { -magnitude } else { magnitude };
    i64::try_from(value).ok()
}

/// Go's `strconv.ParseBool`.
pub fn go_parse_bool(text: &str) -> Option<bool> {
    match text {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// A value decoded into a Go `int` field named `name`.
pub fn int(node: &Node, name: &str) -> Weak<i64> {
    match &node.value {
        Value::Int(i) => Weak::Exact(*i),
        Value::Float(f, _) => {
            if f.fract() == 0.0 {
                Weak::Exact(*f as i64)
            } else {
                Weak::Converted {
                    value: f.trunc() as i64,
                    written: "a fraction",
                }
            }
        }
        Value::Bool(b) => Weak::Converted {
            value: i64::from(*b),
            written: "a boolean",
        },
        Value::Str(s) => {
            let text = if s.is_empty() { "0" } else { s.as_str() };
            match go_parse_int(text) {
                Some(value) => Weak::Converted {
                    value,
                    written: "a string",
                },
                None => Weak::Refused(format!(
                    "cannot parse '{name}' as int: strconv.ParseInt: parsing \"{s}\": invalid syntax"
                )),
            }
        }
        Value::Null => Weak::Exact(0),
        Value::Seq(_) | Value::Map(_) => Weak::Refused(unconvertible(name, node, "int")),
    }
}

/// A value decoded into a Go `bool` field named `name`.
pub fn boolean(node: &Node, name: &str) -> Weak<bool> {
    match &node.value {
        Value::Bool(b) => Weak::Exact(*b),
        Value::Int(i) => Weak::Converted {
            value: *i != 0,
            written: "a number",
        },
        Value::Float(f, _) => Weak::Converted {
            value: *f != 0.0,
            written: "a number",
        },
        Value::Str(s) => match go_parse_bool(s) {
            Some(value) => Weak::Converted {
                value,
                written: "a string",
            },
            None if s.is_empty() => Weak::Converted {
                value: false,
                written: "a string",
            },
            None => Weak::Refused(format!(
                "cannot parse '{name}' as bool: strconv.ParseBool: parsing \"{s}\": invalid syntax"
            )),
        },
        Value::Null => Weak::Exact(false),
        Value::Seq(_) | Value::Map(_) => Weak::Refused(unconvertible(name, node, "bool")),
    }
}

/// A value decoded into a Go `string` field named `name`.
pub fn string(node: &Node, name: &str) -> Weak<String> {
    match &node.value {
        Value::Str(s) => Weak::Exact(s.clone()),
        Value::Bool(b) => Weak::Converted {
            value: if *b { "1" } else { "0" }.to_string(),
            written: "a boolean",
        },
        Value::Int(i) => Weak::Converted {
            value: i.to_string(),
            written: "a number",
        },
        // strconv.FormatFloat(f, 'f', -1, 64): Rust's shortest round-trip, never an exponent.
        Value::Float(f, _) => Weak::Converted {
            value: format!("{f}"),
            written: "a number",
        },
        Value::Null => Weak::Exact(String::new()),
        Value::Seq(_) | Value::Map(_) => Weak::Refused(unconvertible(name, node, "string")),
    }
}

/// A value decoded into a Go `[]string` field named `name`. Entries keep the span they came
/// from (a split string gives each piece the string's span).
pub fn strings(node: &Node, name: &str) -> Weak<Vec<(String, Span)>> {
    match &node.value {
        Value::Seq(items) => {
            let mut out = Vec::new();
            let mut converted = false;
            for (i, item) in items.iter().enumerate() {
                match string(item, &format!("{name}[{i}]")) {
                    Weak::Exact(s) => out.push((s, item.span)),
                    Weak::Converted { value, .. } => {
                        converted = true;
                        out.push((value, item.span));
                    }
                    Weak::Refused(message) => return Weak::Refused(message),
                }
            }
            if converted {
                Weak::Converted {
                    value: out,
                    written: "a list with non-string entries",
                }
            } else {
                Weak::Exact(out)
            }
        }
        Value::Str(s) => Weak::Converted {
            value: if s.is_empty() {
                Vec::new()
            } else {
                s.split(',')
                    .map(|piece| (piece.to_string(), node.span))
                    .collect()
            },
            written: "a string",
        },
        Value::Null => Weak::Exact(Vec::new()),
        Value::Map(map) if map.is_empty() => Weak::Converted {
            value: Vec::new(),
            written: "an empty object",
        },
        Value::Map(_) => Weak::Refused(format!(
            "'{name}': source data must be an array or slice, got map"
        )),
        Value::Bool(_) | Value::Int(_) | Value::Float(..) => match string(node, name) {
            Weak::Exact(s) | Weak::Converted { value: s, .. } => Weak::Converted {
                value: vec![(s, node.span)],
                written: written(node),
            },
            Weak::Refused(message) => Weak::Refused(message),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;

    fn node(value: Value) -> Node {
        Node::new(value, Span::new(FileId(0), 0, 1))
    }

    #[test]
    fn ints_follow_mapstructure() {
        assert_eq!(int(&node(Value::Int(2)), "x"), Weak::Exact(2));
        assert!(matches!(
            int(&node(Value::Str("1".into())), "x"),
            Weak::Converted { value: 1, .. }
        ));
        assert!(matches!(
            int(&node(Value::Str(String::new())), "x"),
            Weak::Converted { value: 0, .. }
        ));
        assert!(matches!(
            int(&node(Value::Str("0x10".into())), "x"),
            Weak::Converted { value: 16, .. }
        ));
        assert!(matches!(
            int(&node(Value::Bool(true)), "x"),
            Weak::Converted { value: 1, .. }
        ));
        assert_eq!(
            int(&node(Value::Str("abc".into())), "concurrent_calls"),
            Weak::Refused(
                "cannot parse 'concurrent_calls' as int: strconv.ParseInt: parsing \"abc\": invalid syntax"
                    .into()
            )
        );
        assert!(matches!(
            int(&node(Value::Seq(vec![])), "x"),
            Weak::Refused(_)
        ));
    }

    #[test]
    fn bools_follow_strconv() {
        for (text, value) in [("true", true), ("True", true), ("1", true), ("F", false)] {
            assert!(matches!(
                boolean(&node(Value::Str(text.into())), "x"),
                Weak::Converted { value: v, .. } if v == value
            ));
        }
        assert!(matches!(
            boolean(&node(Value::Str("yes".into())), "x"),
            Weak::Refused(_)
        ));
        assert!(matches!(
            boolean(&node(Value::Int(2)), "x"),
            Weak::Converted { value: true, .. }
        ));
    }

    #[test]
    fn a_string_for_a_list_is_split_on_commas() {
        let Weak::Converted { value, .. } =
            strings(&node(Value::Str("http://a,http://b".into())), "host")
        else {
            panic!("expected a conversion");
        };
        let texts: Vec<&str> = value.iter().map(|(s, _)| s.as_str()).collect();
        assert_eq!(texts, ["http://a", "http://b"]);
        assert!(matches!(
            strings(&node(Value::Int(5)), "x"),
            Weak::Converted { value, .. } if value[0].0 == "5"
        ));
    }

    #[test]
    fn floats_print_as_go_does() {
        assert_eq!(go_float(8080.0), "8080");
        assert_eq!(go_float(0.5), "0.5");
        assert_eq!(go_float(1e6), "1e+06");
        assert_eq!(go_float(123456.0), "123456");
        assert_eq!(go_float(1234567.0), "1.234567e+06");
        assert_eq!(go_float(0.00001), "1e-05");
        assert_eq!(go_float(-2.5), "-2.5");
    }

    #[test]
    fn go_parse_int_bases() {
        assert_eq!(go_parse_int("-12"), Some(-12));
        assert_eq!(go_parse_int("010"), Some(8));
        assert_eq!(go_parse_int("0b1_0"), Some(2));
        assert_eq!(go_parse_int("1_0"), None);
        assert_eq!(go_parse_int("1.5"), None);
    }
}
