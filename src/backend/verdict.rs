//! From the gathered evidence to verdicts: which backend each source
//! says, which one is in use, and the `backend.type` check (disagreeing
//! sources, udp, a kernel too old for the backend). Pure.
//!
//! Facts from FORMATS.md A.5 and A.9: device names (`flannel.<VNI>`,
//! `flannel-v6.<VNI>`, TUN `flannel<N>`, `flannel-wg[-v6]`, `flannel.ipip`),
//! the vxlan defaults (VNI 1, port 0 = kernel default 8472), udp built for
//! amd64 only (`pkg/backend/udp/udp.go` build tag).

use serde::Serialize;

use super::links::Link;
use super::netconf::NetConf;
use super::subnet_env::SubnetEnv;
use crate::report::{Check, Status};

/// Everything the verdicts look at.
#[derive(Serialize, Clone, Debug, Default)]
pub struct Evidence {
    /// `Backend.Type` of the etcd config, when etcd was read.
    pub etcd_backend: Option<String>,
    /// /etc/kube-flannel/net-conf.json.
    pub net_conf: Option<NetConf>,
    /// /run/flannel/subnet.env.
    pub subnet_env: Option<SubnetEnv>,
    /// The node's interfaces.
    pub links: Vec<Link>,
    /// Interface of the default route.
    pub default_route: Option<String>,
    /// /proc/sys/kernel/osrelease.
    pub kernel: Option<String>,
    /// /proc/sys/kernel/arch (Linux 6.1 and later).
    pub arch: Option<String>,
}

/// What one source says the backend is.
#[derive(Serialize, Clone, Debug, PartialEq, Eq)]
pub struct Source {
    /// `etcd`, `net-conf.json`, `subnet.env` or `interface NAME`.
    pub source: String,
    /// The backend it points to, if any.
    pub backend: Option<String>,
    /// What it said, in its own terms.
    pub said: String,
    /// True when the backend is only guessed from an MTU.
    pub inferred: bool,
}

/// A flannel-made device and the backend it belongs to.
#[derive(Clone, Debug)]
pub struct Overlay<'a> {
    /// The device.
    pub link: &'a Link,
    /// Its backend.
    pub backend: &'static str,
}

/// Encapsulation overhead of each backend, bytes (FORMATS.md A.9:
/// vxlan `encapOverhead = 50`, udp 28, wireguard 80, ipip 20, ipsec 77
/// without UDPEncap, host-gw none).
pub fn overhead(backend: &str) -> Option<u32> {
    match backend {
        "vxlan" => Some(50),
        "udp" => Some(28),
        "wireguard" => Some(80),
        "ipip" => Some(20),
        "ipsec" => Some(77),
        "host-gw" => Some(0),
        _ => None,
    }
}

/// Backends that create a device flanneld keeps while it runs.
fn device_name(backend: &str, vni: u32) -> Option<String> {
    match backend {
        "vxlan" => Some(format!("flannel.{vni}")),
        "udp" => Some("flannel0".into()),
        "wireguard" => Some("flannel-wg".into()),
        "ipip" => Some("flannel.ipip".into()),
        _ => None,
    }
}

/// The backend a flannel device name and kind belong to.
fn device_backend(link: &Link) -> Option<&'static str> {
    let kind = link.kind.as_deref();
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let name = link.name.as_str();
    let fits = |want: &str| kind.is_none_or(|k| k == want);
    if name == "flannel.ipip" && fits("ipip") {
        Some("ipip")
    } else if (name == "flannel-wg" || name == "flannel-wg-v6") && fits("wireguard") {
        Some("wireguard")
    } else if let Some(vni) = name
        .strip_prefix("flannel-v6.")
        .or_else(|| name.strip_prefix("flannel."))
    {
        (digits(vni) && fits("vxlan")).then_some("vxlan")
    } else {
        let unit = name.strip_prefix("flannel").unwrap_or_default();
        (digits(unit) && fits("tun")).then_some("udp")
    }
}

/// flannel's devices among `links`.
pub fn overlays(links: &[Link]) -> Vec<Overlay<'_>> {
    links
        .iter()
        .filter_map(|link| {
            Some(Overlay {
                link,
                backend: device_backend(link)?,
            })
        })
        .collect()
}

