//! Workflows from YAML on the rehearsal's clock: Vamp's traffic generator
//! (reference/vamp/CANARY.md §1.1) as a periodic source publishing its responses on the bus,
//! event schedules woken by those events, and time schedules against a scenario `clock`.

use rehearse::check::{check, Checked, Input, Options};
use rehearse::sim::build::build;
use rehearse::sim::engine::{NANOS_PER_MS, NANOS_PER_SEC};
use rehearse::sim::world::World;

const SAVA: &str = r#"
kind: blueprint
name: sava:1.0
gateways:
  9050: sava/web
clusters:
  sava:
    services:
    - breed: sava:1.0
      scale: large
---
kind: breed
name: sava:1.0
deployable: magneticio/sava:1.0.0
ports:
  web: 8080/http
---
kind: scale
name: large
instances: 4
cpu: 0.1
memory: 64MB
"#;

const TRAFFIC: &str = r#"
kind: workflow
name: traffic
breed: traffic
schedule: daemon
environment_variables:
  PERIOD: 500
  PORT: 9050
  VAMP_WORKFLOW_EXECUTION_PERIOD: 0
  VAMP_WORKFLOW_EXECUTION_TIMEOUT: 0
"#;

fn checked(files: &[(&str, &str)]) -> Checked {
    let inputs = files
        .iter()
        .map(|(path, text)| Input {
            path: (*path).to_owned(),
            bytes: text.as_bytes().to_vec(),
            reported: true,
            forced_kind: None,
        })
        .collect();
    let checked = check(inputs, &Options::default());
    let errors: Vec<String> = checked
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| format!("{} {}", d.code.id, d.message))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    checked
}

fn world(checked: &Checked) -> World<'static> {
    let scenario = checked.project.scenarios.first().expect("one scenario");
    let (model, diagnostics) = build(&checked.project, scenario, 1);
    let model = model.unwrap_or_else(|| {
        panic!(
            "{:#?}",
            diagnostics
                .iter()
                .map(|d| format!("{} {}", d.code.id, d.message))
                .collect::<Vec<_>>()
        )
    });
    World::new(model, None)
}

/// `(t, value)` of every event carrying `tags`, seen by running in steps shorter than the
/// gap between two of them.
fn events(world: &mut World<'_>, tags: &[&str], step: u64) -> Vec<(u64, serde_json::Value)> {
    let mut seen: Vec<(u64, serde_json::Value)> = Vec::new();
    let mut t = 0;
    while t < world.model.duration {
        t += step;
        world.run_until(t);
        if let Some(event) = world.bus.latest_with(tags) {
            if seen.last().is_none_or(|(at, _)| *at != event.t) {
                seen.push((event.t, event.value.clone()));
            }
        }
    }
    seen
}

/// Arrival time of the traffic workflow's request number `count` (1-based): the first tick
/// (at PERIOD) resolves the gateway host, requests go out from the second.
fn sent_at(count: u64) -> u64 {
    (count + 1) * 500 * NANOS_PER_MS
}

#[test]
fn the_traffic_workflow_sends_every_period_and_reports_every_twentieth_response() {
    let scenario = r#"
kind: scenario
name: generated-traffic
duration: 65s
deploy: [{ blueprint: "sava:1.0", as: sava }]
behaviors:
  sava:1.0: { latency: 5ms }
"#;
    let checked = checked(&[
        ("sava.yml", SAVA),
        ("traffic.yml", TRAFFIC),
        ("s.yml", scenario),
    ]);
    let mut world = world(&checked);
    let ok = events(
        &mut world,
        &["workflows:traffic", "response:ok"],
        NANOS_PER_SEC,
    );
    // Requests at 1.0 s, 1.5 s, … 65.0 s; every 20th response (10 000 / PERIOD) is reported
    // with the count, 5 ms (the service time) after it was sent.
    assert_eq!(world.sources[0].arrivals, 129);
    let expected: Vec<(u64, serde_json::Value)> = (1..=6)
        .map(|k| {
            (
                sent_at(20 * k) + 5 * NANOS_PER_MS,
                serde_json::json!(20 * k),
            )
        })
        .collect();
    assert_eq!(ok, expected);
    assert_eq!(world.totals.errors, 0);
    assert!(world
        .bus
        .latest_with(&["workflows:traffic", "response:error"])
        .is_none());
    // Tag expansion: the event also carries `workflows` and `response`.
    let latest = world.bus.latest_with(&["workflows", "response"]);
    assert_eq!(
        latest.map(|e| e.value.clone()),
        Some(serde_json::json!(120))
    );
}

#[test]
fn an_event_scheduled_workflow_wakes_on_the_traffic_errors() {
    let on_error = r#"
kind: workflow
name: on-error
breed: allocation
schedule: { event: [response:error] }
"#;
    let scenario = r#"
kind: scenario
name: errors-for-five-seconds
duration: 40s
deploy: [{ blueprint: "sava:1.0", as: sava }]
behaviors:
  sava:1.0: { latency: 5ms }
faults:
  - { at: 20s, errors: "sava:1.0", rate: 100%, for: 5s }
"#;
    let checked = checked(&[
        ("sava.yml", SAVA),
        ("traffic.yml", TRAFFIC),
        ("on-error.yml", on_error),
        ("s.yml", scenario),
    ]);
    let mut world = world(&checked);
    let program = world
        .model
        .programs
        .iter()
        .position(|p| p.name == "on-error")
        .expect("the event-scheduled workflow is a program");
    let errors = events(
        &mut world,
        &["workflows:traffic", "response:error"],
        100 * NANOS_PER_MS,
    );
    // The requests sent at 20.0 s … 24.5 s fail (the fault ends at 25 s).
    let expected: Vec<u64> = (0..10)
        .map(|i| 20 * NANOS_PER_SEC + i * 500 * NANOS_PER_MS + 5 * NANOS_PER_MS)
        .collect();
    assert_eq!(errors.iter().map(|(t, _)| *t).collect::<Vec<_>>(), expected);
    assert_eq!(world.totals.errors, 10);
    // One run per error event, at the event's instant.
    assert_eq!(world.programs[program].runs, 10);
    let last_run = world
        .bus
        .latest_with(&["allocation"])
        .expect("the allocation program published");
    assert_eq!(last_run.t, expected[9]);
}
