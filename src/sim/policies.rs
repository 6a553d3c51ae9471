//! The state machines of Cloudify's policy engine (reference/cloudify/POLICIES.md), exactly as
//! the Riemann streams behave, on the simulator's clock: the monitoring index with its TTL and
//! reaper (§1.2), `stable` (the `threshold` policy, §2.2), `ewma-timeless` (the
//! `ewma_stabilized` policy, §2.3), the breach inequality (§2) and the restraint timetable of
//! `interval_between_workflows` (§3).
//!
//! Pure parts with no knowledge of the world: the Cloudify deployments (`sim::managed`) feed
//! them monitoring events and act on what comes out.

use super::engine::{Nanos, NANOS_PER_SEC};
use std::collections::BTreeMap;

/// `(default :ttl 60 index)`: an event without its own ttl lives 60 s.
pub const DEFAULT_TTL: Nanos = 60 * NANOS_PER_SEC;
/// `(periodically-expire 5 …)`: the reaper runs every 5 s.
pub const REAP_EVERY: Nanos = 5 * NANOS_PER_SEC;
/// `interval_between_workflows` default (types.yaml).
pub const DEFAULT_INTERVAL_S: i64 = 300;

/// A monitoring event, as far as the policies look at it (§1.3).
#[derive(Clone, Debug, PartialEq)]
pub struct MonitoringEvent {
    /// The node instance id (`:node_id`).
    pub node_id: String,
    /// The node template name (`:node_name`).
    pub node_name: String,
    pub service: String,
    /// `None` on an expired event: the reaper keeps only node_id, node_name, host, service.
    pub metric: Option<f64>,
    pub time: Nanos,
    pub ttl: Nanos,
    pub expired: bool,
}

/// The breach test of threshold-based policies (`manager.config` `inequality`): `>=` for an
/// upper bound, `<=` otherwise — equality is a breach.
pub fn breached(metric: f64, threshold: f64, upper_bound: bool) -> bool {
    if upper_bound {
        metric >= threshold
    } else {
        metric <= threshold
    }
}

/// The Riemann index with `periodically-expire`: the latest event per (node instance,
/// service); an event is expired once its age exceeds its ttl (strictly), seen by the
/// reaper on its next run, which removes it and passes it on as expired.
#[derive(Clone, Debug, Default)]
pub struct MonitoringIndex {
    latest: BTreeMap<(String, String), MonitoringEvent>,
}

impl MonitoringIndex {
    /// Indexes an event, replacing the previous one of its instance and service.
    pub fn index(&mut self, event: MonitoringEvent) {
        self.latest
            .insert((event.node_id.clone(), event.service.clone()), event);
    }

    /// One run of the reaper at `now`: the events whose age exceeds their ttl, removed from
    /// the index and returned as expired events (without their metric), in key order.
    pub fn reap(&mut self, now: Nanos) -> Vec<MonitoringEvent> {
        let expired: Vec<(String, String)> = self
            .latest
            .iter()
            .filter(|(_, e)| now.saturating_sub(e.time) > e.ttl)
            .map(|(k, _)| k.clone())
            .collect();
        expired
            .into_iter()
            .filter_map(|k| self.latest.remove(&k))
            .map(|e| MonitoringEvent {
                metric: None,
                expired: true,
                ..e
            })
            .collect()
    }
}

/// When the reaper (running at every multiple of [`REAP_EVERY`]) first sees an event of
/// time `last` expired: the first run strictly more than `ttl` after it.
pub fn detected_at(last: Nanos, ttl: Nanos) -> Nanos {
    let deadline = last.saturating_add(ttl);
    (deadline / REAP_EVERY + 1).saturating_mul(REAP_EVERY)
}

/// Riemann's `stable dt f` over a boolean key: passes events once the key has held for at
/// least `dt` of event time, buffering the events of a new key until then (§2.2).
#[derive(Clone, Debug)]
pub struct Stable<T> {
    dt: Nanos,
    key: Option<bool>,
    since: Nanos,
    buffer: Vec<T>,
}

