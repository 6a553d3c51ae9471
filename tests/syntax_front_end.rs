//! The YAML and JSON front ends: values, spans, merge keys, duplicate keys, tags, documents,
//! JSON strictness, and a round trip of generated trees through YAML and JSON text.

mod common;

use proptest::prelude::*;
use rehearse::diag::{Diagnostic, Severity};
use rehearse::source::SourceMap;
use rehearse::syntax::{load, load_as, Format, Limits, Node, Parsed, Profile, Value};

fn load_text(text: &str, format: Format) -> (SourceMap, Parsed) {
    let mut sources = SourceMap::new();
    let (_, parsed) = load(
        &mut sources,
        "test-input",
        text.as_bytes().to_vec(),
        format,
        &Limits::default(),
    );
    (sources, parsed)
}

/// The text read the way `profile`'s runtime reads it.
fn load_profiled(text: &str, format: Format, profile: Profile) -> (SourceMap, Parsed) {
    let mut sources = SourceMap::new();
    let (_, parsed) = load_as(
        &mut sources,
        "test-input",
        text.as_bytes().to_vec(),
        format,
        &Limits::default(),
        profile,
    );
    (sources, parsed)
}

/// The single document of a file that must read without any diagnostic.
fn clean(text: &str, format: Format) -> (SourceMap, Node) {
    let (sources, parsed) = load_text(text, format);
    assert!(
        parsed.diagnostics.is_empty(),
        "unexpected diagnostics: {:?}",
        parsed.diagnostics
    );
    assert_eq!(parsed.documents.len(), 1);
    let root = parsed.documents.into_iter().next().map(|d| d.root).unwrap();
    (sources, root)
}

fn codes(diagnostics: &[Diagnostic]) -> Vec<&'static str> {
    diagnostics.iter().map(|d| d.code.id).collect()
}

fn keys(node: &Node) -> Vec<String> {
    node.as_map()
        .expect("a mapping")
        .iter()
        .map(|(k, _)| k.key_text().unwrap_or_default())
        .collect()
}

#[test]
fn spans_are_byte_offsets_after_non_ascii_text() {
    let text = "title: \"Grüße aus Köln ✓\"\nname: value\nlist: [ä, 'ö', {k: ü}]\n";
    let (sources, root) = clean(text, Format::Yaml);
    let map = root.as_map().unwrap();

    let (key, value) = map.entry("name").unwrap();
    assert_eq!(key.span.start as usize, text.find("name").unwrap());
    assert_eq!(sources.slice(key.span), "name");
    assert_eq!(sources.slice(value.span), "value");

    // Quoted scalars cover their quotes; flow containers cover their brackets.
    assert_eq!(
        sources.slice(map.get("title").unwrap().span),
        "\"Grüße aus Köln ✓\""
    );
    let list = map.get("list").unwrap();
    assert_eq!(sources.slice(list.span), "[ä, 'ö', {k: ü}]");
    let items = list.as_seq().unwrap();
    assert_eq!(sources.slice(items[1].span), "'ö'");
    assert_eq!(items[1].as_str(), Some("ö"));
    assert_eq!(sources.slice(items[2].span), "{k: ü}");

    // line/col of the value after the non-ASCII line: line 2, column 7.
    let position = sources
        .get(value.span.file)
        .line_col(value.span.start as usize);
    assert_eq!((position.line, position.column), (2, 7));
}

#[test]
fn block_containers_end_with_their_last_content() {
    let text = "outer:\n  inner:\n    - a\n    - b   # comment\n\nnext: 1\n";
    let (sources, root) = clean(text, Format::Yaml);
    let outer = root.as_map().unwrap().get("outer").unwrap();
    assert_eq!(sources.slice(outer.span), "inner:\n    - a\n    - b");
    let inner = outer.as_map().unwrap().get("inner").unwrap();
    assert_eq!(sources.slice(inner.span), "- a\n    - b");
}

#[test]
fn anchors_and_tags_are_not_part_of_a_node_span() {
    let text = "a: &anchor !!str 12\nb: *anchor\nc: &m\n  k: v\n";
    let (sources, root) = clean(text, Format::Yaml);
    let map = root.as_map().unwrap();
    assert_eq!(sources.slice(map.get("a").unwrap().span), "12");
    // An alias copy points at the alias itself.
    let b = map.get("b").unwrap();
    assert_eq!(b.as_str(), Some("12"));
    assert_eq!(sources.slice(b.span), "*anchor");
    assert_eq!(sources.slice(map.get("c").unwrap().span), "k: v");
}

