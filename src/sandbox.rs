//! The project sandbox: decides whether a file that a *document* names (a Cloudify import, any
//! future include) may be read, and reads it.
//!
//! rehearse runs in CI on pull requests from strangers, so a spec must not be able to make it
//! read `/etc/passwd` and quote it in a diagnostic. A named file is read only when it resolves,
//! after symlinks, to a regular file inside one of the sandbox's roots: the project root (the
//! folder holding `rehearse.toml`, else the checked path's folder) and any `--allow-read DIR`.
//! Device files, `/proc`, `/sys`, sockets and FIFOs are never read, whatever the roots.
//!
//! A path that is outside lexically is refused before the file system is asked anything about
//! it, so a refusal does not even tell whether the file exists.

use std::fmt;
use std::io::Read;
use std::path::{Component, Path, PathBuf};

/// Folders whose files are never read: their "files" are the kernel's, not the project's.
const NEVER_READ: [&str; 3] = ["/proc", "/sys", "/dev"];

/// The folders a run may read named files from (canonical paths).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sandbox {
    roots: Vec<PathBuf>,
}

/// A file read through the sandbox.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamedFile {
    /// The path as the document wrote it, joined to the naming file's folder: what reports show.
    pub shown: PathBuf,
    /// The canonical path: what identifies the file (cycles, files read twice).
    pub canonical: PathBuf,
    pub bytes: Vec<u8>,
}

/// Why a named file was not read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Denied {
    /// The path resolves (lexically, or after symlinks) outside every root.
    Outside,
    /// The path names a directory.
    Directory,
    /// A device, socket, FIFO, or a file under /proc, /sys or /dev.
    Special,
    /// No such file (inside the roots).
    NotFound,
    /// The file exists inside the roots but could not be read.
    Unreadable(std::io::ErrorKind),
}

impl fmt::Display for Denied {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Denied::Outside => f.write_str("it resolves outside the project"),
            Denied::Directory => f.write_str("it is a directory"),
            Denied::Special => {
                f.write_str("it is a device, socket, FIFO or kernel file (/proc, /sys, /dev)")
            }
            Denied::NotFound => f.write_str("no such file"),
            Denied::Unreadable(kind) => write!(f, "it cannot be read ({kind})"),
        }
    }
}

impl Sandbox {
    /// A sandbox over one project root, widened by `allow_read` folders. Folders that do not
    /// exist are dropped (nothing can be read from them).
    pub fn new(project_root: &Path, allow_read: &[PathBuf]) -> Sandbox {
        Sandbox::from_roots(std::iter::once(project_root).chain(allow_read.iter().map(|p| &**p)))
    }

    /// A sandbox over the projects of the checked paths (files or folders), widened by
    /// `allow_read`: each path's project root is its nearest folder holding `rehearse.toml`,
    /// else the path's own folder.
    pub fn for_checked_paths(paths: &[PathBuf], allow_read: &[PathBuf]) -> Sandbox {
        let roots: Vec<PathBuf> = paths.iter().map(|p| project_root(p)).collect();
        Sandbox::from_roots(
            roots
                .iter()
                .map(|p| &**p)
                .chain(allow_read.iter().map(|p| &**p)),
        )
    }

