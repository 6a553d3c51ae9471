//! The entry function of every fuzz target: bytes in, `rehearse` library calls, and the
//! invariants a run must keep (no panic; spans inside their text and on character
//! boundaries; JSON outputs that parse). A broken invariant panics, which the fuzzer
//! records as a crash.
//!
//! This file is compiled twice: as `rehearse_fuzz::entries` (the fuzz targets) and by path
//! from the main crate's `tests/fuzz_regressions.rs`, which replays `fuzz/regressions/` in a
//! normal `cargo test`. So it depends on `rehearse`, `serde_json` and `std` only.

use rehearse::check::{self, Checked, Input, Options};
use rehearse::diag::{codes, Diagnostic, Label, Severity};
use rehearse::dialect::{Kind, VampKind};
use rehearse::ir::Project;
use rehearse::report::{self, Format as ReportFormat};
use rehearse::source::{SourceMap, Span};
use rehearse::syntax::grammar_error::GrammarError;
use rehearse::syntax::{self, condition, expr, iso8601, units, url_pattern, value, Format};
use std::ops::Range;

/// A fuzz target: its name (the folder under `fuzz/regressions/` and `fuzz/corpus/`) and
/// its entry function.
pub type Target = (&'static str, fn(&[u8]));

/// Every target, in the order the README lists them.
pub const TARGETS: &[Target] = &[
    ("yaml", yaml),
    ("json", json),
    ("units", units),
    ("iso8601", iso8601),
    ("condition", condition),
    ("value", value),
    ("url_pattern", url_pattern),
    ("expr", expr),
    ("vamp", vamp),
    ("cloudify", cloudify),
    ("krakend", krakend),
    ("scenario", scenario),
    ("run", run),
    ("render", render),
];

/// The entry function of a target, by name.
pub fn target(name: &str) -> Option<fn(&[u8])> {
    TARGETS.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
}

// ---------------------------------------------------------------------------------------
// Loaders

/// `syntax::load` as YAML.
pub fn yaml(data: &[u8]) {
    load(data, "fuzz.yaml", Format::Yaml);
}

/// `syntax::load` as JSON; and the streaming JSON reader gives what jsonc-parser's AST
/// gives (the same tree and spans, or the same error at the same range).
pub fn json(data: &[u8]) {
    load(data, "fuzz.json", Format::Json);
    if let Ok(text) = std::str::from_utf8(data) {
        let file = rehearse::source::FileId(0);
        let ours = syntax::json::read_tree(file, text);
        let reference = syntax::json::reference::read(file, text);
        assert!(
            ours == reference,
            "the JSON reader differs from jsonc-parser:\n ours {ours:?}\n theirs {reference:?}"
        );
    }
}

fn load(data: &[u8], path: &str, format: Format) {
    let mut sources = SourceMap::new();
    let (file, parsed) = syntax::load(
        &mut sources,
        path,
        data.to_vec(),
        format,
        &syntax::Limits::default(),
    );
    let text = &sources.get(file).text;
    // Every loading profile over every document: never a panic, spans inside the file.
    let mut diagnostics = parsed.diagnostics;
    for document in &parsed.documents {
        for profile in [
            syntax::Profile::Yaml12,
            syntax::Profile::PyYaml,
            syntax::Profile::SnakeYaml,
            syntax::Profile::Go,
        ] {
            let _ = profile.apply(document, &mut diagnostics);
        }
    }
    for d in &diagnostics {
        assert_span_in(d.span, text, d.code.id);
        for label in &d.labels {
            assert_span_in(label.span, text, d.code.id);
        }
    }
}

fn assert_span_in(span: Span, text: &str, what: &str) {
    assert!(
        span.start <= span.end
            && (span.end as usize) <= text.len()
            && text.is_char_boundary(span.start as usize)
            && text.is_char_boundary(span.end as usize),
        "{what}: span {span:?} is not a character range of the {}-byte text",
        text.len()
    );
}

// ---------------------------------------------------------------------------------------
// Grammars: every parser of a module runs on the same text.

/// Checks that a range relative to a scalar lies inside it, on character boundaries.
fn assert_range_in(range: &Range<usize>, text: &str, what: &str) {
    assert!(
        range.start <= range.end
            && range.end <= text.len()
            && text.is_char_boundary(range.start)
            && text.is_char_boundary(range.end),
        "{what}: range {range:?} is not a character range of {text:?}"
    );
}

fn check_error<T>(result: &Result<T, GrammarError>, text: &str, what: &str) {
    if let Err(e) = result {
        assert_range_in(&e.range, text, what);
    }
}

fn text_of(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data).ok()
}

