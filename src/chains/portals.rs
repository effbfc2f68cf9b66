//! Service ports that have no endpoint chains: userspace-mode portals and
//! the filter table's REJECT rules for services without endpoints.
//!
//! Userspace mode (`pkg/proxy/userspace/proxier.go`, FORMATS.md B.3): nat
//! KUBE-PORTALS-CONTAINER (`-d clusterIP --dport P -j REDIRECT --to-ports
//! proxyPort`, or DNAT when bound to one IP), KUBE-PORTALS-HOST (DNAT to
//! hostIP:proxyPort), KUBE-NODEPORT-CONTAINER/-HOST (`--dport nodePort`);
//! each rule's comment is the service port name, and endpoints never
//! appear in iptables. iptables mode (`proxier.go`): a service without
//! endpoints has no nat rules at all, only filter KUBE-SERVICES /
//! KUBE-EXTERNAL-SERVICES rules commented `"<name> has no endpoints"`
//! (REJECT) or `"… has no local endpoints"` (DROP).

use std::borrow::Cow;
use std::collections::BTreeMap;

use super::model::{ServicePort, ip_port};
use super::parse::Table;
use super::rule::RuleSpec;
use super::services::Key;

const PORTALS: [&str; 2] = ["KUBE-PORTALS-CONTAINER", "KUBE-PORTALS-HOST"];
const NODEPORTS: [&str; 2] = ["KUBE-NODEPORT-CONTAINER", "KUBE-NODEPORT-HOST"];

fn port_of<'m>(
    ports: &'m mut BTreeMap<Key<'_>, Box<ServicePort>>,
    name: &str,
    spec: &RuleSpec<'_>,
) -> &'m mut ServicePort {
    let protocol = spec
        .protocol
        .as_deref()
        .unwrap_or("tcp")
        .to_ascii_lowercase();
    ports
        .entry((Cow::Owned(name.to_string()), Cow::Owned(protocol)))
        .or_insert_with_key(|(name, protocol)| Box::new(ServicePort::new(name, protocol)))
}

/// The port after the last `:` of a DNAT target, or REDIRECT's port.
fn proxy_port(spec: &RuleSpec<'_>) -> Option<u16> {
    spec.to_ports
        .as_deref()
        .or_else(|| {
            spec.to_destination
                .as_deref()
                .and_then(|d| d.rsplit(':').next())
        })
        .and_then(|p| p.parse().ok())
}

fn push_unique(list: &mut Vec<String>, addr: String) {
    if !list.contains(&addr) {
        list.push(addr);
    }
}

/// Add the userspace proxier's service ports.
pub fn userspace(nat: &Table<'_>, ports: &mut BTreeMap<Key<'_>, Box<ServicePort>>) {
    for (chains, node_port) in [(PORTALS, false), (NODEPORTS, true)] {
        for rule in chains.iter().flat_map(|c| nat.rules_of(c)) {
            let spec = rule.spec();
            let Some(name) = spec.comment.as_deref() else {
                continue;
            };
            let port = port_of(ports, name, &spec);
            port.endpoints_visible = false;
            port.proxy_port = port.proxy_port.or(proxy_port(&spec));
            if node_port {
                port.node_port = port.node_port.or(spec.port());
                continue;
            }
            let Some(dest) = spec.destination.as_ref() else {
                continue;
            };
            let addr = ip_port(&dest.value, spec.port());
            // The first portal of a port is its cluster IP; the userspace
            // proxier wrote external IPs as further portals with the same
            // comment.
            match &port.cluster_ip {
                None => port.cluster_ip = Some(addr),
                Some(cluster) if *cluster != addr => push_unique(&mut port.external_ips, addr),
                Some(_) => {}
            }
        }
    }
}

/// Mark service ports the filter table rejects for lack of endpoints.
pub fn rejects(filter: &Table<'_>, ports: &mut BTreeMap<Key<'_>, Box<ServicePort>>) {
    for chain in ["KUBE-SERVICES", "KUBE-EXTERNAL-SERVICES"] {
        let Some(chain) = filter.chain(chain) else {
            continue;
        };
        for rule in filter.rules(chain) {
            let spec = rule.spec();
            let Some(comment) = spec.comment.as_deref() else {
                continue;
            };
            let (name, local) = if let Some(name) = comment.strip_suffix(" has no endpoints") {
                (name, false)
            } else if let Some(name) = comment.strip_suffix(" has no local endpoints") {
                (name, true)
            } else {
                continue;
            };
            let port = port_of(ports, name, &spec);
            if local {
                port.no_local_endpoints = true;
            } else {
                port.no_endpoints = true;
                port.endpoints.clear();
            }
            if spec.dst_local {
                port.node_port = port.node_port.or(spec.port());
                continue;
            }
            let Some(dest) = spec.destination.as_ref() else {
                continue;
            };
            let addr = ip_port(&dest.value, spec.port());
            let known = port.cluster_ip.as_ref() == Some(&addr)
                || port.external_ips.contains(&addr)
                || port.load_balancer_ips.contains(&addr);
            if known {
                continue;
            }
            if chain.name() == "KUBE-SERVICES" && port.cluster_ip.is_none() {
                port.cluster_ip = Some(addr);
            } else {
                port.external_ips.push(addr);
            }
        }
    }
}
