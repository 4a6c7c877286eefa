"""Scriptable mock upstreams (plain HTTP and TLS) and a CONNECT proxy for the worker tests.

Python 3 stdlib only. A MockUpstream answers each request with the next queued Action (or the
default one), records every request, and notices when the worker closes its side of the
connection (so tests can assert that a client disconnect cancelled the upstream request).
"""

import json
import os
import select
import socket
import ssl
import subprocess
import threading
import time


class Request:
    def __init__(self, method, target, headers, body):
        self.method = method
        self.target = target
        self.headers = headers  # lower-case name -> value
        self.body = body

    def json(self):
        return json.loads(self.body)


class Action:
    """What the mock does with one request."""

    def __init__(self, kind, status=200, body=b"", headers=None, chunks=None, delay=0.0,
                 hang_after=False, cut_after=False, content_type="application/json"):
        self.kind = kind
        self.status = status
        self.body = body
        self.headers = headers or {}
        self.chunks = chunks or []
        self.delay = delay
        self.hang_after = hang_after
        self.cut_after = cut_after
        self.content_type = content_type


def json_response(obj, status=200, headers=None):
    body = obj if isinstance(obj, (bytes, str)) else json.dumps(obj)
    if isinstance(body, str):
        body = body.encode()
    return Action("whole", status=status, body=body, headers=headers)


def sse_response(events, delay=0.0, hang_after=False, cut_after=False, raw=False, status=200,
                 content_type="text/event-stream"):
    """events: dicts (sent as `data: {json}`), "[DONE]", or raw bytes when raw=True."""
    chunks = []
    for e in events:
        if raw:
            chunks.append(e if isinstance(e, bytes) else e.encode())
        elif e == "[DONE]":
            chunks.append(b"data: [DONE]\n\n")
        else:
            chunks.append(("data: " + json.dumps(e) + "\n\n").encode())
    return Action("sse", status=status, chunks=chunks, delay=delay, hang_after=hang_after,
                  cut_after=cut_after, content_type=content_type)


def hang():
    return Action("hang")


def close_now():
    return Action("close")


def read_request(conn, buf):
    """Reads one HTTP/1.1 request; returns (Request, rest) or (None, b"") on EOF."""
    while b"\r\n\r\n" not in buf:
        data = conn.recv(65536)
        if not data:
            return None, b""
        buf += data
    head, _, rest = buf.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        data = conn.recv(65536)
        if not data:
            return None, b""
        rest += data
    return Request(method, target, headers, rest[:length]), rest[length:]


