//! `k8snet check`: the live sysctls and modules against a profile, with
//! boot persistence, conntrack capacity and namespace scope. Read-only.

use serde::Serialize;

use crate::host::Host;
use crate::profile::{Profile, SysctlRule};
use crate::report::{Check, Status};

use super::boot::BootConfig;
use super::live::{self, Live};
use super::modules::{self, ModuleState};
use super::scope::{self, Scope};
use super::{SysctlKey, compare, conntrack};

/// One key's evaluation, as JSON consumers see it.
#[derive(Clone, Debug, Serialize)]
pub struct KeyState {
    /// The key.
    pub key: SysctlKey,
    /// What the profile wants, as text (`1`, `>= 131072`).
    pub wants: String,
    /// Live value, when readable.
    pub current: Option<String>,
    /// ok, drift, missing, unreadable or invalid.
    pub state: &'static str,
    /// Why the key is missing or unreadable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Whether it follows the reader's network namespace.
    pub per_netns: bool,
}

/// Everything `check` found, for JSON.
#[derive(Clone, Debug, Serialize)]
pub struct Evaluation {
    /// Profile name.
    pub profile: String,
    /// Namespace and /proc/sys writability.
    pub scope: Scope,
    /// Module states.
    pub modules: Vec<ModuleEntry>,
    /// Key states.
    pub keys: Vec<KeyState>,
    /// What boot will apply.
    pub boot: BootConfig,
}

/// A module and its state.
#[derive(Clone, Debug, Serialize)]
pub struct ModuleEntry {
    /// Module name.
    pub name: String,
    /// Its state.
    #[serde(flatten)]
    pub state: ModuleState,
    /// file:line that loads it at boot.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub persisted_at: Option<String>,
}

/// Evaluate `profile` on this node and return the data plus its checks.
pub fn evaluate(host: &Host, profile: &Profile) -> (Evaluation, Vec<Check>) {
    let scope = scope::detect(host);
    let boot = BootConfig::load(host);
    let boot_loads = modules::BootLoads::read(host);
    let modules: Vec<ModuleEntry> = profile
        .modules
        .iter()
        .map(|name| ModuleEntry {
            name: name.clone(),
            state: modules::state(host, name),
            persisted_at: boot_loads.loads(name),
        })
        .collect();
    let mut checks = vec![scope_check(&scope)];
    checks.extend(modules.iter().map(module_check));
    let mut keys = Vec::new();
    for rule in &profile.sysctls {
        let current = live::read(host, &rule.key);
        let (state, check) = key_check(host, rule, &current);
        checks.push(check);
        checks.push(boot_check(rule, &current, &boot));
        keys.push(state);
    }
    checks.extend(conntrack::checks(host, profile));
    let evaluation = Evaluation {
        profile: profile.name.clone(),
        scope,
        modules,
        keys,
        boot,
    };
    (evaluation, checks)
}

fn scope_check(scope: &Scope) -> Check {
    if scope.proc_sys_read_only {
        return Check::new(
            "netns.scope",
            Status::Warn,
            "/proc/sys is mounted read-only here (a container): values can be checked but `tune --apply` cannot write them",
        )
        .code("procsys-read-only")
        .hint("run tune on the node, or in a privileged pod with hostNetwork: true");
    }
    match scope.initial_netns {
        Some(true) => Check::ok(
            "netns.scope",
            format!("running in the host's network namespace ({})", scope.evidence),
        ),
        Some(false) => Check::new(
            "netns.scope",
            Status::Warn,
            format!(
                "running outside the host's initial network namespace ({}): net.ipv4/ipv6/bridge keys show this namespace, not the node; host-wide keys such as nf_conntrack_max are read-only here",
                scope.evidence
            ),
        )
        .code("netns-not-initial")
        .hint("run k8snet on the node itself, or in a pod with hostNetwork: true"),
        None => Check::ok(
            "netns.scope",
            format!("network namespace not determined ({})", scope.evidence),
        ),
    }
}

fn module_check(entry: &ModuleEntry) -> Check {
    let id = format!("module.{}", entry.name);
    let evidence = entry.state.evidence();
    match (&entry.state, &entry.persisted_at) {
        (ModuleState::BuiltIn(_), _) => {
            Check::ok(id, format!("built into the kernel ({evidence})"))
        }
        (ModuleState::Loaded(_), Some(at)) => {
            Check::ok(id, format!("loaded ({evidence}); loaded at boot by {at}"))
        }
        (ModuleState::Loaded(_), None) => Check::new(
            id,
            Status::Warn,
            format!("loaded now ({evidence}) but no modules-load.d file loads it at boot"),
        )
        .code("module-not-persisted")
        .hint("`k8snet tune --apply` writes /etc/modules-load.d/k8snet.conf"),
        (ModuleState::Loadable(_), _) => {
            Check::new(id, Status::Fail, format!("not loaded ({evidence})"))
                .code("module-missing")
                .hint(format!(
                    "modprobe {} (or `k8snet tune --apply`, which also persists it)",
                    entry.name
                ))
        }
        (ModuleState::Absent(_), _) => {
            Check::new(id, Status::Fail, format!("not available: {evidence}"))
                .code("module-missing")
                .hint(format!(
                    "install a kernel that provides {} (module or built in)",
                    entry.name
                ))
        }
    }
}

