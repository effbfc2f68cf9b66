//! Sysctl profiles: the embedded profiles, loading by name or path,
//! inheritance (`extends:`) and errors with file:line:col.
//!
//! With `schema.rs` and build.rs, the only code that knows serde_yaml
//! (deprecated upstream), so a replacement touches little.

mod command;
mod schema;

pub use command::run;

use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::sysctl::SysctlKey;

use schema::RawProfile;

/// A profile compiled into the binary. `profiles/NAME.yaml` is its source;
/// build.rs embeds it as JSON, which parses ten times faster than YAML.
pub struct Embedded {
    /// What `--profile` calls it.
    pub name: &'static str,
    json: &'static str,
}

macro_rules! embedded {
    ($name:literal) => {
        Embedded {
            name: $name,
            json: include_str!(concat!(env!("OUT_DIR"), "/", $name, ".json")),
        }
    };
}

/// Profiles compiled into the binary (also shipped in `profiles/`).
pub const EMBEDDED: &[Embedded] = &[
    embedded!("k8s-node"),
    embedded!("k8s-node-ipvs"),
    embedded!("k8s-node-highconn"),
];

/// A profile's text as `locate` found it.
enum ProfileText {
    /// A user's file.
    Yaml(String),
    /// The JSON twin of a shipped profile.
    EmbeddedJson(&'static str),
}

/// A loaded profile with its parents merged in.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Profile {
    /// Profile name.
    pub name: String,
    /// One line on what the profile is for.
    pub description: String,
    /// Where it came from: `embedded:k8s-node` or a file path, parents after.
    pub sources: Vec<String>,
    /// Kernel modules that must be loaded (or built in).
    pub modules: Vec<String>,
    /// Rules in file order, parents' keys first.
    pub sysctls: Vec<SysctlRule>,
    /// CPU steal thresholds, percent.
    pub steal: StealThresholds,
}

/// What a profile wants of one key.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct SysctlRule {
    /// The key.
    pub key: SysctlKey,
    /// The wanted value or bounds.
    #[serde(flatten)]
    pub want: Want,
    /// Module that provides the key (it exists only once that is loaded).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub module: Option<String>,
    /// Why the key matters, in Kubernetes terms.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub why: Option<String>,
}

/// An exact value or numeric bounds.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[serde(untagged)]
pub enum Want {
    /// Must equal this (whitespace-normalised; numbers compared as numbers).
    Value {
        /// The value.
        value: String,
    },
    /// Must lie within the bounds; tune moves only values outside them.
    Range {
        /// Lowest acceptable value.
        #[serde(skip_serializing_if = "Option::is_none")]
        min: Option<i64>,
        /// Highest acceptable value.
        #[serde(skip_serializing_if = "Option::is_none")]
        max: Option<i64>,
    },
}

impl fmt::Display for Want {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Want::Value { value } => write!(f, "{value}"),
            Want::Range {
                min: Some(min),
                max: Some(max),
            } => write!(f, "{min}..{max}"),
            Want::Range { min: Some(min), .. } => write!(f, ">= {min}"),
            Want::Range { max: Some(max), .. } => write!(f, "<= {max}"),
            Want::Range { .. } => write!(f, "any"),
        }
    }
}

/// `steal:` thresholds in percent.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct StealThresholds {
    /// Warn at or above this percentage.
    pub warn: f64,
    /// Fail at or above this percentage.
    pub fail: f64,
}

impl Default for StealThresholds {
    fn default() -> Self {
        StealThresholds {
            warn: 5.0,
            fail: 10.0,
        }
    }
}

/// An invalid profile: where and what.
#[derive(Debug, thiserror::Error)]
#[error("{source_name}{}: {message}", location_suffix(.line, .column))]
pub struct ProfileError {
    /// File path or `embedded:NAME`.
    pub source_name: String,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// 1-based column, when known.
    pub column: Option<usize>,
    /// What is wrong.
    pub message: String,
}

fn location_suffix(line: &Option<usize>, column: &Option<usize>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!(":{l}:{c}"),
        (Some(l), None) => format!(":{l}"),
        _ => String::new(),
    }
}

