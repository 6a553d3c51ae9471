//! KrakenD checks that follow data across a config: url_pattern variables against the params
//! their endpoint or workflow declares (lura's K007/K008, plus `respN_`, JWT and EE variables),
//! workflow params and timeouts down the nesting, and route collisions in KrakenD's router.

use crate::diag::{codes::k, Diagnostic};
use crate::dialect::krakend as dialect;
use crate::dialect::krakend::flexible;
use crate::ir::krakend::{Backend, Config, Endpoint, ExtraConfig, Spanned};
use crate::source::{FileId, Span};
use crate::syntax::url_pattern::{Part, VarKind};
use crate::syntax::Document;

/// Reads one KrakenD document and runs the single-config checks on it.
pub fn read_document(
    document: &Document,
    configs: &mut Vec<Config>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let (config, found) = dialect::read(&document.root);
    diagnostics.extend(found);
    if let Some(config) = config {
        check_config(&config, diagnostics);
        configs.push(config);
    }
}

/// A flexible-config template after rendering: the source files its text came from (index =
/// the rendering's file index), and the rendered file with its documents when it rendered.
pub struct RenderedTemplate {
    pub files: Vec<FileId>,
    pub output: Option<(FileId, Vec<Document>)>,
    rendered: Option<flexible::Rendered>,
}

/// Adds the files a rendering read to the source map: the template under the path the user
/// gave, then each settings file, partial and sub-template under its own path.
fn add_template_files(
    sources: &mut crate::source::SourceMap,
    template_path: &str,
    files: &[(String, String)],
) -> Vec<FileId> {
    files
        .iter()
        .enumerate()
        .map(|(i, (path, text))| {
            let shown = if i == 0 { template_path } else { path };
            sources.add(shown, text.clone())
        })
        .collect()
}

/// Renders a KrakenD flexible-config template (see `dialect::krakend::flexible`). A template
/// that does not render is K034 (KrakenD cannot render it either) or K035 (rehearse cannot),
/// pointing where it failed; the rendered config is parsed as JSON, as KrakenD writes it to a
/// `.json` file before parsing.
pub fn render_template(
    input: &crate::check::Input,
    fc: &flexible::FlexibleConfig,
    sandbox: &crate::sandbox::Sandbox,
    sources: &mut crate::source::SourceMap,
    limits: &crate::syntax::Limits,
    diagnostics: &mut Vec<Diagnostic>,
) -> RenderedTemplate {
    let text = String::from_utf8_lossy(&input.bytes).into_owned();
    match flexible::render(&input.path, &text, fc, sandbox) {
        Err(failure) => {
            let files = add_template_files(sources, &input.path, &failure.files);
            let file = files
                .get(failure.fail.file)
                .or(files.first())
                .copied()
                .unwrap_or_else(|| sources.add(input.path.clone(), text.clone()));
            let at = failure.fail.at.min(sources.get(file).text.len());
            let span = Span::new(file, at, at);
            let diagnostic = if failure.fail.unsupported {
                Diagnostic::warning(
                    &k::K035,
                    span,
                    format!("the template is not rendered: {}", failure.fail.message),
                )
                .with_help("KrakenD may render it; rehearse checks nothing in this config")
            } else {
                Diagnostic::error(
                    &k::K034,
                    span,
                    format!("the template does not render: {}", failure.fail.message),
                )
                .with_help("KrakenD logs this and then parses the template itself as the config, which fails")
            };
            diagnostics.push(diagnostic);
            RenderedTemplate {
                files,
                output: None,
                rendered: None,
            }
        }
        Ok(rendered) => {
            let files = add_template_files(sources, &input.path, &rendered.files);
            let (file, parsed) = crate::syntax::load(
                sources,
                &format!("{} (rendered)", input.path),
                rendered.text.clone().into_bytes(),
                crate::syntax::Format::Json,
                limits,
            );
            diagnostics.extend(parsed.diagnostics);
            require_document(file, parsed.documents.len(), diagnostics);
            RenderedTemplate {
                files,
                output: Some((file, parsed.documents)),
                rendered: Some(rendered),
            }
        }
    }
}

