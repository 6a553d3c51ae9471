//! ISO-8601 pieces of Vamp workflow time schedules (grammar `grammar/iso8601.pest`, SPEC.md §8):
//! periods `P1Y2M3DT4H5M6S` (as `TimeSchedule.string2period` reads them), start date-times
//! (`now`, offset date-times, YAML timestamps) and repeat counts.

use pest::iterators::Pair;
use pest::Parser as _;

use super::grammar_error::GrammarError;

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/iso8601.pest"]
struct Iso8601Parser;

/// What each rule means, for "expected …" messages.
fn describe(rule: Rule) -> &'static str {
    match rule {
        Rule::EOI => "end of input",
        Rule::signed_number => "a number",
        Rule::period_sign | Rule::offset_sign => "a sign",
        Rule::period_letter => "`P`",
        Rule::period_years => "years (`1Y`)",
        Rule::period_months | Rule::duration_minutes => "months or minutes (`2M`)",
        Rule::period_weeks => "weeks (`1W`)",
        Rule::period_days => "days (`3D`)",
        Rule::time_letter => "`T`",
        Rule::letter_y => "`Y`",
        Rule::letter_m => "`M`",
        Rule::letter_w => "`W`",
        Rule::letter_d => "`D`",
        Rule::letter_h => "`H`",
        Rule::letter_s => "`S`",
        Rule::duration_hours => "hours (`4H`)",
        Rule::duration_seconds => "seconds (`6S`)",
        Rule::seconds_fraction => "a fraction of a second (at most 9 digits)",
        Rule::date | Rule::year => "a date `YYYY-MM-DD`",
        Rule::month => "a month",
        Rule::day => "a day",
        Rule::time_separator => "`T`",
        Rule::time_of_day | Rule::hour => "a time `hh:mm:ss`",
        Rule::minute => "minutes (two digits)",
        Rule::second => "seconds (two digits)",
        Rule::fraction => "a fraction of a second",
        Rule::zone | Rule::utc | Rule::offset => "a zone (`Z`, `+01:00`)",
        Rule::offset_hours => "offset hours",
        Rule::offset_minutes => "offset minutes (two digits)",
        Rule::offset_seconds => "offset seconds (two digits)",
        Rule::date_period | Rule::time_duration => "a period such as `P1DT2H`",
        Rule::date_time => "a date-time such as `2007-12-03T08:15:30Z`",
        Rule::repeat_count => "a whole number",
    }
}

/// Parses `text` with `rule`; error ranges are shifted by `offset` (the text's position in
/// the scalar).
fn parse_entry(rule: Rule, text: &str, offset: usize) -> Result<Pair<'_, Rule>, GrammarError> {
    let shift = |mut error: GrammarError| {
        error.range = error.range.start + offset..error.range.end + offset;
        error
    };
    let mut pairs = Iso8601Parser::parse(rule, text)
        .map_err(|error| shift(GrammarError::from_pest(text, &error, describe)))?;
    pairs
        .next()
        .ok_or_else(|| GrammarError::new(offset..offset + text.len(), "empty parse"))
}

const NANOS_PER_SECOND: i128 = 1_000_000_000;

/// A schedule period. Years, months and days stay symbolic (their length depends on the
/// calendar); the time part is exact, in nanoseconds. `date_given`/`time_given` record which
/// halves the text had, because Vamp's normal form prints only those.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Period {
    pub years: i32,
    pub months: i32,
    /// Days, weeks included (`P1W` = 7 days), as `java.time.Period` counts them.
    pub days: i32,
    pub time_nanos: i128,
    pub date_given: bool,
    pub time_given: bool,
}

impl Period {
    /// Vamp's default for an empty period: one second.
    pub const DEFAULT: Period = Period {
        years: 0,
        months: 0,
        days: 0,
        time_nanos: NANOS_PER_SECOND,
        date_given: false,
        time_given: true,
    };

    /// Vamp's normal form (`RepeatPeriod.format`): the JDK's `Period` and `Duration` texts
    /// joined, e.g. `P1Y2M3DT4H5M6S`, `PT1.5S`, `P0D`.
    pub fn normal_form(&self) -> String {
        let mut out = String::from("P");
        if self.date_given {
            if self.years == 0 && self.months == 0 && self.days == 0 {
                out.push_str("0D");
            } else {
                for (value, letter) in [(self.years, 'Y'), (self.months, 'M'), (self.days, 'D')] {
                    if value != 0 {
                        out.push_str(&format!("{value}{letter}"));
                    }
                }
            }
        }
        if self.time_given {
            out.push_str(&java_duration_text(self.time_nanos)[1..]);
        }
        if out == "P" {
            "PT1S".to_string()
        } else {
            out
        }
    }

