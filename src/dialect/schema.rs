//! JSON Schema (draft-07) for the documents rehearse reads with its own readers: the
//! scenario document (DESIGN.md §6, `dialect::scenario`) and the Vamp artifacts
//! (`dialect::vamp`), for editors (yaml-language-server) to complete and validate.
//!
//! The schema follows the readers, not the other way round: a key a reader only warns about
//! (V004, S002) is allowed (`additionalProperties` stays open; completion comes from the listed
//! properties), and a shape is refused only where the reader reports an error — a wrong type,
//! a missing required field, a value outside an enumeration or a unit grammar. Vamp reads
//! `null` as absent, so its optional fields accept `null`; its short forms (a string for a
//! breed, a list or map of routes ...) are unions. What JSON Schema cannot say (references
//! between documents, sums of weights, condition and selector grammars) stays `rehearse
//! check`'s.

use crate::dialect::{Kind, VampKind};
use serde_json::{json, Map, Value};

const DRAFT_07: &str = "http://json-schema.org/draft-07/schema#";

/// The schema for documents of `kind`, or for any of them (dispatching on `kind:`) when
/// `None`. Cloudify and KrakenD have schemas of their own upstream: `Err` names them.
pub fn schema(kind: Option<Kind>) -> Result<Value, String> {
    let (title, description, body) = match kind {
        None => (
            "rehearse documents".to_string(),
            "A rehearse scenario or a Vamp 0.9.5 artifact, chosen by `kind:` (documents without `kind:` are not constrained).",
            dispatch(),
        ),
        Some(Kind::Scenario) => (
            "rehearse scenario".to_string(),
            "A rehearse scenario (DESIGN.md §6).",
            json!({ "$ref": "#/definitions/scenario" }),
        ),
        Some(Kind::Vamp(vamp)) => (
            format!("Vamp {}", vamp.as_str()),
            "A Vamp 0.9.5 artifact (a one-element list of it is read the same).",
            single_or_one_element_list(&format!("#/definitions/{}", vamp.as_str())),
        ),
        Some(Kind::Cloudify) => return Err(
            "no schema for cloudify: use Cloudify's DSL documentation (rehearse check validates blueprints)".to_string(),
        ),
        Some(kind @ (Kind::Rollout | Kind::Flagger)) => return Err(format!(
            "no schema for {kind}: use the CRD's OpenAPI schema (kubectl explain, or the CRD manifest)"
        )),
        Some(Kind::Krakend) => return Err(
            "no schema for krakend: use KrakenD's official schema, https://www.krakend.io/schema/krakend.json".to_string(),
        ),
    };
    let mut root = Map::new();
    root.insert("$schema".into(), json!(DRAFT_07));
    root.insert("title".into(), json!(title));
    root.insert("description".into(), json!(description));
    if let Value::Object(body) = body {
        root.extend(body);
    }
    root.insert("definitions".into(), Value::Object(definitions()));
    Ok(Value::Object(root))
}

/// The schema as printed by `rehearse schema`: pretty JSON and a final newline.
pub fn render(kind: Option<Kind>) -> Result<String, String> {
    let value = schema(kind)?;
    let mut text = serde_json::to_string_pretty(&value).map_err(|e| e.to_string())?;
    text.push('\n');
    Ok(text)
}

/// Vamp's single-artifact readers also take a one-element list.
fn single_or_one_element_list(reference: &str) -> Value {
    json!({
        "if": { "type": "array" },
        "then": { "minItems": 1, "maxItems": 1, "items": unless_removal(reference) },
        "else": unless_removal(reference)
    })
}

/// A document of exactly `kind` and `name` is a removal (the body of a DELETE in Vamp's
/// recipes), not an artifact to read.
fn unless_removal(reference: &str) -> Value {
    json!({
        "if": { "type": "object", "required": ["kind", "name"], "maxProperties": 2 },
        "then": {},
        "else": { "$ref": reference }
    })
}

/// `kind:` as rehearse reads it: trimmed, any case, plural allowed.
fn kind_pattern(word: &str) -> String {
    format!(r"^\s*{}[sS]?\s*$", case_insensitive(word))
}

