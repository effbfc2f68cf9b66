//! What `k8snet chains` reports: service ports, their endpoints and the
//! kube-proxy era the dump comes from.

use std::borrow::Cow;

use serde::Serialize;
use serde::ser::SerializeStruct as _;

/// kube-proxy's name for one service port (`ServicePortName.String()`):
/// `ns/name:port`, `ns/name:` (unnamed, before ~1.19) or `ns/name`
/// (unnamed, later) — FORMATS.md B.4. The parts are spans of the full
/// name: one allocation per service port instead of four.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PortName {
    full: String,
    /// Namespace, service and port name as byte ranges of `full`.
    parts: [(u32, u32); 3],
}

impl PortName {
    /// Split a comment's service-port name.
    pub fn parse(full: &str) -> PortName {
        let span = |part: &str| {
            // Every part is a subslice of `full`, so its offset fits.
            let start = part.as_ptr() as usize - full.as_ptr() as usize;
            let to_u32 = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
            (to_u32(start), to_u32(start + part.len()))
        };
        let (namespace, rest) = full.split_once('/').unwrap_or((&full[..0], full));
        let (service, port) = rest.split_once(':').unwrap_or((rest, &rest[rest.len()..]));
        PortName {
            parts: [span(namespace), span(service), span(port)],
            full: full.to_string(),
        }
    }

    fn part(&self, i: usize) -> &str {
        let (start, end) = self.parts.get(i).copied().unwrap_or_default();
        self.full
            .get(start as usize..end as usize)
            .unwrap_or_default()
    }

    /// Exactly as in the rule comments.
    pub fn full(&self) -> &str {
        &self.full
    }

    /// Namespace.
    pub fn namespace(&self) -> &str {
        self.part(0)
    }

    /// Service name.
    pub fn service(&self) -> &str {
        self.part(1)
    }

    /// Port name; empty for an unnamed port.
    pub fn port(&self) -> &str {
        self.part(2)
    }

    /// Whether `--service` selects this port: `ns/name` selects every port
    /// of the service, `ns/name:port` one port (`ns/name:` the unnamed one).
    pub fn matches(&self, filter: &str) -> bool {
        if filter == self.full {
            return true;
        }
        let Some((namespace, rest)) = filter.split_once('/') else {
            return false;
        };
        if namespace != self.namespace() {
            return false;
        }
        match rest.split_once(':') {
            None => rest == self.service(),
            Some((service, port)) => service == self.service() && port == self.port(),
        }
    }
}

impl Serialize for PortName {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("PortName", 4)?;
        s.serialize_field("full", self.full())?;
        s.serialize_field("namespace", self.namespace())?;
        s.serialize_field("service", self.service())?;
        s.serialize_field("port", self.port())?;
        s.end()
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
#[derive(Serialize, Clone, Copy, Debug, PartialEq)]
pub struct Endpoint<'a> {
    /// `ip:port` from the DNAT rule.
    pub address: &'a str,
    /// Fraction of new connections it gets (0..=1), from the statistic
    /// probabilities of the rules before it.
    pub share: f64,
    /// The probability as the dump printed it; `None` for the final,
    /// unconditional rule.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub probability: Option<&'a str>,
    /// Its KUBE-SEP chain.
    pub chain: &'a str,
}

/// The endpoints of one dispatching chain, their text back to back in one
/// buffer: three strings per endpoint were 150,000 allocations on a
/// 10,000-service dump, and most of the extracted data's size.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Endpoints {
    text: String,
    list: Vec<Slot>,
}

/// Where one endpoint's text ends in [`Endpoints::text`] (address,
/// probability and chain, in that order, each ending where the next
/// starts), and its share.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Slot {
    share: f64,
    address_end: u32,
    probability_end: u32,
    chain_end: u32,
    /// Whether the rule had a probability (it may be printed empty).
    probability: bool,
}

impl Endpoints {
    /// Room for `n` endpoints whose address, probability and chain take
    /// `text` bytes together.
    pub fn with_capacity(n: usize, text: usize) -> Self {
        Endpoints {
            text: String::with_capacity(text),
            list: Vec::with_capacity(n),
        }
    }

    /// Add an endpoint at the end.
    pub fn push(&mut self, endpoint: Endpoint<'_>) {
        let mut end = |part: &str| {
            self.text.push_str(part);
            u32::try_from(self.text.len()).unwrap_or(u32::MAX)
        };
        let address_end = end(endpoint.address);
        let probability_end = end(endpoint.probability.unwrap_or_default());
        let chain_end = end(endpoint.chain);
        self.list.push(Slot {
            share: endpoint.share,
            address_end,
            probability_end,
            chain_end,
            probability: endpoint.probability.is_some(),
        });
    }

    /// The endpoints in rule order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = Endpoint<'_>> + '_ {
        let mut start = 0;
        self.list.iter().map(move |slot| {
            let mut cut = |end: u32| {
                let part = self.text.get(start..end as usize).unwrap_or_default();
                start = end as usize;
                part
            };
            let address = cut(slot.address_end);
            let probability = cut(slot.probability_end);
            let chain = cut(slot.chain_end);
            Endpoint {
                address,
                share: slot.share,
                probability: slot.probability.then_some(probability),
                chain,
            }
        })
    }

    /// Number of endpoints.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// No endpoints.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Remove every endpoint.
    pub fn clear(&mut self) {
        self.text.clear();
        self.list.clear();
    }
}

impl Serialize for Endpoints {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
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
    pub protocol: Cow<'static, str>,
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
    pub endpoints: Endpoints,
    /// This node's endpoints for external traffic with policy Local
    /// (KUBE-SVL / KUBE-XLB).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub local_endpoints: Option<Box<Endpoints>>,
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
            // The three protocols kube-proxy knows need no allocation.
            protocol: match protocol {
                "tcp" => Cow::Borrowed("tcp"),
                "udp" => Cow::Borrowed("udp"),
                "sctp" => Cow::Borrowed("sctp"),
                other => Cow::Owned(other.to_string()),
            },
            cluster_ip: None,
            node_port: None,
            external_ips: Vec::new(),
            load_balancer_ips: Vec::new(),
            endpoints: Endpoints::default(),
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
            (named.namespace(), named.service(), named.port()),
            ("kube-system", "kube-dns", "dns-tcp")
        );
        let old = PortName::parse("default/hello:");
        assert_eq!((old.service(), old.port()), ("hello", ""));
        let new = PortName::parse("default/jtest");
        assert_eq!((new.service(), new.port()), ("jtest", ""));
        let bare = PortName::parse("odd:name");
        assert_eq!(
            (bare.namespace(), bare.service(), bare.port()),
            ("", "odd", "name")
        );
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
