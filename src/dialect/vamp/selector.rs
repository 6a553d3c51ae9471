//! Route selectors (Vamp 1.0 and later): `label(app)(vshop) && label(version)((.*))` picks
//! a gateway's routes from the running workloads instead of listing them. Vamp parses the
//! text with its boolean grammar over selector operands (`model/.../parser/
//! RouteSelectorParser.scala`, tag 1.0.0) and rejects a selector that does not parse with
//! `InvalidSelectorError`; the regular expressions inside are only compiled when matched, so
//! only the syntax is checked here.
//!
//! ```text
//! Expression := Term (("or"i | "||" | "|") WS Term)*
//! Term       := Factor (("and"i | "&&" | "&") WS Factor)*
//! Factor     := OWS (NotFactor | Operand | "(" Expression ")") OWS
//! NotFactor  := ("!" OWS | "not" WS) (Operand | "(" Expression ")")
//! Operand    := ("namespace"|"group"|"name"|"id"|"kind"|"type"|"image"|"ip"|"host") OWS "(" Value ")"
//!             | "label" OWS "(" Value ")" OWS "(" Value ")"
//!             | ("port"|"port_index"|"index") OWS "(" digits ")"
//!             | "true"i | "t"i | "1" | "false"i | "f"i | "0"
//! Value      := Part? "(" Part ")" Part? | Part        Part := printable ASCII but ( and ), 1+
//! ```

use std::ops::Range;

/// Deepest parenthesis nesting accepted (the parser recurses per level).
const MAX_NESTING: usize = 32;

/// Why a selector does not parse: where (byte range in the text) and what was expected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SelectorError {
    pub range: Range<usize>,
    pub message: String,
}

/// Checks a selector's syntax.
pub fn check_selector(text: &str) -> Result<(), SelectorError> {
    let mut parser = Parser {
        text: text.as_bytes(),
        furthest: 0,
        expected: "a selector such as `label(app)(name)`",
    };
    match parser.expression(0, 0) {
        Some(end) if end == text.len() => Ok(()),
        // A rule that got further (an operand after `&&` that does not parse) says more.
        Some(end) if parser.furthest > end => {
            let (at, expected) = (parser.furthest, parser.expected);
            Err(parser.error(at, expected))
        }
        Some(end) => Err(parser.error(end, "`and`, `or` or the end of the selector")),
        None => {
            let at = parser.furthest;
            let expected = parser.expected;
            Err(parser.error(at, expected))
        }
    }
}

struct Parser<'t> {
    text: &'t [u8],
    /// The furthest position any rule reached, and what it expected there.
    furthest: usize,
    expected: &'static str,
}

const SELECTOR_WORDS: &[&str] = &[
    "namespace",
    "group",
    "name",
    "id",
    "kind",
    "type",
    "image",
    "ip",
    "host",
];
const NUMBER_WORDS: &[&str] = &["port", "port_index", "index"];
const CONSTANTS: &[&str] = &["true", "t", "1", "false", "f", "0"];

