//! `rehearse graph`: one picture of what references what in a checked project.
//!
//! The graph is built from the typed IR (never from YAML) into a petgraph graph, then written
//! as Graphviz DOT or Mermaid. Vertices are inserted in IR order and keyed by a stable string,
//! so the same project always gives the same text. Vamp blueprints, Cloudify blueprints and
//! KrakenD configs are drawn as boxes (DOT clusters, Mermaid subgraphs) around what they hold.

use crate::ir::{cloudify, krakend, vamp, Project};
use crate::source::{FileId, SourceMap};
use indexmap::IndexMap;
use petgraph::stable_graph::{NodeIndex, StableDiGraph};
use petgraph::visit::EdgeRef;
use std::fmt::Write;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GraphFormat {
    Dot,
    Mermaid,
}

/// What a vertex stands for; decides its shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Scenario,
    Deployment,
    Blueprint,
    Cluster,
    Breed,
    Gateway,
    Workflow,
    CloudifyNode,
    CloudifyGroup,
    Endpoint,
    Backend,
    /// A name a document uses that nothing in the project defines.
    Unresolved,
}

impl Kind {
    fn dot_shape(self) -> &'static str {
        match self {
            Kind::Scenario => "note",
            Kind::Deployment => "folder",
            Kind::Blueprint => "tab",
            Kind::Cluster => "box3d",
            Kind::Breed => "component",
            Kind::Gateway => "diamond",
            Kind::Workflow => "hexagon",
            Kind::CloudifyNode => "box",
            Kind::CloudifyGroup => "octagon",
            Kind::Endpoint => "cds",
            Kind::Backend => "cylinder",
            Kind::Unresolved => "plaintext",
        }
    }

    /// Mermaid's bracket pair for the shape.
    fn mermaid_brackets(self) -> (&'static str, &'static str) {
        match self {
            Kind::Gateway => ("{", "}"),
            Kind::Workflow | Kind::CloudifyGroup => ("{{", "}}"),
            Kind::Backend => ("[(", ")]"),
            Kind::Breed => ("[[", "]]"),
            Kind::Scenario | Kind::Deployment => ("[/", "/]"),
            Kind::Endpoint => (">", "]"),
            Kind::Unresolved => ("(", ")"),
            Kind::Blueprint | Kind::Cluster | Kind::CloudifyNode => ("[", "]"),
        }
    }
}

struct Vertex {
    kind: Kind,
    label: String,
    /// The box (DOT cluster, Mermaid subgraph) drawn around it, an index into `boxes`.
    within: Option<usize>,
}

struct Edge {
    label: String,
    dashed: bool,
}

/// The project as a graph of vertices keyed by stable names.
pub struct ProjectGraph {
    graph: StableDiGraph<Vertex, Edge>,
    keys: IndexMap<String, NodeIndex>,
    boxes: Vec<String>,
}

impl ProjectGraph {
    fn new() -> ProjectGraph {
        ProjectGraph {
            graph: StableDiGraph::new(),
            keys: IndexMap::new(),
            boxes: Vec::new(),
        }
    }

    /// The vertex for `key`, created on first use (later calls keep the first label).
    fn vertex(
        &mut self,
        key: String,
        kind: Kind,
        label: String,
        within: Option<usize>,
    ) -> NodeIndex {
        if let Some(&index) = self.keys.get(&key) {
            return index;
        }
        let index = self.graph.add_node(Vertex {
            kind,
            label,
            within,
        });
        self.keys.insert(key, index);
        index
    }

    fn edge(&mut self, from: NodeIndex, to: NodeIndex, label: impl Into<String>) {
        self.add_edge(from, to, label.into(), false);
    }

    fn dashed_edge(&mut self, from: NodeIndex, to: NodeIndex, label: impl Into<String>) {
        self.add_edge(from, to, label.into(), true);
    }

    /// One edge per (from, to, label): two scenarios deploying the same blueprint draw it once.
    fn add_edge(&mut self, from: NodeIndex, to: NodeIndex, label: String, dashed: bool) {
        let exists = self
            .graph
            .edges_connecting(from, to)
            .any(|e| e.weight().label == label);
        if !exists {
            self.graph.add_edge(from, to, Edge { label, dashed });
        }
    }

