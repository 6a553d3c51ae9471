//! Monte-Carlo sweeps: one scenario over a range of seeds, on several threads, summarised as
//! pass probabilities (with 95% Wilson intervals) and quantiles.
//!
//! Every run is independent and reduced at once to a few integers (which expectations passed,
//! the user error rate in ppm, the first rollback and the first 100% weight in ms), added into
//! counting maps. Counts add up the same way in any order, so the result does not depend on the
//! number of threads, and shards of a sweep merge into exactly the unsharded result. Memory
//! grows with the number of distinct values, not with the number of seeds.

use super::budget::Budget;
use super::run::{run, RunOptions, RunResult};
use crate::diag::Diagnostic;
use crate::ir::Project;
use indexmap::IndexMap;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// One slice of a sweep: `index` from 0 to `count − 1` (Kubernetes' `JOB_COMPLETION_INDEX`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

impl Shard {
    /// The seeds of this shard as (first seed, how many): contiguous blocks whose sizes
    /// differ by at most one; a shard past the number of seeds is empty.
    pub fn slice(self, from: u64, to: u64) -> (u64, u64) {
        let total = u128::from(to - from) + 1;
        let start = total * u128::from(self.index) / u128::from(self.count);
        let end = total * u128::from(self.index + 1) / u128::from(self.count);
        (from + start as u64, (end - start) as u64)
    }
}

pub struct SweepOptions<'a> {
    pub scenario: Option<String>,
    /// Inclusive seed range.
    pub from: u64,
    pub to: u64,
    pub shard: Option<Shard>,
    /// Worker threads; the result does not depend on it.
    pub jobs: usize,
    pub budget: Budget,
    /// Called with the number of runs finished so far, from any worker thread.
    pub progress: Option<&'a (dyn Fn(u64) + Sync)>,
}

/// Occurrences of each value, in value order.
pub type Counts = BTreeMap<u64, u64>;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub passed: u64,
    pub runs: u64,
}

/// What a sweep (or one shard of it) found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sweep {
    pub scenario: String,
    /// The whole sweep's seeds.
    pub from: u64,
    pub to: u64,
    /// Set for one shard's partial result: (shard, its first seed, its number of seeds).
    pub partial: Option<(Shard, u64, u64)>,
    pub runs: u64,
    /// Per expectation, in the scenario's order.
    pub expectations: IndexMap<String, Tally>,
    /// User error rate of each run, in ppm.
    pub user_error_rate_ppm: Counts,
    /// Time of the first rollback, in ms, for runs that rolled back.
    pub rollback_ms: Counts,
    /// Time a route first reached 100% weight (the rollout completed), in ms.
    pub time_to_full_ms: Counts,
}

/// The few numbers a sweep keeps of one run.
struct RunFacts {
    passed: Vec<(String, bool)>,
    user_error_rate_ppm: u64,
    rollback_ms: Option<u64>,
    time_to_full_ms: Option<u64>,
}

fn facts(result: &RunResult) -> RunFacts {
    let mut passed: Vec<(String, bool)> = Vec::with_capacity(result.expectations.len());
    for outcome in &result.expectations {
        // Two expectations of one kind stay apart: `user_error_rate`, `user_error_rate (2)`.
        let mut name = outcome.name.clone();
        let mut n = 1;
        while passed.iter().any(|(seen, _)| *seen == name) {
            n += 1;
            name = format!("{} ({n})", outcome.name);
        }
        passed.push((name, outcome.passed));
    }
    let user_error_rate_ppm = if result.requests == 0 {
        0
    } else {
        ((u128::from(result.errors) * 1_000_000 + u128::from(result.requests) / 2)
            / u128::from(result.requests)) as u64
    };
    let ms = |t: u64| t / 1_000_000;
    let rollback_ms = result
        .decisions
        .iter()
        .find(|d| d.kind == "rollback")
        .map(|d| ms(d.t));
    let time_to_full_ms = result
        .decisions
        .iter()
        .find(|d| {
            d.kind == "weights"
                && d.detail
                    .as_object()
                    .is_some_and(|routes| routes.values().any(|w| w.as_f64() == Some(100.0)))
        })
        .map(|d| ms(d.t));
    RunFacts {
        passed,
        user_error_rate_ppm,
        rollback_ms,
        time_to_full_ms,
    }
}

