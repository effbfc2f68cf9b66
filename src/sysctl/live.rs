//! Reading sysctl values from /proc/sys (through Host) and explaining the
//! ones that cannot be read.

use crate::host::{Host, HostError};
use crate::profile::normalize_value;

use super::SysctlKey;

/// What /proc/sys says about a key right now.
#[derive(Clone, Debug, PartialEq)]
pub enum Live {
    /// The value, whitespace-normalised (`1024 65535`).
    Value(String),
    /// The file does not exist; see [`super::modules`] for why.
    Missing,
    /// The file exists but could not be read.
    Unreadable(String),
}

/// Read one key.
pub fn read(host: &Host, key: &SysctlKey) -> Live {
    match host.read(&key.proc_path()) {
        Ok(text) => Live::Value(normalize_value(&text)),
        Err(HostError::NotFound { .. }) => Live::Missing,
        Err(e) => Live::Unreadable(e.to_string()),
    }
}

/// Write one key; the error kind tells read-only from not-root.
pub fn write(host: &Host, key: &SysctlKey, value: &str) -> Result<(), HostError> {
    // The kernel parses whitespace-separated fields; a trailing newline is
    // what sysctl(8) writes too.
    host.write_in_place(&key.proc_path(), &format!("{value}\n"))
}
