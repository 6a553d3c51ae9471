//! The `rehearse` command line. Only argument handling and exit codes live here; the work is
//! done by the library.
//!
//! Exit codes: 0 clean, 1 findings (errors, or warnings with `--deny warnings`), 2 usage or I/O
//! errors.

use clap::{Parser, Subcommand, ValueEnum};
use rehearse::check::{self, Options, SpecPolicy};
use rehearse::dialect::krakend::flexible::{Env, FlexibleConfig};
use rehearse::dialect::Kind;
use rehearse::report;
use rehearse::sandbox::Sandbox;
use rehearse::sim::budget::{self, Budget};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "rehearse",
    version,
    about = "Check deployment specs, rehearse rollouts offline, emit runtime configs"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Parse and validate specs; report diagnostics.
    Check(CheckArgs),
    /// Rehearse a scenario: simulate traffic, rollout programs and faults deterministically.
    Run(RunArgs),
    /// Write the config a runtime loads (haproxy.cfg for Vamp gateways) from the checked
    /// project.
    Emit(EmitArgs),
    /// Preview an Argo Rollout's or Flagger Canary's steps: weights, replicas, durations.
    Plan(PlanArgs),
    /// Print the long explanation of a diagnostic code (e.g. `rehearse explain V012`).
    Explain {
        /// The code, e.g. Y002 or V012. Without one, lists every code.
        code: Option<String>,
    },
    /// Combine the partial results of a sharded sweep (`run --seeds .. --shard I/N --format
    /// json`) into what the unsharded sweep prints.
    Merge {
        /// The partial results (JSON), one per shard, in any order.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[arg(long, value_enum, default_value_t = RunFormat::Human)]
        format: RunFormat,
    },
    /// Draw what references what: deployments, clusters, services, gateways and routes,
    /// workflows, Cloudify nodes and relationships, KrakenD endpoints and backends.
    Graph(GraphArgs),
    /// Print JSON Schema (draft-07) for the scenario document and the Vamp artifacts, for
    /// editors (`# yaml-language-server: $schema=FILE`).
    Schema {
        /// Only this kind (scenario, breed, blueprint, deployment, gateway, workflow, scale,
        /// sla, escalation, condition); without it one schema dispatches on `kind:`.
        #[arg(long, value_name = "KIND")]
        kind: Option<Kind>,
    },
}