impl Sweep {
    fn empty(scenario: String, from: u64, to: u64) -> Sweep {
        Sweep {
            scenario,
            from,
            to,
            partial: None,
            runs: 0,
            expectations: IndexMap::new(),
            user_error_rate_ppm: Counts::new(),
            rollback_ms: Counts::new(),
            time_to_full_ms: Counts::new(),
        }
    }

    fn add(&mut self, facts: RunFacts) {
        self.runs += 1;
        for (name, passed) in facts.passed {
            let tally = self.expectations.entry(name).or_default();
            tally.runs += 1;
            tally.passed += u64::from(passed);
        }
        *self
            .user_error_rate_ppm
            .entry(facts.user_error_rate_ppm)
            .or_default() += 1;
        if let Some(t) = facts.rollback_ms {
            *self.rollback_ms.entry(t).or_default() += 1;
        }
        if let Some(t) = facts.time_to_full_ms {
            *self.time_to_full_ms.entry(t).or_default() += 1;
        }
    }

    /// Adds another part's counts. Expectations keep the order they were first met in; every
    /// run of one scenario has the same expectations, so that is the scenario's order.
    fn absorb(&mut self, other: Sweep) {
        self.runs += other.runs;
        for (name, tally) in other.expectations {
            let mine = self.expectations.entry(name).or_default();
            mine.passed += tally.passed;
            mine.runs += tally.runs;
        }
        for (mine, theirs) in [
            (&mut self.user_error_rate_ppm, other.user_error_rate_ppm),
            (&mut self.rollback_ms, other.rollback_ms),
            (&mut self.time_to_full_ms, other.time_to_full_ms),
        ] {
            for (value, count) in theirs {
                *mine.entry(value).or_default() += count;
            }
        }
    }
}

/// Runs the scenario once per seed of the range (or of the shard's slice of it).
pub fn sweep(project: &Project, options: SweepOptions<'_>) -> Result<Sweep, Vec<Diagnostic>> {
    let (first, len) = match options.shard {
        Some(shard) => shard.slice(options.from, options.to),
        None => Shard { index: 0, count: 1 }.slice(options.from, options.to),
    };
    let next = AtomicU64::new(0);
    let done = AtomicU64::new(0);
    // The failure of the lowest seed wins, whichever thread met it first.
    let failure: Mutex<Option<(u64, Vec<Diagnostic>)>> = Mutex::new(None);
    let scenario_name: Mutex<Option<String>> = Mutex::new(None);
    let jobs = options.jobs.max(1);
    let parts: Vec<Sweep> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..jobs)
            .map(|_| {
                scope.spawn(|| {
                    let mut part = Sweep::empty(String::new(), options.from, options.to);
                    loop {
                        let k = next.fetch_add(1, Ordering::Relaxed);
                        if k >= len {
                            break;
                        }
                        let seed = first + k;
                        if failure.lock().unwrap().is_some() {
                            break;
                        }
                        let result = run(
                            project,
                            RunOptions {
                                scenario: options.scenario.clone(),
                                seed: Some(seed),
                                trace: None,
                                budget: options.budget,
                                progress: None,
                                explain_request: None,
                            },
                        );
                        match result {
                            Ok(result) => {
                                scenario_name
                                    .lock()
                                    .unwrap()
                                    .get_or_insert_with(|| result.scenario.clone());
                                part.add(facts(&result));
                            }
                            Err(diagnostics) => {
                                let mut failure = failure.lock().unwrap();
                                if failure.as_ref().is_none_or(|(s, _)| seed < *s) {
                                    *failure = Some((seed, diagnostics));
                                }
                                break;
                            }
                        }
                        let finished = done.fetch_add(1, Ordering::Relaxed) + 1;
                        if let Some(progress) = options.progress {
                            progress(finished);
                        }
                    }
                    part
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("a sweep worker panicked"))
            .collect()
    });
    if let Some((_, diagnostics)) = failure.into_inner().unwrap() {
        return Err(diagnostics);
    }
    let scenario = scenario_name
        .into_inner()
        .unwrap()
        .or_else(|| options.scenario.clone())
        .unwrap_or_default();
    let mut total = Sweep::empty(scenario, options.from, options.to);
    for part in parts {
        total.absorb(part);
    }
    if let Some(shard) = options.shard {
        total.partial = Some((shard, first, len));
    }
    Ok(total)
}

