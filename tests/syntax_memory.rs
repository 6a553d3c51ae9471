//! Memory of the syntax layer (issue 14): a 30 MiB YAML (block and flow style) or JSON file is
//! checked by the release binary in under 10× its size of peak memory. Measured with
//! `/usr/bin/time -v` (peak RSS of the child). Ignored by default (it writes 90 MiB and takes
//! seconds); run it with
//! `cargo test --release --test syntax_memory -- --ignored --nocapture`.

use std::path::Path;
use std::process::Command;

const TARGET_BYTES: usize = 30 * 1024 * 1024;

/// Generic data (no spec kind), so the figure is the syntax layer's, not a dialect's IR.
fn generate(path: &Path, style: &str) -> usize {
    let mut text = String::with_capacity(TARGET_BYTES + 1024);
    match style {
        "json" => text.push_str("{\"data\": 1, \"items\": [\n"),
        _ => text.push_str("data: 1\nitems:\n"),
    }
    let mut i = 0;
    while text.len() < TARGET_BYTES {
        let host = i % 50;
        let weight = i % 100;
        match style {
            "block" => text.push_str(&format!(
                "  - endpoint: /api/v1/resource{i}/{{id}}\n    method: GET\n    timeout: 3s\n    \
                 backend:\n      - url_pattern: /items/{{id}}\n        host: [\"http://svc{host}:8080\"]\n        \
                 weight: {weight}\n"
            )),
            "flow" => text.push_str(&format!(
                "  - {{endpoint: /api/v1/resource{i}/{{id}}, method: GET, timeout: 3s, backend: \
                 [{{url_pattern: /items/{{id}}, host: [\"http://svc{host}:8080\"], weight: {weight}}}]}}\n"
            )),
            _ => text.push_str(&format!(
                "{}{{\"endpoint\": \"/api/v1/resource{i}/{{id}}\", \"method\": \"GET\", \"timeout\": \
                 \"3s\", \"backend\": [{{\"url_pattern\": \"/items/{{id}}\", \"host\": \
                 [\"http://svc{host}:8080\"], \"weight\": {weight}}}]}}\n",
                if i == 0 { "" } else { "," }
            )),
        }
        i += 1;
    }
    if style == "json" {
        text.push_str("]}\n");
    }
    std::fs::write(path, &text).unwrap();
    text.len()
}

/// Peak RSS in bytes of `rehearse check FILE`, and the run's exit status.
fn peak_rss(file: &Path) -> Option<(u64, i32)> {
    let output = Command::new("/usr/bin/time")
        .arg("-v")
        .arg(env!("CARGO_BIN_EXE_rehearse"))
        .arg("check")
        .arg(file)
        .output()
        .ok()?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    let kib: u64 = stderr
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("Maximum resident set size (kbytes): ")
        })?
        .trim()
        .parse()
        .ok()?;
    Some((kib * 1024, output.status.code().unwrap_or(-1)))
}

#[test]
#[ignore = "writes 90 MiB and runs the release binary; run with --ignored"]
fn a_30_mib_file_loads_in_under_10x_its_size() {
    if !Path::new("/usr/bin/time").is_file() {
        eprintln!("notice: syntax_memory skipped: /usr/bin/time is not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    for (style, name) in [
        ("block", "block.yaml"),
        ("flow", "flow.yaml"),
        ("json", "data.json"),
    ] {
        let path = dir.path().join(name);
        let size = generate(&path, style);
        let (rss, status) = peak_rss(&path).expect("/usr/bin/time -v reports the peak RSS");
        let ratio = rss as f64 / size as f64;
        eprintln!(
            "{style:5}: {:.1} MiB file, peak RSS {:.1} MiB ({ratio:.2}× the file), exit {status}",
            size as f64 / 1048576.0,
            rss as f64 / 1048576.0
        );
        if ratio >= 10.0 {
            failures.push(format!("{style}: {ratio:.2}×"));
        }
    }
    assert!(failures.is_empty(), "over 10× the file size: {failures:?}");
}
