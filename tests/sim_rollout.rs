//! Rehearsing Argo Rollouts and Flagger (issue 12, Rehearse): specs/rollouts' canary whose error rate
//! rises at step 3 aborts at the analysis that first sees it, at the time ARGO.md §4 and §5
//! imply — computed here from the step list, the template and the scenario, not by the
//! simulator — and the run report is byte-identical for a seed.

mod common;

use common::sim::checked_without_errors;
use rehearse::check::Input;
use rehearse::ir::rollout::{PauseDuration, Step};
use rehearse::ir::scenario::FaultKind;
use rehearse::sim::{RunOptions, RunResult};

const SCENARIO: &str = "shop-errors-at-step-3";

fn project_files() -> Vec<Input> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/specs/rollouts");
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .expect("specs/rollouts")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yml" || x == "yaml"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            Input::reported(
                format!(
                    "specs/rollouts/{}",
                    p.file_name().unwrap().to_string_lossy()
                ),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect()
}

fn rehearse(scenario: &str, seed: Option<u64>) -> RunResult {
    let checked = checked_without_errors(project_files());
    common::sim::rehearsed(
        &checked.project,
        RunOptions {
            scenario: Some(scenario.into()),
            seed,
            ..Default::default()
        },
    )
}

const SECOND: u64 = 1_000_000_000;

/// The times the reference implies, from the spec alone: (step 3 starts, the rollout aborts).
fn expected_times() -> (u64, u64, u64) {
    let checked = checked_without_errors(project_files());
    let project = &checked.project;
    let scenario = project
        .scenarios
        .iter()
        .find(|s| s.name.value == SCENARIO)
        .unwrap();
    let rollout = &project.rollouts.rollouts[0];
    let canary = rollout.canary.as_ref().unwrap();
    let update_at = scenario.rollouts.updates[0].at_ns;
    let startup = scenario
        .behaviors
        .iter()
        .find(|b| b.service.value == "shop:canary")
        .and_then(|b| b.startup_ns)
        .unwrap();
    // §2: a setWeight completes once the canary pods it adds are available (each of this
    // rollout's setWeights adds one: 5 replicas, 20 points a step), a pause's timer starts
    // when it is reached; step 3 is the analysis.
    let mut t = update_at;
    let mut previous_pods = 0;
    let analysis_index = canary
        .steps
        .iter()
        .position(|s| matches!(s.value, Step::Analysis(_)))
        .unwrap();
    assert_eq!(analysis_index, 3, "the example's analysis is its step 3");
    for step in &canary.steps[..analysis_index] {
        match &step.value {
            Step::SetWeight(w) => {
                let pods = (rollout.replicas() * w + 99) / 100;
                assert!(pods > previous_pods, "each setWeight starts a canary pod");
                previous_pods = pods;
                t += startup;
            }
            Step::Pause(PauseDuration::Nanos(n)) => t += n,
            other => panic!("unexpected step {other:?}"),
        }
    }
    let step3 = t;
    let fault_at = scenario
        .faults
        .iter()
        .find(|f| matches!(&f.kind, FaultKind::Errors { service, .. } if service.value == "shop:canary"))
        .unwrap()
        .at_ns;
    // §4.4: measurements at start + initialDelay + k·interval; each reads the last interval
    // of the canary's requests, so the first to see the errors is the first after the fault;
    // with the errors well over the condition's 5 %, every later one fails too, and the
    // metric fails at the (failureLimit + 1)-th failure. §5: the abort is immediate.
    let template = &project
        .rollouts
        .templates
        .iter()
        .find(|t| t.meta.name() == "error-rate")
        .unwrap();
    let metric = &template.metrics[0];
    let interval = metric.interval_ns().unwrap();
    let failure_limit = metric.failure_limit() as u64;
    let mut first_seeing = step3 + metric.initial_delay_ns();
    while first_seeing <= fault_at {
        first_seeing += interval;
    }
    (step3, fault_at, first_seeing + failure_limit * interval)
}

