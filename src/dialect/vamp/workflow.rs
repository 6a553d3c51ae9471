//! Workflows (SPEC §8): a breed run on a schedule (daemon, event or time) with environment
//! variables the script reads.

use super::breed::{
    check_health_check_ports, read_arguments, read_breed_ref, read_environment_variables,
    read_health_checks, scalar_sub_span, validate_environment_overrides, ALWAYS_ALLOWED,
};
use super::codes;
use super::grammar;
use super::reader::{as_list, Cx, MapReader};
use super::scale::read_scale_ref;
use crate::ir::vamp::{
    Origin, Schedule, SchedulePeriod, Spanned, Workflow, WorkflowName, WorkflowStatus,
};
use crate::syntax::Node;

/// Environment variables vamp-workflow-agent requires to be integers >= 0.
pub const EXECUTION_VARIABLES: &[&str] = &[
    "VAMP_WORKFLOW_EXECUTION_PERIOD",
    "VAMP_WORKFLOW_EXECUTION_TIMEOUT",
];

pub fn read_workflow(cx: &mut Cx<'_>, map: &MapReader<'_>, origin: Origin) -> Option<Workflow> {
    let name = cx.name(map);
    let breed = cx
        .required(map, "breed")
        .and_then(|n| read_breed_ref(cx, n, "breed"));
    let status = match map.get("status") {
        Some(node) => read_status(cx, node),
        None => Some(WorkflowStatus::Starting),
    };
    let schedule = match map.get("schedule") {
        Some(node) => read_schedule(cx, node),
        None => {
            cx.missing(map, "schedule");
            None
        }
    };
    let scale = map
        .get("scale")
        .and_then(|n| read_scale_ref(cx, n, "scale"));
    let environment_variables = read_environment_variables(cx, map, false);
    let arguments = map
        .get("arguments")
        .map(|n| read_arguments(cx, n))
        .unwrap_or_default();
    let network = map
        .get("network")
        .and_then(|n| cx.string(n, "network"))
        .map(|n| n.value);
    let health_checks = map
        .get("health_checks")
        .map(|n| read_health_checks(cx, n, "health_checks"));
    for dialect in ["dialects", "dialect"] {
        map.consume(dialect);
    }
    // API output read back by Vamp's WorkflowReader: `health` is flattened away, `instances`
    // parsed as the running instances.
    for api_output in ["health", "instances"] {
        map.consume(api_output);
    }
    let metadata = cx.metadata(map);
    map.finish(cx, ALWAYS_ALLOWED);

    let workflow = Workflow {
        name: name.map(|n| Spanned::new(WorkflowName(n.value), n.span))?,
        breed: breed?,
        status: status?,
        schedule: schedule?,
        scale,
        environment_variables,
        arguments,
        network,
        health_checks,
        metadata,
        origin,
    };
    validate(cx, &workflow);
    Some(workflow)
}

fn read_status(cx: &mut Cx<'_>, node: &Node) -> Option<WorkflowStatus> {
    let text = cx.string(node, "status")?;
    let status = match text.value.to_ascii_lowercase().as_str() {
        "starting" => WorkflowStatus::Starting,
        "running" => WorkflowStatus::Running,
        "stopping" => WorkflowStatus::Stopping,
        "suspended" => WorkflowStatus::Suspended,
        "suspending" => WorkflowStatus::Suspending,
        "restarting" => WorkflowStatus::Restarting,
        _ => {
            cx.error(
                &codes::V044,
                node.span,
                format!("Illegal workflow status: {}.", text.value),
            )
            .help("a workflow status is starting, running, stopping, suspended, suspending or restarting");
            return None;
        }
    };
    Some(status)
}

fn undefined_schedule(cx: &mut Cx<'_>, node: &Node) {
    cx.error(
        &codes::V042,
        node.span,
        "Undefined workflow schedule - only daemon, event and time schedules are supported.",
    )
    .help("write `schedule: daemon`, `schedule: {event: [tag]}` or `schedule: {time: PT1M}`");
}

fn read_schedule(cx: &mut Cx<'_>, node: &Node) -> Option<Spanned<Schedule>> {
    if let Some(text) = node.scalar_text() {
        if text == "daemon" {
            return Some(Spanned::new(Schedule::Daemon, node.span));
        }
        undefined_schedule(cx, node);
        return None;
    }
    let Some(map) = MapReader::new(node, "schedule") else {
        undefined_schedule(cx, node);
        return None;
    };
    let schedule = if let Some(time) = map.get("time") {
        read_time_schedule(cx, time)
    } else if map.key_node("event").is_some() {
        let tags = map
            .get("event")
            .map(|e| read_tags(cx, e))
            .unwrap_or_default();
        Some(Schedule::Event { tags })
    } else {
        undefined_schedule(cx, node);
        map.consume_all();
        None
    };
    map.finish(cx, &[]);
    schedule.map(|s| Spanned::new(s, node.span))
}

