#!/usr/bin/env python3
"""Throughput of two ccproxy builds (and of the newer one with its usage ledger off), measured
in the same run, in turns, so that the drift of a shared machine falls on every variant.

Variants, each one worker with the same single-upstream profile (`[upstream]` + `[models]`:
a pool of one for builds that have pools) in a home of its own, in front of the benchmark's
static nginx upstream:
  base        CCPROXY_BASE_BIN (an earlier build)
  new         CCPROXY_BIN, as shipped (usage ledger on)
  new-noledg  CCPROXY_BIN with `[usage] enabled = false`
For each request kind (small non-stream, small stream, the 86 KB Claude Code request
non-stream) wrk drives the variants in rotating order, round after round; a figure is the
median over the rounds, and the ratios are of medians. Beside throughput (which on a small
machine also measures wrk and nginx competing for the same cores) each round records the
worker's own CPU time (utime + stime of its threads, the ledger's writer thread included)
per request wrk counted. On a shared virtual machine both still drift by 10-30% from round
to round, so with --instructions the script also counts each variant's user-space
instructions per request under valgrind's callgrind (deterministic; the kernel's share,
syscalls and copies, is not in it): one client sends 200 and then 1,000 requests over one
connection to a fresh worker each time, and the difference divided by 800 leaves start-up out. Loopback only; every process is
stopped at the end. Not part of ctest.

usage: CCPROXY_BIN=... CCPROXY_BASE_BIN=... tests/bench/compare_builds.py
           [--rounds 7] [--seconds 3] [--connections 16] [--kinds small-json,small-stream,large-json]
           [--instructions] [--no-wrk]
"""

import argparse
import http.client
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)

import bench  # noqa: E402  (the nginx upstream helper)
import ledger_bench  # noqa: E402  (start_upstream, start_worker)
import procs  # noqa: E402
import wrk_run  # noqa: E402

def cpu_s(pid):
    """utime + stime of a process (all its threads), in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


KINDS = {  # kind: (request file, upstream variant)
    "small-json": ("req-small-json.json", "json"),
    "small-stream": ("req-small-stream.json", "sse"),
    "large-json": ("req-large-json.json", "json"),
}


PAIRS = (("new", "base"), ("new-noledg", "base"), ("new", "new-noledg"))


def paired_ratio(ratios):
    """The median of per-round throughput ratios (the variants of a round ran back to back, so
    the machine's drift mostly cancels in them) and a bootstrap 95% interval of that median."""
    rng = random.Random(1)
    meds = sorted(statistics.median(rng.choices(ratios, k=len(ratios))) for _ in range(2000))
    return statistics.median(ratios), meds[50], meds[1949]


def pin(pid, cpus):
    """Every thread of `pid` (and of its children) onto `cpus`."""
    for p in procs.tree_pids(pid):
        for task in os.listdir(f"/proc/{p}/task"):
            try:
                os.sched_setaffinity(int(task), cpus)
            except OSError:
                pass  # a thread that just ended


def callgrind_instructions(runner, binary, label, up_port, up_variant, ledger_on, body, n):
    """Instructions (callgrind's total Ir) of a fresh worker under valgrind that serves `n`
    requests of `body` over one keep-alive connection and is then stopped."""
    tmp = runner.tmp
    home = os.path.join(tmp, f"cg-{label}-{n}-home")
    os.makedirs(os.path.join(home, "profiles"))
    if not ledger_on:
        with open(os.path.join(home, "ccproxy.toml"), "w") as f:
            f.write("[usage]\nenabled = false\n")
    port = procs.free_port()
    with open(os.path.join(home, "profiles", "bench.toml"), "w") as f:
        f.write(f'port = {port}\nlog_level = "info"\n\n'
                f'[upstream]\nbase_url = "http://127.0.0.1:{up_port}/{up_variant}/v1"\n'
                'api_key = "sk-bench-upstream-key"\n\n[models]\nbig = "bench/model"\n')
    out = os.path.join(tmp, f"cg-{label}-{n}.out")
    with open(os.path.join(tmp, f"cg-{label}-{n}.log"), "w") as log:
        p = subprocess.Popen(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
                              binary, "--home", home, "run", "--profile", "bench"],
                             stdout=subprocess.DEVNULL, stderr=log)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                c.request("GET", "/health")
                c.getresponse().read()
                break
            except OSError:
                if time.monotonic() > deadline or p.poll() is not None:
                    raise RuntimeError(f"worker under valgrind did not start ({label})")
                time.sleep(0.1)
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        headers = {"content-type": "application/json", "x-api-key": "x",
                   "anthropic-version": "2023-06-01"}
        for _ in range(n):
            c.request("POST", "/v1/messages", body=body, headers=headers)
            r = c.getresponse()
            data = r.read()
            if r.status != 200:
                raise RuntimeError(f"{label}: HTTP {r.status}: {data[:200]!r}")
        c.close()
    finally:
        p.send_signal(signal.SIGTERM)
        p.wait(timeout=120)
    with open(out) as f:
        for line in f:
            if line.startswith(("summary:", "totals:")):
                return int(line.split()[1])
    raise RuntimeError(f"no callgrind total in {out}")


