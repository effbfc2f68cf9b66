//! Runs external tools (iptables-save, ip, modprobe, nft) found on a search
//! path.
//!
//! The search path is a value, not the process's `PATH` read at every call,
//! so tests point it at a directory of fake tools without touching the test
//! process's environment.
#![allow(clippy::disallowed_methods)]

use std::ffi::OsString;
use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, ExitStatus, Stdio};

use crate::pipe::Paced;

/// Finds and runs programs on a fixed search path.
#[derive(Clone, Debug)]
pub struct Exec {
    search_path: OsString,
}

/// Why an external tool gave no usable output.
#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    /// Not found on the search path.
    #[error("{program}: not found in PATH")]
    NotInstalled {
        /// Program name as asked for.
        program: String,
    },
    /// Ran, but exited non-zero.
    #[error("`{command}` failed ({status}){}", stderr_suffix(.stderr))]
    Failed {
        /// The command line.
        command: String,
        /// Its exit status.
        status: ExitStatus,
        /// What it printed on stderr, trimmed.
        stderr: String,
    },
    /// Could not be started or its output not read.
    #[error("`{command}`: {source}")]
    Io {
        /// The command line.
        command: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
}

fn stderr_suffix(stderr: &str) -> String {
    if stderr.is_empty() {
        String::new()
    } else {
        format!(": {stderr}")
    }
}

impl Exec {
    /// Search the process's `PATH`, plus the sbin directories where
    /// iptables-save, ip and modprobe live but which a non-root `PATH`
    /// often lacks.
    pub fn from_env() -> Self {
        let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
            .map(|p| std::env::split_paths(&p).collect())
            .unwrap_or_default();
        for extra in ["/usr/local/sbin", "/usr/sbin", "/sbin"] {
            let extra = PathBuf::from(extra);
            if !dirs.contains(&extra) {
                dirs.push(extra);
            }
        }
        let search_path = std::env::join_paths(dirs).unwrap_or_default();
        Exec { search_path }
    }

    /// Search only `search_path` (a `PATH`-style list).
    pub fn with_search_path(search_path: impl Into<OsString>) -> Self {
        Exec {
            search_path: search_path.into(),
        }
    }

    /// Full path of `program`, if it is on the search path.
    pub fn find(&self, program: &str) -> Option<PathBuf> {
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
        which::which_in(program, Some(&self.search_path), cwd).ok()
    }

    /// Run `program args…` and return its stdout; non-zero exit is an error
    /// carrying stderr.
    pub fn run(&self, program: &str, args: &[&str]) -> Result<String, ExecError> {
        let bytes = self.run_bytes(program, args)?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }

    /// Like [`Exec::run`], but returns raw stdout bytes (large dumps are
    /// parsed without an extra UTF-8 copy).
    pub fn run_bytes(&self, program: &str, args: &[&str]) -> Result<Vec<u8>, ExecError> {
        self.run_streaming(program, args, |out| {
            let mut bytes = Vec::new();
            out.read_to_end(&mut bytes)?;
            Ok(bytes)
        })
    }

    /// Run `program args…`, handing its stdout to `read` while it runs, so
    /// a large output is processed as it arrives rather than after the
    /// program exits (in few wake-ups, see [`Paced`]). Whatever `read`
    /// leaves unread is drained (a program blocked on a full pipe would
    /// never exit). An error from `read` is [`ExecError::Io`]; a non-zero
    /// exit is [`ExecError::Failed`] with stderr, and `read`'s result is
    /// dropped.
    pub fn run_streaming<T>(
        &self,
        program: &str,
        args: &[&str],
        read: impl FnOnce(&mut dyn Read) -> std::io::Result<T>,
    ) -> Result<T, ExecError> {
        let command = command_line(program, args);
        let path = self.find(program).ok_or_else(|| ExecError::NotInstalled {
            program: program.to_string(),
        })?;
        let mut child = Command::new(path)
            .args(args)
            .env("PATH", &self.search_path)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|source| ExecError::Io {
                command: command.clone(),
                source,
            })?;
        let value = match child.stdout.take() {
            Some(out) => {
                let mut out = Paced::new(out);
                read(&mut out)
                    .and_then(|value| std::io::copy(&mut out, &mut std::io::sink()).map(|_| value))
            }
            None => read(&mut std::io::empty()),
        };
        let output = child.wait_with_output().map_err(|source| ExecError::Io {
            command: command.clone(),
            source,
        })?;
        let value = value.map_err(|source| ExecError::Io {
            command: command.clone(),
            source,
        })?;
        if !output.status.success() {
            return Err(ExecError::Failed {
                command,
                status: output.status,
                stderr: String::from_utf8_lossy(&output.stderr).trim().to_string(),
            });
        }
        Ok(value)
    }
}

fn command_line(program: &str, args: &[&str]) -> String {
    std::iter::once(program)
        .chain(args.iter().copied())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_program_is_not_installed() {
        let exec = Exec::with_search_path("/nonexistent-dir");
        let err = exec.run("iptables-save", &[]).unwrap_err();
        assert!(matches!(err, ExecError::NotInstalled { .. }));
        assert_eq!(err.to_string(), "iptables-save: not found in PATH");
    }

    #[test]
    fn failure_carries_stderr() {
        let exec = Exec::with_search_path("/usr/bin:/bin");
        let err = exec
            .run("sh", &["-c", "echo boom >&2; exit 3"])
            .unwrap_err();
        let text = err.to_string();
        assert!(text.contains("exit status: 3"), "{text}");
        assert!(text.ends_with(": boom"), "{text}");
    }

    #[test]
    fn unread_output_is_drained_and_failure_still_reported() {
        let exec = Exec::with_search_path("/usr/bin:/bin");
        // More than a pipe holds: the tool only exits once it is read.
        let script = "head -c 1000000 /dev/zero; echo done >&2; exit 4";
        let first = exec
            .run_streaming("sh", &["-c", script], |out| {
                let mut byte = [0u8; 1];
                out.read_exact(&mut byte).map(|()| byte[0])
            })
            .unwrap_err();
        assert!(first.to_string().ends_with(": done"), "{first}");
        let read = exec
            .run_streaming("sh", &["-c", "head -c 1000000 /dev/zero"], |out| {
                let mut byte = [0u8; 1];
                out.read_exact(&mut byte).map(|()| byte[0])
            })
            .expect("runs");
        assert_eq!(read, 0);
    }

    #[test]
    fn stdout_is_returned() {
        let exec = Exec::with_search_path("/usr/bin:/bin");
        assert_eq!(exec.run("sh", &["-c", "echo hi"]).expect("runs"), "hi\n");
    }
}
