//! Invariants of Cloudify deployments under random metric series and policy parameters
//! (issue 9): no instance serves unless it is started, started counts are what the decisions
//! say (never negative), and every triggering event is either run, restrained or rejected —
//! exactly once.

use proptest::prelude::*;
use rehearse::check::{check, Input, Options};
use rehearse::sim::build::build;
use rehearse::sim::managed::NodeState;
use rehearse::sim::service::InstanceState;
use rehearse::sim::world::World;

const S: u64 = 1_000_000_000;

#[derive(Clone, Debug)]
struct Case {
    policy: String,
    trigger: String,
    steps: Vec<(u64, u32)>,
    heartbeat_s: u64,
    kill_at_s: Option<u64>,
}

fn policy() -> impl Strategy<Value = String> {
    let interval = prop_oneof![Just(-1i64), Just(0), Just(30), Just(120), Just(300)];
    prop_oneof![
        (0u32..=100, 0u64..=40, any::<bool>(), interval.clone()).prop_map(|(t, st, up, i)| format!(
            "type: cloudify.policies.types.threshold\n        properties: {{ service: cpu, threshold: {t}, stability_time: {st}, upper_bound: {up}, interval_between_workflows: {i} }}"
        )),
        (0u32..=100, 1u32..=10, any::<bool>(), interval.clone()).prop_map(|(t, r, up, i)| format!(
            "type: cloudify.policies.types.ewma_stabilized\n        properties: {{ service: cpu, threshold: {t}, ewma_timeless_r: {}, upper_bound: {up}, interval_between_workflows: {i} }}",
            f64::from(r) / 10.0
        )),
        (interval, any::<bool>()).prop_map(|(i, started)| format!(
            "type: cloudify.policies.types.host_failure\n        properties: {{ service: [cpu], interval_between_workflows: {i}, is_node_started_before_workflow: {started} }}"
        )),
    ]
}

fn trigger() -> impl Strategy<Value = String> {
    prop_oneof![
        (-2i32..=2, any::<bool>()).prop_map(|(d, group)| format!(
            "workflow: scale\n              workflow_parameters: {{ scalable_entity_name: {}, delta: {d} }}",
            if group { "tier" } else { "web" }
        )),
        Just("workflow: heal\n              workflow_parameters: { node_instance_id: { get_property: [SELF, node_id] } }".to_owned()),
    ]
}

fn case() -> impl Strategy<Value = Case> {
    (
        policy(),
        trigger(),
        prop::collection::vec((0u64..600, 0u32..=100), 1..6),
        prop_oneof![Just(1u64), Just(5), Just(10), Just(30)],
        prop::option::of(0u64..600),
    )
        .prop_map(|(policy, trigger, steps, heartbeat_s, kill_at_s)| Case {
            policy,
            trigger,
            steps,
            heartbeat_s,
            kill_at_s,
        })
}

