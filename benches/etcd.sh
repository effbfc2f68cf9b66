#!/bin/sh
# Benchmark: `k8snet etcd leases -o json` against the tools people use
# today, on a real etcd holding 5,000 flannel leases written the way
# flanneld writes them (v3: lease grant + put with the lease; v2: PUT with
# ttl). Whole processes, timed by hyperfine; the medians go in the
# README's Benchmarks table.
#
#   sh benches/etcd.sh            # needs etcd, etcdctl, curl, hyperfine
#   LEASES=20000 RUNS=30 sh benches/etcd.sh
#
# It starts its own etcd on free loopback ports with a temporary data dir
# and stops it on exit; it never touches port 2379.
set -eu

LEASES=${LEASES:-5000}
RUNS=${RUNS:-20}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
for tool in etcd etcdctl curl hyperfine python3; do
    command -v "$tool" >/dev/null || { echo "benches/etcd.sh: $tool is not installed" >&2; exit 2; }
done
# The binary measured is the one `cargo dist` builds for nodes, unless
# K8SNET names another.
if [ -z "${K8SNET:-}" ]; then
    (cd "$ROOT" && cargo dist --quiet)
    K8SNET=${CARGO_TARGET_DIR:-$ROOT/target}/$(rustc -vV | sed -n 's/^host: //p')/release/k8snet
fi

work=$(mktemp -d)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
client=http://127.0.0.1:$(free_port)
peer=http://127.0.0.1:$(free_port)
etcd --enable-v2=true --data-dir "$work/data" \
    --listen-client-urls "$client" --advertise-client-urls "$client" \
    --listen-peer-urls "$peer" --initial-advertise-peer-urls "$peer" \
    --initial-cluster "default=$peer" --quota-backend-bytes=$((4*1024*1024*1024)) \
    >"$work/etcd.log" 2>&1 &
etcd_pid=$!
# `|| true`: etcd killed exits non-zero, and under `set -e` that ended the
# trap before the work directory was removed (and the script with 143).
trap 'kill $etcd_pid 2>/dev/null; wait $etcd_pid 2>/dev/null || true; rm -rf "$work"' EXIT INT TERM
i=0
until curl -fs "$client/health" >/dev/null 2>&1; do
    i=$((i+1)); [ $i -lt 100 ] || { cat "$work/etcd.log" >&2; exit 2; }
    sleep 0.1
done

V3=/bench/v3/coreos.com/network
V2=/bench/v2/coreos.com/network
CONFIG='{"Network":"10.0.0.0/8","SubnetLen":24,"Backend":{"Type":"vxlan"}}'

# One curl process per API writes everything over one kept-alive
# connection: a curl config file with one request per lease.
python3 - "$client" "$LEASES" "$V3" "$V2" "$CONFIG" >"$work/seed.curl" <<'PY'
import base64, json, sys
client, n, v3, v2, config = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
b64 = lambda s: base64.b64encode(s.encode()).decode()
first = True
def request(url, body, method="POST"):
    global first
    if not first:
        print("next")
    first = False
    print(f'url = "{url}"\nrequest = "{method}"\ndata = {json.dumps(body)}\nsilent\noutput = "/dev/null"')
def v2put(key, value, ttl=None):
    form = "value=" + __import__("urllib.parse").parse.quote(value, safe="")
    if ttl: form += f"&ttl={ttl}"
    request(f"{client}/v2/keys{key}", form, "PUT")
request(f"{client}/v3/kv/put", json.dumps({"key": b64(v3 + "/config"), "value": b64(config)}))
v2put(v2 + "/config", config)
for i in range(n):
    net = f"10.{i // 256}.{i % 256}.0-24"
    mac = "0e:%02x:%02x:%02x:%02x:%02x" % (i >> 32 & 255, i >> 24 & 255, i >> 16 & 255, i >> 8 & 255, i & 255)
    ip = f"172.{16 + i // 65536}.{i // 256 % 256}.{i % 256}"
    lease = json.dumps({"PublicIP": ip, "PublicIPv6": None, "BackendType": "vxlan",
                        "BackendData": {"VNI": 1, "VtepMAC": mac}}, separators=(",", ":"))
    lid = 7000000 + i
    request(f"{client}/v3/lease/grant", json.dumps({"TTL": 86400, "ID": lid}))
    request(f"{client}/v3/kv/put", json.dumps({"key": b64(f"{v3}/subnets/{net}"), "value": b64(lease), "lease": lid}))
    v2put(f"{v2}/subnets/{net}", lease, 86400)
PY
echo "seeding $LEASES leases through v3 and v2..." >&2
curl -K "$work/seed.curl"

count=$("$K8SNET" etcd leases -o json --endpoints "$client" --prefix "$V3" --api v3 | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["leases"]))')
[ "$count" = "$LEASES" ] || { echo "expected $LEASES v3 leases, k8snet saw $count" >&2; exit 1; }
count=$("$K8SNET" etcd leases -o json --endpoints "$client" --prefix "$V2" --api v2 | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["leases"]))')
[ "$count" = "$LEASES" ] || { echo "expected $LEASES v2 leases, k8snet saw $count" >&2; exit 1; }

export ETCDCTL_API=3
hyperfine --warmup 3 --runs "$RUNS" --export-json "$work/v3.json" \
    -n "k8snet etcd leases -o json (v3)" "'$K8SNET' etcd leases -o json --endpoints $client --prefix $V3 --api v3" \
    -n "etcdctl get --prefix (v3)" "etcdctl --endpoints $client get --prefix $V3/subnets/"
hyperfine --warmup 3 --runs "$RUNS" --export-json "$work/v2.json" \
    -n "k8snet etcd leases -o json (v2)" "'$K8SNET' etcd leases -o json --endpoints $client --prefix $V2 --api v2" \
    -n "curl v2 recursive (v2)" "curl -s '$client/v2/keys$V2/subnets?recursive=true'"
echo
echo "median seconds over $RUNS runs, $LEASES leases:"
python3 - "$work/v3.json" "$work/v2.json" <<'PY'
import json, sys
for path in sys.argv[1:]:
    results = json.load(open(path))["results"]
    base = results[1]["median"]
    for r in results:
        print(f'  {r["command"]:<34} {r["median"]*1000:8.1f} ms  ({r["median"]/base:.2f}x of {results[1]["command"]})')
PY
