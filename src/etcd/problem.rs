//! One thing wrong with flannel's data: a stable finding code, how bad it
//! is, and a sentence about the config field or lease it concerns.

use serde::{Deserialize, Serialize};

use crate::report::Status;

/// A finding about the network config or one lease.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// Stable kebab-case code, e.g. `etcd-lease-overlap`.
    pub code: String,
    /// `warn` (works now, will hurt) or `fail` (broken).
    pub status: ProblemStatus,
    /// One sentence naming the field or lease.
    pub message: String,
}

/// How bad a [`Problem`] is.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum ProblemStatus {
    /// Works now but will hurt.
    Warn,
    /// Broken, or flanneld would refuse it.
    Fail,
}

impl ProblemStatus {
    /// The report status with the same meaning.
    pub fn status(self) -> Status {
        match self {
            ProblemStatus::Warn => Status::Warn,
            ProblemStatus::Fail => Status::Fail,
        }
    }
}

impl Problem {
    /// A broken field or lease.
    pub fn fail(code: &str, message: impl Into<String>) -> Self {
        Problem {
            code: code.to_string(),
            status: ProblemStatus::Fail,
            message: message.into(),
        }
    }

    /// Something that works now but will hurt.
    pub fn warn(code: &str, message: impl Into<String>) -> Self {
        Problem {
            code: code.to_string(),
            status: ProblemStatus::Warn,
            message: message.into(),
        }
    }
}
