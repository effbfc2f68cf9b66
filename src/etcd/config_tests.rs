//! Tests of the config parser against flannel's documented examples
//! (tests/fixtures/flannel, expected values from realdata SOURCES.md).

use super::*;
use proptest::prelude::*;

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!("../../tests/fixtures/flannel/", $name))
    };
}

fn codes(cfg: &NetworkConfig) -> Vec<&str> {
    cfg.problems.iter().map(|p| p.code.as_str()).collect()
}

#[test]
fn lowercase_key_gets_flannels_defaults_and_udp() {
    // SOURCES.md: Network 10.3.0.0/16, SubnetLen 24, SubnetMin 10.3.1.0,
    // SubnetMax 10.3.255.0; no Backend -> udp.
    let cfg = parse(fixture!("config-lowercase-key-config_test.json")).unwrap();
    assert_eq!(cfg.network, Some("10.3.0.0/16".parse().unwrap()));
    assert_eq!(cfg.subnet_len, Some(24));
    assert_eq!(cfg.subnet_min, Some(Ipv4Addr::new(10, 3, 1, 0)));
    assert_eq!(cfg.subnet_max, Some(Ipv4Addr::new(10, 3, 255, 0)));
    assert_eq!(cfg.backend.kind, "udp");
    assert_eq!(codes(&cfg), ["etcd-config-udp"]);
    for field in ["SubnetLen", "SubnetMin", "SubnetMax", "Backend.Type"] {
        assert!(cfg.defaulted.contains(&field.to_string()), "{field}");
    }
}

#[test]
fn explicit_udp_config_from_the_docs() {
    let cfg = parse(fixture!("config-udp-port7890-configuration-md.json")).unwrap();
    assert_eq!(cfg.network, Some("10.0.0.0/8".parse().unwrap()));
    assert_eq!(cfg.subnet_len, Some(20));
    assert_eq!(cfg.subnet_min, Some(Ipv4Addr::new(10, 10, 0, 0)));
    assert_eq!(cfg.subnet_max, Some(Ipv4Addr::new(10, 99, 0, 0)));
    assert_eq!(cfg.backend.options["Port"], 7890);
    assert_eq!(codes(&cfg), ["etcd-config-udp"]);
}

#[test]
fn vxlan_configs_are_clean() {
    for text in [
        fixture!("config-vxlan-running-md.json"),
        fixture!("net-conf-kube-flannel-yml.json"),
        fixture!("config-multinetwork-blue-v0.5.5-readme.json"),
        fixture!("config-extension-vxlan-extension-md.json"),
    ] {
        let cfg = parse(text).unwrap();
        assert!(cfg.problems.is_empty(), "{text}: {:?}", cfg.problems);
    }
    let cfg = parse(fixture!("config-vxlan-running-md.json")).unwrap();
    assert_eq!(cfg.subnet_min, Some(Ipv4Addr::new(10, 5, 1, 0)));
    assert_eq!(cfg.subnet_max, Some(Ipv4Addr::new(10, 5, 255, 0)));
    assert_eq!(cfg.backend.options["VNI"], 1);
}

#[test]
fn ipv6_only_config_with_mixed_case_keys() {
    let cfg = parse(fixture!("config-ipv6-only-mixed-case-config_test.json")).unwrap();
    assert!(!cfg.enable_ipv4 && cfg.enable_ipv6);
    assert_eq!(cfg.network, None);
    assert_eq!(cfg.ipv6_network, Some("fc00::/48".parse().unwrap()));
    assert_eq!(cfg.ipv6_subnet_len, Some(124));
    assert_eq!(cfg.ipv6_subnet_min, Some("fc00:0:0:1::".parse().unwrap()));
    assert_eq!(cfg.ipv6_subnet_max, Some("fc00:0:0:f::".parse().unwrap()));
    assert_eq!(codes(&cfg), ["etcd-config-udp"]);
}

