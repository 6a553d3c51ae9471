//! `--target vamp`: the project's Vamp artifacts, normalized, one `<source stem>.yml` per
//! source file: one YAML document per artifact, in the order of the source documents (a
//! deployment request's place decides how it merges), so that `check` reads back the same IR.
//!
//! Normal form: every artifact states its `kind`; keys in a fixed order per artifact; each
//! short form expanded to the long one Vamp's readers accept (a cluster is a map of
//! `services`, a route a map, a port `number/protocol`); references stay references (a breed,
//! scale, SLA, escalation or condition named is written by name, never inlined); every string
//! double-quoted (so `yes`, `1.10`, `null`, `*x` stay strings) and every quantity in Vamp's
//! units (cpu in cores, memory in MB, times in seconds, weights in percent).
//! What cannot be written so that it reads back the same is an E04x diagnostic.

use super::{Document, Emitted, Options};
use crate::diag::codes::e;
use crate::diag::Diagnostic;
use crate::dialect::vamp::grammar;
use crate::dialect::VampKind;
use crate::ir::vamp::{
    Argument, Blueprint, Breed, BreedRef, Cluster, ClusterGateway, Condition, Constant, Dependency,
    EnvironmentVariable, Escalation, EscalationKind, EscalationRef, Gateway, GatewayPort,
    HealthCheck, Metadata, Origin, Percent, Port, Removal, Route, RouteCondition, Scale, ScaleRef,
    Schedule, Service, Sla, SlaKind, SlaRef, Sticky, Workflow, WorkflowStatus,
};
use crate::ir::Project;
use crate::source::{FileId, Span};
use serde_json::{Map, Number, Value};
use std::collections::BTreeMap;

const NANOS_PER_SECOND: u64 = 1_000_000_000;
const BYTES_PER_MEGABYTE: u64 = 1024 * 1024;

/// Emits every Vamp artifact defined in a file in scope.
pub fn emit(project: &Project, options: &Options) -> Emitted {
    let mut writer = Writer::default();
    // Per source file: (document index, order of reading, the artifact's YAML value, its span).
    let mut files: BTreeMap<FileId, Vec<(usize, usize, Value, Span)>> = BTreeMap::new();
    let mut add = |origin: &Origin, value: Value| {
        let file = origin.span.file;
        if options.in_scope(file) {
            let documents = files.entry(file).or_default();
            documents.push((origin.document, documents.len(), value, origin.span));
        }
    };
    let vamp = &project.vamp;
    for breed in &vamp.breeds {
        if let Some(origin) = &breed.origin {
            add(origin, writer.breed_document(breed));
        }
    }
    for blueprint in &vamp.blueprints {
        if let Some(origin) = &blueprint.origin {
            add(origin, writer.blueprint(blueprint, VampKind::Blueprint));
        }
    }
    for request in &vamp.deployment_requests {
        if let Some(origin) = &request.origin {
            add(origin, writer.blueprint(request, VampKind::Deployment));
        }
    }
    for gateway in &vamp.gateways {
        if let Some(origin) = &gateway.origin {
            add(origin, writer.gateway_document(gateway));
        }
    }
    for workflow in &vamp.workflows {
        add(&workflow.origin, writer.workflow(workflow));
    }
    for scale in &vamp.scales {
        if let Some(origin) = &scale.origin {
            add(origin, writer.scale(scale, true));
        }
    }
    for sla in &vamp.slas {
        if let Some(origin) = &sla.origin {
            add(origin, writer.sla(sla, true));
        }
    }
    for escalation in &vamp.escalations {
        if let Some(origin) = &escalation.origin {
            add(origin, writer.escalation(escalation, true));
        }
    }
    for condition in &vamp.conditions {
        add(&condition.origin, writer.condition(condition));
    }
    for removal in &vamp.removals {
        add(&removal.origin, removal_document(removal));
    }

    let mut emitted = Emitted::default();
    if files.is_empty() {
        emitted.nothing = Some("the project has no Vamp artifact".into());
        return emitted;
    }
    // Output name → the file that took it, so a second file is refused, not overwritten.
    let mut names: BTreeMap<String, FileId> = BTreeMap::new();
    for (file, mut documents) in files {
        // Stable: two artifacts of one document (none today) keep their reading order.
        documents.sort_by_key(|(document, read, _, _)| (*document, *read));
        let path = options.paths.get(&file).map_or("vamp", String::as_str);
        let name = output_name(path);
        if let Some(first) = names.get(&name) {
            let first_path = options.paths.get(first).map_or("", String::as_str);
            writer.diagnostics.push(
                Diagnostic::error(
                    &e::E040,
                    documents.first().map_or(Span::new(file, 0, 0), |d| d.3),
                    format!("the Vamp artifacts of {path} would also be written to {name}, as those of {first_path}"),
                )
                .with_help("emit the two files into different folders, or rename one source file"),
            );
            continue;
        }
        names.insert(name.clone(), file);
        let stream: Vec<(Vec<String>, Value)> = documents
            .into_iter()
            .map(|(_, _, value, _)| (Vec::new(), value))
            .collect();
        emitted.documents.push(Document {
            name,
            text: super::yaml::stream(&stream),
        });
    }
    emitted.diagnostics = writer.diagnostics;
    emitted
}

