//! The built-in workflows on the simulator's clock (reference/cloudify/POLICIES.md §4, §5):
//! install, uninstall, heal (uninstall then install of the failing instance's host subgraph)
//! and scale (add or remove instances of a node or scaling group, then install or uninstall
//! them). Each is planned at its start into timed steps — the operations in Cloudify's order,
//! instances in parallel where Cloudify runs them in parallel, each operation lasting what the
//! scenario's `operations` say — and the steps run one after the other on the event queue.
//!
//! Ordering (`lifecycle.py::_add_dependencies`): installing, an instance waits for the
//! instances its relationships target; uninstalling, a target waits for its sources.
//! Intact instances related to the reinstalled ones get only `unlink` / `establish`.

use super::super::engine::{nanos_to_secs, Nanos};
use super::super::trace::round_to;
use super::super::world::{Event, World};
use super::{ManagedState, NodeState};
use crate::ir::topology::{ManagedDeployment, PlannedInstance};
use crate::lower::cloudify::{plan_is_full, MAX_PLANNED_INSTANCES};
use serde_json::{json, Map, Value as Json};

const CREATE: usize = 0;
const CONFIGURE: usize = 1;
const START: usize = 2;
const STOP: usize = 3;
const DELETE: usize = 4;

/// What a workflow does, decided when it starts.
#[derive(Clone, Debug)]
pub enum Plan {
    Install(Vec<usize>),
    Uninstall(Vec<usize>),
    /// Uninstall then install of these (a host and what it contains).
    Reinstall(Vec<usize>),
    /// Instances added by a scale-out, to install.
    ScaleOut(Vec<usize>),
    /// Instances removed by a scale-in, to uninstall and remove.
    ScaleIn(Vec<usize>),
    /// Nothing to do (`delta: 0`).
    Nothing,
}

/// One operation of a running workflow.
#[derive(Clone, Debug)]
pub struct Step {
    pub at: Nanos,
    pub instance: usize,
    pub operation: &'static str,
    /// The relationship's target instance, for relationship operations.
    pub target: Option<usize>,
    /// The state the instance enters with this step.
    pub state: Option<NodeState>,
    /// A fresh instance is created (a reinstalled host is up again).
    pub fresh: bool,
    /// Scaled in: gone once deleted.
    pub remove: bool,
}

/// A workflow execution in progress.
#[derive(Clone, Debug)]
pub struct Execution {
    pub id: u32,
    pub workflow: String,
    pub parameters: Json,
    pub node_instances: Vec<String>,
    pub steps: Vec<Step>,
    pub next: usize,
    /// Set when a scale went past the entity's `max_instances` (not enforced, as Cloudify).
    pub beyond_max: Option<i64>,
}

