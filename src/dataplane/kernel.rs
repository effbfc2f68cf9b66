//! The kernel's forwarding state for the overlay, read with iproute2's JSON
//! output: the VXLAN device, routes, neighbours and FDB entries.
//!
//! `ip -j` is the test seam: parsing is pure (text in, typed values out)
//! and the commands run through `Exec`, so the same code reads a real
//! namespace in tests and the node in production.

use std::net::{IpAddr, Ipv4Addr};

use anyhow::Context as _;
use ipnet::Ipv4Net;
use serde::{Deserialize, Serialize};

use crate::Context;
use crate::backend::Link;

/// A flannel VXLAN device (`flannel.<VNI>`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VxlanDevice {
    /// Interface name.
    pub name: String,
    /// Its MAC: the VTEP MAC this node publishes in its lease.
    pub mac: String,
    /// VXLAN network identifier.
    pub vni: Option<u32>,
    /// IPv4 addresses (flannel assigns the lease's network address /32).
    pub addresses: Vec<Ipv4Addr>,
}

/// A route from the main table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Route {
    /// Destination network.
    pub dst: Ipv4Net,
    /// Next hop, if any.
    pub gateway: Option<Ipv4Addr>,
    /// Output device.
    pub dev: Option<String>,
    /// `onlink` set.
    pub onlink: bool,
}

/// An IPv4 neighbour (ARP) entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Neighbour {
    /// IP address.
    pub ip: Ipv4Addr,
    /// Link-layer address, if resolved.
    pub mac: Option<String>,
    /// Marked PERMANENT (flanneld adds permanent entries).
    pub permanent: bool,
}

/// A bridge forwarding entry on the VXLAN device.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FdbEntry {
    /// Remote VTEP MAC.
    pub mac: String,
    /// Underlay IP the MAC is reached at.
    pub dst: Option<Ipv4Addr>,
}

/// The flannel VXLAN devices (`flannel.<VNI>`; `flannel-v6.*` is the IPv6
/// overlay) among the node's links, as `k8snet backend` reads them.
pub fn vxlan_devices(links: &[Link]) -> Vec<VxlanDevice> {
    links
        .iter()
        .filter(|l| l.name.starts_with("flannel.") && l.kind.as_deref() == Some("vxlan"))
        .map(|l| VxlanDevice {
            name: l.name.clone(),
            mac: l.mac.clone().unwrap_or_default().to_lowercase(),
            vni: l.vxlan.as_ref().and_then(|v| v.vni),
            addresses: l
                .addresses
                .iter()
                .filter_map(|a| match a {
                    IpAddr::V4(v4) => Some(*v4),
                    IpAddr::V6(_) => None,
                })
                .collect(),
        })
        .collect()
}

#[derive(Deserialize)]
struct RawRoute {
    dst: String,
    #[serde(default)]
    gateway: Option<String>,
    #[serde(default)]
    dev: Option<String>,
    #[serde(default)]
    flags: Vec<String>,
}

/// Parse `ip -j -4 route show`. `default` and host routes without a
/// prefix length are normalised; unparseable destinations are skipped.
pub fn parse_routes(json: &str) -> anyhow::Result<Vec<Route>> {
    let raw: Vec<RawRoute> =
        serde_json::from_str(json).context("parsing `ip -j route show` output")?;
    Ok(raw
        .into_iter()
        .filter_map(|r| {
            let dst = match r.dst.as_str() {
                "default" => Ipv4Net::default(),
                d if d.contains('/') => d.parse().ok()?,
                d => Ipv4Net::new(d.parse().ok()?, 32).ok()?,
            };
            Some(Route {
                dst,
                gateway: r.gateway.and_then(|g| g.parse().ok()),
                dev: r.dev,
                onlink: r.flags.iter().any(|f| f == "onlink"),
            })
        })
        .collect())
}

#[derive(Deserialize)]
struct RawNeighbour {
    dst: String,
    #[serde(default)]
    lladdr: Option<String>,
    #[serde(default)]
    state: Vec<String>,
}

/// Parse `ip -j -4 neigh show dev DEV`.
pub fn parse_neighbours(json: &str) -> anyhow::Result<Vec<Neighbour>> {
    let raw: Vec<RawNeighbour> =
        serde_json::from_str(json).context("parsing `ip -j neigh show` output")?;
    Ok(raw
        .into_iter()
        .filter_map(|n| {
            Some(Neighbour {
                ip: n.dst.parse().ok()?,
                mac: n.lladdr.map(|m| m.to_lowercase()),
                permanent: n.state.iter().any(|s| s == "PERMANENT"),
            })
        })
        .collect())
}

#[derive(Deserialize)]
struct RawFdb {
    mac: String,
    #[serde(default)]
    dst: Option<String>,
}

/// Parse `bridge -j fdb show dev DEV`. Entries without a `dst` are the
/// device's own (bridge-local) entries.
pub fn parse_fdb(json: &str) -> anyhow::Result<Vec<FdbEntry>> {
    let raw: Vec<RawFdb> =
        serde_json::from_str(json).context("parsing `bridge -j fdb show` output")?;
    Ok(raw
        .into_iter()
        .map(|f| FdbEntry {
            mac: f.mac.to_lowercase(),
            dst: f.dst.and_then(|d| d.parse().ok()),
        })
        .collect())
}

