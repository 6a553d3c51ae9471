//! Every renderer renders every diagnostic: long lines, huge columns, multi-byte text, spans at
//! or past the end of a file, labels in other files and findings no file holds never panic.

mod common;

use proptest::prelude::*;
use rehearse::check::Checked;
use rehearse::diag::{codes, Diagnostic, Severity};
use rehearse::ir::Project;
use rehearse::report::{self, Format};
use rehearse::source::{FileId, SourceMap, Span};

/// One line: short text with awkward characters, or a line long enough to push columns past
/// 65 535.
fn line() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-z :\t\r{}\\[\\]\"'#é€😀-]{0,40}",
        1 => ("[a-zé]{0,3}", 65_000usize..140_000).prop_map(|(unit, n)| {
            let unit = if unit.is_empty() { "a".to_string() } else { unit };
            unit.repeat(n / unit.len().max(1))
        }),
    ]
}

fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(line(), 0..6).prop_map(|lines| lines.join("\n"))
}

/// A span over (or just past) one of `files` texts; file ids may also name no file at all.
fn span(lens: Vec<usize>) -> impl Strategy<Value = Span> {
    let files = lens.len() as u32;
    (0..files + 1, any::<u32>(), any::<u32>()).prop_map(move |(file, a, b)| {
        let len = lens.get(file as usize).copied().unwrap_or(0) as u64 + 3;
        let (a, b) = (a as u64 % len, b as u64 % len);
        Span {
            file: FileId(file),
            start: a.min(b) as u32,
            end: a.max(b) as u32,
        }
    })
}

fn diagnostic(lens: Vec<usize>) -> impl Strategy<Value = Diagnostic> {
    (
        span(lens.clone()),
        prop::collection::vec((span(lens), ".{0,30}"), 0..3),
        any::<bool>(),
        ".{0,80}",
        prop::option::of(".{0,80}"),
        prop::option::of("[A-Za-z0-9-]{0,10}"),
        prop::option::of(".{0,20}"),
    )
        .prop_map(|(span, labels, error, message, help, peer, span_label)| {
            let code = &codes::y::Y001;
            let mut d = if error {
                Diagnostic::error(code, span, message)
            } else {
                Diagnostic::warning(code, span, message)
            };
            for (span, text) in labels {
                d = d.with_label(span, text);
            }
            d.help = help;
            d.peer = peer;
            d.span_label = span_label;
            d
        })
}

fn checked() -> impl Strategy<Value = Checked> {
    prop::collection::vec(text(), 1..3).prop_flat_map(|texts| {
        let lens: Vec<usize> = texts.iter().map(String::len).collect();
        (Just(texts), prop::collection::vec(diagnostic(lens), 0..4)).prop_map(
            |(texts, diagnostics)| {
                let mut sources = SourceMap::new();
                for (i, text) in texts.into_iter().enumerate() {
                    sources.add(format!("dir/file{i}.yaml"), text);
                }
                Checked {
                    files: sources.len(),
                    skipped: Vec::new(),
                    sources,
                    project: Project::default(),
                    diagnostics,
                }
            },
        )
    })
}

fn render_all(checked: &Checked) {
    for format in [Format::Human, Format::Json, Format::Sarif, Format::Github] {
        let text = report::render(format, checked, false);
        let mentioned = text.matches("Y001").count() + text.matches("S001").count();
        assert!(
            mentioned >= checked.diagnostics.len(),
            "{format:?} lost a finding"
        );
        if format == Format::Human {
            // Long lines are cut to a window: the excerpt never grows with the line.
            assert!(
                text.len() < 20_000 * (checked.diagnostics.len() + 1),
                "{} bytes",
                text.len()
            );
        }
    }
    report::render(Format::Human, checked, true);
    for d in &checked.diagnostics {
        report::human::render_one(&checked.sources, d, false);
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: common::proptest_cases(),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn every_format_renders_arbitrary_diagnostics(checked in checked()) {
        render_all(&checked);
    }
}

fn one(text: String, start: usize, end: usize) -> Checked {
    let mut sources = SourceMap::new();
    let file = sources.add("long.yaml", text);
    Checked {
        sources,
        project: Project::default(),
        diagnostics: vec![Diagnostic::error(
            &codes::y::Y001,
            Span::new(file, start, end),
            "broken",
        )],
        files: 1,
        skipped: Vec::new(),
    }
}

#[test]
fn a_column_past_65535_renders_a_window_around_the_span() {
    let long = format!("key: {}MARK tail\nnext: 1\n", "x".repeat(70_000));
    let at = long.find("MARK").unwrap();
    let checked = one(long, at, at + 4);
    let human = report::render(Format::Human, &checked, false);
    // The header keeps the real position; the excerpt is a window around the span.
    assert!(human.contains("[long.yaml:1:70006]"), "{human}");
    assert!(human.contains("MARK tail"), "{human}");
    assert!(human.contains('…'), "{human}");
    assert!(human.len() < 2_000, "{} bytes", human.len());
    let json = report::render(Format::Json, &checked, false);
    assert!(json.contains("\"column\": 70006"), "{json}");
}

#[test]
fn a_span_spanning_long_lines_renders() {
    let long = format!(
        "{}\n{}\n{}\n",
        "a".repeat(80_000),
        "é".repeat(70_000),
        "b".repeat(90_000)
    );
    let len = long.len();
    render_all(&one(long, 40_000, len - 100));
}

#[test]
fn a_finding_no_file_holds_renders_in_every_format() {
    let checked = Checked {
        sources: SourceMap::new(),
        project: Project::default(),
        diagnostics: vec![Diagnostic::error(
            &codes::s::S001,
            Span::point(FileId(0), 0),
            "the paths hold no scenario",
        )],
        files: 0,
        skipped: Vec::new(),
    };
    render_all(&checked);
    let json: serde_json::Value =
        serde_json::from_str(&report::render(Format::Json, &checked, false)).unwrap();
    assert_eq!(json["diagnostics"][0]["file"], serde_json::Value::Null);
    assert_eq!(checked.diagnostics[0].severity, Severity::Error);
}