#[test]
fn ipv6_defaults_follow_config_test() {
    // config_test.go: fc00::/48 -> fc00:0:0:1:: ... fc00:0:0:ffff::, /64.
    let cfg = parse(r#"{"network":"10.0.0.0/16","EnableIPv6":true,"IPv6Network":"fc00::/48","Backend":{"Type":"vxlan"}}"#).unwrap();
    assert_eq!(cfg.ipv6_subnet_len, Some(64));
    assert_eq!(cfg.ipv6_subnet_min, Some("fc00:0:0:1::".parse().unwrap()));
    assert_eq!(
        cfg.ipv6_subnet_max,
        Some("fc00:0:0:ffff::".parse().unwrap())
    );
}

#[test]
fn subnet_len_rules() {
    let small = parse(r#"{"Network":"10.0.0.0/24","Backend":{"Type":"vxlan"}}"#).unwrap();
    assert_eq!(small.subnet_len, Some(26));
    let tiny = parse(r#"{"Network":"10.0.0.0/29","Backend":{"Type":"vxlan"}}"#).unwrap();
    assert_eq!(codes(&tiny), ["etcd-config-subnet-len"]);
    let long =
        parse(r#"{"Network":"10.0.0.0/16","SubnetLen":31,"Backend":{"Type":"vxlan"}}"#).unwrap();
    assert_eq!(codes(&long), ["etcd-config-subnet-len"]);
    let short =
        parse(r#"{"Network":"10.0.0.0/16","SubnetLen":17,"Backend":{"Type":"vxlan"}}"#).unwrap();
    assert_eq!(codes(&short), ["etcd-config-subnet-len"]);
}

#[test]
fn every_bad_field_is_reported_at_once() {
    let cfg = parse(r#"{"Network":"10.0.0.0/16","SubnetMin":"10.1.0.0","SubnetMax":"10.0.3.7","EnableIPv6":"yes","Backend":{"Type":"vxlan"}}"#).unwrap();
    assert_eq!(
        codes(&cfg),
        [
            "etcd-config-invalid-field",
            "etcd-config-subnet-range",
            "etcd-config-subnet-range",
            "etcd-config-subnet-range"
        ]
    );
    assert!(
        cfg.problems[3]
            .message
            .contains("no lease can be handed out")
    );
    let bad = parse(r#"{"Network":"10.0.0.0/33"}"#).unwrap();
    assert!(codes(&bad).contains(&"etcd-config-network"));
    let missing = parse("{}").unwrap();
    assert!(codes(&missing).contains(&"etcd-config-network"));
}

#[test]
fn not_an_object_is_an_error_with_a_location() {
    let err = parse("{\"Network\": \"10.0.0.0/8\",\n").unwrap_err();
    assert!(err.contains("line 2"), "{err}");
    assert!(parse("\"x\"").is_err());
}

fn json_value() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("null".to_string()),
        any::<bool>().prop_map(|b| b.to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<f64>().prop_map(|f| format!("{f:e}")),
        Just("1e400".to_string()),
        Just("184467440737095516150".to_string()),
        "[0-9a-f.:/]{0,20}".prop_map(|s| format!("{s:?}")),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop::collection::vec(
            (
                prop::sample::select(vec![
                    "Network",
                    "network",
                    "SubnetLen",
                    "SubnetMin",
                    "SubnetMax",
                    "EnableIPv6",
                    "IPv6Network",
                    "IPv6SubnetLen",
                    "Backend",
                    "Type",
                    "VNI",
                    "Port",
                    "PSK",
                ]),
                inner,
            ),
            0..6,
        )
        .prop_map(|pairs| {
            let body: Vec<String> = pairs.iter().map(|(k, v)| format!("{k:?}:{v}")).collect();
            format!("{{{}}}", body.join(","))
        })
    })
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let _ = parse(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn config_shaped_json_never_panics(text in json_value()) {
        let _ = parse(&text);
        // Truncated at every point: errors, never panics.
        for cut in (0..text.len()).filter(|i| text.is_char_boundary(*i)) {
            let _ = parse(&text[..cut]);
        }
    }
}
