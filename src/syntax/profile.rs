//! Loading profiles: each dialect's documents hold what that dialect's runtime loads.
//!
//! The kind of a document is only known after detection, which reads the neutral tree, so
//! loading happens in two steps. The YAML and JSON readers build the *neutral* tree: plain
//! scalars typed by the YAML 1.2 core schema, every entry of a mapping kept (duplicates
//! included), and beside the tree the notes a profile needs — the text of each plain scalar
//! that some runtime types differently, whether any mapping repeats a key, and where a
//! flow-mapping `:` was read leniently. Once the kind is known, [`Profile::apply`] turns the
//! neutral document into the runtime's reading and reports what differs. A document that
//! needs no change is borrowed, not copied.
//!
//! ## The profiles
//!
//! **Scenario (ours): YAML 1.2, strict** ([`Profile::Yaml12`]). The core schema: `true`/
//! `false` (three spellings each), `null`/`~`/empty, decimal integers, `0o` octal, `0x` hex,
//! floats with `.inf`/`.nan`. A repeated key is an error (Y002; the first entry is read so the
//! rest of the document can still be checked). A flow mapping written `{a:[b]}` is an error
//! (Y015): YAML 1.2 needs a space after that `:`.
//!
//! **Cloudify: PyYAML** ([`Profile::PyYaml`]). Cloudify's DSL parser loads blueprints with
//! PyYAML's `SafeConstructor` and `Resolver` (dsl_parser/yaml_loader.py; PyYAML
//! yaml/resolver.py, yaml/constructor.py, yaml/scanner.py):
//! - booleans: `yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF`;
//! - integers: `[-+]?0b[01_]+`, `[-+]?0[0-7_]+` (octal: `0755` is 493), `[-+]?(0|[1-9][0-9_]*)`,
//!   `[-+]?0x[0-9a-fA-F_]+`, and base 60 `[-+]?[1-9][0-9_]*(:[0-5]?[0-9])+` (`1:20` is 80,
//!   `22:22` is 1342); underscores are dropped; `0o17` is a *string*;
//! - floats: only with a `.`: `[-+]?[0-9][0-9_]*\.[0-9_]*([eE][-+][0-9]+)?` (the exponent
//!   needs a sign: `1.0e3` and `1e3` are strings, `1.0e+3` is 1000.0), `\.[0-9][0-9_]*…`
//!   (unsigned: `-.5` is a string), base 60 with a fraction (`1:20.5`), `[-+]?.inf`, `.nan`;
//! - null: `~`, `null`, `Null`, `NULL`, empty;
//! - a flow mapping `{concat:[a, b]}` reads as `{concat: [a, b]}`: PyYAML ends a plain scalar
//!   at a `:` followed by a flow indicator, and in flow context any `:` is a value indicator
//!   (scanner.py `check_value`, `scan_plain`). rehearse reads it so and warns (Y015);
//! - a repeated key keeps the *last* value, at the position of the first (a Python dict
//!   assignment: `SafeConstructor.construct_mapping`), with a warning (Y002).
//!
//! **Vamp: SnakeYAML** ([`Profile::SnakeYaml`]). Vamp loads artifacts with SnakeYAML 1.x
//! (`Yaml.loadAll`); its `Resolver` (org/yaml/snakeyaml/resolver/Resolver.java) has PyYAML's
//! boolean, integer and null rules, tried integer first, but a YAML 1.2-style float rule:
//! `[-+]?(\.[0-9]+|[0-9_]+(\.[0-9_]*)?)([eE][-+]?[0-9]+)?`, base 60 with a fraction,
//! `.inf`, `.nan` — so `1e3` is 1000.0 and `08` (not an octal integer) is 8.0. The flow
//! mapping leniency is the same as PyYAML's (ScannerImpl is a port of scanner.py); a repeated
//! key keeps the last value (`LinkedHashMap.put`, duplicates allowed by default) with a
//! warning. Assumed: SnakeYAML 1.x with the default resolver; the regexes have not changed
//! across the 1.x line.
//!
//! **KrakenD: Go** ([`Profile::Go`]). JSON files go through `encoding/json`, which keeps the
//! last of repeated object keys ("the last one wins" is how `Unmarshal` fills a map, documented
//! with `json.Unmarshal`); rehearse keeps the last with a warning (Y002). YAML files go through
//! koanf's YAML parser, `gopkg.in/yaml.v3` `Unmarshal` into a `map[string]interface{}`, which
//! rejects a repeated key (`decode.go`: "mapping key … already defined at line …"), so there
//! Y002 is an error. yaml.v3 types plain scalars (resolve.go) as YAML 1.2 booleans and nulls,
//! and integers with `strconv.ParseInt(s, 0, 64)` after dropping underscores: `0755` is octal
//! 493, `0b101`, `0o17`, `-0x1F` and `1_000` are integers, and what is not an integer but
//! matches `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?` is a float (`08` is 8.0).
//! `{a:[b]}` is an error for yaml.v3 (Y015).
//!
//! ## What no profile models
//!
//! Timestamps (`2024-01-31`: a date object in PyYAML, SnakeYAML and yaml.v3) stay strings;
//! explicitly tagged scalars (`!!int 0755`) are typed by YAML 1.2 rules for every profile;
//! keys that a runtime compares by value across types (PyYAML's `1` and `1.0` are one key)
//! are compared by their text; values a runtime fails to construct (`0b_`, a plain `=`) are
//! read as strings. Key order after a repeated key follows the runtime maps above (the first
//! position keeps the last value); merged (`<<`) entries sit where the merge key is written.

