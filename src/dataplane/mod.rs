//! Does this node's kernel forwarding state match what flannel promised?
//! Routes, neighbours and FDB entries per remote lease, and this node's
//! own VTEP MAC, one line per remote node (check ids `dataplane.*`).

mod compare;
mod kernel;
mod nodes;

pub use kernel::KernelState;
pub use nodes::{NodeLease, from_nodes_json};

use ipnet::Ipv4Net;

use crate::Context;
use crate::report::Check;

/// Compare the kernel's state with `leases`; `own_subnet` is this node's
/// subnet when known (FLANNEL_SUBNET in subnet.env).
pub fn checks(ctx: &Context, leases: &[NodeLease], own_subnet: Option<Ipv4Net>) -> Vec<Check> {
    match kernel::read(ctx) {
        Ok(state) => compare::checks(leases, own_subnet, &state),
        Err(err) => vec![Check::error("dataplane.state", &err)],
    }
}
