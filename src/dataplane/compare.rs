//! Pure comparison of the kernel's forwarding state with the leases.
//!
//! What flanneld programs for each remote lease (flannel
//! `pkg/backend/vxlan/vxlan_network.go` `handleSubnetEvents`):
//! - vxlan: a route to the remote subnet via the subnet's network address,
//!   `onlink`, on flannel.<VNI>; a permanent neighbour entry mapping that
//!   address to the remote VtepMAC; an FDB entry on flannel.<VNI> mapping
//!   the VtepMAC to the remote PublicIP. With DirectRouting, a remote on
//!   the same underlay subnet gets a plain route via its PublicIP instead.
//! - host-gw (`pkg/backend/hostgw`): a route to the remote subnet via the
//!   remote PublicIP.

use std::net::Ipv4Addr;

use ipnet::Ipv4Net;

use crate::report::{Check, Status};

use super::kernel::{KernelState, Route, VxlanDevice};
use super::nodes::NodeLease;

/// Stable id part for a subnet, in flannel's key form (`10.244.2.0-24`).
fn subnet_id(subnet: &Ipv4Net) -> String {
    format!("{}-{}", subnet.network(), subnet.prefix_len())
}

/// All dataplane checks for this node.
pub fn checks(
    leases: &[NodeLease],
    own_subnet: Option<Ipv4Net>,
    state: &KernelState,
) -> Vec<Check> {
    if leases.is_empty() {
        return vec![Check::skip("dataplane.leases", "no leases to compare with")];
    }
    let device = state.devices.first();
    let own = own_lease(leases, own_subnet, device);
    let remotes: Vec<&NodeLease> = leases
        .iter()
        .filter(|l| own.is_none_or(|own| own.subnet != l.subnet))
        .collect();
    let mut checks = Vec::new();
    match device {
        Some(device) => {
            checks.push(vtep_check(own, own_subnet, device));
            for remote in &remotes {
                checks.push(vxlan_remote(remote, device, state));
            }
            checks.push(extras_check(leases, device, state));
        }
        None if leases.iter().all(|l| l.backend_type == "host-gw") => {
            for remote in &remotes {
                checks.push(host_gw_remote(remote, &state.routes));
            }
        }
        None => checks.push(Check::skip(
            "dataplane.vtep",
            "no flannel.<VNI> VXLAN device on this node and the leases are not host-gw: nothing to compare",
        )),
    }
    checks
}

fn own_lease<'a>(
    leases: &'a [NodeLease],
    own_subnet: Option<Ipv4Net>,
    device: Option<&VxlanDevice>,
) -> Option<&'a NodeLease> {
    if let Some(own) = own_subnet {
        return leases.iter().find(|l| l.subnet == own.trunc());
    }
    let addresses = device.map(|d| d.addresses.as_slice()).unwrap_or_default();
    leases
        .iter()
        .find(|l| addresses.iter().any(|a| l.subnet.contains(a)))
}

fn vtep_check(own: Option<&NodeLease>, own_subnet: Option<Ipv4Net>, device: &VxlanDevice) -> Check {
    let Some(own) = own else {
        let from = match own_subnet {
            Some(subnet) => format!("FLANNEL_SUBNET {subnet}"),
            None => format!("{} addresses {:?}", device.name, device.addresses),
        };
        return Check::new(
            "dataplane.vtep",
            Status::Warn,
            format!(
                "no lease belongs to this node ({from}): other nodes have no route to its pods"
            ),
        )
        .code("dataplane-no-own-lease")
        .hint("check that flanneld runs on this node and can write its lease");
    };
    match &own.vtep_mac {
        Some(mac) if *mac == device.mac => Check::ok(
            "dataplane.vtep",
            format!("{} has MAC {mac}, as this node's lease {} says", device.name, own.subnet),
        ),
        Some(mac) => Check::new(
            "dataplane.vtep",
            Status::Fail,
            format!(
                "{} has MAC {}, but this node's lease {} says {mac}: other nodes send overlay traffic for its pods to a MAC nobody has",
                device.name, device.mac, own.subnet
            ),
        )
        .code("dataplane-vtep-mac")
        .hint("restart flanneld on this node so it publishes its current VTEP MAC (the device was recreated, e.g. after a reboot)"),
        None => Check::ok(
            "dataplane.vtep",
            format!("this node's lease {} carries no VtepMAC to compare", own.subnet),
        ),
    }
}

