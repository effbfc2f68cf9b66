//! The JSON form of a lease, as `k8snet etcd leases -o json` writes it
//! under `leases`, and [`leases_from_json`] to read that output back (the
//! backend and dataplane checks take it as `--leases-file`).

use ipnet::{Ipv4Net, Ipv6Net};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::etcd::lease::{LeaseAttrs, LeaseEntry};
use crate::etcd::problem::Problem;

/// One lease with everything known about it, borrowed from the lease and
/// its problems: 5,000 leases are written without a copy of any of them.
#[derive(Serialize, Debug)]
pub struct LeaseRecord<'a> {
    /// Full etcd key.
    pub key: &'a str,
    /// IPv4 subnet.
    pub subnet: Ipv4Net,
    /// IPv6 subnet (dual stack).
    pub ipv6_subnet: Option<Ipv6Net>,
    /// Seconds left when read; `null` for a lease without TTL.
    pub ttl: Option<i64>,
    /// The parsed value; `null` when it could not be parsed.
    pub attrs: Option<&'a LeaseAttrs>,
    /// Why the value could not be parsed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<&'a str>,
    /// The stored value, verbatim.
    pub value: &'a str,
    /// Problems found with this lease.
    pub problems: &'a [Problem],
}

impl<'a> LeaseRecord<'a> {
    /// The record of `lease` with its `problems`.
    pub fn new(lease: &'a LeaseEntry, problems: &'a [Problem]) -> Self {
        LeaseRecord {
            key: &lease.key,
            subnet: lease.subnet,
            ipv6_subnet: lease.ipv6_subnet,
            ttl: lease.ttl,
            attrs: lease.attrs.as_ref().ok(),
            error: lease.attrs.as_ref().err().map(String::as_str),
            value: &lease.value,
            problems,
        }
    }
}

/// The leases of a report with the problems of each, written as
/// [`LeaseRecord`]s.
pub struct LeaseRecords {
    leases: Vec<LeaseEntry>,
    problems: Vec<Vec<Problem>>,
}

impl LeaseRecords {
    /// `problems[i]` are those of `leases[i]`.
    pub fn new(leases: Vec<LeaseEntry>, problems: Vec<Vec<Problem>>) -> Self {
        LeaseRecords { leases, problems }
    }
}

impl Serialize for LeaseRecords {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(
            self.leases
                .iter()
                .zip(&self.problems)
                .map(|(lease, problems)| LeaseRecord::new(lease, problems)),
        )
    }
}

/// What reading a record back needs: everything else is derived again.
#[derive(Deserialize)]
struct StoredRecord {
    key: String,
    value: String,
    ttl: Option<i64>,
}

/// Read leases back from `k8snet etcd leases -o json` output (the whole
/// report, or just its `leases` array). Values are re-parsed from the
/// stored `value`, so a file written by an older k8snet reads the same;
/// TTLs are as they were when the file was written.
pub fn leases_from_json(text: &str) -> anyhow::Result<Vec<LeaseEntry>> {
    let mut document: Value =
        serde_json::from_str(text).map_err(|e| anyhow::anyhow!("leases file is not JSON: {e}"))?;
    let list = match &mut document {
        Value::Array(_) => document,
        Value::Object(map) => map.remove("leases").ok_or_else(|| {
            anyhow::anyhow!("no \"leases\" array; write the file with `k8snet etcd leases -o json`")
        })?,
        _ => anyhow::bail!("expected the JSON of `k8snet etcd leases -o json`"),
    };
    let records: Vec<StoredRecord> =
        serde_json::from_value(list).map_err(|e| anyhow::anyhow!("leases: {e}"))?;
    records
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            LeaseEntry::new(r.key, r.value, r.ttl)
                .map_err(|bad| anyhow::anyhow!("leases[{i}]: {}", bad.error))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_read_back_from_a_report_or_a_bare_array() {
        let lease = LeaseEntry::new(
            "/coreos.com/network/subnets/10.5.52.0-24",
            include_str!("../../tests/fixtures/flannel/lease-vxlan-etcdv3-reservations-md.json"),
            Some(100),
        )
        .unwrap();
        let problems = [Problem::warn("etcd-lease-expiring", "soon")];
        let array = serde_json::to_string(&[LeaseRecord::new(&lease, &problems)]).unwrap();
        let report = format!(r#"{{"schema_version":1,"leases":{array}}}"#);
        for text in [array.as_str(), report.as_str()] {
            assert_eq!(leases_from_json(text).unwrap(), vec![lease.clone()]);
        }
    }

    #[test]
    fn wrong_files_are_errors() {
        assert!(
            leases_from_json("{}")
                .unwrap_err()
                .to_string()
                .contains("no \"leases\"")
        );
        assert!(leases_from_json("[{\"key\":1}]").is_err());
        assert!(leases_from_json("not json").is_err());
        let bad_key = r#"[{"key":"/p/subnets/x","subnet":"10.0.0.0/24","ipv6_subnet":null,"ttl":null,"attrs":null,"value":"{}"}]"#;
        assert!(
            leases_from_json(bad_key)
                .unwrap_err()
                .to_string()
                .starts_with("leases[0]")
        );
    }
}
