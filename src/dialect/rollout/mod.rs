//! The Argo Rollouts dialect (`argoproj.io/v1alpha1` Rollout, AnalysisTemplate,
//! ClusterAnalysisTemplate, AnalysisRun): one document → its CRD-schema findings and the
//! typed object in [`ir::rollout`](crate::ir::rollout). The lint rules, metric validation and
//! references between objects run in `check::rollout`.

pub mod crd;
pub mod read;

use crate::diag::codes::r;
use crate::diag::{Code, Diagnostic};
use crate::ir::rollout::Objects;
use crate::syntax::Document;
use crd::IssueKind;
use serde_json::Value as Json;
use std::sync::OnceLock;

/// The pruned Argo Rollouts CRD schemas (`tools/crd/prune.py`).
fn bundle() -> &'static Json {
    static BUNDLE: OnceLock<Json> = OnceLock::new();
    BUNDLE.get_or_init(|| crd::load_bundle(include_str!("crds.json")))
}

/// Reads one Argo Rollouts document into `objects`, reporting schema findings.
pub fn read_document(
    document: &Document,
    objects: &mut Objects,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let root = &document.root;
    let Some(map) = root.as_map() else {
        diagnostics.push(Diagnostic::error(
            &r::R002,
            root.span,
            format!(
                "an Argo Rollouts object must be a mapping, not {}",
                root.type_name()
            ),
        ));
        return;
    };
    let kind = map
        .get("kind")
        .and_then(|k| k.scalar_text())
        .unwrap_or_default();
    if let Some(schema) = crd::schema_of(bundle(), &kind) {
        for issue in crd::validate(schema, root) {
            diagnostics.push(schema_diagnostic(&issue, SchemaCodes::ARGO));
        }
    }
    let meta = read::meta(root);
    let has_generate_name = map
        .get("metadata")
        .and_then(|m| m.as_map())
        .is_some_and(|m| m.contains_key("generateName"));
    if meta.name.is_none() && !has_generate_name {
        diagnostics.push(
            Diagnostic::error(
                &r::R006,
                map.get("metadata").map_or(root.span, |m| m.span),
                format!("this {kind} has no metadata.name"),
            )
            .with_help("Kubernetes objects need a name (or generateName for AnalysisRuns)"),
        );
    }
    match kind.as_str() {
        "Rollout" => objects.rollouts.push(read::rollout(root, meta)),
        "AnalysisTemplate" | "ClusterAnalysisTemplate" => objects.templates.push(read::template(
            root,
            meta,
            kind == "ClusterAnalysisTemplate",
        )),
        "AnalysisRun" => objects.runs.push(read::run(root, meta)),
        _ => {}
    }
}

/// Keeps a Kubernetes object of a kind rollouts reference (a Service, an Ingress, ...): it is
/// not checked, only read when a rollout or canary names it.
pub fn keep_object(kind: &str, document: &Document, objects: &mut Objects) {
    if crate::ir::rollout::REFERENCED_KINDS.contains(&kind) {
        objects.kubernetes.push(crate::ir::rollout::KubeObject {
            kind: kind.to_string(),
            meta: read::meta(&document.root),
            root: document.root.clone(),
        });
    }
}

/// The codes one dialect uses for schema findings.
pub struct SchemaCodes {
    pub unknown: &'static Code,
    pub wrong_type: &'static Code,
    pub missing: &'static Code,
    pub not_in_enum: &'static Code,
    pub out_of_range: &'static Code,
    pub one_of: &'static Code,
    /// The peer's message for an unknown field, `{}` standing for the key.
    pub unknown_peer: &'static str,
}

impl SchemaCodes {
    pub const ARGO: &'static SchemaCodes = &SchemaCodes {
        unknown: &r::R001,
        wrong_type: &r::R002,
        missing: &r::R003,
        not_in_enum: &r::R004,
        out_of_range: &r::R005,
        one_of: &r::R005,
        unknown_peer: "error unmarshaling JSON: while decoding JSON: json: unknown field \"{}\"",
    };
}

/// A schema issue as a diagnostic of the dialect's family.
pub fn schema_diagnostic(issue: &crd::Issue, codes: &SchemaCodes) -> Diagnostic {
    let code = match issue.kind {
        IssueKind::UnknownField => codes.unknown,
        IssueKind::WrongType => codes.wrong_type,
        IssueKind::MissingRequired => codes.missing,
        IssueKind::NotInEnum => codes.not_in_enum,
        IssueKind::OutOfRange => codes.out_of_range,
        IssueKind::OneOf => codes.one_of,
    };
    let diagnostic = Diagnostic::error(code, issue.span, issue.message.clone());
    match issue.kind {
        IssueKind::UnknownField => diagnostic
            .with_peer(codes.unknown_peer.replace("{}", &issue.field))
            .with_help("check the spelling and the indentation against the CRD"),
        _ => diagnostic,
    }
}
