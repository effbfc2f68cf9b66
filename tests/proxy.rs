//! `k8snet proxy`: /proxyMode from a tiny HTTP server on loopback, and the
//! rule, device, ipset and nftables signals made with the real tools in a
//! throwaway namespace.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::Output;
use std::thread::JoinHandle;

use serde_json::Value;

use crate::support::netns::Netns;
use crate::support::{code, fixture, k8snet, run, stderr, stdout};

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", stdout(out), stderr(out)))
}

/// Serve one HTTP request on 127.0.0.1 with `response`; the thread returns
/// the request line it got.
fn serve_once(response: &'static str) -> (String, JoinHandle<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let address = listener.local_addr().expect("addr").to_string();
    let handle = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().expect("accept");
        let mut request = [0u8; 1024];
        let n = stream.read(&mut request).unwrap_or(0);
        stream.write_all(response.as_bytes()).expect("respond");
        String::from_utf8_lossy(&request[..n])
            .lines()
            .next()
            .unwrap_or("")
            .to_string()
    });
    (address, handle)
}

fn check<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["id"] == id))
        .unwrap_or_else(|| panic!("{id} missing in {report:#}"))
}

fn signal<'a>(report: &'a Value, source: &str) -> &'a Value {
    report["signals"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["source"] == source))
        .unwrap_or_else(|| panic!("signal {source} missing in {report:#}"))
}

#[test]
fn proxy_mode_is_asked_on_the_metrics_address() {
    let (address, server) =
        serve_once("HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n\r\niptables");
    let out = run(k8snet().args(["proxy", "-o", "json", "--metrics-address", &address]));
    assert_ne!(code(&out), Some(2), "{}", stderr(&out));
    let report = json(&out);
    assert_eq!(server.join().expect("server"), "GET /proxyMode HTTP/1.0");
    let answer = &report["signals"][0];
    assert_eq!(answer["source"], format!("http://{address}/proxyMode"));
    assert_eq!(answer["mode"], "iptables");
    assert_eq!(answer["said"], "answered `iptables`");
    // kube-proxy's own answer decides the mode.
    assert_eq!(report["mode"], "iptables");
}

#[test]
fn proxy_mode_errors_are_reported_as_what_the_source_said() {
    let (address, server) = serve_once("HTTP/1.1 404 Not Found\r\n\r\n404 page not found\n");
    let report = json(&run(k8snet().args([
        "proxy",
        "-o",
        "json",
        "--metrics-address",
        &address,
    ])));
    server.join().expect("server");
    assert_eq!(
        report["signals"][0]["said"],
        "unexpected answer: HTTP 404 Not Found"
    );
    assert_eq!(report["signals"][0]["mode"], Value::Null);
    let closed = TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .to_string();
    let report = json(&run(k8snet().args([
        "proxy",
        "-o",
        "json",
        "--metrics-address",
        &closed,
    ])));
    let said = report["signals"][0]["said"].as_str().unwrap_or_default();
    assert!(said.starts_with("no answer: Connection refused"), "{said}");
}

fn proxy(ns: &Netns) -> (Option<i32>, Value) {
    let out = ns.k8snet(&["proxy", "-o", "json"]);
    (code(&out), json(&out))
}

#[test]
fn no_kube_proxy_at_all_is_a_skip() {
    let ns = netns!();
    let (code, report) = proxy(&ns);
    assert_eq!(code, Some(0));
    assert_eq!(check(&report, "proxy.mode")["status"], "skip");
    assert_eq!(check(&report, "proxy.iptables-backends")["status"], "skip");
    assert_eq!(report["mode"], Value::Null);
    assert_eq!(signal(&report, "kube-ipvs0")["said"], "no such device");
}

#[test]
fn iptables_mode_from_the_chains() {
    let ns = netns!();
    ns.restore_fixture("iptables-nft-restore", "eks-v1.10-iptables-mode-2018.txt");
    let (code, report) = proxy(&ns);
    assert_eq!(code, Some(0));
    assert_eq!(report["mode"], "iptables");
    assert_eq!(check(&report, "proxy.mode")["status"], "ok");
    assert_eq!(signal(&report, "iptables-nft")["mode"], "iptables");
    let backends = check(&report, "proxy.iptables-backends");
    assert_eq!(backends["status"], "ok");
    assert_eq!(
        backends["summary"],
        "KUBE rules only in iptables-nft (45 rules)"
    );
}

