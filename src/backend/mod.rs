//! `k8snet backend`: the flannel backend from every source on the node
//! (etcd config when given, /run/flannel/subnet.env,
//! /etc/kube-flannel/net-conf.json, the interfaces flanneld made), which
//! one is in use, whether the sources agree, and whether the MTU chain
//! leaves room for the encapsulation. Also `doctor`'s `backend.*` checks.

pub mod links;
pub mod mtu;
pub mod netconf;
pub mod subnet_env;
pub mod verdict;

use serde::Serialize;

pub use links::{Link, VxlanInfo};
pub use netconf::{BackendConf, NetConf, read_net_conf};
pub use subnet_env::{SubnetEnv, read_subnet_env};
pub use verdict::{Evidence, Source};

use crate::Context;
use crate::cli::BackendArgs;
use crate::report::{Check, Report, Table};

/// What the verdicts concluded.
#[derive(Serialize, Clone, Debug)]
pub struct Verdict {
    /// The backend in use, if any source names one.
    pub backend: Option<String>,
    /// What each source said.
    pub sources: Vec<Source>,
    /// Underlay MTU minus overhead, when computable.
    pub mtu: Option<mtu::Budget>,
    /// `backend.type` and `backend.mtu`.
    #[serde(skip)]
    pub checks: Vec<Check>,
}

/// `k8snet backend`.
pub fn run(ctx: &Context, args: &BackendArgs) -> anyhow::Result<Report> {
    let snapshot = crate::etcd::optional_snapshot(ctx, &args.etcd)?;
    let etcd_backend = snapshot
        .as_ref()
        .and_then(|s| s.config.as_ref())
        .map(|c| c.backend.kind.as_str());
    let (evidence, mut notes) = gather(ctx, etcd_backend)?;
    if let Some(snap) = &snapshot {
        notes.push(format!(
            "etcd {} at {}: {} leases under {}",
            snap.api.as_str(),
            snap.endpoint,
            snap.leases.len(),
            snap.prefix
        ));
    }
    let verdict = judge(&evidence);
    let shown = relevant_links(&evidence, &verdict);
    let mut report = Report::new("backend")
        .with_data("backend", &verdict.backend)
        .with_data("sources", &verdict.sources)
        .with_data("mtu", &verdict.mtu)
        .with_data("subnet_env", &evidence.subnet_env)
        .with_data("net_conf", &evidence.net_conf)
        .with_data("interfaces", &shown);
    report.tables.push(sources_table(&verdict.sources));
    report.tables.push(links_table(&shown));
    report.notes.extend(notes);
    if !ctx.host.is_real_root() {
        report.notes.push(format!(
            "--host-root is {}: /sys/class/net and /proc/net/route there show the network \
             namespace of whoever mounted them (the host's only if mounted from the host's \
             namespace); `ip` details are used only for interfaces whose ifindex matches",
            ctx.host.root().display()
        ));
    }
    report.checks = verdict.checks;
    if let Some(leases) = crate::dataplane::leases(&args.leases, snapshot.as_ref()) {
        report
            .checks
            .extend(crate::dataplane::checks(ctx, &leases, &evidence));
    }
    Ok(report)
}

/// `doctor`'s `backend.type` and `backend.mtu` checks, plus the evidence
/// they were made from (the dataplane checks reuse its interfaces).
/// `etcd_backend` is the etcd config's Backend.Type when doctor read it.
pub fn doctor_checks(ctx: &Context, etcd_backend: Option<&str>) -> (Vec<Check>, Option<Evidence>) {
    match gather(ctx, etcd_backend) {
        Ok((evidence, _)) => (judge(&evidence).checks, Some(evidence)),
        Err(err) => (
            vec![
                Check::error("backend.type", &err),
                Check::skip("backend.mtu", "the backend is unknown: see backend.type"),
            ],
            None,
        ),
    }
}

/// Read every local source; notes say what could not be read.
pub fn gather(
    ctx: &Context,
    etcd_backend: Option<&str>,
) -> anyhow::Result<(Evidence, Vec<String>)> {
    let host = &ctx.host;
    let scan = links::scan(ctx)?;
    let sysctl = |path: &str| -> anyhow::Result<Option<String>> {
        Ok(host.read_optional(path)?.map(|s| s.trim().to_string()))
    };
    let evidence = Evidence {
        etcd_backend: etcd_backend.map(str::to_ascii_lowercase),
        net_conf: read_net_conf(host)?,
        subnet_env: read_subnet_env(host)?,
        links: scan.links,
        default_route: links::default_route(ctx)?,
        kernel: sysctl("/proc/sys/kernel/osrelease")?,
        arch: sysctl("/proc/sys/kernel/arch")?,
    };
    Ok((evidence, scan.notes))
}

/// The verdicts on `evidence`.
pub fn judge(evidence: &Evidence) -> Verdict {
    let overlays = verdict::overlays(&evidence.links);
    let sources = verdict::sources(evidence, &overlays);
    let backend = verdict::in_use(&sources);
    let no_flannel = evidence.etcd_backend.is_none()
        && evidence.net_conf.is_none()
        && evidence.subnet_env.is_none()
        && overlays.is_empty();
    if no_flannel {
        let why = "no flannel on this node: no /run/flannel/subnet.env, no \
                   /etc/kube-flannel/net-conf.json, no flannel devices";
        return Verdict {
            backend,
            sources,
            mtu: None,
            checks: vec![
                Check::skip("backend.type", why),
                Check::skip("backend.mtu", why),
            ],
        };
    }
    let budget = match &backend {
        Some(b) => mtu::budget(b, verdict::underlay(evidence, &overlays)),
        None => Err("no backend known".to_string()),
    };
    let checks = vec![
        verdict::type_check(evidence, &sources, &overlays),
        mtu::mtu_check(evidence, &overlays, budget.as_ref()),
    ];
    Verdict {
        backend,
        sources,
        mtu: budget.ok(),
        checks,
    }
}

/// flannel's devices, the underlay, cni0 and its pod veths.
fn relevant_links(evidence: &Evidence, verdict: &Verdict) -> Vec<Link> {
    let underlay = verdict.mtu.as_ref().map(|b| b.underlay.as_str());
    let overlays = verdict::overlays(&evidence.links);
    evidence
        .links
        .iter()
        .filter(|l| {
            Some(l.name.as_str()) == underlay
                || l.name == "cni0"
                || l.master.as_deref() == Some("cni0")
                || overlays.iter().any(|o| o.link.name == l.name)
        })
        .cloned()
        .collect()
}

fn sources_table(sources: &[Source]) -> Table {
    let mut table = Table::new("flannel backend by source", &["source", "backend", "said"]);
    for s in sources {
        let backend = match (&s.backend, s.inferred) {
            (Some(b), true) => format!("{b}?"),
            (Some(b), false) => b.clone(),
            (None, _) => "-".into(),
        };
        table.push(vec![s.source.clone(), backend, s.said.clone()]);
    }
    table
}

fn links_table(links: &[Link]) -> Table {
    let mut table = Table::new("interfaces", &["name", "kind", "mtu", "address", "details"]);
    for link in links {
        let details = match (&link.vxlan, &link.master) {
            (Some(_), _) => verdict::describe(link),
            (None, Some(master)) => format!("master {master}"),
            (None, None) => String::new(),
        };
        let cell = |v: Option<String>| v.unwrap_or_else(|| "-".into());
        table.push(vec![
            link.name.clone(),
            cell(link.kind.clone()),
            cell(link.mtu.map(|m| m.to_string())),
            cell(link.mac.clone()),
            details,
        ]);
    }
    table
}
