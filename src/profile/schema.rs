//! The profile YAML schema and its deserializers. Validation that serde
//! cannot express (`min <= max`, key names, duplicates, module names)
//! happens inside them, so every error keeps the file:line:col serde_yaml
//! attaches.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};

use super::{StealThresholds, SysctlRule, Want, normalize_value};
use crate::sysctl::SysctlKey;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawProfile {
    pub(super) name: String,
    #[serde(default)]
    pub(super) description: String,
    #[serde(default)]
    pub(super) extends: Option<String>,
    #[serde(default)]
    pub(super) modules: Vec<ModuleName>,
    #[serde(default)]
    pub(super) sysctls: RawSysctls,
    #[serde(default)]
    pub(super) steal: Option<StealThresholds>,
}

pub(super) struct ModuleName(pub(super) String);

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
pub(super) struct RawSysctls(pub(super) Vec<SysctlRule>);

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::{Profile, ProfileText, parse_one};

    fn parse(text: &str) -> anyhow::Result<Profile> {
        parse_one("test.yaml", &ProfileText::Yaml(text.to_string())).map(|(profile, _, _)| profile)
    }

    fn error_text(text: &str) -> String {
        format!("{:#}", parse(text).expect_err("invalid profile"))
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
}
