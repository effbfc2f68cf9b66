//! `k8snet doctor`: every applicable check in one report (being built).

use crate::Context;
use crate::cli::DoctorArgs;
use crate::report::Report;

/// `k8snet doctor`.
pub fn run(ctx: &Context, args: &DoctorArgs) -> anyhow::Result<Report> {
    let profile = crate::profile::load(&args.profile.profile)?;
    let mut report = crate::sysctl::check(ctx, &profile)?;
    report.command = "doctor".into();
    Ok(report)
}
