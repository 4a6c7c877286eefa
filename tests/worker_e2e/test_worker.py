"""Integration tests: the real `ccproxy run` against mock upstreams (see mock_upstream.py)."""

import json
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from mock_upstream import (Action, ConnectProxy, MockUpstream, close_now, hang, json_response,  # noqa
                           make_certificates, server_tls_context, sse_response)
from worker_harness import (UPSTREAM_KEY, Worker, anthropic_request, chunk,  # noqa
                            openai_completion, parse_sse, profile_toml)


def text_of(events):
    return "".join(d["delta"].get("text", "") for e, d in events
                   if e == "content_block_delta" and d["delta"]["type"] == "text_delta")


def tool_blocks(events):
    """[(name, id, parsed input)] from streamed tool_use blocks."""
    blocks = {}
    for e, d in events:
        if e == "content_block_start" and d["content_block"]["type"] == "tool_use":
            blocks[d["index"]] = [d["content_block"]["name"], d["content_block"]["id"], ""]
        elif e == "content_block_delta" and d["delta"]["type"] == "input_json_delta":
            blocks[d["index"]][2] += d["delta"]["partial_json"]
    return [(n, i, json.loads(j or "{}")) for n, i, j in (blocks[k] for k in sorted(blocks))]


def read_until_close(s, timeout=5):
    """Everything the worker sends on a raw socket until it closes the connection."""
    data = b""
    s.settimeout(timeout)
    while True:
        part = s.recv(65536)
        if not part:
            break
        data += part
    s.close()
    return data


def check_large_tool_list(tc, worker, mock):
    """A list this large is converted once and then reused (and sent as a separate piece of the
    request): every request must still carry the same, complete list, with a Content-Length
    that matches, over one kept-alive connection."""
    tools = [{"name": f"Tool{i}", "description": "Does step %d. " % i * 20,
              "input_schema": {"type": "object", "properties": {"path": {"type": "string"}}}}
             for i in range(12)]
    before = len(mock.requests)
    for i in range(3):
        mock.queue(json_response(openai_completion(content=f"ok {i}")))
        resp, raw = worker.messages(anthropic_request(text=f"turn {i}", tools=tools))
        tc.assertEqual(resp.status, 200, raw)
        tc.assertEqual(json.loads(raw)["content"][0]["text"], f"ok {i}")
    received = mock.requests[before:]
    tc.assertEqual(len(received), 3)
    bodies = []
    for req in received:
        tc.assertEqual(int(req.headers["content-length"]), len(req.body))
        bodies.append(json.loads(req.body))
    tc.assertGreater(len(received[0].body), 4096)
    tc.assertEqual([b["messages"][-1]["content"] for b in bodies], ["turn 0", "turn 1", "turn 2"])
    tc.assertEqual(len(bodies[0]["tools"]), 12)
    tc.assertEqual(bodies[1]["tools"], bodies[0]["tools"])
    tc.assertEqual(bodies[2]["tools"], bodies[0]["tools"])
    tc.assertEqual(bodies[0]["tools"][3]["function"]["name"], "Tool3")
    # What follows the list is still there.
    tc.assertEqual({k for k in bodies[2] if k != "tools"}, {k for k in bodies[0] if k != "tools"})


class WorkerTest(unittest.TestCase):
    """One worker on a plain-HTTP mock upstream, shared by the tests of this class."""

    profile_extra = {}

    @classmethod
    def setUpClass(cls):
        cls.mock = MockUpstream()
        cls.worker = Worker(profile_toml(cls.mock.url + "/v1", **cls.profile_extra))

    @classmethod
    def tearDownClass(cls):
        cls.worker.stop()
        cls.mock.stop()

    def setUp(self):
        with self.mock.lock:
            self.mock.actions.clear()
            self.mock.requests.clear()
            self.mock.disconnects.clear()
            self.mock.request_times.clear()

    def tearDown(self):
        # The worker must have survived whatever the test did.
        self.assertIsNone(self.worker.proc.poll(), self.worker.log())


