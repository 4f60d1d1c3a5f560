#!/usr/bin/env bash
# `kill -9` of a `dpcast predict -o FILE` in the middle of its simulations: FILE keeps what it
# held (results are written to a temporary file and renamed only when complete), no temporary
# file is left beside it, and no simulation process runs on without its parent.
#   killed_predict.sh DPCAST
set -uo pipefail
dpcast=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
# A DES sweep of several seconds: every configuration is simulated in a child process.
cat > "$dir/slow.yaml" <<'YAML'
name: killed-predict-marker
model: gpt2-small
cluster: {node: dgx-h100, nodes: 1024}
sweep: {training.micro_batch: [1, 2, 3, 4, 5, 6, 7, 8]}
YAML
echo '{"old": true}' > "$dir/result.json"
"$dpcast" predict "$dir/slow.yaml" --engine des --json -o "$dir/result.json" &
pid=$!
sleep 2
if ! kill -0 "$pid" 2>/dev/null; then
  echo "FAIL: dpcast predict ended within 2 s: the sweep is too short to kill in the middle" >&2
  exit 1
fi
kill -9 "$pid"
wait "$pid" 2>/dev/null
status=0
if [ "$(cat "$dir/result.json")" != '{"old": true}' ]; then
  echo "FAIL: result.json changed: $(head -c 200 "$dir/result.json")" >&2
  status=1
fi
left=$(ls -A "$dir" | grep -v -x -e slow.yaml -e result.json)
if [ -n "$left" ]; then
  echo "FAIL: left beside the output: $left" >&2
  status=1
fi
# The simulation child dies with its parent (PR_SET_PDEATHSIG), within a second or so.
for _ in $(seq 50); do
  pgrep -f "$dir/slow.yaml" >/dev/null || break
  sleep 0.1
done
if pgrep -f "$dir/slow.yaml" >/dev/null; then
  echo "FAIL: processes still running after their parent was killed:" >&2
  pgrep -a -f "$dir/slow.yaml" >&2
  pkill -9 -f "$dir/slow.yaml"
  status=1
fi
[ $status = 0 ] && echo "ok: killed dpcast predict left result.json as it was, nothing beside it, no process"
exit $status
