//! KrakenD paths and `url_pattern`s: literal text with `{name}` placeholders
//! (grammar/url_pattern.pest).
//!
//! Parsing never fails: like lura, anything that is not a well-formed placeholder is literal
//! text. What a placeholder means (endpoint param, `respN_` value, JWT claim, EE dynamic
//! routing) is classified here; whether it is *legal* where it appears is the dialect's call.
//! Spans are byte ranges relative to the string.

use pest::Parser;
use pest_derive::Parser;
use std::fmt;
use std::ops::Range;

#[derive(Parser)]
#[grammar = "../grammar/url_pattern.pest"]
struct UrlPatternParser;

/// A parsed path or url_pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UrlPattern {
    pub parts: Vec<Part>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Part {
    Literal { text: String, span: Range<usize> },
    Var(Var),
}

/// One `{name}` placeholder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Var {
    /// The text between the braces.
    pub name: String,
    /// The whole placeholder, braces included.
    pub span: Range<usize>,
    pub kind: VarKind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VarKind {
    /// A name the endpoint path must declare.
    Param,
    /// `{respN_path}`: a value of backend N's response in a sequential chain. `backend` is
    /// `None` when N does not fit in a usize (it can never name a backend).
    Sequential {
        backend: Option<usize>,
        path: String,
    },
    /// `{JWT.claim}`: a claim of the validated token.
    Jwt { claim: String },
    /// `{input_headers.X}` (KrakenD Enterprise dynamic routing).
    InputHeader { header: String },
    /// `{input_query_strings.X}` (KrakenD Enterprise dynamic routing).
    InputQuery { query: String },
}

impl VarKind {
    fn classify(name: &str) -> VarKind {
        if let Some(claim) = name.strip_prefix("JWT.") {
            return VarKind::Jwt {
                claim: claim.to_string(),
            };
        }
        if let Some(header) = name.strip_prefix("input_headers.") {
            return VarKind::InputHeader {
                header: header.to_string(),
            };
        }
        if let Some(query) = name.strip_prefix("input_query_strings.") {
            return VarKind::InputQuery {
                query: query.to_string(),
            };
        }
        if let Some((backend, path)) = split_sequential(name) {
            return VarKind::Sequential {
                backend,
                path: path.to_string(),
            };
        }
        VarKind::Param
    }
}

/// `respN_path` → (N, path), as lura's `resp[\d]+_.+` reads it.
fn split_sequential(name: &str) -> Option<(Option<usize>, &str)> {
    let rest = name.strip_prefix("resp")?;
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return None;
    }
    let (number, tail) = rest.split_at(digits);
    let path = tail.strip_prefix('_')?;
    if path.is_empty() {
        return None;
    }
    Some((number.parse().ok(), path))
}

/// Whether lura's `sequentialParamsPattern` (`^(resp[\d]+_.+)?(JWT\.([\w\-\.:/]+))?$`) accepts
/// a placeholder name, i.e. whether config validation lets it through without an endpoint
/// param of that name.
pub fn lura_accepts_without_param(name: &str) -> bool {
    split_sequential(name).is_some()
        || name
            .strip_prefix("JWT.")
            .is_some_and(|claim| !claim.is_empty() && claim.bytes().all(is_name_byte))
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b':' | b'/')
}

impl UrlPattern {
    pub fn parse(text: &str) -> UrlPattern {
        // Without a `{` there is no placeholder, and the grammar's answer is known: the whole
        // text as one literal. Most paths have none, and KrakenD configs have many paths.
        if !text.contains('{') {
            return UrlPattern {
                parts: (!text.is_empty())
                    .then(|| Part::Literal {
                        text: text.to_string(),
                        span: 0..text.len(),
                    })
                    .into_iter()
                    .collect(),
            };
        }
        UrlPattern::parse_with_grammar(text)
    }

    fn parse_with_grammar(text: &str) -> UrlPattern {
        let Ok(mut pairs) = UrlPatternParser::parse(Rule::pattern, text) else {
            // The grammar accepts every string; keep the text literal should that ever change.
            return UrlPattern {
                parts: vec![Part::Literal {
                    text: text.to_string(),
                    span: 0..text.len(),
                }],
            };
        };
        let mut parts = Vec::new();
        for pair in pairs.next().into_iter().flat_map(|p| p.into_inner()) {
            let span = pair.as_span().start()..pair.as_span().end();
            match pair.as_rule() {
                Rule::literal => parts.push(Part::Literal {
                    text: pair.as_str().to_string(),
                    span,
                }),
                Rule::placeholder => {
                    let name = pair.as_str()[1..pair.as_str().len() - 1].to_string();
                    let kind = VarKind::classify(&name);
                    parts.push(Part::Var(Var { name, span, kind }));
                }
                _ => {}
            }
        }
        UrlPattern { parts }
    }

