//! `k8snet etcd config|leases` and the doctor's etcd checks: flannel's
//! network config and subnet leases, read once from etcd (v3 or v2), then
//! parsed and analysed by pure code.
//!
//! [`fetch`] is the only part that talks to etcd; everything after it
//! works on a [`Snapshot`], so the backend and dataplane checks can use
//! the same types with leases read back by [`leases_from_json`].

pub mod analysis;
pub mod backends;
mod checks;
pub mod config;
pub mod endpoints;
mod gojson;
pub mod lease;
mod probe;
pub mod problem;
mod record;
mod v2;
mod v3;

use std::time::Duration;

use anyhow::Context as _;
use serde::Serialize;

pub use config::NetworkConfig;
pub use endpoints::Connection;
pub use lease::{BadKey, LeaseAttrs, LeaseEntry};
pub use record::{LeaseRecord, leases_from_json};

use crate::Context;
use crate::cli::{EtcdApi, EtcdArgs, EtcdCommand};
use crate::error::hinted;
use crate::report::{Check, Report};

/// The etcd API a snapshot was read through.
#[derive(Serialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Api {
    /// gRPC v3 (flannel ≥ 0.18).
    V3,
    /// HTTP v2 keys API (flannel < 0.18).
    V2,
}

impl Api {
    /// `v3` or `v2`.
    pub fn as_str(self) -> &'static str {
        match self {
            Api::V3 => "v3",
            Api::V2 => "v2",
        }
    }
}

/// flannel's data as read from etcd at one moment.
#[derive(Clone, Debug)]
pub struct Snapshot {
    /// The endpoints asked (comma-separated).
    pub endpoint: String,
    /// The API that answered.
    pub api: Api,
    /// flannel's key prefix.
    pub prefix: String,
    /// The parsed config, when `<prefix>/config` exists and is a JSON object.
    pub config: Option<NetworkConfig>,
    /// Why the stored config could not be parsed.
    pub config_error: Option<String>,
    /// The leases, sorted by subnet.
    pub leases: Vec<LeaseEntry>,
    /// Keys under `<prefix>/subnets/` that are not lease keys.
    pub bad_keys: Vec<BadKey>,
    /// How the data was found (e.g. the v2 fallback), for people.
    pub notes: Vec<String>,
}

/// What an API fetch returns: the config text and the leases, parsed as
/// they arrive so that nothing else holds a copy of them.
#[derive(Default)]
pub(crate) struct Fetched {
    config: Option<String>,
    leases: Vec<LeaseEntry>,
    bad_keys: Vec<BadKey>,
}

impl Fetched {
    /// Add the leases and bad keys of `other` after those of `self`.
    fn append(&mut self, other: Fetched) {
        self.leases.extend(other.leases);
        self.bad_keys.extend(other.bad_keys);
    }

    /// Parse one key-value pair under `subnets/` into a lease or a bad key.
    fn add_lease(&mut self, key: String, value: String, ttl: Option<i64>) {
        match LeaseEntry::new(key, value, ttl) {
            Ok(lease) => self.leases.push(lease),
            Err(bad) => self.bad_keys.push(bad),
        }
    }
}

/// The fetch ran out of time.
#[derive(Debug, thiserror::Error)]
#[error("no answer within {0:?}")]
pub(crate) struct TimedOut(Duration);

/// How much of flannel's data a command needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Want {
    /// The network config only.
    Config,
    /// The config and the leases, their TTLs left unknown (`None`): over
    /// v3 each TTL is a call of its own, seconds on a large cluster.
    Leases,
    /// The config and the leases with the seconds each has left.
    LeasesWithTtl,
}

/// Read as much of flannel's data as `want` says.
pub fn fetch(args: &EtcdArgs, want: Want) -> anyhow::Result<Snapshot> {
    fetch_from(&Connection::resolve(args)?, want)
}

/// Whether the user pointed k8snet at an etcd (flag or variable), as
/// opposed to the built-in default endpoint.
pub fn is_configured(args: &EtcdArgs) -> bool {
    Connection::resolve(args).map_or(true, |conn| conn.explicit)
}

