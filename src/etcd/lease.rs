//! One subnet lease: its key (`<prefix>/subnets/10.1.15.0-24`, with
//! `&fc00:0:0:1::-64` appended for dual stack; flannel-io/flannel
//! `pkg/subnet/subnet.go` `MakeSubnetKey`/`subnetRegex`) and its value
//! (`LeaseAttrs` JSON, `pkg/lease/lease.go`; FORMATS.md A.1 and A.6).
//! Pure parsers: a bad value becomes an error string on that lease only.

use std::borrow::Cow;
use std::net::{Ipv4Addr, Ipv6Addr};

use ipnet::{Ipv4Net, Ipv6Net};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::etcd::gojson::{self, Object};

/// The parsed value of a lease.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct LeaseAttrs {
    /// The node's address other nodes send overlay traffic to.
    pub public_ip: Ipv4Addr,
    /// Its IPv6 address (dual stack; `null` since v0.15 otherwise).
    pub public_ipv6: Option<Ipv6Addr>,
    /// `BackendType`; absent for udp, alloc and tencent-vpc leases.
    pub backend_type: Option<String>,
    /// `BackendData` as stored.
    pub backend_data: Option<StoredJson>,
    /// `BackendV6Data` as stored.
    pub backend_v6_data: Option<StoredJson>,
    /// vxlan: the node's VTEP MAC address.
    pub vtep_mac: Option<String>,
    /// vxlan: the VNI (absent in leases written before flannel 0.14).
    pub vni: Option<u32>,
    /// wireguard: the node's public key.
    pub wireguard_public_key: Option<String>,
}

impl LeaseAttrs {
    /// The backend this lease was written by: leases without BackendType
    /// come from udp (or alloc / tencent-vpc), which never set it.
    pub fn backend(&self) -> &str {
        self.backend_type.as_deref().unwrap_or("udp")
    }
}

/// A JSON value kept as the text it was stored as, and written out
/// verbatim: flannel's `BackendData` is a Go `json.RawMessage`, whose
/// shape only the backend that wrote it knows.
#[derive(Serialize, Clone, Debug)]
#[serde(transparent)]
pub struct StoredJson(Box<RawValue>);

impl StoredJson {
    /// The JSON text.
    pub fn text(&self) -> &str {
        self.0.get()
    }
}

impl PartialEq for StoredJson {
    fn eq(&self, other: &Self) -> bool {
        self.text() == other.text()
    }
}

/// One lease as read from etcd.
#[derive(Clone, Debug, PartialEq)]
pub struct LeaseEntry {
    /// Full etcd key.
    pub key: String,
    /// IPv4 subnet from the key (`0.0.0.0/0` for IPv6-only keys).
    pub subnet: Ipv4Net,
    /// IPv6 subnet for dual-stack keys.
    pub ipv6_subnet: Option<Ipv6Net>,
    /// The stored value, verbatim.
    pub value: String,
    /// The parsed value, or why it could not be read.
    pub attrs: Result<LeaseAttrs, String>,
    /// Seconds until the lease expires; `None` when it has no TTL (a
    /// reservation, `Documentation/reservations.md`).
    pub ttl: Option<i64>,
}

/// A key under `subnets/` that is not a lease key.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct BadKey {
    /// Full etcd key.
    pub key: String,
    /// Why it is not a lease key.
    pub error: String,
}

impl LeaseEntry {
    /// Build a lease from what etcd returned; `Err` when the key itself is
    /// not a lease key (flanneld skips such keys).
    pub fn new(
        key: impl Into<String>,
        value: impl Into<String>,
        ttl: Option<i64>,
    ) -> Result<LeaseEntry, BadKey> {
        let key = key.into();
        let (subnet, ipv6_subnet) = match parse_key(&key) {
            Ok(subnets) => subnets,
            Err(error) => return Err(BadKey { key, error }),
        };
        let value = value.into();
        Ok(LeaseEntry {
            key,
            subnet,
            ipv6_subnet,
            attrs: parse_value(&value),
            value,
            ttl,
        })
    }

    /// `10.1.15.0/24`, or `10.1.15.0/24 & fc00:0:0:1::/64` for dual stack.
    pub fn subnets(&self) -> String {
        match self.ipv6_subnet {
            Some(v6) => format!("{} & {v6}", self.subnet),
            None => self.subnet.to_string(),
        }
    }
}

