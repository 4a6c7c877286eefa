"""ccproxy init: a new home with the shipped profiles, modes, no overwrite, --force."""

import os
import stat
import subprocess
import tempfile
import unittest

BIN = os.environ.get("CCPROXY_BIN", "ccproxy")
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHIPPED = ["gemini.toml", "glm.toml", "kimi.toml", "minimax.toml"]


def run(*args, cwd=None, env=None):
    e = {k: v for k, v in os.environ.items() if k not in ("CCPROXY_HOME", "REQUESTY_API_KEY")}
    e.update(env or {})
    return subprocess.run([BIN, *args], capture_output=True, text=True, timeout=30, cwd=cwd,
                          env=e)


def mode(path):
    return stat.S_IMODE(os.lstat(path).st_mode)


class InitTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="ccp-init-")
        self.home = os.path.join(self.tmp.name, "a", "home")

    def tearDown(self):
        self.tmp.cleanup()

    def p(self, *parts):
        return os.path.join(self.home, *parts)

    def read(self, *parts):
        with open(self.p(*parts)) as f:
            return f.read()

    def test_creates_a_complete_home_with_modes(self):
        r = run("init", self.home)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(sorted(os.listdir(self.home)), [".env", "logs", "pids", "profiles"])
        self.assertEqual(sorted(os.listdir(self.p("profiles"))), SHIPPED)
        for name in SHIPPED:  # the bytes compiled into the binary are the repository's
            with open(os.path.join(REPO, "profiles", name)) as f:
                self.assertEqual(self.read("profiles", name), f.read(), name)
            self.assertEqual(mode(self.p("profiles", name)), 0o644)
        self.assertEqual(mode(self.p("logs")), 0o700)
        self.assertEqual(mode(self.p("pids")), 0o700)
        self.assertEqual(mode(self.p(".env")), 0o600)
        self.assertIn("REQUESTY_API_KEY", self.read(".env"))
        self.assertIn("created   profiles/glm.toml", r.stdout)
        self.assertIn(f"ccproxy --home {self.home} check", r.stdout)

    def test_the_new_home_checks_once_the_key_is_set(self):
        self.assertEqual(run("init", self.home).returncode, 0)
        r = run("--home", self.home, "check")
        self.assertEqual(r.returncode, 1)
        self.assertIn("REQUESTY_API_KEY is not set", r.stdout + r.stderr)
        with open(self.p(".env"), "a") as f:
            f.write("REQUESTY_API_KEY=sk-test-0000000000000000WXYZ\n")
        r = run("--home", self.home, "check")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertNotIn("0000000000000000WXYZ", r.stdout + r.stderr)

    def test_home_from_flag_environment_or_current_directory(self):
        os.makedirs(self.home)
        self.assertEqual(run("--home", self.home, "init").returncode, 0)
        self.assertTrue(os.path.isfile(self.p("profiles", "glm.toml")))
        other = os.path.join(self.tmp.name, "env-home")
        self.assertEqual(run("init", env={"CCPROXY_HOME": other}).returncode, 0)
        self.assertTrue(os.path.isfile(os.path.join(other, ".env")))
        cwd = os.path.join(self.tmp.name, "cwd")
        os.makedirs(cwd)
        self.assertEqual(run("init", cwd=cwd).returncode, 0)
        self.assertTrue(os.path.isdir(os.path.join(cwd, "pids")))

    def test_never_overwrites_without_force(self):
        self.assertEqual(run("init", self.home).returncode, 0)
        with open(self.p("profiles", "glm.toml"), "w") as f:
            f.write("port = 9999\n")
        with open(self.p(".env"), "w") as f:
            f.write("REQUESTY_API_KEY=mine\n")
        r = run("init", self.home)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.read("profiles", "glm.toml"), "port = 9999\n")
        self.assertEqual(self.read(".env"), "REQUESTY_API_KEY=mine\n")
        self.assertIn("kept      profiles/glm.toml (exists and differs; --force replaces it)",
                      r.stdout)
        self.assertIn("unchanged profiles/kimi.toml", r.stdout)
        self.assertIn("kept 2 existing files that differ", r.stdout)
        self.assertFalse(os.path.exists(self.p("profiles", "glm.toml.bak")))

    def test_force_replaces_and_keeps_a_backup(self):
        self.assertEqual(run("init", self.home).returncode, 0)
        with open(self.p(".env"), "w") as f:
            f.write("REQUESTY_API_KEY=mine\n")
        os.chmod(self.p(".env"), 0o600)
        for attempt in range(2):
            with open(self.p("profiles", "glm.toml"), "w") as f:
                f.write(f"port = {9000 + attempt}\n")
            r = run("init", self.home, "--force")
            self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(REPO, "profiles", "glm.toml")) as f:
            self.assertEqual(self.read("profiles", "glm.toml"), f.read())
        self.assertEqual(self.read("profiles", "glm.toml.bak"), "port = 9000\n")
        self.assertEqual(self.read("profiles", "glm.toml.bak.1"), "port = 9001\n")
        self.assertIn("replaced  profiles/glm.toml (the previous one is profiles/glm.toml.bak.1)",
                      r.stdout)
        self.assertEqual(self.read(".env.bak"), "REQUESTY_API_KEY=mine\n")
        self.assertEqual(mode(self.p(".env.bak")), 0o600)
        self.assertEqual(mode(self.p(".env")), 0o600)

    def test_tightens_a_readable_logs_directory(self):
        os.makedirs(self.p("logs"), mode=0o755)
        os.chmod(self.p("logs"), 0o755)
        r = run("init", self.home)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(mode(self.p("logs")), 0o700)
        self.assertIn("tightened logs/", r.stdout)

    def test_never_writes_through_a_link_or_over_a_directory(self):
        os.makedirs(self.p("profiles"))
        target = os.path.join(self.tmp.name, "elsewhere")
        os.symlink(target, self.p(".env"))
        os.makedirs(self.p("profiles", "glm.toml"))
        r = run("init", self.home, "--force")
        self.assertEqual(r.returncode, 1)
        self.assertFalse(os.path.exists(target))
        self.assertIn("profiles/glm.toml: exists and is not a regular file", r.stderr)
        self.assertIn(".env: exists and is not a regular file", r.stderr)
        self.assertIn("is not complete", r.stderr)
        self.assertTrue(os.path.isfile(self.p("profiles", "kimi.toml")))  # the rest is done

    def test_a_file_where_the_home_should_be(self):
        with open(os.path.join(self.tmp.name, "file"), "w") as f:
            f.write("x")
        r = run("init", os.path.join(self.tmp.name, "file"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("exists and is not a directory", r.stderr)

    def test_usage_errors(self):
        r = run("init", "a", "b")
        self.assertEqual(r.returncode, 2)
        self.assertIn("too many arguments", r.stderr)
        r = run("init", "--forse")
        self.assertEqual(r.returncode, 2)
        self.assertIn("unknown flag --forse", r.stderr)


if __name__ == "__main__":
    unittest.main()
