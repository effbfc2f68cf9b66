//! `k8snet steal`: since-boot figures of real /proc/stat captures on fake
//! roots (exact values from tests/fixtures/procstat, see realdata
//! SOURCES.md), the real /proc/stat, thresholds, --watch and bad input.

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use serde_json::Value;

use crate::support::{FakeRoot, code, fixture, k8snet, run, stderr, stdout};

fn root_with(fixture_name: &str) -> FakeRoot {
    let text =
        std::fs::read_to_string(fixture(&format!("procstat/{fixture_name}"))).expect("fixture");
    let root = FakeRoot::new();
    root.write("/proc/stat", &text);
    root
}

fn since_boot_json(fixture_name: &str) -> Value {
    let root = root_with(fixture_name);
    let out = run(root
        .k8snet()
        .args(["steal", "--interval", "0", "--per-cpu", "-o", "json"]));
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    serde_json::from_str(&stdout(&out)).expect("json")
}

fn close(value: &Value, want: f64) {
    let got = value
        .as_f64()
        .unwrap_or_else(|| panic!("not a number: {value}"));
    assert!((got - want).abs() < 1e-9, "{got} != {want}");
}

#[test]
fn kvm_guest_since_boot_steal_is_0_040_percent() {
    let json = since_boot_json("kvm-guest-4vcpu-steal-2016.txt");
    let all = &json["samples"][0]["all"];
    // 570240 steal ticks of 1422601454 (user..steal).
    assert_eq!(all["ticks"], 1422601454u64);
    close(&all["steal"], 570240.0 * 100.0 / 1422601454.0);
    let cpus = json["samples"][0]["cpus"].as_array().expect("cpus");
    assert_eq!(cpus.len(), 4);
    let cpu0_total = 19641585.0 + 7271.0 + 1287977.0 + 334091326.0 + 499663.0 + 21771.0 + 143394.0;
    close(&cpus[0]["steal"], 143394.0 * 100.0 / cpu0_total);
    assert_eq!(json["checks"][0]["status"], "ok");
    assert_eq!(
        json["checks"][0]["summary"],
        "steal is 0.04% since boot (warn at 5%, fail at 10%)"
    );
}

#[test]
fn sysstat_root5_steal_on_cpu8_only_and_guest_not_counted_twice() {
    let json = since_boot_json("sysstat-fixture-root5-steal-on-one-cpu.txt");
    let all = &json["samples"][0]["all"];
    // guest 150 and guest_nice 25 are inside user/nice, not added again.
    assert_eq!(all["ticks"], 5847361u64);
    close(&all["steal"], 100.0 * 100.0 / 5847361.0);
    let cpus = json["samples"][0]["cpus"].as_array().expect("cpus");
    assert_eq!(cpus.len(), 9);
    for cpu in cpus {
        if cpu["cpu"] == 8 {
            close(&cpu["steal"], 100.0 * 100.0 / 5528.0);
        } else {
            close(&cpu["steal"], 0.0);
        }
    }
}

#[test]
fn seven_column_kernel_reports_steal_not_available() {
    let json = since_boot_json("sysstat-fixture-root6-7-columns-no-steal.txt");
    let all = &json["samples"][0]["all"];
    assert_eq!(all["steal"], Value::Null);
    assert_eq!(all["steal_column"], false);
    assert_eq!(
        json["samples"][0]["cpus"].as_array().expect("cpus").len(),
        10
    );
    assert_eq!(json["checks"][0]["status"], "skip");
    assert!(
        json["checks"][0]["summary"]
            .as_str()
            .expect("summary")
            .starts_with("steal not available")
    );
    // And the table says n/a, not 0.
    let root = root_with("sysstat-fixture-root6-7-columns-no-steal.txt");
    let out = run(root.k8snet().args(["steal", "--interval", "0"]));
    let table = stdout(&out);
    assert!(
        table
            .lines()
            .nth(2)
            .expect("all row")
            .trim_end()
            .ends_with("n/a"),
        "{table}"
    );
}

