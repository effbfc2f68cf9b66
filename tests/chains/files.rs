//! Dumps read with `--file`, errors, and the parser's property tests.

use proptest::prelude::*;

use super::*;

#[test]
fn eks_dump_file_lists_four_service_ports_with_shares_and_affinity() {
    let report = chains_file("eks-v1.10-iptables-mode-2018.txt", &[]);
    assert_eks(&report);
    assert_eq!(report["backend"], "legacy");
    assert_eq!(report["checks"][0]["id"], "proxy.services");
    assert_eq!(report["checks"][0]["status"], "ok");
}

#[test]
fn iptables_s_dump_with_a_hand_edited_hash_gives_the_nodeport_service() {
    let report = chains_file("iptables-mode-v1.2-era-2016-nodeport-iptables-S.txt", &[]);
    assert_eq!(report["services"].as_array().map(Vec::len), Some(1));
    let mysql = service(&report, "default/mysql-service:");
    assert_eq!(mysql["cluster_ip"], "10.254.162.44:3306");
    assert_eq!(mysql["node_port"], 30964);
    assert_eq!(mysql["protocol"], "tcp");
    assert_shares(
        mysql,
        &[("192.168.125.129:3306", 0.5), ("192.168.125.131:3306", 0.5)],
    );
    assert_eq!(mysql["endpoints"][0]["probability"], "0.50000000000");
    assert_eq!(
        report["checks"][0]["summary"],
        "1 service port, with endpoints"
    );
}

#[test]
fn userspace_dump_shows_proxy_ports_and_no_endpoints() {
    let report = chains_file("userspace-v1.1-era-2016-iptables-S.txt", &[]);
    assert_eq!(report["era"], "userspace");
    let api = service(&report, "default/kubernetes:");
    assert_eq!(api["cluster_ip"], "10.254.0.1:443");
    assert_eq!(api["proxy_port"], 53940);
    assert_eq!(api["endpoints_visible"], false);
    let ssh = service(&report, "default/ssh-service1:");
    assert_eq!(ssh["cluster_ip"], "10.254.132.107:2222");
    assert_eq!(ssh["proxy_port"], 36463);
    assert_eq!(ssh["node_port"], 30239);
    assert!(endpoints(ssh).is_empty());
    assert_eq!(report["checks"][0]["status"], "ok");
    assert_eq!(
        report["checks"][0]["summary"],
        "2 service ports; 2 proxied in user space, whose endpoints iptables does not show"
    );
}

#[test]
fn stdin_dump_is_read_like_a_file() {
    let text =
        std::fs::read(fixture("iptables/eks-v1.10-iptables-mode-2018.txt")).expect("fixture");
    let out = run_with_input(
        k8snet().args(["chains", "-o", "json", "--file", "-"]),
        &text,
    );
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    let report = json(&out);
    assert_eq!(report["source"], "stdin");
    assert_eks(&report);
}

#[test]
fn service_filter_and_table_output() {
    let report = chains_file(
        "eks-v1.10-iptables-mode-2018.txt",
        &["--service", "kube-system/kube-dns"],
    );
    let names: Vec<&str> = report["services"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["name"]["full"].as_str())
        .collect();
    assert_eq!(
        names,
        ["kube-system/kube-dns:dns", "kube-system/kube-dns:dns-tcp"]
    );
    let one = chains_file(
        "eks-v1.10-iptables-mode-2018.txt",
        &["--service", "default/hello"],
    );
    assert_eq!(one["services"].as_array().map(Vec::len), Some(1));
    let out = run(k8snet().args([
        "chains",
        "--color",
        "never",
        "--file",
        &dump("eks-v1.10-iptables-mode-2018.txt"),
    ]));
    let text = stdout(&out);
    assert!(text.contains("192.168.136.140:80 14.3%"), "{text}");
    assert!(text.contains("ClientIP 10800s"), "{text}");
}

#[test]
fn raw_prints_only_the_kube_chains_verbatim() {
    let out = run(k8snet().args([
        "chains",
        "--raw",
        "--file",
        &dump("eks-v1.10-iptables-mode-2018.txt"),
    ]));
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        !text.contains("DOCKER") && !text.contains("AWS, SNAT"),
        "{text}"
    );
    assert!(text.contains("-A KUBE-SVC-TWVLBX4WCEZSIVWL -m comment --comment \"default/hello:\" -m statistic --mode random --probability 0.14286000002 -j KUBE-SEP-VXYJY4HL2DUWJW4T\n"));
    assert!(
        text.contains("*filter\n:KUBE-EXTERNAL-SERVICES - [0:0]\n"),
        "{text}"
    );
    let one = run(k8snet().args([
        "chains",
        "--raw",
        "--service",
        "default/kubernetes:https",
        "--file",
        &dump("eks-v1.10-iptables-mode-2018.txt"),
    ]));
    let text = stdout(&one);
    assert!(
        text.contains(":KUBE-SEP-5FZSVYKRYDUCHFON - [0:0]"),
        "{text}"
    );
    assert!(!text.contains("default/hello"), "{text}");
}

