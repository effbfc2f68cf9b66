#!/bin/sh
# Whole-process wall time and peak RSS of `k8snet doctor --steal-interval 0`
# on a node without etcd (target: under 100 ms): with no etcd configured and
# nothing answers at the default endpoint, so the etcd checks skip at once.
# Usage: benches/doctor.sh   (needs hyperfine; GNU time for RSS: apt-get install time)
set -eu
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=target/release/k8snet
hyperfine --warmup 5 --runs 50 -N -i \
  --command-name 'k8snet doctor --steal-interval 0' \
  "$bin doctor --steal-interval 0 -o json"
if command -v /usr/bin/time >/dev/null; then
  /usr/bin/time -f 'peak RSS: %M KiB, wall: %e s' "$bin" doctor --steal-interval 0 -o json >/dev/null || true
fi