impl World<'_> {
    /// Starts an execution: the start decision, then its first step (or its end when it has
    /// none). `beyond_max`: a scale past the entity's `max_instances`.
    pub(crate) fn start_workflow(
        &mut self,
        deployment: usize,
        workflow: &str,
        parameters: Json,
        plan: Plan,
        beyond_max: Option<i64>,
    ) {
        let now = self.now();
        let (steps, touched) = {
            let model = &self.model.managed[deployment].plan;
            let state = &self.managed[deployment];
            match &plan {
                Plan::Install(set) | Plan::ScaleOut(set) => {
                    (install_steps(model, state, set, now).0, set.clone())
                }
                Plan::Uninstall(set) => (
                    uninstall_steps(model, state, set, now, false).0,
                    set.clone(),
                ),
                Plan::ScaleIn(set) => {
                    (uninstall_steps(model, state, set, now, true).0, set.clone())
                }
                Plan::Reinstall(set) => {
                    let (mut steps, end) = uninstall_steps(model, state, set, now, false);
                    steps.extend(install_steps(model, state, set, end).0);
                    (steps, set.clone())
                }
                Plan::Nothing => (Vec::new(), Vec::new()),
            }
        };
        let state = &mut self.managed[deployment];
        state.executions += 1;
        let id = state.executions;
        let node_instances: Vec<String> = touched
            .iter()
            .map(|&i| state.instances[i].id.clone())
            .collect();
        let deployment_name = self.model.managed[deployment].plan.name.clone();
        self.decide(
            "workflow",
            workflow.to_owned(),
            json!({"phase": "start", "deployment": deployment_name, "parameters": parameters,
                   "node_instances": node_instances, "execution": id}),
        );
        let first = steps.first().map(|s| s.at);
        self.managed[deployment].running.push_back(Execution {
            id,
            workflow: workflow.to_owned(),
            parameters,
            node_instances,
            steps,
            next: 0,
            beyond_max,
        });
        match first {
            Some(at) => self.queue.schedule_at(
                at,
                Event::WorkflowStep {
                    deployment: deployment as u32,
                    execution: id,
                },
            ),
            None => self.finish_workflow(deployment, id),
        }
    }

    /// Runs the execution's steps due now, then waits for the next one or ends.
    pub(crate) fn on_workflow_step(&mut self, deployment: usize, execution: u32) {
        let now = self.now();
        loop {
            let Some(exec) = self.managed[deployment]
                .running
                .iter_mut()
                .find(|e| e.id == execution)
            else {
                return;
            };
            let Some(step) = exec.steps.get(exec.next).cloned() else {
                break;
            };
            if step.at > now {
                self.queue.schedule_at(
                    step.at,
                    Event::WorkflowStep {
                        deployment: deployment as u32,
                        execution,
                    },
                );
                return;
            }
            exec.next += 1;
            let workflow = exec.workflow.clone();
            self.apply_step(deployment, execution, &workflow, &step);
        }
        self.finish_workflow(deployment, execution);
    }

    fn apply_step(&mut self, deployment: usize, execution: u32, workflow: &str, step: &Step) {
        let state = &mut self.managed[deployment];
        let id = state.instances[step.instance].id.clone();
        let target = step.target.map(|t| state.instances[t].id.clone());
        let inst = &mut state.instances[step.instance];
        if step.fresh {
            inst.down = false;
        }
        let mut changed = false;
        if let Some(s) = step.state {
            changed = inst.state != s;
            inst.state = s;
        }
        if step.remove {
            inst.removed = true;
            changed = true;
        }
        if let Some(trace) = &mut self.trace {
            let mut line = json!({
                "type": "operation",
                "t_s": round_to(nanos_to_secs(step.at), 9),
                "deployment": self.model.managed[deployment].plan.name,
                "execution": execution,
                "workflow": workflow,
                "node_instance": id,
                "operation": step.operation,
            });
            if let Some(t) = target {
                line["target"] = json!(t);
            }
            if let Some(s) = step.state {
                line["state"] = json!(s.as_str());
            }
            trace.line(&line);
        }
        if changed {
            self.refresh_managed(deployment);
        }
    }

    fn finish_workflow(&mut self, deployment: usize, execution: u32) {
        let running = &mut self.managed[deployment].running;
        let Some(position) = running.iter().position(|e| e.id == execution) else {
            return;
        };
        let Some(exec) = running.remove(position) else {
            return;
        };
        let mut detail = json!({"phase": "end", "deployment": self.model.managed[deployment].plan.name,
            "parameters": exec.parameters, "node_instances": exec.node_instances, "execution": exec.id});
        if let Some(max) = exec.beyond_max {
            detail["beyond_max_instances"] = json!(max);
        }
        self.decide("workflow", exec.workflow, detail);
    }

    /// `auto_heal_reinstall_node_subgraph`: the failing instance's host and everything on it.
    pub(crate) fn plan_heal(
        &self,
        deployment: usize,
        given: &Map<String, Json>,
    ) -> Result<Plan, String> {
        let state = &self.managed[deployment];
        let id = given
            .get("node_instance_id")
            .and_then(Json::as_str)
            .ok_or("node_instance_id is not a node instance id")?;
        let failing = state
            .find(id)
            .ok_or_else(|| format!("Node instance {id} not found"))?;
        let nodes = &self.model.managed[deployment].plan.nodes;
        let mut host = Some(failing);
        while let Some(h) = host {
            if nodes[state.instances[h].node].is_host {
                break;
            }
            host = state.instances[h].parent;
        }
        let host = host.ok_or_else(|| {
            format!("node instance {id} is not contained in a compute host: heal fails (get_node_instance(None))")
        })?;
        Ok(Plan::Reinstall(state.subgraph(host)))
    }

    /// `scale_entity`: adds or removes instances of a scaling group or a node (its host with
    /// `scale_compute`), then plans their install or uninstall. The modification is made at
    /// once; min/max are not enforced (as Cloudify).
    pub(crate) fn plan_scale(
        &mut self,
        deployment: usize,
        given: &Map<String, Json>,
    ) -> Result<(Plan, Option<i64>), String> {
        let name = given
            .get("scalable_entity_name")
            .or_else(|| given.get("node_id"))
            .and_then(Json::as_str)
            .ok_or("scalable_entity_name is not set")?
            .to_owned();
        let delta = match given.get("delta") {
            None | Some(Json::Null) => 1,
            Some(Json::Number(n)) => n
                .as_i64()
                .ok_or(format!("The delta parameter must be a number. Got: {n}"))?,
            Some(Json::String(s)) => s
                .trim()
                .parse::<i64>()
                .map_err(|_| format!("The delta parameter must be a number. Got: {s}"))?,
            Some(other) => {
                return Err(format!(
                    "The delta parameter must be a number. Got: {other}"
                ))
            }
        };
        let scale_compute = given.get("scale_compute").is_some_and(|v| match v {
            Json::Bool(b) => *b,
            Json::String(s) => s.eq_ignore_ascii_case("true"),
            _ => false,
        });
        if delta == 0 {
            return Ok((Plan::Nothing, None));
        }
        let model = self.model.managed[deployment].plan.clone();
        let state = &mut self.managed[deployment];
        let (entity, curr, max) =
            if let Some(g) = model.scaling_groups.iter().position(|g| g.name == name) {
                (
                    Entity::Group(g),
                    state.group_counts[g],
                    model.scaling_groups[g].max_instances,
                )
            } else {
                let node = model
                    .nodes
                    .iter()
                    .position(|n| n.name == name)
                    .ok_or(format!("No scalable entity named {name} was found"))?;
                let mut scaled = node;
                if scale_compute && !model.nodes[node].is_host {
                    let mut current = model.nodes[node].contained_in;
                    while let Some(c) = current {
                        if model.nodes[c].is_host {
                            scaled = c;
                            break;
                        }
                        current = model.nodes[c].contained_in;
                    }
                }
                (
                    Entity::Node(scaled),
                    state.per_parent[scaled],
                    model.nodes[scaled].max_instances,
                )
            };
        let planned = i64::from(curr).saturating_add(delta);
        if planned < 0 {
            return Err(format!(
                "Provided delta: {delta} is illegal. current number of instances of entity {name} is {curr}"
            ));
        }
        // Bounded as the blueprint's planned counts are (S021): a trigger passing an absurd
        // `delta` fails the execution instead of planning without bound.
        if planned > MAX_PLANNED_INSTANCES as i64 {
            return Err(too_many(&name, delta));
        }
        let planned = planned as u32;
        let grow = planned.saturating_sub(curr);
        // Planning may still multiply past the bound (contained nodes, group members); the
        // counters are restored when it does, so a refused scale changes nothing.
        let saved = (
            state.planner.clone(),
            state.group_counts.clone(),
            state.per_parent.clone(),
        );
        let plan = match entity {
            Entity::Group(g) => {
                state.group_counts[g] = planned;
                if delta > 0 {
                    let roots: Vec<usize> = (0..model.nodes.len())
                        .filter(|&n| state.planner.group_of(n) == Some(g))
                        .collect();
                    let mut out = placeholders(state);
                    let mut added = Vec::new();
                    for _ in 0..grow {
                        if plan_is_full(&out) {
                            break;
                        }
                        let serial = state.planner.next_serial[g];
                        state.planner.next_serial[g] += 1;
                        for &m in &roots {
                            let parent = model.nodes[m]
                                .contained_in
                                .and_then(|c| first_live(state, c));
                            for _ in 0..state.per_parent[m] {
                                if plan_is_full(&out) {
                                    break;
                                }
                                added.extend(state.planner.create(
                                    &mut out,
                                    m,
                                    parent,
                                    Some((g, serial)),
                                    &state.per_parent,
                                    &state.group_counts,
                                ));
                            }
                        }
                    }
                    if plan_is_full(&out) {
                        (state.planner, state.group_counts, state.per_parent) = saved;
                        return Err(too_many(&name, delta));
                    }
                    Plan::ScaleOut(self.add_planned(deployment, out, added))
                } else {
                    let mut serials: Vec<u32> = state
                        .instances
                        .iter()
                        .filter(|i| !i.removed)
                        .filter_map(|i| i.group.filter(|(gg, _)| *gg == g).map(|(_, s)| s))
                        .collect();
                    serials.sort_unstable();
                    serials.dedup();
                    let gone: Vec<u32> = serials
                        .iter()
                        .rev()
                        .take(delta.unsigned_abs() as usize)
                        .copied()
                        .collect();
                    let removed = state
                        .instances
                        .iter()
                        .enumerate()
                        .filter(|(_, i)| {
                            !i.removed
                                && i.group.is_some_and(|(gg, s)| gg == g && gone.contains(&s))
                        })
                        .map(|(i, _)| i)
                        .collect();
                    Plan::ScaleIn(with_contained(state, removed))
                }
            }
            Entity::Node(x) => {
                state.per_parent[x] = planned;
                let slots: Vec<Slot> = match model.nodes[x].contained_in {
                    Some(c) => state
                        .instances
                        .iter()
                        .enumerate()
                        .filter(|(_, i)| i.node == c && !i.removed)
                        .map(|(i, inst)| (Some(i), inst.group))
                        .collect(),
                    None => vec![(None, None)],
                };
                if delta > 0 {
                    let mut out = placeholders(state);
                    let mut added = Vec::new();
                    for (parent, group) in slots {
                        for _ in 0..grow {
                            if plan_is_full(&out) {
                                break;
                            }
                            added.extend(state.planner.create(
                                &mut out,
                                x,
                                parent,
                                group,
                                &state.per_parent,
                                &state.group_counts,
                            ));
                        }
                    }
                    if plan_is_full(&out) {
                        (state.planner, state.group_counts, state.per_parent) = saved;
                        return Err(too_many(&name, delta));
                    }
                    Plan::ScaleOut(self.add_planned(deployment, out, added))
                } else {
                    let mut removed = Vec::new();
                    for (parent, _) in slots {
                        let mut live: Vec<usize> = state
                            .instances
                            .iter()
                            .enumerate()
                            .filter(|(_, i)| i.node == x && !i.removed && i.parent == parent)
                            .map(|(i, _)| i)
                            .collect();
                        // The newest go first.
                        live.reverse();
                        removed.extend(live.into_iter().take(delta.unsigned_abs() as usize));
                    }
                    removed.sort_unstable();
                    Plan::ScaleIn(with_contained(state, removed))
                }
            }
        };
        let beyond = max.filter(|m| *m >= 0 && i64::from(planned) > *m);
        Ok((plan, beyond))
    }

    /// Turns planned instances (after the placeholders) into node instances.
    fn add_planned(
        &mut self,
        deployment: usize,
        out: Vec<PlannedInstance>,
        added: Vec<usize>,
    ) -> Vec<usize> {
        let mut indices = Vec::new();
        for i in added {
            if let Some(p) = out.get(i) {
                indices.push(self.add_node_instance(deployment, p));
            }
        }
        indices
    }
}

