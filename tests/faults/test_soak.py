"""Bounded soak of the real ccproxy worker: mixed streaming traffic from several clients, some
of which abort mid-stream, against an upstream that sometimes cuts streams, fails before
streaming, or goes silent. Afterwards: the worker is alive, has no leaked file descriptors,
its VmRSS is back near the baseline, and it exits 0 on SIGTERM.

Runs ~30 s by default (CI); CCPROXY_FAULTS_LONG=1 runs 3 minutes, CCPROXY_SOAK_SECONDS=N any
other length.
"""

import json
import os
import random
import socket
import threading
import time
import unittest

from fault_harness import (LONG, SANITIZED, FaultUpstream, HealthMonitor, Worker, anthropic_request,
                           chunk_bytes, http_head, profile_toml, sse_head)

SECONDS = float(os.environ.get("CCPROXY_SOAK_SECONDS", 180 if LONG else 30))
CLIENTS = 8
FD_TOLERANCE = 8  # idle pooled upstream connections the worker may keep (its pool holds 8)
RSS_TOLERANCE_KB = 32 * 1024


class Upstream:
    """Picks a behaviour per request: mostly good streams, plus cuts, errors and silence."""

    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.counts = {}

    def pick(self):
        with self.lock:
            r = self.rng.random()
            n = self.rng.randint(1, 40)
        kind = ("good" if r < 0.55 else "tools" if r < 0.65 else "cut" if r < 0.77 else
                "error" if r < 0.87 else "silent" if r < 0.95 else "garbage")
        with self.lock:
            self.counts[kind] = self.counts.get(kind, 0) + 1
        return kind, n

    def __call__(self, conn, request):
        kind, n = self.pick()
        if kind == "error":
            body = json.dumps({"error": {"message": "provider overloaded", "type": "server_error"}})
            conn.sendall(http_head(503, "Service Unavailable", length=len(body)) + body.encode())
            return True
        if kind == "garbage":
            conn.sendall(b"\x00\x01garbage\r\n\r\n")
            return False
        conn.sendall(sse_head())
        if kind == "tools":
            conn.sendall(chunk_bytes({"role": "assistant", "tool_calls": [
                {"index": 0, "id": "call_1", "type": "function",
                 "function": {"name": "Read", "arguments": ""}}]}))
            for piece in ['{"file_', 'path": "/tmp/', 'x.txt"}']:
                conn.sendall(chunk_bytes({"tool_calls": [
                    {"index": 0, "function": {"arguments": piece}}]}))
            conn.sendall(chunk_bytes({}, "tool_calls") + b"data: [DONE]\n\n")
            return False
        for i in range(n):
            conn.sendall(chunk_bytes({"content": "word%d " % i}))
            if i % 8 == 0:
                time.sleep(0.002)
            if kind == "cut" and i == n // 2:
                return False  # the upstream drops the stream
        if kind == "silent":
            FaultUpstream.wait_closed_by_peer(self.server, conn, 10)  # idle_s = 1
            return False
        conn.sendall(chunk_bytes({}, "stop") + b"data: [DONE]\n\n")
        return False


def one_request(port, rng, stats, lock):
    body = json.dumps(anthropic_request(stream=True, text="soak " * rng.randint(1, 200)))
    abort_after = rng.randint(1, 3000) if rng.random() < 0.25 else None
    s = socket.create_connection(("127.0.0.1", port), timeout=20)
    try:
        s.sendall(b"POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Connection: close\r\nContent-Length: %d\r\n\r\n" % len(body) +
                  body.encode())
        data = b""
        while True:
            part = s.recv(65536)
            if not part:
                break
            data += part
            if abort_after is not None and len(data) >= abort_after:
                with lock:
                    stats["aborted"] += 1
                return  # the client vanishes mid-response
    finally:
        s.close()
    head, _, payload = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    with lock:
        stats["status_%d" % status] = stats.get("status_%d" % status, 0) + 1
    if status != 200:
        err = json.loads(payload.decode("utf-8"))
        if err.get("type") != "error":
            raise AssertionError("not an Anthropic error: %r" % payload[:300])
        return
    # Chunked transfer encoding: the SSE text is what remains between the size lines.
    text = payload.decode("utf-8")
    if "message_stop" not in text and "event: error" not in text:
        raise AssertionError("stream ended without message_stop or error: %r" % text[-500:])
    with lock:
        stats["ended_stop" if "message_stop" in text else "ended_error"] += 1


class SoakTest(unittest.TestCase):
    def test_soak(self):
        upstream_server = FaultUpstream()
        behaviour = Upstream(seed=1234)
        behaviour.server = upstream_server
        upstream_server.behaviour = behaviour
        worker = Worker(profile_toml(upstream_server.base_url, first_byte_s=2, idle_s=1,
                                     total_s=20, max_retries=1), name="soak")
        try:
            self.run_soak(worker, behaviour)
        finally:
            code = worker.terminate()
            log = worker.log()
            worker.stop()
            upstream_server.close()
        self.assertEqual(code, 0, "exit code after SIGTERM\n" + log[-4000:])

    def run_soak(self, worker, behaviour):
        stats = {"aborted": 0, "ended_stop": 0, "ended_error": 0}
        lock = threading.Lock()
        failures = []
        rng = random.Random(99)
        for _ in range(10):  # warm-up: pool, allocator, conversions
            one_request(worker.port, rng, stats, lock)
        time.sleep(1.5)
        baseline_fds = worker.fd_count()
        baseline_rss = worker.rss_kb()

        deadline = time.monotonic() + SECONDS
        done = [0]

        def client(seed):
            crng = random.Random(seed)
            while time.monotonic() < deadline:
                try:
                    one_request(worker.port, crng, stats, lock)
                except Exception as e:  # noqa: BLE001 - every failure is a finding
                    with lock:
                        failures.append(repr(e))
                with lock:
                    done[0] += 1

        with HealthMonitor(worker, interval=0.5) as monitor:
            threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        print("\nsoak %.0f s: %d requests, %s, upstream %s, peak VmRSS %d kB (baseline %d kB)" %
              (SECONDS, done[0], stats, dict(sorted(behaviour.counts.items())),
               monitor.peak_rss_kb, baseline_rss))
        self.assertTrue(worker.alive(), worker.log()[-4000:])
        self.assertEqual(failures[:5], [])
        self.assertEqual(monitor.failures, [])
        self.assertGreater(done[0], 50)
        self.assertGreater(stats["ended_stop"], 0)
        self.assertGreater(stats["ended_error"], 0)
        self.assertGreater(stats["aborted"], 0)

        # Once every connection is closed: no leaked descriptors, memory back near baseline.
        time.sleep(1.5)  # the idle timeout (1 s) ends any silent upstream left over
        fds = worker.wait_fds_at_most(baseline_fds + FD_TOLERANCE, timeout=15)
        rss = worker.rss_kb()
        print("after: %d fds (baseline %d), VmRSS %d kB (baseline %d kB)" %
              (fds, baseline_fds, rss, baseline_rss))
        self.assertLessEqual(fds, baseline_fds + FD_TOLERANCE)
        if not SANITIZED:  # see fault_harness.SANITIZED
            self.assertLess(rss, baseline_rss + RSS_TOLERANCE_KB)


if __name__ == "__main__":
    unittest.main()
