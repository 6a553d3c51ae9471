//! The Vamp canary a migration to Argo Rollouts or Flagger reproduces: a scenario's
//! deployment with a workflow running the built-in `canary` program (reference/vamp/CANARY.md
//! §1.2: at start and every PERIOD s, any 5xx on GATEWAY in the last WINDOW s sends the
//! weights back to 100/0, else 5 points move from SERVICE1 to SERVICE2), resolved through the
//! scenario's topology to the two services it ramps between.

use super::Document;
use crate::diag::codes::e;
use crate::diag::Diagnostic;
use crate::ir::scenario::Scenario;
use crate::ir::topology::{ControllerOutcome, Program, RouteTo, Topology};
use crate::ir::Project;
use crate::source::Span;

/// Points the canary program moves per clean tick (CANARY.md §1.2).
pub const STEP_PERCENT: i64 = 5;

/// One of the two services of the ramp.
#[derive(Clone, Debug, PartialEq)]
pub struct Version {
    /// The Vamp service (breed) name, e.g. `sava:1.1`.
    pub breed: String,
    /// The container image (the breed's docker deployable).
    pub image: String,
    pub instances: i64,
    pub cpu_millis: i64,
    pub memory_bytes: u64,
    /// The breed port the gateway routes to: name and number.
    pub port_name: String,
    pub port: u32,
}

/// A canary workflow resolved: what both targets need.
#[derive(Clone, Debug, PartialEq)]
pub struct VampCanary {
    pub scenario: String,
    pub workflow: String,
    pub workflow_span: Span,
    pub deployment: String,
    pub cluster: String,
    /// The gateway the workflow watches (`deployment/cluster/port`).
    pub gateway: String,
    pub period_s: u64,
    pub window_s: u64,
    pub stable: Version,
    pub canary: Version,
}

impl VampCanary {
    /// The weights of the ramp: 5, 10, ..., 100, one per PERIOD from t = 0.
    pub fn ramp(&self) -> Vec<i64> {
        (1..=100 / STEP_PERCENT).map(|i| i * STEP_PERCENT).collect()
    }
}

