//! Where flannel's etcd is: flags first, then etcdctl's `ETCDCTL_*`
//! variables, then flanneld's own `FLANNELD_ETCD_*` (flanneld reads its
//! flags from `FLANNELD_<FLAG>`, `main.go` `flagutil.SetFlagsFromEnv`),
//! then `http://127.0.0.1:2379` and `/coreos.com/network`. Each setting
//! falls back on its own. The password is kept out of every `Display`.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use crate::cli::{EtcdApi, EtcdArgs};

/// flanneld's default `--etcd-endpoints`.
pub const DEFAULT_ENDPOINT: &str = "http://127.0.0.1:2379";
/// flanneld's default `--etcd-prefix` (FORMATS.md A.1).
pub const DEFAULT_PREFIX: &str = "/coreos.com/network";

/// Everything needed to reach etcd, resolved.
#[derive(Clone, PartialEq)]
pub struct Connection {
    /// Client URLs, each with a scheme.
    pub endpoints: Vec<String>,
    /// CA bundle (PEM).
    pub cacert: Option<PathBuf>,
    /// Client certificate (PEM).
    pub cert: Option<PathBuf>,
    /// Client key (PEM).
    pub key: Option<PathBuf>,
    /// User name and password.
    pub user: Option<(String, String)>,
    /// flannel's key prefix, without a trailing slash.
    pub prefix: String,
    /// Budget for the whole fetch.
    pub timeout: Duration,
    /// Which API to speak.
    pub api: EtcdApi,
    /// True when any setting came from a flag or variable: the user means
    /// this etcd, so failing to reach it is an error, not a skip.
    pub explicit: bool,
}

impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connection")
            .field("endpoints", &self.endpoints)
            .field("cacert", &self.cacert)
            .field("cert", &self.cert)
            .field("key", &self.key)
            .field("user", &self.user.as_ref().map(|(name, _)| name))
            .field("prefix", &self.prefix)
            .field("timeout", &self.timeout)
            .field("api", &self.api)
            .finish()
    }
}

impl Connection {
    /// Resolve flags and the process environment.
    pub fn resolve(args: &EtcdArgs) -> anyhow::Result<Connection> {
        Self::resolve_with(args, &|name| {
            std::env::var(name).ok().filter(|v| !v.is_empty())
        })
    }

