#!/bin/sh
# Benchmark `k8snet chains` on a generated kube-proxy nat table.
#
#   sudo benches/chains.sh [SERVICES [ENDPOINTS]]     (default 10000 x 5)
#
# Needs root (the table is loaded into a throwaway network namespace, never
# into this machine's own rules), iptables, hyperfine and GNU time
# (apt-get install hyperfine time). Prints:
#   1. live: `iptables-save -t nat` alone vs `k8snet chains -o json`
#      (which runs iptables-nft-save and iptables-legacy-save itself), with
#      hyperfine and then interleaved (the two alternate, so a change in
#      the machine's load hits both alike; the medians are compared);
#   2. --file: k8snet on the saved dump, full JSON report and with the
#      output filtered away (`--service none/none`: parse + extract only),
#      with their medians and throughput;
#   3. peak RSS of the --file run next to the dump size.
set -eu

services=${1:-10000}
endpoints=${2:-5}
cd "$(dirname "$0")/.."
cargo build --release --bin k8snet --example gen-kube-nat >&2
bin=${CARGO_TARGET_DIR:-$PWD/target}/release
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$bin/examples/gen-kube-nat" "$services" "$endpoints" > "$work/nat.rules"

# shellcheck disable=SC2016 # expanded by the inner shell
unshare --net --mount --fork sh -euc '
  mount --make-rprivate /
  mount -t tmpfs tmpfs /run          # a private xtables lock
  iptables-restore < "$1/nat.rules"
  iptables-save -t nat > "$1/nat.save"
  echo "dump: $(grep -c "^-A" "$1/nat.save") rules, $(wc -c < "$1/nat.save") bytes"
  echo "hyperfine runs all of one command, then all of the other: a change in load"
  echo "between the two moves the ratio; the interleaved medians below are the figure"
  hyperfine --warmup 2 --runs 10 \
    "iptables-save -t nat > /dev/null" \
    "$2/k8snet chains -o json > /dev/null"
  ms() { start=$(date +%s%N); "$@" > /dev/null; echo $(( ($(date +%s%N) - start) / 1000000 )); }
  for round in $(seq 21); do
    ms iptables-save -t nat >> "$1/save.ms"
    ms "$2/k8snet" chains -o json >> "$1/k8snet.ms"
  done
  median() { sort -n "$1" | awk "{ v[NR] = \$1 } END { print v[int((NR + 1) / 2)] }"; }
  s=$(median "$1/save.ms"); k=$(median "$1/k8snet.ms")
  echo "interleaved, median of 21: iptables-save -t nat $s ms, k8snet chains -o json $k ms" \
    "($(awk "BEGIN { printf \"%+.1f\", 100 * ($k - $s) / $s }") %)"
' sh "$work" "$bin"

hyperfine --warmup 2 --runs 20 --export-json "$work/file.json" \
  "$bin/k8snet chains --file $work/nat.save -o json > /dev/null" \
  "$bin/k8snet chains --file $work/nat.save -o json --service none/none > /dev/null"
# The medians (the target is set on them): full report, then parse + extract.
size=$(wc -c < "$work/nat.save")
grep '"median"' "$work/file.json" | tr -d ' ,' | cut -d: -f2 | awk -v size="$size" '
  { ms = $1 * 1000; label = NR == 1 ? "-o json" : "parse + extract (--service none/none)"
    printf "median [%s]: %.1f ms, %.0f MB/s\n", label, ms, size / 1e6 / $1 }'

for args in "-o json" "-o json --service none/none"; do
  # shellcheck disable=SC2086 # word splitting of $args is intended
  rss=$(/usr/bin/time -f %M "$bin/k8snet" chains --file "$work/nat.save" $args 2>&1 >/dev/null | tail -1)
  echo "peak RSS [$args]: $rss KB (dump $(($(wc -c < "$work/nat.save") / 1024)) KB)"
done
