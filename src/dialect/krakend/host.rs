//! lura's host cleaning (`config/uri.go` `SafeCleanHost`): the pattern
//! `(https?://)?([a-zA-Z0-9\._\-]+)(:[0-9]{2,6})?/?` must match exactly once in the host
//! (unanchored, leftmost-first, non-overlapping, as Go's `FindAllStringSubmatch`); the scheme
//! defaults to `http://` and anything after the port is dropped.

/// The cleaned host, or `None` when lura rejects it (`host X not valid: invalid host`).
pub fn clean(host: &str) -> Option<String> {
    let mut matches = Vec::new();
    let mut at = 0;
    while at <= host.len() {
        match match_at(host, at) {
            Some(found) => {
                at = found.end.max(at + 1);
                matches.push(found);
            }
            None => at += 1,
        }
        if matches.len() > 1 {
            return None;
        }
    }
    let found = matches.pop()?;
    Some(format!(
        "{}{}{}",
        found.scheme.unwrap_or("http://"),
        &host[found.name.clone()],
        &host[found.port.clone()]
    ))
}

struct HostMatch {
    scheme: Option<&'static str>,
    name: std::ops::Range<usize>,
    port: std::ops::Range<usize>,
    end: usize,
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-')
}

fn match_at(host: &str, start: usize) -> Option<HostMatch> {
    let bytes = host.as_bytes();
    // The optional scheme group is greedy: try with it first, then without.
    for scheme in [Some("https://"), Some("http://"), None] {
        let after_scheme = match scheme {
            Some(s) if bytes.get(start..start + s.len()) == Some(s.as_bytes()) => start + s.len(),
            Some(_) => continue,
            None => start,
        };
        let name_len = bytes
            .get(after_scheme..)
            .unwrap_or(&[])
            .iter()
            .take_while(|b| is_name_byte(**b))
            .count();
        if name_len == 0 {
            continue;
        }
        let name_end = after_scheme + name_len;
        let mut end = name_end;
        let mut port = end..end;
        if bytes.get(end) == Some(&b':') {
            let digits = bytes
                .get(end + 1..)
                .unwrap_or(&[])
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count();
            if digits >= 2 {
                port = end..end + 1 + digits.min(6);
                end = port.end;
            }
        }
        if bytes.get(end) == Some(&b'/') {
            end += 1;
        }
        return Some(HostMatch {
            scheme,
            name: after_scheme..name_end,
            port,
            end,
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::clean;

    #[test]
    fn lura_host_cases() {
        assert_eq!(clean("localhost").as_deref(), Some("http://localhost"));
        assert_eq!(
            clean("https://api.github.com").as_deref(),
            Some("https://api.github.com")
        );
        assert_eq!(
            clean("http://127.0.0.1:8080/").as_deref(),
            Some("http://127.0.0.1:8080")
        );
        assert_eq!(clean("amqp://blah"), None);
        assert_eq!(clean("http://127.0.0.1:8080http://127.0.0.1:8080"), None);
        assert_eq!(clean(""), None);
        assert_eq!(clean("foo:8080/bar"), None);
    }
}
