//! The `scenario` dialect (DESIGN.md §6): a spanned node tree → [`Scenario`] + S diagnostics.
//!
//! Field spellings are a contract (issue 5): name, seed, duration, deploy, hosts, behaviors,
//! traffic, faults, expect. Quantities use the units grammar (Go durations, decimal
//! percentages, rates). References to blueprints, services and gateways are checked later,
//! against what the scenario deploys (`crate::check::scenario`).
//!
//! ```yaml
//! kind: scenario
//! name: sava-crash-during-canary      # required
//! seed: 42                            # optional (0); `--seed` overrides
//! clock: 2026-03-01T00:00:00Z         # optional: the instant t = 0 stands for (time schedules)
//! duration: 4m                        # required, Go duration
//! deploy:                             # in order; a known deployment name merges (Vamp PUT)
//!   - sava                            #   blueprint `sava` as deployment `sava`
//!   - { blueprint: "sava:1.1", as: sava }
//!   - { cloudify: web/blueprint.yaml, as: shop, inputs: { port: 80 }, install: false }
//!                                     # a Cloudify blueprint file, relative to this file;
//!                                     # installed at t = 0 unless `install: true` runs the
//!                                     # install workflow from t = 0
//! hosts: { count: 4 }                 # optional; default one host per instance
//! behaviors:                          # per service name:version
//!   sava:1.0:
//!     latency: { p50: 20ms, p99: 120ms }   # or {distribution: exponential, mean: 5ms},
//!                                          # {mean: 2ms, sd: 1ms}, or a constant `5ms`
//!                                          # or {distribution: constant, value: 5ms}
//!     errors: 0.1%                    # default 0
//!     concurrency: 64                 # slots per instance, default 64
//!     startup: 10s                    # default 0
//!     restart_delay: 10s              # after a crash when the fault names none; default 10s
//!   shop/vm:                          # a Cloudify node: `DEPLOYMENT/node` (or `node` alone)
//!     operations: { create: 30s, configure: 5s, start: 10s, stop: 5s, delete: 10s }  # default 0
//!     heartbeat: 5s                   # monitoring interval (default: collectors' or 10s)
//!   "http://orders:8080/orders/{id}": # a KrakenD backend: host + url_pattern as written, or
//!                                     # the host alone (the most specific key wins)
//!     latency: { distribution: constant, value: 10ms }   # also errors (connection errors)
//!     status: { 200: 99%, 503: 1% }   # HTTP statuses answered; default 200
//!     body: { user_id: 42 }           # the response, for `group` keys and {respN_...}
//! metrics:                            # what a monitored node's collectors report
//!   - { node: shop/vm, service: cpu.total.user, value: 42 }   # or {steps: [[0s, 20], [5m, 95]]},
//!                                     # {from: utilization | latency_p99 | error_rate}
//! traffic:
//!   - to: sava/9050                   # a gateway name
//!     rate: 50/s                      # exactly one of rate | ramp | steps
//!     # ramp: { from: 10/s, to: 100/s, over: 2m }
//!     # steps: [ { at: 0s, rate: 10/s }, { at: 1m, rate: 100/s } ]
//!     start: 0s                       # optional; stop: 3m optional
//!     clients: 1000                   # distinct client ids (sticky gateways), default 1
//!     headers: { User-Agent: { Firefox: 60%, Chrome: 40% } }
//!   - to: "POST /user/signup/yes"     # a request to the project's KrakenD endpoint (path
//!     rate: 50/s                      # params bound as its router binds them; no match: 404)
//!     query: { lang: { en: 70%, de: 30% } }   # or `lang: en`
//!   - { krakend: api/krakend.json, request: "GET /orders/1", rate: 5/s }   # several configs
//! faults:                             # exactly one action each
//!   - { at: 27s, kill: "sava:1.1", restart_delay: 20s }        # instances: N optional
//!   - { at: 2m, host_down: 2, for: 30s }                       # hosts numbered from 1
//!   - { at: 2m, errors: "sava:1.0", rate: 20%, for: 30s }
//!   - { at: 2m, latency: "sava:1.0", add: 200ms, for: 30s }
//!   - { at: 2m, partition: "sava:1.1", from: sava/sava/web, for: 30s }   # from optional
//!   - { at: 2m, host_down: shop/vm_1, for: 3m }               # a Cloudify compute instance
//!   - { at: 2m, kill: shop/web_2 }                            # a Cloudify node instance (or node)
//! expect:
//!   - rollback_within: { after: 27s, within: 5s }
//!   - no_rollback: {}
//!   - user_error_rate: { below: 0.5% }
//!   - weight_reaches: { route: "sava/sava/sava:1.1/web", weight: 100%, by: 95s }
//!   - workflow_within: { workflow: heal, after: 2m, within: 70s }
//!   - no_workflow: { workflow: heal, between: [5m, 10m] }
//!   - instances: { node: shop/web, at_least: 3, by: 20m }
//! ```

use crate::diag::codes::s;
use crate::diag::{Code, Diagnostic};
use crate::ir::scenario::*;
use crate::syntax::iso8601::{parse_date_time, DateTime};
use crate::syntax::node::{Mapping, Node, Value};
use crate::syntax::units::{parse_fine_percentage, parse_go_duration, parse_rate, Rate};
use crate::syntax::Document;

mod rollouts;

/// The longest duration any scenario field may hold: 366 days. Simulated time is cheap, but
/// past this a value is a typo, and far past it nanosecond arithmetic overflows.
const MAX_DURATION_NS: u64 = 366 * 24 * 3600 * 1_000_000_000;
/// The highest rate a traffic source may have.
const MAX_RATE_PER_S: f64 = 1e9;

