//! A TCP connect to each endpoint before speaking gRPC: tonic's balanced
//! channel waits for a ready endpoint until the deadline, so without this
//! a refused port would look like a slow etcd. With it, "connection
//! refused" comes back at once, naming the endpoint.

use crate::error::hinted;

/// `Ok` when at least one endpoint accepts a TCP connection.
pub async fn any_reachable(endpoints: &[String]) -> anyhow::Result<()> {
    let mut failures = Vec::new();
    for endpoint in endpoints {
        let authority = authority(endpoint);
        match tokio::net::TcpStream::connect(authority).await {
            Ok(_) => return Ok(()),
            Err(e) => failures.push(format!("{endpoint}: {e}")),
        }
    }
    Err(hinted(
        format!("cannot connect to etcd ({})", failures.join("; ")),
        "is etcd running and listening there? Check --endpoints (or ETCDCTL_ENDPOINTS / FLANNELD_ETCD_ENDPOINTS)",
    ))
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
