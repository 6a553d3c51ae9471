//! Rehearsing Flagger's advanceCanary (issue 12; reference/rollouts/FLAGGER.md §3, §4, §6, §7,
//! §9) for every strategy: A/B testing, blue/green (with and without mirroring, provider
//! kubernetes), canary with mirror and stepWeightPromotion, every webhook type answered by the
//! scenario, readiness and the progress deadline. Each test computes the times it expects from
//! the reference's tick model (interval, tick counts) — not from the simulator — and a
//! proptest checks that the rehearsal's weights follow `plan::flagger::ticks` exactly.

mod common;

use common::sim::{checked_without_errors, decision_times, decisions_of, inputs};
use proptest::prelude::*;
use rehearse::sim::{RunOptions, RunResult};
use serde_json::Value;

const SECOND: u64 = 1_000_000_000;

/// The podinfo Deployment (2 replicas) and a Canary over it with `analysis` (YAML lines
/// indented by 4) and `extra` spec lines (indented by 2).
fn canary(provider: &str, extra: &str, analysis: &str) -> String {
    format!(
        "apiVersion: apps/v1
kind: Deployment
metadata:
  name: podinfo
spec:
  replicas: 2
  selector:
    matchLabels:
      app: podinfo
  template:
    metadata:
      labels:
        app: podinfo
    spec:
      containers:
        - name: podinfo
          image: example/podinfo:6.0.0
---
apiVersion: flagger.app/v1beta1
kind: Canary
metadata:
  name: podinfo
spec:
  provider: {provider}
  targetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: podinfo
  service:
    port: 9898
{extra}  analysis:
{analysis}"
    )
}

/// A scenario `flagger` deploying the canary (`deploy` the entry's extra keys), with 50
/// requests/s, the update at `update_s`, and `rest` appended (webhooks, faults...).
fn scenario(
    deploy: &str,
    canary_startup: &str,
    update_s: u64,
    duration_s: u64,
    rest: &str,
) -> String {
    format!(
        "kind: scenario
name: flagger
duration: {duration_s}s
deploy:
  - {{canary: podinfo{deploy}}}
behaviors:
  podinfo:stable: {{latency: {{p50: 20ms, p99: 80ms}}}}
  podinfo:canary: {{latency: {{p50: 20ms, p99: 90ms}}, startup: {canary_startup}}}
traffic:
  - to: podinfo
    rate: 50/s
update: {{at: {update_s}s, canary: podinfo, to: v2}}
{rest}"
    )
}

fn rehearse(spec: &str, scenario: &str, seed: Option<u64>) -> RunResult {
    let checked = checked_without_errors(inputs(&[
        ("canary.yaml", spec),
        ("scenario.yaml", scenario),
    ]));
    common::sim::rehearsed(
        &checked.project,
        RunOptions {
            seed,
            ..Default::default()
        },
    )
}

/// The first tick at or after `update_s` (FLAGGER.md §3: the scheduler ticks every interval
/// from the Canary's creation, t = 0; that tick detects the new revision).
fn detection(update_s: u64, interval_s: u64) -> u64 {
    update_s.div_ceil(interval_s) * interval_s * SECOND
}

/// The canary route's weight (%) in each `weights` decision, with its time.
fn canary_weights(result: &RunResult) -> Vec<(u64, f64)> {
    decisions_of(result, "weights")
        .iter()
        .map(|d| (d.t, d.detail["podinfo:canary"].as_f64().unwrap()))
        .collect()
}

fn webhook_calls(result: &RunResult, name: &str) -> Vec<(u64, bool)> {
    decisions_of(result, "webhook")
        .iter()
        .filter(|d| d.detail["webhook"] == name)
        .map(|d| (d.t, d.detail["success"].as_bool().unwrap()))
        .collect()
}

/// Requests the canary's pods served (mirrored copies included).
fn canary_requests(result: &RunResult) -> u64 {
    result
        .services
        .iter()
        .find(|s| s.name == "podinfo:canary")
        .map_or(0, |s| s.requests)
}

fn report_rollout(result: &RunResult) -> Value {
    result.to_json()["rollouts"][0].clone()
}

