//! Cloudify deployments in the rehearsal (issue 9): the autoheal and autoscale examples, the
//! heal order of the reference's 3.2 example, detection times, policy vectors end to end,
//! instance planning, the scenario checks, determinism.

mod common;

use rehearse::check::{check, Checked, Input, Options};
use rehearse::sim::{RunOptions, RunResult};
use serde_json::Value;
use std::path::PathBuf;

const S: u64 = 1_000_000_000;

/// The files of a spec folder, as `rehearse run specs/NAME` reads them.
fn spec_inputs(name: &str) -> Vec<Input> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("specs")
        .join(name);
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .expect("spec folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).expect("spec file");
            Input::reported(p.display().to_string(), bytes)
        })
        .collect()
}

fn folder(name: &str, files: &[(&str, &str)]) -> Vec<Input> {
    common::sim::folder("sim-cloudify", name, files)
}

fn checked(inputs: Vec<Input>) -> Checked {
    common::sim::checked_without_errors(inputs)
}

fn rehearse(checked: &Checked, seed: Option<u64>) -> (RunResult, String) {
    let mut trace = Vec::new();
    let result = common::sim::rehearsed(
        &checked.project,
        RunOptions {
            seed,
            trace: Some(&mut trace),
            ..Default::default()
        },
    );
    (result, String::from_utf8(trace).expect("utf-8 trace"))
}

fn decisions<'r>(result: &'r RunResult, kind: &str) -> Vec<&'r rehearse::sim::trace::Decision> {
    result.decisions.iter().filter(|d| d.kind == kind).collect()
}

