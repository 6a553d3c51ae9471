//! Cloudify into the runtime description: each `deploy: [{cloudify: PATH, as: NAME}]` step a
//! managed deployment. Every node template is a workload `NAME/node` (alias `node`) with a
//! router of the same name that balances over its started instances; the node instances are
//! planned as Cloudify plans them (reference/cloudify/POLICIES.md §5, dsl-parser `rel_graph`):
//! a node's count per container instance (`instances.deploy` ≤ 1_2,
//! `capabilities.scalable.properties.default_instances` 1_3+), multiplied by the scaling
//! groups that list it, and the `contained_in` tree repeating contained nodes under every
//! instance of their container. Ids are `<node>_<n>`, n from 1 in plan order. The groups'
//! monitoring policies become the deployment's controllers.

use crate::ir::cloudify::{Blueprint, Count, Member, NodeTemplate, PolicyKind};
use crate::ir::scenario::{MetricValue, Scenario, OPERATIONS};
use crate::ir::topology::{
    Balance, Deployed, Dialect, Lifecycle, ManagedDeployment, ManagedNode, ManagedRelationship,
    MonitoredService, MonitoringPlan, PlannedInstance, PolicyPlan, PolicyRule, Resources, Route,
    RouteTo, Router, RouterKind, ScalingGroupPlan, Stickiness, Topology, TriggerPlan, Workload,
    FULL_WEIGHT_BP,
};
use crate::ir::{Project, Spanned};
use crate::syntax::{Node, Value};
use std::collections::BTreeMap;

/// The only trigger type rehearse runs.
pub const EXECUTE_WORKFLOW: &str = "cloudify.policies.triggers.execute_workflow";
/// Monitoring interval when the collectors' config gives none (Diamond's default, 10 s).
pub const DEFAULT_INTERVAL_NS: u64 = 10_000_000_000;
/// The most node instances a deployment plans (S021's bound on instances): counts multiply
/// down the `contained_in` tree and through scaling groups, so a few modest counts can ask
/// for billions; the planner stops one past this bound and the scenario check reports it.
pub const MAX_PLANNED_INSTANCES: usize = 100_000;
/// What a monitored node sends for a service the scenario gives no value (the seed's
/// ExampleCollector publishes 42).
pub const DEFAULT_METRIC: f64 = 42.0;

/// Lowers the scenario's Cloudify deploy steps into `topology`.
pub fn lower(project: &Project, scenario: &Scenario, topology: &mut Topology) {
    for step in &scenario.deploy {
        let Some(deploy) = &step.cloudify else {
            continue;
        };
        let Some(blueprint) = deploy
            .blueprint
            .and_then(|i| project.cloudify.get(i).map(|b| (i, b)))
        else {
            topology.unread_blueprints.push(step.blueprint.clone());
            continue;
        };
        let inputs: BTreeMap<&str, &Node> = deploy
            .inputs
            .iter()
            .map(|(name, value)| (name.value.as_str(), value))
            .collect();
        let deployment = lower_deployment(
            &step.deployment.value,
            blueprint,
            &inputs,
            deploy.install,
            topology,
        );
        topology.deployments.push(Deployed {
            name: deployment.name.clone(),
            dialect: Dialect::Cloudify,
        });
        topology.managed.push(deployment);
    }
    apply_behaviors(scenario, topology);
}

