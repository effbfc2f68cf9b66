//! Per-lease problems, found without touching etcd: every lease is checked
//! against the config and against the other leases, and each finding is
//! attached to the lease it concerns, so one bad lease never hides the
//! others. Rules come from flannel's allocator and renewal
//! (FORMATS.md A.3, A.4, A.6).

use std::net::Ipv4Addr;

use crate::etcd::config::NetworkConfig;
use crate::etcd::lease::LeaseEntry;
use crate::etcd::problem::Problem;

/// flanneld renews a lease this long before it expires
/// (`--subnet-lease-renew-margin`, default 60 minutes, `main.go`).
pub const RENEW_MARGIN_SECS: i64 = 60 * 60;

/// Backends whose leases carry no BackendType (`pkg/lease/lease.go`
/// users: udp, alloc and tencent-vpc write `LeaseAttrs{PublicIP}` only).
const UNTYPED_BACKENDS: &[&str] = &["udp", "alloc", "tencent-vpc"];

/// The problems of each lease, in the order of `leases`.
pub fn analyze(config: Option<&NetworkConfig>, leases: &[LeaseEntry]) -> Vec<Vec<Problem>> {
    let mut problems: Vec<Vec<Problem>> = leases.iter().map(|l| own_problems(config, l)).collect();
    overlaps(leases, &mut problems);
    duplicate_public_ips(leases, &mut problems);
    problems
}

/// Problems a lease has on its own: its value, its place in the config's
/// network, its backend and its TTL.
fn own_problems(config: Option<&NetworkConfig>, lease: &LeaseEntry) -> Vec<Problem> {
    let mut out = Vec::new();
    if let Err(e) = &lease.attrs {
        out.push(Problem::fail(
            "etcd-lease-invalid",
            format!("value is not a flannel lease: {e}"),
        ));
    }
    if let Some(config) = config {
        placement(config, lease, &mut out);
        backend(config, lease, &mut out);
    }
    match lease.ttl {
        Some(ttl) if ttl <= 0 => out.push(Problem::fail(
            "etcd-lease-expired",
            "expired; its node's flanneld has not renewed it",
        )),
        Some(ttl) if ttl < RENEW_MARGIN_SECS => out.push(Problem::warn(
            "etcd-lease-expiring",
            format!(
                "expires in {}; flanneld renews 60 min before expiry, so its flanneld is probably not running",
                human_ttl(ttl)
            ),
        )),
        _ => {}
    }
    out
}

fn placement(config: &NetworkConfig, lease: &LeaseEntry, out: &mut Vec<Problem>) {
    let ipv6_only_key = lease.subnet.prefix_len() == 0;
    if let (true, false, Some(network)) = (config.enable_ipv4, ipv6_only_key, config.network) {
        let subnet = lease.subnet;
        if !network.contains(&subnet) {
            out.push(Problem::fail(
                "etcd-lease-outside-network",
                format!("{subnet} is outside the Network {network}"),
            ));
        } else if let (Some(min), Some(max)) = (config.subnet_min, config.subnet_max)
            && (subnet.network() < min || subnet.network() > max)
        {
            out.push(Problem::warn(
                "etcd-lease-outside-range",
                format!("{subnet} is outside SubnetMin..SubnetMax ({min}..{max}); flannel would not hand it out"),
            ));
        }
        if let Some(len) = config.subnet_len
            && (subnet.prefix_len() != len || subnet.trunc() != subnet)
        {
            out.push(Problem::fail(
                "etcd-lease-prefix-length",
                format!("{subnet} is not a /{len} subnet as SubnetLen says"),
            ));
        }
    }
    if let (Some(v6), Some(network)) = (lease.ipv6_subnet, config.ipv6_network) {
        if !network.contains(&v6) {
            out.push(Problem::fail(
                "etcd-lease-outside-network",
                format!("{v6} is outside the IPv6Network {network}"),
            ));
        }
        if config
            .ipv6_subnet_len
            .is_some_and(|len| v6.prefix_len() != len)
        {
            out.push(Problem::fail(
                "etcd-lease-prefix-length",
                format!("{v6} does not have the IPv6SubnetLen of the config"),
            ));
        }
    }
}

