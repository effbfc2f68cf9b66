//! Sampling over an interval on a fake root: a clock whose `sleep`
//! replaces /proc/stat with the next fixture, so two reads differ without
//! waiting.

use std::cell::RefCell;
use std::time::{Duration, SystemTime};

use super::*;
use crate::clock::{Clock, FakeClock};
use crate::exec::Exec;
use crate::host::Host;
use crate::progress::Progress;

/// A fake clock that, on each sleep, writes the next /proc/stat text
/// (sampling sleeps once per interval of at most 1 s).
struct SwapClock {
    clock: FakeClock,
    host: Host,
    next: RefCell<Vec<&'static str>>,
}

impl Clock for SwapClock {
    fn now(&self) -> std::time::Instant {
        self.clock.now()
    }
    fn wall(&self) -> SystemTime {
        self.clock.wall()
    }
    fn sleep(&self, d: Duration) {
        self.clock.sleep(d);
        let mut next = self.next.borrow_mut();
        if !next.is_empty() {
            let text = next.remove(0);
            self.host
                .write_atomic(PROC_STAT, text)
                .expect("swap /proc/stat");
        }
    }
}

fn fake_host(dir: &tempfile::TempDir) -> Host {
    let clock = FakeClock::new(SystemTime::UNIX_EPOCH);
    Host::new(dir.path(), Exec::from_env(), Box::new(clock))
}

fn context(dir: &tempfile::TempDir, first: &str, next: Vec<&'static str>) -> Context {
    let swap = SwapClock {
        clock: FakeClock::new(SystemTime::UNIX_EPOCH),
        host: fake_host(dir),
        next: RefCell::new(next),
    };
    swap.host
        .write_atomic(PROC_STAT, first)
        .expect("write /proc/stat");
    Context {
        host: Host::new(dir.path(), Exec::from_env(), Box::new(swap)),
        progress: Progress::hidden(),
        listings: true,
    }
}

fn args(interval: Duration, count: u32, per_cpu: bool) -> StealArgs {
    StealArgs {
        interval,
        count,
        per_cpu,
        watch: false,
        profile: crate::cli::ProfileArg {
            profile: "k8s-node".into(),
        },
    }
}

const T0: &str = "cpu  100 0 100 700 0 0 0 100 0 0\ncpu0 50 0 50 350 0 0 0 0 0 0\ncpu1 50 0 50 350 0 0 0 100 0 0\n";
// +200 ticks: 12 steal overall (6%), all of it on cpu1 (12%).
const T1: &str = "cpu  120 0 120 848 0 0 0 112 0 0\ncpu0 60 0 60 430 0 0 0 0 0 0\ncpu1 60 0 60 418 0 0 0 112 0 0\n";
// +200 ticks: 30 steal (15%).
const T2: &str = "cpu  140 0 140 978 0 0 0 142 0 0\ncpu0 70 0 70 510 0 0 0 0 0 0\ncpu1 70 0 70 468 0 0 0 142 0 0\n";

#[test]
fn one_interval_grades_the_delta_not_the_counters_since_boot() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ctx = context(&dir, T0, vec![T1]);
    let report = run(&ctx, &args(Duration::from_secs(1), 1, true)).expect("runs");
    let check = &report.checks[0];
    assert_eq!(check.status, Status::Warn);
    assert_eq!(check.code, Some("cpu-steal-high"));
    assert_eq!(
        check.summary,
        "steal is 6.00% over 1s (warn at 5%, fail at 10%)"
    );
    assert_eq!(check.details, vec!["cpu1: steal 12.00%"]);
    assert_eq!(check.metrics.len(), 3);
    assert_eq!(check.metrics[0].value, 6.0);
    assert_eq!(
        report.tables[0].rows[2],
        ["cpu1", "10.00", "10.00", "0.00", "68.00", "12.00"].map(String::from)
    );
}

#[test]
fn count_samples_each_interval_and_grades_the_whole_span() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ctx = context(&dir, T0, vec![T1, T2]);
    let report = run(&ctx, &args(Duration::from_secs(1), 2, false)).expect("runs");
    let rows: Vec<&str> = report.tables[0]
        .rows
        .iter()
        .map(|r| r[6].as_str())
        .collect();
    assert_eq!(rows, ["6.00", "15.00"]);
    // 42 steal ticks of 400: 10.5%, at the fail threshold.
    let check = &report.checks[0];
    assert_eq!(check.status, Status::Fail);
    assert_eq!(
        check.summary,
        "steal is 10.50% over 2s (warn at 5%, fail at 10%)"
    );
}

#[test]
fn unchanged_counters_are_skipped_not_divided_by_zero() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ctx = context(&dir, T0, vec![]);
    let report = run(&ctx, &args(Duration::from_millis(500), 1, false)).expect("runs");
    assert_eq!(report.checks[0].status, Status::Skip);
    assert!(report.checks[0].summary.contains("no CPU ticks elapsed"));
    assert_eq!(report.tables[0].rows[0][5], "-");
}

#[test]
fn counters_going_backwards_warn_without_a_steal_figure() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ctx = context(&dir, T1, vec![T0]);
    let checks = doctor_checks(&ctx, Duration::from_secs(1), StealThresholds::default());
    assert_eq!(checks[0].status, Status::Warn);
    assert_eq!(checks[0].code, Some("cpu-counters-backwards"));
    assert!(checks[0].metrics.is_empty());
}

#[test]
fn doctor_check_reports_the_all_cpu_metric() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ctx = context(&dir, T0, vec![T2]);
    let strict = StealThresholds {
        warn: 50.0,
        fail: 90.0,
    };
    let checks = doctor_checks(&ctx, Duration::from_secs(1), strict);
    assert_eq!(checks[0].id, "cpu.steal");
    assert_eq!(checks[0].status, Status::Ok);
    let metric = &checks[0].metrics[0];
    assert_eq!(metric.name, "k8snet_cpu_steal_percent");
    assert_eq!(metric.labels, vec![("cpu".to_string(), "all".to_string())]);
    // T0 -> T2: 42 of 400 ticks.
    assert_eq!(metric.value, 10.5);
}

#[test]
fn missing_proc_stat_is_an_error_check() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ctx = Context {
        host: fake_host(&dir),
        progress: Progress::hidden(),
        listings: true,
    };
    let checks = doctor_checks(&ctx, Duration::ZERO, StealThresholds::default());
    assert_eq!(checks[0].status, Status::Error);
    assert!(
        checks[0].summary.ends_with("proc/stat: not found"),
        "{}",
        checks[0].summary
    );
}
