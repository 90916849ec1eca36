#!/usr/bin/env bash
# A list merged across clusters (#15): `kdeck --context all -A` over `sim serve --clusters N --pods P`
# (default 50 clusters x 1,000 pods). Measures, median of 5 runs:
#   - launch -> the complete merged pods table (the title shows N*P rows only once every cluster has
#     listed: a cluster still connecting or failing shows a row of its own instead of its pods);
#   - kdeck's RSS with the whole table loaded (and again after 20 s, once every cluster's usage poll
#     has answered), and its CPU over the next 60 s with no input;
#   - for reference, kubectl listing the same pods one context after another.
# Usage: [KDECK_BIN=path] scripts/bench-merged.sh [CLUSTERS] [PODS_PER_CLUSTER]
set -euo pipefail
cd "$(dirname "$0")/.."
clusters=${1:-50}
pods=${2:-1000}
total=$((clusters * pods))

if [ -z "${KDECK_BIN:-}" ]; then
  cargo build --release --locked --bin kdeck >&2
  KDECK_BIN="${CARGO_TARGET_DIR:-target}/release/kdeck"
fi
bin=$(realpath "$KDECK_BIN")
kubectl=$(command -v kubectl || true)

work=$(mktemp -d)
cleanup() {
  pkill -f -- "--kubeconfig-out $work/" 2>/dev/null || true
  tmux kill-session -t kdeck-bench-merged 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
export HOME=$work XDG_CONFIG_HOME=$work/.config XDG_CACHE_HOME=$work/.cache XDG_DATA_HOME=$work/.data
export XDG_RUNTIME_DIR=$work/run
unset KUBECONFIG NO_COLOR
mkdir -p "$XDG_RUNTIME_DIR"

kc=$work/kc
"$bin" sim serve --clusters "$clusters" --pods "$pods" --kubeconfig-out "$kc" >"$work/sim.out" 2>"$work/sim.err" &
for _ in $(seq 1 1200); do
  grep -q '^ready ' "$work/sim.out" 2>/dev/null && break
  sleep 0.1
done
grep -q '^ready ' "$work/sim.out" || { echo "the sim did not start" >&2; cat "$work/sim.err" >&2; exit 1; }

now_ms() { date +%s%3N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
rss_mb() { awk '/^VmRSS:/ {print int($2 / 1024)}' "/proc/$1/status"; }

rss_file=$work/rss
launch_ms() { # -> ms until "pods(all)[total]" is on screen; appends the RSS then to $rss_file
  local t0 t1 pid
  tmux kill-session -t kdeck-bench-merged 2>/dev/null || true
  t0=$(now_ms)
  tmux new -d -s kdeck-bench-merged -x 200 -y 50 "exec $bin --kubeconfig $kc --context all -A"
  until tmux capture-pane -p -t kdeck-bench-merged 2>/dev/null | grep -qF "pods(all)[$total]"; do sleep 0.005; done
  t1=$(now_ms)
  pid=$(tmux display -p -t kdeck-bench-merged '#{pane_pid}')
  echo "$(rss_mb "$pid")" >>"$rss_file"
  tmux send-keys -t kdeck-bench-merged q
  sleep 0.3
  tmux kill-session -t kdeck-bench-merged 2>/dev/null || true
  echo $((t1 - t0))
}

echo "== :pods @all over $clusters clusters x $pods pods ($total rows)"
for _ in 1 2 3 4 5; do launch_ms; done | median | sed 's/^/launch to complete table (ms, median of 5): /'
echo "RSS at complete (MB, median of 5): $(median <"$rss_file")"

tmux new -d -s kdeck-bench-merged -x 200 -y 50 "exec $bin --kubeconfig $kc --context all -A"
until tmux capture-pane -p -t kdeck-bench-merged | grep -qF "pods(all)[$total]"; do sleep 0.05; done
pid=$(tmux display -p -t kdeck-bench-merged '#{pane_pid}')
sleep 20
echo "RSS after 20 s, usage figures in (MB): $(rss_mb "$pid")"
ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
hz=$(getconf CLK_TCK)
a=$(ticks); sleep 60; b=$(ticks)
awk -v d=$((b - a)) -v hz="$hz" 'BEGIN {printf "CPU while open, no input (50 usage polls every 15 s): %.2f %% of a core (60 s)\n", d * 100 / (hz * 60)}'
tmux send-keys -t kdeck-bench-merged q

if [ -n "$kubectl" ]; then
  t0=$(now_ms)
  n=0
  for i in $(seq 1 "$clusters"); do
    c=$("$kubectl" --kubeconfig "$kc" --context "kdeck-sim-$i" get pods -A --no-headers | wc -l)
    n=$((n + c))
  done
  t1=$(now_ms)
  [ "$n" = "$total" ] || echo "kubectl listed $n pods, expected $total" >&2
  echo "kubectl get pods -A, context after context (ms, reference): $((t1 - t0))"
fi