#[test]
fn errors_at_step_3_abort_at_the_analysis_that_sees_them() {
    let (step3, fault_at, abort_at) = expected_times();
    assert_eq!(
        fault_at, step3,
        "the scenario raises the error rate as step 3 starts"
    );
    assert_eq!(
        abort_at,
        200 * SECOND,
        "1m + 10s + 1m + 10s, then 2 failing 30 s windows"
    );
    let result = rehearse(SCENARIO, None);
    let reached = result
        .decisions
        .iter()
        .find(|d| d.kind == "step" && d.detail["index"] == 3)
        .expect("step 3 reached");
    assert_eq!(reached.t, step3);
    let aborts: Vec<_> = result
        .decisions
        .iter()
        .filter(|d| d.kind == "abort")
        .collect();
    assert_eq!(aborts.len(), 1);
    assert_eq!(aborts[0].t, abort_at);
    assert_eq!(
        aborts[0].detail["message"],
        "Step-based analysis phase failed"
    );
    assert_eq!(aborts[0].detail["step"], 3);
    // The failing measurements are the step run's, after the fault.
    let failed: Vec<u64> = result
        .decisions
        .iter()
        .filter(|d| d.kind == "analysis" && d.detail["measurement"] == "Failed")
        .map(|d| d.t)
        .collect();
    assert_eq!(failed, vec![abort_at - 30 * SECOND, abort_at]);
    // §5: all traffic back to the stable pods, the canary scaled down.
    let last_weights = result
        .decisions
        .iter()
        .rev()
        .find(|d| matches!(d.kind, "weights" | "rollback"))
        .unwrap();
    assert_eq!(last_weights.detail["shop:canary"], 0);
    let report = result.to_json();
    let rollout = &report["rollouts"][0];
    assert_eq!(rollout["phase"], "Degraded");
    assert_eq!(rollout["aborted_at_s"], 200.0);
    assert_eq!(rollout["canary_replicas"], 0);
    assert_eq!(rollout["stable_replicas"], 5);
    assert!(result.passed(), "{:?}", result.expectations);
}

#[test]
fn same_seed_same_report() {
    let a = serde_json::to_string(&rehearse(SCENARIO, Some(11)).to_json()).unwrap();
    let b = serde_json::to_string(&rehearse(SCENARIO, Some(11)).to_json()).unwrap();
    assert_eq!(a, b);
    let c = serde_json::to_string(&rehearse(SCENARIO, Some(12)).to_json()).unwrap();
    assert_ne!(a, c, "another seed draws other requests");
}

/// Flagger (FLAGGER.md §3, §7, §9): specs/rollouts' podinfo canary, whose error rate rises when
/// its weight reaches its third step, rolls back on the tick `threshold` failing ticks later.
mod flagger {
    use super::*;

    const SCENARIO: &str = "podinfo-errors-at-step-3";

    fn rehearse(seed: Option<u64>) -> RunResult {
        super::rehearse(SCENARIO, seed)
    }

    /// (step 3 reached, fault, rollback) from the Canary's analysis and the scenario alone.
    fn expected_times() -> (u64, u64, u64) {
        let checked = checked_without_errors(project_files());
        let project = &checked.project;
        let scenario = project
            .scenarios
            .iter()
            .find(|s| s.name.value == SCENARIO)
            .unwrap();
        let canary = project
            .rollouts
            .canaries
            .iter()
            .find(|c| c.meta.name() == "podinfo")
            .unwrap();
        let analysis = canary.analysis.as_ref().unwrap();
        let interval = analysis.interval.as_ref().and_then(|(_, n)| *n).unwrap();
        let step_weight = analysis.step_weight.as_ref().unwrap().value;
        let threshold = analysis.threshold.as_ref().unwrap().value as u64;
        let update_at = scenario.rollouts.updates[0].at_ns;
        let startup = scenario
            .behaviors
            .iter()
            .find(|b| b.service.value == "podinfo:canary")
            .and_then(|b| b.startup_ns)
            .unwrap();
        assert!(
            startup < interval,
            "the canary is ready by the tick after detection"
        );
        // §3: the scheduler ticks every interval; the first tick at or after the update only
        // detects it (weight 0); each later passing tick adds stepWeight.
        let detect = update_at.div_ceil(interval) * interval;
        let steps_to_30 = (30 / step_weight) as u64;
        assert_eq!(steps_to_30, 3);
        let step3 = detect + steps_to_30 * interval;
        let fault_at = scenario
            .faults
            .iter()
            .find(|f| matches!(&f.kind, FaultKind::Errors { service, .. } if service.value == "podinfo:canary"))
            .unwrap()
            .at_ns;
        // §7: each tick's check reads the last interval, so every tick after the fault fails;
        // after `threshold` failing ticks the next one rolls back.
        let first_failing = step3 + interval;
        assert!(
            fault_at <= step3,
            "the errors are there for the whole first window"
        );
        (step3, fault_at, first_failing + threshold * interval)
    }

