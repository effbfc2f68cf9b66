//! Turning errors into the one-line message and `hint:` line users see.
//!
//! Errors callers branch on are typed ([`HostError`], [`ExecError`]);
//! everything else is `anyhow` with context. A fixable error carries a hint,
//! either attached where it was raised ([`with_hint`]) or derived here from
//! its kind.

use std::fmt;

use crate::exec::ExecError;
use crate::host::HostError;

/// An error with advice attached; displays as its source alone.
#[derive(Debug)]
pub struct Hinted {
    source: anyhow::Error,
    hint: String,
}

impl fmt::Display for Hinted {
    /// The whole inner chain: anyhow prints each link of a chain with `{}`,
    /// and `Hinted` is one link that stands for all of its source's.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#}", self.source)
    }
}

impl std::error::Error for Hinted {}

/// Attach advice for the user to an error.
pub fn with_hint(err: impl Into<anyhow::Error>, hint: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(Hinted {
        source: err.into(),
        hint: hint.into(),
    })
}

/// Build an error from a message plus advice.
pub fn hinted(message: impl fmt::Display, hint: impl Into<String>) -> anyhow::Error {
    with_hint(anyhow::anyhow!("{message}"), hint)
}

/// The advice for an error: an attached hint first, else one derived from
/// the first typed error in the chain.
pub fn hint(err: &anyhow::Error) -> Option<String> {
    for cause in err.chain() {
        if let Some(hinted) = cause.downcast_ref::<Hinted>() {
            return Some(hinted.hint.clone());
        }
    }
    for cause in err.chain() {
        if let Some(host) = cause.downcast_ref::<HostError>() {
            return host_hint(host);
        }
        if let Some(exec) = cause.downcast_ref::<ExecError>() {
            return exec_hint(exec);
        }
    }
    None
}

fn host_hint(err: &HostError) -> Option<String> {
    match err {
        HostError::PermissionDenied { .. } => Some(
            "run as root (writing sysctls needs CAP_SYS_ADMIN, net keys CAP_NET_ADMIN); \
             `k8snet check` is read-only and needs no privileges"
                .into(),
        ),
        HostError::ReadOnly { .. } => Some(
            "/proc/sys is mounted read-only here (a container?); run k8snet on the node, \
             or in a privileged pod with hostNetwork"
                .into(),
        ),
        HostError::NotFound { .. } | HostError::Io { .. } => None,
    }
}

fn exec_hint(err: &ExecError) -> Option<String> {
    match err {
        ExecError::NotInstalled { program } => Some(match program.as_str() {
            p if p.starts_with("iptables") => {
                "install iptables (Debian/Ubuntu: apt-get install iptables), or pass a dump with --file"
                    .into()
            }
            "ip" => "install iproute2 (apt-get install iproute2)".into(),
            "modprobe" => "install kmod (apt-get install kmod)".into(),
            p => format!("install {p} or add its directory to PATH"),
        }),
        ExecError::Failed { stderr, .. } if stderr.contains("Permission denied") => {
            Some("this needs CAP_NET_ADMIN: run as root".into())
        }
        ExecError::Failed { .. } | ExecError::Io { .. } => None,
    }
}

/// True when the error is a closed stdout (`k8snet … | head`), which is
/// not a failure.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn attached_hint_wins_and_display_is_transparent() {
        let err = with_hint(anyhow::anyhow!("etcd unreachable"), "check --endpoints");
        assert_eq!(format!("{err:#}"), "etcd unreachable");
        assert_eq!(hint(&err).as_deref(), Some("check --endpoints"));
        let inner = with_hint(
            anyhow::anyhow!("refused").context("10.0.0.1:2379"),
            "start etcd",
        );
        assert_eq!(
            format!("{:#}", inner.context("etcd")),
            "etcd: 10.0.0.1:2379: refused"
        );
        let wrapped = err.context("reading leases");
        assert_eq!(format!("{wrapped:#}"), "reading leases: etcd unreachable");
        assert_eq!(hint(&wrapped).as_deref(), Some("check --endpoints"));
    }

    #[test]
    fn permission_denied_on_a_host_path_suggests_root() {
        let err = anyhow::Error::new(HostError::PermissionDenied {
            path: PathBuf::from("/proc/sys/net/ipv4/ip_forward"),
        });
        assert!(hint(&err).expect("hint").contains("root"));
    }

    #[test]
    fn missing_iptables_suggests_installing_it() {
        let err = anyhow::Error::new(ExecError::NotInstalled {
            program: "iptables-save".into(),
        });
        assert!(
            hint(&err)
                .expect("hint")
                .contains("apt-get install iptables")
        );
    }

    #[test]
    fn broken_pipe_is_recognised_through_context() {
        let err = anyhow::Error::new(std::io::Error::from(std::io::ErrorKind::BrokenPipe))
            .context("writing report");
        assert!(is_broken_pipe(&err));
        assert!(!is_broken_pipe(&anyhow::anyhow!("other")));
    }
}