#[test]
fn plain_scalars_follow_the_core_schema() {
    let text = "\
null1: ~
null2: NULL
null3:
t: True
f: false
dec: -17
oct: 0o17
hex: 0xff
float: 6.5e3
inf: -.inf
yes_is_a_string: yes
time: 12:30
quoted_int: \"12\"
single: '~'
block: |
  true
";
    let (_, root) = clean(text, Format::Yaml);
    let map = root.as_map().unwrap();
    let value = |key: &str| map.get(key).unwrap().value.clone();
    assert_eq!(value("null1"), Value::Null);
    assert_eq!(value("null2"), Value::Null);
    assert_eq!(value("null3"), Value::Null);
    assert_eq!(value("t"), Value::Bool(true));
    assert_eq!(value("f"), Value::Bool(false));
    assert_eq!(value("dec"), Value::Int(-17));
    assert_eq!(value("oct"), Value::Int(15));
    assert_eq!(value("hex"), Value::Int(255));
    assert_eq!(value("float"), Value::Float(6500.0, "6.5e3".into()));
    assert_eq!(
        value("inf"),
        Value::Float(f64::NEG_INFINITY, "-.inf".into())
    );
    assert_eq!(value("yes_is_a_string"), Value::Str("yes".into()));
    assert_eq!(value("time"), Value::Str("12:30".into()));
    assert_eq!(value("quoted_int"), Value::Str("12".into()));
    assert_eq!(value("single"), Value::Str("~".into()));
    assert_eq!(value("block"), Value::Str("true\n".into()));
}

#[test]
fn core_tags_are_honoured_and_others_reported() {
    let text = "\
s: !!str 12
i: !!int \"42\"
f: !!float 3
b: !!bool \"true\"
n: !!null ''
q: ! 12
v: !<tag:yaml.org,2002:str> 5
m: !!map {a: 1}
custom: !thing 7
bad: !!int twelve
";
    let (sources, parsed) = load_text(text, Format::Yaml);
    let root = &parsed.documents[0].root;
    let map = root.as_map().unwrap();
    let value = |key: &str| map.get(key).unwrap().value.clone();
    assert_eq!(value("s"), Value::Str("12".into()));
    assert_eq!(value("i"), Value::Int(42));
    assert_eq!(value("f"), Value::Float(3.0, "3".into()));
    assert_eq!(value("b"), Value::Bool(true));
    assert_eq!(value("n"), Value::Null);
    assert_eq!(value("q"), Value::Str("12".into()));
    assert_eq!(value("v"), Value::Str("5".into()));
    assert_eq!(keys(map.get("m").unwrap()), ["a"]);
    // An unknown tag is an error (the peers' loaders refuse it); an unfitting core tag is a
    // warning. Both values are read as if untagged.
    assert_eq!(value("custom"), Value::Int(7));
    assert_eq!(value("bad"), Value::Str("twelve".into()));
    assert_eq!(codes(&parsed.diagnostics), ["Y010", "Y013"]);
    assert_eq!(parsed.diagnostics[0].severity, Severity::Error);
    assert_eq!(parsed.diagnostics[1].severity, Severity::Warning);
    assert_eq!(sources.slice(parsed.diagnostics[0].span), "!thing");
    assert!(parsed.diagnostics[0].message.contains("!thing"));
    assert_eq!(sources.slice(parsed.diagnostics[1].span), "twelve");
}

#[test]
fn merge_keys_let_explicit_keys_and_earlier_maps_win() {
    let text = "\
defaults: &defaults {port: 80, host: a, scale: 1}
extra: &extra {host: b, timeout: 5, port: 81}
service:
  scale: 3
  <<: [*defaults, *extra]
  name: web
  port: 8080
";
    let (sources, root) = clean(text, Format::Yaml);
    let service = root.as_map().unwrap().get("service").unwrap();
    assert_eq!(keys(service), ["scale", "host", "timeout", "name", "port"]);
    let map = service.as_map().unwrap();
    assert_eq!(map.get("scale").unwrap().as_i64(), Some(3));
    assert_eq!(map.get("port").unwrap().as_i64(), Some(8080));
    assert_eq!(map.get("host").unwrap().as_str(), Some("a"));
    assert_eq!(map.get("timeout").unwrap().as_i64(), Some(5));
    // A merged entry keeps the span where it was written.
    assert_eq!(
        sources.slice(map.entry("timeout").unwrap().0.span),
        "timeout"
    );
    assert_eq!(
        map.entry("host").unwrap().0.span.start as usize,
        text.find("host").unwrap()
    );
}