use std::borrow::Cow;
use std::collections::hash_map::Entry;
use std::collections::HashMap;

use super::node::{Document, Mapping, Node, Value};
use super::Format;
use crate::diag::{codes, Diagnostic};
use crate::source::Span;

/// How a runtime loads YAML and JSON; see the module documentation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Profile {
    /// rehearse's own documents (scenarios): strict YAML 1.2.
    Yaml12,
    /// Cloudify: PyYAML's safe loader (YAML 1.1).
    PyYaml,
    /// Vamp: SnakeYAML 1.x (YAML 1.1).
    SnakeYaml,
    /// KrakenD: Go's encoding/json for JSON, yaml.v3 (through koanf) for YAML.
    Go,
}

impl Profile {
    /// The runtime and its loader, as messages name them.
    pub fn runtime(self, format: Format) -> &'static str {
        match (self, format) {
            (Profile::Yaml12, _) => "rehearse (YAML 1.2)",
            (Profile::PyYaml, _) => "Cloudify (PyYAML)",
            (Profile::SnakeYaml, _) => "Vamp (SnakeYAML)",
            (Profile::Go, Format::Json) => "KrakenD (Go encoding/json)",
            (Profile::Go, Format::Yaml) => "KrakenD (Go yaml.v3)",
        }
    }

    /// Whether a repeated key is accepted (the last value kept) rather than refused.
    fn last_key_wins(self, format: Format) -> bool {
        match self {
            Profile::Yaml12 => false,
            Profile::PyYaml | Profile::SnakeYaml => true,
            Profile::Go => format == Format::Json,
        }
    }

    /// Whether `{a:[b]}` (a `:` straight before a flow collection) is read as `{a: [b]}`.
    fn accepts_adjacent_flow_value(self) -> bool {
        matches!(self, Profile::PyYaml | Profile::SnakeYaml)
    }

    /// The value of a plain (unquoted, untagged) scalar.
    pub fn resolve_plain(self, text: &str) -> Value {
        match self {
            Profile::Yaml12 => super::yaml::resolve_plain(text),
            Profile::PyYaml => yaml11(text, Yaml11::PyYaml),
            Profile::SnakeYaml => yaml11(text, Yaml11::SnakeYaml),
            Profile::Go => go_yaml(text),
        }
    }

    /// The document as this profile's runtime loads it, with findings about what the runtime
    /// does differently from strict YAML. Borrowed when nothing changes.
    pub fn apply<'d>(
        self,
        document: &'d Document,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Cow<'d, Document> {
        let notes = &document.loading;
        for &colon in &notes.adjacent_flow_values {
            diagnostics.push(self.adjacent_flow_value(colon, notes.format));
        }
        let retype = self != Profile::Yaml12 && !notes.plain.is_empty();
        if !retype && !notes.duplicate_keys {
            return Cow::Borrowed(document);
        }
        let mut owned = document.clone();
        let mut pass = Pass {
            profile: self,
            format: notes.format,
            plain: &notes.plain,
            retype,
            diagnostics,
        };
        pass.node(&mut owned.root);
        Cow::Owned(owned)
    }

    fn adjacent_flow_value(self, colon: Span, format: Format) -> Diagnostic {
        let message = "`:` directly before `[` or `{` inside a flow mapping";
        let diagnostic = if self.accepts_adjacent_flow_value() {
            Diagnostic::warning(&codes::y::Y015, colon, message).with_help(format!(
                "{} reads `{{key:[...]}}` as `{{key: [...]}}`; YAML 1.2 parsers do not, so \
                 add a space after the `:`",
                self.runtime(format)
            ))
        } else {
            Diagnostic::error(&codes::y::Y015, colon, format!("invalid YAML: {message}")).with_help(
                format!(
                    "{} needs a space after the `:`: write `{{key: [...]}}`",
                    self.runtime(format)
                ),
            )
        };
        diagnostic.with_span_label("add a space after this `:`")
    }
}

