//! Route choice: condition strength on matching requests, the weighted pool for the rest,
//! 503 when a route has no ready instance.

mod common;

use common::sim::quick_service;
use rehearse::sim::engine::NANOS_PER_SEC;
use rehearse::sim::model::*;
use rehearse::sim::world::World;
use std::sync::Arc;

fn model(strength_bp: u32, v2_instances: u32) -> Model {
    let firefox = Condition {
        text: "user-agent == Firefox".into(),
        matches: Arc::new(|r: &RequestView<'_>| {
            r.headers
                .iter()
                .any(|(k, v)| k.eq_ignore_ascii_case("user-agent") && *v == "Firefox")
        }),
    };
    Model {
        seed: 5,
        duration: 100 * NANOS_PER_SEC,
        services: vec![quick_service("v1", 1), quick_service("v2", v2_instances)],
        gateways: vec![GatewayModel {
            name: "d/80".into(),
            sticky: Sticky::None,
            routes: vec![
                RouteModel {
                    name: "v1".into(),
                    weight_bp: 10_000,
                    condition: None,
                    condition_strength_bp: 0,
                    target: Target::Service(0),
                    balance: Balance::RoundRobin,
                },
                RouteModel {
                    name: "v2".into(),
                    weight_bp: 0,
                    condition: Some(firefox),
                    condition_strength_bp: strength_bp,
                    target: Target::Service(1),
                    balance: Balance::LeastConn,
                },
            ],
        }],
        traffic: vec![TrafficModel {
            id: "t".into(),
            gateway: 0,
            rate: RateProfile::Constant(200.0),
            clients: 10,
            headers: vec![HeaderModel {
                name: "User-Agent".into(),
                values: vec![("Firefox".into(), 6_000), ("Chrome".into(), 4_000)],
            }],
            until: u64::MAX,
        }],
        max_window_s: 30,
        ..Model::default()
    }
}

#[test]
fn matching_requests_follow_condition_strength() {
    let mut world = World::new(model(5_000, 1), None);
    world.run();
    let total = world.totals.completed as f64;
    let v2 = world.services[1].counters.requests as f64;
    // 60% match, half of those go to v2 (strength 50%), the rest to the 100/0 pool.
    assert!((v2 / total - 0.30).abs() < 0.01, "{}", v2 / total);
    assert_eq!(world.totals.errors, 0);
}

#[test]
fn a_route_without_ready_instances_answers_503() {
    let mut world = World::new(model(10_000, 0), None);
    world.run();
    let total = world.totals.completed as f64;
    let errors = world.totals.errors as f64;
    assert!((errors / total - 0.60).abs() < 0.01, "{}", errors / total);
    assert_eq!(world.services[1].unavailable, world.totals.errors);
}
