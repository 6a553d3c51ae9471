//! fixtures/check/cloudify/<CODE>.yaml: one blueprint per rule. Each must produce its code,
//! and its rendered diagnostics are snapshotted. Plus: no panic on mutated blueprints, and
//! import cycles / self-imports end with a diagnostic.

use proptest::prelude::*;
use rehearse::check::{self, Checked, Input, Options};
use rehearse::dialect::Kind;
use std::path::{Path, PathBuf};

fn check_path(path: &Path) -> Checked {
    let bytes = std::fs::read(path).expect("fixture is readable");
    check::check(
        vec![Input {
            path: path.display().to_string(),
            bytes,
            reported: true,
            forced_kind: Some(Kind::Cloudify),
        }],
        &Options::default(),
    )
}

fn fixtures() -> Vec<PathBuf> {
    let dir = Path::new("fixtures/check/cloudify");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("fixtures dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_fixture_reports_its_code() {
    let files = fixtures();
    assert!(files.len() >= 60, "fixtures missing: {}", files.len());
    for path in files {
        let code = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let checked = check_path(&path);
        assert!(
            checked.diagnostics.iter().any(|d| d.code.id == code),
            "{} does not report {code}; got {:?}",
            path.display(),
            checked
                .diagnostics
                .iter()
                .map(|d| format!("{}: {}", d.code.id, d.message))
                .collect::<Vec<_>>()
        );
        let rendered = rehearse::report::human::render(&checked, false);
        insta::assert_snapshot!(format!("cloudify_{code}"), rendered);
    }
}

#[test]
fn self_import_and_cycles_end_with_a_diagnostic() {
    let checked = check_path(Path::new("fixtures/check/cloudify/C400.yaml"));
    let cycles: Vec<&str> = checked
        .diagnostics
        .iter()
        .filter(|d| d.code.id == "C400")
        .map(|d| d.message.as_str())
        .collect();
    assert!(
        cycles.iter().any(|m| m.contains("imports itself")),
        "{cycles:?}"
    );
    assert!(
        cycles.iter().any(|m| m.contains("import cycle")),
        "{cycles:?}"
    );
}

#[test]
fn builtin_types_import_checks_clean() {
    let blueprint = "tosca_definitions_version: cloudify_dsl_1_3\nimports:\n  - http://www.getcloudify.org/spec/cloudify/3.4/types.yaml\nnode_templates:\n  vm:\n    type: cloudify.nodes.Compute\ngroups:\n  hosts:\n    members: [vm]\n    policies:\n      watch:\n        type: cloudify.policies.types.host_failure\n        triggers:\n          heal:\n            type: cloudify.policies.triggers.execute_workflow\n            parameters:\n              workflow: heal\n              workflow_parameters:\n                node_instance_id: {get_property: [SELF, node_id]}\n                diagnose_value: {get_property: [SELF, diagnose]}\n";
    let checked = check::check(
        vec![Input {
            path: "inline.yaml".into(),
            bytes: blueprint.as_bytes().to_vec(),
            reported: true,
            forced_kind: Some(Kind::Cloudify),
        }],
        &Options::default(),
    );
    assert!(checked.diagnostics.is_empty(), "{:?}", checked.diagnostics);
    let ir = &checked.project.cloudify[0];
    let policy = &ir.groups[0].policies[0];
    assert_eq!(
        policy
            .properties
            .get("interval_between_workflows")
            .and_then(|n| n.as_i64()),
        Some(300)
    );
    assert_eq!(ir.nodes[0].host, Some(rehearse::ir::cloudify::NodeId(0)));
}

/// Bytes of a fixture with a random span replaced by random text.
fn mutated(seed_file: usize, at: usize, cut: usize, insert: &str) -> Vec<u8> {
    let files = fixtures();
    let path = &files[seed_file % files.len()];
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let start = at % (text.len() + 1);
    let end = (start + cut).min(text.len());
    let (mut start, mut end) = (start, end);
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    while !text.is_char_boundary(end) {
        end += 1;
    }
    format!("{}{insert}{}", &text[..start], &text[end..]).into_bytes()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn mutated_blueprints_never_panic(
        seed in 0usize..1000,
        at in 0usize..2000,
        cut in 0usize..40,
        insert in prop::sample::select(vec![
            "", "{}", "[]", "- x\n", ": :", "get_property: [SELF]", "&a", "*a", "<<: *a",
            "\n  nested:\n    deeper: 1\n", "null", "-1", "{get_input: [1]}", "'", "\"",
            "node_templates:", "imports: [fixtures/check/cloudify/C400.yaml]",
        ]),
    ) {
        let bytes = mutated(seed, at, cut, insert);
        let checked = check::check(
            vec![Input {
                path: "fixtures/check/cloudify/mutant.yaml".into(),
                bytes,
                reported: true,
                forced_kind: Some(Kind::Cloudify),
            }],
            &Options::default(),
        );
        // Rendering must not panic either.
        let _ = rehearse::report::human::render(&checked, false);
    }
}

#[test]
fn fanned_out_get_property_chains_stay_cheap() {
    // Each node's property concatenates the next node's twice: 2^40 paths if walked naively.
    let mut text = String::from(
        "tosca_definitions_version: cloudify_dsl_1_3\nnode_types:\n  t:\n    properties:\n      p: {}\nnode_templates:\n",
    );
    for i in 0..40 {
        text.push_str(&format!(
            "  n{i}:\n    type: t\n    properties:\n      p: {{concat: [{{get_property: [n{next}, p]}}, {{get_property: [n{next}, p]}}]}}\n",
            next = i + 1
        ));
    }
    text.push_str("  n40:\n    type: t\n    properties:\n      p: end\n");
    let started = std::time::Instant::now();
    let checked = check::check(
        vec![Input {
            path: "fan.yaml".into(),
            bytes: text.into_bytes(),
            reported: true,
            forced_kind: Some(Kind::Cloudify),
        }],
        &Options::default(),
    );
    assert!(checked.diagnostics.is_empty(), "{:?}", checked.diagnostics);
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
}

/// The codes a blueprint written inline (or with files beside it) gets, checked from `dir`.
fn codes_of(dir: &Path, main: &str, files: &[(&str, &str)]) -> Vec<String> {
    for (name, text) in files {
        std::fs::write(dir.join(name), text).expect("write import");
    }
    let path = dir.join("blueprint.yaml");
    std::fs::write(&path, main).expect("write blueprint");
    let mut codes: Vec<String> = check_path(&path)
        .diagnostics
        .iter()
        .map(|d| d.code.id.to_string())
        .collect();
    codes.sort();
    codes
}

const HEADER_1_3: &str = "tosca_definitions_version: cloudify_dsl_1_3\n";

/// dsl_parser 7.0.5 `_can_import_version`: an import of the same or an older version is fine,
/// a newer one is code 28; Cloudify's own types.yaml carry their version too.
#[test]
fn imports_may_be_older_than_the_blueprint_not_newer() {
    let dir = tempfile::tempdir().expect("tempdir");
    let older = "tosca_definitions_version: cloudify_dsl_1_3\nnode_types:\n  a.T: {}\n";
    let main = "tosca_definitions_version: cloudify_dsl_1_4\nimports:\n  - older.yaml\nnode_templates:\n  n:\n    type: a.T\n";
    assert!(codes_of(dir.path(), main, &[("older.yaml", older)]).is_empty());
    let main = "tosca_definitions_version: cloudify_dsl_1_2\nimports:\n  - older.yaml\nnode_templates:\n  n:\n    type: a.T\n";
    assert_eq!(
        codes_of(dir.path(), main, &[("older.yaml", older)]),
        ["C028"]
    );
    // The 4.0 types.yaml is cloudify_dsl_1_3: a 1_0 blueprint cannot import it.
    let main = "tosca_definitions_version: cloudify_dsl_1_0\nimports:\n  - http://www.getcloudify.org/spec/cloudify/4.0/types.yaml\nnode_templates:\n  vm:\n    type: cloudify.nodes.Compute\n";
    assert!(codes_of(dir.path(), main, &[]).contains(&"C028".to_string()));
    let main = main.replace("cloudify_dsl_1_0", "cloudify_dsl_1_3");
    assert!(codes_of(dir.path(), &main, &[]).is_empty());
}

/// 7.0.5 no longer requires `node_templates`.
#[test]
fn a_blueprint_without_node_templates_is_valid() {
    let dir = tempfile::tempdir().expect("tempdir");
    assert!(codes_of(dir.path(), HEADER_1_3, &[]).is_empty());
    let main = format!("{HEADER_1_3}node_types:\n  app: {{}}\n");
    assert!(codes_of(dir.path(), &main, &[]).is_empty());
}

/// An operation without an implementation is a no-op in 7.0.5's plan, inputs dropped: the
/// functions in them are not validated. With an implementation they are.
#[test]
fn no_op_operation_inputs_are_not_validated() {
    let dir = tempfile::tempdir().expect("tempdir");
    let main = format!(
        "{HEADER_1_3}plugins:\n  p:\n    executor: central_deployment_agent\n    source: p\nnode_types:\n  t: {{}}\nrelationships:\n  r: {{}}\nnode_templates:\n  b:\n    type: t\n  a:\n    type: t\n    interfaces:\n      maintenance:\n        poll:\n          IMPL\n          inputs:\n            x: {{ get_attribute: [ nowhere, y ] }}\n    relationships:\n      - type: r\n        target: b\n        source_interfaces:\n          i:\n            op:\n              inputs:\n                x: {{ get_property: [ nowhere, y ] }}\n"
    );
    let no_op = codes_of(dir.path(), &main.replace("IMPL\n          ", ""), &[]);
    assert!(no_op.is_empty(), "{no_op:?}");
    let with_implementation = main.replace("IMPL", "implementation: p.tasks.poll");
    assert_eq!(codes_of(dir.path(), &with_implementation, &[]), ["C302"]);
}

/// 7.0.5 scans the blueprint's capabilities for functions, as it scans outputs.
#[test]
fn capability_functions_are_validated() {
    let dir = tempfile::tempdir().expect("tempdir");
    let with = |value: &str| {
        format!("{HEADER_1_3}node_types:\n  t: {{}}\nnode_templates:\n  vm:\n    type: t\ncapabilities:\n  endpoint:\n    description: where\n    value: {value}\n")
    };
    assert!(codes_of(dir.path(), &with("{ get_attribute: [ vm, ip ] }"), &[]).is_empty());
    assert_eq!(
        codes_of(dir.path(), &with("{ get_attribute: text }"), &[]),
        ["C300"]
    );
    assert_eq!(
        codes_of(dir.path(), &with("{ get_attribute: 42 }"), &[]),
        ["C300"]
    );
    assert_eq!(
        codes_of(dir.path(), &with("{ get_attribute: [ nowhere, ip ] }"), &[]),
        ["C302"]
    );
}

/// 7.0.5 GetSecret.parse_args: a string, a list of 2 or more, or a function.
#[test]
fn get_secret_argument_shapes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let with = |value: &str| {
        format!("{HEADER_1_3}inputs:\n  name:\n    default: s\nnode_types:\n  t:\n    properties:\n      secret: {{}}\nnode_templates:\n  vm:\n    type: t\n    properties:\n      secret: {value}\n")
    };
    for valid in [
        "{ get_secret: s }",
        "{ get_secret: [ s, key ] }",
        "{ get_secret: { get_input: name } }",
    ] {
        assert!(
            codes_of(dir.path(), &with(valid), &[]).is_empty(),
            "{valid}"
        );
    }
    for invalid in [
        "{ get_secret: 42 }",
        "{ get_secret: [ s ] }",
        "{ get_secret: null }",
    ] {
        assert_eq!(
            codes_of(dir.path(), &with(invalid), &[]),
            ["C300"],
            "{invalid}"
        );
    }
}

