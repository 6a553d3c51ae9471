//! The Cloudify loading profile against real PyYAML: a generated set of plain scalars (fixed
//! edge cases plus seeded random strings of digits, signs, `_`, `.`, `:`, `e` and base
//! prefixes) is read by rehearse's PyYAML profile and by `yaml.safe_load` in the oracle venv,
//! one scalar per document, and every reading must agree in type and value. A few structures
//! (`{key:[...]}`, repeated keys, merges) are compared as whole trees too.
//!
//! Needs the oracle venv ($REHEARSE_ORACLES or ~/.cache/rehearse-oracles, which has PyYAML);
//! skips with a notice when it is absent, unless REHEARSE_REQUIRE_SHARED=1.

use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64;
use rehearse::source::SourceMap;
use rehearse::syntax::{load_as, Format, Limits, Node, Profile, Value};
use serde_json::{json, Value as Json};
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

const SEED: u64 = 0x5ca1_a125;
const RANDOM_SCALARS: usize = 3000;

fn oracle_python() -> Option<PathBuf> {
    let dir = std::env::var_os("REHEARSE_ORACLES")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/rehearse-oracles"))
        });
    let python = dir.map(|d| d.join("bin/python")).filter(|p| p.is_file());
    if python.is_none() {
        if std::env::var("REHEARSE_REQUIRE_SHARED").is_ok_and(|v| v == "1") {
            panic!("the oracle venv (with PyYAML) is missing and REHEARSE_REQUIRE_SHARED=1");
        }
        eprintln!("notice: syntax_pyyaml_oracle skipped: the oracle venv is not installed");
    }
    python
}

/// Reads each YAML text with PyYAML's safe loader; the result of each, tagged with its type,
/// or `{"error": ...}` when PyYAML refuses it.
const ORACLE: &str = r#"
import json, sys, yaml
def tag(v):
    if v is None: return ["null", ""]
    if isinstance(v, bool): return ["bool", str(v)]
    if isinstance(v, int): return ["int", str(v)]
    if isinstance(v, float): return ["float", repr(v)]
    if isinstance(v, str): return ["str", v]
    if isinstance(v, list): return ["seq", [tag(x) for x in v]]
    if isinstance(v, dict): return ["map", [[tag(k), tag(x)] for k, x in v.items()]]
    return ["other", type(v).__name__]
out = []
for text in json.load(sys.stdin):
    try:
        out.append(tag(yaml.safe_load(text)))
    except Exception as e:
        out.append({"error": type(e).__name__})
print(json.dumps(out))
"#;

fn run_oracle(python: &PathBuf, texts: &[String]) -> Vec<Json> {
    let mut child = Command::new(python)
        .arg("-c")
        .arg(ORACLE)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the oracle python runs");
    let input = serde_json::to_vec(texts).unwrap();
    child.stdin.take().unwrap().write_all(&input).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "the oracle failed");
    serde_json::from_slice(&output.stdout).expect("the oracle prints JSON")
}

/// Our reading in the oracle's tagged form.
fn tagged(node: &Node) -> Json {
    match &node.value {
        Value::Null => json!(["null", ""]),
        Value::Bool(b) => json!(["bool", if *b { "True" } else { "False" }]),
        Value::Int(i) => json!(["int", i.to_string()]),
        // JSON has no infinity or NaN: those go as Python spells them.
        Value::Float(f, _) if f.is_nan() => json!(["float", "nan"]),
        Value::Float(f, _) if f.is_infinite() => {
            json!(["float", if *f > 0.0 { "inf" } else { "-inf" }])
        }
        Value::Float(f, _) => json!(["float", *f]),
        Value::Str(s) => json!(["str", s]),
        Value::Seq(items) => json!(["seq", items.iter().map(tagged).collect::<Vec<_>>()]),
        Value::Map(map) => json!([
            "map",
            map.iter()
                .map(|(k, v)| json!([tagged(k), tagged(v)]))
                .collect::<Vec<_>>()
        ]),
    }
}

/// Whether our tagged reading equals PyYAML's: floats by value (within rounding of base 60
/// sums), integers beyond i64 (which the tree holds as floats keeping their text) by value.
fn agrees(ours: &Json, theirs: &Json) -> bool {
    let python_float = |text: &str| match text {
        "inf" => f64::INFINITY,
        "-inf" => f64::NEG_INFINITY,
        "nan" => f64::NAN,
        _ => text.parse().unwrap_or(f64::NAN),
    };
    let close = |a: f64, b: f64| {
        a == b || (a.is_nan() && b.is_nan()) || (a - b).abs() <= 1e-12 * a.abs().max(b.abs())
    };
    match (ours, theirs) {
        (Json::Array(a), Json::Array(b)) if a.len() == 2 && b.len() == 2 => {
            match (a[0].as_str(), b[0].as_str()) {
                (Some("float"), Some("float")) => {
                    let ours = a[1]
                        .as_f64()
                        .unwrap_or_else(|| python_float(a[1].as_str().unwrap_or("")));
                    close(ours, python_float(b[1].as_str().unwrap_or("")))
                }
                (Some("float"), Some("int")) => {
                    let ours = a[1].as_f64().unwrap_or(f64::NAN);
                    let theirs: f64 = b[1].as_str().unwrap_or("").parse().unwrap_or(f64::NAN);
                    theirs.abs() > 9.2e18 && close(ours, theirs)
                }
                (Some("seq" | "map"), _) | (_, Some("seq" | "map")) => {
                    a[0] == b[0]
                        && a[1].as_array().zip(b[1].as_array()).is_some_and(|(x, y)| {
                            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| agrees(p, q))
                        })
                }
                _ => a == b,
            }
        }
        _ => ours == theirs,
    }
}

