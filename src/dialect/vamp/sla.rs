//! SLAs and escalations (SPEC §9).

use super::breed::ALWAYS_ALLOWED;
use super::grammar;
use super::reader::{as_list, value_string, Cx, MapReader, WeakRef};
use super::scale::unit;
use crate::ir::vamp::{
    ArtifactName, Escalation, EscalationKind, EscalationRef, Origin, Sla, SlaKind, SlaRef, Spanned,
};
use crate::syntax::{Node, Value};

/// An SLA written in full (`name` required for SLA documents).
pub fn read_sla(cx: &mut Cx<'_>, map: &MapReader<'_>, origin: Option<Origin>) -> Option<Sla> {
    let name = if origin.is_some() {
        cx.name(map)
    } else {
        map.get("name").and_then(|n| cx.string(n, "name"))
    };
    let kind_node = cx.required(map, "type")?;
    let kind_text = cx.string(kind_node, "type")?.value;
    let escalations = map
        .get("escalations")
        .map(|node| read_escalation_list(cx, node, &map.child_path("escalations")))
        .unwrap_or_default();
    if origin.is_some() {
        cx.metadata(map);
    }
    let kind = match kind_text.as_str() {
        "response_time_sliding_window" => {
            let [upper, lower] = ints_in(cx, map, "threshold", ["upper", "lower"]);
            let [interval, cooldown] = ints_in(cx, map, "window", ["interval", "cooldown"]);
            map.finish(cx, ALWAYS_ALLOWED);
            SlaKind::ResponseTimeSlidingWindow {
                upper_ms: upper?,
                lower_ms: lower?,
                interval_s: interval?,
                cooldown_s: cooldown?,
            }
        }
        "escalation_only" => {
            map.finish(cx, ALWAYS_ALLOWED);
            SlaKind::EscalationOnly
        }
        _ => SlaKind::Generic {
            kind: kind_text,
            parameters: parameters(map),
        },
    };
    Some(Sla {
        name: name.map(|n| Spanned::new(ArtifactName(n.value), n.span)),
        kind,
        escalations,
        span: map.node.span,
        origin,
    })
}

/// `group: {a: 1, b: 2}` read as two required integers. Vamp reads `group/a` as a path, so
/// a `group` that is not a mapping is `UnexpectedInnerElementError`, and any other key inside
/// it is unconsumed (`UnexpectedElement`).
fn ints_in(cx: &mut Cx<'_>, map: &MapReader<'_>, group: &str, keys: [&str; 2]) -> [Option<i64>; 2] {
    let missing = |cx: &mut Cx<'_>| {
        for key in keys {
            cx.missing(map, &format!("{group}/{key}"));
        }
        [None, None]
    };
    let Some(node) = map.get(group) else {
        return missing(cx);
    };
    let Some(inner) = MapReader::new(node, &map.child_path(group)) else {
        cx.error(
            &super::codes::V003,
            node.span,
            format!(
                "Can't find a nested element for path '{group}': found {}.",
                node.type_name()
            ),
        )
        .help(format!(
            "`{group}` must be a mapping, e.g. `{group}: {{{}: 1, {}: 1}}`",
            keys[0], keys[1]
        ));
        return [None, None];
    };
    let values = keys.map(|key| match inner.get(key) {
        Some(value) => cx.int(value, &format!("{group}/{key}")).map(|i| i.value),
        None => {
            cx.missing(map, &format!("{group}/{key}"));
            None
        }
    });
    inner.finish(cx, &[]);
    values
}

/// Remaining keys as text parameters (Vamp's generic SLAs and escalations).
fn parameters(map: &MapReader<'_>) -> Vec<(String, String)> {
    map.remaining()
        .into_iter()
        .filter(|(k, _, _)| !ALWAYS_ALLOWED.contains(&k.as_str()))
        .map(|(k, _, v)| (k, value_string(v)))
        .collect()
}

/// `sla: name`, `{reference: name, escalations: [...]}` or an inline SLA.
pub fn read_sla_ref(cx: &mut Cx<'_>, node: &Node, path: &str) -> Option<SlaRef> {
    match cx.weak_reference(node, path, "sla")? {
        WeakRef::Reference(name, map) => {
            let escalations = map
                .as_ref()
                .and_then(|m| m.get("escalations"))
                .map(|n| read_escalation_list(cx, n, &format!("{path}/escalations")))
                .unwrap_or_default();
            if let Some(map) = map {
                map.finish(cx, ALWAYS_ALLOWED);
            }
            Some(SlaRef::Reference {
                name: Spanned::new(ArtifactName(name.value), name.span),
                escalations,
            })
        }
        WeakRef::Inline(map) => read_sla(cx, &map, None).map(SlaRef::Inline),
    }
}

/// An SLA's `escalations`: a list is wrapped in one `to_all`, a single item is a list of one.
pub fn read_escalation_list(cx: &mut Cx<'_>, node: &Node, path: &str) -> Vec<EscalationRef> {
    let items: Vec<EscalationRef> = as_list(node)
        .into_iter()
        .enumerate()
        .filter_map(|(i, item)| read_escalation_ref(cx, item, &format!("{path}/{i}")))
        .collect();
    if matches!(node.value, Value::Seq(_)) {
        vec![EscalationRef::Inline(Escalation {
            name: None,
            kind: EscalationKind::ToAll(items),
            span: node.span,
            origin: None,
        })]
    } else {
        items
    }
}

