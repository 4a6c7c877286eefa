"""Strict mock providers: each answers 400 exactly where the real provider does (as documented
by the provider or measured in peer trackers), and otherwise plays a two-turn tool
conversation: the first request gets a tool call (with the provider's reasoning or thought
signature), the request carrying the tool's result gets a final text answer.

    mock = StrictProvider("kimi")   # gemini, gemini3, kimi, deepseek, minimax, glm, anthropic
    ... mock.url, mock.requests, mock.errors (the 400s it gave, for failure messages)
"""

import json
import secrets

from mock_upstream import MockUpstream, json_response, sse_response

# Gemini's OpenAPI subset of JSON Schema (keyword positions only).
GEMINI_KEYWORDS = {
    "type", "format", "description", "title", "pattern", "nullable", "enum", "minimum",
    "maximum", "minLength", "maxLength", "minItems", "maxItems", "default", "properties",
    "required", "items", "anyOf", "minProperties", "maxProperties", "propertyOrdering",
    "example",
}
GEMINI_SKIP_SIGNATURE = "skip_thought_signature_validator"
KNOWN_BETAS = {"interleaved-thinking-2025-05-14"}  # what the Anthropic-format mock accepts


def gemini_schema_problem(schema, where):
    if not isinstance(schema, dict):
        return None
    for key, value in schema.items():
        if key not in GEMINI_KEYWORDS:
            return 'Invalid JSON payload received. Unknown name "%s" at \'%s\': Cannot find field.' % (key, where)
        if key == "format" and schema.get("type") == "string" and value not in ("enum", "date-time"):
            return "Invalid JSON payload received. format %r is not supported at '%s'" % (value, where)
        subs = []
        if key == "properties":
            subs = [(v, "%s.properties[%s]" % (where, k)) for k, v in value.items()]
        elif key == "items":
            subs = [(value, where + ".items")]
        elif key == "anyOf":
            subs = [(v, "%s.anyOf[%d]" % (where, i)) for i, v in enumerate(value)]
        for sub, sub_where in subs:
            problem = gemini_schema_problem(sub, sub_where)
            if problem:
                return problem
    return None


