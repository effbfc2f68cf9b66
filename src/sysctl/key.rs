//! Sysctl key names and where they live under /proc/sys.
//!
//! sysctl(8)'s rules: in dotted form `.` separates components and `/`
//! stands for a literal dot inside one (`net.ipv4.conf.eth0/100.rp_filter`
//! is the file `net/ipv4/conf/eth0.100/rp_filter`); in slashed form the
//! path is taken as written. The `sysctl` crate and systeroid both lose
//! that distinction, which breaks VLAN interface names.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Top-level directories of /proc/sys; anything else is not a sysctl.
const TOP_LEVELS: &[&str] = &[
    "abi", "crypto", "debug", "dev", "fs", "kernel", "net", "sunrpc", "user", "vm",
];

/// A validated sysctl key, stored as its path components.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SysctlKey {
    components: Vec<String>,
}

impl SysctlKey {
    /// Parse a dotted (`net.ipv4.ip_forward`) or slashed
    /// (`net/ipv4/ip_forward`) key.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        // procps decides by the first separator: a '/' before any '.'
        // means the slashed form.
        let slashed = text
            .find(['.', '/'])
            .is_some_and(|i| text.as_bytes()[i] == b'/');
        let components: Vec<String> = if slashed {
            text.split('/').map(str::to_string).collect()
        } else {
            text.split('.').map(|c| c.replace('/', ".")).collect()
        };
        let key = SysctlKey { components };
        key.validate(text)?;
        Ok(key)
    }

    fn validate(&self, text: &str) -> Result<(), String> {
        let first = self.components.first().map(String::as_str).unwrap_or("");
        if !TOP_LEVELS.contains(&first) {
            return Err(format!(
                "`{text}` is not a sysctl key: keys start with one of {}",
                TOP_LEVELS.join(", ")
            ));
        }
        if self.components.len() < 2 {
            return Err(format!(
                "`{text}` is not a sysctl key: it names no parameter"
            ));
        }
        for component in &self.components {
            let valid = !component.is_empty()
                && component != "."
                && component != ".."
                && component
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_-.:@+".contains(c));
            if !valid {
                return Err(format!(
                    "`{text}` is not a sysctl key: bad component `{component}`"
                ));
            }
        }
        Ok(())
    }

    /// The node path, e.g. `/proc/sys/net/ipv4/ip_forward`.
    pub fn proc_path(&self) -> String {
        format!("/proc/sys/{}", self.components.join("/"))
    }

    /// The parent directory's node path, e.g. `/proc/sys/net/bridge`.
    pub fn proc_dir(&self) -> String {
        let parent = &self.components[..self.components.len() - 1];
        format!("/proc/sys/{}", parent.join("/"))
    }

    /// Path components.
    pub fn components(&self) -> &[String] {
        &self.components
    }

    /// Whether the key lives in a network namespace (follows the reader's
    /// netns) rather than being one value for the whole host.
    ///
    /// Sources: the kernel registers these tables per `struct net`
    /// (`register_net_sysctl`): net/ipv4, net/ipv6, net/bridge (since 5.3
    /// br_netfilter is per-netns), net/unix, and net/netfilter except the
    /// conntrack table size and hash size, which stay global and are
    /// read-only outside the initial namespace
    /// (`nf_conntrack_standalone.c`: "Don't allow non-init_net ns to alter
    /// global sysctls"). net.core's buffer limits (rmem_max and friends)
    /// are global; somaxconn is per-netns.
    pub fn is_per_netns(&self) -> bool {
        let parts: Vec<&str> = self.components.iter().map(String::as_str).collect();
        match parts.as_slice() {
            [
                "net",
                "netfilter",
                "nf_conntrack_max" | "nf_conntrack_buckets" | "nf_conntrack_expect_max",
                ..,
            ] => false,
            ["net", "nf_conntrack_max"] => false,
            [
                "net",
                "core",
                "somaxconn" | "xfrm_acq_expires" | "xfrm_aevent_etime" | "xfrm_aevent_rseqth"
                | "xfrm_larval_drop",
            ] => true,
            ["net", "core", ..] => false,
            ["net", ..] => true,
            _ => false,
        }
    }
}

impl fmt::Display for SysctlKey {
    /// Dotted form, with `/` for dots inside a component.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let dotted: Vec<String> = self
            .components
            .iter()
            .map(|c| c.replace('.', "/"))
            .collect();
        f.write_str(&dotted.join("."))
    }
}

impl Serialize for SysctlKey {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for SysctlKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        SysctlKey::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(text: &str) -> SysctlKey {
        SysctlKey::parse(text).expect("valid key")
    }

    #[test]
    fn dotted_and_slashed_forms_name_the_same_file() {
        assert_eq!(
            key("net.ipv4.ip_forward").proc_path(),
            "/proc/sys/net/ipv4/ip_forward"
        );
        assert_eq!(key("net/ipv4/ip_forward"), key("net.ipv4.ip_forward"));
    }

    #[test]
    fn slash_in_dotted_form_is_a_literal_dot_vlan_names_survive() {
        let vlan = key("net.ipv4.conf.eth0/100.rp_filter");
        assert_eq!(
            vlan.proc_path(),
            "/proc/sys/net/ipv4/conf/eth0.100/rp_filter"
        );
        assert_eq!(vlan.to_string(), "net.ipv4.conf.eth0/100.rp_filter");
        let slashed = key("net/ipv4/conf/eth0.100/rp_filter");
        assert_eq!(slashed, vlan);
        assert_eq!(slashed.to_string(), "net.ipv4.conf.eth0/100.rp_filter");
    }

    #[test]
    fn bridge_keys_keep_their_dashes() {
        let k = key("net.bridge.bridge-nf-call-iptables");
        assert_eq!(
            k.proc_path(),
            "/proc/sys/net/bridge/bridge-nf-call-iptables"
        );
        assert_eq!(k.proc_dir(), "/proc/sys/net/bridge");
    }

    #[test]
    fn non_sysctl_names_are_rejected_with_the_reason() {
        for bad in [
            "foo.bar",
            "net",
            "net..ipv4",
            "net.ipv4.ip forward",
            "net.ipv4.../x",
            "",
        ] {
            let err = SysctlKey::parse(bad).expect_err(bad);
            assert!(err.contains("is not a sysctl key"), "{bad}: {err}");
        }
    }

    #[test]
    fn namespace_scope() {
        assert!(key("net.ipv4.ip_forward").is_per_netns());
        assert!(key("net.ipv4.tcp_fin_timeout").is_per_netns());
        assert!(key("net.bridge.bridge-nf-call-iptables").is_per_netns());
        assert!(key("net.core.somaxconn").is_per_netns());
        assert!(!key("net.netfilter.nf_conntrack_max").is_per_netns());
        assert!(!key("net.core.rmem_max").is_per_netns());
        assert!(!key("vm.swappiness").is_per_netns());
        assert!(!key("kernel.pid_max").is_per_netns());
    }
}