fn ours(text: &str) -> Option<Json> {
    let mut sources = SourceMap::new();
    let (_, parsed) = load_as(
        &mut sources,
        "scalar.yaml",
        text.as_bytes().to_vec(),
        Format::Yaml,
        &Limits::default(),
        Profile::PyYaml,
    );
    parsed.documents.first().map(|d| tagged(&d.root))
}

fn fixed_scalars() -> Vec<String> {
    let words = [
        "yes", "Yes", "YES", "yEs", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF",
        "true", "True", "TRUE", "false", "False", "FALSE", "y", "n", "Y", "N", "null", "Null",
        "NULL", "nULL", "~",
    ];
    let bodies = [
        "0",
        "00",
        "07",
        "08",
        "0755",
        "0_7",
        "0o17",
        "0x1F",
        "0x1f_2",
        "0X1F",
        "0b101",
        "0b1_1",
        "1_000",
        "1__0",
        "12",
        "1:20",
        "22:22",
        "1:20:30",
        "1:60",
        "1:5",
        "8080:80",
        "0:30",
        "1:20.5",
        "0:30.5",
        "1:2_0.5",
        "1.",
        ".5",
        "1.5",
        "1.5e3",
        "1.5e+3",
        "1.5E-3",
        "1e3",
        "1e+3",
        "1_000.5",
        "1._5",
        ".5e+1",
        ".5e1",
        ".inf",
        ".Inf",
        ".INF",
        ".nan",
        ".NaN",
        ".NAN",
        ".infinity",
        "1.0.0",
        "0.1_",
        "9223372036854775807",
        "9223372036854775808",
        "99999999999999999999",
        "1.7976931348623157e+308",
        "1.8e+308",
        "0x",
        "1.2.3",
        "_1",
    ];
    let mut scalars: Vec<String> = words.iter().map(|w| w.to_string()).collect();
    for sign in ["", "-", "+"] {
        scalars.extend(bodies.iter().map(|b| format!("{sign}{b}")));
    }
    scalars
}

/// Seeded strings over the characters YAML 1.1 number rules care about.
fn random_scalars() -> Vec<String> {
    const FIRST: &[u8] = b"0123456789-+.";
    const REST: &[u8] = b"0123456789_.:eE+-xbo7";
    let mut rng = Pcg64::seed_from_u64(SEED);
    let mut out = Vec::new();
    while out.len() < RANDOM_SCALARS {
        let len = rng.random_range(1..8);
        let mut text = String::new();
        text.push(FIRST[rng.random_range(0..FIRST.len())] as char);
        for _ in 1..len {
            text.push(REST[rng.random_range(0..REST.len())] as char);
        }
        // A `:` at the end makes a mapping, `-` alone a sequence: not plain scalars.
        if text.ends_with(':') || text == "-" || text.starts_with("- ") {
            continue;
        }
        out.push(text);
    }
    out
}

#[test]
fn pyyaml_profile_reads_scalars_as_pyyaml_does() {
    let Some(python) = oracle_python() else {
        return;
    };
    let scalars: Vec<String> = fixed_scalars()
        .into_iter()
        .chain(random_scalars())
        .collect();
    let texts: Vec<String> = scalars.iter().map(|s| format!("{s}\n")).collect();
    let theirs = run_oracle(&python, &texts);
    assert_eq!(theirs.len(), texts.len());
    let mut compared = 0;
    let mut refused = Vec::new();
    let mut disagreements = Vec::new();
    for ((scalar, text), theirs) in scalars.iter().zip(&texts).zip(&theirs) {
        if theirs.get("error").is_some() {
            // PyYAML cannot construct it (`0b_`, `0x_`); rehearse reads a string.
            refused.push(scalar.clone());
            continue;
        }
        let Some(ours) = ours(text) else {
            disagreements.push(format!(
                "{scalar:?}: rehearse read no document, PyYAML {theirs}"
            ));
            continue;
        };
        compared += 1;
        if !agrees(&ours, theirs) {
            disagreements.push(format!("{scalar:?}: rehearse {ours}, PyYAML {theirs}"));
        }
    }
    eprintln!(
        "PyYAML cross-check: {compared} scalars compared, {} refused by PyYAML ({}), {} disagree",
        refused.len(),
        refused
            .iter()
            .take(8)
            .cloned()
            .collect::<Vec<_>>()
            .join(" "),
        disagreements.len()
    );
    assert!(compared > 2000, "too few scalars compared: {compared}");
    assert!(
        disagreements.is_empty(),
        "disagreements with PyYAML:\n{}",
        disagreements.join("\n")
    );
}

#[test]
fn pyyaml_profile_reads_structures_as_pyyaml_does() {
    let Some(python) = oracle_python() else {
        return;
    };
    let texts: Vec<String> = [
        "v: {concat:[a, b]}\n",
        "v: {get_input:{x: 1}}\n",
        "v: {a:b}\n",
        "a: 1\nb: 2\na: 3\n",
        "a: {x: 1}\na: [yes, no]\n",
        "base: &b {x: 1, y: on}\nuse:\n  <<: *b\n  y: 0755\n",
        "base: &b\n  x: 1\n  x: 2\nuse:\n  <<: *b\n",
        "k: &k 1:20\nl: *k\n",
        "[yes, off, 0o17, 0x10, 1_0, -.5, .5, 1.0e+1]\n",
        "yes: 1\ntrue: 2\n",
        "ports: [22:22, 8080:80]\n",
    ]
    .iter()
    .map(|t| t.to_string())
    .collect();
    let theirs = run_oracle(&python, &texts);
    for (text, theirs) in texts.iter().zip(&theirs) {
        let ours = ours(text).expect("one document");
        assert!(
            agrees(&ours, theirs),
            "{text:?}: rehearse {ours}, PyYAML {theirs}"
        );
    }
}
