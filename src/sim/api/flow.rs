//! One request through a KrakenD endpoint, interpreted when it arrives
//! (reference/krakend/SPEC.md §9):
//!
//! - the endpoint's context lasts its `timeout`; a multi-backend stage (endpoint or
//!   workflow) merges within 85% of its timeout, parallel and sequential alike;
//! - parallel: every backend starts at once; the response has data when at least one part
//!   answered, and is complete when every part did, completely;
//! - sequential: an error in the first backend aborts with no data; an error (or an
//!   incomplete part) later stops the chain with the data so far, incomplete; a skipped
//!   backend is an empty complete part (it is left out of a parallel merge's count);
//! - only 200 and 201 succeed; with `return_error_details` a failing status is data under
//!   `error_<alias>` and the response is incomplete;
//! - `concurrent_calls: k` fires every call k times within 75% of the timeout: the first
//!   successful answer wins and the calls still running are cancelled; when none succeeds
//!   the last one to end decides (any k up to `MAX_CONCURRENT_CALLS`, as lura fires any k);
//! - a nested workflow is a stage of its own (its `timeout`, `sequential`,
//!   `concurrent_calls`, `ignore_errors`); the backend hosting it makes no call of its own.
//!
//! Assumptions where the reference says "not verifiable" (KrakenD Enterprise is closed):
//! a workflow's merged response is the hosting backend's response (its `group` wraps it);
//! `ignore_errors` continues past failing backends, and the merged response is still
//! marked incomplete when a part failed, as lura's merger marks it; a workflow without data
//! is an error of the hosting backend. Connection errors (`errors:` in a behavior) fail a
//! call without an HTTP status. A backend whose host names a deployment's gateway
//! (`http://sava:9050`) or a Cloudify node (`http://NAME.node:PORT`, the node's router over
//! its instances) calls into the simulated world as it is when the request arrives:
//! the gateway's current weights pick the route, a service with no ready instance answers
//! 503, otherwise its error rate and latency (faults included) decide; the call is counted
//! at the gateway's routes and the service (so controllers see it) but takes no instance
//! slot (no queueing behind the world's own traffic).

use super::super::engine::{secs_to_nanos, Nanos};
use super::super::rng::Stream;
use super::super::samplers::{bernoulli, weighted_choice_by};
use super::cel;
use super::model::*;
use serde_json::{Map, Value as Json};

/// How a request ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Response {
    /// From arrival to the response.
    pub latency: Nanos,
    pub status: u16,
    /// `X-Krakend-Completed`.
    pub complete: bool,
}

/// One backend call (or skip) of a traced request, for `--explain-request`.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub depth: u32,
    pub label: String,
    /// The URL called, variables replaced (a missing one stays literal).
    pub url: String,
    pub start: Nanos,
    pub end: Nanos,
    /// `200`, `503`, `connection error`, `timeout`, `cancelled`, `skipped: POLICY`, `workflow`.
    pub outcome: String,
    /// Variables left literal because no value was found.
    pub unresolved: Vec<String>,
}

/// Everything a traced request did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Waterfall {
    pub rows: Vec<Row>,
    /// The response's top-level keys, as merged.
    pub keys: Vec<String>,
    /// Time spent waiting for a gateway slot before the first call, and the gateway's
    /// overhead added to the response.
    pub wait: Nanos,
    pub overhead: Nanos,
}

/// A stage's or a backend's answer.
struct Part {
    end: Nanos,
    data: bool,
    complete: bool,
    /// The response data, kept only when tracing.
    body: Option<Json>,
}

/// How one backend call ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CallEnd {
    Cancelled,
    Timeout,
    /// Its status (`None`: a connection error).
    Answered(Option<u16>),
}

impl CallEnd {
    fn describe(self) -> String {
        match self {
            CallEnd::Cancelled => "cancelled".to_owned(),
            CallEnd::Timeout => "timeout".to_owned(),
            CallEnd::Answered(None) => "connection error".to_owned(),
            CallEnd::Answered(Some(status)) => status.to_string(),
        }
    }
}

enum Outcome {
    Skipped,
    Answered(Part),
    Failed(Nanos),
}

