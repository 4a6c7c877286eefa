"""ccproxy top in a real terminal (a pseudo-terminal): it draws a row per worker of a running
fleet, arrows select, l shows a log, r restarts after asking, it resizes with the window, asks
each worker at most once a second, and q, Ctrl-C and SIGTERM all give the terminal back as it
was. Without a terminal it refuses and points to `status`."""

import fcntl
import http.server
import json
import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
import unittest
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                                "supervisor_e2e"))
from test_supervisor import BIN, SupervisorCase, free_ports, wait_for  # noqa: E402

LEAVE = b"\x1b[0m\x1b[?25h\x1b[?1049l"
ENTER = b"\x1b[?1049h"


class Screen:
    """The rows ccproxy top wrote: it places every line with ESC[row;1H, so the last text
    written after each placement is what the row shows."""

    POSITION = re.compile(rb"\x1b\[(\d+);1H")
    OTHER = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]")

    def __init__(self):
        self.raw = b""
        self.rows = {}

    def feed(self, data):
        self.raw += data
        self.rows = {}
        frames = self.raw.split(b"\x1b[2J")  # a full redraw clears everything before it
        last = frames[-1]
        parts = self.POSITION.split(last)
        for i in range(1, len(parts) - 1, 2):
            self.rows[int(parts[i])] = self.OTHER.sub(b"", parts[i + 1]).decode(errors="replace")

    def text(self):
        return "\n".join(self.rows[r] for r in sorted(self.rows))

    def row_of(self, name):
        for r in sorted(self.rows):
            if self.rows[r].startswith(name + " "):
                return self.rows[r]
        return None


class FakeWorker(http.server.ThreadingHTTPServer):
    """Holds a profile's port and answers /health (with upstream states) and /metrics like a
    worker, counting the requests it gets."""

    def __init__(self, port):
        self.counts = {"/health": 0, "/metrics": 0}
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", port), FakeHandler)


class FakeHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        with self.server.lock:
            self.server.counts[self.path] = self.server.counts.get(self.path, 0) + 1
        if self.path == "/health":
            body = json.dumps({"status": "healthy", "upstreams": [
                {"name": "requesty", "state": "ok", "cooldown_left_s": 0, "keys_ok": 2,
                 "keys_total": 2, "last_error": None}]}).encode()
        else:
            body = (b"# TYPE ccproxy_requests_total counter\n"
                    b"ccproxy_requests_total{code=\"200\"} 10\n"
                    b"ccproxy_open_streams 7\n")
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@unittest.skipUnless(BIN and os.path.exists(BIN), "CCPROXY_BIN not set")
class TopTest(SupervisorCase):
    def setUp(self):
        super().setUp()
        self.top = None
        self.master = None

    def tearDown(self):
        if self.top is not None and self.top.poll() is None:
            self.top.kill()
            self.top.wait(timeout=5)
        if self.master is not None:
            os.close(self.master)
        super().tearDown()

    def start_top(self, cols=160, rows=30):
        self.master, slave = pty.openpty()
        self.resize(cols, rows, fd=slave)
        self.saved = termios.tcgetattr(slave)
        env = dict(os.environ, NO_COLOR="1", TERM="xterm")
        env.pop("CCPROXY_HOME", None)

        def controlling_tty():
            os.setsid()
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        self.top = subprocess.Popen([BIN, "--home", self.home, "top"], stdin=slave,
                                    stdout=slave, stderr=slave, env=env,
                                    preexec_fn=controlling_tty)
        self.slave = slave
        self.screen = Screen()

    def resize(self, cols, rows, fd=None):
        fcntl.ioctl(self.master if fd is None else fd, termios.TIOCSWINSZ,
                    struct.pack("HHHH", rows, cols, 0, 0))

    def pump(self, seconds):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.master], [], [], 0.05)
            if ready:
                try:
                    data = os.read(self.master, 65536)
                except OSError:
                    return  # the child closed the terminal
                self.screen.feed(data)

    def wait_screen(self, predicate, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.pump(0.1)
            if predicate(self.screen):
                return True
        return False

    def send(self, data):
        os.write(self.master, data)

    def finish(self, timeout=5):
        code = self.top.wait(timeout=timeout)
        self.pump(0.3)
        return code

    def assert_restored(self):
        self.assertTrue(self.screen.raw.startswith(ENTER), self.screen.raw[:40])
        self.assertTrue(self.screen.raw.endswith(LEAVE), self.screen.raw[-60:])
        now = termios.tcgetattr(self.slave)
        self.assertEqual(now, self.saved, "terminal settings not restored")
        self.assertTrue(now[3] & termios.ECHO and now[3] & termios.ICANON)

    def test_draws_the_running_fleet_and_q_restores_the_terminal(self):
        fleet = self.make_fleet(2)
        self.start_ok()
        self.start_top()
        self.assertTrue(self.wait_screen(lambda s: s.row_of("w0") and s.row_of("w1")
                                         and "running" in s.row_of("w1")), self.screen.text())
        title = self.screen.rows[1]
        self.assertIn(self.home, title)
        self.assertIn("supervisor pid", title)
        header = self.screen.rows[2]
        for column in ["NAME", "PORT", "PID", "STATE", "UPTIME", "REQ/S", "STREAMS", "P50", "P99",
                       "TOK/MIN"]:
            self.assertIn(column, header)
        self.assertIn("UPSTREAMS", header)  # each worker reports its pool (here: of one)
        pids = {n: w["pid"] for n, w in self.workers().items()}
        for name, port in fleet.items():
            row = self.screen.row_of(name)
            self.assertIn(str(port), row)
            self.assertIn(str(pids[name]), row)
            self.assertIn("ok", row)
        self.send(b"q")
        self.assertEqual(self.finish(), 0)
        self.assert_restored()

    def test_keys_select_show_the_log_and_restart_after_asking(self):
        fleet = self.make_fleet(2)
        self.start_ok()
        # Rows are in port order: the second row is the worker with the higher port.
        first, second = sorted(fleet, key=fleet.get)
        old_pid = self.workers()[second]["pid"]
        self.start_top()
        self.assertTrue(self.wait_screen(lambda s: s.row_of(second)), self.screen.text())
        self.send(b"\x1b[B")  # down: the second row, drawn in reverse video
        self.assertTrue(self.wait_screen(lambda s: b"\x1b[7m" + second.encode() + b" " in s.raw.rsplit(b"\x1b[1;1H", 1)[-1]),
                        self.screen.text())
        self.send(b"l")
        self.assertTrue(self.wait_screen(lambda s: "log of " + second in s.text()), self.screen.text())
        self.assertTrue(self.wait_screen(lambda s: "listening on" in s.text()
                                         or "started" in s.text()), self.screen.text())
        self.send(b"l")  # back to the table
        self.assertTrue(self.wait_screen(lambda s: s.row_of(first)), self.screen.text())
        self.send(b"r")
        self.assertTrue(self.wait_screen(lambda s: "restart " + second + "? y" in s.text()))
        self.send(b"n")
        self.assertTrue(self.wait_screen(lambda s: "restart of " + second + " cancelled" in s.text()))
        self.assertEqual(self.workers()[second]["pid"], old_pid)
        self.send(b"ry")
        self.assertTrue(self.wait_screen(lambda s: "restarting " + second in s.text()),
                        self.screen.text())
        self.assertTrue(wait_for(lambda: self.workers()[second]["pid"] != old_pid
                                 and self.workers()[second]["state"] == "running", 20))
        self.send(b"q")
        self.assertEqual(self.finish(), 0)
        self.assert_restored()

    def test_ctrl_c_and_sigterm_restore_the_terminal(self):
        self.make_fleet(1)
        self.start_ok()
        for stop in ["ctrl-c", "sigterm"]:
            with self.subTest(stop):
                self.start_top()
                self.assertTrue(self.wait_screen(lambda s: s.row_of("w0")))
                if stop == "ctrl-c":
                    self.send(b"\x03")  # the terminal turns it into SIGINT
                else:
                    self.top.send_signal(signal.SIGTERM)
                self.assertEqual(self.finish(), 0)
                self.assert_restored()
                os.close(self.master)
                os.close(self.slave)
                self.master = None

    def test_resizes_with_the_window(self):
        self.make_fleet(1)
        self.start_ok()
        self.start_top(cols=160, rows=30)
        self.assertTrue(self.wait_screen(lambda s: s.row_of("w0")))
        self.assertIn("TOK/MIN", self.screen.rows[2])
        before = len(self.screen.raw)
        self.resize(40, 12)  # SIGWINCH
        self.assertTrue(self.wait_screen(
            lambda s: len(s.raw) > before and max(len(r) for r in s.rows.values()) <= 40
            and s.row_of("w0") and max(s.rows) <= 12), self.screen.text())
        self.send(b"q")
        self.assertEqual(self.finish(), 0)
        self.assert_restored()

    def test_upstreams_column_and_one_request_per_worker_per_second(self):
        self.make_fleet(1)
        port = free_ports(1)[0]
        self.write_profile("fake", port)
        fake = FakeWorker(port)
        threading.Thread(target=fake.serve_forever, daemon=True).start()
        try:
            self.start_top()
            self.assertTrue(self.wait_screen(lambda s: s.row_of("fake") and "requesty ok 2/2"
                                             in s.row_of("fake")), self.screen.text())
            self.assertIn("UPSTREAMS", self.screen.rows[2])
            self.assertRegex(self.screen.row_of("fake"), r"\s7\s")  # open streams
            with fake.lock:
                start = dict(fake.counts)
            t0 = time.monotonic()
            self.send(b"\x1b[B\x1b[A" * 20)  # keys redraw; they never ask the workers
            self.pump(3)
            with fake.lock:
                counts = dict(fake.counts)
            elapsed = time.monotonic() - t0
            for path in ["/health", "/metrics"]:
                got = counts[path] - start[path]
                self.assertGreaterEqual(got, 2, path)
                self.assertLessEqual(got, int(elapsed) + 1, f"{path}: {got} in {elapsed:.1f} s")
            self.send(b"q")
            self.assertEqual(self.finish(), 0)
        finally:
            fake.shutdown()
            fake.server_close()

    def test_request_figures_come_from_the_metrics(self):
        fleet = self.make_fleet(1)
        self.start_ok()
        self.start_top()
        self.assertTrue(self.wait_screen(lambda s: s.row_of("w0")))
        # The upstream is down: each request ends at once as a failure.
        for _ in range(4):
            req = urllib.request.Request(
                f"http://127.0.0.1:{fleet['w0']}/v1/messages", method="POST",
                data=json.dumps({"model": "claude-sonnet-4-5", "max_tokens": 10,
                                 "messages": [{"role": "user", "content": "hi"}]}).encode(),
                headers={"content-type": "application/json"})
            try:
                urllib.request.urlopen(req, timeout=30)
            except Exception:
                pass
        # ERR/MIN is the cell before UPSTREAMS: 4 failed requests within the minute.
        self.assertTrue(self.wait_screen(
            lambda s: re.search(r" 4  +127\.0\.0\.1:\d+ ", s.row_of("w0")), 15),
                        self.screen.text())
        self.send(b"q")
        self.assertEqual(self.finish(), 0)

    def test_refuses_without_a_terminal(self):
        r = subprocess.run([BIN, "--home", self.home, "top"], stdin=subprocess.DEVNULL,
                           capture_output=True, text=True, timeout=10)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stdout, "")
        self.assertIn("needs a terminal", r.stderr)
        self.assertIn("ccproxy status", r.stderr)


if __name__ == "__main__":
    unittest.main()