#[test]
fn a_single_merged_mapping_and_a_quoted_merge_key() {
    let text = "base: &b\n  x: 1\n  y: 2\nuse:\n  <<: *b\n  y: 3\nliteral:\n  '<<': text\n";
    let (_, root) = clean(text, Format::Yaml);
    let map = root.as_map().unwrap();
    let used = map.get("use").unwrap().as_map().unwrap();
    assert_eq!(used.get("x").unwrap().as_i64(), Some(1));
    assert_eq!(used.get("y").unwrap().as_i64(), Some(3));
    // A quoted `<<` is an ordinary key.
    let literal = map.get("literal").unwrap().as_map().unwrap();
    assert_eq!(literal.get("<<").unwrap().as_str(), Some("text"));
}

#[test]
fn several_merge_keys_merge_in_order() {
    let text = "a: &a {x: 1, y: 1}\nb: &b {y: 2, z: 2}\nc:\n  <<: *a\n  <<: *b\n  z: 3\n";
    let (_, root) = clean(text, Format::Yaml);
    let c = root.as_map().unwrap().get("c").unwrap();
    assert_eq!(keys(c), ["x", "y", "z"]);
    let c = c.as_map().unwrap();
    assert_eq!(c.get("y").unwrap().as_i64(), Some(1));
    assert_eq!(c.get("z").unwrap().as_i64(), Some(3));
}

#[test]
fn merging_something_else_is_y009() {
    let text = "a:\n  <<: scalar\n  k: v\nb:\n  <<: [{x: 1}, 7]\n";
    let (sources, parsed) = load_text(text, Format::Yaml);
    assert_eq!(codes(&parsed.diagnostics), ["Y009", "Y009"]);
    assert_eq!(sources.slice(parsed.diagnostics[0].span), "scalar");
    assert!(parsed.diagnostics[0].message.contains("a string"));
    assert_eq!(sources.slice(parsed.diagnostics[1].span), "7");
    // What can be merged still is.
    let b = parsed.documents[0].root.as_map().unwrap().get("b").unwrap();
    assert_eq!(keys(b), ["x"]);
}

#[test]
fn duplicate_keys_under_yaml_1_2_are_errors_that_point_at_both() {
    let text =
        "routes:\n  sava:1.0: {weight: 50%}\n  sava:1.0: {weight: 50%}\n  \"1\": x\n  1: y\n";
    let (sources, parsed) = load_profiled(text, Format::Yaml, Profile::Yaml12);
    assert_eq!(codes(&parsed.diagnostics), ["Y002", "Y002"]);
    let first = &parsed.diagnostics[0];
    assert!(first.is_error());
    assert_eq!(first.span.start as usize, text.rfind("sava:1.0").unwrap());
    assert_eq!(first.labels.len(), 1);
    assert_eq!(
        first.labels[0].span.start as usize,
        text.find("sava:1.0").unwrap()
    );
    assert!(first.message.contains("sava:1.0"));
    assert!(!first
        .help
        .as_deref()
        .unwrap_or("")
        .contains("first entry is kept"));
    // Keys compare as text, as dialects read them.
    assert_eq!(sources.slice(parsed.diagnostics[1].span), "1");

    let routes = parsed.documents[0]
        .root
        .as_map()
        .unwrap()
        .get("routes")
        .unwrap();
    assert_eq!(keys(routes), ["sava:1.0", "1"]);
    assert_eq!(
        routes.as_map().unwrap().get("1").unwrap().as_str(),
        Some("x")
    );
}

#[test]
fn the_neutral_tree_keeps_every_entry_of_a_repeated_key() {
    let text = "a: 1\nb: 2\na: 3\n";
    let (_, parsed) = load_text(text, Format::Yaml);
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    assert_eq!(keys(&parsed.documents[0].root), ["a", "b", "a"]);
}

#[test]
fn yaml_1_1_runtimes_keep_the_last_value_with_a_warning() {
    let text = "a: 1\nb: 2\na: 3\na: 4\n";
    for (profile, runtime) in [
        (Profile::PyYaml, "Cloudify (PyYAML)"),
        (Profile::SnakeYaml, "Vamp (SnakeYAML)"),
    ] {
        let (sources, parsed) = load_profiled(text, Format::Yaml, profile);
        assert_eq!(codes(&parsed.diagnostics), ["Y002", "Y002"], "{profile:?}");
        for (warning, (used, ignored)) in parsed.diagnostics.iter().zip([(10, 0), (15, 10)]) {
            assert!(!warning.is_error(), "{profile:?}");
            assert!(warning.message.contains(runtime), "{}", warning.message);
            assert_eq!(warning.span.start, used);
            assert_eq!(warning.labels[0].span.start, ignored);
            assert_eq!(sources.slice(warning.span), "a");
        }
        let root = &parsed.documents[0].root;
        // The value is the last one, in the first key's place (a dict / LinkedHashMap).
        assert_eq!(keys(root), ["a", "b"], "{profile:?}");
        assert_eq!(root.as_map().unwrap().get("a").unwrap().as_i64(), Some(4));
        assert_eq!(sources.slice(root.as_map().unwrap().entries[0].0.span), "a");
        assert_eq!(root.as_map().unwrap().entries[0].0.span.start, 0);
    }
}

