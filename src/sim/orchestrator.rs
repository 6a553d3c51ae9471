//! The orchestrator (Marathon-like): places instances on hosts, restarts crashed ones after a
//! delay, waits for startup before an instance is ready, and follows the desired count.

use super::engine::{nanos_to_secs, Nanos};
use super::service::{Instance, InstanceState};
use super::world::{Event, World};
use serde_json::json;
use std::collections::VecDeque;

impl World<'_> {
    /// The up host with the fewest live instances (lowest number on ties); with one host per
    /// instance (`hosts` unset), a new host.
    fn place(&mut self) -> Option<u32> {
        if self.model.hosts == 0 {
            if let Some(free) = (0..self.hosts_up.len()).find(|&h| {
                self.hosts_up[h]
                    && !self
                        .instances
                        .iter()
                        .any(|i| i.host as usize == h && i.state != InstanceState::Dead)
            }) {
                return Some(free as u32);
            }
            self.hosts_up.push(true);
            return Some((self.hosts_up.len() - 1) as u32);
        }
        let mut load = vec![0usize; self.hosts_up.len()];
        for inst in &self.instances {
            if inst.state != InstanceState::Dead {
                if let Some(l) = load.get_mut(inst.host as usize) {
                    *l += 1;
                }
            }
        }
        (0..self.hosts_up.len())
            .filter(|&h| self.hosts_up[h])
            .min_by_key(|&h| load[h])
            .map(|h| h as u32)
    }

    /// Starts a new instance of `service`; ready at once (`ready_now`) or after startup.
    pub(crate) fn add_instance(&mut self, service: usize, ready_now: bool) -> u32 {
        let host = self.place();
        let index = self.instances.len() as u32;
        self.instances.push(Instance {
            service,
            host: host.unwrap_or(0),
            state: InstanceState::Dead,
            generation: 0,
            busy: 0,
            queue: VecDeque::new(),
            observed: None,
        });
        self.services[service].instances.push(index);
        match host {
            Some(_) if ready_now => self.instances[index as usize].state = InstanceState::Ready,
            Some(_) => self.begin_startup(index),
            None => self.pending_placement.push(index),
        }
        index
    }

    fn begin_startup(&mut self, instance: u32) {
        let startup = {
            let inst = &mut self.instances[instance as usize];
            inst.state = InstanceState::Starting;
            inst.generation += 1;
            self.model.services[inst.service].startup
        };
        let generation = self.instances[instance as usize].generation;
        self.queue.schedule_in(
            startup,
            Event::InstanceReady {
                instance,
                generation,
            },
        );
    }

    pub(crate) fn on_instance_ready(&mut self, instance: u32, generation: u32) {
        let inst = &mut self.instances[instance as usize];
        if inst.generation != generation || inst.state != InstanceState::Starting {
            return;
        }
        inst.state = InstanceState::Ready;
        let service = inst.service;
        let name = self.model.services[service].name.clone();
        self.decide(
            "ready",
            name,
            json!({"instance": self.instance_label(instance)}),
        );
    }

    /// Kills an instance: its requests fail, and it restarts after `restart_delay`.
    pub(crate) fn kill_instance(&mut self, instance: u32, restart_delay: Nanos) {
        let inst = &mut self.instances[instance as usize];
        if inst.state == InstanceState::Dead {
            return;
        }
        inst.state = InstanceState::Dead;
        inst.generation += 1;
        let generation = inst.generation;
        self.fail_instance_requests(instance);
        self.queue.schedule_in(
            restart_delay,
            Event::Restart {
                instance,
                generation,
            },
        );
    }

    pub(crate) fn on_restart(&mut self, instance: u32, generation: u32) {
        let inst = &self.instances[instance as usize];
        if inst.generation != generation || inst.state != InstanceState::Dead {
            return;
        }
        let service = inst.service;
        let host_up = self
            .hosts_up
            .get(inst.host as usize)
            .copied()
            .unwrap_or(false);
        if !host_up {
            match self.place() {
                Some(h) => self.instances[instance as usize].host = h,
                None => {
                    self.pending_placement.push(instance);
                    return;
                }
            }
        }
        self.begin_startup(instance);
        let startup = self.model.services[service].startup;
        let name = self.model.services[service].name.clone();
        self.decide(
            "restart",
            name,
            json!({
                "instance": self.instance_label(instance),
                "ready_in_s": nanos_to_secs(startup),
            }),
        );
    }

    /// Places instances that waited for a host.
    pub(crate) fn place_pending(&mut self) {
        let pending = std::mem::take(&mut self.pending_placement);
        for instance in pending {
            match self.place() {
                Some(h) => {
                    self.instances[instance as usize].host = h;
                    self.begin_startup(instance);
                }
                None => self.pending_placement.push(instance),
            }
        }
    }

    /// Follows a new desired instance count: starts instances (reusing drained ones) or
    /// drains the newest.
    pub(crate) fn set_desired(&mut self, service: usize, desired: u32) {
        self.services[service].desired = desired;
        let live = |i: &Instance| matches!(i.state, InstanceState::Ready | InstanceState::Starting);
        let mut active: Vec<u32> = self.services[service]
            .instances
            .iter()
            .copied()
            .filter(|&i| live(&self.instances[i as usize]))
            .collect();
        while (active.len() as u32) < desired {
            let drained = self.services[service]
                .instances
                .iter()
                .copied()
                .find(|&i| self.instances[i as usize].state == InstanceState::Draining);
            let instance = match drained {
                Some(i) => {
                    self.begin_startup(i);
                    i
                }
                None => self.add_instance(service, false),
            };
            active.push(instance);
        }
        while (active.len() as u32) > desired {
            if let Some(instance) = active.pop() {
                self.instances[instance as usize].state = InstanceState::Draining;
            }
        }
    }

    /// `service#n` where n counts the service's instances from 1.
    pub fn instance_label(&self, instance: u32) -> String {
        let inst = &self.instances[instance as usize];
        let n = self.services[inst.service]
            .instances
            .iter()
            .position(|&i| i == instance)
            .map_or(0, |p| p + 1);
        format!("{}#{}", self.model.services[inst.service].name, n)
    }

    pub fn ready_instances(&self, service: usize) -> usize {
        self.services[service]
            .instances
            .iter()
            .filter(|&&i| self.instances[i as usize].state == InstanceState::Ready)
            .count()
    }
}
