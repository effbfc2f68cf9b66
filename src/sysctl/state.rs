//! k8snet's own state on the node: the rollback record and the lock, both
//! under /var/lib/k8snet (below --host-root like every node path).

use std::time::Duration;

use anyhow::Context as _;
use serde::{Deserialize, Serialize};

use crate::Context;
use crate::host::HostLock;

const RECORD: &str = "/var/lib/k8snet/rollback.json";
const LOCK: &str = "/var/lib/k8snet/lock";
const LOCK_WAIT: Duration = Duration::from_secs(30);

/// What `tune --apply` changed, so `--rollback` can undo it. Successive
/// applies merge into one record that keeps each key's and file's value
/// from before the first of them, so rollback returns the node to how
/// k8snet found it.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Record {
    /// Profile of the latest apply.
    pub profile: String,
    /// Keys and their values before k8snet changed them.
    pub keys: Vec<KeyBefore>,
    /// Files and their content before k8snet wrote them (`None`: absent).
    pub files: Vec<FileBefore>,
    /// Modules k8snet loaded (never unloaded by rollback).
    pub modules_loaded: Vec<String>,
}

/// A key's value before the first apply.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct KeyBefore {
    /// Dotted key name.
    pub key: String,
    /// Its value then.
    pub previous: String,
}

/// A file's content before the first apply.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct FileBefore {
    /// Node path.
    pub path: String,
    /// Content then, or `None` when it did not exist.
    pub previous: Option<String>,
}

impl Record {
    /// Fold `newer` in, keeping the oldest "before" of each key and file.
    pub fn merge(&mut self, newer: Record) {
        self.profile = newer.profile;
        for key in newer.keys {
            if !self.keys.iter().any(|k| k.key == key.key) {
                self.keys.push(key);
            }
        }
        for file in newer.files {
            if !self.files.iter().any(|f| f.path == file.path) {
                self.files.push(file);
            }
        }
        for module in newer.modules_loaded {
            if !self.modules_loaded.contains(&module) {
                self.modules_loaded.push(module);
            }
        }
    }

    /// Nothing to undo.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty() && self.files.is_empty() && self.modules_loaded.is_empty()
    }
}

/// Read the record; `None` when there is none.
pub fn load(ctx: &Context) -> anyhow::Result<Option<Record>> {
    let Some(text) = ctx.host.read_optional(RECORD)? else {
        return Ok(None);
    };
    let record = serde_json::from_str(&text).map_err(|e| {
        crate::error::hinted(
            format!(
                "{}: not a k8snet rollback record: {e}",
                ctx.host.path(RECORD).display()
            ),
            "the file was edited or truncated; restore values by hand and delete it",
        )
    })?;
    Ok(Some(record))
}

/// Merge `newer` into the stored record and save it atomically.
pub fn save_merged(ctx: &Context, newer: Record) -> anyhow::Result<()> {
    let mut record = load(ctx)?.unwrap_or_default();
    record.merge(newer);
    store(ctx, &record)
}

/// Replace the stored record (an empty one removes the file).
pub fn store(ctx: &Context, record: &Record) -> anyhow::Result<()> {
    if record.is_empty() {
        ctx.host.remove(RECORD)?;
        return Ok(());
    }
    let json = serde_json::to_string_pretty(record).context("encoding the rollback record")?;
    ctx.host.write_atomic(RECORD, &(json + "\n"))?;
    Ok(())
}

/// Node path of the record, for messages.
pub fn record_path() -> &'static str {
    RECORD
}

/// Take the tune lock, waiting up to 30 s for another run to finish.
pub fn lock(ctx: &Context) -> anyhow::Result<HostLock> {
    let start = ctx.host.clock.now();
    loop {
        if let Some(lock) = ctx.host.try_lock(LOCK)? {
            ctx.progress.clear();
            return Ok(lock);
        }
        let waited = ctx.host.clock.now() - start;
        if waited >= LOCK_WAIT {
            ctx.progress.clear();
            return Err(crate::error::hinted(
                format!(
                    "another k8snet tune still holds {} after {}s",
                    ctx.host.path(LOCK).display(),
                    LOCK_WAIT.as_secs()
                ),
                "wait for it to finish (ps -C k8snet), then run again",
            ));
        }
        ctx.progress.show(&format!(
            "waiting for another k8snet tune to release {LOCK} ({}s)",
            waited.as_secs()
        ));
        ctx.host.clock.sleep(Duration::from_millis(100));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(k: &str, v: &str) -> KeyBefore {
        KeyBefore {
            key: k.into(),
            previous: v.into(),
        }
    }

    #[test]
    fn merge_keeps_the_oldest_before_values() {
        let mut first = Record {
            profile: "a".into(),
            keys: vec![key("net.ipv4.ip_forward", "0")],
            files: vec![FileBefore {
                path: "/etc/sysctl.d/99-k8snet.conf".into(),
                previous: None,
            }],
            modules_loaded: vec![],
        };
        first.merge(Record {
            profile: "b".into(),
            keys: vec![
                key("net.ipv4.ip_forward", "1"),
                key("net.ipv4.tcp_fin_timeout", "60"),
            ],
            files: vec![FileBefore {
                path: "/etc/sysctl.d/99-k8snet.conf".into(),
                previous: Some("x".into()),
            }],
            modules_loaded: vec!["br_netfilter".into()],
        });
        assert_eq!(first.profile, "b");
        assert_eq!(
            first.keys,
            vec![
                key("net.ipv4.ip_forward", "0"),
                key("net.ipv4.tcp_fin_timeout", "60")
            ]
        );
        assert_eq!(first.files[0].previous, None);
        assert_eq!(first.modules_loaded, vec!["br_netfilter"]);
    }
}
