//! What `k8snet chains` reports: service ports, their endpoints and the
//! kube-proxy era the dump comes from.

use serde::Serialize;

/// kube-proxy's name for one service port (`ServicePortName.String()`):
/// `ns/name:port`, `ns/name:` (unnamed, before ~1.19) or `ns/name`
/// (unnamed, later) — FORMATS.md B.4.
#[derive(Serialize, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct PortName {
    /// Exactly as in the rule comments.
    pub full: String,
    /// Namespace.
    pub namespace: String,
    /// Service name.
    pub service: String,
    /// Port name; empty for an unnamed port.
    pub port: String,
}

impl PortName {
    /// Split a comment's service-port name.
    pub fn parse(full: &str) -> PortName {
        let (namespace, rest) = full.split_once('/').unwrap_or(("", full));
        let (service, port) = rest.split_once(':').unwrap_or((rest, ""));
        PortName {
            full: full.to_string(),
            namespace: namespace.to_string(),
            service: service.to_string(),
            port: port.to_string(),
        }
    }

    /// Whether `--service` selects this port: `ns/name` selects every port
    /// of the service, `ns/name:port` one port (`ns/name:` the unnamed one).
    pub fn matches(&self, filter: &str) -> bool {
        let service = format!("{}/{}", self.namespace, self.service);
        filter == service || filter == self.full || filter == format!("{service}:{}", self.port)
    }
}

/// Traffic policy as far as the chains show it (FORMATS.md B.3: KUBE-SVL
/// and KUBE-XLB only exist for `Local`).
#[derive(Serialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Policy {
    /// Every endpoint in the cluster.
    #[default]
    Cluster,
    /// Only this node's endpoints.
    Local,
}

/// One endpoint of a service port.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct Endpoint {
    /// `ip:port` from the DNAT rule.
    pub address: String,
    /// Fraction of new connections it gets (0..=1), from the statistic
    /// probabilities of the rules before it.
    pub share: f64,
    /// The probability as the dump printed it; `None` for the final,
    /// unconditional rule.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub probability: Option<String>,
    /// Its KUBE-SEP chain.
    pub chain: String,
}

/// ClientIP session affinity.
#[derive(Serialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct Affinity {
    /// `--seconds` of the `recent` match.
    pub timeout_seconds: u32,
}

/// One service port as kube-proxy programmed it.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct ServicePort {
    /// Its name.
    pub name: PortName,
    /// `tcp`, `udp` or `sctp`.
    pub protocol: String,
    /// `ip:port` of the cluster IP.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster_ip: Option<String>,
    /// The NodePort.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node_port: Option<u16>,
    /// External IPs, `ip:port`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub external_ips: Vec<String>,
    /// Load-balancer IPs, `ip:port`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub load_balancer_ips: Vec<String>,
    /// Endpoints for cluster traffic (KUBE-SVC, or KUBE-SVL when the
    /// internal policy is Local).
    pub endpoints: Vec<Endpoint>,
    /// This node's endpoints for external traffic with policy Local
    /// (KUBE-SVL / KUBE-XLB).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub local_endpoints: Option<Vec<Endpoint>>,
    /// False in userspace mode, where kube-proxy proxies in-process and
    /// endpoints never appear in iptables (FORMATS.md B.3).
    pub endpoints_visible: bool,
    /// Userspace mode: the local port kube-proxy listens on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proxy_port: Option<u16>,
    /// ClientIP session affinity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub affinity: Option<Affinity>,
    /// internalTrafficPolicy as visible.
    pub internal_policy: Policy,
    /// externalTrafficPolicy as visible.
    pub external_policy: Policy,
    /// No endpoints: the filter table REJECTs it ("has no endpoints") or
    /// its service chain reaches no endpoint.
    pub no_endpoints: bool,
    /// The filter table DROPs its external traffic ("has no local
    /// endpoints").
    pub no_local_endpoints: bool,
    /// The chain its cluster traffic enters (KUBE-SVC-…/KUBE-SVL-…).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chain: Option<String>,
}

