//! Stations: instances with concurrency slots and a FIFO queue, and the requests they serve.

use super::engine::{secs_to_nanos, Nanos};
use super::model::{Balance, Sticky};
use super::samplers::bernoulli;
use super::world::{Event, World};
use std::collections::VecDeque;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InstanceState {
    /// Started, not yet ready (startup time).
    Starting,
    Ready,
    /// Crashed or killed; the orchestrator may restart it.
    Dead,
    /// Scaled away: takes no new requests, finishes what it has, then stays idle.
    Draining,
}

#[derive(Debug)]
pub struct Instance {
    pub service: usize,
    pub host: u32,
    pub state: InstanceState,
    /// Bumped on every death and restart so stale events are ignored.
    pub generation: u32,
    pub busy: u32,
    pub queue: VecDeque<RequestId>,
    /// What it served over the current monitoring interval, for a Cloudify node whose
    /// metrics come `{from: ...}` the requests (`None` elsewhere: nothing is counted).
    pub observed: Option<Box<super::managed::Observations>>,
}

impl Instance {
    pub fn load(&self) -> usize {
        self.busy as usize + self.queue.len()
    }
}

/// The (gateway, route) pairs a request went through, outermost first.
pub const MAX_HOPS: usize = 4;

#[derive(Clone, Copy, Debug)]
pub struct Request {
    pub arrival: Nanos,
    pub hops: [(u32, u32); MAX_HOPS],
    pub hop_count: u8,
    pub service: u32,
    pub instance: u32,
    pub source: u32,
    pub client: u32,
    /// A copy an Argo mirror route sent the canary: its answer reaches nobody.
    pub mirror: bool,
}

/// A request's place in the slab: the slot and the slot's generation when it was taken, so
/// an event for a request that already ended (its instance died) finds a newer generation
/// and is ignored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestId {
    pub slot: u32,
    pub generation: u32,
}

#[derive(Debug)]
struct Slot {
    generation: u32,
    request: Option<Request>,
}

/// In-flight requests in reusable slots: memory follows the number in flight, not the
/// number ever made.
#[derive(Debug, Default)]
pub struct RequestSlab {
    slots: Vec<Slot>,
    free: Vec<u32>,
    live: u64,
}

impl RequestSlab {
    pub fn insert(&mut self, request: Request) -> RequestId {
        self.live += 1;
        if let Some(index) = self.free.pop() {
            let slot = &mut self.slots[index as usize];
            slot.request = Some(request);
            RequestId {
                slot: index,
                generation: slot.generation,
            }
        } else {
            self.slots.push(Slot {
                generation: 0,
                request: Some(request),
            });
            RequestId {
                slot: (self.slots.len() - 1) as u32,
                generation: 0,
            }
        }
    }

    pub fn remove(&mut self, id: RequestId) -> Option<Request> {
        let slot = self
            .slots
            .get_mut(id.slot as usize)
            .filter(|s| s.generation == id.generation)?;
        let taken = slot.request.take()?;
        slot.generation = slot.generation.wrapping_add(1);
        self.live -= 1;
        self.free.push(id.slot);
        Some(taken)
    }

    pub fn live(&self) -> u64 {
        self.live
    }

    /// The requests an instance holds (queued or in service).
    pub fn of_instance(&self, instance: u32) -> Vec<RequestId> {
        self.slots
            .iter()
            .enumerate()
            .filter(|(_, s)| s.request.is_some_and(|r| r.instance == instance))
            .map(|(i, s)| RequestId {
                slot: i as u32,
                generation: s.generation,
            })
            .collect()
    }
}