#[test]
fn kube_rules_in_both_backends_fail_naming_the_stale_one() {
    let ns = netns!();
    ns.restore_fixture("iptables-nft-restore", "ext-era-v1.24plus-restore.txt");
    ns.sh("printf '*mangle\\n:KUBE-IPTABLES-HINT - [0:0]\\n:KUBE-KUBELET-CANARY - [0:0]\\nCOMMIT\\n' | iptables-nft-restore --noflush");
    ns.restore_fixture(
        "iptables-legacy-restore",
        "eks-v1.10-iptables-mode-2018.txt",
    );
    let (code, report) = proxy(&ns);
    assert_eq!(code, Some(1));
    assert_eq!(report["in_use"], "nft");
    let mixed = check(&report, "proxy.iptables-backends");
    assert_eq!(
        (mixed["status"].as_str(), mixed["code"].as_str()),
        (Some("fail"), Some("proxy-mixed-iptables"))
    );
    assert_eq!(
        mixed["summary"],
        "KUBE rules in both iptables backends: kube-proxy uses iptables-nft; iptables-legacy (45 rules) is stale"
    );
    let why = mixed["details"][0].as_str().unwrap_or_default();
    assert!(
        why.contains("KUBE-IPTABLES-HINT/KUBE-KUBELET-CANARY chain is in iptables-nft"),
        "{why}"
    );
    // chains reads services from the backend in use and points at the other.
    let chains = json(&ns.k8snet(&["chains", "-o", "json"]));
    assert_eq!(chains["backend"], "nft");
    assert_eq!(chains["era"], "iptables-ext");
    assert_eq!(chains["other_backends"][0]["backend"], "legacy");
}

#[test]
fn without_kubelet_markers_the_busier_backend_is_in_use() {
    let ns = netns!();
    ns.restore_fixture("iptables-nft-restore", "large-cluster-restore.txt");
    ns.restore_fixture(
        "iptables-legacy-restore",
        "eks-v1.10-iptables-mode-2018.txt",
    );
    let (_, report) = proxy(&ns);
    assert_eq!(report["in_use"], "legacy");
    let mixed = check(&report, "proxy.iptables-backends");
    assert!(
        mixed["summary"]
            .as_str()
            .unwrap_or_default()
            .ends_with("kube-proxy uses iptables-legacy; iptables-nft (19 rules) is stale"),
        "{mixed:#}"
    );
}

#[test]
fn ipvs_device_sets_and_rules_agree() {
    let ns = netns!();
    ns.sh("ip link add kube-ipvs0 type bridge && ipset create KUBE-CLUSTER-IP hash:ip,port && ipset create KUBE-LOOP-BACK hash:ip,port,ip");
    ns.restore_fixture("iptables-nft-restore", "ipvs-save.txt");
    let (code, report) = proxy(&ns);
    assert_eq!(code, Some(0));
    assert_eq!(report["mode"], "ipvs");
    assert_eq!(
        check(&report, "proxy.mode")["summary"],
        "kube-proxy runs in ipvs mode"
    );
    assert_eq!(signal(&report, "kube-ipvs0")["mode"], "ipvs");
    assert_eq!(
        signal(&report, "ipset")["said"],
        "2 KUBE-* sets (KUBE-CLUSTER-IP, …)"
    );
    assert_eq!(signal(&report, "iptables-nft")["mode"], "ipvs");
}

#[test]
fn nftables_table_with_leftover_iptables_chains_disagrees() {
    let ns = netns!();
    ns.sh("nft add table ip kube-proxy");
    ns.restore_fixture("iptables-legacy-restore", "ext-era-v1.24plus-restore.txt");
    let (code, report) = proxy(&ns);
    assert_eq!(code, Some(0));
    assert_eq!(report["mode"], "nftables");
    assert_eq!(signal(&report, "nftables")["said"], "table kube-proxy (ip)");
    let mode = check(&report, "proxy.mode");
    assert_eq!(
        (mode["status"].as_str(), mode["code"].as_str()),
        (Some("warn"), Some("proxy-mode-disagree"))
    );
    assert_eq!(
        mode["summary"],
        "kube-proxy runs in nftables mode, but other signals point to iptables"
    );
}

