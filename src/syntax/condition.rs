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

use pest::iterators::Pair;
use pest::Parser as _;

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

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/condition.pest"]
struct ConditionParser;

/// What each rule means, for "expected …" messages.
fn describe(rule: Rule) -> &'static str {
    match rule {
        Rule::EOI => "end of input",
        Rule::ws | Rule::ows => "whitespace",
        Rule::or_operator => "`or`",
        Rule::and_operator => "`and`",
        Rule::not_operator => "`!` or `not`",
        Rule::open_paren => "`(`",
        Rule::close_paren => "`)`",
        Rule::true_constant => "`true`",
        Rule::false_constant => "`false`",
        Rule::word => "a value",
        Rule::host_operand | Rule::host_keyword => "`host`",
        Rule::user_agent_operand | Rule::user_agent_keyword => "`user-agent`",
        Rule::cookie_operand | Rule::cookie_contains_operand | Rule::cookie_keyword => "`cookie`",
        Rule::header_operand | Rule::header_contains_operand | Rule::header_keyword => "`header`",
        Rule::acl_operand => "`<` (a raw HAProxy ACL)",
        Rule::acl => "an ACL between `<` and `>`",
        Rule::acl_open => "`<`",
        Rule::acl_close => "`>`",
        Rule::comparison => "a comparison (`==`, `!=`, `is`, `not`, `has`, `misses`)",
        Rule::contains | Rule::has => "`has` or `contains`",
        Rule::is => "`is`",
        Rule::misses => "`misses`",
        Rule::non_equal => "`!=`",
        Rule::equal => "`==`",
        Rule::string => "a value (no spaces or parentheses)",
        Rule::boolean_operand
        | Rule::boolean_input
        | Rule::boolean_expression
        | Rule::boolean_term
        | Rule::boolean_factor
        | Rule::boolean_not
        | Rule::boolean_parenthesis => "a condition (`true`, `false`, a value, `!`, `(`)",
        Rule::route_operand
        | Rule::route_input
        | Rule::route_expression
        | Rule::route_term
        | Rule::route_factor
        | Rule::route_not
        | Rule::route_parenthesis => {
            "a route condition (`host == h`, `user-agent != u`, `has cookie c`, \
             `header h has v`, `<acl>`, `!`, `(`)"
        }
    }
}

/// Parses a condition with one of Vamp's grammars.
pub fn parse_condition(text: &str, syntax: ConditionSyntax) -> Result<Condition, GrammarError> {
    check_nesting(text)?;
    let rule = match syntax {
        ConditionSyntax::Route => Rule::route_input,
        ConditionSyntax::Boolean => Rule::boolean_input,
    };
    let mut pairs = ConditionParser::parse(rule, text)
        .map_err(|error| GrammarError::from_pest(text, &error, describe))?;
    let expression = pairs
        .next()
        .and_then(|input| input.into_inner().next())
        .ok_or_else(|| GrammarError::new(0..text.len(), "expected a condition"))?;
    let mut budget = MAX_OPERATORS;
    build(expression, &mut budget)
}

/// Deepest parenthesis nesting accepted (the parser recurses per level).
pub const MAX_NESTING: usize = 32;

/// Most `and`/`or` operators in one condition (the AST is as deep as its operator chain).
pub const MAX_OPERATORS: usize = 256;

