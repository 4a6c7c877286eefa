"""Upstream pools through the real binary: failover before the first byte, cooldowns, the
half-open probe, key rotation and session stickiness, an OpenAI-format and an Anthropic-format
upstream in one pool, and what /health and /metrics say about each upstream."""

import json
import os
import re
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from mock_upstream import MockUpstream, close_now, hang, json_response, sse_response  # noqa: E402
from worker_harness import (Worker, anthropic_request, chunk, openai_completion,  # noqa: E402
                            parse_sse, toml_value)

KEY_A = "sk-pool-key-aaaa-0001"
KEY_B = "sk-pool-key-bbbb-0002"
KEY_C = "sk-pool-key-cccc-0003"
KEY_Z = "sk-pool-key-zzzz-0009"


def refused_url():
    """A loopback URL where nothing listens (connections are refused)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return "http://127.0.0.1:%d/v1" % port


def pool_toml(upstreams, balance=None, retry=None, timeouts=None):
    """upstreams: dicts with name, base_url, keys, format, models (dict), headers (dict)."""
    lines = ["port = 18099"]
    for u in upstreams:
        lines.append("[[upstreams]]")
        lines.append("name = %s" % toml_value(u["name"]))
        lines.append("base_url = %s" % toml_value(u["base_url"]))
        if u.get("keys"):
            lines.append("api_keys = [%s]" % ", ".join(toml_value(k) for k in u["keys"]))
        lines.append("format = %s" % toml_value(u.get("format", "openai")))
        lines.append("[upstreams.models]")
        for tier, model in u.get("models", {"big": "big-" + u["name"]}).items():
            lines.append("%s = %s" % (tier, toml_value(model)))
    b = {"strategy": "priority", "cooldown_s": 30}
    b.update(balance or {})
    lines.append("[balance]")
    lines += ["%s = %s" % (k, toml_value(v)) for k, v in b.items()]
    t = {"connect_s": 2, "first_byte_s": 1, "idle_s": 0.5, "total_s": 20}
    t.update(timeouts or {})
    lines.append("[timeouts]")
    lines += ["%s = %s" % (k, toml_value(v)) for k, v in t.items()]
    r = {"max_retries": 0, "backoff_initial_ms": 20, "backoff_max_ms": 100,
         "retry_after_cap_s": 2}
    r.update(retry or {})
    lines.append("[retry]")
    lines += ["%s = %s" % (k, toml_value(v)) for k, v in r.items()]
    return "\n".join(lines) + "\n"


def anthropic_message(text="from anthropic"):
    return {"id": "msg_1", "type": "message", "role": "assistant", "model": "glm-4.6",
            "content": [{"type": "text", "text": text}], "stop_reason": "end_turn",
            "usage": {"input_tokens": 3, "output_tokens": 2}}


class PoolTest(unittest.TestCase):
    def setUp(self):
        self.mocks = []
        self.worker = None

    def tearDown(self):
        if self.worker is not None:
            alive = self.worker.proc.poll() is None
            log = self.worker.log()
            self.worker.stop()
            self.assertTrue(alive, log)
            for key in (KEY_A, KEY_B, KEY_C, KEY_Z):
                self.assertNotIn(key, log)
        for m in self.mocks:
            m.stop()

    def mock(self):
        m = MockUpstream()
        self.mocks.append(m)
        return m

    def start(self, upstreams, **kw):
        self.worker = Worker(pool_toml(upstreams, **kw))
        return self.worker

    def health(self):
        resp, raw = self.worker.request("GET", "/health")
        self.assertEqual(resp.status, 200)
        return {u["name"]: u for u in json.loads(raw)["upstreams"]}

    def request_line(self, n):
        """The n-th (1-based) request log line, waiting for it: the line is written once the
        answer went out, so it may come a moment after the client has the answer."""
        deadline = time.monotonic() + 5
        while True:
            lines = [line for line in self.worker.log().splitlines()
                     if re.search(r"req_[0-9a-f]+ \S+ -> \S+ (\(\w+\) )?\d+ ", line)]
            if len(lines) >= n or time.monotonic() > deadline:
                return lines[n - 1] if len(lines) >= n else ""
            time.sleep(0.01)


class TestFailover(PoolTest):
    def test_refused_connection_moves_on_at_once(self):
        b = self.mock()
        self.start([{"name": "down", "base_url": refused_url(), "keys": [KEY_A]},
                    {"name": "up", "base_url": b.url + "/v1", "keys": [KEY_B]}],
                   retry={"max_retries": 2, "backoff_initial_ms": 2000, "backoff_max_ms": 2000})
        b.queue(json_response(openai_completion("via b")))
        started = time.monotonic()
        resp, raw = self.worker.messages(anthropic_request())
        elapsed = time.monotonic() - started
        self.assertEqual(resp.status, 200, raw)
        self.assertEqual(json.loads(raw)["content"][0]["text"], "via b")
        # No backoff between candidates: far below the 2 s backoff.
        self.assertLess(elapsed, 0.5)
        self.assertEqual(b.requests[0].json()["model"], "big-up")
        self.assertEqual(b.requests[0].headers["authorization"], "Bearer " + KEY_B)
        line = self.request_line(1)
        self.assertIn("upstream=up", line)
        self.assertIn("failed=down", line)
        h = self.health()
        self.assertEqual(h["down"]["state"], "cooldown")
        self.assertGreater(h["down"]["cooldown_left_s"], 25)
        self.assertIn("connect", h["down"]["last_error"])
        self.assertEqual(h["up"]["state"], "ok")
        # While it cools, nothing is sent to it: the next request has no failed attempt.
        b.queue(json_response(openai_completion("again")))
        resp, raw = self.worker.messages(anthropic_request())
        self.assertEqual(resp.status, 200, raw)
        self.assertNotIn("failed=", self.request_line(2))
        resp, raw = self.worker.request("GET", "/metrics")
        text = raw.decode()
        self.assertIn('ccproxy_upstream_state{upstream="down"} 2', text)
        self.assertIn('ccproxy_upstream_state{upstream="up"} 0', text)
        self.assertIn('ccproxy_upstream_requests_total{upstream="up"} 2', text)
        self.assertIn('ccproxy_upstream_failures_total{upstream="down"} 1', text)

    def test_5xx_moves_on_and_the_upstream_cools(self):
        a, b = self.mock(), self.mock()
        self.start([{"name": "a", "base_url": a.url + "/v1", "keys": [KEY_A]},
                    {"name": "b", "base_url": b.url + "/v1", "keys": [KEY_B]}])
        a.queue(json_response({"error": {"message": "upstream exploded"}}, status=502))
        b.queue(json_response(openai_completion("b1")), json_response(openai_completion("b2")))
        for expected in ("b1", "b2"):
            resp, raw = self.worker.messages(anthropic_request())
            self.assertEqual(resp.status, 200, raw)
            self.assertEqual(json.loads(raw)["content"][0]["text"], expected)
        self.assertEqual(len(a.requests), 1)  # cooling: the second request skipped it
        self.assertEqual(self.health()["a"]["state"], "cooldown")

    def test_after_the_cooldown_one_request_probes_it(self):
        a, b = self.mock(), self.mock()
        self.start([{"name": "a", "base_url": a.url + "/v1"},
                    {"name": "b", "base_url": b.url + "/v1"}], balance={"cooldown_s": 0.5})
        a.queue(json_response({"error": {"message": "boom"}}, status=500))
        b.default = json_response(openai_completion("b"))
        resp, raw = self.worker.messages(anthropic_request())
        self.assertEqual(resp.status, 200, raw)
        self.assertEqual(self.health()["a"]["state"], "cooldown")
        time.sleep(0.6)
        self.assertEqual(self.health()["a"]["state"], "probing")
        a.queue(json_response(openai_completion("probe ok")))
        resp, raw = self.worker.messages(anthropic_request())
        self.assertEqual(json.loads(raw)["content"][0]["text"], "probe ok")
        self.assertEqual(self.health()["a"]["state"], "ok")

    def test_first_byte_timeout_moves_on(self):
        a, b = self.mock(), self.mock()
        self.start([{"name": "slow", "base_url": a.url + "/v1"},
                    {"name": "fast", "base_url": b.url + "/v1"}],
                   timeouts={"first_byte_s": 0.3})
        a.queue(hang())
        b.queue(json_response(openai_completion("fast")))
        resp, raw = self.worker.messages(anthropic_request())
        self.assertEqual(resp.status, 200, raw)
        self.assertEqual(len(a.requests), 1)
        self.assertIn("failed=slow", self.request_line(1))
        self.assertEqual(self.health()["slow"]["state"], "cooldown")

    def test_429_retry_after_sets_the_keys_cooldown(self):
        a, b = self.mock(), self.mock()
        self.start([{"name": "a", "base_url": a.url + "/v1", "keys": [KEY_A]},
                    {"name": "b", "base_url": b.url + "/v1", "keys": [KEY_B]}])
        a.queue(json_response({"error": {"message": "slow down"}}, status=429,
                              headers={"Retry-After": "1"}))
        b.queue(json_response(openai_completion("b")))
        resp, raw = self.worker.messages(anthropic_request())
        self.assertEqual(resp.status, 200, raw)
        h = self.health()
        self.assertEqual(h["a"]["state"], "cooldown")
        self.assertLessEqual(h["a"]["cooldown_left_s"], 1)  # Retry-After, not cooldown_s
        self.assertEqual(h["a"]["keys_ok"], 0)
        time.sleep(1.2)
        # A key comes back when its cooldown is over.
        self.assertEqual(self.health()["a"]["keys_ok"], 1)
        a.queue(json_response(openai_completion("a is back")))
        resp, raw = self.worker.messages(anthropic_request())
        self.assertEqual(json.loads(raw)["content"][0]["text"], "a is back")
        self.assertEqual(self.health()["a"]["state"], "ok")

    def test_bad_request_is_the_clients_problem(self):
        a, b = self.mock(), self.mock()
        self.start([{"name": "a", "base_url": a.url + "/v1"},
                    {"name": "b", "base_url": b.url + "/v1"}])
        a.queue(json_response({"error": {"message": "messages: bad role"}}, status=400))
        resp, raw = self.worker.messages(anthropic_request())
        self.assertEqual(resp.status, 400, raw)
        self.assertEqual(json.loads(raw)["error"]["type"], "invalid_request_error")
        self.assertIn("bad role", json.loads(raw)["error"]["message"])
        self.assertEqual(len(b.requests), 0)
        self.assertEqual(self.health()["a"]["state"], "ok")

    def test_every_upstream_failing_answers_the_last_error_and_never_hangs(self):
        a, b = self.mock(), self.mock()
        self.start([{"name": "a", "base_url": a.url + "/v1"},
                    {"name": "b", "base_url": b.url + "/v1"}])
        a.default = json_response({"error": {"message": "a is broken"}}, status=500)
        b.default = json_response({"error": {"message": "b is broken"}}, status=502)
        resp, raw = self.worker.messages(anthropic_request(), timeout=5)
        self.assertEqual(resp.status, 502, raw)
        self.assertIn("b is broken", json.loads(raw)["error"]["message"])
        self.assertIn("failed=a,b", self.request_line(1))
        # Both cool now: the least recently failed one (a) is still tried.
        resp, raw = self.worker.messages(anthropic_request(), timeout=5)
        self.assertEqual(resp.status, 500, raw)
        self.assertEqual(len(a.requests), 2)
        self.assertEqual(len(b.requests), 1)

    def test_stream_broken_after_start_counts_but_cannot_move(self):
        a, b = self.mock(), self.mock()
        self.start([{"name": "a", "base_url": a.url + "/v1"},
                    {"name": "b", "base_url": b.url + "/v1"}])
        a.queue(sse_response([chunk({"role": "assistant", "content": "Hel"})], cut_after=True))
        resp, raw = self.worker.messages(anthropic_request(stream=True))
        self.assertEqual(resp.status, 200)
        events = parse_sse(raw)
        self.assertEqual(events[-1][0], "error", events)
        self.assertEqual(len(b.requests), 0)
        h = self.health()
        self.assertEqual(h["a"]["state"], "cooldown")
        self.assertEqual(h["a"]["failures"], 1)
        # The next request goes to b.
        b.queue(json_response(openai_completion("b")))
        resp, raw = self.worker.messages(anthropic_request())
        self.assertEqual(resp.status, 200, raw)
        self.assertEqual(len(b.requests), 1)

    def test_connection_closed_before_answer_moves_on(self):
        a, b = self.mock(), self.mock()
        self.start([{"name": "a", "base_url": a.url + "/v1"},
                    {"name": "b", "base_url": b.url + "/v1"}])
        a.default = close_now()
        b.queue(json_response(openai_completion("b")))
        resp, raw = self.worker.messages(anthropic_request())
        self.assertEqual(resp.status, 200, raw)
        self.assertIn("failed=a", self.request_line(1))


class TestMixedFormats(PoolTest):
    def test_openai_and_anthropic_upstreams_in_one_pool(self):
        oa, an = self.mock(), self.mock()
        self.start([{"name": "requesty", "base_url": oa.url + "/v1", "keys": [KEY_A],
                     "models": {"big": "zai/GLM-4.6", "small": "zai/GLM-4.5-Air"}},
                    {"name": "zai", "base_url": an.url + "/api/anthropic", "keys": [KEY_Z],
                     "format": "anthropic", "models": {"big": "glm-4.6"}}])
        oa.queue(json_response({"error": {"message": "overloaded"}}, status=503))
        an.queue(json_response(anthropic_message("from zai")))
        resp, raw = self.worker.messages(anthropic_request(model="claude-opus-4-1"))
        self.assertEqual(resp.status, 200, raw)
        self.assertEqual(json.loads(raw)["content"][0]["text"], "from zai")
        self.assertEqual(oa.requests[0].target, "/v1/chat/completions")
        self.assertEqual(oa.requests[0].json()["model"], "zai/GLM-4.6")
        self.assertEqual(an.requests[0].target, "/api/anthropic/v1/messages")
        self.assertEqual(an.requests[0].headers["x-api-key"], KEY_Z)
        self.assertEqual(an.requests[0].json()["model"], "glm-4.6")
        self.assertIn("messages", an.requests[0].json())

    def test_a_tier_goes_to_the_upstreams_that_serve_it(self):
        big, small = self.mock(), self.mock()
        self.start([{"name": "big", "base_url": big.url + "/v1", "models": {"big": "B"}},
                    {"name": "small", "base_url": small.url + "/v1",
                     "models": {"big": "B2", "small": "S"}}])
        small.queue(json_response(openai_completion("haiku")))
        resp, raw = self.worker.messages(anthropic_request(model="claude-3-5-haiku"))
        self.assertEqual(resp.status, 200, raw)
        self.assertEqual(small.requests[0].json()["model"], "S")
        self.assertEqual(len(big.requests), 0)
        # Nobody serves middle: sonnet goes to the big servers, in order.
        big.queue(json_response(openai_completion("sonnet")))
        resp, raw = self.worker.messages(anthropic_request(model="claude-sonnet-4-5"))
        self.assertEqual(resp.status, 200, raw)
        self.assertEqual(big.requests[0].json()["model"], "B")

    def test_routing_rules_choose_the_tier_before_the_upstream(self):
        text, eyes = self.mock(), self.mock()
        self.start([{"name": "text", "base_url": text.url + "/v1", "models": {"big": "K"}},
                    {"name": "eyes", "base_url": eyes.url + "/v1",
                     "models": {"big": "G-big", "vision": "G"}}])
        image = {"type": "image", "source": {"type": "base64", "media_type": "image/png",
                                             "data": "iVBORw0KGgo="}}
        eyes.queue(json_response(openai_completion("a cat")))
        resp, raw = self.worker.messages(
            anthropic_request(text=[{"type": "text", "text": "what is this?"}, image]))
        self.assertEqual(resp.status, 200, raw)
        self.assertEqual(eyes.requests[0].json()["model"], "G")
        self.assertEqual(len(text.requests), 0)
        line = self.request_line(1)
        self.assertIn("-> G (vision)", line)
        self.assertIn("upstream=eyes", line)
        # Without an image the family tier decides: big, first served by `text`.
        text.queue(json_response(openai_completion("hello")))
        resp, raw = self.worker.messages(anthropic_request())
        self.assertEqual(resp.status, 200, raw)
        self.assertEqual(text.requests[0].json()["model"], "K")
        self.assertIn("-> K (middle)", self.request_line(2))
        self.assertEqual(len(eyes.requests), 1)

    def test_streaming_through_the_anthropic_upstream_after_failover(self):
        oa, an = self.mock(), self.mock()
        self.start([{"name": "oa", "base_url": refused_url()},
                    {"name": "an", "base_url": an.url, "format": "anthropic",
                     "models": {"big": "glm-4.6"}}])
        events = [b"event: message_start\ndata: {\"type\":\"message_start\",\"message\":"
                  b"{\"usage\":{\"input_tokens\":4}}}\n\n",
                  b"event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"]
        an.queue(sse_response(events, raw=True))
        resp, raw = self.worker.messages(anthropic_request(stream=True))
        self.assertEqual(resp.status, 200)
        self.assertEqual([e for e, _ in parse_sse(raw)], ["message_start", "message_stop"])


class TestKeysAndSessions(PoolTest):
    def test_keys_rotate_across_sessions_and_a_session_keeps_its_key(self):
        m = self.mock()
        self.start([{"name": "r", "base_url": m.url + "/v1", "keys": [KEY_A, KEY_B, KEY_C]}])
        m.default = json_response(openai_completion("ok"))
        seen = {}
        for session in ("s1", "s2", "s3", "s1", "s2", "s1"):
            resp, raw = self.worker.messages(anthropic_request(),
                                             headers={"x-claude-code-session-id": session})
            self.assertEqual(resp.status, 200, raw)
            key = m.requests[-1].headers["authorization"]
            seen.setdefault(session, set()).add(key)
        self.assertEqual({s: len(k) for s, k in seen.items()}, {"s1": 1, "s2": 1, "s3": 1})
        self.assertEqual(len(set.union(*seen.values())), 3)

    def test_a_refused_key_moves_to_the_next_key_of_the_same_upstream(self):
        m, other = self.mock(), self.mock()
        self.start([{"name": "r", "base_url": m.url + "/v1", "keys": [KEY_A, KEY_B]},
                    {"name": "other", "base_url": other.url + "/v1"}])
        m.queue(json_response({"error": {"message": "no credit"}}, status=402),
                json_response(openai_completion("second key")))
        resp, raw = self.worker.messages(anthropic_request(),
                                         headers={"x-claude-code-session-id": "s"})
        self.assertEqual(resp.status, 200, raw)
        self.assertEqual([r.headers["authorization"] for r in m.requests],
                         ["Bearer " + KEY_A, "Bearer " + KEY_B])
        self.assertEqual(len(other.requests), 0)
        h = self.health()["r"]
        self.assertEqual((h["state"], h["keys_ok"], h["keys_total"]), ("ok", 1, 2))
        self.assertNotIn(KEY_A, json.dumps(self.health()))

    def test_a_session_stays_on_its_upstream_while_it_is_healthy(self):
        a, b = self.mock(), self.mock()
        self.start([{"name": "a", "base_url": a.url + "/v1"},
                    {"name": "b", "base_url": b.url + "/v1"}],
                   balance={"strategy": "round-robin"})
        a.default = json_response(openai_completion("a"))
        b.default = json_response(openai_completion("b"))
        answers = {}
        for session in ("s1", "s2", "s1", "s2", "s1", "s2"):
            resp, raw = self.worker.messages(anthropic_request(),
                                             headers={"x-claude-code-session-id": session})
            answers.setdefault(session, []).append(json.loads(raw)["content"][0]["text"])
        self.assertEqual(len(set(answers["s1"])), 1, answers)
        self.assertEqual(len(set(answers["s2"])), 1, answers)
        self.assertNotEqual(answers["s1"][0], answers["s2"][0])  # round-robin spread them


if __name__ == "__main__":
    unittest.main()
