//! Human output: listings first, then the checks grouped by area, then
//! one summary line. Untrusted text is sanitized before it reaches the
//! terminal.

use std::io::{self, Write};

use colored::Colorize;

use crate::render::grid::Grid;
use crate::render::{Style, sanitize};
use crate::report::{Check, Report, Status, Table};

/// Write `report` for people.
pub fn write(report: &Report, style: &Style, out: &mut dyn Write) -> io::Result<()> {
    let mut first = true;
    for table in &report.tables {
        if !first {
            writeln!(out)?;
        }
        first = false;
        write_listing(table, style, out)?;
    }
    for note in &report.notes {
        writeln!(out, "note: {}", sanitize(note))?;
    }
    if !report.checks.is_empty() {
        if !first || !report.notes.is_empty() {
            writeln!(out)?;
        }
        write_checks(&report.checks, style, out)?;
        writeln!(out, "{}", summary_line(report, style))?;
    }
    Ok(())
}

fn write_listing(table: &Table, style: &Style, out: &mut dyn Write) -> io::Result<()> {
    let title = sanitize(&table.title);
    writeln!(
        out,
        "{}",
        if style.color {
            title.bold().to_string()
        } else {
            title
        }
    )?;
    if table.rows.is_empty() {
        return writeln!(out, "  (none)");
    }
    let mut grid = Grid::new(table.columns.iter().map(|c| c.to_uppercase()));
    for row in &table.rows {
        grid.push(row.iter().map(|cell| sanitize(cell)));
    }
    writeln!(out, "{}", grid.render(style.width))
}

/// Checks grouped by area, areas in order of first appearance.
fn write_checks(checks: &[Check], style: &Style, out: &mut dyn Write) -> io::Result<()> {
    let mut grid = Grid::new(["STATUS", "CHECK", "FINDING"]);
    let mut areas: Vec<&str> = Vec::new();
    for check in checks {
        if !areas.contains(&check.area()) {
            areas.push(check.area());
        }
    }
    for area in areas {
        grid.push([String::new(), format!("[{area}]"), String::new()]);
        for check in checks.iter().filter(|c| c.area() == area) {
            grid.push([
                status_word(check.status, style),
                sanitize(&check.id),
                finding_text(check),
            ]);
        }
    }
    writeln!(out, "{}", grid.render(style.width))
}

fn finding_text(check: &Check) -> String {
    let mut text = sanitize(&check.summary);
    for detail in &check.details {
        text.push_str("\n- ");
        text.push_str(&sanitize(detail));
    }
    if let Some(hint) = &check.hint {
        text.push_str("\nhint: ");
        text.push_str(&sanitize(hint));
    }
    text
}

fn status_word(status: Status, style: &Style) -> String {
    let word = status.as_str().to_uppercase();
    if !style.color {
        return word;
    }
    match status {
        Status::Ok => word.green().to_string(),
        Status::Skip => word.dimmed().to_string(),
        Status::Warn => word.yellow().bold().to_string(),
        Status::Fail => word.red().bold().to_string(),
        Status::Error => word.magenta().bold().to_string(),
    }
}

fn summary_line(report: &Report, style: &Style) -> String {
    let s = report.summary;
    let mut parts = Vec::new();
    for (count, status) in [
        (s.error, Status::Error),
        (s.fail, Status::Fail),
        (s.warn, Status::Warn),
        (s.ok, Status::Ok),
        (s.skip, Status::Skip),
    ] {
        if count > 0 {
            parts.push(format!("{count} {}", status.as_str()));
        }
    }
    let noun = if s.total == 1 { "check" } else { "checks" };
    let line = format!("{} {noun}: {}", s.total, parts.join(", "));
    if style.color {
        match report.worst() {
            Status::Ok | Status::Skip => line.green().to_string(),
            Status::Warn => line.yellow().to_string(),
            Status::Fail | Status::Error => line.red().to_string(),
        }
    } else {
        line
    }
}

#[cfg(test)]
mod tests {
    use crate::render::tests::render;
    use crate::render::{Format, Style, write};
    use crate::report::tests::sample_report;

    #[test]
    fn plain_table_snapshot() {
        let expected = "\
leases
 SUBNET         PUBLIC IP
 10.244.1.0/24  192.0.2.11
note: read from /run/flannel/subnet.env

 STATUS  CHECK                            FINDING
         [sysctl]
 OK      sysctl.net.ipv4.ip_forward       is 1, as the profile wants
 FAIL    sysctl.net.ipv4.tcp_fin_timeout  is 60, profile wants at most 30
                                          hint: run `k8snet tune --apply`
         [cpu]
 WARN    cpu.steal                        steal is 6.2% over 1s
         [etcd]
 SKIP    etcd.leases                      no etcd configured
         [proxy]
 ERROR   proxy.mode                       iptables-save: \"quoted\"
                                          line
                                          - first detail
5 checks: 1 error, 1 fail, 1 warn, 1 ok, 1 skip
";
        assert_eq!(render(Format::Table), expected);
    }

    #[test]
    fn color_marks_statuses_only_when_asked() {
        let mut out = Vec::new();
        let style = Style {
            color: true,
            width: Some(100),
        };
        colored::control::set_override(true);
        write(&sample_report(), Format::Table, &style, &mut out).expect("render");
        let text = String::from_utf8(out).expect("utf-8");
        assert!(text.contains("\x1b["), "ANSI escapes expected");
        assert!(!render(Format::Table).contains('\x1b'));
    }
}
