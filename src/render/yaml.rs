//! YAML: the same model as JSON. One of the two files that know
//! serde_yaml (deprecated upstream), so replacing it stays small.

use std::io::{self, Write};

use crate::report::Report;

/// Write `report` as YAML.
pub fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    serde_yaml::to_writer(&mut *out, report).map_err(io::Error::other)
}

#[cfg(test)]
mod tests {
    use crate::render::Format;
    use crate::render::tests::render;

    #[test]
    fn parses_back_to_the_same_fields_as_json() {
        let yaml: serde_yaml::Value = serde_yaml::from_str(&render(Format::Yaml)).expect("yaml");
        let json: serde_json::Value = serde_json::from_str(&render(Format::Json)).expect("json");
        let yaml_as_json = serde_json::to_value(&yaml).expect("convert");
        assert_eq!(yaml_as_json, json);
    }
}
