//! Properties of the simulator: every request ends exactly once, route weights always sum to
//! 100% after program actions, windowed metric queries equal a naive recount.

use proptest::prelude::*;
use rehearse::sim::engine::NANOS_PER_SEC;
use rehearse::sim::metrics::SecondRing;
use rehearse::sim::model::*;
use rehearse::sim::samplers::Duration;
use rehearse::sim::world::World;

fn service(
    name: &str,
    mean_ms: f64,
    concurrency: u32,
    instances: u32,
    error_rate: f64,
) -> ServiceModel {
    ServiceModel {
        name: name.into(),
        deployment: "d".into(),
        cluster: "c".into(),
        latency: Duration::Exponential {
            mean: mean_ms / 1e3,
        },
        error_rate,
        concurrency,
        startup: 2 * NANOS_PER_SEC,
        instances,
        restart_delay: 3 * NANOS_PER_SEC,
        cpu: 0.1,
        memory_mb: 64.0,
    }
}

fn route(name: &str, weight_bp: u32, target: Target) -> RouteModel {
    RouteModel {
        name: name.into(),
        weight_bp,
        condition: None,
        condition_strength_bp: 0,
        target,
        balance: Balance::RoundRobin,
    }
}

/// An external gateway → internal gateway → two versions, with a canary and health program.
fn canary_model(
    seed: u64,
    rate: f64,
    error_new: f64,
    faults: Vec<FaultModel>,
    leastconn: bool,
) -> Model {
    let mut internal = GatewayModel {
        name: "d/c/web".into(),
        sticky: Sticky::None,
        routes: vec![
            route("d/c/v1/web", 10_000, Target::Service(0)),
            route("d/c/v2/web", 0, Target::Service(1)),
        ],
    };
    if leastconn {
        for r in &mut internal.routes {
            r.balance = Balance::LeastConn;
        }
    }
    Model {
        seed,
        duration: 120 * NANOS_PER_SEC,
        hosts: 3,
        services: vec![
            service("v1", 5.0, 4, 2, 0.0),
            service("v2", 5.0, 4, 2, error_new),
        ],
        gateways: vec![
            GatewayModel {
                name: "d/80".into(),
                sticky: Sticky::Route,
                routes: vec![route("d/c/web", 10_000, Target::Gateway(1))],
            },
            internal,
        ],
        clusters: vec![ClusterModel {
            deployment: "d".into(),
            name: "c".into(),
            gateway: Some(1),
            services: vec![0, 1],
        }],
        traffic: vec![TrafficModel {
            id: "traffic:0".into(),
            gateway: 0,
            rate: RateProfile::Constant(rate),
            clients: 50,
            headers: vec![],
            until: u64::MAX,
        }],
        faults,
        programs: vec![
            ProgramModel {
                name: "canary".into(),
                kind: ProgramKind::Canary {
                    gateway: 1,
                    old_route: 0,
                    new_route: 1,
                    window_s: 30,
                },
                schedule: Schedule::Every {
                    start: 0,
                    period: 5 * NANOS_PER_SEC,
                },
            },
            ProgramModel {
                name: "health".into(),
                kind: ProgramKind::Health { window_s: 30 },
                schedule: Schedule::Every {
                    start: 0,
                    period: 5 * NANOS_PER_SEC,
                },
            },
        ],
        max_window_s: 30,
        snapshot_every: 0,
        ..Model::default()
    }
}

