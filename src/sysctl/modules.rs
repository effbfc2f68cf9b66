//! Is a kernel module present? Decided from every source a node has,
//! because a kernel with everything built in has no /proc/modules at all
//! and `lsmod` would wrongly say "not loaded".
//!
//! Order: /proc/modules (loaded loadable modules), /sys/module/NAME
//! (loadable modules have `initstate`; built-ins with parameters appear
//! without it), modules.builtin for the running kernel, and finally the
//! files the module creates (br_netfilter's /proc/sys/net/bridge keys,
//! overlay's entry in /proc/filesystems), which is the only evidence for a
//! built-in module without parameters.

use serde::Serialize;

use crate::host::Host;

/// Where a module stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "state", content = "evidence")]
pub enum ModuleState {
    /// Loaded as a module (evidence says where it was seen).
    Loaded(String),
    /// Compiled into the kernel.
    BuiltIn(String),
    /// Not loaded, but a .ko for this kernel exists: modprobe will work.
    Loadable(String),
    /// Not loaded and nothing says it can be.
    Absent(String),
}

impl ModuleState {
    /// Whether the module's features are available now.
    pub fn is_present(&self) -> bool {
        matches!(self, ModuleState::Loaded(_) | ModuleState::BuiltIn(_))
    }

    /// The evidence text.
    pub fn evidence(&self) -> &str {
        match self {
            ModuleState::Loaded(e)
            | ModuleState::BuiltIn(e)
            | ModuleState::Loadable(e)
            | ModuleState::Absent(e) => e,
        }
    }
}

/// Files a module creates when present, for modules without parameters
/// that leave no trace in /sys/module when built in.
fn footprint(module: &str) -> Option<&'static str> {
    match module {
        "br_netfilter" => Some("/proc/sys/net/bridge/bridge-nf-call-iptables"),
        "nf_conntrack" => Some("/proc/sys/net/netfilter/nf_conntrack_max"),
        "ip_vs" => Some("/proc/sys/net/ipv4/vs"),
        "ipv6" => Some("/proc/sys/net/ipv6"),
        _ => None,
    }
}

/// Decide the state of `module` on this node.
pub fn state(host: &Host, module: &str) -> ModuleState {
    let name = module.replace('-', "_");
    let proc_modules = host.read_optional("/proc/modules").ok().flatten();
    if let Some(list) = &proc_modules
        && list
            .lines()
            .any(|l| l.split(' ').next() == Some(name.as_str()))
    {
        return ModuleState::Loaded("listed in /proc/modules".into());
    }
    let sys = format!("/sys/module/{name}");
    if host.is_dir(&sys) {
        return if host.exists(&format!("{sys}/initstate")) {
            ModuleState::Loaded(format!("{sys} exists"))
        } else {
            ModuleState::BuiltIn(format!("{sys} has no initstate"))
        };
    }
    let release = host
        .read("/proc/sys/kernel/osrelease")
        .map(|r| r.trim().to_string())
        .unwrap_or_default();
    let lib = format!("/lib/modules/{release}");
    if let Ok(Some(builtin)) = host.read_optional(&format!("{lib}/modules.builtin"))
        && lists_module(&builtin, &name)
    {
        return ModuleState::BuiltIn(format!("listed in {lib}/modules.builtin"));
    }
    if let Some(path) = footprint(&name)
        && host.exists(path)
    {
        return ModuleState::BuiltIn(format!("{path} exists"));
    }
    if name == "overlay"
        && let Ok(fs) = host.read("/proc/filesystems")
        && fs
            .lines()
            .any(|l| l.split_whitespace().last() == Some("overlay"))
    {
        return ModuleState::BuiltIn("overlay is in /proc/filesystems".into());
    }
    if let Ok(Some(deps)) = host.read_optional(&format!("{lib}/modules.dep"))
        && lists_module(&deps, &name)
    {
        return ModuleState::Loadable(format!("{lib}/modules.dep lists it"));
    }
    if proc_modules.is_none() {
        return ModuleState::Absent(
            "the kernel has no loadable module support (/proc/modules is absent) and it is not built in"
                .into(),
        );
    }
    ModuleState::Absent(format!("not loaded and not found under {lib}"))
}

/// Where modules-load.d(5) and Debian's /etc/modules look for modules to
/// load at boot, in precedence order.
pub const LOAD_DIRS: &[&str] = &[
    "/etc/modules-load.d",
    "/run/modules-load.d",
    "/usr/local/lib/modules-load.d",
    "/usr/lib/modules-load.d",
    "/lib/modules-load.d",
];

/// The modules-load.d files and /etc/modules, read once for every module
/// a profile names.
pub struct BootLoads {
    files: Vec<(String, String)>,
}