#[test]
fn userspace_mode_is_flagged() {
    let ns = netns!();
    ns.restore_fixture("iptables-nft-restore", "userspace-save.txt");
    let (code, report) = proxy(&ns);
    assert_eq!(code, Some(0));
    let mode = check(&report, "proxy.mode");
    assert_eq!(
        (mode["status"].as_str(), mode["code"].as_str()),
        (Some("warn"), Some("proxy-userspace"))
    );
    let warn = ns.k8snet(&["proxy", "--fail-on", "warn"]);
    assert_eq!(crate::support::code(&warn), Some(1));
}

/// A directory of fake save tools: each prints a fixture (or fails), so the
/// doctor API is exercised through the Exec seam without root.
fn fake_tools(tools: &[(&str, &str)]) -> tempfile::TempDir {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, body) in tools {
        let path = dir.path().join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).expect("write tool");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    dir
}

fn cat(fixture_name: &str) -> String {
    format!(
        "/bin/cat '{}'",
        fixture(&format!("iptables/{fixture_name}")).display()
    )
}

fn context(tools: &tempfile::TempDir, root: &crate::support::FakeRoot) -> k8snet::Context {
    k8snet::Context {
        host: k8snet::host::Host::new(
            root.path(),
            k8snet::exec::Exec::with_search_path(tools.path()),
            Box::new(k8snet::clock::SystemClock),
        ),
        progress: k8snet::progress::Progress::hidden(),
        listings: true,
    }
}

fn by_id<'a>(checks: &'a [k8snet::report::Check], id: &str) -> &'a k8snet::report::Check {
    checks
        .iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("{id} missing in {checks:#?}"))
}

#[test]
fn doctor_checks_read_both_backends_through_the_exec_seam() {
    use k8snet::report::Status;
    let tools = fake_tools(&[
        ("iptables-nft-save", &cat("ext-era-v1.24plus-restore.txt")),
        (
            "iptables-legacy-save",
            &cat("eks-v1.10-iptables-mode-2018.txt"),
        ),
    ]);
    let root = crate::support::FakeRoot::new();
    let ctx = context(&tools, &root);
    let services = k8snet::chains::doctor_checks(&ctx);
    let check = by_id(&services, "proxy.services");
    assert_eq!(
        (check.status, check.code),
        (Status::Warn, Some("proxy-service-no-endpoints"))
    );
    assert_eq!(
        check.details,
        ["shop/empty:grpc (tcp) 10.96.10.40:9090: no endpoints"]
    );
    let proxy = k8snet::proxy::doctor_checks(&ctx);
    let mixed = by_id(&proxy, "proxy.iptables-backends");
    assert_eq!(
        (mixed.status, mixed.code),
        (Status::Fail, Some("proxy-mixed-iptables"))
    );
    assert!(
        mixed
            .summary
            .contains("kube-proxy uses iptables-nft; iptables-legacy (45 rules) is stale"),
        "{}",
        mixed.summary
    );
    assert_eq!(
        by_id(&proxy, "proxy.mode").summary,
        "kube-proxy runs in iptables mode"
    );
}

#[test]
fn doctor_checks_skip_without_iptables_and_error_without_permission() {
    use k8snet::report::Status;
    let root = crate::support::FakeRoot::new();
    let none = fake_tools(&[]);
    let ctx = context(&none, &root);
    let services = k8snet::chains::doctor_checks(&ctx);
    assert_eq!(by_id(&services, "proxy.services").status, Status::Skip);
    let proxy = k8snet::proxy::doctor_checks(&ctx);
    assert_eq!(by_id(&proxy, "proxy.mode").status, Status::Skip);
    assert_eq!(
        by_id(&proxy, "proxy.iptables-backends").status,
        Status::Skip
    );

    let denied = fake_tools(&[(
        "iptables-nft-save",
        "echo 'iptables-nft-save v1.8.9 (nf_tables): Could not fetch rule set generation id: Permission denied (you must be root)' >&2; exit 4",
    )]);
    let ctx = context(&denied, &root);
    let services = k8snet::chains::doctor_checks(&ctx);
    let check = by_id(&services, "proxy.services");
    assert_eq!(check.status, Status::Error);
    assert_eq!(
        check.hint.as_deref(),
        Some("this needs CAP_NET_ADMIN: run as root")
    );
    let proxy = k8snet::proxy::doctor_checks(&ctx);
    assert_eq!(
        by_id(&proxy, "proxy.iptables-backends").status,
        Status::Error
    );
}
