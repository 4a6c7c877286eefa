"""The usage ledger end to end.

Two supervised workers (one translating to OpenAI chat completions, one passing Anthropic
requests through) answer requests from one mock upstream that reports known token counts; the
fleet is stopped and started again in between. Then `ccproxy usage --json` must give exactly
the tokens the mock reported, per profile and in total, `statusline` the known session, and
`clean-logs` must apply the retention. Every wait is bounded; the fleet is stopped in tearDown.
"""

import json
import os
import sqlite3
import sys
import time
import unittest
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "supervisor_e2e"))
sys.path.insert(0, os.path.join(HERE, "..", "worker_e2e"))

import mock_upstream  # noqa: E402
from test_supervisor import BIN, SupervisorCase, free_ports  # noqa: E402

SESSION = "3f1c2a9e-5b7d-4c1e-9a0b-usage-e2e"


def openai_answer(prompt, completion, cached):
    return mock_upstream.json_response({
        "id": "chatcmpl-1", "object": "chat.completion", "model": "m",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"},
                     "finish_reason": "stop"}],
        "usage": {"prompt_tokens": prompt, "completion_tokens": completion,
                  "prompt_tokens_details": {"cached_tokens": cached}},
    })


def openai_stream(prompt, completion):
    return mock_upstream.sse_response([
        {"id": "c", "choices": [{"index": 0, "delta": {"role": "assistant", "content": "hi"}}]},
        {"id": "c", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
        {"id": "c", "choices": [], "usage": {"prompt_tokens": prompt,
                                             "completion_tokens": completion}},
        "[DONE]",
    ])


def anthropic_answer(inp, out, cache_read, cache_write):
    return mock_upstream.json_response({
        "id": "msg_1", "type": "message", "role": "assistant", "model": "m",
        "content": [{"type": "text", "text": "ok"}], "stop_reason": "end_turn",
        "usage": {"input_tokens": inp, "output_tokens": out,
                  "cache_read_input_tokens": cache_read,
                  "cache_creation_input_tokens": cache_write},
    })


def post(port, stream=False, session=SESSION, model="claude-sonnet-4-5"):
    body = json.dumps({"model": model, "max_tokens": 64, "stream": stream,
                       "messages": [{"role": "user", "content": "hello"}]}).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{port}/v1/messages", data=body, method="POST",
                                 headers={"content-type": "application/json",
                                          "x-claude-code-session-id": session})
    with urllib.request.urlopen(req, timeout=10) as r:
        r.read()
        return r.status


