//! Check: files → documents → dialect readers → cross-document resolution → one
//! [`ir::Project`] and the diagnostics of the files the user asked about.

pub mod cloudify;
pub mod krakend;
pub mod scenario;
pub mod vamp;

use crate::diag::{self, codes, Diagnostic};
use crate::dialect::detect::{detect, Detected};
use crate::dialect::Kind;
use crate::ir::Project;
use crate::sandbox::Sandbox;
use crate::source::{FileId, SourceMap};
use crate::syntax::{self, Document, Format, Limits};

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

#[derive(Clone, Debug, Default)]
pub struct Options {
    pub limits: Limits,
    /// Which files documents may name (Cloudify imports, includes). `None`: the projects of
    /// the inputs' folders (see [`Sandbox::for_checked_paths`]).
    pub sandbox: Option<Sandbox>,
    /// KrakenD flexible configuration (rehearse.toml `[krakend]` or `FC_*`): KrakenD files that
    /// are templates are rendered first, and files in its folders are template material.
    pub krakend_flexible: Option<crate::dialect::krakend::flexible::FlexibleConfig>,
}

/// The result of a check run.
#[derive(Debug)]
pub struct Checked {
    pub sources: SourceMap,
    pub project: Project,
    /// Diagnostics of reported files, sorted.
    pub diagnostics: Vec<Diagnostic>,
    /// Number of reported files.
    pub files: usize,
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
pub fn check(mut inputs: Vec<Input>, options: &Options) -> Checked {
    inputs.sort_by(|a, b| a.path.cmp(&b.path));
    inputs.dedup_by(|a, b| a.path == b.path);
    let sandbox = options.sandbox.clone().unwrap_or_else(|| {
        let paths: Vec<std::path::PathBuf> = inputs.iter().map(|i| i.path.clone().into()).collect();
        Sandbox::for_checked_paths(&paths, &[])
    });

    let mut sources = SourceMap::new();
    let mut project = Project::default();
    let mut diagnostics = Vec::new();
    let mut reported = Vec::new();
    let mut cloudify_pending = Vec::new();
    let mut renderings = Vec::new();

    for input in inputs {
        if let Some(fc) = &options.krakend_flexible {
            let path = std::path::Path::new(&input.path);
            if fc.owns(path) {
                continue;
            }
            if crate::dialect::krakend::flexible::is_template(path, &input.bytes) {
                let rendered = krakend::render_template(
                    &input,
                    fc,
                    &sandbox,
                    &mut sources,
                    &options.limits,
                    &mut diagnostics,
                );
                if input.reported {
                    reported.extend(rendered.files.iter().copied());
                }
                if let Some((file, documents)) = &rendered.output {
                    if input.reported {
                        reported.push(*file);
                    }
                    for document in documents {
                        read_document(
                            document,
                            *file,
                            Some(Kind::Krakend),
                            input.reported,
                            &mut project,
                            &mut diagnostics,
                            &mut cloudify_pending,
                        );
                    }
                }
                renderings.push(rendered);
                continue;
            }
        }
        let format = Format::from_path(&input.path);
        let (file, parsed) = syntax::load(
            &mut sources,
            &input.path,
            input.bytes,
            format,
            &options.limits,
        );
        if input.reported {
            reported.push(file);
        }
        let mut syntax_diagnostics = parsed.diagnostics;
        if let Some(peer) = input.forced_kind.and_then(Kind::syntax_error_peer) {
            for d in &mut syntax_diagnostics {
                if d.is_error() && matches!(d.code.id, "Y001" | "Y008" | "Y010") {
                    d.peer = Some(peer.to_string());
                }
            }
        }
        diagnostics.extend(syntax_diagnostics);
        if input.forced_kind == Some(Kind::Krakend) {
            krakend::require_document(file, parsed.documents.len(), &mut diagnostics);
        }
        for document in &parsed.documents {
            read_document(
                document,
                file,
                input.forced_kind,
                input.reported,
                &mut project,
                &mut diagnostics,
                &mut cloudify_pending,
            );
        }
    }

    // Cloudify blueprints load their imports from disk, so they are read once every input is
    // in the source map; an import's findings are reported with the blueprint that imports it.
    let mut imported = Vec::new();
    for pending in &cloudify_pending {
        let files = cloudify::read_blueprint(
            pending,
            &mut sources,
            &options.limits,
            &sandbox,
            &mut project,
            &mut diagnostics,
        );
        if pending.reported {
            imported.extend(files);
        }
    }

    resolve(&mut project, &mut diagnostics);
    // Findings in a rendered template point back into the files its text came from.
    krakend::map_to_templates(&mut diagnostics, &renderings);

    diagnostics.retain(|d| reported.contains(&d.span.file) || imported.contains(&d.span.file));
    diag::normalize(&mut diagnostics);
    Checked {
        sources,
        project,
        diagnostics,
        files: reported.len(),
    }
}

fn read_document(
    document: &Document,
    file: FileId,
    forced: Option<Kind>,
    reported: bool,
    project: &mut Project,
    diagnostics: &mut Vec<Diagnostic>,
    cloudify_pending: &mut Vec<cloudify::Pending>,
) {
    let kind = match forced {
        Some(kind) => kind,
        None => match detect(&document.root) {
            Detected::Kind(kind) => kind,
            Detected::UnsupportedKind(value) => {
                let span = document
                    .root
                    .as_map()
                    .and_then(|m| m.get("kind"))
                    .map_or(document.root.span, |n| n.span);
                diagnostics.push(
                    Diagnostic::error(&codes::x::X004, span, format!("unsupported kind '{value}'"))
                        .with_help(format!("known kinds: {}", Kind::names().join(", "))),
                );
                return;
            }
            Detected::Unknown => {
                // Project context files that are not specs (CI configs, compose files, ...)
                // are simply not ours; only files the user named hear about it.
                if reported {
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
                }
                return;
            }
        },
    };
    // The neutral tree becomes what this kind's runtime loads.
    let document = &*kind.loading_profile().apply(document, diagnostics);
    match kind {
        Kind::Cloudify => cloudify_pending.push(cloudify::Pending {
            document: document.clone(),
            file,
            reported,
        }),
        Kind::Krakend => krakend::read_document(document, &mut project.krakend, diagnostics),
        Kind::Vamp(vamp_kind) => crate::dialect::vamp::read_document(
            document,
            vamp_kind,
            forced.is_some(),
            &mut project.vamp,
            diagnostics,
        ),
        Kind::Scenario => {
            crate::dialect::scenario::read_document(document, &mut project.scenarios, diagnostics)
        }
    }
}

/// Cross-document resolution, per dialect.
fn resolve(project: &mut Project, diagnostics: &mut Vec<Diagnostic>) {
    vamp::resolve(&mut project.vamp, diagnostics);
    cloudify::resolve(project, diagnostics);
    scenario::resolve(project, diagnostics);
}
