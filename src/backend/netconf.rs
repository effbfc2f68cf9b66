//! flannel's network config JSON: /etc/kube-flannel/net-conf.json in kube
//! mode, the same document as etcd's `<prefix>/config` (FORMATS.md A.4).
//!
//! flannel decodes it with Go `encoding/json`, which matches keys
//! case-insensitively (`pkg/subnet/config_test.go` uses `"network"` and
//! `"enableIPv4"`) and ignores unknown keys; this parser does the same, and
//! refuses two spellings of one key, whose winner would depend on order.
//! Only what the backend check needs is typed here.

use ipnet::{Ipv4Net, Ipv6Net};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::host::Host;

/// Where kube-flannel's manifest mounts the ConfigMap key `net-conf.json`
/// (flanneld `--net-config-path` default).
pub const PATH: &str = "/etc/kube-flannel/net-conf.json";

/// The network config, as far as the backend check needs it.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct NetConf {
    /// Where it was read from (host root included), or `etcd`.
    pub path: String,
    /// `Network`: the IPv4 pod network.
    pub network: Option<Ipv4Net>,
    /// `EnableIPv4` (default true).
    pub enable_ipv4: bool,
    /// `EnableIPv6` (default false).
    pub enable_ipv6: bool,
    /// `IPv6Network`.
    pub ipv6_network: Option<Ipv6Net>,
    /// `Backend`.
    pub backend: BackendConf,
}

/// The `Backend` object.
#[derive(Serialize, Clone, Debug, PartialEq, Eq)]
pub struct BackendConf {
    /// `Type`, lower-cased.
    #[serde(rename = "type")]
    pub kind: String,
    /// True when there is no `Backend` at all: flanneld's code then uses
    /// `udp` (`parseBackendType` in `pkg/subnet/config.go`), although
    /// today's `Documentation/configuration.md` says vxlan.
    pub defaulted: bool,
    /// `VNI` (vxlan; flanneld's default is 1).
    pub vni: Option<u32>,
    /// `Port` (vxlan: 0 = kernel default 8472; udp: default 8285).
    pub port: Option<u16>,
    /// `MTU` (vxlan, wireguard): overrides the underlay MTU flannel starts from.
    pub mtu: Option<u32>,
}

/// Parse the JSON text. Errors name the line and column (syntax) or the
/// key (types).
pub fn parse(text: &str) -> anyhow::Result<NetConf> {
    let value: Value = serde_json::from_str(text)
        .map_err(|e| anyhow::anyhow!("line {}, column {}: {e}", e.line(), e.column()))?;
    let top = value
        .as_object()
        .ok_or_else(|| anyhow::anyhow!("the config is not a JSON object"))?;
    let backend = match field(top, "Backend")? {
        None | Some(Value::Null) => BackendConf {
            kind: "udp".into(),
            defaulted: true,
            vni: None,
            port: None,
            mtu: None,
        },
        Some(Value::Object(backend)) => backend_conf(backend)?,
        Some(other) => anyhow::bail!("Backend: expected an object, found {other}"),
    };
    Ok(NetConf {
        path: String::new(),
        network: cidr(top, "Network")?,
        enable_ipv4: boolean(top, "EnableIPv4")?.unwrap_or(true),
        enable_ipv6: boolean(top, "EnableIPv6")?.unwrap_or(false),
        ipv6_network: cidr(top, "IPv6Network")?,
        backend,
    })
}

fn backend_conf(backend: &Map<String, Value>) -> anyhow::Result<BackendConf> {
    let kind = match field(backend, "Type")? {
        Some(Value::String(kind)) => kind.to_ascii_lowercase(),
        // flanneld then asks for backend "" and fails to start.
        None => anyhow::bail!("Backend has no Type (flanneld would refuse to start)"),
        Some(other) => anyhow::bail!("Backend.Type: expected a string, found {other}"),
    };
    let number = |key: &str| -> anyhow::Result<Option<u64>> {
        match field(backend, key)? {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v
                .as_u64()
                .map(Some)
                .ok_or_else(|| anyhow::anyhow!("Backend.{key}: expected a number, found {v}")),
        }
    };
    let fits = |key: &str, v: Option<u64>, max: u64| -> anyhow::Result<Option<u64>> {
        match v {
            Some(n) if n > max => anyhow::bail!("Backend.{key}: {n} is larger than {max}"),
            _ => Ok(v),
        }
    };
    let vni = fits("VNI", number("VNI")?, u64::from(u32::MAX))?;
    let port = fits("Port", number("Port")?, u64::from(u16::MAX))?;
    let mtu = fits("MTU", number("MTU")?, 65535)?;
    Ok(BackendConf {
        kind,
        defaulted: false,
        vni: vni.and_then(|v| u32::try_from(v).ok()),
        port: port.and_then(|v| u16::try_from(v).ok()),
        mtu: mtu.and_then(|v| u32::try_from(v).ok()),
    })
}

/// The value of `key`, matched case-insensitively as Go does.
fn field<'a>(object: &'a Map<String, Value>, key: &str) -> anyhow::Result<Option<&'a Value>> {
    let mut matches = object.iter().filter(|(k, _)| k.eq_ignore_ascii_case(key));
    let first = matches.next();
    if let (Some((a, _)), Some((b, _))) = (first, matches.next()) {
        anyhow::bail!(
            "keys `{a}` and `{b}` both set {key}; flannel (Go encoding/json) would keep \
             whichever comes last"
        );
    }
    Ok(first.map(|(_, v)| v))
}

