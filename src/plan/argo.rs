//! Argo Rollouts' canary arithmetic, exactly as reference/rollouts/ARGO.md §3 states it
//! (utils/replicaset/canary.go, utils/replicaset/replicaset.go at argoproj/argo-rollouts
//! 9f8d111d), and the step-by-step plan of one Rollout built on it.
//!
//! Everything is integer arithmetic; the one comparison of ratios (which canary count is
//! closest to the weight) is done by cross-multiplication, so no float rounding can differ
//! from Go's float64 results on the tested ranges.

use crate::ir::rollout::{IntOrPercent, PauseDuration, Rollout, Step};

/// One ReplicaSet's counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Rs {
    pub spec: i64,
    pub available: i64,
}

/// `GetValueFromIntOrPercent`: an int is a count; any string is a percentage of `total`.
fn int_or_percent(value: &IntOrPercent, total: i64, round_up: bool) -> i64 {
    match value {
        IntOrPercent::Int(i) => *i,
        IntOrPercent::Percent(p, _) => {
            // In i128: a document's percentage times the replicas may not fit in i64.
            let num = i128::from(p.unwrap_or(0)) * i128::from(total);
            let scaled = if round_up {
                num.div_euclid(100) + i128::from(num.rem_euclid(100) != 0)
            } else {
                num.div_euclid(100)
            };
            saturate(scaled)
        }
    }
}

/// An i128 result as i64, saturated at the bounds.
fn saturate(value: i128) -> i64 {
    i64::try_from(value).unwrap_or(if value < 0 { i64::MIN } else { i64::MAX })
}

/// The default of both fenceposts: the string "25" (a percentage).
fn default_fencepost() -> IntOrPercent {
    IntOrPercent::Percent(Some(25), "25".to_string())
}

/// The fenceposts as configured (defaults applied), before both-zero is forced to 1.
pub fn resolve_fenceposts_configured(
    max_surge: Option<&IntOrPercent>,
    max_unavailable: Option<&IntOrPercent>,
    replicas: i64,
) -> (i64, i64) {
    let d = default_fencepost();
    (
        int_or_percent(max_surge.unwrap_or(&d), replicas, true),
        int_or_percent(max_unavailable.unwrap_or(&d), replicas, false),
    )
}

/// `resolveFenceposts` + `MaxSurge` / `MaxUnavailable`: (surge, unavailable).
pub fn fenceposts(
    max_surge: Option<&IntOrPercent>,
    max_unavailable: Option<&IntOrPercent>,
    replicas: i64,
) -> (i64, i64) {
    let (surge, mut unavailable) =
        resolve_fenceposts_configured(max_surge, max_unavailable, replicas);
    if surge == 0 && unavailable == 0 {
        unavailable = 1;
    }
    let unavailable = if replicas == 0 {
        0
    } else {
        unavailable.min(replicas)
    };
    (surge, unavailable)
}

/// `trafficWeightToReplicas`: ceil(weight × replicas / maxWeight).
pub fn weight_to_replicas(replicas: i64, weight: i64, max_weight: i64) -> i64 {
    if max_weight <= 0 {
        return 0;
    }
    let num = i128::from(weight) * i128::from(replicas);
    let mw = i128::from(max_weight);
    saturate(num.div_euclid(mw) + i128::from(num.rem_euclid(mw) != 0))
}

