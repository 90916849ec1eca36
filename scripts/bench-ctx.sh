#!/usr/bin/env bash
# Benchmarks `kdeck ctx NAME` against `kubectl config use-context NAME` on a 1-context and a 1000-context
# kubeconfig (whole-process runs, release build), plus the startup cost of `kdeck ctx -c`.
#
# Every timed switch is a real one: before each run the kubeconfig is reset to a copy whose
# current-context is another context, so both tools parse, edit and write the file.
#
# Usage: scripts/bench-ctx.sh [--runs N]
#   BENCH_DIR=/dev/shm scripts/bench-ctx.sh   puts the kubeconfigs on tmpfs, where fsync is free, to
#                                             separate kdeck's own cost from the disk's fsync latency.
# Needs hyperfine (apt-get install -y hyperfine); without it a plain bash timing loop is used.
# Reported: median wall time of whole-process runs; with hyperfine also kdeck's mean CPU (user+sys).
# Targets: kdeck median <= 5 ms and >= 15x faster than kubectl.
set -euo pipefail

RUNS=200
KUBECTL_RUNS=60
if [[ "${1:-}" == "--runs" ]]; then RUNS="$2"; fi

cd "$(dirname "$0")/.."
TARGET_DIR="${CARGO_TARGET_DIR:-target}"
cargo build --release --locked --bin kdeck >&2
KDECK="$(realpath "$TARGET_DIR/release/kdeck")"
KUBECTL="${KUBECTL:-/usr/bin/kubectl}"

WORK="$(mktemp -d -p "${BENCH_DIR:-${TMPDIR:-/tmp}}")"
trap 'rm -rf "$WORK"' EXIT
export HOME="$WORK/home" XDG_CACHE_HOME="$WORK/cache"
mkdir -p "$HOME"

# A kubeconfig with N contexts, each with its own cluster (server + CA file path) and token user.
gen() {
  local n="$1" current="$2" out="$3"
  {
    echo "apiVersion: v1"
    echo "kind: Config"
    echo "clusters:"
    for ((i = 0; i < n; i++)); do
      printf -- "- name: cluster-%04d\n  cluster:\n    server: https://10.%d.%d.1:6443\n    certificate-authority: certs/ca-%04d.crt\n" \
        "$i" $((i / 250)) $((i % 250)) "$i"
    done
    echo "users:"
    for ((i = 0; i < n; i++)); do
      printf -- "- name: user-%04d\n  user:\n    token: tok-%04d-abcdefghijklmnopqrstuvwxyz0123456789\n" "$i" "$i"
    done
    echo "contexts:"
    for ((i = 0; i < n; i++)); do
      printf -- "- name: ctx-%04d\n  context:\n    cluster: cluster-%04d\n    user: user-%04d\n    namespace: ns-%04d\n" \
        "$i" "$i" "$i" "$i"
    done
    echo "current-context: $current"
  } >"$out"
  chmod 600 "$out"
}

median_ms() { # hyperfine JSON -> median in ms
  python3 -c 'import json,sys; print("%.3f" % (json.load(open(sys.argv[1]))["results"][0]["median"]*1000))' "$1"
}

cpu_ms() { # hyperfine JSON -> mean user+sys in ms
  if [[ -f "$1" ]]; then
    python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"][0]; print("%.2f" % ((r["user"]+r["system"])*1000))' "$1"
  else
    echo "-"
  fi
}

time_cmd() { # name runs prepare cmd... -> prints median ms
  local name="$1" runs="$2" prepare="$3"
  shift 3
  if command -v hyperfine >/dev/null; then
    hyperfine -N --style none --warmup 10 --runs "$runs" --prepare "$prepare" \
      --export-json "$WORK/$name.json" -- "$*" >/dev/null 2>&1
    median_ms "$WORK/$name.json"
  else
    local samples=()
    for ((r = 0; r < runs; r++)); do
      bash -c "$prepare"
      local t0 t1
      t0=$(date +%s%N)
      "$@" >/dev/null 2>&1
      t1=$(date +%s%N)
      samples+=($(((t1 - t0) / 1000)))
    done
    printf '%s\n' "${samples[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.3f\n", a[int((NR+1)/2)]/1000}'
  fi
}

echo "kubeconfigs in $WORK ($(stat -f -c %T "$WORK"))"
printf '%-34s %12s %10s %12s %8s\n' "case" "kdeck (ms)" "kdeck CPU" "kubectl (ms)" "ratio"
for n in 1 1000; do
  if ((n == 1)); then from="ctx-0000" to="ctx-0000"; else from="ctx-0000" to="ctx-0999"; fi
  base="$WORK/base-$n"
  cfg="$WORK/config-$n"
  # With one context, the switch target is the only context: reset the file to no current-context.
  if ((n == 1)); then gen 1 "" "$base"; else gen "$n" "$from" "$base"; fi
  cp "$base" "$cfg"
  export KUBECONFIG="$cfg"
  prep="cp $base $cfg"
  k=$(time_cmd "kdeck-$n" "$RUNS" "$prep" "$KDECK" ctx "$to")
  if [[ -x "$KUBECTL" ]]; then
    c=$(time_cmd "kubectl-$n" "$KUBECTL_RUNS" "$prep" "$KUBECTL" config use-context "$to")
    ratio=$(python3 -c "print('%.1fx' % ($c / $k))")
  else
    c="n/a" ratio="n/a"
  fi
  size=$(stat -c %s "$base")
  printf '%-34s %12s %10s %12s %8s\n' "switch, $n context(s) ($((size / 1024)) KiB)" "$k" \
    "$(cpu_ms "$WORK/kdeck-$n.json")" "$c" "$ratio"
done

cfg="$WORK/config-1000"
cp "$WORK/base-1000" "$cfg"
export KUBECONFIG="$cfg"
k=$(time_cmd "current-1000" "$RUNS" "true" "$KDECK" ctx -c)
cfg1="$WORK/config-1"
gen 1 "ctx-0000" "$cfg1"
export KUBECONFIG="$cfg1"
k1=$(time_cmd "current-1" "$RUNS" "true" "$KDECK" ctx -c)
v=$(time_cmd "version" "$RUNS" "true" "$KDECK" ctx -V)
printf '%-34s %12s %10s\n' "ctx -c, 1 context" "$k1" "$(cpu_ms "$WORK/current-1.json")" \
  "ctx -c, 1000 contexts" "$k" "$(cpu_ms "$WORK/current-1000.json")" \
  "ctx -V (startup, no kubeconfig)" "$v" "$(cpu_ms "$WORK/version.json")"