impl<T> Stable<T> {
    pub fn new(dt: Nanos) -> Stable<T> {
        Stable {
            dt,
            key: None,
            since: 0,
            buffer: Vec::new(),
        }
    }

    /// Feeds an event of time `time` with key `key`; returns the events passed on (the
    /// buffer, oldest first, when the key has become stable; then each further event).
    pub fn push(&mut self, time: Nanos, key: bool, event: T) -> Vec<T> {
        if self.key != Some(key) {
            self.key = Some(key);
            self.since = time;
            self.buffer.clear();
        }
        self.buffer.push(event);
        if time.saturating_sub(self.since) >= self.dt {
            std::mem::take(&mut self.buffer)
        } else {
            Vec::new()
        }
    }
}

/// Riemann's `ewma-timeless r`: `m := r·metric + (1−r)·m` from `m = 0`, ignoring time (§2.3).
#[derive(Clone, Copy, Debug)]
pub struct EwmaTimeless {
    r: f64,
    m: f64,
}

impl EwmaTimeless {
    pub fn new(r: f64) -> EwmaTimeless {
        EwmaTimeless { r, m: 0.0 }
    }

    /// The average after `metric` (what the policy compares with its threshold).
    pub fn push(&mut self, metric: f64) -> f64 {
        self.m = self.r * metric + (1.0 - self.r) * self.m;
        self.m
    }
}

/// Why a triggering event did not reach its triggers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Restraint {
    /// `is_node_started_before_workflow`: the instance is not `started`.
    NotStarted,
    /// `interval_between_workflows`: the instance triggered too recently.
    Interval,
}

/// The restraints of a policy (§3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Restraints {
    pub is_node_started_before_workflow: bool,
    /// Seconds; ≤ 0 removes the restraint.
    pub interval_between_workflows_s: i64,
}

impl Default for Restraints {
    fn default() -> Self {
        Restraints {
            is_node_started_before_workflow: true,
            interval_between_workflows_s: DEFAULT_INTERVAL_S,
        }
    }
}

/// A deployment's triggers timetable: when each node instance last passed the interval
/// restraint. One per deployment, shared by all its groups and policies.
#[derive(Clone, Debug, Default)]
pub struct Timetable {
    last: BTreeMap<String, Nanos>,
}

