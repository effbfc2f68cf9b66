//! Test support: a hermetic k8snet command, fixture paths, and throwaway
//! network namespaces for the real-kernel tests.
#![allow(dead_code)]

pub mod etcd;
pub mod netns;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The k8snet binary under test, with an environment that cannot leak in
/// from the developer's shell (colors, widths, etcd and k8snet variables).
pub fn k8snet() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_k8snet"));
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy().into_owned();
        if name.starts_with("ETCDCTL_")
            || name.starts_with("FLANNELD_")
            || name.starts_with("K8SNET_")
            || name.starts_with("CLICOLOR")
            || ["NO_COLOR", "COLUMNS", "KUBECONFIG"].contains(&name.as_str())
        {
            cmd.env_remove(&name);
        }
    }
    cmd
}

/// Path of the k8snet binary (for running it inside a namespace).
pub fn k8snet_bin() -> &'static str {
    env!("CARGO_BIN_EXE_k8snet")
}

/// A file under tests/fixtures/.
pub fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

/// Run and capture, panicking only if the process could not start.
pub fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("k8snet runs")
}

/// Run with `input` on stdin and capture, panicking only if the process
/// could not start or take its input.
pub fn run_with_input(cmd: &mut Command, input: &[u8]) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the command runs");
    // Closed at the end of the statement: the command then sees the end.
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input)
        .expect("write stdin");
    child.wait_with_output().expect("wait")
}

/// stdout as text.
pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// stderr as text.
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Exit code (None when killed by a signal).
pub fn code(output: &Output) -> Option<i32> {
    output.status.code()
}

/// Whether the environment says this is CI, where a skipped test fails.
pub fn in_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false")
}

/// Skip a test that needs something this machine lacks: print why and
/// return, unless in CI, where a skip is a failure.
#[macro_export]
macro_rules! require {
    ($cond:expr, $why:expr) => {
        if !$cond {
            if $crate::support::in_ci() {
                panic!("required in CI but unavailable: {}", $why);
            }
            eprintln!("skipping: {}", $why);
            return;
        }
    };
}

/// The value of a `Result` for something this machine may lack (root, a
/// namespace, etcd): skip the test locally, fail it in CI.
#[macro_export]
macro_rules! available {
    ($result:expr) => {{
        let result = $result;
        $crate::require!(result.is_ok(), format!("{:?}", result.as_ref().err()));
        result.expect("checked")
    }};
}

/// A throwaway network namespace, or skip the test (fail in CI) when none
/// can be made here.
#[macro_export]
macro_rules! netns {
    () => {
        $crate::available!($crate::support::netns::Netns::new())
    };
}

/// A fake node root in a temporary directory.
pub struct FakeRoot {
    pub dir: tempfile::TempDir,
}

impl FakeRoot {
    pub fn new() -> Self {
        FakeRoot {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Write `content` to the node path `rel` (parents created).
    pub fn write(&self, rel: &str, content: &str) -> &Self {
        let path = self.dir.path().join(rel.trim_start_matches('/'));
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, content).expect("write fixture file");
        self
    }

    /// Read the node path `rel`.
    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(rel.trim_start_matches('/')))
            .unwrap_or_else(|e| panic!("reading {rel}: {e}"))
    }

    /// k8snet with `--host-root` pointing here.
    pub fn k8snet(&self) -> Command {
        let mut cmd = k8snet();
        cmd.arg("--host-root").arg(self.dir.path());
        cmd
    }
}
