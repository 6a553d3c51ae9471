//! The Vamp dialect: one reader per artifact kind over spanned [`Node`] trees, mirroring the
//! Scala readers of Vamp 0.9.5 (reference/vamp/SPEC.md): short forms expanded, unconsumed keys
//! rejected, then each artifact's validation rules. Cross-document resolution (references,
//! duplicates, dependency cycles, deployments) is `check::vamp`.

pub mod blueprint;
pub mod breed;
pub mod codes;
pub mod gateway;
pub mod grammar;
pub mod reader;
pub mod scale;
pub mod selector;
pub mod sla;
pub mod workflow;

use crate::diag::Diagnostic;
use crate::dialect::VampKind;
use crate::ir::vamp::{Artifacts, Origin, Removal, Spanned};
use crate::syntax::{Document, Value};
use reader::{Cx, MapReader};

/// Reads one document as a `kind` artifact into `artifacts`, whether `kind` was detected or
/// chosen with `--kind` (a different `kind:` in the document is then an error).
pub fn read_document(
    document: &Document,
    kind: VampKind,
    artifacts: &mut Artifacts,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let mut cx = Cx { diagnostics };
    // A single-artifact reader also accepts a one-element list.
    let root = match &document.root.value {
        Value::Seq(items) if items.len() == 1 => &items[0],
        _ => &document.root,
    };
    let Some(map) = MapReader::new(root, "") else {
        cx.type_error(root, "/", "a mapping");
        return;
    };
    let origin = Origin {
        span: root.span,
        document: document.index,
    };
    if !kind_is_consistent(&mut cx, &map, kind) {
        return;
    }
    // Also under `--kind`: a document gets the same findings whether its kind was detected or
    // forced.
    if is_removal(&map) {
        if let Some(name) = map.peek("name").and_then(|n| n.scalar_text()) {
            let span = map.peek("name").map_or(root.span, |n| n.span);
            artifacts.removals.push(Removal {
                kind,
                name: Spanned::new(name, span),
                origin,
            });
        }
        return;
    }
    match kind {
        VampKind::Breed => {
            if let Some(breed) = breed::read_breed(&mut cx, &map, Some(origin)) {
                artifacts.breeds.push(breed);
            }
        }
        VampKind::Blueprint => {
            if let Some(bp) = blueprint::read_blueprint(&mut cx, &map, Some(origin), false) {
                artifacts.blueprints.push(bp);
            }
        }
        VampKind::Deployment => {
            if let Some(bp) = blueprint::read_blueprint(&mut cx, &map, Some(origin), true) {
                artifacts.deployment_requests.push(bp);
            }
        }
        VampKind::Gateway => {
            if let Some(gateway) = gateway::read_gateway(&mut cx, &map, origin) {
                artifacts.gateways.push(gateway);
            }
        }
        VampKind::Workflow => {
            if let Some(workflow) = workflow::read_workflow(&mut cx, &map, origin) {
                artifacts.workflows.push(workflow);
            }
        }
        VampKind::Scale => {
            if let Some(scale) = scale::read_scale(&mut cx, &map, Some(origin)) {
                artifacts.scales.push(scale);
            }
        }
        VampKind::Sla => {
            if let Some(sla) = sla::read_sla(&mut cx, &map, Some(origin)) {
                artifacts.slas.push(sla);
            }
        }
        VampKind::Escalation => {
            if let Some(escalation) = sla::read_escalation(&mut cx, &map, Some(origin)) {
                artifacts.escalations.push(escalation);
            }
        }
        VampKind::Condition => {
            if let Some(condition) = gateway::read_condition(&mut cx, &map, origin) {
                artifacts.conditions.push(condition);
            }
        }
    }
}

/// A document of exactly `kind` and `name` is the body of a DELETE request in Vamp's
/// recipes. Anything more (`metadata`, even `clusters:` with no value) is an artifact to read:
/// Vamp's readers would refuse a blueprint without clusters (`NoServiceError`). Looks without
/// consuming: the document's keys are still to be read (and checked) after.
fn is_removal(map: &MapReader<'_>) -> bool {
    map.len() == 2 && map.has("kind") && map.has("name")
}

/// `kind:` must name the artifact being read (plural forms accepted; a deployment request
/// may say `blueprint`).
fn kind_is_consistent(cx: &mut Cx<'_>, map: &MapReader<'_>, kind: VampKind) -> bool {
    let Some(node) = map.peek("kind") else {
        return true;
    };
    let given = node.scalar_text().unwrap_or_default();
    let found = VampKind::from_kind_value(&given);
    let consistent = match (found, kind) {
        (Some(f), k) if f == k => true,
        (Some(VampKind::Blueprint), VampKind::Deployment)
        | (Some(VampKind::Deployment), VampKind::Blueprint) => true,
        _ => false,
    };
    if !consistent {
        cx.error(
            &codes::V008,
            node.span,
            format!(
                "Inconsistent kind: given '{given}' but found '{}'.",
                kind.as_str()
            ),
        )
        .help(format!(
            "this document is read as a {}; fix `kind:` or check it as a {given}",
            kind.as_str()
        ));
    }
    consistent
}
