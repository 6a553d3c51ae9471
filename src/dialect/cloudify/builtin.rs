//! The definitions blueprints import from Cloudify's well-known `types.yaml` URLs, shipped
//! inside the binary so such imports resolve offline.

/// The built-in definitions (`builtin/types.yaml`).
pub const TYPES_YAML: &str = include_str!("builtin/types.yaml");

/// The path the built-in file is shown under in reports.
pub const TYPES_PATH: &str = "<builtin>/cloudify/types.yaml";

/// Hosts that served Cloudify's spec files.
const SPEC_HOSTS: [&str; 5] = [
    "getcloudify.org",
    "www.getcloudify.org",
    "getcloudify.org.s3.amazonaws.com",
    "cloudify.co",
    "www.cloudify.co",
];

/// Whether `url` is one of the well-known Cloudify `types.yaml` URLs, e.g.
/// `http://www.getcloudify.org/spec/cloudify/3.4/types.yaml`.
pub fn is_types_url(url: &str) -> bool {
    let Some(rest) = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
    else {
        return false;
    };
    let Some((host, path)) = rest.split_once('/') else {
        return false;
    };
    let Some(version) = path
        .strip_prefix("spec/cloudify/")
        .and_then(|p| p.strip_suffix("/types.yaml"))
    else {
        return false;
    };
    SPEC_HOSTS.contains(&host.to_ascii_lowercase().as_str())
        && !version.is_empty()
        && !version.contains('/')
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
        assert!(is_types_url(
            "http://www.getcloudify.org/spec/cloudify/3.4/types.yaml"
        ));
        assert!(is_types_url(
            "https://cloudify.co/spec/cloudify/4.3.3/types.yaml"
        ));
        assert!(!is_types_url(
            "http://www.getcloudify.org/spec/openstack-plugin/1.3/plugin.yaml"
        ));
        assert!(!is_types_url(
            "http://evil.example/spec/cloudify/3.4/types.yaml"
        ));
        assert!(is_url("https://example.com/x.yaml"));
        assert!(!is_url("imports/x.yaml"));
    }
}
