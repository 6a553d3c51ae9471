//! `--target argo`: a Vamp canary workflow as an Argo Rollout (issue 12, "Migrate").
//!
//! The ramp: `setWeight: 5`, `pause: PERIOD`, ..., `setWeight: 95`, `pause: PERIOD`; the end of
//! the steps promotes to 100 %, so the weights reach 5 % at t = 0 and 100 % at 19 × PERIOD, as
//! the Vamp canary program does (CANARY.md §1.2). Weights are exact because the Rollout routes
//! traffic (nginx, the stable Ingress beside it) instead of counting pods.
//!
//! The rollback rule (any 5xx on the gateway in the last WINDOW s) becomes a background
//! analysis measuring the Ingress's 5xx responses every PERIOD over WINDOW, failing at the
//! first one (`failureLimit: 0`): Argo aborts, and traffic goes back to the stable version.
//! Unlike Vamp, an aborted Rollout waits for `kubectl argo rollouts retry` instead of ramping
//! again once the errors stop.

use super::vamp_canary::{self, VampCanary};
use super::{Document, Emitted};
use crate::diag::codes::e;
use crate::diag::Diagnostic;
use crate::ir::Project;
use serde_json::{json, Value};

pub fn emit(project: &Project, scenario: Option<&str>) -> Emitted {
    vamp_canary::emit_with(project, scenario, "argo", render)
}

/// The Prometheus the analysis queries; the one place a user has to adapt.
const PROMETHEUS: &str = "http://prometheus.monitoring.svc.cluster.local:9090";

fn render(canary: &VampCanary) -> Result<(Document, Vec<Diagnostic>), Box<Diagnostic>> {
    if canary.period_s == 0 {
        return Err(Box::new(Diagnostic::error(
            &e::E020,
            canary.workflow_span,
            "the canary workflow's PERIOD is 0 s: an Argo pause must last longer than 0",
        )));
    }
    let name = vamp_canary::base_name(canary)?;
    let stable_service = format!("{name}-stable");
    let canary_service = format!("{name}-canary");
    let template = format!("{name}-gateway-5xx");
    let port = canary.stable.port;
    let labels = json!({ "app": name });
    let service = |service_name: &str| {
        json!({
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": { "name": service_name },
            "spec": {
                "selector": labels,
                "ports": [{"name": "http", "port": port, "targetPort": "http", "protocol": "TCP"}],
            },
        })
    };
    let ingress = vamp_canary::nginx_ingress(&name, &stable_service, port);
    let pause = format!("{}s", canary.period_s);
    let ramp = canary.ramp();
    let steps: Vec<Value> = ramp[..ramp.len() - 1]
        .iter()
        .flat_map(|w| {
            [
                json!({"setWeight": w}),
                json!({"pause": {"duration": pause}}),
            ]
        })
        .collect();
    // Both the stable and the canary Ingress (`<rollout>-<ingress>-canary`) count: Vamp
    // watches the whole gateway.
    let query = format!(
        "sum(increase(nginx_ingress_controller_requests{{ingress=~\"{name}|{name}-{name}-canary\",status=~\"5..\"}}[{}s])) or vector(0)",
        canary.window_s
    );
    let analysis = json!({
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AnalysisTemplate",
        "metadata": { "name": template },
        "spec": {
            "metrics": [{
                "name": "gateway-5xx",
                "interval": format!("{}s", canary.period_s),
                "failureLimit": 0,
                "successCondition": "result[0] == 0",
                "provider": {"prometheus": {"address": PROMETHEUS, "query": query}},
            }],
        },
    });
    let rollout = json!({
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": { "name": name },
        "spec": {
            "replicas": canary.stable.instances,
            "selector": { "matchLabels": labels },
            "template": {
                "metadata": { "labels": labels },
                "spec": { "containers": [vamp_canary::container(&name, &canary.stable)] },
            },
            "strategy": {"canary": {
                "canaryService": canary_service,
                "stableService": stable_service,
                "trafficRouting": {"nginx": {"stableIngress": name}},
                "analysis": {"templates": [{"templateName": template}]},
                "steps": steps,
            }},
        },
    });
    let mut header = vamp_canary::header(canary, "argo");
    header.push(format!(
        "The analysis queries Prometheus at {PROMETHEUS}: adapt the address to your cluster."
    ));
    let text = super::yaml::stream(&[
        (header, service(&stable_service)),
        (Vec::new(), service(&canary_service)),
        (Vec::new(), ingress),
        (Vec::new(), analysis),
        (Vec::new(), rollout),
    ]);
    Ok((
        Document {
            name: format!("{name}-rollout.yaml"),
            text,
        },
        Vec::new(),
    ))
}
