//! Queueing theory checks of the engine: M/M/1 and M/M/c mean response times against their
//! closed forms, and Little's law on the simulated sample path.
//!
//! Statistically heavy (millions of requests): they run in release builds only —
//! `cargo test --release --test sim_queueing` — and are ignored in debug builds.

use rehearse::sim::engine::{nanos_to_secs, NANOS_PER_SEC};
use rehearse::sim::model::{
    Balance, GatewayModel, Model, RateProfile, RouteModel, ServiceModel, Sticky, Target,
    TrafficModel,
};
use rehearse::sim::samplers::Duration;
use rehearse::sim::world::World;

/// One gateway, one route, one station with `servers` slots, exponential service.
fn station(arrival_rate: f64, service_rate: f64, servers: u32, requests: u64, seed: u64) -> Model {
    let duration_s = requests as f64 / arrival_rate;
    Model {
        seed,
        duration: (duration_s * NANOS_PER_SEC as f64) as u64,
        hosts: 1,
        services: vec![ServiceModel {
            name: "station:1".into(),
            deployment: "d".into(),
            cluster: "c".into(),
            latency: Duration::Exponential {
                mean: 1.0 / service_rate,
            },
            error_rate: 0.0,
            concurrency: servers,
            startup: 0,
            instances: 1,
            restart_delay: 0,
            cpu: 0.0,
            memory_mb: 0.0,
        }],
        gateways: vec![GatewayModel {
            name: "d/80".into(),
            sticky: Sticky::None,
            routes: vec![RouteModel {
                name: "d/c/station:1/80".into(),
                weight_bp: 10_000,
                condition: None,
                condition_strength_bp: 0,
                target: Target::Service(0),
                balance: Balance::RoundRobin,
            }],
        }],
        traffic: vec![TrafficModel {
            id: "traffic:0".into(),
            gateway: 0,
            rate: RateProfile::Constant(arrival_rate),
            clients: 1,
            headers: vec![],
            until: u64::MAX,
        }],
        max_window_s: 1,
        ..Model::default()
    }
}

/// Erlang's C formula: the probability that an arrival waits in an M/M/c queue with offered
/// load `a = λ/μ`.
fn erlang_c(c: u32, a: f64) -> f64 {
    let rho = a / f64::from(c);
    let mut term = 1.0; // a^k / k!
    let mut sum = 1.0;
    for k in 1..c {
        term *= a / f64::from(k);
        sum += term;
    }
    let last = term * a / f64::from(c) / (1.0 - rho);
    last / (sum + last)
}

struct Measured {
    completed: u64,
    mean_response_s: f64,
    little_l: f64,
    little_lambda_w: f64,
}

fn simulate(model: Model) -> Measured {
    let mut world = World::new(model, None);
    world.run();
    let t = world.totals;
    let elapsed = nanos_to_secs(world.now());
    let mean_response_s = t.latency_sum_ns as f64 / t.completed as f64 / 1e9;
    let mean_population = t.population_area as f64 / 1e9 / elapsed;
    let throughput = t.completed as f64 / elapsed;
    assert_eq!(t.arrivals, t.completed + world.in_flight());
    Measured {
        completed: t.completed,
        mean_response_s,
        little_l: mean_population,
        little_lambda_w: throughput * mean_response_s,
    }
}

fn check(label: &str, model: Model, theory_s: f64) {
    let m = simulate(model);
    let error = (m.mean_response_s - theory_s).abs() / theory_s;
    let little = (m.little_l - m.little_lambda_w).abs() / m.little_l;
    println!(
        "{label}: {} requests, mean response {:.4} ms vs theory {:.4} ms ({:+.2}%), \
         L = {:.4}, λW = {:.4} ({:.3}%)",
        m.completed,
        m.mean_response_s * 1e3,
        theory_s * 1e3,
        100.0 * (m.mean_response_s - theory_s) / theory_s,
        m.little_l,
        m.little_lambda_w,
        100.0 * little
    );
    assert!(m.completed >= 500_000, "{label}: too few requests");
    assert!(
        error < 0.03,
        "{label}: mean response off by {:.2}%",
        100.0 * error
    );
    assert!(
        little < 0.01,
        "{label}: Little's law off by {:.3}%",
        100.0 * little
    );
}

#[test]
#[cfg_attr(debug_assertions, ignore = "statistically heavy: run with --release")]
fn mm1_at_half_load() {
    let (lambda, mu) = (500.0, 1000.0);
    check(
        "M/M/1 ρ=0.5",
        station(lambda, mu, 1, 1_000_000, 1),
        1.0 / (mu - lambda),
    );
}

#[test]
#[cfg_attr(debug_assertions, ignore = "statistically heavy: run with --release")]
fn mm1_at_eighty_percent_load() {
    let (lambda, mu) = (800.0, 1000.0);
    check(
        "M/M/1 ρ=0.8",
        station(lambda, mu, 1, 2_000_000, 1),
        1.0 / (mu - lambda),
    );
}

#[test]
#[cfg_attr(debug_assertions, ignore = "statistically heavy: run with --release")]
fn mmc_four_servers_at_eighty_percent_load() {
    let (c, mu) = (4u32, 1000.0);
    let lambda = 0.8 * f64::from(c) * mu;
    let a = lambda / mu;
    let theory = erlang_c(c, a) / (f64::from(c) * mu - lambda) + 1.0 / mu;
    check("M/M/4 ρ=0.8", station(lambda, mu, c, 2_000_000, 1), theory);
}

#[test]
fn erlang_c_matches_known_values() {
    // c = 1 reduces to ρ; a textbook value: c = 2, a = 1 → 1/3.
    assert!((erlang_c(1, 0.8) - 0.8).abs() < 1e-12);
    assert!((erlang_c(2, 1.0) - 1.0 / 3.0).abs() < 1e-12);
}

#[test]
fn a_short_station_run_conserves_requests() {
    let m = simulate(station(800.0, 1000.0, 1, 20_000, 3));
    assert!(m.completed > 19_000);
    assert!((m.little_l - m.little_lambda_w).abs() / m.little_l < 0.02);
}
