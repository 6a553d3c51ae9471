//! The peers' own numbers, reproduced by the Rust code: the 120 Argo replica-count vectors
//! (utils/replicaset/canary_test.go), the 57 Argo metric-phase vectors
//! (analysis/analysis_test.go) and the Flagger scheduler traces, all from
//! ../shared/reference/rollouts/*.tsv. Each row's upstream expectation is compared; a
//! mismatch names the row.

mod common;

use rehearse::ir::rollout::{FlaggerAnalysis, IntOrPercent};
use rehearse::ir::Spanned;
use rehearse::plan::analysis::{metric_phase, Counters, Limits};
use rehearse::plan::argo::{
    abort_weight_dynamic, approximate_weighted, basic_canary, fenceposts, traffic_routed,
    weight_to_replicas, BasicInput, RoutedInput, Rs,
};
use rehearse::plan::flagger::{ticks, Phase};
use rehearse::source::{FileId, Span};
use std::collections::BTreeMap;

fn rows(file: &str, test: &str) -> Option<Vec<BTreeMap<String, String>>> {
    let dir = common::shared_dir(test)?;
    let text = std::fs::read_to_string(dir.join("reference/rollouts").join(file)).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
    Some(
        lines
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                header
                    .iter()
                    .zip(l.split('\t').chain(std::iter::repeat("")))
                    .map(|(h, v)| (h.to_string(), v.to_string()))
                    .collect()
            })
            .collect(),
    )
}

fn int(row: &BTreeMap<String, String>, key: &str) -> Option<i64> {
    row.get(key).and_then(|v| v.trim().parse().ok())
}

fn flag(row: &BTreeMap<String, String>, key: &str) -> bool {
    row.get(key).is_some_and(|v| v == "true")
}

/// A TSV IntOrString: `20%` is a percentage, `3` an int, empty the zero IntOrString.
fn int_or_percent(row: &BTreeMap<String, String>, key: &str) -> IntOrPercent {
    let text = row.get(key).map(String::as_str).unwrap_or("");
    if let Some(p) = text.strip_suffix('%') {
        IntOrPercent::Percent(p.parse().ok(), text.to_string())
    } else {
        IntOrPercent::Int(text.parse().unwrap_or(0))
    }
}

fn rs(row: &BTreeMap<String, String>, spec: &str, available: &str) -> Option<Rs> {
    let spec = int(row, spec)?;
    Some(Rs {
        spec,
        available: int(row, available).unwrap_or(0),
    })
}

/// `{"replicas": 9, "weight": null, "matchTrafficWeight": false}`.
fn canary_scale(text: &str) -> Option<(Option<i64>, Option<i64>, bool)> {
    if text.trim().is_empty() {
        return None;
    }
    let v: serde_json::Value = serde_json::from_str(text).unwrap();
    Some((
        v["replicas"].as_i64(),
        v["weight"].as_i64(),
        v["matchTrafficWeight"].as_bool().unwrap_or(false),
    ))
}