#[derive(clap::Args)]
struct GraphArgs {
    /// Files or directories of the project.
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    /// Graphviz DOT (`dot -Tsvg`) or Mermaid.
    #[arg(long, value_enum, default_value_t = GraphFormatArg::Dot)]
    format: GraphFormatArg,
    /// Let documents name files in this folder too (repeatable).
    #[arg(long, value_name = "DIR")]
    allow_read: Vec<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
enum GraphFormatArg {
    Dot,
    Mermaid,
}

#[derive(clap::Args)]
struct CheckArgs {
    /// Files or directories to check (directories are walked for *.yaml, *.yml, *.json).
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    format: OutputFormat,
    /// Treat warnings as errors for the exit code.
    #[arg(long, value_name = "warnings", value_parser = ["warnings"])]
    deny: Option<String>,
    /// Read every document of the given files as this kind (breed, blueprint, gateway,
    /// workflow, scale, sla, condition, escalation, deployment, cloudify, krakend, scenario).
    #[arg(long, value_name = "KIND")]
    kind: Option<Kind>,
    /// Let documents name files in this folder too (repeatable). By default a file a document
    /// names (a Cloudify import) is read only inside the project: the folder holding
    /// `rehearse.toml`, else the checked path's folder.
    #[arg(long, value_name = "DIR")]
    allow_read: Vec<PathBuf>,
    /// Colour in human output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
    /// Every file checked must be a spec: report documents of unknown kind (X001) and other
    /// tools' files (Kubernetes objects X004, CI workflows, compose files ... X009) instead of
    /// skipping them.
    #[arg(long)]
    strict_kinds: bool,
    /// Also list the files and documents skipped as not specs, with the reason.
    #[arg(long, short)]
    verbose: bool,
}

#[derive(clap::Args)]
struct RunArgs {
    /// Files or directories of the project (specs and scenarios).
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    /// The scenario to run; optional when the project holds exactly one.
    #[arg(long)]
    scenario: Option<String>,
    /// Root seed; overrides the scenario's `seed`.
    #[arg(long)]
    seed: Option<u64>,
    /// Write a JSON-lines trace (header, every decision, metric snapshots every 5 s) here.
    #[arg(long, value_name = "FILE")]
    trace: Option<PathBuf>,
    /// Write a self-contained HTML report of the rehearsal here (charts over simulated time,
    /// decisions and faults, the expectations' verdicts).
    #[arg(long, value_name = "FILE.html", conflicts_with = "seeds")]
    report: Option<PathBuf>,
    /// Refuse (S022) a run estimated to take more events than this (about a minute per
    /// hundred million on a laptop).
    #[arg(long, value_name = "N", default_value_t = budget::DEFAULT_MAX_EVENTS)]
    max_events: u64,
    /// Refuse (S022) a run estimated to need more memory than this (e.g. 512MiB, 4GiB).
    #[arg(long, value_name = "SIZE", default_value = "1GiB", value_parser = budget::parse_size)]
    max_memory: u64,
    /// Output format of the summary.
    #[arg(long, value_enum, default_value_t = RunFormat::Human)]
    format: RunFormat,
    /// Let documents name files in this folder too (repeatable). By default a file a document
    /// names (a Cloudify import) is read only inside the project: the folder holding
    /// `rehearse.toml`, else the checked path's folder.
    #[arg(long, value_name = "DIR")]
    allow_read: Vec<PathBuf>,
    /// Run the scenario once per seed of this inclusive range (`1..1000`) and report pass
    /// probabilities and quantiles instead of one run.
    #[arg(long, value_name = "A..B", value_parser = parse_seed_range, conflicts_with_all = ["seed", "trace"])]
    seeds: Option<(u64, u64)>,
    /// Threads for a sweep (default: every core); the result does not depend on it.
    #[arg(long, value_name = "N", requires = "seeds")]
    jobs: Option<usize>,
    /// Run one slice of the sweep: `I/N` (I from 0 to N-1), or `auto/N` to read I from
    /// `JOB_COMPLETION_INDEX` (Kubernetes Indexed Jobs). `rehearse merge` combines the parts.
    #[arg(long, value_name = "I/N", requires = "seeds")]
    shard: Option<String>,
    /// Print the first request the scenario sends as `METHOD /path` (e.g. "POST
    /// /user/signup/yes") to its KrakenD endpoint as a waterfall: every backend call with its
    /// start and end, depth, outcome, and the response's status and keys.
    #[arg(long, value_name = "REQUEST", conflicts_with = "seeds")]
    explain_request: Option<String>,
}

/// The most threads a sweep starts, whatever `--jobs` says.
const MAX_SWEEP_JOBS: usize = 256;

/// The most seeds one sweep takes (about a day of runs of a small scenario on one core).
const MAX_SWEEP_SEEDS: u64 = 100_000_000;

fn parse_seed_range(text: &str) -> Result<(u64, u64), String> {
    let (from, to) = text
        .split_once("..")
        .ok_or_else(|| format!("`{text}` is not a seed range such as 1..1000"))?;
    let to = to.strip_prefix('=').unwrap_or(to);
    let number = |s: &str| {
        s.trim()
            .parse::<u64>()
            .map_err(|_| format!("`{s}` is not a seed (0 to 2^64-2)"))
    };
    let (from, to) = (number(from)?, number(to)?);
    if to < from {
        return Err(format!("the range {from}..{to} is empty"));
    }
    if to == u64::MAX || to - from >= MAX_SWEEP_SEEDS {
        return Err(format!(
            "{from}..{to} is more than {MAX_SWEEP_SEEDS} seeds; shard it (--shard I/N) over several machines"
        ));
    }
    Ok((from, to))
}

/// `I/N` or `auto/N` (I from `JOB_COMPLETION_INDEX`).
fn parse_shard(text: &str) -> Result<rehearse::sim::sweep::Shard, String> {
    let (index, count) = text
        .split_once('/')
        .ok_or_else(|| format!("--shard `{text}` is not I/N (e.g. 0/4, auto/4)"))?;
    let count: u64 = count
        .parse()
        .ok()
        .filter(|&n| n > 0 && n <= 1 << 20)
        .ok_or_else(|| format!("--shard `{text}`: N must be a count from 1 to 1048576"))?;
    let index: u64 = if index == "auto" {
        let variable = std::env::var("JOB_COMPLETION_INDEX").map_err(|_| {
            "--shard auto/N reads JOB_COMPLETION_INDEX, which is not set".to_string()
        })?;
        variable
            .trim()
            .parse()
            .map_err(|_| format!("JOB_COMPLETION_INDEX=`{variable}` is not a shard index"))?
    } else {
        index
            .parse()
            .map_err(|_| format!("--shard `{text}`: I must be a number or `auto`"))?
    };
    if index >= count {
        return Err(format!("--shard {index}/{count}: I must be below N"));
    }
    Ok(rehearse::sim::sweep::Shard { index, count })
}

#[derive(clap::Args)]
struct PlanArgs {
    /// Files or directories of the project (rollouts, templates, services).
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    /// Only the Rollout or Canary of this name.
    #[arg(long, value_name = "NAME")]
    rollout: Option<String>,
    /// Plan with this many replicas instead of the spec's.
    #[arg(long, value_name = "N")]
    replicas: Option<u32>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = RunFormat::Human)]
    format: RunFormat,
}

