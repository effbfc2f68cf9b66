//! `k8snet backend`: real devices in throwaway network namespaces, and
//! fake roots for what this kernel cannot build (wireguard, ipip) and for
//! bad input.

use std::os::unix::fs::PermissionsExt;

use serde_json::Value;

use crate::support::{FakeRoot, code, fixture, run, stderr, stdout};

fn json(out: &std::process::Output) -> Value {
    serde_json::from_str(&stdout(out)).unwrap_or_else(|e| panic!("{e}: {}", stdout(out)))
}

fn check<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no {id} in {report}"))
}

fn flannel_text(name: &str) -> String {
    std::fs::read_to_string(fixture(&format!("flannel/{name}"))).expect("fixture")
}

/// The underlay: a veth `eth0` (this kernel has no dummy links) with an
/// address and the default route.
const UNDERLAY: &str = "ip link add eth0 type veth peer name eth0peer
ip link set eth0 mtu 1500 up
ip link set eth0peer up
ip addr add 192.0.2.10/24 dev eth0
ip route add default via 192.0.2.1 dev eth0";

#[test]
fn vxlan_node_through_a_host_root_agrees_and_fits() {
    let ns = crate::netns!();
    ns.sh(UNDERLAY);
    ns.sh(
        "ip link add flannel.1 type vxlan id 1 dstport 8472 nolearning local 192.0.2.10 dev eth0
ip link add cni0 mtu 1450 type bridge
ip link add veth1a2b mtu 1450 type veth peer name eth0pod mtu 1450
ip link set veth1a2b master cni0",
    );
    // A DaemonSet-style root: /sys and /proc are the namespace's own.
    let root = FakeRoot::new();
    root.write(
        "/etc/kube-flannel/net-conf.json",
        &flannel_text("net-conf-kube-flannel-yml.json"),
    );
    root.write(
        "/run/flannel/subnet.env",
        &flannel_text("subnet-env-dualstack-configuration-md.env"),
    );
    std::os::unix::fs::symlink("/sys", root.path().join("sys")).expect("sys link");
    std::os::unix::fs::symlink("/proc", root.path().join("proc")).expect("proc link");
    let root_arg = root.path().to_string_lossy().into_owned();
    let out = ns.k8snet(&["--host-root", &root_arg, "backend", "-o", "json"]);
    assert_eq!(code(&out), Some(0), "{}{}", stdout(&out), stderr(&out));
    let report = json(&out);
    assert_eq!(report["backend"], "vxlan");
    let sources: Vec<&str> = report["sources"]
        .as_array()
        .expect("sources")
        .iter()
        .map(|s| s["source"].as_str().expect("source"))
        .collect();
    assert_eq!(
        sources,
        ["net-conf.json", "interface flannel.1", "subnet.env"]
    );
    let device = report["interfaces"]
        .as_array()
        .expect("interfaces")
        .iter()
        .find(|l| l["name"] == "flannel.1")
        .expect("flannel.1");
    assert_eq!(device["kind"], "vxlan");
    assert_eq!(device["vxlan"]["vni"], 1);
    assert_eq!(device["vxlan"]["port"], 8472);
    assert_eq!(device["vxlan"]["learning"], false);
    assert_eq!(device["vxlan"]["local"], "192.0.2.10");
    assert_eq!(report["mtu"]["room"], 1450);
    assert_eq!(check(&report, "backend.type")["status"], "ok");
    assert_eq!(
        check(&report, "backend.mtu")["summary"],
        "flannel.1 1450, FLANNEL_MTU 1450, cni0 1450, veth1a2b 1450 fit in eth0 MTU 1500 - 50 (vxlan overhead) = 1450"
    );
    let notes = report["notes"].to_string();
    assert!(
        notes.contains("show the network namespace of whoever mounted them"),
        "{notes}"
    );
}

