//! Shell-style `*` and `?` matching, for `--skip`/`--only` check ids and
//! for sysctl.d keys with wildcards (`net.ipv4.conf.*.rp_filter`).

/// Whether `text` matches `pattern` (`*` any run, `?` one character).
pub fn matches(pattern: &str, text: &str) -> bool {
    if !pattern.contains(['*', '?']) {
        return pattern == text;
    }
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    // Iterative matcher with one backtrack point: linear for the patterns
    // people write, no recursion.
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ti));
                pi += 1;
            }
            Some(&c) if c == '?' || c == t[ti] => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some((star_pi, star_ti)) => {
                    pi = star_pi + 1;
                    ti = star_ti + 1;
                    star = Some((star_pi, star_ti + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn wildcards() {
        assert!(matches("sysctl.*", "sysctl.net.ipv4.ip_forward"));
        assert!(matches("*", ""));
        assert!(matches("cpu.steal", "cpu.steal"));
        assert!(!matches("cpu.steal", "cpu.stealx"));
        assert!(matches(
            "net.ipv4.conf.*.rp_filter",
            "net.ipv4.conf.eth0.rp_filter"
        ));
        assert!(!matches(
            "net.ipv4.conf.*.rp_filter",
            "net.ipv4.conf.eth0.forwarding"
        ));
        assert!(matches("etcd.lease?", "etcd.leases"));
        assert!(matches("*.mtu", "backend.mtu"));
        assert!(!matches("a*b", "acd"));
    }
}
