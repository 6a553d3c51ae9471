//! Built-in programs beyond the canary: auto-scaling follows the traffic split through the
//! metrics program's events, and event-scheduled programs run on tag-expanded events.

mod common;

use common::sim::route;
use rehearse::sim::engine::NANOS_PER_SEC;
use rehearse::sim::model::*;
use rehearse::sim::samplers::Duration;
use rehearse::sim::world::World;

fn service(name: &str, instances: u32) -> ServiceModel {
    ServiceModel {
        name: name.into(),
        deployment: "sava".into(),
        cluster: "sava".into(),
        latency: Duration::Exponential { mean: 0.005 },
        error_rate: 0.0,
        concurrency: 16,
        startup: 5 * NANOS_PER_SEC,
        instances,
        restart_delay: NANOS_PER_SEC,
        cpu: 0.1,
        memory_mb: 64.0,
    }
}

fn every(seconds: u64) -> Schedule {
    Schedule::Every {
        start: 0,
        period: seconds * NANOS_PER_SEC,
    }
}

fn model(extra: Vec<ProgramModel>) -> Model {
    let mut programs = vec![
        ProgramModel {
            name: "metrics".into(),
            kind: ProgramKind::Metrics { window_s: 30 },
            schedule: every(5),
        },
        ProgramModel {
            name: "canary".into(),
            kind: ProgramKind::Canary {
                gateway: 0,
                old_route: 0,
                new_route: 1,
                window_s: 30,
            },
            schedule: every(5),
        },
    ];
    programs.extend(extra);
    Model {
        seed: 11,
        duration: 240 * NANOS_PER_SEC,
        services: vec![service("sava:1.0", 4), service("sava:1.1", 4)],
        gateways: vec![GatewayModel {
            name: "sava/sava/web".into(),
            sticky: Sticky::None,
            routes: vec![
                route("sava/sava/sava:1.0/web", 10_000, 0),
                route("sava/sava/sava:1.1/web", 0, 1),
            ],
        }],
        clusters: vec![ClusterModel {
            deployment: "sava".into(),
            name: "sava".into(),
            gateway: Some(0),
            services: vec![0, 1],
        }],
        traffic: vec![TrafficModel {
            id: "t".into(),
            gateway: 0,
            rate: RateProfile::Constant(100.0),
            clients: 1,
            headers: vec![],
            until: u64::MAX,
        }],
        programs,
        max_window_s: 30,
        ..Model::default()
    }
}

#[test]
fn auto_scaling_follows_the_traffic_split() {
    let mut world = World::new(
        model(vec![ProgramModel {
            name: "auto-scaling".into(),
            kind: ProgramKind::AutoScaling {
                gateway: 0,
                routes: [0, 1],
                services: [0, 1],
                min: 2,
                max: 4,
            },
            schedule: every(15),
        }]),
        None,
    );
    world.run();
    // The canary finished at 95 s; the 30 s rate window has only sava:1.1 traffic since.
    assert_eq!(world.services[0].desired, 2);
    assert_eq!(world.services[1].desired, 4);
    assert_eq!(world.ready_instances(0), 2);
    assert_eq!(world.ready_instances(1), 4);
    let scales: Vec<_> = world
        .decisions
        .iter()
        .filter(|d| d.kind == "scale")
        .collect();
    assert!(!scales.is_empty());
    // Before any rate is published (t = 0) both get round((4 + 2) / 2) = 3.
    assert_eq!(scales[0].t, 0);
    assert_eq!(scales[0].detail["instances"], 3);
}

#[test]
fn event_programs_run_on_expanded_tags() {
    // `workflows:canary` also tags `workflows`: the allocation program waits for
    // [workflows, updated], published by each canary step.
    let mut world = World::new(
        model(vec![ProgramModel {
            name: "allocation".into(),
            kind: ProgramKind::Allocation,
            schedule: Schedule::Event {
                tags: vec!["workflows".into(), "updated".into()],
            },
        }]),
        None,
    );
    world.run();
    let steps = world
        .decisions
        .iter()
        .filter(|d| d.kind == "weights")
        .count() as u64;
    assert_eq!(steps, 20);
    assert_eq!(world.programs[2].runs, steps);
    let latest = world
        .bus
        .latest_with(&["allocation", "deployments:sava"])
        .expect("allocation published");
    assert_eq!(latest.value["instances"], 8);
}

#[test]
fn time_schedules_stop_after_their_repeat_count() {
    let mut world = World::new(
        model(vec![ProgramModel {
            name: "allocation".into(),
            kind: ProgramKind::Allocation,
            schedule: Schedule::Time {
                start: 10 * NANOS_PER_SEC,
                period: 20 * NANOS_PER_SEC,
                repeat: Some(3),
            },
        }]),
        None,
    );
    world.run();
    assert_eq!(world.programs[2].runs, 3);
}