/// Where a backend whose host names a deployment's gateway sends its call: the simulated
/// world, as it is when the request arrives (`arrivals::WorldCalls`).
pub trait Upstream {
    /// One call through `gateway`: its latency and status (`None`: a connection error).
    fn call(&mut self, gateway: usize, rng: &mut Stream) -> (Nanos, Option<u16>);
}

/// The most copies of one backend call the rehearsal fires (`concurrent_calls`): KrakenD's
/// schema stops at 5, lura at nothing; a bound keeps a hostile config from costing a loop
/// of billions per request.
pub const MAX_CONCURRENT_CALLS: u32 = 100;

/// The state one request's interpretation needs.
pub struct Flow<'a> {
    pub behaviors: &'a [BackendBehavior],
    pub rng: &'a mut Stream,
    pub request: &'a dyn cel::Request,
    pub stats: &'a mut [BackendStats],
    pub trace: Option<&'a mut Waterfall>,
    /// Endpoint params as the url_pattern names them, for the waterfall's URLs.
    pub params: &'a [(String, String)],
    pub infos: &'a [BackendInfo],
    pub upstream: &'a mut dyn Upstream,
    /// Params propagated by the sequential stages running (`Resp0_user_id`, value); empty
    /// outside them. Start with an empty vector.
    pub propagated: Vec<(String, String)>,
    /// Sequential stages with propagated params running: response bodies are kept.
    pub keep_bodies: u32,
}

/// The request as a backend of a sequential stage sees it: its params plus the
/// propagated ones.
struct WithPropagated<'r> {
    base: &'r dyn cel::Request,
    extra: &'r [(String, String)],
}

impl cel::Request for WithPropagated<'_> {
    fn param(&self, name: &str) -> Option<&str> {
        self.extra
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .or_else(|| self.base.param(name))
    }
    fn header(&self, name: &str) -> Option<&str> {
        self.base.header(name)
    }
    fn query(&self, name: &str) -> Option<&str> {
        self.base.query(name)
    }
    fn uri(&self) -> &str {
        self.base.uri()
    }
    fn method(&self) -> &str {
        self.base.method()
    }
}

