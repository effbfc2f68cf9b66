//! From evidence to findings: which mode kube-proxy runs in, whether the
//! signals agree, and whether KUBE rules live in both iptables backends.

use std::collections::BTreeSet;

use crate::chains::Backend;
use crate::report::{Check, Status};

use super::probe::Mode;
use super::{BackendRules, Evidence};

/// Check ids.
const MODE_ID: &str = "proxy.mode";
const BACKENDS_ID: &str = "proxy.iptables-backends";

/// The mode: what kube-proxy itself answered on /proxyMode; otherwise the
/// newest mode any signal shows, since switching modes can leave an older
/// mode's leftovers behind (FORMATS.md B.1) but never a newer one's.
pub fn mode(evidence: &Evidence) -> Option<Mode> {
    let answered = evidence
        .signals
        .iter()
        .find(|s| s.source.ends_with("/proxyMode"))
        .and_then(|s| s.mode);
    answered.or_else(|| votes(evidence).into_iter().next_back())
}

fn votes(evidence: &Evidence) -> BTreeSet<Mode> {
    evidence.signals.iter().filter_map(|s| s.mode).collect()
}

/// Both checks.
pub fn checks(evidence: &Evidence) -> Vec<Check> {
    vec![mode_check(evidence), backends_check(evidence)]
}

fn with_signals(mut check: Check, evidence: &Evidence) -> Check {
    for signal in &evidence.signals {
        let mode = signal
            .mode
            .map(|m| format!(" [{}]", m.as_str()))
            .unwrap_or_default();
        check = check.detail(format!("{}: {}{mode}", signal.source, signal.said));
    }
    check
}

fn mode_check(evidence: &Evidence) -> Check {
    let Some(mode) = mode(evidence) else {
        if let Some(error) = &evidence.iptables_error {
            let mut check = Check::new(
                MODE_ID,
                Status::Error,
                format!("cannot tell kube-proxy's mode: {error}"),
            )
            .code("check-error");
            check.hint = evidence.iptables_hint.clone();
            return with_signals(check, evidence);
        }
        return with_signals(
            Check::skip(
                MODE_ID,
                "no kube-proxy on this node: no /proxyMode answer, no KUBE chains, no kube-ipvs0, no kube-proxy nftables table",
            ),
            evidence,
        );
    };
    let others: Vec<&str> = votes(evidence)
        .into_iter()
        .filter(|m| *m != mode)
        .map(Mode::as_str)
        .collect();
    let check = if mode == Mode::Userspace {
        Check::new(
            MODE_ID,
            Status::Warn,
            "kube-proxy runs in userspace mode: every Service connection is copied through the kube-proxy process",
        )
        .code("proxy-userspace")
        .hint("switch kube-proxy to --proxy-mode=iptables (or nftables); userspace mode is slow and was removed in Kubernetes 1.26")
    } else if !others.is_empty() {
        Check::new(
            MODE_ID,
            Status::Warn,
            format!(
                "kube-proxy runs in {} mode, but other signals point to {}",
                mode.as_str(),
                others.join(" and ")
            ),
        )
        .code("proxy-mode-disagree")
        .hint("leftovers of a previous mode: run `kube-proxy --cleanup` on the node (recent kube-proxy also cleans other modes' rules when it starts)")
    } else {
        Check::ok(
            MODE_ID,
            format!("kube-proxy runs in {} mode", mode.as_str()),
        )
    };
    with_signals(check, evidence)
}

fn backends_check(evidence: &Evidence) -> Check {
    if let Some(error) = &evidence.iptables_error {
        let mut check = Check::new(
            BACKENDS_ID,
            Status::Error,
            format!("cannot read the iptables rules: {error}"),
        )
        .code("check-error");
        check.hint = evidence.iptables_hint.clone();
        return check;
    }
    let with_rules: Vec<&BackendRules> = evidence
        .backends
        .iter()
        .filter(|b| b.kube_rules > 0)
        .collect();
    match (with_rules.as_slice(), evidence.in_use) {
        ([], _) => Check::skip(BACKENDS_ID, "no KUBE rules in any iptables backend"),
        ([only], _) => Check::ok(BACKENDS_ID, format!("KUBE rules only in {}", count(only))),
        (all, in_use) => mixed(all, in_use),
    }
}

