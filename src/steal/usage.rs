//! Tick deltas between two reads of /proc/stat, as shares of CPU time, and
//! the steal grade. Pure: no clock, no files.
//!
//! Shares are ratios of tick deltas, so USER_HZ cancels out and is never
//! needed. guest/guest_nice are not added (they are inside user/nice), so
//! user + system + iowait + idle + steal is 100%.

use serde::Serialize;

use super::procstat::{CpuTicks, ProcStat};
use crate::profile::StealThresholds;
use crate::report::Status;

/// Shares of CPU time over one interval, in percent. Every share is
/// `None` when no ticks elapsed; `steal` is also `None` when the kernel
/// has no steal column.
#[derive(Serialize, Clone, Debug, Default, PartialEq)]
pub struct Usage {
    /// Ticks that elapsed (guest time not counted twice).
    pub ticks: u64,
    /// user + nice (guest time included, as the kernel counts it).
    pub user: Option<f64>,
    /// system + irq + softirq.
    pub system: Option<f64>,
    /// Waiting for I/O.
    pub iowait: Option<f64>,
    /// Idle.
    pub idle: Option<f64>,
    /// Stolen by the hypervisor.
    pub steal: Option<f64>,
    /// Whether /proc/stat has a steal column (Linux 2.6.11 and later).
    pub steal_column: bool,
    /// Counters that were smaller in the second read (CPU hotplug, a
    /// misbehaving hypervisor: psutil issue #1210); their delta counts as 0.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub went_backwards: Vec<&'static str>,
}

/// Usage of every CPU in one interval.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct Sample {
    /// Seconds between the two reads (0 for counters since boot).
    pub interval_seconds: f64,
    /// The aggregate `cpu` line.
    pub all: Usage,
    /// Per CPU, by CPU number; CPUs present in only one read are left out.
    pub cpus: Vec<CpuUsage>,
}

/// One CPU's usage.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct CpuUsage {
    /// The N of `cpuN`.
    pub cpu: u32,
    /// Its usage.
    #[serde(flatten)]
    pub usage: Usage,
}

/// Usage between `before` and `after` (before = all zeros for "since boot").
pub fn usage(before: &CpuTicks, after: &CpuTicks) -> Usage {
    let mut went_backwards = Vec::new();
    let mut delta = |name: &'static str, b: u64, a: u64| {
        // proc(5): iowait "may decrease in certain conditions"; that is
        // normal and not worth reporting.
        if a < b && name != "iowait" {
            went_backwards.push(name);
        }
        a.saturating_sub(b)
    };
    let opt = |v: Option<u64>| v.unwrap_or(0);
    let user = delta("user", before.user, after.user);
    let nice = delta("nice", before.nice, after.nice);
    let system = delta("system", before.system, after.system);
    let idle = delta("idle", before.idle, after.idle);
    let iowait = delta("iowait", opt(before.iowait), opt(after.iowait));
    let irq = delta("irq", opt(before.irq), opt(after.irq));
    let softirq = delta("softirq", opt(before.softirq), opt(after.softirq));
    let steal = delta("steal", opt(before.steal), opt(after.steal));
    let steal_column = before.steal.is_some() && after.steal.is_some();
    let ticks = [user, nice, system, idle, iowait, irq, softirq, steal]
        .iter()
        .fold(0u64, |sum, v| sum.saturating_add(*v));
    let share = |part: u64| (ticks > 0).then(|| part as f64 * 100.0 / ticks as f64);
    Usage {
        ticks,
        user: share(user.saturating_add(nice)),
        system: share(system.saturating_add(irq).saturating_add(softirq)),
        iowait: share(iowait),
        idle: share(idle),
        steal: share(steal).filter(|_| steal_column),
        steal_column,
        went_backwards,
    }
}

/// Usage of every CPU between two reads, taking `interval_seconds`.
pub fn sample(before: &ProcStat, after: &ProcStat, interval_seconds: f64) -> Sample {
    let cpus = after
        .cpus
        .iter()
        .filter_map(|(cpu, a)| {
            let b = before.cpus.iter().find(|(id, _)| id == cpu)?;
            Some(CpuUsage {
                cpu: *cpu,
                usage: usage(&b.1, a),
            })
        })
        .collect();
    Sample {
        interval_seconds,
        all: usage(&before.all, &after.all),
        cpus,
    }
}

/// Counters since boot from a single read.
pub fn since_boot(stat: &ProcStat) -> Sample {
    let zero = ProcStat {
        all: zero_like(&stat.all),
        cpus: stat
            .cpus
            .iter()
            .map(|(id, t)| (*id, zero_like(t)))
            .collect(),
    };
    sample(&zero, stat, 0.0)
}

/// All zeros, with the same columns present (so a 7-column kernel stays
/// "no steal column" rather than gaining one).
fn zero_like(t: &CpuTicks) -> CpuTicks {
    let z = |v: Option<u64>| v.map(|_| 0);
    CpuTicks {
        user: 0,
        nice: 0,
        system: 0,
        idle: 0,
        iowait: z(t.iowait),
        irq: z(t.irq),
        softirq: z(t.softirq),
        steal: z(t.steal),
        guest: z(t.guest),
        guest_nice: z(t.guest_nice),
    }
}

