//! Command-line surface: clap types whose doc comments are the help text.
//! No domain logic here; each command module resolves its own arguments.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::render::{ColorChoice, Format};
use crate::report::FailOn;

const AFTER_HELP: &str = "\
Exit codes:
  0  everything checked is fine (warnings allowed unless --fail-on warn)
  1  a check found a problem, or `tune --apply` could not apply something
  2  k8snet could not do what was asked (bad flags, invalid profile,
     unreadable input, unreachable etcd that was named explicitly)

Examples:
  k8snet doctor                          # everything that applies to this node
  k8snet check -o junit > sysctl.xml     # CI preflight, read-only
  sudo k8snet tune --apply               # fix and persist the sysctl profile
  k8snet chains --service default/kubernetes
  k8snet --host-root /host doctor -o prometheus   # in a DaemonSet";

/// Finds and fixes the node settings that stop pods on different nodes
/// from talking: sysctls and modules, flannel's etcd data and backend,
/// kube-proxy's mode and NAT chains, and CPU steal.
#[derive(Parser, Debug)]
#[command(name = "k8snet", version, about, after_help = AFTER_HELP)]
pub struct Cli {
    /// Options every command takes.
    #[command(flatten)]
    pub global: Global,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// The process's arguments, or exit with clap's message (status 2) or
    /// help (status 0).
    pub fn from_env() -> Cli {
        let mut command = Cli::command();
        let parsed = command
            .try_get_matches_from_mut(std::env::args_os())
            .and_then(|mut matches| {
                Cli::from_arg_matches_mut(&mut matches).map_err(|err| err.format(&mut command))
            });
        match parsed {
            Ok(cli) => {
                // Leaked on purpose: the process ends soon after, and freeing
                // the command tree's thousand allocations cost several
                // percent of a whole `k8snet check` (README, Benchmarks).
                std::mem::forget(command);
                cli
            }
            Err(err) => err.exit(),
        }
    }
}

/// Options every command takes.
#[derive(Args, Debug)]
pub struct Global {
    /// The node's filesystem root: /proc, /sys, /etc, /run and /var/lib are
    /// read (and written) below it, e.g. /host in a DaemonSet.
    #[arg(
        long,
        global = true,
        env = "K8SNET_HOST_ROOT",
        default_value = "/",
        value_name = "DIR"
    )]
    pub host_root: PathBuf,
    /// Output format.
    #[arg(long, short = 'o', global = true, value_enum, default_value_t = Format::Table)]
    pub output: Format,
    /// When to color the table output (NO_COLOR is honoured with auto).
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
    /// Lowest status that makes k8snet exit 1.
    #[arg(long, global = true, value_enum, default_value_t = FailOn::Fail, value_name = "LEVEL")]
    pub fail_on: FailOn,
}

