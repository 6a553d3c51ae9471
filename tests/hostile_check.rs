//! Hostile input through the whole `check` pipeline (syntax, every dialect, cross-document
//! resolution, every renderer): no panic, whatever the bytes or the tree, and every
//! diagnostic points inside its file.

use proptest::prelude::*;
use rehearse::check::{check, Checked, Input, Options};
use rehearse::dialect::Kind;
use rehearse::report::{self, Format};

fn kinds() -> Vec<Option<Kind>> {
    let mut kinds: Vec<Option<Kind>> = Kind::names()
        .into_iter()
        .map(|n| Some(n.parse().expect("every listed kind parses")))
        .collect();
    kinds.push(None);
    kinds
}

fn run(path: &str, bytes: Vec<u8>, kind: Option<Kind>) -> Checked {
    let checked = check(
        vec![Input {
            path: path.to_string(),
            bytes,
            reported: true,
            forced_kind: kind,
        }],
        &Options::default(),
    );
    for d in &checked.diagnostics {
        let file = checked.sources.get(d.span.file);
        assert!(
            d.span.start <= d.span.end && (d.span.end as usize) <= file.text.len(),
            "{} span {:?} outside {} bytes",
            d.code.id,
            d.span,
            file.text.len()
        );
    }
    for format in [Format::Human, Format::Json, Format::Sarif, Format::Github] {
        let _ = report::render(format, &checked, false);
    }
    checked
}

/// A YAML-like tree rendered as text: maps, lists and scalars that look like what dialects
/// read (names, percentages, durations, references, conditions).
fn yaml_tree() -> impl Strategy<Value = String> {
    let scalar = prop_oneof![
        Just("sava:1.0".to_string()),
        Just("50%".to_string()),
        Just("101%".to_string()),
        Just("30s".to_string()),
        Just("$db.ports.port".to_string()),
        Just("User-Agent = Firefox".to_string()),
        Just("8080/http".to_string()),
        Just("~".to_string()),
        Just("[a/b]".to_string()),
        "[a-z]{1,6}",
        any::<i32>().prop_map(|i| i.to_string()),
    ];
    let key = prop_oneof![
        Just("kind"),
        Just("name"),
        Just("breed"),
        Just("clusters"),
        Just("services"),
        Just("gateways"),
        Just("routes"),
        Just("weight"),
        Just("condition"),
        Just("ports"),
        Just("deployable"),
        Just("schedule"),
        Just("environment_variables"),
        Just("endpoints"),
        Just("backend"),
        Just("version"),
        Just("node_templates"),
        Just("groups"),
        Just("policies"),
        Just("tosca_definitions_version"),
        Just("traffic"),
        Just("faults"),
    ];
    scalar
        .prop_map(|s| format!("\"{s}\""))
        .prop_recursive(5, 48, 6, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5)
                    .prop_map(|items| format!("[{}]", items.join(", "))),
                prop::collection::vec((key.clone(), inner), 0..5).prop_map(|entries| {
                    let body: Vec<String> =
                        entries.iter().map(|(k, v)| format!("{k}: {v}")).collect();
                    format!("{{{}}}", body.join(", "))
                }),
            ]
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        for kind in kinds() {
            run("fuzz.yaml", bytes.clone(), kind);
            run("fuzz.json", bytes.clone(), kind);
        }
    }

    #[test]
    fn arbitrary_text_never_panics(text in "(\\PC|[\\n\\t:{}\\[\\],&*!|>-]){0,300}") {
        for kind in kinds() {
            run("fuzz.yaml", text.clone().into_bytes(), kind);
        }
    }

    #[test]
    fn arbitrary_trees_never_panic(tree in yaml_tree()) {
        for kind in kinds() {
            run("tree.yaml", tree.clone().into_bytes(), kind);
            run("tree.json", tree.clone().into_bytes(), kind);
        }
    }
}
