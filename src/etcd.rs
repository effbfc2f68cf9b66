//! flannel's network config and subnet leases in etcd (being built).

use crate::Context;
use crate::cli::EtcdCommand;
use crate::report::Report;

/// `k8snet etcd config|leases`.
pub fn run(_ctx: &Context, _command: &EtcdCommand) -> anyhow::Result<Report> {
    anyhow::bail!("`k8snet etcd` is not available in this build yet")
}