/// A plain scalar whose type depends on the profile: where it is and what it says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct PlainText {
    /// Byte offset where the scalar starts (its span start; unique among scalars).
    pub at: u32,
    pub text: Box<str>,
}

/// What the neutral reading leaves for a profile to decide, per document.
#[derive(Clone, Debug, Default)]
pub(crate) struct LoadingNotes {
    pub format: Format,
    /// Plain scalars that some profile types differently from YAML 1.2, sorted by offset.
    pub plain: Vec<PlainText>,
    /// Some mapping of the document repeats a key (YAML 1.2 identity).
    pub duplicate_keys: bool,
    /// Each `:` of a `{key:[...]}` that was read as a value indicator.
    pub adjacent_flow_values: Vec<Span>,
}

/// Whether a plain scalar needs a note: some profile reads `text` other than YAML 1.2 does.
pub(crate) fn profile_dependent(text: &str, yaml12: &Value) -> bool {
    let Some(&first) = text.as_bytes().first() else {
        return false;
    };
    match first {
        b'y' | b'Y' | b'n' | b'N' | b'o' | b'O' => YAML11_BOOL_ONLY.contains(&text),
        b'0'..=b'9' | b'-' | b'+' | b'.' => [Profile::PyYaml, Profile::SnakeYaml, Profile::Go]
            .iter()
            .any(|p| !same_reading(&p.resolve_plain(text), yaml12)),
        _ => false,
    }
}

/// YAML 1.1 booleans that YAML 1.2 reads as strings.
const YAML11_BOOL_ONLY: [&str; 12] = [
    "yes", "Yes", "YES", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF",
];

fn same_reading(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Float(x, _), Value::Float(y, _)) => x == y || (x.is_nan() && y.is_nan()),
        _ => a == b,
    }
}

/// One walk over a document applying a profile.
struct Pass<'p> {
    profile: Profile,
    format: Format,
    plain: &'p [PlainText],
    retype: bool,
    diagnostics: &'p mut Vec<Diagnostic>,
}