/// The unit grammars (`grammar/units.pest` and the hand-written readers beside it).
pub fn units(data: &[u8]) {
    let Some(text) = text_of(data) else { return };
    check_error(&units::parse_percentage(text), text, "percentage");
    if let Ok(p) = units::parse_percentage(text) {
        let _ = p.normal_form();
    }
    let megabytes = units::parse_megabytes(text);
    check_error(&megabytes, text, "megabytes");
    if let Ok(m) = megabytes {
        let _ = (m.normal_form(), m.to_f64());
    }
    let cpu = units::parse_cpu_quantity(text);
    check_error(&cpu, text, "cpu");
    if let Ok(c) = cpu {
        let _ = (c.normal_form(), c.millicores(), c.to_f64());
    }
    let time = units::parse_vamp_time(text);
    check_error(&time, text, "vamp time");
    if let Ok(t) = time {
        let _ = t.normal_form();
    }
    if let Ok(n) = text.trim().parse::<i64>() {
        check_error(
            &units::vamp_time_from_integer(text, n),
            text,
            "vamp time int",
        );
    }
    let go = units::parse_go_duration(text);
    check_error(&go, text, "go duration");
    if let Ok(d) = go {
        let _ = d.normal_form();
    }
    let fine = units::parse_fine_percentage(text);
    check_error(&fine, text, "fine percentage");
    if let Ok(f) = fine {
        let _ = (f.normal_form(), f.fraction());
    }
    let rate = units::parse_rate(text);
    check_error(&rate, text, "rate");
    if let Ok(r) = rate {
        let _ = (r.normal_form(), r.per_second());
    }
}

/// ISO 8601 periods, date-times, schedule starts and repeats.
pub fn iso8601(data: &[u8]) {
    let Some(text) = text_of(data) else { return };
    let period = iso8601::parse_period(text);
    check_error(&period, text, "period");
    if let Ok(p) = period {
        let _ = (p.normal_form(), p.is_exact());
    }
    let date_time = iso8601::parse_date_time(text);
    check_error(&date_time, text, "date-time");
    if let Ok(t) = date_time {
        let _ = (t.normal_form(), t.unix_nanos());
    }
    check_error(&iso8601::parse_start(text), text, "start");
    check_error(&iso8601::parse_repeat(text), text, "repeat");
}

/// Vamp conditions in both syntaxes, then what the checker does with a parsed one:
/// DNF, flattening, equivalence and evaluation against a fixed request.
pub fn condition(data: &[u8]) {
    let Some(text) = text_of(data) else { return };
    let mut parsed = Vec::new();
    for syntax in [
        condition::ConditionSyntax::Route,
        condition::ConditionSyntax::Boolean,
    ] {
        let result = condition::parse_condition(text, syntax);
        check_error(&result, text, "condition");
        parsed.extend(result.ok());
    }
    let route = condition::parse_route_condition(text);
    check_error(&route, text, "route condition");
    parsed.extend(route.ok());
    for c in &parsed {
        let _ = condition::to_dnf(c);
        let flat = condition::vamp_flatten(c);
        if let Some(flat) = &flat {
            let _ = condition::equivalent(c, flat);
        }
        let _ = condition::equivalent(c, c);
        let _ = condition::evaluate(c, &FixedRequest);
    }
}

struct FixedRequest;

