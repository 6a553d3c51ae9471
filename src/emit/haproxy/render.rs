//! The text of the configuration, laid out as Vamp's `template.twig` (vamp 0.9.2): virtual
//! hosts first, then every frontend, then every backend. Comments carry the Vamp names.

use super::{Backend, Frontend, Mode, Model, Settings};
use std::fmt::Write as _;

/// Vamp's HTTP and TCP log formats (vamp 0.9.2 `HaProxyGatewayMarshallerSpec.scala`
/// `haProxyConfig`): JSON lines whose `ft` field is the frontend's lookup name.
const HTTP_LOG_FORMAT: &str = r#"{"ci":"%ci","cp":%cp,"t":"%t","ft":"%ft","b":"%b","s":"%s","Tq":%Tq,"Tw":%Tw,"Tc":%Tc,"Tr":%Tr,"Tt":%Tt,"ST":%ST,"B":%B,"CC":"%CC","CS":"%CS","tsc":"%tsc","ac":%ac,"fc":%fc,"bc":%bc,"sc":%sc,"rc":%rc,"sq":%sq,"bq":%bq,"hr":"%hr","hs":"%hs","r":%{+Q}r}"#;
const TCP_LOG_FORMAT: &str = r#"{"ci":"%ci","cp":%cp,"t":"%t","ft":"%ft","b":"%b","s":"%s","Tw":%Tw,"Tc":%Tc,"Tt":%Tt,"B":%B,"ts":"%ts","ac":%ac,"fc":%fc,"bc":%bc,"sc":%sc,"rc":%rc,"sq":%sq,"bq":%bq}"#;

/// Name of the resolvers section for servers named by host name.
const RESOLVERS: &str = "vamp_dns";