/// Where a node's instances are placed: (container instance, scaling-group instance).
type Slot = (Option<usize>, Option<(usize, u32)>);

enum Entity {
    Group(usize),
    Node(usize),
}

/// The runtime instances as planned instances, so the planner numbers new ones after them.
/// Why a scale execution fails when its plan passes [`MAX_PLANNED_INSTANCES`].
fn too_many(name: &str, delta: i64) -> String {
    format!(
        "scaling {name} by {delta} plans more than {MAX_PLANNED_INSTANCES} node instances, \
         more than rehearse simulates (S021)"
    )
}

fn placeholders(state: &ManagedState) -> Vec<PlannedInstance> {
    state
        .instances
        .iter()
        .map(|i| PlannedInstance {
            id: i.id.clone(),
            node: i.node,
            parent: i.parent,
            group: i.group,
        })
        .collect()
}

fn first_live(state: &ManagedState, node: usize) -> Option<usize> {
    state
        .instances
        .iter()
        .position(|i| i.node == node && !i.removed)
}

/// The instances and everything they contain, in plan order, each once.
fn with_contained(state: &ManagedState, roots: Vec<usize>) -> Vec<usize> {
    let mut out: Vec<usize> = Vec::new();
    for r in roots {
        for i in state.subgraph(r) {
            if !out.contains(&i) {
                out.push(i);
            }
        }
    }
    out.sort_unstable();
    out
}

