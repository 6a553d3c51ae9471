//! `rehearse emit --target vamp` (issue 11): normalized Vamp artifacts that read back to the
//! same IR.
//!
//! - every valid case of ../shared/corpus/vamp and every Vamp spec in `specs/` round-trips
//!   check → emit → check to an equal IR (positions aside) with no new finding;
//! - so do generated artifacts (a property test);
//! - hostile names and values (unicode, YAML-significant characters, very long names,
//!   10 000 routes) give a diagnostic or a stream that reads back equal;
//! - the CLI writes one `<source stem>.yml` per source file, or one stream to stdout,
//!   byte-identical across runs, and refuses `--at`.

mod common;

use proptest::prelude::*;
use rehearse::check::{check, Checked, Input, Options};
use rehearse::dialect::Kind;
use rehearse::emit::{self, Emitted, Target};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

/// One source file: its path, its bytes and the kind its reader forces (corpus cases).
#[derive(Clone)]
struct Source {
    path: String,
    bytes: Vec<u8>,
    forced: Option<Kind>,
}

impl Source {
    fn yaml(path: &str, text: &str) -> Source {
        Source {
            path: path.to_string(),
            bytes: text.as_bytes().to_vec(),
            forced: None,
        }
    }
}

fn check_sources(sources: &[Source]) -> Checked {
    let inputs = sources
        .iter()
        .map(|s| Input {
            path: s.path.clone(),
            bytes: s.bytes.clone(),
            reported: true,
            forced_kind: s.forced,
        })
        .collect();
    check(inputs, &Options::default())
}

fn emit_vamp(checked: &Checked) -> Emitted {
    let paths = checked
        .sources
        .ids()
        .map(|id| (id, checked.sources.get(id).path.clone()))
        .collect();
    emit::emit(
        &checked.project,
        Target::Vamp,
        &emit::Options {
            paths,
            ..emit::Options::default()
        },
    )
}

/// The Vamp IR with positions (spans, file ids, document indices) taken out: what the
/// artifacts say, the derived deployments included.
fn ir_shape(checked: &Checked) -> String {
    let text = format!("{:#?}", checked.project.vamp);
    let spans = regex::Regex::new(r"\d+:\d+\.\.\d+").unwrap();
    let files = regex::Regex::new(r"FileId\(\s*\d+,?\s*\)").unwrap();
    let documents = regex::Regex::new(r"document: \d+").unwrap();
    let text = spans.replace_all(&text, "_");
    let text = files.replace_all(&text, "FileId(_)");
    documents.replace_all(&text, "document: _").into_owned()
}

/// Each finding as `code message`.
fn findings(checked: &Checked) -> BTreeSet<String> {
    checked
        .diagnostics
        .iter()
        .map(|d| format!("{} {}", d.code.id, d.message))
        .collect()
}

/// Where two IR texts part, with some context.
fn first_difference(a: &str, b: &str) -> String {
    let line = a
        .lines()
        .zip(b.lines())
        .position(|(x, y)| x != y)
        .unwrap_or(a.lines().count().min(b.lines().count()));
    let around = |s: &str| {
        s.lines()
            .skip(line.saturating_sub(4))
            .take(8)
            .collect::<Vec<_>>()
            .join("\n")
    };
    format!(
        "IR differs at line {line}:\n{}\n--- became ---\n{}",
        around(a),
        around(b)
    )
}

/// What a round trip gave.
enum Trip {
    /// The sources have errors: nothing to emit.
    Invalid,
    /// The sources hold no Vamp artifact (and the emit said so).
    NoArtifacts,
    /// The emitted files, and what differs (new findings, another IR, emit diagnostics).
    Done {
        emitted: Emitted,
        problems: Vec<String>,
    },
}