    /// True when the period has no calendar part, so its length is exact.
    pub fn is_exact(&self) -> bool {
        self.years == 0 && self.months == 0 && self.days == 0
    }
}

/// `java.time.Duration.toString()` for a duration of `nanos`.
fn java_duration_text(nanos: i128) -> String {
    if nanos == 0 {
        return "PT0S".to_string();
    }
    let seconds = nanos.div_euclid(NANOS_PER_SECOND);
    let fraction = nanos.rem_euclid(NANOS_PER_SECOND);
    let effective = if seconds < 0 && fraction > 0 {
        seconds + 1
    } else {
        seconds
    };
    let hours = effective / 3600;
    let minutes = (effective % 3600) / 60;
    let secs = effective % 60;
    let mut out = String::from("PT");
    if hours != 0 {
        out.push_str(&format!("{hours}H"));
    }
    if minutes != 0 {
        out.push_str(&format!("{minutes}M"));
    }
    if secs == 0 && fraction == 0 && out.len() > 2 {
        return out;
    }
    if seconds < 0 && fraction > 0 && secs == 0 {
        out.push_str("-0");
    } else {
        out.push_str(&secs.to_string());
    }
    if fraction > 0 {
        let digits = if seconds < 0 {
            2 * NANOS_PER_SECOND - fraction
        } else {
            fraction + NANOS_PER_SECOND
        };
        let digits = digits.to_string();
        // drop the leading carry digit, keep the nine fraction digits without trailing zeros
        out.push('.');
        out.push_str(digits.get(1..).unwrap_or("").trim_end_matches('0'));
    }
    out.push('S');
    out
}

/// Java's `String.trim`: the trimmed text and its offset.
fn java_trim(text: &str) -> (&str, usize) {
    let start = text.len() - text.trim_start_matches(|c| c <= ' ').len();
    (text[start..].trim_end_matches(|c| c <= ' '), start)
}

/// Reads a schedule period as Vamp's `TimeSchedule.string2period` does: empty text is the
/// default `PT1S`; text without an upper-case `P` (such as `now`) is refused; the part before
/// `T` is a `java.time.Period`, the part from `T` a `java.time.Duration`.
pub fn parse_period(text: &str) -> Result<Period, GrammarError> {
    let (trimmed, offset) = java_trim(text);
    if trimmed.is_empty() {
        return Ok(Period::DEFAULT);
    }
    let Some(p) = trimmed.find('P') else {
        return Err(GrammarError::new(
            offset..offset + trimmed.len(),
            format!("`{trimmed}` is not a period: an ISO-8601 period starts with `P`, e.g. `PT1H` or `P1D`"),
        ));
    };
    let mut period = Period {
        years: 0,
        months: 0,
        days: 0,
        time_nanos: 0,
        date_given: false,
        time_given: false,
    };
    match trimmed.find('T') {
        None => read_date_period(&trimmed[p..], offset + p, &mut period)?,
        Some(t) if t == p + 1 => read_time_duration(&trimmed[p..], offset + p, &mut period)?,
        Some(t) => {
            read_date_period(&trimmed[..t], offset, &mut period)?;
            // Vamp parses "P" + the text from `T`; map positions back onto the scalar
            let synthetic = format!("P{}", &trimmed[t..]);
            read_time_duration(&synthetic, offset + t - 1, &mut period).map_err(|mut e| {
                e.range.start = e.range.start.max(offset + t);
                e.range.end = e.range.end.max(e.range.start);
                e
            })?;
        }
    }
    Ok(period)
}

fn int_component(pair: Pair<'_, Rule>, offset: usize) -> Result<i64, GrammarError> {
    let span = pair.as_span();
    let number = pair
        .into_inner()
        .find(|p| p.as_rule() == Rule::signed_number)
        .map(|p| p.as_str())
        .unwrap_or("");
    number.parse::<i32>().map(i64::from).map_err(|_| {
        GrammarError::new(
            offset + span.start()..offset + span.end(),
            format!("`{}` is out of range for a period (32-bit)", span.as_str()),
        )
    })
}

