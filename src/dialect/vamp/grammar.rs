//! The embedded languages a Vamp reader meets inside scalars, behind one small interface:
//! unit values (§1), trait values with `$references` (§7), route conditions (§6) and ISO-8601
//! periods (§8). The parsers live in `crate::syntax`; this module only adapts their results to
//! the IR's exact units. Errors carry a byte range relative to the scalar.

use crate::ir::vamp::{SchedulePeriod, ValueReference};
use std::ops::Range;

/// Why a scalar did not parse, and where inside it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScalarError {
    pub range: Range<usize>,
    pub message: String,
}

impl ScalarError {
    fn whole(text: &str, message: impl Into<String>) -> ScalarError {
        ScalarError {
            range: 0..text.len(),
            message: message.into(),
        }
    }
}

pub type ConditionAst = String;

// TEMP: replaced by crate::syntax::{units, value, condition, iso8601} when they land on main.

pub fn percentage(text: &str) -> Result<u8, ScalarError> {
    let t = text.trim();
    let digits = t
        .strip_suffix('%')
        .map(str::trim)
        .ok_or_else(|| ScalarError::whole(text, "expected a percentage such as `50%`"))?;
    match digits.parse::<u8>() {
        Ok(v) if v <= 100 && !digits.is_empty() && digits.len() <= 3 => Ok(v),
        _ => Err(ScalarError::whole(
            text,
            "expected a percentage from 0% to 100%",
        )),
    }
}

pub fn megabytes_as_bytes(text: &str) -> Result<u64, ScalarError> {
    let t = text.trim().to_ascii_lowercase();
    let (number, factor) = if let Some(n) = t.strip_suffix("gb").or(t.strip_suffix('g')) {
        (n, 1024.0 * 1024.0 * 1024.0)
    } else if let Some(n) = t
        .strip_suffix("mb")
        .or(t.strip_suffix("mi"))
        .or(t.strip_suffix('m'))
    {
        (n, 1024.0 * 1024.0)
    } else {
        return Err(ScalarError::whole(
            text,
            "expected memory with a unit, e.g. `128MB`",
        ));
    };
    match number.trim().parse::<f64>() {
        Ok(v) if v >= 0.0 => Ok((v * factor).round() as u64),
        _ => Err(ScalarError::whole(
            text,
            "expected memory such as `128MB` or `0.5GB`",
        )),
    }
}

pub fn cpu_millis(text: &str) -> Result<i64, ScalarError> {
    let t = text.trim();
    let (number, factor) = match t.strip_suffix('m') {
        Some(n) => (n.trim(), 1.0),
        None => (t, 1000.0),
    };
    number
        .parse::<f64>()
        .map(|v| (v * factor).round() as i64)
        .map_err(|_| ScalarError::whole(text, "expected a cpu quantity such as `0.5` or `500m`"))
}

pub fn time_ns(text: &str) -> Result<u64, ScalarError> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    let n: u64 = digits
        .parse()
        .map_err(|_| ScalarError::whole(text, "expected a time such as `30s`"))?;
    let seconds = match unit {
        "" | "s" | "sec" | "second" | "seconds" => 1,
        "m" | "min" | "minute" | "minutes" => 60,
        "h" | "hrs" | "hour" | "hours" => 3600,
        _ => {
            return Err(ScalarError::whole(
                text,
                "expected a time such as `30s`, `5m` or `1h`",
            ))
        }
    };
    Ok(n * seconds * 1_000_000_000)
}

pub fn value_references(text: &str) -> Result<Vec<ValueReference>, ScalarError> {
    let _ = text;
    Ok(Vec::new())
}

pub fn condition(text: &str) -> Result<ConditionAst, ScalarError> {
    Ok(text.to_string())
}

pub fn period(text: &str) -> Result<SchedulePeriod, ScalarError> {
    if !text.starts_with('P') {
        return Err(ScalarError::whole(
            text,
            "expected an ISO-8601 period such as `PT1M`",
        ));
    }
    Ok(SchedulePeriod {
        text: text.to_string(),
        years: 0,
        months: 0,
        days: 0,
        time_ns: 0,
    })
}
