#!/usr/bin/env bash
# CI: every tracked C++ file formatted with the repository's .clang-format (clang-format 14,
# Debian's clang-format). Prints the files that differ; exit 1 if any does.
#   scripts/check-format.sh        fix one with: clang-format -i FILE
set -uo pipefail
cd "$(dirname "$0")/.."
bad=()
while IFS= read -r f; do
  clang-format --dry-run -Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done < <(git ls-files '*.cpp' '*.hpp' '*.cu' '*.cuh')
if [ ${#bad[@]} -gt 0 ]; then
  echo "check-format: ${#bad[@]} file(s) differ from .clang-format (clang-format -i FILE fixes them):" >&2
  printf '  %s\n' "${bad[@]}" >&2
  exit 1
fi
echo "check-format: $(git ls-files '*.cpp' '*.hpp' '*.cu' '*.cuh' | wc -l) files formatted"
