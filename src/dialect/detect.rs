//! Document kind detection (DESIGN §4). In order: Cloudify's and KrakenD's signature keys;
//! Kubernetes-style objects (`apiVersion` + `kind`), routed through [`OBJECT_DIALECTS`]; an
//! explicit `kind:`; a KrakenD `version` with endpoints; other tools' documents recognised by
//! shape; then Vamp shape heuristics.
//!
//! The rule (issue #17): rehearse reports on a document only when it has reason to think the
//! document is one of its dialects. Everything recognisably someone else's is [`Detected::Object`]
//! or [`Detected::Foreign`]; the pipeline skips those without a finding unless the user said the
//! file must be a spec.

use super::{Kind, VampKind};
use crate::syntax::{Mapping, Node};

/// What detection concluded about one document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Detected {
    Kind(Kind),
    /// `kind:` (without `apiVersion`) holds a value no dialect knows.
    UnsupportedKind(String),
    /// A Kubernetes-style object (`apiVersion` + `kind`) that no dialect of rehearse reads.
    Object(ObjectKind),
    /// Another tool's document, recognised by its shape; the text says what it is
    /// ("a GitHub Actions workflow").
    Foreign(&'static str),
    /// Nothing identifies the document.
    Unknown,
}

/// The type of a Kubernetes-style object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectKind {
    pub api_version: String,
    pub kind: String,
}

/// Kubernetes-style kinds a dialect reads: (API group, kind, dialect). The group is the part
/// of `apiVersion` before `/`.
pub const OBJECT_DIALECTS: &[(&str, &str, Kind)] = &[
    ("argoproj.io", "Rollout", Kind::Rollout),
    ("argoproj.io", "AnalysisTemplate", Kind::Rollout),
    ("argoproj.io", "ClusterAnalysisTemplate", Kind::Rollout),
    ("argoproj.io", "AnalysisRun", Kind::Rollout),
    ("flagger.app", "Canary", Kind::Flagger),
    ("flagger.app", "MetricTemplate", Kind::Flagger),
    ("flagger.app", "AlertProvider", Kind::Flagger),
];

pub fn detect(root: &Node) -> Detected {
    // Vamp's single-artifact readers accept a one-element list, and so does `--kind`:
    // detection looks inside it too, so both read the same document the same way.
    let root = match root.as_seq() {
        Some([only]) => only,
        _ => root,
    };
    let Some(map) = root.as_map() else {
        return Detected::Unknown;
    };
    if map.contains_key("tosca_definitions_version") {
        return Detected::Kind(Kind::Cloudify);
    }
    let schema = map.get("$schema").and_then(Node::as_str);
    if schema.is_some_and(|s| s.contains("krakend")) {
        return Detected::Kind(Kind::Krakend);
    }
    if let Some(object) = object_kind(map) {
        let group = object.api_version.split('/').next().unwrap_or_default();
        return match OBJECT_DIALECTS
            .iter()
            .find(|(g, k, _)| *g == group && *k == object.kind)
        {
            Some(_) if is_state_assertion(map) => Detected::Foreign(
                "a state assertion (an end-to-end test's expected object, not one to apply)",
            ),
            Some((_, _, kind)) => Detected::Kind(*kind),
            None => Detected::Object(object),
        };
    }
    if let Some(kind) = map.get("kind") {
        let Some(text) = kind.scalar_text() else {
            return Detected::UnsupportedKind(kind.type_name().to_string());
        };
        return match text.parse::<Kind>() {
            Ok(k) => Detected::Kind(k),
            Err(_) => Detected::UnsupportedKind(text),
        };
    }
    if is_krakend_by_version(map) {
        return Detected::Kind(Kind::Krakend);
    }
    if let Some(what) = foreign_shape(map, schema) {
        return Detected::Foreign(what);
    }
    vamp_shape(map).map_or(Detected::Unknown, |k| Detected::Kind(Kind::Vamp(k)))
}

/// `apiVersion` and `kind`, both scalars: the shape of every Kubernetes object and custom
/// resource. Vamp documents never carry `apiVersion`.
fn object_kind(map: &Mapping) -> Option<ObjectKind> {
    let api_version = map.get("apiVersion")?.scalar_text()?;
    let kind = map.get("kind")?.scalar_text()?;
    Some(ObjectKind { api_version, kind })
}

