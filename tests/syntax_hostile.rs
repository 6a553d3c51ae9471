//! Hostile and broken input: alias bombs, very deep nesting, binary and non-UTF-8 files, empty
//! and oversized files, and arbitrary bytes. Each must end quickly with a clear diagnostic and
//! never panic or overflow the stack (these tests run on the default 2 MiB test thread).

mod common;

use proptest::prelude::*;
use rehearse::diag::{Diagnostic, Severity};
use rehearse::source::SourceMap;
use rehearse::syntax::yaml::PARSER_FAILURE;
use rehearse::syntax::{load, Format, Limits, Parsed, Profile};
use std::time::Instant;

fn load_bytes(bytes: Vec<u8>, format: Format, limits: &Limits) -> (SourceMap, Parsed) {
    let mut sources = SourceMap::new();
    let (_, parsed) = load(&mut sources, "hostile", bytes, format, limits);
    (sources, parsed)
}

fn load_text(text: &str, format: Format) -> (SourceMap, Parsed) {
    load_bytes(text.as_bytes().to_vec(), format, &Limits::default())
}

fn codes(diagnostics: &[Diagnostic]) -> Vec<&'static str> {
    diagnostics.iter().map(|d| d.code.id).collect()
}

/// The classic: nine levels, each a list of nine aliases to the level below.
fn billion_laughs() -> String {
    let mut text = String::from(
        "a0: &a0 [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    for level in 1..=9 {
        let below = format!("*a{}", level - 1);
        let items = [below.as_str(); 9].join(",");
        text.push_str(&format!("a{level}: &a{level} [{items}]\n"));
    }
    text
}

#[test]
fn billion_laughs_is_rejected_by_the_alias_budget() {
    let text = billion_laughs();
    let started = Instant::now();
    let (sources, parsed) = load_text(&text, Format::Yaml);
    let elapsed = started.elapsed();
    eprintln!("billion laughs rejected in {elapsed:?}");
    assert_eq!(codes(&parsed.diagnostics), ["Y003"]);
    let error = &parsed.diagnostics[0];
    assert!(error.is_error());
    assert!(error.message.contains("100000"), "{}", error.message);
    // The budget runs out on an alias of a middle level, long before the last one.
    let line = sources
        .get(error.span.file)
        .line_col(error.span.start as usize)
        .line;
    assert!((3..=8).contains(&line), "stopped on line {line}");
    assert!(parsed.documents.is_empty());
}

#[test]
fn aliases_within_the_budget_are_expanded() {
    let text = "a: &a [x, y]\nb: &b [*a, *a]\nc: [*b, *b]\n";
    let (_, parsed) = load_text(text, Format::Yaml);
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    let root = &parsed.documents[0].root;
    let c = root.as_map().unwrap().get("c").unwrap();
    // c = 1 list of 2 lists of 2 lists of 2 scalars.
    assert_eq!(c.size(), 1 + 2 * (1 + 2 * (1 + 2)));

    let tight = Limits {
        alias_budget: 10,
        ..Limits::default()
    };
    let (_, parsed) = load_bytes(text.as_bytes().to_vec(), Format::Yaml, &tight);
    assert_eq!(codes(&parsed.diagnostics), ["Y003"]);
}

#[test]
fn deep_yaml_flow_nesting_is_y004() {
    let text = "[".repeat(100_000);
    let started = Instant::now();
    let (_, parsed) = load_text(&text, Format::Yaml);
    eprintln!("100 000-deep YAML flow rejected in {:?}", started.elapsed());
    assert_eq!(codes(&parsed.diagnostics), ["Y004"]);
    assert!(parsed.documents.is_empty());

    // Our own limit, below saphyr's flow limit, speaks in levels.
    let shallow = Limits {
        max_depth: 10,
        ..Limits::default()
    };
    let text = format!("{}1{}", "[".repeat(11), "]".repeat(11));
    let (sources, parsed) = load_bytes(text.into_bytes(), Format::Yaml, &shallow);
    assert_eq!(codes(&parsed.diagnostics), ["Y004"]);
    assert!(parsed.diagnostics[0].message.contains("10 levels"));
    assert_eq!(parsed.diagnostics[0].span.start, 10);
    assert_eq!(sources.slice(parsed.diagnostics[0].span), "[");
}

