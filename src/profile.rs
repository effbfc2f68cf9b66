//! Sysctl profiles: the YAML schema, the embedded profiles, inheritance
//! (`extends:`) and validation with file:line:col.
//!
//! One of the two files that know serde_yaml (deprecated upstream), so a
//! replacement touches little. Validation that serde cannot express
//! (`min <= max`, key names, duplicates) happens inside the deserializers,
//! so every error keeps the location serde_yaml attaches.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};

use crate::cli::ProfileCommand;
use crate::report::{Report, Table};
use crate::sysctl::SysctlKey;

/// Profiles compiled into the binary (also shipped in `profiles/`).
pub const EMBEDDED: &[(&str, &str)] = &[
    ("k8s-node", include_str!("../profiles/k8s-node.yaml")),
    (
        "k8s-node-ipvs",
        include_str!("../profiles/k8s-node-ipvs.yaml"),
    ),
    (
        "k8s-node-highconn",
        include_str!("../profiles/k8s-node-highconn.yaml"),
    ),
];

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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProfile {
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    extends: Option<String>,
    #[serde(default)]
    modules: Vec<ModuleName>,
    #[serde(default)]
    sysctls: RawSysctls,
    #[serde(default)]
    steal: Option<StealThresholds>,
}

struct ModuleName(String);

impl<'de> Deserialize<'de> for ModuleName {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        let valid = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if valid {
            Ok(ModuleName(name))
        } else {
            Err(de::Error::custom(format!(
                "`{name}` is not a kernel module name"
            )))
        }
    }
}

#[derive(Default)]
struct RawSysctls(Vec<SysctlRule>);

impl<'de> Deserialize<'de> for RawSysctls {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SysctlsVisitor;
        impl<'de> Visitor<'de> for SysctlsVisitor {
            type Value = RawSysctls;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map of sysctl keys to rules")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawSysctls, A::Error> {
                let mut rules: Vec<SysctlRule> = Vec::new();
                while let Some(key) = map.next_key::<SysctlKey>()? {
                    if rules.iter().any(|r| r.key == key) {
                        return Err(de::Error::custom(format!("duplicate key `{key}`")));
                    }
                    let rule: RawRule = map.next_value()?;
                    rules.push(SysctlRule {
                        key,
                        want: rule.want,
                        module: rule.module,
                        why: rule.why,
                    });
                }
                Ok(RawSysctls(rules))
            }
        }
        deserializer.deserialize_map(SysctlsVisitor)
    }
}

/// A rule as written: a bare scalar (shorthand for `value:`) or a map.
struct RawRule {
    want: Want,
    module: Option<String>,
    why: Option<String>,
}

impl<'de> Deserialize<'de> for RawRule {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(RuleVisitor)
    }
}

struct RuleVisitor;

impl RuleVisitor {
    fn exact<E>(value: String) -> Result<RawRule, E> {
        Ok(RawRule {
            want: Want::Value { value },
            module: None,
            why: None,
        })
    }
}

const RULE_FIELDS: &[&str] = &["value", "min", "max", "module", "why"];

