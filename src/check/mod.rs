//! Check: files → documents → dialect readers → cross-document resolution → one
//! [`ir::Project`] and the diagnostics of the files the user asked about.
//!
//! A reported file is checked only when rehearse has reason to think it is a spec (issue
//! #17): documents of other tools — Kubernetes objects, CI workflows, compose files — are
//! skipped without a finding and listed in [`Checked::skipped`], unless the file must be a spec
//! ([`SpecPolicy`], `--kind`). Context files (the rest of a project, [`Context`]) are read only
//! when a reported document resolves names across files, and then only those that mention a
//! name still unresolved.

pub mod cloudify;
pub mod flagger;
pub mod krakend;
pub mod rollout;
pub mod rollout_scenario;
pub mod scenario;
pub mod vamp;

use crate::diag::{self, codes, Diagnostic};
use crate::dialect::detect::{detect, foreign_file, Detected};
use crate::dialect::Kind;
use crate::ir::{ForeignObject, Project};
use crate::sandbox::Sandbox;
use crate::source::{FileId, SourceMap, Span};
use crate::syntax::{self, Document, Format, Limits, Node};
use std::collections::BTreeSet;
use std::ops::Range;

/// One file handed to the checker.
#[derive(Clone, Debug)]
pub struct Input {
    /// Path as shown in reports.
    pub path: String,
    pub bytes: Vec<u8>,
    /// Whether this file's diagnostics are reported. Files found only as project context
    /// (so references resolve) are read but not reported.
    pub reported: bool,
    /// `--kind`: read every document of this file as this kind.
    pub forced_kind: Option<Kind>,
}

/// Which reported files must be specs: there a document of no known kind is X001, and other
/// tools' documents are reported (X004, X009) instead of skipped.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum SpecPolicy {
    /// Every reported file (`--strict-kinds`; the library's default).
    #[default]
    Every,
    /// Only these paths (as in [`Input::path`]: `[check] specs` in rehearse.toml) and files
    /// read with `--kind`.
    Listed(BTreeSet<String>),
}

impl SpecPolicy {
    fn requires(&self, input: &Input) -> bool {
        input.forced_kind.is_some()
            || match self {
                SpecPolicy::Every => true,
                SpecPolicy::Listed(paths) => paths.contains(&input.path),
            }
    }
}

#[derive(Clone, Debug, Default)]
pub struct Options {
    pub limits: Limits,
    pub specs: SpecPolicy,
    /// Which files documents may name (Cloudify imports, includes). `None`: the projects of
    /// the inputs' folders (see [`Sandbox::for_checked_paths`]).
    pub sandbox: Option<Sandbox>,
    /// The Cloudify plugin cache (`[cloudify] plugins` in rehearse.toml); when unset,
    /// `$REHEARSE_CLOUDIFY_PLUGINS`, then the rehearse.toml above a blueprint, are used.
    /// plugin.yaml files are read from it only (it is their sandbox).
    pub cloudify_plugins: Option<std::path::PathBuf>,
    /// KrakenD flexible configuration (rehearse.toml `[krakend]` or `FC_*`): KrakenD files that
    /// are templates are rendered first, and files in its folders are template material.
    pub krakend_flexible: Option<crate::dialect::krakend::flexible::FlexibleConfig>,
}

/// A path of the run that could not be checked, or a broken settings file; each becomes a
/// diagnostic of the report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    UnreadableFile {
        path: String,
        message: String,
    },
    UnreadableDirectory {
        path: String,
        message: String,
    },
    NotRegular {
        path: String,
        what: &'static str,
    },
    /// `rehearse.toml` is not valid TOML, or a value has the wrong type.
    BadSettings {
        path: String,
        text: String,
        message: String,
        range: Option<Range<usize>>,
    },
    /// `rehearse.toml` has keys rehearse does not know.
    UnknownSettings {
        path: String,
        text: String,
        keys: Vec<String>,
    },
}

