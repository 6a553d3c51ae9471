//! Project discovery (DESIGN §4): which files a run reads, and which of them it reports on.
//!
//! A directory argument is walked (honouring .gitignore, skipping hidden files) for
//! `*.yaml|*.yml|*.json`; every file found is reported. A file argument is reported, and the
//! rest of its project is offered to the checker as context ([`ProjectContext`]), read only
//! when a reported document resolves names across files: the project is the nearest ancestor
//! folder holding a `rehearse.toml`, or else the file's own folder.
//!
//! What cannot be read — a file, a directory, a FIFO named like a spec, a broken
//! `rehearse.toml` — becomes a [`Problem`] the check reports; the rest is still checked. Only a
//! path on the command line that does not exist at all stops the run ([`DiscoverError`]).

use crate::check::{Context, Input, Problem};
use crate::config::{ConfigError, ProjectConfig};
use crate::dialect::Kind;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Marks a project root; its contents are reserved for settings.
pub const PROJECT_MARKER: &str = crate::config::FILE_NAME;

/// A path given on the command line that does not exist.
#[derive(Debug)]
pub struct DiscoverError {
    pub path: PathBuf,
    pub error: std::io::Error,
}

impl fmt::Display for DiscoverError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.error)
    }
}

impl std::error::Error for DiscoverError {}

/// What a run reads.
#[derive(Debug, Default)]
pub struct Discovered {
    /// The files reported on, read.
    pub inputs: Vec<Input>,
    /// Paths that could not be read, and broken settings files.
    pub problems: Vec<Problem>,
    /// Display paths of inputs that `[check] specs` says must be specs.
    pub required_specs: BTreeSet<String>,
    /// Each project's settings, by project root (valid ones only).
    pub settings: BTreeMap<PathBuf, ProjectConfig>,
    /// The rest of the projects of file arguments, read on demand.
    pub context: ProjectContext,
    /// The project root of each input, in step with `inputs`.
    input_roots: Vec<PathBuf>,
}

/// The files of one project: a folder with its own `rehearse.toml` below a walked folder is a
/// project of its own, checked on its own (its names never collide with its neighbours').
#[derive(Debug)]
pub struct DiscoveredProject {
    pub root: PathBuf,
    pub found: Discovered,
}

impl Discovered {
    /// Splits the run by project root, in root order. Problems of the run go with the first
    /// project; a run without inputs is one empty project.
    pub fn into_projects(self) -> Vec<DiscoveredProject> {
        let Discovered {
            inputs,
            mut problems,
            required_specs,
            mut settings,
            context,
            input_roots,
        } = self;
        let mut by_root: BTreeMap<PathBuf, Vec<Input>> = BTreeMap::new();
        for (input, root) in inputs.into_iter().zip(input_roots) {
            by_root.entry(root).or_default().push(input);
        }
        if by_root.is_empty() {
            by_root.insert(PathBuf::from("."), Vec::new());
        }
        by_root
            .into_iter()
            .map(|(root, inputs)| {
                let required_specs = inputs
                    .iter()
                    .filter(|i| required_specs.contains(&i.path))
                    .map(|i| i.path.clone())
                    .collect();
                let settings = settings
                    .remove(&root)
                    .map(|config| BTreeMap::from([(root.clone(), config)]))
                    .unwrap_or_default();
                let context = ProjectContext {
                    roots: context
                        .roots
                        .iter()
                        .filter(|r| **r == root)
                        .cloned()
                        .collect(),
                    seen: std::sync::Arc::clone(&context.seen),
                    max_bytes: context.max_bytes,
                    files: None,
                };
                let input_roots = vec![root.clone(); inputs.len()];
                let found = Discovered {
                    inputs,
                    problems: std::mem::take(&mut problems),
                    required_specs,
                    settings,
                    context,
                    input_roots,
                };
                DiscoveredProject { root, found }
            })
            .collect()
    }
}