#[test]
fn deep_yaml_block_nesting_is_y004() {
    // `- - - … x`: one block list per dash, 100 000 levels on one line.
    let text = format!("{}x\n", "- ".repeat(100_000));
    let started = Instant::now();
    let (_, parsed) = load_text(&text, Format::Yaml);
    eprintln!(
        "100 000-deep YAML block rejected in {:?}",
        started.elapsed()
    );
    assert_eq!(codes(&parsed.diagnostics), ["Y004"]);
    assert!(parsed.diagnostics[0].message.contains("256 levels"));

    // Indented mappings, one level per line.
    let text: String = (0..400)
        .map(|level| format!("{}k:\n", "  ".repeat(level)))
        .collect();
    let (sources, parsed) = load_text(&text, Format::Yaml);
    assert_eq!(codes(&parsed.diagnostics), ["Y004"]);
    let line = sources
        .get(parsed.diagnostics[0].span.file)
        .line_col(parsed.diagnostics[0].span.start as usize)
        .line;
    assert_eq!(line, 257);
}

#[test]
fn nesting_at_the_limit_is_read() {
    let depth = Limits::default().max_depth;
    let text: String = (0..depth)
        .map(|level| format!("{}k:\n", "  ".repeat(level)))
        .collect();
    let (_, parsed) = load_text(&text, Format::Yaml);
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    let json = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let (_, parsed) = load_text(&json, Format::Json);
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
}

#[test]
fn aliases_cannot_build_trees_past_the_depth_limit() {
    let limits = Limits {
        max_depth: 8,
        ..Limits::default()
    };
    // Each level nests the previous anchor three levels deeper.
    let text = "a: &a [[[1]]]\nb: &b [[[*a]]]\nc: &c [[[*b]]]\n";
    let (_, parsed) = load_bytes(text.as_bytes().to_vec(), Format::Yaml, &limits);
    assert_eq!(codes(&parsed.diagnostics), ["Y004"]);
}

#[test]
fn deep_json_nesting_is_y004_before_parsing() {
    for text in [
        "[".repeat(100_000),
        "{\"a\":".repeat(100_000),
        format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)),
    ] {
        let started = Instant::now();
        let (sources, parsed) = load_text(&text, Format::Json);
        eprintln!("100 000-deep JSON rejected in {:?}", started.elapsed());
        assert_eq!(codes(&parsed.diagnostics), ["Y004"]);
        let error = &parsed.diagnostics[0];
        assert!(matches!(sources.slice(error.span), "[" | "{"));
    }
}

#[test]
fn empty_and_comment_only_files_are_y007() {
    // Valid YAML with no document: a warning. An empty JSON text is not JSON: an error.
    for (text, format, severity) in [
        ("", Format::Yaml, Severity::Warning),
        ("  \n\n\t\n", Format::Yaml, Severity::Warning),
        (
            "# just a comment\n  # another\n",
            Format::Yaml,
            Severity::Warning,
        ),
        ("\u{FEFF}", Format::Yaml, Severity::Warning),
        ("", Format::Json, Severity::Error),
        (" \n ", Format::Json, Severity::Error),
    ] {
        let (_, parsed) = load_text(text, format);
        assert_eq!(codes(&parsed.diagnostics), ["Y007"], "{text:?}");
        assert_eq!(parsed.diagnostics[0].severity, severity, "{text:?}");
        assert!(parsed.documents.is_empty());
    }
}

#[test]
fn binary_files_are_y006_at_the_nul_byte() {
    let mut bytes = b"key: value\n".to_vec();
    bytes.extend([0x00, 0x01, 0x02, 0xff, 0xfe]);
    for format in [Format::Yaml, Format::Json] {
        let (sources, parsed) = load_bytes(bytes.clone(), format, &Limits::default());
        assert_eq!(codes(&parsed.diagnostics), ["Y006"]);
        let error = &parsed.diagnostics[0];
        assert_eq!(error.span.start, 11);
        assert_eq!(sources.slice(error.span), "\0");
        assert!(error.message.contains("binary"));
        assert!(parsed.documents.is_empty());
    }
}