/// A/B testing (§3 runAB): `iterations` ticks route the matched requests to the canary (the
/// pre-rollout tick included), then the confirm-promotion gate and Promote, one tick to
/// route back, one to finalise. The canary's share of the requests is the scenario's
/// `matched` (20 %), and its built-in metric reads them.
#[test]
fn ab_testing_routes_the_matched_share_for_iterations_then_promotes() {
    let (interval, iterations, update) = (30u64, 4u64, 10u64);
    let spec = canary(
        "istio",
        "",
        "    interval: 30s
    threshold: 2
    iterations: 4
    match:
      - headers:
          x-canary:
            exact: insider
    metrics:
      - name: request-success-rate
        thresholdRange:
          min: 99
        interval: 30s
",
    );
    let result = rehearse(
        &spec,
        &scenario(", matched: 20%", "10s", update, 480, ""),
        None,
    );
    let t0 = detection(update, interval);
    let tick = interval * SECOND;
    // Ticks after detection: 1..=N iterations, N+1 promote, N+2 route back, N+3 finalise.
    let iteration_ticks: Vec<u64> = (1..=iterations).map(|k| t0 + k * tick).collect();
    let steps: Vec<u64> = decisions_of(&result, "step")
        .iter()
        .filter(|d| d.detail["index"] != 0)
        .map(|d| d.t)
        .collect();
    assert_eq!(steps, iteration_ticks);
    let promote = t0 + (iterations + 1) * tick;
    assert_eq!(decision_times(&result, "promote"), vec![promote]);
    assert_eq!(
        canary_weights(&result),
        vec![(t0 + tick, 20.0), (promote + tick, 0.0)],
        "matched share during the iterations, then all back to the primary"
    );
    let last_scale = decisions_of(&result, "scale").last().unwrap().t;
    assert_eq!(last_scale, promote + 2 * tick);
    // The canary saw about 20 % of the requests while the matched ones went to it.
    let canary_requests = canary_requests(&result) as f64;
    let window_requests = 50.0 * ((promote + tick - (t0 + tick)) / SECOND) as f64;
    let share = canary_requests / window_requests;
    assert!((0.17..0.23).contains(&share), "canary share {share}");
    let rollout = report_rollout(&result);
    assert_eq!(rollout["phase"], "Succeeded");
    assert_eq!(rollout["failed_checks"], 0);
}

/// Without `matched`, the check warns (S046) and the rehearsal takes 10 %.
#[test]
fn ab_testing_without_a_matched_share_warns_and_takes_ten_percent() {
    let spec = canary(
        "istio",
        "",
        "    interval: 30s
    threshold: 2
    iterations: 2
    match:
      - headers:
          x-canary:
            exact: insider
",
    );
    let scenario = scenario("", "10s", 10, 300, "");
    let checked = checked_without_errors(inputs(&[
        ("canary.yaml", &spec),
        ("scenario.yaml", &scenario),
    ]));
    let warnings: Vec<&str> = checked
        .diagnostics
        .iter()
        .map(|d| d.code.id)
        .filter(|id| id.starts_with('S'))
        .collect();
    assert_eq!(warnings, vec!["S046"]);
    let result = common::sim::rehearsed(&checked.project, RunOptions::default());
    assert_eq!(canary_weights(&result)[0], (60 * SECOND, 10.0));
}

/// Blue/green (§3 runBlueGreen): `iterations` ticks with no user traffic on the canary, the
/// switch tick (all traffic to the canary), Promote the tick after, then back to the primary
/// and finalise.
#[test]
fn blue_green_switches_after_the_iterations_and_promotes_next_tick() {
    let (interval, iterations, update) = (20u64, 3u64, 5u64);
    let spec = canary(
        "istio",
        "",
        "    interval: 20s
    threshold: 1
    iterations: 3
",
    );
    let result = rehearse(&spec, &scenario("", "5s", update, 300, ""), None);
    let t0 = detection(update, interval);
    let tick = interval * SECOND;
    let switch = t0 + (iterations + 1) * tick;
    assert_eq!(
        canary_weights(&result),
        vec![(switch, 100.0), (switch + 2 * tick, 0.0)]
    );
    assert_eq!(decision_times(&result, "promote"), vec![switch + tick]);
    assert_eq!(
        decisions_of(&result, "scale").last().unwrap().t,
        switch + 3 * tick
    );
    // No user request reached the canary before the switch.
    assert_eq!(report_rollout(&result)["phase"], "Succeeded");
}

/// Provider kubernetes: blue/green with iterations < 1 forced to 10 (§1), nothing routed:
/// Promote after 10 iterations and the tick that would switch, no weight ever set.
#[test]
fn kubernetes_blue_green_runs_ten_iterations_and_routes_nothing() {
    let (interval, update) = (10u64, 1u64);
    let spec = canary(
        "kubernetes",
        "",
        "    interval: 10s\n    threshold: 1\n    iterations: 0\n",
    );
    let result = rehearse(&spec, &scenario("", "2s", update, 300, ""), None);
    let t0 = detection(update, interval);
    let tick = interval * SECOND;
    assert!(canary_weights(&result).is_empty());
    // 10 iterations, the switch tick (no routes), Promote.
    assert_eq!(decision_times(&result, "promote"), vec![t0 + 12 * tick]);
    // Promoting → Finalising at once (no traffic to shift), then Succeeded.
    assert_eq!(
        decisions_of(&result, "scale").last().unwrap().t,
        t0 + 14 * tick
    );
    assert_eq!(canary_requests(&result), 0);
}