/// Parse the last path element of a lease key: `a.b.c.d-len` optionally
/// followed by `&<ipv6>-len`.
pub fn parse_key(key: &str) -> Result<(Ipv4Net, Option<Ipv6Net>), String> {
    let name = key.rsplit('/').next().unwrap_or(key);
    let (v4, v6) = match name.split_once('&') {
        Some((v4, v6)) => (v4, Some(v6)),
        None => (name, None),
    };
    let v4 = net_part(v4)
        .and_then(|(ip, len)| Ipv4Net::new(ip.parse().ok()?, len).ok())
        .ok_or_else(|| format!("{name:?} is not a lease key (expected a.b.c.d-len[&ipv6-len])"))?;
    let v6 = match v6 {
        None => None,
        Some(text) => Some(
            net_part(text)
                .filter(|(ip, _)| ip.chars().all(|c| c.is_ascii_hexdigit() || c == ':'))
                .and_then(|(ip, len)| Ipv6Net::new(ip.parse().ok()?, len).ok())
                .ok_or_else(|| {
                    format!("{name:?}: {text:?} is not an IPv6 lease part (ipv6-len)")
                })?,
        ),
    };
    Ok((v4, v6))
}

/// Split `addr-len` at its last `-`.
fn net_part(text: &str) -> Option<(&str, u8)> {
    let (ip, len) = text.rsplit_once('-')?;
    if len.is_empty() || !len.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((ip, len.parse().ok()?))
}

/// Parse a lease value (`LeaseAttrs` JSON, keys case-insensitive as Go
/// reads them).
pub fn parse_value(text: &str) -> Result<LeaseAttrs, String> {
    let obj = gojson::parse_object(text)?;
    let public_ip = match gojson::string_field(&obj, "PublicIP")? {
        Some(ip) => ip
            .parse::<Ipv4Addr>()
            .map_err(|_| format!("PublicIP: {ip:?} is not an IPv4 address"))?,
        None => return Err("no PublicIP".into()),
    };
    let public_ipv6 = match gojson::string_field(&obj, "PublicIPv6")? {
        Some(ip) => Some(
            ip.parse::<Ipv6Addr>()
                .map_err(|_| format!("PublicIPv6: {ip:?} is not an IPv6 address"))?,
        ),
        None => None,
    };
    let backend_type = gojson::string_field(&obj, "BackendType")?
        .filter(|t| !t.is_empty())
        .map(Cow::into_owned);
    // Only the backends that read BackendData (vxlan, wireguard) need it
    // to be an object, and flanneld's own error for them is theirs; the
    // lease itself decodes whatever JSON it holds.
    let data = gojson::object_field(&obj, "BackendData")
        .ok()
        .flatten()
        .unwrap_or_default();
    Ok(LeaseAttrs {
        public_ip,
        public_ipv6,
        backend_type,
        vtep_mac: mac_field(&data)?,
        vni: gojson::uint_field(&data, "VNI", u64::from(u32::MAX))?
            .and_then(|v| u32::try_from(v).ok()),
        wireguard_public_key: gojson::string_field(&data, "PublicKey")?.map(Cow::into_owned),
        backend_data: stored(&obj, "BackendData"),
        backend_v6_data: stored(&obj, "BackendV6Data"),
    })
}

/// A field kept as stored; null is the same as absent.
fn stored(obj: &Object, field: &str) -> Option<StoredJson> {
    obj.field(field)
        .filter(|raw| raw.get() != "null")
        .map(|raw| StoredJson(raw.to_owned()))
}