#[test]
fn invalid_utf8_is_y005_at_the_first_bad_byte() {
    // Latin-1 "é" (0xe9) after some valid non-ASCII text.
    let mut bytes = "name: ü\nother: caf".as_bytes().to_vec();
    let bad_at = bytes.len();
    bytes.extend([0xe9, b'\n', b'x', b':', b' ', 0xff, b'\n']);
    let (sources, parsed) = load_bytes(bytes, Format::Yaml, &Limits::default());
    assert_eq!(codes(&parsed.diagnostics), ["Y005"]);
    let error = &parsed.diagnostics[0];
    assert_eq!(error.span.start as usize, bad_at);
    assert!(error.message.contains("0xe9"), "{}", error.message);
    // The stored text is a lossy copy, so the report can show the line.
    let file = sources.get(error.span.file);
    assert_eq!(sources.slice(error.span), "\u{FFFD}");
    assert_eq!(file.line_col(error.span.start as usize).line, 2);
    assert!(file.text.starts_with("name: ü\nother: caf\u{FFFD}"));
    assert!(parsed.documents.is_empty());

    // A truncated multi-byte sequence at the very end.
    let (_, parsed) = load_bytes(vec![b'a', 0xe2, 0x82], Format::Json, &Limits::default());
    assert_eq!(codes(&parsed.diagnostics), ["Y005"]);
    assert_eq!(parsed.diagnostics[0].span.start, 1);
}

#[test]
fn oversized_files_are_y011_and_not_read() {
    let limits = Limits {
        max_file_bytes: 16,
        ..Limits::default()
    };
    let (sources, parsed) = load_bytes(vec![b'a'; 40], Format::Yaml, &limits);
    assert_eq!(codes(&parsed.diagnostics), ["Y011"]);
    assert!(parsed.diagnostics[0].message.contains("40 bytes"));
    assert!(parsed.diagnostics[0].message.contains("16 bytes"));
    // Exactly one byte over is all a capped reader sees of a bigger file: no size is claimed.
    let (_, parsed) = load_bytes(vec![b'a'; 17], Format::Yaml, &limits);
    assert_eq!(codes(&parsed.diagnostics), ["Y011"]);
    assert!(!parsed.diagnostics[0].message.contains("17"));
    assert!(sources.get(parsed.diagnostics[0].span.file).text.is_empty());
    let (_, parsed) = load_bytes(b"a: 1\n".to_vec(), Format::Yaml, &limits);
    assert!(parsed.diagnostics.is_empty());
}

/// Issue 14: a file found by discovery (which reads one byte past the limit) was reported as
/// limit + 1 bytes long, whatever its size.
#[test]
fn y011_never_reports_the_capped_read_as_the_file_size() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.yaml");
    std::fs::write(&path, "a: 1\n".repeat(100)).unwrap();
    let discovered = rehearse::discover::discover(std::slice::from_ref(&path), None, 16).unwrap();
    let options = rehearse::check::Options {
        limits: Limits {
            max_file_bytes: 16,
            ..Limits::default()
        },
        ..rehearse::check::Options::default()
    };
    let checked = rehearse::check::check(discovered.inputs, &options);
    let y011: Vec<_> = checked
        .diagnostics
        .iter()
        .filter(|d| d.code.id == "Y011")
        .collect();
    assert_eq!(y011.len(), 1);
    assert!(!y011[0].message.contains("17 bytes"), "{}", y011[0].message);
}

/// Issue 14: a parser error at the end of a file that ends with a line break pointed at a line
/// the file does not have.
#[test]
fn errors_at_the_end_of_a_file_point_at_its_last_line() {
    for (text, format) in [("a: [1, 2\n", Format::Yaml), ("{\"a\": 1\n", Format::Json)] {
        let (sources, parsed) = load_bytes(text.as_bytes().to_vec(), format, &Limits::default());
        assert!(!parsed.diagnostics.is_empty(), "{text:?}");
        for diagnostic in &parsed.diagnostics {
            let file = sources.get(diagnostic.span.file);
            let start = file.line_col(diagnostic.span.start as usize);
            let end = file.line_col(diagnostic.span.end as usize);
            assert_eq!((start.line, end.line), (1, 1), "{text:?}: {diagnostic:?}");
            // The span itself stays off the phantom line, for renderers that count lines.
            assert!((diagnostic.span.end as usize) < text.len(), "{text:?}");
        }
    }
}

