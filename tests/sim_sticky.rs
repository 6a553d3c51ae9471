//! Sticky gateways (a client keeps its route, or its instance while that is ready) and a Vamp
//! route condition end to end from YAML, with its condition strength.

mod common;

use common::sim::{checked_without_errors, inputs, quick_service, route};
use rehearse::sim::build::build;
use rehearse::sim::engine::{NANOS_PER_MS, NANOS_PER_SEC};
use rehearse::sim::model::*;
use rehearse::sim::service::InstanceState;
use rehearse::sim::world::World;

fn model(sticky: Sticky, routes: Vec<RouteModel>, services: Vec<ServiceModel>) -> Model {
    Model {
        seed: 11,
        duration: 20 * NANOS_PER_SEC,
        services,
        gateways: vec![GatewayModel {
            name: "d/80".into(),
            sticky,
            routes,
        }],
        traffic: vec![TrafficModel {
            id: "t".into(),
            gateway: 0,
            rate: RateProfile::Constant(400.0),
            clients: 40,
            headers: Vec::new(),
            until: u64::MAX,
        }],
        max_window_s: 30,
        ..Model::default()
    }
}

/// Whether `observed` of `n` draws is within four standard deviations of a share `p`.
fn binomial_close(observed: u64, n: u64, p: f64) -> bool {
    let sd = (n as f64 * p * (1.0 - p)).sqrt();
    (observed as f64 - n as f64 * p).abs() <= 4.0 * sd.max(1.0)
}

/// The sticky pins when the weights move from 50/50 to 100/0 at 5 s, and the requests served
/// by `v2` and in all after that.
fn v2_after_the_change(
    world: &mut World<'_>,
) -> (std::collections::BTreeMap<(u32, u32), u16>, u64, u64) {
    world.run_until(5 * NANOS_PER_SEC);
    let pins = world.gateways[0].sticky_routes.clone();
    let (v2, total) = (world.services[1].counters.requests, world.totals.completed);
    world.gateways[0].weights_bp = vec![10_000, 0];
    world.run();
    (
        pins,
        world.services[1].counters.requests - v2,
        world.totals.completed - total,
    )
}

fn fifty_fifty(sticky: Sticky) -> World<'static> {
    let routes = vec![route("v1", 5_000, 0), route("v2", 5_000, 1)];
    let services = vec![quick_service("v1", 2), quick_service("v2", 2)];
    World::new(model(sticky, routes, services), None)
}

#[test]
fn a_sticky_route_survives_a_weight_change() {
    let mut world = fifty_fifty(Sticky::Route);
    let (pins, v2, total) = v2_after_the_change(&mut world);
    assert_eq!(
        pins.len(),
        40,
        "every client has a route after 2000 requests"
    );
    let on_v2 = pins.values().filter(|&&r| r == 1).count() as u64;
    assert!((1..40).contains(&on_v2), "{on_v2} clients on v2");
    assert_eq!(
        world.gateways[0].sticky_routes, pins,
        "no client changed route"
    );
    // Clients are drawn uniformly: v2 keeps the share of the clients pinned to it.
    assert!(total > 5_000);
    assert!(
        binomial_close(v2, total, on_v2 as f64 / 40.0),
        "{v2} of {total} on v2, {on_v2}/40 clients"
    );
}

#[test]
fn without_stickiness_the_new_weights_apply_at_once() {
    let mut world = fifty_fifty(Sticky::None);
    let (pins, v2, total) = v2_after_the_change(&mut world);
    assert!(pins.is_empty());
    assert!(total > 5_000);
    // Only requests already in flight at the change (1 ms of service) complete on v2.
    assert!(v2 <= 5, "{v2} requests on v2 after 100/0");
}