/// [`fetch`] with a resolved connection. `auto` reads v3 and falls back
/// to v2 when v3 has no config or fails without timing out (a timeout
/// would only repeat against the same endpoint).
pub fn fetch_from(conn: &Connection, want: Want) -> anyhow::Result<Snapshot> {
    let attempt = |api: Api| match api {
        Api::V3 => v3::fetch(conn, want),
        Api::V2 => v2::fetch(conn, want),
    };
    let only = |api: Api| {
        attempt(api)
            .map(|raw| snapshot(conn, api, raw))
            .map_err(|e| explain(&e, conn, api))
    };
    match conn.api {
        EtcdApi::V3 => only(Api::V3),
        EtcdApi::V2 => only(Api::V2),
        EtcdApi::Auto => match attempt(Api::V3) {
            Ok(raw) if raw.config.is_some() => Ok(snapshot(conn, Api::V3, raw)),
            Ok(raw) => Ok(match attempt(Api::V2) {
                Ok(v2) if v2.config.is_some() => {
                    let mut snap = snapshot(conn, Api::V2, v2);
                    snap.notes.push(format!(
                        "etcd v3 has no {}/config; read the v2 keyspace (flannel before 0.18)",
                        conn.prefix
                    ));
                    snap
                }
                _ => snapshot(conn, Api::V3, raw),
            }),
            Err(e) if e.chain().any(|c| c.is::<TimedOut>()) => Err(explain(&e, conn, Api::V3)),
            Err(v3_error) => match attempt(Api::V2) {
                Ok(v2) => {
                    let mut snap = snapshot(conn, Api::V2, v2);
                    snap.notes
                        .push(format!("etcd v3 failed ({v3_error:#}); read the v2 API"));
                    Ok(snap)
                }
                Err(_) => Err(explain(&v3_error, conn, Api::V3)),
            },
        },
    }
}

/// One line naming the endpoint, the API and the cause, plus a hint (the
/// cause's own, else one for the kind of failure).
fn explain(err: &anyhow::Error, conn: &Connection, api: Api) -> anyhow::Error {
    let hint = crate::error::hint(err).unwrap_or_else(|| {
        if err.chain().any(|c| c.is::<TimedOut>()) {
            "is the endpoint reachable from here (firewall, wrong port)? Raise --timeout for a slow link".into()
        } else if conn.uses_tls() && conn.cert.is_none() {
            "etcd with --client-cert-auth (flannel's usual setup) needs --cert and --key; also check --cacert".into()
        } else if conn.uses_tls() {
            "check --cacert/--cert/--key: etcd's certificate must be signed by --cacert and name the endpoint's host, and flannel's etcd usually requires a client certificate".into()
        } else {
            "check --endpoints (an https etcd needs https:// and --cacert) and that etcd is running".into()
        }
    });
    hinted(
        format!("etcd {} at {}: {err:#}", api.as_str(), conn.endpoint_list()),
        hint,
    )
}

fn snapshot(conn: &Connection, api: Api, fetched: Fetched) -> Snapshot {
    let Fetched {
        config,
        mut leases,
        bad_keys,
    } = fetched;
    let (config, config_error) = match config.as_deref().map(config::parse) {
        None => (None, None),
        Some(Ok(config)) => (Some(config), None),
        Some(Err(e)) => (None, Some(e)),
    };
    // etcd returns keys in byte order (10.5.10.0 before 10.5.2.0). Cached
    // keys: a lease is too large to move around in every comparison.
    leases.sort_by_cached_key(|l| (l.subnet.network(), l.subnet.prefix_len(), l.ipv6_subnet));
    Snapshot {
        endpoint: conn.endpoint_list(),
        api,
        prefix: conn.prefix.clone(),
        config,
        config_error,
        leases,
        bad_keys,
        notes: Vec::new(),
    }
}

/// `k8snet etcd config|leases`.
pub fn run(ctx: &Context, command: &EtcdCommand) -> anyhow::Result<Report> {
    let (args, want) = match command {
        EtcdCommand::Config(args) => (args, Want::Config),
        EtcdCommand::Leases(args) => (args, Want::LeasesWithTtl),
    };
    ctx.progress.show("reading flannel's data from etcd…");
    let snap = fetch(args, want);
    ctx.progress.clear();
    let snap = snap?;
    if want == Want::LeasesWithTtl {
        return Ok(checks::leases_report(snap, ctx.listings));
    }
    if snap.config.is_none() && snap.config_error.is_none() {
        return Err(hinted(
            format!(
                "no flannel config at {}/config (etcd {} at {})",
                snap.prefix,
                snap.api.as_str(),
                snap.endpoint
            ),
            "check --prefix (flanneld's --etcd-prefix); flannel 0.18+ reads the v3 keyspace, so a config written with the v2 API is invisible to it (try --api v2)",
        ));
    }
    Ok(checks::config_report(&snap))
}

