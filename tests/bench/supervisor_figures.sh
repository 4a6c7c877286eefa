#!/usr/bin/env bash
# Measures (never asserts) the supervisor's figures for the README:
#   - time from `ccproxy start` to 4 workers ready (start returns only once all are ready)
#   - `ccproxy status` wall time with 4 workers running (table and --json)
# Uses a temp home and free loopback ports; stops everything it started.
# usage: tests/bench/supervisor_figures.sh [path/to/ccproxy] [runs]
set -euo pipefail

BIN=${1:-${CCPROXY_BIN:-}}
RUNS=${2:-10}
if [[ -z "$BIN" || ! -x "$BIN" ]]; then
  echo "usage: $0 path/to/ccproxy [runs]" >&2
  exit 2
fi
BIN=$(readlink -f "$BIN")
HOME_DIR=$(mktemp -d /tmp/ccproxy-figures.XXXXXX)
cleanup() {
  "$BIN" --home "$HOME_DIR" stop >/dev/null 2>&1 || true
  rm -rf "$HOME_DIR"
}
trap cleanup EXIT

mkdir -p "$HOME_DIR/profiles"
read -r -a PORTS <<<"$(python3 -c '
import socket
ss = [socket.socket() for _ in range(5)]
for s in ss: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in ss))
for s in ss: s.close()')"
UPSTREAM=${PORTS[4]}
for i in 0 1 2 3; do
  cat >"$HOME_DIR/profiles/w$i.toml" <<TOML
port = ${PORTS[$i]}
[upstream]
base_url = "http://127.0.0.1:$UPSTREAM/v1"
api_key = "sk-figures-000000000000"
[models]
big = "m-big"
middle = "m-mid"
small = "m-small"
TOML
done

now_ns() { date +%s%N; }
stats() {  # prints min / median / max in ms from ns values on stdin
  sort -n | awk '{ v[NR] = $1 / 1e6 } END {
    m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
    printf "min %.1f ms, median %.1f ms, max %.1f ms (n=%d)\n", v[1], m, v[NR], NR }'
}

echo "ccproxy supervisor figures ($(nproc) cores, $RUNS runs, binary $BIN)"

# 1. Cold start: no supervisor running; `start` launches it and returns once 4 are ready.
start_times=()
for ((r = 0; r < RUNS; r++)); do
  t0=$(now_ns)
  if ! "$BIN" --home "$HOME_DIR" start >/dev/null 2>&1; then
    echo "start failed on run $r:" >&2
    "$BIN" --home "$HOME_DIR" status >&2 || true
    exit 1
  fi
  t1=$(now_ns)
  start_times+=($((t1 - t0)))
  "$BIN" --home "$HOME_DIR" stop >/dev/null
done
printf 'start -> 4 workers ready (cold, supervisor included): '
printf '%s\n' "${start_times[@]}" | stats

# 2. Status with 4 running workers.
"$BIN" --home "$HOME_DIR" start >/dev/null
status_times=()
json_times=()
for ((r = 0; r < RUNS * 3; r++)); do
  t0=$(now_ns)
  "$BIN" --home "$HOME_DIR" status >/dev/null
  t1=$(now_ns)
  "$BIN" --home "$HOME_DIR" status --json >/dev/null
  t2=$(now_ns)
  status_times+=($((t1 - t0)))
  json_times+=($((t2 - t1)))
done
printf 'status (table), 4 workers:                      '
printf '%s\n' "${status_times[@]}" | stats
printf 'status --json, 4 workers:                       '
printf '%s\n' "${json_times[@]}" | stats

# 3. Stop of 4 workers (SIGTERM, wait for exit and free ports, supervisor exits).
t0=$(now_ns)
"$BIN" --home "$HOME_DIR" stop >/dev/null
t1=$(now_ns)
printf 'stop 4 workers + supervisor:                    %.1f ms\n' "$(echo "$((t1 - t0))" | awk '{print $1/1e6}')"
