//! `rehearse check` findings on Argo Rollouts and Flagger objects written for one rule each:
//! the code, the severity and the exact text the span covers.
//!
//! Analysis conditions (R036, R037, R040), the progress deadline against the pods' readiness
//! (R041, F011) and duplicate Flagger webhook names (F023).

mod common;

use rehearse::check::{self, Input, Options};
use rehearse::diag::Severity;
use std::collections::BTreeSet;
use std::path::Path;

/// (code, severity, the text under the primary span, message) of every finding.
fn findings(yaml: &str) -> Vec<(&'static str, Severity, String, String)> {
    let checked = check::check(
        vec![Input::reported("test.yaml", yaml.as_bytes().to_vec())],
        &Options::default(),
    );
    checked
        .diagnostics
        .iter()
        .map(|d| {
            (
                d.code.id,
                d.severity,
                checked.sources.slice(d.span).to_string(),
                d.message.clone(),
            )
        })
        .collect()
}

fn template(metrics: &str) -> String {
    format!(
        "apiVersion: argoproj.io/v1alpha1\nkind: AnalysisTemplate\nmetadata:\n  name: t\nspec:\n  metrics:\n{metrics}"
    )
}

fn metric(name: &str, condition_line: &str) -> String {
    format!(
        "  - name: {name}\n    {condition_line}\n    provider:\n      prometheus:\n        query: up\n"
    )
}

/// The findings of one metric with one condition line, without the R040 "no condition"
/// findings a lone failure/success condition does not trigger.
fn condition_findings(condition_line: &str) -> Vec<(&'static str, Severity, String, String)> {
    findings(&template(&metric("m", condition_line)))
}

#[test]
fn a_condition_cut_by_a_yaml_comment_is_an_error_at_the_unclosed_brace() {
    let found = condition_findings("successCondition: all(result, { # < 1 })");
    assert_eq!(found.len(), 1, "{found:?}");
    let (code, severity, text, message) = &found[0];
    assert_eq!(
        (*code, *severity, text.as_str()),
        ("R036", Severity::Error, "{")
    );
    assert!(message.contains("never closed"), "{message}");
    // Quoted, the same condition is what the rehearsal evaluates: no finding.
    assert_eq!(
        condition_findings("successCondition: 'all(result, { # < 1 })'"),
        vec![]
    );
    // A comment after a complete condition is harmless.
    assert_eq!(
        condition_findings("successCondition: result[0] < 1 # ms"),
        vec![]
    );
}

#[test]
fn what_expr_lang_refuses_is_an_error_pointing_inside_the_string() {
    for (line, under) in [
        ("successCondition: \"result[0] >=\"", ">="),
        ("successCondition: \"(result[0] > 1\"", "("),
        ("successCondition: \"result[0] > 1)\"", ")"),
        ("successCondition: \"&& result[0] > 1\"", "&&"),
        ("failureCondition: \"result == 'x\"", "'"),
    ] {
        let found = condition_findings(line);
        assert_eq!(found.len(), 1, "{line}: {found:?}");
        assert_eq!(
            (found[0].0, found[0].1, found[0].2.as_str()),
            ("R036", Severity::Error, under),
            "{line}"
        );
    }
    // Never a boolean: Argo's EvalCondition fails every measurement ("expected bool").
    let found = condition_findings("successCondition: result[0] * 100");
    assert_eq!(
        (found[0].0, found[0].1, found[0].2.as_str()),
        ("R036", Severity::Error, "result[0] * 100")
    );
}

#[test]
fn what_expr_lang_reads_but_the_rehearsal_does_not_is_a_warning() {
    let found = condition_findings("successCondition: \"len(result) > 0 ? result[0] < 1 : true\"");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(
        (found[0].0, found[0].1, found[0].2.as_str()),
        ("R037", Severity::Warning, "?")
    );
    let found = condition_findings("successCondition: max(result) < 1");
    assert_eq!(
        found.iter().map(|f| (f.0, f.1)).collect::<Vec<_>>(),
        vec![("R037", Severity::Warning)]
    );
}

