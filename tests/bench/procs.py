"""Processes the benchmark starts: launch in their own session, wait until they serve, measure
their resident memory (the process and all its descendants), stop them. Only processes started
here are ever signalled."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request


def exit_on_sigterm():
    """SIGTERM ends the script like Ctrl-C does: through its finally blocks, which stop the
    workers, nginx and wrk it started (a plain SIGTERM would leave them running)."""
    signal.signal(signal.SIGTERM, lambda signum, _frame: sys.exit(128 + signum))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children_map():
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        # The command name may hold spaces and parentheses: split after the last ')'.
        fields = stat[stat.rfind(b")") + 2 :].split()
        children.setdefault(int(fields[1]), []).append(int(entry))
    return children


def tree_pids(pid: int):
    children = _children_map()
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def proc_kb(pid: int, name: str, key: str) -> int:
    """The `key:` line of /proc/PID/NAME in KiB (status, smaps_rollup); 0 when unreadable."""
    try:
        with open(f"/proc/{pid}/{name}") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def vm_rss_kb(pid: int) -> int:
    return proc_kb(pid, "status", "VmRSS")


def rss_parts_kb(pid: int) -> dict:
    """RssAnon / RssFile / RssShmem of one process, in KiB (RSS counts shared library pages
    too: RssAnon is the memory the process itself allocated)."""
    parts = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(("RssAnon:", "RssFile:", "RssShmem:")):
                    key, value = line.split(":", 1)
                    parts[key] = int(value.split()[0])
    except OSError:
        pass
    return parts


def tree_rss_kb(pid: int) -> int:
    """VmRSS of pid plus every descendant, in KiB."""
    return sum(vm_rss_kb(p) for p in tree_pids(pid))


MEM_KEYS = ("rss", "pss", "uss")


def mem_kb(pid: int) -> dict:
    """What one process costs, in KiB, from /proc/PID/smaps_rollup: RSS (every resident page it
    maps, shared library pages included), PSS (each page divided by the number of processes
    mapping it) and USS (its private pages: what stopping it would free)."""
    fields = {}
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                key, _, rest = line.partition(":")
                if rest.strip().endswith("kB"):
                    fields[key] = int(rest.split()[0])
    except OSError:
        return {k: 0 for k in MEM_KEYS}
    return {"rss": fields.get("Rss", 0), "pss": fields.get("Pss", 0),
            "uss": fields.get("Private_Clean", 0) + fields.get("Private_Dirty", 0)}


def tree_mem_kb(pid: int) -> dict:
    """mem_kb of pid plus every descendant, summed (nginx's workers, a Node proxy's helpers)."""
    total = {k: 0 for k in MEM_KEYS}
    for p in tree_pids(pid):
        for k, v in mem_kb(p).items():
            total[k] += v
    return total


def mem_max(a: dict, b: dict) -> dict:
    """Figure by figure, the larger of two mem_kb readings."""
    return {k: max(a.get(k, 0), b.get(k, 0)) for k in MEM_KEYS}


class RssSampler:
    """Samples tree_mem_kb of some pids every `interval` seconds; keeps each one's peak RSS
    (`peak`) and each figure's peak (`peak_mem`: rss, pss, uss)."""

    def __init__(self, pids, interval=0.05):
        self.pids = list(pids)
        self.interval = interval
        self.peak = {p: 0 for p in self.pids}
        self.peak_mem = {p: {} for p in self.pids}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            for p in self.pids:
                now = tree_mem_kb(p)
                self.peak[p] = max(self.peak[p], now["rss"])
                self.peak_mem[p] = mem_max(self.peak_mem[p], now)
            self._stop.wait(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


class Service:
    """One long-running process under test (nginx, a ccproxy worker, claude-code-router)."""

    def __init__(self, name, argv, log_path, env=None, cwd=None, preexec=None):
        self.name = name
        self.argv = argv
        self.log_path = log_path
        self.env = env
        self.cwd = cwd
        self.preexec = preexec
        self.proc = None

    def start(self):
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            self.argv,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=self.env,
            cwd=self.cwd,
            start_new_session=True,  # its own process group: we stop it, and only it
            preexec_fn=self.preexec,
        )
        log.close()
        return self

    @property
    def pid(self):
        return self.proc.pid

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def log_tail(self, n=20):
        try:
            with open(self.log_path, "rb") as f:
                lines = f.read().decode("utf-8", "replace").splitlines()
            return "\n".join(lines[-n:])
        except OSError:
            return ""

    def stop(self, timeout=10.0):
        if not self.alive():
            return
        # The group we created at start: the process and any helpers it spawned.
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


def wait_port(port, service, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not service.alive():
            raise RuntimeError(f"{service.name} exited early:\n{service.log_tail()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{service.name} did not listen on {port} in {timeout}s:\n"
                       f"{service.log_tail()}")


def wait_http_ok(url, service, timeout=20.0):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        if not service.alive():
            raise RuntimeError(f"{service.name} exited early:\n{service.log_tail()}")
        try:
            with urllib.request.urlopen(url, timeout=1.0) as r:
                if r.status == 200:
                    return
        except Exception as e:  # noqa: BLE001 - any failure means "not ready yet"
            last = e
        time.sleep(0.1)
    raise RuntimeError(f"{service.name}: {url} not ready in {timeout}s ({last}):\n"
                       f"{service.log_tail()}")
