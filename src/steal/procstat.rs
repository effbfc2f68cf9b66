//! The `cpu` lines of /proc/stat: a pure parser from text to tick counters.
//!
//! Column order (proc(5), kernel `Documentation/filesystems/proc.rst`):
//! user nice system idle iowait irq softirq steal guest guest_nice, in
//! USER_HZ ticks. Kernels before 2.6.11 print no steal column, before
//! 2.6.24 no guest, before 2.6.33 no guest_nice (sysstat's `tests/root6`
//! fixture has 7 columns), so every column after `idle` is optional and a
//! missing steal column stays `None` ("not available"), never 0.
//!
//! Why not `procfs_core::KernelStats::from_read` (STYLE.md 4.5): its errors
//! name procfs-core's own source line, not the /proc/stat line; it drops
//! the CPU number of `cpuN` lines (offline CPUs leave gaps, so list position
//! is not the CPU id); and it fails the whole read when `ctxt`, `btime` or
//! `processes` are missing, which steal does not need.

use serde::Serialize;

/// Tick counters of one `cpu` line. Fields absent on older kernels are
/// `None`.
#[derive(Serialize, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CpuTicks {
    /// Normal processes in user mode (includes guest).
    pub user: u64,
    /// Niced processes in user mode (includes guest_nice).
    pub nice: u64,
    /// Kernel mode.
    pub system: u64,
    /// Idle.
    pub idle: u64,
    /// Waiting for I/O (since 2.5.41; may decrease, per proc(5)).
    pub iowait: Option<u64>,
    /// Servicing interrupts (since 2.6.0).
    pub irq: Option<u64>,
    /// Servicing softirqs (since 2.6.0).
    pub softirq: Option<u64>,
    /// Stolen by the hypervisor for other guests (since 2.6.11).
    pub steal: Option<u64>,
    /// Running a guest's virtual CPU; already inside `user` (since 2.6.24).
    pub guest: Option<u64>,
    /// Running a niced guest; already inside `nice` (since 2.6.33).
    pub guest_nice: Option<u64>,
}

impl CpuTicks {
    /// All ticks the CPU spent, each counted once: guest and guest_nice
    /// are left out because the kernel adds them to user and nice as well
    /// (kernel/sched/cputime.c `account_guest_time`).
    pub fn total(&self) -> u64 {
        [
            self.user,
            self.nice,
            self.system,
            self.idle,
            self.iowait.unwrap_or(0),
            self.irq.unwrap_or(0),
            self.softirq.unwrap_or(0),
            self.steal.unwrap_or(0),
        ]
        .iter()
        .fold(0u64, |sum, v| sum.saturating_add(*v))
    }
}

/// The `cpu` lines of one read of /proc/stat.
#[derive(Serialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct ProcStat {
    /// The aggregate `cpu` line (summed over possible CPUs by the kernel).
    pub all: CpuTicks,
    /// `cpuN` lines in file order, with N (summed over online CPUs).
    pub cpus: Vec<(u32, CpuTicks)>,
}

/// Garbage in /proc/stat: which line and what is wrong with it.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("line {line}: {message}")]
pub struct ParseError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// Parse the text of /proc/stat. Lines other than `cpu…` are ignored.
pub fn parse(text: &str) -> Result<ProcStat, ParseError> {
    let mut all = None;
    let mut cpus = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        let err = |message: String| ParseError {
            line: number,
            message,
        };
        let mut words = line.split_whitespace();
        let Some((label, id)) = words
            .next()
            .and_then(|w| w.strip_prefix("cpu").map(|id| (w, id)))
        else {
            continue;
        };
        let ticks = parse_ticks(words).map_err(|m| err(format!("`{label}`: {m}")))?;
        match id {
            "" if all.is_some() => return Err(err("second aggregate `cpu` line".into())),
            "" => all = Some(ticks),
            id => {
                let id = id
                    .parse()
                    .map_err(|_| err(format!("`{label}` is not `cpu` or `cpuN`")))?;
                if cpus.iter().any(|(seen, _)| *seen == id) {
                    return Err(err(format!("`{label}` appears twice")));
                }
                cpus.push((id, ticks));
            }
        }
    }
    let all = all.ok_or_else(|| ParseError {
        line: text.lines().count().max(1),
        message: "no aggregate `cpu` line (is this /proc/stat?)".into(),
    })?;
    Ok(ProcStat { all, cpus })
}

