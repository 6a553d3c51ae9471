//! Project settings: the `rehearse.toml` at a project's root (DESIGN §4).
//!
//! The file marks the project root (see [`crate::discover`]) and may hold one section per
//! concern. Every section and key is optional; an empty file is a valid project marker.
//!
//! ```toml
//! [check]
//! specs = ["deploy/**"]          # files that must be specs: an undetected kind is X001 there
//!
//! [krakend]                      # KrakenD flexible configuration (FC_SETTINGS, FC_PARTIALS, ...)
//! settings = "config/settings"
//! partials = "config/partials"
//! templates = "config/templates"
//!
//! [cloudify]
//! plugins = "plugins"            # local plugin cache: <dir>/<plugin repo>/<version>/plugin*.yaml
//! ```
//!
//! Paths are relative to the folder holding `rehearse.toml`. Unknown keys are kept out of the
//! typed settings and listed in [`ProjectConfig::unknown_keys`], so a typo can be warned about
//! without refusing a newer file.

use serde::Deserialize;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// The name of the settings file that marks a project root.
pub const FILE_NAME: &str = "rehearse.toml";

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProjectConfig {
    pub check: CheckConfig,
    pub krakend: KrakendConfig,
    pub cloudify: CloudifyConfig,
    /// Dotted paths of keys rehearse does not know (`check.spec`), in file order.
    pub unknown_keys: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct CheckConfig {
    /// Glob patterns (relative to the project root) of files that must be specs.
    pub specs: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct KrakendConfig {
    /// `FC_SETTINGS`: a folder of JSON files, each exposed to templates by its file stem.
    pub settings: Option<PathBuf>,
    /// `FC_PARTIALS`: a folder of files inserted verbatim by `{{ include "name" }}`.
    pub partials: Option<PathBuf>,
    /// `FC_TEMPLATES`: a folder of Go templates usable with `{{ template "name" . }}`.
    pub templates: Option<PathBuf>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct CloudifyConfig {
    /// The local plugin cache `plugin:NAME?version=V` imports resolve from.
    pub plugins: Option<PathBuf>,
}

/// A `rehearse.toml` that is not valid TOML or has a value of the wrong type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub message: String,
    /// Byte range in the file's text, when the TOML reader knows one.
    pub range: Option<Range<usize>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawConfig {
    check: CheckConfig,
    krakend: KrakendConfig,
    cloudify: CloudifyConfig,
}

const KNOWN_KEYS: &[(&str, &[&str])] = &[
    ("check", &["specs"]),
    ("krakend", &["settings", "partials", "templates"]),
    ("cloudify", &["plugins"]),
];

impl ProjectConfig {
    /// Reads the settings text of one `rehearse.toml`.
    pub fn parse(text: &str) -> Result<ProjectConfig, ConfigError> {
        let to_error = |e: toml::de::Error| ConfigError {
            message: e.message().to_string(),
            range: e.span(),
        };
        let table: toml::Table = toml::from_str(text).map_err(to_error)?;
        let raw: RawConfig = toml::from_str(text).map_err(to_error)?;
        Ok(ProjectConfig {
            check: raw.check,
            krakend: raw.krakend,
            cloudify: raw.cloudify,
            unknown_keys: unknown_keys(&table),
        })
    }

    /// Reads `<root>/rehearse.toml`: `None` when there is none (or it cannot be read; discovery
    /// reports unreadable files).
    pub fn load(root: &Path) -> Option<Result<ProjectConfig, ConfigError>> {
        let text = std::fs::read_to_string(root.join(FILE_NAME)).ok()?;
        Some(ProjectConfig::parse(&text))
    }
}

fn unknown_keys(table: &toml::Table) -> Vec<String> {
    let mut unknown = Vec::new();
    for (section, value) in table {
        match KNOWN_KEYS.iter().find(|(name, _)| name == section) {
            None => unknown.push(section.clone()),
            Some((_, keys)) => {
                if let Some(inner) = value.as_table() {
                    unknown.extend(
                        inner
                            .keys()
                            .filter(|k| !keys.contains(&k.as_str()))
                            .map(|k| format!("{section}.{k}")),
                    );
                }
            }
        }
    }
    unknown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_file_is_a_valid_marker() {
        assert_eq!(ProjectConfig::parse("").unwrap(), ProjectConfig::default());
    }

    #[test]
    fn reads_every_section() {
        let config = ProjectConfig::parse(
            "[check]\nspecs = [\"deploy/**\", \"api/*.json\"]\n\
             [krakend]\nsettings = \"config/settings\"\npartials = \"config/partials\"\n\
             [cloudify]\nplugins = \"plugins\"\n",
        )
        .unwrap();
        assert_eq!(config.check.specs, ["deploy/**", "api/*.json"]);
        assert_eq!(
            config.krakend.settings.as_deref(),
            Some(Path::new("config/settings"))
        );
        assert_eq!(
            config.krakend.partials.as_deref(),
            Some(Path::new("config/partials"))
        );
        assert_eq!(config.krakend.templates, None);
        assert_eq!(
            config.cloudify.plugins.as_deref(),
            Some(Path::new("plugins"))
        );
        assert!(config.unknown_keys.is_empty());
    }

    #[test]
    fn unknown_keys_are_listed_not_refused() {
        let config = ProjectConfig::parse("[check]\nspec = []\n[lint]\nlevel = 1\n").unwrap();
        assert_eq!(config.unknown_keys, ["check.spec", "lint"]);
    }

    #[test]
    fn a_wrong_type_is_an_error_with_a_span() {
        let text = "[check]\nspecs = \"deploy/**\"\n";
        let error = ProjectConfig::parse(text).unwrap_err();
        let range = error.range.clone().expect("toml reports where");
        assert!(text[range].contains("deploy"), "{error:?}");
    }

    #[test]
    fn invalid_toml_is_an_error() {
        assert!(ProjectConfig::parse("[check\n").is_err());
    }
}
