#!/bin/sh
# Whole-process time of `k8snet check` against `sysctl -n` reading the same
# four keys (issue: within 1.5x). k8snet also reads sysctl.d for boot blame,
# module state, conntrack usage and namespace scope in that time.
# Usage: benches/check.sh   (needs hyperfine: apt-get install hyperfine)
set -eu
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=target/release/k8snet
hyperfine --warmup 20 --runs 300 -N -i \
  --command-name 'sysctl -n (4 keys)' \
  'sysctl -n net.ipv4.ip_forward net.bridge.bridge-nf-call-iptables net.netfilter.nf_conntrack_max net.ipv4.tcp_fin_timeout' \
  --command-name 'k8snet check -o json' \
  "$bin check -o json" \
  --command-name 'k8snet check (table)' \
  "$bin check --color never"
