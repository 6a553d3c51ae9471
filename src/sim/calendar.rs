//! Calendar arithmetic for time schedules (Vamp `schedule: {time: {period, start, repeat}}`,
//! reference/vamp/SPEC.md §8) against a scenario `clock`: the instant t = 0 stands for.
//!
//! Occurrence `k` of a schedule is `start + k·period` computed as `java.time` adds a
//! `Period` and a `Duration` to an offset date-time: months first (the day clamped to the
//! month's end, so a monthly schedule from 31 January runs on 28 or 29 February and on
//! 31 March), then days, then the exact time part. Offsets are fixed, so a day is 24 hours.

use super::engine::Nanos;
use super::model::{CalendarAnchor, Schedule};
use crate::syntax::iso8601::{days_in_month, DateTime};

const NANOS_PER_SEC: i128 = 1_000_000_000;
const NANOS_PER_DAY: i128 = 86_400 * NANOS_PER_SEC;
/// The average Gregorian month (146 097 days / 4800 months), to jump near a past start.
const AVERAGE_MONTH_NS: f64 = 146_097.0 / 4_800.0 * 86_400e9;

/// A schedule period split as `java.time` splits it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CalendarPeriod {
    /// Years and months together (`P1Y2M` = 14).
    pub months: i64,
    pub days: i64,
    pub time_ns: i128,
}

impl CalendarPeriod {
    /// Whether the period's length does not depend on the date (no months or years).
    pub fn is_exact(&self) -> bool {
        self.months == 0
    }

    fn exact_ns(&self) -> i128 {
        i128::from(self.days) * NANOS_PER_DAY + self.time_ns
    }
}

pub fn anchor_of(at: &DateTime) -> CalendarAnchor {
    CalendarAnchor {
        year: at.year,
        month: at.month,
        day: at.day,
        time_of_day_ns: (u64::from(at.hour) * 3600
            + u64::from(at.minute) * 60
            + u64::from(at.second))
            * 1_000_000_000
            + u64::from(at.nanos),
        offset_seconds: at.offset_seconds,
    }
}

/// Unix nanoseconds of `anchor` plus `k` months (the day clamped to the month's end).
fn plus_months(anchor: &CalendarAnchor, months: i128) -> Option<i128> {
    let total = i128::from(anchor.month) - 1 + months;
    let year = i32::try_from(i128::from(anchor.year) + total.div_euclid(12)).ok()?;
    // Far beyond any rehearsal; keeps the day arithmetic in range.
    if !(-1_000_000..=1_000_000).contains(&year) {
        return None;
    }
    let month = (total.rem_euclid(12) + 1) as u8;
    let day = anchor.day.min(days_in_month(year, month));
    let midnight_utc = DateTime {
        year,
        month,
        day,
        hour: 0,
        minute: 0,
        second: 0,
        nanos: 0,
        offset_seconds: 0,
    }
    .unix_nanos();
    Some(
        midnight_utc + i128::from(anchor.time_of_day_ns)
            - i128::from(anchor.offset_seconds) * NANOS_PER_SEC,
    )
}

/// Unix nanoseconds of occurrence `k`.
pub fn occurrence(anchor: &CalendarAnchor, period: &CalendarPeriod, k: u64) -> Option<i128> {
    let k = i128::from(k);
    let base = plus_months(anchor, i128::from(period.months).checked_mul(k)?)?;
    let days = i128::from(period.days)
        .checked_mul(k)?
        .checked_mul(NANOS_PER_DAY)?;
    let time = period.time_ns.checked_mul(k)?;
    base.checked_add(days)?.checked_add(time)
}

/// Rehearsal time of a Unix instant, when it is not before t = 0 and fits.
fn relative(unix_ns: i128, clock_ns: i128) -> Option<Nanos> {
    Nanos::try_from(unix_ns.checked_sub(clock_ns)?).ok()
}

