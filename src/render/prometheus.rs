//! Prometheus text exposition for node_exporter's textfile collector.
//!
//! No timestamps: the collector rejects a whole file that carries
//! client-side timestamps (prometheus/node_exporter
//! `collector/textfile.go`). Each metric name gets one HELP and one TYPE
//! line, and all its samples follow together, as the format requires.

use std::collections::BTreeMap;
use std::io::{self, Write};

use crate::report::{Metric, Report, Status};

/// Write `report` as Prometheus text.
pub fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut families: BTreeMap<&'static str, (&'static str, Vec<&Metric>)> = BTreeMap::new();
    let status_samples: Vec<Metric> = report
        .checks
        .iter()
        .flat_map(|check| {
            Status::ALL.iter().map(move |status| {
                Metric::new(
                    "k8snet_check_status",
                    "Status of each k8snet check: 1 for the status it has, 0 for the others.",
                    f64::from(u8::from(check.status == *status)),
                )
                .label("check", check.id.as_str())
                .label("area", check.area())
                .label("status", status.as_str())
            })
        })
        .collect();
    let summary = report.summary;
    let totals: Vec<Metric> = [
        (Status::Ok, summary.ok),
        (Status::Skip, summary.skip),
        (Status::Warn, summary.warn),
        (Status::Fail, summary.fail),
        (Status::Error, summary.error),
    ]
    .into_iter()
    .map(|(status, count)| {
        Metric::new(
            "k8snet_checks",
            "Number of k8snet checks per status in the last run.",
            count as f64,
        )
        .label("status", status.as_str())
    })
    .collect();
    let check_metrics = report.checks.iter().flat_map(|c| c.metrics.iter());
    for metric in status_samples.iter().chain(&totals).chain(check_metrics) {
        families
            .entry(metric.name)
            .or_insert((metric.help, Vec::new()))
            .1
            .push(metric);
    }
    for (name, (help, samples)) in families {
        writeln!(out, "# HELP {name} {}", escape_help(help))?;
        writeln!(out, "# TYPE {name} gauge")?;
        for sample in samples {
            writeln!(
                out,
                "{name}{} {}",
                labels(&sample.labels),
                value(sample.value)
            )?;
        }
    }
    Ok(())
}

fn labels(pairs: &[(String, String)]) -> String {
    if pairs.is_empty() {
        return String::new();
    }
    let inner: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{k}=\"{}\"", escape_label(v)))
        .collect();
    format!("{{{}}}", inner.join(","))
}

/// Label values escape backslash, double quote and newline.
fn escape_label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// HELP text escapes only backslash and newline.
fn escape_help(text: &str) -> String {
    text.replace('\\', "\\\\").replace('\n', "\\n")
}

fn value(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 { "+Inf" } else { "-Inf" }.into()
    } else {
        format!("{v}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::Format;
    use crate::render::tests::render;

    #[test]
    fn each_family_has_one_help_and_type_and_no_timestamps() {
        let text = render(Format::Prometheus);
        for family in [
            "k8snet_check_status",
            "k8snet_checks",
            "k8snet_cpu_steal_percent",
        ] {
            assert_eq!(
                text.matches(&format!("# TYPE {family} gauge\n")).count(),
                1,
                "{family}"
            );
        }
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let (series, sample) = line.rsplit_once(' ').expect("series and value");
            assert!(sample.parse::<f64>().is_ok(), "value in {line}");
            assert!(series.starts_with("k8snet_"), "{line}");
        }
        assert!(text.contains(
            "k8snet_check_status{check=\"sysctl.net.ipv4.tcp_fin_timeout\",area=\"sysctl\",status=\"fail\"} 1\n"
        ));
        assert!(text.contains("k8snet_checks{status=\"warn\"} 1\n"));
        assert!(text.contains("k8snet_cpu_steal_percent{cpu=\"all\"} 6.2\n"));
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape_label("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
        assert_eq!(value(f64::INFINITY), "+Inf");
    }
}