impl condition::RequestAttributes for FixedRequest {
    fn header(&self, name: &str) -> Option<&str> {
        match name.to_ascii_lowercase().as_str() {
            "host" => Some("example.com"),
            "user-agent" => Some("Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0"),
            "x-canary" => Some("1"),
            _ => None,
        }
    }

    fn cookie(&self, name: &str) -> Option<&str> {
        (name == "group").then_some("beta")
    }
}

/// Vamp trait values (`$db.host`, `${config://…}`, `$$`).
pub fn value(data: &[u8]) {
    let Some(text) = text_of(data) else { return };
    let result = value::parse_trait_value(text);
    check_error(&result, text, "trait value");
    if let Ok(v) = result {
        for part in &v.parts {
            assert_range_in(&part.span, text, "trait value part");
        }
        if let Some(dropped) = &v.dropped {
            assert_range_in(&dropped.range, text, "trait value dropped");
        }
        for (_, range) in v.references() {
            assert_range_in(&range, text, "trait value reference");
        }
        let _ = v.resolve(|r| format!("{r:?}"));
    }
}

/// KrakenD URL patterns (`/users/{id}`).
pub fn url_pattern(data: &[u8]) {
    let Some(text) = text_of(data) else { return };
    let pattern = url_pattern::UrlPattern::parse(text);
    for part in &pattern.parts {
        let range = match part {
            url_pattern::Part::Literal { span, .. } => span,
            url_pattern::Part::Var(v) => &v.span,
        };
        assert_range_in(range, text, "url pattern part");
    }
    for var in pattern.vars() {
        let _ = url_pattern::lura_accepts_without_param(&var.name);
    }
    let _ = pattern.endpoint_params(true);
    let _ = pattern.endpoint_params(false);
}

/// Expressions (Flagger/Argo-style CEL subset) and their duration literals.
pub fn expr(data: &[u8]) {
    let Some(text) = text_of(data) else { return };
    let result = expr::parse(text);
    check_error(&result, text, "expression");
    if let Ok(e) = &result {
        for range in expr::non_cel_literals(e) {
            assert_range_in(&range, text, "non-CEL literal");
        }
    }
    let _ = expr::parse_duration(text);
}

// ---------------------------------------------------------------------------------------
// Dialect readers: one in-memory file, its kind forced as `--kind` does.

/// The first byte picks the Vamp artifact kind; the rest is the file.
pub fn vamp(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let kind = VampKind::ALL[usize::from(selector) % VampKind::ALL.len()];
    check_one(rest, "fuzz.yaml", Some(Kind::Vamp(kind)));
}

pub fn cloudify(data: &[u8]) {
    check_one(data, "blueprint.yaml", Some(Kind::Cloudify));
}

/// The first byte picks the format (even: JSON, odd: YAML); the rest is the file.
pub fn krakend(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let path = if selector % 2 == 0 {
        "krakend.json"
    } else {
        "krakend.yaml"
    };
    check_one(rest, path, Some(Kind::Krakend));
}

pub fn scenario(data: &[u8]) {
    check_one(data, "scenario.yaml", Some(Kind::Scenario));
}

fn check_one(data: &[u8], path: &str, kind: Option<Kind>) -> Checked {
    let input = Input {
        path: path.to_string(),
        bytes: data.to_vec(),
        reported: true,
        forced_kind: kind,
    };
    let checked = check::check(vec![input], &Options::default());
    assert_diagnostics_in(&checked);
    checked
}

fn assert_diagnostics_in(checked: &Checked) {
    for d in &checked.diagnostics {
        for span in std::iter::once(d.span).chain(d.labels.iter().map(|l| l.span)) {
            let file = checked
                .sources
                .try_get(span.file)
                .unwrap_or_else(|| panic!("{}: span in an unknown file", d.code.id));
            assert_span_in(span, &file.text, d.code.id);
        }
    }
}

// ---------------------------------------------------------------------------------------
// `rehearse run` on tiny budgets

