//! The one error type of the embedded-language parsers (units, iso8601, condition, value).
//!
//! Its range is relative to the scalar that was parsed; a caller shifts it into the file with
//! [`Span::sub`], so the diagnostic points at the offending characters.

use std::ops::Range;

use pest::error::{ErrorVariant, InputLocation};
use pest::RuleType;

use crate::source::Span;

/// Why a scalar could not be read, and where (byte range relative to the scalar).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct GrammarError {
    /// Byte range inside the scalar; empty at the end of input.
    pub range: Range<usize>,
    pub message: String,
}

impl GrammarError {
    pub fn new(range: Range<usize>, message: impl Into<String>) -> GrammarError {
        GrammarError {
            range,
            message: message.into(),
        }
    }

    /// An error covering the character that starts at `offset` in `text` (empty at the end).
    pub fn at_char(text: &str, offset: usize, message: impl Into<String>) -> GrammarError {
        GrammarError::new(char_range(text, offset), message)
    }

    /// The error's span in the file, given the span of the scalar's text.
    pub fn span_in(&self, scalar: Span) -> Span {
        scalar.sub(self.range.clone())
    }

    /// Converts a pest failure: the range is the first character the parser could not accept,
    /// the message lists what it expected there, named by `describe`.
    pub(crate) fn from_pest<R: RuleType>(
        text: &str,
        error: &pest::error::Error<R>,
        describe: impl Fn(R) -> &'static str,
    ) -> GrammarError {
        let offset = match error.location {
            InputLocation::Pos(offset) => offset,
            InputLocation::Span((start, _)) => start,
        };
        let found = found_description(text, offset);
        let message = match &error.variant {
            ErrorVariant::ParsingError { positives, .. } => {
                let mut expected: Vec<&'static str> =
                    positives.iter().map(|rule| describe(*rule)).collect();
                expected.sort_unstable();
                expected.dedup();
                if expected.is_empty() {
                    format!("unexpected {found}")
                } else {
                    format!("expected {}, found {found}", one_of(&expected))
                }
            }
            ErrorVariant::CustomError { message } => message.clone(),
        };
        GrammarError::new(char_range(text, offset), message)
    }
}

/// The byte range of the character starting at `offset` (clamped; empty at the end).
pub(crate) fn char_range(text: &str, offset: usize) -> Range<usize> {
    let offset = offset.min(text.len());
    let width = text
        .get(offset..)
        .and_then(|rest| rest.chars().next())
        .map_or(0, char::len_utf8);
    offset..offset + width
}

/// "end of input" or the quoted character at `offset`.
pub(crate) fn found_description(text: &str, offset: usize) -> String {
    match text.get(offset..).and_then(|rest| rest.chars().next()) {
        None => "end of input".to_string(),
        Some(c) if c.is_whitespace() => format!("whitespace {c:?}"),
        Some(c) => format!("`{c}`"),
    }
}

/// "a", "a or b", "a, b or c".
pub(crate) fn one_of(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;

    #[test]
    fn span_in_shifts_into_the_scalar() {
        let error = GrammarError::new(3..5, "bad");
        let scalar = Span::new(FileId(0), 100, 120);
        assert_eq!(error.span_in(scalar), Span::new(FileId(0), 103, 105));
    }

    #[test]
    fn char_range_covers_multibyte_characters() {
        assert_eq!(char_range("aµb", 1), 1..3);
        assert_eq!(char_range("ab", 2), 2..2);
    }

    #[test]
    fn one_of_joins_naturally() {
        assert_eq!(one_of(&["a", "b", "c"]), "a, b or c");
        assert_eq!(one_of(&["a"]), "a");
    }
}