/// Reads the files of a run. `max_bytes` caps how much of any file is read (one byte more is
/// read so the syntax layer can report the file as too large).
pub fn discover(
    paths: &[PathBuf],
    forced_kind: Option<Kind>,
    max_bytes: usize,
) -> Result<Discovered, DiscoverError> {
    let mut found = Discovered::default();
    let mut seen = BTreeSet::new();
    let mut projects: BTreeMap<PathBuf, Vec<String>> = BTreeMap::new();
    let mut context_roots = BTreeSet::new();

    for path in paths {
        let meta = match std::fs::metadata(path) {
            Ok(meta) => meta,
            Err(error) => {
                if std::fs::symlink_metadata(path).is_err() {
                    return Err(DiscoverError {
                        path: path.clone(),
                        error,
                    });
                }
                // It exists but cannot be followed (a dangling symlink, a folder we may not
                // enter): a finding, not the end of the run.
                found.problems.push(Problem::UnreadableFile {
                    path: display_path(path),
                    message: error.to_string(),
                });
                continue;
            }
        };
        if meta.is_dir() {
            let mut roots = NestedRoots::new(path);
            // Whether a project's `*.tmpl` files are configs: one settings read per project.
            let mut templates: BTreeMap<PathBuf, bool> = BTreeMap::new();
            let walk = walk_specs(path, true);
            found.problems.extend(walk.problems);
            for file in walk.files {
                let root = roots.of(&file);
                if is_template_file(&file)
                    && !*templates
                        .entry(root.clone())
                        .or_insert_with(|| flexible_templates_configured(&root))
                {
                    continue;
                }
                if let Some(input) =
                    read_input(&mut found, &mut seen, &file, forced_kind, max_bytes)
                {
                    found.input_roots.push(root.clone());
                    projects.entry(root).or_default().push(input);
                }
            }
        } else if meta.is_file() {
            let root = project_root(path);
            context_roots.insert(root.clone());
            if let Some(input) = read_input(&mut found, &mut seen, path, forced_kind, max_bytes) {
                found.input_roots.push(root.clone());
                projects.entry(root).or_default().push(input);
            }
        } else {
            found.problems.push(not_regular(path, &meta.file_type()));
        }
    }

    for (root, inputs) in projects {
        apply_settings(&mut found, &root, &inputs);
    }
    found.context = ProjectContext {
        roots: context_roots.into_iter().collect(),
        seen: std::sync::Arc::new(seen),
        max_bytes,
        files: None,
    };
    Ok(found)
}

/// Reads one reported file; on failure records the problem. Returns its display path.
fn read_input(
    found: &mut Discovered,
    seen: &mut BTreeSet<PathBuf>,
    path: &Path,
    forced_kind: Option<Kind>,
    max_bytes: usize,
) -> Option<String> {
    let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    if !seen.insert(canonical) {
        return None;
    }
    let shown = display_path(path);
    match read_capped(path, max_bytes) {
        Ok(bytes) => {
            found.inputs.push(Input {
                path: shown.clone(),
                bytes,
                reported: true,
                forced_kind,
            });
            Some(shown)
        }
        Err(error) => {
            found.problems.push(Problem::UnreadableFile {
                path: shown,
                message: error.to_string(),
            });
            None
        }
    }
}

/// Loads a project's `rehearse.toml` (a broken one is a problem) and marks the inputs its
/// `[check] specs` globs match.
fn apply_settings(found: &mut Discovered, root: &Path, inputs: &[String]) {
    let file = root.join(PROJECT_MARKER);
    if !file.exists() {
        return;
    }
    let text = match std::fs::read(&file) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(error) => {
            found.problems.push(Problem::UnreadableFile {
                path: display_path(&file),
                message: error.to_string(),
            });
            return;
        }
    };
    let config = match ProjectConfig::parse(&text) {
        Ok(config) => config,
        Err(ConfigError { message, range }) => {
            found.problems.push(Problem::BadSettings {
                path: display_path(&file),
                text,
                message,
                range,
            });
            return;
        }
    };
    if !config.unknown_keys.is_empty() {
        found.problems.push(Problem::UnknownSettings {
            path: display_path(&file),
            text,
            keys: config.unknown_keys.clone(),
        });
    }
    if !config.check.specs.is_empty() {
        let mut globs = ignore::overrides::OverrideBuilder::new(root);
        for pattern in &config.check.specs {
            // A pattern the glob syntax refuses matches nothing; the rest still apply.
            let _ = globs.add(pattern);
        }
        if let Ok(globs) = globs.build() {
            let root_shown = display_path(root);
            for input in inputs {
                let relative = Path::new(input)
                    .strip_prefix(&root_shown)
                    .unwrap_or(Path::new(input));
                if globs.matched(relative, false).is_whitelist() {
                    found.required_specs.insert(input.clone());
                }
            }
        }
    }
    found.settings.insert(root.to_path_buf(), config);
}

