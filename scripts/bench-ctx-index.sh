#!/usr/bin/env bash
# The `kdeck ctx` picker over 2,000 kubeconfig files under a `kubeconfig_dirs` directory (numbers for
# the report; nothing is asserted): from starting `kdeck ctx` in tmux to the picker drawn with every
# context counted (`> …  N/N`), cold (no index in the cache directory: every file is read) and warm
# (the index answers; it is refreshed while the picker is up). Also the same without directories, for
# the picker's own floor. Polls tmux every 2 ms; tmux's own start is inside every figure.
#
#   scripts/bench-ctx-index.sh [FILES]     # uses target/release/kdeck if built, else target/debug/kdeck
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
KDECK=${KDECK:-}
if [[ -z $KDECK ]]; then
    KDECK=$root/target/release/kdeck
    [[ -x $KDECK ]] || KDECK=$root/target/debug/kdeck
fi
files=${1:-2000}
runs=${RUNS:-5}
work=$(mktemp -d)
session=kdeck-bench-ctx-index
cleanup() {
    tmux kill-session -t $session 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
export HOME=$work/home XDG_CONFIG_HOME=$work/config XDG_CACHE_HOME=$work/cache XDG_DATA_HOME=$work/data
export XDG_RUNTIME_DIR=$work/run
unset KUBECONFIG NO_COLOR KUBECTX_IGNORE_FZF
mkdir -p "$HOME/.kube" "$XDG_CONFIG_HOME/kdeck" "$XDG_RUNTIME_DIR"
one() { # context -> a kubeconfig with that one context
    printf 'apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: "https://%s.example:6443"}\nusers:\n- name: u\n  user: {token: t}\ncontexts:\n- name: %s\n  context: {cluster: c, user: u}\ncurrent-context: %s\n' "$1" "$1" "$1"
}
one main | sed 's/^current-context: main$/- name: other\n  context: {cluster: c, user: u}\ncurrent-context: main/' >"$HOME/.kube/config"
for i in $(seq 0 $((files - 1))); do
    d=$work/kubeconfigs/team-$((i / 20))
    mkdir -p "$d"
    one "cluster-$i" >"$d/cluster-$i.yaml"
done

now_ns() { date +%s%N; }
up_ms() { # expected-total -> ms until the picker shows N/N
    local t0 t1
    tmux kill-session -t $session 2>/dev/null || true
    t0=$(now_ns)
    # A running tmux server starts sessions with its own environment: pass ours explicitly.
    tmux new -d -s $session -x 120 -y 30 "exec env -u KUBECONFIG -u KUBECTX_IGNORE_FZF HOME=$HOME \
        XDG_CONFIG_HOME=$XDG_CONFIG_HOME XDG_CACHE_HOME=$XDG_CACHE_HOME XDG_DATA_HOME=$XDG_DATA_HOME \
        XDG_RUNTIME_DIR=$XDG_RUNTIME_DIR $KDECK ctx"
    until tmux capture-pane -p -t $session 2>/dev/null | grep -q " $1/$1"; do sleep 0.002; done
    t1=$(now_ns)
    tmux send-keys -t $session Escape
    sleep 0.3
    echo $(( (t1 - t0) / 1000000 ))
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "== picker without kubeconfig_dirs (2 contexts), median of $runs"
for _ in $(seq "$runs"); do up_ms 2; done | median | sed 's/$/ ms/'
printf 'kubeconfig_dirs: ["%s"]\n' "$work/kubeconfigs" >"$XDG_CONFIG_HOME/kdeck/config.yaml"
total=$((files + 2))
echo "== $files kubeconfig files, cold (no index), median of $runs"
for _ in $(seq "$runs"); do rm -f "$XDG_CACHE_HOME/kdeck/contexts-index.json"; up_ms $total; done | median | sed 's/$/ ms/'
echo "== $files kubeconfig files, warm (index in $XDG_CACHE_HOME/kdeck), median of $runs"
up_ms $total >/dev/null
for _ in $(seq "$runs"); do up_ms $total; done | median | sed 's/$/ ms/'
