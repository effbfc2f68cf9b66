#!/bin/sh
# Wall time of `k8snet backend` (no etcd) on a realistic vxlan node built in
# a throwaway network + mount namespace: eth0 underlay, flannel.1 vxlan,
# cni0 with ${PODS:-100} pod veths, /run/flannel/subnet.env on a private
# /run. Target: under 50 ms. Needs root, hyperfine and iproute2.
# Usage: sudo sh benches/backend.sh   (from the repository root)
set -eu
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
cargo build --release --quiet
bin="$CARGO_TARGET_DIR/release/k8snet"
exec unshare --net --mount sh -eu -c '
  mount --make-rprivate /
  mount -t sysfs sysfs /sys
  mount -t tmpfs tmpfs /run
  ip link add eth0 type veth peer name eth0peer
  ip link set eth0 up
  ip addr add 192.0.2.10/24 dev eth0
  ip route add default via 192.0.2.1 dev eth0
  ip link add flannel.1 type vxlan id 1 dstport 8472 nolearning local 192.0.2.10 dev eth0
  ip link add cni0 mtu 1450 type bridge
  i=0
  while [ "$i" -lt "'"${PODS:-100}"'" ]; do
    ip link add "veth$i" mtu 1450 type veth peer name "pod$i" mtu 1450
    ip link set "veth$i" master cni0
    i=$((i + 1))
  done
  mkdir -p /run/flannel
  printf "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n" > /run/flannel/subnet.env
  "'"$bin"'" backend >/dev/null || true
  hyperfine --warmup 3 --runs "'"${RUNS:-30}"'" -N --export-markdown /dev/stdout "'"$bin"' backend"
'
