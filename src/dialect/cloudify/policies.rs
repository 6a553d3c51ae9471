//! Policy types, policy triggers, groups with their monitoring policies, and top-level
//! scaling policies (SPEC.md §2; codes 40–42, 200–211).

use super::functions::is_function;
use super::schema::{Ctx, ALL_VERSIONS};
use super::types::{check_schema, merge_properties, read_schema, DataTypes, Owner};
use crate::diag::codes::c;
use crate::ir::cloudify::{
    Count, Group, GroupId, GroupPolicy, Instances, Member, NodeTemplate, PolicyKind, PolicyTrigger,
    PolicyType, ScalingPolicy, Trigger,
};
use crate::source::Span;
use crate::syntax::{Node, Value};
use indexmap::IndexMap;
use std::collections::BTreeSet;

pub const SCALING: &str = "cloudify.policies.scaling";

/// `policy_types` and `policy_triggers` share a shape: a schema and a required source.
fn read_definitions(
    ctx: &mut Ctx,
    node: Option<&Node>,
    schema_key: &'static str,
    data_types: &DataTypes,
) -> Vec<(
    String,
    Span,
    IndexMap<String, crate::ir::cloudify::Parameter>,
    String,
)> {
    let mut out = Vec::new();
    for (name, key, fields) in ctx.definitions(
        node,
        &[("source", ALL_VERSIONS), (schema_key, ALL_VERSIONS)],
    ) {
        let source = ctx
            .required(fields, "source", key.span)
            .and_then(|n| ctx.str(n))
            .map(str::to_string);
        let schema = fields
            .get(schema_key)
            .map(|n| read_schema(ctx, n))
            .unwrap_or_default();
        check_schema(ctx, &schema, data_types, name);
        out.push((
            name.to_string(),
            key.span,
            schema,
            source.unwrap_or_default(),
        ));
    }
    out
}

pub fn read_policy_types(
    ctx: &mut Ctx,
    node: Option<&Node>,
    data_types: &DataTypes,
) -> IndexMap<String, PolicyType> {
    read_definitions(ctx, node, "properties", data_types)
        .into_iter()
        .map(|(name, span, properties, source)| {
            (
                name.clone(),
                PolicyType {
                    name,
                    span,
                    properties,
                    source,
                },
            )
        })
        .collect()
}

pub fn read_policy_triggers(
    ctx: &mut Ctx,
    node: Option<&Node>,
    data_types: &DataTypes,
) -> IndexMap<String, PolicyTrigger> {
    read_definitions(ctx, node, "parameters", data_types)
        .into_iter()
        .map(|(name, span, parameters, source)| {
            (
                name.clone(),
                PolicyTrigger {
                    name,
                    span,
                    parameters,
                    source,
                },
            )
        })
        .collect()
}

