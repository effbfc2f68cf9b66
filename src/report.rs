//! The one report model every command returns and every renderer prints.
//!
//! Checks build values of these types and never format output; `render`
//! turns a [`Report`] into table, JSON, YAML, JUnit or Prometheus text.
//! Nothing here knows about terminals or colors.

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

/// Bumped when a field of the JSON/YAML output changes meaning or goes away.
pub const SCHEMA_VERSION: u32 = 1;

/// How one check came out. Ordered from best to worst, so the report's
/// status is the maximum of its checks'.
#[derive(Serialize, Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Checked and fine.
    Ok,
    /// Not applicable on this node (no etcd configured, no kube-proxy).
    Skip,
    /// Works now but will hurt (not persisted, close to a limit).
    Warn,
    /// Broken: the thing the check is about does not hold.
    Fail,
    /// The check itself could not run (unreadable input, etcd unreachable).
    Error,
}

impl Status {
    /// Lower-case name as shown in every format.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Skip => "skip",
            Status::Warn => "warn",
            Status::Fail => "fail",
            Status::Error => "error",
        }
    }

    /// Every status, best first.
    pub const ALL: [Status; 5] = [
        Status::Ok,
        Status::Skip,
        Status::Warn,
        Status::Fail,
        Status::Error,
    ];
}

/// One numeric sample for Prometheus (and for JSON consumers).
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct Metric {
    /// Metric name, `k8snet_` prefixed, snake_case with a unit suffix.
    pub name: &'static str,
    /// One-line HELP text; identical for every sample of one name.
    pub help: &'static str,
    /// Label pairs, in order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<(String, String)>,
    /// The value.
    pub value: f64,
}

impl Metric {
    /// A sample without labels.
    pub fn new(name: &'static str, help: &'static str, value: f64) -> Self {
        Metric {
            name,
            help,
            labels: Vec::new(),
            value,
        }
    }

    /// Add a label.
    pub fn label(mut self, key: &str, value: impl Into<String>) -> Self {
        self.labels.push((key.to_string(), value.into()));
        self
    }
}

/// One finding: a stable id, a status and one sentence about it.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct Check {
    /// Stable id such as `sysctl.net.ipv4.ip_forward` or `etcd.leases`;
    /// the part before the first dot is the area. `--skip`/`--only` match it.
    pub id: String,
    /// The outcome.
    pub status: Status,
    /// One sentence saying what was found.
    pub summary: String,
    /// Stable kebab-case finding code when the status is not ok
    /// (`sysctl-drift`); documented in the README.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<&'static str>,
    /// What to do about it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    /// Further lines, one per affected item (lease, service, CPU).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<String>,
    /// Numbers behind the finding.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub metrics: Vec<Metric>,
}

impl Check {
    /// A check with the given outcome and no code, hint or details.
    pub fn new(id: impl Into<String>, status: Status, summary: impl Into<String>) -> Self {
        Check {
            id: id.into(),
            status,
            summary: summary.into(),
            code: None,
            hint: None,
            details: Vec::new(),
            metrics: Vec::new(),
        }
    }

    /// A passing check.
    pub fn ok(id: impl Into<String>, summary: impl Into<String>) -> Self {
        Check::new(id, Status::Ok, summary)
    }

    /// A check that does not apply here, with the reason.
    pub fn skip(id: impl Into<String>, reason: impl Into<String>) -> Self {
        Check::new(id, Status::Skip, reason)
    }

    /// A check that could not run.
    pub fn error(id: impl Into<String>, err: &anyhow::Error) -> Self {
        let mut check = Check::new(id, Status::Error, format!("{err:#}"));
        check.code = Some("check-error");
        check.hint = crate::error::hint(err);
        check
    }

    /// Set the finding code.
    pub fn code(mut self, code: &'static str) -> Self {
        self.code = Some(code);
        self
    }

    /// Set the hint.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Add a detail line.
    pub fn detail(mut self, line: impl Into<String>) -> Self {
        self.details.push(line.into());
        self
    }

    /// Add a metric.
    pub fn metric(mut self, metric: Metric) -> Self {
        self.metrics.push(metric);
        self
    }

    /// The area: the id up to the first dot (`sysctl`, `etcd`, `cpu`).
    pub fn area(&self) -> &str {
        self.id.split('.').next().unwrap_or(&self.id)
    }
}

