//! Cloudify deployments in the world (issue 9): node instances whose lifecycle workflows drive
//! (`workflows.rs`), the monitoring events they publish and the policy engine that watches
//! them (`monitoring.rs`), and the faults that take them down.
//!
//! Each node instance has a simulated [`Instance`] of its node's workload: it is ready (takes
//! requests) exactly while the node instance is `started`, not removed, and neither it nor a
//! container it sits on is down. Nothing restarts a node instance but a workflow.

mod monitoring;
mod workflows;

use super::engine::{Nanos, NANOS_PER_SEC};
use super::model::ManagedModel;
use super::policies::{MonitoringIndex, Timetable};
use super::service::{Instance, InstanceState};
use super::world::{Event, World};
use crate::ir::topology::PlannedInstance;
use crate::lower::cloudify::Planner;
use serde_json::json;
use std::collections::{BTreeMap, VecDeque};

pub use monitoring::PolicyState;
pub use workflows::Execution;

/// Cloudify's node-instance states (`set_state` in lifecycle.py).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeState {
    Uninitialized,
    Creating,
    Configuring,
    Starting,
    Started,
    Stopping,
    Deleting,
    Deleted,
}

impl NodeState {
    pub fn as_str(self) -> &'static str {
        match self {
            NodeState::Uninitialized => "uninitialized",
            NodeState::Creating => "creating",
            NodeState::Configuring => "configuring",
            NodeState::Starting => "starting",
            NodeState::Started => "started",
            NodeState::Stopping => "stopping",
            NodeState::Deleting => "deleting",
            NodeState::Deleted => "deleted",
        }
    }
}

/// One node instance at runtime.
#[derive(Clone, Debug)]
pub struct NodeInstance {
    pub id: String,
    pub node: usize,
    pub parent: Option<usize>,
    pub group: Option<(usize, u32)>,
    /// Its simulated instance (in its node's workload).
    pub sim: u32,
    pub state: NodeState,
    /// Host down or killed: neither it nor what it contains serves or publishes.
    pub down: bool,
    /// Scaled in: gone from the deployment.
    pub removed: bool,
    /// Bumped whenever its monitoring stops, so a pending heartbeat of an older run is ignored.
    pub monitor_generation: u32,
    pub monitoring: bool,
}

/// Per-instance figures over one monitoring interval, for `{from: ...}` metrics.
#[derive(Clone, Debug, Default)]
pub struct Observations {
    /// Service time begun in the interval, summed over requests (slot·ns).
    pub busy_ns: u128,
    pub completed: u64,
    pub errors: u64,
    pub latencies_ns: Vec<u64>,
}

/// A Cloudify deployment's runtime state.
#[derive(Debug)]
pub struct ManagedState {
    pub instances: Vec<NodeInstance>,
    pub planner: Planner,
    /// Cloudify's `number_of_instances` per node (per container instance) and
    /// `current_instances` per scaling group: what the scale workflow adds to.
    pub per_parent: Vec<u32>,
    pub group_counts: Vec<u32>,
    pub index: MonitoringIndex,
    pub timetable: Timetable,
    /// Per policy: one state for the group, or one per node instance id.
    pub policy_states: BTreeMap<(usize, String), PolicyState>,
    /// Executions running, oldest first.
    pub running: VecDeque<Execution>,
    /// Executions started so far (their ids).
    pub executions: u32,
    /// Started instances per node, as last reported.
    pub started: Vec<u32>,
}

impl ManagedState {
    pub fn new(model: &ManagedModel) -> ManagedState {
        let plan = &model.plan;
        ManagedState {
            instances: Vec::new(),
            planner: Planner::new(plan),
            per_parent: plan.nodes.iter().map(|n| n.per_parent).collect(),
            group_counts: plan.scaling_groups.iter().map(|g| g.count).collect(),
            index: MonitoringIndex::default(),
            timetable: Timetable::default(),
            policy_states: BTreeMap::new(),
            running: VecDeque::new(),
            executions: 0,
            started: vec![0; plan.nodes.len()],
        }
    }

    /// The live (not removed) instance with this id.
    pub fn find(&self, id: &str) -> Option<usize> {
        self.instances.iter().position(|i| i.id == id && !i.removed)
    }

    /// Whether it or a container it sits on is down.
    pub fn is_down(&self, instance: usize) -> bool {
        let mut current = Some(instance);
        let mut hops = 0;
        while let Some(i) = current {
            let Some(inst) = self.instances.get(i) else {
                return false;
            };
            if inst.down {
                return true;
            }
            current = inst.parent;
            hops += 1;
            if hops > self.instances.len() {
                return false;
            }
        }
        false
    }

    /// Instances contained (transitively) in `instance`, itself first, in plan order.
    pub fn subgraph(&self, instance: usize) -> Vec<usize> {
        let mut out = vec![instance];
        let mut i = 0;
        while i < out.len() {
            let parent = out[i];
            out.extend(
                self.instances
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| c.parent == Some(parent) && !c.removed)
                    .map(|(c, _)| c),
            );
            i += 1;
        }
        out
    }
}

