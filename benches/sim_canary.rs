//! sim-canary (shared/bench/README.md): the same model in rehearse and in SimPy
//! (`simpy_canary.py`), side by side in one run. Prints the statistics of both, whether they
//! agree (requests ±1%, mean response time ±2%), simulated requests per wall-clock second of
//! each and the ratio; then peak RSS of 1 h vs 10 h simulated at 1000/s.
//!
//! `cargo bench --bench sim_canary` (release). SimPy is looked up in `$SIMPY_PYTHON`, then
//! `/tmp/simpy/bin/python`; without it only rehearse's side runs.
//! Options: `--rate R --duration S --seed N --no-rss --no-simpy`.

use rehearse::sim::engine::NANOS_PER_SEC;
use rehearse::sim::model::{
    Balance, GatewayModel, Model, RateProfile, RouteModel, ServiceModel, Sticky, Target,
    TrafficModel,
};
use rehearse::sim::samplers::Duration;
use rehearse::sim::world::World;
use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

struct Params {
    rate: f64,
    duration_s: f64,
    weight_new_pct: f64,
    servers: u32,
    mean_ms: f64,
    sd_ms: f64,
    error_old: f64,
    error_new: f64,
    seed: u64,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            rate: 1000.0,
            duration_s: 600.0,
            weight_new_pct: 10.0,
            servers: 4,
            mean_ms: 2.0,
            sd_ms: 1.0,
            error_old: 0.001,
            error_new: 0.01,
            seed: 42,
        }
    }
}

fn service(name: &str, p: &Params, error_rate: f64) -> ServiceModel {
    ServiceModel {
        name: name.into(),
        deployment: "bench".into(),
        cluster: "bench".into(),
        latency: Duration::lognormal_from_moments(p.mean_ms / 1e3, p.sd_ms / 1e3),
        error_rate,
        concurrency: p.servers,
        startup: 0,
        instances: 1,
        restart_delay: 0,
        cpu: 0.0,
        memory_mb: 0.0,
    }
}

fn model(p: &Params) -> Model {
    let new_bp = (p.weight_new_pct * 100.0).round() as u32;
    let route = |name: &str, weight_bp: u32, service: usize| RouteModel {
        name: name.into(),
        weight_bp,
        condition: None,
        condition_strength_bp: 0,
        target: Target::Service(service),
        balance: Balance::RoundRobin,
    };
    Model {
        seed: p.seed,
        duration: (p.duration_s * NANOS_PER_SEC as f64) as u64,
        hosts: 2,
        services: vec![
            service("old", p, p.error_old),
            service("new", p, p.error_new),
        ],
        gateways: vec![GatewayModel {
            name: "bench/80".into(),
            sticky: Sticky::None,
            routes: vec![
                route("bench/bench/old/80", 10_000 - new_bp, 0),
                route("bench/bench/new/80", new_bp, 1),
            ],
        }],
        traffic: vec![TrafficModel {
            id: "traffic:0".into(),
            gateway: 0,
            rate: RateProfile::Constant(p.rate),
            clients: 1,
            headers: vec![],
            until: u64::MAX,
        }],
        max_window_s: 30,
        ..Model::default()
    }
}

struct Stats {
    requests: u64,
    errors: u64,
    old: u64,
    new: u64,
    mean_ms: f64,
    p99_ms: f64,
    wall_s: f64,
    /// CPU time of the simulating process (user + system), when measurable.
    cpu_s: Option<f64>,
}

/// CPU time this thread has used, from /proc/thread-self/schedstat (nanoseconds).
fn thread_cpu_s() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: f64 = text.split_whitespace().next()?.parse().ok()?;
    Some(ns / 1e9)
}

fn run_rehearse(p: &Params) -> Stats {
    let started = Instant::now();
    let cpu_before = thread_cpu_s();
    let mut world = World::new(model(p), None);
    world.run();
    let wall_s = started.elapsed().as_secs_f64();
    let cpu_s = thread_cpu_s()
        .zip(cpu_before)
        .map(|(after, before)| after - before);
    let mut all = world.services[0].counters.latency.clone();
    all.merge(&world.services[1].counters.latency);
    Stats {
        requests: world.totals.completed,
        errors: world.totals.errors,
        old: world.services[0].counters.requests,
        new: world.services[1].counters.requests,
        mean_ms: world.totals.latency_sum_ns as f64 / world.totals.completed.max(1) as f64 / 1e6,
        p99_ms: all.quantile_ns(0.99) / 1e6,
        wall_s,
        cpu_s,
    }
}

