//! How syntax diagnostics read in the human report: one snapshot per broken input, so a
//! reviewer sees the message, the excerpt, the labels and the help together.

use rehearse::report::human::render_one;
use rehearse::source::SourceMap;
use rehearse::syntax::{load_as, Format, Limits, Profile};

/// The file's diagnostics when read as `profile`'s runtime reads it.
fn rendered(path: &str, bytes: &[u8], profile: Profile) -> String {
    let mut sources = SourceMap::new();
    let format = Format::from_path(path);
    let (_, parsed) = load_as(
        &mut sources,
        path,
        bytes.to_vec(),
        format,
        &Limits::default(),
        profile,
    );
    assert!(
        !parsed.diagnostics.is_empty(),
        "{path}: expected a diagnostic"
    );
    parsed
        .diagnostics
        .iter()
        .map(|d| render_one(&sources, d, false))
        .collect()
}

fn snapshot(name: &str, path: &str, bytes: &[u8]) {
    snapshot_as(name, path, bytes, Profile::Yaml12);
}

fn snapshot_as(name: &str, path: &str, bytes: &[u8], profile: Profile) {
    insta::with_settings!({ omit_expression => true, prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!(name, rendered(path, bytes, profile));
    });
}

#[test]
fn duplicate_route_key() {
    snapshot(
        "syntax_duplicate_key",
        "gateway.yml",
        b"name: sava\nroutes:\n  sava:1.0:\n    weight: 50%\n  sava:1.0:\n    weight: 50%\n",
    );
    snapshot_as(
        "syntax_duplicate_key_snakeyaml",
        "gateway.yml",
        b"name: sava\nroutes:\n  sava:1.0:\n    weight: 50%\n  sava:1.0:\n    weight: 50%\n",
        Profile::SnakeYaml,
    );
}

#[test]
fn adjacent_flow_value() {
    snapshot_as(
        "syntax_adjacent_flow_value_pyyaml",
        "blueprint.yaml",
        b"outputs:\n  url:\n    value: {concat:[http://, {get_input: host}]}\n",
        Profile::PyYaml,
    );
    snapshot(
        "syntax_adjacent_flow_value_strict",
        "scenario.yaml",
        b"expect: {all:[a, b]}\n",
    );
}

#[test]
fn unquoted_colon_in_a_value() {
    snapshot(
        "syntax_yaml_error",
        "breed.yml",
        b"name: monarch\ndeployable: magneticio/monarch: latest\n",
    );
}

#[test]
fn json_trailing_comma() {
    snapshot(
        "syntax_json_error",
        "krakend.json",
        b"{\n  \"version\": 3,\n  \"endpoints\": [],\n}\n",
    );
}

#[test]
fn latin1_text() {
    snapshot(
        "syntax_invalid_utf8",
        "blueprint.yaml",
        b"description: caf\xe9 au lait\n",
    );
}

#[test]
fn closing_bracket_in_the_key_column() {
    snapshot(
        "syntax_flow_indentation",
        "gateway.yml",
        b"virtual_hosts: [\n  \"a.b.c\"\n]\n",
    );
}

#[test]
fn merge_of_a_scalar_and_an_unknown_tag() {
    snapshot(
        "syntax_merge_and_tag",
        "blueprint.yaml",
        b"defaults: &d 80\nnode:\n  <<: *d\n  port: !port 8080\n",
    );
}
