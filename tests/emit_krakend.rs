//! `rehearse emit --target krakend` (issue 11): the KrakenD IR → `krakend.json`.
//!
//! - every valid config of ../shared/corpus/krakend round-trips check → emit → check with no
//!   new diagnostic and an equal IR (positions aside), with and without `--explicit`;
//! - every emitted file passes ../shared/oracles/krakend_lint.py (v2.7 and v2.13) and
//!   lura_check.py wherever its source does (one Python process per oracle for all files);
//! - a YAML source with anchors and merge keys emits the same JSON as its hand-expanded twin;
//! - hostile names and ports give a diagnostic or a config the oracles accept;
//! - the real-world set (tests/data/realworld/krakend, templates rendered) round-trips too.

mod common;

use rehearse::check::{check, Checked, Input, Options};
use rehearse::dialect::krakend::flexible::FlexibleConfig;
use rehearse::dialect::krakend::implies_lint_failure;
use rehearse::dialect::Kind;
use rehearse::emit::{self, Emitted, Target};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

fn check_krakend(path: &str, bytes: Vec<u8>, options: &Options) -> Checked {
    check(
        vec![Input {
            path: path.to_string(),
            bytes,
            reported: true,
            forced_kind: Some(Kind::Krakend),
        }],
        options,
    )
}

fn emit_krakend(checked: &Checked, explicit: bool) -> Emitted {
    let paths = checked
        .sources
        .ids()
        .map(|id| (id, checked.sources.get(id).path.clone()))
        .collect();
    emit::emit(
        &checked.project,
        Target::Krakend,
        &emit::Options {
            paths,
            explicit,
            ..emit::Options::default()
        },
    )
}

/// The KrakenD IR with positions (spans, file ids) taken out: what the config says.
fn ir_shape(checked: &Checked) -> String {
    let text = format!("{:?}", checked.project.krakend);
    let spans = regex::Regex::new(r"\d+:\d+\.\.\d+").unwrap();
    let files = regex::Regex::new(r"FileId\(\d+\)").unwrap();
    files
        .replace_all(&spans.replace_all(&text, "_"), "FileId(_)")
        .into_owned()
}

/// Each finding as `code message`.
fn findings(checked: &Checked) -> BTreeSet<String> {
    checked
        .diagnostics
        .iter()
        .map(|d| format!("{} {}", d.code.id, d.message))
        .collect()
}

/// What one round trip gave.
enum Trip {
    /// The source has errors: nothing to emit.
    Invalid,
    /// The emitted text, or why the round trip failed.
    Done { text: String, problems: Vec<String> },
}

/// check → emit → check: the emitted config, and what differs (new findings, another IR).
fn round_trip(before: &Checked, explicit: bool) -> Trip {
    if before.errors() > 0 {
        return Trip::Invalid;
    }
    let emitted = emit_krakend(before, explicit);
    let mut problems: Vec<String> = emitted
        .diagnostics
        .iter()
        .map(|d| format!("emit: {} {}", d.code.id, d.message))
        .collect();
    let [document] = emitted.documents.as_slice() else {
        problems.push(format!("{} documents emitted", emitted.documents.len()));
        return Trip::Done {
            text: String::new(),
            problems,
        };
    };
    let after = check_krakend(
        &document.name,
        document.text.clone().into_bytes(),
        &Options::default(),
    );
    let old = findings(before);
    for new in findings(&after).difference(&old) {
        problems.push(format!("new finding: {new}"));
    }
    if ir_shape(before) != ir_shape(&after) {
        problems.push(first_difference(&ir_shape(before), &ir_shape(&after)));
    }
    Trip::Done {
        text: document.text.clone(),
        problems,
    }
}

/// Where two IR texts part, with some context.
fn first_difference(a: &str, b: &str) -> String {
    let at = a
        .bytes()
        .zip(b.bytes())
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()));
    let around = |s: &str| {
        s.char_indices()
            .skip_while(|(i, _)| *i + 80 < at)
            .take_while(|(i, _)| *i < at + 80)
            .map(|(_, c)| c)
            .collect::<String>()
    };
    format!("IR differs: …{}… became …{}…", around(a), around(b))
}

struct Case {
    file: String,
    expected: String,
    lura: String,
    lint_v2_7: String,
    lint_v2_13: String,
}