impl Pass<'_> {
    /// Recursive: trees are bounded by the depth limit.
    fn node(&mut self, node: &mut Node) {
        match &mut node.value {
            Value::Seq(items) => items.iter_mut().for_each(|item| self.node(item)),
            Value::Map(map) => {
                for (key, value) in &mut map.entries {
                    self.node(key);
                    self.node(value);
                }
                self.dedup(map);
            }
            _ if self.retype => {
                if let Ok(i) = self.plain.binary_search_by_key(&node.span.start, |p| p.at) {
                    node.value = self.profile.resolve_plain(&self.plain[i].text);
                }
            }
            _ => {}
        }
    }

    /// Collapses repeated keys the way the runtime does, reporting each repetition.
    fn dedup(&mut self, map: &mut Mapping) {
        if map.entries.len() < 2 {
            return;
        }
        let identities: Vec<String> = map.entries.iter().map(|(k, _)| key_identity(k)).collect();
        // Identity → (index of its first entry, index of its latest entry).
        let mut seen: HashMap<&str, (usize, usize)> = HashMap::with_capacity(identities.len());
        // (first, previous, repeated) for each repetition, in text order.
        let mut repeats = Vec::new();
        for (index, identity) in identities.iter().enumerate() {
            match seen.entry(identity.as_str()) {
                Entry::Occupied(mut slot) => {
                    let (first, previous) = *slot.get();
                    repeats.push((first, previous, index));
                    slot.insert((first, index));
                }
                Entry::Vacant(slot) => {
                    slot.insert((index, index));
                }
            }
        }
        if repeats.is_empty() {
            return;
        }
        let last_wins = self.profile.last_key_wins(self.format);
        let mut removed = vec![false; map.entries.len()];
        for &(first, previous, index) in &repeats {
            let diagnostic =
                self.duplicate(&map.entries[previous].0, &map.entries[index].0, last_wins);
            self.diagnostics.push(diagnostic);
            removed[index] = true;
            if last_wins {
                // The runtime's map keeps the first key, and its place, with the new value.
                let span = map.entries[index].1.span;
                let value =
                    std::mem::replace(&mut map.entries[index].1, Node::new(Value::Null, span));
                map.entries[first].1 = value;
            }
        }
        let mut index = 0;
        map.entries.retain(|_| {
            index += 1;
            !removed[index - 1]
        });
    }

    fn duplicate(&self, first: &Node, repeated: &Node, last_wins: bool) -> Diagnostic {
        let name = repeated.key_text().map_or_else(
            || "duplicate key".to_string(),
            |n| format!("duplicate key `{n}`"),
        );
        let runtime = self.profile.runtime(self.format);
        if last_wins {
            return Diagnostic::warning(
                &codes::y::Y002,
                repeated.span,
                format!("{name}: {runtime} keeps this later value"),
            )
            .with_span_label("this entry is used")
            .with_label(first.span, "this earlier entry is ignored")
            .with_help(format!(
                "{runtime} silently keeps the last value of a repeated key; remove the entry \
                 that is not meant, or merge the two"
            ));
        }
        let diagnostic = Diagnostic::error(&codes::y::Y002, repeated.span, name)
            .with_span_label("repeated here")
            .with_label(first.span, "first defined here");
        if self.profile == Profile::Go {
            diagnostic
                .with_peer("mapping key already defined")
                .with_help(format!(
                    "{runtime} refuses a mapping that repeats a key; remove or rename one entry"
                ))
        } else {
            diagnostic.with_help(
                "keys of a mapping must be unique (YAML 1.2), so this document is refused; \
                 remove or rename one entry",
            )
        }
    }
}

/// What makes two keys the same: the text of a scalar key (as dialects read keys), or a
/// canonical rendering of a list or mapping key (kept apart from any text by a NUL prefix).
pub(crate) fn key_identity(key: &Node) -> String {
    match key.key_text() {
        Some(text) => text,
        None => {
            let mut out = String::from("\u{0}");
            canonical(key, &mut out);
            out
        }
    }
}

fn canonical(node: &Node, out: &mut String) {
    match &node.value {
        Value::Seq(items) => {
            out.push('[');
            for item in items {
                canonical(item, out);
                out.push(',');
            }
            out.push(']');
        }
        Value::Map(map) => {
            out.push('{');
            for (key, value) in &map.entries {
                canonical(key, out);
                out.push(':');
                canonical(value, out);
                out.push(',');
            }
            out.push('}');
        }
        scalar => out.push_str(&format!("{scalar:?}")),
    }
}

// ---------------------------------------------------------------------------------------------
// YAML 1.1 resolvers (PyYAML, SnakeYAML).

#[derive(Clone, Copy, PartialEq, Eq)]
enum Yaml11 {
    PyYaml,
    SnakeYaml,
}

