#!/usr/bin/env python3
"""The usage ledger's cost: throughput of one ccproxy worker with the ledger on and off, in the
same run, and the ledger's size per million requests.

Two workers from the same binary, each in a home of its own (one with `[usage] enabled =
false`), in front of the benchmark's static nginx upstream. wrk drives them in alternating
rounds (off, on, off, on, ...) with the same request, so drift of a shared machine falls on
both; the figure is the ratio of the medians. Then the ledger's rows are counted (every
request must be there) and its file size divided by them, extrapolated to a million rows
(said so in the output). Loopback only; every process is stopped at the end. Not part of ctest.

Every request carries a session id, as Claude Code's do (--no-session: none). --busy-loops N
runs N shell busy loops beside everything, so that no core is ever idle: the ledger's thread
(nice 19) then has only its minimum share of CPU, and the row count shows whether it kept up.

usage: tests/bench/ledger_bench.py [--rounds 5] [--seconds 3] [--connections 16]
       [--mode non-stream|stream] [--body small|large] [--no-session] [--busy-loops N]
       (CCPROXY_BIN: default build/release/cmd/ccproxy)
"""

import argparse
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)

import bench  # noqa: E402  (the nginx upstream helper)
import procs  # noqa: E402
import upstream_fixtures  # noqa: E402
import wrk_run  # noqa: E402
import nginx_conf  # noqa: E402


def start_upstream(runner, fixture):
    """The benchmark's request files and its static nginx upstream, under runner.tmp; returns
    (request files by name, the upstream's port, its service)."""
    files_dir = os.path.join(runner.tmp, "files")
    os.makedirs(files_dir)
    os.chmod(files_dir, 0o755)
    files = upstream_fixtures.write_all(files_dir, fixture)
    for p in files.values():
        os.chmod(p, 0o644)
    up_port = procs.free_port()
    up = runner.nginx("upstream", nginx_conf.upstream_conf(
        os.path.join(runner.tmp, "upstream"), up_port, files_dir, "1k"))
    procs.wait_port(up_port, up)
    return files, up_port, up


def start_worker(runner, binary, label, up_port, variant, ledger_on):
    home = os.path.join(runner.tmp, f"{label}-home")
    os.makedirs(os.path.join(home, "profiles"))
    if not ledger_on:
        with open(os.path.join(home, "ccproxy.toml"), "w") as f:
            f.write("[usage]\nenabled = false\n")
    port = procs.free_port()
    with open(os.path.join(home, "profiles", "bench.toml"), "w") as f:
        f.write(f'port = {port}\nlog_level = "info"\n\n'
                f'[upstream]\nbase_url = "http://127.0.0.1:{up_port}/{variant}/v1"\n'
                'api_key = "sk-bench-upstream-key"\n\n[models]\nbig = "bench/model"\n')
    svc = runner.start(procs.Service(f"ccproxy-{label}", [binary, "--home", home, "run",
                                                           "--profile", "bench"],
                                     os.path.join(runner.tmp, f"{label}.out")))
    procs.wait_http_ok(f"http://127.0.0.1:{port}/health", svc)
    return svc, port, home


def stop_busy(loops):
    """Stops the busy loops this run started (and empties the list)."""
    for p in loops:
        if p.poll() is None:
            p.kill()
        p.wait()
    loops.clear()


