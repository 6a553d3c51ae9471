//! Flexible-config templates are untrusted input: one that would loop without end, grow a
//! value without bound, recurse or nest without end stops with K035 (or K034) in bounded time
//! and memory, never a hang, a panic or an allocation the size of its arguments.

use rehearse::dialect::krakend::flexible::{render, Failure, FlexibleConfig};
use rehearse::sandbox::Sandbox;

fn render_text(source: &str) -> Result<String, Failure> {
    let fc = FlexibleConfig::default();
    render("krakend.tmpl", source, &fc, &Sandbox::default()).map(|r| r.text)
}

/// A template that would run away (loop without end, grow a value without bound, recurse or
/// nest without end) stops with a K035 failure, never a hang, a panic or an allocation the
/// size of its arguments.
fn assert_stops(source: &str) {
    let error = render_text(source).expect_err(source);
    assert!(
        error.fail.unsupported,
        "{source}: not a rendering limit: {}",
        error.fail.message
    );
    assert!(
        error.fail.message.contains("limit"),
        "{source}: {}",
        error.fail.message
    );
}

#[test]
fn huge_counts_stop_before_allocating() {
    assert_stops("{{ until 1000000000000 }}");
    assert_stops("{{ range until 9000000000000000000 }}x{{ end }}");
    assert_stops("{{ range 1000000000000 }}{{ end }}");
    assert_stops("{{ repeat 9000000000000000000 \"ab\" }}");
    assert_stops("{{ indent 9000000000000000000 \"a\" }}");
    assert_stops("{{ nindent 100000000 (repeat 1000 \"\\n\") }}");
    assert_stops("{{ replace \"\" (repeat 100000 \"y\") (repeat 100000 \"x\") }}");
    assert_stops("{{ join (repeat 100000 \"y\") (until 100000) }}");
}

#[test]
fn runaway_loops_and_doubling_values_stop() {
    // Nested ranges that print nothing: only a step limit stops them.
    assert_stops("{{ range until 100000 }}{{ range until 100000 }}{{ end }}{{ end }}");
    // Output past the size limit stops as it is written, not after.
    assert_stops("{{ range until 100000 }}{{ repeat 100000 \"x\" }}{{ end }}");
    // A value that doubles every turn.
    assert_stops("{{ $x := \"ab\" }}{{ range until 200 }}{{ $x = print $x $x }}{{ end }}");
    assert_stops("{{ $x := list 1 }}{{ range until 200 }}{{ $x = concat $x $x }}{{ end }}");
    assert_stops("{{ $x := list 1 }}{{ range until 200 }}{{ $x = list $x $x }}{{ end }}");
}

#[test]
fn recursive_templates_stop() {
    // Direct recursion hits the depth limit.
    let error =
        render_text("{{ define \"a\" }}{{ template \"a\" . }}{{ end }}{{ template \"a\" 1 }}")
            .unwrap_err();
    assert!(
        error.fail.message.contains("depth"),
        "{}",
        error.fail.message
    );
    // KrakenD (Go, maxExecDepth 100 000) would go deeper: rehearse's limit, not an error.
    assert!(error.fail.unsupported, "{}", error.fail.message);
    // Each level calling the next twice is 2^60 calls within the depth limit.
    let mut source = String::new();
    for level in 0..60 {
        source.push_str(&format!(
            "{{{{ define \"t{level}\" }}}}{{{{ template \"t{next}\" }}}}{{{{ template \"t{next}\" }}}}{{{{ end }}}}",
            next = level + 1
        ));
    }
    source.push_str("{{ define \"t60\" }}x{{ end }}{{ template \"t0\" }}");
    assert_stops(&source);
}

#[test]
fn deep_nesting_is_refused_not_overflowing_the_stack() {
    let depth = 200_000;
    let ifs = "{{ if 1 }}".repeat(depth) + &"{{ end }}".repeat(depth);
    assert!(render_text(&ifs).is_err());
    let parens = format!("{{{{ {}1{} }}}}", "(".repeat(depth), ")".repeat(depth));
    assert!(render_text(&parens).is_err());
}

#[test]
fn functions_called_without_their_arguments_fail_like_go() {
    for name in [
        "upper", "lower", "title", "trim", "nospace", "b64enc", "atoi",
    ] {
        let error = render_text(&format!("{{{{ {name} }}}}")).unwrap_err();
        assert!(
            error.fail.message.contains("wrong number of args"),
            "{name}: {}",
            error.fail.message
        );
    }
}

#[test]
fn integer_arithmetic_at_the_edges_does_not_panic() {
    // Go's int64 arithmetic wraps; division of the smallest int64 by -1 wraps too.
    assert_eq!(
        render_text("{{ div -9223372036854775808 -1 }}").unwrap(),
        "-9223372036854775808"
    );
    assert_eq!(
        render_text("{{ mod -9223372036854775808 -1 }}").unwrap(),
        "0"
    );
    assert_eq!(
        render_text("{{ add 9223372036854775807 1 }}").unwrap(),
        "-9223372036854775808"
    );
    assert_eq!(
        render_text("{{ sub -9223372036854775808 1 }}").unwrap(),
        "9223372036854775807"
    );
    assert_eq!(
        render_text("{{ add1 9223372036854775807 }}").unwrap(),
        "-9223372036854775808"
    );
}

/// `levels` templates deep, each nesting `blocks` blocks and as many parentheses.
fn nested_templates(levels: usize, blocks: usize) -> String {
    let mut source = String::new();
    for level in 0..levels {
        source.push_str(&format!("{{{{ define \"t{level}\" }}}}"));
        source.push_str(&"{{ if 1 }}".repeat(blocks));
        source.push_str(&format!(
            "{{{{ {}1{} }}}}{{{{ template \"t{}\" }}}}",
            "(".repeat(blocks),
            ")".repeat(blocks),
            level + 1
        ));
        source.push_str(&"{{ end }}".repeat(blocks));
        source.push_str("{{ end }}");
    }
    source.push_str(&format!(
        "{{{{ define \"t{levels}\" }}}}.{{{{ end }}}}{{{{ template \"t0\" }}}}"
    ));
    source
}

#[test]
fn nesting_within_the_limits_renders_on_a_small_stack() {
    // 9 templates deep, each nesting 10 blocks: 9 * 11 + 1 bodies, within the limit of 200
    // levels, rendered on a 2 MiB test-thread stack.
    let out = render_text(&nested_templates(9, 10)).unwrap();
    assert_eq!(out, format!("{}.", "1".repeat(9)));
    // 90 templates deep, 98 blocks each: within each file's limit, past the render's.
    assert_stops(&nested_templates(90, 98));
}

#[test]
fn a_limit_is_a_k035_warning_pointing_at_the_runaway_action() {
    use rehearse::check::{check, Input, Options};
    let source = "{\n  \"version\": 3,\n  \"x\": \"{{ repeat 9000000000000000000 \"ab\" }}\"\n}\n";
    let checked = check(
        vec![Input::reported("krakend.tmpl", source)],
        &Options {
            krakend_flexible: Some(FlexibleConfig::default()),
            ..Options::default()
        },
    );
    let limit = checked
        .diagnostics
        .iter()
        .find(|d| d.code.id == "K035")
        .unwrap_or_else(|| panic!("no K035 in {:?}", checked.diagnostics));
    assert!(limit.message.contains("limit"), "{}", limit.message);
    let at = source.find("{{ repeat").unwrap();
    assert_eq!(limit.span.start as usize, at, "{}", limit.message);
    assert!(limit.code.explanation.contains("limit"));
}