impl Flow<'_> {
    /// Runs the endpoint whose root stage is `root` for one request arriving at 0 whose
    /// flow starts at `start` (after waiting for a gateway slot): the endpoint's context
    /// runs from arrival, so the wait consumes its timeout; the merge budget runs from
    /// `start`. Latencies are from arrival (the gateway's overhead is not included).
    pub fn respond(&mut self, root: &Stage, start: Nanos) -> Response {
        let part = self.stage(root, start, root.timeout);
        if let Some(trace) = self.trace.as_deref_mut() {
            if let Some(Json::Object(map)) = &part.body {
                trace.keys = map.keys().cloned().collect();
            }
        }
        Response {
            latency: part.end,
            status: if part.data { 200 } else { 500 },
            complete: part.data && part.complete,
        }
    }

    fn stage(&mut self, stage: &Stage, start: Nanos, limit: Nanos) -> Part {
        let deadline = limit.min(start.saturating_add(stage.budget()));
        let propagating = stage.sequential && !stage.propagated.is_empty();
        if propagating {
            self.keep_bodies += 1;
        }
        let outer = self.propagated.len();
        let part = self.run_stage(stage, start, deadline);
        if propagating {
            self.keep_bodies -= 1;
        }
        self.propagated.truncate(outer);
        part
    }

    fn run_stage(&mut self, stage: &Stage, start: Nanos, deadline: Nanos) -> Part {
        let tracing = self.wants_bodies();
        let mut bodies: Vec<Option<Json>> = Vec::new();
        if stage.sequential || stage.steps.len() == 1 {
            let mut t = start;
            let (mut data, mut complete) = (false, true);
            for (i, step) in stage.steps.iter().enumerate() {
                if stage.sequential && i > 0 {
                    self.propagate(stage, i, &bodies);
                }
                match self.step(step, stage, t, deadline, &bodies) {
                    Outcome::Skipped => {
                        data = true;
                        if tracing {
                            bodies.push(Some(Json::Object(Map::new())));
                        }
                    }
                    Outcome::Answered(part) => {
                        data = true;
                        complete &= part.complete;
                        t = part.end;
                        if tracing {
                            bodies.push(part.body);
                        }
                        if !part.complete && !stage.ignore_errors {
                            break;
                        }
                    }
                    Outcome::Failed(end) => {
                        t = end;
                        complete = false;
                        if tracing {
                            bodies.push(None);
                        }
                        if stage.ignore_errors {
                            continue;
                        }
                        if i == 0 {
                            return Part {
                                end,
                                data: false,
                                complete: false,
                                body: None,
                            };
                        }
                        break;
                    }
                }
            }
            return Part {
                end: t,
                data,
                complete: data && complete,
                body: tracing.then(|| merge(bodies.into_iter().flatten())),
            };
        }
        let mut end = start;
        let (mut answered, mut counted, mut all) = (0, 0, true);
        let mut arrivals: Vec<(Nanos, Json)> = Vec::new();
        for step in &stage.steps {
            match self.step(step, stage, start, deadline, &bodies) {
                Outcome::Skipped => {}
                Outcome::Answered(part) => {
                    counted += 1;
                    answered += 1;
                    all &= part.complete;
                    end = end.max(part.end);
                    if let Some(body) = part.body {
                        arrivals.push((part.end, body));
                    }
                }
                Outcome::Failed(at) => {
                    counted += 1;
                    all = false;
                    end = end.max(at);
                }
            }
        }
        // Parts merge in arrival order (ties in declaration order).
        arrivals.sort_by_key(|(t, _)| *t);
        let data = answered > 0 || counted == 0;
        Part {
            end,
            data,
            complete: data && all,
            body: tracing.then(|| merge(arrivals.into_iter().map(|(_, b)| b))),
        }
    }

    /// lura's `sequentialMerge`: before backend `i`, every propagated entry of an earlier
    /// backend whose value is found becomes a request param (SPEC §4.3).
    fn propagate(&mut self, stage: &Stage, i: usize, bodies: &[Option<Json>]) {
        for entry in &stage.propagated {
            if entry.backend >= i || self.propagated.iter().any(|(n, _)| *n == entry.name) {
                continue;
            }
            let found = bodies
                .get(entry.backend)
                .and_then(Option::as_ref)
                .and_then(|body| lookup(body, entry.path.iter().map(String::as_str)));
            if let Some(value) = found {
                self.propagated.push((entry.name.clone(), value));
            }
        }
    }

    fn wants_bodies(&self) -> bool {
        self.trace.is_some() || self.keep_bodies > 0
    }

    fn step(
        &mut self,
        step: &Step,
        stage: &Stage,
        start: Nanos,
        deadline: Nanos,
        earlier: &[Option<Json>],
    ) -> Outcome {
        let depth = self.infos[step.counter].depth;
        let with = WithPropagated {
            base: self.request,
            extra: &self.propagated,
        };
        let request: &dyn cel::Request = if self.propagated.is_empty() {
            self.request
        } else {
            &with
        };
        if let Some((text, _)) = step.policies.iter().find(|(_, p)| !cel::holds(p, request)) {
            self.stats[step.counter].skipped += 1;
            let why = || format!("skipped: policy `{text}` does not hold");
            self.row(step, depth, start, start, why, earlier);
            return Outcome::Skipped;
        }
        if let Some(workflow) = &step.workflow {
            self.stats[step.counter].calls += 1;
            // The workflow's row comes before its calls; its end is known after them.
            let row = self.trace.as_ref().map(|t| t.rows.len());
            self.row(step, depth, start, start, || "workflow".to_owned(), earlier);
            let part = self.stage(workflow, start, deadline);
            if let (Some(trace), Some(row)) = (self.trace.as_deref_mut(), row) {
                trace.rows[row].end = part.end;
                trace.rows[row].outcome = match (part.data, part.complete) {
                    (false, _) => "workflow: failed",
                    (true, false) => "workflow: incomplete",
                    (true, true) => "workflow: complete",
                }
                .to_owned();
            }
            let stats = &mut self.stats[step.counter];
            stats.ended += 1;
            stats.latency_sum_ns += u128::from(part.end - start);
            if !part.data {
                stats.errors += 1;
                return Outcome::Failed(part.end);
            }
            return Outcome::Answered(Part {
                body: part.body.map(|b| wrap(step, b)),
                ..part
            });
        }
        let k = stage.concurrent_calls.max(1);
        let deadline = if k > 1 {
            deadline.min(start.saturating_add(percent_of(stage.timeout, 75)))
        } else {
            deadline
        };
        // (end, index) of the first successful answer; ties go to the call fired first.
        let mut winner: Option<(Nanos, usize)> = None;
        let mut last: Option<(Nanos, Option<u16>)> = None;
        // KrakenD's schema allows 1..5 (K032 warns beyond); lura fires any count, so the
        // rehearsal does too, up to a bound a document cannot blow up. The stack holds the
        // schema's range; a larger count costs one allocation per call.
        let k = k.min(MAX_CONCURRENT_CALLS) as usize;
        let mut on_stack = [(0u64, None::<u16>); 5];
        let mut on_heap = Vec::new();
        let draws: &mut [(Nanos, Option<u16>)] = if k <= on_stack.len() {
            &mut on_stack[..k]
        } else {
            on_heap.resize(k, (0, None));
            &mut on_heap
        };
        for draw in draws.iter_mut() {
            *draw = self.draw(step.behavior);
        }
        for (i, &(latency, status)) in draws.iter().enumerate() {
            let end = start.saturating_add(latency);
            if end <= deadline
                && matches!(status, Some(200 | 201))
                && winner.is_none_or(|(w, _)| end < w)
            {
                winner = Some((end, i));
            }
            let ends = end.min(deadline);
            if last.is_none_or(|(l, _)| ends >= l) {
                last = Some((ends, if end <= deadline { status } else { None }));
            }
        }
        let stats = &mut self.stats[step.counter];
        stats.calls += k as u64;
        // How each call ended; words only for a traced request (no allocation per call).
        let mut ends_on_stack = [(0, CallEnd::Cancelled); 5];
        let mut ends_on_heap = Vec::new();
        let ends: &mut [(Nanos, CallEnd)] = if k <= ends_on_stack.len() {
            &mut ends_on_stack[..k]
        } else {
            ends_on_heap.resize(k, (0, CallEnd::Cancelled));
            &mut ends_on_heap
        };
        for (i, &(latency, status)) in draws.iter().enumerate() {
            let end = start.saturating_add(latency);
            ends[i] = match winner {
                // Still running when the winner answered (ties included): cancelled.
                Some((w, first)) if i != first && end >= w => {
                    stats.cancelled += 1;
                    (w, CallEnd::Cancelled)
                }
                _ if end > deadline => {
                    stats.timeouts += 1;
                    stats.errors += 1;
                    (deadline, CallEnd::Timeout)
                }
                _ => {
                    if !matches!(status, Some(200 | 201)) {
                        stats.errors += 1;
                    }
                    (end, CallEnd::Answered(status))
                }
            };
            if ends[i].1 != CallEnd::Cancelled {
                stats.ended += 1;
                stats.latency_sum_ns += u128::from(ends[i].0 - start);
            }
        }
        if self.trace.is_some() {
            for &(end, how) in ends.iter() {
                self.row(step, depth, start, end, || how.describe(), earlier);
            }
        }
        let tracing = self.wants_bodies();
        let behavior = &self.behaviors[step.behavior];
        if let Some((end, _)) = winner {
            return Outcome::Answered(Part {
                end,
                data: true,
                complete: true,
                body: tracing.then(|| {
                    wrap(
                        step,
                        behavior.body.clone().unwrap_or(Json::Object(Map::new())),
                    )
                }),
            });
        }
        let (end, status) = last.unwrap_or((deadline, None));
        match (&step.error_details, status) {
            (Some(alias), Some(code)) => Outcome::Answered(Part {
                end,
                data: true,
                complete: false,
                body: tracing.then(|| {
                    let mut details = Map::new();
                    details.insert(
                        format!("error_{alias}"),
                        serde_json::json!({"http_status_code": code, "http_body": "", "http_body_encoding": "text/plain"}),
                    );
                    Json::Object(details)
                }),
            }),
            _ => Outcome::Failed(end),
        }
    }

    /// One call's latency and status (`None`: a connection error).
    fn draw(&mut self, behavior: usize) -> (Nanos, Option<u16>) {
        let b = &self.behaviors[behavior];
        if let Some(gateway) = b.gateway {
            return self.upstream.call(gateway, self.rng);
        }
        let latency = match &b.latency {
            CallLatency::Constant(ns) => *ns,
            CallLatency::Sampled(d) => secs_to_nanos(d.sample(self.rng)),
        };
        if b.error_rate > 0.0 && bernoulli(self.rng, b.error_rate) {
            return (latency, None);
        }
        let status = if b.status.len() == 1 {
            b.status[0].0
        } else {
            weighted_choice_by(self.rng, &b.status, |(_, w)| *w).map_or(200, |i| b.status[i].0)
        };
        (latency, Some(status))
    }

    fn row(
        &mut self,
        step: &Step,
        depth: u32,
        start: Nanos,
        end: Nanos,
        outcome: impl FnOnce() -> String,
        earlier: &[Option<Json>],
    ) {
        let Some(trace) = self.trace.as_deref_mut() else {
            return;
        };
        let (url, unresolved) = resolve_url(&step.url, self.params, earlier);
        trace.rows.push(Row {
            depth,
            label: self.infos[step.counter].label.clone(),
            url,
            start,
            end,
            outcome: outcome(),
            unresolved,
        });
    }
}