class TestTranslation(WorkerTest):
    def test_non_stream_text(self):
        self.mock.queue(json_response(openai_completion("Hello there")))
        resp, raw = self.worker.messages(anthropic_request(model="claude-sonnet-4-5"))
        self.assertEqual(resp.status, 200, raw)
        body = json.loads(raw)
        self.assertEqual(body["type"], "message")
        self.assertEqual(body["model"], "claude-sonnet-4-5")
        self.assertEqual(body["content"], [{"type": "text", "text": "Hello there"}])
        self.assertEqual(body["usage"]["input_tokens"], 12)
        self.assertEqual(body["usage"]["output_tokens"], 5)
        up = self.mock.requests[0]
        self.assertEqual(up.target, "/v1/chat/completions")
        self.assertEqual(up.headers["authorization"], "Bearer " + UPSTREAM_KEY)
        self.assertEqual(up.json()["model"], "mid-model")
        self.assertIsNone(resp.getheader("content-encoding"))

    def test_stream_text_not_compressed(self):
        self.mock.queue(sse_response([
            chunk({"role": "assistant", "content": "Hel"}), chunk({"content": "lo "}),
            chunk({"content": "world"}),
            chunk({}, "stop", {"prompt_tokens": 7, "completion_tokens": 3}), "[DONE]"],
            delay=0.02))
        resp, raw = self.worker.messages(anthropic_request(stream=True, model="claude-opus-4-1"),
                                         headers={"accept-encoding": "gzip, br, zstd"})
        self.assertEqual(resp.status, 200)
        self.assertEqual(resp.getheader("content-type"), "text/event-stream")
        self.assertEqual(resp.getheader("cache-control"), "no-cache")
        self.assertIsNone(resp.getheader("content-encoding"))
        events = parse_sse(raw)
        names = [e for e, _ in events]
        self.assertEqual(names[0], "message_start")
        self.assertEqual(names[-1], "message_stop")
        self.assertEqual(text_of(events), "Hello world")
        self.assertEqual(events[0][1]["message"]["model"], "claude-opus-4-1")
        self.assertEqual(self.mock.requests[0].json()["model"], "big-model")
        self.assertTrue(self.mock.requests[0].json()["stream"])

    def test_stream_is_not_buffered(self):
        # The first event must reach the client while the upstream is still sending.
        self.mock.queue(sse_response([
            chunk({"role": "assistant", "content": "first"}), chunk({"content": " second"}),
            chunk({}, "stop"), "[DONE]"], delay=0.4))
        conn = self.worker.connection()
        conn.request("POST", "/v1/messages", json.dumps(anthropic_request(stream=True)))
        resp = conn.getresponse()
        start = time.monotonic()
        first = resp.readline()
        while b"text_delta" not in first:
            first = resp.readline()
        first_at = time.monotonic() - start
        rest = resp.read()
        total = time.monotonic() - start
        conn.close()
        self.assertIn(b"first", first)
        self.assertLess(first_at, total - 0.3)
        self.assertIn(b"message_stop", rest)

    def test_stream_parallel_tool_calls_split_arguments(self):
        self.mock.queue(sse_response([
            chunk({"role": "assistant", "tool_calls": [
                {"index": 0, "id": "call_a", "type": "function",
                 "function": {"name": "get_weather", "arguments": ""}}]}),
            chunk({"tool_calls": [{"index": 0, "function": {"arguments": "{\"city\":"}}]}),
            chunk({"tool_calls": [{"index": 0, "function": {"arguments": " \"Paris\"}"}}]}),
            chunk({"tool_calls": [{"index": 1, "id": "call_b", "type": "function",
                                   "function": {"name": "get_time", "arguments": "{\"tz\""}}]}),
            chunk({"tool_calls": [{"index": 1, "function": {"arguments": ":\"CET\"}"}}]}),
            chunk({}, "tool_calls"), "[DONE]"]))
        tools = [{"name": "get_weather", "input_schema": {"type": "object"}},
                 {"name": "get_time", "input_schema": {"type": "object"}}]
        resp, raw = self.worker.messages(anthropic_request(stream=True, tools=tools))
        self.assertEqual(resp.status, 200)
        events = parse_sse(raw)
        self.assertEqual(tool_blocks(events), [("get_weather", "call_a", {"city": "Paris"}),
                                               ("get_time", "call_b", {"tz": "CET"})])
        deltas = [d for e, d in events if e == "message_delta"]
        self.assertEqual(deltas[-1]["delta"]["stop_reason"], "tool_use")
        sent = self.mock.requests[0].json()
        self.assertEqual([t["function"]["name"] for t in sent["tools"]], ["get_weather", "get_time"])

    def test_non_stream_single_tool_call(self):
        self.mock.queue(json_response(openai_completion(
            content=None, finish="tool_calls",
            tool_calls=[{"id": "call_1", "type": "function",
                         "function": {"name": "Read", "arguments": "{\"path\":\"a.txt\"}"}}])))
        resp, raw = self.worker.messages(anthropic_request(
            tools=[{"name": "Read", "input_schema": {"type": "object"}}]))
        self.assertEqual(resp.status, 200, raw)
        body = json.loads(raw)
        self.assertEqual(body["stop_reason"], "tool_use")
        self.assertEqual(body["content"][-1], {"type": "tool_use", "id": "call_1", "name": "Read",
                                               "input": {"path": "a.txt"}})

    def test_large_tool_list_reaches_the_provider_whole_every_time(self):
        check_large_tool_list(self, self.worker, self.mock)

    def test_stream_thinking_then_text(self):
        self.mock.queue(sse_response([
            chunk({"role": "assistant", "reasoning_content": "Let me "}),
            chunk({"reasoning_content": "think."}), chunk({"content": "Answer."}),
            chunk({}, "stop"), "[DONE]"]))
        resp, raw = self.worker.messages(anthropic_request(
            stream=True, thinking={"type": "enabled", "budget_tokens": 2000}))
        events = parse_sse(raw)
        starts = [d["content_block"]["type"] for e, d in events if e == "content_block_start"]
        self.assertEqual(starts, ["thinking", "text"])
        thinking = "".join(d["delta"].get("thinking", "") for e, d in events
                           if e == "content_block_delta" and d["delta"]["type"] == "thinking_delta")
        self.assertEqual(thinking, "Let me think.")
        self.assertEqual(text_of(events), "Answer.")

    def test_count_tokens(self):
        resp, raw = self.worker.request("POST", "/v1/messages/count_tokens",
                                        anthropic_request(text="hello " * 200))
        self.assertEqual(resp.status, 200, raw)
        self.assertGreater(json.loads(raw)["input_tokens"], 100)
        self.assertEqual(self.mock.requests, [])  # answered locally

    def test_upstream_connection_is_reused(self):
        before = self.mock.connections
        for _ in range(3):
            self.mock.queue(json_response(openai_completion()))
            resp, _ = self.worker.messages(anthropic_request())
            self.assertEqual(resp.status, 200)
        self.assertLessEqual(self.mock.connections - before, 1)


