//! Unit values inside scalars (grammar `grammar/units.pest`).
//!
//! Vamp's four unit types exactly as `M/reader/UnitValue.scala` reads them (SPEC.md §1):
//! [`Percentage`], [`MegaBytes`], [`CpuQuantity`], [`VampTime`]. Vamp keeps them as doubles;
//! we keep them exact ([`Decimal`], integers) and reproduce Vamp's normal forms (`128.00MB`).
//! For our own scenario documents and KrakenD: Go durations ([`GoDuration`], nanoseconds),
//! decimal percentages ([`FinePercentage`], parts per million) and rates ([`Rate`]).
//!
//! Every parser takes the scalar's text and returns a [`GrammarError`] whose range is relative
//! to that text.

use std::fmt;

use pest::iterators::Pair;
use pest::Parser as _;

use super::grammar_error::GrammarError;

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/units.pest"]
struct UnitsParser;

/// What each rule means, for "expected …" messages.
fn describe(rule: Rule) -> &'static str {
    match rule {
        Rule::EOI => "end of input",
        Rule::java_space | Rule::trim_space => "whitespace",
        Rule::percentage_value => "a whole number from 0 to 100",
        Rule::percent_sign => "`%`",
        Rule::megabyte_amount | Rule::java_double | Rule::duration_number => "a number",
        Rule::megabyte_suffix | Rule::mega_unit | Rule::giga_unit => {
            "a size unit (`MB`, `Mi`, `GB` or `Gi`)"
        }
        Rule::unit_tail | Rule::bytes_letter | Rule::binary_letter => "`B` or `i`",
        Rule::quantity_milli => "`m` (millicores)",
        Rule::time_amount => "a whole number of seconds, minutes or hours",
        Rule::time_seconds | Rule::time_minutes | Rule::time_hours => {
            "a time unit (`s`, `sec`, `second(s)`, `m`, `min`, `minute(s)`, `h`, `hrs`, `hour(s)`)"
        }
        Rule::duration_sign => "`-` or `+`",
        Rule::duration_zero | Rule::duration_element => "a duration such as `1m30s`",
        Rule::duration_unit
        | Rule::unit_ns
        | Rule::unit_us
        | Rule::unit_ms
        | Rule::unit_s
        | Rule::unit_m
        | Rule::unit_h => "a duration unit (`ns`, `us`, `µs`, `ms`, `s`, `m`, `h`)",
        Rule::fine_percentage_value => "a percentage such as `99.95`",
        Rule::rate_count => "a whole number of events",
        Rule::rate_slash => "`/`",
        Rule::rate_second | Rule::rate_minute | Rule::rate_hour => "a rate unit (`s`, `m`, `h`)",
        Rule::percentage => "a percentage such as `50%`",
        Rule::megabyte => "a memory size such as `128MB`",
        Rule::java_double_input | Rule::quantity => "a number",
        Rule::vamp_time => "a time such as `30s`",
        Rule::go_duration => "a duration such as `1m30s`",
        Rule::fine_percentage => "a percentage such as `99.95%`",
        Rule::rate => "a rate such as `50/s`",
    }
}

/// Longest text a unit parser reads; unit values are short, and some rules look ahead at
/// every position (quadratic on hostile whitespace).
pub const MAX_UNIT_TEXT: usize = 256;

/// Runs one entry rule over the whole text and returns its (single) top pair.
fn parse_entry(rule: Rule, text: &str) -> Result<Pair<'_, Rule>, GrammarError> {
    if text.len() > MAX_UNIT_TEXT {
        return Err(GrammarError::new(
            0..text.len(),
            format!(
                "value is too long ({} bytes; at most {MAX_UNIT_TEXT})",
                text.len()
            ),
        ));
    }
    let mut pairs = UnitsParser::parse(rule, text)
        .map_err(|error| GrammarError::from_pest(text, &error, describe))?;
    pairs
        .next()
        .ok_or_else(|| GrammarError::new(0..text.len(), "empty parse"))
}

// ------------------------------------------------------------------------------------------
// Exact decimals

/// Largest number of decimal places kept; more is refused rather than rounded.
const MAX_SCALE: u32 = 30;

/// An exact decimal number `mantissa × 10^-scale`, normalised (no trailing zero digits after
/// the point), so equal values compare equal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Decimal {
    mantissa: i128,
    scale: u32,
}

impl Decimal {
    pub const ZERO: Decimal = Decimal {
        mantissa: 0,
        scale: 0,
    };

