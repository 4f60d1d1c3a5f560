#!/usr/bin/env bash
# Predicted against measured, for real, on this machine:
#  1. calibrate on one rank: the CPU backend's micro-benchmarks (matrix products and
#     element-wise kernels on rank 0 alone, then on both ranks at once for the colocated
#     slowdown; the all-reduce on 2 ranks) and each model trained on ONE worker at each
#     micro-batch, whose layer times the profile keeps;
#  2. measure: train an MLP and a small GPT on 2 MPI ranks at two micro-batches and two
#     bucket sizes, and a wide MLP (buckets of 17-84 MB, where Open MPI's all-reduce collapses
#     on 2 cores) at two bucket sizes;
#  3. predict the same 10 configurations with the calibrated profile (DES) and compare.
# Prints the tables, each with its MAPE last (also into OUT_DIR/table.txt); fails when any
# configuration is off by more than its tolerance.
# Every training run is made twice and the faster median kept (up to twice more before
# failing): another process taking a core for a moment only ever adds time.
# Run it alone (ctest RUN_SERIAL): two ranks need both cores of a 2-core machine.
# The 2-rank runs progress MPI with MPI_Test between layers (--progress test), the mode the
# model describes for CPU workers (communication_uses_compute: the rank's own core does the
# all-reduce) and the faster one on a quiet machine (3-15%, on an earlier set of 8
# configurations). The default communication thread costs each bucket a scheduler wake-up on
# a busy core that the model does not have: on these configurations its steps measured
# 7-21% above the prediction (MAPE 10.5-13.2% over 3 passes) against MAPE 4.3-14.2% with
# MPI_Test (5 runs).
# The wide MLP is held to its own, wider tolerance: its buckets (16-80 MiB) sit on this
# VM's all-reduce cliff, where Open MPI's temporary buffers above 24 MiB are fresh mmap()s whose
# page faults cost the sandbox ~10x the copy (the cliff moves above 32 MiB with glibc's trim and
# top-pad tunables raised), and that cost wanders with the host: the 64 MiB all-reduce measured
# 225-302 ms over 8 micro-benchmark runs, the wide step 402-476 ms over 4 runs on one machine and
# 365 ms in CI against a prediction of 439 ms (+20.3%, 2026-12-06). With one alpha-beta line it is
# predicted 63% fast, so 35% still fails a lost per-size curve.
#   tests/regression/predicted_vs_measured.sh BIN_DIR OUT_DIR [TOLERANCE_PERCENT [WIDE_TOLERANCE_PERCENT]]
set -euo pipefail
bin=${1:?bin dir}
out=${2:?output dir}
tolerance=${3:-20}
wide_tolerance=${4:-35}
here=$(cd "$(dirname "$0")" && pwd)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mkdir -p "$out"
rm -f "$out"/measured-*.json "$out"/one-worker-*.json "$out"/table.txt

step_time() { grep -o '"step_time_s": *[0-9.eE+-]*' "$1" | head -1 | sed 's/.*: *//'; }

# keep_faster OUT.json COMMAND... : runs COMMAND -o a new record and keeps it as OUT.json when
# there is none yet or it is faster.
keep_faster() {
  local out_json=$1
  shift
  "$@" -o "$out_json.new" > /dev/null
  local new old
  new=$(step_time "$out_json.new")
  if [[ -f $out_json ]]; then
    old=$(step_time "$out_json")
    echo "   step ${new} s (kept: ${old} s)"
    if awk -v a="$new" -v b="$old" 'BEGIN { exit !(a < b) }'; then mv "$out_json.new" "$out_json"; else rm -f "$out_json.new"; fi
  else
    echo "   step ${new} s"
    mv "$out_json.new" "$out_json"
  fi
}

# One pass over every micro-batch: the model on one worker (the calibration), then its two
# bucket sizes on 2 ranks (the measurement), seconds apart, so that a machine whose speed
# drifts over minutes (a shared VM) drifts on both sides alike. Each record is kept when
# faster than the one of an earlier pass.
first_configs() { if [[ $1 == wide ]]; then echo 0; else echo 0 2; fi; }
one_pass() {
  for scenario in mlp gpt wide; do
    for first in $(first_configs "$scenario"); do  # configurations first and first+1 share a micro-batch
      echo "== $scenario configuration $first on one worker, then configurations $first and $((first + 1)) on 2 ranks"
      keep_faster "$out/one-worker-$scenario-$first.json" \
        "$bin/dpcast-train" "$out/$scenario-one-worker.yaml" --config "$first" --steps 20 --warmup 3
      for config in $first $((first + 1)); do
        keep_faster "$out/measured-$scenario-$config.json" \
          mpirun -n 2 "$bin/dpcast-train" "$here/$scenario.yaml" --config "$config" --steps 20 --warmup 3 --progress test
      done
    done
  done
}

# The profile: the micro-benchmarks' plus the layers measured on one worker; then the table.
fit_and_compare() {
  local records=()
  for f in "$out"/one-worker-*.json; do records+=(--record "$f"); done
  "$bin/dpcast" calibrate --base "$out/microbench-profile.yaml" "${records[@]}" -o "$out/cpu-profile.yaml" \
    --name cpu-regression > /dev/null
  local status=0
  "$bin/dpcast" compare --predict --profile "$out/cpu-profile.yaml" "$out"/measured-{mlp,gpt}-*.json \
    --tolerance "$tolerance" > "$out/table.txt" 2>&1 || status=$?
  echo "-- the wide MLP, on the all-reduce cliff (tolerance $wide_tolerance%):" >> "$out/table.txt"
  "$bin/dpcast" compare --predict --profile "$out/cpu-profile.yaml" "$out"/measured-wide-*.json \
    --tolerance "$wide_tolerance" >> "$out/table.txt" 2>&1 || status=$?
  return "$status"
}

echo "== calibrate: micro-benchmarks (compute on one rank; the all-reduce on 2)"
"$bin/dpcast" calibrate --backend cpu -n 2 -o "$out/microbench-profile.yaml"
for scenario in mlp gpt wide; do
  sed 's/cluster: {node: cpu-host, nodes: 1}/cluster: {node: cpu-host, nodes: 1, gpus_per_node: 1}/' \
    "$here/$scenario.yaml" > "$out/$scenario-one-worker.yaml"
done

one_pass
one_pass

echo "== predicted (DES, calibrated) against measured"
status=0
fit_and_compare || status=$?
for extra in 1 2; do
  [[ $status -ne 0 ]] || break
  # Another process's work only ever adds time: before failing, up to two more passes,
  # each record kept where faster.
  cat "$out/table.txt"
  echo "== beyond the tolerance: every run once more ($extra of 2), the faster kept"
  one_pass
  status=0
  fit_and_compare || status=$?
done
cat "$out/table.txt"
exit "$status"