class TestHttpFront(WorkerTest):
    def test_health_shape_and_no_key(self):
        resp, raw = self.worker.request("GET", "/health")
        self.assertEqual(resp.status, 200)
        h = json.loads(raw)
        self.assertEqual(h["status"], "healthy")
        for k in ["timestamp", "server", "models", "api_status", "profile", "pid", "uptime_s",
                  "version", "requests"]:
            self.assertIn(k, h)
        self.assertEqual(h["server"], {"host": "127.0.0.1", "port": self.worker.port})
        self.assertEqual(h["models"], {"big_model": "big-model", "middle_model": "mid-model",
                                       "small_model": "small-model"})
        self.assertEqual(set(h["api_status"]), {"openai_api_configured", "api_key_valid",
                                                "client_api_key_validation", "openai_base_url"})
        self.assertTrue(h["api_status"]["openai_api_configured"])
        self.assertEqual(h["profile"], "test")
        self.assertEqual(h["pid"], self.worker.proc.pid)
        self.assertNotIn(UPSTREAM_KEY, raw.decode())
        self.assertNotIn(UPSTREAM_KEY[-12:], raw.decode())
        self.assertEqual(self.mock.requests, [])  # never calls the provider

    def test_open_file_limit_raised_to_the_hard_limit(self):
        # Started with a soft limit of 256: a worker raises it so that streams (two
        # descriptors each) are not capped near 128.
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if hard <= 256:
            self.skipTest("hard open-file limit %d leaves nothing to raise" % hard)
        w = Worker(profile_toml(self.mock.url + "/v1"), name="limits",
                   preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (256, hard)))
        try:
            with open("/proc/%d/limits" % w.proc.pid) as f:
                line = next(l for l in f if l.startswith("Max open files"))
            self.assertEqual(line.split()[3:5], [str(hard), str(hard)], line)
        finally:
            w.stop()

    def test_root_get_and_head(self):
        resp, raw = self.worker.request("GET", "/")
        self.assertEqual(resp.status, 200)
        self.assertIn("ccproxy", json.loads(raw)["message"])
        resp, raw = self.worker.request("HEAD", "/")
        self.assertEqual(resp.status, 200)
        self.assertEqual(raw, b"")

    def test_models_list_in_the_anthropic_format(self):
        resp, raw = self.worker.request("GET", "/v1/models")
        self.assertEqual(resp.status, 200)
        body = json.loads(raw)
        self.assertEqual(set(body), {"data", "has_more", "first_id", "last_id"})
        self.assertFalse(body["has_more"])
        ids = [m["id"] for m in body["data"]]
        self.assertEqual(body["first_id"], ids[0])
        self.assertEqual(body["last_id"], ids[-1])
        for m in body["data"]:
            self.assertEqual(set(m), {"type", "id", "display_name", "created_at"})
            self.assertEqual(m["type"], "model")
            self.assertRegex(m["created_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")
        by_id = {m["id"]: m["display_name"] for m in body["data"]}
        self.assertEqual(by_id["claude-opus-4-1-20250805"], "Claude Opus 4.1 → big-model")
        self.assertEqual(by_id["claude-sonnet-4-5-20250929"], "Claude Sonnet 4.5 → mid-model")
        self.assertEqual(by_id["claude-haiku-4-5-20251001"], "Claude Haiku 4.5 → small-model")
        self.assertEqual(ids[-3:], ["big-model", "mid-model", "small-model"])
        resp, _ = self.worker.request("POST", "/v1/models")
        self.assertEqual(resp.status, 405)

    def test_unknown_path_and_wrong_method(self):
        resp, raw = self.worker.request("GET", "/v2/nothing")
        self.assertEqual(resp.status, 404)
        self.assertEqual(json.loads(raw)["error"]["type"], "not_found_error")
        resp, raw = self.worker.request("GET", "/v1/messages")
        self.assertEqual(resp.status, 405)
        self.assertEqual(resp.getheader("allow"), "POST")
        self.assertEqual(json.loads(raw)["type"], "error")

    def test_malformed_json_is_400(self):
        resp, raw = self.worker.request("POST", "/v1/messages", b"{\"model\": ")
        self.assertEqual(resp.status, 400)
        self.assertEqual(json.loads(raw)["error"]["type"], "invalid_request_error")
        self.assertEqual(self.mock.requests, [])

    def test_pipelined_requests_answered_in_order(self):
        s = socket.create_connection(("127.0.0.1", self.worker.port))
        s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
                  b"GET /nope HTTP/1.1\r\nHost: x\r\n\r\n"
                  b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data = read_until_close(s)
        statuses = re.findall(rb"HTTP/1\.1 (\d{3}) ", data)
        self.assertEqual(statuses, [b"200", b"404", b"200"])
        self.assertLess(data.index(b"healthy"), data.index(b"not_found_error"))

    def test_pipelined_bodies_and_a_chunked_body(self):
        # Two Content-Length bodies and a chunked one in one send: each body is read to its
        # length and what follows it is the next request.
        a = json.dumps(anthropic_request(text="one")).encode()
        b = json.dumps(anthropic_request(text="two two two two two two two two")).encode()
        c = json.dumps(anthropic_request(text="three")).encode()
        chunked = b"".join(b"%x\r\n%s\r\n" % (len(c[i:i + 7]), c[i:i + 7])
                           for i in range(0, len(c), 7)) + b"0\r\n\r\n"
        s = socket.create_connection(("127.0.0.1", self.worker.port))
        s.sendall(b"POST /v1/messages/count_tokens HTTP/1.1\r\nHost: x\r\n"
                  b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(a), a)
                  + b"POST /v1/messages/count_tokens HTTP/1.1\r\nHost: x\r\n"
                  b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(b), b)
                  + b"POST /v1/messages/count_tokens HTTP/1.1\r\nHost: x\r\n"
                  b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
                  b"Connection: close\r\n\r\n" + chunked)
        data = read_until_close(s)
        self.assertEqual(re.findall(rb"HTTP/1\.1 (\d{3}) ", data), [b"200", b"200", b"200"])
        counts = [json.loads(m)["input_tokens"]
                  for m in re.findall(rb"\{\"input_tokens\":\d+\}", data)]
        self.assertEqual(len(counts), 3, data)
        self.assertLess(counts[0], counts[1])  # the second body is the longer one
        self.assertEqual(counts[0], counts[2])  # "one" and "three": one word each

    def test_request_arriving_in_pieces(self):
        # The head split mid-line, then the body split, its last piece carrying the start of
        # a pipelined request whose own head completes later.
        body = json.dumps(anthropic_request(text="one two three four")).encode()
        whole = json.dumps(anthropic_request(text="one")).encode()
        head = (b"POST /v1/messages/count_tokens HTTP/1.1\r\nHost: x\r\n"
                b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body))
        s = socket.create_connection(("127.0.0.1", self.worker.port), timeout=5)
        pieces = [head[:20], head[20:-3], head[-3:] + body[:9], body[9:40],
                  body[40:] + b"POST /v1/messages/count_tokens HTTP/1.1\r\nHo",
                  b"st: x\r\nConnection: close\r\nContent-Length: %d\r\n\r\n" % len(whole)
                  + whole]
        for piece in pieces:
            s.sendall(piece)
            time.sleep(0.05)
        data = read_until_close(s)
        self.assertEqual(re.findall(rb"HTTP/1\.1 (\d{3}) ", data), [b"200", b"200"], data)
        counts = [json.loads(m)["input_tokens"]
                  for m in re.findall(rb"\{\"input_tokens\":\d+\}", data)]
        self.assertEqual(len(counts), 2, data)
        self.assertGreater(counts[0], counts[1])

    def test_expect_100_continue(self):
        body = json.dumps(anthropic_request(text="count me")).encode()
        s = socket.create_connection(("127.0.0.1", self.worker.port), timeout=5)
        s.sendall(b"POST /v1/messages/count_tokens HTTP/1.1\r\nHost: x\r\n"
                  b"Expect: 100-continue\r\nContent-Length: %d\r\n\r\n" % len(body))
        self.assertTrue(s.recv(100).startswith(b"HTTP/1.1 100 Continue\r\n\r\n"))
        s.sendall(body)
        reply = s.recv(65536)
        s.close()
        self.assertTrue(reply.startswith(b"HTTP/1.1 200 OK"), reply)
        self.assertIn(b"input_tokens", reply)

    def test_slow_headers_are_cut(self):
        # A connection that starts a request and never finishes its headers is not kept
        # forever; meanwhile the worker keeps serving others.
        s = socket.create_connection(("127.0.0.1", self.worker.port))
        s.sendall(b"POST /v1/messages HTTP/1.1\r\nHost: x\r\n")
        resp, _ = self.worker.request("GET", "/health")
        self.assertEqual(resp.status, 200)
        s.close()

    def test_metrics(self):
        self.mock.queue(json_response(openai_completion(prompt_tokens=40, completion_tokens=9)))
        self.worker.messages(anthropic_request())
        self.worker.request("GET", "/nope")
        resp, raw = self.worker.request("GET", "/metrics")
        self.assertEqual(resp.status, 200)
        self.assertTrue(resp.getheader("content-type").startswith("text/plain"))
        text = raw.decode()
        metrics = {}
        for line in text.splitlines():
            if line and not line.startswith("#"):
                name, value = line.rsplit(" ", 1)
                metrics[name] = float(value)
        self.assertGreaterEqual(metrics['ccproxy_requests_total{code="200"}'], 1)
        self.assertGreaterEqual(metrics['ccproxy_requests_total{code="404"}'], 1)
        self.assertGreaterEqual(metrics['ccproxy_tokens_total{direction="input"}'], 40)
        self.assertGreaterEqual(metrics['ccproxy_tokens_total{direction="output"}'], 9)
        self.assertIn("ccproxy_request_duration_seconds_bucket{le=\"+Inf\"}", text)
        self.assertEqual(metrics["ccproxy_open_streams"], 0)
        self.assertGreaterEqual(metrics["ccproxy_open_connections"], 1)
        self.assertIn("ccproxy_upstream_retries_total", metrics)
        self.assertIn("# TYPE ccproxy_upstream_errors_total counter", text)


