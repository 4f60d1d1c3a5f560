#!/usr/bin/env bash
# Predicted against measured, for real, on this machine (issue [real-cpu]): calibrate the CPU
# backend, train an MLP and a small GPT on 2 MPI ranks at two micro-batches and two bucket
# sizes, predict the same configurations with the calibrated profile, and compare. Prints the
# table with the MAPE last; fails when any configuration is off by more than the tolerance.
#   tests/regression/predicted_vs_measured.sh BIN_DIR OUT_DIR [TOLERANCE_PERCENT]
set -euo pipefail
bin=${1:?bin dir}
out=${2:?output dir}
tolerance=${3:-20}
here=$(cd "$(dirname "$0")" && pwd)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mkdir -p "$out"
rm -f "$out"/measured-*.json

echo "== calibrate (compute on one rank, all-reduce on two)"
"$bin/dpcast" calibrate --backend cpu -n 2 -o "$out/cpu-profile.yaml"

for scenario in mlp gpt; do
  for config in 0 1 2 3; do
    echo "== measure $scenario configuration $config"
    mpirun -n 2 "$bin/dpcast-train" "$here/$scenario.yaml" --config "$config" --steps 20 --warmup 3 \
      -o "$out/measured-$scenario-$config.json" | tail -3
  done
done

echo "== predicted (DES, calibrated) against measured"
"$bin/dpcast" compare --predict --profile "$out/cpu-profile.yaml" "$out"/measured-*.json --tolerance "$tolerance"