/// The schedule of `repeat` occurrences (unbounded when `None`) from `anchor` every
/// `period`, with t = 0 at Unix time `clock_ns`. Occurrences before t = 0 are missed, as a
/// calendar scheduler started at the clock would miss them, and count against `repeat`.
/// A period that does not move time forward runs once, at the start.
pub fn schedule(
    anchor: &CalendarAnchor,
    period: &CalendarPeriod,
    repeat: Option<u64>,
    clock_ns: i128,
) -> Schedule {
    let never = Schedule::Time {
        start: 0,
        period: 0,
        repeat: Some(0),
    };
    let Some(start_unix) = occurrence(anchor, period, 0) else {
        return never;
    };
    let advances = occurrence(anchor, period, 1).is_some_and(|next| next > start_unix);
    if !advances {
        return match relative(start_unix, clock_ns) {
            Some(start) if repeat != Some(0) => Schedule::Time {
                start,
                period: 0,
                repeat: Some(1),
            },
            _ => never,
        };
    }
    let Some(first) = first_not_before(anchor, period, start_unix, clock_ns) else {
        return never;
    };
    let remaining = match repeat {
        Some(r) if first >= r => return never,
        Some(r) => Some(r - first),
        None => None,
    };
    let Some(first_at) = occurrence(anchor, period, first).and_then(|u| relative(u, clock_ns))
    else {
        return never;
    };
    if period.is_exact() {
        return Schedule::Time {
            start: first_at,
            period: Nanos::try_from(period.exact_ns()).unwrap_or(Nanos::MAX),
            repeat: remaining,
        };
    }
    Schedule::Calendar {
        anchor: *anchor,
        months: period.months,
        days: period.days,
        time_ns: period.time_ns,
        clock_ns,
        first,
        repeat,
    }
}

/// The first `k` whose occurrence is at or after the clock (occurrences increase with `k`).
fn first_not_before(
    anchor: &CalendarAnchor,
    period: &CalendarPeriod,
    start_unix: i128,
    clock_ns: i128,
) -> Option<u64> {
    if start_unix >= clock_ns {
        return Some(0);
    }
    // Jump close with an estimate of the period's length, then walk: never more than a few
    // steps either way, whatever the distance to a start long ago.
    let estimate_ns = period.months as f64 * AVERAGE_MONTH_NS + period.exact_ns() as f64;
    let mut k = if estimate_ns > 0.0 {
        let guess = (clock_ns - start_unix) as f64 / estimate_ns;
        if guess.is_finite() && guess < 1e15 {
            (guess as u64).saturating_sub(2)
        } else {
            return None;
        }
    } else {
        0
    };
    while k > 0 && occurrence(anchor, period, k)? >= clock_ns {
        k -= 1;
    }
    for _ in 0..1_000_000 {
        if occurrence(anchor, period, k)? >= clock_ns {
            return Some(k);
        }
        k += 1;
    }
    None
}