@unittest.skipUnless(BIN and os.path.exists(BIN), "CCPROXY_BIN not set")
class UsageLedgerTest(SupervisorCase):
    def setUp(self):
        super().setUp()
        self.upstream = mock_upstream.MockUpstream()
        self.addCleanup(self.upstream.stop)
        self.ports = dict(zip(("gpt", "pass"), free_ports(2)))
        self.write_usage_profiles()

    def write_usage_profiles(self):
        url = self.upstream.url
        with open(os.path.join(self.home, "profiles", "gpt.toml"), "w") as f:
            f.write(f'port = {self.ports["gpt"]}\n'
                    f'[upstream]\nbase_url = "{url}/v1"\napi_key = "sk-test-000000000000"\n'
                    '[models]\nbig = "vendor/big"\nmiddle = "vendor/mid"\n'
                    '[pricing]\n"vendor/mid" = { input = 1.0, output = 2.0, cache_read = 0.5 }\n')
        with open(os.path.join(self.home, "profiles", "pass.toml"), "w") as f:
            f.write(f'port = {self.ports["pass"]}\n'
                    f'[upstream]\nbase_url = "{url}/v1"\nformat = "anthropic"\n'
                    'api_key = "sk-test-000000000000"\n[models]\nbig = "vendor/anth"\n')

    def usage_json(self, *args):
        r = self.ccproxy("usage", "--json", *args)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        return json.loads(r.stdout)

    def test_two_workers_a_restart_and_the_report_adds_up(self):
        self.start_ok()
        # Round 1: three answers through gpt (two whole, one streamed), two through pass.
        self.upstream.queue(openai_answer(1000, 100, 400))
        self.assertEqual(post(self.ports["gpt"]), 200)
        self.upstream.queue(openai_answer(2000, 200, 0))
        self.assertEqual(post(self.ports["gpt"]), 200)
        self.upstream.queue(openai_stream(300, 30))
        self.assertEqual(post(self.ports["gpt"], stream=True), 200)
        self.upstream.queue(anthropic_answer(50, 5, 500, 70))
        self.assertEqual(post(self.ports["pass"], session="other-session"), 200)
        self.upstream.queue(anthropic_answer(60, 6, 0, 0))
        self.assertEqual(post(self.ports["pass"], session="other-session"), 200)

        r = self.ccproxy("stop")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        ledger = os.path.join(self.home, "usage.db")
        self.assertEqual(os.stat(ledger).st_mode & 0o777, 0o600)
        self.start_ok()
        # Round 2, after a full stop/start: one more each, and an upstream error through gpt.
        self.upstream.queue(openai_answer(4000, 400, 1000))
        self.assertEqual(post(self.ports["gpt"]), 200)
        self.upstream.queue(anthropic_answer(70, 7, 0, 0))
        self.assertEqual(post(self.ports["pass"], session="other-session"), 200)
        self.upstream.queue(mock_upstream.json_response({"error": {"message": "bad"}}, status=400))
        with self.assertRaises(urllib.error.HTTPError) as caught:
            post(self.ports["gpt"])
        self.assertEqual(caught.exception.code, 400)
        # /metrics counts the rows the writer has written (within its 1 s batching) and lost.
        deadline = time.monotonic() + 10
        while True:
            metrics = self.metrics(self.ports["gpt"])
            if "ccproxy_ledger_rows_written_total 2" in metrics or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        self.assertIn("ccproxy_ledger_rows_written_total 2\n", metrics)
        self.assertIn("ccproxy_ledger_rows_dropped_total 0\n", metrics)
        r = self.ccproxy("stop")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

        report = self.usage_json()
        rows = {(x["profile"], x["model"]): x for x in report["rows"]}
        self.assertEqual(set(rows), {("gpt", "vendor/mid"), ("pass", "vendor/anth")})
        gpt, passed = rows[("gpt", "vendor/mid")], rows[("pass", "vendor/anth")]
        # OpenAI: input is prompt minus cached, cache reads are the cached tokens.
        self.assertEqual(gpt["requests"], 5)
        self.assertEqual(gpt["errors"], 1)
        self.assertEqual(gpt["input_tokens"], (1000 - 400) + 2000 + 300 + (4000 - 1000))
        self.assertEqual(gpt["output_tokens"], 100 + 200 + 30 + 400)
        self.assertEqual(gpt["cache_read_tokens"], 400 + 1000)
        expected_cost = (5900 * 1.0 + 730 * 2.0 + 1400 * 0.5) / 1e6
        self.assertAlmostEqual(gpt["cost_usd"], expected_cost, places=12)
        self.assertEqual(passed["requests"], 3)
        self.assertEqual(passed["errors"], 0)
        self.assertEqual(passed["input_tokens"], 50 + 60 + 70)
        self.assertEqual(passed["output_tokens"], 5 + 6 + 7)
        self.assertEqual(passed["cache_read_tokens"], 500)
        self.assertEqual(passed["cache_write_tokens"], 70)
        self.assertIsNone(passed["cost_usd"])  # no [pricing]: no cost, never a guess
        total = report["total"]
        self.assertEqual(total["requests"], 8)
        self.assertEqual(total["input_tokens"], 5900 + 180)
        self.assertEqual(total["output_tokens"], 730 + 18)
        self.assertEqual(total["cache_read_tokens"], 1900)
        self.assertIsNone(total["cost_usd"])
        self.assertIsNotNone(total["p50_latency_ms"])

        # The rows themselves: upstream label, client model, stream flag, session, status.
        db = sqlite3.connect(ledger)
        got = db.execute("SELECT profile, upstream, client_model, session, stream, status, "
                         "ttfb_ms IS NOT NULL FROM requests ORDER BY time_ms, id").fetchall()
        db.close()
        self.assertEqual(len(got), 8)
        # A profile with the single [upstream] is a pool of one named after its host.
        upstream_name = self.upstream.url.split("://", 1)[1]
        self.assertEqual(got[0], ("gpt", upstream_name, "claude-sonnet-4-5", SESSION, 0, 200, 1))
        self.assertEqual(sum(1 for g in got if g[4] == 1), 1)
        self.assertEqual(sorted(g[5] for g in got), [200] * 7 + [400])

        by_session = self.usage_json("--by", "session")
        sessions = {x["session"]: x for x in by_session["rows"]}
        self.assertEqual(sessions[SESSION]["requests"], 5)
        self.assertEqual(sessions["other-session"]["requests"], 3)
        by_day = self.usage_json("--by", "day", "--since", "1d")
        self.assertEqual(len(by_day["rows"]), 1)
        self.assertEqual(by_day["total"]["input_tokens"], total["input_tokens"])
        self.assertEqual(self.usage_json("--until", "2020-01-01")["total"]["requests"], 0)

        # The table, piped: plain text (no colour, no bars), a TOTAL line.
        r = self.ccproxy("usage", "--by", "day")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("TOTAL", r.stdout)
        self.assertNotIn("\u2588", r.stdout)
        self.assertNotIn("\033", r.stdout)

        # statusline for the known session on gpt's port.
        line = self.statusline(self.ports["gpt"], {"session_id": SESSION,
                                                   "model": {"id": "claude-sonnet-4-5"}})
        gpt_tokens = 5900 + 730 + 1400
        self.assertEqual(line, f"gpt · vendor/mid · session {gpt_tokens / 1000:.1f}k tok "
                               f"${expected_cost:.4f} · today ${expected_cost:.4f}")

    def metrics(self, port):
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
            return r.read().decode()

    def statusline(self, port, payload, base_url=None):
        env = dict(os.environ)
        env["ANTHROPIC_BASE_URL"] = base_url or f"http://127.0.0.1:{port}"
        t0 = time.monotonic()
        r = __import__("subprocess").run([BIN, "--home", self.home, "statusline"],
                                         input=json.dumps(payload), capture_output=True,
                                         text=True, timeout=10, env=env)
        self.elapsed = time.monotonic() - t0
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.count("\n"), 1, r.stdout)
        return r.stdout.strip()

    def test_statusline_without_ledger_or_profile_says_so_in_one_line(self):
        port = self.ports["gpt"]
        self.assertEqual(self.statusline(port, {"session_id": "x"}),
                         "gpt · vendor/big · no usage recorded yet")
        self.assertEqual(self.statusline(1, {}), "ccproxy: no valid profile on port 1 in "
                         + self.home)
        self.assertEqual(self.statusline(port, {}, base_url="nonsense"),
                         "ccproxy: ANTHROPIC_BASE_URL is not an http(s) URL")
        self.assertEqual(self.statusline(port, "not json at all"),
                         "gpt · vendor/big · no usage recorded yet")

    def test_usage_errors_and_an_empty_ledger(self):
        for args in (["--since", "7x"], ["--until", "2026-13-01"], ["--by", "week"],
                     ["--since", "1d", "--until", "2d"], ["--sinse", "1d"]):
            r = self.ccproxy("usage", *args)
            self.assertEqual(r.returncode, 2, (args, r.stdout, r.stderr))
            self.assertIn("usage: ccproxy", r.stderr)
        r = self.ccproxy("usage")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("no usage recorded yet", r.stdout)
        self.assertFalse(os.path.exists(os.path.join(self.home, "usage.db")))
        empty = self.usage_json()
        self.assertEqual(empty["rows"], [])
        self.assertEqual(empty["total"]["requests"], 0)

    def test_clean_logs_applies_the_retention_and_disabled_ledger_records_nothing(self):
        with open(os.path.join(self.home, "ccproxy.toml"), "a") as f:
            f.write("\n[usage]\nenabled = false\nretention_days = 30\n")
        self.start_ok()
        self.upstream.queue(openai_answer(10, 1, 0))
        self.assertEqual(post(self.ports["gpt"]), 200)
        self.ccproxy("stop")
        self.assertFalse(os.path.exists(os.path.join(self.home, "usage.db")))

        # A ledger with one row of 40 days ago and one of now.
        with open(os.path.join(self.home, "ccproxy.toml"), "w") as f:
            f.write("[usage]\nretention_days = 30\n")
        self.start_ok()
        self.upstream.queue(openai_answer(10, 1, 0))
        self.assertEqual(post(self.ports["gpt"]), 200)
        self.ccproxy("stop")
        db = sqlite3.connect(os.path.join(self.home, "usage.db"))
        old_ms = int((time.time() - 40 * 86400) * 1000)
        db.execute("INSERT INTO requests (time_ms, profile, upstream, model, client_model, "
                   "stream, status, input_tokens, output_tokens, cache_read_tokens, "
                   "cache_write_tokens, latency_ms) VALUES (?, 'gpt', 'u', 'm', 'c', 0, 200, "
                   "5, 5, 0, 0, 1)", (old_ms,))
        db.commit()
        db.close()
        r = self.ccproxy("clean-logs", "--dry-run")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("would remove 1 usage ledger row older than 30 days", r.stdout)
        r = self.ccproxy("clean-logs")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("removed 1 usage ledger row older than 30 days", r.stdout)
        self.assertEqual(self.usage_json()["total"]["requests"], 1)


if __name__ == "__main__":
    unittest.main()
