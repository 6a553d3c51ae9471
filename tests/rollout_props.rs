//! Invariants of Argo canaries over random step lists (issue 12): in `rehearse plan` and in the
//! rehearsal, weights stay within 0–100, a basic canary never holds more pods than
//! `replicas + maxSurge`, and time never goes backwards; on the happy path the rehearsal
//! reaches every step when the plan says (basic and traffic-routed canaries, header and
//! mirror route steps included).

mod common;

use common::sim::{argo_rollout, checked_without_errors, inputs};
use proptest::prelude::*;
use rehearse::sim::{run, RunOptions};

#[derive(Clone, Debug)]
enum TestStep {
    SetWeight(u8),
    Pause(u16),
}

fn step() -> impl Strategy<Value = TestStep> {
    prop_oneof![
        (0u8..=100).prop_map(TestStep::SetWeight),
        (1u16..=90).prop_map(TestStep::Pause),
    ]
}

/// A basic canary (no traffic router): traffic follows the ready pods.
fn rollout(replicas: u32, max_surge: &str, max_unavailable: &str, steps: &[TestStep]) -> String {
    let mut text = argo_rollout(
        replicas,
        "",
        &format!(
            "      maxSurge: {max_surge}
      maxUnavailable: {max_unavailable}
      steps:
"
        ),
    );
    for step in steps {
        match step {
            TestStep::SetWeight(w) => text.push_str(&format!("        - setWeight: {w}\n")),
            TestStep::Pause(s) => text.push_str(&format!("        - pause: {{duration: {s}s}}\n")),
        }
    }
    text
}

fn scenario(pause_total_s: u64, steps: usize) -> String {
    // Long enough for every pause and every pod start (one per step at most), then some.
    let duration = 30 + pause_total_s + 10 * steps as u64 + 60;
    format!(
        "kind: scenario
name: random-steps
duration: {duration}s
deploy:
  - rollout: shop
behaviors:
  shop:stable: {{latency: {{p50: 10ms, p99: 40ms}}}}
  shop:canary: {{latency: {{p50: 10ms, p99: 40ms}}, startup: 5s}}
traffic:
  - to: shop
    rate: 20/s
update: {{at: 10s, rollout: shop, to: v2}}
"
    )
}

/// `maxSurge`/`maxUnavailable` as written and as a pod count for `replicas` (Argo rounds a
/// surge percentage up).
fn surge() -> impl Strategy<Value = (String, u32)> {
    prop_oneof![
        (0u32..=3).prop_map(|n| (n.to_string(), n)),
        (1u32..=100).prop_map(|p| (format!("\"{p}%\""), p)),
    ]
}

fn surge_pods(written: &str, value: u32, replicas: u32) -> u64 {
    if written.ends_with("%\"") {
        (u64::from(value) * u64::from(replicas)).div_ceil(100)
    } else {
        u64::from(value)
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(common::proptest_cases()))]

    #[test]
    fn plans_keep_weights_pods_and_time_in_bounds(
        replicas in 1u32..=10,
        (surge_text, surge_value) in surge(),
        steps in prop::collection::vec(step(), 1..12),
    ) {
        // maxUnavailable 0 with a surge of 0 pods is refused by Argo; 1 keeps every case valid.
        let text = rollout(replicas, &surge_text, "1", &steps);
        let checked = checked_without_errors(inputs(&[("rollout.yaml", &text)]));
        let plans = rehearse::plan::plan(&checked.project, &checked.sources, &Default::default());
        prop_assert_eq!(plans.len(), 1);
        let plan = &plans[0];
        let ceiling = u64::from(replicas) + surge_pods(&surge_text, surge_value, replicas);
        let mut last_start = 0;
        for row in &plan.steps {
            prop_assert!((0..=100).contains(&row.weight), "{row:?}");
            prop_assert!((0.0..=100.0).contains(&row.traffic_weight), "{row:?}");
            prop_assert!(row.canary_replicas >= 0 && row.stable_replicas >= 0, "{row:?}");
            let pods = (row.canary_replicas + row.stable_replicas) as u64;
            prop_assert!(pods <= ceiling, "{pods} pods > {ceiling}: {row:?}");
            prop_assert!(row.start_ns >= last_start, "time went back: {row:?}");
            if let Some(end) = row.end_ns {
                prop_assert!(end >= row.start_ns, "{row:?}");
            }
            last_start = row.start_ns;
        }
    }

    #[test]
    fn rehearsals_keep_weights_pods_and_time_in_bounds(
        replicas in 1u32..=6,
        (surge_text, surge_value) in surge(),
        steps in prop::collection::vec(step(), 1..6),
        seed in 0u64..1000,
    ) {
        let text = rollout(replicas, &surge_text, "1", &steps);
        let pauses: u64 = steps
            .iter()
            .map(|s| match s {
                TestStep::Pause(s) => u64::from(*s),
                TestStep::SetWeight(_) => 0,
            })
            .sum();
        let scenario = scenario(pauses, steps.len());
        let checked = checked_without_errors(inputs(&[
            ("rollout.yaml", &text),
            ("scenario.yaml", &scenario),
        ]));
        let result = run(
            &checked.project,
            RunOptions { scenario: Some("random-steps".into()), seed: Some(seed), ..Default::default() },
        )
        .map_err(|d| TestCaseError::fail(format!("{:?}", d.iter().map(|d| &d.message).collect::<Vec<_>>())))?;
        let ceiling = u64::from(replicas) + surge_pods(&surge_text, surge_value, replicas);
        let mut last = 0;
        let mut promoted = false;
        for decision in &result.decisions {
            prop_assert!(decision.t >= last, "time went back at {decision:?}");
            last = decision.t;
            match decision.kind {
                "weights" | "rollback" => {
                    for (route, weight) in decision.detail.as_object().into_iter().flatten() {
                        let weight = weight.as_f64().unwrap_or(-1.0);
                        prop_assert!((0.0..=100.0).contains(&weight), "{route}: {decision:?}");
                    }
                }
                "scale" if decision.target == "shop" => {
                    let side = |key: &str| decision.detail[key].as_u64();
                    if let (Some(stable), Some(canary)) = (side("stable"), side("canary")) {
                        prop_assert!(stable + canary <= ceiling, "{stable}+{canary} > {ceiling}: {decision:?}");
                    }
                }
                "promote" => promoted = true,
                _ => {}
            }
        }
        // Nothing in these scenarios fails or waits for a person: every rollout completes.
        prop_assert!(promoted, "never promoted: {:?}", result.decisions.iter().map(|d| (d.t, d.kind)).collect::<Vec<_>>());
    }
}

