//! Lowerings: each dialect's IR into the one runtime description a scenario runs
//! ([`Topology`], DESIGN §5a). `check::scenario` reports what does not resolve in it; the
//! simulator builds its model from it.

pub mod cloudify;
pub mod krakend;
pub mod rollout;
pub mod vamp;

use crate::ir::scenario::Scenario;
use crate::ir::topology::Topology;
use crate::ir::Project;

/// What `scenario` deploys from `project`, every dialect lowered.
pub fn resolve(project: &Project, scenario: &Scenario) -> Topology {
    let mut topology = Topology {
        hosts: scenario.hosts.as_ref().map_or(0, |h| h.value),
        ..Topology::default()
    };
    vamp::lower(project, scenario, &mut topology);
    cloudify::lower(project, scenario, &mut topology);
    rollout::lower(project, scenario, &mut topology);
    topology
}