#[derive(Clone, Copy, ValueEnum)]
enum RunFormat {
    Human,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum OutputFormat {
    Human,
    Json,
    Sarif,
    Github,
}

#[derive(Clone, Copy, ValueEnum)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check(args) => run_check(args),
        Command::Run(args) => run_scenario(args),
        Command::Plan(args) => run_plan(args),
        Command::Explain { code } => explain(code.as_deref()),
        Command::Graph(args) => run_graph(args),
        Command::Merge { files, format } => run_merge(&files, format),
        Command::Emit(args) => run_emit(args),
        Command::Schema { kind } => print_schema(kind),
    }
}

/// `run --seeds`: the scenario over every seed of the range (or of one shard of it).
fn run_sweep(args: &RunArgs, from: u64, to: u64, mut checked: check::Checked) -> ExitCode {
    use rehearse::sim::sweep::{sweep, SweepOptions};
    let shard = match args.shard.as_deref().map(parse_shard).transpose() {
        Ok(shard) => shard,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    let total = match shard {
        Some(shard) => shard.slice(from, to).1,
        None => to - from + 1,
    };
    // More threads than seeds do nothing; a thread per seed of a huge `--jobs` would only
    // exhaust the system's threads.
    let jobs = args
        .jobs
        .unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
        })
        .clamp(1, MAX_SWEEP_JOBS)
        .min(usize::try_from(total).unwrap_or(usize::MAX).max(1));
    let progress = std::sync::Mutex::new(Progress::new(
        std::io::stderr().is_terminal() && matches!(args.format, RunFormat::Human),
    ));
    let show = progress.lock().unwrap().enabled();
    let on_progress = |done: u64| {
        progress.lock().unwrap().draw(|| {
            let width = 30;
            let filled = (done * width / total.max(1)) as usize;
            format!(
                "rehearsing seeds [{}{}] {done}/{total}",
                "#".repeat(filled),
                "-".repeat(width as usize - filled)
            )
        });
    };
    let result = sweep(
        &checked.project,
        SweepOptions {
            scenario: args.scenario.clone(),
            from,
            to,
            shard,
            jobs,
            budget: Budget {
                max_events: args.max_events,
                max_memory: args.max_memory,
            },
            progress: show.then_some(&on_progress as &(dyn Fn(u64) + Sync)),
        },
    );
    progress.lock().unwrap().finish();
    let result = match result {
        Ok(result) => result,
        Err(diagnostics) => {
            let color = stderr_color();
            for d in &diagnostics {
                eprint!("{}", report::human::render_one(&checked.sources, d, color));
            }
            checked.diagnostics.extend(diagnostics);
            return cannot_run(args.format, &checked);
        }
    };
    let text = match args.format {
        RunFormat::Human => report::sweep::human(&result),
        RunFormat::Json => report::pretty_json(&result.to_json()),
    };
    match print_stdout(&text) {
        Ok(()) => ExitCode::SUCCESS,
        Err(code) => code,
    }
}

