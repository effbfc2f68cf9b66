//! `check`, `tune` and `profile` against fake node roots, and against the
//! real kernel inside throwaway network namespaces.

use serde_json::Value;

use crate::support::{FakeRoot, code, fixture, run, stderr, stdout};

/// A node where everything the default profile wants is in place.
fn healthy_node() -> FakeRoot {
    let root = FakeRoot::new();
    root.write("/proc/sys/net/ipv4/ip_forward", "1\n")
        .write("/proc/sys/net/bridge/bridge-nf-call-iptables", "1\n")
        .write("/proc/sys/net/netfilter/nf_conntrack_max", "262144\n")
        .write("/proc/sys/net/netfilter/nf_conntrack_count", "1200\n")
        .write("/proc/sys/net/netfilter/nf_conntrack_buckets", "65536\n")
        .write("/proc/sys/net/ipv4/tcp_fin_timeout", "30\n")
        .write("/proc/sys/kernel/osrelease", "6.1.0-18-amd64\n")
        .write("/sys/devices/system/cpu/online", "0-3\n")
        .write(
            "/proc/modules",
            "br_netfilter 32768 0 - Live 0x0\noverlay 151552 0 - Live 0x0\n",
        )
        .write("/etc/modules-load.d/k8s.conf", "br_netfilter\noverlay\n")
        .write(
            "/etc/sysctl.d/99-kubernetes.conf",
            "net.ipv4.ip_forward = 1\nnet.bridge.bridge-nf-call-iptables = 1\nnet.netfilter.nf_conntrack_max = 262144\nnet.ipv4.tcp_fin_timeout = 30\n",
        );
    root
}

fn json(output: &std::process::Output) -> Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("invalid JSON ({e}): {}", stdout(output)))
}

fn check_by_id<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .and_then(|checks| checks.iter().find(|c| c["id"] == id))
        .unwrap_or_else(|| panic!("no check {id} in {report:#}"))
}

#[test]
fn healthy_node_passes_with_exit_0() {
    let root = healthy_node();
    let out = run(root.k8snet().args(["check", "-o", "json"]));
    assert_eq!(code(&out), Some(0), "{}", stdout(&out));
    let report = json(&out);
    assert_eq!(report["summary"]["fail"], 0);
    assert_eq!(report["summary"]["warn"], 0, "{report:#}");
    let boot = check_by_id(&report, "boot.net.ipv4.ip_forward");
    assert_eq!(
        boot["summary"],
        "boot sets 1 (/etc/sysctl.d/99-kubernetes.conf:1)"
    );
}

#[test]
fn drift_fails_with_current_and_wanted_values() {
    let root = healthy_node();
    root.write("/proc/sys/net/ipv4/ip_forward", "0\n");
    let out = run(root.k8snet().args(["check", "-o", "json"]));
    assert_eq!(code(&out), Some(1));
    let report = json(&out);
    let check = check_by_id(&report, "sysctl.net.ipv4.ip_forward");
    assert_eq!(check["status"], "fail");
    assert_eq!(check["code"], "sysctl-drift");
    assert_eq!(check["summary"], "is 0, profile wants 1");
    let boot = check_by_id(&report, "boot.net.ipv4.ip_forward");
    assert_eq!(boot["code"], "sysctl-persist-not-applied");
}

#[test]
fn missing_key_names_the_module_and_the_fix() {
    let root = healthy_node();
    std::fs::remove_dir_all(root.path().join("proc/sys/net/bridge")).expect("rm");
    root.write("/proc/modules", "overlay 151552 0 - Live 0x0\n")
        .write(
            "/lib/modules/6.1.0-18-amd64/modules.dep",
            "kernel/net/bridge/br_netfilter.ko.xz: kernel/net/bridge/bridge.ko.xz\n",
        );
    let out = run(root.k8snet().args(["check", "-o", "json"]));
    assert_eq!(code(&out), Some(1));
    let report = json(&out);
    let key = check_by_id(&report, "sysctl.net.bridge.bridge-nf-call-iptables");
    assert_eq!(key["code"], "sysctl-missing");
    assert!(
        key["summary"]
            .as_str()
            .expect("text")
            .contains("module br_netfilter is not loaded")
    );
    assert!(
        key["hint"]
            .as_str()
            .expect("text")
            .contains("modprobe br_netfilter")
    );
    let module = check_by_id(&report, "module.br_netfilter");
    assert_eq!(module["code"], "module-missing");
}

