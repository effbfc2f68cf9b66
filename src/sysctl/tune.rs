//! `k8snet tune`: plan (dry run), apply, persist and roll back.
//!
//! Apply order: take the lock, load missing modules (their keys only
//! appear afterwards), write each key that is outside its rule, then
//! persist what is now live, atomically, and record what changed. A key
//! that cannot be written is reported with the reason and the rest still
//! apply, unless `--atomic`, which puts back what was written.

use serde::Serialize;

use crate::Context;
use crate::cli::TuneArgs;
use crate::host::{Host, HostError};
use crate::profile::{self, Profile, SysctlRule};
use crate::report::{Check, Report, Status, Table};

use super::live::{self, Live};
use super::modules::{self, ModuleState};
use super::state::{self, FileBefore, KeyBefore, Record};
use super::{SysctlKey, compare};

const MODULES_FILE: &str = "/etc/modules-load.d/k8snet.conf";

/// What happened (or would happen) to one key.
#[derive(Clone, Debug, Serialize)]
pub struct KeyOutcome {
    /// The key.
    pub key: SysctlKey,
    /// Value before.
    pub current: Option<String>,
    /// Value the profile asks for.
    pub target: Option<String>,
    /// What happened.
    pub result: KeyResult,
    /// Why it failed or was skipped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// What tune did, or would do, with one key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyResult {
    /// Already within the rule.
    Unchanged,
    /// Dry run: would be written.
    Pending,
    /// Written.
    Set,
    /// Could not be written (reason given).
    Failed,
    /// Written, then put back by `--atomic`.
    Reverted,
    /// Dry run: cannot be planned (reason given).
    Skipped,
}

impl std::fmt::Display for KeyResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            KeyResult::Unchanged => "unchanged",
            KeyResult::Pending => "pending",
            KeyResult::Set => "set",
            KeyResult::Failed => "failed",
            KeyResult::Reverted => "reverted",
            KeyResult::Skipped => "skipped",
        })
    }
}

/// `k8snet tune`.
pub fn tune(ctx: &Context, args: &TuneArgs) -> anyhow::Result<Report> {
    if args.rollback {
        return rollback(ctx);
    }
    let profile = profile::load(&args.profile.profile)?;
    if !args.apply {
        return Ok(dry_run(ctx, &profile, args));
    }
    let _lock = state::lock(ctx)?;
    apply(ctx, &profile, args)
}

/// The live value and the value the rule wants instead (equal when the
/// key is already within its rule).
fn before_and_target(rule: &SysctlRule, current: &Live) -> Result<(String, String), String> {
    match current {
        Live::Value(value) => Ok((value.clone(), compare::target(&rule.want, value)?)),
        Live::Missing => Err("key does not exist (module not loaded?)".into()),
        Live::Unreadable(reason) => Err(reason.clone()),
    }
}

fn dry_run(ctx: &Context, profile: &Profile, args: &TuneArgs) -> Report {
    let host = &ctx.host;
    let mut checks = Vec::new();
    let mut outcomes = Vec::new();
    for module in &profile.modules {
        match module_plan(host, module) {
            ModulePlan::Present => {}
            ModulePlan::Impossible(check) => checks.push(check),
            ModulePlan::Load(evidence) => checks.push(
                Check::new(
                    format!("tune.module.{module}"),
                    Status::Warn,
                    format!("would run modprobe {module} ({evidence})"),
                )
                .code("tune-pending"),
            ),
        }
    }
    for rule in &profile.sysctls {
        let current = live::read(host, &rule.key);
        let outcome = match (before_and_target(rule, &current), &rule.module) {
            (Ok((before, target)), _) if before == target => {
                outcome(rule, &current, Some(target), KeyResult::Unchanged, None)
            }
            (Ok((_, target)), _) => outcome(rule, &current, Some(target), KeyResult::Pending, None),
            (Err(_), Some(module)) if current == Live::Missing => outcome(
                rule,
                &current,
                Some(rule.want.to_string()),
                KeyResult::Pending,
                Some(format!("(once {module} is loaded)")),
            ),
            (Err(reason), _) => outcome(rule, &current, None, KeyResult::Skipped, Some(reason)),
        };
        checks.push(key_check(&outcome));
        outcomes.push(outcome);
    }
    if !args.no_persist {
        let content = sysctl_file(profile, &outcomes);
        let existing = host.read_optional(&args.persist_file).ok().flatten();
        checks.push(if existing.as_deref() == Some(content.as_str()) {
            Check::ok(
                "tune.persist",
                format!("{} is up to date", args.persist_file),
            )
        } else {
            Check::new(
                "tune.persist",
                Status::Warn,
                format!("would write {}", args.persist_file),
            )
            .code("tune-pending")
        });
    }
    let mut report = tune_report("tune", profile, outcomes, checks);
    report
        .notes
        .push("dry run: nothing was changed; add --apply to apply and persist".into());
    report
}

