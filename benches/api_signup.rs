//! api-signup (issue 10): the signup example at 1000 requests/s (half `yes`, half `no`) for
//! an hour of simulated time. Prints simulated backend calls per wall-clock second, then the
//! peak RSS of 1 h vs 10 h simulated (each in a fresh process).
//!
//! `cargo bench --bench api_signup` (release; not run in CI). Options: `--hours H` runs once
//! and prints `calls`, `seconds` and `peak_rss_kib` (what the RSS comparison spawns).

use rehearse::check::{check, Input, Options};
use rehearse::sim::build::build;
use rehearse::sim::world::World;
use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

fn inputs(hours: u64) -> Vec<Input> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("specs/signup");
    let config = std::fs::read(dir.join("krakend.json")).expect("config");
    let scenario = std::fs::read_to_string(dir.join("scenario.yaml")).expect("scenario");
    let start = scenario.find("duration:").expect("duration");
    let end = scenario.find("expect:").expect("expect");
    let behaviors = &scenario[scenario.find("behaviors:").expect("behaviors")
        ..scenario.find("traffic:").expect("traffic")];
    let scenario = format!(
        "{}duration: {hours}h\n{behaviors}traffic:\n  - {{ to: \"POST /user/signup/yes\", rate: 500/s }}\n  - {{ to: \"POST /user/signup/no\", rate: 500/s }}\n{}",
        &scenario[..start],
        &scenario[end..]
    );
    vec![
        Input::reported(dir.join("krakend.json").display().to_string(), config),
        Input::reported(
            dir.join("scenario.yaml").display().to_string(),
            scenario.into_bytes(),
        ),
    ]
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// Runs `hours` of the signup scenario: (backend calls, wall seconds).
fn once(hours: u64) -> (u64, f64) {
    let checked = check(inputs(hours), &Options::default());
    assert_eq!(checked.errors(), 0, "the signup example checks");
    let scenario = &checked.project.scenarios[0];
    let model = build(&checked.project, scenario, 1).expect("model");
    let started = Instant::now();
    let mut world = World::new(model, None);
    world.run();
    let seconds = started.elapsed().as_secs_f64();
    let calls = world
        .api
        .stats
        .iter()
        .zip(&world.model.api.endpoints)
        .flat_map(|(s, e)| s.backends.iter().zip(&e.backends))
        .filter(|(_, info)| !info.workflow)
        .map(|(b, _)| b.calls)
        .sum();
    (calls, seconds)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--hours") {
        let hours = args.get(i + 1).and_then(|h| h.parse().ok()).unwrap_or(1);
        let (calls, seconds) = once(hours);
        println!(
            "calls {calls} seconds {seconds:.3} peak_rss_kib {}",
            peak_rss_kib()
        );
        return;
    }
    let (calls, seconds) = once(1);
    println!(
        "api-signup: 1 h at 1000/s: {calls} backend calls in {seconds:.3} s wall = {:.2} M calls/s",
        calls as f64 / seconds / 1e6
    );
    let exe = std::env::current_exe().expect("bench executable");
    let rss = |hours: &str| -> u64 {
        let out = Command::new(&exe)
            .args(["--hours", hours])
            .output()
            .expect("child run");
        let text = String::from_utf8_lossy(&out.stdout);
        text.split_whitespace()
            .skip_while(|w| *w != "peak_rss_kib")
            .nth(1)
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    let (one, ten) = (rss("1"), rss("10"));
    println!(
        "peak RSS: 1 h {one} KiB, 10 h {ten} KiB ({:+.1}%)",
        (ten as f64 / one.max(1) as f64 - 1.0) * 100.0
    );
}