/// Everything the dataplane checks read from the kernel.
#[derive(Clone, Debug, Default, Serialize)]
pub struct KernelState {
    /// flannel VXLAN devices.
    pub devices: Vec<VxlanDevice>,
    /// IPv4 routes of the main table.
    pub routes: Vec<Route>,
    /// Neighbours on the VXLAN device.
    pub neighbours: Vec<Neighbour>,
    /// FDB entries on the VXLAN device.
    pub fdb: Vec<FdbEntry>,
}

/// Read the state: routes always, and for the first flannel VXLAN device
/// among `links` (already read by the backend checks) its neighbours and
/// FDB entries.
pub fn read(ctx: &Context, links: &[Link]) -> anyhow::Result<KernelState> {
    let exec = &ctx.host.exec;
    let devices = vxlan_devices(links);
    let routes = parse_routes(&exec.run("ip", &["-j", "-4", "route", "show", "table", "main"])?)?;
    let mut state = KernelState {
        routes,
        ..KernelState::default()
    };
    if let Some(device) = devices.first() {
        let dev = device.name.as_str();
        state.neighbours =
            parse_neighbours(&exec.run("ip", &["-j", "-4", "neigh", "show", "dev", dev])?)?;
        state.fdb = parse_fdb(&exec.run("bridge", &["-j", "fdb", "show", "dev", dev])?)?;
    }
    state.devices = devices;
    Ok(state)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Captured with iproute2 6.1 from a two-node namespace setup built the
    // way flanneld programs a vxlan node (see tests/dataplane.rs).
    const ROUTES: &str = r#"[{"dst":"10.244.1.0/24","dev":"cni0","protocol":"kernel","scope":"link","prefsrc":"10.244.1.1","flags":[]},{"dst":"10.244.2.0/24","gateway":"10.244.2.0","dev":"flannel.1","flags":["onlink"]},{"dst":"192.168.50.0/24","dev":"eth0","protocol":"kernel","scope":"link","prefsrc":"192.168.50.1","flags":[]}]"#;
    const NEIGH: &str =
        r#"[{"dst":"10.244.2.0","lladdr":"ba:3e:b7:4e:c6:4b","state":["PERMANENT"]}]"#;
    const FDB: &str = r#"[{"mac":"ba:3e:b7:4e:c6:4b","dst":"192.168.50.2","flags":["self"],"state":"permanent"}]"#;
    const LINK: &str = r#"[{"ifindex":3,"ifname":"flannel.1","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"mtu":1450,"link_type":"ether","address":"0A:33:0e:86:e6:41","linkinfo":{"info_kind":"vxlan","info_data":{"id":1,"local":"192.168.50.1","link":"eth0","port":8472,"learning":false}},"addr_info":[{"family":"inet","local":"10.244.1.0","prefixlen":32,"scope":"global","label":"flannel.1"},{"family":"inet6","local":"fe80::833:eff:fe86:e641","prefixlen":64,"scope":"link"}]},{"ifindex":1,"ifname":"lo","address":"00:00:00:00:00:00","addr_info":[]}]"#;

    #[test]
    fn parses_flanneld_style_state() {
        let routes = parse_routes(ROUTES).expect("routes");
        let overlay = routes
            .iter()
            .find(|r| r.dev.as_deref() == Some("flannel.1"))
            .expect("overlay route");
        assert_eq!(
            overlay.dst,
            "10.244.2.0/24".parse::<Ipv4Net>().expect("net")
        );
        assert_eq!(overlay.gateway, Some(Ipv4Addr::new(10, 244, 2, 0)));
        assert!(overlay.onlink);
        let neigh = parse_neighbours(NEIGH).expect("neigh");
        assert_eq!(neigh[0].mac.as_deref(), Some("ba:3e:b7:4e:c6:4b"));
        assert!(neigh[0].permanent);
        let fdb = parse_fdb(FDB).expect("fdb");
        assert_eq!(fdb[0].dst, Some(Ipv4Addr::new(192, 168, 50, 2)));
        let links = crate::backend::links::parse_ip_json(LINK).expect("links");
        let devices = vxlan_devices(&links);
        assert_eq!(devices.len(), 1);
        assert_eq!(devices[0].vni, Some(1));
        assert_eq!(devices[0].addresses, vec![Ipv4Addr::new(10, 244, 1, 0)]);
        assert_eq!(devices[0].mac, "0a:33:0e:86:e6:41");
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(parse_routes("not json").is_err());
        assert!(parse_fdb("[{}]").is_err());
        assert_eq!(
            parse_routes(r#"[{"dst":"nonsense"}]"#)
                .expect("skips")
                .len(),
            0
        );
        assert_eq!(
            parse_routes(r#"[{"dst":"default","gateway":"10.0.0.1"}]"#).expect("ok")[0]
                .dst
                .prefix_len(),
            0
        );
    }
}