/// `VtepMAC` is a Go `net.HardwareAddr` marshalled as a string; flanneld
/// cannot decode a lease whose MAC does not parse.
fn mac_field(data: &Object) -> Result<Option<String>, String> {
    let Some(mac) = gojson::string_field(data, "VtepMAC")? else {
        return Ok(None);
    };
    let mut octets = 0;
    let valid = mac.split([':', '-']).all(|octet| {
        octets += 1;
        octet.len() == 2 && octet.bytes().all(|b| b.is_ascii_hexdigit())
    }) && octets == 6;
    if valid {
        Ok(Some(mac.into_owned()))
    } else {
        Err(format!("BackendData.VtepMAC: {mac:?} is not a MAC address"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn v3_vxlan_lease_from_the_docs() {
        // SOURCES.md: PublicIP 192.168.64.3, PublicIPv6 null, vxlan, VNI 1,
        // VtepMAC c6:d2:32:6f:8f:44; key 10.5.52.0-24.
        let text =
            include_str!("../../tests/fixtures/flannel/lease-vxlan-etcdv3-reservations-md.json");
        let lease = LeaseEntry::new(
            "/coreos.com/network/subnets/10.5.52.0-24",
            text,
            Some(86400),
        )
        .unwrap();
        assert_eq!(lease.subnet, "10.5.52.0/24".parse::<Ipv4Net>().unwrap());
        let attrs = lease.attrs.unwrap();
        assert_eq!(attrs.public_ip, Ipv4Addr::new(192, 168, 64, 3));
        assert_eq!(attrs.public_ipv6, None);
        assert_eq!(attrs.backend(), "vxlan");
        assert_eq!(attrs.vni, Some(1));
        assert_eq!(attrs.vtep_mac.as_deref(), Some("c6:d2:32:6f:8f:44"));
    }

    #[test]
    fn v2_era_lease_has_no_vni() {
        let text = include_str!(
            "../../tests/fixtures/flannel/lease-vxlan-etcdv2-reservations-md-v0.17.json"
        );
        let attrs = parse_value(text).unwrap();
        assert_eq!(attrs.public_ip, Ipv4Addr::new(10, 37, 7, 195));
        assert_eq!(attrs.vtep_mac.as_deref(), Some("82:4b:b6:2f:54:4e"));
        assert_eq!(attrs.vni, None);
    }

    #[test]
    fn udp_lease_has_no_backend_type() {
        let text = include_str!("../../tests/fixtures/flannel/lease-udp-no-backendtype-2016.json");
        let attrs = parse_value(text).unwrap();
        assert_eq!(attrs.public_ip, Ipv4Addr::new(10, 8, 65, 53));
        assert_eq!(attrs.backend_type, None);
        assert_eq!(attrs.backend(), "udp");
    }

    #[test]
    fn wireguard_and_case_insensitive_keys() {
        let attrs = parse_value(r#"{"publicip":"10.0.0.1","backendtype":"wireguard","BackendData":{"publickey":"abc=","Port":51820}}"#).unwrap();
        assert_eq!(attrs.wireguard_public_key.as_deref(), Some("abc="));
        assert_eq!(attrs.backend(), "wireguard");
    }

    #[test]
    fn keys_single_and_dual_stack() {
        let (v4, v6) =
            parse_key("/coreos.com/network/subnets/10.1.15.0-24&fc00:0:0:1::-64").unwrap();
        assert_eq!(v4, "10.1.15.0/24".parse::<Ipv4Net>().unwrap());
        assert_eq!(v6, Some("fc00:0:0:1::/64".parse().unwrap()));
        let (v4, v6) = parse_key("/x/subnets/0.0.0.0-0&fc00::-64").unwrap();
        assert_eq!(v4.prefix_len(), 0);
        assert!(v6.is_some());
        for bad in [
            "/x/subnets/10.1.15.0",
            "/x/subnets/10.1.15.0-33",
            "/x/subnets/garbage",
            "/x/subnets/10.1.0.0-16&zz-64",
            "/x/subnets/1.2.3.4--1",
        ] {
            assert!(parse_key(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn bad_values_are_errors_with_reasons() {
        assert!(
            parse_value("{\"PublicIP\": ")
                .unwrap_err()
                .contains("line 1")
        );
        assert_eq!(parse_value("{}").unwrap_err(), "no PublicIP");
        assert!(parse_value(r#"{"PublicIP":"300.1.1.1"}"#).is_err());
        assert!(
            parse_value(r#"{"PublicIP":7}"#)
                .unwrap_err()
                .contains("expected a string")
        );
        assert!(parse_value(r#"{"PublicIP":"1.1.1.1","BackendData":{"VtepMAC":"zz"}}"#).is_err());
        assert!(parse_value(r#"{"PublicIP":"1.1.1.1","BackendData":{"VNI":1e30}}"#).is_err());
        assert!(
            LeaseEntry::new("/p/subnets/10.0.0.0-24", "not json", None)
                .unwrap()
                .attrs
                .is_err()
        );
    }

    proptest! {
        #[test]
        fn arbitrary_values_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
            let text = String::from_utf8_lossy(&bytes);
            let _ = parse_value(&text);
            let _ = parse_key(&text);
        }

        #[test]
        fn mutated_leases_never_panic(
            ip in "[0-9.]{0,16}", mac in "[0-9a-f:-]{0,20}", vni in any::<i128>(), cut in 0usize..200,
        ) {
            let text = format!(r#"{{"PublicIP":"{ip}","PublicIPv6":null,"BackendType":"vxlan","BackendData":{{"VNI":{vni},"VtepMAC":"{mac}"}}}}"#);
            let _ = parse_value(&text);
            let _ = parse_value(&text[..cut.min(text.len())]);
        }

        #[test]
        fn keys_round_trip(a in any::<u32>(), len in 0u8..=32) {
            let net = Ipv4Net::new(Ipv4Addr::from(a), len).unwrap().trunc();
            let key = format!("/p/subnets/{}-{}", net.network(), len);
            prop_assert_eq!(parse_key(&key).unwrap().0, net);
        }
    }
}
