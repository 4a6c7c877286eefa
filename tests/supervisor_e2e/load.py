"""Load against one worker port while the fleet changes under it, and what the clients saw.

EchoUpstream is an OpenAI-compatible mock (tests/worker_e2e/mock_upstream.py) whose answers
name the model they were asked for ("model=<name>"), streams taking about a second. Load runs
N client threads against a port (half of them streaming), each sending one request per new
connection, and records every request: when it started and ended, whether it failed (refused,
reset, a status other than 200, a stream without message_stop) and which model answered.
Used by tests/supervisor_e2e/test_handover.py and the benchmark (tests/bench).
"""

import http.client
import json
import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "worker_e2e"))

from mock_upstream import MockUpstream, json_response, sse_response  # noqa: E402
from worker_harness import chunk, openai_completion, parse_sse  # noqa: E402

STREAM_CHUNKS = 6
STREAM_CHUNK_DELAY = 0.15


class EchoUpstream(MockUpstream):
    def __init__(self):
        super().__init__()
        self.responder = self.answer

    @staticmethod
    def answer(req):
        try:
            body = req.json()
        except ValueError:
            return json_response({"error": {"message": "bad json"}}, status=400)
        text = "model=" + str(body.get("model"))
        if not body.get("stream"):
            return json_response(openai_completion(content=text))
        events = [chunk({"role": "assistant", "content": text})]
        events += [chunk({"content": "."}) for _ in range(STREAM_CHUNKS)]
        events.append(chunk(finish="stop", usage={"prompt_tokens": 3, "completion_tokens": 7,
                                                  "total_tokens": 10}))
        events.append("[DONE]")
        return sse_response(events, delay=STREAM_CHUNK_DELAY)


class Record:
    __slots__ = ("stream", "start", "end", "ok", "error", "model")

    def __init__(self, stream, start):
        self.stream, self.start = stream, start
        self.end, self.ok, self.error, self.model = None, False, "", None

    def __repr__(self):
        return "Record(stream=%s %.3f-%.3f ok=%s model=%s %s)" % (
            self.stream, self.start, self.end or 0, self.ok, self.model, self.error)


def one_request(port, stream, model, timeout=15):
    rec = Record(stream, time.monotonic())
    body = json.dumps({"model": model, "max_tokens": 64, "stream": stream,
                       "messages": [{"role": "user", "content": "hi"}]})
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("POST", "/v1/messages", body=body,
                     headers={"Content-Type": "application/json", "Connection": "close"})
        resp = conn.getresponse()
        raw = resp.read()
        if resp.status != 200:
            rec.error = "status %d: %s" % (resp.status, raw[:200])
        elif stream:
            events = parse_sse(raw)
            names = [e for e, _ in events]
            text = "".join(p.get("delta", {}).get("text", "") for e, p in events
                           if e == "content_block_delta" and isinstance(p, dict))
            rec.model = text.split("model=", 1)[1].rstrip(".") if "model=" in text else None
            rec.ok = "message_stop" in names and text.endswith("." * STREAM_CHUNKS)
            if not rec.ok:
                rec.error = "cut stream: %s" % names[-3:]
        else:
            text = json.loads(raw)["content"][0]["text"]
            rec.model = text.split("model=", 1)[1] if "model=" in text else None
            rec.ok = True
    except (OSError, http.client.HTTPException, ValueError, KeyError, IndexError) as e:
        rec.error = "%s: %s" % (type(e).__name__, e)
    finally:
        conn.close()
        rec.end = time.monotonic()
    return rec


class Load:
    """`clients` threads (every second one streaming) sending `model` to 127.0.0.1:port."""

    def __init__(self, port, clients=8, model="claude-opus-4-1"):
        self.port, self.clients, self.model = port, clients, model
        self.records = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = []

    def __enter__(self):
        for i in range(self.clients):
            t = threading.Thread(target=self._client, args=(i % 2 == 0,), daemon=True)
            t.start()
            self._threads.append(t)
        return self

    def __exit__(self, *exc):
        self.stop()

    def stop(self):
        self._stop.set()
        for t in self._threads:
            t.join(timeout=30)
        self._threads = []

    def _client(self, stream):
        while not self._stop.is_set():
            rec = one_request(self.port, stream, self.model)
            with self._lock:
                self.records.append(rec)

    def failures(self):
        return [r for r in self.records if not r.ok]

    def spanning(self, at):
        """Streams that were open at time `at` (monotonic)."""
        return [r for r in self.records if r.stream and r.start < at < r.end]

    def first_serving(self, model, after):
        """When the first request started after `after` was answered by `model` (None: never)."""
        ends = [r.end for r in self.records if r.ok and r.start >= after and r.model == model]
        return min(ends) if ends else None
