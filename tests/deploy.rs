//! The DaemonSet under deploy/ carries the settings fleet use depends on.

use serde_yaml::Value;

fn manifest() -> Value {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/k8snet-daemonset.yaml");
    let text = std::fs::read_to_string(&path).expect("manifest exists");
    serde_yaml::from_str(&text).expect("manifest is valid YAML")
}

#[test]
fn daemonset_runs_doctor_with_host_network_and_a_read_only_host_root() {
    let m = manifest();
    assert_eq!(m["kind"], "DaemonSet");
    assert_eq!(m["apiVersion"], "apps/v1");
    let spec = &m["spec"]["template"]["spec"];
    assert_eq!(
        spec["hostNetwork"], true,
        "net sysctls follow the reader's netns"
    );
    assert_eq!(spec["hostPID"], true);
    let container = &spec["containers"][0];
    let script = container["args"][0].as_str().expect("script");
    assert!(
        script.contains("k8snet --host-root /host doctor"),
        "{script}"
    );
    assert!(script.contains("-o prometheus"), "{script}");
    assert!(
        script.contains("mv /textfile/k8snet.prom.$$ /textfile/k8snet.prom"),
        "atomic rename"
    );
    let mounts = container["volumeMounts"].as_sequence().expect("mounts");
    let host = mounts
        .iter()
        .find(|v| v["mountPath"] == "/host")
        .expect("/host mount");
    assert_eq!(host["readOnly"], true);
    let volumes = spec["volumes"].as_sequence().expect("volumes");
    let host_volume = volumes
        .iter()
        .find(|v| v["name"] == host["name"])
        .expect("host volume");
    assert_eq!(host_volume["hostPath"]["path"], "/");
    let textfile = volumes
        .iter()
        .find(|v| v["name"] == "textfile")
        .expect("textfile volume");
    assert_eq!(
        textfile["hostPath"]["path"],
        "/var/lib/node_exporter/textfile_collector"
    );
    assert_eq!(
        spec["tolerations"][0]["operator"], "Exists",
        "runs on every node"
    );
    let selector = &m["spec"]["selector"]["matchLabels"];
    let labels = &m["spec"]["template"]["metadata"]["labels"];
    assert_eq!(selector, labels, "selector matches the pod labels");
}