    /// `mantissa × 10^-scale`; `None` when the scale exceeds the supported precision.
    pub fn new(mantissa: i128, scale: u32) -> Option<Decimal> {
        let (mut mantissa, mut scale) = (mantissa, scale);
        while scale > 0 && mantissa % 10 == 0 {
            mantissa /= 10;
            scale -= 1;
        }
        (scale <= MAX_SCALE).then_some(Decimal { mantissa, scale })
    }

    pub fn from_int(value: i128) -> Decimal {
        Decimal {
            mantissa: value,
            scale: 0,
        }
    }

    pub fn mantissa(self) -> i128 {
        self.mantissa
    }

    pub fn scale(self) -> u32 {
        self.scale
    }

    pub fn is_negative(self) -> bool {
        self.mantissa < 0
    }

    pub fn checked_mul_int(self, factor: i128) -> Option<Decimal> {
        Decimal::new(self.mantissa.checked_mul(factor)?, self.scale)
    }

    /// Divides by `10^power` exactly.
    pub fn checked_div_pow10(self, power: u32) -> Option<Decimal> {
        Decimal::new(self.mantissa, self.scale.checked_add(power)?)
    }

    /// The value as an integer when it has no fractional part.
    pub fn to_integer(self) -> Option<i128> {
        (self.scale == 0).then_some(self.mantissa)
    }

    /// The nearest `f64` (for reports and Vamp-compatible arithmetic only).
    pub fn to_f64(self) -> f64 {
        self.to_string().parse().unwrap_or(f64::NAN)
    }

    /// Fixed-point text with `places` decimals, rounding half away from zero as Java's
    /// `String.format("%.2f")` does.
    pub fn to_fixed(self, places: u32) -> String {
        let rounded = if self.scale <= places {
            self.mantissa
                .checked_mul(10i128.pow(places - self.scale))
                .unwrap_or(self.mantissa)
        } else {
            let divisor = 10i128.pow((self.scale - places).min(38));
            let quotient = self.mantissa / divisor;
            let remainder = (self.mantissa % divisor).abs();
            if remainder * 2 >= divisor {
                quotient + self.mantissa.signum()
            } else {
                quotient
            }
        };
        let effective_scale = if self.scale <= places && rounded != self.mantissa {
            places
        } else if self.scale <= places {
            self.scale
        } else {
            places
        };
        let text = format_scaled(rounded, effective_scale);
        // pad to exactly `places` decimals
        let have = text
            .split_once('.')
            .map_or(0, |(_, frac)| frac.len() as u32);
        let mut out = text;
        if places > 0 && have == 0 {
            out.push('.');
        }
        for _ in have..places {
            out.push('0');
        }
        if self.is_negative() && !out.starts_with('-') {
            out.insert(0, '-');
        }
        out
    }
}

impl std::str::FromStr for Decimal {
    type Err = GrammarError;

    /// Reads decimal text such as `-0.1`, `.5`, `1e3` (Java's double syntax, exactly).
    fn from_str(text: &str) -> Result<Decimal, GrammarError> {
        parse_java_double(text, 0)
    }
}

/// `mantissa / 10^scale` as plain decimal text.
fn format_scaled(mantissa: i128, scale: u32) -> String {
    let digits = mantissa.unsigned_abs().to_string();
    let sign = if mantissa < 0 { "-" } else { "" };
    if scale == 0 {
        return format!("{sign}{digits}");
    }
    let scale = scale as usize;
    let padded = if digits.len() <= scale {
        format!("{}{digits}", "0".repeat(scale + 1 - digits.len()))
    } else {
        digits
    };
    let (int_part, frac_part) = padded.split_at(padded.len() - scale);
    format!("{sign}{int_part}.{frac_part}")
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_scaled(self.mantissa, self.scale))
    }
}

/// Reads the text of a `java_double` pair exactly.
fn java_double_value(text: &str, start: usize) -> Result<Decimal, GrammarError> {
    let too_long = || {
        GrammarError::new(
            start..start + text.len(),
            "number has too many digits to be represented exactly",
        )
    };
    let body = text.trim_end_matches(['d', 'D', 'f', 'F']);
    let (negative, body) = match body.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, body.strip_prefix('+').unwrap_or(body)),
    };
    let (number, exponent) = match body.find(['e', 'E']) {
        Some(at) => {
            let exponent: i64 = body
                .get(at + 1..)
                .and_then(|e| e.parse().ok())
                .ok_or_else(too_long)?;
            (&body[..at], exponent)
        }
        None => (body, 0),
    };
    let (int_digits, frac_digits) = number.split_once('.').unwrap_or((number, ""));
    let mut mantissa: i128 = 0;
    for digit in int_digits.bytes().chain(frac_digits.bytes()) {
        mantissa = mantissa
            .checked_mul(10)
            .and_then(|m| m.checked_add(i128::from(digit - b'0')))
            .ok_or_else(too_long)?;
    }
    if negative {
        mantissa = -mantissa;
    }
    let scale = frac_digits.len() as i64 - exponent;
    if mantissa == 0 {
        return Ok(Decimal::ZERO);
    }
    if scale >= 0 {
        Decimal::new(mantissa, u32::try_from(scale).map_err(|_| too_long())?).ok_or_else(too_long)
    } else {
        let power = u32::try_from(-scale).map_err(|_| too_long())?;
        let factor = 10i128.checked_pow(power).ok_or_else(too_long)?;
        mantissa
            .checked_mul(factor)
            .map(Decimal::from_int)
            .ok_or_else(too_long)
    }
}

