//! Route choice at a gateway, as Vamp's HAProxy configuration does it
//! (reference/vamp/CANARY.md §3): the first route whose condition matches takes the request
//! with probability `condition_strength`, otherwise the weighted pool decides; sticky
//! gateways pin a client to its route (and, for `instance`, to its instance).

use super::model::{Balance, RequestView, Sticky, Target};
use super::samplers::{bernoulli, weighted_choice};
use super::service::{Request, MAX_HOPS};
use super::world::World;

impl World<'_> {
    /// Walks gateways from `gateway` to a service, recording the hops in `request`. Returns
    /// the last route's balance and a pinned instance, or the gateway that could not route
    /// the request (every weight zero, or more than `MAX_HOPS` gateways deep).
    pub(crate) fn route(
        &mut self,
        gateway: usize,
        source: usize,
        client: u32,
        headers: &[(u16, u16)],
        request: &mut Request,
    ) -> Result<(Balance, Option<u32>), usize> {
        let mut current = gateway;
        for _ in 0..MAX_HOPS {
            // An Argo router's managed routes come first (one length test elsewhere).
            let managed = if self.gateways[current].rollout_routes.is_empty() {
                None
            } else {
                self.managed_route_choice(current)
            };
            let route = match managed {
                Some((route, mirror)) => {
                    if mirror {
                        self.send_mirror(current, request);
                    }
                    route
                }
                None => self
                    .choose_route(current, source, client, headers)
                    .ok_or(current)?,
            };
            request.hops[request.hop_count as usize] = (current as u32, route as u32);
            request.hop_count += 1;
            let model = &self.model.gateways[current].routes[route];
            match model.target {
                Target::Gateway(next) => current = next,
                Target::Service(service) => {
                    request.service = service as u32;
                    let balance = model.balance;
                    let pinned = if self.model.gateways[current].sticky == Sticky::Instance {
                        self.sticky_instances
                            .get(&(current as u32, source as u32, client))
                            .copied()
                    } else {
                        None
                    };
                    return Ok((balance, pinned));
                }
            }
        }
        Err(current)
    }

    fn choose_route(
        &mut self,
        gateway: usize,
        source: usize,
        client: u32,
        headers: &[(u16, u16)],
    ) -> Option<usize> {
        let sticky = self.model.gateways[gateway].sticky;
        let key = (source as u32, client);
        if sticky != Sticky::None {
            if let Some(&route) = self.gateways[gateway].sticky_routes.get(&key) {
                return Some(route as usize);
            }
        }
        let chosen = self
            .conditional_route(gateway, source, headers)
            .or_else(|| {
                let state = &mut self.gateways[gateway];
                weighted_choice(&mut state.stream, &state.weights_bp)
            })?;
        if sticky != Sticky::None {
            self.gateways[gateway]
                .sticky_routes
                .insert(key, chosen as u16);
        }
        Some(chosen)
    }

    /// The first route whose condition matches, kept with its condition strength.
    fn conditional_route(
        &mut self,
        gateway: usize,
        source: usize,
        headers: &[(u16, u16)],
    ) -> Option<usize> {
        let model = &self.model.gateways[gateway];
        if model.routes.iter().all(|r| r.condition.is_none()) {
            return None;
        }
        let traffic = &self.model.traffic[source];
        let pairs: Vec<(&str, &str)> = headers
            .iter()
            .filter_map(|&(h, v)| {
                let header = traffic.headers.get(h as usize)?;
                let value = header.values.get(v as usize)?;
                Some((header.name.as_str(), value.0.as_str()))
            })
            .collect();
        let view = RequestView { headers: &pairs };
        let (index, route) = model
            .routes
            .iter()
            .enumerate()
            .find(|(_, r)| r.condition.as_ref().is_some_and(|c| (c.matches)(&view)))?;
        let strength = f64::from(route.condition_strength_bp) / 10_000.0;
        if bernoulli(&mut self.gateways[gateway].stream, strength) {
            Some(index)
        } else {
            None
        }
    }
}