/// Moves every span in a rendered template to the template, partial or sub-template byte it
/// came from (a value printed by an action points at the action).
pub fn map_to_templates(diagnostics: &mut [Diagnostic], renderings: &[RenderedTemplate]) {
    for rendering in renderings {
        let (Some((output, _)), Some(rendered)) = (&rendering.output, &rendering.rendered) else {
            continue;
        };
        let map = |span: Span| -> Span {
            if span.file != *output {
                return span;
            }
            let Some((index, range)) = rendered.origin(span.start as usize) else {
                return span;
            };
            let Some(file) = rendering.files.get(index) else {
                return span;
            };
            let end = (range.start + span.len()).min(range.end).max(range.start);
            let exact = rendered
                .segments
                .iter()
                .any(|s| s.exact && s.output.contains(&(span.start as usize)));
            if exact {
                Span::new(*file, range.start, end)
            } else {
                Span::new(*file, range.start, range.end)
            }
        };
        for diagnostic in diagnostics.iter_mut() {
            diagnostic.span = map(diagnostic.span);
            for label in &mut diagnostic.labels {
                label.span = map(label.span);
            }
        }
    }
}

/// A file read as KrakenD with no document and no syntax error (an empty or blank file): lura's
/// parser fails with `unexpected end of JSON input`.
pub fn require_document(file: FileId, documents: usize, diagnostics: &mut Vec<Diagnostic>) {
    let has_error = diagnostics
        .iter()
        .any(|d| d.span.file == file && d.is_error());
    if documents == 0 && !has_error {
        diagnostics.push(
            Diagnostic::error(
                &k::K009,
                Span::point(file, 0),
                "unexpected end of JSON input: the file holds no config",
            )
            .with_peer("unexpected end of JSON input"),
        );
    }
}

pub fn check_config(config: &Config, diagnostics: &mut Vec<Diagnostic>) {
    for endpoint in &config.endpoints {
        let context = Container {
            label: format!("{} {}", endpoint.method.value, gin_path(endpoint)),
            params: &endpoint.params,
            sequential: endpoint.extra_config.proxy.sequential,
            jwt_validator: endpoint.extra_config.jwt_validator,
            enterprise: false,
            timeout: endpoint.timeout.value,
            extra: &endpoint.extra_config,
        };
        check_backends(&context, &endpoint.backends, diagnostics);
    }
    check_routes(config, diagnostics);
}

/// An endpoint or a workflow: what its backends may use.
struct Container<'a> {
    /// `GET /users/:id`, as lura prints it.
    label: String,
    params: &'a [String],
    sequential: bool,
    /// `auth/validator` on the endpoint that receives the request.
    jwt_validator: bool,
    /// Inside a workflow, which only KrakenD Enterprise runs anyway.
    enterprise: bool,
    timeout: u64,
    extra: &'a ExtraConfig,
}

fn check_backends(context: &Container, backends: &[Backend], diagnostics: &mut Vec<Diagnostic>) {
    check_propagated(context, backends.len(), diagnostics);
    for (index, backend) in backends.iter().enumerate() {
        check_variables(context, index, backend, diagnostics);
        if let Some(workflow) = &backend.workflow {
            if workflow.timeout_explicit && workflow.timeout.value >= context.timeout {
                diagnostics.push(
                    Diagnostic::warning(
                        &k::K014,
                        workflow.timeout.span,
                        format!(
                            "the workflow timeout ({}) is not smaller than its parent's ({}): the parent gives up first",
                            format_duration(workflow.timeout.value),
                            format_duration(context.timeout)
                        ),
                    )
                    .with_help("make the workflow timeout smaller than the endpoint's, as the schema asks"),
                );
            }
            for var in workflow.pattern.endpoint_params(true) {
                if !context.params.contains(&var.name) {
                    diagnostics.push(
                        Diagnostic::warning(
                            &k::K021,
                            sub_span(&workflow.endpoint, var.span.clone()),
                            format!(
                                "the workflow declares `{{{}}}`, which its parent ({}) does not provide: nested backends get the literal placeholder",
                                var.name, context.label
                            ),
                        ),
                    );
                }
            }
            let nested = Container {
                label: format!("workflow {}", workflow.endpoint.value),
                params: &workflow.params,
                sequential: workflow.extra_config.proxy.sequential,
                jwt_validator: context.jwt_validator,
                enterprise: true,
                timeout: workflow.timeout.value,
                extra: &workflow.extra_config,
            };
            check_backends(&nested, &workflow.backends, diagnostics);
        }
    }
}