fn apply(ctx: &Context, profile: &Profile, args: &TuneArgs) -> anyhow::Result<Report> {
    let host = &ctx.host;
    let mut record = Record {
        profile: profile.name.clone(),
        ..Record::default()
    };
    let mut checks = load_modules(ctx, profile, &mut record);
    let mut outcomes = Vec::new();
    let mut written: Vec<(SysctlKey, String)> = Vec::new();
    for rule in &profile.sysctls {
        let current = live::read(host, &rule.key);
        let outcome = match before_and_target(rule, &current) {
            Ok((before, target)) if before == target => {
                outcome(rule, &current, Some(target), KeyResult::Unchanged, None)
            }
            Ok((before, target)) => match live::write(host, &rule.key, &target) {
                Ok(()) => {
                    written.push((rule.key.clone(), before));
                    outcome(rule, &current, Some(target), KeyResult::Set, None)
                }
                Err(e) => {
                    let reason = unwritable_reason(host, &rule.key, &e);
                    outcome(
                        rule,
                        &current,
                        Some(target),
                        KeyResult::Failed,
                        Some(reason),
                    )
                }
            },
            Err(reason) => outcome(rule, &current, None, KeyResult::Failed, Some(reason)),
        };
        outcomes.push(outcome);
    }
    let failed = outcomes.iter().any(|o| o.result == KeyResult::Failed)
        || checks.iter().any(|c| c.status == Status::Fail);
    if args.atomic && failed {
        revert(host, &written, &mut outcomes);
    } else {
        record.keys = written
            .iter()
            .map(|(key, before)| KeyBefore {
                key: key.to_string(),
                previous: before.clone(),
            })
            .collect();
        if !args.no_persist {
            checks.extend(persist(ctx, profile, &outcomes, args, &mut record)?);
        }
    }
    checks.extend(outcomes.iter().map(key_check));
    let changed = !record.is_empty();
    if changed {
        state::save_merged(ctx, record)?;
    }
    let mut report = tune_report("tune --apply", profile, outcomes, checks);
    if !changed {
        report.notes.push(format!(
            "nothing to change: the node already matches profile {}",
            profile.name
        ));
    } else if !(args.atomic && failed) {
        report.notes.push(format!(
            "`k8snet tune --rollback` restores the previous values (recorded in {})",
            state::record_path()
        ));
    }
    Ok(report)
}

/// What tune can do about a profile module.
enum ModulePlan {
    /// Loaded or built in: nothing.
    Present,
    /// The kernel has no module support and it is not built in.
    Impossible(Check),
    /// modprobe it (with the evidence for why it is needed).
    Load(String),
}

fn module_plan(host: &Host, module: &str) -> ModulePlan {
    match modules::state(host, module) {
        ModuleState::Loaded(_) | ModuleState::BuiltIn(_) => ModulePlan::Present,
        ModuleState::Absent(evidence) if !host.exists("/proc/modules") => ModulePlan::Impossible(
            Check::new(
                format!("tune.module.{module}"),
                Status::Fail,
                format!("cannot load {module}: {evidence}"),
            )
            .code("module-missing"),
        ),
        state => ModulePlan::Load(state.evidence().to_string()),
    }
}

fn load_modules(ctx: &Context, profile: &Profile, record: &mut Record) -> Vec<Check> {
    let mut checks = Vec::new();
    for module in &profile.modules {
        let id = format!("tune.module.{module}");
        match module_plan(&ctx.host, module) {
            ModulePlan::Present => {}
            ModulePlan::Impossible(check) => checks.push(check),
            ModulePlan::Load(_) => match ctx.host.exec.run("modprobe", &[module]) {
                Ok(_) => {
                    record.modules_loaded.push(module.clone());
                    checks.push(Check::ok(id, format!("loaded {module} with modprobe")));
                }
                Err(e) => checks.push(
                    Check::new(id, Status::Fail, format!("modprobe {module} failed: {e}"))
                        .code("module-missing")
                        .hint("install the kernel's extra modules package, or build the module in"),
                ),
            },
        }
    }
    checks
}

