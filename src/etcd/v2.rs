//! Reading flannel's data over etcd's v2 keys API (flannel before 0.18,
//! tags v0.9.0–v0.17.0 `subnet/etcdv2/registry.go`): `GET
//! /v2/keys/<prefix>/config` and `GET /v2/keys/<prefix>/subnets?recursive=true`,
//! whose nodes carry the value as a string and the TTL left in seconds
//! (FORMATS.md A.2). Plain blocking HTTP with ureq, bounded by the timeout.

use std::borrow::Cow;
use std::time::Duration;

use base64::Engine as _;
use serde::Deserialize;
use ureq::tls::{ClientCert, PemItem, PrivateKey, RootCerts, TlsConfig};

use crate::clock::{Clock as _, SystemClock};
use crate::error::hinted;
use crate::etcd::endpoints::Connection;
use crate::etcd::v3::read_pem;
use crate::etcd::{Fetched, TimedOut, Want};

/// Larger than any flannel keyspace (5,000 leases are about 1.5 MB).
const BODY_LIMIT: u64 = 512 * 1024 * 1024;

#[derive(Deserialize)]
struct Answer<'a> {
    #[serde(borrow)]
    node: Node<'a>,
}

/// Keys are borrowed from the answer; values are JSON inside a JSON
/// string, full of escaped quotes, so they are copied anyway.
#[derive(Deserialize)]
struct Node<'a> {
    #[serde(borrow)]
    key: Cow<'a, str>,
    value: Option<String>,
    ttl: Option<i64>,
    #[serde(default, borrow)]
    nodes: Vec<Node<'a>>,
}

/// etcd's answers to the two GETs, not yet parsed; `None` when the key
/// does not exist.
struct Bodies {
    config: Option<Answered>,
    subnets: Option<Answered>,
}

/// A 200 answer and the URL it came from, for errors.
struct Answered {
    url: String,
    body: String,
}

impl Answered {
    fn node(&self) -> anyhow::Result<Node<'_>> {
        let answer: Answer = serde_json::from_str(&self.body)
            .map_err(|e| anyhow::anyhow!("v2 answer from {} is not etcd JSON: {e}", self.url))?;
        Ok(answer.node)
    }
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

/// Fetch the config and (unless `want` is only that) the leases from the
/// first endpoint that answers, and parse them.
pub fn fetch(conn: &Connection, want: Want) -> anyhow::Result<Fetched> {
    let bodies = fetch_any(conn, want)?;
    let mut data = match &bodies.subnets {
        Some(answered) => flatten(answered.node()?),
        None => Fetched::default(),
    };
    data.config = match &bodies.config {
        Some(answered) => answered.node()?.value,
        None => None,
    };
    Ok(data)
}

/// Each request gets what is left of one `--timeout` (ureq's global
/// timeout covers resolving, connecting and reading the body), so trying
/// several endpoints never takes longer than `--timeout` in all.
fn fetch_any(conn: &Connection, want: Want) -> anyhow::Result<Bodies> {
    let clock = SystemClock;
    let deadline = clock.now() + conn.timeout;
    let agent = agent(conn)?;
    let mut last = None;
    for endpoint in &conn.endpoints {
        let left = deadline.saturating_duration_since(clock.now());
        if left.is_zero() {
            return Err(TimedOut(conn.timeout).into());
        }
        match fetch_from(&agent, conn, endpoint, want, left) {
            Ok(bodies) => return Ok(bodies),
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
    left: Duration,
) -> anyhow::Result<Bodies> {
    let base = format!("{}/v2/keys{}", endpoint.trim_end_matches('/'), conn.prefix);
    // Both at once: the config answer then costs nothing next to etcd
    // building the subnets listing.
    let config_url = format!("{base}/config");
    let (config, subnets) = std::thread::scope(|scope| {
        if want == Want::Config {
            return (get(agent, conn, &config_url, left), Ok(None));
        }
        // The listing, which takes etcd longest, is asked for on this
        // thread, so starting the other thread does not delay it.
        let config = scope.spawn(|| get(agent, conn, &config_url, left));
        // v2 nodes carry their TTL, so every lease read comes with it.
        let subnets = get(agent, conn, &format!("{base}/subnets?recursive=true"), left);
        (crate::parallel::join(config), subnets)
    });
    Ok(Bodies {
        config: config?,
        subnets: subnets?,
    })
}

/// Listings at least this long are parsed on all CPUs.
const PARALLEL_FROM: usize = 1024;

/// Every value node of a listing, parsed. Parsing 5,000 lease values is
/// most of the work once etcd has answered, so a long listing is parsed
/// in parts on all CPUs.
fn flatten(listing: Node) -> Fetched {
    let parts = if listing.nodes.len() >= PARALLEL_FROM {
        crate::parallel::cpus()
    } else {
        1
    };
    let mut parts = crate::parallel::runs_in_order(listing.nodes, parts, |nodes| {
        let mut part = Fetched::default();
        add_all(nodes, &mut part);
        part
    })
    .into_iter();
    let mut all = parts.next().unwrap_or_default();
    for part in parts {
        all.append(part);
    }
    all
}

/// Each node's value as a lease; a directory's values in turn (flannel's
/// subnets dir is flat, but a recursive listing may nest).
fn add_all(nodes: Vec<Node>, out: &mut Fetched) {
    out.leases.reserve(nodes.len());
    for node in nodes {
        match node.value {
            Some(value) => out.add_lease(node.key.into_owned(), value, node.ttl),
            None => add_all(node.nodes, out),
        }
    }
}

/// GET one key within `left`; `Ok(None)` when etcd says it does not exist.
fn get(
    agent: &ureq::Agent,
    conn: &Connection,
    url: &str,
    left: Duration,
) -> anyhow::Result<Option<Answered>> {
    let mut request = agent.get(url).config().timeout_global(Some(left)).build();
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
        return Ok(Some(Answered {
            url: url.to_string(),
            body,
        }));
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A v2 listing as etcd writes it: `n` leases, a nested directory with
    /// one more, and a key that is not a lease.
    fn listing(n: usize) -> String {
        let lease = |i: usize| {
            serde_json::json!({
                "key": format!("/p/subnets/10.{}.{}.0-24", i / 256, i % 256),
                "value": format!(r#"{{"PublicIP":"192.0.2.{}"}}"#, i % 250),
                "ttl": i, "modifiedIndex": 7, "createdIndex": 7,
            })
        };
        let mut nodes: Vec<_> = (0..n).map(lease).collect();
        nodes.insert(
            n / 3,
            serde_json::json!({"key": "/p/subnets/junk", "value": "{}"}),
        );
        nodes.push(serde_json::json!({"key": "/p/subnets/dir", "dir": true, "nodes": [lease(n)]}));
        serde_json::json!({"action": "get", "node": {"key": "/p/subnets", "dir": true, "nodes": nodes}})
            .to_string()
    }

    #[test]
    fn listings_parse_in_order_whether_split_or_not() {
        for n in [3, PARALLEL_FROM, 3 * PARALLEL_FROM + 1] {
            let answered = Answered {
                url: "test".into(),
                body: listing(n),
            };
            let data = flatten(answered.node().unwrap());
            let ttls: Vec<Option<i64>> = data.leases.iter().map(|l| l.ttl).collect();
            let expected: Vec<Option<i64>> = (0..=n as i64).map(Some).collect();
            assert_eq!(ttls, expected, "{n} leases");
            assert!(data.leases.iter().all(|l| l.attrs.is_ok()));
            assert_eq!(data.bad_keys.len(), 1);
            assert_eq!(data.bad_keys[0].key, "/p/subnets/junk");
        }
    }
}