/// Refuses nesting deeper than [`MAX_NESTING`] before the recursive parser sees it.
fn check_nesting(text: &str) -> Result<(), GrammarError> {
    let mut depth = 0usize;
    for (offset, c) in text.char_indices() {
        match c {
            '(' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(GrammarError::new(
                        offset..offset + 1,
                        format!("parentheses nest more than {MAX_NESTING} deep"),
                    ));
                }
            }
            ')' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// Parses a gateway route condition (`ConditionDefinitionParser`).
pub fn parse_route_condition(text: &str) -> Result<Condition, GrammarError> {
    parse_condition(text, ConditionSyntax::Route)
}

fn span_of(pair: &Pair<'_, Rule>) -> Range<usize> {
    pair.as_span().start()..pair.as_span().end()
}

fn malformed(span: Range<usize>) -> GrammarError {
    GrammarError::new(span, "malformed condition")
}

/// Turns a pest pair into the AST (operators fold to the left, as Vamp's `~> Or` does).
fn build(pair: Pair<'_, Rule>, budget: &mut usize) -> Result<Condition, GrammarError> {
    let span = span_of(&pair);
    match pair.as_rule() {
        Rule::boolean_expression | Rule::route_expression => {
            fold_left(pair, ConditionKind::Or, budget)
        }
        Rule::boolean_term | Rule::route_term => fold_left(pair, ConditionKind::And, budget),
        Rule::boolean_factor
        | Rule::route_factor
        | Rule::boolean_parenthesis
        | Rule::route_parenthesis => {
            let inner = pair
                .into_inner()
                .find(|p| !matches!(p.as_rule(), Rule::ws | Rule::open_paren | Rule::close_paren))
                .ok_or_else(|| malformed(span))?;
            build(inner, budget)
        }
        Rule::boolean_not | Rule::route_not => {
            let operand = pair
                .into_inner()
                .find(|p| p.as_rule() != Rule::not_operator)
                .ok_or_else(|| malformed(span.clone()))?;
            Ok(Condition {
                kind: ConditionKind::Not(Box::new(build(operand, budget)?)),
                span,
            })
        }
        Rule::true_constant => Ok(Condition {
            kind: ConditionKind::True,
            span,
        }),
        Rule::false_constant => Ok(Condition {
            kind: ConditionKind::False,
            span,
        }),
        Rule::word => Ok(atom(Atom::Value(pair.as_str().to_string()), true, span)),
        Rule::acl_operand => {
            let acl = pair
                .into_inner()
                .find(|p| p.as_rule() == Rule::acl)
                .ok_or_else(|| malformed(span.clone()))?;
            Ok(atom(
                Atom::Value(acl.as_str().trim().to_string()),
                true,
                span,
            ))
        }
        Rule::host_operand
        | Rule::user_agent_operand
        | Rule::cookie_operand
        | Rule::header_operand
        | Rule::cookie_contains_operand
        | Rule::header_contains_operand => {
            let rule = pair.as_rule();
            let mut positive = true;
            let mut strings = Vec::new();
            for part in pair.into_inner() {
                match part.as_rule() {
                    Rule::comparison | Rule::contains => {
                        positive = !part
                            .into_inner()
                            .any(|p| matches!(p.as_rule(), Rule::non_equal | Rule::misses));
                    }
                    Rule::string => strings.push(part.as_str().to_string()),
                    _ => {}
                }
            }
            let mut strings = strings.into_iter();
            let (first, second) = (strings.next(), strings.next());
            let value = match (rule, first, second) {
                (Rule::host_operand, Some(v), _) => Atom::Host(v),
                (Rule::user_agent_operand, Some(v), _) => Atom::UserAgent(v),
                (Rule::cookie_operand, Some(v), _) => Atom::Cookie(v),
                (Rule::header_operand, Some(v), _) => Atom::Header(v),
                (Rule::cookie_contains_operand, Some(cookie), Some(value)) => {
                    Atom::CookieContains { cookie, value }
                }
                (Rule::header_contains_operand, Some(header), Some(value)) => {
                    Atom::HeaderContains { header, value }
                }
                _ => return Err(malformed(span)),
            };
            Ok(atom(value, positive, span))
        }
        _ => Err(malformed(span)),
    }
}

/// An atom, negated when the comparison was negative (`host != x` is `Negation(Host(x))`).
fn atom(value: Atom, positive: bool, span: Range<usize>) -> Condition {
    let leaf = Condition {
        kind: ConditionKind::Atom(value),
        span: span.clone(),
    };
    if positive {
        leaf
    } else {
        Condition {
            kind: ConditionKind::Not(Box::new(leaf)),
            span,
        }
    }
}

fn fold_left(
    pair: Pair<'_, Rule>,
    combine: impl Fn(Box<Condition>, Box<Condition>) -> ConditionKind,
    budget: &mut usize,
) -> Result<Condition, GrammarError> {
    let span = span_of(&pair);
    let mut operands = pair.into_inner().filter(|p| {
        !matches!(
            p.as_rule(),
            Rule::ws | Rule::or_operator | Rule::and_operator
        )
    });
    let first = operands.next().ok_or_else(|| malformed(span))?;
    let mut result = build(first, budget)?;
    for operand in operands {
        let right = build(operand, budget)?;
        if *budget == 0 {
            return Err(GrammarError::new(
                right.span,
                format!("condition has more than {MAX_OPERATORS} `and`/`or` operators"),
            ));
        }
        *budget -= 1;
        let span = result.span.start..right.span.end;
        result = Condition {
            kind: combine(Box::new(result), Box::new(right)),
            span,
        };
    }
    Ok(result)
}

impl Condition {
    /// Vamp's AST notation, e.g. `And(UserAgent("a"), Negation(Host("b")))`.
    pub fn to_vamp_notation(&self) -> String {
        let mut out = String::new();
        self.write_vamp_notation(&mut out);
        out
    }

    fn write_vamp_notation(&self, out: &mut String) {
        match &self.kind {
            ConditionKind::True => out.push_str("True"),
            ConditionKind::False => out.push_str("False"),
            ConditionKind::Atom(atom) => out.push_str(&atom.to_vamp_notation()),
            ConditionKind::Not(inner) => {
                out.push_str("Negation(");
                inner.write_vamp_notation(out);
                out.push(')');
            }
            ConditionKind::And(left, right) | ConditionKind::Or(left, right) => {
                let name = if matches!(self.kind, ConditionKind::And(..)) {
                    "And("
                } else {
                    "Or("
                };
                out.push_str(name);
                left.write_vamp_notation(out);
                out.push_str(", ");
                right.write_vamp_notation(out);
                out.push(')');
            }
        }
    }

    /// Equal as trees, ignoring spans.
    pub fn same_shape(&self, other: &Condition) -> bool {
        match (&self.kind, &other.kind) {
            (ConditionKind::True, ConditionKind::True)
            | (ConditionKind::False, ConditionKind::False) => true,
            (ConditionKind::Atom(a), ConditionKind::Atom(b)) => a == b,
            (ConditionKind::Not(a), ConditionKind::Not(b)) => a.same_shape(b),
            (ConditionKind::And(a1, a2), ConditionKind::And(b1, b2))
            | (ConditionKind::Or(a1, a2), ConditionKind::Or(b1, b2)) => {
                a1.same_shape(b1) && a2.same_shape(b2)
            }
            _ => false,
        }
    }

    /// Condition source in the given syntax that parses back to the same AST (when every
    /// value is expressible there: route values without spaces or parentheses; constants only
    /// in the boolean syntax; in the boolean syntax only `Value` atoms).
    pub fn to_source(&self, syntax: ConditionSyntax) -> String {
        let mut out = String::new();
        self.write_source(syntax, &mut out);
        out
    }

    fn write_source(&self, syntax: ConditionSyntax, out: &mut String) {
        let parenthesized = |child: &Condition, out: &mut String| {
            out.push('(');
            child.write_source(syntax, out);
            out.push(')');
        };
        match &self.kind {
            ConditionKind::True => out.push_str("true"),
            ConditionKind::False => out.push_str("false"),
            ConditionKind::Atom(atom) => out.push_str(&atom.to_source(syntax)),
            ConditionKind::Not(inner) => {
                out.push('!');
                match inner.kind {
                    ConditionKind::True | ConditionKind::False | ConditionKind::Atom(_) => {
                        inner.write_source(syntax, out)
                    }
                    _ => parenthesized(inner, out),
                }
            }
            ConditionKind::And(left, right) => {
                if matches!(left.kind, ConditionKind::Or(..)) {
                    parenthesized(left, out);
                } else {
                    left.write_source(syntax, out);
                }
                out.push_str(" and ");
                if matches!(right.kind, ConditionKind::Or(..) | ConditionKind::And(..)) {
                    parenthesized(right, out);
                } else {
                    right.write_source(syntax, out);
                }
            }
            ConditionKind::Or(left, right) => {
                left.write_source(syntax, out);
                out.push_str(" or ");
                if matches!(right.kind, ConditionKind::Or(..)) {
                    parenthesized(right, out);
                } else {
                    right.write_source(syntax, out);
                }
            }
        }
    }

    /// The distinct atoms in order of first appearance.
    pub fn atoms(&self) -> Vec<&Atom> {
        let mut found: Vec<&Atom> = Vec::new();
        self.collect_atoms(&mut found);
        found
    }

    fn collect_atoms<'a>(&'a self, found: &mut Vec<&'a Atom>) {
        match &self.kind {
            ConditionKind::True | ConditionKind::False => {}
            ConditionKind::Atom(atom) => {
                if !found.contains(&atom) {
                    found.push(atom);
                }
            }
            ConditionKind::Not(inner) => inner.collect_atoms(found),
            ConditionKind::And(left, right) | ConditionKind::Or(left, right) => {
                left.collect_atoms(found);
                right.collect_atoms(found);
            }
        }
    }

    /// The condition's value when each atom has the value `truth(atom)`.
    fn value_with(&self, truth: &impl Fn(&Atom) -> bool) -> bool {
        match &self.kind {
            ConditionKind::True => true,
            ConditionKind::False => false,
            ConditionKind::Atom(atom) => truth(atom),
            ConditionKind::Not(inner) => !inner.value_with(truth),
            ConditionKind::And(left, right) => left.value_with(truth) && right.value_with(truth),
            ConditionKind::Or(left, right) => left.value_with(truth) || right.value_with(truth),
        }
    }
}

