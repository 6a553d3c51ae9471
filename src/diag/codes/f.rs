//! `F` — Flagger (`flagger.app/v1beta1` Canary, MetricTemplate, AlertProvider). Flagger has no
//! validation in Go: admission checks come from the CRD schema
//! (kustomize/base/flagger/crd.yaml at fluxcd/flagger 15bd6ad5), everything else is clamped or
//! defaulted at run time. The F01x–F02x rules are the ones the maintainers proposed in
//! flagger issue #312, plus what the scheduler (pkg/controller/scheduler.go) implies.

declare_codes! {
    /// A field the CRD schema does not have. `kubectl apply` (strict field validation)
    /// refuses it; with validation off the API server drops it, so it does nothing.
    F001 "unknown-field";
    /// A field has the wrong type for the CRD schema; the API server refuses the object.
    F002 "wrong-type";
    /// A field the CRD schema requires is missing (`targetRef`, `analysis`,
    /// `analysis.threshold`, `service.port`, webhook `name` and `url`, metric `name`).
    F003 "missing-field";
    /// A value outside the CRD schema's enumeration (provider, targetRef kind, webhook type).
    F004 "not-in-enum";
    /// A value outside the pattern the CRD schema allows: analysis and metric intervals must
    /// match `^[0-9]+(m|s)`.
    F005 "out-of-range";
    /// `analysis` must have exactly one of `iterations`, `stepWeight` or `stepWeights`
    /// (besides `interval` and `threshold`).
    F006 "bad-analysis-shape";
    /// The object has no `metadata.name`.
    F007 "missing-name";
    /// A webhook `url` that is not an absolute http(s) URL (issue #312 rule 1). The CRD says
    /// `format: url` but the API server does not check formats; the webhook fails every
    /// call, which counts as a failed check (or stalls a gate).
    F010 "bad-webhook-url";
    /// `progressDeadlineSeconds` below 60 (issue #312 rule 2), or below the time the target
    /// Deployment's pods need to become ready as their probes fix it (readinessProbe
    /// `initialDelaySeconds` + (`successThreshold` − 1) × `periodSeconds`, startupProbe
    /// `initialDelaySeconds`). Flagger gives up on a canary Deployment that stays unavailable
    /// (MinimumReplicasUnavailable) past the deadline and rolls it back
    /// (pkg/canary/deployment_ready.go); the canary starts from 0 pods at every revision. The
    /// deadline is about readiness only — the analysis may take far longer.
    F011 "short-deadline";
    /// A reference (`targetRef`, `autoscalerRef`, `ingressRef`) of the wrong kind or with an
    /// empty name (issue #312 rules 3–5).
    F012 "bad-reference";
    /// `provider: appmesh` without `service.meshName` (issue #312 rule 6).
    F013 "appmesh-needs-mesh";
    /// An interval under 10 s (issue #312 rules 7 and 13): Flagger runs the analysis every
    /// 10 s at the fastest, and a metric window that short has too few samples.
    F014 "short-interval";
    /// `stepWeight` or `maxWeight` above 100 (issue #312 rules 8, 9). With `maxWeight` above
    /// 100 the canary weight stops at 100 and never reaches maxWeight: the canary is never
    /// promoted.
    F015 "weight-above-100";
    /// `stepWeight` above `maxWeight` (issue #312 rule 10): the first step already overshoots.
    F016 "step-above-max";
    /// `match` without `iterations` (issue #312 rule 12): A/B matching only applies to A/B
    /// testing, so it is ignored.
    F017 "match-without-iterations";
    /// A metric that is neither built in (`request-success-rate`, `request-duration`) nor has
    /// a `query` or `templateRef` (issue #312 rule 14): Flagger fails it on every check, so
    /// the canary is always rolled back.
    F018 "unknown-metric";
    /// A `templateRef` names a MetricTemplate (or an alert an AlertProvider) that no file of
    /// the project defines. A warning: it may be applied separately.
    F019 "unresolved-template";
    /// The weights never reach `maxWeight` exactly: the last step overshoots it (Flagger does
    /// not clamp: stepWeight 20 with maxWeight 50 runs 20, 40, 60), or `stepWeight: 0` never
    /// advances at all.
    F020 "uneven-steps";
    /// An analysis that can never fail: no metrics and no rollout or pre-rollout webhooks, so
    /// every check passes and any canary is promoted. Beyond Flagger, which accepts it.
    F021 "analysis-cannot-fail";
    /// `stepWeights` that do not increase: Flagger looks the current weight up in the list,
    /// so a repeated or decreasing entry changes the ladder it follows.
    F022 "weights-not-increasing";
    /// Two webhooks of one analysis have the same name. Flagger runs both, but its events and
    /// logs ("... webhook <name> failed") name a webhook, so the two cannot be told apart; a
    /// copy-paste slip is the usual cause. The CRD does not key the list by name.
    F023 "duplicate-webhook-name";
}
