#!/usr/bin/env bash
# Prompt-segment benchmarks (numbers for the report; nothing here is asserted).
#
#   scripts/bench-prompt.sh            # uses target/release/kdeck (cargo build --release first)
#   KDECK=path KUBE_PS1_SH=path/kube-ps1.sh N=2000 scripts/bench-prompt.sh
#
# Measures, on the same two-file kubeconfig (20 contexts):
#   1. `kdeck prompt` as a whole process, next to kube-ps1's two kubectl calls (hyperfine, medians);
#   2. in bash with `eval "$(kdeck hook bash)"`: the per-prompt hook cost with nothing changed, after a
#      kubeconfig change, and on a cd into (and out of) a trusted .kdeck.yaml directory;
#   3. kube-ps1's refresh (its _kube_ps1_get_context_ns) in the same bash, when KUBE_PS1_SH is given.
# Needs: bash 5, hyperfine, kubectl. On a loaded machine compare against the "empty loop" baseline line.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
KDECK=${KDECK:-${CARGO_TARGET_DIR:-$root/target}/release/kdeck}
KUBECTL=${KUBECTL:-$(command -v kubectl)}
N=${N:-2000}
M=${M:-200}
[[ -x $KDECK ]] || { echo "no kdeck binary at $KDECK (cargo build --release)" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export HOME=$tmp/home XDG_CONFIG_HOME=$tmp/config XDG_DATA_HOME=$tmp/data XDG_CACHE_HOME=$tmp/cache
export XDG_RUNTIME_DIR=$tmp/run
mkdir -p "$HOME" "$XDG_RUNTIME_DIR" "$tmp/proj"

{
    echo "apiVersion: v1"
    echo "kind: Config"
    echo "current-context: ctx-07"
    echo "contexts:"
    for i in $(seq -w 1 10); do
        printf -- "- name: ctx-%s\n  context: {cluster: c%s, user: u%s, namespace: ns-%s}\n" "$i" "$i" "$i" "$i"
    done
} > "$tmp/a.yaml"
{
    echo "apiVersion: v1"
    echo "kind: Config"
    echo "clusters:"
    for i in $(seq -w 1 20); do
        printf -- "- name: c%s\n  cluster: {server: 'https://10.0.0.%d:6443'}\n" "$i" "$((10#$i))"
    done
    echo "users:"
    for i in $(seq -w 1 20); do
        printf -- "- name: u%s\n  user: {token: token-%s}\n" "$i" "$i"
    done
    echo "contexts:"
    for i in $(seq -w 11 20); do
        printf -- "- name: ctx-%s\n  context: {cluster: c%s, user: u%s}\n" "$i" "$i" "$i"
    done
} > "$tmp/b.yaml"
export KUBECONFIG=$tmp/a.yaml:$tmp/b.yaml
echo "context: ctx-15" > "$tmp/proj/.kdeck.yaml"
(cd "$tmp/proj" && "$KDECK" allow 2>/dev/null)

echo "== 1. whole process (hyperfine, no shell) =="
hyperfine -N --warmup 20 --runs 300 --style basic \
    --export-json "$tmp/h.json" \
    "$KDECK prompt" \
    "$KUBECTL config current-context" \
    "$KUBECTL config view --minify --output jsonpath={..namespace}" >/dev/null
python3 - "$tmp/h.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
med = [x["median"] * 1000 for x in r]
for x, m in zip(r, med):
    print(f"  {x['command'].split('/')[-1]:<60} median {m:8.2f} ms")
print(f"  kube-ps1 method (both kubectl calls)                         median {med[1] + med[2]:8.2f} ms")
print(f"  kdeck prompt is {(med[1] + med[2]) / med[0]:.0f}x faster than the two kubectl calls")
EOF

echo "== 2. in bash, per prompt (PROMPT_COMMAND hook; wall, and CPU = user+sys incl. children, per call) =="
KDECK=$KDECK N=$N M=$M PROJ=$tmp/proj KUBE_PS1_SH=${KUBE_PS1_SH:-} bash --norc --noprofile <<'EOF'
eval "$("$KDECK" hook bash)"
_kdeck_hook
f=${KUBECONFIG##*:}
TIMEFORMAT='%3R %3U %3S'
# measure LABEL COUNT CODE: runs CODE (which loops COUNT times) and prints per-call wall and CPU time.
measure() {
    local label=$1 n=$2 code=$3 out
    out=$({ time eval "$code"; } 2>&1)
    awk -v l="$label" -v n="$n" -v t="$out" 'BEGIN { split(t, a, " ");
        printf "  %-34s wall %9.1f us   cpu %9.1f us\n", l, a[1] * 1e6 / n, (a[2] + a[3]) * 1e6 / n }'
}
measure "empty loop (machine baseline)" "$N" 'for ((i = 0; i < N; i++)); do :; done'
measure "warm, nothing changed (0 forks)" "$N" 'for ((i = 0; i < N; i++)); do _kdeck_hook; done'
measure "after a kubeconfig change" "$M" 'for ((i = 0; i < M; i++)); do printf "\n" >>"$f"; _kdeck_hook; done'
echo "  segment after refresh:             $KDECK_PS1"
cd "$PROJ"; _kdeck_hook
measure "warm inside a trusted directory" "$N" 'for ((i = 0; i < N; i++)); do _kdeck_hook; done'
cd /
measure "cd into/out of a trusted dir" "$((2 * M))" 'for ((i = 0; i < M; i++)); do cd "$PROJ"; _kdeck_hook; cd /; _kdeck_hook; done'
if [[ -n $KUBE_PS1_SH && -r $KUBE_PS1_SH ]]; then
    # shellcheck disable=SC1090
    source "$KUBE_PS1_SH"
    measure "kube-ps1 refresh (2x kubectl)" "$M" 'for ((i = 0; i < M; i++)); do printf "\n" >>"$f"; _kube_ps1_get_context_ns; done'
else
    echo "  (set KUBE_PS1_SH=path/to/kube-ps1.sh to time kube-ps1's refresh in the same shell)"
fi
EOF
