//! The event queue: integer-nanosecond time, ties broken first-in first-out.
//!
//! Events at the same instant run in the order they were scheduled (a sequence number breaks
//! the tie), so a run never depends on how the heap happens to arrange equal keys.

/// Simulated time in nanoseconds since the start of the run.
pub type Nanos = u64;

pub const NANOS_PER_MS: Nanos = 1_000_000;
pub const NANOS_PER_SEC: Nanos = 1_000_000_000;

/// Converts seconds (as the samplers produce them) to nanoseconds, rounding to nearest and
/// saturating at the ends (negative or NaN → 0).
#[inline]
pub fn secs_to_nanos(seconds: f64) -> Nanos {
    // Round half up. Rust's float-to-integer `as` saturates (NaN gives 0); the conversion
    // to i64 is one instruction on x86-64 where the one to u64 is a dozen, so values below
    // 2^63 ns (292 years) take it and anything longer means "never".
    let ns = seconds * NANOS_PER_SEC as f64 + 0.5;
    if ns >= 9.2e18 {
        u64::MAX
    } else {
        (ns as i64).max(0) as u64 // NaN → 0
    }
}

pub fn nanos_to_secs(t: Nanos) -> f64 {
    t as f64 / NANOS_PER_SEC as f64
}

#[derive(Clone, Copy)]
struct Scheduled<E> {
    /// `time << 64 | seq`: one integer comparison orders by time, then by scheduling order.
    key: u128,
    event: E,
}

/// A binary min-heap on `key`, written out rather than `std`'s `BinaryHeap` because the
/// queue is the simulator's hottest structure: entries are small `Copy` values, so an entry
/// moves along its path as a hole and is written once, where it lands (no swaps through a
/// temporary, no write-then-read-back of the same slot).
struct MinHeap<E> {
    items: Vec<Scheduled<E>>,
}

impl<E: Copy> MinHeap<E> {
    fn push(&mut self, item: Scheduled<E>) {
        let mut hole = self.items.len();
        self.items.push(item);
        while hole > 0 {
            let parent = (hole - 1) / 2;
            if self.items[parent].key <= item.key {
                break;
            }
            self.items[hole] = self.items[parent];
            hole = parent;
        }
        self.items[hole] = item;
    }

    fn peek_key(&self) -> Option<u128> {
        self.items.first().map(|s| s.key)
    }

    fn pop(&mut self) -> Option<Scheduled<E>> {
        let last = self.items.pop()?;
        let Some(&top) = self.items.first() else {
            return Some(last);
        };
        // `last` sinks from the root: smaller children move up into the hole.
        let len = self.items.len();
        let mut hole = 0;
        loop {
            let left = 2 * hole + 1;
            if left >= len {
                break;
            }
            let right = left + 1;
            let child = if right < len && self.items[right].key < self.items[left].key {
                right
            } else {
                left
            };
            if last.key <= self.items[child].key {
                break;
            }
            self.items[hole] = self.items[child];
            hole = child;
        }
        self.items[hole] = last;
        Some(top)
    }
}

/// A discrete-event queue. `now` only moves forward.
///
/// Besides the heap it has *lanes*: one slot each for an entity that always has exactly one
/// event pending (a traffic source's next arrival). A lane event never enters the heap, which
/// saves a push and a pop per request; it keeps its place in the (time, sequence) order, so
/// the run is the same as with the heap alone.
pub struct EventQueue<E> {
    heap: MinHeap<E>,
    /// One pending event per lane; the key is `EMPTY` when the lane has none.
    lanes: Vec<(u128, Option<E>)>,
    /// The earliest lane key and its lane (`EMPTY` when no lane has an event).
    first_lane: (u128, usize),
    next_seq: u64,
    now: Nanos,
}

/// The key of an empty lane: later than any real key (times stop short of u64::MAX).
const EMPTY: u128 = u128::MAX;

impl<E: Copy> Default for EventQueue<E> {
    fn default() -> Self {
        EventQueue::new()
    }
}

impl<E: Copy> EventQueue<E> {
    pub fn new() -> EventQueue<E> {
        EventQueue {
            heap: MinHeap { items: Vec::new() },
            lanes: Vec::new(),
            first_lane: (EMPTY, 0),
            next_seq: 0,
            now: 0,
        }
    }

    /// The time of the event last popped.
    pub fn now(&self) -> Nanos {
        self.now
    }

    fn key(&mut self, time: Nanos) -> u128 {
        let seq = self.next_seq;
        self.next_seq += 1;
        (u128::from(time.max(self.now)) << 64) | u128::from(seq)
    }

    /// Schedules `event` at absolute time `time`; a time in the past runs at `now`.
    pub fn schedule_at(&mut self, time: Nanos, event: E) {
        let key = self.key(time);
        self.heap.push(Scheduled { key, event });
    }

