#!/usr/bin/env python3
"""ccproxy benchmark: the same requests, side by side, through

  direct     the static OpenAI-compatible upstream itself (nginx serving files)
  nginx-hop  nginx as a plain keep-alive reverse proxy in front of it (the floor for one hop)
  ccproxy    a ccproxy worker (Release build) translating Anthropic -> OpenAI
  ccr        claude-code-router 2.0.0 (npm), configured against the same upstream

with wrk at a few concurrency levels, both request bodies (the 86 KB Claude Code request and
a small one), streaming and not; then a scale test of one ccproxy worker holding many slow
concurrent streams. Loopback only. Started by tests/bench/run.sh (which installs packages and
builds first); see tests/bench/README.md.
"""

import argparse
import datetime
import http.client
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)

import nginx_conf  # noqa: E402
import procs  # noqa: E402
import report  # noqa: E402
import upstream_fixtures  # noqa: E402
import wrk_run  # noqa: E402

CCR_PACKAGE = "@musistudio/claude-code-router@2.0.0"
BODIES = ("86KB", "small")
MODES = ("non-stream", "stream")
REQ_FILE = {
    ("86KB", "non-stream"): "req-large-json.json",
    ("86KB", "stream"): "req-large-stream.json",
    ("small", "non-stream"): "req-small-json.json",
    ("small", "stream"): "req-small-stream.json",
}
NOBODY = 65534


def log(msg):
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def load1():
    return round(os.getloadavg()[0], 2)


def machine_info():
    cpu = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem_kb = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])

    def version(argv):
        try:
            p = subprocess.run(argv, capture_output=True, text=True, timeout=10)
            return (p.stdout + p.stderr).strip().splitlines()[0]
        except (OSError, IndexError, subprocess.SubprocessError):
            return "n/a"

    # The binary is built from the working tree: --dirty says when it differs from HEAD.
    rev = version(["git", "-C", REPO, "describe", "--always", "--dirty"])
    return {
        "date_utc": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "kernel": platform.release(),
        "mem_gib": round(mem_kb / 1048576, 1),
        "loadavg_start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "nginx": version(["nginx", "-v"]).replace("nginx version: ", ""),
        "wrk": "wrk " + version(["wrk", "-v"]).split(" [")[0].replace("wrk ", ""),
        "node": version(["node", "--version"]),
        "git": rev,
    }


def raise_nofile(want):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < want:
        new = want if hard == resource.RLIM_INFINITY else min(want, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))
        soft = new
    return soft


def post(url, body, timeout=30.0):
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    path = u.path + (("?" + u.query) if u.query else "")
    conn.request("POST", path, body=body, headers={
        "Content-Type": "application/json", "anthropic-version": "2023-06-01",
        "x-api-key": "sk-bench-client"})
    r = conn.getresponse()
    data = r.read()
    conn.close()
    return r.status, data


def check_response(kind, mode, status, data):
    """None when the response is the right shape for this target kind, else what is wrong."""
    if status != 200:
        return f"status {status}: {data[:300]!r}"
    if kind == "openai":
        want = b"[DONE]" if mode == "stream" else b'"chat.completion"'
        return None if want in data else f"not an OpenAI {mode} response: {data[:300]!r}"
    if mode == "stream":
        for want in (b"event: message_start", b"content_block_delta", b"event: message_stop"):
            if want not in data:
                return f"Anthropic stream lacks {want.decode()}: {data[:300]!r}"
        return None
    try:
        msg = json.loads(data)
    except ValueError:
        return f"not JSON: {data[:300]!r}"
    if msg.get("type") != "message" or not msg.get("content"):
        return f"not an Anthropic message: {data[:300]!r}"
    return None


