//! The project sandbox, end to end: a Cloudify import that points outside the project (by
//! `..`, an absolute path, a `file:` URL, a symlink), at a kernel file or at a directory is
//! refused with a diagnostic naming the import, and no byte of the target reaches any report.
//!
//! The target file is a Cloudify types file whose content would produce a diagnostic quoting
//! `CANARY` if it were read; the control tests show that it does when the import is allowed.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const CANARY: &str = "LEAKED_CANARY_7F3A";

/// A project `proj/` (with rehearse.toml) beside a folder `outside/` holding the canary.
struct Layout {
    dir: tempfile::TempDir,
}

impl Layout {
    fn new() -> Layout {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("proj/sub")).unwrap();
        std::fs::create_dir_all(dir.path().join("outside")).unwrap();
        std::fs::write(dir.path().join("proj/rehearse.toml"), "").unwrap();
        std::fs::write(dir.path().join("outside/secret.yaml"), canary_types()).unwrap();
        Layout { dir }
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    fn outside_secret(&self) -> PathBuf {
        std::fs::canonicalize(self.root().join("outside/secret.yaml")).unwrap()
    }

    /// Writes `proj/bp.yaml` importing `import`.
    fn blueprint(&self, import: &str) {
        let text = format!(
            "tosca_definitions_version: cloudify_dsl_1_3\nimports:\n  - '{import}'\nnode_templates: {{}}\n"
        );
        std::fs::write(self.root().join("proj/bp.yaml"), text).unwrap();
    }

    fn check(&self, extra: &[&str]) -> Output {
        let mut args = vec!["check", "proj/bp.yaml", "--format", "json"];
        args.extend_from_slice(extra);
        self.rehearse(&args)
    }

    fn rehearse(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_rehearse"))
            .args(args)
            .current_dir(self.root())
            .env("NO_COLOR", "1")
            .output()
            .expect("rehearse runs")
    }
}

fn canary_types() -> String {
    format!(
        "tosca_definitions_version: cloudify_dsl_1_3\nnode_types:\n  {CANARY}_type:\n    derived_from: {CANARY}_parent\n"
    )
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn codes(output: &Output) -> Vec<String> {
    let report: serde_json::Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", text(output)));
    report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect()
}

/// Asserts the import was refused with `code` and nothing of the target leaked.
fn assert_refused(layout: &Layout, import: &str, code: &str) {
    layout.blueprint(import);
    let output = layout.check(&[]);
    let all = text(&output);
    assert!(!all.contains(CANARY), "{import}: target was read:\n{all}");
    assert!(
        codes(&output).iter().any(|c| c == code),
        "{import}: expected {code}:\n{all}"
    );
    assert_eq!(output.status.code(), Some(1), "{import}:\n{all}");
    // The diagnostic names the import.
    assert!(all.contains(import), "{import}: not named:\n{all}");
}

#[test]
fn a_parent_directory_chain_out_of_the_project_is_refused() {
    let layout = Layout::new();
    assert_refused(&layout, "../outside/secret.yaml", "X010");
    assert_refused(&layout, "sub/../../outside/secret.yaml", "X010");
}

#[test]
fn a_deep_parent_chain_to_etc_passwd_is_refused() {
    let layout = Layout::new();
    assert_refused(&layout, "../../../../../../../../../../etc/passwd", "X010");
    layout.blueprint("../../../../../../../../../../etc/passwd");
    assert!(!text(&layout.check(&[])).contains("root:"));
}

#[test]
fn an_absolute_path_out_of_the_project_is_refused() {
    let layout = Layout::new();
    let path = layout.outside_secret();
    assert_refused(&layout, path.to_str().unwrap(), "X010");
    assert_refused(&layout, "/etc/passwd", "X010");
}

#[test]
fn file_urls_out_of_the_project_are_refused() {
    let layout = Layout::new();
    let path = layout.outside_secret();
    assert_refused(&layout, &format!("file://{}", path.display()), "X010");
    assert_refused(&layout, "file:../outside/secret.yaml", "X010");
    assert_refused(&layout, "file:///etc/passwd", "X010");
}

#[cfg(unix)]
#[test]
fn a_symlink_out_of_the_project_is_refused() {
    let layout = Layout::new();
    std::os::unix::fs::symlink(
        layout.outside_secret(),
        layout.root().join("proj/link.yaml"),
    )
    .unwrap();
    std::os::unix::fs::symlink(
        layout.root().join("outside"),
        layout.root().join("proj/linkdir"),
    )
    .unwrap();
    assert_refused(&layout, "link.yaml", "X010");
    assert_refused(&layout, "linkdir/secret.yaml", "X010");
}

#[cfg(target_os = "linux")]
#[test]
fn kernel_and_device_files_are_never_read_even_when_allowed() {
    let layout = Layout::new();
    for path in [
        "/proc/self/environ",
        "/proc/self/cmdline",
        "/dev/zero",
        "/dev/stdin",
        "/sys/kernel/hostname",
        "file:///proc/self/environ",
    ] {
        layout.blueprint(path);
        let output = layout.check(&["--allow-read", "/"]);
        let all = text(&output);
        assert!(
            codes(&output).iter().any(|c| c == "X011"),
            "{path}: expected X011:\n{all}"
        );
    }
}

#[test]
fn a_directory_import_is_refused() {
    let layout = Layout::new();
    assert_refused(&layout, "sub", "X011");
    assert_refused(&layout, ".", "X011");
}

#[cfg(unix)]
#[test]
fn a_fifo_in_the_project_is_refused_without_blocking() {
    let layout = Layout::new();
    let fifo = layout.root().join("proj/pipe.yaml");
    let made = Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("mkfifo unavailable: skipping");
        return;
    }
    // Discovery must not hang on the FIFO either: it is not a regular file.
    assert_refused(&layout, "pipe.yaml", "X011");
}

