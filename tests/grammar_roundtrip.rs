//! Round trips of the embedded-language printers: parsing what a printer wrote gives back the
//! same value (print ∘ parse = id on generated values).

use proptest::prelude::*;
use rehearse::syntax::condition::{
    parse_condition, Atom, Condition, ConditionKind, ConditionSyntax,
};
use rehearse::syntax::iso8601::{parse_period, Period};
use rehearse::syntax::units::{
    parse_fine_percentage, parse_go_duration, parse_percentage, parse_vamp_time, FinePercentage,
    GoDuration, Percentage, VampTime,
};

fn node(kind: ConditionKind) -> Condition {
    Condition { kind, span: 0..0 }
}

/// A route-condition value: no spaces or parentheses.
fn route_word() -> impl Strategy<Value = String> {
    "[A-Za-z0-9._:/=-]{1,8}"
}

fn route_atom() -> impl Strategy<Value = Atom> {
    prop_oneof![
        "[a-z0-9_()=!.]([a-z0-9 _()=!.]{0,8}[a-z0-9_()=!.])?".prop_map(Atom::Value),
        route_word().prop_map(Atom::Host),
        route_word().prop_map(Atom::UserAgent),
        route_word().prop_map(Atom::Cookie),
        route_word().prop_map(Atom::Header),
        (route_word(), route_word())
            .prop_map(|(cookie, value)| Atom::CookieContains { cookie, value }),
        (route_word(), route_word())
            .prop_map(|(header, value)| Atom::HeaderContains { header, value }),
    ]
}

/// A boolean-grammar word that the PEG reads as a value: not starting like a constant
/// (`t`, `f`, `1`, `0`) and not the keyword `not`.
fn boolean_word() -> impl Strategy<Value = Atom> {
    "[a-eg-su-z][a-z0-9]{0,5}"
        .prop_filter("`not` is a keyword", |w| w != "not")
        .prop_map(Atom::Value)
}

fn tree(leaf: BoxedStrategy<Condition>) -> impl Strategy<Value = Condition> {
    leaf.prop_recursive(4, 24, 2, |inner| {
        prop_oneof![
            inner
                .clone()
                .prop_map(|c| node(ConditionKind::Not(Box::new(c)))),
            (inner.clone(), inner.clone())
                .prop_map(|(a, b)| node(ConditionKind::And(Box::new(a), Box::new(b)))),
            (inner.clone(), inner)
                .prop_map(|(a, b)| node(ConditionKind::Or(Box::new(a), Box::new(b)))),
        ]
    })
}

fn route_condition() -> impl Strategy<Value = Condition> {
    tree(
        route_atom()
            .prop_map(|a| node(ConditionKind::Atom(a)))
            .boxed(),
    )
}