/// Largest simulated duration a fuzz run accepts.
const RUN_MAX_DURATION_NS: u64 = 20_000_000_000;
/// Largest arrival rate of any traffic source, per second.
const RUN_MAX_RATE: f64 = 200.0;
/// Largest count of instances, hosts, clients or traffic sources.
const RUN_MAX_COUNT: u64 = 64;

/// One multi-document file (blueprints, gateways, a scenario…), kinds detected as `rehearse
/// run` does; when it checks clean and its scenario is small, simulate it with a trace and
/// render both run reports.
pub fn run(data: &[u8]) {
    run_simulated(data);
}

/// [`run`], saying whether the input was simulated (it checked clean and fit the budget).
pub fn run_simulated(data: &[u8]) -> bool {
    let checked = check_one(data, "project.yaml", None);
    render_all(&checked);
    if checked.errors() > 0 {
        return false;
    }
    let project = &checked.project;
    let Some(scenario) = project.scenarios.first() else {
        return false;
    };
    let seed = scenario.seed.unwrap_or(0);
    let Ok(model) = rehearse::sim::build::build(project, scenario, seed) else {
        // `run` reports it as a diagnostic; exercise that path too.
        let _ = rehearse::sim::run(project, run_options(scenario, None));
        return false;
    };
    if !tiny(&model) {
        return false;
    }
    let mut trace = Vec::new();
    match rehearse::sim::run(project, run_options(scenario, Some(&mut trace))) {
        Ok(result) => {
            let json = report::run::json(&result);
            assert_json(&json, "run report");
            let _ = report::run::human(&result);
            for line in String::from_utf8(trace).expect("trace is UTF-8").lines() {
                assert_json(line, "trace line");
            }
        }
        Err(diagnostics) => {
            for d in &diagnostics {
                let _ = report::human::render_one(&checked.sources, d, false);
            }
        }
    }
    true
}

fn run_options<'w>(
    scenario: &rehearse::ir::scenario::Scenario,
    trace: Option<&'w mut Vec<u8>>,
) -> rehearse::sim::RunOptions<'w> {
    rehearse::sim::RunOptions {
        scenario: Some(scenario.name.value.clone()),
        seed: None,
        trace: trace.map(|t| t as &mut dyn std::io::Write),
        ..Default::default()
    }
}

/// Whether a model is small enough to simulate in milliseconds.
fn tiny(model: &rehearse::sim::model::Model) -> bool {
    use rehearse::sim::model::RateProfile;
    let small = |n: u64| n <= RUN_MAX_COUNT;
    let rate_ok = |r: f64| r.is_finite() && r <= RUN_MAX_RATE;
    model.duration <= RUN_MAX_DURATION_NS
        && small(u64::from(model.hosts))
        && small(model.traffic.len() as u64)
        && small(model.faults.len() as u64)
        && small(model.programs.len() as u64)
        && model
            .services
            .iter()
            .all(|s| small(u64::from(s.instances)) && small(u64::from(s.concurrency)))
        && model.traffic.iter().all(|t| {
            small(u64::from(t.clients))
                && match &t.rate {
                    RateProfile::Constant(r) => rate_ok(*r),
                    RateProfile::Ramp { from, to, .. } => rate_ok(*from) && rate_ok(*to),
                    RateProfile::Steps(steps) => steps.iter().all(|(_, r)| rate_ok(*r)),
                    // One request per period; at least a millisecond apart.
                    RateProfile::Periodic { every, .. } => *every >= 1_000_000,
                }
        })
}

fn assert_json(text: &str, what: &str) {
    if let Err(e) = serde_json::from_str::<serde_json::Value>(text) {
        panic!("{what} is not JSON ({e}): {text}");
    }
}

// ---------------------------------------------------------------------------------------
// Renderers

