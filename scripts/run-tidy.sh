#!/usr/bin/env bash
# CI: clang-tidy (Debian's clang-tidy 14) with the repository's .clang-tidy on the C++ sources
# changed since the commit in .ci/tidy-base (the last at which the whole tree was clean), or on
# every source with --all. Needs build/compile_commands.json (make build writes it). Every
# finding is an error (WarningsAsErrors in .clang-tidy).
#   scripts/run-tidy.sh [--all]
set -uo pipefail
cd "$(dirname "$0")/.."
jobs=${JOBS:-$(nproc 2>/dev/null || echo 2)}
if [ ! -f build/compile_commands.json ]; then
  echo "run-tidy: no build/compile_commands.json (run make build first)" >&2
  exit 2
fi
if [ "${1:-}" = "--all" ]; then
  files=$(git ls-files '*.cpp')
else
  base=$(cat .ci/tidy-base)
  files=$(git diff --name-only --diff-filter=AM "$base" HEAD -- '*.cpp'; git ls-files --others --exclude-standard -- '*.cpp')
fi
# Only the sources the build compiles (CUDA and the parts this build left out have no entry).
compiled=$(python3 -c 'import json,os; print("\n".join(os.path.relpath(e["file"]) for e in json.load(open("build/compile_commands.json"))))' | sort -u)
files=$(comm -12 <(echo "$files" | sort -u) <(echo "$compiled"))
count=$(echo "$files" | grep -c . || true)
if [ "$count" -eq 0 ]; then
  echo "run-tidy: no changed C++ source since $(cat .ci/tidy-base 2>/dev/null | cut -c1-12)"
  exit 0
fi
echo "run-tidy: $count file(s)"
echo "$files" | xargs -P "$jobs" -n 1 clang-tidy -p build --quiet 2> /tmp/run-tidy.$$ | grep -E "warning:|error:" -A3
status=${PIPESTATUS[1]}
rm -f /tmp/run-tidy.$$
exit "$status"
