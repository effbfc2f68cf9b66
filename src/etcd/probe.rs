//! A TCP connect to each endpoint before speaking gRPC. etcd-client's
//! balanced channel sends requests to dead endpoints too (a refused one
//! fails the request; a silent one holds it until the deadline), so only
//! endpoints that accept a connection are handed to it, and when none does,
//! "connection refused" comes back at once, naming each endpoint.

use std::time::Duration;

use tokio::task::JoinSet;

use crate::error::hinted;

/// The endpoints that accept a TCP connection within `limit`, in the
/// given order; an error naming each failure when none does.
pub async fn reachable(endpoints: &[String], limit: Duration) -> anyhow::Result<Vec<String>> {
    let mut probes = JoinSet::new();
    for (i, endpoint) in endpoints.iter().enumerate() {
        let authority = authority(endpoint);
        probes.spawn(async move {
            let connect = tokio::net::TcpStream::connect(authority);
            let outcome = match tokio::time::timeout(limit, connect).await {
                Ok(Ok(_)) => Ok(()),
                Ok(Err(e)) => Err(e.to_string()),
                Err(_) => Err(format!("no answer within {limit:?}")),
            };
            (i, outcome)
        });
    }
    let mut outcomes = Vec::new();
    while let Some(joined) = probes.join_next().await {
        outcomes.push(joined?);
    }
    outcomes.sort_by_key(|(i, _)| *i);
    let mut up = Vec::new();
    let mut failures = Vec::new();
    for ((_, outcome), endpoint) in outcomes.into_iter().zip(endpoints) {
        match outcome {
            Ok(()) => up.push(endpoint.clone()),
            Err(e) => failures.push(format!("{endpoint}: {e}")),
        }
    }
    if up.is_empty() {
        return Err(hinted(
            format!("cannot connect to etcd ({})", failures.join("; ")),
            "is etcd running and listening there? Check --endpoints (or ETCDCTL_ENDPOINTS / FLANNELD_ETCD_ENDPOINTS)",
        ));
    }
    Ok(up)
}

/// `host:port` of a URL (`http://10.0.0.1:2379/x` → `10.0.0.1:2379`); the
/// scheme's port when none is given.
pub fn authority(endpoint: &str) -> String {
    let (scheme, rest) = endpoint.split_once("://").unwrap_or(("http", endpoint));
    let host_port = rest.split('/').next().unwrap_or(rest);
    let host_port = host_port.rsplit_once('@').map_or(host_port, |(_, h)| h);
    let has_port = match host_port.rfind(']') {
        Some(bracket) => host_port[bracket..].contains(':'),
        None => host_port.contains(':'),
    };
    if has_port {
        host_port.to_string()
    } else if scheme == "https" {
        format!("{host_port}:443")
    } else {
        format!("{host_port}:80")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorities() {
        assert_eq!(authority("http://127.0.0.1:2379"), "127.0.0.1:2379");
        assert_eq!(authority("https://etcd.example/"), "etcd.example:443");
        assert_eq!(authority("http://[::1]:2379/v2"), "[::1]:2379");
        assert_eq!(authority("http://[::1]"), "[::1]:80");
    }
}