fn yaml11(text: &str, flavour: Yaml11) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return Value::Bool(true)
        }
        "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return Value::Bool(false)
        }
        _ => {}
    }
    let numeric = match flavour {
        // PyYAML's resolvers for a digit are float then int; they never both match.
        Yaml11::PyYaml => yaml11_int(text).or_else(|| pyyaml_float(text)),
        // SnakeYAML tries int before float because its float rule also matches integers.
        Yaml11::SnakeYaml => yaml11_int(text).or_else(|| snakeyaml_float(text)),
    };
    numeric.unwrap_or_else(|| Value::Str(text.to_string()))
}

fn split_sign(text: &str) -> (bool, &str) {
    match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    }
}

fn all_bytes(text: &str, ok: impl Fn(u8) -> bool) -> bool {
    text.bytes().all(ok)
}

/// `[0-9_]*` after a leading `[1-9]`.
fn is_decimal_with_underscores(text: &str) -> bool {
    matches!(text.as_bytes().first(), Some(b'1'..=b'9'))
        && all_bytes(text, |b| b.is_ascii_digit() || b == b'_')
}

/// `(:[0-5]?[0-9])+` — the base 60 tail, given what follows the first part.
fn is_base60_tail(tail: &str) -> bool {
    tail.strip_prefix(':').is_some_and(|rest| {
        rest.split(':').all(|part| match part.as_bytes() {
            [d] => d.is_ascii_digit(),
            [a, b] => (b'0'..=b'5').contains(a) && b.is_ascii_digit(),
            _ => false,
        })
    })
}

/// PyYAML's and SnakeYAML's int rule (identical) and constructor.
fn yaml11_int(text: &str) -> Option<Value> {
    let (negative, body) = split_sign(text);
    let value = if let Some(bits) = body.strip_prefix("0b") {
        if bits.is_empty() || !all_bytes(bits, |b| matches!(b, b'0' | b'1' | b'_')) {
            return None;
        }
        digits_value(bits, 2)
    } else if let Some(hex) = body.strip_prefix("0x") {
        if hex.is_empty() || !all_bytes(hex, |b| b.is_ascii_hexdigit() || b == b'_') {
            return None;
        }
        digits_value(hex, 16)
    } else if body == "0" {
        Some(0)
    } else if let Some(octal) = body.strip_prefix('0') {
        if octal.is_empty() || !all_bytes(octal, |b| matches!(b, b'0'..=b'7' | b'_')) {
            return None;
        }
        // `0_` is 0: the constructors drop underscores and then see "0".
        digits_value(octal, 8).or(Some(0))
    } else if is_decimal_with_underscores(body) {
        digits_value(body, 10)
    } else {
        let colon = body.find(':')?;
        if !is_decimal_with_underscores(&body[..colon]) || !is_base60_tail(&body[colon..]) {
            return None;
        }
        base60(body)
    };
    Some(integer(value, negative, text))
}

/// Digits (underscores dropped) in `radix`; `None` when there are none (the runtime fails to
/// construct such a value; it is read as a string) or on overflow of i128.
fn digits_value(digits: &str, radix: u32) -> Option<i128> {
    let mut value: i128 = 0;
    let mut any = false;
    for c in digits.chars().filter(|&c| c != '_') {
        let digit = c.to_digit(radix)?;
        value = value
            .checked_mul(i128::from(radix))?
            .checked_add(i128::from(digit))?;
        any = true;
    }
    any.then_some(value)
}

fn base60(body: &str) -> Option<i128> {
    body.split(':').try_fold(0i128, |acc, part| {
        let part = digits_value(part, 10)?;
        acc.checked_mul(60)?.checked_add(part)
    })
}

/// An integer value as the tree holds it: i64, or a float keeping the text when it does not
/// fit (Python and Java widen to big integers; no spec needs them exactly).
fn integer(value: Option<i128>, negative: bool, text: &str) -> Value {
    let signed = value.map(|v| if negative { -v } else { v });
    match signed.and_then(|v| i64::try_from(v).ok()) {
        Some(i) => Value::Int(i),
        None => match signed {
            Some(v) => Value::Float(v as f64, text.into()),
            None => Value::Str(text.to_string()),
        },
    }
}