fn fault_strategy() -> impl Strategy<Value = FaultModel> {
    let at = 0u64..100;
    prop_oneof![
        (
            at.clone(),
            0usize..2,
            proptest::option::of(1u32..3),
            0u64..10
        )
            .prop_map(|(at, s, count, delay)| FaultModel {
                at: at * NANOS_PER_SEC,
                action: FaultAction::Kill {
                    service: s,
                    count,
                    restart_delay: delay * NANOS_PER_SEC
                },
                description: "kill".into(),
            }),
        (at.clone(), 1u32..4, 1u64..30).prop_map(|(at, host, d)| FaultModel {
            at: at * NANOS_PER_SEC,
            action: FaultAction::HostDown {
                host,
                duration: d * NANOS_PER_SEC
            },
            description: "host_down".into(),
        }),
        (at.clone(), 0usize..2, 0.0f64..1.0, 1u64..30).prop_map(|(at, s, rate, d)| FaultModel {
            at: at * NANOS_PER_SEC,
            action: FaultAction::Errors {
                service: s,
                rate,
                duration: d * NANOS_PER_SEC
            },
            description: "errors".into(),
        }),
        (at.clone(), 0usize..2, 1u64..50, 1u64..30).prop_map(|(at, s, ms, d)| FaultModel {
            at: at * NANOS_PER_SEC,
            action: FaultAction::Latency {
                service: s,
                added: ms * 1_000_000,
                duration: d * NANOS_PER_SEC
            },
            description: "latency".into(),
        }),
        (at, 0usize..2, proptest::option::of(0usize..2), 1u64..30).prop_map(|(at, s, from, d)| {
            FaultModel {
                at: at * NANOS_PER_SEC,
                action: FaultAction::Partition {
                    service: s,
                    from,
                    duration: d * NANOS_PER_SEC,
                },
                description: "partition".into(),
            }
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn every_request_ends_exactly_once_and_weights_sum_to_100(
        seed in any::<u64>(),
        rate in 5.0f64..400.0,
        error_new in 0.0f64..0.05,
        faults in proptest::collection::vec(fault_strategy(), 0..4),
        leastconn in any::<bool>(),
        stop_at in 1u64..120,
    ) {
        let mut world = World::new(canary_model(seed, rate, error_new, faults, leastconn), None);
        world.run_until(stop_at * NANOS_PER_SEC);
        let t = world.totals;
        prop_assert_eq!(t.arrivals, t.completed + world.in_flight());
        world.run();
        let t = world.totals;
        prop_assert_eq!(t.arrivals, t.completed + world.in_flight());
        for d in world.decisions.iter().filter(|d| d.kind == "weights" || d.kind == "rollback") {
            let weights = d.detail.as_object();
            prop_assert!(weights.is_some_and(|w| !w.is_empty()), "{:?}", d);
            let sum: f64 = weights.into_iter().flat_map(|w| w.values()).filter_map(|v| v.as_f64()).sum();
            prop_assert!((sum - 100.0).abs() < 1e-9, "{:?}", d);
        }
        for g in &world.gateways {
            let sum: u32 = g.weights_bp.iter().sum();
            prop_assert_eq!(sum, 10_000);
        }
    }

    #[test]
    fn windowed_queries_equal_a_naive_recount(
        gaps in proptest::collection::vec((0u64..3_000_000_000, any::<bool>(), 0u64..1_000_000), 1..300),
        max_window in 1u64..40,
        queries in proptest::collection::vec((0u64..5_000_000_000, 0u64..60), 1..20),
    ) {
        let mut ring = SecondRing::new(max_window);
        let mut all: Vec<(u64, bool, u64)> = Vec::new();
        let mut now = 0u64;
        for (gap, error, latency) in gaps {
            now += gap;
            ring.record(now, error, latency);
            all.push((now, error, latency));
        }
        for (ahead, w) in queries {
            let at = now + ahead;
            let got = ring.window(at, w);
            let w = w.min(max_window);
            let first = (at / NANOS_PER_SEC).saturating_sub(w);
            let last = at / NANOS_PER_SEC;
            let hits: Vec<_> = all.iter().filter(|(t, _, _)| (first..=last).contains(&(t / NANOS_PER_SEC))).collect();
            prop_assert_eq!(got.requests, hits.len() as u64);
            prop_assert_eq!(got.errors, hits.iter().filter(|(_, e, _)| *e).count() as u64);
            prop_assert_eq!(got.latency_sum_ns, hits.iter().map(|(_, _, l)| l).sum::<u64>());
        }
    }
}