impl Problem {
    fn path(&self) -> &str {
        match self {
            Problem::UnreadableFile { path, .. }
            | Problem::UnreadableDirectory { path, .. }
            | Problem::NotRegular { path, .. }
            | Problem::BadSettings { path, .. }
            | Problem::UnknownSettings { path, .. } => path,
        }
    }
}

/// The rest of a project, offered to the checker: listed and read only on demand.
pub trait Context {
    /// Paths of the project's YAML/JSON files, in a stable order.
    fn files(&mut self) -> Vec<String>;
    /// A file's bytes; `None` when it cannot be read or is already an input.
    fn read(&mut self, path: &str) -> Option<Vec<u8>>;
}

/// A reported file, or one document of it, that rehearse read but did not treat as a spec.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    pub path: String,
    /// 1-based index of the document when others of the same file are specs; `None` when the
    /// whole file is skipped.
    pub document: Option<usize>,
    /// Why: what the file is ("a Kubernetes Service (v1)", "a GitHub Actions workflow").
    pub reason: String,
}

/// The result of a check run.
#[derive(Debug)]
pub struct Checked {
    pub sources: SourceMap,
    pub project: Project,
    /// Diagnostics of reported files, sorted.
    pub diagnostics: Vec<Diagnostic>,
    /// Number of reported files checked as specs.
    pub files: usize,
    /// Reported files and documents that are not specs, in path order.
    pub skipped: Vec<Skipped>,
}

impl Input {
    /// A file whose findings are reported, its kind read from its content.
    pub fn reported(path: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Input {
        Input {
            path: path.into(),
            bytes: bytes.into(),
            reported: true,
            forced_kind: None,
        }
    }
}

impl Checked {
    /// The findings of several projects checked one by one, as one report: their files in
    /// one source map, their diagnostics in report order. The projects' IRs are not merged
    /// (their spans point into different maps), so the result is for reports only.
    pub fn merge_reports(checks: Vec<Checked>) -> Checked {
        let mut checks = checks.into_iter();
        let Some(mut merged) = checks.next() else {
            return Checked {
                sources: SourceMap::default(),
                project: Project::default(),
                diagnostics: Vec::new(),
                files: 0,
                skipped: Vec::new(),
            };
        };
        let mut several = false;
        for check in checks {
            several = true;
            let shift = merged.sources.append(check.sources);
            let moved = |span: &mut Span| span.file = FileId(span.file.0 + shift);
            for mut diagnostic in check.diagnostics {
                moved(&mut diagnostic.span);
                diagnostic
                    .labels
                    .iter_mut()
                    .for_each(|l| moved(&mut l.span));
                merged.diagnostics.push(diagnostic);
            }
            merged.files += check.files;
            merged.skipped.extend(check.skipped);
        }
        if several {
            merged.project = Project::default();
            diag::normalize(&mut merged.diagnostics);
            merged
                .skipped
                .sort_by(|a, b| (&a.path, a.document).cmp(&(&b.path, b.document)));
        }
        merged
    }

    /// The error findings, in report order.
    pub fn error_diagnostics(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| d.is_error())
    }

    pub fn errors(&self) -> usize {
        self.error_diagnostics().count()
    }

    pub fn warnings(&self) -> usize {
        self.diagnostics.len() - self.errors()
    }
}

/// Checks a set of files as one project. Inputs are sorted by path first, so the order of
/// paths on the command line changes nothing.
pub fn check(inputs: Vec<Input>, options: &Options) -> Checked {
    check_with(inputs, Vec::new(), None, options)
}

