//! Cross-document resolution for Vamp: references between artifacts of different documents
//! and files, duplicate definitions, breed dependency cycles across the whole project,
//! gateway ports shared by two gateways, and the deployments that `kind: deployment` requests
//! produce when merged in order.

use crate::diag::{codes, Diagnostic};
use crate::dialect::vamp::blueprint;
use crate::dialect::vamp::codes as v;
use crate::dialect::vamp::reader::Cx;
use crate::ir::topology::BUILT_IN_PROGRAMS;
use crate::ir::vamp::deployment::{merge, Deployment, MergeProblem};
use crate::ir::vamp::{
    Artifacts, Blueprint, Breed, BreedRef, DeploymentName, EscalationKind, EscalationRef,
    RouteCondition, ScaleRef, SlaRef, Spanned,
};
use crate::source::Span;
use petgraph::algo::tarjan_scc;
use petgraph::graphmap::DiGraphMap;
use std::collections::BTreeMap;
use std::hash::{BuildHasherDefault, DefaultHasher};

/// Vamp's own workflow breeds that rehearse does not simulate (the Kibana and gateway-agent
/// helpers, the JavaScript executor): like the built-in programs
/// ([`BUILT_IN_PROGRAMS`]), they need no breed definition.
const VAMP_SYSTEM_BREEDS: &[&str] = &["kibana", "vga", "vamp-workflow-javascript"];

/// Whether a workflow's breed name needs no definition in the project.
fn is_known_workflow_breed(name: &str) -> bool {
    BUILT_IN_PROGRAMS.contains(&name) || VAMP_SYSTEM_BREEDS.contains(&name)
}

pub fn resolve(artifacts: &mut Artifacts, diagnostics: &mut Vec<Diagnostic>) {
    report_duplicates(artifacts, diagnostics);
    report_unresolved(artifacts, diagnostics);
    report_cycles(artifacts, diagnostics);
    validate_with_resolved_breeds(artifacts, diagnostics);
    report_shared_ports(artifacts, diagnostics);
    report_name_collisions(artifacts, diagnostics);
    artifacts.deployments = derive_deployments(artifacts, diagnostics);
}

fn duplicate(diagnostics: &mut Vec<Diagnostic>, what: &str, name: &str, span: Span, first: Span) {
    diagnostics.push(
        Diagnostic::warning(
            &codes::x::X003,
            span,
            format!("{what} '{name}' is defined twice"),
        )
        .with_label(first, "first defined here")
        .with_help("Vamp keeps whichever definition it receives last; rename or remove one"),
    );
}

fn report_duplicates(artifacts: &Artifacts, diagnostics: &mut Vec<Diagnostic>) {
    fn check<'a>(
        diagnostics: &mut Vec<Diagnostic>,
        what: &str,
        items: impl Iterator<Item = (&'a str, Span)>,
    ) {
        let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
        for (name, span) in items {
            match seen.get(name) {
                Some(first) => duplicate(diagnostics, what, name, span, *first),
                None => {
                    seen.insert(name, span);
                }
            }
        }
    }
    check(
        diagnostics,
        "breed",
        artifacts
            .breeds
            .iter()
            .map(|b| (b.name.value.as_str(), b.name.span)),
    );
    check(
        diagnostics,
        "blueprint",
        artifacts
            .blueprints
            .iter()
            .map(|b| (b.name.value.as_str(), b.name.span)),
    );
    check(
        diagnostics,
        "workflow",
        artifacts
            .workflows
            .iter()
            .map(|w| (w.name.value.as_str(), w.name.span)),
    );
    check(
        diagnostics,
        "gateway",
        artifacts
            .gateways
            .iter()
            .map(|g| (g.name.value.as_str(), g.name.span)),
    );
    check(
        diagnostics,
        "scale",
        artifacts
            .scales
            .iter()
            .filter_map(|s| s.name.as_ref().map(|n| (n.value.as_str(), n.span))),
    );
    check(
        diagnostics,
        "sla",
        artifacts
            .slas
            .iter()
            .filter_map(|s| s.name.as_ref().map(|n| (n.value.as_str(), n.span))),
    );
    check(
        diagnostics,
        "escalation",
        artifacts
            .escalations
            .iter()
            .filter_map(|s| s.name.as_ref().map(|n| (n.value.as_str(), n.span))),
    );
    check(
        diagnostics,
        "condition",
        artifacts
            .conditions
            .iter()
            .map(|c| (c.name.value.as_str(), c.name.span)),
    );
}

