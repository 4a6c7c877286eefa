"""Hostile inputs and upstreams against the real `ccproxy run`: what must never get through."""

import json
import os
import socket
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from mock_upstream import MockUpstream, json_response, sse_response  # noqa: E402
from worker_harness import (UPSTREAM_KEY, Worker, anthropic_request, chunk,  # noqa: E402
                            openai_completion, parse_sse, profile_toml)

CLIENT_KEY = "cc-client-key-0123456789abcdef"


def raw_exchange(port, data, half_close=False, timeout=5):
    """Sends raw bytes on a new connection; returns everything the worker sends until it
    closes the connection (or the timeout)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    if half_close:
        # Corked, the request and the FIN leave in one segment, as from a client that shuts
        # down its side right after writing: the test does not depend on this process being
        # scheduled between the write and the shutdown.
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 1)
    s.sendall(data)
    if half_close:
        s.shutdown(socket.SHUT_WR)
    out = b""
    try:
        while True:
            part = s.recv(65536)
            if not part:
                break
            out += part
    except socket.timeout:
        pass
    s.close()
    return out


def status_of(raw):
    line = raw.split(b"\r\n", 1)[0].decode("latin-1")
    parts = line.split(" ")
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None


def head_and_body(raw):
    head, _, body = raw.partition(b"\r\n\r\n")
    return head.decode("latin-1"), body


class HardeningTest(unittest.TestCase):
    fmt = "openai"
    top = {}
    limits = None

    @classmethod
    def setUpClass(cls):
        cls.mock = MockUpstream()
        text = profile_toml(cls.mock.url + "/v1", fmt=cls.fmt, top=cls.top,
                            retry={"max_retries": 0})
        if cls.limits:
            text += "[limits]\n" + "".join("%s = %d\n" % kv for kv in cls.limits.items())
        cls.worker = Worker(text)

    @classmethod
    def tearDownClass(cls):
        cls.worker.stop()
        cls.mock.stop()

    def setUp(self):
        with self.mock.lock:
            self.mock.actions.clear()
            self.mock.requests.clear()

    def tearDown(self):
        self.assertIsNone(self.worker.proc.poll(), self.worker.log())


class TestClientSide(HardeningTest):
    top = {"client_api_key": CLIENT_KEY}

    def auth(self):
        return {"x-api-key": CLIENT_KEY}

    def test_half_closed_client_still_gets_its_answer(self):
        # A client that shuts down its sending side after the request (curl with some
        # options, scripts using shutdown(SHUT_WR)) is still owed the response.
        self.mock.queue(json_response(openai_completion("after half-close")))
        body = json.dumps(anthropic_request()).encode()
        raw = raw_exchange(self.worker.port,
                           b"POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Type: "
                           b"application/json\r\nx-api-key: " + CLIENT_KEY.encode() +
                           b"\r\nContent-Length: %d\r\n\r\n" % len(body) + body,
                           half_close=True)
        self.assertEqual(status_of(raw), 200, raw[:300])
        _, payload = head_and_body(raw)
        self.assertIn(b"after half-close", payload)

    def test_transfer_codings_it_does_not_implement_are_refused(self):
        body = json.dumps(anthropic_request()).encode()
        chunked = b"%x\r\n" % len(body) + body + b"\r\n0\r\n\r\n"
        for coding in (b"gzip, chunked", b"deflate, chunked", b"br"):
            raw = raw_exchange(self.worker.port,
                               b"POST /v1/messages HTTP/1.1\r\nHost: x\r\nx-api-key: " +
                               CLIENT_KEY.encode() + b"\r\nTransfer-Encoding: " + coding +
                               b"\r\n\r\n" + chunked)
            self.assertIn(status_of(raw), (400, 501), (coding, raw[:300]))
        self.assertEqual(self.mock.requests, [], "a body in an unknown coding went upstream")

    def test_model_name_with_line_breaks_cannot_forge_log_lines(self):
        forged = "2026-12-05 00:00:00.000 info  [test] FORGED-LINE"
        for model in ("moonshotai/kimi\n" + forged, "claude-sonnet-4-5\r\n" + forged):
            self.mock.queue(json_response(openai_completion("ok")))
            self.worker.messages(anthropic_request(model=model), headers=self.auth())
        for line in self.worker.log().splitlines():
            self.assertFalse(line.startswith("2026-12-05 00:00:00.000"), line)
            self.assertFalse(line.startswith("FORGED-LINE"), line)
        self.assertIn("FORGED-LINE", self.worker.log(), "the model name was not logged at all")

    def test_keys_echoed_by_the_provider_are_redacted(self):
        # Providers quote the credentials they were sent in their 401s.
        for quoted in ("Incorrect API key provided: Bearer " + UPSTREAM_KEY,
                       "bad key " + UPSTREAM_KEY + " and client " + CLIENT_KEY):
            self.mock.queue(json_response({"error": {"message": quoted, "type": "auth"}},
                                          status=401))
            resp, raw = self.worker.messages(anthropic_request(), headers=self.auth())
            self.assertEqual(resp.status, 401, raw)
            self.assertNotIn(UPSTREAM_KEY.encode(), raw)
            self.assertNotIn(CLIENT_KEY.encode(), raw)
            self.assertNotIn(b"0123456789abcdef", raw)
        # The same in a stream's error event.
        self.mock.queue(sse_response([chunk({"content": "hi"}),
                                      {"error": {"message": "key " + UPSTREAM_KEY + " revoked"}}]))
        resp, raw = self.worker.messages(anthropic_request(stream=True), headers=self.auth())
        self.assertNotIn(UPSTREAM_KEY.encode(), raw)
        log = self.worker.log()
        self.assertNotIn(UPSTREAM_KEY, log)
        self.assertNotIn(CLIENT_KEY, log)

    def test_upstream_header_with_a_bare_line_feed_is_not_copied(self):
        self.mock.queue(json_response({"error": {"message": "slow down"}}, status=429,
                                      headers={"Retry-After": "0\nX-Injected: yes"}))
        resp, raw = self.worker.messages(anthropic_request(), headers=self.auth())
        self.assertIsNone(resp.getheader("X-Injected"), resp.getheaders())
        for name, value in resp.getheaders():
            self.assertNotIn("\n", value)
            self.assertNotIn("Injected", name + value)


class TestPassThroughKeys(HardeningTest):
    fmt = "anthropic"
    limits = {"max_tokens": 1000}

    def test_escaped_keys_are_mapped_and_clamped(self):
        self.mock.queue(json_response({"id": "msg_1", "type": "message", "role": "assistant",
                                       "model": "big-model", "content": [],
                                       "stop_reason": "end_turn",
                                       "usage": {"input_tokens": 1, "output_tokens": 1}}))
        # The same keys as "model" and "max_tokens", written with JSON escapes.
        body = ('{"mod\\u0065l": "claude-opus-4-1", "max_tok\\u0065ns": 99999, '
                '"messages": [{"role": "user", "content": "hi"}]}')
        resp, raw = self.worker.messages(body)
        self.assertEqual(len(self.mock.requests), 1 if resp.status == 200 else 0, raw)
        if resp.status == 200:
            sent = self.mock.requests[0].json()
            self.assertEqual(sent["model"], "big-model")
            self.assertEqual(sent["max_tokens"], 1000)
        else:
            # Refusing the escaped duplicate outright is as good, with a clear client error.
            self.assertEqual(resp.status, 400, raw)

    def test_key_in_the_upstreams_own_error_event_is_redacted(self):
        # The error event's line and its data come in separate reads of the stream.
        start = {"type": "message_start", "message": {
            "id": "msg_1", "type": "message", "role": "assistant", "model": "big-model",
            "content": [], "stop_reason": None,
            "usage": {"input_tokens": 3, "output_tokens": 1}}}
        error = {"type": "error", "error": {"type": "authentication_error",
                                            "message": "key " + UPSTREAM_KEY + " revoked"}}
        self.mock.queue(sse_response(
            ["event: message_start\ndata: " + json.dumps(start) + "\n\n", "event: error\n",
             "data: " + json.dumps(error) + "\n\n"], raw=True, delay=0.05))
        resp, raw = self.worker.messages(anthropic_request(stream=True))
        self.assertEqual(resp.status, 200, raw)
        self.assertIn(b"event: error", raw)
        self.assertIn(b"revoked", raw)
        self.assertNotIn(UPSTREAM_KEY.encode(), raw)
        self.assertNotIn(UPSTREAM_KEY, self.worker.log())

    def test_escaped_duplicate_of_a_known_key_cannot_smuggle_a_second_value(self):
        self.mock.queue(json_response({"id": "msg_1", "type": "message", "role": "assistant",
                                       "model": "big-model", "content": [],
                                       "stop_reason": "end_turn",
                                       "usage": {"input_tokens": 1, "output_tokens": 1}}))
        body = ('{"model": "claude-opus-4-1", "max_tokens": 10, "max_tok\\u0065ns": 99999, '
                '"messages": [{"role": "user", "content": "hi"}]}')
        resp, raw = self.worker.messages(body)
        if resp.status == 200:
            sent = json.loads(self.mock.requests[0].body)
            self.assertLessEqual(sent["max_tokens"], 1000)
            self.assertNotIn(b"99999", self.mock.requests[0].body)
        else:
            self.assertEqual(resp.status, 400, raw)
            self.assertEqual(self.mock.requests, [])


if __name__ == "__main__":
    unittest.main()
