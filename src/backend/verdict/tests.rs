//! Verdicts on evidence built from fixtures: the real netns capture of
//! `ip -j -d addr show`, the wireguard/ipip JSON, and flannel's own
//! subnet.env and net-conf.json examples.

use super::*;
use crate::backend::{judge, links, netconf, subnet_env};

fn text(rel: &str) -> String {
    crate::fixture_text(rel)
}

fn evidence(iplink: &str, keep: &[&str]) -> Evidence {
    let links = links::parse_ip_json(&text(&format!("iplink/{iplink}")))
        .expect("ip json")
        .into_iter()
        .filter(|l| keep.contains(&l.name.as_str()))
        .collect();
    Evidence {
        links,
        default_route: Some("eth0".into()),
        kernel: Some("6.1.0-13-amd64".into()),
        arch: Some("x86_64".into()),
        ..Evidence::default()
    }
}

fn with_conf(mut ev: Evidence, conf: &str) -> Evidence {
    ev.net_conf = Some(netconf::parse(&text(&format!("flannel/{conf}"))).expect("conf"));
    ev
}

fn with_env(mut ev: Evidence, env: &str) -> Evidence {
    ev.subnet_env = Some(subnet_env::parse(&text(&format!("flannel/{env}"))).expect("env"));
    ev
}

const VXLAN_NODE: &[&str] = &["eth0", "flannel.1", "cni0", "veth0"];

#[test]
fn healthy_vxlan_node_agrees_and_fits() {
    let ev = with_env(
        with_conf(
            evidence("netns-vxlan-tun-bridge-veth.json", VXLAN_NODE),
            "net-conf-kube-flannel-yml.json",
        ),
        "subnet-env-dualstack-configuration-md.env",
    );
    let v = judge(&ev);
    assert_eq!(v.backend.as_deref(), Some("vxlan"));
    let sources: Vec<(&str, Option<&str>)> = v
        .sources
        .iter()
        .map(|s| (s.source.as_str(), s.backend.as_deref()))
        .collect();
    assert_eq!(
        sources,
        [
            ("net-conf.json", Some("vxlan")),
            ("interface flannel.1", Some("vxlan")),
            ("subnet.env", Some("vxlan"))
        ]
    );
    assert_eq!(
        v.sources[2].said,
        "FLANNEL_MTU 1450 = eth0 MTU 1500 - 50 (vxlan overhead)"
    );
    assert_eq!(v.checks[0].status, Status::Ok, "{:?}", v.checks[0]);
    assert_eq!(
        v.checks[0].summary,
        "backend vxlan (net-conf.json, interface flannel.1, subnet.env agree)"
    );
    assert_eq!(v.checks[1].status, Status::Ok, "{:?}", v.checks[1]);
    assert_eq!(
        v.checks[1].summary,
        "flannel.1 1450, FLANNEL_MTU 1450, cni0 1450, veth0 1450 fit in eth0 MTU 1500 - 50 (vxlan overhead) = 1450"
    );
}

#[test]
fn udp_config_with_a_vxlan_device_disagrees_and_flags_udp_mtu() {
    let ev = with_env(
        with_conf(
            evidence("netns-vxlan-tun-bridge-veth.json", VXLAN_NODE),
            "config-udp-port7890-configuration-md.json",
        ),
        "subnet-env-udp-backend-2016.env",
    );
    let v = judge(&ev);
    // The device is what runs.
    assert_eq!(v.backend.as_deref(), Some("vxlan"));
    let check = &v.checks[0];
    assert_eq!(
        (check.status, check.code),
        (Status::Warn, Some("backend-mismatch"))
    );
    assert_eq!(
        check.summary,
        "sources disagree: net-conf.json says udp, interface flannel.1 says vxlan"
    );
    assert!(
        check
            .details
            .iter()
            .any(|d| d.contains("fits udp, not vxlan")),
        "{:?}",
        check.details
    );
    let mtu = &v.checks[1];
    assert_eq!((mtu.status, mtu.code), (Status::Fail, Some("backend-mtu")));
    assert_eq!(mtu.details, vec!["FLANNEL_MTU: MTU 1472 > 1450"]);
}

#[test]
fn udp_backend_from_a_tun_device_warns_on_amd64_and_fails_elsewhere() {
    let mut ev = with_env(
        evidence("netns-vxlan-tun-bridge-veth.json", &["eth0", "flannel0"]),
        "subnet-env-dist-sample.env",
    );
    let v = judge(&ev);
    assert_eq!(v.backend.as_deref(), Some("udp"));
    assert_eq!(
        (v.checks[0].status, v.checks[0].code),
        (Status::Warn, Some("backend-udp"))
    );
    assert!(
        v.checks[0].summary.contains("user space"),
        "{}",
        v.checks[0].summary
    );
    // flannel0 (MTU 1500 as created) > 1500 - 28.
    assert_eq!(v.checks[1].status, Status::Fail);
    assert!(
        v.checks[1]
            .summary
            .starts_with("flannel0 1500 larger than eth0 MTU 1500 - 28 (udp overhead) = 1472")
    );
    ev.arch = Some("aarch64".into());
    let v = judge(&ev);
    assert_eq!(
        (v.checks[0].status, v.checks[0].code),
        (Status::Fail, Some("backend-udp"))
    );
}