/// `<source stem>.yml`: `specs/sava/breeds.yaml` → `breeds.yml`.
pub fn output_name(path: &str) -> String {
    let stem = std::path::Path::new(path)
        .file_stem()
        .and_then(|s| s.to_str())
        .filter(|s| !s.is_empty() && !s.starts_with('.'))
        .unwrap_or("vamp");
    format!("{stem}.yml")
}

fn removal_document(removal: &Removal) -> Value {
    let mut map = Map::new();
    map.insert("kind".into(), text(removal.kind.as_str()));
    map.insert("name".into(), text(&removal.name.value));
    Value::Object(map)
}

fn text(s: &str) -> Value {
    Value::String(s.to_string())
}

fn percent(p: Percent) -> Value {
    Value::String(format!("{}%", p.0))
}

/// Seconds as Vamp writes a time: `30s`.
fn seconds(ns: u64) -> Value {
    Value::String(format!("{}s", ns / NANOS_PER_SECOND))
}

fn port_text(port: &GatewayPort) -> Value {
    Value::String(format!("{}/{}", port.number, port.protocol.as_str()))
}

fn sticky(s: Sticky) -> Value {
    text(match s {
        Sticky::Route => "route",
        Sticky::Instance => "instance",
    })
}

fn status(s: WorkflowStatus) -> Value {
    text(match s {
        WorkflowStatus::Starting => "starting",
        WorkflowStatus::Running => "running",
        WorkflowStatus::Stopping => "stopping",
        WorkflowStatus::Suspended => "suspended",
        WorkflowStatus::Suspending => "suspending",
        WorkflowStatus::Restarting => "restarting",
    })
}

/// A mapping under construction; keys keep the order they are put in.
#[derive(Default)]
struct Object(Map<String, Value>);

impl Object {
    fn kind(kind: VampKind, name: &str) -> Object {
        let mut object = Object::default();
        object.put("kind", text(kind.as_str()));
        object.put("name", text(name));
        object
    }

    fn put(&mut self, key: &str, value: Value) {
        self.0.insert(key.to_string(), value);
    }

    fn put_some(&mut self, key: &str, value: Option<Value>) {
        if let Some(value) = value {
            self.put(key, value);
        }
    }

    /// Left out when empty: the reader gives the same empty list for a missing key.
    fn put_list(&mut self, key: &str, items: Vec<Value>) {
        if !items.is_empty() {
            self.put(key, Value::Array(items));
        }
    }

    fn put_map(&mut self, key: &str, map: Map<String, Value>) {
        if !map.is_empty() {
            self.put(key, Value::Object(map));
        }
    }

    fn done(self) -> Value {
        Value::Object(self.0)
    }
}

#[derive(Default)]
struct Writer {
    diagnostics: Vec<Diagnostic>,
}

impl Writer {
    fn cannot(&mut self, span: Span, message: String) {
        self.diagnostics.push(
            Diagnostic::error(&e::E041, span, message)
                .with_help("write the value so that Vamp's units can state it exactly"),
        );
    }

