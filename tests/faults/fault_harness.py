"""Shared pieces of the fault-injection and soak tests: the real ccproxy worker, a raw-socket
upstream whose every connection runs a scripted (mis)behaviour, and probes of the worker
process (health latency, VmRSS, open file descriptors). Python 3 stdlib only.
"""

import http.client
import json
import os
import resource
import select
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "worker_e2e"))
import worker_harness  # noqa: E402  (the worker_e2e harness: starting and reading the worker)

# A long mode for a person at a terminal: CCPROXY_FAULTS_LONG=1 (see the README's Hardening).
LONG = os.environ.get("CCPROXY_FAULTS_LONG") == "1"
# Sanitizer builds run several times slower, so their latency bounds are looser; and ASan keeps
# freed memory in quarantine (up to 256 MB) besides its shadow memory, so VmRSS says nothing
# about the worker there: memory bounds are checked by the normal build, leaks by LSan.
SANITIZED = os.environ.get("CCPROXY_SANITIZED") == "1"


def profile_toml(base_url, first_byte_s=2, idle_s=2, total_s=8, max_retries=0):
    return "\n".join([
        "port = 18199",
        "[upstream]",
        "base_url = %s" % json.dumps(base_url),
        'api_key = "sk-fault-test-0123456789"',
        'format = "openai"',
        "[models]",
        'big = "big-model"',
        'middle = "mid-model"',
        'small = "small-model"',
        "[timeouts]",
        "connect_s = 2",
        "first_byte_s = %s" % first_byte_s,
        "idle_s = %s" % idle_s,
        "total_s = %s" % total_s,
        "[retry]",
        "max_retries = %d" % max_retries,
        "backoff_initial_ms = 20",
        "backoff_max_ms = 50",
    ]) + "\n"


