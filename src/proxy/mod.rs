//! `k8snet proxy`: kube-proxy's mode from every signal on the node, and
//! KUBE rules split across the iptables-legacy and iptables-nft backends.
//!
//! `probe` asks each source, this module reads the iptables backends
//! through [`crate::chains`], and `verdict` turns the evidence into the
//! `proxy.mode` and `proxy.iptables-backends` checks.

mod probe;
mod verdict;

use serde::Serialize;

use crate::Context;
use crate::chains::{self, Backend, Era, source};
use crate::cli::ProxyArgs;
use crate::report::{Check, Report, Table};

pub use probe::{Mode, Signal};

/// The default metrics address (`ProxyStatusPort` 10249 on loopback,
/// `pkg/cluster/ports/ports.go`, FORMATS.md B.2).
pub const DEFAULT_METRICS_ADDRESS: &str = "127.0.0.1:10249";

/// KUBE rules in one iptables backend.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct BackendRules {
    /// Which backend.
    pub backend: Backend,
    /// Rules in KUBE-* chains, all tables.
    pub kube_rules: usize,
    /// kubelet's KUBE-IPTABLES-HINT / KUBE-KUBELET-CANARY is declared here.
    pub kubelet_hint: bool,
    /// The mode its chains show.
    pub mode: Option<Mode>,
}

/// Everything the probes found.
#[derive(Serialize, Debug, Default)]
pub struct Evidence {
    /// Each source and what it said, /proxyMode first.
    pub signals: Vec<Signal>,
    /// The iptables backends that could be read.
    pub backends: Vec<BackendRules>,
    /// The backend kube-proxy uses, when KUBE rules exist.
    pub in_use: Option<Backend>,
    /// Why the iptables rules could not be read at all.
    pub iptables_error: Option<String>,
    /// The error's hint.
    #[serde(skip)]
    pub iptables_hint: Option<String>,
}

fn mode_of(era: Option<Era>) -> Option<Mode> {
    era.map(|era| match era {
        Era::Userspace => Mode::Userspace,
        Era::Ipvs => Mode::Ipvs,
        Era::Iptables11 | Era::Iptables | Era::IptablesXlb | Era::IptablesExt => Mode::Iptables,
    })
}

/// Read every iptables backend into `evidence`.
fn iptables(ctx: &Context, evidence: &mut Evidence) {
    let captures = match source::capture(&ctx.host.exec) {
        Ok(captures) => captures,
        Err(e) if source::not_installed(&e) => {
            evidence
                .signals
                .push(Signal::new("iptables", None, "not installed"));
            return;
        }
        Err(e) => {
            evidence
                .signals
                .push(Signal::new("iptables", None, format!("{e:#}")));
            evidence.iptables_hint = crate::error::hint(&e);
            evidence.iptables_error = Some(format!("{e:#}"));
            return;
        }
    };
    let mut parsed = Vec::new();
    for capture in &captures {
        let tool = capture.backend.tool();
        match chains::parse(&capture.text) {
            Err(e) => {
                evidence
                    .signals
                    .push(Signal::new(tool, None, format!("unreadable dump: {e}")))
            }
            Ok(dump) => {
                let rules = BackendRules {
                    backend: capture.backend,
                    kube_rules: source::kube_rules(&dump),
                    kubelet_hint: source::has_kubelet_hint(&dump),
                    mode: mode_of(chains::era_of(&dump)),
                };
                let era = chains::era_of(&dump);
                let said = match (rules.kube_rules, era) {
                    (0, _) => "no KUBE rules".to_string(),
                    (n, Some(era)) => format!("{n} KUBE rules: {}", era.describe()),
                    (n, None) => {
                        format!("{n} KUBE rules, but no kube-proxy service chains (kubelet's only)")
                    }
                };
                evidence.signals.push(Signal::new(tool, rules.mode, said));
                evidence.backends.push(rules);
                parsed.push((capture.backend, dump));
            }
        }
    }
    let views: Vec<(Backend, &chains::Dump<'_>)> = parsed.iter().map(|(b, d)| (*b, d)).collect();
    evidence.in_use = source::in_use(&views)
        .and_then(|i| views.get(i))
        .map(|(b, _)| *b);
}

/// Ask every source.
pub fn gather(ctx: &Context, metrics_address: &str) -> Evidence {
    ctx.progress.show("asking kube-proxy…");
    let mut evidence = Evidence {
        signals: vec![probe::proxy_mode(metrics_address)],
        ..Evidence::default()
    };
    iptables(ctx, &mut evidence);
    evidence.signals.push(probe::ipvs_device(&ctx.host));
    evidence.signals.extend(probe::ipsets(&ctx.host.exec));
    evidence.signals.extend(probe::nftables(&ctx.host.exec));
    ctx.progress.clear();
    evidence
}

/// `k8snet proxy`.
pub fn run(ctx: &Context, args: &ProxyArgs) -> anyhow::Result<Report> {
    let evidence = gather(ctx, &args.metrics_address);
    let mut table = Table::new("signals", &["source", "mode", "said"]);
    for signal in &evidence.signals {
        table.push(vec![
            signal.source.clone(),
            signal.mode.map(Mode::as_str).unwrap_or("-").to_string(),
            signal.said.clone(),
        ]);
    }
    let mut report = Report::new("proxy");
    report.tables.push(table);
    report.checks = verdict::checks(&evidence);
    Ok(report
        .with_data("mode", &verdict::mode(&evidence))
        .with_data("signals", &evidence.signals)
        .with_data("backends", &evidence.backends)
        .with_data("in_use", &evidence.in_use))
}

/// doctor's `proxy.mode` and `proxy.iptables-backends`.
pub fn doctor_checks(ctx: &Context) -> Vec<Check> {
    verdict::checks(&gather(ctx, DEFAULT_METRICS_ADDRESS))
}
