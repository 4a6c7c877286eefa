#!/usr/bin/env bash
# Builds ccproxy (Release) if needed, starts the fleet from profiles/ and prints the status table.
# usage: scripts/run.sh [start options...]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh build
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DCCPROXY_TESTS=OFF >/dev/null
cmake --build build/release -j"$(nproc)" --target ccproxy
exec build/release/cmd/ccproxy --home "$PWD" start "$@"
