//! Reading flannel's data over etcd's v3 gRPC API (flannel ≥ 0.18,
//! `pkg/subnet/etcd/registry.go`): one Get for the config, one ranged Get
//! for every lease, and the remaining TTL of each lease's etcd lease
//! through LeaseTimeToLive, as flannel's own registry reads it.
//!
//! This is the only async code in k8snet: a current-thread tokio runtime
//! lives inside [`fetch`], the whole fetch runs under one deadline, and
//! the rest of the program stays synchronous.

use std::collections::HashMap;

use etcd_client::{Certificate, Client, ConnectOptions, GetOptions, Identity, TlsOptions};
use tokio::task::JoinSet;

use crate::error::hinted;
use crate::etcd::endpoints::Connection;
use crate::etcd::{Fetched, TimedOut, Want};

/// TimeToLive requests in flight at once: enough to hide the round trip
/// for thousands of leases without one HTTP/2 connection queueing them all.
const TTL_WINDOW: usize = 128;

/// Fetch what `want` says within the connection's timeout.
pub fn fetch(conn: &Connection, want: Want) -> anyhow::Result<Fetched> {
    let tls = tls_options(conn)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let result = runtime
        .block_on(async { tokio::time::timeout(conn.timeout, fetch_async(conn, tls, want)).await });
    // Connection tasks may still be parked on a dead endpoint: do not wait
    // for them.
    runtime.shutdown_background();
    result.unwrap_or_else(|_| Err(TimedOut(conn.timeout).into()))
}

async fn fetch_async(
    conn: &Connection,
    tls: Option<TlsOptions>,
    want: Want,
) -> anyhow::Result<Fetched> {
    // Half the budget for the probe, so a silent endpoint among live ones
    // leaves time for the fetch itself.
    let endpoints = crate::etcd::probe::reachable(&conn.endpoints, conn.timeout / 2).await?;
    // No per-request timeouts: the one deadline around the whole fetch
    // decides, so a slow etcd always reads as "no answer within".
    let mut options = ConnectOptions::new();
    if let Some((name, password)) = &conn.user {
        options = options.with_user(name.clone(), password.clone());
    }
    if let Some(tls) = tls {
        options = options.with_tls(tls);
    }
    let mut client = Client::connect(&endpoints, Some(options))
        .await
        .map_err(explain)?;
    let config_key = format!("{}/config", conn.prefix);
    let config = client.get(config_key, None).await.map_err(explain)?;
    let config = config
        .kvs()
        .first()
        .map(|kv| String::from_utf8_lossy(kv.value()).into_owned());
    let mut data = Fetched {
        config,
        ..Fetched::default()
    };
    if want == Want::Config {
        return Ok(data);
    }
    let subnets = format!("{}/subnets/", conn.prefix);
    let mut response = client
        .get(subnets, Some(GetOptions::new().with_prefix()))
        .await
        .map_err(explain)?;
    let kvs = response.take_kvs();
    let ttls = if want == Want::LeasesWithTtl {
        lease_ttls(&client, kvs.iter().map(|kv| kv.lease())).await?
    } else {
        HashMap::new()
    };
    data.leases.reserve_exact(kvs.len());
    for kv in kvs {
        data.add_lease(
            String::from_utf8_lossy(kv.key()).into_owned(),
            String::from_utf8_lossy(kv.value()).into_owned(),
            ttls.get(&kv.lease()).copied(),
        );
    }
    Ok(data)
}

/// Remaining seconds of each etcd lease (keys without one never expire:
/// flannel's reservations). An expired or revoked lease reports -1.
async fn lease_ttls(
    client: &Client,
    ids: impl Iterator<Item = i64>,
) -> anyhow::Result<HashMap<i64, i64>> {
    let mut pending: Vec<i64> = ids.filter(|id| *id != 0).collect();
    pending.sort_unstable();
    pending.dedup();
    let mut ttls = HashMap::with_capacity(pending.len());
    let mut running = JoinSet::new();
    loop {
        while running.len() < TTL_WINDOW
            && let Some(id) = pending.pop()
        {
            let mut leases = client.lease_client();
            running.spawn(async move { (id, leases.time_to_live(id, None).await) });
        }
        let Some(joined) = running.join_next().await else {
            break;
        };
        let (id, answer) = joined?;
        ttls.insert(id, answer.map_err(explain)?.ttl());
    }
    Ok(ttls)
}

/// Read the PEM files for https endpoints. Plain-http endpoints get no
/// TLS even when files were given (etcd-client refuses TLS options with
/// http URLs).
fn tls_options(conn: &Connection) -> anyhow::Result<Option<TlsOptions>> {
    if !conn.uses_tls() {
        return Ok(None);
    }
    let mut tls = TlsOptions::new();
    if let Some(ca) = &conn.cacert {
        tls = tls.ca_certificate(Certificate::from_pem(read_pem(ca, "--cacert")?));
    }
    if let (Some(cert), Some(key)) = (&conn.cert, &conn.key) {
        tls = tls.identity(Identity::from_pem(
            read_pem(cert, "--cert")?,
            read_pem(key, "--key")?,
        ));
    }
    Ok(Some(tls))
}

/// A PEM file the user named.
pub fn read_pem(path: &std::path::Path, flag: &str) -> anyhow::Result<String> {
    crate::host::read_user_file(path).map_err(|e| {
        hinted(
            format!("{flag}: {e}"),
            format!("{flag} must name a readable PEM file"),
        )
    })
}

/// etcd-client's errors hide their cause (its `Error` has no `source`),
/// so spell it out: the gRPC status message, or the transport error's
/// chain down to the TLS or socket error.
fn explain(err: etcd_client::Error) -> anyhow::Error {
    match &err {
        etcd_client::Error::GRpcStatus(status) => {
            let message = with_causes(status.message().to_string(), status);
            if message.contains("authentication")
                || message.contains("user name")
                || message.contains("permission denied")
            {
                hinted(
                    format!("authentication failed: {message}"),
                    "check --user USER:PASSWORD (or ETCDCTL_USER); the user needs read access to the prefix",
                )
            } else {
                anyhow::anyhow!("{message} ({:?})", status.code())
            }
        }
        etcd_client::Error::TransportError(inner) => {
            anyhow::anyhow!("{}", with_causes(inner.to_string(), inner))
        }
        _ => anyhow::anyhow!("{err}"),
    }
}

/// `text` followed by the messages of `err`'s sources, skipping repeats.
fn with_causes(mut text: String, err: &dyn std::error::Error) -> String {
    let mut cause = err.source();
    while let Some(next) = cause {
        let line = next.to_string();
        if !text.contains(&line) {
            text.push_str(": ");
            text.push_str(&line);
        }
        cause = next.source();
    }
    text
}