fn lower_deployment(
    name: &str,
    (index, blueprint): (usize, &Blueprint),
    inputs: &BTreeMap<&str, &Node>,
    install: bool,
    topology: &mut Topology,
) -> ManagedDeployment {
    let input = |key: &str| -> Option<Node> {
        inputs
            .get(key)
            .map(|n| (*n).clone())
            .or_else(|| blueprint.inputs.get(key).and_then(|p| p.default.clone()))
    };
    let count = |c: &Count| -> i64 {
        match c {
            Count::Fixed(n) => *n,
            Count::Function(node) => evaluate_input(node, &input)
                .and_then(|n| n.as_i64().or_else(|| n.as_str()?.trim().parse().ok()))
                .unwrap_or(1),
        }
    };
    let mut nodes = Vec::new();
    for template in &blueprint.nodes {
        let full = format!("{name}/{}", template.name);
        let workload = topology.workloads.len();
        topology.workloads.push(Workload {
            name: Spanned::new(full.clone(), template.span),
            deployment: name.to_owned(),
            group: template.name.clone(),
            instances: 0,
            resources: Resources::default(),
            lifecycle: Lifecycle::Workflows,
            alias: Some(template.name.clone()),
        });
        let router = topology.routers.len();
        topology.routers.push(Router {
            name: full.clone(),
            span: template.span,
            kind: RouterKind::Balancer,
            sticky: Stickiness::None,
            routes: vec![Route {
                name: full,
                weight_bp: FULL_WEIGHT_BP,
                condition: None,
                condition_strength_bp: 0,
                balance: Balance::RoundRobin,
                target: RouteTo::Workload(workload),
            }],
        });
        nodes.push(ManagedNode {
            name: template.name.clone(),
            workload,
            router,
            is_host: template.is_host,
            contained_in: template.contained_in.map(|n| n.0),
            relationships: template
                .relationships
                .iter()
                .map(|r| ManagedRelationship {
                    target: r.target.0,
                    contained_in: r.is_a("cloudify.relationships.contained_in"),
                })
                .collect(),
            per_parent: count(&template.instances.default).clamp(0, 100_000) as u32,
            max_instances: template.instances.max.as_ref().map(&count),
            monitoring: monitoring(template),
            operations_ns: [0; 5],
        });
    }
    let scaling_groups: Vec<ScalingGroupPlan> = blueprint
        .scaling_policies
        .iter()
        .flat_map(|p| {
            p.targets.iter().map(|(g, _)| ScalingGroupPlan {
                name: blueprint
                    .groups
                    .get(g.0)
                    .map_or(String::new(), |g| g.name.clone()),
                members: member_nodes(blueprint, Member::Group(*g)),
                count: count(&p.instances.default).clamp(0, 100_000) as u32,
                max_instances: p.instances.max.as_ref().map(&count),
            })
        })
        .collect();
    let mut deployment = ManagedDeployment {
        name: name.to_owned(),
        blueprint: index,
        install,
        nodes,
        instances: Vec::new(),
        scaling_groups,
        policies: policies(blueprint),
        workflows: blueprint
            .workflows
            .values()
            .map(|w| {
                (
                    w.name.clone(),
                    w.parameters
                        .values()
                        .map(|p| (p.name.clone(), p.default.is_some() || !p.required))
                        .collect(),
                )
            })
            .collect(),
    };
    let per_parent: Vec<u32> = deployment.nodes.iter().map(|n| n.per_parent).collect();
    let group_counts: Vec<u32> = deployment.scaling_groups.iter().map(|g| g.count).collect();
    let mut planner = Planner::new(&deployment);
    let mut instances = Vec::new();
    for node in 0..deployment.nodes.len() {
        if deployment.nodes[node].contained_in.is_none() {
            planner.spawn(&mut instances, node, None, None, &per_parent, &group_counts);
        }
    }
    deployment.instances = instances;
    deployment
}

/// `{get_input: name}` (or a value that is no function).
fn evaluate_input(node: &Node, input: &dyn Fn(&str) -> Option<Node>) -> Option<Node> {
    match &node.value {
        Value::Map(map) => {
            let (key, arg) = map.iter().next()?;
            (map.len() == 1 && key.as_str() == Some("get_input"))
                .then(|| input(arg.as_str()?))
                .flatten()
        }
        _ => Some(node.clone()),
    }
}

/// The nodes of a group member, nested groups expanded (each once).
fn member_nodes(blueprint: &Blueprint, member: Member) -> Vec<usize> {
    let mut out = Vec::new();
    let mut stack = vec![member];
    let mut seen_groups = Vec::new();
    while let Some(m) = stack.pop() {
        match m {
            Member::Node(n) => {
                if !out.contains(&n.0) {
                    out.push(n.0);
                }
            }
            Member::Group(g) => {
                if seen_groups.contains(&g.0) {
                    continue;
                }
                seen_groups.push(g.0);
                if let Some(group) = blueprint.groups.get(g.0) {
                    stack.extend(group.members.iter().rev().map(|(m, _)| *m));
                }
            }
        }
    }
    out
}