/// End-to-end test frameworks (Chainsaw, KUTTL) keep the state they expect an object to
/// reach in files beside the objects they apply: a `status` with no `spec`, or Chainsaw's
/// JMESPath keys such as `(phase == 'Healthy'): true`. Kubernetes field names never hold
/// parentheses, so neither shape is an object anyone applies.
fn is_state_assertion(map: &Mapping) -> bool {
    (map.contains_key("status") && !map.contains_key("spec")) || has_expression_key(map, 4)
}

fn has_expression_key(map: &Mapping, depth: u32) -> bool {
    map.iter().any(|(key, value)| {
        // Only string keys can hold an expression; no text is built per key.
        key.as_str()
            .is_some_and(|k| k.starts_with('(') && k.ends_with(')'))
            || (depth > 1
                && value
                    .as_map()
                    .is_some_and(|m| has_expression_key(m, depth - 1)))
    })
}

/// KrakenD configs carry `"version": 3` (2 and 1 in older releases, which lura refuses with
/// UnsupportedVersionError; the KrakenD dialect reports that). The version alone is not enough
/// — compose files say `version: "2"` — so the config must also have KrakenD's top-level
/// `endpoints` or `extra_config`, and no compose `services`.
fn is_krakend_by_version(map: &Mapping) -> bool {
    let version = map.get("version").and_then(|v| match v.as_i64() {
        Some(n) => Some(n),
        None => v.as_str().and_then(|s| s.trim().parse::<i64>().ok()),
    });
    matches!(version, Some(1..=3))
        && (map.contains_key("endpoints") || map.contains_key("extra_config"))
        && !map.contains_key("services")
}

/// Other tools' documents, by the keys that make them what they are. Each test is specific
/// enough that no document of ours matches it (Vamp, Cloudify, KrakenD and scenarios have
/// none of these keys at the top level).
fn foreign_shape(map: &Mapping, schema: Option<&str>) -> Option<&'static str> {
    let has = |key: &str| map.contains_key(key);
    if has("openapi") {
        return Some("an OpenAPI document");
    }
    if has("swagger") {
        return Some("a Swagger (OpenAPI 2) document");
    }
    if let Some(schema) = schema {
        if schema.contains("renovate") {
            return Some("a Renovate configuration");
        }
        if schema.contains("json-schema.org") && !has("endpoints") {
            return Some("a JSON Schema");
        }
        if schema.contains("schemastore.org") {
            return Some("a configuration file with a SchemaStore schema");
        }
    }
    if has("jobs") && (has("on") || has("true")) {
        return Some("a GitHub Actions workflow");
    }
    if has("runs") && (has("inputs") || has("outputs") || has("branding")) {
        return Some("a GitHub Actions action definition");
    }
    if has("services") && services_look_like_compose(map) {
        return Some("a Docker Compose file");
    }
    if has("compilerOptions") {
        return Some("a TypeScript/JavaScript project configuration");
    }
    if (has("dependencies") || has("devDependencies") || (has("scripts") && has("version")))
        && (has("name") || has("private"))
    {
        return Some("an npm package manifest");
    }
    if map
        .get("repos")
        .and_then(Node::as_seq)
        .is_some_and(|repos| {
            repos
                .iter()
                .any(|r| r.as_map().is_some_and(|m| m.contains_key("repo")))
        })
    {
        return Some("a pre-commit configuration");
    }
    if has("site_name") {
        return Some("an MkDocs configuration");
    }
    if has("extends") && map.get("extends").is_some_and(mentions_renovate_preset) {
        return Some("a Renovate configuration");
    }
    if has("stages") && (has("include") || has("variables") || has("default") || has("workflow")) {
        return Some("a GitLab CI configuration");
    }
    if has("apiVersion") && has("name") && has("version") && !has("kind") {
        return Some("a Helm chart (Chart.yaml)");
    }
    if (has("resources") || has("bases") || has("patches") || has("patchesStrategicMerge"))
        && (has("namespace") || has("commonLabels") || has("images") || has("configMapGenerator"))
    {
        return Some("a kustomization");
    }
    None
}