/// Upper bounds of the integer fields (S021): each is far beyond a realistic rehearsal, and
/// low enough that nothing sized by it exhausts memory before the run budget is checked.
fn upper_bound(what: &str) -> Option<u64> {
    match what {
        "hosts.count" | "concurrency" | "instances" | "host_down" => Some(100_000),
        "clients" => Some(10_000_000),
        _ => None,
    }
}

/// Reads one `kind: scenario` document.
pub fn read_document(
    document: &Document,
    scenarios: &mut Vec<Scenario>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let mut reader = Reader { diagnostics };
    if let Some(scenario) = reader.scenario(&document.root) {
        if let Some(first) = scenarios
            .iter()
            .find(|s| s.name.value == scenario.name.value)
        {
            let first_span = first.name.span;
            reader.diagnostics.push(
                Diagnostic::error(
                    &s::S015,
                    scenario.name.span,
                    format!("a scenario named '{}' already exists", scenario.name.value),
                )
                .with_label(first_span, "first defined here"),
            );
        }
        scenarios.push(scenario);
    }
}

struct Reader<'d> {
    diagnostics: &'d mut Vec<Diagnostic>,
}

const TOP_FIELDS: &[&str] = &[
    "kind",
    "name",
    "seed",
    "clock",
    "duration",
    "deploy",
    "hosts",
    "behaviors",
    "traffic",
    "faults",
    "expect",
    "metrics",
    "description",
    "metadata",
    "update",
    "promote",
    "abort",
    "measurements",
    "webhooks",
    "routes",
];

/// A field that holds one item or a list of them (`deploy`, `update`, a webhook's `fails`).
fn one_or_many(node: &Node) -> Vec<&Node> {
    match node.as_seq() {
        Some(items) => items.iter().collect(),
        None => vec![node],
    }
}

fn type_name(node: &Node) -> &'static str {
    node.type_name()
}

