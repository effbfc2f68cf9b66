//! The k8snet binary: parse arguments, run, map the outcome to an exit code.
#![allow(clippy::disallowed_macros)]

use std::io::{BufWriter, Write};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = k8snet::cli::Cli::from_env();
    // Block-buffered: stdout's own line buffering would make one write per
    // line of a JSON or table report. 64 KiB, as pipes take at once: a JSON
    // report can be megabytes.
    let mut stdout = BufWriter::with_capacity(64 * 1024, std::io::stdout().lock());
    let result = k8snet::run(cli, &mut stdout).and_then(|outcome| {
        stdout.flush()?;
        Ok(outcome)
    });
    match result {
        Ok(outcome) => ExitCode::from(outcome.code()),
        Err(err) if k8snet::error::is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("k8snet: {err:#}");
            if let Some(hint) = k8snet::error::hint(&err) {
                eprintln!("hint: {hint}");
            }
            ExitCode::from(2)
        }
    }
}