#[test]
fn kernel_without_module_support_is_a_normal_configuration() {
    let root = healthy_node();
    std::fs::remove_file(root.path().join("proc/modules")).expect("rm");
    root.write("/proc/filesystems", "nodev\tproc\nnodev\toverlay\n");
    let out = run(root.k8snet().args(["check", "-o", "json"]));
    assert_eq!(code(&out), Some(0), "{}", stdout(&out));
    let report = json(&out);
    let module = check_by_id(&report, "module.br_netfilter");
    assert_eq!(module["status"], "ok");
    assert!(
        module["summary"]
            .as_str()
            .expect("text")
            .starts_with("built into the kernel")
    );
}

#[test]
fn blame_names_the_file_that_overrides_the_persisted_value() {
    let root = healthy_node();
    root.write("/etc/sysctl.conf", "# local\nnet.ipv4.ip_forward=0\n");
    let out = run(root.k8snet().args(["check", "-o", "json"]));
    let report = json(&out);
    let boot = check_by_id(&report, "boot.net.ipv4.ip_forward");
    assert_eq!(boot["code"], "sysctl-persist-overridden");
    let summary = boot["summary"].as_str().expect("text");
    assert!(
        summary.contains("/etc/sysctl.d/99-kubernetes.conf:1"),
        "{summary}"
    );
    assert!(
        summary.contains("overridden by /etc/sysctl.conf:2 (sets 0)"),
        "{summary}"
    );
    assert_eq!(code(&out), Some(0), "warnings alone do not fail");
    let strict = run(root.k8snet().args(["--fail-on", "warn", "check"]));
    assert_eq!(code(&strict), Some(1));
}

#[test]
fn an_earlier_directory_shadows_a_same_named_file() {
    let root = healthy_node();
    root.write(
        "/usr/lib/sysctl.d/50-default.conf",
        "net.ipv4.tcp_fin_timeout = 60\n",
    )
    .write("/etc/sysctl.d/50-default.conf", "# masked by the admin\n")
    .write(
        "/etc/sysctl.d/99-kubernetes.conf",
        "net.ipv4.ip_forward = 1\n",
    );
    let out = run(root.k8snet().args(["check", "-o", "json"]));
    let report = json(&out);
    let boot = check_by_id(&report, "boot.net.ipv4.tcp_fin_timeout");
    assert_eq!(boot["code"], "sysctl-not-persisted", "{boot:#}");
}

#[test]
fn invalid_profiles_exit_2_with_file_line_and_column() {
    for (file, expected) in [
        (
            "invalid-unknown-field.yaml",
            ":4:5: sysctls.net.ipv4.ip_forward: unknown field `valu`",
        ),
        (
            "invalid-min-max.yaml",
            ":4:5: sysctls.net.core.somaxconn: min (4096) is greater than max (1024)",
        ),
        (
            "invalid-key.yaml",
            ":3:3: sysctls: `ip_forward` is not a sysctl key",
        ),
        ("invalid-syntax.yaml", ":3:1: "),
        ("loop-a.yaml", "profile inheritance loops"),
    ] {
        let path = fixture(&format!("profiles/{file}"));
        let out = run(healthy_node()
            .k8snet()
            .args(["check", "--profile"])
            .arg(&path));
        assert_eq!(code(&out), Some(2), "{file}");
        assert!(stdout(&out).is_empty(), "{file}: nothing on stdout");
        let err = stderr(&out);
        assert!(err.contains(expected), "{file}: {err}");
        assert!(err.starts_with("k8snet: "), "{file}: {err}");
    }
}

