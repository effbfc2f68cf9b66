//! Boot persistence ("blame"): which value boot will set for a key, and
//! which file:line sets it.
//!
//! Order as systemd-sysctl applies it (sysctl.d(5)): `*.conf` files from
//! /etc/sysctl.d, /run/sysctl.d, /usr/local/lib/sysctl.d, /usr/lib/sysctl.d
//! and /lib/sysctl.d; a file in an earlier directory shadows a same-named
//! file in a later one; the survivors are applied in lexical order of their
//! names, and the last assignment of a key wins. procps' `sysctl --system`
//! then applies /etc/sysctl.conf last (Debian links it in as
//! /etc/sysctl.d/99-sysctl.conf; a file met twice counts once).

use serde::Serialize;

use crate::glob;
use crate::host::Host;

use super::SysctlKey;

/// Directories in precedence order (sysctl.d(5)).
pub const SYSCTL_DIRS: &[&str] = &[
    "/etc/sysctl.d",
    "/run/sysctl.d",
    "/usr/local/lib/sysctl.d",
    "/usr/lib/sysctl.d",
    "/lib/sysctl.d",
];

/// One `key = value` line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Assignment {
    /// Node path of the file.
    pub file: String,
    /// 1-based line number.
    pub line: usize,
    /// The key as written, in dotted form; may hold `*` wildcards.
    pub key: String,
    /// The value, whitespace-normalised.
    pub value: String,
}

impl Assignment {
    /// `file:line`.
    pub fn location(&self) -> String {
        format!("{}:{}", self.file, self.line)
    }
}

/// A line that is neither a comment nor an assignment (systemd-sysctl logs
/// and skips these).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BadLine {
    /// Node path of the file.
    pub file: String,
    /// 1-based line number.
    pub line: usize,
    /// The text.
    pub text: String,
}

/// Parse one sysctl.d file. Lines: blank, `#`/`;` comments, `key = value`,
/// and `-key = value` (failure to set is ignored; same assignment for us).
pub fn parse_conf(file: &str, text: &str) -> (Vec<Assignment>, Vec<BadLine>) {
    let mut assignments = Vec::new();
    let mut bad = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            bad.push(BadLine {
                file: file.to_string(),
                line: index + 1,
                text: raw.to_string(),
            });
            continue;
        };
        let key = key.trim().trim_start_matches('-').trim();
        assignments.push(Assignment {
            file: file.to_string(),
            line: index + 1,
            key: normalize_key(key),
            value: crate::profile::normalize_value(value),
        });
    }
    (assignments, bad)
}

/// Dotted form for comparison; wildcard keys keep their pattern.
fn normalize_key(key: &str) -> String {
    match SysctlKey::parse(key) {
        Ok(parsed) => parsed.to_string(),
        Err(_) => {
            let slashed = key
                .find(['.', '/'])
                .is_some_and(|i| key.as_bytes()[i] == b'/');
            if slashed {
                key.replace('/', ".")
            } else {
                key.to_string()
            }
        }
    }
}