/// Every breed written anywhere (documents, inline in blueprints, workflows, dependencies).
fn all_breeds(artifacts: &Artifacts) -> Vec<&Breed> {
    fn visit<'a>(breed: &'a Breed, out: &mut Vec<&'a Breed>) {
        out.push(breed);
        for dependency in &breed.dependencies {
            if let BreedRef::Inline(inner) = &dependency.breed {
                visit(inner, out);
            }
        }
    }
    let mut out = Vec::new();
    for breed in &artifacts.breeds {
        visit(breed, &mut out);
    }
    for blueprint in artifacts
        .blueprints
        .iter()
        .chain(&artifacts.deployment_requests)
    {
        for service in blueprint.services() {
            if let BreedRef::Inline(breed) = &service.breed {
                visit(breed, &mut out);
            }
        }
    }
    for workflow in &artifacts.workflows {
        if let BreedRef::Inline(breed) = &workflow.breed {
            visit(breed, &mut out);
        }
    }
    out
}

fn unresolved(diagnostics: &mut Vec<Diagnostic>, what: &str, name: &Spanned<String>) {
    diagnostics.push(
        Diagnostic::warning(
            &codes::x::X002,
            name.span,
            format!("{what} '{}' is not defined in this project", name.value),
        )
        .with_help(format!(
            "Vamp resolves it when deploying; add a `kind: {what}` document named `{}` or check the name",
            name.value
        )),
    );
}

fn report_unresolved(artifacts: &Artifacts, diagnostics: &mut Vec<Diagnostic>) {
    let breeds: Vec<&str> = all_breeds(artifacts)
        .iter()
        .map(|b| b.name.value.as_str())
        .collect();
    let named = |names: Vec<&str>, wanted: &str| names.contains(&wanted);
    let scales: Vec<&str> = artifacts
        .scales
        .iter()
        .filter_map(|s| s.name.as_ref().map(|n| n.value.as_str()))
        .collect();
    let slas: Vec<&str> = artifacts
        .slas
        .iter()
        .filter_map(|s| s.name.as_ref().map(|n| n.value.as_str()))
        .collect();
    let escalations: Vec<&str> = artifacts
        .escalations
        .iter()
        .filter_map(|s| s.name.as_ref().map(|n| n.value.as_str()))
        .collect();
    let conditions: Vec<&str> = artifacts
        .conditions
        .iter()
        .map(|c| c.name.value.as_str())
        .collect();
    let blueprints: Vec<&str> = artifacts
        .blueprints
        .iter()
        .map(|b| b.name.value.as_str())
        .collect();

    let mut breed_refs: Vec<Spanned<String>> = Vec::new();
    let mut scale_refs = Vec::new();
    let mut sla_refs = Vec::new();
    let mut escalation_refs = Vec::new();
    let mut condition_refs = Vec::new();

    for breed in all_breeds(artifacts) {
        for dependency in &breed.dependencies {
            if let BreedRef::Reference(name) = &dependency.breed {
                breed_refs.push(Spanned::new(name.value.0.clone(), name.span));
            }
        }
    }
    for blueprint in artifacts
        .blueprints
        .iter()
        .chain(&artifacts.deployment_requests)
    {
        if blueprint.is_reference {
            if !named(blueprints.clone(), blueprint.name.value.as_str()) {
                unresolved(
                    diagnostics,
                    "blueprint",
                    &Spanned::new(blueprint.name.value.0.clone(), blueprint.name.span),
                );
            }
            continue;
        }
        collect_blueprint_refs(
            blueprint,
            &mut breed_refs,
            &mut scale_refs,
            &mut sla_refs,
            &mut escalation_refs,
            &mut condition_refs,
        );
    }
    for gateway in &artifacts.gateways {
        for route in &gateway.routes {
            if let Some(RouteCondition::Reference(name)) = &route.condition {
                condition_refs.push(Spanned::new(name.value.0.clone(), name.span));
            }
        }
    }
    for workflow in &artifacts.workflows {
        if let BreedRef::Reference(name) = &workflow.breed {
            if !is_known_workflow_breed(name.value.as_str()) {
                breed_refs.push(Spanned::new(name.value.0.clone(), name.span));
            }
        }
        if let Some(ScaleRef::Reference(name)) = &workflow.scale {
            scale_refs.push(Spanned::new(name.value.0.clone(), name.span));
        }
    }
    for name in breed_refs {
        if !breeds.contains(&name.value.as_str()) {
            unresolved(diagnostics, "breed", &name);
        }
    }
    for (what, refs, defined) in [
        ("scale", scale_refs, &scales),
        ("sla", sla_refs, &slas),
        ("escalation", escalation_refs, &escalations),
        ("condition", condition_refs, &conditions),
    ] {
        for name in refs {
            if !defined.contains(&name.value.as_str()) {
                unresolved(diagnostics, what, &name);
            }
        }
    }
}

