#!/usr/bin/env bash
# The `e` edit round trip on the sim (a number for the report; nothing is asserted): from the editor
# exiting with a changed replica count to the deployments view showing the new desired count
# (`READY 3/N`), i.e. kdeck reading the file, the update at the original resourceVersion, the watch
# event, and the redraw. The "editor" is a script that rewrites `replicas:` and records when it exits.
# Polls tmux every 2 ms, so each figure carries up to ~2 ms of polling error (plus tmux's capture).
#
#   scripts/bench-edit.sh            # uses target/release/kdeck if built, else target/debug/kdeck
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
KDECK=${KDECK:-}
if [[ -z $KDECK ]]; then
    KDECK=$root/target/release/kdeck
    [[ -x $KDECK ]] || KDECK=$root/target/debug/kdeck
fi
N=${N:-7}
tmp=$(mktemp -d)
export HOME=$tmp XDG_CONFIG_HOME=$tmp/.config XDG_CACHE_HOME=$tmp/.cache XDG_DATA_HOME=$tmp/.local/share XDG_RUNTIME_DIR=$tmp/run
mkdir -p "$XDG_RUNTIME_DIR"
unset KUBECONFIG NO_COLOR
"$KDECK" sim serve --pods 3 --kubeconfig-out "$tmp/sim.kc" >"$tmp/sim.out" 2>&1 &
sim_pid=$!
session=kdeck-bench-edit
cleanup() {
    tmux kill-session -t $session 2>/dev/null || true
    kill $sim_pid 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT
for _ in $(seq 1 100); do grep -q '^ready ' "$tmp/sim.out" 2>/dev/null && break; sleep 0.1; done

# The editor: sets replicas to the number in $tmp/want and stamps the time it is done.
cat >"$tmp/editor.sh" <<SH
#!/bin/sh
sed -i "s/^  replicas: .*/  replicas: \$(cat $tmp/want)/" "\$1"
date +%s%N >"$tmp/saved"
SH
chmod +x "$tmp/editor.sh"

tmux new -d -s $session -x 160 -y 45 \
    "KUBE_EDITOR=$tmp/editor.sh exec $KDECK --kubeconfig $tmp/sim.kc -n team-00 --command :deploy"
until tmux capture-pane -p -t $session | grep -q 'app-0000 .*3/3'; do sleep 0.05; done

ms=()
for i in $(seq 1 "$N"); do
    want=$((3 + i))
    echo $want >"$tmp/want"
    rm -f "$tmp/saved"
    tmux send-keys -t $session e
    until [[ -s $tmp/saved ]]; do sleep 0.002; done
    until tmux capture-pane -p -t $session | grep -q "app-0000 .*/$want "; do sleep 0.002; done
    shown=$(date +%s%N)
    ms+=($(( (shown - $(cat "$tmp/saved")) / 1000000 )))
    sleep 0.3
done
printf '%s\n' "${ms[@]}" | sort -n | awk '{a[NR]=$1} END {printf "edit round trip (editor exit → view updated), median of %d: %d ms (min %d, max %d)\n", NR, a[int((NR+1)/2)], a[1], a[NR]}'
