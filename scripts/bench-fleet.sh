#!/usr/bin/env bash
# Figures for `kdeck fleet --once` (release build): time to the complete table over N sim clusters of P pods
# each (default 50 x 1000), then the same with one hung context (accepts connections, never answers)
# added, reporting when the healthy rows were complete and when the hung row gave up.
# Usage: scripts/bench-fleet.sh [N] [P]
set -euo pipefail
n=${1:-50}
p=${2:-1000}
cd "$(dirname "$0")/.."
cargo build --release --locked --quiet --bin kdeck
BIN=target/release/kdeck
dir=$(mktemp -d)
pids=()
trap 'for x in "${pids[@]}"; do kill "$x" 2>/dev/null || true; done; rm -rf "$dir"' EXIT
"$BIN" sim serve --clusters "$n" --pods "$p" --kubeconfig-out "$dir/kc" >"$dir/out" 2>"$dir/err" &
pids+=($!)
until grep -q '^ready' "$dir/out" 2>/dev/null; do sleep 0.2; done
python3 -c '
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(64)
print(s.getsockname()[1], flush=True)
held = []
while True:
    c, _ = s.accept(); held.append(c)
' >"$dir/hung.port" &
pids+=($!)
until [ -s "$dir/hung.port" ]; do sleep 0.1; done
mkdir -p "$dir/kdir"
cat >"$dir/kdir/hung.yaml" <<YAML
apiVersion: v1
kind: Config
clusters: [{name: hung, cluster: {server: "https://127.0.0.1:$(cat "$dir/hung.port")", insecure-skip-tls-verify: true}}]
users: [{name: hung, user: {token: x}}]
contexts: [{name: hung, context: {cluster: hung, user: hung}}]
YAML
export HOME="$dir" XDG_CONFIG_HOME="$dir/config"
run() {
  local t0 t1
  t0=$(date +%s.%N)
  "$BIN" fleet --once --kubeconfig "$dir/kc" -o json "$@" >"$dir/fleet.json" || true
  t1=$(date +%s.%N)
  echo "$t1 - $t0" | bc
}
run >/dev/null # warm: the first run pays for TLS session setup in the sims
echo "fleet of $n clusters x $p pods, complete table: $(run)s"
echo "same plus one hung context:                 $(run --kubeconfig-dir "$dir/kdir")s"
python3 -c '
import json, sys
rows = json.load(open(sys.argv[1]))
ok = sum(1 for r in rows if r["state"] == "ok")
slowest = max(r["probeMs"] for r in rows if r["context"] != "hung")
hung = [(r["state"], r["probeMs"]) for r in rows if r["context"] == "hung"]
print(f"rows: {len(rows)}, ok: {ok}, slowest healthy row: {slowest}ms, hung row (state, ms): {hung}")
' "$dir/fleet.json"
