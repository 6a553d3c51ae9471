//! KrakenD configs in a rehearsal: which endpoint a request reaches, as KrakenD's router
//! (gin's httprouter) matches it. The flows themselves are built by `sim::api`.
//!
//! Matching (router/gin/router.go registers `{param}` as `:param`): a path segment written
//! `{name}` binds one non-empty segment, a final `*` takes the rest, anything else must be
//! equal. A literal segment wins over a parameter where both could match (httprouter gives
//! static children priority). Assumption (the trailing-slash redirect gin answers with 301/307
//! is not rehearsed): `/a/` does not match `/a`.

use crate::ir::krakend::{Config, Endpoint};
use crate::ir::topology::Topology;

/// Where a request goes: the endpoint and the params it binds.
#[derive(Clone, Debug)]
pub struct Route<'c> {
    /// Index into the config's endpoints.
    pub index: usize,
    pub endpoint: &'c Endpoint,
    /// `(name as written in the endpoint path, value)`.
    pub params: Vec<(String, String)>,
}

/// The endpoint of `config` that `method path` reaches, or `None` (KrakenD answers 404).
pub fn route<'c>(config: &'c Config, method: &str, path: &str) -> Option<Route<'c>> {
    let mut best: Option<(usize, u32)> = None;
    for (i, endpoint) in config.endpoints.iter().enumerate() {
        if !endpoint.method.value.eq_ignore_ascii_case(method) {
            continue;
        }
        if let Some(rank) = rank(&endpoint.path.value, path) {
            if best.is_none_or(|(_, r)| rank > r) {
                best = Some((i, rank));
            }
        }
    }
    let (i, _) = best?;
    let endpoint = &config.endpoints[i];
    Some(Route {
        index: i,
        endpoint,
        params: bind(&endpoint.path.value, path),
    })
}

fn param_name(segment: &str) -> Option<&str> {
    let name = segment.strip_prefix('{')?.strip_suffix('}')?;
    (!name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'))
    .then_some(name)
}

/// How specifically `pattern` matches `path` (more literal segments first), or `None`.
fn rank(pattern: &str, path: &str) -> Option<u32> {
    let mut wanted = pattern.split('/');
    let mut given = path.split('/');
    let mut literal = 0u32;
    loop {
        match (wanted.next(), given.next()) {
            (None, None) => return Some(literal.saturating_mul(2).saturating_add(1)),
            (Some("*"), Some(_)) if wanted.clone().next().is_none() => {
                return Some(literal.saturating_mul(2))
            }
            (Some(w), Some(g)) => {
                if param_name(w).is_some() {
                    if g.is_empty() {
                        return None;
                    }
                } else if w == g {
                    literal += 1;
                } else {
                    return None;
                }
            }
            _ => return None,
        }
    }
}

fn bind(pattern: &str, path: &str) -> Vec<(String, String)> {
    pattern
        .split('/')
        .zip(path.split('/'))
        .filter_map(|(w, g)| param_name(w).map(|n| (n.to_owned(), g.to_owned())))
        .collect()
}

/// The part of the rehearsed world a backend host names, as a router of `topology` (the
/// simulated gateways are its routers, index for index):
/// - `http://sava:9050`: deployment `sava`'s gateway on port 9050 (`sava/9050`);
/// - `http://NAME.node:PORT`: the router of Cloudify node NAME (`deployment/NAME`, or the
///   node NAME when one deployment alone has it), balancing over its instances; the port is
///   the node's business and not checked.
pub fn backend_router(host: &str, topology: &Topology) -> Option<usize> {
    let bare = host.split_once("://").map_or(host, |(_, rest)| rest);
    let bare = bare.trim_end_matches('/');
    let name = bare.rsplit_once(':').map_or(bare, |(name, _)| name);
    if let Some(node) = name.strip_suffix(".node") {
        let (d, n) = topology.managed_node(node)?;
        let workload = topology.managed[d].nodes[n].workload;
        return topology.router_by_name(&topology.workloads[workload].name.value);
    }
    let (name, port) = bare.rsplit_once(':')?;
    topology.router_by_name(&format!("{name}/{port}"))
}

/// The scheme, host and port of a URL (`http://orders:8080/x` → `http://orders:8080`).
pub fn host_of(url: &str) -> &str {
    let start = url.find("://").map_or(0, |i| i + 3);
    match url[start..].find('/') {
        Some(i) => &url[..start + i],
        None => url,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_bind_and_literals_win() {
        // Ranks count literal segments (the empty one before the first `/` included): the
        // static path outranks the parameter where both match.
        assert_eq!(rank("/user/signup/{x}", "/user/signup/yes"), Some(7));
        assert_eq!(rank("/user/signup/no", "/user/signup/no"), Some(9));
        assert_eq!(rank("/user/{x}", "/user/"), None);
        assert_eq!(rank("/a/*", "/a/b/c"), Some(4));
        assert_eq!(rank("/a", "/a/"), None);
        assert_eq!(
            bind("/user/signup/{wants_notifications}", "/user/signup/yes"),
            vec![("wants_notifications".to_owned(), "yes".to_owned())]
        );
        assert_eq!(
            host_of("http://orders:8080/orders/{id}"),
            "http://orders:8080"
        );
        assert_eq!(host_of("http://orders:8080"), "http://orders:8080");
    }
}