    /// Resolve flags and the variables `env` returns.
    pub fn resolve_with(
        args: &EtcdArgs,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> anyhow::Result<Connection> {
        let pick = |flag: &Option<PathBuf>, names: [&str; 2]| {
            flag.clone()
                .or_else(|| names.iter().find_map(|n| env(n)).map(PathBuf::from))
        };
        let cacert = pick(&args.cacert, ["ETCDCTL_CACERT", "FLANNELD_ETCD_CAFILE"]);
        let cert = pick(&args.cert, ["ETCDCTL_CERT", "FLANNELD_ETCD_CERTFILE"]);
        let key = pick(&args.key, ["ETCDCTL_KEY", "FLANNELD_ETCD_KEYFILE"]);
        let listed = args
            .endpoints
            .clone()
            .or_else(|| env("ETCDCTL_ENDPOINTS"))
            .or_else(|| env("FLANNELD_ETCD_ENDPOINTS"));
        let tls = cacert.is_some() || cert.is_some();
        let endpoints: Vec<String> = listed
            .as_deref()
            .unwrap_or(DEFAULT_ENDPOINT)
            .split(',')
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .map(|e| with_scheme(e, tls))
            .collect();
        if endpoints.is_empty() {
            return Err(crate::error::hinted(
                "no etcd endpoint given",
                "pass --endpoints http://HOST:2379 (comma-separated for several)",
            ));
        }
        if cert.is_some() != key.is_some() {
            return Err(crate::error::hinted(
                "a client certificate needs its key (and the key its certificate)",
                "pass both --cert and --key (or ETCDCTL_CERT and ETCDCTL_KEY)",
            ));
        }
        let prefix = args.prefix.clone().or_else(|| env("FLANNELD_ETCD_PREFIX"));
        let user = user(args, env)?;
        let explicit = listed.is_some()
            || cacert.is_some()
            || cert.is_some()
            || prefix.is_some()
            || user.is_some();
        let prefix = prefix.unwrap_or_else(|| DEFAULT_PREFIX.to_string());
        Ok(Connection {
            endpoints,
            cacert,
            cert,
            key,
            user,
            prefix: format!("/{}", prefix.trim_matches('/')),
            timeout: args.timeout,
            api: args.api,
            explicit,
        })
    }

    /// Whether any endpoint speaks TLS.
    pub fn uses_tls(&self) -> bool {
        self.endpoints.iter().any(|e| e.starts_with("https://"))
    }

    /// The endpoints as the user would type them, for messages.
    pub fn endpoint_list(&self) -> String {
        self.endpoints.join(",")
    }
}

/// etcdctl takes `host:port` as well as URLs; a bare address gets https
/// when TLS files were given, as etcdctl's own clients do.
fn with_scheme(endpoint: &str, tls: bool) -> String {
    if endpoint.contains("://") {
        endpoint.to_string()
    } else if tls {
        format!("https://{endpoint}")
    } else {
        format!("http://{endpoint}")
    }
}

/// `--user user:password`, else `ETCDCTL_USER` (with `ETCDCTL_PASSWORD`
/// when the password is not in it), else flanneld's
/// `FLANNELD_ETCD_USERNAME`/`FLANNELD_ETCD_PASSWORD`.
fn user(
    args: &EtcdArgs,
    env: &dyn Fn(&str) -> Option<String>,
) -> anyhow::Result<Option<(String, String)>> {
    let given = args.user.clone().or_else(|| env("ETCDCTL_USER"));
    let Some(given) = given else {
        return Ok(env("FLANNELD_ETCD_USERNAME")
            .map(|name| (name, env("FLANNELD_ETCD_PASSWORD").unwrap_or_default())));
    };
    match given.split_once(':') {
        Some((name, password)) => Ok(Some((name.to_string(), password.to_string()))),
        None => match env("ETCDCTL_PASSWORD") {
            Some(password) => Ok(Some((given, password))),
            None => Err(crate::error::hinted(
                format!("--user {given}: no password"),
                "pass --user USER:PASSWORD, or set ETCDCTL_PASSWORD",
            )),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn resolve(args: &EtcdArgs, vars: &[(&str, &str)]) -> anyhow::Result<Connection> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Connection::resolve_with(args, &|name| vars.get(name).cloned())
    }

    #[test]
    fn defaults_when_nothing_is_set() {
        let conn = resolve(&EtcdArgs::default(), &[]).unwrap();
        assert_eq!(conn.endpoints, [DEFAULT_ENDPOINT]);
        assert_eq!(conn.prefix, DEFAULT_PREFIX);
        assert!(!conn.explicit);
    }

    #[test]
    fn flags_then_etcdctl_then_flanneld() {
        let env = [
            ("ETCDCTL_ENDPOINTS", "10.0.0.1:2379"),
            ("FLANNELD_ETCD_ENDPOINTS", "http://10.0.0.2:2379"),
            ("FLANNELD_ETCD_CAFILE", "/etc/flannel/ca.pem"),
            ("FLANNELD_ETCD_PREFIX", "/kube/network/"),
        ];
        let conn = resolve(&EtcdArgs::default(), &env).unwrap();
        assert_eq!(conn.endpoints, ["https://10.0.0.1:2379"]);
        assert_eq!(conn.cacert, Some(PathBuf::from("/etc/flannel/ca.pem")));
        assert_eq!(conn.prefix, "/kube/network");
        assert!(conn.explicit);
        let args = EtcdArgs {
            endpoints: Some("http://a:1, http://b:2".into()),
            ..EtcdArgs::default()
        };
        assert_eq!(
            resolve(&args, &env).unwrap().endpoints,
            ["http://a:1", "http://b:2"]
        );
        let flannel_only = resolve(&EtcdArgs::default(), &env[1..2]).unwrap();
        assert_eq!(flannel_only.endpoints, ["http://10.0.0.2:2379"]);
    }

    #[test]
    fn passwords_never_show() {
        let args = EtcdArgs {
            user: Some("root:hunter2".into()),
            ..EtcdArgs::default()
        };
        let conn = resolve(&args, &[]).unwrap();
        assert_eq!(conn.user, Some(("root".into(), "hunter2".into())));
        assert!(!format!("{conn:?}").contains("hunter2"));
        let err = resolve(
            &EtcdArgs {
                user: Some("root".into()),
                ..EtcdArgs::default()
            },
            &[],
        )
        .unwrap_err();
        assert!(err.to_string().contains("no password"));
        let conn = resolve(
            &EtcdArgs::default(),
            &[("ETCDCTL_USER", "u"), ("ETCDCTL_PASSWORD", "p")],
        )
        .unwrap();
        assert_eq!(conn.user, Some(("u".into(), "p".into())));
    }

    #[test]
    fn a_cert_without_its_key_is_refused() {
        let args = EtcdArgs {
            cert: Some("c.pem".into()),
            ..EtcdArgs::default()
        };
        assert!(resolve(&args, &[]).is_err());
    }
}
