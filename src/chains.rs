//! kube-proxy's KUBE-* chains (being built).

use std::io::Write;

use crate::Context;
use crate::cli::ChainsArgs;
use crate::report::Report;

/// `k8snet chains`.
pub fn run(_ctx: &Context, _args: &ChainsArgs) -> anyhow::Result<Report> {
    anyhow::bail!("`k8snet chains` is not available in this build yet")
}

/// `k8snet chains --raw`.
pub fn write_raw(_ctx: &Context, _args: &ChainsArgs, _out: &mut dyn Write) -> anyhow::Result<()> {
    anyhow::bail!("`k8snet chains` is not available in this build yet")
}
