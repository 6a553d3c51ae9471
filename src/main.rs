//! The `rehearse` command line. Only argument handling and exit codes live here; the work is
//! done by the library.
//!
//! Exit codes: 0 clean, 1 findings (errors, or warnings with `--deny warnings`), 2 usage or I/O
//! errors.

use clap::{Parser, Subcommand, ValueEnum};
use rehearse::check::{self, Options};
use rehearse::dialect::krakend::flexible::{Env, FlexibleConfig};
use rehearse::dialect::Kind;
use rehearse::report;
use rehearse::sandbox::Sandbox;
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
    /// Print the long explanation of a diagnostic code (e.g. `rehearse explain V012`).
    Explain {
        /// The code, e.g. Y002 or V012. Without one, lists every code.
        code: Option<String>,
    },
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
    /// Output format of the summary.
    #[arg(long, value_enum, default_value_t = RunFormat::Human)]
    format: RunFormat,
    /// Let documents name files in this folder too (repeatable). By default a file a document
    /// names (a Cloudify import) is read only inside the project: the folder holding
    /// `rehearse.toml`, else the checked path's folder.
    #[arg(long, value_name = "DIR")]
    allow_read: Vec<PathBuf>,
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
        Command::Explain { code } => explain(code.as_deref()),
    }
}

fn run_check(args: CheckArgs) -> ExitCode {
    let options = options(&args.paths, &args.allow_read);
    let inputs =
        match rehearse::discover::discover(&args.paths, args.kind, options.limits.max_file_bytes) {
            Ok(inputs) => inputs,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        };
    let checked = check::check(inputs, &options);
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
    let text = report::render(format, &checked, color);
    if write_stdout(&text).is_err() {
        return ExitCode::from(2);
    }
    let deny_warnings = args.deny.is_some();
    if checked.errors() > 0 || (deny_warnings && checked.warnings() > 0) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn run_scenario(args: RunArgs) -> ExitCode {
    let options = options(&args.paths, &args.allow_read);
    let inputs =
        match rehearse::discover::discover(&args.paths, None, options.limits.max_file_bytes) {
            Ok(inputs) => inputs,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        };
    let checked = check::check(inputs, &options);
    // The project must check without errors before anything is simulated; warnings are shown
    // but do not stop the run.
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    if checked.errors() > 0 {
        eprint!("{}", report::human::render(&checked, color));
        return ExitCode::from(1);
    }
    // The check's warnings (e.g. workflows that will not run) come before the rehearsal.
    for d in &checked.diagnostics {
        eprint!("{}", report::human::render_one(&checked.sources, d, color));
    }

    let mut trace_buffer = Vec::new();
    let result = rehearse::sim::run(
        &checked.project,
        rehearse::sim::RunOptions {
            scenario: args.scenario,
            seed: args.seed,
            trace: args
                .trace
                .as_ref()
                .map(|_| &mut trace_buffer as &mut dyn Write),
        },
    );
    let result = match result {
        Ok(result) => result,
        Err(diagnostics) => {
            for d in &diagnostics {
                eprint!("{}", report::human::render_one(&checked.sources, d, color));
            }
            return ExitCode::from(1);
        }
    };
    if let Some(path) = &args.trace {
        if let Err(e) = write_atomically(path, &trace_buffer) {
            eprintln!("error: {}: {e}", path.display());
            return ExitCode::from(2);
        }
    }
    let text = match args.format {
        RunFormat::Human => report::run::human(&result),
        RunFormat::Json => report::run::json(&result),
    };
    if write_stdout(&text).is_err() {
        return ExitCode::from(2);
    }
    if result.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// Check options of a run over `paths`: the project sandbox is their projects plus `allow_read`.
fn options(paths: &[PathBuf], allow_read: &[PathBuf]) -> Options {
    Options {
        sandbox: Some(Sandbox::for_checked_paths(paths, allow_read)),
        krakend_flexible: krakend_flexible(paths),
        ..Options::default()
    }
}

/// KrakenD flexible configuration: the `[krakend]` folders of the first path's rehearse.toml,
/// else KrakenD's own `FC_ENABLE`/`FC_SETTINGS`/`FC_PARTIALS`/`FC_TEMPLATES`. Templates see the
/// process environment through `env`, as KrakenD's do.
fn krakend_flexible(paths: &[PathBuf]) -> Option<FlexibleConfig> {
    let env = Env::from_process();
    let from_project = paths.first().and_then(|path| {
        let root = rehearse::sandbox::project_root(path);
        let config = rehearse::config::ProjectConfig::load(&root)?.ok()?;
        FlexibleConfig::from_project(&root, &config.krakend)
    });
    match from_project {
        Some(fc) => Some(fc.with_env(env)),
        None => FlexibleConfig::from_env(&env, &std::env::current_dir().ok()?),
    }
}

/// Writes a file whole or not at all: a temporary file beside it, then a rename.
fn write_atomically(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| std::io::Error::other("not a file path"))?;
    let temp = dir.join(format!(".{}.tmp", name.to_string_lossy()));
    std::fs::write(&temp, bytes)?;
    std::fs::rename(&temp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&temp);
    })
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
    if write_stdout(&text).is_err() {
        return ExitCode::from(2);
    }
    ExitCode::SUCCESS
}

/// Writes to stdout, treating a closed pipe (`rehearse check | head`) as the end, not a panic.
fn write_stdout(text: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}