/// The rehearsal time of occurrence `k` of a [`Schedule::Calendar`], if it runs.
pub fn calendar_time(schedule: &Schedule, k: u64) -> Option<Nanos> {
    let Schedule::Calendar {
        anchor,
        months,
        days,
        time_ns,
        clock_ns,
        repeat,
        ..
    } = schedule
    else {
        return None;
    };
    if repeat.is_some_and(|r| k >= r) {
        return None;
    }
    let period = CalendarPeriod {
        months: *months,
        days: *days,
        time_ns: *time_ns,
    };
    occurrence(anchor, &period, k).and_then(|u| relative(u, *clock_ns))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::iso8601::parse_date_time;

    fn at(text: &str) -> CalendarAnchor {
        anchor_of(&parse_date_time(text).expect("a date-time"))
    }

    fn unix(text: &str) -> i128 {
        parse_date_time(text).expect("a date-time").unix_nanos()
    }

    fn months(n: i64) -> CalendarPeriod {
        CalendarPeriod {
            months: n,
            days: 0,
            time_ns: 0,
        }
    }

    #[test]
    fn months_clamp_to_the_end_of_the_month_without_drifting() {
        let jan31 = at("2026-01-31T10:00:00Z");
        let expected = [
            "2026-01-31T10:00:00Z",
            "2026-02-28T10:00:00Z",
            "2026-03-31T10:00:00Z",
            "2026-04-30T10:00:00Z",
        ];
        for (k, text) in expected.iter().enumerate() {
            assert_eq!(
                occurrence(&jan31, &months(1), k as u64),
                Some(unix(text)),
                "{k}"
            );
        }
    }

    #[test]
    fn leap_years() {
        let feb29 = at("2024-02-29T00:00:00Z");
        assert_eq!(
            occurrence(&feb29, &months(12), 1),
            Some(unix("2025-02-28T00:00:00Z"))
        );
        assert_eq!(
            occurrence(&feb29, &months(12), 4),
            Some(unix("2028-02-29T00:00:00Z"))
        );
        // 2100 is not a leap year, 2000 was.
        let jan29 = at("2100-01-29T00:00:00Z");
        assert_eq!(
            occurrence(&jan29, &months(1), 1),
            Some(unix("2100-02-28T00:00:00Z"))
        );
        let jan29 = at("2000-01-29T00:00:00Z");
        assert_eq!(
            occurrence(&jan29, &months(1), 1),
            Some(unix("2000-02-29T00:00:00Z"))
        );
    }

    #[test]
    fn months_then_days_then_time_in_the_local_calendar() {
        // P1M1DT1H from 31 January 23:30 at +02:00: 28 February, +1 day, +1 hour.
        let anchor = at("2026-01-31T23:30:00+02:00");
        let period = CalendarPeriod {
            months: 1,
            days: 1,
            time_ns: 3600 * NANOS_PER_SEC,
        };
        assert_eq!(
            occurrence(&anchor, &period, 1),
            Some(unix("2026-03-02T00:30:00+02:00"))
        );
        // Negative months go back through the year boundary.
        let anchor = at("2026-03-31T00:00:00Z");
        assert_eq!(
            occurrence(&anchor, &months(-13), 1),
            Some(unix("2025-02-28T00:00:00Z"))
        );
    }

    #[test]
    fn a_start_after_the_clock_runs_at_the_difference() {
        let clock = unix("2026-03-01T00:00:00Z");
        let schedule = schedule(
            &at("2026-03-01T00:00:30Z"),
            &CalendarPeriod {
                months: 0,
                days: 0,
                time_ns: 60 * NANOS_PER_SEC,
            },
            Some(3),
            clock,
        );
        assert_eq!(
            schedule,
            Schedule::Time {
                start: 30_000_000_000,
                period: 60_000_000_000,
                repeat: Some(3)
            }
        );
    }

    #[test]
    fn a_past_start_runs_first_at_the_next_boundary_and_spends_its_repeats() {
        let clock = unix("2026-03-01T00:00:00Z");
        // Every 7 minutes from 23:50 the day before: 23:57, then 00:04 (t = 4 min).
        let schedule = schedule(
            &at("2026-02-28T23:50:00Z"),
            &CalendarPeriod {
                months: 0,
                days: 0,
                time_ns: 7 * 60 * NANOS_PER_SEC,
            },
            Some(5),
            clock,
        );
        assert_eq!(
            schedule,
            Schedule::Time {
                start: 4 * 60 * NANOS_PER_SEC as u64,
                period: 7 * 60 * NANOS_PER_SEC as u64,
                repeat: Some(3)
            }
        );
        // All repeats in the past: it never runs.
        let gone = super::schedule(&at("2020-01-01T00:00:00Z"), &months(1), Some(12), clock);
        assert_eq!(
            gone,
            Schedule::Time {
                start: 0,
                period: 0,
                repeat: Some(0)
            }
        );
    }

    #[test]
    fn a_monthly_schedule_from_long_ago_finds_its_next_day() {
        let clock = unix("2026-03-15T00:00:00Z");
        let monthly = schedule(&at("1999-12-31T12:00:00Z"), &months(1), None, clock);
        let first = calendar_time(
            &monthly,
            match &monthly {
                Schedule::Calendar { first, .. } => *first,
                other => panic!("{other:?}"),
            },
        );
        // The next month end after 15 March 2026 is 31 March, 12:00.
        let expected = unix("2026-03-31T12:00:00Z") - clock;
        assert_eq!(first.map(i128::from), Some(expected));
    }

    #[test]
    fn a_period_that_does_not_advance_runs_once() {
        let clock = unix("2026-03-01T00:00:00Z");
        let zero = schedule(
            &at("2026-03-01T00:00:10Z"),
            &CalendarPeriod {
                months: 0,
                days: 0,
                time_ns: 0,
            },
            None,
            clock,
        );
        assert_eq!(
            zero,
            Schedule::Time {
                start: 10 * NANOS_PER_SEC as u64,
                period: 0,
                repeat: Some(1)
            }
        );
    }
}