class Target:
    def __init__(self, name, kind, urls, pids, note=""):
        self.name = name
        self.kind = kind  # "openai" (speaks to the upstream format) or "anthropic"
        self.urls = urls  # mode -> URL
        self.pids = pids  # mode -> pid whose process tree is the proxy serving that mode
        self.note = note
        self.invalid = {}  # (body, mode) -> reason
        self.rss_idle_kb = 0
        self.rss_peak_kb = 0
        self.rss_after_kb = 0
        self.rss_idle_parts = {}
        self.mem_idle_kb = {}  # rss, pss, uss of the process tree (procs.mem_kb)
        self.mem_peak_kb = {}
        self.mem_after_kb = {}


class Bench:
    def __init__(self, args):
        self.args = args
        self.tmp = tempfile.mkdtemp(prefix="ccproxy-bench-")
        os.chmod(self.tmp, 0o755)
        self.out = args.out
        os.makedirs(self.out, exist_ok=True)
        self.services = []
        self.notes = []
        self.runs = []
        self.paced = []
        self.scale = []
        self.targets = []

    # ---- processes -------------------------------------------------------------------------

    def start(self, service):
        self.services.append(service)
        return service.start()

    def stop_all(self):
        for s in reversed(self.services):
            s.stop()

    def nginx(self, name, conf_text):
        prefix = os.path.join(self.tmp, name)
        os.makedirs(prefix, exist_ok=True)
        conf = os.path.join(prefix, "nginx.conf")
        with open(conf, "w") as f:
            f.write(conf_text)
        argv = ["nginx", "-p", prefix, "-c", conf, "-e", os.path.join(prefix, "error.log")]
        if os.geteuid() == 0:
            # An unprivileged master: nginx never runs as root here.
            for root, dirs, files in os.walk(prefix):
                os.chown(root, NOBODY, NOBODY)
                for fn in files:
                    os.chown(os.path.join(root, fn), NOBODY, NOBODY)
            argv = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"] + argv
        return self.start(procs.Service(name, argv, os.path.join(self.tmp, f"{name}.out")))

    # ---- setup -----------------------------------------------------------------------------

    def setup(self):
        a = self.args
        files_dir = os.path.join(self.tmp, "files")
        os.makedirs(files_dir)
        os.chmod(files_dir, 0o755)
        self.files = upstream_fixtures.write_all(files_dir, a.fixture)
        for p in self.files.values():
            os.chmod(p, 0o644)
        sse_size = os.path.getsize(self.files["stream.sse"])
        slow_rate = max(256, sse_size // a.scale_stream_s)
        self.sse_size = sse_size
        self.small_size = os.path.getsize(self.files["req-small-stream.json"])
        log(f"fixture {a.fixture} ({os.path.getsize(a.fixture)} bytes); temp dir {self.tmp}")

        up_port, hop_port = procs.free_port(), procs.free_port()
        self.up_port = up_port
        up = self.nginx("upstream", nginx_conf.upstream_conf(
            os.path.join(self.tmp, "upstream"), up_port, files_dir, str(slow_rate)))
        procs.wait_port(up_port, up)
        hop = self.nginx("nginx-hop", nginx_conf.hop_conf(
            os.path.join(self.tmp, "nginx-hop"), hop_port, up_port))
        procs.wait_port(hop_port, hop)

        def up_url(port, mode, variant=None):
            v = variant or ("sse" if mode == "stream" else "json")
            return f"http://127.0.0.1:{port}/{v}/v1/chat/completions"

        self.targets.append(Target(
            "direct", "openai", {m: up_url(up_port, m) for m in MODES},
            {m: up.pid for m in MODES}, "nginx static files (the upstream itself)"))
        self.targets.append(Target(
            "nginx-hop", "openai", {m: up_url(hop_port, m) for m in MODES},
            {m: hop.pid for m in MODES}, "nginx 1 worker, proxy_pass, keep-alive upstream"))

        # ccproxy: one worker per upstream variant (json, sse) and one for the scale test.
        self.ccproxy_workers = {}
        if a.skip_ccproxy:
            self.notes.append("ccproxy skipped (--skip-ccproxy): harness smoke run only.")
            self.setup_ccr(up_url)
            self.settle()
            return
        self.ccproxy_workers = self.start_ccproxy("ccproxy", a.ccproxy, up_port,
                                                  ("json", "sse", "slow"))
        cj, cs = self.ccproxy_workers["json"], self.ccproxy_workers["sse"]
        self.targets.append(Target(
            "ccproxy", "anthropic",
            {"non-stream": f"http://127.0.0.1:{cj[1]}/v1/messages?beta=true",
             "stream": f"http://127.0.0.1:{cs[1]}/v1/messages?beta=true"},
            {"non-stream": cj[0].pid, "stream": cs[0].pid},
            f"Release build, log_level {a.ccproxy_log_level}"))
        if a.ccproxy_base:
            # The same profiles served by another build (the previous commit, say), measured in
            # the same run: the fair way to compare two builds on a machine whose speed drifts.
            base = self.start_ccproxy("ccproxy-base", a.ccproxy_base, up_port, ("json", "sse"))
            self.targets.append(Target(
                "ccproxy-base", "anthropic",
                {"non-stream": f"http://127.0.0.1:{base['json'][1]}/v1/messages?beta=true",
                 "stream": f"http://127.0.0.1:{base['sse'][1]}/v1/messages?beta=true"},
                {"non-stream": base["json"][0].pid, "stream": base["sse"][0].pid},
                f"CCPROXY_BASE_BIN={a.ccproxy_base}"))

        # The failover row: a pool whose first upstream refuses every connection.
        fo = self.start_ccproxy("ccproxy-failover", a.ccproxy, up_port, ("json", "sse"),
                                refused_port=procs.free_port())
        self.targets.append(Target(
            "ccproxy-failover", "anthropic",
            {"non-stream": f"http://127.0.0.1:{fo['json'][1]}/v1/messages?beta=true",
             "stream": f"http://127.0.0.1:{fo['sse'][1]}/v1/messages?beta=true"},
            {"non-stream": fo["json"][0].pid, "stream": fo["sse"][0].pid},
            "pool: the first upstream refuses connections, the second answers"))

        self.setup_ccr(up_url)
        self.settle()

    def start_ccproxy(self, label, binary, up_port, variants, refused_port=None):
        """One ccproxy worker per upstream variant (json, sse, slow) from `binary`, each with
        its own profile in a home of its own; returns {variant: (service, port)}. With
        `refused_port`, each profile is a pool whose first upstream refuses connections there
        (cooldown_s = 0, so requests keep trying it first) and whose second is the upstream."""
        if not os.access(binary, os.X_OK):
            raise RuntimeError(f"no ccproxy binary at {binary} (set CCPROXY_BIN)")
        a = self.args
        home = os.path.join(self.tmp, f"{label}-home")
        os.makedirs(os.path.join(home, "profiles"))
        workers = {}
        for variant in variants:
            name = f"bench-{variant}"
            port = procs.free_port()
            models = ('big = "bench/model-large"\nmiddle = "bench/model-large"\n'
                      'small = "bench/model-small"\n')
            upstream = (f'base_url = "http://127.0.0.1:{up_port}/{variant}/v1"\n'
                        f'api_key = "sk-bench-upstream-key"\nformat = "openai"\n')
            with open(os.path.join(home, "profiles", f"{name}.toml"), "w") as f:
                f.write(f'port = {port}\nlog_level = "{a.ccproxy_log_level}"\n\n')
                if refused_port is None:
                    f.write(f'[upstream]\n{upstream}\n[models]\n{models}')
                else:
                    f.write(f'[balance]\ncooldown_s = 0\n\n'
                            f'[[upstreams]]\nname = "refusing"\n'
                            f'base_url = "http://127.0.0.1:{refused_port}/v1"\n'
                            f'[upstreams.models]\n{models}\n'
                            f'[[upstreams]]\nname = "answering"\n{upstream}'
                            f'[upstreams.models]\n{models}')
            svc = self.start(procs.Service(
                f"{label}-{name}", [binary, "--home", home, "run", "--profile", name],
                os.path.join(self.tmp, f"{label}-{name}.out")))
            procs.wait_http_ok(f"http://127.0.0.1:{port}/health", svc)
            workers[variant] = (svc, port)
        return workers

    def settle(self):
        time.sleep(1.0)  # let every process settle before the idle reading
        for t in self.targets:
            pid = max(set(t.pids.values()), key=procs.tree_rss_kb)
            t.rss_idle_kb = procs.tree_rss_kb(pid)
            t.rss_idle_parts = procs.rss_parts_kb(pid)
            t.mem_idle_kb = procs.tree_mem_kb(pid)
        if "slow" in self.ccproxy_workers:
            self.scale_idle_kb = procs.tree_rss_kb(self.ccproxy_workers["slow"][0].pid)

    def setup_ccr(self, up_url):
        a = self.args
        cli = os.path.join(a.ccr_dir, "node_modules", "@musistudio", "claude-code-router",
                           "dist", "cli.js")
        if a.skip_ccr:
            self.notes.append("claude-code-router skipped (--skip-ccr).")
            return
        if not os.path.exists(cli) or not shutil.which("node"):
            self.notes.append(
                f"claude-code-router skipped: {CCR_PACKAGE} is not installed in {a.ccr_dir} "
                "(npm unreachable?) or node is missing.")
            return
        urls, pids = {}, {}
        for mode in MODES:
            variant = "sse" if mode == "stream" else "json"
            home = os.path.join(self.tmp, f"ccr-{variant}")
            cfg_dir = os.path.join(home, ".claude-code-router")
            os.makedirs(os.path.join(home, "tmp"))
            os.makedirs(cfg_dir)
            port = procs.free_port()
            cfg = {
                "HOST": "127.0.0.1",
                "PORT": port,
                "LOG": False,
                "API_TIMEOUT_MS": 600000,
                "Providers": [{
                    "name": "bench",
                    "api_base_url": up_url(self.up_port, mode),
                    "api_key": "sk-bench-upstream-key",
                    "models": ["bench/model-large"],
                }],
                "Router": {"default": "bench,bench/model-large"},
            }
            with open(os.path.join(cfg_dir, "config.json"), "w") as f:
                json.dump(cfg, f, indent=2)
            # HOME and TMPDIR in the run's temp dir: the user's real config is never read or
            # written.
            env = dict(os.environ, HOME=home, TMPDIR=os.path.join(home, "tmp"),
                       NODE_ENV="production")
            svc = self.start(procs.Service(
                f"ccr-{variant}", ["node", cli, "start"],
                os.path.join(self.tmp, f"ccr-{variant}.out"), env=env, cwd=home))
            procs.wait_port(port, svc, timeout=60)
            urls[mode] = f"http://127.0.0.1:{port}/v1/messages?beta=true"
            pids[mode] = svc.pid
        self.targets.append(Target("ccr", "anthropic", urls, pids,
                                   f"{CCR_PACKAGE}, node {machine_info()['node']}"))

    # ---- measurements ----------------------------------------------------------------------

    def validate(self):
        for t in self.targets:
            for body in BODIES:
                for mode in MODES:
                    with open(self.files[REQ_FILE[(body, mode)]], "rb") as f:
                        data = f.read()
                    try:
                        status, resp = post(t.urls[mode], data)
                        problem = check_response(t.kind, mode, status, resp)
                    except OSError as e:
                        problem = f"{type(e).__name__}: {e}"
                    if problem:
                        t.invalid[(body, mode)] = problem
                        log(f"INVALID {t.name} {body} {mode}: {problem}")

    def throughput(self):
        a = self.args
        for body in BODIES:
            for mode in MODES:
                req = self.files[REQ_FILE[(body, mode)]]
                for i, conns in enumerate(a.connections):
                    for t in self.targets:
                        if (body, mode) in t.invalid:
                            continue
                        if i == 0 and a.warmup > 0:
                            wrk_run.run(t.urls[mode], req, 16, a.warmup, 2)
                        pid = t.pids[mode]
                        la = load1()
                        with procs.RssSampler([pid]) as rs:
                            r = wrk_run.run(t.urls[mode], req, conns, a.duration,
                                            1 if conns == 1 else a.threads)
                        t.rss_peak_kb = max(t.rss_peak_kb, rs.peak[pid])
                        t.mem_peak_kb = procs.mem_max(t.mem_peak_kb, rs.peak_mem[pid])
                        run = {k: v for k, v in r.items() if k != "raw"}
                        run.update(target=t.name, body=body, mode=mode, conns=conns, load1=la,
                                   rss_peak_kb=rs.peak[pid])
                        run["errors"] = wrk_run.error_count(r)
                        self.runs.append(run)
                        with open(os.path.join(self.out, "wrk-raw.txt"), "a") as f:
                            f.write(f"### {t.name} {body} {mode} c={conns} load1={la}\n"
                                    f"{r['raw']}\n")
                        flag = "  ** ERRORS **" if run["errors"] else ""
                        log(f"{t.name:9} {body:5} {mode:10} c={conns:<3} "
                            f"{(r['rps'] or 0):10.1f} req/s  p50 {r['p50_ms'] or 0:.3f} ms  "
                            f"p99 {r['p99_ms'] or 0:.3f} ms  load {la}{flag}")
        time.sleep(0.5)
        for t in self.targets:
            t.rss_after_kb = max(procs.tree_rss_kb(p) for p in set(t.pids.values()))
            for p in set(t.pids.values()):
                t.mem_after_kb = procs.mem_max(t.mem_after_kb, procs.tree_mem_kb(p))

    def paced_latency(self):
        """Latency at one offered load for every target: 16 connections, each pausing about
        pace_ms between an answer and its next request (post.lua), so a few thousand requests/s
        in all, below what direct, the hop and ccproxy can serve. Saturated runs (throughput())
        measure each target at its own load, where latency is mostly its queue. The targets take
        turns, round after round, so that a slow spell of the machine falls on all of them; a
        figure is the median over the rounds. claude-code-router is left out: its capacity on
        these requests is below the offered load."""
        a = self.args
        targets = [t for t in self.targets if t.name != "ccr"]
        for body in BODIES:
            for mode in MODES:
                req = self.files[REQ_FILE[(body, mode)]]
                rounds = {t.name: [] for t in targets}
                for _ in range(a.paced_rounds):
                    for t in targets:
                        if (body, mode) in t.invalid:
                            continue
                        la = load1()
                        r = wrk_run.run(t.urls[mode], req, 16, a.paced_s, a.threads,
                                        pace_ms=a.pace_ms)
                        rounds[t.name].append({"rps": r["rps"], "p50_ms": r["p50_ms"],
                                               "p99_ms": r["p99_ms"],
                                               "errors": wrk_run.error_count(r),
                                               "load1": la})
                        with open(os.path.join(self.out, "wrk-raw.txt"), "a") as f:
                            f.write(f"### paced {a.pace_ms} ms: {t.name} {body} {mode} c=16 "
                                    f"load1={la}\n{r['raw']}\n")
                for t in targets:
                    got = rounds[t.name]
                    if not got:
                        continue
                    run = {"target": t.name, "body": body, "mode": mode, "conns": 16,
                           "rounds": got, "errors": sum(g["errors"] for g in got)}
                    for key in ("rps", "p50_ms", "p99_ms"):
                        vals = [g[key] for g in got if g[key] is not None]
                        run[key] = statistics.median(vals) if vals else None
                    self.paced.append(run)
                    flag = "  ** ERRORS **" if run["errors"] else ""
                    p99s = ", ".join(f"{g['p99_ms'] or 0:.2f}" for g in got)
                    log(f"paced {t.name:9} {body:5} {mode:10} c=16 {(run['rps'] or 0):8.1f} req/s"
                        f"  p50 {run['p50_ms'] or 0:.3f} ms  p99 {run['p99_ms'] or 0:.3f} ms "
                        f"(p99 per round: {p99s}){flag}")

    def scale_test(self):
        a = self.args
        cases = [("direct", "openai", f"http://127.0.0.1:{self.up_port}/slow/v1/chat/completions",
                  None)]
        svc = None
        if "slow" in self.ccproxy_workers:
            svc, port = self.ccproxy_workers["slow"]
            cases.append(("ccproxy", "anthropic", f"http://127.0.0.1:{port}/v1/messages?beta=true",
                          svc.pid))
        markers = {"openai": ('"delta":{"content":"', "[DONE]"),
                   "anthropic": ("event: content_block_delta", "event: message_stop")}
        for body in a.scale_bodies:
            req = self.files[REQ_FILE[(body, "stream")]]
            for name, kind, url, pid in cases:
                la = load1()
                argv = [sys.executable, os.path.join(HERE, "stream_clients.py"), "--url", url,
                        "--body", req, "--clients", str(a.scale_clients), "--timeout", "90",
                        "--ramp", str(a.scale_ramp_s),
                        "--marker", markers[kind][0], "--end", markers[kind][1]]
                with procs.RssSampler([pid] if pid else []) as rs:
                    p = subprocess.run(argv, capture_output=True, text=True, timeout=150)
                try:
                    res = json.loads(p.stdout)
                except ValueError:
                    res = {"clients": a.scale_clients, "completed": 0, "errors": a.scale_clients,
                           "error_kinds": {"client failed": p.stderr[-300:]}}
                res.update(target=name, body=body, load1=la,
                           rss_peak_kb=rs.peak.get(pid) if pid else None,
                           mem_peak_kb=rs.peak_mem.get(pid) if pid else None)
                self.scale.append(res)
                log(f"scale {name:8} {body:5} {res.get('completed')}/{res['clients']} ok, "
                    f"errors {res['errors']} {res.get('error_kinds') or ''}, peak concurrent "
                    f"{res.get('peak_concurrent')}, all sent after {res.get('ramp_ms')} ms, ttfb p50/p99 "
                    f"{res.get('ttfb_ms', {}).get('p50')}/{res.get('ttfb_ms', {}).get('p99')} ms,"
                    f" first delta p50/p99 {res.get('first_event_ms', {}).get('p50')}/"
                    f"{res.get('first_event_ms', {}).get('p99')} ms, rss peak "
                    f"{res['rss_peak_kb']} KiB, load {la}")
        if svc:
            self.scale_after_kb = procs.tree_rss_kb(svc.pid)

    def results(self):
        return {
            "machine": self.machine,
            "quick": self.args.quick,
            "settings": {"duration_s": self.args.duration, "connections": self.args.connections,
                         "wrk_threads": self.args.threads, "warmup_s": self.args.warmup,
                         "pace_ms": self.args.pace_ms, "paced_rounds": self.args.paced_rounds,
                         "paced_s": self.args.paced_s,
                         "scale_clients": self.args.scale_clients,
                         "scale_stream_s": self.args.scale_stream_s,
                         "scale_ramp_s": self.args.scale_ramp_s,
                         "sse_bytes": self.sse_size,
                         "fixture_bytes": os.path.getsize(self.args.fixture),
                         "small_bytes": self.small_size},
            "targets": [{"name": t.name, "note": t.note, "rss_idle_kb": t.rss_idle_kb,
                         "rss_idle_parts_kb": t.rss_idle_parts,
                         "rss_peak_kb": t.rss_peak_kb, "rss_after_kb": t.rss_after_kb,
                         "mem_idle_kb": t.mem_idle_kb, "mem_peak_kb": t.mem_peak_kb,
                         "mem_after_kb": t.mem_after_kb,
                         "invalid": {f"{b} {m}": v for (b, m), v in t.invalid.items()}}
                        for t in self.targets],
            "runs": self.runs,
            "paced": self.paced,
            "scale": self.scale,
            "scale_idle_kb": getattr(self, "scale_idle_kb", None),
            "scale_after_kb": getattr(self, "scale_after_kb", None),
            "notes": self.notes,
        }

    def run(self):
        self.machine = machine_info()
        log(f"machine: {self.machine['nproc']} cpus, {self.machine['cpu']}, kernel "
            f"{self.machine['kernel']}, load {self.machine['loadavg_start']}")
        nofile = raise_nofile(4 * self.args.scale_clients + 1024)
        if nofile < 3 * self.args.scale_clients:
            self.notes.append(f"open-file limit is {nofile}: too low for "
                              f"{self.args.scale_clients} streams through a proxy")
        try:
            self.setup()
            self.validate()
            if self.args.part in ("all", "throughput"):
                self.throughput()
                self.paced_latency()
            if self.args.part in ("all", "scale"):
                self.scale_test()
        finally:
            self.stop_all()
            self.machine["loadavg_end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
            for s in self.services:
                if os.path.exists(s.log_path):
                    shutil.copy(s.log_path, os.path.join(self.out, os.path.basename(s.log_path)))
            if not self.args.keep_tmp:
                shutil.rmtree(self.tmp, ignore_errors=True)
        res = self.results()
        with open(os.path.join(self.out, "results.json"), "w") as f:
            json.dump(res, f, indent=1)
        return res


def main():
    ap = argparse.ArgumentParser(description="ccproxy side-by-side benchmark (loopback)")
    ap.add_argument("--quick", action="store_true",
                    help="smoke run: 1 s per point, 16 connections, 100 scale clients; "
                         "writes only under tests/bench/out/")
    ap.add_argument("--skip-ccr", action="store_true", help="leave claude-code-router out")
    ap.add_argument("--skip-ccproxy", action="store_true",
                    help="harness check without a ccproxy build (nothing is published)")
    ap.add_argument("--out", default=os.path.join(HERE, "out"))
    ap.add_argument("--keep-tmp", action="store_true", help="keep the temp dir (configs, logs)")
    ap.add_argument("--no-publish", action="store_true",
                    help="do not write bench-results.md and docs/bench/*.png")
    ap.add_argument("--no-profile", action="store_true",
                    help="do not profile ccproxy when a target is missed")
    ap.add_argument("--part", choices=["all", "throughput", "scale"], default="all",
                    help="run only the wrk measurements or only the scale test "
                         "(nothing is published)")
    ap.add_argument("--scale-clients", type=int, dest="scale_clients_flag",
                    help="streams in the scale test (default 1000, 100 with --quick)")
    args = ap.parse_args()
    args.fixture = os.environ.get("CCPROXY_BENCH_FIXTURE") or os.path.abspath(
        os.path.join(REPO, "tests", "fixtures", "claude-code-request.json"))
    args.ccproxy = os.environ.get("CCPROXY_BIN") or os.path.join(
        REPO, "build", "release", "cmd", "ccproxy")
    args.ccproxy_base = os.environ.get("CCPROXY_BASE_BIN")
    args.ccr_dir = os.environ.get("CCPROXY_BENCH_CCR_DIR") or os.path.join(
        REPO, "build", "bench-npm")
    args.ccproxy_log_level = os.environ.get("CCPROXY_BENCH_LOG_LEVEL", "info")
    args.threads = 2
    args.pace_ms = 4
    if args.quick:
        args.paced_rounds, args.paced_s = 1, 1
        args.duration, args.connections, args.warmup = 1, [16], 0
        args.scale_clients, args.scale_stream_s, args.scale_bodies = 100, 2, ["small"]
        args.scale_ramp_s = 0.5
    else:
        args.duration, args.connections, args.warmup = 3, [1, 16, 64], 1
        args.paced_rounds, args.paced_s = 5, 2
        args.scale_clients, args.scale_stream_s, args.scale_ramp_s = 1000, 6, 2.0
        args.scale_bodies = ["small", "86KB"]
    if args.scale_clients_flag:
        args.scale_clients = args.scale_clients_flag
    if not os.path.exists(args.fixture):
        sys.exit(f"bench: fixture not found: {args.fixture} (set CCPROXY_BENCH_FIXTURE)")
    shutil.rmtree(args.out, ignore_errors=True)
    res = Bench(args).run()
    publish = not (args.quick or args.no_publish or args.skip_ccproxy or args.part != "all")
    if publish:
        text = report.render(res, REPO, "docs/bench/throughput.png", args.out)
    else:
        text = report.render(res, args.out, "throughput.png", args.out)
    print(text["table"])
    if text["missed"] and not args.quick and not args.no_profile and not args.skip_ccproxy:
        append_profiles(args, text)
    log(f"wrote {', '.join(text['written'])}")


def append_profiles(args, text):
    """A missed target comes with where the time (or memory) goes, in bench-results.md."""
    cases = []
    if any("throughput" in m or "p99" in m for m in text["missed"]):
        cases += [["--body", "86KB", "--mode", "non-stream", "--seconds", "4"],
                  ["--body", "86KB", "--mode", "stream", "--seconds", "4"]]
    for body, streams in (("86KB", "200"), ("small", "300")):
        if any("concurrent streams" in m and f"({body} request)" in m for m in text["missed"]):
            cases.append(["--tool", "massif", "--streams", streams, "--body", body, "--top", "0"])
    sections = []
    for case in cases:
        log(f"profiling: {' '.join(case)}")
        p = subprocess.run([sys.executable, os.path.join(HERE, "profile.py")] + case,
                           capture_output=True, text=True, timeout=300,
                           env=dict(os.environ, CCPROXY_BIN=args.ccproxy))
        out = p.stdout.strip()
        if "massif" in case:
            out = massif_peak_summary(out)
        sections.append(f"`tests/bench/profile.py {' '.join(case)}` (load {load1()}):\n\n"
                        f"```\n{out or p.stderr.strip()[-2000:]}\n```\n")
    with open(text["md_path"], "a") as f:
        f.write("\n## Where the time goes (targets missed above)\n\n"
                "perf (software cpu-clock, DWARF call graphs) on one ccproxy worker under wrk at "
                "16 connections; for memory, valgrind massif's peak heap snapshot with a few "
                "hundred streams open (top allocation sites). Rerun any of them with the command shown.\n\n" + "\n".join(sections))


def massif_peak_summary(ms_print_out):
    """The first line and the top-level allocation sites of massif's peak snapshot."""
    lines = ms_print_out.splitlines()
    head = [line for line in lines if line.startswith("profile:")]
    try:
        peak_idx = next(i for i, line in enumerate(lines) if "(peak)" in line)
        peak_no = lines[peak_idx].split("[")[1].split("(peak)")[0].split(",")[-1].strip()
        start = next(i for i, line in enumerate(lines)
                     if line.strip().startswith(peak_no + " ") and i > peak_idx)
    except (StopIteration, IndexError):
        return "\n".join(lines[:60])
    out = head + [lines[start].rstrip()]
    for line in lines[start + 1:]:
        if line.strip() and line.strip()[0].isdigit() and "%" not in line.split()[0]:
            break
        if line.startswith("->") or line[:1].isdigit():
            out.append(re.sub(r"\(in /[^)]*\)", "", line)[:200])
    return "\n".join(out)


if __name__ == "__main__":
    main()
