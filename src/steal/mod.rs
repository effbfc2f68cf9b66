//! `k8snet steal`: CPU time stolen by the hypervisor, from two reads of
//! /proc/stat `--interval` apart (or one read: counters since boot), graded
//! against the profile's `steal:` thresholds. Also the `cpu.steal` check
//! for `doctor`.

mod procstat;
mod usage;

use std::io::Write;
use std::time::Duration;

use anyhow::Context as _;

pub use procstat::{CpuTicks, ParseError, ProcStat};
pub use usage::{CpuUsage, Sample, Usage};

use crate::Context;
use crate::cli::StealArgs;
use crate::profile::StealThresholds;
use crate::render::{Format, Style};
use crate::report::{Check, Metric, Outcome, Report, Status, Table};

const PROC_STAT: &str = "/proc/stat";

/// `k8snet steal`.
pub fn run(ctx: &Context, args: &StealArgs) -> anyhow::Result<Report> {
    if args.watch {
        return Err(crate::error::hinted(
            "--watch streams one table per sample",
            "use -o table with --watch, or --count N for a fixed number of samples as JSON/YAML",
        ));
    }
    let thresholds = crate::profile::load(&args.profile.profile)?.steal;
    let first = read(ctx)?;
    if args.interval.is_zero() {
        let mut report = build_report(&[usage::since_boot(&first)], args, &thresholds);
        if args.count > 1 {
            report
                .notes
                .push("--interval 0 reads the counters since boot once; --count is ignored".into());
        }
        return Ok(report);
    }
    let mut samples = Vec::new();
    let mut before = first.clone();
    for index in 1..=args.count {
        let label = progress_label(index, Some(args.count));
        let (after, seconds) = next_read(ctx, args.interval, &label)?;
        samples.push(usage::sample(&before, &after, seconds));
        before = after;
    }
    let mut report = build_report(&samples, args, &thresholds);
    if samples.len() > 1 {
        let span: f64 = samples.iter().map(|s| s.interval_seconds).sum();
        let whole = usage::sample(&first, &before, span);
        report.checks = vec![steal_check(&whole, &thresholds, args.per_cpu)];
    }
    Ok(report)
}

/// `k8snet steal --watch`: one table per interval until interrupted.
pub fn watch(
    ctx: &Context,
    args: &StealArgs,
    style: &Style,
    out: &mut dyn Write,
) -> anyhow::Result<Outcome> {
    if args.interval.is_zero() {
        return Err(crate::error::hinted(
            "--watch needs an interval: the counters since boot do not change between reads",
            "pass --interval, e.g. --watch --interval 2s",
        ));
    }
    let thresholds = crate::profile::load(&args.profile.profile)?.steal;
    let mut before = read(ctx)?;
    for index in 1.. {
        let (after, seconds) = next_read(ctx, args.interval, &progress_label(index, None))?;
        let mut report = build_report(
            &[usage::sample(&before, &after, seconds)],
            args,
            &thresholds,
        );
        report.finish();
        crate::render::write(&report, Format::Table, style, out)?;
        writeln!(out)?;
        out.flush()?;
        before = after;
    }
    Ok(Outcome::Healthy)
}

/// The `cpu.steal` check for `doctor`: one sample over `interval` (0 =
/// since boot).
pub fn doctor_checks(ctx: &Context, interval: Duration, thresholds: StealThresholds) -> Vec<Check> {
    let sample = read(ctx).and_then(|first| {
        if interval.is_zero() {
            return Ok(usage::since_boot(&first));
        }
        let (after, seconds) = next_read(ctx, interval, "")?;
        Ok(usage::sample(&first, &after, seconds))
    });
    match sample {
        Ok(sample) => vec![steal_check(&sample, &thresholds, false)],
        Err(err) => vec![Check::error("cpu.steal", &err)],
    }
}

/// Read and parse /proc/stat under the host root.
pub fn read(ctx: &Context) -> anyhow::Result<ProcStat> {
    let text = ctx.host.read(PROC_STAT)?;
    procstat::parse(&text).with_context(|| ctx.host.path(PROC_STAT).display().to_string())
}

/// Wait `interval` through the clock (a countdown on a terminal), then
/// read again; also returns the seconds that really passed.
fn next_read(ctx: &Context, interval: Duration, label: &str) -> anyhow::Result<(ProcStat, f64)> {
    let clock = &ctx.host.clock;
    let start = clock.now();
    loop {
        let elapsed = clock.now().saturating_duration_since(start);
        let left = interval.saturating_sub(elapsed);
        if left.is_zero() {
            break;
        }
        ctx.progress.show(&format!(
            "sampling /proc/stat{label}: {:.0}s left",
            left.as_secs_f64().ceil()
        ));
        // Sleep in steps of at most a second so the countdown moves.
        clock.sleep(left.min(Duration::from_secs(1)));
    }
    ctx.progress.clear();
    let after = read(ctx)?;
    Ok((
        after,
        clock.now().saturating_duration_since(start).as_secs_f64(),
    ))
}