/// Blue/green with `mirror` (§1, §3): during the iterations the canary sees a copy of every
/// request the primary takes; the users get the primary's answers (the canary's errors are
/// not theirs), but the canary's metrics count the copies: its 50 % errors fail the checks
/// and the canary rolls back `threshold` failing ticks later, with no user error at all.
#[test]
fn blue_green_mirror_sends_copies_whose_errors_fail_the_canary_not_the_users() {
    let (interval, threshold, update) = (30u64, 2u64, 10u64);
    let spec = canary(
        "istio",
        "",
        "    interval: 30s
    threshold: 2
    iterations: 5
    mirror: true
    metrics:
      - name: request-success-rate
        thresholdRange:
          min: 99
        interval: 30s
",
    );
    let result = rehearse(
        &spec,
        &scenario(
            "",
            "10s",
            update,
            400,
            "faults:\n  - {at: 0s, errors: \"podinfo:canary\", rate: 50%, for: 1h}\n",
        ),
        None,
    );
    let t0 = detection(update, interval);
    let tick = interval * SECOND;
    // t0+1: pre-rollout tick, mirroring starts; t0+2, t0+3: the metric fails; then rollback.
    let failed: Vec<u64> = decisions_of(&result, "analysis")
        .iter()
        .filter(|d| d.detail["measurement"] == "Failed")
        .map(|d| d.t)
        .collect();
    assert_eq!(failed, vec![t0 + 2 * tick, t0 + 3 * tick]);
    assert_eq!(
        decision_times(&result, "abort"),
        vec![t0 + (2 + threshold) * tick]
    );
    assert!(
        canary_weights(&result).is_empty(),
        "mirroring sets no weight"
    );
    let report = result.to_json();
    assert_eq!(report["errors"], 0, "users never see the canary's answers");
    assert_eq!(report_rollout(&result)["phase"], "Failed");
}

/// Canary with `mirror` (§3 runCanary): one mirror tick at weight 0 after the pre-rollout
/// checks, then the weights; with stepWeightPromotion the promotion moves the canary's
/// weight down by it each tick (§3 runPromotionTrafficShift), then Finalising, Succeeded.
#[test]
fn canary_mirror_tick_and_step_weight_promotion() {
    let (interval, update) = (15u64, 20u64);
    let spec = canary(
        "istio",
        "",
        "    interval: 15s
    threshold: 2
    stepWeight: 30
    maxWeight: 60
    mirror: true
    stepWeightPromotion: 25
",
    );
    let result = rehearse(&spec, &scenario("", "5s", update, 400, ""), None);
    let t0 = detection(update, interval);
    let tick = interval * SECOND;
    // t0+1: mirror (pre-rollout); t0+2: 30; t0+3: 60 = maxWeight; t0+4: promote;
    // promotion: 60 → 35 → 10 → 0 (Finalising), then Succeeded.
    let mirror = decisions_of(&result, "step")
        .into_iter()
        .find(|d| d.detail["mirror"] == true)
        .expect("a mirror tick");
    assert_eq!(mirror.t, t0 + tick);
    assert_eq!(
        canary_weights(&result),
        vec![
            (t0 + 2 * tick, 30.0),
            (t0 + 3 * tick, 60.0),
            (t0 + 5 * tick, 35.0),
            (t0 + 6 * tick, 10.0),
            (t0 + 7 * tick, 0.0),
        ]
    );
    assert_eq!(decision_times(&result, "promote"), vec![t0 + 4 * tick]);
    assert_eq!(
        decisions_of(&result, "scale").last().unwrap().t,
        t0 + 8 * tick
    );
    assert_eq!(report_rollout(&result)["phase"], "Succeeded");
}

