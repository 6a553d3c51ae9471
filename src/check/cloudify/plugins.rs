//! The local plugin cache: `<dir>/<plugin repository name>/<version>/plugin*.yaml`, the layout
//! `oracles/cloudify_parse_offline.py --plugins` reads. A manager would download a plugin's
//! plugin.yaml; rehearse never uses the network, so the user fills this folder once.

use crate::config::ProjectConfig;
use crate::ir::cloudify::DslVersion;
use std::path::{Path, PathBuf};

/// Environment variable naming the plugin cache when neither the options nor a
/// rehearse.toml do.
pub const ENV: &str = "REHEARSE_CLOUDIFY_PLUGINS";

/// A plugin an import asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PluginRequest {
    /// The plugin's repository name, e.g. `cloudify-aws-plugin`.
    pub name: String,
    /// An exact version, or `None` for the newest in the cache (a `>=` constraint, none).
    pub version: Option<String>,
}

impl PluginRequest {
    /// Reads the import forms that name a plugin:
    /// `plugin:NAME[?version=V]`, `https://raw.githubusercontent.com/<owner>/NAME/V/plugin*.yaml`
    /// and `http[s]://[www.]getcloudify.org/spec/<short>-plugin/V/plugin.yaml`.
    pub fn parse(import: &str) -> Option<PluginRequest> {
        if let Some(rest) = import.strip_prefix("plugin:") {
            let (name, query) = rest.split_once('?').unwrap_or((rest, ""));
            let version = query
                .split('&')
                .filter_map(|part| part.strip_prefix("version="))
                .find_map(exact_version);
            return Some(PluginRequest {
                name: name.trim().to_string(),
                version,
            });
        }
        let rest = import
            .strip_prefix("https://")
            .or_else(|| import.strip_prefix("http://"))?;
        let parts: Vec<&str> = rest.split('/').collect();
        match parts.as_slice() {
            ["raw.githubusercontent.com", _owner, name, version, file] if is_plugin_file(file) => {
                Some(PluginRequest {
                    name: name.to_string(),
                    version: Some(version.to_string()),
                })
            }
            [host, "spec", short, version, "plugin.yaml"]
                if matches!(*host, "getcloudify.org" | "www.getcloudify.org") =>
            {
                let short = short.strip_suffix("-plugin")?;
                Some(PluginRequest {
                    name: format!("cloudify-{short}-plugin"),
                    version: Some(version.to_string()),
                })
            }
            _ => None,
        }
    }

    /// The plugin.yaml this request reads from the cache under `dir`: the exact version, or
    /// the newest one; plugin_1_5.yaml / plugin_1_4.yaml for blueprints of those versions.
    pub fn find(&self, dir: &Path, dsl: DslVersion) -> Option<PathBuf> {
        let base = dir.join(&self.name);
        let version = match &self.version {
            Some(v) => v.clone(),
            None => newest_version(&base)?,
        };
        let folder = base.join(version);
        let mut files: Vec<PathBuf> = std::fs::read_dir(&folder)
            .ok()?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.is_file()
                    && p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(is_plugin_file)
            })
            .collect();
        files.sort();
        let preferred = [
            format!("plugin_{}_{}.yaml", dsl.major, dsl.minor),
            "plugin.yaml".to_string(),
        ];
        preferred
            .iter()
            .find_map(|name| {
                files
                    .iter()
                    .find(|p| p.file_name().is_some_and(|n| n == name.as_str()))
            })
            .or_else(|| files.first())
            .cloned()
    }
}

fn is_plugin_file(name: &str) -> bool {
    name.starts_with("plugin") && name.ends_with(".yaml") && !name.contains('/')
}

/// `==1.2`, `1.2`: an exact version; anything else (`>=1.2`, ranges) asks for the newest.
fn exact_version(constraint: &str) -> Option<String> {
    let c = constraint.trim();
    let c = c.strip_prefix("==").unwrap_or(c).trim();
    let exact = c.starts_with(|ch: char| ch.is_ascii_digit())
        && c.chars()
            .all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '.' | '-' | '_'));
    exact.then(|| c.to_string())
}

/// Versions compare part by part, numbers numerically (`1.10` after `1.9`); a part that is
/// not a number sorts before every number.
fn version_key(version: &str) -> Vec<(u64, String)> {
    version
        .split(['.', '-'])
        .map(|part| match part.parse::<u64>() {
            Ok(n) => (n + 1, String::new()),
            Err(_) => (0, part.to_string()),
        })
        .collect()
}

fn newest_version(base: &Path) -> Option<String> {
    std::fs::read_dir(base)
        .ok()?
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .max_by_key(|v| version_key(v))
}

/// The plugin cache for a blueprint: the options' (rehearse.toml, wired by the caller), then
/// `$REHEARSE_CLOUDIFY_PLUGINS`, then the `[cloudify] plugins` of the nearest rehearse.toml
/// above the blueprint.
pub fn cache_dir(configured: Option<&Path>, blueprint: &Path) -> Option<PathBuf> {
    if let Some(dir) = configured {
        return Some(dir.to_path_buf());
    }
    if let Some(dir) = std::env::var_os(ENV).filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    let start = std::fs::canonicalize(blueprint).ok()?;
    start.ancestors().skip(1).find_map(|root| {
        let config = ProjectConfig::load(root)?.ok()?;
        config.cloudify.plugins.map(|p| root.join(p))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(name: &str, version: Option<&str>) -> Option<PluginRequest> {
        Some(PluginRequest {
            name: name.to_string(),
            version: version.map(str::to_string),
        })
    }

    #[test]
    fn import_forms() {
        assert_eq!(
            PluginRequest::parse("plugin:cloudify-aws-plugin?version= >=2.5.6"),
            request("cloudify-aws-plugin", None)
        );
        assert_eq!(
            PluginRequest::parse("plugin:cloudify-aws-plugin?version===3.0.1"),
            request("cloudify-aws-plugin", Some("3.0.1"))
        );
        assert_eq!(
            PluginRequest::parse("plugin:cloudify-utilities-plugin"),
            request("cloudify-utilities-plugin", None)
        );
        assert_eq!(
            PluginRequest::parse(
                "http://www.getcloudify.org/spec/openstack-plugin/1.3/plugin.yaml"
            ),
            request("cloudify-openstack-plugin", Some("1.3"))
        );
        assert_eq!(
            PluginRequest::parse(
                "https://raw.githubusercontent.com/cloudify-cosmo/cloudify-vsphere-plugin/2.3.0/plugin.yaml"
            ),
            request("cloudify-vsphere-plugin", Some("2.3.0"))
        );
        assert_eq!(
            PluginRequest::parse("http://www.getcloudify.org/spec/cloudify/4.3/types.yaml"),
            None
        );
        assert_eq!(PluginRequest::parse("imports/x.yaml"), None);
    }

    #[test]
    fn versions_compare_numerically() {
        assert!(version_key("1.10") > version_key("1.9"));
        assert!(version_key("2.0.1") > version_key("2.0"));
        assert!(version_key("1.0") > version_key("master"));
    }
}
