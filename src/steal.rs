//! CPU steal from /proc/stat (being built).

use std::io::Write;

use crate::Context;
use crate::cli::StealArgs;
use crate::render::Style;
use crate::report::{Outcome, Report};

/// `k8snet steal`.
pub fn run(_ctx: &Context, _args: &StealArgs) -> anyhow::Result<Report> {
    anyhow::bail!("`k8snet steal` is not available in this build yet")
}

/// `k8snet steal --watch`.
pub fn watch(
    _ctx: &Context,
    _args: &StealArgs,
    _style: &Style,
    _out: &mut dyn Write,
) -> anyhow::Result<Outcome> {
    anyhow::bail!("`k8snet steal` is not available in this build yet")
}
