//! The dataplane checks against a real overlay: three network namespaces
//! as nodes on one underlay bridge, each with a flannel.1 VXLAN device,
//! routes, neighbours and FDB entries programmed exactly as flanneld does.
//! Every address lives only inside the namespaces the test made.

use serde_json::Value;

use crate::support::netns::Netns;
use crate::support::{code, stderr, stdout};

/// A node of the test cluster.
struct Node {
    ns: Netns,
    index: u8,
    mac: String,
}

/// An underlay (a bridge in its own namespace) and the nodes on it.
struct Cluster {
    _underlay: Netns,
    nodes: Vec<Node>,
    nodes_json: tempfile::NamedTempFile,
}

fn underlay_ip(index: u8) -> String {
    format!("192.168.77.{index}")
}

impl Cluster {
    fn new(count: u8) -> Result<Cluster, String> {
        let underlay = Netns::new()?;
        underlay.sh("ip link add br0 type bridge && ip link set br0 up");
        let mut nodes = Vec::new();
        for index in 1..=count {
            let ns = Netns::new()?;
            ns.sh(&format!(
                "ip link add eth0 type veth peer name p{index} netns {pid}
                 ip addr add {ip}/24 dev eth0 && ip link set eth0 up
                 ip link add flannel.1 type vxlan id 1 dstport 8472 nolearning local {ip} dev eth0
                 ip addr add 10.244.{index}.0/32 dev flannel.1 && ip link set flannel.1 up
                 ip link add cni0 type bridge && ip link set cni0 mtu 1450
                 ip addr add 10.244.{index}.1/24 dev cni0 && ip link set cni0 up",
                pid = underlay.pid(),
                ip = underlay_ip(index),
            ));
            underlay.sh(&format!(
                "ip link set p{index} master br0 && ip link set p{index} up"
            ));
            let mac = ns
                .sh("cat /sys/class/net/flannel.1/address")
                .trim()
                .to_string();
            nodes.push(Node { ns, index, mac });
        }
        for node in &nodes {
            for remote in nodes.iter().filter(|r| r.index != node.index) {
                // flannel pkg/backend/vxlan/vxlan_network.go handleSubnetEvents
                node.ns.sh(&format!(
                    "ip route add 10.244.{i}.0/24 via 10.244.{i}.0 dev flannel.1 onlink
                     ip neigh add 10.244.{i}.0 lladdr {mac} dev flannel.1 nud permanent
                     bridge fdb append {mac} dev flannel.1 dst {ip} self permanent",
                    i = remote.index,
                    mac = remote.mac,
                    ip = underlay_ip(remote.index),
                ));
            }
        }
        let nodes_json = tempfile::NamedTempFile::new().map_err(|e| e.to_string())?;
        std::fs::write(nodes_json.path(), node_list(&nodes)).map_err(|e| e.to_string())?;
        Ok(Cluster {
            _underlay: underlay,
            nodes,
            nodes_json,
        })
    }

    fn node(&self, index: u8) -> &Node {
        &self.nodes[usize::from(index - 1)]
    }

    /// `k8snet doctor --only 'dataplane.*'` on one node, as JSON.
    fn doctor(&self, index: u8) -> (Option<i32>, Value) {
        let out = self.node(index).ns.k8snet(&[
            "doctor",
            "--only",
            "dataplane.*",
            "--nodes-file",
            self.nodes_json.path().to_str().expect("path"),
            "-o",
            "json",
        ]);
        let report = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}{}", stdout(&out), stderr(&out)));
        (code(&out), report)
    }

    fn ping(&self, from: u8, to: u8) -> bool {
        self.node(from)
            .ns
            .command("ping")
            .args([
                "-c",
                "1",
                "-W",
                "1",
                "-I",
                &format!("10.244.{from}.1"),
                &format!("10.244.{to}.1"),
            ])
            .output()
            .is_ok_and(|o| o.status.success())
    }
}

/// `kubectl get nodes -o json` as flannel's kube-subnet-mgr annotates nodes.
fn node_list(nodes: &[Node]) -> String {
    let items: Vec<Value> = nodes
        .iter()
        .map(|n| {
            serde_json::json!({
                "metadata": {
                    "name": format!("node-{}", n.index),
                    "annotations": {
                        "flannel.alpha.coreos.com/backend-type": "vxlan",
                        "flannel.alpha.coreos.com/backend-data": format!("{{\"VNI\":1,\"VtepMAC\":\"{}\"}}", n.mac),
                        "flannel.alpha.coreos.com/public-ip": underlay_ip(n.index),
                        "flannel.alpha.coreos.com/kube-subnet-manager": "true"
                    }
                },
                "spec": {"podCIDR": format!("10.244.{}.0/24", n.index)}
            })
        })
        .collect();
    serde_json::json!({"apiVersion": "v1", "kind": "List", "items": items}).to_string()
}

