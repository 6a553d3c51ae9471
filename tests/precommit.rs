//! The real pre-commit installs the hook from this checkout (`repo:` this git repository at
//! HEAD, the hooks as `.pre-commit-hooks.yaml` defines them there) into a scratch repository
//! holding `fixtures/foreign-repo` (issue #17): the commit is refused for the three real errors
//! only, and a repository of other tools' files commits with nothing from the hook.
//!
//! The hook installed is `rehearse-check-system` (`language: system`, the `rehearse` on PATH,
//! here the binary this build made). `rehearse-check` (`language: rust`) makes pre-commit
//! `cargo install` the whole crate into its cache first — a quarter of an hour on CI's two
//! cores — so it is not installed here; [`the_two_hooks_differ_only_in_how_rehearse_is_found`]
//! keeps the two definitions the same in everything else.
//!
//! pre-commit is found as `$REHEARSE_PRE_COMMIT`, in the oracle venv (`.ci/run` installs it
//! there), or on PATH; without it (or outside a git checkout) the test is skipped with a
//! notice, unless REHEARSE_REQUIRE_SHARED=1 (CI), where it fails.

use rehearse::source::SourceMap;
use rehearse::syntax::{self, Format, Limits};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn pre_commit() -> Option<PathBuf> {
    let mut candidates = Vec::new();
    if let Some(path) = std::env::var_os("REHEARSE_PRE_COMMIT") {
        candidates.push(PathBuf::from(path));
    }
    let oracles = std::env::var_os("REHEARSE_ORACLES")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache/rehearse-oracles"))
        });
    if let Some(dir) = oracles {
        candidates.push(dir.join("bin/pre-commit"));
    }
    candidates.push(PathBuf::from("pre-commit"));
    candidates.into_iter().find(|c| {
        Command::new(c)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

fn require(what: &str) -> bool {
    if std::env::var("REHEARSE_REQUIRE_SHARED").is_ok_and(|v| v == "1") {
        panic!("{what} is missing and REHEARSE_REQUIRE_SHARED=1");
    }
    eprintln!("notice: pre-commit test skipped: {what} not found");
    false
}

/// The hooks `.pre-commit-hooks.yaml` ships, each as a map of its keys to their text.
fn shipped_hooks(root: &Path) -> Vec<BTreeMap<String, String>> {
    let text = std::fs::read(root.join(".pre-commit-hooks.yaml")).unwrap();
    let mut sources = SourceMap::new();
    let (_, parsed) = syntax::load(
        &mut sources,
        ".pre-commit-hooks.yaml",
        text,
        Format::Yaml,
        &Limits::default(),
    );
    let hooks = parsed.documents[0].root.as_seq().expect("a list of hooks");
    hooks
        .iter()
        .map(|hook| {
            let hook = hook.as_map().expect("a hook");
            hook.entries
                .iter()
                .filter_map(|(key, value)| {
                    Some((
                        key.scalar_text()?.to_string(),
                        value.scalar_text()?.to_string(),
                    ))
                })
                .collect()
        })
        .collect()
}

/// The commit of this checkout pre-commit installs the hook from, or None outside git.
fn checkout_head(root: &Path) -> Option<String> {
    let output = Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(root)
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_string())
}

/// A `.pre-commit-config.yaml` installing `rehearse-check-system` from this checkout.
fn checkout_hook_config(root: &Path, head: &str) -> String {
    // JSON is YAML: every value quoted exactly.
    let quote = |s: &str| serde_json::to_string(s).unwrap();
    format!(
        "repos:\n  - repo: {}\n    rev: {}\n    hooks:\n      - id: rehearse-check-system\n",
        quote(&root.to_string_lossy()),
        quote(head),
    )
}

fn copy_tree(from: &Path, to: &Path, keep: &dyn Fn(&Path) -> bool) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let path = entry.path();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&path, &target, keep);
        } else if keep(&path) {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

/// Runs a program in `dir` with the `rehearse` this build made first on PATH (what
/// `rehearse-check-system` runs).
fn run(dir: &Path, program: &Path, args: &[&str]) -> Output {
    let built = Path::new(env!("CARGO_BIN_EXE_rehearse")).parent().unwrap();
    let path = std::env::var_os("PATH").unwrap_or_default();
    let path = std::env::join_paths(
        std::iter::once(built.to_path_buf()).chain(std::env::split_paths(&path)),
    )
    .unwrap();
    Command::new(program)
        .args(args)
        .current_dir(dir)
        .env("PATH", path)
        .env("NO_COLOR", "1")
        .env("PRE_COMMIT_COLOR", "never")
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .env("PRE_COMMIT_HOME", dir.join(".pre-commit-home"))
        .output()
        .unwrap_or_else(|e| panic!("{} runs: {e}", program.display()))
}

/// A git repository holding the fixture (filtered), with the hook installed from this
/// checkout and everything staged. Returns the output of `git commit`.
fn commit(
    pre_commit: &Path,
    head: &str,
    keep: &dyn Fn(&Path) -> bool,
) -> (Output, tempfile::TempDir) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let repo = tempfile::tempdir().unwrap();
    copy_tree(&root.join("fixtures/foreign-repo"), repo.path(), keep);
    std::fs::write(
        repo.path().join(".pre-commit-config.yaml"),
        checkout_hook_config(root, head),
    )
    .unwrap();
    let git = Path::new("git");
    for args in [
        &["init", "-q"][..],
        &["config", "commit.gpgsign", "false"],
        &["add", "-A"],
    ] {
        assert!(run(repo.path(), git, args).status.success(), "git {args:?}");
    }
    let install = run(repo.path(), pre_commit, &["install"]);
    assert!(install.status.success(), "{install:?}");
    let output = run(repo.path(), git, &["commit", "-m", "add everything"]);
    (output, repo)
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The diagnostic codes in human output: `× V022:` / `⚠ X001:`.
fn codes(text: &str) -> Vec<String> {
    let mut codes: Vec<String> = text
        .lines()
        .filter_map(|line| {
            let line = line.trim_start();
            let rest = line
                .strip_prefix("× ")
                .or_else(|| line.strip_prefix("⚠ "))?;
            let code = rest.split(':').next()?;
            (code.len() == 4).then(|| code.to_string())
        })
        .collect();
    codes.sort();
    codes
}

#[test]
fn the_commit_is_refused_for_the_three_errors_only() {
    let Some(pre_commit) = pre_commit() else {
        require("pre-commit");
        return;
    };
    let Some(head) = checkout_head(Path::new(env!("CARGO_MANIFEST_DIR"))) else {
        require("a git checkout");
        return;
    };
    let (output, _repo) = commit(&pre_commit, &head, &|_| true);
    let shown = text(&output);
    assert!(
        !output.status.success(),
        "the commit went through:\n{shown}"
    );
    // The three errors refuse the commit; the Flagger canary's F021 (an analysis with no
    // metrics) is a warning shown beside them.
    assert_eq!(codes(&shown), ["C010", "F021", "K003", "V022"], "{shown}");
    assert!(shown.contains("rehearse check"), "{shown}");
    assert!(shown.contains("Failed"), "{shown}");
}

#[test]
fn a_repository_of_foreign_files_commits_silently() {
    let Some(pre_commit) = pre_commit() else {
        require("pre-commit");
        return;
    };
    let Some(head) = checkout_head(Path::new(env!("CARGO_MANIFEST_DIR"))) else {
        require("a git checkout");
        return;
    };
    let (output, repo) = commit(&pre_commit, &head, &|path| {
        !path.components().any(|c| c.as_os_str() == "deploy")
    });
    let shown = text(&output);
    assert!(output.status.success(), "the commit was refused:\n{shown}");
    let hook_lines: Vec<&str> = shown
        .lines()
        .filter(|line| line.starts_with("rehearse check"))
        .collect();
    assert_eq!(hook_lines.len(), 1, "{shown}");
    assert!(hook_lines[0].ends_with("Passed"), "{shown}");
    // Nothing else from the hook: only git's own summary of the commit follows.
    for line in shown.lines().filter(|l| !l.starts_with("rehearse check")) {
        let from_git = line.starts_with('[')
            || line.contains("files changed")
            || line.contains("file changed")
            || line.trim_start().starts_with("create mode");
        assert!(from_git, "unexpected output {line:?} in:\n{shown}");
    }
    // The hook saw the files (foreign ones included), so it ran, and said nothing.
    let log = run(repo.path(), Path::new("git"), &["log", "--oneline"]);
    assert!(String::from_utf8_lossy(&log.stdout).contains("add everything"));
}

#[test]
fn the_two_hooks_differ_only_in_how_rehearse_is_found() {
    let hooks = shipped_hooks(Path::new(env!("CARGO_MANIFEST_DIR")));
    let by_id = |id: &str| {
        hooks
            .iter()
            .find(|h| h.get("id").map(String::as_str) == Some(id))
            .unwrap_or_else(|| panic!("no hook {id} in .pre-commit-hooks.yaml"))
            .clone()
    };
    let (mut rust, mut system) = (by_id("rehearse-check"), by_id("rehearse-check-system"));
    assert_eq!(rust.get("language").map(String::as_str), Some("rust"));
    assert_eq!(system.get("language").map(String::as_str), Some("system"));
    assert_eq!(
        rust.get("entry").map(String::as_str),
        Some("rehearse check")
    );
    for hook in [&mut rust, &mut system] {
        for key in ["id", "language", "description"] {
            hook.remove(key);
        }
    }
    assert_eq!(rust, system);
}
