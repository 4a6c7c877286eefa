#!/usr/bin/env python3
"""Idle memory of ccproxy workers, one with a plain-HTTP upstream and one with an HTTPS
upstream: RSS right after start, after serving requests (the 86 KB Claude Code request, as
Claude Code sends it), and after the worker has been idle long enough to give memory back and
close its pooled connections, while /health is asked every 5 s as the supervisor does. Beside
RSS: the private memory (USS: the pages only this worker maps, what stopping it frees), the
PSS (USS plus its fair share of pages it shares with others, e.g. the libraries every worker
of a fleet maps), the anonymous memory (what the process allocated itself), and the time of
the first request after the idle spell against a warm one. Loopback only: the upstream is the
test suite's mock, with a certificate from a CA generated here. Prints one table; takes about
50 s.

usage: tests/bench/idle_rss.py [--requests N] [--breakdown]
--breakdown also prints, for each worker once idle again, the mappings that hold the most RSS.
Binary: $CCPROXY_BIN, else build/release/cmd/ccproxy. Request body: $CCPROXY_BENCH_FIXTURE,
else tests/fixtures/claude-code-request.json.
"""

import argparse
import json
import os
import shutil
import statistics
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
TRIM_AFTER_S = 12  # the worker trims 5-10 s after its last request (a sweep every 5 s)
HEALTH_INTERVAL_S = 5  # the supervisor's default health_interval_s


def reading(pid):
    r = procs.mem_kb(pid)
    r["anon"] = procs.proc_kb(pid, "status", "RssAnon")
    return r


def mappings(pid, top=12):
    """(RSS kB, anonymous kB, name) of the mappings holding the most RSS, summed by name."""
    rss, anon = {}, {}
    name = None
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            parts = line.split()
            if parts and "-" in parts[0] and not parts[0].endswith(":"):
                name = parts[5] if len(parts) >= 6 else "[anonymous]"
            elif parts and parts[0] == "Rss:":
                rss[name] = rss.get(name, 0) + int(parts[1])
            elif parts and parts[0] == "Anonymous:":
                anon[name] = anon.get(name, 0) + int(parts[1])
    ranked = sorted(rss, key=lambda n: -rss[n])[:top]
    return [(rss[n], anon.get(n, 0), n) for n in ranked]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=50)
    ap.add_argument("--breakdown", action="store_true",
                    help="print the largest mappings of each worker once idle again")
    args = ap.parse_args()
    binary = os.environ.get("CCPROXY_BIN") or os.path.join(REPO, "build", "release", "cmd",
                                                           "ccproxy")
    if not os.access(binary, os.X_OK):
        sys.exit(f"idle_rss: no ccproxy binary at {binary} (set CCPROXY_BIN)")
    fixture = os.environ.get("CCPROXY_BENCH_FIXTURE") or os.path.join(
        REPO, "tests", "fixtures", "claude-code-request.json")
    with open(fixture, "rb") as f:
        body = json.loads(f.read())
    body["stream"] = False
    body = json.dumps(body).encode()
    tmp = tempfile.mkdtemp(prefix="ccproxy-idle-rss-")
    services = []
    rows = []
    breakdowns = []
    cold_ms = {}
    try:
        ca, cert, key = mock_upstream.make_certificates(tmp)
        workers = []
        for name, tls in (("plain", None), ("tls", mock_upstream.server_tls_context(cert, key))):
            upstream = mock_upstream.MockUpstream(tls)
            services.append(upstream)
            upstream.default = mock_upstream.json_response({
                "id": "c1", "object": "chat.completion", "model": "m",
                "choices": [{"index": 0, "finish_reason": "stop",
                             "message": {"role": "assistant", "content": "hello"}}],
                "usage": {"prompt_tokens": 5, "completion_tokens": 1}})
            home = os.path.join(tmp, name)
            os.makedirs(os.path.join(home, "profiles"))
            port = procs.free_port()
            with open(os.path.join(home, "profiles", f"{name}.toml"), "w") as f:
                f.write(f'port = {port}\n[upstream]\nbase_url = "{upstream.url}/v1"\n'
                        f'api_key = "sk-idle"\nformat = "openai"\nca_file = "{ca}"\n'
                        '[models]\nbig = "m"\n')
            worker = procs.Service(name, [binary, "--home", home, "run", "--profile", name],
                                   os.path.join(tmp, f"{name}.out")).start()
            services.append(worker)
            procs.wait_http_ok(f"http://127.0.0.1:{port}/health", worker)
            workers.append((name, worker, port))
        time.sleep(1.0)
        for name, worker, _ in workers:
            rows.append((name, "started, no request yet", reading(worker.pid)))

        def post(port):
            t0 = time.perf_counter()
            req = urllib.request.Request(f"http://127.0.0.1:{port}/v1/messages", data=body,
                                         headers={"content-type": "application/json"})
            with urllib.request.urlopen(req, timeout=10) as r:
                r.read()
            return (time.perf_counter() - t0) * 1000

        warm_ms = {}
        for name, worker, port in workers:
            for _ in range(args.requests):
                post(port)
            warm_ms[name] = statistics.median(post(port) for _ in range(9))
        time.sleep(0.5)
        for name, worker, _ in workers:
            rows.append((name, f"right after {args.requests} requests", reading(worker.pid)))

        def idle_for(seconds):
            # The supervisor asks every worker for /health every 5 s: so does this wait.
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                for _, _, port in workers:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5).read()
                time.sleep(min(HEALTH_INTERVAL_S, max(0.0, end - time.monotonic())))

        idle_for(TRIM_AFTER_S)
        for name, worker, _ in workers:
            rows.append((name, f"idle {TRIM_AFTER_S} s, /health every {HEALTH_INTERVAL_S} s",
                         reading(worker.pid)))
        idle_for(POOL_IDLE_S + 10 - TRIM_AFTER_S)
        for name, worker, _ in workers:
            rows.append((name, f"idle {POOL_IDLE_S + 10} s (pooled connections closed)",
                         reading(worker.pid)))
            if args.breakdown:
                breakdowns.append((name, mappings(worker.pid)))
        for name, worker, port in workers:
            cold_ms[name] = post(port)
            rows.append((name, "after one more request", reading(worker.pid)))
    finally:
        for s in reversed(services):
            s.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    print("| upstream | worker | private (USS) MB | PSS MB | RSS MB | anonymous MB |")
    print("|---|---|---|---|---|---|")
    for name, when, r in sorted(rows, key=lambda x: x[0] != "plain"):
        print(f"| {'HTTPS' if name == 'tls' else 'plain HTTP'} | {when} | {r['uss'] / 1024:.1f} | "
              f"{r['pss'] / 1024:.1f} | {r['rss'] / 1024:.1f} | {r['anon'] / 1024:.1f} |")
    for name in ("plain", "tls"):
        if name in cold_ms:
            print(f"\n{'HTTPS' if name == 'tls' else 'plain HTTP'}: one request (new client "
                  f"connection) took {warm_ms[name]:.2f} ms warm (median of 9) and "
                  f"{cold_ms[name]:.2f} ms as the first one after the idle spell")
    for name, top in breakdowns:
        print(f"\nlargest mappings, {'HTTPS' if name == 'tls' else 'plain HTTP'} worker, idle again:")
        for kb, anon_kb, what in top:
            print(f"  {kb:7d} kB RSS ({anon_kb:6d} kB anonymous)  {what}")


if __name__ == "__main__":
    main()
