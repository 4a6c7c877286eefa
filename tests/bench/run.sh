#!/usr/bin/env bash
# The ccproxy benchmark, one command: installs what is missing (nginx, wrk, gnuplot; node/npm for
# claude-code-router), builds ccproxy (Release), installs claude-code-router 2.0.0 into
# build/bench-npm, then measures everything side by side on loopback (tests/bench/bench.py).
#
# usage: tests/bench/run.sh [--quick] [--skip-ccr] [--no-publish] [--keep-tmp] [--part PART]
#   full run (~5-6 min): writes bench-results.md and docs/bench/throughput.png
#   --quick (~30 s):  smoke run, writes only under tests/bench/out/
#   --part throughput|scale: only the wrk runs or only the 1,000-stream test (not published)
# environment: CCPROXY_BENCH_FIXTURE (86 KB request, default tests/fixtures/...),
#   CCPROXY_BIN (skip the build, use this binary), CCPROXY_BENCH_CCR_DIR (npm prefix),
#   CCPROXY_BENCH_LOG_LEVEL (ccproxy's log_level, default info).
set -euo pipefail
cd "$(dirname "$0")/../.."

skip_ccr=0
for a in "$@"; do
  if [[ $a == --skip-ccr ]]; then skip_ccr=1; fi
done

bash scripts/install-deps.sh bench

if [[ -z ${CCPROXY_BIN:-} ]]; then
  cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DCCPROXY_TESTS=OFF >/dev/null
  cmake --build build/release -j"$(nproc)" --target ccproxy
fi

ccr_dir=${CCPROXY_BENCH_CCR_DIR:-build/bench-npm}
ccr_pkg=@musistudio/claude-code-router@2.0.0
if ((!skip_ccr)) && [[ ! -f $ccr_dir/node_modules/@musistudio/claude-code-router/dist/cli.js ]]; then
  mkdir -p "$ccr_dir"
  if ! timeout 180 npm install --prefix "$ccr_dir" --no-audit --no-fund --loglevel=error \
    "$ccr_pkg"; then
    echo "bench: npm install $ccr_pkg failed (npm unreachable?): claude-code-router is skipped" >&2
  fi
fi

# 1,000 streams through a proxy need ~3,000 descriptors: raise the soft limit to the hard one.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

exec python3 tests/bench/bench.py "$@"
