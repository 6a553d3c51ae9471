//! Builders shared by the simulator's tests.

use rehearse::check::{check, Checked, Input, Options};
use rehearse::sim::engine::NANOS_PER_SEC;
use rehearse::sim::model::{Balance, RouteModel, ServiceModel, Target};
use rehearse::sim::samplers::Duration;
use rehearse::sim::{run, RunOptions, RunResult};

/// A service answering in a constant 1 ms, without errors, with room for 100 requests at a
/// time; restarted 1 s after a death.
pub fn quick_service(name: &str, instances: u32) -> ServiceModel {
    ServiceModel {
        name: name.into(),
        deployment: "d".into(),
        cluster: "c".into(),
        latency: Duration::Constant { seconds: 0.001 },
        error_rate: 0.0,
        concurrency: 100,
        startup: 0,
        instances,
        restart_delay: NANOS_PER_SEC,
        cpu: 0.0,
        memory_mb: 0.0,
    }
}

/// An unconditional round-robin route to a service.
pub fn route(name: &str, weight_bp: u32, service: usize) -> RouteModel {
    RouteModel {
        name: name.into(),
        weight_bp,
        condition: None,
        condition_strength_bp: 0,
        target: Target::Service(service),
        balance: Balance::RoundRobin,
    }
}

/// In-memory files, all reported.
pub fn inputs(files: &[(&str, &str)]) -> Vec<Input> {
    files
        .iter()
        .map(|(path, text)| Input::reported((*path).to_owned(), text.as_bytes().to_vec()))
        .collect()
}

/// Checks `inputs`, failing the test with the errors if there are any.
pub fn checked_without_errors(inputs: Vec<Input>) -> Checked {
    let checked = check(inputs, &Options::default());
    let errors: Vec<String> = checked
        .error_diagnostics()
        .map(|d| format!("{} {}", d.code.id, d.message))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    checked
}

/// Files written to a fresh temporary folder (Cloudify blueprints and KrakenD configs are
/// named by path), all reported. `test` keeps the test binaries' folders apart.
pub fn folder(test: &str, name: &str, files: &[(&str, &str)]) -> Vec<Input> {
    let dir = std::env::temp_dir().join(format!("rehearse-{test}-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp folder");
    files
        .iter()
        .map(|(file, text)| {
            let path = dir.join(file);
            std::fs::write(&path, text).expect("write");
            Input::reported(path.display().to_string(), text.as_bytes().to_vec())
        })
        .collect()
}

/// Rehearses the project, or fails the test with the run's diagnostics.
pub fn rehearsed(project: &rehearse::ir::Project, options: RunOptions<'_>) -> RunResult {
    run(project, options).unwrap_or_else(|d| {
        panic!(
            "run failed: {:?}",
            d.iter().map(|d| &d.message).collect::<Vec<_>>()
        )
    })
}

/// An Argo Rollout `shop` of `replicas` pods running `example/shop:v1`, with a canary
/// strategy: `spec_extra` holds further `spec` fields (indented two spaces, each line ending
/// in a newline), `canary` the body of `strategy.canary` (indented six spaces).
pub fn argo_rollout(replicas: u32, spec_extra: &str, canary: &str) -> String {
    format!(
        "apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: shop
spec:
  replicas: {replicas}
{spec_extra}  selector:
    matchLabels:
      app: shop
  template:
    metadata:
      labels:
        app: shop
    spec:
      containers:
        - name: shop
          image: example/shop:v1
  strategy:
    canary:
{canary}"
    )
}

/// The run's decisions of one kind (`step`, `abort`, `webhook`, ...), in time order.
pub fn decisions_of<'a>(
    result: &'a RunResult,
    kind: &str,
) -> Vec<&'a rehearse::sim::trace::Decision> {
    result.decisions.iter().filter(|d| d.kind == kind).collect()
}

/// When each decision of one kind was taken (ns).
pub fn decision_times(result: &RunResult, kind: &str) -> Vec<u64> {
    decisions_of(result, kind).iter().map(|d| d.t).collect()
}
