//! Conntrack capacity: usage against the table size, the hash size, and
//! the size kube-proxy will set on its own.
//!
//! kube-proxy raises nf_conntrack_max at start to
//! max(maxPerCore x CPUs, min) with maxPerCore 32768 and min 131072
//! (kubernetes `pkg/proxy/apis/config/v1alpha1/defaults.go`,
//! `cmd/kube-proxy/app/conntrack.go`), and sets the hash size to max/4.

use crate::host::Host;
use crate::profile::{Profile, Want};
use crate::report::{Check, Metric, Status};

use super::SysctlKey;

const MAX_PER_CORE: i64 = 32768;
const KUBE_PROXY_FLOOR: i64 = 131072;

/// The table size kube-proxy sets for `cpus` CPUs.
pub fn kube_proxy_max(cpus: i64) -> i64 {
    (MAX_PER_CORE * cpus).max(KUBE_PROXY_FLOOR)
}

/// Usage grade: warn at 80 %, fail at 95 %.
pub fn usage_status(count: i64, max: i64) -> Status {
    if max <= 0 {
        return Status::Fail;
    }
    let ratio = count as f64 / max as f64;
    if ratio >= 0.95 {
        Status::Fail
    } else if ratio >= 0.80 {
        Status::Warn
    } else {
        Status::Ok
    }
}

/// Online CPUs from /sys/devices/system/cpu/online (`0-3,6`), else the
/// cpuN lines of /proc/stat.
pub fn cpu_count(host: &Host) -> Option<i64> {
    if let Ok(online) = host.read("/sys/devices/system/cpu/online") {
        let mut count = 0;
        for range in online.trim().split(',').filter(|r| !r.is_empty()) {
            let (lo, hi) = range.split_once('-').unwrap_or((range, range));
            let (lo, hi): (i64, i64) = (lo.trim().parse().ok()?, hi.trim().parse().ok()?);
            count += hi - lo + 1;
        }
        if count > 0 {
            return Some(count);
        }
    }
    let stat = host.read("/proc/stat").ok()?;
    let count = stat
        .lines()
        .filter(|l| l.starts_with("cpu") && l.as_bytes().get(3).is_some_and(u8::is_ascii_digit))
        .count();
    (count > 0).then_some(count as i64)
}

fn read_number(host: &Host, path: &str) -> Option<i64> {
    host.read(path).ok()?.trim().parse().ok()
}

/// The conntrack checks: `conntrack.usage`, `conntrack.hashsize`,
/// `conntrack.kube-proxy`.
pub fn checks(host: &Host, profile: &Profile) -> Vec<Check> {
    let base = "/proc/sys/net/netfilter";
    let (Some(count), Some(max)) = (
        read_number(host, &format!("{base}/nf_conntrack_count")),
        read_number(host, &format!("{base}/nf_conntrack_max")),
    ) else {
        return vec![Check::skip(
            "conntrack.usage",
            "nf_conntrack is not loaded: no connection tracking (kube-proxy loads it when it programs NAT)",
        )];
    };
    let mut checks = vec![usage_check(count, max)];
    if let Some(buckets) = read_number(host, &format!("{base}/nf_conntrack_buckets")) {
        checks.push(hashsize_check(buckets, max));
    }
    if let Some(cpus) = cpu_count(host) {
        checks.push(kube_proxy_check(profile, cpus));
    }
    checks
}

fn usage_check(count: i64, max: i64) -> Check {
    let percent = if max > 0 {
        count as f64 * 100.0 / max as f64
    } else {
        100.0
    };
    let status = usage_status(count, max);
    let mut check = Check::new(
        "conntrack.usage",
        status,
        format!("{count} of {max} conntrack entries in use ({percent:.1}%)"),
    )
    .metric(Metric::new(
        "k8snet_conntrack_entries",
        "Connection tracking entries in use (nf_conntrack_count).",
        count as f64,
    ))
    .metric(Metric::new(
        "k8snet_conntrack_max",
        "Connection tracking table size (nf_conntrack_max).",
        max as f64,
    ));
    if status != Status::Ok {
        check = check.code("conntrack-full").hint(
            "raise net.netfilter.nf_conntrack_max (profile k8s-node-highconn, then `k8snet tune --apply`); \
             when full the kernel drops new connections (\"nf_conntrack: table full\")",
        );
    }
    check
}

