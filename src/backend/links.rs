//! The node's interfaces: /sys/class/net under the host root for which
//! links exist and their MTU and address, `ip -j -d addr show` for what
//! sysfs does not say (link kind, vxlan VNI/port/local/learning, the
//! addresses), and /proc/net/route for the default route's interface.
//!
//! `ip` runs in k8snet's own network namespace while /sys/class/net shows
//! the namespace of whoever mounted that sysfs, so `ip`'s details are used
//! only for links whose name and ifindex match what sysfs says. The JSON
//! parsing is pure; `addr show` is used rather than `link show` because it
//! prints the same link objects plus `addr_info`, saving a second run.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use crate::Context;

/// One network interface.
#[derive(Serialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct Link {
    /// Interface name.
    pub name: String,
    /// Link kind from `ip -d` (`vxlan`, `tun`, `bridge`, `veth`,
    /// `wireguard`, `ipip`), or from sysfs for TUN and bridges.
    pub kind: Option<String>,
    /// ARPHRD type from /sys/class/net/NAME/type (1 ether, 65534 none/TUN,
    /// 768 ipip tunnel).
    pub arp_type: Option<u32>,
    /// MTU.
    pub mtu: Option<u32>,
    /// Hardware address.
    pub mac: Option<String>,
    /// Interface index.
    pub ifindex: Option<u32>,
    /// The bridge or bond it is enslaved to (pod veths: `cni0`).
    pub master: Option<String>,
    /// Its IP addresses.
    pub addresses: Vec<IpAddr>,
    /// vxlan details, for vxlan links.
    pub vxlan: Option<VxlanInfo>,
}

/// What `ip -d` says about a vxlan device.
#[derive(Serialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct VxlanInfo {
    /// VXLAN network identifier.
    pub vni: Option<u32>,
    /// Destination UDP port (8472 is the Linux default flannel relies on).
    pub port: Option<u16>,
    /// Local tunnel endpoint address.
    pub local: Option<IpAddr>,
    /// Source-address learning (flannel programs the FDB itself and turns
    /// it off unless `Learning` is set).
    pub learning: Option<bool>,
    /// The underlay device it is bound to (`dev` when created).
    pub link: Option<String>,
}

/// Links plus what could not be read, for the report's notes.
pub struct Scan {
    /// The links, sorted by name.
    pub links: Vec<Link>,
    /// Why some details are missing (no `ip`, unreadable sysfs files).
    pub notes: Vec<String>,
}

#[derive(Deserialize)]
struct IpLink {
    ifindex: u32,
    ifname: String,
    mtu: Option<u32>,
    address: Option<String>,
    master: Option<String>,
    linkinfo: Option<LinkInfo>,
    #[serde(default)]
    addr_info: Vec<AddrInfo>,
}

#[derive(Deserialize)]
struct LinkInfo {
    info_kind: Option<String>,
    info_data: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct AddrInfo {
    local: Option<String>,
}

/// Parse `ip -j -d link show` or `ip -j -d addr show` output.
pub fn parse_ip_json(text: &str) -> anyhow::Result<Vec<Link>> {
    let links: Vec<IpLink> = serde_json::from_str(text).map_err(|e| {
        anyhow::anyhow!(
            "`ip -j` output, line {}, column {}: {e}",
            e.line(),
            e.column()
        )
    })?;
    Ok(links.into_iter().map(from_ip).collect())
}

fn from_ip(ip: IpLink) -> Link {
    let kind = ip.linkinfo.as_ref().and_then(|i| i.info_kind.clone());
    let vxlan = match (
        &kind,
        ip.linkinfo.as_ref().and_then(|i| i.info_data.as_ref()),
    ) {
        (Some(k), Some(data)) if k == "vxlan" => Some(vxlan_info(data)),
        (Some(k), None) if k == "vxlan" => Some(VxlanInfo::default()),
        _ => None,
    };
    Link {
        name: ip.ifname,
        kind,
        arp_type: None,
        mtu: ip.mtu,
        mac: ip.address,
        ifindex: Some(ip.ifindex),
        master: ip.master,
        addresses: ip
            .addr_info
            .iter()
            .filter_map(|a| a.local.as_deref()?.parse().ok())
            .collect(),
        vxlan,
    }
}

/// iproute2 `ip/iplink_vxlan.c` prints `id`, `local` (or `local6`),
/// `link`, `port` and `learning`.
fn vxlan_info(data: &serde_json::Value) -> VxlanInfo {
    let text = |key: &str| data.get(key).and_then(|v| v.as_str());
    VxlanInfo {
        vni: data
            .get("id")
            .and_then(|v| v.as_u64())
            .and_then(|v| u32::try_from(v).ok()),
        port: data
            .get("port")
            .and_then(|v| v.as_u64())
            .and_then(|v| u16::try_from(v).ok()),
        local: text("local")
            .or_else(|| text("local6"))
            .and_then(|s| s.parse().ok()),
        learning: data.get("learning").and_then(|v| v.as_bool()),
        link: text("link").map(str::to_string),
    }
}

/// The interface of the first default route in /proc/net/route text
/// (Destination and Mask both 00000000); malformed lines are skipped.
pub fn parse_default_route(text: &str) -> Option<String> {
    text.lines().skip(1).find_map(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        match fields.as_slice() {
            [iface, "00000000", _, _, _, _, _, "00000000", ..] => Some(iface.to_string()),
            _ => None,
        }
    })
}

