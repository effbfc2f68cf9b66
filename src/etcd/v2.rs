//! Reading flannel's data over etcd's v2 keys API (flannel before 0.18,
//! tags v0.9.0–v0.17.0 `subnet/etcdv2/registry.go`): `GET
//! /v2/keys/<prefix>/config` and `GET /v2/keys/<prefix>/subnets?recursive=true`,
//! whose nodes carry the value as a string and the TTL left in seconds
//! (FORMATS.md A.2). Plain blocking HTTP with ureq, bounded by the timeout.

use std::time::Duration;

use base64::Engine as _;
use serde::Deserialize;
use ureq::tls::{ClientCert, PemItem, PrivateKey, RootCerts, TlsConfig};

use crate::error::hinted;
use crate::etcd::endpoints::Connection;
use crate::etcd::v3::read_pem;
use crate::etcd::{RawData, RawLease, TimedOut, Want};

/// Larger than any flannel keyspace (5,000 leases are about 1.5 MB).
const BODY_LIMIT: u64 = 512 * 1024 * 1024;

#[derive(Deserialize)]
struct Answer {
    node: Node,
}

#[derive(Deserialize)]
struct Node {
    key: String,
    value: Option<String>,
    ttl: Option<i64>,
    #[serde(default)]
    nodes: Vec<Node>,
}

/// etcd's v2 error body: `{"errorCode":100,"message":"Key not found",…}`.
#[derive(Deserialize)]
struct Failure {
    #[serde(rename = "errorCode")]
    code: u32,
    message: String,
}

/// v2 "Key not found" (etcd `error/error.go` `EcodeKeyNotFound`).
const KEY_NOT_FOUND: u32 = 100;

/// Fetch the config and (unless `want` is only that) the leases from the first
/// endpoint that answers. Every request has the timeout, and the whole
/// fetch (several endpoints, two requests each) runs on a worker thread
/// that is given up on after the timeout too, so the caller never waits
/// longer than `--timeout`.
pub fn fetch(conn: &Connection, want: Want) -> anyhow::Result<RawData> {
    let (send, answer) = std::sync::mpsc::channel();
    let worker_conn = conn.clone();
    std::thread::spawn(move || {
        // The receiver is gone only when the caller gave up already.
        let _ = send.send(fetch_any(&worker_conn, want));
    });
    answer
        .recv_timeout(conn.timeout)
        .unwrap_or_else(|_| Err(TimedOut(conn.timeout).into()))
}

fn fetch_any(conn: &Connection, want: Want) -> anyhow::Result<RawData> {
    let agent = agent(conn)?;
    let mut last = None;
    for endpoint in &conn.endpoints {
        match fetch_from(&agent, conn, endpoint, want) {
            Ok(data) => return Ok(data),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| anyhow::anyhow!("no endpoint")))
}

fn fetch_from(
    agent: &ureq::Agent,
    conn: &Connection,
    endpoint: &str,
    want: Want,
) -> anyhow::Result<RawData> {
    let base = format!("{}/v2/keys{}", endpoint.trim_end_matches('/'), conn.prefix);
    // Both at once: the config answer then costs nothing next to etcd
    // building the subnets listing.
    let (config, subnets) = std::thread::scope(|scope| {
        // v2 nodes carry their TTL, so every lease read comes with it.
        let subnets = (want != Want::Config)
            .then(|| scope.spawn(|| get(agent, conn, &format!("{base}/subnets?recursive=true"))));
        let config = get(agent, conn, &format!("{base}/config"));
        let subnets = subnets.map(crate::parallel::join);
        (config, subnets)
    });
    let config = config?.and_then(|node| node.value);
    let mut leases = Vec::new();
    if let Some(dir) = subnets.transpose()?.flatten() {
        flatten(dir, &mut leases);
    }
    Ok(RawData { config, leases })
}

