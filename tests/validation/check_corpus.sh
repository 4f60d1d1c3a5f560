#!/usr/bin/env bash
# make test's hold on the validation corpus (scenarios/validation/): every data set predicted
# from the catalogue defaults on each engine, and no data set's MAPE above its bound in
# bounds.yaml (analytical) or bounds-des.yaml (DES), nor more than a point below it (a better
# model tightens its bounds).
#   check_corpus.sh DPCAST OUT_DIR
# Writes OUT_DIR/table.txt (per data set and engine, printed at the end of make test) and
# OUT_DIR/cases-<engine>.txt (every case); the reasons for a failure go to stderr.
set -uo pipefail
dpcast=$1
out=$2
mkdir -p "$out"
: > "$out/table.txt"
status=0
for engine in analytical des; do
  if [ "$engine" = des ] && ! "$dpcast" validate --engine des tiny-nccl --corpus tests/cli/corpus >/dev/null 2>&1; then
    echo "(the DES is not in this build: no SimGrid)" >> "$out/table.txt"
    continue
  fi
  "$dpcast" validate --engine "$engine" --summary -o "$out/summary-$engine.txt" || exit $?
  cat "$out/summary-$engine.txt" >> "$out/table.txt"
  "$dpcast" validate --engine "$engine" --check -o "$out/cases-$engine.txt" || status=1
done
exit $status
