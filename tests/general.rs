//! Behaviour every command shares: help, exit codes, errors, completions.

use crate::support::{code, k8snet, run, stderr, stdout};

#[test]
fn help_lists_every_command_and_exit_codes() {
    let out = run(k8snet().arg("--help"));
    assert_eq!(code(&out), Some(0));
    let text = stdout(&out);
    for command in [
        "doctor",
        "check",
        "tune",
        "profile",
        "etcd",
        "backend",
        "proxy",
        "chains",
        "steal",
        "completions",
    ] {
        assert!(text.contains(command), "{command} missing from --help");
    }
    assert!(text.contains("Exit codes:"));
}

#[test]
fn bad_usage_exits_2() {
    let out = run(k8snet().args(["check", "--no-such-flag"]));
    assert_eq!(code(&out), Some(2));
    assert!(stdout(&out).is_empty());
}

#[test]
fn missing_host_root_exits_2_with_a_hint() {
    let out = run(k8snet().args(["--host-root", "/nonexistent/root", "check"]));
    assert_eq!(code(&out), Some(2));
    let err = stderr(&out);
    assert!(
        err.starts_with("k8snet: --host-root /nonexistent/root: not a directory"),
        "{err}"
    );
    assert!(err.contains("hint: "), "{err}");
}

#[test]
fn completions_in_the_repo_are_up_to_date() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("completions");
    for (shell, file) in [
        ("bash", "k8snet.bash"),
        ("zsh", "_k8snet"),
        ("fish", "k8snet.fish"),
        ("elvish", "k8snet.elv"),
        ("powershell", "_k8snet.ps1"),
    ] {
        let out = run(k8snet().args(["completions", shell]));
        assert_eq!(code(&out), Some(0), "{shell}");
        let committed = std::fs::read_to_string(dir.join(file)).unwrap_or_default();
        if std::env::var_os("K8SNET_BLESS").is_some() {
            std::fs::write(dir.join(file), &out.stdout).expect("bless");
            continue;
        }
        assert!(
            committed.as_bytes() == out.stdout.as_slice(),
            "completions/{file} is stale; regenerate with K8SNET_BLESS=1 cargo test completions"
        );
    }
}

#[test]
fn man_page_builds() {
    let out = run(k8snet().arg("manpage"));
    assert_eq!(code(&out), Some(0));
    assert!(stdout(&out).contains(".TH k8snet"));
}

#[test]
fn a_netns_has_its_own_sysctls_and_files() {
    let ns = crate::netns!();
    ns.sh("echo 0 > /proc/sys/net/ipv4/ip_forward && echo 1 > /etc/sysctl.d/probe.conf");
    assert_eq!(ns.read("/proc/sys/net/ipv4/ip_forward"), "0");
    assert_eq!(ns.read("/etc/sysctl.d/probe.conf"), "1");
    assert!(!std::path::Path::new("/etc/sysctl.d/probe.conf").exists());
    ns.sh("echo 1 > /proc/sys/net/ipv4/ip_forward");
    assert_eq!(ns.read("/proc/sys/net/ipv4/ip_forward"), "1");
}
