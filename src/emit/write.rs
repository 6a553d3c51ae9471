//! Writing emitted documents: all or nothing.
//!
//! Into a folder that does not exist yet, the documents are written into a hidden sibling
//! folder which is renamed into place at the end, so the folder appears only when the emit
//! succeeded. Into an existing folder, each document is first written whole to a hidden
//! temporary file beside its destination (and synced); only when every one is written are they
//! renamed over their destinations. Any failure removes what this emit created.

use super::Document;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// The file-system operations the writer uses, so tests can make one fail midway.
pub trait FileSystem {
    fn create_dir(&self, path: &Path) -> std::io::Result<()>;
    fn write_file(&self, path: &Path, bytes: &[u8]) -> std::io::Result<()>;
    fn rename(&self, from: &Path, to: &Path) -> std::io::Result<()>;
    fn remove_file(&self, path: &Path);
    fn remove_dir_all(&self, path: &Path);
}

/// The real file system; files are synced before they are renamed into place.
pub struct RealFileSystem;

impl FileSystem for RealFileSystem {
    fn create_dir(&self, path: &Path) -> std::io::Result<()> {
        std::fs::create_dir(path)
    }

    fn write_file(&self, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)?;
        file.write_all(bytes)?;
        // A full disk is often reported only here.
        file.sync_all()
    }

    fn rename(&self, from: &Path, to: &Path) -> std::io::Result<()> {
        std::fs::rename(from, to)
    }

    fn remove_file(&self, path: &Path) {
        let _ = std::fs::remove_file(path);
    }

    fn remove_dir_all(&self, path: &Path) {
        let _ = std::fs::remove_dir_all(path);
    }
}

/// Writes `documents` into `dir` (created when missing, together with missing parents'
/// last level only). Returns the paths written.
pub fn write_all(
    fs: &dyn FileSystem,
    dir: &Path,
    documents: &[Document],
) -> std::io::Result<Vec<PathBuf>> {
    for d in documents {
        if d.name.contains(['/', '\\']) || d.name.starts_with('.') || d.name.is_empty() {
            return Err(std::io::Error::other(format!(
                "refusing to write a document named {:?}",
                d.name
            )));
        }
    }
    match std::fs::metadata(dir) {
        Ok(meta) if meta.is_dir() => write_into_existing(fs, dir, documents),
        Ok(_) => Err(std::io::Error::other(format!(
            "{} exists and is not a folder",
            dir.display()
        ))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => write_new_folder(fs, dir, documents),
        Err(e) => Err(e),
    }
}

fn write_new_folder(
    fs: &dyn FileSystem,
    dir: &Path,
    documents: &[Document],
) -> std::io::Result<Vec<PathBuf>> {
    let name = dir
        .file_name()
        .ok_or_else(|| std::io::Error::other("the output folder has no name"))?;
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let staging = parent.join(format!(
        ".{}.rehearse-emit-{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    fs.create_dir(&staging)?;
    let result = documents
        .iter()
        .try_for_each(|d| fs.write_file(&staging.join(&d.name), d.text.as_bytes()))
        .and_then(|()| fs.rename(&staging, dir));
    match result {
        Ok(()) => Ok(documents.iter().map(|d| dir.join(&d.name)).collect()),
        Err(e) => {
            fs.remove_dir_all(&staging);
            Err(e)
        }
    }
}

fn write_into_existing(
    fs: &dyn FileSystem,
    dir: &Path,
    documents: &[Document],
) -> std::io::Result<Vec<PathBuf>> {
    let temp_of =
        |d: &Document| dir.join(format!(".{}.rehearse-tmp-{}", d.name, std::process::id()));
    let mut written: Vec<PathBuf> = Vec::new();
    for d in documents {
        let temp = temp_of(d);
        if let Err(e) = fs.write_file(&temp, d.text.as_bytes()) {
            fs.remove_file(&temp);
            for t in &written {
                fs.remove_file(t);
            }
            return Err(e);
        }
        written.push(temp);
    }
    let mut done = Vec::new();
    for (d, temp) in documents.iter().zip(&written) {
        let target = dir.join(&d.name);
        if let Err(e) = fs.rename(temp, &target) {
            // Those not yet renamed are removed; those renamed are whole files.
            for t in written.iter().skip(done.len()) {
                fs.remove_file(t);
            }
            return Err(e);
        }
        done.push(target);
    }
    Ok(done)
}

/// Writes one file whole or not at all: a temporary file beside it (synced), then a rename.
/// The reports of `run` and `check --output` use it as well as single-document emits.
pub fn write_file_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let fs = RealFileSystem;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| std::io::Error::other("not a file path"))?;
    let temp = dir.join(format!(
        ".{}.rehearse-tmp-{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    if let Err(e) = fs.write_file(&temp, bytes) {
        fs.remove_file(&temp);
        return Err(e);
    }
    fs.rename(&temp, path)
        .inspect_err(|_| fs.remove_file(&temp))
}
