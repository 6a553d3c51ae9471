//! fixtures/check/krakend: one fixture per rule, named after its code (`K013.json` and
//! `K013_why.json` must raise K013), `clean*` fixtures must raise nothing, fixtures whose name
//! ends in `_runs` are configs KrakenD runs (no error, warnings allowed), and the rendered
//! diagnostics of every fixture are snapshotted beside them
//! (fixtures/check/krakend/snapshots/<file name>.snap).

use rehearse::check::{check, Checked, Input, Options};
use rehearse::dialect::Kind;
use std::path::{Path, PathBuf};

fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/check/krakend")
}

pub fn fixtures() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(fixture_dir())
        .expect("fixtures/check/krakend")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.extension()
                .is_some_and(|e| e == "json" || e == "yaml" || e == "yml" || e == "tmpl")
        })
        .collect();
    files.sort();
    files
}

fn check_fixture(path: &Path) -> Checked {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    check(
        vec![Input {
            path: format!("fixtures/check/krakend/{name}"),
            bytes: std::fs::read(path).expect("fixture"),
            reported: true,
            forced_kind: Some(Kind::Krakend),
        }],
        &Options {
            // `.tmpl` fixtures are flexible-config templates (no settings folders).
            krakend_flexible: name
                .ends_with(".tmpl")
                .then(rehearse::dialect::krakend::flexible::FlexibleConfig::default),
            ..Options::default()
        },
    )
}

#[test]
fn every_fixture_raises_its_code_and_matches_its_snapshot() {
    let files = fixtures();
    assert!(files.len() >= 20, "fixtures missing: {files:?}");
    for path in files {
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        let file_name = path.file_name().and_then(|s| s.to_str()).unwrap_or("");
        let checked = check_fixture(&path);
        let codes: Vec<&str> = checked.diagnostics.iter().map(|d| d.code.id).collect();
        if stem.starts_with("clean") {
            assert!(codes.is_empty(), "{stem} should be clean: {codes:?}");
        } else if stem.starts_with('K') {
            let code = stem.split('_').next().unwrap_or(stem);
            assert!(
                codes.contains(&code),
                "{stem}.* does not raise {code}: {codes:?}"
            );
            if stem.ends_with("_runs") {
                assert_eq!(checked.errors(), 0, "{stem}: KrakenD runs it: {codes:?}");
            }
        } else {
            assert!(checked.errors() > 0, "{stem} should fail: {codes:?}");
        }
        let rendered = rehearse::report::human::render(&checked, false);
        insta::with_settings!({
            snapshot_path => fixture_dir().join("snapshots"),
            prepend_module_to_snapshot => false,
            omit_expression => true,
        }, {
            insta::assert_snapshot!(file_name.to_string(), rendered);
        });
    }
}

/// Every rule code of the K family has a fixture.
#[test]
fn every_k_code_has_a_fixture() {
    let names: Vec<String> = fixtures()
        .iter()
        .filter_map(|p| p.file_stem()?.to_str().map(str::to_string))
        .collect();
    for code in rehearse::diag::codes::k::ALL {
        assert!(
            names.iter().any(|n| n == code.id),
            "no fixture for {}",
            code.id
        );
    }
}
