//! Discovery and the pipeline around it, through the CLI: which files are specs (issue #17),
//! what cannot be read (issue #14), project settings, KrakenD version detection and lazy
//! project context (issue #15).

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_rehearse");

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn json_of(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

fn check_json(dir: &Path, args: &[&str]) -> (i32, Value) {
    let output = Command::new(BIN)
        .arg("check")
        .arg("--format")
        .arg("json")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("rehearse runs");
    (output.status.code().unwrap_or(-1), json_of(&output))
}

/// `(code, file)` of every diagnostic, sorted.
fn findings(report: &Value) -> Vec<(String, String)> {
    let mut found: Vec<(String, String)> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["file"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    found.sort();
    found
}

fn codes(report: &Value) -> Vec<String> {
    findings(report).into_iter().map(|(code, _)| code).collect()
}

fn write(dir: &Path, path: &str, text: &str) {
    let path = dir.join(path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

const BREED: &str = "kind: breed\nname: a\ndeployable: x/a:1\n";

#[test]
fn the_foreign_repository_reports_exactly_its_three_errors() {
    let (exit, report) = check_json(root(), &["fixtures/foreign-repo"]);
    assert_eq!(exit, 1);
    // The Argo Rollout and the Flagger Canary are specs too; the canary has no metrics (F021).
    assert_eq!(
        codes(&report),
        ["C010", "F021", "K003", "V022"],
        "{report:#}"
    );
    assert_eq!(report["files"], 5);
    // Every other YAML/JSON file the walk finds (hidden ones are not walked).
    assert_eq!(report["skipped"], 30, "{report:#}");
    let skipped = report["skipped_files"].as_array().unwrap();
    assert_eq!(skipped.len(), 30);
    let reason_of = |file: &str| {
        skipped
            .iter()
            .find(|s| s["file"] == file)
            .map(|s| s["reason"].as_str().unwrap().to_string())
            .unwrap_or_else(|| panic!("{file} not skipped"))
    };
    assert!(reason_of("fixtures/foreign-repo/k8s/sava-gateway.yaml").contains("Service"));
    assert!(
        reason_of("fixtures/foreign-repo/charts/web/templates/deployment.yaml")
            .contains("template")
    );
    assert!(reason_of("fixtures/foreign-repo/docker-compose.yml").contains("Compose"));
}

#[test]
fn hidden_foreign_files_named_explicitly_are_skipped_too() {
    let dir = root().join("fixtures/foreign-repo");
    let (exit, report) = check_json(
        &dir,
        &[
            ".github/workflows/ci.yml",
            ".github/workflows/release.yaml",
            ".github/dependabot.yml",
            ".gitlab-ci.yml",
            ".pre-commit-config.yaml",
            "k8s/web.yaml",
        ],
    );
    assert_eq!(exit, 0);
    assert_eq!(codes(&report), Vec::<String>::new(), "{report:#}");
    assert_eq!(report["files"], 0);
    assert_eq!(report["skipped"], 6);
}

#[test]
fn strict_kinds_reports_the_foreign_files() {
    let (exit, report) = check_json(root(), &["--strict-kinds", "fixtures/foreign-repo"]);
    assert_eq!(exit, 1);
    assert_eq!(report["skipped"], 0);
    let found = findings(&report);
    let has = |code: &str, file: &str| {
        found
            .iter()
            .any(|(c, f)| c == code && f == &format!("fixtures/foreign-repo/{file}"))
    };
    assert!(has("X004", "k8s/sava-gateway.yaml"), "{found:?}");
    // Argo Rollouts objects have a dialect: a spec, not an unsupported kind.
    assert!(!has("X004", "argo/rollout.yaml"), "{found:?}");
    assert!(has("X009", "docker-compose.yml"), "{found:?}");
    assert!(has("X009", "api/openapi.yaml"), "{found:?}");
    assert!(has("X001", "config/app.yaml"), "{found:?}");
    for real in ["C010", "K003", "V022"] {
        assert!(found.iter().any(|(c, _)| c == real), "{real} missing");
    }
}

#[test]
fn human_summary_counts_the_skipped_and_verbose_lists_them() {
    let run = |args: &[&str]| {
        let output = Command::new(BIN)
            .arg("check")
            .args(args)
            .arg("fixtures/foreign-repo")
            .current_dir(root())
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let plain = run(&[]);
    assert!(
        plain.contains("checked 5 files (30 skipped as not specs): 3 errors, 1 warning"),
        "{plain}"
    );
    assert!(!plain.contains("skipped fixtures/"), "{plain}");
    let verbose = run(&["--verbose"]);
    assert!(
        verbose.contains("skipped fixtures/foreign-repo/package.json: an npm package manifest"),
        "{verbose}"
    );
}

#[test]
fn spec_globs_in_rehearse_toml_make_files_specs() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "rehearse.toml",
        "[check]\nspecs = [\"deploy/**\"]\n",
    );
    write(dir.path(), "deploy/mystery.yaml", "name: x\nimage: y\n");
    write(dir.path(), "other/mystery.yaml", "name: x\nimage: y\n");
    let (exit, report) = check_json(dir.path(), &["."]);
    assert_eq!(exit, 0);
    assert_eq!(
        findings(&report),
        [("X001".to_string(), "deploy/mystery.yaml".to_string())]
    );
    assert_eq!(report["skipped"], 1);
    // The same file on its own, as pre-commit passes it.
    let (_, report) = check_json(dir.path(), &["deploy/mystery.yaml"]);
    assert_eq!(codes(&report), ["X001"]);
    // --kind says it too.
    let (_, report) = check_json(dir.path(), &["--kind", "breed", "other/mystery.yaml"]);
    assert!(
        codes(&report).iter().any(|c| c.starts_with('V')),
        "{report:#}"
    );
}

#[test]
fn a_broken_rehearse_toml_is_a_finding_with_its_span_and_the_rest_is_checked() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "rehearse.toml",
        "[check]\nspecs = \"deploy/**\"\n",
    );
    write(dir.path(), "breeds.yaml", BREED);
    write(dir.path(), "bad.yaml", "kind: breed\nname: b\nports: {}\n");
    let (exit, report) = check_json(dir.path(), &["."]);
    assert_eq!(exit, 1);
    let diagnostics = report["diagnostics"].as_array().unwrap();
    let settings = diagnostics
        .iter()
        .find(|d| d["code"] == "X005")
        .expect("X005");
    assert_eq!(settings["file"], "rehearse.toml");
    assert_eq!(settings["line"], 2, "{settings:#}");
    assert!(codes(&report).contains(&"V001".to_string()), "{report:#}");
    assert_eq!(report["files"], 2);

    write(dir.path(), "rehearse.toml", "[check]\nspec = []\n");
    let (exit, report) = check_json(dir.path(), &["breeds.yaml"]);
    assert_eq!(exit, 0);
    let warning = &report["diagnostics"][0];
    assert_eq!(warning["code"], "X005");
    assert_eq!(warning["severity"], "warning");
    assert!(warning["message"].as_str().unwrap().contains("check.spec"));
}

/// Runs `rehearse check --format json DIR` as an unprivileged user when this process is root
/// (tests run as root, for whom permissions do not stop reads), else as we are.
fn check_unprivileged(dir: &Path) -> Option<(i32, Value)> {
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    let mut command = if is_root {
        if Command::new("setpriv").arg("--version").output().is_err() {
            eprintln!("notice: running as root without setpriv; unreadable-path test skipped");
            return None;
        }
        // The binary where `nobody` can run it.
        let binary = dir.join("rehearse-bin");
        std::fs::copy(BIN, &binary).unwrap();
        let mut command = Command::new("setpriv");
        command.args(["--reuid=65534", "--regid=65534", "--clear-groups"]);
        command.arg(binary);
        command
    } else {
        Command::new(BIN)
    };
    let output = command
        .args(["check", "--format", "json", "specs"])
        .current_dir(dir)
        .output()
        .expect("rehearse runs");
    Some((output.status.code().unwrap_or(-1), json_of(&output)))
}

fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn unreadable_files_and_directories_are_findings_and_the_rest_is_checked() {
    let dir = tempfile::tempdir().unwrap();
    chmod(dir.path(), 0o755);
    write(dir.path(), "specs/breeds.yaml", BREED);
    write(dir.path(), "specs/secret.yaml", BREED);
    write(dir.path(), "specs/locked/more.yaml", BREED);
    chmod(&dir.path().join("specs"), 0o755);
    chmod(&dir.path().join("specs/breeds.yaml"), 0o644);
    chmod(&dir.path().join("specs/secret.yaml"), 0o000);
    chmod(&dir.path().join("specs/locked"), 0o000);
    let Some((exit, report)) = check_unprivileged(dir.path()) else {
        return;
    };
    chmod(&dir.path().join("specs/locked"), 0o755);
    assert_eq!(exit, 1, "{report:#}");
    assert_eq!(
        findings(&report),
        [
            ("X006".to_string(), "specs/secret.yaml".to_string()),
            ("X007".to_string(), "specs/locked".to_string()),
        ]
    );
    assert_eq!(report["files"], 1, "breeds.yaml is still checked");
}

#[test]
fn fifos_are_never_read() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "breeds.yaml", BREED);
    let made = Command::new("mkfifo")
        .arg(dir.path().join("pipe.yaml"))
        .status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("notice: mkfifo unavailable; FIFO test skipped");
        return;
    }
    for target in [".", "pipe.yaml"] {
        // Reading a FIFO blocks until someone writes; the check must end on its own.
        let mut child = Command::new(BIN)
            .args(["check", "--format", "json", target])
            .current_dir(dir.path())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while child.try_wait().unwrap().is_none() {
            if Instant::now() > deadline {
                child.kill().unwrap();
                panic!("rehearse check {target} blocked on a FIFO");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let output = child.wait_with_output().unwrap();
        let report = json_of(&output);
        assert_eq!(output.status.code(), Some(1));
        assert_eq!(
            findings(&report),
            [("X008".to_string(), "pipe.yaml".to_string())]
        );
    }
}

#[test]
fn a_dangling_symlink_on_the_command_line_is_a_finding() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "breeds.yaml", BREED);
    std::os::unix::fs::symlink(dir.path().join("gone.yaml"), dir.path().join("link.yaml")).unwrap();
    let (exit, report) = check_json(dir.path(), &["link.yaml", "breeds.yaml"]);
    assert_eq!(exit, 1);
    assert_eq!(
        findings(&report),
        [("X006".to_string(), "link.yaml".to_string())]
    );
    assert_eq!(report["files"], 1);
    // A path that does not exist at all is still a usage error.
    let output = Command::new(BIN)
        .args(["check", "missing.yaml"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn krakend_configs_are_detected_by_version_without_schema() {
    let dir = tempfile::tempdir().unwrap();
    let configs = [
        ("v2.json", r#"{"version": 2, "endpoints": [{"endpoint": "/a", "backend": [{"url_pattern": "/a", "host": ["http://a"]}]}]}"#),
        ("v2s.json", r#"{"version": "2", "endpoints": []}"#),
        ("v2.yaml", "version: 2\nendpoints:\n  - endpoint: /a\n    backend:\n      - url_pattern: /a\n        host: [http://a]\n"),
    ];
    for (name, text) in configs {
        write(dir.path(), name, text);
        let (_, report) = check_json(dir.path(), &[name]);
        assert_eq!(report["files"], 1, "{name}: {report:#}");
        assert_eq!(report["skipped"], 0, "{name}: {report:#}");
        assert!(!codes(&report).contains(&"X001".to_string()), "{name}");
        // `--kind krakend` reads it the same way.
        let (_, forced) = check_json(dir.path(), &["--kind", "krakend", name]);
        assert_eq!(findings(&report), findings(&forced), "{name}");
    }
}

fn vamp_project(dir: &Path, with_breed_b: bool) {
    write(
        dir,
        "blueprint.yml",
        "kind: blueprint\nname: shop\nclusters:\n  shop:\n    services:\n    - breed: a\n    - breed: b\n",
    );
    write(dir, "breed-a.yml", BREED);
    if with_breed_b {
        write(
            dir,
            "breed-b.yml",
            "kind: breed\nname: b\ndeployable: x/b:1\n",
        );
    }
    // Unrelated files beside them are never needed.
    for i in 0..50 {
        write(dir, &format!("data/{i}.json"), &format!("{{\"n\": {i}}}"));
    }
}

#[test]
fn a_vamp_file_resolves_references_in_sibling_files() {
    let dir = tempfile::tempdir().unwrap();
    vamp_project(dir.path(), true);
    let (exit, report) = check_json(dir.path(), &["blueprint.yml"]);
    assert_eq!(exit, 0, "{report:#}");
    assert_eq!(codes(&report), Vec::<String>::new(), "{report:#}");

    let dir = tempfile::tempdir().unwrap();
    vamp_project(dir.path(), false);
    let (_, report) = check_json(dir.path(), &["blueprint.yml"]);
    let messages: Vec<&str> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["message"].as_str().unwrap())
        .collect();
    assert_eq!(codes(&report), ["X002"], "{report:#}");
    assert!(messages[0].contains("'b'"), "{messages:?}");
}

#[test]
fn a_duplicate_definition_in_a_sibling_file_is_still_found() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "one.yml", BREED);
    write(dir.path(), "two.yml", BREED);
    let (_, report) = check_json(dir.path(), &["two.yml"]);
    assert_eq!(codes(&report), ["X003"], "{report:#}");
}

/// Two example projects side by side, each with its own `rehearse.toml`, defining the same
/// names: checking their parent checks each on its own.
fn two_projects(dir: &Path) {
    for project in ["shop", "shop-copy"] {
        write(dir, &format!("{project}/rehearse.toml"), "");
        write(
            dir,
            &format!("{project}/blueprint.yml"),
            "kind: blueprint\nname: shop\nclusters:\n  shop:\n    services:\n    - breed: a\n",
        );
        write(dir, &format!("{project}/breed.yml"), BREED);
    }
}

#[test]
fn folders_with_their_own_rehearse_toml_are_checked_as_separate_projects() {
    let dir = tempfile::tempdir().unwrap();
    two_projects(dir.path());
    let (exit, report) = check_json(dir.path(), &["."]);
    assert_eq!(exit, 0, "{report:#}");
    assert_eq!(codes(&report), Vec::<String>::new(), "{report:#}");
    assert_eq!(report["files"], 4, "{report:#}");

    // The same files without the markers are one project: the names collide.
    std::fs::remove_file(dir.path().join("shop/rehearse.toml")).unwrap();
    std::fs::remove_file(dir.path().join("shop-copy/rehearse.toml")).unwrap();
    let (_, report) = check_json(dir.path(), &["."]);
    assert_eq!(codes(&report), ["X003", "X003"], "{report:#}");
}

#[test]
fn a_nested_project_is_not_the_context_of_the_project_around_it() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "rehearse.toml", "");
    write(
        dir.path(),
        "blueprint.yml",
        "kind: blueprint\nname: shop\nclusters:\n  shop:\n    services:\n    - breed: a\n",
    );
    // The only breed `a` lives in a project of its own below.
    write(dir.path(), "inner/rehearse.toml", "");
    write(dir.path(), "inner/breed.yml", BREED);
    let (_, report) = check_json(dir.path(), &["blueprint.yml"]);
    assert_eq!(codes(&report), ["X002"], "{report:#}");
    let (exit, report) = check_json(dir.path(), &["inner/breed.yml"]);
    assert_eq!((exit, codes(&report)), (0, vec![]), "{report:#}");
}

#[test]
fn commands_on_one_project_refuse_paths_of_several() {
    let dir = tempfile::tempdir().unwrap();
    two_projects(dir.path());
    let output = Command::new(BIN)
        .args(["run", "."])
        .current_dir(dir.path())
        .output()
        .expect("rehearse runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("2 projects (shop, shop-copy)"), "{stderr}");
}