/// `rehearse merge`: the partial results of every shard, added up.
fn run_merge(files: &[PathBuf], format: RunFormat) -> ExitCode {
    use rehearse::sim::sweep::{merge, Sweep};
    let mut parts = Vec::with_capacity(files.len());
    for file in files {
        let text = match std::fs::read_to_string(file) {
            Ok(text) => text,
            Err(e) => {
                eprintln!("error: cannot read {}: {e}", file.display());
                return ExitCode::from(2);
            }
        };
        let part = serde_json::from_str::<serde_json::Value>(&text)
            .map_err(|e| e.to_string())
            .and_then(|value| Sweep::from_json(&value).map_err(|e| e.0));
        match part {
            Ok(part) => parts.push(part),
            Err(message) => {
                eprintln!(
                    "error: {} is not a sweep's partial result: {message}",
                    file.display()
                );
                return ExitCode::from(2);
            }
        }
    }
    let merged = match merge(parts) {
        Ok(merged) => merged,
        Err(e) => {
            eprintln!("error: {}", e.0);
            return ExitCode::from(2);
        }
    };
    let text = match format {
        RunFormat::Human => report::sweep::human(&merged),
        RunFormat::Json => report::pretty_json(&merged.to_json()),
    };
    match print_stdout(&text) {
        Ok(()) => ExitCode::SUCCESS,
        Err(code) => code,
    }
}

/// Checks the project like `run` does (errors stop it), then prints its graph.
fn run_graph(args: GraphArgs) -> ExitCode {
    let checked = match check_project(&args.paths, &args.allow_read, None, false) {
        Ok(loaded) => loaded.checked,
        Err(code) => return code,
    };
    if let Some(code) = stop_on_errors(&checked) {
        return code;
    }
    let format = match args.format {
        GraphFormatArg::Dot => report::graph::GraphFormat::Dot,
        GraphFormatArg::Mermaid => report::graph::GraphFormat::Mermaid,
    };
    let graph = report::graph::build(&checked.project, &checked.sources);
    let text = report::graph::render(&graph, format);
    match print_stdout(&text) {
        Ok(()) => ExitCode::SUCCESS,
        Err(code) => code,
    }
}