    fn new_box(&mut self, label: String) -> usize {
        self.boxes.push(label);
        self.boxes.len() - 1
    }
}

/// Builds the graph of a checked project; `sources` names the files boxes are drawn around.
pub fn build(project: &Project, sources: &SourceMap) -> ProjectGraph {
    let mut graph = ProjectGraph::new();
    let deployments = deployed_blueprints(project);
    add_vamp(&mut graph, &project.vamp, &deployments);
    let path = |file: FileId| {
        sources
            .try_get(file)
            .map_or_else(|| format!("#{}", file.0), |f| f.path.clone())
    };
    for blueprint in &project.cloudify {
        add_cloudify(&mut graph, blueprint, &path(blueprint.span.file));
    }
    for config in &project.krakend {
        add_krakend(&mut graph, config, &path(config.file));
    }
    add_scenarios(&mut graph, project, &deployments);
    graph
}

/// Deployment name → the Vamp blueprints the scenarios deploy into it, in first-seen order.
fn deployed_blueprints(project: &Project) -> IndexMap<String, Vec<String>> {
    let mut deployments: IndexMap<String, Vec<String>> = IndexMap::new();
    for scenario in &project.scenarios {
        for step in &scenario.deploy {
            let blueprints = deployments
                .entry(step.deployment.value.clone())
                .or_default();
            if !blueprints.contains(&step.blueprint.value) {
                blueprints.push(step.blueprint.value.clone());
            }
        }
    }
    deployments
}

fn breed_vertex(graph: &mut ProjectGraph, breed: &vamp::BreedRef) -> NodeIndex {
    let name = breed.name().as_str();
    graph.vertex(
        format!("breed:{name}"),
        Kind::Breed,
        format!("breed {name}"),
        None,
    )
}

fn cluster_key(owner: &str, cluster: &str) -> String {
    format!("cluster:{owner}/{cluster}")
}

fn add_vamp(
    graph: &mut ProjectGraph,
    artifacts: &vamp::Artifacts,
    deployments: &IndexMap<String, Vec<String>>,
) {
    for breed in &artifacts.breeds {
        let name = breed.name.value.as_str();
        let from = graph.vertex(
            format!("breed:{name}"),
            Kind::Breed,
            format!("breed {name}"),
            None,
        );
        for dependency in &breed.dependencies {
            let to = breed_vertex(graph, &dependency.breed);
            graph.edge(from, to, format!("depends on ({})", dependency.alias.value));
        }
    }
    for blueprint in artifacts.blueprints.iter().filter(|b| !b.is_reference) {
        add_vamp_blueprint(graph, blueprint);
    }
    for deployment in &artifacts.deployments {
        let name = deployment.name.as_str();
        let within = graph.new_box(format!("deployment {name}"));
        let owner = graph.vertex(
            format!("deployment:{name}"),
            Kind::Deployment,
            format!("deployment {name}"),
            Some(within),
        );
        for cluster in &deployment.clusters {
            let c = graph.vertex(
                cluster_key(name, cluster.name.as_str()),
                Kind::Cluster,
                format!("cluster {}", cluster.name),
                Some(within),
            );
            graph.edge(owner, c, "cluster");
            for service in &cluster.services {
                let b = breed_vertex(graph, &service.breed);
                graph.edge(c, b, "runs");
            }
        }
        for gateway in deployment
            .gateways
            .iter()
            .chain(deployment.clusters.iter().flat_map(|c| c.gateways.iter()))
        {
            let g = graph.vertex(
                format!("gateway:{}", gateway.name),
                Kind::Gateway,
                format!("gateway {}", gateway.name),
                Some(within),
            );
            for route in &gateway.routes {
                let label = format!("{} {}", route.path, route.weight);
                for target in resolve_reference(graph, &route.path, deployments) {
                    graph.edge(g, target, label.clone());
                }
            }
        }
    }
    for gateway in &artifacts.gateways {
        let name = gateway.name.value.as_str();
        let g = graph.vertex(
            format!("gateway:{name}"),
            Kind::Gateway,
            format!("gateway {name} ({})", gateway.port.number),
            None,
        );
        for route in &gateway.routes {
            let path = route.path.text.value.as_str();
            let label = route_label(path, route);
            let targets = resolve_reference(graph, path, deployments);
            if targets.is_empty() {
                let unresolved = unresolved_vertex(graph, path);
                graph.dashed_edge(g, unresolved, label.clone());
            }
            for target in targets {
                graph.edge(g, target, label.clone());
            }
        }
    }
    for workflow in &artifacts.workflows {
        let name = workflow.name.value.as_str();
        let w = graph.vertex(
            format!("workflow:{name}"),
            Kind::Workflow,
            format!("workflow {name}"),
            None,
        );
        // A breed the project does not define names one of rehearse's built-in programs.
        let breed = workflow.breed.name().as_str();
        let b = if graph.keys.contains_key(&format!("breed:{breed}")) {
            breed_vertex(graph, &workflow.breed)
        } else {
            graph.vertex(
                format!("program:{breed}"),
                Kind::Breed,
                format!("program {breed}"),
                None,
            )
        };
        graph.edge(w, b, "runs");
        // A workflow acts on what its environment names (GATEWAY, SERVICE1, ...): an edge for
        // every value that is the name of something deployed.
        for variable in &workflow.environment_variables {
            let Some(value) = &variable.value else {
                continue;
            };
            let text = value.text.value.trim();
            if !text.contains('/') {
                continue;
            }
            for target in resolve_reference(graph, text, deployments) {
                graph.dashed_edge(w, target, variable.name.value.clone());
            }
        }
    }
}

