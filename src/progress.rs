//! Progress for slow work (steal sampling, etcd, lock waits): one line on
//! stderr, redrawn in place, and only when stderr is a terminal, so pipes
//! and CI logs stay clean and stdout carries only the report.
#![allow(clippy::disallowed_macros)]

use std::cell::Cell;
use std::io::{IsTerminal, Write};

/// A single redrawable status line on stderr.
pub struct Progress {
    enabled: bool,
    shown: Cell<bool>,
}

impl Progress {
    /// Shows progress only when stderr is a terminal.
    pub fn detect() -> Self {
        Progress {
            enabled: std::io::stderr().is_terminal(),
            shown: Cell::new(false),
        }
    }

    /// Never shows anything.
    pub fn hidden() -> Self {
        Progress {
            enabled: false,
            shown: Cell::new(false),
        }
    }

    /// Replace the status line with `message`.
    pub fn show(&self, message: &str) {
        if !self.enabled {
            return;
        }
        let mut err = std::io::stderr().lock();
        // \r + clear-to-end-of-line redraws in place without scrolling.
        let _ = write!(err, "\r\x1b[2K{}", crate::render::sanitize(message));
        let _ = err.flush();
        self.shown.set(true);
    }

    /// Remove the status line.
    pub fn clear(&self) {
        if self.enabled && self.shown.replace(false) {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.clear();
    }
}