/// A comment line's text: one line, nothing HAProxy could read as configuration.
fn comment(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

pub fn render_model(model: &Model, settings: &Settings) -> String {
    let mut out = String::new();
    if settings.preamble {
        preamble(&mut out, model);
    }
    let _ = writeln!(
        out,
        "# HAProxy {}, Frontends & Backends managed by Vamp\n",
        comment(&settings.version_comment)
    );
    if !model.virtual_host_frontends.is_empty() {
        virtual_hosts(&mut out, model, settings);
    }
    if !model.frontends.is_empty() {
        out.push_str("# Port mapping\n");
    }
    for frontend in &model.frontends {
        write_frontend(&mut out, frontend);
    }
    for backend in &model.backends {
        write_backend(&mut out, backend);
    }
    out
}

/// What vamp-gateway-agent's base configuration provides around Vamp's part: logging to
/// stdout (the log formats need a log target) and timeouts.
fn preamble(out: &mut String, model: &Model) {
    out.push_str(
        "# Written by rehearse emit. Base sections as vamp-gateway-agent provides them.\n\
         global\n  log stdout format raw local0\n  maxconn 4096\n\n\
         defaults\n  log global\n  mode http\n  timeout connect 5s\n  timeout client 60s\n  \
         timeout server 60s\n  timeout tunnel 3600s\n\n",
    );
    if model.needs_resolvers {
        let _ = writeln!(
            out,
            "resolvers {RESOLVERS}\n  parse-resolv-conf\n  hold valid 10s\n"
        );
    }
}

fn virtual_hosts(out: &mut String, model: &Model, settings: &Settings) {
    let _ = writeln!(
        out,
        "# Virtual hosts\n\nfrontend virtual_hosts\n  bind {}:{}\n  mode http\n\n  option httplog\n  log-format {HTTP_LOG_FORMAT}\n",
        settings.virtual_hosts_ip, settings.virtual_hosts_port
    );
    for frontend in &model.virtual_host_frontends {
        for condition in &frontend.conditions {
            let _ = writeln!(
                out,
                "  # destination: {}",
                comment(&condition.destination.0)
            );
            for acl in &condition.acls.acls {
                let _ = writeln!(out, "  acl {} {}", acl.name, acl.definition);
            }
            match &condition.acls.condition {
                Some(c) => {
                    let _ = writeln!(out, "  use_backend {} if {c}\n", condition.destination.1);
                }
                None => {
                    let _ = writeln!(out, "  use_backend {}\n", condition.destination.1);
                }
            }
        }
    }
    for backend in &model.virtual_host_backends {
        let _ = writeln!(
            out,
            "# backend: {}\nbackend {}\n  balance roundrobin\n  mode http\n  option forwardfor\n  http-request set-header X-Forwarded-Port %[dst_port]\n",
            comment(&backend.name),
            backend.lookup
        );
        for server in &backend.servers {
            let _ = writeln!(
                out,
                "  # server: {}\n  server {} {}\n",
                comment(&server.name),
                server.lookup,
                server.url
            );
        }
    }
}

fn write_frontend(out: &mut String, frontend: &Frontend) {
    let _ = writeln!(
        out,
        "\n# frontend: {}\nfrontend {}",
        comment(&frontend.name),
        frontend.lookup
    );
    if let Some((ip, port)) = &frontend.bind {
        let _ = writeln!(out, "  bind {ip}:{port}");
    }
    match frontend.mode {
        Mode::Http => {
            let _ = writeln!(out, "\n  option httplog\n  log-format {HTTP_LOG_FORMAT}\n");
        }
        Mode::Tcp => {
            let _ = writeln!(out, "\n  option tcplog\n  log-format {TCP_LOG_FORMAT}\n");
        }
    }
    if let Some(sock) = &frontend.unix_sock {
        let _ = writeln!(out, "  bind unix@{sock} accept-proxy\n");
    }
    let _ = writeln!(out, "  mode {}", frontend.mode.as_str());
    for condition in &frontend.conditions {
        let _ = writeln!(
            out,
            "\n  # destination: {}",
            comment(&condition.destination.0)
        );
        for acl in &condition.acls.acls {
            let _ = writeln!(out, "  acl {} {}", acl.name, acl.definition);
        }
        match &condition.acls.condition {
            Some(c) => {
                let _ = writeln!(out, "  use_backend {} if {c}", condition.destination.1);
            }
            None => {
                let _ = writeln!(out, "  use_backend {}", condition.destination.1);
            }
        }
    }
    let _ = writeln!(
        out,
        "\n  # backend: {}\n  default_backend {}",
        comment(&frontend.default_backend.0),
        frontend.default_backend.1
    );
}

fn write_backend(out: &mut String, backend: &Backend) {
    let _ = writeln!(
        out,
        "\n# backend: {}\nbackend {}\n  mode {}\n  balance {}",
        comment(&backend.name),
        backend.lookup,
        backend.mode.as_str(),
        backend.balance
    );
    if backend.sticky {
        let _ = writeln!(out, "  cookie {} insert indirect nocache", backend.lookup);
    }
    for (path, condition) in &backend.rewrites {
        let _ = writeln!(out, "\n  http-request set-path {path} if {condition}");
    }
    for server in &backend.proxy_servers {
        let cookie = if backend.sticky {
            format!(" cookie {}", server.lookup)
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "\n  # server: {}\n  server {} unix@{} send-proxy weight {} check{cookie}",
            comment(&server.name),
            server.lookup,
            server.unix_sock,
            server.weight
        );
    }
    if !backend.servers.is_empty() {
        out.push_str("\n  option forwardfor\n");
        for server in &backend.servers {
            let mut line = format!("  server {} {}", server.lookup, server.url);
            if backend.mode == Mode::Http {
                let _ = write!(line, " cookie {}", server.lookup);
            }
            let _ = write!(line, " weight {} check", server.weight);
            if let Some(interval) = server.check_interval {
                let _ = write!(line, " inter {interval}");
            }
            if backend.sticky {
                let _ = write!(line, " cookie {}", server.lookup);
            }
            if server.resolve {
                let _ = write!(line, " resolvers {RESOLVERS} init-addr none");
            }
            let _ = writeln!(out, "\n  # server: {}\n{line}", comment(&server.name));
        }
    }
}
