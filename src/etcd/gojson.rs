//! Reading flannel's JSON values the way flanneld's Go `encoding/json`
//! does: object keys match struct fields case-insensitively (flannel's
//! own tests write `"network"` and `"enableIPv4"`, `pkg/subnet/config_test.go`),
//! and when two keys fold to the same field the later one wins, because Go
//! assigns each key in document order. Errors carry the line and column.

use std::borrow::Cow;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

/// A JSON object's members in document order (duplicates kept), each
/// value left as its JSON text: a lease is read field by field, so no
/// value tree is built for the fields nobody asks for.
#[derive(Debug, Default)]
pub struct Object<'a>(Vec<(Cow<'a, str>, &'a RawValue)>);

impl<'a> Object<'a> {
    /// The value of the last key that equals `field` ignoring case.
    pub fn field(&self, field: &str) -> Option<&'a RawValue> {
        self.0
            .iter()
            .rev()
            .find(|(key, _)| fold_eq(key, field))
            .map(|(_, value)| *value)
    }
}

/// Nested config objects are `serde_json` maps (the Backend options are
/// shown as values), which keep one value per exact key, so only case
/// variants of one key can differ from Go here.
pub trait Fields {
    /// The value of the last key that equals `field` ignoring case.
    fn field(&self, field: &str) -> Option<&Value>;
}

impl Fields for Map<String, Value> {
    fn field(&self, field: &str) -> Option<&Value> {
        self.iter()
            .rev()
            .find(|(key, _)| fold_eq(key, field))
            .map(|(_, value)| value)
    }
}

/// Go's field matching folds case; Unicode lower-casing covers the ASCII
/// keys flannel uses and the Kelvin-sign style cases Go also folds.
fn fold_eq(a: &str, b: &str) -> bool {
    // Equal bytes but for ASCII case are equal under any folding; this
    // answers most lookups at the length check, without the scan below.
    if a.eq_ignore_ascii_case(b) {
        return true;
    }
    if a.is_ascii() && b.is_ascii() {
        return false;
    }
    a.chars()
        .flat_map(char::to_lowercase)
        .eq(b.chars().flat_map(char::to_lowercase))
}

/// A JSON string's text: borrowed unless it had escapes to undo.
struct Text<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Chars;
        impl<'de> Visitor<'de> for Chars {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, text: &'de str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Borrowed(text)))
            }
            fn visit_str<E>(self, text: &str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(text.to_owned())))
            }
        }
        deserializer.deserialize_str(Chars)
    }
}

impl<'de> Deserialize<'de> for Object<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Members;
        impl<'de> Visitor<'de> for Members {
            type Value = Object<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Object<'de>, A::Error> {
                let mut members = Vec::new();
                while let Some((Text(key), value)) = map.next_entry::<Text, &RawValue>()? {
                    members.push((key, value));
                }
                Ok(Object(members))
            }
        }
        deserializer.deserialize_map(Members)
    }
}

/// Parse `text` as one JSON object; the error says where it went wrong.
pub fn parse_object(text: &str) -> Result<Object<'_>, String> {
    serde_json::from_str::<Object>(text).map_err(|e| {
        // serde_json's Display already ends in "at line L column C".
        if e.line() == 0 {
            e.to_string()
        } else {
            format!("invalid JSON: {e}")
        }
    })
}

/// A nested object field (Go decodes it into a struct): absent and null
/// give `None`; anything but an object is an error.
pub fn object_field<'a>(obj: &Object<'a>, field: &str) -> Result<Option<Object<'a>>, String> {
    match obj.field(field) {
        None => Ok(None),
        Some(raw) if raw_type_name(raw) == "null" => Ok(None),
        Some(raw) if raw_type_name(raw) == "object" => parse_object(raw.get()).map(Some),
        Some(raw) => Err(format!(
            "{field}: expected an object, got {}",
            raw_type_name(raw)
        )),
    }
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

/// [`type_name`] of a value still in its JSON text, told by its first
/// byte (serde_json hands out raw values without surrounding space).
fn raw_type_name(raw: &RawValue) -> &'static str {
    match raw.get().as_bytes().first() {
        Some(b'n') => "null",
        Some(b't' | b'f') => "bool",
        Some(b'"') => "string",
        Some(b'[') => "array",
        Some(b'{') => "object",
        _ => "number",
    }
}

/// A field decoded as `T` when the raw value has the JSON type `kind`;
/// absent or null leave the default (Go's rule for null on a non-pointer
/// field), another type is the error `expected`.
fn typed<'a, T: Deserialize<'a>>(
    obj: &Object<'a>,
    field: &str,
    kind: &str,
    expected: &str,
) -> Result<Option<T>, String> {
    let Some(raw) = obj.field(field) else {
        return Ok(None);
    };
    match raw_type_name(raw) {
        "null" => Ok(None),
        found if found == kind => serde_json::from_str(raw.get())
            .map(Some)
            .map_err(|e| format!("{field}: {e}")),
        found => Err(format!("{field}: expected {expected}, got {found}")),
    }
}

/// A Go `string` field, borrowed from the JSON text when it has no escapes.
pub fn string_field<'a>(obj: &Object<'a>, field: &str) -> Result<Option<Cow<'a, str>>, String> {
    let text: Option<Text> = typed(obj, field, "string", "a string")?;
    Ok(text.map(|Text(text)| text))
}

/// A Go `bool` field.
pub fn bool_field(obj: &Object, field: &str) -> Result<Option<bool>, String> {
    typed(obj, field, "bool", "true or false")
}

/// A Go unsigned integer field no larger than `max`. Go rejects
/// fractions and negative numbers for `uint` ("cannot unmarshal number").
pub fn uint_field(obj: &Object, field: &str, max: u64) -> Result<Option<u64>, String> {
    let number: Option<serde_json::Number> = typed(obj, field, "number", "a number")?;
    match number {
        None => Ok(None),
        Some(n) => match n.as_u64() {
            Some(v) if v <= max => Ok(Some(v)),
            _ => Err(format!(
                "{field}: {n} is not an unsigned integer up to {max}"
            )),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_match_case_insensitively_and_the_last_one_wins() {
        let obj = parse_object(r#"{"Network":"10.0.0.0/8","network":"10.1.0.0/16"}"#).unwrap();
        assert_eq!(
            obj.field("NETWORK").map(RawValue::get),
            Some(r#""10.1.0.0/16""#)
        );
        assert!(obj.field("SubnetLen").is_none());
    }

    #[test]
    fn strings_borrow_unless_escaped_and_space_does_not_matter() {
        let text = r#"{ "plain" : "a" , "esc\u0061ped": "b\"c", "nested": { "x" : [ 1 ] } }"#;
        let obj = parse_object(text).unwrap();
        assert!(matches!(
            string_field(&obj, "plain"),
            Ok(Some(Cow::Borrowed("a")))
        ));
        assert_eq!(string_field(&obj, "ESCAPED"), Ok(Some("b\"c".into())));
        let nested = object_field(&obj, "Nested").unwrap().unwrap();
        assert_eq!(nested.field("x").map(RawValue::get), Some("[ 1 ]"));
        assert_eq!(
            object_field(&obj, "plain").unwrap_err(),
            "plain: expected an object, got string"
        );
        assert!(object_field(&obj, "absent").unwrap().is_none());
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