/// `approximateWeightedCanaryStableReplicaCounts`: (canary, stable).
pub fn approximate_weighted(replicas: i64, weight: i64, max_weight: i64, surge: i64) -> (i64, i64) {
    if replicas == 0 || max_weight <= 0 {
        return (0, 0);
    }
    let (r, w, mw) = (
        i128::from(replicas),
        i128::from(weight),
        i128::from(max_weight),
    );
    let ceil = (r * w).div_euclid(mw) + i128::from((r * w).rem_euclid(mw) != 0);
    let floor = (r * w).div_euclid(mw);
    let zero_ok = w == mw || w == 0 || (r == 1 && surge == 0);
    // The fractional part of T·w/MW is exactly one half.
    let tied = |t: i128| 2 * (t * w).rem_euclid(mw) == mw;
    let mut options: Vec<(i128, i128)> = Vec::new();
    if ceil < r || zero_ok {
        options.push((ceil, r));
    }
    if !tied(r) && (floor != 0 || zero_ok) {
        options.push((floor, r));
    }
    if surge > 0 {
        options.push((ceil, r + 1));
        if !tied(r + 1) && (floor != 0 || zero_ok) {
            options.push((floor, r + 1));
        }
    }
    let Some(&first) = options.first() else {
        return (0, replicas);
    };
    // |c·MW/T − w| = |c·MW − w·T| / T; compare a/t1 < b/t2 as a·t2 < b·t1.
    let distance = |(c, t): (i128, i128)| ((c * mw - w * t).abs(), t);
    let mut best = first;
    for &option in &options[1..] {
        let (a, t1) = distance(option);
        let (b, t2) = distance(best);
        if a * t2 < b * t1 {
            best = option;
        }
    }
    (saturate(best.0), saturate(best.1 - best.0))
}

/// `GetReplicasForScaleDown`.
fn for_scale_down(rs: Option<Rs>, ignore_available: bool) -> i64 {
    match rs {
        None => 0,
        Some(rs) if rs.spec < rs.available => rs.spec,
        Some(rs) if ignore_available => rs.spec,
        Some(rs) => rs.available,
    }
}

/// `adjustReplicaWithinLimits`: (drain count, adjusted count).
fn adjust(
    drain: Option<Rs>,
    adjusted: Option<Rs>,
    mut drain_count: i64,
    mut adjusted_count: i64,
    max_allowed: i64,
    min_available: i64,
) -> (i64, i64) {
    let mut total_available = 0;
    let over = (adjusted_count + drain_count - max_allowed).max(0);
    if let Some(d) = drain {
        total_available += d.available.min(drain_count);
    }
    if let Some(a) = adjusted {
        adjusted_count -= over;
        total_available += a.available.min(adjusted_count);
        let extra = (a.available - adjusted_count).max(0);
        let need = (min_available - total_available).max(0);
        adjusted_count += extra.min(need);
        drain_count -= (adjusted_count + drain_count - max_allowed).max(0);
    }
    (drain_count, adjusted_count)
}

/// The inputs of the basic-canary count: the rollout's settings and the ReplicaSets.
#[derive(Clone, Debug)]
pub struct BasicInput<'a> {
    pub replicas: i64,
    /// The desired canary weight (already resolved: promoteFull ⇒ max weight, abort ⇒ 0).
    pub weight: i64,
    pub max_weight: i64,
    pub max_surge: Option<&'a IntOrPercent>,
    pub max_unavailable: Option<&'a IntOrPercent>,
    pub new: Option<Rs>,
    /// The stable ReplicaSet, when there is one and it is not the new one.
    pub stable: Option<Rs>,
    pub older: Vec<Rs>,
}

/// `CalculateReplicaCountsForBasicCanary`: (canary, stable).
pub fn basic_canary(input: &BasicInput) -> (i64, i64) {
    let r = input.replicas;
    let (surge, unavailable) = fenceposts(input.max_surge, input.max_unavailable, r);
    let (mut desired_new, mut desired_stable) =
        approximate_weighted(r, input.weight, input.max_weight, surge);
    let mut new_count = input.new.map_or(0, |n| n.spec);
    let mut stable_count = 0;
    match input.stable {
        Some(s) => stable_count = s.spec,
        None => (desired_new, desired_stable) = (r, 0),
    }
    let max_allowed = r.saturating_add(surge);
    let older_spec: i64 = input.older.iter().map(|o| o.spec).sum();
    let total = older_spec + input.new.map_or(0, |n| n.spec) + input.stable.map_or(0, |s| s.spec);
    let mut up = max_allowed - total;
    if let Some(s) = input.stable {
        if s.spec < desired_stable && up > 0 {
            stable_count = desired_stable.min(s.spec + up);
            up -= stable_count - s.spec;
        }
    }
    if let Some(n) = input.new {
        if n.spec < desired_new && up > 0 {
            new_count = desired_new.min(n.spec + up);
        }
    }
    if older_spec > 0 {
        return (new_count, stable_count);
    }
    let min_available = r - unavailable;
    let increasing = input.new.is_none_or(|n| desired_new >= n.spec);
    let to_down = for_scale_down(input.new, !increasing) + for_scale_down(input.stable, increasing);
    if to_down <= min_available {
        return (new_count, stable_count);
    }
    let k = to_down - min_available;
    if !increasing {
        if let Some(n) = input.new {
            if n.spec > desired_new {
                new_count = desired_new.max(n.spec - k);
            }
        }
        (new_count, stable_count) = adjust(
            input.new,
            input.stable,
            new_count,
            stable_count,
            max_allowed,
            min_available,
        );
    } else if let Some(s) = input.stable {
        if s.spec > desired_stable {
            stable_count = desired_stable.max(s.spec - k);
        }
        (stable_count, new_count) = adjust(
            input.stable,
            input.new,
            stable_count,
            new_count,
            max_allowed,
            min_available,
        );
    }
    (new_count, stable_count)
}