/// The gates (§6): confirm-rollout holds the update in Waiting (no detection) until it says
/// yes; confirm-traffic-increase keeps the weight while it says no (no failed check);
/// confirm-promotion holds at maxWeight (WaitingPromotion); post-rollout is called once,
/// after Succeeded; an `event` hook is never called.
#[test]
fn gates_hold_the_canary_without_failed_checks() {
    let (interval, update) = (20u64, 10u64);
    let spec = canary(
        "istio",
        "",
        "    interval: 20s
    threshold: 1
    stepWeight: 25
    maxWeight: 50
    webhooks:
      - {name: start, type: confirm-rollout, url: http://gate.test/}
      - {name: more, type: confirm-traffic-increase, url: http://gate.test/}
      - {name: ship, type: confirm-promotion, url: http://gate.test/}
      - {name: done, type: post-rollout, url: http://gate.test/}
      - {name: notify, type: event, url: http://gate.test/}
",
    );
    let rest = "webhooks:
  start: {at: 50s}
  more: {fails: {from: 90s, to: 130s}}
  ship: {at: 170s}
";
    let result = rehearse(&spec, &scenario("", "5s", update, 400, rest), None);
    let tick = interval * SECOND;
    let first = detection(update, interval); // 20 s: confirm-rollout says no until 50 s
    assert_eq!(first, tick);
    let detect = 50u64.div_ceil(interval) * tick; // 60 s
    assert_eq!(
        webhook_calls(&result, "start"),
        vec![(tick, false), (2 * tick, false), (detect, true)]
    );
    let pause = decisions_of(&result, "pause");
    assert_eq!(
        (pause[0].t, &pause[0].detail["reason"]),
        (tick, &Value::from("Waiting"))
    );
    // detect+1 (80 s): pre-rollout, gate yes → 25; 100 s and 120 s: the gate says no;
    // 140 s: 50; 160 s: maxWeight, confirm-traffic-increase yes, confirm-promotion no;
    // 180 s: promote; 200 s: back to the primary; 220 s: finalised.
    assert_eq!(
        webhook_calls(&result, "more"),
        vec![
            (detect + tick, true),
            (detect + 2 * tick, false),
            (detect + 3 * tick, false),
            (detect + 4 * tick, true),
            (detect + 5 * tick, true),
        ]
    );
    assert_eq!(
        canary_weights(&result),
        vec![
            (detect + tick, 25.0),
            (detect + 4 * tick, 50.0),
            (detect + 7 * tick, 0.0)
        ]
    );
    assert_eq!(
        webhook_calls(&result, "ship"),
        vec![(detect + 5 * tick, false), (detect + 6 * tick, true)]
    );
    assert_eq!(
        (pause[1].t, &pause[1].detail["reason"]),
        (detect + 5 * tick, &Value::from("WaitingPromotion"))
    );
    assert_eq!(decision_times(&result, "promote"), vec![detect + 6 * tick]);
    assert_eq!(
        webhook_calls(&result, "done"),
        vec![(detect + 8 * tick, true)]
    );
    assert!(webhook_calls(&result, "notify").is_empty());
    let rollout = report_rollout(&result);
    assert_eq!(rollout["phase"], "Succeeded");
    assert_eq!(rollout["failed_checks"], 0);
}

/// pre-rollout (§6): called on the first analysis tick only; a failure counts a failed check
/// and the tick ends, so it is called again next tick; with threshold 2, two failing calls
/// and the next tick rolls back, then post-rollout is called.
#[test]
fn failing_pre_rollout_hooks_roll_back_at_the_threshold() {
    let (interval, update) = (10u64, 1u64);
    let spec = canary(
        "istio",
        "",
        "    interval: 10s
    threshold: 2
    stepWeight: 10
    webhooks:
      - {name: smoke, type: pre-rollout, url: http://test.test/}
      - {name: done, type: post-rollout, url: http://test.test/}
",
    );
    let rest = "webhooks:\n  smoke: {never: true}\n";
    let result = rehearse(&spec, &scenario("", "2s", update, 200, rest), None);
    let t0 = detection(update, interval);
    let tick = interval * SECOND;
    assert_eq!(
        webhook_calls(&result, "smoke"),
        vec![(t0 + tick, false), (t0 + 2 * tick, false)]
    );
    assert_eq!(decision_times(&result, "abort"), vec![t0 + 3 * tick]);
    assert_eq!(decision_times(&result, "rollback"), vec![t0 + 3 * tick]);
    assert_eq!(webhook_calls(&result, "done"), vec![(t0 + 3 * tick, true)]);
    let rollout = report_rollout(&result);
    assert_eq!(rollout["phase"], "Failed");
    assert_eq!(rollout["failed_checks"], 2);
    assert!(canary_weights(&result).is_empty());
}

/// rollout hooks (type `rollout` or empty, §6): called on every analysis tick before the
/// metrics (not on the pre-rollout tick); a failing window counts one failed check per tick
/// and holds the weight; failures never decay (§7).
#[test]
fn failing_rollout_hooks_count_failed_checks_and_hold_the_weight() {
    let (interval, update) = (10u64, 1u64);
    let spec = canary(
        "istio",
        "",
        "    interval: 10s
    threshold: 3
    stepWeight: 20
    maxWeight: 60
    webhooks:
      - {name: load, url: http://load.test/}
",
    );
    // Ticks: 10 detect, 20 pre-rollout → 20, 30 → 40, 40 and 50 fail, 60 → 60, 70 promote.
    let rest = "webhooks:\n  load: {fails: {from: 35s, to: 55s}}\n";
    let result = rehearse(&spec, &scenario("", "2s", update, 200, rest), None);
    let t0 = detection(update, interval);
    let tick = interval * SECOND;
    let calls = webhook_calls(&result, "load");
    assert_eq!(
        calls.first(),
        Some(&(t0 + 2 * tick, true)),
        "not called on the pre-rollout tick"
    );
    let failing: Vec<u64> = calls
        .iter()
        .filter(|(_, ok)| !ok)
        .map(|(t, _)| *t)
        .collect();
    assert_eq!(failing, vec![t0 + 3 * tick, t0 + 4 * tick]);
    assert_eq!(
        canary_weights(&result),
        vec![
            (t0 + tick, 20.0),
            (t0 + 2 * tick, 40.0),
            (t0 + 5 * tick, 60.0),
            (t0 + 7 * tick, 0.0)
        ]
    );
    assert_eq!(decision_times(&result, "promote"), vec![t0 + 6 * tick]);
    assert_eq!(report_rollout(&result)["failed_checks"], 2);
}

/// rollback hooks (§6, §7): checked on every tick in Progressing / WaitingPromotion; the
/// first tick at which one answers yes rolls the canary back at once.
#[test]
fn a_rollback_hook_that_answers_yes_rolls_back_on_that_tick() {
    let (interval, update) = (10u64, 1u64);
    let spec = canary(
        "istio",
        "",
        "    interval: 10s
    threshold: 5
    stepWeight: 10
    webhooks:
      - {name: abort-switch, type: rollback, url: http://switch.test/}
",
    );
    let rest = "webhooks:\n  abort-switch: {at: 42s}\n";
    let result = rehearse(&spec, &scenario("", "2s", update, 200, rest), None);
    let t0 = detection(update, interval);
    let tick = interval * SECOND;
    let fires = 42u64.div_ceil(interval) * tick; // the first tick at or after 42 s
    let calls = webhook_calls(&result, "abort-switch");
    assert_eq!(calls.first(), Some(&(t0 + tick, false)));
    assert_eq!(calls.last(), Some(&(fires, true)));
    assert_eq!(decision_times(&result, "abort"), vec![fires]);
    let weights = canary_weights(&result);
    assert_eq!(
        weights.last(),
        Some(&(fires - tick, ((fires - tick - t0) / tick * 10) as f64))
    );
    let rollback = decisions_of(&result, "rollback");
    assert_eq!(
        (rollback[0].t, &rollback[0].detail["podinfo:canary"]),
        (fires, &Value::from(0))
    );
    assert_eq!(report_rollout(&result)["phase"], "Failed");
}

/// Readiness (§4, §7): a canary whose pods never become ready (a startup longer than the
/// run) waits tick after tick without failed checks, and rolls back on the first tick more
/// than progressDeadlineSeconds after it was scaled up (detection).
#[test]
fn a_canary_never_ready_rolls_back_at_the_progress_deadline() {
    let (interval, update, deadline) = (30u64, 10u64, 120u64);
    let spec = canary(
        "istio",
        "  progressDeadlineSeconds: 120\n",
        "    interval: 30s\n    threshold: 1\n    stepWeight: 10\n",
    );
    let result = rehearse(&spec, &scenario("", "1h", update, 600, ""), None);
    let t0 = detection(update, interval);
    let tick = interval * SECOND;
    // Not ready since t0 (scaled up); non-retriable once now − t0 > deadline: the first tick
    // strictly after t0 + 120 s.
    let rollback = (t0 + deadline * SECOND) / tick * tick + tick;
    assert_eq!(rollback, 180 * SECOND);
    let waits: Vec<u64> = decisions_of(&result, "analysis")
        .iter()
        .filter(|d| d.detail["wait"] == "canary not ready")
        .map(|d| d.t)
        .collect();
    assert_eq!(waits, (1..=4).map(|k| t0 + k * tick).collect::<Vec<_>>());
    assert_eq!(decision_times(&result, "abort"), vec![rollback]);
    let abort = decisions_of(&result, "abort")[0];
    assert!(abort.detail["message"]
        .as_str()
        .unwrap()
        .contains("progress deadline"));
    let rollout = report_rollout(&result);
    assert_eq!(rollout["phase"], "Failed");
    assert_eq!(rollout["failed_checks"], 0);
    assert_eq!(rollout["canary_replicas"], 0);
}

/// The default deadline (600 s) and canaryReadyThreshold (§4: need = trunc(pods × t / 100)):
/// with 50 % of 2 pods, one ready pod is enough; with one of its two pods never starting
/// (killed for good), 100 % never is, and the deadline applies.
#[test]
fn canary_ready_threshold_decides_what_ready_means() {
    let analysis = |threshold: &str| {
        format!("    interval: 60s\n    threshold: 1\n    stepWeight: 50\n{threshold}")
    };
    let fault =
        "faults:\n  - {at: 61s, kill: \"podinfo:canary\", instances: 1, restart_delay: 1h}\n";
    let half = rehearse(
        &canary("istio", "", &analysis("    canaryReadyThreshold: 50\n")),
        &scenario("", "0s", 10, 900, fault),
        None,
    );
    assert_eq!(report_rollout(&half)["phase"], "Succeeded");
    let full = rehearse(
        &canary("istio", "", &analysis("")),
        &scenario("", "0s", 10, 900, fault),
        None,
    );
    // Detected at 60 s, ready at once, a pod killed at 61 s: not ready since then; the
    // first tick more than 600 s later is 720 s.
    assert_eq!(decision_times(&full, "abort"), vec![720 * SECOND]);
    assert_eq!(report_rollout(&full)["phase"], "Failed");
}

/// The run JSON is the same for the same seed, webhook calls and mirrored copies included.
#[test]
fn same_seed_same_report() {
    let spec = canary(
        "istio",
        "",
        "    interval: 20s
    threshold: 2
    stepWeight: 25
    mirror: true
    stepWeightPromotion: 50
    webhooks:
      - {name: load, url: http://load.test/}
    metrics:
      - name: request-duration
        thresholdRange:
          max: 500
        interval: 20s
",
    );
    let scenario = scenario(
        "",
        "5s",
        10,
        300,
        "webhooks:\n  load: {fails: {from: 60s, to: 70s}}\n",
    );
    let a = serde_json::to_string(&rehearse(&spec, &scenario, Some(9)).to_json()).unwrap();
    let b = serde_json::to_string(&rehearse(&spec, &scenario, Some(9)).to_json()).unwrap();
    assert_eq!(a, b);
}

/// A random Flagger analysis, as YAML lines, and the provider.
#[derive(Clone, Debug)]
struct Analysis {
    provider: &'static str,
    interval_s: u64,
    yaml: String,
}

fn analysis() -> impl Strategy<Value = Analysis> {
    let canary = (
        prop_oneof![
            (1i64..=100).prop_map(|s| format!("    stepWeight: {s}\n")),
            prop::collection::btree_set(1i64..=150, 1..5).prop_map(|set| {
                let weights: Vec<String> = set.iter().map(i64::to_string).collect();
                format!("    stepWeights: [{}]\n", weights.join(", "))
            }),
        ],
        1i64..=100,
        any::<bool>(),
    )
        .prop_map(|(step, max, mirror)| {
            // stepWeight over maxWeight is refused by Flagger's maintainers (§10 rule 10).
            let max = step
                .strip_prefix("    stepWeight: ")
                .and_then(|s| s.trim().parse::<i64>().ok())
                .map_or(max, |s| max.max(s));
            format!("{step}    maxWeight: {max}\n    mirror: {mirror}\n")
        });
    let ab = (1i64..=6).prop_map(|n| {
        format!("    iterations: {n}\n    match:\n      - headers:\n          x-canary:\n            exact: insider\n")
    });
    let blue_green = (1i64..=6, any::<bool>())
        .prop_map(|(n, mirror)| format!("    iterations: {n}\n    mirror: {mirror}\n"));
    let strategy = prop_oneof![
        canary.prop_map(|y| ("istio", y)),
        ab.prop_map(|y| ("istio", y)),
        blue_green.clone().prop_map(|y| ("istio", y)),
        blue_green.prop_map(|y| ("kubernetes", y)),
    ];
    (strategy, 5u64..=90, prop_oneof![Just(0i64), 1i64..=150]).prop_map(
        |((provider, body), interval_s, promotion)| {
            let mut yaml = format!("    interval: {interval_s}s\n    threshold: 1\n{body}");
            if promotion > 0 {
                yaml.push_str(&format!("    stepWeightPromotion: {promotion}\n"));
            }
            Analysis {
                provider,
                interval_s,
                yaml,
            }
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases((common::proptest_cases() / 2).max(1)))]

    /// On the happy path the rehearsal takes plan::flagger::ticks' steps, one per interval
    /// from the detection tick: the same weights at the same ticks, Promote on the tick the
    /// plan's phase turns Promoting, and the canary scaled to 0 on its last tick.
    #[test]
    fn the_rehearsal_follows_the_plan_tick_for_tick(a in analysis()) {
        let spec = canary(a.provider, "", &a.yaml);
        let checked = checked_without_errors(inputs(&[("canary.yaml", &spec)]));
        let canary_object = &checked.project.rollouts.canaries[0];
        let (ticks, stalls) = rehearse::plan::flagger::ticks(
            canary_object.analysis.as_ref().unwrap(),
            canary_object.provider.as_deref(),
        );
        prop_assert!(!stalls);
        // §1: an interval under 10 s ticks every 10 s.
        let interval_s = a.interval_s.max(10);
        let interval = interval_s * SECOND;
        let t0 = interval; // the update at 1 s is detected by the first tick
        let at = |k: usize| t0 + k as u64 * interval;
        let mut expected_weights = Vec::new();
        let mut last = 0;
        for (k, tick) in ticks.iter().enumerate() {
            if tick.canary_weight != last {
                expected_weights.push((at(k), tick.canary_weight as f64));
                last = tick.canary_weight;
            }
        }
        let promote = ticks
            .iter()
            .position(|t| t.phase == rehearse::plan::flagger::Phase::Promoting)
            .map(at);
        let duration_s = (ticks.len() as u64 + 3) * interval_s;
        let scenario = scenario(", matched: 100%", "2s", 1, duration_s, "");
        let result = rehearse(&spec, &scenario, None);
        prop_assert_eq!(canary_weights(&result), expected_weights);
        prop_assert_eq!(decision_times(&result, "promote").first().copied(), promote);
        prop_assert_eq!(decisions_of(&result, "scale").last().map(|d| d.t), Some(at(ticks.len() - 1)));
        prop_assert_eq!(&report_rollout(&result)["phase"], "Succeeded");
    }
}

/// The scenario's new keys refuse what they cannot mean, with a code and a span: `matched`
/// on an Argo entry, a webhook answer with two forms, a failing window without `from` or
/// ending before it starts.
#[test]
fn bad_webhook_answers_and_matched_shares_are_errors() {
    let spec = canary(
        "istio",
        "",
        "    interval: 10s\n    threshold: 1\n    stepWeight: 10\n",
    );
    let cases = [
        ("deploy:\n  - {rollout: podinfo, matched: 10%}\n", "S003"),
        ("deploy:\n  - {canary: podinfo, matched: 120%}\n", "S005"),
        (
            "deploy:\n  - {canary: podinfo}\nwebhooks:\n  x: {at: 1m, fails: {from: 2m}}\n",
            "S001",
        ),
        (
            "deploy:\n  - {canary: podinfo}\nwebhooks:\n  x: {fails: {to: 2m}}\n",
            "S001",
        ),
        (
            "deploy:\n  - {canary: podinfo}\nwebhooks:\n  x: {fails: [{from: 3m, to: 2m}]}\n",
            "S003",
        ),
    ];
    for (body, code) in cases {
        let scenario = format!("kind: scenario\nname: bad\nduration: 1m\n{body}");
        let checked = rehearse::check::check(
            inputs(&[("canary.yaml", &spec), ("scenario.yaml", &scenario)]),
            &Default::default(),
        );
        let errors: Vec<&str> = checked.error_diagnostics().map(|d| d.code.id).collect();
        assert!(errors.contains(&code), "{body}: {errors:?}");
    }
}

/// `skipAnalysis` (§3): on the first tick after detection with the canary ready, Promote,
/// scale the canary to 0 and Succeeded at once, no weight set, no check run.
#[test]
fn skip_analysis_promotes_on_the_tick_after_detection() {
    let (interval, update) = (10u64, 1u64);
    let spec = canary(
        "istio",
        "  skipAnalysis: true\n",
        "    interval: 10s\n    threshold: 1\n    stepWeight: 10\n    webhooks:\n      - {name: done, type: post-rollout, url: http://x.test/}\n",
    );
    let result = rehearse(&spec, &scenario("", "2s", update, 120, ""), None);
    let t0 = detection(update, interval);
    let tick = interval * SECOND;
    assert_eq!(decision_times(&result, "promote"), vec![t0 + tick]);
    assert_eq!(decisions_of(&result, "scale").last().unwrap().t, t0 + tick);
    assert_eq!(webhook_calls(&result, "done"), vec![(t0 + tick, true)]);
    assert!(canary_weights(&result).is_empty());
    assert!(decisions_of(&result, "analysis").is_empty());
    assert_eq!(report_rollout(&result)["phase"], "Succeeded");
}

/// A/B testing behind a closed confirm-promotion gate (§2, §3): WaitingPromotion sets
/// `iterations` to N − 1, so each tick that finds the gate closed is followed by one more
/// iteration tick: the gate is called every other tick until it opens.
#[test]
fn ab_testing_calls_a_closed_promotion_gate_every_other_tick() {
    let (interval, update) = (10u64, 1u64);
    let spec = canary(
        "istio",
        "",
        "    interval: 10s
    threshold: 1
    iterations: 2
    match:
      - headers:
          x-canary:
            exact: insider
    webhooks:
      - {name: ship, type: confirm-promotion, url: http://gate.test/}
",
    );
    let rest = "webhooks:\n  ship: {at: 75s}\n";
    let result = rehearse(
        &spec,
        &scenario(", matched: 50%", "2s", update, 200, rest),
        None,
    );
    let t0 = detection(update, interval);
    let tick = interval * SECOND;
    // t0+1, t0+2: iterations 1, 2; t0+3: gate (no); t0+4: iteration 2 again; t0+5: gate
    // (no); t0+6: iteration; t0+7 = 80 s ≥ 75 s: gate yes, Promote.
    assert_eq!(
        webhook_calls(&result, "ship"),
        vec![
            (t0 + 3 * tick, false),
            (t0 + 5 * tick, false),
            (t0 + 7 * tick, true)
        ]
    );
    let iterations: Vec<u64> = decisions_of(&result, "step")
        .iter()
        .filter(|d| d.detail["index"] != 0)
        .map(|d| d.t)
        .collect();
    assert_eq!(
        iterations,
        vec![t0 + tick, t0 + 2 * tick, t0 + 4 * tick, t0 + 6 * tick]
    );
    assert_eq!(decision_times(&result, "promote"), vec![t0 + 7 * tick]);
    assert_eq!(
        canary_weights(&result),
        vec![(t0 + tick, 50.0), (t0 + 8 * tick, 0.0)]
    );
}

/// The primary must be ready on every tick (§3, §4, `primaryReadyThreshold`): while one of its
/// two pods is down the ticks wait (no failed check, the weight held); with a threshold of
/// 50 % one pod is enough and nothing waits.
#[test]
fn ticks_wait_for_the_primary_unless_its_threshold_allows() {
    let (interval, update) = (10u64, 1u64);
    let analysis = |threshold: &str| {
        format!("    interval: 10s\n    threshold: 1\n    stepWeight: 50\n{threshold}")
    };
    // A primary pod down from 25 s, back at 45 s.
    let fault =
        "faults:\n  - {at: 25s, kill: \"podinfo:stable\", instances: 1, restart_delay: 20s}\n";
    let t0 = detection(update, interval);
    let tick = interval * SECOND;
    let strict = rehearse(
        &canary("istio", "", &analysis("")),
        &scenario("", "2s", update, 200, fault),
        None,
    );
    let waits: Vec<u64> = decisions_of(&strict, "analysis")
        .iter()
        .filter(|d| d.detail["wait"] == "primary not ready")
        .map(|d| d.t)
        .collect();
    assert_eq!(waits, vec![t0 + 2 * tick, t0 + 3 * tick]);
    assert_eq!(
        canary_weights(&strict),
        vec![
            (t0 + tick, 50.0),
            (t0 + 4 * tick, 100.0),
            (t0 + 6 * tick, 0.0)
        ]
    );
    assert_eq!(decision_times(&strict, "promote"), vec![t0 + 5 * tick]);
    let lenient = rehearse(
        &canary("istio", "", &analysis("    primaryReadyThreshold: 50\n")),
        &scenario("", "2s", update, 200, fault),
        None,
    );
    assert!(decisions_of(&lenient, "analysis")
        .iter()
        .all(|d| d.detail["wait"].is_null()));
    assert_eq!(decision_times(&lenient, "promote"), vec![t0 + 3 * tick]);
}

/// `mirrorWeight` (§1): while mirroring, that share of the primary's requests is copied to
/// the canary; `suspend` (§3): every tick does nothing, the update is never detected.
#[test]
fn mirror_weight_copies_a_share_and_suspend_does_nothing() {
    let (interval, update, iterations) = (20u64, 1u64, 5u64);
    let spec = canary(
        "istio",
        "",
        "    interval: 20s\n    threshold: 1\n    iterations: 5\n    mirror: true\n    mirrorWeight: 40\n",
    );
    let result = rehearse(&spec, &scenario("", "2s", update, 300, ""), None);
    let t0 = detection(update, interval);
    let tick = interval * SECOND;
    // Mirroring from the first iteration (t0+1) until the switch (t0+N+1).
    let mirrored_s = ((t0 + (iterations + 1) * tick) - (t0 + tick)) / SECOND;
    let expected = 50.0 * mirrored_s as f64 * 0.4;
    let copies = canary_requests(&result) as f64;
    // The copies, plus what the canary served after the switch until the promotion moved
    // the traffic back (two ticks at 100 %).
    let after_switch = 50.0 * (2 * interval) as f64;
    let share = (copies - after_switch) / expected;
    assert!(
        (0.9..1.1).contains(&share),
        "{copies} requests, {expected} copies expected"
    );
    let suspended = rehearse(
        &canary(
            "istio",
            "  suspend: true\n",
            "    interval: 20s\n    threshold: 1\n    stepWeight: 10\n",
        ),
        &scenario("", "2s", update, 300, ""),
        None,
    );
    assert!(decisions_of(&suspended, "step").is_empty());
    assert!(decisions_of(&suspended, "scale").is_empty());
    assert_eq!(report_rollout(&suspended)["phase"], "Initialized");
}
