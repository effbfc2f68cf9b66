//! `k8snet chains`: kube-proxy's KUBE-* chains read back as services and
//! endpoints.
//!
//! [`parse`] reads iptables-save / `iptables -S` text, [`extract`] turns the
//! nat (and filter) table into [`ServicePort`]s for every kube-proxy era,
//! `source` runs the save tools of each backend, `stream` parses their
//! output (or a `--file`) as it is read, and `view` builds the report.
//! [`doctor_checks`] gives doctor the `proxy.services` check.

mod dispatch;
mod index;
mod line;
mod model;
mod parse;
mod portals;
mod raw;
mod rule;
mod services;
pub(crate) mod source;
mod stream;
mod token;
mod view;

use std::io::Write;
use std::path::Path;

use anyhow::Context as _;

use crate::Context;
use crate::cli::ChainsArgs;
use crate::error;
use crate::host::HostError;
use crate::report::{Check, Report};

pub use model::{Affinity, Endpoint, Endpoints, Era, Policy, PortName, ServicePort};
pub use parse::{Chain, Dump, ParseError, Rule, Table, parse};
pub use rule::RuleSpec;
pub use services::{Services, era_of, extract};
pub use source::Backend;

use source::Parsed;
use stream::Streamed;

const PARSE_HINT: &str = "the input must be `iptables-save` or `iptables -S` output";

/// Where the dumps' text lives while their parsed rules are read: the
/// chunks a file (or stdin) or each save tool's output streamed into.
#[derive(Default)]
struct Texts {
    file: stream::Chunks,
    streamed: Vec<stream::Chunks>,
}

/// The error for a malformed dump. The hint goes on the parse error
/// itself, so `{:#}` still prints the whole chain down to the line number.
fn unparsable(e: ParseError, origin: &str) -> anyhow::Error {
    error::with_hint(e, PARSE_HINT).context(format!("parsing {origin}"))
}

/// Read and parse the dumps: `--file` (or stdin), else every backend's
/// iptables-save, each parsed as it streams in. A malformed dump is an
/// error naming its line.
fn read<'t>(
    ctx: &Context,
    args: &ChainsArgs,
    texts: &'t mut Texts,
) -> anyhow::Result<Vec<Parsed<'t>>> {
    let Some(file) = args.file.as_deref() else {
        ctx.progress.show("running iptables-save…");
        let parsed = source::capture_parsed(&ctx.host.exec, &mut texts.streamed, unparsable);
        ctx.progress.clear();
        return parsed;
    };
    let (origin, streamed) = if file == "-" {
        let what = stream::Input {
            origin: "stdin",
            want_header: true,
            size: 0,
        };
        let mut stdin = crate::pipe::Paced::new(std::io::stdin().lock());
        let streamed = stream::read(&mut stdin, &mut texts.file, &what)
            .context("reading the dump from stdin")?;
        ("stdin", streamed)
    } else {
        (file, read_file(file, &mut texts.file)?)
    };
    let (dump, header) = match streamed {
        Streamed::Parsed { dump, header } => (dump, header),
        Streamed::Unparsable(e) => return Err(unparsable(e, origin)),
        Streamed::NotText(e) => return Err(e),
    };
    Ok(vec![Parsed {
        origin: origin.to_string(),
        backend: Backend::from_header(header),
        dump,
    }])
}

/// Stream the dump file `file` into `chunks`; its errors name it.
fn read_file<'t>(file: &str, chunks: &'t mut stream::Chunks) -> anyhow::Result<Streamed<'t>> {
    let path = Path::new(file);
    let hinted = |e: HostError| {
        error::with_hint(
            e,
            "--file takes a dump saved with `iptables-save > FILE`; check the path and that it is readable",
        )
    };
    let mut input = crate::host::open_user_file(path).map_err(hinted)?;
    // Only a hint: a file that grows while it is read is read to its end.
    let size = input
        .metadata()
        .map_or(0, |m| usize::try_from(m.len()).unwrap_or(0));
    let what = stream::Input {
        origin: file,
        want_header: true,
        size,
    };
    stream::read(&mut input, chunks, &what)
        .map_err(|e| hinted(HostError::from_io(path.to_path_buf(), e)))
}

/// `k8snet chains`.
pub fn run(ctx: &Context, args: &ChainsArgs) -> anyhow::Result<Report> {
    let mut texts = Texts::default();
    let found = view::Extracted::from_dumps(&read(ctx, args, &mut texts)?);
    // Giving 26 MB of dump back to the system takes milliseconds; the
    // report need not wait for it.
    Ok(std::thread::scope(|scope| {
        scope.spawn(move || drop(texts));
        view::report(found, args.service.as_deref(), ctx.listings)
    }))
}

/// `k8snet chains --raw`: the KUBE-* chains verbatim (only the chains and
/// rules of `--service` when given).
pub fn write_raw(ctx: &Context, args: &ChainsArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let mut texts = Texts::default();
    let dumps = read(ctx, args, &mut texts)?;
    let several = dumps.len() > 1;
    for parsed in &dumps {
        if several && source::kube_rules(&parsed.dump) == 0 {
            continue;
        }
        if several {
            writeln!(out, "# k8snet: from {}", parsed.origin)?;
        }
        raw::write(&parsed.dump, args.service.as_deref(), out)?;
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
    let mut texts = Texts::default();
    match read(ctx, &args, &mut texts) {
        Ok(dumps) => vec![view::check(&view::Extracted::from_dumps(&dumps))],
        Err(e) if source::not_installed(&e) => vec![Check::skip(
            view::CHECK_ID,
            "iptables-save is not installed, so there are no kube-proxy iptables rules to read",
        )],
        Err(e) => vec![Check::error(view::CHECK_ID, &e)],
    }
}
