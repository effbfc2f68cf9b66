# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_k8snet_global_optspecs
    string join \n host-root= o/output= color= fail-on= h/help V/version
end

function __fish_k8snet_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_k8snet_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_k8snet_using_subcommand
    set -l cmd (__fish_k8snet_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c k8snet -n "__fish_k8snet_needs_command" -l host-root -d 'The node\'s filesystem root: /proc, /sys, /etc, /run and /var/lib are read (and written) below it, e.g. /host in a DaemonSet' -r -F
complete -c k8snet -n "__fish_k8snet_needs_command" -s o -l output -d 'Output format' -r -f -a "table\t'Aligned columns for people, grouped by area, summary line last'
json\t'Pretty JSON with `schema_version`; every field of every item'
yaml\t'The same model as JSON, in YAML'
junit\t'JUnit XML: one testcase per check (CI test reports)'
prometheus\t'Prometheus text format for node_exporter\'s textfile collector'"
complete -c k8snet -n "__fish_k8snet_needs_command" -l color -d 'When to color the table output (NO_COLOR is honoured with auto)' -r -f -a "auto\t'Color when stdout is a terminal and NO_COLOR is unset or empty'
always\t'Always color'
never\t'Never color'"
complete -c k8snet -n "__fish_k8snet_needs_command" -l fail-on -d 'Lowest status that makes k8snet exit 1' -r -f -a "warn\t'Warnings fail the run too'
fail\t'Only failures do (the default)'"
complete -c k8snet -n "__fish_k8snet_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c k8snet -n "__fish_k8snet_needs_command" -s V -l version -d 'Print version'
complete -c k8snet -n "__fish_k8snet_needs_command" -f -a "doctor" -d 'Run every check that applies to this node and print one report'
complete -c k8snet -n "__fish_k8snet_needs_command" -f -a "check" -d 'Compare live sysctls and kernel modules with a profile (read-only)'
complete -c k8snet -n "__fish_k8snet_needs_command" -f -a "tune" -d 'Show (dry run) or apply a profile\'s sysctls and modules, persisted for boot'
complete -c k8snet -n "__fish_k8snet_needs_command" -f -a "profile" -d 'List, show and explain sysctl profiles'
complete -c k8snet -n "__fish_k8snet_needs_command" -f -a "etcd" -d 'Read flannel\'s network config and subnet leases from etcd'
complete -c k8snet -n "__fish_k8snet_needs_command" -f -a "backend" -d 'Detect the flannel backend from every source and check its MTU'
complete -c k8snet -n "__fish_k8snet_needs_command" -f -a "proxy" -d 'Detect kube-proxy\'s mode: userspace, iptables, ipvs or nftables'
complete -c k8snet -n "__fish_k8snet_needs_command" -f -a "chains" -d 'Show kube-proxy\'s KUBE-* NAT chains as services and their endpoints'
complete -c k8snet -n "__fish_k8snet_needs_command" -f -a "steal" -d 'Measure CPU steal (time the hypervisor gave to other guests)'
complete -c k8snet -n "__fish_k8snet_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c k8snet -n "__fish_k8snet_needs_command" -f -a "manpage" -d 'Print the man page (roff) built from this help text'
complete -c k8snet -n "__fish_k8snet_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c k8snet -n "__fish_k8snet_using_subcommand doctor" -s p -l profile -d 'Embedded profile name (see `k8snet profile list`) or a YAML file path' -r
complete -c k8snet -n "__fish_k8snet_using_subcommand doctor" -l skip -d 'Leave out checks whose id matches (glob, e.g. \'cpu.*\'); repeatable' -r
complete -c k8snet -n "__fish_k8snet_using_subcommand doctor" -l only -d 'Run only checks whose id matches (glob); repeatable' -r
complete -c k8snet -n "__fish_k8snet_using_subcommand doctor" -l steal-interval -d 'How long to sample CPU steal; 0 uses the counters since boot' -r
complete -c k8snet -n "__fish_k8snet_using_subcommand doctor" -l junit-file -d 'Also write a JUnit XML report to this file' -r -F
complete -c k8snet -n "__fish_k8snet_using_subcommand doctor" -l endpoints -d 'Comma-separated client URLs [default: http://127.0.0.1:2379]' -r
complete -c k8snet -n "__fish_k8snet_using_subcommand doctor" -l cacert -d 'CA bundle to verify etcd\'s certificate' -r -F
complete -c k8snet -n "__fish_k8snet_using_subcommand doctor" -l cert -d 'Client certificate for TLS authentication' -r -F
complete -c k8snet -n "__fish_k8snet_using_subcommand doctor" -l key -d 'Client key for TLS authentication' -r -F
complete -c k8snet -n "__fish_k8snet_using_subcommand doctor" -l user -d 'user:password for etcd authentication (the password is never printed)' -r
complete -c k8snet -n "__fish_k8snet_using_subcommand doctor" -l prefix -d 'flannel\'s key prefix [default: /coreos.com/network]' -r
complete -c k8snet -n "__fish_k8snet_using_subcommand doctor" -l timeout -d 'Give up on etcd after this long' -r
complete -c k8snet -n "__fish_k8snet_using_subcommand doctor" -l api -d 'etcd API: v3, v2 (flannel before 0.18), or auto (v3, then v2)' -r -f -a "auto\t'v3 first; v2 when v3 has no flannel config'
v3\t'gRPC v3 API (flannel 0.18 and later)'
v2\t'HTTP JSON v2 keys API (flannel before 0.18)'"
complete -c k8snet -n "__fish_k8snet_using_subcommand doctor" -l leases-file -d 'JSON written by `k8snet etcd leases -o json`' -r -F
complete -c k8snet -n "__fish_k8snet_using_subcommand doctor" -l nodes-file -d '`kubectl get nodes -o json` output (flannel\'s kube-subnet-mgr mode)' -r -F
complete -c k8snet -n "__fish_k8snet_using_subcommand doctor" -l host-root -d 'The node\'s filesystem root: /proc, /sys, /etc, /run and /var/lib are read (and written) below it, e.g. /host in a DaemonSet' -r -F
complete -c k8snet -n "__fish_k8snet_using_subcommand doctor" -s o -l output -d 'Output format' -r -f -a "table\t'Aligned columns for people, grouped by area, summary line last'
json\t'Pretty JSON with `schema_version`; every field of every item'
yaml\t'The same model as JSON, in YAML'
junit\t'JUnit XML: one testcase per check (CI test reports)'
prometheus\t'Prometheus text format for node_exporter\'s textfile collector'"
complete -c k8snet -n "__fish_k8snet_using_subcommand doctor" -l color -d 'When to color the table output (NO_COLOR is honoured with auto)' -r -f -a "auto\t'Color when stdout is a terminal and NO_COLOR is unset or empty'
always\t'Always color'
never\t'Never color'"
complete -c k8snet -n "__fish_k8snet_using_subcommand doctor" -l fail-on -d 'Lowest status that makes k8snet exit 1' -r -f -a "warn\t'Warnings fail the run too'
fail\t'Only failures do (the default)'"
complete -c k8snet -n "__fish_k8snet_using_subcommand doctor" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c k8snet -n "__fish_k8snet_using_subcommand check" -s p -l profile -d 'Embedded profile name (see `k8snet profile list`) or a YAML file path' -r
complete -c k8snet -n "__fish_k8snet_using_subcommand check" -l junit-file -d 'Also write a JUnit XML report to this file' -r -F
complete -c k8snet -n "__fish_k8snet_using_subcommand check" -l host-root -d 'The node\'s filesystem root: /proc, /sys, /etc, /run and /var/lib are read (and written) below it, e.g. /host in a DaemonSet' -r -F
complete -c k8snet -n "__fish_k8snet_using_subcommand check" -s o -l output -d 'Output format' -r -f -a "table\t'Aligned columns for people, grouped by area, summary line last'
json\t'Pretty JSON with `schema_version`; every field of every item'
yaml\t'The same model as JSON, in YAML'
junit\t'JUnit XML: one testcase per check (CI test reports)'
prometheus\t'Prometheus text format for node_exporter\'s textfile collector'"
complete -c k8snet -n "__fish_k8snet_using_subcommand check" -l color -d 'When to color the table output (NO_COLOR is honoured with auto)' -r -f -a "auto\t'Color when stdout is a terminal and NO_COLOR is unset or empty'
always\t'Always color'
never\t'Never color'"
complete -c k8snet -n "__fish_k8snet_using_subcommand check" -l fail-on -d 'Lowest status that makes k8snet exit 1' -r -f -a "warn\t'Warnings fail the run too'
fail\t'Only failures do (the default)'"
complete -c k8snet -n "__fish_k8snet_using_subcommand check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c k8snet -n "__fish_k8snet_using_subcommand tune" -s p -l profile -d 'Embedded profile name (see `k8snet profile list`) or a YAML file path' -r
complete -c k8snet -n "__fish_k8snet_using_subcommand tune" -l persist-file -d 'The sysctl.d file to persist to' -r
complete -c k8snet -n "__fish_k8snet_using_subcommand tune" -l host-root -d 'The node\'s filesystem root: /proc, /sys, /etc, /run and /var/lib are read (and written) below it, e.g. /host in a DaemonSet' -r -F
complete -c k8snet -n "__fish_k8snet_using_subcommand tune" -s o -l output -d 'Output format' -r -f -a "table\t'Aligned columns for people, grouped by area, summary line last'
json\t'Pretty JSON with `schema_version`; every field of every item'
yaml\t'The same model as JSON, in YAML'
junit\t'JUnit XML: one testcase per check (CI test reports)'
prometheus\t'Prometheus text format for node_exporter\'s textfile collector'"
complete -c k8snet -n "__fish_k8snet_using_subcommand tune" -l color -d 'When to color the table output (NO_COLOR is honoured with auto)' -r -f -a "auto\t'Color when stdout is a terminal and NO_COLOR is unset or empty'
always\t'Always color'
never\t'Never color'"
complete -c k8snet -n "__fish_k8snet_using_subcommand tune" -l fail-on -d 'Lowest status that makes k8snet exit 1' -r -f -a "warn\t'Warnings fail the run too'
fail\t'Only failures do (the default)'"
complete -c k8snet -n "__fish_k8snet_using_subcommand tune" -l apply -d 'Apply the plan (load modules, write /proc/sys, persist); without it tune only shows what it would do'
complete -c k8snet -n "__fish_k8snet_using_subcommand tune" -l no-persist -d 'Apply to the running kernel only; write nothing under /etc'
complete -c k8snet -n "__fish_k8snet_using_subcommand tune" -l atomic -d 'All or nothing: if any key cannot be written, revert the ones that were'
complete -c k8snet -n "__fish_k8snet_using_subcommand tune" -l rollback -d 'Restore the values and files the last --apply changed'
complete -c k8snet -n "__fish_k8snet_using_subcommand tune" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c k8snet -n "__fish_k8snet_using_subcommand profile; and not __fish_seen_subcommand_from list show explain help" -l host-root -d 'The node\'s filesystem root: /proc, /sys, /etc, /run and /var/lib are read (and written) below it, e.g. /host in a DaemonSet' -r -F
complete -c k8snet -n "__fish_k8snet_using_subcommand profile; and not __fish_seen_subcommand_from list show explain help" -s o -l output -d 'Output format' -r -f -a "table\t'Aligned columns for people, grouped by area, summary line last'
json\t'Pretty JSON with `schema_version`; every field of every item'
yaml\t'The same model as JSON, in YAML'
junit\t'JUnit XML: one testcase per check (CI test reports)'
prometheus\t'Prometheus text format for node_exporter\'s textfile collector'"
complete -c k8snet -n "__fish_k8snet_using_subcommand profile; and not __fish_seen_subcommand_from list show explain help" -l color -d 'When to color the table output (NO_COLOR is honoured with auto)' -r -f -a "auto\t'Color when stdout is a terminal and NO_COLOR is unset or empty'
always\t'Always color'
never\t'Never color'"
complete -c k8snet -n "__fish_k8snet_using_subcommand profile; and not __fish_seen_subcommand_from list show explain help" -l fail-on -d 'Lowest status that makes k8snet exit 1' -r -f -a "warn\t'Warnings fail the run too'
fail\t'Only failures do (the default)'"
complete -c k8snet -n "__fish_k8snet_using_subcommand profile; and not __fish_seen_subcommand_from list show explain help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c k8snet -n "__fish_k8snet_using_subcommand profile; and not __fish_seen_subcommand_from list show explain help" -f -a "list" -d 'List the embedded profiles'
complete -c k8snet -n "__fish_k8snet_using_subcommand profile; and not __fish_seen_subcommand_from list show explain help" -f -a "show" -d 'Print a profile (embedded name or file), with inherited keys merged'
complete -c k8snet -n "__fish_k8snet_using_subcommand profile; and not __fish_seen_subcommand_from list show explain help" -f -a "explain" -d 'Say why a sysctl key matters for Kubernetes networking'
complete -c k8snet -n "__fish_k8snet_using_subcommand profile; and not __fish_seen_subcommand_from list show explain help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c k8snet -n "__fish_k8snet_using_subcommand profile; and __fish_seen_subcommand_from list" -l host-root -d 'The node\'s filesystem root: /proc, /sys, /etc, /run and /var/lib are read (and written) below it, e.g. /host in a DaemonSet' -r -F
complete -c k8snet -n "__fish_k8snet_using_subcommand profile; and __fish_seen_subcommand_from list" -s o -l output -d 'Output format' -r -f -a "table\t'Aligned columns for people, grouped by area, summary line last'
json\t'Pretty JSON with `schema_version`; every field of every item'
yaml\t'The same model as JSON, in YAML'
junit\t'JUnit XML: one testcase per check (CI test reports)'
prometheus\t'Prometheus text format for node_exporter\'s textfile collector'"
complete -c k8snet -n "__fish_k8snet_using_subcommand profile; and __fish_seen_subcommand_from list" -l color -d 'When to color the table output (NO_COLOR is honoured with auto)' -r -f -a "auto\t'Color when stdout is a terminal and NO_COLOR is unset or empty'
always\t'Always color'
never\t'Never color'"
complete -c k8snet -n "__fish_k8snet_using_subcommand profile; and __fish_seen_subcommand_from list" -l fail-on -d 'Lowest status that makes k8snet exit 1' -r -f -a "warn\t'Warnings fail the run too'
fail\t'Only failures do (the default)'"
complete -c k8snet -n "__fish_k8snet_using_subcommand profile; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c k8snet -n "__fish_k8snet_using_subcommand profile; and __fish_seen_subcommand_from show" -l host-root -d 'The node\'s filesystem root: /proc, /sys, /etc, /run and /var/lib are read (and written) below it, e.g. /host in a DaemonSet' -r -F
complete -c k8snet -n "__fish_k8snet_using_subcommand profile; and __fish_seen_subcommand_from show" -s o -l output -d 'Output format' -r -f -a "table\t'Aligned columns for people, grouped by area, summary line last'
json\t'Pretty JSON with `schema_version`; every field of every item'
yaml\t'The same model as JSON, in YAML'
junit\t'JUnit XML: one testcase per check (CI test reports)'
prometheus\t'Prometheus text format for node_exporter\'s textfile collector'"
complete -c k8snet -n "__fish_k8snet_using_subcommand profile; and __fish_seen_subcommand_from show" -l color -d 'When to color the table output (NO_COLOR is honoured with auto)' -r -f -a "auto\t'Color when stdout is a terminal and NO_COLOR is unset or empty'
always\t'Always color'
never\t'Never color'"
complete -c k8snet -n "__fish_k8snet_using_subcommand profile; and __fish_seen_subcommand_from show" -l fail-on -d 'Lowest status that makes k8snet exit 1' -r -f -a "warn\t'Warnings fail the run too'
fail\t'Only failures do (the default)'"
complete -c k8snet -n "__fish_k8snet_using_subcommand profile; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c k8snet -n "__fish_k8snet_using_subcommand profile; and __fish_seen_subcommand_from explain" -s p -l profile -d 'Profile whose rule for the key to show' -r
complete -c k8snet -n "__fish_k8snet_using_subcommand profile; and __fish_seen_subcommand_from explain" -l host-root -d 'The node\'s filesystem root: /proc, /sys, /etc, /run and /var/lib are read (and written) below it, e.g. /host in a DaemonSet' -r -F
complete -c k8snet -n "__fish_k8snet_using_subcommand profile; and __fish_seen_subcommand_from explain" -s o -l output -d 'Output format' -r -f -a "table\t'Aligned columns for people, grouped by area, summary line last'
json\t'Pretty JSON with `schema_version`; every field of every item'
yaml\t'The same model as JSON, in YAML'
junit\t'JUnit XML: one testcase per check (CI test reports)'
prometheus\t'Prometheus text format for node_exporter\'s textfile collector'"
complete -c k8snet -n "__fish_k8snet_using_subcommand profile; and __fish_seen_subcommand_from explain" -l color -d 'When to color the table output (NO_COLOR is honoured with auto)' -r -f -a "auto\t'Color when stdout is a terminal and NO_COLOR is unset or empty'
always\t'Always color'
never\t'Never color'"
complete -c k8snet -n "__fish_k8snet_using_subcommand profile; and __fish_seen_subcommand_from explain" -l fail-on -d 'Lowest status that makes k8snet exit 1' -r -f -a "warn\t'Warnings fail the run too'
fail\t'Only failures do (the default)'"
complete -c k8snet -n "__fish_k8snet_using_subcommand profile; and __fish_seen_subcommand_from explain" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c k8snet -n "__fish_k8snet_using_subcommand profile; and __fish_seen_subcommand_from help" -f -a "list" -d 'List the embedded profiles'
complete -c k8snet -n "__fish_k8snet_using_subcommand profile; and __fish_seen_subcommand_from help" -f -a "show" -d 'Print a profile (embedded name or file), with inherited keys merged'
complete -c k8snet -n "__fish_k8snet_using_subcommand profile; and __fish_seen_subcommand_from help" -f -a "explain" -d 'Say why a sysctl key matters for Kubernetes networking'
complete -c k8snet -n "__fish_k8snet_using_subcommand profile; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c k8snet -n "__fish_k8snet_using_subcommand etcd; and not __fish_seen_subcommand_from config leases help" -l host-root -d 'The node\'s filesystem root: /proc, /sys, /etc, /run and /var/lib are read (and written) below it, e.g. /host in a DaemonSet' -r -F
complete -c k8snet -n "__fish_k8snet_using_subcommand etcd; and not __fish_seen_subcommand_from config leases help" -s o -l output -d 'Output format' -r -f -a "table\t'Aligned columns for people, grouped by area, summary line last'
json\t'Pretty JSON with `schema_version`; every field of every item'
yaml\t'The same model as JSON, in YAML'
junit\t'JUnit XML: one testcase per check (CI test reports)'
prometheus\t'Prometheus text format for node_exporter\'s textfile collector'"
complete -c k8snet -n "__fish_k8snet_using_subcommand etcd; and not __fish_seen_subcommand_from config leases help" -l color -d 'When to color the table output (NO_COLOR is honoured with auto)' -r -f -a "auto\t'Color when stdout is a terminal and NO_COLOR is unset or empty'
always\t'Always color'
never\t'Never color'"
complete -c k8snet -n "__fish_k8snet_using_subcommand etcd; and not __fish_seen_subcommand_from config leases help" -l fail-on -d 'Lowest status that makes k8snet exit 1' -r -f -a "warn\t'Warnings fail the run too'
fail\t'Only failures do (the default)'"
complete -c k8snet -n "__fish_k8snet_using_subcommand etcd; and not __fish_seen_subcommand_from config leases help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c k8snet -n "__fish_k8snet_using_subcommand etcd; and not __fish_seen_subcommand_from config leases help" -f -a "config" -d 'Show flannel\'s network config with defaults made explicit, validated'
complete -c k8snet -n "__fish_k8snet_using_subcommand etcd; and not __fish_seen_subcommand_from config leases help" -f -a "leases" -d 'List flannel\'s subnet leases and flag overlaps, expiry and mismatches'
complete -c k8snet -n "__fish_k8snet_using_subcommand etcd; and not __fish_seen_subcommand_from config leases help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c k8snet -n "__fish_k8snet_using_subcommand etcd; and __fish_seen_subcommand_from config" -l endpoints -d 'Comma-separated client URLs [default: http://127.0.0.1:2379]' -r
complete -c k8snet -n "__fish_k8snet_using_subcommand etcd; and __fish_seen_subcommand_from config" -l cacert -d 'CA bundle to verify etcd\'s certificate' -r -F
complete -c k8snet -n "__fish_k8snet_using_subcommand etcd; and __fish_seen_subcommand_from config" -l cert -d 'Client certificate for TLS authentication' -r -F
complete -c k8snet -n "__fish_k8snet_using_subcommand etcd; and __fish_seen_subcommand_from config" -l key -d 'Client key for TLS authentication' -r -F
complete -c k8snet -n "__fish_k8snet_using_subcommand etcd; and __fish_seen_subcommand_from config" -l user -d 'user:password for etcd authentication (the password is never printed)' -r
complete -c k8snet -n "__fish_k8snet_using_subcommand etcd; and __fish_seen_subcommand_from config" -l prefix -d 'flannel\'s key prefix [default: /coreos.com/network]' -r
complete -c k8snet -n "__fish_k8snet_using_subcommand etcd; and __fish_seen_subcommand_from config" -l timeout -d 'Give up on etcd after this long' -r
complete -c k8snet -n "__fish_k8snet_using_subcommand etcd; and __fish_seen_subcommand_from config" -l api -d 'etcd API: v3, v2 (flannel before 0.18), or auto (v3, then v2)' -r -f -a "auto\t'v3 first; v2 when v3 has no flannel config'
v3\t'gRPC v3 API (flannel 0.18 and later)'
v2\t'HTTP JSON v2 keys API (flannel before 0.18)'"
complete -c k8snet -n "__fish_k8snet_using_subcommand etcd; and __fish_seen_subcommand_from config" -l host-root -d 'The node\'s filesystem root: /proc, /sys, /etc, /run and /var/lib are read (and written) below it, e.g. /host in a DaemonSet' -r -F
complete -c k8snet -n "__fish_k8snet_using_subcommand etcd; and __fish_seen_subcommand_from config" -s o -l output -d 'Output format' -r -f -a "table\t'Aligned columns for people, grouped by area, summary line last'
json\t'Pretty JSON with `schema_version`; every field of every item'
yaml\t'The same model as JSON, in YAML'
junit\t'JUnit XML: one testcase per check (CI test reports)'
prometheus\t'Prometheus text format for node_exporter\'s textfile collector'"
complete -c k8snet -n "__fish_k8snet_using_subcommand etcd; and __fish_seen_subcommand_from config" -l color -d 'When to color the table output (NO_COLOR is honoured with auto)' -r -f -a "auto\t'Color when stdout is a terminal and NO_COLOR is unset or empty'
always\t'Always color'
never\t'Never color'"
complete -c k8snet -n "__fish_k8snet_using_subcommand etcd; and __fish_seen_subcommand_from config" -l fail-on -d 'Lowest status that makes k8snet exit 1' -r -f -a "warn\t'Warnings fail the run too'
fail\t'Only failures do (the default)'"
complete -c k8snet -n "__fish_k8snet_using_subcommand etcd; and __fish_seen_subcommand_from config" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c k8snet -n "__fish_k8snet_using_subcommand etcd; and __fish_seen_subcommand_from leases" -l endpoints -d 'Comma-separated client URLs [default: http://127.0.0.1:2379]' -r
complete -c k8snet -n "__fish_k8snet_using_subcommand etcd; and __fish_seen_subcommand_from leases" -l cacert -d 'CA bundle to verify etcd\'s certificate' -r -F
complete -c k8snet -n "__fish_k8snet_using_subcommand etcd; and __fish_seen_subcommand_from leases" -l cert -d 'Client certificate for TLS authentication' -r -F
complete -c k8snet -n "__fish_k8snet_using_subcommand etcd; and __fish_seen_subcommand_from leases" -l key -d 'Client key for TLS authentication' -r -F
complete -c k8snet -n "__fish_k8snet_using_subcommand etcd; and __fish_seen_subcommand_from leases" -l user -d 'user:password for etcd authentication (the password is never printed)' -r
complete -c k8snet -n "__fish_k8snet_using_subcommand etcd; and __fish_seen_subcommand_from leases" -l prefix -d 'flannel\'s key prefix [default: /coreos.com/network]' -r
complete -c k8snet -n "__fish_k8snet_using_subcommand etcd; and __fish_seen_subcommand_from leases" -l timeout -d 'Give up on etcd after this long' -r
complete -c k8snet -n "__fish_k8snet_using_subcommand etcd; and __fish_seen_subcommand_from leases" -l api -d 'etcd API: v3, v2 (flannel before 0.18), or auto (v3, then v2)' -r -f -a "auto\t'v3 first; v2 when v3 has no flannel config'
v3\t'gRPC v3 API (flannel 0.18 and later)'
v2\t'HTTP JSON v2 keys API (flannel before 0.18)'"
complete -c k8snet -n "__fish_k8snet_using_subcommand etcd; and __fish_seen_subcommand_from leases" -l host-root -d 'The node\'s filesystem root: /proc, /sys, /etc, /run and /var/lib are read (and written) below it, e.g. /host in a DaemonSet' -r -F
complete -c k8snet -n "__fish_k8snet_using_subcommand etcd; and __fish_seen_subcommand_from leases" -s o -l output -d 'Output format' -r -f -a "table\t'Aligned columns for people, grouped by area, summary line last'
json\t'Pretty JSON with `schema_version`; every field of every item'
yaml\t'The same model as JSON, in YAML'
junit\t'JUnit XML: one testcase per check (CI test reports)'
prometheus\t'Prometheus text format for node_exporter\'s textfile collector'"
complete -c k8snet -n "__fish_k8snet_using_subcommand etcd; and __fish_seen_subcommand_from leases" -l color -d 'When to color the table output (NO_COLOR is honoured with auto)' -r -f -a "auto\t'Color when stdout is a terminal and NO_COLOR is unset or empty'
always\t'Always color'
never\t'Never color'"
complete -c k8snet -n "__fish_k8snet_using_subcommand etcd; and __fish_seen_subcommand_from leases" -l fail-on -d 'Lowest status that makes k8snet exit 1' -r -f -a "warn\t'Warnings fail the run too'
fail\t'Only failures do (the default)'"
complete -c k8snet -n "__fish_k8snet_using_subcommand etcd; and __fish_seen_subcommand_from leases" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c k8snet -n "__fish_k8snet_using_subcommand etcd; and __fish_seen_subcommand_from help" -f -a "config" -d 'Show flannel\'s network config with defaults made explicit, validated'
complete -c k8snet -n "__fish_k8snet_using_subcommand etcd; and __fish_seen_subcommand_from help" -f -a "leases" -d 'List flannel\'s subnet leases and flag overlaps, expiry and mismatches'
complete -c k8snet -n "__fish_k8snet_using_subcommand etcd; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c k8snet -n "__fish_k8snet_using_subcommand backend" -l endpoints -d 'Comma-separated client URLs [default: http://127.0.0.1:2379]' -r
complete -c k8snet -n "__fish_k8snet_using_subcommand backend" -l cacert -d 'CA bundle to verify etcd\'s certificate' -r -F
complete -c k8snet -n "__fish_k8snet_using_subcommand backend" -l cert -d 'Client certificate for TLS authentication' -r -F
complete -c k8snet -n "__fish_k8snet_using_subcommand backend" -l key -d 'Client key for TLS authentication' -r -F
complete -c k8snet -n "__fish_k8snet_using_subcommand backend" -l user -d 'user:password for etcd authentication (the password is never printed)' -r
complete -c k8snet -n "__fish_k8snet_using_subcommand backend" -l prefix -d 'flannel\'s key prefix [default: /coreos.com/network]' -r
complete -c k8snet -n "__fish_k8snet_using_subcommand backend" -l timeout -d 'Give up on etcd after this long' -r
complete -c k8snet -n "__fish_k8snet_using_subcommand backend" -l api -d 'etcd API: v3, v2 (flannel before 0.18), or auto (v3, then v2)' -r -f -a "auto\t'v3 first; v2 when v3 has no flannel config'
v3\t'gRPC v3 API (flannel 0.18 and later)'
v2\t'HTTP JSON v2 keys API (flannel before 0.18)'"
complete -c k8snet -n "__fish_k8snet_using_subcommand backend" -l leases-file -d 'JSON written by `k8snet etcd leases -o json`' -r -F
complete -c k8snet -n "__fish_k8snet_using_subcommand backend" -l nodes-file -d '`kubectl get nodes -o json` output (flannel\'s kube-subnet-mgr mode)' -r -F
complete -c k8snet -n "__fish_k8snet_using_subcommand backend" -l host-root -d 'The node\'s filesystem root: /proc, /sys, /etc, /run and /var/lib are read (and written) below it, e.g. /host in a DaemonSet' -r -F
complete -c k8snet -n "__fish_k8snet_using_subcommand backend" -s o -l output -d 'Output format' -r -f -a "table\t'Aligned columns for people, grouped by area, summary line last'
json\t'Pretty JSON with `schema_version`; every field of every item'
yaml\t'The same model as JSON, in YAML'
junit\t'JUnit XML: one testcase per check (CI test reports)'
prometheus\t'Prometheus text format for node_exporter\'s textfile collector'"
complete -c k8snet -n "__fish_k8snet_using_subcommand backend" -l color -d 'When to color the table output (NO_COLOR is honoured with auto)' -r -f -a "auto\t'Color when stdout is a terminal and NO_COLOR is unset or empty'
always\t'Always color'
never\t'Never color'"
complete -c k8snet -n "__fish_k8snet_using_subcommand backend" -l fail-on -d 'Lowest status that makes k8snet exit 1' -r -f -a "warn\t'Warnings fail the run too'
fail\t'Only failures do (the default)'"
complete -c k8snet -n "__fish_k8snet_using_subcommand backend" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c k8snet -n "__fish_k8snet_using_subcommand proxy" -l metrics-address -d 'kube-proxy\'s metrics address, where /proxyMode is served' -r
complete -c k8snet -n "__fish_k8snet_using_subcommand proxy" -l host-root -d 'The node\'s filesystem root: /proc, /sys, /etc, /run and /var/lib are read (and written) below it, e.g. /host in a DaemonSet' -r -F
complete -c k8snet -n "__fish_k8snet_using_subcommand proxy" -s o -l output -d 'Output format' -r -f -a "table\t'Aligned columns for people, grouped by area, summary line last'
json\t'Pretty JSON with `schema_version`; every field of every item'
yaml\t'The same model as JSON, in YAML'
junit\t'JUnit XML: one testcase per check (CI test reports)'
prometheus\t'Prometheus text format for node_exporter\'s textfile collector'"
complete -c k8snet -n "__fish_k8snet_using_subcommand proxy" -l color -d 'When to color the table output (NO_COLOR is honoured with auto)' -r -f -a "auto\t'Color when stdout is a terminal and NO_COLOR is unset or empty'
always\t'Always color'
never\t'Never color'"
complete -c k8snet -n "__fish_k8snet_using_subcommand proxy" -l fail-on -d 'Lowest status that makes k8snet exit 1' -r -f -a "warn\t'Warnings fail the run too'
fail\t'Only failures do (the default)'"
complete -c k8snet -n "__fish_k8snet_using_subcommand proxy" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c k8snet -n "__fish_k8snet_using_subcommand chains" -l file -d 'Read an iptables-save (or `iptables -S`) dump from FILE, or - for stdin, instead of running iptables-save' -r
complete -c k8snet -n "__fish_k8snet_using_subcommand chains" -l service -d 'Show only this service (namespace/name, or namespace/name:port)' -r
complete -c k8snet -n "__fish_k8snet_using_subcommand chains" -l host-root -d 'The node\'s filesystem root: /proc, /sys, /etc, /run and /var/lib are read (and written) below it, e.g. /host in a DaemonSet' -r -F
complete -c k8snet -n "__fish_k8snet_using_subcommand chains" -s o -l output -d 'Output format' -r -f -a "table\t'Aligned columns for people, grouped by area, summary line last'
json\t'Pretty JSON with `schema_version`; every field of every item'
yaml\t'The same model as JSON, in YAML'
junit\t'JUnit XML: one testcase per check (CI test reports)'
prometheus\t'Prometheus text format for node_exporter\'s textfile collector'"
complete -c k8snet -n "__fish_k8snet_using_subcommand chains" -l color -d 'When to color the table output (NO_COLOR is honoured with auto)' -r -f -a "auto\t'Color when stdout is a terminal and NO_COLOR is unset or empty'
always\t'Always color'
never\t'Never color'"
complete -c k8snet -n "__fish_k8snet_using_subcommand chains" -l fail-on -d 'Lowest status that makes k8snet exit 1' -r -f -a "warn\t'Warnings fail the run too'
fail\t'Only failures do (the default)'"
complete -c k8snet -n "__fish_k8snet_using_subcommand chains" -l raw -d 'Print the KUBE-* chains verbatim instead of the service table'
complete -c k8snet -n "__fish_k8snet_using_subcommand chains" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c k8snet -n "__fish_k8snet_using_subcommand steal" -s i -l interval -d 'Time between the two samples; 0 reports the counters since boot' -r
complete -c k8snet -n "__fish_k8snet_using_subcommand steal" -s c -l count -d 'Number of intervals to measure' -r
complete -c k8snet -n "__fish_k8snet_using_subcommand steal" -s p -l profile -d 'Embedded profile name (see `k8snet profile list`) or a YAML file path' -r
complete -c k8snet -n "__fish_k8snet_using_subcommand steal" -l host-root -d 'The node\'s filesystem root: /proc, /sys, /etc, /run and /var/lib are read (and written) below it, e.g. /host in a DaemonSet' -r -F
complete -c k8snet -n "__fish_k8snet_using_subcommand steal" -s o -l output -d 'Output format' -r -f -a "table\t'Aligned columns for people, grouped by area, summary line last'
json\t'Pretty JSON with `schema_version`; every field of every item'
yaml\t'The same model as JSON, in YAML'
junit\t'JUnit XML: one testcase per check (CI test reports)'
prometheus\t'Prometheus text format for node_exporter\'s textfile collector'"
complete -c k8snet -n "__fish_k8snet_using_subcommand steal" -l color -d 'When to color the table output (NO_COLOR is honoured with auto)' -r -f -a "auto\t'Color when stdout is a terminal and NO_COLOR is unset or empty'
always\t'Always color'
never\t'Never color'"
complete -c k8snet -n "__fish_k8snet_using_subcommand steal" -l fail-on -d 'Lowest status that makes k8snet exit 1' -r -f -a "warn\t'Warnings fail the run too'
fail\t'Only failures do (the default)'"
complete -c k8snet -n "__fish_k8snet_using_subcommand steal" -l per-cpu -d 'Show every CPU, not just the total'
complete -c k8snet -n "__fish_k8snet_using_subcommand steal" -l watch -d 'Repeat until interrupted'
complete -c k8snet -n "__fish_k8snet_using_subcommand steal" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c k8snet -n "__fish_k8snet_using_subcommand completions" -l host-root -d 'The node\'s filesystem root: /proc, /sys, /etc, /run and /var/lib are read (and written) below it, e.g. /host in a DaemonSet' -r -F
complete -c k8snet -n "__fish_k8snet_using_subcommand completions" -s o -l output -d 'Output format' -r -f -a "table\t'Aligned columns for people, grouped by area, summary line last'
json\t'Pretty JSON with `schema_version`; every field of every item'
yaml\t'The same model as JSON, in YAML'
junit\t'JUnit XML: one testcase per check (CI test reports)'
prometheus\t'Prometheus text format for node_exporter\'s textfile collector'"
complete -c k8snet -n "__fish_k8snet_using_subcommand completions" -l color -d 'When to color the table output (NO_COLOR is honoured with auto)' -r -f -a "auto\t'Color when stdout is a terminal and NO_COLOR is unset or empty'
always\t'Always color'
never\t'Never color'"
complete -c k8snet -n "__fish_k8snet_using_subcommand completions" -l fail-on -d 'Lowest status that makes k8snet exit 1' -r -f -a "warn\t'Warnings fail the run too'
fail\t'Only failures do (the default)'"
complete -c k8snet -n "__fish_k8snet_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c k8snet -n "__fish_k8snet_using_subcommand manpage" -l host-root -d 'The node\'s filesystem root: /proc, /sys, /etc, /run and /var/lib are read (and written) below it, e.g. /host in a DaemonSet' -r -F
complete -c k8snet -n "__fish_k8snet_using_subcommand manpage" -s o -l output -d 'Output format' -r -f -a "table\t'Aligned columns for people, grouped by area, summary line last'
json\t'Pretty JSON with `schema_version`; every field of every item'
yaml\t'The same model as JSON, in YAML'
junit\t'JUnit XML: one testcase per check (CI test reports)'
prometheus\t'Prometheus text format for node_exporter\'s textfile collector'"
complete -c k8snet -n "__fish_k8snet_using_subcommand manpage" -l color -d 'When to color the table output (NO_COLOR is honoured with auto)' -r -f -a "auto\t'Color when stdout is a terminal and NO_COLOR is unset or empty'
always\t'Always color'
never\t'Never color'"
complete -c k8snet -n "__fish_k8snet_using_subcommand manpage" -l fail-on -d 'Lowest status that makes k8snet exit 1' -r -f -a "warn\t'Warnings fail the run too'
fail\t'Only failures do (the default)'"
complete -c k8snet -n "__fish_k8snet_using_subcommand manpage" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c k8snet -n "__fish_k8snet_using_subcommand help; and not __fish_seen_subcommand_from doctor check tune profile etcd backend proxy chains steal completions manpage help" -f -a "doctor" -d 'Run every check that applies to this node and print one report'
complete -c k8snet -n "__fish_k8snet_using_subcommand help; and not __fish_seen_subcommand_from doctor check tune profile etcd backend proxy chains steal completions manpage help" -f -a "check" -d 'Compare live sysctls and kernel modules with a profile (read-only)'
complete -c k8snet -n "__fish_k8snet_using_subcommand help; and not __fish_seen_subcommand_from doctor check tune profile etcd backend proxy chains steal completions manpage help" -f -a "tune" -d 'Show (dry run) or apply a profile\'s sysctls and modules, persisted for boot'
complete -c k8snet -n "__fish_k8snet_using_subcommand help; and not __fish_seen_subcommand_from doctor check tune profile etcd backend proxy chains steal completions manpage help" -f -a "profile" -d 'List, show and explain sysctl profiles'
complete -c k8snet -n "__fish_k8snet_using_subcommand help; and not __fish_seen_subcommand_from doctor check tune profile etcd backend proxy chains steal completions manpage help" -f -a "etcd" -d 'Read flannel\'s network config and subnet leases from etcd'
complete -c k8snet -n "__fish_k8snet_using_subcommand help; and not __fish_seen_subcommand_from doctor check tune profile etcd backend proxy chains steal completions manpage help" -f -a "backend" -d 'Detect the flannel backend from every source and check its MTU'
complete -c k8snet -n "__fish_k8snet_using_subcommand help; and not __fish_seen_subcommand_from doctor check tune profile etcd backend proxy chains steal completions manpage help" -f -a "proxy" -d 'Detect kube-proxy\'s mode: userspace, iptables, ipvs or nftables'
complete -c k8snet -n "__fish_k8snet_using_subcommand help; and not __fish_seen_subcommand_from doctor check tune profile etcd backend proxy chains steal completions manpage help" -f -a "chains" -d 'Show kube-proxy\'s KUBE-* NAT chains as services and their endpoints'
complete -c k8snet -n "__fish_k8snet_using_subcommand help; and not __fish_seen_subcommand_from doctor check tune profile etcd backend proxy chains steal completions manpage help" -f -a "steal" -d 'Measure CPU steal (time the hypervisor gave to other guests)'
complete -c k8snet -n "__fish_k8snet_using_subcommand help; and not __fish_seen_subcommand_from doctor check tune profile etcd backend proxy chains steal completions manpage help" -f -a "completions" -d 'Print a shell completion script'
complete -c k8snet -n "__fish_k8snet_using_subcommand help; and not __fish_seen_subcommand_from doctor check tune profile etcd backend proxy chains steal completions manpage help" -f -a "manpage" -d 'Print the man page (roff) built from this help text'
complete -c k8snet -n "__fish_k8snet_using_subcommand help; and not __fish_seen_subcommand_from doctor check tune profile etcd backend proxy chains steal completions manpage help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c k8snet -n "__fish_k8snet_using_subcommand help; and __fish_seen_subcommand_from profile" -f -a "list" -d 'List the embedded profiles'
complete -c k8snet -n "__fish_k8snet_using_subcommand help; and __fish_seen_subcommand_from profile" -f -a "show" -d 'Print a profile (embedded name or file), with inherited keys merged'
complete -c k8snet -n "__fish_k8snet_using_subcommand help; and __fish_seen_subcommand_from profile" -f -a "explain" -d 'Say why a sysctl key matters for Kubernetes networking'
complete -c k8snet -n "__fish_k8snet_using_subcommand help; and __fish_seen_subcommand_from etcd" -f -a "config" -d 'Show flannel\'s network config with defaults made explicit, validated'
complete -c k8snet -n "__fish_k8snet_using_subcommand help; and __fish_seen_subcommand_from etcd" -f -a "leases" -d 'List flannel\'s subnet leases and flag overlaps, expiry and mismatches'