fn parse_ticks<'a>(words: impl Iterator<Item = &'a str>) -> Result<CpuTicks, String> {
    let mut values = Vec::with_capacity(10);
    for (column, word) in words.enumerate() {
        let value = word
            .parse::<u64>()
            .map_err(|_| format!("column {} `{word}` is not a tick count", column + 2))?;
        values.push(value);
    }
    // user nice system idle have been there since Linux 2.4.
    let [user, nice, system, idle, rest @ ..] = values.as_slice() else {
        return Err(format!(
            "{} tick columns, at least 4 (user nice system idle) expected",
            values.len()
        ));
    };
    let at = |i: usize| rest.get(i).copied();
    Ok(CpuTicks {
        user: *user,
        nice: *nice,
        system: *system,
        idle: *idle,
        iowait: at(0),
        irq: at(1),
        softirq: at(2),
        steal: at(3),
        guest: at(4),
        guest_nice: at(5),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROOT5: &str =
        include_str!("../../tests/fixtures/procstat/sysstat-fixture-root5-steal-on-one-cpu.txt");
    const ROOT6: &str =
        include_str!("../../tests/fixtures/procstat/sysstat-fixture-root6-7-columns-no-steal.txt");
    const KVM: &str = include_str!("../../tests/fixtures/procstat/kvm-guest-4vcpu-steal-2016.txt");
    const NODE_EXPORTER: &str = include_str!(
        "../../tests/fixtures/procstat/node-exporter-fixture-zero-steal-nonzero-guest.txt"
    );

    #[test]
    fn kvm_guest_aggregate_and_per_cpu_steal() {
        let stat = parse(KVM).expect("parses");
        assert_eq!(stat.all.steal, Some(570240));
        let steal: Vec<u64> = stat.cpus.iter().filter_map(|(_, t)| t.steal).collect();
        assert_eq!(steal, vec![143394, 197877, 121860, 107108]);
        assert_eq!(
            stat.cpus.iter().map(|(id, _)| *id).collect::<Vec<_>>(),
            [0, 1, 2, 3]
        );
    }

    #[test]
    fn sysstat_root5_has_steal_only_on_cpu8_and_guest_time() {
        let stat = parse(ROOT5).expect("parses");
        assert_eq!(stat.cpus.len(), 9);
        assert_eq!(stat.all.steal, Some(100));
        assert_eq!(stat.all.guest, Some(150));
        assert_eq!(stat.all.guest_nice, Some(25));
        for (id, ticks) in &stat.cpus {
            let want = if *id == 8 { 100 } else { 0 };
            assert_eq!(ticks.steal, Some(want), "cpu{id}");
        }
        // guest (150) and guest_nice (25) are not added again.
        assert_eq!(
            stat.all.total(),
            99497 + 2590985 + 56814 + 2987296 + 58317 + 28246 + 26106 + 100
        );
    }

    #[test]
    fn seven_column_kernel_has_no_steal() {
        let stat = parse(ROOT6).expect("parses");
        assert_eq!(stat.cpus.len(), 10);
        assert_eq!(stat.all.steal, None);
        assert_eq!(stat.all.softirq, Some(25855));
        assert!(stat.cpus.iter().all(|(_, t)| t.steal.is_none()));
    }

    #[test]
    fn node_exporter_zero_steal_with_guest() {
        let stat = parse(NODE_EXPORTER).expect("parses");
        assert_eq!(stat.cpus.len(), 8);
        assert_eq!(stat.all.steal, Some(0));
        assert_eq!((stat.all.guest, stat.all.guest_nice), (Some(44), Some(36)));
    }

    #[test]
    fn cpu_ids_are_kept_across_offline_gaps() {
        let stat = parse("cpu 4 0 4 8\ncpu0 2 0 2 4\ncpu3 2 0 2 4\n").expect("parses");
        assert_eq!(
            stat.cpus.iter().map(|(id, _)| *id).collect::<Vec<_>>(),
            [0, 3]
        );
    }

    #[test]
    fn garbage_names_the_line() {
        let err = parse("intr 1\ncpu 1 2 x 4\n").unwrap_err();
        assert_eq!(err.line, 2);
        assert_eq!(
            err.to_string(),
            "line 2: `cpu`: column 4 `x` is not a tick count"
        );
        let err = parse("cpu 1 2 3\n").unwrap_err();
        assert!(err.message.contains("3 tick columns"), "{err}");
        let err = parse("cpu 1 2 3 4\ncpuX 1 2 3 4\n").unwrap_err();
        assert_eq!(err.line, 2);
        assert!(
            parse("ctxt 5\n")
                .unwrap_err()
                .message
                .contains("no aggregate")
        );
        assert!(parse("cpu 1 2 3 4\ncpu 1 2 3 4\n").is_err());
        assert!(parse("cpu 1 2 3 4\ncpu0 1 2 3 4\ncpu0 1 2 3 4\n").is_err());
        assert!(parse("cpu -1 2 3 4\n").is_err());
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_text_never_panics(text in "\\PC*") {
            let _ = parse(&text);
        }

        #[test]
        fn cpu_like_lines_never_panic(text in "(cpu[0-9]{0,2}( [0-9a-z]{1,21}){0,12}\n){0,6}") {
            let _ = parse(&text);
        }
    }
}
