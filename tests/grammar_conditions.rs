//! Vamp's condition vectors (corpus/vamp/CONDITIONS.tsv, from BooleanParserSpec and
//! ConditionDefinitionParserSpec) must all print the same AST.

mod common;

use rehearse::syntax::condition::{parse_condition, ConditionSyntax};

#[test]
fn vamp_condition_vectors_all_agree() {
    let Some(shared) = common::shared_dir("vamp_condition_vectors_all_agree") else {
        return;
    };
    let text =
        std::fs::read_to_string(shared.join("corpus/vamp/CONDITIONS.tsv")).expect("CONDITIONS.tsv");
    let mut total = 0;
    let mut failures = Vec::new();
    for line in text.lines().filter(|l| !l.starts_with('#')).skip(1) {
        let fields: Vec<&str> = line.split('\t').collect();
        let [parser, input, expected, ..] = fields.as_slice() else {
            continue;
        };
        let syntax = match *parser {
            "ConditionDefinitionParser" => ConditionSyntax::Route,
            "BooleanParser" => ConditionSyntax::Boolean,
            other => panic!("unknown parser {other}"),
        };
        total += 1;
        let actual = parse_condition(input, syntax).map(|c| c.to_vamp_notation());
        if actual.as_deref() != Ok(*expected) {
            failures.push(format!(
                "{parser} {input:?}: expected {expected}, got {actual:?}"
            ));
        }
    }
    assert_eq!(total, 85, "CONDITIONS.tsv should hold 85 vectors");
    assert!(
        failures.is_empty(),
        "{} of {total} disagree:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