/// The files of the projects of file arguments, listed on first use and read one by one, so a
/// check that needs no context (a KrakenD config, a Cloudify blueprint) never walks the
/// project, and one that does reads only the files it asks for.
#[derive(Debug, Default)]
pub struct ProjectContext {
    roots: Vec<PathBuf>,
    /// Canonical paths of the inputs: never context too (shared by the projects of a run).
    seen: std::sync::Arc<BTreeSet<PathBuf>>,
    max_bytes: usize,
    files: Option<Vec<PathBuf>>,
}

impl Context for ProjectContext {
    fn files(&mut self) -> Vec<String> {
        let roots = &self.roots;
        let seen = &self.seen;
        self.files
            .get_or_insert_with(|| {
                // An input is never its own context. Only a walked file with an input's name
                // can be one, so only those pay for `canonicalize`.
                let input_names: BTreeSet<_> = seen.iter().filter_map(|p| p.file_name()).collect();
                roots
                    .iter()
                    // Context problems are not reported, so the walk's order does not matter.
                    .flat_map(|r| {
                        walk_specs_with(r, WalkOrder::Any, false, NestedProjects::Skip).files
                    })
                    .filter(|p| {
                        !p.file_name().is_some_and(|n| input_names.contains(n))
                            || !std::fs::canonicalize(p).is_ok_and(|c| seen.contains(&c))
                    })
                    .collect()
            })
            .iter()
            .map(|p| display_path(p))
            .collect()
    }

    fn read(&mut self, path: &str) -> Option<Vec<u8>> {
        // Context is best effort: a file we cannot read is simply not context.
        read_capped(Path::new(path), self.max_bytes).ok()
    }
}

fn read_capped(path: &Path, max_bytes: usize) -> std::io::Result<Vec<u8>> {
    let file = std::fs::File::open(path)?;
    // Room for a typical spec up front: an empty buffer costs an extra small probe read per
    // file, which adds up when a project has thousands of files.
    let mut bytes = Vec::with_capacity(max_bytes.saturating_add(1).min(16 * 1024));
    file.take(max_bytes as u64 + 1).read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Paths as the user would write them: no leading `./`, forward slashes.
pub fn display_path(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    text.strip_prefix("./").unwrap_or(&text).to_string()
}

fn project_root(file: &Path) -> PathBuf {
    let parent = match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    project_root_of_dir(&parent)
}

/// The nearest folder, from `dir` up, holding a `rehearse.toml`; else `dir`. A relative
/// `dir` is climbed up to `.` (its ancestors beyond the working folder are not looked at).
fn project_root_of_dir(dir: &Path) -> PathBuf {
    let mut current = Some(dir.to_path_buf());
    while let Some(d) = current {
        if d.join(PROJECT_MARKER).is_file() {
            return d;
        }
        current = match d.parent() {
            Some(p) if p.as_os_str().is_empty() && d != Path::new(".") => Some(PathBuf::from(".")),
            Some(p) if !p.as_os_str().is_empty() => Some(p.to_path_buf()),
            _ => None,
        };
    }
    dir.to_path_buf()
}

/// The project roots of the files of one walked folder: the nearest folder holding a
/// `rehearse.toml` between a file and the walked folder, else the walked folder's own root.
/// Answers are remembered per folder, so each folder is looked at once.
struct NestedRoots {
    top: PathBuf,
    top_root: PathBuf,
    known: BTreeMap<PathBuf, PathBuf>,
}

impl NestedRoots {
    fn new(top: &Path) -> NestedRoots {
        NestedRoots {
            top: top.to_path_buf(),
            top_root: project_root_of_dir(top),
            known: BTreeMap::new(),
        }
    }

    fn of(&mut self, file: &Path) -> PathBuf {
        match file.parent() {
            Some(dir) => self.of_dir(dir),
            None => self.top_root.clone(),
        }
    }

    fn of_dir(&mut self, dir: &Path) -> PathBuf {
        if let Some(root) = self.known.get(dir) {
            return root.clone();
        }
        let root = if dir == self.top || !dir.starts_with(&self.top) {
            self.top_root.clone()
        } else if dir.join(PROJECT_MARKER).is_file() {
            dir.to_path_buf()
        } else {
            match dir.parent() {
                Some(parent) => self.of_dir(parent),
                None => self.top_root.clone(),
            }
        };
        self.known.insert(dir.to_path_buf(), root.clone());
        root
    }
}

fn is_spec_file(path: &Path) -> bool {
    matches!(
        path.extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref(),
        Some("yaml" | "yml" | "json")
    )
}

fn is_template_file(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("tmpl"))
}