/// A backend's data under its `group` (as lura's formatter wraps it).
fn wrap(step: &Step, body: Json) -> Json {
    match &step.group {
        Some(group) => {
            let mut map = Map::new();
            map.insert(group.clone(), body);
            Json::Object(map)
        }
        None => body,
    }
}

/// lura's `combineData`: a shallow merge of top-level keys, later parts overwriting.
fn merge(parts: impl Iterator<Item = Json>) -> Json {
    let mut out = Map::new();
    for part in parts {
        if let Json::Object(map) = part {
            out.extend(map);
        }
    }
    Json::Object(out)
}

/// The URL as called: `{param}` from the endpoint's params, `{respN_a.b}` from the N-th
/// earlier part of a sequential stage (through objects only, SPEC §4.3); a value not found
/// stays literal, as lura leaves `{{.Key}}` in the path (§4.4).
fn resolve_url(
    url: &str,
    params: &[(String, String)],
    earlier: &[Option<Json>],
) -> (String, Vec<String>) {
    let mut out = String::with_capacity(url.len());
    let mut unresolved = Vec::new();
    let mut rest = url;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        out.push_str(&rest[..open]);
        let name = &rest[open + 1..open + close];
        match value_of(name, params, earlier) {
            Some(v) => out.push_str(&v),
            None => {
                out.push_str(&rest[open..=open + close]);
                unresolved.push(name.to_owned());
            }
        }
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    (out, unresolved)
}

fn value_of(name: &str, params: &[(String, String)], earlier: &[Option<Json>]) -> Option<String> {
    if let Some(p) = params.iter().find(|(n, _)| {
        let mut a = n.chars();
        let mut b = name.chars();
        a.next().map(|c| c.to_ascii_lowercase()) == b.next().map(|c| c.to_ascii_lowercase())
            && a.as_str() == b.as_str()
    }) {
        return Some(p.1.clone());
    }
    let rest = name.strip_prefix("resp")?;
    let (n, path) = rest.split_once('_')?;
    let n: usize = n.parse().ok()?;
    lookup(earlier.get(n)?.as_ref()?, path.split('.'))
}

/// The value at `path` (through objects only), as lura turns it into a string (SPEC §4.3).
fn lookup<'k>(body: &Json, path: impl Iterator<Item = &'k str>) -> Option<String> {
    let mut value = body;
    for key in path {
        value = value.as_object()?.get(key)?;
    }
    Some(match value {
        Json::String(s) => s.clone(),
        Json::Null => "<nil>".to_owned(),
        Json::Array(items) => items
            .iter()
            .map(|i| match i {
                Json::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect::<Vec<_>>()
            .join(","),
        other => other.to_string(),
    })
}
