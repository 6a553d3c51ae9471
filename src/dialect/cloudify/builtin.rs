//! The definitions blueprints import from Cloudify's well-known `types.yaml` URLs, per manager
//! version, shipped inside the binary so such imports resolve offline.
//!
//! `builtin/types.cfy` holds them compactly (see tools/cloudify_builtin_types.py): a base
//! version, then each later version's changes definition by definition. A version's
//! definitions are rebuilt from it as a YAML document, which the blueprint then imports like
//! any other file.

use indexmap::IndexMap;
use std::sync::OnceLock;

/// The compact definitions of every manager version.
const TYPES_CFY: &str = include_str!("builtin/types.cfy");

/// The path the built-in files are shown under in reports.
pub const TYPES_PATH: &str = "<builtin>/cloudify";

/// The relative import a manager resolves to its own types (its `resources_base_path`).
pub const MANAGER_RESOURCE_TYPES: &str = "cloudify/types/types.yaml";

/// Name of the manager's own resource types in types.cfy.
const RESOURCES: &str = "resources";

/// Hosts that served Cloudify's spec files.
const SPEC_HOSTS: [&str; 5] = [
    "getcloudify.org",
    "www.getcloudify.org",
    "getcloudify.org.s3.amazonaws.com",
    "cloudify.co",
    "www.cloudify.co",
];

/// One manager version's definitions (an index into types.cfy's versions).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ManagerVersion(usize);

/// One change of a version: a definition set (with its JSON text) or removed (`None`).
type Change = (&'static str, &'static str, Option<&'static str>);

/// One manager version in types.cfy.
struct Version {
    name: &'static str,
    /// The `tosca_definitions_version` its types.yaml declares, if any (imports are checked
    /// against it: code 28).
    dsl: Option<&'static str>,
    changes: Vec<Change>,
}

fn versions() -> &'static [Version] {
    static VERSIONS: OnceLock<Vec<Version>> = OnceLock::new();
    VERSIONS.get_or_init(|| {
        let mut out: Vec<Version> = Vec::new();
        for line in TYPES_CFY.lines() {
            if line.starts_with('#') || line.is_empty() {
                continue;
            }
            if let Some(header) = line.strip_prefix("= ") {
                let (name, dsl) = match header.split_once(' ') {
                    Some((name, dsl)) => (name, Some(dsl)),
                    None => (header, None),
                };
                out.push(Version {
                    name,
                    dsl,
                    changes: Vec::new(),
                });
                continue;
            }
            let Some(Version { changes, .. }) = out.last_mut() else {
                continue;
            };
            if let Some(rest) = line.strip_prefix("- ") {
                if let Some((section, name)) = rest.split_once(' ') {
                    changes.push((section, name, None));
                }
            } else {
                let mut parts = line.splitn(3, ' ');
                if let (Some(section), Some(name), Some(json)) =
                    (parts.next(), parts.next(), parts.next())
                {
                    changes.push((section, name, Some(json)));
                }
            }
        }
        out
    })
}

/// Versions compare part by part, numbers numerically; `dev` parts sort first.
fn version_key(version: &str) -> Vec<i64> {
    version
        .split(['.', '-'])
        .map(|part| part.parse::<i64>().unwrap_or(-1))
        .collect()
}

impl ManagerVersion {
    /// The manager's own `cloudify/types/types.yaml` (7.0.4 resources).
    pub fn resources() -> ManagerVersion {
        let index = versions()
            .iter()
            .position(|v| v.name == RESOURCES)
            .unwrap_or(0);
        ManagerVersion(index)
    }

    /// The definitions a URL of manager `version` serves: that version's, or the nearest
    /// older version we have (3.4.2 → 3.4); `master` is the newest snapshot.
    pub fn lookup(version: &str) -> ManagerVersion {
        let all = versions();
        if let Some(i) = all.iter().position(|v| v.name == version) {
            return ManagerVersion(i);
        }
        let wanted = version_key(version);
        let best = all
            .iter()
            .enumerate()
            .filter(|(_, v)| v.name != RESOURCES && v.name != "master")
            .filter(|(_, v)| version_key(v.name) <= wanted)
            .max_by_key(|(_, v)| version_key(v.name))
            .map(|(i, _)| i);
        ManagerVersion(best.unwrap_or(0))
    }

