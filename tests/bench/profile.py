#!/usr/bin/env python3
"""Where a ccproxy worker spends its time under load: the static nginx upstream, one worker,
wrk on one scenario, and `perf record` (software cpu-clock, works without hardware counters)
on the worker; falls back to `valgrind --tool=callgrind` when perf cannot sample. Prints the top
symbols. Loopback only, bounded.

usage: tests/bench/profile.py [--body 86KB|small] [--mode non-stream|stream] [--seconds N]
       [--conns N] [--tool perf|callgrind|massif] [--streams N]
  e.g. --tool massif --streams 300: where the memory of 300 open streams goes.
Binary: $CCPROXY_BIN, else build/release/cmd/ccproxy (build it with tests/bench/run.sh or
scripts/run.sh first).
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)

import bench  # noqa: E402
import nginx_conf  # noqa: E402
import procs  # noqa: E402
import upstream_fixtures  # noqa: E402
import wrk_run  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--body", choices=bench.BODIES, default="86KB")
    ap.add_argument("--mode", choices=bench.MODES, default="non-stream")
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--conns", type=int, default=16)
    ap.add_argument("--tool", choices=("perf", "callgrind", "massif"), default="perf")
    ap.add_argument("--streams", type=int, default=0,
                    help="instead of wrk: this many slow concurrent streams (memory profile)")
    ap.add_argument("--top", type=int, default=30, help="rows to print (0: all)")
    args = ap.parse_args()
    fixture = os.environ.get("CCPROXY_BENCH_FIXTURE") or os.path.abspath(
        os.path.join(REPO, "tests", "fixtures", "claude-code-request.json"))
    binary = os.environ.get("CCPROXY_BIN") or os.path.join(REPO, "build", "release", "cmd",
                                                           "ccproxy")
    out = os.path.join(HERE, "out")
    os.makedirs(out, exist_ok=True)

    ns = argparse.Namespace(fixture=fixture, ccproxy=binary, out=out, quick=True,
                            scale_stream_s=2, skip_ccr=True, ccr_dir="", skip_ccproxy=True,
                            ccproxy_log_level=os.environ.get("CCPROXY_BENCH_LOG_LEVEL", "info"))
    b = bench.Bench(ns)
    tool = args.tool
    if tool == "perf":
        probe = subprocess.run(["perf", "record", "-e", "cpu-clock", "-o", os.devnull, "true"],
                               capture_output=True)
        if probe.returncode != 0:
            print("profile: perf cannot record here, using callgrind", flush=True)
            tool = "callgrind"
    try:
        files_dir = os.path.join(b.tmp, "files")
        os.makedirs(files_dir)
        os.chmod(files_dir, 0o755)
        b.files = upstream_fixtures.write_all(files_dir, fixture)
        for p in b.files.values():
            os.chmod(p, 0o644)
        up_port = procs.free_port()
        up = b.nginx("upstream", nginx_conf.upstream_conf(
            os.path.join(b.tmp, "upstream"), up_port, files_dir, "4k"))
        procs.wait_port(up_port, up)
        variant = "sse" if args.mode == "stream" else "json"
        if args.streams:
            variant = "slow"
        home = os.path.join(b.tmp, "ccproxy-home")
        os.makedirs(os.path.join(home, "profiles"))
        port = procs.free_port()
        with open(os.path.join(home, "profiles", "bench.toml"), "w") as f:
            f.write(f'port = {port}\nlog_level = "{ns.ccproxy_log_level}"\n\n[upstream]\n'
                    f'base_url = "http://127.0.0.1:{up_port}/{variant}/v1"\n'
                    f'api_key = "sk-bench-upstream-key"\n\n[models]\nbig = "bench/model-large"\n'
                    f'middle = "bench/model-large"\nsmall = "bench/model-small"\n')
        argv = [binary, "--home", home, "run", "--profile", "bench"]
        vg_out = os.path.join(out, f"{tool}.out")
        if tool in ("callgrind", "massif"):
            argv = ["valgrind", f"--tool={tool}", f"--{tool}-out-file={vg_out}"] + argv
        svc = b.start(procs.Service("ccproxy", argv, os.path.join(out, "profile-ccproxy.out")))
        procs.wait_http_ok(f"http://127.0.0.1:{port}/health", svc, timeout=60)
        url = f"http://127.0.0.1:{port}/v1/messages?beta=true"
        req = b.files[bench.REQ_FILE[(args.body, "stream" if args.streams else args.mode)]]
        if not args.streams:
            wrk_run.run(url, req, args.conns, 1, 2)  # warm-up
        perf_data = os.path.join(out, "perf.data")
        rec = None
        if tool == "perf":
            rec = subprocess.Popen(
                ["perf", "record", "-e", "cpu-clock", "-F", "1999", "--call-graph",
                 os.environ.get("BENCH_CALL_GRAPH", "dwarf,16384"), "-o", perf_data, "-p",
                 str(svc.pid), "--", "sleep", str(args.seconds + 1)],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(0.5)
        if args.streams:
            with procs.RssSampler([svc.pid]) as rs:
                p = subprocess.run(
                    [sys.executable, os.path.join(HERE, "stream_clients.py"), "--url", url,
                     "--body", req, "--clients", str(args.streams), "--ramp", "1",
                     "--timeout", "120", "--marker", "event: content_block_delta",
                     "--end", "event: message_stop"], capture_output=True, text=True)
            try:
                r = json.loads(p.stdout)
                summary = (f"{r['completed']}/{r['clients']} completed, {r['errors']} errors, "
                           f"{r['peak_concurrent']} open at once")
            except (ValueError, KeyError):
                summary = (p.stdout + p.stderr).strip()[-300:]
            print(f"profile: {args.streams} streams ({args.body} request): {summary}; RSS peak "
                  f"{rs.peak[svc.pid]} KiB, after {procs.tree_rss_kb(svc.pid)} KiB"
                  + (" (under valgrind)" if tool != "perf" else ""), flush=True)
        else:
            r = wrk_run.run(url, req, args.conns, args.seconds, 1 if args.conns == 1 else 2)
            print(f"profile: {args.body} {args.mode} c={args.conns}: {r['rps']} req/s, p50 "
                  f"{r['p50_ms']} ms, p99 {r['p99_ms']} ms, errors {r['non2xx']} non-2xx / "
                  f"{r['socket_errors']} socket; load {bench.load1()}", flush=True)
        if rec:
            rec.wait()
            for children, limit in (("--no-children", "0.7"), ("--children", "4")):
                rep = subprocess.run(
                    ["perf", "report", "-i", perf_data, "--stdio", children, "--sort",
                     "dso,symbol", "--percent-limit", limit, "-g", "none"],
                    capture_output=True, text=True)
                lines = [re.sub(r"(\s+-)*\s*$", "", line)[:160]
                         for line in rep.stdout.splitlines()
                         if line.strip() and not line.startswith("#")]
                if children == "--children":
                    lines = [line for line in lines if "ccproxy::" in line
                             and "ccproxy::cmd::" not in line and "run_worker" not in line]
                    print("-- inclusive (self + callees), ccproxy functions:")
                else:
                    print("-- self time:")
                print("\n".join(lines[: args.top]))
        else:
            b.stop_all()
            viewer = (["callgrind_annotate", "--inclusive=no", vg_out] if tool == "callgrind"
                      else ["ms_print", vg_out])
            rep = subprocess.run(viewer, capture_output=True, text=True)
            lines = rep.stdout.splitlines()
            print("\n".join(lines if args.top == 0 else lines[: args.top + 60]))
    finally:
        b.stop_all()
        shutil.rmtree(b.tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
