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
use crate::cli::LeaseSourceArgs;
use crate::report::Check;

/// Leases from `--nodes-file` or `--leases-file`; `None` when neither was
/// given (the caller then uses etcd's leases, if any).
pub fn leases_from_files(args: &LeaseSourceArgs) -> Option<anyhow::Result<Vec<NodeLease>>> {
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
    let path = args.nodes_file.as_ref()?;
    Some(
        read(path)
            .and_then(|text| from_nodes_json(&text).map(|(leases, _)| leases))
            .with_context(|| format!("reading nodes from {}", path.display())),
    )
}

/// Compare the kernel's state with `leases`. This node's own lease is the
/// one FLANNEL_SUBNET (subnet.env) names, else the one holding the VXLAN
/// device's address.
pub fn checks(ctx: &Context, leases: &anyhow::Result<Vec<NodeLease>>) -> Vec<Check> {
    let leases = match leases {
        Ok(leases) => leases,
        Err(err) => return vec![Check::error("dataplane.leases", err)],
    };
    let own_subnet = crate::backend::read_subnet_env(&ctx.host)
        .ok()
        .flatten()
        .and_then(|env| env.subnet);
    match kernel::read(ctx) {
        Ok(state) => compare::checks(leases, own_subnet, &state),
        Err(err) => vec![Check::error("dataplane.state", &err)],
    }
}
