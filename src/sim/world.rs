//! The world: the model's mutable state and the event loop.
//!
//! Handlers for each concern live in their own modules as `impl World` blocks: arrivals in
//! `traffic.rs`, route choice in `routing.rs`, stations in `service.rs`, faults in
//! `faults.rs`, restarts and scaling in `orchestrator.rs`, programs in `programs/`.

use super::engine::{EventQueue, Nanos};
use super::events::EventBus;
use super::metrics::{Counters, ServiceCounters, WindowTotals};
use super::model::Model;
use super::rng::{Seeds, Stream};
use super::service::{Instance, RequestId, RequestSlab};
use super::trace::{Decision, TraceSink};
use std::collections::BTreeMap;

/// Everything that can happen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    Arrival {
        source: u32,
    },
    ServiceDone {
        slot: u32,
        generation: u32,
    },
    InstanceReady {
        instance: u32,
        generation: u32,
    },
    Restart {
        instance: u32,
        generation: u32,
    },
    FaultStart {
        fault: u32,
    },
    FaultEnd {
        fault: u32,
    },
    /// `run`: the occurrence number of a calendar schedule (0 for other schedules).
    ProgramRun {
        program: u32,
        run: u64,
    },
    Snapshot,
    /// A Cloudify node instance's collectors publish (`generation`: its monitoring run).
    Heartbeat {
        deployment: u32,
        instance: u32,
        generation: u32,
    },
    /// A Cloudify deployment's policy engine reaps expired events.
    Reap {
        deployment: u32,
    },
    /// The next operations of a workflow execution are due.
    WorkflowStep {
        deployment: u32,
        execution: u32,
    },
    /// A request of a traffic entry to a KrakenD endpoint.
    ApiArrival {
        source: u32,
    },
    /// A rollout's controller reconciles (Argo) or ticks (Flagger).
    Rollout {
        rollout: u32,
    },
}

/// Per-service runtime state.
#[derive(Debug)]
pub struct ServiceState {
    pub desired: u32,
    pub instances: Vec<u32>,
    pub rr_next: usize,
    pub stream: Stream,
    /// Requests answered 503 because no instance could take them.
    pub unavailable: u64,
    pub counters: ServiceCounters,
    pub extra_error_rate: f64,
    pub extra_latency: Nanos,
    /// Gateways partitioned from this service (`None` entry = all gateways).
    pub partitions: Vec<Option<usize>>,
}

#[derive(Debug)]
pub struct GatewayState {
    /// Current weights in basis points (programs change them).
    pub weights_bp: Vec<u32>,
    /// Per route. Every request a gateway routes takes exactly one route, so the gateway's
    /// own figures are the routes' sums (plus `unrouted`): one record per hop, not two.
    pub route_counters: Vec<Counters>,
    /// Requests the gateway could not route (every weight zero): 503 at once.
    pub unrouted: Counters,
    /// Sticky pins: (source, client) → route index.
    pub sticky_routes: BTreeMap<(u32, u32), u16>,
    /// Route choices (weights, condition strength).
    pub stream: Stream,
    /// Of the requests counted here, those a KrakenD backend sent (requests, errors): the
    /// API's users are counted once, at the endpoint, not again at the gateway it calls.
    pub from_api: (u64, u64),
    /// Mirrored copies the router sent its canary (not users' requests).
    pub mirrored: Option<Box<Counters>>,
}

impl GatewayState {
    fn all_counters(&self) -> impl Iterator<Item = &Counters> {
        self.route_counters
            .iter()
            .chain(std::iter::once(&self.unrouted))
    }

    /// Requests completed at this gateway (routed or not) that users sent it directly.
    pub fn user_requests(&self) -> u64 {
        self.requests() - self.from_api.0
    }

    pub fn user_errors(&self) -> u64 {
        self.errors() - self.from_api.1
    }

    /// Requests completed at this gateway (routed or not).
    pub fn requests(&self) -> u64 {
        self.all_counters().map(|c| c.requests).sum()
    }

    pub fn errors(&self) -> u64 {
        self.all_counters().map(|c| c.errors).sum()
    }

    /// The gateway's totals over the last `w` seconds (see [`SecondRing::window`]).
    ///
    /// [`SecondRing::window`]: super::metrics::SecondRing::window
    pub fn window(&self, now: Nanos, w: u64) -> WindowTotals {
        self.all_counters()
            .map(|c| c.ring.window(now, w))
            .fold(WindowTotals::default(), WindowTotals::plus)
    }
}

#[derive(Debug)]
pub struct SourceState {
    pub stream: Stream,
    pub arrivals: u64,
    /// The profile's highest rate (per second), the thinning bound: computed once, not per
    /// arrival.
    pub max_rate: f64,
}