/// The doctor's `etcd.config` and `etcd.leases` checks, plus the snapshot
/// they were made from (the backend and dataplane checks use it too).
/// Without any etcd setting, an unanswering default endpoint (or one
/// without flannel's config) is a skip; an etcd the user named that cannot
/// be read is an error.
pub fn doctor_checks(ctx: &Context, args: &EtcdArgs) -> (Vec<Check>, Option<Snapshot>) {
    match Connection::resolve(args) {
        Ok(conn) => doctor_checks_for(ctx, conn),
        Err(e) => (
            vec![
                Check::error("etcd.config", &e),
                Check::error("etcd.leases", &e),
            ],
            None,
        ),
    }
}

/// A snapshot for commands that use etcd as one source among others
/// (`backend`): read when the user configured etcd (failure is an error),
/// else tried quietly at the default endpoint with a short timeout.
pub fn optional_snapshot(ctx: &Context, args: &EtcdArgs) -> anyhow::Result<Option<Snapshot>> {
    let mut conn = Connection::resolve(args)?;
    if !conn.explicit {
        conn.timeout = conn.timeout.min(Duration::from_secs(1));
    }
    ctx.progress
        .show("etcd: reading flannel's config and leases…");
    // `backend` compares leases with routes and FDB entries; their TTLs
    // do not matter there.
    let fetched = fetch_from(&conn, Want::Leases);
    ctx.progress.clear();
    match fetched {
        Ok(snap) => Ok(Some(snap)),
        Err(_) if !conn.explicit => Ok(None),
        Err(e) => Err(e),
    }
}

fn doctor_checks_for(ctx: &Context, mut conn: Connection) -> (Vec<Check>, Option<Snapshot>) {
    if !conn.explicit {
        // Nobody asked for etcd: do not let the probe of the default
        // endpoint slow the doctor down.
        conn.timeout = conn.timeout.min(Duration::from_secs(1));
    }
    ctx.progress
        .show("etcd: reading flannel's config and leases…");
    let fetched = fetch_from(&conn, Want::LeasesWithTtl).context("reading flannel's data");
    ctx.progress.clear();
    match fetched {
        Err(_) if !conn.explicit => (
            skip_both(format!(
                "no etcd configured, and nothing answers at {}",
                conn.endpoint_list()
            )),
            None,
        ),
        Err(e) => (
            vec![
                Check::error("etcd.config", &e),
                Check::error("etcd.leases", &e),
            ],
            None,
        ),
        Ok(snap) if !conn.explicit && snap.config.is_none() && snap.config_error.is_none() => (
            skip_both(format!(
                "no etcd configured, and {} has no {}/config",
                snap.endpoint, snap.prefix
            )),
            None,
        ),
        Ok(snap) => {
            let problems = checks::lease_problems(&snap);
            let checks = vec![
                checks::config_check(&snap),
                checks::leases_check(&snap, &problems),
            ];
            (checks, Some(snap))
        }
    }
}

fn skip_both(reason: String) -> Vec<Check> {
    vec![
        Check::skip("etcd.config", reason.clone()),
        Check::skip("etcd.leases", reason),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Status;

    fn closed_port_connection(explicit: bool) -> Connection {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .unwrap_or(1);
        let mut conn = Connection::resolve_with(&EtcdArgs::default(), &|_| None).unwrap();
        conn.endpoints = vec![format!("http://127.0.0.1:{port}")];
        conn.explicit = explicit;
        conn
    }

    #[test]
    fn doctor_skips_an_unconfigured_etcd_that_does_not_answer() {
        let ctx = Context::new(std::path::Path::new("/"));
        let (checks, _) = doctor_checks_for(&ctx, closed_port_connection(false));
        let ids: Vec<&str> = checks.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["etcd.config", "etcd.leases"]);
        assert!(
            checks.iter().all(|c| c.status == Status::Skip),
            "{checks:?}"
        );
        assert!(checks[0].summary.starts_with("no etcd configured"));
    }

    #[test]
    fn doctor_errors_on_a_named_etcd_that_does_not_answer() {
        let ctx = Context::new(std::path::Path::new("/"));
        let (checks, _) = doctor_checks_for(&ctx, closed_port_connection(true));
        assert!(
            checks.iter().all(|c| c.status == Status::Error),
            "{checks:?}"
        );
        assert!(
            checks[0]
                .hint
                .as_deref()
                .unwrap_or_default()
                .contains("--endpoints")
        );
    }

    #[test]
    fn a_named_endpoint_counts_as_configured() {
        let args = EtcdArgs {
            endpoints: Some("http://10.0.0.1:2379".into()),
            ..EtcdArgs::default()
        };
        assert!(is_configured(&args));
    }
}