#[test]
fn go_yaml_refuses_a_repeated_key() {
    let (_, parsed) = load_profiled("a: 1\na: 2\n", Format::Yaml, Profile::Go);
    assert_eq!(codes(&parsed.diagnostics), ["Y002"]);
    assert!(parsed.diagnostics[0].is_error());
    assert!(parsed.diagnostics[0]
        .help
        .as_deref()
        .unwrap()
        .contains("yaml.v3"));
}

#[test]
fn merge_keys_still_merge_under_every_profile() {
    let text = "base: &b {x: 1, y: yes}\nuse:\n  <<: *b\n  y: 2\n";
    for profile in [
        Profile::Yaml12,
        Profile::PyYaml,
        Profile::SnakeYaml,
        Profile::Go,
    ] {
        let (_, parsed) = load_profiled(text, Format::Yaml, profile);
        assert!(
            parsed.diagnostics.is_empty(),
            "{profile:?}: {:?}",
            parsed.diagnostics
        );
        let used = parsed.documents[0]
            .root
            .as_map()
            .unwrap()
            .get("use")
            .unwrap();
        assert_eq!(keys(used), ["x", "y"], "{profile:?}");
        assert_eq!(used.as_map().unwrap().get("y").unwrap().as_i64(), Some(2));
        // The anchored `yes` is read as each runtime reads it.
        let base = parsed.documents[0]
            .root
            .as_map()
            .unwrap()
            .get("base")
            .unwrap();
        let yes = &base.as_map().unwrap().get("y").unwrap().value;
        let expected = match profile {
            Profile::PyYaml | Profile::SnakeYaml => Value::Bool(true),
            _ => Value::Str("yes".into()),
        };
        assert_eq!(yes, &expected, "{profile:?}");
    }
}

#[test]
fn a_key_repeated_inside_a_merged_mapping_keeps_the_runtime_value() {
    let text = "base: &b\n  x: 1\n  x: 2\nuse:\n  <<: *b\n";
    let (_, parsed) = load_profiled(text, Format::Yaml, Profile::PyYaml);
    let used = parsed.documents[0]
        .root
        .as_map()
        .unwrap()
        .get("use")
        .unwrap();
    assert_eq!(used.as_map().unwrap().get("x").unwrap().as_i64(), Some(2));
    assert_eq!(used.as_map().unwrap().len(), 1);
}

#[test]
fn yaml_1_1_scalars_are_read_as_the_runtime_reads_them() {
    let text =
        "a: yes\nb: off\nc: 0755\nd: 1:20\ne: 1e3\nf: 'yes'\ng: !!str 0755\nh: &y on\ni: *y\n";
    let value = |parsed: &Parsed, key: &str| {
        let root = &parsed.documents[0].root;
        root.as_map().unwrap().get(key).unwrap().value.clone()
    };
    let (_, py) = load_profiled(text, Format::Yaml, Profile::PyYaml);
    assert!(py.diagnostics.is_empty(), "{:?}", py.diagnostics);
    assert_eq!(value(&py, "a"), Value::Bool(true));
    assert_eq!(value(&py, "b"), Value::Bool(false));
    assert_eq!(value(&py, "c"), Value::Int(493));
    assert_eq!(value(&py, "d"), Value::Int(80));
    assert_eq!(value(&py, "e"), Value::Str("1e3".into()));
    assert_eq!(value(&py, "f"), Value::Str("yes".into()));
    assert_eq!(value(&py, "g"), Value::Str("0755".into()));
    assert_eq!(value(&py, "h"), Value::Bool(true));
    assert_eq!(value(&py, "i"), Value::Bool(true));
    let (_, snake) = load_profiled(text, Format::Yaml, Profile::SnakeYaml);
    assert_eq!(value(&snake, "e"), Value::Float(1000.0, "1e3".into()));
    assert_eq!(value(&snake, "a"), Value::Bool(true));
    // Scenario documents stay YAML 1.2: unchanged from the neutral tree.
    let (_, strict) = load_profiled(text, Format::Yaml, Profile::Yaml12);
    let (_, neutral) = load_text(text, Format::Yaml);
    assert!(strict.documents[0]
        .root
        .same_value(&neutral.documents[0].root));
    assert_eq!(value(&strict, "a"), Value::Str("yes".into()));
    assert_eq!(value(&strict, "c"), Value::Int(755));
    assert_eq!(value(&strict, "d"), Value::Str("1:20".into()));
}