/// The instance-level relationships of `instance`, in declaration order: `contained_in` to its
/// container instance, others to every live instance of the target node (all-to-all).
fn relationships(model: &ManagedDeployment, state: &ManagedState, instance: usize) -> Vec<usize> {
    let inst = &state.instances[instance];
    let mut out = Vec::new();
    for r in &model.nodes[inst.node].relationships {
        if r.contained_in {
            out.extend(inst.parent);
        } else {
            out.extend(
                state
                    .instances
                    .iter()
                    .enumerate()
                    .filter(|(_, t)| t.node == r.target && !t.removed)
                    .map(|(t, _)| t),
            );
        }
    }
    out
}

/// Begin times in dependency order: an instance begins once every instance it waits for has
/// ended. Returns (instance, begin) in the order resolved (a valid order of the graph; plan
/// order among the ready ones).
fn schedule(
    set: &[usize],
    waits_for: &dyn Fn(usize) -> Vec<usize>,
    length: &dyn Fn(usize) -> Nanos,
    t0: Nanos,
) -> Vec<(usize, Nanos)> {
    let mut end: Vec<Option<Nanos>> = vec![None; set.len()];
    let mut order = Vec::new();
    let position = |i: usize| set.iter().position(|&s| s == i);
    while order.len() < set.len() {
        let mut progressed = false;
        for (k, &i) in set.iter().enumerate() {
            if end[k].is_some() {
                continue;
            }
            let deps: Vec<usize> = waits_for(i)
                .into_iter()
                .filter_map(position)
                .filter(|&d| d != k)
                .collect();
            if deps.iter().all(|&d| end[d].is_some()) {
                let begin = deps.iter().filter_map(|&d| end[d]).fold(t0, Nanos::max);
                end[k] = Some(begin.saturating_add(length(i)));
                order.push((i, begin));
                progressed = true;
            }
        }
        if !progressed {
            // A cycle (the checker reports it): the rest begin at once.
            for (k, &i) in set.iter().enumerate() {
                if end[k].is_none() {
                    end[k] = Some(t0.saturating_add(length(i)));
                    order.push((i, t0));
                }
            }
        }
    }
    order
}