/// sysctl prints multi-field values with tabs; profiles write spaces.
pub fn normalize_value(value: &str) -> String {
    value.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Load a profile by embedded name or file path, parents merged.
pub fn load(name_or_path: &str) -> anyhow::Result<Profile> {
    load_chain(name_or_path, None, &mut Vec::new())
}

fn load_chain(
    name_or_path: &str,
    relative_to: Option<&Path>,
    seen: &mut Vec<String>,
) -> anyhow::Result<Profile> {
    let (source_name, text, dir) = locate(name_or_path, relative_to)?;
    if seen.contains(&source_name) {
        seen.push(source_name);
        anyhow::bail!("profile inheritance loops: {}", seen.join(" -> "));
    }
    seen.push(source_name.clone());
    let (own, extends, sets_steal) = parse_one(&source_name, &text)?;
    match extends {
        None => Ok(own),
        Some(parent) => {
            let parent = load_chain(&parent, dir.as_deref(), seen)?;
            Ok(merge(parent, own, sets_steal))
        }
    }
}

/// One profile file on its own: the profile, the parent it extends, and
/// whether it sets its own steal thresholds.
fn parse_one(
    source_name: &str,
    text: &ProfileText,
) -> anyhow::Result<(Profile, Option<String>, bool)> {
    let raw: RawProfile = match text {
        ProfileText::Yaml(yaml) => {
            serde_yaml::from_str(yaml).map_err(|e| yaml_error(source_name, &e))?
        }
        // Only a build defect fails here: a unit test parses every one.
        ProfileText::EmbeddedJson(json) => serde_json::from_str(json)
            .map_err(|e| anyhow::anyhow!("{source_name} (built-in JSON): {e}"))?,
    };
    let profile = Profile {
        name: raw.name,
        description: raw.description,
        sources: vec![source_name.to_string()],
        modules: raw.modules.into_iter().map(|m| m.0).collect(),
        sysctls: raw.sysctls.0,
        steal: raw.steal.unwrap_or_default(),
    };
    Ok((profile, raw.extends, raw.steal.is_some()))
}

/// Child wins key by key; modules are the union; parents' order first.
fn merge(parent: Profile, child: Profile, child_sets_steal: bool) -> Profile {
    let mut sysctls = parent.sysctls;
    for rule in child.sysctls {
        match sysctls.iter_mut().find(|r| r.key == rule.key) {
            Some(existing) => *existing = rule,
            None => sysctls.push(rule),
        }
    }
    let mut modules = parent.modules;
    for module in child.modules {
        if !modules.contains(&module) {
            modules.push(module);
        }
    }
    let mut sources = child.sources;
    sources.extend(parent.sources);
    Profile {
        name: child.name,
        description: child.description,
        sources,
        modules,
        sysctls,
        steal: if child_sets_steal {
            child.steal
        } else {
            parent.steal
        },
    }
}

/// Find the profile text: a file when the argument looks like a path or
/// names an existing file, else an embedded profile.
fn locate(
    name_or_path: &str,
    relative_to: Option<&Path>,
) -> anyhow::Result<(String, ProfileText, Option<PathBuf>)> {
    let looks_like_path = name_or_path.contains('/')
        || name_or_path.ends_with(".yaml")
        || name_or_path.ends_with(".yml");
    if !looks_like_path && let Some(embedded) = EMBEDDED.iter().find(|e| e.name == name_or_path) {
        return Ok((
            format!("embedded:{}", embedded.name),
            ProfileText::EmbeddedJson(embedded.json),
            None,
        ));
    }
    let path = match relative_to {
        Some(dir) if Path::new(name_or_path).is_relative() => dir.join(name_or_path),
        _ => PathBuf::from(name_or_path),
    };
    if !looks_like_path && !path.exists() {
        let names: Vec<&str> = EMBEDDED.iter().map(|e| e.name).collect();
        return Err(crate::error::hinted(
            format!("no profile named `{name_or_path}`"),
            format!(
                "embedded profiles: {}; or pass a YAML file path",
                names.join(", ")
            ),
        ));
    }
    let text = crate::host::read_user_file(&path).map_err(|e| {
        crate::error::with_hint(
            anyhow::Error::new(e).context("reading profile"),
            "`k8snet profile list` shows the embedded profiles",
        )
    })?;
    let dir = path.parent().map(Path::to_path_buf);
    Ok((path.display().to_string(), ProfileText::Yaml(text), dir))
}

fn yaml_error(source_name: &str, err: &serde_yaml::Error) -> anyhow::Error {
    let mut message = err.to_string();
    // serde_yaml appends " at line L column C"; the location goes in front.
    if let Some(at) = message.find(" at line ") {
        message.truncate(at);
    }
    let location = err.location();
    crate::error::with_hint(
        ProfileError {
            source_name: source_name.to_string(),
            line: location.as_ref().map(|l| l.line()),
            column: location.as_ref().map(|l| l.column()),
            message,
        },
        "see the profile format in the README or `k8snet profile show k8s-node`",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_profile_loads_and_explains_every_key() {
        for Embedded { name, .. } in EMBEDDED {
            let profile = load(name).expect(name);
            assert!(!profile.sysctls.is_empty(), "{name}");
            for rule in &profile.sysctls {
                assert!(
                    rule.why.as_deref().is_some_and(|w| w.len() > 20),
                    "{name}: {} has no why",
                    rule.key
                );
            }
        }
    }

    #[test]
    fn embedded_json_carries_exactly_what_the_shipped_yaml_says() {
        for embedded in EMBEDDED {
            let path = format!(
                "{}/profiles/{}.yaml",
                env!("CARGO_MANIFEST_DIR"),
                embedded.name
            );
            let yaml = crate::host::read_user_file(Path::new(&path)).expect(&path);
            let from_yaml = parse_one(embedded.name, &ProfileText::Yaml(yaml)).expect(&path);
            let from_json =
                parse_one(embedded.name, &ProfileText::EmbeddedJson(embedded.json)).expect(&path);
            assert_eq!(from_yaml.0, from_json.0, "{path}");
            assert_eq!(from_yaml.1, from_json.1, "{path}");
            assert_eq!(from_yaml.2, from_json.2, "{path}");
        }
    }

    #[test]
    fn default_profile_has_the_four_core_keys() {
        let profile = load("k8s-node").expect("k8s-node");
        let want = |key: &str| {
            profile
                .sysctls
                .iter()
                .find(|r| r.key.to_string() == key)
                .map(|r| r.want.clone())
                .expect(key)
        };
        assert_eq!(
            want("net.ipv4.ip_forward"),
            Want::Value { value: "1".into() }
        );
        assert_eq!(
            want("net.bridge.bridge-nf-call-iptables"),
            Want::Value { value: "1".into() }
        );
        assert_eq!(
            want("net.netfilter.nf_conntrack_max"),
            Want::Range {
                min: Some(131072),
                max: None
            }
        );
        assert_eq!(
            want("net.ipv4.tcp_fin_timeout"),
            Want::Range {
                min: None,
                max: Some(30)
            }
        );
        assert!(profile.modules.contains(&"br_netfilter".to_string()));
        assert!(profile.modules.contains(&"overlay".to_string()));
    }

    #[test]
    fn child_wins_and_modules_union() {
        let profile = load("k8s-node-ipvs").expect("ipvs profile");
        assert_eq!(
            profile.sources,
            vec!["embedded:k8s-node-ipvs", "embedded:k8s-node"]
        );
        assert!(profile.modules.contains(&"br_netfilter".to_string()));
        assert!(profile.modules.contains(&"ip_vs".to_string()));
        assert!(
            profile
                .sysctls
                .iter()
                .any(|r| r.key.to_string() == "net.ipv4.ip_forward")
        );
    }

    #[test]
    fn unknown_profile_name_lists_the_embedded_ones() {
        let err = load("nope").expect_err("unknown");
        assert_eq!(err.to_string(), "no profile named `nope`");
        assert!(crate::error::hint(&err).expect("hint").contains("k8s-node"));
    }
}
