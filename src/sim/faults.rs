//! Injected faults: kills, host outages, extra errors and latency, partitions. Each is a
//! decision in the timeline with every parameter, so a run explains itself.

use super::engine::nanos_to_secs;
use super::model::FaultAction;
use super::service::InstanceState;
use super::world::{Event, World};
use serde_json::json;

impl World<'_> {
    pub(crate) fn on_fault_start(&mut self, fault: usize) {
        let Some(model) = self.model.faults.get(fault).cloned() else {
            return;
        };
        let end_after = match &model.action {
            FaultAction::Kill {
                service,
                count,
                restart_delay,
            } => {
                let victims: Vec<u32> = self.services[*service]
                    .instances
                    .iter()
                    .copied()
                    .filter(|&i| {
                        matches!(
                            self.instances[i as usize].state,
                            InstanceState::Ready | InstanceState::Starting
                        )
                    })
                    .take(count.map_or(usize::MAX, |c| c as usize))
                    .collect();
                let labels: Vec<String> = victims.iter().map(|&i| self.instance_label(i)).collect();
                self.decide(
                    "fault",
                    self.model.services[*service].name.clone(),
                    json!({
                        "fault": "kill",
                        "instances": labels,
                        "restart_delay_s": nanos_to_secs(*restart_delay),
                    }),
                );
                for instance in victims {
                    self.kill_instance(instance, *restart_delay);
                }
                None
            }
            FaultAction::HostDown { host, duration } => {
                let index = host.saturating_sub(1) as usize;
                if let Some(up) = self.hosts_up.get_mut(index) {
                    *up = false;
                }
                let victims: Vec<u32> = (0..self.instances.len() as u32)
                    .filter(|&i| {
                        let inst = &self.instances[i as usize];
                        inst.host as usize == index && inst.state != InstanceState::Dead
                    })
                    .collect();
                let labels: Vec<String> = victims.iter().map(|&i| self.instance_label(i)).collect();
                self.decide(
                    "fault",
                    format!("host {host}"),
                    json!({"fault": "host_down", "for_s": nanos_to_secs(*duration), "instances": labels}),
                );
                for instance in victims {
                    let service = self.instances[instance as usize].service;
                    let delay = self.model.services[service].restart_delay;
                    self.kill_instance(instance, delay);
                }
                Some(*duration)
            }
            FaultAction::NodeDown {
                deployment,
                instance,
                duration,
            } => {
                self.node_fault(*deployment, &[*instance], "host_down", *duration);
                *duration
            }
            FaultAction::NodeKill {
                deployment,
                node,
                instance,
            } => {
                let victims: Vec<usize> = match instance {
                    Some(i) => vec![*i],
                    None => self.managed[*deployment]
                        .instances
                        .iter()
                        .enumerate()
                        .filter(|(_, i)| i.node == *node && !i.removed)
                        .map(|(i, _)| i)
                        .collect(),
                };
                self.node_fault(*deployment, &victims, "kill", None);
                None
            }
            FaultAction::Errors {
                service,
                rate,
                duration,
            } => {
                self.services[*service].extra_error_rate += rate;
                self.decide(
                    "fault",
                    self.model.services[*service].name.clone(),
                    json!({"fault": "errors", "rate": rate, "for_s": nanos_to_secs(*duration)}),
                );
                Some(*duration)
            }
            FaultAction::Latency {
                service,
                added,
                duration,
            } => {
                self.services[*service].extra_latency += added;
                self.decide(
                    "fault",
                    self.model.services[*service].name.clone(),
                    json!({"fault": "latency", "added_ms": *added as f64 / 1e6, "for_s": nanos_to_secs(*duration)}),
                );
                Some(*duration)
            }
            FaultAction::Partition {
                service,
                from,
                duration,
            } => {
                self.services[*service].partitions.push(*from);
                let from_name = from.map(|g| self.model.gateways[g].name.clone());
                self.decide(
                    "fault",
                    self.model.services[*service].name.clone(),
                    json!({"fault": "partition", "from": from_name, "for_s": nanos_to_secs(*duration)}),
                );
                Some(*duration)
            }
        };
        if let Some(duration) = end_after {
            self.queue.schedule_in(
                duration,
                Event::FaultEnd {
                    fault: fault as u32,
                },
            );
        }
    }

    pub(crate) fn on_fault_end(&mut self, fault: usize) {
        let Some(model) = self.model.faults.get(fault).cloned() else {
            return;
        };
        let target = match &model.action {
            FaultAction::Kill { .. } | FaultAction::NodeKill { .. } => return,
            FaultAction::NodeDown {
                deployment,
                instance,
                ..
            } => {
                self.node_fault_end(*deployment, *instance);
                self.model.managed[*deployment].plan.name.clone()
            }
            FaultAction::HostDown { host, .. } => {
                if let Some(up) = self.hosts_up.get_mut(host.saturating_sub(1) as usize) {
                    *up = true;
                }
                self.place_pending();
                format!("host {host}")
            }
            FaultAction::Errors { service, rate, .. } => {
                let s = &mut self.services[*service];
                s.extra_error_rate = (s.extra_error_rate - rate).max(0.0);
                self.model.services[*service].name.clone()
            }
            FaultAction::Latency { service, added, .. } => {
                let s = &mut self.services[*service];
                s.extra_latency = s.extra_latency.saturating_sub(*added);
                self.model.services[*service].name.clone()
            }
            FaultAction::Partition { service, from, .. } => {
                let partitions = &mut self.services[*service].partitions;
                if let Some(p) = partitions.iter().position(|p| p == from) {
                    partitions.remove(p);
                }
                self.model.services[*service].name.clone()
            }
        };
        self.decide("fault_end", target, json!({"fault": model.description}));
    }
}