    /// Schedules `event` after `delay` from now.
    pub fn schedule_in(&mut self, delay: Nanos, event: E) {
        self.schedule_at(self.now.saturating_add(delay), event);
    }

    /// Adds `count` lanes; lane numbers are given out from 0 in order.
    pub fn add_lanes(&mut self, count: usize) {
        self.lanes.extend((0..count).map(|_| (EMPTY, None)));
    }

    /// Schedules the pending event of `lane` (replacing any it had), ordered exactly as
    /// `schedule_at` would order it. A lane that does not exist falls back to the heap.
    pub fn schedule_on_lane(&mut self, lane: usize, time: Nanos, event: E) {
        let key = self.key(time);
        let Some(slot) = self.lanes.get_mut(lane) else {
            self.heap.push(Scheduled { key, event });
            return;
        };
        *slot = (key, Some(event));
        if key < self.first_lane.0 {
            self.first_lane = (key, lane);
        } else if self.first_lane.1 == lane {
            self.find_first_lane();
        }
    }

    fn find_first_lane(&mut self) {
        self.first_lane = (EMPTY, 0);
        for (lane, &(key, _)) in self.lanes.iter().enumerate() {
            if key < self.first_lane.0 {
                self.first_lane = (key, lane);
            }
        }
    }

    /// The key of the next event (`EMPTY` when none).
    #[inline]
    fn next_key(&self) -> u128 {
        self.heap.peek_key().unwrap_or(EMPTY).min(self.first_lane.0)
    }

    /// Removes the next event and advances `now` to its time.
    #[inline]
    pub fn pop(&mut self) -> Option<(Nanos, E)> {
        let (key, event) = if self.first_lane.0 < self.heap.peek_key().unwrap_or(EMPTY) {
            let lane = self.first_lane.1;
            let (key, event) = std::mem::replace(&mut self.lanes[lane], (EMPTY, None));
            self.find_first_lane();
            (key, event?)
        } else {
            let next = self.heap.pop()?;
            (next.key, next.event)
        };
        self.now = (key >> 64) as Nanos;
        Some((self.now, event))
    }

    /// Removes the next event only if it happens no later than `until`.
    #[inline]
    pub fn pop_until(&mut self, until: Nanos) -> Option<(Nanos, E)> {
        let key = self.next_key();
        if key == EMPTY || (key >> 64) as Nanos > until {
            return None;
        }
        self.pop()
    }

    /// Events pending (heap and lanes).
    pub fn len(&self) -> usize {
        self.heap.items.len() + self.lanes.iter().filter(|(_, e)| e.is_some()).count()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
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
    fn interleaved_pushes_and_pops_match_a_stable_sort() {
        // A deterministic pseudo-random mix of pushes and pops, checked against sorting by
        // (time, insertion order).
        let mut q = EventQueue::new();
        let mut pending: Vec<(Nanos, u32)> = Vec::new();
        let mut popped = Vec::new();
        let mut expected = Vec::new();
        let mut x = 0x2545_f491_4f6c_dd1du64;
        for id in 0..20_000u32 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let time = q.now() + x % 50;
            q.schedule_at(time, id);
            pending.push((time, id));
            if x % 3 == 0 {
                // Pop: the earliest pending, first scheduled among equals.
                let (index, _) = pending
                    .iter()
                    .enumerate()
                    .min_by_key(|(_, &(t, id))| (t, id))
                    .expect("something pending");
                expected.push(pending.remove(index));
                popped.push(q.pop().expect("queue agrees"));
            }
        }
        pending.sort();
        expected.extend(pending);
        popped.extend(std::iter::from_fn(|| q.pop()));
        assert_eq!(popped, expected);
    }

    #[test]
    fn lanes_keep_the_order_the_heap_alone_would_give() {
        // Two queues fed the same schedule: one uses lanes for ids 0..3 (one pending event
        // each), the other only the heap. They must pop the same sequence.
        let mut with_lanes = EventQueue::new();
        with_lanes.add_lanes(3);
        let mut heap_only = EventQueue::new();
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for lane in 0..3u64 {
            let t = next() % 20;
            with_lanes.schedule_on_lane(lane as usize, t, (lane, 0));
            heap_only.schedule_at(t, (lane, 0));
        }
        let mut popped = 0;
        while popped < 20_000 {
            let a = with_lanes.pop();
            let b = heap_only.pop();
            assert_eq!(a, b, "pop {popped}");
            let Some((now, (id, n))) = a else { break };
            popped += 1;
            if id < 3 {
                // A lane's entity schedules its next event (sometimes at the same instant).
                let t = now + next() % 5;
                with_lanes.schedule_on_lane(id as usize, t, (id, n + 1));
                heap_only.schedule_at(t, (id, n + 1));
            }
            if next() % 2 == 0 {
                let t = now + next() % 7;
                let other = (3 + next() % 4, n);
                with_lanes.schedule_at(t, other);
                heap_only.schedule_at(t, other);
            }
        }
        assert_eq!(popped, 20_000);
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
