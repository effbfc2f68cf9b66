//! Rules loaded with the real iptables-restore into a throwaway network
//! namespace and read back by `k8snet chains`.

use super::*;
use crate::support::netns::Netns;

fn live(ns: &Netns, extra: &[&str]) -> Value {
    let mut args = vec!["chains", "-o", "json"];
    args.extend_from_slice(extra);
    let out = ns.k8snet(&args);
    assert!(
        code(&out) == Some(0) || code(&out) == Some(1),
        "{}",
        stderr(&out)
    );
    json(&out)
}

/// The assertions for one dump.
type Expect = fn(&Value);

#[test]
fn live_rules_of_every_era_loaded_with_iptables_restore() {
    let _probe = netns!();
    let cases: [(&str, Expect); 5] = [
        ("eks-v1.10-iptables-mode-2018.txt", assert_eks),
        ("ext-era-v1.24plus-restore.txt", assert_ext_era),
        ("xlb-era-v1.2x-save.txt", assert_xlb_era),
        ("v1.1-iptables-inline-mark-save.txt", assert_v11_era),
        ("large-cluster-restore.txt", assert_large_cluster),
    ];
    for (tool, backend) in [
        ("iptables-nft-restore", "nft"),
        ("iptables-legacy-restore", "legacy"),
    ] {
        for (name, check) in cases {
            // A fresh namespace per dump: restore only flushes the tables it names.
            let ns = Netns::new().expect("namespace");
            ns.restore_fixture(tool, name);
            let report = live(&ns, &[]);
            assert_eq!(report["backend"], backend, "{name}");
            assert_eq!(report["source"], format!("iptables-{backend}-save"));
            check(&report);
        }
    }
}

#[test]
fn live_userspace_rules_show_proxy_ports() {
    let ns = netns!();
    ns.restore_fixture("iptables-restore", "userspace-save.txt");
    let report = live(&ns, &[]);
    assert_eq!(report["era"], "userspace");
    let ssh = service(&report, "default/ssh-service1:");
    assert_eq!(ssh["external_ips"], serde_json::json!(["192.0.2.22:2222"]));
    assert_eq!(ssh["node_port"], 30239);
    assert_eq!(ssh["proxy_port"], 36463);
}

#[test]
fn live_raw_output_restores_to_the_same_services() {
    let ns = netns!();
    ns.restore_fixture("iptables-nft-restore", "ext-era-v1.24plus-restore.txt");
    let raw = ns.k8snet(&["chains", "--raw"]);
    assert_eq!(code(&raw), Some(0), "{}", stderr(&raw));
    let copy = Netns::new().expect("second namespace");
    copy.restore("iptables-nft-restore", &raw.stdout);
    assert_ext_era(&live(&copy, &[]));
}

#[test]
fn live_without_iptables_save_exits_2_with_a_hint() {
    let ns = netns!();
    // Hide the tools in this namespace's private mount table only.
    ns.sh("mount -t tmpfs tmpfs /usr/sbin");
    let out = ns.k8snet(&["chains"]);
    assert_eq!(code(&out), Some(2));
    let err = stderr(&out);
    assert!(err.contains("iptables-save: not found"), "{err}");
    assert!(err.contains("hint: install iptables"), "{err}");
}

#[test]
fn live_as_non_root_exits_2_with_a_hint() {
    let ns = netns!();
    let out = ns
        .command("setpriv")
        .args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            crate::support::k8snet_bin(),
            "chains",
        ])
        .output()
        .expect("setpriv");
    assert_eq!(code(&out), Some(2), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(err.contains("Permission denied"), "{err}");
    assert!(
        err.contains("hint: this needs CAP_NET_ADMIN: run as root"),
        "{err}"
    );
}
