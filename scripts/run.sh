#!/usr/bin/env bash
# Builds ccproxy (Release) if needed, checks the profiles, starts the fleet from profiles/ and
# prints the status table. The repository is the fleet's home (profiles/, .env, logs/, pids/).
# usage: scripts/run.sh [start options and profile names...]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh build
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DCCPROXY_TESTS=OFF >/dev/null
cmake --build build/release -j"$(nproc)" --target ccproxy
bin=build/release/cmd/ccproxy

# Every problem at once, before anything starts (a missing REQUESTY_API_KEY is the usual one;
# check then says where to put it).
if ! "$bin" --home "$PWD" check >/dev/null; then
  echo "run.sh: nothing started; fix the problems above, then run scripts/run.sh again" >&2
  exit 1
fi
exec "$bin" --home "$PWD" start "$@"
