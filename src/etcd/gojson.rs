//! Reading flannel's JSON values the way flanneld's Go `encoding/json`
//! does: object keys match struct fields case-insensitively (flannel's
//! own tests write `"network"` and `"enableIPv4"`, `pkg/subnet/config_test.go`),
//! and when two keys fold to the same field the later one wins, because Go
//! assigns each key in document order. Errors carry the line and column.

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::{Map, Value};

/// A JSON object with its keys in document order (duplicates kept).
#[derive(Debug, Default)]
pub struct Object(Vec<(String, Value)>);

/// Something Go's decoder matches struct fields against: a top-level
/// [`Object`] in document order, or a nested `serde_json` map.
pub trait Fields {
    /// The value of the last key that equals `field` ignoring case.
    fn field(&self, field: &str) -> Option<&Value>;
}

impl Fields for Object {
    fn field(&self, field: &str) -> Option<&Value> {
        self.0
            .iter()
            .rev()
            .find(|(key, _)| fold_eq(key, field))
            .map(|(_, value)| value)
    }
}

/// Nested objects come from `serde_json::Map`, which keeps one value per
/// exact key, so only case variants of one key can differ from Go here.
impl Fields for Map<String, Value> {
    fn field(&self, field: &str) -> Option<&Value> {
        self.iter()
            .rev()
            .find(|(key, _)| fold_eq(key, field))
            .map(|(_, value)| value)
    }
}

impl Object {
    /// Move the value of `field` out (leaving null), to keep it without
    /// a copy.
    pub fn take(&mut self, field: &str) -> Option<Value> {
        self.0
            .iter_mut()
            .rev()
            .find(|(key, _)| fold_eq(key, field))
            .map(|(_, value)| std::mem::take(value))
    }
}

/// Go's field matching folds case; Unicode lower-casing covers the ASCII
/// keys flannel uses and the Kelvin-sign style cases Go also folds.
fn fold_eq(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        return a.eq_ignore_ascii_case(b);
    }
    a.chars()
        .flat_map(char::to_lowercase)
        .eq(b.chars().flat_map(char::to_lowercase))
}

impl<'de> Deserialize<'de> for Object {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Pairs;
        impl<'de> Visitor<'de> for Pairs {
            type Value = Object;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Object, A::Error> {
                let mut pairs = Vec::new();
                while let Some(pair) = map.next_entry::<String, Value>()? {
                    pairs.push(pair);
                }
                Ok(Object(pairs))
            }
        }
        deserializer.deserialize_map(Pairs)
    }
}

/// Parse `text` as one JSON object; the error says where it went wrong.
pub fn parse_object(text: &str) -> Result<Object, String> {
    serde_json::from_str::<Object>(text).map_err(|e| {
        // serde_json's Display already ends in "at line L column C".
        if e.line() == 0 {
            e.to_string()
        } else {
            format!("invalid JSON: {e}")
        }
    })
}

/// The JSON type name of a value, for "expected a string, got number".
pub fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// A Go `string` field: absent or null leave the default (Go's rule for
/// null on a non-pointer field); anything but a string is an error.
pub fn string_field(obj: &impl Fields, field: &str) -> Result<Option<String>, String> {
    match obj.field(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(format!(
            "{field}: expected a string, got {}",
            type_name(other)
        )),
    }
}

/// A Go `bool` field.
pub fn bool_field(obj: &impl Fields, field: &str) -> Result<Option<bool>, String> {
    match obj.field(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(other) => Err(format!(
            "{field}: expected true or false, got {}",
            type_name(other)
        )),
    }
}

/// A Go unsigned integer field no larger than `max`. Go rejects
/// fractions and negative numbers for `uint` ("cannot unmarshal number").
pub fn uint_field(obj: &impl Fields, field: &str, max: u64) -> Result<Option<u64>, String> {
    match obj.field(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => match n.as_u64() {
            Some(v) if v <= max => Ok(Some(v)),
            _ => Err(format!(
                "{field}: {n} is not an unsigned integer up to {max}"
            )),
        },
        Some(other) => Err(format!(
            "{field}: expected a number, got {}",
            type_name(other)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_match_case_insensitively_and_the_last_one_wins() {
        let obj = parse_object(r#"{"Network":"10.0.0.0/8","network":"10.1.0.0/16"}"#).unwrap();
        assert_eq!(obj.field("NETWORK"), Some(&Value::from("10.1.0.0/16")));
        assert!(obj.field("SubnetLen").is_none());
    }

    #[test]
    fn errors_say_where() {
        let err = parse_object("{\n  \"Network\": \n").unwrap_err();
        assert!(err.contains("line 3 column 0"), "{err}");
        let err = parse_object("[1]").unwrap_err();
        assert!(err.contains("expected a JSON object"), "{err}");
    }

    #[test]
    fn typed_fields_follow_go_rules() {
        let obj = parse_object(r#"{"a":24,"b":-1,"c":24.0,"d":null,"e":"x","f":true}"#).unwrap();
        assert_eq!(uint_field(&obj, "A", 30), Ok(Some(24)));
        assert!(uint_field(&obj, "b", 30).is_err());
        assert!(uint_field(&obj, "c", 30).is_err());
        assert_eq!(uint_field(&obj, "d", 30), Ok(None));
        assert!(uint_field(&obj, "a", 10).is_err());
        assert!(bool_field(&obj, "e").is_err());
        assert_eq!(bool_field(&obj, "F"), Ok(Some(true)));
        assert_eq!(string_field(&obj, "E"), Ok(Some("x".into())));
        assert!(string_field(&obj, "a").is_err());
    }
}