    pub fn vars(&self) -> impl Iterator<Item = &Var> {
        self.parts.iter().filter_map(|p| match p {
            Part::Var(v) => Some(v),
            Part::Literal { .. } => None,
        })
    }

    /// The params an endpoint path declares. Strict (REST) mode is lura's
    /// `endpointURLKeysPattern` `/\{([a-zA-Z\-_0-9]+)\}`: a param must directly follow a `/`
    /// and use only those characters; `{a}` in `/x{a}` is sent literally. With `disable_rest`
    /// every placeholder counts.
    pub fn endpoint_params(&self, strict: bool) -> Vec<&Var> {
        let mut previous_ends_with_slash = false;
        let mut params = Vec::new();
        for part in &self.parts {
            match part {
                Part::Literal { text, .. } => {
                    previous_ends_with_slash = text.ends_with('/');
                }
                Part::Var(var) => {
                    let rest_ok = var
                        .name
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
                    if !strict || (previous_ends_with_slash && rest_ok) {
                        params.push(var);
                    }
                    previous_ends_with_slash = false;
                }
            }
        }
        params
    }
}

impl fmt::Display for UrlPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for part in &self.parts {
            match part {
                Part::Literal { text, .. } => f.write_str(text)?,
                Part::Var(var) => write!(f, "{{{}}}", var.name)?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn kinds(text: &str) -> Vec<(String, VarKind)> {
        UrlPattern::parse(text)
            .vars()
            .map(|v| (v.name.clone(), v.kind.clone()))
            .collect()
    }

    #[test]
    fn classifies_every_variable_family() {
        let found = kinds(
            "/a/{id}/{resp0_user.id}/{JWT.sub}/{input_headers.X-Tenant}?q={input_query_strings.q}",
        );
        assert_eq!(
            found,
            vec![
                ("id".into(), VarKind::Param),
                (
                    "resp0_user.id".into(),
                    VarKind::Sequential {
                        backend: Some(0),
                        path: "user.id".into()
                    }
                ),
                (
                    "JWT.sub".into(),
                    VarKind::Jwt {
                        claim: "sub".into()
                    }
                ),
                (
                    "input_headers.X-Tenant".into(),
                    VarKind::InputHeader {
                        header: "X-Tenant".into()
                    }
                ),
                (
                    "input_query_strings.q".into(),
                    VarKind::InputQuery { query: "q".into() }
                ),
            ]
        );
    }

    #[test]
    fn resp_without_field_is_a_plain_param() {
        assert_eq!(kinds("/{resp0}"), vec![("resp0".into(), VarKind::Param)]);
        assert_eq!(kinds("/{resp_x}"), vec![("resp_x".into(), VarKind::Param)]);
        assert!(!lura_accepts_without_param("resp0"));
        assert!(lura_accepts_without_param("resp12_a.b"));
        assert!(lura_accepts_without_param("JWT.sub"));
        assert!(!lura_accepts_without_param("input_headers.X"));
    }

    #[test]
    fn malformed_braces_stay_literal() {
        let pattern = UrlPattern::parse("/a/{}/{b c}/{ok}/{");
        assert_eq!(pattern.vars().count(), 1);
        assert_eq!(pattern.to_string(), "/a/{}/{b c}/{ok}/{");
    }

    #[test]
    fn spans_cover_the_braces() {
        let pattern = UrlPattern::parse("/x/{id}");
        let var = pattern.vars().next().expect("one var");
        assert_eq!(var.span, 3..7);
    }

    #[test]
    fn strict_endpoint_params_must_follow_a_slash() {
        let pattern = UrlPattern::parse("/test/{a}test/{b}/x{c}/{d.e}");
        let strict: Vec<_> = pattern
            .endpoint_params(true)
            .iter()
            .map(|v| v.name.as_str())
            .collect();
        assert_eq!(strict, vec!["a", "b"]);
        let relaxed = pattern.endpoint_params(false).len();
        assert_eq!(relaxed, 4);
    }

    #[test]
    fn huge_sequential_index_has_no_backend() {
        assert_eq!(
            kinds("/{resp99999999999999999999999_x}")[0].1,
            VarKind::Sequential {
                backend: None,
                path: "x".into()
            }
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        #[test]
        fn a_text_without_braces_parses_as_the_grammar_parses_it(text in "[a-z/._0-9:?=&%*-]{0,40}") {
            prop_assert_eq!(UrlPattern::parse(&text), UrlPattern::parse_with_grammar(&text));
        }

        #[test]
        fn printing_a_parse_gives_the_input_back(text in "[a-z/{}._0-9:?=&-]{0,40}") {
            prop_assert_eq!(UrlPattern::parse(&text).to_string(), text);
        }
    }
}
