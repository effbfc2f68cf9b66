//! /run/flannel/subnet.env: flanneld's record of this node's lease and MTU,
//! which the flannel CNI plugin hands to the bridge plugin.
//!
//! Written by flannel `pkg/subnet/subnet.go` `WriteSubnetFile`, one
//! `KEY=VALUE` per line, in this order: FLANNEL_NETWORK, FLANNEL_SUBNET
//! (first IP of the lease, e.g. 10.5.72.1/24), FLANNEL_IPV6_NETWORK,
//! FLANNEL_IPV6_SUBNET, FLANNEL_MTU, FLANNEL_IPMASQ (FORMATS.md A.7).
//! Documented path variant: /var/run/flannel/subnet.env
//! (`Documentation/reservations.md`).

use ipnet::{Ipv4Net, Ipv6Net};
use serde::Serialize;

use crate::host::Host;

/// The two places flannel's docs put the file, in the order we look.
pub const PATHS: [&str; 2] = ["/run/flannel/subnet.env", "/var/run/flannel/subnet.env"];

/// The parsed file. A key flannel did not write is `None`.
#[derive(Serialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct SubnetEnv {
    /// Where it was read from (host root included).
    pub path: String,
    /// FLANNEL_NETWORK: the whole cluster's IPv4 pod network.
    pub network: Option<Ipv4Net>,
    /// FLANNEL_SUBNET: this node's lease, as its first address/len.
    pub subnet: Option<Ipv4Net>,
    /// FLANNEL_IPV6_NETWORK.
    pub ipv6_network: Option<Ipv6Net>,
    /// FLANNEL_IPV6_SUBNET.
    pub ipv6_subnet: Option<Ipv6Net>,
    /// FLANNEL_MTU: the overlay MTU pods get (underlay minus overhead).
    pub mtu: Option<u32>,
    /// FLANNEL_IPMASQ: whether flanneld masquerades pod traffic leaving
    /// the pod network.
    pub ipmasq: Option<bool>,
}

/// Garbage in subnet.env: which line and what is wrong.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("line {line}: {message}")]
pub struct ParseError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// Parse the text of subnet.env. Blank lines and `#` comments are
/// allowed; FLANNEL_* keys this version does not know are ignored, so a
/// newer flanneld does not break the check.
pub fn parse(text: &str) -> Result<SubnetEnv, ParseError> {
    let mut env = SubnetEnv::default();
    let mut seen: Vec<(String, usize)> = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let err = |message: String| ParseError { line, message };
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let (key, value) = trimmed
            .split_once('=')
            .ok_or_else(|| err(format!("`{trimmed}` is not KEY=VALUE")))?;
        let (key, value) = (key.trim(), value.trim());
        if let Some((_, first)) = seen.iter().find(|(k, _)| k == key) {
            return Err(err(format!("{key} set again (first on line {first})")));
        }
        seen.push((key.to_string(), line));
        apply(&mut env, key, value).map_err(err)?;
    }
    Ok(env)
}

fn apply(env: &mut SubnetEnv, key: &str, value: &str) -> Result<(), String> {
    let bad = |what: &str| format!("{key}=`{value}` is not {what}");
    match key {
        "FLANNEL_NETWORK" => env.network = Some(value.parse().map_err(|_| bad("an IPv4 CIDR"))?),
        "FLANNEL_SUBNET" => env.subnet = Some(value.parse().map_err(|_| bad("an IPv4 CIDR"))?),
        "FLANNEL_IPV6_NETWORK" => {
            env.ipv6_network = Some(value.parse().map_err(|_| bad("an IPv6 CIDR"))?)
        }
        "FLANNEL_IPV6_SUBNET" => {
            env.ipv6_subnet = Some(value.parse().map_err(|_| bad("an IPv6 CIDR"))?)
        }
        "FLANNEL_MTU" => {
            // 68 is the IPv4 minimum MTU (RFC 791); below it nothing works.
            let mtu: u32 = value.parse().map_err(|_| bad("a number"))?;
            if !(68..=65535).contains(&mtu) {
                return Err(bad("an MTU between 68 and 65535"));
            }
            env.mtu = Some(mtu);
        }
        "FLANNEL_IPMASQ" => {
            env.ipmasq = Some(match value {
                "true" => true,
                "false" => false,
                _ => return Err(bad("true or false")),
            })
        }
        _ => {}
    }
    Ok(())
}