fn read_date_period(text: &str, offset: usize, period: &mut Period) -> Result<(), GrammarError> {
    let pair = parse_entry(Rule::date_period, text, offset)?;
    let mut negate = false;
    let mut any = false;
    let (mut years, mut months, mut weeks, mut days) = (0i64, 0i64, 0i64, 0i64);
    for part in pair.into_inner() {
        match part.as_rule() {
            Rule::period_sign => negate = part.as_str() == "-",
            Rule::period_years => (years, any) = (int_component(part, offset)?, true),
            Rule::period_months => (months, any) = (int_component(part, offset)?, true),
            Rule::period_weeks => (weeks, any) = (int_component(part, offset)?, true),
            Rule::period_days => (days, any) = (int_component(part, offset)?, true),
            _ => {}
        }
    }
    if !any {
        return Err(GrammarError::new(
            offset..offset + text.len(),
            "a period needs at least one of years `Y`, months `M`, weeks `W` or days `D`",
        ));
    }
    let sign = if negate { -1 } else { 1 };
    let out_of_range = || GrammarError::new(offset..offset + text.len(), "period is out of range");
    let to_i32 = |v: i64| i32::try_from(v * sign).map_err(|_| out_of_range());
    period.years = to_i32(years)?;
    period.months = to_i32(months)?;
    period.days = to_i32(weeks * 7 + days)?;
    period.date_given = true;
    Ok(())
}

fn read_time_duration(text: &str, offset: usize, period: &mut Period) -> Result<(), GrammarError> {
    let pair = parse_entry(Rule::time_duration, text, offset)?;
    let mut any = false;
    let mut nanos: i128 = 0;
    for part in pair.into_inner() {
        let per = match part.as_rule() {
            Rule::duration_hours => 3600 * NANOS_PER_SECOND,
            Rule::duration_minutes => 60 * NANOS_PER_SECOND,
            Rule::duration_seconds => NANOS_PER_SECOND,
            _ => continue,
        };
        any = true;
        let mut whole = 0i128;
        let mut fraction = 0i128;
        let mut negative = false;
        for piece in part.into_inner() {
            match piece.as_rule() {
                Rule::signed_number => {
                    negative = piece.as_str().starts_with('-');
                    whole = piece.as_str().parse::<i64>().map(i128::from).map_err(|_| {
                        GrammarError::new(
                            offset + piece.as_span().start()..offset + piece.as_span().end(),
                            "number is out of range (64-bit)",
                        )
                    })?;
                }
                Rule::seconds_fraction => {
                    let digits = piece.as_str().get(1..).unwrap_or("");
                    let padded = format!("{digits:0<9}");
                    fraction = padded.parse::<i128>().unwrap_or(0);
                }
                _ => {}
            }
        }
        // the JDK applies the number's sign to the fraction too (`PT-1.5S` = -1.5 s)
        let fraction = if negative { -fraction } else { fraction };
        nanos += whole * per + fraction;
    }
    if !any {
        return Err(GrammarError::new(
            offset..offset + text.len(),
            "a time period needs at least one of hours `H`, minutes `M` or seconds `S` after `T`",
        ));
    }
    let seconds = nanos.div_euclid(NANOS_PER_SECOND);
    if i64::try_from(seconds).is_err() {
        return Err(GrammarError::new(
            offset..offset + text.len(),
            "duration is out of range",
        ));
    }
    period.time_nanos = nanos;
    period.time_given = true;
    Ok(())
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
        let days = days_from_civil(self.year, self.month, self.day);
        let seconds = days * 86_400
            + i64::from(self.hour) * 3600
            + i64::from(self.minute) * 60
            + i64::from(self.second)
            - i64::from(self.offset_seconds);
        i128::from(seconds) * NANOS_PER_SECOND + i128::from(self.nanos)
    }

    /// ISO-8601 text as `OffsetDateTime.toString()` prints it, e.g. `2007-12-03T08:15:30Z`.
    pub fn normal_form(&self) -> String {
        let mut out = format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}",
            self.year, self.month, self.day, self.hour, self.minute
        );
        if self.second != 0 || self.nanos != 0 {
            out.push_str(&format!(":{:02}", self.second));
        }
        if self.nanos != 0 {
            let digits = format!("{:09}", self.nanos);
            let keep = if self.nanos % 1_000_000 == 0 {
                3
            } else if self.nanos % 1_000 == 0 {
                6
            } else {
                9
            };
            out.push('.');
            out.push_str(&digits[..keep]);
        }
        if self.offset_seconds == 0 {
            out.push('Z');
        } else {
            let sign = if self.offset_seconds < 0 { '-' } else { '+' };
            let total = self.offset_seconds.unsigned_abs();
            out.push_str(&format!(
                "{sign}{:02}:{:02}",
                total / 3600,
                (total / 60) % 60
            ));
            if total % 60 != 0 {
                out.push_str(&format!(":{:02}", total % 60));
            }
        }
        out
    }
}

/// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i32, month: u8, day: u8) -> i64 {
    let year = i64::from(year) - i64::from(month <= 2);
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month = i64::from(month);
    let day_of_year =
        (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// Days in a month of the proleptic Gregorian calendar.
pub fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// A schedule start.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Start {
    /// `now`: start when the workflow is deployed.
    Now,
    At(DateTime),
}

/// Reads an offset date-time (`2007-12-03T08:15:30Z`, `…+01:00`, seconds optional) or a
/// YAML 1.1 timestamp (`2001-12-14 21:59:43.10 -5`, `2002-12-14`; no zone means UTC).
pub fn parse_date_time(text: &str) -> Result<DateTime, GrammarError> {
    let pair = parse_entry(Rule::date_time, text, 0)?;
    let mut out = DateTime {
        year: 0,
        month: 1,
        day: 1,
        hour: 0,
        minute: 0,
        second: 0,
        nanos: 0,
        offset_seconds: 0,
    };
    let mut offset_sign = 1;
    for part in pair.into_inner().flatten() {
        let span = part.as_span().start()..part.as_span().end();
        let number = || part.as_str().parse::<u32>().unwrap_or(u32::MAX);
        let check = |value: u32, max: u32, what: &str| {
            u8::try_from(value)
                .ok()
                .filter(|&v| u32::from(v) <= max)
                .ok_or_else(|| {
                    GrammarError::new(
                        span.clone(),
                        format!("{what} {} is out of range", part.as_str()),
                    )
                })
        };
        match part.as_rule() {
            Rule::year => out.year = i32::try_from(number()).unwrap_or(0),
            Rule::month => {
                out.month = check(number(), 12, "month")?;
                if out.month == 0 {
                    return Err(GrammarError::new(span, "month 0 is out of range"));
                }
            }
            Rule::day => {
                let max = u32::from(days_in_month(out.year, out.month));
                out.day = check(number(), max, "day")?;
                if out.day == 0 {
                    return Err(GrammarError::new(span, "day 0 is out of range"));
                }
            }
            Rule::hour => out.hour = check(number(), 23, "hour")?,
            Rule::minute => out.minute = check(number(), 59, "minute")?,
            Rule::second => out.second = check(number(), 59, "second")?,
            Rule::fraction => {
                let digits: String = part.as_str().chars().skip(1).take(9).collect();
                out.nanos = format!("{digits:0<9}").parse().unwrap_or(0);
            }
            Rule::offset_sign => offset_sign = if part.as_str() == "-" { -1 } else { 1 },
            Rule::offset_hours => {
                out.offset_seconds +=
                    offset_sign * 3600 * i32::from(check(number(), 18, "offset hour")?)
            }
            Rule::offset_minutes => {
                out.offset_seconds +=
                    offset_sign * 60 * i32::from(check(number(), 59, "offset minute")?)
            }
            Rule::offset_seconds => {
                out.offset_seconds += offset_sign * i32::from(check(number(), 59, "offset second")?)
            }
            _ => {}
        }
    }
    if out.offset_seconds.abs() > 18 * 3600 {
        return Err(GrammarError::new(
            0..text.len(),
            "zone offset is beyond ±18:00",
        ));
    }
    Ok(out)
}

/// Reads a schedule start: `now` or a date-time.
pub fn parse_start(text: &str) -> Result<Start, GrammarError> {
    if text.trim() == "now" {
        return Ok(Start::Now);
    }
    parse_date_time(text).map(Start::At)
}

