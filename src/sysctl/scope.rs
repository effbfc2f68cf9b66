//! Where k8snet is running: in the host's initial network namespace or not,
//! and whether /proc/sys is writable.
//!
//! net.* files under /proc/sys always show the network namespace of the
//! process that opens them, whatever root they are read under, so a
//! container without hostNetwork reads its own values, not the node's.
//! Host-wide keys (conntrack table size, net.core buffers, vm.*, kernel.*)
//! are one value for the machine and read-only outside the initial
//! namespace.

use serde::Serialize;

use crate::host::Host;

/// What k8snet knows about its own vantage point.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Scope {
    /// `Some(true)` in the host's initial network namespace, `Some(false)`
    /// outside it, `None` when nothing could tell.
    pub initial_netns: Option<bool>,
    /// How that was decided.
    pub evidence: String,
    /// /proc/sys (or /proc) is mounted read-only, as in most containers.
    pub proc_sys_read_only: bool,
}

/// The conntrack size key is 0644 in the initial namespace and 0444 in
/// every other (nf_conntrack_standalone.c makes it read-only there).
const CONNTRACK_MAX: &str = "/proc/sys/net/netfilter/nf_conntrack_max";

/// Work out the scope from /proc.
pub fn detect(host: &Host) -> Scope {
    let proc_sys_read_only = host
        .read("/proc/self/mounts")
        .map(|mounts| read_only_proc_sys(&mounts))
        .unwrap_or(false);
    let own = host.read_link("/proc/self/ns/net");
    let init = host.read_link("/proc/1/ns/net");
    let (initial_netns, evidence) = match (&own, &init) {
        (Ok(own), Ok(init)) => (
            Some(own == init),
            format!("own network namespace {own}, pid 1's {init}"),
        ),
        _ => match host.mode(CONNTRACK_MAX) {
            Ok(mode) if mode & 0o200 == 0 => (
                Some(false),
                format!(
                    "{CONNTRACK_MAX} is read-only (mode {mode:o}), as outside the initial namespace"
                ),
            ),
            Ok(mode) => (
                Some(true),
                format!("{CONNTRACK_MAX} is writable (mode {mode:o}), as in the initial namespace"),
            ),
            Err(_) => (
                None,
                "pid 1's namespace is not readable and nf_conntrack is not loaded".into(),
            ),
        },
    };
    Scope {
        initial_netns,
        evidence,
        proc_sys_read_only,
    }
}

/// Whether /proc/sys (or /proc, when /proc/sys is not a mount of its own)
/// is mounted read-only, from /proc/self/mounts.
fn read_only_proc_sys(mounts: &str) -> bool {
    let mut proc_ro = None;
    let mut proc_sys_ro = None;
    for line in mounts.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let (Some(target), Some(options)) = (fields.get(1), fields.get(3)) else {
            continue;
        };
        let ro = options.split(',').any(|o| o == "ro");
        // Later mounts stack over earlier ones at the same point.
        match *target {
            "/proc" => proc_ro = Some(ro),
            "/proc/sys" => proc_sys_ro = Some(ro),
            _ => {}
        }
    }
    proc_sys_ro.or(proc_ro).unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_style_read_only_proc_sys() {
        let mounts = "proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0\nproc /proc/sys proc ro,nosuid,nodev,noexec,relatime 0 0\n";
        assert!(read_only_proc_sys(mounts));
    }

    #[test]
    fn writable_proc() {
        assert!(!read_only_proc_sys("proc /proc proc rw,relatime 0 0\n"));
        assert!(!read_only_proc_sys(""));
        assert!(read_only_proc_sys("proc /proc proc ro,relatime 0 0\n"));
    }
}
