"""Restart, reload and model switches of a running worker under load lose nothing.

8 clients (half streaming, about a second per stream, one request per connection) hammer one
worker while the fleet changes it. Every request must succeed (no refused or reset connection,
no status other than 200, no stream without its end), the streams open at the switch end with
the model they started with, and the requests sent once the command returned get the new one.
"""

import os
import time
import unittest

from load import EchoUpstream, Load
from test_supervisor import BIN, SupervisorCase, free_ports, pid_alive, wait_for

SETTLE_S = 1.0  # load before the switch
AFTER_S = 1.5  # load after it


@unittest.skipUnless(BIN and os.path.exists(BIN), "CCPROXY_BIN not set")
class HandoverTest(SupervisorCase):
    def setUp(self):
        super().setUp()
        self.upstream = EchoUpstream()
        self.upstream_port = self.upstream.port
        self.port = free_ports(1)[0]
        self.write_profile("w0", self.port, model="m-1")
        self.start_ok()

    def tearDown(self):
        super().tearDown()
        self.upstream.stop()

    def under_load(self, action):
        """Runs `action` in the middle of the load; (load, start, end, action's result)."""
        with Load(self.port) as load:
            time.sleep(SETTLE_S)
            at = time.monotonic()
            result = action()
            done = time.monotonic()
            time.sleep(AFTER_S)
        return load, at, done, result

    def assert_nothing_lost(self, load, at):
        self.assertEqual(load.failures(), [], "requests failed during the switch")
        self.assertGreater(len(load.records), 16)
        self.assertTrue(load.spanning(at), "no stream was open during the switch")

    def test_restart_under_load_loses_nothing(self):
        before = self.workers()["w0"]["pid"]
        load, at, _, r = self.under_load(lambda: self.ccproxy("restart", "w0"))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr + self.supervisor_log()[-3000:])
        self.assert_nothing_lost(load, at)
        after = self.workers()["w0"]
        self.assertNotEqual(after["pid"], before)
        self.assertEqual(after["state"], "running")
        self.assertTrue(wait_for(lambda: not pid_alive(before), 10), "old worker still alive")
        self.assertIn("hands the port over", self.supervisor_log())

    def test_start_of_a_running_fleet_under_load_changes_nothing(self):
        before = self.workers()["w0"]["pid"]
        load, at, _, r = self.under_load(lambda: self.ccproxy("start"))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr + self.supervisor_log()[-3000:])
        self.assertIn("already running", r.stdout + r.stderr)
        self.assertEqual(load.failures(), [])
        self.assertEqual(self.workers()["w0"]["pid"], before)

    def test_reload_under_load_streams_keep_their_model(self):
        before = self.workers()["w0"]["pid"]

        def edit_and_reload():
            self.write_profile("w0", self.port, model="m-2")
            return self.ccproxy("reload")

        load, at, done, r = self.under_load(edit_and_reload)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr + self.supervisor_log()[-3000:])
        self.assert_nothing_lost(load, at)
        for rec in load.spanning(at):
            self.assertEqual(rec.model, "m-1-big", rec)
        late = [rec for rec in load.records if rec.start > done]
        self.assertTrue(late)
        self.assertEqual({rec.model for rec in late}, {"m-2-big"})
        self.assertNotEqual(self.workers()["w0"]["pid"], before)

    def test_kill9_of_the_supervisor_under_load_loses_nothing(self):
        sup = self.status()[1]["supervisor"]["pid"]
        pid = self.workers()["w0"]["pid"]

        def kill_and_start():
            os.kill(sup, 9)
            wait_for(lambda: not pid_alive(sup), 5)
            return self.ccproxy("start")

        load, at, _, r = self.under_load(kill_and_start)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr + self.supervisor_log()[-3000:])
        self.assertEqual(load.failures(), [])
        self.assertEqual(self.workers()["w0"]["pid"], pid, "the worker was adopted, not replaced")

    def profile_text(self):
        with open(os.path.join(self.home, "profiles", "w0.toml"), "rb") as f:
            return f.read()

    def test_model_switch_under_load_streams_keep_their_model(self):
        with open(os.path.join(self.home, "profiles", "w0.toml"), "a") as f:
            f.write("# keep me\n[presets.fast]\nbig = \"p-fast\"\n")
        before = self.profile_text()
        load, at, done, r = self.under_load(lambda: self.ccproxy("model", "w0", "big=m-9"))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr + self.supervisor_log()[-3000:])
        self.assert_nothing_lost(load, at)
        for rec in load.spanning(at):
            self.assertEqual(rec.model, "m-1-big", rec)
        late = [rec for rec in load.records if rec.start > done]
        self.assertTrue(late)
        self.assertEqual({rec.model for rec in late}, {"m-9"})
        self.assertEqual(self.profile_text(),
                         before.replace(b'big = "m-1-big"', b'big = "m-9"'))
        # A preset, then `model NAME` shows where each family goes.
        r = self.ccproxy("model", "w0", "fast")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        r = self.ccproxy("model", "w0")
        self.assertIn("opus    -> big     p-fast", r.stdout)

    def test_model_refuses_bad_input_and_leaves_the_file_alone(self):
        before = self.profile_text()
        pid = self.workers()["w0"]["pid"]
        for args, code in ((["big=x", "huge=y"], 2), (["nope"], 1), (["big@zai=x"], 1),
                           (["big=a\tb"], 2)):
            r = self.ccproxy("model", "w0", *args)
            self.assertEqual(r.returncode, code, (args, r.stdout, r.stderr))
            self.assertTrue(r.stderr.strip(), args)
            self.assertEqual(self.profile_text(), before, args)
        self.assertEqual(self.workers()["w0"]["pid"], pid)


if __name__ == "__main__":
    unittest.main()