    /// A mapping of texts that must not lose an entry to a repeated key.
    fn unique_map<'a>(
        &mut self,
        entries: impl IntoIterator<Item = (&'a str, Value)>,
        what: &str,
        span: Span,
    ) -> Map<String, Value> {
        let mut map = Map::new();
        for (key, value) in entries {
            if map.insert(key.to_string(), value).is_some() {
                self.cannot(
                    span,
                    format!("{what} has the key `{key}` twice; one mapping cannot hold both"),
                );
            }
        }
        map
    }

    fn metadata(&mut self, object: &mut Object, metadata: &Metadata, span: Span) {
        let map = self.unique_map(
            metadata.iter().map(|(k, v)| (k.as_str(), text(v))),
            "the flattened metadata",
            span,
        );
        object.put_map("metadata", map);
    }

    // --- breeds --------------------------------------------------------------------------------

    fn breed_document(&mut self, breed: &Breed) -> Value {
        let mut object = Object::default();
        object.put("kind", text(VampKind::Breed.as_str()));
        self.breed_fields(&mut object, breed);
        object.done()
    }

    /// A breed's fields (an inline breed has no `kind`).
    fn breed_fields(&mut self, object: &mut Object, breed: &Breed) {
        object.put("name", text(breed.name.value.as_str()));
        let deployable = &breed.deployable;
        object.put(
            "deployable",
            if deployable.kind == "container/docker" {
                text(&deployable.definition.value)
            } else {
                let mut inner = Object::default();
                inner.put("type", text(&deployable.kind));
                inner.put("definition", text(&deployable.definition.value));
                inner.done()
            },
        );
        let ports = self.unique_map(
            breed.ports.iter().map(|p: &Port| {
                (
                    p.name.value.as_str(),
                    trait_value(p.value.as_ref().map(|v| &v.text.value)),
                )
            }),
            "the breed's ports",
            breed.span,
        );
        object.put_map("ports", ports);
        let variables = self.breed_variables(&breed.environment_variables, breed.span);
        object.put_map("environment_variables", variables);
        let constants = self.unique_map(
            breed.constants.iter().map(|c: &Constant| {
                (
                    c.name.value.as_str(),
                    trait_value(c.value.as_ref().map(|v| &v.text.value)),
                )
            }),
            "the breed's constants",
            breed.span,
        );
        object.put_map("constants", constants);
        object.put_list("arguments", arguments(&breed.arguments));
        let dependencies: Vec<(&str, Value)> = breed
            .dependencies
            .iter()
            .map(|d: &Dependency| (d.alias.value.as_str(), self.breed_ref(&d.breed)))
            .collect();
        let dependencies = self.unique_map(dependencies, "the breed's dependencies", breed.span);
        object.put_map("dependencies", dependencies);
        object.put_list("health_checks", health_checks(&breed.health_checks));
        self.metadata(object, &breed.metadata, breed.span);
    }

    /// Breed variables keep their alias: `HEAP[JVM_HEAP]`.
    fn breed_variables(
        &mut self,
        variables: &[EnvironmentVariable],
        span: Span,
    ) -> Map<String, Value> {
        let keys: Vec<(String, Value)> = variables
            .iter()
            .map(|v| {
                let key = match &v.alias {
                    Some(alias) => format!("{}[{alias}]", v.name.value),
                    None => v.name.value.clone(),
                };
                (key, trait_value(v.value.as_ref().map(|t| &t.text.value)))
            })
            .collect();
        self.unique_map(
            keys.iter().map(|(k, v)| (k.as_str(), v.clone())),
            "the environment variables",
            span,
        )
    }

    /// A reference by name; an inline breed in full.
    fn breed_ref(&mut self, breed: &BreedRef) -> Value {
        match breed {
            BreedRef::Reference(name) => text(name.value.as_str()),
            BreedRef::Inline(breed) => {
                let mut object = Object::default();
                self.breed_fields(&mut object, breed);
                object.done()
            }
        }
    }

    // --- scales --------------------------------------------------------------------------------