/// A decimal float in the usual notation (`1.`, `.5`, `1.5e+3`); underscores already gone.
fn decimal_float(text: &str) -> Option<f64> {
    let (negative, body) = split_sign(text);
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(e) => (&body[..e], Some(&body[e + 1..])),
        None => (body, None),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if (whole.is_empty() && fraction.is_empty())
        || !all_bytes(whole, |b| b.is_ascii_digit())
        || !all_bytes(fraction, |b| b.is_ascii_digit())
    {
        return None;
    }
    let mut normal = format!(
        "{}{}.{}",
        if negative { "-" } else { "" },
        if whole.is_empty() { "0" } else { whole },
        if fraction.is_empty() { "0" } else { fraction }
    );
    if let Some(exponent) = exponent {
        let digits = exponent.strip_prefix(['-', '+']).unwrap_or(exponent);
        if digits.is_empty() || !all_bytes(digits, |b| b.is_ascii_digit()) {
            return None;
        }
        normal.push('e');
        normal.push_str(exponent);
    }
    normal.parse().ok()
}

/// `.inf`, `.nan` and base 60 floats, shared by PyYAML and SnakeYAML.
fn yaml11_special_float(text: &str) -> Option<Value> {
    let (negative, body) = split_sign(text);
    if let Some(special) = super::yaml::infinity_or_nan(text, negative, body) {
        return Some(special);
    }
    // `[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\.[0-9_]*`
    let colon = body.find(':')?;
    let dot = body.rfind('.')?;
    let head = &body[..colon];
    let fraction = &body[dot + 1..];
    if !matches!(head.as_bytes().first(), Some(b'0'..=b'9'))
        || !all_bytes(head, |b| b.is_ascii_digit() || b == b'_')
        || dot < colon
        || !is_base60_tail(&body[colon..dot])
        || !all_bytes(fraction, |b| b.is_ascii_digit() || b == b'_')
    {
        return None;
    }
    let whole = base60(&body[..dot])? as f64;
    let fraction: String = fraction.chars().filter(|&c| c != '_').collect();
    let fraction = decimal_float(&format!("0.{fraction}")).unwrap_or(0.0);
    let value = whole + fraction;
    Some(Value::Float(
        if negative { -value } else { value },
        text.into(),
    ))
}

/// PyYAML's float rule: a `.` is required, an exponent needs its sign, `.5` takes no sign.
fn pyyaml_float(text: &str) -> Option<Value> {
    if let Some(special) = yaml11_special_float(text) {
        return Some(special);
    }
    let unsigned_dot = text.starts_with('.');
    let (_, body) = split_sign(text);
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(e) => (&body[..e], Some(&body[e + 1..])),
        None => (body, None),
    };
    let (whole, fraction) = mantissa.split_once('.')?;
    let digits_or_underscores = |s: &str| all_bytes(s, |b| b.is_ascii_digit() || b == b'_');
    let mantissa_ok = if whole.is_empty() {
        // `\.[0-9][0-9_]*`: no sign, a digit first.
        unsigned_dot
            && matches!(fraction.as_bytes().first(), Some(b'0'..=b'9'))
            && digits_or_underscores(fraction)
    } else {
        matches!(whole.as_bytes().first(), Some(b'0'..=b'9'))
            && digits_or_underscores(whole)
            && digits_or_underscores(fraction)
    };
    let exponent_ok = exponent.is_none_or(|e| {
        e.len() > 1
            && matches!(e.as_bytes()[0], b'-' | b'+')
            && all_bytes(&e[1..], |b| b.is_ascii_digit())
    });
    if !mantissa_ok || !exponent_ok {
        return None;
    }
    let cleaned: String = text.chars().filter(|&c| c != '_').collect();
    Some(Value::Float(decimal_float(&cleaned)?, text.into()))
}