#[test]
fn bare_metal_fixture_has_zero_steal_with_guest_time() {
    let json = since_boot_json("node-exporter-fixture-zero-steal-nonzero-guest.txt");
    let all = &json["samples"][0]["all"];
    close(&all["steal"], 0.0);
    assert_eq!(
        all["ticks"],
        301854u64 + 612 + 111922 + 8979004 + 3552 + 2 + 3944
    );
    assert_eq!(
        json["samples"][0]["cpus"].as_array().expect("cpus").len(),
        8
    );
}

#[test]
fn profile_thresholds_override_the_defaults() {
    let root = root_with("kvm-guest-4vcpu-steal-2016.txt");
    let profile = root.path().join("strict.yaml");
    std::fs::write(
        &profile,
        "name: strict\nextends: k8s-node\nsteal: {warn: 0.01, fail: 0.03}\n",
    )
    .expect("profile");
    let out = run(root
        .k8snet()
        .args(["steal", "-i", "0", "-o", "json", "--profile"])
        .arg(&profile));
    assert_eq!(code(&out), Some(1), "{}", stderr(&out));
    let json: Value = serde_json::from_str(&stdout(&out)).expect("json");
    assert_eq!(json["checks"][0]["status"], "fail");
    assert_eq!(json["checks"][0]["code"], "cpu-steal-high");
    assert_eq!(json["thresholds"]["fail"], 0.03);
}

#[test]
fn yaml_output_carries_the_samples() {
    let root = root_with("kvm-guest-4vcpu-steal-2016.txt");
    let out = run(root.k8snet().args(["steal", "-i", "0", "-o", "yaml"]));
    assert_eq!(code(&out), Some(0));
    let text = stdout(&out);
    assert!(text.contains("ticks: 1422601454"), "{text}");
}

#[test]
fn garbage_proc_stat_exits_2_with_the_line() {
    let root = FakeRoot::new();
    root.write("/proc/stat", "cpu  1 2 3 4 5 6 7 8 0 0\ncpu0 1 2 three 4\n");
    let out = run(root.k8snet().args(["steal", "-i", "0"]));
    assert_eq!(code(&out), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("proc/stat: line 2: `cpu0`: column 4 `three` is not a tick count"),
        "{err}"
    );
    assert!(stdout(&out).is_empty());
}

#[test]
fn real_proc_stat_is_internally_consistent() {
    let out = run(k8snet().args(["steal", "--interval", "300ms", "--per-cpu", "-o", "json"]));
    assert!(matches!(code(&out), Some(0 | 1)), "{}", stderr(&out));
    // On a pipe there is no progress line.
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));
    let json: Value = serde_json::from_str(&stdout(&out)).expect("json");
    let sample = &json["samples"][0];
    let seconds = sample["interval_seconds"].as_f64().expect("seconds");
    assert!((0.3..5.0).contains(&seconds), "{seconds}");
    let mut rows = vec![&sample["all"]];
    rows.extend(sample["cpus"].as_array().expect("cpus"));
    for row in rows {
        if row["ticks"] == 0 {
            continue;
        }
        let sum: f64 = ["user", "system", "iowait", "idle", "steal"]
            .iter()
            .map(|k| row[*k].as_f64().unwrap_or(0.0))
            .sum();
        assert!((sum - 100.0).abs() < 1e-6, "{row}");
        if let Some(steal) = row["steal"].as_f64() {
            assert!((0.0..=100.0).contains(&steal), "{row}");
        }
    }
}

#[test]
fn watch_streams_one_table_per_interval() {
    let mut child = k8snet()
        .args(["steal", "--watch", "--interval", "100ms"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let reader = BufReader::new(child.stdout.take().expect("stdout"));
    let headings = reader
        .lines()
        .map_while(Result::ok)
        .filter(|l| l.starts_with("CPU time over"))
        .take(2)
        .count();
    child.kill().expect("kill");
    child.wait().expect("wait");
    assert_eq!(headings, 2);
}

#[test]
fn watch_refuses_json_and_a_zero_interval() {
    let out = run(k8snet().args(["steal", "--watch", "-o", "json"]));
    assert_eq!(code(&out), Some(2));
    assert!(stderr(&out).contains("hint: "), "{}", stderr(&out));
    let out = run(k8snet().args(["steal", "--watch", "--interval", "0"]));
    assert_eq!(code(&out), Some(2));
    assert!(
        stderr(&out).contains("--watch needs an interval"),
        "{}",
        stderr(&out)
    );
}
