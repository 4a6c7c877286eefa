"""Routing rules through the real binary: an image, a long request, thinking and a plain request
each reach the model of their tier at the upstream, in both upstream formats; the log line names
the rule and /metrics counts requests by rule."""

import json
import os
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from mock_upstream import MockUpstream, json_response  # noqa: E402
from worker_harness import (Worker, anthropic_request, openai_completion,  # noqa: E402
                            profile_toml)

ROUTED_MODELS = {"vision": "google/gemini-2.5-flash", "long": "google/gemini-2.5-pro",
                 "think": "kimi-k2-thinking"}
THRESHOLD = 2000

IMAGE = {"type": "image", "source": {"type": "base64", "media_type": "image/png",
                                     "data": "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlE"
                                             "QVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="}}
THINKING = {"type": "enabled", "budget_tokens": 2048}


def long_text():
    """Well above THRESHOLD tokens by the count_tokens estimate (about a token a word)."""
    return "word " * (THRESHOLD * 2)


def anthropic_answer():
    return {"id": "msg_up", "type": "message", "role": "assistant", "model": "up",
            "content": [{"type": "text", "text": "ok"}], "stop_reason": "end_turn",
            "stop_sequence": None, "usage": {"input_tokens": 3, "output_tokens": 1}}


# (name, request, expected model at the upstream, rule in the log line and /metrics)
def cases():
    tool_image = {"role": "user", "content": [
        {"type": "tool_result", "tool_use_id": "toolu_1", "content": [IMAGE]}]}
    tool_call = {"role": "assistant", "content": [
        {"type": "tool_use", "id": "toolu_1", "name": "Screenshot", "input": {}}]}
    return [
        ("plain", anthropic_request(), "mid-model", "middle"),
        ("image", anthropic_request(text=[{"type": "text", "text": "what is this?"}, IMAGE],
                                    thinking=THINKING), ROUTED_MODELS["vision"], "vision"),
        ("tool image", anthropic_request(
            messages=[{"role": "user", "content": "take a screenshot"}, tool_call, tool_image],
            tools=[{"name": "Screenshot", "input_schema": {"type": "object"}}]),
         ROUTED_MODELS["vision"], "vision"),
        ("long", anthropic_request(text=long_text(), thinking=THINKING),
         ROUTED_MODELS["long"], "long"),
        ("thinking", anthropic_request(model="claude-opus-4-8", thinking=THINKING),
         ROUTED_MODELS["think"], "think"),
        ("adaptive", anthropic_request(thinking={"type": "adaptive"}),
         ROUTED_MODELS["think"], "think"),
        ("adaptive low", anthropic_request(thinking={"type": "adaptive"},
                                           output_config={"effort": "low"}),
         "mid-model", "middle"),
        ("haiku", anthropic_request(model="claude-haiku-4-5"), "small-model", "small"),
        ("client model", anthropic_request(model="vendor/chosen", text=[IMAGE]),
         "vendor/chosen", "client"),
    ]


class RoutingTest(unittest.TestCase):
    def setUp(self):
        self.mock = MockUpstream()
        self.workers = []

    def tearDown(self):
        for w in self.workers:
            w.stop()
        self.mock.stop()

    def start(self, fmt, path=""):
        w = Worker(profile_toml(self.mock.url + path, fmt=fmt, models=ROUTED_MODELS,
                                routing={"long_context_tokens": THRESHOLD}))
        self.workers.append(w)
        return w

    def wait_for_log(self, w, needle, timeout=5):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if needle in w.log():
                return True
            time.sleep(0.02)
        return False

    def check_cases(self, w, answer, translated):
        expected_rules = {}
        for name, body, model, rule in cases():
            with self.subTest(name):
                before = len(self.mock.requests)
                self.mock.queue(json_response(answer))
                resp, raw = w.messages(body)
                self.assertEqual(resp.status, 200, raw)
                if translated:
                    # Claude Code sees the name it sent, whatever model answered.
                    self.assertEqual(json.loads(raw)["model"], body["model"])
                self.assertEqual(len(self.mock.requests), before + 1)
                self.assertEqual(self.mock.requests[-1].json()["model"], model)
                self.assertTrue(self.wait_for_log(w, "-> %s (%s) 200" % (model, rule)),
                                w.log())
                expected_rules[rule] = expected_rules.get(rule, 0) + 1
        resp, raw = w.request("GET", "/metrics")
        self.assertEqual(resp.status, 200)
        counted = dict(re.findall(r'^ccproxy_route_requests_total\{rule="(\w+)"\} (\d+)$',
                                  raw.decode(), re.M))
        self.assertEqual({k: int(v) for k, v in counted.items()}, expected_rules)

    def test_translated_requests_reach_their_tier(self):
        self.check_cases(self.start("openai"), openai_completion(content="ok"), True)

    def test_passthrough_routes_the_same(self):
        w = self.start("anthropic", "/anthropic")
        self.check_cases(w, anthropic_answer(), False)
        # Pass-through forwards the body as sent but for the model: the image stays.
        image_request = [r for r in self.mock.requests
                         if r.json()["model"] == ROUTED_MODELS["vision"]][0].json()
        self.assertEqual(image_request["messages"][0]["content"][1], IMAGE)
        self.assertEqual(image_request["thinking"], THINKING)

    def test_invalid_request_counts_no_route(self):
        w = self.start("openai")
        resp, raw = w.messages({"model": "claude-sonnet-4-5", "max_tokens": 10,
                                "messages": [{"role": "user", "content": [IMAGE, 7]}]})
        self.assertEqual(resp.status, 400, raw)
        self.assertEqual(len(self.mock.requests), 0)
        resp, raw = w.request("GET", "/metrics")
        self.assertNotIn('ccproxy_route_requests_total{', raw.decode())


if __name__ == "__main__":
    unittest.main()
