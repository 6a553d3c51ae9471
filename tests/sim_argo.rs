//! Rehearsing Argo Rollouts beyond analysis (issue 12): the progress deadline (ARGO.md §1, §2
//! end, §5) and managed header / mirror routes (§2 table, §3.3). Every expected time is
//! computed here from the spec and the scenario, not read from the simulator.

mod common;

use common::sim::{argo_rollout, checked_without_errors, decision_times, inputs, rehearsed};
use rehearse::sim::{RunOptions, RunResult};
use serde_json::json;

const SECOND: u64 = 1_000_000_000;

/// A basic canary of 5 pods with `steps` (YAML list items, indented by 8) and `extra` spec
/// lines (indented by 2).
fn basic_rollout(extra: &str, steps: &str) -> String {
    argo_rollout(5, extra, &format!("      steps:\n{steps}"))
}

fn run(files: &[(&str, &str)], scenario: &str) -> RunResult {
    let checked = checked_without_errors(inputs(files));
    rehearsed(
        &checked.project,
        RunOptions {
            scenario: Some(scenario.into()),
            ..Default::default()
        },
    )
}

/// The one-second requeue after the deadline at which Argo's strict `Before` test first
/// holds (`requeueStuckRollout` adds a second to the deadline).
const REQUEUE: u64 = SECOND;

mod progress_deadline {
    use super::*;

    const DEADLINE_S: u64 = 60;
    const UPDATE_S: u64 = 10;

    /// The canary's pods take an hour to start: step 0 (setWeight 20) never completes.
    fn never_ready(abort: bool) -> RunResult {
        let extra =
            format!("  progressDeadlineSeconds: {DEADLINE_S}\n  progressDeadlineAbort: {abort}\n");
        let rollout = basic_rollout(
            &extra,
            "        - setWeight: 20\n        - pause: {duration: 1m}\n",
        );
        let scenario = format!(
            "kind: scenario
name: stuck
duration: 5m
deploy:
  - rollout: shop
behaviors:
  shop:canary: {{startup: 1h}}
traffic:
  - to: shop
    rate: 20/s
update: {{at: {UPDATE_S}s, rollout: shop, to: v2}}
"
        );
        run(
            &[("rollout.yaml", &rollout), ("stuck.yaml", &scenario)],
            "stuck",
        )
    }

    /// §2 end: the last progress is the update itself (the canary's pod created at once);
    /// nothing becomes available after it, so the update times out a deadline later.
    #[test]
    fn a_canary_that_never_becomes_ready_degrades_the_rollout_at_the_deadline() {
        let expected = (UPDATE_S + DEADLINE_S) * SECOND + REQUEUE;
        let result = never_ready(false);
        assert_eq!(decision_times(&result, "degraded"), vec![expected]);
        let degraded = result
            .decisions
            .iter()
            .find(|d| d.kind == "degraded")
            .unwrap();
        assert_eq!(degraded.detail["reason"], "ProgressDeadlineExceeded");
        assert_eq!(degraded.detail["status"], "False");
        assert_eq!(degraded.detail["step"], 0);
        assert_eq!(degraded.detail["last_progress_s"], json!(UPDATE_S as f64));
        // Without progressDeadlineAbort the update is not aborted: it waits, Degraded.
        assert!(decision_times(&result, "abort").is_empty());
        let report = result.to_json();
        let rollout = &report["rollouts"][0];
        assert_eq!(rollout["phase"], "Degraded");
        assert_eq!(
            rollout["progress_deadline_exceeded_at_s"],
            json!(expected as f64 / SECOND as f64)
        );
        assert_eq!(rollout["aborted_at_s"], json!(null));
        assert_eq!(rollout["canary_replicas"], 1);
    }

    /// §5: with progressDeadlineAbort the timed-out update aborts at that moment: weight
    /// back to 0, the stable side back to 5 pods, the canary scaled down.
    #[test]
    fn progress_deadline_abort_aborts_at_the_deadline() {
        let expected = (UPDATE_S + DEADLINE_S) * SECOND + REQUEUE;
        let result = never_ready(true);
        assert_eq!(decision_times(&result, "degraded"), vec![expected]);
        assert_eq!(decision_times(&result, "abort"), vec![expected]);
        let abort = result.decisions.iter().find(|d| d.kind == "abort").unwrap();
        assert_eq!(
            abort.detail["message"],
            "Rollout \"shop\" has timed out progressing."
        );
        let report = result.to_json();
        let rollout = &report["rollouts"][0];
        assert_eq!(rollout["phase"], "Degraded");
        assert_eq!(
            rollout["aborted_at_s"],
            json!(expected as f64 / SECOND as f64)
        );
        assert_eq!(rollout["canary_replicas"], 0);
        assert_eq!(rollout["stable_replicas"], 5);
        assert_eq!(rollout["canary_weight"], 0);
    }

