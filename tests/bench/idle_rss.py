#!/usr/bin/env python3
"""Idle memory of one ccproxy worker whose upstream is HTTPS: RSS right after start, after
serving requests over TLS, and after the keep-alive pool has let its connections go. Also the
PSS (the process's fair share of pages it shares with others, e.g. the libraries every worker
of a fleet maps). Loopback only: the upstream is the test suite's mock, with a certificate
from a CA generated here. Prints one table; takes about 40 s.

usage: tests/bench/idle_rss.py [--requests N]
Binary: $CCPROXY_BIN, else build/release/cmd/ccproxy.
"""

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(REPO, "tests", "worker_e2e"))

import mock_upstream  # noqa: E402
import procs  # noqa: E402

POOL_IDLE_S = 30  # the worker's keep-alive pool drops idle upstream connections after this


def pss_kb(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def reading(pid):
    parts = procs.rss_parts_kb(pid)
    return {"rss": procs.vm_rss_kb(pid), "pss": pss_kb(pid), "anon": parts.get("RssAnon", 0)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=20)
    args = ap.parse_args()
    binary = os.environ.get("CCPROXY_BIN") or os.path.join(REPO, "build", "release", "cmd",
                                                           "ccproxy")
    if not os.access(binary, os.X_OK):
        sys.exit(f"idle_rss: no ccproxy binary at {binary} (set CCPROXY_BIN)")
    tmp = tempfile.mkdtemp(prefix="ccproxy-idle-rss-")
    upstream = worker = None
    try:
        ca, cert, key = mock_upstream.make_certificates(tmp)
        upstream = mock_upstream.MockUpstream(mock_upstream.server_tls_context(cert, key))
        upstream.default = mock_upstream.json_response({
            "id": "c1", "object": "chat.completion", "model": "m",
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": "hello"}}],
            "usage": {"prompt_tokens": 5, "completion_tokens": 1}})
        home = os.path.join(tmp, "home")
        os.makedirs(os.path.join(home, "profiles"))
        port = procs.free_port()
        with open(os.path.join(home, "profiles", "tls.toml"), "w") as f:
            f.write(f'port = {port}\n[upstream]\nbase_url = "{upstream.url}/v1"\n'
                    f'api_key = "sk-idle"\nformat = "openai"\nca_file = "{ca}"\n'
                    '[models]\nbig = "m"\n')
        worker = procs.Service("ccproxy", [binary, "--home", home, "run", "--profile", "tls"],
                               os.path.join(tmp, "worker.out")).start()
        procs.wait_http_ok(f"http://127.0.0.1:{port}/health", worker)
        time.sleep(1.0)
        rows = [("started, no request yet", reading(worker.pid))]
        body = json.dumps({"model": "claude-sonnet-4-5", "max_tokens": 64,
                           "messages": [{"role": "user", "content": "hi"}]}).encode()
        for _ in range(args.requests):
            req = urllib.request.Request(f"http://127.0.0.1:{port}/v1/messages", data=body,
                                         headers={"content-type": "application/json"})
            with urllib.request.urlopen(req, timeout=10) as r:
                r.read()
        time.sleep(1.0)
        rows.append((f"after {args.requests} requests over TLS", reading(worker.pid)))
        time.sleep(POOL_IDLE_S + 5)
        rows.append(("idle again (upstream connections closed)", reading(worker.pid)))
    finally:
        if worker:
            worker.stop()
        if upstream:
            upstream.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    print("| worker with an HTTPS upstream | RSS MB | PSS MB | anonymous MB |")
    print("|---|---|---|---|")
    for name, r in rows:
        print(f"| {name} | {r['rss'] / 1024:.1f} | {r['pss'] / 1024:.1f} | {r['anon'] / 1024:.1f} |")


if __name__ == "__main__":
    main()