    pub fn name(self) -> &'static str {
        versions().get(self.0).map_or("", |v| v.name)
    }

    /// The `tosca_definitions_version` this version's types.yaml declares.
    pub fn dsl_version(self) -> Option<&'static str> {
        versions().get(self.0).and_then(|v| v.dsl)
    }

    /// Every version types.cfy holds, oldest first, `resources` last.
    pub fn all() -> Vec<ManagerVersion> {
        (0..versions().len()).map(ManagerVersion).collect()
    }

    /// The definitions, section → name → JSON text.
    pub fn definitions(self) -> IndexMap<&'static str, IndexMap<&'static str, &'static str>> {
        let mut sections: IndexMap<&str, IndexMap<&str, &str>> = IndexMap::new();
        for Version { changes, .. } in versions().iter().take(self.0 + 1) {
            for (section, name, json) in changes {
                let entries = sections.entry(section).or_default();
                match json {
                    Some(json) => {
                        entries.insert(name, json);
                    }
                    None => {
                        entries.shift_remove(name);
                    }
                }
            }
        }
        sections
    }
}

/// The definitions of `version` as a YAML document (flow JSON values under block sections).
pub fn types_yaml(version: ManagerVersion) -> String {
    let mut out = String::new();
    if let Some(dsl) = version.dsl_version() {
        out.push_str("tosca_definitions_version: ");
        out.push_str(dsl);
        out.push('\n');
    }
    for (section, entries) in version.definitions() {
        if entries.is_empty() {
            continue;
        }
        out.push_str(section);
        out.push_str(":\n");
        for (name, json) in entries {
            out.push_str("  ");
            out.push_str(name);
            out.push_str(": ");
            out.push_str(json);
            out.push('\n');
        }
    }
    out
}

/// The manager version a well-known Cloudify `types.yaml` URL names, e.g.
/// `http://www.getcloudify.org/spec/cloudify/3.4/types.yaml` or
/// `https://raw.githubusercontent.com/cloudify-cosmo/cloudify-manager/<tag>/resources/rest-service/cloudify/types/types.yaml`.
pub fn types_url_version(url: &str) -> Option<ManagerVersion> {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))?;
    let (host, path) = rest.split_once('/')?;
    let host = host.to_ascii_lowercase();
    let version = if SPEC_HOSTS.contains(&host.as_str()) {
        path.strip_prefix("spec/cloudify/")?
            .strip_suffix("/types.yaml")?
    } else if host == "raw.githubusercontent.com" {
        path.strip_prefix("cloudify-cosmo/cloudify-manager/")?
            .strip_suffix("/resources/rest-service/cloudify/types/types.yaml")?
    } else {
        return None;
    };
    (!version.is_empty() && !version.contains('/')).then(|| ManagerVersion::lookup(version))
}

/// Whether an import names a remote resource (rehearse never fetches one).
pub fn is_url(import: &str) -> bool {
    ["http://", "https://", "ftp://", "plugin:"]
        .iter()
        .any(|scheme| import.starts_with(scheme))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_known_types_urls() {
        let v = |url| types_url_version(url).map(ManagerVersion::name);
        assert_eq!(
            v("http://www.getcloudify.org/spec/cloudify/3.4/types.yaml"),
            Some("3.4")
        );
        assert_eq!(
            v("https://cloudify.co/spec/cloudify/4.3.3/types.yaml"),
            Some("4.3.3")
        );
        assert_eq!(
            v("http://www.getcloudify.org/spec/cloudify/3.4.2/types.yaml"),
            Some("3.4")
        );
        assert_eq!(
            v("https://raw.githubusercontent.com/cloudify-cosmo/cloudify-manager/4.6/resources/rest-service/cloudify/types/types.yaml"),
            Some("4.6")
        );
        assert_eq!(
            v("http://www.getcloudify.org/spec/openstack-plugin/1.3/plugin.yaml"),
            None
        );
        assert_eq!(v("http://evil.example/spec/cloudify/3.4/types.yaml"), None);
        assert!(is_url("https://example.com/x.yaml"));
        assert!(!is_url("imports/x.yaml"));
    }

    #[test]
    fn versions_build_on_each_other() {
        let old = ManagerVersion::lookup("3.2").definitions();
        let new = ManagerVersion::lookup("6.4.0").definitions();
        assert!(old["node_types"].contains_key("cloudify.nodes.Compute"));
        assert!(old.get("data_types").is_none_or(|d| d.is_empty()));
        assert!(new["data_types"].contains_key("cloudify.datatypes.AgentConfig"));
        assert_eq!(ManagerVersion::resources().name(), "resources");
    }

    #[test]
    fn versions_declare_their_dsl_version() {
        assert_eq!(ManagerVersion::lookup("3.2").dsl_version(), None);
        assert_eq!(
            ManagerVersion::lookup("4.0").dsl_version(),
            Some("cloudify_dsl_1_3")
        );
        assert_eq!(
            ManagerVersion::resources().dsl_version(),
            Some("cloudify_dsl_1_4")
        );
        assert!(types_yaml(ManagerVersion::lookup("6.2.0"))
            .starts_with("tosca_definitions_version: cloudify_dsl_1_3\n"));
    }
}