fn backend(config: &NetworkConfig, lease: &LeaseEntry, out: &mut Vec<Problem>) {
    let Ok(attrs) = &lease.attrs else { return };
    let wanted = config.backend.kind.as_str();
    let matches = match &attrs.backend_type {
        Some(kind) => kind == wanted,
        None => UNTYPED_BACKENDS.contains(&wanted),
    };
    if !wanted.is_empty() && !matches {
        out.push(Problem::fail(
            "etcd-lease-backend-mismatch",
            format!(
                "written by the {} backend but the config says {wanted}; the nodes cannot reach each other until that node's flanneld restarts",
                attrs.backend()
            ),
        ));
    }
}

/// Overlapping subnets (IPv4, and IPv6 for dual stack): sort by start,
/// sweep keeping the furthest end seen, so 5,000 leases cost n log n.
fn overlaps(leases: &[LeaseEntry], problems: &mut [Vec<Problem>]) {
    let v4 = leases
        .iter()
        .enumerate()
        .filter(|(_, l)| l.subnet.prefix_len() > 0)
        .map(|(i, l)| {
            let start = u128::from(u32::from(l.subnet.network()));
            (
                start,
                start + (1u128 << (32 - l.subnet.prefix_len())) - 1,
                i,
            )
        });
    let v6 = leases.iter().enumerate().filter_map(|(i, l)| {
        let net = l.ipv6_subnet?;
        let start = u128::from(net.network());
        Some((
            start,
            start
                | u128::MAX
                    .checked_shr(u32::from(net.prefix_len()))
                    .unwrap_or(0),
            i,
        ))
    });
    for mut ranges in [v4.collect::<Vec<_>>(), v6.collect()] {
        ranges.sort_unstable();
        let mut furthest: Option<(u128, usize)> = None;
        for &(start, end, i) in &ranges {
            match furthest {
                Some((far_end, j)) if start <= far_end => {
                    let (a, b) = (name(leases, i), name(leases, j));
                    let overlap = |x: &str, y: &str| {
                        Problem::fail("etcd-lease-overlap", format!("{x} overlaps {y}"))
                    };
                    flag(problems, i, overlap(&a, &b));
                    flag(problems, j, overlap(&b, &a));
                    if end > far_end {
                        furthest = Some((end, i));
                    }
                }
                _ => furthest = Some((end, i)),
            }
        }
    }
    for list in problems.iter_mut() {
        list.dedup();
    }
}

/// Two leases with one PublicIP: two subnets routed to one node, usually
/// a stale lease left when the node came back with a new subnet.
fn duplicate_public_ips(leases: &[LeaseEntry], problems: &mut [Vec<Problem>]) {
    // Sorted rather than hashed: no list per address for 5,000 addresses
    // that are nearly all unique.
    let mut by_ip: Vec<(Ipv4Addr, usize)> = leases
        .iter()
        .enumerate()
        .filter_map(|(i, lease)| Some((lease.attrs.as_ref().ok()?.public_ip, i)))
        .collect();
    by_ip.sort_unstable();
    for owners in by_ip.chunk_by(|a, b| a.0 == b.0).filter(|o| o.len() > 1) {
        for &(ip, i) in owners {
            let others: Vec<String> = owners
                .iter()
                .filter(|&&(_, j)| j != i)
                .map(|&(_, j)| name(leases, j))
                .collect();
            flag(
                problems,
                i,
                Problem::fail(
                    "etcd-lease-duplicate-public-ip",
                    format!(
                        "PublicIP {ip} is also the PublicIP of {}",
                        others.join(", ")
                    ),
                ),
            );
        }
    }
}

/// The subnets of lease `i`, for messages (indices come from
/// `enumerate` over the same slice).
fn name(leases: &[LeaseEntry], i: usize) -> String {
    leases.get(i).map(LeaseEntry::subnets).unwrap_or_default()
}

/// Attach `problem` to lease `i`.
fn flag(problems: &mut [Vec<Problem>], i: usize, problem: Problem) {
    if let Some(list) = problems.get_mut(i) {
        list.push(problem);
    }
}

