//! KrakenD's flexible configuration (FC): a config written as a Go template, rendered before it
//! is parsed (krakend-flexibleconfig `template.go`, enabled with `FC_ENABLE=1`).
//!
//! - `FC_SETTINGS`: a folder whose `*.json` files become the template's data, each under its
//!   file stem (`settings/service.json` → `{{ .service.port }}`);
//! - `FC_PARTIALS`: files inserted verbatim by `{{ include "name" }}` (not templates; a file
//!   that cannot be read inserts nothing, as KrakenD ignores the error);
//! - `FC_TEMPLATES`: `*.tmpl` files usable as `{{ template "name.tmpl" . }}`.
//!
//! The functions are Go's, Sprig's generic map and KrakenD's `marshal` (json.Marshal) and
//! `include`. Rendering keeps a segment map from output byte ranges to the file and bytes they
//! came from, so a finding in the rendered config points into the template, partial or
//! sub-template that wrote it. rehearse reads these files through the project sandbox.

mod exec;
mod parse;

use crate::config::KrakendConfig;
use crate::sandbox::{Denied, Sandbox};
use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

pub use exec::Val;

/// Largest file FC reads (settings, partials, templates).
const MAX_FILE_BYTES: usize = 8 * 1024 * 1024;
/// Largest rendered config: output past it stops the render as it is written (K035).
const MAX_OUTPUT_BYTES: usize = 64 * 1024 * 1024;

/// The environment variables `env` and `expandenv` see. Empty unless the caller captures the
/// process environment (the CLI does; tests do not, so they stay deterministic).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Env {
    vars: BTreeMap<String, String>,
}

impl Env {
    pub fn none() -> Env {
        Env::default()
    }

    pub fn from_process() -> Env {
        Env {
            vars: std::env::vars().collect(),
        }
    }

    pub fn from_pairs<I: IntoIterator<Item = (String, String)>>(pairs: I) -> Env {
        Env {
            vars: pairs.into_iter().collect(),
        }
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }
}

/// Where a project's flexible-config folders are.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FlexibleConfig {
    pub settings: Option<PathBuf>,
    pub partials: Option<PathBuf>,
    pub templates: Option<PathBuf>,
    pub env: Env,
}

impl FlexibleConfig {
    /// From `rehearse.toml`'s `[krakend]` section (paths relative to the project root). `None`
    /// when the section names no folder.
    pub fn from_project(root: &Path, config: &KrakendConfig) -> Option<FlexibleConfig> {
        if config.settings.is_none() && config.partials.is_none() && config.templates.is_none() {
            return None;
        }
        Some(FlexibleConfig {
            settings: config.settings.as_ref().map(|p| root.join(p)),
            partials: config.partials.as_ref().map(|p| root.join(p)),
            templates: config.templates.as_ref().map(|p| root.join(p)),
            env: Env::none(),
        })
    }

    /// From KrakenD's own variables: `FC_ENABLE` set to anything but empty, then
    /// `FC_SETTINGS`, `FC_PARTIALS`, `FC_TEMPLATES` (relative to `cwd`).
    pub fn from_env(env: &Env, cwd: &Path) -> Option<FlexibleConfig> {
        // "You can use 1 or any other value (but 0 won't turn it off!)" (KrakenD docs,
        // configuration/flexible-config.md).
        let enabled = env.get("FC_ENABLE").is_some_and(|v| !v.is_empty());
        if !enabled {
            return None;
        }
        let folder = |name: &str| env.get(name).filter(|v| !v.is_empty()).map(|v| cwd.join(v));
        Some(FlexibleConfig {
            settings: folder("FC_SETTINGS"),
            partials: folder("FC_PARTIALS"),
            templates: folder("FC_TEMPLATES"),
            env: env.clone(),
        })
    }

    pub fn with_env(mut self, env: Env) -> FlexibleConfig {
        self.env = env;
        self
    }