/// Compose services are mappings with an `image` or `build` (Vamp blueprints have clusters).
fn services_look_like_compose(map: &Mapping) -> bool {
    map.get("services")
        .and_then(Node::as_map)
        .is_some_and(|services| {
            services.iter().any(|(_, service)| {
                service
                    .as_map()
                    .is_some_and(|s| s.contains_key("image") || s.contains_key("build"))
            })
        })
}

fn mentions_renovate_preset(node: &Node) -> bool {
    let preset = |n: &Node| {
        n.as_str().is_some_and(|s| {
            s.starts_with("config:") || s.starts_with(":") || s.contains("renovate")
        })
    };
    match node.as_seq() {
        Some(items) => items.iter().any(preset),
        None => preset(node),
    }
}

/// Vamp shapes, most specific first.
fn vamp_shape(map: &Mapping) -> Option<VampKind> {
    if map.contains_key("clusters") {
        Some(VampKind::Blueprint)
    } else if map.contains_key("deployable") {
        Some(VampKind::Breed)
    } else if map.contains_key("schedule") && map.contains_key("breed") {
        Some(VampKind::Workflow)
    } else if map.contains_key("routes")
        || (map.contains_key("port") && map.contains_key("selector"))
    {
        // Vamp 0.9.5 gateways may select their routes (`selector`) instead of listing them.
        Some(VampKind::Gateway)
    } else if map.contains_key("cpu") && map.contains_key("memory") {
        Some(VampKind::Scale)
    } else if map.contains_key("threshold") && map.contains_key("window") {
        Some(VampKind::Sla)
    } else {
        None
    }
}

