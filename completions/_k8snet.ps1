
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'k8snet' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'k8snet'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'k8snet' {
            [CompletionResult]::new('--host-root', '--host-root', [CompletionResultType]::ParameterName, 'The node''s filesystem root: /proc, /sys, /etc, /run and /var/lib are read (and written) below it, e.g. /host in a DaemonSet')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color the table output (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--fail-on', '--fail-on', [CompletionResultType]::ParameterName, 'Lowest status that makes k8snet exit 1')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'Run every check that applies to this node and print one report')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Compare live sysctls and kernel modules with a profile (read-only)')
            [CompletionResult]::new('tune', 'tune', [CompletionResultType]::ParameterValue, 'Show (dry run) or apply a profile''s sysctls and modules, persisted for boot')
            [CompletionResult]::new('profile', 'profile', [CompletionResultType]::ParameterValue, 'List, show and explain sysctl profiles')
            [CompletionResult]::new('etcd', 'etcd', [CompletionResultType]::ParameterValue, 'Read flannel''s network config and subnet leases from etcd')
            [CompletionResult]::new('backend', 'backend', [CompletionResultType]::ParameterValue, 'Detect the flannel backend from every source and check its MTU')
            [CompletionResult]::new('proxy', 'proxy', [CompletionResultType]::ParameterValue, 'Detect kube-proxy''s mode: userspace, iptables, ipvs or nftables')
            [CompletionResult]::new('chains', 'chains', [CompletionResultType]::ParameterValue, 'Show kube-proxy''s KUBE-* NAT chains as services and their endpoints')
            [CompletionResult]::new('steal', 'steal', [CompletionResultType]::ParameterValue, 'Measure CPU steal (time the hypervisor gave to other guests)')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('manpage', 'manpage', [CompletionResultType]::ParameterValue, 'Print the man page (roff) built from this help text')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'k8snet;doctor' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Embedded profile name (see `k8snet profile list`) or a YAML file path')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Embedded profile name (see `k8snet profile list`) or a YAML file path')
            [CompletionResult]::new('--skip', '--skip', [CompletionResultType]::ParameterName, 'Leave out checks whose id matches (glob, e.g. ''cpu.*''); repeatable')
            [CompletionResult]::new('--only', '--only', [CompletionResultType]::ParameterName, 'Run only checks whose id matches (glob); repeatable')
            [CompletionResult]::new('--steal-interval', '--steal-interval', [CompletionResultType]::ParameterName, 'How long to sample CPU steal; 0 uses the counters since boot')
            [CompletionResult]::new('--junit-file', '--junit-file', [CompletionResultType]::ParameterName, 'Also write a JUnit XML report to this file')
            [CompletionResult]::new('--endpoints', '--endpoints', [CompletionResultType]::ParameterName, 'Comma-separated client URLs [default: http://127.0.0.1:2379]')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA bundle to verify etcd''s certificate')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate for TLS authentication')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Client key for TLS authentication')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'user:password for etcd authentication (the password is never printed)')
            [CompletionResult]::new('--prefix', '--prefix', [CompletionResultType]::ParameterName, 'flannel''s key prefix [default: /coreos.com/network]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up on etcd after this long')
            [CompletionResult]::new('--api', '--api', [CompletionResultType]::ParameterName, 'etcd API: v3, v2 (flannel before 0.18), or auto (v3, then v2)')
            [CompletionResult]::new('--leases-file', '--leases-file', [CompletionResultType]::ParameterName, 'JSON written by `k8snet etcd leases -o json`')
            [CompletionResult]::new('--nodes-file', '--nodes-file', [CompletionResultType]::ParameterName, '`kubectl get nodes -o json` output (flannel''s kube-subnet-mgr mode)')
            [CompletionResult]::new('--host-root', '--host-root', [CompletionResultType]::ParameterName, 'The node''s filesystem root: /proc, /sys, /etc, /run and /var/lib are read (and written) below it, e.g. /host in a DaemonSet')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color the table output (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--fail-on', '--fail-on', [CompletionResultType]::ParameterName, 'Lowest status that makes k8snet exit 1')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'k8snet;check' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Embedded profile name (see `k8snet profile list`) or a YAML file path')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Embedded profile name (see `k8snet profile list`) or a YAML file path')
            [CompletionResult]::new('--junit-file', '--junit-file', [CompletionResultType]::ParameterName, 'Also write a JUnit XML report to this file')
            [CompletionResult]::new('--host-root', '--host-root', [CompletionResultType]::ParameterName, 'The node''s filesystem root: /proc, /sys, /etc, /run and /var/lib are read (and written) below it, e.g. /host in a DaemonSet')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color the table output (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--fail-on', '--fail-on', [CompletionResultType]::ParameterName, 'Lowest status that makes k8snet exit 1')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'k8snet;tune' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Embedded profile name (see `k8snet profile list`) or a YAML file path')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Embedded profile name (see `k8snet profile list`) or a YAML file path')
            [CompletionResult]::new('--persist-file', '--persist-file', [CompletionResultType]::ParameterName, 'The sysctl.d file to persist to')
            [CompletionResult]::new('--host-root', '--host-root', [CompletionResultType]::ParameterName, 'The node''s filesystem root: /proc, /sys, /etc, /run and /var/lib are read (and written) below it, e.g. /host in a DaemonSet')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color the table output (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--fail-on', '--fail-on', [CompletionResultType]::ParameterName, 'Lowest status that makes k8snet exit 1')
            [CompletionResult]::new('--apply', '--apply', [CompletionResultType]::ParameterName, 'Apply the plan (load modules, write /proc/sys, persist); without it tune only shows what it would do')
            [CompletionResult]::new('--no-persist', '--no-persist', [CompletionResultType]::ParameterName, 'Apply to the running kernel only; write nothing under /etc')
            [CompletionResult]::new('--atomic', '--atomic', [CompletionResultType]::ParameterName, 'All or nothing: if any key cannot be written, revert the ones that were')
            [CompletionResult]::new('--rollback', '--rollback', [CompletionResultType]::ParameterName, 'Restore the values and files the last --apply changed')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'k8snet;profile' {
            [CompletionResult]::new('--host-root', '--host-root', [CompletionResultType]::ParameterName, 'The node''s filesystem root: /proc, /sys, /etc, /run and /var/lib are read (and written) below it, e.g. /host in a DaemonSet')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color the table output (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--fail-on', '--fail-on', [CompletionResultType]::ParameterName, 'Lowest status that makes k8snet exit 1')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the embedded profiles')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print a profile (embedded name or file), with inherited keys merged')
            [CompletionResult]::new('explain', 'explain', [CompletionResultType]::ParameterValue, 'Say why a sysctl key matters for Kubernetes networking')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'k8snet;profile;list' {
            [CompletionResult]::new('--host-root', '--host-root', [CompletionResultType]::ParameterName, 'The node''s filesystem root: /proc, /sys, /etc, /run and /var/lib are read (and written) below it, e.g. /host in a DaemonSet')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color the table output (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--fail-on', '--fail-on', [CompletionResultType]::ParameterName, 'Lowest status that makes k8snet exit 1')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'k8snet;profile;show' {
            [CompletionResult]::new('--host-root', '--host-root', [CompletionResultType]::ParameterName, 'The node''s filesystem root: /proc, /sys, /etc, /run and /var/lib are read (and written) below it, e.g. /host in a DaemonSet')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color the table output (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--fail-on', '--fail-on', [CompletionResultType]::ParameterName, 'Lowest status that makes k8snet exit 1')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'k8snet;profile;explain' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Profile whose rule for the key to show')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile whose rule for the key to show')
            [CompletionResult]::new('--host-root', '--host-root', [CompletionResultType]::ParameterName, 'The node''s filesystem root: /proc, /sys, /etc, /run and /var/lib are read (and written) below it, e.g. /host in a DaemonSet')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color the table output (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--fail-on', '--fail-on', [CompletionResultType]::ParameterName, 'Lowest status that makes k8snet exit 1')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'k8snet;profile;help' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the embedded profiles')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print a profile (embedded name or file), with inherited keys merged')
            [CompletionResult]::new('explain', 'explain', [CompletionResultType]::ParameterValue, 'Say why a sysctl key matters for Kubernetes networking')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'k8snet;profile;help;list' {
            break
        }
        'k8snet;profile;help;show' {
            break
        }
        'k8snet;profile;help;explain' {
            break
        }
        'k8snet;profile;help;help' {
            break
        }
        'k8snet;etcd' {
            [CompletionResult]::new('--host-root', '--host-root', [CompletionResultType]::ParameterName, 'The node''s filesystem root: /proc, /sys, /etc, /run and /var/lib are read (and written) below it, e.g. /host in a DaemonSet')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color the table output (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--fail-on', '--fail-on', [CompletionResultType]::ParameterName, 'Lowest status that makes k8snet exit 1')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Show flannel''s network config with defaults made explicit, validated')
            [CompletionResult]::new('leases', 'leases', [CompletionResultType]::ParameterValue, 'List flannel''s subnet leases and flag overlaps, expiry and mismatches')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'k8snet;etcd;config' {
            [CompletionResult]::new('--endpoints', '--endpoints', [CompletionResultType]::ParameterName, 'Comma-separated client URLs [default: http://127.0.0.1:2379]')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA bundle to verify etcd''s certificate')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate for TLS authentication')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Client key for TLS authentication')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'user:password for etcd authentication (the password is never printed)')
            [CompletionResult]::new('--prefix', '--prefix', [CompletionResultType]::ParameterName, 'flannel''s key prefix [default: /coreos.com/network]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up on etcd after this long')
            [CompletionResult]::new('--api', '--api', [CompletionResultType]::ParameterName, 'etcd API: v3, v2 (flannel before 0.18), or auto (v3, then v2)')
            [CompletionResult]::new('--host-root', '--host-root', [CompletionResultType]::ParameterName, 'The node''s filesystem root: /proc, /sys, /etc, /run and /var/lib are read (and written) below it, e.g. /host in a DaemonSet')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color the table output (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--fail-on', '--fail-on', [CompletionResultType]::ParameterName, 'Lowest status that makes k8snet exit 1')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'k8snet;etcd;leases' {
            [CompletionResult]::new('--endpoints', '--endpoints', [CompletionResultType]::ParameterName, 'Comma-separated client URLs [default: http://127.0.0.1:2379]')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA bundle to verify etcd''s certificate')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate for TLS authentication')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Client key for TLS authentication')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'user:password for etcd authentication (the password is never printed)')
            [CompletionResult]::new('--prefix', '--prefix', [CompletionResultType]::ParameterName, 'flannel''s key prefix [default: /coreos.com/network]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up on etcd after this long')
            [CompletionResult]::new('--api', '--api', [CompletionResultType]::ParameterName, 'etcd API: v3, v2 (flannel before 0.18), or auto (v3, then v2)')
            [CompletionResult]::new('--host-root', '--host-root', [CompletionResultType]::ParameterName, 'The node''s filesystem root: /proc, /sys, /etc, /run and /var/lib are read (and written) below it, e.g. /host in a DaemonSet')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color the table output (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--fail-on', '--fail-on', [CompletionResultType]::ParameterName, 'Lowest status that makes k8snet exit 1')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'k8snet;etcd;help' {
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Show flannel''s network config with defaults made explicit, validated')
            [CompletionResult]::new('leases', 'leases', [CompletionResultType]::ParameterValue, 'List flannel''s subnet leases and flag overlaps, expiry and mismatches')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'k8snet;etcd;help;config' {
            break
        }
        'k8snet;etcd;help;leases' {
            break
        }
        'k8snet;etcd;help;help' {
            break
        }
        'k8snet;backend' {
            [CompletionResult]::new('--endpoints', '--endpoints', [CompletionResultType]::ParameterName, 'Comma-separated client URLs [default: http://127.0.0.1:2379]')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA bundle to verify etcd''s certificate')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate for TLS authentication')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Client key for TLS authentication')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'user:password for etcd authentication (the password is never printed)')
            [CompletionResult]::new('--prefix', '--prefix', [CompletionResultType]::ParameterName, 'flannel''s key prefix [default: /coreos.com/network]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up on etcd after this long')
            [CompletionResult]::new('--api', '--api', [CompletionResultType]::ParameterName, 'etcd API: v3, v2 (flannel before 0.18), or auto (v3, then v2)')
            [CompletionResult]::new('--leases-file', '--leases-file', [CompletionResultType]::ParameterName, 'JSON written by `k8snet etcd leases -o json`')
            [CompletionResult]::new('--nodes-file', '--nodes-file', [CompletionResultType]::ParameterName, '`kubectl get nodes -o json` output (flannel''s kube-subnet-mgr mode)')
            [CompletionResult]::new('--host-root', '--host-root', [CompletionResultType]::ParameterName, 'The node''s filesystem root: /proc, /sys, /etc, /run and /var/lib are read (and written) below it, e.g. /host in a DaemonSet')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color the table output (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--fail-on', '--fail-on', [CompletionResultType]::ParameterName, 'Lowest status that makes k8snet exit 1')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'k8snet;proxy' {
            [CompletionResult]::new('--metrics-address', '--metrics-address', [CompletionResultType]::ParameterName, 'kube-proxy''s metrics address, where /proxyMode is served')
            [CompletionResult]::new('--host-root', '--host-root', [CompletionResultType]::ParameterName, 'The node''s filesystem root: /proc, /sys, /etc, /run and /var/lib are read (and written) below it, e.g. /host in a DaemonSet')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color the table output (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--fail-on', '--fail-on', [CompletionResultType]::ParameterName, 'Lowest status that makes k8snet exit 1')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'k8snet;chains' {
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'Read an iptables-save (or `iptables -S`) dump from FILE, or - for stdin, instead of running iptables-save')
            [CompletionResult]::new('--service', '--service', [CompletionResultType]::ParameterName, 'Show only this service (namespace/name, or namespace/name:port)')
            [CompletionResult]::new('--host-root', '--host-root', [CompletionResultType]::ParameterName, 'The node''s filesystem root: /proc, /sys, /etc, /run and /var/lib are read (and written) below it, e.g. /host in a DaemonSet')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color the table output (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--fail-on', '--fail-on', [CompletionResultType]::ParameterName, 'Lowest status that makes k8snet exit 1')
            [CompletionResult]::new('--raw', '--raw', [CompletionResultType]::ParameterName, 'Print the KUBE-* chains verbatim instead of the service table')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'k8snet;steal' {
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Time between the two samples; 0 reports the counters since boot')
            [CompletionResult]::new('--interval', '--interval', [CompletionResultType]::ParameterName, 'Time between the two samples; 0 reports the counters since boot')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Number of intervals to measure')
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'Number of intervals to measure')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Embedded profile name (see `k8snet profile list`) or a YAML file path')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Embedded profile name (see `k8snet profile list`) or a YAML file path')
            [CompletionResult]::new('--host-root', '--host-root', [CompletionResultType]::ParameterName, 'The node''s filesystem root: /proc, /sys, /etc, /run and /var/lib are read (and written) below it, e.g. /host in a DaemonSet')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color the table output (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--fail-on', '--fail-on', [CompletionResultType]::ParameterName, 'Lowest status that makes k8snet exit 1')
            [CompletionResult]::new('--per-cpu', '--per-cpu', [CompletionResultType]::ParameterName, 'Show every CPU, not just the total')
            [CompletionResult]::new('--watch', '--watch', [CompletionResultType]::ParameterName, 'Repeat until interrupted')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'k8snet;completions' {
            [CompletionResult]::new('--host-root', '--host-root', [CompletionResultType]::ParameterName, 'The node''s filesystem root: /proc, /sys, /etc, /run and /var/lib are read (and written) below it, e.g. /host in a DaemonSet')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color the table output (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--fail-on', '--fail-on', [CompletionResultType]::ParameterName, 'Lowest status that makes k8snet exit 1')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'k8snet;manpage' {
            [CompletionResult]::new('--host-root', '--host-root', [CompletionResultType]::ParameterName, 'The node''s filesystem root: /proc, /sys, /etc, /run and /var/lib are read (and written) below it, e.g. /host in a DaemonSet')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color the table output (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--fail-on', '--fail-on', [CompletionResultType]::ParameterName, 'Lowest status that makes k8snet exit 1')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'k8snet;help' {
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'Run every check that applies to this node and print one report')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Compare live sysctls and kernel modules with a profile (read-only)')
            [CompletionResult]::new('tune', 'tune', [CompletionResultType]::ParameterValue, 'Show (dry run) or apply a profile''s sysctls and modules, persisted for boot')
            [CompletionResult]::new('profile', 'profile', [CompletionResultType]::ParameterValue, 'List, show and explain sysctl profiles')
            [CompletionResult]::new('etcd', 'etcd', [CompletionResultType]::ParameterValue, 'Read flannel''s network config and subnet leases from etcd')
            [CompletionResult]::new('backend', 'backend', [CompletionResultType]::ParameterValue, 'Detect the flannel backend from every source and check its MTU')
            [CompletionResult]::new('proxy', 'proxy', [CompletionResultType]::ParameterValue, 'Detect kube-proxy''s mode: userspace, iptables, ipvs or nftables')
            [CompletionResult]::new('chains', 'chains', [CompletionResultType]::ParameterValue, 'Show kube-proxy''s KUBE-* NAT chains as services and their endpoints')
            [CompletionResult]::new('steal', 'steal', [CompletionResultType]::ParameterValue, 'Measure CPU steal (time the hypervisor gave to other guests)')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('manpage', 'manpage', [CompletionResultType]::ParameterValue, 'Print the man page (roff) built from this help text')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'k8snet;help;doctor' {
            break
        }
        'k8snet;help;check' {
            break
        }
        'k8snet;help;tune' {
            break
        }
        'k8snet;help;profile' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the embedded profiles')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print a profile (embedded name or file), with inherited keys merged')
            [CompletionResult]::new('explain', 'explain', [CompletionResultType]::ParameterValue, 'Say why a sysctl key matters for Kubernetes networking')
            break
        }
        'k8snet;help;profile;list' {
            break
        }
        'k8snet;help;profile;show' {
            break
        }
        'k8snet;help;profile;explain' {
            break
        }
        'k8snet;help;etcd' {
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Show flannel''s network config with defaults made explicit, validated')
            [CompletionResult]::new('leases', 'leases', [CompletionResultType]::ParameterValue, 'List flannel''s subnet leases and flag overlaps, expiry and mismatches')
            break
        }
        'k8snet;help;etcd;config' {
            break
        }
        'k8snet;help;etcd;leases' {
            break
        }
        'k8snet;help;backend' {
            break
        }
        'k8snet;help;proxy' {
            break
        }
        'k8snet;help;chains' {
            break
        }
        'k8snet;help;steal' {
            break
        }
        'k8snet;help;completions' {
            break
        }
        'k8snet;help;manpage' {
            break
        }
        'k8snet;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