    /// Whether `path` lies in one of the FC folders: such files are template material, not
    /// configs of their own.
    pub fn owns(&self, path: &Path) -> bool {
        let path = canonical(path);
        [&self.settings, &self.partials, &self.templates]
            .into_iter()
            .flatten()
            .any(|folder| path.starts_with(canonical(folder)))
    }
}

fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// Whether a file is a flexible-config template: a `.tmpl` file, or one holding `{{`.
pub fn is_template(path: &Path, bytes: &[u8]) -> bool {
    path.extension().is_some_and(|e| e == "tmpl") || bytes.windows(2).any(|w| w == b"{{")
}

/// A piece of the rendered output and where it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Segment {
    pub output: Range<usize>,
    /// Index into [`Rendered::files`].
    pub file: usize,
    pub source: Range<usize>,
    /// Copied byte for byte (text, partials); else a value printed by the action at `source`.
    pub exact: bool,
}

/// The output being written.
#[derive(Clone, Debug, Default)]
pub struct Output {
    pub text: String,
    pub segments: Vec<Segment>,
}

/// A rendered template.
#[derive(Clone, Debug)]
pub struct Rendered {
    pub text: String,
    pub segments: Vec<Segment>,
    /// The files the output came from: shown path and text. Index 0 is the template itself.
    pub files: Vec<(String, String)>,
}

impl Rendered {
    /// Where output byte `offset` came from: file index and byte offset there.
    pub fn origin(&self, offset: usize) -> Option<(usize, Range<usize>)> {
        let at = self
            .segments
            .partition_point(|s| s.output.end <= offset)
            .min(self.segments.len().checked_sub(1)?);
        let segment = &self.segments[at];
        if segment.exact {
            let start = segment.source.start + offset.saturating_sub(segment.output.start);
            let start = start.min(segment.source.end);
            Some((segment.file, start..segment.source.end))
        } else {
            Some((segment.file, segment.source.clone()))
        }
    }
}

/// Why a template did not render.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fail {
    pub message: String,
    /// Index into the failure's files.
    pub file: usize,
    pub at: usize,
    /// rehearse cannot render it although KrakenD may (K035), rather than a template error
    /// KrakenD hits too (K034).
    pub unsupported: bool,
}

impl Fail {
    pub fn error(message: impl Into<String>, file: usize, at: usize) -> Fail {
        Fail {
            message: message.into(),
            file,
            at,
            unsupported: false,
        }
    }
}

/// A render failure with the files it may point into.
#[derive(Clone, Debug)]
pub struct Failure {
    pub fail: Fail,
    pub files: Vec<(String, String)>,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let file = self
            .files
            .get(self.fail.file)
            .map_or("?", |(p, _)| p.as_str());
        write!(f, "{file}: {}", self.fail.message)
    }
}

/// Reads one FC file through the sandbox. The only place FC touches the file system besides
/// listing the settings and templates folders.
fn read_file(sandbox: &Sandbox, path: &Path) -> Result<String, Denied> {
    let named = sandbox.read(&absolute(path), Path::new("/"), MAX_FILE_BYTES)?;
    Ok(String::from_utf8_lossy(&named.bytes).into_owned())
}

/// Lists a folder's files with `suffix`, sorted, when the sandbox allows the folder.
fn list_folder(sandbox: &Sandbox, folder: &Path, suffix: &str) -> Result<Vec<PathBuf>, String> {
    match sandbox.resolve(&absolute(folder), Path::new("/")) {
        Err(Denied::Directory) => {}
        Ok(_) => return Err(format!("{} is not a folder", folder.display())),
        Err(denied) => return Err(format!("{}: {denied}", folder.display())),
    }
    let entries = std::fs::read_dir(folder).map_err(|e| format!("{}: {e}", folder.display()))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.to_string_lossy().ends_with(suffix))
        .collect();
    files.sort();
    Ok(files)
}

fn absolute(path: &Path) -> PathBuf {
    if path.is_absolute() {
        return path.to_path_buf();
    }
    std::env::current_dir()
        .map(|cwd| cwd.join(path))
        .unwrap_or_else(|_| path.to_path_buf())
}

