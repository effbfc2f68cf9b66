//! Rules loaded with the real iptables-restore into a throwaway network
//! namespace and read back by `k8snet chains`.

use super::*;
use crate::support::netns::Netns;

#[path = "../../benches/kube_nat.rs"]
mod kube_nat;

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

/// A big cluster's table: iptables-save's output, several MiB, comes
/// through a pipe k8snet grows and then reads in pauses (`src/pipe.rs`),
/// in many pieces and more than one chunk, and must give what the same
/// dump gives from stdin.
#[test]
fn live_large_table_reads_like_its_dump() {
    let ns = netns!();
    let mut rules = Vec::new();
    kube_nat::write(&mut rules, 1000, 5).expect("generate");
    ns.restore("iptables-nft-restore", &rules);
    let saved = run(&mut ns.command("iptables-nft-save"));
    assert_eq!(code(&saved), Some(0), "{}", stderr(&saved));
    // Past the first MiB, after which reads are paced, and past the first
    // chunk (1 MiB).
    assert!(saved.stdout.len() > 2 << 20, "{} bytes", saved.stdout.len());
    let live = live(&ns, &[]);
    let services = live["services"].as_array().expect("services");
    assert_eq!(services.len(), 1000);
    for svc in services {
        let shares: Vec<f64> = endpoints(svc).iter().map(|(_, share)| *share).collect();
        assert_eq!(shares.len(), 5, "{svc}");
        assert!((shares.iter().sum::<f64>() - 1.0).abs() < 1e-6, "{svc}");
    }
    let from_stdin = run_with_input(
        k8snet().args(["chains", "-o", "json", "--file", "-"]),
        &saved.stdout,
    );
    assert_eq!(code(&from_stdin), Some(0), "{}", stderr(&from_stdin));
    assert_eq!(json(&from_stdin)["services"], live["services"]);
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
