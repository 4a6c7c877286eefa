"""The real ccproxy binary: `logs` (tail, follow across rotation/truncation) and `clean-logs`
(retention, dry run, concurrent runs, broken profiles). Bounded in time; temp homes only."""

import os
import queue
import signal
import subprocess
import tempfile
import threading
import time
import unittest

BIN = os.environ.get("CCPROXY_BIN", "ccproxy")
DAY = 24 * 3600


class Home:
    def __init__(self):
        self._tmp = tempfile.TemporaryDirectory(prefix="ccproxy-logs-cli-")
        self.root = self._tmp.name
        self.logs = os.path.join(self.root, "logs")
        os.makedirs(self.logs, mode=0o700)
        os.makedirs(os.path.join(self.root, "profiles"))

    def log(self, name):
        return os.path.join(self.logs, name)

    def write(self, name, data, mode="w"):
        with open(self.log(name), mode) as f:
            f.write(data)

    def cleanup(self):
        self._tmp.cleanup()


def run(home, *args, timeout=20):
    return subprocess.run([BIN, "--home", home.root, *args], capture_output=True, text=True,
                          timeout=timeout)


def stamp_line(second, text):
    return "2026-11-21 10:00:%02d.000 info  [x] %s\n" % (second, text)


class Follower:
    """A `ccproxy logs -f` child whose stdout lines arrive on a queue."""

    def __init__(self, home, *args):
        self.proc = subprocess.Popen([BIN, "--home", home.root, "logs", "-f", *args],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.lines = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def expect(self, count, timeout=5.0):
        got = []
        deadline = time.monotonic() + timeout
        while len(got) < count:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            try:
                got.append(self.lines.get(timeout=left))
            except queue.Empty:
                break
        return got

    def quiet(self, seconds=0.6):
        """Lines that arrive within `seconds` (expected: none)."""
        time.sleep(seconds)
        out = []
        while not self.lines.empty():
            out.append(self.lines.get())
        return out

    def stop(self, sig=signal.SIGINT):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=5)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            self.proc.stdout.close()
            self.proc.stderr.close()