impl Timetable {
    /// Checks `restraints` in order for a triggering event of `node_id` at `now`; on a
    /// pass the instance's time is stamped `now` (before any workflow runs). A non-started
    /// instance fails the first restraint and leaves the timetable alone.
    pub fn check(
        &mut self,
        restraints: Restraints,
        node_id: &str,
        started: bool,
        now: Nanos,
    ) -> Result<(), Restraint> {
        if restraints.is_node_started_before_workflow && !started {
            return Err(Restraint::NotStarted);
        }
        let interval = restraints.interval_between_workflows_s;
        if interval <= 0 {
            return Ok(());
        }
        match self.last.get(node_id) {
            // Whole seconds elapsed, strictly more than the interval.
            Some(&last)
                if (now.saturating_sub(last) / NANOS_PER_SEC) as i128 > interval as i128 =>
            {
                self.last.insert(node_id.to_owned(), now);
                Ok(())
            }
            Some(_) => Err(Restraint::Interval),
            None => {
                self.last.insert(node_id.to_owned(), now);
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Nanos = NANOS_PER_SEC;

    fn heartbeat(node_id: &str, time: Nanos) -> MonitoringEvent {
        MonitoringEvent {
            node_id: node_id.to_owned(),
            node_name: "vm".to_owned(),
            service: "heartbeat".to_owned(),
            metric: Some(42.0),
            time,
            ttl: DEFAULT_TTL,
            expired: false,
        }
    }

    /// §1.2 (POLICIES.md lines 39, 63–64): reaped every 5 s, expired when older than the ttl
    /// (60 s), so detected 60–65 s
    /// after the last event. Heartbeats every 1, 5, 10 and 30 s from t = 0; the host dies at
    /// 100.5 s, so the last heartbeats are at 100, 100, 100 and 90 s; the first reaper run
    /// strictly more than 60 s later is at 165, 165, 165 and 155 s.
    #[test]
    fn a_silent_instance_is_detected_at_the_first_reaper_run_past_the_ttl() {
        for (every_s, last_s, detected_s) in
            [(1, 100, 165), (5, 100, 165), (10, 100, 165), (30, 90, 155)]
        {
            let mut index = MonitoringIndex::default();
            let mut found = None;
            let mut t = 0;
            while t <= 200 * S && found.is_none() {
                // Heartbeats before the reaper at the same instant.
                if t % (every_s * S) == 0 && t <= 100 * S + S / 2 {
                    index.index(heartbeat("vm_1", t));
                }
                if t % REAP_EVERY == 0 {
                    let expired = index.reap(t);
                    if let Some(e) = expired.first() {
                        assert_eq!(e.time, last_s * S);
                        assert!(e.expired && e.metric.is_none());
                        found = Some(t);
                    }
                }
                t += S;
            }
            assert_eq!(found, Some(detected_s * S), "heartbeat every {every_s} s");
            assert_eq!(detected_at(last_s * S, DEFAULT_TTL), detected_s * S);
        }
        // Exactly 60 s old is not expired yet (strict): an event at 100 s survives the run
        // at 160 s. One at 100.5 s is detected at 165 s too.
        assert_eq!(detected_at(100 * S, DEFAULT_TTL), 165 * S);
        assert_eq!(detected_at(100 * S + S / 2, DEFAULT_TTL), 165 * S);
        assert_eq!(detected_at(104 * S, DEFAULT_TTL), 165 * S);
        assert_eq!(detected_at(105 * S, DEFAULT_TTL), 170 * S);
    }

    #[test]
    fn the_reaper_removes_what_it_passes_on_and_a_fresh_event_rearms_it() {
        let mut index = MonitoringIndex::default();
        index.index(heartbeat("vm_1", 0));
        index.index(heartbeat("vm_2", 30 * S));
        let first: Vec<String> = index.reap(65 * S).into_iter().map(|e| e.node_id).collect();
        assert_eq!(first, vec!["vm_1"]);
        // Removed: one silence, one expired event.
        assert!(index.reap(70 * S).is_empty());
        index.index(heartbeat("vm_1", 70 * S));
        let later: Vec<String> = index.reap(135 * S).into_iter().map(|e| e.node_id).collect();
        assert_eq!(later, vec!["vm_1", "vm_2"]);
    }

    /// §2.2 (POLICIES.md lines 127–141) with stability_time 10 s, threshold 90, upper bound. Metrics (time s → value):
    /// 0→95 (breach, new key: buffered), 5→96 (buffered), 10→97 (10 − 0 ≥ 10: the buffer
    /// 0, 5, 10 passes), 15→98 (passes at once), 20→50 (new key false: buffered), 25→99
    /// (key true again, since 25: buffered), 30→99 (buffered), 35→99 (35 − 25 ≥ 10: 25, 30,
    /// 35 pass).
    #[test]
    fn stable_buffers_a_new_key_and_passes_the_buffer_once_it_has_held() {
        let mut stable: Stable<u64> = Stable::new(10 * S);
        let series = [
            (0, 95.0),
            (5, 96.0),
            (10, 97.0),
            (15, 98.0),
            (20, 50.0),
            (25, 99.0),
            (30, 99.0),
            (35, 99.0),
        ];
        let passed: Vec<(u64, Vec<u64>)> = series
            .iter()
            .map(|&(t, m)| (t, stable.push(t * S, breached(m, 90.0, true), t)))
            .collect();
        assert_eq!(
            passed,
            vec![
                (0, vec![]),
                (5, vec![]),
                (10, vec![0, 5, 10]),
                (15, vec![15]),
                (20, vec![]),
                (25, vec![]),
                (30, vec![]),
                (35, vec![25, 30, 35]),
            ]
        );
        // stability_time 0: every event passes at once.
        let mut immediate: Stable<u64> = Stable::new(0);
        assert_eq!(immediate.push(0, true, 1), vec![1]);
        assert_eq!(immediate.push(S, false, 2), vec![2]);
    }

    /// §2 (POLICIES.md line 86): `>=` / `<=`.
    #[test]
    fn breach_counts_equality_on_either_side() {
        assert!(breached(90.0, 90.0, true));
        assert!(!breached(89.9, 90.0, true));
        assert!(breached(10.0, 10.0, false));
        assert!(!breached(10.1, 10.0, false));
    }

    /// §2.3 (POLICIES.md lines 154–157): m₀ = 0, m := r·x + (1 − r)·m. r = 0.5 on a constant 100: 50, 75, 87.5, 93.75
    /// (100·(1 − 0.5ⁿ), exact in binary). r = 0.2 on 100, 100, 0, 50: 20, 36, 28.8, 33.04.
    #[test]
    fn ewma_timeless_starts_at_zero() {
        let mut half = EwmaTimeless::new(0.5);
        let values: Vec<f64> = (0..4).map(|_| half.push(100.0)).collect();
        assert_eq!(values, vec![50.0, 75.0, 87.5, 93.75]);
        let mut fifth = EwmaTimeless::new(0.2);
        let expected = [20.0, 36.0, 28.8, 33.04];
        for (x, want) in [100.0, 100.0, 0.0, 50.0].into_iter().zip(expected) {
            let got = fifth.push(x);
            assert!((got - want).abs() < 1e-9, "{got} vs {want}");
        }
        // An upper bound of 90 is first crossed on the fourth sample of a constant 100.
        let mut policy = EwmaTimeless::new(0.5);
        let first_breach = (1..=10).find(|_| breached(policy.push(100.0), 90.0, true));
        assert_eq!(first_breach, Some(4));
    }

    /// §3 (POLICIES.md lines 189–199): interval 300 s, strict `>` on whole seconds, per node instance, shared by the
    /// policies of a deployment (one timetable), stamped when the restraint passes; a
    /// non-started instance fails first and consumes nothing.
    #[test]
    fn the_timetable_admits_one_trigger_per_instance_per_interval() {
        let r = Restraints::default();
        let mut table = Timetable::default();
        assert_eq!(
            table.check(r, "vm_1", false, 10 * S),
            Err(Restraint::NotStarted)
        );
        assert_eq!(table.check(r, "vm_1", true, 20 * S), Ok(()));
        // Another instance has its own entry; the same instance waits.
        assert_eq!(table.check(r, "vm_2", true, 21 * S), Ok(()));
        assert_eq!(
            table.check(r, "vm_1", true, 320 * S),
            Err(Restraint::Interval)
        );
        // 300.9 s elapsed is 300 whole seconds: not more than 300.
        assert_eq!(
            table.check(r, "vm_1", true, 320 * S + 9 * S / 10),
            Err(Restraint::Interval)
        );
        assert_eq!(table.check(r, "vm_1", true, 321 * S), Ok(()));
        // Re-stamped at 321 s.
        assert_eq!(table.check(r, "vm_1", true, 622 * S), Ok(()));
        // A second policy of the deployment reads the same table.
        assert_eq!(
            table.check(r, "vm_2", true, 100 * S),
            Err(Restraint::Interval)
        );
        // interval ≤ 0 removes the restraint.
        let free = Restraints {
            interval_between_workflows_s: 0,
            ..r
        };
        assert_eq!(table.check(free, "vm_1", true, 623 * S), Ok(()));
        // A failed started-check does not consume the interval.
        let mut fresh = Timetable::default();
        assert_eq!(fresh.check(r, "vm_3", false, 0), Err(Restraint::NotStarted));
        assert_eq!(fresh.check(r, "vm_3", true, S), Ok(()));
    }
}