/// A path as reports show it: relative to the working folder when inside it (the folders of
/// `rehearse.toml` are absolute, the checked file usually is not), forward slashes.
fn shown(path: &Path) -> String {
    let relative = std::env::current_dir()
        .ok()
        .filter(|_| path.is_absolute())
        .and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf));
    let path = relative.as_deref().unwrap_or(path);
    let text = path.to_string_lossy().replace('\\', "/");
    text.strip_prefix("./").unwrap_or(&text).to_string()
}

/// Renders a template file (`path`, its text `source`) as KrakenD's FC does.
pub fn render(
    path: &str,
    source: &str,
    fc: &FlexibleConfig,
    sandbox: &Sandbox,
) -> Result<Rendered, Failure> {
    let mut files: Vec<(String, String)> = vec![(path.to_string(), source.to_string())];
    let fail_at = |files: &Vec<(String, String)>, fail: Fail| Failure {
        fail,
        files: files.clone(),
    };

    // Settings: every *.json of the folder, by file stem. KrakenD refuses to start when one
    // cannot be read or parsed ("loading flexible-config settings").
    let mut data = BTreeMap::new();
    if let Some(folder) = &fc.settings {
        let listing = list_folder(sandbox, folder, ".json").map_err(|e| {
            fail_at(
                &files,
                Fail::error(format!("loading flexible-config settings: {e}"), 0, 0),
            )
        })?;
        for file in listing {
            let text = read_file(sandbox, &file).map_err(|denied| {
                fail_at(
                    &files,
                    Fail::error(
                        format!(
                            "loading flexible-config settings: {}: {denied}",
                            shown(&file)
                        ),
                        0,
                        0,
                    ),
                )
            })?;
            let stem = file
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let value: serde_json::Value = match serde_json::from_str(&text) {
                Ok(v) => v,
                Err(e) => {
                    files.push((shown(&file), text.clone()));
                    let offset = line_offset(&text, e.line(), e.column());
                    return Err(fail_at(
                        &files,
                        Fail::error(
                            format!("loading flexible-config settings: {}: {e}", shown(&file)),
                            files.len() - 1,
                            offset,
                        ),
                    ));
                }
            };
            // json.Unmarshal into map[string]interface{}: a settings file must hold an object.
            if !value.is_object() {
                files.push((shown(&file), text.clone()));
                return Err(fail_at(
                    &files,
                    Fail::error(
                        format!(
                            "loading flexible-config settings: {}: json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
                            shown(&file),
                            json_kind(&value)
                        ),
                        files.len() - 1,
                        0,
                    ),
                ));
            }
            data.insert(stem, exec::from_json(&value));
        }
    }

    // The template and the FC_TEMPLATES files, each defining its base name plus its defines.
    let mut parsed = Vec::new();
    let main = parse::parse(source).map_err(|e| {
        fail_at(
            &files,
            Fail {
                unsupported: e.too_deep,
                ..Fail::error(
                    format!("template: {}: {}", base_name(path), e.message),
                    0,
                    e.at,
                )
            },
        )
    })?;
    parsed.push((base_name(path), 0usize, main));
    if let Some(folder) = &fc.templates {
        let listing = list_folder(sandbox, folder, ".tmpl").map_err(|e| {
            fail_at(
                &files,
                Fail::error(format!("reading FC_TEMPLATES: {e}"), 0, 0),
            )
        })?;
        for file in listing {
            let text = read_file(sandbox, &file).map_err(|denied| {
                fail_at(
                    &files,
                    Fail::error(format!("{}: {denied}", shown(&file)), 0, 0),
                )
            })?;
            files.push((shown(&file), text.clone()));
            let index = files.len() - 1;
            let tree = parse::parse(&text).map_err(|e| {
                fail_at(
                    &files,
                    Fail {
                        unsupported: e.too_deep,
                        ..Fail::error(
                            format!("template: {}: {}", base_name(&shown(&file)), e.message),
                            index,
                            e.at,
                        )
                    },
                )
            })?;
            parsed.push((base_name(&shown(&file)), index, tree));
        }
    }

    // Go checks at parse time that every function exists.
    for (_, index, tree) in &parsed {
        let mut called = Vec::new();
        parse::functions(&tree.body, &mut called);
        for (_, body) in &tree.defines {
            parse::functions(body, &mut called);
        }
        for (name, at) in called {
            let known = exec::BUILTINS.contains(&name.as_str())
                || exec::SPRIG_FUNCTIONS.contains(&name.as_str())
                || name == "marshal"
                || name == "include";
            if !known {
                return Err(fail_at(
                    &files,
                    Fail::error(format!("function \"{name}\" not defined"), *index, at),
                ));
            }
            if exec::nondeterministic(&name) || !exec::implemented(&name) {
                return Err(fail_at(
                    &files,
                    Fail {
                        message: if exec::nondeterministic(&name) {
                            format!("`{name}` gives a different result on every run, so the rendered config cannot be checked")
                        } else {
                            format!("rehearse does not render the Sprig function `{name}`")
                        },
                        file: *index,
                        at,
                        unsupported: true,
                    },
                ));
            }
        }
    }

    let mut templates = BTreeMap::new();
    for (name, index, tree) in &parsed {
        templates.insert(
            name.clone(),
            exec::Template {
                body: &tree.body,
                file: *index,
            },
        );
        for (define, body) in &tree.defines {
            templates.insert(define.clone(), exec::Template { body, file: *index });
        }
    }

    // Partials are read when included; their text joins the file list for the segment map.
    let partial_files: std::cell::RefCell<Vec<(String, String)>> =
        std::cell::RefCell::new(Vec::new());
    let base = files.len();
    let partials = |name: &str| -> Option<(usize, String)> {
        let folder = fc.partials.as_ref()?;
        let path = folder.join(name);
        let text = read_file(sandbox, &path).ok()?;
        let mut list = partial_files.borrow_mut();
        let shown_path = shown(&path);
        let index = match list.iter().position(|(p, _)| *p == shown_path) {
            Some(i) => i,
            None => {
                list.push((shown_path, text.clone()));
                list.len() - 1
            }
        };
        Some((base + index, text))
    };
    let env = |name: &str| fc.env.get(name).unwrap_or("").to_string();
    let mut exec = exec::Exec::new(&templates, &partials, &env);
    let result = exec.run(&base_name(path), &Val::Map(data), 0, 0);
    let output = std::mem::take(&mut exec.out);
    drop(exec);
    files.extend(partial_files.borrow().iter().cloned());
    if let Err(fail) = result {
        return Err(Failure { fail, files });
    }
    Ok(Rendered {
        text: output.text,
        segments: output.segments,
        files,
    })
}