/// The inputs of the traffic-routed count.
#[derive(Clone, Debug, Default)]
pub struct RoutedInput {
    pub replicas: i64,
    /// `setCanaryScale.replicas` in force, if any.
    pub canary_scale_replicas: Option<i64>,
    /// The desired weight (or the setCanaryScale weight).
    pub weight: i64,
    pub max_weight: i64,
    pub dynamic_stable_scale: bool,
    /// `status.canary.weights` (canary, stable) from the previous reconcile.
    pub current_weights: Option<(i64, i64)>,
    pub aborted: bool,
    pub min_pods_per_replica_set: Option<i64>,
}

/// `CalculateReplicaCountsForTrafficRoutedCanary`: (canary, stable).
pub fn traffic_routed(input: &RoutedInput) -> (i64, i64) {
    let r = input.replicas;
    let mw = input.max_weight;
    let min_pods = |n: i64| match input.min_pods_per_replica_set {
        Some(m) if n != 0 => n.max(m.min(r)),
        _ => n,
    };
    let mut canary = input
        .canary_scale_replicas
        .unwrap_or_else(|| min_pods(weight_to_replicas(r, input.weight, mw)));
    if !input.dynamic_stable_scale {
        return (canary, r);
    }
    let mut stable = weight_to_replicas(r, mw - input.weight, mw);
    if let Some((wc, ws)) = input.current_weights {
        stable = stable.max(weight_to_replicas(r, ws, mw));
        if input.aborted {
            canary = canary.max(weight_to_replicas(r, wc, mw));
        }
    }
    (min_pods(canary), min_pods(stable))
}

/// `GetDesiredCanaryWeight` on abort with dynamicStableScale: walk the setWeight steps back
/// down to the last one whose replica count is below the canary pods still needed.
pub fn abort_weight_dynamic(
    replicas: i64,
    max_weight: i64,
    set_weights: &[i64],
    stable: Option<Rs>,
    new: Option<Rs>,
    abort_scale_down_delay_explicit: bool,
) -> i64 {
    let (Some(stable), Some(new)) = (stable, new) else {
        return 0;
    };
    let canary_needed = if abort_scale_down_delay_explicit {
        replicas - stable.available
    } else {
        (replicas - stable.available).max(new.available)
    };
    set_weights
        .iter()
        .rev()
        .copied()
        .find(|w| weight_to_replicas(replicas, *w, max_weight) < canary_needed)
        .unwrap_or(0)
}

// ---------------------------------------------------------------------------------------------
// The plan of one Rollout.

/// One row of the plan.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub index: usize,
    pub action: String,
    /// The desired canary weight once the step is reached.
    pub weight: i64,
    /// The traffic weight actually in force when the step completes: the router's weight
    /// (traffic routing) or the ready-pod share in percent (basic canary).
    pub traffic_weight: f64,
    pub canary: Rs,
    pub stable: Rs,
    pub start_ns: u64,
    /// `None`: waits for `kubectl argo rollouts promote`.
    pub end_ns: Option<u64>,
    /// Analysis runs active during the step (`background: t1, t2`, `step: t`).
    pub analysis: Vec<String>,
    /// What the step depends on that the plan does not know (an unresolved template, an
    /// unbounded metric).
    pub note: Option<String>,
}