/// Checks inputs with the problems discovery met and, optionally, the rest of the project as
/// context.
pub fn check_with(
    mut inputs: Vec<Input>,
    problems: Vec<Problem>,
    context: Option<&mut dyn Context>,
    options: &Options,
) -> Checked {
    inputs.sort_by(|a, b| a.path.cmp(&b.path));
    inputs.dedup_by(|a, b| a.path == b.path);
    let sandbox = options.sandbox.clone().unwrap_or_else(|| {
        let paths: Vec<std::path::PathBuf> = inputs.iter().map(|i| i.path.clone().into()).collect();
        Sandbox::for_checked_paths(&paths, &[])
    });
    let options = &Options {
        sandbox: Some(sandbox),
        ..options.clone()
    };

    let Some(context) = context else {
        return run(inputs, problems, options);
    };
    // A first pass over the reported files says whether context is needed at all. A file the
    // pass keeps verbatim is moved into it, not copied (a 30 MiB file was held twice, issue
    // 14); the rare second pass copies it back out.
    let mut trial = Session::new(options);
    let mut lent = Vec::new();
    for (index, input) in inputs.iter_mut().enumerate() {
        if !trial.keeps_verbatim(input) {
            trial.add(input.clone());
            continue;
        }
        let file = FileId(trial.sources.len() as u32);
        let bytes = std::mem::take(&mut input.bytes);
        trial.add(Input {
            bytes,
            ..input.clone()
        });
        debug_assert_eq!(trial.sources.get(file).path, input.path);
        lent.push((index, file));
    }
    let extra = select_context(&mut trial, context);
    if extra.is_empty() {
        trial.add_problems(problems);
        return trial.finish();
    }
    for (index, file) in lent {
        inputs[index].bytes = trial.sources.get(file).text.clone().into_bytes();
    }
    drop(trial);
    // Read again with the context in path order, as if every file had been given.
    inputs.extend(extra);
    inputs.sort_by(|a, b| a.path.cmp(&b.path));
    run(inputs, problems, options)
}

fn run(inputs: Vec<Input>, problems: Vec<Problem>, options: &Options) -> Checked {
    let mut session = Session::new(options);
    for input in inputs {
        session.add(input);
    }
    session.add_problems(problems);
    session.finish()
}

/// What the reported documents need from the rest of the project.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
enum Need {
    #[default]
    Nothing,
    /// Vamp resolves artifacts by name: the files that mention names still unresolved.
    Names,
    /// A scenario deploys blueprints and runs the project's workflows: everything.
    Everything,
}

/// The context files to read: none, everything, or (for names) a fixpoint — read the YAML
/// files that mention a name still unresolved or defined twice, resolve again, repeat; then
/// the JSON files, for names still unresolved only.
fn select_context(session: &mut Session, context: &mut dyn Context) -> Vec<Input> {
    let mut selected = Vec::new();
    let mut add = |session: &mut Session, path: String, bytes: Vec<u8>| {
        let input = Input {
            path,
            bytes,
            reported: false,
            forced_kind: None,
        };
        session.add(input.clone());
        selected.push(input);
    };
    match session.need {
        Need::Nothing => {}
        Need::Everything => {
            for path in context.files() {
                if let Some(bytes) = context.read(&path) {
                    add(session, path, bytes);
                }
            }
        }
        Need::Names => {
            // Vamp artifacts are YAML (Vamp's docs, CLI and demo repositories write them so);
            // a JSON file can hold one too, but is searched only for names the YAML files
            // leave unresolved, so a big repository's data files are not opened to look for
            // a duplicate of a name that resolved.
            let (mut yaml, mut json): (Vec<String>, Vec<String>) =
                context.files().into_iter().partition(|p| is_yaml_path(p));
            let mut searched_yaml = BTreeSet::new();
            let mut searched_json = BTreeSet::new();
            loop {
                let unresolved = session.unresolved_names();
                let wanted: BTreeSet<String> =
                    session.defined_names.union(&unresolved).cloned().collect();
                let new: Vec<String> = wanted.difference(&searched_yaml).cloned().collect();
                let (pending, searched, new) = if !new.is_empty() && !yaml.is_empty() {
                    (&mut yaml, &mut searched_yaml, new)
                } else {
                    let new: Vec<String> = unresolved.difference(&searched_json).cloned().collect();
                    if new.is_empty() || json.is_empty() {
                        break;
                    }
                    (&mut json, &mut searched_json, new)
                };
                searched.extend(new.iter().cloned());
                let mut rest = Vec::new();
                for path in std::mem::take(pending) {
                    match context.read(&path) {
                        Some(bytes) if mentions_any(&bytes, &new) => {
                            add(session, path, bytes);
                        }
                        // Read again in a later round only if a new name turns up; most
                        // rounds end here.
                        Some(_) => rest.push(path),
                        None => {}
                    }
                }
                *pending = rest;
            }
        }
    }
    selected
}