fn route_label(path: &str, route: &vamp::Route) -> String {
    match &route.weight {
        Some(weight) => format!("{path} {}", weight.value),
        None => path.to_string(),
    }
}

fn add_vamp_blueprint(graph: &mut ProjectGraph, blueprint: &vamp::Blueprint) {
    let name = blueprint.name.value.as_str();
    let within = graph.new_box(format!("blueprint {name}"));
    let b = graph.vertex(
        format!("blueprint:{name}"),
        Kind::Blueprint,
        format!("blueprint {name}"),
        Some(within),
    );
    for cluster in &blueprint.clusters {
        let c = graph.vertex(
            cluster_key(name, cluster.name.value.as_str()),
            Kind::Cluster,
            format!("cluster {}", cluster.name.value),
            Some(within),
        );
        graph.edge(b, c, "cluster");
        for service in &cluster.services {
            let s = breed_vertex(graph, &service.breed);
            graph.edge(c, s, "runs");
        }
        for gateway in &cluster.gateways {
            for route in &gateway.routes {
                let path = route.path.text.value.as_str();
                let target = graph.vertex(
                    format!("breed:{path}"),
                    Kind::Breed,
                    format!("breed {path}"),
                    None,
                );
                graph.edge(c, target, route_label(path, route));
            }
        }
    }
    for gateway in &blueprint.gateways {
        let port = gateway.port.number;
        let g = graph.vertex(
            format!("gateway:{name}/{port}"),
            Kind::Gateway,
            format!("gateway {port}"),
            Some(within),
        );
        graph.edge(b, g, "exposes");
        for route in &gateway.routes {
            let path = route.path.text.value.as_str();
            // `cluster/port` inside a blueprint.
            let cluster = path.split('/').next().unwrap_or(path);
            let key = cluster_key(name, cluster);
            let label = route_label(path, route);
            if let Some(c) = graph.keys.get(&key).copied() {
                graph.edge(g, c, label);
            } else {
                let unresolved = unresolved_vertex(graph, path);
                graph.dashed_edge(g, unresolved, label);
            }
        }
    }
}

fn unresolved_vertex(graph: &mut ProjectGraph, name: &str) -> NodeIndex {
    graph.vertex(
        format!("unresolved:{name}"),
        Kind::Unresolved,
        format!("{name} (not defined)"),
        None,
    )
}