/// Renders a template file from disk with a sandbox over its folders (tests, tools).
pub fn render_file(path: &Path, fc: &FlexibleConfig) -> Result<Rendered, Failure> {
    let folder = path.parent().unwrap_or(Path::new("."));
    let roots: Vec<PathBuf> = [&fc.settings, &fc.partials, &fc.templates]
        .into_iter()
        .flatten()
        .cloned()
        .collect();
    let sandbox = Sandbox::new(folder, &roots);
    let source = std::fs::read_to_string(path).map_err(|e| Failure {
        fail: Fail::error(e.to_string(), 0, 0),
        files: vec![(shown(path), String::new())],
    })?;
    render(&shown(path), &source, fc, &sandbox)
}

fn base_name(path: &str) -> String {
    path.rsplit(['/', '\\']).next().unwrap_or(path).to_string()
}

fn json_kind(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "bool",
        serde_json::Value::Number(_) => "number",
        serde_json::Value::String(_) => "string",
        serde_json::Value::Array(_) => "array",
        serde_json::Value::Object(_) => "object",
    }
}

/// Byte offset of a 1-based line and column.
fn line_offset(text: &str, line: usize, column: usize) -> usize {
    let mut offset = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            return (offset + column.saturating_sub(1)).min(text.len());
        }
        offset += l.len();
    }
    text.len()
}

#[cfg(test)]
mod tests;
