"""The Debian package built with CPack from the already-built tree: its files, its control
fields (Depends from dpkg-shlibdeps) and its maintainer scripts."""

import glob
import os
import re
import shutil
import subprocess
import tempfile
import time
import unittest

from packaging_helpers import BUILD, EXPECTED_FILES


def run(*args, **kw):
    return subprocess.run(list(args), capture_output=True, text=True, timeout=170, **kw)


@unittest.skipIf(shutil.which("dpkg-shlibdeps") is None or shutil.which("dpkg-deb") is None,
                 "dpkg-dev is not installed (scripts/install-deps.sh test installs it)")
class DebTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="ccp-deb-")
        started = time.monotonic()
        r = run("cpack", "--config", os.path.join(BUILD, "CPackConfig.cmake"), "-B", cls.tmp.name)
        cls.seconds = time.monotonic() - started
        if r.returncode != 0:
            raise AssertionError("cpack failed:\n" + r.stdout + r.stderr)
        debs = glob.glob(os.path.join(cls.tmp.name, "ccproxy_*.deb"))
        if len(debs) != 1:
            raise AssertionError(f"expected one ccproxy_*.deb, found {debs}:\n{r.stdout}")
        cls.deb = debs[0]

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def field(self, name):
        r = run("dpkg-deb", "-f", self.deb, name)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout.strip()

    def test_name_follows_debian_rules(self):
        arch = run("dpkg", "--print-architecture").stdout.strip()
        self.assertRegex(os.path.basename(self.deb), rf"^ccproxy_\d+\.\d+\.\d+_{arch}\.deb$")
        self.assertEqual(self.field("Package"), "ccproxy")
        self.assertEqual(self.field("Architecture"), arch)
        self.assertTrue(self.field("Maintainer"))
        self.assertTrue(self.field("Description"))

    def test_contents_are_the_install_under_usr(self):
        r = run("dpkg-deb", "-c", self.deb)
        self.assertEqual(r.returncode, 0, r.stderr)
        files = {}
        for line in r.stdout.splitlines():
            parts = line.split()
            path = parts[5]
            if not parts[0].startswith("d"):
                files[path[2:] if path.startswith("./") else path] = parts[0]
        expected = {"usr/" + rel for rel in EXPECTED_FILES}
        self.assertEqual(set(files), expected)
        self.assertEqual(files["usr/bin/ccproxy"], "-rwxr-xr-x")
        for line in r.stdout.splitlines():
            self.assertIn(" root/root ", line)

    def test_depends_come_from_the_linked_libraries(self):
        depends = self.field("Depends")
        names = [d.split()[0] for d in depends.split(", ")]
        for lib in ["libc6", "libstdc++6", "libssl3", "zlib1g"]:
            self.assertIn(lib, names, depends)
        self.assertRegex(depends, r"libc6 \(>= [\d.]+\)")

    def test_maintainer_scripts(self):
        out = os.path.join(self.tmp.name, "control")
        r = run("dpkg-deb", "-e", self.deb, out)
        self.assertEqual(r.returncode, 0, r.stderr)
        for script in ["postinst", "prerm", "postrm"]:
            path = os.path.join(out, script)
            self.assertTrue(os.access(path, os.X_OK), script)
            self.assertEqual(run("sh", "-n", path).returncode, 0, script)
        with open(os.path.join(out, "postinst")) as f:
            postinst = f.read()
        self.assertIn("systemd-sysusers /usr/lib/sysusers.d/ccproxy.conf", postinst)
        self.assertIn("runuser -u ccproxy -- /usr/bin/ccproxy init \"$home\"", postinst)
        # The key goes into .env first: the package never enables or starts the fleet itself.
        self.assertNotRegex(postinst, r"(?m)^\s*systemctl (enable|start)\b")

    def test_unit_in_the_package_names_usr_bin(self):
        out = os.path.join(self.tmp.name, "tree")
        self.assertEqual(run("dpkg-deb", "-x", self.deb, out).returncode, 0)
        with open(os.path.join(out, "usr/lib/systemd/system/ccproxy.service")) as f:
            self.assertIn("ExecStart=/usr/bin/ccproxy --home /var/lib/ccproxy start --foreground",
                          f.read())
        # Stripped: no debug sections in the packaged binary.
        r = run("readelf", "-S", os.path.join(out, "usr/bin/ccproxy"))
        if r.returncode == 0:
            self.assertNotRegex(r.stdout, r"\.debug_info")

    def test_building_it_took_seconds(self):
        self.assertLess(self.seconds, 90, "cpack took too long")


if __name__ == "__main__":
    unittest.main()
