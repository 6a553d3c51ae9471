//! Traffic sources: Poisson arrivals at a gateway, with a rate that may change over time
//! (thinning against the profile's maximum), client ids and header values.

use super::engine::{secs_to_nanos, Nanos};
use super::rng::below;
use super::samplers::{bernoulli, exponential, weighted_choice};
use super::service::{Request, MAX_HOPS};
use super::world::{Event, World};

impl World<'_> {
    /// Draws the next arrival of `source` (none after its end or at rate 0).
    pub(crate) fn schedule_next_arrival(&mut self, source: usize) {
        let model = &self.model.traffic[source];
        let max = model.rate.max();
        if max.is_nan() || max <= 0.0 {
            return;
        }
        let stream = &mut self.sources[source].stream;
        let mut t: Nanos = self.queue.now();
        loop {
            t = t.saturating_add(secs_to_nanos(exponential(stream, 1.0 / max)).max(1));
            if t > model.until {
                return;
            }
            let rate = model.rate.at(t);
            // Constant profiles accept every candidate without a draw.
            if rate >= max || bernoulli(stream, rate / max) {
                break;
            }
        }
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
        // Header values as (header index, value index): no strings copied per request.
        let mut headers: Vec<(u16, u16)> = Vec::with_capacity(model.headers.len());
        for (h, header) in model.headers.iter().enumerate() {
            let weights: Vec<u64> = header.values.iter().map(|(_, w)| *w).collect();
            if let Some(v) = weighted_choice(stream, &weights[..]) {
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
        };
        match self.route(gateway, source, client, &headers, &mut request) {
            Ok((balance, pinned)) => self.dispatch(request, balance, pinned),
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
