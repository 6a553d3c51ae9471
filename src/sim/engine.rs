//! The event queue: integer-nanosecond time, ties broken first-in first-out.
//!
//! Events at the same instant run in the order they were scheduled (a sequence number breaks
//! the tie), so a run never depends on how the heap happens to arrange equal keys.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// Simulated time in nanoseconds since the start of the run.
pub type Nanos = u64;

pub const NANOS_PER_MS: Nanos = 1_000_000;
pub const NANOS_PER_SEC: Nanos = 1_000_000_000;

/// Converts seconds (as the samplers produce them) to nanoseconds, rounding to nearest and
/// saturating at the ends (negative or NaN → 0).
pub fn secs_to_nanos(seconds: f64) -> Nanos {
    let ns = seconds * NANOS_PER_SEC as f64;
    if ns.is_nan() || ns <= 0.0 {
        0
    } else if ns >= u64::MAX as f64 {
        u64::MAX
    } else {
        (ns + 0.5) as u64 // round half up; ns > 0 here
    }
}

pub fn nanos_to_secs(t: Nanos) -> f64 {
    t as f64 / NANOS_PER_SEC as f64
}

pub fn nanos_to_ms(t: Nanos) -> f64 {
    t as f64 / NANOS_PER_MS as f64
}

struct Scheduled<E> {
    time: Nanos,
    seq: u64,
    event: E,
}

impl<E> PartialEq for Scheduled<E> {
    fn eq(&self, other: &Self) -> bool {
        (self.time, self.seq) == (other.time, other.seq)
    }
}

impl<E> Eq for Scheduled<E> {}

impl<E> PartialOrd for Scheduled<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<E> Ord for Scheduled<E> {
    // Reversed: BinaryHeap is a max-heap and we want the earliest (time, seq) on top.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.time, other.seq).cmp(&(self.time, self.seq))
    }
}

/// A discrete-event queue. `now` only moves forward.
pub struct EventQueue<E> {
    heap: BinaryHeap<Scheduled<E>>,
    next_seq: u64,
    now: Nanos,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        EventQueue::new()
    }
}

impl<E> EventQueue<E> {
    pub fn new() -> EventQueue<E> {
        EventQueue {
            heap: BinaryHeap::new(),
            next_seq: 0,
            now: 0,
        }
    }

    /// The time of the event last popped.
    pub fn now(&self) -> Nanos {
        self.now
    }

    /// Schedules `event` at absolute time `time`; a time in the past runs at `now`.
    pub fn schedule_at(&mut self, time: Nanos, event: E) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.heap.push(Scheduled {
            time: time.max(self.now),
            seq,
            event,
        });
    }

    /// Schedules `event` after `delay` from now.
    pub fn schedule_in(&mut self, delay: Nanos, event: E) {
        self.schedule_at(self.now.saturating_add(delay), event);
    }

    /// The time of the next event, if any.
    pub fn peek_time(&self) -> Option<Nanos> {
        self.heap.peek().map(|s| s.time)
    }

    /// Removes the next event and advances `now` to its time.
    pub fn pop(&mut self) -> Option<(Nanos, E)> {
        let next = self.heap.pop()?;
        self.now = next.time;
        Some((next.time, next.event))
    }

    /// Removes the next event only if it happens no later than `until`.
    pub fn pop_until(&mut self, until: Nanos) -> Option<(Nanos, E)> {
        match self.peek_time() {
            Some(t) if t <= until => self.pop(),
            _ => None,
        }
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }

    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// Moves `now` forward without an event (end of run).
    pub fn advance_to(&mut self, time: Nanos) {
        self.now = self.now.max(time);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_come_out_in_time_order() {
        let mut q = EventQueue::new();
        q.schedule_at(30, "c");
        q.schedule_at(10, "a");
        q.schedule_at(20, "b");
        let order: Vec<_> = std::iter::from_fn(|| q.pop()).collect();
        assert_eq!(order, vec![(10, "a"), (20, "b"), (30, "c")]);
        assert_eq!(q.now(), 30);
    }

    #[test]
    fn ties_run_first_in_first_out() {
        let mut q = EventQueue::new();
        for i in 0..100 {
            q.schedule_at(5, i);
        }
        q.schedule_at(1, -1);
        let order: Vec<i32> = std::iter::from_fn(|| q.pop()).map(|(_, e)| e).collect();
        let expected: Vec<i32> = std::iter::once(-1).chain(0..100).collect();
        assert_eq!(order, expected);
    }

    #[test]
    fn past_times_run_now_and_pop_until_stops_at_the_horizon() {
        let mut q = EventQueue::new();
        q.schedule_at(100, 1);
        assert_eq!(q.pop(), Some((100, 1)));
        q.schedule_at(50, 2);
        q.schedule_in(10, 3);
        assert_eq!(q.pop_until(100), Some((100, 2)));
        assert_eq!(q.pop_until(105), None);
        assert_eq!(q.pop_until(110), Some((110, 3)));
    }

    #[test]
    fn seconds_convert_to_rounded_nanos() {
        assert_eq!(secs_to_nanos(1.5), 1_500_000_000);
        assert_eq!(secs_to_nanos(-1.0), 0);
        assert_eq!(secs_to_nanos(f64::NAN), 0);
        assert_eq!(secs_to_nanos(1e-9 * 0.6), 1);
        assert_eq!(secs_to_nanos(f64::INFINITY), u64::MAX);
    }
}