fn progress_label(index: u32, count: Option<u32>) -> String {
    match count {
        Some(1) => String::new(),
        Some(count) => format!(" ({index}/{count})"),
        None => format!(" (#{index}, Ctrl-C to stop)"),
    }
}

fn build_report(samples: &[Sample], args: &StealArgs, thresholds: &StealThresholds) -> Report {
    let mut report = Report::new("steal")
        .with_data("samples", &samples)
        .with_data("thresholds", thresholds);
    report.tables.push(table(samples, args.per_cpu));
    if let Some(last) = samples.last() {
        report
            .checks
            .push(steal_check(last, thresholds, args.per_cpu));
        if args.per_cpu && last.cpus.is_empty() {
            report.notes.push("/proc/stat has no per-CPU lines".into());
        }
    }
    report
}

fn table(samples: &[Sample], per_cpu: bool) -> Table {
    let span = match samples {
        [one] if one.interval_seconds == 0.0 => "since boot".to_string(),
        [one] => format!("over {}", seconds(one.interval_seconds)),
        many => format!("in {} samples", many.len()),
    };
    let mut columns = vec!["cpu", "user %", "system %", "iowait %", "idle %", "steal %"];
    if samples.len() > 1 {
        columns.insert(0, "sample");
    }
    let mut table = Table::new(format!("CPU time {span} (/proc/stat)"), &columns);
    for (index, sample) in samples.iter().enumerate() {
        let rows = std::iter::once(("all".to_string(), &sample.all)).chain(
            sample
                .cpus
                .iter()
                .filter(|_| per_cpu)
                .map(|c| (format!("cpu{}", c.cpu), &c.usage)),
        );
        for (cpu, usage) in rows {
            let mut row = vec![
                cpu,
                percent(usage.user),
                percent(usage.system),
                percent(usage.iowait),
                percent(usage.idle),
                steal_cell(usage),
            ];
            if samples.len() > 1 {
                row.insert(0, (index + 1).to_string());
            }
            table.push(row);
        }
    }
    table
}

fn steal_cell(usage: &Usage) -> String {
    if usage.steal_column {
        percent(usage.steal)
    } else {
        "n/a".into()
    }
}

fn percent(share: Option<f64>) -> String {
    share.map_or_else(|| "-".into(), |v| format!("{v:.2}"))
}

/// "1s", "2.5s": tenths are enough to say which interval it was; JSON
/// keeps the measured value.
fn seconds(s: f64) -> String {
    let text = format!("{s:.1}");
    format!("{}s", text.strip_suffix(".0").unwrap_or(&text))
}

fn span_text(sample: &Sample) -> String {
    if sample.interval_seconds == 0.0 {
        "since boot".into()
    } else {
        format!("over {}", seconds(sample.interval_seconds))
    }
}

/// Grade the aggregate steal of `sample`; with `per_cpu`, also name the
/// CPUs at or above the warn threshold and add their metrics.
fn steal_check(sample: &Sample, thresholds: &StealThresholds, per_cpu: bool) -> Check {
    const ID: &str = "cpu.steal";
    if let Some(why) = usage::unmeasurable(&sample.all) {
        return if sample.all.went_backwards.is_empty() {
            Check::skip(ID, why)
        } else {
            Check::new(ID, Status::Warn, why)
                .code("cpu-counters-backwards")
                .hint("run again; if it repeats, the hypervisor's steal accounting is broken")
        };
    }
    let steal = sample.all.steal.unwrap_or(0.0);
    let status = usage::grade(steal, thresholds);
    let mut check = Check::new(
        ID,
        status,
        format!(
            "steal is {steal:.2}% {} (warn at {}%, fail at {}%)",
            span_text(sample),
            thresholds.warn,
            thresholds.fail
        ),
    )
    .metric(steal_metric("all", steal));
    if status != Status::Ok {
        check = check.code("cpu-steal-high").hint(
            "the hypervisor is giving this node's CPU time to other guests: \
             move to a less loaded host or a dedicated instance type",
        );
    }
    if per_cpu {
        for cpu in &sample.cpus {
            let Some(value) = cpu
                .usage
                .steal
                .filter(|_| cpu.usage.went_backwards.is_empty())
            else {
                continue;
            };
            check = check.metric(steal_metric(&cpu.cpu.to_string(), value));
            if value >= thresholds.warn {
                check = check.detail(format!("cpu{}: steal {value:.2}%", cpu.cpu));
            }
        }
    }
    check
}

fn steal_metric(cpu: &str, value: f64) -> Metric {
    Metric::new(
        "k8snet_cpu_steal_percent",
        "CPU time stolen by the hypervisor, percent of the interval",
        value,
    )
    .label("cpu", cpu)
}

#[cfg(test)]
mod tests;