pub fn read_groups(
    ctx: &mut Ctx,
    node: Option<&Node>,
    nodes: &[NodeTemplate],
    policy_types: &IndexMap<String, PolicyType>,
    policy_triggers: &IndexMap<String, PolicyTrigger>,
    data_types: &DataTypes,
) -> Vec<Group> {
    let Some(map) = node.and_then(|n| ctx.map(n)) else {
        return Vec::new();
    };
    let entries = ctx.entries(map);
    let group_names: Vec<&str> = entries.iter().map(|(n, _, _)| *n).collect();
    let mut groups = Vec::new();
    // Members by name, resolved once all groups are known.
    let mut written_members: Vec<Vec<(String, Span)>> = Vec::new();
    for (name, key, value) in &entries {
        if nodes.iter().any(|n| n.name == *name) {
            ctx.error(
                &c::C211,
                key.span,
                format!("Both a group and a node template are named '{name}'"),
            );
        }
        let Some(fields) = ctx.map(value) else {
            continue;
        };
        ctx.check_keys(
            fields,
            &[("members", ALL_VERSIONS), ("policies", ALL_VERSIONS)],
        );
        let mut members = Vec::new();
        if let Some(list) = ctx
            .required(fields, "members", key.span)
            .and_then(|n| ctx.seq(n).map(|s| (s, n.span)))
        {
            let (items, list_span) = list;
            if items.is_empty() {
                ctx.error(
                    &c::C122,
                    list_span,
                    "At least one member should be specified",
                );
            }
            for item in items {
                let Some(member) = ctx.str(item) else {
                    if item.is_null() {
                        ctx.wrong_type(item, "string");
                    }
                    continue;
                };
                let known = nodes.iter().any(|n| n.name == member) || group_names.contains(&member);
                if !known {
                    ctx.error(
                        &c::C040,
                        item.span,
                        format!(
                            "Member '{member}' of group '{name}' does not match any defined node"
                        ),
                    );
                    continue;
                }
                if !members.iter().any(|(m, _)| m == member) {
                    members.push((member.to_string(), item.span));
                }
            }
        }
        let policies = fields
            .get("policies")
            .and_then(|n| ctx.map(n))
            .map(|p| read_group_policies(ctx, name, p, policy_types, policy_triggers, data_types))
            .unwrap_or_default();
        groups.push(Group {
            name: name.to_string(),
            span: key.span,
            members: Vec::new(),
            policies,
        });
        written_members.push(members);
    }
    let names: Vec<String> = groups.iter().map(|g| g.name.clone()).collect();
    for (group, members) in groups.iter_mut().zip(written_members) {
        group.members = members
            .into_iter()
            .filter_map(|(m, span)| {
                let member = match nodes.iter().position(|n| n.name == m) {
                    Some(i) => Member::Node(crate::ir::cloudify::NodeId(i)),
                    None => Member::Group(GroupId(names.iter().position(|g| *g == m)?)),
                };
                Some((member, span))
            })
            .collect();
    }
    groups
}

fn read_group_policies(
    ctx: &mut Ctx,
    group: &str,
    map: &crate::syntax::Mapping,
    policy_types: &IndexMap<String, PolicyType>,
    policy_triggers: &IndexMap<String, PolicyTrigger>,
    data_types: &DataTypes,
) -> Vec<GroupPolicy> {
    let mut out = Vec::new();
    for (name, key, value) in ctx.entries(map) {
        let Some(fields) = ctx.map(value) else {
            continue;
        };
        ctx.check_keys(
            fields,
            &[
                ("type", ALL_VERSIONS),
                ("properties", ALL_VERSIONS),
                ("triggers", ALL_VERSIONS),
            ],
        );
        let type_node = ctx.required(fields, "type", key.span);
        let type_name = type_node.and_then(|n| ctx.str(n).map(|s| (s.to_string(), n.span)));
        let values = fields.get("properties").and_then(|n| ctx.map(n));
        let triggers_map = fields.get("triggers").and_then(|n| ctx.map(n));
        // An unknown policy type hides nothing else: its triggers are still checked.
        let policy_type = type_name.as_ref().and_then(|(type_name, type_span)| {
            let found = policy_types.get(type_name);
            if found.is_none() {
                ctx.error(
                    &c::C041,
                    *type_span,
                    format!(
                        "Policy '{name}' of group '{group}' references a non existent policy type '{type_name}'"
                    ),
                );
            }
            found
        });
        let owner = Owner::GroupPolicy {
            group: group.to_string(),
            policy: name.to_string(),
        };
        let properties = policy_type.map(|policy_type| {
            merge_properties(
                ctx,
                &policy_type.properties,
                values,
                data_types,
                &owner,
                key.span,
            )
        });
        let mut triggers = Vec::new();
        if let Some(triggers_map) = triggers_map {
            for (trigger_name, trigger_key, trigger_value) in ctx.entries(triggers_map) {
                let Some(trigger_fields) = ctx.map(trigger_value) else {
                    continue;
                };
                ctx.check_keys(
                    trigger_fields,
                    &[("type", ALL_VERSIONS), ("parameters", ALL_VERSIONS)],
                );
                let trigger_type = ctx
                    .required(trigger_fields, "type", trigger_key.span)
                    .and_then(|n| ctx.str(n).map(|s| (s.to_string(), n.span)));
                let parameter_values = trigger_fields.get("parameters").and_then(|n| ctx.map(n));
                let Some((trigger_type, trigger_type_span)) = trigger_type else {
                    continue;
                };
                let Some(definition) = policy_triggers.get(&trigger_type) else {
                    ctx.error(
                        &c::C042,
                        trigger_type_span,
                        format!(
                            "Trigger '{trigger_name}' of policy '{name}' of group '{group}' references a non existent 'policy trigger '{trigger_type}'"
                        ),
                    );
                    continue;
                };
                let trigger_owner = Owner::Trigger {
                    group: group.to_string(),
                    policy: name.to_string(),
                    trigger: trigger_name.to_string(),
                };
                let parameters = merge_properties(
                    ctx,
                    &definition.parameters,
                    parameter_values,
                    data_types,
                    &trigger_owner,
                    trigger_key.span,
                );
                triggers.push(Trigger {
                    name: trigger_name.to_string(),
                    span: trigger_key.span,
                    type_name: trigger_type,
                    parameters,
                });
            }
        }
        let (Some((type_name, _)), Some(properties)) = (type_name, properties) else {
            continue;
        };
        out.push(GroupPolicy {
            name: name.to_string(),
            span: key.span,
            kind: PolicyKind::of(&type_name),
            type_name,
            properties,
            triggers,
        });
    }
    out
}

