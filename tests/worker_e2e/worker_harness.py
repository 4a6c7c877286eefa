"""Starts the real ccproxy binary as a worker for one test profile, and talks to it."""

import http.client
import json
import os
import select
import shutil
import signal
import subprocess
import tempfile
import time

PROXY_VARS = ["http_proxy", "https_proxy", "all_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY",
              "ALL_PROXY", "NO_PROXY"]

UPSTREAM_KEY = "sk-test-upstream-0123456789abcdef"


def toml_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    return json.dumps(v)


def profile_toml(base_url, fmt="openai", top=None, upstream=None, timeouts=None, retry=None,
                 headers=None, models=None, routing=None):
    top = dict(top or {})
    lines = ["port = 18099"]
    lines += ["%s = %s" % (k, toml_value(v)) for k, v in top.items()]
    up = {"base_url": base_url, "api_key": UPSTREAM_KEY, "format": fmt}
    up.update(upstream or {})
    lines.append("[upstream]")
    lines += ["%s = %s" % (k, toml_value(v)) for k, v in up.items()]
    if headers:
        lines.append("[upstream.headers]")
        lines += ["%s = %s" % (json.dumps(k), toml_value(v)) for k, v in headers.items()]
    m = {"big": "big-model", "middle": "mid-model", "small": "small-model"}
    m.update(models or {})
    lines.append("[models]")
    lines += ["%s = %s" % (k, toml_value(v)) for k, v in m.items()]
    if routing:
        lines.append("[routing]")
        lines += ["%s = %s" % (k, toml_value(v)) for k, v in routing.items()]
    t = {"connect_s": 2, "first_byte_s": 1, "idle_s": 0.5, "total_s": 20}
    t.update(timeouts or {})
    lines.append("[timeouts]")
    lines += ["%s = %s" % (k, toml_value(v)) for k, v in t.items()]
    r = {"max_retries": 2, "backoff_initial_ms": 20, "backoff_max_ms": 100,
         "retry_after_cap_s": 2}
    r.update(retry or {})
    lines.append("[retry]")
    lines += ["%s = %s" % (k, toml_value(v)) for k, v in r.items()]
    return "\n".join(lines) + "\n"


class Worker:
    def __init__(self, profile_text, name="test", env=None, port=0, unset=(), preexec_fn=None,
                 start_timeout=10):
        self.home = tempfile.mkdtemp(prefix="ccproxy-worker-test-")
        os.makedirs(os.path.join(self.home, "profiles"))
        with open(os.path.join(self.home, "profiles", name + ".toml"), "w") as f:
            f.write(profile_text)
        self.stderr_path = os.path.join(self.home, "stderr.log")
        child_env = {k: v for k, v in os.environ.items() if k not in PROXY_VARS}
        child_env.pop("CCPROXY_HOME", None)
        child_env.update(env or {})
        for name_ in unset:
            child_env.pop(name_, None)
        self._stderr = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen(
            [os.environ["CCPROXY_BIN"], "--home", self.home, "run", "--profile", name, "--port",
             str(port), "--log-stderr"],
            stdout=subprocess.PIPE, stderr=self._stderr, env=child_env, preexec_fn=preexec_fn)
        self.port = None
        line = self._read_line(start_timeout)
        if line is None or not line.startswith("listening on "):
            log = self.log()
            self.stop()
            raise RuntimeError("worker did not start: %r\n%s" % (line, log))
        self.port = int(line.rsplit(":", 1)[1])

    def _read_line(self, timeout):
        deadline = time.monotonic() + timeout
        buf = b""
        fd = self.proc.stdout.fileno()
        while time.monotonic() < deadline:
            r, _, _ = select.select([fd], [], [], 0.05)
            if r:
                data = os.read(fd, 1)
                if not data:
                    return None
                if data == b"\n":
                    return buf.decode()
                buf += data
            elif self.proc.poll() is not None:
                return None
        return None

    def log(self):
        if not self._stderr.closed:
            self._stderr.flush()
        with open(self.stderr_path, "rb") as f:
            return f.read().decode(errors="replace")

    def stop(self):
        """SIGTERM, wait, clean up. Raises when the worker did not exit 0 on a SIGTERM it got
        while running, or when a sanitizer reported anything."""
        signalled = self.proc.poll() is None
        if signalled:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        log = self.log() if self.port is not None else ""
        self._stderr.close()
        self.proc.stdout.close()
        shutil.rmtree(self.home, ignore_errors=True)
        if "AddressSanitizer" in log or "runtime error:" in log or "LeakSanitizer" in log:
            raise AssertionError("sanitizer report from the worker:\n" + log)
        if signalled and self.port is not None and self.proc.returncode != 0:
            raise AssertionError("worker exited %s after SIGTERM:\n%s"
                                 % (self.proc.returncode, log))

    def connection(self, timeout=10):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def request(self, method, path, body=None, headers=None, timeout=10):
        conn = self.connection(timeout)
        data = body
        if body is not None and not isinstance(body, (bytes, str)):
            data = json.dumps(body)
        hdrs = {"content-type": "application/json"}
        hdrs.update(headers or {})
        conn.request(method, path, body=data, headers=hdrs)
        resp = conn.getresponse()
        raw = resp.read()
        conn.close()
        return resp, raw

    def messages(self, body, headers=None, timeout=10):
        resp, raw = self.request("POST", "/v1/messages?beta=true", body, headers, timeout)
        return resp, raw


def parse_sse(raw):
    """[(event, data-as-json-or-text)] from SSE bytes."""
    events = []
    for block in raw.decode().split("\n\n"):
        event, data = None, []
        for line in block.split("\n"):
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].strip())
        if event is None and not data:
            continue
        text = "\n".join(data)
        try:
            payload = json.loads(text)
        except ValueError:
            payload = text
        events.append((event, payload))
    return events


def openai_completion(content="Hello!", tool_calls=None, reasoning=None, finish="stop",
                      prompt_tokens=12, completion_tokens=5):
    message = {"role": "assistant", "content": content}
    if tool_calls:
        message["tool_calls"] = tool_calls
    if reasoning:
        message["reasoning_content"] = reasoning
    return {
        "id": "chatcmpl-1", "object": "chat.completion", "model": "provider-model",
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                  "total_tokens": prompt_tokens + completion_tokens},
    }


def chunk(delta=None, finish=None, usage=None):
    c = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "model": "provider-model",
         "choices": [{"index": 0, "delta": delta or {}, "finish_reason": finish}]}
    if usage:
        c["usage"] = usage
    return c


def anthropic_request(stream=False, model="claude-sonnet-4-5", text="Hi", **extra):
    body = {"model": model, "max_tokens": 1024, "stream": stream,
            "messages": [{"role": "user", "content": text}]}
    body.update(extra)
    return body
