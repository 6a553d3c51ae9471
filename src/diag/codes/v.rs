//! `V` — Vamp artifacts (breeds, blueprints, gateways, workflows, scales, SLAs, conditions).
//! Each code is one Vamp error class; the diagnostic's `peer` names the class so Vamp users
//! recognise it. Numbers are stable: never renumber.

declare_codes! {
    /// A required field is missing (Vamp: `MissingPathValueError`, "Can't find any value for
    /// path"). Breeds need `name` and `deployable` (a map form needs `definition`), workflows
    /// need `breed` and `schedule`, scales need `cpu` and `memory`, health checks need `port`,
    /// `initial_delay`, `timeout`, `interval` and `failures`. A key whose value is `null` (`~`
    /// or nothing after the colon) counts as missing.
    V001 "missing-value";
    /// A value has the wrong type (Vamp: `UnexpectedTypeError`): a list or mapping where a
    /// scalar is expected, text where an integer is expected, or a unit value that does not
    /// parse — percentages are `0%`..`100%`, memory needs a unit (`128MB`, `0.5GB`), cpu is a
    /// number or milli-cpu (`250m`), times are `30s`, `5m`, `1h` or a bare number of seconds.
    V002 "unexpected-type";
    /// A path goes through something that is not a mapping (Vamp:
    /// `UnexpectedInnerElementError`), e.g. `threshold: 1000` where `threshold: {upper: 1000,
    /// lower: 100}` is expected.
    V003 "not-a-mapping";
    /// A key that the artifact does not have (Vamp: `UnexpectedElement`, "Unexpected in
    /// DSL"). Vamp rejects every key its reader did not consume, so a typo such as `scala:`
    /// for `scale:` is an error rather than silently ignored. `kind` and `metadata` are always
    /// allowed. An internal (cluster) gateway cannot set `port:`: its port is the breed's.
    V004 "unexpected-element";
    /// A weak reference that is both a reference and an inline definition (Vamp:
    /// `EitherReferenceOrAnonymous`). Scales, SLAs, escalations, conditions and routes are
    /// either a name (`scale: large`, `{reference: large}`) or an anonymous inline definition
    /// without `name:`.
    V005 "reference-or-inline";
    /// An artifact, cluster or reference name contains white space, `/`, `[` or `]` (Vamp:
    /// `IllegalName`). Colons and dots are allowed (`sava:1.0.0`).
    V006 "illegal-name";
    /// A port, environment variable or constant name contains white space, `.`, `/`, `[` or
    /// `]` (Vamp: `IllegalStrictName`). Trait names are referenced as `$cluster.group.name`,
    /// so they cannot contain dots. An environment variable may carry an alias:
    /// `timeout[TIME_OUT]`.
    V007 "illegal-trait-name";
    /// The document's `kind:` is not the kind being read (Vamp: `InconsistentArtifactKind`),
    /// e.g. `kind: blueprint` in a file checked with `--kind breed`.
    V008 "inconsistent-kind";
    /// `metadata` must be a mapping (Vamp: `UnsupportedMetadata`).
    V009 "unsupported-metadata";
    /// A trait value with a `$reference` that does not parse (Vamp: `ParserError`). References
    /// are `$name`, `$cluster.host`, `$cluster.group.name` (groups `ports`,
    /// `environment_variables`, `constants`, `hosts`), `${...}` and `${config://key}`; `$$` is
    /// a literal dollar.
    V010 "value-parse-error";
    /// A port, environment variable or constant whose value is a list or mapping (Vamp:
    /// `MalformedTraitError`). Trait values are scalars.
    V011 "malformed-trait";
    /// A breed port without a value (Vamp: `MissingPortValueError`). Write `web: 8080/http`.
    V012 "missing-port-value";
    /// A breed constant without a value (Vamp: `MissingConstantValueError`). Environment
    /// variables may be empty (a blueprint provides them); constants may not.
    V013 "missing-constant-value";
    /// Breeds whose dependencies form a cycle (Vamp: `RecursiveDependenciesError`), directly
    /// (`db: {ref: monarch}` inside `monarch`) or through other breeds, in one document or
    /// across documents. Vamp cannot order their deployment.
    V014 "recursive-dependencies";
    /// A reference that names something the breed does not have (Vamp:
    /// `UnresolvedDependencyInTraitValueError`): `$es.ports.port` without a dependency `es`,
    /// `$db.ports.web` when the inline `db` breed has no port `web`, or an environment variable
    /// set on a service or workflow that its inline breed does not declare.
    V015 "unresolved-trait-reference";
    /// An argument that is not a single `key: value` pair (Vamp: `InvalidArgumentError`).
    /// Arguments are a list of one-key maps (`- privileged: true`) or one map of pairs.
    V016 "invalid-argument";
    /// The `privileged` argument must be `true` or `false` (Vamp: `InvalidArgumentValueError`).
    V017 "invalid-argument-value";
    /// A gateway port that no breed of the cluster has (Vamp: `UnresolvedGatewayPortError`).
    /// Blueprint gateway routes are `<cluster>/<port name>` (exactly two segments); an
    /// internal gateway is keyed by a port name of the cluster's breeds.
    V018 "unresolved-gateway-port";
    /// A blueprint-level environment variable `<cluster>.<name>` that no breed of that cluster
    /// declares (Vamp: `UnresolvedEnvironmentVariableError`); also `$cluster.group.name`
    /// references inside environment values. Skipped when a breed of the cluster is a
    /// reference (its traits are not known here).
    V019 "unresolved-environment-variable";
    /// The same breed twice in one blueprint (Vamp: `NonUniqueBlueprintBreedReferenceError`):
    /// Vamp names services and routes by breed name, so each breed may appear once.
    V020 "duplicate-blueprint-breed";
    /// A breed dependency that is not a breed of the same blueprint (Vamp:
    /// `UnresolvedBreedDependencyError`). Add a cluster running the dependency.
    V021 "unresolved-breed-dependency";
    /// Internal gateway route weights that are negative or sum to more than 100% (Vamp:
    /// `RouteWeightError`). A smaller sum is accepted: routes without a weight share the rest.
    V022 "route-weight";
    /// A route's `condition_strength` outside 0%..100% (Vamp: `RouteConditionStrengthError`).
    V023 "route-condition-strength";
    /// An SLA scale escalation whose `target` is not a cluster of the blueprint (Vamp:
    /// `UnresolvedScaleEscalationTargetCluster`).
    V024 "unresolved-escalation-target";
    /// A blueprint without any service (Vamp: `NoServiceError`, "Expected at least one
    /// service.").
    V025 "no-service";
    /// An environment variable set to nothing on a service or workflow (Vamp:
    /// `MissingEnvironmentVariableError`). Give it a value or remove it.
    V026 "missing-environment-variable";
    /// `sticky` must be `route`, `instance` or `none` (Vamp: `IllegalGatewayStickyValue`).
    V027 "illegal-sticky-value";
    /// `virtual_hosts` must be a string or a list of strings (Vamp:
    /// `IllegalGatewayVirtualHosts`).
    V028 "illegal-virtual-hosts";
    /// An internal gateway route that names no service of the cluster (Vamp:
    /// `UnresolvedServiceRouteError`). Internal routes are keyed by breed name.
    V029 "unresolved-service-route";
    /// Sticky sessions on a TCP port (Vamp: `StickyPortTypeError`): stickiness uses an HTTP
    /// cookie.
    V030 "sticky-tcp-port";
    /// An HTTP condition on a route of a TCP port (Vamp: `ConditionPortTypeError`).
    V031 "condition-tcp-port";
    /// An anonymous cluster gateway (`gateways: {routes: ...}` without a port name) while a
    /// breed of the cluster has more than one port (Vamp:
    /// `IllegalAnonymousRoutingPortMappingError`). Key the gateway by port name.
    V032 "anonymous-gateway-port";
    /// Two blueprint gateways on the same port number (Vamp: `DuplicateGatewayPortError`).
    V033 "duplicate-gateway-port";
    /// A health check `port` that is not a port name of the breed (Vamp:
    /// `UnresolvedPortReferenceError`). Health checks name ports (`port: web`), not numbers.
    V034 "unresolved-port-reference";
    /// A health check with negative `failures` (Vamp: `NegativeFailuresNumberError`).
    V035 "negative-failures";
    /// A gateway name with more than four `/` segments or with white space, `[` or `]` (Vamp:
    /// `UnsupportedGatewayNameError`). Names are `gateway`, `deployment/port` or
    /// `deployment/cluster/port`.
    V036 "unsupported-gateway-name";
    /// A route path with more than four segments (Vamp: `UnsupportedRoutePathError`). Paths
    /// are `gateway`, `deployment/port`, `deployment/cluster/port` or
    /// `deployment/cluster/service/port`.
    V037 "unsupported-route-path";
    /// Gateway route weights whose sum is neither 0% nor 100% (Vamp:
    /// `GatewayRouteWeightError`). Routes without a weight are not counted; they share what is
    /// left at deployment time.
    V038 "gateway-route-weight";
    /// A gateway route's `condition_strength` outside 0%..100% (Vamp:
    /// `GatewayRouteConditionStrengthError`).
    V039 "gateway-route-condition-strength";
    /// A path rewrite not of the form `<path> if <condition>` (Vamp:
    /// `UnsupportedPathRewriteError`).
    V040 "unsupported-path-rewrite";
    /// A gateway port outside 0..65535 (Vamp: `InvalidGatewayPortError`).
    V041 "invalid-gateway-port";
    /// A workflow schedule that is not `daemon`, `{event: ...}` or `{time: ...}` (Vamp:
    /// `UndefinedWorkflowScheduleError`).
    V042 "undefined-workflow-schedule";
    /// A time schedule period that is not an ISO-8601 duration such as `PT1M` or
    /// `P1DT12H` (Vamp: `IllegalWorkflowSchedulePeriod`).
    V043 "illegal-schedule-period";
    /// A workflow status other than starting, running, stopping, suspended, suspending or
    /// restarting (Vamp: `IllegalWorkflowStatus`).
    V044 "illegal-workflow-status";
    /// A route condition that does not parse. Vamp stores conditions as text and, when its
    /// parser fails, hands the whole string to HAProxy as one ACL, which then refuses to load
    /// (Vamp issues #926, #1056). rehearse rejects it up front. Conditions are
    /// `user-agent = Firefox`, `host != example.com`, `has cookie vamp`, `header X contains
    /// y`, raw ACLs in `< >`, combined with `and`, `or`, `not` and parentheses.
    V045 "invalid-condition";
    /// A mapping key written as an unquoted flow sequence, e.g. `[external/1/2]:` (Vamp's own
    /// tests do this). YAML reads it as a list; Vamp turns it into the text `[external/1/2]`
    /// and so does rehearse, but other YAML tools do not. Quote it: `"[external/1/2]":`.
    V046 "sequence-key";
    /// A deployment and a workflow share a name (Vamp: `DeploymentWorkflowNameCollision`);
    /// Vamp refuses the second one.
    V047 "deployment-workflow-name-collision";
    /// After merging a deployment request, the weights of a gateway's routes do not sum to 0%
    /// or 100% (Vamp: `UnsupportedRouteWeight`). Vamp refuses the deployment.
    V048 "unsupported-route-weight";
    /// The same breed twice in a deployment after a merge (Vamp:
    /// `NonUniqueBreedReferenceError`).
    V049 "duplicate-deployment-breed";
    /// Two gateways on the same external port (Vamp: `UnavailableGatewayPortError`): the second
    /// one is refused while the first exists.
    V050 "unavailable-gateway-port";
    /// A workflow whose `VAMP_WORKFLOW_EXECUTION_PERIOD` or `VAMP_WORKFLOW_EXECUTION_TIMEOUT`
    /// is not an integer >= 0: vamp-workflow-agent panics at start ("Execution period must be
    /// specified and it must be equal or greater than 0.").
    V051 "workflow-execution-env";
    /// A deployed breed depends on a breed the deployment does not run (Vamp:
    /// `UnresolvedDependencyError`, raised when a `kind: deployment` request is merged). Add a
    /// cluster with the dependency to the request or to an earlier one.
    V052 "unresolved-dependency";
    /// A gateway or route `selector` that does not parse (Vamp 1.0 and later:
    /// `InvalidSelectorError`, "Invalid selector"; `model/.../parser/RouteSelectorParser.scala`).
    /// A selector picks routes from running workloads: operands `label(name)(value)`,
    /// `name(re)`, `kind(re)`, `namespace(re)`, `image(re)`, `ip(re)`, `port(n)`,
    /// `port_index(n)`, combined with `and`/`&&`, `or`/`||`, `not`/`!` and parentheses, e.g.
    /// `label(app)(vshop) && label(version)((.*))`. Vamp 0.9.x has no selectors.
    V053 "invalid-selector";
    /// A route with a `selector` whose path has more than one segment (Vamp 1.0 and later:
    /// `RouteSelectorOnlyRouteError`, "If route selector is defined, route path must not
    /// contain '/'").
    V054 "selector-route-path";
    /// A route with a `selector` that targets an external address `[host:port]` (Vamp 1.0 and
    /// later: `RouteSelectorExternalTargetError`).
    V055 "selector-external-route";
}
