//! What HAProxy 2.6 accepts where Vamp copies text verbatim: sample fetch names (the first
//! word of an ACL), predefined ACL names and `balance` algorithms (HAProxy 2.6 configuration
//! manual §7.3, §7.4, §4.2). Used to refuse a raw ACL or rewrite `haproxy -c` would reject.

/// Sample fetches and ACL keywords (with their match-method suffixes) usable in an ACL.
const FETCHES: &[&str] = &[
    "always_false",
    "always_true",
    "avg_queue",
    "be_conn",
    "be_sess_rate",
    "bin",
    "bool",
    "connslots",
    "cpu_calls",
    "cpu_ns_avg",
    "cpu_ns_tot",
    "date",
    "env",
    "fe_conn",
    "fe_req_rate",
    "fe_sess_rate",
    "int",
    "ipv4",
    "ipv6",
    "meth",
    "method",
    "nbproc",
    "nbsrv",
    "proc",
    "queue",
    "rand",
    "srv_conn",
    "srv_is_up",
    "srv_queue",
    "stopping",
    "str",
    "thread",
    "var",
    "src",
    "src_port",
    "dst",
    "dst_port",
    "dst_conn",
    "so_id",
    "ssl_fc",
    "ssl_fc_sni",
    "ssl_c_used",
    "ssl_fc_has_sni",
    "req_len",
    "req.len",
    "req_ssl_sni",
    "req.ssl_sni",
    "req_ssl_ver",
    "req.ssl_ver",
    "req.payload",
    "payload",
    "req.proto_http",
    "req_proto_http",
    "rdp_cookie",
    "base",
    "base_beg",
    "base_dir",
    "base_dom",
    "base_end",
    "base_len",
    "base_reg",
    "base_sub",
    "base32",
    "capture.req.hdr",
    "capture.req.method",
    "capture.req.uri",
    "cook",
    "cook_beg",
    "cook_cnt",
    "cook_dir",
    "cook_dom",
    "cook_end",
    "cook_len",
    "cook_reg",
    "cook_sub",
    "cook_val",
    "cookie",
    "hdr",
    "hdr_beg",
    "hdr_cnt",
    "hdr_dir",
    "hdr_dom",
    "hdr_end",
    "hdr_ip",
    "hdr_len",
    "hdr_reg",
    "hdr_sub",
    "hdr_val",
    "hdr_str",
    "http_auth",
    "http_first_req",
    "path",
    "path_beg",
    "path_dir",
    "path_dom",
    "path_end",
    "path_len",
    "path_reg",
    "path_sub",
    "pathq",
    "query",
    "req.body",
    "req.cook",
    "req.cook_cnt",
    "req.cook_val",
    "req.fhdr",
    "req.fhdr_cnt",
    "req.hdr",
    "req.hdr_cnt",
    "req.hdr_ip",
    "req.hdr_val",
    "req.hdrs",
    "req.ver",
    "req_ver",
    "res.hdr",
    "status",
    "url",
    "url_beg",
    "url_dir",
    "url_dom",
    "url_end",
    "url_ip",
    "url_len",
    "url_port",
    "url_reg",
    "url_sub",
    "url_param",
    "urlp",
    "urlp_val",
    "http_req_rate",
    "sc_http_req_rate",
];

/// HAProxy's predefined ACLs (manual §7.4).
const PREDEFINED_ACLS: &[&str] = &[
    "FALSE",
    "HTTP",
    "HTTP_1.0",
    "HTTP_1.1",
    "HTTP_2.0",
    "HTTP_CONTENT",
    "HTTP_URL_ABS",
    "HTTP_URL_SLASH",
    "HTTP_URL_STAR",
    "LOCALHOST",
    "METH_CONNECT",
    "METH_DELETE",
    "METH_GET",
    "METH_HEAD",
    "METH_OPTIONS",
    "METH_POST",
    "METH_PUT",
    "METH_TRACE",
    "RDP_COOKIE",
    "REQ_CONTENT",
    "TRUE",
    "WAIT_END",
];

/// `balance` algorithms (manual §4.2).
const BALANCE: &[&str] = &[
    "roundrobin",
    "static-rr",
    "leastconn",
    "first",
    "source",
    "uri",
    "url_param",
    "random",
    "rdp-cookie",
    "hash",
];

/// Whether `word` (an ACL's first word, e.g. `hdr_sub(user-agent)` or `path,lower`) starts
/// with a sample fetch HAProxy knows.
pub fn is_known_fetch(word: &str) -> bool {
    let name = word.split(['(', ',']).next().unwrap_or(word).trim();
    FETCHES.contains(&name)
}

pub fn is_predefined_acl(word: &str) -> bool {
    PREDEFINED_ACLS.contains(&word)
}

/// Whether a `balance` line HAProxy accepts: an algorithm, `hdr(<name>)`, `rdp-cookie(<n>)`,
/// optionally followed by its arguments.
pub fn is_known_balance(balance: &str) -> bool {
    let first = balance.split_whitespace().next().unwrap_or("");
    if let Some(inner) = first
        .strip_prefix("hdr(")
        .or_else(|| first.strip_prefix("rdp-cookie("))
    {
        return inner.ends_with(')') && inner.len() > 1;
    }
    BALANCE.contains(&first)
}

/// Why a rewrite condition (`http-request set-path ... if <condition>`) would be refused:
/// a named ACL that is not predefined (this file defines none for rewrites), or an anonymous
/// ACL `{ ... }` whose fetch HAProxy does not know. `None` when acceptable.
pub fn condition_problem(condition: &str) -> Option<String> {
    let mut words = condition.split_whitespace().peekable();
    let mut depth = 0usize;
    let mut expect_fetch = false;
    while let Some(word) = words.next() {
        match word {
            "{" => {
                depth += 1;
                expect_fetch = true;
                continue;
            }
            "}" => {
                if depth == 0 {
                    return Some("unbalanced `}`".into());
                }
                depth -= 1;
                continue;
            }
            _ => {}
        }
        let bare = word.trim_start_matches('!');
        if bare == "{" {
            depth += 1;
            expect_fetch = true;
            continue;
        }
        if depth > 0 {
            if expect_fetch {
                expect_fetch = false;
                if !is_known_fetch(bare) {
                    return Some(format!("unknown fetch method `{bare}`"));
                }
            }
            continue;
        }
        if bare.is_empty() || matches!(bare, "or" | "||" | "!") {
            continue;
        }
        if !is_predefined_acl(bare) {
            return Some(format!(
                "`{bare}` is not an ACL HAProxy predefines; write the test inline in braces"
            ));
        }
    }
    if depth != 0 {
        return Some("unbalanced `{`".into());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fetches_and_balances() {
        assert!(is_known_fetch("hdr_sub(user-agent)"));
        assert!(is_known_fetch("url_beg"));
        assert!(!is_known_fetch("p_ext_jpg"));
        assert!(is_known_balance("first"));
        assert!(is_known_balance("hdr(host)"));
        assert!(!is_known_balance("custom"));
    }

    #[test]
    fn rewrite_conditions() {
        assert!(condition_problem("{ path_end -i .jpg }").is_none());
        assert!(condition_problem("{ path_end -i .jpg } !{ path_beg -i /images/ }").is_none());
        assert!(condition_problem("{ p_ext_jpg path_end -i .jpg }").is_some());
        assert!(condition_problem("METH_GET").is_none());
        assert!(condition_problem("my_acl").is_some());
    }
}