#[test]
fn tune_applies_persists_is_idempotent_and_rolls_back() {
    let root = healthy_node();
    root.write("/proc/sys/net/ipv4/ip_forward", "0\n")
        .write("/proc/sys/net/ipv4/tcp_fin_timeout", "60\n")
        .write("/proc/sys/net/netfilter/nf_conntrack_max", "524288\n");
    let dry = run(root.k8snet().args(["tune", "-o", "json"]));
    assert_eq!(code(&dry), Some(0));
    assert_eq!(
        root.read("/proc/sys/net/ipv4/ip_forward"),
        "0\n",
        "dry run writes nothing"
    );

    let applied = run(root.k8snet().args(["tune", "--apply", "-o", "json"]));
    assert_eq!(code(&applied), Some(0), "{}", stderr(&applied));
    assert_eq!(root.read("/proc/sys/net/ipv4/ip_forward"), "1\n");
    assert_eq!(root.read("/proc/sys/net/ipv4/tcp_fin_timeout"), "30\n");
    assert_eq!(
        root.read("/proc/sys/net/netfilter/nf_conntrack_max"),
        "524288\n",
        "min never lowers"
    );
    let persisted = root.read("/etc/sysctl.d/99-k8snet.conf");
    assert!(
        persisted.contains("net.ipv4.ip_forward = 1\n"),
        "{persisted}"
    );
    assert!(
        persisted.contains("net.netfilter.nf_conntrack_max = 524288\n"),
        "{persisted}"
    );
    assert_eq!(
        root.read("/etc/modules-load.d/k8snet.conf")
            .lines()
            .filter(|l| !l.starts_with('#'))
            .collect::<Vec<_>>(),
        ["br_netfilter", "overlay"]
    );

    let again = run(root.k8snet().args(["tune", "--apply"]));
    assert_eq!(code(&again), Some(0));
    assert!(
        stdout(&again).contains("nothing to change"),
        "{}",
        stdout(&again)
    );

    let back = run(root.k8snet().args(["tune", "--rollback"]));
    assert_eq!(code(&back), Some(0), "{}", stdout(&back));
    assert_eq!(root.read("/proc/sys/net/ipv4/ip_forward"), "0\n");
    assert_eq!(root.read("/proc/sys/net/ipv4/tcp_fin_timeout"), "60\n");
    assert!(!root.path().join("etc/sysctl.d/99-k8snet.conf").exists());
    assert!(!root.path().join("var/lib/k8snet/rollback.json").exists());
    let nothing = run(root.k8snet().args(["tune", "--rollback"]));
    assert!(stdout(&nothing).contains("nothing to roll back"));
}

#[test]
fn a_crash_before_rename_leaves_the_persisted_file_intact() {
    let root = healthy_node();
    root.write("/etc/sysctl.d/99-kubernetes.conf", "# nothing\n")
        .write("/etc/sysctl.d/99-k8snet.conf", "net.ipv4.ip_forward = 1\n")
        .write(
            "/etc/sysctl.d/.99-k8snet.conf.4242.tmp",
            "net.ipv4.ip_forward = 0\n",
        );
    let out = run(root.k8snet().args(["check", "-o", "json"]));
    let report = json(&out);
    let boot = check_by_id(&report, "boot.net.ipv4.ip_forward");
    assert_eq!(
        boot["summary"],
        "boot sets 1 (/etc/sysctl.d/99-k8snet.conf:1)"
    );
    assert!(
        report["evaluation"]["boot"]["files"]
            .as_array()
            .expect("files")
            .iter()
            .all(|f| !f.as_str().expect("path").ends_with(".tmp"))
    );
}

