//! Monitoring events and the policy engine of a Cloudify deployment
//! (reference/cloudify/POLICIES.md §1–§3): every started, monitored instance publishes one
//! event per service every interval; each event is indexed (ttl 60 s) and fed to the policies
//! of the groups whose members include its node; the reaper (every 5 s) re-injects expired
//! events. A policy's triggering events pass the restraints, in order, then each trigger
//! executes its workflow with parameters taken from the event.

use super::super::engine::{Nanos, NANOS_PER_SEC};
use super::super::policies::{
    breached, EwmaTimeless, MonitoringEvent, Restraint, Restraints, Stable, DEFAULT_TTL, REAP_EVERY,
};
use super::super::world::{Event, World};
use super::workflows::Plan;
use super::Observations;
use crate::ir::scenario::{MetricValue, Observed};
use crate::ir::topology::PolicyRule;
use crate::syntax::{Node, Value};
use serde_json::{json, Map, Value as Json};

/// The state machine of one policy copy (per node instance, or per group).
#[derive(Clone, Debug)]
pub enum PolicyState {
    Stable(Stable<MonitoringEvent>),
    Ewma(EwmaTimeless),
}

/// Diagnoses the built-in policies put on their triggering events (`config_constants.py`).
const HEART_BEAT_FAILURE: &str = "heart-beat-failure";
const THRESHOLD_FAILURE: &str = "threshold-breached";
const EWMA_FAILURE: &str = "ewma-threshold-breached";

/// A triggering event: the event as the policy passes it on, and its diagnosis.
struct Triggering {
    event: MonitoringEvent,
    diagnose: &'static str,
}

