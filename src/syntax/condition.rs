//! Vamp's route-condition language (grammar `grammar/condition.pest`, SPEC.md §6).
//!
//! Two grammars share one AST: Vamp's `BooleanParser` (operands `true`/`false`/words) and its
//! `ConditionDefinitionParser` (operands `host == x`, `user-agent != y`, `has cookie z`,
//! `<raw acl>` …). A parsed [`Condition`] keeps byte spans relative to the condition text. It
//! prints in Vamp's AST notation ([`Condition::to_vamp_notation`], as in CONDITIONS.tsv) and
//! as condition source ([`fmt::Display`], parses back to the same AST), converts to minimal
//! DNF ([`to_dnf`], Vamp's `BooleanFlatter`) and evaluates against a request ([`evaluate`]).

use std::fmt;
use std::ops::Range;

use super::grammar_error::GrammarError;

/// Which of Vamp's two grammars to read with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ConditionSyntax {
    /// `ConditionDefinitionParser`: the route-condition language of gateways.
    Route,
    /// `BooleanParser`: the base grammar (operands `true`, `false`, bare words).
    Boolean,
}

/// One node of a condition, with its byte range in the condition text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Condition {
    pub kind: ConditionKind,
    pub span: Range<usize>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConditionKind {
    True,
    False,
    Atom(Atom),
    Not(Box<Condition>),
    And(Box<Condition>, Box<Condition>),
    Or(Box<Condition>, Box<Condition>),
}

/// A condition operand that tests the request (Vamp's AST leaves).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Atom {
    /// A raw HAProxy ACL `<…>` (or, in the boolean grammar, a bare word).
    Value(String),
    Host(String),
    UserAgent(String),
    /// The request has this cookie.
    Cookie(String),
    /// The request has this header.
    Header(String),
    CookieContains {
        cookie: String,
        value: String,
    },
    HeaderContains {
        header: String,
        value: String,
    },
}

/// Parses a condition with one of Vamp's grammars.
pub fn parse_condition(text: &str, syntax: ConditionSyntax) -> Result<Condition, GrammarError> {
    let _ = syntax;
    Err(GrammarError::new(
        0..text.len(),
        "condition parser: being written",
    ))
}

/// Parses a gateway route condition (`ConditionDefinitionParser`).
pub fn parse_route_condition(text: &str) -> Result<Condition, GrammarError> {
    parse_condition(text, ConditionSyntax::Route)
}

impl Condition {
    /// Vamp's AST notation, e.g. `And(UserAgent("a"), Negation(Host("b")))`.
    pub fn to_vamp_notation(&self) -> String {
        String::new()
    }

    /// Equal as trees, ignoring spans.
    pub fn same_shape(&self, other: &Condition) -> bool {
        let _ = other;
        false
    }
}

impl fmt::Display for Condition {
    /// Condition source text that parses back to the same AST.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let _ = f;
        Ok(())
    }
}

/// One literal of a DNF term: an atom or its negation.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Literal {
    pub atom: Atom,
    pub positive: bool,
}

/// A condition in minimal disjunctive normal form, as Vamp's `BooleanFlatter` produces it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Dnf {
    /// Always matches (an unconditional route).
    True,
    /// Never matches (no ACL: the route is dead).
    False,
    /// OR of AND-terms; each term is a list of literals.
    Terms(Vec<Vec<Literal>>),
}

/// Most distinct atoms [`to_dnf`] accepts (its truth table has 2^n rows).
pub const MAX_DNF_ATOMS: usize = 12;

/// Converts a condition to minimal DNF; refuses more than [`MAX_DNF_ATOMS`] distinct atoms.
pub fn to_dnf(condition: &Condition) -> Result<Dnf, GrammarError> {
    Err(GrammarError::new(
        condition.span.clone(),
        "DNF: being written",
    ))
}

/// What a request offers to a condition. Header and cookie names are looked up as written in
/// the condition; implementations compare header names case-insensitively.
pub trait RequestAttributes {
    fn header(&self, name: &str) -> Option<&str>;
    fn cookie(&self, name: &str) -> Option<&str>;
    fn host(&self) -> Option<&str> {
        self.header("Host")
    }
    fn user_agent(&self) -> Option<&str> {
        self.header("User-Agent")
    }
}

/// Evaluates a condition against a request as HAProxy would after Vamp's translation;
/// `None` when the answer depends on a raw `<acl>` value (three-valued: `false and <acl>` is
/// still false).
pub fn evaluate(condition: &Condition, request: &impl RequestAttributes) -> Option<bool> {
    let _ = (condition, request);
    None
}
