//! Issue 9 acceptance: the peak RSS of a 10 h autoscale run is within 20% of a 1 h run (memory
//! does not grow with simulated time). Measured with `/usr/bin/time -f %M` on the real binary;
//! skipped with a notice where GNU time is not installed.

use std::path::{Path, PathBuf};
use std::process::Command;

/// specs/autoscale with its duration replaced, in a fresh folder.
fn autoscale_for(hours: u32) -> PathBuf {
    let specs = Path::new(env!("CARGO_MANIFEST_DIR")).join("specs/autoscale");
    let dir = std::env::temp_dir().join(format!(
        "rehearse-autoscale-{hours}h-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp folder");
    std::fs::copy(specs.join("blueprint.yaml"), dir.join("blueprint.yaml")).expect("blueprint");
    let scenario = std::fs::read_to_string(specs.join("scenario.yaml")).expect("scenario");
    assert!(
        scenario.contains("\nduration: 30m\n"),
        "the example's duration changed"
    );
    let scenario = scenario.replace("\nduration: 30m\n", &format!("\nduration: {hours}h\n"));
    std::fs::write(dir.join("scenario.yaml"), scenario).expect("write");
    dir
}

/// Peak resident set of `rehearse run DIR`, in KiB.
fn peak_rss_kib(dir: &Path) -> u64 {
    let out = Command::new("/usr/bin/time")
        .args(["-f", "%M"])
        .arg(env!("CARGO_BIN_EXE_rehearse"))
        .args(["run", "--format", "json"])
        .arg(dir)
        .output()
        .expect("run /usr/bin/time");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    stderr
        .lines()
        .rev()
        .find_map(|l| l.trim().parse().ok())
        .unwrap_or_else(|| panic!("no RSS in {stderr}"))
}

#[test]
fn a_ten_hour_autoscale_run_needs_no_more_memory_than_a_one_hour_run() {
    if !Path::new("/usr/bin/time").exists() {
        eprintln!("skipped: /usr/bin/time (GNU time) is not installed");
        return;
    }
    let one = peak_rss_kib(&autoscale_for(1));
    let ten = peak_rss_kib(&autoscale_for(10));
    eprintln!("peak RSS: 1 h {one} KiB, 10 h {ten} KiB");
    assert!(ten * 100 <= one * 120, "10 h: {ten} KiB, 1 h: {one} KiB");
}
