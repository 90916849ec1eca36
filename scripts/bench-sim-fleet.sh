#!/usr/bin/env bash
# Sim memory for a fleet: `kdeck sim serve --clusters N --pods P` (default 50 x 1000) and the RSS of the
# process once every cluster is seeded and serving, plus `kubectl get pods -A` time on one cluster.
# Usage: scripts/bench-sim-fleet.sh [N] [P]   (builds the release binary first)
set -euo pipefail
n=${1:-50}
p=${2:-1000}
cd "$(dirname "$0")/.."
cargo build --release --locked --quiet
dir=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
start=$(date +%s.%N)
./target/release/kdeck sim serve --clusters "$n" --pods "$p" --kubeconfig-out "$dir/kc" >"$dir/out" 2>"$dir/err" &
pid=$!
until grep -q '^ready' "$dir/out" 2>/dev/null; do sleep 0.1; done
ready=$(date +%s.%N)
sleep 3
rss=$(awk '/VmRSS/ {print int($2/1024)}' "/proc/$pid/status")
t0=$(date +%s.%N)
KUBECONFIG="$dir/kc" kubectl --context kdeck-sim-1 get pods -A --no-headers | wc -l >/dev/null
t1=$(date +%s.%N)
printf 'clusters=%s pods_each=%s ready_in=%.1fs rss=%sMiB kubectl_get_pods_one_cluster=%.2fs\n' \
  "$n" "$p" "$(echo "$ready - $start" | bc)" "$rss" "$(echo "$t1 - $t0" | bc)"
