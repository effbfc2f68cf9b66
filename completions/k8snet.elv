
use builtin;
use str;

set edit:completion:arg-completer[k8snet] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'k8snet'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'k8snet'= {
            cand --host-root 'The node''s filesystem root: /proc, /sys, /etc, /run and /var/lib are read (and written) below it, e.g. /host in a DaemonSet'
            cand -o 'Output format'
            cand --output 'Output format'
            cand --color 'When to color the table output (NO_COLOR is honoured with auto)'
            cand --fail-on 'Lowest status that makes k8snet exit 1'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand doctor 'Run every check that applies to this node and print one report'
            cand check 'Compare live sysctls and kernel modules with a profile (read-only)'
            cand tune 'Show (dry run) or apply a profile''s sysctls and modules, persisted for boot'
            cand profile 'List, show and explain sysctl profiles'
            cand etcd 'Read flannel''s network config and subnet leases from etcd'
            cand backend 'Detect the flannel backend from every source and check its MTU'
            cand proxy 'Detect kube-proxy''s mode: userspace, iptables, ipvs or nftables'
            cand chains 'Show kube-proxy''s KUBE-* NAT chains as services and their endpoints'
            cand steal 'Measure CPU steal (time the hypervisor gave to other guests)'
            cand completions 'Print a shell completion script'
            cand manpage 'Print the man page (roff) built from this help text'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'k8snet;doctor'= {
            cand -p 'Embedded profile name (see `k8snet profile list`) or a YAML file path'
            cand --profile 'Embedded profile name (see `k8snet profile list`) or a YAML file path'
            cand --skip 'Leave out checks whose id matches (glob, e.g. ''cpu.*''); repeatable'
            cand --only 'Run only checks whose id matches (glob); repeatable'
            cand --steal-interval 'How long to sample CPU steal; 0 uses the counters since boot'
            cand --junit-file 'Also write a JUnit XML report to this file'
            cand --endpoints 'Comma-separated client URLs [default: http://127.0.0.1:2379]'
            cand --cacert 'CA bundle to verify etcd''s certificate'
            cand --cert 'Client certificate for TLS authentication'
            cand --key 'Client key for TLS authentication'
            cand --user 'user:password for etcd authentication (the password is never printed)'
            cand --prefix 'flannel''s key prefix [default: /coreos.com/network]'
            cand --timeout 'Give up on etcd after this long'
            cand --api 'etcd API: v3, v2 (flannel before 0.18), or auto (v3, then v2)'
            cand --leases-file 'JSON written by `k8snet etcd leases -o json`'
            cand --nodes-file '`kubectl get nodes -o json` output (flannel''s kube-subnet-mgr mode)'
            cand --host-root 'The node''s filesystem root: /proc, /sys, /etc, /run and /var/lib are read (and written) below it, e.g. /host in a DaemonSet'
            cand -o 'Output format'
            cand --output 'Output format'
            cand --color 'When to color the table output (NO_COLOR is honoured with auto)'
            cand --fail-on 'Lowest status that makes k8snet exit 1'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'k8snet;check'= {
            cand -p 'Embedded profile name (see `k8snet profile list`) or a YAML file path'
            cand --profile 'Embedded profile name (see `k8snet profile list`) or a YAML file path'
            cand --junit-file 'Also write a JUnit XML report to this file'
            cand --host-root 'The node''s filesystem root: /proc, /sys, /etc, /run and /var/lib are read (and written) below it, e.g. /host in a DaemonSet'
            cand -o 'Output format'
            cand --output 'Output format'
            cand --color 'When to color the table output (NO_COLOR is honoured with auto)'
            cand --fail-on 'Lowest status that makes k8snet exit 1'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'k8snet;tune'= {
            cand -p 'Embedded profile name (see `k8snet profile list`) or a YAML file path'
            cand --profile 'Embedded profile name (see `k8snet profile list`) or a YAML file path'
            cand --persist-file 'The sysctl.d file to persist to'
            cand --host-root 'The node''s filesystem root: /proc, /sys, /etc, /run and /var/lib are read (and written) below it, e.g. /host in a DaemonSet'
            cand -o 'Output format'
            cand --output 'Output format'
            cand --color 'When to color the table output (NO_COLOR is honoured with auto)'
            cand --fail-on 'Lowest status that makes k8snet exit 1'
            cand --apply 'Apply the plan (load modules, write /proc/sys, persist); without it tune only shows what it would do'
            cand --no-persist 'Apply to the running kernel only; write nothing under /etc'
            cand --atomic 'All or nothing: if any key cannot be written, revert the ones that were'
            cand --rollback 'Restore the values and files the last --apply changed'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'k8snet;profile'= {
            cand --host-root 'The node''s filesystem root: /proc, /sys, /etc, /run and /var/lib are read (and written) below it, e.g. /host in a DaemonSet'
            cand -o 'Output format'
            cand --output 'Output format'
            cand --color 'When to color the table output (NO_COLOR is honoured with auto)'
            cand --fail-on 'Lowest status that makes k8snet exit 1'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand list 'List the embedded profiles'
            cand show 'Print a profile (embedded name or file), with inherited keys merged'
            cand explain 'Say why a sysctl key matters for Kubernetes networking'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'k8snet;profile;list'= {
            cand --host-root 'The node''s filesystem root: /proc, /sys, /etc, /run and /var/lib are read (and written) below it, e.g. /host in a DaemonSet'
            cand -o 'Output format'
            cand --output 'Output format'
            cand --color 'When to color the table output (NO_COLOR is honoured with auto)'
            cand --fail-on 'Lowest status that makes k8snet exit 1'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'k8snet;profile;show'= {
            cand --host-root 'The node''s filesystem root: /proc, /sys, /etc, /run and /var/lib are read (and written) below it, e.g. /host in a DaemonSet'
            cand -o 'Output format'
            cand --output 'Output format'
            cand --color 'When to color the table output (NO_COLOR is honoured with auto)'
            cand --fail-on 'Lowest status that makes k8snet exit 1'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'k8snet;profile;explain'= {
            cand -p 'Profile whose rule for the key to show'
            cand --profile 'Profile whose rule for the key to show'
            cand --host-root 'The node''s filesystem root: /proc, /sys, /etc, /run and /var/lib are read (and written) below it, e.g. /host in a DaemonSet'
            cand -o 'Output format'
            cand --output 'Output format'
            cand --color 'When to color the table output (NO_COLOR is honoured with auto)'
            cand --fail-on 'Lowest status that makes k8snet exit 1'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'k8snet;profile;help'= {
            cand list 'List the embedded profiles'
            cand show 'Print a profile (embedded name or file), with inherited keys merged'
            cand explain 'Say why a sysctl key matters for Kubernetes networking'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'k8snet;profile;help;list'= {
        }
        &'k8snet;profile;help;show'= {
        }
        &'k8snet;profile;help;explain'= {
        }
        &'k8snet;profile;help;help'= {
        }
        &'k8snet;etcd'= {
            cand --host-root 'The node''s filesystem root: /proc, /sys, /etc, /run and /var/lib are read (and written) below it, e.g. /host in a DaemonSet'
            cand -o 'Output format'
            cand --output 'Output format'
            cand --color 'When to color the table output (NO_COLOR is honoured with auto)'
            cand --fail-on 'Lowest status that makes k8snet exit 1'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand config 'Show flannel''s network config with defaults made explicit, validated'
            cand leases 'List flannel''s subnet leases and flag overlaps, expiry and mismatches'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'k8snet;etcd;config'= {
            cand --endpoints 'Comma-separated client URLs [default: http://127.0.0.1:2379]'
            cand --cacert 'CA bundle to verify etcd''s certificate'
            cand --cert 'Client certificate for TLS authentication'
            cand --key 'Client key for TLS authentication'
            cand --user 'user:password for etcd authentication (the password is never printed)'
            cand --prefix 'flannel''s key prefix [default: /coreos.com/network]'
            cand --timeout 'Give up on etcd after this long'
            cand --api 'etcd API: v3, v2 (flannel before 0.18), or auto (v3, then v2)'
            cand --host-root 'The node''s filesystem root: /proc, /sys, /etc, /run and /var/lib are read (and written) below it, e.g. /host in a DaemonSet'
            cand -o 'Output format'
            cand --output 'Output format'
            cand --color 'When to color the table output (NO_COLOR is honoured with auto)'
            cand --fail-on 'Lowest status that makes k8snet exit 1'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'k8snet;etcd;leases'= {
            cand --endpoints 'Comma-separated client URLs [default: http://127.0.0.1:2379]'
            cand --cacert 'CA bundle to verify etcd''s certificate'
            cand --cert 'Client certificate for TLS authentication'
            cand --key 'Client key for TLS authentication'
            cand --user 'user:password for etcd authentication (the password is never printed)'
            cand --prefix 'flannel''s key prefix [default: /coreos.com/network]'
            cand --timeout 'Give up on etcd after this long'
            cand --api 'etcd API: v3, v2 (flannel before 0.18), or auto (v3, then v2)'
            cand --host-root 'The node''s filesystem root: /proc, /sys, /etc, /run and /var/lib are read (and written) below it, e.g. /host in a DaemonSet'
            cand -o 'Output format'
            cand --output 'Output format'
            cand --color 'When to color the table output (NO_COLOR is honoured with auto)'
            cand --fail-on 'Lowest status that makes k8snet exit 1'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'k8snet;etcd;help'= {
            cand config 'Show flannel''s network config with defaults made explicit, validated'
            cand leases 'List flannel''s subnet leases and flag overlaps, expiry and mismatches'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'k8snet;etcd;help;config'= {
        }
        &'k8snet;etcd;help;leases'= {
        }
        &'k8snet;etcd;help;help'= {
        }
        &'k8snet;backend'= {
            cand --endpoints 'Comma-separated client URLs [default: http://127.0.0.1:2379]'
            cand --cacert 'CA bundle to verify etcd''s certificate'
            cand --cert 'Client certificate for TLS authentication'
            cand --key 'Client key for TLS authentication'
            cand --user 'user:password for etcd authentication (the password is never printed)'
            cand --prefix 'flannel''s key prefix [default: /coreos.com/network]'
            cand --timeout 'Give up on etcd after this long'
            cand --api 'etcd API: v3, v2 (flannel before 0.18), or auto (v3, then v2)'
            cand --leases-file 'JSON written by `k8snet etcd leases -o json`'
            cand --nodes-file '`kubectl get nodes -o json` output (flannel''s kube-subnet-mgr mode)'
            cand --host-root 'The node''s filesystem root: /proc, /sys, /etc, /run and /var/lib are read (and written) below it, e.g. /host in a DaemonSet'
            cand -o 'Output format'
            cand --output 'Output format'
            cand --color 'When to color the table output (NO_COLOR is honoured with auto)'
            cand --fail-on 'Lowest status that makes k8snet exit 1'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'k8snet;proxy'= {
            cand --metrics-address 'kube-proxy''s metrics address, where /proxyMode is served'
            cand --host-root 'The node''s filesystem root: /proc, /sys, /etc, /run and /var/lib are read (and written) below it, e.g. /host in a DaemonSet'
            cand -o 'Output format'
            cand --output 'Output format'
            cand --color 'When to color the table output (NO_COLOR is honoured with auto)'
            cand --fail-on 'Lowest status that makes k8snet exit 1'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'k8snet;chains'= {
            cand --file 'Read an iptables-save (or `iptables -S`) dump from FILE, or - for stdin, instead of running iptables-save'
            cand --service 'Show only this service (namespace/name, or namespace/name:port)'
            cand --host-root 'The node''s filesystem root: /proc, /sys, /etc, /run and /var/lib are read (and written) below it, e.g. /host in a DaemonSet'
            cand -o 'Output format'
            cand --output 'Output format'
            cand --color 'When to color the table output (NO_COLOR is honoured with auto)'
            cand --fail-on 'Lowest status that makes k8snet exit 1'
            cand --raw 'Print the KUBE-* chains verbatim instead of the service table'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'k8snet;steal'= {
            cand -i 'Time between the two samples; 0 reports the counters since boot'
            cand --interval 'Time between the two samples; 0 reports the counters since boot'
            cand -c 'Number of intervals to measure'
            cand --count 'Number of intervals to measure'
            cand -p 'Embedded profile name (see `k8snet profile list`) or a YAML file path'
            cand --profile 'Embedded profile name (see `k8snet profile list`) or a YAML file path'
            cand --host-root 'The node''s filesystem root: /proc, /sys, /etc, /run and /var/lib are read (and written) below it, e.g. /host in a DaemonSet'
            cand -o 'Output format'
            cand --output 'Output format'
            cand --color 'When to color the table output (NO_COLOR is honoured with auto)'
            cand --fail-on 'Lowest status that makes k8snet exit 1'
            cand --per-cpu 'Show every CPU, not just the total'
            cand --watch 'Repeat until interrupted'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'k8snet;completions'= {
            cand --host-root 'The node''s filesystem root: /proc, /sys, /etc, /run and /var/lib are read (and written) below it, e.g. /host in a DaemonSet'
            cand -o 'Output format'
            cand --output 'Output format'
            cand --color 'When to color the table output (NO_COLOR is honoured with auto)'
            cand --fail-on 'Lowest status that makes k8snet exit 1'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'k8snet;manpage'= {
            cand --host-root 'The node''s filesystem root: /proc, /sys, /etc, /run and /var/lib are read (and written) below it, e.g. /host in a DaemonSet'
            cand -o 'Output format'
            cand --output 'Output format'
            cand --color 'When to color the table output (NO_COLOR is honoured with auto)'
            cand --fail-on 'Lowest status that makes k8snet exit 1'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'k8snet;help'= {
            cand doctor 'Run every check that applies to this node and print one report'
            cand check 'Compare live sysctls and kernel modules with a profile (read-only)'
            cand tune 'Show (dry run) or apply a profile''s sysctls and modules, persisted for boot'
            cand profile 'List, show and explain sysctl profiles'
            cand etcd 'Read flannel''s network config and subnet leases from etcd'
            cand backend 'Detect the flannel backend from every source and check its MTU'
            cand proxy 'Detect kube-proxy''s mode: userspace, iptables, ipvs or nftables'
            cand chains 'Show kube-proxy''s KUBE-* NAT chains as services and their endpoints'
            cand steal 'Measure CPU steal (time the hypervisor gave to other guests)'
            cand completions 'Print a shell completion script'
            cand manpage 'Print the man page (roff) built from this help text'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'k8snet;help;doctor'= {
        }
        &'k8snet;help;check'= {
        }
        &'k8snet;help;tune'= {
        }
        &'k8snet;help;profile'= {
            cand list 'List the embedded profiles'
            cand show 'Print a profile (embedded name or file), with inherited keys merged'
            cand explain 'Say why a sysctl key matters for Kubernetes networking'
        }
        &'k8snet;help;profile;list'= {
        }
        &'k8snet;help;profile;show'= {
        }
        &'k8snet;help;profile;explain'= {
        }
        &'k8snet;help;etcd'= {
            cand config 'Show flannel''s network config with defaults made explicit, validated'
            cand leases 'List flannel''s subnet leases and flag overlaps, expiry and mismatches'
        }
        &'k8snet;help;etcd;config'= {
        }
        &'k8snet;help;etcd;leases'= {
        }
        &'k8snet;help;backend'= {
        }
        &'k8snet;help;proxy'= {
        }
        &'k8snet;help;chains'= {
        }
        &'k8snet;help;steal'= {
        }
        &'k8snet;help;completions'= {
        }
        &'k8snet;help;manpage'= {
        }
        &'k8snet;help;help'= {
        }
    ]
    $completions[$command]
}
