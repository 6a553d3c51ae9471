//! Cloudify in the check pipeline: follows a blueprint's imports on disk (relative to the
//! importing file, each file read once, cycles reported), hands the merged tree to the dialect,
//! then runs the checks Cloudify never made (reference/cloudify/ISSUES.md).

use crate::diag::codes::{c, x};
use crate::diag::Diagnostic;
use crate::dialect::cloudify::{self as dialect, builtin, merge, schema};
use crate::ir::cloudify::{Blueprint, Count, DslVersion, Inlined, Member, PolicyKind};
use crate::ir::Project;
use crate::sandbox::{Denied, Sandbox};
use crate::source::{FileId, SourceMap, Span};
use crate::syntax::{self, Document, Format, Limits, Node, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;

mod plugins;

/// A Cloudify document found by detection, read once every input is loaded.
#[derive(Debug)]
pub struct Pending {
    pub document: Document,
    pub file: FileId,
    pub reported: bool,
}

/// Reads one blueprint with its imports into the project. Returns the files its imports
/// loaded, whose diagnostics belong to the blueprint.
pub fn read_blueprint(
    pending: &Pending,
    sources: &mut SourceMap,
    limits: &Limits,
    sandbox: &Sandbox,
    plugin_cache: Option<&Path>,
    project: &mut Project,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<FileId> {
    read_blueprint_sharing(
        pending,
        sources,
        limits,
        sandbox,
        plugin_cache,
        &mut ImportCache::default(),
        project,
        diagnostics,
    )
}

/// [`read_blueprint`] for one of several blueprints checked together: the files their
/// imports read are kept in `imports_read` and parsed once.
#[allow(clippy::too_many_arguments)]
pub fn read_blueprint_sharing(
    pending: &Pending,
    sources: &mut SourceMap,
    limits: &Limits,
    sandbox: &Sandbox,
    plugin_cache: Option<&Path>,
    imports_read: &mut ImportCache,
    project: &mut Project,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<FileId> {
    let root = &pending.document.root;
    let path = sources.get(pending.file).path.clone();
    dialect::check_ascii(root, diagnostics);
    let Some(version) = dialect::read_version(root, diagnostics) else {
        return Vec::new();
    };
    let Some(main) = root.as_map() else {
        return Vec::new();
    };
    let main_key = file_key(Path::new(&path));
    let plugin_cache = plugins::cache_dir(plugin_cache, Path::new(&path));
    let mut loader = Loader {
        sources,
        limits,
        sandbox,
        version,
        plugin_sandbox: plugin_cache.as_deref().map(|dir| Sandbox::new(dir, &[])),
        plugin_cache,
        opaque: false,
        cache: imports_read,
        diagnostics,
        loaded: Vec::new(),
        kept: Vec::new(),
        seen: BTreeMap::new(),
        stack: vec![main_key.clone()],
    };
    loader.visit(
        root,
        Path::new(&path).parent().map(Path::to_path_buf),
        false,
    );
    let Loader {
        loaded,
        kept,
        opaque,
        ..
    } = loader;
    let imported = |keep_kept: bool| -> Vec<merge::Imported> {
        loaded
            .iter()
            .filter(|l| keep_kept || !l.kept)
            .map(|l| merge::Imported {
                name: l.name.clone(),
                listed_at: l.listed_at,
                root: &l.root,
            })
            .collect()
    };
    let version_text = version.name();
    let merged = merge::merge(main, version, &version_text, &imported(true), diagnostics);
    // The local files alone, for emit. Merged again only when a kept import was read (the
    // merge's diagnostics are those above).
    let local = loaded.iter().any(|l| l.kept).then(|| {
        merge::merge(
            main,
            version,
            &version_text,
            &imported(false),
            &mut Vec::new(),
        )
    });
    let blueprint_dir = Path::new(&path)
        .parent()
        .map(|p| {
            if p.as_os_str().is_empty() {
                PathBuf::from(".")
            } else {
                p.to_path_buf()
            }
        })
        .filter(|p| p.is_dir());
    let blueprint = dialect::read(
        &merged,
        root.span,
        version,
        blueprint_dir,
        sandbox,
        opaque,
        diagnostics,
    );
    let stem = Path::new(&path)
        .file_stem()
        .map_or_else(|| "blueprint".into(), |s| s.to_string_lossy().into_owned());
    project.cloudify.push(Blueprint {
        inlined: Some(Inlined {
            stem,
            imports: kept,
            document: local.unwrap_or(merged),
        }),
        ..blueprint
    });
    loaded.iter().map(|l| l.file).collect()
}

struct LoadedImport {
    name: String,
    listed_at: Span,
    file: FileId,
    root: Rc<Node>,
    /// Cloudify's types or a plugin: stays an import when the blueprint is emitted.
    kept: bool,
}

/// The files imports read in one check, by file key: blueprints that share a plugin or the
/// built-in types (a repository of them checked at once) read and parse each file once.
#[derive(Default)]
pub struct ImportCache {
    files: BTreeMap<String, CachedImport>,
}

struct CachedImport {
    /// What was parsed: a file changed on disk since is read again.
    bytes: Vec<u8>,
    file: FileId,
    root: Rc<Node>,
    /// What reading it found (YAML, non-ASCII), reported again with each importer (the
    /// report drops repeats).
    diagnostics: Vec<Diagnostic>,
}

/// Where an import points.
enum Target {
    /// Cloudify's built-in definitions of one manager version.
    Builtin(builtin::ManagerVersion),
    /// A file inside the sandbox, read when resolved: its canonical path and bytes.
    File(PathBuf, Vec<u8>),
}

struct Loader<'a> {
    sources: &'a mut SourceMap,
    limits: &'a Limits,
    sandbox: &'a Sandbox,
    /// The blueprint's DSL version (chooses plugin_1_4/1_5.yaml).
    version: DslVersion,
    /// The plugin cache, and a sandbox whose one root it is: a plugin.yaml is read from the
    /// cache only.
    plugin_cache: Option<PathBuf>,
    plugin_sandbox: Option<Sandbox>,
    /// Whether a plugin import could not be read from the cache.
    opaque: bool,
    cache: &'a mut ImportCache,
    diagnostics: &'a mut Vec<Diagnostic>,
    loaded: Vec<LoadedImport>,
    /// The imports that name Cloudify's types or a plugin, as written, each once.
    kept: Vec<String>,
    /// Canonical key → index in `loaded`.
    seen: BTreeMap<String, usize>,
    /// Keys of the files being visited, main file first.
    stack: Vec<String>,
}

impl Loader<'_> {
    /// Follows a file's imports. `in_kept`: the file is read through a kept import (a
    /// plugin's own imports), so what it imports is never inlined either.
    fn visit(&mut self, root: &Node, dir: Option<PathBuf>, in_kept: bool) {
        let Some(imports) = root.as_map().and_then(|m| m.get("imports")) else {
            return;
        };
        let items = match &imports.value {
            Value::Seq(items) => items,
            Value::Null => return,
            _ => {
                self.diagnostics.push(schema::error(
                    &c::C121,
                    imports.span,
                    format!(
                        "Expected 'list' type but found '{}' type",
                        schema::py_type(imports)
                    ),
                ));
                return;
            }
        };
        let mut listed: Vec<&str> = Vec::new();
        for item in items {
            let Some(name) = item.as_str() else {
                self.diagnostics.push(schema::error(
                    &c::C121,
                    item.span,
                    format!(
                        "Expected 'string' type but found '{}' type",
                        schema::py_type(item)
                    ),
                ));
                continue;
            };
            if listed.contains(&name) {
                self.diagnostics
                    .push(schema::error(&c::C002, item.span, "Duplicate imports"));
                continue;
            }
            listed.push(name);
            let is_plugin = plugins::PluginRequest::parse(name).is_some();
            let target = self.resolve(name, item.span, dir.as_deref());
            let kept = is_plugin || matches!(target, Some(Target::Builtin(_)));
            if kept && !in_kept && !self.kept.iter().any(|k| k == name) {
                self.kept.push(name.to_string());
            }
            let kept = kept || in_kept;
            let Some(target) = target else {
                continue;
            };
            let key = match &target {
                Target::Builtin(version) => format!("builtin:{}", version.name()),
                Target::File(path, _) => file_key(path),
            };
            if self.stack.last() == Some(&key) {
                self.diagnostics.push(
                    Diagnostic::warning(&c::C400, item.span, format!("'{name}' imports itself"))
                        .with_help("remove this import; Cloudify ignores it"),
                );
                continue;
            }
            if self.stack.contains(&key) {
                let mut chain: Vec<String> = self.stack.iter().map(|k| short(k)).collect();
                chain.push(short(&key));
                self.diagnostics.push(
                    Diagnostic::warning(
                        &c::C400,
                        item.span,
                        format!("import cycle: {}", chain.join(" -> ")),
                    )
                    .with_help("Cloudify reads each file once and ignores the cycle; remove the import that closes it"),
                );
                continue;
            }
            if self.seen.contains_key(&key) {
                continue;
            }
            let next_dir = match &target {
                Target::Builtin(_) => None,
                Target::File(path, _) => path.parent().map(Path::to_path_buf),
            };
            let (file, root) = self.load(&key, target);
            self.seen.insert(key.clone(), self.loaded.len());
            self.loaded.push(LoadedImport {
                name: name.to_string(),
                listed_at: item.span,
                file,
                root: Rc::clone(&root),
                kept,
            });
            self.stack.push(key);
            self.visit(&root, next_dir, kept);
            self.stack.pop();
        }
    }

    fn resolve(&mut self, name: &str, span: Span, dir: Option<&Path>) -> Option<Target> {
        if let Some(version) = builtin::types_url_version(name) {
            return Some(Target::Builtin(version));
        }
        if let Some(request) = plugins::PluginRequest::parse(name) {
            return self.resolve_plugin(name, &request, span);
        }
        if builtin::is_url(name) {
            self.diagnostics.push(
                schema::error(
                    &c::C013,
                    span,
                    format!("Import failed: Unable to open import url {name}; rehearse does not fetch remote imports"),
                )
                .with_help("download the file next to the blueprint and import it by relative path; Cloudify's types.yaml URLs are built in and plugin imports read the plugin cache"),
            );
            return None;
        }
        // Every file a blueprint names is read through the project sandbox (src/sandbox.rs):
        // relative to the importing file's folder first, then as an absolute path.
        let dir = dir.unwrap_or(Path::new("."));
        match self
            .sandbox
            .read(Path::new(name), dir, self.limits.max_file_bytes)
        {
            Ok(named) => return Some(Target::File(named.shown, named.bytes)),
            // A manager serves its own types under this path (its resources_base_path).
            Err(Denied::NotFound) if name == builtin::MANAGER_RESOURCE_TYPES => {
                return Some(Target::Builtin(builtin::ManagerVersion::resources()));
            }
            Err(Denied::NotFound) => self.diagnostics.push(schema::error(
                &c::C013,
                span,
                format!("Import failed: no suitable location found for import '{name}'"),
            )),
            Err(denied) => self.diagnostics.push(refused_import(name, span, &denied)),
        }
        None
    }

    /// A plugin import, from the plugin cache (read through a sandbox rooted there); when the
    /// cache lacks it, one warning, and the blueprint's unresolved names are taken to be the
    /// plugin's (opaque: never a cascade of errors).
    fn resolve_plugin(
        &mut self,
        name: &str,
        request: &plugins::PluginRequest,
        span: Span,
    ) -> Option<Target> {
        let found = match (&self.plugin_cache, &self.plugin_sandbox) {
            (Some(dir), Some(sandbox)) => request.find(dir, self.version).and_then(|path| {
                sandbox
                    .read(&path, Path::new("."), self.limits.max_file_bytes)
                    .ok()
            }),
            _ => None,
        };
        if let Some(named) = found {
            return Some(Target::File(named.shown, named.bytes));
        }
        self.opaque = true;
        let wanted = match &request.version {
            Some(v) => format!("{}/{v}", request.name),
            None => format!("{}/<version>", request.name),
        };
        let message = match &self.plugin_cache {
            Some(dir) => format!(
                "plugin '{}' is not in the plugin cache {}; the types it defines are not checked",
                request.name,
                dir.display()
            ),
            None => format!(
                "'{name}' names a plugin and no plugin cache is configured; the types it defines are not checked"
            ),
        };
        self.diagnostics.push(
            Diagnostic::warning(&c::C408, span, message).with_help(format!(
                "put the plugin's plugin.yaml (and plugin_1_4.yaml/plugin_1_5.yaml if it has them) at <cache>/{wanted}/; name the cache with rehearse.toml `[cloudify] plugins = \"DIR\"` or $REHEARSE_CLOUDIFY_PLUGINS"
            )),
        );
        None
    }

    /// Reads an import (once per check: see [`ImportCache`]).
    fn load(&mut self, key: &str, target: Target) -> (FileId, Rc<Node>) {
        let (path, bytes) = match target {
            Target::Builtin(version) => {
                if let Some(cached) = self.cache.files.get(key) {
                    self.diagnostics.extend(cached.diagnostics.iter().cloned());
                    return (cached.file, Rc::clone(&cached.root));
                }
                (
                    format!("{}/{}/types.yaml", builtin::TYPES_PATH, version.name()),
                    builtin::types_yaml(version).into_bytes(),
                )
            }
            Target::File(path, bytes) => (path.display().to_string(), bytes),
        };
        if let Some(cached) = self.cache.files.get(key).filter(|c| c.bytes == bytes) {
            self.diagnostics.extend(cached.diagnostics.iter().cloned());
            return (cached.file, Rc::clone(&cached.root));
        }
        let (file, parsed) = syntax::load_as(
            self.sources,
            &path,
            bytes.clone(),
            Format::Yaml,
            self.limits,
            syntax::Profile::PyYaml,
        );
        let mut found: Vec<Diagnostic> =
            parsed.diagnostics.into_iter().map(with_yaml_peer).collect();
        let root = parsed
            .documents
            .into_iter()
            .next()
            .map(|d| d.root)
            .unwrap_or_else(|| Node::new(Value::Null, Span::point(file, 0)));
        dialect::check_ascii(&root, &mut found);
        let root = Rc::new(root);
        self.diagnostics.extend(found.iter().cloned());
        self.cache.files.insert(
            key.to_string(),
            CachedImport {
                bytes,
                file,
                root: Rc::clone(&root),
                diagnostics: found,
            },
        );
        (file, root)
    }
}

/// An import the sandbox refused: names the import, never anything read from the target.
fn refused_import(name: &str, span: Span, denied: &Denied) -> Diagnostic {
    let code = match denied {
        Denied::Outside => &x::X010,
        Denied::Directory | Denied::Special => &x::X011,
        Denied::NotFound | Denied::Unreadable(_) => &c::C013,
    };
    let diagnostic = Diagnostic::error(
        code,
        span,
        format!("import '{name}' was not read: {denied}"),
    );
    match denied {
        Denied::Outside => diagnostic.with_help(
            "rehearse reads only files inside the project (the folder holding rehearse.toml, else the checked path's folder); pass --allow-read DIR to widen it",
        ),
        _ => diagnostic,
    }
}

/// Cloudify reports every YAML syntax error as code -1.
pub fn with_yaml_peer(diagnostic: Diagnostic) -> Diagnostic {
    if diagnostic.peer.is_none() && diagnostic.is_error() {
        diagnostic.with_peer("-1")
    } else {
        diagnostic
    }
}

fn file_key(path: &Path) -> String {
    std::fs::canonicalize(path)
        .unwrap_or_else(|_| path.to_path_buf())
        .display()
        .to_string()
}

fn short(key: &str) -> String {
    Path::new(key)
        .file_name()
        .map_or_else(|| key.to_string(), |n| n.to_string_lossy().into_owned())
}

/// Checks Cloudify never made, over every blueprint read.
pub fn resolve(project: &Project, diagnostics: &mut Vec<Diagnostic>) {
    for blueprint in &project.cloudify {
        lint(blueprint, diagnostics);
    }
}

const EXECUTE_WORKFLOW: &str = "cloudify.policies.triggers.execute_workflow";

/// Fields every monitoring event carries, plus `diagnose` that the built-in policies add
/// (reference/cloudify/POLICIES.md §1.3, §2).
const EVENT_FIELDS: [&str; 11] = [
    "host",
    "service",
    "metric",
    "time",
    "ttl",
    "state",
    "node_id",
    "node_name",
    "deployment_id",
    "tags",
    "description",
];

fn lint(blueprint: &Blueprint, diagnostics: &mut Vec<Diagnostic>) {
    for group in &blueprint.groups {
        let monitored = !group.policies.is_empty();
        for (member, span) in &group.members {
            if let (true, Member::Group(inner)) = (monitored, member) {
                let inner = blueprint
                    .groups
                    .get(inner.0)
                    .map_or("", |g| g.name.as_str());
                diagnostics.push(
                    Diagnostic::warning(
                        &c::C405,
                        *span,
                        format!(
                            "group '{}' has monitoring policies but its member '{inner}' is a group; policies match events by node name, so the nodes of '{inner}' are never watched",
                            group.name
                        ),
                    )
                    .with_help(format!("list the nodes of '{inner}' as members of '{}' directly", group.name)),
                );
            }
        }
        for policy in &group.policies {
            for trigger in &policy.triggers {
                check_event_fields(policy.kind, &trigger.parameters, diagnostics);
                if trigger.type_name == EXECUTE_WORKFLOW {
                    check_execute_workflow(
                        blueprint,
                        &trigger.parameters,
                        trigger.span,
                        diagnostics,
                    );
                }
            }
        }
    }
}

fn check_event_fields(
    kind: PolicyKind,
    parameters: &indexmap::IndexMap<String, Node>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    if kind == PolicyKind::Custom {
        return;
    }
    fn walk(node: &Node, diagnostics: &mut Vec<Diagnostic>) {
        match &node.value {
            Value::Map(map) => {
                if let [(key, args)] = map.entries.as_slice() {
                    if key.as_str() == Some("get_property") {
                        if let Some([this, field]) = args.as_seq() {
                            if this.as_str() == Some("SELF") {
                                if let Some(field_name) = field.as_str() {
                                    if field_name != "diagnose"
                                        && !EVENT_FIELDS.contains(&field_name)
                                    {
                                        let mut d = Diagnostic::warning(
                                            &c::C404,
                                            field.span,
                                            format!("policy events have no field '{field_name}'; this parameter is null when the trigger runs"),
                                        );
                                        d = d.with_help(match field_name {
                                            "failing_node" => "the failing node instance's id is the event's 'node_id' (Cloudify removed 'failing_node' in 2015)".to_string(),
                                            _ => format!("event fields: {}, diagnose", EVENT_FIELDS.join(", ")),
                                        });
                                        diagnostics.push(d);
                                    }
                                }
                            }
                        }
                        return;
                    }
                }
                for (_, value) in map.iter() {
                    walk(value, diagnostics);
                }
            }
            Value::Seq(items) => {
                for item in items {
                    walk(item, diagnostics);
                }
            }
            _ => {}
        }
    }
    for value in parameters.values() {
        walk(value, diagnostics);
    }
}

fn check_execute_workflow(
    blueprint: &Blueprint,
    parameters: &indexmap::IndexMap<String, Node>,
    trigger_span: Span,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let Some(workflow_node) = parameters.get("workflow") else {
        return;
    };
    let Some(workflow_name) = workflow_node.as_str() else {
        return;
    };
    let Some(workflow) = blueprint.workflows.get(workflow_name) else {
        let known: Vec<&str> = blueprint.workflows.keys().map(String::as_str).collect();
        let mut d = Diagnostic::error(
            &c::C401,
            workflow_node.span,
            format!("the trigger executes workflow '{workflow_name}', which the blueprint does not define"),
        );
        d = d.with_help(if matches!(workflow_name, "autoheal" | "auto_heal") {
            "the built-in healing workflow is 'heal'".to_string()
        } else if known.is_empty() {
            "the blueprint defines no workflows; import Cloudify's types.yaml for install, heal, scale, ...".to_string()
        } else {
            format!("defined workflows: {}", known.join(", "))
        });
        diagnostics.push(d);
        return;
    };
    let allow_custom = parameters
        .get("allow_custom_parameters")
        .and_then(Node::as_bool)
        .unwrap_or(false);
    let given = parameters.get("workflow_parameters");
    let given_map = given.and_then(Node::as_map);
    if let Some(map) = given_map {
        for (key, _) in map.iter() {
            let Some(name) = key.as_str() else { continue };
            if workflow.parameters.contains_key(name) || allow_custom {
                continue;
            }
            let mut d = Diagnostic::error(
                &c::C402,
                key.span,
                format!("workflow '{workflow_name}' has no parameter '{name}'; the manager refuses to start the execution"),
            );
            if name == "node_id" && workflow.parameters.contains_key("node_instance_id") {
                d = d.with_help("the parameter is 'node_instance_id' (renamed from 'node_id'); pass {get_property: [SELF, node_id]} to it");
            } else {
                let known: Vec<&str> = workflow.parameters.keys().map(String::as_str).collect();
                d = d.with_help(format!(
                    "parameters of '{workflow_name}': {}",
                    known.join(", ")
                ));
            }
            diagnostics.push(d);
        }
    }
    for (name, parameter) in &workflow.parameters {
        let given = given_map.is_some_and(|m| m.contains_key(name));
        if !given && parameter.default.is_none() && parameter.required {
            diagnostics.push(
                Diagnostic::error(
                    &c::C403,
                    trigger_span,
                    format!("the trigger runs workflow '{workflow_name}' without its mandatory parameter '{name}'"),
                )
                .with_help(format!("add '{name}' under workflow_parameters")),
            );
        }
    }
    if workflow_name == "scale" {
        check_scale_target(blueprint, given_map, diagnostics);
    }
}

fn check_scale_target(
    blueprint: &Blueprint,
    given: Option<&crate::syntax::Mapping>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let Some(entity) = given.and_then(|m| m.get("scalable_entity_name")) else {
        return;
    };
    let Some(name) = entity.as_str() else {
        return;
    };
    let scaling_group = blueprint.scaling_policies.iter().find(|p| {
        p.targets
            .iter()
            .any(|(g, _)| blueprint.groups.get(g.0).is_some_and(|g| g.name == name))
    });
    let instances = match (scaling_group, blueprint.node(name)) {
        (Some(policy), _) => &policy.instances,
        (None, Some(node)) => &blueprint.nodes[node.0].instances,
        (None, None) => {
            diagnostics.push(
                Diagnostic::error(
                    &c::C406,
                    entity.span,
                    format!("'{name}' is neither a node template nor a scaling group; the scale workflow fails with \"No scalable entity named {name} was found\""),
                )
                .with_help("name a node template or a group targeted by a cloudify.policies.scaling policy"),
            );
            return;
        }
    };
    let bounded_min = matches!(instances.min, Count::Fixed(m) if m > 0);
    if instances.max.is_some() || bounded_min {
        diagnostics.push(
            Diagnostic::warning(
                &c::C407,
                entity.span,
                format!("'{name}' declares min_instances/max_instances, but the scale workflow never enforces them; automatic scaling can go past them"),
            )
            .with_help("bound the trigger yourself (e.g. a threshold policy on the instance count), or accept unbounded scaling"),
        );
    }
}