fn vxlan_remote(remote: &NodeLease, device: &VxlanDevice, state: &KernelState) -> Check {
    let id = format!("dataplane.{}", subnet_id(&remote.subnet));
    let dev = device.name.as_str();
    let gateway = remote.subnet.network();
    let mut problems = Vec::new();
    let mut commands = Vec::new();
    let route = state.routes.iter().find(|r| r.dst == remote.subnet);
    let direct = route.is_some_and(|r| r.gateway == Some(remote.public_ip));
    match route {
        None => problems.push(format!(
            "no route to {} via {gateway} dev {dev}",
            remote.subnet
        )),
        Some(r)
            if direct
                || (r.dev.as_deref() == Some(dev) && r.gateway == Some(gateway) && r.onlink) => {}
        Some(r) => problems.push(format!(
            "route to {} goes {}, flannel expects via {gateway} dev {dev} onlink",
            remote.subnet,
            describe(r)
        )),
    }
    if !problems.is_empty() {
        commands.push(format!("ip route show {}", remote.subnet));
    }
    if !direct {
        match &remote.vtep_mac {
            None => problems.push("the lease has no VtepMAC: not a vxlan lease".to_string()),
            Some(mac) => {
                let before = problems.len();
                neighbour_problems(gateway, mac, state, &mut problems);
                if problems.len() > before {
                    commands.push(format!("ip neigh show {gateway} dev {dev}"));
                }
                let before = problems.len();
                fdb_problems(mac, remote.public_ip, dev, state, &mut problems);
                if problems.len() > before {
                    commands.push(format!("bridge fdb show dev {dev} | grep {mac}"));
                }
            }
        }
    }
    if problems.is_empty() {
        let how = if direct {
            format!("direct route via {}", remote.public_ip)
        } else {
            format!(
                "route, neighbour and FDB entry point at {}",
                remote.public_ip
            )
        };
        return Check::ok(id, format!("{}: {how}", remote.label()));
    }
    let stale = problems
        .iter()
        .any(|p| p.contains("lease says") || p.contains("goes "));
    let mut check = Check::new(
        id,
        Status::Fail,
        format!("{}: {}", remote.label(), problems.join("; ")),
    )
    .code(if stale {
        "dataplane-stale"
    } else {
        "dataplane-missing"
    })
    .hint(format!(
        "restart flanneld on this node to reprogram it; inspect with: {}",
        commands.join("; ")
    ));
    check.details = commands;
    check
}

fn neighbour_problems(
    gateway: Ipv4Addr,
    mac: &str,
    state: &KernelState,
    problems: &mut Vec<String>,
) {
    match state.neighbours.iter().find(|n| n.ip == gateway) {
        None => problems.push(format!(
            "no neighbour entry for {gateway} (should be {mac})"
        )),
        Some(n) if n.mac.as_deref() != Some(mac) => problems.push(format!(
            "neighbour {gateway} has MAC {}, lease says {mac}",
            n.mac.as_deref().unwrap_or("none")
        )),
        Some(_) => {}
    }
}

fn fdb_problems(
    mac: &str,
    public_ip: Ipv4Addr,
    dev: &str,
    state: &KernelState,
    problems: &mut Vec<String>,
) {
    let entries: Vec<_> = state
        .fdb
        .iter()
        .filter(|f| f.mac == mac && f.dst.is_some())
        .collect();
    if entries.is_empty() {
        problems.push(format!(
            "no FDB entry on {dev} for {mac} (should point at {public_ip})"
        ));
    } else if !entries.iter().any(|f| f.dst == Some(public_ip)) {
        let dsts: Vec<String> = entries
            .iter()
            .filter_map(|f| f.dst.map(|d| d.to_string()))
            .collect();
        problems.push(format!(
            "FDB entry for {mac} points at {}, lease says {public_ip}",
            dsts.join(", ")
        ));
    }
}

