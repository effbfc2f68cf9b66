//! flannel's backend types and their options with defaults, from
//! FORMATS.md A.5 (flannel-io/flannel `pkg/backend/*/`): the names
//! `backend.Register` knows, the option defaults each backend applies,
//! and the options whose values are secrets and are never shown.

use std::collections::BTreeMap;

use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::etcd::gojson::{Fields, type_name};
use crate::etcd::problem::Problem;

/// Backends flanneld registers (`main.go` imports `pkg/backend/*`).
pub const KNOWN: &[&str] = &[
    "alloc",
    "extension",
    "host-gw",
    "ipip",
    "ipsec",
    "tencent-vpc",
    "udp",
    "vxlan",
    "wireguard",
];

/// Removed in v0.20.0 (commit bb657386 "Remove obsolete cloud backends").
const REMOVED: &[&str] = &["aws-vpc", "gce", "ali-vpc"];

/// Options that hold secrets; their values are replaced when shown.
const SECRETS: &[&str] = &["PSK", "AccessKeySecret"];

const UDP_COST: &str = "every packet is copied through flanneld in user space, which is slow; use vxlan (or host-gw on one L2 segment)";

/// What is shown instead of a secret option's value.
pub const REDACTED: &str = "<redacted>";

#[derive(Clone, Copy)]
enum Default {
    Uint(u64, u64),
    Bool(bool),
    Text(&'static str),
    /// No fixed default (MTU: the external interface's MTU).
    Computed,
}

/// (backend, option, default-and-type). VXLAN `Port` 0 means the
/// kernel's 8472 (`vxlan.go`), shown as the port it becomes.
const OPTIONS: &[(&str, &str, Default)] = &[
    ("vxlan", "VNI", Default::Uint(1, u32::MAX as u64)),
    ("vxlan", "Port", Default::Uint(8472, u16::MAX as u64)),
    ("vxlan", "MTU", Default::Computed),
    ("vxlan", "GBP", Default::Bool(false)),
    ("vxlan", "Learning", Default::Bool(false)),
    ("vxlan", "DirectRouting", Default::Bool(false)),
    ("udp", "Port", Default::Uint(8285, u16::MAX as u64)),
    (
        "wireguard",
        "ListenPort",
        Default::Uint(51820, u16::MAX as u64),
    ),
    (
        "wireguard",
        "ListenPortV6",
        Default::Uint(51821, u16::MAX as u64),
    ),
    ("wireguard", "MTU", Default::Computed),
    ("wireguard", "PSK", Default::Text("")),
    (
        "wireguard",
        "PersistentKeepaliveInterval",
        Default::Uint(0, u64::MAX),
    ),
    ("wireguard", "Mode", Default::Text("separate")),
    ("ipip", "DirectRouting", Default::Bool(false)),
    ("ipsec", "PSK", Default::Computed),
    ("ipsec", "UDPEncap", Default::Bool(false)),
    (
        "ipsec",
        "ESPProposal",
        Default::Text("aes128gcm16-sha256-prfsha256-ecp256"),
    ),
];

/// The backend section with every option its type knows made explicit.
#[derive(serde::Serialize, serde::Deserialize, Clone, Debug, PartialEq)]
pub struct BackendConfig {
    /// `Type` (`udp` when the config has no Backend at all).
    #[serde(rename = "Type")]
    pub kind: String,
    /// Options by their canonical name; secrets redacted.
    #[serde(flatten)]
    pub options: BTreeMap<String, Value>,
}

impl BackendConfig {
    /// A Backend flanneld cannot decode: no type, no options.
    fn unknown() -> Self {
        BackendConfig {
            kind: String::new(),
            options: BTreeMap::new(),
        }
    }
}

/// Build the backend config from the `Backend` object (`None` when the
/// config has no Backend key), noting defaulted option names in
/// `defaulted` and problems in `problems`.
pub fn resolve(
    backend: Option<&RawValue>,
    defaulted: &mut Vec<String>,
    problems: &mut Vec<Problem>,
) -> BackendConfig {
    let Some(raw) = backend else {
        // pkg/subnet/config.go parseBackendType: no Backend means "udp".
        defaulted.push("Backend.Type".into());
        problems.push(Problem::warn(
            "etcd-config-udp",
            format!("the config has no Backend, so flanneld uses udp (pkg/subnet/config.go; the docs' \"vxlan\" default is wrong): {UDP_COST}"),
        ));
        return with_defaults("udp", &Map::new(), defaulted, problems);
    };
    // The options are shown as they are stored, so they become values.
    // This only fails past serde_json's nesting limit, which skipping the
    // value inside the config does not have.
    let not_an_object = |why: String| {
        Problem::fail(
            "etcd-config-invalid-field",
            format!(
                "Backend: {why}; flanneld stops with \"error decoding Backend property of config\""
            ),
        )
    };
    let value = match serde_json::from_str::<Value>(raw.get()) {
        Ok(value) => value,
        Err(e) => {
            problems.push(not_an_object(e.to_string()));
            return BackendConfig::unknown();
        }
    };
    let Some(obj) = value.as_object() else {
        problems.push(not_an_object(format!(
            "expected an object, got {}",
            type_name(&value)
        )));
        return BackendConfig::unknown();
    };
    let kind = match obj.field("Type") {
        Some(Value::String(kind)) => kind.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => {
            problems.push(Problem::fail(
                "etcd-config-invalid-field",
                format!("Backend.Type: expected a string, got {}", type_name(other)),
            ));
            String::new()
        }
    };
    check_kind(&kind, problems);
    with_defaults(&kind, obj, defaulted, problems)
}

fn check_kind(kind: &str, problems: &mut Vec<Problem>) {
    if KNOWN.contains(&kind) {
        if kind == "udp" {
            problems.push(Problem::warn(
                "etcd-config-udp",
                format!("Backend.Type is udp: {UDP_COST}"),
            ));
        }
        return;
    }
    let why = if REMOVED.contains(&kind) {
        format!("Backend.Type {kind:?} was removed in flannel v0.20.0")
    } else if kind.is_empty() {
        "Backend has no Type; flanneld stops with \"unknown backend type\"".to_string()
    } else {
        format!(
            "Backend.Type {kind:?} is not a flannel backend ({})",
            KNOWN.join(", ")
        )
    };
    problems.push(Problem::fail("etcd-config-backend-unknown", why));
}

fn with_defaults(
    kind: &str,
    obj: &Map<String, Value>,
    defaulted: &mut Vec<String>,
    problems: &mut Vec<Problem>,
) -> BackendConfig {
    let mut options = BTreeMap::new();
    for key in obj.keys() {
        if key.eq_ignore_ascii_case("type") || known_option(kind, key).is_some() {
            continue;
        }
        if let Some(value) = obj.field(key) {
            options.insert(key.to_string(), shown(key, value));
        }
    }
    for &(_, name, default) in OPTIONS.iter().filter(|(b, _, _)| *b == kind) {
        match obj.field(name) {
            Some(value) if !value.is_null() => {
                check_type(name, default, value, problems);
                options.insert(name.to_string(), shown(name, value));
            }
            _ => {
                if let Some(value) = default_value(default) {
                    options.insert(name.to_string(), value);
                    defaulted.push(format!("Backend.{name}"));
                }
            }
        }
    }
    if kind == "ipsec" {
        check_ipsec_psk(obj, problems);
    }
    BackendConfig {
        kind: kind.to_string(),
        options,
    }
}

fn known_option(kind: &str, key: &str) -> Option<&'static str> {
    OPTIONS
        .iter()
        .find(|(b, name, _)| *b == kind && name.eq_ignore_ascii_case(key))
        .map(|(_, name, _)| *name)
}

