//! `C` — Cloudify blueprints (reference/cloudify/SPEC.md).
//!
//! Where Cloudify's parser has a numeric error code, our number is the same (Cloudify 40 →
//! `C040`) and the diagnostic's peer is that number. Cloudify reuses some numbers for unrelated
//! problems (1 for every schema problem, 28, 50, 107); those variants get their own codes in the
//! 1xx block with the original number as peer. Errors Cloudify raises without a code (plain
//! Python exceptions from intrinsic functions) are in the 3xx block with the exception class as
//! peer. Checks Cloudify never made are in the 4xx block.

declare_codes! {
    /// A key the blueprint must have is missing (a node template's `type`,
    /// a relationship's `type` or `target`, a group's `members`, a policy's `type` or
    /// `targets`, a workflow's `mapping`, an output's `value`, a policy type's `source`, ...).
    /// A key present with a null value counts as missing. Cloudify code 1. (`node_templates`
    /// itself is optional since cloudify-common 7.0.5.)
    C001 "missing-required-key";
    /// The same import is listed twice in one `imports` list. Cloudify code 2.
    C002 "duplicate-import";
    /// A top-level section that cannot be merged (e.g. `policies`, `description`, or `inputs`,
    /// `outputs`, `node_templates` below cloudify_dsl_1_3) appears in more than one file of
    /// the blueprint. Cloudify code 3.
    C003 "non-mergeable-section";
    /// Two files of the blueprint define the same entry (node type, relationship, plugin,
    /// workflow, group, policy type or trigger, data type, ...) under the same name. Cloudify
    /// code 4.
    C004 "import-merge-conflict";
    /// A node template's `type` names no node type defined by the blueprint or its imports.
    /// Cloudify code 7.
    C007 "unknown-node-type";
    /// A node operation's mapping names no declared plugin and no script file next to the
    /// blueprint. Cloudify code 10.
    C010 "unresolved-operation-mapping";
    /// An import could not be found. Relative imports are read relative to the importing file;
    /// the well-known Cloudify `types.yaml` URLs resolve to the definitions built into rehearse;
    /// any other URL is an error because rehearse never uses the network. Cloudify code 13.
    C013 "import-not-found";
    /// A plugin's `executor` is neither `central_deployment_agent` nor `host_agent`. Cloudify
    /// code 18.
    C018 "invalid-plugin-executor";
    /// A relationship operation's mapping names no declared plugin. Cloudify code 19.
    C019 "unresolved-relationship-operation";
    /// A workflow's mapping names no declared plugin. Cloudify code 21.
    C021 "unresolved-workflow-mapping";
    /// A relationship of a node template targets the node itself. Cloudify code 23.
    C023 "relationship-targets-itself";
    /// A node that is not contained in a host uses a plugin whose executor is `host_agent`;
    /// such plugins are installed on a host, so there is nowhere to run it. Cloudify code 24.
    C024 "host-agent-plugin-without-host";
    /// A relationship of a node template targets a node template that does not exist.
    /// Cloudify code 25.
    C025 "unknown-relationship-target";
    /// A relationship of a node template has a type that is not defined. Cloudify code 26.
    C026 "unknown-relationship-type";
    /// The main blueprint file has no `tosca_definitions_version`. Cloudify code 27.
    C027 "missing-version";
    /// An imported file declares a different `tosca_definitions_version` than the main file.
    /// Cloudify code 28.
    C028 "import-version-mismatch";
    /// `tosca_definitions_version` is not one of cloudify_dsl_1_0 … cloudify_dsl_1_5.
    /// Cloudify code 29.
    C029 "unsupported-version";
    /// A group member names neither a node template nor a group. Cloudify code 40.
    C040 "unknown-group-member";
    /// A group policy's `type` names no policy type. Built-in types are
    /// `cloudify.policies.types.host_failure`, `.threshold` and `.ewma_stabilized` (note the
    /// `types.` part, which old docs left out). Cloudify code 41.
    C041 "unknown-policy-type";
    /// A group policy trigger's `type` names no policy trigger. The built-in one is
    /// `cloudify.policies.triggers.execute_workflow`. Cloudify code 42.
    C042 "unknown-trigger-type";
    /// A plugin is to be installed (`install: true`, the default) but has neither `source` nor
    /// `package_name`. Cloudify code 50.
    C050 "plugin-without-source";
    /// A script operation sets the `script_path` input, which the script mapping already
    /// defines. Cloudify code 60.
    C060 "script-path-override";
    /// An operation is mapped to a script but no `script` plugin is declared. Cloudify code 61.
    C061 "missing-script-plugin";
    /// Two plugins match the prefix of an operation mapping. Cloudify code 91.
    C091 "ambiguous-operation-mapping";
    /// Definitions depend on each other in a circle, e.g. a type derived (transitively) from
    /// itself. Cloudify code 100.
    C100 "circular-dependency";
    /// The blueprint uses a feature newer than its `tosca_definitions_version` (e.g.
    /// `policies` or `capabilities` below cloudify_dsl_1_3, `data_types` or `required` below
    /// cloudify_dsl_1_2). Cloudify code 102.
    C102 "feature-newer-than-version";
    /// A property or input type, or a `derived_from`, names no known type. Primitive types are
    /// string, integer, float and boolean. Cloudify code 103.
    C103 "unknown-type";
    /// A data type is named like a primitive type. Cloudify code 104.
    C104 "primitive-type-redefined";
    /// A value does not match its declared type. Cloudify code 105.
    C105 "property-type-mismatch";
    /// A property or parameter is not declared by the type's schema. Cloudify code 106.
    C106 "undeclared-property";
    /// A mandatory property or parameter (declared without a default) has no value. Cloudify
    /// code 107.
    C107 "missing-mandatory-property";
    /// The blueprint contains non-ASCII characters, which Cloudify's parser refuses. Cloudify
    /// code 108.
    C108 "non-ascii";
    /// A node template has more than one relationship derived from
    /// `cloudify.relationships.contained_in`; a node can live in one container only.
    /// Cloudify code 112.
    C112 "multiple-contained-in";
    /// A key is not part of the schema of the element it appears in. Cloudify code 1.
    C120 "unknown-key";
    /// A value has the wrong YAML type (e.g. a string where a mapping is expected). Cloudify
    /// code 1.
    C121 "wrong-value-type";
    /// A group lists no members. Cloudify code 1.
    C122 "empty-group-members";
    /// `instances.deploy` is negative. Cloudify code 1.
    C123 "negative-deploy-instances";
    /// A mapping key is not a string. Cloudify code 1.
    C124 "non-string-key";
    /// An operation's `executor` is neither `central_deployment_agent` nor `host_agent`.
    /// Cloudify code 28 (shared with import-version-mismatch).
    C128 "invalid-operation-executor";
    /// An operation input's value does not match the type its node type declares. Cloudify
    /// code 50 (shared with plugin-without-source).
    C150 "operation-input-type-mismatch";
    /// An operation input declared by the node type without a default has no value. Cloudify
    /// code 107 (shared with missing-mandatory-property).
    C157 "missing-operation-input";
    /// An operation input schema uses an unknown type. Cloudify code 80.
    C180 "unknown-operation-input-type";
    /// A scaling group membership forms a cycle. Cloudify code 200.
    C200 "group-cycle";
    /// A node or group is a member of more than one scaling group. Cloudify code 201.
    C201 "member-of-several-scaling-groups";
    /// Two nodes of one scaling group are not contained in a shared node, so a group instance
    /// cannot be placed. Cloudify code 202.
    C202 "scaling-group-not-co-contained";
    /// A top-level policy has a type other than `cloudify.policies.scaling`. Top-level
    /// `policies` are scaling policies only; monitoring policies belong under
    /// `groups.<g>.policies`. Cloudify code 204.
    C204 "unsupported-policy-type";
    /// A scaling policy target is not a group. Cloudify code 205.
    C205 "invalid-policy-target";
    /// A scaling policy has an empty `targets` list. Cloudify code 206.
    C206 "policy-without-targets";
    /// An instance count is negative, `max_instances` is below 1, or default/min/max are out
    /// of order. Cloudify code 207.
    C207 "invalid-instance-count";
    /// `max_instances` is a string other than `UNBOUNDED`. Cloudify code 208.
    C208 "invalid-max-instances";
    /// A node template sets both the deprecated `instances.deploy` and
    /// `capabilities.scalable`. Cloudify code 209.
    C209 "deploy-and-capabilities";
    /// An instance count is a mapping that is not an intrinsic function. Cloudify code 210.
    C210 "invalid-instance-count-value";
    /// A group has the same name as a node template. Cloudify code 211.
    C211 "group-node-name-clash";
    /// A constraint of an input or workflow parameter has an argument of the wrong shape for
    /// its operator: `valid_values`, `labels` and `tenants` take a list, `in_range` a list of
    /// two numbers, `equal`, `greater_than`, `length`, ... a number, `pattern`, `filter_id` and
    /// `deployment_id` a string, `name_pattern` a mapping. An intrinsic function is accepted
    /// (it is evaluated when a deployment is created). cloudify-common 7.0.5
    /// `constraints.validate_args`, Cloudify code 212.
    C212 "invalid-constraint-argument";
    /// `use_external_resource` is given an intrinsic function (e.g. `get_input`). Whether a
    /// resource is created or adopted must be known when the blueprint is parsed, so Cloudify
    /// allows only a boolean there (cloudify-common 7.0.5 `utils.py`,
    /// ERROR_INTRINSIC_FUNCTION_NOT_PERMITTED). Cloudify code 219.
    C219 "use-external-resource-function";
    /// An intrinsic function has malformed arguments, e.g. `get_property` with fewer than two
    /// items or `concat` without a list. Cloudify raises `ValueError`.
    C300 "bad-function-arguments";
    /// `get_input` names an input the blueprint does not declare. Cloudify raises
    /// `UnknownInputError`.
    C301 "unknown-input";
    /// `get_property` or `get_attribute` names a node template that does not exist. Cloudify
    /// raises `KeyError`.
    C302 "unknown-function-node";
    /// `get_property` names a property (or nested path) the node does not have. Cloudify raises
    /// `KeyError` (a list index out of range raises `IndexError`, a key where an index is
    /// needed `TypeError`).
    C303 "unknown-function-property";
    /// `get_property` calls refer to each other in a circle, so no value can be computed.
    /// Cloudify raises `RuntimeError`.
    C304 "get-property-cycle";
    /// `SELF`, `SOURCE` or `TARGET` is used where it means nothing: `SELF` outside a node
    /// template, `SOURCE`/`TARGET` outside a relationship operation, any of them with
    /// `get_attribute` in outputs. Cloudify raises `ValueError`.
    C305 "function-reference-out-of-scope";
    /// `concat` needs cloudify_dsl_1_1 or later. Cloudify raises `FunctionEvaluationError`.
    C306 "concat-needs-newer-version";
    /// `concat` is used where Cloudify does not evaluate it (e.g. scaling policy properties).
    /// Cloudify raises `ValueError`.
    C307 "concat-not-allowed-here";
    /// An operation's `max_retries` is below -1 or its `retry_interval` below 0. Cloudify
    /// raises `ValueError`.
    C308 "invalid-retry-setting";
    /// An import is read more than once through a cycle, or a file imports itself. Cloudify
    /// silently skips files it has already read; rehearse reports the cycle so it can be
    /// removed.
    C400 "import-cycle";
    /// An `execute_workflow` trigger names a workflow the blueprint does not define. The
    /// trigger fails at runtime (`trigger_failed`) every time the policy fires.
    C401 "trigger-unknown-workflow";
    /// An `execute_workflow` trigger passes a workflow parameter the target workflow does not
    /// declare. Without `allow_custom_parameters: true` the manager refuses to start the
    /// execution. The classic case is `node_id` for `heal`, whose parameter is
    /// `node_instance_id` (Cloudify renamed it; the 3.2 docs kept the old name).
    C402 "trigger-unknown-workflow-parameter";
    /// An `execute_workflow` trigger does not pass a workflow parameter that has no default
    /// (e.g. `heal` without `node_instance_id`), so the execution cannot start.
    C403 "trigger-missing-workflow-parameter";
    /// `get_property: [SELF, field]` in trigger parameters reads a field of the event that made
    /// the policy fire; this field is not one the policy type puts on its events, so the
    /// parameter is null at runtime (e.g. `failing_node`, removed from Cloudify in 2015).
    C404 "unknown-event-field";
    /// A group with a monitoring policy lists another group as a member. Riemann matches
    /// events by node name only, so the nested group's nodes are never watched.
    C405 "nested-group-in-monitoring-policy";
    /// A `scale` trigger names a scalable entity that is neither a node template nor a scaling
    /// group; the scale workflow fails with "No scalable entity named ... was found".
    C406 "scale-trigger-unknown-entity";
    /// A `scale` trigger scales an entity whose `min_instances`/`max_instances` bounds the
    /// `scale` workflow never enforces, so automatic scaling can go past them.
    C407 "scale-bounds-not-enforced";
    /// A plugin import (`plugin:NAME?version=...`, a plugin.yaml URL) names a plugin the
    /// local plugin cache does not hold, or no cache is configured. rehearse never uses the
    /// network, so it cannot read the plugin's types; names the blueprint uses that nothing
    /// else defines are taken to be the plugin's and are not checked (no follow-on errors).
    /// Fill the cache: put the plugin's `plugin.yaml` (and `plugin_1_4.yaml` /
    /// `plugin_1_5.yaml` when it has them) at `<cache>/<plugin repository name>/<version>/`,
    /// and name the cache with rehearse.toml `[cloudify] plugins = "DIR"` or
    /// `$REHEARSE_CLOUDIFY_PLUGINS`.
    C408 "plugin-not-in-cache";
}