fn host_gw_remote(remote: &NodeLease, routes: &[Route]) -> Check {
    let id = format!("dataplane.{}", subnet_id(&remote.subnet));
    match routes.iter().find(|r| r.dst == remote.subnet) {
        Some(r) if r.gateway == Some(remote.public_ip) => Check::ok(
            id,
            format!("{}: route via {}", remote.label(), remote.public_ip),
        ),
        found => {
            let problem = match found {
                Some(r) => format!(
                    "route to {} goes {}, lease says via {}",
                    remote.subnet,
                    describe(r),
                    remote.public_ip
                ),
                None => format!("no route to {} via {}", remote.subnet, remote.public_ip),
            };
            Check::new(id, Status::Fail, format!("{}: {problem}", remote.label()))
                .code(if found.is_some() {
                    "dataplane-stale"
                } else {
                    "dataplane-missing"
                })
                .hint(format!(
                    "restart flanneld to reprogram; inspect with: ip route show {}",
                    remote.subnet
                ))
        }
    }
}

fn extras_check(leases: &[NodeLease], device: &VxlanDevice, state: &KernelState) -> Check {
    let dev = device.name.as_str();
    let mut extras = Vec::new();
    for route in state
        .routes
        .iter()
        .filter(|r| r.dev.as_deref() == Some(dev))
    {
        if !leases.iter().any(|l| l.subnet == route.dst) {
            extras.push(format!(
                "route {} {} points at a node with no lease",
                route.dst,
                describe(route)
            ));
        }
    }
    for entry in state.fdb.iter().filter(|f| f.dst.is_some()) {
        if !leases
            .iter()
            .any(|l| l.vtep_mac.as_deref() == Some(entry.mac.as_str()))
        {
            let dst = entry.dst.map(|d| d.to_string()).unwrap_or_default();
            extras.push(format!("FDB entry {} -> {dst} matches no lease", entry.mac));
        }
    }
    for n in state.neighbours.iter().filter(|n| n.permanent) {
        if !leases.iter().any(|l| l.subnet.network() == n.ip) {
            extras.push(format!("neighbour {} matches no lease's subnet", n.ip));
        }
    }
    if extras.is_empty() {
        return Check::ok(
            "dataplane.extra",
            format!("no entries on {dev} for nodes without a lease"),
        );
    }
    let mut check = Check::new(
        "dataplane.extra",
        Status::Warn,
        format!(
            "{} entries on {dev} point at nodes that have no lease (left over from removed nodes?)",
            extras.len()
        ),
    )
    .code("dataplane-extra")
    .hint(format!(
        "inspect with: ip route show dev {dev}; bridge fdb show dev {dev}; ip neigh show dev {dev}"
    ));
    check.details = extras;
    check
}

fn describe(route: &Route) -> String {
    let via = route
        .gateway
        .map(|g| format!("via {g} "))
        .unwrap_or_default();
    let dev = route.dev.as_deref().unwrap_or("?");
    let onlink = if route.onlink { " onlink" } else { "" };
    format!("{via}dev {dev}{onlink}")
}

#[cfg(test)]
mod tests {
    use super::super::kernel::{FdbEntry, Neighbour};
    use super::*;

    fn lease(n: u8, mac: &str) -> NodeLease {
        NodeLease {
            node: None,
            subnet: format!("10.244.{n}.0/24").parse().expect("net"),
            public_ip: Ipv4Addr::new(192, 168, 50, n),
            backend_type: "vxlan".into(),
            vtep_mac: Some(mac.into()),
        }
    }

    fn healthy() -> (Vec<NodeLease>, KernelState) {
        let leases = vec![lease(1, "aa:00:00:00:00:01"), lease(2, "aa:00:00:00:00:02")];
        let state = KernelState {
            devices: vec![VxlanDevice {
                name: "flannel.1".into(),
                mac: "aa:00:00:00:00:01".into(),
                vni: Some(1),
                addresses: vec![Ipv4Addr::new(10, 244, 1, 0)],
            }],
            routes: vec![Route {
                dst: "10.244.2.0/24".parse().expect("net"),
                gateway: Some(Ipv4Addr::new(10, 244, 2, 0)),
                dev: Some("flannel.1".into()),
                onlink: true,
            }],
            neighbours: vec![Neighbour {
                ip: Ipv4Addr::new(10, 244, 2, 0),
                mac: Some("aa:00:00:00:00:02".into()),
                permanent: true,
            }],
            fdb: vec![FdbEntry {
                mac: "aa:00:00:00:00:02".into(),
                dst: Some(Ipv4Addr::new(192, 168, 50, 2)),
            }],
        };
        (leases, state)
    }