impl Reader<'_> {
    fn error(&mut self, code: &'static Code, node_span: crate::source::Span, message: String) {
        self.diagnostics
            .push(Diagnostic::error(code, node_span, message));
    }

    fn map<'n>(&mut self, node: &'n Node, what: &str) -> Option<&'n Mapping> {
        let map = node.as_map();
        if map.is_none() {
            self.error(
                &s::S003,
                node.span,
                format!("{what} must be a mapping, found {}", type_name(node)),
            );
        }
        map
    }

    fn seq<'n>(&mut self, node: &'n Node, what: &str) -> Option<&'n [Node]> {
        let seq = node.as_seq();
        if seq.is_none() {
            self.error(
                &s::S003,
                node.span,
                format!("{what} must be a list, found {}", type_name(node)),
            );
        }
        seq
    }

    fn string(&mut self, node: &Node, what: &str) -> Option<Spanned<String>> {
        match &node.value {
            Value::Str(text) => Some(Spanned::new(text.clone(), node.span)),
            // `deploy: [sava]`-like scalars that YAML reads as numbers are names too.
            Value::Int(_) | Value::Float(..) => {
                node.scalar_text().map(|t| Spanned::new(t, node.span))
            }
            _ => {
                self.error(
                    &s::S003,
                    node.span,
                    format!("{what} must be a string, found {}", type_name(node)),
                );
                None
            }
        }
    }

    fn unsigned(&mut self, node: &Node, what: &str, min: i64) -> Option<u64> {
        match node.as_i64() {
            Some(v) if v >= min => match upper_bound(what) {
                Some(max) if v as u64 > max => {
                    self.too_large(node, what, format!("at most {max}"), v);
                    None
                }
                _ => Some(v as u64),
            },
            Some(v) => {
                self.error(
                    &s::S003,
                    node.span,
                    format!("{what} must be at least {min}, found {v}"),
                );
                None
            }
            None => {
                self.error(
                    &s::S003,
                    node.span,
                    format!("{what} must be an integer, found {}", type_name(node)),
                );
                None
            }
        }
    }

    fn duration(&mut self, node: &Node, what: &str) -> Option<u64> {
        let Value::Str(text) = &node.value else {
            let hint = match node.as_i64() {
                Some(n) => format!(" (write `{n}s` for seconds)"),
                None => String::new(),
            };
            self.diagnostics.push(
                Diagnostic::error(
                    &s::S004,
                    node.span,
                    format!(
                        "{what} must be a duration such as `90s` or `1m30s`, found {}",
                        type_name(node)
                    ),
                )
                .with_help(format!("durations are Go durations{hint}")),
            );
            return None;
        };
        match parse_go_duration(text) {
            Ok(d) if d.nanos() >= 0 && d.nanos() as u64 > MAX_DURATION_NS => {
                self.too_large(node, what, "at most 366 days (8784h)".into(), text);
                None
            }
            Ok(d) if d.nanos() >= 0 => Some(d.nanos() as u64),
            Ok(_) => {
                self.error(&s::S004, node.span, format!("{what} cannot be negative"));
                None
            }
            Err(e) => {
                self.diagnostics.push(
                    Diagnostic::error(
                        &s::S004,
                        e.span_in(node.span),
                        format!("bad {what}: {}", e.message),
                    )
                    .with_help("durations are Go durations: `90s`, `1m30s`, `1500ms`, `2h`"),
                );
                None
            }
        }
    }

    /// A percentage in parts per million (at most 100% unless `unbounded`).
    fn percent(&mut self, node: &Node, what: &str) -> Option<u64> {
        let text = match &node.value {
            Value::Str(text) => text.clone(),
            _ => {
                self.diagnostics.push(Diagnostic::error(
                    &s::S005,
                    node.span,
                    format!(
                        "{what} must be a percentage such as `0.1%`, found {}",
                        type_name(node)
                    ),
                ));
                return None;
            }
        };
        match parse_fine_percentage(&text) {
            Ok(p) if p.parts_per_million() <= PPM_FULL => Some(p.parts_per_million()),
            Ok(p) => {
                self.error(
                    &s::S005,
                    node.span,
                    format!("{what} cannot exceed 100% (found {})", p.normal_form()),
                );
                None
            }
            Err(e) => {
                self.error(
                    &s::S005,
                    e.span_in(node.span),
                    format!("bad {what}: {}", e.message),
                );
                None
            }
        }
    }

    fn rate(&mut self, node: &Node, what: &str) -> Option<Rate> {
        let Value::Str(text) = &node.value else {
            self.error(
                &s::S006,
                node.span,
                format!(
                    "{what} must be a rate such as `50/s`, found {}",
                    type_name(node)
                ),
            );
            return None;
        };
        match parse_rate(text) {
            Ok(rate) if rate.per_second() > MAX_RATE_PER_S => {
                self.too_large(node, what, "at most 1000000000/s".into(), text);
                None
            }
            Ok(rate) => Some(rate),
            Err(e) => {
                self.error(
                    &s::S006,
                    e.span_in(node.span),
                    format!("bad {what}: {}", e.message),
                );
                None
            }
        }
    }

    /// S021: a number beyond what any simulation could run (see [`upper_bound`]).
    fn too_large(&mut self, node: &Node, what: &str, limit: String, found: impl std::fmt::Display) {
        self.diagnostics.push(
            Diagnostic::error(
                &s::S021,
                node.span,
                format!("{what} is too large: {found} (rehearse simulates {limit})"),
            )
            .with_help("check for a missing unit or a stray digit; `rehearse explain S021` lists the limits"),
        );
    }

    fn unknown_fields(&mut self, map: &Mapping, known: &[&str], context: &str) {
        for (key, _) in map.iter() {
            let Some(name) = key.key_text() else { continue };
            if !known.contains(&name.as_str()) {
                self.diagnostics.push(
                    Diagnostic::warning(
                        &s::S002,
                        key.span,
                        format!("unknown field '{name}' in {context}"),
                    )
                    .with_help(format!("known fields: {}", known.join(", "))),
                );
            }
        }
    }

    fn scenario(&mut self, root: &Node) -> Option<Scenario> {
        let map = self.map(root, "a scenario")?;
        self.unknown_fields(map, TOP_FIELDS, "a scenario");
        let name = match map.get("name") {
            Some(n) => self.string(n, "name"),
            None => {
                self.error(&s::S001, root.span, "a scenario needs a `name`".into());
                None
            }
        };
        let duration = match map.entry("duration") {
            Some((_, n)) => self
                .duration(n, "duration")
                .map(|d| Spanned::new(d, n.span)),
            None => {
                self.error(
                    &s::S001,
                    root.span,
                    "a scenario needs a `duration`, e.g. `duration: 10m`".into(),
                );
                None
            }
        };
        let seed = map.get("seed").and_then(|n| self.unsigned(n, "seed", 0));
        let clock = map.get("clock").and_then(|n| self.clock(n));
        let mut rollouts = crate::ir::rollout_scenario::RolloutScenario::default();
        let deploy = map
            .get("deploy")
            .map(|n| self.deploy(n, &mut rollouts.deploy))
            .unwrap_or_default();
        self.rollout_fields(map, &mut rollouts);
        let hosts = map.get("hosts").and_then(|n| {
            let m = self.map(n, "hosts")?;
            self.unknown_fields(m, &["count"], "hosts");
            let count = m.get("count")?;
            self.unsigned(count, "hosts.count", 1)
                .map(|c| Spanned::new(c.min(u64::from(u32::MAX)) as u32, count.span))
        });
        let behaviors = map
            .get("behaviors")
            .map(|n| self.behaviors(n))
            .unwrap_or_default();
        let traffic = map
            .get("traffic")
            .and_then(|n| self.seq(n, "traffic"))
            .map(|items| items.iter().filter_map(|t| self.traffic(t)).collect())
            .unwrap_or_default();
        let faults = map
            .get("faults")
            .and_then(|n| self.seq(n, "faults"))
            .map(|items| items.iter().filter_map(|f| self.fault(f)).collect())
            .unwrap_or_default();
        let expect = map
            .get("expect")
            .and_then(|n| self.seq(n, "expect"))
            .map(|items| items.iter().filter_map(|e| self.expectation(e)).collect())
            .unwrap_or_default();
        let metrics = map
            .get("metrics")
            .and_then(|n| self.seq(n, "metrics"))
            .map(|items| items.iter().filter_map(|m| self.metric(m)).collect())
            .unwrap_or_default();
        Some(Scenario {
            name: name?,
            seed,
            clock,
            duration_ns: duration?,
            deploy,
            hosts,
            behaviors,
            traffic,
            faults,
            expect,
            metrics,
            rollouts,
            span: root.span,
        })
    }

    /// `clock`: an ISO 8601 offset date-time (a YAML timestamp is accepted too).
    fn clock(&mut self, node: &Node) -> Option<Spanned<DateTime>> {
        let help = "write an offset date-time such as `clock: 2026-03-01T00:00:00Z`";
        let Value::Str(text) = &node.value else {
            self.diagnostics.push(
                Diagnostic::error(
                    &s::S020,
                    node.span,
                    format!("clock must be a date-time, found {}", type_name(node)),
                )
                .with_help(help),
            );
            return None;
        };
        match parse_date_time(text) {
            Ok(at) => Some(Spanned::new(at, node.span)),
            Err(e) => {
                self.diagnostics.push(
                    Diagnostic::error(
                        &s::S020,
                        e.span_in(node.span),
                        format!("bad clock: {}", e.message),
                    )
                    .with_help(help),
                );
                None
            }
        }
    }

    fn deploy(
        &mut self,
        node: &Node,
        rollouts: &mut Vec<crate::ir::rollout_scenario::RolloutDeploy>,
    ) -> Vec<DeployStep> {
        let mut steps = Vec::new();
        for item in one_or_many(node) {
            if let Some(m) = item
                .as_map()
                .filter(|m| m.contains_key("rollout") || m.contains_key("canary"))
            {
                rollouts.extend(self.rollout_deploy(item, m));
            } else if let Some(m) = item.as_map().filter(|m| m.contains_key("cloudify")) {
                if let Some(step) = self.cloudify_step(item, m) {
                    steps.push(step);
                }
            } else if let Some(m) = item.as_map() {
                self.unknown_fields(m, &["blueprint", "cloudify", "as"], "a deploy step");
                let Some(blueprint) = m.get("blueprint").and_then(|n| self.string(n, "blueprint"))
                else {
                    if !m.contains_key("blueprint") {
                        self.error(
                            &s::S001,
                            item.span,
                            "a deploy step needs `blueprint`".into(),
                        );
                    }
                    continue;
                };
                let deployment = match m.get("as") {
                    Some(n) => match self.string(n, "as") {
                        Some(d) => d,
                        None => continue,
                    },
                    None => blueprint.clone(),
                };
                steps.push(DeployStep {
                    blueprint,
                    deployment,
                    cloudify: None,
                });
            } else if let Some(blueprint) = self.string(item, "a deploy step") {
                steps.push(DeployStep {
                    deployment: blueprint.clone(),
                    blueprint,
                    cloudify: None,
                });
            }
        }
        steps
    }

    /// `{cloudify: PATH, as: NAME, inputs: {...}, install: BOOL}`.
    fn cloudify_step(&mut self, item: &Node, m: &Mapping) -> Option<DeployStep> {
        self.unknown_fields(
            m,
            &["cloudify", "as", "inputs", "install"],
            "a Cloudify deploy step",
        );
        if m.contains_key("blueprint") {
            self.error(
                &s::S003,
                item.span,
                "a deploy step names either `blueprint` (Vamp) or `cloudify` (a blueprint file), not both".into(),
            );
            return None;
        }
        let path = self.string(m.get("cloudify")?, "cloudify")?;
        let deployment = match m.get("as") {
            Some(n) => self.string(n, "as")?,
            None => {
                // The file's stem, as `cfy deployments create` would be told.
                let stem = std::path::Path::new(&path.value)
                    .file_stem()
                    .map_or_else(|| path.value.clone(), |s| s.to_string_lossy().into_owned());
                Spanned::new(stem, path.span)
            }
        };
        let mut inputs = Vec::new();
        let inputs_span = match m.get("inputs") {
            Some(n) if n.is_null() => n.span,
            Some(n) => {
                if let Some(map) = self.map(n, "inputs") {
                    for (key, value) in map.iter() {
                        match key.key_text() {
                            Some(name) => {
                                inputs.push((Spanned::new(name, key.span), value.clone()))
                            }
                            None => self.error(
                                &s::S003,
                                key.span,
                                "an input name must be a string".into(),
                            ),
                        }
                    }
                }
                n.span
            }
            None => item.span,
        };
        let install = match m.get("install") {
            Some(n) => match n.as_bool() {
                Some(b) => b,
                None => {
                    self.error(
                        &s::S003,
                        n.span,
                        format!("install must be true or false, found {}", type_name(n)),
                    );
                    false
                }
            },
            None => false,
        };
        Some(DeployStep {
            blueprint: path,
            deployment,
            cloudify: Some(CloudifyDeploy {
                inputs,
                inputs_span,
                install,
                blueprint: None,
            }),
        })
    }

    /// `operations: {create: 30s, ...}`.
    fn operations(&mut self, node: &Node) -> Vec<(&'static str, u64)> {
        let Some(m) = self.map(node, "operations") else {
            return Vec::new();
        };
        self.unknown_fields(m, &OPERATIONS, "operations");
        OPERATIONS
            .iter()
            .filter_map(|op| {
                let d = self.duration(m.get(op)?, op)?;
                Some((*op, d))
            })
            .collect()
    }

    /// One `metrics:` entry.
    fn metric(&mut self, node: &Node) -> Option<MetricSource> {
        let m = self.map(node, "a metric")?;
        self.unknown_fields(m, &["node", "service", "value"], "a metric");
        let (Some(target), Some(service), Some(value)) =
            (m.get("node"), m.get("service"), m.get("value"))
        else {
            self.error(
                &s::S001,
                node.span,
                "a metric needs `node`, `service` and `value`".into(),
            );
            return None;
        };
        let target = self.string(target, "node");
        let service = self.string(service, "service");
        let value = self.metric_value(value);
        Some(MetricSource {
            node: target?,
            service: service?,
            value: value?,
            span: node.span,
        })
    }

    fn metric_value(&mut self, node: &Node) -> Option<MetricValue> {
        if let Some(x) = node.as_f64().filter(|_| node.is_scalar()) {
            return Some(MetricValue::Constant(x));
        }
        let help = "a metric value is a number, `{steps: [[0s, 20], [5m, 95]]}` or `{from: utilization | latency_p99 | error_rate}`";
        let Some(m) = node.as_map() else {
            self.diagnostics.push(
                Diagnostic::error(
                    &s::S003,
                    node.span,
                    format!("bad metric value: found {}", type_name(node)),
                )
                .with_help(help),
            );
            return None;
        };
        self.unknown_fields(m, &["steps", "from"], "a metric value");
        if let Some(from) = m.get("from") {
            let observed = match from.as_str() {
                Some("utilization") => Observed::Utilization,
                Some("latency_p99") => Observed::LatencyP99,
                Some("error_rate") => Observed::ErrorRate,
                _ => {
                    self.diagnostics.push(
                        Diagnostic::error(
                            &s::S003,
                            from.span,
                            "`from` must be utilization, latency_p99 or error_rate".to_owned(),
                        )
                        .with_help(help),
                    );
                    return None;
                }
            };
            return Some(MetricValue::From(observed));
        }
        let Some(items) = m.get("steps").and_then(|n| self.seq(n, "steps")) else {
            self.diagnostics.push(
                Diagnostic::error(&s::S001, node.span, "bad metric value".to_owned())
                    .with_help(help),
            );
            return None;
        };
        let mut steps = Vec::new();
        for item in items {
            match item.as_seq() {
                Some([at, value]) if value.as_f64().is_some() => {
                    let at = self.duration(at, "a step's time")?;
                    steps.push((at, value.as_f64().unwrap_or(0.0)));
                }
                _ => {
                    self.diagnostics.push(
                        Diagnostic::error(
                            &s::S003,
                            item.span,
                            "a step is `[time, value]`, e.g. `[5m, 95]`".to_owned(),
                        )
                        .with_help(help),
                    );
                    return None;
                }
            }
        }
        if steps.is_empty() {
            self.error(
                &s::S001,
                node.span,
                "steps needs at least one `[time, value]`".into(),
            );
            return None;
        }
        steps.sort_by_key(|(at, _)| *at);
        Some(MetricValue::Steps(steps))
    }

    fn behaviors(&mut self, node: &Node) -> Vec<Behavior> {
        let Some(map) = self.map(node, "behaviors") else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (key, value) in map.iter() {
            let Some(service) = key.key_text() else {
                self.error(
                    &s::S003,
                    key.span,
                    "a behavior is keyed by a service name".into(),
                );
                continue;
            };
            let Some(m) = self.map(value, "a behavior") else {
                continue;
            };
            self.unknown_fields(
                m,
                &[
                    "latency",
                    "errors",
                    "concurrency",
                    "startup",
                    "restart_delay",
                    "operations",
                    "heartbeat",
                    "status",
                    "body",
                    "overhead",
                ],
                "a behavior",
            );
            let status = m
                .get("status")
                .and_then(|n| self.status_mix(n))
                .unwrap_or_default();
            let body = m.get("body").and_then(|n| {
                self.map(n, "body")?;
                Some(n.clone())
            });
            let operations = m
                .get("operations")
                .map(|n| self.operations(n))
                .unwrap_or_default();
            let heartbeat_ns = m.get("heartbeat").and_then(|n| {
                let d = self.duration(n, "heartbeat")?;
                if d == 0 {
                    self.error(&s::S004, n.span, "heartbeat must be longer than 0s".into());
                    return None;
                }
                Some(d)
            });
            let latency = m.get("latency").and_then(|n| self.latency(n));
            let errors_ppm = m.get("errors").and_then(|n| self.percent(n, "errors"));
            let concurrency = m
                .get("concurrency")
                .and_then(|n| self.unsigned(n, "concurrency", 1))
                .map(|c| c.min(u64::from(u32::MAX)) as u32);
            let startup_ns = m.get("startup").and_then(|n| self.duration(n, "startup"));
            let restart_delay_ns = m
                .get("restart_delay")
                .and_then(|n| self.duration(n, "restart_delay"));
            let overhead_ns = m.get("overhead").and_then(|n| self.duration(n, "overhead"));
            if let Some(node) = m.get("overhead").filter(|_| service != GATEWAY_BEHAVIOR) {
                // Only the gateway adds time to a response; a service's own latency says
                // how long it takes.
                self.diagnostics.push(
                    Diagnostic::warning(
                        &s::S002,
                        node.span,
                        format!("`overhead` is ignored in the behavior of '{service}': only the KrakenD gateway's behavior (`{GATEWAY_BEHAVIOR}`) has one"),
                    )
                    .with_help("put the service's own time in its `latency`"),
                );
            }
            out.push(Behavior {
                service: Spanned::new(service, key.span),
                latency,
                errors_ppm,
                concurrency,
                startup_ns,
                restart_delay_ns,
                operations,
                heartbeat_ns,
                status,
                body,
                overhead_ns,
                span: value.span,
            });
        }
        out
    }

    /// `status: {200: 99%, 503: 1%}`: HTTP statuses (100–599) and their shares.
    fn status_mix(&mut self, node: &Node) -> Option<Vec<(u16, u64)>> {
        let m = self.map(node, "status")?;
        let mut out = Vec::new();
        for (code, share) in m.iter() {
            let status = code
                .key_text()
                .and_then(|t| t.trim().parse::<u16>().ok())
                .filter(|c| (100..=599).contains(c));
            let Some(status) = status else {
                self.error(
                    &s::S003,
                    code.span,
                    "a status is an HTTP status code from 100 to 599".into(),
                );
                continue;
            };
            out.push((status, self.percent(share, "a status share")?));
        }
        Some(out)
    }

    fn latency(&mut self, node: &Node) -> Option<Spanned<Latency>> {
        if node.is_scalar() {
            let ns = self.duration(node, "latency")?;
            return Some(Spanned::new(Latency::Constant { ns }, node.span));
        }
        let m = self.map(node, "latency")?;
        self.unknown_fields(
            m,
            &["p50", "p99", "distribution", "mean", "sd", "value"],
            "a latency",
        );
        let latency = if let Some(dist) = m.get("distribution") {
            match dist.as_str() {
                Some("constant") => {
                    let Some(value) = m.get("value") else {
                        self.error(
                            &s::S001,
                            node.span,
                            "a constant latency needs `value`".into(),
                        );
                        return None;
                    };
                    Latency::Constant {
                        ns: self.duration(value, "value")?,
                    }
                }
                Some("exponential") => {
                    let mean = m.get("mean");
                    let Some(mean) = mean else {
                        self.error(
                            &s::S001,
                            node.span,
                            "an exponential latency needs `mean`".into(),
                        );
                        return None;
                    };
                    Latency::Exponential {
                        mean_ns: self.duration(mean, "mean")?,
                    }
                }
                Some("lognormal") => self.lognormal(node, m)?,
                _ => {
                    self.error(
                        &s::S003,
                        dist.span,
                        "distribution must be `exponential`, `lognormal` or `constant`".into(),
                    );
                    return None;
                }
            }
        } else {
            self.lognormal(node, m)?
        };
        let positive = match latency {
            Latency::Quantiles { p50_ns, p99_ns } => p50_ns > 0 && p99_ns >= p50_ns,
            Latency::Exponential { mean_ns } | Latency::Moments { mean_ns, .. } => mean_ns > 0,
            Latency::Constant { .. } => true,
        };
        if !positive {
            self.error(
                &s::S014,
                node.span,
                "latency must be positive, with p99 at least p50".into(),
            );
            return None;
        }
        Some(Spanned::new(latency, node.span))
    }

    fn lognormal(&mut self, node: &Node, m: &Mapping) -> Option<Latency> {
        if let (Some(p50), Some(p99)) = (m.get("p50"), m.get("p99")) {
            let p50_ns = self.duration(p50, "p50");
            let p99_ns = self.duration(p99, "p99");
            return Some(Latency::Quantiles {
                p50_ns: p50_ns?,
                p99_ns: p99_ns?,
            });
        }
        if let (Some(mean), Some(sd)) = (m.get("mean"), m.get("sd")) {
            let mean_ns = self.duration(mean, "mean");
            let sd_ns = self.duration(sd, "sd");
            return Some(Latency::Moments {
                mean_ns: mean_ns?,
                sd_ns: sd_ns?,
            });
        }
        self.error(
            &s::S001,
            node.span,
            "a latency needs `p50` and `p99`, or `mean` and `sd`, or `distribution: exponential` with `mean`".into(),
        );
        None
    }

    fn traffic(&mut self, node: &Node) -> Option<Traffic> {
        let m = self.map(node, "a traffic source")?;
        self.unknown_fields(
            m,
            &[
                "to", "rate", "ramp", "steps", "start", "stop", "clients", "headers", "query",
                "krakend", "request",
            ],
            "a traffic source",
        );
        let krakend = m.get("krakend").and_then(|n| self.string(n, "krakend"));
        let to = match m.get("to").or_else(|| m.get("request")) {
            Some(n) => self.string(n, "to"),
            None => {
                self.error(
                    &s::S001,
                    node.span,
                    "a traffic source needs `to` (a gateway such as `sava/9050`)".into(),
                );
                None
            }
        };
        let shapes: Vec<&str> = ["rate", "ramp", "steps"]
            .into_iter()
            .filter(|k| m.contains_key(k))
            .collect();
        if shapes.len() != 1 {
            self.error(
                &s::S007,
                node.span,
                format!(
                    "a traffic source needs exactly one of `rate`, `ramp`, `steps` (found {})",
                    if shapes.is_empty() {
                        "none".to_owned()
                    } else {
                        shapes.join(", ")
                    }
                ),
            );
            return None;
        }
        let load = if let Some(n) = m.get("rate") {
            Load::Constant(self.rate(n, "rate")?)
        } else if let Some(n) = m.get("ramp") {
            let r = self.map(n, "ramp")?;
            self.unknown_fields(r, &["from", "to", "over"], "a ramp");
            let (Some(from), Some(to), Some(over)) = (r.get("from"), r.get("to"), r.get("over"))
            else {
                self.error(
                    &s::S001,
                    n.span,
                    "a ramp needs `from`, `to` and `over`".into(),
                );
                return None;
            };
            let from = self.rate(from, "ramp.from");
            let to = self.rate(to, "ramp.to");
            let over = self.duration(over, "ramp.over");
            Load::Ramp {
                from: from?,
                to: to?,
                over_ns: over?,
            }
        } else {
            let items = self.seq(m.get("steps")?, "steps")?;
            let mut steps = Vec::new();
            for item in items {
                let step = self.map(item, "a step")?;
                self.unknown_fields(step, &["at", "rate"], "a step");
                let (Some(at), Some(rate)) = (step.get("at"), step.get("rate")) else {
                    self.error(&s::S001, item.span, "a step needs `at` and `rate`".into());
                    return None;
                };
                let at = self.duration(at, "at");
                let rate = self.rate(rate, "rate");
                steps.push((at?, rate?));
            }
            steps.sort_by_key(|(at, _)| *at);
            Load::Steps(steps)
        };
        let start_ns = m
            .get("start")
            .and_then(|n| self.duration(n, "start"))
            .unwrap_or(0);
        let stop_ns = m.get("stop").and_then(|n| self.duration(n, "stop"));
        let clients = m
            .get("clients")
            .and_then(|n| self.unsigned(n, "clients", 1))
            .map_or(1, |c| c.min(u64::from(u32::MAX)) as u32);
        let headers = m
            .get("headers")
            .and_then(|n| self.headers(n))
            .unwrap_or_default();
        let to = to?;
        let request = match parse_request(&to.value) {
            Some((method, path, mut query)) => {
                if let Some(n) = m.get("query") {
                    query.extend(self.headers(n).unwrap_or_default());
                }
                Some(ApiRequest {
                    krakend,
                    config: None,
                    method,
                    path,
                    query,
                })
            }
            None => {
                if let Some(n) = m.get("request").or(m.get("krakend")).or(m.get("query")) {
                    self.error(
                        &s::S003,
                        n.span,
                        "a request reads `METHOD /path`, e.g. `POST /user/signup/yes`".into(),
                    );
                }
                None
            }
        };
        Some(Traffic {
            to,
            request,
            load,
            start_ns,
            stop_ns,
            clients,
            headers,
            span: node.span,
        })
    }

    fn headers(&mut self, node: &Node) -> Option<Vec<HeaderDistribution>> {
        let m = self.map(node, "headers")?;
        let mut out = Vec::new();
        for (key, value) in m.iter() {
            let name = key.key_text()?;
            if value.is_scalar() {
                if let Some(text) = value.as_str() {
                    out.push(HeaderDistribution {
                        name,
                        values: vec![(text.to_owned(), PPM_FULL)],
                    });
                    continue;
                }
            }
            let dist = self.map(value, "a header distribution")?;
            let mut values = Vec::new();
            for (v, share) in dist.iter() {
                let text = v.key_text()?;
                values.push((text, self.percent(share, "a header share")?));
            }
            out.push(HeaderDistribution { name, values });
        }
        Some(out)
    }

    fn fault(&mut self, node: &Node) -> Option<Fault> {
        let m = self.map(node, "a fault")?;
        const ACTIONS: &[&str] = &["kill", "host_down", "errors", "latency", "partition"];
        self.unknown_fields(
            m,
            &[
                "at",
                "kill",
                "host_down",
                "errors",
                "latency",
                "partition",
                "for",
                "restart_delay",
                "instances",
                "rate",
                "add",
                "from",
            ],
            "a fault",
        );
        let actions: Vec<&str> = ACTIONS
            .iter()
            .copied()
            .filter(|a| m.contains_key(a))
            .collect();
        if actions.len() != 1 {
            self.error(
                &s::S008,
                node.span,
                format!(
                    "a fault needs exactly one of {} (found {})",
                    ACTIONS.join(", "),
                    if actions.is_empty() {
                        "none".to_owned()
                    } else {
                        actions.join(", ")
                    }
                ),
            );
            return None;
        }
        let at_ns = match m.get("at") {
            Some(n) => self.duration(n, "at")?,
            None => {
                self.error(&s::S001, node.span, "a fault needs `at`".into());
                return None;
            }
        };
        let action = actions[0];
        let target = m.get(action)?;
        let for_ns = |reader: &mut Self| -> Option<u64> {
            match m.get("for") {
                Some(n) => reader.duration(n, "for"),
                None => {
                    reader.error(
                        &s::S008,
                        node.span,
                        format!("a `{action}` fault needs `for` (how long it lasts)"),
                    );
                    None
                }
            }
        };
        let kind = match action {
            "kill" => FaultKind::Kill {
                service: self.string(target, "kill")?,
                instances: m
                    .get("instances")
                    .and_then(|n| self.unsigned(n, "instances", 1))
                    .map(|c| c.min(u64::from(u32::MAX)) as u32),
                restart_delay_ns: m
                    .get("restart_delay")
                    .and_then(|n| self.duration(n, "restart_delay")),
            },
            "host_down" if target.as_str().is_some() => FaultKind::InstanceDown {
                instance: self.string(target, "host_down")?,
                for_ns: match m.get("for") {
                    Some(n) => Some(self.duration(n, "for")?),
                    None => None,
                },
            },
            "host_down" => {
                let host = self.unsigned(target, "host_down", 1)?;
                FaultKind::HostDown {
                    host: Spanned::new(host.min(u64::from(u32::MAX)) as u32, target.span),
                    for_ns: for_ns(self)?,
                }
            }
            "errors" => {
                let service = self.string(target, "errors")?;
                let Some(rate) = m.get("rate") else {
                    self.error(
                        &s::S008,
                        node.span,
                        "an `errors` fault needs `rate` (e.g. `rate: 50%`)".into(),
                    );
                    return None;
                };
                FaultKind::Errors {
                    service,
                    rate_ppm: self.percent(rate, "rate")?,
                    for_ns: for_ns(self)?,
                }
            }
            "latency" => {
                let service = self.string(target, "latency")?;
                let Some(add) = m.get("add") else {
                    self.error(
                        &s::S008,
                        node.span,
                        "a `latency` fault needs `add` (e.g. `add: 200ms`)".into(),
                    );
                    return None;
                };
                FaultKind::Latency {
                    service,
                    added_ns: self.duration(add, "add")?,
                    for_ns: for_ns(self)?,
                }
            }
            _ => FaultKind::Partition {
                service: self.string(target, "partition")?,
                from: m.get("from").and_then(|n| self.string(n, "from")),
                for_ns: for_ns(self)?,
            },
        };
        Some(Fault {
            at_ns,
            kind,
            span: node.span,
        })
    }

    fn expectation(&mut self, node: &Node) -> Option<Expectation> {
        let m = self.map(node, "an expectation")?;
        if m.len() != 1 {
            self.error(
                &s::S003,
                node.span,
                "an expectation is a mapping with one key, e.g. `- user_error_rate: {below: 0.5%}`"
                    .into(),
            );
            return None;
        }
        let (key, value) = m.iter().next()?;
        let name = key.key_text()?;
        let kind = match name.as_str() {
            "rollback_within" => {
                let p = self.map(value, "rollback_within")?;
                self.unknown_fields(p, &["after", "within"], "rollback_within");
                let after_ns = match p.get("after") {
                    Some(n) => self.duration(n, "after")?,
                    None => 0,
                };
                let Some(within) = p.get("within") else {
                    self.error(
                        &s::S001,
                        value.span,
                        "rollback_within needs `within`".into(),
                    );
                    return None;
                };
                ExpectationKind::RollbackWithin {
                    after_ns,
                    within_ns: self.duration(within, "within")?,
                }
            }
            "no_rollback" => ExpectationKind::NoRollback,
            "user_error_rate" => {
                let p = self.map(value, "user_error_rate")?;
                self.unknown_fields(p, &["below"], "user_error_rate");
                let Some(below) = p.get("below") else {
                    self.error(&s::S001, value.span, "user_error_rate needs `below`".into());
                    return None;
                };
                ExpectationKind::UserErrorRate {
                    below_ppm: self.percent(below, "below")?,
                }
            }
            "weight_reaches" => {
                let p = self.map(value, "weight_reaches")?;
                self.unknown_fields(p, &["route", "weight", "by"], "weight_reaches");
                let (Some(route), Some(weight), Some(by)) =
                    (p.get("route"), p.get("weight"), p.get("by"))
                else {
                    self.error(
                        &s::S001,
                        value.span,
                        "weight_reaches needs `route`, `weight` and `by`".into(),
                    );
                    return None;
                };
                let route = self.string(route, "route");
                let weight = self.percent(weight, "weight");
                let by = self.duration(by, "by");
                ExpectationKind::WeightReaches {
                    route: route?,
                    weight_ppm: weight?,
                    by_ns: by?,
                }
            }
            "workflow_within" => {
                let p = self.map(value, "workflow_within")?;
                self.unknown_fields(p, &["workflow", "after", "within"], "workflow_within");
                let (Some(workflow), Some(within)) = (p.get("workflow"), p.get("within")) else {
                    self.error(
                        &s::S001,
                        value.span,
                        "workflow_within needs `workflow` and `within`".into(),
                    );
                    return None;
                };
                let after_ns = match p.get("after") {
                    Some(n) => self.duration(n, "after")?,
                    None => 0,
                };
                ExpectationKind::WorkflowWithin {
                    workflow: self.string(workflow, "workflow")?,
                    after_ns,
                    within_ns: self.duration(within, "within")?,
                }
            }
            "no_workflow" => {
                let p = self.map(value, "no_workflow")?;
                self.unknown_fields(p, &["workflow", "between"], "no_workflow");
                let Some(workflow) = p.get("workflow") else {
                    self.error(&s::S001, value.span, "no_workflow needs `workflow`".into());
                    return None;
                };
                let workflow = self.string(workflow, "workflow")?;
                let (from_ns, to_ns) = match p.get("between") {
                    None => (0, u64::MAX),
                    Some(b) => match b.as_seq() {
                        Some([from, to]) => {
                            let from = self.duration(from, "between");
                            let to = self.duration(to, "between");
                            (from?, to?)
                        }
                        _ => {
                            self.error(
                                &s::S003,
                                b.span,
                                "between must be a list of two durations, e.g. `[5m, 10m]`".into(),
                            );
                            return None;
                        }
                    },
                };
                ExpectationKind::NoWorkflow {
                    workflow,
                    from_ns,
                    to_ns,
                }
            }
            "instances" => {
                let p = self.map(value, "instances")?;
                self.unknown_fields(p, &["node", "at_least", "by"], "instances");
                let (Some(node), Some(at_least), Some(by)) =
                    (p.get("node"), p.get("at_least"), p.get("by"))
                else {
                    self.error(
                        &s::S001,
                        value.span,
                        "instances needs `node`, `at_least` and `by`".into(),
                    );
                    return None;
                };
                let node = self.string(node, "node");
                let at_least = self.unsigned(at_least, "instances", 0);
                let by = self.duration(by, "by");
                ExpectationKind::Instances {
                    node: node?,
                    at_least: at_least? as u32,
                    by_ns: by?,
                }
            }
            "endpoint_status" => {
                let p = self.map(value, "endpoint_status")?;
                self.unknown_fields(
                    p,
                    &["endpoint", "status", "below", "at_least"],
                    "endpoint_status",
                );
                let (Some(endpoint), Some(status)) = (p.get("endpoint"), p.get("status")) else {
                    self.error(
                        &s::S001,
                        value.span,
                        "endpoint_status needs `endpoint`, `status` and `below` or `at_least`"
                            .into(),
                    );
                    return None;
                };
                let endpoint = self.string(endpoint, "endpoint");
                let text = status.scalar_text().unwrap_or_default();
                let statuses = match text.trim().strip_suffix("xx") {
                    Some(class) => class.parse::<u16>().ok().map(|c| (c * 100, c * 100 + 99)),
                    None => text.trim().parse::<u16>().ok().map(|c| (c, c)),
                }
                .filter(|(lo, hi)| *lo >= 100 && *hi <= 599);
                let Some(statuses) = statuses else {
                    self.error(
                        &s::S003,
                        status.span,
                        "status is an HTTP status (100–599) or a class such as `5xx`".into(),
                    );
                    return None;
                };
                let below = p.get("below").map(|n| self.percent(n, "below"));
                let at_least = p.get("at_least").map(|n| self.percent(n, "at_least"));
                if below.is_none() && at_least.is_none() {
                    self.error(
                        &s::S001,
                        value.span,
                        "endpoint_status needs `below` or `at_least`".into(),
                    );
                    return None;
                }
                ExpectationKind::EndpointStatus {
                    endpoint: endpoint?,
                    statuses,
                    below_ppm: below.map(|b| b.ok_or(())).transpose().ok()?,
                    at_least_ppm: at_least.map(|a| a.ok_or(())).transpose().ok()?,
                }
            }
            other => {
                self.diagnostics.push(
                    Diagnostic::error(&s::S009, key.span, format!("unknown expectation '{other}'"))
                        .with_help(
                            "known: rollback_within, no_rollback, user_error_rate, weight_reaches, workflow_within, no_workflow, instances, endpoint_status",
                        ),
                );
                return None;
            }
        };
        Some(Expectation {
            name,
            kind,
            span: node.span,
        })
    }
}

/// `"POST /user/signup/yes?lang=en"` → (`POST`, `/user/signup/yes`, `lang` = `en`): a method
/// (letters, any case, upper-cased as KrakenD's router does), one space, a path from `/`.
/// Anything else is not a request (`to` then names a gateway).
pub fn parse_request(text: &str) -> Option<(String, String, Vec<HeaderDistribution>)> {
    let (method, target) = text.trim().split_once(' ')?;
    let target = target.trim();
    if method.is_empty()
        || !method.bytes().all(|b| b.is_ascii_alphabetic())
        || !target.starts_with('/')
    {
        return None;
    }
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let query = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            HeaderDistribution {
                name: name.to_owned(),
                values: vec![(value.to_owned(), PPM_FULL)],
            }
        })
        .collect();
    Some((method.to_ascii_uppercase(), path.to_owned(), query))
}
