//! `k8snet doctor` end to end on a whole node built in a throwaway network
//! namespace: real sysctls, a real etcd holding flannel's config and
//! leases (started inside the namespace, seeded with etcdctl the way
//! flanneld writes), a real VXLAN device with flanneld's routes,
//! neighbours and FDB entries, subnet.env, and kube-proxy rules loaded with
//! iptables-restore. A healthy node exits 0; each broken thing turns its
//! check and exits 1; an unreachable etcd the user named is an error (2).

use std::collections::BTreeSet;
use std::process::{Child, Stdio};

use serde_json::Value;

use crate::support::netns::Netns;
use crate::support::{code, stderr, stdout};

const ETCD_URL: &str = "http://127.0.0.1:23790";
const PREFIX: &str = "/coreos.com/network";
const PEER_MAC: &str = "02:00:00:00:00:02";

/// kube-proxy (1.24+ shapes, FORMATS.md B.5) for one service with two
/// endpoints.
const KUBE_RULES: &str = "*nat
:KUBE-SERVICES - [0:0]
:KUBE-SVC-NPX46M4PTMTKRN6Y - [0:0]
:KUBE-SEP-AAAAAAAAAAAAAAAA - [0:0]
:KUBE-SEP-BBBBBBBBBBBBBBBB - [0:0]
:KUBE-MARK-MASQ - [0:0]
-A PREROUTING -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES
-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000
-A KUBE-SERVICES -d 10.96.0.1/32 -p tcp -m comment --comment \"default/kubernetes:https cluster IP\" -m tcp --dport 443 -j KUBE-SVC-NPX46M4PTMTKRN6Y
-A KUBE-SVC-NPX46M4PTMTKRN6Y -m comment --comment \"default/kubernetes:https -> 10.244.1.5:6443\" -m statistic --mode random --probability 0.5 -j KUBE-SEP-AAAAAAAAAAAAAAAA
-A KUBE-SVC-NPX46M4PTMTKRN6Y -m comment --comment \"default/kubernetes:https -> 10.244.2.5:6443\" -j KUBE-SEP-BBBBBBBBBBBBBBBB
-A KUBE-SEP-AAAAAAAAAAAAAAAA -s 10.244.1.5/32 -j KUBE-MARK-MASQ
-A KUBE-SEP-AAAAAAAAAAAAAAAA -p tcp -m tcp -j DNAT --to-destination 10.244.1.5:6443
-A KUBE-SEP-BBBBBBBBBBBBBBBB -s 10.244.2.5/32 -j KUBE-MARK-MASQ
-A KUBE-SEP-BBBBBBBBBBBBBBBB -p tcp -m tcp -j DNAT --to-destination 10.244.2.5:6443
COMMIT
";

/// A service whose endpoints are gone: kube-proxy keeps only this filter
/// rule for it (FORMATS.md B.5).
const NO_ENDPOINTS: &str = "*filter
:KUBE-SERVICES - [0:0]
-A KUBE-SERVICES -d 10.96.0.20/32 -p tcp -m comment --comment \"shop/cart:http has no endpoints\" -m tcp --dport 80 -j REJECT --reject-with icmp-port-unreachable
COMMIT
";

struct Node {
    ns: Netns,
    etcd: Child,
    data: tempfile::TempDir,
    mac: String,
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.etcd.kill();
        let _ = self.etcd.wait();
    }
}