/// A step of a traffic-routed (Istio) canary with managed routes.
#[derive(Clone, Debug)]
enum RoutedStep {
    SetWeight(u8),
    Pause(u16),
    /// Sets (`true`) or removes the header route.
    HeaderRoute(bool),
    /// Sets the mirror route with this percentage, or removes it.
    MirrorRoute(Option<u8>),
    CanaryScaleReplicas(u8),
    CanaryScaleWeight(u8),
    CanaryScaleMatch,
}

fn routed_step() -> impl Strategy<Value = RoutedStep> {
    prop_oneof![
        3 => (0u8..=100).prop_map(RoutedStep::SetWeight),
        2 => (1u16..=90).prop_map(RoutedStep::Pause),
        2 => any::<bool>().prop_map(RoutedStep::HeaderRoute),
        2 => prop::option::of(0u8..=100).prop_map(RoutedStep::MirrorRoute),
        1 => (0u8..=8).prop_map(RoutedStep::CanaryScaleReplicas),
        1 => (0u8..=100).prop_map(RoutedStep::CanaryScaleWeight),
        1 => Just(RoutedStep::CanaryScaleMatch),
    ]
}

fn routed_rollout(replicas: u32, steps: &[RoutedStep]) -> String {
    let mut text = argo_rollout(
        replicas,
        "",
        "      canaryService: shop-canary
      stableService: shop-stable
      trafficRouting:
        managedRoutes:
          - name: header
          - name: mirror
        istio:
          virtualService:
            name: shop-vsvc
            routes: [primary]
      steps:
",
    );
    for step in steps {
        let line = match step {
            RoutedStep::SetWeight(w) => format!("- setWeight: {w}"),
            RoutedStep::Pause(s) => format!("- pause: {{duration: {s}s}}"),
            RoutedStep::HeaderRoute(true) => "- setHeaderRoute: {name: header, match: [{headerName: x-canary, headerValue: {exact: \"yes\"}}]}".to_owned(),
            RoutedStep::HeaderRoute(false) => "- setHeaderRoute: {name: header}".to_owned(),
            RoutedStep::MirrorRoute(Some(p)) => format!("- setMirrorRoute: {{name: mirror, percentage: {p}, match: [{{method: {{exact: GET}}}}]}}"),
            RoutedStep::MirrorRoute(None) => "- setMirrorRoute: {name: mirror}".to_owned(),
            RoutedStep::CanaryScaleReplicas(n) => format!("- setCanaryScale: {{replicas: {n}}}"),
            RoutedStep::CanaryScaleWeight(w) => format!("- setCanaryScale: {{weight: {w}}}"),
            RoutedStep::CanaryScaleMatch => "- setCanaryScale: {matchTrafficWeight: true}".to_owned(),
        };
        text.push_str(&format!("        {line}\n"));
    }
    text
}

/// Pods start at once, as `rehearse plan` assumes; the routes match some requests.
fn routed_scenario(pause_total_s: u64) -> String {
    let duration = UPDATE_AT_S + pause_total_s + 60;
    format!(
        "kind: scenario
name: routed-steps
duration: {duration}s
deploy:
  - rollout: shop
behaviors:
  shop:stable: {{latency: 10ms}}
  shop:canary: {{latency: 10ms}}
traffic:
  - to: shop
    rate: 5/s
update: {{at: {UPDATE_AT_S}s, rollout: shop, to: v2}}
routes: {{header: 30%, mirror: 50%}}
"
    )
}