fn revert(host: &Host, written: &[(SysctlKey, String)], outcomes: &mut [KeyOutcome]) {
    for (key, before) in written {
        let restored = live::write(host, key, before);
        if let Some(outcome) = outcomes.iter_mut().find(|o| &o.key == key) {
            match restored {
                Ok(()) => {
                    outcome.result = KeyResult::Reverted;
                    outcome.reason = Some("--atomic: another key could not be written".into());
                }
                Err(e) => outcome.reason = Some(format!("--atomic revert failed: {e}")),
            }
        }
    }
}

fn persist(
    ctx: &Context,
    profile: &Profile,
    outcomes: &[KeyOutcome],
    args: &TuneArgs,
    record: &mut Record,
) -> anyhow::Result<Vec<Check>> {
    let mut checks = Vec::new();
    let sysctl_content = sysctl_file(profile, outcomes);
    checks.push(persist_file(
        ctx,
        &args.persist_file,
        &sysctl_content,
        record,
    )?);
    let loadable: Vec<&String> = profile
        .modules
        .iter()
        .filter(|m| !matches!(modules::state(&ctx.host, m), ModuleState::BuiltIn(_)))
        .collect();
    if !loadable.is_empty() {
        let mut content = header(profile);
        for module in loadable {
            content.push_str(module);
            content.push('\n');
        }
        checks.push(persist_file(ctx, MODULES_FILE, &content, record)?);
    }
    Ok(checks)
}

fn persist_file(
    ctx: &Context,
    path: &str,
    content: &str,
    record: &mut Record,
) -> anyhow::Result<Check> {
    let previous = ctx.host.read_optional(path)?;
    let id = if path == MODULES_FILE {
        "tune.persist.modules"
    } else {
        "tune.persist"
    };
    if previous.as_deref() == Some(content) {
        return Ok(Check::ok(id, format!("{path} is up to date")));
    }
    ctx.host.write_atomic(path, content)?;
    record.files.push(FileBefore {
        path: path.to_string(),
        previous,
    });
    Ok(Check::ok(id, format!("wrote {path}")))
}

fn header(profile: &Profile) -> String {
    format!(
        "# Written by `k8snet tune --apply` (profile {}); k8snet rewrites this file.\n# Put local overrides in a file that sorts after it.\n",
        profile.name
    )
}

/// The persisted file: every key that is now within its rule, with the
/// value it has (for bounds, the live value if it was already inside them,
/// so boot never shrinks a table someone made larger).
fn sysctl_file(profile: &Profile, outcomes: &[KeyOutcome]) -> String {
    let mut content = header(profile);
    for outcome in outcomes {
        let keep = matches!(
            outcome.result,
            KeyResult::Unchanged | KeyResult::Set | KeyResult::Pending
        );
        if let (true, Some(target)) = (keep, &outcome.target) {
            content.push_str(&format!("{} = {target}\n", outcome.key));
        }
    }
    content
}

fn unwritable_reason(host: &Host, key: &SysctlKey, err: &HostError) -> String {
    match err {
        HostError::ReadOnly { .. } => "/proc/sys is mounted read-only (a container?)".into(),
        HostError::PermissionDenied { .. } if !is_root(host) => {
            "permission denied: needs root".into()
        }
        HostError::PermissionDenied { .. } if !key.is_per_netns() => {
            "host-wide key, read-only outside the initial network namespace (EACCES)".into()
        }
        HostError::PermissionDenied { .. } => "permission denied (EACCES/EPERM)".into(),
        HostError::NotFound { .. } => "key disappeared (module unloaded?)".into(),
        HostError::Io { source, .. } => format!("the kernel rejected the value: {source}"),
    }
}

fn is_root(host: &Host) -> bool {
    host.read("/proc/self/status").ok().is_some_and(|status| {
        status
            .lines()
            .find(|l| l.starts_with("Uid:"))
            .and_then(|l| l.split_whitespace().nth(2))
            == Some("0")
    })
}

fn value_of(live: &Live) -> Option<String> {
    match live {
        Live::Value(v) => Some(v.clone()),
        _ => None,
    }
}