fn collect_blueprint_refs(
    blueprint: &Blueprint,
    breeds: &mut Vec<Spanned<String>>,
    scales: &mut Vec<Spanned<String>>,
    slas: &mut Vec<Spanned<String>>,
    escalations: &mut Vec<Spanned<String>>,
    conditions: &mut Vec<Spanned<String>>,
) {
    for cluster in &blueprint.clusters {
        for service in &cluster.services {
            if let BreedRef::Reference(name) = &service.breed {
                breeds.push(Spanned::new(name.value.0.clone(), name.span));
            }
            if let Some(ScaleRef::Reference(name)) = &service.scale {
                scales.push(Spanned::new(name.value.0.clone(), name.span));
            }
        }
        let escalation_list = match &cluster.sla {
            Some(SlaRef::Reference { name, escalations }) => {
                slas.push(Spanned::new(name.value.0.clone(), name.span));
                escalations.as_slice()
            }
            Some(SlaRef::Inline(sla)) => sla.escalations.as_slice(),
            None => &[],
        };
        let mut stack: Vec<&EscalationRef> = escalation_list.iter().collect();
        while let Some(escalation) = stack.pop() {
            match escalation {
                EscalationRef::Reference(name) => {
                    escalations.push(Spanned::new(name.value.0.clone(), name.span));
                }
                EscalationRef::Inline(inline) => {
                    if let EscalationKind::ToAll(inner) | EscalationKind::ToOne(inner) =
                        &inline.kind
                    {
                        stack.extend(inner.iter());
                    }
                }
            }
        }
        for gateway in &cluster.gateways {
            for route in &gateway.routes {
                if let Some(RouteCondition::Reference(name)) = &route.condition {
                    conditions.push(Spanned::new(name.value.0.clone(), name.span));
                }
            }
        }
    }
    for gateway in &blueprint.gateways {
        for route in &gateway.routes {
            if let Some(RouteCondition::Reference(name)) = &route.condition {
                conditions.push(Spanned::new(name.value.0.clone(), name.span));
            }
        }
    }
}

/// Re-validates blueprints and deployment requests with their breed references replaced by
/// the breeds the project defines, so rules Vamp's reader skips for references (gateway ports,
/// environment variables, health check ports, TCP rules) apply across files. Findings equal to
/// the reader's are removed when diagnostics are normalised.
fn validate_with_resolved_breeds(artifacts: &Artifacts, diagnostics: &mut Vec<Diagnostic>) {
    let known = all_breeds(artifacts);
    let find = |name: &str| {
        known
            .iter()
            .find(|b| b.name.value.as_str() == name)
            .copied()
    };
    let requests = artifacts
        .blueprints
        .iter()
        .map(|b| (b, false))
        .chain(artifacts.deployment_requests.iter().map(|b| (b, true)));
    for (blueprint, deployment) in requests {
        if blueprint.is_reference {
            continue;
        }
        let mut resolved = blueprint.clone();
        let mut changed = false;
        for service in resolved
            .clusters
            .iter_mut()
            .flat_map(|c| c.services.iter_mut())
        {
            if let BreedRef::Reference(name) = &service.breed {
                if let Some(breed) = find(name.value.as_str()) {
                    let mut inline = breed.clone();
                    // Point at the reference, where the blueprint names the breed.
                    inline.name.span = name.span;
                    service.breed = BreedRef::Inline(Box::new(inline));
                    changed = true;
                }
            }
        }
        if changed {
            let mut cx = Cx { diagnostics };
            blueprint::validate(&mut cx, &resolved, deployment);
        }
    }
}

/// Breed dependency cycles over every breed of the project (Vamp checks one breed's inline
/// tree; a cycle through breeds of several files is just as undeployable).
fn report_cycles(artifacts: &Artifacts, diagnostics: &mut Vec<Diagnostic>) {
    let breeds = all_breeds(artifacts);
    let mut graph: DiGraphMap<&str, (), BuildHasherDefault<DefaultHasher>> = DiGraphMap::default();
    // (from, to, span of the dependency) in reading order.
    let mut edges: Vec<(&str, &str, Span)> = Vec::new();
    for breed in &breeds {
        let from = breed.name.value.as_str();
        graph.add_node(from);
        for dependency in &breed.dependencies {
            let to = dependency.breed.name().as_str();
            graph.add_edge(from, to, ());
            edges.push((from, to, dependency.alias.span));
        }
    }
    for component in tarjan_scc(&graph) {
        let cyclic =
            component.len() > 1 || component.first().is_some_and(|n| graph.contains_edge(n, n));
        if !cyclic {
            continue;
        }
        let mut members: Vec<&str> = component.clone();
        members.sort_unstable();
        members.dedup();
        let mut inside: Vec<&(&str, &str, Span)> = edges
            .iter()
            .filter(|(f, t, _)| members.contains(f) && members.contains(t))
            .collect();
        inside.sort_by_key(|(_, _, span)| *span);
        inside.dedup();
        let Some((from, to, span)) = inside.last().copied() else {
            continue;
        };
        let mut diagnostic = Diagnostic::error(
            &v::V014,
            *span,
            format!("Recursive (cyclic) dependency detected for breed '{from}'"),
        )
        .with_peer("RecursiveDependenciesError")
        .with_span_label(format!("depends on '{to}'"))
        .with_help(format!(
            "the cycle goes through {}; break it by removing one dependency",
            members.join(" → ")
        ));
        for (_, to, other) in inside.iter().rev().skip(1) {
            diagnostic = diagnostic.with_label(*other, format!("depends on '{to}'"));
        }
        diagnostics.push(diagnostic);
    }
}

