//! flannel's network config (`<prefix>/config`): parsed the way flanneld
//! parses it (`pkg/subnet/config.go` `ParseConfig`: Go `encoding/json`,
//! keys case-insensitive, EnableIPv4 true unless set, no Backend = udp),
//! validated the way `CheckNetworkConfig` validates it, with every default
//! made explicit (FORMATS.md A.4). Pure: text in, [`NetworkConfig`] out.
//!
//! Only text that is not a JSON object is an error; a field flanneld would
//! reject becomes a [`Problem`], so one bad field never hides the others.

use std::net::{Ipv4Addr, Ipv6Addr};

use ipnet::{Ipv4Net, Ipv6Net};
use serde::{Deserialize, Serialize};

use crate::etcd::backends::{self, BackendConfig};
use crate::etcd::gojson::{self, Object};
use crate::etcd::problem::Problem;

/// The network config with flannel's defaults filled in.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct NetworkConfig {
    /// IPv4 pod network (`Network`), masked as Go's `net.ParseCIDR` does.
    #[serde(rename = "Network")]
    pub network: Option<Ipv4Net>,
    /// Prefix length of each node's lease.
    #[serde(rename = "SubnetLen")]
    pub subnet_len: Option<u8>,
    /// Lowest lease network flannel hands out.
    #[serde(rename = "SubnetMin")]
    pub subnet_min: Option<Ipv4Addr>,
    /// Highest lease network flannel hands out.
    #[serde(rename = "SubnetMax")]
    pub subnet_max: Option<Ipv4Addr>,
    /// IPv4 leases (default true).
    #[serde(rename = "EnableIPv4")]
    pub enable_ipv4: bool,
    /// IPv6 leases (default false).
    #[serde(rename = "EnableIPv6")]
    pub enable_ipv6: bool,
    /// IPv6 pod network.
    #[serde(rename = "IPv6Network")]
    pub ipv6_network: Option<Ipv6Net>,
    /// Prefix length of each node's IPv6 lease.
    #[serde(rename = "IPv6SubnetLen")]
    pub ipv6_subnet_len: Option<u8>,
    /// Lowest IPv6 lease network.
    #[serde(rename = "IPv6SubnetMin")]
    pub ipv6_subnet_min: Option<Ipv6Addr>,
    /// Highest IPv6 lease network.
    #[serde(rename = "IPv6SubnetMax")]
    pub ipv6_subnet_max: Option<Ipv6Addr>,
    /// nftables instead of iptables (flannel ≥ 0.25).
    #[serde(rename = "EnableNFTables")]
    pub enable_nftables: bool,
    /// Backend type and options.
    #[serde(rename = "Backend")]
    pub backend: BackendConfig,
    /// Fields not in the stored JSON, filled with flannel's default.
    pub defaulted: Vec<String>,
    /// What flanneld would reject and what will hurt.
    pub problems: Vec<Problem>,
}

/// Parse and validate the config JSON. `Err` only when `text` is not a
/// JSON object (with line and column).
pub fn parse(text: &str) -> Result<NetworkConfig, String> {
    let obj = gojson::parse_object(text)?;
    let mut problems = Vec::new();
    let mut defaulted = Vec::new();
    let mut field = |r: Result<_, String>| {
        r.unwrap_or_else(|e| {
            problems.push(Problem::fail("etcd-config-invalid-field", e));
            None
        })
    };
    let mut flag = |name: &str, default: bool| {
        field(gojson::bool_field(&obj, name)).unwrap_or_else(|| {
            defaulted.push(name.to_string());
            default
        })
    };
    // ParseConfig sets EnableIPv4 = true before unmarshalling.
    let enable_ipv4 = flag("EnableIPv4", true);
    let enable_ipv6 = flag("EnableIPv6", false);
    let enable_nftables = flag("EnableNFTables", false);
    let mut cfg = NetworkConfig {
        network: None,
        subnet_len: None,
        subnet_min: None,
        subnet_max: None,
        enable_ipv4,
        enable_ipv6,
        ipv6_network: None,
        ipv6_subnet_len: None,
        ipv6_subnet_min: None,
        ipv6_subnet_max: None,
        enable_nftables,
        backend: backends::resolve(obj.field("Backend"), &mut defaulted, &mut problems),
        defaulted,
        problems,
    };
    if cfg.enable_ipv4 {
        ipv4(&obj, &mut cfg);
    }
    if cfg.enable_ipv6 {
        ipv6(&obj, &mut cfg);
    }
    Ok(cfg)
}

