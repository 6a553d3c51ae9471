//! Rendering tests on in-memory templates (no folders).

use super::*;

fn render_text(source: &str) -> Result<String, Failure> {
    let fc = FlexibleConfig::default();
    render("krakend.tmpl", source, &fc, &Sandbox::default()).map(|r| r.text)
}

#[test]
fn the_documented_add_example_renders_version_3() {
    // KrakenD docs, configuration/templates.md: `{"version": {{add 2 1}}}` prints 3.
    assert_eq!(
        render_text("{\n    \"version\": {{add 2 1}}\n}").unwrap(),
        "{\n    \"version\": 3\n}"
    );
}

#[test]
fn trim_markers_variables_and_control_flow() {
    let out =
        render_text("[{{- range $i, $v := list 1 2 3 -}}{{ if $i }},{{ end }}{{ $v }}{{- end -}}]")
            .unwrap();
    assert_eq!(out, "[1,2,3]");
    let out = render_text("{{ $x := \"a\" }}{{ $x = \"b\" }}{{ $x }}{{/* gone */}}").unwrap();
    assert_eq!(out, "b");
    let out =
        render_text("{{ with dict \"a\" (dict \"b\" \"hi\") }}{{ .a.b }} and {{ $.x }}{{ end }}")
            .unwrap();
    assert_eq!(out, "hi and <no value>");
    let out = render_text("{{ if eq 1 2 }}a{{ else if gt 3 2 }}b{{ else }}c{{ end }}").unwrap();
    assert_eq!(out, "b");
    let out = render_text("{{ define \"x\" }}<{{ . }}>{{ end }}{{ template \"x\" 5 }}").unwrap();
    assert_eq!(out, "<5>");
}

#[test]
fn marshal_is_go_json() {
    let out = render_text("{{ marshal (dict \"b\" 1 \"a\" (list \"<x>\" true)) }}").unwrap();
    assert_eq!(out, "{\"a\":[\"\\u003cx\\u003e\",true],\"b\":1}");
}

#[test]
fn errors_say_why() {
    let error = render_text("{{ nosuch 1 }}").unwrap_err();
    assert_eq!(error.fail.message, "function \"nosuch\" not defined");
    assert!(!error.fail.unsupported);
    let error = render_text("{{ now }}").unwrap_err();
    assert!(error.fail.unsupported);
    let error = render_text("{{ if 1 }}").unwrap_err();
    assert!(
        error.fail.message.contains("unexpected EOF"),
        "{}",
        error.fail.message
    );
    let error = render_text("{{ .a.b }}").unwrap_err();
    assert!(
        error.fail.message.contains("nil pointer"),
        "{}",
        error.fail.message
    );
}

#[test]
fn segments_trace_output_to_source() {
    let rendered = render(
        "t.tmpl",
        "ab{{ 1 }}cd",
        &FlexibleConfig::default(),
        &Sandbox::default(),
    )
    .unwrap();
    assert_eq!(rendered.text, "ab1cd");
    assert_eq!(rendered.origin(1), Some((0, 1..2)));
    assert_eq!(rendered.origin(2), Some((0, 2..9)));
    assert_eq!(rendered.origin(3), Some((0, 9..11)));
}
