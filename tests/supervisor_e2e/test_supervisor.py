"""End-to-end tests of the supervisor: start/stop/restart/reload/status with real workers.

Runs the real `ccproxy` binary ($CCPROXY_BIN) against a temp home whose profiles listen on free
loopback ports. /health never calls the provider, so the upstream URL points at an unused local
port. Every wait is bounded; tearDown stops the fleet and kills only processes this test started.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

BIN = os.environ.get("CCPROXY_BIN", "")

FAST_SUPERVISOR = """
[supervisor]
start_timeout_s = 10
stop_timeout_s = 3
health_interval_s = 1
health_failures = 3
backoff_initial_s = 0.1
backoff_max_s = 0.4
"""


def free_ports(n):
    socks, ports = [], []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
        ports.append(s.getsockname()[1])
    for s in socks:
        s.close()
    return ports


def port_free(port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def pid_alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False


def processes_mentioning(text):
    """Pids whose command line contains `text` (e.g. this test's home)."""
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in cmd and pid_alive(int(entry)):
            out.append(int(entry))
    return out


def cmdline_of(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def wait_for(predicate, timeout, step=0.05):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            return value
        time.sleep(step)


class SupervisorCase(unittest.TestCase):
    """A temp home with fast supervisor settings, and the helpers to drive a fleet in it."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="ccp-sv-")
        self.home = self.tmp.name
        os.makedirs(os.path.join(self.home, "profiles"))
        with open(os.path.join(self.home, "ccproxy.toml"), "w") as f:
            f.write(FAST_SUPERVISOR)
        self.upstream_port = free_ports(1)[0]  # nothing listens there; /health never calls it
        self.children = []  # processes this test spawned itself

    def tearDown(self):
        for p in self.children:
            if p.poll() is None:
                p.kill()
                p.wait(timeout=5)
        self.ccproxy("stop", timeout=30)
        # Anything of this home still alive is a bug; report it and clean up after ourselves.
        left = processes_mentioning(self.home)
        for pid in left:
            try:
                os.kill(pid, signal.SIGCONT)
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        self.tmp.cleanup()
        self.assertEqual(left, [], "processes of this home survived `ccproxy stop`")

    # -- helpers ---------------------------------------------------------------------------

    def write_profile(self, name, port, model="m-1"):
        with open(os.path.join(self.home, "profiles", f"{name}.toml"), "w") as f:
            f.write(
                f"port = {port}\n"
                "[upstream]\n"
                f'base_url = "http://127.0.0.1:{self.upstream_port}/v1"\n'
                'api_key = "sk-test-000000000000"\n'
                "[models]\n"
                f'big = "{model}-big"\nmiddle = "{model}-mid"\nsmall = "{model}-small"\n'
            )

    def make_fleet(self, n):
        ports = free_ports(n)
        names = [f"w{i}" for i in range(n)]
        for name, port in zip(names, ports):
            self.write_profile(name, port)
        return dict(zip(names, ports))

    def ccproxy(self, *args, timeout=40):
        env = dict(os.environ)
        env.pop("CCPROXY_HOME", None)
        env["NO_COLOR"] = "1"
        return subprocess.run(
            [BIN, "--home", self.home, *args],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
        )

    def status(self):
        r = self.ccproxy("status", "--json", timeout=10)
        return r.returncode, json.loads(r.stdout)

    def workers(self):
        return {w["name"]: w for w in self.status()[1]["workers"]}

    def start_ok(self, *names):
        r = self.ccproxy("start", *names)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        return r

    def supervisor_log(self):
        try:
            with open(os.path.join(self.home, "logs", "ccproxy.log")) as f:
                return f.read()
        except OSError:
            return ""


@unittest.skipUnless(BIN and os.path.exists(BIN), "CCPROXY_BIN not set")
class SupervisorTest(SupervisorCase):
    def test_start_four_ready_status_then_stop_leaves_nothing(self):
        fleet = self.make_fleet(4)
        code, st = self.status()
        self.assertEqual(code, 3, "nothing runs yet: not healthy")
        self.assertFalse(st["supervisor"]["running"])

        r = self.start_ok()
        for name in fleet:
            self.assertIn(name, r.stdout)  # the status table
        code, st = self.status()
        self.assertEqual(code, 0, st)
        self.assertTrue(st["supervisor"]["running"])
        pids = {}
        for w in st["workers"]:
            self.assertEqual(w["state"], "running", w)
            self.assertEqual(w["health"]["result"], "ok", w)
            self.assertEqual(w["port"], fleet[w["name"]])
            self.assertFalse(port_free(w["port"]))
            pids[w["name"]] = w["pid"]
        # pid files with identity
        with open(os.path.join(self.home, "pids", "w0.json")) as f:
            rec = json.load(f)
        self.assertEqual(rec["pid"], pids["w0"])
        self.assertIn("start_time", rec)
        self.assertEqual(os.stat(os.path.join(self.home, "pids", "ccproxy.sock")).st_mode & 0o777,
                         0o600)

        again = self.start_ok()
        self.assertIn("already running", again.stdout)
        self.assertEqual({n: w["pid"] for n, w in self.workers().items()}, pids)

        r = self.ccproxy("stop")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        for name, pid in pids.items():
            self.assertIn(f"stopped {name} (pid {pid})", r.stdout)
            self.assertFalse(pid_alive(pid))
        for port in fleet.values():
            self.assertTrue(port_free(port), f"port {port} still busy")
        self.assertEqual(processes_mentioning(self.home), [])
        self.assertFalse(os.path.exists(os.path.join(self.home, "pids", "w0.json")))
        code, st = self.status()
        self.assertEqual(code, 3)
        self.assertTrue(all(w["state"] == "stopped" for w in st["workers"]))

    def test_kill9_worker_comes_back_with_restarts_1(self):
        self.make_fleet(2)
        self.start_ok()
        victim = self.workers()["w0"]["pid"]
        other = self.workers()["w1"]["pid"]
        os.kill(victim, signal.SIGKILL)

        def back():
            w = self.workers()["w0"]
            return w if w["state"] == "running" and w["pid"] not in (None, victim) else None

        w = wait_for(back, 15)
        self.assertTrue(w, self.workers())
        self.assertEqual(w["restarts"], 1)
        self.assertEqual(w["last_exit"]["signal"], 9)
        self.assertEqual(w["health"]["result"], "ok")
        self.assertEqual(self.workers()["w1"]["pid"], other, "the other worker was touched")
        self.assertIn("exited unexpectedly: signal 9", self.supervisor_log())

        # Stopping one worker leaves the rest and the supervisor running.
        r = self.ccproxy("stop", "w1")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn(f"stopped w1 (pid {other})", r.stdout)
        self.assertFalse(pid_alive(other))
        code, st = self.status()
        self.assertTrue(st["supervisor"]["running"])
        ws = {w["name"]: w for w in st["workers"]}
        self.assertEqual(ws["w1"]["state"], "stopped")
        self.assertEqual(ws["w0"]["state"], "running")
        self.assertEqual(code, 3)
        # And it stays stopped: a requested stop is not a crash.
        time.sleep(0.5)
        self.assertEqual(self.workers()["w1"]["state"], "stopped")

    def test_always_crashing_worker_goes_fatal(self):
        fleet = self.make_fleet(2)
        self.start_ok()
        pid = self.workers()["w0"]["pid"]
        # The profile becomes invalid under the running worker (a user's typo), then the worker
        # dies: every restart now exits at startup.
        with open(os.path.join(self.home, "profiles", "w0.toml"), "a") as f:
            f.write("no_such_key = 1\n")
        os.kill(pid, signal.SIGKILL)
        w = wait_for(lambda: (lambda x: x if x["state"] == "fatal" else None)(
            self.workers()["w0"]), 20)
        self.assertTrue(w, self.workers())
        self.assertIn("failed 5 times", w["message"])
        self.assertEqual(w["last_exit"]["code"], 1)
        self.assertEqual(w["restarts"], 4)
        time.sleep(1.0)
        self.assertEqual(self.workers()["w0"]["state"], "fatal", "fatal must stay down")
        self.assertTrue(port_free(fleet["w0"]))
        code, _ = self.status()
        self.assertEqual(code, 3)
        self.assertEqual(self.workers()["w1"]["state"], "running")

    def test_foreign_listener_is_named_and_left_alone(self):
        fleet = self.make_fleet(2)
        port = fleet["w1"]
        foreign = subprocess.Popen(
            [sys.executable, "-c",
             "import socket,sys,time\n"
             "s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
             f"s.bind(('127.0.0.1',{port})); s.listen(8)\n"
             "print('ready', flush=True); time.sleep(120)\n",
             "start_proxy.py"],
            stdout=subprocess.PIPE, text=True)
        self.children.append(foreign)
        self.addCleanup(foreign.stdout.close)
        self.assertEqual(foreign.stdout.readline().strip(), "ready")
        # A client connected to the foreign listener must never be mistaken for its owner.
        client = socket.create_connection(("127.0.0.1", port))
        self.addCleanup(client.close)

        r = self.ccproxy("start")
        self.assertNotEqual(r.returncode, 0)
        out = r.stdout + r.stderr
        self.assertIn(f"port {port} is held by pid {foreign.pid} ({os.path.basename(sys.executable)}",
                      out.replace(sys.executable, os.path.basename(sys.executable)))
        self.assertIn("start_proxy.py", out)
        self.assertIsNone(foreign.poll(), "the foreign process was killed")
        ws = self.workers()
        self.assertEqual(ws["w1"]["state"], "conflict")
        self.assertEqual(ws["w0"]["state"], "running")
        code, _ = self.status()
        self.assertEqual(code, 3)
        time.sleep(0.5)
        self.assertIsNone(foreign.poll(), "the foreign process was killed")

    def test_stale_pid_file_of_live_unrelated_process_is_never_signalled(self):
        fleet = self.make_fleet(1)
        sleeper = subprocess.Popen(["sleep", "60"])
        self.children.append(sleeper)
        os.makedirs(os.path.join(self.home, "pids"), exist_ok=True)
        with open(f"/proc/{sleeper.pid}/stat") as f:
            start_time = int(f.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/sys/kernel/random/boot_id") as f:
            boot_id = f.read().strip()
        # Looks like a worker record, but the pid now belongs to `sleep 60`.
        rec = {"pid": sleeper.pid, "profile": "w0", "port": fleet["w0"],
               "start_time": start_time + 1, "boot_id": boot_id,
               "cmdline": [BIN, "--home", self.home, "run", "--profile", "w0"]}
        with open(os.path.join(self.home, "pids", "w0.json"), "w") as f:
            json.dump(rec, f)

        # Without a supervisor: stop must not touch it, and reports the stale file.
        r = self.ccproxy("stop", "w0")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("stale pid file", r.stderr)
        self.assertIsNone(sleeper.poll())

        with open(os.path.join(self.home, "pids", "w0.json"), "w") as f:
            json.dump(rec, f)
        self.start_ok()
        self.assertIsNone(sleeper.poll())
        self.assertNotEqual(self.workers()["w0"]["pid"], sleeper.pid)
        r = self.ccproxy("stop")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        time.sleep(0.2)
        self.assertIsNone(sleeper.poll(), "an unrelated process was signalled")

    def test_reload_restarts_only_the_changed_profile(self):
        fleet = self.make_fleet(3)
        self.start_ok()
        before = {n: w["pid"] for n, w in self.workers().items()}
        self.write_profile("w1", fleet["w1"], model="m-2")
        r = self.ccproxy("reload")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("restarting changed w1", r.stdout)
        after = self.workers()
        self.assertEqual(after["w0"]["pid"], before["w0"])
        self.assertEqual(after["w2"]["pid"], before["w2"])
        self.assertNotEqual(after["w1"]["pid"], before["w1"])
        self.assertEqual(after["w1"]["state"], "running")
        self.assertEqual(after["w1"]["models"]["big"], "m-2-big")

        # SIGHUP does the same: a new profile starts, a removed one stops, the rest stay.
        new_port = free_ports(1)[0]
        self.write_profile("w3", new_port)
        os.remove(os.path.join(self.home, "profiles", "w2.toml"))
        sup = self.status()[1]["supervisor"]["pid"]
        os.kill(sup, signal.SIGHUP)
        ok = wait_for(lambda: (lambda ws: "w2" not in ws and ws.get("w3", {}).get("state")
                               == "running")(self.workers()), 15)
        self.assertTrue(ok, self.workers())
        self.assertFalse(pid_alive(before["w2"]))
        self.assertTrue(port_free(fleet["w2"]))
        ws = self.workers()
        self.assertEqual(ws["w0"]["pid"], before["w0"])

    def test_status_with_a_stopped_worker_returns_quickly(self):
        self.make_fleet(2)
        self.start_ok()
        pid = self.workers()["w0"]["pid"]
        os.kill(pid, signal.SIGSTOP)
        try:
            t0 = time.monotonic()
            r = self.ccproxy("status", "--json", timeout=10)
            took = time.monotonic() - t0
            self.assertLess(took, 1.5, f"status took {took:.2f}s with a hung worker")
            self.assertEqual(r.returncode, 3)
            ws = {w["name"]: w for w in json.loads(r.stdout)["workers"]}
            self.assertEqual(ws["w0"]["health"]["result"], "timeout")
            self.assertFalse(ws["w0"]["healthy"])
            self.assertEqual(ws["w1"]["health"]["result"], "ok")
            t0 = time.monotonic()
            table = self.ccproxy("status", timeout=10)
            self.assertLess(time.monotonic() - t0, 1.5)
            self.assertIn("timeout", table.stdout)
        finally:
            os.kill(pid, signal.SIGCONT)

    def test_workers_survive_supervisor_death_and_are_adopted(self):
        fleet = self.make_fleet(2)
        self.start_ok()
        code, st = self.status()
        sup = st["supervisor"]["pid"]
        pids = {w["name"]: w["pid"] for w in st["workers"]}
        os.kill(sup, signal.SIGKILL)
        self.assertTrue(wait_for(lambda: not pid_alive(sup), 5))

        # A lost pid file: the worker is still recognised by its exact command line.
        os.remove(os.path.join(self.home, "pids", "w1.json"))
        code, st = self.status()
        self.assertFalse(st["supervisor"]["running"])
        self.assertEqual(code, 0, st)  # the workers still serve
        for w in st["workers"]:
            self.assertEqual(w["state"], "unmanaged")
            self.assertEqual(w["pid"], pids[w["name"]])

        r = self.start_ok()
        ws = self.workers()
        for name, pid in pids.items():
            self.assertEqual(ws[name]["pid"], pid, "a healthy worker was restarted, not adopted")
            self.assertEqual(ws[name]["state"], "running")
        self.assertIn("adopted", self.supervisor_log())

        # Restart is rolling and gives new pids.
        r = self.ccproxy("restart")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        log = self.supervisor_log()
        ready_w0 = log.rfind("ready w0 ")
        # A restart hands each worker over to its successor, one at a time.
        stop_w1 = log.rfind("handover: starting the successor of w1 ")
        self.assertTrue(0 <= ready_w0 < stop_w1, "w1 was replaced before the new w0 was ready")
        ws = self.workers()
        for name, pid in pids.items():
            self.assertNotEqual(ws[name]["pid"], pid)
            self.assertEqual(ws[name]["state"], "running")

        # Supervisor gone again: stop works from pid files alone.
        sup = self.status()[1]["supervisor"]["pid"]
        os.kill(sup, signal.SIGKILL)
        self.assertTrue(wait_for(lambda: not pid_alive(sup), 5))
        r = self.ccproxy("stop")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        for port in fleet.values():
            self.assertTrue(port_free(port))
        # A predecessor still draining from the restart's handover (its listener closed, its
        # pid file the successor's) ends by itself once drained, within shutdown_grace_s.
        self.assertTrue(wait_for(lambda: processes_mentioning(self.home) == [], 12),
                        processes_mentioning(self.home))

    def test_unknown_name_and_duplicate_ports_are_refused(self):
        fleet = self.make_fleet(2)
        r = self.ccproxy("start", "nope")
        self.assertEqual(r.returncode, 2)
        self.assertIn("nope", r.stderr)
        self.write_profile("dup", fleet["w0"])
        r = self.ccproxy("start")
        self.assertEqual(r.returncode, 1)
        self.assertIn(str(fleet["w0"]), r.stderr)
        self.assertEqual(processes_mentioning(self.home), [], "something started anyway")

    def test_takeover_replaces_a_foreign_listener(self):
        fleet = self.make_fleet(1)
        port = fleet["w0"]
        foreign = subprocess.Popen(
            [sys.executable, "-c",
             "import socket,time\n"
             f"s=socket.socket(); s.bind(('127.0.0.1',{port})); s.listen(8)\n"
             "print('ready', flush=True); time.sleep(120)\n"],
            stdout=subprocess.PIPE, text=True)
        self.children.append(foreign)
        self.addCleanup(foreign.stdout.close)
        self.assertEqual(foreign.stdout.readline().strip(), "ready")
        r = self.ccproxy("start", "--takeover")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn(f"is held by pid {foreign.pid}", r.stderr)
        self.assertIn("taking it over", r.stderr)
        self.assertEqual(foreign.wait(timeout=10), -signal.SIGTERM)
        w = self.workers()["w0"]
        self.assertEqual(w["state"], "running")
        self.assertNotEqual(w["pid"], foreign.pid)

    def test_takeover_question_on_a_terminal(self):
        import pty
        fleet = self.make_fleet(1)
        port = fleet["w0"]
        foreign = subprocess.Popen(
            [sys.executable, "-c",
             "import socket,time\n"
             f"s=socket.socket(); s.bind(('127.0.0.1',{port})); s.listen(8)\n"
             "print('ready', flush=True); time.sleep(120)\n"],
            stdout=subprocess.PIPE, text=True)
        self.children.append(foreign)
        self.addCleanup(foreign.stdout.close)
        self.assertEqual(foreign.stdout.readline().strip(), "ready")
        master, slave = pty.openpty()
        env = dict(os.environ, NO_COLOR="1")
        p = subprocess.Popen([BIN, "--home", self.home, "start"], stdin=slave, stdout=slave,
                             stderr=slave, env=env)
        os.close(slave)
        out = b""
        deadline = time.monotonic() + 10
        while b"[y/N]" not in out and time.monotonic() < deadline:
            try:
                out += os.read(master, 4096)
            except OSError:
                break
        self.assertIn(b"[y/N]", out)
        self.assertIn(f"pid {foreign.pid}".encode(), out)
        os.write(master, b"n\n")
        self.assertEqual(p.wait(timeout=20), 1)
        self.assertIsNone(foreign.poll(), "answered no, yet the foreign process was stopped")
        os.close(master)

    def test_colour_only_on_a_terminal_and_never_with_no_color(self):
        import pty
        self.make_fleet(1)

        def run_on_pty(extra_env):
            master, slave = pty.openpty()
            env = dict(os.environ)
            env.pop("NO_COLOR", None)
            env.update(extra_env)
            p = subprocess.Popen([BIN, "--home", self.home, "status"], stdin=subprocess.DEVNULL,
                                 stdout=slave, stderr=slave, env=env)
            os.close(slave)
            out = b""
            while True:
                try:
                    chunk = os.read(master, 4096)
                except OSError:
                    break
                if not chunk:
                    break
                out += chunk
            p.wait(timeout=10)
            os.close(master)
            return out

        self.assertIn(b"\x1b[", run_on_pty({}))
        self.assertNotIn(b"\x1b[", run_on_pty({"NO_COLOR": "1"}))
        self.assertNotIn("\x1b[", self.ccproxy("status").stdout)  # a pipe: no colour

    def test_hung_worker_is_restarted_after_failed_health_checks(self):
        self.make_fleet(1)
        self.start_ok()
        pid = self.workers()["w0"]["pid"]
        os.kill(pid, signal.SIGSTOP)
        try:
            # health_interval_s = 1, health_failures = 3: replaced after about 3 s.
            w = wait_for(lambda: (lambda x: x if x["state"] == "running" and x["pid"] != pid
                                  else None)(self.workers()["w0"]), 15, step=0.2)
            self.assertTrue(w, self.workers())
            self.assertEqual(w["restarts"], 1)
            self.assertFalse(pid_alive(pid), "the hung worker was left behind")
            self.assertIn("/health failed 3 times", self.supervisor_log())
        finally:
            if pid_alive(pid):
                os.kill(pid, signal.SIGCONT)

    def test_foreground_supervisor_stops_everything_on_sigterm(self):
        fleet = self.make_fleet(2)
        env = dict(os.environ, NO_COLOR="1")
        sup = subprocess.Popen([BIN, "--home", self.home, "start", "--foreground"],
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True, env=env)
        self.children.append(sup)
        self.addCleanup(sup.stderr.close)
        ok = wait_for(lambda: self.status()[0] == 0, 15, step=0.1)
        self.assertTrue(ok, self.workers())
        pids = [w["pid"] for w in self.workers().values()]
        self.assertEqual(self.status()[1]["supervisor"]["pid"], sup.pid)
        # A second supervisor for the same home is refused (the lock).
        r = self.ccproxy("start", "--foreground", timeout=10)
        self.assertEqual(r.returncode, 1)
        self.assertIn("already runs", r.stderr)
        sup.send_signal(signal.SIGTERM)
        self.assertEqual(sup.wait(timeout=20), 0)
        for pid in pids:
            self.assertFalse(pid_alive(pid))
        for port in fleet.values():
            self.assertTrue(port_free(port))
        self.assertEqual(processes_mentioning(self.home), [])

    def test_concurrent_starts_make_one_supervisor_and_clean_old_logs(self):
        self.make_fleet(2)
        logs = os.path.join(self.home, "logs")
        os.makedirs(logs)
        old = os.path.join(logs, "w0.log.20200101-000000")
        with open(old, "w") as f:
            f.write("old\n")
        ten_days_ago = time.time() - 10 * 86400
        os.utime(old, (ten_days_ago, ten_days_ago))
        env = dict(os.environ, NO_COLOR="1")
        procs = [subprocess.Popen([BIN, "--home", self.home, "start"], stdin=subprocess.DEVNULL,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
                 for _ in range(3)]
        codes = [p.wait(timeout=30) for p in procs]
        self.assertEqual(codes, [0, 0, 0])
        supervisors = [pid for pid in processes_mentioning(self.home)
                       if "supervise" in cmdline_of(pid)]
        self.assertEqual(len(supervisors), 1, supervisors)
        self.assertEqual(len(self.workers()), 2)
        self.assertEqual(len({w["pid"] for w in self.workers().values()}), 2)
        self.assertFalse(os.path.exists(old), "retention did not run at supervisor start")


if __name__ == "__main__":
    unittest.main()