/// `abc` → `[aA][bB][cC]`: ECMA-262 patterns have no inline `(?i)`.
fn case_insensitive(word: &str) -> String {
    word.chars()
        .map(|c| {
            if c.is_ascii_alphabetic() {
                format!("[{}{}]", c.to_ascii_lowercase(), c.to_ascii_uppercase())
            } else if c == '_' {
                "_".to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

fn one_of_words_ci(words: &[&str]) -> String {
    let alternatives: Vec<String> = words.iter().map(|w| case_insensitive(w)).collect();
    format!(r"^({})$", alternatives.join("|"))
}

/// Without `--kind`: the document, or the single element of a one-element list, is checked
/// against the schema its `kind:` names.
fn dispatch() -> Value {
    json!({
        "if": { "type": "array", "maxItems": 1 },
        "then": { "items": { "$ref": "#/definitions/anyDocument" } },
        "else": { "$ref": "#/definitions/anyDocument" }
    })
}

/// `if kind is K then K's schema`, for every kind rehearse reads itself.
fn any_document() -> Value {
    // Each kind's definition is named after it.
    let mut kinds = vec!["scenario"];
    kinds.extend(VampKind::ALL.iter().map(|k| k.as_str()));
    let mut names = kinds.clone();
    names.sort_unstable();
    let branches: Vec<Value> = kinds
        .iter()
        .map(|kind| {
            json!({
                "if": {
                    "type": "object",
                    "required": ["kind"],
                    "properties": { "kind": { "type": "string", "pattern": kind_pattern(kind) } }
                },
                "then": if *kind == "scenario" {
                    json!({ "$ref": "#/definitions/scenario" })
                } else {
                    unless_removal(&format!("#/definitions/{kind}"))
                }
            })
        })
        .collect();
    json!({
        "properties": {
            "kind": {
                "description": "What this document is (Vamp also accepts plurals and any case).",
                "anyOf": [{ "enum": names }, { "type": "string" }]
            }
        },
        "allOf": branches
    })
}

// ------------------------------------------------------------------------------------------
// Definitions

fn definitions() -> Map<String, Value> {
    let mut defs = Map::new();
    let mut add = |name: &str, value: Value| {
        defs.insert(name.to_string(), value);
    };
    // Shared scalars.
    add("vampName", vamp_name());
    add(
        "vampReference",
        json!({
            "description": "The name of an artifact defined elsewhere.",
            "type": ["string", "number", "boolean"],
            "pattern": r"^[^\s/\[\]]+$"
        }),
    );
    add(
        "vampPercentage",
        json!({
            "description": "A whole percentage from 0% to 100%, e.g. `50%`.",
            "type": "string",
            "pattern": r"^\s*(0?[0-9]?[0-9]|100)\s*%\s*$",
            "examples": ["50%", "100%"]
        }),
    );
    add(
        "vampTime",
        json!({
            "description": "A time: `30s`, `1min`, `2hours`, or a number of seconds.",
            "anyOf": [
                { "type": "integer", "minimum": 0, "maximum": 2147483647_i64 },
                { "type": "string", "pattern": r"^[0-9]+(seconds|second|sec|s|minutes|minute|min|m|hours|hour|hrs|h)$" }
            ],
            "examples": ["30s", "1m"]
        }),
    );
    add(
        "vampPort",
        json!({
            "description": "A port: a number from 0 to 65535 (0: Vamp assigns one), optionally `/http` (the default) or `/tcp`, e.g. `8080/http`.",
            "anyOf": [
                { "type": "integer", "minimum": 0, "maximum": 65535 },
                { "type": "string", "pattern": format!(r"^\s*0*({PORT_NUMBER})(/({}|{}))?\s*$", case_insensitive("http"), case_insensitive("tcp")) }
            ],
            "examples": ["8080/http", "9050", "3306/tcp"]
        }),
    );
    add(
        "vampTraitValue",
        json!({
            "description": "A scalar value; `$name`, `$cluster.host`, `$cluster.group.name` or `${...}` refer to other traits (`$$` is a literal `$`).",
            "type": ["string", "number", "boolean"]
        }),
    );
    add(
        "vampTraits",
        json!({
            "type": ["object", "null"],
            "additionalProperties": { "anyOf": [{ "$ref": "#/definitions/vampTraitValue" }, { "type": "null" }] }
        }),
    );
    add(
        "vampMetadata",
        json!({
            "description": "Free-form metadata (a mapping), e.g. `{labels: {team: web}}`.",
            "type": ["object", "null"]
        }),
    );
    add(
        "vampArguments",
        json!({
            "description": "Container arguments: a list of one-pair maps (`- privileged: true`) or one map.",
            "type": ["array", "object", "null"],
            "items": {
                "type": "object",
                "minProperties": 1,
                "maxProperties": 1,
                "additionalProperties": { "$ref": "#/definitions/vampScalar" },
                "properties": { "privileged": { "$ref": "#/definitions/vampPrivileged" } }
            },
            "additionalProperties": { "$ref": "#/definitions/vampScalar" },
            "properties": { "privileged": { "$ref": "#/definitions/vampPrivileged" } }
        }),
    );
    add(
        "vampPrivileged",
        json!({
            "description": "Run the container privileged: `true` or `false`.",
            "anyOf": [{ "type": "boolean" }, { "type": "string", "pattern": one_of_words_ci(&["true", "false"]) }]
        }),
    );
    add(
        "vampScalar",
        json!({ "type": ["string", "number", "boolean"] }),
    );
    add("vampHealthCheck", vamp_health_check());
    add(
        "vampHealthChecks",
        json!({
            "description": "Health checks: one or a list.",
            "anyOf": [
                { "type": "null" },
                { "$ref": "#/definitions/vampHealthCheck" },
                { "type": "array", "items": { "$ref": "#/definitions/vampHealthCheck" } }
            ]
        }),
    );
    add(
        "breedEnvironment",
        json!({
            "description": "Environment variables by name (`NAME[ALIAS]` gives an alias).",
            "type": ["object", "null"],
            "propertyNames": { "pattern": r"^[^\s./\[\]]+(\[.+\])?$" },
            "additionalProperties": { "anyOf": [{ "$ref": "#/definitions/vampTraitValue" }, { "type": "null" }] }
        }),
    );
    add("breed", breed());
    add(
        "breedOrReference",
        json!({
            "description": "A breed: its name, `{reference: NAME}`, or a breed written inline.",
            "anyOf": [
                { "$ref": "#/definitions/vampReference" },
                { "type": "object", "required": ["reference"], "properties": { "reference": { "$ref": "#/definitions/vampReference" } } },
                { "type": "object", "required": ["ref"], "properties": { "ref": { "$ref": "#/definitions/vampReference" } } },
                { "$ref": "#/definitions/breed" }
            ]
        }),
    );
    add("scaleBody", scale_body());
    add(
        "scale",
        with_name(
            "A scale: cpu, memory and instances of each service.",
            "#/definitions/scaleBody",
        ),
    );
    add(
        "scaleOrReference",
        weak_reference(
            "A scale: its name, `{reference: NAME}`, or `{cpu, memory, instances}` inline.",
            "#/definitions/scaleBody",
        ),
    );
    add("escalationBody", escalation_body());
    add(
        "escalation",
        with_name("An SLA escalation.", "#/definitions/escalationBody"),
    );
    add(
        "escalationOrReference",
        json!({
            "description": "An escalation: its name, `{reference: NAME}`, one written inline (without `name`), or `{to_one: [...]}` / `{to_all: [...]}`.",
            "anyOf": [
                weak_reference("", "#/definitions/escalationBody"),
                {
                    "type": "object",
                    "minProperties": 1,
                    "maxProperties": 1,
                    "properties": {
                        "to_one": { "$ref": "#/definitions/escalationGroup" },
                        "to_all": { "$ref": "#/definitions/escalationGroup" }
                    },
                    "anyOf": [{ "required": ["to_one"] }, { "required": ["to_all"] }]
                }
            ]
        }),
    );
    add(
        "escalationGroup",
        json!({
            "description": "The members of a group: a list, one escalation, or `{escalations: [...]}`.",
            "anyOf": [
                { "type": "null" },
                { "type": "array", "items": { "$ref": "#/definitions/escalationOrReference" } },
                { "type": "object", "required": ["escalations"], "properties": { "escalations": { "$ref": "#/definitions/escalations" } } },
                { "$ref": "#/definitions/escalationOrReference" }
            ]
        }),
    );
    add(
        "escalations",
        json!({
            "description": "Escalations: one or a list.",
            "anyOf": [
                { "type": "null" },
                { "type": "array", "items": { "$ref": "#/definitions/escalationOrReference" } },
                { "$ref": "#/definitions/escalationOrReference" }
            ]
        }),
    );
    add("slaBody", sla_body());
    add(
        "sla",
        with_name("A service level agreement.", "#/definitions/slaBody"),
    );
    add(
        "slaOrReference",
        json!({
            "description": "An SLA: its name, `{reference: NAME}`, or one written inline.",
            "anyOf": [
                { "type": "null" },
                { "$ref": "#/definitions/vampReference" },
                { "type": "object", "required": ["reference"], "properties": { "reference": { "$ref": "#/definitions/vampReference" } } },
                { "type": "object", "required": ["ref"], "properties": { "ref": { "$ref": "#/definitions/vampReference" } } },
                { "allOf": [{ "$ref": "#/definitions/slaBody" }], "not": { "required": ["name"] } }
            ]
        }),
    );
    add(
        "conditionDefinition",
        json!({
            "description": "A route condition, e.g. `user-agent = Firefox and has cookie vamp`, or a raw HAProxy ACL in `< >`.",
            "type": ["string", "number", "boolean", "null"]
        }),
    );
    add("condition", condition());
    add(
        "routeCondition",
        json!({
            "description": "A condition written here, `{condition: ...}`, or `{reference: NAME}` to a condition artifact.",
            "anyOf": [
                { "$ref": "#/definitions/conditionDefinition" },
                { "type": "object", "required": ["reference"], "properties": { "reference": { "$ref": "#/definitions/vampReference" } } },
                { "type": "object", "required": ["ref"], "properties": { "ref": { "$ref": "#/definitions/vampReference" } } },
                {
                    "type": "object",
                    "not": { "required": ["name"] },
                    "properties": { "condition": { "$ref": "#/definitions/conditionDefinition" } }
                }
            ]
        }),
    );
    add("route", route());
    add(
        "routes",
        json!({
            "description": "Routes keyed by path (`cluster/port`, `deployment/cluster/port`, `[service]` ...): a map, a list of paths or of one-route maps, or one path.",
            "type": ["object", "array", "string", "number", "null"],
            "additionalProperties": { "$ref": "#/definitions/route" },
            "items": {
                "type": ["object", "string", "number", "boolean"],
                "additionalProperties": { "$ref": "#/definitions/route" }
            }
        }),
    );
    add(
        "sticky",
        json!({
            "description": "Sticky sessions: `route`, `instance` or `none`.",
            "anyOf": [
                { "type": "null" },
                { "enum": ["route", "instance", "none"] },
                { "type": "string", "pattern": one_of_words_ci(&["route", "instance", "none"]) }
            ]
        }),
    );
    add(
        "virtualHosts",
        json!({
            "description": "Virtual host names: a list of strings.",
            "type": ["array", "string", "null"],
            "items": { "type": "string" }
        }),
    );
    add("gatewayFields", gateway_fields());
    add("gateway", gateway());
    add(
        "blueprintGateway",
        json!({
            "description": "A gateway of the blueprint, keyed by its port (`9050`, `8080/tcp`) or by a name with `port:`.",
            "anyOf": [
                { "type": ["string", "number", "array", "null"] },
                {
                    "allOf": [{ "$ref": "#/definitions/gatewayFields" }],
                    "type": "object",
                    "properties": {
                        "port": { "$ref": "#/definitions/vampPort" },
                        "metadata": { "$ref": "#/definitions/vampMetadata" }
                    }
                }
            ]
        }),
    );
    add("service", service());
    add("cluster", cluster());
    add("blueprint", blueprint(false));
    add("deployment", blueprint(true));
    add("workflow", workflow());
    add("scenario", scenario());
    add(
        "scenarioDuration",
        json!({
            "description": "A Go duration: `90s`, `1m30s`, `1500ms`, `2h` (units ns, us, ms, s, m, h), at most 366 days.",
            "type": "string",
            "pattern": r"^\+?(0|(([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))+)$",
            "examples": ["30s", "1m30s", "10m"]
        }),
    );
    add(
        "scenarioPercentage",
        json!({
            "description": "A percentage from 0% to 100% with at most four decimals, e.g. `0.1%`, `99.95%`.",
            "type": "string",
            "pattern": r"^0*(100(\.0{1,4})?|[0-9]{1,2}(\.[0-9]{1,4})?)%$",
            "examples": ["0.1%", "50%"]
        }),
    );
    add(
        "scenarioRate",
        json!({
            "description": "A rate: a whole number per second, minute or hour, e.g. `50/s`, `3000/m`, `10/h`.",
            "type": "string",
            "pattern": r"^[0-9]+/(second|sec|s|minute|min|m|hour|hr|h)$",
            "examples": ["50/s", "3000/min"]
        }),
    );
    add(
        "scenarioName",
        json!({
            "description": "A name (a number is read as its text).",
            "type": ["string", "number"]
        }),
    );
    add("latency", latency());
    add("behavior", behavior());
    add("traffic", traffic());
    add("fault", fault());
    add("expectation", expectation());
    add(
        "rolloutUpdate",
        json!({
            "description": "A new revision of an Argo Rollout (`rollout`) or Flagger Canary (`canary`) at `at`; `to` is the new image tag.",
            "type": "object",
            "required": ["at"],
            "properties": {
                "at": duration("When the update is applied."),
                "rollout": { "$ref": "#/definitions/scenarioName" },
                "canary": { "$ref": "#/definitions/scenarioName" },
                "to": { "description": "The new version's tag: the canary answers to `NAME:TAG` too.", "$ref": "#/definitions/scenarioName" }
            }
        }),
    );
    add(
        "operatorAction",
        json!({
            "description": "An operator's command at `at`, for one rollout (`rollout` or `canary`) or every deployed one.",
            "type": "object",
            "required": ["at"],
            "properties": {
                "at": duration("When the command is given."),
                "rollout": { "$ref": "#/definitions/scenarioName" },
                "canary": { "$ref": "#/definitions/scenarioName" },
                "full": { "description": "`promote --full`: skip the remaining steps.", "type": "boolean" }
            }
        }),
    );
    add(
        "observed",
        json!({
            "description": "What a measurement reads of the canary's requests (latencies in ms, rate per second).",
            "enum": crate::ir::rollout_scenario::Observed::NAMES
        }),
    );
    add(
        "failingWindow",
        json!({
            "description": "When a webhook answers no: from `from` until `to` (default: the end).",
            "type": "object",
            "required": ["from"],
            "properties": { "from": duration("Start."), "to": duration("End.") }
        }),
    );
    add(
        "deployStep",
        json!({
            "description": "A blueprint name, `{blueprint, as}` to deploy it under another name, `{cloudify: PATH, as, inputs, install}` for a Cloudify blueprint, `{rollout: NAME}` for an Argo Rollout or `{canary: NAME, matched}` for a Flagger Canary.",
            "anyOf": [
                { "$ref": "#/definitions/scenarioName" },
                {
                    "type": "object",
                    "required": ["cloudify"],
                    "properties": {
                        "cloudify": { "description": "The Cloudify blueprint's path, relative to the scenario's file.", "type": "string" },
                        "as": { "description": "The deployment's name (default: the file's stem).", "$ref": "#/definitions/scenarioName" },
                        "inputs": { "description": "The blueprint's inputs, checked against its `inputs:`.", "type": ["object", "null"] },
                        "install": { "description": "Run the install workflow from t = 0 (default: the deployment starts installed).", "type": "boolean" }
                    }
                },
                {
                    "type": "object",
                    "required": ["blueprint"],
                    "properties": {
                        "blueprint": { "$ref": "#/definitions/scenarioName" },
                        "as": { "description": "The deployment's name (default: the blueprint's).", "$ref": "#/definitions/scenarioName" }
                    }
                },
                {
                    "type": "object",
                    "required": ["rollout"],
                    "properties": {
                        "rollout": { "description": "An Argo Rollout of the project, by name.", "$ref": "#/definitions/scenarioName" }
                    }
                },
                {
                    "type": "object",
                    "required": ["canary"],
                    "properties": {
                        "canary": { "description": "A Flagger Canary of the project, by name.", "$ref": "#/definitions/scenarioName" },
                        "matched": { "description": "A/B testing: the share of the users' requests `analysis.match` selects (default 10%, S046).", "$ref": "#/definitions/scenarioPercentage" }
                    }
                }
            ]
        }),
    );
    add("anyDocument", any_document());
    defs
}

/// 0..=65535 as a regular expression.
const PORT_NUMBER: &str =
    "6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[0-9]{1,4}";

fn vamp_name() -> Value {
    json!({
        "description": "The artifact's name: no white space, `/`, `[` or `]`.",
        "type": ["string", "number", "boolean"],
        "pattern": r"^[^\s/\[\]]+$"
    })
}

/// A named artifact: `name` required, plus the body's fields.
fn with_name(description: &str, body: &str) -> Value {
    json!({
        "description": description,
        "allOf": [{ "$ref": body }],
        "type": "object",
        "required": ["name"],
        "properties": {
            "kind": { "type": "string" },
            "name": { "$ref": "#/definitions/vampName" },
            "metadata": { "$ref": "#/definitions/vampMetadata" }
        }
    })
}

/// Vamp's weak references: a name, a map with `reference`/`ref`, or an inline body without
/// `name` (a map with both is `EitherReferenceOrAnonymous`).
fn weak_reference(description: &str, body: &str) -> Value {
    json!({
        "description": description,
        "anyOf": [
            { "type": "null" },
            { "$ref": "#/definitions/vampReference" },
            { "type": "object", "required": ["reference"], "properties": { "reference": { "$ref": "#/definitions/vampReference" } } },
            { "type": "object", "required": ["ref"], "properties": { "ref": { "$ref": "#/definitions/vampReference" } } },
            { "allOf": [{ "$ref": body }], "not": { "required": ["name"] } }
        ]
    })
}

fn vamp_health_check() -> Value {
    json!({
        "description": "A health check of a port.",
        "type": "object",
        "required": ["port", "initial_delay", "timeout", "interval", "failures"],
        "properties": {
            "path": { "description": "The HTTP path checked (default `/`).", "$ref": "#/definitions/vampScalar" },
            "port": { "description": "The name of the port checked.", "$ref": "#/definitions/vampScalar" },
            "initial_delay": { "$ref": "#/definitions/vampTime" },
            "timeout": { "$ref": "#/definitions/vampTime" },
            "interval": { "$ref": "#/definitions/vampTime" },
            "failures": { "description": "Failed checks before an instance is unhealthy.", "type": "integer", "minimum": 0 },
            "protocol": { "description": "`HTTP` (default) or `HTTPS`, `TCP` ...", "$ref": "#/definitions/vampScalar" }
        }
    })
}

fn breed() -> Value {
    json!({
        "description": "A breed: a deployable with its ports, environment variables, constants, arguments, dependencies and health checks.",
        "type": "object",
        "required": ["name", "deployable"],
        "properties": {
            "kind": { "type": "string" },
            "name": { "$ref": "#/definitions/vampName" },
            "metadata": { "$ref": "#/definitions/vampMetadata" },
            "deployable": {
                "description": "The image (`magneticio/sava:1.0.0`) or `{type, definition}`.",
                "anyOf": [
                    { "$ref": "#/definitions/vampScalar" },
                    {
                        "type": "object",
                        "required": ["definition"],
                        "properties": {
                            "type": { "description": "Default `container/docker`.", "$ref": "#/definitions/vampScalar" },
                            "definition": { "$ref": "#/definitions/vampScalar" }
                        }
                    }
                ]
            },
            "ports": {
                "description": "Ports by name, e.g. `web: 8080/http`.",
                "type": ["object", "null"],
                "propertyNames": { "pattern": r"^[^\s./\[\]]+$" },
                "additionalProperties": { "$ref": "#/definitions/vampTraitValue", "examples": ["8080/http"] }
            },
            "environment_variables": { "$ref": "#/definitions/breedEnvironment" },
            "env": { "$ref": "#/definitions/breedEnvironment" },
            "constants": {
                "description": "Constants by name (each needs a value).",
                "type": ["object", "null"],
                "propertyNames": { "pattern": r"^[^\s./\[\]]+$" },
                "additionalProperties": { "$ref": "#/definitions/vampTraitValue" }
            },
            "arguments": { "$ref": "#/definitions/vampArguments" },
            "dependencies": {
                "description": "Breeds this one depends on, by alias: a breed name, `{breed: ...}`, or an inline breed.",
                "type": ["object", "null"],
                "additionalProperties": {
                    "anyOf": [
                        { "$ref": "#/definitions/breedOrReference" },
                        { "type": "object", "required": ["breed"], "properties": { "breed": { "$ref": "#/definitions/breedOrReference" } } }
                    ]
                }
            },
            "health_checks": { "$ref": "#/definitions/vampHealthChecks" }
        }
    })
}

fn scale_body() -> Value {
    json!({
        "type": "object",
        "required": ["cpu", "memory"],
        "properties": {
            "cpu": {
                "description": "CPU cores: a number, or thousandths with `m` (`250m`).",
                "type": ["number", "string"],
                "examples": [0.5, "250m"]
            },
            "memory": {
                "description": "Memory, e.g. `128MB`, `1.5GB`, `256Mi`.",
                "type": ["number", "string"],
                "examples": ["128MB", "1GB"]
            },
            "instances": { "description": "Instances (default 1).", "type": ["integer", "null"] }
        }
    })
}

fn escalation_body() -> Value {
    let bounded = |what: &str| {
        json!({
            "type": "object",
            "required": ["minimum", "maximum", "scale_by"],
            "properties": {
                "minimum": { "description": format!("The fewest {what}.") },
                "maximum": { "description": format!("The most {what}.") },
                "scale_by": { "description": format!("{what} added or removed per step.") },
                "target": { "description": "The cluster scaled (default: the SLA's).", "$ref": "#/definitions/vampScalar" }
            }
        })
    };
    let mut instances = bounded("instances");
    for key in ["minimum", "maximum", "scale_by"] {
        instances["properties"][key]["type"] = json!("integer");
    }
    json!({
        "type": "object",
        "required": ["type"],
        "properties": {
            "type": {
                "description": "scale_instances, scale_cpu, scale_memory, to_all, to_one, or another type read as generic parameters.",
                "anyOf": [
                    { "enum": ["scale_instances", "scale_cpu", "scale_memory", "to_all", "to_one"] },
                    { "$ref": "#/definitions/vampScalar" }
                ]
            },
            "target": { "$ref": "#/definitions/vampScalar" },
            "escalations": { "$ref": "#/definitions/escalations" }
        },
        "allOf": [
            { "if": { "properties": { "type": { "const": "scale_instances" } } }, "then": instances },
            { "if": { "properties": { "type": { "const": "scale_cpu" } } }, "then": bounded("cpu") },
            { "if": { "properties": { "type": { "const": "scale_memory" } } }, "then": bounded("megabytes of memory") }
        ]
    })
}

fn sla_body() -> Value {
    let pair = |group: &str, a: &str, b: &str, description: &str| {
        json!({
            "description": description,
            "type": "object",
            "required": [a, b],
            "properties": { a: { "type": "integer" }, b: { "type": "integer" } }
        })
        .as_object()
        .map(|m| (group.to_string(), Value::Object(m.clone())))
    };
    let mut window_props = Map::new();
    window_props.extend(pair(
        "threshold",
        "upper",
        "lower",
        "Response time bounds in milliseconds.",
    ));
    window_props.extend(pair(
        "window",
        "interval",
        "cooldown",
        "Sliding window and cooldown in seconds.",
    ));
    json!({
        "type": "object",
        "required": ["type"],
        "properties": {
            "name": { "$ref": "#/definitions/vampScalar" },
            "type": {
                "description": "response_time_sliding_window, escalation_only, or another type read as generic parameters.",
                "anyOf": [
                    { "enum": ["response_time_sliding_window", "escalation_only"] },
                    { "$ref": "#/definitions/vampScalar" }
                ]
            },
            "threshold": window_props["threshold"],
            "window": window_props["window"],
            "escalations": { "$ref": "#/definitions/escalations" }
        },
        "allOf": [
            {
                "if": { "properties": { "type": { "const": "response_time_sliding_window" } } },
                "then": { "required": ["threshold", "window"] }
            }
        ]
    })
}

fn condition() -> Value {
    json!({
        "description": "A named route condition.",
        "type": "object",
        "required": ["name", "condition"],
        "properties": {
            "kind": { "type": "string" },
            "name": { "$ref": "#/definitions/vampName" },
            "metadata": { "$ref": "#/definitions/vampMetadata" },
            "condition": { "$ref": "#/definitions/conditionDefinition" }
        }
    })
}

fn route() -> Value {
    json!({
        "description": "A route: `{reference: NAME}`, or its weight, condition, condition strength, rewrites and balance.",
        "anyOf": [
            { "type": ["null", "string", "number", "boolean"] },
            { "type": "object", "required": ["reference"], "properties": { "reference": { "$ref": "#/definitions/vampReference" } } },
            { "type": "object", "required": ["ref"], "properties": { "ref": { "$ref": "#/definitions/vampReference" } } },
            {
                "type": "object",
                "not": { "required": ["name"] },
                "properties": {
                    "weight": { "description": "Share of the traffic, e.g. `50%`.", "$ref": "#/definitions/vampPercentage" },
                    "condition": { "$ref": "#/definitions/routeCondition" },
                    "condition_strength": { "description": "Share of the requests matching the condition that take this route.", "$ref": "#/definitions/vampPercentage" },
                    "rewrites": {
                        "description": "Path rewrites: `{path: \"a/b/c if condition\"}`, one or a list.",
                        "type": ["array", "object", "null"],
                        "required": ["path"],
                        "properties": { "path": { "$ref": "#/definitions/vampScalar" } },
                        "items": { "type": "object", "required": ["path"], "properties": { "path": { "$ref": "#/definitions/vampScalar" } } }
                    },
                    "balance": { "description": "HAProxy balance algorithm (`default`: roundrobin).", "$ref": "#/definitions/vampScalar" },
                    "selector": { "description": "Vamp 1.0 selector.", "$ref": "#/definitions/vampScalar" }
                }
            }
        ]
    })
}

fn gateway_fields() -> Value {
    json!({
        "properties": {
            "sticky": { "$ref": "#/definitions/sticky" },
            "virtual_hosts": { "$ref": "#/definitions/virtualHosts" },
            "routes": { "$ref": "#/definitions/routes" },
            "selector": { "description": "Vamp 1.0 selector, e.g. `label(app)(sava)`.", "$ref": "#/definitions/vampScalar" }
        }
    })
}

fn gateway() -> Value {
    json!({
        "description": "A gateway: a port with weighted, conditional routes.",
        "allOf": [{ "$ref": "#/definitions/gatewayFields" }],
        "type": "object",
        "required": ["name"],
        "properties": {
            "kind": { "type": "string" },
            "name": {
                "description": "The gateway's name (`deployment/port` names a deployment's gateway).",
                "type": ["string", "number", "boolean"]
            },
            "metadata": { "$ref": "#/definitions/vampMetadata" },
            "port": { "$ref": "#/definitions/vampPort" },
            "service": {
                "description": "An external service behind the gateway.",
                "type": ["object", "null"],
                "required": ["host", "port"],
                "properties": {
                    "host": { "$ref": "#/definitions/vampScalar" },
                    "port": { "$ref": "#/definitions/vampPort" }
                }
            },
            "deployed": { "type": ["boolean", "null"] },
            "sticky": {},
            "virtual_hosts": {},
            "routes": {},
            "selector": {}
        }
    })
}

fn service() -> Value {
    json!({
        "description": "A service: a breed name, or `{breed, scale, environment_variables, arguments, health_checks}`, or an inline breed (with `name`).",
        "anyOf": [
            { "$ref": "#/definitions/vampReference" },
            {
                "type": "object",
                "required": ["breed"],
                "properties": {
                    "breed": { "$ref": "#/definitions/breedOrReference" },
                    "scale": { "$ref": "#/definitions/scaleOrReference" },
                    "environment_variables": { "$ref": "#/definitions/vampTraits" },
                    "env": { "$ref": "#/definitions/vampTraits" },
                    "arguments": { "$ref": "#/definitions/vampArguments" },
                    "health_checks": { "$ref": "#/definitions/vampHealthChecks" },
                    "network": { "$ref": "#/definitions/vampScalar" },
                    "dialects": {}
                }
            },
            { "type": "object", "required": ["reference"], "not": { "required": ["breed"] } },
            { "type": "object", "required": ["ref"], "not": { "required": ["breed"] } },
            { "allOf": [{ "$ref": "#/definitions/breed" }], "not": { "required": ["breed"] } }
        ]
    })
}

fn cluster() -> Value {
    json!({
        "description": "A cluster: its services, internal gateways (keyed by port) and SLA; or a breed name, or a list of services.",
        "anyOf": [
            { "type": ["string", "number"] },
            { "type": "array", "items": { "$ref": "#/definitions/service" } },
            {
                "type": "object",
                "properties": {
                    "services": {
                        "anyOf": [
                            { "type": "null" },
                            { "type": "array", "items": { "$ref": "#/definitions/service" } },
                            { "$ref": "#/definitions/service" }
                        ]
                    },
                    "gateways": {
                        "description": "Internal gateways keyed by port name, or one anonymous gateway (`routes`, `sticky`, `virtual_hosts`).",
                        "type": ["object", "null"],
                        // The anonymous gateway's own keys; any other key is a port name.
                        "properties": {
                            "sticky": { "$ref": "#/definitions/sticky" },
                            "virtual_hosts": { "$ref": "#/definitions/virtualHosts" },
                            "routes": { "$ref": "#/definitions/routes" }
                        },
                        "additionalProperties": {
                            "anyOf": [
                                { "type": ["null", "string", "number", "array"] },
                                { "$ref": "#/definitions/gatewayFields" }
                            ]
                        }
                    },
                    "sla": { "$ref": "#/definitions/slaOrReference" },
                    "health_checks": { "$ref": "#/definitions/vampHealthChecks" },
                    "network": { "$ref": "#/definitions/vampScalar" },
                    "dialects": {}
                }
            }
        ]
    })
}

fn blueprint(deployment: bool) -> Value {
    let description = if deployment {
        "A deployment request: a blueprint (or just the name of one) to deploy."
    } else {
        "A blueprint: clusters of services, gateways and environment variables."
    };
    json!({
        "description": description,
        "type": "object",
        "required": ["name"],
        "properties": {
            "kind": { "type": "string" },
            "name": { "$ref": "#/definitions/vampName" },
            "metadata": { "$ref": "#/definitions/vampMetadata" },
            "clusters": {
                "description": "Clusters by name (no white space, `/`, `[` or `]`).",
                "type": ["object", "null"],
                "propertyNames": { "pattern": r"^[^\s/\[\]]+$" },
                "additionalProperties": { "$ref": "#/definitions/cluster" }
            },
            "gateways": {
                "description": "Gateways keyed by port (`9050`, `8080/tcp`) or by name with `port:`.",
                "type": ["object", "null"],
                "additionalProperties": { "$ref": "#/definitions/blueprintGateway" }
            },
            "environment_variables": {
                "description": "Environment variables of the clusters' services: `cluster.NAME: value`.",
                "$ref": "#/definitions/vampTraits"
            },
            "env": { "$ref": "#/definitions/vampTraits" },
            "dialects": {},
            "dialect": {}
        }
    })
}

fn workflow() -> Value {
    let statuses = [
        "starting",
        "running",
        "stopping",
        "suspended",
        "suspending",
        "restarting",
    ];
    json!({
        "description": "A workflow: a breed run as a daemon, on events or on a time schedule.",
        "type": "object",
        "required": ["name", "breed", "schedule"],
        "properties": {
            "kind": { "type": "string" },
            "name": { "$ref": "#/definitions/vampName" },
            "metadata": { "$ref": "#/definitions/vampMetadata" },
            "breed": { "$ref": "#/definitions/breedOrReference" },
            "status": {
                "description": "The workflow's status (any case).",
                "anyOf": [
                    { "type": "null" },
                    { "enum": statuses },
                    { "type": "string", "pattern": one_of_words_ci(&statuses) }
                ]
            },
            "schedule": {
                "description": "`daemon`, `{event: [tags]}` (or `{event: {tags: [...]}}`), or `{time: PERIOD}` / `{time: {period, start, repeat}}`.",
                "anyOf": [
                    { "const": "daemon" },
                    {
                        "type": "object",
                        "required": ["event"],
                        "properties": {
                            "event": {
                                "type": ["array", "object", "string", "number", "boolean", "null"],
                                "properties": { "tags": {} }
                            }
                        }
                    },
                    {
                        "type": "object",
                        "required": ["time"],
                        "properties": {
                            "time": {
                                "anyOf": [
                                    { "description": "An ISO-8601 period such as `PT1M`.", "type": ["string", "number"] },
                                    {
                                        "type": "object",
                                        "properties": {
                                            "period": { "description": "An ISO-8601 period such as `PT1H`.", "type": ["string", "number"] },
                                            "start": { "description": "`now` or an ISO-8601 date-time.", "type": ["string", "null"] },
                                            "repeat": { "description": "How many times (default: forever).", "type": ["integer", "null"] }
                                        }
                                    }
                                ]
                            }
                        }
                    }
                ]
            },
            "scale": { "$ref": "#/definitions/scaleOrReference" },
            "environment_variables": { "$ref": "#/definitions/vampTraits" },
            "env": { "$ref": "#/definitions/vampTraits" },
            "arguments": { "$ref": "#/definitions/vampArguments" },
            "network": { "$ref": "#/definitions/vampScalar" },
            "health_checks": { "$ref": "#/definitions/vampHealthChecks" },
            "dialects": {}
        }
    })
}

// ------------------------------------------------------------------------------------------
// The scenario document

fn duration(description: &str) -> Value {
    json!({ "description": description, "$ref": "#/definitions/scenarioDuration" })
}

fn bounded_integer(description: &str, min: u64, max: Option<u64>) -> Value {
    let mut value = json!({ "description": description, "type": "integer", "minimum": min });
    if let Some(max) = max {
        value["maximum"] = json!(max);
    }
    value
}

fn scenario() -> Value {
    json!({
        "description": "A rehearsal: what to deploy, the services' behaviour, traffic, faults and what to expect.",
        "type": "object",
        "required": ["name", "duration"],
        "properties": {
            "kind": { "description": "`scenario`.", "type": "string" },
            "name": { "description": "The scenario's name (`rehearse run --scenario NAME`).", "$ref": "#/definitions/scenarioName" },
            "description": { "description": "Free text." },
            "metadata": { "description": "Free-form metadata." },
            "seed": bounded_integer("The root seed (default 0); `--seed` overrides it.", 0, None),
            "clock": {
                "description": "The instant t = 0 stands for (time schedules), an offset date-time such as `2026-03-01T00:00:00Z`.",
                "type": "string",
                "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}"
            },
            "duration": duration("How much simulated time the rehearsal covers, e.g. `15m`."),
            "deploy": {
                "description": "Blueprints deployed at t = 0, in order: `sava` (as deployment `sava`) or `{blueprint: sava:1.1, as: sava}`.",
                "anyOf": [
                    { "$ref": "#/definitions/deployStep" },
                    { "type": "array", "items": { "$ref": "#/definitions/deployStep" } }
                ]
            },
            "hosts": {
                "description": "The hosts instances are placed on (default: one per instance).",
                "type": "object",
                "properties": { "count": bounded_integer("How many hosts.", 1, Some(100_000)) }
            },
            "update": {
                "description": "Argo Rollouts / Flagger: the new revision, `{at, rollout | canary, to}` (or a list).",
                "anyOf": [
                    { "$ref": "#/definitions/rolloutUpdate" },
                    { "type": "array", "items": { "$ref": "#/definitions/rolloutUpdate" } }
                ]
            },
            "promote": {
                "description": "`kubectl argo rollouts promote` at `at` (`rollout`/`canary`: one of them, default all; `full: true`: skip the remaining steps).",
                "anyOf": [
                    { "$ref": "#/definitions/operatorAction" },
                    { "type": "array", "items": { "$ref": "#/definitions/operatorAction" } }
                ]
            },
            "abort": {
                "description": "`kubectl argo rollouts abort` at `at`.",
                "anyOf": [
                    { "$ref": "#/definitions/operatorAction" },
                    { "type": "array", "items": { "$ref": "#/definitions/operatorAction" } }
                ]
            },
            "measurements": {
                "description": "Analysis metric name → what a measurement reads of the canary's requests over the metric's interval.",
                "type": "object",
                "additionalProperties": {
                    "anyOf": [
                        { "$ref": "#/definitions/observed" },
                        { "type": "object", "required": ["scalar"], "properties": { "scalar": { "$ref": "#/definitions/observed" } } },
                        { "type": "object", "required": ["value"], "properties": { "value": { "description": "A number, or `{steps: [[T, x], ...]}`." } } }
                    ]
                }
            },
            "webhooks": {
                "description": "Flagger webhooks by name: `{at: T}` (yes from T), `{never: true}`, or `{fails: {from, to}}` (no in that window; a list allowed).",
                "type": "object",
                "additionalProperties": {
                    "type": "object",
                    "properties": {
                        "at": duration("When the webhook first answers yes."),
                        "never": { "description": "The webhook never answers yes.", "type": "boolean" },
                        "fails": {
                            "anyOf": [
                                { "$ref": "#/definitions/failingWindow" },
                                { "type": "array", "items": { "$ref": "#/definitions/failingWindow" } }
                            ]
                        }
                    }
                }
            },
            "routes": {
                "description": "Argo managed routes (trafficRouting.managedRoutes) → the share of the rollout's requests each route's `match` selects.",
                "type": "object",
                "additionalProperties": { "$ref": "#/definitions/scenarioPercentage" }
            },
            "behaviors": {
                "description": "How each service (`name:version`) behaves.",
                "type": "object",
                "additionalProperties": { "$ref": "#/definitions/behavior" }
            },
            "traffic": {
                "description": "Traffic sources.",
                "type": "array",
                "items": { "$ref": "#/definitions/traffic" }
            },
            "faults": {
                "description": "Faults injected, each with exactly one action.",
                "type": "array",
                "items": { "$ref": "#/definitions/fault" }
            },
            "expect": {
                "description": "Expectations checked at the end of the run.",
                "type": "array",
                "items": { "$ref": "#/definitions/expectation" }
            }
        }
    })
}

fn latency() -> Value {
    json!({
        "description": "A constant (`5ms`), `{p50, p99}` (log-normal), `{mean, sd}`, or `{distribution: exponential, mean}`.",
        "anyOf": [
            { "$ref": "#/definitions/scenarioDuration" },
            {
                "type": "object",
                "properties": {
                    "p50": duration("Median latency."),
                    "p99": duration("99th percentile (at least p50)."),
                    "distribution": { "enum": ["exponential", "lognormal", "constant"] },
                    "mean": duration("Mean latency."),
                    "sd": duration("Standard deviation."),
                    "value": duration("The latency of `distribution: constant`.")
                },
                "if": { "required": ["distribution"], "properties": { "distribution": { "const": "exponential" } } },
                "then": { "required": ["mean"] },
                "else": {
                    "if": { "required": ["distribution"], "properties": { "distribution": { "const": "constant" } } },
                    "then": { "required": ["value"] },
                    "else": { "anyOf": [{ "required": ["p50", "p99"] }, { "required": ["mean", "sd"] }] }
                }
            }
        ]
    })
}

fn behavior() -> Value {
    json!({
        "description": "A service's behaviour.",
        "type": "object",
        "properties": {
            "latency": { "$ref": "#/definitions/latency" },
            "errors": { "description": "Share of requests failing (default 0).", "$ref": "#/definitions/scenarioPercentage" },
            "concurrency": bounded_integer("Requests served at once per instance (default 64).", 1, Some(100_000)),
            "startup": duration("Time from start to ready (default 0)."),
            "restart_delay": duration("Time to restart after a crash when the fault names none (default 10s)."),
            "status": {
                "description": "A KrakenD backend's HTTP statuses and their shares, e.g. `{200: 99%, 503: 1%}` (default 200).",
                "type": "object",
                "additionalProperties": { "$ref": "#/definitions/scenarioPercentage" }
            },
            "body": { "description": "A KrakenD backend's response (a JSON object).", "type": "object" },
            "overhead": duration("The KrakenD gateway (behavior `krakend`): time added to every response (default 0).")
        }
    })
}

fn traffic() -> Value {
    json!({
        "description": "A traffic source: where to (a gateway, `deployment/port`) and exactly one of `rate`, `ramp`, `steps`.",
        "type": "object",
        "anyOf": [{ "required": ["to"] }, { "required": ["request"] }],
        "properties": {
            "to": { "description": "A gateway name, e.g. `sava/9050`, or a request to a KrakenD endpoint, e.g. `POST /user/signup/yes`.", "$ref": "#/definitions/scenarioName" },
            "request": { "description": "A request to a KrakenD endpoint (with `krakend`), e.g. `GET /orders/1`.", "type": "string" },
            "krakend": { "description": "The KrakenD config the request goes to, when the project has several.", "type": "string" },
            "query": {
                "description": "Query string values: `lang: en` or a distribution `lang: {en: 70%, de: 30%}`.",
                "type": "object",
                "additionalProperties": {
                    "anyOf": [
                        { "type": ["string", "number"] },
                        { "type": "object", "additionalProperties": { "$ref": "#/definitions/scenarioPercentage" } }
                    ]
                }
            },
            "rate": { "description": "A constant rate.", "$ref": "#/definitions/scenarioRate" },
            "ramp": {
                "description": "A linear ramp.",
                "type": "object",
                "required": ["from", "to", "over"],
                "properties": {
                    "from": { "$ref": "#/definitions/scenarioRate" },
                    "to": { "$ref": "#/definitions/scenarioRate" },
                    "over": duration("How long the ramp takes.")
                }
            },
            "steps": {
                "description": "Rates from given instants.",
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["at", "rate"],
                    "properties": {
                        "at": duration("When this rate starts."),
                        "rate": { "$ref": "#/definitions/scenarioRate" }
                    }
                }
            },
            "start": duration("When the source starts (default 0s)."),
            "stop": duration("When it stops (default: the end)."),
            "clients": bounded_integer("Distinct client ids, for sticky sessions (default 1).", 1, Some(10_000_000)),
            "headers": {
                "description": "Header value distributions, e.g. `User-Agent: {Firefox: 60%, Chrome: 40%}`, or one value.",
                "type": "object",
                "additionalProperties": {
                    "anyOf": [
                        { "type": "string" },
                        { "type": "object", "additionalProperties": { "$ref": "#/definitions/scenarioPercentage" } }
                    ]
                }
            }
        },
        "oneOf": [
            { "required": ["rate"] },
            { "required": ["ramp"] },
            { "required": ["steps"] }
        ]
    })
}

fn fault() -> Value {
    let service = |description: &str| json!({ "description": description, "$ref": "#/definitions/scenarioName" });
    json!({
        "description": "A fault at `at`: exactly one of kill, host_down, errors, latency, partition.",
        "type": "object",
        "required": ["at"],
        "properties": {
            "at": duration("When the fault happens."),
            "kill": service("Kill instances of this service (`name:version`)."),
            "host_down": {
                "description": "Take a host down: a number (hosts are numbered from 1), or a Cloudify compute instance `DEPLOYMENT/node_n` (down until healed unless `for` is given).",
                "anyOf": [
                    bounded_integer("A host number.", 1, Some(100_000)),
                    { "type": "string", "pattern": "^[^/\\s]+/[^/\\s]+$" }
                ]
            },
            "errors": service("Make this service fail a share (`rate`) of requests."),
            "latency": service("Add latency (`add`) to this service."),
            "partition": service("Cut this service off (from `from`, or from everything)."),
            "for": duration("How long the fault lasts."),
            "restart_delay": duration("After a kill, the time to restart."),
            "instances": bounded_integer("How many instances a kill takes.", 1, Some(100_000)),
            "rate": { "description": "Share of requests failing.", "$ref": "#/definitions/scenarioPercentage" },
            "add": duration("Latency added."),
            "from": { "description": "The route (`deployment/cluster/port`) cut off.", "$ref": "#/definitions/scenarioName" }
        },
        "oneOf": [
            { "required": ["kill"] },
            { "required": ["host_down"] },
            { "required": ["errors"] },
            { "required": ["latency"] },
            { "required": ["partition"] }
        ],
        "allOf": [
            { "if": { "required": ["host_down"], "properties": { "host_down": { "type": "integer" } } }, "then": { "required": ["for"] } },
            { "if": { "required": ["errors"] }, "then": { "required": ["rate", "for"] } },
            { "if": { "required": ["latency"] }, "then": { "required": ["add", "for"] } },
            { "if": { "required": ["partition"] }, "then": { "required": ["for"] } }
        ]
    })
}

fn expectation() -> Value {
    json!({
        "description": "One expectation: rollback_within, no_rollback, user_error_rate, weight_reaches, endpoint_status (KrakenD), or for Cloudify deployments workflow_within, no_workflow, instances.",
        "type": "object",
        "minProperties": 1,
        "maxProperties": 1,
        "additionalProperties": false,
        "properties": {
            "rollback_within": {
                "description": "The rollout is rolled back within `within` of `after`.",
                "type": "object",
                "required": ["within"],
                "properties": { "after": duration("From when (default 0s)."), "within": duration("How soon.") }
            },
            "no_rollback": { "description": "No rollback happens (`no_rollback: {}`)." },
            "user_error_rate": {
                "description": "The share of failed user requests stays below `below`.",
                "type": "object",
                "required": ["below"],
                "properties": { "below": { "$ref": "#/definitions/scenarioPercentage" } }
            },
            "workflow_within": {
                "description": "A Cloudify workflow (`heal`, `scale`, ...) starts within `within` of `after`.",
                "type": "object",
                "required": ["workflow", "within"],
                "properties": { "workflow": { "type": "string" }, "after": duration("From when (default 0s)."), "within": duration("How soon.") }
            },
            "no_workflow": {
                "description": "A Cloudify workflow does not start in the `between: [from, to]` window.",
                "type": "object",
                "required": ["workflow"],
                "properties": { "workflow": { "type": "string" }, "between": { "type": "array", "items": { "$ref": "#/definitions/scenarioDuration" }, "minItems": 2, "maxItems": 2 } }
            },
            "instances": {
                "description": "A Cloudify node (`DEPLOYMENT/node`) has at least `at_least` started instances by `by`.",
                "type": "object",
                "required": ["node"],
                "properties": { "node": { "type": "string" }, "at_least": { "type": "integer", "minimum": 0 }, "by": duration("By when.") }
            },
            "endpoint_status": {
                "description": "The share of a KrakenD endpoint's responses with `status` (e.g. `500`, or a class `5xx`) stays below `below` and/or reaches `at_least`.",
                "type": "object",
                "required": ["endpoint", "status"],
                "properties": {
                    "endpoint": { "description": "`METHOD /path` as the KrakenD config writes it, e.g. `GET /api/sava`.", "type": "string" },
                    "status": { "type": ["integer", "string"] },
                    "below": { "$ref": "#/definitions/scenarioPercentage" },
                    "at_least": { "$ref": "#/definitions/scenarioPercentage" }
                }
            },
            "weight_reaches": {
                "description": "A route's weight reaches `weight` by `by`.",
                "type": "object",
                "required": ["route", "weight", "by"],
                "properties": {
                    "route": { "description": "`deployment/cluster/service/port`.", "$ref": "#/definitions/scenarioName" },
                    "weight": { "$ref": "#/definitions/scenarioPercentage" },
                    "by": duration("By when.")
                }
            }
        }
    })
}
