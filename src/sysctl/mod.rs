//! Sysctls and kernel modules against a profile: `check` (read-only) and
//! `tune` (apply, persist, roll back).

mod key;

pub use key::SysctlKey;

use crate::Context;
use crate::cli::TuneArgs;
use crate::profile::Profile;
use crate::report::Report;

/// `k8snet check`.
pub fn check(_ctx: &Context, profile: &Profile) -> anyhow::Result<Report> {
    Ok(Report::new("check").with_data("profile", &profile.name))
}

/// `k8snet tune`.
pub fn tune(_ctx: &Context, _args: &TuneArgs) -> anyhow::Result<Report> {
    anyhow::bail!("`k8snet tune` is not available in this build yet")
}
