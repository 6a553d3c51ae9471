//! Vamp corpus conformance: every in-scope case of ../shared/corpus/vamp/CASES.tsv checked
//! with the reader its row names, our verdict (any error) against Vamp's, and for error cases
//! whether one of our errors carries Vamp's error class as its peer.

mod common;

use rehearse::check::{check, Input, Options};
use rehearse::dialect::vamp::reader::{Cx, MapReader};
use rehearse::dialect::Kind;
use rehearse::source::SourceMap;
use rehearse::syntax::{self, Format, Limits};
use std::collections::BTreeMap;

/// Spec files whose readers rehearse does not implement (docker-compose import, runtime event
/// queries, templates).
const OUT_OF_SCOPE: &[&str] = &[
    "ComposeBlueprintReaderSpec",
    "EventReaderSpec",
    "ImportReaderSpec",
];

/// Cases Vamp accepts where rehearse is deliberately stricter (reference/vamp/ISSUES.md): the
/// file, the only code we report as an error, and why. They are printed and counted apart.
const STRICTER_BY_DESIGN: &[(&str, &str, &str)] = &[
    ("BlueprintReaderSpec_13.yml", "V045", "condition `android` does not parse: Vamp hands it to HAProxy as a raw ACL, which HAProxy rejects (issues #926, #1056)"),
    ("BlueprintReaderSpec_17.yml", "V045", "condition `android` does not parse (raw ACL for HAProxy)"),
    ("BlueprintReaderSpec_21.yml", "V045", "condition `ua = android` does not parse (raw ACL for HAProxy)"),
    ("BlueprintReaderSpec_38.yml", "V045", "condition `android` does not parse (raw ACL for HAProxy)"),
    ("BlueprintReaderSpec_39.yml", "V045", "condition `android` does not parse (raw ACL for HAProxy)"),
    ("BlueprintReaderSpec_40.yml", "V045", "condition `android` does not parse (raw ACL for HAProxy)"),
    ("BlueprintReaderSpec_41.yml", "V045", "condition `android` does not parse (raw ACL for HAProxy)"),
    ("BlueprintReaderSpec_45.yml", "V045", "condition `android` does not parse (raw ACL for HAProxy)"),
];

struct Case {
    file: String,
    expected: String,
    reader: String,
    description: String,
}

fn cases(tsv: &str) -> Vec<Case> {
    tsv.lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("file\t"))
        .filter_map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            let description = fields.get(6)?.to_string();
            Some(Case {
                file: fields.first()?.to_string(),
                expected: fields.get(4)?.to_string(),
                reader: description.split_whitespace().next()?.to_string(),
                description,
            })
        })
        .collect()
}

/// Our outcome for one case: (codes of our errors, peers of our errors, summary of findings).
type Outcome = (Vec<String>, Vec<String>, String);

fn run_check(path: &str, bytes: Vec<u8>, forced: Option<Kind>) -> Outcome {
    let checked = check(
        vec![Input {
            path: path.to_string(),
            bytes,
            reported: true,
            forced_kind: forced,
        }],
        &Options::default(),
    );
    let errors: Vec<_> = checked.error_diagnostics().collect();
    let peers = errors
        .iter()
        .map(|d| match &d.peer {
            Some(peer) => peer.clone(),
            // Syntax errors are what Vamp reports as YamlParsingError.
            None if d.code.id.starts_with('Y') => "YamlParsingError".to_string(),
            None => d.code.id.to_string(),
        })
        .collect();
    let summary = checked
        .diagnostics
        .iter()
        .map(|d| format!("{} {}: {}", d.code.id, d.severity, d.message))
        .collect::<Vec<_>>()
        .join(" | ");
    let codes = errors.iter().map(|d| d.code.id.to_string()).collect();
    (codes, peers, summary)
}

/// Vamp's ReaderSpec tests its generic reader with two tiny test readers: one reads
/// `integer` as an Int, one reads `root/nested/next`. rehearse's reader framework does the
/// same reads.
fn run_generic_reader(file: &str, bytes: Vec<u8>) -> Outcome {
    let mut sources = SourceMap::new();
    let (_, parsed) = syntax::load_as(
        &mut sources,
        file,
        bytes,
        Format::Yaml,
        &Limits::default(),
        syntax::Profile::SnakeYaml,
    );
    let mut diagnostics = parsed.diagnostics;
    if let Some(document) = parsed.documents.first() {
        let mut cx = Cx {
            diagnostics: &mut diagnostics,
        };
        if let Some(map) = MapReader::new(&document.root, "") {
            if map.has("integer") {
                if let Some(node) = map.get("integer") {
                    let _ = cx.int(node, "integer");
                }
            } else {
                let _ = cx.path(&map, &["root", "nested", "next"]);
            }
        }
    }
    let errors: Vec<_> = diagnostics.iter().filter(|d| d.is_error()).collect();
    let peers = errors
        .iter()
        .map(|d| {
            d.peer
                .clone()
                .unwrap_or_else(|| "YamlParsingError".to_string())
        })
        .collect();
    let summary = diagnostics
        .iter()
        .map(|d| format!("{}: {}", d.code.id, d.message))
        .collect::<Vec<_>>()
        .join(" | ");
    let codes = errors.iter().map(|d| d.code.id.to_string()).collect();
    (codes, peers, summary)
}

