//! The event bus: programs publish tagged events; event-scheduled programs run when an
//! event carries all their tags. Tags expand as Vamp expands them (reference/vamp SPEC §10):
//! `a:b` also tags the event `a`.

use super::engine::Nanos;
use std::collections::{BTreeMap, BTreeSet};

/// A published event.
#[derive(Clone, Debug, PartialEq)]
pub struct BusEvent {
    pub t: Nanos,
    pub tags: BTreeSet<String>,
    pub value: serde_json::Value,
    pub kind: String,
}

/// Expands `a:b` tags to also include `a`.
pub fn expand_tags<S: AsRef<str>>(tags: &[S]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for tag in tags {
        let tag = tag.as_ref();
        if let Some((prefix, _)) = tag.split_once(':') {
            out.insert(prefix.to_owned());
        }
        out.insert(tag.to_owned());
    }
    out
}

/// Whether an event with `event_tags` (already expanded) carries all `wanted` tags.
pub fn carries_all<S: AsRef<str>>(event_tags: &BTreeSet<String>, wanted: &[S]) -> bool {
    wanted.iter().all(|t| event_tags.contains(t.as_ref()))
}

/// The latest value per exact tag set (what Vamp's metrics API peeks), bounded by the
/// number of distinct tag sets the programs publish.
#[derive(Debug, Default)]
pub struct EventBus {
    latest: BTreeMap<BTreeSet<String>, BusEvent>,
    pub published: u64,
}

impl EventBus {
    pub fn publish(&mut self, event: BusEvent) {
        self.published += 1;
        self.latest.insert(event.tags.clone(), event);
    }

    /// The newest event whose tags include all of `wanted`.
    pub fn latest_with(&self, wanted: &[&str]) -> Option<&BusEvent> {
        self.latest
            .values()
            .filter(|e| carries_all(&e.tags, wanted))
            .max_by_key(|e| e.t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixed_tags_also_tag_their_prefix() {
        let tags = expand_tags(&["deployments:sava", "health", "routes:sava/sava/web"]);
        let list: Vec<&str> = tags.iter().map(String::as_str).collect();
        assert_eq!(
            list,
            vec![
                "deployments",
                "deployments:sava",
                "health",
                "routes",
                "routes:sava/sava/web"
            ]
        );
        assert!(carries_all(&tags, &["deployments", "health"]));
        assert!(!carries_all(&tags, &["deployments", "metrics"]));
    }
}