    fn scale(&mut self, scale: &Scale, document: bool) -> Value {
        let mut object = match (&scale.name, document) {
            (Some(name), true) => Object::kind(VampKind::Scale, name.value.as_str()),
            _ => Object::default(),
        };
        object.put(
            "cpu",
            self.cpu(scale.cpu_millis.value, scale.cpu_millis.span),
        );
        object.put(
            "memory",
            self.memory(scale.memory_bytes.value, scale.memory_bytes.span),
        );
        object.put("instances", Value::from(scale.instances.value));
        object.done()
    }

    fn scale_ref(&mut self, scale: &ScaleRef) -> Value {
        match scale {
            ScaleRef::Reference(name) => text(name.value.as_str()),
            ScaleRef::Inline(scale) => self.scale(scale, false),
        }
    }

    /// Cores, as the number Vamp reads (`0.25`); checked to read back to the same millicores.
    fn cpu(&mut self, millis: i64, span: Span) -> Value {
        let number = Number::from_f64(millis as f64 / 1000.0);
        match number {
            Some(n) if grammar::cpu_millis(&n.to_string()) == Ok(millis) => Value::Number(n),
            _ => {
                self.cannot(span, format!("cpu {millis}m has no exact number of cores"));
                Value::Null
            }
        }
    }

    /// Megabytes, the shortest decimal that reads back to the same bytes (`0.1MB` for the
    /// 104858 bytes `0.1MB` reads as).
    fn memory(&mut self, bytes: u64, span: Span) -> Value {
        let bytes = u128::from(bytes);
        let per_mb = u128::from(BYTES_PER_MEGABYTE);
        for places in 0..=20u32 {
            let Some(scale) = 10u128.checked_pow(places) else {
                break;
            };
            let Some(mantissa) = bytes
                .checked_mul(scale)
                .map(|scaled| (scaled + per_mb / 2) / per_mb)
            else {
                break;
            };
            let whole = mantissa / scale;
            let fraction = mantissa % scale;
            let written = if places == 0 {
                format!("{whole}MB")
            } else {
                format!("{whole}.{fraction:0width$}MB", width = places as usize)
            };
            if grammar::megabytes_as_bytes(&written).map(u128::from) == Ok(bytes) {
                return Value::String(written);
            }
        }
        self.cannot(
            span,
            format!("memory of {bytes} bytes has no exact number of MB"),
        );
        Value::Null
    }

    /// A plain number of megabytes (escalations read a double).
    fn megabytes(&mut self, bytes: u64, span: Span) -> Value {
        let megabytes = bytes as f64 / BYTES_PER_MEGABYTE as f64;
        match Number::from_f64(megabytes) {
            Some(n) if (megabytes * BYTES_PER_MEGABYTE as f64).round() as u64 == bytes => {
                Value::Number(n)
            }
            _ => {
                self.cannot(span, format!("{bytes} bytes have no exact number of MB"));
                Value::Null
            }
        }
    }

    // --- gateways and routes -------------------------------------------------------------------

    fn gateway_document(&mut self, gateway: &Gateway) -> Value {
        let mut object = Object::kind(VampKind::Gateway, gateway.name.value.as_str());
        object.put("port", port_text(&gateway.port));
        if let Some(service) = &gateway.service {
            let mut inner = Object::default();
            inner.put("host", text(&service.host));
            inner.put("port", port_text(&service.port));
            object.put("service", inner.done());
        }
        object.put_some("deployed", gateway.deployed.map(Value::Bool));
        self.gateway_fields(&mut object, gateway);
        object.done()
    }

    /// What every gateway form shares, and a blueprint gateway's metadata.
    fn gateway_fields(&mut self, object: &mut Object, gateway: &Gateway) {
        object.put_some("sticky", gateway.sticky.map(sticky));
        object.put_list(
            "virtual_hosts",
            gateway
                .virtual_hosts
                .iter()
                .map(|h| text(&h.value))
                .collect(),
        );
        if let Some(routes) = self.routes(&gateway.routes) {
            object.put("routes", routes);
        }
        object.put_some(
            "selector",
            gateway.selector.as_ref().map(|s| text(&s.value)),
        );
        self.metadata(object, &gateway.metadata, gateway.span);
    }