/// Why partial results cannot be merged.
#[derive(Debug, PartialEq, Eq)]
pub struct MergeError(pub String);

/// Combines the partial results of every shard of one sweep into exactly what the unsharded
/// sweep reports.
pub fn merge(parts: Vec<Sweep>) -> Result<Sweep, MergeError> {
    let Some(first) = parts.first() else {
        return Err(MergeError("no partial results to merge".into()));
    };
    let (scenario, from, to) = (first.scenario.clone(), first.from, first.to);
    let Some((shard, ..)) = first.partial else {
        return Err(MergeError(
            "the first file is not a partial result (--shard)".into(),
        ));
    };
    let count = shard.count;
    let mut seen = vec![false; usize::try_from(count).unwrap_or(usize::MAX).min(1 << 20)];
    if seen.len() as u64 != count {
        return Err(MergeError(format!("{count} shards is too many to merge")));
    }
    let mut total = Sweep::empty(scenario.clone(), from, to);
    for part in parts {
        let Some((shard, ..)) = part.partial else {
            return Err(MergeError(
                "a file is not a partial result (--shard)".into(),
            ));
        };
        if part.scenario != scenario || part.from != from || part.to != to || shard.count != count {
            return Err(MergeError(format!(
                "shard {}/{} is of another sweep ({} seeds {}..{} in {} shards)",
                shard.index, shard.count, part.scenario, part.from, part.to, shard.count
            )));
        }
        let slot = &mut seen[shard.index as usize];
        if *slot {
            return Err(MergeError(format!(
                "shard {}/{count} is given twice",
                shard.index
            )));
        }
        *slot = true;
        total.absorb(part);
    }
    let missing: Vec<String> = seen
        .iter()
        .enumerate()
        .filter(|(_, s)| !**s)
        .map(|(i, _)| i.to_string())
        .collect();
    if !missing.is_empty() {
        return Err(MergeError(format!(
            "shards {} of {count} are missing",
            missing.join(", ")
        )));
    }
    Ok(total)
}

