//! Project discovery (DESIGN §4): which files a run reads, and which of them it reports on.
//!
//! A directory argument is walked (honouring .gitignore, skipping hidden files) for
//! `*.yaml|*.yml|*.json`; every file found is reported. A file argument is reported, and its
//! project is read as context so references still resolve when a pre-commit hook passes only
//! the changed files: the project is the nearest ancestor folder holding a `rehearse.toml`, or
//! else the file's own folder.

use crate::check::Input;
use crate::dialect::Kind;
use std::collections::BTreeSet;
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Marks a project root; its contents are reserved for settings.
pub const PROJECT_MARKER: &str = crate::config::FILE_NAME;

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

/// Reads the files of a run. `max_bytes` caps how much of any file is read (one byte more is
/// read so the syntax layer can report the file as too large).
pub fn discover(
    paths: &[PathBuf],
    forced_kind: Option<Kind>,
    max_bytes: usize,
) -> Result<Vec<Input>, DiscoverError> {
    let mut seen = BTreeSet::new();
    let mut inputs = Vec::new();
    let mut context_roots = BTreeSet::new();

    for path in paths {
        let meta = std::fs::metadata(path).map_err(|error| DiscoverError {
            path: path.clone(),
            error,
        })?;
        if meta.is_dir() {
            for file in walk_specs(path) {
                push(&mut inputs, &mut seen, file, true, forced_kind, max_bytes)?;
            }
        } else {
            context_roots.insert(project_root(path));
            push(
                &mut inputs,
                &mut seen,
                path.clone(),
                true,
                forced_kind,
                max_bytes,
            )?;
        }
    }
    for root in context_roots {
        for file in walk_specs(&root) {
            // Context files are best effort: one we cannot read is simply not context.
            let _ = push(&mut inputs, &mut seen, file, false, None, max_bytes);
        }
    }
    Ok(inputs)
}

fn push(
    inputs: &mut Vec<Input>,
    seen: &mut BTreeSet<PathBuf>,
    path: PathBuf,
    reported: bool,
    forced_kind: Option<Kind>,
    max_bytes: usize,
) -> Result<(), DiscoverError> {
    let canonical = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
    if !seen.insert(canonical) {
        return Ok(());
    }
    let bytes = read_capped(&path, max_bytes).map_err(|error| DiscoverError {
        path: path.clone(),
        error,
    })?;
    inputs.push(Input {
        path: display_path(&path),
        bytes,
        reported,
        forced_kind,
    });
    Ok(())
}

fn read_capped(path: &Path, max_bytes: usize) -> std::io::Result<Vec<u8>> {
    let file = std::fs::File::open(path)?;
    let mut bytes = Vec::new();
    file.take(max_bytes as u64 + 1).read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Paths as the user would write them: no leading `./`, forward slashes.
fn display_path(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    text.strip_prefix("./").unwrap_or(&text).to_string()
}

fn project_root(file: &Path) -> PathBuf {
    let parent = match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut dir = Some(parent.as_path());
    while let Some(d) = dir {
        if d.join(PROJECT_MARKER).is_file() {
            return d.to_path_buf();
        }
        dir = d.parent().filter(|p| !p.as_os_str().is_empty());
    }
    parent
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

/// Spec files below `dir`, in a stable order.
fn walk_specs(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = ignore::WalkBuilder::new(dir)
        .hidden(true)
        .require_git(false)
        .sort_by_file_name(|a, b| a.cmp(b))
        .build()
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_some_and(|t| t.is_file()))
        .map(|entry| entry.into_path())
        .filter(|p| is_spec_file(p))
        .collect();
    files.sort();
    files
}
