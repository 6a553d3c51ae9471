//! ISO-8601 pieces of Vamp workflow time schedules (grammar `grammar/iso8601.pest`, SPEC.md §8):
//! periods `P1Y2M3DT4H5M6S` (as `TimeSchedule.string2period` reads them), start date-times
//! (`now`, offset date-times, YAML timestamps) and repeat counts.

use super::grammar_error::GrammarError;

/// A period: years, months and days stay symbolic (their length depends on the calendar);
/// the time part is exact, in nanoseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Period {
    pub years: i32,
    pub months: i32,
    pub days: i32,
    pub time_nanos: i128,
}

/// Reads a schedule period. Empty text is Vamp's default `PT1S`; text without a leading `P`
/// (such as `now`) is refused.
pub fn parse_period(text: &str) -> Result<Period, GrammarError> {
    Err(GrammarError::new(
        0..text.len(),
        "period parser: being written",
    ))
}

impl Period {
    /// ISO text, e.g. `P1Y2M3DT4H5M6S`; the zero period prints as `PT0S`.
    pub fn normal_form(&self) -> String {
        String::new()
    }
}

/// A date-time with its UTC offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DateTime {
    pub year: i32,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
    pub nanos: u32,
    /// Offset from UTC in seconds (`Z` = 0).
    pub offset_seconds: i32,
}

impl DateTime {
    /// Nanoseconds since 1970-01-01T00:00:00Z.
    pub fn unix_nanos(&self) -> i128 {
        0
    }
}

/// A schedule start.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Start {
    /// `now`: start when the workflow is deployed.
    Now,
    At(DateTime),
}

/// Reads an offset date-time (`2007-12-03T08:15:30Z`, `…+01:00`) or a YAML 1.1 timestamp
/// (`2001-12-14 21:59:43.10 -5`, `2002-12-14`).
pub fn parse_date_time(text: &str) -> Result<DateTime, GrammarError> {
    Err(GrammarError::new(
        0..text.len(),
        "date-time parser: being written",
    ))
}

/// Reads a schedule start: `now` or a date-time.
pub fn parse_start(text: &str) -> Result<Start, GrammarError> {
    parse_date_time(text).map(Start::At)
}

/// Reads a repeat count (a Java `Int`, at least 0).
pub fn parse_repeat(text: &str) -> Result<u32, GrammarError> {
    Err(GrammarError::new(
        0..text.len(),
        "repeat parser: being written",
    ))
}
