//! Compiles the KrakenD endpoints a scenario's requests reach into [`ApiModel`]: each
//! endpoint's backends as a tree of stages, each backend bound to the scenario behavior that
//! answers it (host + `url_pattern` first, then host, then the default).

use super::model::*;
use crate::ir::krakend::{Backend, Config, Workflow, DEFAULT_TIMEOUT_NS};
use crate::ir::scenario::{Latency, Load, Scenario, GATEWAY_BEHAVIOR, PPM_FULL};
use crate::ir::topology::Topology;
use crate::ir::{Project, Spanned};
use crate::lower::krakend::{backend_router, route};
use crate::sim::build::duration_of;
use crate::sim::model::{HeaderModel, RateProfile};
use crate::syntax::node::{Node, Value};
use serde_json::Value as Json;

/// The API part of a scenario's model (empty when it sends no requests).
pub fn build(project: &Project, scenario: &Scenario, topology: &Topology) -> ApiModel {
    let mut api = ApiModel::default();
    if let Some(gateway) = scenario
        .behaviors
        .iter()
        .find(|b| b.service.value == GATEWAY_BEHAVIOR)
    {
        api.capacity = GatewayCapacity {
            concurrency: gateway.concurrency,
            overhead: gateway.overhead_ns.unwrap_or(0),
        };
    }
    // Endpoints are compiled once, in the order requests first reach them.
    let mut compiled: Vec<(usize, usize, usize)> = Vec::new(); // (config, endpoint, index)
    let mut configs: Vec<usize> = Vec::new(); // the gateways, in the same order
    for (i, t) in scenario.traffic.iter().enumerate() {
        let Some(request) = &t.request else { continue };
        let config = request
            .config
            .and_then(|c| project.krakend.get(c).map(|k| (c, k)));
        let routed = config.and_then(|(c, k)| {
            route(k, &request.method, &request.path).map(|r| (c, k, r.index, r.params))
        });
        let (endpoint, params) = match routed {
            Some((c, k, e, params)) => {
                let index = match compiled.iter().find(|(cc, ee, _)| *cc == c && *ee == e) {
                    Some((_, _, index)) => *index,
                    None => {
                        let index = api.endpoints.len();
                        let mut model =
                            endpoint_model(k, e, scenario, topology, &mut api.behaviors);
                        model.gateway = configs.iter().position(|x| *x == c).unwrap_or_else(|| {
                            configs.push(c);
                            configs.len() - 1
                        });
                        api.endpoints.push(model);
                        compiled.push((c, e, index));
                        index
                    }
                };
                (Some(index), params)
            }
            None => (None, Vec::new()),
        };
        let rate = match &t.load {
            Load::Constant(r) if t.start_ns > 0 => {
                RateProfile::Steps(vec![(t.start_ns, r.per_second())])
            }
            Load::Constant(r) => RateProfile::Constant(r.per_second()),
            Load::Ramp { from, to, over_ns } => RateProfile::Ramp {
                from: from.per_second(),
                to: to.per_second(),
                start: t.start_ns,
                over: *over_ns,
            },
            Load::Steps(steps) => {
                RateProfile::Steps(steps.iter().map(|(at, r)| (*at, r.per_second())).collect())
            }
        };
        let distributions = |list: &[crate::ir::scenario::HeaderDistribution]| {
            list.iter()
                .map(|h| HeaderModel {
                    name: h.name.clone(),
                    values: h.values.clone(),
                })
                .collect()
        };
        api.traffic.push(ApiTraffic {
            id: format!("api:{i}:{}", t.to.value),
            request: format!("{} {}", request.method, request.path),
            rate,
            until: t.stop_ns.unwrap_or(u64::MAX),
            headers: distributions(&t.headers),
            query: distributions(&request.query),
            endpoint,
            params: params
                .into_iter()
                .map(|(name, value)| (capitalised(&name), value))
                .collect(),
            path: request.path.clone(),
            method: request.method.clone(),
        });
    }
    api.gateways = configs.len();
    api
}

