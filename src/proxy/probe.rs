//! The evidence of kube-proxy's mode, one probe per source, each with a
//! pure parser for what the source prints.
//!
//! Sources (FORMATS.md B.2, B.6, B.7): `GET /proxyMode` on the metrics
//! address (`cmd/kube-proxy/app/server.go` `serveMetrics`, body = the mode
//! string), the kube-ipvs0 dummy device and KUBE-* ipsets (ipvs), the
//! `kube-proxy` nftables table (nftables). The iptables chains are read by
//! [`crate::chains`].

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

use serde::Serialize;

use crate::exec::Exec;
use crate::host::Host;

/// kube-proxy's modes (`pkg/proxy/apis/config/types.go`).
#[derive(Serialize, Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// The user-space proxier (removed in 1.26).
    Userspace,
    /// iptables.
    Iptables,
    /// IPVS.
    Ipvs,
    /// nftables (1.29+).
    Nftables,
    /// Windows only.
    Kernelspace,
}

impl Mode {
    /// Parse a /proxyMode body.
    pub fn parse(text: &str) -> Option<Mode> {
        Some(match text.trim() {
            "userspace" => Mode::Userspace,
            "iptables" => Mode::Iptables,
            "ipvs" => Mode::Ipvs,
            "nftables" => Mode::Nftables,
            "kernelspace" => Mode::Kernelspace,
            _ => return None,
        })
    }

    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Userspace => "userspace",
            Mode::Iptables => "iptables",
            Mode::Ipvs => "ipvs",
            Mode::Nftables => "nftables",
            Mode::Kernelspace => "kernelspace",
        }
    }
}

/// One piece of evidence and what it said.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct Signal {
    /// Where it came from (`/proxyMode`, `iptables-nft`, `kube-ipvs0`, …).
    pub source: String,
    /// The mode it points to, if any.
    pub mode: Option<Mode>,
    /// What it said, in words.
    pub said: String,
}

impl Signal {
    /// A signal.
    pub fn new(source: impl Into<String>, mode: Option<Mode>, said: impl Into<String>) -> Self {
        Signal {
            source: source.into(),
            mode,
            said: said.into(),
        }
    }
}

/// Short: kube-proxy answers locally at once or not at all.
const METRICS_TIMEOUT: Duration = Duration::from_millis(500);

/// The body of an HTTP/1.x response with status 200.
pub fn http_body(response: &str) -> Result<&str, String> {
    let (head, body) = response
        .split_once("\r\n\r\n")
        .or_else(|| response.split_once("\n\n"))
        .ok_or("not an HTTP response")?;
    let status = head.lines().next().unwrap_or_default();
    let mut words = status.split_whitespace();
    let version = words.next().unwrap_or_default();
    let code = words.next().unwrap_or_default();
    if !version.starts_with("HTTP/") {
        return Err("not an HTTP response".into());
    }
    if code != "200" {
        return Err(format!(
            "HTTP {}",
            status.get(version.len()..).unwrap_or("").trim()
        ));
    }
    Ok(body)
}

fn fetch(addr: SocketAddr, host: &str) -> std::io::Result<String> {
    let mut stream = TcpStream::connect_timeout(&addr, METRICS_TIMEOUT)?;
    stream.set_read_timeout(Some(METRICS_TIMEOUT))?;
    stream.set_write_timeout(Some(METRICS_TIMEOUT))?;
    // HTTP/1.0: the server closes after the body, so read-to-end is the
    // whole response without parsing chunked encoding.
    let request = format!("GET /proxyMode HTTP/1.0\r\nHost: {host}\r\n\r\n");
    stream.write_all(request.as_bytes())?;
    let mut response = Vec::new();
    stream.take(64 * 1024).read_to_end(&mut response)?;
    Ok(String::from_utf8_lossy(&response).into_owned())
}

/// `GET /proxyMode` on `address` (only that address: the metrics port,
/// loopback by default).
pub fn proxy_mode(address: &str) -> Signal {
    let source = format!("http://{address}/proxyMode");
    let addr = match address.to_socket_addrs().map(|mut a| a.next()) {
        Ok(Some(addr)) => addr,
        Ok(None) | Err(_) => {
            return Signal::new(
                source,
                None,
                format!("`{address}` is not a HOST:PORT address"),
            );
        }
    };
    match fetch(addr, address) {
        Err(e) => Signal::new(source, None, format!("no answer: {e}")),
        Ok(response) => match http_body(&response) {
            Err(e) => Signal::new(source, None, format!("unexpected answer: {e}")),
            Ok(body) => match Mode::parse(body) {
                Some(mode) => {
                    Signal::new(source, Some(mode), format!("answered `{}`", mode.as_str()))
                }
                None => Signal::new(
                    source,
                    None,
                    format!(
                        "answered `{}`, not a mode",
                        body.trim().chars().take(40).collect::<String>()
                    ),
                ),
            },
        },
    }
}

