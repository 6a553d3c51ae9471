//! Programs: the built-in Vamp workflows (reference/vamp/CANARY.md), run on their schedules
//! against the world's metrics, publishing tagged events on the bus.

mod allocation;
mod autoscale;
mod canary;
mod health;
mod metrics;

use super::calendar::calendar_time;
use super::events::{carries_all, expand_tags, BusEvent};
use super::model::{ProgramKind, Schedule};
use super::world::{Event, World};
use serde_json::{json, Value};

/// A weight in basis points as a JSON percent: `95`, or `12.5` when not whole.
pub fn percent_json(bp: u32) -> Value {
    if bp % 100 == 0 {
        json!(bp / 100)
    } else {
        json!(f64::from(bp) / 100.0)
    }
}

/// JavaScript's `Math.round` (half up), which the Vamp scripts use.
pub fn js_round(x: f64) -> f64 {
    libm::floor(x + 0.5)
}

impl World<'_> {
    pub(crate) fn schedule_programs(&mut self) {
        for (index, program) in self.model.programs.iter().enumerate() {
            // (time, run): a calendar run carries its occurrence number, to find the next.
            let first = match &program.schedule {
                Schedule::Every { start, .. } => Some((*start, 0)),
                Schedule::Time { start, repeat, .. } => (repeat != &Some(0)).then_some((*start, 0)),
                Schedule::Event { .. } => None,
                Schedule::Calendar { first, .. } => {
                    calendar_time(&program.schedule, *first).map(|at| (at, *first))
                }
            };
            if let Some((at, run)) = first {
                self.queue.schedule_at(
                    at,
                    Event::ProgramRun {
                        program: index as u32,
                        run,
                    },
                );
            }
        }
    }

    pub(crate) fn on_program_run(&mut self, program: usize, run: u64) {
        let Some(model) = self.model.programs.get(program).cloned() else {
            return;
        };
        self.programs[program].runs += 1;
        self.programs[program].pending = false;
        let runs = self.programs[program].runs;
        let next = match model.schedule {
            Schedule::Every { period, .. } if period > 0 => Some(period),
            Schedule::Time { period, repeat, .. }
                if period > 0 && repeat.is_none_or(|r| runs < r) =>
            {
                Some(period)
            }
            _ => None,
        };
        if let Some(period) = next {
            self.queue.schedule_in(
                period,
                Event::ProgramRun {
                    program: program as u32,
                    run: 0,
                },
            );
        }
        if let Some(k) = run.checked_add(1) {
            match calendar_time(&model.schedule, k) {
                Some(at) if at > self.now() => self.queue.schedule_at(
                    at,
                    Event::ProgramRun {
                        program: program as u32,
                        run: k,
                    },
                ),
                _ => {}
            }
        }
        match &model.kind {
            ProgramKind::Canary {
                gateway,
                old_route,
                new_route,
                window_s,
            } => self.run_canary(&model.name, *gateway, *old_route, *new_route, *window_s),
            ProgramKind::Health { window_s } => self.run_health(program, *window_s),
            ProgramKind::Metrics { window_s } => self.run_metrics(*window_s),
            ProgramKind::AutoScaling {
                gateway,
                routes,
                services,
                min,
                max,
            } => self.run_autoscale(&model.name, *gateway, *routes, *services, *min, *max),
            ProgramKind::Allocation => self.run_allocation(),
        }
    }

    /// Publishes an event (tags expanded) and wakes the programs waiting for its tags.
    pub(crate) fn publish(&mut self, tags: &[String], value: Value, kind: &str) {
        let tags = expand_tags(tags);
        for (index, program) in self.model.programs.iter().enumerate() {
            if let Schedule::Event { tags: wanted } = &program.schedule {
                // One pending run at a time: an event storm at one instant runs it once.
                if carries_all(&tags, wanted) && !self.programs[index].pending {
                    self.programs[index].pending = true;
                    self.queue.schedule_in(
                        0,
                        Event::ProgramRun {
                            program: index as u32,
                            run: 0,
                        },
                    );
                }
            }
        }
        self.bus.publish(BusEvent {
            t: self.now(),
            tags,
            value,
            kind: kind.to_owned(),
        });
    }

    /// Sets a gateway's weights the way Vamp's gateway PUT does: accepted only when they sum
    /// to 100% (`GatewayRouteWeightError` otherwise). Returns whether they were applied.
    pub(crate) fn put_weights(&mut self, gateway: usize, weights_bp: Vec<u32>) -> bool {
        let sum: u64 = weights_bp.iter().map(|&w| u64::from(w)).sum();
        if sum != 10_000 || weights_bp.len() != self.gateways[gateway].weights_bp.len() {
            return false;
        }
        self.gateways[gateway].weights_bp = weights_bp;
        true
    }

    /// `{route name: percent}` of a gateway's current weights.
    pub fn weights_json(&self, gateway: usize) -> Value {
        let mut map = serde_json::Map::new();
        for (route, &bp) in self.model.gateways[gateway]
            .routes
            .iter()
            .zip(&self.gateways[gateway].weights_bp)
        {
            map.insert(route.name.clone(), percent_json(bp));
        }
        Value::Object(map)
    }
}
