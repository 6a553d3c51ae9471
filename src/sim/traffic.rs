//! Traffic sources: Poisson arrivals at a gateway, with a rate that may change over time
//! (thinning against the profile's maximum), client ids and header values; and periodic
//! sources (Vamp's traffic workflow), which publish their responses on the bus.

use super::engine::{secs_to_nanos, Nanos};
use super::model::RateProfile;
use super::rng::below;
use super::samplers::{bernoulli, exponential, weighted_choice_by};
use super::service::{Request, MAX_HOPS};
use super::world::{Event, World};

/// The next Poisson arrival after `now` of a profile whose highest rate is `max` (thinning
/// against it), or `None` after `until` or at rate 0.
#[inline]
pub(crate) fn next_arrival(
    stream: &mut super::rng::Stream,
    rate: &RateProfile,
    max: f64,
    now: Nanos,
    until: Nanos,
) -> Option<Nanos> {
    if max.is_nan() || max <= 0.0 {
        return None;
    }
    let mut t = now;
    loop {
        t = t.saturating_add(secs_to_nanos(exponential(stream, 1.0 / max)).max(1));
        if t > until {
            return None;
        }
        let r = rate.at(t);
        // Constant profiles accept every candidate without a draw.
        if r >= max || bernoulli(stream, r / max) {
            return Some(t);
        }
    }
}

impl World<'_> {
    /// Draws the next arrival of `source` (none after its end or at rate 0).
    pub(crate) fn schedule_next_arrival(&mut self, source: usize) {
        let model = &self.model.traffic[source];
        if let RateProfile::Periodic { first, every } = model.rate {
            self.schedule_next_tick(source, first, every);
            return;
        }
        let state = &mut self.sources[source];
        let now = self.queue.now();
        let Some(t) = next_arrival(
            &mut state.stream,
            &model.rate,
            state.max_rate,
            now,
            model.until,
        ) else {
            return;
        };
        self.queue.schedule_on_lane(
            source,
            t,
            Event::Arrival {
                source: source as u32,
            },
        );
    }

    pub(crate) fn on_arrival(&mut self, source: usize) {
        self.schedule_next_arrival(source);
        self.totals.arrivals += 1;
        self.sources[source].arrivals += 1;

        let model = &self.model.traffic[source];
        let stream = &mut self.sources[source].stream;
        let client = if model.clients > 1 {
            below(stream, u64::from(model.clients)) as u32
        } else {
            0
        };
        // Header values as (header index, value index): no strings copied per request, and
        // no allocation at all for traffic without headers.
        let mut headers: Vec<(u16, u16)> = Vec::new();
        for (h, header) in model.headers.iter().enumerate() {
            if let Some(v) = weighted_choice_by(stream, &header.values, |(_, w)| *w) {
                headers.push((h as u16, v as u16));
            }
        }
        let gateway = model.gateway;
        let mut request = Request {
            arrival: self.now(),
            hops: [(0, 0); MAX_HOPS],
            hop_count: 0,
            service: 0,
            instance: 0,
            source: source as u32,
            client,
            mirror: false,
        };
        match self.route(gateway, source, client, &headers, &mut request) {
            Ok((balance, pinned)) => {
                if !self.rollouts.is_empty() {
                    self.mirror_request(&request);
                }
                self.dispatch(request, balance, pinned)
            }
            Err(stuck) => {
                // No route could take it (all weights zero, or a gateway loop): 503, counted
                // at the gateway that could not route it and at every hop before.
                let now = self.now();
                self.gateways[stuck].unrouted.record(now, true, 0);
                self.record_completion(&request, true, 0);
            }
        }
    }
}

impl World<'_> {
    /// A periodic source's next request: `first`, then every `every` after the last one.
    /// (Like `setInterval`, nothing fires at t = 0 itself: a `first` of 0 means `every`.)
    fn schedule_next_tick(&mut self, source: usize, first: Nanos, every: Nanos) {
        let now = self.now();
        let t = if now < first {
            first
        } else {
            now.saturating_add(every.max(1))
        };
        if t > self.model.traffic[source].until {
            return;
        }
        self.queue.schedule_on_lane(
            source,
            t,
            Event::Arrival {
                source: source as u32,
            },
        );
    }

    /// What Vamp's traffic workflow does with a response (reference/vamp/CANARY.md §1.1):
    /// a 5xx publishes `[workflows:<name>, response:error]`; a success publishes
    /// `[workflows:<name>, response:ok]` with the count when `count % (10000/PERIOD) == 0`.
    /// `count` is the script's global, read when the response arrives: the requests sent so
    /// far, not this request's number.
    pub(crate) fn on_workflow_response(&mut self, source: u32, error: bool) {
        let Some(workflow) = self
            .model
            .workflow_traffic
            .iter()
            .find(|w| w.source == source as usize)
        else {
            return;
        };
        let count = self.sources[source as usize].arrivals;
        let tag = format!("workflows:{}", workflow.workflow);
        if error {
            self.publish(
                &[tag, "response:error".to_owned()],
                serde_json::json!("5xx response"),
                "event",
            );
        } else if libm::fmod(count as f64, workflow.ok_every) == 0.0 {
            self.publish(
                &[tag, "response:ok".to_owned()],
                serde_json::json!(count),
                "event",
            );
        }
    }
}
