//! Every YAML and JSON file of the shared corpus through the syntax layer: nothing panics, every
//! span is inside its file, and a syntax error is reported only where the peer tool also
//! rejects the file, apart from the listed deliberate differences.

mod common;

use rehearse::source::SourceMap;
use rehearse::syntax::yaml::PARSER_FAILURE;
use rehearse::syntax::{load_as, Format, Limits, Profile};
use std::collections::BTreeMap;
use std::path::Path;

/// Files a peer accepts and rehearse rejects on purpose, with the reason.
/// (SnakeYAML keeps the last of two `port:` keys in BreedReaderSpec_13/14; with Vamp's loading
/// profile rehearse keeps it too and warns, so those files are no longer here.)
const DELIBERATE: &[(&str, &str)] = &[];

struct Case {
    file: String,
    peer_rejects: bool,
}

fn cases(family_dir: &Path) -> Vec<Case> {
    let Ok(index) = std::fs::read_to_string(family_dir.join("CASES.tsv")) else {
        return Vec::new();
    };
    index
        .lines()
        .filter(|line| !line.starts_with('#') && !line.starts_with("file\t"))
        .filter_map(|line| {
            let columns: Vec<&str> = line.split('\t').collect();
            Some(Case {
                file: columns.first()?.to_string(),
                peer_rejects: columns.get(4)?.starts_with("error"),
            })
        })
        .collect()
}

#[test]
fn corpus_files_read_without_surprises() {
    let Some(shared) = common::shared_dir("corpus_files_read_without_surprises") else {
        return;
    };
    let corpus = shared.join("corpus");
    // (files, syntax errors where the peer rejects too, where the peer accepts) per family.
    let mut table: BTreeMap<String, [usize; 3]> = BTreeMap::new();
    let mut unexpected = Vec::new();
    for family in ["cloudify", "krakend", "rollouts", "vamp"] {
        for case in cases(&corpus.join(family)) {
            let format = match Path::new(&case.file).extension().and_then(|e| e.to_str()) {
                Some("yaml" | "yml") => Format::Yaml,
                Some("json") => Format::Json,
                _ => continue,
            };
            let name = format!("{family}/{}", case.file);
            let bytes = std::fs::read(corpus.join(&name)).expect("corpus file readable");
            let mut sources = SourceMap::new();
            // Each family is read the way its runtime loads it.
            let profile = match family {
                "cloudify" => Profile::PyYaml,
                "krakend" => Profile::Go,
                "vamp" => Profile::SnakeYaml,
                _ => Profile::Yaml12,
            };
            let (file, parsed) = load_as(
                &mut sources,
                &name,
                bytes,
                format,
                &Limits::default(),
                profile,
            );
            let text_len = sources.get(file).text.len();
            for diagnostic in &parsed.diagnostics {
                assert!(
                    !diagnostic.message.starts_with(PARSER_FAILURE),
                    "{name}: parser panicked"
                );
                assert!(diagnostic.span.end as usize <= text_len, "{name}: span");
            }
            let errors: Vec<&str> = parsed
                .diagnostics
                .iter()
                .filter(|d| d.is_error())
                .map(|d| d.code.id)
                .collect();
            let row = table.entry(family.to_string()).or_default();
            row[0] += 1;
            if errors.is_empty() {
                continue;
            }
            if case.peer_rejects {
                row[1] += 1;
            } else {
                row[2] += 1;
                let deliberate = DELIBERATE
                    .iter()
                    .any(|(file, code)| *file == name && errors.contains(code));
                if !deliberate {
                    unexpected.push(format!("{name}: {errors:?}"));
                }
            }
        }
    }
    eprintln!("family     files  syntax-rejected(peer rejects too)  syntax-rejected(peer accepts)");
    for (family, [files, agree, differ]) in &table {
        eprintln!("{family:<10} {files:>5}  {agree:>33}  {differ:>29}");
    }
    assert!(
        table.values().map(|row| row[0]).sum::<usize>() > 0,
        "no corpus file read"
    );
    assert!(
        unexpected.is_empty(),
        "syntax errors on files the peer accepts:\n{}",
        unexpected.join("\n")
    );
}
