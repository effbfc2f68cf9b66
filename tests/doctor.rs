//! `k8snet doctor` end to end on fake node roots: selection, exit codes and
//! the CI formats, validated by real parsers.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::support::{FakeRoot, code, run, stderr, stdout};

fn node() -> FakeRoot {
    let root = FakeRoot::new();
    root.write("/proc/sys/net/ipv4/ip_forward", "1\n")
        .write("/proc/sys/net/bridge/bridge-nf-call-iptables", "1\n")
        .write("/proc/sys/net/netfilter/nf_conntrack_max", "262144\n")
        .write("/proc/sys/net/netfilter/nf_conntrack_count", "10\n")
        .write("/proc/sys/net/ipv4/tcp_fin_timeout", "30\n")
        .write("/proc/filesystems", "nodev\toverlay\n")
        .write(
            "/etc/sysctl.d/99-k8snet.conf",
            "net.ipv4.ip_forward = 1\nnet.bridge.bridge-nf-call-iptables = 1\nnet.netfilter.nf_conntrack_max = 262144\nnet.ipv4.tcp_fin_timeout = 30\n",
        );
    root
}

fn doctor(root: &FakeRoot, extra: &[&str]) -> std::process::Output {
    run(root
        .k8snet()
        .args([
            "doctor",
            "--steal-interval",
            "0",
            "--only",
            "sysctl.*",
            "--only",
            "boot.*",
            "--only",
            "module.*",
            "--only",
            "conntrack.*",
        ])
        .args(extra))
}

#[test]
fn healthy_node_exits_0_and_a_broken_key_turns_exactly_its_check() {
    let root = node();
    let out = doctor(&root, &["-o", "json"]);
    assert_eq!(code(&out), Some(0), "{}{}", stdout(&out), stderr(&out));
    root.write("/proc/sys/net/ipv4/ip_forward", "0\n");
    let out = doctor(&root, &["-o", "json"]);
    assert_eq!(code(&out), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(report["schema_version"], 1);
    let failing: Vec<&str> = report["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .filter(|c| c["status"] == "fail")
        .map(|c| c["id"].as_str().expect("id"))
        .collect();
    assert_eq!(failing, ["sysctl.net.ipv4.ip_forward"]);
}

#[test]
fn skip_and_only_select_checks_by_glob() {
    let root = node();
    root.write("/proc/sys/net/ipv4/ip_forward", "0\n");
    let out = doctor(
        &root,
        &[
            "--skip",
            "sysctl.net.ipv4.ip_forward",
            "--skip",
            "boot.*",
            "-o",
            "json",
        ],
    );
    assert_eq!(code(&out), Some(0), "{}", stdout(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let ids: Vec<&str> = report["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .map(|c| c["id"].as_str().expect("id"))
        .collect();
    assert!(!ids.contains(&"sysctl.net.ipv4.ip_forward"));
    assert!(
        ids.iter()
            .all(|id| !id.starts_with("boot.") && !id.starts_with("tools.")),
        "{ids:?}"
    );
    assert!(ids.contains(&"sysctl.net.ipv4.tcp_fin_timeout"));
}

#[test]
fn fail_on_warn_turns_warnings_into_exit_1() {
    let root = node();
    root.write("/etc/sysctl.d/99-k8snet.conf", "net.ipv4.ip_forward = 1\n");
    assert_eq!(code(&doctor(&root, &[])), Some(0));
    assert_eq!(code(&doctor(&root, &["--fail-on", "warn"])), Some(1));
}

#[test]
fn junit_on_stdout_and_in_a_file_is_well_formed() {
    let root = node();
    root.write("/proc/sys/net/ipv4/ip_forward", "0\n");
    let file = root.path().join("report.xml");
    let out = doctor(&root, &["--junit-file", file.to_str().expect("path")]);
    assert_eq!(code(&out), Some(1));
    assert!(stdout(&out).contains("FAIL"), "table on stdout");
    let xml = std::fs::read_to_string(&file).expect("junit file written");
    let doc = roxmltree::Document::parse(&xml).expect("well-formed XML");
    let root_el = doc.root_element();
    assert_eq!(root_el.tag_name().name(), "testsuites");
    let failures: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("failure"))
        .collect();
    assert_eq!(failures.len(), 1);
    let case = failures[0].parent().expect("testcase");
    assert_eq!(case.attribute("name"), Some("sysctl.net.ipv4.ip_forward"));
    let stdout_xml = doctor(&root, &["-o", "junit"]);
    roxmltree::Document::parse(&stdout(&stdout_xml)).expect("stdout junit is XML");
}

#[test]
fn prometheus_output_parses_with_the_reference_parser() {
    let python = "/usr/bin/python3";
    let has_parser = Command::new(python)
        .args(["-c", "import prometheus_client.parser"])
        .status()
        .is_ok_and(|s| s.success());
    crate::require!(has_parser, "python3-prometheus-client is not installed");
    let root = node();
    let out = doctor(&root, &["-o", "prometheus"]);
    let text = stdout(&out);
    let mut child = Command::new(python)
        .args([
            "-c",
            "import sys\nfrom prometheus_client.parser import text_string_to_metric_families as parse\nfor f in parse(sys.stdin.read()):\n  for s in f.samples:\n    print(s.name, s.labels.get('check', ''), s.value)",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(text.as_bytes())
        .expect("write");
    let parsed = child.wait_with_output().expect("parser finishes");
    assert!(
        parsed.status.success(),
        "parser rejected:\n{text}\n{}",
        String::from_utf8_lossy(&parsed.stderr)
    );
    let samples = String::from_utf8_lossy(&parsed.stdout);
    assert!(
        samples.contains("k8snet_check_status sysctl.net.ipv4.ip_forward 1.0"),
        "{samples}"
    );
    assert!(
        samples.contains("k8snet_conntrack_entries  10.0"),
        "{samples}"
    );
}
