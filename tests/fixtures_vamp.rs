//! Vamp fixtures: each file of fixtures/check/vamp is checked alone and its rendered human
//! diagnostics are snapshotted (tests/snapshots/fixtures_vamp__<file>.snap). A file named
//! after a code (`V012-....yaml`) must produce that code; `valid-*` files must be clean. A first
//! line `# rehearse: --kind K` forces the kind, as `rehearse check --kind K` does.

use rehearse::check::{check, Input, Options};
use rehearse::dialect::Kind;
use std::path::Path;

fn forced_kind(text: &str) -> Option<Kind> {
    let first = text.lines().next()?;
    let kind = first.strip_prefix("# rehearse: --kind ")?;
    Some(kind.trim().parse().expect("valid --kind in fixture header"))
}

#[test]
fn vamp_fixtures() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/check/vamp");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("fixtures/check/vamp exists")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no fixtures");
    let mut failures = Vec::new();
    for file in files {
        let name = file.file_stem().unwrap().to_string_lossy().to_string();
        let bytes = std::fs::read(&file).unwrap();
        let text = String::from_utf8_lossy(&bytes).to_string();
        let checked = check(
            vec![Input {
                path: format!("fixtures/check/vamp/{name}.yaml"),
                bytes,
                reported: true,
                forced_kind: forced_kind(&text),
            }],
            &Options::default(),
        );
        let code = name.split('-').next().unwrap_or_default();
        if name.starts_with("valid") {
            if !checked.diagnostics.is_empty() {
                failures.push(format!("{name} should be clean"));
            }
        } else if !checked.diagnostics.iter().any(|d| d.code.id == code) {
            failures.push(format!(
                "{name} should report {code}, got {:?}",
                checked
                    .diagnostics
                    .iter()
                    .map(|d| (d.code.id, &d.message))
                    .collect::<Vec<_>>()
            ));
        }
        let rendered = rehearse::report::human::render(&checked, false);
        insta::with_settings!({
            snapshot_path => "../fixtures/check/vamp/snapshots",
            prepend_module_to_snapshot => false,
            filters => vec![(r"fixtures[/\\]check[/\\]vamp[/\\]", "[fixtures]/")],
        }, {
            insta::assert_snapshot!(name.as_str(), rendered);
        });
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_vamp_code_has_a_fixture() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/check/vamp");
    let names: Vec<String> = std::fs::read_dir(&dir)
        .expect("fixtures/check/vamp exists")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    for code in rehearse::diag::codes::v::ALL {
        assert!(
            names
                .iter()
                .any(|n| n.starts_with(&format!("{}-", code.id))),
            "no fixture for {}",
            code.id
        );
    }
}