/// 7.0.5 `Constraint.validate`: each constraint is one known operator with an argument of
/// its shape (code 212), or a function; more keys need 1_5 (inputs) or are an error
/// (workflow parameters).
#[test]
fn constraint_arguments_have_their_operators_shape() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = |version: &str, constraints: &str| {
        format!("tosca_definitions_version: cloudify_dsl_{version}\ninputs:\n  x:\n    type: integer\n    constraints: {constraints}\n")
    };
    for valid in [
        "[{valid_values: [1, 2]}]",
        "[{in_range: [1, 2.5]}]",
        "[{greater_than: 0}, {pattern: '^a'}]",
        "[{valid_values: {get_secret: allowed}}]",
    ] {
        assert!(
            codes_of(dir.path(), &input("1_4", valid), &[]).is_empty(),
            "{valid}"
        );
    }
    for (invalid, code) in [
        ("[{valid_values: text}]", "C212"),
        ("[{in_range: [1, a]}]", "C212"),
        ("[{equal: true}]", "C212"),
        ("[{name_pattern: [a]}]", "C212"),
        ("[{nope: 1}]", "C103"),
        ("[{}]", "C103"),
        ("[{valid_values: [1], error_message: no}]", "C102"),
        ("{valid_values: [1]}", "C121"),
    ] {
        assert_eq!(
            codes_of(dir.path(), &input("1_4", invalid), &[]),
            [code],
            "{invalid}"
        );
    }
    let with_message = input("1_5", "[{valid_values: [1], error_message: no}]");
    assert!(codes_of(dir.path(), &with_message, &[]).is_empty());
    let parameter = "tosca_definitions_version: cloudify_dsl_1_5\nplugins:\n  p:\n    executor: central_deployment_agent\n    source: p\nworkflows:\n  w:\n    mapping: p.m\n    parameters:\n      x:\n        constraints: [{valid_values: [1], error_message: no}]\n".to_string();
    assert_eq!(codes_of(dir.path(), &parameter, &[]), ["C103"]);
}