#[test]
fn no_report_format_quotes_a_refused_target() {
    let layout = Layout::new();
    layout.blueprint("../outside/secret.yaml");
    for format in ["human", "json", "sarif", "github"] {
        let output = layout.rehearse(&["check", "proj/bp.yaml", "--format", format]);
        let all = text(&output);
        assert!(!all.contains(CANARY), "{format}: target was read:\n{all}");
        assert!(all.contains("X010"), "{format}:\n{all}");
    }
}

#[test]
fn a_legitimate_import_inside_the_project_is_read() {
    let layout = Layout::new();
    std::fs::write(layout.root().join("proj/sub/types.yaml"), canary_types()).unwrap();
    layout.blueprint("sub/types.yaml");
    let output = layout.check(&[]);
    let all = text(&output);
    // The control: reading the canary file does put it in the report.
    assert!(all.contains(CANARY), "{all}");
    assert!(!codes(&output).iter().any(|c| c.starts_with('X')), "{all}");
}

#[test]
fn allow_read_widens_the_sandbox() {
    let layout = Layout::new();
    layout.blueprint("../outside/secret.yaml");
    let output = layout.check(&["--allow-read", "outside"]);
    let all = text(&output);
    assert!(all.contains(CANARY), "{all}");
    assert!(!codes(&output).iter().any(|c| c == "X010"), "{all}");
}

#[test]
fn without_rehearse_toml_the_checked_files_folder_is_the_root() {
    let layout = Layout::new();
    std::fs::remove_file(layout.root().join("proj/rehearse.toml")).unwrap();
    std::fs::write(layout.root().join("proj/sub/types.yaml"), canary_types()).unwrap();
    std::fs::write(
        layout.root().join("proj/sub/bp.yaml"),
        "tosca_definitions_version: cloudify_dsl_1_3\nimports:\n  - ../../outside/secret.yaml\n  - types.yaml\nnode_templates: {}\n",
    )
    .unwrap();
    let output = layout.rehearse(&["check", "proj/sub/bp.yaml", "--format", "json"]);
    let all = text(&output);
    assert!(codes(&output).iter().any(|c| c == "X010"), "{all}");
    // types.yaml, beside the checked file, is inside: its canary is reported.
    assert!(all.contains(CANARY), "{all}");
}

#[test]
fn run_uses_the_same_sandbox() {
    let layout = Layout::new();
    layout.blueprint("../outside/secret.yaml");
    let output = layout.rehearse(&["run", "proj"]);
    let all = text(&output);
    assert!(!all.contains(CANARY), "{all}");
    assert!(all.contains("X010"), "{all}");
    assert_eq!(output.status.code(), Some(1), "{all}");
}

/// `proj/ops.yaml`: one node whose `create` operation maps `mapping`. A mapping that names a
/// file beside the blueprint is a script (Cloudify's script plugin runs it), so without a
/// `script` plugin it is C061, whose message is distinctive.
fn operation_blueprint(layout: &Layout, mapping: &str) -> String {
    let text = format!(
        "tosca_definitions_version: cloudify_dsl_1_3\nnode_types:\n  app: {{}}\nnode_templates:\n  \
         web:\n    type: app\n    interfaces:\n      cloudify.interfaces.lifecycle:\n        \
         create: '{mapping}'\n"
    );
    std::fs::write(layout.root().join("proj/ops.yaml"), text).unwrap();
    let output = layout.rehearse(&["check", "proj/ops.yaml", "--format", "json"]);
    text_of_report(&output)
}

fn text_of_report(output: &Output) -> String {
    let all = text(output);
    assert!(
        serde_json::from_slice::<serde_json::Value>(&output.stdout).is_ok(),
        "not JSON: {all}"
    );
    all
}

const SCRIPT_FOUND: &str = "Script plugin is not defined";

#[test]
fn a_script_mapping_out_of_the_project_is_not_probed() {
    let layout = Layout::new();
    std::fs::create_dir_all(layout.root().join("proj/scripts")).unwrap();
    std::fs::write(layout.root().join("proj/scripts/create.sh"), "echo in\n").unwrap();
    std::fs::write(layout.root().join("outside/create.sh"), "echo out\n").unwrap();
    // Control: a script inside the project is found (probed through the sandbox).
    let inside = operation_blueprint(&layout, "scripts/create.sh");
    assert!(inside.contains(SCRIPT_FOUND), "{inside}");
    // Outside, by a `..` chain, by a symlink out, or a kernel file: never taken for a
    // script, so the file outside was not found (or even looked for).
    #[cfg(unix)]
    std::os::unix::fs::symlink(
        layout.root().join("outside/create.sh"),
        layout.root().join("proj/link.sh"),
    )
    .unwrap();
    for mapping in [
        "../outside/create.sh",
        "scripts/../../outside/create.sh",
        "../../../../../../../../etc/passwd",
        "../../../../../../../../proc/self/environ",
        "file:../outside/create.sh",
        "/etc/passwd",
        "link.sh",
    ] {
        if mapping == "link.sh" && !cfg!(unix) {
            continue;
        }
        let all = operation_blueprint(&layout, mapping);
        assert!(!all.contains(SCRIPT_FOUND), "{mapping} was probed:\n{all}");
        assert!(!all.contains("echo out"), "{mapping}:\n{all}");
    }
}