/// Parses `text[range]` as Java's `Double.parseDouble` would (finite decimal forms only);
/// errors point into the full text.
fn parse_java_double(text: &str, offset: usize) -> Result<Decimal, GrammarError> {
    let shift = |mut error: GrammarError| {
        error.range = error.range.start + offset..error.range.end + offset;
        error
    };
    let pair = parse_entry(Rule::java_double_input, text).map_err(shift)?;
    let number = pair
        .into_inner()
        .find(|p| p.as_rule() == Rule::java_double)
        .ok_or_else(|| GrammarError::new(offset..offset + text.len(), "expected a number"))?;
    java_double_value(number.as_str(), offset + number.as_span().start())
}

// ------------------------------------------------------------------------------------------
// Vamp Percentage

/// Vamp's `Percentage`: a whole number from 0 to 100 followed by `%` (`" 50 %"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Percentage(u8);

impl Percentage {
    /// `None` above 100.
    pub fn new(value: u8) -> Option<Percentage> {
        (value <= 100).then_some(Percentage(value))
    }

    pub fn value(self) -> u8 {
        self.0
    }

    /// Vamp's normal form, e.g. `50%`.
    pub fn normal_form(self) -> String {
        format!("{}%", self.0)
    }
}

/// Reads a Vamp percentage: `^\s*(\d{1,3})\s*%\s*$` with a value of at most 100.
pub fn parse_percentage(text: &str) -> Result<Percentage, GrammarError> {
    let pair = parse_entry(Rule::percentage, text)?;
    let value = pair
        .into_inner()
        .find(|p| p.as_rule() == Rule::percentage_value)
        .ok_or_else(|| GrammarError::new(0..text.len(), "expected a percentage"))?;
    let span = value.as_span();
    value
        .as_str()
        .parse::<u8>()
        .ok()
        .and_then(Percentage::new)
        .ok_or_else(|| {
            GrammarError::new(
                span.start()..span.end(),
                format!(
                    "percentage {} is out of range: it must be from 0 to 100",
                    value.as_str()
                ),
            )
        })
}

// ------------------------------------------------------------------------------------------
// Vamp MegaByte

/// Vamp's `MegaByte` memory size, in megabytes (Vamp counts `1G` as 1024 MB and `Mi` as MB).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MegaBytes(Decimal);

impl MegaBytes {
    /// `None` for negative sizes.
    pub fn new(megabytes: Decimal) -> Option<MegaBytes> {
        (!megabytes.is_negative()).then_some(MegaBytes(megabytes))
    }

    pub fn megabytes(self) -> Decimal {
        self.0
    }

    pub fn to_f64(self) -> f64 {
        self.0.to_f64()
    }

    /// Vamp's normal form `f"$value%.2fMB"`, e.g. `128.00MB`.
    pub fn normal_form(self) -> String {
        format!("{}MB", self.0.to_fixed(2))
    }
}