#[derive(Default)]
struct Tally {
    cases: usize,
    verdicts: usize,
    error_cases: usize,
    peers: usize,
    stricter: Vec<String>,
    disagreements: Vec<String>,
}

#[test]
fn vamp_corpus_agreement() {
    let Some(shared) = common::shared_dir("vamp_corpus_agreement") else {
        return;
    };
    let corpus = shared.join("corpus/vamp");
    let tsv = std::fs::read_to_string(corpus.join("CASES.tsv")).expect("CASES.tsv");
    let all = cases(&tsv);
    assert!(all.len() >= 290, "CASES.tsv has {} cases", all.len());

    let mut tallies: BTreeMap<String, Tally> = BTreeMap::new();
    let mut skipped = 0;
    for case in &all {
        if OUT_OF_SCOPE
            .iter()
            .any(|s| case.file.starts_with(&format!("{s}_")))
        {
            skipped += 1;
            continue;
        }
        let bytes = std::fs::read(corpus.join(&case.file)).expect("case file");
        let (codes, peers, summary) =
            if case.reader == "YamlReader.read" && case.file != "ReaderSpec_1.yml" {
                run_generic_reader(&case.file, bytes)
            } else {
                run_check(
                    &case.file,
                    bytes,
                    common::vamp_corpus_kind(&case.description),
                )
            };
        let is_error = !codes.is_empty();
        let expected_class = case.expected.strip_prefix("error:");
        let tally = tallies.entry(case.reader.clone()).or_default();
        tally.cases += 1;
        let verdict_ok = is_error == expected_class.is_some();
        if verdict_ok {
            tally.verdicts += 1;
        }
        let mut peer_ok = true;
        if let Some(class) = expected_class {
            tally.error_cases += 1;
            peer_ok = peers.iter().any(|p| p == class);
            if peer_ok {
                tally.peers += 1;
            }
        }
        let stricter = STRICTER_BY_DESIGN.iter().find(|(file, code, _)| {
            *file == case.file && expected_class.is_none() && codes.iter().all(|c| c == code)
        });
        if let (false, Some((_, code, reason))) = (verdict_ok, stricter) {
            tally
                .stricter
                .push(format!("{} ({code}): {reason}", case.file));
        } else if !verdict_ok || !peer_ok {
            tally.disagreements.push(format!(
                "{}: expected {}, got {} [{}]",
                case.file,
                case.expected,
                if is_error { "error" } else { "valid" },
                summary
            ));
        }
    }

    let (mut cases_n, mut verdicts, mut error_cases, mut peers, mut stricter) = (0, 0, 0, 0, 0);
    println!(
        "\nVamp corpus ({skipped} out-of-scope cases skipped: {})",
        OUT_OF_SCOPE.join(", ")
    );
    println!(
        "{:<24} {:>6} {:>8} {:>9} {:>12}",
        "reader", "cases", "agreed", "stricter", "peer agreed"
    );
    for (reader, tally) in &tallies {
        println!(
            "{:<24} {:>6} {:>8} {:>9} {:>6}/{:<5}",
            reader,
            tally.cases,
            tally.verdicts,
            tally.stricter.len(),
            tally.peers,
            tally.error_cases
        );
        for line in &tally.stricter {
            println!("    ≠ stricter by design: {line}");
        }
        for line in &tally.disagreements {
            println!("    ✗ {line}");
        }
        stricter += tally.stricter.len();
        cases_n += tally.cases;
        verdicts += tally.verdicts;
        error_cases += tally.error_cases;
        peers += tally.peers;
    }
    println!(
        "total: verdict {verdicts}/{cases_n} agreed, {stricter} stricter by design, peer {peers}/{error_cases}"
    );
    // Deliberately stricter verdicts are listed above and do not count as disagreements.
    assert!(
        (verdicts + stricter) * 100 >= cases_n * 97,
        "verdict agreement {verdicts}+{stricter}/{cases_n} is under 97%"
    );
    assert!(
        peers * 100 >= error_cases * 95,
        "peer agreement {peers}/{error_cases} is under 95%"
    );
}