/// check → emit → check, each Vamp source replaced by its emitted file (same folder, the
/// `.yml` name the emit gives it); the other files stay as they are.
fn round_trip(sources: &[Source]) -> Trip {
    let before = check_sources(sources);
    if before.errors() > 0 {
        return Trip::Invalid;
    }
    let emitted = emit_vamp(&before);
    if emitted.nothing.is_some() && !holds_artifacts(&before) {
        return Trip::NoArtifacts;
    }
    let mut problems: Vec<String> = emitted
        .diagnostics
        .iter()
        .map(|d| format!("emit: {} {}", d.code.id, d.message))
        .collect();
    if let Some(reason) = &emitted.nothing {
        problems.push(format!("nothing emitted: {reason}"));
    }
    let by_name: BTreeMap<&str, &str> = emitted
        .documents
        .iter()
        .map(|d| (d.name.as_str(), d.text.as_str()))
        .collect();
    let after_sources: Vec<Source> = sources
        .iter()
        .map(|s| {
            let name = emit::vamp::output_name(&s.path);
            match by_name.get(name.as_str()) {
                Some(text) => {
                    let dir = Path::new(&s.path).parent().unwrap_or(Path::new(""));
                    Source::yaml(dir.join(&name).to_str().unwrap(), text)
                }
                None => s.clone(),
            }
        })
        .collect();
    let after = check_sources(&after_sources);
    let old = findings(&before);
    for new in findings(&after).difference(&old) {
        problems.push(format!("new finding: {new}"));
    }
    let (a, b) = (ir_shape(&before), ir_shape(&after));
    if a != b {
        problems.push(first_difference(&a, &b));
    }
    Trip::Done { emitted, problems }
}

fn holds_artifacts(checked: &Checked) -> bool {
    let v = &checked.project.vamp;
    !(v.breeds.is_empty()
        && v.blueprints.is_empty()
        && v.deployment_requests.is_empty()
        && v.gateways.is_empty()
        && v.workflows.is_empty()
        && v.scales.is_empty()
        && v.slas.is_empty()
        && v.escalations.is_empty()
        && v.conditions.is_empty()
        && v.removals.is_empty())
}

#[test]
fn every_valid_corpus_case_round_trips_to_an_equal_ir() {
    let Some(shared) = common::shared_dir("emit_vamp_corpus") else {
        return;
    };
    let corpus = shared.join("corpus/vamp");
    let tsv = std::fs::read_to_string(corpus.join("CASES.tsv")).unwrap();
    let (mut equal, mut invalid, mut none, mut failures) = (0, 0, 0, Vec::new());
    for line in tsv
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("file\t"))
    {
        let f: Vec<&str> = line.split('\t').collect();
        if f.get(4) != Some(&"valid") {
            continue;
        }
        let source = Source {
            path: f[0].to_string(),
            bytes: std::fs::read(corpus.join(f[0])).unwrap(),
            forced: common::vamp_corpus_kind(f.get(6).unwrap_or(&"")),
        };
        match round_trip(&[source]) {
            Trip::Invalid => invalid += 1,
            Trip::NoArtifacts => none += 1,
            Trip::Done { problems, .. } if problems.is_empty() => equal += 1,
            Trip::Done { problems, .. } => {
                failures.push(format!("{}:\n  {}", f[0], problems.join("\n  ")))
            }
        }
    }
    println!(
        "vamp corpus: {equal} valid cases round-trip to an equal IR; {invalid} have errors in \
         rehearse's check (nothing to emit); {none} hold no Vamp artifact (imports, events, \
         compose files, a bare name)"
    );
    assert!(
        failures.is_empty(),
        "{} cases do not round-trip:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(equal >= 150, "too few cases round-tripped: {equal}");
}

