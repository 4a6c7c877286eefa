"""Runs wrk with post.lua and parses what it prints: requests/s, latency percentiles, and every
kind of failure (non-2xx responses, connect/read/write/timeout socket errors)."""

import os
import re
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0, "h": 3600000.0}


def _ms(text):
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text.strip())
    if not m:
        raise ValueError(f"unparsed wrk duration '{text}'")
    return float(m.group(1)) * _UNITS[m.group(2)]


def parse(out: str) -> dict:
    res = {"rps": None, "p50_ms": None, "p99_ms": None, "requests": 0, "non2xx": 0,
           "socket_errors": 0, "socket_detail": ""}
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if m:
        res["rps"] = float(m.group(1))
    for pct, key in (("50", "p50_ms"), ("99", "p99_ms")):
        m = re.search(rf"^\s+{pct}%\s+(\S+)", out, re.M)
        if m:
            res[key] = _ms(m.group(1))
    m = re.search(r"(\d+) requests in", out)
    if m:
        res["requests"] = int(m.group(1))
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    if m:
        res["non2xx"] = int(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if m:
        c, r, w, t = (int(x) for x in m.groups())
        res["socket_errors"] = c + r + w + t
        res["socket_detail"] = f"connect {c}, read {r}, write {w}, timeout {t}"
    return res


def error_count(res) -> int:
    """Every failure of one run: non-2xx responses, socket errors, and wrk itself failing."""
    return res["non2xx"] + res["socket_errors"] + (1 if "wrk_failed" in res else 0)


def run(url, body_path, connections, duration_s, threads, timeout_s=10, pace_ms=None):
    """pace_ms: each connection pauses about that long between an answer and its next request
    (post.lua), for latency at a fixed load; None drives every connection flat out."""
    env = dict(os.environ, BENCH_BODY=body_path)
    if pace_ms is not None:
        env["BENCH_PACE_MS"] = str(pace_ms)
    else:
        env.pop("BENCH_PACE_MS", None)
    argv = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{duration_s}s",
            "--latency", "--timeout", f"{timeout_s}s", "-s", os.path.join(HERE, "post.lua"), url]
    p = subprocess.run(argv, env=env, capture_output=True, text=True,
                       timeout=duration_s + timeout_s + 30)
    res = parse(p.stdout)
    res["raw"] = p.stdout + p.stderr
    if p.returncode != 0 or res["rps"] is None:
        res["wrk_failed"] = f"wrk exit {p.returncode}: {p.stderr.strip()[:300]}"
    return res
