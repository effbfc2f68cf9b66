#!/bin/sh
# Wall time of the dataplane check with N remote leases and the matching N
# routes, neighbours and FDB entries, built in a throwaway network
# namespace (target: under 250 ms for 1,000). Needs root, iproute2, hyperfine.
# Usage: sudo benches/dataplane.sh [N]
set -eu
cd "$(dirname "$0")/.."
n=${1:-1000}
cargo build --release --quiet
bin=$(pwd)/target/release/k8snet
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mac() { printf '02:00:00:00:%02x:%02x' $(($1 / 256)) $(($1 % 256)); }
subnet() { printf '10.%d.%d' $((1 + $1 / 256)) $(($1 % 256)); }
underlay() { printf '172.16.%d.%d' $(($1 / 250)) $((1 + $1 % 250)); }

{
  printf '{"kind":"List","items":['
  printf '{"metadata":{"name":"self","annotations":{"flannel.alpha.coreos.com/backend-type":"vxlan","flannel.alpha.coreos.com/backend-data":"{\\"VtepMAC\\":\\"02:aa:00:00:00:01\\"}","flannel.alpha.coreos.com/public-ip":"172.31.0.1"}},"spec":{"podCIDR":"10.0.0.0/24"}}'
  i=1
  while [ "$i" -le "$n" ]; do
    printf ',{"metadata":{"name":"node-%d","annotations":{"flannel.alpha.coreos.com/backend-type":"vxlan","flannel.alpha.coreos.com/backend-data":"{\\"VtepMAC\\":\\"%s\\"}","flannel.alpha.coreos.com/public-ip":"%s"}},"spec":{"podCIDR":"%s.0/24"}}' \
      "$i" "$(mac "$i")" "$(underlay "$i")" "$(subnet "$i")"
    i=$((i + 1))
  done
  printf ']}\n'
} > "$work/nodes.json"

i=1
while [ "$i" -le "$n" ]; do
  s=$(subnet "$i")
  echo "route add $s.0/24 via $s.0 dev flannel.1 onlink" >> "$work/ip.batch"
  echo "neigh add $s.0 lladdr $(mac "$i") dev flannel.1 nud permanent" >> "$work/ip.batch"
  echo "fdb append $(mac "$i") dev flannel.1 dst $(underlay "$i") self permanent" >> "$work/bridge.batch"
  i=$((i + 1))
done

unshare --net sh -c "
  set -e
  ip link set lo up
  ip link add eth0 type veth peer name eth1 && ip link set eth1 up && ip addr add 172.31.0.1/16 dev eth0 && ip link set eth0 up
  ip link add flannel.1 type vxlan id 1 dstport 8472 nolearning local 172.31.0.1 dev eth0
  ip link set flannel.1 address 02:aa:00:00:00:01
  ip addr add 10.0.0.0/32 dev flannel.1 && ip link set flannel.1 up
  ip -batch $work/ip.batch
  bridge -batch $work/bridge.batch
  echo \"routes: \$(ip route show dev flannel.1 | wc -l), neighbours: \$(ip neigh show dev flannel.1 | wc -l), fdb: \$(bridge fdb show dev flannel.1 | grep -c dst)\"
  hyperfine --warmup 3 --runs 30 -N \
    --command-name 'k8snet doctor --only dataplane.* ($n leases)' \
    \"$bin doctor --only dataplane.* --nodes-file $work/nodes.json -o json\"
"
