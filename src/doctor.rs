//! `k8snet doctor`: every check that applies to this node in one report.
//!
//! Areas run in the order a person debugs a node: host settings first
//! (namespace, modules, sysctls, persistence, conntrack), then tools,
//! then flannel (etcd, backend) and kube-proxy, then CPU steal. A check
//! whose subject is absent is `skip` with the reason; a check that cannot
//! run is `error` (exit 2), and the others still run.

use crate::Context;
use crate::backend::Evidence;
use crate::cli::DoctorArgs;
use crate::etcd::Snapshot;
use crate::glob;
use crate::profile;
use crate::report::{Check, Report};

/// `--skip` and `--only`, as globs over check ids.
pub struct Selection {
    skip: Vec<String>,
    only: Vec<String>,
}

impl Selection {
    /// From the command line.
    pub fn new(skip: &[String], only: &[String]) -> Self {
        Selection {
            skip: skip.to_vec(),
            only: only.to_vec(),
        }
    }

    /// Whether check `id` is wanted.
    pub fn includes(&self, id: &str) -> bool {
        let only = self.only.is_empty() || self.only.iter().any(|p| glob::matches(p, id));
        only && !self.skip.iter().any(|p| glob::matches(p, id))
    }

    /// Whether any check of `area` can be wanted, so slow areas (steal
    /// sampling, etcd) do not run at all when excluded. `ids` are the
    /// area's fixed ids; areas with per-item ids are covered by patterns
    /// that name the area.
    pub fn runs_area(&self, area: &str, ids: &[&str]) -> bool {
        // No real id contains U+0001: a pattern matches this probe only
        // when a wildcard covers everything after the area's dot.
        let probe = format!("{area}.\u{1}");
        let matched = |patterns: &[String], id: &str| patterns.iter().any(|p| glob::matches(p, id));
        let skipped = matched(&self.skip, &probe)
            || (!ids.is_empty() && ids.iter().all(|id| matched(&self.skip, id)));
        let prefix = format!("{area}.");
        let reachable = self.only.is_empty()
            || matched(&self.only, &probe)
            || ids.iter().any(|id| matched(&self.only, id))
            || self.only.iter().any(|p| p.starts_with(&prefix));
        !skipped && reachable
    }
}

/// Run doctor.
pub fn run(ctx: &Context, args: &DoctorArgs) -> anyhow::Result<Report> {
    let profile = profile::load(&args.profile.profile)?;
    let selection = Selection::new(&args.skip, &args.only);
    let mut checks = Vec::new();
    ctx.progress.show("checking sysctls and modules");
    checks.extend(crate::sysctl::doctor_checks(ctx, &profile));
    checks.extend(crate::tools::checks(ctx));
    let flannel_wanted = ["etcd", "backend", "dataplane"]
        .iter()
        .any(|area| selection.runs_area(area, &[]));
    let snapshot = if flannel_wanted {
        let (etcd_checks, snapshot) = crate::etcd::doctor_checks(ctx, &args.etcd);
        checks.extend(etcd_checks);
        snapshot
    } else {
        None
    };
    let etcd_backend = snapshot
        .as_ref()
        .and_then(|s| s.config.as_ref())
        .map(|c| c.backend.kind.as_str());
    ctx.progress.show("checking the flannel backend");
    let (backend_checks, local) = crate::backend::doctor_checks(ctx, etcd_backend);
    checks.extend(backend_checks);
    if selection.runs_area("dataplane", &["dataplane.vtep", "dataplane.extra"]) {
        checks.extend(dataplane_checks(
            ctx,
            args,
            snapshot.as_ref(),
            local.as_ref(),
        ));
    }
    if selection.runs_area(
        "proxy",
        &["proxy.mode", "proxy.iptables-backends", "proxy.services"],
    ) {
        ctx.progress.show("reading kube-proxy's rules");
        checks.extend(crate::proxy::doctor_checks(ctx));
        checks.extend(crate::chains::doctor_checks(ctx));
    }
    if selection.runs_area("cpu", &["cpu.steal"]) {
        checks.extend(crate::steal::doctor_checks(
            ctx,
            args.steal_interval,
            profile.steal,
        ));
    }
    ctx.progress.clear();
    let mut report = Report::new("doctor").with_data("profile", &profile.name);
    report.checks = checks
        .into_iter()
        .filter(|c| selection.includes(&c.id))
        .collect();
    Ok(report)
}

/// The dataplane checks, with leases from the file the user named, else
/// from etcd, against the interfaces the backend checks read.
fn dataplane_checks(
    ctx: &Context,
    args: &DoctorArgs,
    snapshot: Option<&Snapshot>,
    local: Option<&Evidence>,
) -> Vec<Check> {
    let Some(local) = local else {
        return vec![Check::skip(
            "dataplane.state",
            "the node's interfaces could not be read: see backend.type",
        )];
    };
    match crate::dataplane::leases(&args.leases, snapshot) {
        Some(leases) => crate::dataplane::checks(ctx, &leases, local),
        None => vec![Check::skip(
            "dataplane.leases",
            "no leases: configure etcd, or pass --nodes-file or --leases-file",
        )],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sel(skip: &[&str], only: &[&str]) -> Selection {
        let owned = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        Selection::new(&owned(skip), &owned(only))
    }

    #[test]
    fn skip_and_only_use_globs() {
        let s = sel(&["cpu.*"], &[]);
        assert!(!s.includes("cpu.steal"));
        assert!(s.includes("sysctl.net.ipv4.ip_forward"));
        let s = sel(&["boot.*"], &["sysctl.*", "boot.*"]);
        assert!(s.includes("sysctl.net.ipv4.ip_forward"));
        assert!(!s.includes("boot.net.ipv4.ip_forward"));
        assert!(!s.includes("etcd.leases"));
    }

    #[test]
    fn slow_areas_are_not_run_when_excluded() {
        let cpu = ["cpu.steal"];
        let etcd = ["etcd.config", "etcd.leases"];
        assert!(!sel(&["cpu.steal"], &[]).runs_area("cpu", &cpu));
        assert!(!sel(&[], &["sysctl.*"]).runs_area("cpu", &cpu));
        assert!(sel(&[], &["cpu.steal"]).runs_area("cpu", &cpu));
        assert!(sel(&[], &["*.steal"]).runs_area("cpu", &cpu));
        assert!(sel(&["etcd.config"], &[]).runs_area("etcd", &etcd));
        assert!(!sel(&["etcd.*"], &[]).runs_area("etcd", &etcd));
        assert!(!sel(&["*"], &[]).runs_area("dataplane", &[]));
        assert!(sel(&[], &["dataplane.node-2"]).runs_area("dataplane", &[]));
        assert!(!sel(&[], &["etcd.*"]).runs_area("dataplane", &[]));
    }
}