    /// Routes keyed by path; as a list of one-key maps when a path repeats (a map would drop
    /// one). `None` without routes.
    fn routes(&mut self, routes: &[Route]) -> Option<Value> {
        if routes.is_empty() {
            return None;
        }
        let entries: Vec<(&str, Value)> = routes
            .iter()
            .map(|r| (r.path.text.value.as_str(), self.route(r)))
            .collect();
        let mut paths: Vec<&str> = entries.iter().map(|(p, _)| *p).collect();
        paths.sort_unstable();
        let repeated = paths.windows(2).any(|w| w[0] == w[1]);
        Some(if repeated {
            Value::Array(
                entries
                    .into_iter()
                    .map(|(path, route)| {
                        let mut one = Map::new();
                        one.insert(path.to_string(), route);
                        Value::Object(one)
                    })
                    .collect(),
            )
        } else {
            Value::Object(
                entries
                    .into_iter()
                    .map(|(path, route)| (path.to_string(), route))
                    .collect(),
            )
        })
    }

    fn route(&mut self, route: &Route) -> Value {
        let mut object = Object::default();
        if let Some(reference) = &route.reference {
            object.put("reference", text(&reference.value));
            return object.done();
        }
        object.put_some("weight", route.weight.as_ref().map(|w| percent(w.value)));
        object.put_some(
            "condition",
            route.condition.as_ref().map(|c| match c {
                RouteCondition::Inline(definition) => text(&definition.text.value),
                RouteCondition::Reference(name) => {
                    let mut reference = Object::default();
                    reference.put("reference", text(name.value.as_str()));
                    reference.done()
                }
            }),
        );
        object.put_some(
            "condition_strength",
            route.condition_strength.as_ref().map(|s| percent(s.value)),
        );
        object.put_list(
            "rewrites",
            route
                .rewrites
                .iter()
                .map(|r| {
                    let mut rewrite = Object::default();
                    rewrite.put("path", text(&format!("{} if {}", r.path, r.condition)));
                    rewrite.done()
                })
                .collect(),
        );
        object.put_some("balance", route.balance.as_deref().map(text));
        object.put_some("selector", route.selector.as_ref().map(|s| text(&s.value)));
        object.done()
    }

    fn condition(&mut self, condition: &Condition) -> Value {
        let mut object = Object::kind(VampKind::Condition, condition.name.value.as_str());
        object.put("condition", text(&condition.definition.text.value));
        object.done()
    }

    // --- blueprints ----------------------------------------------------------------------------

    fn blueprint(&mut self, blueprint: &Blueprint, kind: VampKind) -> Value {
        let mut object = Object::kind(kind, blueprint.name.value.as_str());
        if blueprint.is_reference {
            // `kind` and `name` alone would read as a removal: the (possibly empty)
            // metadata keeps it a request to deploy the blueprint of that name.
            let map = self.unique_map(
                blueprint
                    .metadata
                    .iter()
                    .map(|(k, v)| (k.as_str(), text(v))),
                "the flattened metadata",
                blueprint.span,
            );
            object.put("metadata", Value::Object(map));
            return object.done();
        }
        let clusters: Vec<(&str, Value)> = blueprint
            .clusters
            .iter()
            .map(|c| (c.name.value.as_str(), self.cluster(c)))
            .collect();
        let clusters = self.unique_map(clusters, "the blueprint's clusters", blueprint.span);
        object.put("clusters", Value::Object(clusters));
        let mut gateways = Vec::new();
        for gateway in &blueprint.gateways {
            let mut inner = Object::default();
            let key = match &gateway.port.name {
                // Keyed by a name, the port (if any) is inside.
                Some(name) => {
                    inner.put("port", port_text(&gateway.port));
                    name.clone()
                }
                None => format!("{}/{}", gateway.port.number, gateway.port.protocol.as_str()),
            };
            self.gateway_fields(&mut inner, gateway);
            gateways.push((key, inner.done()));
        }
        let gateways = self.unique_map(
            gateways.iter().map(|(k, v)| (k.as_str(), v.clone())),
            "the blueprint's gateways",
            blueprint.span,
        );
        object.put_map("gateways", gateways);
        let variables = self.unique_map(
            blueprint.environment_variables.iter().map(|v| {
                (
                    v.key.value.as_str(),
                    trait_value(v.value.as_ref().map(|t| &t.text.value)),
                )
            }),
            "the blueprint's environment variables",
            blueprint.span,
        );
        object.put_map("environment_variables", variables);
        self.metadata(&mut object, &blueprint.metadata, blueprint.span);
        object.done()
    }

