#!/usr/bin/env bash
# Measures what the kubectl shim adds to a kubectl command: whole-process runs of
# `kubectl version --client`, direct vs through the shim, reported as medians (hyperfine).
#
#   scripts/bench-shim.sh            # release build, 200 runs per case
#   RUNS=50 KDECK=path/to/kdeck scripts/bench-shim.sh
#
# Cases, all in a throwaway HOME/XDG sandbox, run from a directory three levels below the
# .tool-versions so the upward walk is part of the cost:
#   system    `kubectl system` pinned: shim -> /usr/bin/kubectl
#   pinned    `kubectl 1.29.0` pinned: shim -> <data>/kubectl/1.29.0/kubectl (a link to a real 1.29 kubectl)
#   resolve   the shim execing /bin/true as "kubectl": resolution + exec alone, without kubectl's own
#             ~50 ms Go startup drowning the difference
# Needs: hyperfine, jq, /usr/bin/kubectl (optional: /usr/lib/google-cloud-sdk/bin/kubectl.1.29).
set -euo pipefail

cd "$(dirname "$0")/.."
RUNS=${RUNS:-200}
if [[ -z "${KDECK:-}" ]]; then
    cargo build --release --locked --bin kdeck >&2
    KDECK="${CARGO_TARGET_DIR:-target}/release/kdeck"
fi
KDECK=$(realpath "$KDECK")
HYPERFINE=$(command -v hyperfine) || { echo "hyperfine is required (apt-get install -y hyperfine)" >&2; exit 1; }
SYSTEM_KUBECTL=${SYSTEM_KUBECTL:-/usr/bin/kubectl}
PINNED_KUBECTL=${PINNED_KUBECTL:-/usr/lib/google-cloud-sdk/bin/kubectl.1.29}

sandbox=$(mktemp -d)
trap 'rm -rf "$sandbox"' EXIT
export HOME=$sandbox/home XDG_DATA_HOME=$sandbox/data XDG_CACHE_HOME=$sandbox/cache
export KUBECONFIG=$sandbox/home/no-kubeconfig
unset KDECK_KUBECTL_VERSION
mkdir -p "$HOME" "$sandbox/project/a/b/c" "$sandbox/truebin"
shims=$("$KDECK" kubectl shim-dir)
ln -s /bin/true "$sandbox/truebin/kubectl"
work=$sandbox/project/a/b/c
cd "$work"
export PWD=$work

median_ms() { jq -r --arg n "$2" '.results[] | select(.command == $n) | .median * 1000' "$1"; }
# CPU time (user + system, mean) barely moves with machine load, unlike wall time: report both.
cpu_ms() { jq -r --arg n "$2" '.results[] | select(.command == $n) | (.user + .system) * 1000' "$1"; }

run_case() { # name, PATH for the shim, direct binary, .tool-versions content
    local name=$1 path=$2 direct=$3 pin=$4 json=$sandbox/$1.json
    printf '%s\n' "$pin" >"$sandbox/project/.tool-versions"
    PATH="$path" "$HYPERFINE" -N --warmup 10 --runs "$RUNS" --export-json "$json" \
        -n direct "$direct version --client" \
        -n shim "$shims/kubectl version --client" >&2
    local d s dc sc
    d=$(median_ms "$json" direct)
    s=$(median_ms "$json" shim)
    dc=$(cpu_ms "$json" direct)
    sc=$(cpu_ms "$json" shim)
    printf '%-8s median wall: direct %7.2f ms  shim %7.2f ms  overhead %6.2f ms | mean cpu: direct %6.2f ms  shim %6.2f ms  overhead %5.2f ms\n' \
        "$name" "$d" "$s" "$(echo "$s - $d" | bc -l)" "$dc" "$sc" "$(echo "$sc - $dc" | bc -l)"
}

run_case system "$shims:$(dirname "$SYSTEM_KUBECTL"):/bin" "$SYSTEM_KUBECTL" "kubectl system"
if [[ -x "$PINNED_KUBECTL" ]]; then
    mkdir -p "$XDG_DATA_HOME/kdeck/kubectl/1.29.0"
    ln -s "$PINNED_KUBECTL" "$XDG_DATA_HOME/kdeck/kubectl/1.29.0/kubectl"
    run_case pinned "$shims:/bin" "$PINNED_KUBECTL" "kubectl 1.29.0"
fi
run_case resolve "$shims:$sandbox/truebin" /bin/true "kubectl system"