fn outcome(
    rule: &SysctlRule,
    current: &Live,
    target: Option<String>,
    result: KeyResult,
    reason: Option<String>,
) -> KeyOutcome {
    KeyOutcome {
        key: rule.key.clone(),
        current: value_of(current),
        target,
        result,
        reason,
    }
}

fn key_check(outcome: &KeyOutcome) -> Check {
    let id = format!("tune.{}", outcome.key);
    let current = outcome.current.as_deref().unwrap_or("-");
    let target = outcome.target.as_deref().unwrap_or("-");
    let reason = outcome.reason.as_deref().unwrap_or("");
    match outcome.result {
        KeyResult::Unchanged => Check::ok(id, format!("already {current}")),
        KeyResult::Set => Check::ok(id, format!("set {current} -> {target}")),
        KeyResult::Pending => Check::new(
            id,
            Status::Warn,
            format!("would set {current} -> {target} {reason}")
                .trim_end()
                .to_string(),
        )
        .code("tune-pending"),
        KeyResult::Reverted => {
            Check::new(id, Status::Warn, format!("reverted to {current}: {reason}"))
                .code("tune-reverted")
        }
        KeyResult::Skipped => Check::new(id, Status::Fail, format!("cannot be set: {reason}"))
            .code("sysctl-missing")
            .hint("`k8snet check` says why the key is missing or unreadable"),
        KeyResult::Failed => Check::new(id, Status::Fail, format!("not applied: {reason}"))
            .code("sysctl-unwritable")
            .hint("run as root on the node (host-wide keys need the initial network namespace)"),
    }
}

fn tune_report(
    command: &str,
    profile: &Profile,
    outcomes: Vec<KeyOutcome>,
    checks: Vec<Check>,
) -> Report {
    let mut table = Table::new(
        format!("profile {}", profile.name),
        &["key", "current", "target", "result"],
    );
    for o in &outcomes {
        let result = match &o.reason {
            Some(reason) => format!("{} ({reason})", o.result),
            None => o.result.to_string(),
        };
        table.push(vec![
            o.key.to_string(),
            o.current.clone().unwrap_or_else(|| "-".into()),
            o.target.clone().unwrap_or_else(|| "-".into()),
            result,
        ]);
    }
    let mut report = Report::new(command).with_data("keys", &outcomes);
    report.tables.push(table);
    report.checks = checks;
    report
}

fn rollback(ctx: &Context) -> anyhow::Result<Report> {
    let _lock = state::lock(ctx)?;
    let mut report = Report::new("tune --rollback");
    let Some(record) = state::load(ctx)? else {
        report.checks.push(Check::ok(
            "rollback",
            format!(
                "nothing to roll back: no record at {}",
                state::record_path()
            ),
        ));
        return Ok(report);
    };
    let mut remaining = Record {
        profile: record.profile.clone(),
        ..Record::default()
    };
    for before in &record.keys {
        let id = format!("rollback.{}", before.key);
        let restored = SysctlKey::parse(&before.key)
            .map_err(anyhow::Error::msg)
            .and_then(|key| Ok(live::write(&ctx.host, &key, &before.previous)?));
        report.checks.push(match restored {
            Ok(()) => Check::ok(id, format!("restored {}", before.previous)),
            Err(e) => {
                remaining.keys.push(before.clone());
                Check::new(
                    id,
                    Status::Fail,
                    format!("could not restore {}: {e:#}", before.previous),
                )
                .code("sysctl-unwritable")
            }
        });
    }
    for file in &record.files {
        let id = format!("rollback.file.{}", file.path);
        let restored = match &file.previous {
            Some(content) => ctx.host.write_atomic(&file.path, content),
            None => ctx.host.remove(&file.path),
        };
        report.checks.push(match (restored, &file.previous) {
            (Ok(()), Some(_)) => Check::ok(id, format!("restored {}", file.path)),
            (Ok(()), None) => Check::ok(id, format!("removed {} (k8snet created it)", file.path)),
            (Err(e), _) => {
                remaining.files.push(file.clone());
                Check::new(id, Status::Fail, format!("could not restore: {e}"))
                    .code("rollback-failed")
            }
        });
    }
    if !record.modules_loaded.is_empty() {
        report.notes.push(format!(
            "modules loaded by --apply stay loaded ({}): unloading them under running pods is not safe",
            record.modules_loaded.join(", ")
        ));
    }
    state::store(ctx, &remaining)?;
    Ok(report)
}