/// Places node instances as Cloudify's planner does (see the module documentation); the
/// scale workflow uses it for the instances it adds.
#[derive(Clone, Debug)]
pub struct Planner {
    /// Next `n` of `<node>_<n>`, per node.
    pub next_id: Vec<u32>,
    /// Next serial per scaling group.
    pub next_serial: Vec<u32>,
    names: Vec<String>,
    children: Vec<Vec<usize>>,
    /// The scaling group that multiplies a node: one listing it whose members do not hold its
    /// container (else the container's instances already carry the group).
    group_of: Vec<Option<usize>>,
}

impl Planner {
    pub fn new(deployment: &ManagedDeployment) -> Planner {
        let nodes = &deployment.nodes;
        let mut children = vec![Vec::new(); nodes.len()];
        for (i, n) in nodes.iter().enumerate() {
            if let Some(c) = n.contained_in {
                if let Some(list) = children.get_mut(c) {
                    list.push(i);
                }
            }
        }
        let group_of = (0..nodes.len())
            .map(|n| {
                deployment.scaling_groups.iter().position(|g| {
                    g.members.contains(&n)
                        && !ancestors(nodes, n).iter().any(|a| g.members.contains(a))
                })
            })
            .collect();
        let mut next_id = vec![1; nodes.len()];
        for i in &deployment.instances {
            if let Some(next) = next_id.get_mut(i.node) {
                let n =
                    i.id.rsplit('_')
                        .next()
                        .and_then(|n| n.parse::<u32>().ok())
                        .unwrap_or(0);
                *next = (*next).max(n + 1);
            }
        }
        let mut next_serial = vec![1; deployment.scaling_groups.len()];
        for i in &deployment.instances {
            if let Some((g, serial)) = i.group {
                if let Some(next) = next_serial.get_mut(g) {
                    *next = (*next).max(serial + 1);
                }
            }
        }
        Planner {
            next_id,
            next_serial,
            names: nodes.iter().map(|n| n.name.clone()).collect(),
            children,
            group_of,
        }
    }

    /// The scaling group that multiplies `node`, if any.
    pub fn group_of(&self, node: usize) -> Option<usize> {
        self.group_of.get(node).copied().flatten()
    }

    /// Adds the instances of `node` under `parent` (and their contained instances): its
    /// per-parent count, times its scaling group's count when the group multiplies it.
    /// Returns the indices added, in plan order.
    pub fn spawn(
        &mut self,
        out: &mut Vec<PlannedInstance>,
        node: usize,
        parent: Option<usize>,
        inherited: Option<(usize, u32)>,
        per_parent: &[u32],
        group_counts: &[u32],
    ) -> Vec<usize> {
        let mut added = Vec::new();
        match self.group_of(node) {
            Some(g) => {
                for _ in 0..group_counts.get(g).copied().unwrap_or(1) {
                    if plan_is_full(out) {
                        break;
                    }
                    let serial = self.next_serial[g];
                    self.next_serial[g] += 1;
                    for _ in 0..per_parent.get(node).copied().unwrap_or(1) {
                        if plan_is_full(out) {
                            break;
                        }
                        added.extend(self.create(
                            out,
                            node,
                            parent,
                            Some((g, serial)),
                            per_parent,
                            group_counts,
                        ));
                    }
                }
            }
            None => {
                for _ in 0..per_parent.get(node).copied().unwrap_or(1) {
                    if plan_is_full(out) {
                        break;
                    }
                    added.extend(self.create(
                        out,
                        node,
                        parent,
                        inherited,
                        per_parent,
                        group_counts,
                    ));
                }
            }
        }
        added
    }

    /// One instance of `node` and everything contained in it.
    pub fn create(
        &mut self,
        out: &mut Vec<PlannedInstance>,
        node: usize,
        parent: Option<usize>,
        group: Option<(usize, u32)>,
        per_parent: &[u32],
        group_counts: &[u32],
    ) -> Vec<usize> {
        if plan_is_full(out) {
            return Vec::new();
        }
        let n = self.next_id[node];
        self.next_id[node] += 1;
        let index = out.len();
        out.push(PlannedInstance {
            id: format!("{}_{n}", self.names[node]),
            node,
            parent,
            group,
        });
        let mut added = vec![index];
        for child in self.children[node].clone() {
            added.extend(self.spawn(out, child, Some(index), group, per_parent, group_counts));
        }
        added
    }
}

