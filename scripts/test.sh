#!/usr/bin/env bash
# Builds ccproxy and runs the whole test suite. usage: scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh test
# ccache: the same sources built from another clone directory still hit the cache.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1

jobs=$(nproc)
cmake -S . -B build/test -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCCPROXY_TESTS=ON >/dev/null
cmake --build build/test -j"$jobs"
ctest --test-dir build/test --output-on-failure -j"$jobs"

# The same suite under AddressSanitizer + UndefinedBehaviorSanitizer: any report fails its
# test. -O1 (asserts on) keeps this second build affordable on CI's two cores.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
cmake -S . -B build/asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" \
  -DCCPROXY_TESTS=ON -DCCPROXY_SANITIZE=ON >/dev/null
cmake --build build/asan -j"$jobs"
ctest --test-dir build/asan --output-on-failure -j"$jobs"

# libFuzzer targets (clang, ASan + UBSan), 30 s each from the seed corpus; longer runs:
# tests/fuzz/run.sh SECONDS.
bash tests/fuzz/run.sh 30