def main():
    procs.exit_on_sigterm()
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--seconds", type=int, default=3)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--mode", choices=("non-stream", "stream"), default="non-stream")
    ap.add_argument("--body", choices=("small", "large"), default="small",
                    help="the small request or the 86 KB Claude Code request")
    ap.add_argument("--no-session", action="store_true",
                    help="send no x-claude-code-session-id (rows without a session)")
    ap.add_argument("--busy-loops", type=int, default=0,
                    help="this many busy loops run during the rounds (a machine with no idle CPU)")
    ap.add_argument("--keep-tmp", action="store_true")
    a = ap.parse_args()
    binary = os.environ.get("CCPROXY_BIN", os.path.join(REPO, "build", "release", "cmd",
                                                        "ccproxy"))
    fixture = os.path.join(REPO, "tests", "fixtures", "claude-code-request.json")
    if a.no_session:
        os.environ.pop("BENCH_SESSION", None)
    else:  # post.lua sends it
        os.environ["BENCH_SESSION"] = "5f1c2b9e-7d3a-4c61-9a0e-2b8f6d4e1a73"
    tmp = tempfile.mkdtemp(prefix="ccproxy-ledger-bench-")
    os.chmod(tmp, 0o755)
    runner = bench.Bench.__new__(bench.Bench)  # only its process helpers are used
    runner.tmp, runner.services = tmp, []
    busy = []  # the busy loops (--busy-loops)
    try:
        files, up_port, _ = start_upstream(runner, fixture)
        variant = "json" if a.mode == "non-stream" else "sse"
        body = files[f"req-{a.body}-{'json' if a.mode == 'non-stream' else 'stream'}.json"]
        off = start_worker(runner, binary, "off", up_port, variant, False)
        on = start_worker(runner, binary, "on", up_port, variant, True)
        url = {"off": f"http://127.0.0.1:{off[1]}/v1/messages",
               "on": f"http://127.0.0.1:{on[1]}/v1/messages"}
        for name in ("off", "on"):  # warm-up
            wrk_run.run(url[name], body, a.connections, 1, 2)
        busy += [subprocess.Popen(["sh", "-c", "while :; do :; done"])
                 for _ in range(a.busy_loops)]
        rps = {"off": [], "on": []}
        sent = {"off": 0, "on": 0}
        errors = 0
        for r in range(a.rounds):
            for name in (("off", "on") if r % 2 == 0 else ("on", "off")):
                res = wrk_run.run(url[name], body, a.connections, a.seconds, 2)
                errors += wrk_run.error_count(res)
                rps[name].append(res["rps"] or 0.0)
                sent[name] += res["requests"]
                print(f"round {r + 1} ledger {name:3}: {res['rps']:9.0f} req/s "
                      f"(load {os.getloadavg()[0]:.1f})", flush=True)
        stop_busy(busy)
        on[0].stop()  # SIGTERM: the worker writes its last rows
        off[0].stop()
        ledger = os.path.join(on[2], "usage.db")
        db = sqlite3.connect(ledger)
        rows = db.execute("SELECT count(*) FROM requests").fetchone()[0]
        with_session = db.execute(
            "SELECT count(*) FROM requests WHERE session IS NOT NULL").fetchone()[0]
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.close()
        size = os.path.getsize(ledger)
        med_off, med_on = statistics.median(rps["off"]), statistics.median(rps["on"])
        print()
        print(f"{a.body} {a.mode} request, {'no session' if a.no_session else 'one session'}, "
              f"{a.busy_loops} busy loops, "
              f"{a.connections} connections, {a.rounds} rounds of {a.seconds} s each, "
              f"alternating")
        print(f"median req/s, ledger off: {med_off:.0f}   on: {med_on:.0f}   "
              f"on/off: {med_on / med_off:.3f} ({(med_on / med_off - 1) * 100:+.1f}%)")
        # Each round's on/off pair ran back to back: the median of their ratios is steadier
        # than the ratio of medians on a machine whose speed drifts; the interval is a
        # bootstrap of that median (2,000 resamples).
        ratios = [x / y for x, y in zip(rps["on"], rps["off"]) if y > 0]
        if ratios:
            rng = random.Random(1)
            meds = sorted(statistics.median(rng.choices(ratios, k=len(ratios)))
                          for _ in range(2000))
            print(f"median of the {len(ratios)} paired rounds' on/off: "
                  f"{statistics.median(ratios):.3f} (95% interval {meds[50]:.3f} .. "
                  f"{meds[1949]:.3f})")
        print(f"errors (non-2xx + socket): {errors}")
        print(f"ledger rows: {rows} (requests wrk counted through 'on', warm-up excluded: "
              f"{sent['on']}; the warm-up adds its own); with a session: {with_session}")
        print(f"ledger file: {size} bytes = {size / max(rows, 1):.0f} bytes per row; "
              f"extrapolated from {rows} rows: {size / max(rows, 1):.0f} MB per million requests")
        with open(os.path.join(on[2], "logs", "bench.log"), errors="replace") as f:
            dropped = [ln for ln in f.read().splitlines() if "rows not recorded" in ln]
        print(f"ledger warnings (dropped rows): {len(dropped)}")
        for ln in dropped[:5]:
            print("  " + ln)
    finally:
        stop_busy(busy)
        runner.stop_all()
        if a.keep_tmp:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