/// The 95% Wilson score interval of `passed` successes in `runs` trials.
pub fn wilson95(passed: u64, runs: u64) -> (f64, f64) {
    if runs == 0 {
        return (0.0, 1.0);
    }
    const Z: f64 = 1.959_963_984_540_054;
    let n = runs as f64;
    let p = passed as f64 / n;
    let z2 = Z * Z;
    let denominator = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denominator;
    let half = Z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / denominator;
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

/// The nearest-rank quantile `q` (0 < q ≤ 1) of the counted values.
pub fn quantile(counts: &Counts, q: f64) -> Option<u64> {
    let total: u64 = counts.values().sum();
    if total == 0 {
        return None;
    }
    let rank = ((q * total as f64).ceil() as u64).clamp(1, total);
    let mut seen = 0;
    for (&value, &count) in counts {
        seen += count;
        if seen >= rank {
            return Some(value);
        }
    }
    counts.keys().next_back().copied()
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

const QUANTILES: [(&str, f64); 3] = [("p50", 0.5), ("p90", 0.9), ("p99", 0.99)];

/// Summary of a counted quantity: samples, min, p50, p90, p99, max, in `unit` per count unit.
fn summary(counts: &Counts, scale: f64) -> Value {
    let samples: u64 = counts.values().sum();
    let at = |v: Option<u64>| match v {
        Some(v) => json!(round6(v as f64 * scale)),
        None => Value::Null,
    };
    let mut object = Map::new();
    object.insert("samples".into(), json!(samples));
    object.insert("min".into(), at(counts.keys().next().copied()));
    for (name, q) in QUANTILES {
        object.insert(name.into(), at(quantile(counts, q)));
    }
    object.insert("max".into(), at(counts.keys().next_back().copied()));
    Value::Object(object)
}

fn counts_json(counts: &Counts) -> Value {
    Value::Array(counts.iter().map(|(v, c)| json!([v, c])).collect())
}

fn counts_from(value: Option<&Value>, what: &str) -> Result<Counts, MergeError> {
    let mut counts = Counts::new();
    let Some(items) = value.and_then(Value::as_array) else {
        return Err(MergeError(format!("`distributions.{what}` is missing")));
    };
    for item in items {
        let pair = item.as_array().filter(|p| p.len() == 2);
        let (Some(value), Some(count)) = (
            pair.and_then(|p| p[0].as_u64()),
            pair.and_then(|p| p[1].as_u64()),
        ) else {
            return Err(MergeError(format!(
                "`distributions.{what}` holds something else than [value, count] pairs"
            )));
        };
        *counts.entry(value).or_default() += count;
    }
    Ok(counts)
}

impl Sweep {
    /// The JSON report of a sweep (a contract, issue #13): `scenario`, `seeds`, `runs`,
    /// `expectations`, `quantiles`; `distributions` holds the counts the quantiles come from
    /// (what `rehearse merge` adds up), and a shard's result has `partial`.
    pub fn to_json(&self) -> Value {
        let mut expectations = Map::new();
        for (name, tally) in &self.expectations {
            let p = if tally.runs == 0 {
                0.0
            } else {
                tally.passed as f64 / tally.runs as f64
            };
            let (lo, hi) = wilson95(tally.passed, tally.runs);
            expectations.insert(
                name.clone(),
                json!({
                    "passed": tally.passed,
                    "runs": tally.runs,
                    "p": round6(p),
                    "ci95": [round6(lo), round6(hi)],
                }),
            );
        }
        let mut object = Map::new();
        object.insert("scenario".into(), json!(self.scenario));
        object.insert("seeds".into(), json!({"from": self.from, "to": self.to}));
        if let Some((shard, first, count)) = self.partial {
            object.insert(
                "partial".into(),
                json!({
                    "shard": shard.index,
                    "shards": shard.count,
                    "seeds": {"from": first, "count": count},
                }),
            );
        }
        object.insert("runs".into(), json!(self.runs));
        object.insert("expectations".into(), Value::Object(expectations));
        object.insert(
            "quantiles".into(),
            json!({
                "user_error_rate_pct": summary(&self.user_error_rate_ppm, 1e-4),
                "rollback_s": summary(&self.rollback_ms, 1e-3),
                "time_to_100_s": summary(&self.time_to_full_ms, 1e-3),
            }),
        );
        object.insert(
            "distributions".into(),
            json!({
                "user_error_rate_ppm": counts_json(&self.user_error_rate_ppm),
                "rollback_ms": counts_json(&self.rollback_ms),
                "time_to_100_ms": counts_json(&self.time_to_full_ms),
            }),
        );
        Value::Object(object)
    }

    /// Reads a sweep back from its JSON report (for `rehearse merge`).
    pub fn from_json(value: &Value) -> Result<Sweep, MergeError> {
        let field = |name: &str| {
            value
                .get(name)
                .ok_or_else(|| MergeError(format!("`{name}` is missing")))
        };
        let scenario = field("scenario")?
            .as_str()
            .ok_or_else(|| MergeError("`scenario` is not a string".into()))?
            .to_string();
        let seeds = field("seeds")?;
        let seed = |v: &Value, name: &str| {
            v.get(name)
                .and_then(Value::as_u64)
                .ok_or_else(|| MergeError(format!("`seeds.{name}` is not a seed")))
        };
        let (from, to) = (seed(seeds, "from")?, seed(seeds, "to")?);
        let partial = match value.get("partial") {
            None => None,
            Some(p) => {
                let number = |name: &str| {
                    p.get(name)
                        .and_then(Value::as_u64)
                        .ok_or_else(|| MergeError(format!("`partial.{name}` is not a number")))
                };
                let shard = Shard {
                    index: number("shard")?,
                    count: number("shards")?,
                };
                if shard.count == 0 || shard.index >= shard.count {
                    return Err(MergeError(format!(
                        "shard {}/{} does not exist",
                        shard.index, shard.count
                    )));
                }
                let slice = p
                    .get("seeds")
                    .ok_or_else(|| MergeError("`partial.seeds` is missing".into()))?;
                Some((shard, seed(slice, "from")?, seed(slice, "count")?))
            }
        };
        let runs = field("runs")?
            .as_u64()
            .ok_or_else(|| MergeError("`runs` is not a count".into()))?;
        let mut expectations = IndexMap::new();
        let Some(listed) = field("expectations")?.as_object() else {
            return Err(MergeError("`expectations` is not an object".into()));
        };
        for (name, tally) in listed {
            let count = |key: &str| {
                tally
                    .get(key)
                    .and_then(Value::as_u64)
                    .ok_or_else(|| MergeError(format!("`expectations.{name}.{key}` is missing")))
            };
            expectations.insert(
                name.clone(),
                Tally {
                    passed: count("passed")?,
                    runs: count("runs")?,
                },
            );
        }
        let distributions = field("distributions")?;
        Ok(Sweep {
            scenario,
            from,
            to,
            partial,
            runs,
            expectations,
            user_error_rate_ppm: counts_from(
                distributions.get("user_error_rate_ppm"),
                "user_error_rate_ppm",
            )?,
            rollback_ms: counts_from(distributions.get("rollback_ms"), "rollback_ms")?,
            time_to_full_ms: counts_from(distributions.get("time_to_100_ms"), "time_to_100_ms")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_cover_the_range_exactly_once() {
        for count in 1..14u64 {
            let mut next = 5;
            for index in 0..count {
                let (first, len) = Shard { index, count }.slice(5, 14);
                assert_eq!(first, next, "{index}/{count}");
                next = first + len;
            }
            assert_eq!(next, 15, "{count} shards");
        }
        // The whole u64 range, and a shard past the seeds.
        assert_eq!(
            Shard { index: 0, count: 1 }.slice(0, u64::MAX - 1),
            (0, u64::MAX)
        );
        assert_eq!(Shard { index: 0, count: 3 }.slice(0, 0), (0, 0));
    }

    #[test]
    fn wilson_interval_matches_the_textbook_values() {
        // 8 of 10: [0.4902, 0.9433] (Wilson 1927; Newcombe 1998, table I).
        let (lo, hi) = wilson95(8, 10);
        assert!(
            (lo - 0.4902).abs() < 1e-4 && (hi - 0.9433).abs() < 1e-4,
            "{lo} {hi}"
        );
        let (lo, hi) = wilson95(0, 10);
        assert!(lo.abs() < 1e-12 && (hi - 0.2775).abs() < 1e-4, "{lo} {hi}");
    }

    #[test]
    fn nearest_rank_quantiles() {
        let counts: Counts = [(1, 1), (2, 1), (3, 1), (4, 1), (10, 1)]
            .into_iter()
            .collect();
        assert_eq!(quantile(&counts, 0.5), Some(3));
        assert_eq!(quantile(&counts, 0.9), Some(10));
        assert_eq!(quantile(&counts, 0.2), Some(1));
        assert_eq!(quantile(&Counts::new(), 0.5), None);
    }
}