class MockUpstream:
    def __init__(self, tls_context=None):
        self.requests = []
        self.actions = []
        self.default = json_response({"error": {"message": "no action queued"}}, status=500)
        self.responder = None  # when set: request -> Action, instead of the queue
        self.lock = threading.Lock()
        self.disconnects = []  # monotonic times at which the worker closed a connection
        self.connections = 0
        self.request_times = []
        # When set, called with each Request to choose its Action (strict provider mocks).
        self.responder = None
        self._tls = tls_context
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self.port = self._sock.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept_loop, daemon=True)
        self._thread.start()

    @property
    def url(self):
        return ("https" if self._tls else "http") + "://127.0.0.1:%d" % self.port

    def queue(self, *actions):
        with self.lock:
            self.actions.extend(actions)

    def stop(self):
        self._stop.set()
        try:
            self._sock.close()
        except OSError:
            pass

    def wait_for_disconnect(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if self.disconnects:
                    return self.disconnects[0]
            time.sleep(0.005)
        return None

    def _accept_loop(self):
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _next_action(self):
        with self.lock:
            return self.actions.pop(0) if self.actions else self.default

    def _serve(self, conn):
        with self.lock:
            self.connections += 1
        try:
            if self._tls:
                conn = self._tls.wrap_socket(conn, server_side=True)
            buf = b""
            while True:
                req, buf = read_request(conn, buf)
                if req is None:
                    return
                with self.lock:
                    self.requests.append(req)
                    self.request_times.append(time.monotonic())
                action = self.responder(req) if self.responder else self._next_action()
                if not self._perform(conn, action):
                    return
        except (OSError, ssl.SSLError):
            return
        finally:
            try:
                conn.close()
            except OSError:
                pass

    def _watch_close(self, conn, seconds):
        """Waits up to `seconds` for the worker to close the connection; records when."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not self._stop.is_set():
            r, _, _ = select.select([conn], [], [], 0.01)
            if r:
                try:
                    data = conn.recv(1)
                except (OSError, ssl.SSLError):
                    data = b""
                if not data:
                    with self.lock:
                        self.disconnects.append(time.monotonic())
                    return True
        return False

    def _perform(self, conn, a):
        """Returns True when the connection stays usable for another request."""
        if a.kind == "close":
            return False
        if a.kind == "hang":
            self._watch_close(conn, 30)
            return False
        head = "HTTP/1.1 %d X\r\n" % a.status
        headers = dict(a.headers)
        if a.kind == "whole":
            if a.delay:
                time.sleep(a.delay)
            headers.setdefault("Content-Type", a.content_type)
            headers["Content-Length"] = str(len(a.body))
            conn.sendall((head + "".join("%s: %s\r\n" % kv for kv in headers.items()) +
                          "\r\n").encode() + a.body)
            return True
        headers.setdefault("Content-Type", a.content_type)
        headers["Transfer-Encoding"] = "chunked"
        conn.sendall((head + "".join("%s: %s\r\n" % kv for kv in headers.items()) +
                      "\r\n").encode())
        for c in a.chunks:
            if a.delay:
                time.sleep(a.delay)
            conn.sendall(b"%x\r\n" % len(c) + c + b"\r\n")
        if a.hang_after:
            self._watch_close(conn, 30)
            return False
        if a.cut_after:
            return False
        conn.sendall(b"0\r\n\r\n")
        return True


def make_certificates(directory):
    """A test CA and a server certificate for 127.0.0.1/localhost, made with the openssl CLI.
    Returns (ca_file, cert_file, key_file)."""
    ca_key = os.path.join(directory, "ca.key")
    ca_crt = os.path.join(directory, "ca.crt")
    key = os.path.join(directory, "server.key")
    csr = os.path.join(directory, "server.csr")
    crt = os.path.join(directory, "server.crt")
    ext = os.path.join(directory, "server.ext")
    run = lambda *args: subprocess.run(args, check=True, capture_output=True)
    run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key, "-out",
        ca_crt, "-days", "2", "-subj", "/CN=ccproxy test CA")
    run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj",
        "/CN=localhost")
    with open(ext, "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n"
                "extendedKeyUsage=serverAuth\n")
    run("openssl", "x509", "-req", "-in", csr, "-CA", ca_crt, "-CAkey", ca_key,
        "-CAcreateserial", "-out", crt, "-days", "2", "-extfile", ext)
    return ca_crt, crt, key


def server_tls_context(cert, key):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    return ctx


class ConnectProxy:
    """A tiny HTTP CONNECT proxy; records the CONNECT targets and Proxy-Authorization."""

    def __init__(self, require_auth=None):
        self.connects = []  # (target, proxy-authorization or None)
        self.require_auth = require_auth
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self.port = self._sock.getsockname()[1]
        threading.Thread(target=self._accept_loop, daemon=True).start()

    def stop(self):
        try:
            self._sock.close()
        except OSError:
            pass

    def _accept_loop(self):
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        try:
            buf = b""
            while b"\r\n\r\n" not in buf:
                data = conn.recv(4096)
                if not data:
                    return
                buf += data
            head, _, rest = buf.partition(b"\r\n\r\n")
            lines = head.decode().split("\r\n")
            method, target, _ = lines[0].split(" ", 2)
            auth = None
            for line in lines[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "proxy-authorization":
                    auth = value.strip()
            self.connects.append((target, auth))
            if self.require_auth and auth != self.require_auth:
                conn.sendall(b"HTTP/1.1 407 Proxy Authentication Required\r\n"
                             b"Content-Length: 0\r\n\r\n")
                return
            if method != "CONNECT":
                # Plain HTTP through the proxy: absolute-form target, forwarded as it is.
                if not target.startswith("http://"):
                    conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
                    return
                authority = target[len("http://"):].split("/", 1)[0]
                host, _, port = authority.rpartition(":")
                upstream = socket.create_connection((host, int(port)))
                upstream.sendall(buf)
                self._pipe(conn, upstream)
                return
            if self.require_auth and auth != self.require_auth:
                conn.sendall(b"HTTP/1.1 407 Proxy Authentication Required\r\n"
                             b"Content-Length: 0\r\n\r\n")
                return
            host, _, port = target.rpartition(":")
            upstream = socket.create_connection((host.strip("[]"), int(port)))
            conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            if rest:
                upstream.sendall(rest)
            self._pipe(conn, upstream)
        except OSError:
            pass
        finally:
            conn.close()

    @staticmethod
    def _pipe(a, b):
        socks = [a, b]
        while True:
            r, _, _ = select.select(socks, [], [], 30)
            if not r:
                return
            for s in r:
                data = s.recv(65536)
                if not data:
                    b.close()
                    return
                (b if s is a else a).sendall(data)