#[test]
fn names_argo_does_not_bind_constants_blanks_and_placeholders() {
    let found = condition_findings("successCondition: results[0] > 1");
    assert_eq!(
        found.iter().map(|f| (f.0, f.1)).collect::<Vec<_>>(),
        vec![("R036", Severity::Warning)],
        "an unknown name is not also reported as a constant condition"
    );
    assert!(found[0].3.contains("`results`"));

    let found = condition_findings("failureCondition: \"1 > 2\"");
    assert_eq!(
        (found[0].0, found[0].1, found[0].2.as_str()),
        ("R040", Severity::Warning, "\"1 > 2\"")
    );
    assert!(found[0].3.contains("always false"), "{}", found[0].3);

    let found = condition_findings("failureCondition: \"\"");
    assert_eq!(
        found.iter().map(|f| (f.0, f.1)).collect::<Vec<_>>(),
        vec![("R036", Severity::Warning)]
    );
    // `{{args.*}}` is substituted by Argo before compiling: not judged, not constant.
    assert_eq!(
        condition_findings("successCondition: result[0] >= {{args.min}}"),
        vec![]
    );
    assert_eq!(
        condition_findings("successCondition: result == \"{{args.expected}}\""),
        vec![]
    );
    // The whole condition an argument: masked, it reads as a number, but it is not one.
    assert_eq!(
        condition_findings("successCondition: \"{{args.success-condition}}\""),
        vec![]
    );
    // Text around a placeholder is still judged.
    assert_eq!(
        condition_findings("successCondition: \"result[0] * {{args.scale}}\"")
            .iter()
            .map(|f| (f.0, f.1))
            .collect::<Vec<_>>(),
        vec![("R036", Severity::Error)]
    );
}

const ROLLOUT: &str = "apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: slow
spec:
  progressDeadlineSeconds: DEADLINE
  ABORT
  selector:
    matchLabels: {app: slow}
  template:
    metadata:
      labels: {app: slow}
    spec:
      containers:
      - name: app
        image: app:1
        readinessProbe:
          initialDelaySeconds: 90
          periodSeconds: 20
          successThreshold: 3
  strategy:
    canary:
      steps:
      - setWeight: 50
      - pause: {duration: 2h}
";

#[test]
fn a_deadline_shorter_than_the_pods_readiness_times_every_update_out() {
    // 90 + (3 - 1) × 20 = 130 s before a new pod can be Ready.
    let rollout = |deadline: &str, abort: &str| {
        findings(
            &ROLLOUT
                .replace("DEADLINE", deadline)
                .replace("ABORT", abort),
        )
    };
    let found = rollout("120", "progressDeadlineAbort: true");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(
        (found[0].0, found[0].1, found[0].2.as_str()),
        ("R041", Severity::Warning, "90")
    );
    assert!(found[0].3.contains("at least 130s"), "{}", found[0].3);
    assert!(found[0].3.contains("aborted"), "{}", found[0].3);
    // At the deadline, still too late (a container never starts in 0 s).
    assert_eq!(rollout("130", "paused: false")[0].0, "R041");
    // The 2-hour pause is far longer than the deadline: not measured, not reported.
    assert_eq!(rollout("131", "paused: false"), vec![]);
    // Blue/green: the preview pods must become ready too.
    let blue_green = ROLLOUT
        .replace("DEADLINE", "100")
        .replace("ABORT", "")
        .replace(
            "    canary:\n      steps:\n      - setWeight: 50\n      - pause: {duration: 2h}\n",
            "    blueGreen:\n      activeService: active\n",
        );
    let found = findings(&blue_green);
    assert!(
        found.iter().any(|f| f.0 == "R041" && f.2 == "90"),
        "{found:?}"
    );
}