/// The kube-ipvs0 dummy device holding every service IP in ipvs mode
/// (`defaultDummyDevice`, `pkg/proxy/ipvs/proxier.go`).
pub fn ipvs_device(host: &Host) -> Signal {
    if host.exists("/sys/class/net/kube-ipvs0") {
        Signal::new("kube-ipvs0", Some(Mode::Ipvs), "device exists")
    } else {
        Signal::new("kube-ipvs0", None, "no such device")
    }
}

/// KUBE-* names in `ipset list -n` output.
pub fn kube_ipsets(list: &str) -> Vec<&str> {
    list.lines()
        .map(str::trim)
        .filter(|name| name.starts_with("KUBE-"))
        .collect()
}

/// kube-proxy's ipsets (ipvs mode creates KUBE-CLUSTER-IP and friends).
pub fn ipsets(exec: &Exec) -> Option<Signal> {
    exec.find("ipset")?;
    Some(match exec.run("ipset", &["list", "-n"]) {
        Err(e) => Signal::new("ipset", None, format!("could not list: {e}")),
        Ok(list) => {
            let sets = kube_ipsets(&list);
            match sets.first() {
                None => Signal::new("ipset", None, "no KUBE-* sets"),
                Some(first) => Signal::new(
                    "ipset",
                    Some(Mode::Ipvs),
                    format!("{} KUBE-* sets ({first}, …)", sets.len()),
                ),
            }
        }
    })
}

/// The families of tables named `kube-proxy` in `nft -j list tables`.
pub fn kube_proxy_tables(json: &str) -> Result<Vec<String>, String> {
    let value: serde_json::Value = serde_json::from_str(json).map_err(|e| e.to_string())?;
    let items = value
        .get("nftables")
        .and_then(|v| v.as_array())
        .ok_or("no `nftables` array")?;
    Ok(items
        .iter()
        .filter_map(|item| item.get("table"))
        .filter(|t| t.get("name").and_then(|n| n.as_str()) == Some("kube-proxy"))
        .map(|t| {
            t.get("family")
                .and_then(|f| f.as_str())
                .unwrap_or("?")
                .to_string()
        })
        .collect())
}

/// The `kube-proxy` nftables table (one per family, FORMATS.md B.7).
pub fn nftables(exec: &Exec) -> Option<Signal> {
    exec.find("nft")?;
    let said = exec
        .run("nft", &["-j", "list", "tables"])
        .map_err(|e| e.to_string())
        .and_then(|json| kube_proxy_tables(&json));
    Some(match said {
        Err(e) => Signal::new("nftables", None, format!("could not list tables: {e}")),
        Ok(families) if families.is_empty() => Signal::new("nftables", None, "no kube-proxy table"),
        Ok(families) => Signal::new(
            "nftables",
            Some(Mode::Nftables),
            format!("table kube-proxy ({})", families.join(", ")),
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxy_mode_bodies() {
        let new = "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n\r\niptables";
        assert_eq!(http_body(new).map(Mode::parse), Ok(Some(Mode::Iptables)));
        let old = "HTTP/1.0 200 OK\r\n\r\nipvs\n";
        assert_eq!(http_body(old).map(Mode::parse), Ok(Some(Mode::Ipvs)));
        assert_eq!(
            http_body("HTTP/1.1 404 Not Found\r\n\r\n404"),
            Err("HTTP 404 Not Found".into())
        );
        assert!(http_body("SSH-2.0-OpenSSH\r\n").is_err());
        assert_eq!(Mode::parse("banana"), None);
    }

    #[test]
    fn ipset_names() {
        assert_eq!(
            kube_ipsets("KUBE-CLUSTER-IP\ncali40all-ipam-pools\nKUBE-LOOP-BACK\n"),
            vec!["KUBE-CLUSTER-IP", "KUBE-LOOP-BACK"]
        );
    }

    #[test]
    fn nft_tables_json() {
        let json = r#"{"nftables": [{"metainfo": {"json_schema_version": 1}}, {"table": {"family": "ip", "name": "nat", "handle": 1}}, {"table": {"family": "ip", "name": "kube-proxy", "handle": 2}}, {"table": {"family": "ip6", "name": "kube-proxy", "handle": 3}}]}"#;
        assert_eq!(
            kube_proxy_tables(json),
            Ok(vec!["ip".to_string(), "ip6".to_string()])
        );
        assert!(kube_proxy_tables("{}").is_err());
        assert!(kube_proxy_tables("not json").is_err());
    }
}