fn files(case: &Case) -> Vec<(String, String)> {
    let blueprint = format!(
        r#"tosca_definitions_version: cloudify_dsl_1_3
imports:
  - http://www.getcloudify.org/spec/cloudify/4.3/types.yaml
plugins:
  diamond: {{ executor: host_agent, source: diamond-plugin }}
node_templates:
  host:
    type: cloudify.nodes.Compute
    properties: {{ ip: 10.0.0.1 }}
  web:
    type: cloudify.nodes.WebServer
    interfaces:
      cloudify.interfaces.monitoring:
        start:
          implementation: diamond.diamond_agent.tasks.add_collectors
          inputs: {{ collectors_config: {{ CPUCollector: {{}} }} }}
    relationships:
      - {{ type: cloudify.relationships.contained_in, target: host }}
groups:
  tier: {{ members: [host, web] }}
  watch:
    members: [web]
    policies:
      p:
        {}
        triggers:
          t:
            type: cloudify.policies.triggers.execute_workflow
            parameters:
              {}
policies:
  tier_scaling:
    type: cloudify.policies.scaling
    targets: [tier]
    properties: {{ default_instances: 2 }}
"#,
        case.policy, case.trigger
    );
    let steps: Vec<String> = case
        .steps
        .iter()
        .map(|(t, v)| format!("[{t}s, {v}]"))
        .collect();
    let kill = case
        .kill_at_s
        .map(|t| format!("faults:\n  - {{ at: {t}s, host_down: d/host_1, for: 90s }}\n"))
        .unwrap_or_default();
    let scenario = format!(
        "kind: scenario\nname: s\nduration: 10m\ndeploy:\n  - {{ cloudify: bp.yaml, as: d }}\nbehaviors:\n  d/web: {{ heartbeat: {}s, operations: {{ create: 3s, start: 7s, stop: 2s, delete: 1s }} }}\n  d/host: {{ operations: {{ create: 10s, start: 5s }} }}\nmetrics:\n  - {{ node: d/web, service: cpu.total.user, value: {{ steps: [{}] }} }}\ntraffic:\n  - {{ to: d/web, rate: 5/s }}\n{kill}",
        case.heartbeat_s,
        steps.join(", ")
    );
    vec![
        ("bp.yaml".into(), blueprint),
        ("scenario.yaml".into(), scenario),
    ]
}

fn world_of(case: &Case, n: u64) -> World<'static> {
    let dir = std::env::temp_dir().join(format!(
        "rehearse-cloudify-props-{}-{n}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp folder");
    let inputs: Vec<Input> = files(case)
        .into_iter()
        .map(|(name, text)| {
            let path = dir.join(name);
            std::fs::write(&path, &text).expect("write");
            Input::reported(path.display().to_string(), text.into_bytes())
        })
        .collect();
    let checked = check(inputs, &Options::default());
    let errors: Vec<String> = checked
        .error_diagnostics()
        .map(|d| format!("{} {}", d.code.id, d.message))
        .collect();
    assert!(errors.is_empty(), "{errors:?}\n{case:?}");
    let scenario = &checked.project.scenarios[0];
    let model = build(&checked.project, scenario, 1).expect("model");
    World::new(model, None)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn instances_serve_only_when_started_and_every_trigger_ends_once(case in case(), n in any::<u64>()) {
        let mut world = world_of(&case, n);
        let duration = world.model.duration;
        let mut t = 0;
        while t < duration {
            t += S;
            world.run_until(t);
            for d in &world.managed {
                for i in &d.instances {
                    let serving = world.instances[i.sim as usize].state == InstanceState::Ready;
                    prop_assert!(!serving || (i.state == NodeState::Started && !i.removed),
                        "{} serves while {:?} (removed {}) at {t}", i.id, i.state, i.removed);
                }
                for (node, &reported) in d.started.iter().enumerate() {
                    let actual = d.instances.iter().filter(|i| i.node == node && !i.removed && i.state == NodeState::Started).count();
                    prop_assert_eq!(reported as usize, actual);
                }
            }
        }
        let decisions = &world.decisions;
        for (k, d) in decisions.iter().enumerate() {
            if d.kind != "policy" {
                continue;
            }
            let next = decisions.get(k + 1);
            let outcome = next.map(|n| (n.kind, n.detail["phase"].as_str().map(str::to_owned), n.t));
            let ok = match outcome {
                Some(("restrained", _, at)) => at == d.t && next.is_some_and(|n| n.detail["node_instance"] == d.detail["node_instance"]),
                Some(("workflow", Some(phase), at)) => at == d.t && (phase == "start" || phase == "failed"),
                _ => false,
            };
            prop_assert!(ok, "policy decision {k} at {} has no single outcome: {:?}", d.t, next);
        }
        // Counts in the decisions never go negative (they are counts) and scale executions
        // never overlap.
        let mut running = 0i32;
        for d in decisions.iter().filter(|d| d.kind == "workflow") {
            match d.detail["phase"].as_str() {
                Some("start") => running += 1,
                Some("end") => running -= 1,
                _ => {}
            }
            prop_assert!((0..=1).contains(&running), "{running} executions at {}", d.t);
        }
    }
}