/// The node's links (sysfs under the host root, with `ip` details merged),
/// plus notes on what could not be read.
pub fn scan(ctx: &Context) -> anyhow::Result<Scan> {
    let host = &ctx.host;
    let mut notes = Vec::new();
    let mut links = Vec::new();
    for name in host.list("/sys/class/net")? {
        links.push(sysfs_link(ctx, &name)?);
    }
    let detailed = match ctx.host.exec.run("ip", &["-j", "-d", "addr", "show"]) {
        Ok(text) => parse_ip_json(&text)?,
        Err(err) => {
            notes.push(format!(
                "{err}: link kinds and vxlan VNI/port/local are not known; \
                 flannel devices are recognised by name"
            ));
            Vec::new()
        }
    };
    for link in &mut links {
        if let Some(ip) = detailed
            .iter()
            .find(|d| d.name == link.name && d.ifindex == link.ifindex)
        {
            merge(link, ip);
        }
    }
    Ok(Scan { links, notes })
}

fn sysfs_link(ctx: &Context, name: &str) -> anyhow::Result<Link> {
    let host = &ctx.host;
    let dir = format!("/sys/class/net/{name}");
    let value = |file: &str| -> anyhow::Result<Option<String>> {
        Ok(host
            .read_optional(&format!("{dir}/{file}"))?
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty()))
    };
    let number = |file: &str| -> anyhow::Result<Option<u32>> {
        let Some(text) = value(file)? else {
            return Ok(None);
        };
        text.parse().map(Some).map_err(|_| {
            anyhow::anyhow!(
                "{}: `{text}` is not a number",
                host.path(&format!("{dir}/{file}")).display()
            )
        })
    };
    // The kernel creates tun_flags only for TUN/TAP devices and a
    // bridge/ directory only for bridges.
    let kind = if host.exists(&format!("{dir}/tun_flags")) {
        Some("tun".to_string())
    } else if host.is_dir(&format!("{dir}/bridge")) {
        Some("bridge".to_string())
    } else {
        None
    };
    let master = host
        .read_link(&format!("{dir}/master"))
        .ok()
        .and_then(|target| target.rsplit('/').next().map(str::to_string));
    Ok(Link {
        name: name.to_string(),
        kind,
        arp_type: number("type")?,
        mtu: number("mtu")?,
        mac: value("address")?,
        ifindex: number("ifindex")?,
        master,
        addresses: Vec::new(),
        vxlan: None,
    })
}

fn merge(link: &mut Link, ip: &Link) {
    link.kind = ip.kind.clone().or(link.kind.take());
    link.mtu = link.mtu.or(ip.mtu);
    link.mac = link.mac.take().or(ip.mac.clone());
    link.master = link.master.take().or(ip.master.clone());
    link.addresses = ip.addresses.clone();
    link.vxlan = ip.vxlan.clone();
}

/// The interface of the default route, from /proc/net/route under the
/// host root.
pub fn default_route(ctx: &Context) -> anyhow::Result<Option<String>> {
    Ok(ctx
        .host
        .read_optional("/proc/net/route")?
        .and_then(|text| parse_default_route(&text)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<Link> {
        parse_ip_json(&crate::fixture_text(&format!("iplink/{name}"))).expect("parses")
    }

    fn find<'a>(links: &'a [Link], name: &str) -> &'a Link {
        links.iter().find(|l| l.name == name).expect(name)
    }

    #[test]
    fn real_vxlan_tun_bridge_and_veths() {
        let links = fixture("netns-vxlan-tun-bridge-veth.json");
        let vxlan = find(&links, "flannel.1");
        assert_eq!(vxlan.kind.as_deref(), Some("vxlan"));
        assert_eq!(vxlan.mtu, Some(1450));
        let info = vxlan.vxlan.as_ref().expect("vxlan info");
        assert_eq!(
            (info.vni, info.port, info.learning),
            (Some(1), Some(8472), Some(false))
        );
        assert_eq!(info.local, Some("192.0.2.10".parse().expect("ip")));
        assert_eq!(info.link.as_deref(), Some("eth0"));
        assert_eq!(find(&links, "flannel0").kind.as_deref(), Some("tun"));
        assert_eq!(find(&links, "cni0").kind.as_deref(), Some("bridge"));
        let veth = find(&links, "veth0");
        assert_eq!(
            (veth.kind.as_deref(), veth.master.as_deref()),
            (Some("veth"), Some("cni0"))
        );
        let eth0 = find(&links, "eth0");
        assert_eq!(
            eth0.addresses,
            vec!["192.0.2.10".parse::<IpAddr>().expect("ip")]
        );
    }

    #[test]
    fn wireguard_and_ipip_kinds() {
        let links = fixture("wireguard-ipip.json");
        let wg = find(&links, "flannel-wg");
        assert_eq!(
            (wg.kind.as_deref(), wg.mtu),
            (Some("wireguard"), Some(1420))
        );
        let ipip = find(&links, "flannel.ipip");
        assert_eq!((ipip.kind.as_deref(), ipip.mtu), (Some("ipip"), Some(1480)));
        assert!(ipip.vxlan.is_none());
    }

    #[test]
    fn bad_json_says_where() {
        let err = parse_ip_json("[{\"ifindex\": 1}]").unwrap_err();
        assert!(err.to_string().contains("line 1"), "{err}");
        assert!(parse_ip_json("not json").is_err());
    }

    #[test]
    fn default_route_from_proc_net_route() {
        let text = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n\
                    eth1\t0002000A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n\
                    eth0\t00000000\t0102000A\t0003\t0\t0\t100\t00000000\t0\t0\t0\n";
        assert_eq!(parse_default_route(text).as_deref(), Some("eth0"));
        assert_eq!(parse_default_route("Iface\n"), None);
        assert_eq!(parse_default_route("garbage\nx y\n"), None);
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_ip_output_never_panics(text in "\\PC*") {
            let _ = parse_ip_json(&text);
            let _ = parse_default_route(&text);
        }
    }
}