    fn from_roots<'a>(roots: impl Iterator<Item = &'a Path>) -> Sandbox {
        let mut canonical: Vec<PathBuf> = roots
            .filter_map(|r| std::fs::canonicalize(r).ok())
            .filter(|r| r.is_dir())
            .collect();
        canonical.sort();
        canonical.dedup();
        Sandbox { roots: canonical }
    }

    /// The canonical root folders.
    pub fn roots(&self) -> &[PathBuf] {
        &self.roots
    }

    /// Resolves a path a document named — relative to `relative_to` (the naming file's
    /// folder) unless absolute, `file:` URLs accepted — to the canonical path of a regular file
    /// inside the sandbox.
    pub fn resolve(&self, requested: &Path, relative_to: &Path) -> Result<PathBuf, Denied> {
        let requested = strip_file_url(requested);
        // The importing folder exists; its canonical form is comparable with the roots.
        let base = std::fs::canonicalize(relative_to).unwrap_or_else(|_| absolute(relative_to));
        let joined = if requested.is_absolute() {
            requested.to_path_buf()
        } else {
            base.join(requested)
        };
        let lexical = normalize(&joined);
        if is_never_read(&lexical) {
            return Err(Denied::Special);
        }
        // Lexically outside: refused without asking the file system anything.
        if !self.contains(&lexical) {
            return Err(Denied::Outside);
        }
        let canonical = match std::fs::canonicalize(&joined) {
            Ok(path) => path,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(Denied::NotFound),
            Err(e) => return Err(Denied::Unreadable(e.kind())),
        };
        if is_never_read(&canonical) {
            return Err(Denied::Special);
        }
        if !self.contains(&canonical) {
            return Err(Denied::Outside);
        }
        let meta = std::fs::metadata(&canonical).map_err(|e| Denied::Unreadable(e.kind()))?;
        if meta.is_dir() {
            return Err(Denied::Directory);
        }
        if !meta.is_file() {
            return Err(Denied::Special);
        }
        Ok(canonical)
    }

    /// Reads a named file (see [`Sandbox::resolve`]): at most `max_bytes + 1` bytes, so the
    /// syntax layer can still report the file as too large.
    pub fn read(
        &self,
        requested: &Path,
        relative_to: &Path,
        max_bytes: usize,
    ) -> Result<NamedFile, Denied> {
        let path = self.resolve(requested, relative_to)?;
        let file = std::fs::File::open(&path).map_err(|e| Denied::Unreadable(e.kind()))?;
        // The path may have been swapped between the check and the open: check what was opened.
        let meta = file.metadata().map_err(|e| Denied::Unreadable(e.kind()))?;
        if !meta.is_file() {
            return Err(Denied::Special);
        }
        let mut bytes = Vec::new();
        file.take(max_bytes as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| Denied::Unreadable(e.kind()))?;
        let requested = strip_file_url(requested);
        Ok(NamedFile {
            shown: relative_to.join(requested),
            canonical: path,
            bytes,
        })
    }

    fn contains(&self, path: &Path) -> bool {
        self.roots.iter().any(|root| path.starts_with(root))
    }
}

/// `file:///a/b`, `file:/a/b` and `file:a/b` name the path after the scheme.
fn strip_file_url(requested: &Path) -> &Path {
    let Some(text) = requested.to_str() else {
        return requested;
    };
    let rest = text
        .strip_prefix("file://")
        .or_else(|| text.strip_prefix("file:"));
    match rest {
        // `file://localhost/etc/passwd`: the host part names this machine.
        Some(rest) => Path::new(rest.strip_prefix("localhost").unwrap_or(rest)),
        None => requested,
    }
}

fn absolute(path: &Path) -> PathBuf {
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|cwd| cwd.join(path))
            .unwrap_or_else(|_| path.to_path_buf())
    }
}

/// Removes `.` and resolves `..` without touching the file system.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

fn is_never_read(path: &Path) -> bool {
    NEVER_READ.iter().any(|dir| path.starts_with(dir))
}

/// The nearest folder at or above `path` (its folder, for a file) holding `rehearse.toml`,
/// else that folder.
pub fn project_root(path: &Path) -> PathBuf {
    let start = if path.is_dir() {
        path.to_path_buf()
    } else {
        match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        }
    };
    let start = absolute(&start);
    let mut dir = Some(start.as_path());
    while let Some(d) = dir {
        if d.join(crate::config::FILE_NAME).is_file() {
            return d.to_path_buf();
        }
        dir = d.parent();
    }
    start
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_resolves_parent_components_lexically() {
        assert_eq!(
            normalize(Path::new("/a/b/../../../etc/./passwd")),
            Path::new("/etc/passwd")
        );
    }

    #[test]
    fn file_urls_name_their_path() {
        assert_eq!(
            strip_file_url(Path::new("file:///etc/passwd")),
            Path::new("/etc/passwd")
        );
        assert_eq!(
            strip_file_url(Path::new("file://localhost/etc/passwd")),
            Path::new("/etc/passwd")
        );
        assert_eq!(
            strip_file_url(Path::new("file:a.yaml")),
            Path::new("a.yaml")
        );
        assert_eq!(strip_file_url(Path::new("a.yaml")), Path::new("a.yaml"));
    }

    #[test]
    fn kernel_folders_are_never_read_even_when_allowed() {
        let sandbox = Sandbox::new(Path::new("/"), &[]);
        assert_eq!(
            sandbox.resolve(Path::new("/proc/self/environ"), Path::new("/")),
            Err(Denied::Special)
        );
        assert_eq!(
            sandbox.resolve(Path::new("/dev/zero"), Path::new("/")),
            Err(Denied::Special)
        );
    }
}
