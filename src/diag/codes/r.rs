//! `R` — Argo Rollouts (`argoproj.io/v1alpha1` Rollout, AnalysisTemplate,
//! ClusterAnalysisTemplate, AnalysisRun). Rules follow `kubectl argo rollouts lint`
//! (pkg/kubectl-argo-rollouts/cmd/lint/lint.go, pkg/apis/rollouts/validation/validation.go),
//! the metric validation of utils/analysis/factory.go and the CRD schemas
//! (manifests/crds), at argoproj/argo-rollouts 9f8d111d; the lint's own message is shown as
//! `peer`.

declare_codes! {
    /// A field the object's type does not have. `kubectl argo rollouts lint` decodes strictly
    /// (`json: unknown field "<k>"`), and `kubectl apply` (strict field validation) refuses
    /// it; with validation off the API server silently drops it, so the setting does nothing.
    R001 "unknown-field";
    /// A field has the wrong type for the CRD schema (e.g. `replicas: "3"`). The API server
    /// refuses the object.
    R002 "wrong-type";
    /// A field the CRD schema requires is missing; the API server refuses the object.
    R003 "missing-field";
    /// A value outside the CRD schema's enumeration.
    R004 "not-in-enum";
    /// A value outside the range or pattern the CRD schema allows (int32 fields, names).
    R005 "out-of-range";
    /// The object has no `metadata.name` (nor `generateName`).
    R006 "missing-name";
    /// The Rollout's selector is missing or empty, does not match the pod template's labels,
    /// or a template is given beside `workloadRef` (validation.go ValidateRollout).
    R010 "bad-selector";
    /// `replicas`, `minReadySeconds`, `revisionHistoryLimit` or `progressDeadlineSeconds` is
    /// negative, or `progressDeadlineSeconds` is not greater than `minReadySeconds`.
    R011 "bad-count";
    /// A Rollout needs exactly one strategy: `canary` or `blueGreen`.
    R012 "bad-strategy";
    /// `maxSurge` and `maxUnavailable` are both zero: no pod could ever be replaced. The lint
    /// refuses it ("MaxSurge and MaxUnavailable both can not be zero").
    R013 "no-surge-no-unavailable";
    /// The canary and stable services (or ping and pong) are the same Service.
    R014 "same-service";
    /// The traffic router needs `canaryService` and `stableService` (ALB without pingPong,
    /// Istio host-split, SMI, Nginx, Ambassador, AppMesh, Traefik, Apisix).
    R015 "services-required";
    /// An option that only works with `trafficRouting` (scaleDownDelaySeconds,
    /// dynamicStableScale, setCanaryScale, experiment weights), or with particular routers
    /// (maxTrafficWeight: Nginx and plugins; setHeaderRoute: Istio, ALB, Apisix, plugins;
    /// setMirrorRoute: Istio and plugins), or two options that exclude each other.
    R016 "needs-traffic-routing";
    /// A step must set exactly one action: setWeight, pause, analysis, experiment,
    /// setCanaryScale, setHeaderRoute, setMirrorRoute or plugin.
    R017 "bad-step";
    /// `setWeight` must be between 0 and the maximum traffic weight (100 unless
    /// `maxTrafficWeight`).
    R018 "weight-out-of-range";
    /// A pause duration must be an integer number of seconds or a Go duration (`30s`,
    /// `1m30s`), greater than 0; `pause: {}` waits for promotion.
    R019 "bad-pause";
    /// A header or mirror route step names a route not listed in
    /// `trafficRouting.managedRoutes`, or its match values are not exactly one of exact,
    /// regex, prefix.
    R020 "bad-managed-route";
    /// A Service the Rollout uses selects labels the pod template does not carry: its pods
    /// would never receive the traffic ("Service has unmatch label").
    R022 "service-label-mismatch";
    /// The Ingress a traffic router manages has no rule sending traffic to the stable (or
    /// root) Service.
    R023 "ingress-without-service";
    /// Ping-pong and antiAffinity settings the lint refuses.
    R024 "bad-option";
    /// A metric the AnalysisRun would refuse (utils/analysis/factory.go ValidateMetric):
    /// duplicate names, negative limits, `count` below the limits it must reach, a count above
    /// 1 without `interval`, an unparseable interval or initialDelay, no or several
    /// providers. The run ends in phase Error ("Analysis spec invalid") and the rollout
    /// aborts.
    R030 "bad-metric";
    /// A step analysis (or prePromotion/postPromotion analysis) uses a metric that runs
    /// forever (interval without count): the step could never complete, so the controller
    /// refuses the Rollout ("runs indefinitely"). Background analysis may run forever.
    R031 "unbounded-step-metric";
    /// An analysis names an AnalysisTemplate or ClusterAnalysisTemplate that no file of the
    /// project defines. The controller resolves it when the step runs; a missing template
    /// makes the rollout fail then. A warning, since the template may be applied separately.
    R032 "unresolved-template";
    /// An analysis does not pass an argument a template requires (no default value), or
    /// passes one no template declares: the run fails with "Unable to resolve metric
    /// arguments" (required) or the value is unused (unknown).
    R033 "bad-analysis-args";
    /// `canaryService`, `stableService` or an Ingress/rootService names an object that no file
    /// of the project defines. A warning: it may be applied separately, but the rollout
    /// cannot progress without it.
    R034 "unresolved-object";
    /// Two templates of one analysis define metrics with the same name; the controller
    /// refuses to merge them into one AnalysisRun.
    R035 "duplicate-metric";
    /// A `successCondition` or `failureCondition` Argo cannot use. An error when expr-lang
    /// (github.com/expr-lang/expr, which Argo compiles conditions with in
    /// utils/evaluate/evaluate.go) refuses it whatever the measurement: a blank condition, an
    /// unterminated string, brackets that do not match, an operator without an operand, or a
    /// value that is never true or false (`result[0] * 100`: "expected bool"). Every
    /// measurement is then an Error, the metric errors after consecutiveErrorLimit and the
    /// rollout aborts. The classic cause is an unquoted YAML value: ` #` starts a comment, so
    /// `successCondition: all(result, { # < 1 })` is read as `all(result, {` — quote it.
    /// A warning for an empty condition (Argo treats `""` as unset) and for a name Argo does
    /// not bind (it binds `result`, `asInt`, `asFloat`, `isNaN`, `isInf`, `isNil`, `default`).
    R036 "bad-condition";
    /// A condition the rehearsal cannot evaluate although expr-lang may: the rehearsal reads
    /// numbers, strings, `result`, indexing, field access, `len`, `isNaN`, `isInf`, `abs`,
    /// Argo's `asInt`, `asFloat`, `isNil`, `default`,
    /// `all`/`any`/`none`/`filter`/`count` with `{ # ... }` predicates, arithmetic,
    /// comparisons, `in`, and `&&` `||` `!` (and their word forms); not ternaries, `??`,
    /// `matches`, pipes, `let`, slices or other builtins. Argo is unaffected; a rehearsal
    /// counts every measurement of the metric as an Error.
    R037 "condition-not-rehearsable";
    /// An analysis that can never end the way it is meant to: a metric with neither
    /// successCondition nor failureCondition always succeeds, and a bounded metric whose
    /// failureLimit is at least its count can never fail on measurements (`failed >
    /// failureLimit` is unreachable), and a condition that does not read `result` is the same
    /// whatever is measured. Beyond the peers: both accept it.
    R040 "analysis-cannot-decide";
    /// `maxSurge` and `maxUnavailable` both resolve to 0 pods for this replica count (percent
    /// surge rounds up, percent unavailable rounds down); Argo then forces maxUnavailable to 1
    /// (resolveFenceposts), so one pod may be unavailable although the spec says none.
    R042 "fenceposts-resolve-to-zero";
    /// New pods need longer to become Ready than `progressDeadlineSeconds` (default 600) allows:
    /// their readinessProbe's `initialDelaySeconds` plus `(successThreshold − 1) ×
    /// periodSeconds`, or their startupProbe's `initialDelaySeconds`, reach the deadline.
    /// Argo's deadline is the longest time *without progress* (utils/conditions
    /// `RolloutTimedOut` compares the Progressing condition's last update, moved by every
    /// replica count change and step advance), and it is not measured on pause, analysis or
    /// experiment steps (`isIndefiniteStep`, rollout/sync.go): a rollout whose steps take hours
    /// in total is fine, so the plan's total duration is not compared. But between creating
    /// canary pods and seeing the first one Ready nothing progresses, so every update times
    /// out (Degraded, `ProgressDeadlineExceeded`) and, with `progressDeadlineAbort: true`, is
    /// aborted. A warning: image pulls and the probes' latency only make it worse, but the
    /// probe values may be placeholders.
    R041 "longer-than-deadline";
}
