//! No panic on hostile KrakenD input, through the whole check (syntax → dialect → checks):
//! arbitrary JSON shapes, deep nesting, huge arrays, garbage placeholders and expressions.

use proptest::prelude::*;
use rehearse::check::{check, Input, Options};
use rehearse::dialect::Kind;

fn run(path: &str, bytes: Vec<u8>) -> rehearse::check::Checked {
    check(
        vec![Input {
            path: path.to_string(),
            bytes,
            reported: true,
            forced_kind: Some(Kind::Krakend),
        }],
        &Options::default(),
    )
}

/// JSON values biased towards KrakenD keys, so the generator reaches the dialect's corners.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let key = prop_oneof![
        Just("version".to_string()),
        Just("endpoints".to_string()),
        Just("endpoint".to_string()),
        Just("backend".to_string()),
        Just("url_pattern".to_string()),
        Just("host".to_string()),
        Just("method".to_string()),
        Just("timeout".to_string()),
        Just("extra_config".to_string()),
        Just("workflow".to_string()),
        Just("proxy".to_string()),
        Just("sequential".to_string()),
        Just("validation/cel".to_string()),
        Just("check_expr".to_string()),
        Just("output_encoding".to_string()),
        "[a-z_/]{1,8}",
    ];
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::Bool),
        any::<i64>().prop_map(|n| serde_json::json!(n)),
        Just(serde_json::json!(3)),
        "[/{}a-z0-9_.:%*?()=! -]{0,24}".prop_map(serde_json::Value::String),
        Just(serde_json::json!(
            "/{resp0_a.b}/{JWT.sub}/{input_headers.X}"
        )),
        Just(serde_json::json!("no-op")),
    ];
    leaf.prop_recursive(6, 64, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::Array),
            prop::collection::vec((key.clone(), inner), 0..6)
                .prop_map(|entries| serde_json::Value::Object(entries.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn arbitrary_json_shapes_never_panic(value in json_value()) {
        let text = serde_json::to_vec(&value).unwrap_or_default();
        let _ = run("hostile.json", text);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = run("hostile.json", bytes.clone());
        let _ = run("hostile.yaml", bytes);
    }
}

#[test]
fn deep_nesting_is_refused_not_overflowed() {
    let depth = 100_000;
    let json = format!(
        "{{\"version\": 3, \"extra_config\": {}{}}}",
        "[".repeat(depth),
        "]".repeat(depth)
    );
    let checked = run("deep.json", json.into_bytes());
    assert!(checked.errors() > 0);
    let yaml = format!(
        "version: 3\nendpoints: {}{}\n",
        "[".repeat(depth),
        "]".repeat(depth)
    );
    let checked = run("deep.yaml", yaml.into_bytes());
    assert!(checked.errors() > 0);
}

#[test]
fn deeply_nested_workflows_are_read() {
    // 40 nested workflows: recursion in the dialect stays far below the syntax depth limit.
    let mut backend = serde_json::json!({"url_pattern": "/leaf"});
    for level in 0..40 {
        backend = serde_json::json!({
            "url_pattern": format!("/__workflow/{level}"),
            "extra_config": {"workflow": {"endpoint": format!("/w{level}"), "backend": [backend]}}
        });
    }
    let config = serde_json::json!({
        "version": 3,
        "host": ["http://api:8080"],
        "endpoints": [{"endpoint": "/a", "backend": [backend]}]
    });
    let checked = run(
        "nested.json",
        serde_json::to_vec(&config).unwrap_or_default(),
    );
    assert_eq!(checked.errors(), 0, "{:?}", checked.diagnostics);
}

#[test]
fn huge_arrays_are_checked_in_reasonable_time() {
    let endpoints: Vec<serde_json::Value> = (0..2_000)
        .map(|i| {
            serde_json::json!({
                "endpoint": format!("/r{i}/{{id}}"),
                "backend": [{"url_pattern": "/x/{id}", "host": ["http://api:8080"]}]
            })
        })
        .collect();
    let hosts: Vec<String> = (0..10_000).map(|i| format!("http://h{i}:80")).collect();
    let config = serde_json::json!({"version": 3, "host": hosts, "endpoints": endpoints});
    let start = std::time::Instant::now();
    let checked = run("huge.json", serde_json::to_vec(&config).unwrap_or_default());
    assert_eq!(checked.errors(), 0);
    assert!(
        start.elapsed() < std::time::Duration::from_secs(60),
        "took {:?}",
        start.elapsed()
    );
}

#[test]
fn hostile_expressions_and_placeholders() {
    let deep_expr = format!("{}1{}", "(".repeat(10_000), ")".repeat(10_000));
    let config = serde_json::json!({
        "version": 3,
        "host": ["http://api:8080"],
        "endpoints": [{
            "endpoint": format!("/{}", "{a}".repeat(2_000)),
            "backend": [{"url_pattern": format!("/{}", "{resp99999999999999999999_x}{".repeat(1_000))}],
            "extra_config": {
                "proxy": {"sequential": true},
                "validation/cel": [{"check_expr": deep_expr}, {"check_expr": "\u{0}\u{ffff}'"}]
            }
        }]
    });
    let checked = run("expr.json", serde_json::to_vec(&config).unwrap_or_default());
    assert!(checked.diagnostics.iter().any(|d| d.code.id == "K013"));
}