fn run_check(args: CheckArgs) -> ExitCode {
    let checked = match check_projects(&args.paths, &args.allow_read, args.kind, args.strict_kinds)
    {
        Ok(projects) => check::Checked::merge_reports(
            projects.into_iter().map(|loaded| loaded.checked).collect(),
        ),
        Err(code) => return code,
    };
    let format = match args.format {
        OutputFormat::Human => report::Format::Human,
        OutputFormat::Json => report::Format::Json,
        OutputFormat::Sarif => report::Format::Sarif,
        OutputFormat::Github => report::Format::Github,
    };
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
        }
    };
    let text = report::render_with(format, &checked, color, args.verbose);
    if let Err(code) = print_stdout(&text) {
        return code;
    }
    let deny_warnings = args.deny.is_some();
    if checked.errors() > 0 || (deny_warnings && checked.warnings() > 0) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn run_scenario(args: RunArgs) -> ExitCode {
    let mut checked = match check_project(&args.paths, &args.allow_read, None, false) {
        Ok(loaded) => loaded.checked,
        Err(code) => return code,
    };
    // Refused before anything is simulated or written: a trace over an input would destroy it.
    for (flag, path) in [("--trace", &args.trace), ("--report", &args.report)] {
        if let Some(path) = path {
            if let Err(message) = refuse_input_as_output(flag, path, &checked) {
                eprintln!("error: {message}");
                return ExitCode::from(2);
            }
        }
    }
    // The project must check without errors before anything is simulated; warnings are shown
    // but do not stop the run.
    let color = stderr_color();
    if checked.errors() > 0 {
        eprint!("{}", report::human::render(&checked, color));
        return cannot_run(args.format, &checked);
    }
    // The check's warnings (e.g. workflows that will not run) come before the rehearsal.
    for d in &checked.diagnostics {
        eprint!("{}", report::human::render_one(&checked.sources, d, color));
    }

    if let Some((from, to)) = args.seeds {
        return run_sweep(&args, from, to, checked);
    }

    let mut trace_buffer = Vec::new();
    let mut progress = Progress::new(std::io::stderr().is_terminal());
    let show_progress = progress.enabled();
    let mut on_progress = |now, duration| progress.show(now, duration);
    let result = rehearse::sim::run(
        &checked.project,
        rehearse::sim::RunOptions {
            scenario: args.scenario,
            seed: args.seed,
            // The report is drawn from the trace.
            trace: (args.trace.is_some() || args.report.is_some())
                .then_some(&mut trace_buffer as &mut dyn Write),
            budget: Budget {
                max_events: args.max_events,
                max_memory: args.max_memory,
            },
            progress: show_progress.then_some(&mut on_progress as &mut dyn FnMut(u64, u64)),
            explain_request: args.explain_request.clone(),
        },
    );
    progress.finish();
    let result = match result {
        Ok(result) => result,
        Err(diagnostics) => {
            for d in &diagnostics {
                eprint!("{}", report::human::render_one(&checked.sources, d, color));
            }
            // The run's findings join the check's (warnings) in the JSON report.
            checked.diagnostics.extend(diagnostics);
            return cannot_run(args.format, &checked);
        }
    };
    if let Some(path) = &args.trace {
        if let Err(e) = write_output_file(path, &trace_buffer) {
            eprintln!("error: cannot write the trace to {}: {e}", path.display());
            return ExitCode::from(2);
        }
    }
    if let Some(path) = &args.report {
        let html = report::html::render(&result, &trace_buffer);
        if let Err(e) = write_output_file(path, html.as_bytes()) {
            eprintln!("error: cannot write the report to {}: {e}", path.display());
            return ExitCode::from(2);
        }
    }
    let mut text = match args.format {
        RunFormat::Human => report::run::human(&result),
        RunFormat::Json => report::run::json(&result),
    };
    if let (Some(waterfall), RunFormat::Human) = (&result.explained, args.format) {
        text.insert_str(0, &format!("{waterfall}\n"));
    }
    if let Err(code) = print_stdout(&text) {
        return code;
    }
    if result.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// `rehearse plan`: checks the project, then prints the plan of its rollouts. Check errors stop
/// it (exit 1, diagnostics on stderr); an unknown `--rollout` is a usage error (exit 2).
fn run_plan(args: PlanArgs) -> ExitCode {
    let projects = match check_projects(&args.paths, &[], None, false) {
        Ok(projects) => projects,
        Err(code) => return code,
    };
    if projects.iter().any(|loaded| loaded.checked.errors() > 0) {
        let checks = projects.into_iter().map(|loaded| loaded.checked).collect();
        let checked = check::Checked::merge_reports(checks);
        return stop_on_errors(&checked).expect("a project has errors");
    }
    let mut plans = Vec::new();
    for Loaded { checked, .. } in &projects {
        plans.extend(rehearse::plan::plan(
            &checked.project,
            &checked.sources,
            &rehearse::plan::Options {
                name: args.rollout.clone(),
                replicas: args.replicas.map(i64::from),
            },
        ));
    }
    if let Some(name) = &args.rollout {
        if plans.is_empty() {
            eprintln!("error: no Rollout or Canary named '{name}'");
            return ExitCode::from(2);
        }
    }
    let text = match args.format {
        RunFormat::Human => rehearse::plan::to_human(&plans),
        RunFormat::Json => report::pretty_json(&rehearse::plan::to_json(&plans)),
    };
    if let Err(code) = print_stdout(&text) {
        return code;
    }
    ExitCode::SUCCESS
}

/// A checked project, and the files named on the command line (the rest is context).
struct Loaded {
    checked: check::Checked,
    reported: std::collections::BTreeSet<String>,
}

/// What every command starts with: discover the paths (`--kind` reads the named files as that
/// kind), then check them with the rest of their projects as context. Other tools' files are
/// skipped unless `strict_kinds`. Commands that act on one project (run, emit, graph) refuse
/// paths of several: a folder below the paths with its own `rehearse.toml` is a project of its
/// own. `Err` is the exit code of a usage error, already reported.
fn check_project(
    paths: &[PathBuf],
    allow_read: &[PathBuf],
    kind: Option<Kind>,
    strict_kinds: bool,
) -> Result<Loaded, ExitCode> {
    let mut projects = discover_projects(paths, kind)?;
    if projects.len() > 1 {
        let roots: Vec<String> = projects
            .iter()
            .map(|p| rehearse::discover::display_path(&p.root))
            .collect();
        eprintln!(
            "error: the paths hold {} projects ({}); name the files or folder of one",
            roots.len(),
            roots.join(", ")
        );
        return Err(ExitCode::from(2));
    }
    let project = projects
        .pop()
        .expect("discovery yields at least one project");
    Ok(check_discovered(
        project,
        &options(paths, allow_read),
        strict_kinds,
    ))
}

/// As [`check_project`], each project of the paths checked on its own.
fn check_projects(
    paths: &[PathBuf],
    allow_read: &[PathBuf],
    kind: Option<Kind>,
    strict_kinds: bool,
) -> Result<Vec<Loaded>, ExitCode> {
    let projects = discover_projects(paths, kind)?;
    // The sandbox is the run's, built once; only the flexible-config settings are per project.
    let base = options(paths, allow_read);
    Ok(projects
        .into_iter()
        .map(|project| check_discovered(project, &base, strict_kinds))
        .collect())
}

fn discover_projects(
    paths: &[PathBuf],
    kind: Option<Kind>,
) -> Result<Vec<rehearse::discover::DiscoveredProject>, ExitCode> {
    let max_bytes = Options::default().limits.max_file_bytes;
    let discovered = rehearse::discover::discover(paths, kind, max_bytes).map_err(|e| {
        eprintln!("error: {e}");
        ExitCode::from(2)
    })?;
    Ok(discovered.into_projects())
}

fn check_discovered(
    project: rehearse::discover::DiscoveredProject,
    base: &Options,
    strict_kinds: bool,
) -> Loaded {
    let rehearse::discover::DiscoveredProject { root, mut found } = project;
    let mut options = Options {
        krakend_flexible: krakend_flexible(&root),
        ..base.clone()
    };
    if !strict_kinds {
        options.specs = SpecPolicy::Listed(std::mem::take(&mut found.required_specs));
    }
    let reported = found
        .inputs
        .iter()
        .filter(|i| i.reported)
        .map(|i| i.path.clone())
        .collect();
    let checked = check::check_with(
        found.inputs,
        found.problems,
        Some(&mut found.context),
        &options,
    );
    Loaded { checked, reported }
}

/// Commands that need a project without errors print the check on stderr and exit 1.
fn stop_on_errors(checked: &check::Checked) -> Option<ExitCode> {
    (checked.errors() > 0).then(|| {
        eprint!("{}", report::human::render(checked, stderr_color()));
        ExitCode::from(1)
    })
}

fn stderr_color() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

/// A run that could not start (check errors, an unknown scenario, over budget): exit 1, and
/// with `--format json` the check report's JSON object on stdout, so a script always reads
/// JSON (same fields as `rehearse check --format json`).
fn cannot_run(format: RunFormat, checked: &check::Checked) -> ExitCode {
    if let RunFormat::Json = format {
        if let Err(code) = print_stdout(&report::json::render(checked)) {
            return code;
        }
    }
    ExitCode::from(1)
}

/// Refuses an output path that is one of the run's inputs (after symlinks are resolved).
fn refuse_input_as_output(
    flag: &str,
    path: &std::path::Path,
    checked: &check::Checked,
) -> Result<(), String> {
    let Ok(output) = std::fs::canonicalize(path) else {
        return Ok(()); // It does not exist yet, so it is no input.
    };
    for id in checked.sources.ids() {
        let input = &checked.sources.get(id).path;
        if std::fs::canonicalize(input).is_ok_and(|p| p == output) {
            return Err(format!(
                "{flag} {} would overwrite {input}, an input of this run; choose another file",
                path.display()
            ));
        }
    }
    Ok(())
}

/// Progress of a long run on a terminal's stderr: nothing for the first second, then the
/// simulated time reached, at most ten times a second. Wall-clock time only decides *when* to
/// draw; it never reaches an output.
struct Progress {
    enabled: bool,
    started: std::time::Instant,
    last_drawn: Option<std::time::Instant>,
}

impl Progress {
    fn new(enabled: bool) -> Progress {
        Progress {
            enabled,
            started: std::time::Instant::now(),
            last_drawn: None,
        }
    }

    fn enabled(&self) -> bool {
        self.enabled
    }

    fn show(&mut self, now: u64, duration: u64) {
        self.draw(|| {
            let percent = now as f64 * 100.0 / duration.max(1) as f64;
            format!(
                "rehearsing: {percent:5.1}% ({:.0}s of {:.0}s simulated)",
                now as f64 / 1e9,
                duration as f64 / 1e9
            )
        });
    }

    /// Draws `line` over the last one, unless it is too early or too soon after the last.
    fn draw(&mut self, line: impl FnOnce() -> String) {
        if !self.enabled {
            return;
        }
        let wall = std::time::Instant::now();
        if wall.duration_since(self.started).as_secs_f64() < 1.0
            || self
                .last_drawn
                .is_some_and(|t| wall.duration_since(t).as_secs_f64() < 0.1)
        {
            return;
        }
        self.last_drawn = Some(wall);
        eprint!("\r{}", line());
    }

    fn finish(&mut self) {
        if self.last_drawn.is_some() {
            eprint!("\r{:70}\r", "");
        }
    }
}

/// Check options of a run over `paths`: the project sandbox is their projects plus `allow_read`.
fn options(paths: &[PathBuf], allow_read: &[PathBuf]) -> Options {
    Options {
        sandbox: Some(Sandbox::for_checked_paths(paths, allow_read)),
        ..Options::default()
    }
}

/// KrakenD flexible configuration: the `[krakend]` folders of the project's rehearse.toml,
/// else KrakenD's own `FC_ENABLE`/`FC_SETTINGS`/`FC_PARTIALS`/`FC_TEMPLATES`. Templates see the
/// process environment through `env`, as KrakenD's do.
fn krakend_flexible(project_root: &std::path::Path) -> Option<FlexibleConfig> {
    let env = Env::from_process();
    let from_project = {
        let root = rehearse::sandbox::project_root(project_root);
        rehearse::config::ProjectConfig::load(&root)
            .and_then(Result::ok)
            .and_then(|config| FlexibleConfig::from_project(&root, &config.krakend))
    };
    match from_project {
        Some(fc) => Some(fc.with_env(env)),
        None => FlexibleConfig::from_env(&env, &std::env::current_dir().ok()?),
    }
}

/// Writes an output file. A regular file (or a new one) is written whole or not at all; a
/// device or pipe (`/dev/stdout`, `/dev/full`) is written directly, so its errors are seen and
/// it is never replaced by a file.
fn write_output_file(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_dir() => Err(std::io::Error::other("it is a directory")),
        Ok(meta) if !meta.is_file() => {
            let mut file = std::fs::OpenOptions::new().write(true).open(path)?;
            file.write_all(bytes)?;
            file.flush()
        }
        _ => rehearse::emit::write::write_file_atomically(path, bytes),
    }
}