fn timeline(result: &RunResult) -> String {
    result
        .decisions
        .iter()
        .map(|d| {
            format!(
                "{:>8.3}s {:<10} {} {}",
                d.t as f64 / 1e9,
                d.kind,
                d.target,
                d.detail
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `(node_instance, operation, target)` of every workflow operation in a trace.
fn operations(trace: &str, workflow: &str) -> Vec<String> {
    trace
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["type"] == "operation" && v["workflow"] == workflow)
        .map(|v| {
            let op = v["operation"].as_str().unwrap_or_default();
            let op = op.rsplit('.').next().unwrap_or(op);
            match v["target"].as_str() {
                Some(t) => format!(
                    "{} {op} {t}",
                    v["node_instance"].as_str().unwrap_or_default()
                ),
                None => format!("{} {op}", v["node_instance"].as_str().unwrap_or_default()),
            }
        })
        .collect()
}

/// Issue 9 acceptance: host down at T → heal starts in (T_last + 60, T_last + 65]; a second
/// failure inside the interval is restrained and reported.
#[test]
fn autoheal_heals_inside_the_detection_window_and_restrains_the_second_failure() {
    let (result, _) = rehearse(&checked(spec_inputs("autoheal")), None);
    // Heartbeats every 10 s from t = 0; host down at 125 s: the last heartbeat is at 120 s.
    let t_last = 120 * S;
    let starts: Vec<u64> = decisions(&result, "workflow")
        .iter()
        .filter(|d| d.detail["phase"] == "start")
        .map(|d| d.t)
        .collect();
    assert_eq!(starts, vec![185 * S], "{}", timeline(&result));
    assert!(starts[0] > t_last + 60 * S && starts[0] <= t_last + 65 * S);
    let heal = decisions(&result, "workflow")[0];
    assert_eq!(
        heal.detail["parameters"]["node_instance_id"],
        "webserver_host_1"
    );
    assert_eq!(
        heal.detail["parameters"]["diagnose_value"],
        "heart-beat-failure"
    );
    assert_eq!(
        heal.detail["node_instances"],
        serde_json::json!(["webserver_host_1", "webserver_1"])
    );
    // Second failure at 330 s (heartbeats resumed at 285 s, last at 325 s): detected at
    // 390 s, 205 s after the heal was stamped (≤ 300): restrained.
    let restrained = decisions(&result, "restrained");
    assert_eq!(restrained.len(), 1, "{}", timeline(&result));
    assert_eq!(restrained[0].t, 390 * S);
    assert_eq!(
        restrained[0].detail["restraint"],
        "interval_between_workflows"
    );
    assert_eq!(restrained[0].detail["node_instance"], "webserver_host_1");
    assert!(result.passed(), "{:#?}", result.expectations);
    // The web server served nothing while its host was down or reinstalling.
    let started: Vec<(u64, u64)> = decisions(&result, "instances")
        .iter()
        .filter(|d| d.target == "shop/webserver")
        .map(|d| (d.t / S, d.detail["started"].as_u64().unwrap_or(99)))
        .collect();
    assert_eq!(started, vec![(0, 1), (185, 0), (285, 1)]);
}

/// reference/cloudify/POLICIES.md §4 (3.2 example): uninstall the web server (stop, unlink
/// the database then its host — reverse declaration order —, delete), then its host; install
/// the host, then the web server (create, preconfigure, configure, postconfigure, start,
/// establish). The database is untouched.
#[test]
fn heal_follows_the_reference_order_and_leaves_the_database_alone() {
    let (_, trace) = rehearse(&checked(spec_inputs("autoheal")), None);
    let ops = operations(&trace, "heal");
    let expected = [
        "webserver_1 stopping",
        "webserver_1 stop",
        "webserver_1 unlink database_1",
        "webserver_1 unlink webserver_host_1",
        "webserver_1 delete",
        "webserver_1 deleted",
        "webserver_host_1 stopping",
        "webserver_host_1 stop",
        "webserver_host_1 stop",
        "webserver_host_1 delete",
        "webserver_host_1 deleted",
        "webserver_host_1 create",
        "webserver_host_1 configure",
        "webserver_host_1 start",
        "webserver_host_1 start",
        "webserver_host_1 started",
        "webserver_1 create",
        "webserver_1 preconfigure webserver_host_1",
        "webserver_1 preconfigure database_1",
        "webserver_1 configure",
        "webserver_1 postconfigure webserver_host_1",
        "webserver_1 postconfigure database_1",
        "webserver_1 start",
        "webserver_1 establish webserver_host_1",
        "webserver_1 establish database_1",
        "webserver_1 started",
    ];
    assert_eq!(ops, expected);
    assert!(!trace.lines().any(|l| l.contains("\"type\":\"operation\"")
        && (l.contains("\"node_instance\":\"database_1\"")
            || l.contains("\"node_instance\":\"database_host_1\""))));
}

#[test]
fn the_same_seed_gives_the_same_bytes_and_another_seed_differs() {
    let project = checked(spec_inputs("autoheal"));
    let (a, trace_a) = rehearse(&project, None);
    let (b, trace_b) = rehearse(&project, None);
    assert_eq!(a.to_json().to_string(), b.to_json().to_string());
    assert_eq!(trace_a, trace_b);
    // Latencies are random; the policy timeline is not (heartbeats and faults are timed).
    let (c, trace_c) = rehearse(&project, Some(8));
    assert_ne!(a.to_json()["services"], c.to_json()["services"]);
    assert_ne!(trace_a, trace_c);
    let kinds = |r: &RunResult| -> Vec<(u64, &'static str)> {
        r.decisions
            .iter()
            .filter(|d| d.kind != "instances")
            .map(|d| (d.t, d.kind))
            .collect()
    };
    assert_eq!(kinds(&a), kinds(&c));
}

/// Issue 9 acceptance: under the ramp the web tier grows, and no two scale executions ever
/// overlap (a trigger while one runs is rejected as `execution_running`).
#[test]
fn autoscale_grows_under_the_ramp_one_execution_at_a_time() {
    let (result, _) = rehearse(&checked(spec_inputs("autoscale")), None);
    let counts: Vec<u64> = decisions(&result, "instances")
        .iter()
        .filter(|d| d.target == "shop/web")
        .map(|d| d.detail["started"].as_u64().unwrap_or(0))
        .collect();
    assert_eq!(counts, vec![1, 2, 3, 4], "{}", timeline(&result));
    let mut running = 0;
    let mut executions = 0;
    for d in decisions(&result, "workflow") {
        assert_eq!(d.target, "scale");
        match d.detail["phase"].as_str() {
            Some("start") => {
                running += 1;
                executions += 1;
            }
            Some("end") => running -= 1,
            other => panic!("unexpected phase {other:?}"),
        }
        assert!(
            running <= 1,
            "two scale executions at once:\n{}",
            timeline(&result)
        );
    }
    assert_eq!(executions, 3);
    let rejected = decisions(&result, "restrained")
        .iter()
        .filter(|d| d.detail["restraint"] == "execution_running")
        .count();
    assert!(rejected >= 1, "{}", timeline(&result));
    assert!(result.passed());
}

/// A blueprint with one monitored VM whose policy is given as text, and its scenario.
fn monitored(policy: &str, scenario_extra: &str) -> Vec<Input> {
    let blueprint = format!(
        r#"tosca_definitions_version: cloudify_dsl_1_3
imports:
  - http://www.getcloudify.org/spec/cloudify/4.3/types.yaml
plugins:
  diamond: {{ executor: host_agent, source: diamond-plugin }}
node_templates:
  vm:
    type: cloudify.nodes.Compute
    properties: {{ ip: 10.0.0.1 }}
    interfaces:
      cloudify.interfaces.monitoring:
        start:
          implementation: diamond.diamond_agent.tasks.add_collectors
          inputs: {{ collectors_config: {{ ExampleCollector: {{}} }} }}
groups:
  g:
    members: [vm]
    policies:
      p:
{policy}
        triggers:
          t:
            type: cloudify.policies.triggers.execute_workflow
            parameters:
              workflow: heal
              workflow_parameters:
                node_instance_id: {{ get_property: [SELF, node_id] }}
"#
    );
    let scenario = format!(
        "kind: scenario\nname: s\nduration: 10m\ndeploy:\n  - {{ cloudify: bp.yaml, as: d }}\n{scenario_extra}"
    );
    let files = [
        ("bp.yaml", blueprint.as_str()),
        ("scenario.yaml", scenario.as_str()),
    ];
    folder(&format!("{:x}", hash(&files)), &files)
}

fn hash(files: &[(&str, &str)]) -> u64 {
    // FNV-1a: a folder name per test input.
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for (n, t) in files {
        for b in n.bytes().chain(t.bytes()) {
            h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
        }
    }
    h
}

/// §1.2: reaped every 5 s, an event expires 60 s after its time: heartbeats every 1, 5, 10
/// and 30 s, the host down at 100.5 s (last heartbeats at 100, 100, 100 and 90 s) → the
/// policy fires at 165, 165, 165 and 155 s.
#[test]
fn silence_is_detected_at_the_first_reaper_run_past_the_ttl() {
    for (every, detected) in [("1s", 165), ("5s", 165), ("10s", 165), ("30s", 155)] {
        let project = checked(monitored(
            "        type: cloudify.policies.types.host_failure\n        properties: { service: [example] }",
            &format!(
                "behaviors:\n  d/vm: {{ heartbeat: {every} }}\nfaults:\n  - {{ at: 100500ms, host_down: d/vm_1 }}\n"
            ),
        ));
        let (result, _) = rehearse(&project, None);
        let fired: Vec<u64> = decisions(&result, "policy").iter().map(|d| d.t).collect();
        assert_eq!(
            fired,
            vec![detected * S],
            "heartbeat {every}: {}",
            timeline(&result)
        );
    }
}

/// §2.3 end to end: ewma-timeless from m₀ = 0 over a constant 100 every 10 s. r = 0.5: 50,
/// 75, 87.5, 93.75 → the fourth event (t = 30 s) crosses 90. r = 0.2: 100·(1 − 0.8ⁿ) first
/// reaches 90 at n = 11 (91.41…), t = 100 s.
#[test]
fn ewma_policies_fire_when_the_average_crosses() {
    for (r, at, metric) in [
        ("0.5", 30, 93.75),
        ("0.2", 100, 100.0 * (1.0 - 0.8f64.powi(11))),
    ] {
        let project = checked(monitored(
            &format!("        type: cloudify.policies.types.ewma_stabilized\n        properties: {{ service: example, threshold: 90, ewma_timeless_r: {r} }}"),
            "behaviors:\n  d/vm: { heartbeat: 10s }\nmetrics:\n  - { node: d/vm, service: example, value: 100 }\n",
        ));
        let (result, _) = rehearse(&project, None);
        let first = decisions(&result, "policy")[0];
        assert_eq!(first.t, at * S, "r = {r}");
        let got = first.detail["metric"].as_f64().unwrap_or(f64::NAN);
        assert!((got - metric).abs() < 1e-9, "r = {r}: {got} vs {metric}");
        assert_eq!(first.detail["diagnose"], "ewma-threshold-breached");
    }
}

/// §2.2 end to end, stability_time 20 s, threshold 90, events every 10 s: steps 50 until
/// 60 s, 95 from 60 s. The key turns at 60 s (buffered), holds at 70 s (buffered), 80 s
/// (80 − 60 ≥ 20: 60, 70, 80 pass), then every breaching event is a candidate; the first
/// passes the restraints and heals, the rest are restrained by the interval (300 s). The heal
/// (operations of 0 s) ends at 80 s too, and the reinstalled collector publishes at once
/// (80 s, passed at once: the key held), then every 10 s.
#[test]
fn threshold_policies_buffer_then_pass_every_breaching_event() {
    let project = checked(monitored(
        "        type: cloudify.policies.types.threshold\n        properties: { service: example, threshold: 90, stability_time: 20 }",
        "behaviors:\n  d/vm: { heartbeat: 10s }\nmetrics:\n  - { node: d/vm, service: example, value: { steps: [[0s, 50], [60s, 95]] } }\n",
    ));
    let (result, _) = rehearse(&project, None);
    let fired: Vec<u64> = decisions(&result, "policy")
        .iter()
        .take(5)
        .map(|d| d.t / S)
        .collect();
    assert_eq!(fired, vec![80, 80, 80, 80, 90], "{}", timeline(&result));
    let first_heal = decisions(&result, "workflow")[0];
    assert_eq!(
        (first_heal.t / S, first_heal.detail["phase"].as_str()),
        (80, Some("start"))
    );
    // One heal per interval + 1 s at most: 80, then not before 381 (the instance was busy
    // reinstalling meanwhile, which does not stamp the table).
    let heals: Vec<u64> = decisions(&result, "workflow")
        .iter()
        .filter(|d| d.detail["phase"] == "start")
        .map(|d| d.t / S)
        .collect();
    assert!(heals.windows(2).all(|w| w[1] - w[0] > 300), "{heals:?}");
}

/// Planning (rel_graph): `instances.deploy` (1_2), containment multiplying, a scaling group
/// multiplying its members; ids `<node>_<n>` from 1 in plan order.
#[test]
fn instances_are_planned_as_cloudify_plans_them() {
    let blueprint = r#"tosca_definitions_version: cloudify_dsl_1_3
imports:
  - http://www.getcloudify.org/spec/cloudify/3.4/types.yaml
node_templates:
  vm:
    type: cloudify.nodes.Compute
    instances: { deploy: 2 }
  app:
    type: cloudify.nodes.ApplicationModule
    instances: { deploy: 3 }
    relationships:
      - { type: cloudify.relationships.contained_in, target: vm }
"#;
    let grouped = r#"tosca_definitions_version: cloudify_dsl_1_3
imports:
  - http://www.getcloudify.org/spec/cloudify/4.3/types.yaml
node_templates:
  vm:
    type: cloudify.nodes.Compute
    capabilities: { scalable: { properties: { default_instances: 2 } } }
  app:
    type: cloudify.nodes.ApplicationModule
    relationships:
      - { type: cloudify.relationships.contained_in, target: vm }
groups:
  tier: { members: [vm] }
policies:
  tier_scaling:
    type: cloudify.policies.scaling
    targets: [tier]
    properties: { default_instances: 3 }
"#;
    let scenario = "kind: scenario\nname: s\nduration: 1s\ndeploy:\n  - { cloudify: a.yaml, as: a }\n  - { cloudify: b.yaml, as: b }\n";
    let project = checked(folder(
        "plan",
        &[
            ("a.yaml", blueprint),
            ("b.yaml", grouped),
            ("s.yaml", scenario),
        ],
    ));
    let scenario = &project.project.scenarios[0];
    let topology = rehearse::lower::resolve(&project.project, scenario);
    let plan = |d: usize| -> Vec<(String, Option<String>)> {
        let m = &topology.managed[d];
        m.instances
            .iter()
            .map(|i| (i.id.clone(), i.parent.map(|p| m.instances[p].id.clone())))
            .collect()
    };
    let ids = |d: usize, node: &str| {
        plan(d)
            .into_iter()
            .filter(|(i, _)| i.starts_with(node))
            .count()
    };
    assert_eq!((ids(0, "vm_"), ids(0, "app_")), (2, 6));
    assert_eq!(
        plan(0)[..4],
        [
            ("vm_1".to_owned(), None),
            ("app_1".to_owned(), Some("vm_1".to_owned())),
            ("app_2".to_owned(), Some("vm_1".to_owned())),
            ("app_3".to_owned(), Some("vm_1".to_owned())),
        ]
    );
    // 3 group instances × 2 VMs each, one app on every VM.
    assert_eq!((ids(1, "vm_"), ids(1, "app_")), (6, 6));
    let groups: Vec<u32> = topology.managed[1]
        .instances
        .iter()
        .filter(|i| i.node == 0)
        .filter_map(|i| i.group.map(|g| g.1))
        .collect();
    assert_eq!(groups, vec![1, 1, 2, 2, 3, 3]);
}

/// Issue 9 acceptance: unknown node, blueprint path, input and instance → S-codes with spans.
#[test]
fn scenario_mistakes_get_s_codes_pointing_at_them() {
    let blueprint = r#"tosca_definitions_version: cloudify_dsl_1_3
imports:
  - http://www.getcloudify.org/spec/cloudify/4.3/types.yaml
inputs:
  size: { description: required, no default }
  zone: { default: a }
node_templates:
  vm:
    type: cloudify.nodes.Compute
  app:
    type: cloudify.nodes.ApplicationModule
    relationships:
      - { type: cloudify.relationships.contained_in, target: vm }
"#;
    let scenario = r#"kind: scenario
name: s
duration: 1m
deploy:
  - { cloudify: bp.yaml, as: d, inputs: { zone: b, colour: red } }
  - { cloudify: ../elsewhere/missing.yaml, as: e }
metrics:
  - { node: d/nope, service: cpu, value: 1 }
faults:
  - { at: 1s, host_down: d/vm_7 }
  - { at: 1s, host_down: d/app_1 }
  - { at: 1s, kill: d/vm_9 }
expect:
  - instances: { node: d/ghost, at_least: 1, by: 10s }
"#;
    let inputs = folder(
        "mistakes",
        &[("bp.yaml", blueprint), ("scenario.yaml", scenario)],
    );
    let result = check(inputs, &Options::default());
    let found: Vec<(String, String)> = result
        .diagnostics
        .iter()
        .filter(|d| d.code.id.starts_with('S'))
        .map(|d| {
            // (A flow mapping's span ends after the blank before the line break.)
            let text = result
                .sources
                .get(d.span.file)
                .slice(d.span)
                .trim_end()
                .to_owned();
            (d.code.id.to_owned(), text)
        })
        .collect();
    let expect = [
        ("S023", "colour"),
        ("S024", "{ zone: b, colour: red }"),
        ("S025", "d/nope"),
        ("S025", "d/ghost"),
        ("S026", "d/vm_7"),
        ("S026", "d/app_1"),
        ("S026", "d/vm_9"),
        ("S027", "../elsewhere/missing.yaml"),
    ];
    for (code, text) in expect {
        assert!(
            found.iter().any(|(c, t)| c == code && t == text),
            "{code} at `{text}` missing from {found:#?}"
        );
    }
    assert_eq!(found.len(), expect.len(), "{found:#?}");
}

/// The guide's 3.x-era trigger passes `node_id` to heal, whose parameter is now
/// `node_instance_id`: the manager refuses the execution, and `rehearse check` says so (C402,
/// from the Cloudify checker) at the parameter, with the rename in its help.
#[test]
fn the_guides_node_id_parameter_is_reported() {
    let specs = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("specs/autoheal");
    let blueprint = std::fs::read_to_string(specs.join("blueprint.yaml")).expect("blueprint");
    let legacy = blueprint.replace(
        "node_instance_id: { get_property: [SELF, node_id] }",
        "node_id: { get_property: [SELF, node_id] }",
    );
    assert_ne!(legacy, blueprint);
    let scenario = std::fs::read_to_string(specs.join("scenario.yaml")).expect("scenario");
    let result = check(
        folder(
            "legacy",
            &[("blueprint.yaml", &legacy), ("scenario.yaml", &scenario)],
        ),
        &Options::default(),
    );
    let found: Vec<(String, String, String)> = result
        .diagnostics
        .iter()
        .map(|d| {
            let text = result.sources.get(d.span.file).slice(d.span).to_owned();
            (
                d.code.id.to_owned(),
                text,
                d.help.clone().unwrap_or_default(),
            )
        })
        .collect();
    assert!(
        found.iter().any(|(code, text, help)| code == "C402"
            && text == "node_id"
            && help.contains("node_instance_id")),
        "{found:#?}"
    );
}

/// `install: true`: the install workflow from t = 0 in Cloudify's order (§4.2, a source waits
/// for its relationship targets): both hosts and the database first, the web server once its
/// host and the database are started; requests before that fail with 503.
#[test]
fn install_true_installs_targets_before_their_sources() {
    let specs = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("specs/autoheal");
    let blueprint = std::fs::read_to_string(specs.join("blueprint.yaml")).expect("blueprint");
    let scenario = std::fs::read_to_string(specs.join("scenario.yaml"))
        .expect("scenario")
        .replace(
            "inputs: { webserver_port: 80 } }",
            "inputs: { webserver_port: 80 }, install: true }",
        )
        .replace(
            "  shop/webserver:\n",
            "  database:\n    operations: { create: 15s, start: 50s }\n  shop/webserver:\n",
        );
    assert!(scenario.contains("install: true") && scenario.contains("  database:\n"));
    let project = checked(folder(
        "install",
        &[("blueprint.yaml", &blueprint), ("scenario.yaml", &scenario)],
    ));
    let (result, trace) = rehearse(&project, None);
    let install: Vec<String> = operations(&trace, "install")
        .into_iter()
        .filter(|o| o.ends_with(" create") || o.ends_with(" started"))
        .collect();
    // The web server's host: create 30 s + start 20 s → started at 50 s; the database's host
    // has no durations (started at once), the database on it 15 + 50 → 65 s; the web server
    // waits for its host (50 s) and the database (65 s): 65 + 5 + 5 + 10 = 85 s.
    assert_eq!(
        install,
        [
            "webserver_host_1 create",
            "database_host_1 create",
            "database_host_1 started",
            "database_1 create",
            "webserver_host_1 started",
            "database_1 started",
            "webserver_1 create",
            "webserver_1 started",
        ]
    );
    let started: Vec<(String, u64)> = decisions(&result, "instances")
        .iter()
        .filter(|d| d.detail["started"] == 1)
        .map(|d| (d.target.clone(), d.t / S))
        .take(4)
        .collect();
    assert_eq!(
        started,
        [
            ("shop/database_host".to_owned(), 0),
            ("shop/webserver_host".to_owned(), 50),
            ("shop/database".to_owned(), 65),
            ("shop/webserver".to_owned(), 85),
        ]
    );
    let install_end = decisions(&result, "workflow")
        .into_iter()
        .find(|d| d.target == "install" && d.detail["phase"] == "end")
        .expect("install ends");
    assert_eq!(install_end.t, 85 * S);
    // 20 requests/s for 85 s found no started web server.
    assert!(result.errors >= 1_600, "{} errors", result.errors);
}

/// Instance counts multiply down `contained_in`: three tiers of 1 000 plan a billion
/// instances. The planner stops one past its bound and the scenario check refuses the
/// deployment (S021) at the blueprint it names, instead of allocating without end.
#[test]
fn a_billion_planned_instances_are_refused_at_the_deploy_step() {
    let blueprint = r#"tosca_definitions_version: cloudify_dsl_1_3
imports:
  - http://www.getcloudify.org/spec/cloudify/4.3/types.yaml
node_templates:
  vm:
    type: cloudify.nodes.Compute
    capabilities: { scalable: { properties: { default_instances: 1000 } } }
  app:
    type: cloudify.nodes.ApplicationModule
    capabilities: { scalable: { properties: { default_instances: 1000 } } }
    relationships:
      - { type: cloudify.relationships.contained_in, target: vm }
  worker:
    type: cloudify.nodes.ApplicationModule
    capabilities: { scalable: { properties: { default_instances: 1000 } } }
    relationships:
      - { type: cloudify.relationships.contained_in, target: app }
"#;
    let scenario =
        "kind: scenario\nname: s\nduration: 1s\ndeploy:\n  - { cloudify: huge.yaml, as: h }\n";
    let inputs = folder(
        "billion",
        &[("huge.yaml", blueprint), ("scenario.yaml", scenario)],
    );
    let result = check(inputs, &Options::default());
    let refused: Vec<String> = result
        .diagnostics
        .iter()
        .filter(|d| d.code.id == "S021")
        .map(|d| result.sources.get(d.span.file).slice(d.span).to_owned())
        .collect();
    assert_eq!(
        refused,
        vec!["huge.yaml".to_owned()],
        "{:#?}",
        result.diagnostics
    );
}

/// A trigger passing an absurd `delta` fails its scale execution (the bound of S021) and
/// leaves the deployment as it was, rather than planning a billion instances.
#[test]
fn a_scale_by_a_billion_fails_the_execution_and_changes_nothing() {
    let specs = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("specs/autoscale");
    let blueprint = std::fs::read_to_string(specs.join("blueprint.yaml")).expect("blueprint");
    let scenario = std::fs::read_to_string(specs.join("scenario.yaml")).expect("scenario");
    assert!(blueprint.contains("delta: 1\n"), "the example changed");
    let blueprint = blueprint.replace("delta: 1\n", "delta: 1000000000\n");
    let project = checked(folder(
        "scale-billion",
        &[("blueprint.yaml", &blueprint), ("scenario.yaml", &scenario)],
    ));
    let (result, _) = rehearse(&project, None);
    let failed: Vec<String> = decisions(&result, "workflow")
        .iter()
        .filter(|d| d.detail["phase"] == "failed")
        .map(|d| d.detail["error"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert!(!failed.is_empty(), "{}", timeline(&result));
    assert!(failed.iter().all(|e| e.contains("100000")), "{failed:#?}");
    let started: Vec<u64> = decisions(&result, "instances")
        .iter()
        .filter(|d| d.target == "shop/web")
        .map(|d| d.detail["started"].as_u64().unwrap_or(0))
        .collect();
    assert!(started.iter().all(|&n| n == 1), "{started:?}");
}