fn boolean(object: &Map<String, Value>, key: &str) -> anyhow::Result<Option<bool>> {
    match field(object, key)? {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(other) => anyhow::bail!("{key}: expected true or false, found {other}"),
    }
}

fn cidr<T: std::str::FromStr>(object: &Map<String, Value>, key: &str) -> anyhow::Result<Option<T>> {
    match field(object, key)? {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => s
            .parse()
            .map(Some)
            .map_err(|_| anyhow::anyhow!("{key}: `{s}` is not a CIDR")),
        Some(other) => anyhow::bail!("{key}: expected a CIDR string, found {other}"),
    }
}

/// Read and parse net-conf.json; `Ok(None)` when it does not exist (not
/// kube mode, or not this kind of node).
pub fn read_net_conf(host: &Host) -> anyhow::Result<Option<NetConf>> {
    let Some(text) = host.read_optional(PATH)? else {
        return Ok(None);
    };
    let full = host.path(PATH).display().to_string();
    let mut conf = parse(&text).map_err(|e| anyhow::anyhow!("{full}: {e:#}"))?;
    conf.path = full;
    Ok(Some(conf))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> NetConf {
        parse(&crate::fixture_text(&format!("flannel/{name}"))).expect("parses")
    }

    #[test]
    fn kube_flannel_manifest() {
        let conf = fixture("net-conf-kube-flannel-yml.json");
        assert_eq!(conf.network, Some("10.244.0.0/16".parse().expect("cidr")));
        assert_eq!(conf.backend.kind, "vxlan");
        assert!(!conf.backend.defaulted);
        assert_eq!(conf.backend.vni, None);
    }

    #[test]
    fn udp_with_port_and_tabs() {
        let conf = fixture("config-udp-port7890-configuration-md.json");
        assert_eq!(conf.network, Some("10.0.0.0/8".parse().expect("cidr")));
        assert_eq!(
            (conf.backend.kind.as_str(), conf.backend.port),
            ("udp", Some(7890))
        );
    }

    #[test]
    fn vxlan_running_and_multinetwork_vni() {
        assert_eq!(
            fixture("config-vxlan-running-md.json").backend.kind,
            "vxlan"
        );
        let blue = fixture("config-multinetwork-blue-v0.5.5-readme.json");
        assert_eq!(
            (blue.backend.kind.as_str(), blue.backend.vni),
            ("vxlan", Some(1))
        );
    }

    #[test]
    fn lower_case_key_and_no_backend_defaults_to_udp() {
        let conf = fixture("config-lowercase-key-config_test.json");
        assert_eq!(conf.network, Some("10.3.0.0/16".parse().expect("cidr")));
        assert_eq!(conf.backend.kind, "udp");
        assert!(conf.backend.defaulted);
    }

    #[test]
    fn ipv6_only_mixed_case() {
        let conf = fixture("config-ipv6-only-mixed-case-config_test.json");
        assert!(!conf.enable_ipv4);
        assert!(conf.enable_ipv6);
        assert_eq!(conf.ipv6_network, Some("fc00::/48".parse().expect("cidr")));
        assert_eq!(conf.network, None);
    }

    #[test]
    fn extension_backend_keeps_its_type() {
        let conf = fixture("config-extension-vxlan-extension-md.json");
        assert_eq!(conf.backend.kind, "extension");
        assert_eq!(conf.network, Some("10.50.0.0/16".parse().expect("cidr")));
    }

    #[test]
    fn errors_say_where() {
        let syntax = parse("{\n  \"Network\": \"10.0.0.0/8\",\n}").unwrap_err();
        assert!(
            syntax.to_string().starts_with("line 3, column 1: "),
            "{syntax}"
        );
        let vni = parse(r#"{"Backend": {"Type": "vxlan", "VNI": "1"}}"#).unwrap_err();
        assert_eq!(
            vni.to_string(),
            r#"Backend.VNI: expected a number, found "1""#
        );
        let dup = parse(r#"{"Network": "10.0.0.0/8", "network": "10.1.0.0/16"}"#).unwrap_err();
        assert!(dup.to_string().contains("both set Network"), "{dup}");
        assert!(
            parse(r#"{"Backend": {}}"#)
                .unwrap_err()
                .to_string()
                .contains("no Type")
        );
        assert!(parse(r#"{"Network": "10.0.0.0"}"#).is_err());
        assert!(parse(r#"{"Backend": {"Type": "vxlan", "Port": 70000}}"#).is_err());
        assert!(parse("[]").is_err());
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_text_never_panics(text in "\\PC*") {
            let _ = parse(&text);
        }

        #[test]
        fn json_shaped_text_never_panics(
            text in r#"\{("(network|Backend|type|VNI|port|mtu|EnableIPv6)": ("[0-9a-z./]{0,12}"|[0-9]{1,12}|true|null|\{"Type": "[a-z]{0,6}"\}),? ?){0,5}\}"#
        ) {
            let _ = parse(&text);
        }
    }
}