/// The underlay: the vxlan device's `dev`, else the interface holding
/// its local address, else the default route's interface.
pub fn underlay<'a>(ev: &'a Evidence, overlays: &[Overlay<'_>]) -> Option<&'a Link> {
    let by_name = |name: &str| ev.links.iter().find(|l| l.name == name);
    let vxlan = overlays.iter().find_map(|o| o.link.vxlan.as_ref());
    vxlan
        .and_then(|v| v.link.as_deref().and_then(by_name))
        .or_else(|| {
            let local = vxlan?.local?;
            ev.links.iter().find(|l| l.addresses.contains(&local))
        })
        .or_else(|| ev.default_route.as_deref().and_then(by_name))
}

/// What every source says.
pub fn sources(ev: &Evidence, overlays: &[Overlay<'_>]) -> Vec<Source> {
    let mut out = Vec::new();
    if let Some(kind) = &ev.etcd_backend {
        out.push(said("etcd", Some(kind), format!("Backend.Type {kind}")));
    }
    if let Some(conf) = &ev.net_conf {
        let text = if conf.backend.defaulted {
            "no Backend: flanneld's code then uses udp".to_string()
        } else {
            format!("Backend.Type {}", conf.backend.kind)
        };
        out.push(said("net-conf.json", Some(&conf.backend.kind), text));
    }
    for overlay in overlays {
        let name = format!("interface {}", overlay.link.name);
        out.push(said(&name, Some(overlay.backend), describe(overlay.link)));
    }
    if let Some(env) = &ev.subnet_env {
        out.push(subnet_env_source(ev, env, overlays));
    }
    out
}

fn said(source: &str, backend: Option<&str>, text: String) -> Source {
    Source {
        source: source.into(),
        backend: backend.map(str::to_string),
        said: text,
        inferred: false,
    }
}

/// "vxlan VNI 1, port 8472, local 192.0.2.10, learning off, MTU 1450".
pub fn describe(link: &Link) -> String {
    let mut parts = vec![link.kind.clone().unwrap_or_else(|| "kind unknown".into())];
    if let Some(v) = &link.vxlan {
        let opt = |label: &str, value: Option<String>| value.map(|v| format!("{label} {v}"));
        parts.extend(opt("VNI", v.vni.map(|n| n.to_string())));
        parts.extend(opt("port", v.port.map(|n| n.to_string())));
        parts.extend(opt("local", v.local.map(|a| a.to_string())));
        parts.extend(
            v.learning
                .map(|l| format!("learning {}", if l { "on" } else { "off" })),
        );
        parts.extend(opt("dev", v.link.clone()));
    }
    parts.extend(link.mtu.map(|m| format!("MTU {m}")));
    parts.join(", ")
}

/// subnet.env names no backend; FLANNEL_MTU = underlay MTU − overhead
/// hints at one (FORMATS.md A.9: 1450 vxlan, 1472 udp, 1420 wireguard,
/// 1480 ipip on a 1500 NIC). No hint when net-conf sets its own MTU.
fn subnet_env_source(ev: &Evidence, env: &SubnetEnv, overlays: &[Overlay<'_>]) -> Source {
    let Some(mtu) = env.mtu else {
        return said("subnet.env", None, "no FLANNEL_MTU".into());
    };
    let custom = ev
        .net_conf
        .as_ref()
        .is_some_and(|c| c.backend.mtu.is_some());
    let base = underlay(ev, overlays).and_then(|l| Some((l.name.as_str(), l.mtu?)));
    let Some((name, base_mtu)) = base.filter(|_| !custom) else {
        return said("subnet.env", None, format!("FLANNEL_MTU {mtu}"));
    };
    let fits = ["vxlan", "udp", "wireguard", "ipip", "ipsec", "host-gw"]
        .into_iter()
        .find(|b| overhead(b).is_some_and(|o| base_mtu.checked_sub(o) == Some(mtu)));
    let text = match fits {
        Some(b) => format!(
            "FLANNEL_MTU {mtu} = {name} MTU {base_mtu} - {} ({b} overhead)",
            overhead(b).unwrap_or(0)
        ),
        None => format!("FLANNEL_MTU {mtu} ({name} MTU {base_mtu})"),
    };
    Source {
        source: "subnet.env".into(),
        backend: fits.map(str::to_string),
        said: text,
        inferred: true,
    }
}

/// The backend in use: the devices say what runs; else the config; else
/// the MTU hint.
pub fn in_use(sources: &[Source]) -> Option<String> {
    let config = sources
        .iter()
        .find(|s| s.source == "net-conf.json")
        .or_else(|| sources.iter().find(|s| s.source == "etcd"))
        .and_then(|s| s.backend.clone());
    let devices: Vec<&str> = sources
        .iter()
        .filter(|s| s.source.starts_with("interface "))
        .filter_map(|s| s.backend.as_deref())
        .collect();
    match devices.as_slice() {
        [] => config.or_else(|| sources.iter().find_map(|s| s.backend.clone())),
        [first, ..] => Some(
            config
                .filter(|c| devices.contains(&c.as_str()))
                .unwrap_or_else(|| first.to_string()),
        ),
    }
}

/// One problem: status, code, sentence.
pub type Finding = (Status, &'static str, String);

/// The `backend.type` check.
pub fn type_check(ev: &Evidence, sources: &[Source], overlays: &[Overlay<'_>]) -> Check {
    const ID: &str = "backend.type";
    let Some(backend) = in_use(sources) else {
        return Check::skip(ID, "no flannel backend: no source names one");
    };
    // Ties go to the first: the backend's own problems before disagreement.
    let mut findings: Vec<Finding> = kernel_finding(ev, &backend, overlays).into_iter().collect();
    findings.extend(udp_finding(ev, &backend));
    findings.extend(mismatches(ev, sources, overlays, &backend));
    let details = sources
        .iter()
        .map(|s| format!("{}: {}", s.source, s.said))
        .collect();
    // The first of the worst: `max_by_key` alone would keep the last.
    let worst = findings.iter().rev().max_by_key(|f| f.0).cloned();
    let mut check = match worst {
        None => Check::ok(ID, format!("backend {backend} ({})", agreeing(sources))),
        Some((status, code, text)) => Check::new(ID, status, text).code(code).hint(hint(code)),
    };
    check.details = details;
    let summary = check.summary.clone();
    for (_, code, text) in findings.iter().filter(|f| f.2 != summary) {
        check = check.detail(format!("{code}: {text}"));
    }
    check
}

fn agreeing(sources: &[Source]) -> String {
    let names: Vec<&str> = sources
        .iter()
        .filter(|s| s.backend.is_some())
        .map(|s| s.source.as_str())
        .collect();
    match names.as_slice() {
        [one] => format!("from {one} alone"),
        many => format!("{} agree", many.join(", ")),
    }
}

fn hint(code: &str) -> &'static str {
    match code {
        "backend-udp" => {
            "switch to vxlan (Backend.Type \"vxlan\" in net-conf.json or the etcd config) and \
             restart flanneld on every node"
        }
        "backend-old-kernel" => {
            "upgrade the kernel, or choose host-gw if the nodes share an L2 network"
        }
        _ => {
            "make net-conf.json (or the etcd config) say the backend you want, restart flanneld, \
             and delete devices of the old backend (ip link delete NAME)"
        }
    }
}

fn mismatches(
    ev: &Evidence,
    sources: &[Source],
    overlays: &[Overlay<'_>],
    backend: &str,
) -> Vec<Finding> {
    let warn = |text: String| (Status::Warn, "backend-mismatch", text);
    let mut out = Vec::new();
    let named: Vec<&Source> = sources.iter().filter(|s| s.backend.is_some()).collect();
    let firm: Vec<&&Source> = named.iter().filter(|s| !s.inferred).collect();
    if firm.iter().any(|s| s.backend.as_deref() != Some(backend)) {
        let list: Vec<String> = firm
            .iter()
            .map(|s| format!("{} says {}", s.source, s.backend.as_deref().unwrap_or("?")))
            .collect();
        out.push(warn(format!("sources disagree: {}", list.join(", "))));
    }
    if let Some(hint) = named
        .iter()
        .find(|s| s.inferred && s.backend.as_deref() != Some(backend))
    {
        out.push(warn(format!(
            "subnet.env {} fits {}, not {backend} (left from an earlier backend?)",
            hint.said,
            hint.backend.as_deref().unwrap_or("?")
        )));
    }
    let vni = ev
        .net_conf
        .as_ref()
        .and_then(|c| c.backend.vni)
        .unwrap_or(1);
    let origin = sources
        .iter()
        .find(|s| s.backend.as_deref() == Some(backend) && !s.source.starts_with("interface "));
    if let (Some(device), Some(origin)) = (device_name(backend, vni), origin)
        && !overlays.iter().any(|o| o.link.name == device)
    {
        out.push(warn(format!(
            "{} says {backend} but there is no {device} device: flanneld is not running, \
             or runs in another network namespace",
            origin.source
        )));
    }
    out.extend(vxlan_settings(ev, overlays));
    out
}

/// The vxlan device must carry the config's VNI and port (port 0 means
/// the kernel default 8472; FORMATS.md A.5).
fn vxlan_settings(ev: &Evidence, overlays: &[Overlay<'_>]) -> Vec<Finding> {
    let Some(conf) = ev.net_conf.as_ref().filter(|c| c.backend.kind == "vxlan") else {
        return Vec::new();
    };
    let want_port = conf.backend.port.filter(|p| *p != 0).unwrap_or(8472);
    let mut out = Vec::new();
    for overlay in overlays.iter().filter(|o| o.backend == "vxlan") {
        let Some(v) = &overlay.link.vxlan else {
            continue;
        };
        let name = &overlay.link.name;
        if let Some(port) = v.port.filter(|p| *p != want_port) {
            out.push((
                Status::Warn,
                "backend-mismatch",
                format!("{name} uses UDP port {port}, net-conf.json wants {want_port}"),
            ));
        }
        if let (Some(vni), Some(want)) = (v.vni, conf.backend.vni)
            && vni != want
        {
            out.push((
                Status::Warn,
                "backend-mismatch",
                format!("{name} has VNI {vni}, net-conf.json says {want}"),
            ));
        }
    }
    out
}

fn udp_finding(ev: &Evidence, backend: &str) -> Option<Finding> {
    if backend != "udp" {
        return None;
    }
    let why = if ev.net_conf.as_ref().is_some_and(|c| c.backend.defaulted) {
        " (net-conf.json has no Backend, so flanneld falls back to udp)"
    } else {
        ""
    };
    match ev.arch.as_deref() {
        Some(arch) if arch != "x86_64" => Some((
            Status::Fail,
            "backend-udp",
            format!("udp backend on {arch}: flannel builds it for amd64 only{why}"),
        )),
        _ => Some((
            Status::Warn,
            "backend-udp",
            format!(
                "udp backend: every packet is copied through flanneld in user space (slow; amd64 only){why}"
            ),
        )),
    }
}

/// Minimum kernels: vxlan 3.7 (generic claim, FORMATS.md A.9 marks it
/// unverified), vxlan over IPv6 3.12 and in-kernel WireGuard 5.6 (flannel
/// `Documentation/configuration.md`, `backends.md`).
fn kernel_finding(ev: &Evidence, backend: &str, overlays: &[Overlay<'_>]) -> Option<Finding> {
    let release = ev.kernel.as_deref()?;
    let version = kernel_version(release)?;
    let v6 = overlays
        .iter()
        .any(|o| o.link.name.starts_with("flannel-v6."))
        || ev.net_conf.as_ref().is_some_and(|c| c.enable_ipv6);
    let (need, status, what) = match backend {
        "vxlan" if v6 && version < (3, 12) => ((3, 12), Status::Fail, "vxlan over IPv6"),
        "vxlan" if version < (3, 7) => ((3, 7), Status::Fail, "the vxlan backend"),
        "wireguard" if version < (5, 6) => ((5, 6), Status::Warn, "in-kernel WireGuard"),
        _ => return None,
    };
    Some((
        status,
        "backend-old-kernel",
        format!(
            "kernel {release} is older than {}.{}, which {what} needs",
            need.0, need.1
        ),
    ))
}

/// (major, minor) of a release such as `6.18.44-fc-v669` or `3.10.0-1160.el7`.
pub fn kernel_version(release: &str) -> Option<(u32, u32)> {
    let mut parts = release.trim().split(|c: char| !c.is_ascii_digit());
    Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
}

#[cfg(test)]
mod tests;
