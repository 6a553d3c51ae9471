//! Cross-document checks of a scenario against what it deploys ([`Topology`], every dialect
//! lowered into it): unknown blueprints, services, gateways, hosts and routes (errors: the
//! scenario cannot run), and controllers (workflows) that will not run as written (warnings).

use crate::diag::codes::s;
use crate::diag::Diagnostic;
use crate::ir::scenario::{ExpectationKind, FaultKind, Scenario};
use crate::ir::topology::{ControllerOutcome, Topology, BUILT_IN_PROGRAMS};
use crate::ir::{Project, Spanned};
use crate::source::Span;

/// Checks every scenario of the project.
pub fn resolve(project: &Project, diagnostics: &mut Vec<Diagnostic>) {
    for scenario in &project.scenarios {
        let topology = crate::lower::resolve(project, scenario);
        diagnostics.extend(check(project, scenario, &topology));
    }
}

/// The findings about one scenario, in the order of its parts: deploy, behaviors, traffic,
/// faults, expectations, then the project's workflows (the controllers).
pub fn check(project: &Project, scenario: &Scenario, topology: &Topology) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    for blueprint in &topology.unknown_blueprints {
        diagnostics.push(unknown_blueprint(project, blueprint));
    }
    for behavior in &scenario.behaviors {
        service(topology, &behavior.service, &mut diagnostics);
    }
    for traffic in &scenario.traffic {
        gateway(topology, &traffic.to, &mut diagnostics);
    }
    check_faults(scenario, topology, &mut diagnostics);
    for expectation in &scenario.expect {
        if let ExpectationKind::WeightReaches { route, .. } = &expectation.kind {
            if !topology.has_route(&route.value) {
                diagnostics.push(Diagnostic::error(
                    &s::S018,
                    route.span,
                    format!("no gateway has a route named '{}'", route.value),
                ));
            }
        }
    }
    check_workflows(scenario, topology, &mut diagnostics);
    diagnostics
}

fn check_faults(scenario: &Scenario, topology: &Topology, diagnostics: &mut Vec<Diagnostic>) {
    for fault in &scenario.faults {
        match &fault.kind {
            FaultKind::Kill { service: name, .. }
            | FaultKind::Errors { service: name, .. }
            | FaultKind::Latency { service: name, .. } => {
                service(topology, name, diagnostics);
            }
            FaultKind::HostDown { host, .. } => {
                if !topology.has_host(host.value) {
                    diagnostics.push(Diagnostic::error(
                        &s::S013,
                        host.span,
                        format!(
                            "host {} does not exist: hosts are numbered 1 to {}",
                            host.value, topology.hosts
                        ),
                    ));
                }
            }
            FaultKind::Partition {
                service: name,
                from,
                ..
            } => {
                // The gateway is looked at only once the service is known.
                if service(topology, name, diagnostics) {
                    if let Some(from) = from {
                        gateway(topology, from, diagnostics);
                    }
                }
            }
        }
    }
}

fn check_workflows(scenario: &Scenario, topology: &Topology, diagnostics: &mut Vec<Diagnostic>) {
    for controller in &topology.controllers {
        let name = &controller.name.value;
        match &controller.outcome {
            ControllerOutcome::Stopped => {}
            ControllerOutcome::NotSimulated { breed } => diagnostics.push(
                Diagnostic::warning(
                    &s::S016,
                    controller.name.span,
                    format!("workflow '{name}' runs JavaScript breed '{breed}': it does not run in the rehearsal"),
                )
                .with_help(format!(
                    "built-in programs: {} (select one with `metadata: {{rehearse/program: NAME}}`)",
                    BUILT_IN_PROGRAMS.join(", ")
                )),
            ),
            ControllerOutcome::BadParameter { program, problem } => {
                diagnostics.push(Diagnostic::warning(
                    &s::S017,
                    controller.name.span,
                    format!("workflow '{name}' ({program}): {problem}; it does not run"),
                ));
            }
            ControllerOutcome::Runs(program) => {
                let Some(start) = controller
                    .start_without_clock(scenario)
                    .filter(|_| program.is_scheduled())
                else {
                    continue;
                };
                // At the scenario: the fix (a clock) goes there, and each scenario needs its own.
                diagnostics.push(
                    Diagnostic::warning(
                        &s::S019,
                        scenario.name.span,
                        format!(
                            "scenario '{}' has no `clock`, so the start of workflow '{name}' ({}) is ignored: it starts at t = 0",
                            scenario.name.value,
                            start.value.trim()
                        ),
                    )
                    .with_help(format!(
                        "add e.g. `clock: {}` to the scenario to say which instant t = 0 stands for",
                        start.value.trim()
                    ))
                    .with_label(start.span, "an absolute start"),
                );
            }
        }
    }
}

fn unknown_blueprint(project: &Project, name: &Spanned<String>) -> Diagnostic {
    let known: Vec<&str> = project
        .vamp
        .blueprints
        .iter()
        .map(|b| b.name.value.as_str())
        .collect();
    Diagnostic::error(
        &s::S010,
        name.span,
        format!("no blueprint named '{}'", name.value),
    )
    .with_help(if known.is_empty() {
        "the project defines no blueprint".to_owned()
    } else {
        format!("blueprints: {}", known.join(", "))
    })
}