/// Reads a Vamp memory size (`128MB`, ` 128 mi `, `.1m`, `64.MB`, `1.5G` = 1536 MB).
///
/// Vamp's regexes put an unescaped `.` (any character) before the digits, so the amount is
/// either any character followed by digits, or starts with a digit (then anything Java's
/// `Double.parseDouble` accepts). The `Mi`/`Gi` forms require the leading digit.
pub fn parse_megabytes(text: &str) -> Result<MegaBytes, GrammarError> {
    let pair = match parse_entry(Rule::megabyte, text) {
        Ok(pair) => pair,
        Err(error) => return Err(explain_size_unit(text, error)),
    };
    let mut amount = None;
    let mut giga = false;
    let mut binary = false;
    for part in pair.into_inner() {
        match part.as_rule() {
            Rule::megabyte_amount => amount = Some((part.as_str(), part.as_span().start())),
            Rule::megabyte_suffix => {
                for unit in part.into_inner().flatten() {
                    match unit.as_rule() {
                        Rule::giga_unit => giga = true,
                        Rule::binary_letter => binary = true,
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    let (amount, start) =
        amount.ok_or_else(|| GrammarError::new(0..text.len(), "expected a memory size"))?;
    let mut chars = amount.chars();
    let first = chars.next();
    let starts_with_digit = first.is_some_and(|c| c.is_ascii_digit());
    let any_then_digits = !chars.as_str().is_empty() && chars.all(|c| c.is_ascii_digit());
    if !(starts_with_digit || (!binary && any_then_digits)) {
        return Err(GrammarError::new(
            start..start + amount.len(),
            format!("`{amount}` is not a memory size: expected a number such as `128MB`"),
        ));
    }
    let value = parse_java_double(amount, start)?;
    let megabytes = if giga {
        value.checked_mul_int(1024).ok_or_else(|| {
            GrammarError::new(start..start + amount.len(), "memory size is too large")
        })?
    } else {
        value
    };
    MegaBytes::new(megabytes).ok_or_else(|| {
        GrammarError::new(
            start..start + amount.len(),
            "memory size must not be negative",
        )
    })
}

/// A failed size names the unit it did not know (`1kb`), instead of "expected a unit at the
/// end of input".
fn explain_size_unit(text: &str, error: GrammarError) -> GrammarError {
    let trimmed = text.trim_end();
    if error.range.start < trimmed.len() {
        return error;
    }
    let unit_start = trimmed
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_alphabetic())
        .last()
        .map(|(i, _)| i);
    match unit_start {
        Some(start) if start > 0 => GrammarError::new(
            start..trimmed.len(),
            format!(
                "unknown memory unit `{}`: Vamp accepts MB, Mi, GB and Gi (e.g. `128MB`)",
                &trimmed[start..]
            ),
        ),
        _ => GrammarError::new(
            error.range,
            "missing memory unit: Vamp accepts MB, Mi, GB and Gi (e.g. `128MB`)",
        ),
    }
}

// ------------------------------------------------------------------------------------------
// Vamp Quantity (cpu)

/// Vamp's cpu `Quantity`, in cores (`0.5`, `500m` = 0.5). Negative values are accepted, as
/// Vamp does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CpuQuantity(Decimal);

impl CpuQuantity {
    pub fn new(cores: Decimal) -> CpuQuantity {
        CpuQuantity(cores)
    }

    pub fn cores(self) -> Decimal {
        self.0
    }

    /// Whole millicores, when the value is a whole number of them.
    pub fn millicores(self) -> Option<i64> {
        self.0
            .checked_mul_int(1000)
            .and_then(Decimal::to_integer)
            .and_then(|m| i64::try_from(m).ok())
    }

    pub fn to_f64(self) -> f64 {
        self.0.to_f64()
    }

    /// Vamp's normal form `f"%.2f"`, e.g. `0.50`.
    pub fn normal_form(self) -> String {
        self.0.to_fixed(2)
    }
}

/// Reads a Vamp cpu quantity: a Java double, optionally followed by `m` (thousandths).
pub fn parse_cpu_quantity(text: &str) -> Result<CpuQuantity, GrammarError> {
    let pair = parse_entry(Rule::quantity, text)?;
    let mut value = None;
    let mut milli = false;
    for part in pair.into_inner() {
        match part.as_rule() {
            Rule::java_double => {
                value = Some(java_double_value(part.as_str(), part.as_span().start())?)
            }
            Rule::quantity_milli => milli = true,
            _ => {}
        }
    }
    let value = value.ok_or_else(|| GrammarError::new(0..text.len(), "expected a number"))?;
    let cores = if milli {
        value.checked_div_pow10(3).ok_or_else(|| {
            GrammarError::new(0..text.len(), "number has too many digits to be exact")
        })?
    } else {
        value
    };
    Ok(CpuQuantity(cores))
}

// ------------------------------------------------------------------------------------------
// Vamp Time

/// Vamp's `Time`, in whole seconds (Vamp keeps a 32-bit `Int`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct VampTime(u32);

impl VampTime {
    /// `None` beyond Vamp's `Int` range.
    pub fn from_seconds(seconds: u32) -> Option<VampTime> {
        (seconds <= i32::MAX as u32).then_some(VampTime(seconds))
    }

    pub fn seconds(self) -> u32 {
        self.0
    }

    /// Vamp's normal form, e.g. `30s`.
    pub fn normal_form(self) -> String {
        format!("{}s", self.0)
    }
}

/// Reads a Vamp time string: `20s`, `1sec`, `2seconds`, `5m`, `1min`, `2hrs`, `4hours`. No
/// spaces; a bare number in a string is refused as Vamp does (use [`vamp_time_from_integer`]
/// for a YAML integer scalar).
pub fn parse_vamp_time(text: &str) -> Result<VampTime, GrammarError> {
    let pair = parse_entry(Rule::vamp_time, text).map_err(|error| {
        let digits = text.bytes().take_while(u8::is_ascii_digit).count();
        let unit = &text[digits..];
        if digits > 0 && unit.is_empty() {
            GrammarError::new(
                text.len()..text.len(),
                "missing time unit: a quoted number is not a time in Vamp; write `30s`, `5m` or `1h`",
            )
        } else if digits > 0 && !unit.is_empty() && unit.chars().all(char::is_alphabetic) {
            GrammarError::new(
                digits..text.len(),
                format!(
                    "unknown time unit `{unit}`: Vamp accepts s, sec, second(s), m, min, \
                     minute(s), h, hrs, hour(s)"
                ),
            )
        } else {
            error
        }
    })?;
    let mut amount = None;
    let mut factor = 1u64;
    for part in pair.into_inner() {
        match part.as_rule() {
            Rule::time_amount => amount = Some((part.as_str(), part.as_span())),
            Rule::time_minutes => factor = 60,
            Rule::time_hours => factor = 3600,
            _ => {}
        }
    }
    let (digits, span) =
        amount.ok_or_else(|| GrammarError::new(0..text.len(), "expected a time"))?;
    let out_of_range = || {
        GrammarError::new(
            span.start()..span.end(),
            format!("time `{text}` is too large (Vamp keeps at most 2147483647 seconds)"),
        )
    };
    let seconds = digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(factor))
        .and_then(|s| u32::try_from(s).ok())
        .and_then(VampTime::from_seconds)
        .ok_or_else(out_of_range)?;
    Ok(seconds)
}

/// A YAML integer scalar used as a Vamp time (seconds).
pub fn vamp_time_from_integer(text: &str, value: i64) -> Result<VampTime, GrammarError> {
    u32::try_from(value)
        .ok()
        .and_then(VampTime::from_seconds)
        .ok_or_else(|| {
            GrammarError::new(
                0..text.len(),
                format!("time {value} is out of range: it must be from 0 to 2147483647 seconds"),
            )
        })
}

// ------------------------------------------------------------------------------------------
// Go durations

const NANOS_PER_MICRO: i128 = 1_000;
const NANOS_PER_MILLI: i128 = 1_000_000;
const NANOS_PER_SECOND: i128 = 1_000_000_000;
const NANOS_PER_MINUTE: i128 = 60 * NANOS_PER_SECOND;
const NANOS_PER_HOUR: i128 = 60 * NANOS_PER_MINUTE;

/// A Go `time.Duration` (`1m30s`, `1500ms`, `2.5s`, `300µs`), in nanoseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GoDuration(i64);

impl GoDuration {
    pub fn from_nanos(nanos: i64) -> GoDuration {
        GoDuration(nanos)
    }

    pub fn nanos(self) -> i64 {
        self.0
    }

    /// Go's `Duration.String()`: `1h2m3.5s`, `1.5ms`, `300µs`, `0s`. Parses back to the same
    /// value.
    pub fn normal_form(self) -> String {
        let negative = self.0 < 0;
        let total = self.0.unsigned_abs();
        let sign = if negative { "-" } else { "" };
        if total == 0 {
            return "0s".to_string();
        }
        if total < 1_000_000_000 {
            let (unit, per) = if total < 1_000 {
                ("ns", 1)
            } else if total < 1_000_000 {
                ("µs", 1_000)
            } else {
                ("ms", 1_000_000)
            };
            return format!("{sign}{}{unit}", fraction_text(total, per));
        }
        let hours = total / 3_600_000_000_000;
        let minutes = (total / 60_000_000_000) % 60;
        let seconds = fraction_text(total % 60_000_000_000, 1_000_000_000);
        if hours > 0 {
            format!("{sign}{hours}h{minutes}m{seconds}s")
        } else if minutes > 0 {
            format!("{sign}{minutes}m{seconds}s")
        } else {
            format!("{sign}{seconds}s")
        }
    }
}

/// `value / per` as minimal decimal text (`1500, 1000` → `1.5`).
fn fraction_text(value: u64, per: u64) -> String {
    let whole = value / per;
    let frac = value % per;
    if frac == 0 {
        return whole.to_string();
    }
    let width = per.to_string().len() - 1;
    let digits = format!("{frac:0width$}");
    format!("{whole}.{}", digits.trim_end_matches('0'))
}

/// Reads a Go duration as `time.ParseDuration` does: an optional sign, then one or more
/// `number unit` elements (units `ns`, `us`/`µs`, `ms`, `s`, `m`, `h`), or a lone `0`.
pub fn parse_go_duration(text: &str) -> Result<GoDuration, GrammarError> {
    let pair = parse_entry(Rule::go_duration, text)?;
    let mut negative = false;
    let mut total: i128 = 0;
    for part in pair.into_inner() {
        match part.as_rule() {
            Rule::duration_sign => negative = part.as_str() == "-",
            Rule::duration_element => {
                let span = part.as_span();
                let mut inner = part.into_inner();
                let (Some(number), Some(unit)) = (inner.next(), inner.next()) else {
                    continue;
                };
                let per = match unit.into_inner().next().map(|u| u.as_rule()) {
                    Some(Rule::unit_ns) => 1,
                    Some(Rule::unit_us) => NANOS_PER_MICRO,
                    Some(Rule::unit_ms) => NANOS_PER_MILLI,
                    Some(Rule::unit_s) => NANOS_PER_SECOND,
                    Some(Rule::unit_m) => NANOS_PER_MINUTE,
                    _ => NANOS_PER_HOUR,
                };
                let nanos = element_nanos(number.as_str(), per).ok_or_else(|| {
                    GrammarError::new(span.start()..span.end(), "duration is too large")
                })?;
                total = total.checked_add(nanos).unwrap_or(i128::MAX);
            }
            _ => {}
        }
    }
    let signed = if negative { -total } else { total };
    i64::try_from(signed).map(GoDuration).map_err(|_| {
        GrammarError::new(0..text.len(), "duration is out of range (about ±292 years)")
    })
}

/// `number × per` nanoseconds; fractional digits beyond a nanosecond are dropped as Go does.
fn element_nanos(number: &str, per: i128) -> Option<i128> {
    let (whole, frac) = number.split_once('.').unwrap_or((number, ""));
    let whole: i128 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let mut nanos = whole.checked_mul(per)?;
    let mut scale = 1i128;
    let mut frac_value = 0i128;
    // Go stops accumulating fraction digits near 18 too; beyond, they are below a nanosecond
    for digit in frac.bytes().take(18) {
        scale *= 10;
        frac_value = frac_value * 10 + i128::from(digit - b'0');
    }
    nanos = nanos.checked_add(frac_value.checked_mul(per)? / scale)?;
    (nanos <= i128::from(i64::MAX) + 1).then_some(nanos)
}

// ------------------------------------------------------------------------------------------
// Decimal percentages

/// Parts per million in one percent.
const PPM_PER_PERCENT: u64 = 10_000;

/// A decimal percentage such as `99.95%`, exactly, in parts per million (100% = 1 000 000).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FinePercentage(u64);

impl FinePercentage {
    pub fn from_parts_per_million(ppm: u64) -> FinePercentage {
        FinePercentage(ppm)
    }

    pub fn parts_per_million(self) -> u64 {
        self.0
    }

    /// The fraction 0.0..=1.0 (100% = 1.0), for reports.
    pub fn fraction(self) -> f64 {
        self.0 as f64 / 1_000_000.0
    }

    /// Minimal text, e.g. `99.95%`, `0.1%`, `50%`.
    pub fn normal_form(self) -> String {
        format!("{}%", fraction_text(self.0, PPM_PER_PERCENT))
    }
}

/// Reads `0.1%`, `99.95%`, `50%` (at most four decimals: one part per million).
pub fn parse_fine_percentage(text: &str) -> Result<FinePercentage, GrammarError> {
    let pair = parse_entry(Rule::fine_percentage, text)?;
    let number = pair
        .into_inner()
        .find(|p| p.as_rule() == Rule::fine_percentage_value)
        .ok_or_else(|| GrammarError::new(0..text.len(), "expected a percentage"))?;
    let span = number.as_span();
    let (whole, frac) = number
        .as_str()
        .split_once('.')
        .unwrap_or((number.as_str(), ""));
    if frac.len() > 4 {
        let start = span.start() + whole.len() + 1 + 4;
        return Err(GrammarError::new(
            start..span.end(),
            "too many decimals: a percentage is exact to 4 decimal places (one part per million)",
        ));
    }
    let too_large = || GrammarError::new(span.start()..span.end(), "percentage is too large");
    let whole: u64 = whole.parse().map_err(|_| too_large())?;
    let frac_ppm: u64 = format!("{frac:0<4}").parse().unwrap_or(0);
    whole
        .checked_mul(PPM_PER_PERCENT)
        .and_then(|w| w.checked_add(frac_ppm))
        .map(FinePercentage)
        .ok_or_else(too_large)
}

// ------------------------------------------------------------------------------------------
// Rates

/// The time unit of a [`Rate`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RatePer {
    Second,
    Minute,
    Hour,
}

impl RatePer {
    pub fn seconds(self) -> u64 {
        match self {
            RatePer::Second => 1,
            RatePer::Minute => 60,
            RatePer::Hour => 3600,
        }
    }

    fn suffix(self) -> &'static str {
        match self {
            RatePer::Second => "s",
            RatePer::Minute => "m",
            RatePer::Hour => "h",
        }
    }
}

/// A request rate such as `50/s` or `3000/m`: exactly `count` events per `per`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Rate {
    pub count: u64,
    pub per: RatePer,
}