impl BootLoads {
    /// Read every boot-time module list on the node.
    pub fn read(host: &Host) -> BootLoads {
        let mut paths: Vec<String> = LOAD_DIRS
            .iter()
            .flat_map(|dir| {
                host.list(dir)
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|n| n.ends_with(".conf"))
                    .map(move |n| format!("{dir}/{n}"))
            })
            .collect();
        paths.push("/etc/modules".into());
        let files = paths
            .into_iter()
            .filter_map(|path| host.read(&path).ok().map(|text| (path, text)))
            .collect();
        BootLoads { files }
    }

    /// The file:line that loads `module` at boot, if any.
    pub fn loads(&self, module: &str) -> Option<String> {
        let name = module.replace('-', "_");
        self.files.iter().find_map(|(file, text)| {
            text.lines().enumerate().find_map(|(index, line)| {
                let entry = line.split(['#', ';']).next().unwrap_or("").trim();
                let first = entry.split_whitespace().next()?;
                (first.replace('-', "_") == name).then(|| format!("{file}:{}", index + 1))
            })
        })
    }
}

/// modules.builtin / modules.dep lines start with `kernel/…/NAME.ko[.xz]`;
/// file names may use `-` where the module name has `_`.
fn lists_module(list: &str, name: &str) -> bool {
    list.lines().any(|line| {
        let path = line.split(':').next().unwrap_or("");
        let file = path.rsplit('/').next().unwrap_or("");
        let stem = file.split(".ko").next().unwrap_or("");
        !stem.is_empty() && stem.replace('-', "_") == name
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::SystemClock;
    use crate::exec::Exec;

    fn host_with(files: &[(&str, &str)]) -> (tempfile::TempDir, Host) {
        let dir = tempfile::tempdir().expect("tempdir");
        for (path, content) in files {
            let full = dir.path().join(path.trim_start_matches('/'));
            std::fs::create_dir_all(full.parent().expect("parent")).expect("mkdir");
            #[allow(clippy::disallowed_methods)]
            std::fs::write(full, content).expect("write");
        }
        let host = Host::new(
            dir.path(),
            Exec::with_search_path(""),
            Box::new(SystemClock),
        );
        (dir, host)
    }

    #[test]
    fn loaded_module_from_proc_modules() {
        let (_d, host) = host_with(&[(
            "/proc/modules",
            "br_netfilter 32768 0 - Live 0x0000000000000000\nbridge 311296 1 br_netfilter, Live 0x0\n",
        )]);
        assert!(matches!(
            state(&host, "br_netfilter"),
            ModuleState::Loaded(_)
        ));
    }

    #[test]
    fn built_in_without_proc_modules_from_its_keys() {
        let (_d, host) = host_with(&[
            ("/proc/sys/net/bridge/bridge-nf-call-iptables", "1\n"),
            ("/proc/filesystems", "nodev\tproc\nnodev\toverlay\n"),
        ]);
        assert!(matches!(
            state(&host, "br_netfilter"),
            ModuleState::BuiltIn(_)
        ));
        assert!(matches!(state(&host, "overlay"), ModuleState::BuiltIn(_)));
    }

    #[test]
    fn built_in_from_sys_module_or_modules_builtin() {
        let (_d, host) = host_with(&[
            ("/sys/module/vxlan/parameters/udp_port", "8472\n"),
            ("/proc/sys/kernel/osrelease", "6.1.0-18-amd64\n"),
            (
                "/lib/modules/6.1.0-18-amd64/modules.builtin",
                "kernel/net/bridge/br_netfilter.ko\n",
            ),
        ]);
        assert!(matches!(state(&host, "vxlan"), ModuleState::BuiltIn(_)));
        assert!(matches!(
            state(&host, "br_netfilter"),
            ModuleState::BuiltIn(_)
        ));
    }

    #[test]
    fn loadable_when_modules_dep_lists_it() {
        let (_d, host) = host_with(&[
            ("/proc/modules", ""),
            ("/proc/sys/kernel/osrelease", "6.1.0\n"),
            (
                "/lib/modules/6.1.0/modules.dep",
                "kernel/net/bridge/br_netfilter.ko.xz: kernel/net/bridge/bridge.ko.xz\n",
            ),
        ]);
        assert!(matches!(
            state(&host, "br_netfilter"),
            ModuleState::Loadable(_)
        ));
        assert!(matches!(state(&host, "ip_vs"), ModuleState::Absent(_)));
    }

    #[test]
    fn no_module_support_is_said_plainly() {
        let (_d, host) = host_with(&[("/proc/sys/kernel/osrelease", "6.18.0\n")]);
        let absent = state(&host, "br_netfilter");
        assert!(
            absent.evidence().contains("no loadable module support"),
            "{absent:?}"
        );
    }
}
