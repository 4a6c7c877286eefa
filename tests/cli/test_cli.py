"""End-to-end checks of the ccproxy binary's CLI: usage errors, --help, check, import-env.

Runs the real binary from $CCPROXY_BIN against throw-away homes; no network, no ports.
"""

import os
import shutil
import stat
import subprocess
import tempfile
import unittest

BIN = os.environ.get("CCPROXY_BIN", "ccproxy")
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COMMANDS = ["start", "stop", "restart", "status", "reload", "model", "run", "logs", "clean-logs",
            "check", "import-env", "usage", "statusline", "init", "top", "completion"]

LEGACY_GLM = """# GLM via Requesty (legacy proxy)
OPENAI_API_KEY="sk-or-v1-legacysecret0000WXYZ"  # literal key
OPENAI_BASE_URL=https://router.requesty.ai/v1
BIG_MODEL='zai/GLM-4.6'
MIDDLE_MODEL=zai/GLM-4.6 # inline comment
SMALL_MODEL="zai/GLM-4.6"
PORT=8082
HOST=127.0.0.1
MAX_TOKENS_LIMIT=65536
REQUEST_TIMEOUT=90
CUSTOM_HEADER_USER_AGENT="Mozilla/5.0 (compatible; ClaudeCodeProxy/1.0)"
CUSTOM_HEADER_ACCEPT=application/json
UNUSED_SETTING=1
"""


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items()
           if k not in ("REQUESTY_API_KEY", "CCPROXY_HOME")}
    env.update(extra)
    return env


def run(*args, env=None, cwd=None):
    return subprocess.run([BIN, *args], capture_output=True, text=True, timeout=30,
                          env=env if env is not None else clean_env(), cwd=cwd)


class Home:
    """A temporary fleet home, optionally seeded with the shipped profiles."""

    def __init__(self, shipped=False):
        self.root = tempfile.mkdtemp(prefix="ccproxy-cli-")
        os.makedirs(os.path.join(self.root, "profiles"))
        if shipped:
            src = os.path.join(REPO, "profiles")
            for name in os.listdir(src):
                if name.endswith(".toml"):
                    shutil.copy(os.path.join(src, name), os.path.join(self.root, "profiles"))

    def path(self, *parts):
        return os.path.join(self.root, *parts)

    def write(self, rel, text):
        with open(self.path(rel), "w") as f:
            f.write(text)

    def read(self, rel):
        with open(self.path(rel)) as f:
            return f.read()

    def cleanup(self):
        shutil.rmtree(self.root, ignore_errors=True)


class UsageTest(unittest.TestCase):
    def assert_short_usage(self, r):
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertEqual(r.stdout, "")
        lines = r.stderr.strip().splitlines()
        self.assertLessEqual(len(lines), 3, r.stderr)
        self.assertTrue(lines[1].startswith("usage: ccproxy"), r.stderr)
        self.assertIn("--help", lines[-1])

    def test_unknown_command(self):
        r = run("frobnicate")
        self.assert_short_usage(r)
        self.assertEqual(r.stderr.splitlines()[0], "ccproxy: unknown command 'frobnicate'")

    def test_unknown_command_near_miss_gets_a_suggestion(self):
        r = run("stat")
        self.assert_short_usage(r)
        self.assertEqual(r.stderr.splitlines()[0],
                         "ccproxy: unknown command 'stat' (did you mean start, status or statusline?)")
        self.assertEqual(run("chek").stderr.splitlines()[0],
                         "ccproxy: unknown command 'chek' (did you mean check?)")

    def test_missing_command(self):
        r = run()
        self.assert_short_usage(r)
        self.assertEqual(r.stderr.splitlines()[0], "ccproxy: missing command")

    def test_unknown_global_flag(self):
        r = run("--frob", "check")
        self.assert_short_usage(r)
        self.assertEqual(r.stderr.splitlines()[0], "ccproxy: unknown flag --frob")

    def test_bad_flag_of_a_command(self):
        r = run("check", "--frob")
        self.assert_short_usage(r)
        self.assertEqual(r.stderr.splitlines()[0], "ccproxy check: unknown flag --frob")
        self.assertEqual(r.stderr.splitlines()[1], "usage: ccproxy [--home DIR] check")

    def test_every_command_has_help(self):
        for name in COMMANDS:
            with self.subTest(command=name):
                r = run(name, "--help")
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertTrue(r.stdout.startswith("usage: ccproxy [--home DIR] " + name),
                                r.stdout)

    def test_global_help_lists_commands(self):
        r = run("--help")
        self.assertEqual(r.returncode, 0)
        for name in COMMANDS:
            self.assertIn("  " + name, r.stdout)

    def test_version(self):
        r = run("--version")
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stdout, r"^ccproxy \d+\.\d+\.\d+\n$")


