"""The supervisor against mishaps and forgeries: its state directory removed under it, a pid
file forged to point at an unrelated process with its true start time. Real binary, temp
home, loopback ports; every wait bounded."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import unittest

from test_supervisor import (BIN, SupervisorCase, cmdline_of, pid_alive, port_free,
                             processes_mentioning, wait_for)


@unittest.skipUnless(BIN and os.path.exists(BIN), "CCPROXY_BIN not set")
class SupervisorHardeningTest(SupervisorCase):
    def supervisors(self):
        """Pids of supervisor processes of this home (not workers)."""
        out = []
        for pid in processes_mentioning(self.home):
            words = cmdline_of(pid).split()
            if "run" not in words and {"supervise", "start"} & set(words):
                out.append(pid)
        return out

    @staticmethod
    def ask_socket_file(path, request):
        """One request over the socket file itself (not the abstract name): its JSON reply."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as c:
            c.settimeout(5)
            c.connect(path)
            c.sendall((json.dumps(request) + "\n").encode())
            reply = b""
            while not reply.endswith(b"\n"):
                chunk = c.recv(65536)
                if not chunk:
                    break
                reply += chunk
        return json.loads(reply)

    def test_removing_pids_dir_neither_hides_the_fleet_nor_allows_a_second_supervisor(self):
        fleet = self.make_fleet(2)
        self.start_ok()
        workers = {n: w["pid"] for n, w in self.workers().items()}
        first = wait_for(self.supervisors, 5)
        self.assertEqual(len(first), 1, first)
        shutil.rmtree(os.path.join(self.home, "pids"))

        # The supervisor makes pids/ again with its own files: its pid file, and the control
        # socket file, which answers again.
        sock = os.path.join(self.home, "pids", "ccproxy.sock")
        own = os.path.join(self.home, "pids", "supervisor.json")
        self.assertTrue(wait_for(lambda: os.path.exists(sock) and os.path.exists(own), 5),
                        "pids/ccproxy.sock and pids/supervisor.json were not made again")
        with open(own) as f:
            self.assertEqual([json.load(f)["pid"]], first)
        reply = self.ask_socket_file(sock, {"op": "status"})
        self.assertEqual((reply["ok"], reply["pid"]), (True, first[0]))

        # A second start must find the running supervisor, not start another one.
        r = self.ccproxy("start")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        time.sleep(0.5)
        self.assertEqual(self.supervisors(), first, "a second supervisor runs for one home")
        for name, pid in workers.items():
            self.assertTrue(pid_alive(pid), f"{name} was stopped by the second start")

        # status still sees the fleet.
        code, st = self.status()
        self.assertEqual({w["name"]: w["pid"] for w in st["workers"]}, workers)

        # stop finds and stops everything, and says so.
        r = self.ccproxy("stop")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertNotIn("nothing was running", r.stdout + r.stderr)
        for pid in list(workers.values()) + first:
            self.assertTrue(wait_for(lambda: not pid_alive(pid), 10), f"{pid} still runs")
        for port in fleet.values():
            self.assertTrue(wait_for(lambda: port_free(port), 5), f"port {port} still busy")

    def test_forged_pid_file_with_true_start_time_is_never_signalled(self):
        fleet = self.make_fleet(1)
        # An unrelated process whose command line even names this home. (`sleep 60 HOME` would
        # exit at once: sleep takes no path.)
        victim_argv = [sys.executable, "-c", "import time; time.sleep(60)", self.home]
        victim = subprocess.Popen(victim_argv, start_new_session=True)
        self.children.append(victim)
        with open(f"/proc/{victim.pid}/stat") as f:
            start_time = int(f.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/sys/kernel/random/boot_id") as f:
            boot_id = f.read().strip()
        os.makedirs(os.path.join(self.home, "pids"), exist_ok=True)
        rec = {"pid": victim.pid, "profile": "w0", "port": fleet["w0"],
               "start_time": start_time, "boot_id": boot_id,
               "cmdline": victim_argv}
        with open(os.path.join(self.home, "pids", "w0.json"), "w") as f:
            json.dump(rec, f)
        r = self.ccproxy("stop", "w0")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        time.sleep(0.3)
        self.assertIsNone(victim.poll(), "a process that is no worker of this home was signalled")
        self.start_ok()
        self.assertNotEqual(self.workers()["w0"]["pid"], victim.pid)
        r = self.ccproxy("stop")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        time.sleep(0.3)
        self.assertIsNone(victim.poll(), "a process that is no worker of this home was signalled")
        os.killpg(victim.pid, signal.SIGKILL)


if __name__ == "__main__":
    unittest.main()
