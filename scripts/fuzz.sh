#!/usr/bin/env bash
# The libFuzzer targets of tests/fuzz: builds them (clang, its own build folder) and runs each
# for SECONDS, from the seeds in the repository and the corpus earlier runs grew, after
# replaying the regression inputs (tests/fuzz/regressions/TARGET: every crasher found stays a
# test). A finding is written to BUILD/findings/TARGET/ and the run exits non-zero.
#   scripts/fuzz.sh [--build-dir DIR] [--seconds N] [--no-build] [TARGET...]
# The targets run side by side, one process each. make fuzz runs every target for 10 minutes;
# make test runs each for 60 s (tests/CMakeLists.txt builds them in build/fuzz and calls this
# with --no-build, one target per test).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build-fuzz"
seconds=600
do_build=1
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) build=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --no-build) do_build=0; shift ;;
    -h|--help) sed -n 2,8p "$0"; exit 0 ;;
    -*) echo "scripts/fuzz.sh: unknown option $1" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
all=(scenario model_file run_record logs)
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")

if [ "$do_build" = 1 ]; then
  test -f "$build/CMakeCache.txt" || cmake -S "$root/tests/fuzz" -B "$build" -DCMAKE_CXX_COMPILER=clang++ >/dev/null
  cmake --build "$build" -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
fi

# The seeds of each target: what the repository holds of its kind, good and bad.
seeds_of() {
  cd "$root"
  case "$1" in
    scenario) ls scenarios/*.yaml scenarios/examples/*.yaml scenarios/examples/*.json scenarios/real/*.yaml \
                 scenarios/profiles/*.yaml scenarios/validation/*/*.yaml tests/cli/bad/*.yaml ;;
    model_file) ls scenarios/examples/models/*.yaml scenarios/validation/*/models/*.yaml tests/cli/bad/models/*.yaml ;;
    run_record) ls tests/cli/records/*.json tests/cli/bad/*.json scenarios/measurements/*/*.json ;;
    logs) ls tests/sim/data/*.log tests/cli/bad/*.log ;;
    *) echo "scripts/fuzz.sh: unknown target $1 (targets: ${all[*]})" >&2; exit 2 ;;
  esac 2>/dev/null || true
}

# Replays the regression inputs, then fuzzes; prints the figures, or the finding.
fuzz_one() {
  local t=$1
  local binary="$build/bin/fuzz_$t"
  [ -x "$binary" ] || { echo "scripts/fuzz.sh: $binary is not built" >&2; return 2; }
  local seeds="$build/seeds/$t" corpus="$build/corpus/$t" findings="$build/findings/$t"
  rm -rf "$seeds"
  mkdir -p "$seeds" "$corpus" "$findings"
  local f
  for f in $(seeds_of "$t"); do cp "$root/$f" "$seeds/$(echo "$f" | tr / _)"; done
  local regressions=("$root"/tests/fuzz/regressions/"$t"/*)
  if [ -e "${regressions[0]}" ]; then
    if ! "$binary" -rss_limit_mb=2048 -timeout=10 "${regressions[@]}" >"$build/$t-regressions.log" 2>&1; then
      tail -40 "$build/$t-regressions.log"
      echo "fuzz_$t: a regression input fails again (log: $build/$t-regressions.log)"
      return 1
    fi
    echo "fuzz_$t: ${#regressions[@]} regression inputs pass"
  fi
  echo "fuzz_$t: $seconds s from $(ls "$seeds" | wc -l) seeds and $(ls "$corpus" | wc -l) corpus inputs"
  # -timeout: one input may take 10 s; -rss_limit_mb: and 2 GiB; a finding ends the run.
  if ! "$binary" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$findings/" "$corpus" "$seeds" >"$build/$t.log" 2>&1; then
    tail -60 "$build/$t.log"
    echo "fuzz_$t: FINDING (the input is in $findings; log: $build/$t.log)"
    return 1
  fi
  grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$build/$t.log" | sed "s/^/fuzz_$t: /"
}

pids=()
for t in "${targets[@]}"; do
  fuzz_one "$t" &
  pids+=($!)
done
status=0
for p in "${pids[@]}"; do wait "$p" || status=1; done
exit $status
