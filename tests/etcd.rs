//! The real-etcd suite: flannel's data written into a real etcd through
//! the v3 and v2 APIs exactly as flanneld writes it, then read back by the
//! k8snet binary; assertions on its JSON output and exit codes.

use std::net::TcpListener;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::etcd::{EtcdServer, free_port, shared};
use crate::support::{code, fixture, k8snet, run, stderr, stdout};

const DAY: i64 = 24 * 3600;

fn text(name: &str) -> String {
    std::fs::read_to_string(fixture(&format!("flannel/{name}"))).expect("fixture")
}

fn vxlan_lease(ip: &str, mac: &str) -> String {
    format!(
        r#"{{"PublicIP":"{ip}","PublicIPv6":null,"BackendType":"vxlan","BackendData":{{"VNI":1,"VtepMAC":"{mac}"}}}}"#
    )
}

/// flannel's documented vxlan network config, stored under `prefix` over
/// the v3 API.
fn put_config_v3(server: &EtcdServer, prefix: &str) {
    let config = text("config-vxlan-running-md.json");
    server.put_v3(&format!("{prefix}/config"), &config, None);
}

/// The same config over the v2 API.
fn put_config_v2(server: &EtcdServer, prefix: &str) {
    let config = text("config-vxlan-running-md.json");
    server.put_v2(&format!("{prefix}/config"), &config, None);
}

/// A day-long vxlan lease for `subnet` (as the key spells it,
/// `10.5.1.0-24`), written over v3 the way flanneld writes it.
fn put_vxlan_lease_v3(server: &EtcdServer, prefix: &str, subnet: &str, ip: &str, mac: &str) {
    let key = format!("{prefix}/subnets/{subnet}");
    server.put_v3(&key, &vxlan_lease(ip, mac), Some(DAY));
}

/// Run `k8snet etcd <what> -o json` against `server` under `prefix`.
fn k8snet_json(
    server: &EtcdServer,
    what: &str,
    prefix: &str,
    extra: &[&str],
) -> (Option<i32>, Value, String) {
    let out = run(k8snet()
        .args(["etcd", what, "-o", "json"])
        .args(server.flags(prefix))
        .args(extra));
    let json = serde_json::from_str(&stdout(&out)).unwrap_or(Value::Null);
    (code(&out), json, stderr(&out))
}

/// etcd refused the login: exit 2, the cause and the hint, and the
/// password given nowhere in the output.
fn assert_login_refused(out: &std::process::Output, password: &str) {
    let (out_text, err) = (stdout(out), stderr(out));
    assert_eq!(code(out), Some(2), "{out_text}{err}");
    assert!(err.contains("authentication failed"), "{err}");
    assert!(err.contains("hint: check --user"), "{err}");
    assert!(
        !err.contains(password) && !out_text.contains(password),
        "{out_text}{err}"
    );
}

fn check<'a>(json: &'a Value, id: &str) -> &'a Value {
    json["checks"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["id"] == id))
        .unwrap_or(&Value::Null)
}

fn lease<'a>(json: &'a Value, subnet: &str) -> &'a Value {
    json["leases"]
        .as_array()
        .and_then(|l| l.iter().find(|l| l["subnet"] == subnet))
        .unwrap_or(&Value::Null)
}