impl fmt::Display for Condition {
    /// Route-condition source (see [`Condition::to_source`]).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_source(ConditionSyntax::Route))
    }
}

/// `"text"` with `\` and `"` escaped.
fn quoted(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

impl Atom {
    /// Vamp's AST notation, e.g. `CookieContains("vamp", "12345")`.
    pub fn to_vamp_notation(&self) -> String {
        match self {
            Atom::Value(v) => format!("Value({})", quoted(v)),
            Atom::Host(v) => format!("Host({})", quoted(v)),
            Atom::UserAgent(v) => format!("UserAgent({})", quoted(v)),
            Atom::Cookie(v) => format!("Cookie({})", quoted(v)),
            Atom::Header(v) => format!("Header({})", quoted(v)),
            Atom::CookieContains { cookie, value } => {
                format!("CookieContains({}, {})", quoted(cookie), quoted(value))
            }
            Atom::HeaderContains { header, value } => {
                format!("HeaderContains({}, {})", quoted(header), quoted(value))
            }
        }
    }

    /// Source text of this atom in the given syntax (`host == x`, `<acl>`, `word`).
    pub fn to_source(&self, syntax: ConditionSyntax) -> String {
        match (self, syntax) {
            (Atom::Value(v), ConditionSyntax::Boolean) => v.clone(),
            (Atom::Value(v), ConditionSyntax::Route) => format!("<{v}>"),
            (Atom::Host(v), _) => format!("host == {v}"),
            (Atom::UserAgent(v), _) => format!("user-agent == {v}"),
            (Atom::Cookie(v), _) => format!("has cookie {v}"),
            (Atom::Header(v), _) => format!("has header {v}"),
            (Atom::CookieContains { cookie, value }, _) => format!("cookie {cookie} has {value}"),
            (Atom::HeaderContains { header, value }, _) => format!("header {header} has {value}"),
        }
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

/// Converts a condition to minimal DNF (truth table, Quine–McCluskey prime implicants, then
/// the smallest cover). Refuses more than [`MAX_DNF_ATOMS`] distinct atoms.
///
/// Vamp's `BooleanFlatter` builds the same truth table but merges minterms only once and can
/// drop a minterm that has no partner; this function is the logically equivalent minimum.
pub fn to_dnf(condition: &Condition) -> Result<Dnf, GrammarError> {
    let atoms = condition.atoms();
    if atoms.len() > MAX_DNF_ATOMS {
        return Err(GrammarError::new(
            condition.span.clone(),
            format!(
                "condition has {} distinct tests; at most {MAX_DNF_ATOMS} can be normalised",
                atoms.len()
            ),
        ));
    }
    let rows = 1u32 << atoms.len();
    let minterms: Vec<u32> = (0..rows)
        .filter(|&row| {
            condition.value_with(&|atom: &Atom| {
                atoms
                    .iter()
                    .position(|a| *a == atom)
                    .is_some_and(|i| row & (1 << i) != 0)
            })
        })
        .collect();
    if minterms.is_empty() {
        return Ok(Dnf::False);
    }
    if minterms.len() as u32 == rows {
        return Ok(Dnf::True);
    }
    let primes = prime_implicants(&minterms);
    let mut chosen = minimum_cover(&minterms, &primes);
    // shorter terms first, then by atom order with the positive literal first
    let order_key = |implicant: &Implicant| {
        let literals: Vec<(usize, bool)> = (0..atoms.len())
            .filter(|i| implicant.dont_care & (1 << i) == 0)
            .map(|i| (i, implicant.value & (1 << i) == 0))
            .collect();
        (literals.len(), literals)
    };
    chosen.sort_by_key(order_key);
    let terms: Vec<Vec<Literal>> = chosen
        .iter()
        .map(|implicant| {
            atoms
                .iter()
                .enumerate()
                .filter(|(i, _)| implicant.dont_care & (1 << i) == 0)
                .map(|(i, atom)| Literal {
                    atom: (*atom).clone(),
                    positive: implicant.value & (1 << i) != 0,
                })
                .collect()
        })
        .collect();
    Ok(Dnf::Terms(terms))
}

/// Most distinct atoms for which [`vamp_flatten`] can reproduce Vamp: beyond four, Scala's
/// `Set` iterates in hash order, which decides Vamp's variable order.
pub const VAMP_FLATTEN_MAX_ATOMS: usize = 4;

/// Vamp 0.9.5's `BooleanFlatter.flatten`, reproduced step by step (including its flaw: it
/// merges minterms in a single pass and keeps an unmerged minterm only when it is the last
/// one, so e.g. `a and !b or !a and b` loses `a and !b`). `None` above
/// [`VAMP_FLATTEN_MAX_ATOMS`] atoms. Compare with [`equivalent`] to find conditions whose
/// meaning Vamp changes when it writes the HAProxy configuration.
pub fn vamp_flatten(condition: &Condition) -> Option<Condition> {
    let atoms = condition.atoms();
    if atoms.len() > VAMP_FLATTEN_MAX_ATOMS {
        return None;
    }
    let span = condition.span.clone();
    let leaf = |kind: ConditionKind| Condition {
        kind,
        span: span.clone(),
    };
    if atoms.is_empty() {
        let constant = if condition.value_with(&|_: &Atom| false) {
            ConditionKind::True
        } else {
            ConditionKind::False
        };
        return Some(leaf(constant));
    }
    // (row value, literals by atom index; None once merged away, reduced flag)
    struct Minterm {
        value: u32,
        literals: Vec<Option<bool>>,
        reduced: bool,
    }
    let mut minterms: Vec<Minterm> = (0..1u32 << atoms.len())
        .filter(|&row| {
            condition.value_with(&|atom: &Atom| {
                atoms
                    .iter()
                    .position(|a| *a == atom)
                    .is_some_and(|i| row & (1 << i) != 0)
            })
        })
        .map(|row| Minterm {
            value: row,
            literals: (0..atoms.len())
                .map(|i| Some(row & (1 << i) != 0))
                .collect(),
            reduced: false,
        })
        .collect();
    if minterms.is_empty() {
        return Some(leaf(ConditionKind::False));
    }
    let mut result: Vec<Vec<Option<bool>>> = Vec::new();
    for head in 0..minterms.len() {
        if head + 1 == minterms.len() {
            if !minterms[head].reduced {
                result.push(minterms[head].literals.clone());
            }
            break;
        }
        for other in head + 1..minterms.len() {
            let difference = minterms[other].value ^ minterms[head].value;
            if difference.count_ones() == 1 {
                let mut merged = minterms[head].literals.clone();
                if let Some(slot) = merged.get_mut(difference.trailing_zeros() as usize) {
                    *slot = None;
                }
                result.push(merged);
                minterms[other].reduced = true;
            }
        }
    }
    let term = |literals: &Vec<Option<bool>>| -> Condition {
        literals
            .iter()
            .zip(&atoms)
            .filter_map(|(literal, atom)| {
                literal.map(|positive| {
                    let atom = leaf(ConditionKind::Atom((*atom).clone()));
                    if positive {
                        atom
                    } else {
                        leaf(ConditionKind::Not(Box::new(atom)))
                    }
                })
            })
            .reduce(|a, b| leaf(ConditionKind::And(Box::new(a), Box::new(b))))
            .unwrap_or_else(|| leaf(ConditionKind::True))
    };
    result
        .iter()
        .map(term)
        .reduce(|a, b| leaf(ConditionKind::Or(Box::new(a), Box::new(b))))
}

/// Whether two conditions have the same truth table over their atoms (at most
/// [`MAX_DNF_ATOMS`] distinct atoms together; `None` beyond).
pub fn equivalent(a: &Condition, b: &Condition) -> Option<bool> {
    let mut atoms = a.atoms();
    for atom in b.atoms() {
        if !atoms.contains(&atom) {
            atoms.push(atom);
        }
    }
    if atoms.len() > MAX_DNF_ATOMS {
        return None;
    }
    Some((0..1u32 << atoms.len()).all(|row| {
        let truth = |atom: &Atom| {
            atoms
                .iter()
                .position(|x| *x == atom)
                .is_some_and(|i| row & (1 << i) != 0)
        };
        a.value_with(&truth) == b.value_with(&truth)
    }))
}

/// A product term over the truth table's variables: bits in `dont_care` are free.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Implicant {
    value: u32,
    dont_care: u32,
}

impl Implicant {
    fn covers(self, minterm: u32) -> bool {
        minterm & !self.dont_care == self.value
    }

    fn literal_count(self) -> u32 {
        u32::BITS - self.dont_care.count_ones()
    }
}

fn prime_implicants(minterms: &[u32]) -> Vec<Implicant> {
    let mut current: Vec<Implicant> = minterms
        .iter()
        .map(|&value| Implicant {
            value,
            dont_care: 0,
        })
        .collect();
    let mut primes = Vec::new();
    while !current.is_empty() {
        let mut merged = vec![false; current.len()];
        let mut next = std::collections::BTreeSet::new();
        for (i, a) in current.iter().enumerate() {
            for (j, b) in current.iter().enumerate().skip(i + 1) {
                let difference = a.value ^ b.value;
                if a.dont_care == b.dont_care && difference.count_ones() == 1 {
                    merged[i] = true;
                    merged[j] = true;
                    next.insert(Implicant {
                        value: a.value & !difference,
                        dont_care: a.dont_care | difference,
                    });
                }
            }
        }
        primes.extend(
            current
                .iter()
                .zip(&merged)
                .filter(|(_, &was_merged)| !was_merged)
                .map(|(implicant, _)| *implicant),
        );
        current = next.into_iter().collect();
    }
    primes.sort();
    primes.dedup();
    primes
}

/// Most optional prime implicants searched exhaustively; beyond, a greedy cover.
const EXACT_COVER_LIMIT: usize = 16;

/// Essential primes first, then the cover with the fewest terms (then fewest literals).
fn minimum_cover(minterms: &[u32], primes: &[Implicant]) -> Vec<Implicant> {
    let mut chosen: Vec<Implicant> = Vec::new();
    for &minterm in minterms {
        let covering: Vec<&Implicant> = primes.iter().filter(|p| p.covers(minterm)).collect();
        if let [only] = covering.as_slice() {
            if !chosen.contains(only) {
                chosen.push(**only);
            }
        }
    }
    let uncovered: Vec<u32> = minterms
        .iter()
        .copied()
        .filter(|&m| !chosen.iter().any(|p| p.covers(m)))
        .collect();
    if uncovered.is_empty() {
        return chosen;
    }
    let optional: Vec<Implicant> = primes
        .iter()
        .copied()
        .filter(|p| !chosen.contains(p) && uncovered.iter().any(|&m| p.covers(m)))
        .collect();
    if optional.len() <= EXACT_COVER_LIMIT {
        let mut best: Option<(u32, u32, u32)> = None; // (terms, literals, subset)
        for subset in 1u32..(1 << optional.len()) {
            let picked = || {
                optional
                    .iter()
                    .enumerate()
                    .filter(move |(i, _)| subset & (1 << i) != 0)
                    .map(|(_, p)| *p)
            };
            if !uncovered.iter().all(|&m| picked().any(|p| p.covers(m))) {
                continue;
            }
            let cost = (
                subset.count_ones(),
                picked().map(Implicant::literal_count).sum(),
                subset,
            );
            if best.is_none_or(|b| (cost.0, cost.1) < (b.0, b.1)) {
                best = Some(cost);
            }
        }
        if let Some((_, _, subset)) = best {
            chosen.extend(
                optional
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| subset & (1 << i) != 0)
                    .map(|(_, p)| *p),
            );
        }
    } else {
        let mut remaining = uncovered;
        while !remaining.is_empty() {
            let Some(best) = optional.iter().copied().max_by_key(|p| {
                (
                    remaining.iter().filter(|&&m| p.covers(m)).count(),
                    std::cmp::Reverse(p.literal_count()),
                    std::cmp::Reverse(*p),
                )
            }) else {
                break;
            };
            remaining.retain(|&m| !best.covers(m));
            chosen.push(best);
        }
    }
    chosen
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
    match &condition.kind {
        ConditionKind::True => Some(true),
        ConditionKind::False => Some(false),
        ConditionKind::Atom(atom) => evaluate_atom(atom, request),
        ConditionKind::Not(inner) => evaluate(inner, request).map(|value| !value),
        ConditionKind::And(left, right) => {
            match (evaluate(left, request), evaluate(right, request)) {
                (Some(false), _) | (_, Some(false)) => Some(false),
                (Some(true), Some(true)) => Some(true),
                _ => None,
            }
        }
        ConditionKind::Or(left, right) => match (evaluate(left, request), evaluate(right, request))
        {
            (Some(true), _) | (_, Some(true)) => Some(true),
            (Some(false), Some(false)) => Some(false),
            _ => None,
        },
    }
}

/// Vamp's user-agent shortcuts (`user-agents.yml`, keys case-insensitive): each names the
/// substrings that must all occur in the User-Agent header.
pub fn user_agent_shortcut(name: &str) -> Option<&'static [&'static str]> {
    const SHORTCUTS: [(&str, &[&str]); 5] = [
        ("chrome", &["Chrome"]),
        ("firefox", &["Firefox"]),
        ("safari", &["Safari", "Version"]),
        ("edge", &["Edge"]),
        ("ie", &["MSIE"]),
    ];
    SHORTCUTS
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, substrings)| *substrings)
}