fn corpus_cases(corpus: &Path) -> Vec<Case> {
    let tsv = std::fs::read_to_string(corpus.join("CASES.tsv")).expect("CASES.tsv");
    tsv.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .skip(1)
        .filter_map(|line| {
            let cols: Vec<&str> = line.split('\t').collect();
            Some(Case {
                file: cols.first()?.to_string(),
                expected: cols.get(4)?.to_string(),
                lura: cols.get(7)?.to_string(),
                lint_v2_7: cols.get(8)?.to_string(),
                lint_v2_13: cols.get(9)?.to_string(),
            })
        })
        .collect()
}

fn oracle_python() -> Option<PathBuf> {
    let root = std::env::var_os("REHEARSE_ORACLES")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/rehearse-oracles"))
        })?;
    let python = root.join("bin/python");
    if python.exists() {
        return Some(python);
    }
    if std::env::var("REHEARSE_REQUIRE_SHARED").is_ok_and(|v| v == "1") {
        panic!("krakend emit oracle: no venv at $REHEARSE_ORACLES (run oracles/setup.sh)");
    }
    eprintln!("notice: krakend emit oracles skipped: no venv (run ../shared/oracles/setup.sh)");
    None
}

/// Runs one oracle script over every file at once: file → `OK` or its complaint.
fn oracle(
    python: &Path,
    script: &Path,
    args: &[&str],
    files: &[PathBuf],
) -> BTreeMap<PathBuf, String> {
    let output = Command::new(python)
        .arg(script)
        .args(args)
        .args(files)
        .output()
        .expect("run the oracle");
    assert!(
        output.status.success(),
        "{}: {}",
        script.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let verdicts: BTreeMap<PathBuf, String> = files
        .iter()
        .zip(stdout.lines())
        .map(|(file, line)| {
            let shown = file.display().to_string();
            assert!(line.starts_with(&shown), "{line} is not about {shown}");
            (file.clone(), line[shown.len()..].trim().to_string())
        })
        .collect();
    assert_eq!(verdicts.len(), files.len(), "one verdict per file");
    verdicts
}

/// An emitted file and the verdicts its source got (`None`: not recorded, must pass).
struct Emitted1 {
    path: PathBuf,
    lura: Option<String>,
    lint_v2_7: Option<String>,
    lint_v2_13: Option<String>,
}

/// Whether a recorded source verdict is a pass.
fn passes(recorded: &Option<String>) -> bool {
    recorded.as_deref().is_none_or(|v| v == "OK")
}

/// Runs the three oracles over every emitted file; an emitted file must pass each one its
/// source passes. Prints how many failing sources the emit repaired.
fn judge(python: &Path, shared: &Path, emitted: &[Emitted1]) {
    let files: Vec<PathBuf> = emitted.iter().map(|e| e.path.clone()).collect();
    let oracles = shared.join("oracles");
    let lura = oracle(python, &oracles.join("lura_check.py"), &[], &files);
    let v27 = oracle(python, &oracles.join("krakend_lint.py"), &["v2.7"], &files);
    let v213 = oracle(python, &oracles.join("krakend_lint.py"), &["v2.13"], &files);
    type Recorded = fn(&Emitted1) -> Option<String>;
    let columns: [(&str, &BTreeMap<PathBuf, String>, Recorded); 3] = [
        ("lura_check", &lura, |e| e.lura.clone()),
        ("lint v2.7", &v27, |e| e.lint_v2_7.clone()),
        ("lint v2.13", &v213, |e| e.lint_v2_13.clone()),
    ];
    let mut failures = Vec::new();
    for (name, verdicts, recorded) in columns {
        let (mut ok, mut repaired, mut kept) = (0, 0, 0);
        for e in emitted {
            let verdict = &verdicts[&e.path];
            let source = recorded(e);
            match (verdict == "OK", passes(&source)) {
                (true, true) => ok += 1,
                (true, false) => repaired += 1,
                (false, false) => kept += 1,
                (false, true) => failures.push(format!(
                    "{name}: {} fails ({verdict}) although its source passes",
                    e.path.display()
                )),
            }
        }
        println!(
            "{name}: {ok} pass as their source does, {repaired} pass where the source failed, {kept} fail as their source does, of {}",
            emitted.len()
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn corpus_round_trips_and_passes_the_oracles() {
    let Some(shared) = common::shared_dir("krakend emit corpus") else {
        return;
    };
    let corpus = shared.join("corpus/krakend");
    let out = tempfile::tempdir().unwrap();
    let mut emitted = Vec::new();
    let mut problems = Vec::new();
    let (mut valid, mut invalid) = (0, 0);
    let started = std::time::Instant::now();
    for case in corpus_cases(&corpus) {
        if !case.expected.starts_with("valid") {
            continue;
        }
        let path = corpus.join(&case.file);
        let bytes = std::fs::read(&path).expect("corpus file");
        let before = check_krakend(&path.display().to_string(), bytes, &Options::default());
        for explicit in [false, true] {
            match round_trip(&before, explicit) {
                Trip::Invalid => {
                    invalid += 1;
                    println!("not emitted (rehearse reports an error): {}", case.file);
                    break;
                }
                Trip::Done { text, problems: p } => {
                    problems.extend(p.into_iter().map(|p| {
                        format!(
                            "{}{}: {p}",
                            case.file,
                            if explicit { " --explicit" } else { "" }
                        )
                    }));
                    let stem = Path::new(&case.file).file_stem().unwrap().to_string_lossy();
                    // Numbered: corpus files in different folders share stems.
                    let written = out.path().join(format!(
                        "{:03}-{stem}{}.json",
                        emitted.len(),
                        if explicit { ".explicit" } else { "" }
                    ));
                    std::fs::write(&written, text).unwrap();
                    // A source the oracles could not read (YAML, TOML) fails the lint where
                    // rehearse finds something the lint refuses; else its emit must pass.
                    let lint_finding = before.diagnostics.iter().any(implies_lint_failure);
                    let recorded = |v: &str, lint: bool| match v.starts_with("n/a") {
                        false => Some(v.to_string()),
                        true if lint && lint_finding => {
                            Some("rehearse: a lint finding".to_string())
                        }
                        true => None,
                    };
                    emitted.push(Emitted1 {
                        path: written,
                        lura: recorded(&case.lura, false),
                        lint_v2_7: recorded(&case.lint_v2_7, true),
                        lint_v2_13: recorded(&case.lint_v2_13, true),
                    });
                    if !explicit {
                        valid += 1;
                    }
                }
            }
        }
    }
    println!(
        "corpus: {valid} valid configs emitted (and again with --explicit), {invalid} not emitted, in {:?} (check, emit and re-check)",
        started.elapsed()
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(valid >= 80, "only {valid} valid corpus configs emitted");
    if let Some(python) = oracle_python() {
        judge(&python, &shared, &emitted);
    }
}

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/emit/krakend")
        .join(name)
}

fn emitted_text(path: &Path, explicit: bool) -> String {
    let before = check_krakend(
        &path.display().to_string(),
        std::fs::read(path).unwrap(),
        &Options::default(),
    );
    assert_eq!(before.errors(), 0, "{:?}", findings(&before));
    let emitted = emit_krakend(&before, explicit);
    assert_eq!(emitted.errors(), 0, "{:?}", emitted.diagnostics);
    assert_eq!(emitted.documents.len(), 1);
    assert_eq!(emitted.documents[0].name, "anchors.json");
    emitted.documents[0].text.clone()
}

#[test]
fn yaml_with_anchors_emits_the_json_of_its_expanded_twin() {
    for explicit in [false, true] {
        let from_yaml = emitted_text(&data("anchors.yaml"), explicit);
        let from_json = emitted_text(&data("anchors.json"), explicit);
        assert_eq!(from_yaml, from_json);
        // The merge gave the POST backend the shared host and breaker, and the comments stay.
        let value: serde_json::Value = serde_json::from_str(&from_yaml).unwrap();
        let post = &value["endpoints"][1]["backend"][0];
        assert_eq!(post["host"][0], "http://orders:8080");
        assert_eq!(post["url_pattern"], "/orders");
        assert_eq!(post["extra_config"]["qos/circuit-breaker"]["max_errors"], 5);
        assert_eq!(
            value["@comment"],
            "Backends share settings through anchors."
        );
        assert_eq!(
            value["endpoints"][0]["@comment"],
            "The first use defines the anchors."
        );
        // Defaults are written only when asked for.
        assert_eq!(value["endpoints"][0].get("method").is_some(), explicit);
        assert_eq!(value["endpoints"][2]["timeout"], "1500ms");
    }
}

/// Configs with hostile values: each gives an emit diagnostic or a config the oracles accept.
fn hostile_configs() -> Vec<(&'static str, String)> {
    let long = "x".repeat(10_000);
    let mut many =
        String::from(r#"{"version": 3, "host": ["http://backend:8080"], "endpoints": ["#);
    for i in 0..10_000 {
        if i > 0 {
            many.push(',');
        }
        many.push_str(&format!(
            r#"{{"endpoint": "/r{i}/{{id}}", "backend": [{{"url_pattern": "/r/{{id}}"}}]}}"#
        ));
    }
    many.push_str("]}");
    vec![
        (
            "names",
            format!(
                r#"{{"version": 3, "name": "gätewäy \"quoted\" \\ back\tslash {long}",
                "@comment": "line one\nline two \u0001 ✓",
                "endpoints": [{{"endpoint": "/ünï cødé/{{id}}", "method": "post",
                  "input_headers": ["x-üser", "x-request-id"],
                  "backend": [{{"url_pattern": "/a b/{{id}}", "host": ["http://svc.example:8080"],
                    "mapping": {{"a b": "ç d"}}}}]}}]}}"#
            ),
        ),
        ("port_high", r#"{"version": 3, "port": 70000}"#.to_string()),
        ("port_negative", r#"{"version": 3, "port": -1}"#.to_string()),
        ("port_string", r#"{"version": 3, "port": "9090"}"#.to_string()),
        ("port_zero", r#"{"version": 3, "port": 0}"#.to_string()),
        ("routes_10000", many),
        (
            "yaml_nan",
            "version: 3\nendpoints:\n  - endpoint: /a\n    extra_config:\n      x: .nan\n    backend:\n      - url_pattern: /a\n".to_string(),
        ),
    ]
}

#[test]
fn hostile_names_and_ports_give_a_diagnostic_or_a_valid_config() {
    let Some(shared) = common::shared_dir("krakend emit hostile") else {
        return;
    };
    let out = tempfile::tempdir().unwrap();
    let mut written = Vec::new();
    let mut refused = BTreeMap::new();
    for (name, text) in hostile_configs() {
        let source = if name.starts_with("yaml") {
            format!("{name}.yaml")
        } else {
            format!("{name}.json")
        };
        let before = check_krakend(&source, text.into_bytes(), &Options::default());
        if before.errors() > 0 {
            refused.insert(name, format!("check: {:?}", findings(&before)));
            continue;
        }
        let started = std::time::Instant::now();
        let emitted = emit_krakend(&before, false);
        if name == "routes_10000" {
            println!("emit of 10 000 endpoints: {:?}", started.elapsed());
        }
        if emitted.errors() > 0 {
            let codes: Vec<&str> = emitted.diagnostics.iter().map(|d| d.code.id).collect();
            refused.insert(name, codes.join(" "));
            assert!(emitted.documents.is_empty() || emitted.documents.len() == 1);
            continue;
        }
        let Trip::Done { text, problems } = round_trip(&before, false) else {
            unreachable!()
        };
        assert!(problems.is_empty(), "{name}: {problems:?}");
        let path = out.path().join(format!("{name}.json"));
        std::fs::write(&path, text).unwrap();
        written.push(Emitted1 {
            path,
            lura: None,
            lint_v2_7: None,
            lint_v2_13: None,
        });
    }
    println!("refused: {refused:?}");
    for name in ["port_high", "port_negative", "yaml_nan"] {
        assert!(
            refused.get(name).is_some_and(|why| why.contains("E03")),
            "{name}: {:?}",
            refused.get(name)
        );
    }
    for name in ["names", "port_string", "port_zero", "routes_10000"] {
        assert!(
            written
                .iter()
                .any(|w| w.path.ends_with(format!("{name}.json"))),
            "{name} not emitted: {:?}",
            refused.get(name)
        );
    }
    if let Some(python) = oracle_python() {
        judge(&python, &shared, &written);
    }
}

fn realworld_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/realworld/krakend")
}

/// The flexible-config folders of a real-world row's repository (its rehearse.toml).
fn flexible_config(file: &str) -> Option<FlexibleConfig> {
    let root = realworld_dir().join(file.split('/').next()?);
    let config = rehearse::config::ProjectConfig::load(&root)?.expect("rehearse.toml parses");
    FlexibleConfig::from_project(&root, &config.krakend)
}

#[test]
fn realworld_configs_round_trip() {
    let tsv = std::fs::read_to_string(realworld_dir().join("VERDICTS.tsv")).unwrap();
    let (mut agreed, mut invalid, mut templates) = (0, 0, 0);
    let mut problems = Vec::new();
    let rows: Vec<String> = tsv
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .skip(1)
        .filter_map(|l| l.split('\t').next().map(str::to_string))
        .collect();
    for file in &rows {
        let path = realworld_dir().join(file);
        let options = Options {
            krakend_flexible: flexible_config(file),
            ..Options::default()
        };
        let before = check_krakend(
            &path.display().to_string(),
            std::fs::read(&path).unwrap(),
            &options,
        );
        match round_trip(&before, false) {
            Trip::Invalid => invalid += 1,
            Trip::Done { problems: p, .. } if p.is_empty() => {
                agreed += 1;
                if before
                    .sources
                    .ids()
                    .any(|id| before.sources.get(id).path.ends_with(" (rendered)"))
                {
                    templates += 1;
                }
            }
            Trip::Done { problems: p, .. } => problems.push(format!("{file}: {}", p.join("; "))),
        }
    }
    println!(
        "real-world: {agreed} of {} emitted configs round-trip ({templates} rendered templates); {invalid} not emitted (errors)",
        agreed + problems.len()
    );
    for p in &problems {
        println!("  {p}");
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(agreed >= 40, "only {agreed} real-world configs emitted");
}

fn rehearse(args: &[&str], dir: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_rehearse"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

#[test]
fn cli_writes_one_file_per_config_or_one_to_stdout() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(data("anchors.yaml"), dir.path().join("gateway.yaml")).unwrap();
    std::fs::write(
        dir.path().join("edge.json"),
        r#"{"version": 3, "endpoints": [{"endpoint": "/a", "backend": [{"url_pattern": "/a", "host": ["http://a:80"]}]}]}"#,
    )
    .unwrap();
    let run = rehearse(
        &[
            "emit",
            "gateway.yaml",
            "edge.json",
            "--target",
            "krakend",
            "--out",
            "out",
        ],
        dir.path(),
    );
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let mut names: Vec<String> = std::fs::read_dir(dir.path().join("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["edge.json", "gateway.json"]);
    let gateway = std::fs::read_to_string(dir.path().join("out/gateway.json")).unwrap();
    assert_eq!(gateway, emitted_text(&data("anchors.json"), false));

    // Two configs do not fit on stdout; one does.
    let both = rehearse(
        &["emit", "gateway.yaml", "edge.json", "--target", "krakend"],
        dir.path(),
    );
    assert_eq!(both.status.code(), Some(2));
    let one = rehearse(
        &["emit", "gateway.yaml", "--target", "krakend", "--explicit"],
        dir.path(),
    );
    assert!(
        one.status.success(),
        "{}",
        String::from_utf8_lossy(&one.stderr)
    );
    assert_eq!(
        String::from_utf8(one.stdout).unwrap(),
        emitted_text(&data("anchors.json"), true)
    );

    // A port KrakenD cannot listen on: E030, nothing written.
    std::fs::write(
        dir.path().join("bad.json"),
        r#"{"version": 3, "port": 70000, "endpoints": [{"endpoint": "/a", "backend": [{"url_pattern": "/a", "host": ["http://a:80"]}]}]}"#,
    )
    .unwrap();
    let bad = rehearse(
        &["emit", "bad.json", "--target", "krakend", "--out", "bad"],
        dir.path(),
    );
    assert_eq!(bad.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(stderr.contains("E030"), "{stderr}");
    // Pointing at the port (line 1, column 24).
    assert!(stderr.contains("bad.json:1:24"), "{stderr}");
    assert!(!dir.path().join("bad").exists());

    // --at has no meaning for a KrakenD config.
    let at = rehearse(
        &["emit", "edge.json", "--target", "krakend", "--at", "3s"],
        dir.path(),
    );
    assert_eq!(at.status.code(), Some(2));
}

#[test]
fn two_configs_on_one_output_name_are_refused() {
    let config = r#"{"version": 3, "endpoints": [{"endpoint": "/a", "backend": [{"url_pattern": "/a", "host": ["http://a:80"]}]}]}"#;
    let checked = check(
        ["east/krakend.json", "west/krakend.json"]
            .iter()
            .map(|path| Input {
                path: path.to_string(),
                bytes: config.as_bytes().to_vec(),
                reported: true,
                forced_kind: Some(Kind::Krakend),
            })
            .collect(),
        &Options::default(),
    );
    assert_eq!(checked.errors(), 0, "{:?}", findings(&checked));
    let emitted = emit_krakend(&checked, false);
    let codes: Vec<&str> = emitted.diagnostics.iter().map(|d| d.code.id).collect();
    assert_eq!(codes, ["E031"]);
    assert_eq!(emitted.errors(), 1);
}