const UPDATE_AT_S: u64 = 10;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(common::proptest_cases()))]

    /// On the happy path (pods ready at once, nothing failing) the rehearsal reaches each
    /// step, and promotes, at the time `rehearse plan` gives it (shifted by the update's
    /// start): route steps take no time, setWeight and setCanaryScale wait only for pods.
    #[test]
    fn rehearsal_step_times_equal_the_plan(
        replicas in 1u32..=6,
        steps in prop::collection::vec(routed_step(), 1..10),
        seed in 0u64..1000,
    ) {
        let text = routed_rollout(replicas, &steps);
        let pauses: u64 = steps
            .iter()
            .map(|s| match s {
                RoutedStep::Pause(s) => u64::from(*s),
                _ => 0,
            })
            .sum();
        let scenario = routed_scenario(pauses);
        let checked = checked_without_errors(inputs(&[
            ("rollout.yaml", &text),
            ("scenario.yaml", &scenario),
        ]));
        let plans = rehearse::plan::plan(&checked.project, &checked.sources, &Default::default());
        prop_assert_eq!(plans.len(), 1);
        let offset = UPDATE_AT_S * 1_000_000_000;
        let planned: Vec<(usize, u64)> = plans[0]
            .steps
            .iter()
            .map(|row| (row.index, row.start_ns + offset))
            .collect();
        let result = run(
            &checked.project,
            RunOptions { scenario: Some("routed-steps".into()), seed: Some(seed), ..Default::default() },
        )
        .map_err(|d| TestCaseError::fail(format!("{:?}", d.iter().map(|d| &d.message).collect::<Vec<_>>())))?;
        prop_assert!(
            result.decisions.iter().any(|d| d.kind == "promote"),
            "never promoted: {:?}",
            result.decisions.iter().map(|d| (d.t, d.kind, d.detail.to_string())).collect::<Vec<_>>()
        );
        let rehearsed = rehearsed_step_times(&result, steps.len());
        prop_assert_eq!(rehearsed, planned);
        // No managed route outlives the promotion.
        let promotion = result.decisions.iter().position(|d| d.kind == "promote").unwrap_or(0);
        let routes_after: Vec<_> = result.decisions[promotion..]
            .iter()
            .filter(|d| d.kind == "route" && d.detail["action"] != "removed all")
            .collect();
        prop_assert!(routes_after.is_empty(), "{routes_after:?}");
    }
}

/// The step times of a rehearsal, the promotion standing for the last "step" (all steps
/// complete), as `(index, t)`.
fn rehearsed_step_times(result: &rehearse::sim::RunResult, steps: usize) -> Vec<(usize, u64)> {
    let promoted = result
        .decisions
        .iter()
        .find(|d| d.kind == "promote")
        .map_or(u64::MAX, |d| d.t);
    result
        .decisions
        .iter()
        .filter(|d| d.kind == "step" && d.target == "shop")
        .map(|d| {
            let index = d.detail["index"].as_u64().unwrap_or(u64::MAX) as usize;
            (index, if index == steps { promoted } else { d.t })
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(common::proptest_cases()))]

    /// The same for a basic canary (traffic follows the ready pods), whose surge and
    /// unavailability bounds make some steps take several reconciles — all at one instant
    /// when pods start at once.
    #[test]
    fn basic_rehearsal_step_times_equal_the_plan(
        replicas in 1u32..=6,
        (surge_text, _) in surge(),
        steps in prop::collection::vec(step(), 1..8),
        seed in 0u64..1000,
    ) {
        let text = rollout(replicas, &surge_text, "1", &steps);
        let pauses: u64 = steps
            .iter()
            .map(|s| match s {
                TestStep::Pause(s) => u64::from(*s),
                TestStep::SetWeight(_) => 0,
            })
            .sum();
        let scenario = routed_scenario(pauses).replace("routes: {header: 30%, mirror: 50%}\n", "");
        let checked = checked_without_errors(inputs(&[
            ("rollout.yaml", &text),
            ("scenario.yaml", &scenario),
        ]));
        let plans = rehearse::plan::plan(&checked.project, &checked.sources, &Default::default());
        let offset = UPDATE_AT_S * 1_000_000_000;
        let planned: Vec<(usize, u64)> = plans[0]
            .steps
            .iter()
            .map(|row| (row.index, row.start_ns + offset))
            .collect();
        let result = run(
            &checked.project,
            RunOptions { scenario: Some("routed-steps".into()), seed: Some(seed), ..Default::default() },
        )
        .map_err(|d| TestCaseError::fail(format!("{:?}", d.iter().map(|d| &d.message).collect::<Vec<_>>())))?;
        prop_assert_eq!(rehearsed_step_times(&result, steps.len()), planned);
    }
}