/// The duration of one analysis run: (earliest success, latest success) in ns; `None` for
/// the latest when a metric never ends or a template is unknown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunTime {
    pub min_ns: u64,
    pub max_ns: Option<u64>,
    /// When the run fails at the earliest if every measurement fails.
    pub fail_ns: Option<u64>,
}

/// Resolved analysis: (names, run time).
pub type AnalysisTiming = (Vec<String>, RunTime);

/// The successful run time of a set of metrics (§4.4: measurements at initialDelay,
/// +interval, ...; the run ends with its slowest metric).
pub fn run_time(metrics: &[&crate::ir::rollout::Metric]) -> RunTime {
    let mut min_ns = 0u64;
    let mut max_ns = Some(0u64);
    let mut fail_ns: Option<u64> = None;
    for m in metrics {
        let delay = m.initial_delay_ns();
        let interval = m.interval_ns().unwrap_or(0);
        let at = |n: i64| delay.saturating_add(interval.saturating_mul(n.max(1) as u64 - 1));
        match m.effective_count() {
            Some(count) => {
                let csl = m.consecutive_success_limit();
                let earliest = if csl > 0 { count.min(csl) } else { count };
                min_ns = min_ns.max(at(earliest));
                max_ns = max_ns.map(|x| x.max(at(count)));
            }
            None => max_ns = None,
        }
        // Failed once failed > failureLimit: the (failureLimit+1)-th measurement.
        let fl = m.failure_limit();
        if fl >= 0 && m.effective_count().is_none_or(|c| fl < c) {
            let t = at(fl + 1);
            fail_ns = Some(fail_ns.map_or(t, |f| f.min(t)));
        }
    }
    RunTime {
        min_ns,
        max_ns,
        fail_ns,
    }
}

/// A `setCanaryScale` in force: (replicas, weight).
pub type CanaryScale = (Option<i64>, Option<i64>);

/// Per step index: `GetCurrentSetWeight` (the nearest setWeight at or before it, 0 before
/// any) and `UseSetCanaryScale` (the latest setCanaryScale at or before it, unless it matches
/// the traffic weight). Carried forward once, so thousands of steps cost linear time, not a
/// backward scan per step and reconcile. Past the last step the weight is the max weight.
pub fn carried_settings(steps: &[&Step]) -> Vec<(i64, Option<CanaryScale>)> {
    let mut weight_in_force = 0;
    let mut scale_in_force = None;
    steps
        .iter()
        .map(|step| {
            match step {
                Step::SetWeight(w) => weight_in_force = *w,
                Step::SetCanaryScale {
                    weight,
                    replicas,
                    match_traffic_weight,
                } => {
                    scale_in_force = (!*match_traffic_weight).then_some((*replicas, *weight));
                }
                _ => {}
            }
            (weight_in_force, scale_in_force)
        })
        .collect()
}

/// Options of a plan.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Overrides `spec.replicas`.
    pub replicas: Option<i64>,
}

