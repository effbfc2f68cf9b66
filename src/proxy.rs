//! kube-proxy mode detection (being built).

use crate::Context;
use crate::cli::ProxyArgs;
use crate::report::Report;

/// `k8snet proxy`.
pub fn run(_ctx: &Context, _args: &ProxyArgs) -> anyhow::Result<Report> {
    anyhow::bail!("`k8snet proxy` is not available in this build yet")
}
