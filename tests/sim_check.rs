//! `rehearse check` on scenario mistakes: S codes, one fixture per code (fixtures/sim/check),
//! checked together with the sava specs they deploy.

use rehearse::check::{check, Input, Options};

fn input(path: &str, reported: bool) -> Input {
    let full = format!("{}/{path}", env!("CARGO_MANIFEST_DIR"));
    Input {
        path: path.to_owned(),
        bytes: std::fs::read(&full).unwrap_or_else(|e| panic!("{full}: {e}")),
        reported,
        forced_kind: None,
    }
}

fn diagnostics_of(fixture: &str) -> String {
    let mut inputs: Vec<Input> = ["specs/sava/blueprints.yml", "specs/sava/breeds.yml"]
        .into_iter()
        .map(|p| input(p, false))
        .collect();
    inputs.push(input(fixture, true));
    let checked = check(inputs, &Options::default());
    checked
        .diagnostics
        .iter()
        .map(|d| {
            let file = checked.sources.get(d.span.file);
            let at = file.line_col(d.span.start as usize);
            format!(
                "{} {}:{}:{} {}",
                d.code.id, fixture, at.line, at.column, d.message
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn scenario_fixtures() {
    for fixture in ["S004", "S010", "S011", "S012", "S_misc"] {
        let text = diagnostics_of(&format!("fixtures/sim/check/{fixture}.yaml"));
        let code = fixture.split('_').next().unwrap_or(fixture);
        assert!(text.contains(code), "{fixture}: {text}");
        insta::assert_snapshot!(fixture, text);
    }
}

#[test]
fn the_seed_scenarios_check_clean() {
    let dir = format!("{}/specs/sava", env!("CARGO_MANIFEST_DIR"));
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("specs/sava")
        .filter_map(|e| e.ok())
        .map(|e| format!("specs/sava/{}", e.file_name().to_string_lossy()))
        .filter(|p| p.ends_with(".yml") || p.ends_with(".json"))
        .collect();
    names.sort();
    let checked = check(
        names.iter().map(|p| input(p, true)).collect(),
        &Options::default(),
    );
    let errors: Vec<_> = checked.error_diagnostics().collect();
    assert!(errors.is_empty(), "{errors:#?}");
}
