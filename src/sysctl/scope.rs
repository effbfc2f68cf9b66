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
    /// /proc/sys (below the host root) is on a read-only mount, as in most
    /// containers: nothing there can be written.
    pub proc_sys_read_only: bool,
}

/// The conntrack size key is 0644 in the initial namespace and 0444 in
/// every other (nf_conntrack_standalone.c makes it read-only there).
const CONNTRACK_MAX: &str = "/proc/sys/net/netfilter/nf_conntrack_max";

/// Work out the scope from /proc.
pub fn detect(host: &Host) -> Scope {
    // The mount flags of the very directory `tune` writes to, rather than a
    // search of /proc/self/mounts, which also costs a tenth of a whole
    // `k8snet check` to generate.
    let proc_sys_read_only = host.on_read_only_mount("/proc/sys").unwrap_or(false);
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
