//! KrakenD request flows in the rehearsal (issue 10): the signup example, exact composition
//! with constant latencies (no tolerance), the closed forms over 200 000 requests, the
//! scenario checks.

mod common;

use rehearse::check::{check, Checked, Input, Options};
use rehearse::sim::{run, RunOptions, RunResult};
use serde_json::Value;
use std::path::PathBuf;

fn folder(name: &str, files: &[(&str, &str)]) -> Vec<Input> {
    common::sim::folder("sim-api", name, files)
}

fn checked(inputs: Vec<Input>) -> Checked {
    common::sim::checked_without_errors(inputs)
}

fn rehearse(checked: &Checked, explain: Option<&str>) -> RunResult {
    common::sim::rehearsed(
        &checked.project,
        RunOptions {
            explain_request: explain.map(str::to_owned),
            ..Default::default()
        },
    )
}

fn signup_files(traffic: &str) -> Vec<(String, String)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("specs/signup");
    let config = std::fs::read_to_string(dir.join("krakend.json")).expect("config");
    let scenario = std::fs::read_to_string(dir.join("scenario.yaml")).expect("scenario");
    let start = scenario.find("traffic:").expect("traffic");
    let end = scenario.find("expect:").expect("expect");
    let scenario = format!(
        "{}traffic:\n{traffic}\n{}",
        &scenario[..start],
        &scenario[end..]
    );
    vec![
        ("krakend.json".to_owned(), config),
        ("scenario.yaml".to_owned(), scenario),
    ]
}

fn signup(name: &str, traffic: &str, explain: Option<&str>) -> RunResult {
    let files = signup_files(traffic);
    let files: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    rehearse(&checked(folder(name, &files)), explain)
}

const SIGNUP: &str = "POST /user/signup/{wants_notifications}";

fn backend<'r>(result: &'r RunResult, endpoint: &str, label: &str) -> &'r Value {
    &result.endpoints[endpoint]["backends"][label]
}

fn n(value: &Value) -> u64 {
    value
        .as_u64()
        .unwrap_or_else(|| panic!("not a count: {value}"))
}

/// Issue 10 acceptance: three calls per `yes` (registration, then notifications and email
/// at once), two per `no` (the email's policy skips it).
#[test]
fn signup_makes_three_calls_for_yes_and_two_for_no() {
    for (answer, calls_per_request) in [("yes", 3), ("no", 2)] {
        let traffic = format!("  - {{ to: \"POST /user/signup/{answer}\", rate: 50/s }}");
        let result = signup(answer, &traffic, None);
        let requests = n(&result.endpoints[SIGNUP]["requests"]);
        assert!(requests > 2_000, "{requests}");
        let leaves = ["signup", "notifications", "welcome_email"];
        let calls: u64 = leaves
            .iter()
            .map(|l| n(&backend(&result, SIGNUP, l)["calls"]))
            .sum();
        assert_eq!(
            calls,
            calls_per_request * requests,
            "{answer}: {:#}",
            result.endpoints
        );
        let skipped = n(&backend(&result, SIGNUP, "welcome_email")["skipped"]);
        assert_eq!(skipped, if answer == "no" { requests } else { 0 });
        // Registration 20 ms, then the workflow: max(30 ms, 50 ms) in parallel.
        let latency = if answer == "yes" { 70.0 } else { 50.0 };
        assert_eq!(
            result.endpoints[SIGNUP]["p50_ms"]
                .as_f64()
                .map(|v| (v - latency).abs() < latency * 0.01),
            Some(true),
            "{:#}",
            result.endpoints
        );
        assert_eq!(n(&result.endpoints[SIGNUP]["status"]["200"]), requests);
    }
}

#[test]
fn signup_waterfalls_show_the_calls_and_the_response_keys() {
    let both = "  - { to: \"POST /user/signup/yes\", rate: 20/s }\n  - { to: \"POST /user/signup/no\", rate: 10/s }";
    for answer in ["yes", "no"] {
        let request = format!("POST /user/signup/{answer}");
        let result = signup(&format!("explain-{answer}"), both, Some(&request));
        let text = result.explained.expect("a waterfall");
        insta::assert_snapshot!(format!("signup_waterfall_{answer}"), text);
    }
}

/// A one-endpoint config (`GET /x`, backends as given) and a scenario sending `rate` for
/// `duration` with backend behaviors (YAML lines under `behaviors:`).
fn api(name: &str, endpoint: &str, behaviors: &str, rate: &str, duration: &str) -> RunResult {
    let config = format!(
        r#"{{"version": 3, "host": ["http://default:80"], "endpoints": [{{"endpoint": "/x", "method": "GET", {endpoint}}}]}}"#
    );
    let scenario = format!(
        "kind: scenario\nname: {name}\nduration: {duration}\nbehaviors:\n{behaviors}\ntraffic:\n  - {{ to: \"GET /x\", rate: {rate} }}\n"
    );
    rehearse(
        &checked(folder(
            name,
            &[("krakend.json", &config), ("scenario.yaml", &scenario)],
        )),
        None,
    )
}

fn constant(host: &str, ms: u32, extra: &str) -> String {
    format!("  \"http://{host}:80\": {{ latency: {{ distribution: constant, value: {ms}ms }}{extra} }}\n")
}