pub fn read_scaling_policies(
    ctx: &mut Ctx,
    node: Option<&Node>,
    groups: &[Group],
) -> Vec<ScalingPolicy> {
    let mut out = Vec::new();
    for (name, key, fields) in ctx.definitions(
        node,
        &[
            ("type", ALL_VERSIONS),
            ("properties", ALL_VERSIONS),
            ("targets", ALL_VERSIONS),
        ],
    ) {
        let type_name = ctx
            .required(fields, "type", key.span)
            .and_then(|n| ctx.str(n).map(|s| (s.to_string(), n.span)));
        let targets = ctx
            .required(fields, "targets", key.span)
            .and_then(|n| ctx.seq(n).map(|s| (s, n.span)));
        // Cloudify checks the instance counts before the policy type.
        let instances = read_instance_counts(ctx, fields.get("properties"), key.span);
        let Some((type_name, type_span)) = type_name else {
            continue;
        };
        if type_name != SCALING {
            ctx.error(
                &c::C204,
                type_span,
                format!(
                    "'{type_name}' policy type is not implemented. Only '{SCALING}' policy type is supported."
                ),
            );
            continue;
        }
        let Some((items, targets_span)) = targets else {
            continue;
        };
        if items.is_empty() {
            ctx.error(
                &c::C206,
                targets_span,
                format!(
                    "Policy '{name}' has no targets groups defined for it. At least one target group is required."
                ),
            );
        }
        let mut resolved = Vec::new();
        for item in items {
            let Some(target) = ctx.str(item) else {
                continue;
            };
            match groups.iter().position(|g| g.name == target) {
                Some(i) => resolved.push((GroupId(i), item.span)),
                None => {
                    let defined: Vec<String> =
                        groups.iter().map(|g| format!("'{}'", g.name)).collect();
                    ctx.error(
                        &c::C205,
                        item.span,
                        format!(
                            "'{target}' is not a valid policy target. Only groups are valid policy targets. Defined groups are {{{}}}.",
                            defined.join(", ")
                        ),
                    );
                }
            }
        }
        out.push(ScalingPolicy {
            name: name.to_string(),
            span: key.span,
            targets: resolved,
            instances,
        });
    }
    out
}

