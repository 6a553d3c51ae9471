//! Workflows from YAML on the rehearsal's clock: Vamp's traffic generator
//! (reference/vamp/CANARY.md §1.1) as a periodic source publishing its responses on the bus,
//! event schedules woken by those events, and time schedules against a scenario `clock`.

mod common;

use common::sim::{checked_without_errors, inputs};
use rehearse::check::Checked;
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

/// Checks in-memory files, failing the test on errors.
fn checked(files: &[(&str, &str)]) -> Checked {
    checked_without_errors(inputs(files))
}

fn world(checked: &Checked) -> World<'static> {
    let scenario = checked.project.scenarios.first().expect("one scenario");
    let model = build(&checked.project, scenario, 1).unwrap_or_else(|u| panic!("{u:?}"));
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

fn timed_workflow(start: &str) -> String {
    format!(
        r#"
kind: workflow
name: timed
breed: allocation
schedule: {{ time: {{ period: PT1M, start: "{start}", repeat: 3 }} }}
"#
    )
}

fn allocation_runs(world: &mut World<'_>) -> Vec<u64> {
    events(world, &["allocation"], NANOS_PER_SEC)
        .into_iter()
        .map(|(t, _)| t / NANOS_PER_SEC)
        .collect()
}

#[test]
fn a_time_schedule_starting_after_the_clock_runs_at_the_difference() {
    let scenario = r#"
kind: scenario
name: clocked
clock: 2026-03-01T00:00:00Z
duration: 5m
deploy: [{ blueprint: "sava:1.0", as: sava }]
"#;
    let workflow = timed_workflow("2026-03-01T00:00:30Z");
    let checked = checked(&[
        ("sava.yml", SAVA),
        ("w.yml", &workflow),
        ("s.yml", scenario),
    ]);
    assert!(checked.diagnostics.is_empty(), "{:?}", checked.diagnostics);
    let mut world = world(&checked);
    assert_eq!(allocation_runs(&mut world), vec![30, 90, 150]);
}

#[test]
fn a_time_schedule_starting_before_the_clock_runs_at_its_next_boundary() {
    // Every minute from 23:58:45 the day before, three times: 23:58:45 and 23:59:45 are
    // gone at the clock, so only 00:00:45 runs.
    let scenario = r#"
kind: scenario
name: clocked
clock: "2026-03-01T01:00:00+01:00"
duration: 5m
deploy: [{ blueprint: "sava:1.0", as: sava }]
"#;
    let workflow = timed_workflow("2026-02-28T23:58:45Z");
    let checked = checked(&[
        ("sava.yml", SAVA),
        ("w.yml", &workflow),
        ("s.yml", scenario),
    ]);
    let mut world = world(&checked);
    assert_eq!(allocation_runs(&mut world), vec![45]);
}

#[test]
fn without_a_clock_an_absolute_start_is_ignored_with_a_warning() {
    let scenario = r#"
kind: scenario
name: unclocked
duration: 3m
deploy: [{ blueprint: "sava:1.0", as: sava }]
"#;
    let workflow = timed_workflow("2026-03-01T00:00:30Z");
    let checked = checked(&[
        ("sava.yml", SAVA),
        ("w.yml", &workflow),
        ("s.yml", scenario),
    ]);
    let codes: Vec<&str> = checked.diagnostics.iter().map(|d| d.code.id).collect();
    assert_eq!(codes, vec!["S019"]);
    let mut world = world(&checked);
    assert_eq!(allocation_runs(&mut world), vec![0, 60, 120]);
}

#[test]
fn a_huge_period_saturates_instead_of_overflowing() {
    // Periods are user input: 2^64 - 1 seconds must not overflow the nanosecond arithmetic
    // (a panic in debug builds, a wrapped period in release). The workflow runs once at
    // t = 0 and never again within the run.
    let workflow = r#"
kind: workflow
name: slow
breed: allocation
schedule: daemon
environment_variables:
  VAMP_WORKFLOW_EXECUTION_PERIOD: 18446744073709551615
"#;
    let scenario = r#"
kind: scenario
name: slow-period
duration: 10s
deploy: [{ blueprint: "sava:1.0", as: sava }]
"#;
    let checked = checked(&[("sava.yml", SAVA), ("w.yml", workflow), ("s.yml", scenario)]);
    let mut world = world(&checked);
    assert_eq!(allocation_runs(&mut world), vec![0]);
}

#[test]
fn running_an_unchecked_reference_is_refused_with_the_checks_code() {
    // `sim::run` trusts the check but does not assume it ran: a scenario that sends traffic
    // to no gateway is refused with the code `rehearse check` gives the mistake.
    let scenario = r#"
kind: scenario
name: nowhere
duration: 10s
deploy: [{ blueprint: "sava:1.0", as: sava }]
traffic: [{ to: sava/1234, rate: 5/s }]
"#;
    let checked = rehearse::check::check(
        inputs(&[("sava.yml", SAVA), ("s.yml", scenario)]),
        &rehearse::check::Options::default(),
    );
    assert!(checked.diagnostics.iter().any(|d| d.code.id == "S012"));
    let refused = rehearse::sim::run(
        &checked.project,
        rehearse::sim::RunOptions {
            scenario: None,
            seed: None,
            trace: None,
            ..Default::default()
        },
    )
    .expect_err("the run is refused");
    let found: Vec<_> = refused
        .iter()
        .map(|d| (d.code.id, d.message.clone()))
        .collect();
    assert_eq!(
        found,
        vec![("S012", "no gateway named 'sava/1234'".to_owned())]
    );
}
