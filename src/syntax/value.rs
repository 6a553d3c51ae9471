//! Vamp trait values with references (grammar `grammar/value.pest`, SPEC.md §7):
//! `jdbc:$db.host:$db.ports.port`, `${ name }`, `$$` (a literal `$`),
//! `${config://vamp.namespace}`. Parts keep byte spans relative to the value text.

use std::fmt;
use std::ops::Range;

use pest::iterators::Pair;
use pest::Parser as _;

use super::grammar_error::GrammarError;

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/value.pest"]
struct ValueParser;

/// What each rule means, for "expected …" messages.
fn describe(rule: Rule) -> &'static str {
    match rule {
        Rule::EOI => "end of input",
        Rule::string_value | Rule::part => "text",
        Rule::escaped_dollar => "`$$`",
        Rule::reference | Rule::dollar | Rule::braced_open => "a reference (`$name`, `${name}`)",
        Rule::braced_close => "`}`",
        Rule::global_ref | Rule::trait_ref | Rule::host_ref | Rule::local_ref | Rule::variable => {
            "a reference name"
        }
        Rule::name => "a name (no spaces or `/[].{}:;,$`)",
        Rule::schema_delimiter => "`://`",
        Rule::dot => "`.`",
        Rule::host_suffix => "`.host`",
        Rule::ws | Rule::ows => "whitespace",
        Rule::value_input | Rule::value_complete => "a value",
    }
}

/// A parsed trait value: its parts in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraitValue {
    pub parts: Vec<ValuePart>,
    /// Vamp stops reading at the first part it cannot parse and silently drops the rest
    /// (`x ${a b}` resolves to `x `). When that happens, this says where and why; its range
    /// runs from the stop to the end of the text.
    pub dropped: Option<GrammarError>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValuePart {
    pub kind: PartKind,
    /// The part's bytes in the value text (for a reference: from `$` to its end).
    pub span: Range<usize>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PartKind {
    /// Literal text.
    Text(String),
    /// `$$`: a literal `$`.
    Dollar,
    Reference(Reference),
}

/// What a `$…` refers to (Vamp's `ValueReference` kinds).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Reference {
    /// `${config://vamp.namespace}`: schema `config`, path `[vamp, namespace]`.
    Global { schema: String, path: Vec<String> },
    /// `$db.ports.port`.
    Trait {
        cluster: String,
        group: String,
        name: String,
    },
    /// `$db.host`.
    Host { cluster: String },
    /// `$name`.
    Local { name: String },
}

/// Parses a trait value as Vamp's `TraitResolverParser` does. An error is Vamp's
/// `ParserError` (not even one part could be read, e.g. `${a b}`, or an empty text); a value
/// Vamp reads only partly is returned with [`TraitValue::dropped`] set.
pub fn parse_trait_value(text: &str) -> Result<TraitValue, GrammarError> {
    let explain = |error: pest::error::Error<Rule>| GrammarError::from_pest(text, &error, describe);
    let input = ValueParser::parse(Rule::value_input, text)
        .map_err(explain)?
        .next()
        .ok_or_else(|| GrammarError::new(0..text.len(), "expected a value"))?;
    let end = input.as_span().end();
    let parts = input
        .into_inner()
        .filter(|p| p.as_rule() != Rule::EOI)
        .map(build_part)
        .collect::<Result<Vec<_>, _>>()?;
    let dropped = if end < text.len() {
        let reason = match ValueParser::parse(Rule::value_complete, text) {
            Err(error) => explain(error).message,
            Ok(_) => "unexpected text".to_string(),
        };
        Some(GrammarError::new(
            end..text.len(),
            format!("Vamp stops reading the value here and drops the rest: {reason}"),
        ))
    } else {
        None
    };
    Ok(TraitValue { parts, dropped })
}

fn build_part(pair: Pair<'_, Rule>) -> Result<ValuePart, GrammarError> {
    let span = pair.as_span().start()..pair.as_span().end();
    let kind = match pair.as_rule() {
        Rule::string_value => PartKind::Text(pair.as_str().to_string()),
        Rule::escaped_dollar => PartKind::Dollar,
        Rule::reference => {
            let variable = pair
                .into_inner()
                .find(|p| {
                    matches!(
                        p.as_rule(),
                        Rule::global_ref | Rule::trait_ref | Rule::host_ref | Rule::local_ref
                    )
                })
                .ok_or_else(|| GrammarError::new(span.clone(), "malformed reference"))?;
            let rule = variable.as_rule();
            let names: Vec<String> = variable
                .into_inner()
                .filter(|p| p.as_rule() == Rule::name)
                .map(|p| p.as_str().to_string())
                .collect();
            PartKind::Reference(match (rule, names.as_slice()) {
                (Rule::global_ref, [schema, path @ ..]) => Reference::Global {
                    schema: schema.clone(),
                    path: path.to_vec(),
                },
                (Rule::trait_ref, [cluster, group, name]) => Reference::Trait {
                    cluster: cluster.clone(),
                    group: group.clone(),
                    name: name.clone(),
                },
                (Rule::host_ref, [cluster]) => Reference::Host {
                    cluster: cluster.clone(),
                },
                (Rule::local_ref, [name]) => Reference::Local { name: name.clone() },
                _ => return Err(GrammarError::new(span, "malformed reference")),
            })
        }
        _ => return Err(GrammarError::new(span, "malformed value")),
    };
    Ok(ValuePart { kind, span })
}