fn key_check(host: &Host, rule: &SysctlRule, current: &Live) -> (KeyState, Check) {
    let id = format!("sysctl.{}", rule.key);
    let wants = rule.want.to_string();
    let mut state = KeyState {
        key: rule.key.clone(),
        wants: wants.clone(),
        current: None,
        state: "ok",
        reason: None,
        per_netns: rule.key.is_per_netns(),
    };
    let check = match current {
        Live::Value(value) => {
            state.current = Some(value.clone());
            match compare::target(&rule.want, value) {
                Ok(target) if target == *value => {
                    Check::ok(id, format!("is {value} (profile wants {wants})"))
                }
                Ok(target) => {
                    state.state = "drift";
                    Check::new(
                        id,
                        Status::Fail,
                        format!("is {value}, profile wants {wants}"),
                    )
                    .code("sysctl-drift")
                    .hint(format!(
                        "`k8snet tune --apply` (or: sysctl -w {}={target})",
                        rule.key
                    ))
                }
                Err(reason) => {
                    state.state = "invalid";
                    state.reason = Some(reason.clone());
                    Check::new(id, Status::Error, reason).code("sysctl-invalid")
                }
            }
        }
        Live::Missing => {
            let (reason, hint) = missing_reason(host, rule);
            state.state = "missing";
            state.reason = Some(reason.clone());
            Check::new(id, Status::Fail, format!("missing: {reason}"))
                .code("sysctl-missing")
                .hint(hint)
        }
        Live::Unreadable(reason) => {
            state.state = "unreadable";
            state.reason = Some(reason.clone());
            Check::new(id, Status::Error, format!("unreadable: {reason}"))
                .code("sysctl-unreadable")
                .hint("run as root, or check that /proc is mounted")
        }
    };
    (state, check)
}

fn missing_reason(host: &Host, rule: &SysctlRule) -> (String, String) {
    if let Some(module) = &rule.module {
        let state = modules::state(host, module);
        if !state.is_present() {
            return (
                format!("module {module} is not loaded ({})", state.evidence()),
                format!("modprobe {module}, then `k8snet tune --apply`"),
            );
        }
    }
    let release = host
        .read("/proc/sys/kernel/osrelease")
        .map(|r| r.trim().to_string())
        .unwrap_or_else(|_| "unknown".into());
    (
        format!("{} does not exist in this kernel ({release})", rule.key.proc_path()),
        "the feature is not compiled in or the key was renamed; drop it from the profile for this kernel".into(),
    )
}

fn boot_check(rule: &SysctlRule, current: &Live, boot: &BootConfig) -> Check {
    let id = format!("boot.{}", rule.key);
    let assignments = boot.assignments_for(&rule.key);
    let satisfies = |value: &str| compare::satisfies(&rule.want, value).unwrap_or(false);
    let live_ok = matches!(current, Live::Value(v) if satisfies(v));
    let Some(last) = assignments.last() else {
        return if live_ok {
            Check::new(
                id,
                Status::Warn,
                "set now but not persisted: a reboot reverts it to the kernel default",
            )
            .code("sysctl-not-persisted")
            .hint("`k8snet tune --apply` persists the profile in /etc/sysctl.d/99-k8snet.conf")
        } else {
            Check::new(id, Status::Warn, "not persisted in any sysctl.d file")
                .code("sysctl-not-persisted")
                .hint("`k8snet tune --apply` applies and persists the profile")
        };
    };
    if satisfies(&last.value) {
        return match current {
            Live::Value(value) if !satisfies(value) => Check::new(
                id,
                Status::Warn,
                format!(
                    "persisted as {} by {} but not applied now (live value {value})",
                    last.value,
                    last.location()
                ),
            )
            .code("sysctl-persist-not-applied")
            .hint("`sysctl --system` or `k8snet tune --apply`"),
            _ => Check::ok(
                id,
                format!("boot sets {} ({})", last.value, last.location()),
            ),
        };
    }
    let good = assignments.iter().rev().find(|a| satisfies(&a.value));
    match good {
        Some(good) => Check::new(
            id,
            Status::Warn,
            format!(
                "persisted as {} by {} but overridden by {} (sets {}): boot ends with the wrong value",
                good.value,
                good.location(),
                last.location(),
                last.value
            ),
        )
        .code("sysctl-persist-overridden")
        .hint(format!("remove the assignment at {}, or rename the k8snet file to sort after it", last.location())),
        None => Check::new(
            id,
            Status::Warn,
            format!("boot sets {} ({}), profile wants {}", last.value, last.location(), rule.want),
        )
        .code("sysctl-persist-wrong")
        .hint("`k8snet tune --apply` persists the profile's value in a file that sorts last"),
    }
}
