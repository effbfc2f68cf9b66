//! `k8snet chains`: dumps of every kube-proxy era read from files and,
//! loaded with the real iptables-restore (nft and legacy) into a throwaway
//! namespace, read back live; errors; and a property test of the parser.

use std::io::Write;
use std::process::{Output, Stdio};

use proptest::prelude::*;
use serde_json::Value;

use crate::support::netns::Netns;
use crate::support::{code, fixture, k8snet, run, stderr, stdout};

fn dump(name: &str) -> String {
    fixture(&format!("iptables/{name}")).display().to_string()
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", stdout(out), stderr(out)))
}

fn chains_file(name: &str, extra: &[&str]) -> Value {
    let out = run(k8snet()
        .args(["chains", "-o", "json", "--file", &dump(name)])
        .args(extra));
    assert!(
        code(&out) == Some(0) || code(&out) == Some(1),
        "{}",
        stderr(&out)
    );
    json(&out)
}

fn service<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["services"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["name"]["full"] == name))
        .unwrap_or_else(|| panic!("{name} missing in {report:#}"))
}

/// (address, share) of a service's endpoints.
fn endpoints(svc: &Value) -> Vec<(String, f64)> {
    svc["endpoints"]
        .as_array()
        .map(|eps| {
            eps.iter()
                .map(|e| {
                    (
                        e["address"].as_str().unwrap_or("").to_string(),
                        e["share"].as_f64().unwrap_or(-1.0),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn assert_shares(svc: &Value, expected: &[(&str, f64)]) {
    let got = endpoints(svc);
    assert_eq!(got.len(), expected.len(), "{svc:#}");
    for ((addr, share), (want_addr, want_share)) in got.iter().zip(expected) {
        assert_eq!(addr, want_addr);
        // iptables stores probabilities as 32-bit fractions: compare with a tolerance.
        assert!(
            (share - want_share).abs() < 1e-4,
            "{addr}: {share} vs {want_share}"
        );
    }
}

/// The EKS 1.10 dump, SOURCES.md section 5.
fn assert_eks(report: &Value) {
    assert_eq!(report["era"], "iptables");
    assert_eq!(report["services"].as_array().map(Vec::len), Some(4));
    let hello = service(report, "default/hello:");
    assert_eq!(hello["name"]["port"], "");
    assert_eq!(hello["cluster_ip"], "10.100.204.119:80");
    assert_eq!(hello["protocol"], "tcp");
    let seventh = 1.0 / 7.0;
    assert_shares(
        hello,
        &[
            ("192.168.136.140:80", seventh),
            ("192.168.149.34:80", seventh),
            ("192.168.187.204:80", seventh),
            ("192.168.207.166:80", seventh),
            ("192.168.216.216:80", seventh),
            ("192.168.229.17:80", seventh),
            ("192.168.244.95:80", seventh),
        ],
    );
    let api = service(report, "default/kubernetes:https");
    assert_eq!(api["cluster_ip"], "10.100.0.1:443");
    assert_eq!(api["affinity"]["timeout_seconds"], 10800);
    assert_shares(
        api,
        &[("192.168.128.239:443", 0.5), ("192.168.74.164:443", 0.5)],
    );
    let dns = service(report, "kube-system/kube-dns:dns");
    assert_eq!(
        (dns["protocol"].as_str(), dns["cluster_ip"].as_str()),
        (Some("udp"), Some("10.100.0.10:53"))
    );
    assert_shares(dns, &[("192.168.179.184:53", 1.0)]);
    let dns_tcp = service(report, "kube-system/kube-dns:dns-tcp");
    assert_eq!(dns_tcp["protocol"], "tcp");
    assert_shares(dns_tcp, &[("192.168.179.184:53", 1.0)]);
    for svc in report["services"].as_array().into_iter().flatten() {
        assert!(svc.get("node_port").is_none(), "{svc:#}");
    }
}

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
}

#[test]
fn stdin_dump_is_read_like_a_file() {
    let mut child = k8snet()
        .args(["chains", "-o", "json", "--file", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let text =
        std::fs::read(fixture("iptables/eks-v1.10-iptables-mode-2018.txt")).expect("fixture");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(&text)
        .expect("write");
    let out = child.wait_with_output().expect("wait");
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

fn assert_ext_era(report: &Value) {
    assert_eq!(report["era"], "iptables-ext");
    assert_eq!(report["services"].as_array().map(Vec::len), Some(5));
    let web = service(report, "shop/web:http");
    assert_eq!(web["cluster_ip"], "10.96.10.20:80");
    assert_eq!(web["node_port"], 30080);
    assert_eq!(web["external_ips"], serde_json::json!(["192.0.2.10:80"]));
    assert_eq!(
        web["load_balancer_ips"],
        serde_json::json!(["203.0.113.7:80"])
    );
    assert_eq!(web["affinity"]["timeout_seconds"], 3600);
    assert_eq!(
        (
            web["internal_policy"].as_str(),
            web["external_policy"].as_str()
        ),
        (Some("Cluster"), Some("Local"))
    );
    let third = 1.0 / 3.0;
    assert_shares(
        web,
        &[
            ("10.244.1.5:8080", third),
            ("10.244.2.6:8080", third),
            ("10.244.3.7:8080", third),
        ],
    );
    assert_eq!(web["local_endpoints"][0]["address"], "10.244.1.5:8080");
    let api = service(report, "shop/api");
    assert_eq!(
        (
            api["name"]["service"].as_str(),
            api["name"]["port"].as_str()
        ),
        (Some("api"), Some(""))
    );
    assert_eq!(api["internal_policy"], "Local");
    assert_shares(api, &[("10.244.1.8:8080", 1.0)]);
    let dns = service(report, "kube-system/kube-dns:dns");
    assert_shares(dns, &[("10.244.0.2:53", 0.5), ("10.244.0.3:53", 0.5)]);
    let empty = service(report, "shop/empty:grpc");
    assert_eq!(empty["no_endpoints"], true);
    assert_eq!(empty["cluster_ip"], "10.96.10.40:9090");
    assert_eq!(empty["node_port"], 30090);
    let check = &report["checks"][0];
    assert_eq!(
        (check["status"].as_str(), check["code"].as_str()),
        (Some("warn"), Some("proxy-service-no-endpoints"))
    );
    assert_eq!(check["summary"], "1 of 5 service ports have no endpoints");
    assert_eq!(
        check["details"][0],
        "shop/empty:grpc (tcp) 10.96.10.40:9090: no endpoints"
    );
}

fn assert_xlb_era(report: &Value) {
    assert_eq!(report["era"], "iptables-xlb");
    let front = service(report, "web/front:http");
    assert_eq!(
        front["load_balancer_ips"],
        serde_json::json!(["198.51.100.20:80"])
    );
    assert_eq!(front["node_port"], 31080);
    assert_eq!(front["external_policy"], "Local");
    assert_shares(front, &[("10.244.1.10:80", 0.5), ("10.244.2.11:80", 0.5)]);
    assert_eq!(front["local_endpoints"][0]["address"], "10.244.1.10:80");
    let back = service(report, "web/back:http");
    assert_eq!(back["no_local_endpoints"], true);
    assert_eq!(back["no_endpoints"], false);
    assert_eq!(
        report["checks"][0]["summary"],
        "1 of 2 have no local endpoints for external traffic"
    );
}

fn assert_v11_era(report: &Value) {
    assert_eq!(report["era"], "iptables-1.1");
    let api = service(report, "default/kubernetes:");
    assert_eq!(api["affinity"]["timeout_seconds"], 180);
    assert_shares(api, &[("10.240.0.2:443", 1.0)]);
    let nginx = service(report, "default/nginx:web");
    assert_eq!(nginx["node_port"], 30800);
    assert_eq!(nginx["external_ips"], serde_json::json!(["192.0.2.80:80"]));
    let third = 1.0 / 3.0;
    assert_shares(
        nginx,
        &[
            ("10.1.0.5:80", third),
            ("10.1.0.6:80", third),
            ("10.1.0.7:80", third),
        ],
    );
}

fn assert_large_cluster(report: &Value) {
    assert_eq!(report["large_cluster"], true);
    let big = service(report, "big/svc:http");
    assert_eq!(big["node_port"], 30900);
    assert_shares(
        big,
        &[
            ("10.244.5.1:8080", 0.25),
            ("10.244.5.2:8080", 0.25),
            ("10.244.5.3:8080", 0.25),
            ("10.244.5.4:8080", 0.25),
        ],
    );
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

/// A throwaway namespace, or skip the test (fail in CI) when none can be made.
macro_rules! netns {
    () => {{
        let ns = Netns::new();
        crate::require!(ns.is_ok(), format!("{:?}", ns.as_ref().err()));
        ns.expect("checked")
    }};
}

/// Load a dump with a real iptables-restore inside the namespace.
fn restore(ns: &Netns, tool: &str, name: &str) {
    ns.sh(&format!("{tool} < '{}'", dump(name)));
}

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
            restore(&ns, tool, name);
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
    restore(&ns, "iptables-restore", "userspace-save.txt");
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
    restore(&ns, "iptables-nft-restore", "ext-era-v1.24plus-restore.txt");
    let raw = ns.k8snet(&["chains", "--raw"]);
    assert_eq!(code(&raw), Some(0), "{}", stderr(&raw));
    let copy = Netns::new().expect("second namespace");
    let mut child = copy
        .command("iptables-nft-restore")
        .stdin(Stdio::piped())
        .spawn()
        .expect("restore");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(&raw.stdout)
        .expect("write");
    assert!(child.wait().expect("wait").success(), "{}", stdout(&raw));
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