impl Parser<'_> {
    fn error(&self, at: usize, expected: &str) -> SelectorError {
        let at = at.min(self.text.len());
        let end = (at + 1).min(self.text.len()).max(at);
        SelectorError {
            range: at..end,
            message: format!("expected {expected}"),
        }
    }

    fn fail(&mut self, at: usize, expected: &'static str) -> Option<usize> {
        if at >= self.furthest {
            self.furthest = at;
            self.expected = expected;
        }
        None
    }

    fn byte(&self, at: usize) -> Option<u8> {
        self.text.get(at).copied()
    }

    fn is_space(b: u8) -> bool {
        matches!(b, b' ' | b'\n' | b'\r' | b'\t' | 0x0c)
    }

    fn ows(&self, mut at: usize) -> usize {
        while self.byte(at).is_some_and(Self::is_space) {
            at += 1;
        }
        at
    }

    fn ws(&mut self, at: usize) -> Option<usize> {
        let end = self.ows(at);
        if end == at {
            return self.fail(at, "white space");
        }
        Some(end)
    }

    fn literal(&self, at: usize, word: &str, ignore_case: bool) -> Option<usize> {
        let candidate = self.text.get(at..at + word.len())?;
        let same = if ignore_case {
            candidate.eq_ignore_ascii_case(word.as_bytes())
        } else {
            candidate == word.as_bytes()
        };
        same.then_some(at + word.len())
    }

    fn expression(&mut self, at: usize, depth: usize) -> Option<usize> {
        let mut end = self.term(at, depth)?;
        loop {
            let operator = self
                .literal(end, "or", true)
                .or_else(|| self.literal(end, "||", false))
                .or_else(|| self.literal(end, "|", false));
            let Some(after) = operator else {
                return Some(end);
            };
            let Some(next) = self.ws(after).and_then(|at| self.term(at, depth)) else {
                return Some(end);
            };
            end = next;
        }
    }

    fn term(&mut self, at: usize, depth: usize) -> Option<usize> {
        let mut end = self.factor(at, depth)?;
        loop {
            let operator = self
                .literal(end, "and", true)
                .or_else(|| self.literal(end, "&&", false))
                .or_else(|| self.literal(end, "&", false));
            let Some(after) = operator else {
                return Some(end);
            };
            let Some(next) = self.ws(after).and_then(|at| self.factor(at, depth)) else {
                return Some(end);
            };
            end = next;
        }
    }

    fn factor(&mut self, at: usize, depth: usize) -> Option<usize> {
        let at = self.ows(at);
        let end = self
            .not_factor(at, depth)
            .or_else(|| self.operand(at))
            .or_else(|| self.parenthesis(at, depth))?;
        Some(self.ows(end))
    }

    fn not_factor(&mut self, at: usize, depth: usize) -> Option<usize> {
        let after = match self.literal(at, "!", false) {
            Some(after) => self.ows(after),
            None => {
                let after = self.literal(at, "not", false)?;
                self.ws(after)?
            }
        };
        self.operand(after)
            .or_else(|| self.parenthesis(after, depth))
    }

    fn parenthesis(&mut self, at: usize, depth: usize) -> Option<usize> {
        let Some(inner) = self.literal(at, "(", false) else {
            return self.fail(at, "a selector such as `label(app)(name)`, `!` or `(`");
        };
        if depth >= MAX_NESTING {
            return self.fail(at, "less nesting");
        }
        let end = self.expression(inner, depth + 1)?;
        match self.literal(end, ")", false) {
            Some(end) => Some(end),
            None => self.fail(end, "`)`"),
        }
    }

    fn operand(&mut self, at: usize) -> Option<usize> {
        for word in SELECTOR_WORDS {
            if let Some(end) = self.call(at, word, Self::value) {
                return Some(end);
            }
        }
        if let Some(end) = self.call(at, "label", Self::value) {
            let open = self.ows(end);
            return match self.literal(open, "(", false) {
                Some(inner) => self.value(inner).and_then(|v| self.close(v)),
                None => self.fail(open, "`(` and the label's value"),
            };
        }
        for word in NUMBER_WORDS {
            if let Some(end) = self.call(at, word, Self::digits) {
                return Some(end);
            }
        }
        CONSTANTS
            .iter()
            .find_map(|word| self.literal(at, word, true))
    }

    /// `word OWS "(" inner ")"`.
    fn call(
        &mut self,
        at: usize,
        word: &str,
        inner: fn(&mut Self, usize) -> Option<usize>,
    ) -> Option<usize> {
        let after = self.literal(at, word, false)?;
        let open = self.ows(after);
        let start = self.literal(open, "(", false)?;
        let end = inner(self, start)?;
        self.close(end)
    }

    fn close(&mut self, at: usize) -> Option<usize> {
        match self.literal(at, ")", false) {
            Some(end) => Some(end),
            None => self.fail(at, "`)`"),
        }
    }

    fn digits(&mut self, at: usize) -> Option<usize> {
        let mut end = at;
        while self.byte(end).is_some_and(|b| b.is_ascii_digit()) {
            end += 1;
        }
        if end == at {
            return self.fail(at, "a number");
        }
        Some(end)
    }

    fn part(&self, at: usize) -> Option<usize> {
        let mut end = at;
        while self
            .byte(end)
            .is_some_and(|b| (0x20..=0x7e).contains(&b) && b != b'(' && b != b')')
        {
            end += 1;
        }
        (end > at).then_some(end)
    }

    fn value(&mut self, at: usize) -> Option<usize> {
        let before = self.part(at).unwrap_or(at);
        if let Some(inner) = self.literal(before, "(", false) {
            if let Some(group) = self.part(inner) {
                if let Some(after) = self.literal(group, ")", false) {
                    return Some(self.part(after).unwrap_or(after));
                }
            }
        }
        match self.part(at) {
            Some(end) => Some(end),
            None => self.fail(at, "a value (a regular expression)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vamp_selector_examples_parse() {
        for text in [
            "name(.*)",
            "id(.*)",
            "kind(app)",
            "type(pod)",
            "namespace(default)",
            "group(vamp)",
            "image (^.*$)",
            "ip(127.0.0.1)",
            "host(localhost)",
            "port(8080)",
            "label(water)(ice)",
            "label (water) (ice) ",
            "index(0)",
            "port_index(0)",
            "image(^water:(.*)$)",
            "image((.*)$)",
            "image(^(.*))",
            "image((.*))",
            "id(water) and image(ice)",
            "id(water) or not image(ice)",
            "label(app)(vshop-policy) && label(version)((.*))",
            "!(port(80) || true)",
        ] {
            assert_eq!(check_selector(text), Ok(()), "{text}");
        }
    }

    #[test]
    fn malformed_selectors_are_refused_with_a_position() {
        for (text, at) in [
            ("label(app)", 10),
            ("port(http)", 5),
            ("app == vshop", 0),
            ("name(a) &&name(b)", 10),
            ("name(a) && b == 1", 11),
            ("(name(a)", 8),
            ("", 0),
        ] {
            let error = check_selector(text).expect_err(text);
            assert_eq!(error.range.start, at, "{text}: {}", error.message);
        }
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        let deep = format!("{}t{}", "(".repeat(10_000), ")".repeat(10_000));
        assert!(check_selector(&deep).is_err());
    }
}
