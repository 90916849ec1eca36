#!/usr/bin/env bash
# Figures for the simulated apiserver (release build): time to ready with 10k and 50k pods, RSS at 50k,
# and `kubectl get pods -A` wall time at 10k. Port-forward throughput is a criterion bench:
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
    pids+=("$pid")
    until grep -q '^ready ' "$out" 2>/dev/null; do
        kill -0 "$pid" 2>/dev/null || { cat "$tmp/err-$n" >&2; exit 1; }
        sleep 0.02
    done
    t1="$(date +%s.%N)"
    echo "$(echo "$t1 - $t0" | bc) $pid"
}

read -r start10 pid10 < <(start_sim 10000)
echo "start with 10k pods:          ${start10}s"
HOME="$tmp" KUBECONFIG="$tmp/kc-10000" "$KUBECTL" get pods -A >/dev/null # warm the discovery cache
t0="$(date +%s.%N)"
HOME="$tmp" KUBECONFIG="$tmp/kc-10000" "$KUBECTL" get pods -A >"$tmp/pods10k"
t1="$(date +%s.%N)"
echo "kubectl get pods -A at 10k:   $(echo "$t1 - $t0" | bc)s ($(($(wc -l <"$tmp/pods10k") - 1)) rows)"
kill "$pid10"

read -r start50 pid50 < <(start_sim 50000)
echo "start with 50k pods:          ${start50}s"
sleep 3
echo "RSS at 50k pods:              $(($(ps -o rss= -p "$pid50") / 1024)) MiB"
grep 'kdeck sim:' "$tmp/err-50000" || true