fn boolean_condition() -> impl Strategy<Value = Condition> {
    tree(
        prop_oneof![
            Just(node(ConditionKind::True)),
            Just(node(ConditionKind::False)),
            boolean_word().prop_map(|a| node(ConditionKind::Atom(a))),
        ]
        .boxed(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn route_condition_print_then_parse_is_identity(condition in route_condition()) {
        let text = condition.to_source(ConditionSyntax::Route);
        let parsed = parse_condition(&text, ConditionSyntax::Route);
        prop_assert!(parsed.is_ok(), "{text}: {parsed:?}");
        let parsed = parsed.unwrap();
        prop_assert!(parsed.same_shape(&condition), "{text}\n{}\n{}", parsed.to_vamp_notation(), condition.to_vamp_notation());
    }

    #[test]
    fn boolean_condition_print_then_parse_is_identity(condition in boolean_condition()) {
        let text = condition.to_source(ConditionSyntax::Boolean);
        let parsed = parse_condition(&text, ConditionSyntax::Boolean);
        prop_assert!(parsed.is_ok(), "{text}: {parsed:?}");
        prop_assert!(parsed.unwrap().same_shape(&condition), "{text}");
    }

    #[test]
    fn vamp_percentage_round_trips(value in 0u8..=100) {
        let percentage = Percentage::new(value).unwrap();
        prop_assert_eq!(parse_percentage(&percentage.normal_form()), Ok(percentage));
    }

    #[test]
    fn fine_percentage_round_trips(ppm in 0u64..=10_000_000_000) {
        let percentage = FinePercentage::from_parts_per_million(ppm);
        prop_assert_eq!(parse_fine_percentage(&percentage.normal_form()), Ok(percentage));
    }

    #[test]
    fn go_duration_round_trips(nanos in any::<i64>()) {
        let duration = GoDuration::from_nanos(nanos);
        prop_assert_eq!(parse_go_duration(&duration.normal_form()), Ok(duration), "{}", duration.normal_form());
    }

    #[test]
    fn vamp_time_round_trips(seconds in 0u32..=i32::MAX as u32) {
        let time = VampTime::from_seconds(seconds).unwrap();
        prop_assert_eq!(parse_vamp_time(&time.normal_form()), Ok(time));
    }

    #[test]
    fn period_normal_form_round_trips(
        years in -1000i32..1000, months in -100i32..100, days in -1000i32..1000,
        nanos in -10_000_000_000_000i128..10_000_000_000_000, date_given: bool, time_given: bool,
    ) {
        let period = Period { years, months, days, time_nanos: nanos, date_given, time_given };
        let expected = if !date_given && !time_given {
            Period::DEFAULT
        } else {
            Period {
                years: if date_given { years } else { 0 },
                months: if date_given { months } else { 0 },
                days: if date_given { days } else { 0 },
                time_nanos: if time_given { nanos } else { 0 },
                ..period
            }
        };
        let text = expected.normal_form();
        prop_assert_eq!(parse_period(&text), Ok(expected), "{}", text);
    }
}

#[test]
fn vamp_notation_of_a_printed_condition_is_stable() {
    let condition = parse_condition(
        "!(host == a or <x>) and has cookie c",
        ConditionSyntax::Route,
    )
    .expect("parses");
    let again = parse_condition(&condition.to_string(), ConditionSyntax::Route).expect("reparses");
    assert_eq!(condition.to_vamp_notation(), again.to_vamp_notation());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Every parser answers any text with a value or an error whose range lies inside the text
    /// on character boundaries (no panic).
    #[test]
    fn parsers_never_panic_and_errors_stay_inside(text in "[ -~µ⇒\t\n]{0,40}|[()!<>$%.{}a-z0-9 ]{0,40}") {
        use rehearse::syntax::{condition, iso8601, units, value};
        let check = |error: rehearse::syntax::grammar_error::GrammarError| {
            assert!(error.range.start <= error.range.end && error.range.end <= text.len(), "{error:?}");
            assert!(text.is_char_boundary(error.range.start) && text.is_char_boundary(error.range.end), "{error:?}");
            assert!(!error.message.is_empty());
        };
        let results: Vec<Option<_>> = vec![
            units::parse_percentage(&text).err(),
            units::parse_megabytes(&text).err(),
            units::parse_cpu_quantity(&text).err(),
            units::parse_vamp_time(&text).err(),
            units::parse_go_duration(&text).err(),
            units::parse_fine_percentage(&text).err(),
            units::parse_rate(&text).err(),
            iso8601::parse_period(&text).err(),
            iso8601::parse_date_time(&text).err(),
            iso8601::parse_start(&text).err(),
            iso8601::parse_repeat(&text).err(),
            condition::parse_condition(&text, ConditionSyntax::Route).err(),
            condition::parse_condition(&text, ConditionSyntax::Boolean).err(),
            value::parse_trait_value(&text).err(),
        ];
        for error in results.into_iter().flatten() {
            check(error);
        }
        if let Ok(parsed) = value::parse_trait_value(&text) {
            if let Some(dropped) = parsed.dropped {
                check(dropped);
            }
        }
        if let Ok(parsed) = condition::parse_condition(&text, ConditionSyntax::Boolean) {
            let _ = condition::to_dnf(&parsed);
            let _ = condition::vamp_flatten(&parsed);
        }
    }
}
