#!/usr/bin/env bash
# Figures for the simulated apiserver (release build): time to ready with 10k and 50k pods, RSS at 50k
# (with the objects of other kinds the cluster holds beside its pods, counted from /metrics),
# `kubectl get pods -A` wall time at 10k, and how soon an applied CRD is served. Port-forward throughput is a criterion bench:
#   cargo bench --bench sim_portforward
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --bin kdeck >&2
BIN="${CARGO_TARGET_DIR:-target}/release/kdeck"
KUBECTL="${KUBECTL:-kubectl}"
tmp="$(mktemp -d)"
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    rm -rf "$tmp"
}
trap cleanup EXIT

# start_sim N: starts a sim with N pods, waits for its ready line, prints "<seconds> <pid>".
start_sim() {
    local n="$1" out="$tmp/out-$1"
    local t0 t1
    t0="$(date +%s.%N)"
    HOME="$tmp" "$BIN" sim serve --pods "$n" --kubeconfig-out "$tmp/kc-$n" >"$out" 2>"$tmp/err-$n" &
    local pid=$!
    until grep -q '^ready ' "$out" 2>/dev/null; do
        kill -0 "$pid" 2>/dev/null || { cat "$tmp/err-$n" >&2; exit 1; }
        sleep 0.02
    done
    t1="$(date +%s.%N)"
    echo "$(echo "$t1 - $t0" | bc) $pid"
}

# start_sim runs in a process substitution, so its pid is recorded here for the exit trap.
read -r start10 pid10 < <(start_sim 10000)
pids+=("$pid10")
echo "start with 10k pods:          ${start10}s"
HOME="$tmp" KUBECONFIG="$tmp/kc-10000" "$KUBECTL" get pods -A >/dev/null # warm the discovery cache
t0="$(date +%s.%N)"
HOME="$tmp" KUBECONFIG="$tmp/kc-10000" "$KUBECTL" get pods -A >"$tmp/pods10k"
t1="$(date +%s.%N)"
echo "kubectl get pods -A at 10k:   $(echo "$t1 - $t0" | bc)s ($(($(wc -l <"$tmp/pods10k") - 1)) rows)"
# A CRD's kind is served when a raw list of it answers; kubectl's own start (~0.1 s a run) is included.
cat >"$tmp/crd.yaml" <<'YAML'
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: gadgets.bench.example.com}
spec:
  group: bench.example.com
  names: {kind: Gadget, plural: gadgets}
  scope: Namespaced
  versions:
  - {name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}}
YAML
t0="$(date +%s.%N)"
HOME="$tmp" KUBECONFIG="$tmp/kc-10000" "$KUBECTL" apply -f "$tmp/crd.yaml" >/dev/null
until HOME="$tmp" KUBECONFIG="$tmp/kc-10000" "$KUBECTL" get --raw /apis/bench.example.com/v1/gadgets >/dev/null 2>&1; do
    sleep 0.01
done
t1="$(date +%s.%N)"
echo "CRD applied → served:         $(echo "$t1 - $t0" | bc)s (kubectl apply and get included)"
kill "$pid10"

read -r start50 pid50 < <(start_sim 50000)
pids+=("$pid50")
echo "start with 50k pods:          ${start50}s"
sleep 3
others="$(HOME="$tmp" KUBECONFIG="$tmp/kc-50000" "$KUBECTL" get --raw /metrics |
    awk '/^apiserver_storage_objects\{/ && !/resource="pods"/ {n += $2} END {print n}')"
echo "RSS at 50k pods:              $(($(ps -o rss= -p "$pid50") / 1024)) MiB (beside them, ${others} objects of other kinds)"
grep 'kdeck sim:' "$tmp/err-50000" || true
