//! Reader tests on hand-built trees (serde_json values turned into spanless nodes).

use super::*;
use crate::source::FileId;

pub(crate) fn node(value: &serde_json::Value) -> Node {
    let span = Span::point(FileId(0), 0);
    let value = match value {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => Value::Float(n.as_f64().unwrap_or(0.0), n.to_string().into()),
        },
        serde_json::Value::String(s) => Value::Str(s.clone()),
        serde_json::Value::Array(items) => Value::Seq(items.iter().map(node).collect()),
        serde_json::Value::Object(map) => Value::Map(Mapping {
            entries: map
                .iter()
                .map(|(k, v)| (Node::new(Value::Str(k.clone()), span), node(v)))
                .collect(),
        }),
    };
    Node::new(value, span)
}

fn codes(json: serde_json::Value) -> Vec<&'static str> {
    let (config, mut diagnostics) = read(&node(&json));
    if let Some(config) = &config {
        crate::check::krakend::check_config(config, &mut diagnostics);
    }
    let mut ids: Vec<_> = diagnostics.iter().map(|d| d.code.id).collect();
    ids.sort_unstable();
    ids
}

#[test]
fn a_clean_config_has_no_findings() {
    let found = codes(serde_json::json!({
        "version": 3,
        "endpoints": [{
            "endpoint": "/users/{id}",
            "method": "GET",
            "timeout": "3s",
            "backend": [
                {"url_pattern": "/u/{id}", "host": ["http://users:8080"]},
                {"url_pattern": "/orders/{resp0_user.id}", "host": ["orders"]}
            ],
            "extra_config": {"proxy": {"sequential": true}}
        }]
    }));
    assert_eq!(found, Vec::<&str>::new());
}

#[test]
fn lura_rules() {
    assert_eq!(codes(serde_json::json!({"endpoints": []})), vec!["K001"]);
    assert_eq!(
        codes(serde_json::json!({"version": 3, "listen_ip": "nope"})),
        vec!["K002"]
    );
    let found = codes(serde_json::json!({
        "version": 3,
        "host": ["amqp://x"],
        "endpoints": [
            {"endpoint": "/__debug/x", "backend": [{"url_pattern": "/"}]},
            {"endpoint": "/none", "backend": []},
            {"endpoint": "/noop", "output_encoding": "no-op",
             "backend": [{"url_pattern": "/a"}, {"url_pattern": "/b"}]},
            {"endpoint": "/p/{a}", "backend": [{"url_pattern": "/{a}/{b}/{c}"}]},
            {"endpoint": "/q/{a}/{b}", "backend": [{"url_pattern": "/{a}/{c}"}]}
        ]
    }));
    assert_eq!(found, vec!["K003", "K004", "K005", "K006", "K007", "K008"]);
}

#[test]
fn workflows_declare_their_own_params() {
    let found = codes(serde_json::json!({
        "version": 3,
        "endpoints": [{
            "endpoint": "/foo/{v}",
            "timeout": "2s",
            "backend": [{
                "url_pattern": "/__workflow/x",
                "extra_config": {"workflow": {
                    "endpoint": "/inner/{v}/{w}",
                    "timeout": "3s",
                    "backend": [{"url_pattern": "/{v}/{w}/{z}"}]
                }}
            }]
        }]
    }));
    // three params used, two declared; w not provided by the parent; timeout not smaller
    assert_eq!(found, vec!["K007", "K014", "K021"]);
}

#[test]
fn sequential_references() {
    let found = codes(serde_json::json!({
        "version": 3,
        "endpoints": [
            {"endpoint": "/a", "backend": [
                {"url_pattern": "/x/{resp1_id}"}, {"url_pattern": "/y"}
            ], "extra_config": {"proxy": {"sequential": true}}},
            {"endpoint": "/b", "backend": [
                {"url_pattern": "/x"}, {"url_pattern": "/y/{resp0_id}/{JWT.sub}"}
            ]}
        ]
    }));
    assert_eq!(found, vec!["K011", "K012", "K015"]);
}

#[test]
fn lint_warnings_follow_the_schema_version() {
    let json = |schema: &str| {
        serde_json::json!({
            "$schema": schema,
            "version": 3,
            "extra_config": {"ai/mcp": {}},
            "endpoints": [{"endpoint": "/a", "method": "get", "timeout": "1m30s",
                "backend": [{"url_pattern": "/", "timeout": "1s"}]}]
        })
    };
    assert_eq!(
        codes(json("https://www.krakend.io/schema/v2.13/krakend.json")),
        vec!["K030", "K032", "K032"]
    );
    assert_eq!(
        codes(json("https://www.krakend.io/schema/v2.7/krakend.json")),
        vec!["K030", "K031", "K032", "K032"]
    );
}

#[test]
fn route_conflicts() {
    let found = codes(serde_json::json!({
        "version": 3,
        "endpoints": [
            {"endpoint": "/a/{id}", "backend": [{"url_pattern": "/"}]},
            {"endpoint": "/a/{name}/x", "backend": [{"url_pattern": "/"}]},
            {"endpoint": "/a/search", "backend": [{"url_pattern": "/"}]},
            {"endpoint": "/a/search", "method": "POST", "backend": [{"url_pattern": "/"}]}
        ]
    }));
    assert_eq!(found, vec!["K010"]);
}

#[test]
fn expressions_are_parsed() {
    let found = codes(serde_json::json!({
        "version": 3,
        "endpoints": [{"endpoint": "/a", "backend": [{"url_pattern": "/"}],
            "extra_config": {
                "validation/cel": [{"check_expr": "has(req_params.x"}],
                "security/policies": {"req": {"policies": ["a == 1", "b <"]}}
            }}]
    }));
    assert_eq!(found, vec!["K013", "K013"]);
}

#[test]
fn hostile_shapes_do_not_panic() {
    for json in [
        serde_json::json!(42),
        serde_json::json!({"version": "3", "endpoints": {"a": 1}}),
        serde_json::json!({"version": 3, "endpoints": [1, null, {"backend": [1, {"url_pattern": 5}]}]}),
        serde_json::json!({"version": 3, "endpoints": [{"endpoint": "", "backend": [{"extra_config": {"workflow": {"backend": "x"}}}]}]}),
    ] {
        let _ = codes(json);
    }
}

#[test]
fn input_headers_are_canonical() {
    assert_eq!(canonical_header("x-user-id"), "X-User-Id");
    assert_eq!(canonical_header("CONTENT-TYPE"), "Content-Type");
    assert_eq!(canonical_header("*"), "*");
    assert_eq!(canonical_header("bad header"), "bad header");
}