/// Runs one replica-count row the way its upstream test calls the function.
fn replica_row(row: &BTreeMap<String, String>) -> (i64, Option<i64>) {
    let test = row["test_func"].as_str();
    let replicas = int(row, "replicas").unwrap_or(0);
    let weight = int(row, "setWeight").unwrap_or(0);
    let max_weight = int(row, "maxWeight").unwrap_or(100);
    match test {
        "TestApproximateWeightedNewStableReplicaCounts" => {
            let surge = int(row, "maxSurge").unwrap_or(0);
            let (c, s) = approximate_weighted(replicas, weight, max_weight, surge);
            (c, Some(s))
        }
        "TestTrafficWeightToReplicas" => (weight_to_replicas(replicas, weight, max_weight), None),
        "TestGetDesiredCanaryWeightOnAbortWithScaleDownDelay" => {
            // steps=[setWeight:10,setWeight:50]
            let steps: Vec<i64> = row["extraSteps"]
                .trim_start_matches("steps=[")
                .trim_end_matches(']')
                .split(',')
                .filter_map(|s| s.trim_start_matches("setWeight:").parse().ok())
                .collect();
            let explicit = int(row, "abortScaleDownDelaySeconds").is_some_and(|d| d > 0);
            let w = abort_weight_dynamic(
                replicas,
                max_weight,
                &steps,
                rs(row, "stableSpec", "stableAvail"),
                rs(row, "canarySpec", "canaryAvail"),
                explicit,
            );
            (w, None)
        }
        _ => {
            let routed = flag(row, "trafficRouting");
            let aborted = flag(row, "statusAbort");
            let promote_full = flag(row, "promoteFull");
            let stable_is_new = row["case"].contains("newRS==stableRS")
                || row["case"].contains("stableRS == newRS")
                || row["case"].contains("stableRS nil");
            if routed {
                let scs = canary_scale(&row["setCanaryScale"]);
                let abort_delay = int(row, "abortScaleDownDelaySeconds");
                // UseSetCanaryScale: ignored on abort unless abortScaleDownDelaySeconds is 0.
                let scs = scs
                    .filter(|(_, _, m)| !m)
                    .filter(|_| !aborted || abort_delay == Some(0));
                let mut desired = if promote_full { max_weight } else { weight };
                let dynamic = flag(row, "dynamicStableScale");
                if aborted && scs.is_none() {
                    desired = if dynamic {
                        // The row's weight is the first setWeight step; extraSteps adds more.
                        let mut steps = vec![weight];
                        steps.extend(
                            row["extraSteps"]
                                .split(',')
                                .filter_map(|s| s.trim().strip_prefix("setWeight:"))
                                .filter_map(|s| s.parse::<i64>().ok()),
                        );
                        let stable = rs(row, "stableSpec", "stableAvail").filter(|r| r.spec > 0);
                        let new = rs(row, "canarySpec", "canaryAvail")
                            .filter(|r| r.spec > 0)
                            .map(|r| Rs {
                                available: r.spec,
                                ..r
                            });
                        abort_weight_dynamic(replicas, max_weight, &steps, stable, new, false)
                    } else {
                        0
                    };
                }
                let (scs_replicas, w) = match scs {
                    Some((Some(r), _, _)) => (Some(r), 0),
                    Some((None, Some(w), _)) => (None, w),
                    _ => (None, desired),
                };
                let weights = match (int(row, "weightsCanary"), int(row, "weightsStable")) {
                    (Some(c), Some(s)) => Some((c, s)),
                    _ => None,
                };
                let (c, s) = traffic_routed(&RoutedInput {
                    replicas,
                    canary_scale_replicas: scs_replicas,
                    weight: w,
                    max_weight,
                    dynamic_stable_scale: dynamic,
                    current_weights: weights,
                    aborted,
                    min_pods_per_replica_set: int(row, "minPodsPerReplicaSet"),
                });
                (c, Some(s))
            } else {
                let surge = int_or_percent(row, "maxSurge");
                let unavailable = int_or_percent(row, "maxUnavailable");
                let new = rs(row, "canarySpec", "canaryAvail");
                let stable = if stable_is_new {
                    None
                } else {
                    rs(row, "stableSpec", "stableAvail")
                };
                let older: Vec<Rs> = rs(row, "olderSpec", "olderAvail").into_iter().collect();
                let w = if promote_full {
                    max_weight
                } else if aborted {
                    0
                } else {
                    weight
                };
                let (c, s) = basic_canary(&BasicInput {
                    replicas,
                    weight: w,
                    max_weight,
                    max_surge: Some(&surge),
                    max_unavailable: Some(&unavailable),
                    new,
                    stable,
                    older,
                });
                (c, Some(s))
            }
        }
    }
}