/// Each spec folder is one project: all its files checked together.
#[test]
fn every_vamp_spec_round_trips_to_an_equal_ir() {
    let specs = Path::new(env!("CARGO_MANIFEST_DIR")).join("specs");
    let mut dirs: Vec<_> = std::fs::read_dir(&specs)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    dirs.sort();
    let mut with_vamp = 0;
    for dir in dirs {
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            // rehearse.toml configures the project; the specs are the documents.
            .filter(|p| {
                p.extension()
                    .is_some_and(|e| e == "yml" || e == "yaml" || e == "json")
            })
            .collect();
        files.sort();
        let sources: Vec<Source> = files
            .iter()
            .map(|p| Source {
                path: p.to_str().unwrap().to_string(),
                bytes: std::fs::read(p).unwrap(),
                forced: None,
            })
            .collect();
        match round_trip(&sources) {
            Trip::Invalid => panic!("{}: the spec has errors", dir.display()),
            // A spec without Vamp artifacts (KrakenD, Cloudify).
            Trip::NoArtifacts => {}
            Trip::Done { problems, .. } => {
                with_vamp += 1;
                assert!(
                    problems.is_empty(),
                    "{}:\n{}",
                    dir.display(),
                    problems.join("\n")
                );
            }
        }
    }
    assert!(with_vamp >= 1, "no spec holds Vamp artifacts");
}

// ---------------------------------------------------------------------------------------------
// Generated artifacts

/// A name Vamp accepts (no white space, `/`, `[` or `]`) that YAML would misread unquoted:
/// booleans, nulls, numbers, anchors, tags, comments, unicode.
fn odd_name() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z][a-z0-9-]{0,8}",
        Just("yes".to_string()),
        Just("null".to_string()),
        Just("1.10".to_string()),
        Just("*star".to_string()),
        Just("&amp".to_string()),
        Just("!tag".to_string()),
        Just("a#b".to_string()),
        Just("sava:1.0".to_string()),
        Just("~".to_string()),
        Just("ünïcødé-名前".to_string()),
    ]
}

/// A trait value: text with YAML-significant characters (no `$`, which starts a reference).
fn odd_value() -> impl Strategy<Value = Option<String>> {
    proptest::option::weighted(
        0.85,
        prop_oneof![
            "[ -#%-~]{0,12}",
            Just("a: b # c".to_string()),
            Just("no".to_string()),
            Just("0777".to_string()),
            Just("line\nbreak\ttab".to_string()),
            Just("del\u{7f}nel\u{85}ls\u{2028}".to_string()),
        ],
    )
}

fn json_value(value: &Option<String>) -> serde_json::Value {
    value.as_ref().map_or(serde_json::Value::Null, |v| {
        serde_json::Value::String(v.clone())
    })
}

/// Weights that sum to 100, or none at all.
fn weights(n: usize) -> impl Strategy<Value = Vec<Option<u8>>> {
    prop_oneof![
        Just(vec![None; n]),
        proptest::collection::vec(0u8..=100, n).prop_map(move |mut w| {
            // Scale to a sum of exactly 100, the remainder on the last route.
            let sum: u32 = w.iter().map(|x| u32::from(*x)).sum::<u32>().max(1);
            let mut given = 0u32;
            for x in w.iter_mut() {
                *x = (u32::from(*x) * 100 / sum) as u8;
                given += u32::from(*x);
            }
            if let Some(last) = w.last_mut() {
                *last += (100 - given) as u8;
            }
            w.into_iter().map(Some).collect()
        }),
    ]
}

const CONDITIONS: &[&str] = &[
    "user-agent = Firefox",
    "has cookie vamp and not host = www.example.com",
    "user-agent != Chrome or has header X-Canary",
    "< hdr_sub(user-agent) Android >",
];

#[derive(Debug, Clone)]
struct Generated {
    documents: Vec<serde_json::Value>,
}