fn not_regular(path: &Path, file_type: &std::fs::FileType) -> Problem {
    use std::os::unix::fs::FileTypeExt;
    let what = if file_type.is_fifo() {
        "a FIFO"
    } else if file_type.is_socket() {
        "a socket"
    } else if file_type.is_block_device() || file_type.is_char_device() {
        "a device"
    } else {
        "not a regular file"
    };
    Problem::NotRegular {
        path: display_path(path),
        what,
    }
}

struct Walk {
    files: Vec<PathBuf>,
    problems: Vec<Problem>,
}

/// Spec files below `dir`, in a stable order, and what could not be listed (in walk order,
/// which reports follow).
fn walk_specs(dir: &Path, templates: bool) -> Walk {
    walk_specs_with(dir, WalkOrder::Sorted, templates, NestedProjects::Include)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum WalkOrder {
    /// Problems in path order, as reports show them.
    Sorted,
    /// Problems in the file system's order, which saves sorting every folder's entries (a
    /// third of listing a folder of 20 000 files).
    Any,
}

/// Whether a walk enters the folders below it that hold their own `rehearse.toml`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum NestedProjects {
    Include,
    /// A project's context is its own files, not those of the projects nested in it.
    Skip,
}

/// Whether the project's `rehearse.toml` names KrakenD flexible-config folders: then its
/// `*.tmpl` files are configs too (a broken settings file is reported elsewhere).
fn flexible_templates_configured(root: &Path) -> bool {
    matches!(
        ProjectConfig::load(root),
        Some(Ok(config)) if config.krakend.settings.is_some()
            || config.krakend.partials.is_some()
            || config.krakend.templates.is_some()
    )
}

/// As [`walk_specs`]. With `templates`, `*.tmpl` files are listed too.
fn walk_specs_with(dir: &Path, order: WalkOrder, templates: bool, nested: NestedProjects) -> Walk {
    let ordered_walk = order == WalkOrder::Sorted;
    let mut walk = Walk {
        files: Vec::new(),
        problems: Vec::new(),
    };
    let mut builder = ignore::WalkBuilder::new(dir);
    builder.hidden(true).require_git(false);
    if ordered_walk {
        builder.sort_by_file_name(|a, b| a.cmp(b));
    }
    if nested == NestedProjects::Skip {
        builder.filter_entry(|entry| {
            entry.depth() == 0
                || !entry.file_type().is_some_and(|t| t.is_dir())
                || !entry.path().join(PROJECT_MARKER).is_file()
        });
    }
    let walker = builder.build();
    for entry in walker {
        match entry {
            Ok(entry) => {
                let Some(file_type) = entry.file_type() else {
                    continue;
                };
                if file_type.is_file() {
                    if is_spec_file(entry.path()) || (templates && is_template_file(entry.path())) {
                        walk.files.push(entry.into_path());
                    }
                } else if !file_type.is_dir()
                    && !file_type.is_symlink()
                    && is_spec_file(entry.path())
                {
                    walk.problems.push(not_regular(entry.path(), &file_type));
                }
            }
            Err(error) => {
                if let Some(problem) = walk_problem(&error) {
                    walk.problems.push(problem);
                }
            }
        }
    }
    if ordered_walk {
        walk.files.sort();
    } else {
        // Any stable order will do, and bytes compare much faster than path components.
        use std::os::unix::ffi::OsStrExt;
        walk.files
            .sort_unstable_by(|a, b| a.as_os_str().as_bytes().cmp(b.as_os_str().as_bytes()));
    }
    walk
}

/// An I/O error of the walk: a directory we could not list. (Errors in .gitignore files
/// are the walker's to ignore.)
fn walk_problem(error: &ignore::Error) -> Option<Problem> {
    let io = error.io_error()?;
    let path = error_path(error)?;
    Some(Problem::UnreadableDirectory {
        path: display_path(path),
        message: io.to_string(),
    })
}

fn error_path(error: &ignore::Error) -> Option<&Path> {
    match error {
        ignore::Error::WithPath { path, .. } => Some(path),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        ignore::Error::Partial(errors) => errors.iter().find_map(error_path),
        _ => None,
    }
}