/// A listing for people (leases, services, CPUs). JSON and YAML carry the
/// typed [`Report::data`] instead, so no field is lost to formatting.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Table {
    /// Heading printed above the table.
    pub title: String,
    /// Column headers.
    pub columns: Vec<String>,
    /// Cells, row by row.
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// An empty table with these columns.
    pub fn new(title: impl Into<String>, columns: &[&str]) -> Self {
        Table {
            title: title.into(),
            columns: columns.iter().map(|c| c.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    /// Append a row.
    pub fn push(&mut self, row: Vec<String>) {
        self.rows.push(row);
    }
}

/// Counts per status, for the summary line and JSON consumers.
#[derive(Serialize, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Total checks.
    pub total: usize,
    /// Checks that passed.
    pub ok: usize,
    /// Checks skipped.
    pub skip: usize,
    /// Checks that warned.
    pub warn: usize,
    /// Checks that failed.
    pub fail: usize,
    /// Checks that could not run.
    pub error: usize,
}

/// A payload of a report, never a `serde_json::Value` tree: a tree of
/// 50,000 endpoints costs more memory than the dump they came from.
pub enum Payload {
    /// Pretty JSON text indented for its place, copied into JSON output as
    /// it is and streamed into YAML.
    Text(String),
    /// A value that owns its data, serialized only when the report is
    /// written: the megabytes of JSON of 5,000 leases go straight to the
    /// output instead of into memory first.
    Deferred(Box<dyn Deferred>),
}

/// A value a [`Payload::Deferred`] writes when the report is rendered.
pub trait Deferred {
    /// Write it as [`member_json`] does.
    fn write_json(&self, out: &mut dyn std::io::Write) -> Result<(), serde_json::Error>;
}

impl<T: Serialize> Deferred for T {
    fn write_json(&self, out: &mut dyn std::io::Write) -> Result<(), serde_json::Error> {
        // serde_json makes a write per quote, colon and indent; a buffer
        // of our own keeps those from being calls through `dyn Write`.
        use std::io::Write as _;
        let mut buffered = std::io::BufWriter::with_capacity(64 * 1024, out);
        write_member_json(self, &mut buffered)?;
        buffered.flush().map_err(serde_json::Error::io)
    }
}

impl Payload {
    /// Write the payload as pretty JSON one level in.
    pub fn write_json(&self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        match self {
            Payload::Text(json) => out.write_all(json.as_bytes()),
            Payload::Deferred(value) => value.write_json(out).map_err(std::io::Error::other),
        }
    }
}

impl Serialize for Payload {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Payload::Text(json) => Transcoded(json).serialize(serializer),
            // Only YAML gets here, for which a deferred value is written
            // as JSON text first: every payload reaches YAML one way.
            Payload::Deferred(value) => {
                let mut json = Vec::new();
                value
                    .write_json(&mut json)
                    .map_err(serde::ser::Error::custom)?;
                let json = String::from_utf8(json).map_err(serde::ser::Error::custom)?;
                Transcoded(&json).serialize(serializer)
            }
        }
    }
}

impl std::fmt::Debug for Payload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Payload::Text(json) => f.debug_tuple("Text").field(json).finish(),
            Payload::Deferred(_) => f.write_str("Deferred"),
        }
    }
}

/// The result of one command.
#[derive(Debug)]
pub struct Report {
    /// See [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The command that produced it (`doctor`, `etcd leases`).
    pub command: String,
    /// Typed payload for machines (leases, services, samples), flattened
    /// into the top level of JSON and YAML.
    pub data: Vec<(String, Payload)>,
    /// Human listings, shown only by the table renderer.
    pub tables: Vec<Table>,
    /// Free-form notes for people (where data came from, caveats).
    pub notes: Vec<String>,
    /// Findings.
    pub checks: Vec<Check>,
    /// Counts per status; filled by [`Report::finish`].
    pub summary: Summary,
}

impl Serialize for Report {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("schema_version", &self.schema_version)?;
        map.serialize_entry("command", &self.command)?;
        for (key, payload) in &self.data {
            map.serialize_entry(key, payload)?;
        }
        if !self.notes.is_empty() {
            map.serialize_entry("notes", &self.notes)?;
        }
        map.serialize_entry("checks", &self.checks)?;
        map.serialize_entry("summary", &self.summary)?;
        map.end()
    }
}

/// Pretty JSON indented as a member of the top-level object (one level in),
/// so the JSON renderer can copy it verbatim.
pub(crate) fn member_json(value: &impl Serialize) -> Result<String, serde_json::Error> {
    let mut bytes = Vec::new();
    write_member_json(value, &mut bytes)?;
    // serde_json writes only valid UTF-8, so this neither fails nor copies.
    String::from_utf8(bytes).map_err(|e| serde::ser::Error::custom(e.to_string()))
}