/// One address family's rules from `CheckNetworkConfig`, written once
/// over u128 so IPv4 and IPv6 share them.
struct Family {
    name: &'static str,
    bits: u8,
    /// Largest lease prefix (30 for IPv4, 126 for IPv6).
    max_len: u8,
    /// Smallest useful network prefix (28 / 124).
    max_network: u8,
    /// Networks up to this prefix get `default_len` leases (22 / 62).
    big_network: u8,
    default_len: u8,
}

const V4: Family = Family {
    name: "",
    bits: 32,
    max_len: 30,
    max_network: 28,
    big_network: 22,
    default_len: 24,
};
const V6: Family = Family {
    name: "IPv6",
    bits: 128,
    max_len: 126,
    max_network: 124,
    big_network: 62,
    default_len: 64,
};

/// What the rules produce: lease length and range, as integers.
struct Lease {
    len: u8,
    min: u128,
    max: u128,
}

impl Family {
    fn field(&self, suffix: &str) -> String {
        format!("{}{suffix}", self.name)
    }

    /// `CheckNetworkConfig` for one family: the lease length (given or
    /// defaulted), then SubnetMin/Max (given or defaulted), then alignment.
    fn lease(
        &self,
        network: (u128, u8),
        given: (Option<u64>, Option<u128>, Option<u128>),
        cfg: &mut NetworkConfig,
    ) -> Option<Lease> {
        let (net, prefix) = network;
        let len = self.lease_len(prefix, given.0, cfg)?;
        let size = 1u128 << (self.bits - len);
        let span = 1u128 << (self.bits - prefix);
        let inside = |a: u128| a >= net && a - net < span;
        let mut bound = |name: &str, given: Option<u128>, default: u128| match given {
            Some(a) if a != 0 => {
                if !inside(a) {
                    cfg.problems.push(Problem::fail(
                        "etcd-config-subnet-range",
                        format!(
                            "{} is not in the range of the {}",
                            self.field(name),
                            self.field("Network")
                        ),
                    ));
                } else if a % size != 0 {
                    cfg.problems.push(Problem::fail(
                        "etcd-config-subnet-range",
                        format!(
                            "{} is not on a {} boundary (/{len})",
                            self.field(name),
                            self.field("SubnetLen")
                        ),
                    ));
                }
                a
            }
            _ => {
                cfg.defaulted.push(self.field(name));
                default
            }
        };
        // The first subnet is skipped: its network address is the pod
        // network's own (config.go comment).
        let min = bound("SubnetMin", given.1, net + size);
        let max = bound("SubnetMax", given.2, net + (span - size));
        if min > max {
            cfg.problems.push(Problem::fail(
                "etcd-config-subnet-range",
                format!(
                    "{} is above {}: no lease can be handed out",
                    self.field("SubnetMin"),
                    self.field("SubnetMax")
                ),
            ));
        }
        Some(Lease { len, min, max })
    }

    fn lease_len(&self, prefix: u8, given: Option<u64>, cfg: &mut NetworkConfig) -> Option<u8> {
        let fail = |cfg: &mut NetworkConfig, message: String| {
            cfg.problems
                .push(Problem::fail("etcd-config-subnet-len", message));
        };
        match given {
            Some(len) if len > 0 => {
                let Some(len) = u8::try_from(len).ok().filter(|l| *l <= self.max_len) else {
                    fail(
                        cfg,
                        format!(
                            "{} {len} must be at most {}",
                            self.field("SubnetLen"),
                            self.max_len
                        ),
                    );
                    return None;
                };
                if len < prefix + 2 {
                    fail(
                        cfg,
                        format!(
                            "{} /{len} leaves room for fewer than four subnets in the /{prefix} network; it must be /{} or longer",
                            self.field("SubnetLen"),
                            prefix + 2
                        ),
                    );
                    return None;
                }
                Some(len)
            }
            _ if prefix > self.max_network => {
                fail(
                    cfg,
                    format!(
                        "{} /{prefix} is too small; the smallest useful network is /{}",
                        self.field("Network"),
                        self.max_network
                    ),
                );
                None
            }
            _ => {
                cfg.defaulted.push(self.field("SubnetLen"));
                Some(if prefix <= self.big_network {
                    self.default_len
                } else {
                    prefix + 2
                })
            }
        }
    }
}

