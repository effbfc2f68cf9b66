#!/bin/sh
# Whole-process time of `k8snet check` against `sysctl -n` reading the same
# four keys (issue: within 1.5x). k8snet also reads sysctl.d for boot blame,
# module state, conntrack usage and namespace scope in that time.
#
# The binary measured is the one `cargo dist` builds for nodes (static, not
# position-independent); the plain `cargo build --release` binary, which
# pays for the dynamic loader, is shown for comparison.
# Usage: benches/check.sh   (needs hyperfine: apt-get install hyperfine)
set -eu
cd "$(dirname "$0")/.."
cargo dist --quiet
cargo build --release --quiet
target=${CARGO_TARGET_DIR:-$PWD/target}
dist=$target/$(rustc -vV | sed -n 's/^host: //p')/release/k8snet
dynamic=$target/release/k8snet
keys='net.ipv4.ip_forward net.bridge.bridge-nf-call-iptables net.netfilter.nf_conntrack_max net.ipv4.tcp_fin_timeout'
hyperfine --warmup 50 --runs 1000 -N -i \
  --command-name 'sysctl -n (4 keys)' "sysctl -n $keys" \
  --command-name 'k8snet check (table)' "$dist check --color never" \
  --command-name 'k8snet check -o json' "$dist check -o json" \
  --command-name 'k8snet --version' "$dist --version" \
  --command-name 'k8snet check (table), cargo build --release' "$dynamic check --color never"