/// [`member_json`] written to `out`.
fn write_member_json(
    value: &(impl Serialize + ?Sized),
    out: impl std::io::Write,
) -> Result<(), serde_json::Error> {
    let mut serializer = serde_json::Serializer::with_formatter(out, MemberFormatter::default());
    value.serialize(&mut serializer)
}

/// serde_json's pretty layout (two-space indent, `": "`), started one level
/// deep.
#[derive(Default)]
struct MemberFormatter {
    depth: usize,
    has_value: bool,
}

impl MemberFormatter {
    fn newline<W: ?Sized + std::io::Write>(&self, writer: &mut W) -> std::io::Result<()> {
        // One write per line for the usual depths: this runs for every key.
        const INDENTS: &[u8] = b"\n                ";
        let width = 1 + 2 * (self.depth + 1);
        match INDENTS.get(..width) {
            Some(line) => writer.write_all(line),
            None => {
                writer.write_all(INDENTS)?;
                for _ in INDENTS.len()..width {
                    writer.write_all(b" ")?;
                }
                Ok(())
            }
        }
    }

    fn open<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        bracket: &[u8],
    ) -> std::io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        writer.write_all(bracket)
    }

    fn close<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        bracket: &[u8],
    ) -> std::io::Result<()> {
        self.depth -= 1;
        if self.has_value {
            self.newline(writer)?;
        }
        writer.write_all(bracket)
    }

    fn item<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        if !first {
            writer.write_all(b",")?;
        }
        self.newline(writer)
    }
}

impl serde_json::ser::Formatter for MemberFormatter {
    fn begin_array<W: ?Sized + std::io::Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        self.open(writer, b"[")
    }
    fn end_array<W: ?Sized + std::io::Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        self.close(writer, b"]")
    }
    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.item(writer, first)
    }
    fn end_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        _writer: &mut W,
    ) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }
    fn begin_object<W: ?Sized + std::io::Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        self.open(writer, b"{")
    }
    fn end_object<W: ?Sized + std::io::Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        self.close(writer, b"}")
    }
    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.item(writer, first)
    }
    fn begin_object_value<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
    ) -> std::io::Result<()> {
        writer.write_all(b": ")
    }
    fn end_object_value<W: ?Sized + std::io::Write>(
        &mut self,
        _writer: &mut W,
    ) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

/// Stored JSON text re-emitted event by event into another serializer
/// (YAML), so nothing is rebuilt in memory.
struct Transcoded<'a>(&'a str);

impl Serialize for Transcoded<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut reader = serde_json::Deserializer::from_str(self.0);
        serde_transcode::transcode(&mut reader, serializer)
    }
}

/// What the process exit code should say.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Everything checked is fine: exit 0.
    Healthy,
    /// A finding at or above `--fail-on`: exit 1.
    Findings,
    /// k8snet could not do all it was asked: exit 2.
    Incomplete,
}

impl Outcome {
    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            Outcome::Healthy => 0,
            Outcome::Findings => 1,
            Outcome::Incomplete => 2,
        }
    }
}

/// The lowest status that makes k8snet exit 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum FailOn {
    /// Warnings fail the run too.
    Warn,
    /// Only failures do (the default).
    #[default]
    Fail,
}

impl Report {
    /// An empty report for `command`.
    pub fn new(command: impl Into<String>) -> Self {
        Report {
            schema_version: SCHEMA_VERSION,
            command: command.into(),
            data: Vec::new(),
            tables: Vec::new(),
            notes: Vec::new(),
            checks: Vec::new(),
            summary: Summary::default(),
        }
    }

    /// Attach a typed payload under `key`. Serialization of our own
    /// plain-data types cannot fail; if it ever did, the key holds the
    /// error text rather than aborting the report.
    pub fn with_data(mut self, key: &str, value: &impl Serialize) -> Self {
        let json = member_json(value).unwrap_or_else(|e| {
            serde_json::Value::String(format!("unserializable: {e}")).to_string()
        });
        self.data.push((key.to_string(), Payload::Text(json)));
        self
    }

    /// Attach `value` under `key`, to be serialized when the report is
    /// written: for payloads of megabytes.
    pub fn with_deferred(mut self, key: &str, value: impl Deferred + 'static) -> Self {
        self.data
            .push((key.to_string(), Payload::Deferred(Box::new(value))));
        self
    }

    /// Recompute the per-status counts; renderers call this first.
    pub fn finish(&mut self) {
        let mut summary = Summary {
            total: self.checks.len(),
            ..Summary::default()
        };
        for check in &self.checks {
            match check.status {
                Status::Ok => summary.ok += 1,
                Status::Skip => summary.skip += 1,
                Status::Warn => summary.warn += 1,
                Status::Fail => summary.fail += 1,
                Status::Error => summary.error += 1,
            }
        }
        self.summary = summary;
    }

