//! Cross-document checks of a scenario against what it deploys ([`Topology`], every dialect
//! lowered into it): unknown blueprints, services, gateways, hosts and routes (errors: the
//! scenario cannot run), and controllers (workflows) that will not run as written (warnings).

use crate::diag::codes::s;
use crate::diag::Diagnostic;
use crate::dialect::Kind;
use crate::ir::cloudify::PolicyKind;
use crate::ir::scenario::{ExpectationKind, FaultKind, Scenario};
use crate::ir::topology::{ControllerOutcome, Topology, BUILT_IN_PROGRAMS};
use crate::ir::{Project, Spanned};
use crate::lower::cloudify::{plan_is_full, EXECUTE_WORKFLOW, MAX_PLANNED_INSTANCES};
use crate::sandbox::Sandbox;
use crate::source::{FileId, SourceMap, Span};
use crate::syntax::{self, Format, Limits};
use std::path::{Path, PathBuf};

/// Workflows the rehearsal runs when a trigger executes them.
pub const SIMULATED_WORKFLOWS: [&str; 4] = ["install", "uninstall", "heal", "scale"];

/// Reads the Cloudify blueprints that scenarios deploy (`deploy: [{cloudify: PATH}]`): PATH
/// relative to the scenario's file, through the sandbox, with the Cloudify dialect and its
/// imports; a file the project already holds is not read twice. Sets each step's blueprint
/// index; a file that cannot be read is reported by [`check`] (S027). Returns the files read
/// for reported scenarios (their findings are reported with the scenario).
pub fn load_blueprints(
    project: &mut Project,
    sources: &mut SourceMap,
    limits: &Limits,
    sandbox: &Sandbox,
    plugin_cache: Option<&Path>,
    reported: &[FileId],
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<FileId> {
    let mut files = Vec::new();
    let deploys_cloudify = project
        .scenarios
        .iter()
        .any(|s| s.deploy.iter().any(|d| d.cloudify.is_some()));
    if !deploys_cloudify {
        return files;
    }
    let mut loaded: Vec<(PathBuf, usize)> = project
        .cloudify
        .iter()
        .enumerate()
        .filter_map(|(i, b)| {
            let path = &sources.try_get(b.span.file)?.path;
            Some((std::fs::canonicalize(path).ok()?, i))
        })
        .collect();
    for si in 0..project.scenarios.len() {
        let scenario_file = project.scenarios[si].span.file;
        let dir = sources
            .try_get(scenario_file)
            .and_then(|f| Path::new(&f.path).parent().map(Path::to_path_buf))
            .map(|p| {
                if p.as_os_str().is_empty() {
                    PathBuf::from(".")
                } else {
                    p
                }
            })
            .unwrap_or_else(|| PathBuf::from("."));
        for di in 0..project.scenarios[si].deploy.len() {
            let step = &project.scenarios[si].deploy[di];
            if step.cloudify.is_none() {
                continue;
            }
            let requested = PathBuf::from(&step.blueprint.value);
            let Ok(canonical) = sandbox.resolve(&requested, &dir) else {
                continue;
            };
            let index = match loaded.iter().find(|(p, _)| *p == canonical) {
                Some((_, i)) => Some(*i),
                None => {
                    let Ok(named) = sandbox.read(&requested, &dir, limits.max_file_bytes) else {
                        continue;
                    };
                    let shown = named.shown.display().to_string();
                    let (file, parsed) = syntax::load(
                        sources,
                        &shown,
                        named.bytes,
                        Format::from_path(&shown),
                        limits,
                    );
                    let mut found = parsed.diagnostics;
                    let before = project.cloudify.len();
                    if let Some(document) = parsed.documents.first() {
                        let document = Kind::Cloudify
                            .loading_profile()
                            .apply(document, &mut found)
                            .into_owned();
                        let pending = crate::check::cloudify::Pending {
                            document,
                            file,
                            reported: true,
                        };
                        let imported = crate::check::cloudify::read_blueprint(
                            &pending,
                            sources,
                            limits,
                            sandbox,
                            plugin_cache,
                            project,
                            &mut found,
                        );
                        if reported.contains(&scenario_file) {
                            files.push(file);
                            files.extend(imported);
                        }
                    }
                    diagnostics.extend(found);
                    let index =
                        (project.cloudify.len() > before).then(|| project.cloudify.len() - 1);
                    if let Some(i) = index {
                        loaded.push((canonical, i));
                    }
                    index
                }
            };
            if let Some(deploy) = project.scenarios[si].deploy[di].cloudify.as_mut() {
                deploy.blueprint = index;
            }
        }
    }
    files
}

/// Picks the KrakenD config each request of a scenario goes to: the one its `krakend:`
/// names (a path, matched against the end of the configs' paths), the project's only one,
/// or the only one in the scenario's folder.
pub fn pick_krakend_configs(project: &mut Project, sources: &SourceMap) {
    let paths: Vec<PathBuf> = project
        .krakend
        .iter()
        .map(|c| PathBuf::from(sources.try_get(c.file).map_or("", |f| f.path.as_str())))
        .collect();
    for scenario in &mut project.scenarios {
        let dir = sources
            .try_get(scenario.span.file)
            .and_then(|f| Path::new(&f.path).parent().map(Path::to_path_buf));
        for traffic in &mut scenario.traffic {
            let Some(request) = traffic.request.as_mut() else {
                continue;
            };
            request.config = match &request.krakend {
                Some(file) => {
                    let wanted = Path::new(file.value.trim_start_matches("./"));
                    paths.iter().position(|p| p.ends_with(wanted))
                }
                None if paths.len() == 1 => Some(0),
                // Several: the one beside the scenario, when there is exactly one.
                None => {
                    let beside: Vec<usize> = (0..paths.len())
                        .filter(|&i| paths[i].parent() == dir.as_deref())
                        .collect();
                    (beside.len() == 1).then(|| beside[0])
                }
            };
        }
    }
}

/// A traffic entry that is a request: its config must exist (S031) and some endpoint should
/// match it (S030, a warning: KrakenD answers 404, which may be what is rehearsed).
fn api_request(
    project: &Project,
    traffic: &crate::ir::scenario::Traffic,
    request: &crate::ir::scenario::ApiRequest,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let Some(config) = request.config.and_then(|i| project.krakend.get(i)) else {
        let (span, message, help) = match &request.krakend {
            Some(file) => (
                file.span,
                format!("no KrakenD config of the project is '{}'", file.value),
                "name a KrakenD config file the project holds",
            ),
            None if project.krakend.is_empty() => (
                traffic.to.span,
                "the project has no KrakenD config to send this request to".to_owned(),
                "add the krakend.json to the paths checked, or send traffic to a gateway (`DEPLOYMENT/PORT`)",
            ),
            None => (
                traffic.to.span,
                "the project has several KrakenD configs: say which one this request goes to".to_owned(),
                "write `{krakend: FILE, request: \"METHOD /path\"}`",
            ),
        };
        diagnostics.push(Diagnostic::error(&s::S031, span, message).with_help(help));
        return;
    };
    if crate::lower::krakend::route(config, &request.method, &request.path).is_none() {
        let endpoints: Vec<String> = config
            .endpoints
            .iter()
            .take(8)
            .map(|e| format!("{} {}", e.method.value, e.path.value))
            .collect();
        diagnostics.push(
            Diagnostic::warning(
                &s::S030,
                traffic.to.span,
                format!(
                    "no endpoint matches '{} {}': KrakenD answers 404 to every such request",
                    request.method, request.path
                ),
            )
            .with_help(format!("endpoints: {}", endpoints.join(", "))),
        );
    }
}

/// A backend of an endpoint the scenario sends requests to whose host no behavior names
/// (S032, a warning): it answers with the default behavior.
fn unknown_backend_hosts(
    project: &Project,
    scenario: &Scenario,
    topology: &Topology,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let mut reached: Vec<(usize, usize)> = Vec::new();
    for request in scenario.traffic.iter().filter_map(|t| t.request.as_ref()) {
        let Some(c) = request.config else { continue };
        let Some(config) = project.krakend.get(c) else {
            continue;
        };
        if let Some(route) = crate::lower::krakend::route(config, &request.method, &request.path) {
            if !reached.contains(&(c, route.index)) {
                reached.push((c, route.index));
            }
        }
    }
    let keys: Vec<&str> = scenario
        .behaviors
        .iter()
        .filter(|b| b.is_backend())
        .map(|b| b.service.value.trim_end_matches('/'))
        .collect();
    let mut reported: Vec<String> = Vec::new();
    for (c, e) in reached {
        let mut stack: Vec<&crate::ir::krakend::Backend> = project.krakend[c].endpoints[e]
            .backends
            .iter()
            .rev()
            .collect();
        while let Some(backend) = stack.pop() {
            if let Some(w) = &backend.workflow {
                stack.extend(w.backends.iter().rev());
                continue;
            }
            let Some(host) = backend.hosts.first().or(project.krakend[c].hosts.first()) else {
                continue;
            };
            let host_text = host.value.trim_end_matches('/');
            // `http://sava:9050` (deployment sava's gateway on port 9050) or
            // `http://NAME.node:PORT` (a Cloudify node): the call goes into the world.
            if crate::lower::krakend::backend_router(host_text, topology).is_some() {
                continue;
            }
            let url = format!("{host_text}{}", backend.url_pattern.value);
            if keys
                .iter()
                .any(|k| *k == host_text || *k == url.trim_end_matches('/'))
                || reported.contains(&url)
            {
                continue;
            }
            reported.push(url.clone());
            diagnostics.push(
                Diagnostic::warning(
                    &s::S032,
                    host.span,
                    format!("backend '{url}' names no deployment's gateway or Cloudify node and no behavior answers it: it gets the default (lognormal p50 10 ms, p99 50 ms, status 200)"),
                )
                .with_help(format!("add a behavior keyed `\"{host_text}\"` (or the host and url_pattern) to the scenario")),
            );
        }
    }
}

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
    check_cloudify_steps(project, scenario, topology, &mut diagnostics);
    for behavior in &scenario.behaviors {
        if behavior.is_backend() {
            continue; // a KrakenD backend's behavior, read by the requests' flows
        }
        if behavior.service.value == crate::ir::scenario::GATEWAY_BEHAVIOR
            && topology.workload_by_name(&behavior.service.value).is_none()
        {
            if project.krakend.is_empty() {
                // The gateway's capacity, with no gateway to apply it to: harmless, unused.
                diagnostics.push(
                    Diagnostic::warning(
                        &s::S031,
                        behavior.service.span,
                        "the `krakend` behavior sets the KrakenD gateway's capacity, but the project holds no KrakenD config".to_owned(),
                    )
                    .with_help("add the gateway's config (krakend.json) to the project, or remove this behavior"),
                );
            }
            continue; // the KrakenD gateway's capacity, read by the requests' flows
        }
        let cloudify_only = !behavior.operations.is_empty() || behavior.heartbeat_ns.is_some();
        if cloudify_only {
            node(topology, &behavior.service, &mut diagnostics);
        } else {
            service(topology, &behavior.service, &mut diagnostics);
        }
    }
    for metric in &scenario.metrics {
        if node(topology, &metric.node, &mut diagnostics) {
            if let Some((d, n)) = topology.managed_node(&metric.node.value) {
                let managed = &topology.managed[d];
                let blueprint_node = &project.cloudify[managed.blueprint].nodes[n];
                let monitored = blueprint_node.interfaces.iter().any(|(i, ops)| {
                    (i == "cloudify.interfaces.monitoring" && ops.contains_key("start"))
                        || i == "cloudify.interfaces.monitoring_agent"
                });
                if !monitored {
                    diagnostics.push(
                        Diagnostic::warning(
                            &s::S029,
                            metric.node.span,
                            format!("node '{}' has no monitoring, so nothing publishes '{}'", managed.nodes[n].name, metric.service.value),
                        )
                        .with_help("define `cloudify.interfaces.monitoring.start` (e.g. Diamond's add_collectors) on the node"),
                    );
                }
            }
        }
    }
    for traffic in &scenario.traffic {
        match &traffic.request {
            Some(request) => api_request(project, traffic, request, &mut diagnostics),
            None => gateway(topology, &traffic.to, &mut diagnostics),
        }
    }
    unknown_backend_hosts(project, scenario, topology, &mut diagnostics);
    check_faults(scenario, topology, &mut diagnostics);
    for expectation in &scenario.expect {
        if let ExpectationKind::Instances { node: name, .. } = &expectation.kind {
            node(topology, name, &mut diagnostics);
        }
        if let ExpectationKind::EndpointStatus { endpoint, .. } = &expectation.kind {
            let known = project
                .krakend
                .iter()
                .flat_map(|c| &c.endpoints)
                .any(|e| format!("{} {}", e.method.value, e.path.value) == endpoint.value);
            if !known {
                diagnostics.push(
                    Diagnostic::error(
                        &s::S033,
                        endpoint.span,
                        format!("no KrakenD endpoint is '{}'", endpoint.value),
                    )
                    .with_help("write the endpoint as `METHOD /path`, the path as the config writes it (`GET /user/{id}`)"),
                );
            }
        }
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
    super::rollout_scenario::check(project, scenario, topology, &mut diagnostics);
    diagnostics
}

fn check_faults(scenario: &Scenario, topology: &Topology, diagnostics: &mut Vec<Diagnostic>) {
    for fault in &scenario.faults {
        match &fault.kind {
            FaultKind::InstanceDown { instance, .. } => {
                let found = topology.managed_instance(&instance.value);
                let is_host = found.is_some_and(|(d, i)| {
                    let m = &topology.managed[d];
                    m.nodes[m.instances[i].node].is_host
                });
                if !is_host {
                    diagnostics.push(unknown_instance(topology, instance, found.is_some()));
                }
            }
            FaultKind::Kill { service: name, .. }
                if topology.workload_by_name(&name.value).is_none()
                    && !topology.managed.is_empty() =>
            {
                if topology.managed_instance(&name.value).is_none() {
                    diagnostics.push(unknown_instance(topology, name, false));
                }
            }
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

/// Cloudify deploy steps: the file read, the inputs against the blueprint's, and the policies
/// and triggers that will not run.
fn check_cloudify_steps(
    project: &Project,
    scenario: &Scenario,
    topology: &Topology,
    diagnostics: &mut Vec<Diagnostic>,
) {
    for path in &topology.unread_blueprints {
        diagnostics.push(
            Diagnostic::error(
                &s::S027,
                path.span,
                format!("cannot read the Cloudify blueprint '{}'", path.value),
            )
            .with_help("the path is relative to the scenario's file and must stay inside the project (or an --allow-read folder)"),
        );
    }
    for step in &scenario.deploy {
        let Some(deploy) = &step.cloudify else {
            continue;
        };
        let Some(blueprint) = deploy.blueprint.and_then(|i| project.cloudify.get(i)) else {
            continue;
        };
        for (name, _) in &deploy.inputs {
            if !blueprint.inputs.contains_key(&name.value) {
                let known: Vec<&str> = blueprint.inputs.keys().map(String::as_str).collect();
                diagnostics.push(
                    Diagnostic::error(
                        &s::S023,
                        name.span,
                        format!("the blueprint has no input '{}'; Cloudify refuses to create the deployment", name.value),
                    )
                    .with_help(if known.is_empty() {
                        "the blueprint declares no inputs".to_owned()
                    } else {
                        format!("inputs: {}", known.join(", "))
                    }),
                );
            }
        }
        let planned = topology
            .managed
            .iter()
            .find(|m| m.name == step.deployment.value);
        if planned.is_some_and(|m| plan_is_full(&m.instances)) {
            diagnostics.push(
                Diagnostic::error(
                    &s::S021,
                    step.blueprint.span,
                    format!(
                        "deployment '{}' plans more than {MAX_PLANNED_INSTANCES} node instances",
                        step.deployment.value
                    ),
                )
                .with_help("instance counts multiply down `contained_in` and through scaling groups; check `default_instances` and the inputs that set it"),
            );
        }
        for (name, input) in &blueprint.inputs {
            let given = deploy.inputs.iter().any(|(n, _)| n.value == *name);
            if !given && input.default.is_none() && input.required {
                diagnostics.push(
                    Diagnostic::error(
                        &s::S024,
                        deploy.inputs_span,
                        format!("the deployment needs input '{name}' (declared without a default)"),
                    )
                    .with_label(input.span, "declared here")
                    .with_help(format!("add `{name}: VALUE` under `inputs`")),
                );
            }
        }
        for group in &blueprint.groups {
            for policy in &group.policies {
                if policy.kind == PolicyKind::Custom {
                    diagnostics.push(
                        Diagnostic::warning(
                            &s::S028,
                            policy.span,
                            format!("policy '{}.{}' has the custom type '{}': its Riemann source does not run in the rehearsal", group.name, policy.name, policy.type_name),
                        )
                        .with_help("rehearse runs host_failure, threshold and ewma_stabilized"),
                    );
                    continue;
                }
                for trigger in &policy.triggers {
                    if trigger.type_name != EXECUTE_WORKFLOW {
                        diagnostics.push(Diagnostic::warning(
                            &s::S028,
                            trigger.span,
                            format!("trigger '{}' of type '{}' does not run in the rehearsal (only execute_workflow does)", trigger.name, trigger.type_name),
                        ));
                        continue;
                    }
                    let workflow = trigger
                        .parameters
                        .get("workflow")
                        .and_then(|n| n.as_str().map(|w| (w, n.span)));
                    if let Some((name, span)) = workflow {
                        if !SIMULATED_WORKFLOWS.contains(&name)
                            && blueprint.workflows.contains_key(name)
                        {
                            diagnostics.push(
                                Diagnostic::warning(
                                    &s::S028,
                                    span,
                                    format!("trigger '{}' executes workflow '{name}', which the rehearsal does not simulate", trigger.name),
                                )
                                .with_help(format!("simulated workflows: {}", SIMULATED_WORKFLOWS.join(", "))),
                            );
                        }
                    }
                }
            }
        }
    }
}

/// Reports a name that is no Cloudify node; says whether it is one.
fn node(topology: &Topology, name: &Spanned<String>, diagnostics: &mut Vec<Diagnostic>) -> bool {
    if topology.managed_node(&name.value).is_some() {
        return true;
    }
    let known: Vec<String> = topology
        .managed
        .iter()
        .flat_map(|d| {
            d.nodes
                .iter()
                .map(move |n| format!("{}/{}", d.name, n.name))
        })
        .collect();
    diagnostics.push(
        Diagnostic::error(
            &s::S025,
            name.span,
            format!("no deployed Cloudify node named '{}'", name.value),
        )
        .with_help(if known.is_empty() {
            "the scenario deploys no Cloudify blueprint".to_owned()
        } else {
            format!("nodes: {}", known.join(", "))
        }),
    );
    false
}

fn unknown_instance(topology: &Topology, name: &Spanned<String>, exists: bool) -> Diagnostic {
    if exists {
        return Diagnostic::error(
            &s::S026,
            name.span,
            format!(
                "'{}' is not a compute instance: host_down takes down a host",
                name.value
            ),
        )
        .with_help(
            "name an instance of a node derived from cloudify.nodes.Compute, or use `kill`",
        );
    }
    let known: Vec<String> = topology
        .managed
        .iter()
        .flat_map(|d| {
            d.instances
                .iter()
                .map(move |i| format!("{}/{}", d.name, i.id))
        })
        .take(20)
        .collect();
    Diagnostic::error(
        &s::S026,
        name.span,
        format!("no node instance named '{}'", name.value),
    )
    .with_help(if known.is_empty() {
        "the scenario deploys no Cloudify blueprint".to_owned()
    } else {
        format!("instances: {}", known.join(", "))
    })
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
