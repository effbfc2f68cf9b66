//! JSON: the report model, pretty-printed, newline-terminated.
//!
//! The top-level object is written here so that the payloads, stored as
//! pretty JSON text indented for their place or serialized just now, go to
//! the output as they are rather than parsed again.

use std::io::{self, Write};

use serde::Serialize;

use crate::report::Report;

/// Write `report` as pretty JSON.
pub fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    out.write_all(b"{\n")?;
    member(
        out,
        "schema_version",
        &to_pretty(&report.schema_version)?,
        false,
    )?;
    member(out, "command", &to_pretty(&report.command)?, false)?;
    for (key, payload) in &report.data {
        name(out, key)?;
        payload.write_json(out)?;
        out.write_all(b",\n")?;
    }
    if !report.notes.is_empty() {
        member(out, "notes", &to_pretty(&report.notes)?, false)?;
    }
    member(out, "checks", &to_pretty(&report.checks)?, false)?;
    member(out, "summary", &to_pretty(&report.summary)?, true)?;
    out.write_all(b"}\n")
}

fn to_pretty(value: &impl Serialize) -> io::Result<String> {
    crate::report::member_json(value).map_err(io::Error::other)
}

/// `"key": value`; `json` is already indented one level in (payloads are,
/// see `Report::with_data`; scalars have no newlines).
fn member(out: &mut dyn Write, key: &str, json: &str, last: bool) -> io::Result<()> {
    name(out, key)?;
    out.write_all(json.as_bytes())?;
    out.write_all(if last { b"\n" } else { b",\n" })
}

/// `"key": `, one level in.
fn name(out: &mut dyn Write, key: &str) -> io::Result<()> {
    out.write_all(b"  ")?;
    out.write_all(to_pretty(&key)?.as_bytes())?;
    out.write_all(b": ")
}

#[cfg(test)]
mod tests {
    use crate::render::Format;
    use crate::render::tests::render;

    #[test]
    fn matches_serde_json_pretty_printing_of_the_model() {
        let ours = render(Format::Json);
        let model = serde_json::to_string_pretty(&crate::report::tests::sample_report())
            .expect("serialize");
        assert_eq!(ours, model + "\n");
    }

    #[test]
    fn carries_schema_data_checks_and_summary() {
        let json: serde_json::Value =
            serde_json::from_str(&render(Format::Json)).expect("valid JSON");
        assert_eq!(json["schema_version"], 1);
        assert_eq!(json["command"], "doctor");
        assert_eq!(json["leases"][0], "10.244.1.0/24");
        assert_eq!(json["routes"][0]["via"][0], "flannel.1");
        assert_eq!(json["checks"][1]["id"], "sysctl.net.ipv4.tcp_fin_timeout");
        assert_eq!(json["checks"][1]["status"], "fail");
        assert_eq!(json["checks"][1]["code"], "sysctl-drift");
        assert_eq!(json["checks"][2]["metrics"][0]["value"], 6.2);
        assert_eq!(json["summary"]["fail"], 1);
        assert!(json["checks"][0].get("hint").is_none());
    }
}