/// Files other tools own, by name or folder: skipped before they are parsed (a Helm
/// template is not even valid YAML). `path` uses `/` separators.
pub fn foreign_file(path: &str) -> Option<&'static str> {
    let name = path.rsplit('/').next().unwrap_or(path);
    let lower = name.to_ascii_lowercase();
    let in_dir =
        |dir: &str| path.starts_with(&format!("{dir}/")) || path.contains(&format!("/{dir}/"));
    let by_name = match lower.as_str() {
        ".pre-commit-config.yaml" | ".pre-commit-config.yml" | ".pre-commit-hooks.yaml" => {
            Some("a pre-commit configuration")
        }
        "package.json" | "package-lock.json" | "npm-shrinkwrap.json" => {
            Some("an npm package manifest")
        }
        "composer.json" | "composer.lock" => Some("a Composer manifest"),
        "pnpm-lock.yaml" | "pnpm-workspace.yaml" | "yarn.lock" | ".yarnrc.yml" => {
            Some("a JavaScript package manager file")
        }
        "jsconfig.json" | ".babelrc.json" | ".prettierrc.json" | ".prettierrc.yaml"
        | ".prettierrc.yml" | "lerna.json" | "nx.json" | "turbo.json" | "vercel.json"
        | "netlify.json" | "firebase.json" | "app.json" | "manifest.json" | "deno.json" => {
            Some("a JavaScript tooling configuration")
        }
        "renovate.json" | "renovate.json5" | ".renovaterc" | ".renovaterc.json" => {
            Some("a Renovate configuration")
        }
        "mkdocs.yml" | "mkdocs.yaml" => Some("an MkDocs configuration"),
        "chart.yaml" | "chart.lock" | "requirements.lock" => Some("a Helm chart (Chart.yaml)"),
        "kustomization.yaml" | "kustomization.yml" => Some("a kustomization"),
        ".gitlab-ci.yml" | ".gitlab-ci.yaml" => Some("a GitLab CI configuration"),
        ".travis.yml"
        | "appveyor.yml"
        | ".appveyor.yml"
        | "azure-pipelines.yml"
        | "bitbucket-pipelines.yml"
        | "cloudbuild.yaml"
        | "cloudbuild.yml"
        | ".drone.yml"
        | "codecov.yml"
        | ".codecov.yml"
        | "buildspec.yml" => Some("a CI or hosting configuration"),
        "dependabot.yml"
        | "dependabot.yaml"
        | "funding.yml"
        | "release-drafter.yml"
        | "labeler.yml"
        | "stale.yml"
        | "config.yml"
        | "settings.yml"
            if in_dir(".github") =>
        {
            Some("a GitHub configuration")
        }
        ".golangci.yml" | ".golangci.yaml" | ".goreleaser.yml" | ".goreleaser.yaml"
        | ".yamllint" | ".yamllint.yml" | ".yamllint.yaml" | ".markdownlint.json"
        | ".markdownlint.yaml" | ".eslintrc.json" | ".eslintrc.yml" | ".eslintrc.yaml"
        | ".stylelintrc.json" | "sonar-project.json" | ".hadolint.yaml" | "buf.yaml"
        | "buf.gen.yaml" | "skaffold.yaml" | "devfile.yaml" | "catalog-info.yaml"
        | "environment.yml" | "environment.yaml" | ".readthedocs.yml" | ".readthedocs.yaml"
        | "pubspec.yaml" | "serverless.yml" | "serverless.yaml" | "tiltfile.json"
        | "cspell.json" | ".cspell.json" | "devcontainer.json" | ".devcontainer.json" => {
            Some("a development tool configuration")
        }
        _ => None,
    };
    if by_name.is_some() {
        return by_name;
    }
    if (lower.starts_with("tsconfig") || lower.starts_with("jsconfig")) && lower.ends_with(".json")
    {
        return Some("a TypeScript/JavaScript project configuration");
    }
    if (lower.starts_with("docker-compose") || lower.starts_with("compose."))
        && (lower.ends_with(".yml") || lower.ends_with(".yaml"))
    {
        return Some("a Docker Compose file");
    }
    if in_dir(".github/workflows") {
        return Some("a GitHub Actions workflow");
    }
    if in_dir(".github/ISSUE_TEMPLATE") {
        return Some("a GitHub issue template");
    }
    if in_dir(".vscode") || in_dir(".idea") || in_dir(".devcontainer") {
        return Some("an editor configuration");
    }
    if in_dir("node_modules") {
        return Some("a file of an installed npm package");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceMap;
    use crate::syntax::{self, Format, Limits};

    fn detect_text(text: &str, format: Format) -> Detected {
        let mut sources = SourceMap::new();
        let (_, parsed) = syntax::load(
            &mut sources,
            "t",
            text.as_bytes().to_vec(),
            format,
            &Limits::default(),
        );
        detect(&parsed.documents[0].root)
    }

    fn yaml(text: &str) -> Detected {
        detect_text(text, Format::Yaml)
    }

    /// Chainsaw and KUTTL assertion files (argoproj-labs/rollouts-plugin-trafficrouter-gatewayapi
    /// test/e2e/chainsaw/*/assertions/rollout-healthy.yaml): expected states, never applied.
    #[test]
    fn end_to_end_state_assertions_are_not_rollouts() {
        let status_only = "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: r}\nstatus:\n  (phase): Healthy\n";
        assert!(matches!(yaml(status_only), Detected::Foreign(_)));
        let kuttl = "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: r}\nstatus: {phase: Healthy}\n";
        assert!(matches!(yaml(kuttl), Detected::Foreign(_)));
        let expression_in_spec = "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: r}\nspec:\n  strategy:\n    canary:\n      (length(steps)): 3\n";
        assert!(matches!(yaml(expression_in_spec), Detected::Foreign(_)));
        // An object with its spec (and a status, as `kubectl get -o yaml` writes) is one.
        let applied = "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: r}\nspec: {replicas: 1}\nstatus: {phase: Healthy}\n";
        assert_eq!(yaml(applied), Detected::Kind(Kind::Rollout));
        let missing_spec = "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: r}\n";
        assert_eq!(yaml(missing_spec), Detected::Kind(Kind::Rollout));
    }

    #[test]
    fn kubernetes_objects_are_never_vamp() {
        let deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n";
        assert_eq!(
            yaml(deployment),
            Detected::Object(ObjectKind {
                api_version: "apps/v1".into(),
                kind: "Deployment".into()
            })
        );
        // A Vamp kind name under apiVersion is still someone else's object.
        let gateway = "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: g}\n";
        assert!(matches!(yaml(gateway), Detected::Object(_)));
        // Argo Rollouts and Flagger objects have dialects; their neighbours do not.
        let rollout = "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nspec: {}\n";
        assert_eq!(yaml(rollout), Detected::Kind(Kind::Rollout));
        let canary = "apiVersion: flagger.app/v1beta1\nkind: Canary\nspec: {}\n";
        assert_eq!(yaml(canary), Detected::Kind(Kind::Flagger));
        let experiment = "apiVersion: argoproj.io/v1alpha1\nkind: Experiment\nspec: {}\n";
        assert!(matches!(yaml(experiment), Detected::Object(_)));
    }

    #[test]
    fn explicit_kinds_still_win_without_api_version() {
        assert_eq!(
            yaml("kind: breed\nname: a\ndeployable: x\n"),
            Detected::Kind(Kind::Vamp(VampKind::Breed))
        );
        assert_eq!(
            yaml("kind: nonsense\n"),
            Detected::UnsupportedKind("nonsense".into())
        );
    }

    #[test]
    fn krakend_versions_without_schema() {
        for text in [
            r#"{"version": 2, "endpoints": []}"#,
            r#"{"version": "2", "endpoints": []}"#,
            r#"{"version": 3, "extra_config": {}}"#,
        ] {
            assert_eq!(
                detect_text(text, Format::Json),
                Detected::Kind(Kind::Krakend),
                "{text}"
            );
        }
        assert_eq!(
            yaml("version: 2\nendpoints:\n  - endpoint: /a\n"),
            Detected::Kind(Kind::Krakend)
        );
        // A compose file's version is not KrakenD's.
        assert_eq!(
            yaml("version: '2'\nservices:\n  web:\n    image: nginx\n"),
            Detected::Foreign("a Docker Compose file")
        );
    }

    #[test]
    fn other_tools_by_shape() {
        let cases = [
            (
                "on: push\njobs:\n  a: {runs-on: x}\n",
                "a GitHub Actions workflow",
            ),
            (
                "openapi: 3.0.0\ninfo: {title: t}\npaths: {}\n",
                "an OpenAPI document",
            ),
            (
                "swagger: '2.0'\npaths: {}\n",
                "a Swagger (OpenAPI 2) document",
            ),
            (
                "repos:\n  - repo: local\n    hooks: []\n",
                "a pre-commit configuration",
            ),
            ("site_name: docs\n", "an MkDocs configuration"),
            (
                "apiVersion: v2\nname: c\nversion: 0.1.0\n",
                "a Helm chart (Chart.yaml)",
            ),
            (
                "stages: [build]\nvariables: {A: b}\n",
                "a GitLab CI configuration",
            ),
        ];
        for (text, what) in cases {
            assert_eq!(yaml(text), Detected::Foreign(what), "{text}");
        }
        assert_eq!(
            detect_text(
                r#"{"$schema": "http://json-schema.org/draft-07/schema#", "type": "object"}"#,
                Format::Json
            ),
            Detected::Foreign("a JSON Schema")
        );
        assert_eq!(
            detect_text(r#"{"compilerOptions": {}}"#, Format::Json),
            Detected::Foreign("a TypeScript/JavaScript project configuration")
        );
        assert_eq!(
            detect_text(r#"{"name": "x", "dependencies": {}}"#, Format::Json),
            Detected::Foreign("an npm package manifest")
        );
    }

    #[test]
    fn vamp_shapes_are_unchanged() {
        assert_eq!(
            yaml("name: b\nclusters: {}\n"),
            Detected::Kind(Kind::Vamp(VampKind::Blueprint))
        );
        assert_eq!(yaml("name: x\nimage: y\n"), Detected::Unknown);
        assert_eq!(
            yaml("- name: b\n  deployable: x\n"),
            Detected::Kind(Kind::Vamp(VampKind::Breed))
        );
        assert_eq!(
            yaml("name: g\nport: 9050\nselector: label(app)(sava)\n"),
            Detected::Kind(Kind::Vamp(VampKind::Gateway))
        );
    }

    #[test]
    fn foreign_files_by_name() {
        assert!(foreign_file(".github/workflows/ci.yml").is_some());
        assert!(foreign_file("repo/.github/workflows/ci.yml").is_some());
        assert!(foreign_file("charts/app/Chart.yaml").is_some());
        assert!(foreign_file("web/tsconfig.build.json").is_some());
        assert!(foreign_file("docker-compose.override.yml").is_some());
        assert!(foreign_file(".pre-commit-config.yaml").is_some());
        assert!(foreign_file("deploy/blueprint.yml").is_none());
        assert!(foreign_file("config.yml").is_none());
        assert!(foreign_file("krakend.json").is_none());
    }
}
