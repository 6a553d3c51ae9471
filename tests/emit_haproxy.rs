//! `rehearse emit --target haproxy`: Vamp's 13 golden configurations reproduced (a
//! normalizing comparison, not a snapshot of our own output), every emitted configuration
//! accepted by `haproxy -c`, and `--at` giving the weights the rehearsal's run JSON shows.

mod common;

use rehearse::check::{check, Input, Options};
use rehearse::emit::gateways::{self, RuntimeState};
use rehearse::emit::haproxy::{self, acl, GatewayInput, Settings, TargetInput};
use rehearse::source::Span;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/emit/haproxy")
}

/// The settings of Vamp's `HaProxyGatewayMarshallerSpec` (no preamble: the goldens are Vamp's
/// part only).
fn spec_settings() -> Settings {
    Settings {
        socket_path: "/usr/local/vamp".into(),
        ip: "111.222.333.444".into(),
        virtual_hosts_ip: "0.0.0.0".into(),
        virtual_hosts_port: 80,
        preamble: false,
        version_comment: "1.6".into(),
    }
}

/// The spec's own comparison (drop blank lines and comments, collapse whitespace), plus the
/// orderings Vamp leaves unspecified: ACL lines in a block are sorted, and a `use_backend ...
/// if` condition is compared as a set of AND-terms, each a set of literals.
fn normalize(text: &str) -> Vec<String> {
    let lines: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .map(|l| match l.split_once(" if ") {
            Some((head, condition)) if head.starts_with("use_backend ") => {
                let mut terms: Vec<String> = condition
                    .split(" or ")
                    .map(|term| {
                        let mut literals: Vec<&str> = term.split(' ').collect();
                        literals.sort_unstable();
                        literals.join(" ")
                    })
                    .collect();
                terms.sort();
                format!("{head} if {}", terms.join(" or "))
            }
            _ => l,
        })
        .collect();
    // Sort each run of consecutive `acl` lines.
    let mut out = Vec::new();
    let mut run: Vec<String> = Vec::new();
    for line in lines {
        if line.starts_with("acl ") {
            run.push(line);
            continue;
        }
        run.sort();
        out.append(&mut run);
        out.push(line);
    }
    run.sort();
    out.append(&mut run);
    out
}

fn golden(shared: &Path, n: u32) -> String {
    std::fs::read_to_string(shared.join(format!("corpus/vamp/haproxy/configuration_{n}.txt")))
        .expect("golden")
}

/// Targets of fixture `file`: (gateway, route path) → the spec's `InternalRouteTarget`s.
fn targets(file: &str, ip: &str) -> BTreeMap<(String, String), Vec<TargetInput>> {
    let text = std::fs::read_to_string(fixtures().join("targets.tsv")).unwrap();
    let mut map: BTreeMap<(String, String), Vec<TargetInput>> = BTreeMap::new();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let f: Vec<&str> = line.split('\t').collect();
        if f[0] != file {
            continue;
        }
        let host = if f[4].is_empty() { ip } else { f[4] };
        map.entry((f[1].to_owned(), f[2].to_owned()))
            .or_default()
            .push(TargetInput::Internal {
                name: f[3].to_owned(),
                host: host.to_owned(),
                port: f[5].parse().unwrap(),
                span: Span::point(rehearse::source::FileId(0), 0),
            });
    }
    map
}

/// The fixture's gateways through check and the emitter's resolution, with the spec's targets.
fn gateway_inputs(file: &str, settings: &Settings) -> Vec<GatewayInput> {
    let path = fixtures().join(format!("{file}.yml"));
    let checked = check(
        vec![Input::reported(
            path.display().to_string(),
            std::fs::read(&path).unwrap(),
        )],
        &Options::default(),
    );
    assert_eq!(checked.errors(), 0, "{file}: {:?}", checked.diagnostics);
    let mut inputs = gateways::resolve(
        &checked.project,
        &RuntimeState::default(),
        &settings.ip,
        &rehearse::emit::Options::default(),
    );
    let mut targets = targets(file, &settings.ip);
    for g in &mut inputs {
        for r in &mut g.routes {
            r.targets = targets
                .remove(&(g.name.clone(), r.path.join("/")))
                .unwrap_or_default();
        }
    }
    assert!(targets.is_empty(), "{file}: unused targets {targets:?}");
    inputs
}

