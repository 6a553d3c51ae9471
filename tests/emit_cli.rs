//! `rehearse emit` as a command: all-or-nothing writes (a failure midway leaves no file and no
//! folder), exit codes, refusing to overwrite an input, and hostile inputs (a diagnostic or a
//! config HAProxy accepts, never one it rejects).

use rehearse::emit::write::{write_all, FileSystem, RealFileSystem};
use rehearse::emit::Document;
use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn rehearse(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rehearse"))
        .args(args)
        .output()
        .expect("rehearse runs")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

const GATEWAY: &str =
    "kind: gateway\nname: shop\nport: 9050\nroutes:\n  \"[10.1.2.3:8080]\":\n    weight: 100%\n";

/// Files under `dir`, hidden ones included.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn out_folder_is_created_only_when_the_emit_succeeds() {
    let tmp = tempfile::tempdir().unwrap();
    let project = tmp.path().join("project");
    std::fs::create_dir(&project).unwrap();
    let spec = write(&project, "gateway.yml", GATEWAY);

    let out = tmp.path().join("out");
    let ok = rehearse(&[
        "emit",
        spec.to_str().unwrap(),
        "--target",
        "haproxy",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(ok.status.success(), "{}", stderr(&ok));
    assert_eq!(listing(&out), ["haproxy.cfg"]);

    // A route HAProxy cannot take (E001): exit 1, no folder, nothing beside it.
    write(
        &project,
        "gateway.yml",
        &GATEWAY.replace("weight: 100%", "weight: 100%\n    balance: custom"),
    );
    let refused = tmp.path().join("refused");
    let failed = rehearse(&[
        "emit",
        spec.to_str().unwrap(),
        "--target",
        "haproxy",
        "--out",
        refused.to_str().unwrap(),
    ]);
    assert_eq!(failed.status.code(), Some(1), "{}", stderr(&failed));
    assert!(stderr(&failed).contains("E001"));
    assert!(!refused.exists());
    assert_eq!(listing(tmp.path()), ["out", "project"]);

    // Into the existing folder: the earlier file is left as it was.
    let before = std::fs::read(out.join("haproxy.cfg")).unwrap();
    let again = rehearse(&[
        "emit",
        spec.to_str().unwrap(),
        "--target",
        "haproxy",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(again.status.code(), Some(1));
    assert_eq!(std::fs::read(out.join("haproxy.cfg")).unwrap(), before);
    assert_eq!(listing(&out), ["haproxy.cfg"]);
}

/// A file system whose `fail_at`-th file write fails (an injected I/O error).
struct FailingFileSystem {
    fail_at: usize,
    writes: Cell<usize>,
}

impl FileSystem for FailingFileSystem {
    fn create_dir(&self, path: &Path) -> std::io::Result<()> {
        RealFileSystem.create_dir(path)
    }

    fn write_file(&self, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
        self.writes.set(self.writes.get() + 1);
        if self.writes.get() == self.fail_at {
            // Half the bytes reach the disk, then the device fails.
            std::fs::write(path, &bytes[..bytes.len() / 2])?;
            return Err(std::io::Error::other("injected: no space left on device"));
        }
        RealFileSystem.write_file(path, bytes)
    }

    fn rename(&self, from: &Path, to: &Path) -> std::io::Result<()> {
        RealFileSystem.rename(from, to)
    }

    fn remove_file(&self, path: &Path) {
        RealFileSystem.remove_file(path)
    }

    fn remove_dir_all(&self, path: &Path) {
        RealFileSystem.remove_dir_all(path)
    }
}

fn documents() -> Vec<Document> {
    ["a.yaml", "b.yaml", "c.yaml"]
        .iter()
        .map(|n| Document {
            name: (*n).to_owned(),
            text: format!("# {n}\n{}", "x: 1\n".repeat(1000)),
        })
        .collect()
}

#[test]
fn an_io_error_midway_leaves_no_file_and_no_folder() {
    let tmp = tempfile::tempdir().unwrap();
    for fail_at in 1..=3 {
        let fs = FailingFileSystem {
            fail_at,
            writes: Cell::new(0),
        };
        let out = tmp.path().join(format!("new-{fail_at}"));
        let result = write_all(&fs, &out, &documents());
        assert!(result.is_err());
        assert!(
            !out.exists(),
            "no folder after a failure at write {fail_at}"
        );
    }
    assert!(listing(tmp.path()).is_empty(), "no staging folder left");

    // Into an existing folder holding an older version: untouched, no temporary file left.
    let existing = tmp.path().join("existing");
    std::fs::create_dir(&existing).unwrap();
    std::fs::write(existing.join("a.yaml"), "old\n").unwrap();
    for fail_at in 1..=3 {
        let fs = FailingFileSystem {
            fail_at,
            writes: Cell::new(0),
        };
        assert!(write_all(&fs, &existing, &documents()).is_err());
        assert_eq!(listing(&existing), ["a.yaml"]);
        assert_eq!(
            std::fs::read_to_string(existing.join("a.yaml")).unwrap(),
            "old\n"
        );
    }
    // And without a failure every document is written whole.
    write_all(&RealFileSystem, &existing, &documents()).unwrap();
    assert_eq!(listing(&existing), ["a.yaml", "b.yaml", "c.yaml"]);
    assert_eq!(
        std::fs::read_to_string(existing.join("c.yaml")).unwrap(),
        documents()[2].text
    );
}

#[test]
fn write_failures_exit_2_and_inputs_are_never_overwritten() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = write(tmp.path(), "gateway.yml", GATEWAY);
    let spec = spec.to_str().unwrap();

    // A folder that cannot be made: its parent is a file.
    let blocked = tmp.path().join("gateway.yml/out");
    let out = rehearse(&[
        "emit",
        spec,
        "--target",
        "haproxy",
        "--out",
        blocked.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(listing(tmp.path()), ["gateway.yml"]);

    // --out naming an input is refused before anything is written.
    let out = rehearse(&["emit", spec, "--target", "haproxy", "--out", spec]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("input"));
    assert_eq!(std::fs::read_to_string(spec).unwrap(), GATEWAY);

    // A full device behind stdout.
    if Path::new("/dev/full").exists() {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_rehearse"))
            .args(["emit", spec, "--target", "haproxy"])
            .stdout(full)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    }
}

#[test]
fn check_errors_stop_the_emit_and_stdout_gets_one_document() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = write(tmp.path(), "gateway.yml", GATEWAY);
    let out = rehearse(&[
        "emit",
        spec.to_str().unwrap(),
        "--target",
        "haproxy",
        "--out",
        "-",
    ]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("server ") && text.contains("10.1.2.3:8080"));

    let broken = write(tmp.path(), "broken.yml", "kind: gateway\nname: [\n");
    let out = rehearse(&["emit", broken.to_str().unwrap(), "--target", "haproxy"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(
        stderr(&out).contains("Y001"),
        "the check's diagnostics: {}",
        stderr(&out)
    );

    let nothing = write(
        tmp.path(),
        "scale.yml",
        "kind: scale\nname: s\ncpu: 1\nmemory: 1GB\n",
    );
    let out = rehearse(&["emit", nothing.to_str().unwrap(), "--target", "haproxy"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("E007"));
}

/// `haproxy` on PATH, or `None` with a notice (a failure under REHEARSE_REQUIRE_SHARED=1).
fn haproxy_binary() -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join("haproxy"))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        if std::env::var("REHEARSE_REQUIRE_SHARED").is_ok_and(|v| v == "1") {
            panic!("haproxy is not installed and REHEARSE_REQUIRE_SHARED=1");
        }
        eprintln!("notice: haproxy -c skipped: haproxy not installed");
    }
    found
}

/// Emits `yaml`; returns Ok(config) or Err(stderr) for an exit 1 with a diagnostic. Any
/// emitted config must pass `haproxy -c`.
fn emit_hostile(dir: &Path, name: &str, yaml: &str) -> Result<String, String> {
    let spec = write(dir, &format!("{name}.yml"), yaml);
    let out = rehearse(&["emit", spec.to_str().unwrap(), "--target", "haproxy"]);
    match out.status.code() {
        Some(0) => {
            let text = String::from_utf8(out.stdout).unwrap();
            if let Some(haproxy) = haproxy_binary() {
                let cfg = write(dir, &format!("{name}.cfg"), &text);
                let check = Command::new(haproxy)
                    .args(["-c", "-f", cfg.to_str().unwrap()])
                    .output()
                    .unwrap();
                assert!(
                    check.status.success(),
                    "{name}: haproxy -c refused what rehearse emitted:\n{}",
                    String::from_utf8_lossy(&check.stderr)
                );
            }
            Ok(text)
        }
        Some(1) => {
            let err = stderr(&out);
            assert!(
                err.contains('×') || err.contains("error"),
                "{name}: exit 1 with a diagnostic: {err}"
            );
            Err(err)
        }
        other => panic!("{name}: exit {other:?}: {}", stderr(&out)),
    }
}

#[test]
fn hostile_inputs_get_a_diagnostic_or_a_config_haproxy_accepts() {
    let tmp = tempfile::tempdir().unwrap();
    let long = "x".repeat(5000);
    let cases: Vec<(&str, String)> = vec![
        (
            "spaces",
            GATEWAY.replace("name: shop", "name: my shop gateway"),
        ),
        (
            "unicode",
            GATEWAY.replace("name: shop", "name: магазин/シ/🚀"),
        ),
        (
            "long",
            GATEWAY.replace("name: shop", &format!("name: {long}")),
        ),
        (
            "hash",
            GATEWAY.replace("name: shop", "name: \"shop # not a comment\""),
        ),
        ("port_high", GATEWAY.replace("port: 9050", "port: 70000")),
        ("port_zero", GATEWAY.replace("port: 9050", "port: 0")),
        (
            "external_port_high",
            GATEWAY.replace("10.1.2.3:8080", "10.1.2.3:99999"),
        ),
        (
            "external_name",
            GATEWAY.replace("10.1.2.3:8080", "backend.example:8080"),
        ),
        (
            "vhost_space",
            GATEWAY.replace("routes:", "virtual_hosts: [\"a b.example\"]\nroutes:"),
        ),
        (
            "raw_acl_unknown",
            GATEWAY.replace(
                "weight: 100%",
                "weight: 100%\n    condition: \"< nonsense x >\"",
            ),
        ),
        (
            "raw_acl_known",
            GATEWAY.replace(
                "weight: 100%",
                "weight: 100%\n    condition: \"< path_beg /api >\"",
            ),
        ),
        (
            "condition_unicode",
            GATEWAY.replace(
                "weight: 100%",
                "weight: 100%\n    condition: \"host = пример.рф\"",
            ),
        ),
        (
            "tcp_condition",
            GATEWAY.replace("port: 9050", "port: 9050/tcp").replace(
                "weight: 100%",
                "weight: 100%\n    condition: \"has cookie a\"",
            ),
        ),
        (
            "balance_hdr",
            GATEWAY.replace("weight: 100%", "weight: 100%\n    balance: hdr(host)"),
        ),
    ];
    let mut emitted = Vec::new();
    for (name, yaml) in &cases {
        if emit_hostile(tmp.path(), name, yaml).is_ok() {
            emitted.push(*name);
        }
    }
    // Odd but expressible: a config HAProxy accepts (checked in `emit_hostile`).
    assert_eq!(
        emitted,
        [
            "unicode",
            "long",
            "port_zero",
            "external_name",
            "raw_acl_known",
            "balance_hdr"
        ]
    );
    // The others are refused with a diagnostic, by code (the check's own first).
    for (name, code) in [
        ("spaces", "V036"),
        ("hash", "V036"),
        ("port_high", "V041"),
        ("external_port_high", "E002"),
        ("vhost_space", "E003"),
        ("raw_acl_unknown", "E004"),
        ("condition_unicode", "E003"),
        ("tcp_condition", "E008"),
    ] {
        let yaml = &cases.iter().find(|(n, _)| *n == name).unwrap().1;
        let err = emit_hostile(tmp.path(), name, yaml).expect_err(name);
        assert!(err.contains(code), "{name}: {err}");
    }
}

#[test]
fn ten_thousand_routes_emit_a_config_haproxy_accepts() {
    let tmp = tempfile::tempdir().unwrap();
    let mut yaml = String::from("kind: gateway\nname: big\nport: 9000\nroutes:\n");
    for i in 0..10_000u32 {
        yaml.push_str(&format!(
            "  \"[10.{}.{}.{}:8080]\": {{}}\n",
            (i >> 16) & 255,
            (i >> 8) & 255,
            i & 255
        ));
    }
    let started = std::time::Instant::now();
    let text = emit_hostile(tmp.path(), "big", &yaml).expect("10 000 routes emit");
    println!(
        "10 000-route gateway: emitted {} lines in {:.2} s (haproxy -c included when installed)",
        text.lines().count(),
        started.elapsed().as_secs_f64()
    );
    assert_eq!(text.matches("send-proxy weight").count(), 10_000);
}

#[test]
fn at_needs_a_time_inside_the_rehearsal() {
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("specs/sava");
    let spec = spec.to_str().unwrap();
    let base = [
        "emit",
        spec,
        "--target",
        "haproxy",
        "--scenario",
        "sava-crash-during-canary",
    ];
    let past = rehearse(&[&base[..], &["--at", "5m"]].concat());
    assert_eq!(past.status.code(), Some(1), "{}", stderr(&past));
    assert!(stderr(&past).contains("E010"));
    let bad = rehearse(&[&base[..], &["--at", "soon"]].concat());
    assert_eq!(bad.status.code(), Some(2), "{}", stderr(&bad));
    let unknown = rehearse(&["emit", spec, "--target", "haproxy", "--scenario", "nope"]);
    assert_eq!(unknown.status.code(), Some(2), "{}", stderr(&unknown));
    assert!(past.stdout.is_empty() && bad.stdout.is_empty() && unknown.stdout.is_empty());
}
