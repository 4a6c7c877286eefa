"""ccproxy completion: the scripts parse, and bash really completes commands, options and the
home's profile names (--home on the command line, $CCPROXY_HOME, the current directory)."""

import os
import shutil
import subprocess
import tempfile
import unittest

BIN = os.environ.get("CCPROXY_BIN", "ccproxy")


def script(shell):
    r = subprocess.run([BIN, "completion", shell], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    return r.stdout


def commands_of_help():
    out = subprocess.run([BIN, "--help"], capture_output=True, text=True, timeout=30).stdout
    lines = out.split("commands:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    return [line.split()[0] for line in lines]


class CompletionTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="ccp-compl-")
        cls.bash_file = os.path.join(cls.tmp.name, "ccproxy.bash")
        with open(cls.bash_file, "w") as f:
            f.write(script("bash"))
        cls.homes = {}
        for home, names in [("flag", ["alpha", "beta"]), ("env", ["gamma"]), ("cwd", ["delta"])]:
            path = os.path.join(cls.tmp.name, home)
            os.makedirs(os.path.join(path, "profiles"))
            for n in names:
                open(os.path.join(path, "profiles", n + ".toml"), "w").close()
            open(os.path.join(path, "profiles", "notes.txt"), "w").close()
            cls.homes[home] = path

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def complete(self, line, env_home=None, cwd=None):
        """What bash offers for `line` (the cursor at its end), as bash would compute it."""
        words = line.split(" ")
        program = (
            f"source {self.bash_file}\n"
            "complete -p ccproxy\n"
            f"COMP_LINE={line!r}; COMP_POINT=${{#COMP_LINE}}\n"
            "COMP_WORDS=(" + " ".join(repr(w) for w in words) + ")\n"
            f"COMP_CWORD={len(words) - 1}\n"
            "_ccproxy\n"
            "printf '%s\\n' \"${COMPREPLY[@]}\"\n")
        env = {k: v for k, v in os.environ.items() if k != "CCPROXY_HOME"}
        if env_home:
            env["CCPROXY_HOME"] = env_home
        r = subprocess.run(["bash", "--norc", "--noprofile", "-c", program], capture_output=True,
                           text=True, timeout=30, env=env, cwd=cwd or self.tmp.name)
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.splitlines()
        self.assertEqual(lines[0], "complete -F _ccproxy ccproxy")
        return sorted(x for x in lines[1:] if x)

    def test_scripts_parse(self):
        r = subprocess.run(["bash", "-n", self.bash_file], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        for shell, check in [("zsh", ["zsh", "-n"]), ("fish", ["fish", "--no-execute"])]:
            if shutil.which(check[0]) is None:
                continue  # not installed: the script's text is checked below only
            path = os.path.join(self.tmp.name, "ccproxy." + shell)
            with open(path, "w") as f:
                f.write(script(shell))
            r = subprocess.run(check + [path], capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, shell + ": " + r.stderr)

    def test_every_command_of_the_binary_is_in_every_script(self):
        commands = commands_of_help()
        self.assertIn("completion", commands)
        self.assertEqual(self.complete("ccproxy "), sorted(commands))
        zsh, fish = script("zsh"), script("fish")
        self.assertTrue(zsh.startswith("#compdef ccproxy\n"))
        for c in commands:
            self.assertIn(f"\n    {c})\n", zsh, c)
            self.assertIn(f"-a {c} -d ", fish, c)

    def test_commands_and_options(self):
        self.assertEqual(self.complete("ccproxy sta"), ["start", "status", "statusline"])
        self.assertEqual(self.complete("ccproxy --"), ["--help", "--home", "--version"])
        self.assertEqual(self.complete("ccproxy status --"), ["--help", "--json"])
        self.assertEqual(self.complete("ccproxy logs -"),
                         ["--follow", "--help", "--lines", "-f", "-h", "-n"])
        self.assertEqual(self.complete("ccproxy completion "), ["bash", "fish", "zsh"])
        self.assertEqual(self.complete("ccproxy logs -n "), [])

    def test_profile_names_from_the_home_on_the_command_line(self):
        flag = self.homes["flag"]
        self.assertEqual(self.complete(f"ccproxy --home {flag} start "), ["alpha", "beta"])
        self.assertEqual(self.complete(f"ccproxy --home {flag} restart al"), ["alpha"])
        self.assertEqual(self.complete(f"ccproxy --home {flag} run --profile "), ["alpha", "beta"])
        self.assertEqual(self.complete(f"ccproxy --home {flag} logs -f "), ["alpha", "beta"])
        # bash splits --home=DIR at '='.
        self.assertEqual(self.complete(f"ccproxy --home = {flag} stop b"), ["beta"])

    def test_profile_names_from_ccproxy_home_then_the_current_directory(self):
        self.assertEqual(self.complete("ccproxy start ", env_home=self.homes["env"]), ["gamma"])
        self.assertEqual(self.complete("ccproxy start ", cwd=self.homes["cwd"]), ["delta"])
        # --home wins over the environment.
        self.assertEqual(self.complete(f"ccproxy --home {self.homes['flag']} stop ",
                                       env_home=self.homes["env"]), ["alpha", "beta"])
        self.assertEqual(self.complete("ccproxy start ", cwd=self.tmp.name), [])

    def test_directories_for_home_and_init(self):
        got = self.complete(f"ccproxy --home {self.tmp.name}/fl")
        self.assertEqual(got, [self.homes["flag"]])
        self.assertEqual(self.complete(f"ccproxy init {self.tmp.name}/cw"), [self.homes["cwd"]])

    def zsh(self, line, env_home=None):
        """What the zsh script offers for `line`, its completion builtins replaced by stubs
        that print what they are given."""
        if shutil.which("zsh") is None:
            self.skipTest("zsh is not installed (scripts/install-deps.sh test installs it)")
        path = os.path.join(self.tmp.name, "_ccproxy")
        with open(path, "w") as f:
            f.write(script("zsh"))
        words = line.split(" ")
        program = (
            "compdef() { print -r -- \"compdef $*\" >&2; }\n"
            "compadd() { while [[ $1 == -* && $1 != -- ]]; do shift; done; [[ $1 == -- ]] && shift;"
            " print -rl -- \"$@\"; }\n"
            "_describe() { local name=$4; print -rl -- ${(P)name%%:*}; }\n"
            "_files() { print -r -- \"<files $*>\"; }\n"
            f"source {path}\n"
            "words=(" + " ".join("'" + w + "'" for w in words) + ")\n"
            f"CURRENT={len(words)}\n"
            "_ccproxy\n")
        env = {k: v for k, v in os.environ.items() if k != "CCPROXY_HOME"}
        if env_home:
            env["CCPROXY_HOME"] = env_home
        r = subprocess.run(["zsh", "-f", "-c", program], capture_output=True, text=True,
                           timeout=30, env=env, cwd=self.tmp.name)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr, "compdef _ccproxy ccproxy\n")
        return sorted(x for x in r.stdout.splitlines() if x)

    def test_zsh_completes_commands_options_and_profiles(self):
        flag = self.homes["flag"]
        self.assertEqual(self.zsh("ccproxy "), sorted(commands_of_help()))
        self.assertEqual(self.zsh(f"ccproxy --home {flag} start "), ["alpha", "beta"])
        self.assertEqual(self.zsh(f"ccproxy --home {flag} run --profile "), ["alpha", "beta"])
        self.assertEqual(self.zsh("ccproxy stop ", env_home=self.homes["env"]), ["gamma"])
        self.assertEqual(self.zsh("ccproxy status --"), ["--help", "--json", "-h"])
        self.assertEqual(self.zsh("ccproxy completion "), ["bash", "fish", "zsh"])
        self.assertEqual(self.zsh("ccproxy --home "), ["<files -/>"])

    def fish(self, line, env_home=None):
        if shutil.which("fish") is None:
            self.skipTest("fish is not installed (scripts/install-deps.sh test installs it)")
        path = os.path.join(self.tmp.name, "ccproxy.fish")
        with open(path, "w") as f:
            f.write(script("fish"))
        env = {k: v for k, v in os.environ.items() if k != "CCPROXY_HOME"}
        env["HOME"] = self.tmp.name  # no user configuration
        if env_home:
            env["CCPROXY_HOME"] = env_home
        r = subprocess.run(["fish", "--no-config", "-c",
                            f"source {path}; complete -C {line!r}"], capture_output=True,
                           text=True, timeout=30, env=env, cwd=self.tmp.name)
        self.assertEqual((r.returncode, r.stderr), (0, ""))
        return sorted(x.split("\t")[0] for x in r.stdout.splitlines() if x)

    def test_fish_completes_commands_options_and_profiles(self):
        flag = self.homes["flag"]
        self.assertEqual(self.fish("ccproxy "), sorted(commands_of_help()))
        self.assertEqual(self.fish("ccproxy sta"), ["start", "status", "statusline"])
        self.assertEqual(self.fish(f"ccproxy --home {flag} start "), ["alpha", "beta"])
        self.assertEqual(self.fish(f"ccproxy --home {flag} run --profile "), ["alpha", "beta"])
        self.assertEqual(self.fish("ccproxy stop ", env_home=self.homes["env"]), ["gamma"])
        self.assertEqual(self.fish("ccproxy logs -"),
                         ["--follow", "--help", "--lines", "-f", "-h", "-n"])
        self.assertEqual(self.fish("ccproxy completion "), ["bash", "fish", "zsh"])

    def test_unknown_shell(self):
        r = subprocess.run([BIN, "completion", "tcsh"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 2)
        self.assertIn("no completion for 'tcsh' (bash, zsh or fish)", r.stderr)
        r = subprocess.run([BIN, "completion"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 2)
        self.assertIn("which shell?", r.stderr)


if __name__ == "__main__":
    unittest.main()