/// The step table of a Rollout's update: the stable ReplicaSet runs `replicas` pods, a new
/// revision starts the canary at step 0, pods become available in the reconcile after they
/// are created, indefinite pauses are promoted at once (their end is unknown). `analysis`
/// gives the timing of each step's analysis (by step index) and of the background analysis.
pub fn plan(
    rollout: &Rollout,
    options: &Options,
    step_analysis: &dyn Fn(usize) -> Option<AnalysisTiming>,
    background: Option<(Vec<String>, Option<i64>)>,
) -> (Vec<Row>, u64, Option<u64>) {
    let Some(canary) = &rollout.canary else {
        return (Vec::new(), 0, Some(0));
    };
    // The total: earliest (indefinite pauses promoted at once, analyses ending at their
    // earliest success) and latest (unknown once anything waits for a human or never ends).
    let mut total_min = 0u64;
    let mut total_max = Some(0u64);
    let replicas = options
        .replicas
        .unwrap_or_else(|| rollout.replicas())
        .max(0);
    let routing = canary.traffic_routing.as_ref();
    let max_weight = routing.map_or(100, |t| t.max_weight());
    let steps: Vec<&Step> = canary.steps.iter().map(|s| &s.value).collect();
    let mut new = Rs::default();
    let mut stable = Rs {
        spec: replicas,
        available: replicas,
    };
    let mut router_weight = 0i64;
    let mut rows = Vec::new();
    let mut now = 0u64;

    // GetCurrentSetWeight: the nearest setWeight at or before the index; max weight past the
    // end. UseSetCanaryScale: the latest setCanaryScale at or before the index, unless it
    // matches the traffic weight. Both are carried forward once, so a document's thousands of
    // steps cost linear time, not a backward scan per step and reconcile.
    let carried = carried_settings(&steps);
    let set_weight_at = |index: usize| -> i64 { carried.get(index).map_or(max_weight, |c| c.0) };
    let canary_scale_at = |index: usize| -> Option<CanaryScale> {
        routing?;
        carried.get(index)?.1
    };
    let desired = |index: usize, stable: Rs, new: Rs, router: i64| -> (i64, i64) {
        let weight = set_weight_at(index);
        match routing {
            None => basic_canary(&BasicInput {
                replicas,
                weight,
                max_weight: 100,
                max_surge: canary.max_surge.as_ref().map(|s| &s.value),
                max_unavailable: canary.max_unavailable.as_ref().map(|s| &s.value),
                new: Some(new),
                stable: Some(stable),
                older: Vec::new(),
            }),
            Some(_) => {
                let scs = canary_scale_at(index);
                let (scs_replicas, w) = match scs {
                    Some((Some(r), _)) => (Some(r), 0),
                    Some((None, Some(w))) => (None, w),
                    _ => (None, weight),
                };
                traffic_routed(&RoutedInput {
                    replicas,
                    canary_scale_replicas: scs_replicas,
                    weight: w,
                    max_weight,
                    dynamic_stable_scale: canary.dynamic_stable_scale,
                    current_weights: Some((router, max_weight - router)),
                    aborted: false,
                    min_pods_per_replica_set: canary.min_pods_per_replica_set,
                })
            }
        }
    };
    // Reconciles until the counts match: one ReplicaSet resized per reconcile (stable first),
    // pods available by the next one; with traffic routing the router weight follows once
    // the canary is at its desired count.
    let settle = |index: usize, stable: &mut Rs, new: &mut Rs, router: &mut i64| {
        for _ in 0..10_000 {
            let (dn, ds) = desired(index, *stable, *new, *router);
            if stable.spec != ds {
                *stable = Rs {
                    spec: ds,
                    available: ds,
                };
            } else if new.spec != dn {
                *new = Rs {
                    spec: dn,
                    available: dn,
                };
            } else if routing.is_some() && *router != set_weight_at(index) {
                *router = set_weight_at(index);
            } else {
                break;
            }
        }
    };
    let background_names = background
        .as_ref()
        .map(|(n, _)| n.clone())
        .unwrap_or_default();
    let background_from = background.as_ref().map_or(usize::MAX, |(_, s)| {
        s.map_or(0, |s| usize::try_from(s).unwrap_or(0))
    });
    for (index, step) in steps.iter().enumerate() {
        let start = now;
        settle(index, &mut stable, &mut new, &mut router_weight);
        let mut analysis = Vec::new();
        if index >= background_from && !background_names.is_empty() {
            analysis.push(format!("background: {}", background_names.join(", ")));
        }
        let mut note = None;
        let (least, most) = match step {
            Step::Pause(PauseDuration::Nanos(n)) => (*n, Some(*n)),
            Step::Analysis(_) => match step_analysis(index) {
                Some((_, time)) => (time.min_ns, time.max_ns),
                None => (0, None),
            },
            Step::Pause(_) => (0, None),
            _ => (0, Some(0)),
        };
        // Saturating: a document's pauses may add up past u64 nanoseconds (~584 years).
        total_min = total_min.saturating_add(least);
        total_max = total_max.and_then(|t| most.map(|m| t.saturating_add(m)));
        let end = match step {
            Step::Pause(PauseDuration::Nanos(n)) => Some(start.saturating_add(*n)),
            Step::Pause(_) => None,
            Step::Analysis(_) => match step_analysis(index) {
                Some((names, time)) => {
                    analysis.push(format!("step: {}", names.join(", ")));
                    if let Some(f) = time.fail_ns {
                        note = Some(format!(
                            "fails (aborts) at the earliest {} after the step starts",
                            seconds_text(f)
                        ))
                    }
                    match time.max_ns {
                        Some(max) if max != time.min_ns => {
                            note = Some(format!(
                                "{}ends between {} and {} after the step starts",
                                note.map(|n| format!("{n}; ")).unwrap_or_default(),
                                seconds_text(time.min_ns),
                                seconds_text(max)
                            ));
                            Some(start.saturating_add(max))
                        }
                        Some(max) => Some(start.saturating_add(max)),
                        None => {
                            note = Some(
                                "a metric runs until terminated: the step never completes".into(),
                            );
                            None
                        }
                    }
                }
                None => {
                    note = Some("template not in the project: duration unknown".into());
                    None
                }
            },
            _ => Some(start),
        };
        let traffic = match routing {
            Some(_) => router_weight as f64,
            None => pod_share(new.available, stable.available),
        };
        rows.push(Row {
            index,
            action: step.label(),
            weight: set_weight_at(index),
            traffic_weight: traffic,
            canary: new,
            stable,
            start_ns: start,
            end_ns: end,
            analysis,
            note,
        });
        // An unknown end (promotion, an unbounded analysis) is taken as immediate for the
        // steps after it; the total's maximum is then unknown.
        now = end.unwrap_or(start);
    }
    // All steps complete: full promotion. The canary ReplicaSet becomes stable.
    let index = steps.len();
    settle(index, &mut stable, &mut new, &mut router_weight);
    let promoted = Rs {
        spec: replicas,
        available: replicas,
    };
    rows.push(Row {
        index,
        action: "promote: canary becomes stable".into(),
        weight: max_weight,
        traffic_weight: 100.0,
        canary: promoted,
        stable: Rs::default(),
        start_ns: now,
        end_ns: Some(now),
        analysis: Vec::new(),
        note: routing.map(|_| {
            let delay = canary
                .scale_down_delay_seconds
                .as_ref()
                .map_or(30, |d| d.value);
            format!("the previous stable ReplicaSet is scaled down {delay}s later (scaleDownDelaySeconds)")
        }),
    });
    (rows, total_min, total_max)
}

