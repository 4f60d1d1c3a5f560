#!/usr/bin/env bash
# Rewrites tests/golden/ from the current build: the quickstart table (what `make run` prints)
# and the DES prediction of every example scenario. For a change that means to move the
# numbers: review `git diff tests/golden`, say in the commit why they moved, and update the
# README's quickstart block if its lines changed (tests/golden/check_readme.cmake checks it).
set -euo pipefail
cd "$(dirname "$0")/.."
dpcast=${DPCAST:-build/bin/dpcast}
"$dpcast" predict scenarios/quickstart.yaml > tests/golden/quickstart.txt
for f in scenarios/examples/*.yaml scenarios/examples/*.json; do
  name=$(basename "$f")
  "$dpcast" predict "$f" --engine des > "tests/golden/examples/${name%.*}.txt"
done
echo "rewrote tests/golden/ ($(ls tests/golden/examples | wc -l) examples)"