impl World<'_> {
    /// One collection of an instance's collectors, then the next one an interval later.
    pub(crate) fn on_heartbeat(&mut self, deployment: usize, instance: usize, generation: u32) {
        let Some(inst) = self.managed[deployment].instances.get(instance) else {
            return;
        };
        if inst.monitor_generation != generation || !inst.monitoring {
            return;
        }
        let node = inst.node;
        let node_id = inst.id.clone();
        let sim = inst.sim as usize;
        let Some(monitoring) = self.model.managed[deployment].plan.nodes[node]
            .monitoring
            .clone()
        else {
            return;
        };
        let now = self.now();
        let observed = self.instances[sim]
            .observed
            .as_mut()
            .map(|o| std::mem::take(&mut **o));
        let concurrency = self.model.services[self.instances[sim].service]
            .concurrency
            .max(1);
        let node_name = self.model.managed[deployment].plan.nodes[node].name.clone();
        for service in &monitoring.services {
            let metric = metric_value(
                &service.value,
                now,
                observed.as_ref(),
                monitoring.interval_ns,
                concurrency,
            );
            let event = MonitoringEvent {
                node_id: node_id.clone(),
                node_name: node_name.clone(),
                service: service.service.clone(),
                metric: Some(metric),
                time: now,
                ttl: DEFAULT_TTL,
                expired: false,
            };
            self.managed[deployment].index.index(event.clone());
            self.policy_event(deployment, &event);
        }
        self.queue.schedule_in(
            monitoring.interval_ns.max(1),
            Event::Heartbeat {
                deployment: deployment as u32,
                instance: instance as u32,
                generation,
            },
        );
    }

    /// The reaper: expired events go through the policies again, as expired.
    pub(crate) fn on_reap(&mut self, deployment: usize) {
        let now = self.now();
        let expired = self.managed[deployment].index.reap(now);
        for event in &expired {
            self.policy_event(deployment, event);
        }
        self.queue.schedule_in(
            REAP_EVERY,
            Event::Reap {
                deployment: deployment as u32,
            },
        );
    }

    /// Feeds an event to every policy whose group has its node as a member.
    fn policy_event(&mut self, deployment: usize, event: &MonitoringEvent) {
        let policies = self.model.managed[deployment].plan.policies.len();
        for p in 0..policies {
            let plan = &self.model.managed[deployment].plan.policies[p];
            if !plan.members.contains(&event.node_name) {
                continue;
            }
            let matches = self.model.managed[deployment].patterns[p]
                .iter()
                .any(|re| re.is_match(&event.service));
            if !matches {
                continue;
            }
            let key = (
                p,
                if plan.operates_on_group {
                    String::new()
                } else {
                    event.node_id.clone()
                },
            );
            let rule = plan.rule.clone();
            let triggering: Vec<Triggering> = match rule {
                PolicyRule::HostFailure { .. } => {
                    if event.expired {
                        vec![Triggering {
                            event: event.clone(),
                            diagnose: HEART_BEAT_FAILURE,
                        }]
                    } else {
                        Vec::new()
                    }
                }
                PolicyRule::Threshold {
                    threshold,
                    upper_bound,
                    stability_ns,
                    ..
                } => {
                    let Some(metric) = event.metric.filter(|_| !event.expired) else {
                        continue;
                    };
                    let breach = breached(metric, threshold, upper_bound);
                    let state = self.managed[deployment]
                        .policy_states
                        .entry(key)
                        .or_insert_with(|| PolicyState::Stable(Stable::new(stability_ns)));
                    let PolicyState::Stable(stable) = state else {
                        continue;
                    };
                    let passed = stable.push(event.time, breach, event.clone());
                    if breach {
                        passed
                            .into_iter()
                            .map(|event| Triggering {
                                event,
                                diagnose: THRESHOLD_FAILURE,
                            })
                            .collect()
                    } else {
                        Vec::new() // `stable_state`: indexed only
                    }
                }
                PolicyRule::EwmaStabilized {
                    threshold,
                    upper_bound,
                    r,
                    ..
                } => {
                    let Some(metric) = event.metric.filter(|_| !event.expired) else {
                        continue;
                    };
                    let state = self.managed[deployment]
                        .policy_states
                        .entry(key)
                        .or_insert_with(|| PolicyState::Ewma(EwmaTimeless::new(r)));
                    let PolicyState::Ewma(ewma) = state else {
                        continue;
                    };
                    let m = ewma.push(metric);
                    if breached(m, threshold, upper_bound) {
                        vec![Triggering {
                            event: MonitoringEvent {
                                metric: Some(m),
                                ..event.clone()
                            },
                            diagnose: EWMA_FAILURE,
                        }]
                    } else {
                        Vec::new()
                    }
                }
            };
            for t in triggering {
                self.trigger(deployment, p, t);
            }
        }
    }

    /// A triggering event: the decision, the restraints, then the triggers.
    fn trigger(&mut self, deployment: usize, policy: usize, t: Triggering) {
        let plan = &self.model.managed[deployment].plan.policies[policy];
        let name = plan.name.clone();
        let restraints = Restraints {
            is_node_started_before_workflow: plan.is_node_started_before_workflow,
            interval_between_workflows_s: plan.interval_between_workflows_s,
        };
        let triggers = plan.triggers.clone();
        let node_id = t.event.node_id.clone();
        self.decide(
            "policy",
            name.clone(),
            json!({"node_instance": node_id, "diagnose": t.diagnose, "metric": t.event.metric}),
        );
        // GET /node-instances/<id>: 404 (removed) counts as not started.
        let started = self.managed[deployment].find(&node_id).is_some_and(|i| {
            self.managed[deployment].instances[i].state == super::NodeState::Started
        });
        let now = self.now();
        if let Err(r) = self.managed[deployment]
            .timetable
            .check(restraints, &node_id, started, now)
        {
            let restraint = match r {
                Restraint::NotStarted => "not_started",
                Restraint::Interval => "interval_between_workflows",
            };
            self.decide(
                "restrained",
                name,
                json!({"node_instance": node_id, "restraint": restraint}),
            );
            return;
        }
        let event = event_json(
            &t.event,
            t.diagnose,
            &self.model.managed[deployment].plan.name,
        );
        for trigger in &triggers {
            let parameters: Map<String, Json> = trigger
                .parameters
                .iter()
                .map(|(k, v)| (k.clone(), parse_params(v, &event)))
                .collect();
            self.execute_workflow(deployment, &name, &node_id, &parameters);
        }
    }

    /// `execute_workflow.clj`: POST /executions with the trigger's parameters. The manager
    /// refuses a second execution of the deployment while one runs (without `force`).
    fn execute_workflow(
        &mut self,
        deployment: usize,
        policy: &str,
        node_id: &str,
        parameters: &Map<String, Json>,
    ) {
        let workflow = parameters
            .get("workflow")
            .and_then(Json::as_str)
            .unwrap_or_default()
            .to_owned();
        let force = parameters.get("force").is_some_and(truthy);
        let allow_custom = parameters
            .get("allow_custom_parameters")
            .is_some_and(truthy);
        let given = parameters
            .get("workflow_parameters")
            .and_then(Json::as_object)
            .cloned()
            .unwrap_or_default();
        let plan = &self.model.managed[deployment].plan;
        let dep_name = plan.name.clone();
        if !self.managed[deployment].running.is_empty() && !force {
            self.decide(
                "restrained",
                policy.to_owned(),
                json!({"node_instance": node_id, "restraint": "execution_running", "workflow": workflow}),
            );
            return;
        }
        let failed = |reason: String| json!({"phase": "failed", "deployment": dep_name, "parameters": given, "node_instances": [], "error": reason});
        let Some((_, declared)) = plan.workflows.iter().find(|(w, _)| *w == workflow) else {
            let detail = failed(format!("workflow '{workflow}' is not defined"));
            self.decide("workflow", workflow, detail);
            return;
        };
        if !allow_custom {
            if let Some(unknown) = given
                .keys()
                .find(|k| !declared.iter().any(|(p, _)| p == *k))
            {
                let detail = failed(format!(
                    "workflow '{workflow}' has no parameter '{unknown}'"
                ));
                self.decide("workflow", workflow, detail);
                return;
            }
        }
        if let Some((missing, _)) = declared
            .iter()
            .find(|(p, optional)| !optional && given.get(p).is_none_or(Json::is_null))
        {
            let detail = failed(format!("missing mandatory parameter '{missing}'"));
            self.decide("workflow", workflow, detail);
            return;
        }
        let planned = match workflow.as_str() {
            "heal" => self.plan_heal(deployment, &given).map(|p| (p, None)),
            "scale" => self.plan_scale(deployment, &given),
            "install" => Ok((Plan::Install(self.live(deployment)), None)),
            "uninstall" => Ok((Plan::Uninstall(self.live(deployment)), None)),
            _ => Err("not simulated by rehearse".to_owned()),
        };
        match planned {
            Ok((plan, beyond_max)) => {
                self.start_workflow(deployment, &workflow, Json::Object(given), plan, beyond_max)
            }
            Err(reason) => {
                let detail = failed(reason);
                self.decide("workflow", workflow, detail);
            }
        }
    }

    /// The live node instances, in plan order.
    pub(crate) fn live(&self, deployment: usize) -> Vec<usize> {
        self.managed[deployment]
            .instances
            .iter()
            .enumerate()
            .filter(|(_, i)| !i.removed)
            .map(|(i, _)| i)
            .collect()
    }
}

