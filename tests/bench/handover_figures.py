#!/usr/bin/env python3
"""Requests lost while a worker under load is reloaded, restarted and switched to other
models, and how long until the new settings serve.

usage: tests/bench/handover_figures.py [path/to/ccproxy] [rounds]

A temp home with one profile on a free loopback port, backed by the echo upstream of
tests/supervisor_e2e/load.py (answers name the model they were asked for; streams last about a
second). 8 clients (half streaming, one request per connection) run throughout; each round
edits the profile and reloads, restarts the worker, and switches its model with `ccproxy
model`. Lost = refused, reset, non-200 or cut streams. "new settings serve" = from the command's
start to the end of the first request, sent after that start, answered with the new model.
"""

import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "supervisor_e2e"))

from load import EchoUpstream, Load  # noqa: E402
from test_supervisor import FAST_SUPERVISOR, free_ports  # noqa: E402


def main():
    binary = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build/release/cmd/ccproxy")
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    upstream = EchoUpstream()
    home = tempfile.mkdtemp(prefix="ccp-handover-bench-")
    os.makedirs(os.path.join(home, "profiles"))
    with open(os.path.join(home, "ccproxy.toml"), "w") as f:
        f.write(FAST_SUPERVISOR)
    port = free_ports(1)[0]
    profile = os.path.join(home, "profiles", "w0.toml")

    def write(model):
        with open(profile, "w") as f:
            f.write("port = %d\n[upstream]\nbase_url = \"%s/v1\"\napi_key = \"sk-bench-000000000\"\n"
                    "[models]\nbig = \"%s\"\n" % (port, upstream.url, model))

    def ccproxy(*args):
        return subprocess.run([binary, "--home", home, *args], capture_output=True, text=True,
                              timeout=60, stdin=subprocess.DEVNULL)

    write("m-0")
    assert ccproxy("start").returncode == 0
    figures = {"reload": [], "restart": [], "model": []}
    serial = [0]

    def switch(kind):
        serial[0] += 1
        model = "m-%d" % serial[0]
        if kind == "reload":
            write(model)
            return model, lambda: ccproxy("reload")
        if kind == "model":
            return model, lambda: ccproxy("model", "w0", "big=" + model)
        return None, lambda: ccproxy("restart", "w0")

    try:
        with Load(port) as load:
            time.sleep(1.0)
            for _ in range(rounds):
                for kind in ("reload", "restart", "model"):
                    before = len(load.failures())
                    model, action = switch(kind)
                    start = time.monotonic()
                    r = action()
                    returned = time.monotonic() - start
                    time.sleep(1.5)
                    lost = len(load.failures()) - before
                    served = load.first_serving(model, start) if model else None
                    figures[kind].append((lost, returned,
                                          (served - start) if served else None, r.returncode))
        total = len(load.records)
    finally:
        ccproxy("stop")
        upstream.stop()
    print("%d requests by 8 clients (half streaming), %d rounds" % (total, rounds))
    print("| change | requests lost | command returned (median) | new settings serve (median) |")
    print("|---|---|---|---|")
    for kind, rows in figures.items():
        lost = sum(r[0] for r in rows)
        ret = statistics.median(r[1] for r in rows) * 1000
        serve = [r[2] for r in rows if r[2] is not None]
        serve_text = "%.0f ms" % (statistics.median(serve) * 1000) if serve else "-"
        fails = sum(1 for r in rows if r[3] != 0)
        print("| %s | %d | %.0f ms%s | %s |" % (kind, lost, ret,
                                                 " (%d failed)" % fails if fails else "",
                                                 serve_text))


if __name__ == "__main__":
    main()
