//! `k8snet chains`: kube-proxy's KUBE-* chains read back as services and
//! endpoints.
//!
//! [`parse`] reads iptables-save / `iptables -S` text, [`extract`] turns the
//! nat (and filter) table into [`ServicePort`]s for every kube-proxy era,
//! `source` runs the save tools of each backend, and `view` builds the
//! report. [`doctor_checks`] gives doctor the `proxy.services` check.

mod dispatch;
mod index;
mod model;
mod parse;
mod portals;
mod raw;
mod rule;
mod services;
pub(crate) mod source;
mod token;
mod view;

use std::io::{Read, Write};
use std::path::Path;

use anyhow::Context as _;

use crate::Context;
use crate::cli::ChainsArgs;
use crate::error;
use crate::report::{Check, Report};

pub use model::{Affinity, Endpoint, Endpoints, Era, Policy, PortName, ServicePort};
pub use parse::{Chain, Dump, ParseError, Rule, Table, parse};
pub use rule::RuleSpec;
pub use services::{Services, era_of, extract};
pub use source::Backend;

use source::Capture;

const PARSE_HINT: &str = "the input must be `iptables-save` or `iptables -S` output";

/// Read the dumps: `--file` (or stdin), else every backend's iptables-save.
fn load(ctx: &Context, args: &ChainsArgs) -> anyhow::Result<Vec<Capture>> {
    let Some(file) = args.file.as_deref() else {
        ctx.progress.show("running iptables-save…");
        let captures = source::capture(&ctx.host.exec);
        ctx.progress.clear();
        return captures;
    };
    let (origin, text) = if file == "-" {
        let mut bytes = Vec::new();
        std::io::stdin()
            .read_to_end(&mut bytes)
            .context("reading the dump from stdin")?;
        ("stdin".to_string(), source::text(bytes, "stdin")?)
    } else {
        let text = crate::host::read_user_file(Path::new(file)).map_err(|e| {
            error::with_hint(
                e,
                "--file takes a dump saved with `iptables-save > FILE`; check the path and that it is readable",
            )
        })?;
        (file.to_string(), text)
    };
    let backend = Backend::from_header(text.lines().find(|l| l.starts_with("# Generated")));
    Ok(vec![Capture {
        origin,
        backend,
        text,
    }])
}

/// Parse every capture; a malformed dump is an error naming its line.
fn parse_all(captures: &[Capture]) -> anyhow::Result<Vec<(&Capture, Dump<'_>)>> {
    captures
        .iter()
        .map(|c| {
            parse(&c.text).map(|d| (c, d)).map_err(|e| {
                // The hint goes on the parse error itself, so `{:#}` still
                // prints the whole chain down to the line number.
                error::with_hint(e, PARSE_HINT).context(format!("parsing {}", c.origin))
            })
        })
        .collect()
}

/// `k8snet chains`.
pub fn run(ctx: &Context, args: &ChainsArgs) -> anyhow::Result<Report> {
    let captures = load(ctx, args)?;
    let found = view::Extracted::from_dumps(&parse_all(&captures)?);
    drop(captures);
    Ok(view::report(found, args.service.as_deref()))
}

/// `k8snet chains --raw`: the KUBE-* chains verbatim (only the chains and
/// rules of `--service` when given).
pub fn write_raw(ctx: &Context, args: &ChainsArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let captures = load(ctx, args)?;
    let dumps = parse_all(&captures)?;
    let several = dumps.len() > 1;
    for (capture, dump) in &dumps {
        if several && source::kube_rules(dump) == 0 {
            continue;
        }
        if several {
            writeln!(out, "# k8snet: from {}", capture.origin)?;
        }
        raw::write(dump, args.service.as_deref(), out)?;
    }
    Ok(())
}

/// doctor's `proxy.services`: service ports without endpoints. No
/// iptables tools or no KUBE rules means no iptables-mode kube-proxy
/// here, which is a skip, not a failure.
pub fn doctor_checks(ctx: &Context) -> Vec<Check> {
    let args = ChainsArgs {
        file: None,
        service: None,
        raw: false,
    };
    let captures = match load(ctx, &args) {
        Ok(c) => c,
        Err(e) if source::not_installed(&e) => {
            return vec![Check::skip(
                view::CHECK_ID,
                "iptables-save is not installed, so there are no kube-proxy iptables rules to read",
            )];
        }
        Err(e) => return vec![Check::error(view::CHECK_ID, &e)],
    };
    match parse_all(&captures) {
        Ok(dumps) => vec![view::check(&view::Extracted::from_dumps(&dumps))],
        Err(e) => vec![Check::error(view::CHECK_ID, &e)],
    }
}