fn breed(name: String, variables: Vec<(String, Option<String>)>, tcp: bool) -> serde_json::Value {
    // `E` is what blueprints and services override.
    let mut environment = serde_json::Map::new();
    environment.insert("E".into(), serde_json::Value::Null);
    for (i, (key, value)) in variables.into_iter().enumerate() {
        let key = if i % 2 == 1 {
            format!("{key}[ALIAS_{i}]")
        } else {
            key
        };
        environment.insert(key, json_value(&value));
    }
    serde_json::json!({
        "kind": "breed",
        "name": name,
        "deployable": if tcp {
            serde_json::json!({"type": "container/rkt", "definition": format!("img/{name}:1")})
        } else {
            serde_json::json!(format!("img/{name}:1"))
        },
        "ports": {"web": if tcp { "8080" } else { "8080/http" }},
        "environment_variables": environment,
        "constants": {"C": "c"},
        "arguments": [{"privileged": "true"}, {"x": "1"}, {"x": "2"}],
        "health_checks": [{"path": "/health", "port": "web", "initial_delay": "10s",
            "timeout": 5, "interval": "1m", "failures": 3}],
        "metadata": {"team": {"name": "web"}, "a.b": "flat"},
    })
}

fn generated() -> impl Strategy<Value = Generated> {
    let breeds = proptest::collection::vec(
        (
            odd_name(),
            proptest::collection::vec(("V_[A-Z0-9]{0,6}", odd_value()), 0..4),
            any::<bool>(),
        ),
        1..5,
    );
    (
        breeds,
        1usize..4,
        weights(3),
        proptest::sample::select(CONDITIONS),
        0u8..=100,
        proptest::sample::select(&[0i64, 1, 100, 250, 1500, 64_000][..]),
        proptest::sample::select(&["64MB", "0.5GB", "100.5MB", "1MB", ".1m"][..]),
        0u8..3,
        proptest::collection::vec("[a-z]{1,6}", 0..4),
    )
        .prop_map(
            |(breeds, clusters, weights, condition, strength, cpu, memory, schedule, tags)| {
                let mut documents = Vec::new();
                let mut names = Vec::new();
                for (i, (name, variables, tcp)) in breeds.into_iter().enumerate() {
                    let name = format!("{name}-{i}");
                    // Ports end up in gateways: keep the HTTP breeds for the routes.
                    if !tcp {
                        names.push(name.clone());
                    }
                    documents.push(breed(name, variables, tcp && i > 0));
                }
                if names.is_empty() {
                    names.push("absent-breed".into());
                }
                documents.push(serde_json::json!({
                    "kind": "scale", "name": "large", "cpu": (cpu as f64) / 1000.0,
                    "memory": memory, "instances": 3,
                }));
                documents.push(serde_json::json!({
                    "kind": "condition", "name": "firefox", "condition": condition,
                }));
                documents.push(serde_json::json!({
                    "kind": "escalation", "name": "more", "type": "scale_instances",
                    "minimum": 1, "maximum": 5, "scale_by": 1, "target": "c0",
                }));
                documents.push(serde_json::json!({
                    "kind": "sla", "name": "fast", "type": "response_time_sliding_window",
                    "threshold": {"upper": 1000, "lower": 100},
                    "window": {"interval": 60, "cooldown": 60},
                    "escalations": ["more", {"type": "scale_cpu", "minimum": 0.5,
                        "maximum": 2, "scale_by": 0.25}],
                }));
                // Clusters: the services split round-robin; routes weighted on the first.
                let mut cluster_map = serde_json::Map::new();
                for c in 0..clusters {
                    let services: Vec<&String> = names.iter().skip(c).step_by(clusters).collect();
                    let cluster = match (c, services.as_slice()) {
                        (_, []) => serde_json::json!({"services": []}),
                        (1, [one]) => serde_json::json!(one),
                        (0, _) => {
                            let mut routes = serde_json::Map::new();
                            for (j, service) in services.iter().enumerate() {
                                let mut route = serde_json::Map::new();
                                if let Some(Some(w)) =
                                    weights.get(j).filter(|_| services.len() == 3)
                                {
                                    route.insert("weight".into(), format!("{w}%").into());
                                }
                                if j == 0 {
                                    route.insert("condition".into(), condition.into());
                                    route.insert(
                                        "condition_strength".into(),
                                        format!("{strength}%").into(),
                                    );
                                } else if j == 1 {
                                    route.insert(
                                        "condition".into(),
                                        serde_json::json!({"reference": "firefox"}),
                                    );
                                }
                                routes.insert((*service).clone(), route.into());
                            }
                            serde_json::json!({
                                "services": services.iter().map(|s| serde_json::json!({
                                    "breed": s, "scale": "large",
                                    "environment_variables": {"E": "from service"},
                                })).collect::<Vec<_>>(),
                                "gateways": {"web": {"sticky": "route", "routes": routes}},
                                "sla": "fast",
                            })
                        }
                        _ => serde_json::json!(services
                            .iter()
                            .map(|s| serde_json::json!({"breed": s, "scale": {
                                "cpu": 0.5, "memory": "256MB", "instances": 2}}))
                            .collect::<Vec<_>>()),
                    };
                    cluster_map.insert(format!("c{c}"), cluster);
                }
                for kind in ["blueprint", "deployment"] {
                    documents.push(serde_json::json!({
                        "kind": kind, "name": "app",
                        "clusters": cluster_map.clone(),
                        "gateways": {"9050": "c0/web", "8080/tcp": {"routes": {"c0/web": {}}},
                            "named": {"port": "9060/http", "routes": ["c0/web"]}},
                        "environment_variables": {"c0.E": "blueprint"},
                        "metadata": {"owner": "web"},
                    }));
                }
                let routes: Vec<serde_json::Value> = (0..3)
                    .map(|j| {
                        let mut route = serde_json::Map::new();
                        if let Some(w) = weights[j] {
                            route.insert("weight".into(), format!("{w}%").into());
                        }
                        if j == 2 {
                            route.insert(
                                "rewrites".into(),
                                serde_json::json!([{"path": "/a if { path_beg /b }"}]),
                            );
                            route.insert("balance".into(), "leastconn".into());
                        }
                        serde_json::json!({format!("app/c0/web{j}"): route})
                    })
                    .collect();
                documents.push(serde_json::json!({
                    "kind": "gateway", "name": "front", "port": "9070/http",
                    "virtual_hosts": ["front.example.com"], "routes": routes,
                }));
                let schedule = match schedule {
                    0 => serde_json::json!("daemon"),
                    1 => serde_json::json!({"event": tags}),
                    _ => serde_json::json!({"time": {"period": "PT1H30M",
                        "start": "2017-01-01T00:00:00Z", "repeat": 3}}),
                };
                documents.push(serde_json::json!({
                    "kind": "workflow", "name": "tick",
                    "breed": {"name": "tick-breed", "deployable": "img/tick:1",
                        "environment_variables": {"VAMP_WORKFLOW_EXECUTION_PERIOD": "0"}},
                    "schedule": schedule, "status": "running",
                    "scale": {"cpu": 0.1, "memory": "64MB", "instances": 1},
                    "health_checks": [],
                }));
                documents.push(serde_json::json!({"kind": "breed", "name": names[0]}));
                Generated { documents }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: common::proptest_cases(),
        ..ProptestConfig::default()
    })]

    #[test]
    fn generated_artifacts_round_trip_to_an_equal_ir(generated in generated()) {
        let stream: Vec<(Vec<String>, serde_json::Value)> =
            generated.documents.into_iter().map(|d| (Vec::new(), d)).collect();
        let source = emit::yaml::stream(&stream);
        let sources = [Source::yaml("generated.yaml", &source)];
        match round_trip(&sources) {
            Trip::Done { problems, .. } => {
                prop_assert!(problems.is_empty(), "{}\n{source}", problems.join("\n"));
            }
            Trip::NoArtifacts => prop_assert!(false, "no artifacts in\n{source}"),
            Trip::Invalid => {
                let checked = check_sources(&sources);
                let errors: Vec<String> = checked
                    .error_diagnostics()
                    .map(|d| format!("{} {}", d.code.id, d.message))
                    .collect();
                prop_assert!(false, "the generated source has errors: {errors:?}\n{source}");
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Hostile and odd inputs

/// Sources written by hand, as a user might: each must round-trip to an equal IR.
fn odd_sources() -> Vec<(&'static str, String)> {
    let long = "x".repeat(10_000);
    vec![
        (
            "unicode and YAML-significant names",
            r##"---
kind: breed
name: "ünïcødé:名前"
deployable: "*not-an-alias"
ports: {"web#1": 8080}
environment_variables:
  "yes": "no"
  "null": ~
  "110": "1.10"
  "!tag": "&anchor"
  COLON: "a: b # not a comment"
  QUOTES: "\"double\" and 'single' and \\ back"
  CONTROL: "tab\tnewline\nnel\u0085del\u007fls\u2028"
constants: {"~": "~"}
metadata: {"a: b": {"#c": "- d"}}
---
kind: breed
name: "!important"
deployable: {type: "container/docker", definition: "&x"}
dependencies: {"yes": "ünïcødé:名前", "*": {breed: {reference: "ünïcødé:名前"}}}
---
kind: blueprint
name: "1.10"
clusters:
  "null": ["ünïcødé:名前", "!important"]
gateways: {"0": "null/web#1"}
---
kind: condition
name: "no"
condition: "user-agent = Firefox"
"##
            .to_string(),
        ),
        (
            "very long names and values",
            format!(
                "---\nkind: breed\nname: b{long}\ndeployable: d{long}\nports: {{p{long}: 8080}}\n\
                 environment_variables: {{E{long}: v{long}}}\n---\nkind: gateway\nname: g{long}\n\
                 port: 9050\nroutes: {{\"r{long}\": {{weight: 100%, condition: \"host = h{long}\"}}}}\n"
            ),
        ),
        ("10 000 routes", many_routes(10_000)),
        (
            "removals and a deployment by name",
            "---\nkind: breed\nname: gone\n---\nkind: deployment\nname: by-name\nmetadata: {}\n"
                .to_string(),
        ),
    ]
}

/// A gateway document with `n` routes, each with a condition; the weights sum to 100.
fn many_routes(n: usize) -> String {
    let mut text = String::from("---\nkind: gateway\nname: many\nport: 9050/http\nroutes:\n");
    for i in 0..n {
        let weight = if i == 0 { 100 } else { 0 };
        text.push_str(&format!(
            "  d{i}/c/web: {{weight: {weight}%, condition: \"has cookie c{i}\"}}\n"
        ));
    }
    text
}

#[test]
fn odd_inputs_round_trip_to_an_equal_ir() {
    for (what, text) in odd_sources() {
        match round_trip(&[Source::yaml("odd.yaml", &text)]) {
            Trip::Done { problems, emitted } => {
                assert!(problems.is_empty(), "{what}:\n{}", problems.join("\n"));
                assert_eq!(emitted.documents.len(), 1, "{what}");
            }
            Trip::Invalid => panic!("{what}: has errors: {:?}", errors(&text)),
            Trip::NoArtifacts => panic!("{what}: nothing read"),
        }
    }
}

fn errors(text: &str) -> Vec<String> {
    check_sources(&[Source::yaml("odd.yaml", text)])
        .error_diagnostics()
        .map(|d| format!("{} {}", d.code.id, d.message))
        .collect()
}

/// What Vamp refuses is refused by the check (nothing to emit); what the normal form cannot
/// state is an E-code with a span, and no document.
#[test]
fn hostile_inputs_get_a_diagnostic_not_a_broken_document() {
    for (text, code) in [
        (
            "---\nkind: breed\nname: with space\ndeployable: d\n",
            "V006",
        ),
        ("---\nkind: breed\nname: a/b\ndeployable: d\n", "V006"),
        ("---\nkind: breed\nname: \"[x]\"\ndeployable: d\n", "V006"),
        ("---\nkind: gateway\nname: g\nport: 70000\n", "V041"),
    ] {
        let checked = check_sources(&[Source::yaml("hostile.yaml", text)]);
        let codes: Vec<&str> = checked.error_diagnostics().map(|d| d.code.id).collect();
        assert!(codes.contains(&code), "{text}: {codes:?}");
    }
    // Flattened metadata with one key twice: a mapping cannot hold both.
    let text = "---\nkind: breed\nname: b\ndeployable: d\nmetadata: {a: {b: 1}, a.b: 2}\n";
    let checked = check_sources(&[Source::yaml("clash.yaml", text)]);
    assert_eq!(checked.errors(), 0);
    let emitted = emit_vamp(&checked);
    let codes: Vec<&str> = emitted.diagnostics.iter().map(|d| d.code.id).collect();
    assert_eq!(codes, ["E041"]);
    assert!(emitted.errors() > 0, "an error: nothing is written");
    let span = emitted.diagnostics[0].span;
    assert!(span.end > span.start, "the diagnostic points at the breed");
}

// ---------------------------------------------------------------------------------------------
// The CLI

fn rehearse(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_rehearse"))
        .args(args)
        .output()
        .expect("rehearse runs")
}

#[test]
fn cli_writes_one_file_per_source_file_or_one_stream_to_stdout() {
    let sava = Path::new(env!("CARGO_MANIFEST_DIR")).join("specs/sava");
    let sava = sava.to_str().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let written = rehearse(&[
        "emit",
        sava,
        "--target",
        "vamp",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(
        written.status.success(),
        "{}",
        String::from_utf8_lossy(&written.stderr)
    );
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    // Each source file holding Vamp artifacts, by stem; the scenarios and KrakenD stay out.
    assert_eq!(
        names,
        [
            "blueprints.yml",
            "breeds.yml",
            "health.yml",
            "workflows.yml"
        ]
    );

    let stdout = rehearse(&["emit", sava, "--target", "vamp", "--out", "-"]);
    assert!(stdout.status.success());
    let stream = String::from_utf8(stdout.stdout).unwrap();
    let again = rehearse(&["emit", sava, "--target", "vamp"]);
    assert_eq!(
        stream.as_bytes(),
        again.stdout,
        "byte-identical across runs"
    );
    let files: usize = names
        .iter()
        .map(|n| std::fs::read_to_string(out.join(n)).unwrap())
        .map(|text| {
            assert!(stream.contains(&text), "the stream holds each file whole");
            text.matches("\n---\n").count() + 1
        })
        .sum();
    assert_eq!(
        files,
        stream.matches("---\n").count(),
        "one document per artifact"
    );

    // The rehearsal's state is the haproxy target's business.
    let at = rehearse(&[
        "emit",
        sava,
        "--target",
        "vamp",
        "--scenario",
        "sava-canary",
        "--at",
        "30s",
    ]);
    assert_eq!(at.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&at.stderr).contains("--target haproxy"));
}

#[test]
fn cli_writes_nothing_for_errors_or_clashing_names() {
    let tmp = tempfile::tempdir().unwrap();
    let write = |path: &str, text: &str| {
        let path = tmp.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write(
        "bad/breed.yml",
        "---\nkind: breed\nname: with space\ndeployable: d\n",
    );
    // One project (no rehearse.toml below `clash`), two files with one stem.
    write(
        "clash/a/app.yml",
        "---\nkind: breed\nname: a\ndeployable: d\n",
    );
    write(
        "clash/b/app.yaml",
        "---\nkind: breed\nname: b\ndeployable: d\n",
    );
    let out = tmp.path().join("out");
    let bad = tmp.path().join("bad");
    let run = rehearse(&[
        "emit",
        bad.to_str().unwrap(),
        "--target",
        "vamp",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(run.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&run.stderr).contains("V006"));
    assert!(!out.exists(), "nothing written for a project with errors");

    let clash = tmp.path().join("clash");
    let run = rehearse(&[
        "emit",
        clash.to_str().unwrap(),
        "--target",
        "vamp",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(run.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&run.stderr).contains("E040"));
    assert!(
        !out.exists(),
        "nothing written when two files would share a name"
    );
}
