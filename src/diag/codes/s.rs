//! Codes of the `S` family (see `codes/mod.rs`): the `scenario` document.

declare_codes! {
    /// A scenario lacks a field it cannot do without: `name` and `duration` are required.
    S001 "missing-field";
    /// A scenario field is not one rehearse knows; it is ignored. Check the spelling against
    /// DESIGN.md §6 (name, seed, clock, duration, deploy, hosts, behaviors, traffic, faults,
    /// expect).
    S002 "unknown-field";
    /// A field has the wrong shape, e.g. a list where a mapping is expected, or a number
    /// where a duration is expected.
    S003 "wrong-type";
    /// A duration that does not parse. Durations are Go durations: `90s`, `1m30s`, `1500ms`,
    /// `2h`; a bare number is not a duration.
    S004 "bad-duration";
    /// A percentage that does not parse or is out of range, e.g. `errors: 0.1%`.
    S005 "bad-percentage";
    /// A rate that does not parse, e.g. `rate: 50/s` (also `/m`, `/h`).
    S006 "bad-rate";
    /// A traffic source must give exactly one of `rate`, `ramp` or `steps`.
    S007 "bad-traffic-shape";
    /// A fault must name exactly one action: `kill`, `host_down`, `errors`, `latency` or
    /// `partition`, with its parameters (`for` for the timed ones).
    S008 "bad-fault";
    /// An expectation rehearse does not know. Known: `rollback_within`, `no_rollback`,
    /// `user_error_rate`, `weight_reaches`.
    S009 "unknown-expectation";
    /// `deploy` names a blueprint that no file of the project defines.
    S010 "unknown-blueprint";
    /// A behavior, fault or expectation names a service (`name:version`) that none of the
    /// deployed blueprints runs.
    S011 "unknown-service";
    /// Traffic (or a partition) names a gateway that the deployments do not have. External
    /// gateways are named `deployment/port`, internal ones `deployment/cluster/port`.
    S012 "unknown-gateway";
    /// `host_down` names a host beyond `hosts.count` (hosts are numbered from 1).
    S013 "unknown-host";
    /// A latency's p99 is below its p50, or a latency is zero.
    S014 "bad-latency";
    /// Two scenarios have the same name; `--scenario NAME` could not choose.
    S015 "duplicate-scenario";
    /// A workflow names a JavaScript breed rehearse has no built-in program for: it does not
    /// run in the rehearsal. Built-ins: canary, health, metrics, auto-scaling, traffic,
    /// allocation (by breed name or `metadata: {rehearse/program: NAME}`).
    S016 "workflow-not-simulated";
    /// A built-in program's parameter names something that does not exist (e.g. the canary's
    /// GATEWAY or SERVICE1), so the program cannot run.
    S017 "bad-program-parameter";
    /// An expectation names a route that no gateway of the deployments has.
    S018 "unknown-route";
    /// A workflow's time schedule has an absolute `start`, but the scenario has no `clock`
    /// saying which instant t = 0 stands for: the start is ignored and the schedule starts at
    /// t = 0 (and its months count 30 days, its years 365). Add e.g.
    /// `clock: 2026-03-01T00:00:00Z` to the scenario: a start 30 s after the clock then runs
    /// first at t = 30 s, a start before it at its next period boundary.
    S019 "start-without-clock";
    /// A scenario's `clock` is not an ISO 8601 date-time. Write an offset date-time such as
    /// `2026-03-01T00:00:00Z` or `2026-03-01T01:00:00+01:00` (seconds optional; no zone
    /// means UTC).
    S020 "bad-clock";
    /// A number in a scenario is beyond what rehearse simulates: durations up to 366 days,
    /// rates up to 1 000 000 000 per second, hosts, instances and concurrency up to 100 000,
    /// clients up to 10 000 000, the node instances a Cloudify deployment plans (counts
    /// multiply down `contained_in` and through scaling groups) up to 100 000. Such values
    /// are almost always typos (a missing unit, a stray digit); even when meant, no
    /// simulation of them would finish on one machine. A `scale` execution whose plan would
    /// pass the instance bound fails with this code in its error and changes nothing.
    S021 "value-too-large";
    /// `rehearse run` estimated the work (events ≈ requests × hops + timers) or the memory
    /// (hosts, instances, clients, requests in flight and queued) of the scenario before
    /// simulating it, and the estimate is over the budget: by default 200 000 000 events
    /// (about a minute on a laptop) and 1 GiB. Shorten the scenario or lower its rates, or
    /// raise the budget with `--max-events N` / `--max-memory SIZE` (e.g. `4GiB`).
    S022 "over-budget";
    /// A Cloudify deploy step passes an input the blueprint does not declare. Cloudify refuses
    /// to create the deployment ("Unknown input ..."), so the scenario cannot run.
    S023 "unknown-input";
    /// A Cloudify deploy step does not pass an input that the blueprint declares without a
    /// default (and `required: false` is not set). Cloudify refuses to create the deployment
    /// (`cfy deployments create` reports the missing inputs).
    S024 "missing-input";
    /// A scenario names a Cloudify node (`metrics`, `behaviors`, `instances` expectations)
    /// that no deployed blueprint has. Write `DEPLOYMENT/node`, or `node` when only one
    /// deployment has a node of that name.
    S025 "unknown-node";
    /// A fault (`host_down`, `kill`) names a node instance the deployment plan does not have.
    /// Instance ids are `<node>_<n>`, n from 1 in plan order (`rehearse run --trace` lists
    /// them in its header); a `host_down` target must be a compute instance.
    S026 "unknown-instance";
    /// A `deploy: [{cloudify: PATH}]` file could not be read: PATH is relative to the scenario
    /// file and must stay inside the project (or an `--allow-read` folder).
    S027 "unreadable-blueprint";
    /// A policy or trigger of a deployed blueprint does not run in the rehearsal: a custom
    /// policy type (its Riemann .clj source cannot be run), a trigger other than
    /// `cloudify.policies.triggers.execute_workflow`, or a trigger that executes a workflow
    /// rehearse does not simulate (it simulates install, uninstall, heal and scale).
    S028 "policy-not-simulated";
    /// A `metrics` entry names a node without monitoring (no
    /// `cloudify.interfaces.monitoring.start` or `monitoring_agent` operation): nothing
    /// publishes its events, so the value is never read.
    S029 "metric-without-monitoring";
    /// A traffic entry sends requests (`to: "POST /user/signup/yes"`) that no endpoint of the
    /// KrakenD config matches, as KrakenD's router matches them (gin/httprouter: a `{param}`
    /// segment binds one non-empty segment, a final `/*` the rest, other segments are equal;
    /// the method must be the endpoint's). Every such request is answered 404 and counted.
    /// rehearse does not follow gin's trailing-slash redirect: `/a/` does not reach `/a`.
    ///
    /// Requests that match run through the endpoint with KrakenD's semantics
    /// (reference/krakend/SPEC.md §4, §8, §9). Where the reference says "not verifiable"
    /// (workflows are KrakenD Enterprise, which is closed), rehearse assumes: a workflow's
    /// merged response is its hosting backend's response, wrapped in that backend's `group`;
    /// `ignore_errors` continues past failing backends and still marks the response
    /// incomplete, as lura's merger does; a workflow without data is an error of its hosting
    /// backend; `errors:` in a behavior are connection errors (no HTTP status); a backend
    /// host naming a deployment's gateway sees the world as it is when the request arrives
    /// (the current weights pick the route, 503 when the service has no ready instance) and
    /// takes no instance slot; `sequential_propagated_params` entries without a field
    /// (`resp0`: a no-op backend's raw body) are not simulated.
    ///
    /// Gateway capacity (`behaviors: {krakend: {concurrency: N, overhead: 1ms}}`, default
    /// unlimited and no overhead) is rehearse's model, not a KrakenD setting: each KrakenD
    /// config is one gateway serving at most N requests at once, the others waiting first
    /// come, first served. The endpoint's context starts at arrival (lura's handler sets
    /// `context.WithTimeout` when the request comes in), so the wait for a slot consumes the
    /// endpoint's timeout: the merge budget (85%) runs from the start of the flow but never
    /// past the endpoint's deadline, a request still waiting at its timeout is answered 500
    /// without a backend call and takes no slot. The overhead is added to every response
    /// and holds the slot. So a response never takes longer than the endpoint's timeout
    /// plus the overhead.
    S030 "unmatched-request";
    /// A traffic entry sends requests to a KrakenD config the project does not hold: there is
    /// none, there are several (and not exactly one in the scenario's folder) and the entry
    /// does not name one (`{krakend: FILE, request: "..."}`), or the named file is not among
    /// the configs checked. As a warning: a `krakend` behavior (the gateway's capacity) in a
    /// project with no KrakenD config, which nothing reads.
    S031 "no-krakend-config";
    /// A backend of a KrakenD endpoint the scenario sends requests to has a host that names
    /// no deployment's gateway (`http://sava:9050` is deployment `sava`'s gateway on port
    /// 9050, and its calls go into the simulated world), no Cloudify node of the scenario's
    /// deployments (`http://NAME.node:PORT`: the call goes to the node's instances, answered
    /// 503 while none is started) and that no behavior names (neither
    /// `http://host:port` nor the host and `url_pattern` as written), so its calls take the
    /// default behavior: a lognormal latency with p50 10 ms and p99 50 ms, always 200.
    /// Backends hosting a workflow make no call of their own and are not reported.
    S032 "unknown-backend-host";
    /// An `endpoint_status` expectation names an endpoint no KrakenD config of the project
    /// has. Endpoints are named `METHOD /path`, the path as the config writes it, with its
    /// `{params}` (`GET /user/{id}`), as the run report's `endpoints` keys them.
    S033 "unknown-endpoint";
    /// A scenario deploys, updates, promotes or aborts a rollout that the project does not
    /// define: `{rollout: NAME}` names an argoproj.io `Rollout`, `{canary: NAME}` a
    /// flagger.app `Canary` (by `metadata.name`); `update`, `promote` and `abort` name one the
    /// scenario deploys. The two sides of a deployed rollout are the services `NAME:stable`
    /// and `NAME:canary` (and `NAME:TAG` for the update's `to: TAG`) for behaviors and faults.
    S040 "unknown-rollout";
    /// `measurements` names a metric that no analysis of the deployed rollouts uses (an
    /// AnalysisTemplate's `metrics[].name`, a Canary's `analysis.metrics[].name`): the
    /// binding is never read.
    S041 "unused-measurement";
    /// `webhooks` names a webhook that no deployed Flagger Canary has: the answer is never read.
    S042 "unknown-webhook";
    /// An analysis metric of a deployed rollout has no `measurements` entry (and is not one of
    /// Flagger's built-ins `request-success-rate` / `request-duration`, which the rehearsal
    /// computes from the canary's requests). Its provider cannot be queried offline, so every
    /// measurement of it is an Error (Argo: `consecutiveErrorLimit`, default 4, then the run
    /// errors and the rollout aborts — ARGO.md §4.3–4.5; Flagger: the check fails and counts
    /// towards `threshold` — FLAGGER.md §5, §7). Bind it, e.g.
    /// `measurements: {error-rate: error_rate}`.
    S043 "unmeasured-metric";
    /// A rollout the rehearsal runs only in part, and why: a blue-green strategy (only canaries
    /// are rehearsed), an analysis template not in the project (its step never completes), a
    /// replica count over the simulator's bound (100 000 pods per side), or a step list or
    /// pause beyond the bounds the rehearsal keeps its work to (the steps are cut and the
    /// rollout waits there, as at an indefinite pause). A Flagger Canary is rehearsed as its
    /// advanceCanary runs — every strategy, webhook type, readiness threshold, the progress
    /// deadline and `skipAnalysis` (FLAGGER.md §3–§7) — so S044 says nothing about one.
    S044 "rollout-partly-rehearsed";
    /// A Flagger Canary doing A/B testing (`analysis.iterations` with `analysis.match`) is
    /// deployed without saying which share of the users' requests match: during its
    /// iterations Flagger's router sends the *matched* requests to the canary and the others
    /// to the primary (FLAGGER.md §3 runAB), so the canary's traffic — and its built-in
    /// metrics — depend on it. The rehearsal takes 10% (each request matches with that
    /// probability). Say it on the deploy entry: `deploy: [{canary: NAME, matched: 25%}]`.
    S046 "ab-match-share-assumed";
}