impl Node {
    fn new() -> Result<Node, String> {
        let ns = Netns::new()?;
        ns.sh(
            "ip link add eth0 type veth peer name eth1 && ip link set eth1 up
             ip addr add 192.168.77.1/24 dev eth0 && ip link set eth0 up
             ip link add flannel.1 type vxlan id 1 dstport 8472 nolearning local 192.168.77.1 dev eth0
             ip addr add 10.244.1.0/32 dev flannel.1 && ip link set flannel.1 up
             ip link add cni0 type bridge && ip link set cni0 mtu 1450
             ip addr add 10.244.1.1/24 dev cni0 && ip link set cni0 up
             mkdir -p /run/flannel
             printf 'FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n' > /run/flannel/subnet.env",
        );
        // flannel pkg/backend/vxlan/vxlan_network.go: route, neighbour, FDB.
        ns.sh(&format!(
            "ip route add 10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink
             ip neigh add 10.244.2.0 lladdr {PEER_MAC} dev flannel.1 nud permanent
             bridge fdb append {PEER_MAC} dev flannel.1 dst 192.168.77.2 self permanent"
        ));
        let mac = ns.read("/sys/class/net/flannel.1/address");
        let data = tempfile::tempdir().map_err(|e| e.to_string())?;
        let etcd = ns
            .command("etcd")
            .args(["--enable-v2=true", "--data-dir"])
            .arg(data.path().join("data"))
            .args([
                "--listen-client-urls",
                ETCD_URL,
                "--advertise-client-urls",
                ETCD_URL,
                "--listen-peer-urls",
                "http://127.0.0.1:23800",
                "--initial-advertise-peer-urls",
                "http://127.0.0.1:23800",
                "--initial-cluster",
                "default=http://127.0.0.1:23800",
            ])
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(data.path().join("etcd.log")).map_err(|e| e.to_string())?)
            .spawn()
            .map_err(|e| format!("cannot start etcd: {e}"))?;
        let node = Node {
            ns,
            etcd,
            data,
            mac,
        };
        node.wait_for_etcd()?;
        Ok(node)
    }

    /// etcd under a loaded CI machine can take a while; give it 60 s and
    /// show its log when it never answers.
    fn wait_for_etcd(&self) -> Result<(), String> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while std::time::Instant::now() < deadline {
            // `endpoint health` exits 0 only when a proposal was committed (it
            // prints its verdict on stderr in etcdctl 3.4).
            let healthy = self
                .etcdctl(&[
                    "--dial-timeout=1s",
                    "--command-timeout=2s",
                    "endpoint",
                    "health",
                ])
                .is_ok();
            if healthy {
                return Ok(());
            }
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
        let log = std::fs::read_to_string(self.data.path().join("etcd.log")).unwrap_or_default();
        Err(format!(
            "etcd did not become healthy inside the namespace:\n{log}"
        ))
    }

    fn etcdctl(&self, args: &[&str]) -> Result<String, String> {
        let out = self
            .ns
            .command("etcdctl")
            .env("ETCDCTL_API", "3")
            .args(["--endpoints", ETCD_URL])
            .args(args)
            .output()
            .map_err(|e| e.to_string())?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).into_owned())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    }

    /// As flanneld 0.18+ writes a lease: grant a 24 h etcd lease, put the
    /// key with it.
    fn put_lease(&self, subnet_key: &str, value: &str) {
        let granted = self
            .etcdctl(&["lease", "grant", "86400"])
            .expect("lease grant");
        let id = granted.split_whitespace().nth(1).expect("lease id");
        self.etcdctl(&[
            "put",
            &format!("--lease={id}"),
            &format!("{PREFIX}/subnets/{subnet_key}"),
            value,
        ])
        .expect("put lease");
    }

    fn put_config(&self, config: &str) {
        self.etcdctl(&["put", &format!("{PREFIX}/config"), config])
            .expect("put config");
    }

    /// Load rules with `program` (iptables-restore or a variant) inside.
    fn restore(&self, program: &str, args: &[&str], rules: &str) {
        let mut child = self
            .ns
            .command(program)
            .args(args)
            .stdin(Stdio::piped())
            .spawn()
            .expect("restore runs");
        std::io::Write::write_all(&mut child.stdin.take().expect("stdin"), rules.as_bytes())
            .expect("rules written");
        assert!(child.wait().expect("restore").success(), "{program} failed");
    }

    fn doctor(&self, extra: &[&str]) -> (Option<i32>, Value) {
        let mut args = vec![
            "doctor",
            "--steal-interval",
            "0",
            "--skip",
            "cpu.steal",
            "-o",
            "json",
        ];
        args.extend_from_slice(extra);
        let out = self.ns.k8snet(&args);
        let report = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}{}", stdout(&out), stderr(&out)));
        (code(&out), report)
    }

    fn doctor_with_etcd(&self) -> (Option<i32>, Value) {
        self.doctor(&["--endpoints", ETCD_URL])
    }
}

fn lease(ip: &str, mac: &str) -> String {
    format!(
        r#"{{"PublicIP":"{ip}","PublicIPv6":null,"BackendType":"vxlan","BackendData":{{"VNI":1,"VtepMAC":"{mac}"}}}}"#
    )
}