/// Whether a plan holds more instances than [`MAX_PLANNED_INSTANCES`]: planning stops there,
/// so that an absurd count costs one instance more than the bound, not the count.
pub fn plan_is_full(out: &[PlannedInstance]) -> bool {
    out.len() > MAX_PLANNED_INSTANCES
}

/// The containers of a node, nearest first.
fn ancestors(nodes: &[ManagedNode], node: usize) -> Vec<usize> {
    let mut out = Vec::new();
    let mut current = nodes.get(node).and_then(|n| n.contained_in);
    while let Some(c) = current {
        if out.contains(&c) {
            break;
        }
        out.push(c);
        current = nodes.get(c).and_then(|n| n.contained_in);
    }
    out
}

/// Monitoring of a node: the collectors its `cloudify.interfaces.monitoring.start` configures
/// (Diamond's `collectors_config`), or a bare heartbeat when only the agent is set up.
fn monitoring(template: &NodeTemplate) -> Option<MonitoringPlan> {
    let has_op = |interface: &str, op: Option<&str>| {
        template.interfaces.get(interface).is_some_and(|ops| {
            ops.iter().any(|(name, o)| {
                op.is_none_or(|want| want == name) && !o.implementation.trim().is_empty()
            })
        })
    };
    if !has_op("cloudify.interfaces.monitoring", Some("start"))
        && !has_op("cloudify.interfaces.monitoring_agent", None)
    {
        return None;
    }
    let collectors = template
        .interfaces
        .get("cloudify.interfaces.monitoring")
        .and_then(|ops| ops.get("start"))
        .and_then(|op| op.inputs.as_ref())
        .and_then(Node::as_map)
        .and_then(|m| m.get("collectors_config"))
        .and_then(Node::as_map);
    let mut services = Vec::new();
    let mut interval_ns = None;
    for (name, config) in collectors.iter().flat_map(|m| m.iter()) {
        let Some(name) = name.key_text() else {
            continue;
        };
        services.push(MonitoredService {
            service: collector_service(&name),
            value: MetricValue::Constant(DEFAULT_METRIC),
        });
        let interval = config
            .as_map()
            .and_then(|c| c.get("config"))
            .and_then(Node::as_map)
            .and_then(|c| c.get("interval"))
            .and_then(Node::as_f64)
            .filter(|s| *s > 0.0 && *s < 1e6);
        if let (Some(seconds), None) = (interval, interval_ns) {
            interval_ns = Some((seconds * 1e9) as u64);
        }
    }
    Some(MonitoringPlan {
        services,
        interval_ns: interval_ns.unwrap_or(DEFAULT_INTERVAL_NS),
    })
}

/// The service name a Diamond collector publishes under (rehearse's table for the common
/// collectors; others: the collector's name without `Collector`, lower case).
pub fn collector_service(collector: &str) -> String {
    match collector {
        "ExampleCollector" => "example".to_owned(),
        "CPUCollector" => "cpu.total.user".to_owned(),
        "MemoryCollector" => "memory.MemFree".to_owned(),
        "LoadAverageCollector" => "loadavg.01".to_owned(),
        other => other.trim_end_matches("Collector").to_ascii_lowercase(),
    }
}

