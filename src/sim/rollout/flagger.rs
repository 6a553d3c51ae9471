//! Flagger's canary analysis in the rehearsal (FLAGGER.md §3): NOT BUILT YET. A deployed
//! Canary runs its stable side only and `check::rollout_scenario` warns (S044); the tick
//! (advanceCanary on `plan::flagger`), its built-in checks and webhook gates are to come.

use super::model::MetricModel;
use crate::ir::scenario::Scenario;
use crate::ir::topology::RolloutDeployment;
use crate::ir::Project;
use crate::sim::world::World;

#[derive(Clone, Debug)]
pub struct FlaggerModel {
    pub metrics: Vec<MetricModel>,
}

pub fn model(
    _project: &Project,
    _scenario: &Scenario,
    _d: &RolloutDeployment,
) -> Option<FlaggerModel> {
    None
}

impl World<'_> {
    pub(crate) fn tick_flagger(&mut self, _r: usize) -> bool {
        false
    }
}