/// Reads a repeat count (Vamp's `Int`; a negative count is refused here).
pub fn parse_repeat(text: &str) -> Result<u32, GrammarError> {
    let pair = parse_entry(Rule::repeat_count, text, 0)?;
    let number = pair.into_inner().next().map(|p| p.as_str()).unwrap_or("");
    let value: i32 = number.parse().map_err(|_| {
        GrammarError::new(
            0..text.len(),
            "repeat count is out of range (at most 2147483647)",
        )
    })?;
    u32::try_from(value)
        .map_err(|_| GrammarError::new(0..text.len(), "repeat count must not be negative"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn period(text: &str) -> Period {
        parse_period(text).expect("period parses")
    }

    #[test]
    fn full_period_splits_into_calendar_and_exact_parts() {
        let p = period("P1Y2M3DT4H5M6S");
        assert_eq!((p.years, p.months, p.days), (1, 2, 3));
        assert_eq!(p.time_nanos, (4 * 3600 + 5 * 60 + 6) * NANOS_PER_SECOND);
        assert_eq!(p.normal_form(), "P1Y2M3DT4H5M6S");
    }

    #[test]
    fn vamp_period_rules() {
        assert_eq!(period(""), Period::DEFAULT);
        assert_eq!(period("  ").normal_form(), "PT1S");
        let error = parse_period("now").unwrap_err();
        assert_eq!(error.range, 0..3);
        assert!(
            error.message.contains("starts with `P`"),
            "{}",
            error.message
        );
        assert_eq!(period("PT1M").time_nanos, 60 * NANOS_PER_SECOND);
        assert_eq!(period("P2W").days, 14);
        assert_eq!(period("P1d").normal_form(), "P1D");
        assert_eq!(period("PT1.5S").normal_form(), "PT1.5S");
        assert_eq!(period("PT0S").normal_form(), "PT0S");
        assert_eq!(period("P0D").normal_form(), "P0D");
        assert_eq!(period("PT90M").normal_form(), "PT1H30M");
        assert_eq!(period("PT-1.5S").time_nanos, -1_500_000_000);
        assert_eq!(period("PT-1.5S").normal_form(), "PT-1.5S");
    }

    #[test]
    fn period_errors_point_inside_the_text() {
        // `P` alone has no component
        assert!(parse_period("P").is_err());
        // `T` with nothing after it, in the combined form
        let error = parse_period("P1DT").unwrap_err();
        assert!(error.range.start >= 3, "{error:?}");
        // a bad unit after T points at it
        let error = parse_period(" P1DT5X").unwrap_err();
        assert_eq!(error.range, 6..7, "{error:?}");
        let error = parse_period("P1X").unwrap_err();
        assert_eq!(error.range, 2..3, "{error:?}");
    }

    #[test]
    fn date_times_and_start() {
        let t = parse_date_time("2007-12-03T08:15:30Z").unwrap();
        assert_eq!(t.unix_nanos(), 1_196_669_730 * NANOS_PER_SECOND);
        assert_eq!(t.normal_form(), "2007-12-03T08:15:30Z");
        let t = parse_date_time("2007-12-03T09:15:30+01:00").unwrap();
        assert_eq!(t.unix_nanos(), 1_196_669_730 * NANOS_PER_SECOND);
        assert_eq!(t.normal_form(), "2007-12-03T09:15:30+01:00");
        let t = parse_date_time("2001-12-14 21:59:43.10 -5").unwrap();
        assert_eq!(t.offset_seconds, -5 * 3600);
        assert_eq!(t.nanos, 100_000_000);
        assert_eq!(parse_date_time("2002-12-14").unwrap().hour, 0);
        assert_eq!(parse_start("now").unwrap(), Start::Now);
        assert!(matches!(parse_start("1970-01-01T00:00Z"), Ok(Start::At(_))));
    }

    #[test]
    fn date_time_errors() {
        let error = parse_date_time("2007-02-30T00:00Z").unwrap_err();
        assert_eq!(error.range, 8..10);
        assert!(parse_date_time("2007-13-01").is_err());
        assert!(parse_date_time("2007-12-03T24:00Z").is_err());
        assert_eq!(parse_date_time("yesterday").unwrap_err().range, 0..1);
    }

    #[test]
    fn repeat_counts() {
        assert_eq!(parse_repeat("10").unwrap(), 10);
        assert!(parse_repeat("-1").is_err());
        assert!(parse_repeat("ten").is_err());
        assert!(parse_repeat("99999999999").is_err());
    }
}
