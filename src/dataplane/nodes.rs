//! Leases as the dataplane checks need them, and reading them from
//! `kubectl get nodes -o json` for flannel's kube-subnet-mgr mode, where
//! each Node's spec.podCIDR and flannel annotations hold what etcd holds
//! otherwise (flannel `pkg/subnet/kube/annotations.go`; FORMATS.md A.8).

use std::net::Ipv4Addr;

use anyhow::Context as _;
use ipnet::Ipv4Net;
use serde::{Deserialize, Serialize};

/// One node's lease: where its pod subnet is reached.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NodeLease {
    /// Node name, when the source has it (kube mode).
    pub node: Option<String>,
    /// The node's pod subnet.
    pub subnet: Ipv4Net,
    /// The node's underlay address.
    pub public_ip: Ipv4Addr,
    /// flannel backend type (`vxlan`, `host-gw`, …).
    pub backend_type: String,
    /// The node's VTEP MAC (vxlan).
    pub vtep_mac: Option<String>,
}

impl NodeLease {
    /// The name to show: node name, else the subnet.
    pub fn label(&self) -> String {
        match &self.node {
            Some(node) => format!("{node} ({})", self.subnet),
            None => self.subnet.to_string(),
        }
    }
}

/// Leases as read from etcd (or a `--leases-file`). Leases whose value
/// could not be parsed, and IPv6-only ones, have nothing to compare and are
/// left out; `etcd leases` reports them.
pub fn from_etcd(entries: &[crate::etcd::LeaseEntry]) -> Vec<NodeLease> {
    entries
        .iter()
        .filter(|e| e.subnet.prefix_len() > 0)
        .filter_map(|e| {
            let attrs = e.attrs.as_ref().ok()?;
            Some(NodeLease {
                node: None,
                subnet: e.subnet,
                public_ip: attrs.public_ip,
                backend_type: attrs.backend().to_string(),
                vtep_mac: attrs.vtep_mac.as_ref().map(|m| m.to_lowercase()),
            })
        })
        .collect()
}

const PREFIX: &str = "flannel.alpha.coreos.com/";

#[derive(Deserialize)]
struct NodeList {
    items: Vec<Node>,
}

#[derive(Deserialize)]
struct Node {
    metadata: Metadata,
    #[serde(default)]
    spec: Spec,
}

#[derive(Deserialize)]
struct Metadata {
    name: String,
    #[serde(default)]
    annotations: std::collections::BTreeMap<String, String>,
}

#[derive(Deserialize, Default)]
struct Spec {
    #[serde(rename = "podCIDR", default)]
    pod_cidr: Option<String>,
}

#[derive(Deserialize)]
struct BackendData {
    #[serde(rename = "VtepMAC", default)]
    vtep_mac: Option<String>,
}

/// Leases from `kubectl get nodes -o json`. Nodes without a podCIDR or a
/// flannel public-ip annotation are not flannel nodes yet and are left out
/// (their names are returned so the caller can say so).
pub fn from_nodes_json(text: &str) -> anyhow::Result<(Vec<NodeLease>, Vec<String>)> {
    let list: NodeList = serde_json::from_str(text).context(
        "not the output of `kubectl get nodes -o json` (expected an object with `items`)",
    )?;
    let mut leases = Vec::new();
    let mut skipped = Vec::new();
    for node in list.items {
        let annotation = |key: &str| node.metadata.annotations.get(&format!("{PREFIX}{key}"));
        let public_ip = annotation("public-ip-overwrite")
            .or_else(|| annotation("public-ip"))
            .and_then(|ip| ip.parse().ok());
        let subnet = node
            .spec
            .pod_cidr
            .as_deref()
            .and_then(|c| c.parse::<Ipv4Net>().ok());
        let (Some(public_ip), Some(subnet)) = (public_ip, subnet) else {
            skipped.push(node.metadata.name);
            continue;
        };
        let vtep_mac = annotation("backend-data")
            .and_then(|data| serde_json::from_str::<BackendData>(data).ok())
            .and_then(|data| data.vtep_mac)
            .map(|mac| mac.to_lowercase());
        leases.push(NodeLease {
            node: Some(node.metadata.name),
            subnet: subnet.trunc(),
            public_ip,
            backend_type: annotation("backend-type").cloned().unwrap_or_default(),
            vtep_mac,
        });
    }
    Ok((leases, skipped))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_flannel_annotations_from_a_node_list() {
        // Shape of flannel's dist/fake-node.yaml, as kubectl prints it in JSON.
        let json = r#"{"apiVersion":"v1","kind":"List","items":[
          {"metadata":{"name":"node-7","annotations":{
             "flannel.alpha.coreos.com/backend-data":"{\"VtepMAC\":\"96:59:b2:3f:04:ee\"}",
             "flannel.alpha.coreos.com/backend-type":"vxlan",
             "flannel.alpha.coreos.com/kube-subnet-manager":"true",
             "flannel.alpha.coreos.com/public-ip":"192.168.77.17"}},
           "spec":{"podCIDR":"10.244.7.0/24"}},
          {"metadata":{"name":"joining"},"spec":{}}]}"#;
        let (leases, skipped) = from_nodes_json(json).expect("parses");
        assert_eq!(skipped, vec!["joining"]);
        assert_eq!(
            leases,
            vec![NodeLease {
                node: Some("node-7".into()),
                subnet: "10.244.7.0/24".parse().expect("net"),
                public_ip: Ipv4Addr::new(192, 168, 77, 17),
                backend_type: "vxlan".into(),
                vtep_mac: Some("96:59:b2:3f:04:ee".into()),
            }]
        );
    }

    #[test]
    fn overwrite_annotation_wins_and_garbage_is_an_error() {
        let json = r#"{"items":[{"metadata":{"name":"n","annotations":{
            "flannel.alpha.coreos.com/public-ip":"10.0.0.1",
            "flannel.alpha.coreos.com/public-ip-overwrite":"10.0.0.2"}},
            "spec":{"podCIDR":"10.244.1.0/24"}}]}"#;
        let (leases, _) = from_nodes_json(json).expect("parses");
        assert_eq!(leases[0].public_ip, Ipv4Addr::new(10, 0, 0, 2));
        assert!(from_nodes_json("[]").is_err());
        assert!(from_nodes_json("{").is_err());
    }
}