#[test]
fn pod_veth_bigger_than_the_room_fails_with_names_and_numbers() {
    let ns = crate::netns!();
    ns.sh(UNDERLAY);
    ns.sh("ip link add flannel.1 type vxlan id 1 dstport 8472 nolearning local 192.0.2.10 dev eth0
ip link add cni0 type bridge
ip link add vethbig mtu 1500 type veth peer name eth0pod mtu 1500
ip link set vethbig master cni0
mkdir -p /run/flannel
printf 'FLANNEL_NETWORK=10.244.0.0/16\\nFLANNEL_SUBNET=10.244.3.1/24\\nFLANNEL_MTU=1450\\nFLANNEL_IPMASQ=true\\n' > /run/flannel/subnet.env");
    let out = ns.k8snet(&["backend", "-o", "json"]);
    assert_eq!(code(&out), Some(1), "{}", stderr(&out));
    let report = json(&out);
    let mtu = check(&report, "backend.mtu");
    assert_eq!(mtu["status"], "fail");
    assert_eq!(mtu["code"], "backend-mtu");
    let details: Vec<&str> = mtu["details"]
        .as_array()
        .expect("details")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(
        details,
        ["cni0: MTU 1500 > 1450", "vethbig: MTU 1500 > 1450"]
    );
    // The default root: no host-root note.
    assert!(
        report
            .get("notes")
            .is_none_or(|n| !n.to_string().contains("--host-root"))
    );
}

#[test]
fn tun_flannel0_is_the_udp_backend() {
    let ns = crate::netns!();
    ns.sh(UNDERLAY);
    ns.sh("ip tuntap add flannel0 mode tun
ip link set flannel0 mtu 1472
mkdir -p /run/flannel
printf 'FLANNEL_NETWORK=4.0.0.0/16\\nFLANNEL_SUBNET=4.0.34.1/24\\nFLANNEL_MTU=1472\\nFLANNEL_IPMASQ=false\\n' > /run/flannel/subnet.env");
    let out = ns.k8snet(&["backend", "-o", "json"]);
    let report = json(&out);
    assert_eq!(report["backend"], "udp");
    let kind = check(&report, "backend.type");
    assert_eq!(kind["code"], "backend-udp", "{kind}");
    assert_eq!(check(&report, "backend.mtu")["status"], "ok");
    // A warning alone exits 0 unless --fail-on warn.
    assert_eq!(code(&out), Some(0));
    assert_eq!(code(&ns.k8snet(&["--fail-on", "warn", "backend"])), Some(1));
}

#[test]
fn wireguard_and_ipip_devices_when_the_kernel_has_them() {
    let ns = crate::netns!();
    ns.sh(UNDERLAY);
    for (kind, name, create) in [
        (
            "wireguard",
            "flannel-wg",
            "ip link add flannel-wg mtu 1420 type wireguard",
        ),
        (
            "ipip",
            "flannel.ipip",
            "ip link add flannel.ipip mtu 1480 type ipip local 192.0.2.10 dev eth0",
        ),
    ] {
        let made = ns
            .command("sh")
            .args(["-c", create])
            .output()
            .expect("ip runs");
        if !made.status.success() {
            // Not `require!`: CI's kernel lacks these too; fixtures cover them.
            eprintln!(
                "skipping {kind}: {}",
                String::from_utf8_lossy(&made.stderr).trim()
            );
            continue;
        }
        let report = json(&ns.k8snet(&["backend", "-o", "json"]));
        assert_eq!(report["backend"], kind, "{report}");
        ns.sh(&format!("ip link delete {name}"));
    }
}

/// A fake node with sysfs files for `links` (name, ifindex, type, mtu)
/// and a fake `ip` that prints `ip_fixture`.
fn fake_node(links: &[(&str, u32, u32, u32)], ip_fixture: &str) -> (FakeRoot, tempfile::TempDir) {
    let root = FakeRoot::new();
    for (name, ifindex, arp, mtu) in links {
        let dir = format!("/sys/class/net/{name}");
        root.write(&format!("{dir}/ifindex"), &format!("{ifindex}\n"));
        root.write(&format!("{dir}/type"), &format!("{arp}\n"));
        root.write(&format!("{dir}/mtu"), &format!("{mtu}\n"));
    }
    root.write(
        "/proc/net/route",
        "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\neth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n",
    );
    let tools = tempfile::tempdir().expect("tools");
    let ip = tools.path().join("ip");
    std::fs::write(
        &ip,
        format!(
            "#!/bin/sh\ncat '{}'\n",
            fixture(&format!("iplink/{ip_fixture}")).display()
        ),
    )
    .expect("ip");
    std::fs::set_permissions(&ip, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    (root, tools)
}

#[test]
fn wireguard_from_sysfs_and_ip_json_fixture() {
    let (root, tools) = fake_node(
        &[("eth0", 2, 1, 1500), ("flannel-wg", 5, 65534, 1420)],
        "wireguard-ipip.json",
    );
    root.write(
        "/etc/kube-flannel/net-conf.json",
        r#"{"Network": "10.244.0.0/16", "Backend": {"Type": "wireguard"}}"#,
    );
    let out = run(root
        .k8snet()
        .env("PATH", tools.path())
        .args(["backend", "-o", "json"]));
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    let report = json(&out);
    assert_eq!(report["backend"], "wireguard");
    assert_eq!(check(&report, "backend.type")["status"], "ok");
    assert_eq!(
        check(&report, "backend.mtu")["summary"],
        "flannel-wg 1420 fit in eth0 MTU 1500 - 80 (wireguard overhead) = 1420"
    );
}

#[test]
fn ip_details_of_another_namespace_are_not_merged() {
    // flannel-wg has ifindex 9 in sysfs but 5 in `ip`'s namespace.
    let (root, tools) = fake_node(
        &[("eth0", 2, 1, 1500), ("flannel-wg", 9, 65534, 1420)],
        "wireguard-ipip.json",
    );
    let out = run(root
        .k8snet()
        .env("PATH", tools.path())
        .args(["backend", "-o", "json"]));
    let report = json(&out);
    let wg = report["interfaces"]
        .as_array()
        .expect("links")
        .iter()
        .find(|l| l["name"] == "flannel-wg")
        .expect("wg");
    assert_eq!(wg["kind"], Value::Null);
    // Still recognised by its name.
    assert_eq!(report["backend"], "wireguard");
}

#[test]
fn no_flannel_skips_with_the_reason() {
    let root = FakeRoot::new();
    root.write("/proc/sys/kernel/osrelease", "6.1.0\n");
    let out = run(root.k8snet().args(["backend"]));
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("SKIP    backend.type  no flannel on this node"),
        "{text}"
    );
    assert!(text.contains("2 checks: 2 skip"), "{text}");
}

#[test]
fn config_without_devices_and_var_run_subnet_env() {
    let root = FakeRoot::new();
    root.write(
        "/etc/kube-flannel/net-conf.json",
        &flannel_text("config-udp-port7890-configuration-md.json"),
    );
    root.write(
        "/var/run/flannel/subnet.env",
        &flannel_text("subnet-env-dist-sample.env"),
    );
    let out = run(root.k8snet().args(["backend", "-o", "json"]));
    let report = json(&out);
    assert_eq!(report["subnet_env"]["mtu"], 1472);
    assert!(
        report["subnet_env"]["path"]
            .as_str()
            .expect("path")
            .ends_with("/var/run/flannel/subnet.env")
    );
    let kind = check(&report, "backend.type");
    assert_eq!(kind["code"], "backend-udp");
    let details = kind["details"].to_string();
    assert!(
        details
            .contains("backend-mismatch: net-conf.json says udp but there is no flannel0 device"),
        "{details}"
    );
    assert_eq!(check(&report, "backend.mtu")["status"], "skip");
}

#[test]
fn garbage_inputs_exit_2_with_file_and_line() {
    let root = FakeRoot::new();
    root.write(
        "/run/flannel/subnet.env",
        "FLANNEL_NETWORK=10.1.0.0/16\nFLANNEL_MTU=big\n",
    );
    let out = run(root.k8snet().args(["backend"]));
    assert_eq!(code(&out), Some(2));
    assert!(
        stderr(&out).contains("run/flannel/subnet.env:line 2: FLANNEL_MTU=`big` is not a number"),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&out).is_empty());

    let root = FakeRoot::new();
    root.write(
        "/etc/kube-flannel/net-conf.json",
        "{\n  \"Backend\": {\"Type\": \"vxlan\",}\n}\n",
    );
    let out = run(root.k8snet().args(["backend"]));
    assert_eq!(code(&out), Some(2));
    assert!(
        stderr(&out).contains("net-conf.json: line 2, column"),
        "{}",
        stderr(&out)
    );
}