fn default_value(default: Default) -> Option<Value> {
    match default {
        Default::Uint(v, _) => Some(Value::from(v)),
        Default::Bool(b) => Some(Value::from(b)),
        Default::Text(s) => Some(Value::from(s)),
        Default::Computed => None,
    }
}

fn shown(name: &str, value: &Value) -> Value {
    if SECRETS.iter().any(|s| s.eq_ignore_ascii_case(name)) {
        Value::from(REDACTED)
    } else {
        value.clone()
    }
}

fn check_type(name: &str, default: Default, value: &Value, problems: &mut Vec<Problem>) {
    let ok = match default {
        Default::Uint(_, max) => value.as_u64().is_some_and(|v| v <= max),
        Default::Bool(_) => value.is_boolean(),
        Default::Text(_) => value.is_string(),
        Default::Computed => value.is_u64() || value.is_string(),
    };
    if !ok {
        problems.push(Problem::fail(
            "etcd-config-backend-invalid",
            format!(
                "Backend.{name}: {} is not a valid value; the backend fails to start",
                shown(name, value)
            ),
        ));
    }
}

/// `pkg/backend/ipsec/ipsec.go`: the PSK is required and at least 96
/// characters long.
fn check_ipsec_psk(obj: &Map<String, Value>, problems: &mut Vec<Problem>) {
    let len = obj
        .field("PSK")
        .and_then(Value::as_str)
        .map_or(0, |s| s.chars().count());
    if len < 96 {
        problems.push(Problem::fail(
            "etcd-config-backend-invalid",
            format!("Backend.PSK for ipsec has {len} characters; flannel requires at least 96"),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(json: Option<&str>) -> (BackendConfig, Vec<String>, Vec<Problem>) {
        let raw = json.map(|j| serde_json::from_str::<&RawValue>(j).unwrap());
        let (mut defaulted, mut problems) = (Vec::new(), Vec::new());
        let backend = resolve(raw, &mut defaulted, &mut problems);
        (backend, defaulted, problems)
    }

    #[test]
    fn missing_backend_is_udp_and_flagged() {
        let (backend, defaulted, problems) = run(None);
        assert_eq!(backend.kind, "udp");
        assert_eq!(backend.options["Port"], Value::from(8285));
        assert!(defaulted.contains(&"Backend.Type".to_string()));
        assert_eq!(problems[0].code, "etcd-config-udp");
    }

    #[test]
    fn vxlan_defaults_are_explicit_and_options_fold_case() {
        let (backend, defaulted, problems) = run(Some(r#"{"type":"vxlan","vni":4096}"#));
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(backend.kind, "vxlan");
        assert_eq!(backend.options["VNI"], Value::from(4096));
        assert_eq!(backend.options["Port"], Value::from(8472));
        assert!(!backend.options.contains_key("vni"));
        assert!(defaulted.contains(&"Backend.Port".to_string()));
        assert!(!defaulted.contains(&"Backend.VNI".to_string()));
    }

    #[test]
    fn secrets_are_redacted_and_removed_backends_fail() {
        let (backend, _, problems) = run(Some(r#"{"Type":"wireguard","PSK":"s3cret"}"#));
        assert_eq!(backend.options["PSK"], Value::from(REDACTED));
        assert!(problems.is_empty());
        let (_, _, problems) = run(Some(r#"{"Type":"aws-vpc"}"#));
        assert!(problems[0].message.contains("removed in flannel v0.20.0"));
        let (_, _, problems) = run(Some(r#"{"Type":"ipsec","PSK":"short"}"#));
        assert_eq!(problems[0].code, "etcd-config-backend-invalid");
    }

    #[test]
    fn wrong_option_types_are_flagged() {
        let (_, _, problems) = run(Some(r#"{"Type":"vxlan","VNI":"one","Port":70000}"#));
        assert_eq!(problems.len(), 2, "{problems:?}");
        let (_, _, problems) = run(Some(r#""vxlan""#));
        assert_eq!(problems[0].code, "etcd-config-invalid-field");
    }
}