def raise_fd_limit(want):
    """Raises this process's soft RLIMIT_NOFILE (children inherit it); returns the new soft."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = want if hard == resource.RLIM_INFINITY else min(want, hard)
    if target > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


class Worker(worker_harness.Worker):
    """`ccproxy run` on a free port for one throw-away home (the worker_e2e harness), with the
    probes the fault tests need. stop() does not judge the exit status (a fault test may have
    left the worker dead on purpose and checks that itself), only the sanitizers' reports."""

    def __init__(self, profile_text, name="fault"):
        # Sanitizer builds start slower.
        super().__init__(profile_text, name=name, start_timeout=20)

    def alive(self):
        return self.proc.poll() is None

    def terminate(self, timeout=15):
        """SIGTERM; returns the exit code (None if it had to be killed)."""
        if self.proc.poll() is not None:
            return self.proc.returncode
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return None

    def stop(self):
        self.terminate()
        log = self.log()
        self.proc.stdout.close()
        self._stderr.close()
        shutil.rmtree(self.home, ignore_errors=True)
        # Whatever the fault did to it, the worker must not have tripped a sanitizer.
        if "AddressSanitizer" in log or "runtime error:" in log or "LeakSanitizer" in log:
            raise AssertionError("sanitizer report from the worker:\n" + log[-20000:])

    # --- the process, seen from /proc ---
    def rss_kb(self):
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def fd_count(self):
        return len(os.listdir("/proc/%d/fd" % self.proc.pid))

    def wait_fds_at_most(self, limit, timeout=10):
        deadline = time.monotonic() + timeout
        n = self.fd_count()
        while n > limit and time.monotonic() < deadline:
            time.sleep(0.1)
            n = self.fd_count()
        return n

    # --- requests ---
    def post(self, body, path="/v1/messages", timeout=30, headers=None):
        """(status, content-type, raw body); the whole response is read."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        data = body if isinstance(body, (bytes, str)) else json.dumps(body)
        hdrs = {"content-type": "application/json"}
        hdrs.update(headers or {})
        conn.request("POST", path, body=data, headers=hdrs)
        resp = conn.getresponse()
        raw = resp.read()
        conn.close()
        return resp.status, resp.getheader("content-type", ""), raw

    def health(self, timeout):
        """Seconds a GET /health took; raises when it fails or is not 200."""
        start = time.monotonic()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request("GET", "/health")
            resp = conn.getresponse()
            body = resp.read()
        finally:
            conn.close()
        if resp.status != 200 or json.loads(body).get("status") != "healthy":
            raise RuntimeError("health: %d %r" % (resp.status, body[:200]))
        return time.monotonic() - start


class HealthMonitor:
    """Probes /health (a fresh connection each time) every `interval` s while a fault runs,
    and samples the worker's VmRSS; `with HealthMonitor(worker) as m: ...`."""

    def __init__(self, worker, interval=0.1, timeout=None):
        self.worker = worker
        self.interval = interval
        self.timeout = timeout or (5.0 if SANITIZED else 2.0)
        self.latencies = []
        self.failures = []
        self.peak_rss_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            try:
                self.peak_rss_kb = max(self.peak_rss_kb, self.worker.rss_kb())
            except OSError:
                pass
            try:
                self.latencies.append(self.worker.health(self.timeout))
            except Exception as e:  # noqa: BLE001 - every failure is a finding
                self.failures.append(repr(e))
            self._stop.wait(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        return False

    def max_latency(self):
        return max(self.latencies) if self.latencies else float("inf")


class FaultUpstream:
    """A TCP server on 127.0.0.1; each connection runs `behaviour(sock, request_bytes)` in its
    own thread after the request head (and body, by Content-Length) was read. `behaviour` can
    be swapped between tests. Connections still open at close() are shut down."""

    def __init__(self):
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(256)
        self.port = self.listener.getsockname()[1]
        self.base_url = "http://127.0.0.1:%d/v1" % self.port
        self.behaviour = None
        self.requests = 0
        self.closing = threading.Event()
        self._lock = threading.Lock()
        self._conns = set()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self):
        while not self.closing.is_set():
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            with self._lock:
                self._conns.add(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        try:
            buf = b""
            while True:
                while b"\r\n\r\n" not in buf:
                    data = conn.recv(65536)
                    if not data:
                        return
                    buf += data
                head, _, rest = buf.partition(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value.strip())
                while len(rest) < length:
                    data = conn.recv(65536)
                    if not data:
                        return
                    rest += data
                buf = rest[length:]
                with self._lock:
                    self.requests += 1
                keep = self.behaviour(conn, head + b"\r\n\r\n" + rest[:length])
                if not keep:
                    return
        except OSError:
            pass
        finally:
            with self._lock:
                self._conns.discard(conn)
            try:
                conn.close()
            except OSError:
                pass

    def wait_closed_by_peer(self, conn, seconds):
        """Blocks until the worker closes `conn`, the upstream is closing, or `seconds` pass."""
        deadline = time.monotonic() + seconds
        # poll, not select: a test holding a thousand client sockets gives conn a number past
        # select's limit of 1,024.
        poller = select.poll()
        poller.register(conn, select.POLLIN)
        while not self.closing.is_set() and time.monotonic() < deadline:
            if poller.poll(100):
                try:
                    if not conn.recv(65536):
                        return True
                except OSError:
                    return True
        return False

    def close(self):
        self.closing.set()
        self.listener.close()
        with self._lock:
            conns = list(self._conns)
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def http_head(status=200, reason="OK", content_type="application/json", length=None,
              extra=b""):
    h = b"HTTP/1.1 %d %s\r\nContent-Type: %s\r\n" % (status, reason.encode(),
                                                      content_type.encode())
    if length is not None:
        h += b"Content-Length: %d\r\n" % length
    return h + extra + b"\r\n"


def sse_head():
    return (b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
            b"Connection: close\r\n\r\n")


def chunk_bytes(delta, finish=None):
    c = {"id": "chatcmpl-f", "object": "chat.completion.chunk", "model": "provider-model",
         "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
    return b"data: " + json.dumps(c).encode() + b"\n\n"


def anthropic_request(stream=False, text="Hi"):
    return {"model": "claude-sonnet-4-5", "max_tokens": 256, "stream": stream,
            "messages": [{"role": "user", "content": text}]}


def sse_events(raw):
    """[(event, json data)] from a strictly valid UTF-8 Anthropic SSE body (raises otherwise)."""
    text = raw.decode("utf-8")  # strict: invalid UTF-8 is a finding
    events = []
    for block in text.split("\n\n"):
        if not block.strip():
            continue
        event, data = None, None
        for line in block.split("\n"):
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: "):
                data = json.loads(line[6:])
        events.append((event, data))
    return events
