//! Output: one [`Report`] rendered in the format the user chose.
//!
//! Renderers are free functions from a report to a writer; `write` picks
//! one. Color and width are decided once, in [`Style::detect`].

mod grid;
mod json;
mod junit;
mod prometheus;
mod table;
mod yaml;

use std::io::{self, IsTerminal, Write};

use crate::report::Report;

/// Output format (`-o`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum Format {
    /// Aligned columns for people, grouped by area, summary line last.
    #[default]
    Table,
    /// Pretty JSON with `schema_version`; every field of every item.
    Json,
    /// The same model as JSON, in YAML.
    Yaml,
    /// JUnit XML: one testcase per check (CI test reports).
    Junit,
    /// Prometheus text format for node_exporter's textfile collector.
    Prometheus,
}

/// `--color`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum ColorChoice {
    /// Color when stdout is a terminal and NO_COLOR is unset or empty.
    #[default]
    Auto,
    /// Always color.
    Always,
    /// Never color.
    Never,
}

/// How the table renderer draws.
#[derive(Clone, Copy, Debug)]
pub struct Style {
    /// Use ANSI colors.
    pub color: bool,
    /// The width to fit tables in: the terminal's, or `None` for pipes and
    /// files, where nothing wraps.
    pub width: Option<u16>,
}

impl Style {
    /// Decide color once for the process (fd's rule: NO_COLOR only matters
    /// for `auto`).
    pub fn detect(choice: ColorChoice) -> Self {
        let color = match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                io::stdout().is_terminal()
                    && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        };
        colored::control::set_override(color);
        let width = terminal_size::terminal_size_of(io::stdout()).map(|(width, _)| width.0);
        Style { color, width }
    }

    /// No color, fixed width: for tests and pipes.
    pub fn plain(width: u16) -> Self {
        Style {
            color: false,
            width: Some(width),
        }
    }
}

/// Render `report` as `format`.
pub fn write(
    report: &Report,
    format: Format,
    style: &Style,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Table => table::write(report, style, out),
        Format::Json => json::write(report, out),
        Format::Yaml => yaml::write(report, out),
        Format::Junit => junit::write(report, out),
        Format::Prometheus => prometheus::write(report, out),
    }
}

/// Replace control characters (escape sequences from etcd values, iptables
/// comments or interface names) so they cannot drive the terminal.
pub fn sanitize(text: &str) -> String {
    if !text.chars().any(|c| c.is_control() && c != '\n') {
        return text.to_string();
    }
    text.chars()
        .map(|c| {
            if c.is_control() && c != '\n' {
                '\u{FFFD}'
            } else {
                c
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tests::sample_report;

    pub(crate) fn render(format: Format) -> String {
        let mut out = Vec::new();
        write(&sample_report(), format, &Style::plain(100), &mut out).expect("render");
        String::from_utf8(out).expect("utf-8")
    }

    #[test]
    fn control_characters_are_neutralised() {
        assert_eq!(sanitize("a\x1b[31mb\tc\nd"), "a\u{FFFD}[31mb\u{FFFD}c\nd");
    }

    #[test]
    fn every_format_renders_the_sample() {
        for format in [
            Format::Table,
            Format::Json,
            Format::Yaml,
            Format::Junit,
            Format::Prometheus,
        ] {
            assert!(!render(format).is_empty(), "{format:?}");
        }
    }
}