fn ipv4(obj: &Object, cfg: &mut NetworkConfig) {
    let network = match address(obj, "Network", |s| s.parse::<Ipv4Net>().ok(), cfg) {
        Some(n) if n.prefix_len() > 0 || !n.network().is_unspecified() => n,
        _ => {
            cfg.problems.push(Problem::fail(
                "etcd-config-network",
                "Network is missing or not an IPv4 CIDR; flanneld stops with \"please define a correct Network parameter in the flannel config\"",
            ));
            return;
        }
    };
    let net = network.trunc();
    cfg.network = Some(net);
    let given = (
        uint(obj, "SubnetLen", cfg),
        address(obj, "SubnetMin", |s| s.parse::<Ipv4Addr>().ok(), cfg)
            .map(|a| u128::from(u32::from(a))),
        address(obj, "SubnetMax", |s| s.parse::<Ipv4Addr>().ok(), cfg)
            .map(|a| u128::from(u32::from(a))),
    );
    let network = (u128::from(u32::from(net.network())), net.prefix_len());
    if let Some(lease) = V4.lease(network, given, cfg) {
        let v4 = |a: u128| u32::try_from(a).ok().map(Ipv4Addr::from);
        cfg.subnet_len = Some(lease.len);
        cfg.subnet_min = v4(lease.min);
        cfg.subnet_max = v4(lease.max);
    }
}

fn ipv6(obj: &Object, cfg: &mut NetworkConfig) {
    let Some(network) = address(obj, "IPv6Network", |s| s.parse::<Ipv6Net>().ok(), cfg)
        .filter(|n| n.prefix_len() > 0 || !n.network().is_unspecified())
    else {
        cfg.problems.push(Problem::fail(
            "etcd-config-network",
            "EnableIPv6 is set but IPv6Network is missing or not an IPv6 CIDR",
        ));
        return;
    };
    let net = network.trunc();
    cfg.ipv6_network = Some(net);
    let given = (
        uint(obj, "IPv6SubnetLen", cfg),
        address(obj, "IPv6SubnetMin", |s| s.parse::<Ipv6Addr>().ok(), cfg).map(u128::from),
        address(obj, "IPv6SubnetMax", |s| s.parse::<Ipv6Addr>().ok(), cfg).map(u128::from),
    );
    if let Some(lease) = V6.lease((u128::from(net.network()), net.prefix_len()), given, cfg) {
        cfg.ipv6_subnet_len = Some(lease.len);
        cfg.ipv6_subnet_min = Some(Ipv6Addr::from(lease.min));
        cfg.ipv6_subnet_max = Some(Ipv6Addr::from(lease.max));
    }
}

/// A string field holding an address or CIDR; a value that does not
/// parse is a problem (flannel's `UnmarshalJSON` fails on it).
fn address<T>(
    obj: &Object,
    name: &str,
    parse: impl Fn(&str) -> Option<T>,
    cfg: &mut NetworkConfig,
) -> Option<T> {
    let text = match gojson::string_field(obj, name) {
        Ok(text) => text?,
        Err(e) => {
            cfg.problems
                .push(Problem::fail("etcd-config-invalid-field", e));
            return None;
        }
    };
    let parsed = parse(&text);
    if parsed.is_none() {
        cfg.problems.push(Problem::fail(
            "etcd-config-invalid-field",
            format!("{name}: {text:?} is not a valid address"),
        ));
    }
    parsed
}

fn uint(obj: &Object, name: &str, cfg: &mut NetworkConfig) -> Option<u64> {
    gojson::uint_field(obj, name, u64::MAX).unwrap_or_else(|e| {
        cfg.problems
            .push(Problem::fail("etcd-config-invalid-field", e));
        None
    })
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
