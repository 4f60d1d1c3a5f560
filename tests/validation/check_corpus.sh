#!/usr/bin/env bash
# make test's hold on the validation corpus (scenarios/validation/): every data set predicted
# from the catalogue defaults on the analytical engine, and no data set's MAPE above its bound
# in bounds.yaml (nor more than a point below it: a better model tightens its bounds).
#   check_corpus.sh DPCAST OUT_DIR
# Writes OUT_DIR/table.txt (per data set, printed at the end of make test) and OUT_DIR/cases.txt
# (every case); the reasons for a failure go to stderr.
set -uo pipefail
dpcast=$1
out=$2
mkdir -p "$out"
"$dpcast" validate --summary -o "$out/table.txt" || exit $?
"$dpcast" validate --check -o "$out/cases.txt"
