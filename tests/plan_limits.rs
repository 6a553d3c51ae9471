//! `rehearse plan` on absurd documents: durations past u64 nanoseconds, tens of thousands of
//! steps, replica counts near i64::MAX. The plan must stay monotone and saturated (no wrapped
//! negative numbers) and take linear time in the step count.

mod common;

use rehearse::check::{check, Options};
use std::time::Instant;

fn rollout(replicas: i64, steps: &str) -> String {
    format!(
        "apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: huge
spec:
  replicas: {replicas}
  selector:
    matchLabels:
      app: huge
  template:
    metadata:
      labels:
        app: huge
    spec:
      containers:
        - name: app
          image: nginx:1.19-alpine
  strategy:
    canary:
      maxSurge: \"100%\"
      steps:
{steps}"
    )
}

fn plan_of(text: &str, options: &rehearse::plan::Options) -> rehearse::plan::RolloutPlan {
    let checked = check(
        common::sim::inputs(&[("huge.yaml", text)]),
        &Options::default(),
    );
    let mut plans = rehearse::plan::plan(&checked.project, &checked.sources, options);
    assert_eq!(plans.len(), 1);
    plans.remove(0)
}

#[test]
fn pauses_past_u64_nanoseconds_saturate_instead_of_wrapping() {
    // 2562047h is the longest Go duration; three of them overflow u64 nanoseconds.
    let steps = "        - pause: {duration: 2562047h}\n".repeat(3);
    let plan = plan_of(&rollout(3, &steps), &Default::default());
    assert_eq!(plan.total_min_ns, u64::MAX);
    assert_eq!(plan.total_max_ns, Some(u64::MAX));
    let starts: Vec<u64> = plan.steps.iter().map(|s| s.start_ns).collect();
    assert!(starts.windows(2).all(|w| w[0] <= w[1]), "{starts:?}");
    let human = rehearse::plan::to_human(&[plan]);
    assert!(!human.contains("-"), "a negative duration:\n{human}");
}

#[test]
fn replicas_near_i64_max_give_no_wrapped_counts() {
    let steps = "        - setWeight: 50\n        - pause: {duration: 10s}\n";
    let options = rehearse::plan::Options {
        replicas: Some(i64::MAX),
        ..Default::default()
    };
    let plan = plan_of(&rollout(3, steps), &options);
    for s in &plan.steps {
        assert!(
            s.canary_replicas >= 0 && s.stable_replicas >= 0,
            "{}: canary {} stable {}",
            s.action,
            s.canary_replicas,
            s.stable_replicas
        );
        assert!((0.0..=100.0).contains(&s.traffic_weight), "{}", s.action);
    }
    assert_eq!(plan.steps.last().unwrap().canary_replicas, i64::MAX);
}

#[test]
fn fifty_thousand_steps_plan_in_linear_time() {
    // One setWeight, then pauses: each step's weight is found by looking back to it, which
    // made the plan quadratic (20 s here before; 0.1 s now).
    let steps = format!(
        "        - setWeight: 10\n{}",
        "        - pause: {duration: 1s}\n".repeat(49_999)
    );
    let text = rollout(10, &steps);
    let checked = check(
        common::sim::inputs(&[("huge.yaml", &text)]),
        &Options::default(),
    );
    let started = Instant::now();
    let plans = rehearse::plan::plan(&checked.project, &checked.sources, &Default::default());
    let elapsed = started.elapsed();
    assert_eq!(plans[0].steps.len(), 50_001);
    assert!(plans[0].steps[..50_000].iter().all(|s| s.weight == 10));
    // Generous for a loaded 2-core CI machine.
    assert!(elapsed.as_secs() < 5, "{elapsed:?}");
}