fn count(b: &BackendRules) -> String {
    format!("{} ({} rules)", b.backend.tool(), b.kube_rules)
}

/// KUBE rules in more than one backend: name the one kube-proxy uses
/// (see [`crate::chains::source::in_use`]) and the stale ones.
fn mixed(all: &[&BackendRules], in_use: Option<Backend>) -> Check {
    let used = all.iter().copied().find(|b| Some(b.backend) == in_use);
    let Some(used) = used.or(all.first().copied()) else {
        return Check::skip(BACKENDS_ID, "no KUBE rules in any iptables backend");
    };
    let stale: Vec<&BackendRules> = all
        .iter()
        .copied()
        .filter(|b| b.backend != used.backend)
        .collect();
    let stale_names: Vec<String> = stale.iter().map(|b| count(b)).collect();
    let stale_tool = stale.first().map_or("iptables", |b| b.backend.tool());
    let used_tool = used.backend.tool();
    let why = if used.kubelet_hint {
        format!("kubelet's KUBE-IPTABLES-HINT/KUBE-KUBELET-CANARY chain is in {used_tool}")
    } else {
        format!("no kubelet marker chain; {used_tool} holds the most KUBE rules")
    };
    Check::new(
        BACKENDS_ID,
        Status::Fail,
        format!(
            "KUBE rules in both iptables backends: kube-proxy uses {used_tool}; {} is stale",
            stale_names.join(", ")
        ),
    )
    .code("proxy-mixed-iptables")
    .hint(format!(
        "the stale rules still match packets: delete its KUBE chains (e.g. `{stale_tool}-save | grep -v KUBE | {stale_tool}-restore`) and make kubelet, kube-proxy and the CNI use one iptables mode (kubernetes-sigs/iptables-wrappers)"
    ))
    .detail(format!("in use: {} ({why})", count(used)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proxy::probe::Signal;

    fn evidence(signals: Vec<Signal>, backends: Vec<BackendRules>) -> Evidence {
        Evidence {
            signals,
            backends,
            ..Evidence::default()
        }
    }

    fn rules(backend: Backend, kube_rules: usize, hint: bool) -> BackendRules {
        BackendRules {
            backend,
            kube_rules,
            kubelet_hint: hint,
            mode: Some(Mode::Iptables),
        }
    }

    #[test]
    fn proxy_mode_answer_wins_and_disagreement_warns() {
        let e = evidence(
            vec![
                Signal::new(
                    "http://127.0.0.1:1/proxyMode",
                    Some(Mode::Iptables),
                    "answered",
                ),
                Signal::new("kube-ipvs0", Some(Mode::Ipvs), "device exists"),
            ],
            vec![],
        );
        assert_eq!(mode(&e), Some(Mode::Iptables));
        let check = mode_check(&e);
        assert_eq!(
            (check.status, check.code),
            (Status::Warn, Some("proxy-mode-disagree"))
        );
        assert!(check.summary.contains("point to ipvs"), "{}", check.summary);
    }

    #[test]
    fn nothing_found_is_a_skip_and_userspace_warns() {
        let none = evidence(
            vec![Signal::new("kube-ipvs0", None, "no such device")],
            vec![],
        );
        assert_eq!(mode_check(&none).status, Status::Skip);
        assert_eq!(backends_check(&none).status, Status::Skip);
        let user = evidence(
            vec![Signal::new("iptables-legacy", Some(Mode::Userspace), "x")],
            vec![],
        );
        assert_eq!(mode_check(&user).code, Some("proxy-userspace"));
    }

    #[test]
    fn mixed_backends_fail_naming_the_stale_one() {
        let mut e = evidence(
            vec![],
            vec![
                rules(Backend::Nft, 10, false),
                rules(Backend::Legacy, 50, true),
            ],
        );
        e.in_use = Some(Backend::Legacy);
        let check = backends_check(&e);
        assert_eq!(
            (check.status, check.code),
            (Status::Fail, Some("proxy-mixed-iptables"))
        );
        assert!(
            check
                .summary
                .contains("kube-proxy uses iptables-legacy; iptables-nft (10 rules) is stale"),
            "{}",
            check.summary
        );
        let single = evidence(
            vec![],
            vec![
                rules(Backend::Nft, 10, false),
                rules(Backend::Legacy, 0, false),
            ],
        );
        assert_eq!(backends_check(&single).status, Status::Ok);
    }
}
