//! Sysctls and kernel modules against a profile: `check` (read-only) and
//! `tune` (apply, persist, roll back), with boot persistence, conntrack
//! capacity and namespace scope. All node access goes through `Host`; the
//! `sysctl` crate is not used because it hard-codes /proc/sys and mangles
//! keys with dots in a component (see key.rs).

mod boot;
mod check;
mod compare;
mod conntrack;
mod key;
mod live;
mod modules;
mod scope;
mod state;
mod tune;

pub use check::{Evaluation, KeyState};
pub use key::SysctlKey;
pub use tune::tune;

use crate::Context;
use crate::profile::Profile;
use crate::report::{Check, Report};

/// `k8snet check`: one check per module and key, with boot persistence,
/// conntrack capacity and namespace scope.
pub fn check(ctx: &Context, profile: &Profile) -> anyhow::Result<Report> {
    let (evaluation, checks) = check::evaluate(&ctx.host, profile);
    let mut report = Report::new("check").with_data("evaluation", &evaluation);
    report.checks = checks;
    Ok(report)
}

/// The same checks, for `doctor`.
pub fn doctor_checks(ctx: &Context, profile: &Profile) -> Vec<Check> {
    check::evaluate(&ctx.host, profile).1
}