#[test]
fn tune_waits_for_a_held_lock() {
    let root = healthy_node();
    root.write("/proc/sys/net/ipv4/ip_forward", "0\n");
    let lock = root.path().join("var/lib/k8snet/lock");
    std::fs::create_dir_all(lock.parent().expect("dir")).expect("mkdir");
    let mut holder = std::process::Command::new("flock")
        .arg(&lock)
        .args(["-c", "sleep 1"])
        .spawn()
        .expect("flock runs");
    // Let flock take the lock before tune starts: /proc/locks names the
    // locked file by device and inode.
    let inode = loop {
        if let Ok(meta) = std::fs::metadata(&lock) {
            break std::os::unix::fs::MetadataExt::ino(&meta);
        }
        std::thread::yield_now();
    };
    let held = format!(":{inode} ");
    while !std::fs::read_to_string("/proc/locks")
        .unwrap_or_default()
        .lines()
        .any(|l| l.contains("FLOCK") && l.contains(&held))
    {
        std::thread::yield_now();
    }
    let out = run(root.k8snet().args(["tune", "--apply"]));
    let holder_status = holder.try_wait().expect("wait");
    assert!(
        holder_status.is_some(),
        "tune finished while the lock was still held"
    );
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    assert_eq!(root.read("/proc/sys/net/ipv4/ip_forward"), "1\n");
    holder.wait().expect("reap");
}

#[test]
fn profile_commands_list_show_and_explain() {
    let out = run(crate::support::k8snet().args(["profile", "list"]));
    assert_eq!(code(&out), Some(0));
    for name in ["k8s-node", "k8s-node-ipvs", "k8s-node-highconn"] {
        assert!(stdout(&out).contains(name), "{name}");
    }
    let out = run(crate::support::k8snet().args([
        "profile",
        "explain",
        "net.bridge.bridge-nf-call-iptables",
    ]));
    assert_eq!(code(&out), Some(0));
    assert!(stdout(&out).contains("Service"), "{}", stdout(&out));
    let out = run(crate::support::k8snet().args(["profile", "explain", "net.ipv4.vs.conntrack"]));
    assert_eq!(code(&out), Some(2));
    assert!(stderr(&out).contains("k8s-node-ipvs"), "{}", stderr(&out));
    let out =
        run(crate::support::k8snet().args(["profile", "show", "k8s-node-ipvs", "-o", "yaml"]));
    assert_eq!(code(&out), Some(0));
    let yaml: serde_yaml::Value = serde_yaml::from_slice(&out.stdout).expect("yaml");
    assert_eq!(yaml["profile"]["sources"][1], "embedded:k8s-node");
}

#[test]
fn real_kernel_tune_apply_persist_and_rollback_in_a_netns() {
    let ns = crate::netns!();
    ns.sh("echo 0 > /proc/sys/net/ipv4/ip_forward; echo 60 > /proc/sys/net/ipv4/tcp_fin_timeout");
    let profile = fixture("profiles/netns-safe.yaml");
    let profile = profile.to_str().expect("utf-8 path");

    let out = ns.k8snet(&["check", "--profile", profile, "-o", "json"]);
    assert_eq!(code(&out), Some(1));

    let out = ns.k8snet(&["tune", "--apply", "--profile", profile]);
    assert_eq!(code(&out), Some(0), "{}{}", stdout(&out), stderr(&out));
    assert_eq!(ns.read("/proc/sys/net/ipv4/ip_forward"), "1");
    assert_eq!(ns.read("/proc/sys/net/ipv4/tcp_fin_timeout"), "30");
    let persisted = ns.read("/etc/sysctl.d/99-k8snet.conf");
    assert!(persisted.contains("net.ipv4.ip_forward = 1"), "{persisted}");
    assert!(
        persisted.contains("net.ipv4.tcp_fin_timeout = 30"),
        "{persisted}"
    );
    assert!(
        persisted.contains("net.bridge.bridge-nf-call-iptables = 1"),
        "{persisted}"
    );

    let out = ns.k8snet(&["check", "--profile", profile]);
    assert_eq!(code(&out), Some(0), "{}", stdout(&out));

    let out = ns.k8snet(&["tune", "--apply", "--profile", profile]);
    assert_eq!(code(&out), Some(0));
    assert!(
        stdout(&out).contains("nothing to change"),
        "{}",
        stdout(&out)
    );

    let out = ns.k8snet(&["tune", "--rollback"]);
    assert_eq!(code(&out), Some(0), "{}", stdout(&out));
    assert_eq!(ns.read("/proc/sys/net/ipv4/ip_forward"), "0");
    assert_eq!(ns.read("/proc/sys/net/ipv4/tcp_fin_timeout"), "60");
    assert_eq!(ns.sh("ls /etc/sysctl.d"), "");
}

