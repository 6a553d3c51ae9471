//! The embedded languages a Vamp reader meets inside scalars, behind one small interface:
//! unit values (§1), trait values with `$references` (§7), route conditions (§6) and ISO-8601
//! schedule pieces (§8). The parsers are `crate::syntax::{units, value, condition, iso8601}`;
//! this module adapts their results to the IR's exact units. Errors carry a byte range
//! relative to the scalar.

use crate::ir::vamp::{SchedulePeriod, ValueReference};
use crate::syntax::grammar_error::GrammarError;
use crate::syntax::{condition, iso8601, units, value};
use std::ops::Range;

/// Why a scalar did not parse, and where inside it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScalarError {
    pub range: Range<usize>,
    pub message: String,
}

impl From<GrammarError> for ScalarError {
    fn from(error: GrammarError) -> ScalarError {
        ScalarError {
            range: error.range,
            message: error.message,
        }
    }
}

impl ScalarError {
    fn whole(text: &str, message: impl Into<String>) -> ScalarError {
        ScalarError {
            range: 0..text.len(),
            message: message.into(),
        }
    }
}

/// A parsed route condition (boolean AST with spans relative to its text).
pub type ConditionAst = condition::Condition;

const BYTES_PER_MEGABYTE: i128 = 1024 * 1024;

/// `50%` → 50.
pub fn percentage(text: &str) -> Result<u8, ScalarError> {
    Ok(units::parse_percentage(text)?.value())
}

/// `128MB`, `0.5GB`, `.1m` → bytes (rounded to the nearest byte).
pub fn megabytes_as_bytes(text: &str) -> Result<u64, ScalarError> {
    let megabytes = units::parse_megabytes(text)?.megabytes();
    let scaled = megabytes
        .mantissa()
        .checked_mul(BYTES_PER_MEGABYTE)
        .ok_or_else(|| ScalarError::whole(text, "memory value too large"))?;
    let divisor = 10i128
        .checked_pow(megabytes.scale())
        .ok_or_else(|| ScalarError::whole(text, "memory value too precise"))?;
    let bytes = (scaled + divisor / 2) / divisor;
    u64::try_from(bytes).map_err(|_| ScalarError::whole(text, "memory must not be negative"))
}

/// `0.5` → 500, `250m` → 250 (millicores).
pub fn cpu_millis(text: &str) -> Result<i64, ScalarError> {
    units::parse_cpu_quantity(text)?
        .millicores()
        .ok_or_else(|| ScalarError::whole(text, "cpu quantity out of range or finer than 1m"))
}

/// `30s`, `1m`, `1h`, or a bare number of seconds → nanoseconds.
pub fn time_ns(text: &str) -> Result<u64, ScalarError> {
    let seconds = match text.trim().parse::<i64>() {
        Ok(value) => units::vamp_time_from_integer(text, value)?.seconds(),
        Err(_) => units::parse_vamp_time(text)?.seconds(),
    };
    Ok(u64::from(seconds) * 1_000_000_000)
}

/// The `$references` of a trait value.
pub fn value_references(text: &str) -> Result<Vec<ValueReference>, ScalarError> {
    // Text without `$` is one literal part.
    if !text.contains('$') {
        return Ok(Vec::new());
    }
    let parsed = value::parse_trait_value(text)?;
    Ok(parsed
        .references()
        .map(|(reference, _)| reference.clone())
        .collect())
}

/// A gateway route condition (Vamp's `ConditionDefinitionParser`).
pub fn condition(text: &str) -> Result<ConditionAst, ScalarError> {
    Ok(condition::parse_route_condition(text)?)
}

/// A time schedule period such as `P1Y2M3DT4H5M6S`.
pub fn period(text: &str) -> Result<SchedulePeriod, ScalarError> {
    let period = iso8601::parse_period(text)?;
    Ok(SchedulePeriod {
        text: period.normal_form(),
        years: period.years,
        months: period.months,
        days: period.days,
        time_ns: period.time_nanos,
    })
}

/// A time schedule start: `None` for `now`, else the offset date-time as written.
pub fn start(text: &str) -> Result<Option<i128>, ScalarError> {
    Ok(match iso8601::parse_start(text)? {
        iso8601::Start::Now => None,
        iso8601::Start::At(at) => Some(at.unix_nanos()),
    })
}
