//! The seed tutorial (specs/sava): the canary ramp without faults and the crash at 30%.

mod common;

use common::sim::checked_without_errors;
use rehearse::check::{check, Input, Options};
use rehearse::sim::{run, RunOptions, RunResult};

fn project_files() -> Vec<Input> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/specs/sava");
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .expect("specs/sava")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension()
                .is_some_and(|x| x == "yml" || x == "yaml" || x == "json")
        })
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            Input::reported(
                format!("specs/sava/{}", p.file_name().unwrap().to_string_lossy()),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect()
}

fn rehearse(scenario: &str, seed: Option<u64>) -> RunResult {
    let checked = checked_without_errors(project_files());
    match run(
        &checked.project,
        RunOptions {
            scenario: Some(scenario.into()),
            seed,
            trace: None,
            ..Default::default()
        },
    ) {
        Ok(result) => result,
        Err(diagnostics) => panic!(
            "run failed: {:#?}",
            diagnostics
                .iter()
                .map(|d| format!("{} {}", d.code.id, d.message))
                .collect::<Vec<_>>()
        ),
    }
}

fn timeline(result: &RunResult) -> String {
    result
        .decisions
        .iter()
        .map(|d| {
            format!(
                "{:>7.3}s {:<9} {} {}",
                d.t as f64 / 1e9,
                d.kind,
                d.target,
                d.detail
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn canary_reaches_full_weight_on_the_twentieth_clean_tick() {
    let result = rehearse("sava-canary", None);
    let full = result
        .decisions
        .iter()
        .find(|d| d.kind == "weights" && d.detail["sava/sava/sava:1.1/web"] == 100)
        .expect("sava:1.1 reaches 100%");
    assert_eq!(full.t, 95_000_000_000, "{}", timeline(&result));
    let steps = result
        .decisions
        .iter()
        .filter(|d| d.kind == "weights")
        .count();
    assert_eq!(steps, 20, "{}", timeline(&result));
    assert!(result.passed(), "{:#?}", result.expectations);
}

#[test]
fn crash_at_thirty_percent_rolls_back_and_ramps_again() {
    let result = rehearse("sava-crash-during-canary", None);
    let text = timeline(&result);
    let rollback = result
        .decisions
        .iter()
        .find(|d| d.kind == "rollback")
        .expect("a rollback");
    assert_eq!(rollback.t, 30_000_000_000, "{text}");
    let weight_before = result
        .decisions
        .iter()
        .rev()
        .find(|d| d.kind == "weights" && d.t < rollback.t)
        .map(|d| d.detail["sava/sava/sava:1.1/web"].clone());
    assert_eq!(weight_before, Some(serde_json::json!(30)), "{text}");
    let down = result
        .decisions
        .iter()
        .find(|d| {
            d.kind == "health" && d.target == "gateway sava/sava/web" && d.detail["health"] == 0
        })
        .expect("health drops");
    let up = result
        .decisions
        .iter()
        .find(|d| {
            d.kind == "health" && d.target == "gateway sava/sava/web" && d.detail["health"] == 1
        })
        .expect("health recovers");
    assert!(down.t <= rollback.t, "{text}");
    // The last 5xx happens between the kill (27 s) and the rollback (30 s).
    let recovery_after_kill = (up.t - 27_000_000_000) as f64 / 1e9;
    assert!((30.0..=38.0).contains(&recovery_after_kill), "{text}");
    let ramp_again = result
        .decisions
        .iter()
        .find(|d| d.kind == "weights" && d.t > rollback.t)
        .expect("the ramp starts again");
    assert!(ramp_again.t >= up.t, "{text}");
    assert!(result.passed(), "{:#?}\n{text}", result.expectations);
    insta::assert_snapshot!("crash_timeline", text);
}

#[test]
fn same_seed_same_report_other_seed_differs() {
    let a = rehearse("sava-crash-during-canary", Some(7))
        .to_json()
        .to_string();
    let b = rehearse("sava-crash-during-canary", Some(7))
        .to_json()
        .to_string();
    let c = rehearse("sava-crash-during-canary", Some(7))
        .to_json()
        .to_string();
    let other = rehearse("sava-crash-during-canary", Some(8))
        .to_json()
        .to_string();
    assert_eq!(a, b);
    assert_eq!(b, c);
    assert_ne!(a, other);
}

#[test]
fn human_summary_of_the_crash() {
    let result = rehearse("sava-crash-during-canary", None);
    insta::assert_snapshot!("crash_human", rehearse::report::run::human(&result));
}

#[test]
fn trace_is_byte_identical_and_file_order_changes_nothing() {
    let trace_of = |reverse: bool| {
        let mut files = project_files();
        if reverse {
            files.reverse();
        }
        let checked = check(files, &Options::default());
        let mut buffer: Vec<u8> = Vec::new();
        let result = run(
            &checked.project,
            RunOptions {
                scenario: Some("sava-crash-during-canary".into()),
                seed: None,
                trace: Some(&mut buffer),
                ..Default::default()
            },
        )
        .map_err(|d| format!("{d:?}"))
        .expect("runs");
        (buffer, result.to_json().to_string())
    };
    let (t1, j1) = trace_of(false);
    let (t2, j2) = trace_of(false);
    let (t3, j3) = trace_of(true);
    assert_eq!(t1, t2);
    assert_eq!(t1, t3);
    assert_eq!(j1, j2);
    assert_eq!(j1, j3);
    let text = String::from_utf8(t1).expect("utf-8");
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    assert_eq!(lines[0]["type"], "header");
    // 240 s of snapshots every 5 s
    assert_eq!(lines.iter().filter(|l| l["type"] == "snapshot").count(), 48);
    assert!(lines
        .iter()
        .any(|l| l["type"] == "decision" && l["kind"] == "rollback"));
}

#[test]
fn json_report_has_the_contract_fields() {
    let result = rehearse("sava-canary", None);
    let v = result.to_json();
    for key in [
        "scenario",
        "seed",
        "duration_s",
        "requests",
        "errors",
        "services",
        "decisions",
        "expectations",
    ] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
    let s = &v["services"]["sava:1.0"];
    for key in ["requests", "errors", "mean_ms", "p50_ms", "p99_ms"] {
        assert!(s.get(key).is_some(), "services.sava:1.0 lacks {key}");
    }
    assert_eq!(v["decisions"][0]["t_s"], 0.0);
    assert_eq!(v["decisions"][0]["kind"], "weights");
    assert_eq!(v["decisions"][0]["target"], "sava/sava/web");
    assert_eq!(v["decisions"][0]["detail"]["sava/sava/sava:1.1/web"], 5);
}

/// The crash run's JSON report and trace, pinned byte for byte: a refactoring of the runtime
/// model (e.g. the dialect-neutral topology of DESIGN §5a) must not change a single one.
/// Written by the binary of the commit before that refactoring (`rehearse run specs/sava
/// --scenario sava-crash-during-canary --format json --trace FILE`, seed 42). Since then the
/// trace's snapshot lines gained two fields, each service's `p50_ms` and `p99_ms` over the
/// interval (for the HTML report); everything else in the pin is unchanged.
#[test]
fn the_crash_report_and_trace_are_pinned() {
    let checked = checked_without_errors(project_files());
    let mut trace: Vec<u8> = Vec::new();
    let result = run(
        &checked.project,
        RunOptions {
            scenario: Some("sava-crash-during-canary".into()),
            seed: None,
            trace: Some(&mut trace),
            ..RunOptions::default()
        },
    )
    .map_err(|d| format!("{d:?}"))
    .expect("runs");
    insta::assert_snapshot!("crash_report_json", rehearse::report::run::json(&result));
    insta::assert_snapshot!(
        "crash_trace",
        String::from_utf8(trace).expect("the trace is UTF-8")
    );
}
