//! Vamp trait values with references (grammar `grammar/value.pest`, SPEC.md §7):
//! `jdbc:$db.host:$db.ports.port`, `${ name }`, `$$` (a literal `$`),
//! `${config://vamp.namespace}`. Parts keep byte spans relative to the value text.

use std::fmt;
use std::ops::Range;

use super::grammar_error::GrammarError;

/// A parsed trait value: its parts in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraitValue {
    pub parts: Vec<ValuePart>,
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

/// Parses a trait value. Vamp's grammar needs at least one part, so an empty text is an error
/// there; callers treat an empty value as "no value" before parsing.
pub fn parse_trait_value(text: &str) -> Result<TraitValue, GrammarError> {
    Err(GrammarError::new(
        0..text.len(),
        "value parser: being written",
    ))
}

impl TraitValue {
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
