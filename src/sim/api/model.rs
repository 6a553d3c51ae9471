//! The compiled KrakenD endpoints and their runtime counters.

use super::super::engine::Nanos;
use super::super::metrics::LatencySketch;
use super::super::model::{HeaderModel, RateProfile};
use super::super::rng::Stream;
use super::super::samplers::Duration;
use crate::syntax::expr::Expr;

/// Every endpoint a scenario's requests reach, the behaviors of their backends and the
/// request sources.
#[derive(Clone, Debug, Default)]
pub struct ApiModel {
    pub endpoints: Vec<EndpointModel>,
    pub behaviors: Vec<BackendBehavior>,
    pub traffic: Vec<ApiTraffic>,
    /// The scenario's `krakend` behavior; each KrakenD config is one gateway with it.
    pub capacity: GatewayCapacity,
    /// How many gateways (KrakenD configs) the endpoints belong to.
    pub gateways: usize,
}

/// `behaviors: {krakend: {concurrency: N, overhead: 1ms}}`: a gateway serves at most N
/// requests at once (FIFO wait for a slot, within the endpoint's timeout) and adds the
/// overhead to every response. Default: unlimited, no overhead.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GatewayCapacity {
    pub concurrency: Option<u32>,
    pub overhead: Nanos,
}

/// One traffic entry sending requests to a KrakenD endpoint.
#[derive(Clone, Debug)]
pub struct ApiTraffic {
    /// Stable id for the random stream, e.g. `api:0:POST /user/signup/yes`.
    pub id: String,
    /// As written: `POST /user/signup/yes`.
    pub request: String,
    pub rate: RateProfile,
    pub until: Nanos,
    pub headers: Vec<HeaderModel>,
    pub query: Vec<HeaderModel>,
    /// The endpoint the router gives it (`None`: 404) and the params bound, named as CEL
    /// sees them (`req_params.Wants_notifications`: first letter upper-cased).
    pub endpoint: Option<usize>,
    pub params: Vec<(String, String)>,
    /// The path (`req_uri` is the path and the query string).
    pub path: String,
    pub method: String,
}

#[derive(Clone, Debug)]
pub struct EndpointModel {
    /// `POST /user/signup/{wants_notifications}`.
    pub name: String,
    pub root: Stage,
    /// Every backend of the flow, depth first, for the counters and the report.
    pub backends: Vec<BackendInfo>,
    /// The gateway (KrakenD config) serving it, an index below `ApiModel::gateways`.
    pub gateway: usize,
}

#[derive(Clone, Debug)]
pub struct BackendInfo {
    /// The backend's `group`, else its `url_pattern` (made unique with `#n`).
    pub label: String,
    pub depth: u32,
    /// Hosts a workflow: it makes no call of its own.
    pub workflow: bool,
}

/// An endpoint or a nested workflow: backends run one after the other or all at once,
/// within a timeout.
#[derive(Clone, Debug)]
pub struct Stage {
    /// The endpoint's (or workflow's) timeout; `0s` was already replaced by the default.
    pub timeout: Nanos,
    pub sequential: bool,
    pub concurrent_calls: u32,
    pub ignore_errors: bool,
    pub steps: Vec<Step>,
    /// `proxy.sequential_propagated_params` with a field (`resp0_user_id` → backend 0,
    /// path `user_id`): set as request params (`Resp0_user_id`) for the backends after N.
    pub propagated: Vec<Propagated>,
}

/// One `respN_a.b` entry of `sequential_propagated_params`.
#[derive(Clone, Debug)]
pub struct Propagated {
    pub backend: usize,
    /// The param name later backends see: `Resp0_a.b`.
    pub name: String,
    /// `["a", "b"]`.
    pub path: Vec<String>,
}

impl Propagated {
    /// lura's `[Rr]esp(\d+)_?([\w-.]+)?`; an entry without a field (the raw body of a
    /// no-op backend) is not simulated: `None`.
    pub fn parse(entry: &str) -> Option<Propagated> {
        let rest = entry
            .strip_prefix("resp")
            .or_else(|| entry.strip_prefix("Resp"))?;
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let backend = rest[..digits].parse().ok()?;
        let field = rest[digits..].strip_prefix('_').unwrap_or(&rest[digits..]);
        if field.is_empty() {
            return None;
        }
        Some(Propagated {
            backend,
            name: format!("Resp{backend}_{field}"),
            path: field.split('.').map(str::to_owned).collect(),
        })
    }
}