def main():
    procs.exit_on_sigterm()
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--seconds", type=int, default=3)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--kinds", default=",".join(KINDS))
    ap.add_argument("--instructions", action="store_true",
                    help="also count instructions per request under callgrind")
    ap.add_argument("--no-wrk", action="store_true", help="skip the wrk rounds")
    ap.add_argument("--pin", action="store_true",
                    help="workers on CPU 0, nginx and wrk on the others (less drift; the "
                         "ledger's thread then shares the worker's core)")
    ap.add_argument("--keep-tmp", action="store_true")
    a = ap.parse_args()
    new_bin = os.environ.get("CCPROXY_BIN", os.path.join(REPO, "build", "release", "cmd",
                                                         "ccproxy"))
    base_bin = os.environ.get("CCPROXY_BASE_BIN")
    if not base_bin or not os.access(base_bin, os.X_OK):
        sys.exit("compare_builds: set CCPROXY_BASE_BIN to the earlier build's binary")
    kinds = [k for k in a.kinds.split(",") if k]
    for k in kinds:
        if k not in KINDS:
            sys.exit(f"compare_builds: unknown kind {k!r} ({', '.join(KINDS)})")
    fixture = os.path.join(REPO, "tests", "fixtures", "claude-code-request.json")
    tmp = tempfile.mkdtemp(prefix="ccproxy-compare-")
    os.chmod(tmp, 0o755)
    runner = bench.Bench.__new__(bench.Bench)  # only its process helpers are used
    runner.tmp, runner.services = tmp, []
    try:
        files, up_port, up = ledger_bench.start_upstream(runner, fixture)
        others = set(range(os.cpu_count() or 1)) - {0}
        if a.pin and others:
            os.sched_setaffinity(0, others)  # this script and what it starts next (wrk)
            pin(up.pid, others)
        variants = (("base", base_bin, True), ("new", new_bin, True),
                    ("new-noledg", new_bin, False))
        print(f"base: {base_bin}\nnew:  {new_bin}")
        if not a.no_wrk:
            print(f"{a.rounds} rounds of {a.seconds} s per variant and kind, {a.connections} "
                  f"connections, variants in rotating order\n", flush=True)
        summary, paired = [], []
        for kind in ([] if a.no_wrk else kinds):
            req_file, up_variant = KINDS[kind]
            body = files[req_file]
            urls, workers, pids = {}, [], {}
            for name, binary, ledger_on in variants:
                svc, port, _ = ledger_bench.start_worker(runner, binary, f"{kind}-{name}",
                                                         up_port, up_variant, ledger_on)
                urls[name] = f"http://127.0.0.1:{port}/v1/messages"
                workers.append(svc)
                if a.pin and others:
                    pin(svc.pid, {0})
                pids[name] = svc.pid
            names = [v[0] for v in variants]
            for name in names:  # warm-up
                wrk_run.run(urls[name], body, a.connections, 1, 2)
            rps = {n: [] for n in names}
            cpu_us = {n: [] for n in names}
            errors = 0
            for r in range(a.rounds):
                order = names[r % len(names):] + names[:r % len(names)]
                line = []
                for name in order:
                    before = cpu_s(pids[name])
                    res = wrk_run.run(urls[name], body, a.connections, a.seconds, 2)
                    used = cpu_s(pids[name]) - before
                    errors += wrk_run.error_count(res)
                    rps[name].append(res["rps"] or 0.0)
                    cpu_us[name].append(used * 1e6 / max(res["requests"] or 1, 1))
                    line.append(f"{name} {res['rps'] or 0:8.0f} ({cpu_us[name][-1]:5.1f} us)")
                print(f"{kind:12} round {r + 1}: " + "  ".join(line) +
                      f"  (load {os.getloadavg()[0]:.1f})", flush=True)
            med = {n: statistics.median(v) for n, v in rps.items()}
            cpu = {n: statistics.median(v) for n, v in cpu_us.items()}
            summary.append((kind, med, cpu, errors))
            paired.append((kind, {pair: paired_ratio([x / y for x, y in zip(rps[pair[0]],
                                                                            rps[pair[1]])])
                                  for pair in PAIRS}))
            for svc in workers:
                svc.stop()
        if a.instructions:
            ir = {}
            for kind in kinds:
                req_file, up_variant = KINDS[kind]
                with open(files[req_file], "rb") as f:
                    body = f.read()
                for name, binary, ledger_on in variants:
                    counts = [callgrind_instructions(runner, binary, f"{kind}-{name}", up_port,
                                                     up_variant, ledger_on, body, n)
                              for n in (200, 1000)]
                    ir[(kind, name)] = (counts[1] - counts[0]) / 800
                print(f"{kind:12} instructions per request: " + "  ".join(
                    f"{name} {ir[(kind, name)]:9.0f}" for name, _, _ in variants), flush=True)
            print()
            print("user-space instructions per request (callgrind; ratios)")
            print(f"{'kind':12} {'base':>9} {'new':>9} {'new-noledg':>10}  {'new/base':>8} "
                  f"{'noledg/base':>11} {'ledger on/off':>13}")
            for kind in kinds:
                b, n, o = ir[(kind, "base")], ir[(kind, "new")], ir[(kind, "new-noledg")]
                print(f"{kind:12} {b:9.0f} {n:9.0f} {o:10.0f}  {n / b:8.3f} {o / b:11.3f} "
                      f"{n / o:13.3f}")
        if not summary:
            return
        print()
        print("median req/s (ratios of medians)")
        print(f"{'kind':12} {'base':>9} {'new':>9} {'new-noledg':>10}  {'new/base':>8} "
              f"{'noledg/base':>11} {'ledger on/off':>13}  errors")
        for kind, med, _, errors in summary:
            print(f"{kind:12} {med['base']:9.0f} {med['new']:9.0f} {med['new-noledg']:10.0f}  "
                  f"{med['new'] / med['base']:8.3f} {med['new-noledg'] / med['base']:11.3f} "
                  f"{med['new'] / med['new-noledg']:13.3f}  {errors}")
        print()
        print("per-round throughput ratios: median (bootstrap 95% interval)")
        print(f"{'kind':12} " + "  ".join(f"{a_ + '/' + b_:>26}" for a_, b_ in PAIRS))
        for kind, by_pair in paired:
            print(f"{kind:12} " + "  ".join(
                f"{m:8.3f} ({lo:.3f} .. {hi:.3f})" for m, lo, hi in
                (by_pair[p] for p in PAIRS)))
        print()
        print("median worker CPU per request, us (ratios of medians)")
        print(f"{'kind':12} {'base':>9} {'new':>9} {'new-noledg':>10}  {'new/base':>8} "
              f"{'noledg/base':>11} {'ledger on/off':>13}")
        for kind, _, cpu, _ in summary:
            print(f"{kind:12} {cpu['base']:9.1f} {cpu['new']:9.1f} {cpu['new-noledg']:10.1f}  "
                  f"{cpu['new'] / cpu['base']:8.3f} {cpu['new-noledg'] / cpu['base']:11.3f} "
                  f"{cpu['new'] / cpu['new-noledg']:13.3f}")
    finally:
        runner.stop_all()
        if a.keep_tmp:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
