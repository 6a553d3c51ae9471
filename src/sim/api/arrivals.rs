//! Requests to KrakenD endpoints in the world: Poisson arrivals per traffic entry, header
//! and query values drawn per request, the flow run, the counters.

use super::super::model::HeaderModel;
use super::super::samplers::weighted_choice_by;
use super::super::world::{Event, World};
use super::cel;
use super::flow::{Flow, Response, Upstream, Waterfall};
use super::model::{ApiState, ApiTraffic, EndpointStats};
use crate::sim::engine::{secs_to_nanos, Nanos};
use crate::sim::model::{Model, Target};
use crate::sim::rng::{below, Seeds, Stream};
use crate::sim::samplers::bernoulli;
use crate::sim::service::{Instance, InstanceState, MAX_HOPS};
use crate::sim::traffic::next_arrival;
use crate::sim::world::{GatewayState, ServiceState};

impl ApiState {
    pub fn new(api: &super::ApiModel, seeds: &Seeds) -> ApiState {
        ApiState {
            sources: api
                .traffic
                .iter()
                .map(|t| (seeds.stream(&t.id), t.rate.max()))
                .collect(),
            flows: api
                .endpoints
                .iter()
                .map(|e| seeds.stream(&format!("api-flow:{}", e.name)))
                .collect(),
            stats: api
                .endpoints
                .iter()
                .map(|e| EndpointStats {
                    backends: vec![Default::default(); e.backends.len()],
                    ..Default::default()
                })
                .collect(),
            not_found: vec![0; api.traffic.len()],
            slots: match api.capacity.concurrency {
                Some(n) => (0..api.gateways)
                    .map(|_| std::collections::BinaryHeap::with_capacity((n as usize).min(4096)))
                    .collect(),
                None => Vec::new(),
            },
            chosen_headers: Vec::new(),
            chosen_query: Vec::new(),
            explain: None,
            explained: None,
        }
    }
}

/// A request as a policy sees it: the traffic entry's fixed parts and the values drawn.
pub struct Drawn<'a> {
    pub traffic: &'a ApiTraffic,
    pub headers: &'a [(u16, u16)],
    pub query: &'a [(u16, u16)],
}

fn value<'a>(models: &'a [HeaderModel], chosen: &[(u16, u16)], name: &str) -> Option<&'a str> {
    chosen.iter().find_map(|&(h, v)| {
        let header = &models[h as usize];
        header
            .name
            .eq_ignore_ascii_case(name)
            .then(|| header.values[v as usize].0.as_str())
    })
}

impl cel::Request for Drawn<'_> {
    fn param(&self, name: &str) -> Option<&str> {
        self.traffic
            .params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
    fn header(&self, name: &str) -> Option<&str> {
        value(&self.traffic.headers, self.headers, name)
    }
    fn query(&self, name: &str) -> Option<&str> {
        // Query string keys are case-sensitive (only params are capitalised).
        self.query.iter().find_map(|&(h, v)| {
            let q = &self.traffic.query[h as usize];
            (q.name == name).then(|| q.values[v as usize].0.as_str())
        })
    }
    fn uri(&self) -> &str {
        &self.traffic.path
    }
    fn method(&self) -> &str {
        &self.traffic.method
    }
}

/// Draws one value per distribution into `out` (cleared first; no allocation once warm).
fn draw_values(
    stream: &mut crate::sim::rng::Stream,
    models: &[HeaderModel],
    out: &mut Vec<(u16, u16)>,
) {
    out.clear();
    for (h, header) in models.iter().enumerate() {
        if let Some(v) = weighted_choice_by(stream, &header.values, |(_, w)| *w) {
            out.push((h as u16, v as u16));
        }
    }
}

