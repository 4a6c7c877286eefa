"""What the static upstream answers and what the load generator sends.

The upstream is nginx serving two files: one OpenAI chat completion (JSON) and one 50-chunk
OpenAI SSE stream shaped like a real provider's (role chunk, text deltas, a tool call whose
arguments arrive in pieces, finish chunk, usage chunk, [DONE]). The requests are the realistic
Claude Code body (86 KB, 25 tools) and a small one-message body, each in a streaming and a
non-streaming variant.
"""

import json
import os

MODEL = "bench/model-large"
CREATED = 1763700000

_TEXT_WORDS = (
    "I'll start by reading the build file to see how the targets are wired, then look at the "
    "worker's request path and the conversion layer. After that I will check the tests that "
    "cover streaming so that the change keeps every existing behaviour, and finally run the "
    "suite to confirm nothing regressed before I report back with a short summary."
).split(" ")

_TOOL_ARGS = ['{"file_', 'path": "/home/dev/src/', 'CMakeLists.txt"}']


def completion_json() -> bytes:
    """A non-streaming chat completion with text and one tool call."""
    body = {
        "id": "chatcmpl-bench-0001",
        "object": "chat.completion",
        "created": CREATED,
        "model": MODEL,
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": " ".join(_TEXT_WORDS),
                    "tool_calls": [
                        {
                            "id": "call_bench_0001",
                            "type": "function",
                            "function": {"name": "Read", "arguments": "".join(_TOOL_ARGS)},
                        }
                    ],
                },
                "finish_reason": "tool_calls",
            }
        ],
        "usage": {"prompt_tokens": 21480, "completion_tokens": 96, "total_tokens": 21576},
    }
    return json.dumps(body, separators=(",", ":")).encode()


def _chunk(delta, finish_reason=None, choices=True, usage=None) -> bytes:
    body = {
        "id": "chatcmpl-bench-0002",
        "object": "chat.completion.chunk",
        "created": CREATED,
        "model": MODEL,
        "choices": (
            [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}]
            if choices
            else []
        ),
    }
    if usage is not None:
        body["usage"] = usage
    return b"data: " + json.dumps(body, separators=(",", ":")).encode() + b"\n\n"


STREAM_CHUNKS = 50  # chunk events before the usage chunk and [DONE]


def stream_sse() -> bytes:
    """A 50-chunk streaming chat completion: role, text, a split tool call, finish."""
    chunks = [_chunk({"role": "assistant", "content": ""})]
    text_chunks = STREAM_CHUNKS - 2 - 1 - len(_TOOL_ARGS)  # role, finish, tool name, args
    words = (_TEXT_WORDS * 2)[:text_chunks]
    for i, word in enumerate(words):
        chunks.append(_chunk({"content": word if i == 0 else " " + word}))
    chunks.append(
        _chunk(
            {
                "tool_calls": [
                    {
                        "index": 0,
                        "id": "call_bench_0002",
                        "type": "function",
                        "function": {"name": "Read", "arguments": ""},
                    }
                ]
            }
        )
    )
    for piece in _TOOL_ARGS:
        chunks.append(_chunk({"tool_calls": [{"index": 0, "function": {"arguments": piece}}]}))
    chunks.append(_chunk({}, finish_reason="tool_calls"))
    assert len(chunks) == STREAM_CHUNKS
    chunks.append(
        _chunk(
            None,
            choices=False,
            usage={"prompt_tokens": 21480, "completion_tokens": 96, "total_tokens": 21576},
        )
    )
    chunks.append(b"data: [DONE]\n\n")
    return b"".join(chunks)


def small_request(stream: bool) -> bytes:
    body = {
        "model": "claude-sonnet-4-5",
        "max_tokens": 1024,
        "messages": [{"role": "user", "content": "Say hello in one short sentence."}],
        "stream": stream,
    }
    return json.dumps(body, separators=(",", ":")).encode()


def large_request(fixture_path: str, stream: bool) -> bytes:
    """The Claude Code fixture as it is (it streams); the non-streaming variant only flips the
    final top-level flag so both variants are the same bytes otherwise."""
    with open(fixture_path, "rb") as f:
        raw = f.read()
    tail = b'"stream": true}'
    if not raw.rstrip().endswith(tail):
        # Unknown layout: fall back to a JSON round trip.
        body = json.loads(raw)
        body["stream"] = stream
        return json.dumps(body).encode()
    if stream:
        return raw
    return raw.rstrip()[: -len(tail)] + b'"stream": false}'


def write_all(out_dir: str, fixture_path: str) -> dict:
    """Writes every body into out_dir; returns their paths by name."""
    files = {
        "completion.json": completion_json(),
        "stream.sse": stream_sse(),
        "req-large-stream.json": large_request(fixture_path, True),
        "req-large-json.json": large_request(fixture_path, False),
        "req-small-stream.json": small_request(True),
        "req-small-json.json": small_request(False),
    }
    paths = {}
    for name, data in files.items():
        path = os.path.join(out_dir, name)
        with open(path, "wb") as f:
            f.write(data)
        paths[name] = path
    return paths
