//! CLI behaviour as data: each `tests/cli/NAME.args` holds the arguments of one `rehearse` run
//! (one per line, run from the repository root); its exit code, stdout and stderr are
//! snapshotted as `tests/cli/snapshots/cli__NAME.snap`.

use std::path::Path;
use std::process::Command;

#[test]
fn cli_cases() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut cases: Vec<_> = std::fs::read_dir(root.join("tests/cli"))
        .expect("tests/cli exists")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "args"))
        .collect();
    cases.sort();
    assert!(!cases.is_empty(), "no CLI cases found");
    for case in cases {
        let name = case.file_stem().unwrap().to_string_lossy().to_string();
        let args: Vec<String> = std::fs::read_to_string(&case)
            .unwrap()
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(String::from)
            .collect();
        let output = Command::new(env!("CARGO_BIN_EXE_rehearse"))
            .args(&args)
            .current_dir(root)
            .env("NO_COLOR", "1")
            .output()
            .expect("rehearse runs");
        let rendered = format!(
            "args: {}\nexit: {}\n--- stdout\n{}--- stderr\n{}",
            args.join(" "),
            output.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr),
        );
        insta::with_settings!({
            snapshot_path => root.join("tests/cli/snapshots"),
            prepend_module_to_snapshot => false,
            omit_expression => true,
        }, {
            insta::assert_snapshot!(name, rendered);
        });
    }
}