/// `23h59m`, `59m`, `45s`; `expired` at or below zero.
pub fn human_ttl(secs: i64) -> String {
    match secs {
        s if s <= 0 => "expired".into(),
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m", s / 60),
        s => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::etcd::config;

    fn vxlan_config() -> NetworkConfig {
        config::parse(include_str!(
            "../../tests/fixtures/flannel/config-vxlan-running-md.json"
        ))
        .unwrap()
    }

    fn lease(subnet: &str, ip: &str, ttl: Option<i64>) -> LeaseEntry {
        let value = format!(
            r#"{{"PublicIP":"{ip}","BackendType":"vxlan","BackendData":{{"VNI":1,"VtepMAC":"c6:d2:32:6f:8f:44"}}}}"#
        );
        LeaseEntry::new(format!("/coreos.com/network/subnets/{subnet}"), &value, ttl).unwrap()
    }

    fn codes(problems: &[Problem]) -> Vec<&str> {
        problems.iter().map(|p| p.code.as_str()).collect()
    }

    #[test]
    fn healthy_leases_have_no_problems() {
        let leases = [
            lease("10.5.1.0-24", "192.0.2.1", Some(86_000)),
            lease("10.5.2.0-24", "192.0.2.2", None),
        ];
        let found = analyze(Some(&vxlan_config()), &leases);
        assert!(found.iter().all(Vec::is_empty), "{found:?}");
    }

    #[test]
    fn one_bad_lease_does_not_hide_the_others() {
        let mut bad = lease("10.5.3.0-24", "192.0.2.3", Some(86_000));
        bad = LeaseEntry::new(&bad.key, "{\"PublicIP\":", bad.ttl).unwrap();
        let leases = [
            lease("10.5.1.0-24", "192.0.2.1", Some(86_000)),
            bad,
            lease("10.6.0.0-24", "192.0.2.4", Some(86_000)),
            lease("10.5.0.0-24", "192.0.2.5", Some(86_000)),
            lease("10.5.4.0-25", "192.0.2.6", Some(1200)),
            lease("10.5.5.0-24", "192.0.2.7", Some(0)),
        ];
        let found = analyze(Some(&vxlan_config()), &leases);
        assert!(found[0].is_empty(), "{:?}", found[0]);
        assert_eq!(codes(&found[1]), ["etcd-lease-invalid"]);
        assert_eq!(codes(&found[2]), ["etcd-lease-outside-network"]);
        assert_eq!(codes(&found[3]), ["etcd-lease-outside-range"]);
        assert_eq!(
            codes(&found[4]),
            ["etcd-lease-prefix-length", "etcd-lease-expiring"]
        );
        assert!(
            found[4][1].message.contains("expires in 20m"),
            "{:?}",
            found[4]
        );
        assert_eq!(codes(&found[5]), ["etcd-lease-expired"]);
    }

    #[test]
    fn overlaps_and_duplicate_public_ips_name_the_other_lease() {
        let leases = [
            lease("10.5.2.0-23", "192.0.2.1", None),
            lease("10.5.3.0-24", "192.0.2.2", None),
            lease("10.5.8.0-24", "192.0.2.2", None),
        ];
        let found = analyze(None, &leases);
        assert_eq!(codes(&found[0]), ["etcd-lease-overlap"]);
        assert_eq!(found[1][0].message, "10.5.3.0/24 overlaps 10.5.2.0/23");
        assert_eq!(
            codes(&found[1]),
            ["etcd-lease-overlap", "etcd-lease-duplicate-public-ip"]
        );
        assert_eq!(
            found[2][0].message,
            "PublicIP 192.0.2.2 is also the PublicIP of 10.5.3.0/24"
        );
    }

    #[test]
    fn dual_stack_overlap_and_backend_mismatch() {
        let udp = config::parse(r#"{"Network":"10.5.0.0/16"}"#).unwrap();
        let a = LeaseEntry::new(
            "/p/subnets/10.5.1.0-24&fc00:0:0:1::-64",
            r#"{"PublicIP":"192.0.2.1"}"#,
            None,
        )
        .unwrap();
        let b = LeaseEntry::new(
            "/p/subnets/10.5.2.0-24&fc00:0:0:1::-64",
            r#"{"PublicIP":"192.0.2.2"}"#,
            None,
        )
        .unwrap();
        let c = lease("10.5.3.0-24", "192.0.2.3", None);
        let found = analyze(Some(&udp), &[a, b, c]);
        assert_eq!(codes(&found[0]), ["etcd-lease-overlap"]);
        assert!(found[1][0].message.contains("fc00:0:0:1::/64"));
        assert_eq!(codes(&found[2]), ["etcd-lease-backend-mismatch"]);
    }

    #[test]
    fn ttl_is_shown_for_people() {
        assert_eq!(human_ttl(86_400), "24h00m");
        assert_eq!(human_ttl(3599), "59m");
        assert_eq!(human_ttl(5), "5s");
        assert_eq!(human_ttl(-1), "expired");
    }
}