/// The subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run every check that applies to this node and print one report.
    #[command(
        after_help = "Examples:\n  k8snet doctor\n  k8snet doctor --only 'sysctl.*' --fail-on warn\n  k8snet doctor --skip cpu.steal -o junit --junit-file report.xml\n  k8snet doctor --steal-interval 0 -o prometheus > /var/lib/node_exporter/k8snet.prom"
    )]
    Doctor(DoctorArgs),
    /// Compare live sysctls and kernel modules with a profile (read-only).
    #[command(
        after_help = "Examples:\n  k8snet check\n  k8snet check --profile ./my-node.yaml -o json\n  k8snet check -o junit --junit-file sysctl.xml"
    )]
    Check(CheckArgs),
    /// Show (dry run) or apply a profile's sysctls and modules, persisted for boot.
    #[command(
        after_help = "Examples:\n  k8snet tune                     # show the plan\n  sudo k8snet tune --apply        # apply and persist\n  sudo k8snet tune --apply --atomic\n  sudo k8snet tune --rollback     # undo the last --apply"
    )]
    Tune(TuneArgs),
    /// List, show and explain sysctl profiles.
    #[command(
        subcommand,
        after_help = "Examples:\n  k8snet profile list\n  k8snet profile show k8s-node-ipvs\n  k8snet profile show ./my-node.yaml -o yaml\n  k8snet profile explain net.bridge.bridge-nf-call-iptables"
    )]
    Profile(ProfileCommand),
    /// Read flannel's network config and subnet leases from etcd.
    #[command(subcommand)]
    Etcd(EtcdCommand),
    /// Detect the flannel backend from every source and check its MTU.
    #[command(
        after_help = "Examples:\n  k8snet backend\n  k8snet backend --leases-file leases.json   # also check routes/FDB against leases"
    )]
    Backend(BackendArgs),
    /// Detect kube-proxy's mode: userspace, iptables, ipvs or nftables.
    #[command(
        after_help = "Examples:\n  sudo k8snet proxy\n  sudo k8snet proxy --metrics-address 127.0.0.1:10249 -o json"
    )]
    Proxy(ProxyArgs),
    /// Show kube-proxy's KUBE-* NAT chains as services and their endpoints.
    #[command(
        after_help = "Examples:\n  sudo k8snet chains\n  iptables-save -t nat | k8snet chains --file -\n  k8snet chains --file dump.txt --service kube-system/kube-dns -o json\n  sudo k8snet chains --raw"
    )]
    Chains(ChainsArgs),
    /// Measure CPU steal (time the hypervisor gave to other guests).
    #[command(
        after_help = "Examples:\n  k8snet steal\n  k8snet steal --interval 5s --per-cpu\n  k8snet steal --interval 0     # since boot, no waiting\n  k8snet steal --watch"
    )]
    Steal(StealArgs),
    /// Print a shell completion script.
    #[command(
        after_help = "Examples:\n  k8snet completions bash > /etc/bash_completion.d/k8snet\n  k8snet completions zsh > \"${fpath[1]}/_k8snet\"\n  k8snet completions fish > ~/.config/fish/completions/k8snet.fish"
    )]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) built from this help text.
    #[command(hide = true)]
    Manpage,
}

/// `--profile`.
#[derive(Args, Debug, Clone)]
pub struct ProfileArg {
    /// Embedded profile name (see `k8snet profile list`) or a YAML file path.
    #[arg(
        long,
        short = 'p',
        default_value = "k8s-node",
        value_name = "NAME|FILE"
    )]
    pub profile: String,
}

/// `doctor`.
#[derive(Args, Debug)]
pub struct DoctorArgs {
    /// The sysctl profile.
    #[command(flatten)]
    pub profile: ProfileArg,
    /// Leave out checks whose id matches (glob, e.g. 'cpu.*'); repeatable.
    #[arg(long, value_name = "ID")]
    pub skip: Vec<String>,
    /// Run only checks whose id matches (glob); repeatable.
    #[arg(long, value_name = "ID")]
    pub only: Vec<String>,
    /// How long to sample CPU steal; 0 uses the counters since boot.
    #[arg(long, default_value = "1s", value_parser = parse_duration, value_name = "DURATION")]
    pub steal_interval: Duration,
    /// Also write a JUnit XML report to this file.
    #[arg(long, value_name = "FILE")]
    pub junit_file: Option<PathBuf>,
    /// Where flannel's data lives.
    #[command(flatten)]
    pub etcd: EtcdArgs,
    /// Leases and nodes for the dataplane checks when etcd is not used.
    #[command(flatten)]
    pub leases: LeaseSourceArgs,
}

/// `check`.
#[derive(Args, Debug)]
pub struct CheckArgs {
    /// The sysctl profile.
    #[command(flatten)]
    pub profile: ProfileArg,
    /// Also write a JUnit XML report to this file.
    #[arg(long, value_name = "FILE")]
    pub junit_file: Option<PathBuf>,
}