/// The probe arithmetic with Kubernetes' defaults (SetDefaults_Probe: a periodSeconds or
/// successThreshold of 0 or absent is 10 or 1) and numbers no cluster would hold.
#[test]
fn probe_delays_use_kubernetes_defaults_and_saturate() {
    let probe = |lines: &str, deadline: &str| {
        findings(
            &ROLLOUT
                .replace("DEADLINE", deadline)
                .replace("ABORT", "")
                .replace(
                    "          initialDelaySeconds: 90\n          periodSeconds: 20\n          successThreshold: 3\n",
                    lines,
                ),
        )
    };
    let least = |found: &[(&str, Severity, String, String)]| -> Option<String> {
        let message = &found.iter().find(|f| f.0 == "R041")?.3;
        let at = message.find("at least ")? + "at least ".len();
        Some(message[at..].split('s').next()?.to_string())
    };
    // Absent or 0: 90 + (3 - 1) × 10.
    for period in ["", "          periodSeconds: 0\n"] {
        let lines =
            format!("          initialDelaySeconds: 90\n{period}          successThreshold: 3\n");
        assert_eq!(
            least(&probe(&lines, "110")).as_deref(),
            Some("110"),
            "{lines}"
        );
        assert_eq!(probe(&lines, "111"), vec![], "{lines}");
    }
    // successThreshold absent or 0 counts once: the initial delay alone.
    for threshold in ["", "          successThreshold: 0\n"] {
        let lines =
            format!("          initialDelaySeconds: 90\n          periodSeconds: 20\n{threshold}");
        assert_eq!(
            least(&probe(&lines, "90")).as_deref(),
            Some("90"),
            "{lines}"
        );
    }
    // Past i64: saturated, not wrapped to a negative time.
    let max = i64::MAX;
    let lines = format!(
        "          initialDelaySeconds: {max}\n          periodSeconds: {max}\n          successThreshold: {max}\n"
    );
    assert_eq!(least(&probe(&lines, "600")), Some(max.to_string()));
    // Beyond any integer: no panic, no claim.
    let lines = "          initialDelaySeconds: 1e400\n          periodSeconds: 99999999999999999999999\n          successThreshold: 3\n";
    assert!(probe(lines, "600").iter().all(|f| f.1 != Severity::Error));
}

const FLAGGER: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: podinfo
spec:
  replicas: 2
  selector:
    matchLabels: {app: podinfo}
  template:
    metadata:
      labels: {app: podinfo}
    spec:
      containers:
      - name: podinfo
        image: podinfo:1
        startupProbe:
          initialDelaySeconds: 300
---
apiVersion: flagger.app/v1beta1
kind: Canary
metadata:
  name: podinfo
spec:
  progressDeadlineSeconds: DEADLINE
  targetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: podinfo
  service:
    port: 9898
  analysis:
    interval: 1m
    threshold: 5
    stepWeight: 10
    maxWeight: 50
    metrics:
    - name: request-success-rate
      thresholdRange: {min: 99}
      interval: 1m
    webhooks:
    - name: load-test
      url: http://flagger-loadtester.test/
    - name: load-test
      type: pre-rollout
      url: http://flagger-loadtester.test/
";

#[test]
fn flagger_deadline_against_readiness_and_duplicate_webhooks() {
    let found = findings(&FLAGGER.replace("DEADLINE", "240"));
    let codes: Vec<_> = found.iter().map(|f| (f.0, f.1)).collect();
    assert_eq!(
        codes,
        vec![("F011", Severity::Warning), ("F023", Severity::Warning)],
        "{found:?}"
    );
    assert_eq!(found[0].2, "300");
    assert!(found[0].3.contains("at least 300s"), "{}", found[0].3);
    assert!(found[1]
        .2
        .starts_with("name: load-test\n      type: pre-rollout"));
    let found = findings(&FLAGGER.replace("DEADLINE", "600"));
    assert_eq!(found.iter().map(|f| f.0).collect::<Vec<_>>(), vec!["F023"]);
}

/// Every YAML file under `dir` (recursively), checked one directory at a time as a project.
fn check_tree(dir: &Path, out: &mut Vec<check::Checked>) {
    let mut inputs = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            check_tree(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            inputs.push(Input::reported(
                path.to_string_lossy().into_owned(),
                std::fs::read(&path).unwrap(),
            ));
        }
    }
    if !inputs.is_empty() {
        out.push(check::check(inputs, &Options::default()));
    }
}