impl World<'_> {
    /// Creates the deployments' instances and starts them: installed at t = 0, or by the install
    /// workflow from t = 0 (`install: true`); the policy engines' reapers run every 5 s.
    pub(crate) fn start_managed(&mut self) {
        for d in 0..self.model.managed.len() {
            let planned = self.model.managed[d].plan.instances.clone();
            for p in &planned {
                self.add_node_instance(d, p);
            }
            if self.model.managed[d].plan.install {
                let all: Vec<usize> = (0..self.managed[d].instances.len()).collect();
                self.start_workflow(d, "install", json!({}), workflows::Plan::Install(all), None);
            } else {
                for i in &mut self.managed[d].instances {
                    i.state = NodeState::Started;
                }
                self.refresh_managed(d);
            }
            if !self.model.managed[d].plan.policies.is_empty() {
                self.queue.schedule_at(
                    super::policies::REAP_EVERY,
                    Event::Reap {
                        deployment: d as u32,
                    },
                );
            }
        }
    }

    /// Adds a node instance (not started) with its simulated instance.
    pub(crate) fn add_node_instance(
        &mut self,
        deployment: usize,
        planned: &PlannedInstance,
    ) -> usize {
        let plan = &self.model.managed[deployment].plan;
        let node = &plan.nodes[planned.node];
        let service = node.workload;
        let observes = node.monitoring.as_ref().is_some_and(|m| {
            m.services
                .iter()
                .any(|s| matches!(s.value, crate::ir::scenario::MetricValue::From(_)))
        });
        let sim = self.instances.len() as u32;
        self.instances.push(Instance {
            service,
            // No host of the scenario's `hosts`: its host is a node instance.
            host: u32::MAX,
            state: InstanceState::Dead,
            generation: 0,
            busy: 0,
            queue: VecDeque::new(),
            observed: observes.then(Box::default),
        });
        self.services[service].instances.push(sim);
        let state = &mut self.managed[deployment];
        state.instances.push(NodeInstance {
            id: planned.id.clone(),
            node: planned.node,
            parent: planned.parent,
            group: planned.group,
            sim,
            state: NodeState::Uninitialized,
            down: false,
            removed: false,
            monitor_generation: 0,
            monitoring: false,
        });
        state.instances.len() - 1
    }

    /// Brings the simulated instances, the monitoring and the started counts in line with
    /// the node instances' states (after any change).
    pub(crate) fn refresh_managed(&mut self, deployment: usize) {
        let count = self.managed[deployment].instances.len();
        for i in 0..count {
            let (serving, monitored) = {
                let state = &self.managed[deployment];
                let inst = &state.instances[i];
                let up = inst.state == NodeState::Started && !inst.removed && !state.is_down(i);
                let has_monitoring = self.model.managed[deployment].plan.nodes[inst.node]
                    .monitoring
                    .is_some();
                (up, up && has_monitoring)
            };
            let sim = self.managed[deployment].instances[i].sim;
            let ready = self.instances[sim as usize].state == InstanceState::Ready;
            if serving && !ready {
                let inst = &mut self.instances[sim as usize];
                inst.state = InstanceState::Ready;
                inst.generation += 1;
            } else if !serving && ready {
                let inst = &mut self.instances[sim as usize];
                inst.state = InstanceState::Dead;
                inst.generation += 1;
                self.fail_instance_requests(sim);
            }
            let was = self.managed[deployment].instances[i].monitoring;
            if monitored && !was {
                let inst = &mut self.managed[deployment].instances[i];
                inst.monitoring = true;
                inst.monitor_generation += 1;
                let generation = inst.monitor_generation;
                // The collectors publish at once, then every interval.
                self.queue.schedule_in(
                    0,
                    Event::Heartbeat {
                        deployment: deployment as u32,
                        instance: i as u32,
                        generation,
                    },
                );
            } else if !monitored && was {
                let inst = &mut self.managed[deployment].instances[i];
                inst.monitoring = false;
                inst.monitor_generation += 1;
            }
        }
        self.report_started(deployment);
    }

    /// An `instances` decision for every node whose count of started instances changed.
    fn report_started(&mut self, deployment: usize) {
        let nodes = self.model.managed[deployment].plan.nodes.len();
        for n in 0..nodes {
            let started = self.managed[deployment]
                .instances
                .iter()
                .filter(|i| i.node == n && !i.removed && i.state == NodeState::Started)
                .count() as u32;
            if started != self.managed[deployment].started[n] {
                self.managed[deployment].started[n] = started;
                let target = format!(
                    "{}/{}",
                    self.model.managed[deployment].plan.name,
                    self.model.managed[deployment].plan.nodes[n].name
                );
                self.decide("instances", target, json!({"started": started}));
            }
        }
    }

    /// `host_down: NAME/vm_1` and `kill: NAME/node[_n]`.
    pub(crate) fn node_fault(
        &mut self,
        deployment: usize,
        instances: &[usize],
        fault: &'static str,
        for_ns: Option<Nanos>,
    ) {
        let labels: Vec<String> = instances
            .iter()
            .filter_map(|&i| self.managed[deployment].instances.get(i))
            .filter(|i| !i.removed)
            .map(|i| i.id.clone())
            .collect();
        for &i in instances {
            if let Some(inst) = self.managed[deployment].instances.get_mut(i) {
                inst.down = true;
            }
        }
        let target = self.model.managed[deployment].plan.name.clone();
        let mut detail = json!({"fault": fault, "node_instances": labels});
        if let Some(ns) = for_ns {
            detail["for_s"] = json!(ns as f64 / NANOS_PER_SEC as f64);
        }
        self.decide("fault", target, detail);
        self.refresh_managed(deployment);
    }

    /// The end of a `host_down … for`: the host is back (unless it was reinstalled meanwhile,
    /// which brought up a fresh one already).
    pub(crate) fn node_fault_end(&mut self, deployment: usize, instance: usize) {
        if let Some(inst) = self.managed[deployment].instances.get_mut(instance) {
            inst.down = false;
        }
        self.refresh_managed(deployment);
    }
}