class TestUpstreamFailures(WorkerTest):
    profile_extra = {"retry": {"max_retries": 0}}

    def test_error_statuses_before_stream(self):
        expected = {400: "invalid_request_error", 401: "authentication_error",
                    403: "permission_error", 404: "not_found_error", 429: "rate_limit_error",
                    500: "api_error", 503: "api_error"}
        for stream in (False, True):
            for status, etype in expected.items():
                with self.subTest(status=status, stream=stream):
                    self.mock.queue(json_response(
                        {"error": {"message": "provider says %d" % status, "type": "x"}},
                        status=status))
                    resp, raw = self.worker.messages(anthropic_request(stream=stream))
                    self.assertEqual(resp.status, status, raw)
                    body = json.loads(raw)
                    self.assertEqual(body["type"], "error")
                    self.assertEqual(body["error"]["type"], etype)
                    self.assertIn("provider says %d" % status, body["error"]["message"])

    def test_overloaded_529(self):
        self.mock.queue(json_response({"error": {"message": "overloaded"}}, status=529))
        resp, raw = self.worker.messages(anthropic_request())
        self.assertEqual(resp.status, 529)
        self.assertEqual(json.loads(raw)["error"]["type"], "overloaded_error")

    def test_upstream_closes_mid_stream(self):
        self.mock.queue(sse_response([chunk({"role": "assistant", "content": "partial"})],
                                     cut_after=True))
        resp, raw = self.worker.messages(anthropic_request(stream=True))
        self.assertEqual(resp.status, 200)
        events = parse_sse(raw)
        self.assertEqual(text_of(events), "partial")
        self.assertEqual(events[-1][0], "error")
        self.assertNotIn("message_stop", [e for e, _ in events])

    def test_html_page_instead_of_a_stream_is_quoted(self):
        # A 200 text/html page (a login portal, a base_url that is a website) for a stream.
        page = b"<!DOCTYPE html>\n<html><title>Corporate sign-in</title></html>\n"
        self.mock.queue(Action("whole", body=page, content_type="text/html"))
        resp, raw = self.worker.messages(anthropic_request(stream=True))
        self.assertEqual(resp.status, 200)
        events = parse_sse(raw)
        self.assertEqual(events[-1][0], "error")
        message = events[-1][1]["error"]["message"]
        self.assertIn("did not answer with an event stream", message)
        self.assertIn("<title>Corporate sign-in</title>", message)

    def test_idle_timeout_mid_stream(self):
        self.mock.queue(sse_response([chunk({"role": "assistant", "content": "slow"})],
                                     hang_after=True))
        start = time.monotonic()
        resp, raw = self.worker.messages(anthropic_request(stream=True))
        elapsed = time.monotonic() - start
        events = parse_sse(raw)
        self.assertEqual(events[-1][0], "error")
        self.assertEqual(events[-1][1]["error"]["type"], "api_error")
        self.assertIn("idle", events[-1][1]["error"]["message"])
        self.assertLess(elapsed, 5)  # idle_s = 0.5
        # The hung upstream connection was closed, not kept.
        self.assertIsNotNone(self.mock.wait_for_disconnect(2))

    def test_error_event_inside_stream(self):
        self.mock.queue(sse_response([
            chunk({"role": "assistant", "content": "a"}),
            {"error": {"message": "quota exhausted mid-stream", "type": "rate_limit_error",
                       "code": 429}}]))
        resp, raw = self.worker.messages(anthropic_request(stream=True))
        events = parse_sse(raw)
        self.assertEqual(events[-1][0], "error")
        self.assertIn("quota exhausted", events[-1][1]["error"]["message"])

    def test_first_byte_timeout_without_retries_is_504(self):
        self.mock.queue(hang())
        start = time.monotonic()
        resp, raw = self.worker.messages(anthropic_request())
        self.assertEqual(resp.status, 504, raw)
        self.assertEqual(json.loads(raw)["error"]["type"], "api_error")
        self.assertLess(time.monotonic() - start, 5)

    def test_client_disconnect_mid_stream_cancels_upstream(self):
        self.mock.queue(sse_response([chunk({"role": "assistant", "content": "tick"})],
                                     hang_after=True))
        s = socket.create_connection(("127.0.0.1", self.worker.port))
        body = json.dumps(anthropic_request(stream=True)).encode()
        s.sendall(b"POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Content-Length: %d\r\n\r\n" % len(body) + body)
        data = b""
        while b"tick" not in data:
            data += s.recv(65536)
        closed_at = time.monotonic()
        s.close()
        seen = self.mock.wait_for_disconnect(2)
        self.assertIsNotNone(seen, "upstream never saw the cancel")
        latency = seen - closed_at
        print("\nclient disconnect -> upstream closed in %.1f ms" % (latency * 1000),
              file=sys.stderr)
        self.assertLess(latency, 0.5)

    def test_client_disconnect_while_waiting_cancels_upstream(self):
        self.mock.queue(hang())
        s = socket.create_connection(("127.0.0.1", self.worker.port))
        body = json.dumps(anthropic_request()).encode()
        s.sendall(b"POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n"
                  % len(body) + body)
        deadline = time.monotonic() + 2
        while not self.mock.requests and time.monotonic() < deadline:
            time.sleep(0.01)
        closed_at = time.monotonic()
        s.close()
        seen = self.mock.wait_for_disconnect(2)
        self.assertIsNotNone(seen)
        self.assertLess(seen - closed_at, 0.5)