/// `event: tag`, `event: [tags]` or `event: {tags: ...}`.
fn read_tags(cx: &mut Cx<'_>, node: &Node) -> Vec<String> {
    let list = match node.as_map() {
        Some(_) => {
            let Some(map) = MapReader::new(node, "schedule/event") else {
                return Vec::new();
            };
            let tags = map.get("tags");
            map.finish(cx, &[]);
            match tags {
                Some(t) => t,
                None => return Vec::new(),
            }
        }
        None => node,
    };
    let mut tags: Vec<String> = as_list(list)
        .into_iter()
        .filter_map(|t| cx.string(t, "schedule/event/tags").map(|t| t.value))
        .collect();
    tags.sort();
    tags.dedup();
    tags
}

fn read_time_schedule(cx: &mut Cx<'_>, node: &Node) -> Option<Schedule> {
    if node.is_scalar() {
        let period = read_period(cx, node)?;
        return Some(Schedule::Time {
            period,
            start: None,
            repeat: None,
        });
    }
    let map = cx.map(node, "schedule/time")?;
    let period = match map.get("period") {
        Some(p) => read_period(cx, p),
        None => Some(empty_period()),
    };
    let start = map.get("start").and_then(|s| {
        let text = cx.string(s, "schedule/time/start")?;
        match grammar::start(&text.value) {
            Ok(at) => at.map(|at| (text, at)),
            Err(error) => {
                cx.error(
                    &codes::V002,
                    scalar_sub_span(s, &text.value, error.range),
                    format!("Unexpected type for path 'start': {}.", error.message),
                )
                .help("`start` is `now` or an ISO-8601 date-time such as `2007-12-03T08:15:30Z`");
                None
            }
        }
    });
    let repeat = map
        .get("repeat")
        .and_then(|r| cx.int(r, "schedule/time/repeat"))
        .map(|r| r.value);
    map.finish(cx, &[]);
    Some(Schedule::Time {
        period: period?,
        start,
        repeat,
    })
}

fn empty_period() -> SchedulePeriod {
    SchedulePeriod {
        text: "PT1S".to_string(),
        years: 0,
        months: 0,
        days: 0,
        time_ns: 1_000_000_000,
    }
}

fn read_period(cx: &mut Cx<'_>, node: &Node) -> Option<SchedulePeriod> {
    let text = node.scalar_text()?;
    if text.is_empty() {
        return Some(empty_period());
    }
    match grammar::period(&text) {
        Ok(period) => Some(period),
        Err(error) => {
            cx.error(
                &codes::V043,
                scalar_sub_span(node, &text, error.range),
                format!("Illegal workflow schedule period: {text}."),
            )
            .help(error.message);
            None
        }
    }
}

fn validate(cx: &mut Cx<'_>, workflow: &Workflow) {
    validate_environment_overrides(
        cx,
        &workflow.breed,
        &workflow.environment_variables,
        "workflow",
    );
    if let (Some(checks), Some(breed)) = (&workflow.health_checks, workflow.breed.inline()) {
        let ports: Vec<&str> = breed.ports.iter().map(|p| p.name.value.as_str()).collect();
        check_health_check_ports(cx, checks, &ports);
    }
    let inline_env = workflow
        .breed
        .inline()
        .map(|b| b.environment_variables.as_slice())
        .unwrap_or_default();
    for variable in workflow.environment_variables.iter().chain(inline_env) {
        if !EXECUTION_VARIABLES.contains(&variable.name.value.as_str()) {
            continue;
        }
        let Some(value) = &variable.value else {
            continue;
        };
        let text = value.text.value.trim();
        // `${config://...}` is resolved by Vamp from its configuration.
        if text.starts_with('$') {
            continue;
        }
        if text.parse::<u64>().is_err() {
            cx.error(
                &codes::V051,
                value.text.span,
                format!(
                    "{} must be an integer >= 0, not `{text}`: vamp-workflow-agent stops at start",
                    variable.name.value
                ),
            )
            .help("0 runs the script once (it keeps itself alive); N > 0 runs it every N seconds");
        }
    }
}