/// `install_node_instance_subgraph` for each instance of `set` (§4.2), and `establish` on the
/// intact instances related to them. Returns the steps and when the last one ends.
fn install_steps(
    model: &ManagedDeployment,
    state: &ManagedState,
    set: &[usize],
    t0: Nanos,
) -> (Vec<Step>, Nanos) {
    let ops = |i: usize| model.nodes[state.instances[i].node].operations_ns;
    let rels = |i: usize| relationships(model, state, i);
    let length = |i: usize| {
        let o = ops(i);
        o[CREATE] + o[CONFIGURE] + o[START]
    };
    let order = schedule(set, &rels, &length, t0);
    let mut steps = Vec::new();
    let mut last = t0;
    let mut ends = Vec::new();
    for (i, begin) in order {
        let o = ops(i);
        let monitored = model.nodes[state.instances[i].node].monitoring.is_some();
        let step = |at, operation, target, state| Step {
            at,
            instance: i,
            operation,
            target,
            state,
            fresh: false,
            remove: false,
        };
        steps.push(Step {
            fresh: true,
            ..step(
                begin,
                "cloudify.interfaces.lifecycle.create",
                None,
                Some(NodeState::Creating),
            )
        });
        let configured = begin + o[CREATE];
        let targets = rels(i);
        for &t in &targets {
            steps.push(step(
                configured,
                "cloudify.interfaces.relationship_lifecycle.preconfigure",
                Some(t),
                None,
            ));
        }
        steps.push(step(
            configured,
            "cloudify.interfaces.lifecycle.configure",
            None,
            Some(NodeState::Configuring),
        ));
        let starting = configured + o[CONFIGURE];
        for &t in &targets {
            steps.push(step(
                starting,
                "cloudify.interfaces.relationship_lifecycle.postconfigure",
                Some(t),
                None,
            ));
        }
        steps.push(step(
            starting,
            "cloudify.interfaces.lifecycle.start",
            None,
            Some(NodeState::Starting),
        ));
        let started = starting + o[START];
        if monitored {
            steps.push(step(
                started,
                "cloudify.interfaces.monitoring.start",
                None,
                None,
            ));
        }
        for &t in &targets {
            steps.push(step(
                started,
                "cloudify.interfaces.relationship_lifecycle.establish",
                Some(t),
                None,
            ));
        }
        steps.push(step(started, "started", None, Some(NodeState::Started)));
        last = last.max(started);
        ends.push((i, started));
    }
    // Intact sources of relationships to reinstalled targets: `establish` once the target is up.
    for (k, inst) in state.instances.iter().enumerate() {
        if inst.removed || set.contains(&k) {
            continue;
        }
        for t in relationships(model, state, k) {
            if let Some(&(_, at)) = ends.iter().find(|(e, _)| *e == t) {
                steps.push(Step {
                    at,
                    instance: k,
                    operation: "cloudify.interfaces.relationship_lifecycle.establish",
                    target: Some(t),
                    state: None,
                    fresh: false,
                    remove: false,
                });
            }
        }
    }
    steps.sort_by_key(|s| s.at); // stable: the order within an instant is the graph's
    (steps, last)
}