class TestRetries(WorkerTest):
    profile_extra = {"retry": {"max_retries": 2, "retry_after_cap_s": 1.5}}

    def test_retry_then_success(self):
        self.mock.queue(json_response({"error": {"message": "busy"}}, status=503),
                        json_response({"error": {"message": "oops"}}, status=500),
                        json_response(openai_completion("finally")))
        resp, raw = self.worker.messages(anthropic_request())
        self.assertEqual(resp.status, 200, raw)
        self.assertEqual(json.loads(raw)["content"][0]["text"], "finally")
        self.assertEqual(len(self.mock.requests), 3)

    def test_retry_after_is_honoured(self):
        self.mock.queue(json_response({"error": {"message": "slow down"}}, status=429,
                                      headers={"Retry-After": "1"}),
                        json_response(openai_completion("ok")))
        resp, raw = self.worker.messages(anthropic_request())
        self.assertEqual(resp.status, 200, raw)
        gap = self.mock.request_times[1] - self.mock.request_times[0]
        self.assertGreaterEqual(gap, 0.95)
        self.assertLess(gap, 3)

    def test_retry_after_is_capped(self):
        self.mock.queue(json_response({"error": {"message": "later"}}, status=429,
                                      headers={"Retry-After": "120"}),
                        json_response(openai_completion("ok")))
        resp, raw = self.worker.messages(anthropic_request())
        self.assertEqual(resp.status, 200, raw)
        gap = self.mock.request_times[1] - self.mock.request_times[0]
        self.assertGreaterEqual(gap, 1.4)
        self.assertLess(gap, 3)

    def test_retries_exhausted_returns_last_error(self):
        for _ in range(3):
            self.mock.queue(json_response({"error": {"message": "rate limited"}}, status=429,
                                          headers={"Retry-After": "0"}))
        resp, raw = self.worker.messages(anthropic_request(stream=True))
        self.assertEqual(resp.status, 429)
        self.assertEqual(json.loads(raw)["error"]["type"], "rate_limit_error")
        self.assertEqual(resp.getheader("retry-after"), "0")
        self.assertEqual(len(self.mock.requests), 3)

    def test_no_retry_on_400(self):
        self.mock.queue(json_response({"error": {"message": "bad"}}, status=400),
                        json_response(openai_completion()))
        resp, _ = self.worker.messages(anthropic_request())
        self.assertEqual(resp.status, 400)
        self.assertEqual(len(self.mock.requests), 1)

    def test_first_byte_timeout_is_retried(self):
        self.mock.queue(hang(), json_response(openai_completion("second try")))
        resp, raw = self.worker.messages(anthropic_request())
        self.assertEqual(resp.status, 200, raw)
        self.assertEqual(json.loads(raw)["content"][0]["text"], "second try")

    def test_dead_pooled_connection_is_replaced(self):
        # The upstream answers and then drops the kept-alive connection; the next request
        # must not fail because of it.
        self.mock.queue(json_response(openai_completion("one")))
        self.assertEqual(self.worker.messages(anthropic_request())[0].status, 200)
        self.mock.queue(close_now(), json_response(openai_completion("two")))
        resp, raw = self.worker.messages(anthropic_request())
        self.assertEqual(resp.status, 200, raw)