#[test]
fn vamp_goldens_2_to_13_are_reproduced_from_gateway_artifacts() {
    let Some(shared) = common::shared_dir("vamp_goldens_2_to_13_are_reproduced") else {
        return;
    };
    let settings = spec_settings();
    for n in 2..=13 {
        let file = format!("configuration_{n}");
        let rendered = haproxy::render(&gateway_inputs(&file, &settings), &settings);
        let ours = normalize(&rendered.text);
        let theirs = normalize(&golden(&shared, n));
        for (i, (a, b)) in ours.iter().zip(&theirs).enumerate() {
            assert_eq!(
                a, b,
                "{file}: line {i} differs\n--- ours:\n{}",
                rendered.text
            );
        }
        assert_eq!(ours.len(), theirs.len(), "{file}: line counts differ");
        // What HAProxy 2.6 would refuse in the spec's own inputs is reported, by code.
        let mut codes: Vec<(&str, bool)> = rendered
            .diagnostics
            .iter()
            .map(|d| (d.code.id, d.is_error()))
            .collect();
        codes.sort_unstable();
        let expected: Vec<(&str, bool)> = match n {
            // `p_ext_jpg` is an ACL the spec never defines: `haproxy -c` says "unknown fetch
            // method 'p_ext_jpg'".
            7 => vec![("E004", true), ("E004", true)],
            // Two gateways on port 33001.
            10 => vec![("E005", false)],
            // ... and `balance custom`, which HAProxy refuses.
            11 => vec![("E001", true), ("E005", false)],
            _ => vec![],
        };
        assert_eq!(codes, expected, "{file}");
    }
}

#[test]
fn vamp_golden_1_is_reproduced_from_the_same_model() {
    let Some(shared) = common::shared_dir("vamp_golden_1_is_reproduced") else {
        return;
    };
    // The spec builds this one from HAProxy model values, not from a gateway.
    let condition = rehearse::syntax::condition::parse_route_condition(
        "< hdr_sub(user-agent) Firefox > AND < hdr_sub(user-agent) Chrome >",
    )
    .unwrap();
    let backend = |name: &str| haproxy::Backend {
        name: name.into(),
        lookup: name.into(),
        mode: haproxy::Mode::Http,
        balance: "roundrobin".into(),
        sticky: false,
        rewrites: Vec::new(),
        proxy_servers: Vec::new(),
        servers: Vec::new(),
        virtual_host: false,
    };
    let mut name1 = backend("name1");
    name1.proxy_servers.push(haproxy::ProxyServer {
        name: "server1".into(),
        lookup: "server1".into(),
        unix_sock: "/tmp/vamp_test_be_1_a.sock".into(),
        weight: 100,
    });
    let mut name2 = backend("name2");
    name2.rewrites.push((
        "/images/%[path]".into(),
        "p_ext_jpg path_end -i .jpg".into(),
    ));
    name2.servers.push(haproxy::Server {
        name: "test_be1_a_2".into(),
        lookup: "test_be1_a_2".into(),
        url: "192.168.59.103:8082".into(),
        weight: 100,
        check_interval: Some(10),
        resolve: false,
    });
    let model = haproxy::Model {
        frontends: vec![haproxy::Frontend {
            name: "name".into(),
            lookup: "name".into(),
            bind: Some(("0.0.0.0".into(), 8080)),
            mode: haproxy::Mode::Http,
            unix_sock: Some("/tmp/vamp_test_be_1_a.sock".into()),
            conditions: vec![haproxy::FrontendCondition {
                destination: ("name1".into(), "name1".into()),
                acls: acl::resolve(&condition).unwrap().unwrap(),
            }],
            default_backend: ("name1".into(), "name1".into()),
        }],
        backends: vec![name1, name2],
        virtual_host_frontends: Vec::new(),
        virtual_host_backends: Vec::new(),
        needs_resolvers: false,
    };
    let ours = normalize(&haproxy::render_model(&model, &spec_settings()));
    assert_eq!(ours, normalize(&golden(&shared, 1)));
}

/// `haproxy` on PATH, or `None` with a notice (a failure under REHEARSE_REQUIRE_SHARED=1).
fn haproxy_binary(test: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join("haproxy"))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        if std::env::var("REHEARSE_REQUIRE_SHARED").is_ok_and(|v| v == "1") {
            panic!("{test}: haproxy is not installed and REHEARSE_REQUIRE_SHARED=1");
        }
        eprintln!("notice: {test} skipped: haproxy not installed (apt-get install haproxy)");
    }
    found
}

