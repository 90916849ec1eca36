#!/usr/bin/env bash
# What `kdeck prompt` costs when KUBECONFIG names something hostile or huge (numbers for the report;
# nothing is asserted). The budget is ~50 ms per prompt whatever the file holds.
#
#   scripts/bench-prompt-hostile.sh           # uses target/release/kdeck (cargo build --release first)
#   KDECK=path N=20 scripts/bench-prompt-hostile.sh
#
# Cases: a normal two-context file; a FIFO with no writer; /dev/zero; a 50 MB file (refused by size);
# a kubeconfig just under the read limit (256 KiB of real contexts, parsed); 100,000 levels of nesting.
# Each is run N times in a row; the per-run wall time is printed. A case that would hang is cut at 10 s.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
KDECK=${KDECK:-${CARGO_TARGET_DIR:-$root/target}/release/kdeck}
N=${N:-20}
[[ -x $KDECK ]] || { echo "no kdeck binary at $KDECK (cargo build --release)" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export HOME=$tmp/home XDG_CONFIG_HOME=$tmp/config XDG_DATA_HOME=$tmp/data XDG_CACHE_HOME=$tmp/cache
mkdir -p "$HOME"

printf 'current-context: dev\ncontexts:\n- name: dev\n  context: {cluster: c, user: u, namespace: web}\nclusters:\n- {name: c, cluster: {server: "https://127.0.0.1:6443"}}\nusers:\n- {name: u, user: {token: t}}\n' >"$tmp/normal.yaml"
mkfifo "$tmp/fifo"
head -c $((50 * 1024 * 1024)) /dev/zero | tr '\0' '#' | fold -w 1023 >"$tmp/50mb.yaml"
{
    echo "current-context: ctx-1"
    echo "contexts:"
    i=0
    while :; do
        i=$((i + 1))
        printf -- "- name: ctx-%d\n  context: {cluster: c-%d, user: u-%d, namespace: ns-%d}\n" "$i" "$i" "$i" "$i"
        ((i % 200 == 0)) && [[ $(stat -c %s "$tmp/near-limit.yaml" 2>/dev/null || echo 0) -gt $((256 * 1024 - 15000)) ]] && break
    done
} >"$tmp/near-limit.yaml"
{ printf 'a: '; head -c 100000 /dev/zero | tr '\0' '['; } >"$tmp/deep.yaml"

run() {
    local label=$1 path=$2 start end out
    start=$(date +%s%N)
    for ((i = 0; i < N; i++)); do
        out=$(KUBECONFIG=$path timeout 10 "$KDECK" prompt 2>"$tmp/err") || true
    done
    end=$(date +%s%N)
    printf '  %-34s %8.2f ms/run  -> %s   %s\n' "$label" "$(((end - start) / N / 10000))e-2" "$out" \
        "$(head -c 100 "$tmp/err" | tr '\n' ' ')"
}
echo "== kdeck prompt, $N runs each ($(stat -c %s "$tmp/near-limit.yaml") bytes near the limit) =="
run "normal kubeconfig" "$tmp/normal.yaml"
run "FIFO without a writer" "$tmp/fifo"
run "/dev/zero" /dev/zero
run "50 MB file" "$tmp/50mb.yaml"
run "256 KiB kubeconfig (read limit)" "$tmp/near-limit.yaml"
run "100,000 levels of nesting" "$tmp/deep.yaml"