/// What a Vamp reference to something deployed names: `deployment/port` (an external
/// gateway), `deployment/cluster/port` (a cluster's gateway), `deployment/cluster/service/port`
/// (a route to a service).
fn resolve_reference(
    graph: &ProjectGraph,
    reference: &str,
    deployments: &IndexMap<String, Vec<String>>,
) -> Vec<NodeIndex> {
    let parts: Vec<&str> = reference.split('/').collect();
    let Some(blueprints) = deployments.get(parts[0]) else {
        // A `kind: deployment` document defines its clusters itself.
        return match parts.as_slice() {
            [deployment, cluster, ..] => graph
                .keys
                .get(&cluster_key(deployment, cluster))
                .copied()
                .into_iter()
                .collect(),
            _ => Vec::new(),
        };
    };
    let mut found = Vec::new();
    for blueprint in blueprints {
        let key = match parts.as_slice() {
            [_, port] => format!("gateway:{blueprint}/{port}"),
            [_, cluster, _port] => cluster_key(blueprint, cluster),
            [_, _cluster, service, _port] => format!("breed:{service}"),
            _ => continue,
        };
        if let Some(&index) = graph.keys.get(&key) {
            if !found.contains(&index) {
                found.push(index);
            }
        }
    }
    found
}

fn add_scenarios(
    graph: &mut ProjectGraph,
    project: &Project,
    deployments: &IndexMap<String, Vec<String>>,
) {
    for scenario in &project.scenarios {
        let name = scenario.name.value.as_str();
        let s = graph.vertex(
            format!("scenario:{name}"),
            Kind::Scenario,
            format!("scenario {name}"),
            None,
        );
        for step in &scenario.deploy {
            let deployment = step.deployment.value.as_str();
            let d = graph.vertex(
                format!("deployment:{deployment}"),
                Kind::Deployment,
                format!("deployment {deployment}"),
                None,
            );
            graph.edge(s, d, "deploys");
            let blueprint = step.blueprint.value.as_str();
            let key = match step
                .cloudify
                .as_ref()
                .and_then(|c| c.blueprint)
                .and_then(|index| project.cloudify.get(index))
            {
                Some(cloudify) => cloudify_blueprint_key(cloudify),
                None => format!("blueprint:{blueprint}"),
            };
            match graph.keys.get(&key).copied() {
                Some(b) => graph.edge(d, b, "blueprint"),
                None => {
                    let unresolved = unresolved_vertex(graph, blueprint);
                    graph.dashed_edge(d, unresolved, "blueprint");
                }
            }
        }
        for traffic in &scenario.traffic {
            let to = traffic.to.value.as_str();
            for target in resolve_reference(graph, to, deployments) {
                graph.dashed_edge(s, target, "traffic");
            }
        }
    }
}

fn cloudify_blueprint_key(blueprint: &cloudify::Blueprint) -> String {
    format!("cloudify:{}:blueprint", blueprint.span.file.0)
}

