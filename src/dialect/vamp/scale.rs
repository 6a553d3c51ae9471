//! Scales (SPEC §3): cpu, memory and instance count, by name or inline.

use super::breed::{scalar_sub_span, ALWAYS_ALLOWED};
use super::codes;
use super::grammar::{self, ScalarError};
use super::reader::{Cx, MapReader, WeakRef};
use crate::ir::vamp::{ArtifactName, Origin, Scale, ScaleRef, Spanned};
use crate::syntax::Node;

/// A scale written in full; `name` is required for scale documents only.
pub fn read_scale(cx: &mut Cx<'_>, map: &MapReader<'_>, origin: Option<Origin>) -> Option<Scale> {
    let name = if origin.is_some() { cx.name(map) } else { None };
    let cpu = cx.required(map, "cpu").and_then(|n| {
        unit(
            cx,
            n,
            "cpu",
            grammar::cpu_millis,
            "a cpu quantity such as `0.5`",
        )
    });
    let memory = cx.required(map, "memory").and_then(|n| {
        unit(
            cx,
            n,
            "memory",
            grammar::megabytes_as_bytes,
            "memory such as `128MB`",
        )
    });
    let instances = match map.get("instances") {
        Some(node) => cx.int(node, "instances"),
        None => Some(Spanned::new(1, map.node.span)),
    };
    if origin.is_some() {
        cx.metadata(map);
    }
    map.finish(cx, ALWAYS_ALLOWED);
    Some(Scale {
        name: name.map(|n| Spanned::new(ArtifactName(n.value), n.span)),
        cpu_millis: cpu?,
        memory_bytes: memory?,
        instances: instances?,
        span: map.node.span,
        origin,
    })
}

/// `scale: large`, `{reference: large}` or an inline scale.
pub fn read_scale_ref(cx: &mut Cx<'_>, node: &Node, path: &str) -> Option<ScaleRef> {
    match cx.weak_reference(node, path, "scale")? {
        WeakRef::Reference(name, map) => {
            if let Some(map) = map {
                map.finish(cx, ALWAYS_ALLOWED);
            }
            Some(ScaleRef::Reference(Spanned::new(
                ArtifactName(name.value),
                name.span,
            )))
        }
        WeakRef::Inline(map) => read_scale(cx, &map, None).map(ScaleRef::Inline),
    }
}

/// A unit value read from any scalar, with the grammar's error pointing into it.
pub fn unit<T>(
    cx: &mut Cx<'_>,
    node: &Node,
    path: &str,
    parse: fn(&str) -> Result<T, ScalarError>,
    expected: &str,
) -> Option<Spanned<T>> {
    let Some(text) = node.scalar_text() else {
        cx.type_error(node, path, expected);
        return None;
    };
    match parse(&text) {
        Ok(value) => Some(Spanned::new(value, node.span)),
        Err(error) => {
            cx.error(
                &codes::V002,
                scalar_sub_span(node, &text, error.range),
                format!("Unexpected type for path '{path}': {}.", error.message),
            )
            .help(format!("write {expected}"));
            None
        }
    }
}