/// Whether the node path `file` is a symbolic link to the node path
/// `target` (relative links resolved against the link's directory, as
/// Debian's `99-sysctl.conf -> ../sysctl.conf`). One readlink(2) per file,
/// instead of canonicalising every path component.
fn links_to(host: &Host, file: &str, target: &str) -> bool {
    let Ok(link) = host.read_link(file) else {
        return false;
    };
    let base = if link.starts_with('/') {
        ""
    } else {
        file.rsplit_once('/').map_or("", |(dir, _)| dir)
    };
    let mut parts: Vec<&str> = Vec::new();
    for part in base.split('/').chain(link.split('/')) {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    format!("/{}", parts.join("/")) == target
}

/// Everything boot will apply, in order.
#[derive(Clone, Debug, Default, Serialize)]
pub struct BootConfig {
    /// Files in application order (node paths).
    pub files: Vec<String>,
    /// Assignments in application order.
    pub assignments: Vec<Assignment>,
    /// Lines that are not assignments.
    pub bad_lines: Vec<BadLine>,
    /// Files that exist but could not be read, with the reason.
    pub unreadable: Vec<String>,
}

impl BootConfig {
    /// Read the sysctl.d tree under the host root.
    pub fn load(host: &Host) -> BootConfig {
        let mut config = BootConfig::default();
        let mut chosen: Vec<(String, String)> = Vec::new();
        for dir in SYSCTL_DIRS {
            let names = match host.list(dir) {
                Ok(names) => names,
                Err(e) => {
                    config.unreadable.push(e.to_string());
                    continue;
                }
            };
            for name in names.into_iter().filter(|n| n.ends_with(".conf")) {
                if !chosen.iter().any(|(n, _)| *n == name) {
                    chosen.push((name.clone(), format!("{dir}/{name}")));
                }
            }
        }
        chosen.sort();
        let mut paths: Vec<String> = chosen.into_iter().map(|(_, path)| path).collect();
        let sysctl_conf = "/etc/sysctl.conf";
        let already = paths.iter().any(|p| links_to(host, p, sysctl_conf));
        if host.exists(sysctl_conf) && !already {
            paths.push(sysctl_conf.to_string());
        }
        for path in paths {
            match host.read(&path) {
                Ok(text) => {
                    let (assignments, bad) = parse_conf(&path, &text);
                    config.assignments.extend(assignments);
                    config.bad_lines.extend(bad);
                    config.files.push(path);
                }
                // A link to /dev/null masks a file; reading it gives "".
                Err(e) => config.unreadable.push(e.to_string()),
            }
        }
        config
    }

    /// Every assignment that applies to `key`, in application order.
    pub fn assignments_for(&self, key: &SysctlKey) -> Vec<&Assignment> {
        let name = key.to_string();
        self.assignments
            .iter()
            .filter(|a| a.key == name || glob::matches(&a.key, &name))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_assignments_comments_and_bad_lines() {
        let text = "# comment\n; other\n\nnet.ipv4.ip_forward = 1\n-net.bridge.bridge-nf-call-iptables=1\nnet/ipv4/tcp_fin_timeout =  30 \nnet.ipv4.ip_local_port_range = 1024\t65535\ngarbage line\n";
        let (assignments, bad) = parse_conf("/etc/sysctl.d/x.conf", text);
        let keys: Vec<(&str, &str, usize)> = assignments
            .iter()
            .map(|a| (a.key.as_str(), a.value.as_str(), a.line))
            .collect();
        assert_eq!(
            keys,
            vec![
                ("net.ipv4.ip_forward", "1", 4),
                ("net.bridge.bridge-nf-call-iptables", "1", 5),
                ("net.ipv4.tcp_fin_timeout", "30", 6),
                ("net.ipv4.ip_local_port_range", "1024 65535", 7),
            ]
        );
        assert_eq!(bad.len(), 1);
        assert_eq!(bad[0].line, 8);
    }

    #[test]
    fn debian_sysctl_conf_link_counts_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        let etc = dir.path().join("etc");
        std::fs::create_dir_all(etc.join("sysctl.d")).expect("mkdir");
        #[allow(clippy::disallowed_methods)]
        std::fs::write(etc.join("sysctl.conf"), "net.ipv4.ip_forward = 1\n").expect("write");
        std::os::unix::fs::symlink("../sysctl.conf", etc.join("sysctl.d/99-sysctl.conf"))
            .expect("link");
        let host = Host::new(
            dir.path(),
            crate::exec::Exec::with_search_path(""),
            Box::new(crate::clock::SystemClock),
        );
        let config = BootConfig::load(&host);
        assert_eq!(config.files, vec!["/etc/sysctl.d/99-sysctl.conf"]);
        assert_eq!(config.assignments.len(), 1);
    }

    #[test]
    fn wildcard_keys_apply_to_matching_keys() {
        let (assignments, _) = parse_conf("/f", "net.ipv4.conf.*.rp_filter = 2\n");
        let config = BootConfig {
            assignments,
            ..BootConfig::default()
        };
        let key = SysctlKey::parse("net.ipv4.conf.eth0.rp_filter").expect("key");
        assert_eq!(config.assignments_for(&key).len(), 1);
        let other = SysctlKey::parse("net.ipv4.ip_forward").expect("key");
        assert!(config.assignments_for(&other).is_empty());
    }
}