fn check_propagated(context: &Container, backends: usize, diagnostics: &mut Vec<Diagnostic>) {
    for entry in &context.extra.proxy.propagated_params {
        let rest = entry
            .value
            .strip_prefix("resp")
            .or_else(|| entry.value.strip_prefix("Resp"));
        let digits = rest.map_or("", |r| {
            let len = r.bytes().take_while(u8::is_ascii_digit).count();
            &r[..len]
        });
        let problem = if digits.is_empty() {
            Some("must be `respN` or `respN_field`".to_string())
        } else {
            match digits.parse::<usize>() {
                Ok(n) if n < backends => None,
                Ok(n) => Some(format!("names backend {n}, but there are {backends}")),
                Err(_) => Some("names no backend".to_string()),
            }
        };
        if let Some(problem) = problem {
            diagnostics.push(Diagnostic::warning(
                &k::K022,
                entry.span,
                format!(
                    "sequential_propagated_params entry `{}` {problem}",
                    entry.value
                ),
            ));
        }
    }
}

fn check_variables(
    context: &Container,
    index: usize,
    backend: &Backend,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let mut outputs: Vec<&str> = Vec::new();
    let mut undefined = Vec::new();
    for var in backend.pattern.vars() {
        if outputs.contains(&var.name.as_str()) {
            continue;
        }
        outputs.push(&var.name);
        let at = sub_span(&backend.url_pattern, var.span.clone());
        match &var.kind {
            VarKind::Param => {
                if !context.params.contains(&var.name) {
                    undefined.push((var.name.as_str(), at));
                }
            }
            VarKind::Sequential { backend: n, .. } => {
                if !context.sequential {
                    diagnostics.push(
                        Diagnostic::warning(
                            &k::K012,
                            at,
                            format!(
                                "`{{{}}}` reads a previous backend's response, but {} does not run its backends sequentially: the placeholder is sent literally",
                                var.name, context.label
                            ),
                        )
                        .with_help("set `\"proxy\": {\"sequential\": true}` in its extra_config"),
                    );
                } else if n.is_none_or(|n| n >= index) {
                    let which =
                        n.map_or_else(|| "that backend".to_string(), |n| format!("backend {n}"));
                    diagnostics.push(
                        Diagnostic::error(
                            &k::K011,
                            at,
                            format!(
                                "`{{{}}}` in backend {index} reads {which}, which does not run before it: the value is never set",
                                var.name
                            ),
                        )
                        .with_help(if index == 0 {
                            "backend 0 runs first: no response exists yet".to_string()
                        } else {
                            format!(
                                "backend {index} can only use responses of backends 0 to {}",
                                index - 1
                            )
                        }),
                    );
                }
            }
            VarKind::Jwt { .. } => {
                if !context.jwt_validator {
                    diagnostics.push(
                        Diagnostic::warning(
                            &k::K015,
                            at,
                            format!(
                                "`{{{}}}` needs a validated token, but the endpoint has no `auth/validator`: the literal placeholder is sent",
                                var.name
                            ),
                        )
                        .with_help("add `auth/validator` to the endpoint's extra_config"),
                    );
                }
            }
            VarKind::InputHeader { .. } | VarKind::InputQuery { .. } => {
                if !context.enterprise {
                    diagnostics.push(Diagnostic::warning(
                        &k::K020,
                        at,
                        format!(
                            "`{{{}}}` (dynamic routing) needs KrakenD Enterprise; KrakenD CE fails with `undefined output param '{}'`",
                            var.name, var.name
                        ),
                    ));
                }
            }
        }
    }

    let mut inputs: Vec<&str> = context.params.iter().map(String::as_str).collect();
    inputs.sort_unstable();
    inputs.dedup();
    let mut sorted_outputs = outputs.clone();
    sorted_outputs.sort_unstable();
    let plain_outputs = backend
        .pattern
        .vars()
        .filter(|v| v.kind == VarKind::Param)
        .map(|v| v.name.as_str())
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    let detail = format!(
        "endpoint: {}, backend: {index}. input: [{}], output: [{}]",
        context.label,
        inputs.join(" "),
        sorted_outputs.join(" ")
    );
    // What lura itself prints for this backend (KrakenD CE; workflows are Enterprise's).
    let lura = (!context.enterprise)
        .then(|| lura_params_error(&inputs, &sorted_outputs, &detail))
        .flatten();
    if plain_outputs > inputs.len() {
        let mut diagnostic = Diagnostic::error(
            &k::K007,
            backend.url_pattern.span,
            format!("input and output params do not match. {detail}"),
        )
        .with_help(format!(
            "the url_pattern uses {plain_outputs} params, the endpoint declares {}",
            inputs.len()
        ));
        if let Some(lura) = &lura {
            diagnostic = diagnostic.with_peer(lura.clone());
        }
        for (name, at) in &undefined {
            diagnostic = diagnostic.with_label(*at, format!("`{name}` is not declared"));
        }
        diagnostics.push(diagnostic);
        return;
    }
    for (name, at) in undefined {
        let message = format!("undefined output param '{name}'! {detail}");
        let mut diagnostic = Diagnostic::error(&k::K008, at, message.clone()).with_help(format!(
            "declare `{{{name}}}` in the {} path, or use a `respN_` / `JWT.` variable",
            if context.enterprise {
                "workflow"
            } else {
                "endpoint"
            }
        ));
        // lura stops at its first error: only that param carries lura's text.
        if lura.as_deref() == Some(message.as_str()) {
            diagnostic = diagnostic.with_peer(message);
        }
        diagnostics.push(diagnostic);
    }
}