#[test]
fn a_colon_straight_before_a_flow_collection_is_read_as_pyyaml_reads_it() {
    let text = "v: {concat:[a, b]}\nw: {get_input:{x: 1}}\nx: {a:b}\n";
    let (sources, py) = load_profiled(text, Format::Yaml, Profile::PyYaml);
    assert_eq!(codes(&py.diagnostics), ["Y015", "Y015"]);
    assert!(py.diagnostics.iter().all(|d| !d.is_error()));
    assert_eq!(sources.slice(py.diagnostics[0].span), ":");
    assert_eq!(
        py.diagnostics[0].span.start as usize,
        text.find(":[").unwrap()
    );
    let root = &py.documents[0].root;
    let v = root.as_map().unwrap().get("v").unwrap();
    let concat = v.as_map().unwrap().get("concat").unwrap();
    assert_eq!(concat.as_seq().unwrap().len(), 2);
    assert_eq!(sources.slice(concat.span), "[a, b]");
    assert_eq!(sources.slice(concat.as_seq().unwrap()[1].span), "b");
    // `{a:b}` is one plain scalar key in PyYAML and YAML 1.2 alike.
    let x = root.as_map().unwrap().get("x").unwrap();
    assert_eq!(keys(x), ["a:b"]);
    for profile in [Profile::Yaml12, Profile::Go] {
        let (_, strict) = load_profiled(text, Format::Yaml, profile);
        assert_eq!(codes(&strict.diagnostics), ["Y015", "Y015"], "{profile:?}");
        assert!(strict.diagnostics.iter().all(Diagnostic::is_error));
    }
    let (_, snake) = load_profiled(text, Format::Yaml, Profile::SnakeYaml);
    assert!(snake.diagnostics.iter().all(|d| !d.is_error()));
}

#[test]
fn colon_repairs_go_to_the_document_that_holds_them() {
    let text = "a: {x:[1]}\n---\nb: 1\n---\nc: {y:[2]}\n";
    let (sources, parsed) = load_text(text, Format::Yaml);
    assert!(parsed.diagnostics.is_empty());
    assert_eq!(parsed.documents.len(), 3);
    let mut found = Vec::new();
    for document in &parsed.documents {
        let mut diagnostics = Vec::new();
        let _ = Profile::PyYaml.apply(document, &mut diagnostics);
        found.push(diagnostics.len());
        for d in &diagnostics {
            assert_eq!(sources.slice(d.span), ":");
        }
    }
    assert_eq!(found, [1, 0, 1]);
}

#[test]
fn non_scalar_keys_are_kept_as_nodes() {
    let text = "routes:\n  [external/1/2]:\n    weight: 100%\n";
    let (sources, root) = clean(text, Format::Yaml);
    let routes = root
        .as_map()
        .unwrap()
        .get("routes")
        .unwrap()
        .as_map()
        .unwrap();
    let (key, value) = &routes.entries[0];
    let items = key.as_seq().expect("a list key");
    assert_eq!(items[0].as_str(), Some("external/1/2"));
    assert_eq!(sources.slice(key.span), "[external/1/2]");
    assert!(value.as_map().unwrap().contains_key("weight"));
}

#[test]
fn duplicate_list_keys_are_detected_too() {
    let text = "[a, b]: 1\n[a, b]: 2\n[a, c]: 3\n";
    let (_, parsed) = load_profiled(text, Format::Yaml, Profile::Yaml12);
    assert_eq!(codes(&parsed.diagnostics), ["Y002"]);
    assert_eq!(parsed.documents[0].root.as_map().unwrap().len(), 2);
}

#[test]
fn every_document_of_a_stream_is_read_with_its_index() {
    let text = "# leading comment\nkind: a\n---\nkind: b\n...\n---\n- c\n";
    let (sources, parsed) = load_text(text, Format::Yaml);
    assert!(parsed.diagnostics.is_empty());
    let indexes: Vec<usize> = parsed.documents.iter().map(|d| d.index).collect();
    assert_eq!(indexes, [0, 1, 2]);
    assert_eq!(sources.slice(parsed.documents[1].root.span), "kind: b");
    assert_eq!(parsed.documents[2].root.as_seq().unwrap().len(), 1);
}