fn add_cloudify(graph: &mut ProjectGraph, blueprint: &cloudify::Blueprint, path: &str) {
    let file = blueprint.span.file;
    let within = graph.new_box(format!("cloudify blueprint {path}"));
    let key = |name: &str| format!("cloudify:{}:{name}", file.0);
    // The blueprint itself, for the deployments scenarios make of it.
    graph.vertex(
        cloudify_blueprint_key(blueprint),
        Kind::Blueprint,
        "blueprint".to_string(),
        Some(within),
    );
    let mut nodes = Vec::with_capacity(blueprint.nodes.len());
    for node in &blueprint.nodes {
        nodes.push(graph.vertex(
            key(&node.name),
            Kind::CloudifyNode,
            format!("{}\n{}", node.name, node.type_name),
            Some(within),
        ));
    }
    for (node, &from) in blueprint.nodes.iter().zip(&nodes) {
        for relationship in &node.relationships {
            let Some(&to) = nodes.get(relationship.target.0) else {
                continue;
            };
            let short = relationship
                .type_name
                .rsplit('.')
                .next()
                .unwrap_or(&relationship.type_name);
            if node.contained_in == Some(relationship.target) {
                graph.dashed_edge(from, to, short.to_string());
            } else {
                graph.edge(from, to, short.to_string());
            }
        }
    }
    let mut groups = Vec::with_capacity(blueprint.groups.len());
    for group in &blueprint.groups {
        let mut label = format!("group {}", group.name);
        for policy in &group.policies {
            let _ = write!(label, "\npolicy {}: {}", policy.name, policy.type_name);
        }
        groups.push(graph.vertex(
            key(&format!("group:{}", group.name)),
            Kind::CloudifyGroup,
            label,
            Some(within),
        ));
    }
    // A trigger that executes a workflow (heal, scale) points at it.
    for (group, &from) in blueprint.groups.iter().zip(&groups) {
        for policy in &group.policies {
            for trigger in &policy.triggers {
                let Some(workflow) = trigger
                    .parameters
                    .get("workflow")
                    .and_then(|w| w.scalar_text())
                else {
                    continue;
                };
                let to = graph.vertex(
                    key(&format!("workflow:{workflow}")),
                    Kind::Workflow,
                    format!("workflow {workflow}"),
                    Some(within),
                );
                graph.edge(from, to, format!("{}/{}", policy.name, trigger.name));
            }
        }
    }
    for (group, &from) in blueprint.groups.iter().zip(&groups) {
        for (member, _) in &group.members {
            let to = match member {
                cloudify::Member::Node(id) => nodes.get(id.0),
                cloudify::Member::Group(id) => groups.get(id.0),
            };
            if let Some(&to) = to {
                graph.dashed_edge(from, to, "member");
            }
        }
    }
}

fn add_krakend(graph: &mut ProjectGraph, config: &krakend::Config, path: &str) {
    let file = config.file.0;
    let label = match &config.name {
        Some(name) => format!("krakend {name}"),
        None => format!("krakend config {path}"),
    };
    let within = graph.new_box(label);
    for (e, endpoint) in config.endpoints.iter().enumerate() {
        let from = graph.vertex(
            format!("krakend:{file}:endpoint:{e}"),
            Kind::Endpoint,
            format!("{} {}", endpoint.method.value, endpoint.path.value),
            Some(within),
        );
        add_krakend_backends(graph, file, within, from, &endpoint.backends);
    }
}

fn add_krakend_backends(
    graph: &mut ProjectGraph,
    file: u32,
    within: usize,
    from: NodeIndex,
    backends: &[krakend::Backend],
) {
    for backend in backends {
        let host = backend
            .hosts
            .first()
            .map(|h| h.value.as_str())
            .unwrap_or("(default host)");
        let url = backend.url_pattern.value.as_str();
        let to = graph.vertex(
            format!("krakend:{file}:backend:{host}{url}"),
            Kind::Backend,
            format!("{} {host}{url}", backend.method),
            Some(within),
        );
        graph.edge(from, to, backend.group.clone().unwrap_or_default());
        if let Some(workflow) = &backend.workflow {
            add_krakend_backends(graph, file, within, to, &workflow.backends);
        }
    }
}

/// Writes the graph in the chosen format.
pub fn render(graph: &ProjectGraph, format: GraphFormat) -> String {
    match format {
        GraphFormat::Dot => render_dot(graph),
        GraphFormat::Mermaid => render_mermaid(graph),
    }
}