/// Checks at `status`, as (id, code).
fn with_status(report: &Value, status: &str) -> BTreeSet<(String, String)> {
    report["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .filter(|c| c["status"] == status)
        .map(|c| {
            (
                c["id"].as_str().unwrap_or_default().to_string(),
                c["code"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn set(items: &[(&str, &str)]) -> BTreeSet<(String, String)> {
    items
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn a_healthy_node_passes_and_each_broken_thing_turns_its_check() {
    let node = crate::available!(Node::new());
    node.ns
        .sh("echo 1 > /proc/sys/net/ipv4/ip_forward; echo 30 > /proc/sys/net/ipv4/tcp_fin_timeout");
    let out = node.ns.k8snet(&["tune", "--apply"]);
    assert_eq!(
        code(&out),
        Some(0),
        "persist the profile: {}{}",
        stdout(&out),
        stderr(&out)
    );
    node.put_config(r#"{"Network":"10.244.0.0/16","Backend":{"Type":"vxlan"}}"#);
    node.put_lease("10.244.1.0-24", &lease("192.168.77.1", &node.mac));
    node.put_lease("10.244.2.0-24", &lease("192.168.77.2", PEER_MAC));
    node.restore("iptables-restore", &[], KUBE_RULES);

    // Healthy: nothing fails, and the only warning is that this is not the
    // host's initial network namespace (true: it is the test's).
    let (exit, report) = node.doctor_with_etcd();
    assert_eq!(with_status(&report, "fail"), set(&[]), "{report:#}");
    assert_eq!(with_status(&report, "error"), set(&[]), "{report:#}");
    assert_eq!(
        with_status(&report, "warn"),
        set(&[("netns.scope", "netns-not-initial")])
    );
    assert_eq!(exit, Some(0));
    let ok = with_status(&report, "ok");
    for id in [
        "etcd.config",
        "etcd.leases",
        "backend.type",
        "backend.mtu",
        "dataplane.10.244.2.0-24",
        "dataplane.vtep",
        "proxy.mode",
        "proxy.services",
        "proxy.iptables-backends",
    ] {
        assert!(
            ok.iter().any(|(i, _)| i == id),
            "{id} should be ok: {report:#}"
        );
    }

    // ip_forward off: exactly its sysctl fails (boot still sets 1, and says
    // that it is not applied now).
    node.ns.sh("echo 0 > /proc/sys/net/ipv4/ip_forward");
    let (exit, report) = node.doctor_with_etcd();
    assert_eq!(exit, Some(1));
    assert_eq!(
        with_status(&report, "fail"),
        set(&[("sysctl.net.ipv4.ip_forward", "sysctl-drift")])
    );
    node.ns.sh("echo 1 > /proc/sys/net/ipv4/ip_forward");

    // The FDB entry for the node in etcd's lease 10.244.2.0/24 is gone.
    node.ns.sh(&format!(
        "bridge fdb del {PEER_MAC} dev flannel.1 dst 192.168.77.2"
    ));
    let (exit, report) = node.doctor_with_etcd();
    assert_eq!(exit, Some(1));
    assert_eq!(
        with_status(&report, "fail"),
        set(&[("dataplane.10.244.2.0-24", "dataplane-missing")])
    );
    node.ns.sh(&format!(
        "bridge fdb append {PEER_MAC} dev flannel.1 dst 192.168.77.2 self permanent"
    ));

    // A udp backend in etcd's config: the config warns, and everything that
    // disagrees with it now says so.
    node.put_config(r#"{"Network":"10.244.0.0/16","Backend":{"Type":"udp"}}"#);
    let (exit, report) = node.doctor_with_etcd();
    assert_eq!(exit, Some(1));
    assert!(
        with_status(&report, "warn").contains(&("etcd.config".into(), "etcd-config-udp".into())),
        "{report:#}"
    );
    assert_eq!(
        with_status(&report, "fail"),
        set(&[("etcd.leases", "etcd-lease-backend-mismatch")])
    );
    node.put_config(r#"{"Network":"10.244.0.0/16","Backend":{"Type":"vxlan"}}"#);

    // A lease overlapping another one.
    node.put_lease("10.244.2.0-23", &lease("192.168.77.3", "02:00:00:00:00:03"));
    let (exit, report) = node.doctor_with_etcd();
    assert_eq!(exit, Some(1));
    let leases = report["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .find(|c| c["id"] == "etcd.leases")
        .expect("etcd.leases");
    assert_eq!(leases["status"], "fail");
    assert!(
        leases["details"].to_string().contains("etcd-lease-overlap"),
        "{leases:#}"
    );
    node.etcdctl(&["del", &format!("{PREFIX}/subnets/10.244.2.0-23")])
        .expect("del");

    // A service without endpoints warns (an application problem, not the
    // node's), so it fails the run only with --fail-on warn.
    node.restore("iptables-restore", &["--noflush"], NO_ENDPOINTS);
    let (exit, report) = node.doctor(&[
        "--endpoints",
        ETCD_URL,
        "--skip",
        "netns.scope",
        "--fail-on",
        "warn",
    ]);
    assert_eq!(exit, Some(1));
    assert_eq!(
        with_status(&report, "warn"),
        set(&[("proxy.services", "proxy-service-no-endpoints")])
    );
    assert_eq!(with_status(&report, "fail"), set(&[]));

    // KUBE rules in both iptables variants.
    node.restore("iptables-legacy-restore", &[], KUBE_RULES);
    let (exit, report) = node.doctor_with_etcd();
    assert_eq!(exit, Some(1));
    assert_eq!(
        with_status(&report, "fail"),
        set(&[("proxy.iptables-backends", "proxy-mixed-iptables")])
    );

    // An etcd the user named that does not answer: error, exit 2, within
    // the timeout.
    let (exit, report) = node.doctor(&["--endpoints", "http://127.0.0.1:1", "--timeout", "2s"]);
    assert_eq!(exit, Some(2));
    assert_eq!(
        with_status(&report, "error"),
        set(&[
            ("etcd.config", "check-error"),
            ("etcd.leases", "check-error")
        ])
    );
}
