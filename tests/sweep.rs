//! Seed sweeps (issue #13): the sava crash scenario over 1000 seeds gives the same result
//! with one thread, two threads, and four shards merged; `rehearse merge` refuses a sweep
//! with a shard missing or given twice; `--shard auto/N` reads Kubernetes' index.

use std::path::Path;
use std::process::{Command, Output};

const SCENARIO: &str = "sava-crash-during-canary";

fn rehearse(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_rehearse"));
    command
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .env_remove("JOB_COMPLETION_INDEX");
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().expect("rehearse runs")
}

fn sweep(seeds: &str, extra: &[&str]) -> String {
    let mut args = vec![
        "run",
        "specs/sava",
        "--scenario",
        SCENARIO,
        "--seeds",
        seeds,
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    let output = rehearse(&args, &[]);
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

fn merge(dir: &Path, parts: &[String], format: &str) -> Output {
    let mut args = vec!["merge".to_string(), "--format".into(), format.into()];
    for (i, part) in parts.iter().enumerate() {
        let path = dir.join(format!("part-{i}.json"));
        std::fs::write(&path, part).unwrap();
        args.push(path.to_str().unwrap().to_string());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    rehearse(&args, &[])
}

#[test]
fn a_thousand_seeds_give_one_answer_however_the_work_is_split() {
    let one = sweep("1..1000", &["--jobs", "1"]);
    let two = sweep("1..1000", &["--jobs", "2"]);
    assert_eq!(one, two, "--jobs 1 and --jobs 2 differ");

    let report: serde_json::Value = serde_json::from_str(&one).unwrap();
    assert_eq!(report["scenario"], SCENARIO);
    assert_eq!(report["seeds"]["from"], 1);
    assert_eq!(report["seeds"]["to"], 1000);
    assert_eq!(report["runs"], 1000);
    assert!(report.get("partial").is_none());
    let expectations = report["expectations"].as_object().unwrap();
    assert_eq!(
        expectations.keys().collect::<Vec<_>>(),
        ["rollback_within", "user_error_rate", "weight_reaches"]
    );
    for (name, tally) in expectations {
        assert_eq!(tally["runs"], 1000, "{name}");
        let p = tally["p"].as_f64().unwrap();
        let ci = tally["ci95"].as_array().unwrap();
        let (lo, hi) = (ci[0].as_f64().unwrap(), ci[1].as_f64().unwrap());
        assert!(lo <= p && p <= hi, "{name}: {p} outside [{lo}, {hi}]");
    }
    let error_rate = &report["quantiles"]["user_error_rate_pct"];
    assert_eq!(error_rate["samples"], 1000);
    let q = |k: &str| error_rate[k].as_f64().unwrap();
    assert!(q("min") <= q("p50") && q("p50") <= q("p90") && q("p90") <= q("p99"));
    assert!(
        q("p99") <= q("max") && q("min") < q("max"),
        "seeds differ: {error_rate}"
    );

    let dir = tempfile::tempdir().unwrap();
    let parts: Vec<String> = (0..4)
        .map(|i| sweep("1..1000", &["--shard", &format!("{i}/4"), "--jobs", "1"]))
        .collect();
    for (i, part) in parts.iter().enumerate() {
        let part: serde_json::Value = serde_json::from_str(part).unwrap();
        assert_eq!(part["partial"]["shard"], i);
        assert_eq!(part["partial"]["seeds"]["count"], 250);
        assert_eq!(part["runs"], 250);
    }
    // Shards in any order merge into exactly the unsharded report.
    let shuffled = vec![
        parts[2].clone(),
        parts[0].clone(),
        parts[3].clone(),
        parts[1].clone(),
    ];
    let merged = merge(dir.path(), &shuffled, "json");
    assert!(merged.status.success(), "{merged:?}");
    assert_eq!(String::from_utf8(merged.stdout).unwrap(), one);

    let human_merged = merge(dir.path(), &parts, "human");
    let human_once = rehearse(
        &[
            "run",
            "specs/sava",
            "--scenario",
            SCENARIO,
            "--seeds",
            "1..1000",
        ],
        &[],
    );
    assert_eq!(human_merged.stdout, human_once.stdout);

    // A shard missing, or given twice, is refused.
    let missing = merge(dir.path(), &parts[..3], "json");
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("shards 3 of 4 are missing"));
    let twice = merge(
        dir.path(),
        &[
            parts[0].clone(),
            parts[0].clone(),
            parts[1].clone(),
            parts[2].clone(),
        ],
        "json",
    );
    assert_eq!(twice.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&twice.stderr).contains("given twice"));
    // The unsharded report is not a part.
    let whole = merge(dir.path(), &[one], "json");
    assert_eq!(whole.status.code(), Some(2));
}

#[test]
fn shard_auto_reads_the_job_completion_index() {
    let explicit = sweep("10..29", &["--shard", "1/3"]);
    let output = rehearse(
        &[
            "run",
            "specs/sava",
            "--scenario",
            SCENARIO,
            "--seeds",
            "10..29",
            "--shard",
            "auto/3",
            "--format",
            "json",
        ],
        &[("JOB_COMPLETION_INDEX", "1")],
    );
    assert!(output.status.success(), "{output:?}");
    assert_eq!(String::from_utf8(output.stdout).unwrap(), explicit);
    let part: serde_json::Value = serde_json::from_str(&explicit).unwrap();
    // 20 seeds in 3 shards: 6, 7, 7.
    assert_eq!(part["partial"]["seeds"]["from"], 16);
    assert_eq!(part["partial"]["seeds"]["count"], 7);

    let unset = rehearse(
        &[
            "run",
            "specs/sava",
            "--scenario",
            SCENARIO,
            "--seeds",
            "10..29",
            "--shard",
            "auto/3",
        ],
        &[],
    );
    assert_eq!(unset.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unset.stderr).contains("JOB_COMPLETION_INDEX"));
}

#[test]
fn bad_sweep_arguments_are_usage_errors() {
    for args in [
        &["--seeds", "10..1"][..],
        &["--seeds", "1-10"],
        &["--seeds", "0..18446744073709551615"],
        &["--seeds", "1..10", "--shard", "3/3"],
        &["--seeds", "1..10", "--trace", "/tmp/rehearse-sweep-trace"],
        &["--jobs", "2"],
    ] {
        let mut full = vec!["run", "specs/sava", "--scenario", SCENARIO];
        full.extend_from_slice(args);
        let output = rehearse(&full, &[]);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {output:?}");
        assert!(output.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn a_sweep_that_cannot_run_prints_the_check_report_as_json() {
    let output = rehearse(
        &[
            "run",
            "specs/sava",
            "--scenario",
            "no-such-scenario",
            "--seeds",
            "1..3",
            "--format",
            "json",
        ],
        &[],
    );
    assert_eq!(output.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(report["diagnostics"]
        .as_array()
        .is_some_and(|d| !d.is_empty()));
}

#[test]
fn an_absurd_job_count_is_capped_not_spawned() {
    let few = sweep("1..4", &["--jobs", "1"]);
    let absurd = sweep("1..4", &["--jobs", "100000000"]);
    assert_eq!(few, absurd);
}
