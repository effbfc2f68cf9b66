//! Turns the shipped YAML profiles into JSON for embedding. Users read and
//! copy the YAML in `profiles/`; the binary parses the JSON twin because
//! serde_yaml spends about 200 instructions a byte, which was a fifth of a
//! whole `k8snet check` run (README, Benchmarks). Both carry the same data:
//! a unit test loads each YAML file and compares.

// The seams in clippy.toml guard node files and output; a build script
// works on the source tree and talks to cargo through stdout.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]

use std::path::Path;

fn main() {
    let out_dir = std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR");
    println!("cargo::rerun-if-changed=profiles");
    let mut entries: Vec<_> = std::fs::read_dir("profiles")
        .expect("profiles/ next to Cargo.toml")
        .map(|entry| entry.expect("listing profiles/").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "yaml"))
        .collect();
    entries.sort();
    for path in entries {
        let yaml = std::fs::read_to_string(&path).expect("reading a profile");
        let mut json = Vec::new();
        serde_transcode::transcode(
            serde_yaml::Deserializer::from_str(&yaml),
            &mut serde_json::Serializer::new(&mut json),
        )
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let name = path.file_name().expect("a file name");
        std::fs::write(Path::new(&out_dir).join(name).with_extension("json"), json)
            .expect("writing OUT_DIR");
    }
}
