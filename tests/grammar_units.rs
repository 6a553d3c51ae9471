//! Vamp's unit-value vectors (corpus/vamp/UNITS.tsv, from UnitValueSpec.scala) must all agree.

mod common;

use rehearse::syntax::units::{
    parse_cpu_quantity, parse_megabytes, parse_percentage, parse_vamp_time, Decimal,
};

/// Evaluates the expected value text of a vector: a decimal or a product `20 * 60`.
fn expected_number(text: &str) -> Decimal {
    text.split('*')
        .map(|factor| {
            factor
                .trim()
                .parse::<Decimal>()
                .expect("expected value is a number")
        })
        .reduce(|a, b| {
            a.checked_mul_int(b.to_integer().expect("integer factor"))
                .expect("product fits")
        })
        .expect("non-empty expected value")
}

/// `Success(MegaByte(0.1))` → `Some(("MegaByte", 0.1))`; `Failure` → `None`.
fn parse_expected(expected: &str) -> Option<(String, Decimal)> {
    let inner = expected.strip_prefix("Success(")?.strip_suffix(')')?;
    let (kind, value) = inner.split_once('(')?;
    Some((kind.to_string(), expected_number(value.strip_suffix(')')?)))
}

#[test]
fn vamp_unit_vectors_all_agree() {
    let Some(shared) = common::shared_dir("vamp_unit_vectors_all_agree") else {
        return;
    };
    let text = std::fs::read_to_string(shared.join("corpus/vamp/UNITS.tsv")).expect("UNITS.tsv");
    let mut total = 0;
    let mut failures = Vec::new();
    for line in text.lines().filter(|l| !l.starts_with('#')).skip(1) {
        let mut fields = line.splitn(3, '\t');
        let (Some(kind), Some(input), Some(expected)) =
            (fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        total += 1;
        let actual: Result<Decimal, String> = match kind {
            "Percentage" => parse_percentage(input)
                .map(|p| Decimal::from_int(p.value().into()))
                .map_err(|e| e.message),
            "MegaByte" => parse_megabytes(input)
                .map(|m| m.megabytes())
                .map_err(|e| e.message),
            "Quantity" => parse_cpu_quantity(input)
                .map(|q| q.cores())
                .map_err(|e| e.message),
            "Time" => parse_vamp_time(input)
                .map(|t| Decimal::from_int(t.seconds().into()))
                .map_err(|e| e.message),
            other => panic!("unknown unit type {other}"),
        };
        let agrees = match (parse_expected(expected), &actual) {
            (None, Err(_)) => true,
            (Some((expected_kind, value)), Ok(got)) => expected_kind == kind && value == *got,
            _ => false,
        };
        if !agrees {
            failures.push(format!(
                "{kind} {input:?}: expected {expected}, got {actual:?}"
            ));
        }
    }
    assert_eq!(total, 42, "UNITS.tsv should hold 42 vectors");
    assert!(
        failures.is_empty(),
        "{} of {total} disagree:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