#[test]
fn many_keys_in_one_mapping_stay_fast() {
    // Duplicate detection is hashed, so a big mapping with many duplicates stays linear.
    let text: String = (0..20_000)
        .map(|i| format!("k{}: {i}\n", i % 10_000))
        .collect();
    let started = Instant::now();
    let (_, parsed) = load_text(&text, Format::Yaml);
    let document = &parsed.documents[0];
    for profile in [Profile::Yaml12, Profile::PyYaml] {
        let mut diagnostics = parsed.diagnostics.clone();
        let read = profile.apply(document, &mut diagnostics);
        assert_eq!(diagnostics.len(), 10_000, "{profile:?}");
        assert_eq!(read.root.as_map().unwrap().len(), 10_000, "{profile:?}");
    }
    eprintln!("20 000 keys read in {:?}", started.elapsed());
}

#[test]
fn many_under_indented_flow_lines_stay_fast() {
    // Every line of the list needs re-indenting; offsets map back by binary search.
    let text = format!("a: [\n{}2\n]\n", "1,\n".repeat(20_000));
    let started = Instant::now();
    let (sources, parsed) = load_text(&text, Format::Yaml);
    eprintln!("20 000 re-indented lines read in {:?}", started.elapsed());
    assert_eq!(codes(&parsed.diagnostics), ["Y014"]);
    let list = parsed.documents[0].root.as_map().unwrap().get("a").unwrap();
    let items = list.as_seq().unwrap();
    assert_eq!(items.len(), 20_001);
    assert_eq!(items[19_999].span.start as usize, 5 + 3 * 19_999);
    assert_eq!(sources.slice(items[20_000].span), "2");
}

/// What every load must satisfy: no parser panic, every span inside the stored text and on
/// character boundaries.
fn check_invariants(sources: &SourceMap, parsed: &Parsed) -> Result<(), TestCaseError> {
    for diagnostic in &parsed.diagnostics {
        prop_assert!(
            !diagnostic.message.starts_with(PARSER_FAILURE),
            "parser panicked"
        );
        let text = &sources.get(diagnostic.span.file).text;
        prop_assert!(diagnostic.span.end as usize <= text.len());
        prop_assert!(text.is_char_boundary(diagnostic.span.start as usize));
        prop_assert!(text.is_char_boundary(diagnostic.span.end as usize));
    }
    let mut pending: Vec<&rehearse::syntax::Node> =
        parsed.documents.iter().map(|d| &d.root).collect();
    while let Some(node) = pending.pop() {
        let text = &sources.get(node.span.file).text;
        prop_assert!(node.span.start <= node.span.end);
        prop_assert!(node.span.end as usize <= text.len(), "{node:?}");
        prop_assert!(text.is_char_boundary(node.span.start as usize));
        prop_assert!(text.is_char_boundary(node.span.end as usize));
        if let Some(items) = node.as_seq() {
            pending.extend(items);
        }
        if let Some(map) = node.as_map() {
            for (key, value) in map.iter() {
                pending.push(key);
                pending.push(value);
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: common::proptest_cases(),
        // Integration tests have no lib.rs beside them to persist failures next to.
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        for format in [Format::Yaml, Format::Json] {
            let (sources, parsed) = load_bytes(bytes.clone(), format, &Limits::default());
            check_invariants(&sources, &parsed)?;
        }
    }

    #[test]
    fn yaml_like_text_never_panics(
        text in "([a-zé0-9<>:,#&*!|?%@`'\"{}\\[\\]\\- \\t\\n]|\n  |\n- |: |<<: |---\n|\\.\\.\\.\n){0,80}"
    ) {
        for format in [Format::Yaml, Format::Json] {
            let (sources, parsed) = load_text(&text, format);
            check_invariants(&sources, &parsed)?;
        }
    }
}