/// Two gateways on the same external port: Vamp refuses the second.
fn report_shared_ports(artifacts: &Artifacts, diagnostics: &mut Vec<Diagnostic>) {
    let mut seen: BTreeMap<u32, (String, Span)> = BTreeMap::new();
    let gateway_ports = artifacts
        .gateways
        .iter()
        .filter(|g| !g.is_internal() && g.port.number != 0)
        .map(|g| (g.port.number, g.name.value.0.clone(), g.port.span));
    let deployment_ports = artifacts.deployment_requests.iter().flat_map(|d| {
        d.gateways.iter().map(move |g| {
            (
                g.port.number,
                format!("{}/{}", d.name.value, g.port.number),
                g.port.span,
            )
        })
    });
    for (port, owner, span) in gateway_ports.chain(deployment_ports) {
        match seen.get(&port) {
            Some((first, first_span)) if *first != owner => diagnostics.push(
                Diagnostic::error(
                    &v::V050,
                    span,
                    format!(
                        "Gateway port '{port}' is/was in use by deployment: '{first}'. Remove '{first}' gateway first or use different port."
                    ),
                )
                .with_peer("UnavailableGatewayPortError")
                .with_label(*first_span, "port taken here")
                .with_help("each external gateway needs its own port"),
            ),
            Some(_) => {}
            None => {
                seen.insert(port, (owner, span));
            }
        }
    }
}

fn report_name_collisions(artifacts: &Artifacts, diagnostics: &mut Vec<Diagnostic>) {
    for workflow in &artifacts.workflows {
        if let Some(deployment) = artifacts
            .deployment_requests
            .iter()
            .find(|d| d.name.value.as_str() == workflow.name.value.as_str())
        {
            diagnostics.push(
                Diagnostic::error(
                    &v::V047,
                    workflow.name.span,
                    format!(
                        "There cannot exist deployment and workflow with the same name: {}.",
                        workflow.name.value
                    ),
                )
                .with_peer("DeploymentWorkflowNameCollision")
                .with_label(deployment.name.span, "deployment with the same name")
                .with_help("rename the workflow or the deployment"),
            );
        }
    }
}

/// Merges the `kind: deployment` requests of each deployment name in reading order.
fn derive_deployments(artifacts: &Artifacts, diagnostics: &mut Vec<Diagnostic>) -> Vec<Deployment> {
    let mut deployments: Vec<Deployment> = Vec::new();
    for request in &artifacts.deployment_requests {
        if request.is_reference {
            continue;
        }
        let name = DeploymentName(request.name.value.0.clone());
        let index = match deployments.iter().position(|d| d.name == name) {
            Some(i) => i,
            None => {
                deployments.push(Deployment {
                    name: name.clone(),
                    clusters: Vec::new(),
                    gateways: Vec::new(),
                });
                deployments.len() - 1
            }
        };
        let Some(existing) = deployments.get(index) else {
            continue;
        };
        let (merged, problems) = merge(existing, request, artifacts);
        for problem in problems {
            diagnostics.push(match problem {
                MergeProblem::RouteWeight { gateway, total, span } => Diagnostic::error(
                    &v::V048,
                    span,
                    format!(
                        "Total route weight for gateway '{gateway}' of deployment '{name}' must be either 100% or 0%, not {total}%"
                    ),
                )
                .with_peer("UnsupportedRouteWeight")
                .with_help("give the routes of each gateway weights that sum to 100%"),
                MergeProblem::DuplicateBreed { breed, span } => Diagnostic::error(
                    &v::V049,
                    span,
                    format!("Breed '{breed}' appears twice in deployment '{name}'."),
                )
                .with_peer("NonUniqueBreedReferenceError")
                .with_help("a deployment runs each breed once"),
                MergeProblem::UnresolvedDependency {
                    breed,
                    dependency,
                    span,
                } => Diagnostic::error(
                    &v::V052,
                    span,
                    format!("Unresolved dependency '{dependency}' for breed '{breed}'."),
                )
                .with_peer("UnresolvedDependencyError")
                .with_help(format!(
                    "deploy `{dependency}` in the same deployment (another cluster)"
                )),
            });
        }
        if let Some(slot) = deployments.get_mut(index) {
            *slot = merged;
        }
    }
    deployments
}
