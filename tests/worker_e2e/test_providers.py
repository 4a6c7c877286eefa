"""Provider compatibility: a Claude-Code-shaped two-turn tool conversation through the real
binary against a strict mock of each provider (provider_mocks.py), streaming and not."""

import json
import os
import unittest

from provider_mocks import StrictProvider
from worker_harness import Worker, parse_sse, profile_toml

FIXTURE = os.path.join(os.path.dirname(__file__), "..", "fixtures", "claude-code-request.json")
CLAUDE_CODE_BETAS = "claude-code-20250219,interleaved-thinking-2025-05-14,context-management-2025-06-27"

# mock kind -> (provider model, upstream settings)
PROVIDERS = {
    "gemini": ("google/gemini-2.5-flash", {}),
    "gemini3": ("google/gemini-3-pro-preview", {}),
    "kimi": ("moonshotai/kimi-k2-thinking", {}),
    "deepseek": ("deepseek/deepseek-reasoner", {}),
    "minimax": ("minimaxi/MiniMax-M2", {}),
    "glm": ("zai/GLM-4.6", {}),
    "anthropic": ("glm-4.6", {"format": "anthropic"}),
}


def profile(mock, model, upstream):
    up = {"format": "openai"}
    up.update(upstream)
    fmt = up.pop("format")
    text = profile_toml(mock.url + ("/v1" if fmt == "openai" else ""), fmt=fmt, upstream=up,
                        retry={"max_retries": 0}, timeouts={"first_byte_s": 5, "idle_s": 5})
    for slot in ("big-model", "mid-model", "small-model"):
        text = text.replace('"%s"' % slot, json.dumps(model))
    return text


def first_request(stream):
    with open(FIXTURE) as f:
        fixture = json.load(f)
    system = [{"type": "text", "text": "x-anthropic-billing-header: cc_version=2.1.3.f00; cc_entrypoint=cli;"}]
    system += fixture["system"]
    return {"model": "claude-sonnet-4-5", "max_tokens": 32000, "stream": stream,
            "system": system, "tools": fixture["tools"], "thinking": {"type": "adaptive"},
            "output_config": fixture.get("output_config", {"effort": "high"}),
            "context_management": fixture["context_management"], "metadata": fixture["metadata"],
            "messages": [{"role": "user", "content": "List the files."}]}


def content_of(raw, stream):
    """The assistant content blocks as Claude Code assembles them."""
    if not stream:
        return json.loads(raw)["content"], json.loads(raw)["stop_reason"]
    blocks, partial, stop = {}, {}, None
    for event, data in parse_sse(raw):
        if event == "content_block_start":
            blocks[data["index"]] = dict(data["content_block"])
        elif event == "content_block_delta":
            b, d = blocks[data["index"]], data["delta"]
            if d["type"] == "text_delta":
                b["text"] += d["text"]
            elif d["type"] == "thinking_delta":
                b["thinking"] += d["thinking"]
            elif d["type"] == "signature_delta":
                b["signature"] = d["signature"]
            elif d["type"] == "input_json_delta":
                partial[data["index"]] = partial.get(data["index"], "") + d["partial_json"]
        elif event == "content_block_stop" and data["index"] in partial:
            blocks[data["index"]]["input"] = json.loads(partial[data["index"]])
        elif event == "message_delta":
            stop = data["delta"]["stop_reason"]
        elif event == "error":
            raise AssertionError("error event: %r" % (data,))
    return [blocks[i] for i in sorted(blocks)], stop


