//! Invariants of KrakenD request flows over random endpoint trees (issue 10): every request
//! ends exactly once (complete or incomplete, one status each), the calls are at least the
//! backends not skipped, and no response takes longer than the endpoint's timeout plus the
//! gateway's overhead (with or without a slot limit, `behaviors: {krakend: ...}`).

use proptest::prelude::*;
use rehearse::check::{check, Input, Options};
use rehearse::sim::{run, RunOptions};

#[derive(Clone, Debug)]
enum Tree {
    Leaf {
        host: u8,
        policy: bool,
    },
    Workflow {
        sequential: bool,
        ignore_errors: bool,
        timeout_ms: Option<u32>,
        children: Vec<Tree>,
    },
}

fn tree() -> impl Strategy<Value = Tree> {
    let leaf = (0u8..4, any::<bool>()).prop_map(|(host, policy)| Tree::Leaf { host, policy });
    leaf.prop_recursive(3, 12, 3, |inner| {
        (
            any::<bool>(),
            any::<bool>(),
            prop::option::of(5u32..200),
            prop::collection::vec(inner, 1..4),
        )
            .prop_map(
                |(sequential, ignore_errors, timeout_ms, children)| Tree::Workflow {
                    sequential,
                    ignore_errors,
                    timeout_ms,
                    children,
                },
            )
    })
}

fn backend(tree: &Tree, n: &mut u32) -> String {
    *n += 1;
    match tree {
        Tree::Leaf { host, policy } => {
            let extra = if *policy {
                r#", "extra_config": {"security/policies": {"req": {"policies": ["req_headers['X-Kind'][0] == 'a'"]}}}"#
            } else {
                ""
            };
            format!(
                r#"{{"host": ["http://h{host}:80"], "url_pattern": "/b{n}", "group": "g{n}"{extra}}}"#
            )
        }
        Tree::Workflow {
            sequential,
            ignore_errors,
            timeout_ms,
            children,
        } => {
            let children: Vec<String> = children.iter().map(|c| backend(c, n)).collect();
            let timeout = timeout_ms.map_or(String::new(), |t| format!(r#""timeout": "{t}ms", "#));
            format!(
                r#"{{"url_pattern": "/w{n}", "group": "w{n}", "extra_config": {{"workflow": {{"endpoint": "/__workflow/w{n}", {timeout}"ignore_errors": {ignore_errors}, "extra_config": {{"proxy": {{"sequential": {sequential}}}}}, "backend": [{}]}}}}}}"#,
                children.join(", ")
            )
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn every_request_ends_once_within_the_timeout_plus_the_overhead(
        roots in prop::collection::vec(tree(), 1..4),
        sequential in any::<bool>(),
        hedge in 1u32..4,
        timeout_ms in 20u32..400,
        latencies in prop::collection::vec(1u32..150, 4),
        failures in prop::collection::vec(0u32..60, 4),
        slots in prop::option::of(1u32..6),
        overhead_ms in 0u32..4,
    ) {
        let mut n = 0;
        let backends: Vec<String> = roots.iter().map(|t| backend(t, &mut n)).collect();
        let config = format!(
            r#"{{"version": 3, "endpoints": [{{"endpoint": "/x", "method": "GET", "timeout": "{timeout_ms}ms", "concurrent_calls": {hedge}, "extra_config": {{"proxy": {{"sequential": {sequential}}}}}, "backend": [{}]}}]}}"#,
            backends.join(", ")
        );
        let behaviors: String = (0..4)
            .map(|h| format!(
                "  \"http://h{h}:80\": {{ latency: {{ distribution: exponential, mean: {}ms }}, status: {{ 200: {}%, 503: {}% }} }}\n",
                latencies[h], 100 - failures[h], failures[h]
            ))
            .collect();
        let gateway = match slots {
            Some(n) => format!("  krakend: {{ concurrency: {n}, overhead: {overhead_ms}ms }}\n"),
            None => format!("  krakend: {{ overhead: {overhead_ms}ms }}\n"),
        };
        let scenario = format!(
            "kind: scenario\nname: p\nduration: 5s\nbehaviors:\n{behaviors}{gateway}traffic:\n  - {{ to: \"GET /x\", rate: 100/s, headers: {{ X-Kind: {{ a: 50%, b: 50% }} }} }}\n"
        );
        let dir = std::env::temp_dir().join(format!("rehearse-api-props-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp folder");
        let inputs: Vec<Input> = [("krakend.json", &config), ("s.yaml", &scenario)]
            .iter()
            .map(|(f, t)| {
                let path = dir.join(f);
                std::fs::write(&path, t).expect("write");
                Input::reported(path.display().to_string(), t.as_bytes().to_vec())
            })
            .collect();
        let checked = check(inputs, &Options::default());
        prop_assert_eq!(checked.errors(), 0, "{:#?}", checked.diagnostics);
        let result = run(&checked.project, RunOptions::default()).expect("runs");
        let e = &result.endpoints["GET /x"];
        let requests = e["requests"].as_u64().unwrap();
        prop_assert!(requests > 0);
        prop_assert_eq!(requests, e["complete"].as_u64().unwrap() + e["incomplete"].as_u64().unwrap());
        let statuses: u64 = e["status"].as_object().unwrap().values().map(|v| v.as_u64().unwrap()).sum();
        prop_assert_eq!(statuses, requests);
        // Every backend not skipped is called at least once per request that reached it;
        // a root backend is reached by every request of a parallel endpoint that got a
        // gateway slot before its timeout.
        let limited = slots.is_some() || overhead_ms > 0;
        prop_assert_eq!(e.get("gateway").is_some(), limited);
        let count = |key: &str| e.get("gateway").map_or(0, |g| g[key].as_u64().unwrap());
        let gave_up = count("timed_out_waiting");
        prop_assert!(gave_up <= count("waited"));
        if slots.is_none() {
            prop_assert_eq!(gave_up, 0);
        }
        let started = requests - gave_up;
        for (label, b) in e["backends"].as_object().unwrap() {
            let (calls, skipped) = (b["calls"].as_u64().unwrap(), b["skipped"].as_u64().unwrap());
            if !sequential && b["depth"] == 0 {
                prop_assert!(calls + skipped >= started, "{}: {} + {} < {}", label, calls, skipped, started);
            }
            prop_assert!(b["cancelled"].as_u64().unwrap() <= calls);
        }
        // No response takes longer than the endpoint's timeout plus the gateway's overhead:
        // the wait for a slot consumes the timeout.
        let max_ms = e["max_ms"].as_f64().unwrap();
        let bound = f64::from(timeout_ms + overhead_ms);
        prop_assert!(max_ms <= bound, "{} > {}", max_ms, bound);
    }
}