#[test]
fn documents_before_a_syntax_error_are_kept() {
    let text = "a: 1\n---\nb: [1, 2\nc: 3\n";
    let (sources, parsed) = load_text(text, Format::Yaml);
    assert_eq!(parsed.documents.len(), 1);
    assert_eq!(codes(&parsed.diagnostics), ["Y001"]);
    let error = &parsed.diagnostics[0];
    assert!(error.message.starts_with("invalid YAML"));
    let position = sources
        .get(error.span.file)
        .line_col(error.span.start as usize);
    assert!(position.line >= 3, "error at {position:?}");
}

#[test]
fn yaml_syntax_errors_explain_common_mistakes() {
    let (sources, parsed) = load_text("image: nginx: latest\n", Format::Yaml);
    assert_eq!(codes(&parsed.diagnostics), ["Y001"]);
    let error = &parsed.diagnostics[0];
    assert!(error.help.as_deref().unwrap_or("").contains("quote"));
    let position = sources
        .get(error.span.file)
        .line_col(error.span.start as usize);
    assert_eq!(position.line, 1);

    let (_, parsed) = load_text("a:\n\tb: 1\n", Format::Yaml);
    assert_eq!(codes(&parsed.diagnostics), ["Y001"]);
    assert!(parsed.diagnostics[0]
        .help
        .as_deref()
        .unwrap_or("")
        .contains("tabs"));
}

#[test]
fn under_indented_flow_collections_are_read_with_a_warning() {
    // Vamp's own tests close flow lists in the key's column; YAML 1.1 loaders accept that.
    let text = "name: sava\nvirtual_hosts: [\n  \"a.b.c\",\n  \"tëst\"\n]\nroutes:\n  web: {\n    weight: 100%\n  }\n";
    let (sources, parsed) = load_text(text, Format::Yaml);
    assert_eq!(codes(&parsed.diagnostics), ["Y014"]);
    let warning = &parsed.diagnostics[0];
    assert_eq!(warning.severity, Severity::Warning);
    assert_eq!(sources.slice(warning.span), "]");
    assert_eq!(warning.span.start as usize, text.find(']').unwrap());

    let root = &parsed.documents[0].root;
    assert_eq!(keys(root), ["name", "virtual_hosts", "routes"]);
    let map = root.as_map().unwrap();
    let hosts = map.get("virtual_hosts").unwrap();
    assert_eq!(sources.slice(hosts.span), "[\n  \"a.b.c\",\n  \"tëst\"\n]");
    assert_eq!(sources.slice(hosts.as_seq().unwrap()[1].span), "\"tëst\"");
    let web = map
        .get("routes")
        .unwrap()
        .as_map()
        .unwrap()
        .get("web")
        .unwrap();
    let weight = web.as_map().unwrap().get("weight").unwrap();
    assert_eq!(weight.as_str(), Some("100%"));
    assert_eq!(sources.slice(weight.span), "100%");
}

#[test]
fn a_flow_collection_that_stays_broken_is_still_y001() {
    let (_, parsed) = load_text("hosts: [\na,\nb: [\n", Format::Yaml);
    assert_eq!(codes(&parsed.diagnostics), ["Y001"]);
}

#[test]
fn an_alias_to_an_unknown_anchor_is_y001() {
    let (_, parsed) = load_text("a: *nowhere\n", Format::Yaml);
    assert_eq!(codes(&parsed.diagnostics), ["Y001"]);
    // Anchors do not carry over to the next document.
    let (_, parsed) = load_text("a: &x 1\n---\nb: *x\n", Format::Yaml);
    assert_eq!(codes(&parsed.diagnostics), ["Y001"]);
    assert_eq!(parsed.documents.len(), 1);
}

#[test]
fn json_reads_into_the_same_tree_with_spans() {
    let text = "{\n  \"näme\": \"ü\",\n  \"port\": 8080,\n  \"ratio\": 0.5,\n  \"big\": 18446744073709551616,\n  \"on\": true,\n  \"none\": null,\n  \"list\": [1, \"two\", {}]\n}\n";
    let (sources, root) = clean(text, Format::Json);
    let map = root.as_map().unwrap();
    assert_eq!(
        keys(&root),
        ["näme", "port", "ratio", "big", "on", "none", "list"]
    );
    let (key, value) = map.entry("port").unwrap();
    assert_eq!(sources.slice(key.span), "\"port\"");
    assert_eq!(key.span.start as usize, text.find("\"port\"").unwrap());
    assert_eq!(value.as_i64(), Some(8080));
    assert_eq!(sources.slice(map.get("näme").unwrap().span), "\"ü\"");
    assert_eq!(
        map.get("ratio").unwrap().value,
        Value::Float(0.5, "0.5".into())
    );
    assert!(matches!(
        &map.get("big").unwrap().value,
        Value::Float(_, raw) if &**raw == "18446744073709551616"
    ));
    assert_eq!(map.get("on").unwrap().as_bool(), Some(true));
    assert!(map.get("none").unwrap().is_null());
    assert_eq!(
        sources.slice(map.get("list").unwrap().span),
        "[1, \"two\", {}]"
    );
    assert_eq!(sources.slice(root.span), text.trim_end());
}