/// `{default_instances, min_instances, max_instances}` of a scaling policy or of
/// `capabilities.scalable` (Cloudify's `scalable.py`: codes 207, 208, 210).
pub fn read_instance_counts(ctx: &mut Ctx, node: Option<&Node>, span: Span) -> Instances {
    let mut instances = Instances {
        span: Some(span),
        ..Instances::default()
    };
    let Some(map) = node.and_then(|n| ctx.map(n)) else {
        return instances;
    };
    ctx.check_keys(
        map,
        &[
            ("default_instances", ALL_VERSIONS),
            ("min_instances", ALL_VERSIONS),
            ("max_instances", ALL_VERSIONS),
        ],
    );
    let count = |ctx: &mut Ctx, key: &str| -> Option<(Count, Span)> {
        let node = map.get(key)?;
        match &node.value {
            Value::Map(_) if is_function(node) => Some((Count::Function(node.clone()), node.span)),
            Value::Map(_) => {
                ctx.error(
                    &c::C210,
                    node.span,
                    format!("{key} should be a valid intrinsic function or a value."),
                );
                None
            }
            Value::Int(i) => Some((Count::Fixed(*i), node.span)),
            Value::Str(s) if key == "max_instances" => {
                if s == "UNBOUNDED" {
                    Some((Count::Fixed(-1), node.span))
                } else {
                    ctx.error(
                        &c::C208,
                        node.span,
                        "The only valid string for max_instances is UNBOUNDED.",
                    );
                    None
                }
            }
            _ => {
                ctx.wrong_type(node, "integer");
                None
            }
        }
    };
    let default = count(ctx, "default_instances");
    let min = count(ctx, "min_instances");
    let max = count(ctx, "max_instances");
    let fixed = |c: &Option<(Count, Span)>| match c {
        Some((Count::Fixed(i), span)) => Some((*i, *span)),
        _ => None,
    };
    let mut bad = false;
    for (key, value) in [("default_instances", &default), ("min_instances", &min)] {
        if let Some((v, s)) = fixed(value) {
            if v < 0 {
                bad = true;
                ctx.error(
                    &c::C207,
                    s,
                    format!("{key} should be a non negative value."),
                );
            }
        }
    }
    if let Some((v, s)) = fixed(&max) {
        if v < 1 && v != -1 {
            bad = true;
            ctx.error(&c::C207, s, "max_instances should be a positive value.");
        }
    }
    let d = fixed(&default).map(|(v, _)| v).unwrap_or(1);
    let m = fixed(&min).map(|(v, _)| v).unwrap_or(0);
    let x = fixed(&max).map(|(v, _)| v).unwrap_or(-1);
    let any_function = [&default, &min, &max]
        .iter()
        .any(|c| matches!(c, Some((Count::Function(_), _))));
    if !bad && !any_function {
        if d < m {
            ctx.error(
                &c::C207,
                span,
                format!("default_instances ({d}) cannot be smaller than min_instances ({m})"),
            );
        } else if x != -1 && m > x {
            ctx.error(
                &c::C207,
                span,
                format!("min_instances ({m}) cannot be greater than max_instances ({x})"),
            );
        } else if x != -1 && d > x {
            ctx.error(
                &c::C207,
                span,
                format!("default_instances ({d}) cannot be greater than max_instances ({x})"),
            );
        }
    }
    if let Some((c, _)) = default {
        instances.default = c;
    }
    if let Some((c, _)) = min {
        instances.min = c;
    }
    instances.max = match max {
        Some((Count::Fixed(-1), _)) | None => None,
        Some((c, _)) => Some(c),
    };
    instances
}