/// SnakeYAML's float rule: `[-+]?(\.[0-9]+|[0-9_]+(\.[0-9_]*)?)([eE][-+]?[0-9]+)?` and the
/// specials.
fn snakeyaml_float(text: &str) -> Option<Value> {
    if let Some(special) = yaml11_special_float(text) {
        return Some(special);
    }
    let (_, body) = split_sign(text);
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(e) => (&body[..e], Some(&body[e + 1..])),
        None => (body, None),
    };
    let digits_or_underscores = |s: &str| all_bytes(s, |b| b.is_ascii_digit() || b == b'_');
    let mantissa_ok = match mantissa.split_once('.') {
        Some(("", fraction)) => !fraction.is_empty() && all_bytes(fraction, |b| b.is_ascii_digit()),
        Some((whole, fraction)) => digits_or_underscores(whole) && digits_or_underscores(fraction),
        None => !mantissa.is_empty() && digits_or_underscores(mantissa),
    };
    let exponent_ok = exponent.is_none_or(|e| {
        let digits = e.strip_prefix(['-', '+']).unwrap_or(e);
        !digits.is_empty() && all_bytes(digits, |b| b.is_ascii_digit())
    });
    if !mantissa_ok || !exponent_ok {
        return None;
    }
    let cleaned: String = text.chars().filter(|&c| c != '_').collect();
    // `_.5` never gets here (a resolver needs a digit, sign or `.` first); an all-underscore
    // mantissa fails Double.valueOf in SnakeYAML too, and is read as a string here.
    Some(Value::Float(decimal_float(&cleaned)?, text.into()))
}

// ---------------------------------------------------------------------------------------------
// Go yaml.v3 (KrakenD YAML through koanf).

fn go_yaml(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        ".nan" | ".NaN" | ".NAN" => return Value::Float(f64::NAN, text.into()),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Value::Float(f64::INFINITY, text.into())
        }
        "-.inf" | "-.Inf" | "-.INF" => return Value::Float(f64::NEG_INFINITY, text.into()),
        _ => {}
    }
    let first = text.as_bytes().first().copied();
    let numeric = match first {
        Some(b'.') => decimal_float(text).map(|f| Value::Float(f, text.into())),
        Some(b'0'..=b'9' | b'-' | b'+') => {
            let plain: String = text.chars().filter(|&c| c != '_').collect();
            go_parse_int(&plain)
                .map(|v| integer(Some(v), false, text))
                .or_else(|| go_style_float(&plain).map(|f| Value::Float(f, text.into())))
        }
        _ => None,
    };
    numeric.unwrap_or_else(|| Value::Str(text.to_string()))
}

/// `strconv.ParseInt(s, 0, 64)` / `ParseUint`: sign, then `0x`, `0o`, `0b` or a leading `0`
/// (octal) or decimal.
fn go_parse_int(text: &str) -> Option<i128> {
    let (negative, body) = split_sign(text);
    let lower = body.get(..2).map(str::to_ascii_lowercase);
    let (digits, radix) = match lower.as_deref() {
        Some("0x") => (&body[2..], 16),
        Some("0o") => (&body[2..], 8),
        Some("0b") => (&body[2..], 2),
        _ if body.len() > 1 && body.starts_with('0') => (&body[1..], 8),
        _ => (body, 10),
    };
    if digits.is_empty() || digits.contains('_') {
        return None;
    }
    let value = digits_value(digits, radix)?;
    let value = if negative { -value } else { value };
    (i128::from(i64::MIN)..=i128::from(u64::MAX))
        .contains(&value)
        .then_some(value)
}