#[test]
fn json_is_strict() {
    let cases = [
        ("{\"a\": 1, // comment\n}", "comment"),
        ("{\"a\": 1,}", "trailing comma"),
        ("[1, 2,]", "trailing comma in array"),
        ("{'a': 1}", "single quotes"),
        ("{a: 1}", "bare key"),
        ("[1 2]", "missing comma"),
        ("[0x10]", "hex"),
        ("[+1]", "unary plus"),
        ("[.5]", "bare decimal point"),
        ("[NaN]", "non-finite"),
        ("[\"\\x41\"]", "JSON5 escape"),
        ("{\"a\": 1} {\"b\": 2}", "two values"),
    ];
    for (text, what) in cases {
        let (sources, parsed) = load_text(text, Format::Json);
        assert_eq!(codes(&parsed.diagnostics), ["Y008"], "{what}: {text}");
        assert!(parsed.documents.is_empty(), "{what}");
        let error = &parsed.diagnostics[0];
        assert!(error.message.starts_with("invalid JSON"), "{what}");
        assert!(error.span.end as usize <= sources.get(error.span.file).text.len());
    }
    // Each kind of slip gets advice (`NaN` is only an unexpected token to the parser).
    for (text, _) in cases.iter().filter(|(text, _)| *text != "[NaN]") {
        let (_, parsed) = load_text(text, Format::Json);
        assert!(parsed.diagnostics[0].help.is_some(), "no help for {text}");
    }
}

#[test]
fn json_duplicate_keys_keep_the_last_value_as_go_does() {
    let text = "{\"a\": 1, \"b\": 2, \"a\": 3}";
    let (sources, parsed) = load_profiled(text, Format::Json, Profile::Go);
    assert_eq!(codes(&parsed.diagnostics), ["Y002"]);
    let warning = &parsed.diagnostics[0];
    assert!(!warning.is_error());
    assert!(warning.message.contains("encoding/json"));
    assert_eq!(sources.slice(warning.span), "\"a\"");
    let root = &parsed.documents[0].root;
    assert_eq!(root.as_map().unwrap().get("a").unwrap().as_i64(), Some(3));
    assert_eq!(keys(root), ["a", "b"]);
}

#[test]
fn json_duplicate_keys_under_yaml_1_2_are_errors() {
    let text = "{\"a\": 1, \"b\": 2, \"a\": 3}";
    let (sources, parsed) = load_profiled(text, Format::Json, Profile::Yaml12);
    assert_eq!(codes(&parsed.diagnostics), ["Y002"]);
    let error = &parsed.diagnostics[0];
    assert!(error.is_error());
    assert_eq!(error.span.start as usize, text.rfind("\"a\"").unwrap());
    assert_eq!(
        error.labels[0].span.start as usize,
        text.find("\"a\"").unwrap()
    );
    assert_eq!(sources.slice(error.span), "\"a\"");
    let root = &parsed.documents[0].root;
    assert_eq!(root.as_map().unwrap().get("a").unwrap().as_i64(), Some(1));
    assert_eq!(keys(root), ["a", "b"]);
}

#[test]
fn json_top_level_scalar_and_byte_order_mark() {
    let (sources, root) = clean("  \"just text\"  ", Format::Json);
    assert_eq!(root.as_str(), Some("just text"));
    assert_eq!(sources.slice(root.span), "\"just text\"");

    let (sources, root) = clean("\u{FEFF}{\"a\": [true]}", Format::Json);
    assert_eq!(sources.slice(root.span), "{\"a\": [true]}");
}

#[test]
fn yaml_byte_order_mark_keeps_spans_right() {
    let (sources, root) = clean("\u{FEFF}key: välue\nnext: x\n", Format::Yaml);
    let map = root.as_map().unwrap();
    assert_eq!(sources.slice(map.get("key").unwrap().span), "välue");
    assert_eq!(sources.slice(map.get("next").unwrap().span), "x");
}

// ---------------------------------------------------------------------------------------------
// Round trip: generated trees rendered as YAML (block and flow) and JSON read back equal.

#[derive(Clone, Debug)]
enum Tree {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Tree>),
    Map(Vec<(String, Tree)>),
}