fn problem_codes(lease: &Value) -> Vec<String> {
    lease["problems"]
        .as_array()
        .map(|p| {
            p.iter()
                .filter_map(|p| p["code"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

/// The shared server, or one started for the test (`server!(EtcdServer::start(tls))`);
/// skips locally and fails in CI when etcd cannot run.
macro_rules! server {
    () => {
        server!(shared())
    };
    ($start:expr) => {
        crate::available!($start)
    };
}

#[test]
fn v3_leases_with_ttl_from_the_lease() {
    let server = server!();
    let prefix = EtcdServer::prefix("v3_leases_with_ttl");
    put_config_v3(server, &prefix);
    server.put_v3(
        &format!("{prefix}/subnets/10.5.52.0-24"),
        &text("lease-vxlan-etcdv3-reservations-md.json"),
        Some(DAY),
    );
    server.put_v3(
        &format!("{prefix}/subnets/10.5.7.0-24"),
        &vxlan_lease("192.168.64.4", "c6:d2:32:6f:8f:45"),
        None,
    );

    let (code, json, err) = k8snet_json(server, "leases", &prefix, &[]);
    assert_eq!(code, Some(0), "{err}\n{json:#}");
    assert_eq!(json["etcd"]["api"], "v3");
    assert_eq!(json["leases"].as_array().map(Vec::len), Some(2));
    // Sorted by address, not by key bytes.
    assert_eq!(json["leases"][0]["subnet"], "10.5.7.0/24");
    let leased = lease(&json, "10.5.52.0/24");
    let ttl = leased["ttl"].as_i64().expect("ttl");
    assert!((DAY - 60..=DAY).contains(&ttl), "ttl {ttl}");
    assert_eq!(leased["attrs"]["public_ip"], "192.168.64.3");
    assert_eq!(leased["attrs"]["vtep_mac"], "c6:d2:32:6f:8f:44");
    assert_eq!(leased["attrs"]["vni"], 1);
    assert_eq!(
        leased["value"],
        text("lease-vxlan-etcdv3-reservations-md.json")
    );
    assert_eq!(
        lease(&json, "10.5.7.0/24")["ttl"],
        Value::Null,
        "a reservation has no TTL"
    );
    assert_eq!(check(&json, "etcd.leases")["status"], "ok");
    assert_eq!(check(&json, "etcd.config")["status"], "ok");

    let table = run(k8snet()
        .args(["etcd", "leases"])
        .args(server.flags(&prefix)));
    let table = stdout(&table);
    assert!(
        table.contains("10.5.52.0/24")
            && table.contains("c6:d2:32:6f:8f:44")
            && table.contains("no TTL"),
        "{table}"
    );
}

#[test]
fn v3_config_with_defaults_made_explicit() {
    let server = server!();
    let prefix = EtcdServer::prefix("v3_config_defaults");
    server.put_v3(
        &format!("{prefix}/config"),
        &text("config-lowercase-key-config_test.json"),
        None,
    );
    let (code, json, err) = k8snet_json(server, "config", &prefix, &["--api", "v3"]);
    // udp (no Backend) is a warning: exit 0 unless --fail-on warn.
    assert_eq!(code, Some(0), "{err}");
    let config = &json["config"];
    assert_eq!(config["Network"], "10.3.0.0/16");
    assert_eq!(config["SubnetLen"], 24);
    assert_eq!(config["SubnetMin"], "10.3.1.0");
    assert_eq!(config["SubnetMax"], "10.3.255.0");
    assert_eq!(config["Backend"]["Type"], "udp");
    assert_eq!(config["Backend"]["Port"], 8285);
    let check = check(&json, "etcd.config");
    assert_eq!(check["status"], "warn");
    assert_eq!(check["code"], "etcd-config-udp");

    let strict = run(k8snet()
        .args(["--fail-on", "warn", "etcd", "config"])
        .args(server.flags(&prefix)));
    assert_eq!(crate::support::code(&strict), Some(1));
}

#[test]
fn explicit_udp_backend_is_flagged() {
    let server = server!();
    let prefix = EtcdServer::prefix("udp_backend");
    server.put_v3(
        &format!("{prefix}/config"),
        &text("config-udp-port7890-configuration-md.json"),
        None,
    );
    server.put_v3(
        &format!("{prefix}/subnets/10.10.16.0-20"),
        &text("lease-udp-no-backendtype-2016.json"),
        Some(DAY),
    );
    let (code, json, err) = k8snet_json(server, "leases", &prefix, &[]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(check(&json, "etcd.config")["code"], "etcd-config-udp");
    assert_eq!(json["config"]["Backend"]["Port"], 7890);
    // A lease without BackendType is a udp lease: no mismatch.
    assert!(problem_codes(lease(&json, "10.10.16.0/20")).is_empty());
}

#[test]
fn v2_leases_with_api_v2_and_auto_fallback() {
    let server = server!();
    let prefix = EtcdServer::prefix("v2_leases");
    put_config_v2(server, &prefix);
    server.put_v2(
        &format!("{prefix}/subnets/10.5.34.0-24"),
        &text("lease-vxlan-etcdv2-reservations-md-v0.17.json"),
        Some(85925),
    );

    for api in [&["--api", "v2"][..], &[][..]] {
        let (code, json, err) = k8snet_json(server, "leases", &prefix, api);
        assert_eq!(code, Some(0), "{api:?}: {err}\n{json:#}");
        assert_eq!(json["etcd"]["api"], "v2", "{api:?}");
        let leased = lease(&json, "10.5.34.0/24");
        let ttl = leased["ttl"].as_i64().expect("ttl");
        assert!((85_800..=85_925).contains(&ttl), "ttl {ttl}");
        assert_eq!(leased["attrs"]["vtep_mac"], "82:4b:b6:2f:54:4e");
        assert_eq!(
            leased["attrs"]["vni"],
            Value::Null,
            "flannel < 0.14 wrote no VNI"
        );
    }
    let (_, json, _) = k8snet_json(server, "leases", &prefix, &[]);
    let notes = json["notes"].to_string();
    assert!(notes.contains("etcd v3 has no"), "{notes}");

    // Forcing v3 finds no config there (v2 and v3 keyspaces are separate).
    let (code, _, err) = k8snet_json(server, "config", &prefix, &["--api", "v3"]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("no flannel config at") && err.contains("hint: "),
        "{err}"
    );
}

#[test]
fn a_bad_lease_does_not_hide_the_good_ones() {
    let server = server!();
    let prefix = EtcdServer::prefix("bad_lease");
    put_config_v3(server, &prefix);
    put_vxlan_lease_v3(
        server,
        &prefix,
        "10.5.1.0-24",
        "192.0.2.1",
        "02:00:00:00:00:01",
    );
    server.put_v3(
        &format!("{prefix}/subnets/10.5.2.0-24"),
        "{\"PublicIP\":\"192.0.2.2\",",
        Some(DAY),
    );
    put_vxlan_lease_v3(
        server,
        &prefix,
        "10.5.3.0-24",
        "192.0.2.3",
        "02:00:00:00:00:03",
    );
    server.put_v3(&format!("{prefix}/subnets/not-a-lease"), "{}", None);

    let (code, json, err) = k8snet_json(server, "leases", &prefix, &[]);
    assert_eq!(code, Some(1), "{err}");
    assert_eq!(json["leases"].as_array().map(Vec::len), Some(3));
    assert_eq!(
        lease(&json, "10.5.1.0/24")["attrs"]["public_ip"],
        "192.0.2.1"
    );
    assert_eq!(
        lease(&json, "10.5.3.0/24")["attrs"]["public_ip"],
        "192.0.2.3"
    );
    let bad = lease(&json, "10.5.2.0/24");
    assert_eq!(bad["attrs"], Value::Null);
    assert!(
        bad["error"].as_str().unwrap_or_default().contains("line 1"),
        "{bad:#}"
    );
    assert_eq!(problem_codes(bad), ["etcd-lease-invalid"]);
    assert_eq!(
        json["bad_keys"][0]["key"],
        format!("{prefix}/subnets/not-a-lease")
    );
    let leases = check(&json, "etcd.leases");
    assert_eq!(leases["status"], "fail");
    assert_eq!(leases["code"], "etcd-lease-invalid");
    assert_eq!(
        leases["details"].as_array().map(Vec::len),
        Some(2),
        "{leases:#}"
    );
}

#[test]
fn overlap_duplicate_ip_and_backend_mismatch_are_flagged() {
    let server = server!();
    let prefix = EtcdServer::prefix("overlap");
    put_config_v3(server, &prefix);
    put_vxlan_lease_v3(
        server,
        &prefix,
        "10.5.2.0-23",
        "192.0.2.1",
        "02:00:00:00:00:01",
    );
    put_vxlan_lease_v3(
        server,
        &prefix,
        "10.5.3.0-24",
        "192.0.2.2",
        "02:00:00:00:00:02",
    );
    put_vxlan_lease_v3(
        server,
        &prefix,
        "10.5.9.0-24",
        "192.0.2.2",
        "02:00:00:00:00:03",
    );
    server.put_v3(
        &format!("{prefix}/subnets/10.5.10.0-24"),
        r#"{"PublicIP":"192.0.2.10"}"#,
        Some(600),
    );

    let (code, json, err) = k8snet_json(server, "leases", &prefix, &[]);
    assert_eq!(code, Some(1), "{err}");
    assert_eq!(
        problem_codes(lease(&json, "10.5.2.0/23")),
        ["etcd-lease-prefix-length", "etcd-lease-overlap"]
    );
    assert_eq!(
        problem_codes(lease(&json, "10.5.3.0/24")),
        ["etcd-lease-overlap", "etcd-lease-duplicate-public-ip"]
    );
    assert_eq!(
        problem_codes(lease(&json, "10.5.9.0/24")),
        ["etcd-lease-duplicate-public-ip"]
    );
    assert_eq!(
        problem_codes(lease(&json, "10.5.10.0/24")),
        ["etcd-lease-backend-mismatch", "etcd-lease-expiring"]
    );
    let summary = check(&json, "etcd.leases")["summary"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        summary.starts_with("4 of 4 leases have problems"),
        "{summary}"
    );
}

#[test]
fn leases_json_reads_back() {
    let server = server!();
    let prefix = EtcdServer::prefix("read_back");
    put_config_v3(server, &prefix);
    put_vxlan_lease_v3(
        server,
        &prefix,
        "10.5.1.0-24&fc00:0:0:1::-64",
        "192.0.2.1",
        "02:00:00:00:00:01",
    );
    let out = run(k8snet()
        .args(["etcd", "leases", "-o", "json"])
        .args(server.flags(&prefix)));
    let leases = k8snet::etcd::leases_from_json(&stdout(&out)).expect("reads back");
    assert_eq!(leases.len(), 1);
    assert_eq!(leases[0].subnet.to_string(), "10.5.1.0/24");
    assert_eq!(
        leases[0].ipv6_subnet.map(|n| n.to_string()).as_deref(),
        Some("fc00:0:0:1::/64")
    );
    assert_eq!(
        leases[0]
            .attrs
            .as_ref()
            .map(|a| a.public_ip.to_string())
            .ok()
            .as_deref(),
        Some("192.0.2.1")
    );
    assert!(leases[0].ttl.is_some());
}

#[test]
fn refused_endpoint_exits_2_at_once() {
    let url = format!("http://127.0.0.1:{}", free_port());
    let started = Instant::now();
    let out = run(k8snet().args(["etcd", "leases", "--endpoints", &url, "--timeout", "3s"]));
    assert_eq!(code(&out), Some(2));
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    let err = stderr(&out);
    assert!(
        err.starts_with(&format!("k8snet: etcd v3 at {url}: cannot connect")),
        "{err}"
    );
    assert!(err.contains("hint: "), "{err}");
    assert!(stdout(&out).is_empty());
}

#[test]
fn silent_endpoint_exits_2_within_the_timeout() {
    // Accept TCP connections and never answer: the case a firewall or a
    // wedged etcd produces. Three of them: the timeout bounds the whole
    // fetch, not each endpoint.
    let listeners: Vec<TcpListener> = (0..3)
        .map(|_| TcpListener::bind("127.0.0.1:0").expect("bind"))
        .collect();
    let url = listeners
        .iter()
        .map(|l| format!("http://{}", l.local_addr().expect("addr")))
        .collect::<Vec<_>>()
        .join(",");
    for api in ["v3", "v2", "auto"] {
        let started = Instant::now();
        let out = run(k8snet().args([
            "etcd",
            "config",
            "--endpoints",
            &url,
            "--timeout",
            "1s",
            "--api",
            api,
        ]));
        let took = started.elapsed();
        assert_eq!(code(&out), Some(2), "{api}");
        assert!(took < Duration::from_secs(3), "{api}: {took:?}");
        let err = stderr(&out);
        assert!(
            err.contains("no answer within 1s") && err.contains("hint: "),
            "{api}: {err}"
        );
    }
    drop(listeners);
}

#[test]
fn tls_with_client_certificates() {
    let server = server!(EtcdServer::start(true));
    let prefix = EtcdServer::prefix("tls");
    put_config_v3(&server, &prefix);
    server.put_v3(
        &format!("{prefix}/subnets/10.5.52.0-24"),
        &text("lease-vxlan-etcdv3-reservations-md.json"),
        Some(DAY),
    );

    let (status, json, err) = k8snet_json(&server, "leases", &prefix, &["--api", "v3"]);
    assert_eq!(status, Some(0), "{err}");
    assert_eq!(
        lease(&json, "10.5.52.0/24")["attrs"]["public_ip"],
        "192.168.64.3"
    );

    // v2 over TLS with the same certificates.
    let v2_prefix = EtcdServer::prefix("tls_v2");
    put_config_v2(&server, &v2_prefix);
    server.put_v2(
        &format!("{v2_prefix}/subnets/10.5.34.0-24"),
        &text("lease-vxlan-etcdv2-reservations-md-v0.17.json"),
        Some(DAY),
    );
    let (status, json, err) = k8snet_json(&server, "leases", &v2_prefix, &["--api", "v2"]);
    assert_eq!(status, Some(0), "{err}");
    assert_eq!(
        lease(&json, "10.5.34.0/24")["attrs"]["public_ip"],
        "10.37.7.195"
    );

    let certs = server.certs.as_ref().expect("tls server");
    let ca = certs.ca.display().to_string();
    // Without a client certificate etcd refuses the handshake; without the
    // CA k8snet cannot verify etcd. Both: exit 2, one line, a hint.
    for api in ["v3", "v2"] {
        for (what, flags) in [
            ("no client cert", vec!["--cacert", ca.as_str()]),
            ("no CA", vec![]),
        ] {
            let started = Instant::now();
            let out = run(k8snet()
                .args([
                    "etcd",
                    "leases",
                    "--endpoints",
                    &server.url,
                    "--prefix",
                    &prefix,
                ])
                .args(["--timeout", "3s", "--api", api])
                .args(&flags));
            assert_eq!(code(&out), Some(2), "{api} {what}");
            assert!(
                started.elapsed() < Duration::from_secs(5),
                "{api} {what}: {:?}",
                started.elapsed()
            );
            let err = stderr(&out);
            let lines: Vec<&str> = err.lines().collect();
            assert_eq!(lines.len(), 2, "{api} {what}: {err}");
            assert!(
                lines[0].starts_with(&format!("k8snet: etcd {api} at {}", server.url)),
                "{api} {what}: {err}"
            );
            assert!(lines[1].contains("--cacert"), "{api} {what}: {err}");
        }
    }
}

#[test]
fn wrong_password_is_an_auth_error_that_never_shows_the_password() {
    let server = server!(EtcdServer::start(false));
    let prefix = EtcdServer::prefix("auth");
    put_config_v3(&server, &prefix);
    server.enable_auth("right-horse-battery");

    let ok = run(k8snet()
        .args(["etcd", "config", "--user", "root:right-horse-battery"])
        .args(server.flags(&prefix)));
    assert_eq!(code(&ok), Some(0), "{}", stderr(&ok));
    assert!(!stdout(&ok).contains("right-horse-battery"));

    let out = run(k8snet()
        .args(["etcd", "config", "--api", "v3"])
        .args(server.flags(&prefix))
        .env("ETCDCTL_USER", "root:wrong-staple"));
    assert_login_refused(&out, "wrong-staple");
}

#[test]
fn v2_basic_auth_reads_with_the_right_password_and_never_shows_it() {
    let server = server!(EtcdServer::start(false));
    let prefix = EtcdServer::prefix("v2auth");
    put_config_v2(&server, &prefix);
    server.enable_v2_auth("right-horse-battery");

    let ok = run(k8snet()
        .args([
            "etcd",
            "config",
            "--api",
            "v2",
            "--user",
            "root:right-horse-battery",
        ])
        .args(server.flags(&prefix)));
    assert_eq!(code(&ok), Some(0), "{}", stderr(&ok));
    assert!(stdout(&ok).contains("10.5.0.0/16"), "{}", stdout(&ok));
    assert!(!stdout(&ok).contains("right-horse-battery"));

    for user in [Some("root:wrong-staple"), None] {
        let mut command = k8snet();
        command
            .args(["etcd", "config", "--api", "v2"])
            .args(server.flags(&prefix));
        if let Some(user) = user {
            command.env("ETCDCTL_USER", user);
        }
        assert_login_refused(&run(&mut command), "wrong-staple");
    }
}

#[test]
fn leases_without_ttls_skip_the_per_lease_calls_and_say_nothing_of_expiry() {
    let server = server!();
    let prefix = EtcdServer::prefix("want");
    put_config_v3(server, &prefix);
    put_vxlan_lease_v3(
        server,
        &prefix,
        "10.5.3.0-24",
        "192.0.2.3",
        "02:00:00:00:00:03",
    );
    let args = k8snet::cli::EtcdArgs {
        endpoints: Some(server.url.clone()),
        prefix: Some(prefix),
        api: k8snet::cli::EtcdApi::V3,
        timeout: Duration::from_secs(5),
        ..Default::default()
    };
    let ttls = |want| {
        let snap = k8snet::etcd::fetch(&args, want).expect("etcd answers");
        snap.leases.iter().map(|l| l.ttl).collect::<Vec<_>>()
    };
    let with = ttls(k8snet::etcd::Want::LeasesWithTtl);
    assert!(
        matches!(with[..], [Some(ttl)] if ttl > DAY - 60 && ttl <= DAY),
        "{with:?}"
    );
    assert_eq!(ttls(k8snet::etcd::Want::Leases), [None]);
    let config_only = k8snet::etcd::fetch(&args, k8snet::etcd::Want::Config).expect("config");
    assert!(config_only.leases.is_empty() && config_only.config.is_some());
}

#[test]
fn doctor_checks_read_a_named_etcd() {
    let server = server!();
    let prefix = EtcdServer::prefix("doctor");
    put_config_v3(server, &prefix);
    put_vxlan_lease_v3(
        server,
        &prefix,
        "10.5.1.0-24",
        "192.0.2.1",
        "02:00:00:00:00:01",
    );
    put_vxlan_lease_v3(
        server,
        &prefix,
        "10.5.1.0-25",
        "192.0.2.2",
        "02:00:00:00:00:02",
    );
    let args = k8snet::cli::EtcdArgs {
        endpoints: Some(server.url.clone()),
        prefix: Some(prefix),
        timeout: Duration::from_secs(5),
        ..Default::default()
    };
    assert!(k8snet::etcd::is_configured(&args));
    let ctx = k8snet::Context::new(std::path::Path::new("/"));
    let (checks, snapshot) = k8snet::etcd::doctor_checks(&ctx, &args);
    assert!(
        snapshot.is_some(),
        "the snapshot is shared with the backend and dataplane checks"
    );
    assert_eq!(checks.len(), 2);
    assert_eq!(checks[0].id, "etcd.config");
    assert_eq!(checks[0].status, k8snet::report::Status::Ok);
    assert_eq!(checks[1].id, "etcd.leases");
    assert_eq!(checks[1].status, k8snet::report::Status::Fail);
    assert_eq!(checks[1].code, Some("etcd-lease-overlap"));
    assert_eq!(checks[1].details.len(), 3, "{:?}", checks[1].details);
}

#[test]
fn a_dead_endpoint_in_the_list_is_skipped() {
    let server = server!();
    let prefix = EtcdServer::prefix("endpoint_list");
    put_config_v3(server, &prefix);
    put_config_v2(server, &prefix);
    let endpoints = format!("http://127.0.0.1:{},{}", free_port(), server.url);
    for api in ["v3", "v2"] {
        let out = run(k8snet().args([
            "etcd",
            "config",
            "-o",
            "json",
            "--timeout",
            "3s",
            "--api",
            api,
            "--prefix",
            &prefix,
            "--endpoints",
            &endpoints,
        ]));
        assert_eq!(code(&out), Some(0), "{api}: {}", stderr(&out));
        let json: Value = serde_json::from_str(&stdout(&out)).expect("json");
        assert_eq!(json["config"]["Network"], "10.5.0.0/16", "{api}");
    }
}
