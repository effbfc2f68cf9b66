//! Turning a [`Snapshot`] into the report: the `etcd.config` and
//! `etcd.leases` checks (worst problem first, one detail line per problem,
//! a hint per finding code), the tables people read, and the typed JSON
//! payload machines read.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::etcd::analysis::{analyze, human_ttl};
use crate::etcd::config::NetworkConfig;
use crate::etcd::problem::{Problem, ProblemStatus};
use crate::etcd::record::LeaseRecords;
use crate::etcd::{LeaseEntry, Snapshot};
use crate::report::{Check, Metric, Report, Table};

/// Every finding code, most important first, with the fix to suggest.
/// docs/etcd.md lists the same codes.
pub const CODES: &[(&str, &str)] = &[
    (
        "etcd-config-missing",
        "create it, e.g. etcdctl put /coreos.com/network/config '{\"Network\":\"10.244.0.0/16\",\"Backend\":{\"Type\":\"vxlan\"}}' (flannel 0.18+ reads only the v3 keyspace), or fix --prefix",
    ),
    (
        "etcd-config-invalid-json",
        "rewrite the config key as one JSON object; flanneld cannot start with it",
    ),
    (
        "etcd-config-network",
        "set Network (and IPv6Network with EnableIPv6) to the pod CIDR; flanneld refuses the config without it",
    ),
    (
        "etcd-config-invalid-field",
        "fix the field's type or value; flanneld stops on it when it decodes the config",
    ),
    (
        "etcd-config-subnet-len",
        "SubnetLen must be at most 30 and at least the Network prefix + 2; flanneld refuses the config",
    ),
    (
        "etcd-config-subnet-range",
        "SubnetMin/SubnetMax must lie inside Network on a SubnetLen boundary, min below max",
    ),
    (
        "etcd-config-backend-unknown",
        "set Backend.Type to a backend flanneld has: vxlan, host-gw, wireguard, ipip, ipsec, udp, extension, alloc, tencent-vpc",
    ),
    (
        "etcd-config-backend-invalid",
        "fix the backend option; the backend fails to start with it",
    ),
    (
        "etcd-config-udp",
        "set \"Backend\": {\"Type\": \"vxlan\"} in the config and restart flanneld on every node",
    ),
    (
        "etcd-lease-invalid",
        "delete the key (etcdctl del KEY); that node's flanneld writes a new lease when it restarts",
    ),
    (
        "etcd-lease-overlap",
        "two nodes route the same pod addresses: delete the stale lease (compare FLANNEL_SUBNET in each node's /run/flannel/subnet.env) and restart flanneld there",
    ),
    (
        "etcd-lease-duplicate-public-ip",
        "one node holds two leases: delete the one its /run/flannel/subnet.env does not name",
    ),
    (
        "etcd-lease-outside-network",
        "the lease predates a Network change: delete it and restart flanneld on that node",
    ),
    (
        "etcd-lease-prefix-length",
        "the lease predates a SubnetLen change: delete it and restart flanneld on that node",
    ),
    (
        "etcd-lease-backend-mismatch",
        "restart flanneld on that node so it registers with the configured backend",
    ),
    (
        "etcd-lease-expired",
        "check flanneld on that node; a lease it does not renew expires and its pods become unreachable",
    ),
    (
        "etcd-lease-expiring",
        "check flanneld on that node (service or pod); it renews leases 60 min before expiry",
    ),
    (
        "etcd-lease-outside-range",
        "the lease is outside SubnetMin..SubnetMax; widen the range or delete the lease and restart flanneld there",
    ),
    (
        "etcd-lease-invalid-key",
        "a key under subnets/ that flanneld ignores; delete it if nothing else owns it",
    ),
    (
        "etcd-lease-none",
        "no flanneld has registered: check flanneld's --etcd-endpoints and --etcd-prefix",
    ),
];

fn rank(code: &str) -> usize {
    CODES
        .iter()
        .position(|(c, _)| *c == code)
        .unwrap_or(CODES.len())
}

/// The code (from [`CODES`]) of the worst problem: highest status, then
/// the most important code.
fn worst<'a>(problems: impl Iterator<Item = &'a Problem>) -> Option<&'a Problem> {
    problems.min_by_key(|p| (std::cmp::Reverse(p.status), rank(&p.code)))
}

/// A check carrying `code` with its hint; `code` must be one of [`CODES`].
fn finding(id: &str, status: ProblemStatus, summary: String, code: &str) -> Check {
    let (static_code, hint) = CODES
        .iter()
        .find(|(c, _)| *c == code)
        .copied()
        .unwrap_or(("etcd-problem", ""));
    debug_assert_ne!(static_code, "etcd-problem", "{code} is missing from CODES");
    Check::new(id, status.status(), summary)
        .code(static_code)
        .hint(hint)
}