/// The scenario to migrate: the one named, or the first (in project order) whose topology runs
/// a canary program. `Err`: a usage message.
pub fn find(
    project: &Project,
    scenario: Option<&str>,
) -> Result<Vec<(Span, CanaryOrProblem)>, String> {
    let scenarios: Vec<&Scenario> = match scenario {
        Some(name) => {
            let found: Vec<&Scenario> = project
                .scenarios
                .iter()
                .filter(|s| s.name.value == name)
                .collect();
            if found.is_empty() {
                return Err(format!(
                    "no scenario named '{name}' (scenarios: {})",
                    project
                        .scenarios
                        .iter()
                        .map(|s| s.name.value.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            found
        }
        None => project.scenarios.iter().collect(),
    };
    for chosen in scenarios {
        let topology = crate::lower::resolve(project, chosen);
        let found = canaries(project, chosen, &topology);
        if !found.is_empty() {
            return Ok(found);
        }
    }
    Ok(Vec::new())
}

/// A resolved canary, or why the workflow cannot be migrated (an error diagnostic).
pub type CanaryOrProblem = Result<VampCanary, Box<Diagnostic>>;

fn canaries(
    project: &Project,
    scenario: &Scenario,
    topology: &Topology,
) -> Vec<(Span, CanaryOrProblem)> {
    let mut out = Vec::new();
    for controller in &topology.controllers {
        let ControllerOutcome::Runs(Program::Canary {
            router,
            old_route,
            new_route,
            window_s,
            period_s,
        }) = &controller.outcome
        else {
            continue;
        };
        let span = controller.name.span;
        let problem = |message: String| Box::new(Diagnostic::error(&e::E020, span, message));
        let router_model = &topology.routers[*router];
        let version = |route: usize| -> Result<(Version, String, String), Box<Diagnostic>> {
            let route = &router_model.routes[route];
            let RouteTo::Workload(index) = route.target else {
                return Err(problem(format!(
                    "route '{}' leads to another gateway, not to one service: an Argo or Flagger canary ramps between two versions of one workload",
                    route.name
                )));
            };
            let workload = &topology.workloads[index];
            let breed_name = workload.name.value.as_str();
            let breed = project.vamp.breed(breed_name).ok_or_else(|| {
                problem(format!("the breed '{breed_name}' is not in the project"))
            })?;
            if breed.deployable.kind != "container/docker" && breed.deployable.kind != "docker" {
                return Err(problem(format!(
                    "breed '{breed_name}' deploys a '{}', not a container image",
                    breed.deployable.kind
                )));
            }
            // `deployment/cluster/service/port`: the port is the last segment.
            let port_name = route
                .name
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .to_string();
            let port = breed.port(&port_name).map_or(0, |p| p.number);
            if port == 0 {
                return Err(problem(format!(
                    "breed '{breed_name}' gives port '{port_name}' no number: a Kubernetes Service needs one"
                )));
            }
            Ok((
                Version {
                    breed: breed_name.to_string(),
                    image: breed.deployable.definition.value.clone(),
                    instances: i64::from(workload.instances),
                    cpu_millis: workload.resources.cpu_millis,
                    memory_bytes: workload.resources.memory_bytes,
                    port_name,
                    port,
                },
                workload.deployment.clone(),
                workload.group.clone(),
            ))
        };
        let resolved = version(*old_route).and_then(|(stable, deployment, cluster)| {
            let (canary, _, canary_cluster) = version(*new_route)?;
            if canary_cluster != cluster {
                return Err(problem(format!(
                    "SERVICE1 is in cluster '{cluster}' and SERVICE2 in '{canary_cluster}': a Rollout or Canary updates one workload"
                )));
            }
            if stable.port != canary.port {
                return Err(problem(format!(
                    "the two versions listen on different ports ({} and {}): one Service cannot front both",
                    stable.port, canary.port
                )));
            }
            Ok(VampCanary {
                scenario: scenario.name.value.clone(),
                workflow: controller.name.value.clone(),
                workflow_span: span,
                deployment,
                cluster,
                gateway: router_model.name.clone(),
                period_s: *period_s,
                window_s: *window_s,
                stable,
                canary,
            })
        });
        out.push((span, resolved));
    }
    out
}

/// A Kubernetes object name (RFC 1035 label: lowercase letters, digits and `-`, starting with
/// a letter, at most 63 characters) made from Vamp names, or an E021 error when nothing of
/// them is left.
pub fn kube_name(parts: &[&str], span: Span) -> Result<String, Box<Diagnostic>> {
    let mut name = String::new();
    for c in parts.join("-").chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            name.push(c);
        } else if !name.ends_with('-') && !name.is_empty() {
            name.push('-');
        }
    }
    let mut name: String = name.chars().take(63).collect();
    while name.ends_with('-') {
        name.pop();
    }
    if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
        return Err(Box::new(Diagnostic::error(
            &e::E021,
            span,
            format!(
                "'{}' gives no Kubernetes name (lowercase letters, digits and '-', starting with a letter)",
                parts.join("/")
            ),
        )));
    }
    Ok(name)
}

/// The emitted documents, or the diagnostics; `nothing` when no scenario runs a canary.
pub fn emit_with(
    project: &Project,
    scenario: Option<&str>,
    target: &str,
    render: impl Fn(&VampCanary) -> Result<(Document, Vec<Diagnostic>), Box<Diagnostic>>,
) -> super::Emitted {
    let found = match find(project, scenario) {
        Ok(found) => found,
        Err(message) => {
            return super::Emitted {
                nothing: Some(message),
                ..super::Emitted::default()
            }
        }
    };
    if found.is_empty() {
        return super::Emitted {
            nothing: Some(format!(
                "no scenario deploys a Vamp workflow running the canary program, which the {target} target migrates"
            )),
            ..super::Emitted::default()
        };
    }
    let mut emitted = super::Emitted::default();
    let mut names = std::collections::BTreeSet::new();
    for (span, canary) in found {
        match canary.and_then(|c| render(&c)) {
            // Two canary workflows of one cluster would write the same file.
            Ok((document, _)) if !names.insert(document.name.clone()) => {
                emitted.diagnostics.push(Diagnostic::error(
                    &e::E020,
                    span,
                    format!(
                        "a second canary workflow ramps the same workload ({}): a Rollout or Canary has one ramp",
                        document.name
                    ),
                ))
            }
            Ok((document, diagnostics)) => {
                emitted.documents.push(document);
                emitted.diagnostics.extend(diagnostics);
            }
            Err(d) => emitted.diagnostics.push(*d),
        }
    }
    emitted
}

/// A memory size as a Kubernetes quantity: `64Mi` when whole mebibytes, else bytes.
pub fn memory_quantity(bytes: u64) -> String {
    const MI: u64 = 1024 * 1024;
    if bytes > 0 && bytes % MI == 0 {
        format!("{}Mi", bytes / MI)
    } else {
        bytes.to_string()
    }
}

/// The nginx Ingress both targets put in front of the workload: every path to `service`.
pub fn nginx_ingress(name: &str, service: &str, port: u32) -> serde_json::Value {
    serde_json::json!({
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": { "name": name },
        "spec": {
            "ingressClassName": "nginx",
            "rules": [{"http": {"paths": [{
                "path": "/",
                "pathType": "Prefix",
                "backend": {"service": {"name": service, "port": {"number": port}}},
            }]}}],
        },
    })
}

/// The container of both targets' pod templates.
pub fn container(name: &str, version: &Version) -> serde_json::Value {
    let mut requests = serde_json::Map::new();
    if version.cpu_millis > 0 {
        requests.insert("cpu".into(), format!("{}m", version.cpu_millis).into());
    }
    if version.memory_bytes > 0 {
        requests.insert(
            "memory".into(),
            memory_quantity(version.memory_bytes).into(),
        );
    }
    let mut container = serde_json::json!({
        "name": name,
        "image": version.image,
        "ports": [{"name": "http", "containerPort": version.port, "protocol": "TCP"}],
    });
    if !requests.is_empty() {
        container["resources"] = serde_json::json!({ "requests": requests });
    }
    container
}

/// The object name of a canary: the deployment and cluster (once when they are equal).
pub fn base_name(canary: &VampCanary) -> Result<String, Box<Diagnostic>> {
    if canary.deployment == canary.cluster {
        kube_name(&[&canary.deployment], canary.workflow_span)
    } else {
        kube_name(&[&canary.deployment, &canary.cluster], canary.workflow_span)
    }
    // Room for the longest suffix added to it (`-canary`, `-gateway-5xx`).
    .map(|n| {
        n.chars()
            .take(63 - 12)
            .collect::<String>()
            .trim_end_matches('-')
            .to_string()
    })
}

/// The comment lines heading an emitted file: where it comes from and what differs.
pub fn header(canary: &VampCanary, target: &str) -> Vec<String> {
    vec![
        format!(
            "Migrated by `rehearse emit --target {target}` from Vamp workflow '{}' (scenario '{}'):",
            canary.workflow, canary.scenario
        ),
        format!(
            "{} -> {}, {} points every {} s; any 5xx on {} in the last {} s rolls back.",
            canary.stable.breed,
            canary.canary.breed,
            STEP_PERCENT,
            canary.period_s,
            canary.gateway,
            canary.window_s
        ),
        format!(
            "The pod template runs the stable version ({}); the canary starts when the image becomes {}.",
            canary.stable.image, canary.canary.image
        ),
    ]
}