/// `tune`.
#[derive(Args, Debug)]
pub struct TuneArgs {
    /// The sysctl profile.
    #[command(flatten)]
    pub profile: ProfileArg,
    /// Apply the plan (load modules, write /proc/sys, persist); without it
    /// tune only shows what it would do.
    #[arg(long, conflicts_with = "rollback")]
    pub apply: bool,
    /// Apply to the running kernel only; write nothing under /etc.
    #[arg(long, requires = "apply")]
    pub no_persist: bool,
    /// The sysctl.d file to persist to.
    #[arg(
        long,
        default_value = "/etc/sysctl.d/99-k8snet.conf",
        value_name = "FILE"
    )]
    pub persist_file: String,
    /// All or nothing: if any key cannot be written, revert the ones that were.
    #[arg(long, requires = "apply")]
    pub atomic: bool,
    /// Restore the values and files the last --apply changed.
    #[arg(long)]
    pub rollback: bool,
}

/// `profile …`.
#[derive(Subcommand, Debug)]
pub enum ProfileCommand {
    /// List the embedded profiles.
    List,
    /// Print a profile (embedded name or file), with inherited keys merged.
    Show {
        /// Profile name or YAML file.
        profile: String,
    },
    /// Say why a sysctl key matters for Kubernetes networking.
    Explain {
        /// A sysctl key, e.g. net.ipv4.ip_forward.
        key: String,
        /// Profile whose rule for the key to show.
        #[arg(
            long,
            short = 'p',
            default_value = "k8s-node",
            value_name = "NAME|FILE"
        )]
        profile: String,
    },
}

/// Where flannel's etcd is and how to talk to it. Unset flags fall back to
/// ETCDCTL_* and then FLANNELD_ETCD_* variables.
#[derive(Args, Debug, Clone, Default)]
pub struct EtcdArgs {
    /// Comma-separated client URLs [default: http://127.0.0.1:2379].
    #[arg(long, value_name = "URLS", alias = "etcd-endpoints")]
    pub endpoints: Option<String>,
    /// CA bundle to verify etcd's certificate.
    #[arg(long, value_name = "FILE", alias = "etcd-cafile")]
    pub cacert: Option<PathBuf>,
    /// Client certificate for TLS authentication.
    #[arg(long, value_name = "FILE", alias = "etcd-certfile")]
    pub cert: Option<PathBuf>,
    /// Client key for TLS authentication.
    #[arg(long, value_name = "FILE", alias = "etcd-keyfile")]
    pub key: Option<PathBuf>,
    /// user:password for etcd authentication (the password is never printed).
    #[arg(long, value_name = "USER:PASSWORD")]
    pub user: Option<String>,
    /// flannel's key prefix [default: /coreos.com/network].
    #[arg(long, value_name = "PREFIX", alias = "etcd-prefix")]
    pub prefix: Option<String>,
    /// Give up on etcd after this long.
    #[arg(long, default_value = "5s", value_parser = parse_duration, value_name = "DURATION")]
    pub timeout: Duration,
    /// etcd API: v3, v2 (flannel before 0.18), or auto (v3, then v2).
    #[arg(long, value_enum, default_value_t = EtcdApi::Auto)]
    pub api: EtcdApi,
}

/// etcd API version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EtcdApi {
    /// v3 first; v2 when v3 has no flannel config.
    #[default]
    Auto,
    /// gRPC v3 API (flannel 0.18 and later).
    V3,
    /// HTTP JSON v2 keys API (flannel before 0.18).
    V2,
}

/// `etcd …`.
#[derive(Subcommand, Debug)]
pub enum EtcdCommand {
    /// Show flannel's network config with defaults made explicit, validated.
    #[command(
        after_help = "Examples:\n  k8snet etcd config\n  k8snet etcd config --endpoints https://10.0.0.1:2379 --cacert ca.pem --cert c.pem --key k.pem\n  ETCDCTL_ENDPOINTS=http://127.0.0.1:2379 k8snet etcd config --api v2"
    )]
    Config(EtcdArgs),
    /// List flannel's subnet leases and flag overlaps, expiry and mismatches.
    #[command(
        after_help = "Examples:\n  k8snet etcd leases\n  k8snet etcd leases -o json > leases.json"
    )]
    Leases(EtcdArgs),
}

