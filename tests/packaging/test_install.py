"""`cmake --install` into a temporary prefix: every file, its mode and content; the units pass
`systemd-analyze verify` where it is available."""

import gzip
import os
import shutil
import stat
import subprocess
import tempfile
import unittest

from packaging_helpers import (BIN, BUILD, COMPLETION_FILES, EXPECTED_FILES, SOURCE, completion,
                               files_under)


class InstallTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="ccp-install-")
        cls.prefix = os.path.join(cls.tmp.name, "prefix")
        r = subprocess.run(["cmake", "--install", BUILD, "--prefix", cls.prefix],
                           capture_output=True, text=True, timeout=120)
        if r.returncode != 0:
            raise AssertionError("cmake --install failed (is the default target built?):\n"
                                 + r.stdout + r.stderr)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def path(self, rel):
        return os.path.join(self.prefix, rel)

    def read(self, rel):
        with open(self.path(rel)) as f:
            return f.read()

    def test_every_file_and_nothing_else(self):
        self.assertEqual(files_under(self.prefix), sorted(EXPECTED_FILES))
        for rel, mode in EXPECTED_FILES.items():
            st = os.stat(self.path(rel))
            self.assertTrue(stat.S_ISREG(st.st_mode), rel)
            self.assertEqual(stat.S_IMODE(st.st_mode), mode, rel)

    def test_the_binary_runs(self):
        r = subprocess.run([self.path("bin/ccproxy"), "--version"], capture_output=True,
                           text=True, timeout=30)
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stdout, r"^ccproxy \d+\.\d+\.\d+\n$")

    def test_man_page_is_the_repository_one_gzipped(self):
        with gzip.open(self.path("share/man/man1/ccproxy.1.gz"), "rt") as f:
            installed = f.read()
        with open(os.path.join(SOURCE, "docs", "ccproxy.1")) as f:
            self.assertEqual(installed, f.read())

    def test_completions_are_what_the_binary_prints(self):
        for shell, rel in COMPLETION_FILES.items():
            self.assertEqual(self.read(rel), completion(shell), shell)

    def test_docs_and_example_profiles_are_the_repository_files(self):
        for rel, src in [("share/doc/ccproxy/README.md", "README.md"),
                         ("share/doc/ccproxy/deploy.md", "docs/deploy.md"),
                         ("share/doc/ccproxy/ccproxy.toml.example", "ccproxy.toml.example"),
                         ("share/doc/ccproxy/examples/profiles/glm.toml", "profiles/glm.toml")]:
            with open(os.path.join(SOURCE, src)) as f:
                self.assertEqual(self.read(rel), f.read(), rel)

    def test_system_unit(self):
        unit = self.read("lib/systemd/system/ccproxy.service")
        self.assertIn(f"ExecStart={self.prefix}/bin/ccproxy --home /var/lib/ccproxy start "
                      "--foreground\n", unit)
        for line in ["User=ccproxy", "Group=ccproxy", "StateDirectory=ccproxy",
                     "NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes",
                     "PrivateTmp=yes", "PrivateDevices=yes", "KillMode=mixed",
                     "ExecReload=/bin/kill -HUP $MAINPID", "CapabilityBoundingSet=",
                     "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK",
                     "WantedBy=multi-user.target"]:
            self.assertIn(line + "\n", unit)
        sysusers = self.read("lib/sysusers.d/ccproxy.conf")
        self.assertRegex(sysusers, r"(?m)^u ccproxy - \"[^\"]*\" /var/lib/ccproxy /usr/sbin/nologin$")

    def test_user_unit(self):
        unit = self.read("lib/systemd/user/ccproxy.service")
        self.assertIn("Environment=CCPROXY_HOME=%h/.ccproxy\n", unit)
        self.assertIn(f"ExecStart={self.prefix}/bin/ccproxy start --foreground\n", unit)
        self.assertIn("WantedBy=default.target\n", unit)
        self.assertNotIn("User=", unit)

    def test_units_pass_systemd_analyze_verify(self):
        if shutil.which("systemd-analyze") is None:
            self.skipTest("systemd-analyze is not installed")
        runtime = tempfile.mkdtemp(prefix="ccp-xdg-", dir=self.tmp.name)
        os.chmod(runtime, 0o700)
        # The units' Documentation= names man:ccproxy(1): find the installed page.
        env = dict(os.environ, MANPATH=self.path("share/man"), XDG_RUNTIME_DIR=runtime)
        for args, rel in [([], "lib/systemd/system/ccproxy.service"),
                          (["--user"], "lib/systemd/user/ccproxy.service")]:
            r = subprocess.run(["systemd-analyze", *args, "verify", self.path(rel)],
                               capture_output=True, text=True, timeout=60, env=env)
            self.assertEqual(r.returncode, 0, rel + ":\n" + r.stdout + r.stderr)
            # Unknown keys are only warnings for systemd: none may be printed.
            self.assertEqual(r.stderr.strip(), "", rel)


if __name__ == "__main__":
    unittest.main()