fn b(host: &str) -> String {
    format!(r#"{{"host": ["http://{host}:80"], "url_pattern": "/{host}", "group": "{host}"}}"#)
}

struct Figures {
    requests: u64,
    mean_ms: f64,
    max_ms: f64,
    complete: u64,
    status_200: u64,
    status_500: u64,
}

fn figures(result: &RunResult) -> Figures {
    let e = &result.endpoints["GET /x"];
    let status = |s: &str| e["status"][s].as_u64().unwrap_or(0);
    Figures {
        requests: n(&e["requests"]),
        mean_ms: e["mean_ms"].as_f64().expect("mean"),
        max_ms: e["max_ms"].as_f64().expect("max"),
        complete: n(&e["complete"]),
        status_200: status("200"),
        status_500: status("500"),
    }
}

/// The exact mean (sum / count) of every response equals `ms`, and every response has it.
fn every_response_takes(f: &Figures, ms: f64) {
    assert!(f.requests > 100, "{}", f.requests);
    assert_eq!(f.mean_ms, ms);
}

#[test]
fn parallel_backends_take_the_slowest_and_sequential_ones_the_sum() {
    let behaviors = constant("a", 10, "") + &constant("b", 30, "");
    let parallel = api(
        "parallel",
        &format!(r#""backend": [{}, {}]"#, b("a"), b("b")),
        &behaviors,
        "50/s",
        "10s",
    );
    let f = figures(&parallel);
    every_response_takes(&f, 30.0);
    assert_eq!((f.complete, f.status_200), (f.requests, f.requests));
    let sequential = api(
        "sequential",
        &format!(
            r#""extra_config": {{"proxy": {{"sequential": true}}}}, "backend": [{}, {}]"#,
            b("a"),
            b("b")
        ),
        &behaviors,
        "50/s",
        "10s",
    );
    let f = figures(&sequential);
    every_response_takes(&f, 40.0);
    assert_eq!(f.complete, f.requests);
}

#[test]
fn the_merge_cuts_at_85_percent_of_the_endpoint_timeout() {
    // 100 ms endpoint: the merger waits 85 ms; b (90 ms) is cut, a (10 ms) answered.
    let behaviors = constant("a", 10, "") + &constant("b", 90, "");
    let result = api(
        "cut",
        &format!(r#""timeout": "100ms", "backend": [{}, {}]"#, b("a"), b("b")),
        &behaviors,
        "50/s",
        "10s",
    );
    let f = figures(&result);
    every_response_takes(&f, 85.0);
    // Partial: 200 with X-Krakend-Completed false.
    assert_eq!((f.status_200, f.complete), (f.requests, 0));
    let cut = backend(&result, "GET /x", "b");
    assert_eq!(n(&cut["timeouts"]), f.requests);
    assert_eq!(cut["mean_ms"].as_f64(), Some(85.0));
    // One backend keeps the whole timeout: 90 ms > 50 ms → 500 at 50 ms.
    let single = api(
        "single-cut",
        &format!(r#""timeout": "50ms", "backend": [{}]"#, b("b")),
        &constant("b", 90, ""),
        "50/s",
        "10s",
    );
    let f = figures(&single);
    every_response_takes(&f, 50.0);
    assert_eq!(f.status_500, f.requests);
    // `"0s"` is the default 2 s: nothing is cut.
    let zero = api(
        "zero-timeout",
        &format!(r#""timeout": "0s", "backend": [{}, {}]"#, b("a"), b("b")),
        &behaviors,
        "50/s",
        "10s",
    );
    every_response_takes(&figures(&zero), 90.0);
}

#[test]
fn sequential_errors_abort_at_the_first_backend_and_leave_partial_data_later() {
    let failing = ", status: { 503: 100% }";
    // The first backend fails: 500 with no data, when it fails; the second is never called.
    let first = api(
        "first-fails",
        &format!(
            r#""extra_config": {{"proxy": {{"sequential": true}}}}, "backend": [{}, {}]"#,
            b("a"),
            b("b")
        ),
        &(constant("a", 10, failing) + &constant("b", 30, "")),
        "50/s",
        "10s",
    );
    let f = figures(&first);
    every_response_takes(&f, 10.0);
    assert_eq!(f.status_500, f.requests);
    assert_eq!(n(&backend(&first, "GET /x", "b")["calls"]), 0);
    // The second fails: 200 with the first's data, incomplete, after both.
    let second = api(
        "second-fails",
        &format!(
            r#""extra_config": {{"proxy": {{"sequential": true}}}}, "backend": [{}, {}, {}]"#,
            b("a"),
            b("b"),
            b("c")
        ),
        &(constant("a", 10, "") + &constant("b", 30, failing) + &constant("c", 5, "")),
        "50/s",
        "10s",
    );
    let f = figures(&second);
    every_response_takes(&f, 40.0);
    assert_eq!((f.status_200, f.complete), (f.requests, 0));
    assert_eq!(n(&backend(&second, "GET /x", "c")["calls"]), 0);
    // Parallel: one failing part still gives data (200, incomplete); all failing gives 500.
    let parallel = api(
        "parallel-fails",
        &format!(r#""backend": [{}, {}]"#, b("a"), b("b")),
        &(constant("a", 10, failing) + &constant("b", 30, "")),
        "50/s",
        "10s",
    );
    let f = figures(&parallel);
    assert_eq!((f.status_200, f.complete), (f.requests, 0));
    let none = api(
        "parallel-all-fail",
        &format!(r#""backend": [{}, {}]"#, b("a"), b("b")),
        &(constant("a", 10, failing) + &constant("b", 30, failing)),
        "50/s",
        "10s",
    );
    let f = figures(&none);
    every_response_takes(&f, 30.0);
    assert_eq!(f.status_500, f.requests);
    // return_error_details: the failing status is data, 200, incomplete.
    let details = api(
        "error-details",
        r#""backend": [{"host": ["http://a:80"], "url_pattern": "/a", "extra_config": {"backend/http": {"return_error_details": "a"}}}]"#,
        &constant("a", 10, failing),
        "50/s",
        "10s",
    );
    let f = figures(&details);
    assert_eq!((f.status_200, f.complete), (f.requests, 0));
}

fn workflow(flags: &str, backends: &[String]) -> String {
    format!(
        r#"{{"url_pattern": "/__workflow/w", "group": "w", "extra_config": {{"workflow": {{"endpoint": "/__workflow/w", {flags} "backend": [{}]}}}}}}"#,
        backends.join(", ")
    )
}

#[test]
fn nested_workflows_compose_and_ignore_errors_continues() {
    // a (10) then [b (20) ‖ c (35)] then, nested twice, d (5) then e (7).
    let inner = workflow(
        r#""extra_config": {"proxy": {"sequential": true}},"#,
        &[b("d"), b("e")],
    );
    let middle = workflow("", &[b("b"), b("c")]);
    let endpoint = format!(
        r#""extra_config": {{"proxy": {{"sequential": true}}}}, "backend": [{}, {}, {}]"#,
        b("a"),
        middle,
        inner
            .replace("\"group\": \"w\"", "\"group\": \"w2\"")
            .replace("/__workflow/w\"", "/__workflow/w2\"")
    );
    let behaviors = ["a", "b", "c", "d", "e"]
        .iter()
        .zip([10, 20, 35, 5, 7])
        .map(|(h, ms)| constant(h, ms, ""))
        .collect::<String>();
    let result = api("nested", &endpoint, &behaviors, "50/s", "10s");
    let f = figures(&result);
    every_response_takes(&f, 10.0 + 35.0 + 12.0);
    assert_eq!(f.complete, f.requests);
    // A failing first backend in a sequential workflow: without ignore_errors the workflow
    // has no data and stops the chain; with it, the next backend is still called.
    let failing = ", status: { 500: 100% }";
    let behaviors = constant("a", 10, failing) + &constant("b", 20, "");
    for (flags, b_calls, latency) in [
        (
            r#""extra_config": {"proxy": {"sequential": true}},"#,
            false,
            10.0,
        ),
        (
            r#""ignore_errors": true, "extra_config": {"proxy": {"sequential": true}},"#,
            true,
            30.0,
        ),
    ] {
        let endpoint = format!(r#""backend": [{}]"#, workflow(flags, &[b("a"), b("b")]));
        let result = api(
            if b_calls { "ignore" } else { "abort" },
            &endpoint,
            &behaviors,
            "50/s",
            "10s",
        );
        let f = figures(&result);
        every_response_takes(&f, latency);
        let calls = n(&backend(&result, "GET /x", "b")["calls"]);
        assert_eq!(calls > 0, b_calls, "{:#}", result.endpoints);
        if b_calls {
            // Data from b, but a part failed: 200, incomplete.
            assert_eq!((f.status_200, f.complete), (f.requests, 0));
        } else {
            assert_eq!(f.status_500, f.requests);
        }
    }
    // A workflow's own timeout cuts inside it: 40 ms for one backend of 60 ms.
    let endpoint = format!(
        r#""backend": [{}, {}]"#,
        b("a"),
        workflow(r#""timeout": "40ms","#, &[b("b")])
    );
    let result = api(
        "workflow-timeout",
        &endpoint,
        &(constant("a", 10, "") + &constant("b", 60, "")),
        "50/s",
        "10s",
    );
    let f = figures(&result);
    every_response_takes(&f, 40.0);
    assert_eq!((f.status_200, f.complete), (f.requests, 0));
}

#[test]
fn hedged_calls_cancel_the_slower_copies() {
    let result = api(
        "hedged-constant",
        &format!(r#""concurrent_calls": 3, "backend": [{}]"#, b("a")),
        &constant("a", 10, ""),
        "50/s",
        "10s",
    );
    let f = figures(&result);
    every_response_takes(&f, 10.0);
    let a = backend(&result, "GET /x", "a");
    assert_eq!(n(&a["calls"]), 3 * f.requests);
    assert_eq!(n(&a["cancelled"]), 2 * f.requests);
}

/// lura fires any `concurrent_calls` (only the schema stops at 5, K032): 8 copies are 8 calls,
/// 7 of them cancelled; a hostile count is bounded by `MAX_CONCURRENT_CALLS`.
#[test]
fn hedging_beyond_the_schema_range_fires_every_copy_up_to_the_bound() {
    for (written, fired) in [(8u64, 8u64), (1_000_000_000, 100)] {
        let result = api(
            &format!("hedged-{written}"),
            &format!(r#""concurrent_calls": {written}, "backend": [{}]"#, b("a")),
            &constant("a", 10, ""),
            "50/s",
            "4s",
        );
        let f = figures(&result);
        every_response_takes(&f, 10.0);
        let a = backend(&result, "GET /x", "a");
        assert_eq!(
            n(&a["calls"]),
            fired * f.requests,
            "concurrent_calls {written}"
        );
        assert_eq!(n(&a["cancelled"]), (fired - 1) * f.requests);
    }
    assert_eq!(rehearse::sim::api::flow::MAX_CONCURRENT_CALLS, 100);
}

fn exponential(host: &str, mean_ms: u32, extra: &str) -> String {
    format!("  \"http://{host}:80\": {{ latency: {{ distribution: exponential, mean: {mean_ms}ms }}{extra} }}\n")
}

/// Issue 10 acceptance: `concurrent_calls: k` over an exponential backend of rate λ answers
/// after min of k draws, mean 1/(kλ), within 2% over 200 000 requests.
#[test]
fn hedging_k_exponential_calls_has_mean_one_over_k_lambda() {
    let result = api(
        "hedged-exponential",
        &format!(r#""concurrent_calls": 3, "backend": [{}]"#, b("a")),
        &exponential("a", 30, ""),
        "1000/s",
        "200s",
    );
    let f = figures(&result);
    assert!(f.requests > 195_000, "{}", f.requests);
    assert!(
        (f.mean_ms - 10.0).abs() < 0.2,
        "mean {} ms, expected 10 ms",
        f.mean_ms
    );
}

/// The share of calls an exponential backend does not finish within the merge budget is
/// e^(−λ·0.85·T), within 1% absolute.
#[test]
fn the_timeout_fraction_of_an_exponential_backend_is_exp_minus_lambda_budget() {
    let result = api(
        "timeout-fraction",
        &format!(r#""timeout": "200ms", "backend": [{}, {}]"#, b("a"), b("b")),
        &(constant("a", 1, "") + &exponential("b", 100, "")),
        "1000/s",
        "200s",
    );
    let b = backend(&result, "GET /x", "b");
    let share = n(&b["timeouts"]) as f64 / n(&b["calls"]) as f64;
    let expected = (-0.85f64 * 200.0 / 100.0).exp();
    assert!(n(&b["calls"]) > 195_000);
    assert!((share - expected).abs() < 0.01, "{share} vs {expected}");
    // The cut responses are exactly the incomplete ones.
    let f = figures(&result);
    assert_eq!(f.requests - f.complete, n(&b["timeouts"]));
    assert!(f.max_ms <= 170.0, "{}", f.max_ms);
}

/// Two parallel backends failing with probability p each: the endpoint's failed-part rate
/// (responses not complete) is 1 − (1 − p)², within 3σ.
#[test]
fn a_two_backend_parallel_endpoint_fails_as_one_minus_the_product() {
    let p = 0.05;
    let result = api(
        "parallel-errors",
        &format!(r#""backend": [{}, {}]"#, b("a"), b("b")),
        &(exponential("a", 10, ", status: { 200: 95%, 503: 5% }")
            + &exponential("b", 10, ", status: { 200: 95%, 503: 5% }")),
        "1000/s",
        "200s",
    );
    let f = figures(&result);
    let rate = (f.requests - f.complete) as f64 / f.requests as f64;
    let expected = 1.0 - (1.0 - p) * (1.0 - p);
    let sigma = (expected * (1.0 - expected) / f.requests as f64).sqrt();
    assert!(
        (rate - expected).abs() < 3.0 * sigma,
        "{rate} vs {expected} ± {sigma}"
    );
    // Both failing (p²) is a 500.
    let both = f.status_500 as f64 / f.requests as f64;
    let sigma = (p * p * (1.0 - p * p) / f.requests as f64).sqrt();
    assert!((both - p * p).abs() < 3.0 * sigma, "{both} vs {}", p * p);
}

/// `rehearse check`: a request no endpoint matches is a warning at the entry (S030); a
/// request with no KrakenD config to go to is an error (S031).
#[test]
fn requests_nothing_answers_are_reported_at_the_traffic_entry() {
    let config = r#"{"version": 3, "endpoints": [{"endpoint": "/user/{id}", "method": "GET", "backend": [{"host": ["http://a:80"], "url_pattern": "/u/{id}"}]}]}"#;
    let scenario = "kind: scenario\nname: s\nduration: 1s\ntraffic:\n  - { to: \"POST /user/1\", rate: 1/s }\n  - { to: \"GET /user/1\", rate: 1/s }\n  - { to: \"GET /user/1/x\", rate: 1/s }\n";
    let result = check(
        folder(
            "unmatched",
            &[("krakend.json", config), ("s.yaml", scenario)],
        ),
        &Options::default(),
    );
    let found: Vec<(String, String)> = result
        .diagnostics
        .iter()
        .filter(|d| d.code.id.starts_with('S'))
        .map(|d| {
            (
                d.code.id.to_owned(),
                result.sources.get(d.span.file).slice(d.span).to_owned(),
            )
        })
        .collect();
    // The backend of the endpoint reached has no behavior: S032 at its host.
    let mut found = found;
    found.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        found,
        vec![
            ("S030".to_owned(), "\"POST /user/1\"".to_owned()),
            ("S030".to_owned(), "\"GET /user/1/x\"".to_owned()),
            ("S032".to_owned(), "\"http://a:80\"".to_owned()),
        ]
    );
    let alone = check(
        folder("no-config", &[("s.yaml", scenario)]),
        &Options::default(),
    );
    assert_eq!(
        alone
            .diagnostics
            .iter()
            .filter(|d| d.code.id == "S031")
            .count(),
        3,
        "{:#?}",
        alone.diagnostics
    );
    // The unmatched requests are 404s, counted.
    let project = checked(folder(
        "unmatched-run",
        &[
            ("krakend.json", config),
            ("s.yaml", &scenario.replace("1s", "20s")),
        ],
    ));
    let result = rehearse(&project, None);
    assert!(
        n(&result.endpoints["404"]["POST /user/1"]) > 5,
        "{:#}",
        result.endpoints
    );
    assert!(n(&result.endpoints["GET /user/{id}"]["requests"]) > 5);
}

/// The gateway's behavior in a project with no gateway is unused (S031 warning, not an
/// unknown service), and `overhead` on a service's behavior is ignored (S002 at the key).
#[test]
fn gateway_only_behavior_keys_are_reported_where_nothing_reads_them() {
    let scenario = "kind: scenario\nname: s\nduration: 1s\nbehaviors:\n  krakend: { concurrency: 4 }\n  \"http://a:80\": { latency: { distribution: constant, value: 5ms }, overhead: 2ms }\n";
    let result = check(
        folder("no-gateway", &[("s.yaml", scenario)]),
        &Options::default(),
    );
    let found: Vec<(&str, bool, String)> = result
        .diagnostics
        .iter()
        .map(|d| {
            (
                d.code.id,
                d.severity == rehearse::diag::Severity::Error,
                result.sources.get(d.span.file).slice(d.span).to_owned(),
            )
        })
        .collect();
    assert_eq!(
        found,
        vec![
            ("S031", false, "krakend".to_owned()),
            ("S002", false, "2ms".to_owned()),
        ],
        "{:#?}",
        result.diagnostics
    );
}

fn spec_inputs(name: &str) -> Vec<Input> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("specs")
        .join(name);
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .expect("spec folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yml" || x == "json"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| Input::reported(p.display().to_string(), std::fs::read(&p).expect("file")))
        .collect()
}

/// Issue 10 acceptance (cross-dialect, specs/api-canary): the API in front of sava answers 500 for the share
/// of requests the gateway sends to the crashed canary — within 3σ of that route's weight at
/// the moment — and none after the rollback.
#[test]
fn the_apis_errors_during_the_crash_are_the_canarys_share() {
    use rehearse::sim::world::World;
    const S: u64 = 1_000_000_000;
    let checked = checked(spec_inputs("api-canary"));
    let warnings: Vec<&str> = checked
        .diagnostics
        .iter()
        .map(|d| d.code.id)
        .filter(|c| ["S030", "S031", "S032"].contains(c))
        .collect();
    assert!(
        warnings.is_empty(),
        "the backend names the gateway: {warnings:?}"
    );
    let scenario = checked
        .project
        .scenarios
        .iter()
        .find(|s| s.name.value == "api-canary")
        .expect("the api-canary scenario");
    let model = rehearse::sim::build::build(&checked.project, scenario, 42).expect("model");
    let mut world = World::new(model, None);
    let failed = |w: &World<'_>| -> (u64, u64) {
        let s = &w.api.stats[0];
        let errors = s
            .status
            .iter()
            .filter(|(c, _)| *c >= 500)
            .map(|(_, n)| n)
            .sum();
        (s.requests, errors)
    };
    // The crash at 27 s; the canary's next tick (30 s) rolls back.
    world.run_until(27 * S);
    let (r0, e0) = failed(&world);
    assert_eq!(e0, 0, "no errors before the crash");
    // The canary's weights live on the route to sava:1.1 (behind the external gateway).
    let (gateway, canary) = world
        .model
        .gateways
        .iter()
        .enumerate()
        .find_map(|(g, m)| {
            m.routes
                .iter()
                .position(|r| r.name.contains("sava:1.1"))
                .map(|r| (g, r))
        })
        .expect("canary route");
    let share = f64::from(world.gateways[gateway].weights_bp[canary]) / 10_000.0;
    assert!(share > 0.1, "the canary has traffic at the crash: {share}");
    world.run_until(30 * S - 1);
    let (r1, e1) = failed(&world);
    assert_eq!(
        f64::from(world.gateways[gateway].weights_bp[canary]) / 10_000.0,
        share,
        "no canary tick inside the window"
    );
    let (n, errors) = (r1 - r0, e1 - e0);
    let rate = errors as f64 / n as f64;
    let sigma = (share * (1.0 - share) / n as f64).sqrt();
    assert!(
        (rate - share).abs() < 3.0 * sigma,
        "5xx {rate} over {n} requests vs canary share {share} ± {sigma}"
    );
    // After the rollback, no more errors.
    world.run_until(31 * S);
    assert_eq!(world.gateways[gateway].weights_bp[canary], 0, "rolled back");
    let (_, e2) = failed(&world);
    world.run();
    let (r3, e3) = failed(&world);
    assert!(r3 > 10_000);
    assert_eq!(e3, e2, "errors after the rollback");
}

/// Same seed, same figures (to the byte); another seed, other draws.
#[test]
fn api_runs_are_deterministic() {
    let traffic = "  - { to: \"POST /user/signup/yes\", rate: 50/s }\n  - { to: \"POST /user/signup/no\", rate: 50/s }";
    let files = signup_files(traffic);
    let files: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let project = checked(folder("determinism", &files));
    let once = |seed| {
        run(
            &project.project,
            RunOptions {
                seed: Some(seed),
                ..Default::default()
            },
        )
        .expect("runs")
        .to_json()
        .to_string()
    };
    assert_eq!(once(3), once(3));
    assert_ne!(once(3), once(4));
}

fn with_policy(host: &str, policy: &str) -> String {
    format!(
        r#"{{"host": ["http://{host}:80"], "url_pattern": "/{host}", "group": "{host}", "extra_config": {{"security/policies": {{"req": {{"policies": ["{policy}"]}}}}}}}}"#
    )
}

#[test]
fn sequential_propagated_params_reach_only_later_backends() {
    // a (no group, so its fields are top-level) answers {user_id: 42, z: 1}; b's policy needs Resp0_user_id (propagated from a);
    // c's policy needs Resp2_z, its own response: N >= i is never set, so c is skipped;
    // d's needs Resp0_z, which is not in the list, so d is skipped too.
    let endpoint = format!(
        r#""extra_config": {{"proxy": {{"sequential": true, "sequential_propagated_params": ["resp0_user_id", "resp2_z"]}}}}, "backend": [{}, {}, {}, {}]"#,
        r#"{"host": ["http://a:80"], "url_pattern": "/a"}"#,
        with_policy("b", "req_params.Resp0_user_id == '42'"),
        with_policy("c", "req_params.Resp2_z == '1'"),
        with_policy("d", "req_params.Resp0_z == '1'"),
    );
    let behaviors = constant("a", 10, ", body: { user_id: 42, z: 1 }")
        + &constant("b", 20, "")
        + &constant("c", 5, ", body: { z: 1 }")
        + &constant("d", 5, "");
    let result = api("propagated", &endpoint, &behaviors, "50/s", "10s");
    let f = figures(&result);
    every_response_takes(&f, 30.0);
    assert_eq!(f.complete, f.requests);
    let calls = |label: &str| {
        let b = backend(&result, "GET /x", label);
        (n(&b["calls"]), n(&b["skipped"]))
    };
    assert_eq!(calls("b"), (f.requests, 0));
    assert_eq!(calls("c"), (0, f.requests));
    assert_eq!(calls("d"), (0, f.requests));
    // Without the list, nothing is propagated: b is skipped as well.
    let plain = endpoint.replace(
        r#", "sequential_propagated_params": ["resp0_user_id", "resp2_z"]"#,
        "",
    );
    let result = api("not-propagated", &plain, &behaviors, "50/s", "10s");
    let f = figures(&result);
    every_response_takes(&f, 10.0);
    let b = backend(&result, "GET /x", "b");
    assert_eq!((n(&b["calls"]), n(&b["skipped"])), (0, f.requests));
}

#[test]
fn the_unverifiable_assumptions_are_in_explain_and_the_readme() {
    let explanation = rehearse::diag::codes::find("S030")
        .expect("S030")
        .explanation;
    let readme = include_str!("../README.md");
    for assumption in [
        "not verifiable",
        "hosting backend's response",
        "`ignore_errors` continues past failing backends",
        "connection errors",
        "takes no instance slot",
        "`sequential_propagated_params` entries without a field",
        "the wait for a slot consumes the endpoint's timeout",
        "never takes longer than the endpoint's timeout plus the overhead",
    ] {
        let flat = |t: &str| t.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            flat(explanation).contains(assumption),
            "explain S030: {assumption}"
        );
        assert!(flat(readme).contains(assumption), "README: {assumption}");
    }
}

/// A world with one endpoint (`GET /x`, one backend answering in 30 ms, timeout 100 ms) and
/// no arrivals of its own: the test sends each request at the time it chooses.
fn gateway_world(gateway: &str) -> Checked {
    let config = r#"{"version": 3, "endpoints": [{"endpoint": "/x", "method": "GET", "timeout": "100ms", "backend": [{"host": ["http://a:80"], "url_pattern": "/a", "group": "a"}]}]}"#;
    let scenario = format!(
        "kind: scenario\nname: capacity\nduration: 10s\nbehaviors:\n  krakend: {gateway}\n{}traffic:\n  - {{ to: \"GET /x\", rate: 1/s, start: 1h }}\n",
        constant("a", 30, "")
    );
    checked(folder(
        &format!("gateway-{}", gateway.len()),
        &[("krakend.json", config), ("scenario.yaml", &scenario)],
    ))
}

/// Gateway capacity, exactly: two slots, 1 ms overhead, a 30 ms backend and a 100 ms
/// endpoint timeout. A request waits FIFO for the first slot to free; the wait consumes the
/// endpoint's timeout, so a late start times the backend out at 100 ms from arrival, and a
/// request still waiting at 100 ms is answered 500 without a call. No response exceeds the
/// timeout plus the overhead.
#[test]
fn gateway_slots_queue_requests_within_the_endpoints_timeout() {
    use rehearse::sim::world::World;
    const MS: u64 = 1_000_000;
    let checked = gateway_world("{ concurrency: 2, overhead: 1ms }");
    let model =
        rehearse::sim::build::build(&checked.project, &checked.project.scenarios[0], 1).unwrap();
    let mut world = World::new(model, None);
    let mut answers = Vec::new();
    for (at_ms, count) in [(0, 3), (10, 6)] {
        world.run_until(at_ms * MS);
        for _ in 0..count {
            let r = world.api_request(0, None).expect("routed");
            answers.push((r.latency / MS, r.status, r.complete));
        }
    }
    assert_eq!(
        answers,
        vec![
            // At 0: two free slots, then a wait for the first to free at 31 ms.
            (31, 200, true),
            (31, 200, true),
            (62, 200, true),
            // At 10: slots free at 31, 62, 62, 93, 93 (waits 21, 52, 52, 83, 83)…
            (52, 200, true),
            (83, 200, true),
            (83, 200, true),
            // …a start at 93 ms, 83 ms after arrival, leaves 17 ms of the timeout for a 30 ms
            // call: it times out at 100 ms.
            (101, 500, false),
            (101, 500, false),
            // Both slots busy until 111 ms: still waiting at the timeout.
            (101, 500, false),
        ]
    );
    let stats = &world.api.stats[0];
    assert_eq!(stats.waited, 7);
    assert_eq!(stats.timed_out_waiting, 1);
    // The request that gave up made no call; the two that started late timed out.
    assert_eq!(stats.backends[0].calls, 8);
    assert_eq!(stats.backends[0].timeouts, 2);
}

/// The overhead alone: every response takes the flow's time plus the overhead; no slot
/// limit, so nothing waits. The report shows the gateway's figures.
#[test]
fn gateway_overhead_adds_to_every_response() {
    let behaviors = constant("a", 10, "") + "  krakend: { overhead: 2ms }\n";
    let result = api(
        "overhead",
        &format!(r#""backend": [{}]"#, b("a")),
        &behaviors,
        "50/s",
        "10s",
    );
    let f = figures(&result);
    every_response_takes(&f, 12.0);
    assert_eq!(f.max_ms, 12.0);
    let gateway = &result.endpoints["GET /x"]["gateway"];
    assert_eq!(n(&gateway["waited"]), 0, "{gateway}");
    assert_eq!(n(&gateway["timed_out_waiting"]), 0);
    // Without a `krakend` behavior the report has no gateway figures.
    let plain = api(
        "no-overhead",
        &format!(r#""backend": [{}]"#, b("a")),
        &constant("a", 10, ""),
        "50/s",
        "10s",
    );
    assert!(plain.endpoints["GET /x"].get("gateway").is_none());
}

/// The autoheal guide's blueprint behind a KrakenD endpoint whose backend is the
/// `webserver` node (`http://webserver.node:80`).
fn node_backed(name: &str, host: &str) -> Vec<Input> {
    let blueprint = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("specs/autoheal/blueprint.yaml"),
    )
    .expect("the autoheal blueprint");
    let config = format!(
        r#"{{"version": 3, "timeout": "1s", "endpoints": [{{"endpoint": "/api/web", "method": "GET", "backend": [{{"host": ["{host}"], "url_pattern": "/", "group": "web"}}]}}]}}"#
    );
    let scenario = "kind: scenario\nname: api-node\nseed: 7\nduration: 8m\ndeploy:\n  - { cloudify: blueprint.yaml, as: shop, inputs: { webserver_port: 80 } }\nbehaviors:\n  shop/webserver_host:\n    heartbeat: 10s\n    operations: { create: 30s, start: 20s, stop: 10s, delete: 10s }\n  shop/webserver:\n    latency: { distribution: constant, value: 20ms }\n    operations: { create: 5s, configure: 5s, start: 10s, stop: 5s, delete: 5s }\ntraffic:\n  - { to: \"GET /api/web\", rate: 50/s }\nfaults:\n  - { at: 125s, host_down: shop/webserver_host_1 }\n";
    folder(
        name,
        &[
            ("blueprint.yaml", &blueprint),
            ("krakend.json", &config),
            ("scenario.yaml", scenario),
        ],
    )
}

/// Issue 10: a backend host naming a Cloudify node (`http://NAME.node:PORT`) sends the call
/// to the node's instances as they are at that moment: 200 in the node's latency while the
/// web server runs, 503 (so the endpoint's 500) from the moment its host fails until the
/// heal workflow has reinstalled it, 200 again after.
#[test]
fn a_node_backend_fails_while_its_host_is_down_and_recovers_after_the_heal() {
    use rehearse::sim::world::World;
    const S: u64 = 1_000_000_000;
    let checked = checked(node_backed("node", "http://webserver.node:80"));
    let s032: Vec<_> = checked
        .diagnostics
        .iter()
        .filter(|d| d.code.id == "S032")
        .collect();
    assert!(s032.is_empty(), "the host names the node: {s032:#?}");
    let model =
        rehearse::sim::build::build(&checked.project, &checked.project.scenarios[0], 7).unwrap();
    let mut world = World::new(model, None);
    let tally = |w: &World<'_>| -> (u64, u64) {
        let s = &w.api.stats[0];
        let failed = s.status.iter().filter(|(c, _)| *c >= 500).map(|(_, n)| n);
        (s.requests, failed.sum())
    };
    world.run_until(125 * S - 1);
    let (before, failed_before) = tally(&world);
    assert!(before > 5_000, "{before}");
    assert_eq!(failed_before, 0, "the web server runs");
    // Every request while the host is down fails (the node has one instance).
    world.run_until(150 * S);
    let (down, failed_down) = tally(&world);
    assert_eq!(
        failed_down,
        down - before,
        "all fail while the host is down"
    );
    assert!(down - before > 1_000);
    // The heal workflow reinstalls host and web server; at the end no request fails.
    // (detection 60–65 s after the last heartbeat, then about 90 s of operations)
    world.run_until(6 * 60 * S);
    let (healed, failed_healed) = tally(&world);
    world.run();
    let (end, failed_end) = tally(&world);
    assert!(end - healed > 5_000);
    assert_eq!(failed_end, failed_healed, "after the heal");
    // The node's latency is the call's: 20 ms.
    assert_eq!(
        world.api.stats[0].latency.quantile_ns(0.5).round() as u64 / 1_000_000,
        20
    );

    // `rehearse check`: a `.node` host naming no node is S032, at the host.
    let unknown = check(
        node_backed("unknown-node", "http://nosuch.node:80"),
        &Options::default(),
    );
    let found: Vec<String> = unknown
        .diagnostics
        .iter()
        .filter(|d| d.code.id == "S032")
        .map(|d| unknown.sources.get(d.span.file).slice(d.span).to_owned())
        .collect();
    assert_eq!(found, vec!["\"http://nosuch.node:80\"".to_owned()]);
}

/// specs/api-canary end to end: its expectations (the API's status mix included) hold, and
/// the endpoint's figures are in the human summary and the HTML report.
#[test]
fn the_api_canary_meets_its_status_mix_and_reports_its_endpoint() {
    let checked = checked(spec_inputs("api-canary"));
    let result = rehearse(&checked, None);
    let status: Vec<(&str, bool)> = result
        .expectations
        .iter()
        .map(|e| (e.name.as_str(), e.passed))
        .collect();
    assert_eq!(
        status,
        vec![
            ("rollback_within", true),
            ("user_error_rate", true),
            ("endpoint_status", true),
            ("endpoint_status", true),
        ],
        "{:#?}",
        result.expectations
    );
    // The crash shows: some 5xx, and their share is what the expectation measured.
    let e = &result.endpoints["GET /api/sava"];
    let failed = n(&e["status"]["500"]);
    assert!(failed > 0, "{e}");
    let share = result.expectations[2].detail["share_pct"].as_f64().unwrap();
    assert_eq!(share, 100.0 * failed as f64 / n(&e["requests"]) as f64);

    let human = rehearse::report::run::human(&result);
    let line = human
        .lines()
        .find(|l| l.starts_with("GET /api/sava"))
        .unwrap_or_else(|| panic!("an endpoint line: {human}"));
    assert!(line.contains(&format!("500 {failed}")), "{line}");
    assert!(line.contains(&n(&e["requests"]).to_string()), "{line}");
    assert!(
        human.contains(&format!(
            "  sava: {} calls",
            n(&e["backends"]["sava"]["calls"])
        )),
        "{human}"
    );

    let html = rehearse::report::html::render(&result, &[]);
    assert!(html.contains("<h2>API endpoints</h2>"));
    assert!(html.contains("<th>GET /api/sava</th>"));
    assert!(html.contains(&format!("500 {failed}")));
}

/// An `endpoint_status` expectation naming no endpoint of the project is S033, at the name.
#[test]
fn an_expectation_on_an_unknown_endpoint_is_reported() {
    let config = r#"{"version": 3, "endpoints": [{"endpoint": "/user/{id}", "method": "GET", "backend": [{"host": ["http://a:80"], "url_pattern": "/u/{id}"}]}]}"#;
    let scenario = "kind: scenario\nname: s\nduration: 1s\nbehaviors:\n  \"http://a:80\": { latency: 5ms }\ntraffic:\n  - { to: \"GET /user/1\", rate: 1/s }\nexpect:\n  - endpoint_status: { endpoint: \"GET /user/{id}\", status: 5xx, below: 1% }\n  - endpoint_status: { endpoint: \"GET /user/1\", status: 200, at_least: 99% }\n";
    let result = check(
        folder(
            "unknown-endpoint",
            &[("krakend.json", config), ("s.yaml", scenario)],
        ),
        &Options::default(),
    );
    let found: Vec<(&str, &str)> = result
        .diagnostics
        .iter()
        .filter(|d| d.code.id.starts_with('S'))
        .map(|d| (d.code.id, result.sources.get(d.span.file).slice(d.span)))
        .collect();
    assert_eq!(found, vec![("S033", "\"GET /user/1\"")]);
}

/// A request to the API is one user request, although the API then calls the deployment's
/// gateway: users' totals count it at the endpoint only. Besides the API's 100/s, the
/// project's traffic workflow sends the gateway one request every 500 ms (at most 241 in
/// 120 s); the API's calls must not be counted a second time on top.
#[test]
fn api_requests_are_counted_once_in_the_users_totals() {
    let checked = checked(spec_inputs("api-canary"));
    let result = run(
        &checked.project,
        RunOptions {
            scenario: Some("api-canary".into()),
            ..Default::default()
        },
    )
    .expect("the run starts");
    let endpoint = &result.endpoints["GET /api/sava"];
    let api_requests = endpoint["requests"].as_u64().expect("requests");
    let api_errors: u64 = endpoint["status"]
        .as_object()
        .expect("status")
        .iter()
        .filter(|(code, _)| code.as_str() >= "500")
        .map(|(_, n)| n.as_u64().unwrap())
        .sum();
    assert!(api_requests > 10_000, "{api_requests}");
    // The users' totals, as the `user_error_rate` expectation reads them.
    let users = &result
        .expectations
        .iter()
        .find(|o| o.name == "user_error_rate")
        .expect("the scenario expects a user error rate")
        .detail;
    let (requests, errors) = (
        users["requests"].as_u64().unwrap(),
        users["errors"].as_u64().unwrap(),
    );
    let direct = requests - api_requests;
    assert!(direct <= 241, "{direct} requests besides the API's");
    assert!(errors >= api_errors && errors - api_errors <= direct);
}