    /// The deadline is not measured during a pause (`isIndefiniteStep`): a pause three times
    /// the deadline passes; the clock starts again when the next step is reached, and the
    /// update times out a deadline after that when the canary's pods are killed there and
    /// stay down.
    #[test]
    fn pauses_do_not_count_and_the_clock_restarts_at_the_next_step() {
        let startup_s = 10;
        let pause_s = 3 * DEADLINE_S;
        let extra = format!("  progressDeadlineSeconds: {DEADLINE_S}\n");
        let rollout = basic_rollout(
            &extra,
            &format!(
                "        - setWeight: 20\n        - pause: {{duration: {pause_s}s}}\n        - setWeight: 40\n        - pause: {{duration: 1m}}\n"
            ),
        );
        // Step 0 completes when its pod is ready; the pause runs; step 2 starts a pod.
        let step2 = UPDATE_S + startup_s + pause_s;
        let kill_at = step2 + startup_s / 2;
        let scenario = format!(
            "kind: scenario
name: stalled
duration: 10m
deploy:
  - rollout: shop
behaviors:
  shop:canary: {{startup: {startup_s}s}}
traffic:
  - to: shop
    rate: 20/s
update: {{at: {UPDATE_S}s, rollout: shop, to: v2}}
faults:
  - {{at: {kill_at}s, kill: \"shop:canary\", restart_delay: 1h}}
"
        );
        let result = run(
            &[("rollout.yaml", &rollout), ("stalled.yaml", &scenario)],
            "stalled",
        );
        let reached = result
            .decisions
            .iter()
            .find(|d| d.kind == "step" && d.detail["index"] == 2)
            .expect("step 2 reached");
        assert_eq!(reached.t, step2 * SECOND);
        let expected = (step2 + DEADLINE_S) * SECOND + REQUEUE;
        assert_eq!(decision_times(&result, "degraded"), vec![expected]);
        let degraded = result
            .decisions
            .iter()
            .find(|d| d.kind == "degraded")
            .unwrap();
        assert_eq!(degraded.detail["step"], 2);
        assert!(decision_times(&result, "abort").is_empty());
    }

    /// Progress after a timeout (pods available at last) makes the rollout Progressing
    /// again (condition reason ReplicaSetUpdated) and the update goes on: slow pods time it
    /// out twice, at step 0 and waiting for full promotion, and it still completes.
    #[test]
    fn slow_pods_time_out_and_the_update_recovers_when_they_are_ready() {
        let startup_s = 90;
        let pause_s = 60;
        let extra = format!("  progressDeadlineSeconds: {DEADLINE_S}\n");
        // A surge of 100 %: the canary grows to all 5 pods in one resize at the end.
        let rollout = basic_rollout(
            &extra,
            &format!("        - setWeight: 20\n        - pause: {{duration: {pause_s}s}}\n"),
        )
        .replace("    canary:\n", "    canary:\n      maxSurge: \"100%\"\n");
        let scenario = format!(
            "kind: scenario
name: slow
duration: 10m
deploy:
  - rollout: shop
behaviors:
  shop:canary: {{startup: {startup_s}s}}
traffic:
  - to: shop
    rate: 20/s
update: {{at: {UPDATE_S}s, rollout: shop, to: v2}}
"
        );
        let result = run(
            &[("rollout.yaml", &rollout), ("slow.yaml", &scenario)],
            "slow",
        );
        // Step 0's pod: created at the update, ready a startup later; the pause; then the
        // canary grows to all 5 pods at once and waits a startup for them: promotion.
        let first_ready = UPDATE_S + startup_s;
        let full_scale = first_ready + pause_s;
        let promoted_at = full_scale + startup_s;
        let s = |t: u64| t * SECOND;
        assert_eq!(
            decision_times(&result, "degraded"),
            vec![
                s(UPDATE_S + DEADLINE_S) + REQUEUE,
                s(full_scale + DEADLINE_S) + REQUEUE
            ]
        );
        assert_eq!(
            decision_times(&result, "progressing"),
            vec![s(first_ready), s(promoted_at)]
        );
        assert_eq!(decision_times(&result, "promote"), vec![s(promoted_at)]);
        let report = result.to_json();
        assert_eq!(report["rollouts"][0]["phase"], "Healthy");
        assert_eq!(
            report["rollouts"][0]["progress_deadline_exceeded_at_s"],
            json!(null)
        );
    }

    #[test]
    fn same_seed_same_report() {
        let a = serde_json::to_string(&never_ready(true).to_json()).unwrap();
        let b = serde_json::to_string(&never_ready(true).to_json()).unwrap();
        assert_eq!(a, b);
    }
}

mod routes {
    use super::*;

    const RATE: f64 = 100.0;
    const STARTUP_S: u64 = 5;
    const UPDATE_S: u64 = 10;
    const PAUSE_S: u64 = 60;
    const HEADER_SHARE: f64 = 0.20;
    const MIRROR_SHARE: f64 = 0.40;
    const MIRROR_PERCENTAGE: f64 = 0.50;

    /// An Istio-routed canary held at weight 0 with one pod (setCanaryScale), a header
    /// route set at step 1, a mirror route at step 3, the header route removed at step 5,
    /// and a background analysis reading the canary's request rate every 30 s.
    fn rollout() -> String {
        argo_rollout(
            5,
            "",
            &format!(
                "      canaryService: shop-canary
      stableService: shop-stable
      trafficRouting:
        managedRoutes:
          - name: header-route
          - name: mirror-route
        istio:
          virtualService:
            name: shop-vsvc
            routes:
              - primary
      analysis:
        templates:
          - templateName: canary-rate
      steps:
        - setCanaryScale: {{replicas: 1}}
        - setHeaderRoute:
            name: header-route
            match:
              - headerName: x-canary
                headerValue: {{exact: \"yes\"}}
        - pause: {{duration: {PAUSE_S}s}}
        - setMirrorRoute:
            name: mirror-route
            percentage: {percentage}
            match:
              - method: {{exact: GET}}
        - pause: {{duration: {PAUSE_S}s}}
        - setHeaderRoute:
            name: header-route
        - pause: {{duration: {PAUSE_S}s}}
---
apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata:
  name: canary-rate
spec:
  metrics:
    - name: canary-rate
      interval: 30s
      successCondition: result[0] >= 0
      provider:
        prometheus:
          address: http://prometheus.monitoring:9090
          query: sum(rate(requests_total{{service=\"shop-canary\"}}[30s]))
",
                percentage = (MIRROR_PERCENTAGE * 100.0) as u32
            ),
        )
    }

    fn scenario(routes: &str) -> String {
        format!(
            "kind: scenario
name: routed
duration: 5m
deploy:
  - rollout: shop
behaviors:
  shop:stable: {{latency: 10ms}}
  shop:canary: {{latency: 10ms, startup: {STARTUP_S}s}}
traffic:
  - to: shop
    rate: {RATE}/s
update: {{at: {UPDATE_S}s, rollout: shop, to: v2}}
measurements:
  canary-rate: rate
{routes}"
        )
    }

    fn shares() -> String {
        format!(
            "routes:\n  header-route: {}%\n  mirror-route: {}%\n",
            HEADER_SHARE * 100.0,
            MIRROR_SHARE * 100.0
        )
    }

    fn rehearse(seed: u64) -> RunResult {
        let checked = checked_without_errors(inputs(&[
            ("rollout.yaml", &rollout()),
            ("routed.yaml", &scenario(&shares())),
        ]));
        let warnings: Vec<_> = checked
            .diagnostics
            .iter()
            .filter(|d| d.code.id == "S045")
            .collect();
        assert!(warnings.is_empty(), "{warnings:?}");
        rehearsed(
            &checked.project,
            RunOptions {
                scenario: Some("routed".into()),
                seed: Some(seed),
                ..Default::default()
            },
        )
    }

    /// §2: route steps complete at once; §3.3: the step's route is set in the reconcile that
    /// reaches it, and all managed routes go at promotion.
    #[test]
    fn routes_are_set_when_their_step_is_reached_and_removed_at_promotion() {
        let result = rehearse(1);
        // Step 0 waits for its one canary pod; steps 1 and 2 start at once after it.
        let header_at = UPDATE_S + STARTUP_S;
        let mirror_at = header_at + PAUSE_S;
        let removed_at = mirror_at + PAUSE_S;
        // After the last pause the canary grows to 5 pods, ready a startup later: promotion.
        let promoted_at = removed_at + PAUSE_S + STARTUP_S;
        let routes: Vec<(u64, String, String)> = result
            .decisions
            .iter()
            .filter(|d| d.kind == "route")
            .map(|d| {
                (
                    d.t / SECOND,
                    d.detail["action"].as_str().unwrap().to_owned(),
                    d.detail["route"].as_str().unwrap_or("").to_owned(),
                )
            })
            .collect();
        let entry = |t: u64, action: &str, route: &str| (t, action.to_owned(), route.to_owned());
        assert_eq!(
            routes,
            vec![
                entry(header_at, "header", "header-route"),
                entry(mirror_at, "mirror", "mirror-route"),
                entry(removed_at, "removed", "header-route"),
                entry(promoted_at, "removed all", ""),
            ]
        );
        assert_eq!(
            decision_times(&result, "promote"),
            vec![promoted_at * SECOND]
        );
        let mirror = result
            .decisions
            .iter()
            .find(|d| d.kind == "route" && d.detail["action"] == "mirror")
            .unwrap();
        assert_eq!(mirror.detail["share"], json!(40));
        assert_eq!(mirror.detail["mirror_percentage"], json!(50));
    }

    /// What the canary receives, per 30 s measurement window: with the weight at 0, only the
    /// header route's share (users' requests), plus the mirrored copies; the copies count
    /// in the canary's metrics, not in the users' figures.
    #[test]
    fn the_canary_gets_the_header_share_and_the_mirrored_copies() {
        let result = rehearse(2);
        let header_at = UPDATE_S + STARTUP_S;
        let mirror_at = header_at + PAUSE_S;
        let removed_at = mirror_at + PAUSE_S;
        let rate_at = |t: u64| -> f64 {
            result
                .decisions
                .iter()
                .find(|d| {
                    d.kind == "analysis" && d.t == t * SECOND && d.detail["metric"] == "canary-rate"
                })
                .unwrap_or_else(|| panic!("a measurement at {t}s"))
                .detail["value"]
                .as_f64()
                .unwrap()
        };
        // Measurements every 30 s from the update on; each reads the 30 s before it.
        let measured: Vec<u64> = (0..9).map(|k| UPDATE_S + 30 * k).collect();
        let inside = |from: u64, to: u64| {
            *measured
                .iter()
                .find(|&&t| t >= from + 30 && t <= to)
                .expect("a window inside the phase")
        };
        // Header only: 20 % of the users' requests.
        let expected_header = RATE * HEADER_SHARE;
        // Header first, then the mirror matches 40 % of the rest; half of those are copied.
        let expected_both =
            RATE * (HEADER_SHARE + (1.0 - HEADER_SHARE) * MIRROR_SHARE * MIRROR_PERCENTAGE);
        let expected_mirror = RATE * MIRROR_SHARE * MIRROR_PERCENTAGE;
        // Poisson counts over 30 s: a standard deviation of about 1/s at these rates.
        for (t, expected) in [
            (inside(header_at, mirror_at), expected_header),
            (inside(mirror_at, removed_at), expected_both),
            (inside(removed_at, removed_at + PAUSE_S), expected_mirror),
        ] {
            let got = rate_at(t);
            assert!(
                (got - expected).abs() < 5.0,
                "at {t}s: {got}/s, expected {expected}/s"
            );
        }
        // Mirrored copies: none before the mirror route nor after promotion removed it.
        let report = result.to_json();
        let mirrored = report["rollouts"][0]["mirrored_requests"].as_f64().unwrap();
        let expected_copies = RATE
            * PAUSE_S as f64
            * ((1.0 - HEADER_SHARE) * MIRROR_SHARE * MIRROR_PERCENTAGE
                + MIRROR_SHARE * MIRROR_PERCENTAGE);
        assert!(
            (mirrored - expected_copies).abs() < 5.0 * expected_copies.sqrt(),
            "{mirrored} copies, expected about {expected_copies}"
        );
        // Users are counted once: the services answered their requests and the copies.
        let served = report["services"]["shop:stable"]["requests"]
            .as_f64()
            .unwrap()
            + report["services"]["shop:canary"]["requests"]
                .as_f64()
                .unwrap();
        let users = report["requests"].as_f64().unwrap();
        let in_flight = report["in_flight"].as_f64().unwrap();
        assert!(
            (served - mirrored - users).abs() <= in_flight + 1.0,
            "{served} - {mirrored} vs {users}"
        );
    }

    #[test]
    fn same_seed_same_report() {
        let a = serde_json::to_string(&rehearse(3).to_json()).unwrap();
        let b = serde_json::to_string(&rehearse(3).to_json()).unwrap();
        assert_eq!(a, b);
    }

    /// §5 / §3.3: an abort takes every managed route away with the weight.
    #[test]
    fn an_abort_removes_the_routes() {
        let abort_s = UPDATE_S + STARTUP_S + PAUSE_S + PAUSE_S / 2;
        let scenario = format!("{}abort: {{at: {abort_s}s}}\n", scenario(&shares()));
        let result = run(
            &[("rollout.yaml", &rollout()), ("routed.yaml", &scenario)],
            "routed",
        );
        assert_eq!(decision_times(&result, "abort"), vec![abort_s * SECOND]);
        let last = result
            .decisions
            .iter()
            .rev()
            .find(|d| d.kind == "route")
            .unwrap();
        assert_eq!(last.t, abort_s * SECOND);
        assert_eq!(last.detail["action"], "removed all");
        assert_eq!(last.detail["reason"], "aborted");
        // Both routes were in force: the mirror was set at its step, before the abort.
        let set: Vec<u64> = result
            .decisions
            .iter()
            .filter(|d| d.kind == "route" && d.detail["share"].is_number())
            .map(|d| d.t / SECOND)
            .collect();
        assert_eq!(
            set,
            vec![UPDATE_S + STARTUP_S, UPDATE_S + STARTUP_S + PAUSE_S]
        );
    }

    /// S045: a route step with no share in the scenario (assumed to match nothing), and a
    /// share for a route no step sets.
    #[test]
    fn missing_and_unread_shares_are_warned() {
        let checked = checked_without_errors(inputs(&[
            ("rollout.yaml", &rollout()),
            (
                "routed.yaml",
                &scenario("routes:\n  mirror-route: 10%\n  typo-route: 5%\n"),
            ),
        ]));
        let mut messages: Vec<&str> = checked
            .diagnostics
            .iter()
            .filter(|d| d.code.id == "S045")
            .map(|d| d.message.as_str())
            .collect();
        messages.sort_unstable();
        assert_eq!(messages.len(), 2, "{messages:?}");
        assert!(
            messages[0].contains("'typo-route': this share is never read"),
            "{messages:?}"
        );
        assert!(
            messages[1].contains("header route 'header-route' matches: the rehearsal assumes none"),
            "{messages:?}"
        );
        // Rehearsed anyway: the header route is set but sends nothing to the canary.
        let result = rehearsed(
            &checked.project,
            RunOptions {
                scenario: Some("routed".into()),
                ..Default::default()
            },
        );
        let header = result
            .decisions
            .iter()
            .find(|d| d.kind == "route" && d.detail["action"] == "header")
            .unwrap();
        assert_eq!(header.detail["share"], json!(0));
        assert_eq!(header.detail["share_given"], json!(false));
    }
}

/// specs/rollouts' example: the shop rollout's default deadline (600 s, ARGO.md §1) after
/// the update, plus the requeue second.
#[test]
fn the_spec_example_times_out_at_the_default_deadline() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/specs/rollouts");
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .expect("specs/rollouts")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yml" || x == "yaml"))
        .collect();
    paths.sort();
    let files: Vec<rehearse::check::Input> = paths
        .iter()
        .map(|p| {
            rehearse::check::Input::reported(p.display().to_string(), std::fs::read(p).unwrap())
        })
        .collect();
    let checked = checked_without_errors(files);
    let project = &checked.project;
    let rollout = &project.rollouts.rollouts[0];
    assert!(
        rollout.progress_deadline_seconds.is_none(),
        "the example keeps the default"
    );
    let scenario = project
        .scenarios
        .iter()
        .find(|s| s.name.value == "shop-canary-never-ready")
        .unwrap();
    let update_at = scenario.rollouts.updates[0].at_ns;
    let result = rehearsed(
        project,
        RunOptions {
            scenario: Some("shop-canary-never-ready".into()),
            ..Default::default()
        },
    );
    assert_eq!(
        decision_times(&result, "degraded"),
        vec![update_at + 600 * SECOND + REQUEUE]
    );
    assert!(decision_times(&result, "abort").is_empty());
    assert!(result.passed(), "{:?}", result.expectations);
}