fn explain(code: Option<&str>) -> ExitCode {
    let text = match code {
        None => rehearse::diag::codes::all()
            .map(|c| format!("{}  {:<24} {}\n", c.id, c.name, c.summary()))
            .collect::<String>(),
        Some(id) => match rehearse::diag::codes::find(id) {
            Some(c) => format!("{} ({})\n\n{}\n", c.id, c.name, c.explanation_text()),
            None => {
                eprintln!("error: unknown code '{id}' (`rehearse explain` lists them)");
                return ExitCode::from(2);
            }
        },
    };
    if let Err(code) = print_stdout(&text) {
        return code;
    }
    ExitCode::SUCCESS
}

/// Prints to stdout; a failure is reported and becomes exit code 2 (`Err`). A reader that
/// went away (`rehearse check | head`, EPIPE) is a quiet end, not an error.
fn print_stdout(text: &str) -> Result<(), ExitCode> {
    match write_stdout(text) {
        Ok(()) => Ok(()),
        Err(e) => {
            eprintln!("error: cannot write to stdout: {e}");
            Err(ExitCode::from(2))
        }
    }
}

fn write_stdout(text: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum EmitTarget {
    Haproxy,
    Krakend,
    Cloudify,
    Argo,
    Flagger,
    Vamp,
}

#[derive(clap::Args)]
struct EmitArgs {
    /// Files or directories of the project.
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    /// What to write.
    #[arg(long, value_enum)]
    target: EmitTarget,
    /// Folder to write into (created when the emit succeeds), or `-` for stdout (one
    /// document; vamp: one stream of all files' documents). Default: stdout.
    #[arg(long, value_name = "DIR", default_value = "-")]
    out: PathBuf,
    /// haproxy: the scenario whose deployments (and, with --at, whose rehearsal) give the
    /// routes, weights and servers. argo, flagger: the scenario whose canary workflow is
    /// migrated (default: the first that runs one).
    #[arg(long)]
    scenario: Option<String>,
    /// haproxy: the rehearsal's weights and servers at this time (e.g. 42s, 3m); needs
    /// --scenario when the project holds several.
    #[arg(long, value_name = "DURATION")]
    at: Option<String>,
    /// Root seed of the rehearsal for --at; overrides the scenario's `seed`.
    #[arg(long)]
    seed: Option<u64>,
    /// Let documents name files in this folder too (repeatable), as for `check`.
    #[arg(long, value_name = "DIR")]
    allow_read: Vec<PathBuf>,
    /// krakend: also write the defaults KrakenD applies (timeouts, methods, encodings, port).
    #[arg(long)]
    explicit: bool,
}

fn run_emit(args: EmitArgs) -> ExitCode {
    let Loaded { checked, reported } =
        match check_project(&args.paths, &args.allow_read, None, false) {
            Ok(loaded) => loaded,
            Err(code) => return code,
        };
    // Only the named files' artifacts are emitted; the rest of the project resolves names.
    let scope = checked
        .sources
        .ids()
        .filter(|id| {
            let path = &checked.sources.get(*id).path;
            // A KrakenD template's config is read from its rendering.
            reported.contains(path)
                || path
                    .strip_suffix(" (rendered)")
                    .is_some_and(|template| reported.contains(template))
        })
        .collect();
    let paths = checked
        .sources
        .ids()
        .map(|id| (id, checked.sources.get(id).path.clone()))
        .collect();
    let color = stderr_color();
    let to_stdout = args.out.as_os_str() == "-";
    if !to_stdout {
        if let Err(message) = refuse_input_as_output("--out", &args.out, &checked) {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    }
    if let Some(code) = stop_on_errors(&checked) {
        return code;
    }
    let target = match args.target {
        EmitTarget::Haproxy => rehearse::emit::Target::Haproxy,
        EmitTarget::Krakend => rehearse::emit::Target::Krakend,
        EmitTarget::Cloudify => rehearse::emit::Target::Cloudify,
        EmitTarget::Argo => rehearse::emit::Target::Argo,
        EmitTarget::Flagger => rehearse::emit::Target::Flagger,
        EmitTarget::Vamp => rehearse::emit::Target::Vamp,
    };
    let state = match rehearse::emit::state_for(
        &checked.project,
        target,
        args.scenario.as_deref(),
        args.at.as_deref(),
        args.seed,
    ) {
        Ok(state) => state,
        Err(rehearse::emit::StateError::Usage(message)) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
        Err(rehearse::emit::StateError::Diagnostics(diagnostics)) => {
            for d in &diagnostics {
                eprint!("{}", report::human::render_one(&checked.sources, d, color));
            }
            return ExitCode::from(1);
        }
    };
    let emitted = rehearse::emit::emit(
        &checked.project,
        target,
        &rehearse::emit::Options {
            state,
            scope: Some(scope),
            paths,
            explicit: args.explicit,
            scenario: args.scenario.clone(),
        },
    );
    for d in &emitted.diagnostics {
        eprint!("{}", report::human::render_one(&checked.sources, d, color));
    }
    if let Some(reason) = &emitted.nothing {
        eprintln!("error[E007]: nothing to emit: {reason}");
        return ExitCode::from(1);
    }
    if emitted.errors() > 0 {
        eprintln!(
            "error: nothing written: the {} target cannot express the project as it is",
            target.as_str()
        );
        return ExitCode::from(1);
    }
    // A Vamp stream is many documents already: the files' streams, one after the other.
    if to_stdout && target == rehearse::emit::Target::Vamp {
        let stream: String = emitted.documents.iter().map(|d| d.text.as_str()).collect();
        return match print_stdout(&stream) {
            Ok(()) => ExitCode::SUCCESS,
            Err(code) => code,
        };
    }
    if to_stdout {
        let [document] = emitted.documents.as_slice() else {
            eprintln!(
                "error: --out - writes one document; this emit has {} ({}); give --out DIR",
                emitted.documents.len(),
                emitted
                    .documents
                    .iter()
                    .map(|d| d.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            return ExitCode::from(2);
        };
        return match print_stdout(&document.text) {
            Ok(()) => ExitCode::SUCCESS,
            Err(code) => code,
        };
    }
    // Every destination file is checked too: the folder may hold an input.
    for d in &emitted.documents {
        if let Err(message) = refuse_input_as_output("--out", &args.out.join(&d.name), &checked) {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    }
    match rehearse::emit::write::write_all(
        &rehearse::emit::write::RealFileSystem,
        &args.out,
        &emitted.documents,
    ) {
        Ok(paths) => {
            for p in paths {
                eprintln!("wrote {}", p.display());
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: nothing written to {}: {e}", args.out.display());
            ExitCode::from(2)
        }
    }
}

/// `rehearse schema [--kind K]`: JSON Schema on stdout.
fn print_schema(kind: Option<Kind>) -> ExitCode {
    match rehearse::dialect::schema::render(kind) {
        Ok(text) => match print_stdout(&text) {
            Ok(()) => ExitCode::SUCCESS,
            Err(code) => code,
        },
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}
