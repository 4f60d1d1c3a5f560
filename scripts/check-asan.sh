#!/usr/bin/env bash
# CI: the models, sim and DES tests under AddressSanitizer and UndefinedBehaviorSanitizer
# (cmake --preset asan: build-asan/, Debug, -fsanitize=address,undefined). The GUI, the real
# backend and the CLI tests stay out: they cost most of the build and have their own stages.
# SimGrid switches its actors' stacks itself, so ASan warns "ignoring requested
# __asan_handle_no_return" once per DES child process; the tests still run checked.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=${JOBS:-$(nproc 2>/dev/null || echo 2)}
test -f build-asan/CMakeCache.txt || cmake --preset asan -DDPCAST_BUILD_GUI=OFF -DDPCAST_BUILD_REAL=OFF >/dev/null
targets=(test_models test_sim)
# (the list is read whole: grep -q would stop reading early, and pipefail would count that as failure)
available=$(cmake --build build-asan --target help)
if grep -q test_des <<<"$available"; then targets+=(test_des); fi
cmake --build build-asan -j "$jobs" --target "${targets[@]}"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
for t in "${targets[@]}"; do
  echo "check-asan: $t"
  build-asan/bin/"$t" --gtest_brief=1
done