/// Every report format (human with and without colour, JSON, SARIF, GitHub annotations).
/// Even first byte: the rest is a project file checked as `rehearse check` would (kinds
/// detected), and its findings are rendered. Odd first byte: the rest is decoded into
/// arbitrary diagnostics over an arbitrary source (long lines included).
pub fn render(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let checked = if selector % 2 == 0 {
        check_one(rest, "project.yaml", None)
    } else {
        arbitrary_checked(rest)
    };
    render_all(&checked);
}

fn render_all(checked: &Checked) {
    for format in [ReportFormat::Human, ReportFormat::Github] {
        let _ = report::render(format, checked, false);
    }
    let _ = report::render(ReportFormat::Human, checked, true);
    for format in [ReportFormat::Json, ReportFormat::Sarif] {
        let text = report::render(format, checked, false);
        assert_json(&text, "report");
    }
}

/// Reads bytes as a little program that builds one source file and some diagnostics on it.
struct Reader<'a> {
    data: &'a [u8],
}

impl Reader<'_> {
    fn byte(&mut self) -> u8 {
        match self.data.split_first() {
            Some((&b, rest)) => {
                self.data = rest;
                b
            }
            None => 0,
        }
    }

    fn u16(&mut self) -> usize {
        usize::from(self.byte()) | usize::from(self.byte()) << 8
    }

    fn u32(&mut self) -> usize {
        self.u16() | self.u16() << 16
    }

    fn bytes(&mut self, n: usize) -> &[u8] {
        let (taken, rest) = self.data.split_at(n.min(self.data.len()));
        self.data = rest;
        taken
    }

    fn text(&mut self, max: usize) -> String {
        let n = usize::from(self.byte()) % (max + 1);
        String::from_utf8_lossy(self.bytes(n)).into_owned()
    }
}

/// Largest source text built by repetition (long lines, huge columns).
const RENDER_MAX_TEXT: usize = 300_000;

fn arbitrary_checked(data: &[u8]) -> Checked {
    let mut r = Reader { data };
    let diagnostic_count = usize::from(r.byte() % 8);
    let repeat = usize::from(r.byte()).max(1);
    let piece_len = r.u16();
    let piece = String::from_utf8_lossy(r.bytes(piece_len)).into_owned();
    let times = repeat.min(RENDER_MAX_TEXT / piece.len().max(1)).max(1);
    let text = piece.repeat(times);
    let path = r.text(24);
    let mut sources = SourceMap::new();
    let file = sources.add(path, text);
    let text = sources.get(file).text.clone();
    let all: Vec<_> = codes::all().collect();

    let span = |r: &mut Reader| {
        let start = floor_boundary(&text, r.u32() % (text.len() + 1));
        let end = floor_boundary(&text, start + r.u32() % (text.len() - start + 1)).max(start);
        Span::new(file, start, end)
    };
    let mut diagnostics = Vec::new();
    for _ in 0..diagnostic_count {
        let flags = r.byte();
        let code = all[r.u16() % all.len()];
        let severity = if flags & 1 == 0 {
            Severity::Error
        } else {
            Severity::Warning
        };
        let primary = span(&mut r);
        let mut d = Diagnostic::new(code, severity, primary, r.text(80));
        if flags & 2 != 0 {
            d.span_label = Some(r.text(40));
        }
        for _ in 0..(flags >> 4) % 4 {
            let label_span = span(&mut r);
            d.labels.push(Label {
                span: label_span,
                message: r.text(40),
            });
        }
        if flags & 4 != 0 {
            d.help = Some(r.text(60));
        }
        if flags & 8 != 0 {
            d.peer = Some(r.text(20));
        }
        diagnostics.push(d);
    }
    rehearse::diag::normalize(&mut diagnostics);
    // Files and documents that are not specs, as the reports list them.
    let skipped = (0..r.byte() % 3)
        .map(|i| check::Skipped {
            path: r.text(24),
            document: (i == 1).then_some(2),
            reason: r.text(40),
        })
        .collect();
    Checked {
        sources,
        project: Project::default(),
        diagnostics,
        files: 1,
        skipped,
    }
}

fn floor_boundary(text: &str, mut offset: usize) -> usize {
    offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}