/// One test, as the HAProxy ACL Vamp emits for it would answer (`hdr_str` exact, `hdr_sub`
/// and `cook_sub` substring, case-sensitive).
fn evaluate_atom(atom: &Atom, request: &impl RequestAttributes) -> Option<bool> {
    Some(match atom {
        Atom::Value(_) => return None,
        Atom::Host(host) => request.host() == Some(host.as_str()),
        Atom::UserAgent(agent) => {
            let header = request.user_agent().unwrap_or("");
            match user_agent_shortcut(agent) {
                Some(substrings) => substrings.iter().all(|s| header.contains(s)),
                None => header.contains(agent.as_str()),
            }
        }
        Atom::Cookie(name) => request.cookie(name).is_some(),
        Atom::Header(name) => request.header(name).is_some(),
        Atom::CookieContains { cookie, value } => request
            .cookie(cookie)
            .is_some_and(|v| v.contains(value.as_str())),
        Atom::HeaderContains { header, value } => request
            .header(header)
            .is_some_and(|v| v.contains(value.as_str())),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(text: &str) -> Condition {
        parse_route_condition(text).expect("condition parses")
    }

    fn boolean(text: &str) -> Condition {
        parse_condition(text, ConditionSyntax::Boolean).expect("condition parses")
    }

    #[test]
    fn spans_are_relative_to_the_text() {
        let condition = route("host == a and  user-agent != b");
        assert_eq!(condition.span, 0..30);
        let ConditionKind::And(left, right) = &condition.kind else {
            panic!("expected And, got {condition:?}");
        };
        assert_eq!(left.span, 0..9);
        assert_eq!(right.span, 15..30);
    }

    #[test]
    fn error_points_at_the_first_unaccepted_character() {
        let error = parse_route_condition("User-Agent = = x").unwrap_err();
        assert_eq!(error.range, 15..16);
        assert!(error.message.contains("found `x`"), "{}", error.message);
        let error = parse_route_condition("<hdr_sub(user-agent) Android").unwrap_err();
        assert_eq!(error.range, 28..28);
        assert!(error.message.contains("`>`"), "{}", error.message);
    }

    #[test]
    fn route_grammar_has_no_constants_and_boolean_grammar_no_tests() {
        assert!(parse_route_condition("true").is_err());
        assert!(parse_condition("host == a", ConditionSyntax::Boolean).is_err());
    }

    #[test]
    fn boolean_grammar_is_a_peg_like_vamps() {
        // `t` is read as True, then `est` cannot follow: Vamp fails on it too
        assert!(parse_condition("test", ConditionSyntax::Boolean).is_err());
        assert!(parse_condition("!!a", ConditionSyntax::Boolean).is_err());
    }

    fn dnf_text(dnf: &Dnf) -> String {
        match dnf {
            Dnf::True => "TRUE".into(),
            Dnf::False => "FALSE".into(),
            Dnf::Terms(terms) => terms
                .iter()
                .map(|term| {
                    term.iter()
                        .map(|l| {
                            let name = match &l.atom {
                                Atom::Value(v) => v.clone(),
                                other => other.to_vamp_notation(),
                            };
                            if l.positive {
                                name
                            } else {
                                format!("!{name}")
                            }
                        })
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .collect::<Vec<_>>()
                .join(" | "),
        }
    }

    #[test]
    fn dnf_is_minimal() {
        let dnf = |text: &str| dnf_text(&to_dnf(&boolean(text)).unwrap());
        assert_eq!(dnf("a and b or a and not b"), "a");
        assert_eq!(dnf("a or not a"), "TRUE");
        assert_eq!(dnf("a and not a"), "FALSE");
        assert_eq!(dnf("1 and 0"), "FALSE");
        assert_eq!(dnf("(a or b) and c"), "a c | b c");
        // XOR keeps both terms (Vamp's BooleanFlatter drops one)
        assert_eq!(dnf("a and !b or !a and b"), "a !b | !a b");
        assert_eq!(dnf("!(a and b)"), "!a | !b");
    }

    #[test]
    fn vamp_flatten_reproduces_booleanflatter() {
        let flat = |text: &str| vamp_flatten(&boolean(text)).unwrap().to_vamp_notation();
        assert_eq!(flat("a or b"), r#"Or(Value("a"), Value("b"))"#);
        assert_eq!(flat("a and b"), r#"And(Value("a"), Value("b"))"#);
        assert_eq!(flat("a or not a"), "True");
        assert_eq!(flat("a and not a"), "False");
        assert_eq!(flat("true"), "True");
        // the flaw: the unpaired first minterm (a, !b) is dropped
        let xor = boolean("a and !b or !a and b");
        let flattened = vamp_flatten(&xor).unwrap();
        assert_eq!(
            flattened.to_vamp_notation(),
            r#"And(Negation(Value("a")), Value("b"))"#
        );
        assert_eq!(equivalent(&xor, &flattened), Some(false));
        assert_eq!(
            equivalent(&boolean("a or b"), &boolean("b or a")),
            Some(true)
        );
        assert_eq!(vamp_flatten(&boolean("a and b and c and d and e")), None);
    }

    #[test]
    fn hostile_nesting_and_length_are_refused_not_overflowed() {
        let deep = format!("{}a{}", "(".repeat(10_000), ")".repeat(10_000));
        let error = parse_condition(&deep, ConditionSyntax::Boolean).unwrap_err();
        assert_eq!(error.range, MAX_NESTING..MAX_NESTING + 1);
        let ok = format!("{}a{}", "(".repeat(MAX_NESTING), ")".repeat(MAX_NESTING));
        assert!(parse_condition(&ok, ConditionSyntax::Boolean).is_ok());
        let long = vec!["a"; MAX_OPERATORS + 2].join(" and ");
        assert!(parse_condition(&long, ConditionSyntax::Boolean).is_err());
    }

    #[test]
    fn dnf_refuses_too_many_atoms() {
        let text = (0..=MAX_DNF_ATOMS)
            .map(|i| format!("v{i}"))
            .collect::<Vec<_>>()
            .join(" and ");
        assert!(to_dnf(&boolean(&text)).is_err());
    }

    struct Request {
        headers: Vec<(&'static str, &'static str)>,
        cookies: Vec<(&'static str, &'static str)>,
    }

    impl RequestAttributes for Request {
        fn header(&self, name: &str) -> Option<&str> {
            self.headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| *v)
        }
        fn cookie(&self, name: &str) -> Option<&str> {
            self.cookies
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| *v)
        }
    }

    #[test]
    fn evaluation_follows_haproxy_acls() {
        let request = Request {
            headers: vec![
                ("Host", "example.com"),
                (
                    "User-Agent",
                    "Mozilla/5.0 (Macintosh) AppleWebKit Version/10.0 Safari/603",
                ),
                ("X-Beta", "yes-please"),
            ],
            cookies: vec![("group", "beta-12345")],
        };
        let eval = |text: &str| evaluate(&route(text), &request);
        assert_eq!(eval("host == example.com"), Some(true));
        assert_eq!(eval("host == example"), Some(false));
        assert_eq!(eval("user-agent == safari"), Some(true));
        assert_eq!(eval("user-agent == Chrome"), Some(false));
        assert_eq!(eval("user-agent == Macintosh"), Some(true));
        assert_eq!(eval("has cookie group"), Some(true));
        assert_eq!(eval("misses cookie other"), Some(true));
        assert_eq!(eval("cookie group has 12345"), Some(true));
        assert_eq!(eval("has header x-beta"), Some(true));
        assert_eq!(eval("header X-Beta contains please"), Some(true));
        assert_eq!(eval("<hdr_sub(user-agent) Android>"), None);
        assert_eq!(eval("<acl> and host == other"), Some(false));
        assert_eq!(eval("<acl> or host == example.com"), Some(true));
    }

    #[test]
    fn user_agent_shortcuts_are_case_insensitive() {
        assert_eq!(user_agent_shortcut("IE"), Some(&["MSIE"][..]));
        assert_eq!(
            user_agent_shortcut("SaFaRi"),
            Some(&["Safari", "Version"][..])
        );
        assert_eq!(user_agent_shortcut("Opera"), None);
    }

    #[test]
    fn source_printing_parses_back() {
        for text in [
            "host == a and (user-agent != b or has cookie c)",
            "!(header h has v and <x y>) or misses header z",
            "(host == a or host == b) and host == c",
        ] {
            let condition = route(text);
            let printed = condition.to_source(ConditionSyntax::Route);
            assert!(route(&printed).same_shape(&condition), "{text} → {printed}");
        }
    }
}