/// yaml.v3's `yamlStyleFloat`: `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`.
fn go_style_float(text: &str) -> Option<f64> {
    let (_, body) = split_sign(text);
    let mantissa = body.split(['e', 'E']).next().unwrap_or(body);
    if mantissa.starts_with('.') && mantissa.len() == 1 {
        return None;
    }
    decimal_float(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn py(text: &str) -> Value {
        Profile::PyYaml.resolve_plain(text)
    }
    fn snake(text: &str) -> Value {
        Profile::SnakeYaml.resolve_plain(text)
    }
    fn go(text: &str) -> Value {
        Profile::Go.resolve_plain(text)
    }
    fn s(text: &str) -> Value {
        Value::Str(text.into())
    }
    fn f(value: f64, text: &str) -> Value {
        Value::Float(value, text.into())
    }

    #[test]
    fn pyyaml_booleans_include_yes_no_on_off() {
        for text in [
            "yes", "Yes", "YES", "on", "On", "ON", "true", "True", "TRUE",
        ] {
            assert_eq!(py(text), Value::Bool(true), "{text}");
        }
        for text in [
            "no", "No", "NO", "off", "Off", "OFF", "false", "False", "FALSE",
        ] {
            assert_eq!(py(text), Value::Bool(false), "{text}");
        }
        assert_eq!(py("y"), s("y"));
        assert_eq!(py("yES"), s("yES"));
    }

    #[test]
    fn pyyaml_integers() {
        assert_eq!(py("0755"), Value::Int(493));
        assert_eq!(py("-012"), Value::Int(-10));
        assert_eq!(py("0o17"), s("0o17"));
        assert_eq!(py("0x1F"), Value::Int(31));
        assert_eq!(py("-0x1_F"), Value::Int(-31));
        assert_eq!(py("0X1F"), s("0X1F"));
        assert_eq!(py("0b101"), Value::Int(5));
        assert_eq!(py("1_000"), Value::Int(1000));
        assert_eq!(py("1:20"), Value::Int(80));
        assert_eq!(py("22:22"), Value::Int(1342));
        assert_eq!(py("1:20:30"), Value::Int(4830));
        assert_eq!(py("8080:80"), s("8080:80"));
        assert_eq!(py("08"), s("08"));
        assert_eq!(py("0"), Value::Int(0));
        assert_eq!(py("+7"), Value::Int(7));
        assert_eq!(py("0b_"), s("0b_"));
    }

    #[test]
    fn pyyaml_floats_need_a_dot() {
        assert_eq!(py("1e3"), s("1e3"));
        assert_eq!(py("1.0e3"), s("1.0e3"));
        assert_eq!(py("1.0e+3"), f(1000.0, "1.0e+3"));
        assert_eq!(py("1_000.5"), f(1000.5, "1_000.5"));
        assert_eq!(py("1."), f(1.0, "1."));
        assert_eq!(py(".5"), f(0.5, ".5"));
        assert_eq!(py("-.5"), s("-.5"));
        assert_eq!(py("1:20.5"), f(80.5, "1:20.5"));
        assert_eq!(py("-.inf"), f(f64::NEG_INFINITY, "-.inf"));
        assert!(matches!(py(".NaN"), Value::Float(x, _) if x.is_nan()));
        assert_eq!(py("-.nan"), s("-.nan"));
    }

    #[test]
    fn snakeyaml_floats_follow_yaml_1_2_with_underscores() {
        assert_eq!(snake("1e3"), f(1000.0, "1e3"));
        assert_eq!(snake("1.0e3"), f(1000.0, "1.0e3"));
        assert_eq!(snake("-.5"), f(-0.5, "-.5"));
        assert_eq!(snake("08"), f(8.0, "08"));
        assert_eq!(snake("0755"), Value::Int(493));
        assert_eq!(snake("yes"), Value::Bool(true));
        assert_eq!(snake("1:20"), Value::Int(80));
        assert_eq!(snake("0o17"), s("0o17"));
    }

    #[test]
    fn go_yaml_v3_integers() {
        assert_eq!(go("0755"), Value::Int(493));
        assert_eq!(go("0o17"), Value::Int(15));
        assert_eq!(go("-0x1F"), Value::Int(-31));
        assert_eq!(go("1_000"), Value::Int(1000));
        assert_eq!(go("08"), f(8.0, "08"));
        assert_eq!(go("yes"), s("yes"));
        assert_eq!(go("1:20"), s("1:20"));
        assert_eq!(go("1e3"), f(1000.0, "1e3"));
        assert_eq!(go("+.inf"), f(f64::INFINITY, "+.inf"));
    }

    #[test]
    fn notes_only_for_scalars_some_profile_reads_differently() {
        let yaml12 = |t: &str| super::super::yaml::resolve_plain(t);
        for text in ["yes", "off", "0755", "1e3", "1:20", "1_000", "-.5", "0o17"] {
            assert!(profile_dependent(text, &yaml12(text)), "{text}");
        }
        for text in [
            "name", "nginx", "true", "12", "1.5", "0x1F", "null", "8080:80", "",
        ] {
            assert!(!profile_dependent(text, &yaml12(text)), "{text}");
        }
    }
}