fn is_yaml_path(path: &str) -> bool {
    let ends_with = |suffix: &str| {
        path.len() >= suffix.len()
            && path.as_bytes()[path.len() - suffix.len()..].eq_ignore_ascii_case(suffix.as_bytes())
    };
    ends_with(".yaml") || ends_with(".yml")
}

/// Whether `bytes` mention one of `names` as a whole word (not inside a longer name).
fn mentions_any(bytes: &[u8], names: &[String]) -> bool {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return false;
    };
    let is_name_char = |c: char| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | ':');
    names.iter().filter(|n| !n.is_empty()).any(|name| {
        text.match_indices(name.as_str()).any(|(at, _)| {
            let before = text[..at].chars().next_back();
            let after = text[at + name.len()..].chars().next();
            !before.is_some_and(is_name_char) && !after.is_some_and(is_name_char)
        })
    })
}

/// One check run in progress.
struct Session<'o> {
    options: &'o Options,
    sources: SourceMap,
    project: Project,
    diagnostics: Vec<Diagnostic>,
    /// Reported files checked as specs.
    reported: Vec<FileId>,
    /// Files whose findings are reported without being counted as checked (unreadable
    /// files, settings).
    also_reported: Vec<FileId>,
    cloudify_pending: Vec<cloudify::Pending>,
    skipped: Vec<Skipped>,
    need: Need,
    /// Top-level names of the reported Vamp documents (duplicates across files are findings).
    defined_names: BTreeSet<String>,
    /// Rendered KrakenD flexible-config templates, for mapping findings back.
    renderings: Vec<krakend::RenderedTemplate>,
}

/// What one document turned out to be.
enum Outcome {
    Spec,
    Skipped(String),
}