    fn by_id<'a>(checks: &'a [Check], id: &str) -> &'a Check {
        checks
            .iter()
            .find(|c| c.id == id)
            .unwrap_or_else(|| panic!("no {id}: {checks:#?}"))
    }

    #[test]
    fn healthy_node_is_all_ok() {
        let (leases, state) = healthy();
        let checks = checks(&leases, None, &state);
        assert!(checks.iter().all(|c| c.status == Status::Ok), "{checks:#?}");
        assert_eq!(checks.len(), 3, "vtep, one remote, extras");
    }

    #[test]
    fn each_fault_is_named_on_its_node() {
        let (leases, mut state) = healthy();
        state.fdb.clear();
        let c = checks(&leases, None, &state);
        let remote = by_id(&c, "dataplane.10.244.2.0-24");
        assert_eq!(remote.code, Some("dataplane-missing"));
        assert!(
            remote.summary.contains(
                "no FDB entry on flannel.1 for aa:00:00:00:00:02 (should point at 192.168.50.2)"
            ),
            "{}",
            remote.summary
        );

        let (leases, mut state) = healthy();
        state.neighbours[0].mac = Some("aa:00:00:00:00:99".into());
        let c = checks(&leases, None, &state);
        let remote = by_id(&c, "dataplane.10.244.2.0-24");
        assert_eq!(remote.code, Some("dataplane-stale"));
        assert!(
            remote
                .details
                .contains(&"ip neigh show 10.244.2.0 dev flannel.1".to_string())
        );

        let (leases, mut state) = healthy();
        state.routes.clear();
        let c = checks(&leases, None, &state);
        assert!(
            by_id(&c, "dataplane.10.244.2.0-24")
                .summary
                .contains("no route to 10.244.2.0/24 via 10.244.2.0 dev flannel.1")
        );

        let (leases, mut state) = healthy();
        state.devices[0].mac = "aa:00:00:00:00:77".into();
        let c = checks(&leases, None, &state);
        assert_eq!(by_id(&c, "dataplane.vtep").code, Some("dataplane-vtep-mac"));
    }

    #[test]
    fn entries_for_nodes_without_a_lease_are_extra() {
        let (leases, mut state) = healthy();
        state.fdb.push(FdbEntry {
            mac: "aa:00:00:00:00:09".into(),
            dst: Some(Ipv4Addr::new(192, 168, 50, 9)),
        });
        let c = checks(&leases, None, &state);
        let extra = by_id(&c, "dataplane.extra");
        assert_eq!(extra.status, Status::Warn);
        assert_eq!(
            extra.details,
            vec!["FDB entry aa:00:00:00:00:09 -> 192.168.50.9 matches no lease"]
        );
    }

    #[test]
    fn host_gw_wants_routes_via_public_ips() {
        let mut leases = vec![lease(1, ""), lease(2, "")];
        for l in &mut leases {
            l.backend_type = "host-gw".into();
            l.vtep_mac = None;
        }
        let route = Route {
            dst: "10.244.2.0/24".parse().expect("net"),
            gateway: Some(Ipv4Addr::new(192, 168, 50, 2)),
            dev: Some("eth0".into()),
            onlink: false,
        };
        let state = KernelState {
            routes: vec![route],
            ..KernelState::default()
        };
        let own = Some("10.244.1.1/24".parse().expect("net"));
        let c = checks(&leases, own, &state);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].status, Status::Ok, "{c:#?}");
        let c = checks(&leases, own, &KernelState::default());
        assert_eq!(c[0].code, Some("dataplane-missing"));
    }
}