impl World<'_> {
    pub(crate) fn schedule_api_arrival(&mut self, source: usize) {
        let traffic = &self.model.api.traffic[source];
        let (stream, max) = &mut self.api.sources[source];
        let now = self.queue.now();
        if let Some(t) = next_arrival(stream, &traffic.rate, *max, now, traffic.until) {
            self.queue.schedule_at(
                t,
                Event::ApiArrival {
                    source: source as u32,
                },
            );
        }
    }

    pub(crate) fn on_api_arrival(&mut self, source: usize) {
        self.schedule_api_arrival(source);
        self.totals.arrivals += 1;
        let traced = self.api.explain == Some(source) && self.api.explained.is_none();
        let mut waterfall = Waterfall::default();
        let response = self.api_request(source, traced.then_some(&mut waterfall));
        if let (true, Some(r)) = (traced, response) {
            self.api.explained = Some((r, waterfall));
        }
        let Some(response) = response else {
            // No endpoint matched: KrakenD's router answers 404 at once.
            self.api.not_found[source] += 1;
            self.totals.completed += 1;
            return;
        };
        self.totals.completed += 1;
        self.totals.errors += u64::from(response.status >= 500);
        self.totals.latency_sum_ns += u128::from(response.latency);
    }

    /// Sends one request of traffic entry `source` through its endpoint (`None`: 404),
    /// counting it, and tracing it into `trace` when given.
    pub fn api_request(
        &mut self,
        source: usize,
        trace: Option<&mut Waterfall>,
    ) -> Option<Response> {
        let api = &self.model.api;
        let traffic = &api.traffic[source];
        let endpoint = traffic.endpoint?;
        let state = &mut self.api;
        let stream = &mut state.sources[source].0;
        draw_values(stream, &traffic.headers, &mut state.chosen_headers);
        draw_values(stream, &traffic.query, &mut state.chosen_query);
        let drawn = Drawn {
            traffic,
            headers: &state.chosen_headers,
            query: &state.chosen_query,
        };
        let model = &api.endpoints[endpoint];
        let stats = &mut state.stats[endpoint];
        let now = self.queue.now();
        let overhead = api.capacity.overhead;
        let slots = api
            .capacity
            .concurrency
            .and_then(|n| Some((n as usize, state.slots.get_mut(model.gateway)?)));
        // FIFO for a slot: the earliest one to free, once all N are busy.
        let wait = match &slots {
            Some((n, busy)) if busy.len() >= *n => {
                busy.peek().map_or(0, |free| free.0.saturating_sub(now))
            }
            _ => 0,
        };
        if wait > 0 {
            stats.waited += 1;
        }
        if wait >= model.root.timeout {
            // Still waiting when the endpoint's context expires: 500, no backend called,
            // no slot taken.
            stats.wait_sum_ns += u128::from(model.root.timeout);
            stats.timed_out_waiting += 1;
            let response = Response {
                latency: model.root.timeout.saturating_add(overhead),
                status: 500,
                complete: false,
            };
            if let Some(trace) = trace {
                trace.wait = model.root.timeout;
                trace.overhead = overhead;
            }
            stats.count(response);
            return Some(response);
        }
        stats.wait_sum_ns += u128::from(wait);
        let mut upstream = WorldCalls {
            now: self.queue.now(),
            model: &self.model,
            gateways: &mut self.gateways,
            services: &mut self.services,
            instances: &self.instances,
        };
        let mut flow = Flow {
            behaviors: &api.behaviors,
            rng: &mut state.flows[endpoint],
            request: &drawn,
            stats: &mut stats.backends,
            trace,
            params: &traffic.params,
            infos: &model.backends,
            upstream: &mut upstream,
            propagated: Vec::new(),
            keep_bodies: 0,
        };
        let mut response = flow.respond(&model.root, wait);
        if let Some(trace) = flow.trace {
            trace.wait = wait;
            trace.overhead = overhead;
        }
        response.latency = response.latency.saturating_add(overhead);
        if let Some((n, busy)) = slots {
            if busy.len() >= n {
                busy.pop();
            }
            busy.push(std::cmp::Reverse(now.saturating_add(response.latency)));
        }
        stats.count(response);
        Some(response)
    }
}

/// The world as a KrakenD backend sees it (see `flow`'s module documentation).
struct WorldCalls<'a> {
    now: Nanos,
    model: &'a Model,
    gateways: &'a mut [GatewayState],
    services: &'a mut [ServiceState],
    instances: &'a [Instance],
}

impl Upstream for WorldCalls<'_> {
    fn call(&mut self, gateway: usize, rng: &mut Stream) -> (Nanos, Option<u16>) {
        let mut hops: [(usize, usize); MAX_HOPS] = [(0, 0); MAX_HOPS];
        let mut count = 0;
        let mut g = gateway;
        let service = loop {
            let weights = &self.gateways[g].weights_bp;
            let total: u64 = weights.iter().map(|w| u64::from(*w)).sum();
            if total == 0 || count == MAX_HOPS {
                self.record(&hops[..count], true, 0);
                return (0, Some(503));
            }
            let mut pick = below(rng, total);
            let route = weights
                .iter()
                .position(|w| {
                    let w = u64::from(*w);
                    if pick < w {
                        true
                    } else {
                        pick -= w;
                        false
                    }
                })
                .unwrap_or(0);
            hops[count] = (g, route);
            count += 1;
            match self.model.gateways[g].routes[route].target {
                Target::Gateway(next) => g = next,
                Target::Service(s) => break s,
            }
        };
        let state = &self.services[service];
        let ready = state
            .instances
            .iter()
            .any(|&i| self.instances[i as usize].state == InstanceState::Ready);
        if !ready {
            self.services[service].unavailable += 1;
            self.record(&hops[..count], true, 0);
            return (0, Some(503));
        }
        let model = &self.model.services[service];
        let latency = secs_to_nanos(model.latency.sample(rng)).saturating_add(state.extra_latency);
        let error_rate = (model.error_rate + state.extra_error_rate).min(1.0);
        let error = error_rate > 0.0 && bernoulli(rng, error_rate);
        self.services[service].counters.record(error, latency);
        self.record(&hops[..count], error, latency);
        (latency, Some(if error { 500 } else { 200 }))
    }
}

impl WorldCalls<'_> {
    fn record(&mut self, hops: &[(usize, usize)], error: bool, latency: Nanos) {
        if let Some(&(entry, _)) = hops.first() {
            let from_api = &mut self.gateways[entry].from_api;
            from_api.0 += 1;
            from_api.1 += u64::from(error);
        }
        for &(g, r) in hops {
            self.gateways[g].route_counters[r].record(self.now, error, latency);
        }
    }
}
