//! The JSON form of a lease, as `k8snet etcd leases -o json` writes it
//! under `leases`, and [`leases_from_json`] to read that output back (the
//! backend and dataplane checks take it as `--leases-file`).

use ipnet::{Ipv4Net, Ipv6Net};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::etcd::lease::{LeaseAttrs, LeaseEntry};
use crate::etcd::problem::Problem;

/// One lease with everything known about it.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct LeaseRecord {
    /// Full etcd key.
    pub key: String,
    /// IPv4 subnet.
    pub subnet: Ipv4Net,
    /// IPv6 subnet (dual stack).
    pub ipv6_subnet: Option<Ipv6Net>,
    /// Seconds left when read; `null` for a lease without TTL.
    pub ttl: Option<i64>,
    /// The parsed value; `null` when it could not be parsed.
    pub attrs: Option<LeaseAttrs>,
    /// Why the value could not be parsed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The stored value, verbatim.
    pub value: String,
    /// Problems found with this lease.
    #[serde(default)]
    pub problems: Vec<Problem>,
}

impl LeaseRecord {
    /// The record of `lease` with its `problems`.
    pub fn new(lease: &LeaseEntry, problems: &[Problem]) -> Self {
        LeaseRecord {
            key: lease.key.clone(),
            subnet: lease.subnet,
            ipv6_subnet: lease.ipv6_subnet,
            ttl: lease.ttl,
            attrs: lease.attrs.as_ref().ok().cloned(),
            error: lease.attrs.as_ref().err().cloned(),
            value: lease.value.clone(),
            problems: problems.to_vec(),
        }
    }
}

/// Read leases back from `k8snet etcd leases -o json` output (the whole
/// report, or just its `leases` array). Values are re-parsed from the
/// stored `value`, so a file written by an older k8snet reads the same;
/// TTLs are as they were when the file was written.
pub fn leases_from_json(text: &str) -> anyhow::Result<Vec<LeaseEntry>> {
    let document: Value =
        serde_json::from_str(text).map_err(|e| anyhow::anyhow!("leases file is not JSON: {e}"))?;
    let list = match &document {
        Value::Array(_) => &document,
        Value::Object(map) => map.get("leases").ok_or_else(|| {
            anyhow::anyhow!("no \"leases\" array; write the file with `k8snet etcd leases -o json`")
        })?,
        _ => anyhow::bail!("expected the JSON of `k8snet etcd leases -o json`"),
    };
    let records: Vec<LeaseRecord> =
        serde_json::from_value(list.clone()).map_err(|e| anyhow::anyhow!("leases: {e}"))?;
    records
        .iter()
        .enumerate()
        .map(|(i, r)| {
            LeaseEntry::new(&r.key, &r.value, r.ttl)
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
        let record = LeaseRecord::new(&lease, &[Problem::warn("etcd-lease-expiring", "soon")]);
        let array = serde_json::to_string(&vec![record]).unwrap();
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
