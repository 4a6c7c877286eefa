#!/usr/bin/env python3
"""Many concurrent streaming clients on loopback, for the scale test.

Opens N connections (all at once, or spread evenly over --ramp seconds), POSTs the same body on each, reads each streaming response to its
end and records, per client: time to the first response byte (TTFB) and to the first
content-bearing event (the byte string given by --marker), both counted from the moment its
request was sent; total time; and whether the stream completed (--end marker seen, status 200). Prints one JSON object with the summary.

Stdlib only (asyncio); HTTP/1.1 with Content-Length or chunked responses.
"""

import argparse
import asyncio
import json
import sys
import time
import urllib.parse


class Counters:
    def __init__(self):
        self.active = 0
        self.peak_active = 0


def percentile(values, p):
    if not values:
        return None
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, int(round(p / 100.0 * (len(ordered) - 1)))))
    return ordered[k]


async def read_body(reader, headers, on_bytes):
    """Reads the response body, calling on_bytes(data) for each piece as it arrives."""
    te = headers.get("transfer-encoding", "").lower()
    if "chunked" in te:
        while True:
            size_line = await reader.readline()
            if not size_line:
                raise ConnectionError("eof inside chunked body")
            size = int(size_line.split(b";")[0].strip(), 16)
            if size == 0:
                # Trailers until the empty line.
                while True:
                    line = await reader.readline()
                    if line in (b"\r\n", b"\n", b""):
                        return
            data = await reader.readexactly(size + 2)
            on_bytes(data[:-2])
    elif "content-length" in headers:
        remaining = int(headers["content-length"])
        while remaining > 0:
            data = await reader.read(min(remaining, 65536))
            if not data:
                raise ConnectionError("eof before content-length")
            remaining -= len(data)
            on_bytes(data)
    else:
        while True:
            data = await reader.read(65536)
            if not data:
                return
            on_bytes(data)


async def one_client(args, host, port, path, body, counters, start_gate, results, delay):
    await start_gate.wait()
    if delay > 0:
        await asyncio.sleep(delay)
    rec = {"ok": False, "error": None, "ttfb": None, "first_event": None, "total": None,
           "sent_at": None}
    t0 = time.perf_counter()
    writer = None
    streaming = False
    try:
        reader, writer = await asyncio.open_connection(host, port)
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
            "Content-Type: application/json\r\nAccept: text/event-stream\r\n"
            "anthropic-version: 2023-06-01\r\nx-api-key: sk-bench-client\r\n"
            "Authorization: Bearer sk-bench-client\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        ).encode()
        writer.write(head + body)
        await writer.drain()
        # Latencies count from the moment the whole request was handed to the kernel, so the
        # client's own ramp (opening N connections from one event loop) is not in them.
        t_sent = time.perf_counter()
        rec["sent_at"] = t_sent
        status_line = await reader.readline()
        if not status_line:
            raise ConnectionError("closed before the status line")
        rec["ttfb"] = time.perf_counter() - t_sent
        # From here until the end this client holds an open stream.
        streaming = True
        counters.active += 1
        counters.peak_active = max(counters.peak_active, counters.active)
        status = int(status_line.split()[1])
        headers = {}
        while True:
            line = await reader.readline()
            if line in (b"\r\n", b"\n"):
                break
            if not line:
                raise ConnectionError("closed inside the headers")
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        seen = bytearray()
        marker = args.marker.encode()

        def on_bytes(data):
            if rec["first_event"] is None:
                # Keep a small tail so a marker split across reads is still found.
                seen.extend(data)
                if marker in seen:
                    rec["first_event"] = time.perf_counter() - t_sent
                    del seen[:]
                else:
                    del seen[: max(0, len(seen) - len(marker))]
            on_bytes.tail = (on_bytes.tail + bytes(data))[-256:]

        on_bytes.tail = b""
        await read_body(reader, headers, on_bytes)
        rec["total"] = time.perf_counter() - t0
        if status != 200:
            rec["error"] = f"status {status}"
        elif args.end.encode() not in on_bytes.tail:
            rec["error"] = "stream ended without its end marker"
        elif rec["first_event"] is None:
            rec["error"] = "no content event"
        else:
            rec["ok"] = True
    except (OSError, asyncio.IncompleteReadError, ValueError, IndexError) as e:
        rec["error"] = f"{type(e).__name__}: {e}"
    finally:
        if streaming:
            counters.active -= 1
        if writer is not None:
            writer.close()
    results.append(rec)


async def main_async(args):
    url = urllib.parse.urlsplit(args.url)
    host, port = url.hostname, url.port
    path = url.path + (("?" + url.query) if url.query else "")
    with open(args.body, "rb") as f:
        body = f.read()
    counters = Counters()
    gate = asyncio.Event()
    results = []
    tasks = [
        asyncio.create_task(one_client(args, host, port, path, body, counters, gate, results,
                                       args.ramp * i / args.clients))
        for i in range(args.clients)
    ]
    t0 = time.perf_counter()
    gate.set()
    done, pending = await asyncio.wait(tasks, timeout=args.timeout)
    for t in pending:
        t.cancel()
    wall = time.perf_counter() - t0
    errors = {}
    for r in results:
        if not r["ok"]:
            errors[r["error"]] = errors.get(r["error"], 0) + 1
    if pending:
        errors["timed out"] = len(pending)
    ok = [r for r in results if r["ok"]]
    ttfb = [r["ttfb"] for r in ok]
    first = [r["first_event"] for r in ok]
    total = [r["total"] for r in ok]
    ms = lambda v: None if v is None else round(v * 1000.0, 2)
    sent = [r["sent_at"] for r in results if r["sent_at"] is not None]
    return {
        "clients": args.clients,
        "completed": len(ok),
        "errors": sum(errors.values()),
        "error_kinds": errors,
        "peak_concurrent": counters.peak_active,
        "wall_s": round(wall, 2),
        # How long the client took to open every connection and send every request.
        "ramp_ms": ms(max(sent) - t0) if sent else None,
        "ttfb_ms": {"p50": ms(percentile(ttfb, 50)), "p99": ms(percentile(ttfb, 99)),
                    "max": ms(max(ttfb) if ttfb else None)},
        "first_event_ms": {"p50": ms(percentile(first, 50)), "p99": ms(percentile(first, 99)),
                           "max": ms(max(first) if first else None)},
        "stream_s": {"p50": None if not total else round(percentile(total, 50), 2),
                     "min": None if not total else round(min(total), 2)},
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", required=True)
    ap.add_argument("--body", required=True, help="file with the request body")
    ap.add_argument("--clients", type=int, default=1000)
    ap.add_argument("--timeout", type=float, default=120.0)
    ap.add_argument("--ramp", type=float, default=0.0,
                    help="seconds over which the clients start, evenly spread")
    ap.add_argument("--marker", required=True, help="bytes of the first content event")
    ap.add_argument("--end", required=True, help="bytes the last event contains")
    args = ap.parse_args()
    print(json.dumps(asyncio.run(main_async(args))))


if __name__ == "__main__":
    sys.exit(main())
