//! `k8snet chains`: dumps of every kube-proxy era read from files and,
//! loaded with the real iptables-restore (nft and legacy) into a throwaway
//! namespace, read back live; errors; and a property test of the parser.
//! This file holds the expectations both kinds of test share.

mod files;
mod live;

use std::process::Output;

use serde_json::Value;

use crate::support::{code, fixture, k8snet, run, run_with_input, stderr, stdout};

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