/// Every value node under `node` (flannel's subnets dir is flat, but a
/// recursive listing may nest).
fn flatten(node: Node, out: &mut Vec<RawLease>) {
    for child in node.nodes {
        match child.value {
            Some(value) => out.push(RawLease {
                key: child.key,
                value,
                ttl: child.ttl,
            }),
            None => flatten(child, out),
        }
    }
}

/// GET one key; `Ok(None)` when etcd says it does not exist.
fn get(agent: &ureq::Agent, conn: &Connection, url: &str) -> anyhow::Result<Option<Node>> {
    let mut request = agent.get(url);
    if let Some((name, password)) = &conn.user {
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{name}:{password}"));
        request = request.header("Authorization", format!("Basic {token}"));
    }
    let mut response = request.call().map_err(|e| transport(e, conn.timeout))?;
    let status = response.status().as_u16();
    let body = response
        .body_mut()
        .with_config()
        .limit(BODY_LIMIT)
        .read_to_string()
        .map_err(|e| transport(e, conn.timeout))?;
    if status == 200 {
        let answer: Answer = serde_json::from_str(&body)
            .map_err(|e| anyhow::anyhow!("v2 answer from {url} is not etcd JSON: {e}"))?;
        return Ok(Some(answer.node));
    }
    match serde_json::from_str::<Failure>(&body) {
        Ok(f) if f.code == KEY_NOT_FOUND => Ok(None),
        Ok(f) if status == 401 => Err(hinted(
            format!("authentication failed: {}", f.message),
            "check --user USER:PASSWORD (or ETCDCTL_USER)",
        )),
        Ok(f) => Err(anyhow::anyhow!(
            "etcd v2 error {}: {} (HTTP {status})",
            f.code,
            f.message
        )),
        Err(_) if status == 404 => Err(hinted(
            "this etcd does not serve the v2 API (HTTP 404 on /v2/keys)",
            "etcd 3.4 and later serve v2 only with --enable-v2=true; flannel 0.18+ uses v3 (--api v3)",
        )),
        Err(_) => Err(anyhow::anyhow!("HTTP {status} from {url}")),
    }
}

fn transport(err: ureq::Error, timeout: Duration) -> anyhow::Error {
    match err {
        ureq::Error::Timeout(_) => TimedOut(timeout).into(),
        other => anyhow::anyhow!("{other}"),
    }
}

fn agent(conn: &Connection) -> anyhow::Result<ureq::Agent> {
    let mut tls = TlsConfig::builder();
    if let Some(ca) = &conn.cacert {
        let certs = certificates(&read_pem(ca, "--cacert")?, "--cacert")?;
        tls = tls.root_certs(RootCerts::new_with_certs(&certs));
    }
    if let (Some(cert), Some(key)) = (&conn.cert, &conn.key) {
        let chain = certificates(&read_pem(cert, "--cert")?, "--cert")?;
        let key = PrivateKey::from_pem(read_pem(key, "--key")?.as_bytes())
            .map_err(|e| hinted(format!("--key: {e}"), "--key must be a PEM private key"))?;
        tls = tls.client_cert(Some(ClientCert::new_with_certs(&chain, key)));
    }
    let config = ureq::Agent::config_builder()
        .timeout_global(Some(conn.timeout))
        .http_status_as_error(false)
        .tls_config(tls.build())
        .build();
    Ok(config.into())
}

fn certificates(pem: &str, flag: &str) -> anyhow::Result<Vec<ureq::tls::Certificate<'static>>> {
    let certs: Vec<_> = ureq::tls::parse_pem(pem.as_bytes())
        .filter_map(|item| match item {
            Ok(PemItem::Certificate(cert)) => Some(cert),
            _ => None,
        })
        .collect();
    if certs.is_empty() {
        return Err(hinted(
            format!("{flag}: no PEM certificate in the file"),
            format!("{flag} must be a PEM certificate"),
        ));
    }
    Ok(certs)
}