/// A param as lura stores it: first letter upper-cased (`router/gin/endpoint.go`).
fn capitalised(name: &str) -> String {
    let mut chars = name.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

fn endpoint_model(
    config: &Config,
    e: usize,
    scenario: &Scenario,
    topology: &Topology,
    behaviors: &mut Vec<BackendBehavior>,
) -> EndpointModel {
    let endpoint = &config.endpoints[e];
    let mut backends = Vec::new();
    let timeout = or_default(endpoint.timeout.value);
    let root = Stage {
        timeout,
        sequential: endpoint.extra_config.proxy.sequential,
        concurrent_calls: endpoint.concurrent_calls.max(1),
        ignore_errors: false,
        propagated: propagated(&endpoint.extra_config.proxy.propagated_params),
        steps: endpoint
            .backends
            .iter()
            .map(|b| {
                step(
                    b,
                    config.hosts.first(),
                    0,
                    timeout,
                    (scenario, topology),
                    behaviors,
                    &mut backends,
                )
            })
            .collect(),
    };
    EndpointModel {
        name: format!("{} {}", endpoint.method.value, endpoint.path.value),
        root,
        backends,
        gateway: 0,
    }
}

/// `timeout: "0s"` falls back to the default (kpacha in lura#424).
fn or_default(timeout: u64) -> u64 {
    if timeout == 0 {
        DEFAULT_TIMEOUT_NS
    } else {
        timeout
    }
}

fn step(
    backend: &Backend,
    default_host: Option<&Spanned<String>>,
    depth: u32,
    parent_timeout: u64,
    world: (&Scenario, &Topology),
    behaviors: &mut Vec<BackendBehavior>,
    infos: &mut Vec<BackendInfo>,
) -> Step {
    let host = backend
        .hosts
        .first()
        .or(default_host)
        .map_or("", |h| h.value.as_str());
    let url = format!(
        "{}{}",
        host.trim_end_matches('/'),
        backend.url_pattern.value
    );
    let base = backend
        .group
        .clone()
        .unwrap_or_else(|| backend.url_pattern.value.clone());
    let mut label = base.clone();
    let mut n = 2;
    while infos.iter().any(|i| i.label == label) {
        label = format!("{base}#{n}");
        n += 1;
    }
    let counter = infos.len();
    infos.push(BackendInfo {
        label,
        depth,
        workflow: backend.workflow.is_some(),
    });
    let mut policies: Vec<_> = backend
        .extra_config
        .policies
        .iter()
        .filter(|p| p.phase == "req")
        .filter_map(|p| Some((p.source.value.clone(), p.expr.clone()?)))
        .collect();
    let workflow = backend.workflow.as_ref().map(|w| {
        policies.extend(
            w.extra_config
                .policies
                .iter()
                .filter(|p| p.phase == "req")
                .filter_map(|p| Some((p.source.value.clone(), p.expr.clone()?))),
        );
        Box::new(workflow_stage(
            w,
            default_host,
            depth + 1,
            parent_timeout,
            world,
            behaviors,
            infos,
        ))
    });
    Step {
        counter,
        behavior: behavior_for(host, &url, world, behaviors),
        url,
        group: backend.group.clone(),
        policies,
        error_details: backend
            .extra_config
            .backend_http
            .as_ref()
            .and_then(|h| h.return_error_details.clone()),
        workflow,
    }
}

fn propagated(entries: &[Spanned<String>]) -> Vec<Propagated> {
    entries
        .iter()
        .filter_map(|e| Propagated::parse(&e.value))
        .collect()
}

fn workflow_stage(
    w: &Workflow,
    default_host: Option<&Spanned<String>>,
    depth: u32,
    parent_timeout: u64,
    world: (&Scenario, &Topology),
    behaviors: &mut Vec<BackendBehavior>,
    infos: &mut Vec<BackendInfo>,
) -> Stage {
    let timeout = if w.timeout_explicit {
        or_default(w.timeout.value)
    } else {
        parent_timeout
    };
    Stage {
        timeout,
        sequential: w.extra_config.proxy.sequential,
        concurrent_calls: w.concurrent_calls.max(1),
        ignore_errors: w.ignore_errors,
        propagated: propagated(&w.extra_config.proxy.propagated_params),
        steps: w
            .backends
            .iter()
            .map(|b| step(b, default_host, depth, timeout, world, behaviors, infos))
            .collect(),
    }
}

/// The behavior answering `url`: the scenario's key for host + `url_pattern` exactly as
/// written, else for the host, else the default (lognormal p50 10 ms, p99 50 ms, 200).
fn behavior_for(
    host: &str,
    url: &str,
    (scenario, topology): (&Scenario, &Topology),
    behaviors: &mut Vec<BackendBehavior>,
) -> usize {
    if let Some(g) = backend_router(host, topology) {
        let key = format!("gateway:{}", topology.routers[g].name);
        if let Some(i) = behaviors.iter().position(|b| b.key == key) {
            return i;
        }
        behaviors.push(BackendBehavior {
            key,
            latency: CallLatency::Constant(0),
            error_rate: 0.0,
            status: Vec::new(),
            body: None,
            gateway: Some(g),
        });
        return behaviors.len() - 1;
    }
    let same = |a: &str, b: &str| a.trim_end_matches('/') == b.trim_end_matches('/');
    let found = scenario
        .behaviors
        .iter()
        .filter(|b| b.is_backend())
        .find(|b| same(&b.service.value, url))
        .or_else(|| {
            scenario
                .behaviors
                .iter()
                .filter(|b| b.is_backend())
                .find(|b| same(&b.service.value, host))
        });
    let key = found.map_or("default", |b| b.service.value.as_str());
    if let Some(i) = behaviors.iter().position(|b| b.key == key) {
        return i;
    }
    let latency = match found.and_then(|b| b.latency.as_ref()).map(|l| &l.value) {
        Some(Latency::Constant { ns }) => CallLatency::Constant(*ns),
        other => CallLatency::Sampled(duration_of(other)),
    };
    behaviors.push(BackendBehavior {
        key: key.to_owned(),
        latency,
        error_rate: found
            .and_then(|b| b.errors_ppm)
            .map_or(0.0, |p| p as f64 / PPM_FULL as f64),
        status: found.map(|b| b.status.clone()).unwrap_or_default(),
        body: found.and_then(|b| b.body.as_ref()).map(json_of),
        gateway: None,
    });
    behaviors.len() - 1
}

/// A scenario `body` as JSON (keys as written, scalars as their values).
fn json_of(node: &Node) -> Json {
    match &node.value {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(i) => Json::from(*i),
        Value::Float(f, _) => serde_json::Number::from_f64(*f).map_or(Json::Null, Json::Number),
        Value::Str(s) => Json::String(s.clone()),
        Value::Seq(items) => Json::Array(items.iter().map(json_of).collect()),
        Value::Map(map) => Json::Object(
            map.iter()
                .filter_map(|(k, v)| Some((k.scalar_text()?, json_of(v))))
                .collect(),
        ),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn params_are_capitalised_as_lura_stores_them() {
        assert_eq!(
            super::capitalised("wants_notifications"),
            "Wants_notifications"
        );
        assert_eq!(super::capitalised(""), "");
    }
}