/// (id, status, code) of the checks that are not ok.
fn problems(report: &Value) -> Vec<(String, String, String)> {
    report["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .filter(|c| c["status"] != "ok")
        .map(|c| {
            (
                c["id"].as_str().unwrap_or_default().to_string(),
                c["status"].as_str().unwrap_or_default().to_string(),
                c["code"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn summary_of(report: &Value, id: &str) -> String {
    report["checks"]
        .as_array()
        .and_then(|checks| checks.iter().find(|c| c["id"] == id))
        .and_then(|c| c["summary"].as_str())
        .unwrap_or_else(|| panic!("no {id}"))
        .to_string()
}

#[test]
fn healthy_overlay_pings_and_passes_then_each_fault_is_named() {
    let cluster = crate::available!(Cluster::new(3));
    assert!(
        cluster.ping(1, 2),
        "pods on node-1 reach node-2 over the overlay"
    );
    assert!(
        cluster.ping(1, 3),
        "pods on node-1 reach node-3 over the overlay"
    );
    let (exit, report) = cluster.doctor(1);
    assert_eq!(problems(&report), vec![], "{report:#}");
    assert_eq!(exit, Some(0));
    assert_eq!(
        report["checks"].as_array().expect("checks").len(),
        4,
        "vtep, two remotes, extras"
    );

    // A missing FDB entry: node-1 can no longer reach node-2's pods.
    let node1 = &cluster.node(1).ns;
    node1.sh(&format!(
        "bridge fdb del {} dev flannel.1 dst {}",
        cluster.node(2).mac,
        underlay_ip(2)
    ));
    assert!(
        !cluster.ping(1, 2),
        "without the FDB entry the overlay is broken"
    );
    let (exit, report) = cluster.doctor(1);
    assert_eq!(exit, Some(1));
    assert_eq!(
        problems(&report),
        vec![(
            "dataplane.10.244.2.0-24".into(),
            "fail".into(),
            "dataplane-missing".into()
        )]
    );
    let summary = summary_of(&report, "dataplane.10.244.2.0-24");
    assert!(
        summary.starts_with("node-2 (10.244.2.0/24): no FDB entry on flannel.1"),
        "{summary}"
    );
    node1.sh(&format!(
        "bridge fdb append {} dev flannel.1 dst {} self permanent",
        cluster.node(2).mac,
        underlay_ip(2)
    ));
    assert!(cluster.ping(1, 2));

    // A dropped route to node-3.
    node1.sh("ip route del 10.244.3.0/24");
    let (_, report) = cluster.doctor(1);
    assert_eq!(
        problems(&report),
        vec![(
            "dataplane.10.244.3.0-24".into(),
            "fail".into(),
            "dataplane-missing".into()
        )]
    );
    assert!(
        summary_of(&report, "dataplane.10.244.3.0-24")
            .contains("no route to 10.244.3.0/24 via 10.244.3.0 dev flannel.1")
    );
    node1.sh("ip route add 10.244.3.0/24 via 10.244.3.0 dev flannel.1 onlink");

    // node-2's lease carries a VtepMAC its device no longer has (the
    // device was recreated after a reboot and flanneld has not re-published):
    // node-2 names its own fault, node-1 names its stale entries for node-2.
    let mut stale = serde_json::from_str::<Value>(&node_list(&cluster.nodes)).expect("json");
    stale["items"][1]["metadata"]["annotations"]["flannel.alpha.coreos.com/backend-data"] =
        Value::String("{\"VNI\":1,\"VtepMAC\":\"02:00:00:00:00:99\"}".into());
    std::fs::write(cluster.nodes_json.path(), stale.to_string()).expect("rewrite nodes");
    let (_, report) = cluster.doctor(2);
    assert_eq!(
        problems(&report),
        vec![(
            "dataplane.vtep".into(),
            "fail".into(),
            "dataplane-vtep-mac".into()
        )]
    );
    let (_, report) = cluster.doctor(1);
    assert_eq!(
        problems(&report),
        vec![
            (
                "dataplane.10.244.2.0-24".into(),
                "fail".into(),
                "dataplane-stale".into()
            ),
            (
                "dataplane.extra".into(),
                "warn".into(),
                "dataplane-extra".into()
            ),
        ]
    );
    let summary = summary_of(&report, "dataplane.10.244.2.0-24");
    assert!(
        summary.contains(&format!(
            "neighbour 10.244.2.0 has MAC {}, lease says 02:00:00:00:00:99",
            cluster.node(2).mac
        )),
        "{summary}"
    );
}

#[test]
fn entries_for_a_removed_node_are_extra() {
    let cluster = crate::available!(Cluster::new(3));
    cluster.node(1).ns.sh(&format!(
        "ip route add 10.244.9.0/24 via 10.244.9.0 dev flannel.1 onlink
         bridge fdb append 02:00:00:00:00:09 dev flannel.1 dst {} self permanent",
        underlay_ip(9)
    ));
    let (exit, report) = cluster.doctor(1);
    assert_eq!(exit, Some(0), "extras warn");
    assert_eq!(
        problems(&report),
        vec![(
            "dataplane.extra".into(),
            "warn".into(),
            "dataplane-extra".into()
        )]
    );
}

#[test]
fn backend_reports_dataplane_and_an_overlay_mtu_the_underlay_cannot_carry() {
    let cluster = crate::available!(Cluster::new(3));
    let backend = |index: u8| {
        let out = cluster.node(index).ns.k8snet(&[
            "backend",
            "--nodes-file",
            cluster.nodes_json.path().to_str().expect("path"),
            "-o",
            "json",
        ]);
        let report: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}{}", stdout(&out), stderr(&out)));
        (code(&out), report)
    };
    let (exit, report) = backend(1);
    assert_eq!(problems(&report), vec![], "{report:#}");
    assert_eq!(exit, Some(0));
    assert_eq!(report["backend"], "vxlan");

    // The underlay shrinks to 1400 (a cloud network with a smaller MTU)
    // while flannel.1 stays at 1450: no room for the 50-byte VXLAN header,
    // so full-size pod packets are dropped.
    cluster.node(1).ns.sh("ip link set eth0 mtu 1400");
    let (exit, report) = backend(1);
    assert_eq!(exit, Some(1));
    assert_eq!(
        problems(&report),
        vec![("backend.mtu".into(), "fail".into(), "backend-mtu".into())]
    );
    let summary = summary_of(&report, "backend.mtu");
    assert!(summary.contains("eth0 MTU 1400"), "{summary}");
}