class LogsCommandTest(unittest.TestCase):
    def setUp(self):
        self.home = Home()
        self.addCleanup(self.home.cleanup)

    def test_tail_one_log(self):
        self.home.write("glm.log", "".join("line %d\n" % i for i in range(100)))
        r = run(self.home, "logs", "glm", "-n", "3")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, "line 97\nline 98\nline 99\n")
        r = run(self.home, "logs", "glm")
        self.assertEqual(len(r.stdout.splitlines()), 50)

    def test_tail_tops_up_from_the_newest_archive_after_a_rotation(self):
        self.home.write("glm.log.20261120-000000", "old 1\nold 2\n")
        self.home.write("glm.log.20261121-000000", "prev 1\nprev 2\n")
        self.home.write("glm.log", "cur 1\n")
        r = run(self.home, "logs", "glm", "-n", "3")
        self.assertEqual(r.stdout, "prev 1\nprev 2\ncur 1\n")

    def test_all_logs_are_prefixed_and_merged_by_time(self):
        self.home.write("glm.log", stamp_line(1, "g1") + stamp_line(3, "g3"))
        self.home.write("ccproxy.log", stamp_line(2, "c2"))
        r = run(self.home, "logs", "-n", "10")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.splitlines(), [
            "glm     | " + stamp_line(1, "g1").rstrip("\n"),
            "ccproxy | " + stamp_line(2, "c2").rstrip("\n"),
            "glm     | " + stamp_line(3, "g3").rstrip("\n"),
        ])

    def test_unknown_name_is_a_usage_error(self):
        r = run(self.home, "logs", "nope")
        self.assertEqual(r.returncode, 2)
        self.assertIn("no profile or log named 'nope'", r.stderr)
        r = run(self.home, "logs", "../etc/passwd")
        self.assertEqual(r.returncode, 2)

    def test_follow_across_rotation_and_truncation(self):
        path = self.home.log("glm.log")
        self.home.write("glm.log", "a\nb\nc\n")
        f = Follower(self.home, "glm", "-n", "2")
        try:
            self.assertEqual(f.expect(2), ["b", "c"])
            self.home.write("glm.log", "d\n", "a")
            self.assertEqual(f.expect(1), ["d"])
            # Rotation by rename: a late line still reaches the old file, then the new file.
            archive = self.home.log("glm.log.20261121-000000")
            os.rename(path, archive)
            with open(archive, "a") as old:
                old.write("e (late, in the archive)\n")
            time.sleep(0.3)
            self.home.write("glm.log", "f (new file)\n")
            self.assertEqual(f.expect(2), ["e (late, in the archive)", "f (new file)"])
            # Truncation: reading starts over.
            with open(path, "w") as new:
                new.write("")
            time.sleep(0.3)
            self.home.write("glm.log", "g\n", "a")
            self.assertEqual(f.expect(1), ["g"])
            self.assertEqual(f.quiet(), [])
        finally:
            self.assertEqual(f.stop(), 0)

    def wait_until_following(self, f, name):
        """Appends "ready N" lines to `name` until the follower prints one, then takes the rest
        of them: from then on every line written reaches it. (`-n 0` starts at the end of the
        file when the follower opens it, which a slow start, under ASan say, puts late.)"""
        deadline = time.monotonic() + 10
        k = 0
        while time.monotonic() < deadline:
            self.home.write(name, "ready %d\n" % k, "a")
            k += 1
            got = f.expect(1, timeout=0.2)
            if got:
                while got[-1] != "ready %d" % (k - 1):
                    more = f.expect(1, timeout=5)
                    self.assertTrue(more, "the ready lines stopped at %r" % got[-1])
                    got.append(more[0])
                return
        self.fail("ccproxy logs -f printed none of %d lines in 10 s" % k)

    def test_follow_under_a_rotating_writer_sees_every_line_once(self):
        path = self.home.log("w.log")
        self.home.write("w.log", "")
        f = Follower(self.home, "w", "-n", "0")
        try:
            self.wait_until_following(f, "w.log")
            expected = []
            n = 0
            # Like the real writer: append whole lines, rename, reopen a fresh file at once.
            # Rotations 2-4 follow each other with no pause: several between two polls.
            for rotation in range(6):
                with open(path, "a") as out:
                    for _ in range(40):
                        line = "record %d" % n
                        out.write(line + "\n")
                        out.flush()
                        expected.append(line)
                        n += 1
                        if n % 10 == 0 and rotation not in (2, 3, 4):
                            time.sleep(0.05)
                    os.rename(path, self.home.log("w.log.20261121-0000%02d" % rotation))
                    out.write("late %d\n" % rotation)  # still reaches the renamed file
                    out.flush()
                    expected.append("late %d" % rotation)
                    open(path, "a").close()
            got = f.expect(len(expected), timeout=8)
            self.assertEqual(got, expected)
        finally:
            self.assertEqual(f.stop(signal.SIGTERM), 0)

    def test_follow_a_log_that_does_not_exist_yet(self):
        with open(os.path.join(self.home.root, "profiles", "late.toml"), "w") as p:
            p.write("")
        f = Follower(self.home, "late")
        try:
            self.assertEqual(f.quiet(0.4), [])
            self.home.write("late.log", "hello\n")
            self.assertEqual(f.expect(1), ["hello"])
        finally:
            self.assertEqual(f.stop(), 0)

    def test_follow_ends_quietly_when_the_reader_goes(self):
        self.home.write("glm.log", "".join("line %d\n" % i for i in range(10)))
        p = subprocess.Popen([BIN, "--home", self.home.root, "logs", "-f", "glm"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        p.stdout.readline()
        p.stdout.close()  # like `| head -1`
        self.home.write("glm.log", "more\n" * 1000, "a")
        try:
            rc = p.wait(timeout=5)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
        err = p.stderr.read()
        p.stderr.close()
        self.assertEqual(rc, 0)
        self.assertEqual(err, b"")


class CleanLogsCommandTest(unittest.TestCase):
    def setUp(self):
        self.home = Home()
        self.addCleanup(self.home.cleanup)
        self.now = time.time()

    def aged(self, name, days, size=100):
        self.home.write(name, "x" * size)
        t = self.now - days * DAY
        os.utime(self.home.log(name), (t, t))

    def test_retention_dry_run_and_idempotence(self):
        self.aged("glm.log.20261117-000000.gz", 4, 1000)
        self.aged("glm.log.20261118-000000", 3.01, 200)
        self.aged("glm.log.20261119-000000", 2)
        self.aged("glm.log", 30)          # current log: never
        self.aged("notes.txt", 30)        # foreign: never
        self.aged("glm.log.bak", 30)
        self.aged("other.log.2024", 30)
        before = sorted(os.listdir(self.home.logs))

        dry = run(self.home, "clean-logs", "--dry-run")
        self.assertEqual(dry.returncode, 0, dry.stderr)
        self.assertEqual(sorted(os.listdir(self.home.logs)), before)
        self.assertIn("would remove logs/glm.log.20261117-000000.gz: 1000 bytes", dry.stdout)
        self.assertIn("would remove logs/glm.log.20261118-000000: 200 bytes", dry.stdout)
        self.assertIn("would remove 2 archives, 1200 bytes (1.2 KB)", dry.stdout)

        real = run(self.home, "clean-logs")
        self.assertEqual(real.returncode, 0, real.stderr)
        self.assertEqual(real.stdout, dry.stdout.replace("would remove", "removed"))
        self.assertEqual(sorted(os.listdir(self.home.logs)),
                         ["glm.log", "glm.log.20261119-000000", "glm.log.bak", "notes.txt",
                          "other.log.2024"])

        again = run(self.home, "clean-logs")
        self.assertEqual(again.returncode, 0)
        self.assertEqual(again.stdout, "nothing to clean\n")

    def test_days_flag_and_settings_from_ccproxy_toml(self):
        self.aged("glm.log.20261119-000000", 2)
        self.aged("glm.log.20261110-000000", 11)
        with open(os.path.join(self.home.root, "ccproxy.toml"), "w") as f:
            f.write("[logs]\nretention_days = 14\n")
        r = run(self.home, "clean-logs")
        self.assertEqual(r.stdout, "nothing to clean\n")
        r = run(self.home, "clean-logs", "--days", "1")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(r.stdout.splitlines()), 3)
        self.assertIn("older than 1 day\n", r.stdout)

    def test_size_cap_from_ccproxy_toml(self):
        with open(os.path.join(self.home.root, "ccproxy.toml"), "w") as f:
            f.write("[logs]\nmax_total_mb = 1\n")
        self.aged("a.log.20261121-000000", 0.2, 600 * 1024)
        self.aged("a.log.20261121-010000", 0.1, 600 * 1024)
        r = run(self.home, "clean-logs")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("removed logs/a.log.20261121-000000: 614400 bytes (600 KB), over the 1 MB cap",
                      r.stdout)
        self.assertTrue(os.path.exists(self.home.log("a.log.20261121-010000")))

    def test_broken_profile_does_not_stop_cleaning(self):
        with open(os.path.join(self.home.root, "profiles", "bad.toml"), "w") as f:
            f.write("port = = 3\n")
        self.aged("bad.log.20261101-000000", 10)
        r = run(self.home, "clean-logs")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertFalse(os.path.exists(self.home.log("bad.log.20261101-000000")))

    def test_broken_logs_settings_refuse_to_guess(self):
        with open(os.path.join(self.home.root, "ccproxy.toml"), "w") as f:
            f.write("[logs\nretention_days = 30\n")
        self.aged("glm.log.20261101-000000", 10)
        r = run(self.home, "clean-logs")
        self.assertEqual(r.returncode, 1)
        self.assertIn("not deleting by guessed settings", r.stderr)
        self.assertTrue(os.path.exists(self.home.log("glm.log.20261101-000000")))
        r = run(self.home, "clean-logs", "--days", "7")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertFalse(os.path.exists(self.home.log("glm.log.20261101-000000")))

    def test_no_logs_dir_is_nothing_to_do(self):
        os.rmdir(self.home.logs)
        r = run(self.home, "clean-logs")
        self.assertEqual((r.returncode, r.stdout), (0, "nothing to clean\n"))

    def test_concurrent_processes_remove_each_file_once(self):
        names = ["w%d.log.20261101-%06d" % (i % 5, i) for i in range(400)]
        for name in names:
            self.aged(name, 10, 10)
        procs = [subprocess.Popen([BIN, "--home", self.home.root, "clean-logs"],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for _ in range(3)]
        removed = []
        for p in procs:
            out, err = p.communicate(timeout=30)
            self.assertEqual(p.returncode, 0, err)
            self.assertEqual(err, "")
            removed += [line.split(":")[0][len("removed logs/"):]
                        for line in out.splitlines() if line.startswith("removed logs/")]
        self.assertEqual(sorted(removed), sorted(names))
        self.assertEqual(os.listdir(self.home.logs), [])


if __name__ == "__main__":
    unittest.main()
