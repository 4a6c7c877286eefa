"""What the packaging tests share: where the build is, and what an install must hold."""

import os
import subprocess

BIN = os.environ.get("CCPROXY_BIN", "")
BUILD = os.environ.get("CCPROXY_BUILD_DIR", "")
SOURCE = os.environ.get("CCPROXY_SOURCE_DIR",
                        os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

# Every file an install puts in place, relative to the prefix, with its mode.
EXPECTED_FILES = {
    "bin/ccproxy": 0o755,
    "share/man/man1/ccproxy.1.gz": 0o644,
    "share/bash-completion/completions/ccproxy": 0o644,
    "share/zsh/vendor-completions/_ccproxy": 0o644,
    "share/fish/vendor_completions.d/ccproxy.fish": 0o644,
    "lib/systemd/system/ccproxy.service": 0o644,
    "lib/systemd/user/ccproxy.service": 0o644,
    "lib/sysusers.d/ccproxy.conf": 0o644,
    "share/doc/ccproxy/README.md": 0o644,
    "share/doc/ccproxy/deploy.md": 0o644,
    "share/doc/ccproxy/ccproxy.toml.example": 0o644,
    "share/doc/ccproxy/examples/profiles/gemini.toml": 0o644,
    "share/doc/ccproxy/examples/profiles/glm.toml": 0o644,
    "share/doc/ccproxy/examples/profiles/kimi.toml": 0o644,
    "share/doc/ccproxy/examples/profiles/minimax.toml": 0o644,
}

COMPLETION_FILES = {
    "bash": "share/bash-completion/completions/ccproxy",
    "zsh": "share/zsh/vendor-completions/_ccproxy",
    "fish": "share/fish/vendor_completions.d/ccproxy.fish",
}


def completion(shell):
    return subprocess.run([BIN, "completion", shell], capture_output=True, text=True,
                          check=True, timeout=30).stdout


def files_under(root):
    """Regular files and links under root, relative, sorted."""
    out = []
    for d, _, names in os.walk(root):
        for n in names:
            out.append(os.path.relpath(os.path.join(d, n), root))
    return sorted(out)
