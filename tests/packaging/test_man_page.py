"""docs/ccproxy.1 against the binary's own help, both ways: every command and option of
`ccproxy --help` and of each `ccproxy COMMAND --help` is in the man page (an option in its
command's entry), and the man page describes no command the binary lacks."""

import os
import re
import shutil
import subprocess
import unittest

from packaging_helpers import BIN, SOURCE

OPTION = re.compile(r"(?<![\w-])(--?[A-Za-z][\w-]*)")


def help_text(*args):
    r = subprocess.run([BIN, *args, "--help"], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    return r.stdout


def binary_commands():
    """The commands `ccproxy --help` lists, in order."""
    commands, in_list = [], False
    for line in help_text().splitlines():
        if line == "commands:":
            in_list = True
        elif in_list and line.startswith("  ") and line.strip():
            commands.append(line.split()[0])
        elif in_list and not line.strip():
            in_list = False
    return commands


def help_options(text):
    """Options in a help text: its usage line and its lines that start with an option."""
    found = set()
    for line in text.splitlines():
        stripped = line.lstrip()
        if line.startswith("usage:") or (stripped.startswith("-") and line != stripped):
            head = stripped.split("   ")[0] if not line.startswith("usage:") else line
            found.update(m for m in OPTION.findall(head) if m != "--")
    return found


def plain(roff):
    """Man page source as text: font escapes dropped, \\- as -."""
    text = re.sub(r"\\f[BIRP]", "", roff).replace("\\-", "-").replace("\\(em", "-")
    return re.sub(r'^\.(B|I|BR|RB|BI|IB|IR|RI)\s+', "", text, flags=re.M)


def man_sections():
    with open(os.path.join(SOURCE, "docs", "ccproxy.1")) as f:
        roff = f.read()
    sections, name = {}, None
    for line in roff.splitlines():
        if line.startswith(".SH "):
            name = line[4:].strip().strip('"')
            sections[name] = []
        elif name is not None:
            sections[name].append(line)
    return roff, sections


def man_commands(sections):
    """Each .TP entry of COMMANDS: its command name -> its text."""
    entries, current, lines = {}, None, sections.get("COMMANDS", [])
    for i, line in enumerate(lines):
        if line == ".TP" and i + 1 < len(lines):
            current = plain(lines[i + 1]).split()[0]
            entries[current] = []
        elif current is not None:
            entries[current].append(line)
    return {name: plain("\n".join([name] + body)) for name, body in entries.items()}


class ManPageTest(unittest.TestCase):
    def setUp(self):
        self.roff, self.sections = man_sections()
        self.entries = man_commands(self.sections)

    def test_every_command_of_the_binary_has_an_entry(self):
        missing = [c for c in binary_commands() if c not in self.entries]
        self.assertEqual(missing, [], "docs/ccproxy.1 has no entry under .SH COMMANDS for: "
                         + ", ".join(missing) + " (add a .TP paragraph for each)")

    def test_the_man_page_names_no_command_the_binary_lacks(self):
        extra = sorted(set(self.entries) - set(binary_commands()))
        self.assertEqual(extra, [], "docs/ccproxy.1 describes commands that `ccproxy --help` "
                         "does not list: " + ", ".join(extra))

    def test_every_option_of_every_command_is_in_its_entry(self):
        missing = []
        for command in binary_commands():
            entry = self.entries.get(command)
            if entry is None:
                continue  # reported by the test above
            for option in sorted(help_options(help_text(command)) - {"-h", "--help", "--home"}):
                if not re.search(r"(?<![\w-])" + re.escape(option) + r"(?![\w-])", entry):
                    missing.append(f"{command} {option}")
        self.assertEqual(missing, [], "options of `ccproxy COMMAND --help` missing from their "
                         "entry in docs/ccproxy.1: " + "; ".join(missing))

    def test_global_options(self):
        text = plain("\n".join(self.sections.get("GLOBAL OPTIONS", [])))
        for option in sorted(help_options(help_text())):
            self.assertRegex(text, r"(?<![\w-])" + re.escape(option) + r"(?![\w-])",
                             f"global option {option} missing from GLOBAL OPTIONS")

    def test_sections_a_man_page_needs(self):
        for name in ["NAME", "SYNOPSIS", "DESCRIPTION", "COMMANDS", "FILES", "ENVIRONMENT",
                     "EXIT STATUS"]:
            self.assertIn(name, self.sections)
        if shutil.which("groff") is None:
            self.skipTest("groff is not installed (groff-base): the page was not rendered")
        r = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z",
                            os.path.join(SOURCE, "docs", "ccproxy.1")],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual((r.returncode, r.stderr), (0, ""), "groff warnings")

    def test_the_checks_see_a_missing_option(self):
        # The parsers themselves: an option the help has and an entry lacks is found.
        self.assertEqual(help_options("usage: ccproxy [--home DIR] x [-n N] [--dry-run]\n"
                                      "  -f, --follow   keep going\nprose -not-an-option\n"),
                         {"--home", "-n", "--dry-run", "-f", "--follow"})
        entries = man_commands({"COMMANDS": [".TP", ".BR logs \" [\" \\-f ]", "text"]})
        self.assertIn("-f", entries["logs"])
        self.assertNotIn("--follow", entries["logs"])


if __name__ == "__main__":
    unittest.main()
