//! Does this node's kernel forwarding state match what flannel promised?
//! Routes, neighbours and FDB entries per remote lease, and this node's
//! own VTEP MAC, one line per remote node (check ids `dataplane.*`).

mod compare;
mod kernel;
mod nodes;

pub use kernel::KernelState;
pub use nodes::{NodeLease, from_etcd, from_nodes_json};

use anyhow::Context as _;

use crate::Context;
use crate::backend::Evidence;
use crate::cli::LeaseSourceArgs;
use crate::etcd::Snapshot;
use crate::report::Check;

/// Leases from `--leases-file` or `--nodes-file`, else from etcd's
/// snapshot; `None` when there are none to compare with.
pub fn leases(
    args: &LeaseSourceArgs,
    snapshot: Option<&Snapshot>,
) -> Option<anyhow::Result<Vec<NodeLease>>> {
    let read =
        |path: &std::path::Path| crate::host::read_user_file(path).map_err(anyhow::Error::new);
    if let Some(path) = &args.leases_file {
        return Some(
            read(path)
                .and_then(|text| crate::etcd::leases_from_json(&text))
                .map(|entries| from_etcd(&entries))
                .with_context(|| format!("reading leases from {}", path.display())),
        );
    }
    if let Some(path) = &args.nodes_file {
        return Some(
            read(path)
                .and_then(|text| from_nodes_json(&text).map(|(leases, _)| leases))
                .with_context(|| format!("reading nodes from {}", path.display())),
        );
    }
    snapshot
        .filter(|s| !s.leases.is_empty())
        .map(|s| Ok(from_etcd(&s.leases)))
}

/// Compare the kernel's state with `leases`. `local` is what the backend
/// checks read from the node: its interfaces, and subnet.env, whose
/// FLANNEL_SUBNET names this node's own lease (else the lease holding the
/// VXLAN device's address does).
pub fn checks(
    ctx: &Context,
    leases: &anyhow::Result<Vec<NodeLease>>,
    local: &Evidence,
) -> Vec<Check> {
    let leases = match leases {
        Ok(leases) => leases,
        Err(err) => return vec![Check::error("dataplane.leases", err)],
    };
    let own_subnet = local.subnet_env.as_ref().and_then(|env| env.subnet);
    match kernel::read(ctx, &local.links) {
        Ok(state) => compare::checks(leases, own_subnet, &state),
        Err(err) => vec![Check::error("dataplane.state", &err)],
    }
}
