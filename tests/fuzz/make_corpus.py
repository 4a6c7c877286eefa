#!/usr/bin/env python3
"""Regenerates the seed corpora in tests/fuzz/corpus/ from the project's test fixtures.

usage: python3 tests/fuzz/make_corpus.py   (run from anywhere; rewrites only seed-* files)

Seeds are small on purpose: the golden conversion inputs, the recorded upstream streams, the
shipped profiles, and the realistic Claude Code request. Files the fuzzer adds to a corpus
directory while running long (tests/fuzz/run.sh) are not committed.
"""
import glob
import os
import re

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
GOLDEN = os.path.join(ROOT, "tests", "convert", "golden")
FIXTURE = os.path.normpath(os.path.join(ROOT, "tests", "fixtures", "claude-code-request.json"))


def reset(target):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    for f in glob.glob(os.path.join(d, "seed-*")):
        os.remove(f)
    return d


def write(d, name, data):
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


def streams():
    for path in sorted(glob.glob(os.path.join(GOLDEN, "stream", "*.sse"))):
        with open(path, "rb") as f:
            yield os.path.basename(path)[:-4], f.read()


def sse_parser():
    d = reset("sse_parser")
    for i, (name, data) in enumerate(streams()):
        # byte 0: the cap (3 = default 8 MiB; 1 = 64 bytes), byte 1: the split seed
        write(d, name, bytes([3 if i % 3 else 1, i]) + data)
    write(d, "fields", b"\x02\x07event: x\r\nid: 1\nretry: 10\n:c\ndata\ndata:\ndata:  a\r\rdata:b\n\n")


# stream_translator segments: <kind byte><payload>, separated by 0xFF (see the target).
CONTENT, REASONING, TOOL, TOOL_ARGS, FINISH, USAGE, DONE, ERROR_OBJ, ERROR_EVENT, KEEPALIVE, \
    RAW_DATA, RAW, CONTENT_STOP, TOOL_NO_INDEX, REASONING_FIELD, DELTA = range(16)


def seg(kind, payload=b""):
    return bytes([kind]) + payload


def translator_input(flags, *segments):
    return bytes([flags]) + b"\xff".join(segments)


def stream_translator():
    d = reset("stream_translator")
    # Recorded upstream streams, one raw segment per SSE event.
    for i, (name, data) in enumerate(streams()):
        events = [e for e in re.split(rb"(?<=\n\n)", data) if e]
        write(d, name, translator_input(8 | (i & 4), *[seg(RAW, e) for e in events]))
    write(d, "text", translator_input(8, seg(CONTENT, b"Hello"), seg(CONTENT, b" world"),
                                      seg(FINISH, b"\x00"), seg(USAGE, b"abc"), seg(DONE)))
    write(d, "think_tags", translator_input(12, seg(CONTENT, b"<thi"), seg(CONTENT, b"nk>plan</th"),
                                            seg(CONTENT, b"ink>\n\nanswer"), seg(FINISH, b"\x00")))
    write(d, "reasoning_tool", translator_input(8, seg(REASONING, b"let me read"),
                                                seg(TOOL, b"\x00\x00{\"file"),
                                                seg(TOOL_ARGS, b"\x00\x00_path\":\"/a\"}"),
                                                seg(FINISH, b"\x02"), seg(DONE)))
    write(d, "parallel_tools", translator_input(9, seg(TOOL, b"\x00\x00{\"a\":"),
                                                seg(TOOL, b"\x01\x01{\"b\":"),
                                                seg(TOOL_ARGS, b"\x01\x011}"),
                                                seg(TOOL_ARGS, b"\x00\x002}"),
                                                seg(FINISH, b"\x02")))
    write(d, "no_index_tools", translator_input(8, seg(TOOL_NO_INDEX, b"\x00\x01{}"),
                                                seg(TOOL_NO_INDEX, b"\x01\x02{\"x\":[1,2]}"),
                                                seg(CONTENT_STOP, b"done")))
    write(d, "errors", translator_input(10, seg(CONTENT, b"partial"),
                                        seg(ERROR_OBJ, b"rate limited"), seg(CONTENT, b"late")))
    write(d, "error_event", translator_input(8, seg(KEEPALIVE), seg(ERROR_EVENT, b"overloaded")))
    write(d, "cut", translator_input(13, seg(TOOL, b"\x00\x00{\"cmd\":\"ls")))
    write(d, "raw_delta", translator_input(8, seg(DELTA, b"{\"content\":\"x\",\"tool_calls\":[{}]}"),
                                           seg(RAW_DATA, b"{\"choices\":[{\"delta\":{},\"finish_reason\":\"length\"}]}"),
                                           seg(REASONING_FIELD, b"r")))
    write(d, "invalid_utf8", translator_input(8, seg(CONTENT, b"\xc3\x28 \xed\xa0\x80"),
                                              seg(FINISH, b"\x01")))


def request_converter():
    d = reset("request_converter")
    for path in sorted(glob.glob(os.path.join(GOLDEN, "request", "*.in.json"))):
        with open(path, "rb") as f:
            write(d, os.path.basename(path)[:-8] + ".json", f.read())
    if os.path.exists(FIXTURE):
        with open(FIXTURE, "rb") as f:
            write(d, "claude-code-request.json", f.read())


def profile_loader():
    d = reset("profile_loader")
    defaults = (b"[defaults]\nclient_api_key = \"${CLIENT_KEY}\"\n[defaults.upstream.headers]\n"
                b"\"X-Title\" = \"ccproxy\"\n[logs]\nrotate_mb = 10\nretention_days = 2\ncompress = true\n"
                b"[supervisor]\nhealth_interval_s = 5\nmax_failures = 3\n")
    dotenv = b"REQUESTY_API_KEY=sk-test-1\nexport CLIENT_KEY='k-1'\nOTHER=\"a\\nb\" # note\n"
    for path in sorted(glob.glob(os.path.join(ROOT, "profiles", "*.toml"))):
        with open(path, "rb") as f:
            profile = f.read()
        name = os.path.basename(path)[:-5]
        write(d, name, profile)
        write(d, name + "_with_home", profile + b"\xff" + defaults + b"\xff" + dotenv)
    write(d, "limits", b"port = 9001\n[upstream]\nbase_url = \"http://127.0.0.1:1/v1\"\n"
                       b"api_key = \"sk-x\"\nformat = \"anthropic\"\n[models]\nbig = \"a/b\"\n"
                       b"[timeouts]\nconnect_s = 1\nfirst_byte_s = 2\nidle_s = 2.5\ntotal_s = 60\n"
                       b"[retry]\nmax_retries = 0\n[limits]\nmax_tokens = 8192\nmin_tokens = 16\n"
                       b"max_request_body_mb = 4\n")


if __name__ == "__main__":
    sse_parser()
    stream_translator()
    request_converter()
    profile_loader()
