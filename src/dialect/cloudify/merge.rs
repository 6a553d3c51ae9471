//! Merging a blueprint's imported files into its main file, by Cloudify's rules (SPEC.md §1.2:
//! codes 3, 4, 28).

use super::schema;
use crate::diag::codes::c;
use crate::diag::Diagnostic;
use crate::ir::cloudify::DslVersion;
use crate::source::Span;
use crate::syntax::{Mapping, Node, Value};

/// Sections whose entries merge across files (a name defined twice is code 4).
const MERGEABLE: [&str; 9] = [
    "interfaces",
    "node_types",
    "plugins",
    "workflows",
    "relationships",
    "policy_types",
    "groups",
    "policy_triggers",
    "data_types",
];

/// Mergeable from cloudify_dsl_1_3 on.
const MERGEABLE_FROM_1_3: [&str; 7] = [
    "inputs",
    "outputs",
    "node_templates",
    "capabilities",
    "blueprint_labels",
    "labels",
    "resource_tags",
];

/// Sections whose first definition wins: a later file's value is ignored (cloudify-common
/// 7.0.5 `imports.py` DONT_OVERWRITE).
const FIRST_WINS: [&str; 2] = ["description", "metadata"];

/// Keys an imported file may have that are ignored.
const IGNORED_IN_IMPORTS: [&str; 3] = ["dsl_definitions", "imports", "tosca_definitions_version"];

/// One imported file, in merge order.
pub struct Imported<'a> {
    /// The import as written (shown in messages).
    pub name: String,
    /// Where the import was listed.
    pub listed_at: Span,
    pub root: &'a Node,
}

/// Merges the imports into the main file's top-level mapping.
pub fn merge(
    main: &Mapping,
    version: DslVersion,
    version_text: &str,
    imports: &[Imported],
    diags: &mut Vec<Diagnostic>,
) -> Mapping {
    let mut combined = main.clone();
    for import in imports {
        let Some(map) = import.root.as_map() else {
            if !import.root.is_null() {
                diags.push(schema::error(
                    &c::C121,
                    import.root.span,
                    format!(
                        "Expected 'dict' type but found '{}' type",
                        schema::py_type(import.root)
                    ),
                ));
            }
            continue;
        };
        // 7.0.5 `_can_import_version`: a file of the same or an older version may be imported.
        if let Some(other) = map.get("tosca_definitions_version").and_then(Node::as_str) {
            if DslVersion::parse(other).is_none_or(|imported| imported > version) {
                diags.push(schema::error(
                    &c::C028,
                    import.listed_at,
                    format!(
                        "An import uses a different tosca_definitions_version than the one defined in the main blueprint's file: main blueprint's file version is '{version_text}', import with different version is '{}', version of problematic import is '{other}'",
                        import.name
                    ),
                ));
            }
        }
        for (key, value) in map.iter() {
            let Some(name) = key.as_str() else { continue };
            if IGNORED_IN_IMPORTS.contains(&name) {
                continue;
            }
            let mergeable = MERGEABLE.contains(&name)
                || (version >= DslVersion::V1_3 && MERGEABLE_FROM_1_3.contains(&name));
            let existing = combined
                .entries
                .iter_mut()
                .find(|(k, _)| k.as_str() == Some(name));
            match existing {
                None => combined.entries.push((key.clone(), value.clone())),
                Some((_, current)) if current.is_null() => *current = value.clone(),
                Some(_) if value.is_null() => {}
                Some(_) if FIRST_WINS.contains(&name) => {}
                Some((_, current)) if mergeable => {
                    merge_section(name, current, value, is_cloudify_types(map), diags)
                }
                Some(_) => {
                    let mut message = format!("Import failed: non-mergeable field: '{name}'");
                    if MERGEABLE_FROM_1_3.contains(&name) {
                        message.push_str(&format!(
                            ". {name} can be imported multiple times only from cloudify_dsl_1_3 and above."
                        ));
                    }
                    diags.push(schema::error(&c::C003, key.span, message));
                }
            }
        }
    }
    combined
}

/// Whether a file is Cloudify's own types (7.0.5 `is_cloudify_basic_types`): it says so in
/// its metadata, or it defines `cloudify.nodes.Root`.
fn is_cloudify_types(map: &Mapping) -> bool {
    let flagged = map
        .get("metadata")
        .and_then(Node::as_map)
        .and_then(|m| m.get("cloudify_types"))
        .and_then(Node::as_bool)
        .unwrap_or(false);
    flagged
        || map
            .get("node_types")
            .and_then(Node::as_map)
            .is_some_and(|types| types.contains_key("cloudify.nodes.Root"))
}

/// Sections a plugin may repeat entries of: the first definition stays.
const FIRST_ENTRY_WINS: [&str; 3] = ["blueprint_labels", "labels", "resource_tags"];

/// Merges one section's entries. A name defined twice is code 4, except (cloudify-common
/// 7.0.5 `_merge_into_dict_or_throw_on_duplicate`): Cloudify's own types and any name starting
/// with `cloudify.` replace the earlier definition; labels and tags keep the first; a
/// workflow defined twice gains the keys it lacked.
fn merge_section(
    section: &str,
    current: &mut Node,
    incoming: &Node,
    from_cloudify_types: bool,
    diags: &mut Vec<Diagnostic>,
) {
    let (Value::Map(target), Value::Map(source)) = (&mut current.value, &incoming.value) else {
        // A malformed section is reported when it is read; keep the first.
        return;
    };
    for (key, value) in source.iter() {
        let name = key.key_text();
        let Some(index) = target
            .entries
            .iter()
            .position(|(k, _)| k.key_text() == name)
        else {
            target.entries.push((key.clone(), value.clone()));
            continue;
        };
        let text = name.unwrap_or_default();
        if from_cloudify_types || text.starts_with("cloudify.") {
            target.entries[index] = (key.clone(), value.clone());
        } else if FIRST_ENTRY_WINS.contains(&section) {
        } else if section == "workflows" {
            let existing = &mut target.entries[index].1;
            if let (Value::Map(have), Value::Map(more)) = (&mut existing.value, &value.value) {
                for (k, v) in more.iter() {
                    if !have
                        .entries
                        .iter()
                        .any(|(h, _)| h.key_text() == k.key_text())
                    {
                        have.entries.push((k.clone(), v.clone()));
                    }
                }
            }
        } else {
            diags.push(schema::error(
                &c::C004,
                key.span,
                format!("Import failed: Could not merge '{section}' due to conflict on '{text}'"),
            ));
        }
    }
}