class TestStandalone(unittest.TestCase):
    """Tests that need their own profile or upstream."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="ccproxy-tls-")
        cls.ca, cls.cert, cls.key = make_certificates(cls.tmp)

    def start(self, profile, **kw):
        w = Worker(profile, **kw)
        self.addCleanup(w.stop)
        return w

    def mock(self, tls=False):
        m = MockUpstream(server_tls_context(self.cert, self.key) if tls else None)
        self.addCleanup(m.stop)
        return m

    def test_profile_headers_are_sent(self):
        m = self.mock()
        w = self.start(profile_toml(m.url + "/v1", headers={"X-Title": "ccproxy tests",
                                                            "User-Agent": "custom-agent/1"}))
        m.queue(json_response(openai_completion()))
        self.assertEqual(w.messages(anthropic_request())[0].status, 200)
        headers = m.requests[0].headers
        self.assertEqual(headers["x-title"], "ccproxy tests")
        self.assertEqual(headers["user-agent"], "custom-agent/1")
        self.assertEqual(headers["authorization"], "Bearer " + UPSTREAM_KEY)

    def test_total_timeout_cuts_a_stream_with_an_error_event(self):
        m = self.mock()
        w = self.start(profile_toml(m.url + "/v1", timeouts={"total_s": 1, "idle_s": 2}))
        m.queue(sse_response([chunk({"role": "assistant", "content": "."})] +
                             [chunk({"content": "."}) for _ in range(12)] +
                             [chunk({}, "stop"), "[DONE]"], delay=0.25))
        start = time.monotonic()
        resp, raw = w.messages(anthropic_request(stream=True))
        elapsed = time.monotonic() - start
        events = parse_sse(raw)
        self.assertEqual(events[-1][0], "error")
        self.assertIn("total timeout", events[-1][1]["error"]["message"])
        self.assertLess(elapsed, 2.5)

    def test_connect_failure_is_502(self):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()  # nothing listens there now
        w = self.start(profile_toml("http://127.0.0.1:%d/v1" % port,
                                    retry={"max_retries": 1}))
        resp, raw = w.messages(anthropic_request())
        self.assertEqual(resp.status, 502)
        body = json.loads(raw)
        self.assertEqual(body["error"]["type"], "api_error")
        self.assertIn("connect", body["error"]["message"])

    def test_client_auth(self):
        m = self.mock()
        w = self.start(profile_toml(m.url + "/v1", top={"client_api_key": "client-secret-key"}))
        resp, raw = w.messages(anthropic_request())
        self.assertEqual(resp.status, 401)
        self.assertEqual(json.loads(raw)["error"]["type"], "authentication_error")
        resp, raw = w.messages(anthropic_request(), headers={"x-api-key": "wrong"})
        self.assertEqual(resp.status, 401)
        m.queue(json_response(openai_completion()), json_response(openai_completion()))
        resp, _ = w.messages(anthropic_request(), headers={"x-api-key": "client-secret-key"})
        self.assertEqual(resp.status, 200)
        resp, _ = w.messages(anthropic_request(),
                             headers={"authorization": "Bearer client-secret-key"})
        self.assertEqual(resp.status, 200)
        self.assertEqual(w.request("GET", "/health")[0].status, 200)
        self.assertEqual(w.request("GET", "/v1/models")[0].status, 401)
        self.assertEqual(w.request("GET", "/v1/models",
                                   headers={"x-api-key": "client-secret-key"})[0].status, 200)
        self.assertEqual(len(m.requests), 2)
        self.assertNotIn("client-secret-key", w.log())

    def test_body_limit_is_413(self):
        m = self.mock()
        w = self.start(profile_toml(m.url + "/v1", top={"max_request_body_mb": 1}))
        big = anthropic_request(text="x" * (3 << 19))
        resp, raw = w.messages(big)
        self.assertEqual(resp.status, 413)
        self.assertEqual(json.loads(raw)["type"], "error")
        self.assertEqual(m.requests, [])
        # Just under the limit still goes through.
        m.queue(json_response(openai_completion()))
        resp, raw = w.messages(anthropic_request(text="x" * (1 << 19)))
        self.assertEqual(resp.status, 200, raw)

    def test_passthrough_relays_bytes(self):
        m = self.mock()
        # A host other than api.anthropic.com gets the client's betas only when configured.
        w = self.start(profile_toml(m.url + "/api/anthropic", fmt="anthropic",
                                    upstream={"forward_betas": "*"}))
        events = [
            b'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_up",'
            b'"type":"message","role":"assistant","model":"glm-4.6","content":[],'
            b'"usage":{"input_tokens":21,"output_tokens":1}}}\n\n',
            b'event: content_block_start\ndata: {"type":"content_block_start","index":0,'
            b'"content_block":{"type":"text","text":""}}\n\n',
            b'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,'
            b'"delta":{"type":"text_delta","text":"Hi \xc3\xa9"}}\n\n',
            b'event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n',
            b'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":'
            b'"end_turn"},"usage":{"output_tokens":4}}\n\n',
            b'event: message_stop\ndata: {"type":"message_stop"}\n\n']
        # Split the stream at odd places: bytes must come out exactly the same.
        blob = b"".join(events)
        pieces = [blob[i:i + 37] for i in range(0, len(blob), 37)]
        m.queue(sse_response(pieces, raw=True))
        resp, raw = w.messages(anthropic_request(stream=True, model="claude-haiku-4-5"),
                               headers={"anthropic-beta": "interleaved-thinking-2025-05-14",
                                        "x-api-key": "ignored-client-key"})
        self.assertEqual(resp.status, 200)
        self.assertEqual(raw, blob)
        up = m.requests[0]
        self.assertEqual(up.target, "/api/anthropic/v1/messages")
        self.assertEqual(up.headers["x-api-key"], UPSTREAM_KEY)
        self.assertEqual(up.headers["anthropic-version"], "2023-06-01")
        self.assertEqual(up.headers["anthropic-beta"], "interleaved-thinking-2025-05-14")
        self.assertNotIn("authorization", up.headers)
        self.assertEqual(up.json()["model"], "small-model")
        # Non-streaming pass-through: the body as the provider sent it.
        reply = {"id": "msg_x", "type": "message", "role": "assistant", "model": "glm",
                 "content": [{"type": "text", "text": "plain"}], "stop_reason": "end_turn",
                 "usage": {"input_tokens": 3, "output_tokens": 1}}
        m.queue(json_response(reply))
        resp, raw = w.messages(anthropic_request())
        self.assertEqual(json.loads(raw), reply)
        # An error inside a pass-through stream is still a proper event: error.
        m.queue(sse_response([events[0]], raw=True, cut_after=True))
        resp, raw = w.messages(anthropic_request(stream=True))
        self.assertTrue(raw.startswith(events[0]))
        self.assertIn(b"event: error", raw[len(events[0]):])

    def test_tls_upstream_verified_with_ca_file(self):
        m = self.mock(tls=True)
        w = self.start(profile_toml(m.url + "/v1", upstream={"ca_file": self.ca}))
        m.queue(json_response(openai_completion("over tls")))
        resp, raw = w.messages(anthropic_request())
        self.assertEqual(resp.status, 200, raw)
        self.assertEqual(json.loads(raw)["content"][0]["text"], "over tls")

    def test_large_tool_list_over_tls(self):
        # The stored list goes out as its own piece: through TLS that is several writes.
        m = self.mock(tls=True)
        w = self.start(profile_toml(m.url + "/v1", upstream={"ca_file": self.ca}))
        check_large_tool_list(self, w, m)

    def test_idle_worker_trims_its_heap_and_serves_after(self):
        # Once idle (5-10 s after its last API request; the supervisor's /health probes do not
        # count), a worker that has used TLS returns its free heap memory to the system, then
        # serves TLS requests as before.
        m = self.mock(tls=True)
        w = self.start(profile_toml(m.url + "/v1", top={"log_level": "debug"},
                                    upstream={"ca_file": self.ca}))
        started = r"started: heap trimmed in \d+ us"
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not re.search(started, w.log()):
            time.sleep(0.05)
        self.assertRegex(w.log(), started)
        for i in range(3):
            m.queue(json_response(openai_completion(f"before {i}")))
            resp, raw = w.messages(anthropic_request())
            self.assertEqual(resp.status, 200, raw)
        deadline = time.monotonic() + 25
        while time.monotonic() < deadline and "idle: heap trimmed" not in w.log():
            self.assertEqual(w.request("GET", "/health")[0].status, 200)
            time.sleep(0.5)
        self.assertRegex(w.log(), r"idle: heap trimmed in \d+ us")
        m.queue(json_response(openai_completion("after the trim")))
        resp, raw = w.messages(anthropic_request())
        self.assertEqual(json.loads(raw)["content"][0]["text"], "after the trim")
        m.queue(sse_response([chunk({"role": "assistant", "content": "streamed "}),
                              chunk({"content": "after"}), chunk({}, "stop"), "[DONE]"]))
        resp, raw = w.messages(anthropic_request(stream=True))
        self.assertEqual(text_of(parse_sse(raw)), "streamed after")

    def test_tls_system_trust_store(self):
        # No ca_file: the CA is trusted through the system store (here SSL_CERT_DIR, a hashed
        # directory as /etc/ssl/certs is).
        trust = tempfile.mkdtemp(dir=self.tmp)
        shutil.copy(self.ca, os.path.join(trust, "test-ca.pem"))
        subprocess.run(["openssl", "rehash", trust], check=True, capture_output=True)
        m = self.mock(tls=True)
        w = self.start(profile_toml("https://localhost:%d/v1" % m.port),
                       env={"SSL_CERT_DIR": trust}, unset=("SSL_CERT_FILE",))
        m.queue(json_response(openai_completion("system trust")))
        resp, raw = w.messages(anthropic_request())
        self.assertEqual(resp.status, 200, raw)

    def test_debug_log_has_bodies_but_no_secrets(self):
        m = self.mock()
        w = self.start(profile_toml(m.url + "/v1", top={"log_level": "debug",
                                                        "client_api_key": "client-key-abcdef123"}))
        m.queue(json_response(openai_completion("logged reply")))
        resp, _ = w.messages(anthropic_request(text="a distinctive prompt"),
                             headers={"authorization": "Bearer client-key-abcdef123"})
        self.assertEqual(resp.status, 200)
        w.request("GET", "/health")
        log = w.log()
        self.assertIn("a distinctive prompt", log)
        self.assertIn("logged reply", log)
        self.assertIn("mid-model", log)
        self.assertNotIn(UPSTREAM_KEY, log)
        self.assertNotIn("client-key-abcdef123", log)

    def test_tls_untrusted_certificate_is_refused(self):
        m = self.mock(tls=True)
        w = self.start(profile_toml(m.url + "/v1", retry={"max_retries": 0}))
        resp, raw = w.messages(anthropic_request())
        self.assertEqual(resp.status, 502)
        self.assertIn("certificate", json.loads(raw)["error"]["message"])
        self.assertEqual(m.requests, [])

    def test_tls_hostname_mismatch_is_refused(self):
        m = self.mock(tls=True)
        # The certificate names 127.0.0.1 and localhost, not 127.0.0.2.
        w = self.start(profile_toml("https://127.0.0.2:%d/v1" % m.port,
                                    upstream={"ca_file": self.ca}, retry={"max_retries": 0}))
        resp, raw = w.messages(anthropic_request())
        self.assertEqual(resp.status, 502, raw)
        self.assertEqual(m.requests, [])

    def test_proxy_connect_from_profile(self):
        m = self.mock(tls=True)
        proxy = ConnectProxy(require_auth="Basic dXNlcjpwYXNz")  # user:pass
        self.addCleanup(proxy.stop)
        w = self.start(profile_toml(
            "https://localhost:%d/v1" % m.port,
            upstream={"ca_file": self.ca, "proxy": "http://user:pass@127.0.0.1:%d" % proxy.port}))
        m.queue(json_response(openai_completion("via proxy")))
        resp, raw = w.messages(anthropic_request())
        self.assertEqual(resp.status, 200, raw)
        self.assertEqual(proxy.connects[0], ("localhost:%d" % m.port, "Basic dXNlcjpwYXNz"))
        self.assertNotIn("pass@", w.log())

    def test_plain_http_upstream_through_proxy(self):
        m = self.mock()
        proxy = ConnectProxy(require_auth="Basic dXNlcjpwYXNz")
        self.addCleanup(proxy.stop)
        w = self.start(profile_toml(
            m.url + "/v1", upstream={"proxy": "http://user:pass@127.0.0.1:%d" % proxy.port}))
        m.queue(json_response(openai_completion("http via proxy")))
        resp, raw = w.messages(anthropic_request())
        self.assertEqual(resp.status, 200, raw)
        self.assertEqual(proxy.connects[0][0], m.url + "/v1/chat/completions")
        self.assertEqual(m.requests[0].target, m.url + "/v1/chat/completions")

    def test_proxy_refusing_credentials_is_502(self):
        m = self.mock(tls=True)
        proxy = ConnectProxy(require_auth="Basic c29tZW9uZTplbHNl")
        self.addCleanup(proxy.stop)
        w = self.start(profile_toml(
            "https://localhost:%d/v1" % m.port, retry={"max_retries": 0},
            upstream={"ca_file": self.ca, "proxy": "http://user:pass@127.0.0.1:%d" % proxy.port}))
        resp, raw = w.messages(anthropic_request())
        self.assertEqual(resp.status, 502, raw)
        self.assertIn("407", json.loads(raw)["error"]["message"])
        self.assertNotIn("pass", json.loads(raw)["error"]["message"])

    def test_proxy_from_environment_and_no_proxy(self):
        m = self.mock(tls=True)
        proxy = ConnectProxy()
        self.addCleanup(proxy.stop)
        env = {"HTTPS_PROXY": "http://127.0.0.1:%d" % proxy.port}
        w = self.start(profile_toml("https://localhost:%d/v1" % m.port,
                                    upstream={"ca_file": self.ca}), env=env)
        m.queue(json_response(openai_completion("env proxy")))
        self.assertEqual(w.messages(anthropic_request())[0].status, 200)
        self.assertEqual(len(proxy.connects), 1)
        env["NO_PROXY"] = "example.com,localhost"
        w2 = self.start(profile_toml("https://localhost:%d/v1" % m.port,
                                     upstream={"ca_file": self.ca}), env=env)
        m.queue(json_response(openai_completion("direct")))
        self.assertEqual(w2.messages(anthropic_request())[0].status, 200)
        self.assertEqual(len(proxy.connects), 1)  # NO_PROXY: went direct

    def test_sigterm_lets_open_stream_finish(self):
        m = self.mock()
        w = self.start(profile_toml(m.url + "/v1", top={"shutdown_grace_s": 5}))
        m.queue(sse_response([chunk({"role": "assistant", "content": "a"})] +
                             [chunk({"content": "b"}) for _ in range(5)] +
                             [chunk({}, "stop"), "[DONE]"], delay=0.15))
        conn = w.connection()
        conn.request("POST", "/v1/messages", json.dumps(anthropic_request(stream=True)))
        resp = conn.getresponse()
        line = resp.readline()
        w.proc.send_signal(signal.SIGTERM)
        time.sleep(0.1)
        # No new connections once stopping.
        with self.assertRaises(OSError):
            socket.create_connection(("127.0.0.1", w.port), timeout=1).recv(1)
        rest = resp.read()
        conn.close()
        events = parse_sse(line + rest)
        self.assertEqual(events[-1][0], "message_stop")
        self.assertEqual(text_of(events), "abbbbb")
        self.assertEqual(w.proc.wait(5), 0)

    def test_port_in_use(self):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        self.addCleanup(s.close)
        port = s.getsockname()[1]
        with self.assertRaises(RuntimeError) as ctx:
            Worker(profile_toml("http://127.0.0.1:9/v1"), port=port)
        self.assertIn("port %d is already in use" % port, str(ctx.exception))


if __name__ == "__main__":
    unittest.main()


class TestRunCommand(unittest.TestCase):
    """`ccproxy run` itself: which profile problems stop it."""

    def home(self, profiles):
        home = tempfile.mkdtemp(prefix="ccproxy-run-")
        self.addCleanup(shutil.rmtree, home, True)
        os.makedirs(os.path.join(home, "profiles"))
        for name, text in profiles.items():
            with open(os.path.join(home, "profiles", name + ".toml"), "w") as f:
                f.write(text)
        return home

    def run_cmd(self, home, *args):
        return subprocess.run([os.environ["CCPROXY_BIN"], "--home", home, "run", *args],
                              capture_output=True, text=True, timeout=10)

    def test_missing_profile(self):
        home = self.home({"a": profile_toml("http://127.0.0.1:9/v1")})
        r = self.run_cmd(home, "--profile", "nope", "--log-stderr")
        self.assertEqual(r.returncode, 1)
        self.assertIn("nope", r.stderr)

    def test_invalid_profile_prints_its_problems(self):
        home = self.home({"bad": profile_toml("ftp://x/v1")})
        r = self.run_cmd(home, "--profile", "bad", "--log-stderr")
        self.assertEqual(r.returncode, 1)
        self.assertIn("profiles/bad.toml", r.stderr)
        self.assertIn("base_url", r.stderr)

    def test_other_broken_profile_does_not_stop_this_one(self):
        m = MockUpstream()
        self.addCleanup(m.stop)
        good = profile_toml(m.url + "/v1").replace("port = 18099", "port = 18101")
        bad = profile_toml("ftp://x/v1").replace("port = 18099", "port = 18102")
        home = self.home({"good": good, "other": bad})
        p = subprocess.Popen([os.environ["CCPROXY_BIN"], "--home", home, "run", "--profile",
                              "good", "--port", "0", "--log-stderr"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            line = p.stdout.readline()
            self.assertTrue(line.startswith("listening on 127.0.0.1:"), repr(line))
        finally:
            p.send_signal(signal.SIGTERM)
            p.communicate(timeout=10)
        self.assertEqual(p.returncode, 0)

    def test_duplicate_port_involving_this_profile(self):
        a = profile_toml("http://127.0.0.1:9/v1")
        home = self.home({"a": a, "b": a})
        for name in ("a", "b"):
            r = self.run_cmd(home, "--profile", name, "--log-stderr")
            self.assertEqual(r.returncode, 1, name)
            self.assertIn("18099", r.stderr)