#[test]
fn argo_replica_vectors() {
    let Some(rows) = rows("ARGO_VECTORS.tsv", "argo_replica_vectors") else {
        return;
    };
    assert_eq!(rows.len(), 120, "ARGO_VECTORS.tsv should hold 120 vectors");
    let mut failures = Vec::new();
    for row in &rows {
        let (canary, stable) = replica_row(row);
        let expected_canary = int(row, "exp_canary");
        let expected_stable = int(row, "exp_stable");
        let ok = expected_canary == Some(canary)
            && (expected_stable.is_none() || expected_stable == stable);
        if !ok {
            failures.push(format!(
                "{} / {}: got ({canary}, {stable:?}), expected ({expected_canary:?}, {expected_stable:?})",
                row["test_func"], row["case"]
            ));
        }
    }
    println!(
        "ARGO_VECTORS: {}/{} reproduced",
        rows.len() - failures.len(),
        rows.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn argo_fenceposts_default_to_25_percent() {
    // ARGO.md §3.5: 5 replicas with the default "25" ⇒ surge 2, unavailable 1.
    assert_eq!(fenceposts(None, None, 5), (2, 1));
}

#[test]
fn argo_analysis_vectors() {
    let Some(rows) = rows("ARGO_ANALYSIS_VECTORS.tsv", "argo_analysis_vectors") else {
        return;
    };
    assert_eq!(rows.len(), 57);
    let mut failures = Vec::new();
    for row in &rows {
        let limits = Limits {
            count: int(row, "count"),
            has_interval: !row["interval"].is_empty(),
            failure_limit: int(row, "failureLimit"),
            inconclusive_limit: int(row, "inconclusiveLimit"),
            consecutive_error_limit: int(row, "consecutiveErrorLimit"),
            consecutive_success_limit: int(row, "consecutiveSuccessLimit"),
        };
        let counters = Counters {
            measurements: int(row, "n_measurements").unwrap_or(0) as usize,
            last_running: row["last_measurement_phase"] == "Running",
            count: int(row, "result.count").unwrap_or(0),
            successful: int(row, "result.successful").unwrap_or(0),
            failed: int(row, "result.failed").unwrap_or(0),
            inconclusive: int(row, "result.inconclusive").unwrap_or(0),
            consecutive_error: int(row, "result.consecutiveError").unwrap_or(0),
            consecutive_success: int(row, "result.consecutiveSuccess").unwrap_or(0),
        };
        let got = metric_phase(&limits, &counters, flag(row, "terminating"));
        if got.as_str() != row["expected_metric_phase"] {
            failures.push(format!(
                "{} / {} (terminating {}): got {}, expected {}",
                row["test_func"],
                row["case"],
                row["terminating"],
                got.as_str(),
                row["expected_metric_phase"]
            ));
        }
    }
    println!(
        "ARGO_ANALYSIS_VECTORS: {}/{} reproduced",
        rows.len() - failures.len(),
        rows.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn nowhere() -> Span {
    Span::point(FileId(0), 0)
}

/// `{'stepWeight': 20, 'maxWeight': 50}` → the analysis.
fn flagger_analysis(text: &str) -> FlaggerAnalysis {
    let json: serde_json::Value = serde_json::from_str(&text.replace('\'', "\"")).unwrap();
    let int = |k: &str| json[k].as_i64().map(|v| Spanned::new(v, nowhere()));
    FlaggerAnalysis {
        step_weight: int("stepWeight"),
        max_weight: int("maxWeight"),
        step_weights: json["stepWeights"]
            .as_array()
            .map(|a| Spanned::new(a.iter().filter_map(|v| v.as_i64()).collect(), nowhere())),
        step_weight_promotion: json["stepWeightPromotion"].as_i64(),
        ..FlaggerAnalysis::default()
    }
}

#[test]
fn flagger_vectors() {
    let Some(rows) = rows("FLAGGER_VECTORS.tsv", "flagger_vectors") else {
        return;
    };
    assert!(!rows.is_empty());
    for row in &rows {
        let analysis = flagger_analysis(&row["analysis"]);
        let (ticks, stalls) = ticks(&analysis, None);
        assert!(!stalls, "{}", row["test_func"]);
        let expected = row
            .iter()
            .find(|(k, _)| k.starts_with("expected_primary_weights"))
            .map(|(_, v)| v.clone())
            .unwrap();
        if expected.contains(':') {
            // phase:canaryWeight per tick.
            let got: Vec<String> = ticks
                .iter()
                .map(|t| format!("{}:{}", t.phase.as_str(), t.status_weight))
                .collect();
            assert_eq!(got.join(";"), expected, "{}", row["test_func"]);
        } else {
            let got: Vec<String> = ticks
                .iter()
                .filter(|t| t.phase == Phase::Progressing)
                .map(|t| t.primary_weight.to_string())
                .collect();
            assert_eq!(got.join(","), expected, "{}", row["test_func"]);
            let following: Vec<&str> = ticks
                .iter()
                .filter(|t| t.phase != Phase::Progressing)
                .map(|t| t.phase.as_str())
                .collect();
            assert_eq!(
                following.join(","),
                row["expected_following_phases"],
                "{}",
                row["test_func"]
            );
        }
    }
    println!(
        "FLAGGER_VECTORS: {}/{} traces reproduced",
        rows.len(),
        rows.len()
    );
}
