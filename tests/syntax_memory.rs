//! Memory of the syntax layer (issue 14): a 30 MiB YAML (block or flow style) or JSON file is
//! read in under 10× its size of memory.
//!
//! This binary counts its own allocations (a counting global allocator) and reads the peak
//! resident set of its process (`VmHWM`, reset through `/proc/self/clear_refs` before each
//! file), so each figure covers the file's bytes, the tree, the source map and everything the
//! reader held on the way. The in-process test runs in CI (a few seconds in release mode);
//! the whole `rehearse check FILE`, measured with `/usr/bin/time -v`, is the ignored test:
//! `cargo test --release --test syntax_memory -- --ignored --nocapture`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use rehearse::source::SourceMap;
use rehearse::syntax::{self, Format, Limits};

/// Heap bytes in use, and the most since the last reset.
struct Counting;

static IN_USE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(by: usize) {
    let now = IN_USE.fetch_add(by, Ordering::Relaxed) + by;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

// SAFETY: every call is forwarded to the system allocator unchanged; the counters only watch.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        unsafe { System.dealloc(p, layout) };
        IN_USE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, p: *mut u8, layout: Layout, size: usize) -> *mut u8 {
        let q = unsafe { System.realloc(p, layout, size) };
        if !q.is_null() {
            if size >= layout.size() {
                grew(size - layout.size());
            } else {
                IN_USE.fetch_sub(layout.size() - size, Ordering::Relaxed);
            }
        }
        q
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// One measurement at a time: the counters and the peak RSS are the whole process's.
static SERIAL: Mutex<()> = Mutex::new(());

const TARGET_BYTES: usize = 30 * 1024 * 1024;
/// The bound of issue 14.
const BOUND: f64 = 10.0;

/// Spec-shaped data (KrakenD-like endpoints) of no spec kind, so the figure is the syntax
/// layer's, not a dialect's IR. Flow style quotes the paths: `{` starts a flow mapping.
fn generate(style: &str) -> Vec<u8> {
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
                "  - {{endpoint: \"/api/v1/resource{i}/{{id}}\", method: GET, timeout: 3s, backend: \
                 [{{url_pattern: \"/items/{{id}}\", host: [\"http://svc{host}:8080\"], weight: {weight}}}]}}\n"
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
    text.into_bytes()
}

/// Peak resident set of this process since the last reset, in bytes (`None` off Linux).
fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib * 1024)
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
extern "C" {
    fn malloc_trim(pad: usize) -> std::ffi::c_int;
}

/// Resets the peak resident set to the current one (Linux 4.0+); false when it cannot.
/// Memory an earlier measurement freed is handed back to the system first, so it does not
/// count here.
fn reset_peak_rss() -> bool {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: glibc's malloc_trim only releases free memory; it has no preconditions.
    unsafe {
        malloc_trim(0);
    }
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

struct Figures {
    size: usize,
    /// Most heap bytes in use at once while the file was read, its bytes included.
    heap: usize,
    /// Peak resident set of the process over the read, when the system tells it.
    rss: Option<u64>,
    nodes: usize,
}

fn load(style: &str, format: Format) -> Figures {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let bytes = generate(style);
    let size = bytes.len();
    let rss_known = reset_peak_rss();
    PEAK.store(IN_USE.load(Ordering::Relaxed), Ordering::Relaxed);
    let mut sources = SourceMap::new();
    let (_, parsed) = syntax::load(&mut sources, "big", bytes, format, &Limits::default());
    let heap = PEAK.load(Ordering::Relaxed);
    let rss = if rss_known { peak_rss() } else { None };
    assert!(
        parsed.diagnostics.is_empty(),
        "{style}: {:?}",
        parsed.diagnostics
    );
    assert_eq!(parsed.documents.len(), 1, "{style}");
    let nodes = parsed.documents[0].root.size();
    Figures {
        size,
        heap,
        rss,
        nodes,
    }
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / 1048576.0
}

fn check_bound(style: &str, format: Format) {
    let f = load(style, format);
    let heap_ratio = f.heap as f64 / f.size as f64;
    eprintln!(
        "{style:5}: {:.1} MiB file, {} nodes; heap peak {:.1} MiB ({heap_ratio:.2}×), peak RSS {}",
        mib(f.size as u64),
        f.nodes,
        mib(f.heap as u64),
        f.rss.map_or("unknown".to_string(), |rss| format!(
            "{:.1} MiB ({:.2}×)",
            mib(rss),
            rss as f64 / f.size as f64
        )),
    );
    assert!(
        heap_ratio < BOUND,
        "{style}: heap {heap_ratio:.2}× the file"
    );
    if let Some(rss) = f.rss {
        let ratio = rss as f64 / f.size as f64;
        assert!(ratio < BOUND, "{style}: peak RSS {ratio:.2}× the file");
    }
}

#[test]
fn a_30_mib_block_yaml_file_loads_in_under_10x_its_size() {
    check_bound("block", Format::Yaml);
}

#[test]
fn a_30_mib_flow_yaml_file_loads_in_under_10x_its_size() {
    check_bound("flow", Format::Yaml);
}

#[test]
fn a_30_mib_json_file_loads_in_under_10x_its_size() {
    check_bound("json", Format::Json);
}

/// Peak RSS in bytes of `rehearse check FILE`, and the run's exit status.
fn check_process_peak(file: &Path) -> Option<(u64, i32)> {
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
#[ignore = "writes 90 MiB and runs the release binary three times; run with --ignored"]
fn rehearse_check_of_a_30_mib_file_peaks_under_10x_its_size() {
    if !Path::new("/usr/bin/time").is_file() {
        eprintln!("notice: skipped: /usr/bin/time is not installed");
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
        let bytes = generate(style);
        std::fs::write(&path, &bytes).unwrap();
        let (rss, status) =
            check_process_peak(&path).expect("/usr/bin/time -v reports the peak RSS");
        let ratio = rss as f64 / bytes.len() as f64;
        eprintln!(
            "rehearse check {name}: {:.1} MiB file, peak RSS {:.1} MiB ({ratio:.2}×), exit {status}",
            mib(bytes.len() as u64),
            mib(rss)
        );
        if ratio >= BOUND {
            failures.push(format!("{style}: {ratio:.2}×"));
        }
    }
    assert!(failures.is_empty(), "over 10× the file size: {failures:?}");
}
