#!/bin/sh
# Whole-process wall time of `k8snet steal --interval 1s` against sysstat's
# `mpstat 1 1` (both read /proc/stat, wait one second, read again).
# Target: k8snet within 1.05x of mpstat. Needs hyperfine and sysstat.
# Usage: sh benches/steal.sh   (from the repository root)
set -eu
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
cargo build --release --quiet
bin="$CARGO_TARGET_DIR/release/k8snet"
hyperfine --warmup 1 --runs "${RUNS:-10}" --export-markdown /dev/stdout \
  'mpstat 1 1' \
  "$bin steal --interval 1s"