pub fn read_escalation_ref(cx: &mut Cx<'_>, node: &Node, path: &str) -> Option<EscalationRef> {
    // `to_one: [...]` / `to_all: [...]` shorthands.
    if let Some(map) = node.as_map() {
        if map.len() == 1 {
            if let Some((key, value)) = map.entries.first() {
                let key = key.key_text().unwrap_or_default();
                if key == "to_one" || key == "to_all" {
                    let group = read_group(cx, value, &format!("{path}/{key}"));
                    let kind = if key == "to_one" {
                        EscalationKind::ToOne(group)
                    } else {
                        EscalationKind::ToAll(group)
                    };
                    return Some(EscalationRef::Inline(Escalation {
                        name: None,
                        kind,
                        span: node.span,
                        origin: None,
                    }));
                }
            }
        }
    }
    match cx.weak_reference(node, path, "escalation")? {
        WeakRef::Reference(name, map) => {
            if let Some(map) = map {
                map.finish(cx, ALWAYS_ALLOWED);
            }
            Some(EscalationRef::Reference(Spanned::new(
                ArtifactName(name.value),
                name.span,
            )))
        }
        WeakRef::Inline(map) => read_escalation(cx, &map, None).map(EscalationRef::Inline),
    }
}

/// The members of a `to_one`/`to_all` group: a list, or `{escalations: [...]}`.
fn read_group(cx: &mut Cx<'_>, node: &Node, path: &str) -> Vec<EscalationRef> {
    let list = match node.as_map() {
        Some(_) => {
            let Some(map) = MapReader::new(node, path) else {
                return Vec::new();
            };
            let inner = map.get("escalations");
            map.finish(cx, ALWAYS_ALLOWED);
            match inner {
                Some(inner) => inner,
                None => return Vec::new(),
            }
        }
        None => node,
    };
    as_list(list)
        .into_iter()
        .enumerate()
        .filter_map(|(i, item)| read_escalation_ref(cx, item, &format!("{path}/{i}")))
        .collect()
}

/// An escalation written in full.
pub fn read_escalation(
    cx: &mut Cx<'_>,
    map: &MapReader<'_>,
    origin: Option<Origin>,
) -> Option<Escalation> {
    let name = if origin.is_some() { cx.name(map) } else { None };
    let kind_node = cx.required(map, "type")?;
    let kind_text = cx.string(kind_node, "type")?.value;
    if origin.is_some() {
        cx.metadata(map);
    }
    let target = map.get("target").and_then(|t| cx.string(t, "target"));
    let kind = match kind_text.as_str() {
        "scale_instances" => {
            let minimum = req_int(cx, map, "minimum");
            let maximum = req_int(cx, map, "maximum");
            let scale_by = req_int(cx, map, "scale_by");
            EscalationKind::ScaleInstances {
                minimum: minimum?,
                maximum: maximum?,
                scale_by: scale_by?,
                target,
            }
        }
        "scale_cpu" => {
            let minimum = req_unit(cx, map, "minimum", grammar::cpu_millis);
            let maximum = req_unit(cx, map, "maximum", grammar::cpu_millis);
            let scale_by = req_unit(cx, map, "scale_by", grammar::cpu_millis);
            EscalationKind::ScaleCpu {
                minimum: minimum?,
                maximum: maximum?,
                scale_by: scale_by?,
                target,
            }
        }
        "scale_memory" => {
            // Plain numbers of megabytes here (Vamp reads Doubles).
            let minimum = req_megabytes(cx, map, "minimum");
            let maximum = req_megabytes(cx, map, "maximum");
            let scale_by = req_megabytes(cx, map, "scale_by");
            EscalationKind::ScaleMemory {
                minimum: minimum?,
                maximum: maximum?,
                scale_by: scale_by?,
                target,
            }
        }
        "to_all" | "to_one" => {
            let group = map
                .get("escalations")
                .map(|n| read_group(cx, n, &map.child_path("escalations")))
                .unwrap_or_default();
            if kind_text == "to_all" {
                EscalationKind::ToAll(group)
            } else {
                EscalationKind::ToOne(group)
            }
        }
        _ => {
            let mut parameters = parameters(map);
            if let Some(t) = &target {
                parameters.push(("target".to_string(), t.value.clone()));
            }
            EscalationKind::Generic {
                kind: kind_text,
                parameters,
            }
        }
    };
    map.finish(cx, ALWAYS_ALLOWED);
    Some(Escalation {
        name: name.map(|n| Spanned::new(ArtifactName(n.value), n.span)),
        kind,
        span: map.node.span,
        origin,
    })
}

fn req_int(cx: &mut Cx<'_>, map: &MapReader<'_>, key: &str) -> Option<i64> {
    let node = cx.required(map, key)?;
    cx.int(node, key).map(|i| i.value)
}

fn req_unit(
    cx: &mut Cx<'_>,
    map: &MapReader<'_>,
    key: &str,
    parse: fn(&str) -> Result<i64, grammar::ScalarError>,
) -> Option<i64> {
    let node = cx.required(map, key)?;
    unit(cx, node, key, parse, "a number").map(|v| v.value)
}

fn req_megabytes(cx: &mut Cx<'_>, map: &MapReader<'_>, key: &str) -> Option<u64> {
    let node = cx.required(map, key)?;
    let megabytes = cx.double(node, key)?;
    if megabytes.value < 0.0 {
        cx.type_error(node, key, "a positive number of megabytes");
        return None;
    }
    Some((megabytes.value * 1_048_576.0).round() as u64)
}