/// The canary's share of ready pods, in percent with two decimals.
fn pod_share(canary: i64, stable: i64) -> f64 {
    let total = canary + stable;
    if total == 0 {
        return 0.0;
    }
    (canary as f64 * 10_000.0 / total as f64).round() / 100.0
}

pub fn seconds_text(ns: u64) -> String {
    // Clamped: a saturated total (u64::MAX) must not print as a negative duration.
    let ns = i64::try_from(ns).unwrap_or(i64::MAX);
    crate::syntax::units::GoDuration::from_nanos(ns).normal_form()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fencepost_examples_from_upstream() {
        let p = |n| IntOrPercent::Percent(Some(n), format!("{n}%"));
        assert_eq!(fenceposts(Some(&p(39)), Some(&p(39)), 10), (4, 3));
        assert_eq!(fenceposts(Some(&p(0)), Some(&p(0)), 0), (0, 0));
        assert_eq!(
            resolve_fenceposts_configured(Some(&p(0)), Some(&p(0)), 0),
            (0, 0)
        );
        // Defaults: "25" is 25 %: 5 replicas ⇒ surge 2, unavailable 1.
        assert_eq!(fenceposts(None, None, 5), (2, 1));
    }

    #[test]
    fn closest_counts() {
        assert_eq!(approximate_weighted(10, 1, 100, 1), (1, 10));
        assert_eq!(approximate_weighted(5, 20, 100, 2), (1, 4));
        assert_eq!(approximate_weighted(0, 50, 100, 1), (0, 0));
    }
}