/// Why a steal figure cannot be graded, or `None` when it can.
pub fn unmeasurable(usage: &Usage) -> Option<String> {
    if !usage.steal_column {
        Some(
            "steal not available: this kernel's /proc/stat has no steal column \
             (added in Linux 2.6.11)"
                .into(),
        )
    } else if !usage.went_backwards.is_empty() {
        Some(format!(
            "CPU counters went backwards between the two reads ({}); steal not measured",
            usage.went_backwards.join(", ")
        ))
    } else if usage.ticks == 0 {
        Some("no CPU ticks elapsed between the two reads; steal not measured".into())
    } else {
        None
    }
}

/// The grade of a steal percentage against the profile's thresholds.
pub fn grade(steal: f64, thresholds: &StealThresholds) -> Status {
    if steal >= thresholds.fail {
        Status::Fail
    } else if steal >= thresholds.warn {
        Status::Warn
    } else {
        Status::Ok
    }
}

#[cfg(test)]
mod tests {
    use super::super::procstat::parse;
    use super::*;

    fn ticks(line: &str) -> CpuTicks {
        parse(line).expect("parses").all
    }

    fn close(actual: Option<f64>, want: f64) {
        let actual = actual.expect("a share");
        assert!((actual - want).abs() < 1e-9, "{actual} != {want}");
    }

    #[test]
    fn steal_share_of_an_interval() {
        let u = usage(
            &ticks("cpu 100 0 50 800 0 0 0 50 0 0"),
            &ticks("cpu 130 0 60 850 0 0 0 60 0 0"),
        );
        assert_eq!(u.ticks, 100);
        close(u.steal, 10.0);
        close(u.user, 30.0);
        close(u.system, 10.0);
        close(u.idle, 50.0);
    }

    #[test]
    fn guest_time_is_not_counted_twice() {
        // 40 of the 60 user ticks were a guest: the total stays 100.
        let u = usage(
            &ticks("cpu 0 0 0 0 0 0 0 0 0 0"),
            &ticks("cpu 60 0 0 30 0 0 0 10 40 0"),
        );
        assert_eq!(u.ticks, 100);
        close(u.steal, 10.0);
        close(u.user, 60.0);
    }

    #[test]
    fn zero_ticks_do_not_divide_by_zero() {
        let t = ticks("cpu 1 2 3 4 5 6 7 8 0 0");
        let u = usage(&t, &t);
        assert_eq!((u.ticks, u.steal, u.idle), (0, None, None));
        assert!(unmeasurable(&u).expect("why").contains("no CPU ticks"));
    }

    #[test]
    fn backwards_counters_are_reported_and_not_graded() {
        let u = usage(
            &ticks("cpu 100 0 50 800 9 0 0 50 0 0"),
            &ticks("cpu 110 0 55 700 3 0 0 60 0 0"),
        );
        assert_eq!(u.went_backwards, vec!["idle"]);
        assert!(unmeasurable(&u).expect("why").contains("(idle)"));
        // iowait may decrease (proc(5)); alone it is not a problem.
        let u = usage(
            &ticks("cpu 100 0 50 800 9 0 0 50 0 0"),
            &ticks("cpu 110 0 55 900 3 0 0 60 0 0"),
        );
        assert!(u.went_backwards.is_empty());
        assert!(unmeasurable(&u).is_none());
    }

    #[test]
    fn no_steal_column_is_not_available_rather_than_zero() {
        let u = usage(&ticks("cpu 0 0 0 0 0 0 0"), &ticks("cpu 10 0 10 80 0 0 0"));
        assert_eq!(u.steal, None);
        close(u.idle, 80.0);
        assert!(unmeasurable(&u).expect("why").contains("not available"));
    }

    #[test]
    fn grades_at_the_thresholds() {
        let t = StealThresholds::default();
        assert_eq!(grade(4.99, &t), Status::Ok);
        assert_eq!(grade(5.0, &t), Status::Warn);
        assert_eq!(grade(10.0, &t), Status::Fail);
        let strict = StealThresholds {
            warn: 1.0,
            fail: 2.0,
        };
        assert_eq!(grade(1.5, &strict), Status::Warn);
    }

    #[test]
    fn per_cpu_matches_cpu_numbers_and_drops_hotplugged_ones() {
        let before = parse("cpu 0 0 0 0 0 0 0 0\ncpu0 0 0 0 0 0 0 0 0\ncpu1 0 0 0 0 0 0 0 0\n")
            .expect("parses");
        let after = parse("cpu 0 0 0 20 0 0 0 0\ncpu1 0 0 0 10 0 0 0 10\ncpu2 0 0 0 1 0 0 0 0\n")
            .expect("parses");
        let s = sample(&before, &after, 1.0);
        assert_eq!(s.cpus.len(), 1);
        assert_eq!(s.cpus[0].cpu, 1);
        close(s.cpus[0].usage.steal, 50.0);
    }
}