class ProviderConversations(unittest.TestCase):
    def conversation(self, kind, stream, upstream=None):
        model, settings = PROVIDERS[kind]
        settings = dict(settings, **(upstream or {}))
        mock = StrictProvider(kind)
        worker = Worker(profile(mock, model, settings))
        try:
            headers = {"anthropic-beta": CLAUDE_CODE_BETAS}
            body = first_request(stream)
            resp, raw = worker.messages(body, headers=headers)
            self.assertEqual(resp.status, 200, (raw[:500], mock.errors))
            content, stop = content_of(raw, stream)
            self.assertEqual(stop, "tool_use")
            tool = [b for b in content if b["type"] == "tool_use"][0]
            body["messages"] += [
                {"role": "assistant", "content": content},
                {"role": "user", "content": [{"type": "tool_result", "tool_use_id": tool["id"],
                                              "content": "a.txt"}]}]
            resp, raw = worker.messages(body, headers=headers)
            self.assertEqual(resp.status, 200, (raw[:500], mock.errors))
            content, stop = content_of(raw, stream)
            self.assertEqual(stop, "end_turn")
            self.assertEqual(content[-1]["text"], "Done: a.txt")
            self.assertEqual(mock.errors, [])
            return mock, content
        finally:
            worker.stop()
            mock.stop()

    def test_each_provider_two_turns(self):
        for kind in PROVIDERS:
            for stream in (False, True):
                with self.subTest(provider=kind, stream=stream):
                    mock, _ = self.conversation(kind, stream)
                    self.assertEqual(len(mock.requests), 2)
                    if kind != "anthropic":
                        sent = mock.requests[0].json()
                        self.assertEqual(sent["messages"][0]["role"], "system")
                        self.assertNotIn("x-anthropic-billing-header", sent["messages"][0]["content"])

    def test_round_trip_carries_what_each_provider_needs(self):
        mock, _ = self.conversation("kimi", True)
        second = mock.requests[1].json()
        assistant = [m for m in second["messages"] if m["role"] == "assistant"][0]
        self.assertEqual(assistant["reasoning_content"], list(mock.issued.values())[0])
        mock, _ = self.conversation("gemini3", False)
        second = mock.requests[1].json()
        call = [m for m in second["messages"] if m["role"] == "assistant"][0]["tool_calls"][0]
        self.assertEqual(call["id"], list(mock.issued)[0])
        self.assertEqual(call["extra_content"]["google"]["thought_signature"],
                         list(mock.issued.values())[0])
        mock, _ = self.conversation("glm", True)
        self.assertEqual(mock.requests[0].json()["thinking"], {"type": "enabled"})

    def test_mocks_are_strict_without_the_rules(self):
        """Pinned to the generic rules, the same conversation fails where the provider would."""
        for kind, turn_fails in (("gemini", 1), ("kimi", 2), ("deepseek", 2), ("minimax", 2)):
            with self.subTest(provider=kind):
                model, _ = PROVIDERS[kind]
                mock = StrictProvider(kind)
                worker = Worker(profile(mock, model, {"provider": "generic"}))
                try:
                    body = first_request(False)
                    resp, raw = worker.messages(body)
                    if turn_fails == 1:
                        self.assertEqual(resp.status, 400, raw[:300])
                        self.assertIn("Unknown name", json.loads(raw)["error"]["message"])
                        continue
                    self.assertEqual(resp.status, 200, raw[:300])
                    content, _ = content_of(raw, False)
                    tool = [b for b in content if b["type"] == "tool_use"][0]
                    body["messages"] += [
                        {"role": "assistant", "content": content},
                        {"role": "user", "content": [{"type": "tool_result",
                                                      "tool_use_id": tool["id"],
                                                      "content": "a.txt"}]}]
                    resp, raw = worker.messages(body)
                    self.assertEqual(resp.status, 400, raw[:300])
                    self.assertEqual(json.loads(raw)["error"]["type"], "invalid_request_error")
                finally:
                    worker.stop()
                    mock.stop()

    def test_gemini3_refuses_a_call_without_its_signature(self):
        """The strict Gemini 3 mock refuses the second turn when the carried signature is lost."""
        model, _ = PROVIDERS["gemini3"]
        mock = StrictProvider("gemini3")
        worker = Worker(profile(mock, model, {}))
        try:
            body = first_request(False)
            resp, raw = worker.messages(body)
            self.assertEqual(resp.status, 200, raw[:300])
            content, _ = content_of(raw, False)
            tool = [b for b in content if b["type"] == "tool_use"][0]
            tool["id"] = tool["id"].split("__ccp1_")[0]  # what a client that loses it sends
            body["messages"] += [
                {"role": "assistant", "content": content},
                {"role": "user", "content": [{"type": "tool_result", "tool_use_id": tool["id"],
                                              "content": "a.txt"}]}]
            resp, raw = worker.messages(body)
            self.assertEqual(resp.status, 400, raw[:300])
            self.assertIn("thought_signature", json.loads(raw)["error"]["message"])
        finally:
            worker.stop()
            mock.stop()

    def test_kimi_tool_limit_is_refused_before_any_upstream_call(self):
        mock = StrictProvider("kimi")
        worker = Worker(profile(mock, PROVIDERS["kimi"][0], {}))
        try:
            body = first_request(False)
            body["tools"] = [{"name": "t%d" % i, "input_schema": {"type": "object"}}
                             for i in range(130)]
            resp, raw = worker.messages(body)
            self.assertEqual(resp.status, 400)
            error = json.loads(raw)
            self.assertEqual(error["type"], "error")
            self.assertEqual(error["error"]["type"], "invalid_request_error")
            self.assertIn("at most 128 tools", error["error"]["message"])
            self.assertEqual(mock.requests, [])
        finally:
            worker.stop()
            mock.stop()

    def test_anthropic_format_forwards_only_configured_betas(self):
        mock, _ = self.conversation("anthropic", False,
                                    {"forward_betas": ["interleaved-thinking-2025-05-14"]})
        self.assertEqual(mock.requests[0].headers.get("anthropic-beta"),
                         "interleaved-thinking-2025-05-14")
        self.assertNotIn("context_management", mock.requests[0].json())
        mock, _ = self.conversation("anthropic", True)
        self.assertNotIn("anthropic-beta", mock.requests[0].headers)


if __name__ == "__main__":
    unittest.main()