    /// Always the long form: a map of `services`.
    fn cluster(&mut self, cluster: &Cluster) -> Value {
        let mut object = Object::default();
        let services = cluster.services.iter().map(|s| self.service(s)).collect();
        object.put("services", Value::Array(services));
        let gateways = self.cluster_gateways(&cluster.gateways, cluster.span);
        object.put_some("gateways", gateways);
        object.put_some("sla", cluster.sla.as_ref().map(|s| self.sla_ref(s)));
        object.put_some(
            "health_checks",
            cluster
                .health_checks
                .as_ref()
                .map(|h| Value::Array(health_checks(h))),
        );
        object.put_some("network", cluster.network.as_deref().map(text));
        object.done()
    }

    fn service(&mut self, service: &Service) -> Value {
        let mut object = Object::default();
        object.put("breed", self.breed_ref(&service.breed));
        let variables = self.unique_map(
            service.environment_variables.iter().map(|v| {
                (
                    v.name.value.as_str(),
                    trait_value(v.value.as_ref().map(|t| &t.text.value)),
                )
            }),
            "the service's environment variables",
            service.span,
        );
        object.put_map("environment_variables", variables);
        object.put_some("scale", service.scale.as_ref().map(|s| self.scale_ref(s)));
        object.put_list("arguments", arguments(&service.arguments));
        object.put_some(
            "health_checks",
            service
                .health_checks
                .as_ref()
                .map(|h| Value::Array(health_checks(h))),
        );
        object.put_some("network", service.network.as_deref().map(text));
        object.done()
    }

    /// Keyed by port name; a gateway without one (the anonymous form) is the map itself.
    fn cluster_gateways(&mut self, gateways: &[ClusterGateway], span: Span) -> Option<Value> {
        if let [anonymous] = gateways {
            if anonymous.port.is_none() {
                let mut object = self.cluster_gateway(anonymous);
                // The anonymous form is told by one of its keys being present.
                if object.0.is_empty() {
                    object.put("routes", Value::Object(Map::new()));
                }
                return Some(object.done());
            }
        }
        if gateways.is_empty() {
            return None;
        }
        let mut entries = Vec::new();
        for gateway in gateways {
            let Some(port) = &gateway.port else {
                self.cannot(
                    gateway.span,
                    "a cluster gateway without a port beside others cannot be written".into(),
                );
                continue;
            };
            entries.push((port.value.as_str(), self.cluster_gateway(gateway).done()));
        }
        Some(Value::Object(self.unique_map(
            entries,
            "the cluster's gateways",
            span,
        )))
    }

    fn cluster_gateway(&mut self, gateway: &ClusterGateway) -> Object {
        let mut object = Object::default();
        object.put_some("sticky", gateway.sticky.as_ref().map(|s| sticky(s.value)));
        object.put_list(
            "virtual_hosts",
            gateway
                .virtual_hosts
                .iter()
                .map(|h| text(&h.value))
                .collect(),
        );
        if let Some(routes) = self.routes(&gateway.routes) {
            object.put("routes", routes);
        }
        object
    }

    // --- SLAs and escalations ------------------------------------------------------------------

    fn sla(&mut self, sla: &Sla, document: bool) -> Value {
        let mut object = match (&sla.name, document) {
            (Some(name), true) => Object::kind(VampKind::Sla, name.value.as_str()),
            _ => Object::default(),
        };
        match &sla.kind {
            SlaKind::ResponseTimeSlidingWindow {
                upper_ms,
                lower_ms,
                interval_s,
                cooldown_s,
            } => {
                object.put("type", text("response_time_sliding_window"));
                let mut threshold = Object::default();
                threshold.put("upper", Value::from(*upper_ms));
                threshold.put("lower", Value::from(*lower_ms));
                object.put("threshold", threshold.done());
                let mut window = Object::default();
                window.put("interval", Value::from(*interval_s));
                window.put("cooldown", Value::from(*cooldown_s));
                object.put("window", window.done());
            }
            SlaKind::EscalationOnly => object.put("type", text("escalation_only")),
            SlaKind::Generic { kind, parameters } => {
                object.put("type", text(kind));
                let parameters = self.unique_map(
                    parameters.iter().map(|(k, v)| (k.as_str(), text(v))),
                    "the SLA's parameters",
                    sla.span,
                );
                for (key, value) in parameters {
                    object.put(&key, value);
                }
            }
        }
        object.put_some("escalations", self.escalation_list(&sla.escalations));
        object.done()
    }