/// lura's `sequentialParamsPattern` `^(resp[\d]+_.+)?(JWT\.([\w\-\.:/]+))?$`: a placeholder
/// its param checks let through.
fn lura_passes(output: &str) -> bool {
    if output.is_empty() {
        return true;
    }
    if let Some(rest) = output.strip_prefix("resp") {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 && rest[digits..].len() > 1 && rest[digits..].starts_with('_') {
            return true;
        }
    }
    output.strip_prefix("JWT.").is_some_and(|claim| {
        !claim.is_empty()
            && claim
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"_-.:/".contains(&b))
    })
}

/// The error lura's `initBackendURLMappings` returns for one backend, if any: its
/// `uniqueOutput` counts the distinct placeholders that are not sequential/JWT ones but skips
/// the last distinct one in sort order, so `/a` → `/b/{id}` is not "do not match" (0 > 0 is
/// false) but `undefined output param 'id'!`.
fn lura_params_error(inputs: &[&str], sorted_outputs: &[&str], detail: &str) -> Option<String> {
    let counted = sorted_outputs
        .iter()
        .take(sorted_outputs.len().saturating_sub(1))
        .filter(|o| !lura_passes(o))
        .count();
    if counted > inputs.len() {
        return Some(format!("input and output params do not match. {detail}"));
    }
    sorted_outputs
        .iter()
        .find(|o| !lura_passes(o) && !inputs.contains(o))
        .map(|o| format!("undefined output param '{o}'! {detail}"))
}

/// A span inside a url_pattern / path string, when its written form lines up with its value.
fn sub_span(text: &Spanned<String>, range: std::ops::Range<usize>) -> Span {
    let span = text.span;
    let offset = if span.len() == text.value.len() {
        0
    } else if span.len() == text.value.len() + 2 {
        1
    } else {
        return span;
    };
    span.sub(range.start + offset..range.end + offset)
}