impl Stage {
    /// lura's merger gives a multi-backend endpoint 85% of its timeout
    /// (`proxy/merging.go`); one backend keeps the whole timeout.
    pub fn budget(&self) -> Nanos {
        if self.steps.len() > 1 {
            percent_of(self.timeout, 85)
        } else {
            self.timeout
        }
    }
}

/// `value × percent / 100`, exact in integers (lura computes `time.Duration(85 * t / 100)`).
pub fn percent_of(value: Nanos, percent: u64) -> Nanos {
    ((u128::from(value) * u128::from(percent)) / 100) as Nanos
}

/// One backend of a stage.
#[derive(Clone, Debug)]
pub struct Step {
    /// Index into the endpoint's `backends`.
    pub counter: usize,
    /// Host + `url_pattern`, as called (before variables are replaced).
    pub url: String,
    pub group: Option<String>,
    /// Index into the model's `behaviors`.
    pub behavior: usize,
    /// `security/policies` request policies (as written, parsed): the backend is skipped
    /// unless all hold.
    pub policies: Vec<(String, Expr)>,
    /// `backend/http.return_error_details`: a failing status becomes data under
    /// `error_<alias>`.
    pub error_details: Option<String>,
    pub workflow: Option<Box<Stage>>,
}

#[derive(Clone, Debug)]
pub enum CallLatency {
    /// Exact nanoseconds.
    Constant(Nanos),
    Sampled(Duration),
}

/// How a backend answers.
#[derive(Clone, Debug)]
pub struct BackendBehavior {
    /// The scenario's key (`http://host[/url_pattern]`), or `default`.
    pub key: String,
    pub latency: CallLatency,
    /// Calls that fail without an HTTP answer (connection errors).
    pub error_rate: f64,
    /// `(status, weight)`; empty: always 200.
    pub status: Vec<(u16, u64)>,
    pub body: Option<serde_json::Value>,
    /// The host names a deployment's gateway (`http://sava:9050` → `sava/9050`) or a
    /// Cloudify node (`http://NAME.node:PORT` → its router): the call goes into the
    /// simulated world instead (`arrivals::WorldCalls`).
    pub gateway: Option<usize>,
}

/// Per endpoint counters.
#[derive(Clone, Debug, Default)]
pub struct EndpointStats {
    pub requests: u64,
    pub complete: u64,
    pub incomplete: u64,
    /// `(status, count)`, sorted by status.
    pub status: Vec<(u16, u64)>,
    pub latency: LatencySketch,
    pub backends: Vec<BackendStats>,
    /// Gateway capacity: requests that waited for a slot, their total wait, and those still
    /// waiting at the endpoint's timeout (answered 500 without a backend call).
    pub waited: u64,
    pub wait_sum_ns: u128,
    pub timed_out_waiting: u64,
}

impl EndpointStats {
    /// One request answered.
    pub fn count(&mut self, response: super::flow::Response) {
        self.requests += 1;
        if response.complete {
            self.complete += 1;
        } else {
            self.incomplete += 1;
        }
        self.count_status(response.status);
        self.latency.record(response.latency);
    }

    pub fn count_status(&mut self, status: u16) {
        match self.status.binary_search_by_key(&status, |(s, _)| *s) {
            Ok(i) => self.status[i].1 += 1,
            Err(i) => self.status.insert(i, (status, 1)),
        }
    }
}

#[derive(Clone, Copy, Debug, Default)]
pub struct BackendStats {
    pub calls: u64,
    pub errors: u64,
    pub skipped: u64,
    pub cancelled: u64,
    pub timeouts: u64,
    /// Over the calls that ended (not cancelled), timeouts cut at the deadline.
    pub latency_sum_ns: u128,
    pub ended: u64,
}

/// The API's runtime state.
#[derive(Debug, Default)]
pub struct ApiState {
    /// Per traffic entry: its arrival stream and highest rate.
    pub sources: Vec<(Stream, f64)>,
    /// Per endpoint: the stream its backends draw from.
    pub flows: Vec<Stream>,
    pub stats: Vec<EndpointStats>,
    /// Per traffic entry: requests no endpoint matched (answered 404).
    pub not_found: Vec<u64>,
    /// Per gateway with a `concurrency`: when each busy slot frees (a min-heap, at most N).
    pub slots: Vec<std::collections::BinaryHeap<std::cmp::Reverse<Nanos>>>,
    /// Reused per request: the chosen (header, value) and (query, value) indices.
    pub chosen_headers: Vec<(u16, u16)>,
    pub chosen_query: Vec<(u16, u16)>,
    /// `--explain-request`: the traffic entry whose first request is traced, and its trace.
    pub explain: Option<usize>,
    pub explained: Option<(super::flow::Response, super::flow::Waterfall)>,
}