impl Rate {
    /// Events per second (for reports and the simulator's clock).
    pub fn per_second(self) -> f64 {
        self.count as f64 / self.per.seconds() as f64
    }

    /// `50/s`.
    pub fn normal_form(self) -> String {
        format!("{}/{}", self.count, self.per.suffix())
    }
}

/// Reads `50/s`, `3000/m`, `10/h` (also `sec`, `second`, `min`, `minute`, `hr`, `hour`).
pub fn parse_rate(text: &str) -> Result<Rate, GrammarError> {
    let pair = parse_entry(Rule::rate, text)?;
    let mut count = None;
    let mut per = RatePer::Second;
    for part in pair.into_inner() {
        match part.as_rule() {
            Rule::rate_count => {
                let span = part.as_span();
                count = Some(part.as_str().parse::<u64>().map_err(|_| {
                    GrammarError::new(span.start()..span.end(), "rate is too large")
                })?);
            }
            Rule::rate_minute => per = RatePer::Minute,
            Rule::rate_hour => per = RatePer::Hour,
            _ => {}
        }
    }
    let count = count.ok_or_else(|| GrammarError::new(0..text.len(), "expected a rate"))?;
    Ok(Rate { count, per })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decimal(text: &str) -> Decimal {
        text.parse().expect("decimal")
    }

    #[test]
    fn percentage_out_of_range_points_at_the_number() {
        let error = parse_percentage(" 101 %").unwrap_err();
        assert_eq!(error.range, 1..4);
        assert!(error.message.contains("0 to 100"), "{}", error.message);
    }

    #[test]
    fn percentage_without_sign_expects_percent_at_the_end() {
        let error = parse_percentage("100").unwrap_err();
        assert_eq!(error.range, 3..3);
        assert!(error.message.contains("`%`"), "{}", error.message);
    }

    #[test]
    fn megabytes_normal_form_has_two_decimals() {
        assert_eq!(parse_megabytes("128mb").unwrap().normal_form(), "128.00MB");
        assert_eq!(parse_megabytes(".1gb").unwrap().normal_form(), "102.40MB");
        assert_eq!(
            parse_megabytes("1.5G").unwrap().megabytes(),
            decimal("1536")
        );
    }

    #[test]
    fn megabytes_accept_vamps_pipe_character_class() {
        assert_eq!(parse_megabytes("5|").unwrap().megabytes(), decimal("5"));
    }

    #[test]
    fn megabytes_binary_suffix_needs_a_leading_digit() {
        assert!(parse_megabytes(".1mi").is_err());
        assert_eq!(
            parse_megabytes("2 Gi").unwrap().megabytes(),
            decimal("2048")
        );
    }

    #[test]
    fn megabytes_unknown_unit_is_named() {
        let error = parse_megabytes("1kb").unwrap_err();
        assert_eq!(error.range, 1..3);
        assert!(error.message.contains("`kb`"), "{}", error.message);
    }

    #[test]
    fn megabytes_negative_is_refused() {
        let error = parse_megabytes("-1m").unwrap_err();
        assert!(error.message.contains("negative"), "{}", error.message);
    }

    #[test]
    fn cpu_quantity_in_millicores() {
        assert_eq!(
            parse_cpu_quantity(" 250m ").unwrap().millicores(),
            Some(250)
        );
        assert_eq!(
            parse_cpu_quantity("-128.5").unwrap().millicores(),
            Some(-128_500)
        );
        assert_eq!(parse_cpu_quantity(".1m").unwrap().millicores(), None);
        assert_eq!(parse_cpu_quantity("0.5").unwrap().normal_form(), "0.50");
        assert_eq!(parse_cpu_quantity("1e3").unwrap().cores(), decimal("1000"));
    }

    #[test]
    fn cpu_quantity_error_points_at_the_bad_character() {
        let error = parse_cpu_quantity("1.5x").unwrap_err();
        assert_eq!(error.range, 3..4);
    }

    #[test]
    fn vamp_time_units_and_refusals() {
        assert_eq!(parse_vamp_time("5minutes").unwrap().seconds(), 300);
        assert_eq!(parse_vamp_time("2hrs").unwrap().normal_form(), "7200s");
        assert!(parse_vamp_time("30").unwrap_err().message.contains("unit"));
        assert!(parse_vamp_time("1 s").is_err());
        assert!(parse_vamp_time("1d").is_err());
        assert!(parse_vamp_time("99999999999h").is_err());
        assert_eq!(vamp_time_from_integer("30", 30).unwrap().seconds(), 30);
        assert!(vamp_time_from_integer("-1", -1).is_err());
    }

    #[test]
    fn go_durations_in_nanoseconds() {
        let nanos = |t: &str| parse_go_duration(t).unwrap().nanos();
        assert_eq!(nanos("1m30s"), 90_000_000_000);
        assert_eq!(nanos("1500ms"), 1_500_000_000);
        assert_eq!(nanos("2.5s"), 2_500_000_000);
        assert_eq!(nanos("300us"), 300_000);
        assert_eq!(nanos("300µs"), 300_000);
        assert_eq!(nanos("1h"), 3_600_000_000_000);
        assert_eq!(nanos("-1.5h"), -5_400_000_000_000);
        assert_eq!(nanos("0"), 0);
        assert_eq!(nanos(".5s"), 500_000_000);
    }

    #[test]
    fn go_duration_refusals() {
        assert!(parse_go_duration("").is_err());
        assert!(parse_go_duration("1").is_err());
        assert!(parse_go_duration("1d").is_err());
        assert!(parse_go_duration(".s").is_err());
        assert!(parse_go_duration("3000000h").is_err());
        assert_eq!(parse_go_duration("5x").unwrap_err().range, 1..2);
    }

    #[test]
    fn go_duration_normal_form_matches_go() {
        let text = |n: i64| GoDuration::from_nanos(n).normal_form();
        assert_eq!(text(0), "0s");
        assert_eq!(text(1_500_000_000), "1.5s");
        assert_eq!(text(90_000_000_000), "1m30s");
        assert_eq!(text(3_600_000_000_000), "1h0m0s");
        assert_eq!(text(1_500_000), "1.5ms");
        assert_eq!(text(300_000), "300µs");
        assert_eq!(text(-7), "-7ns");
        for extreme in [i64::MIN, i64::MAX] {
            let duration = GoDuration::from_nanos(extreme);
            assert_eq!(parse_go_duration(&duration.normal_form()), Ok(duration));
        }
        assert_eq!(text(i64::MIN), "-2562047h47m16.854775808s");
    }

    #[test]
    fn fine_percentages_in_parts_per_million() {
        let ppm = |t: &str| parse_fine_percentage(t).unwrap().parts_per_million();
        assert_eq!(ppm("0.1%"), 1_000);
        assert_eq!(ppm("99.95%"), 999_500);
        assert_eq!(ppm("100%"), 1_000_000);
        assert_eq!(
            FinePercentage::from_parts_per_million(999_500).normal_form(),
            "99.95%"
        );
        let error = parse_fine_percentage("0.123456%").unwrap_err();
        assert_eq!(error.range, 6..8);
        assert_eq!(parse_fine_percentage("5 %").unwrap_err().range, 1..2);
    }

    #[test]
    fn rates() {
        let rate = parse_rate("3000/m").unwrap();
        assert_eq!(
            rate,
            Rate {
                count: 3000,
                per: RatePer::Minute
            }
        );
        assert_eq!(rate.per_second(), 50.0);
        assert_eq!(parse_rate("50/sec").unwrap().normal_form(), "50/s");
        assert!(parse_rate("50").is_err());
    }

    #[test]
    fn decimal_fixed_rounds_half_away_from_zero() {
        assert_eq!(decimal("0.125").to_fixed(2), "0.13");
        assert_eq!(decimal("-0.125").to_fixed(2), "-0.13");
        assert_eq!(decimal("0.1").to_fixed(2), "0.10");
        assert_eq!(decimal("7").to_fixed(2), "7.00");
        assert_eq!(decimal("-0.001").to_fixed(2), "-0.00");
        assert_eq!(decimal("1.0"), decimal("1"));
    }
}
