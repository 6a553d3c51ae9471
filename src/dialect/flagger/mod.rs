//! The Flagger dialect (`flagger.app/v1beta1` Canary, MetricTemplate, AlertProvider): one
//! document → its CRD-schema findings and the typed object. Flagger validates nothing beyond
//! the CRD schema; the rules of flagger issue #312 and what the scheduler implies run in
//! `check::flagger`.

use crate::diag::codes::f;
use crate::diag::Diagnostic;
use crate::dialect::rollout::crd;
use crate::dialect::rollout::read::{boolean, duration, get, int, meta, seq, string};
use crate::dialect::rollout::{schema_diagnostic, SchemaCodes};
use crate::ir::rollout::{Canary, FlaggerAnalysis, FlaggerMetric, NamedObject, Objects, Webhook};
use crate::ir::Spanned;
use crate::syntax::{Document, Node};
use serde_json::Value as Json;
use std::sync::OnceLock;

fn bundle() -> &'static Json {
    static BUNDLE: OnceLock<Json> = OnceLock::new();
    BUNDLE.get_or_init(|| crd::load_bundle(include_str!("crds.json")))
}

const CODES: &SchemaCodes = &SchemaCodes {
    unknown: &f::F001,
    wrong_type: &f::F002,
    missing: &f::F003,
    not_in_enum: &f::F004,
    out_of_range: &f::F005,
    one_of: &f::F006,
    unknown_peer: "unknown field \"{}\"",
};

/// Reads one Flagger document into `objects`, reporting schema findings.
pub fn read_document(
    document: &Document,
    objects: &mut Objects,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let root = &document.root;
    let Some(map) = root.as_map() else {
        diagnostics.push(Diagnostic::error(
            &f::F002,
            root.span,
            format!(
                "a Flagger object must be a mapping, not {}",
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
            diagnostics.push(schema_diagnostic(&issue, CODES));
        }
    }
    let meta = meta(root);
    if meta.name.is_none() {
        diagnostics.push(Diagnostic::error(
            &f::F007,
            map.get("metadata").map_or(root.span, |m| m.span),
            format!("this {kind} has no metadata.name"),
        ));
    }
    match kind.as_str() {
        "Canary" => objects.canaries.push(canary(root, meta)),
        "MetricTemplate" => objects.metric_templates.push(NamedObject {
            meta,
            root: root.clone(),
        }),
        "AlertProvider" => objects.alert_providers.push(NamedObject {
            meta,
            root: root.clone(),
        }),
        _ => {}
    }
}

fn canary(root: &Node, meta: crate::ir::rollout::Meta) -> Canary {
    let spec = get(root, "spec");
    let at = |key: &str| spec.and_then(|s| get(s, key));
    // `analysis` wins over the deprecated `canaryAnalysis`.
    let analysis_node = at("analysis").or_else(|| at("canaryAnalysis"));
    Canary {
        meta,
        root: root.clone(),
        target: string(at("targetRef").and_then(|t| get(t, "name"))),
        provider: at("provider").and_then(Node::scalar_text),
        progress_deadline_seconds: int(at("progressDeadlineSeconds")),
        skip_analysis: boolean(at("skipAnalysis")),
        analysis: analysis_node.map(analysis),
    }
}

fn number(node: Option<&Node>) -> Option<f64> {
    node?.as_f64()
}

fn analysis(node: &Node) -> FlaggerAnalysis {
    let at = |key: &str| get(node, key);
    let step_weights = at("stepWeights").and_then(|n| {
        let values: Option<Vec<i64>> = n.as_seq()?.iter().map(Node::as_i64).collect();
        Some(Spanned::new(values?, n.span))
    });
    FlaggerAnalysis {
        span: node.span,
        interval: duration(at("interval")),
        threshold: int(at("threshold")),
        max_weight: int(at("maxWeight")),
        step_weight: int(at("stepWeight")),
        step_weights,
        step_weight_promotion: at("stepWeightPromotion").and_then(Node::as_i64),
        iterations: int(at("iterations")),
        match_count: seq(at("match")).len(),
        match_span: at("match").map(|m| m.span),
        mirror: boolean(at("mirror")),
        metrics: seq(at("metrics"))
            .iter()
            .map(|m| {
                let range = get(m, "thresholdRange");
                FlaggerMetric {
                    span: m.span,
                    name: string(get(m, "name")),
                    interval: duration(get(m, "interval")),
                    has_query: get(m, "query").is_some(),
                    template_ref: string(get(m, "templateRef").and_then(|t| get(t, "name"))),
                    threshold_min: number(range.and_then(|r| get(r, "min"))),
                    threshold_max: number(range.and_then(|r| get(r, "max"))),
                    threshold: number(get(m, "threshold")),
                }
            })
            .collect(),
        webhooks: seq(at("webhooks"))
            .iter()
            .map(|w| Webhook {
                span: w.span,
                name: get(w, "name")
                    .and_then(Node::scalar_text)
                    .unwrap_or_default(),
                kind: get(w, "type")
                    .and_then(Node::scalar_text)
                    .unwrap_or_default(),
                url: string(get(w, "url")),
            })
            .collect(),
    }
}