class CheckTest(unittest.TestCase):
    def setUp(self):
        self.home = Home(shipped=True)

    def tearDown(self):
        self.home.cleanup()

    def test_shipped_profiles_without_key_fail_clearly(self):
        r = run("--home", self.home.root, "check")
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stdout, "")
        lines = r.stderr.strip().splitlines()
        self.assertEqual(len(lines), 6, r.stderr)
        for name, line in zip(["gemini", "glm", "kimi", "minimax"], lines):
            self.assertRegex(line, r"^profiles/%s\.toml:\d+: upstream\.api_key: variable "
                             r"REQUESTY_API_KEY is not set \(environment or \.env\)$" % name)
        # One hint for the one missing variable, naming the home's .env.
        self.assertEqual(lines[4], "hint: export REQUESTY_API_KEY=... or add a line "
                         "REQUESTY_API_KEY=... to " + self.home.path(".env"))
        self.assertEqual(lines[5], "ccproxy check: 4 problems in " + self.home.root)

    def test_shipped_profiles_with_key_succeed_and_redact_it(self):
        key = "sk-requesty-cli-test-secret-9876"
        r = run("--home", self.home.root, "check", env=clean_env(REQUESTY_API_KEY=key))
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.strip().splitlines()
        self.assertEqual([l.split()[0] for l in lines], ["kimi", "glm", "minimax", "gemini"])
        self.assertIn("127.0.0.1:8082", lines[1])
        self.assertIn("https://router.requesty.ai/v1", lines[1])
        self.assertIn("zai/GLM-4.6", lines[1])
        self.assertIn("sk-…9876", lines[1])
        self.assertNotIn("cli-test-secret", r.stdout + r.stderr)
        # What each profile's models resolve to (pinned in the shipped profiles).
        for line, provider in zip(lines, ["kimi", "glm", "minimax", "gemini"]):
            self.assertTrue(line.endswith("provider=%s (pinned)" % provider), line)

    def test_key_from_dotenv_and_ccproxy_home(self):
        self.home.write(".env", "REQUESTY_API_KEY='sk-from-dotenv-0000-1111'\n")
        os.chmod(self.home.path(".env"), 0o600)
        r = run("check", env=clean_env(CCPROXY_HOME=self.home.root))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr, "")
        self.assertEqual(len(r.stdout.strip().splitlines()), 4)
        self.assertNotIn("from-dotenv", r.stdout)
        # Readable by others: still fine, but said.
        os.chmod(self.home.path(".env"), 0o644)
        r = run("check", env=clean_env(CCPROXY_HOME=self.home.root))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("other users may read it (chmod 600 it)", r.stderr)

    def test_missing_home(self):
        r = run("--home", self.home.path("nope"), "check")
        self.assertEqual(r.returncode, 1)
        self.assertIn("the home directory %s does not exist" % self.home.path("nope"), r.stderr)

    def test_ipv6_host_is_bracketed(self):
        self.home.write("profiles/v6.toml", "port = 9100\nhost = \"::1\"\n[upstream]\n"
                        "base_url = \"https://x.example\"\n[models]\nbig = \"m\"\n")
        r = run("--home", self.home.root, "check",
                env=clean_env(REQUESTY_API_KEY="sk-abcdefghijklmnop"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("v6       [::1]:9100  https://x.example  openai", r.stdout)

    def test_routing_rules_are_shown_in_order(self):
        self.home.write("profiles/routed.toml", "port = 9101\n[upstream]\n"
                        "base_url = \"https://x.example\"\n[models]\nbig = \"m\"\n"
                        "vision = \"v/img\"\nlong = \"v/long\"\nthink = \"v/think\"\n"
                        "[routing]\nlong_context_tokens = 120000\n")
        r = run("--home", self.home.root, "check",
                env=clean_env(REQUESTY_API_KEY="sk-abcdefghijklmnop"))
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.splitlines()
        at = [i for i, l in enumerate(lines) if l.startswith("routed ")][0]
        self.assertEqual(lines[at + 1].strip(),
                         "routing: vendor/model as sent, image -> v/img, input above 120000 "
                         "tokens -> v/long, thinking -> v/think, else big/middle/small")
        # Profiles without routing tiers get no routing line.
        self.assertEqual(len(lines), 5 + 1)
        # A long tier without its threshold is refused.
        self.home.write("profiles/routed.toml", "port = 9101\n[upstream]\n"
                        "base_url = \"https://x.example\"\n[models]\nbig = \"m\"\n"
                        "long = \"v/long\"\n")
        r = run("--home", self.home.root, "check",
                env=clean_env(REQUESTY_API_KEY="sk-abcdefghijklmnop"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("profiles/routed.toml:6: models.long: needs [routing] long_context_tokens",
                      r.stderr)

    def test_every_problem_at_once(self):
        self.home.write("profiles/extra.toml", "port = 8082\nbogus = 1\n[upstream]\n"
                        "base_url = \"ftp://x\"\n[models]\nbig = \"m\"\n")
        r = run("--home", self.home.root, "check",
                env=clean_env(REQUESTY_API_KEY="sk-abcdefghijklmnop"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("profiles/extra.toml:2: bogus: unknown key\n", r.stderr)
        self.assertIn("profiles/extra.toml:4: upstream.base_url: not an http or https URL\n",
                      r.stderr)
        self.assertIn("profiles/glm.toml:3", r.stderr)  # the other owner of port 8082
        self.assertIn("3 problems", r.stderr)


class ImportEnvTest(unittest.TestCase):
    def setUp(self):
        self.home = Home()
        self.legacy = self.home.path(".env-requesty-glm")
        self.home.write(".env-requesty-glm", LEGACY_GLM)

    def tearDown(self):
        self.home.cleanup()

    def test_import_then_check(self):
        r = run("--home", self.home.root, "import-env", self.legacy)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("wrote profiles/glm.toml", r.stdout)
        self.assertIn("OPENAI_API_KEY: copied a literal key (sk-…WXYZ)", r.stderr)
        self.assertIn("UNUSED_SETTING has no ccproxy equivalent", r.stderr)
        self.assertNotIn("legacysecret", r.stdout + r.stderr)
        mode = stat.S_IMODE(os.stat(self.home.path("profiles", "glm.toml")).st_mode)
        self.assertEqual(mode & 0o077, 0, oct(mode))  # holds a key: owner only
        r = run("--home", self.home.root, "check")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("glm", r.stdout)
        self.assertIn("127.0.0.1:8082", r.stdout)
        with open(self.home.path("profiles", "glm.toml")) as f:
            self.assertRegex(f.read(), r'\nprovider = "glm"')
        self.assertIn("provider=glm (pinned)", r.stdout)

    def test_never_overwrites_without_force(self):
        self.assertEqual(run("--home", self.home.root, "import-env", self.legacy).returncode, 0)
        self.home.write("profiles/glm.toml", "# edited by hand\n")
        r = run("--home", self.home.root, "import-env", self.legacy)
        self.assertEqual(r.returncode, 1)
        self.assertIn("profiles/glm.toml already exists; not overwritten (use --force)", r.stderr)
        self.assertEqual(self.home.read("profiles/glm.toml"), "# edited by hand\n")
        r = run("--home", self.home.root, "import-env", "--force", self.legacy)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("zai/GLM-4.6", self.home.read("profiles/glm.toml"))
        leftovers = [n for n in os.listdir(self.home.path("profiles")) if n != "glm.toml"]
        self.assertEqual(leftovers, [])

    def test_name_flag_and_its_limits(self):
        r = run("--home", self.home.root, "import-env", "--name", "zai", self.legacy)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(os.path.exists(self.home.path("profiles", "zai.toml")))
        r = run("--home", self.home.root, "import-env", "--name", "x", self.legacy, self.legacy)
        self.assertEqual(r.returncode, 2)
        r = run("--home", self.home.root, "import-env", "--name", "bad name", self.legacy)
        self.assertEqual(r.returncode, 1)
        self.assertIn("may only use letters, digits", r.stderr)

    def test_port_clash_is_reported_after_writing(self):
        self.home.write("profiles/other.toml", "port = 8082\n[upstream]\nbase_url = "
                        "\"https://x.example\"\n[models]\nbig = \"m\"\n")
        r = run("--home", self.home.root, "import-env", self.legacy)
        self.assertEqual(r.returncode, 1)
        self.assertIn("profiles/glm.toml was written but does not validate yet", r.stderr)
        self.assertIn("profiles/other.toml:1: port: 8082 is also used by profiles/glm.toml:2", r.stderr)

    def test_missing_file_or_directory(self):
        r = run("--home", self.home.root, "import-env", self.home.path(".env-nope"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("cannot read", r.stderr)
        os.mkdir(self.home.path(".env-dir"))
        r = run("--home", self.home.root, "import-env", self.home.path(".env-dir"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("not a regular file", r.stderr)
        self.assertEqual(os.listdir(self.home.path("profiles")), [])


if __name__ == "__main__":
    unittest.main()
