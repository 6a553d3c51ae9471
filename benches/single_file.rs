//! Benchmark (not a test): `cargo bench --bench single_file`.
//!
//! The pre-commit case in a big repository (issue #15): one changed file beside 20 000
//! unrelated JSON files, `rehearse check FILE` timed with process start. A KrakenD config and a
//! Cloudify-free JSON need no project context, so they must not pay for the 20 000 files;
//! a Vamp breed resolves names across files, so it reads the files that mention them.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const UNRELATED: usize = 20_000;
const RUNS: usize = 21;

fn main() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    for i in 0..UNRELATED {
        let text =
            format!("{{\"id\": {i}, \"title\": \"record {i}\", \"tags\": [\"a\", \"b\"]}}\n");
        std::fs::write(data.join(format!("record-{i:05}.json")), text).unwrap();
    }
    std::fs::write(
        dir.path().join("krakend.json"),
        r#"{"version": 3, "endpoints": [{"endpoint": "/a", "backend": [{"url_pattern": "/a", "host": ["http://a:8080"]}]}]}"#,
    )
    .unwrap();
    std::fs::write(
        dir.path().join("breed.yml"),
        "kind: breed\nname: web\ndeployable: x/web:1\ndependencies:\n  db: db\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("db.yml"),
        "kind: breed\nname: db\ndeployable: x/db:1\n",
    )
    .unwrap();

    for file in ["krakend.json", "breed.yml"] {
        let cpu_before = children_cpu();
        let (median, best) = time(dir.path(), file);
        let cpu = children_cpu()
            .zip(cpu_before)
            .map(|(after, before)| (after - before) / RUNS as u32);
        println!(
            "one file ({file}) beside {UNRELATED} unrelated JSON files, process start included: \
             median {:.1} ms, best {:.1} ms{}",
            median.as_secs_f64() * 1e3,
            best.as_secs_f64() * 1e3,
            cpu.map(|c| format!(", CPU {:.1} ms per run", c.as_secs_f64() * 1e3))
                .unwrap_or_default()
        );
    }
}

/// User + system time of this process's waited-for children (Linux: /proc/self/stat fields
/// 16 and 17, in clock ticks of 10 ms). Wall time on a busy machine is mostly waiting for a
/// core; CPU time over all runs says what one check costs.
fn children_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split(' ').collect();
    // Field 3 of the full line is fields[0] here: cutime (16) is fields[13], cstime fields[14].
    let ticks: u64 = fields.get(13)?.parse::<u64>().ok()? + fields.get(14)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

fn time(dir: &Path, file: &str) -> (Duration, Duration) {
    let binary = env!("CARGO_BIN_EXE_rehearse");
    let mut times = Vec::new();
    for _ in 0..RUNS {
        let start = Instant::now();
        let output = Command::new(binary)
            .args(["check", file])
            .current_dir(dir)
            .output()
            .expect("rehearse runs");
        times.push(start.elapsed());
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stdout)
        );
    }
    times.sort();
    (times[RUNS / 2], times[0])
}