/// Membership rules for groups targeted by scaling policies: no cycles (200), one scaling
/// group per member (201), members co-contained (202).
pub fn check_scaling_groups(
    ctx: &mut Ctx,
    nodes: &[NodeTemplate],
    groups: &[Group],
    policies: &[ScalingPolicy],
) {
    let scaling: BTreeSet<GroupId> = policies
        .iter()
        .flat_map(|p| p.targets.iter().map(|(g, _)| *g))
        .collect();
    if scaling.is_empty() {
        return;
    }
    let Some(span) = policies.first().map(|p| p.span) else {
        return;
    };
    // Cycles among scaling groups.
    let mut reported: BTreeSet<GroupId> = BTreeSet::new();
    for &start in &scaling {
        if let Some(cycle) = find_group_cycle(groups, &scaling, start) {
            if cycle.iter().any(|g| reported.contains(g)) {
                continue;
            }
            reported.extend(cycle.iter().copied());
            let names: Vec<String> = cycle
                .iter()
                .map(|g| format!("'{}'", groups[g.0].name))
                .collect();
            ctx.error(
                &c::C200,
                span,
                format!("Illegal group cycles found: [[{}]]", names.join(", ")),
            );
        }
    }
    if !reported.is_empty() {
        return;
    }
    // A member in several scaling groups.
    let mut owners: IndexMap<Member, Vec<GroupId>> = IndexMap::new();
    for &g in &scaling {
        for (member, _) in &groups[g.0].members {
            owners.entry(*member).or_default().push(g);
        }
    }
    let mut several = false;
    for (member, owning) in &owners {
        if owning.len() > 1 {
            several = true;
            let name = match member {
                Member::Node(n) => &nodes[n.0].name,
                Member::Group(g) => &groups[g.0].name,
            };
            let list: Vec<String> = owning
                .iter()
                .map(|g| format!("'{}'", groups[g.0].name))
                .collect();
            ctx.error(
                &c::C201,
                span,
                format!(
                    "Nodes and groups cannot be members in multiple groups, but member '{name}' belongs to the following multiple groups: [{}]",
                    list.join(", ")
                ),
            );
        }
    }
    if several {
        return;
    }
    for &g in &scaling {
        let members = normalized(nodes, &flatten(groups, g));
        let mut done = false;
        for (i, &a) in members.iter().enumerate() {
            for &b in &members[i + 1..] {
                if !co_contained(nodes, a, b) {
                    ctx.error(
                        &c::C202,
                        span,
                        format!(
                            "Node '{}' and '{}' belong to some shared group but they are not contained in any shared node, nor is any ancestor node of theirs.",
                            nodes[a].name, nodes[b].name
                        ),
                    );
                    done = true;
                    break;
                }
            }
            if done {
                break;
            }
        }
    }
}

fn find_group_cycle(
    groups: &[Group],
    scaling: &BTreeSet<GroupId>,
    start: GroupId,
) -> Option<Vec<GroupId>> {
    // Depth-first over "is a member of" edges between scaling groups.
    fn walk(
        groups: &[Group],
        scaling: &BTreeSet<GroupId>,
        current: GroupId,
        path: &mut Vec<GroupId>,
        start: GroupId,
    ) -> bool {
        for (member, _) in &groups[current.0].members {
            let Member::Group(inner) = member else {
                continue;
            };
            if !scaling.contains(inner) && *inner != start {
                continue;
            }
            if *inner == start {
                return true;
            }
            if path.contains(inner) || path.len() > groups.len() {
                continue;
            }
            path.push(*inner);
            if walk(groups, scaling, *inner, path, start) {
                return true;
            }
            path.pop();
        }
        false
    }
    let mut path = vec![start];
    walk(groups, scaling, start, &mut path, start).then_some(path)
}

/// The node members of a group, nested groups expanded (cycle-safe).
pub fn flatten(groups: &[Group], group: GroupId) -> Vec<usize> {
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    let mut stack = vec![group];
    while let Some(g) = stack.pop() {
        if !seen.insert(g) {
            continue;
        }
        for (member, _) in &groups[g.0].members {
            match member {
                Member::Node(n) => {
                    if !out.contains(&n.0) {
                        out.push(n.0);
                    }
                }
                Member::Group(inner) => stack.push(*inner),
            }
        }
    }
    out
}

fn containers(nodes: &[NodeTemplate], node: usize) -> Vec<usize> {
    let mut out = Vec::new();
    let mut current = node;
    while let Some(parent) = nodes[current].contained_in {
        if out.contains(&parent.0) || parent.0 == node {
            break;
        }
        out.push(parent.0);
        current = parent.0;
    }
    out
}

/// Each member replaced by its outermost container that is in the group too: a contained
/// node scales with its container anyway (Cloudify drops it from the group).
fn normalized(nodes: &[NodeTemplate], members: &[usize]) -> Vec<usize> {
    let mut out = Vec::new();
    for &member in members {
        let top = containers(nodes, member)
            .into_iter()
            .rev()
            .find(|c| members.contains(c))
            .unwrap_or(member);
        if !out.contains(&top) {
            out.push(top);
        }
    }
    out
}

fn co_contained(nodes: &[NodeTemplate], a: usize, b: usize) -> bool {
    let ca = containers(nodes, a);
    let cb = containers(nodes, b);
    (ca.is_empty() && cb.is_empty())
        || ca.contains(&b)
        || cb.contains(&a)
        || ca.iter().any(|x| cb.contains(x))
}