fn tree() -> impl Strategy<Value = Tree> {
    let text = "[a-zA-Z0-9 _:#,\\-\"'\\\\\n\té✓{}\\[\\]&*!|>%@`]{0,8}";
    let leaf = prop_oneof![
        Just(Tree::Null),
        any::<bool>().prop_map(Tree::Bool),
        any::<i64>().prop_map(Tree::Int),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Tree::Float),
        text.prop_map(Tree::Str),
    ];
    leaf.prop_recursive(5, 64, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Tree::Seq),
            prop::collection::btree_map(text, inner, 0..6)
                .prop_map(|map| Tree::Map(map.into_iter().collect())),
        ]
    })
}

/// A string as a JSON string literal, which is also a valid YAML double-quoted scalar.
fn quoted(text: &str) -> String {
    serde_json::to_string(text).expect("strings serialise")
}

fn float_text(f: f64) -> String {
    // Debug always has a point or an exponent, so the text reads back as a float.
    format!("{f:?}")
}

fn scalar_text(tree: &Tree) -> Option<String> {
    Some(match tree {
        Tree::Null => "null".to_string(),
        Tree::Bool(b) => b.to_string(),
        Tree::Int(i) => i.to_string(),
        Tree::Float(f) => float_text(*f),
        Tree::Str(s) => quoted(s),
        Tree::Seq(items) if items.is_empty() => "[]".to_string(),
        Tree::Map(entries) if entries.is_empty() => "{}".to_string(),
        Tree::Seq(_) | Tree::Map(_) => return None,
    })
}

/// Flow rendering: valid JSON, and valid YAML too.
fn to_json(tree: &Tree) -> String {
    match tree {
        Tree::Seq(items) => {
            let items: Vec<String> = items.iter().map(to_json).collect();
            format!("[{}]", items.join(", "))
        }
        Tree::Map(entries) => {
            let entries: Vec<String> = entries
                .iter()
                .map(|(k, v)| format!("{}: {}", quoted(k), to_json(v)))
                .collect();
            format!("{{{}}}", entries.join(", "))
        }
        scalar => scalar_text(scalar).unwrap_or_default(),
    }
}

fn to_block_yaml(tree: &Tree, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match tree {
        Tree::Seq(items) if !items.is_empty() => {
            for item in items {
                out.push_str(&pad);
                out.push('-');
                block_child(item, indent, out);
            }
        }
        Tree::Map(entries) if !entries.is_empty() => {
            for (key, value) in entries {
                out.push_str(&pad);
                out.push_str(&quoted(key));
                out.push(':');
                block_child(value, indent, out);
            }
        }
        scalar => {
            out.push_str(&pad);
            out.push_str(&scalar_text(scalar).unwrap_or_default());
            out.push('\n');
        }
    }
}

fn block_child(child: &Tree, indent: usize, out: &mut String) {
    match scalar_text(child) {
        Some(text) => {
            out.push(' ');
            out.push_str(&text);
            out.push('\n');
        }
        None => {
            out.push('\n');
            to_block_yaml(child, indent + 2, out);
        }
    }
}

fn same(tree: &Tree, node: &Node) -> bool {
    match (tree, &node.value) {
        (Tree::Null, Value::Null) => true,
        (Tree::Bool(a), Value::Bool(b)) => a == b,
        (Tree::Int(a), Value::Int(b)) => a == b,
        (Tree::Float(a), Value::Float(b, _)) => a == b,
        (Tree::Str(a), Value::Str(b)) => a == b,
        (Tree::Seq(a), Value::Seq(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(t, n)| same(t, n))
        }
        (Tree::Map(a), Value::Map(b)) => {
            a.len() == b.len()
                && a.iter()
                    .zip(b.iter())
                    .all(|((tk, tv), (nk, nv))| nk.as_str() == Some(tk.as_str()) && same(tv, nv))
        }
        _ => false,
    }
}

fn reads_back(text: &str, format: Format, tree: &Tree) -> Result<(), TestCaseError> {
    let (_, parsed) = load_text(text, format);
    prop_assert!(
        parsed.diagnostics.is_empty(),
        "{format:?} diagnostics {:?} for\n{text}",
        parsed.diagnostics
    );
    prop_assert_eq!(parsed.documents.len(), 1);
    let root = &parsed.documents[0].root;
    prop_assert!(
        same(tree, root),
        "{format:?} read back\n{root:?}\nfrom\n{text}"
    );
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
    fn generated_trees_round_trip(tree in tree()) {
        let json = to_json(&tree);
        reads_back(&json, Format::Json, &tree)?;
        reads_back(&json, Format::Yaml, &tree)?;
        let mut block = String::new();
        to_block_yaml(&tree, 0, &mut block);
        reads_back(&block, Format::Yaml, &tree)?;
    }
}