/// Runs `haproxy -c` on `text`; `Err` with its output when it refuses the file.
fn haproxy_accepts(haproxy: &Path, text: &str, dir: &Path, name: &str) -> Result<(), String> {
    let path = dir.join(format!("{name}.cfg"));
    std::fs::write(&path, text).unwrap();
    let out = Command::new(haproxy)
        .arg("-c")
        .arg("-f")
        .arg(&path)
        .output()
        .expect("haproxy runs");
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

fn rehearse(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_rehearse"))
        .args(args)
        .output()
        .expect("rehearse runs")
}

#[test]
fn every_valid_vamp_corpus_case_and_spec_emits_a_config_haproxy_accepts() {
    let Some(shared) = common::shared_dir("emit_haproxy_corpus") else {
        return;
    };
    let Some(haproxy) = haproxy_binary("emit_haproxy_corpus") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let corpus = shared.join("corpus/vamp");
    let cases = std::fs::read_to_string(corpus.join("CASES.tsv")).unwrap();
    let (mut accepted, mut nothing, mut refused_by_us) = (0, 0, 0);
    let mut rejected_by_haproxy = Vec::new();
    for line in cases.lines().filter(|l| !l.starts_with('#')).skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        if f.get(4) != Some(&"valid") {
            continue;
        }
        let file = corpus.join(f[0]);
        let out = rehearse(&["emit", file.to_str().unwrap(), "--target", "haproxy"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        match out.status.code() {
            Some(0) => {
                let text = String::from_utf8(out.stdout).unwrap();
                match haproxy_accepts(&haproxy, &text, tmp.path(), f[0]) {
                    Ok(()) => accepted += 1,
                    Err(e) => rejected_by_haproxy.push(format!("{}: {e}", f[0])),
                }
            }
            Some(1) if stderr.contains("E007") => nothing += 1,
            // The check found an error, or an E-code refused what HAProxy cannot take.
            Some(1) => refused_by_us += 1,
            other => panic!("{}: exit {other:?}: {stderr}", f[0]),
        }
    }
    // Each spec scenario, as deployed, and the project's own gateways.
    let specs = Path::new(env!("CARGO_MANIFEST_DIR")).join("specs");
    for entry in std::fs::read_dir(&specs).unwrap() {
        let dir = entry.unwrap().path();
        let checked_dir = dir.to_str().unwrap().to_owned();
        let scenarios = rehearse(&["check", &checked_dir, "--format", "json"]);
        assert!(scenarios.status.success(), "{checked_dir} checks clean");
        for scenario in scenario_names(&dir) {
            for at in [None, Some("0s"), Some("30s"), Some("2m")] {
                let mut args = vec![
                    "emit",
                    &checked_dir,
                    "--target",
                    "haproxy",
                    "--scenario",
                    &scenario,
                ];
                if let Some(at) = at {
                    args.extend(["--at", at]);
                }
                let out = rehearse(&args);
                assert!(
                    out.status.success(),
                    "{args:?}: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
                let text = String::from_utf8(out.stdout).unwrap();
                haproxy_accepts(&haproxy, &text, tmp.path(), "spec")
                    .unwrap_or_else(|e| panic!("{args:?}: haproxy -c refused:\n{e}"));
                accepted += 1;
            }
        }
    }
    println!(
        "haproxy -c accepted {accepted} emitted configs; {nothing} corpus cases have no gateway; \
         {refused_by_us} refused by check or an E-code"
    );
    assert!(
        rejected_by_haproxy.is_empty(),
        "haproxy -c rejected:\n{}",
        rejected_by_haproxy.join("\n")
    );
    assert!(accepted >= 10, "too few configs emitted: {accepted}");
}

/// The names of the `kind: scenario` documents under `dir`.
fn scenario_names(dir: &Path) -> Vec<String> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap_or_default();
        if !text.contains("kind: scenario") {
            continue;
        }
        names.extend(
            text.lines()
                .filter_map(|l| l.strip_prefix("name: "))
                .map(|n| n.trim().to_owned()),
        );
    }
    names.sort();
    names
}

/// Weights of the `o_` backend of gateway `gateway` in an emitted config, by route name.
fn emitted_weights(text: &str, gateway: &str) -> BTreeMap<String, u32> {
    let header = format!("# backend: other {gateway}");
    let mut weights = BTreeMap::new();
    let mut inside = false;
    let mut route = None;
    for line in text.lines().map(str::trim) {
        if line.starts_with("# backend:") {
            inside = line == header;
            continue;
        }
        if !inside {
            continue;
        }
        if let Some(name) = line.strip_prefix("# server: ") {
            route = name.split_once("//").map(|(_, r)| r.to_owned());
        } else if line.starts_with("server ") {
            let words: Vec<&str> = line.split_whitespace().collect();
            let w = words.iter().position(|w| *w == "weight").unwrap();
            weights.insert(route.take().unwrap(), words[w + 1].parse().unwrap());
        }
    }
    weights
}

#[test]
fn at_gives_the_weights_and_servers_the_run_json_shows() {
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("specs/sava");
    let spec = spec.to_str().unwrap();
    let scenario = "sava-crash-during-canary";
    let run = rehearse(&["run", spec, "--scenario", scenario, "--format", "json"]);
    let run: serde_json::Value = serde_json::from_slice(&run.stdout).expect("run JSON");
    let decisions = run["decisions"].as_array().unwrap();
    let gateway = "sava/sava/web";
    // The declared weights, then each `weights` or `rollback` decision in time order.
    let weight_at = |t: f64| -> BTreeMap<String, u32> {
        let mut w: BTreeMap<String, u32> = [
            ("sava/sava/sava:1.0/web".to_owned(), 100),
            ("sava/sava/sava:1.1/web".to_owned(), 0),
        ]
        .into();
        for d in decisions {
            let sets_weights = d["kind"] == "weights" || d["kind"] == "rollback";
            if sets_weights && d["target"] == gateway && d["t_s"].as_f64().unwrap() <= t {
                for (route, value) in d["detail"].as_object().unwrap() {
                    w.insert(route.clone(), value.as_u64().unwrap() as u32);
                }
            }
        }
        w
    };
    let mut distinct = std::collections::BTreeSet::new();
    for t in [0, 12, 26, 28, 31, 45, 90, 150, 239] {
        let at = format!("{t}s");
        let out = rehearse(&[
            "emit",
            spec,
            "--target",
            "haproxy",
            "--scenario",
            scenario,
            "--at",
            &at,
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).unwrap();
        let ours = emitted_weights(&text, gateway);
        assert_eq!(ours, weight_at(t as f64), "weights at {at}");
        distinct.insert(ours.into_iter().collect::<Vec<_>>());
        // sava:1.1's instances are killed at 27 s and ready again 20 s + 10 s later: between,
        // its route backend lists no server.
        let servers_11 = servers_of_route(&text, "sava/sava/web//sava/sava/sava:1.1/web");
        if (28..57).contains(&t) {
            assert!(
                servers_11.is_empty(),
                "at {at} sava:1.1 has no ready instance"
            );
        } else {
            // The servers are the run's instances, named as its decisions name them.
            let expected: Vec<String> =
                (1..=4).map(|n| format!("sava/sava/sava:1.1#{n}")).collect();
            assert_eq!(servers_11, expected, "at {at}");
        }
        if t == 90 {
            let ready: Vec<String> = decisions
                .iter()
                .filter(|d| d["kind"] == "ready" && d["target"] == "sava:1.1")
                .map(|d| format!("sava/sava/{}", d["detail"]["instance"].as_str().unwrap()))
                .collect();
            assert_eq!(servers_11, ready, "the instances the run restarted");
        }
    }
    assert!(
        distinct.len() >= 4,
        "the times chosen cover several canary steps"
    );
}

/// The server names (their comments) of the route backend named `name`.
fn servers_of_route(text: &str, name: &str) -> Vec<String> {
    let header = format!("# backend: {name}");
    let mut inside = false;
    let mut servers = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.starts_with("# backend:") {
            inside = line == header;
        } else if let Some(server) = line.strip_prefix("# server: ").filter(|_| inside) {
            servers.push(server.to_owned());
        }
    }
    servers
}

#[test]
fn emit_is_byte_identical_across_runs() {
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("specs/sava");
    let args = [
        "emit",
        spec.to_str().unwrap(),
        "--target",
        "haproxy",
        "--scenario",
        "sava-crash-during-canary",
        "--at",
        "40s",
    ];
    let first = rehearse(&args);
    assert!(first.status.success());
    assert_eq!(first.stdout, rehearse(&args).stdout);
}
