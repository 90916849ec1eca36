#!/usr/bin/env bash
# Issue figures for a context whose server accepts connections and never answers (numbers for the
# report; nothing is asserted):
#   - first frame: from starting kdeck to "connecting to hung…" on screen (target ≤ 100 ms);
#   - switch away: from `:ctx kdeck-sim` + Enter to "● connected" on the sim (target ≤ 1 s).
# Polls tmux every 5 ms, so the figures carry up to ~5 ms of polling error.
#
#   scripts/bench-tui-hung.sh            # uses target/release/kdeck if built, else target/debug/kdeck
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
KDECK=${KDECK:-}
if [[ -z $KDECK ]]; then
    KDECK=$root/target/release/kdeck
    [[ -x $KDECK ]] || KDECK=$root/target/debug/kdeck
fi
N=${N:-5}
tmp=$(mktemp -d)
export HOME=$tmp XDG_CONFIG_HOME=$tmp/.config XDG_CACHE_HOME=$tmp/.cache XDG_DATA_HOME=$tmp/.local/share XDG_RUNTIME_DIR=$tmp/run
mkdir -p "$XDG_RUNTIME_DIR"
python3 - "$tmp/port" <<'PY' &
import socket, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(128)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
held = []
while True:
    c, _ = s.accept(); held.append(c)
PY
hung_pid=$!
"$KDECK" sim serve --pods 50 --kubeconfig-out "$tmp/sim.kc" >"$tmp/sim.out" 2>&1 &
sim_pid=$!
trap 'kill $hung_pid $sim_pid 2>/dev/null; tmux kill-session -t kdeck-bench-hung 2>/dev/null; rm -rf "$tmp"' EXIT
until [[ -s $tmp/port ]] && grep -q ready "$tmp/sim.out"; do sleep 0.05; done
port=$(cat "$tmp/port")
KUBECONFIG=$tmp/sim.kc kubectl config view --raw -o json | python3 -c "
import json, sys
kc = json.load(sys.stdin)
kc['clusters'].append({'name': 'hung', 'cluster': {'server': 'https://127.0.0.1:$port', 'insecure-skip-tls-verify': True}})
kc['users'].append({'name': 'hung', 'user': {'token': 'x'}})
kc['contexts'].append({'name': 'hung', 'context': {'cluster': 'hung', 'user': 'hung'}})
kc['current-context'] = 'hung'
json.dump(kc, open('$tmp/config', 'w'))"

ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
wait_for() { until tmux capture-pane -p -t kdeck-bench-hung 2>/dev/null | grep -qF -- "$1"; do sleep 0.005; done; }
echo "== $KDECK, $N runs"
for ((i = 0; i < N; i++)); do
    start=$(date +%s%N)
    tmux new-session -d -s kdeck-bench-hung -x 120 -y 30 "$KDECK --kubeconfig $tmp/config; sleep 30"
    wait_for "connecting to hung"
    first=$(ms "$start")
    tmux send-keys -t kdeck-bench-hung ":ctx kdeck-sim" Enter
    start=$(date +%s%N)
    wait_for "● connected"
    switch=$(ms "$start")
    printf '  first frame %4d ms   switch away from the hung context %4d ms\n' "$first" "$switch"
    tmux kill-session -t kdeck-bench-hung
done
