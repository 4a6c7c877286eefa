#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan) in build/fuzz and runs each for a bounded
# time, starting from the committed seed corpus.
# usage: tests/fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]
#   SECONDS_PER_TARGET  default 30 (what scripts/test.sh runs); e.g. 600 for a longer session
#   TARGET              sse_parser stream_translator request_converter profile_loader (default all)
# Inputs the fuzzer finds interesting accumulate in build/fuzz/corpus/<target>/ (reused by the
# next run, never committed). A crash leaves build/fuzz/artifacts/<target>-crash-*: fix the
# bug, then copy the file into tests/fuzz/regressions/<target>/ so ctest replays it forever.
set -euo pipefail
cd "$(dirname "$0")/../.."

seconds=${1:-30}
shift || true
targets=("$@")
if ((${#targets[@]} == 0)); then
  targets=(sse_parser stream_translator request_converter profile_loader)
fi

build=${CCPROXY_FUZZ_BUILD:-build/fuzz}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
  -DCCPROXY_FUZZ=ON -DCCPROXY_SANITIZE=ON -DCCPROXY_TESTS=ON >/dev/null
cmake --build "$build" -j"$(nproc)" --target "${targets[@]/#/fuzz_}"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
mkdir -p "$build/artifacts"
failed=()
summary=()
for t in "${targets[@]}"; do
  work="$build/corpus/$t"
  mkdir -p "$work"
  log="$build/artifacts/$t.log"
  echo "fuzz: $t for ${seconds}s"
  if "$build/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -dict="tests/fuzz/dict/$t.dict" -artifact_prefix="$build/artifacts/$t-" \
    "$work" "tests/fuzz/corpus/$t" >"$log" 2>&1; then
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
    summary+=("$t: ${execs:-?} execs, ${rate:-?} exec/s, corpus $(ls "$work" | wc -l) files")
  else
    tail -n 60 "$log"
    failed+=("$t")
    summary+=("$t: FAILED (see $log and $build/artifacts/$t-*)")
  fi
done
printf 'fuzz: %s\n' "${summary[@]}"
if ((${#failed[@]})); then
  echo "fuzz: crashes in ${failed[*]}; keep each crasher in tests/fuzz/regressions/<target>/" >&2
  exit 1
fi