/// `etcd.config`.
pub fn config_check(snap: &Snapshot) -> Check {
    let key = format!("{}/config", snap.prefix);
    let cfg = match (&snap.config, &snap.config_error) {
        (_, Some(e)) => {
            return finding(
                "etcd.config",
                ProblemStatus::Fail,
                format!("{key} is not a JSON object: {e}"),
                "etcd-config-invalid-json",
            );
        }
        (None, None) => {
            return finding(
                "etcd.config",
                ProblemStatus::Fail,
                format!("no flannel config at {key}"),
                "etcd-config-missing",
            );
        }
        (Some(cfg), None) => cfg,
    };
    let Some(top) = worst(cfg.problems.iter()) else {
        return Check::ok("etcd.config", describe(cfg));
    };
    let mut check = finding("etcd.config", top.status, top.message.clone(), &top.code);
    if cfg.problems.len() > 1 {
        for p in &cfg.problems {
            check = check.detail(format!("{}: {}", p.code, p.message));
        }
    }
    check
}

/// "Network 10.244.0.0/16, /24 leases 10.244.1.0..10.244.255.0, backend vxlan".
fn describe(cfg: &NetworkConfig) -> String {
    let mut parts = Vec::new();
    if let (Some(net), Some(len), Some(min), Some(max)) =
        (cfg.network, cfg.subnet_len, cfg.subnet_min, cfg.subnet_max)
    {
        parts.push(format!("Network {net}, /{len} leases {min}..{max}"));
    }
    if let (Some(net), Some(len)) = (cfg.ipv6_network, cfg.ipv6_subnet_len) {
        parts.push(format!("IPv6Network {net}, /{len} leases"));
    }
    parts.push(format!("backend {}", cfg.backend.kind));
    parts.join(", ")
}

/// Problems of every lease, in snapshot order.
pub fn lease_problems(snap: &Snapshot) -> Vec<Vec<Problem>> {
    analyze(snap.config.as_ref(), &snap.leases)
}

/// `etcd.leases`: one check for all leases, one detail per problem.
pub fn leases_check(snap: &Snapshot, problems: &[Vec<Problem>]) -> Check {
    let bad_keys: Vec<(String, Problem)> = snap
        .bad_keys
        .iter()
        .map(|b| {
            (
                b.key.clone(),
                Problem::warn("etcd-lease-invalid-key", b.error.clone()),
            )
        })
        .collect();
    let found: Vec<(String, &Problem)> = snap
        .leases
        .iter()
        .zip(problems)
        .flat_map(|(lease, list)| list.iter().map(|p| (lease.subnets(), p)))
        .chain(bad_keys.iter().map(|(key, p)| (key.clone(), p)))
        .collect();
    let total = snap.leases.len();
    let metric = Metric::new(
        "k8snet_etcd_leases",
        "flannel subnet leases in etcd.",
        total as f64,
    );
    if total == 0 && found.is_empty() {
        let summary = format!("no leases under {}/subnets/", snap.prefix);
        return finding(
            "etcd.leases",
            ProblemStatus::Warn,
            summary,
            "etcd-lease-none",
        )
        .metric(metric);
    }
    let Some(top) = worst(found.iter().map(|(_, p)| *p)) else {
        return Check::ok("etcd.leases", format!("{total} leases, none with problems"))
            .metric(metric);
    };
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for (_, p) in &found {
        *counts.entry(p.code.as_str()).or_default() += 1;
    }
    let affected = problems.iter().filter(|l| !l.is_empty()).count() + snap.bad_keys.len();
    let listed: Vec<String> = counts
        .iter()
        .map(|(code, n)| format!("{n} {code}"))
        .collect();
    let summary = format!(
        "{affected} of {} leases have problems: {}",
        total + snap.bad_keys.len(),
        listed.join(", ")
    );
    let mut check = finding("etcd.leases", top.status, summary, &top.code).metric(metric);
    for (code, n) in counts {
        check = check.metric(
            Metric::new(
                "k8snet_etcd_lease_problems",
                "flannel leases with a problem, per finding code.",
                n as f64,
            )
            .label("code", code),
        );
    }
    for (subject, p) in &found {
        check = check.detail(format!("{subject}: {} ({})", p.message, p.code));
    }
    check
}