fn format_duration(nanos: u64) -> String {
    const UNITS: [(u64, &str); 5] = [
        (3_600_000_000_000, "h"),
        (60_000_000_000, "m"),
        (1_000_000_000, "s"),
        (1_000_000, "ms"),
        (1_000, "us"),
    ];
    for (size, unit) in UNITS {
        if nanos >= size && nanos % size == 0 {
            return format!("{}{unit}", nanos / size);
        }
    }
    format!("{nanos}ns")
}

/// The path as KrakenD registers it in gin: declared params become `:name`.
fn gin_path(endpoint: &Endpoint) -> String {
    let mut out = String::new();
    for part in &endpoint.pattern.parts {
        match part {
            Part::Literal { text, .. } => out.push_str(text),
            Part::Var(var) if endpoint.params.contains(&var.name) => {
                out.push(':');
                out.push_str(&var.name);
            }
            Part::Var(var) => {
                out.push('{');
                out.push_str(&var.name);
                out.push('}');
            }
        }
    }
    out
}

#[derive(Debug, PartialEq, Eq)]
enum Segment<'a> {
    Static(&'a str),
    Param(&'a str),
    CatchAll,
}

fn segments(path: &str) -> Vec<Segment<'_>> {
    path.split('/')
        .skip(1)
        .map(|s| {
            if let Some(name) = s.strip_prefix(':') {
                Segment::Param(name)
            } else if s.starts_with('*') {
                Segment::CatchAll
            } else {
                Segment::Static(s)
            }
        })
        .collect()
}

/// One node of a per-method route tree, as gin builds it segment by segment.
#[derive(Default)]
struct RouteNode {
    /// The endpoint whose registration created this node.
    owner: usize,
    statics: std::collections::BTreeMap<String, usize>,
    param: Option<(String, usize)>,
    catch_all: Option<usize>,
    /// The endpoint registered at exactly this path.
    terminal: Option<usize>,
}

/// A route gin refuses: the endpoint registered first, our reason, and gin's panic message when
/// rehearse knows its exact text.
struct Conflict {
    earlier: usize,
    reason: String,
    gin: Option<String>,
}

/// Route trees, one per method; inserting a route says whether gin would panic and which
/// earlier endpoint it collides with. Linear in the total number of segments.
#[derive(Default)]
struct Router {
    nodes: Vec<RouteNode>,
    roots: std::collections::BTreeMap<String, usize>,
}

impl Router {
    fn child(&mut self, owner: usize) -> usize {
        self.nodes.push(RouteNode {
            owner,
            ..RouteNode::default()
        });
        self.nodes.len() - 1
    }

    /// Registers `path` for `method` on behalf of endpoint `owner`; on a conflict returns the
    /// earlier endpoint and the reason, registering nothing.
    #[cfg(test)]
    fn insert(&mut self, method: &str, path: &str, owner: usize) -> Option<(usize, String)> {
        self.insert_route(method, path, owner)
            .map(|conflict| (conflict.earlier, conflict.reason))
    }

