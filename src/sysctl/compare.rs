//! Pure comparison of a live value with a profile rule, and the value
//! tune should write. `min`/`max` only ever move a value to the nearest
//! bound: a larger conntrack table is never shrunk.

use crate::profile::{Want, normalize_value};

/// Whether `current` satisfies `want`.
pub fn satisfies(want: &Want, current: &str) -> Result<bool, String> {
    Ok(target(want, current)? == normalize_value(current))
}

/// The value that satisfies `want` with the least change from `current`.
pub fn target(want: &Want, current: &str) -> Result<String, String> {
    let current = normalize_value(current);
    match want {
        Want::Value { value } => {
            let same_number = matches!(
                (value.parse::<i64>(), current.parse::<i64>()),
                (Ok(a), Ok(b)) if a == b
            );
            Ok(if same_number || *value == current {
                current
            } else {
                value.clone()
            })
        }
        Want::Range { min, max } => {
            let number: i64 = current.parse().map_err(|_| {
                format!("`{current}` is not a number, but the profile gives bounds")
            })?;
            let bounded = match (min, max) {
                (Some(min), _) if number < *min => *min,
                (_, Some(max)) if number > *max => *max,
                _ => return Ok(current),
            };
            Ok(bounded.to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(v: &str) -> Want {
        Want::Value { value: v.into() }
    }

    #[test]
    fn exact_values_compare_as_numbers_or_normalised_text() {
        assert!(satisfies(&value("1"), "1\n").expect("ok"));
        assert!(satisfies(&value("1"), "01").expect("ok"));
        assert!(!satisfies(&value("1"), "0").expect("ok"));
        assert!(satisfies(&value("1024 65535"), "1024\t65535\n").expect("ok"));
        assert_eq!(target(&value("1"), "0").expect("ok"), "1");
    }

    #[test]
    fn bounds_move_only_values_outside_them() {
        let min = Want::Range {
            min: Some(131072),
            max: None,
        };
        assert_eq!(target(&min, "65536").expect("ok"), "131072");
        assert_eq!(target(&min, "262144").expect("ok"), "262144");
        let max = Want::Range {
            min: None,
            max: Some(30),
        };
        assert_eq!(target(&max, "60").expect("ok"), "30");
        assert_eq!(target(&max, "15").expect("ok"), "15");
        let both = Want::Range {
            min: Some(10),
            max: Some(20),
        };
        assert_eq!(target(&both, "5").expect("ok"), "10");
        assert_eq!(target(&both, "25").expect("ok"), "20");
    }

    #[test]
    fn bounds_on_text_are_an_error() {
        let min = Want::Range {
            min: Some(1),
            max: None,
        };
        assert!(target(&min, "4096 87380").is_err());
    }
}