/// `uninstall_node_instance_subgraph` for each instance of `set` (§4.1), dependents before
/// their targets, and `unlink` on the intact instances related to them first.
fn uninstall_steps(
    model: &ManagedDeployment,
    state: &ManagedState,
    set: &[usize],
    t0: Nanos,
    remove: bool,
) -> (Vec<Step>, Nanos) {
    let ops = |i: usize| model.nodes[state.instances[i].node].operations_ns;
    // A target waits for the instances of the set that relate to it.
    let sources = |t: usize| -> Vec<usize> {
        set.iter()
            .copied()
            .filter(|&s| s != t && relationships(model, state, s).contains(&t))
            .collect()
    };
    let length = |i: usize| {
        let o = ops(i);
        o[STOP] + o[DELETE]
    };
    let mut steps = Vec::new();
    for (k, inst) in state.instances.iter().enumerate() {
        if inst.removed || set.contains(&k) {
            continue;
        }
        for t in relationships(model, state, k) {
            if set.contains(&t) {
                steps.push(Step {
                    at: t0,
                    instance: k,
                    operation: "cloudify.interfaces.relationship_lifecycle.unlink",
                    target: Some(t),
                    state: None,
                    fresh: false,
                    remove: false,
                });
            }
        }
    }
    let order = schedule(set, &sources, &length, t0);
    let mut last = t0;
    for (i, begin) in order {
        let o = ops(i);
        let monitored = model.nodes[state.instances[i].node].monitoring.is_some();
        let step = |at, operation, target, state| Step {
            at,
            instance: i,
            operation,
            target,
            state,
            fresh: false,
            remove: false,
        };
        steps.push(step(begin, "stopping", None, Some(NodeState::Stopping)));
        if monitored {
            steps.push(step(
                begin,
                "cloudify.interfaces.monitoring.stop",
                None,
                None,
            ));
        }
        steps.push(step(
            begin,
            "cloudify.interfaces.lifecycle.stop",
            None,
            None,
        ));
        let stopped = begin + o[STOP];
        // Grouped by target, groups in reverse declaration order.
        let mut targets = relationships(model, state, i);
        targets.reverse();
        for t in targets {
            steps.push(step(
                stopped,
                "cloudify.interfaces.relationship_lifecycle.unlink",
                Some(t),
                None,
            ));
        }
        steps.push(step(
            stopped,
            "cloudify.interfaces.lifecycle.delete",
            None,
            Some(NodeState::Deleting),
        ));
        let deleted = stopped + o[DELETE];
        steps.push(Step {
            remove,
            ..step(deleted, "deleted", None, Some(NodeState::Deleted))
        });
        last = last.max(deleted);
    }
    steps.sort_by_key(|s| s.at);
    (steps, last)
}