fn source_data(report: Report, snap: &Snapshot) -> Report {
    let mut report = report
        .with_data(
            "etcd",
            &serde_json::json!({"endpoint": snap.endpoint, "api": snap.api, "prefix": snap.prefix}),
        )
        .with_data("config", &snap.config);
    if let Some(e) = &snap.config_error {
        report = report.with_data("config_error", e);
    }
    report.notes.push(format!(
        "read {} over etcd {} from {}",
        snap.prefix,
        snap.api.as_str(),
        snap.endpoint
    ));
    report.notes.extend(snap.notes.iter().cloned());
    report
}

/// `k8snet etcd config`.
pub fn config_report(snap: &Snapshot) -> Report {
    let mut report = source_data(Report::new("etcd config"), snap);
    if let Some(cfg) = &snap.config {
        report.tables.push(config_table(cfg, &snap.prefix));
    }
    report.checks.push(config_check(snap));
    report
}

const FIELD_ORDER: &[&str] = &[
    "Network",
    "SubnetLen",
    "SubnetMin",
    "SubnetMax",
    "EnableIPv4",
    "EnableIPv6",
    "IPv6Network",
    "IPv6SubnetLen",
    "IPv6SubnetMin",
    "IPv6SubnetMax",
    "EnableNFTables",
    "Backend.Type",
];

/// Field, value and whether the value is stored or flannel's default.
fn config_table(cfg: &NetworkConfig, prefix: &str) -> Table {
    let mut table = Table::new(format!("{prefix}/config"), &["field", "value", "source"]);
    let mut rows = Vec::new();
    if let Ok(Value::Object(map)) = serde_json::to_value(cfg) {
        for (name, value) in map {
            match (name.as_str(), value) {
                ("defaulted" | "problems", _) | (_, Value::Null) => {}
                ("Backend", Value::Object(backend)) => {
                    rows.extend(
                        backend
                            .into_iter()
                            .map(|(k, v)| (format!("Backend.{k}"), v)),
                    );
                }
                (_, value) => rows.push((name, value)),
            }
        }
    }
    // The order of flannel's own docs, not the JSON map's alphabetical one.
    rows.sort_by_key(|(name, _)| {
        FIELD_ORDER
            .iter()
            .position(|f| name == f)
            .unwrap_or(FIELD_ORDER.len())
    });
    for (name, value) in rows {
        let source = if cfg.defaulted.contains(&name) {
            "default"
        } else {
            "stored"
        };
        let shown = match value {
            Value::String(s) => s,
            other => other.to_string(),
        };
        table.push(vec![name, shown, source.into()]);
    }
    table
}

/// `k8snet etcd leases`; the table of leases only for a `listing`. The
/// leases move into the report, which writes them when it is rendered.
pub fn leases_report(mut snap: Snapshot, listing: bool) -> Report {
    let problems = lease_problems(&snap);
    let table = listing.then(|| leases_table(&snap, &problems));
    let checks = vec![config_check(&snap), leases_check(&snap, &problems)];
    let leases = LeaseRecords::new(std::mem::take(&mut snap.leases), problems);
    let mut report = source_data(Report::new("etcd leases"), &snap)
        .with_deferred("leases", leases)
        .with_data("bad_keys", &snap.bad_keys);
    report.tables.extend(table);
    report.checks = checks;
    report
}

fn leases_table(snap: &Snapshot, problems: &[Vec<Problem>]) -> Table {
    let columns = [
        "subnet",
        "public ip",
        "backend",
        "vtep mac",
        "vni",
        "wg key",
        "ttl",
        "problems",
    ];
    let mut table = Table::new(format!("{}/subnets/", snap.prefix), &columns);
    for (lease, list) in snap.leases.iter().zip(problems) {
        table.push(lease_row(lease, list));
    }
    table
}

fn lease_row(lease: &LeaseEntry, problems: &[Problem]) -> Vec<String> {
    let dash = || "-".to_string();
    let (ip, backend, mac, vni, key) = match &lease.attrs {
        Ok(a) => (
            a.public_ip.to_string(),
            a.backend().to_string(),
            a.vtep_mac.clone().unwrap_or_else(dash),
            a.vni.map_or_else(dash, |v| v.to_string()),
            a.wireguard_public_key.clone().unwrap_or_else(dash),
        ),
        Err(_) => (dash(), "(invalid)".into(), dash(), dash(), dash()),
    };
    let ttl = lease.ttl.map_or_else(|| "no TTL".into(), human_ttl);
    let codes: Vec<&str> = problems
        .iter()
        .map(|p| p.code.trim_start_matches("etcd-lease-"))
        .collect();
    let codes = if codes.is_empty() {
        "-".to_string()
    } else {
        codes.join(",")
    };
    vec![lease.subnets(), ip, backend, mac, vni, key, ttl, codes]
}
