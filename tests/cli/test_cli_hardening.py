"""Hostile configuration and planted files against the ccproxy CLI (check, run, import-env,
logs): each must end in a clear error, never a crash, a forged setting or a followed link.

Runs the real binary from $CCPROXY_BIN against throw-away homes; no network.
"""

import os
import subprocess
import unittest

from test_cli import BIN, LEGACY_GLM, Home, clean_env, run

KEY = "sk-requesty-hardening-0123456789abcd"

PROFILE = """port = %d
[upstream]
base_url = %s
api_key = "${REQUESTY_API_KEY}"
[models]
big = "zai/GLM-4.6"
"""


class ProfileInputTest(unittest.TestCase):
    def setUp(self):
        self.home = Home()

    def tearDown(self):
        self.home.cleanup()

    def check(self):
        return run("--home", self.home.root, "check", env=clean_env(REQUESTY_API_KEY=KEY))

    def test_percent_encoded_line_break_in_the_host_is_refused(self):
        for url in ("http://evil%0d%0aX-Injected%3A%20yes/v1", "https://a%0ab.example/v1",
                    "http://host%00name/v1", "http://a%09b/v1"):
            self.home.write("profiles/glm.toml", PROFILE % (8082, '"%s"' % url))
            r = self.check()
            self.assertEqual(r.returncode, 1, (url, r.stdout, r.stderr))
            self.assertIn("upstream.base_url", r.stderr, url)
            self.assertNotIn("Traceback", r.stderr)

    def test_deeply_nested_profile_is_an_error_not_a_crash(self):
        # 50,000 levels of dotted keys (about 100 KB) overflowed the TOML parser's stack.
        deep = ".".join(["a"] * 50000) + " = 1\n"
        self.home.write("profiles/glm.toml", PROFILE % (8082, '"https://x.example/v1"') + deep)
        r = self.check()
        self.assertEqual(r.returncode, 1, r.stderr[-500:])
        self.assertIn("profiles/glm.toml", r.stderr)
        self.assertIn("nest", r.stderr.lower())
        # The same file given to a worker: a clear start-up error, no signal.
        w = subprocess.run([os.environ.get("CCPROXY_BIN", "ccproxy"), "--home", self.home.root,
                            "run", "--profile", "glm", "--port", "0", "--log-stderr"],
                           capture_output=True, text=True, timeout=30,
                           env=clean_env(REQUESTY_API_KEY=KEY))
        self.assertGreater(w.returncode, 0, w.stderr[-500:])
        self.assertIn("nest", w.stderr.lower())

    def test_short_keys_are_not_shown_by_check(self):
        short = "secret-XYZW9"
        self.home.write("profiles/glm.toml", PROFILE % (8082, '"https://x.example/v1"'))
        r = run("--home", self.home.root, "check", env=clean_env(REQUESTY_API_KEY=short))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn("XYZW", r.stdout + r.stderr)
        self.assertNotIn("secret-", r.stdout + r.stderr)


class ImportEnvNameTest(unittest.TestCase):
    def setUp(self):
        self.home = Home()

    def tearDown(self):
        self.home.cleanup()

    def test_a_file_name_with_a_line_break_cannot_inject_settings(self):
        # (A file name cannot hold '/', so the injected setting is one without a slash.)
        name = 'x\nclient_api_key = "" \n[upstream]\nheaders = { x-evil = "1" }\n#'
        os.makedirs(self.home.path("legacy"))
        path = self.home.path("legacy", name)
        with open(path, "w") as f:
            f.write('OPENAI_API_KEY="sk-or-v1-legacysecret0000WXYZ"\n'
                    "OPENAI_BASE_URL=https://router.requesty.ai/v1\nBIG_MODEL=zai/GLM-4.6\n"
                    "PORT=8082\n")
        r = run("--home", self.home.root, "import-env", path, "--name", "glm")
        self.assertEqual(r.returncode, 0, r.stderr)
        text = self.home.read("profiles/glm.toml")
        # Whatever of the name is kept stays inside a comment.
        for line in text.splitlines():
            if "evil" in line or "client_api_key" in line:
                self.assertTrue(line.lstrip().startswith("#"), text)
        c = run("--home", self.home.root, "check")
        self.assertNotIn("evil", c.stdout)


class PlantedLinkTest(unittest.TestCase):
    def setUp(self):
        self.home = Home()
        self.home.write("profiles/glm.toml", PROFILE % (8082, '"https://x.example/v1"'))
        os.makedirs(self.home.path("logs"))
        self.target = self.home.path("victim.txt")
        with open(self.target, "w") as f:
            f.write("precious\n")
        os.chmod(self.target, 0o644)

    def tearDown(self):
        self.home.cleanup()

    def test_a_log_file_that_is_a_symlink_is_refused_and_left_alone(self):
        os.symlink(self.target, self.home.path("logs", "glm.log"))
        w = subprocess.run([os.environ.get("CCPROXY_BIN", "ccproxy"), "--home", self.home.root,
                            "run", "--profile", "glm", "--port", "0"],
                           capture_output=True, text=True, timeout=30,
                           env=clean_env(REQUESTY_API_KEY=KEY))
        self.assertNotEqual(w.returncode, 0, w.stdout)
        self.assertIn("glm.log", w.stderr)
        self.assertIn("link", w.stderr.lower())
        with open(self.target) as f:
            self.assertEqual(f.read(), "precious\n")
        self.assertEqual(os.stat(self.target).st_mode & 0o777, 0o644)

    def test_a_link_planted_at_the_import_temp_name_does_not_receive_the_profile(self):
        # import-env writes profiles/glm.toml through profiles/glm.toml.tmp-<its pid>. The link
        # is planted in the child between fork and exec, so it carries the pid ccproxy runs as.
        self.home.write(".env-requesty-glm", LEGACY_GLM)
        planted = self.home.path("profiles", "glm.toml.tmp-%d")
        os.remove(self.home.path("profiles", "glm.toml"))

        def plant():
            os.symlink(self.target, planted % os.getpid())

        r = subprocess.run([BIN, "--home", self.home.root, "import-env",
                            self.home.path(".env-requesty-glm")],
                           capture_output=True, text=True, timeout=30, env=clean_env(),
                           preexec_fn=plant)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("wrote profiles/glm.toml", r.stdout)
        with open(self.target) as f:
            self.assertEqual(f.read(), "precious\n")
        self.assertEqual(os.stat(self.target).st_mode & 0o777, 0o644)
        profile = self.home.path("profiles", "glm.toml")
        self.assertFalse(os.path.islink(profile))
        self.assertEqual(os.stat(profile).st_mode & 0o777, 0o600)  # it holds a literal key
        self.assertIn("legacysecret", self.home.read("profiles/glm.toml"))
        self.assertEqual(sorted(os.listdir(self.home.path("profiles"))), ["glm.toml"])


if __name__ == "__main__":
    unittest.main()