#[test]
fn a_sticky_instance_holds_while_ready_and_is_pinned_again_when_it_dies() {
    let mut m = model(
        Sticky::Instance,
        vec![route("v1", 10_000, 0)],
        vec![quick_service("v1", 4)],
    );
    m.traffic[0].clients = 8;
    m.faults = vec![FaultModel {
        at: 10 * NANOS_PER_SEC,
        action: FaultAction::Kill {
            service: 0,
            count: Some(1),
            restart_delay: 1_000 * NANOS_PER_SEC,
        },
        description: "kill one v1".into(),
    }];
    let mut world = World::new(m, None);
    world.run_until(5 * NANOS_PER_SEC);
    let pins = world.sticky_instances.clone();
    assert_eq!(pins.len(), 8);
    // Round robin hands each new client the next instance: two clients per instance.
    for instance in 0..4u32 {
        assert_eq!(pins.values().filter(|&&i| i == instance).count(), 2);
    }
    world.run_until(10 * NANOS_PER_SEC - NANOS_PER_MS);
    assert_eq!(
        world.sticky_instances, pins,
        "ready instances keep their clients"
    );

    world.run();
    let mut moved = 0;
    for (client, old) in &pins {
        let new = world.sticky_instances[client];
        if world.instances[*old as usize].state == InstanceState::Dead {
            moved += 1;
            assert_ne!(new, *old, "{client:?} still on its dead instance");
            assert_eq!(world.instances[new as usize].state, InstanceState::Ready);
        } else {
            assert_eq!(new, *old, "{client:?} moved off a ready instance");
        }
    }
    assert_eq!(
        moved, 2,
        "the killed instance's two clients are pinned again"
    );
}

const BREEDS: &str = r#"
kind: breed
name: sava:1.0
deployable: magneticio/sava:1.0.0
ports:
  web: 8080/http
---
kind: breed
name: sava:1.1
deployable: magneticio/sava:1.1.0
ports:
  web: 8080/http
"#;

const SCENARIO: &str = r#"
kind: scenario
name: firefox-canary
seed: 3
duration: 60s
deploy: [sava]
behaviors:
  sava:1.0: { latency: 2ms }
  sava:1.1: { latency: 2ms }
traffic:
  - to: sava/9050
    rate: 200/s
    clients: 500
    headers:
      User-Agent:
        "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0": 60%
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36": 40%
"#;

/// Requests served by sava:1.1 and in all, for a blueprint whose sava:1.1 route takes
/// Firefox users with `strength`, beside a 100/0 weighted pool.
fn firefox_share(strength: &str) -> (u64, u64) {
    let blueprint = format!(
        r#"
kind: blueprint
name: sava
gateways:
  9050: sava/web
clusters:
  sava:
    gateways:
      web:
        routes:
          sava:1.0: {{ weight: 100% }}
          sava:1.1: {{ weight: 0%, condition: user-agent = Firefox, condition_strength: {strength} }}
    services:
      - breed: sava:1.0
      - breed: sava:1.1
"#
    );
    let checked = checked_without_errors(inputs(&[
        ("breeds.yml", BREEDS),
        ("blueprint.yml", blueprint.as_str()),
        ("scenario.yml", SCENARIO),
    ]));
    let found: Vec<String> = checked
        .diagnostics
        .iter()
        .map(|d| format!("{} {}", d.code.id, d.message))
        .collect();
    assert!(found.is_empty(), "{found:#?}");
    let scenario = &checked.project.scenarios[0];
    let model = build(&checked.project, scenario, 3).unwrap_or_else(|u| panic!("{u:?}"));
    let canary = model
        .services
        .iter()
        .position(|s| s.name == "sava:1.1")
        .expect("sava:1.1 is deployed");
    let mut world = World::new(model, None);
    world.run();
    assert_eq!(world.totals.errors, 0);
    (
        world.services[canary].counters.requests,
        world.totals.completed,
    )
}

#[test]
fn a_user_agent_condition_takes_its_strength_of_matching_requests() {
    // 60% of requests are Firefox: all of them go to sava:1.1 at 100%, half at 50%.
    for (strength, share) in [("100%", 0.6), ("50%", 0.3)] {
        let (canary, total) = firefox_share(strength);
        assert!(total > 11_000, "{total}");
        assert!(
            binomial_close(canary, total, share),
            "strength {strength}: {canary} of {total} on sava:1.1, expected {share}"
        );
    }
}
