//! k8snet: finds and fixes the node settings that break Kubernetes pod
//! networking.
//!
//! [`run`] builds the [`Context`] (the node's filesystem, tools and clock),
//! dispatches to the command's module, and renders the [`report::Report`]
//! it returns. Command modules return data and never print.

pub mod backend;
pub mod chains;
pub mod cli;
pub mod clock;
pub mod dataplane;
pub mod doctor;
pub mod error;
pub mod etcd;
pub mod exec;
pub mod glob;
pub mod host;
mod parallel;
mod pipe;
pub mod profile;
pub mod progress;
pub mod proxy;
pub mod render;
pub mod report;
pub mod steal;
pub mod sysctl;
pub mod tools;

use std::io::Write;
use std::path::Path;

use anyhow::Context as _;

use crate::cli::{Cli, Command};
use crate::clock::SystemClock;
use crate::exec::Exec;
use crate::host::Host;
use crate::progress::Progress;
use crate::render::{Format, Style};
use crate::report::{Outcome, Report};

/// What every command needs from the machine.
pub struct Context {
    /// The node's filesystem, tools and clock.
    pub host: Host,
    /// Progress line on stderr for slow work.
    pub progress: Progress,
    /// Whether the output shows [`Report::tables`] (only the table format
    /// does), so commands can skip laying out thousands of rows for JSON.
    pub listings: bool,
}

impl Context {
    /// The context for a real run rooted at `host_root`.
    pub fn new(host_root: &Path) -> Self {
        Context {
            host: Host::new(host_root, Exec::from_env(), Box::new(SystemClock)),
            progress: Progress::detect(),
            listings: true,
        }
    }
}

/// Run one command and write its report to `out`. Once per process: the
/// report is not freed, as the process ends right after.
pub fn run(cli: Cli, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    let global = cli.global;
    if !global.host_root.is_dir() {
        return Err(error::hinted(
            format!(
                "--host-root {}: not a directory",
                global.host_root.display()
            ),
            "point --host-root (or K8SNET_HOST_ROOT) at the node's root filesystem, e.g. /host",
        ));
    }
    let mut ctx = Context::new(&global.host_root);
    ctx.listings = global.output == Format::Table;
    let style = Style::detect(global.color);
    let mut junit_file = None;
    let mut report = match cli.command {
        Command::Doctor(args) => {
            junit_file = args.junit_file.clone();
            doctor::run(&ctx, &args)?
        }
        Command::Check(args) => {
            junit_file = args.junit_file.clone();
            sysctl::check(&ctx, &profile::load(&args.profile.profile)?)?
        }
        Command::Tune(args) => sysctl::tune(&ctx, &args)?,
        Command::Profile(command) => profile::run(&command)?,
        Command::Etcd(command) => etcd::run(&ctx, &command)?,
        Command::Backend(args) => backend::run(&ctx, &args)?,
        Command::Proxy(args) => proxy::run(&ctx, &args)?,
        Command::Chains(args) => {
            if args.raw {
                return chains::write_raw(&ctx, &args, out).map(|()| Outcome::Healthy);
            }
            chains::run(&ctx, &args)?
        }
        Command::Steal(args) => {
            if args.watch && global.output == Format::Table {
                return steal::watch(&ctx, &args, &style, out);
            }
            steal::run(&ctx, &args)?
        }
        Command::Completions { shell } => {
            cli::write_completions(shell, out);
            return Ok(Outcome::Healthy);
        }
        Command::Manpage => {
            cli::write_manpage(out)?;
            return Ok(Outcome::Healthy);
        }
    };
    report.finish();
    if let Some(path) = junit_file {
        write_junit_file(&report, &path)?;
    }
    render::write(&report, global.output, &style, out).context("writing the report")?;
    let outcome = report.outcome(global.fail_on);
    // The process exits next. Handing 5,000 leases or 10,000 services back
    // to the allocator one by one would only delay that by a millisecond
    // or more; the kernel takes the memory back at once.
    std::mem::forget(report);
    Ok(outcome)
}

/// A file under tests/fixtures/, for unit tests that parse real captures.
#[cfg(test)]
pub(crate) fn fixture_text(rel: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel);
    host::read_user_file(&path).unwrap_or_else(|e| panic!("fixture {rel}: {e}"))
}

/// `--junit-file`: a file the user named on the command line, so it is
/// written where they said, not under --host-root.
fn write_junit_file(report: &Report, path: &Path) -> anyhow::Result<()> {
    let mut xml = Vec::new();
    render::write(report, Format::Junit, &Style::plain(100), &mut xml)?;
    host::write_user_file(path, &xml).context("writing the --junit-file report")
}
