#!/usr/bin/env bash
# TUI figures against the simulated cluster (needs tmux; kubectl optional, for the comparison):
#   1. launch → complete pods table for 10k pods (the title shows the count only once the list is
#      complete), next to `kubectl get pods -A` against the same sim; median of 5 runs each;
#   2. RSS and idle CPU of kdeck watching 50k pods (10 s sample, no input, no churn).
# Usage: [KDECK_BIN=path] scripts/bench-tui.sh [PODS_LAUNCH] [PODS_IDLE]
set -euo pipefail
cd "$(dirname "$0")/.."
launch_pods=${1:-10000}
idle_pods=${2:-50000}

# KDECK_BIN=path skips the build (e.g. a binary cargo bench already built).
if [ -z "${KDECK_BIN:-}" ]; then
  cargo build --release --locked --bin kdeck >&2
  KDECK_BIN="${CARGO_TARGET_DIR:-target}/release/kdeck"
fi
bin=$(realpath "$KDECK_BIN")
kubectl=$(command -v kubectl || true)

work=$(mktemp -d)
sims=()
cleanup() {
  # start_sim runs in a command substitution, so its pids never reach this shell: the sims are found
  # by their kubeconfig paths under $work.
  pkill -f -- "--kubeconfig-out $work/" 2>/dev/null || true
  for s in "${sims[@]}"; do kill "$s" 2>/dev/null || true; done
  tmux kill-session -t kdeck-bench 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
export HOME=$work XDG_CONFIG_HOME=$work/.config XDG_CACHE_HOME=$work/.cache XDG_DATA_HOME=$work/.data
export XDG_RUNTIME_DIR=$work/run
unset KUBECONFIG NO_COLOR
mkdir -p "$XDG_RUNTIME_DIR"

start_sim() { # pods -> kubeconfig path
  local kc=$work/kc-$1
  "$bin" sim serve --pods "$1" --kubeconfig-out "$kc" >"$work/sim-$1.out" 2>"$work/sim-$1.err" &
  sims+=($!)
  for _ in $(seq 1 600); do
    grep -q '^ready ' "$work/sim-$1.out" 2>/dev/null && { echo "$kc"; return; }
    sleep 0.1
  done
  echo "sim with $1 pods did not start" >&2; cat "$work/sim-$1.err" >&2; exit 1
}

now_ms() { date +%s%3N; }

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

launch_ms() { # kubeconfig pods -> ms until "pods(all)[N]" is on screen
  local t0 t1
  tmux kill-session -t kdeck-bench 2>/dev/null || true
  t0=$(now_ms)
  tmux new -d -s kdeck-bench -x 160 -y 45 "exec $bin --kubeconfig $1 -A"
  until tmux capture-pane -p -t kdeck-bench 2>/dev/null | grep -qF "pods(all)[$2]"; do sleep 0.005; done
  t1=$(now_ms)
  tmux send-keys -t kdeck-bench q
  sleep 0.3
  tmux kill-session -t kdeck-bench 2>/dev/null || true
  echo $((t1 - t0))
}

kubectl_ms() {
  local t0 t1 n
  t0=$(now_ms)
  n=$("$kubectl" --kubeconfig "$1" get pods -A --no-headers | wc -l)
  t1=$(now_ms)
  [ "$n" = "$2" ] || echo "kubectl listed $n pods, expected $2" >&2
  echo $((t1 - t0))
}

kc=$(start_sim "$launch_pods")
echo "== launch to complete table, $launch_pods pods (ms, median of 5)"
for _ in 1 2 3 4 5; do launch_ms "$kc" "$launch_pods"; done | median | sed 's/^/kdeck:   /'
if [ -n "$kubectl" ]; then
  for _ in 1 2 3 4 5; do kubectl_ms "$kc" "$launch_pods"; done | median | sed 's/^/kubectl: /'
else
  echo "kubectl: not installed, no comparison"
fi

kc=$(start_sim "$idle_pods")
echo "== watching $idle_pods pods, idle"
tmux kill-session -t kdeck-bench 2>/dev/null || true
tmux new -d -s kdeck-bench -x 160 -y 45 "exec $bin --kubeconfig $kc -A"
until tmux capture-pane -p -t kdeck-bench | grep -qF "pods(all)[$idle_pods]"; do sleep 0.05; done
pid=$(tmux display -p -t kdeck-bench '#{pane_pid}')
sleep 2
ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
hz=$(getconf CLK_TCK)
a=$(ticks); sleep 10; b=$(ticks)
rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status")
echo "RSS:       $((rss / 1024)) MB"
awk -v d=$((b - a)) -v hz="$hz" 'BEGIN {printf "idle CPU:  %.2f %% (10 s)\n", d * 100 / (hz * 10)}'
tmux send-keys -t kdeck-bench q

# 3. Metrics polling: kdeck showing all pods polls metrics.k8s.io (every 15 s per 10k pods, up to 60 s);
#    its CPU over 120 s, the list long loaded, is the cost of the polling: at 10k pods (eight polls, each
#    fetching and filling 10k rows) and at 50k pods (two polls of 50k).
usage_cpu() { # pods
  local kc
  kc=$(start_sim "$1")
  echo "== watching $1 pods with CPU/MEM columns (metrics polled)"
  tmux kill-session -t kdeck-bench 2>/dev/null || true
  tmux new -d -s kdeck-bench -x 160 -y 45 "exec $bin --kubeconfig $kc -A"
  until tmux capture-pane -p -t kdeck-bench | grep -qF "pods(all)[$1]"; do sleep 0.05; done
  until tmux capture-pane -p -t kdeck-bench | grep -qE '[0-9]+m +[0-9]+Mi'; do sleep 0.05; done
  pid=$(tmux display -p -t kdeck-bench '#{pane_pid}')
  a=$(ticks); sleep 120; b=$(ticks)
  awk -v d=$((b - a)) -v hz="$hz" 'BEGIN {printf "CPU with metrics polling: %.2f %% of a core (120 s)\n", d * 100 / (hz * 120)}'
  tmux send-keys -t kdeck-bench q
  pkill -f -- "--kubeconfig-out $kc" 2>/dev/null || true
}
usage_cpu "$launch_pods"
usage_cpu "$idle_pods"