#[derive(Debug)]
pub struct ProgramState {
    pub stream: Stream,
    pub runs: u64,
    /// An event-triggered run is already queued.
    pub pending: bool,
    /// Program-specific memory (e.g. last published health per target).
    pub memory: BTreeMap<String, f64>,
}

/// Totals over the whole run, for the report and the invariants.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    pub arrivals: u64,
    pub completed: u64,
    pub errors: u64,
    pub latency_sum_ns: u128,
    /// ∫ (requests in flight) dt, in request·nanoseconds: the time-average population for
    /// Little's law.
    pub population_area: u128,
    pub(crate) population_since: Nanos,
}

pub struct World<'t> {
    pub model: Model,
    pub seeds: Seeds,
    pub queue: EventQueue<Event>,
    pub services: Vec<ServiceState>,
    pub gateways: Vec<GatewayState>,
    pub sources: Vec<SourceState>,
    pub programs: Vec<ProgramState>,
    pub instances: Vec<Instance>,
    pub requests: RequestSlab,
    pub hosts_up: Vec<bool>,
    /// Instances waiting for a host to come back up.
    pub pending_placement: Vec<u32>,
    pub bus: EventBus,
    pub totals: Totals,
    pub decisions: Vec<Decision>,
    pub trace: Option<TraceSink<'t>>,
    /// Sticky instances: (gateway, source, client) → instance.
    pub sticky_instances: BTreeMap<(u32, u32, u32), u32>,
    /// A stream for the orchestrator's choices (placement).
    pub orchestrator_stream: Stream,
    /// Cloudify deployments, as `model.managed`.
    pub managed: Vec<super::managed::ManagedState>,
    /// Each service's latencies at the last trace snapshot, so a snapshot can give the
    /// quantiles of its own interval (empty until the first snapshot).
    pub snapshot_latency: Vec<super::metrics::LatencySketch>,
    /// Some instance counts what it serves (a Cloudify metric `{from: ...}`).
    pub observing: bool,
    /// KrakenD endpoints' sources and counters, as `model.api`.
    pub api: super::api::ApiState,
    /// Rollout controllers, as `model.rollouts`.
    pub rollouts: Vec<super::rollout::RolloutState>,
}