/// Leases from files instead of etcd (for the dataplane checks).
#[derive(Args, Debug, Clone, Default)]
pub struct LeaseSourceArgs {
    /// JSON written by `k8snet etcd leases -o json`.
    #[arg(long, value_name = "FILE", conflicts_with = "nodes_file")]
    pub leases_file: Option<PathBuf>,
    /// `kubectl get nodes -o json` output (flannel's kube-subnet-mgr mode).
    #[arg(long, value_name = "FILE")]
    pub nodes_file: Option<PathBuf>,
}

/// `backend`.
#[derive(Args, Debug)]
pub struct BackendArgs {
    /// Where flannel's data lives (the etcd config is one source).
    #[command(flatten)]
    pub etcd: EtcdArgs,
    /// Leases for checking routes, neighbours and FDB entries.
    #[command(flatten)]
    pub leases: LeaseSourceArgs,
}

/// `proxy`.
#[derive(Args, Debug)]
pub struct ProxyArgs {
    /// kube-proxy's metrics address, where /proxyMode is served.
    #[arg(long, default_value = "127.0.0.1:10249", value_name = "HOST:PORT")]
    pub metrics_address: String,
}

/// `chains`.
#[derive(Args, Debug)]
pub struct ChainsArgs {
    /// Read an iptables-save (or `iptables -S`) dump from FILE, or - for
    /// stdin, instead of running iptables-save.
    #[arg(long, value_name = "DUMP|-")]
    pub file: Option<String>,
    /// Show only this service (namespace/name, or namespace/name:port).
    #[arg(long, value_name = "NS/NAME")]
    pub service: Option<String>,
    /// Print the KUBE-* chains verbatim instead of the service table.
    #[arg(long)]
    pub raw: bool,
}

/// `steal`.
#[derive(Args, Debug)]
pub struct StealArgs {
    /// Time between the two samples; 0 reports the counters since boot.
    #[arg(long, short = 'i', default_value = "1s", value_parser = parse_duration, value_name = "DURATION")]
    pub interval: Duration,
    /// Number of intervals to measure.
    #[arg(long, short = 'c', default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..), conflicts_with = "watch")]
    pub count: u32,
    /// Show every CPU, not just the total.
    #[arg(long)]
    pub per_cpu: bool,
    /// Repeat until interrupted.
    #[arg(long)]
    pub watch: bool,
    /// The profile whose steal thresholds apply.
    #[command(flatten)]
    pub profile: ProfileArg,
}

/// Parse `1s`, `500ms`, `2m`, `1h` or a bare number of seconds (`1.5`).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration; use e.g. 1s, 500ms, 2m or 3"))?;
    let seconds = match unit {
        "" | "s" => value,
        "ms" => value / 1000.0,
        "m" => value * 60.0,
        "h" => value * 3600.0,
        _ => {
            return Err(format!(
                "unknown unit `{unit}` in `{text}`; use ms, s, m or h"
            ));
        }
    };
    Duration::try_from_secs_f64(seconds).map_err(|e| format!("`{text}`: {e}"))
}

/// Write the completion script for `shell`.
pub fn write_completions(shell: clap_complete::Shell, out: &mut dyn std::io::Write) {
    let mut command = <Cli as clap::CommandFactory>::command();
    clap_complete::generate(shell, &mut command, "k8snet", out);
}

/// Write the man page.
pub fn write_manpage(out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let command = <Cli as clap::CommandFactory>::command();
    clap_mangen::Man::new(command).render(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("1s"), Ok(Duration::from_secs(1)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("3"), Ok(Duration::from_secs(3)));
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
        assert_eq!(parse_duration("1.5"), Ok(Duration::from_millis(1500)));
        assert!(parse_duration("1d").is_err());
        assert!(parse_duration("fast").is_err());
        assert!(parse_duration("").is_err());
        assert!(parse_duration("-1s").is_err());
    }

    #[test]
    fn man_page_renders_every_subcommand() {
        let mut out = Vec::new();
        write_manpage(&mut out).expect("render");
        let roff = String::from_utf8(out).expect("utf-8");
        assert!(
            roff.starts_with(".ie") || roff.contains(".TH k8snet"),
            "{roff:.200}"
        );
        for sub in ["doctor", "check", "tune", "chains", "steal"] {
            assert!(roff.contains(sub), "{sub} missing from man page");
        }
    }
}
