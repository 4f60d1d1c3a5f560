#!/usr/bin/env bash
# Predicted against measured, for real, on this machine (issue [real-cpu]):
#  1. calibrate on one rank: the CPU backend's micro-benchmarks (matrix products and
#     element-wise kernels on rank 0 alone, then on both ranks at once for the colocated
#     slowdown; the all-reduce on 2 ranks) and each model trained on ONE worker at each
#     micro-batch, whose layer times the profile keeps;
#  2. measure: train an MLP and a small GPT on 2 MPI ranks at two micro-batches and two
#     bucket sizes;
#  3. predict the same 8 configurations with the calibrated profile (DES) and compare.
# Prints the table with the MAPE last (also into OUT_DIR/table.txt); fails when any
# configuration is off by more than the tolerance.
# Every training run is made twice and the faster median kept: another process taking a
# core for a moment only ever adds time, so the faster run is the one closer to the machine.
# Run it alone (ctest RUN_SERIAL): two ranks need both cores of a 2-core machine.
#   tests/regression/predicted_vs_measured.sh BIN_DIR OUT_DIR [TOLERANCE_PERCENT]
set -euo pipefail
bin=${1:?bin dir}
out=${2:?output dir}
tolerance=${3:-20}
here=$(cd "$(dirname "$0")" && pwd)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mkdir -p "$out"
rm -f "$out"/measured-*.json "$out"/one-worker-*.json "$out"/table.txt

step_time() { grep -o '"step_time_s": *[0-9.eE+-]*' "$1" | head -1 | sed 's/.*: *//'; }

# faster_of_two OUT.json COMMAND... : runs COMMAND -o OUT.json twice, keeps the faster record.
faster_of_two() {
  local out_json=$1
  shift
  "$@" -o "$out_json" > /dev/null
  "$@" -o "$out_json.again" > /dev/null
  local first second
  first=$(step_time "$out_json")
  second=$(step_time "$out_json.again")
  echo "   step ${first} s, again ${second} s"
  if awk -v a="$second" -v b="$first" 'BEGIN { exit !(a < b) }'; then
    mv "$out_json.again" "$out_json"
  else
    rm -f "$out_json.again"
  fi
}

echo "== calibrate: micro-benchmarks"
"$bin/dpcast" calibrate --backend cpu -n 2 -o "$out/microbench-profile.yaml"

echo "== calibrate: each model on one worker at each micro-batch (configurations 0 and 2 of each sweep)"
records=()
for scenario in mlp gpt; do
  sed 's/cluster: {node: cpu-host, nodes: 1}/cluster: {node: cpu-host, nodes: 1, gpus_per_node: 1}/' \
    "$here/$scenario.yaml" > "$out/$scenario-one-worker.yaml"
  for config in 0 2; do
    echo " - $scenario configuration $config on one worker"
    faster_of_two "$out/one-worker-$scenario-$config.json" \
      "$bin/dpcast-train" "$out/$scenario-one-worker.yaml" --config "$config" --steps 20 --warmup 3
    records+=(--record "$out/one-worker-$scenario-$config.json")
  done
done
"$bin/dpcast" calibrate --base "$out/microbench-profile.yaml" "${records[@]}" -o "$out/cpu-profile.yaml" --name cpu-regression

for scenario in mlp gpt; do
  for config in 0 1 2 3; do
    echo "== measure $scenario configuration $config on 2 ranks"
    faster_of_two "$out/measured-$scenario-$config.json" \
      mpirun -n 2 "$bin/dpcast-train" "$here/$scenario.yaml" --config "$config" --steps 20 --warmup 3
  done
done

echo "== predicted (DES, calibrated) against measured"
status=0
"$bin/dpcast" compare --predict --profile "$out/cpu-profile.yaml" "$out"/measured-*.json --tolerance "$tolerance" \
  > "$out/table.txt" 2>&1 || status=$?
cat "$out/table.txt"
exit "$status"
