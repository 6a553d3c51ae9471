//! Real-world Argo Rollouts and Flagger objects (tests/data/realworld/rollouts, sources in
//! SOURCES.tsv): no error on an object the controllers accept, and the expected error on each
//! object they refuse. Each repository's files are checked as one project, as
//! `rehearse check DIR` would. Prints the figures.
//!
//! Argo's test/e2e/expectedfailures/ directory is not a list of invalid objects: its
//! `malformed-*` files are tolerated by the controller (utils/tolerantinformer drops the bad
//! quantity; functional_test.go TestMalformedRollout waits for a *Healthy* rollout), and the
//! Prometheus and failing-job files fail only at run time. Only the files below are refused.

use rehearse::check::{self, Input, Options, SpecPolicy};
use std::path::Path;

/// The code a refused file must be reported with (`""`: any error), and why it is refused.
fn expected_error(name: &str) -> Option<&'static str> {
    if name.contains("lint_testdata_invalid") {
        // The lint's own invalid testdata.
        return Some("");
    }
    let refused = [
        // A sequence entry inside a mapping: not YAML, `kubectl apply` refuses it.
        ("test_e2e_expectedfailures_analysis-run-failfast.yaml", ""),
        // rootService `alb-canary-root` (copied from alb-canary-rollout.yaml) while both
        // Ingresses route to `alb-canary-multi-ingress-root`: validateAlbIngress
        // (pkg/apis/rollouts/validation/validation_references.go) sets InvalidSpec and
        // SetWeightPerIngress (rollout/trafficrouting/alb/alb.go) fails on the same test. Its e2e
        // test (aws_test.go TestALBCanaryUpdateMultiIngress) is skipped unless
        // E2E_ALB_INGESS_ANNOTATIONS is set, so upstream never runs it.
        (
            "test_e2e_functional_alb-canary-multi-ingress-rollout.yaml",
            "R023",
        ),
        // Documentation excerpts the CRD schema (artifacts/flagger/crd.yaml) refuses: a Canary
        // without the required `analysis`, MetricTemplates without the required `query`, and an
        // AlertProvider with both `address` and `secretRef` (the schema's oneOf).
        ("docs_gitbook_faq.md.2.yaml", "F003"),
        ("docs_gitbook_usage_metrics.md.10.yaml", "F003"),
        ("docs_gitbook_usage_metrics.md.22.yaml", "F003"),
        ("docs_gitbook_usage_alerting.md.0.yaml", "F006"),
        // `revisionHistoryLimit` twice in one mapping: kubectl's YAML-to-JSON conversion
        // refuses a duplicate key ("key already set in map"), so the object never applies.
        ("examples_kong_rollout.yml", "Y002"),
    ];
    refused
        .iter()
        .find(|(file, _)| *file == name)
        .map(|(_, code)| *code)
}

fn run(dir: &str) -> (usize, usize, Vec<String>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/realworld/rollouts")
        .join(dir);
    let mut names: Vec<String> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yaml") || n.ends_with(".yml"))
        .collect();
    names.sort();
    let inputs = names
        .iter()
        .map(|n| Input::reported(n.clone(), std::fs::read(root.join(n)).unwrap()))
        .collect();
    let options = Options {
        specs: SpecPolicy::Listed(Default::default()),
        ..Options::default()
    };
    let checked = check::check(inputs, &options);
    let mut wrong = Vec::new();
    let mut agree = 0;
    for name in &names {
        let errors: Vec<(&str, String)> = checked
            .error_diagnostics()
            .filter(|d| checked.sources.get(d.span.file).path == *name)
            .map(|d| (d.code.id, d.message.clone()))
            .collect();
        let ok = match expected_error(name) {
            None => errors.is_empty(),
            Some("") => !errors.is_empty(),
            Some(code) => errors.iter().any(|(id, _)| *id == code),
        };
        if ok {
            agree += 1;
        } else {
            wrong.push(format!(
                "{name} (expected {:?}): {errors:?}",
                expected_error(name)
            ));
        }
    }
    println!(
        "{dir}: {} files, {agree} agree with the controllers' verdict, {} warnings in all",
        names.len(),
        checked.warnings()
    );
    (names.len(), agree, wrong)
}

#[test]
fn argo_rollouts_objects_from_public_repositories() {
    let (files, agree, wrong) = run("argo-rollouts");
    assert!(files >= 100, "{files}");
    assert!(wrong.is_empty(), "{agree}/{files}\n{}", wrong.join("\n"));
}

#[test]
fn flagger_objects_from_public_repositories() {
    let (files, agree, wrong) = run("flagger");
    assert!(files >= 40, "{files}");
    assert!(wrong.is_empty(), "{agree}/{files}\n{}", wrong.join("\n"));
}

/// Users of the controllers rather than their authors: a traffic-router plugin's examples and
/// Chainsaw end-to-end tests (whose `assertions/` files are expected states, not objects),
/// two GitOps demo repositories with Flagger canaries, and OpenKruise's own `Rollout` kind
/// (rollouts.kruise.io), which must be nobody's finding.
#[test]
fn objects_from_users_repositories() {
    let mut total = 0;
    for dir in [
        "argoproj-labs__rollouts-plugin-trafficrouter-gatewayapi",
        "stefanprodan__gitops-istio",
        "stefanprodan__gitops-linkerd",
        "openkruise__rollouts",
    ] {
        let (files, agree, wrong) = run(dir);
        assert!(
            wrong.is_empty(),
            "{dir}: {agree}/{files}\n{}",
            wrong.join("\n")
        );
        total += files;
    }
    assert!(total >= 100, "{total}");
}

/// Another controller's `Rollout` is not Argo's: no finding at all, warnings included.
#[test]
fn openkruise_rollouts_are_not_argo_rollouts() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/realworld/rollouts/openkruise__rollouts");
    let inputs: Vec<Input> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| Input::reported(p.display().to_string(), std::fs::read(&p).unwrap()))
        .collect();
    assert!(inputs.len() >= 40, "{}", inputs.len());
    // As `rehearse check DIR` reads a walked folder: no file is required to be a spec.
    let options = Options {
        specs: SpecPolicy::Listed(Default::default()),
        ..Options::default()
    };
    let checked = check::check(inputs, &options);
    assert!(checked.diagnostics.is_empty(), "{:#?}", checked.diagnostics);
}