fn dot_quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn render_dot(graph: &ProjectGraph) -> String {
    let boxes = &graph.boxes;
    let mut out = String::new();
    out.push_str("digraph rehearse {\n  rankdir=LR;\n  graph [fontname=\"Helvetica\"];\n  node [fontname=\"Helvetica\", fontsize=10];\n  edge [fontname=\"Helvetica\", fontsize=9];\n");
    let ids: IndexMap<NodeIndex, usize> = graph
        .keys
        .values()
        .enumerate()
        .map(|(n, &index)| (index, n))
        .collect();
    let vertex_line = |out: &mut String, index: NodeIndex, indent: &str| {
        let vertex = &graph.graph[index];
        let _ = writeln!(
            out,
            "{indent}n{} [label={}, shape={}];",
            ids[&index],
            dot_quote(&vertex.label),
            vertex.kind.dot_shape()
        );
    };
    for (b, label) in boxes.iter().enumerate() {
        let _ = writeln!(
            out,
            "  subgraph cluster_{b} {{\n    label={};",
            dot_quote(label)
        );
        for &index in graph.keys.values() {
            if graph.graph[index].within == Some(b) {
                vertex_line(&mut out, index, "    ");
            }
        }
        out.push_str("  }\n");
    }
    for &index in graph.keys.values() {
        if graph.graph[index].within.is_none() {
            vertex_line(&mut out, index, "  ");
        }
    }
    for &index in graph.keys.values() {
        let mut edges: Vec<_> = graph.graph.edges(index).collect();
        // petgraph lists a vertex's edges newest first; the source order reads better.
        edges.sort_by_key(|e| e.id());
        for edge in edges {
            let weight = edge.weight();
            let mut attributes = Vec::new();
            if !weight.label.is_empty() {
                attributes.push(format!("label={}", dot_quote(&weight.label)));
            }
            if weight.dashed {
                attributes.push("style=dashed".to_string());
            }
            let attributes = if attributes.is_empty() {
                String::new()
            } else {
                format!(" [{}]", attributes.join(", "))
            };
            let _ = writeln!(
                out,
                "  n{} -> n{}{attributes};",
                ids[&edge.source()],
                ids[&edge.target()]
            );
        }
    }
    out.push_str("}\n");
    out
}

fn mermaid_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '\n' => out.push_str("<br/>"),
            '|' => out.push_str("#124;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

fn render_mermaid(graph: &ProjectGraph) -> String {
    let boxes = &graph.boxes;
    let mut out = String::from("flowchart LR\n");
    let ids: IndexMap<NodeIndex, usize> = graph
        .keys
        .values()
        .enumerate()
        .map(|(n, &index)| (index, n))
        .collect();
    let vertex_line = |out: &mut String, index: NodeIndex, indent: &str| {
        let vertex = &graph.graph[index];
        let (open, close) = vertex.kind.mermaid_brackets();
        let _ = writeln!(
            out,
            "{indent}n{}{open}\"{}\"{close}",
            ids[&index],
            mermaid_text(&vertex.label)
        );
    };
    for (b, label) in boxes.iter().enumerate() {
        let _ = writeln!(out, "  subgraph box{b}[\"{}\"]", mermaid_text(label));
        for &index in graph.keys.values() {
            if graph.graph[index].within == Some(b) {
                vertex_line(&mut out, index, "    ");
            }
        }
        out.push_str("  end\n");
    }
    for &index in graph.keys.values() {
        if graph.graph[index].within.is_none() {
            vertex_line(&mut out, index, "  ");
        }
    }
    for &index in graph.keys.values() {
        let mut edges: Vec<_> = graph.graph.edges(index).collect();
        edges.sort_by_key(|e| e.id());
        for edge in edges {
            let weight = edge.weight();
            let arrow = if weight.dashed { "-.->" } else { "-->" };
            let label = if weight.label.is_empty() {
                String::new()
            } else {
                format!("|\"{}\"|", mermaid_text(&weight.label))
            };
            let _ = writeln!(
                out,
                "  n{} {arrow}{label} n{}",
                ids[&edge.source()],
                ids[&edge.target()]
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_quoting_escapes_quotes_backslashes_and_newlines() {
        assert_eq!(dot_quote("a\"b\\c\nd"), "\"a\\\"b\\\\c\\nd\"");
    }

    #[test]
    fn mermaid_text_never_closes_a_label() {
        let text = mermaid_text("x\"]|<y>z");
        assert!(!text.contains('"') && !text.contains('|') && !text.contains('<'));
        assert_eq!(mermaid_text("a\nb"), "a<br/>b");
    }
}
