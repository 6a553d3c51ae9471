//! Vamp route conditions → HAProxy ACLs (vamp 0.9.2 `HaProxyAclResolver.scala`): user-agent
//! shorthands expanded (`user-agents.yml`), the condition brought to disjunctive normal form,
//! each test one named ACL (the first 16 hex digits of its definition's SHA-1, salt `0000`),
//! AND as a space, OR as ` or `, NOT as `!`.
//!
//! rehearse uses the minimal DNF ([`to_dnf`]), the one the simulator evaluates, not Vamp's
//! `BooleanFlatter`, which can drop a term (reference/vamp/SPEC.md §6).

use crate::emit::sha1::vamp_hex;
use crate::syntax::condition::{
    to_dnf, user_agent_shortcut, Atom, Condition, ConditionKind, Dnf, Literal,
};

/// One named ACL line: `acl <name> <definition>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Acl {
    pub name: String,
    pub definition: String,
}

impl Acl {
    pub fn new(definition: String) -> Acl {
        let hex = vamp_hex(&definition, "0000");
        let name = hex.chars().take(16).collect();
        Acl { name, definition }
    }
}

/// What a condition becomes: the ACL lines and the `if` expression (`None`: always).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Acls {
    pub acls: Vec<Acl>,
    pub condition: Option<String>,
}

/// A condition HAProxy cannot be given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AclProblem {
    TooComplex(String),
}

/// The ACLs of a condition; `Ok(None)` when it never matches (Vamp then writes no
/// `use_backend` for the route).
pub fn resolve(condition: &Condition) -> Result<Option<Acls>, AclProblem> {
    let expanded = expand(condition);
    match to_dnf(&expanded).map_err(|e| AclProblem::TooComplex(e.to_string()))? {
        Dnf::False => Ok(None),
        Dnf::True => Ok(Some(Acls {
            acls: Vec::new(),
            condition: None,
        })),
        Dnf::Terms(terms) => {
            let mut acls: Vec<Acl> = Vec::new();
            let mut expression = Vec::new();
            for term in &terms {
                let mut words = Vec::new();
                for literal in term {
                    let (definition, negated) = definition(literal);
                    let acl = Acl::new(definition);
                    words.push(if negated {
                        format!("!{}", acl.name)
                    } else {
                        acl.name.clone()
                    });
                    if !acls.contains(&acl) {
                        acls.push(acl);
                    }
                }
                expression.push(words.join(" "));
            }
            Ok(Some(Acls {
                acls,
                condition: Some(expression.join(" or ")),
            }))
        }
    }
}

/// The HAProxy definition of one literal, and whether it is negated with `!`. A missing
/// cookie or header is its own positive test, as Vamp writes it.
fn definition(literal: &Literal) -> (String, bool) {
    let negated = !literal.positive;
    match &literal.atom {
        Atom::Cookie(name) if negated => (format!("cook_cnt({name}) eq 0"), false),
        Atom::Header(name) if negated => (format!("hdr_cnt({name}) eq 0"), false),
        atom => (atom_definition(atom), negated),
    }
}

/// The HAProxy test of an atom (its positive form).
pub fn atom_definition(atom: &Atom) -> String {
    match atom {
        Atom::Value(raw) => raw.trim().to_owned(),
        Atom::Host(host) => format!("hdr_str(host) {host}"),
        Atom::UserAgent(agent) => format!("hdr_sub(user-agent) {agent}"),
        Atom::Cookie(name) => format!("cook({name}) -m found"),
        Atom::Header(name) => format!("hdr_cnt({name}) gt 0"),
        Atom::CookieContains { cookie, value } => format!("cook_sub({cookie}) {value}"),
        Atom::HeaderContains { header, value } => format!("hdr_sub({header}) {value}"),
    }
}

/// Replaces each user-agent shorthand (`chrome`, `safari`, ...) by the substrings it stands
/// for, ANDed.
fn expand(condition: &Condition) -> Condition {
    let kind = match &condition.kind {
        ConditionKind::Atom(Atom::UserAgent(agent)) => match user_agent_shortcut(agent) {
            Some(substrings) => {
                let leaf = |s: &&str| Condition {
                    kind: ConditionKind::Atom(Atom::UserAgent((*s).to_owned())),
                    span: condition.span.clone(),
                };
                let mut parts = substrings.iter().map(leaf);
                let first = parts.next().map(|c| c.kind).unwrap_or(ConditionKind::True);
                parts.fold(first, |left, right| {
                    ConditionKind::And(
                        Box::new(Condition {
                            kind: left,
                            span: condition.span.clone(),
                        }),
                        Box::new(right),
                    )
                })
            }
            None => condition.kind.clone(),
        },
        ConditionKind::Not(inner) => ConditionKind::Not(Box::new(expand(inner))),
        ConditionKind::And(a, b) => ConditionKind::And(Box::new(expand(a)), Box::new(expand(b))),
        ConditionKind::Or(a, b) => ConditionKind::Or(Box::new(expand(a)), Box::new(expand(b))),
        other => other.clone(),
    };
    Condition {
        kind,
        span: condition.span.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::condition::parse_route_condition;

    #[test]
    fn acl_names_are_vamps() {
        // configuration_7.txt
        assert_eq!(
            Acl::new("cook_sub(group) admin".into()).name,
            "445a3abaca79c140"
        );
        assert_eq!(
            Acl::new("hdr_sub(user-agent) Version".into()).name,
            "54c1c532d16b2684"
        );
    }

    #[test]
    fn safari_expands_to_two_tests_and_negation_distributes() {
        let c = parse_route_condition("user-agent != safari and has header x").unwrap();
        let acls = resolve(&c).unwrap().unwrap();
        let definitions: Vec<&str> = acls.acls.iter().map(|a| a.definition.as_str()).collect();
        assert!(definitions.contains(&"hdr_sub(user-agent) Safari"));
        assert!(definitions.contains(&"hdr_sub(user-agent) Version"));
        assert_eq!(acls.condition.unwrap().matches(" or ").count(), 1);
    }

    #[test]
    fn missing_cookie_is_a_positive_count_test() {
        let c = parse_route_condition("misses cookie JSESSIONID").unwrap();
        let acls = resolve(&c).unwrap().unwrap();
        assert_eq!(acls.acls[0].definition, "cook_cnt(JSESSIONID) eq 0");
        assert!(!acls.condition.unwrap().starts_with('!'));
    }
}