class StrictProvider(MockUpstream):
    def __init__(self, kind):
        super().__init__()
        self.kind = kind
        self.errors = []
        self.issued = {}  # tool call id -> what must come back with it
        self.responder = self._respond

    # --- checks -----------------------------------------------------------------------------

    def _problem(self, req):
        if self.kind == "anthropic":
            return self._anthropic_problem(req)
        body = req.json()
        tools = body.get("tools", [])
        if self.kind == "kimi" and len(tools) > 128:
            return "Invalid request: tools length must be <= 128"
        if self.kind.startswith("gemini"):
            for i, tool in enumerate(tools):
                problem = gemini_schema_problem(tool["function"].get("parameters", {}),
                                                "tools[%d].function.parameters" % i)
                if problem:
                    return problem
        if self.kind == "glm" and "thinking" in body:
            if body["thinking"] not in ({"type": "enabled"}, {"type": "disabled"}):
                return "thinking.type must be enabled or disabled"
        for index, m in enumerate(body["messages"]):
            if m["role"] == "system" and str(m.get("content", "")).startswith("x-anthropic-billing-header"):
                return "billing header reached the provider (breaks prefix caching)"
            if m["role"] != "assistant" or not m.get("tool_calls"):
                continue
            problem = self._history_problem(index, m)
            if problem:
                return problem
        return None

    def _history_problem(self, index, m):
        calls = m["tool_calls"]
        first = calls[0]
        wanted = self.issued.get(first["id"])
        if self.kind in ("kimi", "deepseek"):
            if "reasoning_content" not in m:
                return ("thinking is enabled but reasoning_content is missing in assistant tool "
                        "call message at index %d" % index)
            if wanted is not None and m["reasoning_content"] != wanted:
                return "reasoning_content of message %d is not what the model wrote" % index
        if self.kind == "gemini3":
            sig = first.get("extra_content", {}).get("google", {}).get("thought_signature")
            # Gemini also takes GEMINI_SKIP_SIGNATURE; this mock only for calls it did not make,
            # so that a signature lost on the way back is seen.
            if sig is None or (wanted is not None and sig != wanted):
                return ("Function call is missing a thought_signature in functionCall parts. "
                        "(message %d)" % index)
        if self.kind == "minimax" and wanted is not None:
            if not str(m.get("content") or "").startswith("<think>\n" + wanted + "\n</think>"):
                return "assistant message %d lost its <think> block" % index
        return None

    def _anthropic_problem(self, req):
        betas = [b.strip() for b in req.headers.get("anthropic-beta", "").split(",") if b.strip()]
        for beta in betas:
            if beta not in KNOWN_BETAS:
                return "Unsupported beta header: " + beta
        body = req.json()
        if "context_management" in body:
            return "context_management: Extra inputs are not permitted"
        return None

    # --- answers ----------------------------------------------------------------------------

    def _respond(self, req):
        problem = self._problem(req)
        if problem:
            self.errors.append(problem)
            if self.kind == "anthropic":
                return json_response({"type": "error", "error": {
                    "type": "invalid_request_error", "message": problem}}, status=400)
            return json_response({"error": {"message": problem, "type": "invalid_request_error",
                                            "code": 400}}, status=400)
        body = req.json()
        if self.kind == "anthropic":
            return self._anthropic_answer(body)
        has_result = any(m["role"] == "tool" for m in body["messages"])
        stream = body.get("stream", False)
        if has_result:
            return self._answer(stream, {"content": "Done: a.txt"}, "stop")
        return self._tool_call(stream)

    def _tool_call(self, stream):
        call_id = "call_" + secrets.token_hex(4)
        call = {"id": call_id, "type": "function",
                "function": {"name": "Bash", "arguments": json.dumps({"command": "ls"})}}
        message = {"content": "Let me look."}
        reasoning = "The user wants files; " + secrets.token_hex(6)
        if self.kind in ("kimi", "deepseek"):
            message["reasoning_content"] = reasoning
            self.issued[call_id] = reasoning
        elif self.kind == "minimax":
            message["content"] = "<think>\n" + reasoning + "\n</think>\n\nLet me look."
            self.issued[call_id] = reasoning
        elif self.kind == "gemini3":
            sig = "Cq" + secrets.token_urlsafe(48) + "+/=="
            call["extra_content"] = {"google": {"thought_signature": sig}}
            self.issued[call_id] = sig
        message["tool_calls"] = [call]
        return self._answer(stream, message, "tool_calls")

    def _answer(self, stream, message, finish):
        usage = {"prompt_tokens": 20, "completion_tokens": 7, "total_tokens": 27}
        if not stream:
            return json_response({"id": "c", "object": "chat.completion", "model": self.kind,
                                  "choices": [{"index": 0, "finish_reason": finish,
                                               "message": dict(role="assistant", **message)}],
                                  "usage": usage})
        chunks = []

        def delta(d, fin=None):
            chunks.append({"id": "c", "object": "chat.completion.chunk", "model": self.kind,
                           "choices": [{"index": 0, "delta": d, "finish_reason": fin}]})
        if "reasoning_content" in message:
            text = message["reasoning_content"]
            delta({"reasoning_content": text[:10]})
            delta({"reasoning_content": text[10:]})
        content = message.get("content") or ""
        for i in range(0, len(content), 7):
            delta({"content": content[i:i + 7]})
        for n, call in enumerate(message.get("tool_calls", [])):
            if self.kind == "glm":  # a new id on every delta
                args = call["function"]["arguments"]
                delta({"tool_calls": [{"index": n, "id": call["id"], "type": "function",
                                       "function": {"name": "Bash", "arguments": args[:5]}}]})
                delta({"tool_calls": [{"index": n, "id": "call_other" + str(n),
                                       "function": {"arguments": args[5:]}}]})
            else:
                delta({"tool_calls": [dict(call, index=n)]})
        delta({}, finish)
        chunks.append(dict(chunks[-1], choices=[], usage=usage))
        return sse_response(chunks + ["[DONE]"])

    def _anthropic_answer(self, body):
        has_result = any(isinstance(m["content"], list) and
                         any(b.get("type") == "tool_result" for b in m["content"])
                         for m in body["messages"])
        if has_result:
            content = [{"type": "text", "text": "Done: a.txt"}]
            stop = "end_turn"
        else:
            content = [{"type": "text", "text": "Let me look."},
                       {"type": "tool_use", "id": "toolu_" + secrets.token_hex(4), "name": "Bash",
                        "input": {"command": "ls"}}]
            stop = "tool_use"
        message = {"id": "msg_mock", "type": "message", "role": "assistant", "model": body["model"],
                   "content": content, "stop_reason": stop, "stop_sequence": None,
                   "usage": {"input_tokens": 20, "output_tokens": 7}}
        if not body.get("stream"):
            return json_response(message)
        events = [("message_start", {"type": "message_start",
                                     "message": dict(message, content=[], stop_reason=None)})]
        for i, block in enumerate(content):
            start = dict(block, input={}) if block["type"] == "tool_use" else dict(block, text="")
            events.append(("content_block_start", {"type": "content_block_start", "index": i,
                                                   "content_block": start}))
            if block["type"] == "text":
                d = {"type": "text_delta", "text": block["text"]}
            else:
                d = {"type": "input_json_delta", "partial_json": json.dumps(block["input"])}
            events.append(("content_block_delta", {"type": "content_block_delta", "index": i,
                                                   "delta": d}))
            events.append(("content_block_stop", {"type": "content_block_stop", "index": i}))
        events.append(("message_delta", {"type": "message_delta",
                                          "delta": {"stop_reason": stop, "stop_sequence": None},
                                          "usage": {"output_tokens": 7}}))
        events.append(("message_stop", {"type": "message_stop"}))
        raw = ["event: %s\ndata: %s\n\n" % (name, json.dumps(data)) for name, data in events]
        return sse_response(raw, raw=True)