    fn sla_ref(&mut self, sla: &SlaRef) -> Value {
        match sla {
            SlaRef::Reference { name, escalations } if escalations.is_empty() => {
                text(name.value.as_str())
            }
            SlaRef::Reference { name, escalations } => {
                let mut object = Object::default();
                object.put("reference", text(name.value.as_str()));
                object.put_some("escalations", self.escalation_list(escalations));
                object.done()
            }
            SlaRef::Inline(sla) => self.sla(sla, false),
        }
    }

    /// An SLA's `escalations`: the reader wraps a list in one `to_all`, so that one is written
    /// back as the list; a single escalation as itself.
    fn escalation_list(&mut self, escalations: &[EscalationRef]) -> Option<Value> {
        match escalations {
            [] => None,
            [EscalationRef::Inline(Escalation {
                name: None,
                kind: EscalationKind::ToAll(items),
                origin: None,
                ..
            })] => Some(Value::Array(
                items.iter().map(|i| self.escalation_ref(i)).collect(),
            )),
            [single] => Some(self.escalation_ref(single)),
            several => {
                // Not produced by the reader; a list would read back as one `to_all`.
                let span = match &several[0] {
                    EscalationRef::Reference(name) => name.span,
                    EscalationRef::Inline(e) => e.span,
                };
                self.cannot(
                    span,
                    "several escalations outside a list cannot be written".into(),
                );
                None
            }
        }
    }

    fn escalation_ref(&mut self, escalation: &EscalationRef) -> Value {
        match escalation {
            EscalationRef::Reference(name) => text(name.value.as_str()),
            EscalationRef::Inline(escalation) => self.escalation(escalation, false),
        }
    }

    fn escalation(&mut self, escalation: &Escalation, document: bool) -> Value {
        let mut object = match (&escalation.name, document) {
            (Some(name), true) => Object::kind(VampKind::Escalation, name.value.as_str()),
            _ => Object::default(),
        };
        let span = escalation.span;
        match &escalation.kind {
            EscalationKind::ToAll(group) | EscalationKind::ToOne(group) => {
                let kind = if matches!(escalation.kind, EscalationKind::ToAll(_)) {
                    "to_all"
                } else {
                    "to_one"
                };
                let items = group.iter().map(|g| self.escalation_ref(g)).collect();
                object.put("type", text(kind));
                object.put("escalations", Value::Array(items));
            }
            EscalationKind::ScaleInstances {
                minimum,
                maximum,
                scale_by,
                target,
            } => {
                object.put("type", text("scale_instances"));
                object.put("minimum", Value::from(*minimum));
                object.put("maximum", Value::from(*maximum));
                object.put("scale_by", Value::from(*scale_by));
                object.put_some("target", target.as_ref().map(|t| text(&t.value)));
            }
            EscalationKind::ScaleCpu {
                minimum,
                maximum,
                scale_by,
                target,
            } => {
                object.put("type", text("scale_cpu"));
                object.put("minimum", self.cpu(*minimum, span));
                object.put("maximum", self.cpu(*maximum, span));
                object.put("scale_by", self.cpu(*scale_by, span));
                object.put_some("target", target.as_ref().map(|t| text(&t.value)));
            }
            EscalationKind::ScaleMemory {
                minimum,
                maximum,
                scale_by,
                target,
            } => {
                object.put("type", text("scale_memory"));
                object.put("minimum", self.megabytes(*minimum, span));
                object.put("maximum", self.megabytes(*maximum, span));
                object.put("scale_by", self.megabytes(*scale_by, span));
                object.put_some("target", target.as_ref().map(|t| text(&t.value)));
            }
            EscalationKind::Generic { kind, parameters } => {
                object.put("type", text(kind));
                // The reader appends `target` last: written in place, it is read back so.
                let parameters = self.unique_map(
                    parameters.iter().map(|(k, v)| (k.as_str(), text(v))),
                    "the escalation's parameters",
                    span,
                );
                for (key, value) in parameters {
                    object.put(&key, value);
                }
            }
        }
        object.done()
    }