/// The distinct successCondition / failureCondition of the real-world files and of
/// corpus/rollouts all parse with the rehearsal's grammar, and check reports none of them.
#[test]
fn every_real_condition_parses_and_is_not_reported() {
    let mut checked = Vec::new();
    check_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/realworld/rollouts"),
        &mut checked,
    );
    if let Some(shared) = common::shared_dir("rollout_check") {
        check_tree(&shared.join("corpus/rollouts"), &mut checked);
    }
    let mut conditions = BTreeSet::new();
    for c in &checked {
        let objects = &c.project.rollouts;
        let metrics = objects
            .templates
            .iter()
            .flat_map(|t| &t.metrics)
            .chain(objects.runs.iter().flat_map(|r| &r.metrics));
        for m in metrics {
            for condition in [&m.success_condition, &m.failure_condition]
                .into_iter()
                .flatten()
            {
                conditions.insert(condition.value.clone());
            }
        }
        let reported: Vec<_> = c
            .diagnostics
            .iter()
            .filter(|d| matches!(d.code.id, "R036" | "R037"))
            .map(|d| format!("{} {}", d.code.id, d.message))
            .collect();
        assert!(reported.is_empty(), "{reported:?}");
    }
    println!("{} distinct conditions: {conditions:?}", conditions.len());
    assert!(conditions.len() >= 6, "{conditions:?}");
    for condition in &conditions {
        assert!(
            rehearse::syntax::exprlang::parse(condition).is_ok(),
            "{condition}"
        );
    }
}

/// Conditions expr-lang compiles are never an R036 error: its comments (`//`, `/* */`), `not`
/// before `matches` / `contains` / `startsWith` / `endsWith` (parser/operator
/// `AllowedNegateSuffix`), and a keyword as a field name (`result.in`) are its syntax
/// (parser/lexer/state.go, parser/parser.go). The ternaries make each beyond the rehearsal.
#[test]
fn what_expr_lang_reads_is_never_an_error() {
    for line in [
        "successCondition: \"result.body not contains 'error' ? true : false\"",
        "successCondition: \"result.code not matches '^5' ? true : false\"",
        "successCondition: \"result.path not startsWith '/a' and result.path not endsWith '/b' ? 1 > 0 : false\"",
        "successCondition: \"result.in == 1 ? true : false\"",
        "successCondition: \"result.not == 1 ? true : false\"",
        "successCondition: |\n      result[0] > 1 // at least one\n      && result[0] < 5",
        "successCondition: \"result[0] > 1 /* a ratio */ ? true : false\"",
    ] {
        let found = condition_findings(line);
        assert_eq!(
            found.iter().map(|f| (f.0, f.1)).collect::<Vec<_>>(),
            vec![("R037", Severity::Warning)],
            "{line}: {found:?}"
        );
    }
    // What expr-lang's lexer refuses stays an error.
    let found = condition_findings("successCondition: \"result[0] > 1 /* a ratio\"");
    assert_eq!(
        (found[0].0, found[0].1, found[0].2.as_str()),
        ("R036", Severity::Error, "/*")
    );
}

/// Conditions of 100,000 characters (deep brackets, endless strings, operator runs) are
/// refused by the grammar's limits as not rehearsable, without a panic.
#[test]
fn hostile_conditions_are_limits_not_panics() {
    let long = 100_000;
    for text in [
        format!("{}result[0] > 1", "(".repeat(long)),
        format!("{}result", "[{(".repeat(long / 3)),
        format!("{}result[0]", ")]}".repeat(long / 3)),
        format!("\"{}", "\\".repeat(long)),
        format!("result[0] > 1{}", " && !-result[0]".repeat(long / 15)),
        "-".repeat(long),
        "{{args.x}}".repeat(long / 10),
    ] {
        let quoted = text.replace('\'', "''");
        let found = condition_findings(&format!("successCondition: '{quoted}'"));
        assert_eq!(
            found.iter().map(|f| (f.0, f.1)).collect::<Vec<_>>(),
            vec![("R037", Severity::Warning)],
            "{}...",
            &text[..40]
        );
        assert!(found[0].3.contains("longer than"), "{}", found[0].3);
    }
    // Within the length limit: nesting at the depth limit (64 with the index), and a prefix
    // run whose syntax tree is as deep as the text is long.
    let deep = format!("{}result[0]{} > 1", "(".repeat(63), ")".repeat(63));
    assert_eq!(
        condition_findings(&format!("successCondition: '{deep}'")),
        vec![]
    );
    let bangs = format!("{}(result[0] > 1)", "!".repeat(4000));
    assert_eq!(
        condition_findings(&format!("successCondition: '{bangs}'")),
        vec![]
    );
}