impl<'de> Visitor<'de> for RuleVisitor {
    type Value = RawRule;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a value, or a map with value, min, max, module and why")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<RawRule, E> {
        Self::exact(u8::from(v).to_string())
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawRule, E> {
        Self::exact(v.to_string())
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawRule, E> {
        Self::exact(v.to_string())
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<RawRule, E> {
        Err(E::custom(format!(
            "{v} is not a sysctl value: sysctls hold integers or strings"
        )))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<RawRule, E> {
        Self::exact(normalize_value(v))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawRule, A::Error> {
        let (mut value, mut min, mut max, mut module, mut why) = (None, None, None, None, None);
        while let Some(field) = map.next_key::<String>()? {
            match field.as_str() {
                "value" => value = Some(map.next_value::<ScalarValue>()?.0),
                "min" => min = Some(map.next_value::<i64>()?),
                "max" => max = Some(map.next_value::<i64>()?),
                "module" => module = Some(map.next_value::<ModuleName>()?.0),
                "why" => why = Some(map.next_value::<String>()?),
                other => return Err(de::Error::unknown_field(other, RULE_FIELDS)),
            }
        }
        let want = match (value, min, max) {
            (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
                return Err(de::Error::custom(
                    "a rule has either `value` or `min`/`max`, not both",
                ));
            }
            (Some(value), None, None) => Want::Value { value },
            (None, Some(min), Some(max)) if min > max => {
                return Err(de::Error::custom(format!(
                    "min ({min}) is greater than max ({max})"
                )));
            }
            (None, None, None) => {
                return Err(de::Error::custom("a rule needs `value`, `min` or `max`"));
            }
            (None, min, max) => Want::Range { min, max },
        };
        Ok(RawRule { want, module, why })
    }
}

/// A `value:` field: any scalar, kept as the text sysctl would print.
struct ScalarValue(String);

impl<'de> Deserialize<'de> for ScalarValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let rule = deserializer.deserialize_any(ScalarOnly)?;
        Ok(ScalarValue(rule))
    }
}

struct ScalarOnly;

impl Visitor<'_> for ScalarOnly {
    type Value = String;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an integer or a string")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<String, E> {
        Ok(u8::from(v).to_string())
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        Ok(normalize_value(v))
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
    let raw: RawProfile = serde_yaml::from_str(&text).map_err(|e| yaml_error(&source_name, &e))?;
    let own = Profile {
        name: raw.name,
        description: raw.description,
        sources: vec![source_name],
        modules: raw.modules.into_iter().map(|m| m.0).collect(),
        sysctls: raw.sysctls.0,
        steal: raw.steal.unwrap_or_default(),
    };
    match raw.extends {
        None => Ok(own),
        Some(parent) => {
            let parent = load_chain(&parent, dir.as_deref(), seen)?;
            Ok(merge(parent, own, raw.steal.is_some()))
        }
    }
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
) -> anyhow::Result<(String, String, Option<PathBuf>)> {
    let looks_like_path = name_or_path.contains('/')
        || name_or_path.ends_with(".yaml")
        || name_or_path.ends_with(".yml");
    if !looks_like_path
        && let Some((name, text)) = EMBEDDED.iter().find(|(n, _)| *n == name_or_path)
    {
        return Ok((format!("embedded:{name}"), text.to_string(), None));
    }
    let path = match relative_to {
        Some(dir) if Path::new(name_or_path).is_relative() => dir.join(name_or_path),
        _ => PathBuf::from(name_or_path),
    };
    if !looks_like_path && !path.exists() {
        let names: Vec<&str> = EMBEDDED.iter().map(|(n, _)| *n).collect();
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
    Ok((path.display().to_string(), text, dir))
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

/// `k8snet profile list|show|explain`.
pub fn run(command: &ProfileCommand) -> anyhow::Result<Report> {
    match command {
        ProfileCommand::List => list(),
        ProfileCommand::Show { profile } => Ok(show(&load(profile)?)),
        ProfileCommand::Explain { key, profile } => explain(key, profile),
    }
}

fn list() -> anyhow::Result<Report> {
    let mut table = Table::new(
        "embedded profiles",
        &["name", "extends", "keys", "description"],
    );
    let mut profiles = Vec::new();
    for (name, _) in EMBEDDED {
        let profile = load(name)?;
        let parent = profile
            .sources
            .get(1)
            .map(|s| s.trim_start_matches("embedded:").to_string())
            .unwrap_or_else(|| "-".into());
        table.push(vec![
            profile.name.clone(),
            parent,
            profile.sysctls.len().to_string(),
            profile.description.clone(),
        ]);
        profiles.push(profile);
    }
    let mut report = Report::new("profile list").with_data("profiles", &profiles);
    report.tables.push(table);
    Ok(report)
}

fn show(profile: &Profile) -> Report {
    let mut table = Table::new(
        format!(
            "profile {} ({})",
            profile.name,
            profile.sources.join(" <- ")
        ),
        &["key", "wants", "module", "why"],
    );
    for rule in &profile.sysctls {
        table.push(vec![
            rule.key.to_string(),
            rule.want.to_string(),
            rule.module.clone().unwrap_or_default(),
            rule.why.clone().unwrap_or_default(),
        ]);
    }
    let mut report = Report::new("profile show").with_data("profile", profile);
    report.notes.push(profile.description.clone());
    report
        .notes
        .push(format!("modules: {}", profile.modules.join(", ")));
    report.notes.push(format!(
        "steal thresholds: warn at {}%, fail at {}%",
        profile.steal.warn, profile.steal.fail
    ));
    report.tables.push(table);
    report
}

fn explain(key: &str, profile_name: &str) -> anyhow::Result<Report> {
    let key = SysctlKey::parse(key).map_err(anyhow::Error::msg)?;
    let profile = load(profile_name)?;
    let rule = match profile.sysctls.iter().find(|r| r.key == key) {
        Some(rule) => rule.clone(),
        None => {
            let owners: Vec<String> = EMBEDDED
                .iter()
                .filter_map(|(name, _)| load(name).ok())
                .filter(|p| p.sysctls.iter().any(|r| r.key == key))
                .map(|p| p.name)
                .collect();
            let hint = if owners.is_empty() {
                "`k8snet profile show k8s-node` lists the keys k8snet knows".to_string()
            } else {
                format!("it is in: {} (use --profile)", owners.join(", "))
            };
            return Err(crate::error::hinted(
                format!("profile {} has no rule for {key}", profile.name),
                hint,
            ));
        }
    };
    let mut table = Table::new(key.to_string(), &["field", "value"]);
    table.push(vec!["wants".into(), rule.want.to_string()]);
    table.push(vec![
        "module".into(),
        rule.module.clone().unwrap_or_else(|| "-".into()),
    ]);
    table.push(vec![
        "scope".into(),
        if key.is_per_netns() {
            "per network namespace".into()
        } else {
            "host-wide".into()
        },
    ]);
    table.push(vec!["file".into(), key.proc_path()]);
    table.push(vec!["why".into(), rule.why.clone().unwrap_or_default()]);
    let mut report = Report::new("profile explain").with_data("rule", &rule);
    report.tables.push(table);
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> anyhow::Result<Profile> {
        let raw: RawProfile =
            serde_yaml::from_str(text).map_err(|e| yaml_error("test.yaml", &e))?;
        Ok(Profile {
            name: raw.name,
            description: raw.description,
            sources: vec!["test.yaml".into()],
            modules: raw.modules.into_iter().map(|m| m.0).collect(),
            sysctls: raw.sysctls.0,
            steal: raw.steal.unwrap_or_default(),
        })
    }

    fn error_text(text: &str) -> String {
        format!("{:#}", parse(text).expect_err("invalid profile"))
    }

    #[test]
    fn every_embedded_profile_loads_and_explains_every_key() {
        for (name, _) in EMBEDDED {
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
    fn shorthand_and_full_rules() {
        let p = parse(
            "name: t\nsysctls:\n  net.ipv4.ip_forward: 1\n  net.ipv4.ip_local_port_range: \"1024\t65535\"\n  net.ipv4.tcp_fin_timeout: {max: 30, why: short}\n",
        )
        .expect("valid");
        assert_eq!(p.sysctls[0].want, Want::Value { value: "1".into() });
        assert_eq!(
            p.sysctls[1].want,
            Want::Value {
                value: "1024 65535".into()
            }
        );
        assert_eq!(
            p.sysctls[2].want,
            Want::Range {
                min: None,
                max: Some(30)
            }
        );
        assert_eq!(p.sysctls[2].why.as_deref(), Some("short"));
    }

    #[test]
    fn unknown_field_names_file_line_and_column() {
        let text = error_text("name: t\nsysctls:\n  net.ipv4.ip_forward:\n    valu: 1\n");
        assert!(text.starts_with("test.yaml:4:5: "), "{text}");
        assert!(
            text.contains("unknown field `valu`, expected one of `value`"),
            "{text}"
        );
    }

    #[test]
    fn unknown_top_level_field_is_an_error() {
        let text = error_text("name: t\nsysctl: {}\n");
        assert!(
            text.starts_with("test.yaml:2:1: unknown field `sysctl`"),
            "{text}"
        );
    }

    #[test]
    fn min_greater_than_max_is_an_error_with_location() {
        let text = error_text("name: t\nsysctls:\n  net.core.somaxconn: {min: 10, max: 5}\n");
        assert!(text.starts_with("test.yaml:3:"), "{text}");
        assert!(text.contains("min (10) is greater than max (5)"), "{text}");
    }

    #[test]
    fn non_sysctl_key_is_an_error_with_location() {
        let text = error_text("name: t\nsysctls:\n  foo.bar: 1\n");
        assert!(text.starts_with("test.yaml:3:"), "{text}");
        assert!(text.contains("`foo.bar` is not a sysctl key"), "{text}");
    }

    #[test]
    fn duplicate_keys_and_mixed_rules_are_errors() {
        let dup =
            error_text("name: t\nsysctls:\n  net.ipv4.ip_forward: 1\n  net/ipv4/ip_forward: 0\n");
        assert!(dup.contains("duplicate key `net.ipv4.ip_forward`"), "{dup}");
        let mixed = error_text("name: t\nsysctls:\n  net.ipv4.ip_forward: {value: 1, min: 0}\n");
        assert!(mixed.contains("not both"), "{mixed}");
        let empty = error_text("name: t\nsysctls:\n  net.ipv4.ip_forward: {why: x}\n");
        assert!(empty.contains("needs `value`, `min` or `max`"), "{empty}");
        let float = error_text("name: t\nsysctls:\n  net.ipv4.ip_forward: 1.5\n");
        assert!(float.contains("not a sysctl value"), "{float}");
    }

    #[test]
    fn yaml_syntax_error_has_a_location() {
        let text = error_text("name: t\nsysctls: [\n");
        assert!(text.starts_with("test.yaml:"), "{text}");
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