    #[test]
    fn errors_at_step_3_roll_back_threshold_ticks_later() {
        let (step3, _fault_at, rollback_at) = expected_times();
        assert_eq!(
            rollback_at,
            420 * SECOND,
            "detect 1m, weights at 2m 3m 4m, fails 5m 6m"
        );
        let result = rehearse(None);
        let d = &result.decisions;
        let reached = d
            .iter()
            .find(|d| d.kind == "step" && d.detail["index"] == 3)
            .expect("step 3 reached");
        assert_eq!(reached.t, step3);
        assert_eq!(reached.detail["action"], "canary weight 30");
        let failed: Vec<u64> = d
            .iter()
            .filter(|d| d.kind == "analysis" && d.detail["measurement"] == "Failed")
            .map(|d| d.t)
            .collect();
        assert_eq!(
            failed,
            vec![rollback_at - 2 * 60 * SECOND, rollback_at - 60 * SECOND]
        );
        let aborts: Vec<_> = d.iter().filter(|d| d.kind == "abort").collect();
        assert_eq!(aborts.len(), 1);
        assert_eq!(aborts[0].t, rollback_at);
        assert_eq!(aborts[0].detail["step"], 3);
        let rollback = d.iter().find(|d| d.kind == "rollback").expect("rollback");
        assert_eq!(rollback.t, rollback_at);
        assert_eq!(rollback.detail["podinfo:canary"], 0);
        assert!(!d.iter().any(|d| d.kind == "promote"));
        let report = result.to_json();
        let rollout = &report["rollouts"][0];
        assert_eq!(rollout["kind"], "flagger");
        assert_eq!(rollout["phase"], "Failed");
        assert_eq!(rollout["aborted_at_s"], 420.0);
        assert_eq!(rollout["failed_checks"], 2);
        assert_eq!(rollout["canary_replicas"], 0);
        assert_eq!(rollout["canary_weight"], 0);
        assert!(result.passed(), "{:?}", result.expectations);
    }

    #[test]
    fn same_seed_same_report() {
        let a = serde_json::to_string(&rehearse(Some(5)).to_json()).unwrap();
        let b = serde_json::to_string(&rehearse(Some(5)).to_json()).unwrap();
        assert_eq!(a, b);
    }

    /// §3, §9: a healthy canary behind a `confirm-promotion` gate the scenario opens late
    /// waits at maxWeight, promotes on the first tick the gate is open, routes everything to
    /// the primary on the next and scales the canary to 0 on the one after.
    #[test]
    fn gated_promotion_follows_the_tick_model() {
        let spec = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/specs/rollouts/podinfo-canary.yaml"
        ))
        .unwrap()
        .replacen(
            "    metrics:\n",
            "    webhooks:\n      - name: gate\n        type: confirm-promotion\n        url: http://gate.test/\n    metrics:\n",
            1,
        );
        let scenario = "kind: scenario
name: gated
duration: 15m
deploy:
  - canary: podinfo
behaviors:
  podinfo:stable: {latency: {p50: 20ms, p99: 80ms}}
  podinfo:canary: {latency: {p50: 20ms, p99: 90ms}, startup: 10s}
traffic:
  - to: podinfo
    rate: 50/s
update: {at: 30s, canary: podinfo, to: v2}
webhooks: {gate: {at: 9m30s}}
";
        let checked = checked_without_errors(common::sim::inputs(&[
            ("podinfo-canary.yaml", &spec),
            ("gated.yaml", scenario),
        ]));
        let result = common::sim::rehearsed(&checked.project, RunOptions::default());
        let minute = 60 * SECOND;
        // Ticks every minute: detection at 1m, weights 10..50 (K = 5) at 2m..6m, the gate is
        // closed at 7m, 8m, 9m and open at 10m: promote; 11m: 100/0; 12m: canary to 0.
        let weights_at: Vec<u64> = result
            .decisions
            .iter()
            .filter(|d| d.kind == "step" && d.detail["index"] != 0)
            .map(|d| d.t)
            .collect();
        assert_eq!(weights_at, (2..=6).map(|k| k * minute).collect::<Vec<_>>());
        let at = |kind: &str| {
            result
                .decisions
                .iter()
                .find(|d| d.kind == kind)
                .map(|d| d.t)
        };
        assert_eq!(at("pause"), Some(7 * minute));
        assert_eq!(at("promote"), Some(10 * minute));
        let last_weights = result
            .decisions
            .iter()
            .rev()
            .find(|d| d.kind == "weights")
            .unwrap();
        assert_eq!(
            (last_weights.t, &last_weights.detail["podinfo:canary"]),
            (11 * minute, &serde_json::json!(0))
        );
        let last_scale = result
            .decisions
            .iter()
            .rev()
            .find(|d| d.kind == "scale")
            .unwrap();
        assert_eq!(
            (last_scale.t, &last_scale.detail["replicas"]),
            (12 * minute, &serde_json::json!(0))
        );
        let report = result.to_json();
        assert_eq!(report["rollouts"][0]["phase"], "Succeeded");
        assert_eq!(report["rollouts"][0]["failed_checks"], 0);
    }
}