impl<'o> Session<'o> {
    fn new(options: &'o Options) -> Session<'o> {
        Session {
            options,
            sources: SourceMap::new(),
            project: Project::default(),
            diagnostics: Vec::new(),
            reported: Vec::new(),
            also_reported: Vec::new(),
            cloudify_pending: Vec::new(),
            skipped: Vec::new(),
            need: Need::Nothing,
            defined_names: BTreeSet::new(),
            renderings: Vec::new(),
        }
    }

    /// Whether [`Session::add`] stores `input`'s bytes unchanged as the next file of the
    /// source map (valid UTF-8 within the size limit, read as YAML or JSON, not another tool's
    /// file nor a KrakenD template), so they can be taken back from there.
    fn keeps_verbatim(&self, input: &Input) -> bool {
        self.options.krakend_flexible.is_none()
            && foreign_file(&input.path).is_none()
            && input.bytes.len() <= self.options.limits.max_file_bytes
            && std::str::from_utf8(&input.bytes).is_ok()
    }

    fn add(&mut self, input: Input) {
        if let Some(fc) = &self.options.krakend_flexible {
            let path = std::path::Path::new(&input.path);
            if fc.owns(path) {
                return;
            }
            if crate::dialect::krakend::flexible::is_template(path, &input.bytes) {
                self.add_template(input, fc);
                return;
            }
        }
        let must_be_spec = input.reported && self.options.specs.requires(&input);
        if !must_be_spec {
            if let Some(what) = foreign_file(&input.path) {
                if input.reported {
                    self.skip_file(&input.path, what);
                }
                return;
            }
        }
        let format = Format::from_path(&input.path);
        let (file, parsed) = syntax::load(
            &mut self.sources,
            &input.path,
            input.bytes,
            format,
            &self.options.limits,
        );
        let mut diagnostics = parsed.diagnostics;
        if let Some(peer) = input.forced_kind.and_then(Kind::syntax_error_peer) {
            for d in &mut diagnostics {
                if d.is_error() && matches!(d.code.id, "Y001" | "Y008" | "Y010") {
                    d.peer = Some(peer.to_string());
                }
            }
        }
        if input.forced_kind == Some(Kind::Krakend) {
            krakend::require_document(file, parsed.documents.len(), &mut diagnostics);
        }
        let mut outcomes = Vec::new();
        // A Service or Ingress beside a Rollout or Canary belongs to it, even in a file that
        // must be a spec.
        let holds_rollout = crate::dialect::rollout::holds_rollout(&parsed.documents);
        for document in &parsed.documents {
            let neighbour = holds_rollout && crate::dialect::rollout::is_referenced(document);
            outcomes.push(self.read_document(
                document,
                file,
                input.forced_kind,
                input.reported,
                must_be_spec && !neighbour,
                &mut diagnostics,
            ));
        }
        if !input.reported {
            self.diagnostics.extend(diagnostics);
            return;
        }
        let specs = outcomes
            .iter()
            .filter(|o| matches!(o, Outcome::Spec))
            .count();
        if specs == 0 && !must_be_spec {
            let text = &self.sources.get(file).text;
            let reason = match outcomes.first() {
                Some(Outcome::Skipped(reason)) if outcomes.len() == 1 => reason.clone(),
                Some(_) => summarize(&outcomes),
                None if diagnostics.iter().any(Diagnostic::is_error)
                    && mentions_a_dialect(text) =>
                {
                    // Broken, but it says it is one of ours: report why it does not read.
                    self.reported.push(file);
                    self.diagnostics.extend(diagnostics);
                    return;
                }
                None if diagnostics.iter().any(Diagnostic::is_error) => {
                    if text.contains("{{") {
                        "a template (not plain YAML or JSON)".to_string()
                    } else {
                        "not well-formed YAML or JSON, and nothing in it names a dialect"
                            .to_string()
                    }
                }
                None => "empty".to_string(),
            };
            self.skip_file(&input.path, &reason);
            return;
        }
        for (index, outcome) in outcomes.iter().enumerate() {
            if let Outcome::Skipped(reason) = outcome {
                if !must_be_spec {
                    self.skipped.push(Skipped {
                        path: input.path.clone(),
                        document: Some(index + 1),
                        reason: reason.clone(),
                    });
                }
            }
        }
        self.reported.push(file);
        self.diagnostics.extend(diagnostics);
    }

    fn skip_file(&mut self, path: &str, reason: &str) {
        self.skipped.push(Skipped {
            path: path.to_string(),
            document: None,
            reason: reason.to_string(),
        });
    }

    /// A KrakenD flexible-config template: rendered, then read as the KrakenD config it renders.
    fn add_template(
        &mut self,
        input: Input,
        fc: &crate::dialect::krakend::flexible::FlexibleConfig,
    ) {
        let sandbox = self.options.sandbox.clone().unwrap_or_default();
        let mut diagnostics = Vec::new();
        let rendered = krakend::render_template(
            &input,
            fc,
            &sandbox,
            &mut self.sources,
            &self.options.limits,
            &mut diagnostics,
        );
        if input.reported {
            self.also_reported.extend(rendered.files.iter().copied());
        }
        if let Some((file, documents)) = &rendered.output {
            if input.reported {
                self.reported.push(*file);
            }
            for document in documents {
                self.read_document(
                    document,
                    *file,
                    Some(Kind::Krakend),
                    input.reported,
                    true,
                    &mut diagnostics,
                );
            }
        } else if input.reported {
            if let Some(first) = rendered.files.first() {
                self.reported.push(*first);
            }
        }
        self.diagnostics.extend(diagnostics);
        self.renderings.push(rendered);
    }

    fn read_document(
        &mut self,
        document: &Document,
        file: FileId,
        forced: Option<Kind>,
        reported: bool,
        must_be_spec: bool,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Outcome {
        let kind = match forced {
            Some(kind) => kind,
            None => match detect(&document.root) {
                Detected::Kind(kind) => kind,
                Detected::UnsupportedKind(value) => {
                    diagnostics.push(
                        Diagnostic::error(
                            &codes::x::X004,
                            kind_span(document),
                            format!("unsupported kind '{value}'"),
                        )
                        .with_help(format!("known kinds: {}", Kind::names().join(", "))),
                    );
                    return Outcome::Spec;
                }
                Detected::Object(object) => {
                    let reason = format!(
                        "a Kubernetes-style {} ({})",
                        object.kind, object.api_version
                    );
                    crate::dialect::rollout::keep_object(
                        &object.kind,
                        document,
                        &mut self.project.rollouts,
                    );
                    self.project.objects.push(foreign_object(
                        document,
                        object.api_version,
                        object.kind.clone(),
                    ));
                    if must_be_spec {
                        diagnostics.push(
                            Diagnostic::error(
                                &codes::x::X004,
                                kind_span(document),
                                format!(
                                    "unsupported kind '{}': {reason}, not a spec rehearse checks",
                                    object.kind
                                ),
                            )
                            .with_help(format!(
                                "rehearse checks these kinds: {}; other tools' objects are skipped \
                                 unless the file must be a spec",
                                Kind::names().join(", ")
                            )),
                        );
                        return Outcome::Spec;
                    }
                    return Outcome::Skipped(reason);
                }
                Detected::Foreign(what) => {
                    if must_be_spec {
                        diagnostics.push(
                            Diagnostic::warning(
                                &codes::x::X009,
                                document.root.span,
                                format!("this looks like {what}, not a spec rehearse checks"),
                            )
                            .with_help(
                                "the file was said to be a spec (`--strict-kinds` or `[check] specs` \
                                 in rehearse.toml); pass `--kind` if it really is one",
                            ),
                        );
                        return Outcome::Spec;
                    }
                    return Outcome::Skipped(what.to_string());
                }
                Detected::Unknown => {
                    if must_be_spec {
                        diagnostics.push(
                            Diagnostic::warning(
                                &codes::x::X001,
                                document.root.span,
                                "cannot tell which kind of spec this document is",
                            )
                            .with_help(
                                "add `kind:` (e.g. `kind: blueprint`), or pass `--kind` to choose",
                            ),
                        );
                        return Outcome::Spec;
                    }
                    return Outcome::Skipped(
                        "no dialect recognises it (no `kind:` and no dialect's keys)".to_string(),
                    );
                }
            },
        };
        if reported {
            self.need = self.need.max(match kind {
                Kind::Vamp(_) => Need::Names,
                Kind::Scenario => Need::Everything,
                Kind::Cloudify | Kind::Krakend => Need::Nothing,
                // Rollouts name templates, Services and Ingresses in other files.
                Kind::Rollout | Kind::Flagger => Need::Everything,
            });
            if let Kind::Vamp(_) = kind {
                if let Some(name) = top_level_name(document) {
                    self.defined_names.insert(name);
                }
            }
        }
        // The neutral tree becomes what this kind's runtime loads.
        let document = &*kind.loading_profile().apply(document, diagnostics);
        match kind {
            Kind::Cloudify => self.cloudify_pending.push(cloudify::Pending {
                document: document.clone(),
                file,
                reported,
            }),
            Kind::Krakend => {
                krakend::read_document(document, &mut self.project.krakend, diagnostics)
            }
            Kind::Vamp(vamp_kind) => crate::dialect::vamp::read_document(
                document,
                vamp_kind,
                &mut self.project.vamp,
                diagnostics,
            ),
            Kind::Scenario => crate::dialect::scenario::read_document(
                document,
                &mut self.project.scenarios,
                diagnostics,
            ),
            Kind::Rollout => crate::dialect::rollout::read_document(
                document,
                &mut self.project.rollouts,
                diagnostics,
            ),
            Kind::Flagger => crate::dialect::flagger::read_document(
                document,
                &mut self.project.rollouts,
                diagnostics,
            ),
        }
        Outcome::Spec
    }

    /// Names Vamp cannot resolve yet: the text of each X002 finding's span. Resolution is
    /// repeatable (it only replaces the derived deployments), so this trial changes nothing.
    fn unresolved_names(&mut self) -> BTreeSet<String> {
        let mut trial = Vec::new();
        vamp::resolve(&mut self.project.vamp, &mut trial);
        trial
            .iter()
            .filter(|d| d.code.id == codes::x::X002.id)
            .filter_map(|d| self.sources.try_get(d.span.file).map(|f| f.slice(d.span)))
            .map(|text| text.trim().trim_matches(['"', '\'']).to_string())
            .filter(|name| !name.is_empty())
            .collect()
    }

    fn add_problems(&mut self, problems: Vec<Problem>) {
        for problem in problems {
            let path = problem.path().to_string();
            let diagnostic = match problem {
                Problem::UnreadableFile { message, .. } => {
                    let file = self.sources.add(&path, String::new());
                    Diagnostic::error(
                        &codes::x::X006,
                        Span::point(file, 0),
                        format!("cannot read this file: {message}"),
                    )
                    .with_help("it is not checked; the rest of the project still is")
                }
                Problem::UnreadableDirectory { message, .. } => {
                    let file = self.sources.add(&path, String::new());
                    Diagnostic::error(
                        &codes::x::X007,
                        Span::point(file, 0),
                        format!("cannot list this directory: {message}"),
                    )
                    .with_help("nothing below it is checked; the rest of the project still is")
                }
                Problem::NotRegular { what, .. } => {
                    let file = self.sources.add(&path, String::new());
                    Diagnostic::error(
                        &codes::x::X008,
                        Span::point(file, 0),
                        format!("{what}, not a regular file; it is not read"),
                    )
                }
                Problem::BadSettings {
                    text,
                    message,
                    range,
                    ..
                } => {
                    let file = self.sources.add(&path, text);
                    let len = self.sources.get(file).text.len();
                    let span = range.map_or(Span::point(file, 0), |r| {
                        Span::new(file, r.start.min(len), r.end.min(len))
                    });
                    Diagnostic::error(
                        &codes::x::X005,
                        span,
                        format!("rehearse.toml cannot be used: {message}"),
                    )
                    .with_help("the project is checked without its settings")
                }
                Problem::UnknownSettings { text, keys, .. } => {
                    let file = self.sources.add(&path, text);
                    let source = &self.sources.get(file).text;
                    let last = keys[0].rsplit('.').next().unwrap_or_default();
                    let span = source.find(last).map_or(Span::point(file, 0), |at| {
                        Span::new(file, at, at + last.len())
                    });
                    Diagnostic::warning(
                        &codes::x::X005,
                        span,
                        format!(
                            "rehearse.toml has settings rehearse does not know: {}",
                            keys.join(", ")
                        ),
                    )
                    .with_help("they are ignored; check the spelling")
                }
            };
            self.also_reported.push(diagnostic.span.file);
            self.diagnostics.push(diagnostic);
        }
    }

    fn finish(mut self) -> Checked {
        // Cloudify blueprints load their imports from disk, so they are read once every input
        // is in the source map; an import's findings are reported with the blueprint that
        // imports it.
        let mut imported = Vec::new();
        let mut imports_read = cloudify::ImportCache::default();
        for pending in &self.cloudify_pending {
            let files = cloudify::read_blueprint_sharing(
                pending,
                &mut self.sources,
                &self.options.limits,
                self.options.sandbox.as_ref().unwrap_or(&Sandbox::default()),
                self.options.cloudify_plugins.as_deref(),
                &mut imports_read,
                &mut self.project,
                &mut self.diagnostics,
            );
            if pending.reported {
                imported.extend(files);
            }
        }
        // The Cloudify blueprints scenarios deploy by path (issue 9).
        imported.extend(scenario::load_blueprints(
            &mut self.project,
            &mut self.sources,
            &self.options.limits,
            self.options.sandbox.as_ref().unwrap_or(&Sandbox::default()),
            self.options.cloudify_plugins.as_deref(),
            &self.reported,
            &mut self.diagnostics,
        ));

        scenario::pick_krakend_configs(&mut self.project, &self.sources);
        resolve(&mut self.project, &mut self.diagnostics);
        rollout::check_conditions(&self.project, &self.sources, &mut self.diagnostics);
        // Findings in a rendered template point back into the files its text came from.
        krakend::map_to_templates(&mut self.diagnostics, &self.renderings);

        let reported = &self.reported;
        let also = &self.also_reported;
        self.diagnostics.retain(|d| {
            reported.contains(&d.span.file)
                || imported.contains(&d.span.file)
                || also.contains(&d.span.file)
        });
        diag::normalize(&mut self.diagnostics);
        self.skipped
            .sort_by(|a, b| (&a.path, a.document).cmp(&(&b.path, b.document)));
        Checked {
            sources: self.sources,
            project: self.project,
            diagnostics: self.diagnostics,
            files: self.reported.len(),
            skipped: self.skipped,
        }
    }
}

/// The reason for a whole file of several skipped documents: "Kubernetes-style objects
/// (Deployment, Service)".
fn summarize(outcomes: &[Outcome]) -> String {
    let reasons: BTreeSet<&str> = outcomes
        .iter()
        .filter_map(|o| match o {
            Outcome::Skipped(reason) => Some(reason.as_str()),
            Outcome::Spec => None,
        })
        .collect();
    format!(
        "{} documents, none a spec: {}",
        outcomes.len(),
        reasons.into_iter().collect::<Vec<_>>().join("; ")
    )
}

/// Whether a file that does not parse still says it is one of ours, so its syntax errors
/// are worth reporting: a dialect's signature key or a `kind:` rehearse reads. A Kubernetes
/// manifest (`apiVersion:`, e.g. a Helm template) is not, whatever its `kind:` says.
fn mentions_a_dialect(text: &str) -> bool {
    let keys: Vec<&str> = text
        .lines()
        .map(|line| line.trim_start().trim_start_matches("- "))
        .collect();
    if keys.iter().any(|line| line.starts_with("apiVersion:")) {
        // Argo Rollouts and Flagger objects are ours, unless the file is a (Helm) template.
        return !text.contains("{{")
            && keys.iter().any(|line| {
                line.strip_prefix("apiVersion:").is_some_and(|v| {
                    let group = v.trim().trim_matches(['"', '\'']);
                    group.starts_with("argoproj.io/") || group.starts_with("flagger.app/")
                })
            });
    }
    if text.contains("tosca_definitions_version")
        || text.contains("krakend")
        || text.contains("\"endpoints\"")
    {
        return true;
    }
    keys.iter().any(|line| {
        if let Some(value) = line.strip_prefix("kind:") {
            return value
                .trim()
                .trim_matches(['"', '\''])
                .parse::<Kind>()
                .is_ok();
        }
        ["clusters:", "deployable:", "endpoints:"]
            .iter()
            .any(|key| line.starts_with(key))
    })
}

fn kind_span(document: &Document) -> Span {
    document
        .root
        .as_map()
        .and_then(|m| m.get("kind"))
        .map_or(document.root.span, |n| n.span)
}

fn top_level_name(document: &Document) -> Option<String> {
    document.root.as_map()?.get("name")?.scalar_text()
}

fn foreign_object(document: &Document, api_version: String, kind: String) -> ForeignObject {
    let metadata = document.root.as_map().and_then(|m| m.get("metadata"));
    let field = |key: &str| {
        metadata
            .and_then(Node::as_map)
            .and_then(|m| m.get(key))
            .and_then(Node::scalar_text)
    };
    ForeignObject {
        api_version,
        kind,
        name: field("name"),
        namespace: field("namespace"),
        span: document.root.span,
    }
}

/// Cross-document resolution, per dialect.
fn resolve(project: &mut Project, diagnostics: &mut Vec<Diagnostic>) {
    vamp::resolve(&mut project.vamp, diagnostics);
    cloudify::resolve(project, diagnostics);
    scenario::resolve(project, diagnostics);
    rollout::resolve(project, diagnostics);
    flagger::resolve(project, diagnostics);
}