fn hashsize_check(buckets: i64, max: i64) -> Check {
    let wanted = max / 4;
    if buckets >= wanted {
        return Check::ok(
            "conntrack.hashsize",
            format!("{buckets} hash buckets for a table of {max} (at least max/4 = {wanted})"),
        );
    }
    Check::new(
        "conntrack.hashsize",
        Status::Warn,
        format!(
            "{buckets} hash buckets for a table of {max}: a full table averages {:.1} entries per bucket (kube-proxy sizes it max/4 = {wanted})",
            max as f64 / buckets.max(1) as f64
        ),
    )
    .code("conntrack-hashsize-small")
    .hint(format!(
        "echo {wanted} > /sys/module/nf_conntrack/parameters/hashsize (as root, in the initial namespace)"
    ))
}

fn kube_proxy_check(profile: &Profile, cpus: i64) -> Check {
    let kube_proxy = kube_proxy_max(cpus);
    let key = SysctlKey::parse("net.netfilter.nf_conntrack_max").ok();
    let rule = profile
        .sysctls
        .iter()
        .find(|r| Some(&r.key) == key.as_ref());
    let wanted = match rule.map(|r| &r.want) {
        Some(Want::Range { min: Some(min), .. }) => Some(*min),
        Some(Want::Value { value }) => value.parse().ok(),
        _ => None,
    };
    match wanted {
        Some(wanted) if wanted < kube_proxy => Check::new(
            "conntrack.kube-proxy",
            Status::Warn,
            format!(
                "profile {} wants nf_conntrack_max {wanted}, but kube-proxy sets {kube_proxy} for {cpus} CPUs (max(32768 x CPUs, 131072)) and will override it at start",
                profile.name
            ),
        )
        .code("conntrack-below-kube-proxy")
        .hint(format!("raise the profile's min to {kube_proxy}, or set kube-proxy's conntrack.maxPerCore to 0 to let the profile decide")),
        Some(wanted) => Check::ok(
            "conntrack.kube-proxy",
            format!("profile value {wanted} is at least kube-proxy's {kube_proxy} for {cpus} CPUs"),
        ),
        None => Check::ok(
            "conntrack.kube-proxy",
            format!("kube-proxy will set nf_conntrack_max to {kube_proxy} for {cpus} CPUs; the profile leaves it alone"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kube_proxy_formula() {
        assert_eq!(kube_proxy_max(1), 131072);
        assert_eq!(kube_proxy_max(4), 131072);
        assert_eq!(kube_proxy_max(8), 262144);
        assert_eq!(kube_proxy_max(64), 2097152);
    }

    #[test]
    fn usage_thresholds() {
        assert_eq!(usage_status(79, 100), Status::Ok);
        assert_eq!(usage_status(80, 100), Status::Warn);
        assert_eq!(usage_status(94, 100), Status::Warn);
        assert_eq!(usage_status(95, 100), Status::Fail);
        assert_eq!(usage_status(0, 0), Status::Fail);
    }

    #[test]
    fn small_hash_table_warns_with_the_number() {
        let check = hashsize_check(16384, 262144);
        assert_eq!(check.status, Status::Warn);
        assert!(
            check.summary.contains("16.0 entries per bucket"),
            "{}",
            check.summary
        );
        assert_eq!(hashsize_check(65536, 262144).status, Status::Ok);
    }

    #[test]
    fn profile_below_kube_proxy_is_flagged() {
        let profile = crate::profile::load("k8s-node").expect("profile");
        assert_eq!(kube_proxy_check(&profile, 16).status, Status::Warn);
        assert_eq!(kube_proxy_check(&profile, 2).status, Status::Ok);
    }
}