    fn insert_route(&mut self, method: &str, path: &str, owner: usize) -> Option<Conflict> {
        let root = match self.roots.get(method) {
            Some(root) => *root,
            None => {
                let root = self.child(owner);
                self.roots.insert(method.to_string(), root);
                root
            }
        };
        let mut at = root;
        for segment in segments(path) {
            if let Some(other) = self.nodes[at].catch_all {
                return Some(Conflict {
                    earlier: self.nodes[other].owner,
                    reason: "a catch-all conflicts with any other route at the same position"
                        .to_string(),
                    gin: None,
                });
            }
            at = match segment {
                Segment::Static(name) => match self.nodes[at].statics.get(name) {
                    Some(next) => *next,
                    None => {
                        let next = self.child(owner);
                        self.nodes[at].statics.insert(name.to_string(), next);
                        next
                    }
                },
                Segment::Param(name) => match &self.nodes[at].param {
                    Some((existing, next)) if existing == name => *next,
                    Some((existing, next)) => {
                        // gin's tree.go: the new segment, then the new path up to it plus the
                        // existing wildcard as the "existing prefix".
                        let segment = format!(":{name}");
                        let before = path.find(&segment).map_or(path, |at| &path[..at]);
                        return Some(Conflict {
                            earlier: self.nodes[*next].owner,
                            reason: format!(
                                "':{name}' conflicts with the wildcard ':{existing}' at the same position"
                            ),
                            gin: Some(format!(
                                "'{segment}' in new path '{path}' conflicts with existing wildcard ':{existing}' in existing prefix '{before}:{existing}'"
                            )),
                        });
                    }
                    None => {
                        let next = self.child(owner);
                        self.nodes[at].param = Some((name.to_string(), next));
                        next
                    }
                },
                Segment::CatchAll => {
                    let node = &self.nodes[at];
                    let sibling = node
                        .statics
                        .values()
                        .next()
                        .copied()
                        .or(node.param.as_ref().map(|(_, next)| *next));
                    if let Some(sibling) = sibling {
                        return Some(Conflict {
                            earlier: self.nodes[sibling].owner,
                            reason:
                                "a catch-all conflicts with any other route at the same position"
                                    .to_string(),
                            gin: None,
                        });
                    }
                    let next = self.child(owner);
                    self.nodes[at].catch_all = Some(next);
                    next
                }
            };
        }
        if let Some(other) = self.nodes[at].terminal {
            return Some(Conflict {
                earlier: other,
                reason: "handlers are already registered for this path".to_string(),
                gin: Some(format!("handlers are already registered for path '{path}'")),
            });
        }
        self.nodes[at].terminal = Some(owner);
        None
    }
}

fn check_routes(config: &Config, diagnostics: &mut Vec<Diagnostic>) {
    let mut router = Router::default();
    for (index, endpoint) in config.endpoints.iter().enumerate() {
        let method = endpoint.method.value.as_str();
        if !["GET", "POST", "PUT", "PATCH", "DELETE"].contains(&method) {
            continue;
        }
        let Some(Conflict {
            earlier,
            reason,
            gin,
        }) = router.insert_route(method, &gin_path(endpoint), index)
        else {
            continue;
        };
        let Some(earlier) = config.endpoints.get(earlier) else {
            continue;
        };
        let mut diagnostic = Diagnostic::error(
            &k::K010,
            endpoint.path.span,
            format!(
                "{method} {} collides with {} {} in KrakenD's router: {reason}",
                endpoint.path.value, earlier.method.value, earlier.path.value
            ),
        )
        .with_label(earlier.path.span, "registered first here")
        .with_help("KrakenD panics at startup; `krakend check` without `-t` does not notice");
        if let Some(gin) = gin {
            diagnostic = diagnostic.with_peer(gin);
        }
        diagnostics.push(diagnostic);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gin_route_rules() {
        let conflict = |a: &str, b: &str| {
            let mut router = Router::default();
            assert!(router.insert("GET", a, 0).is_none());
            router.insert("GET", b, 1).map(|(_, reason)| reason)
        };
        assert!(conflict("/a/:id", "/a/:id").is_some());
        assert!(conflict("/a/:id", "/a/:name").is_some());
        assert!(conflict("/a/:id/x", "/a/:name/y").is_some());
        assert!(conflict("/a/*", "/a/b").is_some());
        assert!(conflict("/a/search", "/a/:id").is_none());
        assert!(conflict("/a", "/a/b").is_none());
        assert!(conflict("/a/:id", "/b/:name").is_none());
    }

    #[test]
    fn durations_print_compactly() {
        assert_eq!(format_duration(2_000_000_000), "2s");
        assert_eq!(format_duration(1_500_000_000), "1500ms");
        assert_eq!(format_duration(90_000_000_000), "90s");
        assert_eq!(format_duration(7), "7ns");
    }
}