impl World<'_> {
    /// Hands a routed request to one of the service's ready instances, or answers 503.
    pub(crate) fn dispatch(&mut self, mut request: Request, balance: Balance, pinned: Option<u32>) {
        let service = request.service as usize;
        if self.is_partitioned(service, &request) {
            self.finish_unavailable(&request);
            return;
        }
        let Some(instance) = self.choose_instance(service, balance, pinned) else {
            self.finish_unavailable(&request);
            return;
        };
        request.instance = instance;
        self.pin_instance(&request, instance);
        self.account_population();
        let slot = self.requests.insert(request);
        let concurrency = self.model.services[service].concurrency.max(1);
        let inst = &mut self.instances[instance as usize];
        if inst.busy < concurrency {
            inst.busy += 1;
            self.start_service(slot, service, instance);
        } else {
            inst.queue.push_back(slot);
        }
    }

    /// Remembers the instance of a client on a `sticky: instance` gateway.
    fn pin_instance(&mut self, request: &Request, instance: u32) {
        let Some(&(gateway, _)) = request.hops[..request.hop_count as usize].last() else {
            return;
        };
        if self.model.gateways[gateway as usize].sticky == Sticky::Instance {
            self.sticky_instances
                .insert((gateway, request.source, request.client), instance);
        }
    }

    fn is_partitioned(&self, service: usize, request: &Request) -> bool {
        let partitions = &self.services[service].partitions;
        if partitions.is_empty() {
            return false;
        }
        let hops = &request.hops[..request.hop_count as usize];
        partitions.iter().any(|from| match from {
            None => true,
            Some(g) => hops.iter().any(|(hop, _)| *hop as usize == *g),
        })
    }

    fn choose_instance(
        &mut self,
        service: usize,
        balance: Balance,
        pinned: Option<u32>,
    ) -> Option<u32> {
        if let Some(p) = pinned {
            if self
                .instances
                .get(p as usize)
                .is_some_and(|i| i.state == InstanceState::Ready && i.service == service)
            {
                return Some(p);
            }
        }
        let state = &mut self.services[service];
        let instances = &self.instances;
        let ready = |&&i: &&u32| instances[i as usize].state == InstanceState::Ready;
        match balance {
            Balance::RoundRobin => {
                // Indices wrap by comparison, not `%`: a division per request showed in
                // profiles.
                let count = state.instances.len();
                let mut index = if state.rr_next < count {
                    state.rr_next
                } else {
                    0
                };
                for _ in 0..count {
                    let candidate = state.instances[index];
                    index += 1;
                    if index == count {
                        index = 0;
                    }
                    if ready(&&candidate) {
                        state.rr_next = index;
                        return Some(candidate);
                    }
                }
                None
            }
            Balance::LeastConn => state
                .instances
                .iter()
                .filter(ready)
                .min_by_key(|&&i| instances[i as usize].load())
                .copied(),
        }
    }

    /// Draws the service time of request `id` (of `service`, which the caller knows: no slab
    /// lookup on the hot path) and schedules its completion.
    fn start_service(&mut self, id: RequestId, service: usize, instance: u32) {
        let model = &self.model.services[service];
        let state = &mut self.services[service];
        let time = secs_to_nanos(model.latency.sample(&mut state.stream))
            .saturating_add(state.extra_latency);
        // One predictable test on the hot path when no Cloudify metric reads the requests.
        if self.observing {
            if let Some(o) = self.instances[instance as usize].observed.as_mut() {
                o.busy_ns += u128::from(time);
            }
        }
        self.queue.schedule_in(
            time,
            Event::ServiceDone {
                slot: id.slot,
                generation: id.generation,
            },
        );
    }

    pub(crate) fn on_service_done(&mut self, id: RequestId) {
        self.account_population();
        let Some(request) = self.requests.remove(id) else {
            return; // failed earlier (its instance died)
        };
        let service = request.service as usize;
        let rate =
            self.model.services[service].error_rate + self.services[service].extra_error_rate;
        let error = bernoulli(&mut self.services[service].stream, rate);
        let now = self.now();
        let latency = now.saturating_sub(request.arrival);
        self.services[service].counters.record(error, latency);
        if self.observing {
            if let Some(o) = self.instances[request.instance as usize].observed.as_mut() {
                o.completed += 1;
                o.errors += u64::from(error);
                o.latencies_ns.push(latency);
            }
        }
        self.record_completion(&request, error, latency);
        self.release_slot(request.instance);
    }

    /// Frees a concurrency slot and starts the next queued request, if any.
    fn release_slot(&mut self, instance: u32) {
        let inst = &mut self.instances[instance as usize];
        if let Some(next) = inst.queue.pop_front() {
            let service = inst.service; // a queue holds its instance's service's requests
            self.start_service(next, service, instance);
        } else {
            inst.busy = inst.busy.saturating_sub(1);
        }
    }

    /// A request that never reached an instance: 503 at once.
    pub(crate) fn finish_unavailable(&mut self, request: &Request) {
        self.services[request.service as usize].unavailable += 1;
        self.record_completion(request, true, 0);
    }

    /// Gateway and route metrics, and the run's totals.
    pub(crate) fn record_completion(&mut self, request: &Request, error: bool, latency: Nanos) {
        if request.mirror {
            self.record_mirrored(request, error, latency);
            return;
        }
        let now = self.now();
        for &(gateway, route) in &request.hops[..request.hop_count as usize] {
            if let Some(c) = self.gateways[gateway as usize]
                .route_counters
                .get_mut(route as usize)
            {
                c.record(now, error, latency);
            }
        }
        self.totals.completed += 1;
        self.totals.errors += u64::from(error);
        self.totals.latency_sum_ns += u128::from(latency);
        // Vamp traffic workflows publish their responses; one length test for the rest.
        if !self.model.workflow_traffic.is_empty() {
            self.on_workflow_response(request.source, error);
        }
    }

    /// Fails everything an instance holds (it died): 503 for each.
    pub(crate) fn fail_instance_requests(&mut self, instance: u32) {
        let inst = &mut self.instances[instance as usize];
        inst.queue.clear();
        inst.busy = 0;
        // Queued and in-service requests alike are found by scanning the slab: the number in
        // flight is small compared to the run, and slot order is deterministic.
        let victims = self.requests.of_instance(instance);
        self.account_population();
        for id in victims {
            if let Some(request) = self.requests.remove(id) {
                self.services[request.service as usize].unavailable += 1;
                let latency = self.now().saturating_sub(request.arrival);
                self.record_completion(&request, true, latency);
            }
        }
    }
}