#[test]
fn missing_backend_key_means_udp_in_flannels_code() {
    let ev = with_conf(
        evidence("netns-vxlan-tun-bridge-veth.json", &["eth0"]),
        "config-lowercase-key-config_test.json",
    );
    let v = judge(&ev);
    assert_eq!(v.backend.as_deref(), Some("udp"));
    let check = &v.checks[0];
    assert_eq!(check.code, Some("backend-udp"));
    assert!(check.summary.contains("no Backend"), "{}", check.summary);
    assert!(
        check
            .details
            .iter()
            .any(|d| d.contains("no flannel0 device")),
        "{:?}",
        check.details
    );
}

#[test]
fn config_without_its_device_is_a_mismatch() {
    let ev = with_conf(
        evidence("netns-vxlan-tun-bridge-veth.json", &["eth0", "cni0"]),
        "config-vxlan-running-md.json",
    );
    let v = judge(&ev);
    let check = &v.checks[0];
    assert_eq!(check.code, Some("backend-mismatch"));
    assert_eq!(
        check.summary,
        "net-conf.json says vxlan but there is no flannel.1 device: flanneld is not running, or runs in another network namespace"
    );
}

#[test]
fn wireguard_and_ipip_devices_from_fixtures() {
    let wg = judge(&evidence("wireguard-ipip.json", &["eth0", "flannel-wg"]));
    assert_eq!(wg.backend.as_deref(), Some("wireguard"));
    assert_eq!(wg.checks[0].status, Status::Ok);
    assert_eq!(
        wg.checks[1].summary,
        "flannel-wg 1420 fit in eth0 MTU 1500 - 80 (wireguard overhead) = 1420"
    );
    let ipip = judge(&evidence(
        "wireguard-ipip.json",
        &["eth0", "tunl0", "flannel.ipip"],
    ));
    assert_eq!(ipip.backend.as_deref(), Some("ipip"));
    assert_eq!(
        ipip.checks[1].summary,
        "flannel.ipip 1480 fit in eth0 MTU 1500 - 20 (ipip overhead) = 1480"
    );
    // Both at once: leftovers of an earlier backend.
    let both = judge(&evidence(
        "wireguard-ipip.json",
        &["eth0", "flannel-wg", "flannel.ipip"],
    ));
    assert_eq!(both.checks[0].code, Some("backend-mismatch"));
}

#[test]
fn old_kernels_fail_vxlan_and_warn_wireguard() {
    let mut ev = evidence("netns-vxlan-tun-bridge-veth.json", VXLAN_NODE);
    ev.kernel = Some("3.2.0-4-amd64".into());
    let v = judge(&ev);
    assert_eq!(
        (v.checks[0].status, v.checks[0].code),
        (Status::Fail, Some("backend-old-kernel"))
    );
    assert_eq!(
        v.checks[0].summary,
        "kernel 3.2.0-4-amd64 is older than 3.7, which the vxlan backend needs"
    );
    ev.kernel = Some("3.10.0-1160.el7.x86_64".into());
    assert_eq!(judge(&ev).checks[0].status, Status::Ok);
    let mut wg = evidence("wireguard-ipip.json", &["eth0", "flannel-wg"]);
    wg.kernel = Some("5.4.0-150-generic".into());
    assert_eq!(judge(&wg).checks[0].status, Status::Warn);
}

#[test]
fn vxlan_port_and_vni_are_compared_with_the_config() {
    let mut ev = with_conf(
        evidence("netns-vxlan-tun-bridge-veth.json", VXLAN_NODE),
        "config-multinetwork-blue-v0.5.5-readme.json",
    );
    if let Some(conf) = ev.net_conf.as_mut() {
        conf.backend.port = Some(4789);
        conf.backend.vni = Some(1);
    }
    let v = judge(&ev);
    assert_eq!(
        v.checks[0].summary,
        "flannel.1 uses UDP port 8472, net-conf.json wants 4789"
    );
}

#[test]
fn nothing_at_all_is_skipped_with_the_reason() {
    let v = judge(&evidence(
        "netns-vxlan-tun-bridge-veth.json",
        &["eth0", "lo"],
    ));
    assert!(v.checks.iter().all(|c| c.status == Status::Skip));
    assert!(v.checks[0].summary.starts_with("no flannel on this node"));
}

#[test]
fn device_names_map_to_backends() {
    let named = |name: &str, kind: Option<&str>| {
        device_backend(&Link {
            name: name.into(),
            kind: kind.map(str::to_string),
            ..Link::default()
        })
    };
    assert_eq!(named("flannel.1", Some("vxlan")), Some("vxlan"));
    assert_eq!(named("flannel-v6.4096", None), Some("vxlan"));
    assert_eq!(named("flannel0", Some("tun")), Some("udp"));
    assert_eq!(named("flannel0", Some("bridge")), None);
    assert_eq!(named("flannel-wg-v6", Some("wireguard")), Some("wireguard"));
    assert_eq!(named("flannel.ipip", None), Some("ipip"));
    assert_eq!(named("flannel-vxlan", Some("vxlan")), None);
    assert_eq!(named("flannel.", None), None);
    assert_eq!(kernel_version("6.18.44-fc-v669"), Some((6, 18)));
    assert_eq!(kernel_version("garbage"), None);
}
