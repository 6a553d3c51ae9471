//! The real pre-commit, with the repository's own `.pre-commit-hooks.yaml` hook, on the
//! fixture repository `fixtures/foreign-repo` (issue #17): the commit is refused for the three
//! real errors only, and a repository of other tools' files commits with nothing from the hook.
//!
//! The shipped hook is `language: rust`, which makes pre-commit `cargo install` this whole
//! crate into its cache before the first run — minutes of compiling, too slow for CI. The test
//! therefore installs the hook as a `repo: local` hook with the shipped hook's id, name, files,
//! require_serial and entry, the entry's `rehearse` replaced by the binary this build made;
//! everything else (which files pre-commit passes, in which batches, how it shows the output)
//! is pre-commit's own.
//!
//! pre-commit is found as `$REHEARSE_PRE_COMMIT`, in the oracle venv (`.ci/run` installs it
//! there), or on PATH; without it the test is skipped with a notice, unless
//! REHEARSE_REQUIRE_SHARED=1 (CI), where it fails.

use rehearse::source::SourceMap;
use rehearse::syntax::{self, Format, Limits, Node};
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

/// The shipped hook, read from `.pre-commit-hooks.yaml`, as a local hook running this build.
fn local_hook_config(root: &Path) -> String {
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
    let hook = hooks[0].as_map().expect("a hook");
    let field = |key: &str| {
        hook.get(key)
            .and_then(Node::scalar_text)
            .unwrap_or_default()
    };
    let entry = field("entry");
    let arguments = entry
        .strip_prefix("rehearse")
        .expect("the hook's entry runs rehearse");
    let binary = env!("CARGO_BIN_EXE_rehearse");
    // JSON is YAML: every value quoted exactly.
    let quote = |s: &str| serde_json::to_string(s).unwrap();
    format!(
        "repos:\n  - repo: local\n    hooks:\n      - id: {}\n        name: {}\n        \
         entry: {}\n        language: system\n        files: {}\n        require_serial: {}\n",
        quote(&field("id")),
        quote(&field("name")),
        quote(&format!("{binary}{arguments}")),
        quote(&field("files")),
        field("require_serial"),
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

fn run(dir: &Path, program: &Path, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        .current_dir(dir)
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

/// A git repository holding the fixture (filtered), with the hook installed and everything
/// staged. Returns the output of `git commit`.
fn commit(pre_commit: &Path, keep: &dyn Fn(&Path) -> bool) -> (Output, tempfile::TempDir) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let repo = tempfile::tempdir().unwrap();
    copy_tree(&root.join("fixtures/foreign-repo"), repo.path(), keep);
    std::fs::write(
        repo.path().join(".pre-commit-config.yaml"),
        local_hook_config(root),
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
    let (output, _repo) = commit(&pre_commit, &|_| true);
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
    let (output, repo) = commit(&pre_commit, &|path| {
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