/// Reports a name that is no deployed service; says whether it is one.
fn service(topology: &Topology, name: &Spanned<String>, diagnostics: &mut Vec<Diagnostic>) -> bool {
    let found = topology.workload_by_name(&name.value).is_some();
    if !found {
        diagnostics.push(unknown_service(topology, &name.value, name.span));
    }
    found
}

fn gateway(topology: &Topology, name: &Spanned<String>, diagnostics: &mut Vec<Diagnostic>) {
    if topology.router_by_name(&name.value).is_none() {
        diagnostics.push(unknown_gateway(topology, &name.value, name.span));
    }
}

fn unknown_service(topology: &Topology, name: &str, span: Span) -> Diagnostic {
    let known: Vec<&str> = topology
        .workloads
        .iter()
        .map(|w| w.name.value.as_str())
        .collect();
    Diagnostic::error(
        &s::S011,
        span,
        format!("no deployed service named '{name}'"),
    )
    .with_help(if known.is_empty() {
        "the scenario deploys no service".to_owned()
    } else {
        format!("deployed services: {}", known.join(", "))
    })
}

fn unknown_gateway(topology: &Topology, name: &str, span: Span) -> Diagnostic {
    let known: Vec<&str> = topology.routers.iter().map(|r| r.name.as_str()).collect();
    Diagnostic::error(&s::S012, span, format!("no gateway named '{name}'")).with_help(
        if known.is_empty() {
            "the scenario's deployments have no gateway".to_owned()
        } else {
            format!("gateways: {}", known.join(", "))
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{check as check_inputs, Input, Options};

    const SPECS: &str = r#"
kind: breed
name: web:1.0
deployable: web:1.0
ports: { web: 8080/http }
---
kind: blueprint
name: v1
gateways: { 9050: shop/web }
clusters:
  shop:
    services: [{ breed: "web:1.0" }]
---
kind: workflow
name: custom
breed: { name: custom, deployable: "js://x", ports: {} }
schedule: daemon
---
kind: workflow
name: canary
breed: canary
schedule: daemon
environment_variables: { GATEWAY: live/shop/web, SERVICE1: live/shop/web:1.0/web }
---
kind: workflow
name: timed
breed: health
schedule: { time: { period: PT10S, start: "2026-01-01T00:00:00Z" } }
---
kind: workflow
name: stopped
breed: custom
status: suspended
schedule: daemon
---
kind: scenario
name: mistakes
duration: 1m
hosts: { count: 1 }
deploy:
  - { blueprint: v1, as: live }
  - { blueprint: v9, as: live }
behaviors:
  web:7.0: { errors: 1% }
traffic:
  - { to: live/9999, rate: 1/s }
faults:
  - { at: 1s, kill: "web:3.0" }
  - { at: 1s, partition: "web:3.0", from: nowhere, for: 1s }
  - { at: 1s, partition: "web:1.0", from: nowhere, for: 1s }
  - { at: 1s, host_down: 2, for: 1s }
expect:
  - weight_reaches: { route: "live/shop/web:2.0/web", weight: 100%, by: 50s }
"#;

    #[test]
    fn findings_come_in_the_order_of_the_scenario_then_the_workflows() {
        let checked = check_inputs(
            vec![Input::reported(
                "specs.yml".to_owned(),
                SPECS.as_bytes().to_vec(),
            )],
            &Options::default(),
        );
        let project = &checked.project;
        let scenario = project.scenarios.first().expect("one scenario");
        let topology = crate::lower::resolve(project, scenario);
        let found: Vec<String> = check(project, scenario, &topology)
            .iter()
            .map(|d| format!("{} {}", d.code.id, d.message))
            .collect();
        assert_eq!(
            found,
            vec![
                "S010 no blueprint named 'v9'",
                "S011 no deployed service named 'web:7.0'",
                "S012 no gateway named 'live/9999'",
                "S011 no deployed service named 'web:3.0'",
                // The partition's gateway is looked at once its service is known.
                "S011 no deployed service named 'web:3.0'",
                "S012 no gateway named 'nowhere'",
                "S013 host 2 does not exist: hosts are numbered 1 to 1",
                "S018 no gateway has a route named 'live/shop/web:2.0/web'",
                "S016 workflow 'custom' runs JavaScript breed 'custom': it does not run in the rehearsal",
                "S017 workflow 'canary' (canary): SERVICE2 is not set; it does not run",
                "S019 scenario 'mistakes' has no `clock`, so the start of workflow 'timed' (2026-01-01T00:00:00Z) is ignored: it starts at t = 0",
            ]
        );
        // The project check reports the same findings (sorted).
        let reported = checked
            .diagnostics
            .iter()
            .filter(|d| d.code.id.starts_with('S'))
            .count();
        assert_eq!(reported, found.len());
    }
}