#[test]
fn real_kernel_host_wide_key_is_reported_unwritable_while_others_apply() {
    let ns = crate::netns!();
    ns.sh("echo 0 > /proc/sys/net/ipv4/ip_forward");
    let conntrack_before = ns.read("/proc/sys/net/netfilter/nf_conntrack_max");
    let profile = fixture("profiles/conntrack-raise.yaml");
    let out = ns.k8snet(&[
        "tune",
        "--apply",
        "--profile",
        profile.to_str().expect("path"),
        "-o",
        "json",
    ]);
    assert_eq!(code(&out), Some(1), "{}", stdout(&out));
    let report = json(&out);
    let conntrack = check_by_id(&report, "tune.net.netfilter.nf_conntrack_max");
    assert_eq!(conntrack["code"], "sysctl-unwritable");
    assert!(
        conntrack["summary"]
            .as_str()
            .expect("text")
            .contains("read-only outside the initial network namespace"),
        "{conntrack:#}"
    );
    assert_eq!(
        ns.read("/proc/sys/net/ipv4/ip_forward"),
        "1",
        "the other keys still apply"
    );
    assert_eq!(
        ns.read("/proc/sys/net/netfilter/nf_conntrack_max"),
        conntrack_before
    );
    let scope = run(ns
        .command(crate::support::k8snet_bin())
        .args(["check", "-o", "json"]));
    let scope = check_by_id(&json(&scope), "netns.scope").clone();
    assert_eq!(scope["code"], "netns-not-initial", "{scope:#}");
}

#[test]
fn real_kernel_atomic_reverts_what_was_written() {
    let ns = crate::netns!();
    ns.sh("echo 0 > /proc/sys/net/ipv4/ip_forward; echo 60 > /proc/sys/net/ipv4/tcp_fin_timeout");
    let profile = fixture("profiles/conntrack-raise.yaml");
    let out = ns.k8snet(&[
        "tune",
        "--apply",
        "--atomic",
        "--profile",
        profile.to_str().expect("path"),
        "-o",
        "json",
    ]);
    assert_eq!(code(&out), Some(1));
    let report = json(&out);
    assert_eq!(
        check_by_id(&report, "tune.net.ipv4.ip_forward")["code"],
        "tune-reverted"
    );
    assert_eq!(ns.read("/proc/sys/net/ipv4/ip_forward"), "0");
    assert_eq!(ns.read("/proc/sys/net/ipv4/tcp_fin_timeout"), "60");
    assert_eq!(ns.sh("ls /etc/sysctl.d"), "", "nothing persisted");
}

#[test]
fn real_kernel_read_only_proc_sys_is_found_and_every_key_says_why() {
    let ns = crate::netns!();
    ns.sh("echo 0 > /proc/sys/net/ipv4/ip_forward");
    // What a container runtime does; this mount namespace is the test's own.
    ns.sh("mount --bind /proc/sys /proc/sys && mount -o remount,bind,ro /proc/sys");
    let check = ns.k8snet(&["check", "-o", "json"]);
    let scope = check_by_id(&json(&check), "netns.scope").clone();
    assert_eq!(scope["code"], "procsys-read-only", "{scope:#}");

    let out = ns.k8snet(&["tune", "--apply", "--no-persist", "-o", "json"]);
    assert_eq!(code(&out), Some(1), "{}", stdout(&out));
    let forward = check_by_id(&json(&out), "tune.net.ipv4.ip_forward").clone();
    assert_eq!(forward["code"], "sysctl-unwritable", "{forward:#}");
    assert!(
        forward["summary"]
            .as_str()
            .expect("text")
            .contains("mounted read-only"),
        "{forward:#}"
    );
    assert_eq!(ns.read("/proc/sys/net/ipv4/ip_forward"), "0");
}