fn policies(blueprint: &Blueprint) -> Vec<PolicyPlan> {
    let mut out = Vec::new();
    for group in &blueprint.groups {
        let members: Vec<String> = group
            .members
            .iter()
            .filter_map(|(m, _)| match m {
                Member::Node(n) => blueprint.nodes.get(n.0).map(|n| n.name.clone()),
                Member::Group(_) => None,
            })
            .collect();
        for policy in &group.policies {
            let p = &policy.properties;
            let service_regex = || {
                p.get("service")
                    .and_then(Node::as_str)
                    .unwrap_or("service")
                    .to_owned()
            };
            let threshold = p.get("threshold").and_then(number).unwrap_or(0.0);
            let upper_bound = p.get("upper_bound").is_none_or(parse_boolean);
            let rule = match policy.kind {
                PolicyKind::HostFailure => PolicyRule::HostFailure {
                    services: match p.get("service") {
                        Some(n) => match n.as_seq() {
                            Some(items) => items.iter().filter_map(Node::scalar_text).collect(),
                            None => n.scalar_text().into_iter().collect(),
                        },
                        None => vec!["service".to_owned()],
                    },
                },
                PolicyKind::Threshold => PolicyRule::Threshold {
                    service: service_regex(),
                    threshold,
                    upper_bound,
                    stability_ns: (p
                        .get("stability_time")
                        .and_then(number)
                        .unwrap_or(0.0)
                        .max(0.0)
                        * 1e9) as u64,
                },
                PolicyKind::EwmaStabilized => PolicyRule::EwmaStabilized {
                    service: service_regex(),
                    threshold,
                    upper_bound,
                    r: p.get("ewma_timeless_r").and_then(number).unwrap_or(0.5),
                },
                PolicyKind::Custom => continue,
            };
            out.push(PolicyPlan {
                name: format!("{}.{}", group.name, policy.name),
                span: policy.span,
                rule,
                members: members.clone(),
                operates_on_group: p.get("policy_operates_on_group").is_some_and(parse_boolean),
                is_node_started_before_workflow: p
                    .get("is_node_started_before_workflow")
                    .is_none_or(|n| n.is_null() || parse_boolean(n)),
                interval_between_workflows_s: p
                    .get("interval_between_workflows")
                    .and_then(number)
                    .map_or(300, |s| s as i64),
                triggers: policy
                    .triggers
                    .iter()
                    .filter(|t| t.type_name == EXECUTE_WORKFLOW)
                    .map(|t| TriggerPlan {
                        name: t.name.clone(),
                        parameters: t
                            .parameters
                            .iter()
                            .map(|(k, v)| (k.clone(), v.clone()))
                            .collect(),
                    })
                    .collect(),
            });
        }
    }
    out
}

/// A number, or a string holding one (the Jinja2 rendering makes no difference).
fn number(node: &Node) -> Option<f64> {
    node.as_f64().or_else(|| node.as_str()?.trim().parse().ok())
}

/// Clojure's `parse-boolean` on a rendered property: `true` (any case) is true.
fn parse_boolean(node: &Node) -> bool {
    node.as_bool().unwrap_or_else(|| {
        node.scalar_text()
            .is_some_and(|t| t.trim().eq_ignore_ascii_case("true"))
    })
}

/// Operation durations, heartbeats and metric values from the scenario, on the nodes its
/// `behaviors` and `metrics` name (`NAME/node`, or `node` when unambiguous).
fn apply_behaviors(scenario: &Scenario, topology: &mut Topology) {
    for behavior in &scenario.behaviors {
        let Some((d, n)) = topology.managed_node(&behavior.service.value) else {
            continue;
        };
        let node = &mut topology.managed[d].nodes[n];
        for (op, ns) in &behavior.operations {
            if let Some(i) = OPERATIONS.iter().position(|o| o == op) {
                node.operations_ns[i] = *ns;
            }
        }
        if let (Some(ns), Some(m)) = (behavior.heartbeat_ns, node.monitoring.as_mut()) {
            m.interval_ns = ns;
        }
    }
    for metric in &scenario.metrics {
        let Some((d, n)) = topology.managed_node(&metric.node.value) else {
            continue;
        };
        let Some(m) = topology.managed[d].nodes[n].monitoring.as_mut() else {
            continue;
        };
        match m
            .services
            .iter_mut()
            .find(|s| s.service == metric.service.value)
        {
            Some(s) => s.value = metric.value.clone(),
            None => m.services.push(MonitoredService {
                service: metric.service.value.clone(),
                value: metric.value.clone(),
            }),
        }
    }
    // A monitored node with no collector and no metric still sends a heartbeat.
    for d in &mut topology.managed {
        for n in &mut d.nodes {
            if let Some(m) = n.monitoring.as_mut() {
                if m.services.is_empty() {
                    m.services.push(MonitoredService {
                        service: "heartbeat".to_owned(),
                        value: MetricValue::Constant(DEFAULT_METRIC),
                    });
                }
            }
        }
    }
}