impl<'t> World<'t> {
    pub fn new(model: Model, trace: Option<TraceSink<'t>>) -> World<'t> {
        let seeds = Seeds::new(model.seed);
        let window = model.max_window_s.max(1);
        let services = model
            .services
            .iter()
            .map(|s| ServiceState {
                desired: s.instances,
                instances: Vec::new(),
                rr_next: 0,
                stream: seeds.stream(&format!("service:{}", s.name)),
                unavailable: 0,
                counters: ServiceCounters::default(),
                extra_error_rate: 0.0,
                extra_latency: 0,
                partitions: Vec::new(),
            })
            .collect();
        let gateways = model
            .gateways
            .iter()
            .map(|g| GatewayState {
                weights_bp: g.routes.iter().map(|r| r.weight_bp).collect(),
                unrouted: Counters::new(window),
                route_counters: g.routes.iter().map(|_| Counters::new(window)).collect(),
                sticky_routes: BTreeMap::new(),
                stream: seeds.stream(&format!("gateway:{}", g.name)),
                from_api: (0, 0),
                mirrored: None,
            })
            .collect();
        let sources = model
            .traffic
            .iter()
            .map(|t| SourceState {
                stream: seeds.stream(&t.id),
                arrivals: 0,
                max_rate: t.rate.max(),
            })
            .collect();
        let programs = model
            .programs
            .iter()
            .map(|p| ProgramState {
                stream: seeds.stream(&format!("program:{}", p.name)),
                runs: 0,
                pending: false,
                memory: BTreeMap::new(),
            })
            .collect();
        let instance_total: u32 = model.services.iter().map(|s| s.instances).sum();
        let host_count = if model.hosts == 0 {
            instance_total.max(1)
        } else {
            model.hosts
        };
        // Each traffic source has its own lane in the queue (its next arrival).
        let mut queue = EventQueue::new();
        queue.add_lanes(model.traffic.len());
        let mut world = World {
            seeds,
            queue,
            services,
            gateways,
            sources,
            programs,
            instances: Vec::new(),
            requests: RequestSlab::default(),
            hosts_up: vec![true; host_count as usize],
            pending_placement: Vec::new(),
            bus: EventBus::default(),
            totals: Totals::default(),
            decisions: Vec::new(),
            trace,
            sticky_instances: BTreeMap::new(),
            orchestrator_stream: seeds.stream("orchestrator"),
            managed: model
                .managed
                .iter()
                .map(super::managed::ManagedState::new)
                .collect(),
            snapshot_latency: Vec::new(),
            api: super::api::ApiState::new(&model.api, &seeds),
            rollouts: model.rollouts.iter().map(|_| Default::default()).collect(),
            observing: model.managed.iter().any(|m| {
                m.plan.nodes.iter().any(|n| {
                    n.monitoring.as_ref().is_some_and(|mon| {
                        mon.services
                            .iter()
                            .any(|s| matches!(s.value, crate::ir::scenario::MetricValue::From(_)))
                    })
                })
            }),
            model,
        };
        world.start();
        world
    }

    /// Initial instances (ready at t = 0: a deployment is rehearsed from the moment it is
    /// up), programs, faults, traffic, snapshots — in that order, so at t = 0 programs run
    /// before the first request arrives.
    fn start(&mut self) {
        let managed_workloads: Vec<usize> = self
            .model
            .managed
            .iter()
            .flat_map(|m| m.plan.nodes.iter().map(|n| n.workload))
            .collect();
        for service in 0..self.model.services.len() {
            if managed_workloads.contains(&service) {
                continue; // created by `start_managed`
            }
            for _ in 0..self.model.services[service].instances {
                self.add_instance(service, true);
            }
        }
        self.schedule_programs();
        self.start_managed();
        self.start_rollouts();
        for (index, fault) in self.model.faults.iter().enumerate() {
            self.queue.schedule_at(
                fault.at,
                Event::FaultStart {
                    fault: index as u32,
                },
            );
        }
        for source in 0..self.model.traffic.len() {
            self.schedule_next_arrival(source);
        }
        for source in 0..self.model.api.traffic.len() {
            self.schedule_api_arrival(source);
        }
        if self.model.snapshot_every > 0 && self.trace.is_some() {
            self.queue
                .schedule_at(self.model.snapshot_every, Event::Snapshot);
        }
    }

    pub fn now(&self) -> Nanos {
        self.queue.now()
    }

    /// Runs to the model's duration. Requests still in flight at the end stay in flight.
    pub fn run(&mut self) {
        self.run_until(self.model.duration);
    }

    /// Runs every event up to `until` (capped at the duration) and stops there.
    pub fn run_until(&mut self, until: Nanos) {
        let end = until.min(self.model.duration);
        while let Some((_, event)) = self.queue.pop_until(end) {
            self.handle(event);
        }
        self.queue.advance_to(end);
        self.account_population();
    }

    /// Adds the population since the last change to the area (call before it changes).
    pub(crate) fn account_population(&mut self) {
        let now = self.now();
        let dt = now.saturating_sub(self.totals.population_since);
        self.totals.population_area += u128::from(self.requests.live()) * u128::from(dt);
        self.totals.population_since = now;
    }

    fn handle(&mut self, event: Event) {
        match event {
            Event::Arrival { source } => self.on_arrival(source as usize),
            Event::ServiceDone { slot, generation } => {
                self.on_service_done(RequestId { slot, generation })
            }
            Event::InstanceReady {
                instance,
                generation,
            } => self.on_instance_ready(instance, generation),
            Event::Restart {
                instance,
                generation,
            } => self.on_restart(instance, generation),
            Event::FaultStart { fault } => self.on_fault_start(fault as usize),
            Event::FaultEnd { fault } => self.on_fault_end(fault as usize),
            Event::ProgramRun { program, run } => self.on_program_run(program as usize, run),
            Event::Snapshot => self.on_snapshot(),
            Event::Heartbeat {
                deployment,
                instance,
                generation,
            } => self.on_heartbeat(deployment as usize, instance as usize, generation),
            Event::Reap { deployment } => self.on_reap(deployment as usize),
            Event::WorkflowStep {
                deployment,
                execution,
            } => self.on_workflow_step(deployment as usize, execution),
            Event::ApiArrival { source } => self.on_api_arrival(source as usize),
            Event::Rollout { rollout } => self.on_rollout(rollout as usize),
        }
    }

    /// Records a decision (and traces it).
    pub fn decide(
        &mut self,
        kind: &'static str,
        target: impl Into<String>,
        detail: serde_json::Value,
    ) {
        let decision = Decision {
            t: self.now(),
            kind,
            target: target.into(),
            detail,
        };
        if let Some(trace) = &mut self.trace {
            trace.decision(&decision);
        }
        self.decisions.push(decision);
    }

    /// Requests in flight (queued or in service).
    pub fn in_flight(&self) -> u64 {
        self.requests.live()
    }
}
