//! Flagger's happy path, tick by tick (reference/rollouts/FLAGGER.md §3 and §9:
//! pkg/controller/scheduler.go advanceCanary, nextStepWeight, runCanary, runAB, runBlueGreen,
//! runPromotionTrafficShift at fluxcd/flagger 15bd6ad5): every check passes, workloads are
//! ready at once, no webhook gates.

use crate::ir::rollout::{FlaggerAnalysis, FlaggerStrategy};

/// The canary's phase after a tick.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    Progressing,
    Promoting,
    Finalising,
    Succeeded,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Progressing => "Progressing",
            Phase::Promoting => "Promoting",
            Phase::Finalising => "Finalising",
            Phase::Succeeded => "Succeeded",
        }
    }
}

/// One tick: what it did, then the phase, the router's weights and status.canaryWeight.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tick {
    pub action: String,
    pub phase: Phase,
    pub primary_weight: i64,
    pub canary_weight: i64,
    /// `status.canaryWeight` (setStatusPhase zeroes it for Finalising and Succeeded).
    pub status_weight: i64,
    /// Whether the canary Deployment runs (scaled up at detection, to 0 when finalised).
    pub canary_running: bool,
    /// Whether metrics are evaluated on this tick.
    pub analysed: bool,
}

const TOTAL: i64 = 100;

/// `nextStepWeight`.
pub fn next_step_weight(analysis: &FlaggerAnalysis, canary_weight: i64) -> i64 {
    let step = analysis.step_weight();
    let weights = analysis.step_weights();
    if step > 0 || weights.is_empty() {
        return step;
    }
    let left = TOTAL - canary_weight;
    if left == 0 {
        return 1;
    }
    if canary_weight == 0 {
        return left.min(weights[0]);
    }
    for pair in weights.windows(2) {
        if pair[0] == canary_weight {
            return left.min(pair[1] - canary_weight);
        }
    }
    left
}

/// The ticks of one promotion, from the tick that detects the new revision to Succeeded.
/// `None` when the canary would never be promoted (no step weight, a weight that cannot
/// reach maxWeight): the ticks up to where it stalls, and `true` for "stalls".
pub fn ticks(analysis: &FlaggerAnalysis, provider: Option<&str>) -> (Vec<Tick>, bool) {
    let strategy = analysis.strategy(provider);
    let kubernetes = provider == Some("kubernetes");
    let mut iterations_target = analysis.iterations();
    if kubernetes && iterations_target < 1 {
        iterations_target = 10;
    }
    let max_weight = analysis.max_weight();
    let promotion_step = analysis.step_weight_promotion.unwrap_or(0);
    let mut out = vec![Tick {
        action: "detect new revision: scale up the canary".into(),
        phase: Phase::Progressing,
        primary_weight: TOTAL,
        canary_weight: 0,
        status_weight: 0,
        canary_running: true,
        analysed: false,
    }];
    let (mut phase, mut pw, mut cw, mut iterations) = (Phase::Progressing, TOTAL, 0i64, 0i64);
    let mut mirrored = false;
    for _ in 0..1000 {
        let mut tick = Tick {
            action: String::new(),
            phase,
            primary_weight: pw,
            canary_weight: cw,
            status_weight: cw,
            canary_running: true,
            analysed: false,
        };
        match phase {
            Phase::Promoting => {
                if kubernetes || promotion_step == 0 {
                    pw = TOTAL;
                    cw = 0;
                    phase = Phase::Finalising;
                    tick.action = "route all traffic to the primary".into();
                } else if cw > 0 {
                    pw = (pw + promotion_step).min(TOTAL);
                    cw = (cw - promotion_step).max(0);
                    tick.action = format!("promotion: canary weight down by {promotion_step}");
                    if pw == TOTAL {
                        phase = Phase::Finalising;
                    }
                } else {
                    phase = Phase::Finalising;
                }
            }
            Phase::Finalising => {
                phase = Phase::Succeeded;
                tick.action = "scale the canary to 0: succeeded".into();
                tick.canary_running = false;
            }
            Phase::Succeeded => break,
            Phase::Progressing => {
                let pre_rollout = cw == 0 && iterations == 0 && !(analysis.mirror && mirrored);
                tick.analysed = !pre_rollout;
                let checks = if pre_rollout {
                    "pre-rollout hooks"
                } else {
                    "analysis"
                };
                match strategy {
                    FlaggerStrategy::AbTesting => {
                        if iterations < iterations_target {
                            pw = 0;
                            cw = TOTAL;
                            iterations += 1;
                            tick.action = format!(
                                "{checks}; iteration {iterations}/{iterations_target}: matched requests to the canary"
                            );
                        } else {
                            phase = Phase::Promoting;
                            tick.action =
                                format!("{checks}; promote: copy the canary spec to the primary");
                        }
                    }
                    FlaggerStrategy::BlueGreen => {
                        if iterations < iterations_target {
                            iterations += 1;
                            tick.action =
                                format!("{checks}; iteration {iterations}/{iterations_target}");
                        } else if iterations == iterations_target {
                            if !kubernetes {
                                pw = 0;
                                cw = TOTAL;
                            }
                            iterations += 1;
                            tick.action = format!("{checks}; switch all traffic to the canary");
                        } else {
                            phase = Phase::Promoting;
                            tick.action =
                                format!("{checks}; promote: copy the canary spec to the primary");
                        }
                    }
                    FlaggerStrategy::Canary => {
                        let next = next_step_weight(analysis, cw);
                        if next <= 0 {
                            tick.action =
                                format!("{checks}; no step weight: the canary never advances");
                            tick.phase = phase;
                            out.push(tick);
                            return (out, true);
                        }
                        if cw < max_weight {
                            if analysis.mirror && cw == 0 && !mirrored {
                                mirrored = true;
                                tick.action = format!("{checks}; mirror traffic to the canary");
                            } else {
                                mirrored = false;
                                pw = (pw - next).max(0);
                                cw = (cw + next).min(TOTAL);
                                tick.action = format!("{checks}; canary weight {cw}");
                                if cw == TOTAL && cw < max_weight {
                                    tick.phase = phase;
                                    tick.primary_weight = pw;
                                    tick.canary_weight = cw;
                                    tick.status_weight = cw;
                                    tick.action = format!("{checks}; canary weight {cw}: maxWeight {max_weight} is never reached");
                                    out.push(tick);
                                    return (out, true);
                                }
                            }
                        } else {
                            phase = Phase::Promoting;
                            tick.action =
                                format!("{checks}; promote: copy the canary spec to the primary");
                        }
                    }
                }
            }
        }
        tick.phase = phase;
        tick.primary_weight = pw;
        tick.canary_weight = cw;
        tick.status_weight = if matches!(phase, Phase::Finalising | Phase::Succeeded) {
            0
        } else {
            cw
        };
        out.push(tick);
    }
    (out, false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::Spanned;
    use crate::source::{FileId, Span};

    fn span() -> Span {
        Span::point(FileId(0), 0)
    }

    #[test]
    fn step_weight_overshoots_max_weight() {
        let analysis = FlaggerAnalysis {
            step_weight: Some(Spanned::new(20, span())),
            max_weight: Some(Spanned::new(50, span())),
            ..FlaggerAnalysis::default()
        };
        let (ticks, stalls) = ticks(&analysis, None);
        assert!(!stalls);
        let weights: Vec<i64> = ticks
            .iter()
            .filter(|t| t.phase == Phase::Progressing)
            .map(|t| t.canary_weight)
            .collect();
        assert_eq!(weights, [0, 20, 40, 60]);
    }
}
