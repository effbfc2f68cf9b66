//! flannel backend detection and MTU (being built).

use crate::Context;
use crate::cli::BackendArgs;
use crate::report::Report;

/// `k8snet backend`.
pub fn run(_ctx: &Context, _args: &BackendArgs) -> anyhow::Result<Report> {
    anyhow::bail!("`k8snet backend` is not available in this build yet")
}