/// Read and parse subnet.env from /run, else /var/run; `Ok(None)` when
/// neither exists (flanneld has not run on this node).
pub fn read_subnet_env(host: &Host) -> anyhow::Result<Option<SubnetEnv>> {
    for path in PATHS {
        let Some(text) = host.read_optional(path)? else {
            continue;
        };
        let full = host.path(path).display().to_string();
        let mut env = parse(&text).map_err(|e| anyhow::anyhow!("{full}:{e}"))?;
        env.path = full;
        return Ok(Some(env));
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> SubnetEnv {
        parse(&crate::fixture_text(&format!("flannel/{name}"))).expect("parses")
    }

    #[test]
    fn dist_sample() {
        let env = fixture("subnet-env-dist-sample.env");
        assert_eq!(env.network, Some("10.1.0.0/16".parse().expect("cidr")));
        assert_eq!(env.subnet, Some("10.1.74.1/24".parse().expect("cidr")));
        assert_eq!((env.mtu, env.ipmasq), (Some(1472), Some(false)));
        assert_eq!(env.ipv6_network, None);
    }

    #[test]
    fn dual_stack() {
        let env = fixture("subnet-env-dualstack-configuration-md.env");
        assert_eq!(env.network, Some("10.42.0.0/16".parse().expect("cidr")));
        assert_eq!(env.subnet, Some("10.42.0.1/24".parse().expect("cidr")));
        assert_eq!(
            env.ipv6_network,
            Some("2001:cafe:42::/56".parse().expect("cidr"))
        );
        assert_eq!(
            env.ipv6_subnet,
            Some("2001:cafe:42::1/64".parse().expect("cidr"))
        );
        assert_eq!((env.mtu, env.ipmasq), (Some(1450), Some(true)));
    }

    #[test]
    fn udp_backend_2016() {
        let env = fixture("subnet-env-udp-backend-2016.env");
        assert_eq!(env.network, Some("4.0.0.0/16".parse().expect("cidr")));
        assert_eq!(env.subnet, Some("4.0.34.1/24".parse().expect("cidr")));
        assert_eq!((env.mtu, env.ipmasq), (Some(1472), Some(false)));
    }

    #[test]
    fn errors_name_the_line() {
        let err = parse("FLANNEL_NETWORK=10.1.0.0/16\n\nFLANNEL_MTU=jumbo\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "line 3: FLANNEL_MTU=`jumbo` is not a number"
        );
        assert_eq!(parse("garbage\n").unwrap_err().line, 1);
        let dup = parse("FLANNEL_MTU=1450\nFLANNEL_MTU=1400\n").unwrap_err();
        assert_eq!(
            dup.to_string(),
            "line 2: FLANNEL_MTU set again (first on line 1)"
        );
        assert!(parse("FLANNEL_SUBNET=10.1.74.1\n").is_err());
        assert!(parse("FLANNEL_IPV6_SUBNET=10.1.74.1/24\n").is_err());
        assert!(parse("FLANNEL_IPMASQ=yes\n").is_err());
        assert!(parse("FLANNEL_MTU=40\n").is_err());
    }

    #[test]
    fn comments_blank_lines_and_unknown_keys_are_tolerated() {
        let env =
            parse("# written by flanneld\n\nFLANNEL_MTU=1450\nFLANNEL_FUTURE=x\n").expect("ok");
        assert_eq!(env.mtu, Some(1450));
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_text_never_panics(text in "\\PC*") {
            let _ = parse(&text);
        }

        #[test]
        fn key_value_lines_never_panic(
            text in "((FLANNEL_(NETWORK|SUBNET|IPV6_NETWORK|IPV6_SUBNET|MTU|IPMASQ)|[A-Z]{1,5})=[0-9a-f:./]{0,20}\n){0,8}"
        ) {
            let _ = parse(&text);
        }
    }
}
