//! JSON: the report model as is, pretty-printed, newline-terminated.

use std::io::{self, Write};

use crate::report::Report;

/// Write `report` as pretty JSON.
pub fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use crate::render::Format;
    use crate::render::tests::render;

    #[test]
    fn carries_schema_data_checks_and_summary() {
        let json: serde_json::Value =
            serde_json::from_str(&render(Format::Json)).expect("valid JSON");
        assert_eq!(json["schema_version"], 1);
        assert_eq!(json["command"], "doctor");
        assert_eq!(json["leases"][0], "10.244.1.0/24");
        assert_eq!(json["checks"][1]["id"], "sysctl.net.ipv4.tcp_fin_timeout");
        assert_eq!(json["checks"][1]["status"], "fail");
        assert_eq!(json["checks"][1]["code"], "sysctl-drift");
        assert_eq!(json["checks"][2]["metrics"][0]["value"], 6.2);
        assert_eq!(json["summary"]["fail"], 1);
        assert!(json["checks"][0].get("hint").is_none());
    }
}