    // --- workflows -----------------------------------------------------------------------------

    fn workflow(&mut self, workflow: &Workflow) -> Value {
        let mut object = Object::kind(VampKind::Workflow, workflow.name.value.as_str());
        object.put("breed", self.breed_ref(&workflow.breed));
        object.put("status", status(workflow.status));
        object.put("schedule", schedule(&workflow.schedule.value));
        object.put_some("scale", workflow.scale.as_ref().map(|s| self.scale_ref(s)));
        let variables = self.unique_map(
            workflow.environment_variables.iter().map(|v| {
                (
                    v.name.value.as_str(),
                    trait_value(v.value.as_ref().map(|t| &t.text.value)),
                )
            }),
            "the workflow's environment variables",
            workflow.origin.span,
        );
        object.put_map("environment_variables", variables);
        object.put_list("arguments", arguments(&workflow.arguments));
        object.put_some("network", workflow.network.as_deref().map(text));
        object.put_some(
            "health_checks",
            workflow
                .health_checks
                .as_ref()
                .map(|h| Value::Array(health_checks(h))),
        );
        self.metadata(&mut object, &workflow.metadata, workflow.origin.span);
        object.done()
    }
}

/// A trait value as text; an empty one (to be given by a blueprint) as null.
fn trait_value(value: Option<&String>) -> Value {
    value.map_or(Value::Null, |v| text(v))
}

/// One-key maps, in order (a key may repeat).
fn arguments(arguments: &[Argument]) -> Vec<Value> {
    arguments
        .iter()
        .map(|a| {
            let mut one = Map::new();
            one.insert(a.key.value.clone(), text(&a.value.value));
            Value::Object(one)
        })
        .collect()
}

fn health_checks(checks: &[HealthCheck]) -> Vec<Value> {
    checks
        .iter()
        .map(|check| {
            let mut object = Object::default();
            object.put("path", text(&check.path));
            object.put("port", text(&check.port.value));
            object.put("initial_delay", seconds(check.initial_delay_ns));
            object.put("timeout", seconds(check.timeout_ns));
            object.put("interval", seconds(check.interval_ns));
            object.put("failures", Value::from(check.failures.value));
            object.put("protocol", text(&check.protocol));
            object.done()
        })
        .collect()
}

fn schedule(schedule: &Schedule) -> Value {
    match schedule {
        Schedule::Daemon => text("daemon"),
        Schedule::Event { tags } => {
            let mut event = Object::default();
            event.put(
                "event",
                Value::Array(tags.iter().map(|t| text(t)).collect()),
            );
            event.done()
        }
        Schedule::Time {
            period,
            start,
            repeat,
        } => {
            let mut time = Object::default();
            time.put("period", text(&period.text));
            time.put_some("start", start.as_ref().map(|(s, _)| text(&s.value)));
            time.put_some("repeat", repeat.map(Value::from));
            let mut object = Object::default();
            object.put("time", time.done());
            object.done()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_is_the_shortest_megabytes_that_read_back() {
        let mut writer = Writer::default();
        let span = Span::new(FileId(0), 0, 0);
        for (written, bytes) in [("128MB", 128 * 1024 * 1024), ("0.1MB", 104_858), ("0MB", 0)] {
            assert_eq!(grammar::megabytes_as_bytes(written), Ok(bytes));
            assert_eq!(writer.memory(bytes, span), text(written));
        }
        assert!(writer.diagnostics.is_empty());
    }

    #[test]
    fn cpu_is_written_in_cores() {
        let mut writer = Writer::default();
        let span = Span::new(FileId(0), 0, 0);
        assert_eq!(writer.cpu(250, span).to_string(), "0.25");
        assert_eq!(writer.cpu(1000, span).to_string(), "1.0");
        assert!(writer.diagnostics.is_empty());
    }
}