fn simpy_python() -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("SIMPY_PYTHON").map(PathBuf::from),
        Some(PathBuf::from("/tmp/simpy/bin/python")),
    ];
    candidates.into_iter().flatten().find(|p| p.exists())
}

fn simpy_script() -> Option<PathBuf> {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    [
        here.join("../shared/bench/simpy_canary.py"),
        PathBuf::from("/work/shared/bench/simpy_canary.py"),
    ]
    .into_iter()
    .find(|p| p.exists())
}

fn run_simpy(p: &Params) -> Option<Stats> {
    let python = simpy_python()?;
    let script = simpy_script()?;
    // /usr/bin/time reports the child's CPU time on stderr's last line.
    let timer = PathBuf::from("/usr/bin/time");
    let mut command = if timer.exists() {
        let mut c = Command::new(timer);
        c.args(["-f", "cpu %U %S"]).arg(python);
        c
    } else {
        Command::new(python)
    };
    let started = Instant::now();
    let out = command
        .arg(script)
        .args(["--rate", &p.rate.to_string()])
        .args(["--duration", &p.duration_s.to_string()])
        .args(["--weight-new", &p.weight_new_pct.to_string()])
        .args(["--servers", &p.servers.to_string()])
        .args(["--seed", &p.seed.to_string()])
        .output()
        .ok()?;
    let wall_s = started.elapsed().as_secs_f64();
    if !out.status.success() {
        eprintln!("simpy failed: {}", String::from_utf8_lossy(&out.stderr));
        return None;
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
    let cpu_s = String::from_utf8_lossy(&out.stderr)
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("cpu "))
        .and_then(|rest| {
            let mut it = rest.split_whitespace().map(|x| x.parse::<f64>().ok());
            Some(it.next()?? + it.next()??)
        });
    Some(Stats {
        requests: v["requests"].as_u64()?,
        errors: v["errors"].as_u64()?,
        old: v["old"].as_u64()?,
        new: v["new"].as_u64()?,
        mean_ms: v["mean_ms"].as_f64()?,
        p99_ms: v["p99_ms"].as_f64()?,
        wall_s,
        cpu_s,
    })
}

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// Runs `hours` of simulated time at 1000/s in a child process and returns its peak RSS.
fn child_rss(hours: f64) -> Option<(u64, f64)> {
    let exe = std::env::current_exe().ok()?;
    let out = Command::new(exe)
        .args(["--rss-child", &hours.to_string()])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let mut parts = text.split_whitespace();
    let kib = parts.next()?.parse().ok()?;
    let wall = parts.next()?.parse().ok()?;
    Some((kib, wall))
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut p = Params::default();
    let mut rss = true;
    let mut simpy = true;
    let mut i = 0;
    while i < args.len() {
        let value = args.get(i + 1).cloned().unwrap_or_default();
        match args[i].as_str() {
            "--rss-child" => {
                p.duration_s = value.parse::<f64>().unwrap_or(1.0) * 3600.0;
                let s = run_rehearse(&p);
                println!(
                    "{} {:.3} {}",
                    peak_rss_kib().unwrap_or(0),
                    s.wall_s,
                    s.requests
                );
                return;
            }
            "--rate" => p.rate = value.parse().unwrap_or(p.rate),
            "--duration" => p.duration_s = value.parse().unwrap_or(p.duration_s),
            "--seed" => p.seed = value.parse().unwrap_or(p.seed),
            "--no-simpy" => {
                simpy = false;
                i += 1;
                continue;
            }
            "--no-rss" => {
                rss = false;
                i += 1;
                continue;
            }
            _ => {
                i += 1; // cargo bench passes `--bench`
                continue;
            }
        }
        i += 2;
    }

    println!(
        "sim-canary: rate {}/s, duration {} s, weight-new {}%, {} servers, lognormal mean {} ms sd {} ms, errors {}/{}, seed {}",
        p.rate, p.duration_s, p.weight_new_pct, p.servers, p.mean_ms, p.sd_ms, p.error_old, p.error_new, p.seed
    );
    // Rehearse runs three times before SimPy and three times after (identical results); the
    // median wall time of the six is reported. A sub-second run on a shared machine is at the
    // mercy of the scheduler, and SimPy's run is long: bracketing it samples the same
    // conditions SimPy saw.
    let mut runs: Vec<Stats> = (0..3).map(|_| run_rehearse(&p)).collect();
    let theirs = if simpy { run_simpy(&p) } else { None };
    runs.extend((0..3).map(|_| run_rehearse(&p)));
    runs.sort_by(|a, b| a.wall_s.total_cmp(&b.wall_s));
    println!(
        "rehearse wall times of 6 runs: {} s",
        runs.iter()
            .map(|r| format!("{:.3}", r.wall_s))
            .collect::<Vec<_>>()
            .join(" ")
    );
    let ours = runs.swap_remove(runs.len() / 2);
    println!(
        "{:<10} {:>10} {:>8} {:>10} {:>8} {:>9} {:>9} {:>9} {:>9} {:>14} {:>14}",
        "",
        "requests",
        "errors",
        "old",
        "new",
        "mean_ms",
        "p99_ms",
        "wall_s",
        "cpu_s",
        "sim req/wall s",
        "sim req/cpu s"
    );
    let row = |name: &str, s: &Stats| {
        let cpu = s.cpu_s.map_or("-".to_owned(), |c| format!("{c:.3}"));
        let per_cpu = s
            .cpu_s
            .map_or("-".to_owned(), |c| format!("{:.0}", s.requests as f64 / c));
        println!(
            "{:<10} {:>10} {:>8} {:>10} {:>8} {:>9.4} {:>9.4} {:>9.3} {:>9} {:>14.0} {:>14}",
            name,
            s.requests,
            s.errors,
            s.old,
            s.new,
            s.mean_ms,
            s.p99_ms,
            s.wall_s,
            cpu,
            s.requests as f64 / s.wall_s,
            per_cpu
        )
    };
    row("rehearse", &ours);
    match &theirs {
        Some(t) => {
            row("simpy", t);
            let requests_diff = (ours.requests as f64 - t.requests as f64) / t.requests as f64;
            let mean_diff = (ours.mean_ms - t.mean_ms) / t.mean_ms;
            let agree = requests_diff.abs() <= 0.01 && mean_diff.abs() <= 0.02;
            println!(
                "agreement: requests {:+.3}% (±1%), mean response {:+.3}% (±2%), p99 {:+.2}% → {}",
                100.0 * requests_diff,
                100.0 * mean_diff,
                100.0 * (ours.p99_ms - t.p99_ms) / t.p99_ms,
                if agree { "AGREE" } else { "DISAGREE" }
            );
            let ratio = (ours.requests as f64 / ours.wall_s) / (t.requests as f64 / t.wall_s);
            println!("speed ratio rehearse/simpy (wall clock): {ratio:.0}× (goal ≥ 100×)");
            if let (Some(a), Some(b)) = (ours.cpu_s, t.cpu_s) {
                let cpu_ratio = (ours.requests as f64 / a) / (t.requests as f64 / b);
                println!("speed ratio rehearse/simpy (CPU time): {cpu_ratio:.0}×");
            }
        }
        None => println!("simpy: not run (set SIMPY_PYTHON to a python with simpy==4.1.2)"),
    }
    if rss {
        match (child_rss(1.0), child_rss(10.0)) {
            (Some((one, w1)), Some((ten, w10))) => println!(
                "peak RSS at 1000/s: 1 h simulated {one} KiB ({w1:.1} s), 10 h simulated {ten} KiB ({w10:.1} s): {:+.1}% (must be < 20%)",
                100.0 * (ten as f64 - one as f64) / one as f64
            ),
            _ => println!("peak RSS: child runs failed"),
        }
    }
}
