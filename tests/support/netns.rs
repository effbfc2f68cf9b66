//! Throwaway network + mount namespaces for the real-kernel tests.
//!
//! A holder process is started with `unshare --net --mount`; it mounts a
//! fresh sysfs (so /sys/class/net shows the namespace), a private /run (so
//! iptables' lock is ours), and tmpfs over /etc/sysctl.d,
//! /etc/modules-load.d and /var/lib, so nothing written in the namespace
//! reaches this machine's files. Commands then run inside it with
//! `nsenter`. The host's own network settings are never touched: every
//! write happens after entering the namespace.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};

/// A private network and mount namespace, removed on drop.
pub struct Netns {
    holder: Child,
    pid: u32,
}

const SETUP: &str = "set -e
mount --make-rprivate /
mount -t sysfs sysfs /sys
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /etc/sysctl.d
mount -t tmpfs tmpfs /etc/modules-load.d
mount -t tmpfs tmpfs /var/lib
ip link set lo up
echo ready
exec sleep 100000";

impl Netns {
    /// Create one, or explain why it cannot be made here (not root, no
    /// unshare). Callers use `require!` with the error.
    pub fn new() -> Result<Netns, String> {
        if !is_root() {
            return Err("needs root for a network namespace".into());
        }
        let mut holder = Command::new("unshare")
            .args(["--net", "--mount", "--fork", "sh", "-c", SETUP])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot run unshare: {e}"))?;
        let mut line = String::new();
        let stdout = holder.stdout.take().expect("piped stdout");
        BufReader::new(stdout)
            .read_line(&mut line)
            .map_err(|e| format!("namespace setup: {e}"))?;
        if line.trim() != "ready" {
            let _ = holder.kill();
            let out = holder.wait_with_output().map_err(|e| e.to_string())?;
            return Err(format!(
                "namespace setup failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        // With --fork, the namespaced shell is the child of unshare.
        let pid = child_pid(holder.id()).ok_or("cannot find the namespace holder")?;
        let ns = Netns { holder, pid };
        let own = std::fs::read_link("/proc/self/ns/net").map_err(|e| e.to_string())?;
        let theirs =
            std::fs::read_link(format!("/proc/{}/ns/net", ns.pid)).map_err(|e| e.to_string())?;
        if own == theirs {
            return Err("refusing to run: the namespace is the host's own".into());
        }
        Ok(ns)
    }

    /// Pid of the process holding the namespace (for `ip link … netns PID`).
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// A command that runs inside the namespace.
    pub fn command(&self, program: &str) -> Command {
        let mut cmd = Command::new("nsenter");
        cmd.arg("-t")
            .arg(self.pid.to_string())
            .args(["--net", "--mount", "--"])
            .arg(program);
        cmd
    }

    /// Run a shell snippet inside; panics with its stderr on failure.
    pub fn sh(&self, script: &str) -> String {
        let out = self
            .command("sh")
            .args(["-c", script])
            .output()
            .expect("nsenter runs");
        assert!(
            out.status.success(),
            "`{script}` failed in the namespace: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Run k8snet inside with `args`.
    pub fn k8snet(&self, args: &[&str]) -> Output {
        let mut cmd = self.command(super::k8snet_bin());
        for (name, _) in std::env::vars_os() {
            let name = name.to_string_lossy().into_owned();
            if name.starts_with("ETCDCTL_")
                || name.starts_with("FLANNELD_")
                || name.starts_with("K8SNET_")
                || name == "NO_COLOR"
            {
                cmd.env_remove(&name);
            }
        }
        cmd.args(args)
            .output()
            .expect("k8snet runs in the namespace")
    }

    /// Load `rules` with a real `tool` (iptables-restore,
    /// iptables-nft-restore, iptables-legacy-restore); panics with its
    /// stderr when it refuses them.
    pub fn restore(&self, tool: &str, rules: &[u8]) {
        let out = super::run_with_input(&mut self.command(tool), rules);
        assert!(
            out.status.success(),
            "{tool} failed in the namespace: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Load tests/fixtures/iptables/NAME with a real `tool` (see
    /// [`Netns::restore`]).
    pub fn restore_fixture(&self, tool: &str, name: &str) {
        let rules = std::fs::read(super::fixture(&format!("iptables/{name}"))).expect("fixture");
        self.restore(tool, &rules);
    }

    /// Read a file as seen inside the namespace (e.g. a /proc/sys key).
    pub fn read(&self, path: &str) -> String {
        self.sh(&format!("cat {path}")).trim().to_string()
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = self.holder.kill();
        let _ = Command::new("kill").arg(self.pid.to_string()).status();
        let _ = self.holder.wait();
    }
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(1).map(|u| u == "0"))
        })
        .unwrap_or(false)
}

fn child_pid(parent: u32) -> Option<u32> {
    let children =
        std::fs::read_to_string(format!("/proc/{parent}/task/{parent}/children")).ok()?;
    children.split_whitespace().next()?.parse().ok()
}
