//! The `chains` report: the service table, the typed payload, notes on
//! where the rules came from, and the `proxy.services` check.

use std::fmt::Write as _;

use serde::Serialize;

use crate::report::{Check, Metric, Report, Status, Table};

use super::model::{Era, Policy, ServicePort};
use super::parse::Dump;
use super::services::{Services, era_of, extract};
use super::source::{self, Backend, Parsed};

/// Check id of the services-without-endpoints check.
pub const CHECK_ID: &str = "proxy.services";

/// Another backend's KUBE rules, shown next to the one in use.
#[derive(Serialize)]
struct OtherBackend {
    origin: String,
    backend: Backend,
    kube_rules: usize,
}

/// What the report needs from the dumps, owned, so the dump text can be
/// freed before the report is built (peak memory stays near the dump's
/// size).
pub struct Extracted {
    origin: String,
    backend: Backend,
    rules: usize,
    kube_rules: usize,
    services: Services,
    others: Vec<OtherBackend>,
}

/// The dump to read services from: the backend kube-proxy uses (see
/// [`source::in_use`]) when it holds kube-proxy's service chains, else any
/// backend that does (a stale copy is better than an empty table; the
/// notes say which it is).
fn pick<'d, 'a>(dumps: &'d [Parsed<'a>]) -> Option<&'d Parsed<'a>> {
    // A single dump (a file, or the one backend installed) is the one
    // whatever it holds; the tests below read all of a big table's chains.
    if let [only] = dumps {
        return Some(only);
    }
    let views: Vec<(Backend, &Dump<'_>)> = dumps.iter().map(|p| (p.backend, &p.dump)).collect();
    let used = source::in_use(&views).and_then(|i| dumps.get(i));
    used.filter(|p| era_of(&p.dump).is_some())
        .or_else(|| dumps.iter().find(|p| era_of(&p.dump).is_some()))
        .or(used)
        .or_else(|| dumps.first())
}

impl Extracted {
    /// Services of the dump kube-proxy uses, and a word on the others.
    pub fn from_dumps(dumps: &[Parsed<'_>]) -> Extracted {
        let Some(Parsed {
            origin,
            backend,
            dump,
        }) = pick(dumps)
        else {
            return Extracted {
                origin: String::new(),
                backend: Backend::Unknown,
                rules: 0,
                kube_rules: 0,
                services: Services::default(),
                others: Vec::new(),
            };
        };
        let others = dumps
            .iter()
            .filter(|p| p.origin != *origin)
            .map(|p| OtherBackend {
                origin: p.origin.clone(),
                backend: p.backend,
                kube_rules: source::kube_rules(&p.dump),
            })
            .filter(|o| o.kube_rules > 0)
            .collect();
        Extracted {
            origin: origin.clone(),
            backend: *backend,
            rules: dump.rule_count(),
            kube_rules: source::kube_rules(dump),
            services: extract(dump),
            others,
        }
    }
}

/// Build the report of `k8snet chains`; the services table only for a
/// `listing`.
pub fn report(mut found: Extracted, filter: Option<&str>, listing: bool) -> Report {
    let check = check(&found);
    let mut report = Report::new("chains");
    report.notes = notes(&found);
    let mut ports = std::mem::take(&mut found.services.ports);
    if let Some(f) = filter {
        ports.retain(|p| p.name.matches(f));
        if ports.is_empty() {
            report
                .notes
                .push(format!("no service port matches --service {f}"));
        }
    }
    for other in &found.others {
        report.notes.push(format!(
            "{} also holds {} KUBE rules; see `k8snet proxy` for which backend is stale",
            other.backend.tool(),
            other.kube_rules
        ));
    }
    report.checks.push(check);
    if listing {
        report.tables.push(table(&ports));
    }
    // The service ports are the bulk of the payload (10,000 on a big
    // cluster): they are written straight to the output, and only if the
    // output is JSON or YAML.
    report
        .with_data("source", &found.origin)
        .with_data("backend", &found.backend)
        .with_data("era", &found.services.era)
        .with_data("large_cluster", &found.services.large_cluster)
        .with_data("rules", &found.rules)
        .with_data("other_backends", &found.others)
        .with_deferred("services", ports)
}

fn notes(found: &Extracted) -> Vec<String> {
    let services = &found.services;
    let mut notes = vec![format!(
        "read {} rules from {} ({})",
        found.rules,
        found.origin,
        found.backend.tool()
    )];
    match services.era {
        Some(era) => notes.push(format!("kube-proxy mode: {}", era.describe())),
        None => notes.push("no kube-proxy chains in the nat table".into()),
    }
    if services.large_cluster {
        notes.push(
            "large-cluster mode: endpoint rules carry no comments; services were followed from KUBE-SERVICES by their jumps".into(),
        );
    }
    notes
}

fn table(ports: &[Box<ServicePort>]) -> Table {
    let mut table = Table::new(
        "services",
        &[
            "service",
            "proto",
            "cluster ip",
            "node port",
            "external",
            "endpoints",
            "affinity",
            "policy",
        ],
    );
    for port in ports {
        let external: Vec<&str> = port
            .external_ips
            .iter()
            .chain(&port.load_balancer_ips)
            .map(String::as_str)
            .collect();
        table.push(vec![
            port.name.full().to_string(),
            port.protocol.to_string(),
            port.cluster_ip.clone().unwrap_or_default(),
            port.node_port.map(|p| p.to_string()).unwrap_or_default(),
            external.join("\n"),
            endpoints_cell(port),
            port.affinity
                .map(|a| format!("ClientIP {}s", a.timeout_seconds))
                .unwrap_or_default(),
            policy_cell(port),
        ]);
    }
    table
}

fn endpoints_cell(port: &ServicePort) -> String {
    if !port.endpoints_visible {
        let via = port
            .proxy_port
            .map(|p| format!(" (proxy port {p})"))
            .unwrap_or_default();
        return format!("in kube-proxy{via}");
    }
    if port.endpoints.is_empty() {
        return "NONE".into();
    }
    // One string written in place: 10,000 services' cells were 60,000
    // small strings joined.
    let mut cell = String::with_capacity(port.endpoints.len() * 24);
    for (i, e) in port.endpoints.iter().enumerate() {
        let newline = if i == 0 { "" } else { "\n" };
        let _ = write!(cell, "{newline}{} {:.1}%", e.address, e.share * 100.0);
    }
    if let Some(local) = &port.local_endpoints {
        let _ = write!(cell, "\nlocal: {}", local.len());
    }
    cell
}

fn policy_cell(port: &ServicePort) -> String {
    let mut parts = Vec::new();
    if port.internal_policy == Policy::Local {
        parts.push("internal Local");
    }
    if port.external_policy == Policy::Local {
        parts.push("external Local");
    }
    if port.no_local_endpoints {
        parts.push("no local endpoints");
    }
    parts.join(", ")
}

/// `proxy.services`: service ports without (local) endpoints.
pub fn check(found: &Extracted) -> Check {
    let services = &found.services;
    if found.kube_rules == 0 || services.era.is_none() {
        return Check::skip(
            CHECK_ID,
            "no kube-proxy service chains in iptables on this node",
        );
    }
    if services.era == Some(Era::Ipvs) {
        return Check::skip(
            CHECK_ID,
            "kube-proxy runs in ipvs mode: services are IPVS virtual servers, not iptables rules",
        );
    }
    let total = services.ports.len();
    let (ports, served) = match total {
        1 => ("1 service port".to_string(), "with endpoints"),
        n => (format!("{n} service ports"), "each with endpoints"),
    };
    let empty: Vec<&ServicePort> = services
        .ports
        .iter()
        .map(|p| &**p)
        .filter(|p| p.endpoints_visible && (p.no_endpoints || p.no_local_endpoints))
        .collect();
    let metrics = [
        Metric::new(
            "k8snet_proxy_service_ports",
            "Service ports in kube-proxy's rules",
            total as f64,
        ),
        Metric::new(
            "k8snet_proxy_service_ports_without_endpoints",
            "Service ports kube-proxy has no (local) endpoints for",
            empty.len() as f64,
        ),
    ];
    let hidden = services
        .ports
        .iter()
        .filter(|p| !p.endpoints_visible)
        .count();
    let mut check = if empty.is_empty() && hidden > 0 {
        Check::ok(
            CHECK_ID,
            format!(
                "{ports}; {hidden} proxied in user space, whose endpoints iptables does not show"
            ),
        )
    } else if empty.is_empty() {
        Check::ok(CHECK_ID, format!("{ports}, {served}"))
    } else {
        let none = empty.iter().filter(|p| p.no_endpoints).count();
        let mut parts = Vec::new();
        if none > 0 {
            parts.push(format!("{none} of {total} service ports have no endpoints"));
        }
        if empty.len() > none {
            parts.push(format!(
                "{} of {total} have no local endpoints for external traffic",
                empty.len() - none
            ));
        }
        Check::new(CHECK_ID, Status::Warn, parts.join("; "))
            .code("proxy-service-no-endpoints")
            .hint("check the Service's selector and that its pods are Ready: kubectl get endpointslices -n NS -l kubernetes.io/service-name=NAME")
    };
    for port in empty {
        let what = if port.no_endpoints {
            "no endpoints"
        } else {
            "no local endpoints for external traffic"
        };
        let addr = port.cluster_ip.as_deref().unwrap_or("-");
        check = check.detail(format!(
            "{} ({}) {addr}: {what}",
            port.name.full(),
            port.protocol
        ));
    }
    metrics.into_iter().fold(check, Check::metric)
}