/// The metric a collector reports now.
fn metric_value(
    value: &MetricValue,
    now: Nanos,
    observed: Option<&Observations>,
    interval: Nanos,
    concurrency: u32,
) -> f64 {
    match value {
        MetricValue::Constant(x) => *x,
        MetricValue::Steps(steps) => steps
            .iter()
            .take_while(|(at, _)| *at <= now)
            .last()
            .or(steps.first())
            .map_or(0.0, |(_, v)| *v),
        MetricValue::From(what) => {
            let Some(o) = observed else { return 0.0 };
            match what {
                Observed::Utilization => {
                    let capacity = interval as f64 * f64::from(concurrency);
                    if capacity <= 0.0 {
                        0.0
                    } else {
                        (o.busy_ns as f64 / capacity * 100.0).min(100.0)
                    }
                }
                Observed::ErrorRate => {
                    if o.completed == 0 {
                        0.0
                    } else {
                        o.errors as f64 / o.completed as f64 * 100.0
                    }
                }
                Observed::LatencyP99 => {
                    let mut l = o.latencies_ns.clone();
                    if l.is_empty() {
                        return 0.0;
                    }
                    l.sort_unstable();
                    // Nearest rank.
                    let rank = ((l.len() as f64) * 0.99).ceil() as usize;
                    l[rank.clamp(1, l.len()) - 1] as f64 / 1e6
                }
            }
        }
    }
}

/// The event as Riemann holds it, for `get_property: [SELF, field]`.
fn event_json(event: &MonitoringEvent, diagnose: &str, deployment: &str) -> Map<String, Json> {
    let mut m = Map::new();
    m.insert("node_id".into(), json!(event.node_id));
    m.insert("node_name".into(), json!(event.node_name));
    m.insert("service".into(), json!(event.service));
    m.insert("metric".into(), json!(event.metric));
    m.insert("time".into(), json!(event.time / NANOS_PER_SEC));
    m.insert("ttl".into(), json!(event.ttl / NANOS_PER_SEC));
    m.insert("state".into(), json!("triggering_state"));
    m.insert("diagnose".into(), json!(diagnose));
    m.insert("deployment_id".into(), json!(deployment));
    m
}

/// `manager.config::parse-params`: a map that is exactly `{get_property: [SELF, field]}`
/// becomes the event's field (null when it has none); everything else is copied.
fn parse_params(node: &Node, event: &Map<String, Json>) -> Json {
    match &node.value {
        Value::Map(map) => {
            if let [(key, args)] = map.entries.as_slice() {
                if key.as_str() == Some("get_property") {
                    if let Some([this, field]) = args.as_seq() {
                        if this.as_str() == Some("SELF") {
                            return field
                                .as_str()
                                .and_then(|f| event.get(f).cloned())
                                .unwrap_or(Json::Null);
                        }
                    }
                }
            }
            Json::Object(
                map.iter()
                    .filter_map(|(k, v)| Some((k.scalar_text()?, parse_params(v, event))))
                    .collect(),
            )
        }
        Value::Seq(items) => Json::Array(items.iter().map(|i| parse_params(i, event)).collect()),
        Value::Null => Json::Null,
        Value::Bool(b) => json!(b),
        Value::Int(i) => json!(i),
        Value::Float(f, _) => json!(f),
        _ => node.scalar_text().map_or(Json::Null, Json::String),
    }
}

/// A boolean parameter, as the REST service reads it.
fn truthy(value: &Json) -> bool {
    match value {
        Json::Bool(b) => *b,
        Json::String(s) => s.eq_ignore_ascii_case("true"),
        _ => false,
    }
}