impl TraitValue {
    /// The value with every reference replaced by `resolve(reference)` (Vamp resolves an
    /// unknown reference to the empty string) and `$$` by `$`; dropped text is left out,
    /// as Vamp does.
    pub fn resolve(&self, resolve: impl Fn(&Reference) -> String) -> String {
        self.parts
            .iter()
            .map(|part| match &part.kind {
                PartKind::Text(text) => text.clone(),
                PartKind::Dollar => "$".to_string(),
                PartKind::Reference(reference) => resolve(reference),
            })
            .collect()
    }

    /// The references in order, with their spans.
    pub fn references(&self) -> impl Iterator<Item = (&Reference, Range<usize>)> {
        self.parts.iter().filter_map(|part| match &part.kind {
            PartKind::Reference(reference) => Some((reference, part.span.clone())),
            _ => None,
        })
    }
}

impl fmt::Display for Reference {
    /// Vamp's notation: `$db.ports.port`, `$db.host`, `$name`, `${config://vamp.namespace}`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reference::Global { schema, path } => write!(f, "${{{schema}://{}}}", path.join(".")),
            Reference::Trait {
                cluster,
                group,
                name,
            } => write!(f, "${cluster}.{group}.{name}"),
            Reference::Host { cluster } => write!(f, "${cluster}.host"),
            Reference::Local { name } => write!(f, "${name}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(text: &str) -> Vec<(PartKind, Range<usize>)> {
        let value = parse_trait_value(text).expect("value parses");
        assert_eq!(value.dropped, None, "{text}");
        value.parts.into_iter().map(|p| (p.kind, p.span)).collect()
    }

    fn local(name: &str) -> PartKind {
        PartKind::Reference(Reference::Local { name: name.into() })
    }

    #[test]
    fn references_of_every_kind() {
        assert_eq!(
            parts("jdbc:$db.host:$db.ports.port"),
            vec![
                (PartKind::Text("jdbc:".into()), 0..5),
                (
                    PartKind::Reference(Reference::Host {
                        cluster: "db".into()
                    }),
                    5..13
                ),
                (PartKind::Text(":".into()), 13..14),
                (
                    PartKind::Reference(Reference::Trait {
                        cluster: "db".into(),
                        group: "ports".into(),
                        name: "port".into()
                    }),
                    14..28
                ),
            ]
        );
        assert_eq!(parts("${ name }"), vec![(local("name"), 0..9)]);
        assert_eq!(
            parts("${config://vamp.namespace}"),
            vec![(
                PartKind::Reference(Reference::Global {
                    schema: "config".into(),
                    path: vec!["vamp".into(), "namespace".into()]
                }),
                0..26
            )]
        );
        assert_eq!(
            parts("a$$b"),
            vec![
                (PartKind::Text("a".into()), 0..1),
                (PartKind::Dollar, 1..3),
                (PartKind::Text("b".into()), 3..4)
            ]
        );
    }

    #[test]
    fn peg_order_is_vamps() {
        // `.host` is matched as a prefix, the rest is text
        assert_eq!(
            parts("$db.hostname"),
            vec![
                (
                    PartKind::Reference(Reference::Host {
                        cluster: "db".into()
                    }),
                    0..8
                ),
                (PartKind::Text("name".into()), 8..12),
            ]
        );
        assert_eq!(
            parts("$a.b"),
            vec![(local("a"), 0..2), (PartKind::Text(".b".into()), 2..4)]
        );
    }

    #[test]
    fn unreadable_first_part_is_a_parser_error() {
        let error = parse_trait_value("${a b}").unwrap_err();
        assert_eq!(error.range, 4..5);
        assert!(error.message.contains("`}`"), "{}", error.message);
        assert!(parse_trait_value("").is_err());
    }

    #[test]
    fn vamp_drops_what_follows_an_unreadable_part() {
        let value = parse_trait_value("x ${a b} y").unwrap();
        assert_eq!(value.parts.len(), 1);
        let dropped = value.dropped.clone().expect("rest is dropped");
        assert_eq!(dropped.range, 2..10);
        assert!(dropped.message.contains("`}`"), "{}", dropped.message);
        assert_eq!(value.resolve(|_| String::new()), "x ");
    }

    #[test]
    fn resolve_and_display() {
        let value = parse_trait_value("$$${x}-$db.ports.web").unwrap();
        assert_eq!(value.resolve(|r| format!("<{r}>")), "$<$x>-<$db.ports.web>");
        let references: Vec<String> = value.references().map(|(r, _)| r.to_string()).collect();
        assert_eq!(references, ["$x", "$db.ports.web"]);
    }
}