impl ServicePort {
    /// An empty record for `name`/`protocol`.
    pub fn new(name: &str, protocol: &str) -> Self {
        ServicePort {
            name: PortName::parse(name),
            protocol: protocol.to_string(),
            cluster_ip: None,
            node_port: None,
            external_ips: Vec::new(),
            load_balancer_ips: Vec::new(),
            endpoints: Vec::new(),
            local_endpoints: None,
            endpoints_visible: true,
            proxy_port: None,
            affinity: None,
            internal_policy: Policy::Cluster,
            external_policy: Policy::Cluster,
            no_endpoints: false,
            no_local_endpoints: false,
            chain: None,
        }
    }
}

/// Which kube-proxy generation wrote the nat table, from its chain names
/// and rule shapes (FORMATS.md B.3).
#[derive(Serialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Era {
    /// KUBE-PORTALS-*: the userspace proxier (1.0–1.25).
    Userspace,
    /// KUBE-SVC-* with the inline 0x4d415351 mark, no KUBE-MARK-MASQ (1.1).
    #[serde(rename = "iptables-1.1")]
    Iptables11,
    /// KUBE-MARK-MASQ, no XLB/EXT chains (1.2+).
    Iptables,
    /// KUBE-XLB-* chains (1.2–1.23 with externalTrafficPolicy Local).
    IptablesXlb,
    /// KUBE-EXT-*/KUBE-SVL-* chains or `-> ip:port` comments (1.24+).
    IptablesExt,
    /// KUBE-SERVICES matching ipsets: services live in IPVS, not iptables.
    Ipvs,
}

impl Era {
    /// One line for people.
    pub fn describe(self) -> &'static str {
        match self {
            Era::Userspace => "userspace proxy (KUBE-PORTALS-*; endpoints are not in iptables)",
            Era::Iptables11 => "iptables proxy, v1.1 shapes (inline 0x4d415351 masquerade mark)",
            Era::Iptables => "iptables proxy (KUBE-MARK-MASQ)",
            Era::IptablesXlb => "iptables proxy, 1.2-1.23 shapes (KUBE-XLB-* chains)",
            Era::IptablesExt => "iptables proxy, 1.24+ shapes (KUBE-EXT/SVL/FW chains)",
            Era::Ipvs => "ipvs proxy (services are IPVS virtual servers, see `ipvsadm -Ln`)",
        }
    }
}

/// Drop the `/32` (`/128`) iptables-save adds to host addresses.
pub fn host_addr(addr: &str) -> &str {
    addr.strip_suffix("/32")
        .or_else(|| addr.strip_suffix("/128"))
        .unwrap_or(addr)
}

/// `ip:port`, bracketing IPv6 addresses.
pub fn ip_port(ip: &str, port: Option<u16>) -> String {
    let ip = host_addr(ip);
    let ip = if ip.contains(':') {
        format!("[{ip}]")
    } else {
        ip.to_string()
    };
    match port {
        Some(port) => format!("{ip}:{port}"),
        None => ip,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_names_of_every_era() {
        let named = PortName::parse("kube-system/kube-dns:dns-tcp");
        assert_eq!(
            (
                named.namespace.as_str(),
                named.service.as_str(),
                named.port.as_str()
            ),
            ("kube-system", "kube-dns", "dns-tcp")
        );
        let old = PortName::parse("default/hello:");
        assert_eq!((old.service.as_str(), old.port.as_str()), ("hello", ""));
        let new = PortName::parse("default/jtest");
        assert_eq!((new.service.as_str(), new.port.as_str()), ("jtest", ""));
        assert!(old.matches("default/hello"));
        assert!(old.matches("default/hello:"));
        assert!(named.matches("kube-system/kube-dns:dns-tcp"));
        assert!(!named.matches("kube-system/kube-dns:dns"));
        assert!(!named.matches("kube-system/kube"));
    }

    #[test]
    fn addresses_drop_host_masks() {
        assert_eq!(ip_port("10.0.0.1/32", Some(80)), "10.0.0.1:80");
        assert_eq!(ip_port("fd00::1/128", Some(53)), "[fd00::1]:53");
        assert_eq!(ip_port("10.0.0.0/8", None), "10.0.0.0/8");
    }
}