    /// The worst status of any check (`Ok` for a report without checks).
    pub fn worst(&self) -> Status {
        self.checks
            .iter()
            .map(|c| c.status)
            .max()
            .unwrap_or(Status::Ok)
    }

    /// Exit outcome: any `Error` is incomplete; otherwise findings at or
    /// above `fail_on` are findings.
    pub fn outcome(&self, fail_on: FailOn) -> Outcome {
        let threshold = match fail_on {
            FailOn::Warn => Status::Warn,
            FailOn::Fail => Status::Fail,
        };
        match self.worst() {
            Status::Error => Outcome::Incomplete,
            worst if worst >= threshold => Outcome::Findings,
            _ => Outcome::Healthy,
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A report with every status, a table, a note and metrics; the
    /// renderer snapshots use it.
    pub(crate) fn sample_report() -> Report {
        let mut table = Table::new("leases", &["subnet", "public ip"]);
        table.push(vec!["10.244.1.0/24".into(), "192.0.2.11".into()]);
        // One payload of each kind, so every renderer is tested on both.
        let mut report = Report::new("doctor")
            .with_data("leases", &vec!["10.244.1.0/24"])
            .with_deferred(
                "routes",
                vec![serde_json::json!({"dst": "10.244.2.0/24", "via": ["flannel.1"]})],
            );
        report.tables.push(table);
        report
            .notes
            .push("read from /run/flannel/subnet.env".into());
        report.checks = vec![
            Check::ok("sysctl.net.ipv4.ip_forward", "is 1, as the profile wants"),
            Check::new(
                "sysctl.net.ipv4.tcp_fin_timeout",
                Status::Fail,
                "is 60, profile wants at most 30",
            )
            .code("sysctl-drift")
            .hint("run `k8snet tune --apply`"),
            Check::new("cpu.steal", Status::Warn, "steal is 6.2% over 1s")
                .code("cpu-steal-high")
                .metric(
                    Metric::new("k8snet_cpu_steal_percent", "CPU time stolen, percent", 6.2)
                        .label("cpu", "all"),
                ),
            Check::skip("etcd.leases", "no etcd configured"),
            Check::new(
                "proxy.mode",
                Status::Error,
                "iptables-save: \"quoted\"\nline",
            )
            .code("check-error")
            .detail("first detail"),
        ];
        report.finish();
        report
    }

    #[test]
    fn worst_status_decides_the_outcome() {
        let report = sample_report();
        assert_eq!(report.worst(), Status::Error);
        assert_eq!(report.outcome(FailOn::Fail), Outcome::Incomplete);

        let mut warn_only = Report::new("x");
        warn_only.checks.push(Check::new("a.b", Status::Warn, "w"));
        warn_only.checks.push(Check::skip("c.d", "s"));
        assert_eq!(warn_only.outcome(FailOn::Fail), Outcome::Healthy);
        assert_eq!(warn_only.outcome(FailOn::Warn), Outcome::Findings);
        assert_eq!(Report::new("x").outcome(FailOn::Warn), Outcome::Healthy);
    }

    #[test]
    fn summary_counts_each_status() {
        let report = sample_report();
        assert_eq!(
            report.summary,
            Summary {
                total: 5,
                ok: 1,
                skip: 1,
                warn: 1,
                fail: 1,
                error: 1
            }
        );
    }

    #[test]
    fn member_json_is_serde_pretty_one_level_in() {
        let value = serde_json::json!({
            "empty_list": [], "empty_map": {}, "n": 1.5, "s": "a\nb \"q\"",
            "nested": [{"a": [1, [2, []]], "b": {"c": null}}, [], {}],
        });
        let pretty = serde_json::to_string_pretty(&value).expect("pretty");
        let shifted = pretty.replace('\n', "\n  ");
        assert_eq!(member_json(&value).expect("member"), shifted);
        assert_eq!(member_json(&3).expect("scalar"), "3");
        let deep = serde_json::json!([[[[[[[[[[["deeper than the indent table"]]]]]]]]]]]);
        let pretty = serde_json::to_string_pretty(&deep).expect("pretty");
        assert_eq!(
            member_json(&deep).expect("deep"),
            pretty.replace('\n', "\n  ")
        );
    }

    #[test]
    fn area_is_the_first_id_component() {
        assert_eq!(Check::ok("sysctl.net.ipv4.ip_forward", "").area(), "sysctl");
        assert_eq!(Check::ok("tools", "").area(), "tools");
    }
}
