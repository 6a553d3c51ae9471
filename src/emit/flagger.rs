//! `--target flagger`: a Vamp canary workflow as a Flagger Canary (issue 12, "Migrate"), with
//! the Deployment it targets and the Ingress its nginx router splits (Flagger creates the
//! `-primary` and `-canary` Services itself).
//!
//! The ramp: `stepWeight: 5`, `maxWeight: 100`, one step per tick. Flagger's tick
//! (`analysis.interval`) is at least 10 s (FLAGGER.md §1, `GetAnalysisInterval`), so a
//! shorter Vamp PERIOD becomes 10 s (E022, a warning); and Flagger spends a tick detecting
//! the new revision before the first step (§9), so the ramp starts one tick later than Vamp's.
//!
//! The rollback rule (any 5xx on the gateway in the last WINDOW s) becomes the built-in
//! `request-success-rate` over WINDOW with a minimum of 100 %, `threshold: 1`: Flagger rolls
//! back on the tick after the first failed check (§9).

use super::vamp_canary::{self, VampCanary};
use super::{Document, Emitted};
use crate::diag::codes::e;
use crate::diag::Diagnostic;
use crate::ir::Project;
use serde_json::json;

/// Flagger's shortest tick (`GetAnalysisInterval` clamps anything shorter).
const MIN_INTERVAL_S: u64 = 10;

pub fn emit(project: &Project, scenario: Option<&str>) -> Emitted {
    vamp_canary::emit_with(project, scenario, "flagger", render)
}

fn render(canary: &VampCanary) -> Result<(Document, Vec<Diagnostic>), Box<Diagnostic>> {
    let name = vamp_canary::base_name(canary)?;
    let port = canary.stable.port;
    let mut diagnostics = Vec::new();
    let interval_s = canary.period_s.max(MIN_INTERVAL_S);
    if interval_s != canary.period_s {
        diagnostics.push(Diagnostic::warning(
            &e::E022,
            canary.workflow_span,
            format!(
                "Flagger's tick is at least {MIN_INTERVAL_S} s: the canary moves 5 points every {interval_s} s instead of every {} s",
                canary.period_s
            ),
        ));
    }
    // Flagger's metric window has the interval's pattern `^[0-9]+(m|s)`, at least 10 s too.
    let window_s = canary.window_s.max(MIN_INTERVAL_S);
    let labels = json!({ "app": name });
    let deployment = json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": { "name": name },
        "spec": {
            "replicas": canary.stable.instances,
            "selector": { "matchLabels": labels },
            "template": {
                "metadata": { "labels": labels },
                "spec": { "containers": [vamp_canary::container(&name, &canary.stable)] },
            },
        },
    });
    let ingress = vamp_canary::nginx_ingress(&name, &name, port);
    let canary_object = json!({
        "apiVersion": "flagger.app/v1beta1",
        "kind": "Canary",
        "metadata": { "name": name },
        "spec": {
            "provider": "nginx",
            "targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
            "ingressRef": {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "name": name},
            "service": {"port": port, "targetPort": "http"},
            "analysis": {
                "interval": format!("{interval_s}s"),
                "threshold": 1,
                "maxWeight": 100,
                "stepWeight": vamp_canary::STEP_PERCENT,
                "metrics": [{
                    "name": "request-success-rate",
                    "thresholdRange": {"min": 100},
                    "interval": format!("{window_s}s"),
                }],
            },
        },
    });
    let text = super::yaml::stream(&[
        (vamp_canary::header(canary, "flagger"), deployment),
        (Vec::new(), ingress),
        (Vec::new(), canary_object),
    ]);
    Ok((
        Document {
            name: format!("{name}-canary.yaml"),
            text,
        },
        diagnostics,
    ))
}