#[test]
fn every_era_fixture_is_read_from_a_file() {
    let ext = chains_file("ext-era-v1.24plus-restore.txt", &[]);
    assert_ext_era(&ext);
    let xlb = chains_file("xlb-era-v1.2x-save.txt", &[]);
    assert_xlb_era(&xlb);
    let v11 = chains_file("v1.1-iptables-inline-mark-save.txt", &[]);
    assert_v11_era(&v11);
    let large = chains_file("large-cluster-restore.txt", &[]);
    assert_large_cluster(&large);
    let ipvs = chains_file("ipvs-save.txt", &[]);
    assert_eq!(ipvs["era"], "ipvs");
    assert_eq!(ipvs["checks"][0]["status"], "skip");
}

#[test]
fn garbage_dump_exits_2_with_the_line_number() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("dump.txt");
    std::fs::write(
        &path,
        "*nat\n:KUBE-SERVICES - [0:0]\n-A KUBE-SERVICES -j X\nthis is not iptables\nCOMMIT\n",
    )
    .expect("write");
    let out = run(k8snet().args(["chains", "--file"]).arg(&path));
    assert_eq!(code(&out), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("line 4: unexpected `this is not iptables`"),
        "{err}"
    );
    assert!(
        err.contains("hint: the input must be `iptables-save` or `iptables -S` output"),
        "{err}"
    );
    std::fs::write(&path, b"*nat\n\xff\xfe\n").expect("write");
    let binary = run(k8snet().args(["chains", "--file"]).arg(&path));
    assert_eq!(code(&binary), Some(2));
    assert!(stdout(&binary).is_empty());
}

#[test]
fn unreadable_dump_exits_2_with_a_hint() {
    let out = run(k8snet().args(["chains", "--file", "/nonexistent/dump.txt"]));
    assert_eq!(code(&out), Some(2));
    let err = stderr(&out);
    assert!(
        err.starts_with("k8snet: /nonexistent/dump.txt: not found"),
        "{err}"
    );
    assert!(err.contains("hint: --file takes a dump"), "{err}");
}

/// Lines built from the words iptables dumps are made of, so the
/// generator reaches the rule-option and service-extraction code.
fn dump_line() -> impl Strategy<Value = String> {
    let words = prop::sample::select(vec![
        "-A",
        "KUBE-SERVICES",
        "KUBE-SVC-A",
        "KUBE-SEP-B",
        "KUBE-EXT-A",
        "KUBE-SVL-A",
        "KUBE-FW-A",
        "KUBE-XLB-A",
        "KUBE-NODEPORTS",
        "KUBE-PORTALS-CONTAINER",
        "-j",
        "-g",
        "-m",
        "comment",
        "--comment",
        "\"ns/s:p cluster IP\"",
        "\"ns/s:p has no endpoints\"",
        "!",
        "-s",
        "-d",
        "10.0.0.1/32",
        "-p",
        "tcp",
        "--dport",
        "80",
        "--probability",
        "0.5",
        "--to-destination",
        "10.1.0.1:80",
        "--to-ports",
        "-m recent",
        "--rcheck",
        "--seconds",
        "--name",
        "\"",
        "'",
        "\\",
        "*nat",
        "*filter",
        ":KUBE-SVC-A",
        "- [0:0]",
        "COMMIT",
        "-N",
        "-P",
        "ACCEPT",
        "#",
        "",
    ]);
    prop::collection::vec(words, 0..12).prop_map(|w| w.join(" "))
}

proptest! {
    #[test]
    fn parser_never_panics_on_arbitrary_text(text in ".{0,400}") {
        if let Ok(dump) = k8snet::chains::parse(&text) {
            let _ = k8snet::chains::extract(&dump);
        }
    }

    #[test]
    fn parser_never_panics_on_dump_like_lines(lines in prop::collection::vec(dump_line(), 0..30)) {
        let text = lines.join("\n");
        if let Ok(dump) = k8snet::chains::parse(&text) {
            let services = k8snet::chains::extract(&dump);
            for port in services.ports {
                let total: f64 = port.endpoints.iter().map(|e| e.share).sum();
                prop_assert!(total <= 1.0 + 1e-9);
            }
        }
    }
}
